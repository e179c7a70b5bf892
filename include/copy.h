/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The copy as a sequence of phases, below the front-end and above the
 * pipeline (pipeline.h, verify.h, arrival.h):
 *
 *   copy_plan_range()       offsets, length, alignment, tail, overlap
 *   copy_buffer_get()       the buffer (p2pmem or system memory), and
 *                           the slots fitted into what was granted
 *   copy_phase_preflight()  one read per side into p2pmem: the kernel
 *                           accepts the path before anything is written
 *   copy_phase_transfer()   the O_DIRECT part, through the pipeline
 *   copy_phase_flush()      make the copied prefix durable (fdatasync)
 *   copy_phase_tail()       the last partial block of a file, buffered
 *   copy_phase_size()       a whole-file copy: DST ends where SRC does
 *   copy_phase_verify()     read both sides back and compare
 *
 * Each phase returns 0 or a negative errno and records what happened in
 * a struct copy_outcome; none prints.  The front-end turns outcomes into
 * messages (text or JSON).
 */
#ifndef P2PCP_COPY_H
#define P2PCP_COPY_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arrival.h"
#include "depth-tuner.h"
#include "endpoint.h"
#include "nvmeinfo.h"
#include "p2pmem.h"
#include "pcitopo.h"
#include "pipeline.h"

struct passthru_pi;

/* How the data moves between the devices and the buffer. */
enum copy_engine {
	COPY_ENGINE_BLOCK, /* O_DIRECT reads and writes of the block devices */
	COPY_ENGINE_PASSTHRU, /* NVMe commands on /dev/ngXnY (nvme-passthru.h) */
};

/* Why the plan has its engine; the front-end words it. */
enum copy_engine_why {
	ENGINE_WHY_OPTION, /* --engine block or --engine passthru */
	ENGINE_WHY_SYSMEM, /* auto through system memory: the block engine */
	ENGINE_WHY_EXPECT_BLOCK, /* auto's prediction: the block engine */
	/* auto's prediction: SRC's or DST's (engine_side) multipath head */
	ENGINE_WHY_EXPECT_PASSTHRU,
	ENGINE_WHY_BLOCK_TOOK_P2P, /* the preflight: the kernel took P2P pages */
	/* the preflight: engine_side's block device refused (engine_error) */
	ENGINE_WHY_BLOCK_REFUSED,
};

/* What was decided before the copy; also what --dry-run shows. */
struct copy_plan {
	struct endpoint src, dst;
	/* Controller identity from libnvme, when it can tell. */
	struct p2p_nvme_ctrl_desc src_ctrl, dst_ctrl;
	bool have_src_ctrl, have_dst_ctrl;
	uint64_t src_offset, dst_offset, length;
	uint64_t direct_length; /* the O_DIRECT part of the range */
	uint64_t tail; /* bytes after it, copied with buffered I/O */
	/* A whole-file copy sets a file DST's size to SRC's (like cp). */
	bool dst_resize;
	uint64_t dst_new_size;
	bool p2p;
	struct p2pmem_provider provider;
	bool have_verdicts;
	struct p2p_result src_path, dst_path;
	/*
	 * The geometry, fitted once by copy_plan_range() to the range (the
	 * run and --dry-run show the same); its align is the larger O_DIRECT
	 * alignment of SRC and DST.  A provider that grants less than its
	 * buffer_size refits chunk and depth (copy_buffer_get()).
	 */
	struct chunk_geometry geometry;
	char kernel_release[128];
	/* The IOMMUs the kernel lists (/sys/class/iommu), "" if none. */
	char iommu_units[128];
	/* The layer of SRC's storage where the ranges (may) overlap. */
	struct storage_layer overlap_at;
	enum provider_place place; /* the provider relative to SRC and DST */
	enum copy_engine engine;
	bool engine_decided; /* false: auto's prediction, the preflight decides */
	enum copy_engine_why engine_why;
	int engine_side; /* 0: SRC, 1: DST (the head, the refusing side) */
	int engine_error; /* ENGINE_WHY_BLOCK_REFUSED: negative errno */
	uint32_t max_transfer; /* passthrough: bytes per command */
	char max_transfer_reason[320]; /* what limits it */
};

/* The range as the user gave it; NULL strings take the defaults. */
struct copy_request {
	const char *src_offset;
	const char *dst_offset;
	const char *length;
	uint64_t chunk_size;
	/* --chunk-size Ns: N blocks of the plan's alignment (chunk_size 0) */
	uint64_t chunk_blocks;
	uint32_t queue_depth;
	bool fixed_depth; /* --fixed-depth */
};

/* Why copy_plan_range() refused a range; the front-end words it. */
enum plan_reason {
	PLAN_OK = 0,
	PLAN_SRC_OFFSET_SYNTAX, /* not a size */
	PLAN_SRC_OFFSET_RANGE, /* a size, but above 2^63-1 (off_t) */
	PLAN_DST_OFFSET_SYNTAX,
	PLAN_DST_OFFSET_RANGE,
	PLAN_LENGTH_SYNTAX,
	PLAN_LENGTH_RANGE,
	PLAN_SRC_OFFSET_PAST_END, /* --src-offset beyond SRC's size */
	PLAN_PAST_SRC_END, /* offset + length beyond SRC's size */
	PLAN_DST_END_OVERFLOW, /* --dst-offset + length above 2^63-1 */
	PLAN_DST_TOO_SMALL, /* block device DST ends before the range */
	PLAN_DST_OFFSET_PAST_END, /* file DST: a hole before the range */
	PLAN_SRC_OFFSET_UNALIGNED,
	PLAN_DST_OFFSET_UNALIGNED,
	PLAN_TAIL_ON_BLOCK_DST, /* a partial block for a block device */
	PLAN_OVERLAP, /* same storage and the ranges overlap */
	PLAN_OVERLAP_UNKNOWN, /* shared storage, overlap cannot be excluded */
	PLAN_CHUNK_UNALIGNED, /* --chunk-size not a multiple of align */
	PLAN_CHUNK_BLOCKS_TOO_LARGE, /* --chunk-size Ns above COPY_MAX_CHUNK */
};

/* The largest --chunk-size, also when given in blocks. */
#define COPY_MAX_CHUNK (64ULL * 1024 * 1024)

/*
 * Fill @p's range (offsets, length, alignment, tail, chunk size and
 * queue depth) from @rq and the resolved endpoints @p->src and @p->dst.
 * Pure apart from the endpoints' identities: nothing is opened.
 */
enum plan_reason copy_plan_range(const struct copy_request *rq,
				 struct copy_plan *p);

/* The copy buffer: a p2pmem mapping or page-aligned system memory. */
struct copy_buffer {
	struct p2pmem_map map;
	void *sysmem;
	void *addr;
	size_t len;
};

/*
 * Get the buffer for @p (p2pmem of @p->provider when @p->p2p, else
 * system memory; @sysmem forces system memory) and fit @p's chunk size
 * and queue depth into what was granted.  Returns 0 or the negative
 * errno of the allocation (-ENOMEM: exhausted).
 */
int copy_buffer_get(struct copy_plan *p, bool sysmem, struct copy_buffer *b);
void copy_buffer_put(struct copy_buffer *b);
/* The smallest buffer worth mapping for @p: a page or a block. */
size_t copy_buffer_floor(const struct copy_plan *p);
/*
 * The buffer @p asks for: its planned buffer_size once copy_plan_range()
 * has fitted it; before that chunk size x queue depth, but no more than
 * the O_DIRECT part of the range rounded up to the floor, and at least
 * the floor (a chunk below a page is rounded up, never a refusal).
 */
size_t copy_buffer_want(const struct copy_plan *p);

/* What a phase did; the union of all phases' results for one run. */
struct copy_outcome {
	/*
	 * What the pipeline (the transfer) or verify_range (verify) filled in
	 * place, so the front-end reports their own result: bytes [0, done)
	 * of the range copied (verify: found equal), the first failing byte
	 * and side, the error, the sentinels, the ring and the depth.  The
	 * other phases (preflight, tail) record their failures here too.
	 */
	struct pipeline_result pipeline;
	/* Preflight: what the arrival probe found (arrival.h). */
	struct arrival_result arrival;
	bool arrival_checked; /* SRC's peer writes were proven to arrive */
	/* SRC's range holds no data (all holes): nothing could be probed. */
	bool arrival_no_data;
	bool dst_cut; /* a stopped whole-file copy cut DST at done */
	/*
	 * The transfer carried SRC's protection information into DST's
	 * writes, whose controller checked the guard of each block fetched
	 * from the buffer, except @pi_unchecked_blocks whose PI disables
	 * checking (of @pi_written_blocks, each counted once).
	 */
	bool pi_carried;
	unsigned int pi_type;
	uint64_t pi_written_blocks, pi_unchecked_blocks;
	bool mismatch; /* verify: the sides differ */
	uint64_t mismatch_offset; /* and where, relative to the range */
};

/*
 * Switches for the test suites only (P2PCP_TESTING, p2pcp(1) TESTING):
 * they can weaken the loss checks to show what the others catch, or
 * simulate a loss; none can make a copy report success it did not have
 * without also turning the checks off.
 */
struct copy_testing {
	uint64_t lose_chunk; /* pipeline test seam: chunk N's read is lost */
	bool no_sentinels; /* no per-chunk arrival sentinels */
	bool no_arrival_check; /* no arrival probe in the preflight */
	bool no_fabric_watch; /* no AER counters, no kernel log (p2pcp) */
	/* pipeline test seam: chunk N is changed in the buffer (PI copies only) */
	uint64_t corrupt_chunk;
};

/*
 * One copy in progress: the plan (whose endpoints hold the descriptors
 * opened once, SRC for reading, DST for reading and writing) and the
 * buffer.
 */
struct copy_session {
	struct copy_plan *plan;
	/*
	 * NULL: the endpoints' own descriptors with block I/O.  Else the
	 * passthrough backend and its descriptors (the char devices; DST's
	 * read-write) and per-side contexts.
	 */
	const struct ring_backend *backend;
	int io_fd[2];
	const void *src_ctx, *dst_ctx;
	/* Passthrough on PI namespaces: the carried PI's buffer, else NULL. */
	struct passthru_pi *pi;
	struct copy_testing testing;
	struct copy_buffer buf;
	volatile sig_atomic_t *stop;
	volatile sig_atomic_t *progress_request;
	pipeline_progress_fn progress;
	void *progress_data;
	double progress_interval;
};

/*
 * O_DIRECT on (the transfer, the preflight, verify) or off (the tail) on
 * both descriptors; @side names the one that refused.  The phases switch
 * it themselves; the front-end calls it once first to learn that both
 * sides take O_DIRECT at all.
 */
int copy_direct_io(const struct copy_plan *p, bool on, enum copy_side *side);

/*
 * Before the first write of a P2P copy, prove the path moves data
 * (arrival_check): the kernel maps p2pmem for both devices, or
 * refuses here (EREMOTEIO); SRC's peer writes arrive in the buffer, or
 * they are lost (-EPROTO, @out->lost); DST gets the buffer's data.  On
 * failure @out->fail_side names the side and @out->arrival has the
 * details; DST is as it was.
 */
int copy_phase_preflight(const struct copy_session *s,
			 struct copy_outcome *out);
/*
 * After the copy: cut a file DST to SRC's size as planned (dst_resize);
 * the writes themselves grew it, so a size limit shows at its byte.
 */
int copy_phase_size(const struct copy_session *s);
/* Copy the O_DIRECT part of the range. */
int copy_phase_transfer(const struct copy_session *s, struct copy_outcome *out);
/* Make what DST received so far durable. */
int copy_phase_flush(const struct copy_session *s);
/* Copy the final partial block of a file with buffered I/O. */
int copy_phase_tail(const struct copy_session *s, struct copy_outcome *out);
/*
 * After a copy that stopped before its end (error or signal), so that
 * the resume it prints does what the copy would have: @out->done is
 * rounded down to the plan's alignment (a resume offset p2pcp accepts;
 * the bytes past it are copied again), and a file DST that was to
 * become SRC's size (dst_resize) is cut there, so that the ranged
 * resume ends it where SRC ends (@out->dst_cut).  0 or the negative
 * errno of cutting.
 */
int copy_phase_stopped(const struct copy_session *s, struct copy_outcome *out);

enum verify_buffer {
	VERIFY_IN_P2PMEM, /* read back through the p2pmem buffer */
	VERIFY_IN_SYSMEM, /* through a separate system-memory buffer */
};
/*
 * Read the whole range back from both sides and compare.  Returns 0
 * (equal), 1 (they differ: @out->mismatch_offset) or a negative errno
 * (@out->fail_side, @out->fail_offset).
 */
int copy_phase_verify(const struct copy_session *s, enum verify_buffer where,
		      struct copy_outcome *out);

#endif
