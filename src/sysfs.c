// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Root-relative file access for /sys, /proc and /boot, so that fixture
 * trees can stand in for the real system.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "sysfs.h"
#include "util.h"

static char root_prefix[PATH_MAX];
static bool root_initialised;

void sysfs_set_root(const char *root)
{
	size_t len;

	root_initialised = true;
	root_prefix[0] = '\0';
	if (!root || !*root)
		return;
	snprintf(root_prefix, sizeof(root_prefix), "%s", root);
	/* "/" and "dir/" both mean a prefix without the trailing slash. */
	len = strlen(root_prefix);
	while (len > 0 && root_prefix[len - 1] == '/')
		root_prefix[--len] = '\0';
}

const char *sysfs_root(void)
{
	if (!root_initialised)
		sysfs_set_root(getenv("P2PCP_SYSROOT"));
	return root_prefix;
}

int sysfs_path(char *buf, size_t len, const char *fmt, ...)
{
	const char *root = sysfs_root();
	size_t used;
	va_list ap;
	int n;

	used = strlen(root);
	if (used >= len)
		return -ENAMETOOLONG;
	memcpy(buf, root, used);
	va_start(ap, fmt);
	n = vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= len - used)
		return -ENAMETOOLONG;
	return 0;
}

int sysfs_read_str(const char *path, char *buf, size_t len)
{
	char full[PATH_MAX];
	_cleanup_fd_ int fd = -1;
	ssize_t n;
	int ret;

	if (len == 0)
		return -EINVAL;
	ret = sysfs_path(full, sizeof(full), "%s", path);
	if (ret)
		return ret;
	fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do {
		n = read(fd, buf, len - 1);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

/*
 * The integer in @path in C notation (base 0), signed or not; an int64_t
 * comes back as its bit pattern.  Nothing else may follow it.
 */
static int read_integer(const char *path, bool is_signed, uint64_t *out)
{
	char buf[64];
	char *end;
	int ret;

	ret = sysfs_read_str(path, buf, sizeof(buf));
	if (ret)
		return ret;
	/* strtoull() would take "-1" as 2^64 - 1: a digit must come first. */
	if (!is_signed && (buf[0] < '0' || buf[0] > '9'))
		return -EINVAL;
	errno = 0;
	*out = is_signed ? (uint64_t)strtoll(buf, &end, 0) :
			   strtoull(buf, &end, 0);
	if (errno || end == buf || *end)
		return -EINVAL;
	return 0;
}

int sysfs_read_u64(const char *path, uint64_t *out)
{
	return read_integer(path, false, out);
}

int sysfs_read_s64(const char *path, int64_t *out)
{
	uint64_t v;
	int ret;

	ret = read_integer(path, true, &v);
	if (!ret)
		*out = (int64_t)v;
	return ret;
}

bool sysfs_exists(const char *path)
{
	char full[PATH_MAX];

	if (sysfs_path(full, sizeof(full), "%s", path))
		return false;
	return access(full, F_OK) == 0;
}

int sysfs_realpath(const char *path, char *buf, size_t len)
{
	const char *root = sysfs_root();
	char full[PATH_MAX];
	char resolved[PATH_MAX];
	size_t rlen = strlen(root);
	int ret;

	ret = sysfs_path(full, sizeof(full), "%s", path);
	if (ret)
		return ret;
	if (!realpath(full, resolved))
		return -errno;
	/* The root itself may contain symlinks: compare resolved forms. */
	if (rlen) {
		char rroot[PATH_MAX];

		if (!realpath(root, rroot))
			return -errno;
		rlen = strlen(rroot);
		if (strncmp(resolved, rroot, rlen) ||
		    (resolved[rlen] != '/' && resolved[rlen] != '\0'))
			return -EXDEV; /* a link that leaves the fake tree */
	}
	if (strlen(resolved + rlen) >= len)
		return -ENAMETOOLONG;
	strcpy(buf, resolved + rlen);
	if (!buf[0])
		strcpy(buf, "/");
	return 0;
}

/* Search one config file (gzip or plain: zlib reads both) for @option. */
static enum kconfig_state kconfig_search(const char *file, const char *option)
{
	enum kconfig_state state = KCONFIG_NO;
	size_t optlen = strlen(option);
	bool line_start = true, at_start;
	char line[512];
	size_t len;
	gzFile gz;

	gz = gzopen(file, "rb");
	if (!gz)
		return KCONFIG_UNKNOWN;
	while (gzgets(gz, line, sizeof(line))) {
		/*
		 * A line longer than the buffer (a long string value) comes
		 * in pieces; only a piece that starts a line can set @option.
		 */
		at_start = line_start;
		len = strlen(line);
		line_start = len && line[len - 1] == '\n';
		if (!at_start || strncmp(line, option, optlen) ||
		    line[optlen] != '=')
			continue;
		if (line[optlen + 1] == 'y')
			state = KCONFIG_YES;
		else if (line[optlen + 1] == 'm')
			state = KCONFIG_MODULE;
		break;
	}
	gzclose(gz);
	return state;
}

enum kconfig_state kconfig_lookup(const char *option, const char *release,
				  char *source, size_t source_len)
{
	char file[PATH_MAX];
	enum kconfig_state state;

	if (sysfs_path(file, sizeof(file), "/proc/config.gz") == 0) {
		state = kconfig_search(file, option);
		if (state != KCONFIG_UNKNOWN) {
			snprintf(source, source_len, "/proc/config.gz");
			return state;
		}
	}
	if (release &&
	    sysfs_path(file, sizeof(file), "/boot/config-%s", release) == 0) {
		state = kconfig_search(file, option);
		if (state != KCONFIG_UNKNOWN) {
			snprintf(source, source_len, "/boot/config-%s",
				 release);
			return state;
		}
	}
	if (source_len)
		source[0] = '\0';
	return KCONFIG_UNKNOWN;
}
