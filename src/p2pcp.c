// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * p2pcp: copy a byte range between NVMe namespaces (or files on them)
 * with peer-to-peer DMA through a p2pmem buffer, usually an NVMe
 * Controller Memory Buffer, so the data never crosses system memory.
 *
 * The front-end plans and checks everything before the first write,
 * then hands the copy to the engine.  One file: the options and the order
 * of the phases, read top to bottom; decisions and words are elsewhere.
 */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "copy-passthru.h"
#include "p2pcp.h"
#include "sysfs.h"
#include "util.h"

#define DEFAULT_CHUNK (1 * MIB)
#define DEFAULT_QUEUE_DEPTH 8
#define MAX_QUEUE_DEPTH 256

/* The command line itself was wrong: point to --help. */
static bool usage_error;
/* argv as getopt permutes it, for naming a bad option. */
static char **argv_seen;
/* What the run did, for the JSON object: the plan, the copy's outcome. */
static struct run_result result;
/*
 * Outlives run(): the JSON outcome, printed after it, reports offsets
 * relative to the plan's range (result.plan).
 */
static struct copy_plan plan;
/* --json was given: stdout carries one JSON object, nothing else. */
static bool json_output;
/* 'h' (--help) or 'V' (--version) was asked for, else 0. */
static int info_request;

static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t progress_request;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static void on_usr1(int sig)
{
	progress_request = 1;
}

enum {
	OPT_PROVIDER = 256,
	OPT_CHUNK,
	OPT_QD,
	OPT_SRC_OFF,
	OPT_DST_OFF,
	OPT_LENGTH,
	OPT_VERIFY,
	OPT_DRY_RUN,
	OPT_PROGRESS,
	OPT_JSON,
	OPT_SYSMEM,
	OPT_FORCE,
	OPT_SYSROOT,
	OPT_ENGINE,
	OPT_FIXED_DEPTH,
};

static const struct option long_options[] = {
	{ "provider", required_argument, NULL, OPT_PROVIDER },
	{ "chunk-size", required_argument, NULL, OPT_CHUNK },
	{ "queue-depth", required_argument, NULL, OPT_QD },
	{ "fixed-depth", no_argument, NULL, OPT_FIXED_DEPTH },
	{ "src-offset", required_argument, NULL, OPT_SRC_OFF },
	{ "dst-offset", required_argument, NULL, OPT_DST_OFF },
	{ "length", required_argument, NULL, OPT_LENGTH },
	{ "verify", optional_argument, NULL, OPT_VERIFY },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "sysmem", no_argument, NULL, OPT_SYSMEM },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "engine", required_argument, NULL, OPT_ENGINE },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	/* For tests: read /sys, /proc and /boot under another root. */
	{ "sysroot", required_argument, NULL, OPT_SYSROOT },
	{ NULL, 0, NULL, 0 },
};

/* Returns -1 to go on, or an exit code. */
/* One option; returns -1 to go on, or an exit code. */
static int parse_option(int c, struct options *o)
{
	uint64_t v;

	switch (c) {
	case OPT_PROVIDER:
		o->provider = optarg;
		break;
	case OPT_CHUNK:
		/*
		 * "Ns" is N blocks of the larger logical block size of the
		 * two sides, known only once both are open: kept for
		 * planning.  Any block size is at least 1 byte.
		 */
		o->range.chunk_blocks = 0;
		if (parse_size(optarg, 0, &v) == -EINVAL &&
		    !parse_size(optarg, 1, &v)) {
			if (v == 0)
				return fail(
					EXIT_USAGE,
					"--chunk-size: '%s' is no blocks at all; give at least 1s",
					optarg);
			o->range.chunk_blocks = v;
			o->range.chunk_size = 0;
			break;
		}
		if (parse_size(optarg, 0, &v) || v == 0 || v > COPY_MAX_CHUNK)
			return fail(
				EXIT_USAGE,
				"--chunk-size: '%s' is not a size between 1 byte and 64MiB (e.g. 1M, 256KiB, 8s)",
				optarg);
		o->range.chunk_size = v;
		break;
	case OPT_QD:
		if (parse_size(optarg, 0, &v) || v == 0 || v > MAX_QUEUE_DEPTH)
			return fail(
				EXIT_USAGE,
				"--queue-depth: '%s' is not a number from 1 to %d",
				optarg, MAX_QUEUE_DEPTH);
		o->range.queue_depth = (uint32_t)v;
		break;
	case OPT_FIXED_DEPTH:
		o->range.fixed_depth = true;
		break;
	case OPT_SRC_OFF:
		o->range.src_offset = optarg;
		break;
	case OPT_DST_OFF:
		o->range.dst_offset = optarg;
		break;
	case OPT_LENGTH:
		o->range.length = optarg;
		break;
	case OPT_VERIFY:
		/* The default is the ground truth: reads into system memory. */
		if (!optarg || !strcmp(optarg, "sysmem"))
			o->verify = VERIFY_SYSMEM;
		else if (!strcmp(optarg, "p2pmem"))
			o->verify = VERIFY_P2PMEM;
		else
			return fail(
				EXIT_USAGE,
				"--verify: '%s' is not a mode; use --verify, --verify=p2pmem or --verify=sysmem",
				optarg);
		break;
	case OPT_DRY_RUN:
		o->dry_run = true;
		break;
	case OPT_PROGRESS:
		o->progress = true;
		break;
	case OPT_JSON:
		o->json = true;
		break;
	case OPT_SYSMEM:
		o->sysmem = true;
		break;
	case OPT_FORCE:
		o->force = true;
		break;
	case OPT_SYSROOT:
		sysfs_set_root(optarg);
		break;
	case OPT_ENGINE:
		if (!strcmp(optarg, "auto"))
			o->engine = ENGINE_AUTO;
		else if (!strcmp(optarg, "block"))
			o->engine = ENGINE_BLOCK;
		else if (!strcmp(optarg, "passthru"))
			o->engine = ENGINE_PASSTHRU;
		else
			return fail(
				EXIT_USAGE,
				"--engine: '%s' is not an engine; use auto, block or passthru",
				optarg);
		break;
	case 'q':
		o->quiet = true;
		break;
	case 'h':
	case 'V':
		/* Under --json, main() puts it in the one JSON object. */
		info_request = c;
		if (json_output)
			return EXIT_OK;
		if (c == 'h')
			text_usage(stdout);
		else
			printf(PROG " " P2PCP_VERSION "\n");
		return EXIT_OK;
	default:
		return fail(
			EXIT_USAGE,
			"option '%s' is unknown, ambiguous or lacks its argument",
			optopt && optopt < 256 ?
				(char[]){ '-', (char)optopt, '\0' } :
				argv_seen[optind - 1]);
	}
	return -1;
}

/*
 * P2PCP_TESTING: comma-separated switches for the test suites (p2pcp(1),
 * TESTING): lose-chunk=N, corrupt-chunk=N, no-sentinels, no-arrival-check,
 * no-fabric-watch.
 */
int testing_switches_parse(struct copy_testing *t)
{
	const char *env = getenv("P2PCP_TESTING");
	char *copy, *tok, *save = NULL;
	int ret = 0;

	memset(t, 0, sizeof(*t));
	if (!env || !*env)
		return 0;
	copy = strdup(env);
	if (!copy)
		return fail(EXIT_USAGE, "out of memory");
	for (tok = strtok_r(copy, ",", &save); tok && !ret;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "no-sentinels"))
			t->no_sentinels = true;
		else if (!strcmp(tok, "no-arrival-check"))
			t->no_arrival_check = true;
		else if (!strcmp(tok, "no-fabric-watch"))
			t->no_fabric_watch = true;
		else if (!strncmp(tok, "corrupt-chunk=", 14)) {
			if (parse_size(tok + 14, 0, &t->corrupt_chunk) ||
			    !t->corrupt_chunk)
				ret = fail(
					EXIT_USAGE,
					"P2PCP_TESTING: '%s': corrupt-chunk=N needs N >= 1",
					tok);
		} else if (strncmp(tok, "lose-chunk=", 11) ||
			   parse_size(tok + 11, 0, &t->lose_chunk) ||
			   !t->lose_chunk)
			ret = fail(
				EXIT_USAGE,
				"P2PCP_TESTING: '%s' is not a testing switch (lose-chunk=N or corrupt-chunk=N with N >= 1, no-sentinels, no-arrival-check, no-fabric-watch); unset it for normal use",
				tok);
	}
	free(copy);
	return ret;
}

/* Returns -1 to go on, or an exit code. */
static int parse_args(int argc, char **argv, struct options *o)
{
	int c, ret;

	memset(o, 0, sizeof(*o));
	/* getopt names the program after argv[0]: keep it short. */
	argv[0] = (char *)PROG;
	o->range.chunk_size = DEFAULT_CHUNK;
	o->range.queue_depth = DEFAULT_QUEUE_DEPTH;
	argv_seen = argv;
	opterr = 0; /* the one message names the option itself */
	optind = 0; /* again from the start, after wants_json() */

	while ((c = getopt_long(argc, argv, "qhV", long_options, NULL)) != -1) {
		ret = parse_option(c, o);
		if (ret >= 0)
			return ret;
	}
	if (argc - optind != 2)
		return fail(EXIT_USAGE,
			    "expected SRC and DST, got %d argument%s",
			    argc - optind, argc - optind == 1 ? "" : "s");
	o->src = argv[optind];
	o->dst = argv[optind + 1];
	if (o->provider && !strcmp(o->provider, "auto"))
		o->provider = NULL;
	if (o->provider && o->sysmem)
		return fail(
			EXIT_USAGE,
			"--provider and --sysmem exclude each other: --sysmem uses no p2pmem");
	if (o->sysmem && o->verify == VERIFY_P2PMEM)
		o->verify = VERIFY_SYSMEM;
	return -1;
}

/* From here on a signal stops the copy cleanly instead of killing it. */
static void catch_stop_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A hangup (the terminal or ssh session gone) stops as they do. */
	sigaction(SIGHUP, &sa, NULL);
}

/*
 * Both descriptors take O_DIRECT (the filesystem supports it), and, for
 * a P2P copy, the kernel maps p2pmem for both devices: before any write,
 * decided by engine_prepare() (p2pcp-engine.c), worded here.
 */
static int prepare(const struct options *o, struct copy_session *s,
		   struct passthru_session *pt, struct copy_outcome *r)
{
	const struct copy_plan *p = s->plan;
	struct engine_preparation e;
	enum engine_prepared got = engine_prepare(o, s, pt, r, &e);

	/* The block engine's refusal is the outcome until a copy runs. */
	if (e.block_refused)
		result.copy = e.block_refusal;
	switch (got) {
	case ENGINE_READY:
		break;
	case ENGINE_NO_DIRECT_IO:
		return report_open_failure(p, e.side, e.error);
	case ENGINE_BLOCK_REFUSED:
		return engine_report_refusal(p, &e.block_refusal);
	case ENGINE_PASSTHRU_FAILED:
		return report_passthru_failure(
			p, &e.passthru,
			e.block_refused ? &e.block_refusal : NULL);
	case ENGINE_PASSTHRU_LOST:
		return report_preflight_failure(p, r);
	}
	return 0;
}

/* Transfer, flush, tail, final size; @r->done grows with each. */
static int copy_range(const struct copy_session *s, struct copy_outcome *r)
{
	const struct copy_plan *p = s->plan;
	int ret, flushed;

	ret = copy_phase_transfer(s, r);
	/* A range is reported as copied only once it is durable, also
	 * when the copy failed or was interrupted. */
	flushed = copy_phase_flush(s);
	if (flushed)
		return fail(EXIT_IO, "DST %s: flushing failed: %s", p->dst.path,
			    strerror(-flushed));
	if (r->pipeline.stopped || ret || copy_phase_tail(s, r)) {
		ret = copy_phase_stopped(s, r);
		if (ret)
			return fail(
				EXIT_IO,
				"DST %s: the copy stopped at byte %" PRIu64
				", and cutting DST there (it was to become SRC's size) failed: %s; copy it again whole",
				p->dst.path, p->dst_offset + r->pipeline.done,
				strerror(-ret));
		if (r->pipeline.stopped)
			return report_interrupt(p, r, stop_signal);
		return report_copy_failure(p, r);
	}
	ret = copy_phase_size(s);
	if (ret)
		return fail(
			EXIT_IO,
			"DST %s: all %" PRIu64
			" bytes copied, but setting its size to that failed: %s",
			p->dst.path, p->length, strerror(-ret));
	return 0;
}

static int verify(const struct options *o, const struct copy_session *s,
		  struct json_object *summary)
{
	struct copy_outcome r = { 0 };
	double seconds = now_seconds();
	int ret;

	ret = copy_phase_verify(s,
				o->verify == VERIFY_P2PMEM ? VERIFY_IN_P2PMEM :
							     VERIFY_IN_SYSMEM,
				&r);
	seconds = now_seconds() - seconds;
	result.verify = r;
	result.verified = true;
	if (ret < 0)
		return report_verify_failure(s->plan, &r, stop_signal);
	json_add_verify(summary, &r,
			o->verify == VERIFY_P2PMEM && s->plan->p2p ? "p2pmem" :
								     "sysmem",
			seconds);
	return ret ? report_verify_failure(s->plan, &r, stop_signal) : 0;
}

static void session_init(const struct options *o, struct copy_plan *p,
			 struct copy_session *s, struct progress_state *ps)
{
	memset(s, 0, sizeof(*s));
	s->plan = p;
	s->buf.map.fd = -1;
	s->stop = &stop_signal;
	s->progress_request = &progress_request;
	s->progress = text_progress;
	s->progress_data = ps;
	s->progress_interval = o->progress && ps->tty && !o->quiet ? 1.0 : 0;
}

/* Returns an exit code; *@written once DST may have been changed. */
static int run_copy(const struct options *o, struct copy_plan *p,
		    struct json_object *summary, bool *written)
{
	struct progress_state ps = { .tty = isatty(STDERR_FILENO) };
	struct copy_outcome r = { 0 };
	struct passthru_session pt;
	struct copy_session s;
	double seconds;
	int ret;

	session_init(o, p, &s, &ps);
	result.plan = p;
	passthru_session_init(&pt);
	ret = testing_switches_parse(&s.testing);
	if (ret)
		return ret;
	/* An empty range (empty SRC, --length 0) needs no buffer. */
	ret = p->length ? copy_buffer_get(p, false, &s.buf) : 0;
	if (ret)
		return report_buffer_failure(p, ret);
	if (p->length && !s.testing.no_fabric_watch)
		watch_begin(p);
	ret = p->length ? prepare(o, &s, &pt, &r) : 0;
	if (p->p2p && p->length)
		json_add_arrival(summary, &r);
	if (ret)
		goto out;
	json_add_engine(summary, p);
	if (stop_signal) {
		ret = report_stop_before_copy(stop_signal);
		goto out;
	}
	*written = true;
	seconds = now_seconds();
	result.started = true;
	ret = copy_range(&s, &r);
	ret = watch_end(o, p, &r, ret, summary);
	result.copy = r;
	if (ps.active)
		fputc('\n', stderr);
	if (ret)
		goto out;
	seconds = now_seconds() - seconds;
	json_add_result(summary, p, &r, s.buf.len, seconds);
	if (o->verify != VERIFY_NONE)
		ret = verify(o, &s, summary);
	if (!ret && !o->quiet && !o->json)
		text_success(p, o, &r, seconds);
out:
	ret = watch_end(o, p, &r, ret, summary);
	passthru_session_close(&pt);
	copy_buffer_put(&s.buf);
	return ret;
}

/*
 * Can this process set up and enter an io_uring?  The dry run asks as
 * the copy does.  On refusal, kernel.io_uring_disabled tells the
 * message which of its causes applies.
 */
static int probe_ring(void)
{
	int ret = ring_probe(NULL);

	return ret ? report_ring_failure(ret, ring_unavailable_cause(ret)) : 0;
}

static int run(int argc, char **argv, struct json_object **summary)
{
	bool written = false;
	struct refusal refusal;
	struct options o;
	struct copy_plan *p = &plan;
	int ret, removed;

	ret = parse_args(argc, argv, &o);
	if (ret >= 0) {
		usage_error = ret == EXIT_USAGE;
		return ret;
	}
	if (plan_endpoints(&o, p, &refusal) || engine_plan(&o, p, &refusal) ||
	    (p->p2p && plan_p2p(&o, p, &refusal)) ||
	    check_destination(&o, p, &refusal))
		ret = report_refusal(&refusal, &o, p);
	else
		ret = 0;
	/* io_uring refused (seccomp, sysctl): say so before any write. */
	if (!ret)
		ret = probe_ring();
	/* A stop request while planning: it may also have failed a step. */
	if (stop_signal)
		ret = report_stop_before_copy(stop_signal);
	if (!ret) {
		*summary = json_plan(p);
		integrity_note(&o, p, *summary);
		cache_note(&o, p, *summary);
		if (o.dry_run && !o.json)
			text_plan(p);
		if (!o.dry_run)
			ret = run_copy(&o, p, *summary, &written);
	}
	removed = close_endpoints(p, written);
	result.dst_removed = removed == 1;
	if (removed < 0 && ret)
		ret = fail(
			ret,
			"%s; the empty DST %s p2pcp created could not be removed: %s",
			fail_message(), p->dst.path, strerror(-removed));
	return ret;
}

/*
 * Closed standard descriptors would be reused by the first files opened,
 * SRC and DST, and messages meant for stderr would land in DST: put
 * /dev/null on each that is closed, as coreutils do.  Returns -1 when
 * that is impossible (then nothing may be opened at all).
 */
static int std_fds_open(void)
{
	int fd, got;

	for (fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		got = open("/dev/null", fd ? O_WRONLY : O_RDONLY);
		if (got != fd) {
			if (got >= 0)
				close(got);
			return -1;
		}
	}
	return 0;
}

/*
 * Under --json every outcome is one JSON object, usage errors included:
 * find the option the way getopt will, before anything can go wrong.
 * getopt moves the options it scans in front of the operands: scanning
 * argv itself would hand the real parse a vector in which an option
 * that lacks its argument at the end takes an operand as its argument.
 * A copy is scanned instead; without memory for it, no JSON.
 */
static bool wants_json(int argc, char **argv)
{
	char **scan = calloc((size_t)argc + 1, sizeof(*scan));
	bool json = false;
	int c;

	if (!scan)
		return false;
	memcpy(scan, argv, (size_t)argc * sizeof(*scan));
	opterr = 0;
	while ((c = getopt_long(argc, scan, "qhV", long_options, NULL)) != -1)
		json |= c == OPT_JSON;
	free(scan);
	return json;
}

int main(int argc, char **argv)
{
	struct sigaction usr1 = { .sa_handler = on_usr1,
				  .sa_flags = SA_RESTART };
	struct json_object *summary = NULL;
	bool json;
	int ret;

	if (std_fds_open())
		return EXIT_USAGE;
	json = json_output = wants_json(argc, argv);
	/* A stop request, from here on, ends the run with its report. */
	catch_stop_signals();

	/* SIGUSR1 asks for progress (as with dd); it must never kill us. */
	sigaction(SIGUSR1, &usr1, NULL);
	/* A file-size limit is a write error (EFBIG) with a resume hint. */
	signal(SIGXFSZ, SIG_IGN);
	/*
	 * Output nobody reads (a closed pipe) is no reason to stop a copy
	 * midway: messages are lost, and JSON that cannot be written is a
	 * write error on standard output at the end.
	 */
	signal(SIGPIPE, SIG_IGN);
	ret = run(argc, argv, &summary);
	if (ret != EXIT_OK && *fail_message())
		fprintf(stderr, "%s: %s\n", PROG, fail_message());
	if (usage_error)
		fprintf(stderr, "Try '%s --help' for more information.\n",
			PROG);
	if (json) {
		if (!summary)
			summary = json_object_new_object();
		if (info_request)
			json_add_info(summary, info_request == 'h');
		json_add_outcome(summary, &result, ret);
		json_print(summary, ret, fail_message());
	}
	json_object_put(summary);
	fail_clear();
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "%s: write error on standard output\n", PROG);
		if (ret == EXIT_OK)
			ret = EXIT_IO;
	}
	return ret;
}
