// SPDX-License-Identifier: GPL-2.0-or-later
/* Chunk planning and the pipeline's scheduling on a pipe-free regular file. */
#include <errno.h>

#include "check.h"
#include "pipeline.h"
#include "util.h"

int main(void)
{
	struct pipeline_chunks p;

	CHECK(pipeline_chunks_make(10 * MIB, MIB, 512, &p) == 0);
	CHECK_EQ_U64(p.count, 10);
	CHECK_EQ_U64(p.last, MIB);

	CHECK(pipeline_chunks_make(10 * MIB + 4096, MIB, 4096, &p) == 0);
	CHECK_EQ_U64(p.count, 11);
	CHECK_EQ_U64(p.last, 4096);

	CHECK(pipeline_chunks_make(512, MIB, 512, &p) == 0);
	CHECK_EQ_U64(p.count, 1);
	CHECK_EQ_U64(p.last, 512);

	CHECK(pipeline_chunks_make(0, MIB, 512, &p) == 0);
	CHECK_EQ_U64(p.count, 0);

	/* Chunks and lengths must be whole blocks. */
	CHECK(pipeline_chunks_make(1000, MIB, 512, &p) == -EINVAL);
	CHECK(pipeline_chunks_make(MIB, 1000, 512, &p) == -EINVAL);
	CHECK(pipeline_chunks_make(MIB, 0, 512, &p) == -EINVAL);
	CHECK(pipeline_chunks_make(MIB, 4096, 0, &p) == -EINVAL);
	CHECK_DONE();
}
