// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The passthrough engine's device side without a device: the SQE it
 * builds, its LBA arithmetic and range rules, the per-command limit it
 * derives from the queue limits, the NVMe status table, the namespace
 * format rules, and finding /dev/ngXnY in a fake sysfs tree.
 */
#include <errno.h>
#include <fcntl.h>
#include <libnvme.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "check.h"
#include "pipeline.h"
#include "nvme-passthru.h"
#include "p2pdma.h"
#include "sysfs.h"
#include "util.h"

static void test_prep(void)
{
	struct passthru_ns ns = {
		.nsid = 7, .lba_size = 512, .lba_shift = 9, .base = MIB
	};
	/* Room for a 128-byte SQE, poisoned to see what prep clears. */
	struct io_uring_sqe sqe[2];
	struct nvme_uring_cmd *cmd = (struct nvme_uring_cmd *)sqe[0].cmd;
	char buf[4096];

	memset(sqe, 0xa5, sizeof(sqe));
	passthru_prep(sqe, 42, &ns, false, buf, 256 * KIB, 4096);
	CHECK_EQ_U64(sqe[0].opcode, IORING_OP_URING_CMD);
	CHECK_EQ_U64(sqe[0].fd, 42);
	CHECK_EQ_U64(sqe[0].cmd_op, NVME_URING_CMD_IO);
	CHECK_EQ_U64(sqe[0].flags, 0);
	CHECK_EQ_U64(cmd->opcode, PASSTHRU_OP_READ);
	CHECK_EQ_U64(cmd->flags, 0);
	CHECK_EQ_U64(cmd->nsid, 7);
	CHECK_EQ_U64(cmd->addr, (uintptr_t)buf);
	CHECK_EQ_U64(cmd->data_len, 256 * KIB);
	CHECK_EQ_U64(cmd->metadata, 0);
	CHECK_EQ_U64(cmd->metadata_len, 0);
	/* The partition starts at 1 MiB: LBA (1 MiB + 4096) / 512. */
	CHECK_EQ_U64(cmd->cdw10, 2056);
	CHECK_EQ_U64(cmd->cdw11, 0);
	CHECK_EQ_U64(cmd->cdw12, 511);
	CHECK_EQ_U64(cmd->cdw13, 0);
	CHECK_EQ_U64(cmd->timeout_ms, 0);

	/* Writes; a starting LBA beyond 32 bits; 4 KiB blocks. */
	ns.base = 0;
	ns.lba_size = 4096;
	ns.lba_shift = 12;
	passthru_prep(sqe, 3, &ns, true, buf, 8192, 0x123456789000ULL);
	CHECK_EQ_U64(cmd->opcode, PASSTHRU_OP_WRITE);
	CHECK_EQ_U64(cmd->cdw10, 0x23456789);
	CHECK_EQ_U64(cmd->cdw11, 0x1);
	CHECK_EQ_U64(cmd->cdw12, 1);
	CHECK_EQ_U64(passthru_lba(&ns, 0x123456789000ULL), 0x123456789ULL);
}

static void test_range(void)
{
	/* A 1 MiB partition at 1 MiB of an 8 MiB namespace of 4 KiB LBAs. */
	struct passthru_ns ns = { .lba_size = 4096,
				  .lba_shift = 12,
				  .ns_lbas = 2048,
				  .base = MIB,
				  .size = MIB };

	CHECK_EQ_U64(passthru_check_range(&ns, 0, MIB), 0);
	CHECK_EQ_U64(passthru_check_range(&ns, 4096, MIB - 4096), 0);
	/* A file tail is not whole LBAs. */
	CHECK_EQ_U64(passthru_check_range(&ns, 0, 4096 + 512), -EINVAL);
	CHECK_EQ_U64(passthru_check_range(&ns, 512, 4096), -EINVAL);
	CHECK_EQ_U64(passthru_check_range(&ns, 4096, MIB), -ERANGE);
	CHECK_EQ_U64(passthru_check_range(&ns, UINT64_MAX - 4095, 4096),
		     -ERANGE);
	/* What sysfs says is larger than the namespace: trust the namespace. */
	ns.size = 8 * MIB;
	CHECK_EQ_U64(passthru_check_range(&ns, 0, 7 * MIB), 0);
	CHECK_EQ_U64(passthru_check_range(&ns, 0, 7 * MIB + 4096), -ERANGE);
	CHECK_EQ_U64(passthru_lba(&ns, 4096), 257);
}

/*
 * What a kernel publishes in /sys/block/<disk>/queue for a PCIe NVMe
 * controller, and how it counts the segments of a passthrough buffer,
 * as read in its sources (drivers/nvme/host/core.c nvme_set_ctrl_limits,
 * pci.c; block/blk-map.c, bio.c, lib/iov_iter.c):
 *  6.12: max_hw = min(MDTS, NVME_MAX_KB_SZ = 8 MiB), max_segments =
 *        min(max_hw / 4 KiB + 1, NVME_MAX_SEGS = 128); bio_add_hw_page()
 *        joins physically contiguous pages into one segment.
 *  7.3:  max_hw = min(MDTS, NVME_MAX_BYTES = 8 MiB), max_segments =
 *        min(max_hw / 4 KiB + 1, NVME_MAX_SEGS = 4096 / 16 = 256);
 *        iov_iter_extract_bvecs() joins pages only within a folio, and
 *        each page of p2pmem is one: a segment per page.
 * Both: max_segment_size UINT_MAX.
 */
struct kernel_model {
	const char *name;
	unsigned int kernel;
	uint32_t max_bytes, max_segments;
	bool joins_contiguous;
};

static const struct kernel_model linux_6_12 = { "6.12", P2P_KERNEL(6, 12, 117),
						8 * MIB, 128, true };
static const struct kernel_model linux_7_3 = { "7.3", P2P_KERNEL(7, 3, 4),
					       8 * MIB, 256, false };

static struct passthru_limits published(const struct kernel_model *k,
					uint64_t mdts)
{
	struct passthru_limits lim = { .max_segment_size = UINT32_MAX };
	uint32_t segs;

	lim.max_hw_bytes =
		(uint32_t)(mdts < k->max_bytes ? mdts : k->max_bytes);
	segs = lim.max_hw_bytes / 4096 + 1;
	lim.max_segments = segs < k->max_segments ? segs : k->max_segments;
	return lim;
}

/* Does kernel @k take a command of @len bytes starting @offset into a page? */
static bool kernel_takes(const struct kernel_model *k,
			 const struct passthru_limits *lim, bool contiguous,
			 uint32_t offset, uint64_t len)
{
	uint64_t segments = (offset + len + 4095) / 4096;

	if (len > lim->max_hw_bytes)
		return false;
	if (contiguous && k->joins_contiguous)
		segments = (len + lim->max_segment_size - 1) /
			   lim->max_segment_size;
	return segments <= lim->max_segments;
}

static void plan_on(const struct kernel_model *k, uint64_t mdts,
		    uint32_t lba_size, struct passthru_pieces *out)
{
	struct passthru_limits lim = published(k, mdts);

	CHECK_EQ_U64(passthru_piece_plan(&lim, 4096, lba_size,
					 passthru_segment_rule_of(k->kernel),
					 out),
		     0);
}

/* Every piece the plan gives is taken, and a block more is not. */
static void check_plan_against(const struct kernel_model *k)
{
	static const uint32_t lbas[] = { 512, 4096 };
	struct passthru_pieces pc;
	struct passthru_limits lim;
	uint32_t off, worst;
	uint64_t mdts;
	size_t i;

	for (mdts = 4096; mdts <= 32 * MIB; mdts *= 2) {
		lim = published(k, mdts);
		for (i = 0; i < ARRAY_SIZE(lbas); i++) {
			plan_on(k, mdts, lbas[i], &pc);
			CHECK(kernel_takes(k, &lim, true, 0, pc.contiguous));
			CHECK(!kernel_takes(k, &lim, true, 0,
					    pc.contiguous + lbas[i]));
			CHECK_EQ_U64(pc.contiguous % lbas[i], 0);
			CHECK_EQ_U64(pc.any % lbas[i], 0);
			for (off = 0; off < 4096; off += lbas[i])
				CHECK(kernel_takes(k, &lim, false, off,
						   pc.any));
			/* At the worst start, one block more is refused. */
			worst = lbas[i] < 4096 ? 4096 - lbas[i] : 0;
			CHECK(!kernel_takes(k, &lim, false, worst,
					    pc.any + lbas[i]));
		}
	}
}

static void test_piece_plan(void)
{
	struct passthru_pieces pc, other, both;
	struct passthru_limits lim;

	CHECK_EQ_U64(passthru_segment_rule_of(P2P_KERNEL(6, 12, 117)),
		     PASSTHRU_SEGMENTS_JOIN_CONTIGUOUS);
	CHECK_EQ_U64(passthru_segment_rule_of(P2P_KERNEL(6, 2, 0)),
		     PASSTHRU_SEGMENTS_JOIN_CONTIGUOUS);
	CHECK_EQ_U64(passthru_segment_rule_of(P2P_KERNEL(7, 3, 4)),
		     PASSTHRU_SEGMENTS_PER_PAGE);
	CHECK_EQ_U64(passthru_segment_rule_of(P2P_KERNEL(6, 13, 0)),
		     PASSTHRU_SEGMENTS_PER_PAGE);
	CHECK_EQ_U64(passthru_segment_rule_of(0), PASSTHRU_SEGMENTS_PER_PAGE);

	/* QEMU's nvme (MDTS 7: 512 KiB): 6.12 publishes 128 segments. */
	lim = published(&linux_6_12, 512 * KIB);
	CHECK_EQ_U64(lim.max_segments, 128);
	plan_on(&linux_6_12, 512 * KIB, 512, &pc);
	CHECK_EQ_U64(pc.contiguous, 512 * KIB);
	/* System memory: a command may start up to 3.5 KiB into a page. */
	CHECK_EQ_U64(pc.any, 127 * 4096 + 512);
	/* 7.3 publishes 129 segments: 512 KiB either way. */
	lim = published(&linux_7_3, 512 * KIB);
	CHECK_EQ_U64(lim.max_segments, 129);
	plan_on(&linux_7_3, 512 * KIB, 512, &pc);
	CHECK_EQ_U64(pc.contiguous, 512 * KIB);
	CHECK_EQ_U64(pc.any, 512 * KIB);

	/* MDTS 2 MiB: 6.12 takes the whole CMB piece as one segment... */
	plan_on(&linux_6_12, 2 * MIB, 4096, &pc);
	CHECK_EQ_U64(pc.contiguous, 2 * MIB);
	CHECK_EQ_U64(pc.any, 128 * 4096);
	/* ...7.3 counts its 4 KiB pages against 256 segments. */
	plan_on(&linux_7_3, 2 * MIB, 4096, &pc);
	CHECK_EQ_U64(pc.contiguous, MIB);
	CHECK_EQ_U64(pc.any, MIB);
	/* Small MDTS: the MDTS. */
	plan_on(&linux_6_12, 128 * KIB, 512, &pc);
	CHECK_EQ_U64(pc.contiguous, 128 * KIB);
	CHECK_EQ_U64(pc.any, 128 * KIB);
	plan_on(&linux_7_3, 8 * MIB, 512, &pc);
	CHECK_EQ_U64(pc.contiguous, MIB);

	check_plan_against(&linux_6_12);
	check_plan_against(&linux_7_3);

	/* 65,536 blocks at most, whatever the limits would allow. */
	lim = (struct passthru_limits){ .max_hw_bytes = UINT32_MAX,
					.max_segments = 65535,
					.max_segment_size = UINT32_MAX };
	CHECK_EQ_U64(passthru_piece_plan(&lim, 4096, 512,
					 PASSTHRU_SEGMENTS_JOIN_CONTIGUOUS,
					 &pc),
		     0);
	CHECK_EQ_U64(pc.contiguous, 65536 * 512);
	CHECK_EQ_U64(pc.any, 65536 * 512);
	/* Segments smaller than a page: no joining beyond them. */
	lim = (struct passthru_limits){ .max_hw_bytes = 512 * KIB,
					.max_segments = 9,
					.max_segment_size = 2048 };
	CHECK_EQ_U64(passthru_piece_plan(&lim, 4096, 512,
					 PASSTHRU_SEGMENTS_PER_PAGE, &pc),
		     0);
	CHECK_EQ_U64(pc.any, 8 * 2048);
	CHECK_EQ_U64(pc.contiguous, 4 * 4096);
	/* Whole LBAs only, and none at all is an error. */
	lim = (struct passthru_limits){ .max_hw_bytes = 512 * KIB,
					.max_segments = 3,
					.max_segment_size = UINT32_MAX };
	CHECK_EQ_U64(passthru_piece_plan(&lim, 4096, 8192,
					 PASSTHRU_SEGMENTS_PER_PAGE, &pc),
		     0);
	CHECK_EQ_U64(pc.any, 8192);
	CHECK_EQ_U64(pc.contiguous, 8192);
	CHECK_EQ_U64(passthru_piece_plan(&lim, 4096, 16384,
					 PASSTHRU_SEGMENTS_PER_PAGE, &pc),
		     -EINVAL);
	/* One segment: a block that may sit anywhere in a page. */
	lim.max_segments = 1;
	CHECK_EQ_U64(passthru_piece_plan(&lim, 4096, 512,
					 PASSTHRU_SEGMENTS_PER_PAGE, &pc),
		     0);
	CHECK_EQ_U64(pc.any, 512);
	CHECK_EQ_U64(pc.contiguous, 4096);
	lim.max_hw_bytes = 256;
	CHECK_EQ_U64(passthru_piece_plan(&lim, 4096, 512,
					 PASSTHRU_SEGMENTS_PER_PAGE, &pc),
		     -EINVAL);

	/* Two sides: the smaller, in multiples of both LBA sizes. */
	pc = (struct passthru_pieces){ .contiguous = 512 * KIB,
				       .any = 127 * 4096 + 1024 };
	other = (struct passthru_pieces){ .contiguous = MIB + 4096,
					  .any = MIB };
	CHECK_EQ_U64(passthru_pieces_join(&pc, 512, &other, 4096, 4096, &both),
		     0);
	CHECK_EQ_U64(both.contiguous, 512 * KIB);
	CHECK_EQ_U64(both.any, 127 * 4096);
	/* A contiguous piece of a page or more stays whole pages. */
	pc.contiguous = 12 * KIB + 512;
	CHECK_EQ_U64(passthru_pieces_join(&pc, 512, &other, 512, 4096, &both),
		     0);
	CHECK_EQ_U64(both.contiguous, 12 * KIB);
	pc.contiguous = 2048;
	CHECK_EQ_U64(passthru_pieces_join(&pc, 512, &other, 512, 4096, &both),
		     0);
	CHECK_EQ_U64(both.contiguous, 2048);
	CHECK_EQ_U64(passthru_pieces_join(&pc, 512, &other, 4096, 4096, &both),
		     -EINVAL);
}

static bool name_is(uint32_t status, const char *want)
{
	const char *name = passthru_status_name(status);

	return name && !strcmp(name, want);
}

static void test_status(void)
{
	struct io_uring_cqe cqe = { 0 };
	uint32_t status = 99;

	CHECK(name_is(0x281, "Unrecovered Read Error"));
	CHECK_EQ_U64(passthru_status_errno(0x281), -ENODATA);
	/* Do Not Retry and More bits do not change the status. */
	CHECK(name_is(0x4281, "Unrecovered Read Error"));
	CHECK(name_is(0x280, "Write Fault"));
	CHECK_EQ_U64(passthru_status_errno(0x280), -ENODATA);
	CHECK(name_is(0x080, "LBA Out of Range"));
	CHECK(name_is(0x083, "Reservation Conflict"));
	CHECK_EQ_U64(passthru_status_errno(0x083), -EBADE);
	CHECK(name_is(0x020, "Namespace is Write Protected"));
	CHECK(name_is(0x002, "Invalid Field in Command"));
	CHECK(name_is(0x282, "End-to-end Guard Check Error"));
	CHECK_EQ_U64(passthru_status_errno(0x282), -EILSEQ);
	CHECK(passthru_status_name(0x1ff) == NULL);
	CHECK_EQ_U64(passthru_status_errno(0x1ff), -EIO);

	cqe.res = 0x4281;
	CHECK_EQ_U64(passthru_complete(&cqe, NULL, 4096, &status), -ENODATA);
	CHECK_EQ_U64(status, 0x4281);
	cqe.res = 0;
	CHECK_EQ_U64(passthru_complete(&cqe, NULL, 4096, &status), 4096);
	CHECK_EQ_U64(status, 0);
	cqe.res = -EINVAL;
	status = 99;
	CHECK_EQ_U64(passthru_complete(&cqe, NULL, 4096, &status), -EINVAL);
	CHECK_EQ_U64(status, 0);
}

static void test_identify(void)
{
	struct nvme_id_ns id;
	struct passthru_ns ns;

	memset(&id, 0, sizeof(id));
	id.nsze = htole64(16384);
	id.nlbaf = 1; /* zero-based: two formats */
	id.lbaf[0].ds = 9;
	id.lbaf[1].ds = 12;
	id.flbas = 1;
	memset(&ns, 0, sizeof(ns));
	CHECK_EQ_U64(passthru_geometry_from_identify(&id, &ns), 0);
	CHECK_EQ_U64(ns.lba_size, 4096);
	CHECK_EQ_U64(ns.lba_shift, 12);
	CHECK_EQ_U64(ns.ns_lbas, 16384);
	CHECK(ns.from_identify);
	CHECK(!ns.write_protected);
	CHECK(passthru_format_problem(&ns) == NULL);

	id.lbaf[1].ms = htole16(8);
	passthru_geometry_from_identify(&id, &ns);
	CHECK_EQ_U64(ns.metadata_size, 8);
	CHECK(passthru_format_problem(&ns) &&
	      strstr(passthru_format_problem(&ns), "metadata"));
	id.dps = 1;
	passthru_geometry_from_identify(&id, &ns);
	CHECK_EQ_U64(ns.pi_type, 1);
	/* PI is carried where the kernel takes a metadata buffer (test-pi). */
	CHECK(passthru_format_problem(&ns) &&
	      strstr(passthru_format_problem(&ns), "integrity profile"));
	ns.kernel_integrity = true;
	CHECK(passthru_format_problem(&ns) == NULL);

	id.nsattr = 1;
	passthru_geometry_from_identify(&id, &ns);
	CHECK(ns.write_protected);

	/* More than 16 formats: FLBAS bits 6:5 select formats 16-63. */
	memset(&id, 0, sizeof(id));
	id.nlbaf = 20;
	id.lbaf[0].ds = 9;
	id.lbaf[17].ds = 13;
	id.flbas = 0x20 | 1;
	CHECK_EQ_U64(passthru_geometry_from_identify(&id, &ns), 0);
	CHECK_EQ_U64(ns.lba_size, 8192);
	/* An LBA size below 512 bytes is nothing p2pcp understands. */
	id.lbaf[17].ds = 0;
	CHECK_EQ_U64(passthru_geometry_from_identify(&id, &ns), -EINVAL);
}

/*
 * The pipeline with the passthrough backend's limits, on files: prep is
 * wrapped to record every command and then issued as a plain read or
 * write (no NVMe here), so the split the pipeline makes is what a
 * controller would receive.
 */
static struct ring_backend recorder;
static uint32_t largest, commands, bad_commands, limit;
static uint32_t outstanding, most_outstanding;
/* A read that covers this byte of the source fails (-EISDIR); -1: none. */
static uint64_t fail_read_at = UINT64_MAX;
static int dir_fd = -1;

static void record_prep(struct io_uring_sqe *sqe, int fd, const void *ctx,
			bool write, void *buf, uint32_t len, uint64_t off)
{
	const struct passthru_ns *ns = ctx;
	struct io_uring_sqe nvme[2];
	const struct nvme_uring_cmd *cmd =
		(const struct nvme_uring_cmd *)nvme[0].cmd;

	passthru_prep(nvme, fd, ctx, write, buf, len, off);
	commands++;
	if (++outstanding > most_outstanding)
		most_outstanding = outstanding;
	if (len > largest)
		largest = len;
	if (len > limit || len % ns->lba_size ||
	    cmd->cdw12 + 1 != len / ns->lba_size ||
	    cmd->cdw10 != passthru_lba(ns, off))
		bad_commands++;
	if (!write && off <= fail_read_at && fail_read_at - off < len)
		fd = dir_fd; /* reading a directory fails: a media error */
	if (write)
		io_uring_prep_write(sqe, fd, buf, len, off);
	else
		io_uring_prep_read(sqe, fd, buf, len, off);
}

static int plain_complete(const struct io_uring_cqe *cqe, const void *ctx,
			  uint32_t len, uint32_t *status)
{
	(void)ctx;
	(void)len;
	*status = 0;
	outstanding--;
	return cqe->res;
}

static int temp_file(const char *data, size_t len)
{
	char name[] = "/tmp/test-passthru-io.XXXXXX";
	int fd = mkstemp(name);

	if (fd < 0)
		return -1;
	unlink(name);
	if (write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The passthrough backend as the pipeline sees it, then turned into a
 * recorder of plain I/O with the same transfer limit: normal SQEs and
 * CQEs on regular files.
 */
static void recorder_init(const struct passthru_pieces *pieces)
{
	passthru_backend_init(&recorder, pieces);
	CHECK_EQ_U64(recorder.max_transfer, pieces->any);
	CHECK_EQ_U64(recorder.max_transfer_contiguous, pieces->contiguous);
	largest = commands = bad_commands = 0;
	outstanding = most_outstanding = 0;
	CHECK_EQ_U64(recorder.ring_flags,
		     IORING_SETUP_SQE128 | IORING_SETUP_CQE32);
	CHECK(!recorder.allow_fixed_buffers);
	CHECK(recorder.prep == passthru_prep);
	CHECK(recorder.complete == passthru_complete);
	recorder.ring_flags = 0;
	recorder.prep = record_prep;
	recorder.complete = plain_complete;
}

/*
 * A 3 MiB + 64 KiB copy in 1 MiB chunks, depth 2, through the recorder
 * with @pieces; @contiguous: the buffer counts as p2pmem.  Every command
 * is at most the limit for that buffer, whole LBAs, and all pieces of a
 * chunk are in flight at once.
 */
static void split_copy(const struct passthru_pieces *pieces, bool contiguous)
{
	struct passthru_ns ns = { .nsid = 1, .lba_size = 512, .lba_shift = 9 };
	size_t len = 3 * MIB + 64 * KIB;
	char *src = malloc(len), *dst = calloc(1, len), *buf = NULL;
	struct pipeline_result res;
	struct pipeline_job job;
	int sfd = -1, dfd = -1;
	size_t i;

	if (!src || !dst || posix_memalign((void **)&buf, 4096, 2 * MIB)) {
		CHECK(!"memory");
		goto out;
	}
	for (i = 0; i < len; i++)
		src[i] = (char)(i * 7 + i / 4096);
	sfd = temp_file(src, len);
	dfd = temp_file(dst, len);
	CHECK(sfd >= 0 && dfd >= 0);
	if (sfd < 0 || dfd < 0)
		goto out;

	recorder_init(pieces);
	limit = contiguous ? pieces->contiguous : pieces->any;
	memset(&job, 0, sizeof(job));
	job.src_fd = sfd;
	job.dst_fd = dfd;
	job.backend = &recorder;
	job.src_ctx = job.dst_ctx = &ns;
	job.length = len;
	job.buf = buf;
	job.buf_contiguous = contiguous;
	job.geometry.chunk_size = MIB;
	job.geometry.queue_depth = 2;
	job.geometry.align = 512;
	if (fail_read_at == UINT64_MAX) {
		CHECK_EQ_U64(pipeline_run(&job, &res), 0);
		CHECK_EQ_U64(res.done, len);
		CHECK_EQ_U64(largest, limit);
	} else {
		/* The exact block, whatever order the pieces completed in. */
		CHECK_EQ_U64(pipeline_run(&job, &res), -EISDIR);
		CHECK_EQ_U64(res.fail_side, COPY_SIDE_READ);
		CHECK_EQ_U64(res.fail_offset, fail_read_at / 512 * 512);
		/* The failing chunk is not written; those below are. */
		CHECK_EQ_U64(res.done, res.fail_offset / MIB * MIB);
		len = res.done;
	}
	CHECK_EQ_U64(bad_commands, 0);
	CHECK_EQ_U64(outstanding, 0);
	CHECK(pread(dfd, dst, len, 0) == (ssize_t)len);
	CHECK(memcmp(src, dst, len) == 0);
out:
	if (sfd >= 0)
		close(sfd);
	if (dfd >= 0)
		close(dfd);
	free(src);
	free(dst);
	free(buf);
}

static void test_pipeline_split(void)
{
	struct passthru_pieces pieces;

	/* QEMU's controller on 6.12 (MDTS 512 KiB, 128 segments). */
	CHECK_EQ_U64(passthru_piece_plan(
			     &(struct passthru_limits){
				     .max_hw_bytes = 512 * KIB,
				     .max_segments = 128,
				     .max_segment_size = UINT32_MAX,
			     },
			     4096, 512, PASSTHRU_SEGMENTS_JOIN_CONTIGUOUS,
			     &pieces),
		     0);
	/* System memory: 1 MiB is two 508.5 KiB commands and a rest... */
	split_copy(&pieces, false);
	CHECK_EQ_U64(commands, 2 * (3 * 3 + 1));
	/* ...all three of both slots' chunks in flight at once. */
	CHECK_EQ_U64(most_outstanding, 2 * 3);
	/* p2pmem: two 512 KiB commands a chunk. */
	split_copy(&pieces, true);
	CHECK_EQ_U64(commands, 2 * (3 * 2 + 1));
	CHECK_EQ_U64(most_outstanding, 2 * 2);

	/* A media error in the middle piece of the second chunk. */
	dir_fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(dir_fd >= 0);
	fail_read_at = MIB + 600 * KIB + 1536 + 7;
	split_copy(&pieces, false);
	/* And in the first piece, while the other two complete. */
	fail_read_at = MIB + 4096;
	split_copy(&pieces, true);
	fail_read_at = UINT64_MAX;
	close(dir_fd);
}

static char root[64];

/* mkdir -p ROOT/REL */
static void mkpath(const char *rel)
{
	char path[512], *p;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	mkdir(path, 0755);
}

static void put(const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void link_to(const char *target, const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s%s", root, rel);
	if (symlink(target, path))
		perror(path);
}

#define SS "/sys/devices/virtual/nvme-subsystem/nvme-subsys1"
#define C0 "/sys/devices/pci0000:00/0000:00:02.0/nvme/nvme0"

static void test_find_chardev(void)
{
	struct disk_info head = { .name = "nvme1n1",
				  .kind = DISK_NVME_MULTIPATH };
	struct disk_info plain = { .name = "nvme0n1", .kind = DISK_NVME };
	struct disk_info other = { .name = "sda", .kind = DISK_OTHER };
	char name[32];
	dev_t dev = 0;

	snprintf(root, sizeof(root), "/tmp/test-passthru.XXXXXX");
	if (!mkdtemp(root)) {
		CHECK(!"mkdtemp");
		return;
	}
	mkpath(SS "/nvme1n1");
	mkpath(SS "/ng1n1");
	mkpath(C0 "/nvme0n1");
	mkpath("/sys/class/block");
	mkpath("/sys/class/nvme-generic");
	put("/sys/devices/virtual/nvme-subsystem/nvme-subsys1/ng1n1/dev",
	    "241:1\n");
	link_to("../../devices/virtual/nvme-subsystem/nvme-subsys1/nvme1n1",
		"/sys/class/block/nvme1n1");
	link_to("../../devices/virtual/nvme-subsystem/nvme-subsys1/ng1n1",
		"/sys/class/nvme-generic/ng1n1");
	link_to("../../devices/pci0000:00/0000:00:02.0/nvme/nvme0/nvme0n1",
		"/sys/class/block/nvme0n1");
	/* ng0n1 exists, but under another parent than nvme0n1: not its own. */
	link_to("../../devices/virtual/nvme-subsystem/nvme-subsys1/ng1n1",
		"/sys/class/nvme-generic/ng0n1");
	sysfs_set_root(root);

	CHECK_EQ_U64(passthru_find_chardev(&head, name, sizeof(name), &dev), 0);
	CHECK(!strcmp(name, "ng1n1"));
	CHECK_EQ_U64(major(dev), 241);
	CHECK_EQ_U64(minor(dev), 1);
	CHECK_EQ_U64(passthru_find_chardev(&plain, name, sizeof(name), &dev),
		     -ENOENT);
	CHECK_EQ_U64(passthru_find_chardev(&other, name, sizeof(name), &dev),
		     -ENODEV);
	sysfs_set_root(NULL);
}

/* The head's paths: the subsystem's controller links. */
static void test_path_pci(void)
{
	struct disk_info head = { .name = "nvme1n1",
				  .kind = DISK_NVME_MULTIPATH };
	struct disk_info plain = { .name = "nvme0n1", .kind = DISK_NVME };
	struct disk_info other = { .name = "sda", .kind = DISK_OTHER };
	struct pci_addr pci = { 0 };
	unsigned int paths = 0;

	sysfs_set_root(root);
	mkpath("/sys/devices/pci0000:00/0000:00:04.0/nvme/nvme3");
	mkpath("/sys/devices/pci0000:00/0000:00:05.0/nvme/nvme4");
	mkpath("/sys/class/nvme-subsystem");
	mkpath("/sys/class/nvme");
	link_to("../../devices/virtual/nvme-subsystem/nvme-subsys1",
		"/sys/class/nvme-subsystem/nvme-subsys1");
	link_to("../../../pci0000:00/0000:00:05.0/nvme/nvme4", SS "/nvme4");
	link_to("../../../pci0000:00/0000:00:04.0/nvme/nvme3", SS "/nvme3");
	link_to("../../../pci0000:00/0000:00:05.0/nvme/nvme4", SS "/nvme10");
	link_to("../../devices/pci0000:00/0000:00:04.0/nvme/nvme3",
		"/sys/class/nvme/nvme3");
	link_to("../../../0000:00:04.0",
		"/sys/devices/pci0000:00/0000:00:04.0/nvme/nvme3/device");
	snprintf(head.subsys, sizeof(head.subsys), "nvme-subsys1");
	CHECK_EQ_U64(passthru_path_pci(&head, &pci, &paths), 0);
	CHECK_EQ_U64(paths, 3);
	CHECK_EQ_U64(pci.bus, 0);
	CHECK_EQ_U64(pci.dev, 4);
	plain.have_pci = true;
	plain.pci.bus = 9;
	CHECK_EQ_U64(passthru_path_pci(&plain, &pci, &paths), 0);
	CHECK_EQ_U64(paths, 1);
	CHECK_EQ_U64(pci.bus, 9);
	CHECK_EQ_U64(passthru_path_pci(&other, &pci, &paths), -ENODEV);
	sysfs_set_root(NULL);
}

/* The plan's prediction from sysfs: metadata is a problem, none is not. */
static void test_format_sysfs(void)
{
	struct disk_info disk = { .name = "nvme5n1",
				  .kind = DISK_NVME,
				  .logical_block_size = 512 };
	const char *problem;

	mkpath("/sys/block/nvme5n1");
	put("/sys/block/nvme5n1/size", "131072\n");
	put("/sys/block/nvme5n1/metadata_bytes", "0\n");
	sysfs_set_root(root);
	CHECK(!passthru_format_problem_sysfs(&disk));
	put("/sys/block/nvme5n1/metadata_bytes", "8\n");
	problem = passthru_format_problem_sysfs(&disk);
	CHECK(problem && strstr(problem, "metadata"));
	/* Unknown geometry: no prediction rather than a guess. */
	disk.logical_block_size = 0;
	CHECK(!passthru_format_problem_sysfs(&disk));
	sysfs_set_root(NULL);
}

int main(void)
{
	test_prep();
	test_range();
	test_piece_plan();
	test_status();
	test_identify();
	test_find_chardev();
	test_path_pci();
	test_format_sysfs();
	test_pipeline_split();
	if (!check_failures) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd))
			fprintf(stderr, "could not remove %s\n", root);
	}
	CHECK_DONE();
}
