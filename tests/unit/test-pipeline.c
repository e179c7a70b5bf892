// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The copy pipeline, its verification and arrival probe on regular files: data arrives intact whatever the
 * queue depth and chunk size, and failures report the exact completed
 * prefix and failing offset.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "check.h"
#include "scratch.h"
#include "arrival.h"
#include "pipeline.h"
#include "verify.h"
#include "util.h"

#define BLOCK 4096

static char src_path[] = "pipeline-src-XXXXXX";
static char dst_path[] = "pipeline-dst-XXXXXX";

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

static uint64_t file_size(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? UINT64_MAX : (uint64_t)st.st_size;
}

static bool range_equals(int fd, uint64_t off, const char *want, size_t len)
{
	char *got = alloc_buf(len);
	bool same = got && pread(fd, got, len, (off_t)off) == (ssize_t)len &&
		    !memcmp(got, want, len);

	free(got);
	return same;
}

static volatile sig_atomic_t *stop_after_flag;

/* Raise the stop once a quarter of the range is reported done. */
static void stop_at_quarter(const struct pipeline_progress *p, void *data)
{
	(void)data;
	if (p->done >= p->total / 4)
		*stop_after_flag = 1;
}

/*
 * A stop raised in the middle: the copy ends early, and what it reports
 * as done is on DST.
 */
static void test_stop_midway(struct pipeline_job *job, const char *data)
{
	volatile sig_atomic_t stop = 0;
	struct pipeline_job j = *job;
	struct pipeline_result res;

	stop_after_flag = &stop;
	j.stop = &stop;
	j.length = 4 * MIB;
	j.geometry.queue_depth = 2;
	j.progress = stop_at_quarter;
	j.progress_interval = 1e-9; /* after every batch of completions */
	CHECK(ftruncate(j.dst_fd, 0) == 0);
	CHECK(pipeline_run(&j, &res) == 0);
	CHECK(res.stopped);
	CHECK(res.done >= MIB && res.done < 4 * MIB);
	CHECK(res.done % j.geometry.chunk_size == 0);
	CHECK(range_equals(j.dst_fd, 0, data, res.done));
}

static volatile sig_atomic_t alarms;

static void count_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/*
 * Signals that are no stop request (a handler without SA_RESTART, so
 * io_uring_enter returns EINTR) neither fail nor shorten the copy or its
 * verification: a timer fires every 200 us through 1024 small I/Os.
 */
static void test_signal_storm(const struct pipeline_job *job, const char *data)
{
	struct sigaction sa = { .sa_handler = count_alarm }, old;
	struct itimerval every = { { 0, 200 }, { 0, 200 } }, off = { 0 };
	struct pipeline_job j = *job;
	struct pipeline_result res;
	uint64_t mismatch;

	j.length = 4 * MIB;
	j.geometry.chunk_size = BLOCK;
	j.geometry.queue_depth = 1;
	CHECK(ftruncate(j.dst_fd, 0) == 0);
	alarms = 0;
	CHECK(sigaction(SIGALRM, &sa, &old) == 0);
	CHECK(setitimer(ITIMER_REAL, &every, NULL) == 0);
	CHECK(pipeline_run(&j, &res) == 0);
	CHECK_EQ_U64(res.done, 4 * MIB);
	CHECK(verify_range(&j, false, &mismatch, &res) == 0);
	CHECK(setitimer(ITIMER_REAL, &off, NULL) == 0);
	CHECK(sigaction(SIGALRM, &old, NULL) == 0);
	CHECK(range_equals(j.dst_fd, 0, data, 4 * MIB));
	if (!alarms)
		fprintf(stderr, "no signal arrived during the copy\n");
	CHECK(alarms > 0);
}

struct progress_log {
	int calls;
	uint64_t done, total;
};

static void log_progress(const struct pipeline_progress *p, void *data)
{
	struct progress_log *log = data;

	log->calls++;
	log->done = p->done;
	log->total = p->total;
}

/*
 * Progress calls: with an hour between them, a copy of 16 chunks makes
 * exactly one, at its end, for the whole range; with no interval, only
 * a request (SIGUSR1's flag) makes one, and clears the flag.
 */
static void test_progress(const struct pipeline_job *job, const char *data)
{
	volatile sig_atomic_t request = 0;
	struct progress_log log = { 0 };
	struct pipeline_job j = *job;
	struct pipeline_result res;

	j.length = MIB;
	j.geometry.queue_depth = 2;
	j.progress = log_progress;
	j.progress_data = &log;
	j.progress_interval = 3600;
	CHECK(pipeline_run(&j, &res) == 0);
	CHECK_EQ_U64(log.calls, 1);
	CHECK_EQ_U64(log.done, MIB);
	CHECK_EQ_U64(log.total, MIB);
	CHECK(range_equals(j.dst_fd, 0, data, MIB));

	memset(&log, 0, sizeof(log));
	j.progress_interval = 0;
	CHECK(pipeline_run(&j, &res) == 0);
	CHECK_EQ_U64(log.calls, 0);
	request = 1;
	j.progress_request = &request;
	CHECK(pipeline_run(&j, &res) == 0);
	CHECK_EQ_U64(log.calls, 1);
	CHECK(log.done <= MIB && log.total == MIB);
	CHECK(request == 0);
}

/*
 * A test backend: block I/O through the pipeline's hook, counting bytes
 * and command sizes; a read covering @bad_off fails like an NVMe
 * Unrecovered Read Error; @drop_reads completes reads with success
 * without moving data (a lost peer-to-peer read).
 */
struct fake_ctx {
	uint64_t bad_off[2];
	bool drop_reads;
	bool drop_writes;
	int garble_writes; /* this many writes send garbage instead */
	int again; /* this many completions say -EAGAIN or -EINTR instead */
	bool skip_head; /* reads move all but their first 8 bytes */
};

static char garbage[BLOCK] __attribute__((aligned(BLOCK)));

static uint64_t fake_bytes[2]; /* prepared: reads, writes */
static uint32_t fake_max_seen;

static void fake_prep(struct io_uring_sqe *sqe, int fd, const void *ctx,
		      bool write, void *buf, uint32_t len, uint64_t off)
{
	const struct fake_ctx *c = ctx;
	int i;

	fake_bytes[write] += len;
	if (len > fake_max_seen)
		fake_max_seen = len;
	if (c && ((c->drop_reads && !write) || (c->drop_writes && write))) {
		io_uring_prep_nop(sqe);
		return;
	}
	if (c && write && c->garble_writes > 0) {
		((struct fake_ctx *)c)->garble_writes--;
		memset(garbage, 0x5a, sizeof(garbage));
		buf = garbage;
		len = len < BLOCK ? len : BLOCK;
	}
	if (c && c->skip_head && !write) {
		buf = (char *)buf + 8;
		off += 8;
		len -= 8;
	}
	for (i = 0; c && !write && i < 2; i++)
		if (c->bad_off[i] >= off && c->bad_off[i] < off + len)
			fd = -1;
	ring_backend_block.prep(sqe, fd, ctx, write, buf, len, off);
}

static int fake_complete(const struct io_uring_cqe *cqe, const void *ctx,
			 uint32_t len, uint32_t *status)
{
	struct fake_ctx *c = (struct fake_ctx *)ctx;

	/* The I/O was done; the retry does it again, to the same effect. */
	if (c && c->again > 0)
		return --c->again % 2 ? -EAGAIN : -EINTR;
	if (c && c->skip_head && cqe->res > 0)
		return cqe->res + 8; /* success for all of it */
	if (c && (c->drop_reads || c->drop_writes) && cqe->res == 0)
		return (int)len;
	if (cqe->res == -EBADF) {
		*status = 0x281;
		return -EIO;
	}
	return cqe->res;
}

static const struct ring_backend fake_backend = {
	.name = "fake",
	.prep = fake_prep,
	.complete = fake_complete,
	.max_transfer = 8 * KIB,
};

/*
 * Every I/O goes through the backend, split to its limit; a failure is
 * narrowed through the backend too (pread would not see the fake
 * error), to the exact block, with the backend's raw status; the
 * lowest failing byte wins and the chunks below it are written.
 */
static void test_backend(const struct pipeline_job *job, const char *data)
{
	struct fake_ctx ctx = { .bad_off = { UINT64_MAX, UINT64_MAX } };
	struct pipeline_job j = *job;
	struct pipeline_result res;
	uint64_t mismatch;

	j.backend = &fake_backend;
	j.src_ctx = j.dst_ctx = &ctx;
	j.length = MIB;
	CHECK(ftruncate(j.dst_fd, 0) == 0);
	CHECK(pipeline_run(&j, &res) == 0);
	CHECK(range_equals(j.dst_fd, 0, data, MIB));
	CHECK_EQ_U64(fake_max_seen, 8 * KIB);
	CHECK_EQ_U64(fake_bytes[0], MIB);
	CHECK_EQ_U64(fake_bytes[1], MIB);
	CHECK(verify_range(&j, false, &mismatch, &res) == 0);
	CHECK_EQ_U64(fake_bytes[0], 3 * MIB);

	ctx.bad_off[0] = 7 * 64 * KIB + 2 * BLOCK;
	ctx.bad_off[1] = 5 * 64 * KIB + 3 * BLOCK;
	CHECK(ftruncate(j.dst_fd, 0) == 0);
	CHECK(pipeline_run(&j, &res) == -EIO);
	CHECK(res.fail_side == COPY_SIDE_READ);
	CHECK_EQ_U64(res.nvme_status, 0x281);
	CHECK_EQ_U64(res.fail_offset, 5 * 64 * KIB + 3 * BLOCK);
	CHECK_EQ_U64(res.done, 5 * 64 * KIB);
	CHECK(range_equals(j.dst_fd, 0, data, res.done));

	/*
	 * Verify reads both sides at once and names the lowest failing
	 * byte: DST ends where the copy stopped, below SRC's bad block.
	 */
	CHECK(verify_range(&j, false, &mismatch, &res) == -EIO);
	CHECK(res.fail_side == COPY_SIDE_WRITE);
	CHECK(res.unexpected_eof);
	CHECK_EQ_U64(res.fail_offset, 5 * 64 * KIB);
	CHECK_EQ_U64(res.done, 5 * 64 * KIB);
	/* With DST complete, SRC's failed read, by its command's start. */
	j.length = 7 * 64 * KIB;
	CHECK(ftruncate(j.dst_fd, j.length) == 0);
	CHECK(verify_range(&j, false, &mismatch, &res) == -EIO);
	CHECK(res.fail_side == COPY_SIDE_READ);
	CHECK_EQ_U64(res.nvme_status, 0x281);
	CHECK_EQ_U64(res.fail_offset, 5 * 64 * KIB + 2 * BLOCK);
}

/*
 * A difference below a read failure is the result, alone: the failure
 * (chunk 1's first block, unreadable on both sides, reported at once)
 * comes before chunk 0 is compared (its 8 KiB pieces one after the
 * other), and its error must not stay attached to the mismatch.
 */
static void test_verify_mismatch_first(const struct pipeline_job *job)
{
	struct fake_ctx ctx = { .bad_off = { UINT64_MAX, UINT64_MAX } };
	struct pipeline_job j = *job;
	struct pipeline_result res;
	uint64_t mismatch = UINT64_MAX;
	const uint64_t chunk = j.geometry.chunk_size;
	char flipped[BLOCK] __attribute__((aligned(BLOCK)));

	j.backend = &fake_backend;
	j.src_ctx = j.dst_ctx = &ctx;
	j.length = MIB;
	CHECK(ftruncate(j.dst_fd, 0) == 0);
	CHECK(pipeline_run(&j, &res) == 0);
	/* DST's last block of chunk 0 differs from SRC's in one byte. */
	CHECK(pread(j.dst_fd, flipped, BLOCK, (off_t)(chunk - BLOCK)) == BLOCK);
	flipped[BLOCK - 1] ^= 0x5a;
	CHECK(pwrite(j.dst_fd, flipped, BLOCK, (off_t)(chunk - BLOCK)) ==
	      BLOCK);
	ctx.bad_off[0] = chunk;
	CHECK(verify_range(&j, false, &mismatch, &res) == 1);
	CHECK_EQ_U64(mismatch, chunk - 1);
	CHECK_EQ_U64(res.done, chunk - 1);
	CHECK(res.error == 0);
	CHECK(res.nvme_status == 0);
	CHECK(res.fail_side == COPY_SIDE_NONE);
}

/*
 * Every failure counts, also after the halt, and the lowest wins: chunk
 * 3's read fails at once (before any write is submitted), then chunk 2's
 * write, still below that failure, is cut short by a file-size limit and
 * fails further on.  The report is the write's byte, and everything
 * below it is copied.
 */
static void test_short_write(const struct pipeline_job *job, const char *data)
{
	const uint64_t limit = 2 * MIB + 2 * BLOCK;
	struct fake_ctx ctx = { .bad_off = { 3 * MIB + BLOCK, UINT64_MAX } };
	struct rlimit old, lim = { limit, limit };
	struct pipeline_job j = *job;
	struct pipeline_result res;
	int round;

	signal(SIGXFSZ, SIG_IGN);
	CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0);
	lim.rlim_max = old.rlim_max;
	j.backend = &fake_backend;
	j.src_ctx = &ctx;
	j.length = 4 * MIB;
	j.geometry.chunk_size = MIB;
	j.geometry.queue_depth = 4;
	j.buf = alloc_buf(4 * MIB);
	CHECK(j.buf != NULL);
	for (round = 0; round < 3; round++) {
		CHECK(ftruncate(j.dst_fd, 0) == 0);
		CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
		CHECK(pipeline_run(&j, &res) == -EFBIG);
		CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
		CHECK(res.fail_side == COPY_SIDE_WRITE);
		CHECK_EQ_U64(res.fail_offset, limit);
		CHECK_EQ_U64(res.done, limit);
	}
	CHECK(range_equals(j.dst_fd, 0, data, limit));
	free(j.buf);
}

/*
 * The test seam loses chunk 3's read (success, no data): the sentinels
 * catch it, the chunk is not written, the good prefix is exact.  Without
 * sentinels the seam is ignored: it can never make a copy wrong.
 */
static void test_lost_chunk(const struct pipeline_job *job, const char *data)
{
	struct pipeline_job j = *job;
	struct pipeline_result res;
	char *zero = calloc(1, 64 * KIB), *got = alloc_buf(64 * KIB);
	ssize_t n;

	j.sentinels = true;
	j.test_lose_chunk = 3;
	j.length = MIB;
	j.geometry.queue_depth = 4;
	CHECK(ftruncate(j.dst_fd, 0) == 0);
	CHECK(pipeline_run(&j, &res) == -EPROTO);
	CHECK(res.lost && res.sentinels);
	CHECK(res.fail_side == COPY_SIDE_READ);
	CHECK_EQ_U64(res.fail_offset, 128 * KIB);
	CHECK_EQ_U64(res.done, 128 * KIB);
	CHECK(range_equals(j.dst_fd, 0, data, 128 * KIB));
	memset(got, 0, 64 * KIB);
	n = pread(j.dst_fd, got, 64 * KIB, 128 * KIB);
	CHECK(n >= 0 && !memcmp(got, zero, 64 * KIB));

	/* Sentinels on, nothing lost: no false alarm, an exact copy. */
	j.test_lose_chunk = 0;
	j.geometry.chunk_size = BLOCK;
	j.geometry.queue_depth = 32;
	CHECK(pipeline_run(&j, &res) == 0);
	CHECK(range_equals(j.dst_fd, 0, data, MIB));
	/* Their cost is measured, and is part of the copy's time. */
	CHECK(res.sentinel_seconds > 0 && res.sentinel_seconds < res.seconds);

	j.sentinels = false;
	j.test_lose_chunk = 1;
	CHECK(ftruncate(j.dst_fd, 0) == 0);
	CHECK(pipeline_run(&j, &res) == 0);
	CHECK(range_equals(j.dst_fd, 0, data, MIB));
	CHECK(res.sentinel_seconds == 0);
	free(zero);
	free(got);
}

/*
 * A device where concurrency loses, on a clock of its own: every
 * completion costs the device 1 ms per command it has in flight, so
 * depth 1 moves a chunk in 2 ms and depth 8 in 16.  The pipeline must
 * settle at depth 1 and from then on keep one chunk in flight; the data
 * arrives whole, and a chunk lost after the probing is still caught at
 * its exact offset.
 */
static double tuner_now;
static uint32_t tuner_inflight, tuner_max_late;
static uint64_t tuner_reads;

static double tuner_clock(void)
{
	return tuner_now;
}

static void serial_prep(struct io_uring_sqe *sqe, int fd, const void *ctx,
			bool write, void *buf, uint32_t len, uint64_t off)
{
	tuner_inflight++;
	tuner_reads += !write;
	/* Long after the probing (168 chunks at depth 8): settled. */
	if (tuner_reads > 400 && tuner_inflight > tuner_max_late)
		tuner_max_late = tuner_inflight;
	ring_backend_block.prep(sqe, fd, ctx, write, buf, len, off);
}

static int serial_complete(const struct io_uring_cqe *cqe, const void *ctx,
			   uint32_t len, uint32_t *status)
{
	tuner_now += 1e-3 * tuner_inflight;
	tuner_inflight--;
	return ring_backend_block.complete(cqe, ctx, len, status);
}

static const struct ring_backend serial_backend = {
	.name = "serial",
	.prep = serial_prep,
	.complete = serial_complete,
};

static void test_tuned_depth(const struct pipeline_job *job, const char *data)
{
	struct pipeline_job j = *job;
	struct pipeline_result res;

	j.backend = &serial_backend;
	j.tuner_clock = tuner_clock;
	j.tune_depth = true;
	j.sentinels = true;
	j.geometry.chunk_size = BLOCK;
	j.geometry.queue_depth = 8;
	j.length = 4 * MIB; /* 1024 chunks */
	CHECK(ftruncate(j.dst_fd, 0) == 0);
	CHECK(pipeline_run(&j, &res) == 0);
	CHECK(range_equals(j.dst_fd, 0, data, 4 * MIB));
	CHECK(res.depth.tuned);
	CHECK_EQ_U64(res.depth.depth, 1);
	CHECK(res.depth.rate[1] > 4 * res.depth.rate[0]);
	CHECK_EQ_U64(tuner_max_late, 1);

	/* The same with chunk 900 lost: caught there, prefix exact. */
	tuner_reads = tuner_max_late = 0;
	j.test_lose_chunk = 900;
	CHECK(ftruncate(j.dst_fd, 0) == 0);
	CHECK(pipeline_run(&j, &res) == -EPROTO);
	CHECK(res.lost && res.depth.tuned);
	CHECK_EQ_U64(res.fail_offset, 899 * BLOCK);
	CHECK_EQ_U64(res.done, 899 * BLOCK);
	CHECK(range_equals(j.dst_fd, 0, data, 899 * BLOCK));
	CHECK_EQ_U64(tuner_max_late, 1);

	/* Told to keep its depth, it does. */
	tuner_reads = tuner_max_late = 0;
	j.test_lose_chunk = 0;
	j.tune_depth = false;
	CHECK(pipeline_run(&j, &res) == 0);
	CHECK(!res.depth.tuned);
	CHECK_EQ_U64(res.depth.depth, 8);
	CHECK_EQ_U64(tuner_max_late, 8);
}

/*
 * A completion that says "try again" (-EAGAIN, -EINTR) is retried, not
 * reported: in the copy, in verification (both buffers) and in the
 * arrival probe.
 */
static void test_retry(const struct pipeline_job *job, const char *data)
{
	struct fake_ctx ctx = { .bad_off = { UINT64_MAX, UINT64_MAX } };
	struct pipeline_job j = *job;
	struct arrival_result ar;
	struct pipeline_result res;
	uint64_t mismatch;
	int through;

	j.backend = &fake_backend;
	j.src_ctx = j.dst_ctx = &ctx;
	j.length = MIB;
	CHECK(ftruncate(j.dst_fd, 0) == 0);
	ctx.again = 6;
	CHECK(pipeline_run(&j, &res) == 0);
	CHECK_EQ_U64(ctx.again, 0);
	CHECK_EQ_U64(res.done, MIB);
	CHECK(range_equals(j.dst_fd, 0, data, MIB));
	for (through = 0; through < 2; through++) {
		ctx.again = 6;
		CHECK(verify_range(&j, through, &mismatch, &res) == 0);
		CHECK_EQ_U64(ctx.again, 0);
		CHECK_EQ_U64(res.done, MIB);
	}
	ctx.again = 3;
	CHECK(arrival_check(&j, &ar) == 0);
	CHECK(ar.verdict == ARRIVAL_OK && ar.src_checked);
	CHECK_EQ_U64(ctx.again, 0);
}

/*
 * Verification reads that end early: SRC ending inside the range is a
 * read error on SRC at the byte where it ended, DST ending there one on
 * DST; neither is a difference, and block I/O has no NVMe status.
 */
static void test_verify_eof(const struct pipeline_job *job, uint64_t src_size)
{
	struct pipeline_job j = *job;
	struct pipeline_result res;
	uint64_t mismatch = UINT64_MAX;

	/* DST holds SRC and is longer than the range: only SRC ends. */
	j.length = src_size;
	CHECK(ftruncate(j.dst_fd, 0) == 0);
	CHECK(pipeline_run(&j, &res) == 0);
	j.length = 8 * MIB;
	CHECK(ftruncate(j.dst_fd, j.length) == 0);
	CHECK(verify_range(&j, false, &mismatch, &res) == -EIO);
	CHECK(res.unexpected_eof);
	CHECK(res.fail_side == COPY_SIDE_READ);
	CHECK_EQ_U64(res.fail_offset, src_size);
	CHECK_EQ_U64(res.nvme_status, 0);
	CHECK_EQ_U64(mismatch, UINT64_MAX);

	j.length = MIB;
	CHECK(ftruncate(j.dst_fd, 0) == 0);
	CHECK(pipeline_run(&j, &res) == 0);
	CHECK(ftruncate(j.dst_fd, MIB / 2 + BLOCK) == 0);
	CHECK(verify_range(&j, true, &mismatch, &res) == -EIO);
	CHECK(res.unexpected_eof);
	CHECK(res.fail_side == COPY_SIDE_WRITE);
	CHECK_EQ_U64(res.fail_offset, MIB / 2 + BLOCK);
	CHECK_EQ_U64(mismatch, UINT64_MAX);
}

/*
 * A read that succeeds but leaves the chunk's first word unwritten (a
 * partial loss of peer writes) is caught by the sentinel there: lost,
 * on SRC's side, nothing reported as copied.
 */
static void test_partial_loss(const struct pipeline_job *job)
{
	struct fake_ctx head = { .bad_off = { UINT64_MAX, UINT64_MAX },
				 .skip_head = true };
	struct fake_ctx ok = { .bad_off = { UINT64_MAX, UINT64_MAX } };
	struct pipeline_job j = *job;
	struct pipeline_result res;

	/* Buffered: O_DIRECT would refuse the shifted read. */
	j.src_fd = open(src_path, O_RDONLY | O_CLOEXEC);
	CHECK(j.src_fd >= 0);
	j.backend = &fake_backend;
	j.src_ctx = &head;
	j.dst_ctx = &ok;
	j.sentinels = true;
	j.geometry.chunk_size =
		BLOCK; /* one page: the first and last word only */
	j.geometry.queue_depth = 4;
	j.length = 64 * KIB;
	CHECK(ftruncate(j.dst_fd, 0) == 0);
	CHECK(pipeline_run(&j, &res) == -EPROTO);
	CHECK(res.lost);
	CHECK(res.fail_side == COPY_SIDE_READ);
	CHECK_EQ_U64(res.fail_offset, 0);
	CHECK_EQ_U64(res.done, 0);
	CHECK_EQ_U64(file_size(j.dst_fd), 0);
	close(j.src_fd);
}

/* Verify works for a one-block buffer and for one of 8 GiB. */
static void test_verify_geometry(const struct pipeline_job *job)
{
	const size_t huge = 8 * GIB;
	struct pipeline_job j = *job;
	struct pipeline_result res;
	uint64_t mismatch;
	void *map;

	j.length = MIB;
	j.geometry.chunk_size = BLOCK;
	j.geometry.queue_depth = 1;
	CHECK(verify_range(&j, true, &mismatch, &res) == 0);
	CHECK(verify_range(&j, false, &mismatch, &res) == 0);
	CHECK_EQ_U64(res.done, MIB);

	map = mmap(NULL, huge, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CHECK(map != MAP_FAILED);
	if (map == MAP_FAILED)
		return;
	j.buf = map;
	j.geometry.chunk_size = (uint32_t)GIB;
	j.geometry.queue_depth = 8;
	CHECK(verify_range(&j, true, &mismatch, &res) == 0);
	CHECK(verify_range(&j, false, &mismatch, &res) == 0);
	CHECK_EQ_U64(res.done, MIB);
	munmap(map, huge);
}

/*
 * A verify read whose data never arrives (success, nothing moved) can
 * not compare equal with the other side, and the side is named.
 */
static bool getrandom_fails;
/*
 * Nonces come from getrandom waiting for the entropy pool (flags 0):
 * with GRND_NONBLOCK it would fail early in boot, and the nonce would
 * be the predictable fallback.  Calls, and those with any flag.
 */
static unsigned int getrandom_calls, getrandom_flagged;

ssize_t __real_getrandom(void *buf, size_t len, unsigned int flags);
ssize_t __wrap_getrandom(void *buf, size_t len, unsigned int flags);

ssize_t __wrap_getrandom(void *buf, size_t len, unsigned int flags)
{
	getrandom_calls++;
	getrandom_flagged += flags != 0;
	if (!getrandom_fails)
		return __real_getrandom(buf, len, flags);
	errno = ENOSYS;
	return -1;
}

static void test_verify_dropped(const struct pipeline_job *job)
{
	struct fake_ctx drop = { { UINT64_MAX, UINT64_MAX }, true };
	struct fake_ctx ok = { { UINT64_MAX, UINT64_MAX }, false };
	struct pipeline_job j = *job;
	struct pipeline_result res;
	uint64_t mismatch;

	j.backend = &fake_backend;
	j.length = MIB;
	j.src_ctx = &ok;
	j.dst_ctx = &drop;
	CHECK(verify_range(&j, true, &mismatch, &res) == -EPROTO);
	CHECK(res.lost && res.poisoned);
	CHECK(res.fail_side == COPY_SIDE_WRITE);
	CHECK_EQ_U64(res.fail_offset, 0);
	j.src_ctx = &drop;
	j.dst_ctx = &ok;
	CHECK(verify_range(&j, true, &mismatch, &res) == -EPROTO);
	CHECK(res.fail_side == COPY_SIDE_READ);

	/*
	 * Both sides' reads dropped, with no getrandom: the fallback nonces
	 * of one run are equal, and must still not let the two untouched
	 * buffers compare equal.
	 */
	j.dst_ctx = &drop;
	getrandom_fails = true;
	CHECK(verify_range(&j, true, &mismatch, &res) == -EPROTO);
	getrandom_fails = false;
	CHECK(res.lost);
}

/*
 * The arrival probe: passes on a path that moves data (and writes only
 * SRC's first block to DST's first block); a read whose data never
 * arrives is "lost" on the SRC side with every poison word left; a DST
 * whose device does not get the buffer's data fails on the DST side and
 * DST's block is left as it was.
 */
static void test_arrival(const struct pipeline_job *job, const char *data)
{
	struct fake_ctx ok = { { UINT64_MAX, UINT64_MAX } };
	struct fake_ctx bad = ok;
	struct pipeline_job j = *job;
	struct arrival_result ar;
	char *before = alloc_buf(BLOCK);

	j.length = MIB;
	/* A DST file that ends before the block: only SRC is checked. */
	CHECK(ftruncate(j.dst_fd, 0) == 0);
	memset(&ar, 0x5a, sizeof(ar)); /* whatever the caller's memory held */
	CHECK(arrival_check(&j, &ar) == 0);
	CHECK(ar.verdict == ARRIVAL_OK && ar.src_checked && !ar.dst_checked);
	CHECK(ar.error == 0 && ar.nvme_status == 0 && !ar.dst_not_restored);
	CHECK_EQ_U64(file_size(j.dst_fd), 0);
	CHECK(ftruncate(j.dst_fd, MIB) == 0);
	CHECK(arrival_check(&j, &ar) == 0);
	CHECK(ar.verdict == ARRIVAL_OK && ar.src_checked && ar.dst_checked);
	CHECK(range_equals(j.dst_fd, 0, data, BLOCK));
	/* Already equal: the DST direction proves nothing, and says so. */
	CHECK(arrival_check(&j, &ar) == 0);
	CHECK(ar.verdict == ARRIVAL_OK && ar.src_checked && !ar.dst_checked);

	CHECK(ftruncate(j.dst_fd, 0) == 0);
	CHECK(ftruncate(j.dst_fd, MIB) == 0);
	CHECK(pread(j.dst_fd, before, BLOCK, 0) == BLOCK);
	j.backend = &fake_backend;
	j.dst_ctx = &ok;
	j.src_ctx = &bad;
	bad.drop_reads = true;
	CHECK(arrival_check(&j, &ar) == 0);
	CHECK(ar.verdict == ARRIVAL_LOST && ar.side == COPY_SIDE_READ);
	CHECK(ar.words == BLOCK / 8 && ar.poison_left == ar.words);
	CHECK(!ar.src_checked && !ar.dst_checked);
	CHECK(range_equals(j.dst_fd, 0, before, BLOCK));

	bad.drop_reads = false;
	j.src_ctx = &ok;
	j.dst_ctx = &bad;
	bad.drop_writes = true;
	CHECK(arrival_check(&j, &ar) == 0);
	CHECK(ar.verdict == ARRIVAL_LOST && ar.side == COPY_SIDE_WRITE);
	CHECK(ar.src_checked && !ar.dst_checked);
	CHECK(range_equals(j.dst_fd, 0, before, BLOCK));
	bad.drop_writes = false;
	bad.garble_writes = 1;
	CHECK(arrival_check(&j, &ar) == 0);
	CHECK(ar.verdict == ARRIVAL_MISMATCH && ar.side == COPY_SIDE_WRITE);
	CHECK(!ar.dst_not_restored);
	CHECK(range_equals(j.dst_fd, 0, before, BLOCK));

	/*
	 * DST's first block cannot be read (an Unrecovered Read Error): an
	 * I/O error on DST with that status, nothing checked.
	 */
	bad.garble_writes = 0;
	bad.bad_off[0] = 0;
	memset(&ar, 0x5a, sizeof(ar));
	CHECK(arrival_check(&j, &ar) == 0);
	CHECK(ar.verdict == ARRIVAL_IO_ERROR && ar.side == COPY_SIDE_WRITE);
	CHECK(ar.error == -EIO && ar.nvme_status == 0x281);
	CHECK(!ar.src_checked && !ar.dst_checked && !ar.dst_not_restored);
	CHECK(ar.words == 0 && ar.poison_left == 0);
	free(before);
}

/* Copy @len bytes with the given geometry and compare. */
static void copy_and_compare(const char *data, size_t size, uint64_t src_off,
			     uint64_t dst_off, uint64_t len, uint32_t chunk,
			     uint32_t qd)
{
	struct pipeline_result res;
	struct pipeline_job job = { 0 };
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
	job.geometry.chunk_size = chunk;
	job.geometry.queue_depth = qd;
	job.geometry.align = BLOCK;
	ret = pipeline_run(&job, &res);
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

/* Whole and ranged copies at several chunk sizes and depths. */
static void test_geometries(const char *data, size_t size)
{
	copy_and_compare(data, size, 0, 0, size, 64 * KIB, 1);
	copy_and_compare(data, size, 0, 0, size, 64 * KIB, 8);
	copy_and_compare(data, size, 0, 0, size, BLOCK, 32);
	copy_and_compare(data, size, BLOCK, 3 * BLOCK, 2 * MIB + BLOCK,
			 256 * KIB, 4);
	copy_and_compare(data, size, 0, 0, BLOCK, MIB, 8);
	copy_and_compare(data, size, 0, 0, size, 4 * MIB, 2);
}

/*
 * The source ends 3 blocks after 4 MiB, inside a chunk: the completed
 * prefix is the chunks before it, and the failure is pinned to the exact
 * byte where the source ended, even with 8 chunks in flight.
 */
static void test_source_ends_inside_chunk(const struct pipeline_job *job,
					  size_t size)
{
	struct pipeline_job j = *job;
	struct pipeline_result res;

	j.length = 8 * MIB;
	CHECK(pipeline_run(&j, &res) == -EIO);
	CHECK(res.unexpected_eof);
	CHECK(res.fail_side == COPY_SIDE_READ);
	CHECK_EQ_U64(res.done, 4 * MIB);
	CHECK_EQ_U64(res.fail_offset, size);
}

/* A write that fails at once: nothing is reported as copied. */
static void test_write_fails_at_once(const struct pipeline_job *job)
{
	struct pipeline_job j = *job;
	struct pipeline_result res;

	j.dst_fd = open_direct(dst_path, O_RDONLY);
	j.length = MIB;
	CHECK(pipeline_run(&j, &res) == -EBADF);
	CHECK(res.fail_side == COPY_SIDE_WRITE);
	CHECK_EQ_U64(res.nvme_status, 0); /* block I/O has no NVMe status */
	CHECK_EQ_U64(res.done, 0);
	CHECK_EQ_U64(res.fail_offset, 0);
	close(j.dst_fd);
}

/* A stop raised before the start writes nothing at all. */
static void test_stop_before_start(const struct pipeline_job *job)
{
	volatile sig_atomic_t stop = 1;
	struct pipeline_job j = *job;
	struct pipeline_result res;

	j.length = MIB;
	j.stop = &stop;
	CHECK(ftruncate(j.dst_fd, 0) == 0);
	CHECK(pipeline_run(&j, &res) == 0);
	CHECK(res.stopped);
	CHECK_EQ_U64(res.done, 0);
	CHECK_EQ_U64(file_size(j.dst_fd), 0);
}

/*
 * Verification: equal ranges compare equal; one flipped byte is found at
 * its exact offset, through plain and device-safe loads.
 */
static void test_verify_finds_flip(const struct pipeline_job *job,
				   const char *data, size_t size)
{
	const uint64_t flip = 3 * MIB + 12345;
	struct pipeline_job j = *job;
	struct pipeline_result res;
	uint64_t mismatch = 0;
	char byte;
	int fd;

	j.length = 4 * MIB;
	copy_and_compare(data, size, 0, 0, 4 * MIB, 64 * KIB, 8);
	j.dst_fd = open_direct(dst_path, O_RDONLY);
	CHECK(verify_range(&j, false, &mismatch, &res) == 0);
	CHECK_EQ_U64(res.done, 4 * MIB);
	fd = open(dst_path, O_RDWR);
	CHECK(pread(fd, &byte, 1, flip) == 1);
	byte ^= 0x40;
	CHECK(pwrite(fd, &byte, 1, flip) == 1);
	close(fd);
	CHECK(verify_range(&j, false, &mismatch, &res) == 1);
	CHECK_EQ_U64(mismatch, flip);
	mismatch = 0;
	CHECK(verify_range(&j, true, &mismatch, &res) == 1);
	CHECK_EQ_U64(mismatch, flip);
	/* Offsets shift both sides: DST from 4 KiB on is SRC's 4 KiB on. */
	j.src_offset = j.dst_offset = 4096;
	j.length = MIB;
	CHECK(verify_range(&j, true, &mismatch, &res) == 0);
	close(j.dst_fd);
}

/* Misaligned lengths and empty queues are refused, verify's too. */
static void test_refusals(const struct pipeline_job *job)
{
	struct pipeline_job j = *job, v = *job;
	struct arrival_result ar;
	struct pipeline_result res;
	uint64_t mismatch;

	j.length = 1000;
	CHECK(pipeline_run(&j, &res) == -EINVAL);
	/* The arrival probe needs a whole block of the range. */
	CHECK(arrival_check(&j, &ar) == -EINVAL);
	j.length = MIB;
	j.geometry.queue_depth = 0;
	CHECK(pipeline_run(&j, &res) == -EINVAL);
	/* The arrival probe: a block that is no whole number of words. */
	j.geometry.queue_depth = 8;
	j.geometry.align = 4;
	CHECK(arrival_check(&j, &ar) == -EINVAL);
	j.geometry.align = 0;
	CHECK(arrival_check(&j, &ar) == -EINVAL);
	/*
	 * Verification refuses before any read: on buffered descriptors,
	 * which would take the odd length, the refusal is p2pcp's own.
	 */
	v.geometry.queue_depth = 8;
	v.length = 1000;
	v.src_fd = open(src_path, O_RDONLY | O_CLOEXEC);
	v.dst_fd = open(src_path, O_RDONLY | O_CLOEXEC);
	CHECK(verify_range(&v, false, &mismatch, &res) == -EINVAL);
	close(v.src_fd);
	close(v.dst_fd);
}

int main(void)
{
	const size_t size = 4 * MIB + 3 * BLOCK;
	struct pipeline_job job = { 0 };
	char *data = malloc(size);
	int ret;

	fill_random(data, size, 42);
	ret = scratch_files(src_path, dst_path, data, size);
	if (ret != T_EXIT_PASS)
		return ret;
	test_geometries(data, size);

	job.buf = alloc_buf(8 * 64 * KIB);
	job.src_fd = open_direct(src_path, O_RDONLY);
	job.dst_fd = open_direct(dst_path, O_RDWR);
	job.geometry.chunk_size = 64 * KIB;
	job.geometry.queue_depth = 8;
	job.geometry.align = BLOCK;
	job.length = MIB;

	test_source_ends_inside_chunk(&job, size);
	test_write_fails_at_once(&job);
	test_stop_before_start(&job);
	test_stop_midway(&job, data);
	test_progress(&job, data);
	test_signal_storm(&job, data);
	test_verify_finds_flip(&job, data, size);
	test_backend(&job, data);
	test_verify_mismatch_first(&job);
	test_short_write(&job, data);
	test_lost_chunk(&job, data);
	test_tuned_depth(&job, data);
	copy_and_compare(data, size, 0, 0, MIB, 64 * KIB, 8);
	test_verify_geometry(&job);
	test_verify_dropped(&job);
	test_arrival(&job, data);
	test_retry(&job, data);
	test_verify_eof(&job, size);
	test_partial_loss(&job);
	test_refusals(&job);
	CHECK(getrandom_calls > 0);
	CHECK_EQ_U64(getrandom_flagged, 0);

	close(job.src_fd);
	close(job.dst_fd);
	free(job.buf);
	free(data);
	unlink(src_path);
	unlink(dst_path);
	CHECK_DONE();
}
