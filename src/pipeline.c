// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The copy pipeline.  One file: slots, pieces, sentinels and the good
 * prefix are one state machine, driven by the same completions.
 * The buffer is cut into queue_depth slots of chunk_size bytes.  Each
 * slot reads one chunk of the source with O_DIRECT and, when the read
 * has completed in full, writes it to the destination; then it takes
 * the next chunk.  Slots advance independently, driven by completions,
 * so reads of later chunks overlap writes of earlier ones without any
 * CPU copy.  The buffer is registered with io_uring when the kernel
 * lets us, which saves pinning its pages for every I/O (half the CPU
 * per byte in system memory).  p2pmem cannot be registered: the kernel
 * refuses a long-term writable pin of a shared mapping that needs dirty
 * tracking, which sysfs's (with its page_mkwrite) does, with EFAULT
 * before it looks at the pages (seen on 6.12.118 and 7.3.4; past that,
 * pinning without FOLL_PCI_P2PDMA would refuse P2P pages with
 * EREMOTEIO).  Plain IORING_OP_READ/WRITE work there.
 *
 * Chunks are issued in order and at most queue_depth are in flight, so
 * the contiguous completed prefix is simply everything below the lowest
 * chunk that is not finished.  After a failure no new chunk starts, but
 * the chunks below it finish, so the prefix reaches the failure whatever
 * the completion order; after a stop request in-flight reads are
 * dropped instead (stop fast).
 *
 * All I/O goes through a backend (ring_backend, ring.c): block read/write by
 * default, NVMe passthrough in its own file.  A backend's command may
 * be smaller than a chunk (max_transfer): a slot then cuts the chunk
 * into pieces and has all of them in flight at once, as the block layer
 * does when it splits a request, and moves on when the last completes.
 *
 * How many slots hold a chunk is the depth tuner's answer after each
 * chunk (depth-tuner.h): a slot whose chunk is written stays idle while
 * more slots are busy than it asks for.  Chunks are still handed out in
 * order to whichever slot starts, so all of the above holds at any depth.
 */
#include <errno.h>
#include <liburing.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "depth-tuner.h"
#include "pipeline.h"
#include "poison.h"
#include "ring.h"
#include "p2pmem.h"
#include "util.h"

enum slot_state {
	SLOT_IDLE,
	SLOT_READING,
	SLOT_WRITING,
	SLOT_ABANDONED, /* chunk not finished because the copy stopped */
};

struct slot;

/* One command in flight: a piece of a slot's chunk. */
struct piece {
	struct slot *slot;
	uint32_t off; /* in the chunk */
	uint32_t len;
	bool write;
	bool simulated; /* the test seam's no-op */
	/* Tries that came back cancelled (-EINTR), in a row. */
	unsigned int cancelled;
};

struct slot {
	char *buf;
	uint64_t off; /* chunk offset relative to the range */
	uint64_t index; /* chunk number, from 0 */
	uint32_t len;
	uint32_t next; /* bytes of the current phase handed to commands */
	uint32_t done; /* bytes of the current phase transferred */
	uint32_t inflight; /* its commands in flight */
	struct piece *pieces; /* pieces_per_slot of them... */
	uint32_t *free; /* ...and a stack of the idle ones' indices */
	uint32_t nfree;
	enum slot_state state;
};

struct pipeline {
	struct io_uring ring;
	const struct pipeline_job *job;
	const struct ring_backend *be;
	struct slot *slots;
	uint32_t nslots;
	uint32_t piece_max; /* bytes per command into the buffer */
	uint32_t pieces_per_slot; /* commands a slot has in flight at most */
	struct piece *piece_pool;
	uint32_t *free_pool;
	struct pipeline_chunks plan;
	uint64_t next_chunk; /* next chunk to hand out */
	uint64_t next_off; /* and its offset */
	uint32_t inflight; /* SQEs submitted, CQEs not yet reaped */
	bool halted; /* no new chunks: failure or stop */
	bool fixed; /* the buffer is registered as fixed buffer 0 */
	uint32_t busy; /* slots holding a chunk (reading or writing) */
	uint32_t want_busy; /* the depth tuner's last answer */
	struct depth_tuner tuner;
	struct slot *fail_slot; /* where the lowest failure happened */
	struct pipeline_result *res;
	uint64_t nonce; /* per run: sentinels of chunk i derive from it */
	double start, last_progress;
};

int pipeline_chunks_make(uint64_t length, uint32_t chunk_size, uint32_t align,
			 struct pipeline_chunks *plan)
{
	if (chunk_size == 0 || align == 0 || chunk_size % align ||
	    length % align)
		return -EINVAL;
	plan->length = length;
	plan->chunk_size = chunk_size;
	plan->count = length / chunk_size + (length % chunk_size != 0);
	plan->last = length % chunk_size ? length % chunk_size :
					   (length ? chunk_size : 0);
	return 0;
}

/*
 * Sentinels.  The CPU stores a per-chunk nonce into a few 8-byte words
 * of a slot before its read is submitted; a read that completes with
 * success has overwritten all of them.  A posted write the fabric drops
 * (an IOMMU fault, a root complex that does not forward peer writes)
 * gets no completion, so the NVMe read still succeeds: a surviving
 * sentinel is the only trace.  The words: the first and last of the
 * chunk and of up to SENTINEL_PAGES pages picked by the nonce, so a
 * partial loss anywhere has a chance to show, at a cost of a few
 * uncached loads and stores per chunk.
 */
#define SENTINEL_PAGE 4096u
#define SENTINEL_PAGES 4
#define SENTINEL_MAX (2 + 2 * SENTINEL_PAGES)

/* Byte offsets (8-aligned) of the sentinel words of a @len-byte chunk. */
static unsigned int sentinel_offsets(uint32_t len, uint64_t nonce,
				     uint32_t *out)
{
	uint32_t pages = len / SENTINEL_PAGE, p;
	unsigned int n = 0, i;

	if (len < 8)
		return 0;
	out[n++] = 0;
	out[n++] = (len - 8) & ~7u;
	for (i = 0; pages > 1 && i < SENTINEL_PAGES; i++) {
		p = (uint32_t)(poison_mix(nonce + i) % pages);
		out[n++] = p * SENTINEL_PAGE;
		out[n++] = p * SENTINEL_PAGE + SENTINEL_PAGE - 8;
	}
	return n;
}

static uint64_t sentinel_value(uint64_t nonce, uint32_t off)
{
	return nonce ^ poison_mix(off);
}

/* One per chunk, all different: "^ index" and poison_mix are one to one. */
static uint64_t chunk_nonce(const struct pipeline *e, uint64_t index)
{
	return poison_mix(e->nonce ^ index);
}

static void sentinels_plant(struct pipeline *e, struct slot *s)
{
	uint64_t nonce = chunk_nonce(e, s->index);
	uint32_t at[SENTINEL_MAX];
	unsigned int i, n = sentinel_offsets(s->len, nonce, at);

	char *where[SENTINEL_MAX];

	for (i = 0; i < n; i++) {
		where[i] = s->buf + at[i];
		*(volatile uint64_t *)where[i] = sentinel_value(nonce, at[i]);
	}
	/* On the device before SRC is told to overwrite them. */
	poison_publish(where, n);
}

/* Offset in the chunk of the first surviving sentinel, or -1. */
static int64_t sentinels_survivor(struct pipeline *e, const struct slot *s)
{
	uint64_t nonce = chunk_nonce(e, s->index);
	uint32_t at[SENTINEL_MAX];
	unsigned int i, n = sentinel_offsets(s->len, nonce, at);
	char *where[SENTINEL_MAX];

	for (i = 0; i < n; i++)
		where[i] = s->buf + at[i];
	/* Loads from the device, not from lines the CPU kept. */
	poison_forget(where, n);
	for (i = 0; i < n; i++)
		if (*(volatile uint64_t *)(s->buf + at[i]) ==
		    sentinel_value(nonce, at[i]))
			return at[i];
	return -1;
}

/*
 * Remember a failure at byte @at of the range.  Every failure is
 * recorded, also after the pipeline halted, and the lowest byte wins:
 * completion order must not decide what is reported.
 */
static void record_failure(struct pipeline *e, struct slot *s, bool write,
			   uint64_t at, int err, uint32_t status, bool eof,
			   bool lost)
{
	struct pipeline_result *res = e->res;

	if (!res->error || at < res->fail_offset) {
		res->error = err;
		res->nvme_status = status;
		res->fail_offset = at;
		res->fail_side = write ? COPY_SIDE_WRITE : COPY_SIDE_READ;
		res->unexpected_eof = eof;
		res->lost = lost;
		e->fail_slot = s;
	}
	e->halted = true;
	s->state = SLOT_ABANDONED;
}

/* Queue piece @p (its slot, offset and length set). */
static void piece_submit(struct pipeline *e, struct piece *p)
{
	const struct pipeline_job *job = e->job;
	struct slot *s = p->slot;
	struct io_uring_sqe *sqe = io_uring_get_sqe(&e->ring);

	/* Cannot fail: the ring has an entry for every piece of every slot. */
	if (!sqe)
		return;
	p->simulated = !p->write && job->sentinels &&
		       job->test_lose_chunk == s->index + 1;
	if (p->simulated)
		io_uring_prep_nop(sqe);
	else
		e->be->prep(sqe, p->write ? job->dst_fd : job->src_fd,
			    p->write ? job->dst_ctx : job->src_ctx, p->write,
			    s->buf + p->off, p->len,
			    (p->write ? job->dst_offset : job->src_offset) +
				    s->off + p->off);
	if (e->fixed && !p->simulated)
		e->be->use_fixed(sqe, p->write, 0);
	io_uring_sqe_set_data(sqe, p);
	s->inflight++;
	e->inflight++;
}

/* Put every idle piece of the slot to work on what is left of its phase. */
static void slot_fill(struct pipeline *e, struct slot *s)
{
	bool write = s->state == SLOT_WRITING;
	struct piece *p;

	while (s->nfree && s->next < s->len) {
		p = &s->pieces[s->free[--s->nfree]];
		p->off = s->next;
		p->len = s->len - s->next;
		if (p->len > e->piece_max)
			p->len = e->piece_max;
		p->write = write;
		p->cancelled = 0;
		s->next += p->len;
		piece_submit(e, p);
	}
}

/*
 * Back on its slot's stack, for the slot's next phase.  Only a piece
 * that completed in full comes back: one tried again stays in flight,
 * and every other way out of handle_cqe() leaves the slot abandoned,
 * which starts no phase again (nothing sets it back to idle), so its
 * stack is never read after that.
 */
static void piece_idle(struct slot *s, struct piece *p)
{
	s->free[s->nfree++] = (uint32_t)(p - s->pieces);
}

/* Start the slot's current phase: all its pieces at once. */
static void slot_begin_phase(struct pipeline *e, struct slot *s)
{
	s->next = 0;
	s->done = 0;
	slot_fill(e, s);
}

static bool slot_start_next(struct pipeline *e, struct slot *s)
{
	if (e->halted || e->next_chunk >= e->plan.count)
		return false;
	s->off = e->next_off;
	s->index = e->next_chunk;
	s->len = e->next_chunk + 1 == e->plan.count ? e->plan.last :
						      e->plan.chunk_size;
	s->state = SLOT_READING;
	e->busy++;
	e->next_chunk++;
	e->next_off += s->len;
	if (e->job->sentinels) {
		double t = now_seconds();

		sentinels_plant(e, s);
		e->res->sentinel_seconds += now_seconds() - t;
	}
	return true;
}

/* Start idle slots on the next chunks while fewer than asked are busy. */
static void start_idle_slots(struct pipeline *e)
{
	uint32_t i;

	for (i = 0; i < e->nslots && e->busy < e->want_busy; i++) {
		struct slot *s = &e->slots[i];

		if (s->state != SLOT_IDLE)
			continue;
		if (!slot_start_next(e, s))
			return;
		slot_begin_phase(e, s);
	}
}

/*
 * A slot's read has completed in full.  Returns true when its data is
 * in the buffer; false when a sentinel survived (recorded as lost).
 */
static bool read_arrived(struct pipeline *e, struct slot *s)
{
	double t;
	int64_t survivor;

	if (!e->job->sentinels)
		return true;
	t = now_seconds();
	survivor = sentinels_survivor(e, s);
	e->res->sentinel_seconds += now_seconds() - t;
	if (survivor < 0)
		return true;
	/* Which bytes arrived is unknown: the whole chunk is suspect. */
	record_failure(e, s, false, s->off, -EPROTO, 0, false, true);
	return false;
}

/* Whether a slot interrupted after the halt could still fail lower. */
static bool below_failure(const struct pipeline *e, uint64_t at)
{
	return e->res->error && at < e->res->fail_offset;
}

/* The test seam: one word of the chunk, changed where sentinels do not look. */
static void test_corrupt(struct slot *s)
{
	char *word = s->buf + (s->len / 2 / 8 * 8);

	if (s->len < 16)
		return;
	*(volatile uint64_t *)word = ~*(volatile uint64_t *)word;
	poison_publish(&word, 1);
}

static void phase_done(struct pipeline *e, struct slot *s)
{
	if (s->state == SLOT_READING) {
		/* A lost read below the failure is the lower failure. */
		if ((!e->halted || below_failure(e, s->off)) &&
		    !read_arrived(e, s))
			return;
		/*
		 * After a stop, or above a failure: read but never written,
		 * not part of the copy.  Below a failure the chunk is still
		 * written, so the good prefix reaches the failing chunk
		 * whatever the completion order.
		 */
		if (e->halted && !below_failure(e, s->off)) {
			s->state = SLOT_ABANDONED;
			return;
		}
		if (e->job->pi_guarded &&
		    e->job->test_corrupt_chunk == s->index + 1)
			test_corrupt(s);
		s->state = SLOT_WRITING;
		slot_begin_phase(e, s);
		return;
	}
	s->state = SLOT_IDLE;
	e->busy--;
	if (e->tuner.step < e->tuner.nsteps)
		e->want_busy = depth_tuner_chunk_done(
			&e->tuner, s->len,
			e->job->tuner_clock ? e->job->tuner_clock() :
					      now_seconds());
	start_idle_slots(e);
}

/*
 * Whether the slot may go on after a halt: only if the rest of its
 * chunk, from @at, could hold a failure lower than the one recorded, so
 * the lowest failing byte is found whatever the completion order.
 */
static bool may_go_on(const struct pipeline *e, uint64_t at)
{
	return !e->halted || below_failure(e, at);
}

static void handle_cqe(struct pipeline *e, struct piece *p,
		       const struct io_uring_cqe *cqe)
{
	struct slot *s = p->slot;
	uint64_t at = s->off + p->off;
	uint32_t status = 0;
	int res;

	e->inflight--;
	s->inflight--;
	if (p->simulated)
		res = (int)p->len; /* success, and no data moved */
	else
		res = e->be->complete(
			cqe, p->write ? e->job->dst_ctx : e->job->src_ctx,
			p->len, &status);
	if (s->state == SLOT_ABANDONED) {
		/* Another piece of the chunk failed or stopped: drain. */
		if (res < 0 && res != -EINTR && res != -EAGAIN)
			record_failure(e, s, p->write, at, res, status, false,
				       false);
		return;
	}
	/* A stop request ends the retries too, not only new chunks. */
	if (e->job->stop && *e->job->stop && !e->halted) {
		e->halted = true;
		e->res->stopped = true;
	}
	/*
	 * -EINTR: the kernel cancelled the command (a timeout, a reset),
	 * each try maybe after a 30 s timeout: a few more tries, then the
	 * failure, so a controller that keeps timing out cannot hang the
	 * copy.  -EAGAIN is the kernel asking to submit again.
	 */
	if (res == -EINTR && ++p->cancelled > RING_CANCELLED_TRIES) {
		record_failure(e, s, p->write, at, -ETIMEDOUT, status, false,
			       false);
		return;
	}
	if (res == -EINTR || res == -EAGAIN) {
		if (may_go_on(e, at)) {
			piece_submit(e, p);
			return;
		}
		s->state = SLOT_ABANDONED;
		return;
	}
	if (res <= 0) {
		/* Zero bytes: the source is shorter than it was at open. */
		record_failure(e, s, p->write, at, res ? res : -EIO, status,
			       res == 0 && !p->write, false);
		return;
	}
	p->cancelled = 0;
	s->done += (uint32_t)res;
	if ((uint32_t)res < p->len) {
		/* A short transfer: the rest of the piece, as a piece. */
		p->off += (uint32_t)res;
		p->len -= (uint32_t)res;
		if (may_go_on(e, s->off + p->off)) {
			piece_submit(e, p);
			return;
		}
		s->state = SLOT_ABANDONED;
		return;
	}
	piece_idle(s, p);
	if (s->next < s->len) {
		if (may_go_on(e, s->off + s->next))
			slot_fill(e, s);
		else
			s->state = SLOT_ABANDONED;
	}
	if (s->done == s->len && !s->inflight)
		phase_done(e, s);
}

static uint64_t completed_prefix(const struct pipeline *e)
{
	uint64_t done = e->next_off;
	uint32_t i;

	for (i = 0; i < e->nslots; i++) {
		const struct slot *s = &e->slots[i];

		if (s->state != SLOT_IDLE && s->off < done)
			done = s->off;
	}
	return done;
}

static void maybe_progress(struct pipeline *e, bool force)
{
	const struct pipeline_job *job = e->job;
	struct pipeline_progress p;
	double now;

	bool asked = job->progress_request && *job->progress_request;

	/* Called after every batch of completions: read no clock for nothing. */
	if (!job->progress || (!force && !asked && job->progress_interval <= 0))
		return;
	now = now_seconds();
	if (!force && !asked && now - e->last_progress < job->progress_interval)
		return;
	if (job->progress_request)
		*job->progress_request = 0;
	e->last_progress = now;
	p.done = completed_prefix(e);
	p.total = job->length;
	p.elapsed = now - e->start;
	job->progress(&p, job->progress_data);
}

/*
 * Completions to wait for in one io_uring_enter: half of what is in
 * flight, so one system call reaps several while the other half keeps
 * the devices busy.  At depth 8 that halved the calls (475 to 261 for
 * 512 chunks, strace -c) and did not slow a copy on RAM-backed loop
 * devices or on a virtual disk.
 */
static unsigned int reap_batch(const struct pipeline *e)
{
	return e->inflight >= 4 ? e->inflight / 2 : 1;
}

static int reap(struct pipeline *e)
{
	struct io_uring_cqe *cqe;
	unsigned int head, seen = 0;
	int ret;

	ret = io_uring_submit_and_wait(&e->ring, reap_batch(e));
	if (ret < 0 && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY)
		return ret;
	io_uring_for_each_cqe(&e->ring, head, cqe) {
		handle_cqe(e, io_uring_cqe_get_data(cqe), cqe);
		seen++;
	}
	io_uring_cq_advance(&e->ring, seen);
	return 0;
}

uint32_t pipeline_piece_max(const struct pipeline_job *job,
			    const struct ring_backend *be)
{
	uint32_t page = (uint32_t)sysconf(_SC_PAGESIZE);

	/*
	 * A physically contiguous buffer whose slots start on page
	 * boundaries takes the backend's larger commands: every piece of
	 * every chunk then starts on a page boundary too.
	 */
	if (job->buf_contiguous && be->max_transfer_contiguous &&
	    job->geometry.chunk_size % page == 0)
		return be->max_transfer_contiguous;
	return be->max_transfer ? be->max_transfer : job->geometry.chunk_size;
}

uint32_t pipeline_pieces_per_slot(const struct pipeline_job *job,
				  uint32_t piece_max)
{
	uint32_t n = job->geometry.chunk_size / piece_max +
		     (job->geometry.chunk_size % piece_max != 0);
	uint32_t most = PIPELINE_MAX_COMMANDS / job->geometry.queue_depth;

	/* Beyond the ring's bound, a slot refills as its pieces complete. */
	if (n > most)
		n = most ? most : 1;
	return n;
}

static void pipeline_free(struct pipeline *e)
{
	free(e->slots);
	free(e->piece_pool);
	free(e->free_pool);
}

static int pipeline_init(struct pipeline *e, const struct pipeline_job *job,
			 struct pipeline_result *res)
{
	struct iovec iov;
	uint32_t i;
	int ret;

	memset(e, 0, sizeof(*e));
	memset(res, 0, sizeof(*res));
	e->job = job;
	e->be = ring_backend_or_block(job->backend);
	e->res = res;
	if (!job->geometry.queue_depth)
		return -EINVAL;
	ret = pipeline_chunks_make(job->length, job->geometry.chunk_size,
				   job->geometry.align, &e->plan);
	if (ret)
		return ret;
	e->nslots = job->geometry.queue_depth;
	e->piece_max = pipeline_piece_max(job, e->be);
	e->pieces_per_slot = pipeline_pieces_per_slot(job, e->piece_max);
	e->slots = calloc(e->nslots, sizeof(*e->slots));
	e->piece_pool = calloc((size_t)e->nslots * e->pieces_per_slot,
			       sizeof(*e->piece_pool));
	e->free_pool = calloc((size_t)e->nslots * e->pieces_per_slot,
			      sizeof(*e->free_pool));
	if (!e->slots || !e->piece_pool || !e->free_pool) {
		pipeline_free(e);
		return -ENOMEM;
	}
	for (i = 0; i < e->nslots; i++) {
		struct slot *s = &e->slots[i];
		uint32_t k;

		s->buf =
			(char *)job->buf + (size_t)i * job->geometry.chunk_size;
		s->pieces = e->piece_pool + (size_t)i * e->pieces_per_slot;
		s->free = e->free_pool + (size_t)i * e->pieces_per_slot;
		for (k = 0; k < e->pieces_per_slot; k++) {
			s->pieces[k].slot = s;
			s->free[k] = e->pieces_per_slot - 1 - k;
		}
		s->nfree = e->pieces_per_slot;
	}
	ret = ring_init(&e->ring, e->nslots * e->pieces_per_slot, e->be);
	if (ret) {
		pipeline_free(e);
		return ret;
	}
	iov.iov_base = job->buf;
	iov.iov_len =
		(size_t)job->geometry.chunk_size * job->geometry.queue_depth;
	if (e->be->allow_fixed_buffers && e->be->use_fixed)
		e->fixed = io_uring_register_buffers(&e->ring, &iov, 1) == 0;
	res->fixed_buffers = e->fixed;
	res->ring_setup = ring_setup_name(&e->ring);
	res->sentinels = job->sentinels;
	depth_tuner_init(&e->tuner, e->nslots, e->plan.count, job->tune_depth);
	e->want_busy = e->tuner.depth;
	e->nonce = poison_nonce();
	e->start = e->last_progress = now_seconds();
	return 0;
}

static void pipeline_exit(struct pipeline *e)
{
	io_uring_queue_exit(&e->ring);
	pipeline_free(e);
}

/*
 * A stop request while narrowing: ring_io returns -EINTR for nothing
 * else (a command the kernel keeps cancelling ends in -ETIMEDOUT).  The
 * failure stays as recorded, over the whole command, and the run stops.
 */
static bool narrow_stopped(struct pipeline *e, int n)
{
	if (n != -EINTR)
		return false;
	e->res->stopped = true;
	return true;
}

/*
 * A failed request covers a whole command, but the device failed at
 * one block.  Find it with one-block requests through the same backend,
 * so the report names the exact byte: reads from the end of the
 * completed prefix (harmless), writes within the failed chunk only (the
 * data is still in its slot, and it is what belongs there).  Runs after
 * the drain, on the now idle ring.
 */
static void narrow_read(struct pipeline *e, struct slot *s)
{
	const struct pipeline_job *job = e->job;
	struct pipeline_result *res = e->res;
	uint64_t off = e->res->done, end = s->off + s->len;
	uint32_t status;
	int n;

	for (; off < end; off += job->geometry.align) {
		n = ring_io(&e->ring, e->be, job->src_fd, job->src_ctx, false,
			    s->buf, job->geometry.align, job->src_offset + off,
			    &status, job->stop);
		if (n == (int)job->geometry.align)
			continue;
		if (narrow_stopped(e, n))
			return;
		res->unexpected_eof = n >= 0;
		res->error = n < 0 ? n : -EIO;
		res->nvme_status = status;
		res->fail_offset = off + (n > 0 ? (uint64_t)n : 0);
		return;
	}
}

static void narrow_write(struct pipeline *e, struct slot *s)
{
	const struct pipeline_job *job = e->job;
	struct pipeline_result *res = e->res;
	/*
	 * Pieces complete in any order: write the chunk again from its
	 * start (the same bytes, still in the slot) up to the failing block.
	 */
	uint64_t off = s->off;
	uint32_t status;
	int n;

	for (; off < s->off + s->len; off += job->geometry.align) {
		n = ring_io(&e->ring, e->be, job->dst_fd, job->dst_ctx, true,
			    s->buf + (off - s->off), job->geometry.align,
			    job->dst_offset + off, &status, job->stop);
		if (n == (int)job->geometry.align)
			continue;
		if (narrow_stopped(e, n))
			return;
		/*
		 * A short write stops inside the block; where the copy's
		 * own write of the rest failed (a file-size limit), that
		 * failure and its cause are the ones to report, not an
		 * I/O error at the block's start.
		 */
		if (n <= 0 || res->fail_offset != off + (uint64_t)n) {
			res->error = n < 0 ? n : -EIO;
			res->nvme_status = status;
			res->fail_offset = off;
		}
		/* Everything before it in this lowest chunk is written now. */
		if (s->off == res->done)
			res->done = off;
		return;
	}
}

static void narrow_failure(struct pipeline *e)
{
	const struct pipeline_result *res = e->res;
	struct slot *s = e->fail_slot;

	if (!s || res->lost || res->error == -EBADF || res->error == -EINVAL)
		return;
	if (res->fail_side == COPY_SIDE_READ)
		narrow_read(e, s);
	else
		narrow_write(e, s);
}

/* Reap until nothing is in flight, halting on a stop request. */
static void drain(struct pipeline *e)
{
	const struct pipeline_job *job = e->job;
	struct pipeline_result *res = e->res;
	int ret;

	while (e->inflight) {
		ret = reap(e);
		if (ret) {
			/*
			 * The ring itself failed: nothing more can be
			 * reaped, so in-flight chunks count as unfinished.
			 */
			res->error = ret;
			res->fail_offset = completed_prefix(e);
			e->halted = true;
			e->fail_slot = NULL;
			return;
		}
		if (job->stop && *job->stop && !e->halted) {
			e->halted = true;
			res->stopped = true;
		}
		maybe_progress(e, false);
	}
}

int pipeline_run(const struct pipeline_job *job, struct pipeline_result *res)
{
	struct pipeline e;
	int ret;

	ret = pipeline_init(&e, job, res);
	if (ret) {
		res->error = ret;
		return ret;
	}
	/* A stop already raised: write nothing at all. */
	if (job->stop && *job->stop) {
		e.halted = true;
		res->stopped = true;
	}
	start_idle_slots(&e);
	drain(&e);
	res->done = completed_prefix(&e);
	res->depth = e.tuner.choice;
	if (res->error)
		narrow_failure(&e);
	res->seconds = now_seconds() - e.start;
	/* A last line for a live display, so it ends on the final count. */
	maybe_progress(&e, job->progress_interval > 0);
	pipeline_exit(&e);
	return res->error;
}
