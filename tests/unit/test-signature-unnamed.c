// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The signature probe when libblkid's safe probe reports a find but names
 * no superblock type and no partition table: blkid_probe_lookup_value is
 * wrapped at link time to answer "no such value" for every name.  What
 * the safe probe vouched for is still a signature (1), and the caller is
 * told its type is unnamed; a device the probe finds empty stays clean.
 */
#include <blkid/blkid.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blockdev.h"
#include "check.h"
#include "util.h"

static bool names_hidden;

int __real_blkid_probe_lookup_value(blkid_probe pr, const char *name,
				    const char **data, size_t *len);
int __wrap_blkid_probe_lookup_value(blkid_probe pr, const char *name,
				    const char **data, size_t *len);

int __wrap_blkid_probe_lookup_value(blkid_probe pr, const char *name,
				    const char **data, size_t *len)
{
	if (names_hidden)
		return -1;
	return __real_blkid_probe_lookup_value(pr, name, data, len);
}

int main(void)
{
	static const char luks[] = "LUKS\xba\xbe\x00\x01";
	char img[] = "sig-unnamed-XXXXXX";
	struct disk_signature sig;
	int fd = mkstemp(img);

	if (fd < 0 || ftruncate(fd, 8 * MIB))
		return T_EXIT_ERROR;
	names_hidden = true;
	CHECK(disk_signature_probe_fd(fd, &sig) == 0);
	CHECK(!sig.type[0] && !sig.what);

	if (pwrite(fd, luks, sizeof(luks) - 1, 0) != sizeof(luks) - 1)
		return T_EXIT_ERROR;
	names_hidden = false;
	CHECK(disk_signature_probe_fd(fd, &sig) == 1);
	CHECK(!strcmp(sig.type, "crypto_LUKS"));

	names_hidden = true;
	CHECK(disk_signature_probe_fd(fd, &sig) == 1);
	CHECK(!strcmp(sig.type, "type not named by libblkid"));
	CHECK(sig.what && !strcmp(sig.what, "detected"));
	close(fd);
	unlink(img);
	CHECK_DONE();
}
