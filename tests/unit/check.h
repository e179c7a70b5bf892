/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A minimal assertion helper for the unit tests: report and count, and
 * the exit codes meson's test protocol reads.
 */
#ifndef P2PCP_TEST_CHECK_H
#define P2PCP_TEST_CHECK_H

#include <dirent.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

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

/*
 * In a check run by check_in_child: a mount namespace of its own, whose
 * mounts stay out of the system's (and go with the child).  0, or -1
 * with errno.
 */
static inline int private_mount_namespace(void)
{
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -1;
	return 0;
}

/*
 * Run @check(@arg) in a forked child, for what must not outlive it (a
 * mount namespace, a hidden /proc), and count its result here: a failed
 * check fails, T_EXIT_SKIP (what it needs cannot be set up here) says
 * "@unchecked not checked".  The child ends with exit(), not _exit(), so
 * the coverage of what it ran is kept.  Returns the child's T_EXIT_*.
 */
static inline int check_in_child(int (*check)(const void *arg), const void *arg,
				 const char *unchecked)
{
	int status, ret = T_EXIT_ERROR;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		check_failures =
			0; /* the parent's are the parent's to report */
		exit(check(arg));
	}
	if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status))
		ret = WEXITSTATUS(status);
	if (ret == T_EXIT_SKIP) {
		fprintf(stderr, "%s not checked\n", unchecked);
	} else if (ret != T_EXIT_PASS) {
		fprintf(stderr, "%s: the child's checks failed (status %d)\n",
			unchecked, ret);
		check_failures++;
	}
	return ret;
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
