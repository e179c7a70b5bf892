// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The arrival probe.  One block of the copy, moved the way the copy
 * moves it, compared with the same block moved through system memory
 * (the ground truth: no peer-to-peer path involved).
 */
#include <errno.h>
#include <liburing.h>
#include <stdlib.h>
#include <string.h>

#include "arrival.h"
#include "p2pmem.h"
#include "poison.h"
#include "ring.h"
#include "util.h"

struct prober {
	struct io_uring ring;
	const struct pipeline_job *job;
	const struct ring_backend *be;
	uint32_t len; /* one block */
	char *truth; /* SRC's block, read into system memory */
	char *saved; /* DST's block as it was before the probe */
	char *back; /* scratch, system memory */
	bool eof; /* the last probe_io() ended at end of file */
	struct arrival_result *out;
};

/* One block of SRC (COPY_SIDE_READ) or DST (WRITE) to or from @buf. */
static int probe_io(struct prober *p, enum copy_side side, bool write,
		    char *buf)
{
	const struct pipeline_job *job = p->job;
	struct arrival_result *out = p->out;
	bool dst = side == COPY_SIDE_WRITE;
	uint32_t failed_at;
	bool eof;
	int ret;

	ret = ring_io_full(&p->ring, p->be, dst ? job->dst_fd : job->src_fd,
			   dst ? job->dst_ctx : job->src_ctx, write, buf,
			   p->len, dst ? job->dst_offset : job->src_offset,
			   &out->nvme_status, &failed_at, &eof, job->stop);
	p->eof = ret && eof;
	if (ret) {
		out->verdict = ARRIVAL_IO_ERROR;
		out->side = side;
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
	uint64_t nonce = poison_nonce();

	p->out->side = COPY_SIDE_READ;
	poison_fill(blk, p->len, nonce);
	/* The poison is on the device before SRC is told to overwrite it. */
	poison_publish_range(blk, p->len);
	if (probe_io(p, COPY_SIDE_READ, false, blk) ||
	    probe_io(p, COPY_SIDE_READ, false, p->truth))
		return -1;
	poison_forget_range(blk, p->len);
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
	bool failed = probe_io(p, COPY_SIDE_WRITE, true, p->saved) != 0;

	/* The report is about the check, not about the restore. */
	*p->out = keep;
	return failed;
}

static int probe_dst(struct prober *p)
{
	struct arrival_result *out = p->out;

	out->side = COPY_SIDE_WRITE;
	if (probe_io(p, COPY_SIDE_WRITE, true, p->job->buf) ||
	    probe_io(p, COPY_SIDE_WRITE, false, p->back)) {
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
	dst_block = !probe_io(p, COPY_SIDE_WRITE, false, p->saved);
	if (!dst_block && !p->eof)
		return 0;
	memset(p->out, 0, sizeof(*p->out));
	if (probe_src(p) || !dst_block)
		return 0;
	probe_dst(p);
	return 0;
}

int arrival_check(const struct pipeline_job *job, struct arrival_result *out)
{
	struct prober p = { .job = job,
			    .len = job->geometry.align,
			    .out = out };
	char **bufs[3] = { &p.truth, &p.saved, &p.back };
	int ret = 0, i;

	memset(out, 0, sizeof(*out));
	p.be = ring_backend_or_block(job->backend);
	if (!job->geometry.align || job->geometry.align % 8 ||
	    job->length < job->geometry.align ||
	    (uint64_t)job->geometry.chunk_size * job->geometry.queue_depth <
		    job->geometry.align)
		return -EINVAL;
	for (i = 0; i < 3; i++)
		if (posix_memalign((void **)bufs[i], job->geometry.align,
				   job->geometry.align))
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
