// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The "lspci -xxxx" capture parser (pci_topo_load with a dump file:
 * libpci's dump back end plus our reading of headers, capabilities,
 * ACS and links) and the verdict on whatever topology comes out of it:
 * a capture can describe bus numbers that loop or overlap, bridges
 * without ends, capability lists that cycle.  Every pair of the first
 * functions is evaluated; results must stay within their arrays.
 */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "platform.h"

#define MAX_NODES 12

static void check_pairs(const struct pci_topo *topo, bool amd)
{
	struct p2p_platform plat = { .cpu_known = true,
				     .cpu_amd = amd,
				     .cpu_family = amd ? 0x19 : 6 };
	struct p2p_result res;
	size_t n = topo->count < MAX_NODES ? topo->count : MAX_NODES;
	size_t i, j, k;

	for (i = 0; i < n; i++) {
		FUZZ_CHECK(topo->nodes[i].parent < (int)topo->count &&
				   topo->nodes[i].parent != (int)i,
			   "node %zu has parent %d", i, topo->nodes[i].parent);
		for (j = 0; j < n; j++) {
			if (p2p_evaluate(topo, (int)i, (int)j, &plat, &res))
				continue;
			FUZZ_CHECK(res.path_len <= P2P_MAX_PATH &&
					   res.acs_redirect_count <=
						   res.path_len,
				   "path %zu, redirects %zu", res.path_len,
				   res.acs_redirect_count);
			FUZZ_CHECK(res.verdict <= P2P_UNKNOWN &&
					   (res.verdict == P2P_UNKNOWN) ==
						   (res.unknown != 0),
				   "verdict %d, unknown bits %#x", res.verdict,
				   res.unknown);
			for (k = 0; k < res.path_len; k++)
				FUZZ_CHECK(res.path[k] >= 0 &&
						   res.path[k] <
							   (int)topo->count,
					   "path node %d", res.path[k]);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *root = fuzz_scratch();
	struct pci_topo_opts opts = { 0 };
	struct pci_topo *topo = NULL;
	char path[4096], err[256];

	snprintf(path, sizeof(path), "%s/capture.lspci", root);
	fuzz_write(root, "/capture.lspci", data, size);
	opts.dump_file = path;
	if (pci_topo_load(&opts, &topo, err, sizeof(err)))
		return 0;
	check_pairs(topo, size & 1);
	pci_topo_free(topo);
	return 0;
}
