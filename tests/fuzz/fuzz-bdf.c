// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pci_addr_parse(): --provider, p2p-check's DEVICE arguments and every
 * sysfs directory name taken as a PCI address.  An address that parses
 * must print in full and parse back to itself; one that does not parse
 * must leave the output alone.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pcitopo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pci_addr a, b, untouched;
	char buf[PCI_ADDR_STRLEN];
	char *str = fuzz_string(data, size);
	int ret;

	memset(&a, 0xa5, sizeof(a));
	untouched = a;
	ret = pci_addr_parse(str, &a);
	if (ret) {
		FUZZ_CHECK(!memcmp(&a, &untouched, sizeof(a)),
			   "'%s' refused, yet the output changed", str);
		free(str);
		return 0;
	}
	FUZZ_CHECK(a.dev <= 0x1f && a.fn <= 7, "'%s': device %x function %x",
		   str, a.dev, a.fn);
	pci_addr_format(&a, buf, sizeof(buf));
	FUZZ_CHECK(pci_addr_parse(buf, &b) == 0 && pci_addr_equal(&a, &b),
		   "'%s' formats as '%s', which does not parse back", str, buf);
	free(str);
	return 0;
}
