// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A standalone driver for the fuzz targets when libFuzzer is not there
 * (gcc, the ASan/UBSan build): runs every seed file, then -runs=N
 * random mutations of them (bit flips, interesting bytes, inserted,
 * deleted, repeated and spliced runs), seeded by -seed=S.  The input
 * that fails is saved to ./fuzz-failure-<pid> for replay:
 *
 *     fuzz-TARGET [-runs=N] [-seed=S] [-max_len=N] FILE|DIR...
 *
 * It is not coverage-guided: libfuzzer.sh runs the same targets under
 * libFuzzer where clang has it.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"

struct input {
	uint8_t *data;
	size_t size;
};

static struct input *corpus;
static size_t corpus_count;
static const uint8_t *current;
static size_t current_size;
static size_t max_len = 4096;

extern void __sanitizer_set_death_callback(void (*cb)(void))
	__attribute__((weak));

/* Async-signal-safe: keep the input that failed. */
static void save_current(void)
{
	char name[64] = "fuzz-failure-";
	char digits[16];
	int fd, n = 0, i;
	pid_t pid = getpid();

	do {
		digits[n++] = (char)('0' + pid % 10);
		pid /= 10;
	} while (pid && n < (int)sizeof(digits));
	for (i = 0; i < n; i++)
		name[13 + i] = digits[n - 1 - i];
	name[13 + n] = '\0';
	fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return;
	/* A dying process: a failed write has nobody left to tell. */
	if (write(fd, current, current_size) < 0 ||
	    write(2, "fuzz: input saved to ", 21) < 0 ||
	    write(2, name, strlen(name)) < 0 || write(2, "\n", 1) < 0) {
		close(fd);
		return;
	}
	close(fd);
}

static void on_fatal(int sig)
{
	save_current();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void add_input(const uint8_t *data, size_t size)
{
	struct input *grown;

	grown = realloc(corpus, (corpus_count + 1) * sizeof(*corpus));
	if (!grown)
		abort();
	corpus = grown;
	corpus[corpus_count].data = malloc(size ? size : 1);
	if (!corpus[corpus_count].data)
		abort();
	memcpy(corpus[corpus_count].data, data, size);
	corpus[corpus_count++].size = size;
}

static void load_file(const char *path)
{
	uint8_t *buf = malloc(max_len);
	ssize_t n;
	int fd;

	if (!buf)
		abort();
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(path);
		exit(1);
	}
	n = read(fd, buf, max_len);
	close(fd);
	if (n < 0) {
		perror(path);
		exit(1);
	}
	add_input(buf, (size_t)n);
	free(buf);
}

static void load_path(const char *path)
{
	char child[PATH_MAX];
	struct dirent **names;
	struct stat st;
	int n, i;

	if (stat(path, &st)) {
		perror(path);
		exit(1);
	}
	if (!S_ISDIR(st.st_mode)) {
		load_file(path);
		return;
	}
	/* Sorted, so that a seed replays the same mutations. */
	n = scandir(path, &names, NULL, alphasort);
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			snprintf(child, sizeof(child), "%s/%s", path,
				 names[i]->d_name);
			load_path(child);
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
}

static void run_one(const uint8_t *data, size_t size)
{
	current = data;
	current_size = size;
	LLVMFuzzerTestOneInput(data, size);
}

/* xorshift64*: the driver's own generator, so runs replay everywhere. */
static uint64_t rng_state = 1;

static uint64_t rnd(uint64_t n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return n ? (rng_state * 0x2545F4914F6CDD1DULL >> 11) % n : 0;
}

static const uint8_t interesting[] = { 0,    1,	   '0',	 '9', 'x', 'f',
				       ':',  '.',  '\n', ' ', '-', 0x7f,
				       0x80, 0xff, '=',	 's' };

static size_t mutate_once(uint8_t *buf, size_t size)
{
	size_t pos = size ? rnd(size) : 0, len, k;
	const struct input *other;

	switch (rnd(7)) {
	case 0: /* flip a bit */
		if (size)
			buf[pos] ^= (uint8_t)(1u << rnd(8));
		return size;
	case 1: /* an interesting byte */
		if (size)
			buf[pos] = interesting[rnd(sizeof(interesting))];
		return size;
	case 2: /* insert bytes */
		len = 1 + rnd(8);
		if (size + len > max_len)
			return size;
		memmove(buf + pos + len, buf + pos, size - pos);
		for (k = 0; k < len; k++)
			buf[pos + k] =
				rnd(2) ? (uint8_t)rnd(256) :
					 interesting[rnd(sizeof(interesting))];
		return size + len;
	case 3: /* delete bytes */
		len = 1 + rnd(size - pos > 16 ? 16 : size - pos + 1);
		if (pos + len > size)
			return size;
		memmove(buf + pos, buf + pos + len, size - pos - len);
		return size - len;
	case 4: /* repeat a run */
		len = 1 + rnd(32);
		if (pos + len > size || size + len > max_len)
			return size;
		memmove(buf + pos + len, buf + pos, size - pos);
		return size + len;
	case 5: /* splice in a piece of another input */
		other = &corpus[rnd(corpus_count)];
		if (!other->size)
			return size;
		len = 1 + rnd(other->size > 64 ? 64 : other->size);
		if (pos + len > max_len)
			return size;
		memcpy(buf + pos, other->data + rnd(other->size - len + 1),
		       len);
		return pos + len > size ? pos + len : size;
	default: /* a random byte */
		if (size)
			buf[pos] = (uint8_t)rnd(256);
		return size;
	}
}

int main(int argc, char **argv)
{
	unsigned long runs = 2000, seed = 0, i;
	uint8_t *buf;
	size_t size;
	int a, m;

	for (a = 1; a < argc; a++) {
		if (!strncmp(argv[a], "-runs=", 6))
			runs = strtoul(argv[a] + 6, NULL, 10);
		else if (!strncmp(argv[a], "-seed=", 6))
			seed = strtoul(argv[a] + 6, NULL, 10);
		else if (!strncmp(argv[a], "-max_len=", 9))
			max_len = strtoul(argv[a] + 9, NULL, 10);
		else if (argv[a][0] == '-')
			continue; /* a libFuzzer flag this driver ignores */
		else
			load_path(argv[a]);
	}
	if (getenv("FUZZ_RUNS"))
		runs = strtoul(getenv("FUZZ_RUNS"), NULL, 10);
	if (max_len < 64)
		max_len = 64;
	if (!corpus_count)
		add_input((const uint8_t *)"", 0);
	if (!seed)
		seed = (unsigned long)time(NULL) ^
		       ((unsigned long)getpid() << 16);
	/* Printed first, so that a run that dies can be replayed. */
	printf("%s: %zu seed inputs, %lu mutations, -seed=%lu\n", argv[0],
	       corpus_count, runs, seed);
	fflush(stdout);
	signal(SIGABRT, on_fatal);
	signal(SIGSEGV, on_fatal);
	signal(SIGBUS, on_fatal);
	signal(SIGFPE, on_fatal);
	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(save_current);

	for (i = 0; i < corpus_count; i++)
		run_one(corpus[i].data, corpus[i].size);
	buf = malloc(max_len);
	if (!buf)
		abort();
	rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;
	for (i = 0; i < runs; i++) {
		const struct input *in = &corpus[rnd(corpus_count)];

		size = in->size < max_len ? in->size : max_len;
		memcpy(buf, in->data, size);
		for (m = 1 + (int)rnd(4); m > 0; m--)
			size = mutate_once(buf, size);
		run_one(buf, size);
	}
	printf("%s: passed\n", argv[0]);
	free(buf);
	return 0;
}
