// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Verification of the range just copied, streamed like the copy: the
 * range is cut into the copy's chunks, and queue_depth slots each read
 * one chunk of SRC and the same chunk of DST at once, compare them as
 * soon as both have landed, and take the next chunk.  Memory stays at
 * two chunks a slot (16 MiB at the defaults) for any length, and both
 * devices are busy all the time.
 *
 * Through the copy's buffer (p2pmem), each slot's part of it holds half
 * a chunk of each side, poisoned with that side's nonce before the
 * read, and device-safe loads copy it out for the comparison.
 *
 * Chunks complete in any order, but what is reported does not depend on
 * it: after a failure or a difference no new chunk starts, the chunks
 * below it finish, and the lowest byte wins (a read error, a lost read
 * or a difference); the verified prefix is everything below the lowest
 * chunk not yet found equal.
 */
#include <errno.h>
#include <liburing.h>
#include <stdlib.h>
#include <string.h>

#include "verify.h"
#include "p2pmem.h"
#include "poison.h"
#include "ring.h"
#include "util.h"

enum vslot_state { VSLOT_IDLE, VSLOT_READING, VSLOT_ABANDONED };

struct vslot;

/* One side's read of a slot's chunk. */
struct vside {
	struct vslot *slot;
	int side; /* 0: SRC, 1: DST */
	char *buf; /* what the device reads into */
	char *copy; /* system memory to compare (== buf without p2pmem) */
	uint32_t done; /* bytes read */
	uint32_t piece; /* bytes of the command in flight */
};

struct vslot {
	uint64_t off; /* relative to the range */
	uint32_t len;
	enum vslot_state state;
	unsigned int reading; /* sides not yet complete */
	struct vside side[2];
};

enum vfail { VFAIL_NONE, VFAIL_IO, VFAIL_LOST, VFAIL_DIFFER };

struct verifier {
	struct io_uring ring;
	const struct pipeline_job *job;
	const struct ring_backend *be;
	bool through_buf;
	uint32_t piece; /* bytes per side and slot */
	uint32_t nslots;
	/*
	 * A buffer too small for a half chunk of each side (one block):
	 * both sides share it, SRC read and copied out before DST.
	 */
	bool shared;
	struct vslot *slots;
	char *memory; /* the system-memory halves of every slot */
	uint64_t nonce[2]; /* poison of SRC's and DST's reads */
	uint64_t next_off; /* the next chunk to hand out */
	uint32_t inflight;
	bool halted;
	/* The lowest failure so far. */
	enum vfail fail;
	uint64_t fail_at;
	struct pipeline_result *res;
};

/* @job's length is a multiple of its align (verify_range checks). */
static uint32_t verify_piece(const struct pipeline_job *job, bool through_buf)
{
	uint64_t piece = job->geometry.chunk_size;

	/* Through the buffer: half a chunk for each side. */
	if (through_buf)
		piece = piece / 2 / job->geometry.align * job->geometry.align;
	if (!piece)
		piece = job->geometry.align;
	if (job->length < piece)
		piece = job->length;
	return (uint32_t)piece;
}

/*
 * Remember a failure at @at; the lowest one wins.  No two kinds meet at
 * one byte: a loss or a difference is found only in a chunk whose reads
 * all completed, and chunks do not overlap.
 */
static void verify_fail(struct verifier *v, enum vfail kind, uint64_t at)
{
	if (v->fail == VFAIL_NONE || at < v->fail_at) {
		v->fail = kind;
		v->fail_at = at;
	}
	v->halted = true;
}

static bool below_fail(const struct verifier *v, uint64_t at)
{
	return v->fail != VFAIL_NONE && at < v->fail_at;
}

static void side_submit(struct verifier *v, struct vside *d)
{
	const struct pipeline_job *job = v->job;
	struct vslot *s = d->slot;
	struct io_uring_sqe *sqe = io_uring_get_sqe(&v->ring);

	/* Cannot fail: the ring has an entry for each side of each slot. */
	if (!sqe)
		return;
	d->piece = s->len - d->done;
	if (v->be->max_transfer && d->piece > v->be->max_transfer)
		d->piece = v->be->max_transfer;
	v->be->prep(sqe, d->side ? job->dst_fd : job->src_fd,
		    d->side ? job->dst_ctx : job->src_ctx, false,
		    d->buf + d->done, d->piece,
		    (d->side ? job->dst_offset : job->src_offset) + s->off +
			    d->done);
	io_uring_sqe_set_data(sqe, d);
	v->inflight++;
}

static void side_begin(struct verifier *v, struct vside *d)
{
	d->done = 0;
	/*
	 * Poisoned with the side's own nonce: a read whose data never
	 * arrives leaves poison, and the two sides' poisons differ, so
	 * stale data cannot compare equal.
	 */
	if (v->through_buf) {
		poison_fill(d->buf, d->slot->len, v->nonce[d->side]);
		/*
		 * On the device before the read is submitted: a late posted
		 * store would overwrite data that arrived (a false "lost"
		 * or difference), and a cached line would keep it.
		 */
		poison_publish_range(d->buf, d->slot->len);
	}
	side_submit(v, d);
}

static bool slot_start(struct verifier *v, struct vslot *s)
{
	const struct pipeline_job *job = v->job;
	int i;

	if (v->halted || v->next_off >= job->length)
		return false;
	s->off = v->next_off;
	s->len = job->length - s->off < v->piece ?
			 (uint32_t)(job->length - s->off) :
			 v->piece;
	v->next_off += s->len;
	s->state = VSLOT_READING;
	s->reading = 2;
	for (i = 0; i < (v->shared ? 1 : 2); i++)
		side_begin(v, &s->side[i]);
	return true;
}

/*
 * Both sides of the slot have landed: compare.  Where they differ, a
 * side whose word there still holds its poison did not receive its
 * data (lost); else the data differs.
 */
static void slot_compare(struct verifier *v, struct vslot *s)
{
	const char *a = s->side[0].copy, *b = s->side[1].copy;
	uint64_t word;
	uint32_t i, w;
	int i_side;

	/* Loads from the device, not from lines the CPU kept. */
	if (v->through_buf && !v->shared) {
		poison_forget_range(s->side[0].buf, s->len);
		p2pmem_copy_from(s->side[0].copy, s->side[0].buf, s->len);
	}
	if (v->through_buf) {
		poison_forget_range(s->side[1].buf, s->len);
		p2pmem_copy_from(s->side[1].copy, s->side[1].buf, s->len);
	}
	if (!memcmp(a, b, s->len)) {
		s->state = VSLOT_IDLE;
		return;
	}
	for (i = 0; a[i] == b[i]; i++)
		;
	w = i / 8;
	for (i_side = 0; v->through_buf && i_side < 2; i_side++) {
		memcpy(&word, s->side[i_side].copy + (size_t)w * 8,
		       sizeof(word));
		if (word != poison_word(v->nonce[i_side], w))
			continue;
		if (v->fail == VFAIL_NONE ||
		    s->off + (uint64_t)w * 8 < v->fail_at)
			v->res->fail_side = i_side ? COPY_SIDE_WRITE :
						     COPY_SIDE_READ;
		verify_fail(v, VFAIL_LOST, s->off + (uint64_t)w * 8);
		s->state = VSLOT_ABANDONED;
		return;
	}
	verify_fail(v, VFAIL_DIFFER, s->off + i);
	s->state = VSLOT_ABANDONED;
}

static void side_failed(struct verifier *v, struct vside *d, int err,
			uint32_t status, bool eof)
{
	struct vslot *s = d->slot;
	uint64_t at = s->off + d->done;
	struct pipeline_result *res = v->res;

	/* The lowest byte, and at the same byte SRC (read first before). */
	if (v->fail == VFAIL_NONE || at < v->fail_at ||
	    (at == v->fail_at && !d->side)) {
		res->error = err;
		res->nvme_status = status;
		res->fail_side = d->side ? COPY_SIDE_WRITE : COPY_SIDE_READ;
		res->unexpected_eof = eof;
	}
	verify_fail(v, VFAIL_IO, at);
	s->state = VSLOT_ABANDONED;
}

static void handle_cqe(struct verifier *v, struct vside *d,
		       const struct io_uring_cqe *cqe)
{
	const struct pipeline_job *job = v->job;
	struct vslot *s = d->slot;
	uint32_t status = 0;
	int n;

	v->inflight--;
	n = v->be->complete(cqe, d->side ? job->dst_ctx : job->src_ctx,
			    d->piece, &status);
	if (s->state == VSLOT_ABANDONED) {
		/*
		 * The other side failed: this one reads on up to that
		 * byte, where its own failure would come first.
		 */
		if (n <= 0) {
			if (n != -EINTR && n != -EAGAIN)
				side_failed(v, d, n ? n : -EIO, status, n == 0);
			return;
		}
		d->done += (uint32_t)n;
		if (d->done < s->len && s->off + d->done <= v->fail_at)
			side_submit(v, d);
		return;
	}
	/* After a halt, only slots below the failure go on. */
	if (v->halted && !below_fail(v, s->off)) {
		s->state = VSLOT_ABANDONED;
		return;
	}
	if (n == -EINTR || n == -EAGAIN) {
		side_submit(v, d);
		return;
	}
	if (n <= 0) {
		side_failed(v, d, n ? n : -EIO, status, n == 0);
		return;
	}
	d->done += (uint32_t)n;
	if (d->done < s->len) {
		side_submit(v, d);
		return;
	}
	if (--s->reading) {
		/* A shared buffer: SRC's piece out of it, then DST's in. */
		if (v->shared) {
			poison_forget_range(d->buf, s->len);
			p2pmem_copy_from(d->copy, d->buf, s->len);
			side_begin(v, &s->side[1]);
		}
		return;
	}
	slot_compare(v, s);
	if (s->state == VSLOT_IDLE)
		slot_start(v, s);
}

/* Everything below the lowest chunk not yet found equal. */
static uint64_t verified_prefix(const struct verifier *v)
{
	uint64_t done = v->next_off;
	uint32_t i;

	for (i = 0; i < v->nslots; i++)
		if (v->slots[i].state != VSLOT_IDLE && v->slots[i].off < done)
			done = v->slots[i].off;
	return done;
}

static int verify_stream(struct verifier *v, uint64_t *mismatch)
{
	const struct pipeline_job *job = v->job;
	struct pipeline_result *res = v->res;
	struct io_uring_cqe *cqe;
	unsigned int head, seen;
	uint32_t i;
	int ret;

	if (job->stop && *job->stop)
		v->halted = res->stopped = true;
	for (i = 0; i < v->nslots; i++)
		slot_start(v, &v->slots[i]);
	while (v->inflight) {
		ret = io_uring_submit_and_wait(&v->ring, 1);
		if (ret < 0 && ret != -EINTR && ret != -EAGAIN &&
		    ret != -EBUSY) {
			/* The ring failed: nothing more can be reaped. */
			res->error = ret;
			res->done = verified_prefix(v);
			res->fail_offset = res->done;
			return ret;
		}
		seen = 0;
		io_uring_for_each_cqe(&v->ring, head, cqe) {
			handle_cqe(v, io_uring_cqe_get_data(cqe), cqe);
			seen++;
		}
		io_uring_cq_advance(&v->ring, seen);
		if (job->stop && *job->stop && !v->halted)
			v->halted = res->stopped = true;
	}
	switch (v->fail) {
	case VFAIL_DIFFER:
		/*
		 * The first failure is the mismatch: a later I/O error or
		 * loss recorded on the way is not this result's to report.
		 */
		res->error = 0;
		res->nvme_status = 0;
		res->fail_side = COPY_SIDE_NONE;
		res->unexpected_eof = false;
		*mismatch = v->fail_at;
		res->done = v->fail_at;
		return 1;
	case VFAIL_LOST:
		res->error = -EPROTO;
		res->lost = true;
		res->fail_offset = v->fail_at;
		res->done = verified_prefix(v);
		return -EPROTO;
	case VFAIL_IO:
		res->fail_offset = v->fail_at;
		res->done = verified_prefix(v);
		return res->error;
	case VFAIL_NONE:
		break;
	}
	res->done = verified_prefix(v);
	return res->stopped && res->done < job->length ? -EINTR : 0;
}

/* Each slot's halves: system memory, and with p2pmem its buffer too. */
static int verifier_setup(struct verifier *v)
{
	const struct pipeline_job *job = v->job;
	uint64_t total =
		(uint64_t)job->geometry.chunk_size * job->geometry.queue_depth;
	uint32_t i;
	int side;

	v->nslots = job->geometry.queue_depth;
	if (v->through_buf && total / (2 * (uint64_t)v->piece) < v->nslots)
		v->nslots = (uint32_t)(total / (2 * (uint64_t)v->piece));
	if (!v->nslots) {
		if (total < v->piece)
			return -EINVAL; /* a buffer smaller than one block */
		v->nslots = 1;
		v->shared = true;
	}
	v->slots = calloc(v->nslots, sizeof(*v->slots));
	if (!v->slots ||
	    posix_memalign((void **)&v->memory, job->geometry.align,
			   (size_t)v->nslots * 2 * v->piece))
		return -ENOMEM;
	for (i = 0; i < v->nslots; i++) {
		for (side = 0; side < 2; side++) {
			struct vside *d = &v->slots[i].side[side];
			size_t at = ((size_t)i * 2 + side) * v->piece;

			d->slot = &v->slots[i];
			d->side = side;
			d->copy = v->memory + at;
			d->buf = !v->through_buf ? d->copy :
				 v->shared	 ? (char *)job->buf :
						   (char *)job->buf + at;
		}
	}
	return 0;
}

int verify_range(const struct pipeline_job *job, bool through_buf,
		 uint64_t *mismatch, struct pipeline_result *res)
{
	struct verifier v = { .job = job, .through_buf = through_buf };
	int ret;

	memset(res, 0, sizeof(*res));
	v.res = res;
	v.be = ring_backend_or_block(job->backend);
	if (!job->geometry.align || job->length % job->geometry.align ||
	    !job->geometry.queue_depth || !job->geometry.chunk_size)
		return -EINVAL;
	if (!job->length)
		return 0;
	v.piece = verify_piece(job, through_buf);
	ret = ring_init(&v.ring, 2 * job->geometry.queue_depth, v.be);
	if (ret)
		return ret;
	v.nonce[0] = poison_nonce();
	v.nonce[1] = poison_nonce();
	/* Equal nonces would let two dropped reads compare equal. */
	if (v.nonce[1] == v.nonce[0])
		v.nonce[1] = ~v.nonce[0];
	res->poisoned = through_buf;
	res->seconds = now_seconds();
	ret = verifier_setup(&v);
	if (!ret)
		ret = verify_stream(&v, mismatch);
	res->seconds = now_seconds() - res->seconds;
	free(v.slots);
	free(v.memory);
	io_uring_queue_exit(&v.ring);
	return ret;
}
