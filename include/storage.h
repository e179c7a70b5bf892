/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where an endpoint's bytes live, layer by layer, so that two endpoints
 * that reach the same storage by different names are caught: a loop
 * device and its backing file or device (drivers/block/loop.c:
 * LOOP_GET_STATUS64, backing_file, lo_offset, lo_sizelimit), a
 * partition and its disk (block/partitions: "start"), a device-mapper
 * or md device and its slaves (the holders/slaves links of
 * block/holder.c), a file and the filesystem's device.
 * Building a stack asks the loop devices and reads sysfs (through the
 * sysfs root; under a fake root no device is opened); comparing two is
 * pure.  This is the one place that asks a loop device what backs it.
 */
#ifndef P2PCP_STORAGE_H
#define P2PCP_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum layer_kind {
	LAYER_DISK, /* a whole block device (not a partition) */
	LAYER_FILE, /* a regular file, by device and inode */
	/*
	 * A filesystem with no block device under it that is not memory
	 * (overlay, fuse, nfs, 9p, btrfs's anonymous device...): where its
	 * files keep their bytes is unknown.  Known by its st_dev.
	 */
	LAYER_NODEV,
};

/* How the endpoint's byte x maps into a layer. */
enum layer_map {
	MAP_EXACT, /* to byte base + x */
	MAP_WITHIN, /* somewhere in [base, base + limit): dm, md */
	MAP_FS, /* a filesystem in [base, base + limit) holds it */
};

struct storage_layer {
	enum layer_kind kind;
	enum layer_map map;
	dev_t dev; /* FILE, NODEV: st_dev (a DISK is known by its name) */
	/* DISK: the device that was named, a partition or the disk itself. */
	dev_t devnum;
	bool partition;
	ino_t ino; /* FILE only */
	uint64_t base;
	uint64_t limit; /* bytes reachable from base; UINT64_MAX: unknown */
	/* DISK: the disk's name ("nvme0n1"), its identity; FILE: for messages. */
	char name[64];
};

#define STORAGE_MAX_LAYERS 16

struct storage_stack {
	struct storage_layer layer[STORAGE_MAX_LAYERS];
	size_t count;
	bool incomplete; /* too deep, or a layer could not be read */
};

/* What a loop device is set up on (LOOP_GET_STATUS64, or sysfs's loop/). */
struct loop_backing {
	dev_t dev; /* the backing file's (or device node's) st_dev */
	ino_t ino; /* ... and st_ino */
	dev_t rdev; /* a block device backing: its number; a file: 0 */
	uint64_t offset, sizelimit; /* sizelimit 0: to the end */
};

/*
 * The backing of loop device @name ("loop0"); @fd: an open descriptor
 * of it, or -1.  -ENOENT when it is not attached; -ESTALE when sysfs
 * names a backing that no longer stats.
 */
int storage_loop_backing(const char *name, int fd, struct loop_backing *out);

/*
 * Call @fn for each attached loop device (its name and backing) until
 * it returns nonzero; returns that value, 0, or a negative errno when
 * the block class cannot be read.  A loop device whose backing cannot
 * be read is passed with @b NULL.
 */
int storage_each_loop(int (*fn)(const char *name, const struct loop_backing *b,
				void *data),
		      void *data);

/* The stack of the regular file @dev/@ino of @size bytes. */
int storage_of_file(dev_t dev, ino_t ino, uint64_t size,
		    struct storage_stack *out);
/*
 * The stack of the block device @devnum.  @loop_fd: an open descriptor
 * of it when it is a loop device (LOOP_GET_STATUS64 then names the
 * backing file exactly), else -1.
 */
int storage_of_device(dev_t devnum, int loop_fd, struct storage_stack *out);

enum storage_verdict {
	STORAGE_DISJOINT, /* provably different bytes */
	STORAGE_OVERLAP, /* the two ranges share bytes */
	STORAGE_UNKNOWN, /* overlap cannot be excluded */
};

/*
 * Do [@a_off, +@len) of @a and [@b_off, +@len) of @b share storage?
 * @where: the layer of @a that decides (NULL when disjoint).
 */
enum storage_verdict storage_compare(const struct storage_stack *a,
				     uint64_t a_off,
				     const struct storage_stack *b,
				     uint64_t b_off, uint64_t len,
				     const struct storage_layer **where);

/* Who else uses a layer below (or of) a destination. */
enum storage_use {
	USE_NONE,
	USE_LOOP, /* the layer backs another loop device (@by) */
	USE_HELD, /* a dm or md device (@by) holds the layer */
	USE_CLAIMED, /* mounted, or open exclusively (O_EXCL says EBUSY) */
	USE_UNKNOWN, /* cannot tell (@error) */
};

struct storage_user {
	enum storage_use use;
	char layer[64]; /* the layer's name */
	char by[64]; /* USE_LOOP, USE_HELD: the user's name ("loop3") */
	int error; /* USE_UNKNOWN: why */
};

/*
 * Is anything of @s in use by someone other than @s itself: a layer
 * (file or device) that backs another loop device, a device below the
 * top held by dm or md, a device below a loop device that is mounted or
 * open exclusively?  Layers a filesystem holds (MAP_FS) are the
 * filesystem's business.  The top device's own claims are its opener's
 * to ask (O_EXCL).  Returns the first user found in @out.
 */
void storage_in_use(const struct storage_stack *s, struct storage_user *out);

#endif
