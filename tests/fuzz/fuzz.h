/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the fuzz targets: each target defines LLVMFuzzerTestOneInput
 * (libFuzzer's entry point) and is linked either with libFuzzer (clang
 * -fsanitize=fuzzer, see libfuzzer.sh) or with driver.c, a small
 * standalone driver that runs a seed corpus plus seeded random
 * mutations, so the same targets run under gcc and the ASan build.
 */
#ifndef P2PCP_FUZZ_H
#define P2PCP_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of the input (caller frees). */
char *fuzz_string(const uint8_t *data, size_t size);

/* A private scratch directory, made once per process, removed at exit. */
const char *fuzz_scratch(void);

/* Write @len bytes to <root>/<rel>, creating directories on the way. */
void fuzz_write(const char *root, const char *rel, const void *buf, size_t len);

/*
 * A property of the code under test does not hold: print it and abort,
 * so libFuzzer or the driver keeps the input that showed it.
 */
#define FUZZ_CHECK(cond, ...)                                              \
	do {                                                               \
		if (!(cond))                                               \
			fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__); \
	} while (0)

void fuzz_fail(const char *file, int line, const char *cond, const char *fmt,
	       ...) __attribute__((noreturn, format(printf, 4, 5)));

#endif
