// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Destination signatures through libblkid, on image files: nothing on
 * zeros, a filesystem made by mke2fs, an MBR partition table, and both
 * at once.
 */
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

int main(void)
{
	char img[] = "sig-XXXXXX", cmd[256];
	struct disk_signature sig;
	int fd = mkstemp(img);

	if (fd < 0)
		return T_EXIT_ERROR;
	close(fd);

	make_zero_image(img, 8 * MIB);
	CHECK(disk_signature_probe(img, &sig) == 0);

	snprintf(cmd, sizeof(cmd), "mke2fs -q -F -t ext4 %s >/dev/null 2>&1",
		 img);
	if (system(cmd)) {
		fprintf(stderr, "mke2fs failed (e2fsprogs missing?)\n");
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

	CHECK(disk_signature_probe("no-such-image", &sig) < 0);
	unlink(img);
	CHECK_DONE();
}
