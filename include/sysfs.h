/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Every read of /sys, /proc and /boot goes through this module so that
 * tests can point the whole program at a fake tree.  The root is taken
 * from sysfs_set_root() (the front-ends' hidden --sysroot option) or
 * the P2PCP_SYSROOT environment variable; by default it is "/".
 */
#ifndef P2PCP_SYSFS_H
#define P2PCP_SYSFS_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* @root NULL or "" means the real system. */
void sysfs_set_root(const char *root);

/* The prefix to prepend to absolute paths ("" for the real system). */
const char *sysfs_root(void);

/* Build "<root><formatted path>" into @buf; -ENAMETOOLONG if it does not fit. */
int sysfs_path(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Read a whole small file, trailing newline stripped.  Path is root-relative. */
int sysfs_read_str(const char *path, char *buf, size_t len);
int sysfs_read_u64(const char *path, uint64_t *out);
int sysfs_read_s64(const char *path, int64_t *out);

bool sysfs_exists(const char *path);

/*
 * Resolve symlinks of the root-relative @path and return the result
 * root-relative again ("/sys/devices/pci0000:00/...").
 */
int sysfs_realpath(const char *path, char *buf, size_t len);

/* Read a compressed or plain kernel config and look up one option. */
enum kconfig_state {
	KCONFIG_UNKNOWN = 0, /* no config file could be read */
	KCONFIG_NO,
	KCONFIG_YES,
	KCONFIG_MODULE,
};

/*
 * Look @option (e.g. "CONFIG_PCI_P2PDMA") up in /proc/config.gz or
 * /boot/config-<release>.  @source receives the file that answered.
 */
enum kconfig_state kconfig_lookup(const char *option, const char *release,
				  char *source, size_t source_len);

#endif
