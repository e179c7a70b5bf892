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
 * chunk that is not finished.
 */
#include <errno.h>
#include <liburing.h>
#include <stdlib.h>
#include <string.h>
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
	uint32_t len;
	uint32_t done; /* bytes transferred in the current phase */
	enum slot_state state;
};

struct engine {
	struct io_uring ring;
	const struct copy_job *job;
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

static int ring_init(struct io_uring *ring, unsigned int entries)
{
	int ret;

	/* Cheaper completions where the kernel has them (5.19+, 6.0+). */
	ret = io_uring_queue_init(entries, ring,
				  IORING_SETUP_SINGLE_ISSUER |
					  IORING_SETUP_COOP_TASKRUN);
	if (ret == -EINVAL)
		ret = io_uring_queue_init(entries, ring, 0);
	return ret;
}

static void record_failure(struct engine *e, struct slot *s, int err,
			   enum copy_side side)
{
	uint64_t at = s->off + s->done;

	if (!e->res->error || at < e->res->fail_offset) {
		e->res->error = err;
		e->res->fail_offset = at;
		e->res->fail_side = side;
		e->fail_slot = s;
	}
	e->halted = true;
	s->state = SLOT_ABANDONED;
}

/* Queue the rest of the slot's current phase. */
static int slot_submit(struct engine *e, struct slot *s)
{
	const struct copy_job *job = e->job;
	struct io_uring_sqe *sqe = io_uring_get_sqe(&e->ring);
	uint32_t left = s->len - s->done;

	if (!sqe)
		return -EBUSY; /* cannot happen: the ring has a slot per SQE */
	if (s->state == SLOT_READING && e->fixed)
		io_uring_prep_read_fixed(sqe, job->src_fd, s->buf + s->done,
					 left,
					 job->src_offset + s->off + s->done, 0);
	else if (s->state == SLOT_READING)
		io_uring_prep_read(sqe, job->src_fd, s->buf + s->done, left,
				   job->src_offset + s->off + s->done);
	else if (e->fixed)
		io_uring_prep_write_fixed(sqe, job->dst_fd, s->buf + s->done,
					  left,
					  job->dst_offset + s->off + s->done,
					  0);
	else
		io_uring_prep_write(sqe, job->dst_fd, s->buf + s->done, left,
				    job->dst_offset + s->off + s->done);
	io_uring_sqe_set_data(sqe, s);
	e->inflight++;
	return 0;
}

static bool slot_start_next(struct engine *e, struct slot *s)
{
	if (e->halted || e->next_chunk >= e->plan.count)
		return false;
	s->off = e->next_off;
	s->len = e->next_chunk + 1 == e->plan.count ? e->plan.last :
						      e->plan.chunk_size;
	s->done = 0;
	s->state = SLOT_READING;
	e->next_chunk++;
	e->next_off += s->len;
	return true;
}

static void handle_cqe(struct engine *e, struct slot *s, int res)
{
	enum copy_side side = s->state == SLOT_READING ? COPY_SIDE_READ :
							 COPY_SIDE_WRITE;

	e->inflight--;
	if (res == -EINTR || res == -EAGAIN) {
		if (!e->halted) {
			slot_submit(e, s);
			return;
		}
		s->state = SLOT_ABANDONED;
		return;
	}
	if (res < 0) {
		record_failure(e, s, res, side);
		return;
	}
	if (res == 0) {
		/* Zero bytes: the source is shorter than it was at open. */
		if (side == COPY_SIDE_READ)
			e->res->unexpected_eof = true;
		record_failure(e, s, -EIO, side);
		return;
	}
	s->done += (uint32_t)res;
	if (s->done < s->len) {
		/* Short transfer: resume where it stopped. */
		if (e->halted) {
			s->state = SLOT_ABANDONED;
			return;
		}
		slot_submit(e, s);
		return;
	}
	if (s->state == SLOT_READING) {
		if (e->halted) {
			/* Read but never written: not part of the copy. */
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
		handle_cqe(e, io_uring_cqe_get_data(cqe), cqe->res);
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
	ret = ring_init(&e->ring, e->nslots);
	if (ret) {
		free(e->slots);
		return ret;
	}
	iov.iov_base = job->buf;
	iov.iov_len = (size_t)job->chunk_size * job->queue_depth;
	e->fixed = io_uring_register_buffers(&e->ring, &iov, 1) == 0;
	res->fixed_buffers = e->fixed;
	e->start = e->last_progress = now_seconds();
	return 0;
}

static void engine_exit(struct engine *e)
{
	io_uring_queue_exit(&e->ring);
	free(e->slots);
}

/*
 * A failed request covers a whole chunk, but the device failed at one
 * block.  Find it with one-block requests, so the report names the
 * exact byte: reads from the end of the completed prefix (harmless),
 * writes within the failed chunk only (the data is still in its slot,
 * and it is what belongs there).  Runs after the drain, synchronously.
 */
static void narrow_failure(struct engine *e)
{
	const struct copy_job *job = e->job;
	struct copy_result *res = e->res;
	struct slot *s = e->fail_slot;
	uint64_t off, end;
	ssize_t n;

	if (!s || res->error == -EBADF || res->error == -EINVAL)
		return;
	if (res->fail_side == COPY_SIDE_READ) {
		off = completed_prefix(e);
		end = s->off + s->len;
		for (; off < end; off += job->align) {
			do {
				n = pread(job->src_fd, s->buf, job->align,
					  (off_t)(job->src_offset + off));
			} while (n < 0 && (errno == EINTR || errno == EAGAIN));
			if (n == (ssize_t)job->align)
				continue;
			res->unexpected_eof = n >= 0;
			res->error = n < 0 ? -errno : -EIO;
			res->fail_offset = off + (n > 0 ? (uint64_t)n : 0);
			return;
		}
		return;
	}
	for (off = s->off + s->done; off < s->off + s->len; off += job->align) {
		do {
			n = pwrite(job->dst_fd, s->buf + (off - s->off),
				   job->align, (off_t)(job->dst_offset + off));
		} while (n < 0 && (errno == EINTR || errno == EAGAIN));
		if (n == (ssize_t)job->align)
			continue;
		res->error = n < 0 ? -errno : -EIO;
		res->fail_offset = off;
		return;
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
	for (i = 0; i < e.nslots; i++)
		if (slot_start_next(&e, &e.slots[i]))
			slot_submit(&e, &e.slots[i]);

	while (e.inflight) {
		ret = reap(&e);
		if (ret) {
			/*
			 * The ring itself failed: nothing more can be
			 * reaped, so in-flight chunks count as unfinished.
			 */
			res->error = ret;
			res->fail_offset = completed_prefix(&e);
			e.halted = true;
			break;
		}
		if (job->stop && *job->stop && !e.halted) {
			e.halted = true;
			res->stopped = true;
		}
		maybe_progress(&e, false);
	}
	res->done = completed_prefix(&e);
	if (res->error)
		narrow_failure(&e);
	res->seconds = now_seconds() - e.start;
	/* A last line for a live display, so it ends on the final count. */
	maybe_progress(&e, job->progress_interval > 0);
	engine_exit(&e);
	return res->error;
}

/* Read @len bytes at @off of @fd into @buf with one or more SQEs. */
static int read_full(struct io_uring *ring, int fd, char *buf, uint32_t len,
		     uint64_t off)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	uint32_t done = 0;
	int ret;

	while (done < len) {
		sqe = io_uring_get_sqe(ring);
		if (!sqe)
			return -EBUSY;
		io_uring_prep_read(sqe, fd, buf + done, len - done, off + done);
		ret = io_uring_submit_and_wait(ring, 1);
		if (ret < 0 && ret != -EINTR)
			return ret;
		ret = io_uring_wait_cqe(ring, &cqe);
		if (ret)
			return ret;
		ret = cqe->res;
		io_uring_cqe_seen(ring, cqe);
		if (ret == -EINTR || ret == -EAGAIN)
			continue;
		if (ret < 0)
			return ret;
		if (ret == 0)
			return -EIO;
		done += (uint32_t)ret;
	}
	return 0;
}

int copy_verify(const struct copy_job *job, bool buf_is_p2pmem,
		uint64_t *mismatch, struct copy_result *res)
{
	/* Half of the buffer for each side; whole aligned units only. */
	size_t total = (size_t)job->chunk_size * job->queue_depth;
	uint32_t half = (uint32_t)(total / 2 / job->align * job->align);
	char *a = job->buf, *b = (char *)job->buf + half;
	char *ra = NULL, *rb = NULL;
	struct io_uring ring;
	uint64_t off = 0;
	int ret;

	memset(res, 0, sizeof(*res));
	if (!half)
		return -EINVAL;
	ret = ring_init(&ring, 4);
	if (ret)
		return ret;
	if (buf_is_p2pmem) {
		ra = malloc(half);
		rb = malloc(half);
		if (!ra || !rb) {
			ret = -ENOMEM;
			goto out;
		}
	}
	res->seconds = now_seconds();
	while (off < job->length) {
		uint32_t len = job->length - off < half ?
				       (uint32_t)(job->length - off) :
				       half;
		const char *ca = a, *cb = b;
		uint32_t i;

		if (job->stop && *job->stop) {
			res->stopped = true;
			ret = -EINTR;
			goto out;
		}
		ret = read_full(&ring, job->src_fd, a, len,
				job->src_offset + off);
		if (ret) {
			res->fail_side = COPY_SIDE_READ;
			goto io_fail;
		}
		ret = read_full(&ring, job->dst_fd, b, len,
				job->dst_offset + off);
		if (ret) {
			res->fail_side = COPY_SIDE_WRITE;
			goto io_fail;
		}
		if (buf_is_p2pmem) {
			p2pmem_read(ra, a, len);
			p2pmem_read(rb, b, len);
			ca = ra;
			cb = rb;
		}
		if (memcmp(ca, cb, len)) {
			for (i = 0; i < len && ca[i] == cb[i]; i++)
				;
			*mismatch = off + i;
			res->done = off + i;
			ret = 1;
			goto out;
		}
		off += len;
		res->done = off;
	}
	ret = 0;
	goto out;
io_fail:
	res->error = ret;
	res->fail_offset = off;
out:
	res->seconds = now_seconds() - res->seconds;
	free(ra);
	free(rb);
	io_uring_queue_exit(&ring);
	return ret;
}
