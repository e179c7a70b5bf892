// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ring setup's fallback for older kernels, which refuse
 * IORING_SETUP_DEFER_TASKRUN (before 6.1), SINGLE_ISSUER (before 6.0)
 * and COOP_TASKRUN (before 5.19) with EINVAL: the ring is set up again
 * with the next best, down to the backend's own flags only, and any
 * other refusal is reported as it is.  io_uring_queue_init is
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
#include "ring.h"
#include "verify.h"

enum kernel_mode {
	KERNEL_NEW, /* takes every flag */
	KERNEL_6_0, /* EINVAL for DEFER_TASKRUN */
	KERNEL_5_19, /* EINVAL for DEFER_TASKRUN and SINGLE_ISSUER */
	KERNEL_OLD, /* EINVAL for those and COOP_TASKRUN */
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
	static const unsigned int unknown[] = {
		[KERNEL_6_0] = IORING_SETUP_DEFER_TASKRUN,
		[KERNEL_5_19] = IORING_SETUP_DEFER_TASKRUN |
				IORING_SETUP_SINGLE_ISSUER,
		[KERNEL_OLD] = IORING_SETUP_DEFER_TASKRUN |
			       IORING_SETUP_SINGLE_ISSUER |
			       IORING_SETUP_COOP_TASKRUN,
	};

	if (calls < 4)
		flags_seen[calls] = flags;
	calls++;
	if (mode == KERNEL_NO_URING)
		return -ENOSYS;
	if (mode != KERNEL_NEW && (flags & unknown[mode]))
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
		.geometry.chunk_size = 4096,
		.geometry.queue_depth = 4,
		.geometry.align = 4096,
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
	const unsigned int defer = IORING_SETUP_SINGLE_ISSUER |
				   IORING_SETUP_DEFER_TASKRUN;
	const unsigned int single = IORING_SETUP_SINGLE_ISSUER |
				    IORING_SETUP_COOP_TASKRUN;
	struct io_uring ring;
	int ret;

	ret = probe_as(KERNEL_NEW);
	if (ret) {
		fprintf(stderr, "io_uring unusable here: %s\n", strerror(-ret));
		return T_EXIT_SKIP;
	}
	/* DEFER_TASKRUN with SINGLE_ISSUER first, and used. */
	CHECK_EQ_U64(calls, 1);
	CHECK_EQ_U64(flags_seen[0], defer);

	/* Each older kernel: the next setup down, and used. */
	CHECK_EQ_U64(-probe_as(KERNEL_6_0), 0);
	CHECK_EQ_U64(calls, 2);
	CHECK_EQ_U64(flags_seen[1], single);
	CHECK_EQ_U64(-probe_as(KERNEL_5_19), 0);
	CHECK_EQ_U64(calls, 3);
	CHECK_EQ_U64(flags_seen[2], IORING_SETUP_COOP_TASKRUN);
	CHECK_EQ_U64(-probe_as(KERNEL_OLD), 0);
	CHECK_EQ_U64(calls, 4);
	CHECK_EQ_U64(flags_seen[3], ring_backend_block.ring_flags);

	/* Which setup a ring got, by name. */
	mode = KERNEL_NEW;
	if (ring_init(&ring, 2, &ring_backend_block) == 0) {
		CHECK(!strcmp(ring_setup_name(&ring), "defer_taskrun"));
		io_uring_queue_exit(&ring);
	}
	mode = KERNEL_6_0;
	if (ring_init(&ring, 2, &ring_backend_block) == 0) {
		CHECK(!strcmp(ring_setup_name(&ring), "single_issuer"));
		io_uring_queue_exit(&ring);
	}
	mode = KERNEL_5_19;
	if (ring_init(&ring, 2, &ring_backend_block) == 0) {
		CHECK(!strcmp(ring_setup_name(&ring), "coop_taskrun"));
		io_uring_queue_exit(&ring);
	}
	mode = KERNEL_OLD;
	if (ring_init(&ring, 2, &ring_backend_block) == 0) {
		CHECK(!strcmp(ring_setup_name(&ring), "default"));
		io_uring_queue_exit(&ring);
	}

	/* Anything else is the answer: no second try. */
	CHECK_EQ_U64(-probe_as(KERNEL_NO_URING), ENOSYS);
	CHECK_EQ_U64(calls, 1);
	no_ring_no_io();
	CHECK_DONE();
}
