// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * plan_endpoints() (p2pcp-plan.c) when an endpoint's name is renamed
 * over between the question (the O_PATH probe) and the open.  With
 * /proc the probe is reopened through /proc/self/fd: the file asked is
 * the file opened.  Without /proc the name is opened again, and a file
 * that is not the one asked (another inode) is refused with ESTALE.
 * open64 is wrapped at link time: it renames $with over $path right
 * after the first open of $path, and answers ENOENT for /proc/self/fd
 * while /proc is to be missing (as without /proc mounted).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "fakeroot.h"
#include "p2pcp.h"
#include "sysfs.h"
#include "wrap-open.h"

static const char *swap_path, *swap_with;
static bool proc_missing;

int __wrap_open64(const char *path, int flags, ...)
{
	int fd;

	if (proc_missing && !strncmp(path, "/proc/self/fd/", 14)) {
		errno = ENOENT;
		return -1;
	}
	fd = __real_open64(path, flags, WRAPPED_OPEN_MODE(flags));
	if (fd >= 0 && swap_path && !strcmp(path, swap_path)) {
		if (rename(swap_with, swap_path))
			perror("rename");
		swap_path = NULL;
	}
	return fd;
}

static char scratch[] = "endpoint-swap-XXXXXX";
static char src[64], dst[64], other[64];

static void put(const char *path, char c)
{
	char text[4096];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	memset(text, c, sizeof(text));
	CHECK(fd >= 0 && write(fd, text, sizeof(text)) == sizeof(text));
	close(fd);
}

static ino_t inode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : st.st_ino;
}

/*
 * Plan SRC to DST with @with renamed over @path after its first open;
 * returns the reason, with @r filled, the endpoints closed.  @asked is
 * set to the inode @path named before the swap, @opened to the one
 * opened for @path's side (0 when refused).
 */
static enum refusal_why plan_swapped(const char *path, struct refusal *r,
				     ino_t *asked, ino_t *opened)
{
	struct options o = { .src = src, .dst = dst };
	struct copy_plan p;
	enum refusal_why why;
	struct stat st;

	put(src, 's');
	put(dst, 'd');
	put(other, 'o');
	*asked = inode_of(path);
	swap_path = path;
	swap_with = other;
	why = plan_endpoints(&o, &p, r);
	CHECK(swap_path == NULL); /* the swap happened */
	*opened = 0;
	if (why == REFUSE_NONE &&
	    !fstat(path == src ? p.src.fd : p.dst.fd, &st))
		*opened = st.st_ino;
	close_endpoints(&p, false);
	return why;
}

/* With /proc: the file asked is opened, whatever the name says by then. */
static void test_swap_with_proc(void)
{
	const char *sides[] = { src, dst };
	struct refusal r;
	ino_t asked, opened;

	proc_missing = false;
	for (int side = 0; side < 2; side++) {
		CHECK(plan_swapped(sides[side], &r, &asked, &opened) ==
		      REFUSE_NONE);
		CHECK(asked != 0 && opened == asked);
		CHECK(inode_of(sides[side]) != asked); /* the name moved */
	}
}

/*
 * Without /proc, the name is opened again: it names another file on the
 * same filesystem (same device, another inode), which is refused.
 */
static void test_swap_without_proc(void)
{
	const char *sides[] = { src, dst };
	struct refusal r;
	ino_t asked, opened;

	proc_missing = true;
	for (int side = 0; side < 2; side++) {
		memset(&r, 0, sizeof(r));
		CHECK(plan_swapped(sides[side], &r, &asked, &opened) ==
		      REFUSE_OPEN);
		CHECK_EQ_U64(r.side, side);
		CHECK(r.error == -ESTALE);
	}
	/* Without a swap, the name opened again is the file asked. */
	{
		struct options o = { .src = src, .dst = dst };
		struct copy_plan p;

		put(src, 's');
		put(dst, 'd');
		CHECK(plan_endpoints(&o, &p, &r) == REFUSE_NONE);
		CHECK_EQ_U64(p.length, 4096);
		close_endpoints(&p, false);
	}
	proc_missing = false;
}

int main(void)
{
	char cmd[128];

	if (!mkdtemp(scratch) || fake_root_make("test-endpoint-swap")) {
		perror("mkdtemp");
		return T_EXIT_ERROR;
	}
	fake_put("/proc/sys/kernel/osrelease", "6.12.0\n");
	sysfs_set_root(fake_root);
	snprintf(src, sizeof(src), "%s/src", scratch);
	snprintf(dst, sizeof(dst), "%s/dst", scratch);
	snprintf(other, sizeof(other), "%s/other", scratch);
	test_swap_with_proc();
	test_swap_without_proc();
	sysfs_set_root(NULL);
	fake_root_remove();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", scratch);
	CHECK_DONE();
}
