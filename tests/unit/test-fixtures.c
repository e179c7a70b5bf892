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

#include "blockdev.h"
#include "check.h"
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

	CHECK(disk_info_from_devnum(makedev(259, 1), &d) == 0);
	CHECK(!strcmp(d.name, "nvme0n1") && !strcmp(d.part, "nvme0n1p1"));
	CHECK(d.kind == DISK_NVME && d.have_pci && d.pci.bus == 3);
	CHECK_EQ_U64(d.part_start, 2048ULL * 512);
	CHECK_EQ_U64(d.size, 1048576ULL * 512);
	CHECK_EQ_U64(d.logical_block_size, 4096);

	CHECK(disk_info_from_devnum(makedev(259, 2), &d) == 0);
	CHECK(d.kind == DISK_NVME && d.pci.bus == 4);
	CHECK_EQ_U64(d.logical_block_size, 512);

	CHECK(disk_info_from_devnum(makedev(259, 3), &d) == 0);
	CHECK(d.kind == DISK_NVME_MULTIPATH && !d.have_pci);
	CHECK(!strcmp(d.subsys, "nvme-subsys2"));

	/* By name, as p2p-check resolves its arguments. */
	CHECK(disk_info_from_name("nvme0n1p1", &d) == 0);
	CHECK(d.kind == DISK_NVME && !strcmp(d.part, "nvme0n1p1"));
	CHECK(d.have_pci && d.pci.bus == 3);
	CHECK(disk_info_from_name("nvme9n9", &d) == -ENOENT);
	CHECK(disk_info_from_name("../nvme0n1", &d) == -EINVAL);

	CHECK(disk_info_from_devnum(makedev(7, 0), &d) == 0);
	CHECK(d.kind == DISK_OTHER && !d.have_pci);
	CHECK_EQ_U64(d.size, 4096);

	CHECK(disk_info_from_devnum(makedev(7, 1), &d) == -EINVAL);
	/* No size attribute: the size is unknown, not 0 bytes. */
	CHECK(disk_info_from_devnum(makedev(7, 2), &d) == -ENOENT);
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

/*
 * loop5, 64 KiB, backed by the real file ROOT/@file from byte 4096 on,
 * as sysfs shows an attached loop device.
 */
static void fake_loop(const char *file)
{
	const char *dir = "/sys/devices/virtual/block/loop5";

	put("/sys/devices/virtual/block/loop5/size", "128\n");
	put("/sys/devices/virtual/block/loop5/queue/logical_block_size",
	    "512\n");
	put("/sys/devices/virtual/block/loop5/loop/backing_file", "%s%s\n",
	    root, file);
	put("/sys/devices/virtual/block/loop5/loop/offset", "4096\n");
	put("/sys/devices/virtual/block/loop5/loop/sizelimit", "0\n");
	link_to("/sys/dev/block/7:5", dir);
	link_to("/sys/block/loop5", dir);
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

/* Which file a loop device is backed by, as its sysfs entry says. */
static void check_backed_file(int backing_fd, int other_fd)
{
	struct endpoint ep;
	char name[64] = "";

	/* Under a fake root no /dev/loopN is opened: sysfs is the answer. */
	CHECK(endpoint_from_fd(backing_fd, "backing.img", &ep) == 0);
	CHECK(file_loop_device(&ep, name, sizeof(name)) == 1);
	CHECK(!strcmp(name, "loop5"));
	/* Same filesystem, another inode: not what loop5 writes to. */
	CHECK(endpoint_from_fd(other_fd, "other.img", &ep) == 0);
	CHECK(file_loop_device(&ep, name, sizeof(name)) == 0);
}

/*
 * loop5's storage: itself, its backing file from byte 4096 on, and the
 * filesystem that file lives on, which the raw disk under it reaches.
 */
static void check_loop_stack(const struct stat *backing,
			     const struct stat *other,
			     const struct disk_info *fs)
{
	struct storage_stack loop, file, disk;
	const struct storage_layer *where;

	storage_of_device(makedev(7, 5), -1, &loop);
	CHECK_EQ_U64(loop.count, 3);
	CHECK(!loop.incomplete);
	CHECK(!strcmp(loop.layer[0].name, "loop5"));
	CHECK(loop.layer[1].kind == LAYER_FILE);
	CHECK(loop.layer[1].ino == backing->st_ino);
	CHECK_EQ_U64(loop.layer[1].base, 4096);
	CHECK(!strcmp(loop.layer[1].name, "loop5's backing file"));
	CHECK(loop.layer[2].kind == LAYER_DISK && loop.layer[2].map == MAP_FS);
	CHECK(!strcmp(loop.layer[2].name, fs->name));

	storage_of_file(backing->st_dev, backing->st_ino, 65536, &file);
	CHECK(storage_compare(&loop, 0, &file, 4096, 4096, &where) ==
	      STORAGE_OVERLAP);
	CHECK(where && !strcmp(where->name, "loop5's backing file"));
	CHECK(storage_compare(&loop, 0, &file, 0, 4096, &where) ==
	      STORAGE_DISJOINT);
	storage_of_file(other->st_dev, other->st_ino, 65536, &file);
	CHECK(storage_compare(&loop, 0, &file, 4096, 4096, &where) ==
	      STORAGE_DISJOINT);
	/* The raw filesystem device holds loop5's bytes somewhere. */
	storage_of_device(fs->devnum, -1, &disk);
	CHECK(storage_compare(&disk, 0, &loop, 0, 4096, &where) ==
	      STORAGE_UNKNOWN);
	CHECK(where && !strcmp(where->name, fs->name));
}

/* A loop device over a real file, and that file's filesystem's disk. */
static void test_loop_backing(void)
{
	struct stat backing, other;
	struct disk_info fs;
	int backing_fd, other_fd;

	mkdirs("/files");
	backing_fd = real_file("/files/backing.img", 65536 + 4096, &backing);
	other_fd = real_file("/files/other.img", 65536, &other);
	if (disk_info_from_devnum(backing.st_dev, &fs) != 0)
		check_new_file(false, NULL);
	if (!fake_fs_disk(backing.st_dev, &fs)) {
		fprintf(stderr,
			"the fake tree has a broken %u:%u: loop checks skipped\n",
			major(backing.st_dev), minor(backing.st_dev));
	} else {
		check_new_file(true, &fs);
		fake_loop("/files/backing.img");
		check_backed_file(backing_fd, other_fd);
		check_loop_stack(&backing, &other, &fs);
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
