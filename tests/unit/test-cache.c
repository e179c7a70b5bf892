// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The cache type of p2pcp's mapping of a provider's p2pmem, from a fake
 * sysfs, /proc/mtrr and pat_memtype_list: the BAR that holds the p2pmem,
 * the MTRR ranges over it (uncachable wins, write-through over
 * write-back), and unknown with the reason where the files do not tell.
 */
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fakeroot.h"
#include "p2pmem.h"
#include "sysfs.h"

#define DEV "/sys/bus/pci/devices/0000:05:00.0"

static void mtrr(const char *text)
{
	char path[600];

	if (text) {
		fake_put("/proc/mtrr", text);
		return;
	}
	snprintf(path, sizeof(path), "%s/proc/mtrr", fake_root);
	unlink(path);
}

static enum p2pmem_cache type_now(struct p2pmem_cache_info *c)
{
	struct p2pmem_provider pv = { .size = 4 << 20 };

	pv.addr.bus = 5;
	p2pmem_cache_type(&pv, c);
	return c->type;
}

int main(void)
{
	struct p2pmem_cache_info c;

	if (fake_root_make("test-cache"))
		return T_EXIT_ERROR;
	/* BAR0 16 KiB (registers), BAR2 64 MiB (the CMB), an I/O BAR. */
	fake_put(DEV "/resource",
		 "0x00000000fe800000 0x00000000fe803fff 0x0000000000140204\n"
		 "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		 "0x00000000f8000000 0x00000000fbffffff 0x000000000014220c\n"
		 "0x000000000000c000 0x000000000000c03f 0x0000000000040101\n");
	fake_put(
		"/sys/kernel/debug/x86/pat_memtype_list",
		"PAT memtype list:\n"
		"PAT: [mem 0x00000000f8000000-0x00000000fc000000] uncached-minus\n");
	sysfs_set_root(fake_root);

	mtrr("reg00: base=0x000000000 (    0MB), size= 2048MB, count=1: write-back\n"
	     "reg01: base=0x0c0000000 ( 3072MB), size= 1024MB, count=1: uncachable\n");
	CHECK_EQ_U64(type_now(&c), P2PMEM_CACHE_UNCACHED);
	CHECK_EQ_U64(c.bar_start, 0xf8000000);
	CHECK_EQ_U64(c.bar_end, 0xfbffffff);
	CHECK(!strcmp(c.kernel_map, "uncached-minus"));
	CHECK(!strcmp(c.source, "/proc/mtrr"));
	CHECK(!p2pmem_cache_is_cached(c.type));

	/* A write-back range over the BAR: the mapping is cached. */
	mtrr("reg00: base=0x0f8000000 ( 3968MB), size=   64MB, count=1: write-back\n");
	CHECK_EQ_U64(type_now(&c), P2PMEM_CACHE_WRITE_BACK);
	CHECK(p2pmem_cache_is_cached(c.type));
	CHECK(!strcmp(p2pmem_cache_name(c.type), "write-back"));

	/* Overlaps: uncachable wins; write-through beats write-back. */
	mtrr("reg00: base=0x0f8000000 ( 3968MB), size=   64MB, count=1: write-back\n"
	     "reg01: base=0x0f0000000 ( 3840MB), size=  256MB, count=1: uncachable\n");
	CHECK_EQ_U64(type_now(&c), P2PMEM_CACHE_UNCACHED);
	mtrr("reg00: base=0x0f8000000 ( 3968MB), size=   64MB, count=1: write-back\n"
	     "reg01: base=0x0f0000000 ( 3840MB), size=  256MB, count=1: write-through\n");
	CHECK_EQ_U64(type_now(&c), P2PMEM_CACHE_WRITE_THROUGH);
	mtrr("reg00: base=0x0f8000000 ( 3968MB), size=   64MB, count=1: write-combining\n");
	CHECK_EQ_U64(type_now(&c), P2PMEM_CACHE_WRITE_COMBINING);
	CHECK(!p2pmem_cache_is_cached(c.type));

	/* Only part of the BAR covered, or none of it: unknown, and why. */
	mtrr("reg00: base=0x0f8000000 ( 3968MB), size=   32MB, count=1: uncachable\n");
	CHECK_EQ_U64(type_now(&c), P2PMEM_CACHE_UNKNOWN);
	CHECK(strstr(c.source, "part of the BAR") != NULL);
	mtrr("reg00: base=0x000000000 (    0MB), size= 2048MB, count=1: write-back\n");
	CHECK_EQ_U64(type_now(&c), P2PMEM_CACHE_UNKNOWN);
	CHECK(strstr(c.source, "default type") != NULL);
	mtrr(NULL);
	CHECK_EQ_U64(type_now(&c), P2PMEM_CACHE_UNKNOWN);
	CHECK(strstr(c.source, "/proc/mtrr cannot be read") != NULL);

	/* No BAR large enough for the p2pmem: unknown. */
	fake_put(DEV "/resource",
		 "0x00000000fe800000 0x00000000fe803fff 0x0000000000140204\n");
	CHECK_EQ_U64(type_now(&c), P2PMEM_CACHE_UNKNOWN);
	CHECK(strstr(c.source, "no memory BAR") != NULL);

	sysfs_set_root(NULL);
	fake_root_remove();
	CHECK_DONE();
}
