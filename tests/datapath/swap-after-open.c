// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * LD_PRELOAD shim for the datapath tests: right after the program first
 * opens the path $SWAP_PATH, rename $SWAP_WITH over it (a symlink swap,
 * as an attacker or a confused admin would do it).  A program that
 * checks and copies through the descriptor it opened is unaffected; one
 * that reopens the path by name writes to whatever it names by then.
 * Every path opened is appended to $OPEN_LOG, one per line.  With
 * $SIGNAL_AFTER_OPEN, the program sends itself signal $SIGNAL_NUMBER
 * right after it first opens that path (a stop request mid-planning).
 * With $SHRINK_PATH, the program's $SHRINK_AT_SYNC-th fdatasync() (1 if
 * unset) first cuts that file to $SHRINK_TO bytes: a SRC that shrinks
 * between the copy and its verification.
 */
/* Name the 32-bit and the 64-bit entry points apart, to wrap both. */
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int (*openat_fn)(int, const char *, int, ...);

static int swapped, signalled;

static void signal_after(const char *path, int fd)
{
	const char *target = getenv("SIGNAL_AFTER_OPEN");
	const char *sig = getenv("SIGNAL_NUMBER");

	if (fd < 0 || signalled || !target || !sig || strcmp(path, target))
		return;
	signalled = 1;
	raise(atoi(sig));
}

static void after_open(const char *path, int fd)
{
	const char *target = getenv("SWAP_PATH");
	const char *with = getenv("SWAP_WITH");
	const char *log = getenv("OPEN_LOG");
	FILE *f;

	if (log && (f = fopen(log, "a"))) {
		fprintf(f, "%s\n", path);
		fclose(f);
	}
	if (fd < 0 || swapped || !target || !with || strcmp(path, target))
		return;
	swapped = 1;
	if (rename(with, target))
		perror("swap-after-open: rename");
}

static int real_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	static openat_fn next;

	if (!next)
		next = (openat_fn)dlsym(RTLD_NEXT, "openat");
	return next(dirfd, path, flags, mode);
}

static mode_t mode_arg(int flags, va_list ap)
{
	return (flags & (O_CREAT | __O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
}

static int wrapped(int dirfd, const char *path, int flags, mode_t mode)
{
	int fd = real_openat(dirfd, path, flags, mode);

	after_open(path, fd);
	signal_after(path, fd);
	return fd;
}

/*
 * The mode argument is there only with O_CREAT or O_TMPFILE; a variadic
 * function cannot hand its arguments on, so each entry point reads it.
 */
#define MODE_ARG(flags, mode)               \
	do {                                \
		va_list ap;                 \
		va_start(ap, flags);        \
		mode = mode_arg(flags, ap); \
		va_end(ap);                 \
	} while (0)

int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode;

	MODE_ARG(flags, mode);
	return wrapped(dirfd, path, flags, mode);
}

int open(const char *path, int flags, ...)
{
	mode_t mode;

	MODE_ARG(flags, mode);
	return wrapped(AT_FDCWD, path, flags, mode);
}

/* The _FORTIFY_SOURCE entry point. */
int __open_2(const char *path, int flags);

int __open_2(const char *path, int flags)
{
	return wrapped(AT_FDCWD, path, flags, 0);
}

/* The 64-bit names do the same here: aliases, not copies. */
int openat64(int dirfd, const char *path, int flags, ...)
	__attribute__((alias("openat")));
int open64(const char *path, int flags, ...) __attribute__((alias("open")));
int __open64_2(const char *path, int flags) __attribute__((alias("__open_2")));

typedef int (*fdatasync_fn)(int);

static int syncs;

int fdatasync(int fd)
{
	static fdatasync_fn next;
	const char *path = getenv("SHRINK_PATH");
	const char *at = getenv("SHRINK_AT_SYNC");
	const char *to = getenv("SHRINK_TO");

	if (!next)
		next = (fdatasync_fn)dlsym(RTLD_NEXT, "fdatasync");
	if (path && to && ++syncs == (at ? atoi(at) : 1) &&
	    truncate(path, (off_t)strtoll(to, NULL, 10)))
		perror("swap-after-open: truncate");
	return next(fd);
}
