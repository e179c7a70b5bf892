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
