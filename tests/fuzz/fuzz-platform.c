// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * platform_scan_live(): the platform facts p2p-check and p2pcp read
 * from text files -- the kernel command line, the release, the nvme
 * module parameters, the IOMMU domain type, /proc/cpuinfo and the
 * kernel config.  The input is split at NUL bytes into those files of
 * a fake tree.  Whatever they hold: no crash, tri-states stay -1/0/1,
 * and every ACS parameter reported is one word of the command line
 * that names an ACS parameter.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "platform.h"

static const char *const files[] = {
	"/proc/cmdline",
	"/proc/sys/kernel/osrelease",
	"/sys/module/nvme/parameters/use_cmb_sqes",
	"/sys/module/nvme_core/parameters/multipath",
	"/sys/kernel/iommu_groups/0/type",
	"/proc/cpuinfo",
	"/boot/config-6.12.0-fuzz",
};

static void check(const struct platform *p, const char *cmdline)
{
	size_t i;

	FUZZ_CHECK(p->use_cmb_sqes >= -1 && p->use_cmb_sqes <= 1,
		   "use_cmb_sqes %d", p->use_cmb_sqes);
	FUZZ_CHECK(p->nvme_multipath >= -1 && p->nvme_multipath <= 1,
		   "multipath %d", p->nvme_multipath);
	FUZZ_CHECK(memchr(p->kernel_release, '\0', sizeof(p->kernel_release)),
		   "release not terminated");
	for (i = 0; i < p->acs_cmdline.n; i++) {
		const char *w = p->acs_cmdline.v[i].text;

		FUZZ_CHECK(*w && !strpbrk(w, " \t") && strstr(cmdline, w),
			   "'%s' is not a word of the command line", w);
		FUZZ_CHECK(strstr(w, "acs"), "'%s' is not an ACS parameter", w);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *root = fuzz_scratch();
	size_t i, start = 0, end;
	struct platform p;
	char *cmdline = NULL;
	int ret;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		end = start;
		while (end < size && data[end])
			end++;
		fuzz_write(root, files[i], data + start, end - start);
		if (i == 0)
			cmdline = fuzz_string(data + start, end - start);
		start = end < size ? end + 1 : size;
	}
	sysfs_set_root(root);
	platform_init(&p);
	ret = platform_scan_live(&p);
	sysfs_set_root(NULL);
	FUZZ_CHECK(!ret, "platform_scan_live: %d", ret);
	check(&p, cmdline);
	platform_free(&p);
	free(cmdline);
	return 0;
}
