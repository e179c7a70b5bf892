// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * p2pcp: copy a byte range between NVMe namespaces (or files on them)
 * with peer-to-peer DMA through a p2pmem buffer, usually an NVMe
 * Controller Memory Buffer, so the data never crosses system memory.
 *
 * The front-end plans and checks everything before the first write,
 * then hands the copy to the engine.  Every failure is reported once,
 * here, as one line naming the thing and what to do.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "blockdev.h"
#include "config.h"
#include "engine.h"
#include "nvmeinfo.h"
#include "p2pmem.h"
#include "pcitopo.h"
#include "sysfs.h"
#include "util.h"

#define PROG "p2pcp"

/* Exit codes, documented in p2pcp(1). */
enum {
	EXIT_OK = 0,
	EXIT_IO = 1, /* I/O error during the copy */
	EXIT_USAGE = 2, /* bad option or refused input: nothing written */
	EXIT_NO_P2P = 3, /* peer-to-peer impossible here: nothing written */
	EXIT_MISMATCH = 4, /* verification found a difference */
	EXIT_SIGINT = 130,
	EXIT_SIGTERM = 143,
};

#define DEFAULT_CHUNK (1 * MIB)
#define DEFAULT_QUEUE_DEPTH 8
#define MAX_QUEUE_DEPTH 256
#define MAX_CHUNK (64 * MIB)

enum verify_mode { VERIFY_NONE, VERIFY_P2PMEM, VERIFY_SYSMEM };

struct options {
	const char *src;
	const char *dst;
	const char *provider; /* NULL or "auto": choose */
	const char *src_offset;
	const char *dst_offset;
	const char *length;
	uint64_t chunk_size;
	uint32_t queue_depth;
	enum verify_mode verify;
	bool dry_run;
	bool progress;
	bool json;
	bool sysmem;
	bool force;
	bool quiet;
};

/* What was decided before the copy; also what --dry-run and --json show. */
struct plan {
	struct endpoint src, dst;
	/* Controller identity from libnvme, when it can tell. */
	struct nvme_ctrl_desc src_ctrl, dst_ctrl;
	bool have_src_ctrl, have_dst_ctrl;
	uint64_t src_offset, dst_offset, length;
	uint64_t direct_length; /* the O_DIRECT part of the range */
	uint64_t tail; /* bytes after it, copied with buffered I/O */
	uint32_t align;
	bool p2p;
	struct p2pmem_provider provider;
	bool have_verdicts;
	struct p2p_result src_path, dst_path;
	uint32_t chunk_size;
	uint32_t queue_depth;
	char kernel_release[128];
};

/* The one message of a run, printed by main(). */
static char message[1024];
/* The command line itself was wrong: point to --help. */
static bool usage_error;

static __attribute__((format(printf, 2, 3))) int fail(int code, const char *fmt,
						      ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	return code;
}

static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t progress_request;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static void on_usr1(int sig)
{
	progress_request = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: " PROG " [OPTIONS] SRC DST\n"
		"Copy SRC to DST (NVMe namespaces, partitions or files on them) with\n"
		"peer-to-peer DMA through a PCIe p2pmem buffer such as an NVMe CMB.\n"
		"\n"
		"Options:\n"
		"      --provider BDF|auto  p2pmem provider (PCI address); auto picks the\n"
		"                           nearest published one (default)\n"
		"      --chunk-size SIZE    bytes per I/O (default 1MiB)\n"
		"      --queue-depth N      chunks in flight (default 8)\n"
		"      --src-offset SIZE    start in SRC (default 0)\n"
		"      --dst-offset SIZE    start in DST (default 0)\n"
		"      --length SIZE        bytes to copy (default: rest of SRC)\n"
		"      --verify[=MODE]      read back and compare; MODE p2pmem (default)\n"
		"                           or sysmem\n"
		"      --dry-run            print the plan and write nothing\n"
		"      --progress           show progress on a terminal (also on SIGUSR1)\n"
		"      --json               print a JSON summary on stdout\n"
		"      --sysmem             copy through system memory instead (no P2P)\n"
		"      --force              write over a destination with a signature, or\n"
		"                           use an unpublished provider\n"
		"  -q, --quiet              print errors only\n"
		"  -h, --help               show this help\n"
		"  -V, --version            show the version\n"
		"\n"
		"SIZE: bytes, with k/M/G/T or KiB/MiB/GiB/TiB (1024), kB/MB/GB/TB (1000),\n"
		"or Ns for N logical blocks of the device it applies to.\n"
		"Exit status: 0 ok, 1 I/O error, 2 bad input, 3 P2P impossible,\n"
		"4 verification mismatch, 130/143 interrupted.  See p2pcp(1).\n");
}

enum {
	OPT_PROVIDER = 256,
	OPT_CHUNK,
	OPT_QD,
	OPT_SRC_OFF,
	OPT_DST_OFF,
	OPT_LENGTH,
	OPT_VERIFY,
	OPT_DRY_RUN,
	OPT_PROGRESS,
	OPT_JSON,
	OPT_SYSMEM,
	OPT_FORCE,
	OPT_SYSROOT,
};

static const struct option long_options[] = {
	{ "provider", required_argument, NULL, OPT_PROVIDER },
	{ "chunk-size", required_argument, NULL, OPT_CHUNK },
	{ "queue-depth", required_argument, NULL, OPT_QD },
	{ "src-offset", required_argument, NULL, OPT_SRC_OFF },
	{ "dst-offset", required_argument, NULL, OPT_DST_OFF },
	{ "length", required_argument, NULL, OPT_LENGTH },
	{ "verify", optional_argument, NULL, OPT_VERIFY },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "sysmem", no_argument, NULL, OPT_SYSMEM },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	/* For tests: read /sys, /proc and /boot under another root. */
	{ "sysroot", required_argument, NULL, OPT_SYSROOT },
	{ NULL, 0, NULL, 0 },
};

/* Returns -1 to go on, or an exit code. */
static int parse_args(int argc, char **argv, struct options *o)
{
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	/* getopt names the program after argv[0]: keep it short. */
	argv[0] = (char *)PROG;
	o->chunk_size = DEFAULT_CHUNK;
	o->queue_depth = DEFAULT_QUEUE_DEPTH;

	while ((c = getopt_long(argc, argv, "qhV", long_options, NULL)) != -1) {
		switch (c) {
		case OPT_PROVIDER:
			o->provider = optarg;
			break;
		case OPT_CHUNK:
			if (parse_size(optarg, 0, &v) || v == 0 ||
			    v > MAX_CHUNK)
				return fail(
					EXIT_USAGE,
					"--chunk-size: '%s' is not a size between 1 byte and 64MiB (e.g. 1M, 256KiB)",
					optarg);
			o->chunk_size = v;
			break;
		case OPT_QD:
			if (parse_size(optarg, 0, &v) || v == 0 ||
			    v > MAX_QUEUE_DEPTH)
				return fail(
					EXIT_USAGE,
					"--queue-depth: '%s' is not a number from 1 to %d",
					optarg, MAX_QUEUE_DEPTH);
			o->queue_depth = (uint32_t)v;
			break;
		case OPT_SRC_OFF:
			o->src_offset = optarg;
			break;
		case OPT_DST_OFF:
			o->dst_offset = optarg;
			break;
		case OPT_LENGTH:
			o->length = optarg;
			break;
		case OPT_VERIFY:
			if (!optarg || !strcmp(optarg, "p2pmem"))
				o->verify = VERIFY_P2PMEM;
			else if (!strcmp(optarg, "sysmem"))
				o->verify = VERIFY_SYSMEM;
			else
				return fail(
					EXIT_USAGE,
					"--verify: '%s' is not a mode; use --verify, --verify=p2pmem or --verify=sysmem",
					optarg);
			break;
		case OPT_DRY_RUN:
			o->dry_run = true;
			break;
		case OPT_PROGRESS:
			o->progress = true;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_SYSMEM:
			o->sysmem = true;
			break;
		case OPT_FORCE:
			o->force = true;
			break;
		case OPT_SYSROOT:
			sysfs_set_root(optarg);
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf(PROG " " P2PCP_VERSION "\n");
			return EXIT_OK;
		default:
			/* getopt already named the option. */
			message[0] = '\0';
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 2)
		return fail(EXIT_USAGE,
			    "expected SRC and DST, got %d argument%s",
			    argc - optind, argc - optind == 1 ? "" : "s");
	o->src = argv[optind];
	o->dst = argv[optind + 1];
	if (o->provider && !strcmp(o->provider, "auto"))
		o->provider = NULL;
	if (o->provider && o->sysmem)
		return fail(
			EXIT_USAGE,
			"--provider and --sysmem exclude each other: --sysmem uses no p2pmem");
	if (o->sysmem && o->verify == VERIFY_P2PMEM)
		o->verify = VERIFY_SYSMEM;
	return -1;
}

static const char *endpoint_device(const struct endpoint *ep)
{
	if (!ep->have_disk)
		return "";
	return ep->disk.part[0] ? ep->disk.part : ep->disk.name;
}

/*
 * Parse an offset or length option; "Ns" counts logical blocks of the
 * endpoint it refers to.
 */
static int parse_range_value(const char *opt, const char *str, uint32_t lbs,
			     uint64_t *out)
{
	int ret = parse_size(str, lbs, out);

	if (ret == -ERANGE)
		return fail(EXIT_USAGE, "%s: '%s' is too large", opt, str);
	if (ret)
		return fail(EXIT_USAGE,
			    "%s: '%s' is not a size (e.g. 4096, 1M, 2GiB, 8s)",
			    opt, str);
	return 0;
}

static int resolve_endpoint(const char *role, const char *path,
			    struct endpoint *ep)
{
	int ret = endpoint_resolve(path, ep);

	if (ret == -ENOENT)
		return fail(
			EXIT_USAGE, "%s %s: no such file or device%s", role,
			path,
			!strcmp(role, "DST") ?
				"; p2pcp writes only to existing targets (create a file first, e.g. truncate -s SIZE FILE)" :
				"");
	if (ret == -ENOTBLK)
		return fail(EXIT_USAGE,
			    "%s %s: not a block device or regular file", role,
			    path);
	if (ret)
		return fail(EXIT_USAGE, "%s %s: cannot resolve: %s", role, path,
			    strerror(-ret));
	return 0;
}

static int plan_range(const struct options *o, struct plan *p)
{
	const struct endpoint *s = &p->src, *d = &p->dst;
	uint64_t end, a_base, b_base;
	char sz[32];
	int ret;

	p->align = s->dio_align > d->dio_align ? s->dio_align : d->dio_align;
	if (o->src_offset) {
		ret = parse_range_value("--src-offset", o->src_offset,
					s->dio_align, &p->src_offset);
		if (ret)
			return ret;
	}
	if (o->dst_offset) {
		ret = parse_range_value("--dst-offset", o->dst_offset,
					d->dio_align, &p->dst_offset);
		if (ret)
			return ret;
	}
	if (p->src_offset > s->size)
		return fail(
			EXIT_USAGE,
			"--src-offset %llu is past the end of SRC %s (%llu bytes)",
			(unsigned long long)p->src_offset, s->path,
			(unsigned long long)s->size);
	if (o->length) {
		ret = parse_range_value("--length", o->length, s->dio_align,
					&p->length);
		if (ret)
			return ret;
	} else {
		p->length = s->size - p->src_offset;
	}
	if (p->length == 0)
		return fail(
			EXIT_USAGE,
			"nothing to copy: the range is empty (SRC %s has %llu bytes from --src-offset)",
			s->path, (unsigned long long)(s->size - p->src_offset));
	if (add_overflows(p->src_offset, p->length, &end) || end > s->size)
		return fail(
			EXIT_USAGE,
			"--length %llu from --src-offset %llu runs past the end of SRC %s (%llu bytes)",
			(unsigned long long)p->length,
			(unsigned long long)p->src_offset, s->path,
			(unsigned long long)s->size);
	if (add_overflows(p->dst_offset, p->length, &end))
		return fail(EXIT_USAGE, "--dst-offset plus length overflows");
	if (d->kind == ENDPOINT_BLOCK && end > d->size)
		return fail(
			EXIT_USAGE,
			"DST %s is too small: the copy needs bytes up to %llu, it has %llu (%s)",
			d->path, (unsigned long long)end,
			(unsigned long long)d->size,
			format_size(d->size, sz, sizeof(sz)));

	if (!is_aligned(p->src_offset, p->align))
		return fail(
			EXIT_USAGE,
			"--src-offset %llu is not a multiple of %u bytes (the larger logical block size of SRC and DST)",
			(unsigned long long)p->src_offset, p->align);
	if (!is_aligned(p->dst_offset, p->align))
		return fail(
			EXIT_USAGE,
			"--dst-offset %llu is not a multiple of %u bytes (the larger logical block size of SRC and DST)",
			(unsigned long long)p->dst_offset, p->align);

	/*
	 * O_DIRECT moves whole blocks only.  A tail that is not one can be
	 * copied exactly when the destination is a file (buffered I/O for
	 * the last bytes); a block device would need padding: refuse.
	 */
	p->tail = p->length % p->align;
	p->direct_length = p->length - p->tail;
	if (p->tail && d->kind == ENDPOINT_BLOCK)
		return fail(
			EXIT_USAGE,
			"--length %llu is not a multiple of %u bytes: DST %s is a block device and p2pcp never pads",
			(unsigned long long)p->length, p->align, d->path);

	if (endpoint_same_storage(s, d, &a_base, &b_base)) {
		uint64_t sa = a_base + p->src_offset,
			 da = b_base + p->dst_offset;

		if (sa < da + p->length && da < sa + p->length)
			return fail(
				EXIT_USAGE,
				"SRC %s and DST %s are the same storage and the ranges overlap",
				s->path, d->path);
	}
	return 0;
}

/*
 * The destination must be something the user can afford to lose: not
 * in use (O_EXCL claims a block device as mount does), and with no
 * filesystem, RAID, LVM or partition-table signature unless --force.
 */
static int check_destination(const struct options *o, const struct plan *p)
{
	const struct endpoint *d = &p->dst;
	struct disk_signature sig;
	int fd, ret;

	fd = open(d->path, d->kind == ENDPOINT_BLOCK ?
				   O_RDONLY | O_EXCL | O_CLOEXEC :
				   O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == EBUSY)
			return fail(
				EXIT_USAGE,
				"DST %s is in use (mounted, or opened exclusively by another program); unmount or stop it first",
				d->path);
		return fail(EXIT_USAGE, "DST %s: cannot open for writing: %s",
			    d->path, strerror(errno));
	}
	close(fd);
	if (d->kind != ENDPOINT_BLOCK || o->force)
		return 0;

	ret = disk_signature_probe(d->path, &sig);
	if (ret < 0)
		return fail(
			EXIT_USAGE,
			"DST %s: cannot probe for signatures (libblkid: %s); use --force to skip the check",
			d->path, strerror(-ret));
	if (ret == 2)
		return fail(
			EXIT_USAGE,
			"DST %s holds several contradicting signatures (filesystem, RAID or partition table); refusing to overwrite it (use --force if you mean it)",
			d->path);
	if (ret == 1)
		return fail(
			EXIT_USAGE,
			"DST %s holds a %s signature (%s); refusing to overwrite it (use --force if you mean it)",
			d->path, sig.what, sig.type);
	return 0;
}

static const char *disk_problem(const struct endpoint *ep)
{
	if (!ep->have_disk)
		return "is on a filesystem with no block device behind it (tmpfs, overlay, btrfs subvolume...)";
	switch (ep->disk.kind) {
	case DISK_NVME:
		return ep->disk.have_pci ?
			       NULL :
			       "is on an NVMe controller that is not a PCI device (NVMe over fabrics)";
	case DISK_NVME_MULTIPATH:
		return "is an NVMe multipath head node, whose queue does not take P2P pages; boot with nvme_core.multipath=N to get per-controller namespaces";
	case DISK_OTHER:
		break;
	}
	return "is not on an NVMe namespace (its queue cannot take P2P pages)";
}

/* Explain an empty provider list as precisely as the system allows. */
static int explain_no_providers(struct plan *p)
{
	char source[PATH_MAX];
	enum kconfig_state st;

	st = kconfig_lookup("CONFIG_PCI_P2PDMA", p->kernel_release, source,
			    sizeof(source));
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

static int evaluate_paths(const struct pci_topo *topo,
			  const struct p2p_platform *plat,
			  const struct pci_addr *prov, const struct plan *p,
			  struct p2p_result *rs, struct p2p_result *rd)
{
	int pi, si, di, ret;

	pi = pci_topo_find(topo, prov);
	si = pci_topo_find(topo, &p->src.disk.pci);
	di = pci_topo_find(topo, &p->dst.disk.pci);
	if (pi < 0 || si < 0 || di < 0)
		return -ENOENT;
	ret = p2p_evaluate(topo, pi, si, plat, rs);
	if (!ret)
		ret = p2p_evaluate(topo, pi, di, plat, rd);
	return ret;
}

/* p2pmem exists, yet no provider can serve: say which reason holds. */
static int explain_no_candidate(const struct plan *p,
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

/* @list: every p2pmem provider, at least one. */
static int choose_provider(const struct options *o, struct plan *p,
			   const struct p2pmem_provider *list, size_t n)
{
	struct pci_topo *topo = NULL;
	struct p2p_platform plat;
	char errbuf[256];
	struct provider_choice choice;
	int ret = 0;

	if (o->provider) {
		struct pci_addr addr;

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
	}

	if (pci_topo_load(&(struct pci_topo_opts){ 0 }, &topo, errbuf,
			  sizeof(errbuf)) == 0)
		p2p_platform_detect(&plat);

	if (o->provider) {
		if (topo && evaluate_paths(topo, &plat, &p->provider.addr, p,
					   &p->src_path, &p->dst_path) == 0)
			p->have_verdicts = true;
		goto out;
	}

	ret = p2pmem_choose(list, n, topo, topo ? &plat : NULL,
			    &p->src.disk.pci, &p->dst.disk.pci, &choice);
	if (ret == 0) {
		p->provider = list[choice.index];
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

static int plan_p2p(const struct options *o, struct plan *p)
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

	problem = disk_problem(&p->src);
	if (problem)
		ret = fail(
			EXIT_NO_P2P,
			"SRC %s %s; use --sysmem to copy through system memory",
			p->src.path, problem);
	else if ((problem = disk_problem(&p->dst)))
		ret = fail(
			EXIT_NO_P2P,
			"DST %s %s; use --sysmem to copy through system memory",
			p->dst.path, problem);
	else
		ret = choose_provider(o, p, list, n);
	free(list);
	return ret;
}

/* Fit the slots into what the provider (or memory) actually gave. */
static void fit_slots(struct plan *p, size_t buf_len)
{
	uint64_t chunk = p->chunk_size;

	if ((uint64_t)p->queue_depth * chunk <= buf_len)
		return;
	if (buf_len / chunk >= 1) {
		p->queue_depth = (uint32_t)(buf_len / chunk);
		return;
	}
	p->queue_depth = 1;
	p->chunk_size = (uint32_t)(buf_len / p->align * p->align);
}

struct buffer {
	struct p2pmem_map map;
	void *sysmem;
	void *addr;
	size_t len;
};

static int buffer_get(const struct plan *p, struct buffer *b)
{
	size_t want = (size_t)p->chunk_size * p->queue_depth;
	long page = sysconf(_SC_PAGESIZE);
	char bdf[PCI_ADDR_STRLEN], sz[32];
	size_t floor = p->align > (uint32_t)page ? p->align : (size_t)page;
	int ret;

	memset(b, 0, sizeof(*b));
	b->map.fd = -1;
	if (!p->p2p) {
		if (posix_memalign(&b->sysmem, (size_t)page, want))
			return fail(EXIT_IO, "cannot allocate %zu bytes", want);
		b->addr = b->sysmem;
		b->len = want;
		return 0;
	}
	pci_addr_format(&p->provider.addr, bdf, sizeof(bdf));
	ret = p2pmem_map(&p->provider.addr, want, floor, &b->map);
	if (ret == -ENOMEM)
		return fail(
			EXIT_NO_P2P,
			"provider %s is exhausted: not even %zu contiguous bytes free (available %s of %llu bytes; another process holds the rest); retry later or pick another --provider",
			bdf, floor,
			format_size(p->provider.available, sz, sizeof(sz)),
			(unsigned long long)p->provider.size);
	if (ret == -EACCES || ret == -EPERM)
		return fail(
			EXIT_NO_P2P,
			"provider %s: permission denied opening p2pmem/allocate (root, or write access to it, is needed)",
			bdf);
	if (ret == -ENODEV)
		return fail(EXIT_NO_P2P,
			    "provider %s went away (device removed or unbound)",
			    bdf);
	if (ret)
		return fail(EXIT_NO_P2P, "provider %s: cannot map p2pmem: %s",
			    bdf, strerror(-ret));
	b->addr = b->map.addr;
	b->len = b->map.len;
	return 0;
}

static void buffer_put(struct buffer *b)
{
	p2pmem_unmap(&b->map);
	free(b->sysmem);
}

static void json_endpoint(struct json_object *root, const char *key,
			  const struct endpoint *ep, uint64_t offset,
			  const struct nvme_ctrl_desc *ctrl)
{
	struct json_object *o = json_object_new_object();
	char bdf[PCI_ADDR_STRLEN];

	json_object_object_add(o, "path", json_object_new_string(ep->path));
	json_object_object_add(
		o, "type",
		json_object_new_string(ep->kind == ENDPOINT_BLOCK ? "block" :
								    "file"));
	if (ep->have_disk) {
		json_object_object_add(
			o, "device",
			json_object_new_string(endpoint_device(ep)));
		if (ep->disk.ctrl[0])
			json_object_object_add(
				o, "controller",
				json_object_new_string(ep->disk.ctrl));
		if (ep->disk.have_pci)
			json_object_object_add(
				o, "pci",
				json_object_new_string(pci_addr_format(
					&ep->disk.pci, bdf, sizeof(bdf))));
		json_object_object_add(
			o, "logical_block_size",
			json_object_new_int64(ep->disk.logical_block_size));
	}
	if (ctrl) {
		json_object_object_add(o, "model",
				       json_object_new_string(ctrl->model));
		json_object_object_add(o, "serial",
				       json_object_new_string(ctrl->serial));
		json_object_object_add(
			o, "subsystem_controllers",
			json_object_new_int((int)ctrl->subsystem_ctrls));
	}
	json_object_object_add(o, "size", json_object_new_int64(ep->size));
	json_object_object_add(o, "offset", json_object_new_int64(offset));
	json_object_object_add(root, key, o);
}

static const char *path_verdict(const struct plan *p)
{
	if (!p->have_verdicts)
		return "unknown";
	if (p->src_path.verdict == P2P_REFUSED ||
	    p->dst_path.verdict == P2P_REFUSED)
		return p2p_verdict_name(P2P_REFUSED);
	if (p->src_path.verdict == P2P_HOST_BRIDGE ||
	    p->dst_path.verdict == P2P_HOST_BRIDGE)
		return p2p_verdict_name(P2P_HOST_BRIDGE);
	return p2p_verdict_name(P2P_DIRECT);
}

static struct json_object *json_plan(const struct plan *p)
{
	struct json_object *root = json_object_new_object();
	char bdf[PCI_ADDR_STRLEN];

	json_endpoint(root, "source", &p->src, p->src_offset,
		      p->have_src_ctrl ? &p->src_ctrl : NULL);
	json_endpoint(root, "destination", &p->dst, p->dst_offset,
		      p->have_dst_ctrl ? &p->dst_ctrl : NULL);
	json_object_object_add(root, "length",
			       json_object_new_int64(p->length));
	json_object_object_add(root, "mode",
			       json_object_new_string(p->p2p ? "p2p" :
							       "sysmem"));
	if (p->p2p) {
		struct json_object *pv = json_object_new_object();

		json_object_object_add(
			pv, "pci",
			json_object_new_string(pci_addr_format(
				&p->provider.addr, bdf, sizeof(bdf))));
		json_object_object_add(pv, "size",
				       json_object_new_int64(p->provider.size));
		json_object_object_add(
			pv, "available",
			json_object_new_int64(p->provider.available));
		json_object_object_add(
			pv, "published",
			json_object_new_boolean(p->provider.published));
		json_object_object_add(root, "provider", pv);
		json_object_object_add(root, "verdict",
				       json_object_new_string(path_verdict(p)));
	}
	json_object_object_add(root, "chunk_size",
			       json_object_new_int64(p->chunk_size));
	json_object_object_add(root, "queue_depth",
			       json_object_new_int64(p->queue_depth));
	json_object_object_add(root, "alignment",
			       json_object_new_int64(p->align));
	return root;
}

static void print_plan(const struct plan *p)
{
	char bdf[PCI_ADDR_STRLEN], sz[32];
	const struct endpoint *eps[2] = { &p->src, &p->dst };
	const char *roles[2] = { "SRC", "DST" };
	const uint64_t offs[2] = { p->src_offset, p->dst_offset };
	const struct nvme_ctrl_desc *ctrls[2] = {
		p->have_src_ctrl ? &p->src_ctrl : NULL,
		p->have_dst_ctrl ? &p->dst_ctrl : NULL,
	};
	int i;

	for (i = 0; i < 2; i++) {
		const struct endpoint *ep = eps[i];

		printf("%s  %s", roles[i], ep->path);
		if (ep->have_disk) {
			printf(" (%s", endpoint_device(ep));
			if (ep->disk.ctrl[0])
				printf(", %s", ep->disk.ctrl);
			if (ep->disk.have_pci)
				printf(", %s",
				       pci_addr_format(&ep->disk.pci, bdf,
						       sizeof(bdf)));
			printf(", %u-byte blocks)",
			       ep->disk.logical_block_size);
		}
		printf(", offset %llu\n", (unsigned long long)offs[i]);
		if (ctrls[i])
			printf("     %s, serial %s%s\n", ctrls[i]->model,
			       ctrls[i]->serial,
			       ctrls[i]->subsystem_ctrls > 1 ?
				       ", subsystem reachable through several controllers" :
				       "");
	}
	printf("copy %llu bytes (%s)", (unsigned long long)p->length,
	       format_size(p->length, sz, sizeof(sz)));
	if (p->tail)
		printf(", last %llu through buffered I/O",
		       (unsigned long long)p->tail);
	printf("\n");
	if (p->p2p) {
		printf("provider %s: %llu bytes, %llu available, %s\n",
		       pci_addr_format(&p->provider.addr, bdf, sizeof(bdf)),
		       (unsigned long long)p->provider.size,
		       (unsigned long long)p->provider.available,
		       p->provider.published ? "published" : "not published");
		if (p->have_verdicts)
			printf("path: SRC<->provider %s (distance %d), DST<->provider %s (distance %d)\n",
			       p2p_verdict_name(p->src_path.verdict),
			       p->src_path.distance,
			       p2p_verdict_name(p->dst_path.verdict),
			       p->dst_path.distance);
		else
			printf("path: unknown (PCI topology unreadable)\n");
	} else {
		printf("through system memory (--sysmem)\n");
	}
	printf("%u chunks of %u bytes in flight\n", p->queue_depth,
	       p->chunk_size);
}

struct progress_state {
	bool tty;
	bool active; /* a \r line is on screen */
};

static void show_progress(const struct copy_progress *pr, void *data)
{
	struct progress_state *ps = data;
	double rate = pr->elapsed > 0 ? pr->done / pr->elapsed : 0;
	char sz[32];

	fprintf(stderr, "%s%llu bytes (%s) copied, %.1f s, %.1f MB/s%s",
		ps->tty ? "\r" : "", (unsigned long long)pr->done,
		format_size(pr->done, sz, sizeof(sz)), pr->elapsed, rate / 1e6,
		ps->tty ? "   " : "\n");
	ps->active = ps->tty;
}

/*
 * Before any write, prove the kernel maps p2pmem for both devices:
 * read one block of each into the buffer.  A refused path fails here
 * with EREMOTEIO and the destination is untouched.
 */
/* Why the topology says the kernel refuses, for the refusal message. */
static const char *refusal_reason(const struct plan *p, int side)
{
	const struct p2p_result *r = side ? &p->dst_path : &p->src_path;

	if (!p->have_verdicts || r->verdict != P2P_REFUSED)
		return "see dmesg for the kernel's reason";
	if (r->acs_redirect_count)
		return "ACS redirect is set on a port of the path and the host bridge is not whitelisted";
	return "the devices share no upstream bridge and the host bridge is not on the kernel's whitelist";
}

static int preflight(const struct plan *p, int src_fd, int dst_fd, void *buf)
{
	const int fds[2] = { src_fd, dst_fd };
	const uint64_t offs[2] = { p->src_offset, p->dst_offset };
	const struct endpoint *eps[2] = { &p->src, &p->dst };
	char bdf[PCI_ADDR_STRLEN];
	ssize_t n;
	int i;

	pci_addr_format(&p->provider.addr, bdf, sizeof(bdf));
	for (i = 0; i < 2; i++) {
		n = pread(fds[i], buf, p->align, (off_t)offs[i]);
		if (n >= 0)
			continue;
		if (errno == EREMOTEIO || errno == EINVAL)
			return fail(
				EXIT_NO_P2P,
				"the kernel refused peer-to-peer DMA between %s %s and provider %s (%s: %s); nothing was written; run 'p2p-check %s %s' for the path and the fix, or use --sysmem",
				i ? "DST" : "SRC", eps[i]->path, bdf,
				strerror(errno), refusal_reason(p, i),
				p->src.path, p->dst.path);
		return fail(EXIT_IO, "%s %s: read at byte %llu failed: %s",
			    i ? "DST" : "SRC", eps[i]->path,
			    (unsigned long long)offs[i], strerror(errno));
	}
	return 0;
}

/* Copy the final partial block of a file with buffered I/O. */
static int copy_tail(const struct plan *p)
{
	char buf[65536];
	uint64_t off = p->direct_length, left = p->tail;
	_cleanup_fd_ int in = -1;
	_cleanup_fd_ int out = -1;

	in = open(p->src.path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(p->dst.path, O_WRONLY | O_CLOEXEC);
	if (out < 0)
		return -errno;
	while (left) {
		size_t want = left < sizeof(buf) ? left : sizeof(buf);
		ssize_t n = pread(in, buf, want, (off_t)(p->src_offset + off));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		if (pwrite(out, buf, (size_t)n, (off_t)(p->dst_offset + off)) !=
		    n)
			return errno ? -errno : -EIO;
		off += (uint64_t)n;
		left -= (uint64_t)n;
	}
	if (fdatasync(out))
		return -errno;
	return 0;
}

static const char *errname(int err)
{
	return strerror(err < 0 ? -err : err);
}

static int report_copy_failure(const struct plan *p,
			       const struct copy_result *r)
{
	const struct endpoint *ep = r->fail_side == COPY_SIDE_READ ? &p->src :
								     &p->dst;
	uint64_t base = r->fail_side == COPY_SIDE_READ ? p->src_offset :
							 p->dst_offset;
	uint64_t at = base + r->fail_offset;
	char bdf[PCI_ADDR_STRLEN];

	if (p->p2p && r->done == 0 &&
	    (r->error == -EREMOTEIO || r->error == -EINVAL)) {
		pci_addr_format(&p->provider.addr, bdf, sizeof(bdf));
		return fail(
			EXIT_NO_P2P,
			"the kernel refused peer-to-peer DMA between %s and provider %s (%s); nothing was written; run 'p2p-check %s %s' for the path and the fix, or use --sysmem",
			ep->path, bdf, errname(r->error), p->src.path,
			p->dst.path);
	}
	return fail(
		EXIT_IO,
		"%s error on %s %s at byte %llu (block %llu): %s%s; copied SRC bytes %llu-%llu to DST bytes %llu-%llu (%llu bytes); resume with --src-offset %llu --dst-offset %llu --length %llu",
		r->fail_side == COPY_SIDE_READ ? "read" : "write",
		r->fail_side == COPY_SIDE_READ ? "SRC" : "DST", ep->path,
		(unsigned long long)at,
		(unsigned long long)(at /
				     (ep->dio_align ? ep->dio_align : 512)),
		errname(r->error),
		r->unexpected_eof ? " (SRC ended early)" : "",
		(unsigned long long)p->src_offset,
		(unsigned long long)(p->src_offset + r->done),
		(unsigned long long)p->dst_offset,
		(unsigned long long)(p->dst_offset + r->done),
		(unsigned long long)r->done,
		(unsigned long long)(p->src_offset + r->done),
		(unsigned long long)(p->dst_offset + r->done),
		(unsigned long long)(p->length - r->done));
}

static int run_copy(const struct options *o, struct plan *p,
		    struct json_object *summary)
{
	struct progress_state ps = { .tty = isatty(STDERR_FILENO) };
	struct copy_result r = { 0 }, vr = { 0 };
	struct buffer buf, vbuf = { 0 };
	struct copy_job job = { 0 };
	struct sigaction sa = { 0 };
	int src_fd = -1, dst_fd = -1, ret, vret;
	uint64_t mismatch = 0;
	double seconds;

	ret = buffer_get(p, &buf);
	if (ret)
		return ret;
	fit_slots(p, buf.len);

	src_fd = open(p->src.path, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (src_fd < 0) {
		ret = fail(EXIT_USAGE,
			   "SRC %s: cannot open for O_DIRECT reading: %s",
			   p->src.path, strerror(errno));
		goto out;
	}
	dst_fd = open(p->dst.path,
		      O_WRONLY | O_DIRECT | O_CLOEXEC |
			      (p->dst.kind == ENDPOINT_BLOCK ? O_EXCL : 0));
	if (dst_fd < 0) {
		ret = fail(EXIT_USAGE,
			   "DST %s: cannot open for O_DIRECT writing: %s",
			   p->dst.path, strerror(errno));
		goto out;
	}
	if (p->p2p) {
		/* pread on the read fd; DST is write-only, so reopen it. */
		_cleanup_fd_ int dst_rd =
			open(p->dst.path, O_RDONLY | O_DIRECT | O_CLOEXEC);

		if (dst_rd < 0) {
			ret = fail(EXIT_USAGE, "DST %s: cannot open: %s",
				   p->dst.path, strerror(errno));
			goto out;
		}
		ret = preflight(p, src_fd, dst_rd, buf.addr);
		if (ret)
			goto out;
	}

	/* From here on a signal stops the copy cleanly instead of killing it. */
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	job.src_fd = src_fd;
	job.dst_fd = dst_fd;
	job.src_offset = p->src_offset;
	job.dst_offset = p->dst_offset;
	job.length = p->direct_length;
	job.buf = buf.addr;
	job.chunk_size = p->chunk_size;
	job.queue_depth = p->queue_depth;
	job.align = p->align;
	job.stop = &stop_signal;
	job.progress_request = &progress_request;
	job.progress = show_progress;
	job.progress_data = &ps;
	job.progress_interval = o->progress && ps.tty && !o->quiet ? 1.0 : 0;

	seconds = now_seconds();
	ret = 0;
	if (p->direct_length) {
		ret = copy_run(&job, &r);
	}
	if (ps.active)
		fputc('\n', stderr);
	if (r.stopped) {
		ret = fail(
			stop_signal == SIGTERM ? EXIT_SIGTERM : EXIT_SIGINT,
			"interrupted: copied SRC bytes %llu-%llu to DST bytes %llu-%llu (%llu bytes); resume with --src-offset %llu --dst-offset %llu --length %llu",
			(unsigned long long)p->src_offset,
			(unsigned long long)(p->src_offset + r.done),
			(unsigned long long)p->dst_offset,
			(unsigned long long)(p->dst_offset + r.done),
			(unsigned long long)r.done,
			(unsigned long long)(p->src_offset + r.done),
			(unsigned long long)(p->dst_offset + r.done),
			(unsigned long long)(p->length - r.done));
		goto out;
	}
	if (ret) {
		ret = report_copy_failure(p, &r);
		goto out;
	}
	if (fdatasync(dst_fd)) {
		ret = fail(EXIT_IO, "DST %s: flushing failed: %s", p->dst.path,
			   strerror(errno));
		goto out;
	}
	if (p->tail) {
		ret = copy_tail(p);
		if (ret) {
			r.done = p->direct_length;
			r.fail_offset = p->direct_length;
			r.fail_side = COPY_SIDE_WRITE;
			r.error = ret;
			ret = report_copy_failure(p, &r);
			goto out;
		}
	}
	seconds = now_seconds() - seconds;

	json_object_object_add(summary, "bytes",
			       json_object_new_int64(p->length));
	json_object_object_add(summary, "seconds",
			       json_object_new_double(seconds));
	json_object_object_add(
		summary, "gb_per_s",
		json_object_new_double(seconds > 0 ? p->length / seconds / 1e9 :
						     0));
	json_object_object_add(summary, "mapped",
			       json_object_new_int64((int64_t)buf.len));
	json_object_object_add(summary, "fixed_buffers",
			       json_object_new_boolean(r.fixed_buffers));
	/* Slots may have shrunk to fit the buffer. */
	json_object_object_add(summary, "chunk_size",
			       json_object_new_int64(p->chunk_size));
	json_object_object_add(summary, "queue_depth",
			       json_object_new_int64(p->queue_depth));

	if (o->verify != VERIFY_NONE) {
		struct copy_job vjob = job;
		bool in_p2pmem = o->verify == VERIFY_P2PMEM && p->p2p;
		_cleanup_fd_ int vdst = -1;

		/* Read back through a read-only descriptor of DST. */
		vdst = open(p->dst.path, O_RDONLY | O_DIRECT | O_CLOEXEC);
		if (vdst < 0) {
			ret = fail(EXIT_IO,
				   "DST %s: cannot reopen to verify: %s",
				   p->dst.path, strerror(errno));
			goto out;
		}
		vjob.dst_fd = vdst;
		vjob.length = p->direct_length;
		if (!in_p2pmem && p->p2p) {
			struct plan sys = *p;

			sys.p2p = false;
			ret = buffer_get(&sys, &vbuf);
			if (ret)
				goto out;
			vjob.buf = vbuf.addr;
		}
		vret = vjob.length ?
			       copy_verify(&vjob, in_p2pmem, &mismatch, &vr) :
			       0;
		if (vret < 0 && vr.stopped) {
			ret = fail(
				stop_signal == SIGTERM ? EXIT_SIGTERM :
							 EXIT_SIGINT,
				"interrupted while verifying: the copy itself completed (%llu bytes)",
				(unsigned long long)p->length);
			goto out;
		}
		if (vret < 0) {
			ret = fail(EXIT_IO,
				   "verify: reading %s at byte %llu failed: %s",
				   vr.fail_side == COPY_SIDE_READ ?
					   p->src.path :
					   p->dst.path,
				   (unsigned long long)vr.fail_offset,
				   errname(vret));
			goto out;
		}
		if (vret == 0 && p->tail) {
			/* The buffered tail is checked with plain reads. */
			char a[4096], b[4096];
			_cleanup_fd_ int fa = open(p->src.path, O_RDONLY);
			_cleanup_fd_ int fb = open(p->dst.path, O_RDONLY);
			uint64_t i;

			if (fa < 0 || fb < 0 || p->tail > sizeof(a) ||
			    pread(fa, a, p->tail,
				  (off_t)(p->src_offset + p->direct_length)) !=
				    (ssize_t)p->tail ||
			    pread(fb, b, p->tail,
				  (off_t)(p->dst_offset + p->direct_length)) !=
				    (ssize_t)p->tail) {
				ret = fail(
					EXIT_IO,
					"verify: cannot read the last %llu bytes back",
					(unsigned long long)p->tail);
				goto out;
			}
			for (i = 0; i < p->tail && a[i] == b[i]; i++)
				;
			if (i < p->tail) {
				vret = 1;
				mismatch = p->direct_length + i;
			}
		}
		json_object_object_add(summary, "verified",
				       json_object_new_boolean(vret == 0));
		if (vret == 1) {
			json_object_object_add(summary, "mismatch_offset",
					       json_object_new_int64(mismatch));
			ret = fail(
				EXIT_MISMATCH,
				"verify: DST %s differs from SRC %s at byte %llu of the range (SRC byte %llu, DST byte %llu)",
				p->dst.path, p->src.path,
				(unsigned long long)mismatch,
				(unsigned long long)(p->src_offset + mismatch),
				(unsigned long long)(p->dst_offset + mismatch));
			goto out;
		}
	}
	if (!o->quiet && !o->json) {
		char sz[32], bdf[PCI_ADDR_STRLEN];

		fprintf(stderr,
			"%s: copied %s from %s to %s %s%s in %.2f s (%.1f MB/s)%s\n",
			PROG, format_size(p->length, sz, sizeof(sz)),
			p->src.path, p->dst.path,
			p->p2p ? "through p2pmem of " : "through system memory",
			p->p2p ? pci_addr_format(&p->provider.addr, bdf,
						 sizeof(bdf)) :
				 "",
			seconds, seconds > 0 ? p->length / seconds / 1e6 : 0.0,
			o->verify != VERIFY_NONE ? ", verified" : "");
	}
	ret = EXIT_OK;
out:
	if (src_fd >= 0)
		close(src_fd);
	if (dst_fd >= 0)
		close(dst_fd);
	if (vbuf.addr)
		buffer_put(&vbuf);
	buffer_put(&buf);
	return ret;
}

static int run(int argc, char **argv, struct json_object **summary)
{
	struct options o;
	struct plan p;
	struct utsname uts;
	int ret;

	ret = parse_args(argc, argv, &o);
	if (ret >= 0) {
		usage_error = ret == EXIT_USAGE;
		return ret;
	}

	memset(&p, 0, sizeof(p));
	if (uname(&uts) == 0)
		snprintf(p.kernel_release, sizeof(p.kernel_release), "%s",
			 uts.release);
	ret = resolve_endpoint("SRC", o.src, &p.src);
	if (ret)
		return ret;
	if (access(o.src, R_OK))
		return fail(EXIT_USAGE, "SRC %s: cannot read: %s", o.src,
			    strerror(errno));
	ret = resolve_endpoint("DST", o.dst, &p.dst);
	if (ret)
		return ret;
	ret = plan_range(&o, &p);
	if (ret)
		return ret;
	if (p.src.disk.ctrl[0])
		p.have_src_ctrl =
			nvme_ctrl_describe(p.src.disk.ctrl, &p.src_ctrl) == 0;
	if (p.dst.disk.ctrl[0])
		p.have_dst_ctrl =
			nvme_ctrl_describe(p.dst.disk.ctrl, &p.dst_ctrl) == 0;
	if (o.chunk_size % p.align)
		return fail(
			EXIT_USAGE,
			"--chunk-size %llu is not a multiple of %u bytes (the larger logical block size of SRC and DST)",
			(unsigned long long)o.chunk_size, p.align);
	p.chunk_size = (uint32_t)o.chunk_size;
	p.queue_depth = o.queue_depth;
	p.p2p = !o.sysmem;

	if (p.p2p) {
		ret = plan_p2p(&o, &p);
		if (ret)
			return ret;
	}
	ret = check_destination(&o, &p);
	if (ret)
		return ret;

	*summary = json_plan(&p);
	if (o.dry_run) {
		if (!o.json)
			print_plan(&p);
		return EXIT_OK;
	}
	return run_copy(&o, &p, *summary);
}

int main(int argc, char **argv)
{
	struct sigaction usr1 = { .sa_handler = on_usr1,
				  .sa_flags = SA_RESTART };
	struct json_object *summary = NULL;
	bool json = false;
	int i, ret;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		json |= !strcmp(argv[i], "--json");
	}

	/* SIGUSR1 asks for progress (as with dd); it must never kill us. */
	sigaction(SIGUSR1, &usr1, NULL);
	ret = run(argc, argv, &summary);
	if (ret != EXIT_OK && message[0])
		fprintf(stderr, "%s: %s\n", PROG, message);
	if (usage_error)
		fprintf(stderr, "Try '%s --help' for more information.\n",
			PROG);
	if (json && (summary || message[0])) {
		if (!summary)
			summary = json_object_new_object();
		json_object_object_add(summary, "status",
				       json_object_new_string(ret ? "error" :
								    "ok"));
		json_object_object_add(summary, "exit_code",
				       json_object_new_int(ret));
		if (ret && message[0])
			json_object_object_add(summary, "error",
					       json_object_new_string(message));
		printf("%s\n", json_object_to_json_string_ext(
				       summary,
				       JSON_C_TO_STRING_PRETTY |
					       JSON_C_TO_STRING_NOSLASHESCAPE));
	}
	json_object_put(summary);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "%s: write error on standard output\n", PROG);
		if (ret == EXIT_OK)
			ret = EXIT_IO;
	}
	return ret;
}
