// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ring_io()'s bounded retries of a command the kernel keeps cancelling
 * (-EINTR: a timeout or a controller reset): a few tries, then
 * -ETIMEDOUT; and none once a stop request (SIGINT, SIGTERM) is raised,
 * since every try may take the kernel's whole I/O timeout.  A backend of
 * io_uring no-ops whose completions all say "cancelled".
 *
 * And ring_io_full(): all of a transfer in commands the backend takes
 * (max_transfer), going on after a short one, stopping at an error or
 * at the end of the file with the bytes done before it.
 *
 * io_uring_submit_and_wait and __io_uring_get_cqe are wrapped at link
 * time: the wait for a completion can be made to fail.
 */
#include <errno.h>
#include <liburing.h>
#include <signal.h>
#include <stdint.h>
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

/* A device of no-ops: each command's answer comes from @piece_answer. */
#define MAX_PIECES 16
static struct {
	uint32_t len;
	uint64_t off;
} pieces[MAX_PIECES];
static unsigned int npieces;
static int (*piece_answer)(unsigned int nth, uint32_t len);

static void piece_prep(struct io_uring_sqe *sqe, int fd, const void *ctx,
		       bool write, void *buf, uint32_t len, uint64_t off)
{
	(void)fd, (void)ctx, (void)write, (void)buf;
	if (npieces < MAX_PIECES) {
		pieces[npieces].len = len;
		pieces[npieces].off = off;
	}
	npieces++;
	io_uring_prep_nop(sqe);
}

static int piece_complete(const struct io_uring_cqe *cqe, const void *ctx,
			  uint32_t len, uint32_t *status)
{
	(void)cqe, (void)ctx;
	*status = 0;
	return piece_answer ? piece_answer(npieces - 1, len) : (int)len;
}

static const struct ring_backend small_commands = {
	.name = "small-commands",
	.prep = piece_prep,
	.complete = piece_complete,
	.max_transfer = 512,
};

static const struct ring_backend any_command = {
	.name = "any-command",
	.prep = piece_prep,
	.complete = piece_complete,
};

static int full_io(const struct ring_backend *be, uint32_t len,
		   uint32_t *failed_at, bool *eof)
{
	static char buf[4096];
	struct io_uring ring;
	uint32_t status;
	int ret;

	npieces = 0;
	*failed_at = UINT32_MAX;
	CHECK_EQ_U64(ring_init(&ring, 2, be), 0);
	ret = ring_io_full(&ring, be, -1, NULL, false, buf, len, 1 << 20,
			   &status, failed_at, eof, NULL);
	io_uring_queue_exit(&ring);
	return ret;
}

static int first_moves_1_byte(unsigned int nth, uint32_t len)
{
	return nth ? (int)len : 1;
}

static int third_ends_file(unsigned int nth, uint32_t len)
{
	return nth == 2 ? 0 : (int)len;
}

static int second_fails(unsigned int nth, uint32_t len)
{
	return nth == 1 ? -EIO : (int)len;
}

static void test_full(void)
{
	uint32_t failed_at;
	bool eof = true;
	unsigned int i;

	/* In commands of max_transfer bytes, one after the other. */
	piece_answer = NULL;
	CHECK_EQ_U64(full_io(&small_commands, 1536, &failed_at, &eof), 0);
	CHECK(!eof);
	CHECK_EQ_U64(npieces, 3);
	for (i = 0; i < 3; i++) {
		CHECK_EQ_U64(pieces[i].len, 512);
		CHECK_EQ_U64(pieces[i].off, (1 << 20) + 512 * i);
	}
	/* Less than max_transfer: that, not more. */
	CHECK_EQ_U64(full_io(&small_commands, 256, &failed_at, &eof), 0);
	CHECK_EQ_U64(npieces, 1);
	CHECK_EQ_U64(pieces[0].len, 256);
	/* No limit: one command. */
	CHECK_EQ_U64(full_io(&any_command, 4096, &failed_at, &eof), 0);
	CHECK_EQ_U64(npieces, 1);
	CHECK_EQ_U64(pieces[0].len, 4096);

	/* A short transfer (1 byte) is no failure: the rest follows. */
	piece_answer = first_moves_1_byte;
	CHECK_EQ_U64(full_io(&any_command, 4096, &failed_at, &eof), 0);
	CHECK_EQ_U64(npieces, 2);
	CHECK_EQ_U64(pieces[1].off, (1 << 20) + 1);
	CHECK_EQ_U64(pieces[1].len, 4095);

	/* The end of the file: -EIO, eof, the bytes done before it. */
	piece_answer = third_ends_file;
	CHECK_EQ_U64(full_io(&small_commands, 2048, &failed_at, &eof), -EIO);
	CHECK(eof);
	CHECK_EQ_U64(failed_at, 1024);
	CHECK_EQ_U64(npieces, 3);

	/* An error: its own, no eof. */
	piece_answer = second_fails;
	eof = true;
	CHECK_EQ_U64(full_io(&small_commands, 2048, &failed_at, &eof), -EIO);
	CHECK(!eof);
	CHECK_EQ_U64(failed_at, 512);
	CHECK_EQ_U64(npieces, 2);
	piece_answer = NULL;
}

/*
 * The wait for the completion fails: the next @waits_failing waits
 * answer the errors at @wait_errors in turn, the submission having
 * answered as if it had submitted the command (nothing is, so nothing
 * completes).
 */
static unsigned int waits_failing;
static const int *wait_errors;

int __real_io_uring_submit_and_wait(struct io_uring *ring,
				    unsigned int wait_nr);
int __wrap_io_uring_submit_and_wait(struct io_uring *ring,
				    unsigned int wait_nr);
int __real___io_uring_get_cqe(struct io_uring *ring,
			      struct io_uring_cqe **cqe_ptr,
			      unsigned int submit, unsigned int wait_nr,
			      sigset_t *sigmask);
int __wrap___io_uring_get_cqe(struct io_uring *ring,
			      struct io_uring_cqe **cqe_ptr,
			      unsigned int submit, unsigned int wait_nr,
			      sigset_t *sigmask);

int __wrap_io_uring_submit_and_wait(struct io_uring *ring, unsigned int wait_nr)
{
	if (waits_failing)
		return 1;
	return __real_io_uring_submit_and_wait(ring, wait_nr);
}

int __wrap___io_uring_get_cqe(struct io_uring *ring,
			      struct io_uring_cqe **cqe_ptr,
			      unsigned int submit, unsigned int wait_nr,
			      sigset_t *sigmask)
{
	if (waits_failing) {
		waits_failing--;
		return *wait_errors++;
	}
	return __real___io_uring_get_cqe(ring, cqe_ptr, submit, wait_nr,
					 sigmask);
}

/*
 * A wait interrupted by a signal (-EINTR) is waited again; one that
 * fails otherwise (-EBADR: the kernel dropped completions) is the
 * transfer's error.
 */
static void test_wait_fails(void)
{
	static const int errors[] = { -EINTR, -EBADR };
	struct io_uring ring;
	uint32_t status;
	char buf[512];

	piece_answer = NULL;
	npieces = 0;
	CHECK_EQ_U64(ring_init(&ring, 2, &any_command), 0);
	wait_errors = errors;
	waits_failing = 2;
	CHECK_EQ_U64(ring_io(&ring, &any_command, -1, NULL, false, buf,
			     sizeof(buf), 0, &status, NULL),
		     -EBADR);
	CHECK_EQ_U64(waits_failing, 0);
	CHECK_EQ_U64(npieces, 1);
	io_uring_queue_exit(&ring);
}

int main(void)
{
	test_full();
	test_wait_fails();
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
