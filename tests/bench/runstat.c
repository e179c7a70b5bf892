// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * runstat: run a command and report what it cost, for the benchmark.
 *
 *   runstat OUTFILE CMD [ARGS...]
 *
 * Runs CMD with its stdin, stdout and stderr untouched, then writes one
 * JSON line to OUTFILE (truncated): wall-clock seconds, user and system
 * CPU seconds and peak RSS of CMD and its children (wait4), and CMD's
 * exit status.  Exits with CMD's status.  Works where no /usr/bin/time
 * is installed (the lab guest has only busybox).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double tv(const struct timeval *t)
{
	return (double)t->tv_sec + (double)t->tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	struct rusage ru;
	int status, code;
	double t0, wall;
	pid_t pid;
	FILE *out;

	if (argc < 3) {
		fprintf(stderr, "usage: runstat OUTFILE CMD [ARGS...]\n");
		return 2;
	}
	out = fopen(argv[1], "w");
	if (!out) {
		fprintf(stderr, "runstat: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	t0 = mono();
	pid = fork();
	if (pid < 0) {
		perror("runstat: fork");
		return 2;
	}
	if (pid == 0) {
		fclose(out);
		execvp(argv[2], argv + 2);
		fprintf(stderr, "runstat: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("runstat: wait4");
			return 2;
		}
	}
	wall = mono() - t0;
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	fprintf(out,
		"{\"wall_s\":%.6f,\"user_s\":%.6f,\"sys_s\":%.6f,"
		"\"maxrss_kib\":%ld,\"exit\":%d}\n",
		wall, tv(&ru.ru_utime), tv(&ru.ru_stime), ru.ru_maxrss, code);
	fclose(out);
	return code;
}
