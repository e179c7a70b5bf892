// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The words of every refusal before the first write: planning's reason
 * codes (struct refusal from p2pcp-plan.c and p2pcp-engine.c, the range's
 * plan_reason, the safety checks' verdicts) and the engine's choice and
 * fallback, each as the run's one message with its exit code.  Nothing
 * here decides or reads the system: it prints what it is given.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "p2pcp.h"
#include "util.h"

static const char *const roles[2] = { "SRC", "DST" };

static int report_endpoint(const char *role, const char *path, int err)
{
	if (err == -ENOENT)
		return fail(EXIT_USAGE, "%s %s: no such file or device", role,
			    path);
	if (err == -ENOTBLK)
		return fail(EXIT_USAGE,
			    "%s %s: not a block device or regular file", role,
			    path);
	if (err == -EBUSY)
		return fail(
			EXIT_USAGE,
			"DST %s is in use (mounted, or opened exclusively by another program); unmount or stop it first",
			path);
	if (err == -ELOOP)
		return fail(
			EXIT_USAGE,
			"%s %s is a symbolic link to a file that does not exist; p2pcp creates no file through a link: name the file itself",
			role, path);
	if (err == -EACCES || err == -EPERM || err == -EROFS)
		return fail(EXIT_USAGE, "%s %s: cannot open for %s: %s", role,
			    path, strcmp(role, "SRC") ? "writing" : "reading",
			    strerror(-err));
	return fail(EXIT_USAGE, "%s %s: cannot open: %s", role, path,
		    strerror(-err));
}

static int report_size_value(const char *opt, const char *str, bool range)
{
	if (range)
		return fail(
			EXIT_USAGE,
			"%s: '%s' is too large (offsets and lengths end at 2^63-1 bytes)",
			opt, str);
	return fail(EXIT_USAGE,
		    "%s: '%s' is not a size (e.g. 4096, 1M, 2GiB, 8s)", opt,
		    str);
}

static int report_alignment(enum plan_reason why, const struct copy_request *rq,
			    const struct copy_plan *p)
{
	switch (why) {
	case PLAN_SRC_OFFSET_UNALIGNED:
		return fail(
			EXIT_USAGE,
			"--src-offset %" PRIu64
			" is not a multiple of %u bytes (the larger logical block size of SRC and DST)",
			p->src_offset, p->geometry.align);
	case PLAN_DST_OFFSET_UNALIGNED:
		return fail(
			EXIT_USAGE,
			"--dst-offset %" PRIu64
			" is not a multiple of %u bytes (the larger logical block size of SRC and DST)",
			p->dst_offset, p->geometry.align);
	case PLAN_TAIL_ON_BLOCK_DST:
		/* No --length: the length is SRC's rest, which the user
		 * never typed; name where it came from, and the length of
		 * its whole blocks that would be taken. */
		if (!rq->length && p->length >= p->geometry.align)
			return fail(
				EXIT_USAGE,
				"SRC %s has %" PRIu64
				" bytes from byte %" PRIu64
				" on, not a multiple of %u bytes: DST %s is a block device and p2pcp never pads; give a --length of whole blocks, e.g. --length %" PRIu64,
				p->src.path, p->length, p->src_offset,
				p->geometry.align, p->dst.path,
				p->length / p->geometry.align *
					p->geometry.align);
		if (!rq->length)
			return fail(
				EXIT_USAGE,
				"SRC %s has %" PRIu64
				" bytes from byte %" PRIu64
				" on, less than one block of %u bytes: DST %s is a block device and p2pcp never pads",
				p->src.path, p->length, p->src_offset,
				p->geometry.align, p->dst.path);
		return fail(
			EXIT_USAGE,
			"--length %" PRIu64
			" is not a multiple of %u bytes: DST %s is a block device and p2pcp never pads",
			p->length, p->geometry.align, p->dst.path);
	case PLAN_CHUNK_BLOCKS_TOO_LARGE:
		return fail(
			EXIT_USAGE,
			"--chunk-size %" PRIu64
			"s: that many blocks of %u bytes (the larger logical block size of SRC and DST) are more than 64MiB; give at most %" PRIu64
			"s",
			rq->chunk_blocks, p->geometry.align,
			(uint64_t)(COPY_MAX_CHUNK / p->geometry.align));
	default:
		return fail(
			EXIT_USAGE,
			"--chunk-size %" PRIu64
			" is not a multiple of %u bytes (the larger logical block size of SRC and DST)",
			rq->chunk_size, p->geometry.align);
	}
}

static int report_bounds(enum plan_reason why, const struct copy_plan *p)
{
	const struct endpoint *s = &p->src, *d = &p->dst;
	char sz[32];

	switch (why) {
	case PLAN_SRC_OFFSET_PAST_END:
		return fail(EXIT_USAGE,
			    "--src-offset %" PRIu64
			    " is past the end of SRC %s (%" PRIu64 " bytes)",
			    p->src_offset, s->path, s->size);
	case PLAN_PAST_SRC_END:
		return fail(EXIT_USAGE,
			    "--length %" PRIu64 " from --src-offset %" PRIu64
			    " runs past the end of SRC %s (%" PRIu64 " bytes)",
			    p->length, p->src_offset, s->path, s->size);
	case PLAN_DST_OFFSET_PAST_END:
		return fail(
			EXIT_USAGE,
			"--dst-offset %" PRIu64
			" is past the end of DST file %s (%" PRIu64
			" bytes): a ranged copy may extend a file but not leave a hole before it",
			p->dst_offset, d->path, d->size);
	case PLAN_DST_END_OVERFLOW:
		return fail(
			EXIT_USAGE,
			"--dst-offset %" PRIu64 " plus --length %" PRIu64
			" ends past 2^63-1, the largest offset a file or device can have",
			p->dst_offset, p->length);
	default:
		return fail(
			EXIT_USAGE,
			"DST %s is too small: the copy needs bytes up to %" PRIu64
			", it has %" PRIu64 " (%s)",
			d->path, p->dst_offset + p->length, d->size,
			format_size(d->size, sz, sizeof(sz)));
	}
}

static int report_overlap_unknown(const struct copy_plan *p)
{
	if (p->overlap_at.kind == LAYER_NODEV)
		return fail(
			EXIT_USAGE,
			"SRC %s and DST %s: cannot tell whether they share storage: %s has no block device under it, so where its files keep their bytes is unknown; refusing (copy through a file on a disk or in tmpfs instead)",
			p->src.path, p->dst.path, p->overlap_at.name);
	if (!p->overlap_at.name[0])
		return fail(
			EXIT_USAGE,
			"SRC %s and DST %s: cannot tell whether they share storage (a storage stack that could not be read completely); refusing",
			p->src.path, p->dst.path);
	return fail(
		EXIT_USAGE,
		"SRC %s and DST %s may overlap: both reach %s (through a filesystem, device-mapper or md), where their ranges cannot be located; refusing",
		p->src.path, p->dst.path, p->overlap_at.name);
}

static int report_plan_reason(enum plan_reason why,
			      const struct copy_request *rq,
			      const struct copy_plan *p)
{
	switch (why) {
	case PLAN_OK:
		return 0;
	case PLAN_SRC_OFFSET_SYNTAX:
	case PLAN_SRC_OFFSET_RANGE:
		return report_size_value("--src-offset", rq->src_offset,
					 why == PLAN_SRC_OFFSET_RANGE);
	case PLAN_DST_OFFSET_SYNTAX:
	case PLAN_DST_OFFSET_RANGE:
		return report_size_value("--dst-offset", rq->dst_offset,
					 why == PLAN_DST_OFFSET_RANGE);
	case PLAN_LENGTH_SYNTAX:
	case PLAN_LENGTH_RANGE:
		return report_size_value("--length", rq->length,
					 why == PLAN_LENGTH_RANGE);
	case PLAN_SRC_OFFSET_PAST_END:
	case PLAN_PAST_SRC_END:
	case PLAN_DST_END_OVERFLOW:
	case PLAN_DST_TOO_SMALL:
	case PLAN_DST_OFFSET_PAST_END:
		return report_bounds(why, p);
	case PLAN_OVERLAP:
		return fail(
			EXIT_USAGE,
			"SRC %s and DST %s are the same storage and the ranges overlap (in %s)",
			p->src.path, p->dst.path, p->overlap_at.name);
	case PLAN_OVERLAP_UNKNOWN:
		return report_overlap_unknown(p);
	default:
		return report_alignment(why, rq, p);
	}
}

/* Below DST: in use by another device, or cannot tell. */
static int report_below(const struct safety_verdict *v, const char *path)
{
	switch (v->why) {
	case DST_BELOW_BACKS_LOOP:
		return fail(
			EXIT_USAGE,
			"DST %s is in use: %s, below it, also backs /dev/%s (losetup -d it, or unmount what is on it, first)",
			path, v->layer, v->by);
	case DST_BELOW_HELD:
		return fail(
			EXIT_USAGE,
			"DST %s is in use: %s, below it, is held by %s (device-mapper or md); remove that first",
			path, v->layer, v->by);
	case DST_BELOW_CLAIMED:
		return fail(
			EXIT_USAGE,
			"DST %s is in use: %s, below it, is mounted or held open exclusively; unmount or stop it first",
			path, v->layer);
	default:
		return fail(
			EXIT_USAGE,
			"DST %s: cannot tell whether %s, below it, is in use (%s); refusing",
			path, v->layer, errno_text(v->error));
	}
}

/* The signature checks on a block device DST (without --force). */
static int report_signature(const struct safety_verdict *v, const char *path)
{
	if (v->why == DST_SIGNATURE_PROBE_FAILED)
		return fail(
			EXIT_USAGE,
			"DST %s: cannot probe for signatures (libblkid: %s); use --force to skip the check",
			path, errno_text(v->error));
	if (v->why == DST_SIGNATURES_CONTRADICT)
		return fail(
			EXIT_USAGE,
			"DST %s holds several contradicting signatures (filesystem, RAID or partition table); refusing to overwrite it (use --force if you mean it)",
			path);
	return fail(
		EXIT_USAGE,
		"DST %s holds a %s signature (%s); refusing to overwrite it (use --force if you mean it)",
		path, v->sig.what, v->sig.type);
}

static int report_safety(const struct safety_verdict *v,
			 const struct endpoint *ep)
{
	switch (v->why) {
	case SAFE:
		return 0;
	case SRC_PSEUDO_FILE:
		return fail(
			EXIT_USAGE,
			"SRC %s: its size reads 0 but it has content (a pseudo-file, as in /proc), which p2pcp cannot copy; copy it to a regular file first (e.g. with cat)",
			ep->path);
	case SRC_NO_DIRECT_IO:
		return fail(
			EXIT_USAGE,
			"SRC %s: cannot open for O_DIRECT reading: %s (its filesystem does not take direct I/O, e.g. ramfs or a pseudo-filesystem)",
			ep->path, errno_text(v->error));
	case DST_NO_DIRECT_IO:
		return fail(
			EXIT_USAGE,
			"DST %s: cannot open for O_DIRECT writing: %s (its filesystem does not take direct I/O, e.g. ramfs or a pseudo-filesystem)",
			ep->path, errno_text(v->error));
	case DST_TAKES_NO_WRITES:
		if (v->error == -ETXTBSY)
			return fail(
				EXIT_USAGE,
				"DST %s is in use: it is an active swap file, which takes no writes (swapoff it first)",
				ep->path);
		return fail(EXIT_USAGE, "DST %s: takes no writes: %s", ep->path,
			    errno_text(v->error));
	case DST_IS_OUTPUT:
		return fail(
			EXIT_USAGE,
			"DST %s is p2pcp's own standard %s: the copy and p2pcp's messages would overwrite each other; redirect %s elsewhere",
			ep->path, v->fd == 1 ? "output" : "error",
			v->fd == 1 ? "stdout" : "stderr");
	case DST_BLKROGET_FAILED:
		return fail(EXIT_USAGE, "DST %s: BLKROGET failed: %s", ep->path,
			    errno_text(v->error));
	case DST_READ_ONLY:
		return fail(
			EXIT_USAGE,
			"DST %s is a read-only block device (BLKROGET; e.g. losetup -r, blockdev --setro); nothing was written",
			ep->path);
	case DST_BACKS_LOOP:
		return fail(
			EXIT_USAGE,
			"DST %s is in use: it backs /dev/%s (losetup -d it, or unmount what is on it, first)",
			ep->path, v->by);
	case DST_BELOW_BACKS_LOOP:
	case DST_BELOW_HELD:
	case DST_BELOW_CLAIMED:
	case DST_BELOW_UNKNOWN:
		return report_below(v, ep->path);
	default:
		return report_signature(v, ep->path);
	}
}

/* No provider, or none that can serve: what the plan found. */
static int report_no_provider(const struct refusal *r,
			      const struct copy_plan *p)
{
	char bdf[PCI_ADDR_STRLEN];

	pci_addr_format(&r->provider, bdf, sizeof(bdf));
	switch (r->why) {
	case REFUSE_NO_P2PDMA:
		return fail(
			EXIT_NO_P2P,
			"peer-to-peer DMA is impossible on this kernel: %s was built without CONFIG_PCI_P2PDMA (%s); boot a kernel with it (Linux 6.2+), or copy through system memory with --sysmem",
			p->kernel_release, r->source);
	case REFUSE_P2PDMA_UNKNOWN:
		return fail(
			EXIT_NO_P2P,
			"no PCI device offers p2pmem: kernel %s was probably built without CONFIG_PCI_P2PDMA (no kernel config found to confirm), or no device has a usable CMB; see p2p-check, or use --sysmem",
			p->kernel_release);
	case REFUSE_NO_CMB:
		return fail(
			EXIT_NO_P2P,
			"no PCI device offers p2pmem although kernel %s has CONFIG_PCI_P2PDMA: no device exposes a CMB with both read and write data support; use --provider with a device that does, or --sysmem",
			p->kernel_release);
	case REFUSE_NO_ALLOCATE:
		return fail(
			EXIT_NO_P2P,
			"kernel %s has p2pmem (e.g. %s) but no p2pmem/allocate file: userspace p2pmem needs Linux 6.2 or later; upgrade, or use --sysmem",
			p->kernel_release, bdf);
	case REFUSE_NONE_PUBLISHED:
		return fail(
			EXIT_NO_P2P,
			"no p2pmem provider is published (e.g. %s): the driver offers none for general use; pick one with --provider BDF --force, or use --sysmem",
			bdf);
	default:
		return fail(
			EXIT_NO_P2P,
			"every published p2pmem provider is exhausted (available 0 on all %" PRIu64
			": other processes hold the memory); retry later or use --sysmem",
			r->count);
	}
}

/* --provider BDF could not be used. */
static int report_named_provider(const struct refusal *r, const char *name)
{
	switch (r->why) {
	case REFUSE_PROVIDER_SYNTAX:
		return fail(
			EXIT_USAGE,
			"--provider: '%s' is not a PCI address (e.g. 0000:03:00.0) or 'auto'",
			name);
	case REFUSE_PROVIDER_MISSING:
		return fail(
			EXIT_USAGE,
			"--provider %s: no such PCI device with p2pmem (p2pcp --dry-run or p2p-check lists providers)",
			name);
	case REFUSE_PROVIDER_UNREADABLE:
		return fail(
			EXIT_NO_P2P,
			"--provider %s: cannot read its p2pmem attributes: %s",
			name, strerror(-r->error));
	default:
		return fail(
			EXIT_USAGE,
			"--provider %s: its p2pmem is not published (the device does not offer it for general use); use --force to use it anyway",
			name);
	}
}

int report_refusal(const struct refusal *r, const struct options *o,
		   const struct copy_plan *p)
{
	const struct endpoint *ep = r->side ? &p->dst : &p->src;
	char text[512];

	switch (r->why) {
	case REFUSE_NONE:
		return 0;
	case REFUSE_OPEN:
		return report_endpoint(roles[r->side],
				       r->side ? o->dst : o->src, r->error);
	case REFUSE_SAFETY:
		return report_safety(&r->safety, ep);
	case REFUSE_RANGE:
		return report_plan_reason(r->range, &o->range, p);
	case REFUSE_HIDDEN_NAMESPACE:
		return fail(
			EXIT_USAGE,
			"%s %s is an NVMe namespace formatted with %" PRIu64
			" bytes of metadata per logical block, which the kernel's block layer cannot carry here, so it gives the device capacity 0; the passthrough engine would have to carry it in a separate buffer: neither engine can copy it; reformat the namespace without metadata",
			roles[r->side], ep->path, r->count);
	case REFUSE_PASSTHRU:
		passthru_failure_text(&r->passthru, &p->src, &p->dst, text,
				      sizeof(text));
		return fail(EXIT_USAGE, "%s", text);
	case REFUSE_P2PMEM_LIST:
		return fail(EXIT_NO_P2P, "cannot list p2pmem providers: %s",
			    strerror(-r->error));
	case REFUSE_PROVIDER_SYNTAX:
	case REFUSE_PROVIDER_MISSING:
	case REFUSE_PROVIDER_UNREADABLE:
	case REFUSE_PROVIDER_UNPUBLISHED:
		return report_named_provider(r, o->provider);
	case REFUSE_NOT_P2P:
		return fail(
			EXIT_NO_P2P,
			"%s %s %s; use --sysmem to copy through system memory",
			roles[r->side], ep->path,
			p2p_endpoint_problem(r->endpoint_kind, r->kernel));
	default:
		return report_no_provider(r, p);
	}
}

const char *engine_reason_text(const struct copy_plan *p, char *buf, size_t len)
{
	const struct endpoint *ep = p->engine_side ? &p->dst : &p->src;

	switch (p->engine_why) {
	case ENGINE_WHY_OPTION:
		snprintf(buf, len, "--engine %s",
			 p->engine == COPY_ENGINE_PASSTHRU ? "passthru" :
							     "block");
		break;
	case ENGINE_WHY_SYSMEM:
		snprintf(buf, len, "auto: the block engine (--sysmem)");
		break;
	case ENGINE_WHY_EXPECT_BLOCK:
		snprintf(
			buf, len,
			"auto: the block engine unless the kernel refuses P2P pages on a block device at the first read");
		break;
	case ENGINE_WHY_EXPECT_PASSTHRU:
		snprintf(
			buf, len,
			"auto, expected: %s %s is an NVMe multipath head node, whose block queue refuses P2P pages before Linux 7.2; the first read decides",
			roles[p->engine_side], ep->path);
		break;
	case ENGINE_WHY_BLOCK_TOOK_P2P:
		snprintf(
			buf, len,
			"auto: the kernel took P2P pages on both block devices");
		break;
	case ENGINE_WHY_BLOCK_REFUSED:
		snprintf(
			buf, len,
			"auto: the kernel refused P2P pages on %s %s's block device (%s%s)",
			roles[p->engine_side], ep->path,
			strerror(-p->engine_error),
			ep->disk.kind == DISK_NVME_MULTIPATH ?
				": an NVMe multipath head node, before Linux 7.2" :
				"");
		break;
	}
	return buf;
}

/* The block engine was refused and passthrough cannot help either. */
static int report_no_fallback(const struct copy_plan *p,
			      const struct copy_outcome *refusal,
			      const char *why)
{
	int side = refusal->pipeline.fail_side == COPY_SIDE_WRITE;
	const struct endpoint *ep = side ? &p->dst : &p->src;

	if (ep->disk.kind == DISK_NVME_MULTIPATH)
		return fail(
			EXIT_NO_P2P,
			"%s %s is an NVMe multipath head node, whose queue does not take P2P pages (%s), and the passthrough engine cannot be used: %s; nothing was written; boot with nvme_core.multipath=N to get per-controller namespaces, or use --sysmem",
			roles[side], ep->path,
			strerror(-refusal->pipeline.error), why);
	report_preflight_failure(p, refusal);
	return fail(EXIT_NO_P2P, "%s; passthrough was tried too: %s",
		    fail_message(), why);
}

int engine_report_refusal(const struct copy_plan *p,
			  const struct copy_outcome *refusal)
{
	int side = refusal->pipeline.fail_side == COPY_SIDE_WRITE;
	const struct endpoint *ep = side ? &p->dst : &p->src;
	const struct endpoint *other = side ? &p->src : &p->dst;
	char why[256];

	if (ep->disk.kind != DISK_NVME_MULTIPATH ||
	    (refusal->pipeline.error != -EREMOTEIO &&
	     refusal->pipeline.error != -EINVAL))
		return report_preflight_failure(p, refusal);
	snprintf(why, sizeof(why),
		 "it copies between NVMe namespaces only, and %s %s is not one",
		 roles[!side], other->path);
	return report_no_fallback(p, refusal, why);
}

int report_passthru_failure(const struct copy_plan *p,
			    const struct passthru_failure *f,
			    const struct copy_outcome *refusal)
{
	char text[512];

	passthru_failure_text(f, &p->src, &p->dst, text, sizeof(text));
	if (refusal)
		return report_no_fallback(p, refusal, text);
	if (f->why == PT_IO && f->error == -EREMOTEIO && !f->nvme_status) {
		struct copy_outcome r = { .pipeline.error = f->error,
					  .pipeline.fail_side =
						  f->side ? COPY_SIDE_WRITE :
							    COPY_SIDE_READ };

		return report_preflight_failure(p, &r);
	}
	return fail(f->why == PT_IO ? EXIT_IO : EXIT_USAGE, "%s", text);
}
