/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pipeline job the simulated-device tests run: two chunks at queue
 * depth 1 with sentinels, so the one slot holds chunk 1's data when
 * chunk 2 is read into it, through a test backend.
 */
#ifndef P2PCP_TEST_TWO_CHUNKS_H
#define P2PCP_TEST_TWO_CHUNKS_H

#include "pipeline.h"

static inline struct pipeline_job
two_chunk_job(void *buf, int fd, const struct ring_backend *be, uint32_t chunk)
{
	struct pipeline_job j = {
		.src_fd = fd,
		.dst_fd = fd,
		.backend = be,
		.length = 2 * (uint64_t)chunk,
		.buf = buf,
		.geometry.chunk_size = chunk,
		.geometry.queue_depth = 1,
		.geometry.align = 512,
		.sentinels = true,
	};

	return j;
}

#endif
