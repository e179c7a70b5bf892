/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A minimal assertion helper for the unit tests: report and count, and
 * the exit codes meson's test protocol reads.
 */
#ifndef P2PCP_TEST_CHECK_H
#define P2PCP_TEST_CHECK_H

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

#define CHECK_DONE()                                               \
	do {                                                       \
		if (check_failures)                                \
			fprintf(stderr, "%d check(s) failed\n",    \
				check_failures);                   \
		return check_failures ? T_EXIT_FAIL : T_EXIT_PASS; \
	} while (0)

#endif
