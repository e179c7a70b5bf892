// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * p2pcp's planning before the first write: the two endpoints and their
 * range, the destination's safety checks, and the p2pmem provider.
 * Every refusal is a reason code with its facts (struct refusal); the
 * text printer words it (report_refusal()).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "p2pcp.h"
#include "safety.h"
#include "platform.h"
#include "sysfs.h"
#include "util.h"

/*
 * Open @path (an existing one, without O_CREAT) only if it is a regular
 * file or a block device, asked first without opening it for I/O
 * (O_PATH): opening a FIFO wakes its other end, a character device may
 * act on open or close (a watchdog arms, a tape rewinds), and a socket
 * cannot be opened at all.  It is then opened through that descriptor,
 * not by name again, so the file asked is the file opened (without
 * /proc, by name, and it must be the same).  A descriptor or -errno.
 */
static int open_file_or_device(const char *path, int flags)
{
	char again[64];
	struct stat st, now;
	int fd = -1, probe, ret;

	probe = open(path, O_PATH | O_CLOEXEC);
	if (probe < 0)
		return -errno;
	ret = fstat(probe, &st) ? -errno : 0;
	if (!ret && !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		ret = -ENOTBLK;
	if (!ret) {
		snprintf(again, sizeof(again), "/proc/self/fd/%d", probe);
		fd = open(again, flags);
		if (fd < 0 && errno == ENOENT)
			fd = open(path, flags);
		ret = fd < 0 ? -errno : fd;
	}
	close(probe);
	if (ret < 0)
		return ret;
	if (fstat(fd, &now) || now.st_dev != st.st_dev ||
	    now.st_ino != st.st_ino) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

/*
 * Open @path once; every check and the copy use this descriptor.
 * O_NONBLOCK keeps a FIFO from hanging the open; it is dropped again.
 * O_EXCL claims a block device as mount does (EBUSY if it is in use);
 * for other files, without O_CREAT, Linux ignores it.
 */
static int open_endpoint(const char *path, int flags, struct endpoint *ep)
{
	int fd, ret;

	flags |= O_NONBLOCK | O_CLOEXEC;
	if (flags & O_CREAT) {
		fd = open(path, flags, 0666);
		if (fd < 0)
			return -errno;
	} else {
		fd = open_file_or_device(path, flags);
		if (fd < 0)
			return fd;
	}
	ret = endpoint_from_fd(fd, path, ep);
	if (!ret && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK))
		ret = -errno;
	if (ret) {
		close(fd);
		ep->fd = -1;
	}
	return ret;
}

/*
 * A missing DST file is created (O_EXCL: never someone else's), unless
 * this is a dry run, which describes the directory's filesystem instead.
 */
static int open_destination(const struct options *o, struct endpoint *ep)
{
	int ret = open_endpoint(o->dst, O_RDWR | O_EXCL, ep), direct_err;
	struct stat st;

	if (ret != -ENOENT)
		return ret;
	/* O_CREAT | O_EXCL would say EEXIST: name what is there instead. */
	if (lstat(o->dst, &st) == 0 && S_ISLNK(st.st_mode))
		return -ELOOP;
	/*
	 * A name ending in '/' names a directory, which does not exist:
	 * say so, as the dry run does (O_CREAT would say "Is a directory").
	 */
	if (o->dst[0] && o->dst[strlen(o->dst) - 1] == '/')
		return -ENOENT;
	if (o->dry_run) {
		ret = endpoint_new_file(o->dst, ep);
		return ret ? ret : safety_probe_new_file(o->dst, &direct_err);
	}
	ret = open_endpoint(o->dst, O_RDWR | O_CREAT | O_EXCL, ep);
	ep->created = ret == 0;
	return ret;
}

int close_endpoints(struct copy_plan *p, bool written)
{
	struct stat now;
	struct endpoint *d = &p->dst;
	int removed = 0;

	/* Remove a DST file p2pcp created, if it was refused unwritten. */
	if (d->created && !written && lstat(d->path, &now) == 0 &&
	    now.st_dev == d->st_dev && now.st_ino == d->st_ino)
		removed = unlink(d->path) ? -errno : 1;
	if (p->src.fd >= 0)
		close(p->src.fd);
	if (d->fd >= 0)
		close(d->fd);
	p->src.fd = d->fd = -1;
	return removed;
}

/*
 * @r refuses: its reason is @why.  Every caller's @r was zeroed by the
 * planning step that owns it (plan_endpoints, check_destination,
 * plan_p2p), so a reason about neither side leaves r->side alone.
 */
static enum refusal_why refuse(struct refusal *r, enum refusal_why why)
{
	r->why = why;
	return why;
}

/* @r refuses SRC (@side 0) or DST (@side 1): its reason is @why. */
static enum refusal_why refuse_side(struct refusal *r, enum refusal_why why,
				    int side)
{
	r->side = side;
	return refuse(r, why);
}

/* Open SRC and DST, plan the range, and ask libnvme who they are. */
enum refusal_why plan_endpoints(const struct options *o, struct copy_plan *p,
				struct refusal *r)
{
	struct utsname uts;
	enum refusal_why why;
	unsigned int kernel;
	int ret;

	memset(p, 0, sizeof(*p));
	memset(r, 0, sizeof(*r));
	p->src.fd = p->dst.fd = -1;
	/* The sysroot's release (tests fake it); uname() where it has none. */
	if (platform_kernel_release(p->kernel_release,
				    sizeof(p->kernel_release), &kernel) &&
	    uname(&uts) == 0)
		snprintf(p->kernel_release, sizeof(p->kernel_release), "%s",
			 uts.release);
	ret = open_endpoint(o->src, O_RDONLY, &p->src);
	if (ret) {
		r->error = ret;
		return refuse_side(r, REFUSE_OPEN, 0);
	}
	if (safety_check_source(&p->src, &r->safety))
		return refuse_side(r, REFUSE_SAFETY, 0);
	ret = open_destination(o, &p->dst);
	if (ret) {
		r->error = ret;
		return refuse_side(r, REFUSE_OPEN, 1);
	}
	if (safety_check_destination_direct(&p->dst, &r->safety))
		return refuse_side(r, REFUSE_SAFETY, 1);
	endpoint_storage(&p->src);
	endpoint_storage(&p->dst);
	why = engine_check_formats(p, r);
	if (why)
		return why;
	r->range = copy_plan_range(&o->range, p);
	if (r->range)
		return refuse(r, REFUSE_RANGE);
	if (p->src.disk.ctrl[0])
		p->have_src_ctrl = p2p_nvme_ctrl_describe(p->src.disk.ctrl,
							  &p->src_ctrl) == 0;
	if (p->dst.disk.ctrl[0])
		p->have_dst_ctrl = p2p_nvme_ctrl_describe(p->dst.disk.ctrl,
							  &p->dst_ctrl) == 0;
	p->p2p = !o->sysmem;
	return REFUSE_NONE;
}

/*
 * The destination must be something the user can afford to lose
 * (safety.h); all asked of the descriptor.
 */
enum refusal_why check_destination(const struct options *o,
				   const struct copy_plan *p, struct refusal *r)
{
	memset(r, 0, sizeof(*r));
	if (safety_check_destination(&p->dst, o->force, &r->safety))
		return refuse_side(r, REFUSE_SAFETY, 1);
	return REFUSE_NONE;
}

/*
 * Would the kernel take P2P pages for @ep (p2pdma.h's rule)?  If not,
 * @r says why (for @side).  A multipath head is fine for the
 * passthrough engine, which reaches P2P pages through the head's char
 * device, for whole namespaces (not files) on PCI paths.
 */
static enum refusal_why check_p2p_endpoint(const struct endpoint *ep, int side,
					   const char *kernel_release,
					   enum engine_choice engine,
					   struct refusal *r)
{
	enum p2p_endpoint kind = P2P_EP_OTHER;
	unsigned int kernel;

	if (!ep->have_disk)
		kind = P2P_EP_NO_BLOCKDEV;
	else if (ep->disk.kind == DISK_NVME)
		kind = ep->disk.have_pci ? P2P_EP_NVME : P2P_EP_NVME_FABRICS;
	else if (ep->disk.kind == DISK_NVME_MULTIPATH)
		kind = P2P_EP_MULTIPATH_HEAD;
	if (kind == P2P_EP_MULTIPATH_HEAD && engine != ENGINE_BLOCK &&
	    ep->kind == ENDPOINT_BLOCK && ep->disk.have_pci)
		return REFUSE_NONE;
	if (p2p_kernel_parse(kernel_release, &kernel))
		kernel = 0; /* unknown: judge as the oldest, refusing heads */
	if (!p2p_endpoint_problem(kind, kernel))
		return REFUSE_NONE;
	r->endpoint_kind = kind;
	r->kernel = kernel;
	return refuse_side(r, REFUSE_NOT_P2P, side);
}

/* Explain an empty provider list as precisely as the system allows. */
static enum refusal_why no_providers(struct copy_plan *p, struct refusal *r)
{
	enum kconfig_state st;

	st = platform_p2pdma_config(p->kernel_release, r->source,
				    sizeof(r->source));
	if (st == KCONFIG_NO)
		return refuse(r, REFUSE_NO_P2PDMA);
	if (st == KCONFIG_UNKNOWN)
		return refuse(r, REFUSE_P2PDMA_UNKNOWN);
	return refuse(r, REFUSE_NO_CMB);
}

/* p2pmem exists, yet no provider can serve: say which reason holds. */
static enum refusal_why no_candidate(const struct p2pmem_provider *list,
				     size_t n, struct refusal *r)
{
	size_t i, usable = 0, published = 0;

	for (i = 0; i < n; i++) {
		if (!list[i].has_allocate)
			continue;
		usable++;
		published += list[i].published;
	}
	r->provider = list[0].addr;
	if (!usable)
		return refuse(r, REFUSE_NO_ALLOCATE);
	if (!published)
		return refuse(r, REFUSE_NONE_PUBLISHED);
	r->count = published;
	return refuse(r, REFUSE_ALL_EXHAUSTED);
}

/* The provider named with --provider: it must exist and be published. */
static enum refusal_why read_named_provider(const struct options *o,
					    struct copy_plan *p,
					    struct refusal *r)
{
	struct pci_addr addr;
	int ret;

	if (pci_addr_parse(o->provider, &addr))
		return refuse(r, REFUSE_PROVIDER_SYNTAX);
	ret = p2pmem_provider_read(&addr, &p->provider);
	if (ret == -ENOENT)
		return refuse(r, REFUSE_PROVIDER_MISSING);
	r->error = ret;
	if (ret)
		return refuse(r, REFUSE_PROVIDER_UNREADABLE);
	if (!p->provider.published && !o->force)
		return refuse(r, REFUSE_PROVIDER_UNPUBLISHED);
	return REFUSE_NONE;
}

/* @list: every p2pmem provider, at least one. */
static enum refusal_why choose_provider(const struct options *o,
					struct copy_plan *p,
					const struct p2pmem_provider *list,
					size_t n, struct refusal *r)
{
	struct pci_topo *topo = NULL;
	struct p2p_platform plat;
	char errbuf[256];
	struct provider_choice choice;
	enum refusal_why why = REFUSE_NONE;

	if (o->provider) {
		why = read_named_provider(o, p, r);
		if (why)
			return why;
	}
	if (pci_topo_load(&(struct pci_topo_opts){ 0 }, &topo, errbuf,
			  sizeof(errbuf)) == 0)
		p2p_platform_detect(&plat);

	if (o->provider) {
		if (p2p_evaluate_copy(topo, &plat, &p->provider.addr,
				      &p->src.disk.pci, &p->dst.disk.pci,
				      &p->src_path, &p->dst_path) == 0)
			p->have_verdicts = true;
		p->place = p2pmem_provider_place(
			&p->provider.addr, &p->src.disk.pci, &p->dst.disk.pci);
		goto out;
	}

	/* engine_plan() ran first: passthrough avoids SRC's and DST's CMBs. */
	if ((p->engine == COPY_ENGINE_PASSTHRU ? p2pmem_choose_third_first :
						 p2pmem_choose)(
		    list, n, topo, topo ? &plat : NULL, &p->src.disk.pci,
		    &p->dst.disk.pci, &choice) == 0) {
		p->provider = list[choice.index];
		p->place = choice.place;
		p->have_verdicts = choice.have_paths;
		p->src_path = choice.src_path;
		p->dst_path = choice.dst_path;
		goto out;
	}
	why = no_candidate(list, n, r);
out:
	pci_topo_free(topo);
	return why;
}

/*
 * The IOMMUs the kernel lists, for the message of a loss (an IOMMU on
 * the path is its usual cause): "dmar0 dmar1", or "".  As many whole
 * names as fit: a name after the first needs its space, itself and the
 * NUL (used + 1 + strlen + 1 <= len).
 */
static void note_iommu_units(struct copy_plan *p)
{
	struct str_list units = { 0 };
	size_t i, used = 0, len = sizeof(p->iommu_units);

	p->iommu_units[0] = '\0';
	if (platform_iommu_scan(&units) > 0)
		/* Each name whole, after a space but the first, and the NUL. */
		for (i = 0;
		     i < units.n &&
		     used + (used ? 1 : 0) + strlen(units.v[i].text) < len;
		     i++)
			used += (size_t)snprintf(p->iommu_units + used,
						 len - used, "%s%s",
						 used ? " " : "",
						 units.v[i].text);
	str_list_free(&units);
}

enum refusal_why plan_p2p(const struct options *o, struct copy_plan *p,
			  struct refusal *r)
{
	struct p2pmem_provider *list = NULL;
	enum refusal_why why;
	size_t n = 0;
	int ret;

	memset(r, 0, sizeof(*r));
	/* The kernel first: a missing feature explains everything else. */
	ret = p2pmem_list(&list, &n);
	if (ret && ret != -ENOENT) {
		r->error = ret;
		return refuse(r, REFUSE_P2PMEM_LIST);
	}
	if (n == 0)
		return no_providers(p, r);

	why = check_p2p_endpoint(&p->src, 0, p->kernel_release, o->engine, r);
	if (!why)
		why = check_p2p_endpoint(&p->dst, 1, p->kernel_release,
					 o->engine, r);
	if (!why)
		why = choose_provider(o, p, list, n, r);
	if (!why)
		note_iommu_units(p);
	free(list);
	return why;
}
