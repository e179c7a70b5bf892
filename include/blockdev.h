/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Resolving a copy endpoint (NVMe namespace, partition, regular file on a
 * filesystem, or any other block device) to what p2pcp needs to know:
 * logical block size, capacity, the NVMe controller and its PCI function,
 * and whether the device's queue can take P2P pages at all.  It mirrors
 * the block class in sysfs (/sys/dev/block/MAJ:MIN, /sys/class/block/NAME
 * with its queue/ limits and the device link up to the controller).
 * All sysfs reads go through the sysfs root (sysfs.h).
 */
#ifndef P2PCP_BLOCKDEV_H
#define P2PCP_BLOCKDEV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "pcitopo.h"
#include "storage.h"

enum endpoint_kind {
	ENDPOINT_BLOCK, /* a block device node */
	ENDPOINT_FILE, /* a regular file */
};

enum disk_kind {
	DISK_NVME, /* a per-controller NVMe namespace: P2P capable */
	DISK_NVME_MULTIPATH, /* an NVMe multipath head node (nvme-subsystem) */
	DISK_OTHER, /* loop, dm, md, virtio, SCSI... */
};

struct disk_info {
	char name[64]; /* whole disk, e.g. "nvme0n1" */
	char part[64]; /* partition name, "" for the whole disk */
	dev_t devnum; /* of the disk or partition that was named */
	enum disk_kind kind;
	char ctrl[32]; /* "nvme0": the controller of a per-controller namespace */
	char subsys[32]; /* "nvme-subsys0": the subsystem of a head node */
	bool have_pci;
	/* The nearest PCI function above: the NVMe controller, the HBA... */
	struct pci_addr pci;
	uint32_t logical_block_size;
	uint64_t part_start; /* byte offset of the partition in the disk */
	uint64_t size; /* bytes of the disk or partition */
	/* Holders (dm, md) or a mounted filesystem are not known here. */
};

/*
 * Describe the block device @devnum from sysfs (/sys/dev/block/M:m).
 * -ENOENT when sysfs knows no such device.
 */
int disk_info_from_devnum(dev_t devnum, struct disk_info *out);

/* The same by block device name ("nvme0n1", "nvme0n1p2", "sda"). */
int disk_info_from_name(const char *name, struct disk_info *out);

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

/* What libblkid finds at the start of a device, as mkfs and wipefs see it. */
struct disk_signature {
	char type[32]; /* "ext4", "dos", "LVM2_member"... */
	const char *what; /* "filesystem", "partition table", ... */
};

/*
 * Probe @path for filesystem, RAID/LVM, crypto and partition-table
 * signatures.  Returns 0 (none), 1 (one found, @sig filled), 2 (several
 * that contradict each other; @sig names the first kind seen) or a
 * negative errno.
 */
int disk_signature_probe(const char *path, struct disk_signature *sig);
/* The same on an open descriptor (it is not closed). */
int disk_signature_probe_fd(int fd, struct disk_signature *sig);

#endif
