// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kconfig_lookup(): the kernel configuration as /proc/config.gz (gzip)
 * or /boot/config-<release> (plain text).  First byte: which file; the
 * rest is its text.  The answer must be the one a plain line-by-line
 * reading gives: the first line "CONFIG_PCI_P2PDMA=<v>" decides (y, m,
 * anything else no), and no such line means no.
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "fuzz.h"
#include "sysfs.h"

#define OPTION "CONFIG_PCI_P2PDMA"

static enum kconfig_state reference(const char *text, size_t len)
{
	const char *line = text, *end = text + len;
	size_t optlen = strlen(OPTION);

	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t n = nl ? (size_t)(nl - line) : (size_t)(end - line);

		if (n > optlen && !memcmp(line, OPTION, optlen) &&
		    line[optlen] == '=') {
			if (n > optlen + 1 && line[optlen + 1] == 'y')
				return KCONFIG_YES;
			if (n > optlen + 1 && line[optlen + 1] == 'm')
				return KCONFIG_MODULE;
			return KCONFIG_NO;
		}
		line += n + 1;
	}
	return KCONFIG_NO;
}

static void write_gz(const char *root, const char *rel, const void *buf,
		     size_t len)
{
	char path[4096];
	gzFile gz;

	fuzz_write(root, rel, "", 0);
	snprintf(path, sizeof(path), "%s%s", root, rel);
	gz = gzopen(path, "wb");
	if (!gz || (len && gzwrite(gz, buf, (unsigned int)len) != (int)len) ||
	    gzclose(gz) != Z_OK)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *root = fuzz_scratch();
	char proc[4096], boot[4096], source[64];
	enum kconfig_state got, want;
	const char *text;
	size_t len;

	if (!size)
		return 0;
	text = (const char *)data + 1;
	len = size - 1;
	/* A NUL ends what gzgets can see, as it would in a real file. */
	if (memchr(text, '\0', len))
		len = (size_t)((const char *)memchr(text, '\0', len) - text);
	snprintf(proc, sizeof(proc), "%s/proc/config.gz", root);
	snprintf(boot, sizeof(boot), "%s/boot/config-6.12.0-fuzz", root);
	unlink(proc);
	unlink(boot);
	if (data[0] & 1)
		write_gz(root, "/proc/config.gz", text, len);
	else
		fuzz_write(root, "/boot/config-6.12.0-fuzz", text, len);

	sysfs_set_root(root);
	got = kconfig_lookup(OPTION, "6.12.0-fuzz", source, sizeof(source));
	sysfs_set_root(NULL);
	want = reference(text, len);
	FUZZ_CHECK(got == want, "%s answers %d, the text says %d (%zu bytes)",
		   source, got, want, len);
	return 0;
}
