/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Verification: read the range just copied back from both sides and
 * compare, through system memory (the ground truth) or through the
 * copy's own buffer with poisoned reads.
 */
#ifndef P2PCP_VERIFY_H
#define P2PCP_VERIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "pipeline.h"

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
int verify_range(const struct pipeline_job *job, bool through_buf,
		 uint64_t *mismatch, struct pipeline_result *res);

#endif
