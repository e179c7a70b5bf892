// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * How often the per-chunk sentinels catch a partial loss, measured on
 * the real pipeline.  A backend plays the fabric: each read "DMAs" the
 * chunk's data into the buffer (in prep, then a no-op completes with
 * success, as an NVMe read whose peer writes were dropped does), except
 * for the pieces it drops, where the buffer keeps what it held: the
 * sentinels the CPU planted and, elsewhere, the previous chunk's data.
 * One loss is dropped into chunk 2 of a 2-chunk copy (1 MiB chunks,
 * queue depth 1, so the slot holds chunk 1's data); a trial counts as
 * detected when pipeline_run() fails with "lost".  Each loss shape is
 * tried P2PCP_LOSS_TRIALS times (default 2000) and the rates printed.
 *
 * Checked: a whole lost chunk is always caught; a copy without losses
 * never is; each measured rate lies within 4 standard deviations of
 * the rate the sentinel layout predicts (the first and last word of the
 * chunk and of 4 pages picked at random).  The same losses are then
 * scored against denser layouts (k random words per chunk) to show
 * what more words would buy; see README, "What copied and verified
 * prove".
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "pipeline.h"
#include "two-chunks.h"

#define CHUNK (1u << 20)
#define PAGE 4096u

struct loss_shape {
	const char *name;
	uint32_t piece; /* bytes per dropped piece, aligned to its size */
	uint32_t pieces; /* how many, at distinct random places */
};

static const struct loss_shape shapes[] = {
	{ "one 256 B TLP", 256, 1 },
	{ "ten 256 B TLPs", 256, 10 },
	{ "one 4 KiB page", PAGE, 1 },
	{ "16 4 KiB pages", PAGE, 16 },
	{ "one 128 KiB command", 128u << 10, 1 },
	{ "the whole 1 MiB chunk", CHUNK, 1 },
};

/* The pieces dropped in this trial: byte offsets in the lost chunk. */
static uint32_t drop_at[16];
static const struct loss_shape *dropping;
static uint64_t lose_chunk_at; /* byte offset of the chunk that loses */

static uint32_t random_below(uint32_t n)
{
	return (uint32_t)(((uint64_t)random() << 31 ^ (uint64_t)random()) % n);
}

static void pick_drops(const struct loss_shape *s)
{
	uint32_t slots = CHUNK / s->piece, i, j;

	for (i = 0; i < s->pieces; i++) {
again:
		drop_at[i] = random_below(slots) * s->piece;
		for (j = 0; j < i; j++)
			if (drop_at[j] == drop_at[i])
				goto again;
	}
}

static bool dropped(uint64_t chunk_off, uint32_t at)
{
	uint32_t i;

	if (!dropping || chunk_off != lose_chunk_at)
		return false;
	for (i = 0; i < dropping->pieces; i++)
		if (at >= drop_at[i] && at < drop_at[i] + dropping->piece)
			return true;
	return false;
}

/* The fabric: a read's data lands in @buf but for the dropped pieces. */
static void lossy_prep(struct io_uring_sqe *sqe, int fd, const void *ctx,
		       bool write, void *buf, uint32_t len, uint64_t off)
{
	uint64_t chunk_off = off / CHUNK * CHUNK;
	uint32_t at;

	(void)fd;
	(void)ctx;
	if (!write)
		for (at = 0; at < len; at += 256)
			if (!dropped(chunk_off,
				     (uint32_t)(off - chunk_off) + at))
				/* SRC's data: a byte per chunk, never a sentinel. */
				memset((char *)buf + at, (int)(off / CHUNK) + 1,
				       len - at < 256 ? len - at : 256);
	io_uring_prep_nop(sqe);
}

static int lossy_complete(const struct io_uring_cqe *cqe, const void *ctx,
			  uint32_t len, uint32_t *status)
{
	(void)ctx;
	*status = 0;
	return cqe->res < 0 ? cqe->res : (int)len;
}

static const struct ring_backend lossy = {
	.name = "lossy",
	.prep = lossy_prep,
	.complete = lossy_complete,
};

/* One copy of two chunks; true when the pipeline reported a loss. */
static bool trial(void *buf, int null_fd)
{
	struct pipeline_job job = two_chunk_job(buf, null_fd, &lossy, CHUNK);
	struct pipeline_result res;
	int ret = pipeline_run(&job, &res);

	if (ret && !(ret == -EPROTO && res.lost))
		fprintf(stderr, "pipeline_run failed: %s\n", strerror(-ret));
	return ret == -EPROTO && res.lost;
}

/* Any of @k random 8-byte words per chunk in a dropped piece. */
static bool caught_by_random_words(unsigned int k)
{
	unsigned int i;

	for (i = 0; i < k; i++)
		if (dropped(lose_chunk_at, random_below(CHUNK / 8) * 8))
			return true;
	return false;
}

/*
 * The engine's layout (pipeline.c): the chunk's first and last word,
 * and the first and last word of 4 pages picked at random (repeats
 * possible).
 */
static bool caught_by_engine_layout(void)
{
	unsigned int i;
	uint32_t p;

	if (dropped(lose_chunk_at, 0) || dropped(lose_chunk_at, CHUNK - 8))
		return true;
	for (i = 0; i < 4; i++) {
		p = random_below(CHUNK / PAGE) * PAGE;
		if (dropped(lose_chunk_at, p) ||
		    dropped(lose_chunk_at, p + PAGE - 8))
			return true;
	}
	return false;
}

static const unsigned int dense[] = { 64, 256, 1024 };

int main(void)
{
	unsigned long trials = 2000, t, hits, model, extra[3];
	const char *env = getenv("P2PCP_LOSS_TRIALS");
	int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	void *buf = NULL;
	size_t s, d;
	double rate, expect, sigma;

	if (env && atol(env) > 0)
		trials = (unsigned long)atol(env);
	if (null_fd < 0 || posix_memalign(&buf, PAGE, CHUNK))
		return T_EXIT_ERROR;
	srandom(20261206);
	lose_chunk_at = CHUNK;

	/* No loss: never a false alarm. */
	dropping = NULL;
	for (t = 0; t < 50; t++)
		CHECK(!trial(buf, null_fd));

	printf("partial-loss detection by the sentinels, %lu trials per shape, 1 MiB chunks\n",
	       trials);
	printf("%-24s %9s %9s | random words per chunk:", "loss", "measured",
	       "layout");
	for (d = 0; d < 3; d++)
		printf(" %6u", dense[d]);
	printf("\n");
	for (s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		hits = model = 0;
		memset(extra, 0, sizeof(extra));
		for (t = 0; t < trials; t++) {
			pick_drops(&shapes[s]);
			dropping = &shapes[s];
			hits += trial(buf, null_fd);
			model += caught_by_engine_layout();
			for (d = 0; d < 3; d++)
				extra[d] += caught_by_random_words(dense[d]);
			dropping = NULL;
		}
		rate = (double)hits / trials;
		expect = (double)model / trials;
		printf("%-24s %8.2f%% %8.2f%% |                        ",
		       shapes[s].name, 100 * rate, 100 * expect);
		for (d = 0; d < 3; d++)
			printf(" %5.1f%%", 100.0 * extra[d] / trials);
		printf("\n");
		/* Both are estimates: allow for the spread of the two. */
		sigma = sqrt(expect * (1 - expect) / trials * 2) + 1e-9;
		if (fabs(rate - expect) > 4 * sigma + 0.5 / trials) {
			fprintf(stderr,
				"%s: measured %.4f, layout predicts %.4f\n",
				shapes[s].name, rate, expect);
			check_failures++;
		}
		if (shapes[s].piece == CHUNK)
			CHECK_EQ_U64(hits, trials);
	}
	free(buf);
	close(null_fd);
	CHECK_DONE();
}
