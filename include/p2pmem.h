/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel's p2pmem sysfs interface (drivers/pci/p2pdma.c):
 * /sys/bus/pci/devices/<bdf>/p2pmem/{size,available,published,allocate}.
 * Mapping "allocate" (Linux 6.2+) hands userspace a contiguous piece of
 * a device's peer-to-peer memory, e.g. an NVMe Controller Memory Buffer.
 */
#ifndef P2PCP_P2PMEM_H
#define P2PCP_P2PMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "p2pdma.h"

struct p2pmem_provider {
	struct pci_addr addr;
	uint64_t size;
	uint64_t available;
	bool published;
	bool has_allocate; /* false before Linux 6.2 */
};

/* Read one provider's attributes.  -ENOENT if @addr has no p2pmem. */
int p2pmem_provider_read(const struct pci_addr *addr,
			 struct p2pmem_provider *out);

/*
 * List every PCI function with a p2pmem directory, sorted by address.
 * @out is malloc'ed (NULL when there are none).
 */
int p2pmem_list(struct p2pmem_provider **out, size_t *count);

/* Where the provider sits relative to the copy, best first. */
enum provider_place {
	/* DST's own CMB: the only peer traffic is SRC's posted writes. */
	PROVIDER_ON_DST,
	/* SRC's own CMB: DST reads across the fabric (peer reads). */
	PROVIDER_ON_SRC,
	/* A third device: both directions cross the fabric. */
	PROVIDER_THIRD,
};

enum provider_place p2pmem_provider_place(const struct pci_addr *provider,
					  const struct pci_addr *src,
					  const struct pci_addr *dst);

struct provider_choice {
	int index; /* into the provider list; -1: none usable */
	enum provider_place place;
	bool have_paths; /* the topology knew all three devices */
	struct p2p_result src_path; /* provider <-> source device */
	struct p2p_result dst_path; /* provider <-> destination device */
};

/*
 * Pick the provider for a copy between the devices at @src and @dst.
 * Candidates are published, have an allocate file and free memory.
 * Rank: paths the kernel is predicted to accept first, by the kernel's
 * own distance to both devices, then DST's own CMB before SRC's before a
 * third device's (peer reads across a root complex are often unsupported
 * or slow, peer writes are posted), then more free memory.  A predicted
 * refusal still ranks (last): the kernel decides at the first I/O, and
 * p2pcp reports that decision.  @topo may be NULL (unreadable).
 * Returns 0, or -ENOENT when no candidate exists.
 */
int p2pmem_choose(const struct p2pmem_provider *list, size_t count,
		  const struct pci_topo *topo, const struct p2p_platform *plat,
		  const struct pci_addr *src, const struct pci_addr *dst,
		  struct provider_choice *out);

/*
 * The same for the passthrough engine: of the providers ranked alike by
 * the kernel's predicted verdict, a third device's CMB before SRC's or
 * DST's own.  A passthrough command of several pages gets its data
 * pointer as a list in host memory (an SGL segment, on Linux 7.3 for
 * every such command into p2pmem), and a controller may refuse that for
 * data in its own CMB (Invalid Use of Controller Memory Buffer; QEMU's
 * does).  SRC's or DST's own CMB is still taken when it is the only one.
 */
int p2pmem_choose_third_first(const struct p2pmem_provider *list, size_t count,
			      const struct pci_topo *topo,
			      const struct p2p_platform *plat,
			      const struct pci_addr *src,
			      const struct pci_addr *dst,
			      struct provider_choice *out);

struct p2pmem_map {
	void *addr;
	size_t len;
	int fd;
};

/*
 * Map @want bytes of @addr's p2pmem.  The kernel hands out one
 * contiguous first-fit chunk, so ENOMEM can come from fragmentation
 * while "available" still looks large: halve the request down to
 * @floor before giving up.  Returns -ENOMEM (nothing as large as
 * @floor), -EACCES, -ENODEV (device gone) or -ENOENT (no allocate file).
 */
int p2pmem_map(const struct pci_addr *addr, size_t want, size_t floor,
	       struct p2pmem_map *out);
void p2pmem_unmap(struct p2pmem_map *map);

/*
 * Copy @len bytes from p2pmem to system memory (a device-safe memcpy)
 * with naturally aligned 8-byte loads only: device memory behind a BAR may not take the wide
 * vector loads that libc's memcpy/memcmp use.
 */
void p2pmem_copy_from(void *dst, const volatile void *src, size_t len);

/* The effective cache type of p2pcp's mapping of a provider's p2pmem. */
enum p2pmem_cache {
	P2PMEM_CACHE_UNKNOWN,
	P2PMEM_CACHE_UNCACHED,
	P2PMEM_CACHE_WRITE_COMBINING,
	P2PMEM_CACHE_WRITE_THROUGH,
	P2PMEM_CACHE_WRITE_PROTECT,
	P2PMEM_CACHE_WRITE_BACK,
};

struct p2pmem_cache_info {
	enum p2pmem_cache type;
	char source[128]; /* what answered, or why it is unknown */
	/* The kernel's own map of the BAR (pat_memtype_list), "" unknown. */
	char kernel_map[32];
	uint64_t bar_start, bar_end; /* the BAR taken to hold the p2pmem */
};

/*
 * Find the type through the sysfs root: the provider's BAR from its
 * resource file, the MTRR type of that range from /proc/mtrr (x86; the
 * mapping's page table entries are write-back, so the MTRR type is the
 * effective one), the kernel map's type from pat_memtype_list when
 * debugfs has it.  Anything else: unknown, with the reason.
 */
void p2pmem_cache_type(const struct p2pmem_provider *pv,
		       struct p2pmem_cache_info *out);
const char *p2pmem_cache_name(enum p2pmem_cache type);
/* The CPU may keep the buffer's lines in its cache. */
bool p2pmem_cache_is_cached(enum p2pmem_cache type);

#endif
