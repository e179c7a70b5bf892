// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * p2pcp's choice of engine (--engine auto|block|passthru).
 *
 * auto uses the block engine unless the kernel refuses P2P pages on a
 * block device: the preflight read into p2pmem fails with EREMOTEIO
 * (or EINVAL on kernels that map with blk_rq_dma_map_iter), as it does
 * on an NVMe multipath head node before Linux 7.2.  Then, when both
 * sides are NVMe namespaces, it retries the preflight with passthrough
 * and copies that way if the kernel accepts it.  The kind of device
 * only predicts the outcome for --dry-run; the preflight decides.
 * Decisions only: the plan records why (engine_why), a refusal is a
 * reason code (struct refusal), and the text printer words both.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "copy-passthru.h"
#include "p2pcp.h"
#include "p2pdma.h"
#include "sysfs.h"

static bool is_nvme_block(const struct endpoint *ep)
{
	return ep->kind == ENDPOINT_BLOCK && ep->have_disk &&
	       (ep->disk.kind == DISK_NVME ||
		ep->disk.kind == DISK_NVME_MULTIPATH);
}

/*
 * A head node has no PCI function of its own: its commands go through
 * one of its subsystem's controllers.  Use that one for the provider
 * choice and the path verdicts.
 */
static void resolve_head_path(struct endpoint *ep)
{
	struct pci_addr pci;
	unsigned int paths;

	if (ep->disk.kind != DISK_NVME_MULTIPATH || ep->disk.have_pci)
		return;
	if (passthru_path_pci(&ep->disk, &pci, &paths) == 0) {
		ep->disk.pci = pci;
		ep->disk.have_pci = true;
	}
}

/*
 * A namespace formatted with metadata that is not protection information
 * gets capacity 0 from the kernel when its block layer cannot carry the
 * metadata (no CONFIG_BLK_DEV_INTEGRITY, or metadata interleaved with
 * the data): say that rather than "too small", or copy nothing from it
 * and call that success.
 */
static enum refusal_why
check_hidden_namespace(int side, const struct endpoint *ep, struct refusal *r)
{
	char path[PATH_MAX];
	uint64_t ms;

	if (!is_nvme_block(ep) || ep->size || ep->disk.part[0] ||
	    strchr(ep->disk.name, '/'))
		return REFUSE_NONE;
	snprintf(path, sizeof(path), "/sys/block/%s/metadata_bytes",
		 ep->disk.name);
	if (sysfs_read_u64(path, &ms) || !ms)
		return REFUSE_NONE;
	r->count = ms;
	r->side = side;
	return r->why = REFUSE_HIDDEN_NAMESPACE;
}

enum refusal_why engine_check_formats(const struct copy_plan *p,
				      struct refusal *r)
{
	enum refusal_why why = check_hidden_namespace(0, &p->src, r);

	return why ? why : check_hidden_namespace(1, &p->dst, r);
}

/*
 * --engine passthru: refuse now what passthrough cannot copy at all.
 * The namespace format is known for sure only from identify on the char
 * device, when the copy opens it; --dry-run (@predict) does not open it
 * and goes by what sysfs says.
 */
static enum refusal_why check_forced_passthru(const struct copy_plan *p,
					      bool predict, struct refusal *r)
{
	const struct endpoint *eps[2] = { &p->src, &p->dst };
	struct passthru_failure *f = &r->passthru;
	char name[64];
	dev_t dev;
	int i, ret;

	/* engine_plan() zeroed @r, f included. */
	for (i = 0; i < 2; i++) {
		f->why = PT_OK;
		f->side = i;
		if (eps[i]->kind != ENDPOINT_BLOCK)
			f->why = PT_FILE;
		else if (!is_nvme_block(eps[i]))
			f->why = PT_NOT_NVME;
		else if ((ret = passthru_find_chardev(&eps[i]->disk, name,
						      sizeof(name), &dev)))
			f->why = ret == -ENODEV ? PT_NOT_NVME : PT_NO_CHARDEV;
		else if (predict && (f->detail = passthru_format_problem_sysfs(
					     &eps[i]->disk)))
			f->why = PT_FORMAT;
		if (f->why == PT_OK)
			continue;
		/*
		 * The char device is named where it was found: a failed
		 * lookup may have written @name, a file or a disk of
		 * another kind left it unset.
		 */
		if (f->why == PT_FORMAT)
			snprintf(f->chardev, sizeof(f->chardev), "%s", name);
		r->side = i;
		return r->why = REFUSE_PASSTHRU;
	}
	/* PI is carried only between namespaces of one format. */
	if (predict && passthru_pair_problem_sysfs(&p->src.disk, &p->dst.disk,
						   f->pair, sizeof(f->pair))) {
		f->why = PT_FORMAT_PAIR;
		f->side = 0;
		r->side = 0;
		return r->why = REFUSE_PASSTHRU;
	}
	return REFUSE_NONE;
}

/*
 * The per-release rule for multipath heads, on the running kernel's
 * release; a release that cannot be read predicts the older behaviour
 * (the preflight read decides anyway).
 */
static bool running_head_takes_p2p(const struct copy_plan *p)
{
	unsigned int kernel;

	return p2p_kernel_parse(p->kernel_release, &kernel) == 0 &&
	       p2p_head_takes_p2p(kernel);
}

enum refusal_why engine_plan(const struct options *o, struct copy_plan *p,
			     struct refusal *r)
{
	const struct endpoint *head = NULL;

	memset(r, 0, sizeof(*r));
	if (o->engine != ENGINE_BLOCK) {
		resolve_head_path(&p->src);
		resolve_head_path(&p->dst);
	}
	if (p->src.disk.kind == DISK_NVME_MULTIPATH && is_nvme_block(&p->src))
		head = &p->src;
	else if (p->dst.disk.kind == DISK_NVME_MULTIPATH &&
		 is_nvme_block(&p->dst))
		head = &p->dst;

	switch (o->engine) {
	case ENGINE_BLOCK:
		p->engine = COPY_ENGINE_BLOCK;
		p->engine_decided = true;
		p->engine_why = ENGINE_WHY_OPTION;
		return REFUSE_NONE;
	case ENGINE_PASSTHRU:
		p->engine = COPY_ENGINE_PASSTHRU;
		p->engine_decided = true;
		p->engine_why = ENGINE_WHY_OPTION;
		return check_forced_passthru(p, o->dry_run, r);
	case ENGINE_AUTO:
		break;
	}
	/* Through system memory there is no P2P page to refuse. */
	if (!p->p2p) {
		engine_block_confirmed(o, p);
		return REFUSE_NONE;
	}
	/* A prediction only; the preflight read decides. */
	p->engine_decided = false;
	if (head && p->p2p && is_nvme_block(&p->src) &&
	    is_nvme_block(&p->dst) && !running_head_takes_p2p(p)) {
		p->engine = COPY_ENGINE_PASSTHRU;
		p->engine_why = ENGINE_WHY_EXPECT_PASSTHRU;
		p->engine_side = head == &p->dst;
	} else {
		p->engine = COPY_ENGINE_BLOCK;
		p->engine_why = ENGINE_WHY_EXPECT_BLOCK;
	}
	return REFUSE_NONE;
}

void engine_block_confirmed(const struct options *o, struct copy_plan *p)
{
	if (o->engine != ENGINE_AUTO)
		return;
	p->engine = COPY_ENGINE_BLOCK;
	p->engine_decided = true;
	p->engine_why = p->p2p ? ENGINE_WHY_BLOCK_TOOK_P2P : ENGINE_WHY_SYSMEM;
}

bool engine_can_fall_back(const struct options *o, const struct copy_plan *p,
			  const struct copy_outcome *refusal)
{
	return o->engine == ENGINE_AUTO && p->p2p &&
	       (refusal->pipeline.error == -EREMOTEIO ||
		refusal->pipeline.error == -EINVAL) &&
	       is_nvme_block(&p->src) && is_nvme_block(&p->dst);
}

int engine_passthru(struct copy_session *s, struct passthru_session *pt,
		    const struct copy_outcome *refusal,
		    struct passthru_failure *f)
{
	struct copy_plan *p = s->plan;

	if (passthru_session_open(pt, &p->src, p->src_offset, &p->dst,
				  p->dst_offset, p->direct_length, f))
		return -1;
	/* PI namespaces: every command into the buffer carries its PI. */
	if (passthru_session_attach(pt, s->buf.addr, s->buf.len)) {
		memset(f, 0, sizeof(*f));
		f->why = PT_OPEN;
		f->error = -ENOMEM;
		return -1;
	}
	s->pi = passthru_session_carries_pi(pt) ? &pt->pi : NULL;
	if (p->p2p && passthru_session_preflight(pt, s->buf.addr, s->buf.len,
						 p->src_offset, p->dst_offset,
						 p->direct_length, f))
		return -1;
	/* The session keeps its descriptors open until the end. */
	s->io_fd[0] = pt->chr_fd[0];
	s->io_fd[1] = pt->chr_fd[1];
	s->backend = &pt->backend;
	s->src_ctx = &pt->ns[0];
	s->dst_ctx = &pt->ns[1];
	p->engine = COPY_ENGINE_PASSTHRU;
	p->engine_decided = true;
	/* What the pipeline will send into this buffer. */
	p->max_transfer = pipeline_piece_max(
		&(struct pipeline_job){ .buf_contiguous = p->p2p,
					.geometry = p->geometry },
		&pt->backend);
	passthru_session_limit_text(
		pt, p->p2p && p->max_transfer == pt->pieces.contiguous,
		p->max_transfer_reason, sizeof(p->max_transfer_reason));
	if (refusal) {
		p->engine_why = ENGINE_WHY_BLOCK_REFUSED;
		p->engine_side = refusal->pipeline.fail_side == COPY_SIDE_WRITE;
		p->engine_error = refusal->pipeline.error;
	}
	return 0;
}

/*
 * Passthrough proves arrival exactly as the block engine does (the
 * arrival probe of copy_phase_preflight(), now through the passthrough
 * backend): a head node's path can drop peer writes like any other.
 */
bool engine_passthru_arrival(struct copy_session *s, struct copy_outcome *r)
{
	memset(r, 0, sizeof(*r));
	return s->plan->p2p && copy_phase_preflight(s, r);
}

/*
 * The copy goes through passthrough: open and check it, then prove
 * arrival through it.  @refusal: the block engine's, if any (it may be
 * @r, which the arrival probe then reuses).
 */
static enum engine_prepared use_passthru(struct copy_session *s,
					 struct passthru_session *pt,
					 struct copy_outcome *r,
					 const struct copy_outcome *refusal,
					 struct engine_preparation *e)
{
	if (engine_passthru(s, pt, refusal, &e->passthru))
		return ENGINE_PASSTHRU_FAILED;
	if (engine_passthru_arrival(s, r))
		return ENGINE_PASSTHRU_LOST;
	return ENGINE_READY;
}

enum engine_prepared engine_prepare(const struct options *o,
				    struct copy_session *s,
				    struct passthru_session *pt,
				    struct copy_outcome *r,
				    struct engine_preparation *e)
{
	struct copy_plan *p = s->plan;

	memset(e, 0, sizeof(*e));
	if (o->engine == ENGINE_PASSTHRU)
		return use_passthru(s, pt, r, NULL, e);
	e->error = copy_direct_io(p, true, &e->side);
	if (e->error)
		return ENGINE_NO_DIRECT_IO;
	if (p->p2p && copy_phase_preflight(s, r)) {
		e->block_refused = true;
		e->block_refusal = *r;
		if (!engine_can_fall_back(o, p, r))
			return ENGINE_BLOCK_REFUSED;
		return use_passthru(s, pt, r, r, e);
	}
	engine_block_confirmed(o, p);
	return ENGINE_READY;
}
