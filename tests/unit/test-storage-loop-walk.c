// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The walk over loop devices under the real /sys opens only loop
 * devices: every other block device of the machine (a disk, zram...) is
 * left unopened, as nothing the user named.  open64 is wrapped at link
 * time to count what the walk asks for under /dev and to open none of
 * it (the walk then reads the backing from sysfs).  Even a machine with
 * loop devices only lists "." and ".." there, which are no loop devices.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "storage.h"
#include "sysfs.h"

static unsigned int loop_opens, other_opens;

int __real_open64(const char *path, int flags, ...);
int __wrap_open64(const char *path, int flags, ...);

int __wrap_open64(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (!strncmp(path, "/dev/", 5)) {
		if (!strncmp(path, "/dev/loop", 9))
			loop_opens++;
		else
			other_opens++;
		errno = ENOENT;
		return -1;
	}
	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return __real_open64(path, flags, mode);
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
	CHECK_DONE();
}
