// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The O_DIRECT alignment of a regular file: statx's STATX_DIOALIGN
 * answer when the filesystem gives one, else the logical block size of
 * the file's disk, else 512.  statx is wrapped at link time to play the
 * kernels and filesystems: one that answers, one without statx (ENOSYS),
 * one older than 6.1 (the mask lacks STATX_DIOALIGN), and a file without
 * O_DIRECT (the mask has it, the alignment is 0).  The file's disk is a
 * fake one in a fake sysfs root, with 4096-byte logical blocks.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "check.h"
#include "endpoint.h"
#include "fakeroot.h"
#include "sysfs.h"

#ifdef STATX_DIOALIGN

enum statx_play { ANSWERS_512, NO_STATX, NO_DIOALIGN, NO_DIRECT };
static enum statx_play play;

int __real_statx(int dirfd, const char *path, int flags, unsigned int mask,
		 struct statx *stx);
int __wrap_statx(int dirfd, const char *path, int flags, unsigned int mask,
		 struct statx *stx);

int __wrap_statx(int dirfd, const char *path, int flags, unsigned int mask,
		 struct statx *stx)
{
	int ret;

	if (play == NO_STATX) {
		errno = ENOSYS;
		return -1;
	}
	ret = __real_statx(dirfd, path, flags, mask, stx);
	if (ret)
		return ret;
	stx->stx_mask &= ~STATX_DIOALIGN;
	stx->stx_dio_mem_align = 0;
	stx->stx_dio_offset_align = 0;
	if (play == ANSWERS_512 || play == NO_DIRECT)
		stx->stx_mask |= STATX_DIOALIGN;
	if (play == ANSWERS_512) {
		stx->stx_dio_mem_align = 512;
		stx->stx_dio_offset_align = 512;
	}
	return 0;
}

/* The disk of @dev in the fake root, with 4096-byte logical blocks. */
static void fake_disk_of(dev_t dev)
{
	char rel[128], target[256];

	fake_put("/sys/devices/virtual/block/fake0/size", "16384\n");
	fake_put("/sys/devices/virtual/block/fake0/queue/logical_block_size",
		 "4096\n");
	fake_mkpath("/sys/dev/block");
	snprintf(rel, sizeof(rel), "/sys/dev/block/%u:%u", major(dev),
		 minor(dev));
	snprintf(target, sizeof(target), "%s/sys/devices/virtual/block/fake0",
		 fake_root);
	fake_link(target, rel);
}

static uint32_t align_of(int fd, const char *path)
{
	struct endpoint ep;

	if (endpoint_from_fd(fd, path, &ep))
		return 0;
	return ep.dio_align;
}

int main(void)
{
	char file[] = "endpoint-dioalign-XXXXXX";
	struct endpoint ep;
	struct stat st;
	int fd = mkstemp(file);

	if (fd < 0 || fstat(fd, &st) || fake_root_make("endpoint-dioalign"))
		return T_EXIT_ERROR;
	sysfs_set_root(fake_root);

	/* No disk in sysfs (tmpfs, overlayfs): 512 unless statx says. */
	play = NO_STATX;
	CHECK_EQ_U64(align_of(fd, file), 512);

	fake_disk_of(st.st_dev);
	CHECK_EQ_U64(align_of(fd, file), 4096);
	play = NO_DIOALIGN;
	CHECK_EQ_U64(align_of(fd, file), 4096);
	play = NO_DIRECT;
	CHECK_EQ_U64(align_of(fd, file), 4096);
	play = ANSWERS_512;
	CHECK_EQ_U64(align_of(fd, file), 512);

	/* A file yet to be created has no statx: its directory's disk. */
	CHECK(endpoint_new_file("endpoint-dioalign-new", &ep) == 0);
	CHECK_EQ_U64(ep.dio_align, 4096);

	/* Descriptor 0 is a descriptor like any other. */
	if (dup2(fd, 0) != 0)
		return T_EXIT_ERROR;
	CHECK_EQ_U64(align_of(0, file), 512);

	close(fd);
	unlink(file);
	fake_root_remove();
	CHECK_DONE();
}

#else

int main(void)
{
	return T_EXIT_SKIP; /* headers older than Linux 6.1 */
}

#endif
