// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Verification (verify.h) and the arrival probe (arrival.h) against a
 * scripted device: every command is an io_uring no-op, which completes
 * in submission order; a read copies its side's image into the buffer
 * when it is issued (or nothing, for a read whose data never arrives), a
 * write the buffer into the image, and its answer is the script's.  With
 * the order of completions known, what is checked is which failure is
 * reported when two come, what a read that moved nothing is found to
 * be, and which commands are issued after a failure or a stop.
 *
 * io_uring_submit_and_wait and io_uring_queue_init are wrapped at link
 * time: a wait that fails, a ring that cannot be set up.
 */
#include <errno.h>
#include <liburing.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "check.h"
#include "arrival.h"
#include "poison.h"
#include "util.h"
#include "verify.h"

#define BLOCK 4096u
#define IMAGE (16u * BLOCK)

/* One side's device: SRC is devs[0], DST devs[1]. */
struct dev {
	char image[IMAGE];
	bool drop; /* reads complete whole and move nothing */
	uint64_t bad; /* a command starting at this byte fails (-EIO) */
	uint32_t bad_status; /* ... with this NVMe status */
	const char *store_once; /* the next write stores this instead */
};

static struct dev devs[2];

struct cmd {
	int side;
	uint64_t off;
	uint32_t len;
};

#define MAX_CMDS 256
static struct cmd cmds[MAX_CMDS];
static unsigned int ncmds, ncompleted;
static bool out_of_order;

/* The stop flag, raised when command number @stop_at completes. */
static volatile sig_atomic_t stop;
static unsigned int stop_at;

static int side_of(const void *ctx)
{
	return ctx == &devs[1];
}

static void script_prep(struct io_uring_sqe *sqe, int fd, const void *ctx,
			bool write, void *buf, uint32_t len, uint64_t off)
{
	struct dev *d = &devs[side_of(ctx)];

	(void)fd;
	if (ncmds < MAX_CMDS)
		cmds[ncmds] = (struct cmd){ side_of(ctx), off, len };
	ncmds++;
	if (off + len > IMAGE) {
		/* Beyond the device: the command moves nothing. */
	} else if (write) {
		memcpy(d->image + off, d->store_once ? d->store_once : buf,
		       len);
		d->store_once = NULL;
	} else if (!d->drop) {
		memcpy(buf, d->image + off, len);
	}
	io_uring_prep_nop(sqe);
}

static int script_complete(const struct io_uring_cqe *cqe, const void *ctx,
			   uint32_t len, uint32_t *status)
{
	const struct dev *d = ctx;
	unsigned int nth = ncompleted++;

	(void)cqe;
	*status = 0;
	if (nth >= MAX_CMDS || cmds[nth].len != len ||
	    cmds[nth].side != side_of(ctx)) {
		out_of_order = true;
		return -EIO;
	}
	if (nth + 1 == stop_at)
		stop = 1;
	if (cmds[nth].off == d->bad) {
		*status = d->bad_status;
		return -EIO;
	}
	return (int)len;
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

static char buffer[8 * BLOCK] __attribute__((aligned(BLOCK)));

/* After @waits_first more waits, the next fails with @wait_fails, once. */
static int wait_fails;
static unsigned int waits_first;

int __real_io_uring_submit_and_wait(struct io_uring *ring,
				    unsigned int wait_nr);
int __wrap_io_uring_submit_and_wait(struct io_uring *ring,
				    unsigned int wait_nr);

int __wrap_io_uring_submit_and_wait(struct io_uring *ring, unsigned int wait_nr)
{
	int ret = wait_fails;

	if (ret && !waits_first) {
		wait_fails = 0;
		return ret;
	}
	if (ret)
		waits_first--;
	return __real_io_uring_submit_and_wait(ring, wait_nr);
}

/* The next ring set up fails with @ring_fails (negative errno), once. */
static int ring_fails;

int __real_io_uring_queue_init(unsigned int entries, struct io_uring *ring,
			       unsigned int flags);
int __wrap_io_uring_queue_init(unsigned int entries, struct io_uring *ring,
			       unsigned int flags);

int __wrap_io_uring_queue_init(unsigned int entries, struct io_uring *ring,
			       unsigned int flags)
{
	int ret = ring_fails;

	if (ret) {
		ring_fails = 0;
		return ret;
	}
	return __real_io_uring_queue_init(entries, ring, flags);
}

/* getrandom failing: poison_nonce falls back to the time and the pid. */
static bool getrandom_fails;

ssize_t __real_getrandom(void *buf, size_t len, unsigned int flags);
ssize_t __wrap_getrandom(void *buf, size_t len, unsigned int flags);

ssize_t __wrap_getrandom(void *buf, size_t len, unsigned int flags)
{
	if (!getrandom_fails)
		return __real_getrandom(buf, len, flags);
	errno = ENOSYS;
	return -1;
}

/* Equal images, nothing failing, nothing dropped, no stop. */
static struct pipeline_job job_of(uint64_t length, uint32_t chunk,
				  uint32_t depth)
{
	struct pipeline_job j = {
		.src_fd = -1,
		.dst_fd = -1,
		.backend = &scripted,
		.src_ctx = &devs[0],
		.dst_ctx = &devs[1],
		.length = length,
		.buf = buffer,
		.geometry.chunk_size = chunk,
		.geometry.queue_depth = depth,
		.geometry.align = BLOCK,
		.stop = &stop,
	};
	unsigned int i;

	for (i = 0; i < IMAGE; i++)
		devs[0].image[i] = (char)(i * 7 + i / 251);
	memcpy(devs[1].image, devs[0].image, IMAGE);
	for (i = 0; i < 2; i++) {
		devs[i].drop = false;
		devs[i].bad = UINT64_MAX;
		devs[i].bad_status = 0;
		devs[i].store_once = NULL;
	}
	ncmds = ncompleted = 0;
	out_of_order = false;
	stop = 0;
	stop_at = 0;
	return j;
}

/*
 * Both sides' reads of the same block fail, SRC's completing first:
 * at the same byte SRC is the one reported, with its own status, and
 * DST's failure coming after does not replace it.
 */
static void test_same_byte_src_wins(void)
{
	struct pipeline_job j = job_of(BLOCK, BLOCK, 1);
	struct pipeline_result res;
	uint64_t mismatch = UINT64_MAX;

	devs[0].bad = devs[1].bad = 0;
	devs[0].bad_status = 0x281;
	devs[1].bad_status = 0x282;
	CHECK(verify_range(&j, false, &mismatch, &res) == -EIO);
	CHECK(!out_of_order && ncmds == 2 && cmds[0].side == 0);
	CHECK(res.fail_side == COPY_SIDE_READ);
	CHECK_EQ_U64(res.nvme_status, 0x281);
	CHECK_EQ_U64(res.fail_offset, 0);
	CHECK_EQ_U64(res.done, 0);
	CHECK_EQ_U64(mismatch, UINT64_MAX);
}

/*
 * DST's read fails at the chunk's first byte while SRC, a block ahead,
 * has its next read in flight, which fails too: the lowest byte wins,
 * and that is DST's, whatever SRC's later failure says.
 */
static void test_lower_dst_wins_over_src(void)
{
	struct pipeline_job j = job_of(2 * BLOCK, 2 * BLOCK, 1);
	struct pipeline_result res;
	uint64_t mismatch = UINT64_MAX;

	j.backend = &scripted_blocks;
	devs[1].bad = 0;
	devs[1].bad_status = 0x282;
	devs[0].bad = BLOCK;
	devs[0].bad_status = 0x281;
	CHECK(verify_range(&j, false, &mismatch, &res) == -EIO);
	/* SRC's block 0, DST's block 0 (failed), SRC's block 1 (failed). */
	CHECK(!out_of_order && ncmds == 3);
	CHECK(cmds[2].side == 0 && cmds[2].off == BLOCK);
	CHECK(res.fail_side == COPY_SIDE_WRITE);
	CHECK_EQ_U64(res.nvme_status, 0x282);
	CHECK_EQ_U64(res.fail_offset, 0);
	CHECK_EQ_U64(res.done, 0);
}

/*
 * After a failure, chunks above it read no further: DST's first block
 * fails, and the chunk above it, whose first blocks were in flight
 * then, issues no more reads.  Below the failure, SRC's read in flight
 * reads on up to it.
 */
static void test_no_reads_above_failure(void)
{
	struct pipeline_job j = job_of(4 * BLOCK, 2 * BLOCK, 2);
	struct pipeline_result res;
	uint64_t mismatch = UINT64_MAX;
	unsigned int i;

	j.backend = &scripted_blocks;
	devs[1].bad = 0;
	CHECK(verify_range(&j, false, &mismatch, &res) == -EIO);
	CHECK(res.fail_side == COPY_SIDE_WRITE);
	CHECK_EQ_U64(res.fail_offset, 0);
	CHECK_EQ_U64(res.done, 0);
	/* Both chunks' first blocks, and SRC's second one of chunk 0. */
	CHECK(!out_of_order);
	CHECK_EQ_U64(ncmds, 5);
	for (i = 0; i < ncmds && i < MAX_CMDS; i++)
		CHECK(cmds[i].off != 3 * BLOCK);
}

/*
 * A read through the buffer that moves nothing is lost, whatever the
 * other side holds: also when DST holds exactly the poison that a
 * predictable nonce of 0 would plant, which would then compare equal
 * to SRC's untouched buffer.
 */
static void test_dropped_read_against_zero_nonce_poison(void)
{
	struct pipeline_job j = job_of(BLOCK, 2 * BLOCK, 1);
	struct pipeline_result res;
	uint64_t mismatch = UINT64_MAX, w;
	uint32_t i;

	for (i = 0; i < BLOCK / 8; i++) {
		w = poison_word(0, i);
		memcpy(devs[1].image + (size_t)i * 8, &w, sizeof(w));
	}
	devs[0].drop = true;
	CHECK(verify_range(&j, true, &mismatch, &res) == -EPROTO);
	CHECK(res.lost && res.poisoned);
	CHECK(res.fail_side == COPY_SIDE_READ);
	CHECK_EQ_U64(res.fail_offset, 0);
	CHECK_EQ_U64(mismatch, UINT64_MAX);
}

/*
 * A buffer of one block, smaller than half a chunk of each side: both
 * sides share it, SRC's block read and copied out before DST's is read
 * into it.  Every block of both sides is read, and a difference in DST
 * is found at its byte.
 */
static void test_shared_buffer_reads_both(void)
{
	struct pipeline_job j = job_of(4 * BLOCK, BLOCK, 1);
	struct pipeline_result res;
	uint64_t mismatch = UINT64_MAX;
	unsigned int i, reads[2] = { 0, 0 };

	CHECK(verify_range(&j, true, &mismatch, &res) == 0);
	CHECK_EQ_U64(res.done, 4 * BLOCK);
	CHECK(!out_of_order);
	for (i = 0; i < ncmds && i < MAX_CMDS; i++)
		reads[cmds[i].side]++;
	CHECK_EQ_U64(reads[0], 4);
	CHECK_EQ_U64(reads[1], 4);

	j = job_of(4 * BLOCK, BLOCK, 1);
	devs[1].image[2 * BLOCK + 100] ^= 0x40;
	CHECK(verify_range(&j, true, &mismatch, &res) == 1);
	CHECK_EQ_U64(mismatch, 2 * BLOCK + 100);
	CHECK_EQ_U64(res.done, 2 * BLOCK + 100);
}

/*
 * A stop raised by the last completion, when everything is compared
 * equal: the verification is complete (0, all of it done), not cut
 * short; raised earlier, it is cut short (-EINTR) at a chunk's end.
 */
static void test_stop_after_last_read(void)
{
	struct pipeline_job j = job_of(2 * BLOCK, BLOCK, 1);
	struct pipeline_result res;
	uint64_t mismatch = UINT64_MAX;

	stop_at = 4; /* SRC and DST of chunk 0, then of chunk 1 */
	CHECK(verify_range(&j, false, &mismatch, &res) == 0);
	CHECK(res.stopped);
	CHECK_EQ_U64(ncmds, 4);
	CHECK_EQ_U64(res.done, 2 * BLOCK);

	j = job_of(2 * BLOCK, BLOCK, 1);
	stop = 1;
	CHECK(verify_range(&j, false, &mismatch, &res) == -EINTR);
	CHECK(res.stopped);
	CHECK_EQ_U64(ncmds, 0);
	CHECK_EQ_U64(res.done, 0);
}

/*
 * A read through the buffer that moved nothing, in a chunk below a
 * read error found first: the loss is the lowest failure, and its side
 * (SRC's) is the one reported, not the side of the error above it.
 */
static void test_lost_below_io_failure(void)
{
	struct pipeline_job j = job_of(4 * BLOCK, 4 * BLOCK, 2);
	struct pipeline_result res;
	uint64_t mismatch = UINT64_MAX;

	/* Two chunks of two blocks a side; each read one block. */
	j.backend = &scripted_blocks;
	devs[0].drop = true;
	devs[1].bad = 2 * BLOCK;
	CHECK(verify_range(&j, true, &mismatch, &res) == -EPROTO);
	CHECK(!out_of_order);
	/* Chunk 1's DST read failed before chunk 0's second blocks came. */
	CHECK(ncmds >= 4 && cmds[3].side == 1 && cmds[3].off == 2 * BLOCK);
	CHECK(res.lost && res.error == -EPROTO);
	CHECK(res.fail_side == COPY_SIDE_READ);
	CHECK_EQ_U64(res.fail_offset, 0);
	CHECK_EQ_U64(res.done, 0);
}

/*
 * A wait for completions interrupted, or refused for now (EAGAIN,
 * EBUSY), is waited again and the verification completes; one that
 * fails otherwise ends it with that error, at the verified prefix.
 */
static void test_wait_fails(void)
{
	const int again[3] = { -EINTR, -EAGAIN, -EBUSY };
	struct pipeline_job j;
	struct pipeline_result res;
	uint64_t mismatch = UINT64_MAX;
	int i;

	for (i = 0; i < 3; i++) {
		j = job_of(2 * BLOCK, BLOCK, 1);
		wait_fails = again[i];
		CHECK(verify_range(&j, false, &mismatch, &res) == 0);
		CHECK(wait_fails == 0);
		CHECK_EQ_U64(res.done, 2 * BLOCK);
		CHECK_EQ_U64(ncompleted, 4);
	}

	/*
	 * The first wait brings both reads of chunk 0, which compares
	 * equal; the second, which would submit chunk 1's, fails.
	 */
	j = job_of(2 * BLOCK, BLOCK, 1);
	wait_fails = -ENOMEM;
	waits_first = 1;
	CHECK(verify_range(&j, false, &mismatch, &res) == -ENOMEM);
	CHECK(wait_fails == 0);
	CHECK_EQ_U64(ncompleted, 2);
	CHECK(res.error == -ENOMEM);
	CHECK_EQ_U64(res.done, BLOCK);
	CHECK_EQ_U64(res.fail_offset, BLOCK);
	CHECK_EQ_U64(mismatch, UINT64_MAX);
}

/*
 * The probe's DST direction plants no poison: DST storing other data
 * than the buffer's is a difference (ARRIVAL_MISMATCH), never "partly
 * lost", whatever that data is; here words that equal the poison of a
 * nonce of 0 or 1 at their place.  DST's block is then put back.
 */
static void test_arrival_dst_stores_other(void)
{
	struct pipeline_job j = job_of(4 * BLOCK, BLOCK, 1);
	static char other[BLOCK], before[BLOCK];
	struct arrival_result ar;
	uint64_t w;
	uint32_t i;

	for (i = 0; i < BLOCK / 8; i++) {
		w = poison_word(i % 2, i);
		memcpy(other + (size_t)i * 8, &w, sizeof(w));
	}
	memset(devs[1].image, 0x33, BLOCK);
	memcpy(before, devs[1].image, BLOCK);
	devs[1].store_once = other;
	CHECK(arrival_check(&j, &ar) == 0);
	CHECK(!out_of_order);
	CHECK(ar.src_checked && !ar.dst_checked);
	CHECK(ar.verdict == ARRIVAL_MISMATCH);
	CHECK(ar.side == COPY_SIDE_WRITE);
	CHECK_EQ_U64(ar.words, BLOCK / 8);
	CHECK_EQ_U64(ar.poison_left, 0);
	CHECK(!ar.dst_not_restored);
	CHECK(!memcmp(devs[1].image, before, BLOCK));
}

/* An empty range is equal at once, through the buffer too: no reads. */
static void test_empty_range(void)
{
	struct pipeline_job j = job_of(0, 2 * BLOCK, 1);
	struct pipeline_result res;
	uint64_t mismatch = UINT64_MAX;
	int through;

	for (through = 0; through < 2; through++) {
		CHECK(verify_range(&j, through, &mismatch, &res) == 0);
		CHECK_EQ_U64(res.done, 0);
		CHECK_EQ_U64(ncmds, 0);
		CHECK_EQ_U64(mismatch, UINT64_MAX);
	}
}

/*
 * Refused before any read, with the result cleared: no chunk size, no
 * queue, a buffer smaller than one block (half a block a chunk), a ring
 * that cannot be set up (its error).  The arrival probe too gives the
 * ring's error, with nothing probed.
 */
static void test_refusals(void)
{
	struct pipeline_job j = job_of(4 * BLOCK, 0, 1);
	struct pipeline_result res;
	struct arrival_result ar;
	uint64_t mismatch = UINT64_MAX;

	memset(&res, 0x5a, sizeof(res));
	CHECK(verify_range(&j, false, &mismatch, &res) == -EINVAL);
	CHECK(res.error == 0 && !res.stopped && res.done == 0);
	j = job_of(4 * BLOCK, BLOCK, 0);
	CHECK(verify_range(&j, false, &mismatch, &res) == -EINVAL);
	j = job_of(4 * BLOCK, BLOCK / 2, 1);
	CHECK(verify_range(&j, true, &mismatch, &res) == -EINVAL);
	CHECK_EQ_U64(ncmds, 0);

	j = job_of(4 * BLOCK, BLOCK, 1);
	ring_fails = -ENOMEM;
	CHECK(verify_range(&j, false, &mismatch, &res) == -ENOMEM);
	CHECK(ring_fails == 0);
	ring_fails = -ENOMEM;
	memset(&ar, 0x5a, sizeof(ar));
	CHECK(arrival_check(&j, &ar) == -ENOMEM);
	CHECK(ring_fails == 0);
	CHECK(!ar.src_checked && !ar.dst_checked && ar.error == 0);
	CHECK_EQ_U64(ncmds, 0);
	CHECK_EQ_U64(mismatch, UINT64_MAX);
}

/*
 * What a caller's result held before is not part of the answer: an
 * equal range is equal, with nothing else said.
 */
static void test_result_cleared(void)
{
	struct pipeline_job j = job_of(4 * BLOCK, BLOCK, 2);
	struct pipeline_result res;
	uint64_t mismatch = UINT64_MAX;

	memset(&res, 0x5a, sizeof(res));
	CHECK(verify_range(&j, false, &mismatch, &res) == 0);
	CHECK_EQ_U64(res.done, 4 * BLOCK);
	CHECK(res.error == 0 && res.nvme_status == 0);
	CHECK(res.fail_side == COPY_SIDE_NONE && res.fail_offset == 0);
	CHECK(!res.stopped && !res.lost && !res.unexpected_eof);
	CHECK(!res.poisoned);
}

/*
 * queue_depth chunks are read at once, both sides of each: with DST's
 * read of chunk 0 failing, chunk 1's reads, issued with it, are there.
 */
static void test_depth_in_flight(void)
{
	struct pipeline_job j = job_of(4 * BLOCK, BLOCK, 2);
	struct pipeline_result res;
	uint64_t mismatch = UINT64_MAX;

	devs[1].bad = 0;
	CHECK(verify_range(&j, false, &mismatch, &res) == -EIO);
	CHECK(!out_of_order);
	CHECK_EQ_U64(ncmds, 4);
	CHECK(cmds[2].side == 0 && cmds[2].off == BLOCK);
	CHECK(cmds[3].side == 1 && cmds[3].off == BLOCK);
}

/*
 * Chunks of three blocks through the buffer: each side's half is one
 * whole block (half a chunk, rounded down to a block), queue_depth
 * chunks fit, and the whole range is verified.
 */
static void test_odd_chunk_through_buffer(void)
{
	struct pipeline_job j = job_of(12 * BLOCK, 3 * BLOCK, 2);
	struct pipeline_result res;
	uint64_t mismatch = UINT64_MAX;
	unsigned int i;

	CHECK(verify_range(&j, true, &mismatch, &res) == 0);
	CHECK_EQ_U64(res.done, 12 * BLOCK);
	CHECK(!out_of_order);
	CHECK_EQ_U64(ncmds, 24);
	for (i = 0; i < ncmds && i < MAX_CMDS; i++)
		CHECK_EQ_U64(cmds[i].len, BLOCK);
}

/*
 * Through system memory a difference is a difference, also where SRC's
 * data equals the poison SRC's reads would have got through the buffer
 * (here predictable: no getrandom, the nonce from the time and pid).
 */
static void test_sysmem_poison_lookalike(void)
{
	struct pipeline_job j;
	struct pipeline_result res;
	uint64_t mismatch = UINT64_MAX, second, w;
	int tries, ret = 0;

	getrandom_fails = true;
	for (tries = 0; tries < 5; tries++) {
		j = job_of(BLOCK, BLOCK, 1);
		second = (uint64_t)now_seconds();
		w = poison_word(
			poison_mix(second * 1000003u ^ (uint64_t)getpid()), 0);
		memcpy(devs[0].image, &w, sizeof(w));
		devs[1].image[0] = (char)~devs[0].image[0];
		ret = verify_range(&j, false, &mismatch, &res);
		/* No second ticked during the call: the nonce was that one. */
		if (second == (uint64_t)now_seconds())
			break;
	}
	getrandom_fails = false;
	CHECK(tries < 5);
	CHECK_EQ_U64(ret, 1);
	CHECK_EQ_U64(mismatch, 0);
	CHECK(!res.lost && res.error == 0);
}

int main(void)
{
	test_same_byte_src_wins();
	test_lower_dst_wins_over_src();
	test_no_reads_above_failure();
	test_dropped_read_against_zero_nonce_poison();
	test_shared_buffer_reads_both();
	test_stop_after_last_read();
	test_lost_below_io_failure();
	test_wait_fails();
	test_arrival_dst_stores_other();
	test_empty_range();
	test_refusals();
	test_result_cleared();
	test_depth_in_flight();
	test_odd_chunk_through_buffer();
	test_sysmem_poison_lookalike();
	CHECK_DONE();
}
