// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Protection information through the passthrough engine, without a
 * device: the PRINFO bits, ILBRT and application tag fields of Read and
 * Write, the reference tag rewrite for DST's LBAs (and the blocks whose
 * PI disables checking), the metadata pointer each command gets, the
 * format rules (which PI formats are carried, which pairs), and the
 * sysfs fallback on kernels without integrity/tuple_size.
 */
#include <endian.h>
#include <libnvme.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fakeroot.h"
#include "nvme-passthru.h"
#include "sysfs.h"
#include "util.h"

#define PRINFO(x) ((x) << PASSTHRU_PRINFO_SHIFT)

static void test_encode(void)
{
	struct passthru_ns ns = { .lba_size = 512, .lba_shift = 9 };
	struct passthru_rw_fields rw;

	/* No PI: the block count only, nothing else. */
	passthru_rw_encode(&ns, false, 0x123456789ULL, 8, &rw);
	CHECK_EQ_U64(rw.cdw12, 7);
	CHECK_EQ_U64(rw.cdw14, 0);
	CHECK_EQ_U64(rw.cdw15, 0);

	/*
	 * Type 1 with a metadata buffer: PRACT 0, guard and reference tag
	 * checked (PRINFO 0101b, cdw12 bits 29:26), ILBRT the SLBA's low
	 * 32 bits, application tag and mask 0 (never checked).
	 */
	ns.pi_type = 1;
	ns.metadata_size = 8;
	passthru_rw_encode(&ns, true, 0x123456789ULL, 8, &rw);
	CHECK_EQ_U64(rw.cdw12, 7 | PRINFO(0x5));
	CHECK_EQ_U64(rw.cdw12, 0x14000007);
	CHECK_EQ_U64(rw.cdw14, 0x23456789);
	CHECK_EQ_U64(rw.cdw15, 0);
	/* Without one: the controller strips or generates it (PRACT 1). */
	passthru_rw_encode(&ns, false, 0x123456789ULL, 8, &rw);
	CHECK_EQ_U64(rw.cdw12, 7 | PRINFO(0xd));
	CHECK_EQ_U64(rw.cdw14, 0x23456789);
	/* Type 2: a reference tag too. */
	ns.pi_type = 2;
	passthru_rw_encode(&ns, true, 4096, 65536, &rw);
	CHECK_EQ_U64(rw.cdw12, 65535 | PRINFO(0x5));
	CHECK_EQ_U64(rw.cdw14, 4096);
	/* Type 3 has none: guard only, ILBRT 0. */
	ns.pi_type = 3;
	passthru_rw_encode(&ns, true, 4096, 1, &rw);
	CHECK_EQ_U64(rw.cdw12, PRINFO(0x4));
	CHECK_EQ_U64(rw.cdw14, 0);
	CHECK_EQ_U64(rw.cdw15, 0);
}

/* One 8-byte tuple: guard, application tag, reference tag, big-endian. */
static void put_tuple(unsigned char *t, uint16_t guard, uint16_t app,
		      uint32_t ref)
{
	guard = htobe16(guard);
	app = htobe16(app);
	ref = htobe32(ref);
	memcpy(t, &guard, 2);
	memcpy(t + 2, &app, 2);
	memcpy(t + 4, &ref, 4);
}

static uint32_t ref_of(const unsigned char *t)
{
	uint32_t ref;

	memcpy(&ref, t + 4, 4);
	return be32toh(ref);
}

static uint16_t guard_of(const unsigned char *t)
{
	uint16_t g;

	memcpy(&g, t, 2);
	return be16toh(g);
}

static void test_retag(void)
{
	struct passthru_ns ns = { .lba_size = 512,
				  .lba_shift = 9,
				  .metadata_size = 8,
				  .pi_type = 1 };
	unsigned char meta[4 * 8];
	uint32_t i;

	/* SRC's blocks 100-103; block 2 never written (all FFh). */
	for (i = 0; i < 4; i++)
		put_tuple(meta + i * 8, 0x1000 + i, 0x0042, 100 + i);
	memset(meta + 16, 0xff, 8);
	/* To DST's LBA 0x1fffffffe: the low 32 bits, wrapping. */
	CHECK_EQ_U64(passthru_pi_retag(&ns, meta, 0x1fffffffeULL, 4), 1);
	CHECK_EQ_U64(ref_of(meta), 0xfffffffe);
	CHECK_EQ_U64(ref_of(meta + 8), 0xffffffff);
	CHECK_EQ_U64(ref_of(meta + 16), 0xffffffff); /* kept as it was */
	CHECK_EQ_U64(ref_of(meta + 24), 1);
	/* Guards and application tags travel unchanged. */
	for (i = 0; i < 4; i++)
		if (i != 2)
			CHECK_EQ_U64(guard_of(meta + i * 8), 0x1000 + i);
	CHECK(!memcmp(meta + 2, "\x00\x42", 2));
	CHECK(!memcmp(meta + 18, "\xff\xff", 2));

	/* Type 2 follows the LBA the same way. */
	ns.pi_type = 2;
	put_tuple(meta, 1, 0, 7);
	CHECK_EQ_U64(passthru_pi_retag(&ns, meta, 5000, 1), 0);
	CHECK_EQ_U64(ref_of(meta), 5000);

	/*
	 * Type 3: no reference tag to rewrite; checking is off only with
	 * both tags all ones.
	 */
	ns.pi_type = 3;
	put_tuple(meta, 1, 0xffff, 0x1234);
	put_tuple(meta + 8, 2, 0xffff, 0xffffffff);
	put_tuple(meta + 16, 3, 0x0001, 0x5555);
	CHECK_EQ_U64(passthru_pi_retag(&ns, meta, 9, 3), 1);
	CHECK_EQ_U64(ref_of(meta), 0x1234);
	CHECK_EQ_U64(ref_of(meta + 16), 0x5555);

	/* 16 bytes of metadata, PI in the last 8 (DPS bit 3 clear)... */
	ns.pi_type = 1;
	ns.metadata_size = 16;
	memset(meta, 0xab, 32);
	put_tuple(meta + 8, 9, 0, 0);
	put_tuple(meta + 24, 9, 0, 0);
	CHECK_EQ_U64(passthru_pi_retag(&ns, meta, 77, 2), 0);
	CHECK_EQ_U64(ref_of(meta + 8), 77);
	CHECK_EQ_U64(ref_of(meta + 24), 78);
	CHECK_EQ_U64(meta[0], 0xab);
	/* ...or in the first 8 (bit 3 set). */
	ns.pi_first = true;
	memset(meta, 0xab, 32);
	put_tuple(meta, 9, 0, 0);
	CHECK_EQ_U64(passthru_pi_retag(&ns, meta, 300, 1), 0);
	CHECK_EQ_U64(ref_of(meta), 300);
	CHECK_EQ_U64(meta[8], 0xab);
}

/* Commands into the copy's buffer carry its metadata; others PRACT. */
static void test_prep_metadata(void)
{
	static char data[4 * 4096];
	unsigned char meta[8 * 8], counted[1] = { 0 };
	struct passthru_pi pi = { .data = data,
				  .data_len = sizeof(data),
				  .meta = meta,
				  .counted = counted };
	struct passthru_ns ns = { .nsid = 1,
				  .lba_size = 4096,
				  .lba_shift = 12,
				  .metadata_size = 8,
				  .pi_type = 1,
				  .pi = &pi };
	struct io_uring_sqe sqe[2];
	struct nvme_uring_cmd *cmd = (struct nvme_uring_cmd *)sqe[0].cmd;
	char other[4096];
	uint32_t i;

	/* A read of blocks 1-2 of the buffer: their metadata, PRACT 0. */
	passthru_prep(sqe, 3, &ns, false, data + 4096, 8192, 40960);
	CHECK_EQ_U64(cmd->metadata, (uintptr_t)(meta + 8));
	CHECK_EQ_U64(cmd->metadata_len, 16);
	CHECK_EQ_U64(cmd->cdw12, 1 | PRINFO(0x5));
	CHECK_EQ_U64(cmd->cdw14, 10);
	CHECK_EQ_U64(pi.written_blocks, 0);

	/* The write of the same blocks to LBA 20: retagged, counted. */
	for (i = 0; i < 8; i++)
		put_tuple(meta + i * 8, 0x77, 0, 10 + i);
	memset(meta + 16, 0xff, 8); /* block 2: checking off */
	passthru_prep(sqe, 3, &ns, true, data + 4096, 8192, 20 * 4096);
	CHECK_EQ_U64(cmd->opcode, PASSTHRU_OP_WRITE);
	CHECK_EQ_U64(cmd->metadata, (uintptr_t)(meta + 8));
	CHECK_EQ_U64(cmd->metadata_len, 16);
	CHECK_EQ_U64(cmd->cdw12, 1 | PRINFO(0x5));
	CHECK_EQ_U64(cmd->cdw14, 20);
	CHECK_EQ_U64(ref_of(meta + 8), 20);
	CHECK_EQ_U64(ref_of(meta + 16), 0xffffffff);
	CHECK_EQ_U64(ref_of(meta), 10); /* not in the command: untouched */
	CHECK_EQ_U64(pi.written_blocks, 2);
	CHECK_EQ_U64(pi.unchecked_blocks, 1);
	/* Sent again (a retry, narrowing): the same blocks, not counted again. */
	passthru_prep(sqe, 3, &ns, true, data + 4096, 4096, 20 * 4096);
	CHECK_EQ_U64(cmd->cdw14, 20);
	CHECK_EQ_U64(pi.written_blocks, 2);
	CHECK_EQ_U64(pi.unchecked_blocks, 1);
	/* Read again, written again: counted again. */
	passthru_prep(sqe, 3, &ns, false, data + 8192, 4096, 0);
	passthru_prep(sqe, 3, &ns, true, data + 8192, 4096, 21 * 4096);
	CHECK_EQ_U64(pi.written_blocks, 3);
	CHECK_EQ_U64(pi.unchecked_blocks, 2);

	/* Another buffer (system memory): no metadata, the controller's PI. */
	passthru_prep(sqe, 3, &ns, true, other, 4096, 0);
	CHECK_EQ_U64(cmd->metadata, 0);
	CHECK_EQ_U64(cmd->metadata_len, 0);
	CHECK_EQ_U64(cmd->cdw12, PRINFO(0xd));
	CHECK_EQ_U64(pi.written_blocks, 3);
	/* Running past the buffer's end: not the buffer's either. */
	passthru_prep(sqe, 3, &ns, false, data + 12288, 8192, 0);
	CHECK_EQ_U64(cmd->metadata, 0);
	CHECK_EQ_U64(cmd->cdw12, 1 | PRINFO(0xd));
	/* No PI on the namespace: no metadata even inside the buffer. */
	ns.pi_type = 0;
	ns.metadata_size = 0;
	passthru_prep(sqe, 3, &ns, false, data, 4096, 0);
	CHECK_EQ_U64(cmd->metadata, 0);
	CHECK_EQ_U64(cmd->cdw12, 0);
}

static void test_identify_pi(void)
{
	struct nvme_id_ns id;
	struct passthru_ns ns;

	memset(&id, 0, sizeof(id));
	memset(&ns, 0, sizeof(ns));
	id.nsze = htole64(1000);
	id.lbaf[0].ds = 9;
	id.lbaf[0].ms = htole16(8);
	id.dps = 1 | NVME_NS_DPS_PI_FIRST;
	CHECK_EQ_U64(passthru_geometry_from_identify(&id, &ns), 0);
	CHECK_EQ_U64(ns.pi_type, 1);
	CHECK(ns.pi_first);
	CHECK(!ns.extended_lba);
	/* FLBAS bit 4: metadata interleaved with the data. */
	id.flbas = NVME_NS_FLBAS_META_EXT;
	id.dps = 3;
	CHECK_EQ_U64(passthru_geometry_from_identify(&id, &ns), 0);
	CHECK_EQ_U64(ns.pi_type, 3);
	CHECK(!ns.pi_first);
	CHECK(ns.extended_lba);
}

static void test_formats(void)
{
	struct passthru_ns a = { .lba_size = 512,
				 .metadata_size = 8,
				 .pi_type = 1,
				 .kernel_integrity = true };
	struct passthru_ns b = a;
	char text[320];
	const char *why;

	CHECK(!passthru_format_problem(&a));
	CHECK(!passthru_pair_problem(&a, &b, text, sizeof(text)));
	a.extended_lba = true;
	why = passthru_format_problem(&a);
	CHECK(why && strstr(why, "interleaved"));
	a.extended_lba = false;
	a.kernel_integrity = false;
	why = passthru_format_problem(&a);
	CHECK(why && strstr(why, "CONFIG_BLK_DEV_INTEGRITY"));
	/* Metadata without PI, kernel profile "nop": still not carried. */
	a.pi_type = 0;
	a.kernel_integrity = true;
	why = passthru_format_problem(&a);
	CHECK(why && strstr(why, "not protection information"));
	a.pi_type = 1;
	a.kernel_integrity = true;
	a.metadata_size = 16;
	why = passthru_format_problem(&a);
	CHECK(why && strstr(why, "more metadata"));
	a.metadata_size = 8;
	a.pi_format_other = true;
	why = passthru_format_problem(&a);
	CHECK(why && strstr(why, "64-bit guard"));
	a.pi_format_other = false;
	a.pi_type = 0;
	why = passthru_format_problem(&a);
	CHECK(why && strstr(why, "not protection information"));

	/* A pair: both formats named. */
	a.pi_type = 1;
	b.pi_type = 3;
	why = passthru_pair_problem(&a, &b, text, sizeof(text));
	CHECK(why &&
	      strstr(why,
		     "SRC has 512-byte blocks, 8 bytes of metadata, protection information type 1, DST 512-byte blocks, 8 bytes of metadata, protection information type 3"));
	b.pi_type = 0;
	b.metadata_size = 0;
	why = passthru_pair_problem(&a, &b, text, sizeof(text));
	CHECK(why && strstr(why, "DST 512-byte blocks, no metadata"));
	why = passthru_pair_problem(&b, &a, text, sizeof(text));
	CHECK(why && strstr(why, "SRC has 512-byte blocks, no metadata"));
	/* Neither side has PI: nothing to carry, no problem. */
	a.pi_type = 0;
	CHECK(!passthru_pair_problem(&a, &b, text, sizeof(text)));
	b = a;
	b.pi_type = 1;
	b.lba_size = 4096;
	a.pi_type = 1;
	CHECK(passthru_pair_problem(&a, &b, text, sizeof(text)) != NULL);
}

/*
 * Without identify, sysfs: the protection type from the integrity
 * profile's name (Linux 7.x has no integrity/tuple_size).
 */
static void test_sysfs_format(void)
{
	struct disk_info disk = { .name = "nvme4n1",
				  .kind = DISK_NVME,
				  .logical_block_size = 512 };
	const char *why;

	fake_put("/sys/block/nvme4n1/size", "131072\n");
	fake_put("/sys/block/nvme4n1/metadata_bytes", "8\n");
	fake_put("/sys/block/nvme4n1/integrity/format", "T10-DIF-TYPE3-CRC\n");
	fake_put("/sys/block/nvme4n1/integrity/read_verify", "1\n");
	fake_put("/sys/block/nvme4n1/integrity/write_generate", "1\n");
	sysfs_set_root(fake_root);
	CHECK(!passthru_format_problem_sysfs(&disk));
	/* A 64-bit guard profile is not carried. */
	fake_put("/sys/block/nvme4n1/integrity/format",
		 "EXT-DIF-TYPE1-CRC64\n");
	why = passthru_format_problem_sysfs(&disk);
	CHECK(why && strstr(why, "64-bit guard"));
	/* Metadata and no profile: the kernel takes no metadata buffer. */
	fake_put("/sys/block/nvme4n1/integrity/format", "none\n");
	why = passthru_format_problem_sysfs(&disk);
	CHECK(why && strstr(why, "no integrity profile"));
	sysfs_set_root(NULL);
}

int main(void)
{
	if (fake_root_make("p2pcp-test-pi"))
		return 1;
	test_encode();
	test_retag();
	test_prep_metadata();
	test_identify_pi();
	test_formats();
	test_sysfs_format();
	if (!check_failures)
		fake_root_remove();
	CHECK_DONE();
}
