/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A fake system root for the unit tests: a temporary directory that
 * sysfs_set_root() points the code at, with helpers that make its
 * directories, files and symlinks by root-relative path.
 */
#ifndef P2PCP_TEST_FAKEROOT_H
#define P2PCP_TEST_FAKEROOT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char fake_root[64];

/* mkdtemp a root named after @name; 0 or -1. */
static inline int fake_root_make(const char *name)
{
	snprintf(fake_root, sizeof(fake_root), "/tmp/%s.XXXXXX", name);
	return mkdtemp(fake_root) ? 0 : -1;
}

/* mkdir -p ROOT/REL */
static inline void fake_mkpath(const char *rel)
{
	char path[1024], *p;

	snprintf(path, sizeof(path), "%s%s", fake_root, rel);
	for (p = path + strlen(fake_root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	mkdir(path, 0755);
}

/* ROOT/REL holds @text (its directory made first). */
static inline void fake_put(const char *rel, const char *text)
{
	char path[1024], dir[512], *slash;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s", rel);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		fake_mkpath(dir);
	}
	snprintf(path, sizeof(path), "%s%s", fake_root, rel);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static inline void fake_link(const char *target, const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s%s", fake_root, rel);
	if (symlink(target, path))
		perror(path);
}

/* rm -rf ROOT */
static inline void fake_root_remove(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fake_root);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", fake_root);
}

#endif
