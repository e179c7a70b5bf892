// SPDX-License-Identifier: GPL-2.0-or-later
/* p2p-check's JSON output (--json), over the same structs as the text. */
#include <stdio.h>

#include <json-c/json.h>

#include "config.h"
#include "json-out.h"
#include "p2p-check.h"

static json_object *json_addr(const struct check *c, int node)
{
	return json_pci_addr(&c->topo->nodes[node].addr);
}

static json_object *json_cpu(const struct platform *p)
{
	static const char *const cpu_src[] = { "unknown", "cpuinfo", "option" };
	json_object *cpu = json_object_new_object();
	bool known = p->cpu_source != CPU_UNKNOWN;

	json_object_object_add(cpu, "vendor_id",
			       json_text_or_null(p->cpu.cpu_vendor_id));
	json_object_object_add(
		cpu, "family",
		known ? json_object_new_int((int)p->cpu.cpu_family) : NULL);
	json_object_object_add(cpu, "source",
			       json_object_new_string(cpu_src[p->cpu_source]));
	json_object_object_add(
		cpu, "allows_host_bridge_p2p",
		known ? json_object_new_boolean(
				p2p_platform_cpu_allows(&p->cpu)) :
			NULL);
	return cpu;
}

static json_object *json_kernel_rules(const struct check *c)
{
	json_object *o = json_object_new_object();
	char rel[32];

	json_object_object_add(o, "release",
			       json_object_new_string(p2p_kernel_format(
				       check_kernel(c), rel, sizeof(rel))));
	json_object_object_add(
		o, "source",
		json_object_new_string(kernel_source_name(c->kernel_source)));
	return o;
}

static json_object *json_iommu(const struct platform *p)
{
	json_object *iommu = json_object_new_object();

	json_object_object_add(iommu, "present",
			       json_tristate(p->iommu_present));
	json_object_object_add(iommu, "units", json_text_list(&p->iommu_units));
	json_object_object_add(iommu, "default_domain",
			       json_text_or_null(p->iommu_domain_type));
	return iommu;
}

static json_object *json_p2pmem(const struct platform *p)
{
	json_object *mem = json_object_new_array();
	size_t i;

	for (i = 0; i < p->p2pmem_count; i++)
		json_object_array_add(mem, json_provider(&p->p2pmem[i]));
	return mem;
}

/* Every CMB a controller reports, decoded, and why it is (not) p2pmem. */
static json_object *json_cmbs(const struct platform *p)
{
	json_object *arr = json_object_new_array();
	size_t i;

	for (i = 0; i < p->cmb_count; i++) {
		const struct p2p_nvme_cmb *m = &p->cmbs[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "nvme",
				       json_object_new_string(m->ctrl));
		json_object_object_add(o, "pci", json_pci_addr(&m->addr));
		json_object_object_add(o, "cmbsz",
				       json_object_new_int64(m->cmbsz));
		json_object_object_add(
			o, "source",
			json_object_new_string(m->from_registers ? "bar0" :
								   "sysfs"));
		json_object_object_add(o, "cmbloc",
				       json_object_new_int64(m->cmbloc));
		json_object_object_add(o, "size",
				       json_object_new_int64((int64_t)m->size));
		json_object_object_add(o, "bar",
				       json_object_new_int((int)m->bar));
		json_object_object_add(
			o, "offset", json_object_new_int64((int64_t)m->offset));
		json_object_object_add(
			o, "bar_size",
			m->bar_len ?
				json_object_new_int64((int64_t)m->bar_len) :
				NULL);
		json_object_object_add(o, "sqs",
				       json_object_new_boolean(m->cmbsz & 1));
		json_object_object_add(o, "cqs",
				       json_object_new_boolean(m->cmbsz & 2));
		json_object_object_add(o, "lists",
				       json_object_new_boolean(m->cmbsz & 4));
		json_object_object_add(o, "rds",
				       json_object_new_boolean(m->cmbsz & 8));
		json_object_object_add(o, "wds",
				       json_object_new_boolean(m->cmbsz & 16));
		json_object_object_add(
			o, "status",
			json_object_new_string(cmb_status_name(m->status)));
		json_object_object_add(
			o, "reason",
			json_object_new_string(cmb_verdict_text(m)));
		json_object_array_add(arr, o);
	}
	return arr;
}

static json_object *json_platform(const struct check *c)
{
	const struct platform *p = &c->plat;
	json_object *o = json_object_new_object();

	json_object_object_add(
		o, "source", json_object_new_string(p->live ? "live" : "dump"));
	json_object_object_add(o, "kernel",
			       json_text_or_null(p->kernel_release));
	json_object_object_add(o, "kernel_rules", json_kernel_rules(c));
	json_object_object_add(o, "kernel_p2pmem_mmap",
			       json_object_new_boolean(check_kernel(c) >=
						       P2P_KERNEL_ALLOCATE));
	json_object_object_add(
		o, "config_pci_p2pdma",
		p->live ? json_object_new_string(
				  kconfig_state_name(p->p2pdma_config)) :
			  NULL);
	json_object_object_add(o, "config_source",
			       json_text_or_null(p->p2pdma_config_source));
	json_object_object_add(o, "iommu", json_iommu(p));
	json_object_object_add(o, "cpu", json_cpu(p));
	json_object_object_add(o, "p2pmem", json_p2pmem(p));
	json_object_object_add(o, "cmbs", json_cmbs(p));
	json_object_object_add(o, "nvme_use_cmb_sqes",
			       json_tristate(p->use_cmb_sqes));
	json_object_object_add(o, "nvme_multipath",
			       json_tristate(p->nvme_multipath));
	json_object_object_add(o, "multipath_heads",
			       json_text_list(&p->multipath_heads));
	json_object_object_add(o, "acs_cmdline",
			       json_text_list(&p->acs_cmdline));
	json_object_object_add(
		o, "config_truncated",
		json_object_new_boolean(c->topo->config_truncated));
	json_object_object_add(o, "whitelist_source",
			       json_object_new_string(p2p_whitelist_source));
	return o;
}

static json_object *json_endpoint(const struct check *c, int node)
{
	const struct pci_node *n = &c->topo->nodes[node];
	json_object *o = json_object_new_object();
	json_object *names = json_object_new_array();
	char buf[16];
	size_t i;

	/* A PCI function's address is "pci", as in p2pcp's endpoints. */
	json_object_object_add(o, "pci", json_pci_addr(&n->addr));
	snprintf(buf, sizeof(buf), "%04x:%04x", n->vendor, n->device);
	json_object_object_add(o, "id", json_object_new_string(buf));
	snprintf(buf, sizeof(buf), "%06x", n->class);
	json_object_object_add(o, "class", json_object_new_string(buf));
	json_object_object_add(o, "role",
			       json_object_new_string(pci_role_name(n->role)));
	json_object_object_add(o, "virtual_function",
			       json_object_new_boolean(n->virtfn));
	for (i = 0; i < c->plat.ctrl_count; i++)
		if (pci_addr_equal(&c->plat.ctrls[i].addr, &n->addr))
			json_object_array_add(
				names,
				json_object_new_string(c->plat.ctrls[i].name));
	json_object_object_add(o, "nvme", names);
	json_object_object_add(
		o, "p2pmem",
		json_object_new_boolean(check_has_p2pmem(c, node, NULL)));
	return o;
}

/* Fix objects in the order to apply them. */
static json_object *json_fixes(const struct str_list *l)
{
	json_object *arr = json_object_new_array();
	size_t i;

	for (i = 0; i < l->n; i++) {
		json_object *f = json_object_new_object();
		const char *key = l->v[i].tag == FIX_NOW  ? "command" :
				  l->v[i].tag == FIX_BOOT ? "parameter" :
							    "advice";

		json_object_object_add(
			f, "when",
			json_object_new_string(fix_when_name(l->v[i].tag)));
		json_object_object_add(f, key,
				       json_object_new_string(l->v[i].text));
		json_object_array_add(arr, f);
	}
	return arr;
}

static const char *const host_reasons[] = {
	[P2P_HOST_NONE] = NULL,
	[P2P_HOST_CPU] = "cpu",
	[P2P_HOST_WHITELISTED] = "whitelisted",
	[P2P_HOST_NOT_LISTED] = "not-whitelisted",
	[P2P_HOST_NOT_YET] = "whitelisted-later",
	[P2P_HOST_SAME_REQUIRED] = "req-same-host-bridge",
	[P2P_HOST_NO_FUNCTION] = "no-host-bridge-function",
};

static json_object *json_unknown(unsigned int bits)
{
	json_object *arr = json_object_new_array();

	if (bits & P2P_UNKNOWN_ACS)
		json_object_array_add(arr, json_object_new_string("acs"));
	if (bits & P2P_UNKNOWN_CPU)
		json_object_array_add(arr, json_object_new_string("cpu"));
	if (bits & P2P_UNKNOWN_RELEASE)
		json_object_array_add(arr, json_object_new_string("release"));
	if (bits & P2P_UNKNOWN_HOST_BRIDGE)
		json_object_array_add(arr,
				      json_object_new_string("host-bridge"));
	if (bits & P2P_UNKNOWN_PARTIAL)
		json_object_array_add(arr, json_object_new_string("partial"));
	if (bits & P2P_UNKNOWN_LOST_BRIDGE)
		json_object_array_add(arr,
				      json_object_new_string("lost-bridge"));
	return arr;
}

static void json_pair_rule(const struct check *c, const struct pair *p,
			   json_object *o)
{
	const struct p2p_result *r = &p->res;
	json_object *acs = json_object_new_array();
	size_t i;

	json_object_object_add(
		o, "verdict",
		json_object_new_string(p->blocked != P2P_KERNEL_OK ?
					       "impossible" :
					       p2p_verdict_name(p->verdict)));
	json_object_object_add(
		o, "path_verdict",
		json_object_new_string(p2p_verdict_name(r->verdict)));
	json_object_object_add(o, "unknown", json_unknown(r->unknown));
	json_object_object_add(o, "distance", json_object_new_int(r->distance));
	for (i = 0; i < r->acs_redirect_count; i++)
		json_object_array_add(acs, json_addr(c, r->acs_redirect[i]));
	json_object_object_add(o, "acs_redirect_ports", acs);
	json_object_object_add(o, "acs_known",
			       json_object_new_boolean(!r->acs_unknown));
	json_object_object_add(o, "host_bridge_reason",
			       json_text_or_null(host_reasons[r->host_reason]));
	json_object_object_add(
		o, "host_bridge_whitelisted",
		json_object_new_boolean(r->host_bridge_whitelisted));
	json_object_object_add(
		o, "whitelist_entry",
		r->entry ? json_object_new_string(r->entry->origin) : NULL);
	json_object_object_add(o, "multipath_head",
			       json_object_new_boolean(p->multipath_head));
	json_object_object_add(o, "fixes", json_fixes(&p->fixes));
}

static json_object *json_pair(const struct check *c, const struct pair *p)
{
	const struct p2p_result *r = &p->res;
	json_object *o = json_object_new_object();
	json_object *devs = json_object_new_array();
	json_object *path = json_object_new_array();
	size_t i;

	json_object_array_add(devs, json_addr(c, p->a));
	json_object_array_add(devs, json_addr(c, p->b));
	json_object_object_add(o, "devices", devs);
	for (i = 0; i < r->path_len; i++)
		json_object_array_add(path, json_addr(c, r->path[i]));
	json_object_object_add(o, "path", path);
	json_object_object_add(o, "common_bridge",
			       r->common >= 0 ? json_addr(c, r->common) : NULL);
	json_object_object_add(
		o, "class", json_object_new_string(p2p_class_name(r->class)));
	json_pair_rule(c, p, o);
	return o;
}

/* SRC, DST and the providers judged with them, or null. */
static json_object *json_copy(const struct check *c)
{
	json_object *o, *provs;
	size_t i;

	if (!c->copy_mode)
		return NULL;
	o = json_object_new_object();
	provs = json_object_new_array();
	json_object_object_add(o, "src", json_addr(c, c->copy_src));
	json_object_object_add(o, "dst", json_addr(c, c->copy_dst));
	for (i = 0; i < c->provider_count; i++)
		json_object_array_add(provs, json_addr(c, c->providers[i]));
	json_object_object_add(o, "providers", provs);
	return o;
}

void print_json(const struct check *c)
{
	json_object *root = json_object_new_object();
	json_object *eps = json_object_new_array();
	json_object *pairs = json_object_new_array();
	size_t i;

	json_object_object_add(root, "version",
			       json_object_new_string(P2PCP_VERSION));
	json_object_object_add(root, "dump_file",
			       json_text_or_null(c->dump_file));
	json_object_object_add(root, "platform", json_platform(c));
	for (i = 0; i < c->endpoint_count; i++)
		json_object_array_add(eps, json_endpoint(c, c->endpoints[i]));
	json_object_object_add(root, "endpoints", eps);
	json_object_object_add(root, "copy", json_copy(c));
	for (i = 0; i < c->pair_count; i++)
		json_object_array_add(pairs, json_pair(c, &c->pairs[i]));
	json_object_object_add(root, "pairs", pairs);
	json_object_object_add(root, "warnings", json_text_list(&c->warnings));
	printf("%s\n",
	       json_object_to_json_string_ext(
		       root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
				     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
}
