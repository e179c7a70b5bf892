// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Safety decisions before the first write (safety.h): reason codes and
 * facts, no words.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safety.h"
#include "storage.h"

/* O_DIRECT on, then off again, on the endpoint's descriptor. */
static int takes_direct_io(const struct endpoint *ep)
{
	int ret = endpoint_set_direct(ep, true);

	endpoint_set_direct(ep, false);
	return ret;
}

enum safety_reason safety_check_source(const struct endpoint *s,
				       struct safety_verdict *v)
{
	char byte;
	int ret;

	memset(v, 0, sizeof(*v));
	/*
	 * /proc and similar files say 0 bytes and produce text when read:
	 * a whole-file copy would be "0 bytes copied".
	 */
	if (s->kind == ENDPOINT_FILE && s->size == 0 &&
	    pread(s->fd, &byte, 1, 0) == 1)
		return v->why = SRC_PSEUDO_FILE;
	ret = takes_direct_io(s);
	if (ret) {
		v->error = ret;
		return v->why = SRC_NO_DIRECT_IO;
	}
	return SAFE;
}

/* Is @fd (stdout or stderr) the same file or device as @d? */
static bool is_output(const struct endpoint *d, int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return false;
	if (d->kind == ENDPOINT_BLOCK)
		return S_ISBLK(st.st_mode) && st.st_rdev == d->st_rdev;
	return S_ISREG(st.st_mode) && st.st_dev == d->st_dev &&
	       st.st_ino == d->st_ino;
}

static enum safety_reason in_use(const struct endpoint *d,
				 struct safety_verdict *v)
{
	static const enum safety_reason reasons[] = {
		[USE_LOOP] = DST_BELOW_BACKS_LOOP,
		[USE_HELD] = DST_BELOW_HELD,
		[USE_CLAIMED] = DST_BELOW_CLAIMED,
		[USE_UNKNOWN] = DST_BELOW_UNKNOWN,
	};
	struct storage_user u;

	if (endpoint_backs_loop(d, v->by, sizeof(v->by)) == 1)
		return v->why = DST_BACKS_LOOP;
	storage_in_use(&d->storage, &u);
	if (u.use == USE_NONE)
		return SAFE;
	snprintf(v->layer, sizeof(v->layer), "%s", u.layer);
	snprintf(v->by, sizeof(v->by), "%s", u.by);
	v->error = u.error;
	return v->why = reasons[u.use];
}

enum safety_reason safety_check_destination_direct(const struct endpoint *d,
						   struct safety_verdict *v)
{
	int ret;

	memset(v, 0, sizeof(*v));
	/* A dry run's DST to be created: an unnamed file stands in. */
	if (d->fd < 0 && !safety_probe_new_file(d->path, &ret) && ret) {
		v->error = ret;
		return v->why = DST_NO_DIRECT_IO;
	}
	if (d->fd >= 0 && (ret = takes_direct_io(d))) {
		v->error = ret;
		return v->why = DST_NO_DIRECT_IO;
	}
	return SAFE;
}

enum safety_reason safety_check_destination(const struct endpoint *d,
					    bool force,
					    struct safety_verdict *v)
{
	int fd, ret;
	bool ro;

	memset(v, 0, sizeof(*v));
	for (fd = STDOUT_FILENO; fd <= STDERR_FILENO; fd++)
		if (d->st_ino && is_output(d, fd)) {
			v->fd = fd;
			return v->why = DST_IS_OUTPUT;
		}
	if (safety_check_destination_direct(d, v))
		return v->why;
	/*
	 * An active swap file opens for writing and refuses every write
	 * (ETXTBSY): ask with a write of nothing, which the kernel checks
	 * as any write and which changes nothing, not even the times.
	 */
	if (d->kind == ENDPOINT_FILE && d->fd >= 0 &&
	    pwrite(d->fd, "", 0, 0) < 0) {
		v->error = -errno;
		return v->why = DST_TAKES_NO_WRITES;
	}
	ret = endpoint_read_only(d, &ro);
	if (ret) {
		v->error = ret;
		return v->why = DST_BLKROGET_FAILED;
	}
	if (ro)
		return v->why = DST_READ_ONLY;
	if (in_use(d, v))
		return v->why;
	if (d->kind != ENDPOINT_BLOCK || force)
		return SAFE;
	ret = disk_signature_probe_fd(d->fd, &v->sig);
	if (ret < 0) {
		v->error = ret;
		return v->why = DST_SIGNATURE_PROBE_FAILED;
	}
	if (ret == 2)
		return v->why = DST_SIGNATURES_CONTRADICT;
	if (ret == 1)
		return v->why = DST_SIGNATURE;
	return SAFE;
}

/* The directory part of @path ("." for a bare name). */
static int parent_dir(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return snprintf(dir, len, ".") < 0 ? -EINVAL : 0;
	if (slash == path)
		return snprintf(dir, len, "/") < 0 ? -EINVAL : 0;
	if (snprintf(dir, len, "%.*s", (int)(slash - path), path) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

int safety_probe_new_file(const char *path, int *direct_err)
{
	char dir[PATH_MAX];
	int fd, ret = parent_dir(path, dir, sizeof(dir));

	*direct_err = 0;
	if (ret)
		return ret;
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0) {
		/* As the copy asks its descriptor: after the open. */
		if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_DIRECT))
			*direct_err = -errno;
		close(fd);
		return 0;
	}
	if (errno != EOPNOTSUPP)
		return -errno;
	/*
	 * No O_TMPFILE here: ask what the creating open will ask.  The
	 * kernel answers EOPNOTSUPP after its own write and search check
	 * on the directory (fs/namei.c: do_tmpfile, vfs_tmpfile), but
	 * NFS and FUSE without default_permissions pass that check
	 * locally and leave the decision to the server, which only
	 * access(2) consults (MAY_ACCESS); a read-only mount was already
	 * EROFS from the open.  (EISDIR, from kernels before 3.11 that
	 * ignore O_TMPFILE, cannot happen on the 6.2 p2pcp needs.)
	 */
	if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS))
		return -errno;
	return 0;
}
