/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Platform facts that decide peer-to-peer DMA but are not in PCI config
 * space: the kernel release (/proc/sys/kernel/osrelease), whether it has
 * CONFIG_PCI_P2PDMA, the IOMMU (/sys/class/iommu), the ACS-related boot
 * parameters (/proc/cmdline), the nvme module parameters, NVMe
 * controllers and multipath head nodes (/sys/class/nvme,
 * /sys/class/nvme-subsystem), PCI drivers, p2pmem providers and the CPU
 * (/proc/cpuinfo).  Every read goes through the sysfs root (sysfs.h), so
 * tests point it at a fake tree.  Both p2pcp and p2p-check use it.
 */
#ifndef P2PCP_PLATFORM_H
#define P2PCP_PLATFORM_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "p2pdma.h"
#include "p2pmem.h"
#include "pcitopo.h"
#include "sysfs.h"
#include "util.h"

/* "unknown", "no", "yes", "module". */
const char *kconfig_state_name(enum kconfig_state st);

/* An NVMe controller with a PCI function. */
struct p2p_nvme_ctrl {
	char name[32]; /* "nvme0" */
	struct pci_addr addr;
};

/*
 * An NVMe controller's Controller Memory Buffer as the nvme driver
 * reports it (/sys/class/nvme/nvmeN/cmbsz and cmbloc, shown when CMBSZ
 * is not 0: from Linux 6.13 or so always, in 6.12 only once the CMB is
 * registered), decoded, and why it is or is not a p2pmem provider.
 */
enum cmb_status {
	CMB_PUBLISHED, /* registered and published: p2pcp picks it */
	CMB_UNPUBLISHED, /* registered, no RDS+WDS: only --provider --force */
	CMB_NO_P2PDMA, /* the kernel lacks CONFIG_PCI_P2PDMA */
	CMB_OFFSET_PAST_BAR, /* nvme_map_cmb(): offset > BAR size */
	CMB_UNALIGNED, /* size or BAR start not a multiple of 2 MiB */
	CMB_BAR_NOT_MEM, /* pci_p2pdma_add_resource(): -EINVAL */
	CMB_NOT_REGISTERED, /* should be a provider, is not: see dmesg */
	CMB_UNKNOWN, /* the BAR or the alignment rule is unknown */
};

struct p2p_nvme_cmb {
	char ctrl[32];
	struct pci_addr addr;
	uint32_t cmbsz, cmbloc;
	uint64_t size; /* CMBSZ.SZ units of CMBSZ.SZU */
	uint64_t offset; /* CMBLOC.OFST units */
	unsigned int bar; /* CMBLOC.BIR */
	uint64_t bar_start, bar_len; /* 0 when unknown */
	bool bar_mem; /* IORESOURCE_MEM */
	/* What nvme_map_cmb() registers: the size cut to the BAR's end. */
	uint64_t usable;
	/* Read from BAR0's registers (the driver shows no attributes). */
	bool from_registers;
	bool registered; /* a p2pmem directory exists */
	bool published;
	enum cmb_status status;
};

/* "published", "no-p2pdma", ... (JSON) */
const char *cmb_status_name(enum cmb_status st);

enum cpu_source { CPU_UNKNOWN, CPU_CPUINFO, CPU_OPTION };

struct platform {
	bool live;
	char kernel_release[128]; /* "" unknown */
	unsigned int kernel; /* P2P_KERNEL() of kernel_release, 0 unknown */
	enum kconfig_state p2pdma_config;
	char p2pdma_config_source[PATH_MAX];
	int iommu_present; /* -1 unknown */
	struct str_list iommu_units;
	char iommu_domain_type[32];
	struct p2p_platform cpu; /* .kernel: the release the rules follow */
	enum cpu_source cpu_source;
	struct p2pmem_provider *p2pmem;
	size_t p2pmem_count;
	int use_cmb_sqes; /* -1 unknown */
	int nvme_multipath; /* nvme_core.multipath, -1 unknown */
	struct str_list multipath_heads;
	struct str_list acs_cmdline;
	struct p2p_nvme_ctrl *ctrls;
	size_t ctrl_count;
	struct p2p_nvme_cmb *cmbs; /* controllers reporting a CMB */
	size_t cmb_count;
};

void platform_init(struct platform *p);
/*
 * Everything above from the live system (under the sysfs root).  A fact
 * that cannot be read stays unknown; -ENOMEM if a list lost an entry.
 */
int platform_scan_live(struct platform *p);
void platform_free(struct platform *p);

/*
 * The running kernel's release from /proc/sys/kernel/osrelease under the
 * sysfs root (not uname(): tests fake it).  @kernel gets P2P_KERNEL() or
 * 0 when it does not parse.  -errno if unreadable.
 */
int platform_kernel_release(char *buf, size_t len, unsigned int *kernel);

/*
 * CPU vendor and family from /proc/cpuinfo, and the running kernel's
 * release (0 if unknown), as p2p_evaluate() needs them.
 */
int p2p_platform_detect(struct p2p_platform *plat);

/*
 * Is the running kernel built with CONFIG_PCI_P2PDMA?  The kernel's
 * config file if there is one (kconfig_lookup()), else the kernel's own
 * symbol list: /proc/kallsyms names pci_p2pdma_add_resource whenever
 * p2pdma.c is built in, and PCI core symbols listed without it mean no
 * P2PDMA for certain (also for unprivileged readers, who see the names
 * with addresses 0).  @source gets what answered.  KCONFIG_UNKNOWN when
 * neither can tell (no config file, no kallsyms).
 */
enum kconfig_state platform_p2pdma_config(const char *release, char *source,
					  size_t source_len);

/*
 * The IOMMUs the kernel lists (/sys/class/iommu) added to @units: 1 when
 * there is one, 0 when the class lists none, -ENOENT when there is no
 * class (no IOMMU driver registered at all), or another negative errno
 * when it cannot be read.
 */
int platform_iommu_scan(struct str_list *units);

/* Is the sysfs directory of a block device a multipath head node? */
bool platform_is_multipath_head(const char *sysfs_dir);

/* "nvme12" (a controller's class name, not a namespace). */
bool platform_is_nvme_ctrl_name(const char *name);

/* The PCI function of the NVMe controller "nvmeN"; -ENODEV for fabrics. */
int p2p_nvme_ctrl_pci(const char *ctrl, struct pci_addr *out);

/*
 * Decode CMBSZ/CMBLOC and judge @cmb as the running release's
 * nvme_map_cmb() and pci_p2pdma_add_resource() would; @cmb's register,
 * BAR and p2pmem fields must be filled in.  @p2pdma: the kernel's
 * CONFIG_PCI_P2PDMA; @x86: the CPU is x86-64 (memremap_compat_align()
 * is the 2 MiB memory sub-section there).
 */
void platform_cmb_judge(struct p2p_nvme_cmb *cmb, enum kconfig_state p2pdma,
			bool x86);

/* The name of the driver bound to @addr ("nvme"); -ENOENT if none. */
int platform_pci_driver(const struct pci_addr *addr, char *buf, size_t len);

#endif
