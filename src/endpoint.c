// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Copy endpoints: a path or open descriptor resolved to what it is (a
 * block device or a regular file), the disk behind it (blockdev.h) and
 * the storage its bytes live on (storage.h).  It sits above both: disk
 * facts at the bottom, storage stacks built from them, endpoints on top.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "endpoint.h"
/*
 * The O_DIRECT alignment of a regular file: what the filesystem reports
 * through statx (Linux 6.1+), else the device's logical block size.
 * @fd < 0: the file @path does not exist yet, ask its directory's disk.
 */
static uint32_t file_dio_align(int fd, const struct endpoint *ep)
{
#ifdef STATX_DIOALIGN
	struct statx stx;

	if (fd >= 0 &&
	    statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) == 0 &&
	    (stx.stx_mask & STATX_DIOALIGN) && stx.stx_dio_offset_align)
		return stx.stx_dio_offset_align;
#endif
	if (ep->have_disk)
		return ep->disk.logical_block_size;
	return 512;
}

/* Fill @out from what stat said about @path (open as @fd, or -1). */
static int endpoint_describe(const struct stat *st, int fd,
			     struct endpoint *out)
{
	int ret;

	out->st_dev = st->st_dev;
	out->st_ino = st->st_ino;
	out->st_rdev = st->st_rdev;
	if (S_ISBLK(st->st_mode)) {
		out->kind = ENDPOINT_BLOCK;
		ret = disk_info_from_devnum(st->st_rdev, &out->disk);
		if (ret)
			return ret;
		out->have_disk = true;
		out->size = out->disk.size;
		out->dio_align = out->disk.logical_block_size;
		return 0;
	}
	if (!S_ISREG(st->st_mode))
		return -ENOTBLK;
	out->kind = ENDPOINT_FILE;
	out->size = (uint64_t)st->st_size;
	/* tmpfs, overlayfs, btrfs: no block device in sysfs to describe. */
	out->have_disk = disk_info_from_devnum(st->st_dev, &out->disk) == 0;
	out->dio_align = file_dio_align(fd, out);
	return 0;
}

int endpoint_resolve(const char *path, struct endpoint *out)
{
	struct stat st;

	memset(out, 0, sizeof(*out));
	out->path = path;
	out->fd = -1;
	if (stat(path, &st))
		return -errno;
	return endpoint_describe(&st, -1, out);
}

int endpoint_from_fd(int fd, const char *path, struct endpoint *out)
{
	struct stat st;

	memset(out, 0, sizeof(*out));
	out->path = path;
	out->fd = fd;
	if (fstat(fd, &st))
		return -errno;
	return endpoint_describe(&st, fd, out);
}

int endpoint_new_file(const char *path, struct endpoint *out)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct stat st;

	memset(out, 0, sizeof(*out));
	out->path = path;
	out->fd = -1;
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if (snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path),
			  path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	if (stat(dir, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	out->kind = ENDPOINT_FILE;
	out->st_dev = st.st_dev;
	out->have_disk = disk_info_from_devnum(st.st_dev, &out->disk) == 0;
	out->dio_align = file_dio_align(-1, out);
	return 0;
}

int endpoint_read_only(const struct endpoint *ep, bool *ro)
{
	int flag = 0;

	*ro = false;
	if (ep->kind != ENDPOINT_BLOCK || ep->fd < 0)
		return 0;
	if (ioctl(ep->fd, BLKROGET, &flag))
		return -errno;
	*ro = flag != 0;
	return 0;
}

int endpoint_set_direct(const struct endpoint *ep, bool direct)
{
	int flags = fcntl(ep->fd, F_GETFL);

	if (flags < 0)
		return -errno;
	if (!!(flags & O_DIRECT) == direct)
		return 0;
	flags = direct ? flags | O_DIRECT : flags & ~O_DIRECT;
	if (fcntl(ep->fd, F_SETFL, flags))
		return -errno;
	return 0;
}

void endpoint_storage(struct endpoint *ep)
{
	bool loop = ep->have_disk && !strncmp(ep->disk.name, "loop", 4);

	if (ep->kind == ENDPOINT_FILE)
		storage_of_file(ep->st_dev, ep->st_ino, ep->size, &ep->storage);
	else
		storage_of_device(ep->st_rdev, loop ? ep->fd : -1,
				  &ep->storage);
}

/* Is the backing @dev/@ino (a file), or @rdev (a block device), @ep? */
static bool is_endpoint(const struct endpoint *ep, dev_t dev, ino_t ino,
			dev_t rdev)
{
	if (ep->kind == ENDPOINT_BLOCK)
		return rdev && rdev == ep->st_rdev;
	return dev == ep->st_dev && ino == ep->st_ino;
}

struct backs_search {
	const struct endpoint *ep;
	char *name;
	size_t len;
};

/* Is loop device @name (e.g. "loop0") set up on the endpoint? */
static int loop_on_endpoint(const char *name, const struct loop_backing *b,
			    void *data)
{
	struct backs_search *q = data;

	if (!b || !is_endpoint(q->ep, b->dev, b->ino, b->rdev))
		return 0;
	snprintf(q->name, q->len, "%s", name);
	return 1;
}

int endpoint_backs_loop(const struct endpoint *ep, char *name, size_t len)
{
	struct backs_search q = { .ep = ep, .name = name, .len = len };

	if (ep->kind == ENDPOINT_FILE ? !ep->st_ino : !ep->st_rdev)
		return 0;
	return storage_each_loop(loop_on_endpoint, &q);
}
