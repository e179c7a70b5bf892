// SPDX-License-Identifier: GPL-2.0-or-later
/* Size parsing and formatting. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "check.h"
#include "util.h"

struct size_case {
	const char *in;
	uint64_t block;
	int ret;
	uint64_t out;
};

static const struct size_case cases[] = {
	{ "0", 0, 0, 0 },
	{ "4096", 0, 0, 4096 },
	{ "0x1000", 0, 0, 4096 },
	{ "1k", 0, 0, 1024 },
	{ "1K", 0, 0, 1024 },
	{ "4KiB", 0, 0, 4096 },
	{ "1kB", 0, 0, 1000 },
	{ "1M", 0, 0, 1048576 },
	{ "2MiB", 0, 0, 2097152 },
	{ "3MB", 0, 0, 3000000 },
	{ "1G", 0, 0, 1073741824ULL },
	{ "1GiB", 0, 0, 1073741824ULL },
	{ "2GB", 0, 0, 2000000000ULL },
	{ "1T", 0, 0, 1099511627776ULL },
	{ "1TB", 0, 0, 1000000000000ULL },
	{ "8s", 512, 0, 4096 },
	{ "8s", 4096, 0, 32768 },
	{ "8s", 0, -EINVAL, 0 },
	{ "", 0, -EINVAL, 0 },
	{ "-1", 0, -EINVAL, 0 },
	{ " 1", 0, -EINVAL, 0 },
	{ "1.5M", 0, -EINVAL, 0 },
	{ "1X", 0, -EINVAL, 0 },
	{ "M", 0, -EINVAL, 0 },
	/* Leading zeros are decimal; hex only with 0x (issue 10 item 6). */
	{ "010", 0, 0, 10 },
	{ "08", 0, 0, 8 },
	{ "0009k", 0, 0, 9216 },
	{ "0x10", 0, 0, 16 },
	{ "0X1F", 0, 0, 31 },
	{ "0x", 0, -EINVAL, 0 },
	{ "0x-1", 0, -EINVAL, 0 },
	{ "1 M", 0, -EINVAL, 0 },
	{ "18446744073709551615", 0, 0, 18446744073709551615ULL },
	{ "18446744073709551616", 0, -ERANGE, 0 },
	{ "17179869184G", 0, -ERANGE, 0 },
	{ "36028797018963968s", 512, -ERANGE, 0 },
};

static void test_parse(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t out = 0xdead;
		int ret = parse_size(cases[i].in, cases[i].block, &out);

		if (ret != cases[i].ret)
			fprintf(stderr,
				"case '%s' (block %" PRIu64 "): ret %d\n",
				cases[i].in, cases[i].block, ret);
		CHECK(ret == cases[i].ret);
		if (ret == 0)
			CHECK_EQ_U64(out, cases[i].out);
	}
}

static void test_format(void)
{
	char buf[32];

	CHECK(!strcmp(format_size(512, buf, sizeof(buf)), "512 B"));
	CHECK(!strcmp(format_size(1536, buf, sizeof(buf)), "1.50 KiB"));
	CHECK(!strcmp(format_size(64 * MIB, buf, sizeof(buf)), "64.00 MiB"));
	CHECK(!strcmp(format_size(3 * GIB / 2, buf, sizeof(buf)), "1.50 GiB"));
}

static void test_aligned(void)
{
	CHECK(is_aligned(4096, 512) && !is_aligned(4097, 512));
	CHECK(is_aligned(4097, 0));
}

int main(void)
{
	test_parse();
	test_format();
	test_aligned();
	CHECK_DONE();
}
