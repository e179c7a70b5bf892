// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ring_io()'s bounded retries of a command the kernel keeps cancelling
 * (-EINTR: a timeout or a controller reset): a few tries, then
 * -ETIMEDOUT; and none once a stop request (SIGINT, SIGTERM) is raised,
 * since every try may take the kernel's whole I/O timeout.  A backend of
 * io_uring no-ops whose completions all say "cancelled".
 */
#include <errno.h>
#include <liburing.h>
#include <signal.h>
#include <string.h>

#include "check.h"
#include "ring.h"

static unsigned int tries;
static volatile sig_atomic_t stop;
static unsigned int stop_after; /* raise stop at this try; 0: never */
static sig_atomic_t stop_before; /* raised before the call */

static void nop_prep(struct io_uring_sqe *sqe, int fd, const void *ctx,
		     bool write, void *buf, uint32_t len, uint64_t off)
{
	(void)fd, (void)ctx, (void)write, (void)buf, (void)len, (void)off;
	io_uring_prep_nop(sqe);
}

static int cancelled_complete(const struct io_uring_cqe *cqe, const void *ctx,
			      uint32_t len, uint32_t *status)
{
	(void)cqe, (void)ctx, (void)len, (void)status;
	if (++tries == stop_after)
		stop = 1;
	return -EINTR;
}

static const struct ring_backend cancelling = {
	.name = "cancelling",
	.prep = nop_prep,
	.complete = cancelled_complete,
};

static int one_io(const volatile sig_atomic_t *stop_flag)
{
	struct io_uring ring;
	uint32_t status;
	char buf[512];
	int ret;

	tries = 0;
	stop = stop_before;
	CHECK_EQ_U64(ring_init(&ring, 2, &cancelling), 0);
	ret = ring_io(&ring, &cancelling, -1, NULL, false, buf, sizeof(buf), 0,
		      &status, stop_flag);
	io_uring_queue_exit(&ring);
	return ret;
}

int main(void)
{
	/* No stop: the first try and RING_CANCELLED_TRIES more. */
	stop_after = 0;
	CHECK_EQ_U64(one_io(&stop), -ETIMEDOUT);
	CHECK_EQ_U64(tries, RING_CANCELLED_TRIES + 1);
	CHECK_EQ_U64(one_io(NULL), -ETIMEDOUT);
	CHECK_EQ_U64(tries, RING_CANCELLED_TRIES + 1);
	/* A stop raised during the second try: no third. */
	stop_after = 2;
	CHECK_EQ_U64(one_io(&stop), -EINTR);
	CHECK_EQ_U64(tries, 2);
	/* Raised already: the one try in flight is all. */
	stop_after = 1;
	CHECK_EQ_U64(one_io(&stop), -EINTR);
	CHECK_EQ_U64(tries, 1);
	/*
	 * Raised before the call: the stop ends retries, not the first
	 * try (the caller decides whether to start one).
	 */
	stop_after = 0;
	stop_before = 1;
	CHECK_EQ_U64(one_io(&stop), -EINTR);
	CHECK_EQ_U64(tries, 1);
	CHECK_DONE();
}
