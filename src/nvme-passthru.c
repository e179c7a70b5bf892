// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * NVMe I/O passthrough on a namespace's generic char device.
 *
 * The block layer normally splits requests by the controller's limits,
 * adds partition offsets, refuses writes to read-only devices and
 * handles metadata.  Passthrough commands get none of that (the kernel
 * maps the user buffer and rejects what does not fit: a 1 MiB command
 * to a controller with a 512 KiB MDTS fails with EINVAL), so:
 *  - every command stays within queue/max_hw_sectors_kb, 65,536 LBAs and
 *    queue/max_segments, counted the way the running kernel counts
 *    them (passthru_piece_plan());
 *  - offsets are whole LBAs of the namespace, partitions add their start;
 *  - protection information is carried: SRC's PI is read into a
 *    metadata buffer in host memory and written to DST with its
 *    reference tags rewritten for DST's LBAs, both commands checking the
 *    guard (struct passthru_pi); other metadata, and metadata interleaved
 *    with the data (extended LBAs), are refused;
 *  - read-only and write-protected namespaces are refused as DST;
 *  - the char device is opened for writing only on the DST side, since
 *    the kernel lets unprivileged users (Linux 6.2+) write only through
 *    such a descriptor.
 * One file: the one place that speaks NVMe commands to the char device;
 * the limits, the format and protection information, and the command
 * built from them change together.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <linux/capability.h>
#include <libnvme.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "integrity.h"
#include "ring.h"
#include "nvme-passthru.h"
#include "platform.h"
#include "sysfs.h"
#include "util.h"

/* The part of a disk name after "nvme": "1n1" of "nvme1n1". */
static const char *nvme_suffix(const char *disk_name)
{
	if (strncmp(disk_name, "nvme", 4) || !disk_name[4])
		return NULL;
	return disk_name + 4;
}

static void parent_dir(char *path)
{
	char *slash = strrchr(path, '/');

	if (slash)
		*slash = '\0';
}

int passthru_find_chardev(const struct disk_info *disk, char *name, size_t len,
			  dev_t *devnum)
{
	char link[PATH_MAX], disk_dir[PATH_MAX], chr_dir[PATH_MAX], dev[32];
	const char *suffix = nvme_suffix(disk->name);
	unsigned int maj, min;
	int ret;

	if (!suffix ||
	    (disk->kind != DISK_NVME && disk->kind != DISK_NVME_MULTIPATH))
		return -ENODEV;
	if ((size_t)snprintf(name, len, "ng%s", suffix) >= len)
		return -ENAMETOOLONG;

	/*
	 * The kernel names both the same way (nvme<instance>n<head>,
	 * ng<instance>n<head>) and puts the char device under the same
	 * parent: the controller, or the subsystem for a head node.  A
	 * name alone could belong to another controller's namespace.
	 */
	snprintf(link, sizeof(link), "/sys/class/block/%s", disk->name);
	ret = sysfs_realpath(link, disk_dir, sizeof(disk_dir));
	if (ret)
		return ret;
	snprintf(link, sizeof(link), "/sys/class/nvme-generic/%s", name);
	ret = sysfs_realpath(link, chr_dir, sizeof(chr_dir));
	if (ret)
		return ret == -ENOENT ? -ENOENT : ret;
	parent_dir(disk_dir);
	parent_dir(chr_dir);
	if (strcmp(disk_dir, chr_dir))
		return -ENOENT;

	snprintf(link, sizeof(link), "/sys/class/nvme-generic/%s/dev", name);
	ret = sysfs_read_str(link, dev, sizeof(dev));
	if (ret)
		return ret;
	if (sscanf(dev, "%u:%u", &maj, &min) != 2)
		return -EINVAL;
	*devnum = makedev(maj, min);
	return 0;
}

/* "nvme12": a controller link in a subsystem directory. */
static bool is_ctrl_name(const char *name)
{
	const char *p = name + 4;

	if (strncmp(name, "nvme", 4) || !*p)
		return false;
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

int passthru_path_pci(const struct disk_info *disk, struct pci_addr *out,
		      unsigned int *paths)
{
	char dir[PATH_MAX], first[256] = "";
	struct dirent *de;
	DIR *d;
	int ret;

	*paths = 0;
	if (disk->kind == DISK_NVME) {
		if (!disk->have_pci)
			return -ENODEV;
		*out = disk->pci;
		*paths = 1;
		return 0;
	}
	if (disk->kind != DISK_NVME_MULTIPATH || strchr(disk->subsys, '/'))
		return -ENODEV;
	/* The subsystem links every controller of it: the head's paths. */
	ret = sysfs_path(dir, sizeof(dir), "/sys/class/nvme-subsystem/%s",
			 disk->subsys);
	if (ret)
		return ret;
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!is_ctrl_name(de->d_name))
			continue;
		(*paths)++;
		if (!first[0] || strtoul(de->d_name + 4, NULL, 10) <
					 strtoul(first + 4, NULL, 10))
			snprintf(first, sizeof(first), "%s", de->d_name);
	}
	closedir(d);
	if (!first[0])
		return -ENODEV;
	return p2p_nvme_ctrl_pci(first, out);
}

static int read_u32_attr(const char *disk_name, const char *attr,
			 uint64_t scale, uint32_t *out)
{
	char path[PATH_MAX];
	uint64_t v;
	int ret;

	snprintf(path, sizeof(path), "/sys/block/%s/%s", disk_name, attr);
	ret = sysfs_read_u64(path, &v);
	if (ret)
		return ret;
	if (__builtin_mul_overflow(v, scale, &v) || v > UINT32_MAX)
		v = UINT32_MAX;
	*out = (uint32_t)v;
	return 0;
}

int passthru_limits_read(const char *disk_name, struct passthru_limits *out)
{
	int ret;

	memset(out, 0, sizeof(*out));
	if (strchr(disk_name, '/'))
		return -EINVAL;
	ret = read_u32_attr(disk_name, "queue/max_hw_sectors_kb", KIB,
			    &out->max_hw_bytes);
	if (!ret)
		ret = read_u32_attr(disk_name, "queue/max_segments", 1,
				    &out->max_segments);
	if (!ret)
		ret = read_u32_attr(disk_name, "queue/max_segment_size", 1,
				    &out->max_segment_size);
	return ret;
}

enum passthru_segment_rule passthru_segment_rule_of(unsigned int kernel)
{
	/*
	 * Read in the sources of 6.12 and 7.3 (block/blk-map.c, block/bio.c,
	 * lib/iov_iter.c).  Releases in between are not known here, and
	 * counting a segment per page is right for every kernel: it only
	 * makes pieces smaller where pages would have joined.
	 */
	if (kernel && kernel <= P2P_KERNEL(6, 12, 255))
		return PASSTHRU_SEGMENTS_JOIN_CONTIGUOUS;
	return PASSTHRU_SEGMENTS_PER_PAGE;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Whole multiples of @unit, and of the page once a page fits. */
static uint32_t cut_contiguous(uint64_t max, uint32_t unit, uint32_t page)
{
	uint64_t step = unit > page ? unit : page;

	/* LBA sizes and pages are powers of two: the larger is a multiple. */
	if (max >= step)
		return (uint32_t)(max / step * step);
	return (uint32_t)(max / unit * unit);
}

int passthru_piece_plan(const struct passthru_limits *lim, uint32_t page_size,
			uint32_t lba_size, enum passthru_segment_rule rule,
			struct passthru_pieces *out)
{
	uint64_t unit, any, contiguous, cap;

	memset(out, 0, sizeof(*out));
	if (!lba_size || !page_size || !lim->max_segments ||
	    !lim->max_segment_size)
		return -EINVAL;
	/* NLB in cdw12 is 16 bits: more would spill into PRINFO and FUA. */
	cap = min_u64(lim->max_hw_bytes, (uint64_t)PASSTHRU_MAX_NLB * lba_size);
	/*
	 * A segment holds physically contiguous memory, and a buffer in
	 * system memory is contiguous only within a page: one segment per
	 * page (or per max_segment_size, when that is smaller).  Commands
	 * start on whole LBAs of an LBA-aligned buffer, so the first page
	 * may be partial by up to a page less one LBA.
	 */
	unit = min_u64(lim->max_segment_size, page_size);
	any = (uint64_t)lim->max_segments * unit;
	if (unit == page_size)
		any -= page_size - min_u64(lba_size, page_size);
	else
		any -= unit; /* segments inside pages: a whole one spare */
	any = min_u64(cap, any);
	/*
	 * p2pmem is physically contiguous, and the copy's commands start on
	 * page boundaries: no extra segment for a partial first page, and
	 * where the kernel joins contiguous pages, segments as large as
	 * max_segment_size.
	 */
	if (rule == PASSTHRU_SEGMENTS_JOIN_CONTIGUOUS)
		unit = lim->max_segment_size;
	contiguous = min_u64(cap, (uint64_t)lim->max_segments * unit);
	out->any = (uint32_t)(any / lba_size * lba_size);
	out->contiguous = cut_contiguous(contiguous, lba_size, page_size);
	return out->any && out->contiguous ? 0 : -EINVAL;
}

int passthru_pieces_join(const struct passthru_pieces *a, uint32_t lba_a,
			 const struct passthru_pieces *b, uint32_t lba_b,
			 uint32_t page_size, struct passthru_pieces *out)
{
	uint32_t lba = lba_a > lba_b ? lba_a : lba_b;

	memset(out, 0, sizeof(*out));
	if (!lba || !page_size)
		return -EINVAL;
	out->any = (uint32_t)min_u64(a->any, b->any) / lba * lba;
	out->contiguous = cut_contiguous(min_u64(a->contiguous, b->contiguous),
					 lba, page_size);
	return out->any && out->contiguous ? 0 : -EINVAL;
}

/* The LBA format FLBAS selects. */
static unsigned int lba_format_index(const struct nvme_id_ns *id)
{
	unsigned int fmt = id->flbas & NVME_NS_FLBAS_LOWER_MASK;

	/* More than 16 formats: FLBAS bits 6:5 are the upper index bits. */
	if (id->nlbaf >= 16)
		fmt |= (id->flbas & NVME_NS_FLBAS_HIGHER_MASK) >> 1;
	return fmt;
}

int passthru_geometry_from_identify(const struct nvme_id_ns *id,
				    struct passthru_ns *ns)
{
	unsigned int fmt = lba_format_index(id);
	const struct nvme_lbaf *lbaf;

	if (fmt >= ARRAY_SIZE(id->lbaf))
		return -EINVAL;
	lbaf = &id->lbaf[fmt];
	if (lbaf->ds < 9 || lbaf->ds > 20)
		return -EINVAL;
	ns->lba_shift = lbaf->ds;
	ns->lba_size = 1U << lbaf->ds;
	ns->ns_lbas = le64toh(id->nsze);
	ns->metadata_size = le16toh(lbaf->ms);
	ns->pi_type = id->dps & NVME_NS_DPS_PI_MASK;
	ns->pi_first = id->dps & NVME_NS_DPS_PI_FIRST;
	ns->extended_lba = ns->metadata_size &&
			   (id->flbas & NVME_NS_FLBAS_META_EXT);
	ns->write_protected = id->nsattr & 1;
	ns->from_identify = true;
	return 0;
}

const char *passthru_format_problem(const struct passthru_ns *ns)
{
	if (!ns->metadata_size)
		return NULL;
	/*
	 * Interleaved metadata travels inside the data buffer: blocks of
	 * lba_size + ms bytes in the P2P buffer, the PI among them, where
	 * the reference tags could be rewritten only by CPU stores into the
	 * BAR, and the kernel (PCIe) keeps no integrity profile for such a
	 * namespace, so it takes no separate metadata buffer either.
	 */
	if (ns->extended_lba)
		return "is formatted with metadata interleaved with each logical block (extended LBAs), which passthrough would have to move through the P2P buffer in blocks that are not a power of two, rewriting protection information there with the CPU";
	if (!ns->kernel_integrity)
		return "is formatted with metadata per logical block, and the running kernel keeps no integrity profile for it (CONFIG_BLK_DEV_INTEGRITY, or a format it cannot place), so it takes no metadata buffer with a passthrough command";
	if (!ns->pi_type)
		return "is formatted with metadata per logical block that is not protection information, which p2pcp does not carry";
	if (ns->pi_format_other)
		return "is formatted with protection information other than the 8-byte tuple with a 16-bit guard (a 64-bit guard or storage tags, or the format could not be read), which p2pcp does not carry";
	if (ns->metadata_size != PASSTHRU_PI_TUPLE)
		return "is formatted with more metadata per logical block than the 8-byte protection information, which p2pcp does not carry";
	return NULL;
}

void passthru_format_text(const struct passthru_ns *ns, char *buf, size_t len)
{
	if (!ns->metadata_size)
		snprintf(buf, len, "%u-byte blocks, no metadata", ns->lba_size);
	else if (!ns->pi_type)
		snprintf(
			buf, len,
			"%u-byte blocks, %u bytes of metadata, no protection information",
			ns->lba_size, ns->metadata_size);
	else
		snprintf(
			buf, len,
			"%u-byte blocks, %u bytes of metadata, protection information type %u",
			ns->lba_size, ns->metadata_size, ns->pi_type);
}

const char *passthru_pair_problem(const struct passthru_ns *a,
				  const struct passthru_ns *b, char *buf,
				  size_t len)
{
	char fa[96], fb[96];

	if (!a->pi_type && !b->pi_type)
		return NULL;
	if (a->lba_size == b->lba_size &&
	    a->metadata_size == b->metadata_size && a->pi_type == b->pi_type &&
	    a->pi_first == b->pi_first)
		return NULL;
	passthru_format_text(a, fa, sizeof(fa));
	passthru_format_text(b, fb, sizeof(fb));
	snprintf(
		buf, len,
		"passthrough carries protection information only between namespaces of the same format, and SRC has %s, DST %s",
		fa, fb);
	return buf;
}

/* cdw12's PRINFO and the tags for a command of @ns. */
void passthru_rw_encode(const struct passthru_ns *ns, bool metadata,
			uint64_t slba, uint32_t nlb,
			struct passthru_rw_fields *out)
{
	uint32_t prinfo = 0;

	memset(out, 0, sizeof(*out));
	/* Number of logical blocks, zero-based. */
	out->cdw12 = nlb - 1;
	if (!ns->pi_type)
		return;
	prinfo = PASSTHRU_PRCHK_GUARD;
	if (!metadata)
		prinfo |= PASSTHRU_PRINFO_PRACT;
	if (ns->pi_type == NVME_NS_DPS_PI_TYPE1 ||
	    ns->pi_type == NVME_NS_DPS_PI_TYPE2) {
		prinfo |= PASSTHRU_PRCHK_REF;
		out->cdw14 = (uint32_t)slba;
	}
	out->cdw12 |= prinfo << PASSTHRU_PRINFO_SHIFT;
	/* Application tag and mask 0: no expectation of it, never checked. */
	out->cdw15 = 0;
}

/* The PI tuple of a block's metadata: where DPS bit 3 puts it. */
static unsigned char *pi_tuple(const struct passthru_ns *ns,
			       unsigned char *block_meta)
{
	return ns->pi_first ?
		       block_meta :
		       block_meta + ns->metadata_size - PASSTHRU_PI_TUPLE;
}

/* The tuple @t disables checking of its block (the escape tags). */
static bool pi_escaped(const struct passthru_ns *ns, const unsigned char *t)
{
	uint16_t app_be;
	uint32_t ref;

	/* Big-endian: guard 0-1, application tag 2-3, reference tag 4-7. */
	memcpy(&app_be, t + 2, sizeof(app_be));
	memcpy(&ref, t + 4, sizeof(ref));
	return app_be == 0xffff &&
	       (ns->pi_type != NVME_NS_DPS_PI_TYPE3 || ref == 0xffffffffu);
}

uint32_t passthru_pi_retag(const struct passthru_ns *ns, unsigned char *meta,
			   uint64_t slba, uint32_t nlb)
{
	uint32_t i, unchecked = 0, ref;
	unsigned char *t;

	for (i = 0; i < nlb; i++) {
		t = pi_tuple(ns, meta + (size_t)i * ns->metadata_size);
		if (pi_escaped(ns, t)) {
			unchecked++;
			continue;
		}
		if (ns->pi_type == NVME_NS_DPS_PI_TYPE3)
			continue;
		ref = htobe32((uint32_t)(slba + i));
		memcpy(t + 4, &ref, sizeof(ref));
	}
	return unchecked;
}

/* sysfs facts for what identify may not give: "ro", metadata_bytes. */
static int read_sysfs_format(const struct disk_info *disk,
			     struct passthru_ns *ns, bool *read_only)
{
	struct disk_integrity integrity;
	char path[PATH_MAX];
	uint64_t v;

	*read_only = false;
	/*
	 * The kernel takes a metadata buffer with a passthrough command only
	 * for a disk it gave an integrity profile (nvme_map_user_request()).
	 */
	if (disk_integrity_read(disk->name, &integrity))
		memset(&integrity, 0, sizeof(integrity));
	ns->kernel_integrity = integrity.present;
	/* The partition's own flag first: blockdev --setro works per partition. */
	if (disk->part[0]) {
		snprintf(path, sizeof(path), "/sys/class/block/%s/ro",
			 disk->part);
		if (sysfs_read_u64(path, &v) == 0 && v)
			*read_only = true;
	}
	snprintf(path, sizeof(path), "/sys/block/%s/ro", disk->name);
	if (sysfs_read_u64(path, &v) == 0 && v)
		*read_only = true;
	if (ns->from_identify)
		return 0;
	ns->lba_size = disk->logical_block_size;
	ns->lba_shift = (unsigned int)__builtin_ctz(ns->lba_size);
	snprintf(path, sizeof(path), "/sys/block/%s/size", disk->name);
	if (sysfs_read_u64(path, &v))
		return -EIO;
	ns->ns_lbas = v * 512 / ns->lba_size;
	snprintf(path, sizeof(path), "/sys/block/%s/metadata_bytes",
		 disk->name);
	if (sysfs_read_u64(path, &v) == 0)
		ns->metadata_size = (uint32_t)v;
	/*
	 * The protection type, as far as the kernel's profile names it
	 * (Type 2 is named as Type 1: both have reference tags).  Linux 7.x
	 * has no integrity/tuple_size; the name says as much.  The guard
	 * size: "EXT-DIF-" is the 64-bit one.
	 */
	if (integrity.present && integrity_format_has_pi(integrity.format)) {
		ns->pi_type = strstr(integrity.format, "TYPE3") ? 3 : 1;
		ns->pi_format_other = strncmp(integrity.format, "T10-DIF-", 8);
	}
	return 0;
}

const char *passthru_format_problem_sysfs(const struct disk_info *disk)
{
	struct passthru_ns ns = { 0 };
	bool read_only;

	if (!disk->logical_block_size ||
	    read_sysfs_format(disk, &ns, &read_only))
		return NULL;
	return passthru_format_problem(&ns);
}

const char *passthru_pair_problem_sysfs(const struct disk_info *a,
					const struct disk_info *b, char *buf,
					size_t len)
{
	struct passthru_ns na = { 0 }, nb = { 0 };
	bool read_only;

	if (!a->logical_block_size || !b->logical_block_size ||
	    read_sysfs_format(a, &na, &read_only) ||
	    read_sysfs_format(b, &nb, &read_only))
		return NULL;
	return passthru_pair_problem(&na, &nb, buf, len);
}

/* The descriptor is the char device sysfs named, for the expected namespace. */
static int check_descriptor(int fd, const struct disk_info *disk,
			    struct passthru_ns *ns)
{
	char path[PATH_MAX];
	struct stat st;
	uint64_t nsid;
	int id;

	if (fstat(fd, &st))
		return -errno;
	if (!S_ISCHR(st.st_mode) || st.st_rdev != ns->chardev_devnum)
		return -ESTALE;
	id = ioctl(fd, NVME_IOCTL_ID);
	if (id <= 0)
		return id < 0 ? -errno : -ESTALE;
	ns->nsid = (uint32_t)id;
	snprintf(path, sizeof(path), "/sys/block/%s/nsid", disk->name);
	if (sysfs_read_u64(path, &nsid) == 0 && nsid != ns->nsid)
		return -ESTALE;
	return 0;
}

/*
 * The PI tuple is the 8-byte one with a 16-bit guard: the only format
 * before Extended LBA Formats (CTRATT bit 15); with them, the I/O
 * command set's Identify Namespace says it per LBA format (ELBAF: PI
 * format 0, no storage tag).  False when that cannot be read.
 */
static bool pi_format_is_t10(int fd, uint32_t nsid, const struct nvme_id_ns *id)
{
	struct nvme_nvm_id_ns nvm;
	struct nvme_id_ctrl ctrl;
	uint32_t elbaf;

	memset(&ctrl, 0, sizeof(ctrl));
	if (nvme_identify_ctrl(fd, &ctrl))
		return false;
	if (!(le32toh(ctrl.ctratt) & NVME_CTRL_CTRATT_ELBAS))
		return true;
	memset(&nvm, 0, sizeof(nvm));
	if (nvme_identify_ns_csi(fd, nsid, NVME_UUID_NONE, NVME_CSI_NVM, &nvm))
		return false;
	elbaf = le32toh(nvm.elbaf[lba_format_index(id)]);
	return !(elbaf & (NVME_NVM_ELBAF_STS_MASK | NVME_NVM_ELBAF_PIF_MASK));
}

static int describe(int fd, const struct disk_info *disk,
		    struct passthru_ns *ns)
{
	struct nvme_id_ns id;
	unsigned int kernel;
	char release[128];
	bool read_only;
	int ret;

	/*
	 * Identify on the char device is allowed without privileges from
	 * Linux 6.2; where it is not, sysfs says nearly as much.
	 */
	memset(&id, 0, sizeof(id));
	if (nvme_identify_ns(fd, ns->nsid, &id) == 0) {
		ret = passthru_geometry_from_identify(&id, ns);
		if (ret)
			return ret;
		if (ns->pi_type)
			ns->pi_format_other =
				!pi_format_is_t10(fd, ns->nsid, &id);
	}
	ret = read_sysfs_format(disk, ns, &read_only);
	if (ret)
		return ret;
	ns->write_protected |= read_only;
	/* The block layer's view of the LBA size must agree. */
	if (ns->lba_size != disk->logical_block_size)
		return -EPROTO;
	ns->base = disk->part_start;
	ns->size = disk->size;
	ret = passthru_limits_read(disk->name, &ns->limits);
	if (ret)
		return ret;
	release[0] = '\0';
	platform_kernel_release(release, sizeof(release), &kernel);
	ns->segment_rule = passthru_segment_rule_of(kernel);
	return passthru_piece_plan(&ns->limits, (uint32_t)sysconf(_SC_PAGESIZE),
				   ns->lba_size, ns->segment_rule, &ns->pieces);
}

int passthru_open(const struct disk_info *disk, bool write,
		  struct passthru_ns *ns)
{
	char path[PATH_MAX];
	int fd, ret;

	memset(ns, 0, sizeof(*ns));
	ret = passthru_find_chardev(disk, ns->chardev, sizeof(ns->chardev),
				    &ns->chardev_devnum);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/dev/%s", ns->chardev);
	fd = open(path, (write ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = check_descriptor(fd, disk, ns);
	if (!ret)
		ret = describe(fd, disk, ns);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

int passthru_check_range(const struct passthru_ns *ns, uint64_t off,
			 uint64_t len)
{
	uint64_t end;

	if (!ns->lba_size || off % ns->lba_size || len % ns->lba_size)
		return -EINVAL;
	if (add_overflows(off, len, &end) || end > ns->size)
		return -ERANGE;
	if (add_overflows(end, ns->base, &end) ||
	    end > ns->ns_lbas << ns->lba_shift)
		return -ERANGE;
	return 0;
}

uint64_t passthru_lba(const struct passthru_ns *ns, uint64_t off)
{
	return (ns->base + off) >> ns->lba_shift;
}

/*
 * The metadata of @buf's blocks when @buf lies in the copy's data buffer
 * whose PI @ns carries, else NULL.
 */
static unsigned char *pi_metadata(const struct passthru_ns *ns, const void *buf,
				  uint32_t len)
{
	const struct passthru_pi *pi = ns->pi;
	size_t at;

	if (!pi || !pi->meta || (const char *)buf < pi->data ||
	    (const char *)buf + len > pi->data + pi->data_len)
		return NULL;
	at = (size_t)((const char *)buf - pi->data);
	if (at % ns->lba_size)
		return NULL;
	return pi->meta + (at >> ns->lba_shift) * ns->metadata_size;
}

/*
 * A read into blocks of the buffer makes them new; a write counts each
 * block once after its read: written, and unchecked when its PI
 * disables checking.
 */
static void pi_count(const struct passthru_ns *ns, unsigned char *meta,
		     uint32_t nlb, bool write)
{
	struct passthru_pi *pi = ns->pi;
	size_t first = (size_t)(meta - pi->meta) / ns->metadata_size, b;
	unsigned char bit;
	uint32_t i;

	for (i = 0; i < nlb; i++) {
		b = first + i;
		bit = (unsigned char)(1u << (b % 8));
		if (!write) {
			pi->counted[b / 8] &= (unsigned char)~bit;
			continue;
		}
		if (pi->counted[b / 8] & bit)
			continue;
		pi->counted[b / 8] |= bit;
		pi->written_blocks++;
		if (pi_escaped(ns,
			       pi_tuple(ns,
					meta + (size_t)i * ns->metadata_size)))
			pi->unchecked_blocks++;
	}
}

/* An NVMe Read or Write of @len bytes at byte @off of what was named. */
static void build_cmd(struct nvme_uring_cmd *cmd, const struct passthru_ns *ns,
		      bool write, void *buf, uint32_t len, uint64_t off)
{
	uint64_t slba = passthru_lba(ns, off);
	uint32_t nlb = len >> ns->lba_shift;
	unsigned char *meta = ns->pi_type ? pi_metadata(ns, buf, len) : NULL;
	struct passthru_rw_fields rw;

	memset(cmd, 0, sizeof(*cmd));
	cmd->opcode = write ? PASSTHRU_OP_WRITE : PASSTHRU_OP_READ;
	cmd->nsid = ns->nsid;
	cmd->addr = (uint64_t)(uintptr_t)buf;
	cmd->data_len = len;
	cmd->cdw10 = (uint32_t)slba;
	cmd->cdw11 = (uint32_t)(slba >> 32);
	passthru_rw_encode(ns, meta != NULL, slba, nlb, &rw);
	cmd->cdw12 = rw.cdw12;
	cmd->cdw14 = rw.cdw14;
	cmd->cdw15 = rw.cdw15;
	if (!meta)
		return;
	cmd->metadata = (uint64_t)(uintptr_t)meta;
	cmd->metadata_len = nlb * ns->metadata_size;
	if (ns->pi->counted)
		pi_count(ns, meta, nlb, write);
	/* SRC's PI, now for DST's blocks: the write checks them. */
	if (write)
		passthru_pi_retag(ns, meta, slba, nlb);
}

void passthru_prep(struct io_uring_sqe *sqe, int fd, const void *ctx,
		   bool write, void *buf, uint32_t len, uint64_t off)
{
	/* The command sits in the second half of a 128-byte SQE. */
	memset(sqe, 0, 128);
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd;
	sqe->cmd_op = NVME_URING_CMD_IO;
	build_cmd((struct nvme_uring_cmd *)sqe->cmd, ctx, write, buf, len, off);
}

int passthru_io_sync(int fd, const struct passthru_ns *ns, bool write,
		     void *buf, uint32_t len, uint64_t off, uint32_t *status)
{
	struct nvme_passthru_cmd64 io;
	struct nvme_uring_cmd cmd;
	int ret;

	/* The same fields in the same places, plus a result at the end. */
	_Static_assert(offsetof(struct nvme_passthru_cmd64, result) ==
			       sizeof(cmd),
		       "nvme_uring_cmd is nvme_passthru_cmd64 without result");
	build_cmd(&cmd, ns, write, buf, len, off);
	memset(&io, 0, sizeof(io));
	memcpy(&io, &cmd, sizeof(cmd));
	*status = 0;
	do {
		ret = ioctl(fd, NVME_IOCTL_IO64_CMD, &io);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	if (ret > 0) {
		*status = (uint32_t)ret;
		return passthru_status_errno(*status);
	}
	return 0;
}

struct status_entry {
	uint16_t status; /* SCT << 8 | SC */
	int err;
	const char *name;
};

/* Names from the NVMe base and NVM command set specifications. */
static const struct status_entry statuses[] = {
	{ 0x001, -EOPNOTSUPP, "Invalid Command Opcode" },
	{ 0x002, -EOPNOTSUPP, "Invalid Field in Command" },
	{ 0x004, -EIO, "Data Transfer Error" },
	{ 0x005, -EIO, "Commands Aborted due to Power Loss Notification" },
	{ 0x006, -EIO, "Internal Error" },
	{ 0x007, -EIO, "Command Abort Requested" },
	{ 0x00b, -EOPNOTSUPP, "Invalid Namespace or Format" },
	{ PASSTHRU_STATUS_INVALID_CMB_USE, -EIO,
	  "Invalid Use of Controller Memory Buffer" },
	{ 0x020, -EIO, "Namespace is Write Protected" },
	{ 0x021, -EREMOTEIO, "Command Interrupted" },
	{ 0x080, -EREMOTEIO, "LBA Out of Range" },
	{ 0x081, -ENOSPC, "Capacity Exceeded" },
	{ 0x082, -EREMOTEIO, "Namespace Not Ready" },
	{ 0x083, -EBADE, "Reservation Conflict" },
	{ 0x084, -EIO, "Format In Progress" },
	{ 0x180, -EOPNOTSUPP, "Conflicting Attributes" },
	{ 0x181, -EILSEQ, "Invalid Protection Information" },
	{ 0x182, -ENODATA, "Attempted Write to Read Only Range" },
	{ 0x280, -ENODATA, "Write Fault" },
	{ 0x281, -ENODATA, "Unrecovered Read Error" },
	{ 0x282, -EILSEQ, "End-to-end Guard Check Error" },
	{ 0x283, -EILSEQ, "End-to-end Application Tag Check Error" },
	{ 0x284, -EILSEQ, "End-to-end Reference Tag Check Error" },
	{ 0x285, -ENODATA, "Compare Failure" },
	{ 0x286, -ENODATA, "Access Denied" },
	{ 0x287, -ENODATA, "Deallocated or Unwritten Logical Block" },
	{ 0x300, -EIO, "Internal Path Error" },
	{ 0x301, -EIO, "Asymmetric Access Persistent Loss" },
	{ 0x302, -EIO, "Asymmetric Access Inaccessible" },
	{ 0x303, -EIO, "Asymmetric Access Transition" },
	{ 0x360, -EIO, "Controller Pathing Error" },
	{ 0x370, -ENOLINK, "Host Pathing Error" },
	{ 0x371, -EIO, "Command Aborted By Host" },
};

static const struct status_entry *status_find(uint32_t status)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(statuses); i++)
		if (statuses[i].status == (status & PASSTHRU_STATUS_MASK))
			return &statuses[i];
	return NULL;
}

const char *passthru_status_name(uint32_t status)
{
	const struct status_entry *e = status_find(status);

	return e ? e->name : NULL;
}

int passthru_status_errno(uint32_t status)
{
	const struct status_entry *e = status_find(status);

	return e ? e->err : -EIO;
}

int passthru_complete(const struct io_uring_cqe *cqe, const void *ctx,
		      uint32_t len, uint32_t *status)
{
	(void)ctx;
	*status = 0;
	if (cqe->res < 0)
		return cqe->res;
	if (cqe->res > 0) {
		*status = (uint32_t)cqe->res;
		return passthru_status_errno(*status);
	}
	/* Success: NVMe moves the whole command or fails it. */
	return (int)len;
}

bool passthru_have_sys_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[CAP_SYS_ADMIN / 32].effective &
	       (1U << (CAP_SYS_ADMIN % 32));
}

void passthru_backend_init(struct ring_backend *be,
			   const struct passthru_pieces *pieces)
{
	memset(be, 0, sizeof(*be));
	be->name = "passthru";
	/* struct nvme_uring_cmd needs the 128-byte SQE; results come in CQE32. */
	be->ring_flags = IORING_SETUP_SQE128 | IORING_SETUP_CQE32;
	be->prep = passthru_prep;
	be->complete = passthru_complete;
	be->max_transfer = pieces->any;
	be->max_transfer_contiguous = pieces->contiguous;
	/*
	 * Never fixed: p2pmem cannot be registered (EFAULT, pipeline.c), and
	 * IORING_URING_CMD_FIXED would change how the command is issued.
	 */
	be->allow_fixed_buffers = false;
}
