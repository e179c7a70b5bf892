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
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "loopdev.h"
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
	/* A verdict is written whole, whatever the caller's held before. */
	memset(&v, 0xa5, sizeof(v));
	CHECK(safety_check_source(&ep, &v) == SAFE);
	CHECK(v.why == SAFE && v.error == 0 && v.fd == 0);
	CHECK(!(fcntl(fd, F_GETFL) & O_DIRECT));
	close(fd);
	unlink(path);
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
	memset(&v, 0xa5, sizeof(v));
	CHECK(safety_check_destination(&ep, false, &v) == DST_IS_OUTPUT);
	CHECK(v.fd == out && v.error == 0 && !v.layer[0] && !v.by[0]);
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
	/* A verdict is written whole, whatever the caller's held before. */
	memset(&v, 0xa5, sizeof(v));
	CHECK(safety_check_destination_direct(&ep, &v) == SAFE);
	CHECK(v.why == SAFE && v.error == 0 && v.fd == 0);
	CHECK(!v.layer[0] && !v.by[0]);
	close(fd);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	unlink(path);
	unlink(other);
}

static void test_new_file_probe(void)
{
	char path[PATH_MAX], longer[PATH_MAX + 16];
	int direct, root_direct, ret;
	struct stat st;

	snprintf(path, sizeof(path), "%s/new.bin", scratch);
	CHECK(safety_probe_new_file(path, &direct) == 0 && direct == 0);
	CHECK(stat(path, &st) == -1 && errno == ENOENT);
	snprintf(path, sizeof(path), "%s/missing/new.bin", scratch);
	CHECK(safety_probe_new_file(path, &direct) == -ENOENT);
	CHECK(safety_probe_new_file("/proc/self/status/new.bin", &direct) ==
	      -ENOTDIR);
	/* A file in / is asked of / itself (as "/." names it). */
	ret = safety_probe_new_file("/new.bin", &direct);
	CHECK(ret == safety_probe_new_file("/./new.bin", &root_direct));
	CHECK(direct == root_direct);
	/* A directory name longer than a path may be. */
	memset(longer, 'd', sizeof(longer));
	snprintf(longer + sizeof(longer) - 9, 9, "/new.bin");
	CHECK(safety_probe_new_file(longer, &direct) == -ENAMETOOLONG);
}

/*
 * A filesystem without O_TMPFILE (procfs) refuses the unnamed file only
 * after it found the directory writable and searchable on a writable
 * mount: the probe then says what access(2) says, and O_DIRECT unknown.
 */
static void test_new_file_without_tmpfile(void)
{
	int direct = 1, expected = 0;

	if (faccessat(AT_FDCWD, "/proc", W_OK | X_OK, AT_EACCESS))
		expected = -errno;
	CHECK_EQ_U64(-safety_probe_new_file("/proc/new.bin", &direct),
		     -expected);
	CHECK(direct == 0);
}

/* BLKROGET failing on what was taken for a block device: a refusal. */
static void test_open_destination_asked(void)
{
	struct endpoint ep = { .kind = ENDPOINT_BLOCK, .fd = -1 };
	struct safety_verdict v;
	char path[64];

	snprintf(path, sizeof(path), "%s/not-a-disk", scratch);
	ep.fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	CHECK(ep.fd >= 0);
	CHECK(safety_check_destination(&ep, false, &v) == DST_BLKROGET_FAILED);
	CHECK(v.error == -ENOTTY);
	close(ep.fd);
	unlink(path);
}

/*
 * safety_check_destination_direct of the file open as @fd, on
 * descriptor 0 (stdin put back after), named @name.
 */
static enum safety_reason direct_on_stdin(int fd, const char *name)
{
	struct safety_verdict v;
	struct endpoint ep;
	enum safety_reason why = SAFE;
	int saved = dup(0);

	CHECK(dup2(fd, 0) == 0);
	if (endpoint_from_fd(0, name, &ep) == 0)
		why = safety_check_destination_direct(&ep, &v);
	else
		CHECK(!"an endpoint on descriptor 0");
	if (saved >= 0) {
		dup2(saved, 0);
		close(saved);
	} else {
		close(0);
	}
	return why;
}

/*
 * In @dir, a ramfs (no O_DIRECT) mounted in this child's own mount
 * namespace: a new file there is refused for a dry run, an open one
 * there is refused.  A destination the caller opened is asked through
 * its descriptor, even descriptor 0, whatever its name says.
 */
static int in_ramfs(const void *arg)
{
	struct safety_verdict v;
	char path[64], other[64];
	struct endpoint ep;
	int direct, fd;

	const char *dir = arg;

	if (private_mount_namespace() ||
	    mount("p2pcp-test", dir, "ramfs", 0, NULL)) {
		perror("ramfs in a mount namespace");
		return T_EXIT_SKIP;
	}
	snprintf(path, sizeof(path), "%s/new.bin", dir);
	CHECK(safety_probe_new_file(path, &direct) == 0);
	CHECK(direct == -EINVAL);
	CHECK(endpoint_new_file(path, &ep) == 0 && ep.fd == -1);
	CHECK(safety_check_destination_direct(&ep, &v) == DST_NO_DIRECT_IO);
	CHECK(v.error == -EINVAL);
	CHECK(safety_check_destination(&ep, false, &v) == DST_NO_DIRECT_IO);

	fd = open_ep(path, O_RDWR | O_CREAT, &ep);
	CHECK(fd >= 0);
	CHECK(safety_check_destination(&ep, false, &v) == DST_NO_DIRECT_IO);
	CHECK(v.error == -EINVAL);
	/* On descriptor 0, named as a new file elsewhere. */
	snprintf(other, sizeof(other), "%s/elsewhere", scratch);
	CHECK(direct_on_stdin(fd, other) == DST_NO_DIRECT_IO);
	close(fd);
	unlink(path);

	fd = open_ep(other, O_RDWR | O_CREAT, &ep);
	CHECK(fd >= 0);
	if (fd >= 0 && safety_check_destination_direct(&ep, &v) == SAFE) {
		CHECK(direct_on_stdin(fd, path) == SAFE);
	} else {
		fprintf(stderr, "no O_DIRECT in %s: descriptor 0 not asked\n",
			scratch);
	}
	if (fd >= 0)
		close(fd);
	unlink(other);
	return check_failures ? T_EXIT_FAIL : T_EXIT_PASS;
}

static void test_without_direct_io(void)
{
	char dir[64];

	snprintf(dir, sizeof(dir), "%s/ramfs", scratch);
	CHECK(mkdir(dir, 0700) == 0);
	check_in_child(in_ramfs, dir, "no ramfs of our own: O_DIRECT refusals");
	rmdir(dir);
}

/*
 * LOOP_CLR_FD only marks loop device @number for detaching at its last
 * close; an opener of its own (udev probing the new device) may hold it
 * a moment longer, and until then its backing_file stays.  Wait for it
 * (at most 5 s) so the next check sees the device gone, as a user who
 * ran losetup -d and waited would.
 */
static void gone_when_released(int number)
{
	char path[64];
	int tries;

	snprintf(path, sizeof(path), "/sys/block/loop%d/loop/backing_file",
		 number);
	for (tries = 0; tries < 500 && access(path, F_OK) == 0; tries++)
		usleep(10000);
}

/*
 * The same block device named by another node (a container's own /dev,
 * mknod in the scratch directory) is the same device: it backs loop
 * device @name as @ep does.  Devices are compared by number, not by
 * the node's inode.
 */
static void check_backs_loop_by_other_node(const struct endpoint *ep,
					   const char *name)
{
	char node[64], by[32] = "";
	struct endpoint other;

	snprintf(node, sizeof(node), "%s/node", scratch);
	if (mknod(node, S_IFBLK | 0600, ep->st_rdev)) {
		perror("mknod: other node of a block DST not checked");
		return;
	}
	CHECK(endpoint_resolve(node, &other) == 0);
	CHECK(other.st_ino != ep->st_ino);
	CHECK(endpoint_backs_loop(&other, by, sizeof(by)) == 1);
	CHECK(!strcmp(by, name));
	unlink(node);
}

/*
 * Read-only block device @ep at descriptor 0, as a library caller's
 * descriptor may be: asked like any other, and read-only.
 */
static void check_read_only_at_fd0(const struct endpoint *ep)
{
	struct endpoint at0 = *ep;
	int saved = dup(0);
	bool ro = false;

	CHECK(saved >= 0 && dup2(ep->fd, 0) == 0);
	at0.fd = 0;
	CHECK(endpoint_read_only(&at0, &ro) == 0);
	CHECK(ro);
	if (saved >= 0) {
		dup2(saved, 0);
		close(saved);
	}
}

/*
 * Block device DST @ep refused while another loop device is set up on
 * it, and while it is read-only (BLKROSET, as blockdev --setro).
 */
static void check_in_use_or_read_only(const struct endpoint *ep)
{
	struct safety_verdict v;
	int other, number, on = 1, off = 0;
	char name[32];

	other = loopdev_attach(ep->fd, 0, 0, &number);
	if (other >= 0) {
		snprintf(name, sizeof(name), "loop%d", number);
		CHECK(safety_check_destination(ep, true, &v) == DST_BACKS_LOOP);
		CHECK(!strcmp(v.by, name));
		check_backs_loop_by_other_node(ep, name);
		CHECK(ioctl(other, LOOP_CLR_FD) == 0);
		close(other);
		gone_when_released(number);
	} else {
		fprintf(stderr,
			"no second loop device: DST backing one not checked\n");
	}
	CHECK(ioctl(ep->fd, BLKROSET, &on) == 0);
	CHECK(safety_check_destination(ep, true, &v) == DST_READ_ONLY);
	check_read_only_at_fd0(ep);
	CHECK(ioctl(ep->fd, BLKROSET, &off) == 0);
	CHECK(safety_check_destination(ep, true, &v) == SAFE);
}

/*
 * A loop device as DST, opened as p2pcp opens it: with nothing on it,
 * safe; with a filesystem, refused for its signature unless forced;
 * with another volume's descriptor inside that filesystem, refused for
 * the contradicting signatures.  The image is written through the
 * device, so the probes see what was written.
 */
static void test_block_destination(void)
{
	static const char iso[] = "\x01"
				  "CD001\x01";
	char image[64], dev[32], cmd[128];
	struct safety_verdict v;
	struct endpoint ep;
	int file, fd, number;

	if (getuid()) {
		fprintf(stderr, "not root: no loop device as DST\n");
		return;
	}
	snprintf(image, sizeof(image), "%s/disk.img", scratch);
	file = open(image, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	CHECK(file >= 0 && ftruncate(file, 8 << 20) == 0);
	fd = file >= 0 ? loopdev_attach(file, LO_FLAGS_AUTOCLEAR, 0, &number) :
			 -1;
	if (file >= 0)
		close(file);
	unlink(image);
	if (fd < 0) {
		fprintf(stderr, "no loop device to set up: no block DST\n");
		return;
	}
	snprintf(dev, sizeof(dev), "/dev/loop%d", number);
	CHECK(endpoint_from_fd(fd, dev, &ep) == 0 && ep.kind == ENDPOINT_BLOCK);
	endpoint_storage(&ep);
	CHECK(safety_check_destination(&ep, false, &v) == SAFE);
	check_in_use_or_read_only(&ep);

	snprintf(cmd, sizeof(cmd), "mke2fs -q -F -t ext4 %s >/dev/null 2>&1",
		 dev);
	if (system(cmd)) {
		fprintf(stderr, "mke2fs failed: no signature on a block DST\n");
		close(fd);
		return;
	}
	CHECK(safety_check_destination(&ep, false, &v) == DST_SIGNATURE);
	CHECK(!strcmp(v.sig.type, "ext4"));
	CHECK(safety_check_destination(&ep, true, &v) == SAFE);
	CHECK(pwrite(fd, iso, sizeof(iso) - 1, 32768) == sizeof(iso) - 1);
	CHECK(safety_check_destination(&ep, false, &v) ==
	      DST_SIGNATURES_CONTRADICT);
	CHECK(!strcmp(v.sig.type, "several"));
	CHECK(safety_check_destination(&ep, true, &v) == SAFE);
	close(fd);
}

int main(void)
{
	if (!mkdtemp(scratch))
		return T_EXIT_ERROR;
	test_source();
	test_destination();
	test_new_file_probe();
	test_new_file_without_tmpfile();
	test_open_destination_asked();
	test_without_direct_io();
	test_block_destination();
	rmdir(scratch);
	CHECK_DONE();
}
