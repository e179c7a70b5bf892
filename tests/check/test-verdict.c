// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The verdict logic on in-memory topologies: corners of the kernel's
 * calc_map_type_and_dist() and host-bridge rules that fixtures do not
 * reach easily.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "p2pdma.h"
#include "util.h"
#include "../unit/check.h"

#define MAX_NODES 16

struct builder {
	struct pci_topo topo;
	struct pci_node nodes[MAX_NODES];
};

static int add(struct builder *b, const char *bdf, uint16_t vendor,
	       uint16_t device, enum pci_role role, int parent)
{
	struct pci_node *n = &b->nodes[b->topo.count];

	memset(n, 0, sizeof(*n));
	if (pci_addr_parse(bdf, &n->addr))
		fprintf(stderr, "bad test address %s\n", bdf);
	n->vendor = vendor;
	n->device = device;
	n->role = role;
	n->parent = parent;
	n->physfn = -1;
	n->numa_node = -1;
	n->port_type_known = true;
	n->is_bridge = role == PCI_ROLE_ROOT_PORT ||
		       role == PCI_ROLE_SWITCH_UP ||
		       role == PCI_ROLE_SWITCH_DOWN || role == PCI_ROLE_BRIDGE;
	b->topo.nodes = b->nodes;
	return (int)b->topo.count++;
}

static void set_acs(struct builder *b, int node, uint16_t ctrl)
{
	b->nodes[node].has_acs = true;
	b->nodes[node].acs_cap_offset = 0x100;
	b->nodes[node].acs_cap = 0x7f;
	b->nodes[node].acs_ctrl = ctrl;
}

static const struct p2p_platform intel = { .cpu_known = true,
					   .cpu_vendor_id = "GenuineIntel" };

static void test_addresses(void)
{
	struct pci_addr a;
	char buf[PCI_ADDR_STRLEN];

	CHECK(pci_addr_parse("0000:03:00.0", &a) == 0);
	CHECK(a.domain == 0 && a.bus == 3 && a.dev == 0 && a.fn == 0);
	CHECK(pci_addr_parse("3a:1f.7", &a) == 0);
	CHECK(a.bus == 0x3a && a.dev == 0x1f && a.fn == 7);
	CHECK(!strcmp(pci_addr_format(&a, buf, sizeof(buf)), "0000:3a:1f.7"));
	CHECK(pci_addr_parse("10000:01:00.1", &a) == 0 && a.domain == 0x10000);
	CHECK(pci_addr_parse("00:20.0", &a) == -EINVAL); /* device > 0x1f */
	CHECK(pci_addr_parse("00:00.8", &a) == -EINVAL);
	CHECK(pci_addr_parse("00:00.0x", &a) == -EINVAL);
	CHECK(pci_addr_parse("100:00.0", &a) == -EINVAL);
	CHECK(pci_addr_parse("nvme0", &a) == -EINVAL);
	CHECK(pci_addr_parse(":00.0", &a) == -EINVAL);
	CHECK(pci_addr_parse("", &a) == -EINVAL);
}

/* Two functions of one device under a root port: distance 2, direct. */
static void test_multifunction(void)
{
	struct builder b = { 0 };
	struct p2p_result r;
	int rp, f0, f1;

	add(&b, "00:00.0", 0x8086, 0x29c0, PCI_ROLE_HOST_BRIDGE, -1);
	rp = add(&b, "00:03.0", 0x1b36, 0x000c, PCI_ROLE_ROOT_PORT, -1);
	f0 = add(&b, "01:00.0", 0x1b36, 0x0010, PCI_ROLE_ENDPOINT, rp);
	f1 = add(&b, "01:00.1", 0x1b36, 0x0010, PCI_ROLE_ENDPOINT, rp);

	CHECK(p2p_evaluate(&b.topo, f0, f1, &intel, &r) == 0);
	CHECK(r.verdict == P2P_DIRECT);
	CHECK_EQ_U64(r.distance, 2);
	CHECK(r.common == rp);
	CHECK(r.class == P2P_CLASS_PIX);
	CHECK_EQ_U64(r.path_len, 3);

	/* The lab's setpci 001c:001c on the root port: refused on q35. */
	set_acs(&b, rp, ACS_RR | ACS_CR | ACS_UF);
	CHECK(p2p_evaluate(&b.topo, f0, f1, &intel, &r) == 0);
	CHECK(r.verdict == P2P_REFUSED);
	CHECK_EQ_U64(r.acs_redirect_count, 1);
	CHECK(r.acs_redirect[0] == rp);

	/* UF and SV alone do not redirect as far as the kernel checks. */
	set_acs(&b, rp, ACS_SV | ACS_UF | ACS_TB | ACS_DT);
	CHECK(p2p_evaluate(&b.topo, f0, f1, &intel, &r) == 0);
	CHECK(r.verdict == P2P_DIRECT);
}

/*
 * The same function as provider and client: the kernel still tests the
 * provider's own ACS before it finds the match.
 */
static void test_same_function(void)
{
	struct builder b = { 0 };
	struct p2p_result r;
	int rp, ep;

	add(&b, "00:00.0", 0x8086, 0x29c0, PCI_ROLE_HOST_BRIDGE, -1);
	rp = add(&b, "00:03.0", 0x1b36, 0x000c, PCI_ROLE_ROOT_PORT, -1);
	ep = add(&b, "01:00.0", 0x1b36, 0x0010, PCI_ROLE_ENDPOINT, rp);
	set_acs(&b, rp, ACS_RR);

	CHECK(p2p_evaluate(&b.topo, ep, ep, &intel, &r) == 0);
	CHECK(r.verdict == P2P_DIRECT);
	CHECK_EQ_U64(r.distance, 0);
	CHECK_EQ_U64(r.path_len, 1);

	set_acs(&b, ep, ACS_CR);
	CHECK(p2p_evaluate(&b.topo, ep, ep, &intel, &r) == 0);
	CHECK(r.verdict == P2P_REFUSED);
	CHECK(r.acs_redirect_count == 1 && r.acs_redirect[0] == ep);
}

/* Client-side ACS counts strictly below the common bridge only. */
static void test_acs_sides(void)
{
	struct builder b = { 0 };
	struct p2p_result r;
	int rp, up, d1, d2, e1, e2;

	add(&b, "00:00.0", 0x8086, 0x29c0, PCI_ROLE_HOST_BRIDGE, -1);
	rp = add(&b, "00:01.0", 0x1b36, 0x000c, PCI_ROLE_ROOT_PORT, -1);
	up = add(&b, "01:00.0", 0x10b5, 0x8747, PCI_ROLE_SWITCH_UP, rp);
	d1 = add(&b, "02:08.0", 0x10b5, 0x8747, PCI_ROLE_SWITCH_DOWN, up);
	d2 = add(&b, "02:09.0", 0x10b5, 0x8747, PCI_ROLE_SWITCH_DOWN, up);
	e1 = add(&b, "03:00.0", 0x144d, 0xa808, PCI_ROLE_ENDPOINT, d1);
	e2 = add(&b, "04:00.0", 0x144d, 0xa808, PCI_ROLE_ENDPOINT, d2);

	set_acs(&b, rp, ACS_RR | ACS_CR); /* above the common bridge */
	CHECK(p2p_evaluate(&b.topo, e1, e2, &intel, &r) == 0);
	CHECK(r.verdict == P2P_DIRECT);
	CHECK_EQ_U64(r.distance, 4);
	CHECK(r.common == up);
	CHECK_EQ_U64(r.bridge_levels, 1);

	set_acs(&b, up, ACS_EC); /* the common bridge itself counts */
	CHECK(p2p_evaluate(&b.topo, e1, e2, &intel, &r) == 0);
	CHECK(r.verdict == P2P_REFUSED);
	CHECK(r.acs_redirect_count == 1 && r.acs_redirect[0] == up);

	b.nodes[up].has_acs = false;
	set_acs(&b, d2, ACS_RR); /* client side, below the common bridge */
	CHECK(p2p_evaluate(&b.topo, e1, e2, &intel, &r) == 0);
	CHECK(r.verdict == P2P_REFUSED);
	CHECK(r.acs_redirect_count == 1 && r.acs_redirect[0] == d2);
	/* Symmetric: swap provider and client. */
	CHECK(p2p_evaluate(&b.topo, e2, e1, &intel, &r) == 0);
	CHECK(r.verdict == P2P_REFUSED);
	CHECK(r.acs_redirect_count == 1 && r.acs_redirect[0] == d2);

	/* Truncated config on the path: ACS unknown, never "no ACS". */
	b.nodes[d2].has_acs = false;
	b.nodes[d1].config_truncated = true;
	CHECK(p2p_evaluate(&b.topo, e1, e2, &intel, &r) == 0);
	CHECK(r.acs_unknown);
	/* ...but only on the part of the path the kernel examines. */
	b.nodes[d1].config_truncated = false;
	b.nodes[rp].config_truncated = true;
	CHECK(p2p_evaluate(&b.topo, e1, e2, &intel, &r) == 0);
	CHECK(!r.acs_unknown);
}

static void test_cpu_rule(void)
{
	struct p2p_platform p = { .cpu_known = true, .cpu_amd = true };

	p.cpu_family = 0x16;
	CHECK(!p2p_platform_cpu_allows(&p));
	p.cpu_family = 0x17;
	CHECK(p2p_platform_cpu_allows(&p));
	p.cpu_family = 0x1a;
	CHECK(p2p_platform_cpu_allows(&p));
	p.cpu_amd = false; /* Hygon and Intel: whitelist only */
	CHECK(!p2p_platform_cpu_allows(&p));
	CHECK(!p2p_platform_cpu_allows(NULL));
}

/* The release-tagged table itself: which release lists which bridge. */
static void test_whitelist_lookup(void)
{
	static const struct {
		uint16_t vendor, device;
		unsigned int kernel;
		enum p2p_listed listed;
	} rows[] = {
		/* pci_p2pdma_whitelist[] of 6.12: ten Intel entries. */
		{ 0x8086, 0x2f00, P2P_KERNEL(6, 12, 117), P2P_LISTED_YES },
		{ 0x8086, 0x2020, P2P_KERNEL(6, 12, 117), P2P_LISTED_YES },
		/* Later entries: absent from 6.12.y up to 6.12.118 (read),
		 * open in later 6.12.y (a stable backport may come). */
		{ 0x1ae0, 0x1234, P2P_KERNEL(6, 12, 117), P2P_LISTED_NO },
		{ 0x1ae0, 0x1234, P2P_KERNEL(6, 12, 118), P2P_LISTED_NO },
		{ 0x1ae0, 0x1234, P2P_KERNEL(6, 12, 119),
		  P2P_LISTED_UNCERTAIN },
		/* Google SoCs (any device) from 7.1. */
		{ 0x1ae0, 0x1234, P2P_KERNEL(7, 0, 0), P2P_LISTED_NO },
		{ 0x1ae0, 0x1234, P2P_KERNEL(7, 1, 0), P2P_LISTED_YES },
		{ 0x1ae0, 0x1234, P2P_KERNEL_NEWEST, P2P_LISTED_YES },
		/* QAT 4xxx: mainline 7.2, stable 7.1.3. */
		{ 0x8086, 0x4940, P2P_KERNEL(7, 1, 2), P2P_LISTED_NO },
		{ 0x8086, 0x4940, P2P_KERNEL(7, 1, 3), P2P_LISTED_YES },
		{ 0x8086, 0x4940, P2P_KERNEL(7, 2, 0), P2P_LISTED_YES },
		{ 0x8086, 0x4940, P2P_KERNEL(7, 0, 5), P2P_LISTED_UNCERTAIN },
		/* NVIDIA: in 7.3, not in 7.2 up to 7.2.13 (read). */
		{ 0x10de, 0x2f95, P2P_KERNEL(6, 13, 0), P2P_LISTED_NO },
		{ 0x10de, 0x2f98, P2P_KERNEL(7, 2, 13), P2P_LISTED_NO },
		{ 0x10de, 0x2f98, P2P_KERNEL(7, 2, 14), P2P_LISTED_UNCERTAIN },
		{ 0x10de, 0x2f95, P2P_KERNEL(7, 3, 0), P2P_LISTED_YES },
		/* Zhaoxin: in no release up to 7.3.4 (read); 7.4 not out. */
		{ 0x1d17, 0x1003, P2P_KERNEL(7, 3, 4), P2P_LISTED_NO },
		{ 0x1d17, 0x1008, P2P_KERNEL(7, 4, 0), P2P_LISTED_UNCERTAIN },
		/* Never listed: q35, AMD Zen (the CPU rule covers it). */
		{ 0x8086, 0x29c0, P2P_KERNEL_NEWEST, P2P_LISTED_NO },
		{ 0x1022, 0x1480, P2P_KERNEL_NEWEST, P2P_LISTED_NO },
	};
	const struct p2p_whitelist_entry *e;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rows); i++)
		CHECK(p2p_whitelist_lookup(rows[i].vendor, rows[i].device,
					   rows[i].kernel,
					   &e) == rows[i].listed);
	/* The entry found, with its flag; none for an unlisted bridge. */
	p2p_whitelist_lookup(0x8086, 0x2f00, P2P_KERNEL_NEWEST, &e);
	CHECK(e && e->req_same_host_bridge);
	p2p_whitelist_lookup(0x8086, 0x2020, P2P_KERNEL_NEWEST, &e);
	CHECK(e && !e->req_same_host_bridge);
	p2p_whitelist_lookup(0x1d17, 0x1003, P2P_KERNEL(7, 3, 4), &e);
	CHECK(e && e->req_same_host_bridge);
	p2p_whitelist_lookup(0x1ae0, 0x1234, P2P_KERNEL(6, 12, 117), &e);
	CHECK(e != NULL);
	p2p_whitelist_lookup(0x8086, 0x29c0, P2P_KERNEL_NEWEST, &e);
	CHECK(e == NULL);
}

/* What pci=disable_acs_redir and pci=config_acs do, release by release. */
static void test_acs_params(void)
{
	static const struct {
		unsigned int kernel;
		enum p2p_acs_params params;
	} rows[] = {
		{ P2P_KERNEL(6, 10, 14), P2P_ACS_PARAMS_CLEAR_CURRENT },
		{ P2P_KERNEL(6, 11, 11), P2P_ACS_PARAMS_FIRST_ONLY },
		{ P2P_KERNEL(6, 12, 22), P2P_ACS_PARAMS_FIRST_ONLY },
		{ P2P_KERNEL(6, 12, 23), P2P_ACS_PARAMS_FROM_FIRMWARE },
		{ P2P_KERNEL(6, 13, 0), P2P_ACS_PARAMS_FIRST_ONLY },
		{ P2P_KERNEL(6, 13, 4), P2P_ACS_PARAMS_UNSURE },
		{ P2P_KERNEL(6, 14, 9), P2P_ACS_PARAMS_UNSURE },
		{ P2P_KERNEL(6, 15, 0), P2P_ACS_PARAMS_FROM_FIRMWARE },
		{ P2P_KERNEL_NEWEST, P2P_ACS_PARAMS_FROM_FIRMWARE },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rows); i++)
		CHECK(p2p_acs_params_of(rows[i].kernel) == rows[i].params);
}

/*
 * REQ_SAME_HOST_BRIDGE entries (Xeon E5 v3 8086:2f00) allow P2P under
 * one host bridge but not across two.
 */
static void test_whitelist(void)
{
	struct builder b = { 0 };
	struct p2p_result r;
	int rp1, rp2, rp3, e1, e2, e3;

	add(&b, "00:00.0", 0x8086, 0x2f00, PCI_ROLE_HOST_BRIDGE, -1);
	rp1 = add(&b, "00:02.0", 0x8086, 0x2f04, PCI_ROLE_ROOT_PORT, -1);
	rp2 = add(&b, "00:03.0", 0x8086, 0x2f08, PCI_ROLE_ROOT_PORT, -1);
	e1 = add(&b, "01:00.0", 0x144d, 0xa808, PCI_ROLE_ENDPOINT, rp1);
	e2 = add(&b, "02:00.0", 0x144d, 0xa808, PCI_ROLE_ENDPOINT, rp2);
	/* A second socket's host bridge, found through its root port. */
	add(&b, "80:00.0", 0x8086, 0x2f00, PCI_ROLE_HOST_BRIDGE, -1);
	rp3 = add(&b, "80:02.0", 0x8086, 0x2f04, PCI_ROLE_ROOT_PORT, -1);
	e3 = add(&b, "81:00.0", 0x144d, 0xa808, PCI_ROLE_ENDPOINT, rp3);
	b.nodes[e1].numa_node = 0;
	b.nodes[e3].numa_node = 1;
	b.nodes[rp3].secondary_bus = 0x81;

	CHECK(p2p_evaluate(&b.topo, e1, e2, &intel, &r) == 0);
	CHECK(r.verdict == P2P_HOST_BRIDGE);
	CHECK(r.same_host_bridge && r.host_bridge_whitelisted);
	CHECK(r.class == P2P_CLASS_PHB);
	CHECK(r.common == -1);
	CHECK_EQ_U64(r.distance, 4);
	CHECK_EQ_U64(r.path_len, 4);

	CHECK(p2p_evaluate(&b.topo, e1, e3, &intel, &r) == 0);
	CHECK(r.verdict == P2P_REFUSED);
	CHECK(!r.same_host_bridge && !r.host_bridge_whitelisted);
	CHECK(r.host_reason == P2P_HOST_SAME_REQUIRED);
	CHECK(r.class == P2P_CLASS_SYS);

	/* Unknown NUMA: across host bridges is NODE, not guessed SYS. */
	b.nodes[e3].numa_node = -1;
	CHECK(p2p_evaluate(&b.topo, e1, e3, &intel, &r) == 0);
	CHECK(r.class == P2P_CLASS_NODE);

	/* No 00.0 and no root port first on the bus: nothing to match. */
	b.nodes[0].addr.fn = 1;
	CHECK(p2p_host_bridge_of(&b.topo, e1) == -1);
	CHECK(p2p_evaluate(&b.topo, e1, e2, &intel, &r) == 0);
	CHECK(r.verdict == P2P_REFUSED);
}

/* Root-complex integrated endpoints share no upstream bridge at all. */
static void test_rc_endpoints(void)
{
	struct builder b = { 0 };
	struct p2p_platform zen = { .cpu_known = true,
				    .cpu_amd = true,
				    .cpu_family = 0x19 };
	struct p2p_result r;
	int a, c;

	add(&b, "00:00.0", 0x1022, 0x14d8, PCI_ROLE_HOST_BRIDGE, -1);
	a = add(&b, "00:14.0", 0x1022, 0x1111, PCI_ROLE_RC_ENDPOINT, -1);
	c = add(&b, "00:14.3", 0x1022, 0x2222, PCI_ROLE_RC_ENDPOINT, -1);
	CHECK(p2p_evaluate(&b.topo, a, c, &intel, &r) == 0);
	CHECK(r.verdict == P2P_REFUSED);
	CHECK_EQ_U64(r.distance, 2);
	CHECK(p2p_evaluate(&b.topo, a, c, &zen, &r) == 0);
	CHECK(r.verdict == P2P_HOST_BRIDGE);
	CHECK(p2p_evaluate(&b.topo, a, 99, &zen, &r) == -EINVAL);
	CHECK(!strcmp(p2p_verdict_name(P2P_HOST_BRIDGE), "host-bridge"));
	CHECK(!strcmp(p2p_class_name(P2P_CLASS_NODE), "NODE"));
}

/* Kernel releases: what osrelease and --kernel give. */
static void test_kernel_releases(void)
{
	unsigned int k;

	CHECK(p2p_kernel_parse("6.12.117-amd64", &k) == 0 &&
	      k == P2P_KERNEL(6, 12, 117));
	CHECK(p2p_kernel_parse("7.2-rc1", &k) == 0 && k == P2P_KERNEL(7, 2, 0));
	CHECK(p2p_kernel_parse("6.1", &k) == 0 && k == P2P_KERNEL(6, 1, 0));
	CHECK(p2p_kernel_parse("6", &k) == -EINVAL);
	CHECK(p2p_kernel_parse("six", &k) == -EINVAL);
	CHECK(p2p_kernel_parse("6.12.x", &k) == -EINVAL);
	CHECK(P2P_KERNEL(6, 12, 117) > P2P_KERNEL(6, 12, 0));
	CHECK(P2P_KERNEL(7, 0, 0) > P2P_KERNEL(6, 255, 255));
	/* No userspace mmap of p2pmem/allocate before 6.2. */
	CHECK(p2p_kernel_blocks(P2P_KERNEL(6, 1, 99), 1) == P2P_KERNEL_TOO_OLD);
	CHECK(p2p_kernel_blocks(P2P_KERNEL(6, 2, 0), 1) == P2P_KERNEL_OK);
	CHECK(p2p_kernel_blocks(P2P_KERNEL(6, 12, 0), 0) ==
	      P2P_KERNEL_NO_CONFIG);
	CHECK(p2p_kernel_blocks(0, -1) == P2P_KERNEL_OK);
}

/*
 * A copy: the worse of provider->SRC and provider->DST; multipath heads
 * by release (fb0eeeed91f3, 7.2); a CMB on SRC itself is distance 0.
 */
static void test_copy_rules(void)
{
	struct builder b = { 0 };
	struct p2p_result rs, rd;
	int rp1, e1, e2;

	CHECK(p2p_verdict_worst(P2P_DIRECT, P2P_HOST_BRIDGE) ==
	      P2P_HOST_BRIDGE);
	CHECK(p2p_verdict_worst(P2P_UNKNOWN, P2P_HOST_BRIDGE) == P2P_UNKNOWN);
	CHECK(p2p_verdict_worst(P2P_UNKNOWN, P2P_REFUSED) == P2P_REFUSED);
	CHECK(p2p_endpoint_problem(P2P_EP_MULTIPATH_HEAD,
				   P2P_KERNEL(7, 1, 9)) != NULL);
	CHECK(p2p_endpoint_problem(P2P_EP_MULTIPATH_HEAD,
				   P2P_KERNEL(7, 2, 0)) == NULL);
	CHECK(p2p_endpoint_problem(P2P_EP_MULTIPATH_HEAD, 0) != NULL);
	CHECK(p2p_endpoint_problem(P2P_EP_NVME, 0) == NULL);
	CHECK(p2p_endpoint_problem(P2P_EP_OTHER, P2P_KERNEL_NEWEST) != NULL);

	add(&b, "00:00.0", 0x8086, 0x29c0, PCI_ROLE_HOST_BRIDGE, -1);
	rp1 = add(&b, "00:01.0", 0x1b36, 0x000c, PCI_ROLE_ROOT_PORT, -1);
	add(&b, "00:02.0", 0x1b36, 0x000c, PCI_ROLE_ROOT_PORT, -1);
	e1 = add(&b, "01:00.0", 0x144d, 0xa808, PCI_ROLE_ENDPOINT, rp1);
	e2 = add(&b, "02:00.0", 0x144d, 0xa808, PCI_ROLE_ENDPOINT, 2);
	CHECK(p2p_evaluate_copy(&b.topo, &intel, &b.nodes[e1].addr,
				&b.nodes[e1].addr, &b.nodes[e2].addr, &rs,
				&rd) == 0);
	CHECK(rs.verdict == P2P_DIRECT && rs.distance == 0);
	CHECK(rd.verdict == P2P_REFUSED);
	CHECK(p2p_copy_verdict(&rs, &rd) == P2P_REFUSED);
	CHECK(p2p_evaluate_copy(NULL, &intel, &b.nodes[e1].addr,
				&b.nodes[e1].addr, &b.nodes[e2].addr, &rs,
				&rd) == -ENOENT);
}

int main(void)
{
	test_kernel_releases();
	test_copy_rules();
	test_addresses();
	test_multifunction();
	test_same_function();
	test_acs_sides();
	test_cpu_rule();
	test_whitelist_lookup();
	test_acs_params();
	test_whitelist();
	test_rc_endpoints();
	CHECK_DONE();
}
