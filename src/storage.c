// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Storage stacks (storage.h): an endpoint's loop devices, partitions and
 * dm/md slaves down to the files and disks that hold its bytes, and two
 * stacks compared.  One file: both must mean the same by a layer's map.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "blockdev.h"
#include "storage.h"
#include "sysfs.h"

#define MAX_DEPTH 8

static void push(struct storage_stack *s, const struct storage_layer *l)
{
	if (s->count == STORAGE_MAX_LAYERS) {
		s->incomplete = true;
		return;
	}
	s->layer[s->count++] = *l;
}

static uint64_t clamp_limit(uint64_t limit, uint64_t room)
{
	return limit < room ? limit : room;
}

/* What LOOP_GET_STATUS64 on @fd says, if anything. */
static bool loop_status(int fd, struct loop_backing *out)
{
	struct loop_info64 info;

	if (fd < 0 || ioctl(fd, LOOP_GET_STATUS64, &info))
		return false;
	out->dev = (dev_t)info.lo_device;
	out->ino = (ino_t)info.lo_inode;
	out->rdev = (dev_t)info.lo_rdevice;
	out->offset = info.lo_offset;
	out->sizelimit = info.lo_sizelimit;
	return true;
}

/*
 * Asked through @fd, else through /dev/@name, else sysfs.  sysfs shows
 * the backing's name, which may be gone ("NAME (deleted)") or mean
 * another file in this mount namespace: a name that does not stat is
 * "unknown", never "not attached".
 */
int storage_loop_backing(const char *name, int fd, struct loop_backing *out)
{
	char path[PATH_MAX], file[PATH_MAX];
	struct stat st;
	bool known;
	int ret;

	memset(out, 0, sizeof(*out));
	if (loop_status(fd, out))
		return 0;
	snprintf(path, sizeof(path), "/dev/%s", name);
	/* Under a fake sysfs root, /dev is not the tree's. */
	fd = sysfs_root()[0] ? -1 : open(path, O_RDONLY | O_CLOEXEC);
	known = loop_status(fd, out);
	if (fd >= 0)
		close(fd);
	if (known)
		return 0;
	snprintf(path, sizeof(path), "/sys/block/%s/loop/backing_file", name);
	ret = sysfs_read_str(path, file, sizeof(file));
	if (ret)
		return ret; /* -ENOENT: not attached */
	if (stat(file, &st))
		return errno == ENOENT ? -ESTALE : -errno;
	out->dev = st.st_dev;
	out->ino = st.st_ino;
	out->rdev = S_ISBLK(st.st_mode) ? st.st_rdev : 0;
	snprintf(path, sizeof(path), "/sys/block/%s/loop/offset", name);
	ret = sysfs_read_u64(path, &out->offset);
	snprintf(path, sizeof(path), "/sys/block/%s/loop/sizelimit", name);
	if (!ret)
		ret = sysfs_read_u64(path, &out->sizelimit);
	/* Attached, where in the backing unknown: never "not attached". */
	return ret ? -EIO : 0;
}

static void add_device(struct storage_stack *s, const struct disk_info *info,
		       enum layer_map map, uint64_t base, uint64_t limit,
		       int loop_fd, int depth);

/* Describe device @devnum; no sysfs entry (tmpfs...) is no layer. */
static bool describe(struct storage_stack *s, dev_t devnum,
		     struct disk_info *info)
{
	int ret = disk_info_from_devnum(devnum, info);

	s->incomplete |= ret && ret != -ENOENT;
	return ret == 0;
}

/*
 * The type of the filesystem mounted from device number @dev, as
 * /proc/self/mountinfo says ("major:minor" is its third field, the
 * type follows " - "); "" when no mount shows it.
 */
static void mounted_fs_type(dev_t dev, char *type, size_t len)
{
	char path[PATH_MAX], line[4096], want[32];
	char *sep;
	FILE *f;

	type[0] = 0;
	if (sysfs_path(path, sizeof(path), "/proc/self/mountinfo"))
		return;
	f = fopen(path, "re");
	if (!f)
		return;
	snprintf(want, sizeof(want), " %u:%u ", major(dev), minor(dev));
	while (fgets(line, sizeof(line), f)) {
		/* id, parent id, then the device number. */
		char *third = strchr(line, ' ');

		third = third ? strchr(third + 1, ' ') : NULL;
		if (!third || strncmp(third, want, strlen(want)))
			continue;
		sep = strstr(third, " - ");
		if (sep && sscanf(sep + 3, "%31s", want) == 1) {
			snprintf(type, len, "%s", want);
			break;
		}
	}
	fclose(f);
}

/* Filesystems in memory keep their files' bytes to themselves. */
static bool memory_fs(const char *type)
{
	static const char *const types[] = { "tmpfs", "ramfs", "hugetlbfs",
					     "devtmpfs" };
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(type, types[i]))
			return true;
	return false;
}

/*
 * What a filesystem on device @dev holds: a filesystem layer.  One with
 * no block device in sysfs is in memory (nothing below), or keeps its
 * bytes somewhere unknown: overlay (in other filesystems' files),
 * fuse, nfs, 9p, btrfs's anonymous device.
 */
static void add_filesystem(struct storage_stack *s, dev_t dev, int depth)
{
	struct storage_layer l = { .kind = LAYER_NODEV, .map = MAP_FS };
	struct disk_info info;
	char type[32];
	int ret = disk_info_from_devnum(dev, &info);

	if (ret == 0) {
		add_device(s, &info, MAP_FS, 0, UINT64_MAX, -1, depth);
		return;
	}
	if (ret != -ENOENT) {
		s->incomplete = true;
		return;
	}
	mounted_fs_type(dev, type, sizeof(type));
	if (memory_fs(type))
		return;
	l.dev = dev;
	l.limit = UINT64_MAX;
	if (type[0])
		snprintf(l.name, sizeof(l.name), "%s %s filesystem (%u:%u)",
			 type[0] == 'o' ? "an" : "a", type, major(dev),
			 minor(dev));
	else
		snprintf(l.name, sizeof(l.name),
			 "an unmounted filesystem (%u:%u)", major(dev),
			 minor(dev));
	push(s, &l);
}

static void add_loop_backing(struct storage_stack *s,
			     const struct storage_layer *disk, int loop_fd,
			     int depth)
{
	struct storage_layer l = *disk;
	struct loop_backing b;
	int ret = storage_loop_backing(disk->name, loop_fd, &b);

	if (ret == -ENOENT)
		return;
	if (ret) {
		s->incomplete = true;
		return;
	}
	l.base = disk->base + b.offset;
	if (b.sizelimit)
		l.limit = clamp_limit(l.limit, b.sizelimit);
	if (b.rdev) {
		/* A block device: loop byte x is its byte offset + x. */
		struct disk_info info;

		if (describe(s, b.rdev, &info))
			add_device(s, &info, MAP_EXACT, l.base, l.limit, -1,
				   depth + 1);
		else
			s->incomplete = true;
		return;
	}
	l.kind = LAYER_FILE;
	l.dev = b.dev;
	l.ino = b.ino;
	snprintf(l.name, sizeof(l.name), "%.20s's backing file", disk->name);
	push(s, &l);
	add_filesystem(s, b.dev, depth + 1);
}

/* dm and md devices: each slave holds some of the bytes, where unknown. */
static void add_slaves(struct storage_stack *s, const char *disk,
		       enum layer_map map, int depth)
{
	struct disk_info info;
	char dir[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (sysfs_path(dir, sizeof(dir), "/sys/block/%s/slaves", disk))
		return;
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (disk_info_from_name(de->d_name, &info)) {
			s->incomplete = true;
			continue;
		}
		add_device(s, &info, map == MAP_FS ? MAP_FS : MAP_WITHIN, 0,
			   UINT64_MAX, -1, depth + 1);
	}
	closedir(d);
}

/* A disk (or a partition: its disk) is known by its name. */
static void add_device(struct storage_stack *s, const struct disk_info *info,
		       enum layer_map map, uint64_t base, uint64_t limit,
		       int loop_fd, int depth)
{
	struct storage_layer l = { .kind = LAYER_DISK, .map = map };

	if (depth > MAX_DEPTH) {
		s->incomplete = true;
		return;
	}
	snprintf(l.name, sizeof(l.name), "%s", info->name);
	l.devnum = info->devnum;
	l.partition = info->part[0] != 0;
	/* Exact: byte x is at base + x; else anywhere in the device. */
	l.base = info->part_start + (map == MAP_EXACT ? base : 0);
	l.limit = map == MAP_EXACT && base <= info->size ?
			  clamp_limit(limit, info->size - base) :
			  info->size;
	push(s, &l);
	if (!strncmp(info->name, "loop", 4))
		add_loop_backing(s, &l, loop_fd, depth);
	add_slaves(s, info->name, map, depth);
}

int storage_of_file(dev_t dev, ino_t ino, uint64_t size,
		    struct storage_stack *out)
{
	struct storage_layer l = { .kind = LAYER_FILE, .map = MAP_EXACT };

	memset(out, 0, sizeof(*out));
	if (ino) {
		l.dev = dev;
		l.ino = ino;
		l.limit = UINT64_MAX; /* a file can grow */
		snprintf(l.name, sizeof(l.name), "the same file");
		push(out, &l);
	}
	add_filesystem(out, dev, 0);
	return 0;
}

int storage_of_device(dev_t devnum, int loop_fd, struct storage_stack *out)
{
	struct disk_info info;

	memset(out, 0, sizeof(*out));
	if (!describe(out, devnum, &info)) {
		out->incomplete = true;
		return -ENOENT;
	}
	add_device(out, &info, MAP_EXACT, 0, UINT64_MAX, loop_fd, 0);
	return 0;
}

static bool same_object(const struct storage_layer *a,
			const struct storage_layer *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == LAYER_DISK)
		return !strcmp(a->name, b->name);
	if (a->kind == LAYER_NODEV)
		return a->dev == b->dev;
	return a->dev == b->dev && a->ino == b->ino;
}

/* The bytes of layer @l that [@off, +@len) of the endpoint may touch. */
static void extent(const struct storage_layer *l, uint64_t off, uint64_t len,
		   uint64_t *lo, uint64_t *hi)
{
	uint64_t room = l->limit == UINT64_MAX ? UINT64_MAX - l->base :
						 l->limit;

	if (l->map == MAP_EXACT) {
		*lo = l->base + (off < room ? off : room);
		*hi = *lo + (len < UINT64_MAX - *lo ? len : UINT64_MAX - *lo);
		return;
	}
	*lo = l->base;
	*hi = l->base + room;
}

static bool extents_meet(const struct storage_layer *la, uint64_t a_off,
			 const struct storage_layer *lb, uint64_t b_off,
			 uint64_t len)
{
	uint64_t alo, ahi, blo, bhi;

	extent(la, a_off, len, &alo, &ahi);
	extent(lb, b_off, len, &blo, &bhi);
	return alo < bhi && blo < ahi;
}

/*
 * A layer both stacks map exactly locates both ranges in it, and every
 * layer below is a function of that: it alone decides.  Returns the
 * index pair's layer of @a, or NULL when there is none.
 */
static const struct storage_layer *
common_exact(const struct storage_stack *a, const struct storage_stack *b,
	     const struct storage_layer **lb_out)
{
	size_t i, j;

	for (i = 0; i < a->count; i++) {
		if (a->layer[i].map != MAP_EXACT)
			continue;
		for (j = 0; j < b->count; j++) {
			if (b->layer[j].map == MAP_EXACT &&
			    same_object(&a->layer[i], &b->layer[j])) {
				*lb_out = &b->layer[j];
				return &a->layer[i];
			}
		}
	}
	return NULL;
}

/*
 * A filesystem of @a with no known placement, which @b does not reach
 * as the same filesystem: @b's bytes could be anywhere in it.  Two files
 * on one such filesystem are told apart by their inodes.
 */
static const struct storage_layer *unplaced(const struct storage_stack *a,
					    const struct storage_stack *b)
{
	size_t i, j;

	for (i = 0; i < a->count; i++) {
		if (a->layer[i].kind != LAYER_NODEV)
			continue;
		for (j = 0; j < b->count; j++)
			if (same_object(&a->layer[i], &b->layer[j]))
				break;
		if (j == b->count)
			return &a->layer[i];
	}
	return NULL;
}

enum storage_verdict storage_compare(const struct storage_stack *a,
				     uint64_t a_off,
				     const struct storage_stack *b,
				     uint64_t b_off, uint64_t len,
				     const struct storage_layer **where)
{
	const struct storage_layer *la, *lb;
	size_t i, j;

	*where = NULL;
	la = common_exact(a, b, &lb);
	if (la) {
		if (!extents_meet(la, a_off, lb, b_off, len))
			return STORAGE_DISJOINT;
		*where = la;
		return STORAGE_OVERLAP;
	}
	for (i = 0; i < a->count; i++) {
		for (j = 0; j < b->count; j++) {
			la = &a->layer[i];
			lb = &b->layer[j];
			/* Two files on one filesystem: their inodes decide. */
			if (!same_object(la, lb) ||
			    (la->map == MAP_FS && lb->map == MAP_FS) ||
			    !extents_meet(la, a_off, lb, b_off, len))
				continue;
			*where = la;
			return STORAGE_UNKNOWN;
		}
	}
	la = unplaced(a, b);
	if (!la)
		la = unplaced(b, a);
	if (la) {
		*where = la;
		return STORAGE_UNKNOWN;
	}
	return a->incomplete || b->incomplete ? STORAGE_UNKNOWN :
						STORAGE_DISJOINT;
}

int storage_each_loop(int (*fn)(const char *name, const struct loop_backing *b,
				void *data),
		      void *data)
{
	struct loop_backing b;
	char dir[PATH_MAX];
	struct dirent *de;
	int ret = 0, got;
	DIR *d;

	if (sysfs_path(dir, sizeof(dir), "/sys/block"))
		return 0;
	d = opendir(dir);
	if (!d)
		return -errno;
	while (!ret && (de = readdir(d))) {
		if (strncmp(de->d_name, "loop", 4))
			continue;
		got = storage_loop_backing(de->d_name, -1, &b);
		if (got == -ENOENT)
			continue;
		ret = fn(de->d_name, got ? NULL : &b, data);
	}
	closedir(d);
	return ret;
}

/* Is the disk @name one of @s's own layers (its own chain of devices)? */
static bool own_disk(const struct storage_stack *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->count; i++)
		if (s->layer[i].kind == LAYER_DISK &&
		    !strcmp(s->layer[i].name, name))
			return true;
	return false;
}

struct loop_search {
	const struct storage_stack *s;
	const struct storage_layer *l;
	struct storage_user *out;
};

/*
 * Does loop device @name write into layer @l?  A file layer by inode; a
 * disk layer when the loop device is on the same disk and either is the
 * whole disk or both are the same partition, whatever the offsets.
 */
static int loop_uses_layer(const char *name, const struct loop_backing *b,
			   void *data)
{
	struct loop_search *q = data;
	const struct storage_layer *l = q->l;
	struct disk_info info;
	int ret;

	/*
	 * A loop device whose backing this user cannot stat is set up on a
	 * file in a directory closed to them (or gone): not on one they name.
	 */
	if (own_disk(q->s, name) || !b)
		return 0;
	if (l->kind == LAYER_FILE) {
		if (b->rdev || b->dev != l->dev || b->ino != l->ino)
			return 0;
	} else {
		if (!b->rdev)
			return 0;
		ret = disk_info_from_devnum(b->rdev, &info);
		if (ret || strcmp(info.name, l->name) ||
		    (l->partition && info.part[0] && info.devnum != l->devnum))
			return 0;
	}
	q->out->use = USE_LOOP;
	snprintf(q->out->by, sizeof(q->out->by), "%s", name);
	return 1;
}

/* A dm or md device holding @l that is not one of @s's own. */
static bool held_by_other(const struct storage_stack *s,
			  const struct storage_layer *l,
			  struct storage_user *out)
{
	char dir[PATH_MAX];
	struct dirent *de;
	bool held = false;
	DIR *d;

	if (l->partition ?
		    sysfs_path(dir, sizeof(dir), "/sys/dev/block/%u:%u/holders",
			       major(l->devnum), minor(l->devnum)) :
		    sysfs_path(dir, sizeof(dir), "/sys/block/%s/holders",
			       l->name))
		return false;
	d = opendir(dir);
	if (!d)
		return false;
	while (!held && (de = readdir(d))) {
		if (de->d_name[0] == '.' || own_disk(s, de->d_name))
			continue;
		out->use = USE_HELD;
		snprintf(out->by, sizeof(out->by), "%.63s", de->d_name);
		held = true;
	}
	closedir(d);
	return held;
}

/*
 * A device below a loop device: the loop driver does not claim it, so
 * ask as mount would, with an exclusive open of its node (/dev/block's
 * link, else /dev/NAME), checked to be that device.  Not under a fake
 * root, whose devices are not the system's.
 */
static void claimed(const struct storage_layer *l, struct storage_user *out)
{
	char path[PATH_MAX];
	struct disk_info info;
	struct stat st;
	int fd;

	if (sysfs_root()[0])
		return;
	snprintf(path, sizeof(path), "/dev/block/%u:%u", major(l->devnum),
		 minor(l->devnum));
	if ((stat(path, &st) || !S_ISBLK(st.st_mode) ||
	     st.st_rdev != l->devnum) &&
	    disk_info_from_devnum(l->devnum, &info) == 0)
		snprintf(path, sizeof(path), "/dev/%s",
			 info.part[0] ? info.part : info.name);
	if (stat(path, &st) || !S_ISBLK(st.st_mode) ||
	    st.st_rdev != l->devnum) {
		out->use = USE_UNKNOWN;
		out->error = -ENODEV;
		return;
	}
	fd = open(path, O_RDONLY | O_EXCL | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return;
	}
	out->use = errno == EBUSY ? USE_CLAIMED : USE_UNKNOWN;
	out->error = -errno;
}

void storage_in_use(const struct storage_stack *s, struct storage_user *out)
{
	struct loop_search q = { .s = s, .out = out };
	const struct storage_layer *l;
	size_t i;
	int ret;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < s->count && out->use == USE_NONE; i++) {
		l = &s->layer[i];
		if (l->map == MAP_FS || l->kind == LAYER_NODEV)
			continue;
		snprintf(out->layer, sizeof(out->layer), "%s", l->name);
		q.l = l;
		ret = storage_each_loop(loop_uses_layer, &q);
		if (ret < 0) {
			out->use = USE_UNKNOWN;
			out->error = ret;
		}
		if (out->use != USE_NONE || i == 0 || l->kind != LAYER_DISK)
			continue;
		if (!held_by_other(s, l, out) && l->map == MAP_EXACT)
			claimed(l, out);
	}
	if (out->use == USE_NONE)
		out->layer[0] = 0;
}
