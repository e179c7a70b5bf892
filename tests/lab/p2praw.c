// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * p2praw: the smallest possible peer-to-peer DMA, for the lab suite.
 *
 * Maps a piece of a PCI device's p2pmem through sysfs and moves data
 * between it and block devices with O_DIRECT pread/pwrite, so the lab can
 * check the kernel's own verdict on a path independently of p2pcp.
 *
 *   p2praw copy BDF SRC DST LEN [SRC_OFF [DST_OFF]]
 *   p2praw read BDF DEV LEN [OFF]
 *   p2praw hold BDF LEN
 *
 * Exit status: 0 done, 1 an I/O failed (the message names the errno),
 * 2 usage or setup error (e.g. the mmap failed).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const char *err_name(int err)
{
	const char *n = strerrorname_np(err);

	return n ? n : "?";
}

static void usage(void)
{
	fprintf(stderr,
		"usage: p2praw copy BDF SRC DST LEN [SRC_OFF [DST_OFF]]\n"
		"       p2praw read BDF DEV LEN [OFF]\n"
		"       p2praw hold BDF LEN\n");
	exit(2);
}

static uint64_t num(const char *s)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end) {
		fprintf(stderr, "p2praw: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

static void *map_p2pmem(const char *bdf, size_t len)
{
	char path[256];
	void *p;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/p2pmem/allocate",
		 bdf);
	fd = open(path, O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "p2praw: open %s: %s (%s)\n", path,
			strerror(errno), err_name(errno));
		exit(2);
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "p2praw: mmap %zu bytes of %s: %s (%s)\n", len,
			path, strerror(errno), err_name(errno));
		exit(2);
	}
	close(fd);
	return p;
}

static int open_dev(const char *dev, int flags)
{
	int fd = open(dev, flags | O_DIRECT);

	if (fd < 0) {
		fprintf(stderr, "p2praw: open %s: %s (%s)\n", dev,
			strerror(errno), err_name(errno));
		exit(2);
	}
	return fd;
}

/* Move @len bytes between @dev at @off and @buf; returns 0 or 1. */
static int xfer(int write, const char *dev, int fd, void *buf, size_t len,
		uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n;

		if (write)
			n = pwrite(fd, (char *)buf + done, len - done,
				   off + done);
		else
			n = pread(fd, (char *)buf + done, len - done,
				  off + done);
		if (n < 0) {
			fprintf(stderr,
				"p2praw: %s %s at offset %" PRIu64
				": %s (%s)\n",
				write ? "write" : "read", dev, off + done,
				strerror(errno), err_name(errno));
			return 1;
		}
		if (n == 0) {
			fprintf(stderr,
				"p2praw: %s %s at offset %" PRIu64
				": end of device\n",
				write ? "write" : "read", dev, off + done);
			return 1;
		}
		done += n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *bdf;
	size_t len;
	void *buf;
	int sfd, dfd;

	if (argc < 4)
		usage();
	bdf = argv[2];
	if (!strcmp(argv[1], "hold")) {
		if (argc != 4)
			usage();
		len = num(argv[3]);
		map_p2pmem(bdf, len);
		printf("p2praw: holding %zu bytes of %s p2pmem\n", len, bdf);
		fflush(stdout);
		for (;;)
			pause();
	}
	if (!strcmp(argv[1], "read")) {
		uint64_t off;

		if (argc < 5 || argc > 6)
			usage();
		len = num(argv[4]);
		off = argc > 5 ? num(argv[5]) : 0;
		buf = map_p2pmem(bdf, len);
		sfd = open_dev(argv[3], O_RDONLY);
		if (xfer(0, argv[3], sfd, buf, len, off))
			return 1;
		printf("p2praw: read %zu bytes from %s into %s p2pmem\n", len,
		       argv[3], bdf);
		return 0;
	}
	if (!strcmp(argv[1], "copy")) {
		uint64_t soff, doff;

		if (argc < 6 || argc > 8)
			usage();
		len = num(argv[5]);
		soff = argc > 6 ? num(argv[6]) : 0;
		doff = argc > 7 ? num(argv[7]) : 0;
		buf = map_p2pmem(bdf, len);
		sfd = open_dev(argv[3], O_RDONLY);
		dfd = open_dev(argv[4], O_WRONLY);
		if (xfer(0, argv[3], sfd, buf, len, soff) ||
		    xfer(1, argv[4], dfd, buf, len, doff))
			return 1;
		if (fsync(dfd)) {
			fprintf(stderr, "p2praw: fsync %s: %s\n", argv[4],
				strerror(errno));
			return 1;
		}
		printf("p2praw: copied %zu bytes %s -> %s through %s p2pmem\n",
		       len, argv[3], argv[4], bdf);
		return 0;
	}
	usage();
	return 2;
}
