/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The copy pipeline: O_DIRECT reads and writes through io_uring, with
 * several chunks in flight carved out of one buffer (p2pmem or system
 * memory), so reading the next chunk overlaps writing the last; per
 * chunk sentinels catch data that never arrived, and a failure is
 * narrowed to its exact byte.  The job and result types are shared by
 * the passes that check a copy (verify.h, arrival.h).
 */
#ifndef P2PCP_PIPELINE_H
#define P2PCP_PIPELINE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "depth-tuner.h"
#include "ring.h"

struct pipeline_progress {
	uint64_t done; /* contiguous bytes completed from the start */
	uint64_t total;
	double elapsed;
};

typedef void (*pipeline_progress_fn)(const struct pipeline_progress *p,
				     void *data);

/*
 * How a copy is cut into chunks: one value, which the plan owns
 * (copy_plan_range() fits it, copy_buffer_get() refits it to a smaller
 * grant; copy.h) and the jobs of the transfer, verify and the probe
 * carry as a whole instead of field by field.
 */
struct chunk_geometry {
	uint32_t chunk_size; /* bytes per I/O, a multiple of @align */
	/* Chunks in flight: throughout, or at most when the depth is tuned. */
	uint32_t queue_depth;
	uint32_t align; /* the O_DIRECT granularity of both sides */
	/* The buffer to ask for: at least @chunk_size x @queue_depth. */
	size_t buffer_size;
	bool fixed_depth; /* --fixed-depth: @queue_depth throughout */
	/* The copy may settle at depth 1 (depth-tuner.h); the plan says so. */
	bool depth_may_tune;
};

struct pipeline_job {
	int src_fd; /* opened O_DIRECT */
	int dst_fd; /* opened O_DIRECT; read too by verify and the probe */
	const struct ring_backend *backend; /* NULL: block (read/write) */
	const void *src_ctx, *dst_ctx; /* handed to the backend per side */
	uint64_t src_offset;
	uint64_t dst_offset;
	uint64_t length;
	void *buf; /* @geometry's queue_depth * chunk_size bytes */
	struct chunk_geometry geometry; /* @length is a multiple of its align */
	/*
	 * @buf is physically contiguous (p2pmem): the backend's
	 * max_transfer_contiguous applies to commands into it.
	 */
	bool buf_contiguous;
	/*
	 * Keep fewer than queue_depth chunks in flight when the devices
	 * reward it, as measured during the copy (depth-tuner.h); false:
	 * queue_depth throughout.  The pipeline reads this, not the
	 * geometry's fixed_depth, so that a test's job can tune alone.
	 */
	bool tune_depth;
	/*
	 * @buf is peer-to-peer memory: before each read into it, the CPU
	 * plants sentinels (per-chunk nonce) that the read must overwrite;
	 * a survivor means the data never arrived and the copy stops
	 * (-EPROTO, pipeline_result.lost).  All CPU accesses to @buf are then
	 * aligned 8-byte loads and stores.
	 */
	bool sentinels;
	/*
	 * Test seam, for the test suites only: chunk number N (1-based)
	 * of the copy is "read" by a no-op that completes with success and
	 * moves no data, which is what a read whose peer-to-peer writes
	 * the fabric dropped looks like.  Honoured only with @sentinels,
	 * so it can make a copy fail but never make it silently wrong.
	 */
	uint64_t test_lose_chunk;
	/* Test seam: the depth tuner's clock (NULL: the monotonic clock). */
	double (*tuner_clock)(void);
	/*
	 * The backend carries SRC's protection information into DST's
	 * writes with guard checking (nvme-passthru.h, struct passthru_pi):
	 * DST's controller checks every block it fetches from @buf.
	 */
	bool pi_guarded;
	/*
	 * Test seam, for the test suites only: after chunk number N
	 * (1-based) has been read, and before it is written, the CPU
	 * changes one word of it in the buffer: a partial loss that
	 * sentinels do not see.  Honoured only with @pi_guarded, where DST's
	 * guard check must turn it into a write error.
	 */
	uint64_t test_corrupt_chunk;
	/* Set asynchronously (signal handlers): stop, drain, return. */
	volatile sig_atomic_t *stop;
	/* Polled between completions to print progress. */
	volatile sig_atomic_t *progress_request;
	pipeline_progress_fn progress;
	void *progress_data;
	/* Seconds between progress calls; 0: only on *progress_request. */
	double progress_interval;
};

/* The side of the copy an error belongs to: READ is SRC, WRITE is DST. */
enum copy_side { COPY_SIDE_NONE, COPY_SIDE_READ, COPY_SIDE_WRITE };

struct pipeline_result {
	/* Bytes [0, done) of the range are copied (written by the kernel). */
	uint64_t done;
	/* On failure: the first byte (relative to the range) that failed. */
	uint64_t fail_offset;
	enum copy_side fail_side;
	int error; /* negative errno of the failing I/O, 0 if none */
	uint32_t nvme_status; /* raw NVMe status of that I/O (passthrough) */
	bool stopped; /* *stop was raised */
	bool unexpected_eof; /* the source ended before the range did */
	/*
	 * The read of the chunk at fail_offset completed with success but
	 * its data did not arrive in the buffer (a sentinel survived):
	 * peer-to-peer writes were dropped.  error is -EPROTO.
	 */
	bool lost;
	bool sentinels; /* every chunk written was checked for arrival */
	bool fixed_buffers; /* the buffer was registered with io_uring */
	const char *ring_setup; /* ring_setup_name() of the copy's ring */
	/* verify_range: reads into p2pmem were poisoned first (see there). */
	bool poisoned;
	double seconds;
	/*
	 * Of @seconds, the time spent planting and checking sentinels: the
	 * arrival check's cost on the copy's critical path, an upper bound
	 * on what it takes from the throughput (I/O stays in flight then).
	 */
	double sentinel_seconds;
	struct depth_choice depth; /* chunks in flight: how it was chosen */
};

/* Returns 0, or the negative errno that ended the copy (also in @res). */
int pipeline_run(const struct pipeline_job *job, struct pipeline_result *res);

/* Commands in flight at most, over all slots (the ring's size). */
#define PIPELINE_MAX_COMMANDS 4096u

/* Bytes per command into @job's buffer through @be. */
uint32_t pipeline_piece_max(const struct pipeline_job *job,
			    const struct ring_backend *be);
/*
 * Commands a slot has in flight at once: all of a chunk's pieces, or
 * PIPELINE_MAX_COMMANDS / queue_depth of them (at least one) when that is
 * fewer.  @job's chunk size is not 0 (pipeline_chunks_make() refuses it).
 */
uint32_t pipeline_pieces_per_slot(const struct pipeline_job *job,
				  uint32_t piece_max);

/* Split a byte range into chunks; exposed for unit tests. */
struct pipeline_chunks {
	uint64_t length;
	uint32_t chunk_size;
	uint64_t count; /* number of chunks */
	uint32_t last; /* size of the final chunk */
};

int pipeline_chunks_make(uint64_t length, uint32_t chunk_size, uint32_t align,
			 struct pipeline_chunks *plan);

#endif
