// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The copy engine on regular files: data arrives intact whatever the
 * queue depth and chunk size, and failures report the exact completed
 * prefix and failing offset.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "engine.h"
#include "util.h"

#define BLOCK 4096

static char src_path[] = "engine-src-XXXXXX";
static char dst_path[] = "engine-dst-XXXXXX";

static void fill_random(char *buf, size_t len, unsigned int seed)
{
	size_t i;

	srand(seed);
	for (i = 0; i < len; i++)
		buf[i] = (char)rand();
}

static int open_direct(const char *path, int flags)
{
	return open(path, flags | O_DIRECT | O_CLOEXEC);
}

static void *alloc_buf(size_t len)
{
	void *p = NULL;

	if (posix_memalign(&p, BLOCK, len))
		return NULL;
	return p;
}

/* Copy @len bytes with the given geometry and compare. */
static void copy_and_compare(const char *data, size_t size, uint64_t src_off,
			     uint64_t dst_off, uint64_t len, uint32_t chunk,
			     uint32_t qd)
{
	struct copy_result res;
	struct copy_job job = { 0 };
	char *buf = alloc_buf((size_t)chunk * qd);
	char *out = alloc_buf(len);
	int sfd, dfd, ret;

	sfd = open_direct(src_path, O_RDONLY);
	dfd = open_direct(dst_path, O_RDWR);
	CHECK(sfd >= 0 && dfd >= 0 && buf && out);
	CHECK(ftruncate(dfd, 0) == 0);
	job.src_fd = sfd;
	job.dst_fd = dfd;
	job.src_offset = src_off;
	job.dst_offset = dst_off;
	job.length = len;
	job.buf = buf;
	job.chunk_size = chunk;
	job.queue_depth = qd;
	job.align = BLOCK;
	ret = copy_run(&job, &res);
	CHECK(ret == 0);
	CHECK_EQ_U64(res.done, len);
	CHECK(!res.stopped && res.error == 0);
	CHECK(pread(dfd, out, len, (off_t)dst_off) == (ssize_t)len);
	CHECK(src_off + len <= size);
	if (memcmp(out, data + src_off, len)) {
		fprintf(stderr,
			"data differs: off %llu->%llu len %llu chunk %u qd %u\n",
			(unsigned long long)src_off,
			(unsigned long long)dst_off, (unsigned long long)len,
			chunk, qd);
		check_failures++;
	}
	close(sfd);
	close(dfd);
	free(buf);
	free(out);
}

int main(void)
{
	const size_t size = 4 * MIB + 3 * BLOCK;
	volatile sig_atomic_t stop = 0;
	struct copy_result res;
	struct copy_job job = { 0 };
	char *data = malloc(size), *buf;
	int fd, sfd, dfd;

	fd = mkstemp(src_path);
	if (fd < 0)
		return 99;
	close(fd);
	fd = mkstemp(dst_path);
	if (fd < 0)
		return 99;
	close(fd);
	fd = open_direct(src_path, O_RDWR);
	if (fd < 0) {
		/* A filesystem without O_DIRECT (old tmpfs): cannot test here. */
		fprintf(stderr, "O_DIRECT not supported here: %s\n",
			strerror(errno));
		unlink(src_path);
		unlink(dst_path);
		return 77;
	}
	close(fd);
	fill_random(data, size, 42);
	fd = open(src_path, O_WRONLY);
	CHECK(write(fd, data, size) == (ssize_t)size);
	close(fd);

	copy_and_compare(data, size, 0, 0, size, 64 * KIB, 1);
	copy_and_compare(data, size, 0, 0, size, 64 * KIB, 8);
	copy_and_compare(data, size, 0, 0, size, BLOCK, 32);
	copy_and_compare(data, size, BLOCK, 3 * BLOCK, 2 * MIB + BLOCK,
			 256 * KIB, 4);
	copy_and_compare(data, size, 0, 0, BLOCK, MIB, 8);
	copy_and_compare(data, size, 0, 0, size, 4 * MIB, 2);

	buf = alloc_buf(8 * 64 * KIB);
	sfd = open_direct(src_path, O_RDONLY);
	dfd = open_direct(dst_path, O_RDWR);
	job.src_fd = sfd;
	job.dst_fd = dfd;
	job.buf = buf;
	job.chunk_size = 64 * KIB;
	job.queue_depth = 8;
	job.align = BLOCK;

	/*
	 * The source ends 3 blocks after 4 MiB, inside a chunk: the
	 * completed prefix is the chunks before it, and the failure is
	 * pinned to the exact byte where the source ended, even with 8
	 * chunks in flight.
	 */
	job.length = 8 * MIB;
	CHECK(copy_run(&job, &res) == -EIO);
	CHECK(res.unexpected_eof);
	CHECK(res.fail_side == COPY_SIDE_READ);
	CHECK_EQ_U64(res.done, 4 * MIB);
	CHECK_EQ_U64(res.fail_offset, size);

	/* A write that fails at once: nothing is reported as copied. */
	close(dfd);
	dfd = open_direct(dst_path, O_RDONLY);
	job.dst_fd = dfd;
	job.length = MIB;
	CHECK(copy_run(&job, &res) == -EBADF);
	CHECK(res.fail_side == COPY_SIDE_WRITE);
	CHECK_EQ_U64(res.done, 0);
	CHECK_EQ_U64(res.fail_offset, 0);

	/* A stop raised before the start drains at once. */
	close(dfd);
	dfd = open_direct(dst_path, O_RDWR);
	job.dst_fd = dfd;
	stop = 1;
	job.stop = &stop;
	CHECK(copy_run(&job, &res) == 0);
	CHECK(res.stopped);
	CHECK(res.done <= MIB && res.done % job.chunk_size == 0);

	/*
	 * Verification: equal ranges compare equal; one flipped byte is
	 * found at its exact offset, through plain and device-safe loads.
	 */
	{
		uint64_t mismatch = 0;
		const uint64_t flip = 3 * MIB + 12345;
		char byte;
		int vfd;

		job.stop = NULL;
		job.length = 4 * MIB;
		copy_and_compare(data, size, 0, 0, 4 * MIB, 64 * KIB, 8);
		vfd = open_direct(dst_path, O_RDONLY);
		job.dst_fd = vfd;
		CHECK(copy_verify(&job, false, &mismatch, &res) == 0);
		CHECK_EQ_U64(res.done, 4 * MIB);
		fd = open(dst_path, O_RDWR);
		CHECK(pread(fd, &byte, 1, flip) == 1);
		byte ^= 0x40;
		CHECK(pwrite(fd, &byte, 1, flip) == 1);
		close(fd);
		CHECK(copy_verify(&job, false, &mismatch, &res) == 1);
		CHECK_EQ_U64(mismatch, flip);
		mismatch = 0;
		CHECK(copy_verify(&job, true, &mismatch, &res) == 1);
		CHECK_EQ_U64(mismatch, flip);
		/* Offsets shift both sides: DST from 4 KiB on is SRC's 4 KiB on. */
		job.src_offset = job.dst_offset = 4096;
		job.length = MIB;
		CHECK(copy_verify(&job, true, &mismatch, &res) == 0);
		job.src_offset = job.dst_offset = 0;
		close(vfd);
		job.dst_fd = dfd;
	}

	/* Misaligned lengths and empty queues are refused. */
	job.stop = NULL;
	job.length = 1000;
	CHECK(copy_run(&job, &res) == -EINVAL);
	job.length = MIB;
	job.queue_depth = 0;
	CHECK(copy_run(&job, &res) == -EINVAL);

	close(sfd);
	close(dfd);
	free(buf);
	free(data);
	unlink(src_path);
	unlink(dst_path);
	CHECK_DONE();
}
