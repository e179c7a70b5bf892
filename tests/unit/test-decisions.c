// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * p2pcp's decisions before the first write (p2pcp-plan.c,
 * p2pcp-engine.c) linked without the binary and its printers: each
 * returns a reason code with its facts, checked here on endpoints made
 * by hand and on a fake system root.  The passthrough choice and the
 * fallback, which otherwise only the lab sees, are among them; so are
 * the causes of an unusable io_uring (ring.c) and the IOMMU scan the
 * loss messages quote (platform.c), both moved out of the printer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "check.h"
#include "fakeroot.h"
#include "p2pcp.h"
#include "platform.h"
#include "sysfs.h"

/* The printers are not linked: these decisions must not need them. */

/*
 * p2pmem_provider_read() as plan_p2p() calls it for a named provider,
 * wrapped at link time (p2pmem_list()'s own calls are not): it answers
 * @provider_read_error when that is set, as a read failing after the
 * listing would.
 */
static int provider_read_error;
int __real_p2pmem_provider_read(const struct pci_addr *addr,
				struct p2pmem_provider *out);
int __wrap_p2pmem_provider_read(const struct pci_addr *addr,
				struct p2pmem_provider *out);

int __wrap_p2pmem_provider_read(const struct pci_addr *addr,
				struct p2pmem_provider *out)
{
	int ret = __real_p2pmem_provider_read(addr, out);

	return provider_read_error ? provider_read_error : ret;
}

static char scratch[] = "decisions-XXXXXX";

/* A block NVMe namespace @name of @kind, on PCI function 0000:0@n:00.0. */
static void nvme_endpoint(struct endpoint *ep, const char *path,
			  const char *name, enum disk_kind kind, int n)
{
	memset(ep, 0, sizeof(*ep));
	ep->path = path;
	ep->fd = -1;
	ep->kind = ENDPOINT_BLOCK;
	ep->have_disk = true;
	ep->size = 1 << 20;
	snprintf(ep->disk.name, sizeof(ep->disk.name), "%s", name);
	ep->disk.kind = kind;
	ep->disk.have_pci = true;
	ep->disk.pci = (struct pci_addr){ .bus = (uint8_t)n };
	ep->disk.logical_block_size = 512;
}

static void two_namespaces(struct copy_plan *p, enum disk_kind src,
			   enum disk_kind dst, const char *release)
{
	memset(p, 0, sizeof(*p));
	nvme_endpoint(&p->src, "/dev/nvme1n1", "nvme1n1", src, 1);
	nvme_endpoint(&p->dst, "/dev/nvme2n1", "nvme2n1", dst, 2);
	snprintf(p->kernel_release, sizeof(p->kernel_release), "%s", release);
	p->p2p = true;
}

/* auto, block, passthru and --sysmem: the engine and why. */
static void test_engine_plan(void)
{
	struct options o = { .engine = ENGINE_AUTO };
	struct refusal r;
	struct copy_plan p;

	/* A head before 7.2 refuses P2P pages: passthrough is expected. */
	two_namespaces(&p, DISK_NVME, DISK_NVME_MULTIPATH, "7.1.0");
	CHECK(engine_plan(&o, &p, &r) == REFUSE_NONE);
	CHECK(p.engine == COPY_ENGINE_PASSTHRU);
	CHECK(p.engine_why == ENGINE_WHY_EXPECT_PASSTHRU);
	CHECK_EQ_U64(p.engine_side, 1);
	CHECK(!p.engine_decided);
	/* The head is SRC. */
	two_namespaces(&p, DISK_NVME_MULTIPATH, DISK_NVME, "7.1.0");
	CHECK(engine_plan(&o, &p, &r) == REFUSE_NONE);
	CHECK(p.engine == COPY_ENGINE_PASSTHRU);
	CHECK_EQ_U64(p.engine_side, 0);
	/* 7.2 and later take P2P pages on a head: the block engine. */
	two_namespaces(&p, DISK_NVME, DISK_NVME_MULTIPATH, "7.2.0");
	CHECK(engine_plan(&o, &p, &r) == REFUSE_NONE);
	CHECK(p.engine == COPY_ENGINE_BLOCK);
	CHECK(p.engine_why == ENGINE_WHY_EXPECT_BLOCK);
	CHECK(!p.engine_decided);
	/* An unreadable release predicts the older behaviour. */
	two_namespaces(&p, DISK_NVME, DISK_NVME_MULTIPATH, "");
	CHECK(engine_plan(&o, &p, &r) == REFUSE_NONE);
	CHECK(p.engine == COPY_ENGINE_PASSTHRU);
	/* No head: the block engine, whatever the release. */
	two_namespaces(&p, DISK_NVME, DISK_NVME, "6.12.0");
	CHECK(engine_plan(&o, &p, &r) == REFUSE_NONE);
	CHECK(p.engine == COPY_ENGINE_BLOCK);
	/* A head and a file: passthrough cannot copy a file. */
	two_namespaces(&p, DISK_NVME_MULTIPATH, DISK_NVME, "6.12.0");
	p.dst.kind = ENDPOINT_FILE;
	CHECK(engine_plan(&o, &p, &r) == REFUSE_NONE);
	CHECK(p.engine == COPY_ENGINE_BLOCK);
	/* Through system memory no P2P page is refused: decided now. */
	two_namespaces(&p, DISK_NVME, DISK_NVME_MULTIPATH, "7.1.0");
	p.p2p = false;
	CHECK(engine_plan(&o, &p, &r) == REFUSE_NONE);
	CHECK(p.engine == COPY_ENGINE_BLOCK);
	CHECK(p.engine_why == ENGINE_WHY_SYSMEM);
	CHECK(p.engine_decided);
	/* --engine block: as told, even for a head. */
	o.engine = ENGINE_BLOCK;
	two_namespaces(&p, DISK_NVME, DISK_NVME_MULTIPATH, "7.1.0");
	CHECK(engine_plan(&o, &p, &r) == REFUSE_NONE);
	CHECK(p.engine == COPY_ENGINE_BLOCK);
	CHECK(p.engine_why == ENGINE_WHY_OPTION);
	CHECK(p.engine_decided);
}

/* --engine passthru refuses at once what it can never copy. */
static void test_forced_passthru(void)
{
	struct options o = { .engine = ENGINE_PASSTHRU };
	struct refusal r;
	struct copy_plan p;

	two_namespaces(&p, DISK_NVME, DISK_NVME, "7.3.0");
	p.src.kind = ENDPOINT_FILE;
	CHECK(engine_plan(&o, &p, &r) == REFUSE_PASSTHRU);
	CHECK(r.why == REFUSE_PASSTHRU);
	CHECK(r.passthru.why == PT_FILE);
	CHECK_EQ_U64(r.passthru.side, 0);
	CHECK(p.engine == COPY_ENGINE_PASSTHRU && p.engine_decided);
	/* SRC fine as far as kind goes; DST not NVMe. */
	two_namespaces(&p, DISK_NVME, DISK_OTHER, "7.3.0");
	p.src.kind = ENDPOINT_BLOCK;
	snprintf(p.src.disk.ctrl, sizeof(p.src.disk.ctrl), "nvme1");
	CHECK(engine_plan(&o, &p, &r) == REFUSE_PASSTHRU);
	/* SRC has no char device in the fake root: refused there first. */
	CHECK_EQ_U64(r.passthru.side, 0);
	CHECK(r.passthru.why == PT_NO_CHARDEV || r.passthru.why == PT_NOT_NVME);
	CHECK(r.passthru.chardev[0] == '\0'); /* none found to name */
}

/* Does ROOT/REL exist (a symlink counts)? */
static bool fake_exists(const char *rel)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s%s", fake_root, rel);
	return lstat(path, &st) == 0;
}

/*
 * NVMe namespace @disk (nvme<n>n1) of controller nvme<n> with its char
 * device ng<n>n1, @metadata bytes per block and integrity profile
 * @profile ("none": the kernel gave it none).
 */
static void namespace_with_chardev(struct endpoint *ep, int n,
				   const char *metadata, const char *profile)
{
	char dev[128], rel[256], text[160];

	snprintf(ep->disk.name, sizeof(ep->disk.name), "nvme%dn1", n);
	snprintf(dev, sizeof(dev),
		 "devices/pci0000:00/0000:00:0%d.0/nvme/nvme%d", n, n);
	snprintf(rel, sizeof(rel), "/sys/%s/nvme%dn1/size", dev, n);
	fake_put(rel, "2048\n");
	snprintf(rel, sizeof(rel), "/sys/%s/ng%dn1/dev", dev, n);
	snprintf(text, sizeof(text), "241:%d\n", n);
	fake_put(rel, text);
	fake_mkpath("/sys/class/block");
	fake_mkpath("/sys/class/nvme-generic");
	snprintf(rel, sizeof(rel), "/sys/class/block/nvme%dn1", n);
	if (!fake_exists(rel)) {
		snprintf(text, sizeof(text), "../../%s/nvme%dn1", dev, n);
		fake_link(text, rel);
		snprintf(text, sizeof(text), "../../%s/ng%dn1", dev, n);
		snprintf(rel, sizeof(rel), "/sys/class/nvme-generic/ng%dn1", n);
		fake_link(text, rel);
	}
	snprintf(rel, sizeof(rel), "/sys/block/nvme%dn1/size", n);
	fake_put(rel, "2048\n");
	snprintf(rel, sizeof(rel), "/sys/block/nvme%dn1/metadata_bytes", n);
	fake_put(rel, metadata);
	snprintf(rel, sizeof(rel), "/sys/block/nvme%dn1/integrity/format", n);
	fake_put(rel, profile);
}

/* engine_plan refuses passthrough with @why for @side (of r and passthru). */
static void check_passthru_refused(const struct options *o, struct copy_plan *p,
				   struct refusal *r, enum passthru_refusal why,
				   int side)
{
	memset(r, 0xa5, sizeof(*r));
	CHECK(engine_plan(o, p, r) == REFUSE_PASSTHRU);
	CHECK(r->passthru.why == why);
	CHECK_EQ_U64(r->passthru.side, side);
	CHECK_EQ_U64(r->side, side);
}

/*
 * --engine passthru on namespaces whose char devices exist: the format
 * is judged from sysfs only for --dry-run, which does not open them; a
 * run leaves it to identify on the opened char device.
 */
static void test_forced_passthru_formats(void)
{
	struct options o = { .engine = ENGINE_PASSTHRU, .dry_run = true };
	struct refusal r;
	struct copy_plan p;

	/* Both without metadata: nothing to refuse. */
	two_namespaces(&p, DISK_NVME, DISK_NVME, "7.3.0");
	namespace_with_chardev(&p.src, 3, "0\n", "none\n");
	namespace_with_chardev(&p.dst, 4, "0\n", "none\n");
	CHECK(engine_plan(&o, &p, &r) == REFUSE_NONE);
	CHECK(p.engine == COPY_ENGINE_PASSTHRU && p.engine_decided);

	/* DST has metadata the kernel takes no buffer for. */
	namespace_with_chardev(&p.dst, 4, "8\n", "none\n");
	check_passthru_refused(&o, &p, &r, PT_FORMAT, 1);
	CHECK(r.passthru.detail &&
	      strstr(r.passthru.detail, "no integrity profile"));
	CHECK(!strcmp(r.passthru.chardev, "ng4n1"));
	/* A run opens it and asks identify instead. */
	o.dry_run = false;
	CHECK(engine_plan(&o, &p, &r) == REFUSE_NONE);

	/* PI on SRC only: each side alone is fine, the pair is not. */
	o.dry_run = true;
	namespace_with_chardev(&p.src, 3, "8\n", "T10-DIF-TYPE1-CRC\n");
	namespace_with_chardev(&p.dst, 4, "0\n", "none\n");
	check_passthru_refused(&o, &p, &r, PT_FORMAT_PAIR, 0);
	CHECK(strstr(r.passthru.pair, "same format") != NULL);
	o.dry_run = false;
	CHECK(engine_plan(&o, &p, &r) == REFUSE_NONE);

	/* SRC fine, DST not NVMe: refused for DST, no char device named. */
	o.dry_run = true;
	namespace_with_chardev(&p.src, 3, "0\n", "none\n");
	p.dst.disk.kind = DISK_OTHER;
	check_passthru_refused(&o, &p, &r, PT_NOT_NVME, 1);
	CHECK(r.passthru.chardev[0] == '\0');
}

/* auto falls back to passthrough only on a P2P refusal between NVMe. */
static void test_fall_back(void)
{
	struct options o = { .engine = ENGINE_AUTO };
	struct copy_outcome refused = { .pipeline.error = -EREMOTEIO };
	struct copy_plan p;

	two_namespaces(&p, DISK_NVME_MULTIPATH, DISK_NVME, "7.1.0");
	CHECK(engine_can_fall_back(&o, &p, &refused));
	refused.pipeline.error = -EINVAL; /* blk_rq_dma_map_iter kernels */
	CHECK(engine_can_fall_back(&o, &p, &refused));
	refused.pipeline.error = -EIO; /* an I/O error is no P2P refusal */
	CHECK(!engine_can_fall_back(&o, &p, &refused));
	refused.pipeline.error = -EREMOTEIO;
	p.dst.kind = ENDPOINT_FILE; /* passthrough cannot write a file */
	CHECK(!engine_can_fall_back(&o, &p, &refused));
	p.dst.kind = ENDPOINT_BLOCK;
	p.src.disk.kind = DISK_OTHER; /* nor read a non-NVMe device */
	CHECK(!engine_can_fall_back(&o, &p, &refused));
	p.src.disk.kind = DISK_NVME;
	p.p2p = false; /* --sysmem */
	CHECK(!engine_can_fall_back(&o, &p, &refused));
	p.p2p = true;
	o.engine = ENGINE_BLOCK; /* as told */
	CHECK(!engine_can_fall_back(&o, &p, &refused));
	o.engine = ENGINE_AUTO;
	CHECK(engine_can_fall_back(&o, &p, &refused));
	/* The preflight that succeeded confirms the block engine. */
	engine_block_confirmed(&o, &p);
	CHECK(p.engine == COPY_ENGINE_BLOCK && p.engine_decided);
	CHECK(p.engine_why == ENGINE_WHY_BLOCK_TOOK_P2P);
	o.engine = ENGINE_PASSTHRU; /* not auto: left alone */
	p.engine = COPY_ENGINE_PASSTHRU;
	engine_block_confirmed(&o, &p);
	CHECK(p.engine == COPY_ENGINE_PASSTHRU);
}

/* Capacity 0 with metadata: a namespace the block layer hides. */
static void test_hidden_namespace(void)
{
	struct refusal r;
	struct copy_plan p;

	memset(&r, 0, sizeof(r));
	two_namespaces(&p, DISK_NVME, DISK_NVME, "6.12.0");
	fake_put("/sys/block/nvme2n1/metadata_bytes", "8\n");
	CHECK(engine_check_formats(&p, &r) == REFUSE_NONE); /* has size */
	p.dst.size = 0;
	CHECK(engine_check_formats(&p, &r) == REFUSE_HIDDEN_NAMESPACE);
	CHECK_EQ_U64(r.side, 1);
	CHECK_EQ_U64(r.count, 8);
	fake_put("/sys/block/nvme2n1/metadata_bytes", "0\n");
	memset(&r, 0, sizeof(r));
	CHECK(engine_check_formats(&p, &r) == REFUSE_NONE); /* empty */
	p.dst.disk.kind = DISK_OTHER;
	fake_put("/sys/block/nvme2n1/metadata_bytes", "8\n");
	CHECK(engine_check_formats(&p, &r) == REFUSE_NONE); /* not NVMe */
	/* A partition of size 0 is an empty partition, not a hidden format. */
	p.dst.disk.kind = DISK_NVME;
	snprintf(p.dst.disk.part, sizeof(p.dst.disk.part), "nvme2n1p1");
	CHECK(engine_check_formats(&p, &r) == REFUSE_NONE);
	/* No metadata_bytes to read: nothing known to be hidden. */
	p.dst.disk.part[0] = '\0';
	snprintf(p.dst.disk.name, sizeof(p.dst.disk.name), "nvme9n1");
	CHECK(engine_check_formats(&p, &r) == REFUSE_NONE);
	/* A name that is no single sysfs entry is not looked up. */
	fake_mkpath("/sys/block/x");
	snprintf(p.dst.disk.name, sizeof(p.dst.disk.name), "x/../nvme2n1");
	CHECK(engine_check_formats(&p, &r) == REFUSE_NONE);
	/* SRC's is found first, for SRC. */
	two_namespaces(&p, DISK_NVME, DISK_NVME, "6.12.0");
	fake_put("/sys/block/nvme1n1/metadata_bytes", "16\n");
	p.src.size = p.dst.size = 0;
	memset(&r, 0, sizeof(r));
	CHECK(engine_check_formats(&p, &r) == REFUSE_HIDDEN_NAMESPACE);
	CHECK_EQ_U64(r.side, 0);
	CHECK_EQ_U64(r.count, 16);
	fake_put("/sys/block/nvme1n1/metadata_bytes", "0\n");
}

static void provider(const char *bdf, int available, int published,
		     int allocate)
{
	char rel[256], num[32];

	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/p2pmem/size", bdf);
	fake_put(rel, "1048576\n");
	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/p2pmem/available",
		 bdf);
	snprintf(num, sizeof(num), "%d\n", available);
	fake_put(rel, num);
	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/p2pmem/published",
		 bdf);
	snprintf(num, sizeof(num), "%d\n", published);
	fake_put(rel, num);
	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/p2pmem/allocate",
		 bdf);
	if (allocate)
		fake_put(rel, "");
}

static enum refusal_why plan_p2p_with(const char *provider_opt, bool force,
				      enum engine_choice engine,
				      struct copy_plan *p, struct refusal *r)
{
	struct options o = { .provider = provider_opt,
			     .force = force,
			     .engine = engine };

	return plan_p2p(&o, p, r);
}

/* No provider, or none that serves: the kernel's and the devices' why. */
static void test_providers(void)
{
	struct refusal r;
	struct copy_plan p;

	two_namespaces(&p, DISK_NVME, DISK_NVME, "6.12.0");
	/* No PCI devices at all, a config without P2PDMA. */
	fake_put("/boot/config-6.12.0", "# CONFIG_PCI_P2PDMA is not set\n");
	CHECK(plan_p2p_with(NULL, false, ENGINE_AUTO, &p, &r) ==
	      REFUSE_NO_P2PDMA);
	CHECK(strstr(r.source, "config-6.12.0") != NULL);
	fake_put("/boot/config-6.12.0", "CONFIG_PCI_P2PDMA=y\n");
	fake_mkpath("/sys/bus/pci/devices");
	CHECK(plan_p2p_with(NULL, false, ENGINE_AUTO, &p, &r) == REFUSE_NO_CMB);
	two_namespaces(&p, DISK_NVME, DISK_NVME, "6.11.0"); /* no config */
	CHECK(plan_p2p_with(NULL, false, ENGINE_AUTO, &p, &r) ==
	      REFUSE_P2PDMA_UNKNOWN);

	two_namespaces(&p, DISK_NVME, DISK_NVME, "6.12.0");
	provider("0000:05:00.0", 0, 1, 0);
	CHECK(plan_p2p_with(NULL, false, ENGINE_AUTO, &p, &r) ==
	      REFUSE_NO_ALLOCATE);
	CHECK_EQ_U64(r.provider.bus, 5);
	provider("0000:05:00.0", 4096, 0, 1);
	CHECK(plan_p2p_with(NULL, false, ENGINE_AUTO, &p, &r) ==
	      REFUSE_NONE_PUBLISHED);
	provider("0000:05:00.0", 0, 1, 1);
	provider("0000:06:00.0", 0, 1, 1);
	CHECK(plan_p2p_with(NULL, false, ENGINE_AUTO, &p, &r) ==
	      REFUSE_ALL_EXHAUSTED);
	CHECK_EQ_U64(r.count, 2);

	/* --provider: syntax, existence, published unless --force. */
	CHECK(plan_p2p_with("5:0", false, ENGINE_AUTO, &p, &r) ==
	      REFUSE_PROVIDER_SYNTAX);
	CHECK(plan_p2p_with("0000:09:00.0", false, ENGINE_AUTO, &p, &r) ==
	      REFUSE_PROVIDER_MISSING);
	provider("0000:07:00.0", 1048576, 0, 1);
	CHECK(plan_p2p_with("0000:07:00.0", false, ENGINE_AUTO, &p, &r) ==
	      REFUSE_PROVIDER_UNPUBLISHED);
	CHECK(plan_p2p_with("0000:07:00.0", true, ENGINE_AUTO, &p, &r) ==
	      REFUSE_NONE);
	CHECK_EQ_U64(p.provider.addr.bus, 7);

	/* auto picks the one published provider with memory left. */
	provider("0000:06:00.0", 1048576, 1, 1);
	r.why = REFUSE_NO_CMB; /* stale: the answer is this call's */
	r.error = -EIO;
	CHECK(plan_p2p_with(NULL, false, ENGINE_AUTO, &p, &r) == REFUSE_NONE);
	CHECK(r.why == REFUSE_NONE && r.error == 0);
	CHECK_EQ_U64(p.provider.addr.bus, 6);

	/*
	 * A provider whose attributes cannot be read (a size that is no
	 * number): in the list, the providers cannot be listed.
	 */
	provider("0000:08:00.0", 1048576, 1, 1);
	fake_put("/sys/bus/pci/devices/0000:08:00.0/p2pmem/size", "lots\n");
	CHECK(plan_p2p_with(NULL, false, ENGINE_AUTO, &p, &r) ==
	      REFUSE_P2PMEM_LIST);
	CHECK(r.error == -EINVAL);
	fake_put("/sys/bus/pci/devices/0000:08:00.0/p2pmem/size", "1048576\n");
	/*
	 * Listed, then unreadable when read again by name (an I/O error):
	 * refused with the error, even with --force.
	 */
	provider_read_error = -EIO;
	CHECK(plan_p2p_with("0000:08:00.0", true, ENGINE_AUTO, &p, &r) ==
	      REFUSE_PROVIDER_UNREADABLE);
	CHECK(r.error == -EIO);
	provider_read_error = 0;
	CHECK(plan_p2p_with("0000:08:00.0", false, ENGINE_AUTO, &p, &r) ==
	      REFUSE_NONE);
	provider("0000:08:00.0", 0, 0, 0); /* unpublished: auto passes it */
}

/* Which endpoints the kernel takes P2P pages for, by engine and release. */
static void test_p2p_endpoints(void)
{
	struct refusal r;
	struct copy_plan p;

	/* A head before 7.2: the block engine cannot, passthrough can. */
	two_namespaces(&p, DISK_NVME, DISK_NVME_MULTIPATH, "7.1.0");
	CHECK(plan_p2p_with(NULL, false, ENGINE_BLOCK, &p, &r) ==
	      REFUSE_NOT_P2P);
	CHECK_EQ_U64(r.side, 1);
	CHECK(r.endpoint_kind == P2P_EP_MULTIPATH_HEAD);
	CHECK_EQ_U64(r.kernel, P2P_KERNEL(7, 1, 0));
	CHECK(plan_p2p_with(NULL, false, ENGINE_AUTO, &p, &r) == REFUSE_NONE);
	/* ... but not for a file on it. */
	p.dst.kind = ENDPOINT_FILE;
	CHECK(plan_p2p_with(NULL, false, ENGINE_AUTO, &p, &r) ==
	      REFUSE_NOT_P2P);
	/* 7.2 takes P2P pages on a head's block queue. */
	two_namespaces(&p, DISK_NVME, DISK_NVME_MULTIPATH, "7.2.0");
	CHECK(plan_p2p_with(NULL, false, ENGINE_BLOCK, &p, &r) == REFUSE_NONE);
	/* SRC is checked first: a loop device, a file without a disk. */
	two_namespaces(&p, DISK_OTHER, DISK_NVME_MULTIPATH, "7.1.0");
	CHECK(plan_p2p_with(NULL, false, ENGINE_BLOCK, &p, &r) ==
	      REFUSE_NOT_P2P);
	CHECK_EQ_U64(r.side, 0);
	CHECK(r.endpoint_kind == P2P_EP_OTHER);
	p.src.have_disk = false;
	CHECK(plan_p2p_with(NULL, false, ENGINE_AUTO, &p, &r) ==
	      REFUSE_NOT_P2P);
	CHECK(r.endpoint_kind == P2P_EP_NO_BLOCKDEV);
	/* An unreadable release is judged as the oldest: "unknown", 0. */
	two_namespaces(&p, DISK_NVME, DISK_NVME_MULTIPATH, "");
	CHECK(plan_p2p_with(NULL, false, ENGINE_BLOCK, &p, &r) ==
	      REFUSE_NOT_P2P);
	CHECK_EQ_U64(r.kernel, 0);
	/* A namespace without a PCI function: NVMe over fabrics. */
	two_namespaces(&p, DISK_NVME, DISK_NVME, "7.3.0");
	p.dst.disk.have_pci = false;
	CHECK(plan_p2p_with(NULL, false, ENGINE_AUTO, &p, &r) ==
	      REFUSE_NOT_P2P);
	CHECK(r.endpoint_kind == P2P_EP_NVME_FABRICS);
}

/*
 * Only /sys/class/iommu/@a and @b (NULL: fewer), made afresh; in the
 * order readdir gives, which the checks below do not depend on.
 */
static void iommu_units_named(const char *a, const char *b)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s/sys/class/iommu'", fake_root);
	if (system(cmd))
		fprintf(stderr, "could not remove the fake IOMMUs\n");
	fake_mkpath("/sys/class/iommu");
	snprintf(cmd, sizeof(cmd), "/sys/class/iommu/%s", a ? a : "");
	if (a)
		fake_mkpath(cmd);
	snprintf(cmd, sizeof(cmd), "/sys/class/iommu/%s", b ? b : "");
	if (b)
		fake_mkpath(cmd);
}

/* The IOMMUs a loss message quotes are gathered while planning. */
static void test_iommu(void)
{
	struct str_list units = { 0 };
	struct refusal r;
	struct copy_plan p;

	CHECK(platform_iommu_scan(&units) == -ENOENT);
	two_namespaces(&p, DISK_NVME, DISK_NVME, "6.12.0");
	CHECK(plan_p2p_with(NULL, false, ENGINE_AUTO, &p, &r) == REFUSE_NONE);
	CHECK(!strcmp(p.iommu_units, ""));
	fake_mkpath("/sys/class/iommu");
	CHECK(platform_iommu_scan(&units) == 0);
	fake_mkpath("/sys/class/iommu/dmar0");
	CHECK(platform_iommu_scan(&units) == 1);
	CHECK_EQ_U64(units.n, 1);
	CHECK(!strcmp(units.v[0].text, "dmar0"));
	str_list_free(&units);
	CHECK(plan_p2p_with(NULL, false, ENGINE_AUTO, &p, &r) == REFUSE_NONE);
	CHECK(!strcmp(p.iommu_units, "dmar0"));
	/* Planned again without it: the list is today's, not the last. */
	iommu_units_named(NULL, NULL);
	CHECK(plan_p2p_with(NULL, false, ENGINE_AUTO, &p, &r) == REFUSE_NONE);
	CHECK(!strcmp(p.iommu_units, ""));
}

/*
 * The list is as many whole names as fit p->iommu_units (128 bytes with
 * its NUL), never a name cut short: two of 63 characters fit exactly
 * (63 + 1 + 63 + 1); of 63 and 64, one byte too many, only one.  One
 * name alone needs no separator: 127 characters fit, 128 do not.
 */
static void test_iommu_bounds(void)
{
	char a[80], b[80], both[160], ab[160], ba[160], alone[160];
	struct refusal r;
	struct copy_plan p;

	two_namespaces(&p, DISK_NVME, DISK_NVME, "6.12.0");
	memset(a, 'a', 63);
	a[63] = '\0';
	memset(b, 'b', 63);
	b[63] = '\0';
	snprintf(ab, sizeof(ab), "%s %s", a, b);
	snprintf(ba, sizeof(ba), "%s %s", b, a);
	iommu_units_named(a, b);
	CHECK(plan_p2p_with(NULL, false, ENGINE_AUTO, &p, &r) == REFUSE_NONE);
	snprintf(both, sizeof(both), "%s", p.iommu_units);
	CHECK(!strcmp(both, ab) || !strcmp(both, ba));
	CHECK_EQ_U64(strlen(p.iommu_units), sizeof(p.iommu_units) - 1);

	b[63] = 'b';
	b[64] = '\0';
	iommu_units_named(a, b);
	CHECK(plan_p2p_with(NULL, false, ENGINE_AUTO, &p, &r) == REFUSE_NONE);
	CHECK(!strcmp(p.iommu_units, a) || !strcmp(p.iommu_units, b));

	memset(alone, 'c', 127);
	alone[127] = '\0';
	iommu_units_named(alone, NULL);
	CHECK(plan_p2p_with(NULL, false, ENGINE_AUTO, &p, &r) == REFUSE_NONE);
	CHECK(!strcmp(p.iommu_units, alone));
	alone[127] = 'c';
	alone[128] = '\0';
	iommu_units_named(alone, NULL);
	CHECK(plan_p2p_with(NULL, false, ENGINE_AUTO, &p, &r) == REFUSE_NONE);
	CHECK(!strcmp(p.iommu_units, ""));
	iommu_units_named(NULL, NULL);
}

/* What io_uring_disabled and the errno say about a refused ring. */
static void test_ring_cause(void)
{
	CHECK(ring_unavailable_cause(-EPERM) == RING_FORBIDDEN);
	CHECK(ring_unavailable_cause(-EACCES) == RING_FORBIDDEN);
	CHECK(ring_unavailable_cause(-ENOSYS) == RING_NOT_BUILT);
	CHECK(ring_unavailable_cause(-ENOMEM) == RING_MEMLOCK);
	CHECK(ring_unavailable_cause(-EIO) == RING_CAUSE_UNKNOWN);
	fake_put("/proc/sys/kernel/io_uring_disabled", "0\n");
	CHECK(ring_unavailable_cause(-EPERM) == RING_FORBIDDEN);
	fake_put("/proc/sys/kernel/io_uring_disabled", "1\n");
	CHECK(ring_unavailable_cause(-EPERM) == RING_DISABLED_GROUP);
	fake_put("/proc/sys/kernel/io_uring_disabled", "2\n");
	CHECK(ring_unavailable_cause(-EPERM) == RING_DISABLED_ALL);
	CHECK(ring_unavailable_cause(-ENOSYS) == RING_DISABLED_ALL);
}

/* @src: scratch/src, 4096 bytes written; @dst: scratch/dst, not made. */
static void scratch_src_dst(char *src, char *dst, size_t len)
{
	char text[4096];
	int fd;

	snprintf(src, len, "%s/src", scratch);
	snprintf(dst, len, "%s/dst", scratch);
	memset(text, 'x', sizeof(text));
	fd = open(src, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CHECK(fd >= 0 && write(fd, text, sizeof(text)) == sizeof(text));
	close(fd);
}

/* Opening SRC and DST, the range, and DST's safety: reason codes. */
static void test_endpoints_and_destination(void)
{
	char src[64], dst[64], link[64], text[4096];
	struct options o = { .src = src, .dst = dst };
	struct utsname uts;
	struct refusal r;
	struct copy_plan p;
	int fd, saved;

	scratch_src_dst(src, dst, sizeof(src));
	snprintf(link, sizeof(link), "%s/dangling", scratch);

	o.src = "no-such-src";
	CHECK(plan_endpoints(&o, &p, &r) == REFUSE_OPEN);
	CHECK_EQ_U64(r.side, 0);
	CHECK(r.error == -ENOENT);
	close_endpoints(&p, false);
	o.src = "/proc/self/status";
	CHECK(plan_endpoints(&o, &p, &r) == REFUSE_SAFETY);
	CHECK(r.safety.why == SRC_PSEUDO_FILE);
	CHECK_EQ_U64(r.side, 0); /* worded with SRC's path */
	close_endpoints(&p, false);
	o.src = src;
	CHECK(symlink("nowhere", link) == 0);
	o.dst = link;
	CHECK(plan_endpoints(&o, &p, &r) == REFUSE_OPEN);
	CHECK_EQ_U64(r.side, 1);
	CHECK(r.error == -ELOOP);
	close_endpoints(&p, false);
	o.dst = dst;
	o.range.src_offset = "lots";
	CHECK(plan_endpoints(&o, &p, &r) == REFUSE_RANGE);
	CHECK(r.range == PLAN_SRC_OFFSET_SYNTAX);
	CHECK(r.error == 0); /* this refusal's facts, not the last one's */
	/* DST was created, and is removed again, unwritten. */
	CHECK(close_endpoints(&p, false) == 1);
	CHECK(access(dst, F_OK) != 0);
	o.range.src_offset = NULL;
	CHECK(plan_endpoints(&o, &p, &r) == REFUSE_NONE);
	CHECK_EQ_U64(p.length, sizeof(text));
	CHECK(p.p2p);
	/* Opened O_NONBLOCK (a FIFO must not hang the open), then dropped. */
	CHECK((fcntl(p.src.fd, F_GETFL) & O_NONBLOCK) == 0);
	CHECK((fcntl(p.dst.fd, F_GETFL) & O_NONBLOCK) == 0);
	/* The sysroot's release, not the running kernel's. */
	CHECK(!strcmp(p.kernel_release, "6.12.0"));
	r.why = REFUSE_RANGE; /* stale: the answer is this call's */
	CHECK(check_destination(&o, &p, &r) == REFUSE_NONE);
	CHECK(r.why == REFUSE_NONE);
	/* DST is this process's stdout by now: refused as such. */
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	CHECK(saved >= 0 && dup2(p.dst.fd, STDOUT_FILENO) == STDOUT_FILENO);
	CHECK(check_destination(&o, &p, &r) == REFUSE_SAFETY);
	CHECK_EQ_U64(r.side, 1);
	CHECK(r.safety.why == DST_IS_OUTPUT);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	CHECK(close_endpoints(&p, false) == 1);

	/*
	 * DST existed: nothing to remove.  The plan is written whole, over
	 * whatever the caller's struct held (here a pattern): no field of
	 * an earlier plan, such as "created", survives into this one.
	 */
	fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CHECK(fd >= 0);
	close(fd);
	memset(&p, 0xa5, sizeof(p));
	CHECK(plan_endpoints(&o, &p, &r) == REFUSE_NONE);
	CHECK(!p.dst.created);
	CHECK(!p.have_src_ctrl && !p.have_dst_ctrl);
	CHECK(close_endpoints(&p, false) == 0);
	CHECK(access(dst, F_OK) == 0);
	unlink(dst);
	/* Created, then replaced by another file: that one is not removed. */
	o.range.src_offset = "lots";
	CHECK(plan_endpoints(&o, &p, &r) == REFUSE_RANGE);
	CHECK(p.dst.created);
	snprintf(text, sizeof(text), "%s/other", scratch);
	fd = open(text, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CHECK(fd >= 0);
	close(fd);
	CHECK(rename(text, dst) == 0);
	CHECK(close_endpoints(&p, false) == 0);
	CHECK(access(dst, F_OK) == 0);
	unlink(dst);
	o.range.src_offset = NULL;

	/* A sysroot without a release: the running kernel's (uname). */
	fake_put("/proc/sys/kernel/osrelease", "");
	snprintf(text, sizeof(text), "%s/proc/sys/kernel/osrelease", fake_root);
	unlink(text);
	CHECK(plan_endpoints(&o, &p, &r) == REFUSE_NONE);
	CHECK(uname(&uts) == 0 && !strcmp(p.kernel_release, uts.release));
	CHECK(close_endpoints(&p, false) == 1);
	fake_put("/proc/sys/kernel/osrelease", "6.12.0\n");
	unlink(src);
	unlink(link);
}

/*
 * In a mount namespace of its own with /proc hidden under an empty
 * tmpfs: open_file_or_device() cannot reopen its probe through
 * /proc/self/fd and opens the name again, which is the same file.
 */
static int without_proc(const void *arg)
{
	const char *const *src_dst = arg;
	struct options o = { .src = src_dst[0], .dst = src_dst[1] };
	struct refusal r;
	struct copy_plan p;

	if (private_mount_namespace() ||
	    mount("p2pcp-test", "/proc", "tmpfs", 0, NULL)) {
		perror("/proc hidden in a mount namespace");
		return T_EXIT_SKIP;
	}
	CHECK(access("/proc/self/fd", F_OK) != 0);
	CHECK(plan_endpoints(&o, &p, &r) == REFUSE_NONE);
	CHECK(p.src.fd >= 0 && p.dst.fd >= 0);
	CHECK_EQ_U64(p.length, 4096);
	CHECK(close_endpoints(&p, false) == 1);
	/* The real /proc again, for what runs at exit (coverage, LSan). */
	umount("/proc");
	return check_failures ? T_EXIT_FAIL : T_EXIT_PASS;
}

static void test_without_proc(void)
{
	char src[64], dst[64];
	const char *src_dst[] = { src, dst };

	scratch_src_dst(src, dst, sizeof(src));
	check_in_child(without_proc, src_dst,
		       "no mount namespace: the open without /proc");
	CHECK(access(dst, F_OK) != 0); /* created, and removed, unwritten */
	unlink(src);
}

int main(void)
{
	char cmd[128];

	if (!mkdtemp(scratch) || fake_root_make("test-decisions")) {
		perror("mkdtemp");
		return 1;
	}
	fake_put("/proc/sys/kernel/osrelease", "6.12.0\n");
	sysfs_set_root(fake_root);
	test_engine_plan();
	test_forced_passthru();
	test_forced_passthru_formats();
	test_fall_back();
	test_hidden_namespace();
	test_ring_cause();
	test_endpoints_and_destination();
	test_without_proc();
	test_providers();
	test_p2p_endpoints();
	test_iommu();
	test_iommu_bounds();
	sysfs_set_root(NULL);
	fake_root_remove();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", scratch);
	CHECK_DONE();
}
