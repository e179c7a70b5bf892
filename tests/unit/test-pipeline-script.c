// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The pipeline's state machine against a scripted device: every command
 * is an io_uring no-op, and its completion says what the test's script
 * says for that command (full, short, an error, "try again").  No data
 * moves; what is checked is what the pipeline does with the answers:
 * which commands it issues, how many it waits for at once, and what it
 * reports (done, fail_offset, error, side).
 *
 * io_uring_submit_and_wait is wrapped at link time to see how many
 * completions each wait asks for.
 */
#include <errno.h>
#include <liburing.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pipeline.h"

#define BLOCK 4096u

struct cmd {
	bool write;
	uint64_t off; /* byte of the file (the job's offsets are 0) */
	uint32_t len;
};

/* The commands issued, in order; no-ops complete in submission order. */
#define MAX_CMDS 65536
static struct cmd cmds[MAX_CMDS];
static unsigned int ncmds, ncompleted;
static bool out_of_order;
/* The script: a command's answer (bytes done, or a negative errno). */
static int (*answer)(const struct cmd *c, unsigned int nth);

static void script_prep(struct io_uring_sqe *sqe, int fd, const void *ctx,
			bool write, void *buf, uint32_t len, uint64_t off)
{
	(void)fd, (void)ctx, (void)buf;
	if (ncmds < MAX_CMDS)
		cmds[ncmds] = (struct cmd){ write, off, len };
	ncmds++;
	io_uring_prep_nop(sqe);
}

static int script_complete(const struct io_uring_cqe *cqe, const void *ctx,
			   uint32_t len, uint32_t *status)
{
	unsigned int nth = ncompleted++;

	(void)cqe, (void)ctx;
	*status = 0;
	if (nth >= MAX_CMDS || cmds[nth].len != len) {
		out_of_order = true;
		return -EIO;
	}
	return answer ? answer(&cmds[nth], nth) : (int)len;
}

static const struct ring_backend scripted = {
	.name = "scripted",
	.prep = script_prep,
	.complete = script_complete,
};

/*
 * Each wait for completions: half of what is in flight when that is 4
 * or more, else one (pipeline.c, reap_batch); never more than can come.
 */
static unsigned int waits, bad_waits, waits_at[3]; /* in flight: 1, 4, 8 */

int __real_io_uring_submit_and_wait(struct io_uring *ring,
				    unsigned int wait_nr);
int __wrap_io_uring_submit_and_wait(struct io_uring *ring,
				    unsigned int wait_nr);

int __wrap_io_uring_submit_and_wait(struct io_uring *ring, unsigned int wait_nr)
{
	unsigned int inflight = ncmds - ncompleted;
	unsigned int half = inflight >= 4 ? inflight / 2 : 1;

	waits++;
	waits_at[0] += inflight == 1;
	waits_at[1] += inflight == 4;
	waits_at[2] += inflight == 8;
	if (wait_nr != half) {
		fprintf(stderr, "waited for %u of %u in flight\n", wait_nr,
			inflight);
		bad_waits++;
	}
	/* A wait for more than can complete would never return. */
	if (wait_nr > inflight)
		wait_nr = inflight;
	return __real_io_uring_submit_and_wait(ring, wait_nr);
}

static void *buffer;

static struct pipeline_job job_of(uint64_t length, uint32_t chunk,
				  uint32_t depth)
{
	struct pipeline_job j = {
		.src_fd = -1,
		.dst_fd = -1,
		.backend = &scripted,
		.length = length,
		.buf = buffer,
		.geometry.chunk_size = chunk,
		.geometry.queue_depth = depth,
		.geometry.align = BLOCK,
	};

	ncmds = ncompleted = 0;
	out_of_order = false;
	waits = bad_waits = 0;
	memset(waits_at, 0, sizeof(waits_at));
	return j;
}

/*
 * Reads and writes of 5 chunks at depth 4, then 9 at depth 8: the
 * waits see 8, 4 and, for the last chunk, 1 command in flight.
 */
static void test_wait_batches(void)
{
	struct pipeline_job j = job_of(5 * BLOCK, BLOCK, 4);
	struct pipeline_result res;

	answer = NULL;
	CHECK_EQ_U64(pipeline_run(&j, &res), 0);
	CHECK_EQ_U64(res.done, 5 * BLOCK);
	CHECK_EQ_U64(ncmds, 10);
	CHECK(!out_of_order);
	CHECK(waits_at[0] > 0 && waits_at[1] > 0);
	CHECK_EQ_U64(bad_waits, 0);

	j = job_of(9 * BLOCK, BLOCK, 8);
	CHECK_EQ_U64(pipeline_run(&j, &res), 0);
	CHECK_EQ_U64(res.done, 9 * BLOCK);
	CHECK(waits_at[0] > 0 && waits_at[2] > 0);
	CHECK_EQ_U64(bad_waits, 0);
}

/*
 * Narrowing a failed read: the copy's read of chunk 1 fails as a whole;
 * one-block reads from the end of the good prefix then find the block.
 * The device answers those as told by narrow_at and narrow_result.
 */
static uint64_t narrow_at;
static int narrow_result;

static int read_fails_in_chunk_1(const struct cmd *c, unsigned int nth)
{
	(void)nth;
	if (c->write)
		return (int)c->len;
	if (c->len == BLOCK && c->off == narrow_at)
		return narrow_result;
	if (c->len == BLOCK) /* narrowing, below the bad block */
		return (int)c->len;
	return c->off == 4 * BLOCK ? -EIO : (int)c->len;
}

static void test_narrow_read(void)
{
	struct pipeline_job j;
	struct pipeline_result res;

	answer = read_fails_in_chunk_1;
	/* The source ends one byte into block 6: a short read of 1 byte. */
	narrow_at = 6 * BLOCK;
	narrow_result = 1;
	j = job_of(12 * BLOCK, 4 * BLOCK, 2);
	CHECK_EQ_U64(pipeline_run(&j, &res), -EIO);
	CHECK(res.fail_side == COPY_SIDE_READ);
	CHECK(res.unexpected_eof);
	CHECK_EQ_U64(res.done, 4 * BLOCK);
	CHECK_EQ_U64(res.fail_offset, 6 * BLOCK + 1);

	/* Ended at the block's start: the byte is the block's. */
	narrow_result = 0;
	j = job_of(12 * BLOCK, 4 * BLOCK, 2);
	CHECK_EQ_U64(pipeline_run(&j, &res), -EIO);
	CHECK(res.unexpected_eof);
	CHECK_EQ_U64(res.fail_offset, 6 * BLOCK);

	/* The block's own error, not an end of file. */
	narrow_result = -ENODATA;
	j = job_of(12 * BLOCK, 4 * BLOCK, 2);
	CHECK_EQ_U64(pipeline_run(&j, &res), -ENODATA);
	CHECK(!res.unexpected_eof);
	CHECK(res.fail_side == COPY_SIDE_READ);
	CHECK_EQ_U64(res.fail_offset, 6 * BLOCK);
	CHECK_EQ_U64(res.done, 4 * BLOCK);
	CHECK(!out_of_order);
}

/*
 * A write cut short by a file-size limit one byte into block 1: the
 * copy's write of chunk 0 moves 4097 bytes, the rest fails with EFBIG
 * there.  Narrowing rewrites block 0, then block 1 moves 1 byte: that
 * is the copy's failure again, which is reported with its cause.
 */
static int write_cut_at_4097(const struct cmd *c, unsigned int nth)
{
	(void)nth;
	if (!c->write)
		return (int)c->len;
	if (c->off + c->len <= BLOCK + 1)
		return (int)c->len;
	if (c->off < BLOCK + 1)
		return (int)(BLOCK + 1 - c->off);
	return -EFBIG;
}

static void test_narrow_short_write(void)
{
	struct pipeline_job j = job_of(8 * BLOCK, 4 * BLOCK, 1);
	struct pipeline_result res;

	answer = write_cut_at_4097;
	CHECK_EQ_U64(pipeline_run(&j, &res), -EFBIG);
	CHECK(res.fail_side == COPY_SIDE_WRITE);
	CHECK_EQ_U64(res.fail_offset, BLOCK + 1);
	CHECK_EQ_U64(res.done, BLOCK);
	CHECK(!out_of_order);
}

int main(void)
{
	buffer = calloc(64, BLOCK);
	if (!buffer)
		return T_EXIT_ERROR;
	test_wait_batches();
	test_narrow_read();
	test_narrow_short_write();
	free(buffer);
	CHECK_DONE();
}
