// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The signature probe when libblkid cannot allocate its probe:
 * blkid_new_probe is wrapped at link time to fail as it does without
 * memory.  The answer is -ENOMEM (nothing is claimed about DST), and the
 * caller's descriptor stays open.
 */
#include <blkid/blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "blockdev.h"
#include "check.h"

static bool out_of_memory;

blkid_probe __real_blkid_new_probe(void);
blkid_probe __wrap_blkid_new_probe(void);

blkid_probe __wrap_blkid_new_probe(void)
{
	return out_of_memory ? NULL : __real_blkid_new_probe();
}

int main(void)
{
	char img[] = "sig-nomem-XXXXXX";
	struct disk_signature sig;
	int fd = mkstemp(img);

	if (fd < 0 || ftruncate(fd, 1024 * 1024))
		return T_EXIT_ERROR;
	out_of_memory = true;
	CHECK(disk_signature_probe_fd(fd, &sig) == -ENOMEM);
	CHECK(fcntl(fd, F_GETFD) >= 0);
	out_of_memory = false;
	CHECK(disk_signature_probe_fd(fd, &sig) == 0);
	close(fd);
	unlink(img);
	CHECK_DONE();
}
