/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PCI topology: every function with its upstream bridge, port type
 * and ACS registers, read with libpci from the live system (the sysfs
 * back end, under the injectable sysfs root, sysfs.h) or from an
 * "lspci -xxxx" capture (libpci's dump back end).  Only loading lives
 * here; the kernel's P2P rule over this model is in p2pdma.h.
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

/* "0000:00:00.0" up to an 8-digit domain ("ffffffff:ff:1f.7"), the widest
 * pci_addr_parse() accepts, and its NUL. */
#define PCI_ADDR_STRLEN 17

/* Accepts "DDDD:BB:DD.F" and "BB:DD.F" (domain 0). -EINVAL otherwise. */
int pci_addr_parse(const char *str, struct pci_addr *out);
/* Always prints the domain: "0000:03:00.0". */
const char *pci_addr_format(const struct pci_addr *addr, char *buf, size_t len);
bool pci_addr_equal(const struct pci_addr *a, const struct pci_addr *b);
/* Order by domain, bus, device, function (qsort-style result). */
int pci_addr_cmp(const struct pci_addr *a, const struct pci_addr *b);

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
	/* The PCIe port type (role) comes from a readable capability list. */
	bool port_type_known;
	/*
	 * An SR-IOV virtual function: live, its physfn link; in a capture, a
	 * function on a bus no bridge has as its secondary bus (a virtual
	 * bus).  Its upstream bridge is its physical function's, as the
	 * kernel's pci_upstream_bridge() has it.
	 */
	bool virtfn;
	/* Index of the physical function if known, else -1. */
	int physfn;
	/*
	 * A capture's function on a bus no bridge has as its secondary bus
	 * and no physical function's SR-IOV capability covers: the capture
	 * lost the bridge above it.  Its parent is the nearest bridge whose
	 * range holds its bus, for display only; verdicts through it are
	 * unknown.
	 */
	bool orphan;
	/*
	 * SR-IOV capability of a physical function with VFs enabled: how
	 * many, and where their routing IDs start and step (0: none).
	 */
	uint16_t sriov_vfs;
	uint16_t sriov_offset;
	uint16_t sriov_stride;
};

/* Does @n have ACS redirect on (pci_bridge_has_acs_redir())? */
bool pci_node_acs_redirects(const struct pci_node *n);

/* What a capture lacks, for warnings (all false for the live system). */
struct pci_topo_gaps {
	/* A root bus whose first function is not 00.0 or a root port. */
	bool root_bus_partial;
	/* SR-IOV virtual functions found through their PF's capability. */
	bool virtual_bus;
	/* Functions on a bus no bridge owns that no PF covers (orphans). */
	bool orphans;
	/* No host bridge (class 06:00) function anywhere. */
	bool no_host_bridge;
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
	/* Read from this system's sysfs, which lists every function. */
	bool live;
	struct pci_topo_gaps gaps;
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

#endif
