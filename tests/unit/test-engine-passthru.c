// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The passthrough engine's session as p2pcp-engine.c sets it up
 * (engine_passthru, engine_passthru_arrival), without NVMe devices:
 * opening, the PI buffer, the preflight and the arrival probe are
 * wrapped at link time, and each plays a kernel that accepts or
 * refuses.  What is checked is what the copy then uses: the session's
 * descriptors, backend and per-side contexts, the plan's engine, the
 * command size and why, and the block engine's refusal it records.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "p2pcp.h"

/* What the wrapped calls are told to do, and what they were given. */
static struct {
	int open_ret, attach_ret, preflight_ret;
	bool pi, lost;
	int opens, attaches, preflights, arrivals, limit_texts;
	/* The block engine: O_DIRECT, its preflight (the arrival probe). */
	int direct_ret, block_ret, direct_calls, block_preflights;
	enum copy_side direct_side;
	uint64_t src_offset, dst_offset, length;
	const struct endpoint *src, *dst;
	void *buf;
	size_t len;
	bool contiguous;
} fake;

static unsigned char pi_meta[64];

int __wrap_passthru_session_open(struct passthru_session *ps,
				 const struct endpoint *src,
				 uint64_t src_offset,
				 const struct endpoint *dst,
				 uint64_t dst_offset, uint64_t length,
				 struct passthru_failure *why);
int __wrap_passthru_session_attach(struct passthru_session *ps, void *buf,
				   size_t len);
int __wrap_passthru_session_preflight(struct passthru_session *ps, void *buf,
				      size_t buf_len, uint64_t src_offset,
				      uint64_t dst_offset, uint64_t length,
				      struct passthru_failure *why);
void __wrap_passthru_session_limit_text(const struct passthru_session *ps,
					bool contiguous, char *buf, size_t len);
int __wrap_copy_phase_preflight(const struct copy_session *s,
				struct copy_outcome *out);
int __wrap_copy_direct_io(const struct copy_plan *p, bool on,
			  enum copy_side *side);

int __wrap_passthru_session_open(struct passthru_session *ps,
				 const struct endpoint *src,
				 uint64_t src_offset,
				 const struct endpoint *dst,
				 uint64_t dst_offset, uint64_t length,
				 struct passthru_failure *why)
{
	fake.opens++;
	fake.src = src;
	fake.dst = dst;
	fake.src_offset = src_offset;
	fake.dst_offset = dst_offset;
	fake.length = length;
	passthru_session_init(ps);
	if (fake.open_ret) {
		why->why = PT_BUSY;
		why->side = 0;
		why->error = fake.open_ret;
		return fake.open_ret;
	}
	/* Descriptor numbers only: nothing here reads or closes them. */
	ps->chr_fd[0] = 41;
	ps->chr_fd[1] = 42;
	ps->pieces.contiguous = 128 * 1024;
	ps->pieces.any = 64 * 1024;
	passthru_backend_init(&ps->backend, &ps->pieces);
	return 0;
}

int __wrap_passthru_session_attach(struct passthru_session *ps, void *buf,
				   size_t len)
{
	fake.attaches++;
	fake.buf = buf;
	fake.len = len;
	if (fake.attach_ret)
		return fake.attach_ret;
	if (fake.pi)
		ps->pi.meta = pi_meta;
	return 0;
}

int __wrap_passthru_session_preflight(struct passthru_session *ps, void *buf,
				      size_t buf_len, uint64_t src_offset,
				      uint64_t dst_offset, uint64_t length,
				      struct passthru_failure *why)
{
	fake.preflights++;
	CHECK(buf == fake.buf && buf_len == fake.len);
	CHECK(src_offset == fake.src_offset && dst_offset == fake.dst_offset &&
	      length == fake.length);
	if (fake.preflight_ret) {
		why->why = PT_IO;
		why->side = 1;
		why->error = fake.preflight_ret;
	}
	return fake.preflight_ret;
}

void __wrap_passthru_session_limit_text(const struct passthru_session *ps,
					bool contiguous, char *buf, size_t len)
{
	fake.limit_texts++;
	fake.contiguous = contiguous;
	snprintf(buf, len, "%s", contiguous ? "contiguous" : "any");
}

/*
 * The preflight through the block engine (no backend yet) refuses with
 * block_ret; through passthrough's backend it loses data if told to.
 */
int __wrap_copy_phase_preflight(const struct copy_session *s,
				struct copy_outcome *out)
{
	if (!s->backend) {
		fake.block_preflights++;
		memset(out, 0, sizeof(*out));
		out->pipeline.error = fake.block_ret;
		out->pipeline.fail_side = fake.block_ret ? COPY_SIDE_WRITE :
							   COPY_SIDE_NONE;
		return fake.block_ret;
	}
	fake.arrivals++;
	if (fake.lost)
		out->pipeline.error = -EPROTO;
	return fake.lost ? -EPROTO : 0;
}

int __wrap_copy_direct_io(const struct copy_plan *p, bool on,
			  enum copy_side *side)
{
	fake.direct_calls++;
	CHECK(on);
	*side = fake.direct_ret ? fake.direct_side : COPY_SIDE_NONE;
	return fake.direct_ret;
}

static char buffer[4096];
static struct copy_plan plan;

/* A P2P copy of 1 MiB at offsets 4096 and 8192, 64 KiB chunks. */
static void session(struct copy_session *s, struct passthru_session *pt,
		    bool p2p)
{
	memset(&fake, 0, sizeof(fake));
	memset(&plan, 0, sizeof(plan));
	plan.p2p = p2p;
	plan.src_offset = 4096;
	plan.dst_offset = 8192;
	plan.direct_length = 1 << 20;
	plan.geometry.chunk_size = 256 * 1024;
	plan.geometry.queue_depth = 4;
	plan.engine = COPY_ENGINE_BLOCK;
	plan.engine_why = ENGINE_WHY_OPTION;
	memset(s, 0, sizeof(*s));
	s->plan = &plan;
	s->buf.addr = buffer;
	s->buf.len = sizeof(buffer);
	s->io_fd[0] = 3;
	s->io_fd[1] = 4;
	passthru_session_init(pt);
}

/* Opened and checked: the copy goes through the char devices. */
static void test_session(void)
{
	struct passthru_session pt;
	struct passthru_failure f;
	struct copy_session s;

	session(&s, &pt, true);
	CHECK(engine_passthru(&s, &pt, NULL, &f) == 0);
	CHECK(fake.opens == 1 && fake.attaches == 1 && fake.preflights == 1);
	CHECK(fake.src == &plan.src && fake.dst == &plan.dst);
	CHECK_EQ_U64(fake.src_offset, 4096);
	CHECK_EQ_U64(fake.dst_offset, 8192);
	CHECK_EQ_U64(fake.length, 1 << 20);
	CHECK(fake.buf == buffer && fake.len == sizeof(buffer));
	CHECK_EQ_U64(s.io_fd[0], 41);
	CHECK_EQ_U64(s.io_fd[1], 42);
	CHECK(s.backend == &pt.backend);
	CHECK(s.src_ctx == &pt.ns[0]);
	CHECK(s.dst_ctx == &pt.ns[1]);
	CHECK(s.pi == NULL); /* no PI namespace */
	CHECK(plan.engine == COPY_ENGINE_PASSTHRU && plan.engine_decided);
	/* Asked for (--engine passthru): the plan's reason stays. */
	CHECK(plan.engine_why == ENGINE_WHY_OPTION);
	/* p2pmem, chunks of whole pages: the contiguous limit. */
	CHECK_EQ_U64(plan.max_transfer, 128 * 1024);
	CHECK(fake.limit_texts == 1 && fake.contiguous);
	CHECK(!strcmp(plan.max_transfer_reason, "contiguous"));

	/* Chunks not of whole pages: any buffer's limit, and its reason. */
	session(&s, &pt, true);
	plan.geometry.chunk_size = 256 * 1024 + 512;
	CHECK(engine_passthru(&s, &pt, NULL, &f) == 0);
	CHECK_EQ_U64(plan.max_transfer, 64 * 1024);
	CHECK(!fake.contiguous);
	CHECK(!strcmp(plan.max_transfer_reason, "any"));

	/* PI namespaces: the pipeline carries the session's PI buffer. */
	session(&s, &pt, true);
	fake.pi = true;
	CHECK(engine_passthru(&s, &pt, NULL, &f) == 0);
	CHECK(s.pi == &pt.pi);
}

/* --sysmem: no P2P page to refuse, so no preflight; any buffer's limit. */
static void test_sysmem(void)
{
	struct passthru_session pt;
	struct passthru_failure f;
	struct copy_session s;

	session(&s, &pt, false);
	fake.preflight_ret = -EREMOTEIO; /* would fail, if it were asked */
	CHECK(engine_passthru(&s, &pt, NULL, &f) == 0);
	CHECK(fake.preflights == 0);
	CHECK_EQ_U64(plan.max_transfer, 64 * 1024);
	CHECK(!fake.contiguous);
	CHECK(plan.engine == COPY_ENGINE_PASSTHRU && plan.engine_decided);
}

/* Each step that fails stops there, with its reason in @f. */
static void test_failures(void)
{
	struct passthru_session pt;
	struct passthru_failure f;
	struct copy_session s;

	session(&s, &pt, true);
	fake.open_ret = -EBUSY;
	memset(&f, 0, sizeof(f));
	CHECK(engine_passthru(&s, &pt, NULL, &f) == -1);
	CHECK(f.why == PT_BUSY && f.error == -EBUSY);
	CHECK(fake.attaches == 0 && fake.preflights == 0);
	/* The session is not the copy's until it was checked. */
	CHECK(s.backend == NULL && s.io_fd[0] == 3 && s.io_fd[1] == 4);
	CHECK(plan.engine == COPY_ENGINE_BLOCK && !plan.engine_decided);

	/* No memory for the PI buffer: an open failure, nothing else. */
	session(&s, &pt, true);
	fake.attach_ret = -ENOMEM;
	memset(&f, 0xa5, sizeof(f));
	CHECK(engine_passthru(&s, &pt, NULL, &f) == -1);
	CHECK(f.why == PT_OPEN);
	CHECK(f.error == -ENOMEM);
	CHECK_EQ_U64(f.side, 0);
	CHECK(f.nvme_status == 0 && f.chardev[0] == '\0' && !f.detail);
	CHECK(fake.preflights == 0);
	CHECK(s.backend == NULL && plan.engine == COPY_ENGINE_BLOCK);

	/* The kernel refuses P2P pages to passthrough as well. */
	session(&s, &pt, true);
	fake.preflight_ret = -EREMOTEIO;
	CHECK(engine_passthru(&s, &pt, NULL, &f) == -1);
	CHECK(f.why == PT_IO && f.error == -EREMOTEIO);
	CHECK(s.backend == NULL && plan.engine == COPY_ENGINE_BLOCK);
	CHECK(!plan.engine_decided);
}

/* auto's fallback: the plan says why, naming the block engine's refusal. */
static void test_fallback(void)
{
	struct copy_outcome refused = { .pipeline.error = -EREMOTEIO,
					.pipeline.fail_side = COPY_SIDE_WRITE };
	struct passthru_session pt;
	struct passthru_failure f;
	struct copy_session s;

	session(&s, &pt, true);
	CHECK(engine_passthru(&s, &pt, &refused, &f) == 0);
	CHECK(plan.engine == COPY_ENGINE_PASSTHRU && plan.engine_decided);
	CHECK(plan.engine_why == ENGINE_WHY_BLOCK_REFUSED);
	CHECK_EQ_U64(plan.engine_side, 1);
	CHECK(plan.engine_error == -EREMOTEIO);

	session(&s, &pt, true);
	refused.pipeline.fail_side = COPY_SIDE_READ;
	refused.pipeline.error = -EINVAL;
	CHECK(engine_passthru(&s, &pt, &refused, &f) == 0);
	CHECK_EQ_U64(plan.engine_side, 0);
	CHECK(plan.engine_error == -EINVAL);
}

/* The arrival probe runs through passthrough for a P2P copy only. */
static void test_arrival(void)
{
	struct passthru_session pt;
	struct copy_outcome r;
	struct copy_session s;

	session(&s, &pt, true);
	s.backend = &pt.backend; /* as engine_passthru() left it */
	memset(&r, 0xa5, sizeof(r));
	CHECK(!engine_passthru_arrival(&s, &r));
	CHECK(fake.arrivals == 1);
	CHECK(r.pipeline.error == 0 && r.pipeline.done == 0); /* cleared */
	fake.lost = true;
	CHECK(engine_passthru_arrival(&s, &r));
	CHECK(r.pipeline.error == -EPROTO);

	session(&s, &pt, false);
	s.backend = &pt.backend;
	fake.lost = true;
	memset(&r, 0xa5, sizeof(r));
	CHECK(!engine_passthru_arrival(&s, &r));
	CHECK(fake.arrivals == 0);
	CHECK(r.pipeline.error == 0);
}

/* Two NVMe namespaces, as auto's fallback needs them. */
static void nvme_pair(void)
{
	plan.src.kind = plan.dst.kind = ENDPOINT_BLOCK;
	plan.src.have_disk = plan.dst.have_disk = true;
	plan.src.disk.kind = DISK_NVME_MULTIPATH;
	plan.dst.disk.kind = DISK_NVME;
}

/*
 * engine_prepare: --engine passthru goes straight to passthrough; auto
 * and block need O_DIRECT, then (P2P) the block engine's preflight, and
 * auto falls back to passthrough only on a P2P refusal between NVMe.
 */
static void test_prepare(void)
{
	struct options o = { .engine = ENGINE_PASSTHRU };
	struct engine_preparation e;
	struct passthru_session pt;
	struct copy_outcome r;
	struct copy_session s;

	session(&s, &pt, true);
	memset(&r, 0, sizeof(r));
	CHECK(engine_prepare(&o, &s, &pt, &r, &e) == ENGINE_READY);
	CHECK(fake.direct_calls == 0 && fake.block_preflights == 0);
	CHECK(fake.opens == 1 && fake.arrivals == 1);
	CHECK(s.backend == &pt.backend && !e.block_refused);
	CHECK(plan.engine == COPY_ENGINE_PASSTHRU);
	CHECK(plan.engine_why == ENGINE_WHY_OPTION);
	/* Passthrough cannot be opened, or loses the probe's data. */
	session(&s, &pt, true);
	fake.open_ret = -EBUSY;
	CHECK(engine_prepare(&o, &s, &pt, &r, &e) == ENGINE_PASSTHRU_FAILED);
	CHECK(e.passthru.why == PT_BUSY && e.passthru.error == -EBUSY);
	CHECK(fake.arrivals == 0);
	session(&s, &pt, true);
	fake.lost = true;
	CHECK(engine_prepare(&o, &s, &pt, &r, &e) == ENGINE_PASSTHRU_LOST);
	CHECK(r.pipeline.error == -EPROTO);

	/* auto: O_DIRECT refused, before any preflight. */
	o.engine = ENGINE_AUTO;
	session(&s, &pt, true);
	nvme_pair();
	fake.direct_ret = -EINVAL;
	fake.direct_side = COPY_SIDE_READ;
	memset(&e, 0xa5, sizeof(e));
	CHECK(engine_prepare(&o, &s, &pt, &r, &e) == ENGINE_NO_DIRECT_IO);
	CHECK(e.error == -EINVAL && e.side == COPY_SIDE_READ);
	CHECK(!e.block_refused);
	CHECK(fake.block_preflights == 0 && fake.opens == 0);

	/* auto, P2P, the block engine takes P2P pages: decided so. */
	session(&s, &pt, true);
	nvme_pair();
	plan.engine_why = ENGINE_WHY_EXPECT_BLOCK;
	CHECK(engine_prepare(&o, &s, &pt, &r, &e) == ENGINE_READY);
	CHECK(fake.direct_calls == 1 && fake.block_preflights == 1);
	CHECK(fake.opens == 0 && s.backend == NULL && !e.block_refused);
	CHECK(plan.engine == COPY_ENGINE_BLOCK && plan.engine_decided);
	CHECK(plan.engine_why == ENGINE_WHY_BLOCK_TOOK_P2P);

	/* --sysmem: no P2P page to refuse, no preflight. */
	session(&s, &pt, false);
	nvme_pair();
	fake.block_ret = -EREMOTEIO;
	CHECK(engine_prepare(&o, &s, &pt, &r, &e) == ENGINE_READY);
	CHECK(fake.block_preflights == 0 && fake.opens == 0);
	CHECK(plan.engine_why == ENGINE_WHY_SYSMEM && plan.engine_decided);

	/* The kernel refuses P2P pages on the head: passthrough instead. */
	session(&s, &pt, true);
	nvme_pair();
	fake.block_ret = -EREMOTEIO;
	CHECK(engine_prepare(&o, &s, &pt, &r, &e) == ENGINE_READY);
	CHECK(e.block_refused);
	CHECK(e.block_refusal.pipeline.error == -EREMOTEIO);
	CHECK(fake.opens == 1 && fake.arrivals == 1);
	CHECK(s.backend == &pt.backend);
	CHECK(plan.engine == COPY_ENGINE_PASSTHRU && plan.engine_decided);
	CHECK(plan.engine_why == ENGINE_WHY_BLOCK_REFUSED);
	CHECK_EQ_U64(plan.engine_side, 1);
	CHECK(plan.engine_error == -EREMOTEIO);
	CHECK(r.pipeline.error == 0); /* the probe's, through passthrough */
	/* ... and passthrough fails too: both are reported. */
	session(&s, &pt, true);
	nvme_pair();
	fake.block_ret = -EREMOTEIO;
	fake.open_ret = -EBUSY;
	CHECK(engine_prepare(&o, &s, &pt, &r, &e) == ENGINE_PASSTHRU_FAILED);
	CHECK(e.block_refused && e.passthru.why == PT_BUSY);
	CHECK(e.block_refusal.pipeline.error == -EREMOTEIO);

	/* An I/O error is no P2P refusal: no fallback. */
	session(&s, &pt, true);
	nvme_pair();
	fake.block_ret = -EIO;
	CHECK(engine_prepare(&o, &s, &pt, &r, &e) == ENGINE_BLOCK_REFUSED);
	CHECK(e.block_refused && e.block_refusal.pipeline.error == -EIO);
	CHECK(fake.opens == 0);
	CHECK(plan.engine == COPY_ENGINE_BLOCK && !plan.engine_decided);

	/* --engine block: as told, never passthrough. */
	o.engine = ENGINE_BLOCK;
	session(&s, &pt, true);
	nvme_pair();
	fake.block_ret = -EREMOTEIO;
	CHECK(engine_prepare(&o, &s, &pt, &r, &e) == ENGINE_BLOCK_REFUSED);
	CHECK(fake.opens == 0);
	session(&s, &pt, true);
	nvme_pair();
	CHECK(engine_prepare(&o, &s, &pt, &r, &e) == ENGINE_READY);
	CHECK(plan.engine == COPY_ENGINE_BLOCK);
	CHECK(plan.engine_why == ENGINE_WHY_OPTION); /* left as planned */
}

int main(void)
{
	test_session();
	test_sysmem();
	test_failures();
	test_fallback();
	test_arrival();
	test_prepare();
	CHECK_DONE();
}
