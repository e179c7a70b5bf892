// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Platform facts for the P2P rule, all read under the sysfs root.
 * One file: each section is a short reader of one fact, and together they
 * fill one struct platform that p2p-check reports whole.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */

const char *kconfig_state_name(enum kconfig_state st)
{
	switch (st) {
	case KCONFIG_NO:
		return "no";
	case KCONFIG_YES:
		return "yes";
	case KCONFIG_MODULE:
		return "module";
	case KCONFIG_UNKNOWN:
		break;
	}
	return "unknown";
}

static int read_yn(const char *path)
{
	char buf[16];

	if (sysfs_read_str(path, buf, sizeof(buf)))
		return -1;
	if (buf[0] == 'Y' || buf[0] == 'y' || buf[0] == '1')
		return 1;
	if (buf[0] == 'N' || buf[0] == 'n' || buf[0] == '0')
		return 0;
	return -1;
}

static const char *path_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* ------------------------------------------------------------------ */
/* Kernel and CPU                                                      */

int platform_kernel_release(char *buf, size_t len, unsigned int *kernel)
{
	int ret;

	*kernel = 0;
	ret = sysfs_read_str("/proc/sys/kernel/osrelease", buf, len);
	if (ret) {
		buf[0] = '\0';
		return ret;
	}
	if (p2p_kernel_parse(buf, kernel))
		*kernel = 0;
	return 0;
}

static int read_cpuinfo(struct p2p_platform *plat)
{
	char buf[8192];
	const char *line;
	int ret;

	ret = sysfs_read_str("/proc/cpuinfo", buf, sizeof(buf));
	if (ret)
		return ret;
	/* The first processor's block is enough: all cores match. */
	for (line = buf; line && *line; line = strchr(line, '\n')) {
		const char *colon;

		if (*line == '\n')
			line++;
		colon = strchr(line, ':');
		if (!colon)
			break;
		if (!strncmp(line, "vendor_id", 9)) {
			sscanf(colon + 1, " %15s", plat->cpu_vendor_id);
		} else if (!strncmp(line, "cpu family", 10)) {
			sscanf(colon + 1, " %u", &plat->cpu_family);
		} else if (!strncmp(line, "processor", 9) &&
			   plat->cpu_vendor_id[0]) {
			break;
		}
	}
	plat->cpu_known = true;
	plat->cpu_amd = !strcmp(plat->cpu_vendor_id, "AuthenticAMD");
	return 0;
}

int p2p_platform_detect(struct p2p_platform *plat)
{
	char release[128];

	memset(plat, 0, sizeof(*plat));
	platform_kernel_release(release, sizeof(release), &plat->kernel);
	return read_cpuinfo(plat);
}

/* ------------------------------------------------------------------ */
/* CONFIG_PCI_P2PDMA                                                   */

/* An exported function of drivers/pci/p2pdma.c (since Linux 4.20). */
#define KALLSYMS_P2PDMA "pci_p2pdma_add_resource"
/* One of PCI core's, in every kernel with PCI: the list covers PCI. */
#define KALLSYMS_PCI_CORE "pci_find_ext_capability"

static enum kconfig_state kallsyms_p2pdma(char *source, size_t source_len)
{
	enum kconfig_state st = KCONFIG_UNKNOWN;
	char path[PATH_MAX], line[512], name[256];
	bool pci_core = false;
	FILE *f;

	if (sysfs_path(path, sizeof(path), "/proc/kallsyms"))
		return KCONFIG_UNKNOWN;
	f = fopen(path, "re");
	if (!f)
		return KCONFIG_UNKNOWN;
	while (st == KCONFIG_UNKNOWN && fgets(line, sizeof(line), f)) {
		/* "ffffffff81c88eb0 T pci_find_ext_capability" */
		if (sscanf(line, "%*s %*s %255s", name) != 1)
			continue;
		if (!strcmp(name, KALLSYMS_P2PDMA))
			st = KCONFIG_YES;
		else if (!strcmp(name, KALLSYMS_PCI_CORE))
			pci_core = true;
	}
	/* A read error leaves the list incomplete: no conclusion. */
	if (st == KCONFIG_UNKNOWN && pci_core && !ferror(f))
		st = KCONFIG_NO;
	fclose(f);
	if (st == KCONFIG_YES)
		snprintf(source, source_len,
			 "/proc/kallsyms lists " KALLSYMS_P2PDMA);
	else if (st == KCONFIG_NO)
		snprintf(
			source, source_len,
			"/proc/kallsyms lists PCI core symbols but not " KALLSYMS_P2PDMA);
	return st;
}

enum kconfig_state platform_p2pdma_config(const char *release, char *source,
					  size_t source_len)
{
	enum kconfig_state st;

	st = kconfig_lookup("CONFIG_PCI_P2PDMA", release, source, source_len);
	if (st == KCONFIG_UNKNOWN)
		st = kallsyms_p2pdma(source, source_len);
	return st;
}

/* ------------------------------------------------------------------ */
/* NVMe                                                                */

/*
 * The one place that knows how sysfs spells a multipath head: its disk
 * lives under /sys/devices/virtual/nvme-subsystem/nvme-subsysK/, while a
 * per-controller namespace lives under its controller's PCI function.
 */
bool platform_is_multipath_head(const char *sysfs_dir)
{
	return strstr(sysfs_dir, "/nvme-subsystem/") != NULL;
}

bool platform_is_nvme_ctrl_name(const char *name)
{
	const char *p;

	if (strncmp(name, "nvme", 4) || !name[4])
		return false;
	for (p = name + 4; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

int p2p_nvme_ctrl_pci(const char *ctrl, struct pci_addr *out)
{
	char link[PATH_MAX], real[PATH_MAX];
	int ret;

	if (strchr(ctrl, '/'))
		return -EINVAL;
	snprintf(link, sizeof(link), "/sys/class/nvme/%s/device", ctrl);
	ret = sysfs_realpath(link, real, sizeof(real));
	if (ret)
		return ret;
	/* Fabrics controllers have no PCI function behind them. */
	if (pci_addr_parse(path_basename(real), out))
		return -ENODEV;
	return 0;
}

static int ctrl_cmp(const void *a, const void *b)
{
	const struct p2p_nvme_ctrl *x = a, *y = b;

	return strverscmp(x->name, y->name);
}

/* Every NVMe controller with a PCI function, for names in reports. */
static int scan_nvme_ctrls(struct platform *p)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dir;
	int ret = 0;

	if (sysfs_path(path, sizeof(path), "/sys/class/nvme"))
		return 0;
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((de = readdir(dir))) {
		struct p2p_nvme_ctrl ctrl, *grown;

		if (!platform_is_nvme_ctrl_name(de->d_name))
			continue;
		snprintf(ctrl.name, sizeof(ctrl.name), "%.31s", de->d_name);
		if (p2p_nvme_ctrl_pci(ctrl.name, &ctrl.addr))
			continue;
		grown = realloc(p->ctrls, (p->ctrl_count + 1) * sizeof(*grown));
		if (!grown) {
			ret = -ENOMEM;
			break;
		}
		p->ctrls = grown;
		p->ctrls[p->ctrl_count++] = ctrl;
	}
	closedir(dir);
	if (p->ctrl_count)
		qsort(p->ctrls, p->ctrl_count, sizeof(*p->ctrls), ctrl_cmp);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Controller Memory Buffers                                           */

/* CMBSZ (NVMe base spec 3.1.4.13) and CMBLOC (3.1.4.12) fields. */
#define CMBSZ_SQS (1u << 0)
#define CMBSZ_RDS (1u << 3)
#define CMBSZ_WDS (1u << 4)
#define CMBSZ_SZU(v) (((v) >> 8) & 0xf)
#define CMBSZ_SZ(v) ((v) >> 12)
#define CMBLOC_BIR(v) ((v)&0x7)
#define CMBLOC_OFST(v) ((v) >> 12)
/* x86-64's SUBSECTION_SIZE, memremap_compat_align() there. */
#define CMB_ALIGN (2ull << 20)
/* include/linux/ioport.h */
#define IORESOURCE_MEM 0x00000200ull

const char *cmb_status_name(enum cmb_status st)
{
	switch (st) {
	case CMB_PUBLISHED:
		return "published";
	case CMB_UNPUBLISHED:
		return "unpublished";
	case CMB_NO_P2PDMA:
		return "no-p2pdma";
	case CMB_OFFSET_PAST_BAR:
		return "offset-past-bar";
	case CMB_UNALIGNED:
		return "unaligned";
	case CMB_BAR_NOT_MEM:
		return "bar-not-memory";
	case CMB_NOT_REGISTERED:
		return "not-registered";
	case CMB_UNKNOWN:
		break;
	}
	return "unknown";
}

/*
 * nvme_map_cmb() of drivers/nvme/host/pci.c (the same in 6.12 and
 * 7.3): size and offset in units of 4 KiB << (4 * SZU); give up
 * silently if the offset is past the BAR; cut the size to the BAR's
 * end; give up silently unless size and BAR start are multiples of
 * memremap_compat_align(); then pci_p2pdma_add_resource() (which wants
 * a memory BAR, -EINVAL else, -EOPNOTSUPP without CONFIG_PCI_P2PDMA:
 * "failed to register the CMB"), and publish only with RDS and WDS.
 */
void platform_cmb_judge(struct p2p_nvme_cmb *cmb, enum kconfig_state p2pdma,
			bool x86)
{
	uint64_t unit = 4096ull << (4 * CMBSZ_SZU(cmb->cmbsz));

	cmb->size = unit * CMBSZ_SZ(cmb->cmbsz);
	cmb->offset = unit * CMBLOC_OFST(cmb->cmbloc);
	cmb->bar = CMBLOC_BIR(cmb->cmbloc);
	cmb->usable = 0;
	if (cmb->registered) {
		cmb->status = cmb->published ? CMB_PUBLISHED : CMB_UNPUBLISHED;
		return;
	}
	if (p2pdma == KCONFIG_NO) {
		cmb->status = CMB_NO_P2PDMA;
		return;
	}
	if (!cmb->bar_len) {
		cmb->status = CMB_UNKNOWN;
		return;
	}
	if (cmb->offset > cmb->bar_len) {
		cmb->status = CMB_OFFSET_PAST_BAR;
		return;
	}
	cmb->usable = cmb->size < cmb->bar_len - cmb->offset ?
			      cmb->size :
			      cmb->bar_len - cmb->offset;
	if (!x86)
		cmb->status = CMB_UNKNOWN;
	else if (cmb->usable % CMB_ALIGN || cmb->bar_start % CMB_ALIGN)
		cmb->status = CMB_UNALIGNED;
	else if (!cmb->bar_mem || cmb->offset == cmb->bar_len)
		cmb->status = CMB_BAR_NOT_MEM;
	else
		cmb->status = CMB_NOT_REGISTERED;
}

/* Line @bar of the function's resource file: "start end flags". */
static void read_bar(struct p2p_nvme_cmb *cmb)
{
	char path[96], bdf[PCI_ADDR_STRLEN], buf[1024];
	unsigned long long start, end, flags;
	const char *line = buf;
	unsigned int i;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource",
		 pci_addr_format(&cmb->addr, bdf, sizeof(bdf)));
	if (sysfs_read_str(path, buf, sizeof(buf)))
		return;
	for (i = 0; i < cmb->bar && line; i++) {
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	if (!line ||
	    sscanf(line, "%llx %llx %llx", &start, &end, &flags) != 3 ||
	    end <= start)
		return;
	cmb->bar_start = start;
	cmb->bar_len = end - start + 1;
	cmb->bar_mem = flags & IORESOURCE_MEM;
}

static int read_u32_attr(const char *ctrl, const char *attr, uint32_t *out)
{
	char path[96];
	uint64_t v;
	int ret;

	snprintf(path, sizeof(path), "/sys/class/nvme/%s/%s", ctrl, attr);
	ret = sysfs_read_u64(path, &v);
	if (!ret && v > UINT32_MAX)
		ret = -ERANGE;
	if (!ret)
		*out = (uint32_t)v;
	return ret;
}

/* NVMe controller registers in BAR0 (base spec 3.1.4). */
#define NVME_REG_CMBLOC 0x38
#define NVME_REG_CMBSZ 0x3c

/*
 * Linux 6.12 shows cmbsz/cmbloc only once the CMB is registered: read
 * the registers from BAR0 then (root, and a kernel that lets sysfs map
 * a BAR its driver holds).  A read of 0 says nothing.
 */
static int read_cmb_bar0(struct p2p_nvme_cmb *cmb)
{
	char path[PATH_MAX], bdf[PCI_ADDR_STRLEN];
	const volatile uint32_t *regs;
	void *map;
	int fd;

	if (sysfs_path(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0",
		       pci_addr_format(&cmb->addr, bdf, sizeof(bdf))))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -errno;
	regs = map;
	cmb->cmbloc = regs[NVME_REG_CMBLOC / 4];
	cmb->cmbsz = regs[NVME_REG_CMBSZ / 4];
	munmap(map, 4096);
	/* All ones: the function does not answer (gone, or in reset). */
	return cmb->cmbsz && cmb->cmbsz != UINT32_MAX ? 0 : -ENODATA;
}

/* Every controller whose driver reports a CMB (CMBSZ not 0). */
static int scan_cmbs(struct platform *p)
{
	size_t i, k;

	for (i = 0; i < p->ctrl_count; i++) {
		struct p2p_nvme_cmb cmb = { 0 }, *grown;

		cmb.addr = p->ctrls[i].addr;
		if (read_u32_attr(p->ctrls[i].name, "cmbsz", &cmb.cmbsz) ||
		    read_u32_attr(p->ctrls[i].name, "cmbloc", &cmb.cmbloc)) {
			if (read_cmb_bar0(&cmb))
				continue;
			cmb.from_registers = true;
		}
		if (!cmb.cmbsz)
			continue;
		snprintf(cmb.ctrl, sizeof(cmb.ctrl), "%s", p->ctrls[i].name);
		cmb.bar = CMBLOC_BIR(cmb.cmbloc);
		read_bar(&cmb);
		for (k = 0; k < p->p2pmem_count; k++)
			if (pci_addr_equal(&p->p2pmem[k].addr, &cmb.addr)) {
				cmb.registered = true;
				cmb.published = p->p2pmem[k].published;
			}
		platform_cmb_judge(&cmb, p->p2pdma_config,
				   p->cpu.cpu_vendor_id[0] != '\0');
		grown = realloc(p->cmbs, (p->cmb_count + 1) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		p->cmbs = grown;
		p->cmbs[p->cmb_count++] = cmb;
	}
	return 0;
}

/* Namespaces under /sys/block served by a multipath head node. */
static void scan_multipath_heads(struct platform *p)
{
	char path[PATH_MAX], link[PATH_MAX], real[PATH_MAX];
	struct dirent *de;
	DIR *dir;

	if (sysfs_path(path, sizeof(path), "/sys/block"))
		return;
	dir = opendir(path);
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, "nvme", 4))
			continue;
		snprintf(link, sizeof(link), "/sys/block/%s", de->d_name);
		if (sysfs_realpath(link, real, sizeof(real)))
			continue;
		if (platform_is_multipath_head(real))
			str_list_add_new(&p->multipath_heads, "%s", de->d_name);
	}
	closedir(dir);
}

int platform_pci_driver(const struct pci_addr *addr, char *buf, size_t len)
{
	char link[96], real[PATH_MAX], bdf[PCI_ADDR_STRLEN];
	int ret;

	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/driver",
		 pci_addr_format(addr, bdf, sizeof(bdf)));
	ret = sysfs_realpath(link, real, sizeof(real));
	if (ret)
		return ret;
	snprintf(buf, len, "%s", path_basename(real));
	return 0;
}

/* ------------------------------------------------------------------ */
/* IOMMU and boot parameters                                           */

int platform_iommu_scan(struct str_list *units)
{
	char path[PATH_MAX];
	struct dirent *de;
	int present = 0;
	DIR *dir;

	if (sysfs_path(path, sizeof(path), "/sys/class/iommu"))
		return -ENAMETOOLONG;
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		present = 1;
		str_list_add_new(units, "%s", de->d_name);
	}
	closedir(dir);
	return present;
}

static void scan_iommu(struct platform *p)
{
	int ret = platform_iommu_scan(&p->iommu_units);

	/* No class directory: no IOMMU driver registered at all. */
	p->iommu_present = ret == -ENOENT ? 0 : ret < 0 ? -1 : ret;
	if (ret < 0)
		return;

	/* Group 0's default domain type shows the mode (DMA or identity). */
	if (sysfs_read_str("/sys/kernel/iommu_groups/0/type",
			   p->iommu_domain_type, sizeof(p->iommu_domain_type)))
		p->iommu_domain_type[0] = '\0';
}

/* ACS-related kernel parameters already in effect. */
static void scan_cmdline(struct platform *p)
{
	char buf[4096];
	char *tok, *save;

	if (sysfs_read_str("/proc/cmdline", buf, sizeof(buf)))
		return;
	for (tok = strtok_r(buf, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (strstr(tok, "disable_acs_redir=") ||
		    strstr(tok, "config_acs=") ||
		    strstr(tok, "pcie_acs_override="))
			str_list_add_new(&p->acs_cmdline, "%s", tok);
	}
}

/* ------------------------------------------------------------------ */
/* The whole platform                                                  */

static int scan_p2pdma_config(struct platform *p)
{
	int ret;

	p->p2pdma_config = platform_p2pdma_config(
		p->kernel_release, p->p2pdma_config_source,
		sizeof(p->p2pdma_config_source));
	/* No p2pmem directory means no provider; no memory, an unknown. */
	ret = p2pmem_list(&p->p2pmem, &p->p2pmem_count);
	if (ret) {
		p->p2pmem = NULL;
		p->p2pmem_count = 0;
		if (ret == -ENOMEM)
			return ret;
	}
	/* Only a P2PDMA kernel creates p2pmem directories. */
	if (p->p2pdma_config == KCONFIG_UNKNOWN && p->p2pmem_count) {
		p->p2pdma_config = KCONFIG_YES;
		snprintf(p->p2pdma_config_source,
			 sizeof(p->p2pdma_config_source), "p2pmem present");
	}
	return 0;
}

int platform_scan_live(struct platform *p)
{
	int ret, ctrls;

	p->live = true;
	platform_kernel_release(p->kernel_release, sizeof(p->kernel_release),
				&p->kernel);
	ret = scan_p2pdma_config(p);
	scan_iommu(p);
	p->use_cmb_sqes = read_yn("/sys/module/nvme/parameters/use_cmb_sqes");
	p->nvme_multipath =
		read_yn("/sys/module/nvme_core/parameters/multipath");
	scan_multipath_heads(p);
	scan_cmdline(p);
	ctrls = scan_nvme_ctrls(p);
	if (!read_cpuinfo(&p->cpu))
		p->cpu_source = CPU_CPUINFO;
	p->cpu.kernel = p->kernel;
	if (!ret && !ctrls)
		ctrls = scan_cmbs(p);
	/* A fact lost for want of memory is reported, never left out. */
	if (!ret)
		ret = ctrls ?: p->iommu_units.err ?: p->multipath_heads.err;
	return ret ?: p->acs_cmdline.err;
}

void platform_init(struct platform *p)
{
	memset(p, 0, sizeof(*p));
	p->iommu_present = -1;
	p->use_cmb_sqes = -1;
	p->nvme_multipath = -1;
}

void platform_free(struct platform *p)
{
	free(p->p2pmem);
	free(p->ctrls);
	free(p->cmbs);
	str_list_free(&p->iommu_units);
	str_list_free(&p->multipath_heads);
	str_list_free(&p->acs_cmdline);
}
