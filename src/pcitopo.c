// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * PCI topology from libpci: the live system (sysfs back end) or an
 * "lspci -xxxx" capture (dump back end).  The P2P rule is in p2pdma.c.
 * One file: both back ends fill the same tree through the same libpci
 * calls and capability walks; only the access method differs.
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

int pci_addr_cmp(const struct pci_addr *a, const struct pci_addr *b)
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

/* SR-IOV registers (PCIe base spec 9.3.3): where a PF's VFs are. */
#define SRIOV_CTRL 0x08
#define SRIOV_CTRL_VFE 0x0001
#define SRIOV_NUM_VF 0x10
#define SRIOV_VF_OFFSET 0x14
#define SRIOV_VF_STRIDE 0x16

static void fill_sriov(struct pci_dev *d, struct pci_node *n)
{
	struct pci_cap *cap;

	if (n->config_truncated)
		return;
	cap = pci_find_cap(d, PCI_EXT_CAP_ID_SRIOV, PCI_CAP_EXTENDED);
	if (!cap ||
	    !(pci_read_word(d, cap->addr + SRIOV_CTRL) & SRIOV_CTRL_VFE))
		return;
	n->sriov_vfs = pci_read_word(d, cap->addr + SRIOV_NUM_VF);
	n->sriov_offset = pci_read_word(d, cap->addr + SRIOV_VF_OFFSET);
	n->sriov_stride = pci_read_word(d, cap->addr + SRIOV_VF_STRIDE);
}

/* Capabilities: the PCIe port type and link, and the ACS registers. */
static void fill_caps(struct pci_dev *d, bool from_dump, struct pci_node *n)
{
	struct pci_cap *exp, *acs;
	uint8_t probe[4];
	uint16_t status;

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

	/* 64 readable bytes hide the type; 256 ("-xxx") show it. */
	n->port_type_known = !n->config_truncated;
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
	} else {
		n->role = n->is_bridge ? PCI_ROLE_BRIDGE : PCI_ROLE_ENDPOINT;
	}

	fill_sriov(d, n);
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

static void fill_node(struct pci_dev *d, bool from_dump, struct pci_node *n)
{
	unsigned int header_type;
	int known;

	memset(n, 0, sizeof(*n));
	n->addr.domain = (uint32_t)d->domain;
	n->addr.bus = d->bus;
	n->addr.dev = d->dev;
	n->addr.fn = d->func;
	n->parent = -1;
	n->physfn = -1;
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
	fill_caps(d, from_dump, n);
	if ((n->class >> 8) == PCI_CLASS_BRIDGE_HOST)
		n->role = PCI_ROLE_HOST_BRIDGE;
}

static int node_cmp(const void *a, const void *b)
{
	const struct pci_node *x = a, *y = b;

	return pci_addr_cmp(&x->addr, &y->addr);
}

bool pci_node_acs_redirects(const struct pci_node *n)
{
	return n->has_acs && (n->acs_ctrl & ACS_REDIR_MASK);
}

/* The bridge whose secondary bus is @n's bus, or -1. */
static int bridge_owning_bus(const struct pci_topo *topo, size_t self,
			     bool exact)
{
	const struct pci_node *n = &topo->nodes[self];
	int best = -1;
	size_t j;

	for (j = 0; j < topo->count; j++) {
		const struct pci_node *br = &topo->nodes[j];

		if (j == self || !br->is_bridge ||
		    br->addr.domain != n->addr.domain)
			continue;
		/* Unconfigured or looping bus numbers. */
		if (br->secondary_bus <= br->addr.bus ||
		    br->subordinate_bus < br->secondary_bus)
			continue;
		if (exact && br->secondary_bus == n->addr.bus)
			return (int)j;
		/* Inside the range: the narrowest range is the nearest bridge. */
		if (!exact && br->secondary_bus < n->addr.bus &&
		    n->addr.bus <= br->subordinate_bus &&
		    (best < 0 ||
		     br->secondary_bus > topo->nodes[best].secondary_bus))
			best = (int)j;
	}
	return best;
}

static unsigned int routing_id(const struct pci_addr *a)
{
	return ((unsigned int)a->bus << 8) | ((unsigned int)a->dev << 3) |
	       a->fn;
}

/* The PF whose enabled VFs include @self's routing ID, or -1. */
static int sriov_pf_of(const struct pci_topo *topo, size_t self)
{
	const struct pci_node *n = &topo->nodes[self];
	unsigned int rid = routing_id(&n->addr), k;
	size_t j;

	for (j = 0; j < topo->count; j++) {
		const struct pci_node *pf = &topo->nodes[j];
		unsigned int first;

		if (j == self || !pf->sriov_vfs ||
		    pf->addr.domain != n->addr.domain)
			continue;
		first = routing_id(&pf->addr) + pf->sriov_offset;
		for (k = 0; k < pf->sriov_vfs; k++)
			if (((first + k * pf->sriov_stride) & 0xffff) == rid)
				return (int)j;
	}
	return -1;
}

/*
 * Parents from bridge bus numbers, as "lspci -t" does: the dump back end
 * knows no parents, and sysfs ones stop at the root bus anyway.  The
 * upstream bridge of a function is the bridge in its domain whose
 * secondary bus is the function's bus.  In a capture, a function on a
 * bus no bridge has as its secondary bus is an SR-IOV virtual function
 * if a physical function's SR-IOV capability places a VF there (its
 * upstream bridge is then the PF's, as pci_upstream_bridge() has it);
 * otherwise the capture lost the bridge above it (an orphan).  Live,
 * the physfn links say which functions are VFs (link_physfns()).
 */
static void link_parents(struct pci_topo *topo)
{
	size_t i;

	for (i = 0; i < topo->count; i++) {
		struct pci_node *n = &topo->nodes[i];

		n->parent = bridge_owning_bus(topo, i, true);
		if (n->parent >= 0 || topo->live)
			continue;
		n->physfn = sriov_pf_of(topo, i);
		if (n->physfn >= 0) {
			n->virtfn = true;
			topo->gaps.virtual_bus = true;
			continue;
		}
		n->parent = bridge_owning_bus(topo, i, false);
		if (n->parent >= 0) {
			n->orphan = true;
			topo->gaps.orphans = true;
		}
	}
	/* A PF is never a VF: its parent is final by now. */
	for (i = 0; i < topo->count; i++)
		if (topo->nodes[i].virtfn)
			topo->nodes[i].parent =
				topo->nodes[topo->nodes[i].physfn].parent;
}

/*
 * Live: an SR-IOV VF's physfn link names its PF, whose upstream bridge
 * is the VF's (pci_upstream_bridge() switches to the physfn).
 */
static void link_physfns(struct pci_topo *topo)
{
	char link[96], real[PATH_MAX], bdf[PCI_ADDR_STRLEN];
	struct pci_addr pf;
	const char *base;
	size_t i;
	int idx;

	for (i = 0; i < topo->count; i++) {
		struct pci_node *n = &topo->nodes[i];

		snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/physfn",
			 pci_addr_format(&n->addr, bdf, sizeof(bdf)));
		if (sysfs_realpath(link, real, sizeof(real)))
			continue;
		base = strrchr(real, '/');
		if (!base || pci_addr_parse(base + 1, &pf))
			continue;
		idx = pci_topo_find(topo, &pf);
		if (idx < 0)
			continue;
		n->virtfn = true;
		n->physfn = idx;
		n->parent = topo->nodes[idx].parent;
	}
}

/* What a capture lacks: no host bridge, a root bus starting mid-tree. */
static void find_gaps(struct pci_topo *topo)
{
	bool any_host = false;
	size_t i;

	for (i = 0; i < topo->count; i++) {
		const struct pci_node *n = &topo->nodes[i];

		any_host |= n->role == PCI_ROLE_HOST_BRIDGE;
		/* Live sysfs lists everything; bus 0 is always a root bus. */
		if (topo->live || n->addr.bus == 0 || n->virtfn ||
		    n->parent >= 0 ||
		    (i > 0 && topo->nodes[i - 1].parent < 0 &&
		     topo->nodes[i - 1].addr.bus == n->addr.bus &&
		     topo->nodes[i - 1].addr.domain == n->addr.domain))
			continue;
		/*
		 * The first function of a root bus is a host bridge, a root
		 * port or an integrated endpoint; a switch port or a plain
		 * endpoint first on a bus other than 0 means the capture
		 * may have left out the ports above.
		 */
		if (n->role == PCI_ROLE_SWITCH_DOWN ||
		    n->role == PCI_ROLE_SWITCH_UP ||
		    n->role == PCI_ROLE_ENDPOINT ||
		    (!n->port_type_known && n->role != PCI_ROLE_HOST_BRIDGE))
			topo->gaps.root_bus_partial = true;
	}
	topo->gaps.no_host_bridge = topo->count && !any_host;
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
	topo->live = !from_dump;
	link_parents(topo);
	if (!from_dump)
		link_physfns(topo);
	find_gaps(topo);
	return 0;
}

/* What libpci reads: the capture, or /sys/bus/pci under the sysfs root. */
/*
 * libpci's dump reader (3.9) takes a register line's offset as a signed
 * int and only checks it against the top: "ffffffff: 00" writes before
 * its buffer.  Refuse what no lspci -xxxx prints (an offset past 4 KiB
 * of config space) before libpci reads the file.
 */
static int capture_offsets_check(const char *path, char *err_msg,
				 size_t err_len)
{
	FILE *f = fopen(path, "r");
	char line[512];
	unsigned int lineno = 0;
	int ret = 0;

	if (!f)
		return -errno;
	while (!ret && fgets(line, sizeof(line), f)) {
		size_t digits = strspn(line, "0123456789abcdefABCDEF");

		lineno++;
		if (digits < 2 || line[digits] != ':' ||
		    line[digits + 1] != ' ')
			continue; /* not a register line */
		if (digits > 8 || strtoul(line, NULL, 16) >= 4096) {
			snprintf(
				err_msg, err_len,
				"line %u: a register offset past 4096 bytes of config space; not an lspci -xxxx capture",
				lineno);
			ret = -EINVAL;
		}
	}
	fclose(f);
	return ret;
}

static int source_path(const struct pci_topo_opts *opts, char *path, size_t len,
		       char *err_msg, size_t err_len)
{
	int ret;

	if (opts && opts->dump_file)
		snprintf(path, len, "%s", opts->dump_file);
	else if ((ret = sysfs_path(path, len, "/sys/bus/pci")))
		return ret;
	if (access(path, R_OK)) {
		ret = -errno;
		snprintf(err_msg, err_len, "cannot read %s: %s", path,
			 strerror(errno));
		return ret;
	}
	if (opts && opts->dump_file)
		return capture_offsets_check(path, err_msg, err_len);
	return 0;
}

/* libpci's messages go through us; its source is a capture or sysfs. */
static int libpci_access_set(struct pci_access *pacc, bool from_dump,
			     char *path)
{
	pacc->error = libpci_error;
	pacc->warning = libpci_quiet;
	pacc->debug = libpci_quiet;
	pacc->method = from_dump ? PCI_ACCESS_DUMP : PCI_ACCESS_SYS_BUS_PCI;
	return pci_set_param(pacc, from_dump ? "dump.name" : "sysfs.path",
			     path);
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
	ret = source_path(opts, path, sizeof(path), err_msg, err_len);
	if (ret)
		return ret;

	topo = calloc(1, sizeof(*topo));
	if (!topo)
		return -ENOMEM;
	pacc = pci_alloc();
	if (!pacc) {
		free(topo);
		return -ENOMEM;
	}
	if (libpci_access_set(pacc, from_dump, path)) {
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
