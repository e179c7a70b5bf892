// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the pipeline and the arrival probe do around a device's writes
 * into the buffer, seen through seams: poison_publish*() and
 * poison_forget*() are wrapped at link time (each call is logged, then
 * done), and a backend logs each command it is given.  Checked:
 *  - every read into the buffer comes after the CPU's planted words were
 *    published (written back, fenced, one read back), and the checks'
 *    loads after the lines were dropped: "P R F W" per chunk; a word
 *    the PI test seam changes is published before the write ("P W");
 *  - verify through the buffer publishes each side's poison before its
 *    read and drops the lines before comparing;
 *  - a command the kernel keeps cancelling (-EINTR) is tried
 *    RING_CANCELLED_TRIES + 1 times, then fails with -ETIMEDOUT at its
 *    first byte; a stop request during the retries ends them.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arrival.h"
#include "check.h"
#include "pipeline.h"
#include "poison.h"
#include "two-chunks.h"
#include "verify.h"

#define CHUNK (64u << 10)

static char events[256];
static size_t nevents;
static char *buf_lo, *buf_hi;
static int cancel_always; /* completions say -EINTR */
static unsigned int tries;
static volatile sig_atomic_t stop_flag;
static bool stop_on_cancel;

static void event(char c)
{
	if (nevents + 1 < sizeof(events))
		events[nevents++] = c;
	events[nevents] = '\0';
}

void __real_poison_publish(char *const *words, unsigned int n);
void __wrap_poison_publish(char *const *words, unsigned int n);
void __wrap_poison_forget(char *const *words, unsigned int n);
void __wrap_poison_publish_range(char *buf, uint32_t len);
void __wrap_poison_forget_range(char *buf, uint32_t len);
void __real_poison_forget(char *const *words, unsigned int n);
void __real_poison_publish_range(char *buf, uint32_t len);
void __real_poison_forget_range(char *buf, uint32_t len);

void __wrap_poison_publish(char *const *words, unsigned int n)
{
	event('P');
	__real_poison_publish(words, n);
}

void __wrap_poison_forget(char *const *words, unsigned int n)
{
	event('F');
	__real_poison_forget(words, n);
}

void __wrap_poison_publish_range(char *buf, uint32_t len)
{
	event('p');
	__real_poison_publish_range(buf, len);
}

void __wrap_poison_forget_range(char *buf, uint32_t len)
{
	event('f');
	__real_poison_forget_range(buf, len);
}

/* Reads "arrive" (a byte pattern) in prep; a no-op completes them. */
static void log_prep(struct io_uring_sqe *sqe, int fd, const void *ctx,
		     bool write, void *buf, uint32_t len, uint64_t off)
{
	bool into_buffer = (char *)buf >= buf_lo && (char *)buf < buf_hi;

	(void)fd;
	(void)ctx;
	tries++;
	/* Reads into system memory (the probe's ground truth) are 'r'. */
	event(write ? 'W' : into_buffer ? 'R' : 'r');
	if (!write)
		memset(buf, (int)(off / CHUNK) + 1, len);
	io_uring_prep_nop(sqe);
}

static int log_complete(const struct io_uring_cqe *cqe, const void *ctx,
			uint32_t len, uint32_t *status)
{
	(void)ctx;
	*status = 0;
	if (cancel_always) {
		if (stop_on_cancel)
			stop_flag = 1;
		return -EINTR;
	}
	return cqe->res < 0 ? cqe->res : (int)len;
}

static const struct ring_backend logging = {
	.name = "logging",
	.prep = log_prep,
	.complete = log_complete,
};

static struct pipeline_job job_for(void *buf, int fd)
{
	struct pipeline_job j = two_chunk_job(buf, fd, &logging, CHUNK);

	j.stop = &stop_flag;
	return j;
}

static void reset(void)
{
	nevents = 0;
	events[0] = '\0';
	tries = 0;
	cancel_always = 0;
	stop_on_cancel = false;
	stop_flag = 0;
}

static void test_order(void *buf, int fd)
{
	struct pipeline_job j = job_for(buf, fd);
	struct pipeline_result res;
	struct arrival_result ar;

	reset();
	CHECK_EQ_U64(pipeline_run(&j, &res), 0);
	if (strcmp(events, "PRFWPRFW"))
		fprintf(stderr, "pipeline events: %s\n", events);
	CHECK(!strcmp(events, "PRFWPRFW"));

	/*
	 * The PI test seam's changed word is the CPU's store into the
	 * buffer too: published before chunk 2's write is issued.
	 */
	reset();
	j.pi_guarded = true;
	j.test_corrupt_chunk = 2;
	CHECK_EQ_U64(pipeline_run(&j, &res), 0);
	if (strcmp(events, "PRFWPRFPW"))
		fprintf(stderr, "pipeline events, seam: %s\n", events);
	CHECK(!strcmp(events, "PRFWPRFPW"));
	j.pi_guarded = false;
	j.test_corrupt_chunk = 0;

	/* The probe: DST's block saved, poison published, SRC read into
	 * the buffer and into system memory, lines dropped, then DST. */
	reset();
	CHECK_EQ_U64(arrival_check(&j, &ar), 0);
	CHECK(ar.verdict == ARRIVAL_OK);
	if (strncmp(events, "rpRrf", 5))
		fprintf(stderr, "arrival events: %s\n", events);
	CHECK(!strncmp(events, "rpRrf", 5));
}

/*
 * Verify through the buffer: each side's poison published before its
 * read ("pR"), the lines dropped before the comparison's loads ("f").
 */
static void test_verify_order(void *buf, int fd)
{
	struct pipeline_job j = job_for(buf, fd);
	struct pipeline_result res;
	uint64_t mismatch = 0;
	size_t i;

	reset();
	j.length = CHUNK;
	CHECK_EQ_U64(verify_range(&j, true, &mismatch, &res), 0);
	CHECK(res.poisoned);
	/* Per slot (two chunks here): both sides' reads, then both loads. */
	if (strcmp(events, "pRpRffpRpRff"))
		fprintf(stderr, "verify events: %s\n", events);
	CHECK(!strcmp(events, "pRpRffpRpRff"));
	for (i = 0; i < nevents; i++)
		if (events[i] == 'R')
			CHECK(i > 0 && events[i - 1] == 'p');
	CHECK(nevents >= 2 && events[nevents - 1] == 'f' &&
	      events[nevents - 2] == 'f');
}

static void test_cancelled(void *buf, int fd)
{
	struct pipeline_job j = job_for(buf, fd);
	struct pipeline_result res;

	reset();
	cancel_always = 1;
	j.length = CHUNK;
	CHECK_EQ_U64(pipeline_run(&j, &res), -ETIMEDOUT);
	CHECK_EQ_U64(res.error, -ETIMEDOUT);
	CHECK_EQ_U64(res.fail_offset, 0);
	CHECK(res.fail_side == COPY_SIDE_READ);
	CHECK_EQ_U64(res.done, 0);
	/* The copy's tries, then the narrowing's (bounded the same way). */
	CHECK(tries >= RING_CANCELLED_TRIES + 1);
	CHECK(tries <= 2 * (RING_CANCELLED_TRIES + 1));

	/* A stop request during the retries: no more tries, stopped. */
	reset();
	cancel_always = 1;
	stop_on_cancel = true;
	CHECK_EQ_U64(pipeline_run(&j, &res), 0);
	CHECK(res.stopped);
	CHECK_EQ_U64(tries, 1);
	CHECK_EQ_U64(res.done, 0);
}

int main(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	void *buf = NULL;

	if (fd < 0 || posix_memalign(&buf, 4096, CHUNK))
		return T_EXIT_ERROR;
	buf_lo = buf;
	buf_hi = buf_lo + CHUNK;
	test_order(buf, fd);
	test_verify_order(buf, fd);
	test_cancelled(buf, fd);
	free(buf);
	close(fd);
	CHECK_DONE();
}
