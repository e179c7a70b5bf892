// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * --provider auto on in-memory topologies: nearest by the kernel's
 * distance, predicted refusals last, unusable providers never.
 */
#include <string.h>

#include "check.h"
#include "p2pmem.h"
#include "pcitopo.h"
#include "util.h"

/*
 * 00:00.0 host bridge (Intel q35, not whitelisted)
 * 00:02.0 root port -> 01:00.0 switch up -> 02:0{1,2,3}.0 down ports
 *         -> 03:00.0 SRC, 04:00.0 DST, 05:00.0 CMB (near)
 * 00:03.0 root port -> 06:00.0 CMB (far: through the host bridge)
 */
enum { HB, RP1, UP, DN1, DN2, DN3, SRC, DST, NEAR, RP2, FAR, NODES };

static struct pci_node nodes[NODES];

static void node(int i, uint8_t bus, uint8_t dev, enum pci_role role,
		 int parent, uint8_t secondary)
{
	struct pci_node *n = &nodes[i];

	memset(n, 0, sizeof(*n));
	n->addr.bus = bus;
	n->addr.dev = dev;
	n->vendor = 0x1b36;
	n->device = role == PCI_ROLE_ENDPOINT ? 0x0010 : 0x000c;
	n->class = role == PCI_ROLE_ENDPOINT ? 0x010802 : 0x060400;
	n->role = role;
	n->parent = parent;
	n->is_bridge = secondary != 0;
	n->secondary_bus = secondary;
	n->subordinate_bus = secondary;
	n->numa_node = -1;
}

static void build(void)
{
	node(HB, 0, 0, PCI_ROLE_HOST_BRIDGE, -1, 0);
	nodes[HB].vendor = 0x8086;
	nodes[HB].device = 0x29c0;
	nodes[HB].class = 0x060000;
	node(RP1, 0, 2, PCI_ROLE_ROOT_PORT, -1, 1);
	nodes[RP1].subordinate_bus = 5;
	node(UP, 1, 0, PCI_ROLE_SWITCH_UP, RP1, 2);
	nodes[UP].subordinate_bus = 5;
	node(DN1, 2, 1, PCI_ROLE_SWITCH_DOWN, UP, 3);
	node(DN2, 2, 2, PCI_ROLE_SWITCH_DOWN, UP, 4);
	node(DN3, 2, 3, PCI_ROLE_SWITCH_DOWN, UP, 5);
	node(SRC, 3, 0, PCI_ROLE_ENDPOINT, DN1, 0);
	node(DST, 4, 0, PCI_ROLE_ENDPOINT, DN2, 0);
	node(NEAR, 5, 0, PCI_ROLE_ENDPOINT, DN3, 0);
	node(RP2, 0, 3, PCI_ROLE_ROOT_PORT, -1, 6);
	node(FAR, 6, 0, PCI_ROLE_ENDPOINT, RP2, 0);
}

static struct p2pmem_provider prov(int i, uint64_t avail, bool published)
{
	struct p2pmem_provider p = {
		.addr = nodes[i].addr,
		.size = 64 * MIB,
		.available = avail,
		.published = published,
		.has_allocate = true,
	};
	return p;
}

static struct pci_topo topo = { .nodes = nodes, .count = NODES };
static const struct p2p_platform intel = { .cpu_known = true,
					   .cpu_amd = false };
static const struct p2p_platform zen = { .cpu_known = true,
					 .cpu_amd = true,
					 .cpu_family = 0x19 };

/* p2pmem_choose() for a copy from SRC to DST; @plat NULL: no topology. */
static int choose(const struct p2pmem_provider *list, size_t n,
		  const struct p2p_platform *plat, struct provider_choice *c)
{
	return p2pmem_choose(list, n, plat ? &topo : NULL, plat,
			     &nodes[SRC].addr, &nodes[DST].addr, c);
}

/* The far CMB has more memory, the near one wins on distance. */
static void test_nearest_wins(void)
{
	struct p2pmem_provider list[] = { prov(FAR, 64 * MIB, true),
					  prov(NEAR, 8 * MIB, true) };
	struct provider_choice c;

	CHECK(choose(list, 2, &intel, &c) == 0);
	CHECK(c.index == 1);
	CHECK(c.have_paths);
	CHECK(c.src_path.verdict == P2P_DIRECT);
	CHECK(c.dst_path.verdict == P2P_DIRECT);
	/* On Zen the far one is allowed, but still farther. */
	CHECK(choose(list, 2, &zen, &c) == 0);
	CHECK(c.index == 1);
}

/* An exhausted or unpublished near CMB: the far one, refused. */
static void test_near_unusable(void)
{
	struct p2pmem_provider list[] = { prov(FAR, 64 * MIB, true),
					  prov(NEAR, 0, true) };
	struct provider_choice c;

	CHECK(choose(list, 2, &intel, &c) == 0);
	CHECK(c.index == 0);
	CHECK(c.src_path.verdict == P2P_REFUSED);
	list[1] = prov(NEAR, 8 * MIB, false);
	CHECK(choose(list, 2, &zen, &c) == 0);
	CHECK(c.index == 0);
	CHECK(c.src_path.verdict == P2P_HOST_BRIDGE);
}

/* The CMB on SRC itself is nearest of all. */
static void test_own_cmb_nearest(void)
{
	struct p2pmem_provider list[] = { prov(FAR, 64 * MIB, true),
					  prov(NEAR, 8 * MIB, true),
					  prov(SRC, 4 * MIB, true) };
	struct provider_choice c;

	CHECK(choose(list, 3, &intel, &c) == 0);
	CHECK(c.index == 2);
	CHECK(c.src_path.distance == 0);
}

/*
 * SRC's and DST's own CMBs are equally near: DST's, even with less free
 * memory, so only SRC's posted writes cross the fabric.
 */
static void test_dst_before_src(void)
{
	struct p2pmem_provider list[] = { prov(SRC, 61 * MIB, true),
					  prov(NEAR, 60 * MIB, true),
					  prov(DST, 60 * MIB, true) };
	struct provider_choice c;

	CHECK(choose(list, 3, &intel, &c) == 0);
	CHECK(c.index == 2);
	CHECK(c.place == PROVIDER_ON_DST);
	CHECK(c.src_path.distance == c.dst_path.distance + 4);
	/* The same with the list in the other order. */
	list[0] = prov(DST, 60 * MIB, true);
	list[2] = prov(SRC, 61 * MIB, true);
	CHECK(choose(list, 3, &intel, &c) == 0);
	CHECK(c.index == 0);
	CHECK(c.place == PROVIDER_ON_DST);
}

/* Without DST's: SRC's, nearer than the third device; then the third. */
static void test_src_before_third(void)
{
	struct p2pmem_provider list[] = { prov(NEAR, 60 * MIB, true),
					  prov(SRC, 61 * MIB, true) };
	struct provider_choice c;

	CHECK(choose(list, 2, &intel, &c) == 0);
	CHECK(c.index == 1);
	CHECK(c.place == PROVIDER_ON_SRC);
	/* Only a third device's: both directions cross the fabric. */
	CHECK(choose(list, 1, &intel, &c) == 0);
	CHECK(c.index == 0);
	CHECK(c.place == PROVIDER_THIRD);
}

/*
 * For passthrough: the third device's CMB before SRC's or DST's own,
 * nearer as they are; an own CMB when nothing else is left, and never a
 * predicted refusal before an accepted own CMB.
 */
static void test_passthru_third_first(void)
{
	struct p2pmem_provider list[] = { prov(SRC, 61 * MIB, true),
					  prov(DST, 60 * MIB, true),
					  prov(FAR, 64 * MIB, true),
					  prov(NEAR, 8 * MIB, true) };
	struct provider_choice c;

	CHECK(p2pmem_choose_third_first(list, 4, &topo, &intel,
					&nodes[SRC].addr, &nodes[DST].addr,
					&c) == 0);
	CHECK(c.index == 3);
	CHECK(c.place == PROVIDER_THIRD);
	/* Only the far third device, refused on Intel: DST's own. */
	CHECK(p2pmem_choose_third_first(list, 3, &topo, &intel,
					&nodes[SRC].addr, &nodes[DST].addr,
					&c) == 0);
	CHECK(c.index == 1);
	CHECK(c.place == PROVIDER_ON_DST);
	/* Allowed on Zen: the far third device before both own CMBs. */
	CHECK(p2pmem_choose_third_first(list, 3, &topo, &zen, &nodes[SRC].addr,
					&nodes[DST].addr, &c) == 0);
	CHECK(c.index == 2);
	/* The block engine's choice is unchanged: DST's own. */
	CHECK(choose(list, 4, &intel, &c) == 0);
	CHECK(c.index == 1);
}

/* Equal distance and place: the larger free pool. */
static void test_larger_pool(void)
{
	struct p2pmem_provider list[] = { prov(NEAR, 8 * MIB, true),
					  prov(DN3, 9 * MIB, true) };
	struct provider_choice c;

	CHECK(choose(list, 2, NULL, &c) == 0);
	CHECK(c.index == 1);
}

/* No topology: still a choice, without paths; DST's own first. */
static void test_no_topology(void)
{
	struct p2pmem_provider list[] = { prov(SRC, 61 * MIB, true),
					  prov(NEAR, 62 * MIB, true),
					  prov(DST, 60 * MIB, true) };
	struct provider_choice c;

	CHECK(choose(list, 3, NULL, &c) == 0);
	CHECK(!c.have_paths);
	CHECK(c.index == 2);
}

/* Nothing usable at all: unpublished, or without an allocate file. */
static void test_nothing_usable(void)
{
	struct p2pmem_provider list[] = { prov(SRC, 61 * MIB, false),
					  prov(NEAR, 62 * MIB, false),
					  prov(DST, 60 * MIB, false) };
	struct provider_choice c;

	CHECK(choose(list, 3, &intel, &c) < 0);
	CHECK(c.index == -1);
	list[0].published = true;
	list[0].has_allocate = false;
	CHECK(choose(list, 1, &intel, &c) < 0);
}

int main(void)
{
	build();
	test_nearest_wins();
	test_near_unusable();
	test_own_cmb_nearest();
	test_dst_before_src();
	test_src_before_third();
	test_passthru_third_first();
	test_larger_pool();
	test_no_topology();
	test_nothing_usable();
	CHECK_DONE();
}
