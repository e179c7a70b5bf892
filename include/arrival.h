/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The arrival probe: before anything is written, prove on one block
 * that the copy's path moves data, both SRC's writes into the buffer
 * and DST's reads from it.
 */
#ifndef P2PCP_ARRIVAL_H
#define P2PCP_ARRIVAL_H

#include <stdbool.h>
#include <stdint.h>

#include "pipeline.h"

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
int arrival_check(const struct pipeline_job *job, struct arrival_result *out);

#endif
