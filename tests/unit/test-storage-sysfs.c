// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Storage stacks read from a fake sysfs tree, for what the fixtures'
 * tree (test-fixtures.c) does not show: a loop device's backing that
 * cannot be read, loop devices over block devices (device nodes made
 * with mknod, whose numbers the tree describes), which loop devices
 * use a partition, the filesystems with no block device as mountinfo
 * names them, and a real loop device's own answer.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "blockdev.h"
#include "check.h"
#include "fakeroot.h"
#include "loopdev.h"
#include "storage.h"
#include "sysfs.h"

#define MIB (1024ULL * 1024)
#define BLOCK "/sys/devices/virtual/block/"

/* The real path of ROOT/@rel. */
static const char *in_root(const char *rel)
{
	static char path[4][1024];
	static int next;
	char *p = path[next++ % 4];

	snprintf(p, sizeof(path[0]), "%s%s", fake_root, rel);
	return p;
}

/* ROOT/@rel -> ROOT/@target (an absolute link into the tree). */
static void link_in_tree(const char *rel, const char *target)
{
	char dest[1024], dir[512], *slash;

	snprintf(dir, sizeof(dir), "%s", rel);
	slash = strrchr(dir, '/');
	*slash = '\0';
	fake_mkpath(dir);
	snprintf(dest, sizeof(dest), "%s%s", fake_root, target);
	if (access(in_root(rel), F_OK))
		fake_link(dest, rel);
}

static void put_u64(const char *dir, const char *attr, unsigned long long v)
{
	char rel[512], text[32];

	snprintf(rel, sizeof(rel), "%s/%s", dir, attr);
	snprintf(text, sizeof(text), "%llu\n", v);
	fake_put(rel, text);
}

/* The "M:m" @devnum of the device at @dir, as its dev attribute says. */
static void put_devnum(const char *dir, const char *devnum)
{
	char rel[512], text[32];

	snprintf(rel, sizeof(rel), "%s/dev", dir);
	snprintf(text, sizeof(text), "%s\n", devnum);
	fake_put(rel, text);
}

/* A whole disk @name, "M:m" @devnum, of @bytes. */
static void disk(const char *name, const char *devnum, uint64_t bytes)
{
	char dir[256], rel[512];

	snprintf(dir, sizeof(dir), BLOCK "%s", name);
	put_u64(dir, "size", bytes / 512);
	put_u64(dir, "queue/logical_block_size", 512);
	put_devnum(dir, devnum);
	snprintf(rel, sizeof(rel), "/sys/dev/block/%s", devnum);
	link_in_tree(rel, dir);
	snprintf(rel, sizeof(rel), "/sys/block/%s", name);
	link_in_tree(rel, dir);
	snprintf(rel, sizeof(rel), "/sys/class/block/%s", name);
	link_in_tree(rel, dir);
}

/* Partition @name of @disk_name from byte @start, @bytes long. */
static void partition(const char *disk_name, const char *name,
		      const char *devnum, uint64_t start, uint64_t bytes)
{
	char dir[256], rel[512];

	snprintf(dir, sizeof(dir), BLOCK "%s/%s", disk_name, name);
	put_u64(dir, "partition", 1);
	put_u64(dir, "start", start / 512);
	put_u64(dir, "size", bytes / 512);
	put_devnum(dir, devnum);
	snprintf(rel, sizeof(rel), "/sys/dev/block/%s", devnum);
	link_in_tree(rel, dir);
	snprintf(rel, sizeof(rel), "/sys/class/block/%s", name);
	link_in_tree(rel, dir);
}

/*
 * Disk @name of 8 MiB, number @major:0, with partitions @name1 (@major:1)
 * from 1 MiB and @name2 (@major:2) from 3 MiB, of 2 MiB each.
 */
static void two_partitions(const char *name, unsigned int major)
{
	char part[32], devnum[16];
	int i;

	snprintf(devnum, sizeof(devnum), "%u:0", major);
	disk(name, devnum, 8 * MIB);
	for (i = 1; i <= 2; i++) {
		snprintf(part, sizeof(part), "%s%d", name, i);
		snprintf(devnum, sizeof(devnum), "%u:%d", major, i);
		partition(name, part, devnum, (2 * i - 1) * MIB, 2 * MIB);
	}
}

/* Loop device @name of @bytes set up on @backing (a real path). */
static void loop(const char *name, const char *devnum, uint64_t bytes,
		 const char *backing, uint64_t offset)
{
	char dir[256], rel[512], text[1024];

	disk(name, devnum, bytes);
	snprintf(dir, sizeof(dir), BLOCK "%s", name);
	snprintf(rel, sizeof(rel), "%s/loop/backing_file", dir);
	snprintf(text, sizeof(text), "%s\n", backing);
	fake_put(rel, text);
	put_u64(dir, "loop/offset", offset);
	put_u64(dir, "loop/sizelimit", 0);
}

/*
 * A block device node ROOT/@rel for @dev, which need not exist: the
 * backing's numbers are all storage.c asks of it.  False when this
 * system does not let the test make one.
 */
static bool node(const char *rel, dev_t dev)
{
	fake_mkpath("/nodes");
	return mknod(in_root(rel), S_IFBLK | 0600, dev) == 0;
}

/*
 * A backing that cannot be read is never "not attached" (-ENOENT,
 * which callers take as nothing below): a file that is gone is stale,
 * one that cannot be looked up says why, and an offset or size limit
 * that cannot be read is an error too.
 */
static void test_backing_errors(void)
{
	struct loop_backing b;
	struct stat st;
	int fd;

	fake_mkpath("/files");
	fd = open(in_root("/files/a.img"), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	CHECK(fd >= 0 && fstat(fd, &st) == 0);
	if (fd >= 0)
		close(fd);

	CHECK(storage_loop_backing("loop1", -1, &b) == -ENOENT);
	loop("loop1", "7:1", 4 * MIB, in_root("/files/gone.img"), 0);
	CHECK(storage_loop_backing("loop1", -1, &b) == -ESTALE);
	loop("loop1", "7:1", 4 * MIB, in_root("/files/a.img/x"), 0);
	CHECK(storage_loop_backing("loop1", -1, &b) == -ENOTDIR);

	loop("loop1", "7:1", 4 * MIB, in_root("/files/a.img"), 4096);
	put_u64(BLOCK "loop1", "loop/sizelimit", 8192);
	memset(&b, 0xff, sizeof(b));
	CHECK(storage_loop_backing("loop1", -1, &b) == 0);
	CHECK(b.dev == st.st_dev && b.ino == st.st_ino && b.rdev == 0);
	CHECK_EQ_U64(b.offset, 4096);
	CHECK_EQ_U64(b.sizelimit, 8192);

	CHECK(unlink(in_root(BLOCK "loop1/loop/sizelimit")) == 0);
	CHECK(storage_loop_backing("loop1", -1, &b) == -EIO);
	CHECK(unlink(in_root(BLOCK "loop1/loop/offset")) == 0);
	put_u64(BLOCK "loop1", "loop/sizelimit", 0);
	CHECK(storage_loop_backing("loop1", -1, &b) == -EIO);
	/* A stack through it cannot be complete. */
	{
		struct storage_stack s;

		CHECK(storage_of_device(makedev(7, 1), -1, &s) == 0);
		CHECK(s.incomplete && s.count == 1);
	}
	CHECK(unlink(in_root(BLOCK "loop1/loop/backing_file")) == 0);
}

/*
 * Loop devices over a block device: loop byte x is the device's byte
 * offset + x, for as long as both have bytes.  An offset past the
 * device's end reaches nothing known: the whole device is assumed.
 */
static void test_loop_over_device(void)
{
	struct storage_stack s;
	struct loop_backing b;

	disk("sdz", "250:0", 8 * MIB);
	partition("sdz", "sdz1", "250:1", 1 * MIB, 2 * MIB);
	if (!node("/nodes/sdz", makedev(250, 0)) ||
	    !node("/nodes/sdz1", makedev(250, 1))) {
		fprintf(stderr,
			"mknod refused: loop-over-device checks skipped\n");
		return;
	}
	loop("loop2", "7:2", 2 * MIB, in_root("/nodes/sdz"), 1 * MIB);
	CHECK(storage_loop_backing("loop2", -1, &b) == 0);
	CHECK(b.rdev == makedev(250, 0) && b.offset == MIB);
	CHECK(storage_of_device(makedev(7, 2), -1, &s) == 0);
	CHECK(!s.incomplete);
	CHECK_EQ_U64(s.count, 2);
	CHECK(!strcmp(s.layer[1].name, "sdz") && s.layer[1].map == MAP_EXACT);
	CHECK_EQ_U64(s.layer[1].base, 1 * MIB);
	CHECK_EQ_U64(s.layer[1].limit, 2 * MIB);

	loop("loop3", "7:3", 2 * MIB, in_root("/nodes/sdz"), 16 * MIB);
	CHECK(storage_of_device(makedev(7, 3), -1, &s) == 0);
	CHECK_EQ_U64(s.count, 2);
	CHECK_EQ_U64(s.layer[1].base, 16 * MIB);
	CHECK_EQ_U64(s.layer[1].limit, 8 * MIB);

	/* On a partition: its disk, from the partition's start on. */
	loop("loop4", "7:4", 4 * MIB, in_root("/nodes/sdz1"), 0);
	CHECK(storage_of_device(makedev(7, 4), -1, &s) == 0);
	CHECK_EQ_U64(s.count, 2);
	CHECK(!strcmp(s.layer[1].name, "sdz") && s.layer[1].partition);
	CHECK(s.layer[1].devnum == makedev(250, 1));
	CHECK_EQ_U64(s.layer[1].base, 1 * MIB);
	CHECK_EQ_U64(s.layer[1].limit, 2 * MIB);

	/* A backing device sysfs does not describe: nothing is known. */
	CHECK(node("/nodes/gone", makedev(250, 9)));
	loop("loop5", "7:5", 2 * MIB, in_root("/nodes/gone"), 0);
	CHECK(storage_of_device(makedev(7, 5), -1, &s) == 0);
	CHECK(s.incomplete && s.count == 1);
	CHECK(unlink(in_root(BLOCK "loop5/loop/backing_file")) == 0);
}

/*
 * Who else writes into a partition: a loop device on that partition or
 * on its whole disk, not one on another partition of the same disk.
 */
static void test_partition_users(void)
{
	struct storage_stack s;
	struct storage_user u;

	two_partitions("sdy", 251);
	if (!node("/nodes/sdy", makedev(251, 0)) ||
	    !node("/nodes/sdy1", makedev(251, 1)) ||
	    !node("/nodes/sdy2", makedev(251, 2))) {
		fprintf(stderr, "mknod refused: partition users skipped\n");
		return;
	}
	CHECK(storage_of_device(makedev(251, 1), -1, &s) == 0);
	CHECK(s.count == 1 && s.layer[0].partition);

	loop("loop6", "7:6", 2 * MIB, in_root("/nodes/sdy2"), 0);
	storage_in_use(&s, &u);
	CHECK(u.use == USE_NONE);

	loop("loop7", "7:7", 2 * MIB, in_root("/nodes/sdy1"), 0);
	storage_in_use(&s, &u);
	CHECK(u.use == USE_LOOP && !strcmp(u.by, "loop7"));
	CHECK(!strcmp(u.layer, "sdy"));
	CHECK(unlink(in_root(BLOCK "loop7/loop/backing_file")) == 0);

	loop("loop8", "7:8", 2 * MIB, in_root("/nodes/sdy"), 0);
	storage_in_use(&s, &u);
	CHECK(u.use == USE_LOOP && !strcmp(u.by, "loop8"));
	CHECK(unlink(in_root(BLOCK "loop8/loop/backing_file")) == 0);
	CHECK(unlink(in_root(BLOCK "loop6/loop/backing_file")) == 0);
}

/*
 * The loop devices @names (none attached yet) in the order a scan of
 * ROOT/sys/block meets them, which is the order storage_in_use asks
 * them in; false when one is missing from the scan.
 */
static bool scan_order(const char *const *names, int n, const char **order)
{
	struct dirent *de;
	int found = 0, i;
	DIR *d = opendir(in_root("/sys/block"));

	while (d && (de = readdir(d)))
		for (i = 0; i < n; i++)
			if (!strcmp(de->d_name, names[i]))
				order[found++] = names[i];
	if (d)
		closedir(d);
	return found == n;
}

/* Loop device @name (made by loop()) set up on @backing from now on. */
static void attach(const char *name, const char *backing)
{
	char rel[256], text[1024];

	snprintf(rel, sizeof(rel), BLOCK "%s/loop/backing_file", name);
	snprintf(text, sizeof(text), "%s\n", backing);
	fake_put(rel, text);
}

/* Loop device @name set up on nothing. */
static void detach(const char *name)
{
	char rel[256];

	snprintf(rel, sizeof(rel), BLOCK "%s/loop/backing_file", name);
	CHECK(unlink(in_root(rel)) == 0);
}

/*
 * A loop device that does not use the layer asked about does not end
 * the search: one on a file, on another disk or on a block device
 * (asked about a file), and one whose backing cannot be read, all met
 * before the one that uses the layer.
 */
static void test_users_after_others(void)
{
	static const char *const names[] = { "loop20", "loop21", "loop22",
					     "loop23" };
	const char *order[4];
	struct storage_stack s;
	struct storage_user u;
	struct stat img;
	int fd, i;

	disk("sdx", "252:0", 8 * MIB);
	disk("sdw", "253:0", 8 * MIB);
	if (!node("/nodes/sdx", makedev(252, 0)) ||
	    !node("/nodes/sdw", makedev(253, 0))) {
		fprintf(stderr, "mknod refused: users after others skipped\n");
		return;
	}
	fd = open(in_root("/files/x.img"), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	CHECK(fd >= 0 && fstat(fd, &img) == 0);
	if (fd >= 0)
		close(fd);
	close(open(in_root("/files/y.img"), O_CREAT | O_RDWR | O_CLOEXEC,
		   0600));
	for (i = 0; i < 4; i++) {
		char devnum[16];

		snprintf(devnum, sizeof(devnum), "7:%d", 20 + i);
		loop(names[i], devnum, MIB, in_root("/files/x.img"), 0);
		detach(names[i]);
	}
	CHECK(scan_order(names, 4, order));

	/* Who else writes into disk sdx: the last loop device met. */
	CHECK(storage_of_device(makedev(252, 0), -1, &s) == 0);
	attach(order[0], in_root("/files/x.img"));
	attach(order[1], in_root("/nodes/sdw"));
	attach(order[2], in_root("/files/gone.img"));
	attach(order[3], in_root("/nodes/sdx"));
	storage_in_use(&s, &u);
	CHECK(u.use == USE_LOOP && !strcmp(u.by, order[3]));
	CHECK(!strcmp(u.layer, "sdx"));

	/* Who else writes into file x.img: the last loop device met. */
	CHECK(storage_of_file(img.st_dev, img.st_ino, 0, &s) == 0);
	attach(order[0], in_root("/nodes/sdx"));
	attach(order[1], in_root("/files/y.img"));
	attach(order[3], in_root("/files/x.img"));
	storage_in_use(&s, &u);
	CHECK(u.use == USE_LOOP && !strcmp(u.by, order[3]));
	CHECK(!strcmp(u.layer, "the same file"));

	for (i = 0; i < 4; i++)
		detach(names[i]);
}

/*
 * A partition below a loop device is held by a dm or md device when
 * the partition's own holders/ says so; one holding another partition
 * of the disk holds none of its bytes.
 */
static void test_partition_holders(void)
{
	struct storage_stack s;
	struct storage_user u;

	two_partitions("sdv", 249);
	if (!node("/nodes/sdv1", makedev(249, 1))) {
		fprintf(stderr, "mknod refused: partition holders skipped\n");
		return;
	}
	loop("loop30", "7:30", 2 * MIB, in_root("/nodes/sdv1"), 0);
	CHECK(storage_of_device(makedev(7, 30), -1, &s) == 0);
	CHECK(s.count == 2 && s.layer[1].partition);

	fake_mkpath(BLOCK "sdv/sdv2/holders/dm-7");
	storage_in_use(&s, &u);
	CHECK(u.use == USE_NONE);
	fake_mkpath(BLOCK "sdv/sdv1/holders/dm-8");
	storage_in_use(&s, &u);
	CHECK(u.use == USE_HELD && !strcmp(u.by, "dm-8"));
	CHECK(!strcmp(u.layer, "sdv"));
	detach("loop30");
}

/*
 * A dm device's slave is known by its name, and by name a partition
 * is its disk with the partition's own number (its dev attribute):
 * whatever else holds that partition holds some of the dm device.
 */
static void test_slave_partition(void)
{
	struct storage_stack s;
	struct storage_user u;
	struct disk_info info;

	disk("sdu", "248:0", 8 * MIB);
	partition("sdu", "sdu1", "248:1", 1 * MIB, 2 * MIB);
	CHECK(disk_info_from_name("sdu1", &info) == 0);
	CHECK(!strcmp(info.name, "sdu") && !strcmp(info.part, "sdu1"));
	CHECK(info.devnum == makedev(248, 1));
	CHECK_EQ_U64(info.part_start, 1 * MIB);

	disk("dm-5", "254:5", 2 * MIB);
	link_in_tree(BLOCK "dm-5/slaves/sdu1", BLOCK "sdu/sdu1");
	CHECK(storage_of_device(makedev(254, 5), -1, &s) == 0);
	CHECK(s.count == 2 && !s.incomplete);
	CHECK(!strcmp(s.layer[1].name, "sdu") && s.layer[1].partition);
	CHECK(s.layer[1].devnum == makedev(248, 1));
	CHECK(s.layer[1].map == MAP_WITHIN);
	/* Held by the dm device itself: its own business. */
	fake_mkpath(BLOCK "sdu/sdu1/holders/dm-5");
	storage_in_use(&s, &u);
	CHECK(u.use == USE_NONE);
	fake_mkpath(BLOCK "sdu/sdu1/holders/dm-6");
	storage_in_use(&s, &u);
	CHECK(u.use == USE_HELD && !strcmp(u.by, "dm-6"));
}

/*
 * The disk a file's filesystem is on is the filesystem's business: a
 * loop device on that disk is no user of the file (that the file backs
 * a loop device, or two files share bytes, is asked otherwise).
 */
static void test_filesystem_disk_not_asked(void)
{
	struct storage_stack s;
	struct storage_user u;

	disk("sdt", "247:0", 8 * MIB);
	if (!node("/nodes/sdt", makedev(247, 0))) {
		fprintf(stderr, "mknod refused: filesystem disk skipped\n");
		return;
	}
	CHECK(storage_of_file(makedev(247, 0), 12, 4096, &s) == 0);
	CHECK(s.count == 2 && s.layer[1].map == MAP_FS);
	CHECK(!strcmp(s.layer[1].name, "sdt"));
	loop("loop40", "7:40", 8 * MIB, in_root("/nodes/sdt"), 0);
	storage_in_use(&s, &u);
	CHECK(u.use == USE_NONE);
	detach("loop40");
}

/* The filesystem layer of a file on device @dev (not in sysfs). */
static void file_on(dev_t dev, ino_t ino, struct storage_stack *s)
{
	memset(s, 0xff, sizeof(*s));
	CHECK(storage_of_file(dev, ino, 4096, s) == 0);
}

/*
 * A filesystem with no block device is named by its type from
 * mountinfo (the third field is the device number, the type follows
 * " - "); memory filesystems hold nothing below; a device number sysfs
 * shows but cannot describe leaves the stack incomplete.
 */
static void test_filesystems_without_disk(void)
{
	struct storage_stack s;

	file_on(makedev(0, 45), 10, &s);
	CHECK(s.count == 2 && !s.incomplete);
	CHECK(s.layer[1].kind == LAYER_NODEV &&
	      !strcmp(s.layer[1].name, "an unmounted filesystem (0:45)"));

	fake_put("/proc/self/mountinfo",
		 "22 1 0:4 / /proc rw - proc proc rw\n"
		 "30 1 0:45 / /merged rw,relatime - overlay overlay rw\n"
		 "31 1 0:46 / /run rw shared:5 - tmpfs tmpfs rw\n"
		 "32 1 0:47 / /mnt/f rw - fuse.sshfs host:/ rw\n"
		 "broken line\n");
	file_on(makedev(0, 45), 10, &s);
	CHECK(s.count == 2 && s.layer[0].kind == LAYER_FILE);
	CHECK(s.layer[0].dev == makedev(0, 45) && s.layer[0].ino == 10);
	CHECK(s.layer[1].kind == LAYER_NODEV && s.layer[1].map == MAP_FS);
	CHECK(s.layer[1].dev == makedev(0, 45));
	CHECK(!strcmp(s.layer[1].name, "an overlay filesystem (0:45)"));
	file_on(makedev(0, 47), 10, &s);
	CHECK(s.count == 2 &&
	      !strcmp(s.layer[1].name, "a fuse.sshfs filesystem (0:47)"));
	file_on(makedev(0, 48), 10, &s);
	CHECK(s.count == 2 &&
	      !strcmp(s.layer[1].name, "an unmounted filesystem (0:48)"));
	/* tmpfs keeps the bytes itself; no inode, no file layer. */
	file_on(makedev(0, 46), 10, &s);
	CHECK(s.count == 1 && !s.incomplete);
	file_on(makedev(0, 46), 0, &s);
	CHECK(s.count == 0 && !s.incomplete);

	/* In sysfs, but with a size that is no number: not knowable. */
	fake_put(BLOCK "broken/size", "many\n");
	link_in_tree("/sys/dev/block/0:49", BLOCK "broken");
	file_on(makedev(0, 49), 10, &s);
	CHECK(s.count == 1 && s.incomplete);
}

/*
 * A real loop device's descriptor is asked first: its answer stands
 * whatever the (here empty) sysfs tree says of that name.  Needs
 * /dev/loop-control and the right to set a device up.
 */
static void test_loop_descriptor(void)
{
	struct loop_backing b;
	struct stat st;
	int file, fd, n, saved;

	file = open(in_root("/files/a.img"), O_RDWR | O_CLOEXEC);
	if (file < 0 || ftruncate(file, MIB) || fstat(file, &st)) {
		CHECK(!"the backing file");
		return;
	}
	fd = loopdev_attach(file, 0, 4096, &n);
	close(file);
	if (fd < 0) {
		fprintf(stderr,
			"no loop device to set up: descriptor check skipped\n");
		return;
	}
	CHECK(storage_loop_backing("loop-not-in-tree", fd, &b) == 0);
	CHECK(b.dev == st.st_dev && b.ino == st.st_ino && b.rdev == 0);
	CHECK_EQ_U64(b.offset, 4096);
	/* Descriptor 0 is a descriptor like any other (stdin put back). */
	saved = dup(0);
	CHECK(dup2(fd, 0) == 0);
	memset(&b, 0, sizeof(b));
	CHECK(storage_loop_backing("loop-not-in-tree", 0, &b) == 0);
	CHECK(b.ino == st.st_ino && b.offset == 4096);
	if (saved >= 0) {
		dup2(saved, 0);
		close(saved);
	} else {
		close(0);
	}
	ioctl(fd, LOOP_CLR_FD);
	close(fd);
}

int main(void)
{
	if (fake_root_make("p2pcp-storage-sysfs"))
		return T_EXIT_ERROR;
	sysfs_set_root(fake_root);
	test_backing_errors();
	test_loop_over_device();
	test_partition_users();
	test_users_after_others();
	test_partition_holders();
	test_slave_partition();
	test_filesystem_disk_not_asked();
	test_filesystems_without_disk();
	test_loop_descriptor();
	fake_root_remove();
	CHECK_DONE();
}
