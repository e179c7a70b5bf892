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

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sysmem", no_argument, NULL, 's' },
		{ "provider", required_argument, NULL, 'p' },
		{ "chunk-size", required_argument, NULL, 'c' },
		{ "length", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	uint64_t chunk = MIB, length = 0, off = 0, n;
	struct p2pmem_map map = { .fd = -1 };
	const char *provider = NULL;
	struct pci_addr addr;
	bool sysmem = false;
	int src, dst, c, ret;
	double t0, secs;
	void *buf = NULL;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sysmem = true;
			break;
		case 'p':
			provider = optarg;
			break;
		case 'c':
			if (parse_size(optarg, 0, &chunk) || !chunk ||
			    chunk % 512 || chunk > (1U << 30)) {
				fprintf(stderr,
					"serial-copy: bad chunk size\n");
				return 2;
			}
			break;
		case 'l':
			if (parse_size(optarg, 0, &length) || length % 512) {
				fprintf(stderr, "serial-copy: bad length\n");
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2 || sysmem == !!provider) {
		usage(stderr);
		return 2;
	}
	src = open(argv[optind], O_RDONLY | O_DIRECT);
	dst = open(argv[optind + 1], O_WRONLY | O_CREAT | O_DIRECT, 0644);
	if (src < 0 || dst < 0) {
		perror("serial-copy: open");
		return 1;
	}
	if (!length) {
		ret = fd_size(src, &length);
		if (ret) {
			fprintf(stderr, "serial-copy: size: %s\n",
				strerror(-ret));
			return 1;
		}
	}
	if (sysmem) {
		ret = -posix_memalign(&buf, 4096, chunk);
	} else {
		ret = pci_addr_parse(provider, &addr);
		if (!ret)
			ret = p2pmem_map(&addr, chunk, chunk, &map);
		buf = map.addr;
	}
	if (ret) {
		fprintf(stderr, "serial-copy: buffer: %s\n", strerror(-ret));
		return 1;
	}

	t0 = now_seconds();
	for (off = 0; off < length; off += n) {
		n = length - off < chunk ? length - off : chunk;
		ret = xfer(src, buf, n, (off_t)off, false);
		if (!ret)
			ret = xfer(dst, buf, n, (off_t)off, true);
		if (ret) {
			fprintf(stderr, "serial-copy: %s at %llu: %s\n",
				"I/O error", (unsigned long long)off,
				strerror(-ret));
			return 1;
		}
	}
	secs = now_seconds() - t0;

	printf("{\"mode\":\"%s\",\"chunk_size\":%llu,\"queue_depth\":1,"
	       "\"bytes\":%llu,\"seconds\":%.9f,\"gb_per_s\":%.9f}\n",
	       sysmem ? "sysmem" : "p2p", (unsigned long long)chunk,
	       (unsigned long long)length, secs,
	       secs > 0 ? (double)length / secs / 1e9 : 0.0);
	if (sysmem)
		free(buf);
	else
		p2pmem_unmap(&map);
	close(src);
	close(dst);
	return 0;
}
