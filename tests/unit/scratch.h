/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Scratch files for the unit tests that do real O_DIRECT I/O: a source
 * holding the test's data and an empty destination, in the current
 * directory (meson's build directory), which must take O_DIRECT.
 */
#ifndef P2PCP_TEST_SCRATCH_H
#define P2PCP_TEST_SCRATCH_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

/*
 * Create @src and @dst from their mkstemp() templates and write @size
 * bytes of @data to @src.  T_EXIT_PASS, T_EXIT_SKIP where the filesystem
 * has no O_DIRECT (old tmpfs: nothing to test there), or T_EXIT_ERROR.
 */
static int scratch_files(char *src, char *dst, const void *data, size_t size)
{
	int fd = mkstemp(src);

	if (fd < 0)
		return T_EXIT_ERROR;
	close(fd);
	fd = mkstemp(dst);
	if (fd < 0) {
		unlink(src);
		return T_EXIT_ERROR;
	}
	close(fd);
	fd = open(src, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "O_DIRECT not supported here: %s\n",
			strerror(errno));
		unlink(src);
		unlink(dst);
		return T_EXIT_SKIP;
	}
	close(fd);
	fd = open(src, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
		if (fd >= 0)
			close(fd);
		unlink(src);
		unlink(dst);
		return T_EXIT_ERROR;
	}
	close(fd);
	return T_EXIT_PASS;
}

#endif
