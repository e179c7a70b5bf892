/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * For the unit tests that wrap open64 at link time (-Wl,--wrap=open64):
 * the wrapper decides what to refuse, then hands the call on whole.
 * open64's third argument exists only with O_CREAT or O_TMPFILE; read
 * it then and only then, as the C library does.
 */
#ifndef P2PCP_TEST_WRAP_OPEN_H
#define P2PCP_TEST_WRAP_OPEN_H

#include <fcntl.h>
#include <stdarg.h>
#include <sys/types.h>

int __real_open64(const char *path, int flags, ...);
int __wrap_open64(const char *path, int flags, ...);
int __wrap___open64_2(const char *path, int flags);

/*
 * Built with _FORTIFY_SOURCE, as distributions build (dpkg-buildflags),
 * an open whose flags the compiler cannot see and that passes no mode
 * calls __open64_2 instead: the same open, through the same wrapper
 * (the test links with --wrap=__open64_2 too).
 */
int __wrap___open64_2(const char *path, int flags)
{
	return __wrap_open64(path, flags);
}

static inline int open_takes_mode(int flags)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

/*
 * In a wrapper declared (const char *path, int flags, ...): the mode the
 * caller passed, or 0.  A macro, because va_start needs the wrapper's
 * own frame.
 */
#define WRAPPED_OPEN_MODE(flags)                     \
	({                                           \
		mode_t mode_ = 0;                    \
		va_list ap_;                         \
		if (open_takes_mode(flags)) {        \
			va_start(ap_, flags);        \
			mode_ = va_arg(ap_, mode_t); \
			va_end(ap_);                 \
		}                                    \
		mode_;                               \
	})

#endif
