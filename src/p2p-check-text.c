// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * p2p-check's text output: the report, the tree and the matrix.
 * One file: one output format, whose three views share the naming of
 * functions, verdicts and fixes.
 */
#include <stdio.h>
#include <string.h>

#include "p2p-check.h"
#include "util.h"

static const char *class_meaning(enum p2p_class cls)
{
	switch (cls) {
	case P2P_CLASS_PIX:
		return "through at most one switch or bridge";
	case P2P_CLASS_PXB:
		return "through several switch levels, not the host bridge";
	case P2P_CLASS_PHB:
		return "only the host bridge in common";
	case P2P_CLASS_NODE:
		return "across host bridges of one NUMA node";
	case P2P_CLASS_SYS:
		break;
	}
	return "across NUMA nodes";
}

/* "nvme0, nvme1" for a PCI function, "" if none. */
static void ctrl_names(const struct check *c, int node, char *buf, size_t len)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < c->plat.ctrl_count && used < len; i++)
		if (pci_addr_equal(&c->plat.ctrls[i].addr,
				   &c->topo->nodes[node].addr))
			used += snprintf(buf + used, len - used, "%s%s",
					 used ? ", " : "",
					 c->plat.ctrls[i].name);
}

static void describe_node(const struct check *c, int node, char *buf,
			  size_t len)
{
	const struct pci_node *n = &c->topo->nodes[node];
	const struct p2pmem_provider *prov;
	char names[128], size[32];
	size_t used;

	used = snprintf(buf, len, "%04x:%04x", n->vendor, n->device);
	ctrl_names(c, node, names, sizeof(names));
	if (names[0] && used < len)
		used += snprintf(buf + used, len - used, " %s", names);
	if (n->virtfn && used < len)
		used += snprintf(buf + used, len - used, " (virtual function)");
	if (check_has_p2pmem(c, node, &prov) && used < len)
		snprintf(buf + used, len - used, " p2pmem %s %s",
			 format_size(prov->size, size, sizeof(size)),
			 prov->published ? "published" : "unpublished");
}

static void acs_bits(uint16_t v, char *buf, size_t len)
{
	snprintf(buf, len, "SV%c TB%c RR%c CR%c UF%c EC%c DT%c",
		 v & ACS_SV ? '+' : '-', v & ACS_TB ? '+' : '-',
		 v & ACS_RR ? '+' : '-', v & ACS_CR ? '+' : '-',
		 v & ACS_UF ? '+' : '-', v & ACS_EC ? '+' : '-',
		 v & ACS_DT ? '+' : '-');
}

static void print_acs(const struct pci_node *n)
{
	char cap[64], ctl[64];

	if (n->config_truncated) {
		printf("ACS unknown (config space truncated)");
		return;
	}
	if (!n->has_acs) {
		printf("no ACS capability");
		return;
	}
	acs_bits(n->acs_cap, cap, sizeof(cap));
	acs_bits(n->acs_ctrl, ctl, sizeof(ctl));
	printf("ACS@%03x Cap: %s  Ctl: %s", n->acs_cap_offset, cap, ctl);
}

/* ------------------------------------------------------------------ */
/* Platform                                                            */

static void print_kernel(const struct check *c)
{
	const struct platform *p = &c->plat;
	char rel[32];

	p2p_kernel_format(check_kernel(c), rel, sizeof(rel));
	if (p->live)
		printf("  kernel             %s\n",
		       p->kernel_release[0] ? p->kernel_release : "unknown");
	printf("  rules of           Linux %s (%s)\n", rel,
	       c->kernel_source == KERNEL_RUNNING ?
		       "the running kernel" :
	       c->kernel_source == KERNEL_OPTION ?
		       "--kernel" :
		       "newest known; set with --kernel");
}

/* "CMB nvme1 0000:01:00.0  64 MiB in BAR2 at 0 (SQS CQS WDS RDS): ..." */
static void print_cmb(const struct p2p_nvme_cmb *m)
{
	static const char *const bits[] = { "SQS", "CQS", "LISTS", "RDS",
					    "WDS" };
	char bdf[PCI_ADDR_STRLEN], size[32], off[32];
	unsigned int b;

	printf("  CMB                %s %s  %s in BAR%u at offset %s (",
	       m->ctrl, pci_addr_format(&m->addr, bdf, sizeof(bdf)),
	       format_size(m->size, size, sizeof(size)), m->bar,
	       format_size(m->offset, off, sizeof(off)));
	for (b = 0; b < 5; b++)
		if (m->cmbsz & (1u << b))
			printf("%s%s", bits[b],
			       (m->cmbsz & ((1u << 5) - (2u << b))) ? " " : "");
	printf("): %s\n", cmb_verdict_text(m));
}

static void print_live_platform(const struct check *c)
{
	const struct platform *p = &c->plat;
	char bdf[PCI_ADDR_STRLEN], size[32], avail[32];
	size_t i;

	printf("  CONFIG_PCI_P2PDMA  %s%s%s%s\n",
	       kconfig_state_name(p->p2pdma_config),
	       p->p2pdma_config_source[0] ? " (" : "", p->p2pdma_config_source,
	       p->p2pdma_config_source[0] ? ")" : "");
	printf("  IOMMU              ");
	if (p->iommu_present < 0)
		printf("unknown\n");
	else if (!p->iommu_present)
		printf("none\n");
	else
		printf("%zu unit(s), default domain %s\n", p->iommu_units.n,
		       p->iommu_domain_type[0] ? p->iommu_domain_type :
						 "unknown");
	if (!p->p2pmem_count)
		printf("  p2pmem             no providers\n");
	for (i = 0; i < p->p2pmem_count; i++)
		printf("  p2pmem             %s size %s, available %s, %s\n",
		       pci_addr_format(&p->p2pmem[i].addr, bdf, sizeof(bdf)),
		       format_size(p->p2pmem[i].size, size, sizeof(size)),
		       format_size(p->p2pmem[i].available, avail,
				   sizeof(avail)),
		       p->p2pmem[i].published ? "published" : "not published");
	for (i = 0; i < p->cmb_count; i++)
		print_cmb(&p->cmbs[i]);
	printf("  nvme.use_cmb_sqes  %s\n", p->use_cmb_sqes < 0 ? "unknown" :
					    p->use_cmb_sqes	? "Y" :
								  "N");
	printf("  multipath heads    ");
	if (!p->multipath_heads.n)
		printf("none");
	for (i = 0; i < p->multipath_heads.n; i++)
		printf("%s%s", i ? ", " : "", p->multipath_heads.v[i].text);
	printf("\n");
	for (i = 0; i < p->acs_cmdline.n; i++)
		printf("  boot parameter     %s\n", p->acs_cmdline.v[i].text);
}

static void print_platform(const struct check *c)
{
	const struct platform *p = &c->plat;
	const char *cpu_src[] = { "not given", "/proc/cpuinfo", "--cpu" };

	printf("Platform\n");
	if (!p->live)
		printf("  source             capture %s (IOMMU, p2pmem unknown)\n",
		       c->dump_file);
	print_kernel(c);
	if (p->live)
		print_live_platform(c);
	printf("  CPU                ");
	if (p->cpu_source == CPU_UNKNOWN)
		printf("unknown (not given): host-bridge P2P allowed by whitelisted host bridges; AMD Zen would allow all\n");
	else
		printf("%s family 0x%x (%s): %s\n",
		       p->cpu.cpu_vendor_id[0] ? p->cpu.cpu_vendor_id :
						 "non-x86",
		       p->cpu.cpu_family, cpu_src[p->cpu_source],
		       p2p_platform_cpu_allows(&p->cpu) ?
			       "host-bridge P2P allowed (AMD Zen)" :
			       "host-bridge P2P only on whitelisted host bridges");
	printf("\n");
}

/* ------------------------------------------------------------------ */
/* Pairs                                                               */

static void print_host_id(const struct check *c, int hb)
{
	const struct pci_node *n;
	char bdf[PCI_ADDR_STRLEN];

	/* p2p_host_bridge_of(): -1 none, -2 port type unreadable, -3 partial. */
	if (hb < 0) {
		printf("%s", hb == -2 ? "(unreadable)" :
			     hb == -3 ? "(not in the capture)" :
					"(none)");
		return;
	}
	n = &c->topo->nodes[hb];
	printf("%s (%04x:%04x)", check_addr(c, hb, bdf), n->vendor, n->device);
}

/* Is @hb (p2p_host_bridge_of()) a function the whitelist lacks for sure? */
static bool side_unlisted(const struct check *c, int hb)
{
	const struct p2p_whitelist_entry *e;

	if (hb < 0)
		return hb == -1;
	return p2p_whitelist_lookup(c->topo->nodes[hb].vendor,
				    c->topo->nodes[hb].device, check_kernel(c),
				    &e) == P2P_LISTED_NO;
}

static void explain_host_bridge(const struct check *c, const struct pair *pr)
{
	const struct p2p_result *r = &pr->res;
	char rel[32];

	p2p_kernel_format(check_kernel(c), rel, sizeof(rel));
	if ((r->unknown & P2P_UNKNOWN_RELEASE) && r->entry) {
		printf(", and the host bridge is on the kernel's whitelist from %s; whether Linux %s has it is not established\n",
		       r->entry->origin, rel);
		return;
	}
	switch (r->host_reason) {
	case P2P_HOST_CPU:
		printf(", which the kernel allows on AMD Zen CPUs\n");
		return;
	case P2P_HOST_WHITELISTED:
		printf(", and host bridge ");
		print_host_id(c, r->host_bridge_provider);
		if (!r->same_host_bridge) {
			printf(" and ");
			print_host_id(c, r->host_bridge_client);
		}
		printf(" %s on the kernel's whitelist\n",
		       r->same_host_bridge ? "is" : "are");
		return;
	case P2P_HOST_SAME_REQUIRED:
		printf(", the devices are under different host bridges ");
		print_host_id(c, r->host_bridge_provider);
		printf(" and ");
		print_host_id(c, r->host_bridge_client);
		printf(", and the whitelist entry for %04x:%04x requires both under one host bridge (REQ_SAME_HOST_BRIDGE)\n",
		       r->entry ? r->entry->vendor : 0,
		       r->entry ? (unsigned int)r->entry->device : 0);
		return;
	case P2P_HOST_NO_FUNCTION:
		printf(", and the root bus has no function the kernel matches against its whitelist (its first function is neither 00.0 nor a root port)\n");
		return;
	case P2P_HOST_NOT_YET:
		printf(", and the host bridge is on the kernel's whitelist only from %s, not in Linux %s\n",
		       r->entry ? r->entry->origin : "a later release", rel);
		return;
	default:
		break;
	}
	printf(", and host bridge ");
	/* Name the side that decided: a definite "not listed" one. */
	if (r->same_host_bridge || !side_unlisted(c, r->host_bridge_client))
		print_host_id(c, r->host_bridge_provider);
	else if (!side_unlisted(c, r->host_bridge_provider))
		print_host_id(c, r->host_bridge_client);
	else {
		print_host_id(c, r->host_bridge_provider);
		printf(" or ");
		print_host_id(c, r->host_bridge_client);
	}
	printf(" is not on the kernel's whitelist (Linux %s)%s\n", rel,
	       r->unknown & P2P_UNKNOWN_CPU ?
		       ", so it depends on the CPU: allowed on AMD Zen (give --cpu)" :
		       " nor is the CPU AMD Zen");
}

static void explain_blocked(const struct check *c, const struct pair *pr)
{
	char rel[32];

	if (pr->blocked == P2P_KERNEL_NO_CONFIG)
		printf("impossible: the kernel is built without CONFIG_PCI_P2PDMA\n");
	else
		printf("impossible: Linux %s has no userspace p2pmem mapping (6.2 or later needed)\n",
		       p2p_kernel_format(check_kernel(c), rel, sizeof(rel)));
}

static void explain_verdict(const struct check *c, const struct pair *pr)
{
	const struct p2p_result *r = &pr->res;
	char bdf[PCI_ADDR_STRLEN];
	size_t i;

	if (pr->blocked != P2P_KERNEL_OK)
		return explain_blocked(c, pr);
	if (pr->multipath_head && pr->verdict == P2P_REFUSED &&
	    r->verdict != P2P_REFUSED) {
		printf("refused: the device is named through an NVMe multipath head node, whose queue takes no P2P pages %s (the PCIe path alone is %s)\n",
		       p2p_head_takes_p2p(check_kernel(c)) ?
			       "when a path is not a PCI function (fabrics)" :
			       "before Linux 7.2",
		       p2p_verdict_name(r->verdict));
		return;
	}
	if (r->verdict == P2P_DIRECT) {
		printf("direct (bus addresses through %s, no ACS redirect)\n",
		       check_addr(c, r->common, bdf));
		return;
	}
	if (r->unknown & P2P_UNKNOWN_LOST_BRIDGE) {
		printf("unknown: the capture lost a bridge on the path (a function on a bus no bridge owns); direct through %s if it does not redirect\n",
		       check_addr(c, r->common, bdf));
		return;
	}
	if (r->unknown & P2P_UNKNOWN_PARTIAL) {
		printf("unknown: the capture lacks the ports above the devices, where they may share a switch\n");
		return;
	}
	if (r->unknown & P2P_UNKNOWN_HOST_BRIDGE) {
		printf("unknown: the path runs through the host bridge, and whether the root bus's first function is a root port the kernel matches against its whitelist is unreadable\n");
		return;
	}
	if (r->verdict == P2P_UNKNOWN && (r->unknown & P2P_UNKNOWN_ACS)) {
		printf("unknown: direct through %s unless a port with unreadable ACS redirects\n",
		       check_addr(c, r->common, bdf));
		return;
	}
	printf("%s: ", p2p_verdict_name(r->verdict));
	if (r->common >= 0) {
		printf("ACS redirect at");
		for (i = 0; i < r->acs_redirect_count; i++)
			printf(" %s", check_addr(c, r->acs_redirect[i], bdf));
		printf(" sends the traffic up to the host bridge");
	} else {
		printf("no common upstream bridge, the path runs through the host bridge");
	}
	explain_host_bridge(c, pr);
}

static void print_path(const struct check *c, const struct p2p_result *r)
{
	char a[PCI_ADDR_STRLEN], desc[256];
	size_t i, k;

	printf("  path\n");
	for (i = 0; i < r->path_len; i++) {
		int node = r->path[i];
		const struct pci_node *n = &c->topo->nodes[node];
		bool redirect = false;

		for (k = 0; k < r->acs_redirect_count; k++)
			redirect |= r->acs_redirect[k] == node;
		if (r->common < 0 && i == r->up_len)
			printf("    (host bridge)\n");
		describe_node(c, node, desc, sizeof(desc));
		printf("    %s  %-17s  %s", check_addr(c, node, a),
		       pci_role_name(n->role), desc);
		if (n->link_speed_dgts)
			printf("  %u.%u GT/s x%u", n->link_speed_dgts / 10,
			       n->link_speed_dgts % 10, n->link_width);
		printf("\n      ");
		print_acs(n);
		if (redirect)
			printf("  <- redirect");
		if (node == r->common)
			printf("  <- common upstream bridge");
		printf("\n");
	}
}

static void print_fixes(const struct pair *pr)
{
	size_t i;

	if (!pr->fixes.n)
		return;
	printf("  fixes, in order\n");
	for (i = 0; i < pr->fixes.n; i++) {
		const struct str_entry *f = &pr->fixes.v[i];

		printf("    %-8s %s\n",
		       f->tag == FIX_NOW  ? "now:" :
		       f->tag == FIX_BOOT ? "or boot:" :
					    "or:",
		       f->text);
	}
	for (i = 0; i < pr->fixes.n; i++)
		if (strstr(pr->fixes.v[i].text, "/unbind")) {
			printf("    (the rebind makes the kernel forget the verdict it cached for the pair; the provider's namespaces, and anything mounted from them, go away for that moment; or reboot instead)\n");
			break;
		}
	for (i = 0; i < pr->fixes.n; i++)
		if (pr->fixes.v[i].tag == FIX_BOOT &&
		    strchr(pr->fixes.v[i].text, ';')) {
			printf("    (in GRUB_CMDLINE_LINUX, single-quote a parameter with ';' in it)\n");
			break;
		}
}

static void print_pair(const struct check *c, size_t idx)
{
	const struct pair *pr = &c->pairs[idx];
	const struct p2p_result *r = &pr->res;
	char a[PCI_ADDR_STRLEN], b[PCI_ADDR_STRLEN];

	printf("Pair %zu: %s <-> %s\n", idx + 1, check_addr(c, pr->a, a),
	       check_addr(c, pr->b, b));
	print_path(c, r);
	printf("  class     %s (%s)\n", p2p_class_name(r->class),
	       class_meaning(r->class));
	printf("  distance  %d\n", r->distance);
	printf("  verdict   ");
	explain_verdict(c, pr);
	print_fixes(pr);
	printf("\n");
}

/* Which pairs a copy's verdict rests on, and how they combine. */
static void print_copy(const struct check *c)
{
	char bdf[PCI_ADDR_STRLEN];
	size_t i;

	if (!c->copy_mode)
		return;
	printf("Copy %s -> ", check_addr(c, c->copy_src, bdf));
	printf("%s through the p2pmem of ", check_addr(c, c->copy_dst, bdf));
	for (i = 0; i < c->provider_count; i++)
		printf("%s%s", i ? ", " : "",
		       check_addr(c, c->providers[i], bdf));
	printf("\n  the kernel judges each provider with SRC and with DST (SRC and DST are\n"
	       "  never paired); p2pcp takes the provider whose worse path is best\n\n");
}

void print_report(const struct check *c)
{
	size_t i;

	print_platform(c);
	print_copy(c);
	if (!c->pair_count)
		printf("Fewer than two P2P endpoints: nothing to pair.\n\n");
	for (i = 0; i < c->pair_count; i++)
		print_pair(c, i);
}

/* ------------------------------------------------------------------ */
/* Tree                                                                */

/* @node's children, or with @node < 0 the functions on @root's bus. */
static bool is_child(const struct pci_node *n, int node,
		     const struct pci_node *root)
{
	if (node >= 0)
		return n->parent == node;
	return n->parent < 0 && n->addr.domain == root->addr.domain &&
	       n->addr.bus == root->addr.bus;
}

/* Prints one function's line; true if it carried an ACS marker. */
static bool print_tree_node(const struct check *c, size_t i, bool last,
			    const char *prefix)
{
	const struct pci_node *n = &c->topo->nodes[i];
	char desc[256];
	bool marked = true;

	describe_node(c, (int)i, desc, sizeof(desc));
	printf("%s%s%02x:%02x.%x %s %s", prefix, last ? "\\-" : "+-",
	       n->addr.bus, n->addr.dev, n->addr.fn, pci_role_name(n->role),
	       desc);
	if (n->is_bridge)
		printf(" [%02x-%02x]", n->secondary_bus, n->subordinate_bus);
	if (n->config_truncated)
		printf(" ACS?");
	else if (pci_node_acs_redirects(n))
		printf(" ACS-redirect(%s%s%s)",
		       n->acs_ctrl & ACS_RR ? "RR" : "",
		       n->acs_ctrl & ACS_CR ? " CR" : "",
		       n->acs_ctrl & ACS_EC ? " EC" : "");
	else
		marked = false;
	printf("\n");
	return marked;
}

static bool print_subtree(const struct check *c, int node,
			  const struct pci_node *root, const char *prefix)
{
	char next[256];
	size_t i, last = 0;
	bool any = false, marked = false;

	for (i = 0; i < c->topo->count; i++) {
		if (is_child(&c->topo->nodes[i], node, root)) {
			last = i;
			any = true;
		}
	}
	if (!any)
		return false;
	for (i = 0; i <= last; i++) {
		if (!is_child(&c->topo->nodes[i], node, root))
			continue;
		marked |= print_tree_node(c, i, i == last, prefix);
		snprintf(next, sizeof(next), "%s%s", prefix,
			 i == last ? "  " : "| ");
		marked |= print_subtree(c, (int)i, root, next);
	}
	return marked;
}

static void print_root_heading(const struct check *c, const struct pci_node *n,
			       int hb)
{
	const struct p2p_whitelist_entry *e;
	char rel[32];

	printf("[%04x:%02x]", n->addr.domain, n->addr.bus);
	if (hb == -3) {
		printf(" partial: starts with a switch port or an endpoint, the ports above are not in the capture\n");
		return;
	}
	if (hb == -2) {
		printf(" host bridge function unknown (port type unreadable)\n");
		return;
	}
	if (hb < 0) {
		printf(" no host bridge function the kernel's whitelist can match\n");
		return;
	}
	p2p_kernel_format(check_kernel(c), rel, sizeof(rel));
	n = &c->topo->nodes[hb];
	switch (p2p_whitelist_lookup(n->vendor, n->device, check_kernel(c),
				     &e)) {
	case P2P_LISTED_YES:
		printf(" host bridge %04x:%04x, on the kernel's P2PDMA whitelist (Linux %s)%s\n",
		       n->vendor, n->device, rel,
		       e->req_same_host_bridge ? ", same host bridge only" :
						 "");
		break;
	case P2P_LISTED_UNCERTAIN:
		printf(" host bridge %04x:%04x, on the whitelist from %s (whether Linux %s has it is not established)\n",
		       n->vendor, n->device, e->origin, rel);
		break;
	case P2P_LISTED_NO:
		printf(" host bridge %04x:%04x, not on the kernel's P2PDMA whitelist (Linux %s)\n",
		       n->vendor, n->device, rel);
		break;
	}
}

void print_tree(const struct check *c)
{
	const struct pci_topo *t = c->topo;
	bool marked = false;
	size_t i;

	for (i = 0; i < t->count; i++) {
		const struct pci_node *n = &t->nodes[i];

		if (n->parent >= 0 || n->virtfn)
			continue;
		/* One heading per root bus: sorted, so compare the previous. */
		if (i > 0 && t->nodes[i - 1].parent < 0 &&
		    t->nodes[i - 1].addr.domain == n->addr.domain &&
		    t->nodes[i - 1].addr.bus == n->addr.bus)
			continue;
		print_root_heading(c, n, p2p_host_bridge_of(t, (int)i));
		marked |= print_subtree(c, -1, n, "");
	}
	/* The legend explains markers; without any it says nothing. */
	if (marked)
		printf("\nACS-redirect: RR, CR or EC set (the bits the kernel checks); ACS?: unknown (config space truncated)\n");
	printf("\n");
}

/* ------------------------------------------------------------------ */
/* Matrix                                                              */

static const struct pair *find_pair(const struct check *c, int x, int y)
{
	size_t k;

	for (k = 0; k < c->pair_count; k++) {
		const struct pair *p = &c->pairs[k];

		if ((p->a == x && p->b == y) || (p->b == x && p->a == y))
			return p;
	}
	return NULL;
}

static char verdict_letter(const struct pair *p)
{
	if (p->blocked != P2P_KERNEL_OK)
		return 'I';
	switch (p->verdict) {
	case P2P_DIRECT:
		return 'D';
	case P2P_HOST_BRIDGE:
		return 'H';
	case P2P_UNKNOWN:
		return '?';
	case P2P_REFUSED:
		break;
	}
	return 'R';
}

void print_matrix(const struct check *c)
{
	char bdf[PCI_ADDR_STRLEN], desc[256];
	size_t i, j;

	printf("Endpoints\n");
	for (i = 0; i < c->endpoint_count; i++) {
		describe_node(c, c->endpoints[i], desc, sizeof(desc));
		printf("  E%-3zu %s  %s\n", i,
		       check_addr(c, c->endpoints[i], bdf), desc);
	}
	printf("\n      ");
	for (j = 0; j < c->endpoint_count; j++)
		printf("  E%-7zu", j);
	printf("\n");
	for (i = 0; i < c->endpoint_count; i++) {
		printf("E%-4zu ", i);
		for (j = 0; j < c->endpoint_count; j++) {
			const struct pair *p =
				find_pair(c, c->endpoints[i], c->endpoints[j]);

			if (!p)
				printf("  %-8s", "X");
			else
				printf("  %-4s %c  ",
				       p2p_class_name(p->res.class),
				       verdict_letter(p));
		}
		printf("\n");
	}
	printf("\nLegend\n"
	       "  X    = self\n"
	       "  PIX  = through at most one PCIe switch or bridge\n"
	       "  PXB  = through several switch levels, not the host bridge\n"
	       "  PHB  = only the PCIe host bridge in common\n"
	       "  NODE = across host bridges within a NUMA node\n"
	       "  SYS  = across NUMA nodes (SMP interconnect)\n"
	       "  D = direct (bus addresses), H = through the host bridge (allowed),\n"
	       "  R = refused by the kernel, ? = unknown (see warnings),\n"
	       "  I = impossible on this kernel\n\n");
}

void print_warnings(const struct check *c)
{
	size_t i;

	if (!c->warnings.n)
		return;
	printf("Warnings\n");
	for (i = 0; i < c->warnings.n; i++)
		printf("  - %s\n", c->warnings.v[i].text);
}
