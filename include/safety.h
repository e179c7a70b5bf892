/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The safety checks on SRC and DST before anything is written, as
 * decisions: each returns a reason code and the facts the message
 * needs; the front-end words them.  Everything is asked of what was
 * opened (the endpoints' descriptors), never of a path again.
 */
#ifndef P2PCP_SAFETY_H
#define P2PCP_SAFETY_H

#include <stdbool.h>

#include "endpoint.h"

enum safety_reason {
	SAFE = 0,
	/* SRC */
	SRC_PSEUDO_FILE, /* size 0, yet a read returns data (/proc) */
	SRC_NO_DIRECT_IO, /* O_DIRECT refused (@error) */
	/* DST */
	DST_IS_OUTPUT, /* the same file as stdout/stderr (@fd) */
	DST_NO_DIRECT_IO, /* O_DIRECT refused (@error) */
	DST_TAKES_NO_WRITES, /* opened for writing, a write refused (@error) */
	DST_BLKROGET_FAILED, /* @error */
	DST_READ_ONLY, /* a read-only block device */
	DST_BACKS_LOOP, /* DST itself backs loop device @by */
	DST_BELOW_BACKS_LOOP, /* @layer below DST backs loop device @by */
	DST_BELOW_HELD, /* @layer below DST is held by dm/md @by */
	DST_BELOW_CLAIMED, /* @layer below DST is mounted or claimed */
	DST_BELOW_UNKNOWN, /* cannot tell whether @layer is in use (@error) */
	DST_SIGNATURE_PROBE_FAILED, /* libblkid failed (@error) */
	DST_SIGNATURES_CONTRADICT, /* several signatures */
	DST_SIGNATURE, /* one signature: @sig */
};

struct safety_verdict {
	enum safety_reason why;
	int error; /* negative errno */
	int fd; /* DST_IS_OUTPUT: 1 or 2 */
	char layer[64];
	char by[64];
	struct disk_signature sig;
};

/*
 * SRC can be read as planned: not a pseudo-file whose size says 0 while
 * it has content, and it takes O_DIRECT.  O_DIRECT is left off again.
 */
enum safety_reason safety_check_source(const struct endpoint *s,
				       struct safety_verdict *v);

/*
 * DST takes O_DIRECT (a dry run's new file: an unnamed file in its
 * directory does).  Asked first, before the ranges are compared: a
 * pseudo-file (sysfs, procfs) is refused as such, not as storage at
 * unknown places.  Part of safety_check_destination too.
 */
enum safety_reason safety_check_destination_direct(const struct endpoint *d,
						   struct safety_verdict *v);

/*
 * DST is something the user can afford to lose: not p2pcp's own stdout
 * or stderr; takes O_DIRECT (when open); writable (not a read-only
 * device, nor a file that refuses writes: an active swap file); not in
 * use, nor anything below it (storage_in_use); and, unless @force,
 * without a filesystem, RAID, LVM or partition-table signature.  A DST
 * not open yet (a dry run's new file) is asked only what can be asked
 * without a descriptor.
 */
enum safety_reason safety_check_destination(const struct endpoint *d,
					    bool force,
					    struct safety_verdict *v);

/*
 * Would creating the missing file @path work, and would it take
 * O_DIRECT?  An unnamed file (O_TMPFILE) in its directory answers
 * without leaving anything behind; a filesystem without O_TMPFILE
 * answers only that the directory is writable (O_DIRECT then unknown).
 * Returns 0 or the negative errno the creating open would give;
 * @direct_err: 0 or the negative errno of switching O_DIRECT on.
 */
int safety_probe_new_file(const char *path, int *direct_err);

#endif
