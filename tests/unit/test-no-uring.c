// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * io_uring refused, as a seccomp filter in a container refuses it: p2pcp
 * finds that before any write and says so (exit 3, the seccomp hint),
 * instead of reporting a write error at byte 0.  The filter makes
 * io_uring_setup() fail with EPERM, then with ENOSYS.
 *   test-no-uring P2PCP
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#if defined(__x86_64__)
#define THIS_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define THIS_ARCH AUDIT_ARCH_AARCH64
#endif

#define SIZE (1 << 20)

static char src_path[] = "no-uring-src-XXXXXX";
static char dst_path[] = "no-uring-dst-XXXXXX";

#ifdef THIS_ARCH
/* In the child: system call @nr fails with @err from now on. */
static int refuse_io_uring(int nr, int err)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, THIS_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned int)nr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K,
			 SECCOMP_RET_ERRNO | (err & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]),
				   .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/* Run p2pcp under the filter; its stderr goes to @err_path. */
static int run_refused(const char *p2pcp, int nr, int err, const char *err_path,
		       bool dry_run)
{
	int status, fd;
	pid_t pid = fork();

	if (pid == 0) {
		fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, 2) < 0 || refuse_io_uring(nr, err))
			_exit(99);
		execl(p2pcp, p2pcp, "--sysmem", dry_run ? "--dry-run" : "-q",
		      src_path, dst_path, (char *)NULL);
		_exit(98);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static bool file_has(const char *path, const char *text)
{
	static char buf[8192];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n < 0)
		return false;
	buf[n] = 0;
	if (!strstr(buf, text))
		fprintf(stderr, "stderr lacks '%s':\n%s", text, buf);
	return strstr(buf, text) != NULL;
}

static bool dst_all_zero(void)
{
	static char buf[SIZE], zero[SIZE];
	int fd = open(dst_path, O_RDONLY);
	bool ok = fd >= 0 && read(fd, buf, SIZE) == SIZE &&
		  !memcmp(buf, zero, SIZE);

	if (fd >= 0)
		close(fd);
	return ok;
}

int main(int argc, char **argv)
{
	static char data[SIZE];
	char err_path[] = "no-uring-err-XXXXXX";
	int fd, i;

	if (argc != 2)
		return T_EXIT_ERROR;
	for (i = 0; i < SIZE; i++)
		data[i] = (char)(i * 7 + 1);
	fd = mkstemp(src_path);
	CHECK(fd >= 0 && write(fd, data, SIZE) == SIZE);
	close(fd);
	fd = mkstemp(dst_path);
	CHECK(fd >= 0 && ftruncate(fd, SIZE) == 0);
	close(fd);
	fd = mkstemp(err_path);
	close(fd);

	CHECK(run_refused(argv[1], __NR_io_uring_setup, EPERM, err_path,
			  false) == 3);
	CHECK(file_has(err_path, "io_uring is not available"));
	CHECK(file_has(err_path, "seccomp"));
	CHECK(file_has(err_path, "nothing was written"));
	CHECK(dst_all_zero());
	CHECK(run_refused(argv[1], __NR_io_uring_setup, ENOSYS, err_path,
			  false) == 3);
	CHECK(file_has(err_path,
		       "io_uring is not available (Function not implemented)"));
	CHECK(dst_all_zero());
	/* A ring that is set up but cannot be entered is no better. */
	CHECK(run_refused(argv[1], __NR_io_uring_enter, EPERM, err_path,
			  false) == 3);
	CHECK(file_has(err_path, "io_uring is not available"));
	CHECK(dst_all_zero());
	/* The dry run asks the same (issue 18 item 5): exit 3, not 0. */
	CHECK(run_refused(argv[1], __NR_io_uring_setup, EPERM, err_path,
			  true) == 3);
	CHECK(file_has(err_path, "io_uring is not available"));
	CHECK(run_refused(argv[1], __NR_io_uring_enter, EPERM, err_path,
			  true) == 3);

	unlink(src_path);
	unlink(dst_path);
	unlink(err_path);
	CHECK_DONE();
}
#else
int main(void)
{
	fprintf(stderr, "no seccomp architecture constant for this CPU\n");
	return T_EXIT_SKIP;
}
#endif
