// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * p2p_platform_detect(): /proc/cpuinfo, whose vendor and family decide
 * the kernel's host-bridge rule for AMD.  Any text must give a NUL-
 * terminated vendor, and "AMD" only for the vendor AuthenticAMD.
 */
#include <string.h>

#include "fuzz.h"
#include "platform.h"
#include "sysfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *root = fuzz_scratch();
	struct p2p_platform plat;
	int ret;

	fuzz_write(root, "/proc/cpuinfo", data, size);
	sysfs_set_root(root);
	ret = p2p_platform_detect(&plat);
	sysfs_set_root(NULL);
	if (ret)
		return 0;
	FUZZ_CHECK(memchr(plat.cpu_vendor_id, '\0', sizeof(plat.cpu_vendor_id)),
		   "vendor not terminated");
	FUZZ_CHECK(plat.cpu_amd == !strcmp(plat.cpu_vendor_id, "AuthenticAMD"),
		   "vendor '%s', amd %d", plat.cpu_vendor_id, plat.cpu_amd);
	FUZZ_CHECK(!p2p_platform_cpu_allows(&plat) ||
			   (plat.cpu_amd && plat.cpu_family >= 0x17),
		   "CPU '%s' family %u allows host-bridge P2P",
		   plat.cpu_vendor_id, plat.cpu_family);
	return 0;
}
