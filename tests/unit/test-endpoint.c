// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Endpoints (blockdev.h) on the real filesystem of the build directory:
 * what an open descriptor is taken for, the directory a missing
 * destination file would live in, the read-only and O_DIRECT switches.
 * Library callers get these answers directly, so they are checked here
 * and not only through p2pcp's front-end, which opens first.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "check.h"
#include "endpoint.h"
#include "fakeroot.h"
#include "sysfs.h"

static char scratch[] = "endpoint-XXXXXX";

/*
 * A file yet to be created is on the disk of its directory's
 * filesystem: the one a file that exists there is described by (none
 * on tmpfs or overlayfs).
 */
static void check_same_disk(const struct endpoint *new_file)
{
	char file[64];
	struct endpoint ep;
	int fd;

	snprintf(file, sizeof(file), "%s/existing", scratch);
	fd = open(file, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	CHECK(fd >= 0);
	CHECK(endpoint_from_fd(fd, file, &ep) == 0);
	CHECK(new_file->have_disk == ep.have_disk);
	if (ep.have_disk) {
		CHECK(!strcmp(new_file->disk.name, ep.disk.name));
		CHECK_EQ_U64(new_file->disk.logical_block_size,
			     ep.disk.logical_block_size);
	}
	close(fd);
	unlink(file);
}

static void test_new_file(void)
{
	char path[PATH_MAX + 64], file[64];
	struct endpoint ep;
	struct stat here, root;
	int fd, i;

	CHECK(stat(".", &here) == 0 && stat("/", &root) == 0);

	/* No slash: the current directory's filesystem. */
	CHECK(endpoint_new_file("new.bin", &ep) == 0);
	CHECK(ep.kind == ENDPOINT_FILE && ep.fd == -1);
	CHECK(ep.st_dev == here.st_dev && ep.size == 0);
	CHECK(!strcmp(ep.path, "new.bin"));
	CHECK(ep.dio_align >= 512 && !(ep.dio_align & (ep.dio_align - 1)));

	CHECK(endpoint_new_file("/new.bin", &ep) == 0);
	CHECK(ep.st_dev == root.st_dev);

	snprintf(path, sizeof(path), "%s/new.bin", scratch);
	CHECK(endpoint_new_file(path, &ep) == 0);
	CHECK(ep.st_dev == here.st_dev);
	check_same_disk(&ep);

	/* A "directory" that is a regular file, or is missing. */
	snprintf(file, sizeof(file), "%s/file", scratch);
	fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	CHECK(fd >= 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/new.bin", file);
	CHECK_EQ_U64(-endpoint_new_file(path, &ep), ENOTDIR);
	snprintf(path, sizeof(path), "%s/missing/new.bin", scratch);
	CHECK_EQ_U64(-endpoint_new_file(path, &ep), ENOENT);

	/*
	 * A directory name longer than a path may be, of short components:
	 * cut to PATH_MAX it would be a path the kernel looks up (ENOENT).
	 */
	for (i = 0; i < PATH_MAX + 8; i += 2)
		memcpy(path + i, "d/", 2);
	strcpy(path + PATH_MAX + 8, "x");
	CHECK_EQ_U64(-endpoint_new_file(path, &ep), ENAMETOOLONG);
	unlink(file);
}

/* A regular file is taken by what its descriptor is, with its size. */
static void test_from_fd(void)
{
	char file[64], fifo[64];
	struct endpoint ep;
	struct stat st;
	bool ro = true;
	int fd;

	snprintf(file, sizeof(file), "%s/data", scratch);
	fd = open(file, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	CHECK(fd >= 0 && ftruncate(fd, 12345) == 0 && fstat(fd, &st) == 0);
	CHECK(endpoint_from_fd(fd, "named-anything", &ep) == 0);
	CHECK(ep.kind == ENDPOINT_FILE && ep.fd == fd);
	CHECK_EQ_U64(ep.size, 12345);
	CHECK(ep.st_dev == st.st_dev && ep.st_ino == st.st_ino);
	CHECK(!strcmp(ep.path, "named-anything"));
	CHECK(endpoint_read_only(&ep, &ro) == 0 && !ro);
	close(fd);
	unlink(file);

	/* Neither a regular file nor a block device. */
	snprintf(fifo, sizeof(fifo), "%s/fifo", scratch);
	CHECK(mkfifo(fifo, 0600) == 0);
	fd = open(fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK_EQ_U64(-endpoint_from_fd(fd, fifo, &ep), ENOTBLK);
	close(fd);
	unlink(fifo);
	fd = open(scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK_EQ_U64(-endpoint_from_fd(fd, scratch, &ep), ENOTBLK);
	close(fd);
	CHECK_EQ_U64(-endpoint_from_fd(-1, "closed", &ep), EBADF);
}

/*
 * Every field is set by the call, whatever the caller's struct held: a
 * stale "created" would have the file unlinked, stale layers compared.
 */
static void test_fields_reset(void)
{
	char file[64];
	struct endpoint ep;
	int fd;

	snprintf(file, sizeof(file), "%s/reset", scratch);
	fd = open(file, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	CHECK(fd >= 0 && ftruncate(fd, 4096) == 0);

	memset(&ep, 1, sizeof(ep));
	CHECK(endpoint_resolve(file, &ep) == 0);
	CHECK(ep.kind == ENDPOINT_FILE && ep.fd == -1 && !ep.created);
	CHECK(ep.storage.count == 0 && !ep.storage.incomplete);
	CHECK_EQ_U64(ep.size, 4096);

	memset(&ep, 1, sizeof(ep));
	CHECK(endpoint_from_fd(fd, file, &ep) == 0);
	CHECK(ep.fd == fd && !ep.created && ep.storage.count == 0);

	memset(&ep, 1, sizeof(ep));
	CHECK(endpoint_new_file("new.bin", &ep) == 0);
	CHECK(ep.size == 0 && ep.st_ino == 0 && ep.st_rdev == 0);
	CHECK(!ep.created && ep.storage.count == 0);

	CHECK_EQ_U64(-endpoint_resolve("no-such-file", &ep), ENOENT);
	close(fd);
	unlink(file);
}

/* "/x" is in /, whatever the current directory is on. */
static void test_new_file_in_root(void)
{
	int here = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat root, proc;
	struct endpoint ep;

	CHECK(here >= 0 && stat("/", &root) == 0);
	if (chdir("/proc") || stat(".", &proc)) {
		fprintf(stderr,
			"no /proc: \"/x\" not checked from elsewhere\n");
	} else {
		CHECK(endpoint_new_file("x", &ep) == 0 &&
		      ep.st_dev == proc.st_dev);
		CHECK(endpoint_new_file("/x", &ep) == 0 &&
		      ep.st_dev == root.st_dev);
	}
	CHECK(fchdir(here) == 0);
	close(here);
}

/*
 * Asking which loop device a file backs opens each /dev/loopN (as root)
 * and gives every descriptor back: CHECK_DONE counts them.
 */
static void test_loop_scan_descriptors(void)
{
	char file[64], name[64];
	struct endpoint ep;
	int fd;

	snprintf(file, sizeof(file), "%s/unattached", scratch);
	fd = open(file, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	CHECK(fd >= 0 && endpoint_from_fd(fd, file, &ep) == 0);
	CHECK(endpoint_backs_loop(&ep, name, sizeof(name)) == 0);
	close(fd);
	unlink(file);
	/* A file yet to be created backs nothing. */
	CHECK(endpoint_new_file(file, &ep) == 0);
	CHECK(endpoint_backs_loop(&ep, name, sizeof(name)) == 0);
}

/* BLKROGET on what is no block device is an error, never "writable". */
static void test_read_only_errors(void)
{
	char file[64];
	struct endpoint ep = { .kind = ENDPOINT_BLOCK };
	bool ro = true;
	int saved;

	snprintf(file, sizeof(file), "%s/not-a-disk", scratch);
	ep.fd = open(file, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	CHECK(ep.fd >= 0);
	CHECK_EQ_U64(-endpoint_read_only(&ep, &ro), ENOTTY);
	/* Descriptor 0 is a descriptor like any other (stdin closed). */
	saved = dup(0);
	CHECK(dup2(ep.fd, 0) == 0);
	close(ep.fd);
	ep.fd = 0;
	CHECK_EQ_U64(-endpoint_read_only(&ep, &ro), ENOTTY);
	if (saved >= 0) {
		dup2(saved, 0);
		close(saved);
	} else {
		close(0);
	}
	unlink(file);
}

/* O_DIRECT goes on and off, and asking for the current state is no-op. */
static void test_set_direct(void)
{
	char file[64];
	struct endpoint ep = { .fd = -1 };
	int fd;

	snprintf(file, sizeof(file), "%s/direct", scratch);
	fd = open(file, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	CHECK(fd >= 0);
	ep.fd = fd;
	if (endpoint_set_direct(&ep, true) == -EINVAL) {
		fprintf(stderr, "no O_DIRECT here: switch not checked\n");
	} else {
		CHECK(fcntl(fd, F_GETFL) & O_DIRECT);
		CHECK(endpoint_set_direct(&ep, true) == 0);
		CHECK(fcntl(fd, F_GETFL) & O_DIRECT);
		CHECK(endpoint_set_direct(&ep, false) == 0);
		CHECK(!(fcntl(fd, F_GETFL) & O_DIRECT));
		CHECK(fcntl(fd, F_GETFL) & O_RDWR);
	}
	CHECK(endpoint_set_direct(&ep, false) == 0);
	close(fd);
	unlink(file);
	ep.fd = -1;
	CHECK_EQ_U64(-endpoint_set_direct(&ep, true), EBADF);
	/* procfs takes no O_DIRECT: the refusal is the answer. */
	ep.fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (ep.fd >= 0) {
		CHECK_EQ_U64(-endpoint_set_direct(&ep, true), EINVAL);
		CHECK(!(fcntl(ep.fd, F_GETFL) & O_DIRECT));
		close(ep.fd);
	}
}

/*
 * A block device node is described by its disk's sysfs entry: size and
 * O_DIRECT alignment from there.  Without one (a node whose number no
 * device has) it is an error, never a disk of made-up geometry.  The
 * node is made in the scratch directory, the disk in a fake sysfs root.
 */
static void test_block_node(void)
{
	const char *disk = "/sys/devices/virtual/block/fakeblk";
	char node[64], link[64], target[256];
	dev_t devnum = makedev(7, 200);
	struct endpoint ep;

	snprintf(node, sizeof(node), "%s/blk", scratch);
	if (mknod(node, S_IFBLK | 0600, devnum)) {
		perror("mknod: block device node not checked");
		return;
	}
	if (fake_root_make("endpoint-block"))
		exit(T_EXIT_ERROR);
	snprintf(target, sizeof(target), "%s/size", disk);
	fake_put(target, "32\n");
	snprintf(target, sizeof(target), "%s/queue/logical_block_size", disk);
	fake_put(target, "4096\n");
	fake_mkpath("/sys/dev/block");
	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", major(devnum),
		 minor(devnum));
	snprintf(target, sizeof(target), "%s%s", fake_root, disk);
	fake_link(target, link);
	sysfs_set_root(fake_root);

	CHECK(endpoint_resolve(node, &ep) == 0);
	CHECK(ep.kind == ENDPOINT_BLOCK && ep.st_rdev == devnum);
	CHECK(ep.have_disk && !strcmp(ep.disk.name, "fakeblk"));
	CHECK_EQ_U64(ep.size, 32 * 512);
	CHECK_EQ_U64(ep.dio_align, 4096);

	snprintf(target, sizeof(target), "%s%s", fake_root, link);
	CHECK(unlink(target) == 0);
	CHECK(endpoint_resolve(node, &ep) == -ENOENT);

	sysfs_set_root(getenv("P2PCP_SYSROOT"));
	fake_root_remove();
	unlink(node);
}

int main(void)
{
	if (!mkdtemp(scratch)) {
		perror("mkdtemp");
		return T_EXIT_ERROR;
	}
	test_new_file();
	test_from_fd();
	test_set_direct();
	test_fields_reset();
	test_new_file_in_root();
	test_loop_scan_descriptors();
	test_read_only_errors();
	test_block_node();
	rmdir(scratch);
	CHECK_DONE();
}
