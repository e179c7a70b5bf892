// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Verification of the range just copied.  It reads the range in pieces of at most VERIFY_PIECE_MAX
 * bytes (so no length wraps a uint32_t however large the buffer) and
 * at least one block (so a one-block buffer works): SRC's piece, then
 * DST's, each into its own system-memory copy, then compare.
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

#define VERIFY_PIECE_MAX (64u * 1024 * 1024)

struct verifier {
	struct io_uring ring;
	const struct pipeline_job *job;
	const struct ring_backend *be;
	bool through_buf;
	uint32_t piece;
	char *copy[2]; /* system memory: SRC's and DST's piece */
	uint64_t nonce[2]; /* poison of SRC's and DST's reads */
};

static uint32_t verify_piece(const struct pipeline_job *job, bool through_buf)
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
		       struct pipeline_result *res)
{
	const struct pipeline_job *job = v->job;
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
			  uint64_t *mismatch, struct pipeline_result *res)
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
			 struct pipeline_result *res)
{
	const struct pipeline_job *job = v->job;
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

int verify_range(const struct pipeline_job *job, bool through_buf,
		 uint64_t *mismatch, struct pipeline_result *res)
{
	struct verifier v = { .job = job, .through_buf = through_buf };
	int ret, side;

	memset(res, 0, sizeof(*res));
	v.be = ring_backend_or_block(job->backend);
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
		v.nonce[side] = poison_nonce();
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
