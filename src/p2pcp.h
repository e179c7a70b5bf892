/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * p2pcp's front-end, private to the program: its options, its exit
 * codes, the one message of a run, and the printers.
 *
 *   p2pcp.c             options, main(), the sequence of copy phases
 *   p2pcp-plan.c        endpoints, destination checks, the provider
 *   p2pcp-print-text.c  the words: plan, progress, every message
 *   p2pcp-print-json.c  the same results as one JSON object
 */
#ifndef P2PCP_FRONTEND_H
#define P2PCP_FRONTEND_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "copy.h"

#define PROG "p2pcp"

/* Exit codes, documented in p2pcp(1). */
enum {
	EXIT_OK = 0,
	EXIT_IO = 1, /* I/O error during the copy */
	EXIT_USAGE = 2, /* bad option or refused input: nothing written */
	EXIT_NO_P2P = 3, /* peer-to-peer impossible here: nothing written */
	EXIT_MISMATCH = 4, /* verification found a difference */
	EXIT_SIGINT = 130,
	EXIT_SIGTERM = 143,
};

enum verify_mode { VERIFY_NONE, VERIFY_P2PMEM, VERIFY_SYSMEM };

enum engine_choice { ENGINE_AUTO, ENGINE_BLOCK, ENGINE_PASSTHRU };

struct options {
	const char *src;
	const char *dst;
	const char *provider; /* NULL: choose */
	struct copy_request range;
	enum verify_mode verify;
	enum engine_choice engine;
	bool dry_run;
	bool progress;
	bool json;
	bool sysmem;
	bool force;
	bool quiet;
};

/* Set the run's one message (printed once, by main) and return @code. */
__attribute__((format(printf, 2, 3))) int fail(int code, const char *fmt, ...);
/* The message, "" when none was set. */
const char *fail_message(void);
/* P2PCP_TESTING's switches (p2pcp(1), TESTING); EXIT_USAGE if unknown. */
int testing_switches_parse(struct copy_testing *t);
void fail_clear(void);

/* p2pcp-plan.c: everything decided before the first write. */
int plan_endpoints(const struct options *o, struct copy_plan *p);
int plan_p2p(const struct options *o, struct copy_plan *p);
int check_destination(const struct options *o, const struct copy_plan *p);
/*
 * Close both descriptors; a DST file this run created is removed again
 * unless something was @written to it.  Returns 1 when it was removed,
 * 0 when there was nothing to remove, or the negative errno of unlink.
 */
int close_endpoints(struct copy_plan *p, bool written);

/* p2pcp-engine.c: --engine, see there. */
struct passthru_session;
int engine_plan(const struct options *o, struct copy_plan *p);
int engine_check_formats(const struct copy_plan *p);
void engine_block_confirmed(const struct options *o, struct copy_plan *p);
bool engine_can_fall_back(const struct options *o, const struct copy_plan *p,
			  const struct copy_outcome *refusal);
/* The block engine's preflight refusal, when auto cannot fall back. */
int engine_report_refusal(const struct copy_plan *p,
			  const struct copy_outcome *refusal);
/* Open and check passthrough; @refusal: the block engine's, if any. */
int engine_passthru(struct copy_session *s, struct passthru_session *pt,
		    const struct copy_outcome *refusal);
/* The arrival probe through the passthrough engine; EXIT_NO_P2P on loss. */
int engine_passthru_arrival(struct copy_session *s, struct copy_outcome *r);

/* p2pcp-print-text.c */
void text_usage(FILE *out);
void text_plan(const struct copy_plan *p);
void text_progress(const struct pipeline_progress *pr, void *data);
void text_success(const struct copy_plan *p, const struct options *o,
		  double seconds);
int report_plan_reason(enum plan_reason why, const struct copy_request *rq,
		       const struct copy_plan *p);
int report_buffer_failure(const struct copy_plan *p, int err);
int report_open_failure(const struct copy_plan *p, enum copy_side side,
			int err);
int report_preflight_failure(const struct copy_plan *p,
			     const struct copy_outcome *r);
int report_copy_failure(const struct copy_plan *p,
			const struct copy_outcome *r);
int report_interrupt(const struct copy_plan *p, const struct copy_outcome *r,
		     int sig);
/* Stopped by @sig before the first write: nothing was written. */
int report_stop_before_copy(int sig);
int report_verify_failure(const struct copy_plan *p,
			  const struct copy_outcome *r, int sig);
/* @disabled: kernel.io_uring_disabled (0 when unknown). */
int report_ring_failure(int err, unsigned int disabled);
struct safety_verdict;
/* A safety check's refusal of @ep (SRC or DST by the reason). */
int report_safety(const struct safety_verdict *v, const struct endpoint *ep);

struct progress_state {
	bool tty;
	bool active; /* a \r line is on screen */
};

/* What a run did, for the JSON outcome fields. */
struct run_result {
	bool planned; /* the range below was planned */
	uint64_t src_offset, dst_offset, length;
	bool started; /* the transfer began: done and resume apply */
	struct copy_outcome copy; /* of the preflight, or the copy */
	bool dst_removed; /* the DST file this run created was removed */
	bool verified; /* verify ran */
	struct copy_outcome verify;
};

/* p2pcp-watch.c: the fabric watch and the integrity settings. */
void watch_begin(const struct copy_plan *p);
/* Stop, report; a loss the fabric reported turns @ret 0 into EXIT_IO. */
int watch_end(const struct options *o, const struct copy_plan *p,
	      struct copy_outcome *r, int ret, struct json_object *summary);
void integrity_note(const struct options *o, const struct copy_plan *p,
		    struct json_object *summary);
/* The cache type of p2pcp's mapping of the buffer (p2pmem.h). */
void cache_note(const struct options *o, const struct copy_plan *p,
		struct json_object *summary);

/* p2pcp-print-json.c */
void json_add_outcome(struct json_object *summary, const struct run_result *r,
		      int code);
struct json_object *json_plan(const struct copy_plan *p);
void json_add_result(struct json_object *summary, const struct copy_plan *p,
		     const struct copy_outcome *r, size_t mapped,
		     double seconds);
/* The engine and why (again once the preflight has decided). */
void json_add_engine(struct json_object *root, const struct copy_plan *p);
void json_add_arrival(struct json_object *summary,
		      const struct copy_outcome *r);
/* @seconds: the verify's wall time (the copy's is "seconds"). */
void json_add_verify(struct json_object *summary, const struct copy_outcome *r,
		     const char *where, double seconds);
void json_print(struct json_object *summary, int code, const char *message);
/* --json --help or --version: the usage text or the version. */
void json_add_info(struct json_object *summary, bool usage);

#endif
