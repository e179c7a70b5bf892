// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel's peer-to-peer DMA decision (drivers/pci/p2pdma.c) on the
 * in-memory topology, release by release.
 * One file: it mirrors one kernel file, so a reader can set them side by
 * side; its distance, ACS and host-bridge rules feed one verdict.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "p2pdma.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* Kernel releases                                                     */

/*
 * One decimal number of a release at *@p, at most @max: digits only (no
 * sign, no blanks, no wrap-around as sscanf's %u would do), advanced past.
 */
static int release_number(const char **p, unsigned int max, unsigned int *out)
{
	unsigned long v = 0;
	const char *s = *p;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return -EINVAL;
	}
	*p = s;
	*out = (unsigned int)v;
	return 0;
}

int p2p_kernel_parse(const char *release, unsigned int *out)
{
	unsigned int major, minor, patch = 0;
	const char *p = release;

	if (!p || release_number(&p, 255, &major) || !major || *p++ != '.' ||
	    release_number(&p, 255, &minor))
		return -EINVAL;
	/* "6.12.117-amd64", "7.2-rc1", "6.12+deb13": patch only if numeric;
	 * the kernel's own KERNEL_VERSION() clamps it to 255. */
	if (*p == '.') {
		p++;
		if (release_number(&p, 1000000, &patch))
			return -EINVAL;
	}
	*out = P2P_KERNEL(major, minor, patch);
	return 0;
}

const char *p2p_kernel_format(unsigned int kernel, char *buf, size_t len)
{
	if (kernel & 0xff)
		snprintf(buf, len, "%u.%u.%u", kernel >> 16,
			 (kernel >> 8) & 0xff, kernel & 0xff);
	else
		snprintf(buf, len, "%u.%u", kernel >> 16, (kernel >> 8) & 0xff);
	return buf;
}

unsigned int p2p_platform_kernel(const struct p2p_platform *plat)
{
	return plat && plat->kernel ? plat->kernel : P2P_KERNEL_NEWEST;
}

bool p2p_platform_cpu_allows(const struct p2p_platform *plat)
{
	/* cpu_supports_p2pdma(): x86_vendor AMD (not Hygon), family >= Zen. */
	return plat && plat->cpu_known && plat->cpu_amd &&
	       plat->cpu_family >= 0x17;
}

bool p2p_head_takes_p2p(unsigned int kernel)
{
	return kernel >= P2P_KERNEL_MULTIPATH_HEAD;
}

enum p2p_kernel_block p2p_kernel_blocks(unsigned int kernel, int config_p2pdma)
{
	if (config_p2pdma == 0)
		return P2P_KERNEL_NO_CONFIG;
	if (kernel && kernel < P2P_KERNEL_ALLOCATE)
		return P2P_KERNEL_TOO_OLD;
	return P2P_KERNEL_OK;
}

const char *p2p_verdict_name(enum p2p_verdict v)
{
	switch (v) {
	case P2P_DIRECT:
		return "direct";
	case P2P_HOST_BRIDGE:
		return "host-bridge";
	case P2P_UNKNOWN:
		return "unknown";
	case P2P_REFUSED:
		break;
	}
	return "refused";
}

const char *p2p_class_name(enum p2p_class c)
{
	switch (c) {
	case P2P_CLASS_PIX:
		return "PIX";
	case P2P_CLASS_PXB:
		return "PXB";
	case P2P_CLASS_PHB:
		return "PHB";
	case P2P_CLASS_NODE:
		return "NODE";
	case P2P_CLASS_SYS:
		break;
	}
	return "SYS";
}

static int verdict_rank(enum p2p_verdict v)
{
	switch (v) {
	case P2P_DIRECT:
		return 0;
	case P2P_HOST_BRIDGE:
		return 1;
	case P2P_UNKNOWN:
		return 2;
	case P2P_REFUSED:
		break;
	}
	return 3;
}

enum p2p_verdict p2p_verdict_worst(enum p2p_verdict a, enum p2p_verdict b)
{
	return verdict_rank(a) >= verdict_rank(b) ? a : b;
}

/* ------------------------------------------------------------------ */
/* The host-bridge whitelist                                           */

/*
 * pci_p2pdma_whitelist[] of drivers/pci/p2pdma.c, as facts (IDs, flags,
 * the release that first has each entry).  Read in the sources of the
 * releases in p2p_whitelist_source; an entry's first mainline release
 * and stable backports come from issue 19's records (commit ids in
 * the origins), and the sources confirm them where they reach.
 */
const char p2p_whitelist_source[] =
	"drivers/pci/p2pdma.c pci_p2pdma_whitelist[] read in Linux 6.12.118, 7.2.13 and 7.3.4 (Debian linux-source)";

/*
 * Releases whose whitelist was read in full: a stable release of the
 * same series up to this one has exactly what this one has.
 */
static const unsigned int whitelist_read_in[] = {
	P2P_KERNEL(6, 12, 118),
	P2P_KERNEL(7, 2, 13),
	P2P_KERNEL(7, 3, 4),
};

#define SERIES(k) ((k) & ~0xffu)
#define OLD P2P_KERNEL(6, 2, 0) /* in every release with p2pmem mmap */
#define IN_ALL "in every release since 6.2 (read in 6.12.118, 7.2.13, 7.3.4)"
#define V71 P2P_KERNEL(7, 1, 0)
#define V72 P2P_KERNEL(7, 2, 0)
#define V713 P2P_KERNEL(7, 1, 3)
#define V73 P2P_KERNEL(7, 3, 0)

static const struct p2p_whitelist_entry whitelist[] = {
	/* Intel Xeon E5/Core i7 */
	{ 0x8086, 0x3c00, true, OLD, 0, IN_ALL },
	{ 0x8086, 0x3c01, true, OLD, 0, IN_ALL },
	/* Intel Xeon E7 v3/Xeon E5 v3/Core i7 */
	{ 0x8086, 0x2f00, true, OLD, 0, IN_ALL },
	{ 0x8086, 0x2f01, true, OLD, 0, IN_ALL },
	/* Intel Skylake-E */
	{ 0x8086, 0x2030, false, OLD, 0, IN_ALL },
	{ 0x8086, 0x2031, false, OLD, 0, IN_ALL },
	{ 0x8086, 0x2032, false, OLD, 0, IN_ALL },
	{ 0x8086, 0x2033, false, OLD, 0, IN_ALL },
	{ 0x8086, 0x2020, false, OLD, 0, IN_ALL },
	{ 0x8086, 0x09a2, false, OLD, 0, IN_ALL },
/* Intel DSA/IAX/IAA, QAT: mainline 7.2, stable 7.1.3 */
#define QAT \
	"0ba76b19fd4c \"PCI/P2PDMA: Add Intel QAT, DSA, IAA devices to whitelist\" (Linux 7.2, stable 7.1.3)"
	{ 0x8086, 0x0b25, false, V72, V713, QAT },
	{ 0x8086, 0x0cfe, false, V72, V713, QAT },
	{ 0x8086, 0x11fb, false, V72, V713, QAT },
	{ 0x8086, 0x1212, false, V72, V713, QAT },
	{ 0x8086, 0x1216, false, V72, V713, QAT },
	{ 0x8086, 0x4940, false, V72, V713, QAT },
	{ 0x8086, 0x4942, false, V72, V713, QAT },
	{ 0x8086, 0x4944, false, V72, V713, QAT },
	{ 0x8086, 0x4946, false, V72, V713, QAT },
	{ 0x8086, 0x4948, false, V72, V713, QAT },
	/* Google SoCs, any device ID */
	{ 0x1ae0, P2P_WHITELIST_ANY_DEVICE, false, V71, 0,
	  "70cf146a674c \"PCI/P2PDMA: Add Google SoCs ...\" with 1a1f96e3e2a8 (wildcard IDs) (Linux 7.1)" },
/* NVIDIA Vera Rubin CPUs */
#define NV "894a78088fc3 (NVIDIA host bridges) (Linux 7.3)"
	{ 0x10de, 0x2f95, false, V73, 0, NV },
	{ 0x10de, 0x2f96, false, V73, 0, NV },
	{ 0x10de, 0x2f97, false, V73, 0, NV },
	{ 0x10de, 0x2f98, false, V73, 0, NV },
/* Zhaoxin KX-6000/KH-40000/KX-6000G/KX-7000/KH-50000: not yet released */
#define ZX \
	"f7c220404700 (Zhaoxin host bridges) (queued for Linux 7.4, in no release yet)"
	{ 0x1d17, 0x1003, true, 0, 0, ZX },
	{ 0x1d17, 0x1005, true, 0, 0, ZX },
	{ 0x1d17, 0x1006, true, 0, 0, ZX },
	{ 0x1d17, 0x1007, true, 0, 0, ZX },
	{ 0x1d17, 0x1008, false, 0, 0, ZX },
};

/*
 * Is @e in release @kernel?  Mainline releases (patch 0) before the
 * entry's first one lack it; so do the stable releases of a series
 * whose sources were read, up to the one read.  Any other stable
 * release of an older series might have had it backported, and a
 * release newer than the newest released one might carry an entry not
 * yet released: uncertain.
 */
static enum p2p_listed entry_present(const struct p2p_whitelist_entry *e,
				     unsigned int kernel)
{
	size_t i;

	if (e->since && kernel >= e->since)
		return P2P_LISTED_YES;
	if (e->backport && SERIES(kernel) == SERIES(e->backport))
		return kernel >= e->backport ? P2P_LISTED_YES : P2P_LISTED_NO;
	if (!e->since && SERIES(kernel) > SERIES(P2P_KERNEL_NEWEST))
		return P2P_LISTED_UNCERTAIN;
	if (!(kernel & 0xff))
		return P2P_LISTED_NO;
	for (i = 0; i < ARRAY_SIZE(whitelist_read_in); i++)
		if (SERIES(kernel) == SERIES(whitelist_read_in[i]) &&
		    kernel <= whitelist_read_in[i])
			return P2P_LISTED_NO;
	return P2P_LISTED_UNCERTAIN;
}

size_t p2p_whitelist_entries(const struct p2p_whitelist_entry **table)
{
	*table = whitelist;
	return ARRAY_SIZE(whitelist);
}

enum p2p_listed p2p_whitelist_lookup(uint16_t vendor, uint16_t device,
				     unsigned int kernel,
				     const struct p2p_whitelist_entry **entry)
{
	size_t i;

	*entry = NULL;
	/* The first entry matching vendor and device decides, as in the kernel. */
	for (i = 0; i < ARRAY_SIZE(whitelist); i++) {
		const struct p2p_whitelist_entry *e = &whitelist[i];

		if (e->vendor != vendor)
			continue;
		if (e->device != P2P_WHITELIST_ANY_DEVICE &&
		    e->device != device)
			continue;
		*entry = e;
		return entry_present(e, kernel);
	}
	return P2P_LISTED_NO;
}

/* ------------------------------------------------------------------ */
/* ACS boot parameters                                                 */

/*
 * 9cf8a952d57b "PCI/ACS: Fix 'pci=config_acs=' parameter" (mainline
 * 6.15, PCI pull for v6.15; stable 6.12.23): before it, __pci_config_acs()
 * stopped after config_acs's first entry, and disable_acs_redir took
 * RR/CR/EC from the firmware's value and set every other bit.  Linux
 * 6.11 brought config_acs (47c8846a49ba) and that code; up to 6.10
 * pci_disable_acs_redir() cleared RR/CR/EC from the value in force.
 * Stable 6.13.y and 6.14.y got the fix at a patch level not read here
 * (their .0 releases lack it, as mainline before 6.15 does).
 */
enum p2p_acs_params p2p_acs_params_of(unsigned int kernel)
{
	if (kernel < P2P_KERNEL_CONFIG_ACS)
		return P2P_ACS_PARAMS_CLEAR_CURRENT;
	if (kernel >= P2P_KERNEL(6, 15, 0) ||
	    (SERIES(kernel) == SERIES(P2P_KERNEL(6, 12, 0)) &&
	     kernel >= P2P_KERNEL(6, 12, 23)))
		return P2P_ACS_PARAMS_FROM_FIRMWARE;
	if ((kernel & 0xff) &&
	    (SERIES(kernel) == SERIES(P2P_KERNEL(6, 13, 0)) ||
	     SERIES(kernel) == SERIES(P2P_KERNEL(6, 14, 0))))
		return P2P_ACS_PARAMS_UNSURE;
	return P2P_ACS_PARAMS_FIRST_ONLY;
}

/* ------------------------------------------------------------------ */
/* The walk                                                            */

/*
 * The function on a root bus above @node, as pci_find_host_bridge()
 * walks buses: up the upstream bridges, and from a virtual function on
 * to its physical function, whose bus is the VF bus's parent
 * (virtfn_add_bus()) even when no bridge is above the PF (an RCiEP).
 */
static int top_of(const struct pci_topo *topo, int node)
{
	int depth = 0;

	while (depth++ < P2P_MAX_PATH) {
		const struct pci_node *n = &topo->nodes[node];

		if (n->parent >= 0)
			node = n->parent;
		else if (n->virtfn && n->physfn >= 0)
			node = n->physfn;
		else
			break;
	}
	return node;
}

static bool port_or_endpoint(const struct pci_node *n)
{
	return n->role == PCI_ROLE_SWITCH_UP ||
	       n->role == PCI_ROLE_SWITCH_DOWN || n->role == PCI_ROLE_ENDPOINT;
}

int p2p_host_bridge_of(const struct pci_topo *topo, int node)
{
	const struct pci_node *top;
	size_t i;

	if (node < 0 || (size_t)node >= topo->count)
		return -1;
	top = &topo->nodes[top_of(topo, node)];
	for (i = 0; i < topo->count; i++) {
		const struct pci_node *n = &topo->nodes[i];
		/*
		 * Live, sysfs lists every function; bus 0 is never a
		 * bridge's secondary bus.  Only a capture's other root bus
		 * that starts with a switch port or an endpoint may be a
		 * bus whose ports above the capture left out.
		 */
		bool maybe_cut = !topo->live && n->addr.bus != 0 &&
				 port_or_endpoint(n);

		if (n->parent >= 0 || n->addr.domain != top->addr.domain ||
		    n->addr.bus != top->addr.bus)
			continue;
		/* Sorted: this is the lowest devfn on the root bus. */
		if (maybe_cut)
			return -3;
		/* pci_host_bridge_dev(): devfn 00.0 whatever its type. */
		if (n->addr.dev == 0 && n->addr.fn == 0)
			return (int)i;
		if (!n->port_type_known)
			return -2;
		return n->role == PCI_ROLE_ROOT_PORT ? (int)i : -1;
	}
	return -1;
}

static bool same_root_bus(const struct pci_topo *topo, int a, int b)
{
	const struct pci_node *ta = &topo->nodes[top_of(topo, a)];
	const struct pci_node *tb = &topo->nodes[top_of(topo, b)];

	return ta->addr.domain == tb->addr.domain &&
	       ta->addr.bus == tb->addr.bus;
}

/* Upstream chain of @node, @node first; -ELOOP on a cycle or depth. */
static int chain_up(const struct pci_topo *topo, int node, int *chain,
		    size_t max, size_t *len)
{
	size_t n = 0;

	while (node >= 0) {
		if (n == max)
			return -ELOOP;
		chain[n++] = node;
		node = topo->nodes[node].parent;
	}
	*len = n;
	return 0;
}

static void check_acs(const struct pci_topo *topo, int node,
		      struct p2p_result *res)
{
	const struct pci_node *n = &topo->nodes[node];

	if (n->config_truncated)
		res->acs_unknown = true;
	if (pci_node_acs_redirects(n))
		res->acs_redirect[res->acs_redirect_count++] = node;
}

static int depth_of(const struct pci_topo *topo, int node)
{
	int depth = 0;

	while (topo->nodes[node].parent >= 0 && depth < P2P_MAX_PATH) {
		node = topo->nodes[node].parent;
		depth++;
	}
	return depth;
}

/*
 * Is @n a switch downstream port?  Only for the class (PIX/PXB), never
 * the verdict: without its PCIe capability (config space truncated) fall
 * back on the shape of a PCIe tree: below a root port (depth 0), bridges
 * alternate upstream (odd depth) and downstream (even depth) ports.
 */
static bool is_downstream_port(const struct pci_topo *topo, int node)
{
	const struct pci_node *n = &topo->nodes[node];
	int depth;

	if (n->parent < 0)
		return false;
	if (n->role == PCI_ROLE_SWITCH_DOWN)
		return topo->nodes[n->parent].role == PCI_ROLE_SWITCH_UP ||
		       topo->nodes[n->parent].config_truncated;
	if (!n->config_truncated || !n->is_bridge)
		return false;
	depth = depth_of(topo, node);
	return depth >= 2 && depth % 2 == 0 && topo->nodes[n->parent].is_bridge;
}

/*
 * A switch is one hop however many of its ports the path touches: a
 * downstream port counts as its upstream port.  Root ports and other
 * bridges count as themselves.
 */
static unsigned int count_bridge_levels(const struct pci_topo *topo,
					const struct p2p_result *res)
{
	int units[P2P_MAX_PATH];
	unsigned int count = 0, k;
	size_t i;

	for (i = 1; i + 1 < res->path_len; i++) {
		int node = res->path[i];
		bool seen = false;

		if (is_downstream_port(topo, node))
			node = topo->nodes[node].parent;
		for (k = 0; k < count; k++)
			seen |= units[k] == node;
		if (!seen)
			units[count++] = node;
	}
	return count;
}

static enum p2p_class classify(const struct pci_topo *topo, int provider,
			       int client, const struct p2p_result *res)
{
	int na, nb;

	if (res->common >= 0)
		return res->bridge_levels > 1 ? P2P_CLASS_PXB : P2P_CLASS_PIX;
	if (same_root_bus(topo, provider, client))
		return P2P_CLASS_PHB;
	/* Different host bridges: SYS only when NUMA says so for sure. */
	na = topo->nodes[provider].numa_node;
	nb = topo->nodes[client].numa_node;
	if (na >= 0 && nb >= 0 && na != nb)
		return P2P_CLASS_SYS;
	return P2P_CLASS_NODE;
}

/* The first function of @a (walking up) that is also in @b. */
static bool find_common(const int *a, size_t na, const int *b, size_t nb,
			size_t *ia, size_t *ib)
{
	size_t i, j;

	for (i = 0; i < na; i++) {
		for (j = 0; j < nb; j++) {
			if (a[i] == b[j]) {
				*ia = i;
				*ib = j;
				return true;
			}
		}
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* The host-bridge decision                                            */

/*
 * __host_bridge_whitelist() for one side; @hb as p2p_host_bridge_of().
 * @reason gets why the side is not listed (P2P_HOST_NONE if it is).
 */
static enum p2p_listed side_listed(const struct pci_topo *topo, int hb,
				   bool same, unsigned int kernel,
				   enum p2p_host_reason *reason,
				   struct p2p_result *res)
{
	const struct p2p_whitelist_entry *e;
	enum p2p_listed listed;

	*reason = P2P_HOST_NONE;
	if (hb == -2 || hb == -3) {
		res->unknown |= hb == -2 ? P2P_UNKNOWN_HOST_BRIDGE :
					   P2P_UNKNOWN_PARTIAL;
		return P2P_LISTED_UNCERTAIN;
	}
	if (hb < 0) {
		*reason = P2P_HOST_NO_FUNCTION;
		return P2P_LISTED_NO;
	}
	listed = p2p_whitelist_lookup(topo->nodes[hb].vendor,
				      topo->nodes[hb].device, kernel, &e);
	if (e && !res->entry)
		res->entry = e;
	if (!e) {
		*reason = P2P_HOST_NOT_LISTED;
	} else if (listed == P2P_LISTED_NO) {
		*reason = P2P_HOST_NOT_YET;
	} else if (e->req_same_host_bridge && !same) {
		*reason = P2P_HOST_SAME_REQUIRED;
		return P2P_LISTED_NO;
	} else if (listed == P2P_LISTED_UNCERTAIN) {
		res->unknown |= P2P_UNKNOWN_RELEASE;
	}
	return listed;
}

/*
 * host_bridge_whitelist(): one bridge for both, or both bridges listed.
 * Both sides are looked at, so that a definite "not listed" on either
 * decides whatever the order the devices were named in.
 */
static enum p2p_listed host_bridges_listed(const struct pci_topo *topo,
					   unsigned int kernel,
					   struct p2p_result *res)
{
	enum p2p_host_reason ra, rb = P2P_HOST_NONE;
	enum p2p_listed a, b = P2P_LISTED_YES;

	a = side_listed(topo, res->host_bridge_provider, res->same_host_bridge,
			kernel, &ra, res);
	if (!res->same_host_bridge)
		b = side_listed(topo, res->host_bridge_client, false, kernel,
				&rb, res);
	if (a == P2P_LISTED_NO || b == P2P_LISTED_NO) {
		res->host_reason = a == P2P_LISTED_NO ? ra : rb;
		return P2P_LISTED_NO;
	}
	return a == P2P_LISTED_YES && b == P2P_LISTED_YES ?
		       P2P_LISTED_YES :
		       P2P_LISTED_UNCERTAIN;
}

/*
 * The map_through_host_bridge step: cpu_supports_p2pdma() first, then
 * the whitelist.  A CPU that is not known (a capture without --cpu)
 * leaves the verdict open unless the whitelist alone allows it.
 */
static enum p2p_verdict host_bridge_verdict(const struct pci_topo *topo,
					    const struct p2p_platform *plat,
					    struct p2p_result *res)
{
	enum p2p_listed listed;

	res->cpu_allows = p2p_platform_cpu_allows(plat);
	if (res->cpu_allows) {
		res->host_reason = P2P_HOST_CPU;
		return P2P_HOST_BRIDGE;
	}
	listed = host_bridges_listed(topo, p2p_platform_kernel(plat), res);
	if (listed == P2P_LISTED_YES) {
		res->host_reason = P2P_HOST_WHITELISTED;
		res->host_bridge_whitelisted = true;
		res->unknown = 0;
		return P2P_HOST_BRIDGE;
	}
	/* One side definitely not listed: the other side's gaps no longer matter. */
	if (listed == P2P_LISTED_NO)
		res->unknown &= ~(P2P_UNKNOWN_HOST_BRIDGE |
				  P2P_UNKNOWN_RELEASE | P2P_UNKNOWN_PARTIAL);
	if (!plat || !plat->cpu_known)
		res->unknown |= P2P_UNKNOWN_CPU;
	if (listed == P2P_LISTED_NO && !res->unknown)
		return P2P_REFUSED;
	res->verdict_if_known = P2P_HOST_BRIDGE;
	return P2P_UNKNOWN;
}

/* ------------------------------------------------------------------ */
/* calc_map_type_and_dist()                                            */

static bool orphan_on_path(const struct pci_topo *topo,
			   const struct p2p_result *res)
{
	size_t i;

	for (i = 0; i < res->path_len; i++)
		if (topo->nodes[res->path[i]].orphan)
			return true;
	return false;
}

static void record_path(struct p2p_result *res, const int *chain_a,
			size_t up_len, const int *chain_b, size_t down_len)
{
	size_t k;

	for (k = 0; k < up_len; k++)
		res->path[res->path_len++] = chain_a[k];
	res->up_len = up_len;
	for (k = down_len; k > 0; k--)
		res->path[res->path_len++] = chain_b[k - 1];
}

/*
 * Walk up from the provider; at each level look for that function in the
 * client's upstream chain.  ACS redirect counts on the provider side up
 * to and including the common function and on the client side strictly
 * below it, listed in path order.  Without a common function ACS plays
 * no part: the kernel goes straight to the host-bridge test.
 */
static int walk(const struct pci_topo *topo, int provider, int client,
		struct p2p_result *res)
{
	int chain_a[P2P_MAX_PATH / 2], chain_b[P2P_MAX_PATH / 2];
	size_t na, nb, ia, ib, k;
	int ret;

	ret = chain_up(topo, provider, chain_a, ARRAY_SIZE(chain_a), &na);
	if (!ret)
		ret = chain_up(topo, client, chain_b, ARRAY_SIZE(chain_b), &nb);
	if (ret)
		return ret;
	if (!find_common(chain_a, na, chain_b, nb, &ia, &ib)) {
		/* dist_a and dist_b count every function walked. */
		res->distance = (int)(na + nb);
		record_path(res, chain_a, na, chain_b, nb);
		return 0;
	}
	res->common = chain_a[ia];
	res->distance = (int)(ia + ib);
	for (k = 0; k <= ia; k++)
		check_acs(topo, chain_a[k], res);
	for (k = ib; k > 0; k--)
		check_acs(topo, chain_b[k - 1], res);
	record_path(res, chain_a, ia + 1, chain_b, ib);
	return 0;
}

int p2p_evaluate(const struct pci_topo *topo, int provider, int client,
		 const struct p2p_platform *plat, struct p2p_result *res)
{
	int ret;

	memset(res, 0, sizeof(*res));
	res->common = -1;
	res->host_bridge_provider = -1;
	res->host_bridge_client = -1;
	if (!topo || provider < 0 || client < 0 ||
	    (size_t)provider >= topo->count || (size_t)client >= topo->count)
		return -EINVAL;
	ret = walk(topo, provider, client, res);
	if (ret)
		return ret;

	res->same_host_bridge = same_root_bus(topo, provider, client);
	res->host_bridge_provider = p2p_host_bridge_of(topo, provider);
	res->host_bridge_client = p2p_host_bridge_of(topo, client);
	res->bridge_levels = count_bridge_levels(topo, res);
	res->class = classify(topo, provider, client, res);

	if (res->common >= 0 && orphan_on_path(topo, res)) {
		/* A bridge the capture lost sits on the path: its ACS, and
		 * maybe the common bridge, are unknown. */
		res->verdict = P2P_UNKNOWN;
		res->verdict_if_known = P2P_DIRECT;
		res->unknown = P2P_UNKNOWN_LOST_BRIDGE;
		return 0;
	}
	if (res->common >= 0 && !res->acs_redirect_count) {
		res->verdict = P2P_DIRECT;
		if (res->acs_unknown) {
			/* Direct only if no unread port redirects. */
			res->verdict = P2P_UNKNOWN;
			res->verdict_if_known = P2P_DIRECT;
			res->unknown = P2P_UNKNOWN_ACS;
		}
		return 0;
	}
	if (res->common < 0 &&
	    topo->nodes[provider].addr.domain ==
		    topo->nodes[client].addr.domain &&
	    (res->host_bridge_provider == -3 ||
	     res->host_bridge_client == -3)) {
		/* The real path may share a switch the capture left out
		 * (never across PCI domains). */
		res->verdict = P2P_UNKNOWN;
		res->verdict_if_known = P2P_UNKNOWN;
		res->unknown = P2P_UNKNOWN_PARTIAL;
		return 0;
	}
	res->verdict = host_bridge_verdict(topo, plat, res);
	if (res->verdict != P2P_UNKNOWN)
		res->verdict_if_known = res->verdict;
	return 0;
}

/* ------------------------------------------------------------------ */
/* A copy                                                              */

int p2p_evaluate_copy(const struct pci_topo *topo,
		      const struct p2p_platform *plat,
		      const struct pci_addr *provider,
		      const struct pci_addr *src, const struct pci_addr *dst,
		      struct p2p_result *src_path, struct p2p_result *dst_path)
{
	int pi, si, di, ret;

	if (!topo)
		return -ENOENT;
	pi = pci_topo_find(topo, provider);
	si = pci_topo_find(topo, src);
	di = pci_topo_find(topo, dst);
	if (pi < 0 || si < 0 || di < 0)
		return -ENOENT;
	ret = p2p_evaluate(topo, pi, si, plat, src_path);
	if (!ret)
		ret = p2p_evaluate(topo, pi, di, plat, dst_path);
	return ret;
}

enum p2p_verdict p2p_copy_verdict(const struct p2p_result *src_path,
				  const struct p2p_result *dst_path)
{
	return p2p_verdict_worst(src_path->verdict, dst_path->verdict);
}

const char *p2p_endpoint_problem(enum p2p_endpoint ep, unsigned int kernel)
{
	switch (ep) {
	case P2P_EP_NVME:
		return NULL;
	case P2P_EP_NVME_FABRICS:
		return "is on an NVMe controller that is not a PCI device (NVMe over fabrics)";
	case P2P_EP_MULTIPATH_HEAD:
		/* fb0eeeed91f3: the head's queue takes P2P pages from 7.2. */
		if (p2p_head_takes_p2p(kernel))
			return NULL;
		return "is an NVMe multipath head node, whose queue takes no P2P pages before Linux 7.2; boot with nvme_core.multipath=N to get per-controller namespaces";
	case P2P_EP_NO_BLOCKDEV:
		return "is on a filesystem with no block device behind it (tmpfs, overlay, btrfs subvolume...)";
	case P2P_EP_OTHER:
		break;
	}
	return "is not on an NVMe namespace (its queue cannot take P2P pages)";
}
