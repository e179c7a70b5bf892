/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * p2p-check's result structs, shared by its front-end (p2p-check.c),
 * the evaluation of pairs (p2p-check-eval.c) and the two printers
 * (p2p-check-text.c, p2p-check-json.c).  The rule itself is the
 * library's (p2pdma.h), the platform facts too (platform.h).
 */
#ifndef P2P_CHECK_H
#define P2P_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "p2pdma.h"
#include "pcitopo.h"
#include "platform.h"

/* Exit codes, documented in p2p-check(8). */
enum {
	EXIT_ALL_DIRECT = 0,
	EXIT_HOST_BRIDGE = 1,
	EXIT_REFUSED = 2,
	EXIT_USAGE = 3,
	EXIT_UNKNOWN = 4, /* config space unreadable, or a verdict open */
	EXIT_IMPOSSIBLE = 5, /* no P2PDMA on this kernel at all */
};

/* Where the release whose rules apply came from. */
enum kernel_source { KERNEL_RUNNING, KERNEL_OPTION, KERNEL_NEWEST };

/* One step of a fix, in the order to apply them. */
enum fix_when {
	FIX_NOW, /* a complete shell command line to run now */
	FIX_BOOT, /* a kernel parameter for the next boot */
	FIX_HARDWARE, /* advice: firmware setting or slot placement */
};

struct pair {
	int a, b; /* a: the provider side (p2pmem), b: the client */
	struct p2p_result res;
	/* The pair's verdict: res.verdict, the head rule, the kernel. */
	enum p2p_verdict verdict;
	/* Not P2P_KERNEL_OK: P2P is impossible on this kernel. */
	enum p2p_kernel_block blocked;
	/* An endpoint was named through a multipath head node. */
	bool multipath_head;
	struct str_list fixes; /* tag: enum fix_when */
};

struct check {
	const char *dump_file;
	struct pci_topo *topo;
	struct platform plat;
	enum kernel_source kernel_source;
	int *endpoints;
	size_t endpoint_count;
	struct pair *pairs;
	size_t pair_count;
	/* One DEVICE was named: pair only endpoints[0] with the others. */
	bool single_anchor;
	/* The node the last add_endpoint() call named, new or not. */
	int last_node;
	/* Two DEVICEs named the same function (a CMB on the device itself). */
	int self_pair;
	/* Controllers named through a multipath head node. */
	int *head_nodes;
	size_t head_count;
	bool adding_head; /* add_endpoint() is resolving a head node */
	/*
	 * A head node named has a path through a controller that is not a
	 * PCI function (NVMe over fabrics): from 7.2, blk_stack_limits()
	 * keeps BLK_FEAT_PCI_P2PDMA on the head only if every path has it.
	 */
	bool head_fabrics_path;
	/*
	 * SRC and DST of a copy, judged as p2pcp uses them: the kernel asks
	 * about the provider with SRC and with DST (never SRC with DST), so
	 * each candidate provider is paired with both.  Candidates: the one
	 * --provider names (@provider_arg), else every published provider.
	 */
	bool copy_mode;
	int copy_src, copy_dst;
	const char *provider_arg;
	int *providers;
	size_t provider_count;
	struct str_list warnings;
};

/* p2p-check-eval.c */
const char *check_addr(const struct check *c, int node, char *buf);
bool check_has_p2pmem(const struct check *c, int node,
		      const struct p2pmem_provider **prov);
int check_resolve_device(struct check *c, const char *arg);
int check_add_default_endpoints(struct check *c);
int check_evaluate_pairs(struct check *c);
/* Judge the two named devices as SRC and DST of a p2pcp copy if there
 * is a provider to judge them with; -ENODEV: --provider has no p2pmem. */
int check_copy_providers(struct check *c);
int check_global_warnings(struct check *c);
int check_exit_status(const struct check *c);
void check_free(struct check *c);
/* The release the rules follow (never 0). */
unsigned int check_kernel(const struct check *c);
const char *kernel_source_name(enum kernel_source s);
const char *fix_when_name(enum fix_when w);

/* p2p-check-warn.c: why a CMB is or is not a provider, one phrase */
const char *cmb_verdict_text(const struct p2p_nvme_cmb *m);

/* p2p-check-text.c */
void print_report(const struct check *c);
void print_tree(const struct check *c);
void print_matrix(const struct check *c);
void print_warnings(const struct check *c);

/* p2p-check-json.c */
void print_json(const struct check *c);

#endif
