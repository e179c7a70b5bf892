// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * AER counters from sysfs.  Each file holds one "NAME COUNT" line per
 * error kind and a total ("TOTAL_ERR_COR", "TOTAL_ERR_NONFATAL",
 * "TOTAL_ERR_FATAL"); only the total is used.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aer.h"
#include "sysfs.h"

/* The TOTAL_ERR_ line of @file; -ENOENT when there is none. */
static int read_total(const struct pci_addr *dev, const char *file,
		      uint64_t *out)
{
	char bdf[PCI_ADDR_STRLEN], path[PATH_MAX], text[2048];
	char *line, *save = NULL, *end;
	int ret;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s",
		 pci_addr_format(dev, bdf, sizeof(bdf)), file);
	ret = sysfs_read_str(path, text, sizeof(text));
	if (ret)
		return ret;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "TOTAL_ERR_", 10))
			continue;
		line = strchr(line, ' ');
		if (!line)
			break;
		errno = 0;
		*out = strtoull(line + 1, &end, 10);
		return errno || end == line + 1 ? -EINVAL : 0;
	}
	return -ENOENT;
}

void aer_counts_read(const struct pci_addr *dev, struct aer_counts *out)
{
	memset(out, 0, sizeof(*out));
	if (read_total(dev, "aer_dev_correctable", &out->correctable))
		return;
	out->have = !read_total(dev, "aer_dev_nonfatal", &out->nonfatal) &&
		    !read_total(dev, "aer_dev_fatal", &out->fatal);
	if (!out->have)
		memset(out, 0, sizeof(*out));
}

static uint64_t grew(uint64_t before, uint64_t after)
{
	return after > before ? after - before : 0;
}

void aer_counts_delta(const struct aer_counts *before,
		      const struct aer_counts *after, struct aer_counts *out)
{
	out->have = before->have && after->have;
	out->correctable =
		out->have ? grew(before->correctable, after->correctable) : 0;
	out->nonfatal = out->have ? grew(before->nonfatal, after->nonfatal) : 0;
	out->fatal = out->have ? grew(before->fatal, after->fatal) : 0;
}
