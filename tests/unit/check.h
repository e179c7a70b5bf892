/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A minimal assertion helper for the unit tests: report and count, and
 * the exit codes meson's test protocol reads.
 */
#ifndef P2PCP_TEST_CHECK_H
#define P2PCP_TEST_CHECK_H

#include <dirent.h>
#include <stdio.h>

enum {
	T_EXIT_PASS = 0,
	T_EXIT_FAIL = 1, /* a check failed */
	T_EXIT_SKIP = 77, /* only when the test truly cannot run here */
	T_EXIT_ERROR = 99, /* the test's own setup failed */
};

static int check_failures;

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                              \
			check_failures++;                                      \
		}                                                              \
	} while (0)

#define CHECK_EQ_U64(a, b)                                                    \
	do {                                                                  \
		unsigned long long _a = (a), _b = (b);                        \
		if (_a != _b) {                                               \
			fprintf(stderr, "%s:%d: %s == %llu, expected %llu\n", \
				__FILE__, __LINE__, #a, _a, _b);              \
			check_failures++;                                     \
		}                                                             \
	} while (0)

/* Open descriptors of this process (not counting the one counting). */
static int open_fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n - 3; /* ".", ".." and the directory's own */
}

/*
 * Every test checks that the code under test gave back each descriptor
 * it opened (files, rings, p2pmem mappings): a leak fails the test.
 */
static int fds_at_start = -1;
__attribute__((constructor)) static void count_fds_at_start(void)
{
	fds_at_start = open_fd_count();
}

#define CHECK_DONE()                                               \
	do {                                                       \
		int _fds = open_fd_count();                        \
		if (_fds != fds_at_start) {                        \
			fprintf(stderr,                            \
				"%d descriptor(s) open at start, " \
				"%d at the end: a leak\n",         \
				fds_at_start, _fds);               \
			check_failures++;                          \
		}                                                  \
		if (check_failures)                                \
			fprintf(stderr, "%d check(s) failed\n",    \
				check_failures);                   \
		return check_failures ? T_EXIT_FAIL : T_EXIT_PASS; \
	} while (0)

#endif
