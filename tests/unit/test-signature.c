// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Destination signatures through libblkid, on image files: nothing on
 * zeros, a filesystem made by mke2fs, an MBR partition table, both at
 * once, a crypto volume, and contradicting signatures.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blockdev.h"
#include "check.h"
#include "util.h"

static void make_zero_image(const char *path, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || ftruncate(fd, (off_t)size))
		exit(T_EXIT_ERROR);
	close(fd);
}

static int make_ext4(const char *path)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "mke2fs -q -F -t ext4 %s >/dev/null 2>&1",
		 path);
	if (system(cmd)) {
		fprintf(stderr, "mke2fs failed (e2fsprogs missing?)\n");
		return -1;
	}
	return 0;
}

/* One primary Linux partition from sector 2048, and the 0x55AA mark. */
static void write_mbr(const char *path)
{
	unsigned char mbr[512] = { 0 };
	unsigned char *e = mbr + 446;
	uint32_t start = 2048, count = 4096;
	int fd = open(path, O_WRONLY);

	e[4] = 0x83;
	memcpy(e + 8, &start, 4);
	memcpy(e + 12, &count, 4);
	mbr[510] = 0x55;
	mbr[511] = 0xaa;
	if (fd < 0 || pwrite(fd, mbr, sizeof(mbr), 0) != sizeof(mbr))
		exit(T_EXIT_ERROR);
	close(fd);
}

/* @len bytes of @bytes at @offset of @path. */
static void poke(const char *path, off_t offset, const void *bytes, size_t len)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || pwrite(fd, bytes, len, offset) != (ssize_t)len)
		exit(T_EXIT_ERROR);
	close(fd);
}

/*
 * A LUKS header is a crypto volume, an md superblock a RAID member,
 * each named as such; an ISO 9660 volume descriptor inside an ext4
 * filesystem makes two contradicting answers.
 */
static void test_usage_and_contradiction(const char *img)
{
	static const char luks[] = "LUKS\xba\xbe\x00\x01";
	static const char md_magic[] = "\xfc\x4e\x2b\xa9";
	static const char iso[] = "\x01"
				  "CD001\x01";
	struct disk_signature sig;

	make_zero_image(img, 8 * MIB);
	poke(img, 0, luks, sizeof(luks) - 1);
	CHECK(disk_signature_probe(img, &sig) == 1);
	CHECK(!strcmp(sig.type, "crypto_LUKS"));
	CHECK(sig.what && !strcmp(sig.what, "crypto volume"));

	/*
	 * An md 0.90 superblock's magic, 64 KiB-aligned 64 KiB before the
	 * end: a RAID member (blkid looks for RAIDs on more than 1.44 MB).
	 */
	make_zero_image(img, 8 * MIB);
	poke(img, 8 * MIB - 65536, md_magic, sizeof(md_magic) - 1);
	CHECK(disk_signature_probe(img, &sig) == 1);
	CHECK(!strcmp(sig.type, "linux_raid_member"));
	CHECK(sig.what && !strcmp(sig.what, "RAID/LVM member"));

	make_zero_image(img, 8 * MIB);
	if (make_ext4(img))
		return;
	poke(img, 32768, iso, sizeof(iso) - 1);
	CHECK(disk_signature_probe(img, &sig) == 2);
	CHECK(!strcmp(sig.type, "several"));
	CHECK(sig.what && !strcmp(sig.what, "contradicting signatures"));
}

/*
 * Nothing found leaves nothing behind in @sig, and the descriptor the
 * probe opens is closed again, descriptor 0 included.
 */
static void test_nothing_found(const char *img)
{
	struct disk_signature sig;
	int saved = dup(0);

	make_zero_image(img, 8 * MIB);
	memset(&sig, 'x', sizeof(sig));
	close(0);
	CHECK(disk_signature_probe(img, &sig) == 0);
	CHECK(!sig.type[0] && !sig.what);
	CHECK(fcntl(0, F_GETFD) == -1);
	if (saved >= 0) {
		dup2(saved, 0);
		close(saved);
	}
	CHECK(disk_signature_probe("no-such-image", &sig) == -ENOENT);
}

int main(void)
{
	char img[] = "sig-XXXXXX";
	struct disk_signature sig;
	int fd = mkstemp(img);

	if (fd < 0)
		return T_EXIT_ERROR;
	close(fd);

	make_zero_image(img, 8 * MIB);
	CHECK(disk_signature_probe(img, &sig) == 0);

	if (make_ext4(img)) {
		unlink(img);
		return T_EXIT_ERROR;
	}
	CHECK(disk_signature_probe(img, &sig) == 1);
	CHECK(!strcmp(sig.type, "ext4"));
	CHECK(sig.what && !strcmp(sig.what, "filesystem"));

	/*
	 * A partition table written over the start of that filesystem:
	 * blkid reports both; the filesystem is what gets named.
	 */
	write_mbr(img);
	CHECK(disk_signature_probe(img, &sig) == 1);
	CHECK(!strcmp(sig.type, "ext4"));

	make_zero_image(img, 8 * MIB);
	write_mbr(img);
	CHECK(disk_signature_probe(img, &sig) == 1);
	CHECK(!strcmp(sig.type, "dos"));
	CHECK(sig.what && !strcmp(sig.what, "partition table"));

	test_usage_and_contradiction(img);
	test_nothing_found(img);
	unlink(img);
	CHECK_DONE();
}
