/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The copy engine: O_DIRECT reads and writes through io_uring, with
 * several chunks in flight carved out of one buffer (p2pmem or system
 * memory), so reading the next chunk overlaps writing the last.
 */
#ifndef P2PCP_ENGINE_H
#define P2PCP_ENGINE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct copy_progress {
	uint64_t done; /* contiguous bytes completed from the start */
	uint64_t total;
	double elapsed;
};

typedef void (*copy_progress_fn)(const struct copy_progress *p, void *data);

struct copy_job {
	int src_fd; /* opened O_DIRECT */
	int dst_fd; /* opened O_DIRECT */
	uint64_t src_offset;
	uint64_t dst_offset;
	uint64_t length; /* multiple of @align */
	void *buf; /* @queue_depth * @chunk_size bytes */
	uint32_t chunk_size;
	uint32_t queue_depth;
	uint32_t align; /* O_DIRECT granularity */
	/* Set asynchronously (signal handlers): stop, drain, return. */
	volatile sig_atomic_t *stop;
	/* Polled between completions to print progress. */
	volatile sig_atomic_t *progress_request;
	copy_progress_fn progress;
	void *progress_data;
	/* Seconds between progress calls; 0: only on *progress_request. */
	double progress_interval;
};

enum copy_side { COPY_SIDE_NONE, COPY_SIDE_READ, COPY_SIDE_WRITE };

struct copy_result {
	/* Bytes [0, done) of the range are copied (written by the kernel). */
	uint64_t done;
	/* On failure: the first byte (relative to the range) that failed. */
	uint64_t fail_offset;
	enum copy_side fail_side;
	int error; /* negative errno of the failing I/O, 0 if none */
	bool stopped; /* *stop was raised */
	bool unexpected_eof; /* the source ended before the range did */
	bool fixed_buffers; /* the buffer was registered with io_uring */
	double seconds;
};

/* Returns 0, or the negative errno that ended the copy (also in @res). */
int copy_run(const struct copy_job *job, struct copy_result *res);

/*
 * Compare the range just copied: read both sides chunk by chunk into
 * @buf (split in two halves) and compare.  @buf_is_p2pmem selects
 * device-safe loads.  Returns 0 (equal), 1 (differ, *mismatch set to
 * the first differing byte relative to the range) or a negative errno.
 */
int copy_verify(const struct copy_job *job, bool buf_is_p2pmem,
		uint64_t *mismatch, struct copy_result *res);

/* Split a byte range into chunks; exposed for unit tests. */
struct chunk_plan {
	uint64_t length;
	uint32_t chunk_size;
	uint64_t count; /* number of chunks */
	uint32_t last; /* size of the final chunk */
};

int chunk_plan_make(uint64_t length, uint32_t chunk_size, uint32_t align,
		    struct chunk_plan *plan);

#endif
