// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * p2pcp's planning before the first write: the two endpoints and their
 * range, the destination's safety checks, and the p2pmem provider.
 * Every refusal is set as the run's one message (fail()).
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

static int report_endpoint(const char *role, const char *path, int err)
{
	if (err == -ENOENT)
		return fail(EXIT_USAGE, "%s %s: no such file or device", role,
			    path);
	if (err == -ENOTBLK)
		return fail(EXIT_USAGE,
			    "%s %s: not a block device or regular file", role,
			    path);
	if (err == -EBUSY)
		return fail(
			EXIT_USAGE,
			"DST %s is in use (mounted, or opened exclusively by another program); unmount or stop it first",
			path);
	if (err == -ELOOP)
		return fail(
			EXIT_USAGE,
			"%s %s is a symbolic link to a file that does not exist; p2pcp creates no file through a link: name the file itself",
			role, path);
	if (err == -EACCES || err == -EPERM || err == -EROFS)
		return fail(EXIT_USAGE, "%s %s: cannot open for %s: %s", role,
			    path, strcmp(role, "SRC") ? "writing" : "reading",
			    strerror(-err));
	return fail(EXIT_USAGE, "%s %s: cannot open: %s", role, path,
		    strerror(-err));
}

/*
 * Open @path once; every check and the copy use this descriptor.
 * O_NONBLOCK keeps a FIFO from hanging the open; it is dropped again.
 * O_EXCL claims a block device as mount does (EBUSY if it is in use);
 * for other files, without O_CREAT, Linux ignores it.
 */
static int open_endpoint(const char *path, int flags, struct endpoint *ep)
{
	int fd = open(path, flags | O_NONBLOCK | O_CLOEXEC, 0666), ret;

	if (fd < 0)
		return -errno;
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

/* Open SRC and DST, plan the range, and ask libnvme who they are. */
int plan_endpoints(const struct options *o, struct copy_plan *p)
{
	struct safety_verdict v;
	struct utsname uts;
	enum plan_reason why;
	unsigned int kernel;
	int ret;

	memset(p, 0, sizeof(*p));
	p->src.fd = p->dst.fd = -1;
	/* The sysroot's release (tests fake it); uname() where it has none. */
	if (platform_kernel_release(p->kernel_release,
				    sizeof(p->kernel_release), &kernel) &&
	    uname(&uts) == 0)
		snprintf(p->kernel_release, sizeof(p->kernel_release), "%s",
			 uts.release);
	ret = open_endpoint(o->src, O_RDONLY, &p->src);
	if (ret)
		return report_endpoint("SRC", o->src, ret);
	if (safety_check_source(&p->src, &v))
		return report_safety(&v, &p->src);
	ret = open_destination(o, &p->dst);
	if (ret)
		return report_endpoint("DST", o->dst, ret);
	endpoint_storage(&p->src);
	endpoint_storage(&p->dst);
	ret = engine_check_formats(p);
	if (ret)
		return ret;
	why = copy_plan_range(&o->range, p);
	if (why)
		return report_plan_reason(why, &o->range, p);
	if (p->src.disk.ctrl[0])
		p->have_src_ctrl = p2p_nvme_ctrl_describe(p->src.disk.ctrl,
							  &p->src_ctrl) == 0;
	if (p->dst.disk.ctrl[0])
		p->have_dst_ctrl = p2p_nvme_ctrl_describe(p->dst.disk.ctrl,
							  &p->dst_ctrl) == 0;
	p->p2p = !o->sysmem;
	return 0;
}

/*
 * The destination must be something the user can afford to lose
 * (safety.h); all asked of the descriptor.
 */
int check_destination(const struct options *o, const struct copy_plan *p)
{
	struct safety_verdict v;

	if (safety_check_destination(&p->dst, o->force, &v))
		return report_safety(&v, &p->dst);
	return 0;
}

/*
 * Why the kernel would not take P2P pages for @ep (p2pdma.h's rule),
 * or NULL.  A multipath head is fine for the passthrough engine, which
 * reaches P2P pages through the head's char device, for whole
 * namespaces (not files) on PCI paths.
 */
static const char *disk_problem(const struct endpoint *ep,
				const char *kernel_release,
				enum engine_choice engine)
{
	enum p2p_endpoint kind = P2P_EP_OTHER;
	unsigned int kernel = 0;

	if (!ep->have_disk)
		kind = P2P_EP_NO_BLOCKDEV;
	else if (ep->disk.kind == DISK_NVME)
		kind = ep->disk.have_pci ? P2P_EP_NVME : P2P_EP_NVME_FABRICS;
	else if (ep->disk.kind == DISK_NVME_MULTIPATH)
		kind = P2P_EP_MULTIPATH_HEAD;
	if (kind == P2P_EP_MULTIPATH_HEAD && engine != ENGINE_BLOCK &&
	    ep->kind == ENDPOINT_BLOCK && ep->disk.have_pci)
		return NULL;
	if (p2p_kernel_parse(kernel_release, &kernel))
		kernel = 0; /* unknown: judge as the oldest, refusing heads */
	return p2p_endpoint_problem(kind, kernel);
}

/* Explain an empty provider list as precisely as the system allows. */
static int explain_no_providers(struct copy_plan *p)
{
	char source[PATH_MAX];
	enum kconfig_state st;

	st = platform_p2pdma_config(p->kernel_release, source, sizeof(source));
	if (st == KCONFIG_NO)
		return fail(
			EXIT_NO_P2P,
			"peer-to-peer DMA is impossible on this kernel: %s was built without CONFIG_PCI_P2PDMA (%s); boot a kernel with it (Linux 6.2+), or copy through system memory with --sysmem",
			p->kernel_release, source);
	if (st == KCONFIG_UNKNOWN)
		return fail(
			EXIT_NO_P2P,
			"no PCI device offers p2pmem: kernel %s was probably built without CONFIG_PCI_P2PDMA (no kernel config found to confirm), or no device has a usable CMB; see p2p-check, or use --sysmem",
			p->kernel_release);
	return fail(
		EXIT_NO_P2P,
		"no PCI device offers p2pmem although kernel %s has CONFIG_PCI_P2PDMA: no device exposes a CMB with both read and write data support; use --provider with a device that does, or --sysmem",
		p->kernel_release);
}

/* p2pmem exists, yet no provider can serve: say which reason holds. */
static int explain_no_candidate(const struct copy_plan *p,
				const struct p2pmem_provider *list, size_t n)
{
	size_t i, usable = 0, published = 0;
	char bdf[PCI_ADDR_STRLEN];

	for (i = 0; i < n; i++) {
		if (!list[i].has_allocate)
			continue;
		usable++;
		published += list[i].published;
	}
	pci_addr_format(&list[0].addr, bdf, sizeof(bdf));
	if (!usable)
		return fail(
			EXIT_NO_P2P,
			"kernel %s has p2pmem (e.g. %s) but no p2pmem/allocate file: userspace p2pmem needs Linux 6.2 or later; upgrade, or use --sysmem",
			p->kernel_release, bdf);
	if (!published)
		return fail(
			EXIT_NO_P2P,
			"no p2pmem provider is published (e.g. %s): the driver offers none for general use; pick one with --provider BDF --force, or use --sysmem",
			bdf);
	return fail(
		EXIT_NO_P2P,
		"every published p2pmem provider is exhausted (available 0 on all %zu: other processes hold the memory); retry later or use --sysmem",
		published);
}

/* The provider named with --provider: it must exist and be published. */
static int read_named_provider(const struct options *o, struct copy_plan *p)
{
	struct pci_addr addr;
	int ret;

	if (pci_addr_parse(o->provider, &addr))
		return fail(
			EXIT_USAGE,
			"--provider: '%s' is not a PCI address (e.g. 0000:03:00.0) or 'auto'",
			o->provider);
	ret = p2pmem_provider_read(&addr, &p->provider);
	if (ret == -ENOENT)
		return fail(
			EXIT_USAGE,
			"--provider %s: no such PCI device with p2pmem (p2pcp --dry-run or p2p-check lists providers)",
			o->provider);
	if (ret)
		return fail(
			EXIT_NO_P2P,
			"--provider %s: cannot read its p2pmem attributes: %s",
			o->provider, strerror(-ret));
	if (!p->provider.published && !o->force)
		return fail(
			EXIT_USAGE,
			"--provider %s: its p2pmem is not published (the device does not offer it for general use); use --force to use it anyway",
			o->provider);
	return 0;
}

/* @list: every p2pmem provider, at least one. */
static int choose_provider(const struct options *o, struct copy_plan *p,
			   const struct p2pmem_provider *list, size_t n)
{
	struct pci_topo *topo = NULL;
	struct p2p_platform plat;
	char errbuf[256];
	struct provider_choice choice;
	int ret = 0;

	if (o->provider) {
		ret = read_named_provider(o, p);
		if (ret)
			return ret;
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

	/* plan_engine() ran first: passthrough avoids SRC's and DST's CMBs. */
	ret = (p->engine == COPY_ENGINE_PASSTHRU ?
		       p2pmem_choose_third_first :
		       p2pmem_choose)(list, n, topo, topo ? &plat : NULL,
				      &p->src.disk.pci, &p->dst.disk.pci,
				      &choice);
	if (ret == 0) {
		p->provider = list[choice.index];
		p->place = choice.place;
		p->have_verdicts = choice.have_paths;
		p->src_path = choice.src_path;
		p->dst_path = choice.dst_path;
		goto out;
	}
	ret = explain_no_candidate(p, list, n);
out:
	pci_topo_free(topo);
	return ret;
}

int plan_p2p(const struct options *o, struct copy_plan *p)
{
	struct p2pmem_provider *list = NULL;
	const char *problem;
	size_t n = 0;
	int ret;

	/* The kernel first: a missing feature explains everything else. */
	ret = p2pmem_list(&list, &n);
	if (ret && ret != -ENOENT)
		return fail(EXIT_NO_P2P, "cannot list p2pmem providers: %s",
			    strerror(-ret));
	if (n == 0)
		return explain_no_providers(p);

	problem = disk_problem(&p->src, p->kernel_release, o->engine);
	if (problem)
		ret = fail(
			EXIT_NO_P2P,
			"SRC %s %s; use --sysmem to copy through system memory",
			p->src.path, problem);
	else if ((problem =
			  disk_problem(&p->dst, p->kernel_release, o->engine)))
		ret = fail(
			EXIT_NO_P2P,
			"DST %s %s; use --sysmem to copy through system memory",
			p->dst.path, problem);
	else
		ret = choose_provider(o, p, list, n);
	free(list);
	return ret;
}

/*
 * P2PCP_TESTING: comma-separated switches for the test suites (p2pcp(1),
 * TESTING): lose-chunk=N, no-sentinels, no-arrival-check,
 * no-fabric-watch.
 */
int testing_switches_parse(struct copy_testing *t)
{
	const char *env = getenv("P2PCP_TESTING");
	char *copy, *tok, *save = NULL;
	int ret = 0;

	memset(t, 0, sizeof(*t));
	if (!env || !*env)
		return 0;
	copy = strdup(env);
	if (!copy)
		return fail(EXIT_USAGE, "out of memory");
	for (tok = strtok_r(copy, ",", &save); tok && !ret;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "no-sentinels"))
			t->no_sentinels = true;
		else if (!strcmp(tok, "no-arrival-check"))
			t->no_arrival_check = true;
		else if (!strcmp(tok, "no-fabric-watch"))
			t->no_fabric_watch = true;
		else if (strncmp(tok, "lose-chunk=", 11) ||
			 parse_size(tok + 11, 0, &t->lose_chunk) ||
			 !t->lose_chunk)
			ret = fail(
				EXIT_USAGE,
				"P2PCP_TESTING: '%s' is not a testing switch (lose-chunk=N with N >= 1, no-sentinels, no-arrival-check, no-fabric-watch); unset it for normal use",
				tok);
	}
	free(copy);
	return ret;
}
