// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * safety_probe_new_file on a filesystem without O_TMPFILE whose
 * directory check is the server's: NFS, and FUSE without
 * default_permissions, answer O_TMPFILE with EOPNOTSUPP after a local
 * permission check that lets the write through, while the creating
 * open is refused by the server.  open64 is wrapped at link time to
 * give that answer for O_TMPFILE; the directory's real access(2)
 * answer must then decide, as the creating open would.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "safety.h"
#include "wrap-open.h"

int __wrap_open64(const char *path, int flags, ...)
{
	if ((flags & O_TMPFILE) == O_TMPFILE) {
		errno = EOPNOTSUPP;
		return -1;
	}
	return __real_open64(path, flags, WRAPPED_OPEN_MODE(flags));
}

static char scratch[] = "safety-no-tmpfile-XXXXXX";

/* A writable directory: the new file would be created, O_DIRECT unknown. */
static void test_writable(void)
{
	char path[64];
	int direct = 1;

	snprintf(path, sizeof(path), "%s/new.bin", scratch);
	CHECK(safety_probe_new_file(path, &direct) == 0);
	CHECK(direct == 0);
	CHECK(access(path, F_OK) && errno == ENOENT);
}

/*
 * A directory the creating open would be refused: read-only to root
 * (a read-only bind mount in this child's own mount namespace), not
 * writable to anyone else.  Returns the check's exit status.
 */
static int refused_directory(const void *arg)
{
	const char *dir = arg;
	char path[PATH_MAX];
	int direct = 1, want;

	if (geteuid() == 0) {
		if (private_mount_namespace() ||
		    mount(dir, dir, NULL, MS_BIND, NULL) ||
		    mount(NULL, dir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY,
			  NULL)) {
			perror("read-only bind mount in a mount namespace");
			return T_EXIT_SKIP;
		}
		want = -EROFS;
	} else {
		if (chmod(dir, 0500))
			return T_EXIT_ERROR;
		want = -EACCES;
	}
	snprintf(path, sizeof(path), "%s/new.bin", dir);
	CHECK_EQ_U64(-safety_probe_new_file(path, &direct), -want);
	CHECK(direct == 0);
	return check_failures ? T_EXIT_FAIL : T_EXIT_PASS;
}

static void test_refused(void)
{
	char dir[64];

	snprintf(dir, sizeof(dir), "%s/refused", scratch);
	CHECK(mkdir(dir, 0700) == 0);
	check_in_child(refused_directory, dir,
		       "no mount namespace of our own: a directory refused "
		       "to root");
	chmod(dir, 0700);
	rmdir(dir);
}

int main(void)
{
	if (!mkdtemp(scratch))
		return T_EXIT_ERROR;
	test_writable();
	test_refused();
	rmdir(scratch);
	CHECK_DONE();
}
