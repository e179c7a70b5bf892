// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ring setup's fallback for kernels older than 6.0, which refuse
 * IORING_SETUP_SINGLE_ISSUER (and before 5.19 COOP_TASKRUN) with
 * EINVAL: the ring is set up again with the backend's own flags only,
 * and any other refusal is reported as it is.  io_uring_queue_init is
 * wrapped at link time to play such a kernel on this one.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "arrival.h"
#include "pipeline.h"
#include "verify.h"

enum kernel_mode {
	KERNEL_NEW, /* takes every flag */
	KERNEL_OLD, /* EINVAL for SINGLE_ISSUER or COOP_TASKRUN */
	KERNEL_NO_URING, /* ENOSYS for everything */
};

static enum kernel_mode mode;
static unsigned int calls, flags_seen[4];

int __real_io_uring_queue_init(unsigned int entries, struct io_uring *ring,
			       unsigned int flags);
int __wrap_io_uring_queue_init(unsigned int entries, struct io_uring *ring,
			       unsigned int flags);

int __wrap_io_uring_queue_init(unsigned int entries, struct io_uring *ring,
			       unsigned int flags)
{
	const unsigned int newer = IORING_SETUP_SINGLE_ISSUER |
				   IORING_SETUP_COOP_TASKRUN;

	if (calls < 4)
		flags_seen[calls] = flags;
	calls++;
	if (mode == KERNEL_NO_URING)
		return -ENOSYS;
	if (mode == KERNEL_OLD && (flags & newer))
		return -EINVAL;
	return __real_io_uring_queue_init(entries, ring, flags);
}

static int probe_as(enum kernel_mode m)
{
	mode = m;
	calls = 0;
	memset(flags_seen, 0, sizeof(flags_seen));
	return ring_probe(NULL);
}

/*
 * Without a ring, the copy, the verification and the arrival probe
 * each return the setup's error, having moved nothing.
 */
static void no_ring_no_io(void)
{
	static char buf[4 * 4096] __attribute__((aligned(4096)));
	struct pipeline_job job = {
		.chunk_size = 4096,
		.queue_depth = 4,
		.align = 4096,
		.length = 4 * 4096,
		.buf = buf,
	};
	struct arrival_result ar;
	struct pipeline_result res;
	uint64_t mismatch;

	job.src_fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	job.dst_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	CHECK(job.src_fd >= 0 && job.dst_fd >= 0);
	mode = KERNEL_NO_URING;
	CHECK_EQ_U64(-pipeline_run(&job, &res), ENOSYS);
	CHECK_EQ_U64(res.done, 0);
	CHECK_EQ_U64(-verify_range(&job, true, &mismatch, &res), ENOSYS);
	CHECK_EQ_U64(-verify_range(&job, false, &mismatch, &res), ENOSYS);
	CHECK_EQ_U64(-arrival_check(&job, &ar), ENOSYS);
	mode = KERNEL_NEW;
	close(job.src_fd);
	close(job.dst_fd);
}

int main(void)
{
	const unsigned int newer = IORING_SETUP_SINGLE_ISSUER |
				   IORING_SETUP_COOP_TASKRUN;
	int ret;

	ret = probe_as(KERNEL_NEW);
	if (ret) {
		fprintf(stderr, "io_uring unusable here: %s\n", strerror(-ret));
		return T_EXIT_SKIP;
	}
	CHECK_EQ_U64(calls, 1);
	CHECK((flags_seen[0] & newer) == newer);

	/* An old kernel: set up again without the newer flags, and used. */
	CHECK_EQ_U64(-probe_as(KERNEL_OLD), 0);
	CHECK_EQ_U64(calls, 2);
	CHECK((flags_seen[0] & newer) == newer);
	CHECK_EQ_U64(flags_seen[1], ring_backend_block.ring_flags);

	/* Anything else is the answer: no second try. */
	CHECK_EQ_U64(-probe_as(KERNEL_NO_URING), ENOSYS);
	CHECK_EQ_U64(calls, 1);
	no_ring_no_io();
	CHECK_DONE();
}
