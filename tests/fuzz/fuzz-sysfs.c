// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Values read from sysfs: the input is split at NUL bytes into the
 * contents of the attributes a p2pmem provider and an NVMe disk with a
 * partition expose (p2pmem size/available/published, disk size, logical
 * block size, partition start, dev numbers); the fake tree is read with
 * the library's own readers through the injectable root.  Whatever the
 * kernel (or a broken driver) writes there, the readers must not crash,
 * and what they accept must make sense.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blockdev.h"
#include "fuzz.h"
#include "p2pmem.h"
#include "sysfs.h"

#define PROVIDER "/sys/bus/pci/devices/0000:01:00.0"
#define DISK \
	"/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/nvme/nvme0/nvme0n1"

static const char *const attrs[] = {
	PROVIDER "/p2pmem/size",
	PROVIDER "/p2pmem/available",
	PROVIDER "/p2pmem/published",
	DISK "/size",
	DISK "/queue/logical_block_size",
	DISK "/nvme0n1p1/start",
	DISK "/nvme0n1p1/size",
	DISK "/dev",
	DISK "/nvme0n1p1/dev",
};

static void make_tree(const char *root)
{
	char link[PATH_MAX], target[PATH_MAX];

	fuzz_write(root, PROVIDER "/p2pmem/allocate", "", 0);
	fuzz_write(root, DISK "/nvme0n1p1/partition", "1\n", 2);
	snprintf(link, sizeof(link), "%s/sys/class/block/nvme0n1", root);
	snprintf(target, sizeof(target), "%s%s", root, DISK);
	fuzz_write(root, "/sys/class/block/.keep", "", 0);
	if (symlink(target, link) && errno != EEXIST)
		abort();
	snprintf(link, sizeof(link), "%s/sys/class/block/nvme0n1p1", root);
	snprintf(target, sizeof(target), "%s%s/nvme0n1p1", root, DISK);
	if (symlink(target, link) && errno != EEXIST)
		abort();
}

static void check_readers(const char *value)
{
	uint64_t u;
	int64_t s;
	char str[64];
	int ret;

	ret = sysfs_read_u64(PROVIDER "/p2pmem/size", &u);
	if (ret == 0)
		FUZZ_CHECK(value[0] >= '0' && value[0] <= '9',
			   "'%s' read as the number %llu", value,
			   (unsigned long long)u);
	ret = sysfs_read_s64(PROVIDER "/p2pmem/size", &s);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL, "read_s64: %d", ret);
	ret = sysfs_read_str(PROVIDER "/p2pmem/size", str, sizeof(str));
	FUZZ_CHECK(ret == 0 && strlen(str) < sizeof(str), "read_str: %d", ret);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool made;
	const char *root = fuzz_scratch();
	struct p2pmem_provider prov;
	struct pci_addr addr = { 0, 1, 0, 0 };
	struct disk_info disk;
	size_t i, start = 0, end;
	char *first = NULL;

	if (!made) {
		make_tree(root);
		made = true;
	}
	sysfs_set_root(root);
	for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		end = start;
		while (end < size && data[end])
			end++;
		fuzz_write(root, attrs[i], data + start, end - start);
		if (i == 0)
			first = fuzz_string(data + start, end - start);
		start = end < size ? end + 1 : size;
	}
	check_readers(first);

	if (p2pmem_provider_read(&addr, &prov) == 0)
		FUZZ_CHECK(pci_addr_equal(&prov.addr, &addr),
			   "provider read back at another address");
	if (disk_info_from_name("nvme0n1", &disk) == 0) {
		FUZZ_CHECK(disk.logical_block_size &&
				   !(disk.logical_block_size &
				     (disk.logical_block_size - 1)),
			   "logical block size %u accepted",
			   disk.logical_block_size);
		FUZZ_CHECK(disk.kind == DISK_NVME &&
				   !strcmp(disk.ctrl, "nvme0"),
			   "the disk's controller is '%s'", disk.ctrl);
	}
	if (disk_info_from_name("nvme0n1p1", &disk) == 0)
		FUZZ_CHECK(!strcmp(disk.part, "nvme0n1p1") &&
				   !strcmp(disk.name, "nvme0n1"),
			   "partition '%s' of '%s'", disk.part, disk.name);
	free(first);
	sysfs_set_root(NULL);
	return 0;
}
