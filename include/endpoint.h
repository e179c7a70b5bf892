/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A copy endpoint: what a path or descriptor is (block device or regular
 * file), its disk (blockdev.h: disk facts from sysfs) and the layers its
 * bytes live on (storage.h).  The arrows point down: endpoint uses
 * storage and blockdev, storage uses blockdev, blockdev uses neither.
 */
#ifndef P2PCP_ENDPOINT_H
#define P2PCP_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "blockdev.h"
#include "storage.h"

enum endpoint_kind {
	ENDPOINT_BLOCK, /* a block device node */
	ENDPOINT_FILE, /* a regular file */
};

struct endpoint {
	const char *path;
	int fd; /* open descriptor every check and the copy use; -1: none */
	bool created; /* p2pcp created this (missing) file DST */
	enum endpoint_kind kind;
	struct disk_info disk; /* the device (or the file's filesystem device) */
	bool have_disk;
	uint64_t size; /* bytes: device size or file size */
	uint32_t dio_align; /* O_DIRECT offset/length alignment in bytes */
	/* Identity of what was resolved (stat): compared, never re-read. */
	dev_t st_dev;
	ino_t st_ino;
	dev_t st_rdev;
	/* The layers its bytes live on (endpoint_storage()). */
	struct storage_stack storage;
};

/*
 * Resolve @path (stat, then sysfs).  Files are resolved through their
 * filesystem's device; @out->have_disk is false if that has no sysfs
 * entry (tmpfs, overlay...).  Returns -errno from stat on failure.
 */
int endpoint_resolve(const char *path, struct endpoint *out);
/*
 * The same for the open @fd (fstat, statx on the descriptor): what is
 * described is what was opened, whatever @path names by now.
 */
int endpoint_from_fd(int fd, const char *path, struct endpoint *out);
/* A regular file @path that does not exist yet: its directory's disk. */
int endpoint_new_file(const char *path, struct endpoint *out);
/* BLKROGET on the open block device (files: false). */
int endpoint_read_only(const struct endpoint *ep, bool *ro);
/*
 * The loop device that the regular file or block device @ep backs, if
 * any: 1 and @name set ("loop0"), 0 if none, or a negative errno.  What
 * a loop device is attached to (mounted through it, or just set up) is
 * in use; the loop driver does not claim a block device it is set up
 * on, so an exclusive open cannot tell.
 */
int endpoint_backs_loop(const struct endpoint *ep, char *name, size_t len);
/* Switch O_DIRECT on or off on the endpoint's descriptor (F_SETFL). */
int endpoint_set_direct(const struct endpoint *ep, bool direct);

/*
 * Fill @ep->storage: the loop devices, partitions, dm/md slaves, files
 * and filesystems below it (storage.h).  A loop device is asked through
 * its open descriptor.
 */
void endpoint_storage(struct endpoint *ep);

#endif
