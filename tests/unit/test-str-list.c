// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The checked string list (util.h): entries in order with their tags,
 * duplicates left out on request, and out of memory reported, never an
 * entry dropped silently.  realloc() and vasprintf() are wrapped at link
 * time (-Wl,--wrap; and its fortified variant) so that a test can make the next one fail; the
 * platform scan must then report -ENOMEM instead of a shorter list.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "platform.h"
#include "sysfs.h"
#include "util.h"

void *__real_realloc(void *p, size_t size);
void *__wrap_realloc(void *p, size_t size);
int __real_vasprintf(char **s, const char *fmt, va_list ap);
int __wrap_vasprintf(char **s, const char *fmt, va_list ap);
int __real___vasprintf_chk(char **s, int flag, const char *fmt, va_list ap);
int __wrap___vasprintf_chk(char **s, int flag, const char *fmt, va_list ap);

static bool fail_realloc, fail_vasprintf;

void *__wrap_realloc(void *p, size_t size)
{
	if (fail_realloc)
		return NULL;
	return __real_realloc(p, size);
}

int __wrap_vasprintf(char **s, const char *fmt, va_list ap)
{
	if (fail_vasprintf)
		return -1;
	return __real_vasprintf(s, fmt, ap);
}

/* With _FORTIFY_SOURCE (distribution builds) the call is to this one. */
int __wrap___vasprintf_chk(char **s, int flag, const char *fmt, va_list ap)
{
	if (fail_vasprintf)
		return -1;
	return __real___vasprintf_chk(s, flag, fmt, ap);
}

static void test_order_and_tags(void)
{
	struct str_list l = { 0 };

	CHECK(str_list_add(&l, 2, "b%d", 1) == 0);
	CHECK(str_list_add(&l, 0, "a") == 0);
	CHECK(str_list_add(&l, 2, "b%d", 1) == 0);
	CHECK_EQ_U64(l.n, 3);
	CHECK(!strcmp(l.v[0].text, "b1") && l.v[0].tag == 2);
	CHECK(!strcmp(l.v[1].text, "a") && l.v[1].tag == 0);
	CHECK(!strcmp(l.v[2].text, "b1"));
	CHECK(l.err == 0);
	str_list_free(&l);
	CHECK(l.n == 0 && !l.v);
}

static void test_add_new_skips_duplicates(void)
{
	struct str_list l = { 0 };

	CHECK(str_list_add_new(&l, "%s", "x") == 0);
	CHECK(str_list_add_new(&l, "%s", "y") == 0);
	CHECK(str_list_add_new(&l, "%s", "x") == 0);
	CHECK_EQ_U64(l.n, 2);
	str_list_free(&l);
}

/* A failed grow keeps what is there and says so, now and later. */
static void test_realloc_fails(void)
{
	struct str_list l = { 0 };

	CHECK(str_list_add(&l, 1, "kept") == 0);
	fail_realloc = true;
	CHECK(str_list_add(&l, 1, "lost") == -ENOMEM);
	CHECK(str_list_add_new(&l, "lost too") == -ENOMEM);
	fail_realloc = false;
	CHECK_EQ_U64(l.n, 1);
	CHECK(!strcmp(l.v[0].text, "kept"));
	CHECK(str_list_add(&l, 1, "after") == 0);
	CHECK(l.err == -ENOMEM);
	str_list_free(&l);
	CHECK(l.err == 0);
}

static void test_format_fails(void)
{
	struct str_list l = { 0 };

	fail_vasprintf = true;
	CHECK(str_list_add(&l, 0, "%d", 1) == -ENOMEM);
	fail_vasprintf = false;
	CHECK_EQ_U64(l.n, 0);
	CHECK(l.err == -ENOMEM);
	str_list_free(&l);
}

/* An IOMMU unit the scan cannot record is an error, not "no IOMMU". */
static void test_platform_scan_reports(const char *root)
{
	char dir[PATH_MAX];
	struct platform p;

	snprintf(dir, sizeof(dir), "%s/sys", root);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/sys/class", root);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/sys/class/iommu", root);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/sys/class/iommu/dmar0", root);
	CHECK(mkdir(dir, 0755) == 0);
	sysfs_set_root(root);

	platform_init(&p);
	CHECK(platform_scan_live(&p) == 0);
	CHECK_EQ_U64(p.iommu_units.n, 1);
	platform_free(&p);

	platform_init(&p);
	fail_realloc = true;
	CHECK(platform_scan_live(&p) == -ENOMEM);
	fail_realloc = false;
	platform_free(&p);
	sysfs_set_root(NULL);
	rmdir(dir);
	*strrchr(dir, '/') = '\0';
	rmdir(dir);
	*strrchr(dir, '/') = '\0';
	rmdir(dir);
	*strrchr(dir, '/') = '\0';
	rmdir(dir);
	rmdir(root);
}

int main(void)
{
	char root[] = "/tmp/p2pcp-str-list-XXXXXX";

	test_order_and_tags();
	test_add_new_skips_duplicates();
	test_realloc_fails();
	test_format_fails();
	if (!mkdtemp(root))
		return T_EXIT_ERROR;
	test_platform_scan_reports(root);
	CHECK_DONE();
}
