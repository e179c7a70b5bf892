// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * p2p_kernel_parse(): the kernel release (/proc/sys/kernel/osrelease,
 * p2p-check --kernel) that selects the P2P rules.  A release that
 * parses must keep its major and minor numbers (a patch level may not
 * spill into them, as 4.19.325 would) and print back to the same value.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "p2pdma.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *str = fuzz_string(data, size), *end;
	unsigned long major, minor;
	unsigned int kernel = 0, again = 0;
	char buf[32];
	int ret;

	ret = p2p_kernel_parse(str, &kernel);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL, "'%s': %d", str, ret);
	if (ret) {
		free(str);
		return 0;
	}
	major = strtoul(str, &end, 10);
	minor = *end == '.' ? strtoul(end + 1, NULL, 10) : 0;
	FUZZ_CHECK(kernel >> 16 == major && ((kernel >> 8) & 0xff) == minor,
		   "'%s' parsed as %u.%u", str, kernel >> 16,
		   (kernel >> 8) & 0xff);
	p2p_kernel_format(kernel, buf, sizeof(buf));
	FUZZ_CHECK(p2p_kernel_parse(buf, &again) == 0 && again == kernel,
		   "'%s' prints as '%s', which parses to %#x, not %#x", str,
		   buf, again, kernel);
	free(str);
	return 0;
}
