// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A device below a loop device is in use when it is mounted or open
 * exclusively (storage_in_use asks with an O_EXCL open of its node),
 * and the node asked must be that device: /dev/block/M:m, else
 * /dev/NAME, each checked to be a block device of that number.  The
 * system's sysfs and a real loop device, with device nodes the test
 * makes in a /dev of its own (a tmpfs in a private mount namespace, in
 * a child process), so that wrong and missing nodes can be shown.
 * Needs root, mount namespaces and /dev/loop-control.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "check.h"
#include "loopdev.h"
#include "storage.h"
#include "sysfs.h"

static char scratch[] = "/tmp/p2pcp-claimed-XXXXXX";

/* The backing file's identity, before it is deleted. */
static struct stat backing;

/* A loop device set up on a file of ours; its descriptor, or -1. */
static int loop_on_file(int *number)
{
	char path[64];
	int file, fd;

	snprintf(path, sizeof(path), "%s/backing.img", scratch);
	file = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	if (file < 0 || ftruncate(file, 1024 * 1024) || fstat(file, &backing)) {
		if (file >= 0)
			close(file);
		return -1;
	}
	fd = loopdev_attach(file, LO_FLAGS_AUTOCLEAR, 0, number);
	close(file);
	return fd;
}

/* /dev/@rel */
static const char *path_in_dev(const char *rel)
{
	static char path[64];

	snprintf(path, sizeof(path), "/dev/%s", rel);
	return path;
}

/* /dev/@rel as a node of @mode and @dev, replacing any. */
static void dev_node(const char *rel, mode_t mode, dev_t dev)
{
	unlink(path_in_dev(rel));
	CHECK(mknod(path_in_dev(rel), mode | 0600, dev) == 0);
}

/* /dev/block/@name -> ../@target, replacing any. */
static void block_link(const char *name, const char *target)
{
	char path[64], dest[64];

	snprintf(path, sizeof(path), "/dev/block/%s", name);
	snprintf(dest, sizeof(dest), "../%s", target);
	unlink(path);
	CHECK(symlink(dest, path) == 0);
}

/*
 * What storage_in_use says of layer @loop below a top layer (which is
 * not asked: its claims are its opener's); every descriptor it opens
 * is given back.
 */
static void in_use(const char *loop, dev_t devnum, struct storage_user *u)
{
	struct storage_stack s = { .count = 2 };
	int fds = open_fd_count();

	s.layer[0].kind = LAYER_DISK;
	snprintf(s.layer[0].name, sizeof(s.layer[0].name), "p2pcp-top");
	s.layer[1].kind = LAYER_DISK;
	s.layer[1].map = MAP_EXACT;
	s.layer[1].devnum = devnum;
	s.layer[1].limit = UINT64_MAX;
	snprintf(s.layer[1].name, sizeof(s.layer[1].name), "%s", loop);
	storage_in_use(&s, u);
	CHECK(open_fd_count() == fds);
}

/* The checks, in a /dev of this process's own; the exit status. */
static int in_own_dev(const void *arg)
{
	int number = *(const int *)arg;
	dev_t devnum = makedev(7, number), nowhere = makedev(60, 0);
	struct storage_user u;
	struct loop_backing b;
	char loop[32], name[32];
	int held, fds, saved;

	/*
	 * Major 60 is set aside for local, experimental use (devices.txt),
	 * so no driver answers for it here and nothing is created on open.
	 */
	if (!access("/sys/dev/block/60:0", F_OK)) {
		fprintf(stderr, "block device 60:0 exists: nothing to check\n");
		return T_EXIT_SKIP;
	}

	if (private_mount_namespace() ||
	    mount("p2pcp-test-dev", "/dev", "tmpfs", 0, "mode=755")) {
		perror("private /dev");
		return T_EXIT_SKIP;
	}
	CHECK(mkdir("/dev/block", 0755) == 0);
	snprintf(loop, sizeof(loop), "loop%d", number);
	snprintf(name, sizeof(name), "%u:%u", major(devnum), minor(devnum));

	/* No node at all: cannot tell. */
	in_use(loop, devnum, &u);
	CHECK(u.use == USE_UNKNOWN && u.error == -ENODEV);
	CHECK(!strcmp(u.layer, loop));

	/*
	 * The backing file is deleted: sysfs's name for it no longer
	 * stats, but the device, opened through /dev/NAME, still says
	 * which file it is.
	 */
	CHECK(storage_loop_backing(loop, -1, &b) == -ESTALE);
	dev_node(loop, S_IFBLK, devnum);
	fds = open_fd_count();
	CHECK(storage_loop_backing(loop, -1, &b) == 0);
	CHECK(b.dev == backing.st_dev && b.ino == backing.st_ino && !b.rdev);
	CHECK(open_fd_count() == fds);
	CHECK(unlink(path_in_dev(loop)) == 0);

	/* A character device of that number is not that block device. */
	dev_node(loop, S_IFCHR, devnum);
	block_link(name, loop);
	in_use(loop, devnum, &u);
	CHECK(u.use == USE_UNKNOWN && u.error == -ENODEV);

	/* Nor is a block device of another number. */
	dev_node(loop, S_IFBLK, nowhere);
	in_use(loop, devnum, &u);
	CHECK(u.use == USE_UNKNOWN && u.error == -ENODEV);

	/*
	 * /dev/block's link is to another device, or to a character device
	 * of that number: /dev/NAME is asked.
	 */
	dev_node("other", S_IFBLK, nowhere);
	block_link(name, "other");
	dev_node(loop, S_IFBLK, devnum);
	in_use(loop, devnum, &u);
	CHECK(u.use == USE_NONE && !u.layer[0] && !u.error);
	dev_node("char", S_IFCHR, devnum);
	block_link(name, "char");
	in_use(loop, devnum, &u);
	CHECK(u.use == USE_NONE && !u.layer[0] && !u.error);

	/* /dev/block's link alone, /dev/NAME another device. */
	block_link(name, "right");
	dev_node("right", S_IFBLK, devnum);
	dev_node(loop, S_IFBLK, nowhere);
	in_use(loop, devnum, &u);
	CHECK(u.use == USE_NONE && !u.layer[0] && !u.error);

	/* With stdin closed the node opens as descriptor 0, given back. */
	saved = dup(0);
	close(0);
	in_use(loop, devnum, &u);
	CHECK(u.use == USE_NONE && !u.error);
	CHECK(fcntl(0, F_GETFD) == -1);
	if (saved >= 0) {
		dup2(saved, 0);
		close(saved);
	}

	/* Open exclusively (as a mount holds it): claimed. */
	held = open("/dev/right", O_RDONLY | O_EXCL | O_CLOEXEC);
	CHECK(held >= 0);
	in_use(loop, devnum, &u);
	CHECK(u.use == USE_CLAIMED && u.error == -EBUSY);
	CHECK(!strcmp(u.layer, loop));
	if (held >= 0)
		close(held);

	/* A node of a number with no device behind it: cannot tell. */
	in_use(loop, nowhere, &u);
	CHECK(u.use == USE_UNKNOWN && u.error == -ENODEV);
	block_link("60:0", "other");
	in_use(loop, nowhere, &u);
	CHECK(u.use == USE_UNKNOWN && u.error == -ENXIO);
	return check_failures ? T_EXIT_FAIL : T_EXIT_PASS;
}

int main(void)
{
	int fd, number, ret;
	char path[64];

	if (getuid()) {
		fprintf(stderr, "not root: nothing to check\n");
		return T_EXIT_SKIP;
	}
	if (!mkdtemp(scratch))
		return T_EXIT_ERROR;
	/*
	 * A fake root set and dropped again, as by a program that tried
	 * one: from then on the system's devices are asked.
	 */
	sysfs_set_root("/p2pcp-no-such-root");
	sysfs_set_root(NULL);
	fd = loop_on_file(&number);
	snprintf(path, sizeof(path), "%s/backing.img", scratch);
	unlink(path);
	rmdir(scratch);
	if (fd < 0) {
		fprintf(stderr, "no loop device to set up: nothing to check\n");
		return T_EXIT_SKIP;
	}
	ret = check_in_child(in_own_dev, &number,
			     "a loop device in a /dev of our own");
	close(fd);
	if (ret == T_EXIT_SKIP)
		return T_EXIT_SKIP;
	CHECK_DONE();
}
