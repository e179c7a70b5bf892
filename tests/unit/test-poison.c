// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * poison.c's promises, seen from outside:
 *  - poison_nonce() is fresh on every call (getrandom), so no data can
 *    be made to look like a sentinel of a later run;
 *  - poison_forget*() drop the cache line of every word they are given
 *    (of every word of the range), and poison_publish*() do the same
 *    before their read back.  A dropped line is invisible to a host
 *    test, but the MMU sees it: CLFLUSH of an address on a page that
 *    may not be read faults.  So a word on a PROT_NONE page makes each
 *    call fault exactly when it touches that word's line; the other
 *    words are on readable pages.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "poison.h"

#define PAGE 4096u

/* Three nonces in a row, all different: not derived from time and pid. */
static void test_nonce_fresh(void)
{
	uint64_t a = poison_nonce(), b = poison_nonce(), c = poison_nonce();

	CHECK(a != b && b != c && a != c);
}

#if defined(__x86_64__) || defined(__i386__)

static sigjmp_buf fault_jump;

static void on_fault(int sig)
{
	(void)sig;
	siglongjmp(fault_jump, 1);
}

/*
 * Three pages: readable, PROT_NONE, readable.  guard is the first byte
 * of the middle one.
 */
static char *pages, *guard;

enum call { FORGET, PUBLISH, FORGET_RANGE, PUBLISH_RANGE };

/* Whether the call faulted (touched a line of the PROT_NONE page). */
static bool faults(enum call call, char *const *words, unsigned int n,
		   char *buf, uint32_t len)
{
	struct sigaction sa = { .sa_handler = on_fault }, old_segv, old_bus;
	volatile bool faulted = false;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	if (sigsetjmp(fault_jump, 1)) {
		faulted = true;
	} else {
		switch (call) {
		case FORGET:
			poison_forget(words, n);
			break;
		case PUBLISH:
			poison_publish(words, n);
			break;
		case FORGET_RANGE:
			poison_forget_range(buf, len);
			break;
		case PUBLISH_RANGE:
			poison_publish_range(buf, len);
			break;
		}
	}
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	return faulted;
}

/*
 * Word lists end on the last bytes of the first page, so nothing past
 * @n of them is readable: a call that read a word pointer it was not
 * given faults too.
 */
static char *const *word_list(char *a, char *b, char *c, unsigned int n)
{
	char **list = (char **)(guard - n * sizeof(char *));
	char *given[3] = { a, b, c };

	memcpy(list, given, n * sizeof(char *));
	return list;
}

static void test_words(void)
{
	char *ok1 = pages + 64, *ok2 = guard + PAGE + 128;

	/* Only readable words: no fault, whatever the count. */
	CHECK(!faults(FORGET, word_list(ok1, ok2, NULL, 2), 2, NULL, 0));
	CHECK(!faults(PUBLISH, word_list(ok1, ok2, NULL, 2), 2, NULL, 0));
	CHECK(!faults(PUBLISH, word_list(ok2, NULL, NULL, 1), 1, NULL, 0));
	/* None given: nothing touched (the list is not even read). */
	CHECK(!faults(FORGET, NULL, 0, NULL, 0));
	CHECK(!faults(PUBLISH, NULL, 0, NULL, 0));
	/* The guarded word first, in the middle, last: each is dropped. */
	CHECK(faults(FORGET, word_list(guard, ok1, ok2, 3), 3, NULL, 0));
	CHECK(faults(FORGET, word_list(ok1, guard, ok2, 3), 3, NULL, 0));
	CHECK(faults(FORGET, word_list(ok1, ok2, guard, 3), 3, NULL, 0));
	CHECK(faults(PUBLISH, word_list(ok1, guard, NULL, 2), 2, NULL, 0));
	CHECK(faults(PUBLISH, word_list(ok1, ok2, guard, 3), 3, NULL, 0));
}

static void test_ranges(void)
{
	char *third = guard + PAGE;

	/* A range that ends where the guard starts: not a line beyond. */
	CHECK(!faults(FORGET_RANGE, NULL, 0, pages, PAGE));
	CHECK(!faults(PUBLISH_RANGE, NULL, 0, pages, PAGE));
	CHECK(!faults(FORGET_RANGE, NULL, 0, guard - 8, 8));
	/* Empty: nothing touched, not even its start. */
	CHECK(!faults(FORGET_RANGE, NULL, 0, guard, 0));
	CHECK(!faults(PUBLISH_RANGE, NULL, 0, NULL, 0));
	/* Its first line is guarded, the rest readable. */
	CHECK(faults(FORGET_RANGE, NULL, 0, third - 64, 128));
	/* Only its last word is on the guard page, alone in its line. */
	CHECK(faults(FORGET_RANGE, NULL, 0, guard - 8, 16));
	CHECK(faults(PUBLISH_RANGE, NULL, 0, guard - 8, 16));
	/* Whole lines, the guarded one in the middle. */
	CHECK(faults(FORGET_RANGE, NULL, 0, guard - PAGE, 3 * PAGE));
}

static int test_lines(void)
{
	pages = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pages == MAP_FAILED)
		return T_EXIT_ERROR;
	guard = pages + PAGE;
	if (mprotect(guard, PAGE, PROT_NONE))
		return T_EXIT_ERROR;
	test_words();
	test_ranges();
	munmap(pages, 3 * PAGE);
	return T_EXIT_PASS;
}

#else

/* Elsewhere poison.c drops no lines (line_drop() is empty). */
static int test_lines(void)
{
	return T_EXIT_PASS;
}

#endif

int main(void)
{
	int ret;

	test_nonce_fresh();
	ret = test_lines();
	if (ret != T_EXIT_PASS)
		return ret;
	CHECK_DONE();
}
