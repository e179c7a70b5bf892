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
#include <signal.h>
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

/*
 * The device's data, moved when a command is issued: a read copies SRC
 * into the buffer, but not the 8-byte words @dropped says it loses (a
 * partial loss of peer writes); a write copies the buffer into DST.
 */
#define DEV_SIZE (256u * BLOCK)
#define BUFFER_SIZE (64u * BLOCK)
static void *buffer;
static char src_image[DEV_SIZE], dst_image[DEV_SIZE];
static bool (*dropped)(uint64_t word_off);
static uint32_t dropped_chunk; /* for drops_page_ends */

static void move_data(bool write, char *buf, uint32_t len, uint64_t off)
{
	uint32_t at;

	if (off + len > DEV_SIZE)
		return;
	if (write) {
		memcpy(dst_image + off, buf, len);
		return;
	}
	for (at = 0; at + 8 <= len; at += 8)
		if (!dropped || !dropped(off + at))
			memcpy(buf + at, src_image + off + at, 8);
}

/*
 * The words the CPU stored into the buffer before a read (the
 * sentinels): those that differ from what the device last put there,
 * which @shadow mirrors (the buffer and it start zeroed).  Each read's
 * are reported to @planted, by their offset in the read.
 */
static char *shadow;
static void (*planted)(uint64_t read_off, const uint32_t *at, unsigned int n);

static void note_planted(char *buf, uint32_t len, uint64_t off)
{
	static uint32_t at[64];
	char *mirror = shadow + (buf - (char *)buffer);
	unsigned int n = 0;
	uint32_t i;

	for (i = 0; i + 8 <= len; i += 8)
		if (memcmp(buf + i, mirror + i, 8) && n < 64)
			at[n++] = i;
	if (planted)
		planted(off, at, n);
}

static void script_prep(struct io_uring_sqe *sqe, int fd, const void *ctx,
			bool write, void *buf, uint32_t len, uint64_t off)
{
	(void)fd, (void)ctx;
	if (ncmds < MAX_CMDS)
		cmds[ncmds] = (struct cmd){ write, off, len };
	ncmds++;
	if (!write)
		note_planted(buf, len, off);
	move_data(write, buf, len, off);
	if (!write)
		memcpy(shadow + ((char *)buf - (char *)buffer), buf, len);
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

/* The same device, taking commands of one block at most. */
static const struct ring_backend scripted_blocks = {
	.name = "scripted-blocks",
	.prep = script_prep,
	.complete = script_complete,
	.max_transfer = BLOCK,
};

/* The same device, with the buffer registered: counts the commands. */
static unsigned int fixed_commands;

static void count_fixed(struct io_uring_sqe *sqe, bool write,
			unsigned int buf_index)
{
	(void)sqe, (void)write;
	fixed_commands += buf_index == 0;
}

static const struct ring_backend scripted_fixed = {
	.name = "scripted-fixed",
	.prep = script_prep,
	.complete = script_complete,
	.allow_fixed_buffers = true,
	.use_fixed = count_fixed,
};

/* One that could take it, but whose device must not get it. */
static const struct ring_backend scripted_fixed_refused = {
	.name = "scripted-fixed-refused",
	.prep = script_prep,
	.complete = script_complete,
	.use_fixed = count_fixed,
};

/*
 * Each wait for completions: half of what is in flight when that is 4
 * or more, else one (pipeline.c, reap_batch); never more than can come.
 */
static unsigned int waits, bad_waits, waits_at[3]; /* in flight: 1, 4, 8 */
/* The next submission's answer, a negative errno; nothing is submitted. */
static int submit_error;

int __real_io_uring_submit_and_wait(struct io_uring *ring,
				    unsigned int wait_nr);
int __wrap_io_uring_submit_and_wait(struct io_uring *ring,
				    unsigned int wait_nr);

int __wrap_io_uring_submit_and_wait(struct io_uring *ring, unsigned int wait_nr)
{
	unsigned int inflight = ncmds - ncompleted;
	unsigned int half = inflight >= 4 ? inflight / 2 : 1;

	if (submit_error) {
		int err = submit_error;

		submit_error = 0;
		return err;
	}
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
	dropped = NULL;
	memset(dst_image, 0, sizeof(dst_image));
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
 * A stop request and narrowing.  The stop is raised when the copy's
 * read of chunk 1 fails: the failure is still placed exactly, the
 * one-block reads go on (ring_io gives up only tries of a cancelled
 * command).  Raised while narrowing, by a one-block read the kernel
 * cancelled: no more reads, the failure stays as the copy saw it.
 */
static volatile sig_atomic_t stop_flag;
static bool stop_when_narrowing; /* else when chunk 1's read fails */

static int stop_around_chunk_1(const struct cmd *c, unsigned int nth)
{
	(void)nth;
	if (c->write)
		return (int)c->len;
	if (c->len == 4 * BLOCK) {
		if (c->off != 4 * BLOCK)
			return (int)c->len;
		if (!stop_when_narrowing)
			stop_flag = 1;
		return -EIO;
	}
	if (c->off != narrow_at)
		return (int)c->len;
	if (stop_when_narrowing) {
		stop_flag = 1;
		return -EINTR;
	}
	return narrow_result;
}

static void test_narrow_stop(void)
{
	/* Stopped when: the copy's read fails, a one-block read. */
	static const int errors[] = { -ENODATA, -EIO };
	static const uint64_t fail_at[] = { 6 * BLOCK, 4 * BLOCK };
	struct pipeline_job j;
	struct pipeline_result res;
	unsigned int i, when, reads;

	answer = stop_around_chunk_1;
	narrow_at = 6 * BLOCK;
	narrow_result = -ENODATA;
	for (when = 0; when < 2; when++) {
		stop_when_narrowing = when;
		stop_flag = 0;
		j = job_of(12 * BLOCK, 4 * BLOCK, 2);
		j.stop = &stop_flag;
		CHECK_EQ_U64(pipeline_run(&j, &res), errors[when]);
		CHECK(res.stopped);
		CHECK(res.fail_side == COPY_SIDE_READ);
		CHECK_EQ_U64(res.fail_offset, fail_at[when]);
		CHECK_EQ_U64(res.done, 4 * BLOCK);
		CHECK(!out_of_order);
	}
	/* Blocks 4 and 5, then 6 once: cancelled, and not tried again. */
	for (i = reads = 0; i < ncmds; i++)
		reads += cmds[i].len == BLOCK;
	CHECK_EQ_U64(reads, 3);
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

/*
 * Narrowing a failed write: the copy's write of chunk 0 fails as a whole
 * (ENOSPC); the one-block writes again from the chunk's start find
 * block 1, whose write answers @block1_write.  Moving nothing, or
 * stopping short where the copy's write did not fail, is an I/O error
 * at the block's start, and what is before it is written.
 */
static int block1_write;

static int chunk0_write_fails(const struct cmd *c, unsigned int nth)
{
	(void)nth;
	if (!c->write)
		return (int)c->len;
	if (c->len == 4 * BLOCK)
		return c->off == 0 ? -ENOSPC : (int)c->len;
	return c->off == BLOCK ? block1_write : (int)c->len;
}

static void test_narrow_write(void)
{
	static const int answers[] = { 0, 100, -ENODATA };
	struct pipeline_job j;
	struct pipeline_result res;
	size_t i;

	answer = chunk0_write_fails;
	for (i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		block1_write = answers[i];
		j = job_of(8 * BLOCK, 4 * BLOCK, 1);
		CHECK_EQ_U64(pipeline_run(&j, &res),
			     answers[i] < 0 ? answers[i] : -EIO);
		CHECK(res.fail_side == COPY_SIDE_WRITE);
		CHECK_EQ_U64(res.fail_offset, BLOCK);
		CHECK_EQ_U64(res.done, BLOCK);
		CHECK(!memcmp(dst_image, src_image, BLOCK));
	}
}

/* A transfer of one byte is a short one, not a failure: the rest follows. */
static int first_read_moves_1_byte(const struct cmd *c, unsigned int nth)
{
	return !c->write && nth == 0 ? 1 : (int)c->len;
}

static void test_one_byte_transfer(void)
{
	struct pipeline_job j = job_of(8 * BLOCK, 4 * BLOCK, 2);
	struct pipeline_result res;
	unsigned int i;

	answer = first_read_moves_1_byte;
	CHECK_EQ_U64(pipeline_run(&j, &res), 0);
	CHECK_EQ_U64(res.error, 0);
	CHECK_EQ_U64(res.done, 8 * BLOCK);
	/* The rest of the piece, from the byte after the one moved. */
	for (i = 0; i < ncmds && cmds[i].off != 1; i++)
		;
	CHECK(i < ncmds && !cmds[i].write);
	CHECK_EQ_U64(cmds[i].len, 4 * BLOCK - 1);
	CHECK(!memcmp(dst_image, src_image, 8 * BLOCK));
}

/*
 * The kernel cancelling a command (-EINTR) RING_CANCELLED_TRIES times
 * in a row is tried again; any bytes moved start the count afresh.  The
 * first read is cancelled that often, moves 1 byte, and the rest of it
 * is cancelled that often again: the copy completes.
 */
static unsigned int cancels_at_0, cancels_at_1;

static int cancelled_streaks(const struct cmd *c, unsigned int nth)
{
	(void)nth;
	if (!c->write && c->off == 0)
		return cancels_at_0++ < RING_CANCELLED_TRIES ? -EINTR : 1;
	if (!c->write && c->off == 1 && cancels_at_1++ < RING_CANCELLED_TRIES)
		return -EINTR;
	return (int)c->len;
}

static void test_cancelled_count_restarts(void)
{
	struct pipeline_job j = job_of(4 * BLOCK, 4 * BLOCK, 1);
	struct pipeline_result res;

	cancels_at_0 = cancels_at_1 = 0;
	answer = cancelled_streaks;
	CHECK_EQ_U64(pipeline_run(&j, &res), 0);
	CHECK_EQ_U64(res.error, 0);
	CHECK_EQ_U64(res.done, 4 * BLOCK);
	CHECK_EQ_U64(cancels_at_0, RING_CANCELLED_TRIES + 1);
	CHECK_EQ_U64(cancels_at_1, RING_CANCELLED_TRIES + 1);
	CHECK(!memcmp(dst_image, src_image, 4 * BLOCK));
}

/*
 * The PI test seam: with pi_guarded, chunk N (1-based) goes to DST with
 * the word in its middle inverted, and nothing else changed; without
 * pi_guarded the seam is ignored.
 */
static void test_corrupt_seam(void)
{
	const uint64_t chunk = 4 * BLOCK, word = chunk + chunk / 2;
	struct pipeline_job j = job_of(4 * chunk, (uint32_t)chunk, 2);
	struct pipeline_result res;
	uint64_t want;

	answer = NULL;
	j.pi_guarded = true;
	j.test_corrupt_chunk = 2;
	CHECK_EQ_U64(pipeline_run(&j, &res), 0);
	CHECK_EQ_U64(res.done, 4 * chunk);
	memcpy(&want, src_image + word, 8);
	want = ~want;
	CHECK(!memcmp(dst_image + word, &want, 8));
	CHECK(!memcmp(dst_image, src_image, word));
	CHECK(!memcmp(dst_image + word + 8, src_image + word + 8,
		      4 * chunk - word - 8));

	j = job_of(4 * chunk, (uint32_t)chunk, 2);
	j.test_corrupt_chunk = 2;
	CHECK_EQ_U64(pipeline_run(&j, &res), 0);
	CHECK(!memcmp(dst_image, src_image, 4 * chunk));
}

/*
 * Sentinels: a read that loses words a sentinel sits on is caught; the
 * chunk's first and last words always carry one, and so does one end of
 * each page the nonce picks.  A 2-page chunk whose device loses the two
 * words around its middle (one of them is in every pick) is caught; so
 * is a 4-page chunk losing the words around each page boundary inside.
 */
static bool drops_page_ends(uint64_t word_off)
{
	uint64_t in_chunk = word_off % dropped_chunk;

	return word_off / dropped_chunk == 1 && in_chunk > 0 &&
	       in_chunk < dropped_chunk - 8 &&
	       (in_chunk % BLOCK == 0 || in_chunk % BLOCK == BLOCK - 8);
}

static void test_sentinel_pages(void)
{
	struct pipeline_job j;
	struct pipeline_result res;
	uint32_t pages;

	answer = NULL;
	for (pages = 2; pages <= 4; pages += 2) {
		dropped_chunk = pages * BLOCK;
		j = job_of(4 * dropped_chunk, dropped_chunk, 2);
		j.sentinels = true;
		dropped = drops_page_ends;
		CHECK_EQ_U64(pipeline_run(&j, &res), -EPROTO);
		CHECK(res.lost);
		CHECK_EQ_U64(res.fail_offset, dropped_chunk);
		CHECK_EQ_U64(res.done, dropped_chunk);
	}
}

/*
 * Where the sentinels are (README, "Sentinels"): 10 words at most, the
 * first and last of the chunk and of 4 pages the chunk's nonce picks.
 * A pick may repeat a page, so 4 distinct pages are seen in most chunks,
 * not all: of 16 pages, in 16 * 15 * 14 * 13 / 16^4 = 67% of them; that
 * 64 chunks all have fewer is a chance below 1e-30.
 */
static unsigned int sentinel_reads, stored_reads, most_pages, sentinel_errors;

static void check_planted(uint64_t read_off, const uint32_t *at, unsigned int n)
{
	const uint32_t len = 16 * BLOCK;
	bool first = false, last = false, page_first[16] = { 0 },
	     page_last[16] = { 0 };
	unsigned int i, pages = 0;

	(void)read_off;
	sentinel_reads++;
	stored_reads += n > 0;
	for (i = 0; i < n; i++) {
		first |= at[i] == 0;
		last |= at[i] == len - 8;
		if (at[i] % BLOCK == 0)
			page_first[at[i] / BLOCK] = true;
		else if (at[i] % BLOCK == BLOCK - 8)
			page_last[at[i] / BLOCK] = true;
		else
			sentinel_errors++; /* inside a page */
	}
	/* A page is picked when both its ends carry one... */
	for (i = 0; i < 16; i++)
		pages += page_first[i] && page_last[i];
	/* ...and no page has one end alone but the chunk's own ends. */
	for (i = 1; i < 15; i++)
		sentinel_errors += page_first[i] != page_last[i];
	if (!first || !last || n > 10 || pages > 4)
		sentinel_errors++;
	if (pages > most_pages)
		most_pages = pages;
}

static void test_sentinel_words(void)
{
	struct pipeline_job j;
	struct pipeline_result res;
	unsigned int run;

	answer = NULL;
	planted = check_planted;
	sentinel_reads = stored_reads = most_pages = sentinel_errors = 0;
	for (run = 0; run < 4; run++) {
		j = job_of(DEV_SIZE, 16 * BLOCK, 1);
		j.sentinels = true;
		CHECK_EQ_U64(pipeline_run(&j, &res), 0);
		CHECK_EQ_U64(res.done, DEV_SIZE);
	}
	planted = NULL;
	CHECK_EQ_U64(sentinel_reads, 4 * 16);
	CHECK_EQ_U64(sentinel_errors, 0);
	CHECK_EQ_U64(most_pages, 4);

	/* Without sentinels, the CPU stores nothing into the buffer. */
	planted = check_planted;
	sentinel_reads = stored_reads = 0;
	j = job_of(DEV_SIZE, 16 * BLOCK, 1);
	CHECK_EQ_U64(pipeline_run(&j, &res), 0);
	planted = NULL;
	CHECK_EQ_U64(sentinel_reads, 16);
	CHECK_EQ_U64(stored_reads, 0);
}

/*
 * Chunks smaller than a page (no page sentinels), and smaller than a
 * word (no sentinel at all): copied whole, nothing reported lost.
 */
static void test_small_chunks(void)
{
	struct pipeline_job j = job_of(64 * 512, 512, 4);
	struct pipeline_result res;

	answer = NULL;
	j.geometry.align = 512;
	j.sentinels = true;
	CHECK_EQ_U64(pipeline_run(&j, &res), 0);
	CHECK_EQ_U64(res.done, 64 * 512);
	CHECK(!memcmp(dst_image, src_image, 64 * 512));

	j = job_of(64, 4, 4);
	j.geometry.align = 4;
	j.sentinels = true;
	CHECK_EQ_U64(pipeline_run(&j, &res), 0);
	CHECK_EQ_U64(res.done, 64);
	CHECK(!res.lost);
}

/* One-block commands issued at or after command @from. */
static unsigned int block_commands_after(unsigned int from)
{
	unsigned int i, n = 0;

	for (i = from; i < ncmds && i < MAX_CMDS; i++)
		n += cmds[i].len == BLOCK;
	return n;
}

/*
 * A read of chunk 1 that fails once, with @chunk1_error; the one-block
 * reads narrowing it find nothing wrong (a transient error).
 */
static int chunk1_error;
static unsigned int chunk1_failed_at; /* the failing command's number */

static int chunk1_fails_once(const struct cmd *c, unsigned int nth)
{
	if (!c->write && c->off == 4 * BLOCK && c->len == 4 * BLOCK &&
	    !chunk1_failed_at) {
		chunk1_failed_at = nth;
		return chunk1_error;
	}
	return (int)c->len;
}

/*
 * A failure the one-block reads cannot place stays as the copy saw it:
 * an I/O error is no end of file.  A command refused as a whole
 * (EINVAL, EBADF) is not narrowed at all: no one-block reads follow.
 */
static void test_not_narrowed(void)
{
	static const int errors[] = { -EIO, -EINVAL, -EBADF };
	struct pipeline_job j;
	struct pipeline_result res;
	size_t i;

	answer = chunk1_fails_once;
	for (i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		chunk1_error = errors[i];
		chunk1_failed_at = 0;
		j = job_of(12 * BLOCK, 4 * BLOCK, 2);
		CHECK_EQ_U64(pipeline_run(&j, &res), errors[i]);
		CHECK(res.fail_side == COPY_SIDE_READ);
		CHECK(!res.unexpected_eof);
		CHECK_EQ_U64(res.fail_offset, 4 * BLOCK);
		CHECK_EQ_U64(res.done, 4 * BLOCK);
		CHECK_EQ_U64(block_commands_after(chunk1_failed_at),
			     errors[i] == -EIO ? 4 : 0);
	}
}

/*
 * A lost chunk is not narrowed either: which of its bytes arrived is
 * unknown, and one-block reads into the buffer would not tell.
 */
static void test_lost_not_narrowed(void)
{
	struct pipeline_job j = job_of(4 * 4 * BLOCK, 4 * BLOCK, 2);
	struct pipeline_result res;

	answer = NULL;
	j.sentinels = true;
	dropped_chunk = 4 * BLOCK;
	dropped = drops_page_ends;
	CHECK_EQ_U64(pipeline_run(&j, &res), -EPROTO);
	CHECK(res.lost);
	CHECK_EQ_U64(block_commands_after(0), 0);
}

/*
 * A piece that ends the file (0 bytes) after another piece of its chunk
 * failed is not a failure of its own: the slot is draining, and the
 * end of file, if real, is found by narrowing.  Chunk 0 in one-block
 * pieces: piece 0 is told to try again, piece 1 fails, then piece 0's
 * second try moves nothing.
 */
static unsigned int piece0_tries;

static int piece1_fails_then_piece0_ends(const struct cmd *c, unsigned int nth)
{
	(void)nth;
	if (c->write || c->len != BLOCK || c->off > BLOCK)
		return (int)c->len;
	if (c->off == BLOCK && !piece0_tries)
		return (int)c->len;
	if (c->off == BLOCK && piece0_tries == 1) {
		piece0_tries++;
		return -EIO;
	}
	if (c->off == 0 && piece0_tries == 0) {
		piece0_tries++;
		return -EAGAIN;
	}
	if (c->off == 0 && piece0_tries == 2) {
		piece0_tries++;
		return 0;
	}
	return (int)c->len;
}

static void test_drain_ignores_end(void)
{
	struct pipeline_job j = job_of(8 * BLOCK, 4 * BLOCK, 1);
	struct pipeline_result res;

	j.backend = &scripted_blocks;
	answer = piece1_fails_then_piece0_ends;
	piece0_tries = 0;
	CHECK_EQ_U64(pipeline_run(&j, &res), -EIO);
	CHECK_EQ_U64(piece0_tries, 3);
	CHECK(res.fail_side == COPY_SIDE_READ);
	CHECK(!res.unexpected_eof);
	CHECK_EQ_U64(res.fail_offset, BLOCK);
	CHECK_EQ_U64(res.done, 0);
}

/*
 * Every failure of a draining chunk counts, and the lowest wins; a
 * "try again" there is no failure.  Chunk 0 in one-block pieces: piece
 * 0 is told to try again, piece 1 fails, then piece 0's second try
 * answers @drain_answer.  One-block reads (narrowing) all succeed.
 */
static int drain_answer;
static unsigned int piece0_answers;

static int piece0_answers_in_drain(const struct cmd *c, unsigned int nth)
{
	(void)nth;
	if (c->write || c->len != BLOCK || c->off > BLOCK || piece0_answers > 2)
		return (int)c->len;
	if (c->off == 0) {
		piece0_answers++;
		return piece0_answers == 1 ? -EAGAIN : drain_answer;
	}
	if (piece0_answers == 1) {
		piece0_answers++;
		return -EIO;
	}
	return (int)c->len;
}

static void test_drain_failures(void)
{
	static const int answers[] = { -ENODATA, -EAGAIN, -EINTR };
	struct pipeline_job j;
	struct pipeline_result res;
	size_t i;

	answer = piece0_answers_in_drain;
	for (i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		j = job_of(8 * BLOCK, 4 * BLOCK, 1);
		j.backend = &scripted_blocks;
		drain_answer = answers[i];
		piece0_answers = 0;
		CHECK_EQ_U64(pipeline_run(&j, &res), i == 0 ? -ENODATA : -EIO);
		CHECK_EQ_U64(res.fail_offset, i == 0 ? 0 : BLOCK);
		CHECK_EQ_U64(res.done, 0);
	}
}

/*
 * A slot holds at most PIPELINE_MAX_COMMANDS / depth commands: a chunk
 * of more pieces than that refills its pieces as they complete, and is
 * copied whole; its failure is placed as any other.
 */
static unsigned int most_in_flight;
static bool refill_fails;

static int track_in_flight(const struct cmd *c, unsigned int nth)
{
	/* The completion being answered is still counted as in flight. */
	if (ncmds - nth > most_in_flight)
		most_in_flight = ncmds - nth;
	if (!c->write && c->off == 8 * BLOCK + 5 * BLOCK && refill_fails)
		return -EIO;
	return (int)c->len;
}

static void test_refill(void)
{
	const uint32_t depth = PIPELINE_MAX_COMMANDS / 4, chunk = 8 * BLOCK;
	struct pipeline_job j = job_of(4 * (uint64_t)chunk, chunk, depth);
	struct pipeline_result res;

	CHECK_EQ_U64(pipeline_pieces_per_slot(&j, BLOCK), 4);
	CHECK_EQ_U64(pipeline_pieces_per_slot(&j, 2 * BLOCK), 4);
	CHECK_EQ_U64(pipeline_pieces_per_slot(&j, 3 * BLOCK), 3);
	j.geometry.queue_depth = 2 * PIPELINE_MAX_COMMANDS;
	CHECK_EQ_U64(pipeline_pieces_per_slot(&j, BLOCK), 1);
	j.geometry.queue_depth = 1;
	CHECK_EQ_U64(pipeline_pieces_per_slot(&j, BLOCK), 8);
	CHECK_EQ_U64(pipeline_pieces_per_slot(&j, chunk), 1);

	/* One chunk per slot in flight: 4 pieces at most, at any time. */
	j = job_of(4 * (uint64_t)chunk, chunk, depth);
	j.backend = &scripted_blocks;
	j.tune_depth = false;
	answer = track_in_flight;
	most_in_flight = 0;
	refill_fails = false;
	CHECK_EQ_U64(pipeline_run(&j, &res), 0);
	CHECK_EQ_U64(res.done, 4 * chunk);
	CHECK(!memcmp(dst_image, src_image, 4 * chunk));
	CHECK(most_in_flight <= 4 * 4);
	CHECK_EQ_U64(ncmds, 4 * 8 * 2);

	/* Block 5 of chunk 1 (a refilled piece) fails: found exactly. */
	j = job_of(4 * (uint64_t)chunk, chunk, depth);
	j.backend = &scripted_blocks;
	refill_fails = true;
	CHECK_EQ_U64(pipeline_run(&j, &res), -EIO);
	CHECK_EQ_U64(res.fail_offset, 8 * BLOCK + 5 * BLOCK);
	CHECK_EQ_U64(res.done, chunk);
}

/*
 * A backend that takes the registered buffer gets it: every command of
 * the copy is told to use fixed buffer 0, and the result says so; one
 * that may not, or cannot, does not.
 */
static void test_fixed_buffer(void)
{
	struct pipeline_job j = job_of(8 * BLOCK, 4 * BLOCK, 2);
	struct pipeline_result res;

	answer = NULL;
	fixed_commands = 0;
	j.backend = &scripted_fixed;
	CHECK_EQ_U64(pipeline_run(&j, &res), 0);
	CHECK(res.fixed_buffers);
	CHECK_EQ_U64(fixed_commands, 4);
	CHECK_EQ_U64(ncmds, 4);

	fixed_commands = 0;
	j = job_of(8 * BLOCK, 4 * BLOCK, 2);
	CHECK_EQ_U64(pipeline_run(&j, &res), 0);
	CHECK(!res.fixed_buffers);
	CHECK_EQ_U64(fixed_commands, 0);
	/* Not allowed (nvme-passthru.c, p2pmem): not registered, not used. */
	j = job_of(8 * BLOCK, 4 * BLOCK, 2);
	j.backend = &scripted_fixed_refused;
	CHECK_EQ_U64(pipeline_run(&j, &res), 0);
	CHECK(!res.fixed_buffers);
	CHECK_EQ_U64(fixed_commands, 0);
}

/* Without memory for its slots or pieces: -ENOMEM, nothing issued. */
static int calloc_fails_at; /* the Nth call from now; 0: none */

void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);

void *__wrap_calloc(size_t n, size_t size)
{
	if (calloc_fails_at && !--calloc_fails_at)
		return NULL;
	return __real_calloc(n, size);
}

static void test_no_memory(void)
{
	struct pipeline_job j;
	struct pipeline_result res;
	int nth;

	answer = NULL;
	for (nth = 1; nth <= 3; nth++) {
		j = job_of(8 * BLOCK, 4 * BLOCK, 2);
		calloc_fails_at = nth;
		CHECK_EQ_U64(pipeline_run(&j, &res), -ENOMEM);
		calloc_fails_at = 0;
		CHECK_EQ_U64(res.error, -ENOMEM);
		CHECK_EQ_U64(res.done, 0);
		CHECK_EQ_U64(ncmds, 0);
	}
}

/*
 * A submission that fails while narrowing (the kernel out of memory):
 * that is the block's error, and nothing is waited for that was never
 * submitted.
 */
static int chunk1_fails_then_no_memory(const struct cmd *c, unsigned int nth)
{
	(void)nth;
	if (!c->write && c->off == 4 * BLOCK && c->len == 4 * BLOCK) {
		submit_error = -ENOMEM;
		return -EIO;
	}
	return (int)c->len;
}

static void test_narrow_submit_fails(void)
{
	struct pipeline_job j = job_of(8 * BLOCK, 4 * BLOCK, 1);
	struct pipeline_result res;

	answer = chunk1_fails_then_no_memory;
	CHECK_EQ_U64(pipeline_run(&j, &res), -ENOMEM);
	CHECK(res.fail_side == COPY_SIDE_READ);
	CHECK_EQ_U64(res.fail_offset, 4 * BLOCK);
	CHECK_EQ_U64(res.done, 4 * BLOCK);
	submit_error = 0;
}

/*
 * A submission of the copy that fails: the ring's own failure ends the
 * copy there, with what completed before it as done; it is no device's
 * failure at a block, so nothing is narrowed.  A submission answered
 * EINTR (a signal), EAGAIN or EBUSY (the kernel short of resources, or
 * completions to reap first) is made again: the copy completes whole.
 * The answer comes once chunk 0 is written, with chunk 1's read queued.
 */
static int copy_submit_error;

static int chunk0_written_then_submit_fails(const struct cmd *c,
					    unsigned int nth)
{
	(void)nth;
	if (c->write && c->off == 0)
		submit_error = copy_submit_error;
	return (int)c->len;
}

static void test_copy_submit_fails(void)
{
	static const int again[] = { -EINTR, -EAGAIN, -EBUSY };
	struct pipeline_job j = job_of(12 * BLOCK, 4 * BLOCK, 1);
	struct pipeline_result res;
	size_t i;

	answer = chunk0_written_then_submit_fails;
	copy_submit_error = -ENOMEM;
	CHECK_EQ_U64(pipeline_run(&j, &res), -ENOMEM);
	CHECK_EQ_U64(res.error, -ENOMEM);
	CHECK_EQ_U64(res.fail_offset, 4 * BLOCK);
	CHECK_EQ_U64(res.done, 4 * BLOCK);
	CHECK_EQ_U64(block_commands_after(0), 0);
	CHECK(!memcmp(dst_image, src_image, 4 * BLOCK));
	submit_error = 0;

	for (i = 0; i < sizeof(again) / sizeof(again[0]); i++) {
		j = job_of(12 * BLOCK, 4 * BLOCK, 1);
		copy_submit_error = again[i];
		CHECK_EQ_U64(pipeline_run(&j, &res), 0);
		CHECK_EQ_U64(res.done, 12 * BLOCK);
		CHECK_EQ_U64(ncmds, 6);
		CHECK(!memcmp(dst_image, src_image, 12 * BLOCK));
		CHECK(!submit_error);
	}
}

int main(void)
{
	size_t i;

	buffer = calloc(1, BUFFER_SIZE);
	shadow = calloc(1, BUFFER_SIZE);
	if (!buffer || !shadow)
		return T_EXIT_ERROR;
	for (i = 0; i < DEV_SIZE; i++)
		src_image[i] = (char)(i * 7 + i / 4096 + 1);
	test_wait_batches();
	test_narrow_read();
	test_narrow_stop();
	test_narrow_short_write();
	test_narrow_write();
	test_one_byte_transfer();
	test_cancelled_count_restarts();
	test_corrupt_seam();
	test_sentinel_pages();
	test_sentinel_words();
	test_small_chunks();
	test_not_narrowed();
	test_lost_not_narrowed();
	test_drain_ignores_end();
	test_drain_failures();
	test_refill();
	test_fixed_buffer();
	test_no_memory();
	test_narrow_submit_fails();
	test_copy_submit_fails();
	free(buffer);
	free(shadow);
	CHECK_DONE();
}
