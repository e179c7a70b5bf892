// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * serial-copy: the pre-pipelining baseline for the benchmark.
 *
 * One buffer of one chunk (p2pmem of a provider, or system memory with
 * --sysmem), queue depth 1: pread a chunk of the source with O_DIRECT,
 * pwrite it to the destination with O_DIRECT, repeat.  Reading the next
 * chunk never overlaps writing the last one, which is what simple P2P
 * test tools do.  Prints a JSON summary on stdout.
 *
 *   serial-copy [--sysmem | --provider BDF] [--chunk-size SIZE]
 *               [--length SIZE] SRC DST
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "p2pmem.h"
#include "pcitopo.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: serial-copy [--sysmem | --provider BDF] "
		   "[--chunk-size SIZE] [--length SIZE] SRC DST\n");
}

static int fd_size(int fd, uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (S_ISBLK(st.st_mode))
		return ioctl(fd, BLKGETSIZE64, size) ? -errno : 0;
	*size = (uint64_t)st.st_size;
	return 0;
}

/* Transfer all of @len at @off, resuming short transfers. */
static int xfer(int fd, char *buf, size_t len, off_t off, bool write_side)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		if (write_side)
			n = pwrite(fd, buf + done, len - done, off + done);
		else
			n = pread(fd, buf + done, len - done, off + done);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		done += (size_t)n;
	}
	return 0;
}

struct serial_args {
	uint64_t chunk, length;
	const char *provider;
	bool sysmem;
};

/* 0 to go on, or the exit status (after --help, or a usage error). */
static int parse_args(int argc, char **argv, struct serial_args *a)
{
	static const struct option opts[] = {
		{ "sysmem", no_argument, NULL, 's' },
		{ "provider", required_argument, NULL, 'p' },
		{ "chunk-size", required_argument, NULL, 'c' },
		{ "length", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			a->sysmem = true;
			break;
		case 'p':
			a->provider = optarg;
			break;
		case 'c':
			if (parse_size(optarg, 0, &a->chunk) || !a->chunk ||
			    a->chunk % 512 || a->chunk > (1U << 30)) {
				fprintf(stderr,
					"serial-copy: bad chunk size\n");
				return 2;
			}
			break;
		case 'l':
			if (parse_size(optarg, 0, &a->length) ||
			    a->length % 512) {
				fprintf(stderr, "serial-copy: bad length\n");
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2 || a->sysmem == !!a->provider) {
		usage(stderr);
		return 2;
	}
	return 0;
}

/* Read a chunk, write it, repeat: 0 or the negative errno at *@at. */
static int copy_serially(int src, int dst, char *buf, uint64_t chunk,
			 uint64_t length, uint64_t *at)
{
	uint64_t n;
	int ret;

	for (*at = 0; *at < length; *at += n) {
		n = length - *at < chunk ? length - *at : chunk;
		ret = xfer(src, buf, n, (off_t)*at, false);
		if (!ret)
			ret = xfer(dst, buf, n, (off_t)*at, true);
		if (ret)
			return ret;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct serial_args a = { .chunk = MIB };
	struct p2pmem_map map = { .fd = -1 };
	struct pci_addr addr;
	int src, dst, ret;
	double t0, secs;
	void *buf = NULL;
	uint64_t at;

	ret = parse_args(argc, argv, &a);
	if (ret)
		return ret < 0 ? 0 : ret;
	src = open(argv[optind], O_RDONLY | O_DIRECT);
	dst = open(argv[optind + 1], O_WRONLY | O_CREAT | O_DIRECT, 0644);
	if (src < 0 || dst < 0) {
		perror("serial-copy: open");
		return 1;
	}
	ret = a.length ? 0 : fd_size(src, &a.length);
	if (ret) {
		fprintf(stderr, "serial-copy: size: %s\n", strerror(-ret));
		return 1;
	}
	if (a.sysmem) {
		ret = -posix_memalign(&buf, 4096, a.chunk);
	} else {
		ret = pci_addr_parse(a.provider, &addr);
		if (!ret)
			ret = p2pmem_map(&addr, a.chunk, a.chunk, &map);
		buf = map.addr;
	}
	if (ret) {
		fprintf(stderr, "serial-copy: buffer: %s\n", strerror(-ret));
		return 1;
	}

	t0 = now_seconds();
	ret = copy_serially(src, dst, buf, a.chunk, a.length, &at);
	secs = now_seconds() - t0;
	if (ret) {
		fprintf(stderr, "serial-copy: I/O error at %" PRIu64 ": %s\n",
			at, strerror(-ret));
		return 1;
	}

	printf("{\"mode\":\"%s\",\"chunk_size\":%" PRIu64
	       ",\"queue_depth\":1,\"bytes\":%" PRIu64
	       ",\"seconds\":%.9f,\"gb_per_s\":%.9f}\n",
	       a.sysmem ? "sysmem" : "p2p", a.chunk, a.length, secs,
	       secs > 0 ? (double)a.length / secs / 1e9 : 0.0);
	if (a.sysmem)
		free(buf);
	else
		p2pmem_unmap(&map);
	close(src);
	close(dst);
	return 0;
}
