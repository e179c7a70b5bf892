// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * p2p-check's warnings: what the verdicts rest on, what they cannot see
 * (a partial capture, an unknown CPU or release, the kernel's cached
 * verdicts) and what else on the platform stands in the way.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "p2p-check.h"
#include "sysfs.h"

static void pair_unknown_warnings(struct check *c, const struct pair *p,
				  const char *a, const char *b)
{
	const struct p2p_result *r = &p->res;
	char rel[32];

	if (r->unknown & P2P_UNKNOWN_ACS)
		str_list_add_new(
			&c->warnings,
			"%s <-> %s: unknown: ACS control of a port on the path is unreadable (config space truncated); direct if no port redirects",
			a, b);
	if (r->unknown & P2P_UNKNOWN_CPU)
		str_list_add_new(
			&c->warnings,
			"%s <-> %s: unknown: the host-bridge path depends on the CPU (the kernel allows it on AMD family 17h and later); give it with --cpu",
			a, b);
	if ((r->unknown & P2P_UNKNOWN_RELEASE) && r->entry)
		str_list_add_new(
			&c->warnings,
			"%s <-> %s: unknown: the host bridge is on the kernel's whitelist from %s; whether Linux %s has it is not established (a stable backport, or a release not yet out)",
			a, b, r->entry->origin,
			p2p_kernel_format(check_kernel(c), rel, sizeof(rel)));
	if (r->unknown & P2P_UNKNOWN_LOST_BRIDGE)
		str_list_add_new(
			&c->warnings,
			"%s <-> %s: unknown: a function on the path sits on a bus no bridge in the capture has as its secondary bus, and no SR-IOV physical function places a VF there: the capture lost the bridge above it, whose ACS decides; direct if it does not redirect",
			a, b);
	if (r->unknown & P2P_UNKNOWN_PARTIAL)
		str_list_add_new(
			&c->warnings,
			"%s <-> %s: unknown: the capture lacks the ports above them (a root bus starts with a switch port or an endpoint), so a switch they share may be missing",
			a, b);
	if (r->unknown & P2P_UNKNOWN_HOST_BRIDGE)
		str_list_add_new(
			&c->warnings,
			"%s <-> %s: unknown: the kernel matches the first function of the root bus against its whitelist only if it is 00.0 or a root port, and its port type is unreadable",
			a, b);
}

static void pair_warnings(struct check *c, const struct pair *p)
{
	if (p->multipath_head && c->head_fabrics_path &&
	    p2p_head_takes_p2p(check_kernel(c)))
		str_list_add_new(
			&c->warnings,
			"an NVMe multipath head node named has a path through a controller that is not a PCI function (NVMe over fabrics): blk_stack_limits() (Linux 7.2) keeps the head's PCI P2PDMA feature only if every path has it, so the head takes no P2P pages; name the per-controller namespace (nvme_core.multipath=N) instead");
	char a[PCI_ADDR_STRLEN], b[PCI_ADDR_STRLEN], rel[32];
	const struct p2p_result *r = &p->res;

	check_addr(c, p->a, a);
	check_addr(c, p->b, b);
	if (p->verdict == P2P_HOST_BRIDGE)
		str_list_add_new(
			&c->warnings,
			"%s <-> %s: P2P is allowed but goes through the host bridge, where forwarding between root ports is often slow; a PCIe switch above both devices is recommended",
			a, b);
	if (r->common >= 0 && r->bridge_levels > 1)
		str_list_add_new(
			&c->warnings,
			"%s <-> %s: the route crosses %u switch levels; posted writes and completions on different paths are not ordered against each other, so do not rely on ordering between the devices",
			a, b, r->bridge_levels);
	pair_unknown_warnings(c, p, a, b);
	if (r->acs_redirect_count > 1 && r->verdict != P2P_DIRECT &&
	    (p2p_acs_params_of(check_kernel(c)) == P2P_ACS_PARAMS_FIRST_ONLY ||
	     p2p_acs_params_of(check_kernel(c)) == P2P_ACS_PARAMS_UNSURE))
		str_list_add_new(
			&c->warnings,
			"%s <-> %s: no boot parameter of Linux %s clears ACS redirect on all %zu ports of the path: before commit 9cf8a952d57b (Linux 6.15, stable 6.12.23; its 6.13.y/6.14.y update is not established here) pci=config_acs applies only its first entry and pci=disable_acs_redir keeps the firmware's RR/CR/EC; use the setpci fixes after every boot, or a kernel with that commit",
			a, b,
			p2p_kernel_format(check_kernel(c), rel, sizeof(rel)),
			r->acs_redirect_count);
	if (r->acs_redirect_count && r->verdict != P2P_DIRECT)
		str_list_add_new(
			&c->warnings,
			"ACS fixes: setpci changes are lost on reboot and are rewritten by the kernel on reset, resume and error recovery; the kernel keeps the verdict it cached for a pair until the provider's driver is unbound and bound again (its namespaces and anything mounted from them go away for that moment) or the system reboots; disabling ACS redirect weakens isolation between devices (IOMMU groups, VFIO)");
	if (c->plat.live && c->plat.iommu_present == 1 &&
	    p->verdict == P2P_DIRECT)
		str_list_add_new(
			&c->warnings,
			"%s <-> %s: bus addresses with an IOMMU: if ACS redirect comes back (reset, resume, AER recovery) while the kernel's cached verdict still says bus addresses, peer writes can be lost without any error; p2pcp checks that its data arrived",
			a, b);
}

/* Intel PCH root ports whose ACS registers are not where the spec says. */
static bool intel_pch_acs_quirk(const struct pci_node *n)
{
	uint16_t d = n->device;

	/*
	 * pci_quirk_intel_spt_pch_acs_match() in drivers/pci/quirks.c
	 * (Linux 6.12): Sunrise Point, Union Point, 7th/8th gen mobile.
	 */
	return n->vendor == 0x8086 && n->has_acs &&
	       n->role == PCI_ROLE_ROOT_PORT &&
	       ((d >= 0xa110 && d <= 0xa11f) || (d >= 0xa167 && d <= 0xa16a) ||
		(d >= 0xa290 && d <= 0xa29f) || (d >= 0xa2e7 && d <= 0xa2ee) ||
		(d >= 0x9d10 && d <= 0x9d1b));
}

static void capture_warnings(struct check *c)
{
	const struct pci_topo_gaps *g = &c->topo->gaps;

	if (g->virtual_bus)
		str_list_add_new(
			&c->warnings,
			"SR-IOV virtual functions on a bus that no bridge has as its secondary bus (placed there by their physical function's SR-IOV capability): their upstream bridge is their physical function's, as the kernel's pci_upstream_bridge() has it");
	if (c->plat.live)
		return;
	if (g->orphans)
		str_list_add_new(
			&c->warnings,
			"the capture lost a bridge: a function sits on a bus no bridge has as its secondary bus, and no SR-IOV physical function covers it; capture the whole system with 'sudo lspci -xxxx'");
	if (g->root_bus_partial)
		str_list_add_new(
			&c->warnings,
			"the capture is partial: a root bus starts with a switch port or an endpoint, so the ports above it are missing; capture the whole system with 'sudo lspci -xxxx'");
	if (g->no_host_bridge)
		str_list_add_new(
			&c->warnings,
			"the capture has no host bridge function (class 06:00): the kernel's whitelist match may use another function of the root bus");
}

static void kernel_warnings(struct check *c)
{
	const struct platform *p = &c->plat;
	char rel[32];

	p2p_kernel_format(check_kernel(c), rel, sizeof(rel));
	if (c->kernel_source == KERNEL_NEWEST && p->live)
		str_list_add_new(
			&c->warnings,
			"the running kernel's release is unknown ('%s'): judged by the rules of Linux %s, the newest this tool knows; give the release with --kernel",
			p->kernel_release, rel);
	else if (c->kernel_source == KERNEL_NEWEST)
		str_list_add_new(
			&c->warnings,
			"judged by the rules of Linux %s, the newest this tool knows; give the release of the kernel that will run with --kernel",
			rel);
	if (p->live && p->kernel && p->kernel < P2P_KERNEL_ALLOCATE)
		str_list_add_new(
			&c->warnings,
			"kernel %s: P2P from userspace is impossible, mapping p2pmem needs Linux 6.2 or later",
			p->kernel_release);
	else if (!p->live && c->kernel_source == KERNEL_OPTION &&
		 check_kernel(c) < P2P_KERNEL_ALLOCATE)
		str_list_add_new(
			&c->warnings,
			"Linux %s: P2P from userspace is impossible, mapping p2pmem needs Linux 6.2 or later",
			rel);
	if (p->live && p->p2pdma_config == KCONFIG_NO)
		str_list_add_new(
			&c->warnings,
			"this kernel is built without CONFIG_PCI_P2PDMA (%s): P2P DMA is impossible, whatever the topology",
			p->p2pdma_config_source);
}

/* What the ACS boot parameters do on @kernel, as that release does it. */
static const char *acs_params_text(unsigned int kernel)
{
	switch (p2p_acs_params_of(kernel)) {
	case P2P_ACS_PARAMS_CLEAR_CURRENT:
		return "boot with pci=disable_acs_redir=<port>;<port>... (clears RR, CR and EC from the value the kernel set, so SV and UF stay on; this release has no pci=config_acs)";
	case P2P_ACS_PARAMS_FIRST_ONLY:
		return "boot with pci=config_acs=x0x00xx@<port> for one port only (this release applies only the first entry, and its pci=disable_acs_redir keeps the firmware's RR/CR/EC and sets every other bit: commit 9cf8a952d57b, in 6.12.23 and 6.15, fixes both)";
	case P2P_ACS_PARAMS_UNSURE:
		return "boot with pci=config_acs=x0x00xx@<port> for one port (whether this release's stable update has commit 9cf8a952d57b, which makes several entries and pci=disable_acs_redir work, is not established)";
	case P2P_ACS_PARAMS_FROM_FIRMWARE:
		break;
	}
	return "boot with pci=disable_acs_redir=<port>;<port>... (clears RR, CR and EC and takes every other bit from the firmware's value, so the SV and UF the kernel set are dropped there) or pci=config_acs=x0x00xx@<port>;... (the same, bit by bit)";
}

static void live_warnings(struct check *c)
{
	const struct platform *p = &c->plat;
	char bdf[PCI_ADDR_STRLEN], hyp[16];
	size_t i;

	/*
	 * dma_pci_p2pdma_supported() is false for a device with DMA ops
	 * (Xen's swiotlb in PV domains): nvme then gives its queue no
	 * BLK_FEAT_PCI_P2PDMA, which config space cannot show.
	 */
	if (!sysfs_read_str("/sys/hypervisor/type", hyp, sizeof(hyp)) &&
	    !strcmp(hyp, "xen"))
		str_list_add_new(
			&c->warnings,
			"running under Xen: in a PV domain (dom0 included) devices use Xen's swiotlb DMA ops, for which the kernel's dma_pci_p2pdma_supported() is false, and NVMe queues then take no P2P pages (EREMOTEIO) whatever the path");
	if (p->iommu_present == 1)
		str_list_add_new(
			&c->warnings,
			"an IOMMU is active: at boot the kernel turns on ACS SV, RR, CR and UF on every port that has them, whatever the firmware set, so paths below a switch or root port go through the host bridge; to undo it for the ports on a path: %s",
			acs_params_text(check_kernel(c)));
	for (i = 0; i < p->p2pmem_count; i++)
		if (!p->p2pmem[i].published)
			str_list_add_new(
				&c->warnings,
				"%s: p2pmem is registered but not published (its driver keeps it for itself)",
				pci_addr_format(&p->p2pmem[i].addr, bdf,
						sizeof(bdf)));
	if (p->use_cmb_sqes == 1 && p->p2pmem_count)
		str_list_add_new(
			&c->warnings,
			"nvme.use_cmb_sqes=Y: the nvme driver puts submission queues in the CMB; boot with nvme.use_cmb_sqes=0 to leave it to p2pmem");
	if (p->multipath_heads.n && !p2p_head_takes_p2p(check_kernel(c)))
		str_list_add_new(
			&c->warnings,
			"NVMe namespaces are exposed through multipath head nodes, which take no P2P pages before Linux 7.2; boot with nvme_core.multipath=N");
	if (c->pair_count)
		str_list_add_new(
			&c->warnings,
			"the kernel decides each provider/client pair once, at its first P2P use, and keeps that verdict: if ACS control on a path changed since (setpci, or the kernel on reset, resume or error recovery), the verdict here (from config space now) and the kernel's cached one disagree until the provider's driver is rebound or the system reboots");
}

const char *cmb_verdict_text(const struct p2p_nvme_cmb *m)
{
	switch (m->status) {
	case CMB_PUBLISHED:
		return "p2pmem provider, published (p2pcp picks it)";
	case CMB_UNPUBLISHED:
		return "p2pmem registered but not published, the controller lacks RDS or WDS: p2pcp uses it only with --provider BDF --force (mapping p2pmem/allocate and the kernel's P2P check ignore 'published')";
	case CMB_NO_P2PDMA:
		return "not a provider: the kernel has no CONFIG_PCI_P2PDMA (the nvme driver logs 'failed to register the CMB')";
	case CMB_OFFSET_PAST_BAR:
		return "not a provider: its offset lies past the end of its BAR (nvme_map_cmb() gives up without a message)";
	case CMB_UNALIGNED:
		return "not a provider: its size (cut to the BAR) or the BAR's address is not a multiple of 2 MiB, the memory sub-section that memory hot-plug maps on x86-64 (nvme_map_cmb() gives up without a message; QEMU needs cmb_size_mb of 2 or more, in steps of 2)";
	case CMB_BAR_NOT_MEM:
		return "not a provider: its BAR is not a memory BAR, or the CMB starts at its end (pci_p2pdma_add_resource() refuses: 'failed to register the CMB')";
	case CMB_NOT_REGISTERED:
		return "not a provider although the kernel should have registered it: look for 'failed to register the CMB' in dmesg (memory hot-plug refused the range)";
	case CMB_UNKNOWN:
		break;
	}
	return "unknown whether it is a provider (its BAR, or this architecture's alignment rule, is unknown)";
}

static void cmb_warnings(struct check *c)
{
	const struct platform *p = &c->plat;
	char bdf[PCI_ADDR_STRLEN], size[32], usable[32];
	size_t i;

	for (i = 0; i < p->cmb_count; i++) {
		const struct p2p_nvme_cmb *m = &p->cmbs[i];

		pci_addr_format(&m->addr, bdf, sizeof(bdf));
		if (m->status != CMB_PUBLISHED)
			str_list_add_new(&c->warnings, "%s (%s): CMB %s", bdf,
					 m->ctrl, cmb_verdict_text(m));
		if (m->usable && m->usable < m->size)
			str_list_add_new(
				&c->warnings,
				"%s (%s): the CMB (%s) is larger than what its BAR holds past its offset: the kernel uses %s",
				bdf, m->ctrl,
				format_size(m->size, size, sizeof(size)),
				format_size(m->usable, usable, sizeof(usable)));
		if ((m->status == CMB_PUBLISHED ||
		     m->status == CMB_UNPUBLISHED) &&
		    p->use_cmb_sqes == 1 && (m->cmbsz & 1))
			str_list_add_new(
				&c->warnings,
				"%s (%s): nvme.use_cmb_sqes=Y and the CMB supports submission queues (SQS): the driver places its I/O submission queues there, taking part of the p2pmem pool; boot with nvme.use_cmb_sqes=0 to leave it all to p2pmem",
				bdf, m->ctrl);
	}
}

/* A subsystem with more than one controller: a namespace, several paths. */
static int subsystem_warning(struct check *c, const char *dir_path,
			     const char *subsys)
{
	char path[PATH_MAX + 256], names[256];
	struct str_list ctrls = { 0 };
	size_t i, used = 0;
	struct dirent *de;
	DIR *dir;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir_path, subsys);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((de = readdir(dir)))
		if (platform_is_nvme_ctrl_name(de->d_name))
			str_list_add_new(&ctrls, "%s", de->d_name);
	closedir(dir);
	ret = ctrls.err;
	if (!ret && ctrls.n > 1) {
		names[0] = '\0';
		for (i = 0; i < ctrls.n && used < sizeof(names); i++)
			used += snprintf(names + used, sizeof(names) - used,
					 "%s%s", i ? ", " : "",
					 ctrls.v[i].text);
		ret = str_list_add_new(
			&c->warnings,
			"%s: its namespaces are reachable through more than one controller (%s: dual-port or multipath); P2P through one path is not ordered against I/O through another",
			subsys, names);
	}
	str_list_free(&ctrls);
	return ret;
}

static int subsystem_warnings(struct check *c)
{
	char path[PATH_MAX];
	struct dirent *de;
	int ret = 0;
	DIR *dir;

	if (sysfs_path(path, sizeof(path), "/sys/class/nvme-subsystem"))
		return 0;
	dir = opendir(path);
	if (!dir)
		return 0;
	while (!ret && (de = readdir(dir)))
		if (de->d_name[0] != '.')
			ret = subsystem_warning(c, path, de->d_name);
	closedir(dir);
	return ret;
}

/*
 * Every warning goes into c->warnings, which keeps the first failed add:
 * returning its error once here means no warning is lost unnoticed, also
 * the head-node warnings added while the devices were named.
 */
int check_global_warnings(struct check *c)
{
	char bdf[PCI_ADDR_STRLEN];
	size_t i;
	int ret;

	kernel_warnings(c);
	if (c->topo->config_truncated)
		str_list_add_new(
			&c->warnings,
			c->dump_file ?
				"the capture holds only part of config space (made without root, or with fewer than four -x): capabilities and ACS are unknown; capture with 'sudo lspci -xxxx'" :
				"config space beyond 64 bytes is readable only by root: capabilities and ACS are unknown; run as root or pass -F with a capture made by root ('sudo lspci -xxxx')");
	capture_warnings(c);
	for (i = 0; i < c->topo->count; i++)
		if (intel_pch_acs_quirk(&c->topo->nodes[i]))
			str_list_add_new(
				&c->warnings,
				"%s: Intel PCH root port with non-standard ACS registers (pci_quirk_intel_spt_pch_acs_match() in drivers/pci/quirks.c): the control word the kernel's P2P check reads at ECAP_ACS+6 is not the real one",
				check_addr(c, (int)i, bdf));
	for (i = 0; i < c->pair_count; i++)
		pair_warnings(c, &c->pairs[i]);
	if (c->plat.live) {
		live_warnings(c);
		cmb_warnings(c);
		ret = subsystem_warnings(c);
		if (ret)
			return ret;
	}
	return c->warnings.err;
}
