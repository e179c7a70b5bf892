// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Discovery against fake sysfs trees: NVMe namespaces and partitions
 * under a switch, a multipath head node, a loop device, p2pmem
 * providers in every state, and kernel configs.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "endpoint.h"
#include "p2pmem.h"
#include "platform.h"
#include "sysfs.h"
#include "util.h"

static char root[256];

static void mkdirs(const char *rel)
{
	char path[PATH_MAX], *p;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	for (p = path + strlen(root) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	mkdir(path, 0755);
}

static void put(const char *rel, const char *fmt, ...)
{
	char path[PATH_MAX], dir[PATH_MAX], *slash;
	va_list ap;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s", rel);
	slash = strrchr(dir, '/');
	*slash = '\0';
	mkdirs(dir);
	snprintf(path, sizeof(path), "%s%s", root, rel);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(T_EXIT_ERROR);
	}
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

/* mkfixtures.py's UNIT_NVME0. */
#define NVME0_PCI \
	"/sys/devices/pci0000:00/0000:00:02.0/0000:01:00.0/0000:02:01.0/0000:03:00.0"

/*
 * The tree comes from the project's one fake-sysfs builder,
 * tests/check/mkfixtures.py --unit-tree (which also builds p2p-check's).
 */
static int build_tree(const char *python, const char *builder)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		execl(python, python, builder, "--unit-tree", root,
		      (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void test_disks(void)
{
	struct disk_info d;
	struct pci_addr a;

	CHECK(disk_info_from_devnum(makedev(259, 0), &d) == 0);
	CHECK(!strcmp(d.name, "nvme0n1") && !d.part[0]);
	CHECK(d.kind == DISK_NVME);
	CHECK(!strcmp(d.ctrl, "nvme0"));
	CHECK(d.have_pci && d.pci.bus == 3 && d.pci.dev == 0 && d.pci.fn == 0);
	CHECK_EQ_U64(d.logical_block_size, 4096);
	CHECK_EQ_U64(d.size, 2097152ULL * 512);
	CHECK_EQ_U64(d.part_start, 0);

	CHECK(disk_info_from_devnum(makedev(259, 1), &d) == 0);
	CHECK(!strcmp(d.name, "nvme0n1") && !strcmp(d.part, "nvme0n1p1"));
	CHECK(d.kind == DISK_NVME && d.have_pci && d.pci.bus == 3);
	CHECK_EQ_U64(d.part_start, 2048ULL * 512);
	CHECK_EQ_U64(d.size, 1048576ULL * 512);
	CHECK_EQ_U64(d.logical_block_size, 4096);

	/* Each answer is whole: nothing is left of the one before. */
	CHECK(disk_info_from_devnum(makedev(259, 2), &d) == 0);
	CHECK(d.kind == DISK_NVME && d.pci.bus == 4 && !d.part[0]);
	CHECK_EQ_U64(d.logical_block_size, 512);
	CHECK_EQ_U64(d.part_start, 0);

	CHECK(disk_info_from_devnum(makedev(259, 3), &d) == 0);
	CHECK(d.kind == DISK_NVME_MULTIPATH && !d.have_pci && !d.ctrl[0]);
	CHECK(!strcmp(d.subsys, "nvme-subsys2"));

	CHECK(disk_info_from_devnum(makedev(259, 7), &d) == 0);
	CHECK(d.kind == DISK_OTHER && !d.ctrl[0] && d.have_pci);

	/*
	 * A namespace of an NVMe over fabrics controller (its directory
	 * under nvme-fabrics/ctl, not under a PCI function's "nvme"): no
	 * PCIe NVMe disk, and no controller named for one.
	 */
	CHECK(disk_info_from_devnum(makedev(259, 9), &d) == 0);
	CHECK(!strcmp(d.name, "nvme9n1"));
	CHECK(d.kind == DISK_OTHER && !d.ctrl[0] && !d.have_pci);

	/* Behind VMD the PCI domain is 10000, five hex digits. */
	CHECK(disk_info_from_devnum(makedev(259, 5), &d) == 0);
	CHECK(d.kind == DISK_NVME && !strcmp(d.ctrl, "nvme5"));
	CHECK(d.have_pci && d.pci.domain == 0x10000 && d.pci.bus == 0xe1);

	/* By name, as p2p-check resolves its arguments. */
	CHECK(disk_info_from_name("nvme0n1p1", &d) == 0);
	CHECK(d.kind == DISK_NVME && !strcmp(d.part, "nvme0n1p1"));
	CHECK(d.have_pci && d.pci.bus == 3);
	CHECK(disk_info_from_name("nvme9n9", &d) == -ENOENT);
	CHECK(disk_info_from_name("../nvme0n1", &d) == -EINVAL);

	CHECK(disk_info_from_devnum(makedev(7, 0), &d) == 0);
	CHECK(d.kind == DISK_OTHER && !d.have_pci);
	CHECK(!d.part[0] && !d.ctrl[0] && !d.subsys[0]);
	CHECK_EQ_U64(d.size, 4096);

	/* Broken entries are errors, never a disk of made-up geometry. */
	CHECK(disk_info_from_devnum(makedev(7, 1), &d) == -EINVAL);
	CHECK(disk_info_from_devnum(makedev(7, 2), &d) == -ENOENT);
	CHECK(disk_info_from_devnum(makedev(7, 3), &d) == -ENOENT);
	CHECK(disk_info_from_devnum(makedev(7, 4), &d) == -EINVAL);
	CHECK(disk_info_from_devnum(makedev(7, 8), &d) == -EINVAL);
	CHECK(disk_info_from_devnum(makedev(259, 6), &d) == -ENOENT);
	CHECK(disk_info_from_devnum(makedev(7, 9), &d) == -EXDEV);
	CHECK(disk_info_from_devnum(makedev(8, 0), &d) == -ENOENT);

	CHECK(p2p_nvme_ctrl_pci("nvme1", &a) == 0 && a.bus == 4);
	CHECK(p2p_nvme_ctrl_pci("nvme9", &a) == -ENODEV);
	CHECK(p2p_nvme_ctrl_pci("nvme7", &a) == -ENOENT);
	CHECK(p2p_nvme_ctrl_pci("../nvme0", &a) == -EINVAL);
}

static void test_providers(void)
{
	struct p2pmem_provider *list, one;
	struct p2pmem_map map;
	struct pci_addr a;
	size_t n;

	CHECK(p2pmem_list(&list, &n) == 0);
	CHECK_EQ_U64(n, 2);
	if (n == 2) {
		CHECK(list[0].addr.bus == 3 && list[1].addr.bus == 4);
		CHECK(list[0].published && !list[1].published);
		CHECK_EQ_U64(list[0].size, 64 * MIB);
		CHECK_EQ_U64(list[0].available, 60 * MIB);
		CHECK(list[0].has_allocate);
	}
	free(list);

	CHECK(pci_addr_parse("0000:01:00.0", &a) == 0);
	CHECK(p2pmem_provider_read(&a, &one) == -ENOENT);
	CHECK(pci_addr_parse("0000:03:00.0", &a) == 0);
	CHECK(p2pmem_provider_read(&a, &one) == 0 && one.published);

	/* A regular file is no p2pmem: the kernel-only mmap rules apply. */
	CHECK(p2pmem_map(&a, 4096, 8192, &map) == -EINVAL);
}

static void test_kconfig(const char *release)
{
	char src[PATH_MAX], path[PATH_MAX];
	gzFile gz;

	CHECK(kconfig_lookup("CONFIG_PCI_P2PDMA", release, src, sizeof(src)) ==
	      KCONFIG_UNKNOWN);
	put("/boot/config-6.1.0-test",
	    "CONFIG_PCI=y\n# CONFIG_PCI_P2PDMA is not set\n");
	CHECK(kconfig_lookup("CONFIG_PCI_P2PDMA", "6.1.0-test", src,
			     sizeof(src)) == KCONFIG_NO);
	CHECK(!strcmp(src, "/boot/config-6.1.0-test"));
	CHECK(kconfig_lookup("CONFIG_PCI", "6.1.0-test", src, sizeof(src)) ==
	      KCONFIG_YES);

	/* /proc/config.gz wins over /boot. */
	mkdirs("/proc");
	snprintf(path, sizeof(path), "%s/proc/config.gz", root);
	gz = gzopen(path, "wb");
	gzputs(gz,
	       "CONFIG_PCI_P2PDMA_X=y\nCONFIG_PCI_P2PDMA=y\nCONFIG_NVME_CORE=m\n");
	gzclose(gz);
	CHECK(kconfig_lookup("CONFIG_PCI_P2PDMA", "6.1.0-test", src,
			     sizeof(src)) == KCONFIG_YES);
	CHECK(!strcmp(src, "/proc/config.gz"));
	CHECK(kconfig_lookup("CONFIG_NVME_CORE", NULL, src, sizeof(src)) ==
	      KCONFIG_MODULE);
}

static void test_sysfs_root(void)
{
	char buf[PATH_MAX];
	uint64_t v;

	CHECK(sysfs_read_u64(NVME0_PCI "/p2pmem/size", &v) == 0);
	CHECK_EQ_U64(v, 64 * MIB);
	CHECK(sysfs_realpath("/sys/bus/pci/devices/0000:03:00.0", buf,
			     sizeof(buf)) == 0);
	CHECK(!strcmp(buf, NVME0_PCI));
	CHECK(sysfs_read_u64(
		      "/sys/devices/virtual/nvme-subsystem/nvme-subsys2/nvme2n1/queue",
		      &v) < 0);
	/* A link that leaves the fake tree is not followed out of it. */
	snprintf(buf, sizeof(buf), "%s/sys/escape", root);
	CHECK(symlink("/etc", buf) == 0);
	CHECK(sysfs_realpath("/sys/escape", buf, sizeof(buf)) == -EXDEV);
}

/* ROOT/@rel -> ROOT/@target, as the kernel links sysfs entries. */
static void link_to(const char *rel, const char *target)
{
	char path[PATH_MAX], dest[PATH_MAX], dir[PATH_MAX], *slash;

	snprintf(dir, sizeof(dir), "%s", rel);
	slash = strrchr(dir, '/');
	*slash = '\0';
	mkdirs(dir);
	snprintf(path, sizeof(path), "%s%s", root, rel);
	snprintf(dest, sizeof(dest), "%s%s", root, target);
	if (symlink(dest, path)) {
		perror(path);
		exit(T_EXIT_ERROR);
	}
}

/* A real regular file of @size bytes in the fake root (kept open). */
static int real_file(const char *rel, off_t size, struct stat *st)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, size) || fstat(fd, st)) {
		perror(path);
		exit(T_EXIT_ERROR);
	}
	return fd;
}

/*
 * The fake tree's disk for the real filesystem the test's files are on
 * (their st_dev): "fsdisk" with 4096-byte blocks, unless the tree has a
 * disk of that number already.  False if the number is a broken entry.
 */
static bool fake_fs_disk(dev_t dev, struct disk_info *d)
{
	const char *dir = "/sys/devices/virtual/block/fsdisk";
	char link[64];

	if (disk_info_from_devnum(dev, d) == 0)
		return true;
	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", major(dev),
		 minor(dev));
	if (sysfs_exists(link))
		return false;
	put("/sys/devices/virtual/block/fsdisk/size", "65536\n");
	put("/sys/devices/virtual/block/fsdisk/queue/logical_block_size",
	    "4096\n");
	link_to(link, dir);
	return disk_info_from_devnum(dev, d) == 0;
}

/* ROOT/sys/devices/virtual/block/@name/@attr holding @text. */
static void put_attr(const char *name, const char *attr, const char *text)
{
	char rel[PATH_MAX];

	snprintf(rel, sizeof(rel), "/sys/devices/virtual/block/%s/%s", name,
		 attr);
	put(rel, "%s", text);
}

/* A disk of @sectors as the block class shows it, @devnum "M:m". */
static void fake_disk(const char *name, const char *devnum,
		      unsigned int sectors)
{
	char dir[PATH_MAX], link[PATH_MAX], text[32];

	snprintf(text, sizeof(text), "%u\n", sectors);
	put_attr(name, "size", text);
	put_attr(name, "queue/logical_block_size", "512\n");
	snprintf(dir, sizeof(dir), "/sys/devices/virtual/block/%s", name);
	snprintf(link, sizeof(link), "/sys/dev/block/%s", devnum);
	link_to(link, dir);
	snprintf(link, sizeof(link), "/sys/block/%s", name);
	link_to(link, dir);
	snprintf(link, sizeof(link), "/sys/class/block/%s", name);
	link_to(link, dir);
}

/*
 * An attached loop device, as sysfs shows it: backed by the real file
 * ROOT/@file from byte 4096 on, with a size limit past the file's end
 * (the device is the 64 KiB the file has from there).
 */
static void fake_loop(const char *name, const char *devnum, const char *file)
{
	char text[PATH_MAX + 2];

	fake_disk(name, devnum, 128);
	snprintf(text, sizeof(text), "%s%s\n", root, file);
	put_attr(name, "loop/backing_file", text);
	put_attr(name, "loop/offset", "4096\n");
	put_attr(name, "loop/sizelimit", "1048576\n");
}

/* @name's slaves/ entry for @slave, as dm and md link them. */
static void fake_slave(const char *name, const char *slave)
{
	char link[PATH_MAX], dir[PATH_MAX];

	snprintf(link, sizeof(link), "/sys/devices/virtual/block/%s/slaves/%s",
		 name, slave);
	snprintf(dir, sizeof(dir), "/sys/devices/virtual/block/%s", slave);
	link_to(link, dir);
}

/*
 * A destination file that does not exist yet is described by its
 * directory's filesystem: its disk, and that disk's block size as the
 * alignment; none (512 bytes) where sysfs has no disk for it.
 */
static void check_new_file(bool have_disk, const struct disk_info *fs)
{
	char path[PATH_MAX];
	struct endpoint ep;

	snprintf(path, sizeof(path), "%s/files/new.bin", root);
	CHECK(endpoint_new_file(path, &ep) == 0);
	CHECK(ep.kind == ENDPOINT_FILE && ep.have_disk == have_disk);
	if (have_disk) {
		CHECK(!strcmp(ep.disk.name, fs->name));
		CHECK_EQ_U64(ep.dio_align, fs->logical_block_size);
	} else {
		CHECK_EQ_U64(ep.dio_align, 512);
	}
}

/*
 * An existing file's O_DIRECT alignment is what its filesystem reports
 * through statx, else its disk's block size; whatever its descriptor,
 * 0 included (p2pcp run with stdin closed).
 */
static void check_file_align(int fd, const struct disk_info *fs)
{
	uint32_t want = fs->logical_block_size;
	struct endpoint ep;
	int saved = dup(0);
#ifdef STATX_DIOALIGN
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) == 0 &&
	    (stx.stx_mask & STATX_DIOALIGN) && stx.stx_dio_offset_align)
		want = stx.stx_dio_offset_align;
#endif
	CHECK(endpoint_from_fd(fd, "backing.img", &ep) == 0);
	CHECK(ep.have_disk && !strcmp(ep.disk.name, fs->name));
	CHECK_EQ_U64(ep.dio_align, want);
	CHECK(dup2(fd, 0) == 0 && endpoint_from_fd(0, "stdin", &ep) == 0);
	CHECK_EQ_U64(ep.dio_align, want);
	if (saved >= 0) {
		dup2(saved, 0);
		close(saved);
	} else {
		close(0);
	}
}

/* Which file a loop device is backed by, as its sysfs entry says. */
static void check_backed_file(int backing_fd, int other_fd)
{
	struct endpoint ep;
	char name[64] = "";

	/* Under a fake root no /dev/loopN is opened: sysfs is the answer. */
	CHECK(endpoint_from_fd(backing_fd, "backing.img", &ep) == 0);
	CHECK(endpoint_backs_loop(&ep, name, sizeof(name)) == 1);
	CHECK(!strcmp(name, "loop5"));
	/* Same filesystem, another inode: not what loop5 writes to. */
	CHECK(endpoint_from_fd(other_fd, "other.img", &ep) == 0);
	CHECK(endpoint_backs_loop(&ep, name, sizeof(name)) == 0);
}

/*
 * loop5's storage: itself, its backing file from byte 4096 on, and the
 * filesystem that file lives on, which the raw disk under it reaches.
 * The structs start full of stale values: the stacks are built anew.
 */
static void check_loop_stack(const struct stat *backing,
			     const struct stat *other,
			     const struct disk_info *fs)
{
	struct storage_stack loop, file, disk;
	const struct storage_layer *where;

	memset(&loop, 1, sizeof(loop));
	CHECK(storage_of_device(makedev(7, 5), -1, &loop) == 0);
	CHECK_EQ_U64(loop.count, 3);
	CHECK(!loop.incomplete);
	CHECK(!strcmp(loop.layer[0].name, "loop5"));
	CHECK_EQ_U64(loop.layer[0].limit, 65536);
	CHECK(loop.layer[1].kind == LAYER_FILE);
	CHECK(loop.layer[1].ino == backing->st_ino);
	CHECK_EQ_U64(loop.layer[1].base, 4096);
	CHECK_EQ_U64(loop.layer[1].limit, 65536);
	CHECK(!strcmp(loop.layer[1].name, "loop5's backing file"));
	CHECK(loop.layer[2].kind == LAYER_DISK && loop.layer[2].map == MAP_FS);
	CHECK(!strcmp(loop.layer[2].name, fs->name));

	memset(&file, 1, sizeof(file));
	CHECK(storage_of_file(backing->st_dev, backing->st_ino, 65536, &file) ==
	      0);
	CHECK(storage_compare(&loop, 0, &file, 4096, 4096, &where) ==
	      STORAGE_OVERLAP);
	CHECK(where && !strcmp(where->name, "loop5's backing file"));
	CHECK(storage_compare(&loop, 0, &file, 0, 4096, &where) ==
	      STORAGE_DISJOINT);
	CHECK(storage_compare(&file, 0, &file, 0, 4096, &where) ==
	      STORAGE_OVERLAP);
	CHECK(where && !strcmp(where->name, "the same file"));
	/* The raw filesystem device holds the files' bytes somewhere. */
	CHECK(storage_of_device(fs->devnum, -1, &disk) == 0);
	CHECK(storage_compare(&disk, 0, &file, 0, 4096, &where) ==
	      STORAGE_UNKNOWN);
	CHECK(storage_compare(&disk, 0, &loop, 0, 4096, &where) ==
	      STORAGE_UNKNOWN);
	CHECK(where && !strcmp(where->name, fs->name));
	CHECK(storage_of_file(other->st_dev, other->st_ino, 65536, &file) == 0);
	CHECK(storage_compare(&loop, 0, &file, 4096, 4096, &where) ==
	      STORAGE_DISJOINT);
	CHECK(storage_of_device(makedev(8, 0), -1, &disk) == -ENOENT);
	CHECK(disk.incomplete);
	/*
	 * A size limit below the size sysfs shows (read at another moment)
	 * still bounds the part of the file the device reaches.
	 */
	fake_loop("loop6", "7:6", "/files/other.img");
	put_attr("loop6", "loop/sizelimit", "32768\n");
	storage_of_device(makedev(7, 6), -1, &loop);
	CHECK(loop.count == 3 && loop.layer[1].kind == LAYER_FILE);
	CHECK_EQ_U64(loop.layer[1].limit, 32768);
}

/*
 * dm-0 over loop5: where dm-0's bytes are in loop5 is not known, so
 * anywhere in loop5, and in loop5's part of its backing file.
 */
static void check_dm_stack(const struct stat *backing,
			   const struct disk_info *fs)
{
	struct storage_stack dm, other;
	const struct storage_layer *where;

	fake_disk("dm-0", "253:0", 128);
	fake_slave("dm-0", "loop5");
	CHECK(storage_of_device(makedev(253, 0), -1, &dm) == 0);
	CHECK_EQ_U64(dm.count, 4);
	CHECK(!dm.incomplete);
	CHECK(!strcmp(dm.layer[1].name, "loop5"));
	CHECK(dm.layer[1].map == MAP_WITHIN);
	CHECK(dm.layer[2].kind == LAYER_FILE && dm.layer[2].map == MAP_WITHIN);
	CHECK(dm.layer[3].map == MAP_FS && !strcmp(dm.layer[3].name, fs->name));

	storage_of_device(makedev(7, 5), -1, &other);
	CHECK(storage_compare(&dm, 0, &other, 32768, 4096, &where) ==
	      STORAGE_UNKNOWN);
	CHECK(where && !strcmp(where->name, "loop5"));
	/* In the backing file: loop5's 64 KiB from byte 4096, no more. */
	storage_of_file(backing->st_dev, backing->st_ino, 65536, &other);
	CHECK(storage_compare(&dm, 0, &other, 4096, 4096, &where) ==
	      STORAGE_UNKNOWN);
	CHECK(storage_compare(&dm, 0, &other, 131072, 4096, &where) ==
	      STORAGE_DISJOINT);
}

/*
 * Who else uses a destination's layers (issue 18 item 1): another loop
 * device on loop5's backing file; a dm device holding loop5 that is not
 * one of the stack's own.
 */
static void check_in_use(void)
{
	const char *held = "/sys/devices/virtual/block/loop5/holders/dm-3";
	const char *dm0 = "/sys/devices/virtual/block/dm-0";
	char path[PATH_MAX];
	struct storage_stack s, dm;
	struct storage_user u;

	storage_of_device(makedev(7, 5), -1, &s);
	storage_in_use(&s, &u);
	CHECK(u.use == USE_NONE && !u.layer[0]);
	fake_loop("loop8", "7:88", "/files/backing.img");
	storage_in_use(&s, &u);
	CHECK(u.use == USE_LOOP && !strcmp(u.by, "loop8"));
	CHECK(!strcmp(u.layer, "loop5's backing file"));
	/* Through dm-0: loop5 and its file are dm-0's own; loop8 is not. */
	storage_of_device(makedev(253, 0), -1, &dm);
	storage_in_use(&dm, &u);
	CHECK(u.use == USE_LOOP && !strcmp(u.by, "loop8"));
	snprintf(path, sizeof(path),
		 "%s/sys/devices/virtual/block/loop8/loop/backing_file", root);
	CHECK(unlink(path) == 0);
	storage_in_use(&dm, &u);
	CHECK(u.use == USE_NONE);
	/* loop5 held by dm-0 is dm-0's own; by dm-3 it is in use. */
	link_to("/sys/devices/virtual/block/loop5/holders/dm-0", dm0);
	storage_in_use(&dm, &u);
	CHECK(u.use == USE_NONE);
	link_to(held, dm0);
	storage_in_use(&dm, &u);
	CHECK(u.use == USE_HELD && !strcmp(u.by, "dm-3"));
	CHECK(!strcmp(u.layer, "loop5"));
	/* The top device's own holders are its opener's business (O_EXCL). */
	storage_in_use(&s, &u);
	CHECK(u.use == USE_NONE);
	snprintf(path, sizeof(path), "%s%s", root, held);
	CHECK(unlink(path) == 0);
}

/*
 * Stacks that go round in circles (sysfs never shows one; a broken tree
 * can) end, marked incomplete: dm-1 its own slave, and the filesystem
 * the test's files are on made a loop device backed by one of them.
 */
static void check_cycles(const struct stat *backing)
{
	char link[64], path[PATH_MAX];
	struct storage_stack s;

	fake_disk("dm-1", "253:1", 128);
	fake_slave("dm-1", "dm-1");
	storage_of_device(makedev(253, 1), -1, &s);
	CHECK(s.incomplete && s.count > 1 && s.count < STORAGE_MAX_LAYERS);

	fake_loop("loop9", "7:90", "/files/backing.img");
	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u",
		 major(backing->st_dev), minor(backing->st_dev));
	snprintf(path, sizeof(path), "%s%s", root, link);
	CHECK(unlink(path) == 0);
	link_to(link, "/sys/devices/virtual/block/loop9");
	storage_of_file(backing->st_dev, backing->st_ino, 65536, &s);
	CHECK(s.incomplete);
}

/*
 * A loop device whose sysfs entry cannot be read is storage p2pcp
 * cannot see (overlap unknown); one with no backing file is detached,
 * and the file it had is free again.
 */
static void check_loop_states(int backing_fd)
{
	struct storage_stack s;
	struct endpoint ep;
	char path[PATH_MAX], name[64];

	fake_disk("loop7", "7:7", 128);
	mkdirs("/sys/devices/virtual/block/loop7/loop/backing_file");
	storage_of_device(makedev(7, 7), -1, &s);
	CHECK(s.incomplete);

	snprintf(path, sizeof(path),
		 "%s/sys/devices/virtual/block/loop5/loop/backing_file", root);
	CHECK(unlink(path) == 0);
	storage_of_device(makedev(7, 5), -1, &s);
	CHECK(s.count == 1 && !s.incomplete);
	CHECK(endpoint_from_fd(backing_fd, "backing.img", &ep) == 0);
	CHECK(endpoint_backs_loop(&ep, name, sizeof(name)) == 0);
}

/* A root too long for any sysfs path finds no loop device using a file. */
static void check_root_too_long(const struct endpoint *ep)
{
	static char long_root[PATH_MAX - 4];
	char name[64];

	memset(long_root, 'r', sizeof(long_root) - 1);
	sysfs_set_root(long_root);
	CHECK(endpoint_backs_loop(ep, name, sizeof(name)) <= 0);
	sysfs_set_root(root);
}

/* A loop device over a real file, and that file's filesystem's disk. */
static void test_loop_backing(void)
{
	struct stat backing, other;
	struct disk_info fs;
	struct endpoint ep;
	char name[64];
	int backing_fd, other_fd;

	mkdirs("/files");
	backing_fd = real_file("/files/backing.img", 65536 + 4096, &backing);
	other_fd = real_file("/files/other.img", 65536, &other);
	/* No block class in the tree: no answer, rather than "none". */
	CHECK(endpoint_from_fd(backing_fd, "backing.img", &ep) == 0);
	CHECK(endpoint_backs_loop(&ep, name, sizeof(name)) == -ENOENT);
	check_root_too_long(&ep);
	if (disk_info_from_devnum(backing.st_dev, &fs) != 0)
		check_new_file(false, NULL);
	if (!fake_fs_disk(backing.st_dev, &fs)) {
		fprintf(stderr,
			"the fake tree has a broken %u:%u: loop checks skipped\n",
			major(backing.st_dev), minor(backing.st_dev));
	} else {
		check_new_file(true, &fs);
		check_file_align(backing_fd, &fs);
		fake_loop("loop5", "7:5", "/files/backing.img");
		check_backed_file(backing_fd, other_fd);
		check_loop_stack(&backing, &other, &fs);
		check_dm_stack(&backing, &fs);
		check_in_use();
		check_loop_states(backing_fd);
		check_cycles(&backing);
	}
	close(backing_fd);
	close(other_fd);
}

/* sysfs_read_u64() and sysfs_read_s64(): a whole number or -EINVAL. */
static void test_integers(void)
{
	static const struct {
		const char *text;
		int u_ret, s_ret;
		int64_t value;
	} cases[] = {
		{ "42\n", 0, 0, 42 },
		{ "0x10", 0, 0, 16 },
		{ "-1", -EINVAL, 0, -1 },
		{ "12abc", -EINVAL, -EINVAL, 0 },
		{ "", -EINVAL, -EINVAL, 0 },
		{ "99999999999999999999", -EINVAL, -EINVAL, 0 },
	};
	uint64_t u;
	int64_t v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		put("/sys/test/number", "%s", cases[i].text);
		CHECK(sysfs_read_u64("/sys/test/number", &u) == cases[i].u_ret);
		if (!cases[i].u_ret)
			CHECK_EQ_U64(u, cases[i].value);
		CHECK(sysfs_read_s64("/sys/test/number", &v) == cases[i].s_ret);
		if (!cases[i].s_ret)
			CHECK(v == cases[i].value);
	}
}

int main(int argc, char **argv)
{
	char cmd[PATH_MAX + 16];
	char tmpl[] = "/tmp/p2pcp-fixture-XXXXXX";
	bool built;

	if (argc != 3 || !mkdtemp(tmpl))
		return T_EXIT_ERROR;
	snprintf(root, sizeof(root), "%s", tmpl);
	built = !build_tree(argv[1], argv[2]);
	if (built) {
		sysfs_set_root(root);
		test_sysfs_root();
		test_integers();
		test_disks();
		test_providers();
		test_loop_backing();
		test_kconfig("6.9.9-none");
	} else {
		fprintf(stderr, "%s --unit-tree %s failed\n", argv[2], root);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) || !built)
		return T_EXIT_ERROR;
	CHECK_DONE();
}
