/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * p2pcp's front-end, private to the program: its options, its exit
 * codes, the one message of a run, and the printers.
 *
 *   p2pcp.c             options, main(), the sequence of copy phases
 *   p2pcp-plan.c        endpoints, destination checks, the provider
 *   p2pcp-engine.c      the --engine choice and passthrough's fallback
 *   p2pcp-print-text.c  the words: plan, progress, failures of the run
 *   p2pcp-print-refusal.c  the words of every refusal before the copy
 *   p2pcp-print-json.c  the same results as one JSON object
 *
 * The deciding files (p2pcp-plan.c, p2pcp-engine.c) word nothing: they
 * return a reason code with its facts (struct refusal), and the text
 * printer turns it into the run's one message.  They link without the
 * printers (the unit test "decisions" does so).
 */
#ifndef P2PCP_FRONTEND_H
#define P2PCP_FRONTEND_H

#include <json-c/json.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "copy-passthru.h"
#include "copy.h"
#include "safety.h"

#define PROG "p2pcp"

/* Exit codes, documented in p2pcp(1). */
enum {
	EXIT_OK = 0,
	EXIT_IO = 1, /* I/O error during the copy */
	EXIT_USAGE = 2, /* bad option or refused input: nothing written */
	EXIT_NO_P2P = 3, /* peer-to-peer impossible here: nothing written */
	EXIT_MISMATCH = 4, /* verification found a difference */
	EXIT_SIGHUP = 129, /* a hangup: the terminal or session went away */
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

/*
 * Why planning refuses the copy.  Decided in p2pcp-plan.c and
 * p2pcp-engine.c, worded (with its exit code) by report_refusal().
 */
enum refusal_why {
	REFUSE_NONE = 0,
	REFUSE_OPEN, /* side cannot be opened or resolved: error */
	REFUSE_SAFETY, /* side refused by a safety check: safety */
	REFUSE_RANGE, /* the range: range */
	/* side: an NVMe namespace of capacity 0 with count metadata bytes */
	REFUSE_HIDDEN_NAMESPACE,
	REFUSE_PASSTHRU, /* --engine passthru cannot copy it: passthru */
	REFUSE_P2PMEM_LIST, /* the providers cannot be listed: error */
	REFUSE_NO_P2PDMA, /* no providers, kernel without it: source */
	REFUSE_P2PDMA_UNKNOWN, /* no providers, kernel config not found */
	REFUSE_NO_CMB, /* no providers although the kernel has P2PDMA */
	REFUSE_NO_ALLOCATE, /* p2pmem (provider) without allocate */
	REFUSE_NONE_PUBLISHED, /* no provider published (provider) */
	REFUSE_ALL_EXHAUSTED, /* all count published providers exhausted */
	REFUSE_PROVIDER_SYNTAX, /* --provider not a PCI address */
	REFUSE_PROVIDER_MISSING, /* --provider: no such device with p2pmem */
	REFUSE_PROVIDER_UNREADABLE, /* --provider's attributes: error */
	REFUSE_PROVIDER_UNPUBLISHED, /* --provider not published, no --force */
	/* side: the kernel takes no P2P pages for endpoint_kind on kernel */
	REFUSE_NOT_P2P,
};

struct refusal {
	enum refusal_why why;
	int side; /* 0: SRC, 1: DST */
	int error; /* negative errno */
	uint64_t count;
	struct pci_addr provider;
	enum p2p_endpoint endpoint_kind;
	unsigned int kernel; /* P2P_KERNEL(), 0: unknown */
	char source[PATH_MAX]; /* what said the kernel lacks P2PDMA */
	struct safety_verdict safety;
	enum plan_reason range;
	struct passthru_failure passthru;
};

/* Set the run's one message (printed once, by main) and return @code. */
__attribute__((format(printf, 2, 3))) int fail(int code, const char *fmt, ...);
/* The message, "" when none was set. */
const char *fail_message(void);
/* P2PCP_TESTING's switches (p2pcp(1), TESTING); EXIT_USAGE if unknown. */
int testing_switches_parse(struct copy_testing *t);
void fail_clear(void);

/*
 * p2pcp-plan.c: everything decided before the first write.  Each
 * returns REFUSE_NONE or the reason also set in @r.
 */
enum refusal_why plan_endpoints(const struct options *o, struct copy_plan *p,
				struct refusal *r);
enum refusal_why plan_p2p(const struct options *o, struct copy_plan *p,
			  struct refusal *r);
enum refusal_why check_destination(const struct options *o,
				   const struct copy_plan *p,
				   struct refusal *r);
/*
 * Close both descriptors; a DST file this run created is removed again
 * unless something was @written to it.  Returns 1 when it was removed,
 * 0 when there was nothing to remove, or the negative errno of unlink.
 */
int close_endpoints(struct copy_plan *p, bool written);

/* p2pcp-engine.c: --engine, see there.  No words either. */
enum refusal_why engine_plan(const struct options *o, struct copy_plan *p,
			     struct refusal *r);
enum refusal_why engine_check_formats(const struct copy_plan *p,
				      struct refusal *r);
void engine_block_confirmed(const struct options *o, struct copy_plan *p);
bool engine_can_fall_back(const struct options *o, const struct copy_plan *p,
			  const struct copy_outcome *refusal);
/*
 * Open and check passthrough; @refusal: the block engine's, if any.
 * Returns 0, or -1 with @f filled.
 */
int engine_passthru(struct copy_session *s, struct passthru_session *pt,
		    const struct copy_outcome *refusal,
		    struct passthru_failure *f);
/* The arrival probe through the passthrough engine: true on a loss. */
bool engine_passthru_arrival(struct copy_session *s, struct copy_outcome *r);

/* What engine_prepare() found before the first write. */
enum engine_prepared {
	ENGINE_READY = 0, /* the copy may start with the plan's engine */
	ENGINE_NO_DIRECT_IO, /* side refused O_DIRECT: error */
	ENGINE_BLOCK_REFUSED, /* the block engine's preflight: its outcome */
	ENGINE_PASSTHRU_FAILED, /* passthrough could not be used: passthru */
	ENGINE_PASSTHRU_LOST, /* passthrough's arrival probe: its outcome */
};

struct engine_preparation {
	enum copy_side side; /* ENGINE_NO_DIRECT_IO */
	int error; /* ENGINE_NO_DIRECT_IO: negative errno */
	/* The block engine's preflight refused (auto may have fallen back). */
	bool block_refused;
	struct copy_outcome block_refusal; /* what it said, if it refused */
	struct passthru_failure passthru; /* ENGINE_PASSTHRU_FAILED */
};

/*
 * Before any write: both descriptors take O_DIRECT and, for a P2P copy,
 * the kernel maps p2pmem for both devices, with the plan's engine; auto
 * falls back to passthrough where the kernel refuses P2P pages on a
 * block device.  @r: the preflight's outcome (the last one made).
 */
enum engine_prepared engine_prepare(const struct options *o,
				    struct copy_session *s,
				    struct passthru_session *pt,
				    struct copy_outcome *r,
				    struct engine_preparation *e);

/* p2pcp-print-text.c */
/* strerror() of a negative errno, as the library returns them. */
const char *errno_text(int err);
void text_usage(FILE *out);
void text_plan(const struct copy_plan *p);
void text_progress(const struct pipeline_progress *pr, void *data);
void text_success(const struct copy_plan *p, const struct options *o,
		  const struct copy_outcome *r, double seconds);
/* p2pcp-print-refusal.c: the words of planning's refusals. */
/* Planning's refusal @r, as the run's one message; its exit code. */
int report_refusal(const struct refusal *r, const struct options *o,
		   const struct copy_plan *p);
/* Why the plan has its engine, in words (text and JSON). */
const char *engine_reason_text(const struct copy_plan *p, char *buf,
			       size_t len);
/* The block engine's preflight refusal, when auto cannot fall back. */
int engine_report_refusal(const struct copy_plan *p,
			  const struct copy_outcome *refusal);
/* Passthrough failed (@f); @refusal: the block engine's, if any. */
int report_passthru_failure(const struct copy_plan *p,
			    const struct passthru_failure *f,
			    const struct copy_outcome *refusal);
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
int report_ring_failure(int err, enum ring_unavailable cause);

struct progress_state {
	bool tty;
	bool active; /* a \r line is on screen */
};

/* What a run did, for the JSON outcome fields. */
struct run_result {
	/* The plan whose range the outcome is relative to; NULL: none. */
	const struct copy_plan *plan;
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
