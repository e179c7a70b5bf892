/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Disk facts: a block device (NVMe namespace, partition, or any other
 * block device) described as p2pcp needs it: logical block size,
 * capacity, the NVMe controller and its PCI function, and the
 * signatures libblkid finds on it.  The bottom of the endpoint layers:
 * storage.h builds stacks from these facts, endpoint.h resolves paths
 * and descriptors to them; this header includes neither.  It mirrors
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
