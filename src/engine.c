// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The copy engine.
 *
 * The buffer is cut into queue_depth slots of chunk_size bytes.  Each
 * slot reads one chunk of the source with O_DIRECT and, when the read
 * has completed in full, writes it to the destination; then it takes
 * the next chunk.  Slots advance independently, driven by completions,
 * so reads of later chunks overlap writes of earlier ones without any
 * CPU copy.  The buffer is registered with io_uring when the kernel
 * lets us, which saves pinning its pages for every I/O (half the CPU
 * per byte in system memory); the kernel cannot pin p2pmem that way
 * (FOLL_LONGTERM: -EFAULT), and plain IORING_OP_READ/WRITE work there.
 *
 * Chunks are issued in order and at most queue_depth are in flight, so
 * the contiguous completed prefix is simply everything below the lowest
 * chunk that is not finished.  After a failure no new chunk starts, but
 * the chunks below it finish, so the prefix reaches the failure whatever
 * the completion order; after a stop request in-flight reads are
 * dropped instead (stop fast).
 *
 * All I/O goes through a backend (copy_backend): block read/write by
 * default, NVMe passthrough in its own file.  A backend's command may
 * be smaller than a chunk (max_transfer): a slot then issues commands
 * one after another, like the rest of a short transfer.
 */
#include <errno.h>
#include <liburing.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/uio.h>
#include <unistd.h>

#include "engine.h"
#include "p2pmem.h"
#include "util.h"

enum slot_state {
	SLOT_IDLE,
	SLOT_READING,
	SLOT_WRITING,
	SLOT_ABANDONED, /* chunk not finished because the copy stopped */
};

struct slot {
	char *buf;
	uint64_t off; /* chunk offset relative to the range */
	uint64_t index; /* chunk number, from 0 */
	uint32_t len;
	uint32_t done; /* bytes transferred in the current phase */
	uint32_t piece; /* bytes of the command in flight */
	bool simulated; /* the command in flight is the test seam's no-op */
	enum slot_state state;
};

struct engine {
	struct io_uring ring;
	const struct copy_job *job;
	const struct copy_backend *be;
	struct slot *slots;
	uint32_t nslots;
	struct chunk_plan plan;
	uint64_t next_chunk; /* next chunk to hand out */
	uint64_t next_off; /* and its offset */
	uint32_t inflight; /* SQEs submitted, CQEs not yet reaped */
	bool halted; /* no new chunks: failure or stop */
	bool fixed; /* the buffer is registered as fixed buffer 0 */
	struct slot *fail_slot; /* where the lowest failure happened */
	struct copy_result *res;
	uint64_t nonce; /* per run: sentinels of chunk i derive from it */
	double start, last_progress;
};

int chunk_plan_make(uint64_t length, uint32_t chunk_size, uint32_t align,
		    struct chunk_plan *plan)
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

static void block_prep(struct io_uring_sqe *sqe, int fd, const void *side_ctx,
		       bool write, void *buf, uint32_t len, uint64_t off)
{
	(void)side_ctx;
	if (write)
		io_uring_prep_write(sqe, fd, buf, len, off);
	else
		io_uring_prep_read(sqe, fd, buf, len, off);
}

static int block_complete(const struct io_uring_cqe *cqe, const void *side_ctx,
			  uint32_t len, uint32_t *status)
{
	(void)side_ctx;
	(void)len;
	(void)status;
	return cqe->res;
}

static void block_use_fixed(struct io_uring_sqe *sqe, bool write,
			    unsigned int buf_index)
{
	/* Same fields as IORING_OP_READ/WRITE, plus the buffer's index. */
	sqe->opcode = write ? IORING_OP_WRITE_FIXED : IORING_OP_READ_FIXED;
	sqe->buf_index = (__u16)buf_index;
}

const struct copy_backend copy_backend_block = {
	.name = "block",
	.prep = block_prep,
	.complete = block_complete,
	.allow_fixed_buffers = true,
	.use_fixed = block_use_fixed,
};

static const struct copy_backend *job_backend(const struct copy_job *job)
{
	return job->backend ? job->backend : &copy_backend_block;
}

static int ring_init(struct io_uring *ring, unsigned int entries,
		     const struct copy_backend *be)
{
	int ret;

	/* Cheaper completions where the kernel has them (5.19+, 6.0+). */
	ret = io_uring_queue_init(entries, ring,
				  be->ring_flags | IORING_SETUP_SINGLE_ISSUER |
					  IORING_SETUP_COOP_TASKRUN);
	if (ret == -EINVAL)
		ret = io_uring_queue_init(entries, ring, be->ring_flags);
	return ret;
}

int copy_ring_probe(const struct copy_backend *backend)
{
	const struct copy_backend *be = backend ? backend : &copy_backend_block;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	int ret;

	ret = ring_init(&ring, 1, be);
	if (ret)
		return ret;
	sqe = io_uring_get_sqe(&ring);
	if (!sqe) {
		io_uring_queue_exit(&ring);
		return -EBUSY;
	}
	io_uring_prep_nop(sqe);
	ret = io_uring_submit_and_wait(&ring, 1);
	/* The count submitted, then 0 once the completion is in hand. */
	if (ret >= 0)
		ret = io_uring_wait_cqe(&ring, &cqe);
	if (!ret) {
		ret = cqe->res < 0 ? cqe->res : 0;
		io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
	return ret;
}

/*
 * One transfer through @ring, waited for: the same backend path as the
 * copy, for the synchronous I/O (narrowing, verify, arrival probe).
 * Returns bytes transferred (may be short, 0 at end of file) or a
 * negative errno; *status gets the backend's raw status.
 */
static int ring_io(struct io_uring *ring, const struct copy_backend *be, int fd,
		   const void *ctx, bool write, void *buf, uint32_t len,
		   uint64_t off, uint32_t *status)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	int ret;

	*status = 0;
	do {
		sqe = io_uring_get_sqe(ring);
		if (!sqe)
			return -EBUSY; /* cannot happen: the ring is empty */
		be->prep(sqe, fd, ctx, write, buf, len, off);
		ret = io_uring_submit_and_wait(ring, 1);
		if (ret < 0 && ret != -EINTR)
			return ret;
		do {
			ret = io_uring_wait_cqe(ring, &cqe);
		} while (ret == -EINTR);
		if (ret)
			return ret;
		ret = be->complete(cqe, ctx, len, status);
		io_uring_cqe_seen(ring, cqe);
	} while (ret == -EINTR || ret == -EAGAIN);
	return ret;
}

/*
 * Transfer all of @len bytes, in commands the backend takes.  Returns
 * 0, or a negative errno with *failed_at (bytes done before the
 * failure); end of file is -EIO with *eof set.
 */
static int ring_io_full(struct io_uring *ring, const struct copy_backend *be,
			int fd, const void *ctx, bool write, char *buf,
			uint32_t len, uint64_t off, uint32_t *status,
			uint32_t *failed_at, bool *eof)
{
	uint32_t done = 0, piece;
	int n;

	*eof = false;
	while (done < len) {
		piece = len - done;
		if (be->max_transfer && piece > be->max_transfer)
			piece = be->max_transfer;
		n = ring_io(ring, be, fd, ctx, write, buf + done, piece,
			    off + done, status);
		if (n <= 0) {
			*failed_at = done;
			*eof = n == 0;
			return n ? n : -EIO;
		}
		done += (uint32_t)n;
	}
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

static uint64_t mix64(uint64_t x)
{
	/* splitmix64's finaliser: distinct inputs, unrelated outputs. */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t run_nonce(void)
{
	uint64_t n = 0;

	/* Unpredictable, so no data can be made to look like a sentinel. */
	if (getrandom(&n, sizeof(n), 0) != sizeof(n))
		n = (uint64_t)now_seconds() * 1000003u ^ (uint64_t)getpid();
	return mix64(n);
}

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
		p = (uint32_t)(mix64(nonce + i) % pages);
		out[n++] = p * SENTINEL_PAGE;
		out[n++] = p * SENTINEL_PAGE + SENTINEL_PAGE - 8;
	}
	return n;
}

static uint64_t sentinel_value(uint64_t nonce, uint32_t off)
{
	return nonce ^ mix64(off);
}

static uint64_t chunk_nonce(const struct engine *e, uint64_t index)
{
	return mix64(e->nonce ^ (index + 1));
}

static void sentinels_plant(struct engine *e, struct slot *s)
{
	uint64_t nonce = chunk_nonce(e, s->index);
	uint32_t at[SENTINEL_MAX];
	unsigned int i, n = sentinel_offsets(s->len, nonce, at);

	for (i = 0; i < n; i++)
		*(volatile uint64_t *)(s->buf + at[i]) =
			sentinel_value(nonce, at[i]);
}

/* Offset in the chunk of the first surviving sentinel, or -1. */
static int64_t sentinels_survivor(struct engine *e, const struct slot *s)
{
	uint64_t nonce = chunk_nonce(e, s->index);
	uint32_t at[SENTINEL_MAX];
	unsigned int i, n = sentinel_offsets(s->len, nonce, at);

	for (i = 0; i < n; i++)
		if (*(volatile uint64_t *)(s->buf + at[i]) ==
		    sentinel_value(nonce, at[i]))
			return at[i];
	return -1;
}

/*
 * Remember a failure at byte @at of the range.  Every failure is
 * recorded, also after the engine halted, and the lowest byte wins:
 * completion order must not decide what is reported.
 */
static void record_failure(struct engine *e, struct slot *s, uint64_t at,
			   int err, uint32_t status, bool eof, bool lost)
{
	struct copy_result *res = e->res;

	if (!res->error || at < res->fail_offset) {
		res->error = err;
		res->nvme_status = status;
		res->fail_offset = at;
		res->fail_side = s->state == SLOT_READING ? COPY_SIDE_READ :
							    COPY_SIDE_WRITE;
		res->unexpected_eof = eof;
		res->lost = lost;
		e->fail_slot = s;
	}
	e->halted = true;
	s->state = SLOT_ABANDONED;
}

/* Queue the next command of the slot's current phase. */
static int slot_submit(struct engine *e, struct slot *s)
{
	const struct copy_job *job = e->job;
	struct io_uring_sqe *sqe = io_uring_get_sqe(&e->ring);
	bool write = s->state == SLOT_WRITING;
	uint32_t left = s->len - s->done;

	if (!sqe)
		return -EBUSY; /* cannot happen: the ring has a slot per SQE */
	s->piece = left;
	if (e->be->max_transfer && s->piece > e->be->max_transfer)
		s->piece = e->be->max_transfer;
	s->simulated = !write && job->sentinels &&
		       job->test_lose_chunk == s->index + 1;
	if (s->simulated)
		io_uring_prep_nop(sqe);
	else
		e->be->prep(sqe, write ? job->dst_fd : job->src_fd,
			    write ? job->dst_ctx : job->src_ctx, write,
			    s->buf + s->done, s->piece,
			    (write ? job->dst_offset : job->src_offset) +
				    s->off + s->done);
	if (e->fixed && !s->simulated)
		e->be->use_fixed(sqe, write, 0);
	io_uring_sqe_set_data(sqe, s);
	e->inflight++;
	return 0;
}

static bool slot_start_next(struct engine *e, struct slot *s)
{
	if (e->halted || e->next_chunk >= e->plan.count)
		return false;
	s->off = e->next_off;
	s->index = e->next_chunk;
	s->len = e->next_chunk + 1 == e->plan.count ? e->plan.last :
						      e->plan.chunk_size;
	s->done = 0;
	s->state = SLOT_READING;
	e->next_chunk++;
	e->next_off += s->len;
	if (e->job->sentinels) {
		double t = now_seconds();

		sentinels_plant(e, s);
		e->res->sentinel_seconds += now_seconds() - t;
	}
	return true;
}

/*
 * A slot's read has completed in full.  Returns true when its data is
 * in the buffer; false when a sentinel survived (recorded as lost).
 */
static bool read_arrived(struct engine *e, struct slot *s)
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
	record_failure(e, s, s->off, -EPROTO, 0, false, true);
	return false;
}

/* Whether a slot interrupted after the halt could still fail lower. */
static bool below_failure(const struct engine *e, uint64_t at)
{
	return e->res->error && at < e->res->fail_offset;
}

static void phase_done(struct engine *e, struct slot *s)
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
		s->state = SLOT_WRITING;
		s->done = 0;
		slot_submit(e, s);
		return;
	}
	s->state = SLOT_IDLE;
	if (slot_start_next(e, s))
		slot_submit(e, s);
}

static void handle_cqe(struct engine *e, struct slot *s,
		       const struct io_uring_cqe *cqe)
{
	bool write = s->state == SLOT_WRITING;
	uint32_t status = 0;
	int res;

	e->inflight--;
	if (s->simulated)
		res = (int)s->piece; /* success, and no data moved */
	else
		res = e->be->complete(cqe,
				      write ? e->job->dst_ctx : e->job->src_ctx,
				      s->piece, &status);
	if (res == -EINTR || res == -EAGAIN) {
		if (!e->halted || below_failure(e, s->off + s->done))
			slot_submit(e, s);
		else
			s->state = SLOT_ABANDONED;
		return;
	}
	if (res <= 0) {
		/* Zero bytes: the source is shorter than it was at open. */
		record_failure(e, s, s->off + s->done, res ? res : -EIO, status,
			       res == 0 && !write, false);
		return;
	}
	s->done += (uint32_t)res;
	if (s->done < s->len) {
		/*
		 * Short transfer (or the next command): go on, also after a
		 * halt if this slot may hold a lower failure, so the lowest
		 * failing byte is found whatever the completion order.
		 */
		if (!e->halted || below_failure(e, s->off + s->done))
			slot_submit(e, s);
		else
			s->state = SLOT_ABANDONED;
		return;
	}
	phase_done(e, s);
}

static uint64_t completed_prefix(const struct engine *e)
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

static void maybe_progress(struct engine *e, bool force)
{
	const struct copy_job *job = e->job;
	struct copy_progress p;
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

static int reap(struct engine *e)
{
	struct io_uring_cqe *cqe;
	unsigned int head, seen = 0;
	int ret;

	ret = io_uring_submit_and_wait(&e->ring, 1);
	if (ret < 0 && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY)
		return ret;
	io_uring_for_each_cqe(&e->ring, head, cqe) {
		handle_cqe(e, io_uring_cqe_get_data(cqe), cqe);
		seen++;
	}
	io_uring_cq_advance(&e->ring, seen);
	return 0;
}

static int engine_init(struct engine *e, const struct copy_job *job,
		       struct copy_result *res)
{
	struct iovec iov;
	uint32_t i;
	int ret;

	memset(e, 0, sizeof(*e));
	memset(res, 0, sizeof(*res));
	e->job = job;
	e->be = job_backend(job);
	e->res = res;
	if (!job->queue_depth)
		return -EINVAL;
	ret = chunk_plan_make(job->length, job->chunk_size, job->align,
			      &e->plan);
	if (ret)
		return ret;
	e->nslots = job->queue_depth;
	e->slots = calloc(e->nslots, sizeof(*e->slots));
	if (!e->slots)
		return -ENOMEM;
	for (i = 0; i < e->nslots; i++)
		e->slots[i].buf =
			(char *)job->buf + (size_t)i * job->chunk_size;
	ret = ring_init(&e->ring, e->nslots, e->be);
	if (ret) {
		free(e->slots);
		return ret;
	}
	iov.iov_base = job->buf;
	iov.iov_len = (size_t)job->chunk_size * job->queue_depth;
	if (e->be->allow_fixed_buffers && e->be->use_fixed)
		e->fixed = io_uring_register_buffers(&e->ring, &iov, 1) == 0;
	res->fixed_buffers = e->fixed;
	res->sentinels = job->sentinels;
	e->nonce = run_nonce();
	e->start = e->last_progress = now_seconds();
	return 0;
}

static void engine_exit(struct engine *e)
{
	io_uring_queue_exit(&e->ring);
	free(e->slots);
}

/*
 * A failed request covers a whole command, but the device failed at
 * one block.  Find it with one-block requests through the same backend,
 * so the report names the exact byte: reads from the end of the
 * completed prefix (harmless), writes within the failed chunk only (the
 * data is still in its slot, and it is what belongs there).  Runs after
 * the drain, on the now idle ring.
 */
static void narrow_read(struct engine *e, struct slot *s)
{
	const struct copy_job *job = e->job;
	struct copy_result *res = e->res;
	uint64_t off = e->res->done, end = s->off + s->len;
	uint32_t status;
	int n;

	for (; off < end; off += job->align) {
		n = ring_io(&e->ring, e->be, job->src_fd, job->src_ctx, false,
			    s->buf, job->align, job->src_offset + off, &status);
		if (n == (int)job->align)
			continue;
		res->unexpected_eof = n >= 0;
		res->error = n < 0 ? n : -EIO;
		res->nvme_status = status;
		res->fail_offset = off + (n > 0 ? (uint64_t)n : 0);
		return;
	}
}

static void narrow_write(struct engine *e, struct slot *s)
{
	const struct copy_job *job = e->job;
	struct copy_result *res = e->res;
	uint64_t off = s->off + s->done;
	uint32_t status;
	int n;

	for (; off < s->off + s->len; off += job->align) {
		n = ring_io(&e->ring, e->be, job->dst_fd, job->dst_ctx, true,
			    s->buf + (off - s->off), job->align,
			    job->dst_offset + off, &status);
		if (n == (int)job->align)
			continue;
		res->error = n < 0 ? n : -EIO;
		res->nvme_status = status;
		res->fail_offset = off;
		/* Everything before it in this lowest chunk is written now. */
		if (s->off == res->done)
			res->done = off;
		return;
	}
}

static void narrow_failure(struct engine *e)
{
	const struct copy_result *res = e->res;
	struct slot *s = e->fail_slot;

	if (!s || res->lost || res->error == -EBADF || res->error == -EINVAL)
		return;
	if (res->fail_side == COPY_SIDE_READ)
		narrow_read(e, s);
	else
		narrow_write(e, s);
}

/* Reap until nothing is in flight, halting on a stop request. */
static void drain(struct engine *e)
{
	const struct copy_job *job = e->job;
	struct copy_result *res = e->res;
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

int copy_run(const struct copy_job *job, struct copy_result *res)
{
	struct engine e;
	uint32_t i;
	int ret;

	ret = engine_init(&e, job, res);
	if (ret) {
		res->error = ret;
		return ret;
	}
	/* A stop already raised: write nothing at all. */
	if (job->stop && *job->stop) {
		e.halted = true;
		res->stopped = true;
	}
	for (i = 0; i < e.nslots; i++)
		if (slot_start_next(&e, &e.slots[i]))
			slot_submit(&e, &e.slots[i]);
	drain(&e);
	res->done = completed_prefix(&e);
	if (res->error)
		narrow_failure(&e);
	res->seconds = now_seconds() - e.start;
	/* A last line for a live display, so it ends on the final count. */
	maybe_progress(&e, job->progress_interval > 0);
	engine_exit(&e);
	return res->error;
}

/*
 * Verification reads the range in pieces of at most VERIFY_PIECE_MAX
 * bytes (so no length wraps a uint32_t however large the buffer) and
 * at least one block (so a one-block buffer works): SRC's piece, then
 * DST's, each into its own system-memory copy, then compare.
 */
#define VERIFY_PIECE_MAX (64u * 1024 * 1024)
#define POISON_STEP 0x9e3779b97f4a7c15ULL

struct verifier {
	struct io_uring ring;
	const struct copy_job *job;
	const struct copy_backend *be;
	bool through_buf;
	uint32_t piece;
	char *copy[2]; /* system memory: SRC's and DST's piece */
	uint64_t nonce[2]; /* poison of SRC's and DST's reads */
};

static uint64_t poison_word(uint64_t nonce, uint64_t word)
{
	return nonce + word * POISON_STEP;
}

/* Device-safe: aligned 8-byte stores only; @len is a multiple of 8. */
static void poison_fill(char *buf, uint32_t len, uint64_t nonce)
{
	volatile uint64_t *w = (volatile uint64_t *)buf;
	uint32_t i;

	for (i = 0; i < len / 8; i++)
		w[i] = poison_word(nonce, i);
}

static uint32_t verify_piece(const struct copy_job *job, bool through_buf)
{
	uint64_t piece = VERIFY_PIECE_MAX;
	uint64_t total = (uint64_t)job->chunk_size * job->queue_depth;
	uint64_t need =
		(job->length + job->align - 1) / job->align * job->align;

	if (through_buf && total < piece)
		piece = total;
	if (need < piece)
		piece = need;
	return (uint32_t)(piece / job->align * job->align);
}

/*
 * Read @len bytes of one side at @off of the range into v->copy[side].
 * Through the buffer, the piece is poisoned with the side's own nonce
 * first: if the read's data never arrives, the copy holds that poison,
 * and the two sides' poisons differ, so stale data cannot compare equal.
 */
static int verify_read(struct verifier *v, int side, uint64_t off, uint32_t len,
		       struct copy_result *res)
{
	const struct copy_job *job = v->job;
	char *into = v->through_buf ? job->buf : v->copy[side];
	uint32_t failed_at = 0;
	bool eof;
	int ret;

	if (v->through_buf)
		poison_fill(into, len, v->nonce[side]);
	ret = ring_io_full(&v->ring, v->be, side ? job->dst_fd : job->src_fd,
			   side ? job->dst_ctx : job->src_ctx, false, into, len,
			   (side ? job->dst_offset : job->src_offset) + off,
			   &res->nvme_status, &failed_at, &eof);
	if (ret) {
		res->error = ret;
		res->fail_side = side ? COPY_SIDE_WRITE : COPY_SIDE_READ;
		res->fail_offset = off + failed_at;
		res->unexpected_eof = eof;
		return ret;
	}
	if (v->through_buf)
		p2pmem_copy_from(v->copy[side], into, len);
	return 0;
}

/*
 * The pieces differ at byte @i: a side whose word there still holds its
 * poison did not receive its data (-EPROTO, that side blamed); else the
 * data differs (1).
 */
static int verify_differs(struct verifier *v, uint64_t off, uint32_t i,
			  uint64_t *mismatch, struct copy_result *res)
{
	uint32_t w = i / 8;
	uint64_t word;
	int side;

	for (side = 0; v->through_buf && side < 2; side++) {
		memcpy(&word, v->copy[side] + (size_t)w * 8, sizeof(word));
		if (word != poison_word(v->nonce[side], w))
			continue;
		res->error = -EPROTO;
		res->lost = true;
		res->fail_side = side ? COPY_SIDE_WRITE : COPY_SIDE_READ;
		res->fail_offset = off + (uint64_t)w * 8;
		return -EPROTO;
	}
	*mismatch = off + i;
	res->done = off + i;
	return 1;
}

static int verify_pieces(struct verifier *v, uint64_t *mismatch,
			 struct copy_result *res)
{
	const struct copy_job *job = v->job;
	uint64_t off = 0;
	uint32_t len, i;
	int ret;

	while (off < job->length) {
		len = job->length - off < v->piece ?
			      (uint32_t)(job->length - off) :
			      v->piece;
		if (job->stop && *job->stop) {
			res->stopped = true;
			return -EINTR;
		}
		ret = verify_read(v, 0, off, len, res);
		if (!ret)
			ret = verify_read(v, 1, off, len, res);
		if (ret)
			return ret;
		if (memcmp(v->copy[0], v->copy[1], len)) {
			for (i = 0; v->copy[0][i] == v->copy[1][i]; i++)
				;
			return verify_differs(v, off, i, mismatch, res);
		}
		off += len;
		res->done = off;
	}
	return 0;
}

int copy_verify(const struct copy_job *job, bool through_buf,
		uint64_t *mismatch, struct copy_result *res)
{
	struct verifier v = { .job = job, .through_buf = through_buf };
	int ret, side;

	memset(res, 0, sizeof(*res));
	v.be = job_backend(job);
	if (!job->align || job->length % job->align)
		return -EINVAL;
	v.piece = verify_piece(job, through_buf);
	if (!v.piece && job->length)
		return -EINVAL; /* a buffer smaller than one block */
	ret = ring_init(&v.ring, 2, v.be);
	if (ret)
		return ret;
	for (side = 0; side < 2; side++) {
		if (posix_memalign((void **)&v.copy[side], job->align,
				   v.piece ? v.piece : job->align))
			v.copy[side] = NULL;
		v.nonce[side] = run_nonce();
	}
	/* Equal nonces would let two dropped reads compare equal. */
	if (v.nonce[1] == v.nonce[0])
		v.nonce[1] = ~v.nonce[0];
	res->poisoned = through_buf;
	res->seconds = now_seconds();
	ret = v.copy[0] && v.copy[1] ? verify_pieces(&v, mismatch, res) :
				       -ENOMEM;
	res->seconds = now_seconds() - res->seconds;
	free(v.copy[0]);
	free(v.copy[1]);
	io_uring_queue_exit(&v.ring);
	return ret;
}

/*
 * The arrival probe.  One block of the copy, moved the way the copy
 * moves it, compared with the same block moved through system memory
 * (the ground truth: no peer-to-peer path involved).
 */
struct prober {
	struct io_uring ring;
	const struct copy_job *job;
	const struct copy_backend *be;
	uint32_t len; /* one block */
	char *truth; /* SRC's block, read into system memory */
	char *saved; /* DST's block as it was before the probe */
	char *back; /* scratch, system memory */
	bool eof; /* the last probe_io() ended at end of file */
	struct arrival_result *out;
};

/* One block of SRC (@side 0) or DST (1) to or from @buf. */
static int probe_io(struct prober *p, int side, bool write, char *buf)
{
	const struct copy_job *job = p->job;
	struct arrival_result *out = p->out;
	uint32_t failed_at;
	bool eof;
	int ret;

	ret = ring_io_full(&p->ring, p->be, side ? job->dst_fd : job->src_fd,
			   side ? job->dst_ctx : job->src_ctx, write, buf,
			   p->len, side ? job->dst_offset : job->src_offset,
			   &out->nvme_status, &failed_at, &eof);
	p->eof = ret && eof;
	if (ret) {
		out->verdict = ARRIVAL_IO_ERROR;
		out->side = side ? COPY_SIDE_WRITE : COPY_SIDE_READ;
		out->error = ret;
	}
	return ret;
}

/* Judge @got (a copy out of the buffer) against the ground truth. */
static enum arrival_verdict probe_judge(struct prober *p, const char *got,
					uint64_t nonce)
{
	uint32_t i, words = p->len / 8;
	uint64_t w;

	if (!memcmp(got, p->truth, p->len))
		return ARRIVAL_OK;
	p->out->words = words;
	p->out->poison_left = 0;
	for (i = 0; nonce && i < words; i++) {
		memcpy(&w, got + (size_t)i * 8, sizeof(w));
		p->out->poison_left += w == poison_word(nonce, i);
	}
	if (p->out->poison_left == words)
		return ARRIVAL_LOST;
	return p->out->poison_left ? ARRIVAL_PARTIAL : ARRIVAL_MISMATCH;
}

/*
 * SRC's peer-to-peer writes into the buffer: poison its first block
 * with a per-run nonce (device-safe stores), read SRC's first block
 * into it, compare with the same block read into system memory.
 */
static int probe_src(struct prober *p)
{
	char *blk = p->job->buf;
	uint64_t nonce = run_nonce();

	p->out->side = COPY_SIDE_READ;
	poison_fill(blk, p->len, nonce);
	if (probe_io(p, 0, false, blk) || probe_io(p, 0, false, p->truth))
		return -1;
	p2pmem_copy_from(p->back, blk, p->len);
	p->out->verdict = probe_judge(p, p->back, nonce);
	p->out->src_checked = p->out->verdict == ARRIVAL_OK;
	return p->out->src_checked ? 0 : -1;
}

/*
 * DST's peer-to-peer reads from the buffer.  Nothing may be written to
 * DST that is not the copy, and the CPU's poison is not the copy.  But
 * the buffer now holds SRC's first block, proven equal to the ground
 * truth, and that block is exactly what the copy writes to DST's first
 * block: writing it is the copy's own first write, done early.  Read it
 * back into system memory: a difference means DST's device did not get
 * the data from the buffer; DST's block is then restored from the copy
 * taken before (through system memory), so a failed check leaves DST
 * as it was.  If DST already held these bytes, nothing is proven.
 */
/* Put DST's first block back as it was; true if that failed. */
static bool probe_restore(struct prober *p)
{
	struct arrival_result keep = *p->out;
	bool failed = probe_io(p, 1, true, p->saved) != 0;

	/* The report is about the check, not about the restore. */
	*p->out = keep;
	return failed;
}

static int probe_dst(struct prober *p)
{
	struct arrival_result *out = p->out;

	out->side = COPY_SIDE_WRITE;
	if (probe_io(p, 1, true, p->job->buf) ||
	    probe_io(p, 1, false, p->back)) {
		out->dst_not_restored = probe_restore(p);
		return -1;
	}
	out->verdict = probe_judge(p, p->back, 0);
	if (out->verdict == ARRIVAL_OK) {
		out->dst_checked = memcmp(p->saved, p->truth, p->len) != 0;
		return 0;
	}
	/* Unchanged: nothing the device read arrived on DST. */
	if (!memcmp(p->back, p->saved, p->len))
		out->verdict = ARRIVAL_LOST;
	out->dst_not_restored = probe_restore(p);
	return -1;
}

static int probe_steps(struct prober *p)
{
	bool dst_block;

	/*
	 * DST's first block as it is, to put back after a failed check.  A
	 * file that ends before it has no such block: DST's direction is
	 * then not checked (a write there would have to be undone by a
	 * truncate).  The kernel's verdict for DST comes with DST's write.
	 */
	dst_block = !probe_io(p, 1, false, p->saved);
	if (!dst_block && !p->eof)
		return 0;
	memset(p->out, 0, sizeof(*p->out));
	if (probe_src(p) || !dst_block)
		return 0;
	probe_dst(p);
	return 0;
}

int copy_check_arrival(const struct copy_job *job, struct arrival_result *out)
{
	struct prober p = { .job = job, .len = job->align, .out = out };
	char **bufs[3] = { &p.truth, &p.saved, &p.back };
	int ret = 0, i;

	memset(out, 0, sizeof(*out));
	p.be = job_backend(job);
	if (!job->align || job->align % 8 || job->length < job->align ||
	    (uint64_t)job->chunk_size * job->queue_depth < job->align)
		return -EINVAL;
	for (i = 0; i < 3; i++)
		if (posix_memalign((void **)bufs[i], job->align, job->align))
			ret = -ENOMEM;
	if (!ret)
		ret = ring_init(&p.ring, 2, p.be);
	if (!ret) {
		ret = probe_steps(&p);
		io_uring_queue_exit(&p.ring);
	}
	for (i = 0; i < 3; i++)
		free(*bufs[i]);
	return ret;
}
