// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * PCI topology (libpci, live sysfs or an lspci capture) and a model of
 * the kernel's peer-to-peer DMA decision in drivers/pci/p2pdma.c.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pci/pci.h>

#include "pcitopo.h"
#include "sysfs.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* Addresses                                                           */

/* Parse exactly @max_digits or fewer hex digits; -1 on anything else. */
static long parse_hex_field(const char *s, size_t len, size_t max_digits)
{
	long v = 0;
	size_t i;

	if (len == 0 || len > max_digits)
		return -1;
	for (i = 0; i < len; i++) {
		char c = s[i];
		int d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v * 16 + d;
	}
	return v;
}

int pci_addr_parse(const char *str, struct pci_addr *out)
{
	const char *dot, *colon2, *colon1 = NULL;
	long domain = 0, bus, dev, fn;

	if (!str)
		return -EINVAL;
	dot = strrchr(str, '.');
	if (!dot)
		return -EINVAL;
	colon2 = memrchr(str, ':', (size_t)(dot - str));
	if (!colon2)
		return -EINVAL;
	if (colon2 > str)
		colon1 = memrchr(str, ':', (size_t)(colon2 - str));

	if (colon1) {
		domain = parse_hex_field(str, (size_t)(colon1 - str), 8);
		bus = parse_hex_field(colon1 + 1, (size_t)(colon2 - colon1 - 1),
				      2);
	} else {
		bus = parse_hex_field(str, (size_t)(colon2 - str), 2);
	}
	dev = parse_hex_field(colon2 + 1, (size_t)(dot - colon2 - 1), 2);
	fn = parse_hex_field(dot + 1, strlen(dot + 1), 1);
	if (domain < 0 || bus < 0 || dev < 0 || dev > 0x1f || fn < 0 || fn > 7)
		return -EINVAL;

	out->domain = (uint32_t)domain;
	out->bus = (uint8_t)bus;
	out->dev = (uint8_t)dev;
	out->fn = (uint8_t)fn;
	return 0;
}

const char *pci_addr_format(const struct pci_addr *addr, char *buf, size_t len)
{
	snprintf(buf, len, "%04x:%02x:%02x.%x", addr->domain, addr->bus,
		 addr->dev, addr->fn);
	return buf;
}

bool pci_addr_equal(const struct pci_addr *a, const struct pci_addr *b)
{
	return a->domain == b->domain && a->bus == b->bus && a->dev == b->dev &&
	       a->fn == b->fn;
}

static int pci_addr_cmp(const struct pci_addr *a, const struct pci_addr *b)
{
	if (a->domain != b->domain)
		return a->domain < b->domain ? -1 : 1;
	if (a->bus != b->bus)
		return a->bus < b->bus ? -1 : 1;
	if (a->dev != b->dev)
		return a->dev < b->dev ? -1 : 1;
	if (a->fn != b->fn)
		return a->fn < b->fn ? -1 : 1;
	return 0;
}

const char *pci_role_name(enum pci_role role)
{
	switch (role) {
	case PCI_ROLE_ENDPOINT:
		return "endpoint";
	case PCI_ROLE_RC_ENDPOINT:
		return "rc-endpoint";
	case PCI_ROLE_ROOT_PORT:
		return "root-port";
	case PCI_ROLE_SWITCH_UP:
		return "switch-upstream";
	case PCI_ROLE_SWITCH_DOWN:
		return "switch-downstream";
	case PCI_ROLE_BRIDGE:
		return "bridge";
	case PCI_ROLE_HOST_BRIDGE:
		return "host-bridge";
	case PCI_ROLE_OTHER:
		break;
	}
	return "other";
}

const char *p2p_verdict_name(enum p2p_verdict v)
{
	switch (v) {
	case P2P_DIRECT:
		return "direct";
	case P2P_HOST_BRIDGE:
		return "host-bridge";
	case P2P_REFUSED:
		break;
	}
	return "refused";
}

const char *p2p_class_name(enum p2p_class c)
{
	switch (c) {
	case P2P_CLASS_PIX:
		return "PIX";
	case P2P_CLASS_PXB:
		return "PXB";
	case P2P_CLASS_PHB:
		return "PHB";
	case P2P_CLASS_NODE:
		return "NODE";
	case P2P_CLASS_SYS:
		break;
	}
	return "SYS";
}

/* ------------------------------------------------------------------ */
/* Loading with libpci                                                 */

/*
 * libpci reports fatal errors through a callback that must not return
 * (its default prints and exits).  It has no user pointer, so the jump
 * target and the message live here; loading is not reentrant.
 */
static jmp_buf *libpci_jump;
static char libpci_message[256];

static void PCI_NONRET libpci_error(char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	vsnprintf(libpci_message, sizeof(libpci_message), msg, ap);
	va_end(ap);
	if (libpci_jump)
		longjmp(*libpci_jump, 1);
	/* Not reachable while loading; never let libpci exit for us. */
	abort();
}

static void libpci_quiet(char *msg, ...)
{
}

/* Current link speed codes of the Link Status register, in 0.1 GT/s. */
static unsigned int link_speed_dgts(unsigned int code)
{
	static const unsigned int speeds[] = { 0, 25, 50, 80, 160, 320, 640 };

	return code < ARRAY_SIZE(speeds) ? speeds[code] : 0;
}

static enum pci_role role_from_exp_type(unsigned int type)
{
	switch (type) {
	case PCI_EXP_TYPE_ENDPOINT:
	case PCI_EXP_TYPE_LEG_END:
		return PCI_ROLE_ENDPOINT;
	case PCI_EXP_TYPE_ROOT_INT_EP:
		return PCI_ROLE_RC_ENDPOINT;
	case PCI_EXP_TYPE_ROOT_PORT:
		return PCI_ROLE_ROOT_PORT;
	case PCI_EXP_TYPE_UPSTREAM:
		return PCI_ROLE_SWITCH_UP;
	case PCI_EXP_TYPE_DOWNSTREAM:
		return PCI_ROLE_SWITCH_DOWN;
	case PCI_EXP_TYPE_PCI_BRIDGE:
	case PCI_EXP_TYPE_PCIE_BRIDGE:
		return PCI_ROLE_BRIDGE;
	default:
		return PCI_ROLE_OTHER;
	}
}

static void fill_node(struct pci_dev *d, bool from_dump, struct pci_node *n)
{
	unsigned int header_type;
	struct pci_cap *exp, *acs;
	uint8_t probe[4];
	uint16_t status;
	int known;

	memset(n, 0, sizeof(*n));
	n->addr.domain = (uint32_t)d->domain;
	n->addr.bus = d->bus;
	n->addr.dev = d->dev;
	n->addr.fn = d->func;
	n->parent = -1;
	n->numa_node = -1;

	known = pci_fill_info(d, PCI_FILL_IDENT | PCI_FILL_CLASS |
					 PCI_FILL_CAPS | PCI_FILL_EXT_CAPS |
					 PCI_FILL_NUMA_NODE);
	n->vendor = d->vendor_id;
	n->device = d->device_id;
	n->class = ((uint32_t)d->device_class << 8) |
		   pci_read_byte(d, PCI_CLASS_PROG);
	if ((known & PCI_FILL_NUMA_NODE) && d->numa_node >= 0)
		n->numa_node = d->numa_node;

	header_type = pci_read_byte(d, PCI_HEADER_TYPE) & 0x7f;
	n->is_bridge = header_type == PCI_HEADER_TYPE_BRIDGE ||
		       header_type == PCI_HEADER_TYPE_CARDBUS;
	if (n->is_bridge) {
		n->secondary_bus = pci_read_byte(d, PCI_SECONDARY_BUS);
		n->subordinate_bus = pci_read_byte(d, PCI_SUBORDINATE_BUS);
	}

	/*
	 * Unprivileged readers get only the first 64 bytes from the kernel
	 * (and "lspci -xxxx" run by them silently prints only those): with
	 * a capability list announced but unreadable, every capability is
	 * unknown, not absent.
	 */
	status = pci_read_word(d, PCI_STATUS);
	if ((status & PCI_STATUS_CAP_LIST) &&
	    !pci_read_block(d, 0x40, probe, sizeof(probe)))
		n->config_truncated = true;

	exp = n->config_truncated ?
		      NULL :
		      pci_find_cap(d, PCI_CAP_ID_EXP, PCI_CAP_NORMAL);
	if (exp) {
		uint16_t flags = pci_read_word(d, exp->addr + PCI_EXP_FLAGS);
		uint16_t lnksta = pci_read_word(d, exp->addr + PCI_EXP_LNKSTA);

		n->role = role_from_exp_type((flags & PCI_EXP_FLAGS_TYPE) >> 4);
		n->link_speed_dgts = link_speed_dgts(lnksta & 0xf);
		n->link_width = n->link_speed_dgts ? (lnksta >> 4) & 0x3f : 0;
		/*
		 * A live 256-byte config file is the kernel's own view (no
		 * extended config access: it sees no ACS either).  A capture
		 * cut at 256 bytes ("lspci -xxx") merely lost the rest.
		 */
		if (from_dump && !pci_read_block(d, 0x100, probe, 4))
			n->config_truncated = true;
	} else if (n->is_bridge) {
		n->role = PCI_ROLE_BRIDGE;
	} else {
		n->role = PCI_ROLE_ENDPOINT;
	}
	if ((n->class >> 8) == PCI_CLASS_BRIDGE_HOST)
		n->role = PCI_ROLE_HOST_BRIDGE;

	acs = n->config_truncated ?
		      NULL :
		      pci_find_cap(d, PCI_EXT_CAP_ID_ACS, PCI_CAP_EXTENDED);
	if (acs) {
		n->has_acs = true;
		n->acs_cap_offset = (uint16_t)acs->addr;
		n->acs_cap = pci_read_word(d, acs->addr + PCI_ACS_CAP);
		n->acs_ctrl = pci_read_word(d, acs->addr + PCI_ACS_CTRL);
	}
}

static int node_cmp(const void *a, const void *b)
{
	const struct pci_node *x = a, *y = b;

	return pci_addr_cmp(&x->addr, &y->addr);
}

/*
 * Parents from bridge bus numbers, as "lspci -t" does: the dump back end
 * knows no parents, and sysfs ones stop at the root bus anyway.  The
 * upstream bridge of a function is the bridge in its domain whose
 * secondary bus is the function's bus.
 */
static void link_parents(struct pci_topo *topo)
{
	size_t i, j;

	for (i = 0; i < topo->count; i++) {
		struct pci_node *n = &topo->nodes[i];

		for (j = 0; j < topo->count; j++) {
			const struct pci_node *br = &topo->nodes[j];

			if (j == i || !br->is_bridge ||
			    br->addr.domain != n->addr.domain)
				continue;
			/* Unconfigured or looping bus numbers. */
			if (br->secondary_bus <= br->addr.bus ||
			    br->subordinate_bus < br->secondary_bus)
				continue;
			if (br->secondary_bus == n->addr.bus) {
				n->parent = (int)j;
				break;
			}
		}
	}
}

static int load_with_libpci(struct pci_access *pacc, bool from_dump,
			    struct pci_topo *topo)
{
	struct pci_dev *d;
	size_t n = 0;

	pci_init(pacc);
	pci_scan_bus(pacc);
	for (d = pacc->devices; d; d = d->next)
		n++;
	if (n == 0)
		return 0;
	topo->nodes = calloc(n, sizeof(*topo->nodes));
	if (!topo->nodes)
		return -ENOMEM;
	for (d = pacc->devices; d; d = d->next) {
		fill_node(d, from_dump, &topo->nodes[topo->count]);
		if (topo->nodes[topo->count].config_truncated)
			topo->config_truncated = true;
		topo->count++;
	}
	/* libpci prepends each function it finds: sort ourselves. */
	qsort(topo->nodes, topo->count, sizeof(*topo->nodes), node_cmp);
	link_parents(topo);
	return 0;
}

int pci_topo_load(const struct pci_topo_opts *opts, struct pci_topo **out,
		  char *err_msg, size_t err_len)
{
	bool from_dump = opts && opts->dump_file;
	struct pci_access *pacc;
	struct pci_topo *topo;
	char path[PATH_MAX];
	jmp_buf jump;
	int ret;

	*out = NULL;
	if (err_len)
		err_msg[0] = '\0';
	if (from_dump) {
		if (access(opts->dump_file, R_OK)) {
			ret = -errno;
			snprintf(err_msg, err_len, "cannot read %s: %s",
				 opts->dump_file, strerror(errno));
			return ret;
		}
	} else {
		ret = sysfs_path(path, sizeof(path), "/sys/bus/pci");
		if (ret)
			return ret;
		if (access(path, R_OK)) {
			ret = -errno;
			snprintf(err_msg, err_len, "cannot read %s: %s", path,
				 strerror(errno));
			return ret;
		}
	}

	topo = calloc(1, sizeof(*topo));
	if (!topo)
		return -ENOMEM;
	pacc = pci_alloc();
	if (!pacc) {
		free(topo);
		return -ENOMEM;
	}
	pacc->error = libpci_error;
	pacc->warning = libpci_quiet;
	pacc->debug = libpci_quiet;
	if (from_dump) {
		pacc->method = PCI_ACCESS_DUMP;
		ret = pci_set_param(pacc, "dump.name", (char *)opts->dump_file);
	} else {
		pacc->method = PCI_ACCESS_SYS_BUS_PCI;
		ret = pci_set_param(pacc, "sysfs.path", path);
	}
	if (ret) {
		snprintf(err_msg, err_len, "libpci lacks the %s access method",
			 from_dump ? "dump" : "sysfs");
		ret = -ENOTSUP;
		goto out;
	}

	libpci_message[0] = '\0';
	libpci_jump = &jump;
	if (setjmp(jump)) {
		snprintf(err_msg, err_len, "%s", libpci_message);
		/* Everything libpci rejects in a capture is its content. */
		ret = from_dump ? -EINVAL : -EIO;
		goto out;
	}
	ret = load_with_libpci(pacc, from_dump, topo);
out:
	libpci_jump = NULL;
	pci_cleanup(pacc);
	if (ret) {
		pci_topo_free(topo);
		return ret;
	}
	*out = topo;
	return 0;
}

void pci_topo_free(struct pci_topo *topo)
{
	if (!topo)
		return;
	free(topo->nodes);
	free(topo);
}

int pci_topo_find(const struct pci_topo *topo, const struct pci_addr *addr)
{
	size_t i;

	for (i = 0; i < topo->count; i++)
		if (pci_addr_equal(&topo->nodes[i].addr, addr))
			return (int)i;
	return -ENOENT;
}

/* ------------------------------------------------------------------ */
/* Platform                                                            */

int p2p_platform_detect(struct p2p_platform *plat)
{
	char buf[8192];
	const char *line;
	int ret;

	memset(plat, 0, sizeof(*plat));
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

bool p2p_platform_cpu_allows(const struct p2p_platform *plat)
{
	/* cpu_supports_p2pdma(): x86_vendor AMD (not Hygon), family >= Zen. */
	return plat && plat->cpu_known && plat->cpu_amd &&
	       plat->cpu_family >= 0x17;
}

/* ------------------------------------------------------------------ */
/* The kernel's verdict                                                */

#define REQ_SAME_HOST_BRIDGE 0x1
#define WHITELIST_ANY_DEVICE 0xffffffffu

/*
 * pci_p2pdma_whitelist[] of drivers/pci/p2pdma.c, copied as facts (IDs
 * and flags).  Source: the PCI maintainer tree (kernel.org pci/pci.git)
 * at commit cd2698d76c31, newer than Linux 6.18.  Older kernels carry a
 * subset (the Intel Xeon E5/E7 and Skylake-E entries date from 4.20 to
 * 5.x; the accelerator, NVIDIA and Zhaoxin ones are recent), so an older
 * kernel may refuse a host bridge listed here.
 */
const char p2p_whitelist_source[] =
	"drivers/pci/p2pdma.c pci_p2pdma_whitelist[], pci.git cd2698d76c31 (after Linux 6.18)";

static const struct host_bridge_entry {
	uint16_t vendor;
	uint32_t device;
	unsigned int flags;
} host_bridge_whitelist[] = {
	/* Intel Xeon E5/Core i7 */
	{ 0x8086, 0x3c00, REQ_SAME_HOST_BRIDGE },
	{ 0x8086, 0x3c01, REQ_SAME_HOST_BRIDGE },
	/* Intel Xeon E7 v3/Xeon E5 v3/Core i7 */
	{ 0x8086, 0x2f00, REQ_SAME_HOST_BRIDGE },
	{ 0x8086, 0x2f01, REQ_SAME_HOST_BRIDGE },
	/* Intel Skylake-E */
	{ 0x8086, 0x2030, 0 },
	{ 0x8086, 0x2031, 0 },
	{ 0x8086, 0x2032, 0 },
	{ 0x8086, 0x2033, 0 },
	{ 0x8086, 0x2020, 0 },
	{ 0x8086, 0x09a2, 0 },
	/* Intel DSA/IAX (Sapphire Rapids, Granite Rapids-D, Diamond Rapids) */
	{ 0x8086, 0x0b25, 0 },
	{ 0x8086, 0x0cfe, 0 },
	{ 0x8086, 0x11fb, 0 },
	{ 0x8086, 0x1212, 0 },
	{ 0x8086, 0x1216, 0 },
	/* Intel QAT 4xxx, 401xx, 402xx, 420xx, 6xxx */
	{ 0x8086, 0x4940, 0 },
	{ 0x8086, 0x4942, 0 },
	{ 0x8086, 0x4944, 0 },
	{ 0x8086, 0x4946, 0 },
	{ 0x8086, 0x4948, 0 },
	/* Google SoCs */
	{ 0x1ae0, WHITELIST_ANY_DEVICE, 0 },
	/* NVIDIA CPUs */
	{ 0x10de, 0x2f95, 0 },
	{ 0x10de, 0x2f96, 0 },
	{ 0x10de, 0x2f97, 0 },
	{ 0x10de, 0x2f98, 0 },
	/* Zhaoxin KX-6000/KH-40000/KX-6000G/KX-7000/KH-50000 */
	{ 0x1d17, 0x1003, REQ_SAME_HOST_BRIDGE },
	{ 0x1d17, 0x1005, REQ_SAME_HOST_BRIDGE },
	{ 0x1d17, 0x1006, REQ_SAME_HOST_BRIDGE },
	{ 0x1d17, 0x1007, REQ_SAME_HOST_BRIDGE },
	{ 0x1d17, 0x1008, 0 },
};

bool p2p_host_bridge_whitelisted(uint16_t vendor, uint16_t device,
				 bool same_host_bridge)
{
	size_t i;

	/* The first entry matching vendor and device decides, as in the kernel. */
	for (i = 0; i < ARRAY_SIZE(host_bridge_whitelist); i++) {
		const struct host_bridge_entry *e = &host_bridge_whitelist[i];

		if (e->vendor != vendor)
			continue;
		if (e->device != WHITELIST_ANY_DEVICE && e->device != device)
			continue;
		return same_host_bridge || !(e->flags & REQ_SAME_HOST_BRIDGE);
	}
	return false;
}

/* The top-most ancestor (a function on a root bus) of @node. */
static int top_of(const struct pci_topo *topo, int node)
{
	int depth = 0;

	while (topo->nodes[node].parent >= 0 && depth++ < P2P_MAX_PATH)
		node = topo->nodes[node].parent;
	return node;
}

/*
 * pci_host_bridge_dev(): the first function on the host's root bus,
 * taken only if it is devfn 00.0 or a root port.
 */
int p2p_host_bridge_of(const struct pci_topo *topo, int node)
{
	const struct pci_node *top;
	size_t i;

	if (node < 0 || (size_t)node >= topo->count)
		return -1;
	top = &topo->nodes[top_of(topo, node)];
	for (i = 0; i < topo->count; i++) {
		const struct pci_node *n = &topo->nodes[i];

		if (n->parent >= 0 || n->addr.domain != top->addr.domain ||
		    n->addr.bus != top->addr.bus)
			continue;
		/* Sorted: this is the lowest devfn on the root bus. */
		if ((n->addr.dev == 0 && n->addr.fn == 0) ||
		    n->role == PCI_ROLE_ROOT_PORT)
			return (int)i;
		return -1;
	}
	return -1;
}

static bool same_root_bus(const struct pci_topo *topo, int a, int b)
{
	const struct pci_node *ta = &topo->nodes[top_of(topo, a)];
	const struct pci_node *tb = &topo->nodes[top_of(topo, b)];

	return ta->addr.domain == tb->addr.domain &&
	       ta->addr.bus == tb->addr.bus;
}

/* Upstream chain of @node, @node first; -ELOOP on a cycle or depth. */
static int chain_up(const struct pci_topo *topo, int node, int *chain,
		    size_t max, size_t *len)
{
	size_t n = 0;

	while (node >= 0) {
		if (n == max)
			return -ELOOP;
		chain[n++] = node;
		node = topo->nodes[node].parent;
	}
	*len = n;
	return 0;
}

/* pci_bridge_has_acs_redir(): any function with an ACS capability. */
static bool has_acs_redirect(const struct pci_node *n)
{
	return n->has_acs && (n->acs_ctrl & ACS_REDIR_MASK);
}

static void check_acs(const struct pci_topo *topo, int node,
		      struct p2p_result *res)
{
	const struct pci_node *n = &topo->nodes[node];

	if (n->config_truncated)
		res->acs_unknown = true;
	if (has_acs_redirect(n))
		res->acs_redirect[res->acs_redirect_count++] = node;
}

static int depth_of(const struct pci_topo *topo, int node)
{
	int depth = 0;

	while (topo->nodes[node].parent >= 0 && depth < P2P_MAX_PATH) {
		node = topo->nodes[node].parent;
		depth++;
	}
	return depth;
}

/*
 * Is @n a switch downstream port?  Without its PCIe capability (config
 * space truncated) fall back on the shape of a PCIe tree: below a root
 * port (depth 0), bridges alternate upstream (odd depth) and downstream
 * (even depth) ports.
 */
static bool is_downstream_port(const struct pci_topo *topo, int node)
{
	const struct pci_node *n = &topo->nodes[node];
	int depth;

	if (n->parent < 0)
		return false;
	if (n->role == PCI_ROLE_SWITCH_DOWN)
		return topo->nodes[n->parent].role == PCI_ROLE_SWITCH_UP ||
		       topo->nodes[n->parent].config_truncated;
	if (!n->config_truncated || !n->is_bridge)
		return false;
	depth = depth_of(topo, node);
	return depth >= 2 && depth % 2 == 0 && topo->nodes[n->parent].is_bridge;
}

/*
 * A switch is one hop however many of its ports the path touches: a
 * downstream port counts as its upstream port.  Root ports and other
 * bridges count as themselves.
 */
static unsigned int count_bridge_levels(const struct pci_topo *topo,
					const struct p2p_result *res)
{
	int units[P2P_MAX_PATH];
	unsigned int count = 0, k;
	size_t i;

	for (i = 1; i + 1 < res->path_len; i++) {
		int node = res->path[i];
		const struct pci_node *n = &topo->nodes[node];
		bool seen = false;

		if (is_downstream_port(topo, node))
			node = n->parent;
		for (k = 0; k < count; k++)
			seen |= units[k] == node;
		if (!seen)
			units[count++] = node;
	}
	return count;
}

static enum p2p_class classify(const struct pci_topo *topo, int provider,
			       int client, const struct p2p_result *res)
{
	int na, nb;

	if (res->common >= 0)
		return res->bridge_levels > 1 ? P2P_CLASS_PXB : P2P_CLASS_PIX;
	if (same_root_bus(topo, provider, client))
		return P2P_CLASS_PHB;
	/* Different host bridges: SYS only when NUMA says so for sure. */
	na = topo->nodes[provider].numa_node;
	nb = topo->nodes[client].numa_node;
	if (na >= 0 && nb >= 0 && na != nb)
		return P2P_CLASS_SYS;
	return P2P_CLASS_NODE;
}

/* The first function of @a (walking up) that is also in @b. */
static bool find_common(const int *a, size_t na, const int *b, size_t nb,
			size_t *ia, size_t *ib)
{
	size_t i, j;

	for (i = 0; i < na; i++) {
		for (j = 0; j < nb; j++) {
			if (a[i] == b[j]) {
				*ia = i;
				*ib = j;
				return true;
			}
		}
	}
	return false;
}

static void check_whitelist(const struct pci_topo *topo, struct p2p_result *res)
{
	const struct pci_node *ha, *hb;

	/* No host bridge function to match: the kernel says no. */
	if (res->host_bridge_provider < 0 || res->host_bridge_client < 0)
		return;
	ha = &topo->nodes[res->host_bridge_provider];
	hb = &topo->nodes[res->host_bridge_client];
	if (res->same_host_bridge)
		res->host_bridge_whitelisted = p2p_host_bridge_whitelisted(
			ha->vendor, ha->device, true);
	else
		res->host_bridge_whitelisted =
			p2p_host_bridge_whitelisted(ha->vendor, ha->device,
						    false) &&
			p2p_host_bridge_whitelisted(hb->vendor, hb->device,
						    false);
}

/*
 * calc_map_type_and_dist(): walk up from the provider; at each level
 * look for that function in the client's upstream chain.  ACS redirect
 * counts on the provider side up to and including the common function
 * and on the client side strictly below it.  Without a common function
 * ACS plays no part: the kernel goes straight to the host-bridge test.
 */
int p2p_evaluate(const struct pci_topo *topo, int provider, int client,
		 const struct p2p_platform *plat, struct p2p_result *res)
{
	int chain_a[P2P_MAX_PATH / 2], chain_b[P2P_MAX_PATH / 2];
	size_t na, nb, ia, ib, up_len, down_len, k;
	bool found;
	int ret;

	memset(res, 0, sizeof(*res));
	res->common = -1;
	res->host_bridge_provider = -1;
	res->host_bridge_client = -1;
	if (!topo || provider < 0 || client < 0 ||
	    (size_t)provider >= topo->count || (size_t)client >= topo->count)
		return -EINVAL;
	ret = chain_up(topo, provider, chain_a, ARRAY_SIZE(chain_a), &na);
	if (ret)
		return ret;
	ret = chain_up(topo, client, chain_b, ARRAY_SIZE(chain_b), &nb);
	if (ret)
		return ret;

	found = find_common(chain_a, na, chain_b, nb, &ia, &ib);
	if (found) {
		res->common = chain_a[ia];
		res->distance = (int)(ia + ib);
		up_len = ia + 1;
		down_len = ib;
		for (k = 0; k < up_len; k++)
			check_acs(topo, chain_a[k], res);
		for (k = 0; k < down_len; k++)
			check_acs(topo, chain_b[k], res);
	} else {
		/* dist_a and dist_b count every function walked. */
		res->distance = (int)(na + nb);
		up_len = na;
		down_len = nb;
	}

	for (k = 0; k < up_len; k++)
		res->path[res->path_len++] = chain_a[k];
	for (k = down_len; k > 0; k--)
		res->path[res->path_len++] = chain_b[k - 1];

	res->same_host_bridge = same_root_bus(topo, provider, client);
	res->host_bridge_provider = p2p_host_bridge_of(topo, provider);
	res->host_bridge_client = p2p_host_bridge_of(topo, client);
	res->cpu_allows = p2p_platform_cpu_allows(plat);
	res->bridge_levels = count_bridge_levels(topo, res);
	check_whitelist(topo, res);

	if (found && res->acs_redirect_count == 0)
		res->verdict = P2P_DIRECT;
	else if (res->cpu_allows || res->host_bridge_whitelisted)
		res->verdict = P2P_HOST_BRIDGE;
	else
		res->verdict = P2P_REFUSED;
	res->class = classify(topo, provider, client, res);
	return 0;
}
