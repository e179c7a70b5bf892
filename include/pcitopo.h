/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI topology and the kernel's peer-to-peer verdict.
 *
 * The topology is read with libpci, either from the live system (the
 * sysfs back end, under the injectable sysfs root) or from an
 * "lspci -xxxx" capture (libpci's dump back end).  The verdict logic
 * mirrors drivers/pci/p2pdma.c (calc_map_type_and_dist, Linux 6.2+) and
 * is pure: it works on the in-memory model only, so fixtures drive it.
 * p2pcp (--provider auto, --dry-run) and p2p-check share it.
 */
#ifndef P2PCP_PCITOPO_H
#define P2PCP_PCITOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pci_addr {
	uint32_t domain;
	uint8_t bus;
	uint8_t dev;
	uint8_t fn;
};

#define PCI_ADDR_STRLEN 16 /* "0000:00:00.0" plus slack for wide domains */

/* Accepts "DDDD:BB:DD.F" and "BB:DD.F" (domain 0). -EINVAL otherwise. */
int pci_addr_parse(const char *str, struct pci_addr *out);
/* Always prints the domain: "0000:03:00.0". */
const char *pci_addr_format(const struct pci_addr *addr, char *buf, size_t len);
bool pci_addr_equal(const struct pci_addr *a, const struct pci_addr *b);

enum pci_role {
	PCI_ROLE_ENDPOINT,
	PCI_ROLE_RC_ENDPOINT, /* root-complex integrated endpoint */
	PCI_ROLE_ROOT_PORT,
	PCI_ROLE_SWITCH_UP,
	PCI_ROLE_SWITCH_DOWN,
	PCI_ROLE_BRIDGE, /* any other type-1 bridge (PCI/PCI-X, legacy) */
	PCI_ROLE_HOST_BRIDGE, /* class 06:00 function on a root bus */
	PCI_ROLE_OTHER,
};

const char *pci_role_name(enum pci_role role);

/* ACS capability and control bits (PCIe base spec, lib/header.h). */
#define ACS_SV 0x01
#define ACS_TB 0x02
#define ACS_RR 0x04
#define ACS_CR 0x08
#define ACS_UF 0x10
#define ACS_EC 0x20
#define ACS_DT 0x40
/* The bits the kernel's pci_bridge_has_acs_redir() tests. */
#define ACS_REDIR_MASK (ACS_RR | ACS_CR | ACS_EC)

struct pci_node {
	struct pci_addr addr;
	uint16_t vendor;
	uint16_t device;
	uint32_t class; /* 24-bit class code */
	enum pci_role role;
	int parent; /* index of the upstream bridge, -1 on a root bus */
	bool is_bridge; /* header type 1 */
	uint8_t secondary_bus;
	uint8_t subordinate_bus;
	bool has_acs;
	uint16_t acs_cap_offset;
	uint16_t acs_cap;
	uint16_t acs_ctrl;
	int numa_node; /* -1 when unknown */
	/* Current link, 0 when unknown. Speed in units of 0.1 GT/s. */
	unsigned int link_speed_dgts;
	unsigned int link_width;
	/*
	 * This function's config space beyond the standard header (or, in
	 * a capture, beyond 256 bytes of a PCIe function) was unreadable:
	 * its capabilities, ACS included, are unknown, not absent.
	 */
	bool config_truncated;
};

struct pci_topo {
	struct pci_node *nodes; /* sorted by domain, bus, device, function */
	size_t count;
	/*
	 * Config space beyond the first 64 bytes could not be read (an
	 * unprivileged reader, or a truncated capture): capabilities,
	 * including ACS, are unknown and must not be reported as absent.
	 */
	bool config_truncated;
};

struct pci_topo_opts {
	const char *dump_file; /* NULL: the live system */
};

/*
 * Load the topology.  Live reads honour the sysfs root (sysfs.h).
 * Returns 0, -ENOENT (no such dump file), -EINVAL (malformed dump) or
 * another negative errno; @err_msg receives libpci's own message.
 */
int pci_topo_load(const struct pci_topo_opts *opts, struct pci_topo **out,
		  char *err_msg, size_t err_len);
void pci_topo_free(struct pci_topo *topo);

/* Index of @addr in @topo, or -ENOENT. */
int pci_topo_find(const struct pci_topo *topo, const struct pci_addr *addr);

/* Platform facts that change the verdict and cannot come from config space. */
struct p2p_platform {
	bool cpu_known;
	bool cpu_amd;
	unsigned int cpu_family;
	/* "AuthenticAMD", "GenuineIntel", ...; "" when not x86 or unknown. */
	char cpu_vendor_id[16];
};

/* Read /proc/cpuinfo (under the sysfs root). */
int p2p_platform_detect(struct p2p_platform *plat);
/* The kernel's cpu_supports_p2pdma(): AMD family >= 0x17 (Zen). */
bool p2p_platform_cpu_allows(const struct p2p_platform *plat);

enum p2p_verdict {
	P2P_DIRECT, /* common upstream bridge, no ACS redirect: bus addresses */
	P2P_HOST_BRIDGE, /* through the host bridge, allowed by CPU/whitelist */
	P2P_REFUSED, /* the kernel returns PCI_P2PDMA_MAP_NOT_SUPPORTED */
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

struct p2p_result {
	enum p2p_verdict verdict;
	enum p2p_class class;
	/* The kernel's distance (calc_map_type_and_dist); smaller is nearer. */
	int distance;
	/* Index of the common upstream bridge, -1 if none. */
	int common;
	/* Node indices from provider up to the top and down to the client. */
	int path[P2P_MAX_PATH];
	size_t path_len;
	/* Ports on the path with a redirect bit the kernel checks. */
	int acs_redirect[P2P_MAX_PATH];
	size_t acs_redirect_count;
	/* Set when the host bridge of either side is on the whitelist. */
	bool host_bridge_whitelisted;
	/* Set when ACS state is unknown (truncated config reads). */
	bool acs_unknown;
	/*
	 * The host bridge functions the kernel's whitelist would consult for
	 * each side (pci_host_bridge_dev(): first function on the root bus if
	 * it is 00.0 or a root port), -1 if there is none.
	 */
	int host_bridge_provider;
	int host_bridge_client;
	bool same_host_bridge;
	/* The CPU alone allows host-bridge P2P (AMD Zen). */
	bool cpu_allows;
	/*
	 * Switches or bridges traversed below the host bridge (a switch's
	 * ports count once); more than one is PXB and risks reordering.
	 */
	unsigned int bridge_levels;
};

/* The root-bus function the kernel takes as @node's host bridge, or -1. */
int p2p_host_bridge_of(const struct pci_topo *topo, int node);

/*
 * The kernel's host-bridge whitelist (one table in pcitopo.c, with its
 * source).  @same_host_bridge: both devices sit under this host bridge.
 */
bool p2p_host_bridge_whitelisted(uint16_t vendor, uint16_t device,
				 bool same_host_bridge);
/* Where the whitelist table was taken from, for reports. */
extern const char p2p_whitelist_source[];

/*
 * Evaluate the path between a p2pmem @provider and a DMA @client, both
 * node indices, as the kernel would.  Returns 0 or a negative errno.
 */
int p2p_evaluate(const struct pci_topo *topo, int provider, int client,
		 const struct p2p_platform *plat, struct p2p_result *res);

#endif
