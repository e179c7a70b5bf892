// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The copy's depth, chosen by what the devices reward (depth-tuner.h).
 *
 * Candidates: the full depth and 1.  Depth 1 is what wins where
 * concurrency loses (a serial reader and writer, dd's pattern); where
 * depth pays, the full depth is at least as good as anything between.
 * Schedule: windows in the order A B B A A B B A, and each candidate's
 * rate is its median window, so a steady drift of the machine's load
 * favours neither and one window that another process preempted does
 * not decide.  After a change of
 * depth the chunks started under the old one still complete: the first
 * completions after a change are not measured.
 */
#include <stddef.h>

#include "depth-tuner.h"

/* The copy must be this many times longer than its probing. */
#define PROBE_SHARE_MAX 3

static uint32_t candidates(uint32_t max_depth, uint32_t *out)
{
	uint32_t n = 0;

	out[n++] = max_depth;
	if (max_depth > 1)
		out[n++] = 1;
	return n;
}

/* The candidate window @step runs: A B B A, repeated. */
static uint32_t step_candidate(uint32_t step, uint32_t n)
{
	uint32_t in_pass = step % (2 * n);

	return in_pass < n ? in_pass : 2 * n - 1 - in_pass;
}

/* Completions to ignore when going from depth @from to @to. */
static uint32_t drain_count(uint32_t from, uint32_t to)
{
	if (from == to)
		return 0;
	return from > to ? from : to;
}

uint64_t depth_tuner_probe_chunks(uint32_t max_depth)
{
	uint32_t cand[DEPTH_TUNER_CANDIDATES];
	uint32_t n = candidates(max_depth, cand), step, prev = max_depth;
	/* The pipeline's first chunks fill it: as many as a change. */
	uint64_t total = max_depth;

	for (step = 0; step < n * DEPTH_TUNER_WINDOWS; step++) {
		uint32_t d = cand[step_candidate(step, n)];

		if (step)
			total += drain_count(prev, d);
		total += DEPTH_TUNER_WINDOW;
		prev = d;
	}
	return total;
}

const char *depth_tuner_fixed_why(uint32_t max_depth, uint64_t chunks,
				  bool tune)
{
	if (!tune)
		return "fixed";
	if (max_depth < 2)
		return "depth 1";
	if (chunks < PROBE_SHARE_MAX * depth_tuner_probe_chunks(max_depth))
		return "short copy";
	return NULL;
}

void depth_tuner_init(struct depth_tuner *t, uint32_t max_depth,
		      uint64_t chunks, bool tune)
{
	*t = (struct depth_tuner){ 0 };
	t->depth = max_depth;
	t->choice.depth = max_depth;
	t->window = DEPTH_TUNER_WINDOW;
	t->choice.ncandidates = candidates(max_depth, t->choice.candidate);
	t->choice.fixed_why = depth_tuner_fixed_why(max_depth, chunks, tune);
	if (t->choice.fixed_why)
		return;
	t->nsteps = t->choice.ncandidates * DEPTH_TUNER_WINDOWS;
	t->skip_left = max_depth;
	t->window_left = t->window;
}

static double median(double *v, uint32_t n)
{
	uint32_t i, j;
	double x;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
			x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Depth 1 only if it beats the full depth by the margin. */
static void settle(struct depth_tuner *t)
{
	struct depth_choice *c = &t->choice;
	uint32_t i;

	for (i = 0; i < c->ncandidates; i++)
		c->rate[i] = median(t->window_rate[i], t->measured[i]);
	c->depth = c->candidate[0];
	for (i = 1; i < c->ncandidates; i++)
		if (c->rate[i] > c->rate[0] * (1 + DEPTH_TUNER_MARGIN))
			c->depth = c->candidate[i];
	c->tuned = true;
	t->depth = c->depth;
}

uint32_t depth_tuner_chunk_done(struct depth_tuner *t, uint32_t bytes,
				double now)
{
	uint32_t n = t->choice.ncandidates, cur, next;

	if (t->step >= t->nsteps)
		return t->depth;
	if (t->skip_left) {
		/* The window starts at the last chunk of the old depth. */
		if (--t->skip_left == 0) {
			t->window_start = now;
			t->window_bytes = 0;
		}
		return t->depth;
	}
	t->window_bytes += bytes;
	if (--t->window_left)
		return t->depth;
	cur = step_candidate(t->step, n);
	/* A window timed at zero (one batch of completions) counts as 0. */
	t->window_rate[cur][t->measured[cur]++] =
		now > t->window_start ?
			t->window_bytes / (now - t->window_start) :
			0;
	if (++t->step == t->nsteps) {
		settle(t);
		return t->depth;
	}
	next = step_candidate(t->step, n);
	t->skip_left = drain_count(t->choice.candidate[cur],
				   t->choice.candidate[next]);
	t->window_left = t->window;
	t->window_start = now;
	t->window_bytes = 0;
	t->depth = t->choice.candidate[next];
	return t->depth;
}
