/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Watching the PCIe fabric during a copy.  A peer-to-peer write that the
 * fabric drops (an IOMMU fault, an uncorrectable error) gets no
 * completion, so the NVMe command that caused it completes with success;
 * what the kernel logs and counts is then the only trace.  The watch
 * takes the AER counters (aer.h) of SRC, DST, the provider and every
 * port above them before the first read and after the last write, and
 * follows the kernel log (kmsg.h) in between for IOMMU faults, AER
 * reports and NVMe timeouts that name one of those devices.
 */
#ifndef P2PCP_FABRIC_WATCH_H
#define P2PCP_FABRIC_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "aer.h"
#include "kmsg.h"
#include "pcitopo.h"

#define FABRIC_MAX_DEVICES 32
#define FABRIC_MAX_QUOTES 4
#define FABRIC_CTRL_NAMES 4

enum fabric_role { FABRIC_SRC, FABRIC_DST, FABRIC_PROVIDER, FABRIC_PORT };

struct fabric_device {
	struct pci_addr addr;
	enum fabric_role role; /* the first role that named it */
	/* Its NVMe controllers ("nvme0"): timeouts are logged by name. */
	char ctrl[FABRIC_CTRL_NAMES][16];
	struct aer_counts before, after, delta;
};

/* What a kernel log line is about, most serious first. */
enum fabric_event_kind {
	FABRIC_IOMMU_FAULT, /* DMAR / AMD-Vi / SMMU fault: a DMA was dropped */
	FABRIC_AER_UNCORRECTABLE, /* non-fatal or fatal: data may be lost */
	FABRIC_AER_CORRECTABLE, /* the link recovered: a warning */
	FABRIC_NVME_TIMEOUT, /* a command timed out and was aborted */
	FABRIC_EVENT_KINDS,
};

struct fabric_quote {
	enum fabric_event_kind kind;
	char text[240];
};

struct fabric_watch {
	bool active;
	unsigned int devices;
	struct fabric_device dev[FABRIC_MAX_DEVICES];
	struct kmsg_follower kmsg;
	int kmsg_error; /* 0, or why the kernel log could not be followed */
	unsigned long kmsg_missed;
	unsigned int events[FABRIC_EVENT_KINDS];
	/* The first few lines, for the report. */
	unsigned int quotes;
	struct fabric_quote quote[FABRIC_MAX_QUOTES];
	/* Sums of the counters' growth over the watched devices. */
	struct aer_counts aer_new;
};

/*
 * Start watching the devices @addr[0..@n) in their @role and every PCI
 * bridge above each (read through the sysfs root); @kmsg_path NULL is
 * /dev/kmsg.  Never fails: what cannot be watched is recorded
 * (kmsg_error, counters without @have).
 */
void fabric_watch_start(struct fabric_watch *w, const struct pci_addr *addr,
			const enum fabric_role *role, unsigned int n,
			const char *kmsg_path);
/* Take in the kernel log's new lines (cheap; between completions). */
void fabric_watch_poll(struct fabric_watch *w);
/* The last poll and the counters after; closes the log. */
void fabric_watch_stop(struct fabric_watch *w);

/* Data may have been lost: an IOMMU fault or an uncorrectable error. */
bool fabric_watch_loss(const struct fabric_watch *w);
/* Anything worth a warning at all (loss or not). */
bool fabric_watch_noteworthy(const struct fabric_watch *w);

const char *fabric_role_name(enum fabric_role role);
const char *fabric_event_name(enum fabric_event_kind kind);

/* Exposed for the unit tests: what a log line is about, or -1. */
int fabric_classify(const char *text);

#endif
