// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * p2pcp's words for a failed copy (src/p2pcp-print-text.c, linked in):
 * a command the kernel kept cancelling says so and how often, not
 * strerror(ETIMEDOUT)'s "Connection timed out"; a guard check error on
 * DST's write of a copy that carried protection information says what it
 * means, with the range copied.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "p2pcp.h"
#include "ring.h"

static void plan_for(struct copy_plan *p)
{
	memset(p, 0, sizeof(*p));
	p->src.path = "/dev/nvme0n1";
	p->dst.path = "/dev/nvme1n1";
	p->src.dio_align = p->dst.dio_align = 512;
	p->src.disk.logical_block_size = p->dst.disk.logical_block_size = 512;
	p->length = 8 << 20;
	p->dst_offset = 16 << 20;
}

static void test_timeout(void)
{
	struct copy_outcome r = { .pipeline.error = -ETIMEDOUT,
				  .pipeline.fail_side = COPY_SIDE_READ,
				  .pipeline.fail_offset = 4096,
				  .pipeline.done = 4096 };
	struct copy_plan p;
	char want[160];

	plan_for(&p);
	CHECK_EQ_U64(report_copy_failure(&p, &r), EXIT_IO);
	snprintf(
		want, sizeof(want),
		"read error on SRC /dev/nvme0n1 at byte 4096 (block 8): the kernel cancelled the command %d times in a row",
		RING_CANCELLED_TRIES + 1);
	if (!strstr(fail_message(), want))
		fprintf(stderr, "got: %s\n", fail_message());
	CHECK(strstr(fail_message(), want) != NULL);
	CHECK(!strstr(fail_message(), "Connection timed out"));
}

static void test_guard(void)
{
	struct copy_outcome r = { .pipeline.error = -EILSEQ,
				  .pipeline.nvme_status = 0x282,
				  .pipeline.fail_side = COPY_SIDE_WRITE,
				  .pipeline.fail_offset = 2621440,
				  .pipeline.done = 2621440,
				  .pi_carried = true };
	struct copy_plan p;
	const char *want =
		"write error on DST /dev/nvme1n1 at byte 19398656 (block 37888): End-to-end Guard Check Error (NVMe status 0x282, LBA 37888): DST's controller found that the block it fetched from the buffer does not match SRC's guard";

	plan_for(&p);
	CHECK_EQ_U64(report_copy_failure(&p, &r), EXIT_IO);
	if (!strstr(fail_message(), want))
		fprintf(stderr, "got: %s\n", fail_message());
	CHECK(strstr(fail_message(), want) != NULL);
	CHECK(strstr(fail_message(),
		     "copied SRC bytes [0, 2621440) to DST bytes [16777216, 19398656)") !=
	      NULL);
	/* Without PI carried: the status by name, no claim about a guard. */
	r.pi_carried = false;
	report_copy_failure(&p, &r);
	CHECK(!strstr(fail_message(), "SRC's guard"));
	fail_clear();
}

int main(void)
{
	test_timeout();
	test_guard();
	CHECK_DONE();
}
