// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * p2pcp's text printer: the usage, the --dry-run plan, progress lines,
 * the success line, and the wording of every failure of a run that
 * started (the run's one message, which --json also carries); refusals
 * before the copy are worded in p2pcp-print-refusal.c.
 * One file: the messages of a stopped run share how they name the place,
 * what was copied and how to resume, and must stay worded alike.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvme-passthru.h"
#include "p2pcp.h"
#include "ring.h"
#include "safety.h"
#include "util.h"

/* The one message of a run, printed by main(); never truncated. */
static char *message;

int fail(int code, const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	free(message);
	message = text;
	return code;
}

const char *fail_message(void)
{
	return message ? message : "";
}

void fail_clear(void)
{
	free(message);
	message = NULL;
}

void text_usage(FILE *out)
{
	fprintf(out,
		"Usage: " PROG " [OPTIONS] SRC DST\n"
		"Copy SRC to DST (NVMe namespaces, partitions or files on them) with\n"
		"peer-to-peer DMA through a PCIe p2pmem buffer such as an NVMe CMB.\n"
		"\n"
		"Options:\n"
		"      --provider BDF|auto  p2pmem provider (PCI address); auto picks the\n"
		"                           nearest published one (default)\n"
		"      --chunk-size SIZE    bytes per I/O (default 1MiB)\n"
		"      --queue-depth N      chunks in flight at most (default 8;\n"
		"                           fewer when the devices reward it)\n"
		"      --fixed-depth        keep N in flight throughout\n"
		"      --src-offset SIZE    start in SRC (default 0)\n"
		"      --dst-offset SIZE    start in DST (default 0)\n"
		"      --length SIZE        bytes to copy (default: rest of SRC)\n"
		"      --verify[=MODE]      read back and compare; MODE sysmem (default:\n"
		"                           into system memory) or p2pmem (through the\n"
		"                           buffer, poisoned before every read)\n"
		"      --dry-run            print the plan and write nothing\n"
		"      --progress           show progress on a terminal (also on SIGUSR1)\n"
		"      --json               print a JSON summary on stdout\n"
		"      --engine ENGINE      auto (default), block or passthru (NVMe\n"
		"                           commands on /dev/ngXnY); auto uses passthru\n"
		"                           where the kernel refuses P2P pages on a\n"
		"                           block device (NVMe multipath head nodes)\n"
		"      --sysmem             copy through system memory instead (no P2P)\n"
		"      --force              write over a destination with a signature, or\n"
		"                           use an unpublished provider\n"
		"  -q, --quiet              print errors only\n"
		"  -h, --help               show this help\n"
		"  -V, --version            show the version\n"
		"\n"
		"SIZE: bytes, with k/M/G/T or KiB/MiB/GiB/TiB (1024), kB/MB/GB/TB (1000),\n"
		"or Ns for N logical blocks of the device it applies to.\n"
		"Exit status: 0 ok, 1 I/O error, 2 bad input, 3 P2P impossible,\n"
		"4 verification mismatch, 129/130/143 interrupted.  See p2pcp(1).\n");
}

static const char *endpoint_device(const struct endpoint *ep)
{
	if (!ep->have_disk)
		return "";
	return ep->disk.part[0] ? ep->disk.part : ep->disk.name;
}

static void text_endpoint(const char *role, const struct endpoint *ep,
			  uint64_t offset,
			  const struct p2p_nvme_ctrl_desc *ctrl)
{
	char bdf[PCI_ADDR_STRLEN];

	printf("%s  %s", role, ep->path);
	if (ep->have_disk) {
		printf(" (%s", endpoint_device(ep));
		if (ep->disk.ctrl[0])
			printf(", %s", ep->disk.ctrl);
		if (ep->disk.have_pci)
			printf(", %s", pci_addr_format(&ep->disk.pci, bdf,
						       sizeof(bdf)));
		printf(", %u-byte blocks)", ep->disk.logical_block_size);
	}
	printf(", offset %" PRIu64 "\n", offset);
	if (ctrl)
		printf("     %s, serial %s%s\n", ctrl->model, ctrl->serial,
		       ctrl->subsystem_ctrls > 1 ?
			       ", subsystem reachable through several controllers" :
			       "");
}

static const char *provider_place_text(enum provider_place place)
{
	switch (place) {
	case PROVIDER_ON_DST:
		return "the provider is DST's own CMB: only SRC's writes into it cross the fabric";
	case PROVIDER_ON_SRC:
		return "the provider is SRC's own CMB: DST's reads from it cross the fabric";
	case PROVIDER_THIRD:
		break;
	}
	return "the provider is a third device: both directions cross the fabric (SRC writes into it, DST reads from it)";
}

static void text_provider(const struct copy_plan *p)
{
	char bdf[PCI_ADDR_STRLEN];

	printf("provider %s: %" PRIu64 " bytes, %" PRIu64 " available, %s\n",
	       pci_addr_format(&p->provider.addr, bdf, sizeof(bdf)),
	       p->provider.size, p->provider.available,
	       p->provider.published ? "published" : "not published");
	printf("%s\n", provider_place_text(p->place));
	if (p->have_verdicts)
		printf("path: SRC<->provider %s (distance %d), DST<->provider %s (distance %d)\n",
		       p2p_verdict_name(p->src_path.verdict),
		       p->src_path.distance,
		       p2p_verdict_name(p->dst_path.verdict),
		       p->dst_path.distance);
	else
		printf("path: unknown (PCI topology unreadable)\n");
}

void text_plan(const struct copy_plan *p)
{
	char sz[32], why[256];

	text_endpoint("SRC", &p->src, p->src_offset,
		      p->have_src_ctrl ? &p->src_ctrl : NULL);
	text_endpoint("DST", &p->dst, p->dst_offset,
		      p->have_dst_ctrl ? &p->dst_ctrl : NULL);
	printf("copy %" PRIu64 " bytes (%s)", p->length,
	       format_size(p->length, sz, sizeof(sz)));
	if (p->tail)
		printf(", last %" PRIu64 " through buffered I/O", p->tail);
	printf("\n");
	if (p->p2p)
		text_provider(p);
	else
		printf("through system memory (--sysmem)\n");
	printf("engine %s (%s)\n",
	       p->engine == COPY_ENGINE_PASSTHRU ? "passthru" : "block",
	       engine_reason_text(p, why, sizeof(why)));
	printf("%u chunks of %u bytes in flight", p->geometry.queue_depth,
	       p->geometry.chunk_size);
	if (p->geometry.depth_may_tune)
		printf(" (or 1, if a serial copy proves faster in the copy's first chunks; --fixed-depth keeps %u)",
		       p->geometry.queue_depth);
	printf("\n");
}

void text_progress(const struct pipeline_progress *pr, void *data)
{
	struct progress_state *ps = data;
	double rate = pr->elapsed > 0 ? pr->done / pr->elapsed : 0;
	char sz[32];

	fprintf(stderr, "%s%" PRIu64 " bytes (%s) copied, %.1f s, %.1f MB/s%s",
		ps->tty ? "\r" : "", pr->done,
		format_size(pr->done, sz, sizeof(sz)), pr->elapsed, rate / 1e6,
		ps->tty ? "   " : "\n");
	ps->active = ps->tty;
}

/* What DST's guard checks covered, for a copy that carried PI. */
static const char *pi_success_text(const struct copy_outcome *r, char *buf,
				   size_t len)
{
	if (!r->pi_carried)
		return "";
	if (!r->pi_unchecked_blocks)
		snprintf(
			buf, len,
			"; protection information type %u carried: DST's controller checked the guard of every block it fetched",
			r->pi_type);
	else
		snprintf(
			buf, len,
			"; protection information type %u carried: DST's controller checked the guard of every block it fetched except %" PRIu64
			" of %" PRIu64
			" whose protection information disables checking (application tag FFFFh: never written on SRC)",
			r->pi_type, r->pi_unchecked_blocks,
			r->pi_written_blocks);
	return buf;
}

void text_success(const struct copy_plan *p, const struct options *o,
		  const struct copy_outcome *r, double seconds)
{
	char sz[32], bdf[PCI_ADDR_STRLEN], pi[256];

	fprintf(stderr,
		"%s: copied %s from %s to %s %s%s in %.2f s (%.1f MB/s, %s engine)%s%s\n",
		PROG, format_size(p->length, sz, sizeof(sz)), p->src.path,
		p->dst.path,
		p->p2p ? "through p2pmem of " : "through system memory",
		p->p2p ? pci_addr_format(&p->provider.addr, bdf, sizeof(bdf)) :
			 "",
		seconds, seconds > 0 ? p->length / seconds / 1e6 : 0.0,
		p->engine == COPY_ENGINE_PASSTHRU ? "passthru" : "block",
		o->verify != VERIFY_NONE ? ", verified" : "",
		pi_success_text(r, pi, sizeof(pi)));
}

const char *errno_text(int err)
{
	return strerror(err < 0 ? -err : err);
}

int report_buffer_failure(const struct copy_plan *p, int err)
{
	char bdf[PCI_ADDR_STRLEN], sz[32];

	if (!p->p2p)
		return fail(
			EXIT_USAGE,
			"cannot allocate a %zu-byte buffer in system memory; nothing was written; use a smaller --chunk-size or --queue-depth",
			copy_buffer_want(p));
	pci_addr_format(&p->provider.addr, bdf, sizeof(bdf));
	/*
	 * A resource that is busy, not a path that cannot work: exit 2.
	 * p2pmem_map() already halved its request down to the floor, so a
	 * smaller --chunk-size cannot help; freeing the CMB can.
	 */
	if (err == -ENOMEM)
		return fail(
			EXIT_USAGE,
			"cannot allocate a %zu-byte buffer from the p2pmem of provider %s: it is exhausted, not even %zu contiguous bytes free (available %s of %" PRIu64
			" bytes; another process holds the rest); nothing was written; free the CMB (stop what holds its p2pmem) and retry, pick another --provider, or use --sysmem",
			copy_buffer_want(p), bdf, copy_buffer_floor(p),
			format_size(p->provider.available, sz, sizeof(sz)),
			p->provider.size);
	if (err == -EACCES || err == -EPERM)
		return fail(
			EXIT_NO_P2P,
			"provider %s: permission denied opening p2pmem/allocate (root, or write access to it, is needed)",
			bdf);
	if (err == -ENODEV)
		return fail(EXIT_NO_P2P,
			    "provider %s went away (device removed or unbound)",
			    bdf);
	return fail(EXIT_NO_P2P, "provider %s: cannot map p2pmem: %s", bdf,
		    errno_text(err));
}

int report_open_failure(const struct copy_plan *p, enum copy_side side, int err)
{
	if (side == COPY_SIDE_READ)
		return fail(EXIT_USAGE,
			    "SRC %s: cannot open for O_DIRECT reading: %s",
			    p->src.path, errno_text(err));
	return fail(EXIT_USAGE, "DST %s: cannot open for O_DIRECT writing: %s",
		    p->dst.path, errno_text(err));
}

/* Why the topology says the kernel refuses, for the refusal message. */
static const char *refusal_reason(const struct copy_plan *p, int side)
{
	const struct p2p_result *r = side ? &p->dst_path : &p->src_path;

	if (!p->have_verdicts || r->verdict != P2P_REFUSED)
		return "see dmesg for the kernel's reason";
	if (r->acs_redirect_count)
		return "ACS redirect is set on a port of the path and the host bridge is not whitelisted";
	return "the devices share no upstream bridge and the host bridge is not on the kernel's whitelist";
}

/* What the platform shows for the path of @side, for a loss message. */
static const char *loss_facts(const struct copy_plan *p, int side, char *buf,
			      size_t len)
{
	const struct p2p_result *r = side ? &p->dst_path : &p->src_path;
	int n;

	n = snprintf(buf, len, "here: %s%s",
		     p->iommu_units[0] ? "IOMMU active: " :
					 "no IOMMU in /sys/class/iommu",
		     p->iommu_units);
	if (p->have_verdicts && n > 0 && (size_t)n < len)
		snprintf(
			buf + n, len - (size_t)n,
			"; p2p-check's verdict for this pair: %s, %zu port%s with ACS redirect on the path",
			p2p_verdict_name(r->verdict), r->acs_redirect_count,
			r->acs_redirect_count == 1 ? "" : "s");
	return buf;
}

#define LOSS_CAUSE                                                             \
	"an IOMMU or ACS redirect on the path is the usual cause (the kernel " \
	"keeps its first verdict per device pair until a driver rebind)"

/* The arrival probe found that the data does not arrive. */
static int report_lost_preflight(const struct copy_plan *p,
				 const struct copy_outcome *r, const char *bdf)
{
	const struct arrival_result *a = &r->arrival;
	int side = r->pipeline.fail_side == COPY_SIDE_WRITE;
	char facts[512];

	loss_facts(p, side, facts, sizeof(facts));
	if (!side)
		return fail(
			EXIT_NO_P2P,
			"peer-to-peer writes from SRC %s into the p2pmem of %s were lost without an error: a read of SRC's first block completed with success, but %s; nothing was written to DST; %s (%s); dmesg will show DMAR or AMD-Vi faults; run 'p2p-check %s %s', or copy with --sysmem",
			p->src.path, bdf,
			a->verdict == ARRIVAL_MISMATCH ?
				"the buffer then held other data than SRC has" :
			a->verdict == ARRIVAL_LOST ?
				"every poison word written to the buffer before it survived" :
				"some poison words written to the buffer before it survived",
			LOSS_CAUSE, facts, p->src.path, p->dst.path);
	return fail(
		EXIT_NO_P2P,
		"DST %s did not receive what it read from the p2pmem of %s: SRC's first block, written to DST's first block from the buffer, read back %s; %s; %s (%s); dmesg will show DMAR or AMD-Vi faults; run 'p2p-check %s %s', or copy with --sysmem",
		p->dst.path, bdf,
		a->verdict == ARRIVAL_LOST ? "unchanged" : "different",
		a->dst_not_restored ?
			"restoring that block FAILED: DST's first block may hold other data now" :
			"that block was restored and nothing else was written",
		LOSS_CAUSE, facts, p->src.path, p->dst.path);
}

int report_preflight_failure(const struct copy_plan *p,
			     const struct copy_outcome *r)
{
	int side = r->pipeline.fail_side == COPY_SIDE_WRITE;
	const struct endpoint *ep = side ? &p->dst : &p->src;
	char bdf[PCI_ADDR_STRLEN];

	pci_addr_format(&p->provider.addr, bdf, sizeof(bdf));
	if (r->pipeline.lost)
		return report_lost_preflight(p, r, bdf);
	if (r->pipeline.error == -EREMOTEIO || r->pipeline.error == -EINVAL)
		return fail(
			EXIT_NO_P2P,
			"the kernel refused peer-to-peer DMA between %s %s and provider %s (%s: %s); nothing was written; run 'p2p-check %s %s' for the path and the fix, or use --sysmem",
			side ? "DST" : "SRC", ep->path, bdf,
			errno_text(r->pipeline.error), refusal_reason(p, side),
			p->src.path, p->dst.path);
	return fail(EXIT_IO,
		    "%s %s: I/O at byte %" PRIu64
		    " failed before the copy: %s; %s",
		    side ? "DST" : "SRC", ep->path,
		    side ? p->dst_offset : p->src_offset,
		    errno_text(r->pipeline.error),
		    r->arrival.dst_not_restored ?
			    "DST's first block may hold SRC's first block now" :
			    "nothing was written");
}

/*
 * What a copy that stopped has done, and how to go on: the exact good
 * prefix as half-open ranges on both sides, and the resume offsets.
 * Every message about a copy that stopped ends with these words; 448
 * bytes hold them with eight 20-digit numbers.
 */
static const char *done_and_resume(const struct copy_plan *p,
				   const struct copy_outcome *r, char *buf,
				   size_t len)
{
	snprintf(
		buf, len,
		"copied SRC bytes [%" PRIu64 ", %" PRIu64
		") to DST bytes [%" PRIu64 ", %" PRIu64 ") (%" PRIu64
		" bytes)%s; resume with --src-offset %" PRIu64
		" --dst-offset %" PRIu64 " --length %" PRIu64,
		p->src_offset, p->src_offset + r->pipeline.done, p->dst_offset,
		p->dst_offset + r->pipeline.done, r->pipeline.done,
		r->dst_cut ?
			"; DST was cut at the end of those (it was to become SRC's size: the resume makes it so)" :
			"",
		p->src_offset + r->pipeline.done,
		p->dst_offset + r->pipeline.done, p->length - r->pipeline.done);
	return buf;
}

/* A chunk's sentinels survived its read: the copy stopped there. */
static int report_lost_chunk(const struct copy_plan *p,
			     const struct copy_outcome *r)
{
	uint64_t at = p->src_offset + r->pipeline.fail_offset;
	char bdf[PCI_ADDR_STRLEN], facts[512], done[448];

	pci_addr_format(&p->provider.addr, bdf, sizeof(bdf));
	loss_facts(p, 0, facts, sizeof(facts));
	return fail(
		EXIT_NO_P2P,
		"peer-to-peer writes from SRC %s into the p2pmem of %s were lost without an error at byte %" PRIu64
		" (the sentinels of the chunk there survived a read that completed with success); that chunk was not written; %s (%s); dmesg will show DMAR or AMD-Vi faults; %s",
		p->src.path, bdf, at, LOSS_CAUSE, facts,
		done_and_resume(p, r, done, sizeof(done)));
}

/* io_uring_setup() failed: why, as far as the system tells. */
static const char *ring_hint(enum ring_unavailable cause)
{
	switch (cause) {
	case RING_DISABLED_ALL:
		return "kernel.io_uring_disabled is 2, io_uring is off for everyone ('sysctl kernel.io_uring_disabled=0' turns it on)";
	case RING_DISABLED_GROUP:
		return "kernel.io_uring_disabled is 1, only root and members of the group kernel.io_uring_group may use io_uring";
	case RING_NOT_BUILT:
		return "the kernel lacks io_uring (CONFIG_IO_URING) or a seccomp filter hides it (in a container: allow io_uring_setup, io_uring_enter and io_uring_register)";
	case RING_FORBIDDEN:
		return "a seccomp filter or security policy forbids it (in a container: allow io_uring_setup, io_uring_enter and io_uring_register)";
	case RING_MEMLOCK:
		return "the locked-memory limit is too low for the ring (ulimit -l)";
	case RING_CAUSE_UNKNOWN:
		break;
	}
	return "see the kernel log";
}

int report_ring_failure(int err, enum ring_unavailable cause)
{
	return fail(
		EXIT_NO_P2P,
		"io_uring is not available (%s): %s; p2pcp does all its I/O with it; nothing was written",
		errno_text(err), ring_hint(cause));
}

/*
 * An NVMe status by name, with the namespace's LBA (a partition adds
 * its start); else the errno.
 */
static const char *error_text(const struct endpoint *ep, uint64_t at,
			      const struct copy_outcome *r, char *buf,
			      size_t len)
{
	const char *name = passthru_status_name(r->pipeline.nvme_status);
	uint32_t lbs = ep->disk.logical_block_size;

	if (r->pipeline.error == -ETIMEDOUT && !r->pipeline.nvme_status) {
		snprintf(
			buf, len,
			"the kernel cancelled the command %d times in a row (its I/O timeout or a controller reset), and p2pcp gave up",
			RING_CANCELLED_TRIES + 1);
		return buf;
	}
	if (!r->pipeline.nvme_status || !lbs)
		return errno_text(r->pipeline.error);
	snprintf(buf, len, "%s (NVMe status 0x%x, LBA %" PRIu64 ")",
		 name ? name : "NVMe error",
		 r->pipeline.nvme_status & PASSTHRU_STATUS_MASK,
		 (ep->disk.part_start + at) / lbs);
	return buf;
}

/*
 * Where a stop happened, worded the same for the copy and its
 * verification: "<verb> error on SRC|DST <path> at byte <absolute>
 * (block <n>): <cause>".  A side that ended early (it shrank after
 * planning) says so instead of the EIO that stands for it inside.
 */
static const char *stop_place(const struct copy_plan *p,
			      const struct copy_outcome *r, const char *verb,
			      const char *shrank, char *buf, size_t len)
{
	bool src = r->pipeline.fail_side == COPY_SIDE_READ;
	const struct endpoint *ep = src ? &p->src : &p->dst;
	uint64_t at =
		(src ? p->src_offset : p->dst_offset) + r->pipeline.fail_offset;
	char text[192];
	const char *cause = text;

	if (r->pipeline.unexpected_eof)
		snprintf(text, sizeof(text), "%s ends there (it shrank %s)",
			 src ? "SRC" : "DST", shrank);
	else
		cause = error_text(ep, at, r, text, sizeof(text));
	snprintf(buf, len,
		 "%s error on %s %s at byte %" PRIu64 " (block %" PRIu64
		 "): %s",
		 verb, src ? "SRC" : "DST", ep->path, at,
		 at / (ep->dio_align ? ep->dio_align : 512), cause);
	return buf;
}

/* What a failed protection check means for a copy that carried PI. */
static const char *pi_failure_text(const struct copy_outcome *r, bool read)
{
	uint32_t status = r->pipeline.nvme_status & PASSTHRU_STATUS_MASK;

	if (!r->pi_carried || status < 0x282 || status > 0x284)
		return "";
	if (read)
		return ": SRC's data there does not match its own protection information";
	return status == 0x282 ?
		       ": DST's controller found that the block it fetched from the buffer does not match SRC's guard: the data was lost or changed between SRC and DST (the fabric, the buffer), and DST did not store it" :
		       ": DST's controller refused the protection information p2pcp sent with the block";
}

int report_copy_failure(const struct copy_plan *p, const struct copy_outcome *r)
{
	char where[PATH_MAX + 384], done[448];
	bool read = r->pipeline.fail_side == COPY_SIDE_READ;
	const struct endpoint *ep = read ? &p->src : &p->dst;
	char bdf[PCI_ADDR_STRLEN];

	if (r->pipeline.lost)
		return report_lost_chunk(p, r);
	if (p->p2p && r->pipeline.done == 0 && !r->pipeline.nvme_status &&
	    (r->pipeline.error == -EREMOTEIO || r->pipeline.error == -EINVAL)) {
		pci_addr_format(&p->provider.addr, bdf, sizeof(bdf));
		return fail(
			EXIT_NO_P2P,
			"the kernel refused peer-to-peer DMA between %s and provider %s (%s); nothing was written; run 'p2p-check %s %s' for the path and the fix, or use --sysmem",
			ep->path, bdf, errno_text(r->pipeline.error),
			p->src.path, p->dst.path);
	}
	return fail(EXIT_IO, "%s%s; %s",
		    stop_place(p, r, read ? "read" : "write", "during the copy",
			       where, sizeof(where)),
		    pi_failure_text(r, read),
		    done_and_resume(p, r, done, sizeof(done)));
}

/* The exit status of a stop request: 128 + the signal, as a shell says. */
static int stop_exit(int sig)
{
	if (sig == SIGHUP)
		return EXIT_SIGHUP;
	return sig == SIGTERM ? EXIT_SIGTERM : EXIT_SIGINT;
}

int report_interrupt(const struct copy_plan *p, const struct copy_outcome *r,
		     int sig)
{
	char done[448];

	return fail(stop_exit(sig), "interrupted: %s",
		    done_and_resume(p, r, done, sizeof(done)));
}

int report_stop_before_copy(int sig)
{
	return fail(stop_exit(sig),
		    "interrupted before the copy started: nothing was written");
}

/* What the verification proved before it stopped. */
static const char *verified_part(const struct copy_plan *p,
				 const struct copy_outcome *r, char *buf,
				 size_t len)
{
	if (!r->pipeline.done)
		return "no byte was verified";
	snprintf(buf, len,
		 "SRC bytes [%" PRIu64 ", %" PRIu64
		 ") were verified equal to DST bytes [%" PRIu64 ", %" PRIu64
		 ")",
		 p->src_offset, p->src_offset + r->pipeline.done, p->dst_offset,
		 p->dst_offset + r->pipeline.done);
	return buf;
}

int report_verify_failure(const struct copy_plan *p,
			  const struct copy_outcome *r, int sig)
{
	char where[PATH_MAX + 384], proved[160], bdf[PCI_ADDR_STRLEN];
	bool src = r->pipeline.fail_side == COPY_SIDE_READ;

	if (r->pipeline.stopped)
		return fail(
			stop_exit(sig),
			"interrupted while verifying: the copy itself completed (%" PRIu64
			" bytes); %s",
			p->length, verified_part(p, r, proved, sizeof(proved)));
	if (r->mismatch)
		return fail(
			EXIT_MISMATCH,
			"verify: DST %s differs from SRC %s at byte %" PRIu64
			" of the range (SRC byte %" PRIu64 ", DST byte %" PRIu64
			")",
			p->dst.path, p->src.path, r->mismatch_offset,
			p->src_offset + r->mismatch_offset,
			p->dst_offset + r->mismatch_offset);
	if (r->pipeline.lost) {
		pci_addr_format(&p->provider.addr, bdf, sizeof(bdf));
		return fail(
			EXIT_MISMATCH,
			"verify: reads of %s %s into the p2pmem of %s were lost at byte %" PRIu64
			" (the poison written before the read survived): the copy went the same way and is not proven; check it with --verify=sysmem; %s; %s",
			src ? "SRC" : "DST", src ? p->src.path : p->dst.path,
			bdf,
			(src ? p->src_offset : p->dst_offset) +
				r->pipeline.fail_offset,
			LOSS_CAUSE,
			verified_part(p, r, proved, sizeof(proved)));
	}
	return fail(EXIT_IO,
		    "verify: %s; the copy itself completed (%" PRIu64
		    " bytes); %s",
		    stop_place(p, r, "read", "after the copy", where,
			       sizeof(where)),
		    p->length, verified_part(p, r, proved, sizeof(proved)));
}
