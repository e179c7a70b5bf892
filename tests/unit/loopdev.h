/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A real loop device for the unit tests that need one, set up on a file
 * of the test's: a free one is asked of /dev/loop-control, and another
 * process may take it first, so a few are tried.  Needs root.
 */
#ifndef P2PCP_TEST_LOOPDEV_H
#define P2PCP_TEST_LOOPDEV_H

#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

/*
 * /dev/loopN set up on @file from byte @offset, with LO_FLAGS @flags;
 * its descriptor (read-write) and N in @number, or -1.
 */
static inline int loopdev_attach(int file, unsigned int flags,
				 unsigned long long offset, int *number)
{
	struct loop_config cfg = {
		.fd = file, .info = { .lo_flags = flags, .lo_offset = offset }
	};
	int ctl, fd = -1, tries;
	char dev[32];

	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	for (tries = 0; ctl >= 0 && fd < 0 && tries < 5; tries++) {
		*number = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (*number < 0)
			break;
		snprintf(dev, sizeof(dev), "/dev/loop%d", *number);
		fd = open(dev, O_RDWR | O_CLOEXEC);
		if (fd >= 0 && ioctl(fd, LOOP_CONFIGURE, &cfg)) {
			close(fd);
			fd = -1; /* taken meanwhile: another one */
		}
	}
	if (ctl >= 0)
		close(ctl);
	return fd;
}

#endif
