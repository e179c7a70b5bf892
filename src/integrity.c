// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The block layer's integrity settings of a disk, from sysfs.  Only a
 * request-based disk prepares integrity (blk_mq_submit_bio); an NVMe
 * multipath head is bio-based and hands each bio to a path disk, so for
 * a head the path disks listed in its multipath/ directory are read.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "integrity.h"
#include "sysfs.h"

bool integrity_format_has_pi(const char *format)
{
	/* "T10-DIF-TYPE1-CRC", "EXT-DIF-TYPE3-CRC64"...; "nop" has none. */
	return strstr(format, "-DIF-") != NULL;
}

/*
 * Bytes of one PI tuple by the profile's name, for kernels without
 * integrity/tuple_size (7.x has none): 8 for the T10 formats, 16 for the
 * NVMe ones with a 64-bit guard; 0 for none.
 */
static unsigned int tuple_size_of(const char *format)
{
	if (!strncmp(format, "T10-DIF-", 8))
		return 8;
	if (!strncmp(format, "EXT-DIF-", 8))
		return 16;
	return 0;
}

/* integrity/NAME of @disk is "1": -1 when unreadable. */
static int flag_on(const char *disk, const char *name)
{
	char path[PATH_MAX], text[16];

	snprintf(path, sizeof(path), "/sys/block/%s/integrity/%s", disk, name);
	if (sysfs_read_str(path, text, sizeof(text)))
		return -1;
	return !strcmp(text, "1");
}

static void note_disk(char (*list)[64], unsigned int *count, const char *disk)
{
	if (*count < INTEGRITY_MAX_DISKS)
		snprintf(list[(*count)++], sizeof(list[0]), "%s", disk);
}

/* One request-based disk's flags, added to @out. */
static void read_flags(const char *disk, struct disk_integrity *out)
{
	if (flag_on(disk, "read_verify") == 1) {
		out->read_verify = true;
		note_disk(out->verify_disk, &out->verify_disks, disk);
	}
	if (flag_on(disk, "write_generate") == 1) {
		out->write_generate = true;
		note_disk(out->generate_disk, &out->generate_disks, disk);
	}
}

/* A head's path disks; false when @disk is no multipath head. */
static bool read_paths(const char *disk, struct disk_integrity *out)
{
	char path[PATH_MAX];
	struct dirent *d;
	DIR *dir;

	if (sysfs_path(path, sizeof(path), "/sys/block/%s/multipath", disk))
		return false;
	dir = opendir(path);
	if (!dir)
		return false;
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.' && strlen(d->d_name) < 64)
			read_flags(d->d_name, out);
	closedir(dir);
	return true;
}

int disk_integrity_read(const char *disk, struct disk_integrity *out)
{
	char path[PATH_MAX];
	uint64_t v;

	memset(out, 0, sizeof(*out));
	if (strlen(disk) >= 64)
		return -ENAMETOOLONG;
	if (strchr(disk, '/'))
		return -EINVAL;
	snprintf(path, sizeof(path), "/sys/block/%s/integrity/format", disk);
	if (sysfs_read_str(path, out->format, sizeof(out->format)) ||
	    !strcmp(out->format, "none")) {
		out->format[0] = '\0';
		return 0;
	}
	out->present = true;
	snprintf(path, sizeof(path), "/sys/block/%s/integrity/tuple_size",
		 disk);
	if (!sysfs_read_u64(path, &v))
		out->tuple_size = (unsigned int)v;
	else
		out->tuple_size = tuple_size_of(out->format);
	snprintf(path, sizeof(path), "/sys/block/%s/metadata_bytes", disk);
	if (!sysfs_read_u64(path, &v))
		out->metadata_size = (unsigned int)v;
	if (!read_paths(disk, out))
		read_flags(disk, out);
	return 0;
}

bool integrity_offload_capable(const struct disk_integrity *in)
{
	return in->tuple_size && in->tuple_size == in->metadata_size &&
	       integrity_format_has_pi(in->format);
}
