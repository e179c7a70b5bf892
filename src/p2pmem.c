// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * p2pmem providers: PCI functions whose peer-to-peer memory the kernel
 * manages (drivers/pci/p2pdma.c), found under
 * /sys/bus/pci/devices/<bdf>/p2pmem.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "p2pmem.h"
#include "sysfs.h"
#include "util.h"

int p2pmem_provider_read(const struct pci_addr *addr,
			 struct p2pmem_provider *out)
{
	char bdf[PCI_ADDR_STRLEN];
	char path[PATH_MAX];
	uint64_t published;
	int ret;

	pci_addr_format(addr, bdf, sizeof(bdf));
	memset(out, 0, sizeof(*out));
	out->addr = *addr;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/p2pmem/size",
		 bdf);
	ret = sysfs_read_u64(path, &out->size);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/p2pmem/available",
		 bdf);
	ret = sysfs_read_u64(path, &out->available);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/p2pmem/published",
		 bdf);
	ret = sysfs_read_u64(path, &published);
	if (ret)
		return ret;
	out->published = published != 0;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/p2pmem/allocate",
		 bdf);
	out->has_allocate = sysfs_exists(path);
	return 0;
}

static int provider_cmp(const void *a, const void *b)
{
	const struct p2pmem_provider *pa = a, *pb = b;

	return pci_addr_cmp(&pa->addr, &pb->addr);
}

int p2pmem_list(struct p2pmem_provider **out, size_t *count)
{
	struct p2pmem_provider *list = NULL, *grown;
	char path[PATH_MAX];
	struct dirent *de;
	size_t n = 0;
	DIR *dir;
	int ret;

	*out = NULL;
	*count = 0;
	ret = sysfs_path(path, sizeof(path), "/sys/bus/pci/devices");
	if (ret)
		return ret;
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		struct pci_addr addr;
		struct p2pmem_provider prov;

		if (pci_addr_parse(de->d_name, &addr))
			continue;
		ret = p2pmem_provider_read(&addr, &prov);
		if (ret == -ENOENT)
			continue;
		if (ret)
			goto fail;
		grown = realloc(list, (n + 1) * sizeof(*list));
		if (!grown) {
			ret = -ENOMEM;
			goto fail;
		}
		list = grown;
		list[n++] = prov;
	}
	closedir(dir);
	if (n)
		qsort(list, n, sizeof(*list), provider_cmp);
	*out = list;
	*count = n;
	return 0;
fail:
	closedir(dir);
	free(list);
	return ret;
}

static bool provider_candidate(const struct p2pmem_provider *pv)
{
	return pv->published && pv->has_allocate && pv->available > 0;
}

/* Smaller is better: predicted refusals, then unknown paths, rank last. */
struct provider_rank {
	int refused;
	int unknown;
	int distance;
	enum provider_place place;
	uint64_t available;
};

static bool rank_better(const struct provider_rank *a,
			const struct provider_rank *b, bool third_first)
{
	if (a->refused != b->refused)
		return a->refused < b->refused;
	if (a->unknown != b->unknown)
		return a->unknown < b->unknown;
	if (third_first &&
	    (a->place == PROVIDER_THIRD) != (b->place == PROVIDER_THIRD))
		return a->place == PROVIDER_THIRD;
	if (a->distance != b->distance)
		return a->distance < b->distance;
	if (a->place != b->place)
		return a->place < b->place;
	return a->available > b->available;
}

static bool same_function(const struct pci_addr *a, const struct pci_addr *b)
{
	return a->domain == b->domain && a->bus == b->bus && a->dev == b->dev &&
	       a->fn == b->fn;
}

enum provider_place p2pmem_provider_place(const struct pci_addr *provider,
					  const struct pci_addr *src,
					  const struct pci_addr *dst)
{
	if (dst && same_function(provider, dst))
		return PROVIDER_ON_DST;
	if (src && same_function(provider, src))
		return PROVIDER_ON_SRC;
	return PROVIDER_THIRD;
}

static int choose(const struct p2pmem_provider *list, size_t count,
		  const struct pci_topo *topo, const struct p2p_platform *plat,
		  const struct pci_addr *src, const struct pci_addr *dst,
		  bool third_first, struct provider_choice *out)
{
	struct provider_rank best = { 0 }, rank;
	struct p2p_result rs, rd;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->index = -1;
	for (i = 0; i < count; i++) {
		bool known = false;

		if (!provider_candidate(&list[i]))
			continue;
		known = p2p_evaluate_copy(topo, plat, &list[i].addr, src, dst,
					  &rs, &rd) == 0;
		rank.unknown = !known;
		rank.refused = known &&
			       p2p_copy_verdict(&rs, &rd) == P2P_REFUSED;
		rank.distance = known ? rs.distance + rd.distance : 0;
		rank.place = p2pmem_provider_place(&list[i].addr, src, dst);
		rank.available = list[i].available;
		if (out->index >= 0 && !rank_better(&rank, &best, third_first))
			continue;
		best = rank;
		out->index = (int)i;
		out->place = rank.place;
		out->have_paths = known;
		if (known) {
			out->src_path = rs;
			out->dst_path = rd;
		}
	}
	return out->index >= 0 ? 0 : -ENOENT;
}

int p2pmem_choose(const struct p2pmem_provider *list, size_t count,
		  const struct pci_topo *topo, const struct p2p_platform *plat,
		  const struct pci_addr *src, const struct pci_addr *dst,
		  struct provider_choice *out)
{
	return choose(list, count, topo, plat, src, dst, false, out);
}

int p2pmem_choose_third_first(const struct p2pmem_provider *list, size_t count,
			      const struct pci_topo *topo,
			      const struct p2p_platform *plat,
			      const struct pci_addr *src,
			      const struct pci_addr *dst,
			      struct provider_choice *out)
{
	return choose(list, count, topo, plat, src, dst, true, out);
}

int p2pmem_map(const struct pci_addr *addr, size_t want, size_t floor,
	       struct p2pmem_map *out)
{
	long page = sysconf(_SC_PAGESIZE);
	char bdf[PCI_ADDR_STRLEN];
	char path[PATH_MAX];
	size_t len;
	void *mem;
	int fd, ret;

	out->addr = NULL;
	out->len = 0;
	out->fd = -1;
	if (want == 0 || floor == 0 || floor > want)
		return -EINVAL;

	pci_addr_format(addr, bdf, sizeof(bdf));
	ret = sysfs_path(path, sizeof(path),
			 "/sys/bus/pci/devices/%s/p2pmem/allocate", bdf);
	if (ret)
		return ret;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;

	/*
	 * The kernel wants MAP_SHARED and offset 0; each mmap is one
	 * contiguous first-fit allocation from the provider's pool, so a
	 * smaller request can succeed where a larger one hit fragmentation.
	 */
	floor = (floor + page - 1) & ~((size_t)page - 1);
	len = (want + page - 1) & ~((size_t)page - 1);
	for (;;) {
		mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			   0);
		if (mem != MAP_FAILED) {
			out->addr = mem;
			out->len = len;
			out->fd = fd;
			return 0;
		}
		ret = -errno;
		if (ret != -ENOMEM || len <= floor)
			goto fail;
		len = ((len / 2) + page - 1) & ~((size_t)page - 1);
		if (len < floor)
			len = floor;
	}
fail:
	close(fd);
	return ret;
}

void p2pmem_unmap(struct p2pmem_map *map)
{
	if (map->addr)
		munmap(map->addr, map->len);
	if (map->fd >= 0)
		close(map->fd);
	map->addr = NULL;
	map->len = 0;
	map->fd = -1;
}

void p2pmem_copy_from(void *dst, const volatile void *src, size_t len)
{
	const volatile uint64_t *s64 = src;
	const volatile uint8_t *s8;
	uint8_t *d = dst;
	uint64_t v;

	/* Callers pass page-aligned p2pmem: 8-byte loads stay aligned. */
	while (len >= sizeof(v)) {
		v = *s64++;
		memcpy(d, &v, sizeof(v));
		d += sizeof(v);
		len -= sizeof(v);
	}
	s8 = (const volatile uint8_t *)s64;
	while (len--)
		*d++ = *s8++;
}

/*
 * The cache type of p2pcp's own mapping of the buffer.  The kernel's
 * mmap of p2pmem/allocate inserts the pages with the VMA's default
 * protection, the write-back encoding; only the kernel's linear map of
 * the BAR is uncached.  On x86 the effective type is then the MTRRs'
 * type for the BAR (an MTRR uncachable or write-combining range wins
 * over a write-back page table entry).  /proc/mtrr lists the variable
 * ranges, not the default type, so a BAR no range covers is unknown.
 */
static const char *const cache_names[] = {
	[P2PMEM_CACHE_UNKNOWN] = "unknown",
	[P2PMEM_CACHE_UNCACHED] = "uncached",
	[P2PMEM_CACHE_WRITE_COMBINING] = "write-combining",
	[P2PMEM_CACHE_WRITE_THROUGH] = "write-through",
	[P2PMEM_CACHE_WRITE_PROTECT] = "write-protect",
	[P2PMEM_CACHE_WRITE_BACK] = "write-back",
};

const char *p2pmem_cache_name(enum p2pmem_cache type)
{
	return cache_names[type];
}

bool p2pmem_cache_is_cached(enum p2pmem_cache type)
{
	return type == P2PMEM_CACHE_WRITE_THROUGH ||
	       type == P2PMEM_CACHE_WRITE_PROTECT ||
	       type == P2PMEM_CACHE_WRITE_BACK;
}

/* The smallest memory BAR of @addr that can hold @size bytes. */
static int find_bar(const struct pci_addr *addr, uint64_t size, uint64_t *start,
		    uint64_t *end)
{
	char bdf[PCI_ADDR_STRLEN], path[PATH_MAX], text[4096];
	unsigned long long s, e, flags;
	char *line, *save = NULL;
	bool found = false;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource",
		 pci_addr_format(addr, bdf, sizeof(bdf)));
	if (sysfs_read_str(path, text, sizeof(text)))
		return -ENOENT;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%llx %llx %llx", &s, &e, &flags) != 3 ||
		    !(flags & 0x200) || e <= s || e - s + 1 < size)
			continue; /* 0x200: IORESOURCE_MEM */
		if (found && e - s >= *end - *start)
			continue;
		*start = s;
		*end = e;
		found = true;
	}
	return found ? 0 : -ENOENT;
}

static enum p2pmem_cache mtrr_type(const char *name)
{
	size_t i;

	if (!strcmp(name, "uncachable"))
		return P2PMEM_CACHE_UNCACHED;
	for (i = P2PMEM_CACHE_WRITE_COMBINING; i <= P2PMEM_CACHE_WRITE_BACK;
	     i++)
		if (!strcmp(name, cache_names[i]))
			return (enum p2pmem_cache)i;
	return P2PMEM_CACHE_UNKNOWN;
}

/* Two MTRR types over one byte: uncachable wins, then write-through. */
static enum p2pmem_cache mtrr_combine(enum p2pmem_cache a, enum p2pmem_cache b)
{
	if (a == b)
		return a;
	if (a == P2PMEM_CACHE_UNCACHED || b == P2PMEM_CACHE_UNCACHED)
		return P2PMEM_CACHE_UNCACHED;
	if ((a == P2PMEM_CACHE_WRITE_THROUGH && b == P2PMEM_CACHE_WRITE_BACK) ||
	    (b == P2PMEM_CACHE_WRITE_THROUGH && a == P2PMEM_CACHE_WRITE_BACK))
		return P2PMEM_CACHE_WRITE_THROUGH;
	return P2PMEM_CACHE_UNKNOWN; /* undefined by the architecture */
}

/*
 * "reg01: base=0x0c0000000 ( 3072MB), size= 1024MB, count=1: uncachable"
 * The type of [@start, @end] when the ranges covering it cover all of
 * it (each range may only cover it whole: ranges are powers of two,
 * aligned, and a BAR is too), else unknown.
 */
static enum p2pmem_cache mtrr_lookup(uint64_t start, uint64_t end, char *why,
				     size_t why_len)
{
	unsigned long long base, size;
	enum p2pmem_cache type = P2PMEM_CACHE_UNKNOWN;
	char text[4096], unit, name[32], *line, *save = NULL, *p;
	bool covered = false;

	if (sysfs_read_str("/proc/mtrr", text, sizeof(text))) {
		snprintf(why, why_len, "/proc/mtrr cannot be read");
		return P2PMEM_CACHE_UNKNOWN;
	}
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		p = strstr(line, "base=");
		if (!p || sscanf(p, "base=%llx", &base) != 1)
			continue;
		p = strstr(line, "size=");
		if (!p || sscanf(p, "size=%llu%cB", &size, &unit) != 2)
			continue;
		size <<= unit == 'M' ? 20 : unit == 'K' ? 10 : 0;
		p = strstr(line, ": ");
		p = p ? strstr(p + 2, ": ") : NULL;
		if (!p || sscanf(p + 2, "%31s", name) != 1)
			continue;
		if (base > end || base + size - 1 < start)
			continue;
		if (base > start || base + size - 1 < end) {
			snprintf(why, why_len,
				 "an MTRR covers only part of the BAR");
			return P2PMEM_CACHE_UNKNOWN;
		}
		type = covered ? mtrr_combine(type, mtrr_type(name)) :
				 mtrr_type(name);
		covered = true;
	}
	if (!covered) {
		snprintf(
			why, why_len,
			"no MTRR covers the BAR: the default type, which /proc/mtrr does not show, applies");
		return P2PMEM_CACHE_UNKNOWN;
	}
	snprintf(why, why_len, "/proc/mtrr");
	return type;
}

/* "PAT: [mem 0x...-0x...] uncached-minus" overlapping the BAR. */
static void pat_lookup(uint64_t start, uint64_t end, char *out, size_t len)
{
	static char text[1 << 16];
	unsigned long long s, e;
	char name[32], *line, *save = NULL;

	out[0] = '\0';
	if (sysfs_read_str("/sys/kernel/debug/x86/pat_memtype_list", text,
			   sizeof(text)))
		return;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "PAT: [mem %llx-%llx] %31s", &s, &e, name) ==
			    3 &&
		    s <= end && e > start) {
			snprintf(out, len, "%s", name);
			return;
		}
}

void p2pmem_cache_type(const struct p2pmem_provider *pv,
		       struct p2pmem_cache_info *out)
{
	memset(out, 0, sizeof(*out));
#if defined(__x86_64__) || defined(__i386__)
	if (find_bar(&pv->addr, pv->size, &out->bar_start, &out->bar_end)) {
		snprintf(out->source, sizeof(out->source),
			 "no memory BAR of the provider holds its p2pmem");
		return;
	}
	out->type = mtrr_lookup(out->bar_start, out->bar_end, out->source,
				sizeof(out->source));
	pat_lookup(out->bar_start, out->bar_end, out->kernel_map,
		   sizeof(out->kernel_map));
#else
	snprintf(
		out->source, sizeof(out->source),
		"not known on this architecture (the mapping is normal cacheable memory on arm64)");
#endif
}
