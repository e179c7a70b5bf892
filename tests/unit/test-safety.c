// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The safety decisions (safety.h) on real descriptors, without p2pcp's
 * front-end: a pseudo-file SRC, a DST that is this process's stdout or
 * stderr (by whatever name it was opened), the O_DIRECT probes, and the
 * probe of a file a dry run would create.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "safety.h"

static char scratch[] = "safety-XXXXXX";

/* Open @path as an endpoint (with its storage stack); -1 on failure. */
static int open_ep(const char *path, int flags, struct endpoint *ep)
{
	int fd = open(path, flags | O_CLOEXEC, 0600);

	if (fd < 0 || endpoint_from_fd(fd, path, ep)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	endpoint_storage(ep);
	return fd;
}

static void test_source(void)
{
	struct safety_verdict v;
	struct endpoint ep;
	char path[64];
	int fd;

	/* An empty regular file is an empty copy, not a pseudo-file. */
	snprintf(path, sizeof(path), "%s/empty", scratch);
	fd = open_ep(path, O_RDWR | O_CREAT, &ep);
	CHECK(fd >= 0);
	CHECK(safety_check_source(&ep, &v) == SAFE);
	CHECK(!(fcntl(fd, F_GETFL) & O_DIRECT));
	close(fd);
	/* /proc says 0 bytes and has text. */
	fd = open_ep("/proc/self/status", O_RDONLY, &ep);
	if (fd >= 0) {
		CHECK_EQ_U64(ep.size, 0);
		CHECK(safety_check_source(&ep, &v) == SRC_PSEUDO_FILE);
		CHECK(v.why == SRC_PSEUDO_FILE);
		close(fd);
	}
	/* A sysfs attribute has a size, and no O_DIRECT. */
	fd = open_ep("/sys/kernel/mm/transparent_hugepage/enabled", O_RDONLY,
		     &ep);
	if (fd >= 0) {
		CHECK(safety_check_source(&ep, &v) == SRC_NO_DIRECT_IO);
		CHECK(v.error == -EINVAL);
		close(fd);
	}
}

/* DST is the same file as descriptor @out (1 or 2), named @name. */
static void check_output(int out, const char *file, const char *name)
{
	int saved = dup(out), fd;
	struct safety_verdict v;
	struct endpoint ep;

	fd = open(file, O_WRONLY | O_APPEND | O_CLOEXEC);
	CHECK(fd >= 0 && saved >= 0 && dup2(fd, out) == out);
	close(fd);
	fd = open_ep(name, O_RDWR, &ep);
	CHECK(fd >= 0);
	CHECK(safety_check_destination(&ep, false, &v) == DST_IS_OUTPUT);
	CHECK(v.fd == out);
	close(fd);
	dup2(saved, out);
	close(saved);
}

static void test_destination(void)
{
	char path[64], other[64], proc[64];
	struct safety_verdict v;
	struct endpoint ep;
	int fd, saved;

	snprintf(path, sizeof(path), "%s/dst", scratch);
	snprintf(other, sizeof(other), "%s/other", scratch);
	close(open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
	close(open(other, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
	check_output(STDOUT_FILENO, path, path);
	check_output(STDERR_FILENO, path, path);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", STDOUT_FILENO);
	check_output(STDOUT_FILENO, path, proc);
	/* Another file while stdout is a file: nothing in the way. */
	fd = open(path, O_WRONLY | O_CLOEXEC);
	saved = dup(STDOUT_FILENO);

	CHECK(dup2(fd, STDOUT_FILENO) == STDOUT_FILENO);
	close(fd);
	fd = open_ep(other, O_RDWR, &ep);
	CHECK(safety_check_destination(&ep, false, &v) == SAFE);
	CHECK(!(fcntl(fd, F_GETFL) & O_DIRECT));
	close(fd);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	unlink(path);
	unlink(other);
}

static void test_new_file_probe(void)
{
	char path[PATH_MAX];
	struct stat st;
	int direct;

	snprintf(path, sizeof(path), "%s/new.bin", scratch);
	CHECK(safety_probe_new_file(path, &direct) == 0 && direct == 0);
	CHECK(stat(path, &st) == -1 && errno == ENOENT);
	snprintf(path, sizeof(path), "%s/missing/new.bin", scratch);
	CHECK(safety_probe_new_file(path, &direct) == -ENOENT);
	CHECK(safety_probe_new_file("/proc/self/status/new.bin", &direct) ==
	      -ENOTDIR);
}

int main(void)
{
	if (!mkdtemp(scratch))
		return T_EXIT_ERROR;
	test_source();
	test_destination();
	test_new_file_probe();
	rmdir(scratch);
	CHECK_DONE();
}
