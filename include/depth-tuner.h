/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * How many chunks a copy keeps in flight, chosen during the copy by
 * what the devices reward.  Fast devices (NVMe, RAM) reward depth; a
 * throttled virtual disk can reward a serial reader and writer instead
 * (issue 21: dd at queue depth 1 beat fio at 16 there).  The pipeline
 * starts at its full depth and offers each completed chunk to the
 * tuner, which answers how many chunks to keep in flight from then on:
 * it runs the copy alternately at the full depth and at depth 1 (a
 * serial reader and writer, as dd is) for windows of chunks, in the
 * order A B B A A B B A (so a steady drift of the machine's load favours
 * neither), takes each one's median window, and settles on the faster.
 *
 * The tuner only decides; it reads no clock (the caller hands in the
 * time), so its decisions can be checked with made-up timings.  Fewer
 * chunks in flight never changes what a chunk does: the pipeline's
 * ordering, sentinels and failure reporting do not depend on it.
 */
#ifndef P2PCP_DEPTH_TUNER_H
#define P2PCP_DEPTH_TUNER_H

#include <stdbool.h>
#include <stdint.h>

#define DEPTH_TUNER_CANDIDATES 2
/* Windows measured per candidate. */
#define DEPTH_TUNER_WINDOWS 4

/* The outcome, for the JSON summary. */
struct depth_choice {
	bool tuned; /* probed and chose; false: ran at the full depth */
	/* Not tuned: "fixed" (the caller said so), "depth 1", "short copy". */
	const char *fixed_why;
	uint32_t depth; /* chosen (the full depth when not tuned) */
	uint32_t ncandidates;
	uint32_t candidate[DEPTH_TUNER_CANDIDATES]; /* deepest first */
	double rate[DEPTH_TUNER_CANDIDATES]; /* bytes/s: median window */
};

struct depth_tuner {
	struct depth_choice choice;
	uint32_t depth; /* the depth asked for now */
	uint32_t step; /* position in the probing schedule */
	uint32_t nsteps; /* windows in all; step == nsteps: settled */
	uint32_t skip_left; /* completions still from the previous depth */
	uint32_t window_left; /* completions left in the current window */
	uint32_t window; /* completions per window */
	double window_start; /* time the window's first completion counted */
	uint64_t window_bytes;
	/* Per candidate: the windows measured so far, and their rates. */
	uint32_t measured[DEPTH_TUNER_CANDIDATES];
	double window_rate[DEPTH_TUNER_CANDIDATES][DEPTH_TUNER_WINDOWS];
};

/* Chunks measured per probing window (after the previous depth drains). */
#define DEPTH_TUNER_WINDOW 16u
/* Depth 1 must beat the full depth by this much to be chosen. */
#define DEPTH_TUNER_MARGIN 0.05

/*
 * Set up for a copy of @chunks chunks at most @max_depth in flight.
 * @tune false (the user fixed the depth) or a copy too short to pay for
 * the probing keeps @max_depth throughout.
 */
void depth_tuner_init(struct depth_tuner *t, uint32_t max_depth,
		      uint64_t chunks, bool tune);

/*
 * Why a copy of @chunks chunks at most @max_depth in flight runs at that
 * depth throughout ("fixed", "depth 1", "short copy"), or NULL when the
 * tuner will probe (the plan says so before the copy starts).
 */
const char *depth_tuner_fixed_why(uint32_t max_depth, uint64_t chunks,
				  bool tune);

/* Chunks the probing takes at most, for @max_depth (tests, docs). */
uint64_t depth_tuner_probe_chunks(uint32_t max_depth);

/*
 * A chunk of @bytes finished at time @now (seconds, any fixed origin):
 * returns the number of chunks to keep in flight from now on.
 */
uint32_t depth_tuner_chunk_done(struct depth_tuner *t, uint32_t bytes,
				double now);

#endif
