// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The copy's phases after the O_DIRECT part (copy.h) on regular files:
 * the buffered tail and its verification.  A failure names the side
 * that failed and its exact byte; a difference is found where it is,
 * also inside the tail.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "scratch.h"
#include "copy.h"
#include "sysfs.h"
#include "util.h"

#define BLOCK 4096
#define DIRECT (3 * BLOCK) /* the O_DIRECT part of the range */
#define TAIL 1000 /* bytes after it, not a whole block */
#define SRC_OFF BLOCK
#define DST_OFF (2 * BLOCK)
#define FILE_SIZE (8 * BLOCK)

static char src_path[] = "copy-src-XXXXXX";
static char dst_path[] = "copy-dst-XXXXXX";
static char data[FILE_SIZE];

static int write_file(const char *path, const char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, buf, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

/* Byte @at of @path, or -1. */
static int byte_at(const char *path, uint64_t at)
{
	unsigned char c;
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : pread(fd, &c, 1, (off_t)at);

	if (fd >= 0)
		close(fd);
	return n == 1 ? c : -1;
}

static void flip_byte(const char *path, uint64_t at)
{
	int fd = open(path, O_RDWR);
	char c = 0;

	CHECK(fd >= 0 && pread(fd, &c, 1, (off_t)at) == 1);
	c ^= 0x40;
	CHECK(pwrite(fd, &c, 1, (off_t)at) == 1);
	close(fd);
}

/*
 * A plan for SRC bytes [SRC_OFF, +DIRECT+TAIL) to DST_OFF, and a session
 * with a system-memory buffer of @qd chunks of one block.
 */
static void session_open(struct copy_plan *p, struct copy_session *s, int qd)
{
	memset(p, 0, sizeof(*p));
	memset(s, 0, sizeof(*s));
	p->src.path = src_path;
	p->dst.path = dst_path;
	p->src.fd = open(src_path, O_RDONLY | O_CLOEXEC);
	p->dst.fd = open(dst_path, O_RDWR | O_CLOEXEC);
	CHECK(p->src.fd >= 0 && p->dst.fd >= 0);
	p->src.kind = p->dst.kind = ENDPOINT_FILE;
	p->src_offset = SRC_OFF;
	p->dst_offset = DST_OFF;
	p->length = DIRECT + TAIL;
	p->direct_length = DIRECT;
	p->tail = TAIL;
	p->geometry.align = BLOCK;
	p->geometry.chunk_size = BLOCK;
	p->geometry.queue_depth = (uint32_t)qd;
	s->plan = p;
	s->buf.map.fd = -1;
	CHECK(posix_memalign(&s->buf.sysmem, BLOCK, (size_t)qd * BLOCK) == 0);
	s->buf.addr = s->buf.sysmem;
	s->buf.len = (size_t)qd * BLOCK;
}

static void session_close(struct copy_plan *p, struct copy_session *s)
{
	close(p->src.fd);
	close(p->dst.fd);
	free(s->buf.sysmem);
}

/* DST's range as a fresh copy of SRC's, the rest of DST zero. */
static void dst_reset(void)
{
	static char zero[FILE_SIZE];
	int fd = open(dst_path, O_RDWR);

	CHECK(fd >= 0 && pwrite(fd, zero, FILE_SIZE, 0) == FILE_SIZE);
	CHECK(pwrite(fd, data + SRC_OFF, DIRECT + TAIL, DST_OFF) ==
	      DIRECT + TAIL);
	close(fd);
}

/* DST all zeros, its full size. */
static void dst_zero(void)
{
	CHECK(truncate(dst_path, 0) == 0 && truncate(dst_path, FILE_SIZE) == 0);
}

/* DST holds SRC's bytes at [@from, +@len) of the range (every 97th). */
static void check_dst_holds(uint64_t from, uint64_t len)
{
	uint64_t i;

	for (i = 0; i < len; i += 97)
		CHECK(byte_at(dst_path, DST_OFF + from + i) ==
		      (unsigned char)data[SRC_OFF + from + i]);
}

/* The tail lands where it belongs, and nothing past it is written. */
static void test_tail_copy(void)
{
	struct copy_outcome out = { 0 };
	struct copy_session s;
	struct copy_plan p;

	dst_zero();
	session_open(&p, &s, 2);
	CHECK(copy_phase_tail(&s, &out) == 0);
	CHECK_EQ_U64(out.pipeline.done, DIRECT + TAIL);
	check_dst_holds(DIRECT, TAIL);
	CHECK(byte_at(dst_path, DST_OFF + DIRECT + TAIL) == 0);
	session_close(&p, &s);
}

/*
 * SRC shrinks after planning and ends inside the tail: a read error on
 * SRC at the byte where it ended (not a write error on DST), SRC ended
 * early, and only the O_DIRECT part counts as copied.
 */
static void test_tail_src_shrinks(void)
{
	const uint64_t end = SRC_OFF + DIRECT + 400;
	struct copy_outcome out = { 0 };
	struct copy_session s;
	struct copy_plan p;

	session_open(&p, &s, 2);
	CHECK(truncate(src_path, (off_t)end) == 0);
	CHECK(copy_phase_tail(&s, &out) == -EIO);
	CHECK(out.pipeline.error == -EIO);
	CHECK(out.pipeline.fail_side == COPY_SIDE_READ);
	CHECK(out.pipeline.unexpected_eof);
	CHECK_EQ_U64(out.pipeline.fail_offset, end - SRC_OFF);
	CHECK_EQ_U64(out.pipeline.done, DIRECT);
	session_close(&p, &s);
	CHECK(write_file(src_path, data, FILE_SIZE) == 0);
}

/*
 * The buffer of a peer-to-peer plan comes from the provider's p2pmem;
 * a provider that cannot give it is the answer, with no buffer (here a
 * sysfs root where the provider does not exist); --sysmem takes system
 * memory instead.
 */
static void test_buffer_get(void)
{
	struct copy_buffer b;
	struct copy_plan p;

	memset(&p, 0, sizeof(p));
	p.p2p = true;
	p.geometry.align = BLOCK;
	p.geometry.chunk_size = BLOCK;
	p.geometry.queue_depth = 4;
	p.direct_length = 16 * BLOCK;
	CHECK(pci_addr_parse("0000:07:00.0", &p.provider.addr) == 0);
	sysfs_set_root(".");
	CHECK_EQ_U64(-copy_buffer_get(&p, false, &b), ENOENT);
	CHECK(b.addr == NULL && b.len == 0 && b.map.fd == -1);
	sysfs_set_root(NULL);
	CHECK(copy_buffer_get(&p, true, &b) == 0);
	CHECK(b.addr != NULL && b.len == 4 * BLOCK);
	copy_buffer_put(&b);
	CHECK(b.addr == NULL && b.map.fd == -1);
}

/*
 * The check before the copy, on what SRC and DST are: both switched to
 * O_DIRECT; a path that moves data passes, and leaves DST's first block
 * holding SRC's (which the copy puts there anyway); SRC that ends before
 * its first block is an I/O error on SRC at the range's start, nothing
 * checked.
 */
static void test_preflight(void)
{
	struct copy_outcome out = { 0 };
	struct copy_session s;
	struct copy_plan p;

	dst_zero();
	session_open(&p, &s, 2);
	CHECK(copy_phase_preflight(&s, &out) == 0);
	CHECK(out.arrival_checked && out.pipeline.error == 0);
	CHECK(fcntl(p.src.fd, F_GETFL) & O_DIRECT);
	CHECK(fcntl(p.dst.fd, F_GETFL) & O_DIRECT);
	check_dst_holds(0, BLOCK);
	session_close(&p, &s);

	memset(&out, 0, sizeof(out));
	session_open(&p, &s, 2);
	CHECK(truncate(src_path, SRC_OFF) == 0);
	CHECK(copy_phase_preflight(&s, &out) == -EIO);
	CHECK(!out.arrival_checked && !out.pipeline.lost);
	CHECK(out.pipeline.error == -EIO);
	CHECK(out.pipeline.fail_side == COPY_SIDE_READ);
	CHECK_EQ_U64(out.pipeline.fail_offset, 0);
	session_close(&p, &s);
	CHECK(write_file(src_path, data, FILE_SIZE) == 0);
}

/*
 * Verification of the whole range: equal; a byte flipped in the tail
 * or in the O_DIRECT part is a difference (1) at its offset in the
 * range; DST ending inside the tail is a read error on DST there.
 */
static void test_verify_tail(void)
{
	struct copy_outcome out;
	struct copy_session s;
	struct copy_plan p;
	const int where[3] = { DIRECT + 700, BLOCK + 5, 0 };
	int i;

	for (i = 0; i < 3; i++) {
		dst_reset();
		session_open(&p, &s, 1);
		memset(&out, 0, sizeof(out));
		CHECK(copy_phase_verify(&s, VERIFY_IN_SYSMEM, &out) == 0);
		CHECK(!out.mismatch && !out.pipeline.error);
		flip_byte(dst_path, DST_OFF + where[i]);
		memset(&out, 0, sizeof(out));
		CHECK(copy_phase_verify(&s, VERIFY_IN_SYSMEM, &out) == 1);
		CHECK(out.mismatch);
		CHECK_EQ_U64(out.mismatch_offset, where[i]);
		CHECK(out.pipeline.error == 0);
		session_close(&p, &s);
	}

	dst_reset();
	CHECK(truncate(dst_path, DST_OFF + DIRECT + 300) == 0);
	session_open(&p, &s, 1);
	memset(&out, 0, sizeof(out));
	CHECK(copy_phase_verify(&s, VERIFY_IN_SYSMEM, &out) == -EIO);
	CHECK(!out.mismatch);
	CHECK(out.pipeline.fail_side == COPY_SIDE_WRITE);
	CHECK_EQ_U64(out.pipeline.fail_offset, DIRECT + 300);
	session_close(&p, &s);
}

/* Bytes [@at, @at + @len) of @path all equal @c. */
static bool range_is(const char *path, uint64_t at, size_t len, int c)
{
	char got[FILE_SIZE];
	int fd = open(path, O_RDONLY);
	bool same;
	size_t i;

	if (fd < 0 || len > sizeof(got) ||
	    pread(fd, got, len, (off_t)at) != (ssize_t)len) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	close(fd);
	for (i = 0, same = true; i < len; i++)
		same &= got[i] == (char)c;
	return same;
}

/* SRC with only @data_from.. of the file written: holes before it. */
static void src_sparse(uint64_t data_from)
{
	int fd = open(src_path, O_WRONLY | O_TRUNC);

	CHECK(fd >= 0);
	if (data_from < FILE_SIZE)
		CHECK(pwrite(fd, data + data_from, FILE_SIZE - data_from,
			     (off_t)data_from) ==
		      (ssize_t)(FILE_SIZE - data_from));
	CHECK(ftruncate(fd, FILE_SIZE) == 0);
	close(fd);
}

/*
 * The probe reads a block SRC's device writes into the buffer: SRC's
 * range starting with a hole (which the CPU would zero-fill, poison and
 * all) is probed at its first data block, whose copy goes to DST's
 * block there; a range of holes only says nothing could be probed and
 * leaves DST as it was.
 */
static void test_preflight_holes(void)
{
	struct copy_outcome out = { 0 };
	struct copy_session s;
	struct copy_plan p;
	static char marks[FILE_SIZE];
	int fd;

	src_sparse(SRC_OFF + BLOCK);
	fd = open(src_path, O_RDONLY);
	if (lseek(fd, SRC_OFF, SEEK_DATA) != SRC_OFF + BLOCK) {
		fprintf(stderr,
			"no holes here (SEEK_DATA): hole probes skipped\n");
		close(fd);
		CHECK(write_file(src_path, data, FILE_SIZE) == 0);
		return;
	}
	close(fd);
	memset(marks, 0xaa, sizeof(marks));
	CHECK(write_file(dst_path, marks, FILE_SIZE) == 0);
	session_open(&p, &s, 2);
	CHECK(copy_phase_preflight(&s, &out) == 0);
	CHECK(out.arrival_checked && !out.arrival_no_data);
	/* The hole's block was not the probe's; the data block was. */
	CHECK(range_is(dst_path, DST_OFF, BLOCK, 0xaa));
	CHECK(!range_is(dst_path, DST_OFF + BLOCK, BLOCK, 0xaa));
	session_close(&p, &s);

	src_sparse(FILE_SIZE);
	CHECK(write_file(dst_path, marks, FILE_SIZE) == 0);
	memset(&out, 0, sizeof(out));
	session_open(&p, &s, 2);
	CHECK(copy_phase_preflight(&s, &out) == 0);
	CHECK(out.arrival_no_data && !out.arrival_checked);
	CHECK(range_is(dst_path, DST_OFF, DIRECT, 0xaa));
	session_close(&p, &s);
	CHECK(write_file(src_path, data, FILE_SIZE) == 0);
}

int main(void)
{
	int i, ret;

	srand(7);
	for (i = 0; i < FILE_SIZE; i++)
		data[i] = (char)rand();
	ret = scratch_files(src_path, dst_path, data, FILE_SIZE);
	if (ret != T_EXIT_PASS)
		return ret;

	test_buffer_get();
	test_preflight();
	test_preflight_holes();
	test_tail_copy();
	test_tail_src_shrinks();
	test_verify_tail();

	unlink(src_path);
	unlink(dst_path);
	CHECK_DONE();
}
