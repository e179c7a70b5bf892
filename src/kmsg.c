// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /dev/kmsg gives one record per read(2): "PRI,SEQ,USEC,FLAGS;MESSAGE\n"
 * and then " KEY=VALUE\n" lines (SUBSYSTEM=, DEVICE=).  A regular file
 * with such records (the tests' stand-in) gives many per read, so the
 * reader splits what it reads into records itself.  EPIPE means the
 * ring buffer overwrote records the reader had not read: it counts them
 * as missed and goes on.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kmsg.h"

int kmsg_open(struct kmsg_follower *k, const char *path)
{
	memset(k, 0, sizeof(*k));
	k->fd = open(path ? path : "/dev/kmsg",
		     O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (k->fd < 0)
		return -errno;
	/* Only what is logged from now on. */
	if (lseek(k->fd, 0, SEEK_END) < 0) {
		int err = -errno;

		close(k->fd);
		k->fd = -1;
		return err;
	}
	return 0;
}

void kmsg_close(struct kmsg_follower *k)
{
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
}

/* Read more into the pending bytes: >0 read, 0 nothing new, or -errno. */
static int fill(struct kmsg_follower *k)
{
	ssize_t n;

	for (;;) {
		n = read(k->fd, k->pending + k->pending_len,
			 sizeof(k->pending) - k->pending_len);
		if (n > 0) {
			k->pending_len += (size_t)n;
			return 1;
		}
		if (n == 0 || errno == EAGAIN)
			return 0;
		if (errno == EPIPE) {
			k->missed++;
			continue;
		}
		if (errno != EINTR)
			return -errno;
	}
}

/* Length of the first record in the pending bytes, 0 if incomplete. */
static size_t record_length(const struct kmsg_follower *k)
{
	const char *p = k->pending, *end = p + k->pending_len, *nl;

	nl = memchr(p, '\n', k->pending_len);
	if (!nl)
		return 0;
	/* Its KEY=VALUE lines start with a space. */
	while (nl + 1 < end && nl[1] == ' ') {
		nl = memchr(nl + 1, '\n', (size_t)(end - nl - 1));
		if (!nl)
			return 0;
	}
	return (size_t)(nl + 1 - p);
}

static void copy_field(char *out, size_t out_len, const char *from, size_t len)
{
	if (!out_len)
		return;
	if (len >= out_len)
		len = out_len - 1;
	memcpy(out, from, len);
	out[len] = '\0';
}

static void parse_record(const char *rec, size_t len, char *text,
			 size_t text_len, char *device, size_t device_len)
{
	const char *end = rec + len, *semi, *nl, *key;

	copy_field(device, device_len, "", 0);
	semi = memchr(rec, ';', len);
	nl = memchr(rec, '\n', len);
	if (!semi || semi > nl)
		semi = rec - 1; /* no prefix: the whole line */
	copy_field(text, text_len, semi + 1, (size_t)(nl - semi - 1));
	for (key = nl + 1; key < end; key = nl + 1) {
		nl = memchr(key, '\n', (size_t)(end - key));
		if (!nl)
			break;
		if (!strncmp(key, " DEVICE=", 8))
			copy_field(device, device_len, key + 8,
				   (size_t)(nl - key - 8));
	}
}

int kmsg_next(struct kmsg_follower *k, char *text, size_t text_len,
	      char *device, size_t device_len)
{
	size_t len;
	int ret;

	while (!(len = record_length(k))) {
		if (k->pending_len >= sizeof(k->pending) - KMSG_RECORD_MAX) {
			/* A record longer than any the kernel writes. */
			k->pending_len = 0;
			k->missed++;
		}
		ret = fill(k);
		if (ret <= 0)
			return ret;
	}
	parse_record(k->pending, len, text, text_len, device, device_len);
	k->pending_len -= len;
	memmove(k->pending, k->pending + len, k->pending_len);
	return 1;
}
