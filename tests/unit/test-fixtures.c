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
		test_kconfig("6.9.9-none");
	} else {
		fprintf(stderr, "%s --unit-tree %s failed\n", argv[2], root);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) || !built)
		return T_EXIT_ERROR;
	CHECK_DONE();
}
