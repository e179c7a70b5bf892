/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A copy through the passthrough engine: both endpoints opened as NVMe
 * namespaces (block device held with O_EXCL, its char device for the
 * I/O), checked, and turned into the pipeline's backend and contexts.
 * Nothing here prints; failures are described for the front-end.
 */
#ifndef P2PCP_COPY_PASSTHRU_H
#define P2PCP_COPY_PASSTHRU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "endpoint.h"
#include "nvme-passthru.h"
#include "pipeline.h"

enum passthru_refusal {
	PT_OK = 0,
	PT_FILE, /* a regular file: block engine only */
	PT_NOT_NVME, /* not an NVMe namespace (or fabrics) */
	PT_NO_CHARDEV, /* no /dev/ngXnY (kernel before 5.13, or gone) */
	PT_BUSY, /* O_EXCL on the block device failed */
	PT_OPEN, /* opening the block or char device failed (errno) */
	PT_ACCESS, /* permission on the char device (or capability) */
	PT_CHANGED, /* the descriptor is not what the path named */
	PT_FORMAT, /* metadata or protection information p2pcp cannot carry */
	PT_FORMAT_PAIR, /* PI on a side, and the formats differ */
	PT_WRITE_PROTECTED, /* DST read-only or write-protected */
	PT_UNALIGNED, /* offset or length not whole LBAs */
	PT_RANGE, /* beyond the namespace */
	PT_IO, /* the check read failed (errno, NVMe status) */
};

/* Why a side could not be used; the front-end words it. */
struct passthru_failure {
	enum passthru_refusal why;
	int side; /* 0: SRC, 1: DST */
	int error; /* negative errno, 0 if none */
	uint32_t nvme_status; /* PT_IO with an NVMe status */
	char chardev[64]; /* "ng1n1", when known */
	const char *detail; /* PT_FORMAT: the reason */
	char pair[320]; /* PT_FORMAT_PAIR: both formats */
};

struct passthru_session {
	int blk_fd[2]; /* SRC's block device held O_EXCL (DST's: its own fd) */
	int chr_fd[2]; /* their char devices: the pipeline's descriptors */
	struct passthru_ns ns[2];
	struct passthru_pieces pieces; /* both sides' */
	/*
	 * 1 (SRC) or 2 (DST): that side's controller refused a command of
	 * several pages into the buffer (its own CMB), so every command is
	 * one page.  0: no such limit.
	 */
	int one_page_side;
	struct ring_backend backend;
	/* PI namespaces: the metadata buffer both sides' commands use. */
	struct passthru_pi pi;
};

/* No descriptors yet: safe to close. */
void passthru_session_init(struct passthru_session *ps);

/*
 * Open both sides for passthrough: SRC read-only, DST read-write (DST's
 * endpoint descriptor must hold its block device with O_EXCL), and
 * check that [offset, offset + length) of each is whole LBAs inside it.
 * On failure everything is closed and @why says what and where.
 */
int passthru_session_open(struct passthru_session *ps,
			  const struct endpoint *src, uint64_t src_offset,
			  const struct endpoint *dst, uint64_t dst_offset,
			  uint64_t length, struct passthru_failure *why);
void passthru_session_close(struct passthru_session *ps);

/*
 * The copy's data buffer @buf (@len bytes): on PI namespaces, allocate
 * its metadata buffer (8 bytes a block, host memory) so that every
 * command into @buf carries the PI.  0 or -ENOMEM.
 */
int passthru_session_attach(struct passthru_session *ps, void *buf, size_t len);

/* The copy carries SRC's PI into DST with guard checking. */
bool passthru_session_carries_pi(const struct passthru_session *ps);

/*
 * Before anything is written: read a piece as large as the copy's
 * commands (no larger than @buf_len or @length) of each side into @buf
 * (the p2pmem buffer) with a passthrough command.  -EREMOTEIO means the
 * kernel refuses the P2P path even so.  A controller that refuses a
 * multi-page command into its own CMB (Invalid Use of Controller Memory
 * Buffer) gets one page per command: one_page_side says whose.  Fills
 * @why on failure.
 */
int passthru_session_preflight(struct passthru_session *ps, void *buf,
			       size_t buf_len, uint64_t src_offset,
			       uint64_t dst_offset, uint64_t length,
			       struct passthru_failure *why);

/*
 * What limits the session's commands, for the front-end: the
 * controllers' limits and the kernel's rule, or the one-page fallback.
 * @contiguous: the commands go into p2pmem, by its contiguous limit.
 */
void passthru_session_limit_text(const struct passthru_session *ps,
				 bool contiguous, char *buf, size_t len);

/* "SRC /dev/nvme1n1: ..." (no trailing period), for the front-end. */
void passthru_failure_text(const struct passthru_failure *f,
			   const struct endpoint *src,
			   const struct endpoint *dst, char *buf, size_t len);

#endif
