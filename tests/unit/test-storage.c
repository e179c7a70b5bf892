// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * storage_compare(): overlap of two endpoints' ranges through the
 * layers below them (loop devices and their backing files, partitions,
 * dm/md slaves, filesystems), on stacks built by hand.
 */
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "check.h"
#include "storage.h"

#define MIB (1024ULL * 1024)
#define NONE UINT64_MAX

static struct storage_layer file(ino_t ino, uint64_t base, uint64_t limit)
{
	return (struct storage_layer){ .kind = LAYER_FILE,
				       .map = MAP_EXACT,
				       .dev = makedev(8, 1),
				       .ino = ino,
				       .base = base,
				       .limit = limit };
}

static struct storage_layer disk(unsigned int maj, enum layer_map map,
				 uint64_t base, uint64_t limit)
{
	struct storage_layer l = {
		.kind = LAYER_DISK, .map = map, .base = base, .limit = limit
	};

	snprintf(l.name, sizeof(l.name), "disk%u", maj);
	return l;
}

static void stack(struct storage_stack *s, size_t n,
		  const struct storage_layer *l)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->layer, l, n * sizeof(*l));
	s->count = n;
}

static enum storage_verdict cmp(const struct storage_stack *a, uint64_t aoff,
				const struct storage_stack *b, uint64_t boff,
				uint64_t len)
{
	const struct storage_layer *where;

	return storage_compare(a, aoff, b, boff, len, &where);
}

/* A.img and /dev/loop0 backed by it (issue 10 item 2's reproducer). */
static void test_loop_over_file(void)
{
	struct storage_stack src, dst;
	const struct storage_layer s[] = { file(10, 0, NONE),
					   disk(8, MAP_FS, 0, 100 * MIB) };
	const struct storage_layer d[] = { disk(7, MAP_EXACT, 0, 64 * MIB),
					   file(10, 0, 64 * MIB),
					   disk(8, MAP_FS, 0, 100 * MIB) };
	struct storage_layer d_off[3];

	stack(&src, 2, s);
	stack(&dst, 3, d);
	CHECK(cmp(&src, 0, &dst, 1 * MIB, 4 * MIB) == STORAGE_OVERLAP);
	CHECK(cmp(&src, 0, &dst, 4 * MIB, 4 * MIB) == STORAGE_DISJOINT);
	CHECK(cmp(&src, 8 * MIB, &dst, 0, 8 * MIB) == STORAGE_DISJOINT);
	CHECK(cmp(&src, 8 * MIB, &dst, 4 * MIB, 8 * MIB) == STORAGE_OVERLAP);
	/* losetup -o 16M: loop byte x is file byte 16M + x. */
	memcpy(d_off, d, sizeof(d));
	d_off[1].base = 16 * MIB;
	stack(&dst, 3, d_off);
	CHECK(cmp(&src, 0, &dst, 0, 4 * MIB) == STORAGE_DISJOINT);
	CHECK(cmp(&src, 16 * MIB, &dst, 0, 4 * MIB) == STORAGE_OVERLAP);
	CHECK(cmp(&src, 18 * MIB, &dst, 0, 4 * MIB) == STORAGE_OVERLAP);
	CHECK(cmp(&src, 20 * MIB, &dst, 0, 4 * MIB) == STORAGE_DISJOINT);
	/* A different file on the same filesystem: the inodes decide. */
	d_off[1].ino = 11;
	stack(&dst, 3, d_off);
	CHECK(cmp(&src, 16 * MIB, &dst, 0, 4 * MIB) == STORAGE_DISJOINT);
}

/* A partition starting at 1 MiB and its whole disk. */
static void test_partition(void)
{
	struct storage_stack part, whole;
	const struct storage_layer p[] = { disk(259, MAP_EXACT, MIB, 8 * MIB) };
	const struct storage_layer w[] = { disk(259, MAP_EXACT, 0, 64 * MIB) };

	stack(&part, 1, p);
	stack(&whole, 1, w);
	CHECK(cmp(&part, 0, &whole, 0, MIB) == STORAGE_DISJOINT);
	CHECK(cmp(&part, 0, &whole, MIB, MIB) == STORAGE_OVERLAP);
	CHECK(cmp(&whole, 2 * MIB, &part, 0, 2 * MIB) == STORAGE_OVERLAP);
	CHECK(cmp(&whole, 9 * MIB, &part, 0, 8 * MIB) == STORAGE_DISJOINT);
}

/* dm-0 on sda's 1..101 MiB: where in it is unknown. */
static void test_device_mapper(void)
{
	struct storage_stack dm, raw, other;
	const struct storage_layer m[] = {
		disk(253, MAP_EXACT, 0, 100 * MIB),
		disk(8, MAP_WITHIN, MIB, 100 * MIB),
	};
	const struct storage_layer r[] = { disk(8, MAP_EXACT, 0, 1024 * MIB) };
	const struct storage_layer o[] = { disk(9, MAP_EXACT, 0, 1024 * MIB) };

	stack(&dm, 2, m);
	stack(&raw, 1, r);
	stack(&other, 1, o);
	CHECK(cmp(&dm, 0, &raw, 50 * MIB, MIB) == STORAGE_UNKNOWN);
	CHECK(cmp(&dm, 0, &raw, 200 * MIB, MIB) == STORAGE_DISJOINT);
	CHECK(cmp(&raw, 0, &dm, 0, 4 * MIB) == STORAGE_UNKNOWN);
	CHECK(cmp(&dm, 0, &other, 0, MIB) == STORAGE_DISJOINT);
	CHECK(cmp(&dm, 0, &dm, 8 * MIB, 4 * MIB) == STORAGE_DISJOINT);
	CHECK(cmp(&dm, 0, &dm, 2 * MIB, 4 * MIB) == STORAGE_OVERLAP);
}

/* A file's filesystem against the raw device it lives on. */
static void test_filesystem(void)
{
	struct storage_stack f, raw, g;
	const struct storage_layer fl[] = { file(10, 0, NONE),
					    disk(8, MAP_FS, MIB, 100 * MIB) };
	const struct storage_layer gl[] = { file(12, 0, NONE),
					    disk(8, MAP_FS, MIB, 100 * MIB) };
	const struct storage_layer r[] = { disk(8, MAP_EXACT, 0, 1024 * MIB) };

	stack(&f, 2, fl);
	stack(&g, 2, gl);
	stack(&raw, 1, r);
	CHECK(cmp(&raw, 0, &f, 0, MIB) == STORAGE_DISJOINT);
	CHECK(cmp(&raw, 2 * MIB, &f, 0, MIB) == STORAGE_UNKNOWN);
	CHECK(cmp(&f, 0, &g, 0, 64 * MIB) == STORAGE_DISJOINT);
	CHECK(cmp(&f, 0, &f, 0, 0) == STORAGE_DISJOINT);
	f.incomplete = true;
	CHECK(cmp(&f, 0, &g, 0, MIB) == STORAGE_UNKNOWN);
}

/*
 * A disk and a file are never one object: a disk is known by its name,
 * a file by device and inode, whatever else the layers carry.
 */
static void test_kinds_differ(void)
{
	struct storage_stack a, b;
	struct storage_layer d = disk(8, MAP_EXACT, 0, 64 * MIB);
	struct storage_layer f = file(10, 0, NONE);

	snprintf(f.name, sizeof(f.name), "%s", d.name);
	d.dev = f.dev;
	d.ino = f.ino;
	stack(&a, 1, &d);
	stack(&b, 1, &f);
	CHECK(cmp(&a, 0, &b, 0, MIB) == STORAGE_DISJOINT);
	CHECK(cmp(&b, 0, &a, 0, MIB) == STORAGE_DISJOINT);
}

/*
 * A filesystem with no block device under it (issue 18 item 2): an
 * overlay's file against the file its lower layer holds is unknown
 * (either way round, whatever the offsets); two files on the overlay
 * are told apart by their inodes; a loop device over the overlay's file
 * meets that file exactly; a memory filesystem's file (no layer below
 * it) is disjoint from a disk.
 */
static void test_no_block_device(void)
{
	struct storage_stack ovl_f, ovl_g, lower, loop, mem, raw;
	struct storage_layer nodev = { .kind = LAYER_NODEV,
				       .map = MAP_FS,
				       .dev = makedev(0, 45),
				       .limit = NONE };
	struct storage_layer of = file(10, 0, NONE), og = file(11, 0, NONE);
	const struct storage_layer *where;
	struct storage_layer l[3];

	of.dev = og.dev = nodev.dev;
	snprintf(nodev.name, sizeof(nodev.name), "an overlay filesystem");
	stack(&ovl_f, 2, (struct storage_layer[]){ of, nodev });
	stack(&ovl_g, 2, (struct storage_layer[]){ og, nodev });
	stack(&lower, 2,
	      (struct storage_layer[]){ file(10, 0, NONE),
					disk(8, MAP_FS, 0, 100 * MIB) });
	CHECK(storage_compare(&ovl_f, 0, &lower, 512 * 1024, MIB, &where) ==
	      STORAGE_UNKNOWN);
	CHECK(where && where->kind == LAYER_NODEV);
	CHECK(cmp(&lower, 0, &ovl_f, 64 * MIB, MIB) == STORAGE_UNKNOWN);
	CHECK(cmp(&ovl_f, 0, &ovl_g, 0, MIB) == STORAGE_DISJOINT);
	CHECK(cmp(&ovl_f, 0, &ovl_f, 4096, MIB) == STORAGE_OVERLAP);
	CHECK(cmp(&ovl_f, 0, &ovl_f, 2 * MIB, MIB) == STORAGE_DISJOINT);
	l[0] = disk(7, MAP_EXACT, 0, 4 * MIB);
	l[1] = of;
	l[1].limit = 4 * MIB;
	l[2] = nodev;
	stack(&loop, 3, l);
	CHECK(cmp(&loop, 0, &ovl_f, 0, MIB) == STORAGE_OVERLAP);
	CHECK(cmp(&loop, 0, &ovl_g, 0, MIB) == STORAGE_DISJOINT);
	CHECK(cmp(&loop, 0, &lower, 0, MIB) == STORAGE_UNKNOWN);
	stack(&mem, 1, (struct storage_layer[]){ file(12, 0, NONE) });
	mem.layer[0].dev = makedev(0, 30);
	stack(&raw, 1,
	      (struct storage_layer[]){ disk(8, MAP_EXACT, 0, 100 * MIB) });
	CHECK(cmp(&mem, 0, &raw, 0, MIB) == STORAGE_DISJOINT);
	CHECK(cmp(&mem, 0, &lower, 0, MIB) == STORAGE_DISJOINT);
	CHECK(cmp(&mem, 0, &ovl_f, 0, MIB) == STORAGE_UNKNOWN);
}

int main(void)
{
	test_loop_over_file();
	test_partition();
	test_device_mapper();
	test_filesystem();
	test_kinds_differ();
	test_no_block_device();
	CHECK_DONE();
}
