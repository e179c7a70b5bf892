/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel's peer-to-peer DMA rule, mirroring drivers/pci/p2pdma.c:
 * calc_map_type_and_dist() (the walk to a common upstream bridge, the
 * distance, ACS redirect on the path), cpu_supports_p2pdma(), the
 * host-bridge whitelist pci_p2pdma_whitelist[] with the release that
 * first carries each entry, and what a copy needs on top of two paths
 * (the worse of the two, multipath head nodes, the kernel release).
 *
 * Pure: it works on the in-memory topology (pcitopo.h) and the facts
 * in struct p2p_platform, never on the running system, so fixtures and
 * captures drive it.  p2pcp and p2p-check both decide through it.
 */
#ifndef P2PCP_P2PDMA_H
#define P2PCP_P2PDMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pcitopo.h"

/* A kernel release as one number, like the kernel's KERNEL_VERSION(). */
#define P2P_KERNEL(a, b, c) (((a) << 16) | ((b) << 8) | ((c) > 255 ? 255 : (c)))

/* The first release with userspace mmap of p2pmem/allocate. */
#define P2P_KERNEL_ALLOCATE P2P_KERNEL(6, 2, 0)
/*
 * Multipath head nodes take P2P pages from 7.2 on: commit fb0eeeed91f3
 * "nvme-multipath: enable PCI P2PDMA for multipath devices" (7.2-rc1).
 */
#define P2P_KERNEL_MULTIPATH_HEAD P2P_KERNEL(7, 2, 0)
/* pci=config_acs= exists from 6.11 (commit 47c8846a49ba). */
#define P2P_KERNEL_CONFIG_ACS P2P_KERNEL(6, 11, 0)
/*
 * The newest released kernel whose rules this module knows: captures are
 * judged by it unless --kernel says otherwise.
 */
#define P2P_KERNEL_NEWEST P2P_KERNEL(7, 3, 0)

/*
 * Parse "6.12.117-amd64" or "7.2" into a P2P_KERNEL() number.
 * -EINVAL when it does not start with MAJOR.MINOR.
 */
int p2p_kernel_parse(const char *release, unsigned int *out);
/* "6.12.117" (the patch level only when not 0). */
const char *p2p_kernel_format(unsigned int kernel, char *buf, size_t len);

/* Facts that change the verdict and cannot come from config space. */
struct p2p_platform {
	bool cpu_known;
	bool cpu_amd;
	unsigned int cpu_family;
	/* "AuthenticAMD", "GenuineIntel", ...; "" when not x86 or unknown. */
	char cpu_vendor_id[16];
	/* The kernel whose rules apply; 0: P2P_KERNEL_NEWEST. */
	unsigned int kernel;
};

/* The release @plat's rules follow (never 0). */
unsigned int p2p_platform_kernel(const struct p2p_platform *plat);
/* The kernel's cpu_supports_p2pdma(): AMD family >= 0x17 (Zen). */
bool p2p_platform_cpu_allows(const struct p2p_platform *plat);

enum p2p_verdict {
	P2P_DIRECT, /* common upstream bridge, no ACS redirect: bus addresses */
	P2P_HOST_BRIDGE, /* through the host bridge, allowed by CPU/whitelist */
	P2P_REFUSED, /* the kernel returns PCI_P2PDMA_MAP_NOT_SUPPORTED */
	P2P_UNKNOWN, /* the facts that decide are missing: see p2p_result */
};

/* Why a verdict is P2P_UNKNOWN (bits of p2p_result.unknown). */
enum p2p_unknown {
	P2P_UNKNOWN_ACS = 1 << 0, /* config space truncated on the path */
	P2P_UNKNOWN_CPU = 1 << 1, /* host-bridge path, CPU not given */
	/* the whitelist entry's first release is not established */
	P2P_UNKNOWN_RELEASE = 1 << 2,
	/* the root bus's first function has an unreadable port type */
	P2P_UNKNOWN_HOST_BRIDGE = 1 << 3,
	/* a capture lacks the ports above a device (root bus mid-tree) */
	P2P_UNKNOWN_PARTIAL = 1 << 4,
	/* a capture lost a bridge on the path (a function no bridge owns) */
	P2P_UNKNOWN_LOST_BRIDGE = 1 << 5,
};

/* Why a host-bridge path is refused or allowed. */
enum p2p_host_reason {
	P2P_HOST_NONE, /* not a host-bridge path */
	P2P_HOST_CPU, /* cpu_supports_p2pdma(): AMD Zen */
	P2P_HOST_WHITELISTED, /* both host bridges match a whitelist entry */
	P2P_HOST_NOT_LISTED, /* a host bridge matches no entry */
	P2P_HOST_NOT_YET, /* listed, but only from a newer release */
	P2P_HOST_SAME_REQUIRED, /* REQ_SAME_HOST_BRIDGE, different bridges */
	P2P_HOST_NO_FUNCTION, /* pci_host_bridge_dev() finds no function */
};

enum p2p_class {
	P2P_CLASS_PIX,
	P2P_CLASS_PXB,
	P2P_CLASS_PHB,
	P2P_CLASS_NODE,
	P2P_CLASS_SYS,
};

const char *p2p_verdict_name(enum p2p_verdict v); /* "direct", ... */
const char *p2p_class_name(enum p2p_class c); /* "PIX", ... */

#define P2P_MAX_PATH 64

struct p2p_whitelist_entry;

struct p2p_result {
	enum p2p_verdict verdict;
	/* The verdict when the missing facts turn out favourable. */
	enum p2p_verdict verdict_if_known;
	unsigned int unknown; /* enum p2p_unknown bits */
	enum p2p_class class;
	/* The kernel's distance (calc_map_type_and_dist); smaller is nearer. */
	int distance;
	/* Index of the common upstream bridge, -1 if none. */
	int common;
	/* Node indices from provider up to the top and down to the client. */
	int path[P2P_MAX_PATH];
	size_t path_len;
	/* path[0..up_len) is the provider's side, up to the common bridge. */
	size_t up_len;
	/* Ports on the path with a redirect bit the kernel checks, in path order. */
	int acs_redirect[P2P_MAX_PATH];
	size_t acs_redirect_count;
	/* Set when ACS state is unknown (truncated config reads). */
	bool acs_unknown;
	enum p2p_host_reason host_reason;
	/* Both sides' host bridges are on the whitelist for this release. */
	bool host_bridge_whitelisted;
	/*
	 * The host bridge functions the kernel's whitelist would consult for
	 * each side (pci_host_bridge_dev()), -1 if there is none.
	 */
	int host_bridge_provider;
	int host_bridge_client;
	bool same_host_bridge;
	/* The CPU alone allows host-bridge P2P (AMD Zen). */
	bool cpu_allows;
	/* The whitelist entry that decided, NULL if none (for citations). */
	const struct p2p_whitelist_entry *entry;
	/*
	 * Switches or bridges traversed below the host bridge (a switch's
	 * ports count once); more than one is PXB and risks reordering.
	 */
	unsigned int bridge_levels;
};

/*
 * The root-bus function the kernel takes as @node's host bridge
 * (pci_host_bridge_dev(): the first function on the root bus if it is
 * 00.0 or a root port): its index, -1 if there is none, -2 if the first
 * function's port type cannot be read, -3 if the root bus starts with a
 * switch port or an endpoint (a capture that left out the ports above).
 */
int p2p_host_bridge_of(const struct pci_topo *topo, int node);

/* One entry of pci_p2pdma_whitelist[], with where it comes from. */
struct p2p_whitelist_entry {
	uint16_t vendor;
	uint32_t device; /* P2P_WHITELIST_ANY_DEVICE: PCI_ANY_ID */
	bool req_same_host_bridge;
	/* First mainline release with it (0: in no release yet). */
	unsigned int since;
	/* First stable release of an older series with it (0: none). */
	unsigned int backport;
	const char *origin; /* commit that adds it, and its releases */
};
#define P2P_WHITELIST_ANY_DEVICE 0xffffffffu

enum p2p_listed { P2P_LISTED_NO, P2P_LISTED_YES, P2P_LISTED_UNCERTAIN };

/*
 * Is @vendor:@device on the whitelist of release @kernel?  @entry gets
 * the first matching entry (or NULL); its REQ_SAME_HOST_BRIDGE flag is
 * the caller's business (see p2p_evaluate()).
 */
enum p2p_listed p2p_whitelist_lookup(uint16_t vendor, uint16_t device,
				     unsigned int kernel,
				     const struct p2p_whitelist_entry **entry);
/* Where the whitelist table was taken from, for reports. */
extern const char p2p_whitelist_source[];
/* The whole table, for listings; returns the number of entries. */
size_t p2p_whitelist_entries(const struct p2p_whitelist_entry **table);

/* What the ACS boot parameters do on a release (see p2p_acs_params_of()). */
enum p2p_acs_params {
	/* up to 6.10: disable_acs_redir clears RR/CR/EC from the value in
	 * force; no config_acs */
	P2P_ACS_PARAMS_CLEAR_CURRENT,
	/* 6.11.y, 6.12.0-22: only config_acs's first entry is applied,
	 * disable_acs_redir keeps the firmware's RR/CR/EC */
	P2P_ACS_PARAMS_FIRST_ONLY,
	/* 6.13.y, 6.14.y: fixed by a stable update not established here */
	P2P_ACS_PARAMS_UNSURE,
	/* 6.12.23+, 6.15+: both work on every listed port, starting from
	 * the firmware's control value */
	P2P_ACS_PARAMS_FROM_FIRMWARE,
};
enum p2p_acs_params p2p_acs_params_of(unsigned int kernel);

/*
 * Evaluate the path between a p2pmem @provider and a DMA @client, both
 * node indices, as the kernel would.  Returns 0 or a negative errno.
 */
int p2p_evaluate(const struct pci_topo *topo, int provider, int client,
		 const struct p2p_platform *plat, struct p2p_result *res);

/* The worse of two verdicts: refused > unknown > host-bridge > direct. */
enum p2p_verdict p2p_verdict_worst(enum p2p_verdict a, enum p2p_verdict b);

/* Does a multipath head node's queue take P2P pages on @kernel? */
bool p2p_head_takes_p2p(unsigned int kernel);

/*
 * A copy reads from one device into the provider's memory and writes
 * from there to another: the kernel judges provider->source and
 * provider->destination, and the copy is as good as the worse of the two.
 * Same device on both sides is distance 0, as the kernel has it.
 * Returns 0, -ENOENT when a device is not in @topo, or another -errno.
 */
int p2p_evaluate_copy(const struct pci_topo *topo,
		      const struct p2p_platform *plat,
		      const struct pci_addr *provider,
		      const struct pci_addr *src, const struct pci_addr *dst,
		      struct p2p_result *src_path, struct p2p_result *dst_path);
enum p2p_verdict p2p_copy_verdict(const struct p2p_result *src_path,
				  const struct p2p_result *dst_path);

/* What a copy endpoint is, as far as P2P pages are concerned. */
enum p2p_endpoint {
	P2P_EP_NVME, /* a per-controller NVMe namespace on PCI */
	P2P_EP_NVME_FABRICS, /* an NVMe namespace not behind a PCI function */
	P2P_EP_MULTIPATH_HEAD, /* an NVMe multipath head node */
	P2P_EP_NO_BLOCKDEV, /* a file on a filesystem with no block device */
	P2P_EP_OTHER, /* any other block device */
};

/*
 * Why the kernel @kernel would not take P2P pages for I/O to such an
 * endpoint, as a phrase ("is an NVMe multipath head node, ..."), or NULL
 * when it would.
 */
const char *p2p_endpoint_problem(enum p2p_endpoint ep, unsigned int kernel);

/* What makes P2P impossible on a kernel before any path is looked at. */
enum p2p_kernel_block {
	P2P_KERNEL_OK,
	P2P_KERNEL_NO_CONFIG, /* built without CONFIG_PCI_P2PDMA */
	P2P_KERNEL_TOO_OLD, /* before 6.2: no userspace p2pmem mmap */
};

/*
 * @config_p2pdma: 1 built with CONFIG_PCI_P2PDMA, 0 without, -1 unknown.
 * @kernel: 0 unknown.
 */
enum p2p_kernel_block p2p_kernel_blocks(unsigned int kernel, int config_p2pdma);

#endif
