// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * p2p-check: predict the kernel's peer-to-peer DMA verdict for pairs of
 * PCI functions, explain it port by port, and say how to fix it.
 *
 * The topology and the verdict come from the core library (pcitopo.c),
 * which p2pcp shares; this file only gathers platform facts, resolves
 * device names and prints.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <json-c/json.h>

#include "blockdev.h"
#include "config.h"
#include "p2pmem.h"
#include "pcitopo.h"
#include "sysfs.h"
#include "util.h"

/* Exit codes, documented in p2p-check(8). */
enum {
	EXIT_ALL_DIRECT = 0,
	EXIT_HOST_BRIDGE = 1,
	EXIT_REFUSED = 2,
	EXIT_USAGE = 3,
	EXIT_NO_CONFIG = 4,
};

/* ------------------------------------------------------------------ */
/* Small containers                                                    */

struct strlist {
	char **v;
	size_t n;
};

static void strlist_add(struct strlist *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void strlist_add(struct strlist *l, const char *fmt, ...)
{
	char **grown;
	char *s;
	va_list ap;
	size_t i;
	int ret;

	va_start(ap, fmt);
	ret = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (ret < 0)
		return;
	for (i = 0; i < l->n; i++) {
		if (!strcmp(l->v[i], s)) {
			free(s);
			return;
		}
	}
	grown = realloc(l->v, (l->n + 1) * sizeof(*l->v));
	if (!grown) {
		free(s);
		return;
	}
	l->v = grown;
	l->v[l->n++] = s;
}

static void strlist_free(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* ------------------------------------------------------------------ */
/* What we know about the machine                                      */

enum cpu_source { CPU_UNKNOWN, CPU_CPUINFO, CPU_OPTION, CPU_HOST_BRIDGE };

struct nvme_ctrl {
	char name[32];
	struct pci_addr addr;
};

struct platform {
	bool live;
	char kernel[128]; /* "" unknown */
	int kernel_p2pmem; /* 1 >= 6.2, 0 older, -1 unknown */
	enum kconfig_state p2pdma_config;
	char p2pdma_config_source[PATH_MAX];
	int iommu_present; /* -1 unknown */
	struct strlist iommu_units;
	char iommu_domain_type[32];
	struct p2p_platform cpu;
	enum cpu_source cpu_source;
	struct p2pmem_provider *p2pmem;
	size_t p2pmem_count;
	int use_cmb_sqes; /* -1 unknown */
	int nvme_multipath; /* nvme_core.multipath, -1 unknown */
	struct strlist multipath_heads;
	struct strlist acs_cmdline;
	struct nvme_ctrl *ctrls;
	size_t ctrl_count;
};

struct pair {
	int a, b;
	struct p2p_result res;
	/* An endpoint was named through a multipath head node. */
	bool multipath_head;
	struct strlist fixes;
};

struct check {
	const char *dump_file;
	struct pci_topo *topo;
	struct platform plat;
	int *endpoints;
	size_t endpoint_count;
	struct pair *pairs;
	size_t pair_count;
	/* One DEVICE was named: pair only endpoints[0] with the others. */
	bool single_anchor;
	/* The node the last add_endpoint() call named, new or not. */
	int last_node;
	/* Two DEVICEs named the same function (a CMB on the device itself). */
	int self_pair;
	/* Controllers named through a multipath head node. */
	int *head_nodes;
	size_t head_count;
	bool adding_head; /* add_endpoint() is resolving a head node */
	struct strlist warnings;
};

static const char *fmt_addr(const struct check *c, int node, char *buf)
{
	return pci_addr_format(&c->topo->nodes[node].addr, buf,
			       PCI_ADDR_STRLEN);
}

/* ------------------------------------------------------------------ */
/* Platform readiness (live system only, all under the sysfs root)    */

static int read_yn(const char *path)
{
	char buf[16];

	if (sysfs_read_str(path, buf, sizeof(buf)))
		return -1;
	if (buf[0] == 'Y' || buf[0] == 'y' || buf[0] == '1')
		return 1;
	if (buf[0] == 'N' || buf[0] == 'n' || buf[0] == '0')
		return 0;
	return -1;
}

static bool name_is_ctrl(const char *name)
{
	const char *p;

	if (strncmp(name, "nvme", 4) || !name[4])
		return false;
	for (p = name + 4; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

static int ctrl_cmp(const void *a, const void *b)
{
	const struct nvme_ctrl *x = a, *y = b;

	return strverscmp(x->name, y->name);
}

/* Every NVMe controller with a PCI function, for names in reports. */
static void scan_nvme_ctrls(struct platform *p)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dir;

	if (sysfs_path(path, sizeof(path), "/sys/class/nvme"))
		return;
	dir = opendir(path);
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		struct nvme_ctrl ctrl, *grown;

		if (!name_is_ctrl(de->d_name))
			continue;
		snprintf(ctrl.name, sizeof(ctrl.name), "%.31s", de->d_name);
		if (nvme_ctrl_pci(ctrl.name, &ctrl.addr))
			continue;
		grown = realloc(p->ctrls, (p->ctrl_count + 1) * sizeof(*grown));
		if (!grown)
			break;
		p->ctrls = grown;
		p->ctrls[p->ctrl_count++] = ctrl;
	}
	closedir(dir);
	if (p->ctrl_count)
		qsort(p->ctrls, p->ctrl_count, sizeof(*p->ctrls), ctrl_cmp);
}

/* Namespaces under /sys/block served by an nvme-subsystem head node. */
static void scan_multipath_heads(struct platform *p)
{
	char path[PATH_MAX], link[PATH_MAX], real[PATH_MAX];
	struct dirent *de;
	DIR *dir;

	if (sysfs_path(path, sizeof(path), "/sys/block"))
		return;
	dir = opendir(path);
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, "nvme", 4))
			continue;
		snprintf(link, sizeof(link), "/sys/block/%s", de->d_name);
		if (sysfs_realpath(link, real, sizeof(real)))
			continue;
		if (strstr(real, "/sys/devices/virtual/nvme-subsystem/"))
			strlist_add(&p->multipath_heads, "%s", de->d_name);
	}
	closedir(dir);
}

static void scan_iommu(struct platform *p)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dir;

	if (sysfs_path(path, sizeof(path), "/sys/class/iommu"))
		return;
	dir = opendir(path);
	if (!dir) {
		/* No IOMMU driver registered at all. */
		p->iommu_present = errno == ENOENT ? 0 : -1;
		return;
	}
	p->iommu_present = 0;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		p->iommu_present = 1;
		strlist_add(&p->iommu_units, "%s", de->d_name);
	}
	closedir(dir);

	/* Group 0's default domain type shows the mode (DMA or identity). */
	if (sysfs_read_str("/sys/kernel/iommu_groups/0/type",
			   p->iommu_domain_type, sizeof(p->iommu_domain_type)))
		p->iommu_domain_type[0] = '\0';
}

/* ACS-related kernel parameters already in effect. */
static void scan_cmdline(struct platform *p)
{
	char buf[4096];
	char *tok, *save;

	if (sysfs_read_str("/proc/cmdline", buf, sizeof(buf)))
		return;
	for (tok = strtok_r(buf, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (strstr(tok, "disable_acs_redir=") ||
		    strstr(tok, "config_acs=") ||
		    strstr(tok, "pcie_acs_override="))
			strlist_add(&p->acs_cmdline, "%s", tok);
	}
}

static void scan_kernel(struct platform *p)
{
	unsigned int major = 0, minor = 0;
	struct utsname uts;

	/* /proc first: tests point the sysfs root at a fake release. */
	if (sysfs_read_str("/proc/sys/kernel/osrelease", p->kernel,
			   sizeof(p->kernel))) {
		if (!uname(&uts))
			snprintf(p->kernel, sizeof(p->kernel), "%s",
				 uts.release);
	}
	p->kernel_p2pmem = -1;
	if (sscanf(p->kernel, "%u.%u", &major, &minor) == 2)
		p->kernel_p2pmem = major > 6 || (major == 6 && minor >= 2);
}

static void platform_scan_live(struct platform *p)
{
	p->live = true;
	scan_kernel(p);
	p->p2pdma_config = kconfig_lookup("CONFIG_PCI_P2PDMA", p->kernel,
					  p->p2pdma_config_source,
					  sizeof(p->p2pdma_config_source));
	if (p2pmem_list(&p->p2pmem, &p->p2pmem_count)) {
		p->p2pmem = NULL;
		p->p2pmem_count = 0;
	}
	/* Only a P2PDMA kernel creates p2pmem directories. */
	if (p->p2pdma_config == KCONFIG_UNKNOWN && p->p2pmem_count) {
		p->p2pdma_config = KCONFIG_YES;
		snprintf(p->p2pdma_config_source,
			 sizeof(p->p2pdma_config_source), "p2pmem present");
	}
	scan_iommu(p);
	p->use_cmb_sqes = read_yn("/sys/module/nvme/parameters/use_cmb_sqes");
	p->nvme_multipath =
		read_yn("/sys/module/nvme_core/parameters/multipath");
	scan_multipath_heads(p);
	scan_cmdline(p);
	scan_nvme_ctrls(p);
}

static void platform_init(struct platform *p)
{
	memset(p, 0, sizeof(*p));
	p->kernel_p2pmem = -1;
	p->iommu_present = -1;
	p->use_cmb_sqes = -1;
	p->nvme_multipath = -1;
}

static void platform_free(struct platform *p)
{
	free(p->p2pmem);
	free(p->ctrls);
	strlist_free(&p->iommu_units);
	strlist_free(&p->multipath_heads);
	strlist_free(&p->acs_cmdline);
}

/* --cpu values: what cpu_supports_p2pdma() would see. */
static int parse_cpu(const char *arg, struct p2p_platform *cpu)
{
	memset(cpu, 0, sizeof(*cpu));
	cpu->cpu_known = true;
	if (!strcmp(arg, "amd-zen")) {
		cpu->cpu_amd = true;
		cpu->cpu_family = 0x17;
		snprintf(cpu->cpu_vendor_id, sizeof(cpu->cpu_vendor_id),
			 "AuthenticAMD");
	} else if (!strcmp(arg, "amd-pre-zen")) {
		cpu->cpu_amd = true;
		cpu->cpu_family = 0x15;
		snprintf(cpu->cpu_vendor_id, sizeof(cpu->cpu_vendor_id),
			 "AuthenticAMD");
	} else if (!strcmp(arg, "intel")) {
		snprintf(cpu->cpu_vendor_id, sizeof(cpu->cpu_vendor_id),
			 "GenuineIntel");
	} else if (!strcmp(arg, "hygon")) {
		snprintf(cpu->cpu_vendor_id, sizeof(cpu->cpu_vendor_id),
			 "HygonGenuine");
	} else if (!strcmp(arg, "other")) {
		/* Not x86, or a vendor the kernel does not special-case. */
	} else {
		return -EINVAL;
	}
	return 0;
}

/*
 * A capture holds no CPU: guess from the first host bridge's vendor.
 * AMD host bridges with PCIe are Zen in practice; say it is a guess.
 */
static void cpu_from_host_bridge(const struct pci_topo *topo,
				 struct p2p_platform *cpu)
{
	size_t i;

	for (i = 0; i < topo->count; i++) {
		const struct pci_node *n = &topo->nodes[i];

		if (n->role != PCI_ROLE_HOST_BRIDGE)
			continue;
		if (n->vendor == 0x1022)
			parse_cpu("amd-zen", cpu);
		else if (n->vendor == 0x8086)
			parse_cpu("intel", cpu);
		else if (n->vendor == 0x1d94)
			parse_cpu("hygon", cpu);
		else
			parse_cpu("other", cpu);
		return;
	}
	parse_cpu("other", cpu);
}

/* ------------------------------------------------------------------ */
/* Endpoints                                                           */

static bool node_has_p2pmem(const struct check *c, int node,
			    const struct p2pmem_provider **prov)
{
	size_t i;

	for (i = 0; i < c->plat.p2pmem_count; i++) {
		if (pci_addr_equal(&c->plat.p2pmem[i].addr,
				   &c->topo->nodes[node].addr)) {
			if (prov)
				*prov = &c->plat.p2pmem[i];
			return true;
		}
	}
	return false;
}

/* NVMe, GPUs, accelerators, NICs and p2pmem providers take part in P2P. */
static bool p2p_relevant(const struct check *c, int node)
{
	const struct pci_node *n = &c->topo->nodes[node];
	unsigned int base = n->class >> 16, sub = (n->class >> 8) & 0xff;

	if (n->is_bridge || n->role == PCI_ROLE_HOST_BRIDGE)
		return false;
	if (node_has_p2pmem(c, node, NULL))
		return true;
	return (base == 0x01 && sub == 0x08) || base == 0x02 || base == 0x03 ||
	       base == 0x12 || (base == 0x0b && sub == 0x40);
}

static int add_endpoint(struct check *c, int node)
{
	int *grown;
	size_t i;

	c->last_node = node;
	if (c->adding_head) {
		grown = realloc(c->head_nodes,
				(c->head_count + 1) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		c->head_nodes = grown;
		c->head_nodes[c->head_count++] = node;
	}
	for (i = 0; i < c->endpoint_count; i++)
		if (c->endpoints[i] == node)
			return 0;
	grown = realloc(c->endpoints, (c->endpoint_count + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	c->endpoints = grown;
	c->endpoints[c->endpoint_count++] = node;
	return 0;
}

static int add_endpoint_addr(struct check *c, const struct pci_addr *addr)
{
	int node = pci_topo_find(c->topo, addr);

	return node < 0 ? node : add_endpoint(c, node);
}

/* The NVMe controllers of the subsystem behind a multipath head. */
static int add_subsystem_ctrls(struct check *c, const char *subsys_dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	int ret = -ENODEV;
	DIR *dir;

	if (sysfs_path(path, sizeof(path), "%s", subsys_dir))
		return -ENAMETOOLONG;
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		struct pci_addr addr;

		if (!name_is_ctrl(de->d_name) ||
		    nvme_ctrl_pci(de->d_name, &addr))
			continue;
		ret = add_endpoint_addr(c, &addr);
		if (ret)
			break;
	}
	closedir(dir);
	return ret;
}

/* A block device name ("nvme0n1", "nvme0n1p2") to its controller(s). */
static int add_block_name(struct check *c, const char *name)
{
	char subsys[64];
	struct disk_info d;
	int ret;

	ret = disk_info_from_name(name, &d);
	if (ret)
		return ret;
	if (d.kind == DISK_NVME_MULTIPATH) {
		strlist_add(
			&c->warnings,
			"%s is an NVMe multipath head node: the kernel rejects P2P pages there (I/O fails with EREMOTEIO); boot with nvme_core.multipath=N to get per-controller namespaces",
			name);
		snprintf(subsys, sizeof(subsys), "/sys/class/nvme-subsystem/%s",
			 d.subsys);
		c->adding_head = true;
		ret = add_subsystem_ctrls(c, subsys);
		c->adding_head = false;
		return ret;
	}
	return d.have_pci ? add_endpoint_addr(c, &d.pci) : -ENODEV;
}

static int resolve_device(struct check *c, const char *arg)
{
	struct pci_addr addr;
	struct endpoint ep;
	const char *name;
	int ret;

	if (!pci_addr_parse(arg, &addr))
		return add_endpoint_addr(c, &addr);
	if (c->dump_file)
		return -EINVAL; /* names belong to this machine, not the capture */

	name = arg;
	if (!strncmp(arg, "/dev/", 5) && !strchr(arg + 5, '/'))
		name = arg + 5;
	if (name_is_ctrl(name)) {
		ret = nvme_ctrl_pci(name, &addr);
		return ret ? ret : add_endpoint_addr(c, &addr);
	}
	if (!strchr(name, '/'))
		return add_block_name(c, name);

	/* Any other path (by-id links, files): what stat says it is on. */
	ret = endpoint_resolve(arg, &ep);
	if (ret)
		return ret;
	if (!ep.have_disk)
		return -ENODEV;
	return add_block_name(c, ep.disk.name);
}

static void add_default_endpoints(struct check *c)
{
	size_t i;

	for (i = 0; i < c->topo->count; i++)
		if (p2p_relevant(c, (int)i))
			add_endpoint(c, (int)i);
}

/* ------------------------------------------------------------------ */
/* Pairs, fixes and warnings                                           */

static void acs_bits(uint16_t v, char *buf, size_t len)
{
	snprintf(buf, len, "SV%c TB%c RR%c CR%c UF%c EC%c DT%c",
		 v & ACS_SV ? '+' : '-', v & ACS_TB ? '+' : '-',
		 v & ACS_RR ? '+' : '-', v & ACS_CR ? '+' : '-',
		 v & ACS_UF ? '+' : '-', v & ACS_EC ? '+' : '-',
		 v & ACS_DT ? '+' : '-');
}

static void build_fixes(struct check *c, struct pair *p)
{
	const struct p2p_result *r = &p->res;
	char bdf[PCI_ADDR_STRLEN], list[P2P_MAX_PATH * PCI_ADDR_STRLEN];
	size_t i, used = 0;

	if (r->acs_redirect_count) {
		list[0] = '\0';
		for (i = 0; i < r->acs_redirect_count; i++) {
			const struct pci_node *n =
				&c->topo->nodes[r->acs_redirect[i]];

			fmt_addr(c, r->acs_redirect[i], bdf);
			/* value 0 under a mask of exactly the set bits */
			strlist_add(&p->fixes,
				    "setpci -s %s ECAP_ACS+6.w=0000:%04x", bdf,
				    n->acs_ctrl & ACS_REDIR_MASK);
			used += snprintf(list + used, sizeof(list) - used,
					 "%s%s", i ? ";" : "", bdf);
		}
		strlist_add(&p->fixes, "pci=disable_acs_redir=%s", list);
		/* Single quotes keep GRUB from splitting at ';'. */
		strlist_add(
			&p->fixes,
			"GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX 'pci=disable_acs_redir=%s'\"",
			list);
		strlist_add(
			&c->warnings,
			"ACS fixes: setpci changes are lost on reboot and are rewritten by the kernel on reset, resume and error recovery; with an IOMMU the kernel enables ACS redirect at boot (use the boot parameter or the firmware's ACS setting); disabling ACS redirect weakens isolation between devices (IOMMU groups, VFIO)");
	}
	if (r->common < 0 && r->verdict != P2P_DIRECT)
		strlist_add(
			&p->fixes,
			"put both devices behind one PCIe switch (the kernel uses a host-bridge path only on AMD Zen CPUs or whitelisted host bridges)");
}

static void pair_warnings(struct check *c, const struct pair *p)
{
	char a[PCI_ADDR_STRLEN], b[PCI_ADDR_STRLEN];
	const struct p2p_result *r = &p->res;

	fmt_addr(c, p->a, a);
	fmt_addr(c, p->b, b);
	if (r->verdict == P2P_HOST_BRIDGE)
		strlist_add(
			&c->warnings,
			"%s <-> %s: P2P is allowed but goes through the host bridge, where forwarding between root ports is often slow; a PCIe switch above both devices is recommended",
			a, b);
	if (r->common >= 0 && r->bridge_levels > 1)
		strlist_add(
			&c->warnings,
			"%s <-> %s: the route crosses %u switch levels; posted writes and completions on different paths are not ordered against each other, so do not rely on ordering between the devices",
			a, b, r->bridge_levels);
	if (r->acs_unknown)
		strlist_add(
			&c->warnings,
			"%s <-> %s: ACS state unknown on this path (config space truncated); the verdict assumes no ACS redirect",
			a, b);
}

/* Intel SPT/UPT PCH root ports keep ACS control at cap+8, not cap+6. */
static bool intel_pch_acs_quirk(const struct pci_node *n)
{
	uint16_t d = n->device;

	return n->vendor == 0x8086 && n->has_acs &&
	       ((d >= 0xa110 && d <= 0xa11f) || (d >= 0xa167 && d <= 0xa16a) ||
		(d >= 0xa290 && d <= 0xa29f) || (d >= 0xa2e7 && d <= 0xa2ee));
}

static void global_warnings(struct check *c)
{
	const struct platform *p = &c->plat;
	char bdf[PCI_ADDR_STRLEN];
	size_t i;

	if (c->topo->config_truncated) {
		if (c->dump_file)
			strlist_add(
				&c->warnings,
				"the capture holds only part of config space (made without root, or with fewer than four -x): capabilities and ACS are unknown; capture with 'sudo lspci -xxxx'");
		else
			strlist_add(
				&c->warnings,
				"config space beyond 64 bytes is readable only by root: capabilities and ACS are unknown; run as root or pass -F with a capture made by root ('sudo lspci -xxxx')");
	}
	for (i = 0; i < c->topo->count; i++) {
		if (intel_pch_acs_quirk(&c->topo->nodes[i]))
			strlist_add(
				&c->warnings,
				"%s: Intel PCH root port with non-standard ACS registers (control at ECAP_ACS+8); ACSCtl as read here may be wrong",
				fmt_addr(c, (int)i, bdf));
	}
	if (!p->live)
		return;
	if (p->kernel_p2pmem == 0)
		strlist_add(
			&c->warnings,
			"kernel %s: mapping p2pmem from userspace needs Linux 6.2 or later",
			p->kernel);
	if (p->p2pdma_config == KCONFIG_NO)
		strlist_add(
			&c->warnings,
			"this kernel is built without CONFIG_PCI_P2PDMA: no P2P DMA at all, whatever the topology");
	if (p->iommu_present == 1)
		strlist_add(
			&c->warnings,
			"an IOMMU is active: the kernel enables ACS redirect on ports at boot, which can turn direct paths into host-bridge ones");
	for (i = 0; i < p->p2pmem_count; i++)
		if (!p->p2pmem[i].published)
			strlist_add(
				&c->warnings,
				"%s: p2pmem is registered but not published (its driver keeps it for itself)",
				pci_addr_format(&p->p2pmem[i].addr, bdf,
						sizeof(bdf)));
	if (p->use_cmb_sqes == 1 && p->p2pmem_count)
		strlist_add(
			&c->warnings,
			"nvme.use_cmb_sqes=Y: the nvme driver puts submission queues in the CMB; boot with nvme.use_cmb_sqes=0 to leave it to p2pmem");
	if (p->multipath_heads.n)
		strlist_add(
			&c->warnings,
			"NVMe namespaces are exposed through multipath head nodes (the kernel rejects P2P pages there); boot with nvme_core.multipath=N");
}

/* Subsystems with more than one controller: a namespace, several paths. */
static void subsystem_warnings(struct check *c)
{
	char path[PATH_MAX];
	struct dirent *de, *ce;
	DIR *dir, *sub;

	if (sysfs_path(path, sizeof(path), "/sys/class/nvme-subsystem"))
		return;
	dir = opendir(path);
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		struct strlist ctrls = { 0 };
		char subpath[PATH_MAX + 256], names[256];
		size_t i, used = 0;

		if (de->d_name[0] == '.')
			continue;
		snprintf(subpath, sizeof(subpath), "%s/%s", path, de->d_name);
		sub = opendir(subpath);
		if (!sub)
			continue;
		while ((ce = readdir(sub)))
			if (name_is_ctrl(ce->d_name))
				strlist_add(&ctrls, "%s", ce->d_name);
		closedir(sub);
		if (ctrls.n > 1) {
			names[0] = '\0';
			for (i = 0; i < ctrls.n && used < sizeof(names); i++)
				used += snprintf(names + used,
						 sizeof(names) - used, "%s%s",
						 i ? ", " : "", ctrls.v[i]);
			strlist_add(
				&c->warnings,
				"%s: its namespaces are reachable through more than one controller (%s: dual-port or multipath); P2P through one path is not ordered against I/O through another",
				de->d_name, names);
		}
		strlist_free(&ctrls);
	}
	closedir(dir);
}

static bool named_through_head(const struct check *c, int node)
{
	size_t i;

	for (i = 0; i < c->head_count; i++)
		if (c->head_nodes[i] == node)
			return true;
	return false;
}

static int add_pair(struct check *c, int a, int b)
{
	struct pair *p = &c->pairs[c->pair_count];
	int ret;

	p->a = a;
	p->b = b;
	ret = p2p_evaluate(c->topo, a, b, &c->plat.cpu, &p->res);
	if (ret)
		return ret;
	c->pair_count++;
	/*
	 * Whatever the PCIe path, the kernel fails P2P I/O to a multipath
	 * head node: its queue does not take P2P pages (6.12).
	 */
	p->multipath_head = named_through_head(c, a) ||
			    named_through_head(c, b);
	if (p->multipath_head) {
		p->res.verdict = P2P_REFUSED;
		strlist_add(
			&p->fixes,
			"boot with nvme_core.multipath=N so that /dev/nvmeXnY are per-controller namespaces, whose queues take P2P pages");
	}
	build_fixes(c, p);
	pair_warnings(c, p);
	return 0;
}

static int evaluate_pairs(struct check *c)
{
	size_t i, j, n = c->endpoint_count;
	int ret;

	if (n < 2 && c->self_pair < 0)
		return 0;
	c->pairs = calloc(n * (n - 1) / 2 + 1, sizeof(*c->pairs));
	if (!c->pairs)
		return -ENOMEM;
	if (c->self_pair >= 0) {
		ret = add_pair(c, c->self_pair, c->self_pair);
		if (ret)
			return ret;
	}
	for (i = 0; i < (c->single_anchor ? 1 : n); i++) {
		for (j = i + 1; j < n; j++) {
			ret = add_pair(c, c->endpoints[i], c->endpoints[j]);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int exit_status(const struct check *c)
{
	int status = EXIT_ALL_DIRECT;
	size_t i;

	for (i = 0; i < c->pair_count; i++) {
		const struct p2p_result *r = &c->pairs[i].res;

		/* A verdict resting on unread ACS is no verdict. */
		if (r->acs_unknown)
			return EXIT_NO_CONFIG;
		if (r->verdict == P2P_REFUSED)
			status = EXIT_REFUSED;
		else if (r->verdict == P2P_HOST_BRIDGE &&
			 status == EXIT_ALL_DIRECT)
			status = EXIT_HOST_BRIDGE;
	}
	return status;
}

/* ------------------------------------------------------------------ */
/* Text output                                                         */

static const char *class_meaning(enum p2p_class cls)
{
	switch (cls) {
	case P2P_CLASS_PIX:
		return "through at most one switch or bridge";
	case P2P_CLASS_PXB:
		return "through several switch levels, not the host bridge";
	case P2P_CLASS_PHB:
		return "only the host bridge in common";
	case P2P_CLASS_NODE:
		return "across host bridges of one NUMA node";
	case P2P_CLASS_SYS:
		break;
	}
	return "across NUMA nodes";
}

/* "nvme0, nvme1" for a PCI function, "" if none. */
static void ctrl_names(const struct check *c, int node, char *buf, size_t len)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < c->plat.ctrl_count && used < len; i++)
		if (pci_addr_equal(&c->plat.ctrls[i].addr,
				   &c->topo->nodes[node].addr))
			used += snprintf(buf + used, len - used, "%s%s",
					 used ? ", " : "",
					 c->plat.ctrls[i].name);
}

static void describe_node(const struct check *c, int node, char *buf,
			  size_t len)
{
	const struct pci_node *n = &c->topo->nodes[node];
	const struct p2pmem_provider *prov;
	char names[128], size[32];
	size_t used;

	used = snprintf(buf, len, "%04x:%04x", n->vendor, n->device);
	ctrl_names(c, node, names, sizeof(names));
	if (names[0] && used < len)
		used += snprintf(buf + used, len - used, " %s", names);
	if (node_has_p2pmem(c, node, &prov) && used < len)
		snprintf(buf + used, len - used, " p2pmem %s %s",
			 format_size(prov->size, size, sizeof(size)),
			 prov->published ? "published" : "unpublished");
}

static void print_acs(const struct pci_node *n)
{
	char cap[64], ctl[64];

	if (n->config_truncated) {
		printf("ACS unknown (config space truncated)");
		return;
	}
	if (!n->has_acs) {
		printf("no ACS capability");
		return;
	}
	acs_bits(n->acs_cap, cap, sizeof(cap));
	acs_bits(n->acs_ctrl, ctl, sizeof(ctl));
	printf("ACS@%03x Cap: %s  Ctl: %s", n->acs_cap_offset, cap, ctl);
}

static void print_platform(const struct check *c)
{
	const struct platform *p = &c->plat;
	char bdf[PCI_ADDR_STRLEN], size[32], avail[32];
	static const char *const kconf[] = { "unknown", "no", "yes", "module" };
	const char *cpu_src[] = { "unknown", "/proc/cpuinfo", "--cpu",
				  "guessed from the host bridge vendor" };
	size_t i;

	printf("Platform\n");
	if (p->live) {
		printf("  kernel             %s%s\n",
		       p->kernel[0] ? p->kernel : "unknown",
		       p->kernel_p2pmem == 0 ?
			       " (userspace p2pmem needs 6.2+)" :
			       "");
		printf("  CONFIG_PCI_P2PDMA  %s%s%s%s\n",
		       kconf[p->p2pdma_config],
		       p->p2pdma_config_source[0] ? " (" : "",
		       p->p2pdma_config_source,
		       p->p2pdma_config_source[0] ? ")" : "");
		printf("  IOMMU              ");
		if (p->iommu_present < 0)
			printf("unknown\n");
		else if (!p->iommu_present)
			printf("none\n");
		else
			printf("%zu unit(s), default domain %s\n",
			       p->iommu_units.n,
			       p->iommu_domain_type[0] ? p->iommu_domain_type :
							 "unknown");
	} else {
		printf("  source             capture %s (kernel, IOMMU, p2pmem unknown)\n",
		       c->dump_file);
	}
	printf("  CPU                %s",
	       p->cpu.cpu_vendor_id[0] ? p->cpu.cpu_vendor_id : "non-x86");
	if (p->cpu.cpu_amd || p->cpu_source == CPU_CPUINFO)
		printf(" family %s0x%x",
		       p->cpu_source == CPU_CPUINFO ? "" : ">= ",
		       p->cpu.cpu_family);
	printf(" (%s): %s\n", cpu_src[p->cpu_source],
	       p2p_platform_cpu_allows(&p->cpu) ?
		       "host-bridge P2P allowed (AMD Zen)" :
		       "host-bridge P2P only on whitelisted host bridges");
	if (!p->live)
		goto out;
	if (!p->p2pmem_count)
		printf("  p2pmem             no providers\n");
	for (i = 0; i < p->p2pmem_count; i++)
		printf("  p2pmem             %s size %s, available %s, %s\n",
		       pci_addr_format(&p->p2pmem[i].addr, bdf, sizeof(bdf)),
		       format_size(p->p2pmem[i].size, size, sizeof(size)),
		       format_size(p->p2pmem[i].available, avail,
				   sizeof(avail)),
		       p->p2pmem[i].published ? "published" : "not published");
	printf("  nvme.use_cmb_sqes  %s\n", p->use_cmb_sqes < 0 ? "unknown" :
					    p->use_cmb_sqes	? "Y" :
								  "N");
	printf("  multipath heads    ");
	if (!p->multipath_heads.n)
		printf("none");
	for (i = 0; i < p->multipath_heads.n; i++)
		printf("%s%s", i ? ", " : "", p->multipath_heads.v[i]);
	printf("\n");
	for (i = 0; i < p->acs_cmdline.n; i++)
		printf("  boot parameter     %s\n", p->acs_cmdline.v[i]);
out:
	printf("\n");
}

static void explain_verdict(const struct check *c, const struct pair *pr)
{
	const struct p2p_result *r = &pr->res;
	char bdf[PCI_ADDR_STRLEN];
	size_t i;

	if (pr->multipath_head) {
		printf("refused: the device is named through an NVMe multipath head node, whose queue takes no P2P pages (the PCIe path alone would be %s)\n",
		       r->common >= 0 && !r->acs_redirect_count ?
			       "direct" :
			       "through the host bridge");
		return;
	}
	if (r->verdict == P2P_DIRECT) {
		printf("direct (bus addresses through %s, no ACS redirect%s)\n",
		       fmt_addr(c, r->common, bdf),
		       r->acs_unknown ? " assumed: ACS unknown" : "");
		return;
	}
	printf("%s: ", p2p_verdict_name(r->verdict));
	if (r->common >= 0) {
		printf("ACS redirect at");
		for (i = 0; i < r->acs_redirect_count; i++)
			printf(" %s", fmt_addr(c, r->acs_redirect[i], bdf));
		printf(" sends the traffic up to the host bridge");
	} else {
		printf("no common upstream bridge, the path runs through the host bridge");
	}
	if (r->cpu_allows)
		printf(", which the kernel allows on AMD Zen\n");
	else if (r->host_bridge_whitelisted)
		printf(", which is on the kernel's P2PDMA whitelist\n");
	else if (r->host_bridge_provider < 0 || r->host_bridge_client < 0)
		printf(", and there is no host bridge function to match against the kernel's whitelist\n");
	else
		printf(", and host bridge %04x:%04x%s is not on the kernel's whitelist (nor is the CPU AMD Zen)\n",
		       c->topo->nodes[r->host_bridge_provider].vendor,
		       c->topo->nodes[r->host_bridge_provider].device,
		       r->same_host_bridge ? "" : " (or its peer)");
}

static void print_pair(const struct check *c, size_t idx)
{
	const struct pair *pr = &c->pairs[idx];
	const struct p2p_result *r = &pr->res;
	char a[PCI_ADDR_STRLEN], b[PCI_ADDR_STRLEN], desc[256];
	size_t i, k;

	printf("Pair %zu: %s <-> %s\n", idx + 1, fmt_addr(c, pr->a, a),
	       fmt_addr(c, pr->b, b));
	printf("  path\n");
	for (i = 0; i < r->path_len; i++) {
		int node = r->path[i];
		const struct pci_node *n = &c->topo->nodes[node];
		bool redirect = false;

		for (k = 0; k < r->acs_redirect_count; k++)
			redirect |= r->acs_redirect[k] == node;
		if (r->common < 0 && i > 0 &&
		    c->topo->nodes[r->path[i - 1]].parent < 0 && n->parent >= 0)
			printf("    (host bridge)\n");
		describe_node(c, node, desc, sizeof(desc));
		printf("    %s  %-17s  %s", fmt_addr(c, node, a),
		       pci_role_name(n->role), desc);
		if (n->link_speed_dgts)
			printf("  %u.%u GT/s x%u", n->link_speed_dgts / 10,
			       n->link_speed_dgts % 10, n->link_width);
		printf("\n      ");
		print_acs(n);
		if (redirect)
			printf("  <- redirect");
		if (node == r->common)
			printf("  <- common upstream bridge");
		printf("\n");
	}
	printf("  class     %s (%s)\n", p2p_class_name(r->class),
	       class_meaning(r->class));
	printf("  distance  %d\n", r->distance);
	printf("  verdict   ");
	explain_verdict(c, pr);
	if (pr->fixes.n) {
		printf("  fixes\n");
		for (i = 0; i < pr->fixes.n; i++)
			printf("    %s\n", pr->fixes.v[i]);
	}
	printf("\n");
}

static void print_report(const struct check *c)
{
	size_t i;

	print_platform(c);
	if (!c->pair_count)
		printf("Fewer than two P2P endpoints: nothing to pair.\n\n");
	for (i = 0; i < c->pair_count; i++)
		print_pair(c, i);
}

static bool is_redirect_port(const struct pci_node *n)
{
	return n->has_acs && (n->acs_ctrl & ACS_REDIR_MASK);
}

/* @node's children, or with @node < 0 the functions on @root's bus. */
static bool is_child(const struct pci_node *n, int node,
		     const struct pci_node *root)
{
	if (node >= 0)
		return n->parent == node;
	return n->parent < 0 && n->addr.domain == root->addr.domain &&
	       n->addr.bus == root->addr.bus;
}

static void print_subtree(const struct check *c, int node,
			  const struct pci_node *root, const char *prefix)
{
	char desc[256], next[256];
	size_t i, last = 0;
	bool any = false;

	for (i = 0; i < c->topo->count; i++) {
		if (is_child(&c->topo->nodes[i], node, root)) {
			last = i;
			any = true;
		}
	}
	if (!any)
		return;
	for (i = 0; i <= last; i++) {
		const struct pci_node *n = &c->topo->nodes[i];

		if (!is_child(n, node, root))
			continue;
		describe_node(c, (int)i, desc, sizeof(desc));
		printf("%s%s%02x:%02x.%x %s %s", prefix,
		       i == last ? "\\-" : "+-", n->addr.bus, n->addr.dev,
		       n->addr.fn, pci_role_name(n->role), desc);
		if (n->is_bridge)
			printf(" [%02x-%02x]", n->secondary_bus,
			       n->subordinate_bus);
		if (n->config_truncated)
			printf(" ACS?");
		else if (is_redirect_port(n))
			printf(" ACS-redirect(%s%s%s)",
			       n->acs_ctrl & ACS_RR ? "RR" : "",
			       n->acs_ctrl & ACS_CR ? " CR" : "",
			       n->acs_ctrl & ACS_EC ? " EC" : "");
		printf("\n");
		snprintf(next, sizeof(next), "%s%s", prefix,
			 i == last ? "  " : "| ");
		print_subtree(c, (int)i, root, next);
	}
}

static void print_tree(const struct check *c)
{
	const struct pci_topo *t = c->topo;
	size_t i, j;

	for (i = 0; i < t->count; i++) {
		const struct pci_node *n = &t->nodes[i];
		bool first = true;
		int hb;

		if (n->parent >= 0)
			continue;
		/* One heading per root bus. */
		for (j = 0; j < i; j++)
			if (t->nodes[j].parent < 0 &&
			    t->nodes[j].addr.domain == n->addr.domain &&
			    t->nodes[j].addr.bus == n->addr.bus)
				first = false;
		if (!first)
			continue;
		hb = p2p_host_bridge_of(t, (int)i);
		printf("[%04x:%02x]", n->addr.domain, n->addr.bus);
		if (hb >= 0)
			printf(" host bridge %04x:%04x, %s\n",
			       t->nodes[hb].vendor, t->nodes[hb].device,
			       p2p_host_bridge_whitelisted(t->nodes[hb].vendor,
							   t->nodes[hb].device,
							   true) ?
				       "on the kernel's P2PDMA whitelist" :
				       "not on the kernel's P2PDMA whitelist");
		else
			printf(" no host bridge function (not whitelisted)\n");
		print_subtree(c, -1, n, "");
	}
	printf("\nACS-redirect: RR, CR or EC set (the bits the kernel checks); ACS?: unknown (config space truncated)\n\n");
}

static void print_matrix(const struct check *c)
{
	char bdf[PCI_ADDR_STRLEN], desc[256];
	size_t i, j, k;

	printf("Endpoints\n");
	for (i = 0; i < c->endpoint_count; i++) {
		describe_node(c, c->endpoints[i], desc, sizeof(desc));
		printf("  E%-3zu %s  %s\n", i,
		       fmt_addr(c, c->endpoints[i], bdf), desc);
	}
	printf("\n      ");
	for (j = 0; j < c->endpoint_count; j++)
		printf("  E%-7zu", j);
	printf("\n");
	for (i = 0; i < c->endpoint_count; i++) {
		printf("E%-4zu ", i);
		for (j = 0; j < c->endpoint_count; j++) {
			const struct p2p_result *r = NULL;

			for (k = 0; k < c->pair_count; k++) {
				const struct pair *p = &c->pairs[k];

				if ((p->a == c->endpoints[i] &&
				     p->b == c->endpoints[j]) ||
				    (p->b == c->endpoints[i] &&
				     p->a == c->endpoints[j]))
					r = &p->res;
			}
			if (!r)
				printf("  %-8s", "X");
			else
				printf("  %-4s %c%c ", p2p_class_name(r->class),
				       r->verdict == P2P_DIRECT	     ? 'D' :
				       r->verdict == P2P_HOST_BRIDGE ? 'H' :
								       'R',
				       r->acs_unknown ? '?' : ' ');
		}
		printf("\n");
	}
	printf("\nLegend\n"
	       "  X    = self\n"
	       "  PIX  = through at most one PCIe switch or bridge\n"
	       "  PXB  = through several switch levels, not the host bridge\n"
	       "  PHB  = only the PCIe host bridge in common\n"
	       "  NODE = across host bridges within a NUMA node\n"
	       "  SYS  = across NUMA nodes (SMP interconnect)\n"
	       "  D = direct (bus addresses), H = through the host bridge (allowed),\n"
	       "  R = refused by the kernel, ? = ACS unknown (config space truncated)\n\n");
}

static void print_warnings(const struct check *c)
{
	size_t i;

	if (!c->warnings.n)
		return;
	printf("Warnings\n");
	for (i = 0; i < c->warnings.n; i++)
		printf("  - %s\n", c->warnings.v[i]);
}

/* ------------------------------------------------------------------ */
/* JSON output                                                         */

static json_object *json_str_or_null(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

static json_object *json_tristate(int v)
{
	return v < 0 ? NULL : json_object_new_boolean(v);
}

static json_object *json_strlist(const struct strlist *l)
{
	json_object *arr = json_object_new_array();
	size_t i;

	for (i = 0; i < l->n; i++)
		json_object_array_add(arr, json_object_new_string(l->v[i]));
	return arr;
}

static json_object *json_addr(const struct check *c, int node)
{
	char bdf[PCI_ADDR_STRLEN];

	return json_object_new_string(fmt_addr(c, node, bdf));
}

static json_object *json_platform(const struct check *c)
{
	static const char *const kconf[] = { "unknown", "no", "yes", "module" };
	static const char *const cpu_src[] = { "unknown", "cpuinfo", "option",
					       "host-bridge" };
	const struct platform *p = &c->plat;
	json_object *o = json_object_new_object();
	json_object *cpu = json_object_new_object();
	json_object *iommu = json_object_new_object();
	json_object *mem = json_object_new_array();
	char bdf[PCI_ADDR_STRLEN];
	size_t i;

	json_object_object_add(
		o, "source", json_object_new_string(p->live ? "live" : "dump"));
	json_object_object_add(o, "kernel", json_str_or_null(p->kernel));
	json_object_object_add(o, "kernel_p2pmem_mmap",
			       json_tristate(p->kernel_p2pmem));
	json_object_object_add(
		o, "config_pci_p2pdma",
		p->live ? json_object_new_string(kconf[p->p2pdma_config]) :
			  NULL);
	json_object_object_add(o, "config_source",
			       json_str_or_null(p->p2pdma_config_source));

	json_object_object_add(iommu, "present",
			       json_tristate(p->iommu_present));
	json_object_object_add(iommu, "units", json_strlist(&p->iommu_units));
	json_object_object_add(iommu, "default_domain",
			       json_str_or_null(p->iommu_domain_type));
	json_object_object_add(o, "iommu", iommu);

	json_object_object_add(cpu, "vendor_id",
			       json_str_or_null(p->cpu.cpu_vendor_id));
	json_object_object_add(
		cpu, "family",
		p->cpu_source == CPU_CPUINFO || p->cpu.cpu_amd ?
			json_object_new_int((int)p->cpu.cpu_family) :
			NULL);
	json_object_object_add(cpu, "source",
			       json_object_new_string(cpu_src[p->cpu_source]));
	json_object_object_add(
		cpu, "allows_host_bridge_p2p",
		json_object_new_boolean(p2p_platform_cpu_allows(&p->cpu)));
	json_object_object_add(o, "cpu", cpu);

	for (i = 0; i < p->p2pmem_count; i++) {
		json_object *e = json_object_new_object();

		json_object_object_add(
			e, "device",
			json_object_new_string(pci_addr_format(
				&p->p2pmem[i].addr, bdf, sizeof(bdf))));
		json_object_object_add(
			e, "size", json_object_new_uint64(p->p2pmem[i].size));
		json_object_object_add(
			e, "available",
			json_object_new_uint64(p->p2pmem[i].available));
		json_object_object_add(
			e, "published",
			json_object_new_boolean(p->p2pmem[i].published));
		json_object_array_add(mem, e);
	}
	json_object_object_add(o, "p2pmem", mem);
	json_object_object_add(o, "nvme_use_cmb_sqes",
			       json_tristate(p->use_cmb_sqes));
	json_object_object_add(o, "nvme_multipath",
			       json_tristate(p->nvme_multipath));
	json_object_object_add(o, "multipath_heads",
			       json_strlist(&p->multipath_heads));
	json_object_object_add(o, "acs_cmdline", json_strlist(&p->acs_cmdline));
	json_object_object_add(
		o, "config_truncated",
		json_object_new_boolean(c->topo->config_truncated));
	json_object_object_add(o, "whitelist_source",
			       json_object_new_string(p2p_whitelist_source));
	return o;
}

static json_object *json_endpoint(const struct check *c, int node)
{
	const struct pci_node *n = &c->topo->nodes[node];
	const struct p2pmem_provider *prov;
	json_object *o = json_object_new_object();
	json_object *names = json_object_new_array();
	char buf[16];
	size_t i;

	json_object_object_add(o, "address", json_addr(c, node));
	snprintf(buf, sizeof(buf), "%04x:%04x", n->vendor, n->device);
	json_object_object_add(o, "id", json_object_new_string(buf));
	snprintf(buf, sizeof(buf), "%06x", n->class);
	json_object_object_add(o, "class", json_object_new_string(buf));
	json_object_object_add(o, "role",
			       json_object_new_string(pci_role_name(n->role)));
	for (i = 0; i < c->plat.ctrl_count; i++)
		if (pci_addr_equal(&c->plat.ctrls[i].addr, &n->addr))
			json_object_array_add(
				names,
				json_object_new_string(c->plat.ctrls[i].name));
	json_object_object_add(o, "nvme", names);
	json_object_object_add(
		o, "p2pmem",
		json_object_new_boolean(node_has_p2pmem(c, node, &prov)));
	return o;
}

static json_object *json_pair(const struct check *c, const struct pair *p)
{
	const struct p2p_result *r = &p->res;
	json_object *o = json_object_new_object();
	json_object *devs = json_object_new_array();
	json_object *path = json_object_new_array();
	json_object *acs = json_object_new_array();
	size_t i;

	json_object_array_add(devs, json_addr(c, p->a));
	json_object_array_add(devs, json_addr(c, p->b));
	json_object_object_add(o, "devices", devs);
	for (i = 0; i < r->path_len; i++)
		json_object_array_add(path, json_addr(c, r->path[i]));
	json_object_object_add(o, "path", path);
	json_object_object_add(o, "common_bridge",
			       r->common >= 0 ? json_addr(c, r->common) : NULL);
	json_object_object_add(
		o, "class", json_object_new_string(p2p_class_name(r->class)));
	json_object_object_add(
		o, "verdict",
		json_object_new_string(p2p_verdict_name(r->verdict)));
	json_object_object_add(o, "distance", json_object_new_int(r->distance));
	for (i = 0; i < r->acs_redirect_count; i++)
		json_object_array_add(acs, json_addr(c, r->acs_redirect[i]));
	json_object_object_add(o, "acs_redirect_ports", acs);
	json_object_object_add(o, "acs_known",
			       json_object_new_boolean(!r->acs_unknown));
	json_object_object_add(
		o, "host_bridge_whitelisted",
		json_object_new_boolean(r->host_bridge_whitelisted));
	json_object_object_add(o, "multipath_head",
			       json_object_new_boolean(p->multipath_head));
	json_object_object_add(o, "fixes", json_strlist(&p->fixes));
	return o;
}

static void print_json(const struct check *c)
{
	json_object *root = json_object_new_object();
	json_object *eps = json_object_new_array();
	json_object *pairs = json_object_new_array();
	size_t i;

	json_object_object_add(root, "version",
			       json_object_new_string(P2PCP_VERSION));
	json_object_object_add(root, "dump_file",
			       json_str_or_null(c->dump_file));
	json_object_object_add(root, "platform", json_platform(c));
	for (i = 0; i < c->endpoint_count; i++)
		json_object_array_add(eps, json_endpoint(c, c->endpoints[i]));
	json_object_object_add(root, "endpoints", eps);
	for (i = 0; i < c->pair_count; i++)
		json_object_array_add(pairs, json_pair(c, &c->pairs[i]));
	json_object_object_add(root, "pairs", pairs);
	json_object_object_add(root, "warnings", json_strlist(&c->warnings));
	printf("%s\n",
	       json_object_to_json_string_ext(
		       root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
				     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
}

/* ------------------------------------------------------------------ */
/* Main                                                                */

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: p2p-check [OPTIONS] [DEVICE...]\n"
		"Predict the kernel's PCIe peer-to-peer DMA verdict between devices.\n"
		"\n"
		"DEVICE is a PCI address (0000:03:00.0 or 03:00.0), an NVMe controller\n"
		"(nvme0) or a block device (/dev/nvme0n1, nvme0n1).  Without DEVICE, every\n"
		"NVMe, GPU, accelerator, NIC and p2pmem provider is paired with every other;\n"
		"with one DEVICE, it is paired with each of those.\n"
		"\n"
		"Options:\n"
		"  -t, --tree         show the PCI hierarchy with annotations\n"
		"  -m, --matrix       show a pairwise matrix of the endpoints\n"
		"  -j, --json         machine-readable output (see p2p-check(8))\n"
		"  -F, --file FILE    read an 'lspci -xxxx' capture instead of this system\n"
		"  -c, --cpu CPU      CPU for the host-bridge rule: amd-zen, amd-pre-zen,\n"
		"                     intel, hygon, other (default: this system's CPU, or\n"
		"                     with -F what the host bridge vendor implies)\n"
		"  -h, --help         show this help\n"
		"  -V, --version      show the version\n"
		"\n"
		"Exit status: 0 all pairs direct, 1 some pair only through the host\n"
		"bridge, 2 some pair refused, 3 usage error, 4 config space unreadable\n"
		"(or ACS unknown on a path).\n");
}

static void check_free(struct check *c)
{
	size_t i;

	for (i = 0; i < c->pair_count; i++)
		strlist_free(&c->pairs[i].fixes);
	free(c->pairs);
	free(c->endpoints);
	free(c->head_nodes);
	strlist_free(&c->warnings);
	platform_free(&c->plat);
	pci_topo_free(c->topo);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "tree", no_argument, NULL, 't' },
		{ "matrix", no_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "file", required_argument, NULL, 'F' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "sysroot", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	bool tree = false, matrix = false, json = false, cpu_given = false;
	struct pci_topo_opts opts = { 0 };
	struct check c = { 0 };
	struct p2p_platform cpu_opt;
	char err[512];
	int opt, ret, status, named;

	while ((opt = getopt_long(argc, argv, "tmjF:c:hV", longopts, NULL)) !=
	       -1) {
		switch (opt) {
		case 't':
			tree = true;
			break;
		case 'm':
			matrix = true;
			break;
		case 'j':
			json = true;
			break;
		case 'F':
			c.dump_file = optarg;
			break;
		case 'c':
			if (parse_cpu(optarg, &cpu_opt)) {
				fprintf(stderr,
					"p2p-check: unknown CPU '%s' (amd-zen, amd-pre-zen, intel, hygon, other)\n",
					optarg);
				return EXIT_USAGE;
			}
			cpu_given = true;
			break;
		case 'S': /* hidden: a fake /sys, /proc tree for tests */
			sysfs_set_root(optarg);
			break;
		case 'h':
			usage(stdout);
			return EXIT_ALL_DIRECT;
		case 'V':
			printf("p2p-check %s\n", P2PCP_VERSION);
			return EXIT_ALL_DIRECT;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (json && (tree || matrix)) {
		fprintf(stderr,
			"p2p-check: --json cannot be combined with --tree or --matrix\n");
		return EXIT_USAGE;
	}

	platform_init(&c.plat);
	opts.dump_file = c.dump_file;
	ret = pci_topo_load(&opts, &c.topo, err, sizeof(err));
	if (ret) {
		fprintf(stderr,
			"p2p-check: cannot read PCI config space%s%s: %s\n",
			c.dump_file ? " from " : "",
			c.dump_file ? c.dump_file : "",
			err[0] ? err : strerror(-ret));
		status = EXIT_NO_CONFIG;
		goto out;
	}

	if (!c.dump_file)
		platform_scan_live(&c.plat);
	if (cpu_given) {
		c.plat.cpu = cpu_opt;
		c.plat.cpu_source = CPU_OPTION;
	} else if (c.dump_file) {
		cpu_from_host_bridge(c.topo, &c.plat.cpu);
		c.plat.cpu_source = CPU_HOST_BRIDGE;
	} else if (!p2p_platform_detect(&c.plat.cpu)) {
		c.plat.cpu_source = CPU_CPUINFO;
	}

	c.self_pair = -1;
	for (named = 0; optind < argc; optind++, named++) {
		size_t before = c.endpoint_count;

		ret = resolve_device(&c, argv[optind]);
		if (!ret && named > 0 && c.endpoint_count == before &&
		    c.self_pair < 0)
			c.self_pair = c.last_node;
		if (ret) {
			if (ret == -EINVAL && c.dump_file)
				fprintf(stderr,
					"p2p-check: %s: with -F, name devices by PCI address\n",
					argv[optind]);
			else
				fprintf(stderr, "p2p-check: %s: %s\n",
					argv[optind],
					ret == -ENOENT ?
						"no such PCI function or device" :
						strerror(-ret));
			status = EXIT_USAGE;
			goto out;
		}
	}
	/* One device: pair it with every other P2P endpoint. */
	if (named == 1 && c.endpoint_count == 1) {
		c.single_anchor = true;
		add_default_endpoints(&c);
	} else if (named == 0) {
		add_default_endpoints(&c);
	}

	ret = evaluate_pairs(&c);
	if (ret) {
		fprintf(stderr, "p2p-check: %s\n", strerror(-ret));
		status = EXIT_NO_CONFIG;
		goto out;
	}
	global_warnings(&c);
	if (!c.dump_file)
		subsystem_warnings(&c);
	status = exit_status(&c);

	if (json) {
		print_json(&c);
	} else {
		if (tree)
			print_tree(&c);
		if (matrix)
			print_matrix(&c);
		if (!tree && !matrix)
			print_report(&c);
		print_warnings(&c);
	}
out:
	check_free(&c);
	return status;
}
