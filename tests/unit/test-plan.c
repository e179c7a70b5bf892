// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * copy_plan_range(): every refusal of a range, by reason code, on
 * endpoints built by hand (no files, no sysfs).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "copy.h"
#include "depth-tuner.h"
#include "pipeline.h"

#define KIB 1024ULL
#define MIB (1024 * KIB)

enum { FILE_EP, BLOCK_EP };

struct plan_case {
	const char *name;
	const char *src_offset, *dst_offset, *length; /* NULL: default */
	uint64_t chunk;
	int dst_kind;
	uint64_t dst_size;
	bool same; /* DST is the same file or device as SRC */
	enum plan_reason want;
	uint64_t want_length, want_tail;
};

/* SRC: a 5 MiB + 123 byte file with 4096-byte O_DIRECT alignment. */
#define SRC_SIZE (5 * MIB + 123)

static const struct plan_case cases[] = {
	{ "whole file", NULL, NULL, NULL, MIB, FILE_EP, 0, false, PLAN_OK,
	  SRC_SIZE, 123 },
	{ "range", "4096", "8192", "1M", MIB, FILE_EP, 0, false, PLAN_OK, MIB,
	  0 },
	{ "sectors", "2s", "8s", "3s", 4096, BLOCK_EP, 8 * MIB, false, PLAN_OK,
	  3 * 4096, 0 },
	{ "src offset syntax", "x", NULL, NULL, MIB, FILE_EP, 0, false,
	  PLAN_SRC_OFFSET_SYNTAX },
	{ "src offset range", "99999999999999999999", NULL, NULL, MIB, FILE_EP,
	  0, false, PLAN_SRC_OFFSET_RANGE },
	{ "dst offset syntax", NULL, "-1", NULL, MIB, FILE_EP, 0, false,
	  PLAN_DST_OFFSET_SYNTAX },
	{ "dst offset range", NULL, "17179869184T", NULL, MIB, FILE_EP, 0,
	  false, PLAN_DST_OFFSET_RANGE },
	{ "length syntax", NULL, NULL, "1.5M", MIB, FILE_EP, 0, false,
	  PLAN_LENGTH_SYNTAX },
	{ "length range", NULL, NULL, "18446744073709551616", MIB, FILE_EP, 0,
	  false, PLAN_LENGTH_RANGE },
	{ "src offset past end", "1G", NULL, NULL, MIB, FILE_EP, 0, false,
	  PLAN_SRC_OFFSET_PAST_END },
	{ "length zero", NULL, NULL, "0", MIB, FILE_EP, 0, false, PLAN_OK, 0,
	  0 },
	{ "length zero at SRC's end", "5M", NULL, "0", MIB, FILE_EP, 0, false,
	  PLAN_OK, 0, 0 },
	{ "past src end", "4096", NULL, "5M", MIB, FILE_EP, 0, false,
	  PLAN_PAST_SRC_END },
	{ "dst end past 2^63-1", NULL, "9223372036854771712", "8192", MIB,
	  FILE_EP, 0, false, PLAN_DST_END_OVERFLOW },
	{ "file dst: hole before the range", NULL, "9223372036854767616",
	  "4096", MIB, FILE_EP, 0, false, PLAN_DST_OFFSET_PAST_END },
	{ "file dst: extend from its end", NULL, "8M", "4096", MIB, FILE_EP, 0,
	  false, PLAN_OK, 4096, 0 },
	{ "file dst: just past its end", NULL, "8200k", "4096", MIB, FILE_EP, 0,
	  false, PLAN_DST_OFFSET_PAST_END },
	{ "dst offset 2^63", NULL, "9223372036854775808", "4096", MIB, FILE_EP,
	  0, false, PLAN_DST_OFFSET_RANGE },
	{ "src offset 2^64-1", "18446744073709551615", NULL, NULL, MIB, FILE_EP,
	  0, false, PLAN_SRC_OFFSET_RANGE },
	{ "length 2^63", NULL, NULL, "8388608T", MIB, FILE_EP, 0, false,
	  PLAN_LENGTH_RANGE },
	{ "dst too small", NULL, NULL, "2M", MIB, BLOCK_EP, MIB, false,
	  PLAN_DST_TOO_SMALL },
	{ "src offset unaligned", "100", NULL, "4096", MIB, FILE_EP, 0, false,
	  PLAN_SRC_OFFSET_UNALIGNED },
	{ "dst offset unaligned", NULL, "100", "4096", MIB, FILE_EP, 0, false,
	  PLAN_DST_OFFSET_UNALIGNED },
	{ "tail on a block device", NULL, NULL, "4097", MIB, BLOCK_EP, 8 * MIB,
	  false, PLAN_TAIL_ON_BLOCK_DST },
	{ "overlap", "0", "512k", "1M", MIB, FILE_EP, 0, true, PLAN_OVERLAP },
	{ "overlap backwards", "512k", "0", "1M", MIB, FILE_EP, 0, true,
	  PLAN_OVERLAP },
	{ "same file, disjoint", "0", "1M", "1M", MIB, FILE_EP, 0, true,
	  PLAN_OK, MIB, 0 },
	{ "chunk unaligned", NULL, NULL, "4096", 1000, FILE_EP, 0, false,
	  PLAN_CHUNK_UNALIGNED },
};

static void make_plan(const struct plan_case *c, struct copy_plan *p)
{
	memset(p, 0, sizeof(*p));
	p->src.path = "src";
	p->src.kind = ENDPOINT_FILE;
	p->src.size = SRC_SIZE;
	p->src.dio_align = 4096;
	p->src.st_dev = 1;
	p->src.st_ino = 10;
	p->dst.path = "dst";
	p->dst.kind = c->dst_kind == BLOCK_EP ? ENDPOINT_BLOCK : ENDPOINT_FILE;
	p->dst.size = c->dst_size ? c->dst_size : 8 * MIB;
	p->dst.dio_align = 512;
	p->dst.st_dev = 1;
	p->dst.st_ino = c->same ? 10 : 11;
	p->dst.st_rdev = c->dst_kind == BLOCK_EP ? 259 : 0;
	/* Storage: SRC's file; DST the same file, or another one. */
	p->src.storage.count = p->dst.storage.count = 1;
	p->src.storage.layer[0] =
		(struct storage_layer){ .kind = LAYER_FILE,
					.map = MAP_EXACT,
					.dev = 1,
					.ino = 10,
					.limit = UINT64_MAX,
					.name = "the same file" };
	p->dst.storage.layer[0] = p->src.storage.layer[0];
	p->dst.storage.layer[0].ino = c->same ? 10 : 11;
}

static void test_case(const struct plan_case *c)
{
	struct copy_request rq = {
		.src_offset = c->src_offset,
		.dst_offset = c->dst_offset,
		.length = c->length,
		.chunk_size = c->chunk,
		.queue_depth = 4,
	};
	struct copy_plan p;
	enum plan_reason got;

	make_plan(c, &p);
	got = copy_plan_range(&rq, &p);
	if (got != c->want) {
		fprintf(stderr, "%s: reason %d, expected %d\n", c->name, got,
			c->want);
		check_failures++;
		return;
	}
	if (got != PLAN_OK)
		return;
	CHECK_EQ_U64(p.length, c->want_length);
	CHECK_EQ_U64(p.tail, c->want_tail);
	CHECK_EQ_U64(p.direct_length + p.tail, p.length);
	CHECK_EQ_U64(p.geometry.align, 4096);
	/* Chunks as asked, unless the whole transfer is smaller. */
	if (p.direct_length >= c->chunk)
		CHECK_EQ_U64(p.geometry.chunk_size, c->chunk);
	CHECK((uint64_t)p.geometry.chunk_size * p.geometry.queue_depth <=
	      p.geometry.buffer_size);
	/* Only a whole-file copy to a file sets DST's size (to SRC's). */
	CHECK(p.dst_resize == (c->dst_kind == FILE_EP && !c->src_offset &&
			       !c->dst_offset && !c->length));
	if (p.dst_resize)
		CHECK_EQ_U64(p.dst_new_size, SRC_SIZE);
}

/* The buffer: rounded up to a page, never beyond what the copy moves. */
static void test_buffer_want(void)
{
	struct copy_plan p;
	long page = sysconf(_SC_PAGESIZE);

	memset(&p, 0, sizeof(p));
	p.geometry.align = 512;
	p.geometry.chunk_size = 512;
	p.geometry.queue_depth = 1;
	p.direct_length = 8 * MIB;
	CHECK_EQ_U64(copy_buffer_want(&p), page); /* below a page: up */
	p.geometry.chunk_size = 64 * MIB;
	p.geometry.queue_depth = 16;
	p.direct_length = 4096;
	CHECK_EQ_U64(copy_buffer_want(&p), page); /* not 1 GiB */
	p.direct_length = 3 * MIB + 512;
	CHECK_EQ_U64(copy_buffer_want(&p), 3 * MIB + page);
	p.direct_length = 8ULL << 30;
	CHECK_EQ_U64(copy_buffer_want(&p), 1ULL << 30);
	p.geometry.align = 65536;
	p.geometry.chunk_size = 65536;
	p.geometry.queue_depth = 1;
	CHECK_EQ_U64(copy_buffer_want(&p), 65536); /* a block above a page */
	p.direct_length = 0;
	CHECK_EQ_U64(copy_buffer_want(&p), 65536);
	/* Byte-granular O_DIRECT: one byte past a page takes two. */
	p.geometry.align = 1;
	p.geometry.chunk_size = 64 * MIB;
	p.geometry.queue_depth = 16;
	p.direct_length = (uint64_t)page + 1;
	CHECK_EQ_U64(copy_buffer_want(&p), 2 * page);
}

/*
 * The geometry is fitted once, by copy_plan_range(), to the range: what
 * --dry-run prints is what runs (issue 18 item 6).
 */
static void test_geometry(void)
{
	static const struct {
		const char *length;
		uint64_t chunk;
		uint32_t depth;
		uint32_t want_chunk, want_depth;
		size_t want_buffer;
	} g[] = {
		{ "1M", MIB, 256, MIB, 1, MIB },
		{ "4096", 64 * MIB, 8, 4096, 1, 4096 },
		{ "96K", 64 * KIB, 8, 64 * KIB, 1, 96 * KIB },
		{ "4M", MIB, 8, MIB, 4, 4 * MIB },
		{ "5M", MIB, 2, MIB, 2, 2 * MIB },
	};
	const struct plan_case c = { .dst_kind = FILE_EP };
	struct copy_request rq = { 0 };
	struct copy_plan p;
	size_t i;

	for (i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		make_plan(&c, &p);
		rq.length = g[i].length;
		rq.chunk_size = g[i].chunk;
		rq.queue_depth = g[i].depth;
		CHECK(copy_plan_range(&rq, &p) == PLAN_OK);
		CHECK_EQ_U64(p.geometry.chunk_size, g[i].want_chunk);
		CHECK_EQ_U64(p.geometry.queue_depth, g[i].want_depth);
		CHECK_EQ_U64(p.geometry.buffer_size, g[i].want_buffer);
		CHECK_EQ_U64(copy_buffer_want(&p), g[i].want_buffer);
	}
}

/*
 * Whether the depth may be tuned is said by the plan before the copy:
 * it must be what the pipeline then decides, from the count of chunks
 * it cuts the O_DIRECT part into (pipeline_chunks_make), at every
 * length up to past the "short copy" bound, whole last chunk or not.
 */
static void test_depth_may_tune(void)
{
	const struct plan_case c = { .dst_kind = FILE_EP };
	const uint32_t chunk = 8192;
	struct copy_request rq = { .chunk_size = chunk, .queue_depth = 2 };
	struct pipeline_chunks cut;
	unsigned int n, half, tuned = 0, short_copies = 0;
	char length[32];
	struct copy_plan p;
	bool want;

	for (n = 1; n * (uint64_t)chunk <= SRC_SIZE - chunk; n++) {
		for (half = 0; half < 2; half++) {
			make_plan(&c, &p);
			snprintf(length, sizeof(length), "%u",
				 n * chunk - half * 4096);
			rq.length = length;
			CHECK(copy_plan_range(&rq, &p) == PLAN_OK);
			CHECK(pipeline_chunks_make(
				      p.direct_length, p.geometry.chunk_size,
				      p.geometry.align, &cut) == 0);
			want = !depth_tuner_fixed_why(p.geometry.queue_depth,
						      cut.count, true);
			if (p.geometry.depth_may_tune != want) {
				fprintf(stderr,
					"length %s: the plan says %d, the pipeline %d\n",
					length, p.geometry.depth_may_tune,
					want);
				check_failures++;
			}
			tuned += want;
			short_copies += !want;
		}
	}
	/* Both sides of the bound were seen. */
	CHECK(tuned > 0 && short_copies > 0);
}

int main(void)
{
	test_buffer_want();
	test_geometry();
	test_depth_may_tune();
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		test_case(&cases[i]);
	CHECK_DONE();
}
