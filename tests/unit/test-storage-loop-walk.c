// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The walk over loop devices under the real /sys opens only loop
 * devices: every other block device of the machine (a disk, zram...) is
 * left unopened, as nothing the user named.  open64 is wrapped at link
 * time to count what the walk asks for under /dev and to open none of
 * it (the walk then reads the backing from sysfs).  Even a machine with
 * loop devices only lists "." and ".." there, which are no loop devices.
 * Then, in a fake sysfs root: which loop devices the walk passes on.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fakeroot.h"
#include "storage.h"
#include "sysfs.h"
#include "wrap-open.h"

static unsigned int loop_opens, other_opens;

int __wrap_open64(const char *path, int flags, ...)
{
	if (!strncmp(path, "/dev/", 5)) {
		if (!strncmp(path, "/dev/loop", 9))
			loop_opens++;
		else
			other_opens++;
		errno = ENOENT;
		return -1;
	}
	return __real_open64(path, flags, WRAPPED_OPEN_MODE(flags));
}

static int count_loop(const char *name, const struct loop_backing *b,
		      void *data)
{
	unsigned int *seen = data;

	(void)name;
	(void)b;
	(*seen)++;
	return 0;
}

/* Each loop device passed on: its name, "+" with a backing, else "-". */
static int list_loop(const char *name, const struct loop_backing *b, void *data)
{
	char *seen = data;
	size_t used = strlen(seen);

	snprintf(seen + used, 256 - used, "%s%c ", name, b ? '+' : '-');
	return 0;
}

/*
 * loop0 not attached (no loop directory), loop1 on a file, loop2 on a
 * file that is gone, sda no loop device: loop1 with its backing, loop2
 * without (unknown, never "not attached"), nothing else.
 */
static void test_fake_tree(void)
{
	char seen[256] = "", target[512];

	if (fake_root_make("storage-loop-walk"))
		exit(T_EXIT_ERROR);
	fake_put("/sys/block/loop0/size", "0\n");
	fake_put("/sys/block/sda/size", "8\n");
	fake_put("/files/a.img", "");
	snprintf(target, sizeof(target), "%s/files/a.img\n", fake_root);
	fake_put("/sys/block/loop1/loop/backing_file", target);
	fake_put("/sys/block/loop1/loop/offset", "0\n");
	fake_put("/sys/block/loop1/loop/sizelimit", "0\n");
	snprintf(target, sizeof(target), "%s/files/gone.img\n", fake_root);
	fake_put("/sys/block/loop2/loop/backing_file", target);
	sysfs_set_root(fake_root);
	CHECK(storage_each_loop(list_loop, seen) == 0);
	/* readdir's order is the directory's: compare as a set. */
	CHECK(strlen(seen) == strlen("loop1+ loop2- "));
	CHECK(strstr(seen, "loop1+ "));
	CHECK(strstr(seen, "loop2- "));
	fake_root_remove();
}

int main(void)
{
	unsigned int seen = 0;

	sysfs_set_root(NULL);
	if (access("/sys/block", R_OK))
		return T_EXIT_SKIP;
	CHECK(storage_each_loop(count_loop, &seen) == 0);
	CHECK(other_opens == 0);
	/*
	 * Other programs may add loop devices meanwhile: only the walk's
	 * own counts are compared.  Each device passed on was asked first.
	 */
	CHECK(seen <= loop_opens);
	test_fake_tree();
	CHECK_DONE();
}
