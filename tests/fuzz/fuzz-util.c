// SPDX-License-Identifier: GPL-2.0-or-later
/* Helpers of the fuzz targets (fuzz.h). */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>

#include "fuzz.h"

char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

static char scratch[PATH_MAX];

static void remove_scratch(void)
{
	char cmd[PATH_MAX + 16];

	if (!scratch[0])
		return;
	/* The scratch tree is ours alone (mkdtemp). */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
	if (system(cmd))
		fprintf(stderr, "fuzz: could not remove %s\n", scratch);
}

const char *fuzz_scratch(void)
{
	/* tmpfs where there is one: ext4 flushes every truncated rewrite. */
	const char *tmp = access("/dev/shm", W_OK) ? getenv("TMPDIR") :
						     "/dev/shm";

	if (scratch[0])
		return scratch;
	snprintf(scratch, sizeof(scratch), "%s/p2pcp-fuzz-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(scratch)) {
		perror("fuzz: mkdtemp");
		abort();
	}
	atexit(remove_scratch);
	return scratch;
}

static void make_parents(char *path)
{
	char *slash;

	for (slash = strchr(path + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(path, 0755) && errno != EEXIST) {
			perror(path);
			abort();
		}
		*slash = '/';
	}
}

void fuzz_write(const char *root, const char *rel, const void *buf, size_t len)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	make_parents(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len || close(fd)) {
		perror(path);
		abort();
	}
}

void fuzz_fail(const char *file, int line, const char *cond, const char *fmt,
	       ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: property failed: %s: ", file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
