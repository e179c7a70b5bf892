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

static const char *const roles[2] = { "SRC", "DST" };

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
static int check_hidden_namespace(const char *role, const struct endpoint *ep)
{
	char path[PATH_MAX];
	uint64_t ms;

	if (!is_nvme_block(ep) || ep->size || ep->disk.part[0] ||
	    strchr(ep->disk.name, '/'))
		return 0;
	snprintf(path, sizeof(path), "/sys/block/%s/metadata_bytes",
		 ep->disk.name);
	if (sysfs_read_u64(path, &ms) || !ms)
		return 0;
	return fail(
		EXIT_USAGE,
		"%s %s is an NVMe namespace formatted with %" PRIu64
		" bytes of metadata per logical block, which the kernel's block layer cannot carry here, so it gives the device capacity 0; the passthrough engine would have to carry it in a separate buffer: neither engine can copy it; reformat the namespace without metadata",
		role, ep->path, ms);
}

int engine_check_formats(const struct copy_plan *p)
{
	int ret = check_hidden_namespace("SRC", &p->src);

	return ret ? ret : check_hidden_namespace("DST", &p->dst);
}

/*
 * --engine passthru: refuse now what passthrough cannot copy at all.
 * The namespace format is known for sure only from identify on the char
 * device, when the copy opens it; --dry-run (@predict) does not open it
 * and goes by what sysfs says.
 */
static int check_forced_passthru(const struct copy_plan *p, bool predict)
{
	const struct endpoint *eps[2] = { &p->src, &p->dst };
	struct passthru_failure f = { 0 };
	char name[64], text[512];
	dev_t dev;
	int i, ret;

	for (i = 0; i < 2; i++) {
		ret = 0;
		f.why = PT_OK;
		f.side = i;
		if (eps[i]->kind != ENDPOINT_BLOCK)
			f.why = PT_FILE;
		else if (!is_nvme_block(eps[i]))
			f.why = PT_NOT_NVME;
		else if ((ret = passthru_find_chardev(&eps[i]->disk, name,
						      sizeof(name), &dev)))
			f.why = ret == -ENODEV ? PT_NOT_NVME : PT_NO_CHARDEV;
		else if (predict && (f.detail = passthru_format_problem_sysfs(
					     &eps[i]->disk)))
			f.why = PT_FORMAT;
		if (f.why == PT_OK)
			continue;
		snprintf(f.chardev, sizeof(f.chardev), "%s", ret ? "" : name);
		passthru_failure_text(&f, &p->src, &p->dst, text, sizeof(text));
		return fail(EXIT_USAGE, "%s", text);
	}
	return 0;
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

int engine_plan(const struct options *o, struct copy_plan *p)
{
	const struct endpoint *head = NULL;

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
		snprintf(p->engine_reason, sizeof(p->engine_reason),
			 "--engine block");
		return 0;
	case ENGINE_PASSTHRU:
		p->engine = COPY_ENGINE_PASSTHRU;
		p->engine_decided = true;
		snprintf(p->engine_reason, sizeof(p->engine_reason),
			 "--engine passthru");
		return check_forced_passthru(p, o->dry_run);
	case ENGINE_AUTO:
		break;
	}
	/* Through system memory there is no P2P page to refuse. */
	if (!p->p2p) {
		engine_block_confirmed(o, p);
		return 0;
	}
	/* A prediction only; the preflight read decides. */
	p->engine_decided = false;
	if (head && p->p2p && is_nvme_block(&p->src) &&
	    is_nvme_block(&p->dst) && !running_head_takes_p2p(p)) {
		p->engine = COPY_ENGINE_PASSTHRU;
		snprintf(
			p->engine_reason, sizeof(p->engine_reason),
			"auto, expected: %s %s is an NVMe multipath head node, whose block queue refuses P2P pages before Linux 7.2; the first read decides",
			head == &p->src ? "SRC" : "DST", head->path);
	} else {
		p->engine = COPY_ENGINE_BLOCK;
		snprintf(
			p->engine_reason, sizeof(p->engine_reason),
			"auto: the block engine unless the kernel refuses P2P pages on a block device at the first read");
	}
	return 0;
}

void engine_block_confirmed(const struct options *o, struct copy_plan *p)
{
	if (o->engine != ENGINE_AUTO)
		return;
	p->engine = COPY_ENGINE_BLOCK;
	p->engine_decided = true;
	snprintf(
		p->engine_reason, sizeof(p->engine_reason),
		p->p2p ?
			"auto: the kernel took P2P pages on both block devices" :
			"auto: the block engine (--sysmem)");
}

bool engine_can_fall_back(const struct options *o, const struct copy_plan *p,
			  const struct copy_outcome *refusal)
{
	return o->engine == ENGINE_AUTO && p->p2p &&
	       (refusal->error == -EREMOTEIO || refusal->error == -EINVAL) &&
	       is_nvme_block(&p->src) && is_nvme_block(&p->dst);
}

/* The block engine was refused and passthrough cannot help either. */
static int report_no_fallback(const struct copy_plan *p,
			      const struct copy_outcome *refusal,
			      const char *why)
{
	int side = refusal->fail_side == COPY_SIDE_WRITE;
	const struct endpoint *ep = side ? &p->dst : &p->src;

	if (ep->disk.kind == DISK_NVME_MULTIPATH)
		return fail(
			EXIT_NO_P2P,
			"%s %s is an NVMe multipath head node, whose queue does not take P2P pages (%s), and the passthrough engine cannot be used: %s; nothing was written; boot with nvme_core.multipath=N to get per-controller namespaces, or use --sysmem",
			roles[side], ep->path, strerror(-refusal->error), why);
	report_preflight_failure(p, refusal);
	return fail(EXIT_NO_P2P, "%s; passthrough was tried too: %s",
		    fail_message(), why);
}

int engine_report_refusal(const struct copy_plan *p,
			  const struct copy_outcome *refusal)
{
	int side = refusal->fail_side == COPY_SIDE_WRITE;
	const struct endpoint *ep = side ? &p->dst : &p->src;
	const struct endpoint *other = side ? &p->src : &p->dst;
	char why[256];

	if (ep->disk.kind != DISK_NVME_MULTIPATH ||
	    (refusal->error != -EREMOTEIO && refusal->error != -EINVAL))
		return report_preflight_failure(p, refusal);
	snprintf(why, sizeof(why),
		 "it copies between NVMe namespaces only, and %s %s is not one",
		 roles[!side], other->path);
	return report_no_fallback(p, refusal, why);
}

static int passthru_failed(struct copy_session *s,
			   const struct passthru_failure *f,
			   const struct copy_outcome *refusal)
{
	const struct copy_plan *p = s->plan;
	char text[512];

	passthru_failure_text(f, &p->src, &p->dst, text, sizeof(text));
	if (refusal)
		return report_no_fallback(p, refusal, text);
	if (f->why == PT_IO && f->error == -EREMOTEIO && !f->nvme_status) {
		struct copy_outcome r = { .error = f->error,
					  .fail_side = f->side ?
							       COPY_SIDE_WRITE :
							       COPY_SIDE_READ };

		return report_preflight_failure(p, &r);
	}
	return fail(f->why == PT_IO ? EXIT_IO : EXIT_USAGE, "%s", text);
}

int engine_passthru(struct copy_session *s, struct passthru_session *pt,
		    const struct copy_outcome *refusal)
{
	struct copy_plan *p = s->plan;
	struct passthru_failure f;
	int side = refusal && refusal->fail_side == COPY_SIDE_WRITE;

	if (passthru_session_open(pt, &p->src, p->src_offset, &p->dst,
				  p->dst_offset, p->direct_length, &f))
		return passthru_failed(s, &f, refusal);
	if (p->p2p && passthru_session_preflight(pt, s->buf.addr, s->buf.len,
						 p->src_offset, p->dst_offset,
						 p->direct_length, &f))
		return passthru_failed(s, &f, refusal);
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
					.chunk_size = p->chunk_size },
		&pt->backend);
	passthru_session_limit_text(
		pt, p->p2p && p->max_transfer == pt->pieces.contiguous,
		p->max_transfer_reason, sizeof(p->max_transfer_reason));
	if (refusal)
		snprintf(
			p->engine_reason, sizeof(p->engine_reason),
			"auto: the kernel refused P2P pages on %s %s's block device (%s%s)",
			roles[side], (side ? &p->dst : &p->src)->path,
			strerror(-refusal->error),
			(side ? &p->dst : &p->src)->disk.kind ==
					DISK_NVME_MULTIPATH ?
				": an NVMe multipath head node, before Linux 7.2" :
				"");
	return 0;
}

/*
 * Passthrough proves arrival exactly as the block engine does (the
 * arrival probe of copy_phase_preflight(), now through the passthrough
 * backend): a head node's path can drop peer writes like any other.
 */
int engine_passthru_arrival(struct copy_session *s, struct copy_outcome *r)
{
	memset(r, 0, sizeof(*r));
	if (!s->plan->p2p || !copy_phase_preflight(s, r))
		return 0;
	return report_preflight_failure(s->plan, r);
}
