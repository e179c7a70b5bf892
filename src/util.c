// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util.h"

struct size_suffix {
	const char *name;
	uint64_t mult;
};

static const struct size_suffix suffixes[] = {
	{ "", 1 },
	{ "b", 1 },
	{ "k", KIB },
	{ "kib", KIB },
	{ "kb", 1000ULL },
	{ "m", MIB },
	{ "mib", MIB },
	{ "mb", 1000ULL * 1000 },
	{ "g", GIB },
	{ "gib", GIB },
	{ "gb", 1000ULL * 1000 * 1000 },
	{ "t", 1024ULL * GIB },
	{ "tib", 1024ULL * GIB },
	{ "tb", 1000ULL * 1000 * 1000 * 1000 },
};

int parse_size(const char *str, uint64_t block_size, uint64_t *out)
{
	unsigned long long num;
	const char *p = str;
	char *end;
	size_t i;

	if (!str || !*str)
		return -EINVAL;
	/* strtoull accepts leading blanks and a minus sign: we do not. */
	if (*p < '0' || *p > '9')
		return -EINVAL;
	/*
	 * Decimal, whatever the leading zeros ("010" is ten, as dd and
	 * truncate read it); hexadecimal only with an explicit 0x.
	 */
	errno = 0;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		num = strtoull(p, &end, 16);
	else
		num = strtoull(p, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (end == p)
		return -EINVAL;

	if (!strcmp(end, "s")) {
		if (!block_size)
			return -EINVAL;
		if (__builtin_mul_overflow(num, block_size, &num))
			return -ERANGE;
		*out = num;
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(suffixes); i++) {
		if (strcasecmp(end, suffixes[i].name))
			continue;
		/* "kB" is decimal, "k"/"K"/"KiB" binary: case only matters for b. */
		if (__builtin_mul_overflow(num, suffixes[i].mult, &num))
			return -ERANGE;
		*out = num;
		return 0;
	}
	return -EINVAL;
}

const char *format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B",   "KiB", "MiB",
					     "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	size_t u = 0;

	while (v >= 1024.0 && u < ARRAY_SIZE(units) - 1) {
		v /= 1024.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%" PRIu64 " B", bytes);
	else
		snprintf(buf, len, "%.2f %s", v, units[u]);
	return buf;
}

double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int str_list_vadd(struct str_list *l, int tag, bool unique,
			 const char *fmt, va_list ap)
{
	struct str_entry *grown;
	char *s;
	size_t i;

	if (vasprintf(&s, fmt, ap) < 0)
		return l->err = -ENOMEM;
	for (i = 0; unique && i < l->n; i++) {
		if (!strcmp(l->v[i].text, s)) {
			free(s);
			return 0;
		}
	}
	grown = realloc(l->v, (l->n + 1) * sizeof(*l->v));
	if (!grown) {
		free(s);
		return l->err = -ENOMEM;
	}
	l->v = grown;
	l->v[l->n].text = s;
	l->v[l->n++].tag = tag;
	return 0;
}

int str_list_add(struct str_list *l, int tag, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = str_list_vadd(l, tag, false, fmt, ap);
	va_end(ap);
	return ret;
}

int str_list_add_new(struct str_list *l, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = str_list_vadd(l, 0, true, fmt, ap);
	va_end(ap);
	return ret;
}

void str_list_free(struct str_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].text);
	free(l->v);
	l->v = NULL;
	l->n = 0;
	l->err = 0;
}
