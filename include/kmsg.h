/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Following the kernel log (/dev/kmsg): the records logged after the
 * follower opened it, one at a time, without blocking.
 */
#ifndef P2PCP_KMSG_H
#define P2PCP_KMSG_H

#include <stdbool.h>
#include <stddef.h>

/* The longest record /dev/kmsg formats (CONSOLE_EXT_LOG_MAX). */
#define KMSG_RECORD_MAX 8192

struct kmsg_follower {
	int fd;
	/* Bytes read but not yet handed out (a file holds many records). */
	char pending[2 * KMSG_RECORD_MAX];
	size_t pending_len;
	unsigned long missed; /* records overwritten before they were read */
};

/*
 * Open @path (NULL: /dev/kmsg; tests name a file) and skip what was
 * logged before.  Returns 0 or a negative errno (-EPERM: dmesg_restrict
 * without CAP_SYSLOG).
 */
int kmsg_open(struct kmsg_follower *k, const char *path);
void kmsg_close(struct kmsg_follower *k);

/*
 * The next record: its message in @text, and the device it is about in
 * @device when the record says (its DEVICE= key, e.g. "+pci:0000:01:00.0",
 * else "").  Returns 1 for a record, 0 when there is none for now, or a
 * negative errno.
 */
int kmsg_next(struct kmsg_follower *k, char *text, size_t text_len,
	      char *device, size_t device_len);

#endif
