// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Disk facts: from a block device number or name (sysfs) to the disk,
 * its NVMe controller and PCI function; and the signatures on a device.
 *
 * libnvme 1.3 cannot read a fake sysfs tree and hides namespaces it
 * cannot open, so the facts p2pcp depends on come from sysfs here.
 */
#include <blkid/blkid.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "blockdev.h"
#include "platform.h"
#include "sysfs.h"
#include "util.h"

static const char *path_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* The nearest PCI function above a sysfs device directory, if any. */
static bool pci_ancestor(const char *dir, struct pci_addr *out)
{
	char buf[PATH_MAX];
	char *slash;

	snprintf(buf, sizeof(buf), "%s", dir);
	while ((slash = strrchr(buf, '/'))) {
		if (pci_addr_parse(slash + 1, out) == 0)
			return true;
		*slash = '\0';
	}
	return false;
}

/*
 * A per-controller namespace lives at
 * /sys/devices/.../<bdf>/nvme/nvmeN/nvmeNnM: the controller is the
 * directory above the disk, the PCI function the one above "nvme".  A
 * multipath head node lives at
 * /sys/devices/virtual/nvme-subsystem/nvme-subsysK/nvmeKnM.
 */
static void classify_disk(const char *disk_dir, struct disk_info *out)
{
	char buf[PATH_MAX];
	char *slash, *ctrl;

	out->have_pci = pci_ancestor(disk_dir, &out->pci);
	if (strncmp(out->name, "nvme", 4))
		return;
	snprintf(buf, sizeof(buf), "%s", disk_dir);
	slash = strrchr(buf, '/');
	if (!slash)
		return;
	*slash = '\0';
	if (platform_is_multipath_head(disk_dir)) {
		out->kind = DISK_NVME_MULTIPATH;
		snprintf(out->subsys, sizeof(out->subsys), "%.31s",
			 path_basename(buf));
		return;
	}
	ctrl = strrchr(buf, '/');
	if (!ctrl || strncmp(ctrl + 1, "nvme", 4))
		return;
	*ctrl = '\0';
	slash = strrchr(buf, '/');
	if (!slash || strcmp(slash + 1, "nvme"))
		return;
	out->kind = DISK_NVME;
	snprintf(out->ctrl, sizeof(out->ctrl), "%s", ctrl + 1);
}

/* Describe the disk or partition whose sysfs entry @link points to. */
static int disk_info_from_link(const char *link, struct disk_info *out)
{
	char real[PATH_MAX], disk_dir[PATH_MAX];
	char attr[PATH_MAX + 64];
	uint64_t sectors, start = 0, lbs;
	bool is_part;
	int ret;

	memset(out, 0, sizeof(*out));
	out->kind = DISK_OTHER;
	ret = sysfs_realpath(link, real, sizeof(real));
	if (ret)
		return ret;

	snprintf(attr, sizeof(attr), "%s/partition", real);
	is_part = sysfs_exists(attr);
	snprintf(disk_dir, sizeof(disk_dir), "%s", real);
	if (is_part) {
		char *slash = strrchr(disk_dir, '/');

		if (!slash)
			return -EINVAL;
		*slash = '\0';
		snprintf(out->part, sizeof(out->part), "%.63s",
			 path_basename(real));
		snprintf(attr, sizeof(attr), "%s/start", real);
		ret = sysfs_read_u64(attr, &start);
		if (ret)
			return ret;
	}
	snprintf(out->name, sizeof(out->name), "%.63s",
		 path_basename(disk_dir));

	/* sysfs sizes are in 512-byte units whatever the block size. */
	snprintf(attr, sizeof(attr), "%s/size", real);
	ret = sysfs_read_u64(attr, &sectors);
	if (ret)
		return ret;
	out->size = sectors * 512;
	out->part_start = start * 512;

	snprintf(attr, sizeof(attr), "%s/queue/logical_block_size", disk_dir);
	ret = sysfs_read_u64(attr, &lbs);
	if (ret)
		return ret;
	if (lbs == 0 || lbs > UINT32_MAX || (lbs & (lbs - 1)))
		return -EINVAL;
	out->logical_block_size = (uint32_t)lbs;

	classify_disk(disk_dir, out);
	return 0;
}

int disk_info_from_devnum(dev_t devnum, struct disk_info *out)
{
	char link[64];
	int ret;

	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", major(devnum),
		 minor(devnum));
	ret = disk_info_from_link(link, out);
	out->devnum = devnum;
	return ret;
}

int disk_info_from_name(const char *name, struct disk_info *out)
{
	char link[PATH_MAX], dev[32];
	unsigned int maj, min;
	int ret;

	if (!*name || strchr(name, '/'))
		return -EINVAL;
	snprintf(link, sizeof(link), "/sys/class/block/%s", name);
	ret = disk_info_from_link(link, out);
	if (ret)
		return ret;
	snprintf(link, sizeof(link), "/sys/class/block/%s/dev", name);
	if (sysfs_read_str(link, dev, sizeof(dev)) == 0 &&
	    sscanf(dev, "%u:%u", &maj, &min) == 2)
		out->devnum = makedev(maj, min);
	return 0;
}

static const char *usage_kind(const char *usage)
{
	if (!strcmp(usage, "raid"))
		return "RAID/LVM member";
	if (!strcmp(usage, "crypto"))
		return "crypto volume";
	if (!strcmp(usage, "filesystem"))
		return "filesystem";
	return "non-filesystem";
}

int disk_signature_probe(const char *path, struct disk_signature *sig)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = disk_signature_probe_fd(fd, sig);
	close(fd);
	return ret;
}

int disk_signature_probe_fd(int fd, struct disk_signature *sig)
{
	const char *type = NULL, *usage = NULL;
	blkid_probe pr;
	int ret;

	memset(sig, 0, sizeof(*sig));
	pr = blkid_new_probe();
	if (!pr)
		return -ENOMEM;
	if (blkid_probe_set_device(pr, fd, 0, 0)) {
		ret = -EIO;
		goto out;
	}
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE |
						      BLKID_SUBLKS_USAGE);
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_MAGIC);
	/*
	 * The safe probe refuses to pick between contradicting signatures
	 * (-2); for a destination that is as much a reason to stop as one.
	 */
	ret = blkid_do_safeprobe(pr);
	if (ret == 1) {
		ret = 0;
		goto out;
	}
	if (ret == -2) {
		snprintf(sig->type, sizeof(sig->type), "several");
		sig->what = "contradicting signatures";
		ret = 2;
		goto out;
	}
	if (ret < 0) {
		ret = -EIO;
		goto out;
	}
	/*
	 * The probe found something.  Should libblkid name neither a
	 * superblock type nor a partition table, it is still something the
	 * safe probe vouched for, and no place to write unasked.
	 */
	ret = 1;
	sig->what = "detected";
	if (blkid_probe_lookup_value(pr, "TYPE", &type, NULL) == 0) {
		sig->what = "filesystem";
		if (blkid_probe_lookup_value(pr, "USAGE", &usage, NULL) == 0)
			sig->what = usage_kind(usage);
	} else if (blkid_probe_lookup_value(pr, "PTTYPE", &type, NULL) == 0) {
		sig->what = "partition table";
	}
	snprintf(sig->type, sizeof(sig->type), "%s",
		 type ? type : "type not named by libblkid");
out:
	blkid_free_probe(pr);
	return ret;
}
