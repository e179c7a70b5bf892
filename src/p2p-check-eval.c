// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * p2p-check: which functions to pair, each pair's verdict through the
 * library's rule (p2pdma.h), the fixes for what is refused or detoured,
 * and the warnings.  Nothing here prints.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endpoint.h"
#include "p2p-check.h"
#include "sysfs.h"
#include "util.h"

const char *check_addr(const struct check *c, int node, char *buf)
{
	return pci_addr_format(&c->topo->nodes[node].addr, buf,
			       PCI_ADDR_STRLEN);
}

unsigned int check_kernel(const struct check *c)
{
	return p2p_platform_kernel(&c->plat.cpu);
}

const char *kernel_source_name(enum kernel_source s)
{
	switch (s) {
	case KERNEL_RUNNING:
		return "running";
	case KERNEL_OPTION:
		return "option";
	case KERNEL_NEWEST:
		break;
	}
	return "newest-known";
}

const char *fix_when_name(enum fix_when w)
{
	switch (w) {
	case FIX_NOW:
		return "now";
	case FIX_BOOT:
		return "boot";
	case FIX_HARDWARE:
		break;
	}
	return "hardware";
}

/* ------------------------------------------------------------------ */
/* Endpoints                                                           */

bool check_has_p2pmem(const struct check *c, int node,
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
	if (check_has_p2pmem(c, node, NULL))
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

		if (!platform_is_nvme_ctrl_name(de->d_name))
			continue;
		if (p2p_nvme_ctrl_pci(de->d_name, &addr) == -ENODEV) {
			c->head_fabrics_path = true;
			continue;
		}
		if (p2p_nvme_ctrl_pci(de->d_name, &addr))
			continue;
		ret = add_endpoint_addr(c, &addr);
		if (ret)
			break;
	}
	closedir(dir);
	return ret;
}

static void head_warning(struct check *c, const char *name)
{
	char rel[32];

	p2p_kernel_format(check_kernel(c), rel, sizeof(rel));
	if (p2p_head_takes_p2p(check_kernel(c)))
		str_list_add_new(
			&c->warnings,
			"%s is an NVMe multipath head node: from Linux 7.2 (commit fb0eeeed91f3) its queue takes P2P pages, so the verdict is the PCIe path's (rules of %s)",
			name, rel);
	else
		str_list_add_new(
			&c->warnings,
			"%s is an NVMe multipath head node: up to Linux 7.1 its queue takes no P2P pages (I/O fails with EREMOTEIO; rules of %s); boot with nvme_core.multipath=N to get per-controller namespaces, or use Linux 7.2+",
			name, rel);
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
		head_warning(c, name);
		snprintf(subsys, sizeof(subsys), "/sys/class/nvme-subsystem/%s",
			 d.subsys);
		c->adding_head = true;
		ret = add_subsystem_ctrls(c, subsys);
		c->adding_head = false;
		return ret;
	}
	return d.have_pci ? add_endpoint_addr(c, &d.pci) : -ENODEV;
}

int check_resolve_device(struct check *c, const char *arg)
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
	if (platform_is_nvme_ctrl_name(name)) {
		ret = p2p_nvme_ctrl_pci(name, &addr);
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

int check_add_default_endpoints(struct check *c)
{
	size_t i;
	int ret;

	for (i = 0; i < c->topo->count; i++) {
		if (!p2p_relevant(c, (int)i))
			continue;
		ret = add_endpoint(c, (int)i);
		if (ret)
			return ret;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Fixes                                                               */

/*
 * The kernel caches its verdict per provider/client pair at first use,
 * in the provider's p2pdma state: a runtime ACS change takes effect for
 * that pair only once the provider's driver is unbound and bound again
 * (which frees that state), or after a reboot.
 */
static void rebind_fixes(const struct check *c, const struct pair *p,
			 struct str_list *fixes)
{
	char bdf[PCI_ADDR_STRLEN], drv[64];
	int nodes[2] = { p->a, p->b }, i, count = 2;

	/* The provider is the side with p2pmem; unknown: both.  Judging
	 * a copy, the provider is known: only its state holds verdicts. */
	if (c->copy_mode) {
		count = 1;
	} else if (check_has_p2pmem(c, p->a, NULL) !=
		   check_has_p2pmem(c, p->b, NULL)) {
		nodes[0] = check_has_p2pmem(c, p->a, NULL) ? p->a : p->b;
		count = 1;
	}
	if (p->a == p->b)
		count = 1;
	for (i = 0; i < count; i++) {
		check_addr(c, nodes[i], bdf);
		if (c->plat.live &&
		    !platform_pci_driver(&c->topo->nodes[nodes[i]].addr, drv,
					 sizeof(drv))) {
			str_list_add(fixes, FIX_NOW,
				     "echo %s > /sys/bus/pci/drivers/%s/unbind",
				     bdf, drv);
			str_list_add(fixes, FIX_NOW,
				     "echo %s > /sys/bus/pci/drivers/%s/bind",
				     bdf, drv);
		} else {
			str_list_add(
				fixes, FIX_NOW,
				"echo %s > /sys/bus/pci/devices/%s/driver/unbind",
				bdf, bdf);
			str_list_add(fixes, FIX_NOW,
				     "echo %s > /sys/bus/pci/drivers_probe",
				     bdf);
		}
	}
}

/* ACS redirect on the path: clear it now, rebind, and at boot. */
static void acs_fixes(const struct check *c, struct pair *p)
{
	const struct p2p_result *r = &p->res;
	char bdf[PCI_ADDR_STRLEN], list[P2P_MAX_PATH * PCI_ADDR_STRLEN];
	char acs[P2P_MAX_PATH * (PCI_ADDR_STRLEN + 9)];
	size_t i, used = 0, aused = 0;

	list[0] = acs[0] = '\0';
	for (i = 0; i < r->acs_redirect_count; i++) {
		const struct pci_node *n = &c->topo->nodes[r->acs_redirect[i]];

		check_addr(c, r->acs_redirect[i], bdf);
		/* Value 0 under a mask of exactly the set bits. */
		str_list_add(&p->fixes, FIX_NOW,
			     "setpci -s %s ECAP_ACS+6.w=0000:%04x", bdf,
			     n->acs_ctrl & ACS_REDIR_MASK);
		used += snprintf(list + used, sizeof(list) - used, "%s%s",
				 i ? ";" : "", bdf);
		/* Bits 6..0 = DT EC UF CR RR TB SV: clear EC, CR, RR only. */
		aused += snprintf(acs + aused, sizeof(acs) - aused,
				  "%sx0x00xx@%s", i ? ";" : "", bdf);
	}
	rebind_fixes(c, p, &p->fixes);
	/* Only the boot parameters that work on the release judged. */
	switch (p2p_acs_params_of(check_kernel(c))) {
	case P2P_ACS_PARAMS_CLEAR_CURRENT:
		str_list_add(&p->fixes, FIX_BOOT, "pci=disable_acs_redir=%s",
			     list);
		break;
	case P2P_ACS_PARAMS_FROM_FIRMWARE:
		str_list_add(&p->fixes, FIX_BOOT, "pci=disable_acs_redir=%s",
			     list);
		str_list_add(&p->fixes, FIX_BOOT, "pci=config_acs=%s", acs);
		break;
	case P2P_ACS_PARAMS_FIRST_ONLY:
	case P2P_ACS_PARAMS_UNSURE:
		/* config_acs's first entry works there, fixed or not. */
		if (r->acs_redirect_count == 1)
			str_list_add(&p->fixes, FIX_BOOT, "pci=config_acs=%s",
				     acs);
		break;
	}
}

static void build_fixes(const struct check *c, struct pair *p)
{
	const struct p2p_result *r = &p->res;

	if (p->blocked != P2P_KERNEL_OK)
		return;
	if (p->multipath_head && p->verdict == P2P_REFUSED &&
	    !p2p_head_takes_p2p(check_kernel(c)))
		str_list_add(&p->fixes, FIX_BOOT, "nvme_core.multipath=N");
	/* Refused, or detoured through the host bridge by ACS. */
	if (r->acs_redirect_count && r->verdict != P2P_DIRECT)
		acs_fixes(c, p);
	if (r->common < 0 && r->verdict == P2P_REFUSED)
		str_list_add(
			&p->fixes, FIX_HARDWARE,
			"put both devices behind one PCIe switch (the kernel takes a host-bridge path only on AMD Zen CPUs or whitelisted host bridges)");
}

/* ------------------------------------------------------------------ */
/* Pairs                                                               */

static bool named_through_head(const struct check *c, int node)
{
	size_t i;

	for (i = 0; i < c->head_count; i++)
		if (c->head_nodes[i] == node)
			return true;
	return false;
}

static enum p2p_kernel_block kernel_block(const struct check *c)
{
	int config = -1;

	if (c->plat.live && c->plat.p2pdma_config == KCONFIG_NO)
		config = 0;
	else if (c->plat.live && c->plat.p2pdma_config != KCONFIG_UNKNOWN)
		config = 1;
	return p2p_kernel_blocks(
		c->kernel_source == KERNEL_NEWEST ? 0 : check_kernel(c),
		config);
}

/* @a is the provider when @provider_known, else the side with p2pmem. */
static int add_pair(struct check *c, int a, int b, bool provider_known)
{
	struct pair *p = &c->pairs[c->pair_count];
	int ret;

	/* The side with p2pmem is the provider the kernel asks about. */
	if (!provider_known && !check_has_p2pmem(c, a, NULL) &&
	    check_has_p2pmem(c, b, NULL)) {
		int t = a;

		a = b;
		b = t;
	}
	p->a = a;
	p->b = b;
	ret = p2p_evaluate(c->topo, a, b, &c->plat.cpu, &p->res);
	if (ret)
		return ret;
	c->pair_count++;
	p->verdict = p->res.verdict;
	p->multipath_head = named_through_head(c, a) ||
			    named_through_head(c, b);
	if (p->multipath_head &&
	    (!p2p_head_takes_p2p(check_kernel(c)) || c->head_fabrics_path))
		p->verdict = P2P_REFUSED;
	p->blocked = kernel_block(c);
	build_fixes(c, p);
	return p->fixes.err;
}

static bool is_nvme(const struct check *c, int node)
{
	return (c->topo->nodes[node].class >> 8) == 0x0108;
}

int check_copy_providers(struct check *c)
{
	const struct p2pmem_provider *prov;
	struct pci_addr addr;
	size_t i;
	int node;

	if (c->endpoint_count != 2 || c->self_pair >= 0 || c->head_count)
		return 0;
	/* p2pcp copies between NVMe namespaces; other pairs (a GPU and a
	 * NIC) are judged with each other unless --provider says. */
	if (!c->provider_arg &&
	    (!is_nvme(c, c->endpoints[0]) || !is_nvme(c, c->endpoints[1])))
		return 0;
	c->providers = calloc(c->topo->count, sizeof(*c->providers));
	if (!c->providers)
		return -ENOMEM;
	if (c->provider_arg) {
		if (pci_addr_parse(c->provider_arg, &addr))
			return -EINVAL;
		node = pci_topo_find(c->topo, &addr);
		if (node < 0)
			return -ENOENT;
		/* Live, p2pcp --provider needs a device with p2pmem. */
		if (c->plat.live && !check_has_p2pmem(c, node, NULL))
			return -ENODEV;
		c->providers[c->provider_count++] = node;
	} else {
		/* p2pcp picks among the published providers only. */
		for (i = 0; i < c->plat.p2pmem_count; i++) {
			prov = &c->plat.p2pmem[i];
			node = pci_topo_find(c->topo, &prov->addr);
			if (prov->published && node >= 0)
				c->providers[c->provider_count++] = node;
		}
	}
	if (!c->provider_count)
		return 0;
	c->copy_mode = true;
	c->copy_src = c->endpoints[0];
	c->copy_dst = c->endpoints[1];
	return 0;
}

/* Each candidate provider with SRC and with DST (itself excepted). */
static int evaluate_copy_pairs(struct check *c)
{
	size_t i;
	int ret;

	c->pairs = calloc(2 * c->provider_count, sizeof(*c->pairs));
	if (!c->pairs)
		return -ENOMEM;
	for (i = 0; i < c->provider_count; i++) {
		int prov = c->providers[i];

		if (prov != c->copy_src) {
			ret = add_pair(c, prov, c->copy_src, true);
			if (ret)
				return ret;
		}
		if (prov != c->copy_dst) {
			ret = add_pair(c, prov, c->copy_dst, true);
			if (ret)
				return ret;
		}
	}
	return 0;
}

int check_evaluate_pairs(struct check *c)
{
	size_t i, j, n = c->endpoint_count;
	int ret;

	if (c->copy_mode)
		return evaluate_copy_pairs(c);
	if (n < 2 && c->self_pair < 0)
		return 0;
	c->pairs = calloc(n * (n - 1) / 2 + 1, sizeof(*c->pairs));
	if (!c->pairs)
		return -ENOMEM;
	if (c->self_pair >= 0) {
		ret = add_pair(c, c->self_pair, c->self_pair, false);
		if (ret)
			return ret;
	}
	for (i = 0; i < (c->single_anchor ? 1 : n); i++) {
		for (j = i + 1; j < n; j++) {
			ret = add_pair(c, c->endpoints[i], c->endpoints[j],
				       false);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* refused > unknown > host-bridge > direct */
static int exit_rank(int status)
{
	static const int ranks[] = { [EXIT_ALL_DIRECT] = 0,
				     [EXIT_HOST_BRIDGE] = 1,
				     [EXIT_UNKNOWN] = 2,
				     [EXIT_REFUSED] = 3 };

	return ranks[status];
}

/* The worst status of the pairs whose provider is @prov (-1: all). */
static int worst_status(const struct check *c, int prov)
{
	int status = EXIT_ALL_DIRECT, s;
	size_t i;

	for (i = 0; i < c->pair_count; i++) {
		const struct pair *p = &c->pairs[i];

		if (prov >= 0 && p->a != prov)
			continue;
		if (p->blocked != P2P_KERNEL_OK)
			return EXIT_IMPOSSIBLE;
		s = p->verdict == P2P_REFUSED	  ? EXIT_REFUSED :
		    p->verdict == P2P_UNKNOWN	  ? EXIT_UNKNOWN :
		    p->verdict == P2P_HOST_BRIDGE ? EXIT_HOST_BRIDGE :
						    EXIT_ALL_DIRECT;
		if (exit_rank(s) > exit_rank(status))
			status = s;
	}
	return status;
}

int check_exit_status(const struct check *c)
{
	int best = -1, s;
	size_t i;

	if (!c->pair_count && kernel_block(c) != P2P_KERNEL_OK)
		return EXIT_IMPOSSIBLE;
	if (!c->copy_mode)
		return worst_status(c, -1);
	/* p2pcp takes the best provider: its worse path decides. */
	for (i = 0; i < c->provider_count; i++) {
		s = worst_status(c, c->providers[i]);
		if (s == EXIT_IMPOSSIBLE)
			return s;
		if (best < 0 || exit_rank(s) < exit_rank(best))
			best = s;
	}
	return best < 0 ? EXIT_ALL_DIRECT : best;
}

void check_free(struct check *c)
{
	size_t i;

	for (i = 0; i < c->pair_count; i++)
		str_list_free(&c->pairs[i].fixes);
	free(c->pairs);
	free(c->endpoints);
	free(c->head_nodes);
	free(c->providers);
	str_list_free(&c->warnings);
	platform_free(&c->plat);
	pci_topo_free(c->topo);
}
