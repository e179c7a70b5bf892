// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The copy's phases after the O_DIRECT part (copy.h) on regular files:
 * the buffered tail and its verification.  A failure names the side
 * that failed and its exact byte; a difference is found where it is,
 * also inside the tail.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "scratch.h"
#include "copy.h"
#include "nvme-passthru.h"
#include "ring.h"
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
 * Test seams at link time (--wrap): SEEK_DATA failing with @lseek_errno
 * (not ENXIO, which says "no data"), or succeeding with errno left
 * ENXIO, as a successful call may leave it; the next @pread_eintr reads
 * interrupted by a signal before moving anything; reads that succeed
 * leaving errno EINTR (@pread_dirty).
 */
static int lseek_errno;
static bool lseek_dirty;
static int pread_eintr;
static bool pread_dirty;

off_t __real_lseek64(int fd, off_t off, int whence);
off_t __wrap_lseek64(int fd, off_t off, int whence);
ssize_t __real_pread64(int fd, void *buf, size_t len, off_t off);
ssize_t __wrap_pread64(int fd, void *buf, size_t len, off_t off);

off_t __wrap_lseek64(int fd, off_t off, int whence)
{
	off_t ret;

	if (lseek_errno && whence == SEEK_DATA) {
		errno = lseek_errno;
		return -1;
	}
	ret = __real_lseek64(fd, off, whence);
	if (ret >= 0 && lseek_dirty)
		errno = ENXIO;
	return ret;
}

/*
 * A provider whose pool has no contiguous room for more than
 * @mmap_most bytes: a larger mapping fails ENOMEM (0: no limit).
 */
static size_t mmap_most;

void *__real_mmap64(void *addr, size_t len, int prot, int flags, int fd,
		    off_t off);
void *__wrap_mmap64(void *addr, size_t len, int prot, int flags, int fd,
		    off_t off);

void *__wrap_mmap64(void *addr, size_t len, int prot, int flags, int fd,
		    off_t off)
{
	if (mmap_most && len > mmap_most) {
		errno = ENOMEM;
		return MAP_FAILED;
	}
	return __real_mmap64(addr, len, prot, flags, fd, off);
}

/* The @malloc_fails-th allocation of @malloc_fail_len bytes from now fails. */
static int malloc_fails;
static size_t malloc_fail_len;

void *__real_malloc(size_t len);
void *__wrap_malloc(size_t len);

void *__wrap_malloc(size_t len)
{
	if (malloc_fails && len == malloc_fail_len && !--malloc_fails)
		return NULL;
	return __real_malloc(len);
}

ssize_t __wrap_pread64(int fd, void *buf, size_t len, off_t off)
{
	ssize_t ret;

	if (pread_eintr > 0) {
		pread_eintr--;
		errno = EINTR;
		return -1;
	}
	ret = __real_pread64(fd, buf, len, off);
	if (ret >= 0 && pread_dirty)
		errno = EINTR;
	return ret;
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
	/* No failure left in the outcome. */
	CHECK(out.pipeline.error == 0);
	CHECK(out.pipeline.fail_side == COPY_SIDE_NONE);
	CHECK_EQ_U64(out.pipeline.fail_offset, 0);
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
	/* errno is read only after a failed read, not at end of file. */
	pread_dirty = true;
	CHECK(copy_phase_tail(&s, &out) == -EIO);
	pread_dirty = false;
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
	const int where[4] = { DIRECT + 700, DIRECT, BLOCK + 5, 0 };
	int i;

	for (i = 0; i < 4; i++) {
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

/*
 * The verification failing before it reads anything is its error in
 * the outcome, no difference: the O_DIRECT part's refused (a geometry
 * without chunks), the tail's without memory for its second buffer
 * (malloc wrapped at link time).
 */
static void test_verify_refused(void)
{
	struct copy_outcome out;
	struct copy_session s;
	struct copy_plan p;

	dst_reset();
	session_open(&p, &s, 1);
	p.geometry.chunk_size = 0;
	memset(&out, 0, sizeof(out));
	CHECK(copy_phase_verify(&s, VERIFY_IN_SYSMEM, &out) == -EINVAL);
	CHECK(out.pipeline.error == -EINVAL && !out.mismatch);
	p.geometry.chunk_size = BLOCK;

	/* The tail's two buffers: the second is refused. */
	flip_byte(dst_path, DST_OFF + DIRECT + 10);
	memset(&out, 0, sizeof(out));
	malloc_fail_len = 64 * 1024;
	malloc_fails = 2;
	CHECK(copy_phase_verify(&s, VERIFY_IN_SYSMEM, &out) == -ENOMEM);
	CHECK(malloc_fails == 0);
	CHECK(out.pipeline.error == -ENOMEM && !out.mismatch);
	CHECK_EQ_U64(out.pipeline.done, DIRECT);
	CHECK_EQ_U64(out.pipeline.fail_offset, DIRECT);
	/* Verification writes nothing: DST's byte is still the flipped one. */
	CHECK(byte_at(dst_path, DST_OFF + DIRECT + 10) ==
	      (unsigned char)(data[SRC_OFF + DIRECT + 10] ^ 0x40));
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

/*
 * A backend for the session (as passthrough is): block I/O, logging per
 * side which descriptor its commands used.  A side may lose its reads
 * into @lose_into (success, no data moved: peer writes the fabric
 * dropped; reads into system memory arrive) and fail its writes (an
 * invalid descriptor: -EBADF).
 */
struct side_log {
	int want_fd; /* the descriptor this side's commands must use */
	int wrong_fd; /* commands that used another */
	int reads, writes;
	const char *lose_into;
	bool fail_writes;
};

static void log_prep(struct io_uring_sqe *sqe, int fd, const void *ctx,
		     bool write, void *buf, uint32_t len, uint64_t off)
{
	struct side_log *log = (struct side_log *)ctx;

	log->wrong_fd += fd != log->want_fd;
	if (write)
		log->writes++;
	else
		log->reads++;
	if (!write && log->lose_into == buf) {
		io_uring_prep_nop(sqe);
		return;
	}
	if (write && log->fail_writes)
		fd = -1;
	ring_backend_block.prep(sqe, fd, ctx, write, buf, len, off);
}

/* Raised by the completion that brings @completions_left to 0. */
static volatile sig_atomic_t late_stop;
static int completions_left = -1;

static int log_complete(const struct io_uring_cqe *cqe, const void *ctx,
			uint32_t len, uint32_t *status)
{
	const struct side_log *log = ctx;

	if (completions_left > 0 && --completions_left == 0)
		late_stop = 1;

	/* Only the lost reads are no-ops completing with 0. */
	if (log->lose_into && cqe->res == 0)
		return (int)len;
	return ring_backend_block.complete(cqe, ctx, len, status);
}

static const struct ring_backend logging = {
	.name = "logging",
	.prep = log_prep,
	.complete = log_complete,
};

/* The session with the logging backend, on descriptors of its own. */
static void session_backend(struct copy_plan *p, struct copy_session *s,
			    struct side_log log[2])
{
	session_open(p, s, 2);
	memset(log, 0, 2 * sizeof(*log));
	s->backend = &logging;
	s->io_fd[0] = open(src_path, O_RDONLY | O_DIRECT | O_CLOEXEC);
	s->io_fd[1] = open(dst_path, O_RDWR | O_DIRECT | O_CLOEXEC);
	CHECK(s->io_fd[0] >= 0 && s->io_fd[1] >= 0);
	log[0].want_fd = s->io_fd[0];
	log[1].want_fd = s->io_fd[1];
	s->src_ctx = &log[0];
	s->dst_ctx = &log[1];
}

static void session_backend_close(struct copy_plan *p, struct copy_session *s)
{
	close(s->io_fd[0]);
	close(s->io_fd[1]);
	session_close(p, s);
}

/*
 * With a backend, the copy's I/O goes through the backend's own
 * descriptors: SRC's reads to io_fd[0] with SRC's context, DST's
 * writes to io_fd[1] with DST's, in the probe and in the transfer.
 */
static void test_backend_descriptors(void)
{
	struct copy_outcome out = { 0 };
	struct side_log log[2];
	struct copy_session s;
	struct copy_plan p;

	dst_zero();
	session_backend(&p, &s, log);
	CHECK(copy_phase_preflight(&s, &out) == 0);
	CHECK(out.arrival_checked);
	CHECK(copy_phase_transfer(&s, &out) == 0);
	CHECK_EQ_U64(out.pipeline.done, DIRECT);
	check_dst_holds(0, DIRECT);
	CHECK(log[0].reads > 0 && log[0].writes == 0);
	CHECK(log[1].writes > 0);
	CHECK(log[0].wrong_fd == 0 && log[1].wrong_fd == 0);
	session_backend_close(&p, &s);
}

/*
 * SRC's reads into the copy's buffer complete but nothing arrives: the
 * preflight fails, -EPROTO and lost, on SRC's side at the range's
 * start, and DST is left as it was.  DST's write from the buffer
 * failing is an I/O error on DST, and DST's block, which the restore
 * could not write either, is said to be not restored.
 */
static void test_preflight_fails(void)
{
	struct copy_outcome out = { 0 };
	struct side_log log[2];
	struct copy_session s;
	struct copy_plan p;

	dst_zero();
	session_backend(&p, &s, log);
	log[0].lose_into = s.buf.addr;
	CHECK(copy_phase_preflight(&s, &out) == -EPROTO);
	CHECK(out.pipeline.error == -EPROTO && out.pipeline.lost);
	CHECK(out.pipeline.fail_side == COPY_SIDE_READ);
	CHECK_EQ_U64(out.pipeline.fail_offset, 0);
	CHECK(!out.arrival_checked && out.arrival.verdict == ARRIVAL_LOST);
	CHECK(log[1].writes == 0);
	CHECK(range_is(dst_path, DST_OFF, DIRECT, 0));

	memset(&out, 0, sizeof(out));
	log[0].lose_into = NULL;
	log[1].fail_writes = true;
	CHECK(copy_phase_preflight(&s, &out) == -EBADF);
	CHECK(out.pipeline.error == -EBADF && !out.pipeline.lost);
	CHECK(out.pipeline.fail_side == COPY_SIDE_WRITE);
	CHECK(out.arrival.verdict == ARRIVAL_IO_ERROR);
	CHECK(out.arrival.src_checked && !out.arrival.dst_checked);
	CHECK(out.arrival.dst_not_restored);
	CHECK(log[1].writes == 2); /* the probe's, then the restore's */
	CHECK(range_is(dst_path, DST_OFF, DIRECT, 0));
	session_backend_close(&p, &s);
}

/*
 * A transfer carrying protection information (passthrough on PI
 * namespaces): the job is guarded, so the test seam that changes a
 * chunk in the buffer is honoured (the change reaches a file DST, which
 * checks no guard), and without PI it is not; the PI counters are the
 * transfer's own, from zero, and reported with the PI type.
 */
static void test_transfer_pi(void)
{
	struct passthru_pi pi = { .pi_type = 3,
				  .written_blocks = 5,
				  .unchecked_blocks = 2 };
	const uint64_t word = BLOCK + BLOCK / 2; /* chunk 2's middle */
	struct copy_outcome out = { 0 };
	struct copy_session s;
	struct copy_plan p;

	dst_zero();
	session_open(&p, &s, 2);
	s.testing.corrupt_chunk = 2;
	CHECK(copy_phase_transfer(&s, &out) == 0);
	CHECK(!out.pi_carried);
	check_dst_holds(0, DIRECT);
	CHECK(byte_at(dst_path, DST_OFF + word) ==
	      (unsigned char)data[SRC_OFF + word]);

	dst_zero();
	memset(&out, 0, sizeof(out));
	s.pi = &pi;
	CHECK(copy_phase_transfer(&s, &out) == 0);
	CHECK(out.pi_carried && out.pi_type == 3);
	CHECK_EQ_U64(out.pi_written_blocks, 0);
	CHECK_EQ_U64(out.pi_unchecked_blocks, 0);
	CHECK(byte_at(dst_path, DST_OFF + word) ==
	      (unsigned char)~data[SRC_OFF + word]);
	check_dst_holds(0, BLOCK);
	session_close(&p, &s);
}

/*
 * A DST that takes no O_DIRECT (here /dev/null): the transfer and the
 * verification fail on DST before any I/O (no ring set up); a tail
 * written but not made durable (fdatasync fails) is not copied, nor is
 * a flush that fails.
 */
static void test_dst_refuses(void)
{
	struct copy_outcome out = { 0 };
	struct copy_session s;
	struct copy_plan p;

	session_open(&p, &s, 2);
	close(p.dst.fd);
	p.dst.fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	CHECK(p.dst.fd >= 0);
	CHECK(copy_phase_transfer(&s, &out) == -EINVAL);
	CHECK(out.pipeline.error == -EINVAL);
	CHECK(out.pipeline.fail_side == COPY_SIDE_WRITE);
	CHECK(out.pipeline.ring_setup == NULL);

	memset(&out, 0, sizeof(out));
	out.pipeline.fail_offset = 7;
	CHECK(copy_phase_verify(&s, VERIFY_IN_SYSMEM, &out) == -EINVAL);
	CHECK(out.pipeline.error == -EINVAL && !out.mismatch);
	CHECK(out.pipeline.fail_side == COPY_SIDE_WRITE);
	CHECK_EQ_U64(out.pipeline.fail_offset, 0);
	CHECK(out.pipeline.ring_setup == NULL);

	memset(&out, 0, sizeof(out));
	CHECK(copy_phase_tail(&s, &out) == -EINVAL);
	CHECK(out.pipeline.error == -EINVAL);
	CHECK(out.pipeline.fail_side == COPY_SIDE_WRITE);
	CHECK_EQ_U64(out.pipeline.fail_offset, DIRECT);
	CHECK_EQ_U64(out.pipeline.done, DIRECT);
	CHECK(copy_phase_flush(&s) == -EINVAL);

	/* SRC refusing O_DIRECT is the read side's error. */
	close(p.dst.fd);
	p.dst.fd = p.src.fd;
	p.src.fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CHECK(p.src.fd >= 0);
	memset(&out, 0, sizeof(out));
	CHECK(copy_phase_transfer(&s, &out) == -EINVAL);
	CHECK(out.pipeline.fail_side == COPY_SIDE_READ);
	CHECK(out.pipeline.ring_setup == NULL);
	close(p.src.fd);
	p.src.fd = p.dst.fd;
	p.dst.fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	/* The tail's check cannot even look at a DST that is not open. */
	close(p.dst.fd);
	p.dst.fd = -1;
	p.direct_length = 0;
	p.length = TAIL;
	memset(&out, 0, sizeof(out));
	CHECK(copy_phase_verify(&s, VERIFY_IN_SYSMEM, &out) == -EBADF);
	CHECK(out.pipeline.error == -EBADF && !out.mismatch);
	CHECK(out.pipeline.fail_side == COPY_SIDE_WRITE);
	close(p.src.fd);
	free(s.buf.sysmem);
}

/* Size of @path, or -1. */
static off_t size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : st.st_size;
}

/*
 * A whole-file copy leaves DST exactly SRC's size (dst_resize), and one
 * stopped midway cuts DST where the copy stopped, rounded down to a
 * block (the resume's offset); a ranged one leaves DST's size alone.
 * Cutting a DST that cannot be cut is the error, nothing reported cut.
 */
static void test_size_and_stop(void)
{
	struct copy_outcome out = { 0 };
	struct copy_session s;
	struct copy_plan p;

	dst_zero();
	session_open(&p, &s, 2);
	CHECK(copy_phase_size(&s) == 0);
	CHECK(size_of(dst_path) == FILE_SIZE);
	p.dst_resize = true;
	p.dst_new_size = 3 * BLOCK + 10;
	CHECK(copy_phase_size(&s) == 0);
	CHECK(size_of(dst_path) == 3 * BLOCK + 10);

	dst_zero();
	out.pipeline.done = p.length;
	CHECK(copy_phase_stopped(&s, &out) == 0);
	CHECK(!out.dst_cut && size_of(dst_path) == FILE_SIZE);
	CHECK_EQ_U64(out.pipeline.done, p.length);
	out.pipeline.done = BLOCK + 5;
	CHECK(copy_phase_stopped(&s, &out) == 0);
	CHECK(out.dst_cut && size_of(dst_path) == DST_OFF + BLOCK);
	CHECK_EQ_U64(out.pipeline.done, BLOCK);
	dst_zero();
	p.dst_resize = false;
	out.pipeline.done = 2 * BLOCK + 5;
	CHECK(copy_phase_stopped(&s, &out) == 0);
	CHECK(!out.dst_cut && size_of(dst_path) == FILE_SIZE);
	CHECK_EQ_U64(out.pipeline.done, 2 * BLOCK);

	/* Read-only: ftruncate fails, fdatasync would not. */
	close(p.dst.fd);
	p.dst.fd = open(dst_path, O_RDONLY | O_CLOEXEC);
	CHECK(p.dst.fd >= 0);
	p.dst_resize = true;
	CHECK(copy_phase_size(&s) < 0);
	out.pipeline.done = BLOCK + 5;
	CHECK(copy_phase_stopped(&s, &out) < 0);
	CHECK(!out.dst_cut && size_of(dst_path) == FILE_SIZE);
	session_close(&p, &s);
}

/*
 * What the preflight probes, and when not at all: SEEK_DATA failing
 * for another reason than "no data" probes the range's start, and an
 * errno left by a successful SEEK_DATA means nothing; SRC's range whose
 * O_DIRECT part holds no data (only past it) is probed nowhere, DST
 * left as it was; with the arrival check off, or no O_DIRECT part,
 * nothing is probed and nothing written.  A DST that refuses O_DIRECT
 * (here /dev/null) is that side's error, before any probe.
 */
static void test_preflight_where(void)
{
	static char marks[FILE_SIZE];
	struct copy_outcome out = { 0 };
	struct copy_session s;
	struct copy_plan p;

	memset(marks, 0xaa, sizeof(marks));
	CHECK(write_file(dst_path, marks, FILE_SIZE) == 0);
	session_open(&p, &s, 2);
	lseek_errno = EINVAL;
	CHECK(copy_phase_preflight(&s, &out) == 0);
	lseek_errno = 0;
	CHECK(out.arrival_checked && !out.arrival_no_data);
	check_dst_holds(0, BLOCK);

	CHECK(write_file(dst_path, marks, FILE_SIZE) == 0);
	memset(&out, 0, sizeof(out));
	p.src_offset = 0;
	lseek_dirty = true;
	CHECK(copy_phase_preflight(&s, &out) == 0);
	lseek_dirty = false;
	CHECK(out.arrival_checked && !out.arrival_no_data);
	CHECK(byte_at(dst_path, DST_OFF) == (unsigned char)data[0]);
	p.src_offset = SRC_OFF;

	/* Data from the tail on: the O_DIRECT part is all holes. */
	src_sparse(SRC_OFF + DIRECT);
	CHECK(write_file(dst_path, marks, FILE_SIZE) == 0);
	memset(&out, 0, sizeof(out));
	CHECK(copy_phase_preflight(&s, &out) == 0);
	CHECK(out.arrival_no_data && !out.arrival_checked);
	CHECK(range_is(dst_path, 0, FILE_SIZE, 0xaa));
	CHECK(write_file(src_path, data, FILE_SIZE) == 0);

	memset(&out, 0, sizeof(out));
	s.testing.no_arrival_check = true;
	CHECK(copy_phase_preflight(&s, &out) == 0);
	CHECK(!out.arrival_checked && !out.arrival_no_data);
	CHECK(range_is(dst_path, 0, FILE_SIZE, 0xaa));
	s.testing.no_arrival_check = false;
	p.direct_length = 0;
	p.length = p.tail;
	CHECK(copy_phase_preflight(&s, &out) == 0);
	CHECK(!out.arrival_checked && !out.arrival_no_data);
	CHECK(range_is(dst_path, 0, FILE_SIZE, 0xaa));
	/* Nor is anything transferred. */
	CHECK(copy_phase_transfer(&s, &out) == 0);
	CHECK(out.pipeline.ring_setup == NULL && out.pipeline.done == 0);
	CHECK(range_is(dst_path, 0, FILE_SIZE, 0xaa));
	p.direct_length = DIRECT;
	p.length = DIRECT + TAIL;

	close(p.dst.fd);
	p.dst.fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	CHECK(p.dst.fd >= 0);
	memset(&out, 0, sizeof(out));
	CHECK(copy_phase_preflight(&s, &out) == -EINVAL);
	CHECK(out.pipeline.error == -EINVAL);
	CHECK(out.pipeline.fail_side == COPY_SIDE_WRITE);
	CHECK(!out.arrival_checked && !out.arrival.src_checked);
	session_close(&p, &s);
}

/*
 * Sentinels prove that each chunk's peer writes arrived: on by default
 * for a peer-to-peer copy, off with the test switch, and never for a
 * copy through system memory (nothing to prove there).
 */
static void test_sentinels(void)
{
	struct copy_outcome out = { 0 };
	struct copy_session s;
	struct copy_plan p;

	session_open(&p, &s, 2);
	CHECK(copy_phase_transfer(&s, &out) == 0);
	CHECK(!out.pipeline.sentinels);
	p.p2p = true;
	CHECK(copy_phase_transfer(&s, &out) == 0);
	CHECK(out.pipeline.sentinels);
	s.testing.no_sentinels = true;
	CHECK(copy_phase_transfer(&s, &out) == 0);
	CHECK(!out.pipeline.sentinels);
	check_dst_holds(0, DIRECT);
	session_close(&p, &s);
}

/*
 * Reads of the buffered tail interrupted by a signal are tried again:
 * the tail is copied and found equal; the flush then succeeds.
 */
static void test_tail_interrupted(void)
{
	struct copy_outcome out = { 0 };
	struct copy_session s;
	struct copy_plan p;

	dst_reset();
	CHECK(truncate(dst_path, DST_OFF + DIRECT) == 0);
	session_open(&p, &s, 2);
	pread_eintr = 2;
	CHECK(copy_phase_tail(&s, &out) == 0);
	CHECK(pread_eintr == 0);
	CHECK_EQ_U64(out.pipeline.done, DIRECT + TAIL);
	check_dst_holds(DIRECT, TAIL);
	pread_eintr = 2;
	CHECK(copy_phase_verify(&s, VERIFY_IN_SYSMEM, &out) == 0);
	CHECK(pread_eintr == 0 && !out.mismatch);
	CHECK(copy_phase_flush(&s) == 0);
	session_close(&p, &s);
}

/*
 * Verification reads back through the copy's p2pmem buffer (poisoned
 * first) only when asked to and the copy went through p2pmem; else
 * into system memory.
 */
static void test_verify_where(void)
{
	struct copy_outcome out;
	struct copy_session s;
	struct copy_plan p;

	dst_reset();
	session_open(&p, &s, 2);
	p.tail = 0;
	p.length = DIRECT;
	memset(&out, 0, sizeof(out));
	CHECK(copy_phase_verify(&s, VERIFY_IN_P2PMEM, &out) == 0);
	CHECK(!out.pipeline.poisoned && !out.mismatch);
	p.p2p = true;
	CHECK(copy_phase_verify(&s, VERIFY_IN_SYSMEM, &out) == 0);
	CHECK(!out.pipeline.poisoned && !out.mismatch);
	CHECK(copy_phase_verify(&s, VERIFY_IN_P2PMEM, &out) == 0);
	CHECK(out.pipeline.poisoned && !out.mismatch);
	session_close(&p, &s);
}

/* mkdir -p @path (modified in place and restored). */
static int make_dirs(char *path)
{
	char *slash;

	for (slash = strchr(path, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			return -1;
		*slash = '/';
	}
	return mkdir(path, 0755) && errno != EEXIST ? -1 : 0;
}

/*
 * A peer-to-peer plan's buffer is mapped from the provider's p2pmem
 * (here a sysfs root whose allocate file is a regular file), and given
 * back whole: unmapped, its descriptor closed.  A pool with room for
 * less (mmap64 failing ENOMEM above a size) gives less, down to a block,
 * and the plan's slots are fitted to what it gave.
 */
static void test_buffer_p2pmem(void)
{
	static const char dir[] = "copy-p2pmem-root";
	char path[256];
	struct copy_buffer b;
	struct copy_plan p;
	int fd, fds = open_fd_count();

	snprintf(path, sizeof(path),
		 "%s/sys/bus/pci/devices/0000:07:00.0/p2pmem", dir);
	CHECK(make_dirs(path) == 0);
	strcat(path, "/allocate");
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	CHECK(fd >= 0 && ftruncate(fd, 64 * BLOCK) == 0);
	close(fd);
	memset(&p, 0, sizeof(p));
	p.p2p = true;
	p.geometry.align = BLOCK;
	p.geometry.chunk_size = BLOCK;
	p.geometry.queue_depth = 4;
	p.direct_length = 16 * BLOCK;
	CHECK(pci_addr_parse("0000:07:00.0", &p.provider.addr) == 0);
	memset(&b, 0x5a, sizeof(b)); /* whatever the caller's memory held */
	sysfs_set_root(dir);
	CHECK(copy_buffer_get(&p, false, &b) == 0);
	sysfs_set_root(NULL);
	CHECK(b.addr != NULL && b.sysmem == NULL && b.map.fd >= 0);
	CHECK(b.addr == b.map.addr && b.len == 4 * BLOCK);
	memset(b.addr, 0x11, b.len);
	copy_buffer_put(&b);
	CHECK(b.addr == NULL && b.map.fd == -1);
	CHECK(open_fd_count() == fds);

	/*
	 * A provider with room for half the buffer: the grant is smaller,
	 * and the slots fit it (fewer chunks in flight); with room for
	 * less than a chunk, one chunk as large as the grant; with none
	 * for a block, no buffer at all.
	 */
	p.geometry.chunk_size = 4 * BLOCK;
	p.direct_length = 64 * BLOCK;
	mmap_most = 8 * BLOCK;
	sysfs_set_root(dir);
	CHECK(copy_buffer_get(&p, false, &b) == 0);
	CHECK_EQ_U64(b.len, 8 * BLOCK);
	CHECK_EQ_U64(p.geometry.queue_depth, 2);
	CHECK_EQ_U64(p.geometry.chunk_size, 4 * BLOCK);
	copy_buffer_put(&b);
	p.geometry.queue_depth = 4;
	mmap_most = 2 * BLOCK;
	CHECK(copy_buffer_get(&p, false, &b) == 0);
	CHECK_EQ_U64(b.len, 2 * BLOCK);
	CHECK_EQ_U64(p.geometry.queue_depth, 1);
	CHECK_EQ_U64(p.geometry.chunk_size, 2 * BLOCK);
	copy_buffer_put(&b);
	mmap_most = BLOCK / 2;
	CHECK_EQ_U64(-copy_buffer_get(&p, false, &b), ENOMEM);
	CHECK(b.addr == NULL && b.len == 0 && b.map.fd == -1);
	mmap_most = 0;
	sysfs_set_root(NULL);
	CHECK(open_fd_count() == fds);
	unlink(path);
	/* The directories, deepest first, up to and including @dir. */
	while (strcmp(path, dir) && strrchr(path, '/')) {
		*strrchr(path, '/') = '\0';
		rmdir(path);
	}
}

/*
 * Verification and a stop (SIGINT): raised before it starts, nothing is
 * verified (-EINTR, stopped); raised at its first completion, the
 * chunks in flight are abandoned and it ends early (-EINTR); raised by
 * its last completion, when everything is verified, the verification
 * is complete: 0, with the stop noted.
 */
static void test_verify_stop(void)
{
	struct copy_outcome out;
	struct side_log log[2];
	struct copy_session s;
	struct copy_plan p;

	dst_reset();
	session_backend(&p, &s, log);
	p.tail = 0;
	p.length = DIRECT;
	s.stop = &late_stop;

	late_stop = 1;
	memset(&out, 0, sizeof(out));
	CHECK(copy_phase_verify(&s, VERIFY_IN_SYSMEM, &out) == -EINTR);
	CHECK(out.pipeline.stopped && out.pipeline.done == 0);
	CHECK(log[0].reads == 0 && log[1].reads == 0);

	late_stop = 0;
	completions_left = 1;
	memset(&out, 0, sizeof(out));
	CHECK(copy_phase_verify(&s, VERIFY_IN_SYSMEM, &out) == -EINTR);
	CHECK(out.pipeline.stopped && out.pipeline.done < DIRECT);

	late_stop = 0;
	/* Three chunks of one block, each read on both sides. */
	completions_left = 6;
	memset(&out, 0, sizeof(out));
	CHECK(copy_phase_verify(&s, VERIFY_IN_SYSMEM, &out) == 0);
	CHECK(late_stop && out.pipeline.stopped);
	CHECK_EQ_U64(out.pipeline.done, DIRECT);
	completions_left = -1;
	late_stop = 0;
	session_backend_close(&p, &s);
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
	test_verify_refused();
	test_backend_descriptors();
	test_preflight_fails();
	test_transfer_pi();
	test_dst_refuses();
	test_size_and_stop();
	test_preflight_where();
	test_sentinels();
	test_tail_interrupted();
	test_verify_where();
	test_buffer_p2pmem();
	test_verify_stop();

	unlink(src_path);
	unlink(dst_path);
	CHECK_DONE();
}
