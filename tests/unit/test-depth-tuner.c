// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The depth tuner's decisions, fed made-up timings (no clock, nothing
 * timed): a simulated device completes one chunk after another at the
 * rate it gives the depth the tuner asks for, times a load factor the
 * test chooses, and the tuner must settle on the depth the device
 * rewards, whatever the drift or the odd preempted window.
 */
#include <math.h>
#include <string.h>

#include "check.h"
#include "depth-tuner.h"

#define CHUNK (1u << 20)
#define MAX_DEPTH 8u

struct device {
	double rate_full; /* bytes/s at MAX_DEPTH */
	double rate_one; /* at depth 1 */
	/* Load: the time of chunk @i, window @step, is multiplied by it. */
	double (*load)(const struct depth_tuner *t, uint64_t i);
};

static double no_load(const struct depth_tuner *t, uint64_t i)
{
	(void)t;
	(void)i;
	return 1;
}

/* Runs a copy of @chunks chunks; returns the depths asked for last. */
static uint32_t run(struct depth_tuner *t, const struct device *dev,
		    uint64_t chunks)
{
	uint32_t depth = t->depth;
	double now = 100;
	uint64_t i;

	for (i = 0; i < chunks; i++) {
		double rate = depth == 1 ? dev->rate_one : dev->rate_full;

		now += CHUNK / rate * dev->load(t, i);
		depth = depth_tuner_chunk_done(t, CHUNK, now);
		CHECK(depth == MAX_DEPTH || depth == 1);
	}
	return depth;
}

static bool near(double a, double b)
{
	return fabs(a - b) <= b * 1e-9;
}

/* Where concurrency loses (issue 21: dd at depth 1 beat fio), depth 1. */
static void test_serial_wins(void)
{
	struct device dev = { 1.2e9, 1.45e9, no_load };
	struct depth_tuner t;

	depth_tuner_init(&t, MAX_DEPTH, 1024, true);
	CHECK(t.choice.fixed_why == NULL);
	CHECK_EQ_U64(run(&t, &dev, 1024), 1);
	CHECK(t.choice.tuned);
	CHECK_EQ_U64(t.choice.depth, 1);
	CHECK_EQ_U64(t.choice.ncandidates, 2);
	CHECK_EQ_U64(t.choice.candidate[0], MAX_DEPTH);
	CHECK_EQ_U64(t.choice.candidate[1], 1);
	/* What it measured is what the device did. */
	CHECK(near(t.choice.rate[0], 1.2e9));
	CHECK(near(t.choice.rate[1], 1.45e9));
	/* Settled: the same answer for the rest of the copy. */
	CHECK_EQ_U64(depth_tuner_chunk_done(&t, CHUNK, 1e6), 1);
}

/* Where depth pays (NVMe, RAM), the full depth. */
static void test_depth_wins(void)
{
	struct device dev = { 3e9, 1e9, no_load };
	struct depth_tuner t;

	depth_tuner_init(&t, MAX_DEPTH, 1024, true);
	CHECK_EQ_U64(run(&t, &dev, 1024), MAX_DEPTH);
	CHECK(t.choice.tuned);
	CHECK_EQ_U64(t.choice.depth, MAX_DEPTH);
}

/* A win inside the margin is not a reason to give up depth. */
static void test_margin(void)
{
	struct device dev = { 1e9, 1.03e9, no_load };
	struct depth_tuner t;

	depth_tuner_init(&t, MAX_DEPTH, 1024, true);
	CHECK_EQ_U64(run(&t, &dev, 1024), MAX_DEPTH);
	dev.rate_one = 1.06e9;
	depth_tuner_init(&t, MAX_DEPTH, 1024, true);
	CHECK_EQ_U64(run(&t, &dev, 1024), 1);
}

/*
 * The machine's load falls steadily during the probing (chunks take 2x
 * as long at the start as at the end) while both depths are equally
 * good: windows in the order A B B A A B B A see the same drift, so the
 * later windows' advantage does not make depth 1 look faster (in the
 * order A B A B A B A B it would, by about 10%).
 */
static double falling_load(const struct depth_tuner *t, uint64_t i)
{
	double span = (double)depth_tuner_probe_chunks(MAX_DEPTH);

	(void)t;
	return i < span ? 2 - i / span : 1;
}

static void test_drift(void)
{
	struct device dev = { 1e9, 1e9, falling_load };
	struct depth_tuner t;

	depth_tuner_init(&t, MAX_DEPTH, 1024, true);
	CHECK_EQ_U64(run(&t, &dev, 1024), MAX_DEPTH);
	CHECK(t.choice.tuned);
}

/*
 * Another process preempts the copy for one whole window at the full
 * depth (10x slower), and one window at depth 1 runs 3x fast: each
 * depth's median window ignores them, where a mean would choose depth 1.
 */
static double one_bad_window_each(const struct depth_tuner *t, uint64_t i)
{
	(void)i;
	if (t->skip_left)
		return 1;
	if (t->step == 3) /* the second A */
		return 10;
	if (t->step == 5) /* the third B */
		return 1.0 / 3;
	return 1;
}

static void test_outliers(void)
{
	struct device dev = { 1.25e9, 1e9, one_bad_window_each };
	struct depth_tuner t;

	depth_tuner_init(&t, MAX_DEPTH, 1024, true);
	CHECK_EQ_U64(run(&t, &dev, 1024), MAX_DEPTH);
	CHECK(near(t.choice.rate[0], 1.25e9));
	CHECK(near(t.choice.rate[1], 1e9));
}

/* All completions at one instant: no rate at all, keep the depth. */
static double frozen_clock(const struct depth_tuner *t, uint64_t i)
{
	(void)t;
	(void)i;
	return 0;
}

static void test_no_time(void)
{
	struct device dev = { 1e9, 2e9, frozen_clock };
	struct depth_tuner t;

	depth_tuner_init(&t, MAX_DEPTH, 1024, true);
	CHECK_EQ_U64(run(&t, &dev, 1024), MAX_DEPTH);
	CHECK(t.choice.rate[0] == 0 && t.choice.rate[1] == 0);
}

/* When it does not tune: told not to, nothing to choose, too short. */
static void test_fixed(void)
{
	struct device dev = { 1e9, 2e9, no_load };
	uint64_t span = depth_tuner_probe_chunks(MAX_DEPTH);
	struct depth_tuner t;

	/* Fill, 8 windows of 16 and 4 changes of depth that drain 8 each. */
	CHECK_EQ_U64(span, 8 + 8 * DEPTH_TUNER_WINDOW + 4 * 8);

	depth_tuner_init(&t, MAX_DEPTH, 1024, false);
	CHECK_EQ_U64(run(&t, &dev, 1024), MAX_DEPTH);
	CHECK(!t.choice.tuned && t.choice.fixed_why);
	CHECK(t.choice.fixed_why && !strcmp(t.choice.fixed_why, "fixed"));

	depth_tuner_init(&t, 1, 1024, true);
	CHECK(run(&t, &dev, 1024) == 1);
	CHECK(t.choice.fixed_why && !strcmp(t.choice.fixed_why, "depth 1"));

	depth_tuner_init(&t, MAX_DEPTH, 3 * span - 1, true);
	CHECK_EQ_U64(run(&t, &dev, 3 * span - 1), MAX_DEPTH);
	CHECK(!t.choice.tuned);
	CHECK(t.choice.fixed_why && !strcmp(t.choice.fixed_why, "short copy"));
	CHECK_EQ_U64(t.choice.depth, MAX_DEPTH);

	depth_tuner_init(&t, MAX_DEPTH, 3 * span, true);
	CHECK_EQ_U64(run(&t, &dev, 3 * span), 1);
	CHECK(t.choice.tuned);
}

int main(void)
{
	test_serial_wins();
	test_depth_wins();
	test_margin();
	test_drift();
	test_outliers();
	test_no_time();
	test_fixed();
	CHECK_DONE();
}
