// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The copy's phases (copy.h): range, buffer, preflight read, O_DIRECT
 * transfer, buffered tail, durability and verification.  Decisions only;
 * the front-end words every outcome.  One file: each phase is short and
 * all share one session (struct copy_session) in the order p2pcp runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "copy.h"
#include "depth-tuner.h"
#include "nvme-passthru.h"
#include "util.h"
#include "verify.h"

static enum plan_reason parse_value(const char *str, uint32_t block,
				    enum plan_reason syntax, uint64_t *out)
{
	int ret;

	if (!str)
		return PLAN_OK;
	ret = parse_size(str, block, out);
	/* Offsets are off_t for the kernel: above 2^63-1 is out of range. */
	if (ret == 0 && *out > INT64_MAX)
		ret = -ERANGE;
	if (ret == -ERANGE)
		return syntax + 1; /* the matching *_RANGE reason */
	if (ret)
		return syntax;
	return PLAN_OK;
}

/* Offsets and length from the request; lengths default to SRC's rest. */
static enum plan_reason plan_numbers(const struct copy_request *rq,
				     struct copy_plan *p)
{
	const struct endpoint *s = &p->src, *d = &p->dst;
	enum plan_reason why;

	why = parse_value(rq->src_offset, s->dio_align, PLAN_SRC_OFFSET_SYNTAX,
			  &p->src_offset);
	if (!why)
		why = parse_value(rq->dst_offset, d->dio_align,
				  PLAN_DST_OFFSET_SYNTAX, &p->dst_offset);
	if (why)
		return why;
	if (p->src_offset > s->size)
		return PLAN_SRC_OFFSET_PAST_END;
	p->length = s->size - p->src_offset;
	return parse_value(rq->length, s->dio_align, PLAN_LENGTH_SYNTAX,
			   &p->length);
}

/* The range must lie within SRC, and within DST when that is a device. */
static enum plan_reason plan_bounds(struct copy_plan *p)
{
	uint64_t end;

	if (add_overflows(p->src_offset, p->length, &end) || end > p->src.size)
		return PLAN_PAST_SRC_END;
	if (add_overflows(p->dst_offset, p->length, &end) || end > INT64_MAX)
		return PLAN_DST_END_OVERFLOW;
	if (p->dst.kind == ENDPOINT_BLOCK && end > p->dst.size)
		return PLAN_DST_TOO_SMALL;
	return PLAN_OK;
}

/*
 * A file DST follows cp and dd: a whole-file copy (no offset, no
 * length) leaves it exactly SRC's size; a ranged copy writes only its
 * range (conv=notrunc) and may extend the file, but not leave a hole
 * before the range.
 */
static enum plan_reason plan_file_size(const struct copy_request *rq,
				       struct copy_plan *p)
{
	bool whole = !rq->src_offset && !rq->dst_offset && !rq->length;

	if (p->dst.kind != ENDPOINT_FILE)
		return PLAN_OK;
	if (p->dst_offset > p->dst.size)
		return PLAN_DST_OFFSET_PAST_END;
	p->dst_resize = whole && p->dst.size != p->length;
	p->dst_new_size = p->length;
	return PLAN_OK;
}

/* Same storage under any name (storage.h): exact overlap, or unknown. */
static enum plan_reason plan_overlap(struct copy_plan *p)
{
	const struct storage_layer *where;
	enum storage_verdict v;

	v = storage_compare(&p->src.storage, p->src_offset, &p->dst.storage,
			    p->dst_offset, p->length, &where);
	if (where)
		p->overlap_at = *where;
	if (v == STORAGE_OVERLAP)
		return PLAN_OVERLAP;
	if (v == STORAGE_UNKNOWN)
		return PLAN_OVERLAP_UNKNOWN;
	return PLAN_OK;
}

static void fit_slots(struct copy_plan *p, size_t buf_len);

enum plan_reason copy_plan_range(const struct copy_request *rq,
				 struct copy_plan *p)
{
	enum plan_reason why;

	p->geometry.align = p->src.dio_align > p->dst.dio_align ?
				    p->src.dio_align :
				    p->dst.dio_align;
	p->src_offset = p->dst_offset = 0;
	p->dst_resize = false;
	why = plan_numbers(rq, p);
	if (!why)
		why = plan_bounds(p);
	if (!why)
		why = plan_file_size(rq, p);
	if (why)
		return why;
	if (!is_aligned(p->src_offset, p->geometry.align))
		return PLAN_SRC_OFFSET_UNALIGNED;
	if (!is_aligned(p->dst_offset, p->geometry.align))
		return PLAN_DST_OFFSET_UNALIGNED;
	/*
	 * O_DIRECT moves whole blocks only.  A tail that is not one can be
	 * copied exactly when the destination is a file (buffered I/O for
	 * the last bytes); a block device would need padding: refuse.
	 */
	p->tail = p->length % p->geometry.align;
	p->direct_length = p->length - p->tail;
	if (p->tail && p->dst.kind == ENDPOINT_BLOCK)
		return PLAN_TAIL_ON_BLOCK_DST;
	why = plan_overlap(p);
	if (why)
		return why;
	if (rq->chunk_blocks) {
		/* Blocks of the larger logical block size: aligned by definition. */
		if (rq->chunk_blocks > COPY_MAX_CHUNK / p->geometry.align)
			return PLAN_CHUNK_BLOCKS_TOO_LARGE;
		p->geometry.chunk_size =
			(uint32_t)(rq->chunk_blocks * p->geometry.align);
	} else {
		if (!is_aligned(rq->chunk_size, p->geometry.align))
			return PLAN_CHUNK_UNALIGNED;
		p->geometry.chunk_size = (uint32_t)rq->chunk_size;
	}
	p->geometry.queue_depth = rq->queue_depth;
	p->geometry.fixed_depth = rq->fixed_depth;
	p->geometry.buffer_size = 0;
	p->geometry.buffer_size = copy_buffer_want(p);
	fit_slots(p, p->geometry.buffer_size);
	return PLAN_OK;
}

/* Fit the slots into what the provider (or memory) actually gave. */
static void fit_slots(struct copy_plan *p, size_t buf_len)
{
	uint64_t chunk = p->geometry.chunk_size;

	if ((uint64_t)p->geometry.queue_depth * chunk > buf_len) {
		if (buf_len / chunk >= 1) {
			p->geometry.queue_depth = (uint32_t)(buf_len / chunk);
		} else {
			p->geometry.queue_depth = 1;
			p->geometry.chunk_size =
				(uint32_t)(buf_len / p->geometry.align *
					   p->geometry.align);
		}
	}
	/* As the pipeline will decide it, from the same numbers. */
	p->geometry.depth_may_tune =
		p->geometry.chunk_size &&
		!depth_tuner_fixed_why(
			p->geometry.queue_depth,
			(p->direct_length + p->geometry.chunk_size - 1) /
				p->geometry.chunk_size,
			!p->geometry.fixed_depth);
}

size_t copy_buffer_floor(const struct copy_plan *p)
{
	long page = sysconf(_SC_PAGESIZE);

	return p->geometry.align > (uint32_t)page ? p->geometry.align :
						    (size_t)page;
}

size_t copy_buffer_want(const struct copy_plan *p)
{
	uint64_t want =
		(uint64_t)p->geometry.chunk_size * p->geometry.queue_depth;
	uint64_t floor = copy_buffer_floor(p);
	uint64_t need = (p->direct_length + floor - 1) / floor * floor;

	if (p->geometry.buffer_size)
		return p->geometry.buffer_size;
	/* Never more than the copy moves; never less than a page. */
	if (need < want)
		want = need;
	if (want < floor)
		want = floor;
	return (size_t)want;
}

int copy_buffer_get(struct copy_plan *p, bool sysmem, struct copy_buffer *b)
{
	size_t want = copy_buffer_want(p);
	long page = sysconf(_SC_PAGESIZE);
	int ret;

	memset(b, 0, sizeof(*b));
	b->map.fd = -1;
	if (sysmem || !p->p2p) {
		if (posix_memalign(&b->sysmem, (size_t)page, want))
			return -ENOMEM;
		b->addr = b->sysmem;
		b->len = want;
	} else {
		ret = p2pmem_map(&p->provider.addr, want,
				 want < copy_buffer_floor(p) ?
					 want :
					 copy_buffer_floor(p),
				 &b->map);
		if (ret)
			return ret;
		b->addr = b->map.addr;
		b->len = b->map.len;
	}
	fit_slots(p, b->len);
	return 0;
}

void copy_buffer_put(struct copy_buffer *b)
{
	p2pmem_unmap(&b->map);
	free(b->sysmem);
	memset(b, 0, sizeof(*b));
	b->map.fd = -1;
}

static void job_from_session(const struct copy_session *s,
			     struct pipeline_job *job)
{
	const struct copy_plan *p = s->plan;

	/* Every field not named here is zero. */
	*job = (struct pipeline_job){
		.src_fd = s->backend ? s->io_fd[0] : p->src.fd,
		.dst_fd = s->backend ? s->io_fd[1] : p->dst.fd,
		.backend = s->backend,
		.src_ctx = s->src_ctx,
		.dst_ctx = s->dst_ctx,
		.src_offset = p->src_offset,
		.dst_offset = p->dst_offset,
		.length = p->direct_length,
		.buf = s->buf.addr,
		.geometry = p->geometry,
		.stop = s->stop,
		.progress_request = s->progress_request,
		.progress = s->progress,
		.progress_data = s->progress_data,
		.progress_interval = s->progress_interval,
		/* Every chunk read into p2pmem must prove that it arrived. */
		.buf_contiguous = p->p2p,
		.tune_depth = !p->geometry.fixed_depth,
		.sentinels = p->p2p && !s->testing.no_sentinels,
		.test_lose_chunk = s->testing.lose_chunk,
		.pi_guarded = s->pi != NULL,
		.test_corrupt_chunk = s->testing.corrupt_chunk,
	};
}

/*
 * The probe must read a block that SRC's device writes into the buffer.
 * A file's hole or unwritten extent is zero-filled by the CPU, which
 * would overwrite the poison with no peer write at all: probe the first
 * block of the range that holds data (SEEK_DATA; filesystems without it
 * call everything data).  False: the range holds none (ENXIO, or data
 * only past the range's O_DIRECT part).
 */
static bool probe_where_data_is(const struct copy_plan *p,
				struct pipeline_job *job)
{
	struct stat st;
	uint64_t skip;
	off_t data;

	/* SRC ending inside the range is the probe's own error to find. */
	if (p->src.kind != ENDPOINT_FILE || fstat(p->src.fd, &st) ||
	    (uint64_t)st.st_size < p->src_offset + p->direct_length)
		return true;
	data = lseek(p->src.fd, (off_t)p->src_offset, SEEK_DATA);
	if (data < 0)
		return errno != ENXIO;
	skip = ((uint64_t)data - p->src_offset) / p->geometry.align *
	       p->geometry.align;
	if (skip >= p->direct_length)
		return false;
	/* SRC's block there goes to DST's block there, as in the copy. */
	job->src_offset += skip;
	job->dst_offset += skip;
	job->length -= skip;
	return true;
}

int copy_phase_preflight(const struct copy_session *s, struct copy_outcome *out)
{
	struct arrival_result *ar = &out->arrival;
	struct pipeline_job job;
	int ret;

	out->pipeline.error =
		copy_direct_io(s->plan, true, &out->pipeline.fail_side);
	if (out->pipeline.error)
		return out->pipeline.error;
	if (!s->plan->direct_length || s->testing.no_arrival_check)
		return 0;
	job_from_session(s, &job);
	if (!probe_where_data_is(s->plan, &job)) {
		/* Holes only: the copy moves no data through the buffer. */
		out->arrival_no_data = true;
		return 0;
	}
	ret = arrival_check(&job, ar);
	if (!ret && ar->verdict == ARRIVAL_OK) {
		out->arrival_checked = true;
		return 0;
	}
	if (!ret && ar->verdict == ARRIVAL_IO_ERROR)
		ret = ar->error;
	else if (!ret)
		ret = -EPROTO; /* the I/O succeeded, the data did not arrive */
	out->pipeline.error = ret;
	out->pipeline.lost = ret == -EPROTO;
	out->pipeline.nvme_status = ar->nvme_status;
	out->pipeline.fail_side = ar->side;
	out->pipeline.fail_offset = 0;
	return ret;
}

int copy_phase_transfer(const struct copy_session *s, struct copy_outcome *out)
{
	struct pipeline_job job;
	int ret;

	if (!s->plan->direct_length)
		return 0;
	ret = copy_direct_io(s->plan, true, &out->pipeline.fail_side);
	if (ret) {
		out->pipeline.error = ret;
		return ret;
	}
	job_from_session(s, &job);
	if (s->pi) {
		/* The transfer's own blocks: not the probe's. */
		s->pi->written_blocks = s->pi->unchecked_blocks = 0;
	}
	ret = pipeline_run(&job, &out->pipeline);
	if (s->pi) {
		out->pi_carried = true;
		out->pi_type = s->pi->pi_type;
		out->pi_written_blocks = s->pi->written_blocks;
		out->pi_unchecked_blocks = s->pi->unchecked_blocks;
	}
	return ret;
}

int copy_phase_size(const struct copy_session *s)
{
	const struct copy_plan *p = s->plan;

	if (!p->dst_resize)
		return 0;
	if (ftruncate(p->dst.fd, (off_t)p->dst_new_size) ||
	    fdatasync(p->dst.fd))
		return -errno;
	return 0;
}

int copy_phase_stopped(const struct copy_session *s, struct copy_outcome *out)
{
	const struct copy_plan *p = s->plan;

	out->dst_cut = false;
	if (out->pipeline.done >= p->length)
		return 0;
	out->pipeline.done -= out->pipeline.done % p->geometry.align;
	if (!p->dst_resize)
		return 0;
	if (ftruncate(p->dst.fd, (off_t)(p->dst_offset + out->pipeline.done)) ||
	    fdatasync(p->dst.fd))
		return -errno;
	out->dst_cut = true;
	return 0;
}

int copy_phase_flush(const struct copy_session *s)
{
	if (fdatasync(s->plan->dst.fd))
		return -errno;
	return 0;
}

/*
 * pread() or pwrite() all of @len, going on after short transfers.
 * Returns 0, or a negative errno with *@done the bytes moved before the
 * failure; a read at end of file is -EIO with *@eof set.
 */
static int rw_full(int fd, bool write, char *buf, size_t len, uint64_t off,
		   size_t *done, bool *eof)
{
	ssize_t n;

	*done = 0;
	*eof = false;
	while (*done < len) {
		n = write ? pwrite(fd, buf + *done, len - *done,
				   (off_t)(off + *done)) :
			    pread(fd, buf + *done, len - *done,
				  (off_t)(off + *done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0) {
			*eof = !write;
			return -EIO;
		}
		*done += (size_t)n;
	}
	return 0;
}

int copy_direct_io(const struct copy_plan *p, bool on, enum copy_side *side)
{
	int ret;

	*side = COPY_SIDE_READ;
	ret = endpoint_set_direct(&p->src, on);
	if (ret)
		return ret;
	*side = COPY_SIDE_WRITE;
	return endpoint_set_direct(&p->dst, on);
}

#define TAIL_BUF (64 * 1024)

/* Bytes of the tail's piece at @off of the range. */
static size_t tail_piece_len(const struct copy_plan *p, uint64_t off)
{
	return p->length - off < TAIL_BUF ? (size_t)(p->length - off) :
					    TAIL_BUF;
}

/*
 * One piece of the tail at @off of the range: SRC's bytes into @a, then
 * written from there to DST (@b NULL) or DST's bytes read into @b.  A
 * failure is recorded with its side and exact byte: SRC ending early
 * (it shrank after planning) is a read error on SRC where it ended.
 */
static int tail_piece(const struct copy_plan *p, uint64_t off, size_t len,
		      char *a, char *b, struct copy_outcome *out)
{
	size_t n;
	bool eof;
	int ret;

	out->pipeline.fail_side = COPY_SIDE_READ;
	ret = rw_full(p->src.fd, false, a, len, p->src_offset + off, &n, &eof);
	if (!ret) {
		out->pipeline.fail_side = COPY_SIDE_WRITE;
		ret = rw_full(p->dst.fd, !b, b ? b : a, len,
			      p->dst_offset + off, &n, &eof);
	}
	if (ret) {
		out->pipeline.error = ret;
		out->pipeline.fail_offset = off + n;
		out->pipeline.unexpected_eof = eof;
	}
	return ret;
}

static int copy_tail_bytes(const struct copy_plan *p, char *buf,
			   struct copy_outcome *out)
{
	uint64_t off;
	size_t len;
	int ret;

	for (off = p->direct_length; off < p->length; off += len) {
		len = tail_piece_len(p, off);
		ret = tail_piece(p, off, len, buf, NULL, out);
		if (ret)
			return ret;
	}
	out->pipeline.fail_side = COPY_SIDE_WRITE;
	out->pipeline.fail_offset = p->direct_length;
	if (fdatasync(p->dst.fd))
		return -errno;
	return 0;
}

/* The tail is not whole blocks: through the page cache, same descriptors. */
int copy_phase_tail(const struct copy_session *s, struct copy_outcome *out)
{
	const struct copy_plan *p = s->plan;
	enum copy_side side;
	char *buf = NULL;
	int ret;

	if (!p->tail)
		return 0;
	out->pipeline.fail_offset = p->direct_length;
	ret = copy_direct_io(p, false, &side);
	out->pipeline.fail_side = side;
	if (!ret) {
		buf = malloc(TAIL_BUF);
		ret = buf ? copy_tail_bytes(p, buf, out) : -ENOMEM;
		free(buf);
	}
	if (ret) {
		/* Only what was made durable before counts as copied. */
		out->pipeline.done = p->direct_length;
		out->pipeline.error = ret;
		return ret;
	}
	out->pipeline.fail_side = COPY_SIDE_NONE;
	out->pipeline.fail_offset = 0;
	out->pipeline.done = p->length;
	return 0;
}

/* Compare the buffered tail piece by piece: any tail length. */
static int verify_tail_bytes(const struct copy_plan *p, char *ba, char *bb,
			     struct copy_outcome *out)
{
	uint64_t off;
	size_t i, len;
	int ret;

	for (off = p->direct_length; off < p->length; off += len) {
		out->pipeline.done = off;
		len = tail_piece_len(p, off);
		ret = tail_piece(p, off, len, ba, bb, out);
		if (ret)
			return ret;
		for (i = 0; i < len && ba[i] == bb[i]; i++)
			;
		if (i < len) {
			out->pipeline.fail_side = COPY_SIDE_NONE;
			out->mismatch = true;
			out->mismatch_offset = off + i;
			out->pipeline.done = off + i;
			return 1;
		}
	}
	out->pipeline.fail_side = COPY_SIDE_NONE;
	out->pipeline.done = p->length;
	return 0;
}

/* The buffered tail, read back through the same descriptors. */
static int verify_tail(const struct copy_plan *p, struct copy_outcome *out)
{
	char *ba = malloc(TAIL_BUF), *bb = malloc(TAIL_BUF);
	enum copy_side side = COPY_SIDE_WRITE;
	int ret;

	out->pipeline.done = p->direct_length;
	ret = ba && bb ? copy_direct_io(p, false, &side) : -ENOMEM;
	if (ret) {
		out->pipeline.error = ret;
		out->pipeline.fail_offset = p->direct_length;
		out->pipeline.fail_side = side;
	} else {
		ret = verify_tail_bytes(p, ba, bb, out);
	}
	free(ba);
	free(bb);
	return ret;
}

/*
 * The O_DIRECT part, read back through the p2pmem buffer or, with
 * @in_p2pmem false, into system memory by the engine itself.
 */
static int verify_direct(const struct copy_session *s, bool in_p2pmem,
			 struct copy_outcome *out)
{
	const struct copy_plan *p = s->plan;
	struct pipeline_job job;
	enum copy_side side;
	int ret;

	ret = copy_direct_io(p, true, &side);
	if (ret) {
		out->pipeline.error = ret;
		out->pipeline.fail_side = side;
		out->pipeline.fail_offset = 0;
		return ret;
	}
	job_from_session(s, &job);
	/* The offset is written only when the range differs (1). */
	ret = verify_range(&job, in_p2pmem, &out->mismatch_offset,
			   &out->pipeline);
	if (ret == 1) {
		out->mismatch = true;
	} else if (ret) {
		/* Refusals before the first read leave the result's error 0. */
		out->pipeline.error = ret;
	}
	return ret;
}

int copy_phase_verify(const struct copy_session *s, enum verify_buffer where,
		      struct copy_outcome *out)
{
	bool in_p2pmem = where == VERIFY_IN_P2PMEM && s->plan->p2p;
	int ret = 0;

	if (s->plan->direct_length)
		ret = verify_direct(s, in_p2pmem, out);
	if (ret == 0 && s->plan->tail)
		ret = verify_tail(s->plan, out);
	return ret;
}
