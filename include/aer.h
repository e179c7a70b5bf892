/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A PCI function's AER error counters (/sys/bus/pci/devices/BDF/
 * aer_dev_correctable, aer_dev_nonfatal, aer_dev_fatal), read through
 * the sysfs root.  The kernel counts each error its AER driver handled
 * for the function; a snapshot before and after a copy tells whether
 * the fabric reported any while it ran.
 */
#ifndef P2PCP_AER_H
#define P2PCP_AER_H

#include <stdbool.h>
#include <stdint.h>

#include "pcitopo.h"

struct aer_counts {
	bool have; /* the function has the counters (AER enabled on it) */
	uint64_t correctable, nonfatal, fatal;
};

/*
 * Read @dev's counters (the TOTAL_ERR_* lines).  A function without
 * them (no AER capability, a kernel without CONFIG_PCIEAER) gives
 * @out->have false and 0.
 */
void aer_counts_read(const struct pci_addr *dev, struct aer_counts *out);

/* @after - @before per class, 0 where a counter went down (a reset). */
void aer_counts_delta(const struct aer_counts *before,
		      const struct aer_counts *after, struct aer_counts *out);

#endif
