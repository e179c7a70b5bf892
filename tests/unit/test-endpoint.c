// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Endpoints (blockdev.h) on the real filesystem of the build directory:
 * what an open descriptor is taken for, the directory a missing
 * destination file would live in, the read-only and O_DIRECT switches.
 * Library callers get these answers directly, so they are checked here
 * and not only through p2pcp's front-end, which opens first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blockdev.h"
#include "check.h"

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
	int fd;

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

	/* A directory name longer than a path may be. */
	memset(path, 'd', PATH_MAX + 8);
	strcpy(path + PATH_MAX + 8, "/x");
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
	rmdir(scratch);
	CHECK_DONE();
}
