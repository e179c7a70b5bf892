// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The block layer's integrity settings from a fake sysfs: a plain
 * namespace, a PI namespace with generation and checking on or off, a
 * metadata-only namespace, an NVMe multipath head (whose path disks'
 * settings are the ones that apply), and no integrity directory at all.
 */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "fakeroot.h"
#include "integrity.h"
#include "sysfs.h"

static void put_integrity(const char *disk, const char *format,
			  unsigned int tuple, unsigned int ms, int verify,
			  int generate)
{
	char path[128], num[16];

	snprintf(path, sizeof(path), "/sys/block/%s/integrity/format", disk);
	fake_put(path, format);
	/* 7.x has no tuple_size: 0 leaves it out. */
	snprintf(path, sizeof(path), "/sys/block/%s/integrity/tuple_size",
		 disk);
	snprintf(num, sizeof(num), "%u\n", tuple);
	if (tuple)
		fake_put(path, num);
	snprintf(path, sizeof(path), "/sys/block/%s/metadata_bytes", disk);
	snprintf(num, sizeof(num), "%u\n", ms);
	fake_put(path, num);
	snprintf(path, sizeof(path), "/sys/block/%s/integrity/read_verify",
		 disk);
	fake_put(path, verify ? "1\n" : "0\n");
	snprintf(path, sizeof(path), "/sys/block/%s/integrity/write_generate",
		 disk);
	fake_put(path, generate ? "1\n" : "0\n");
}

int main(void)
{
	struct disk_integrity in;

	if (fake_root_make("test-integrity"))
		return T_EXIT_ERROR;
	fake_mkpath("/sys/block/sda");
	put_integrity("nvme0n1", "none\n", 0, 0, 0, 0);
	put_integrity("nvme1n1", "T10-DIF-TYPE1-CRC\n", 8, 8, 1, 1);
	put_integrity("nvme2n1", "T10-DIF-TYPE1-CRC\n", 8, 8, 0, 0);
	put_integrity("nvme3n1", "nop\n", 0, 8, 1, 1);
	put_integrity("nvme4n1", "T10-DIF-TYPE3-CRC\n", 8, 16, 1, 0);
	/* As 7.3 shows it: no tuple_size, the format says 8 bytes. */
	put_integrity("nvme6n1", "T10-DIF-TYPE1-CRC\n", 0, 8, 1, 1);
	put_integrity("nvme7n1", "EXT-DIF-TYPE1-CRC64\n", 0, 16, 1, 1);
	put_integrity("nvme8n1", "T10-DIF-TYPE1-CRC\n", 0, 16, 1, 1);
	/* A head: its own flags on, the paths' flags mixed. */
	put_integrity("nvme5n1", "T10-DIF-TYPE1-CRC\n", 8, 8, 1, 1);
	put_integrity("nvme5c5n1", "T10-DIF-TYPE1-CRC\n", 8, 8, 0, 0);
	put_integrity("nvme5c6n1", "T10-DIF-TYPE1-CRC\n", 8, 8, 1, 0);
	fake_mkpath("/sys/block/nvme5n1/multipath");
	fake_link("../../nvme5c5n1", "/sys/block/nvme5n1/multipath/nvme5c5n1");
	fake_link("../../nvme5c6n1", "/sys/block/nvme5n1/multipath/nvme5c6n1");
	sysfs_set_root(fake_root);

	CHECK_EQ_U64(disk_integrity_read("sda", &in), 0);
	CHECK(!in.present);
	CHECK(!in.read_verify && !in.write_generate);
	CHECK_EQ_U64(disk_integrity_read("nvme0n1", &in), 0);
	CHECK(!in.present);

	CHECK_EQ_U64(disk_integrity_read("nvme1n1", &in), 0);
	CHECK(in.present);
	CHECK(!strcmp(in.format, "T10-DIF-TYPE1-CRC"));
	CHECK(in.read_verify && in.write_generate);
	CHECK_EQ_U64(in.verify_disks, 1);
	CHECK(!strcmp(in.generate_disk[0], "nvme1n1"));
	CHECK(integrity_offload_capable(&in));

	CHECK_EQ_U64(disk_integrity_read("nvme2n1", &in), 0);
	CHECK(in.present && !in.read_verify && !in.write_generate);

	/* Metadata without PI: nothing for the CPU to compute. */
	CHECK_EQ_U64(disk_integrity_read("nvme3n1", &in), 0);
	CHECK(in.present && !integrity_format_has_pi(in.format));
	CHECK(!integrity_offload_capable(&in));

	/* More metadata than the PI tuple: the controller cannot do it. */
	CHECK_EQ_U64(disk_integrity_read("nvme4n1", &in), 0);
	CHECK(integrity_format_has_pi(in.format));
	CHECK(!integrity_offload_capable(&in));

	CHECK_EQ_U64(disk_integrity_read("nvme6n1", &in), 0);
	CHECK_EQ_U64(in.tuple_size, 8);
	CHECK(integrity_offload_capable(&in));
	CHECK_EQ_U64(disk_integrity_read("nvme7n1", &in), 0);
	CHECK(integrity_offload_capable(&in));
	CHECK_EQ_U64(disk_integrity_read("nvme8n1", &in), 0);
	CHECK(!integrity_offload_capable(&in));

	/* The head: only the paths count, each named. */
	CHECK_EQ_U64(disk_integrity_read("nvme5n1", &in), 0);
	CHECK(in.present);
	CHECK(in.read_verify);
	CHECK(!in.write_generate);
	CHECK_EQ_U64(in.verify_disks, 1);
	CHECK(!strcmp(in.verify_disk[0], "nvme5c6n1"));

	CHECK_EQ_U64(disk_integrity_read("../nvme1n1", &in), -EINVAL);
	sysfs_set_root(NULL);
	fake_root_remove();
	CHECK_DONE();
}
