/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The copy engine: O_DIRECT reads and writes through io_uring, with
 * several chunks in flight carved out of one buffer (p2pmem or system
 * memory), so reading the next chunk overlaps writing the last.
 *
 * Every I/O the engine does (copy, verify, arrival probe, narrowing a
 * failure to its block) goes through one I/O backend, so a backend
 * other than plain block reads and writes (NVMe passthrough) gets the
 * same guarantees: exact failing bytes, lost-data detection, verify.
 */
#ifndef P2PCP_ENGINE_H
#define P2PCP_ENGINE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct io_uring_sqe;
struct io_uring_cqe;

/* How one transfer becomes an SQE and its CQE a byte count. */
struct copy_backend {
	const char *name; /* "block", "passthru" */
	/* Extra io_uring setup flags, e.g. IORING_SETUP_SQE128|CQE32. */
	unsigned int ring_flags;
	/*
	 * Fill @sqe for one transfer of @len bytes at byte offset @off
	 * (relative to the device or file) of @fd; @write: from @buf to
	 * @fd.  @side_ctx is the job's src_ctx or dst_ctx for @fd.
	 */
	void (*prep)(struct io_uring_sqe *sqe, int fd, const void *side_ctx,
		     bool write, void *buf, uint32_t len, uint64_t off);
	/*
	 * A completion of a @len-byte transfer -> bytes transferred (> 0,
	 * may be short), 0 for end of file, or a negative errno.  A
	 * passthrough backend maps a positive NVMe status to a negative
	 * errno and stores the raw status in *@status (left 0 otherwise).
	 */
	int (*complete)(const struct io_uring_cqe *cqe, const void *side_ctx,
			uint32_t len, uint32_t *status);
	/* Bytes per command, 0 = no limit (the engine splits chunks). */
	uint32_t max_transfer;
	/* The buffer may be registered with io_uring (fixed buffer 0)... */
	bool allow_fixed_buffers;
	/* ...and this turns a prepared SQE into one that uses it. */
	void (*use_fixed)(struct io_uring_sqe *sqe, bool write,
			  unsigned int buf_index);
};

/* O_DIRECT read(2)/write(2) semantics on files and block devices. */
extern const struct copy_backend copy_backend_block;

struct copy_progress {
	uint64_t done; /* contiguous bytes completed from the start */
	uint64_t total;
	double elapsed;
};

typedef void (*copy_progress_fn)(const struct copy_progress *p, void *data);

struct copy_job {
	int src_fd; /* opened O_DIRECT */
	int dst_fd; /* opened O_DIRECT; read too by verify and the probe */
	const struct copy_backend *backend; /* NULL: block (read/write) */
	const void *src_ctx, *dst_ctx; /* handed to the backend per side */
	uint64_t src_offset;
	uint64_t dst_offset;
	uint64_t length; /* multiple of @align */
	void *buf; /* @queue_depth * @chunk_size bytes */
	uint32_t chunk_size;
	uint32_t queue_depth;
	uint32_t align; /* O_DIRECT granularity */
	/*
	 * @buf is peer-to-peer memory: before each read into it, the CPU
	 * plants sentinels (per-chunk nonce) that the read must overwrite;
	 * a survivor means the data never arrived and the copy stops
	 * (-EPROTO, copy_result.lost).  All CPU accesses to @buf are then
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
	/* copy_verify: reads into p2pmem were poisoned first (see there). */
	bool poisoned;
	double seconds;
	/*
	 * Of @seconds, the time spent planting and checking sentinels: the
	 * arrival check's cost on the copy's critical path, an upper bound
	 * on what it takes from the throughput (I/O stays in flight then).
	 */
	double sentinel_seconds;
};

/* Returns 0, or the negative errno that ended the copy (also in @res). */
int copy_run(const struct copy_job *job, struct copy_result *res);

/*
 * Compare the range just copied, piece by piece, through the job's
 * backend.  @through_buf: read both sides into @buf (p2pmem, the path
 * the copy used), each read preceded by poisoning the piece with a
 * nonce of its own side, so a read whose data never arrives cannot
 * compare equal; device-safe loads copy the piece out.  Otherwise both
 * sides are read into system memory (the ground truth) and @buf is not
 * used.  Returns 0 (equal), 1 (differ, *mismatch set to the first
 * differing byte relative to the range) or a negative errno, with
 * res->fail_side naming the side whose read failed (-EPROTO and
 * res->lost: its data did not arrive).
 */
int copy_verify(const struct copy_job *job, bool through_buf,
		uint64_t *mismatch, struct copy_result *res);

enum arrival_verdict {
	ARRIVAL_OK, /* the block arrived and equals the system-memory read */
	ARRIVAL_LOST, /* every poison word survived: nothing arrived */
	ARRIVAL_PARTIAL, /* some poison words survived */
	ARRIVAL_MISMATCH, /* data arrived but differs from the ground truth */
	ARRIVAL_IO_ERROR, /* an I/O failed (error, e.g. -EREMOTEIO) */
};

struct arrival_result {
	enum arrival_verdict verdict;
	/* READ: SRC's writes into the buffer; WRITE: DST's reads from it. */
	enum copy_side side;
	int error; /* negative errno of a failed I/O */
	uint32_t nvme_status; /* raw NVMe status of that I/O (passthrough) */
	uint32_t words; /* 8-byte words in the probe block */
	uint32_t poison_left; /* of them, still holding the poison */
	bool src_checked; /* SRC's peer writes were proven to arrive */
	bool dst_checked; /* DST's peer reads were proven to deliver */
	/* DST's first block could not be put back after a failed check. */
	bool dst_not_restored;
};

/*
 * Before anything is written: prove that the copy's path moves data.
 * 1. Read DST's first block into system memory (to restore it later).
 * 2. Poison @buf's first block with a per-run nonce, read SRC's first
 *    block into it through the backend (a kernel refusal fails here,
 *    -EREMOTEIO), read the same block into system memory, compare:
 *    "lost" if the poison survived.
 * 3. Only if 2 passed: write that block (SRC's own first block, which
 *    the copy puts there anyway) from @buf to DST (the kernel's verdict
 *    for DST), read it back into system memory, compare; on a failure
 *    DST's block is restored from the copy taken in step 1.  Skipped
 *    when DST is a file that ends before that block.
 * @job->dst_fd must be readable.  Returns 0 (out->verdict tells) or a
 * negative errno for a failure of the probe itself (memory, ring).
 */
int copy_check_arrival(const struct copy_job *job, struct arrival_result *out);

/*
 * io_uring usable at all (seccomp, kernel.io_uring_disabled, ENOSYS,
 * memlock)?  Sets up a ring with @backend's flags (NULL: block) and
 * completes one no-op.  Returns 0 or the negative errno.
 */
int copy_ring_probe(const struct copy_backend *backend);

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
