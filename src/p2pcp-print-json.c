// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * p2pcp's JSON printer: the plan and the result of a run as one JSON
 * object on standard output, over the same structs as the text printer.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "json-out.h"
#include "p2pcp.h"

static const char *endpoint_device(const struct endpoint *ep)
{
	if (!ep->have_disk)
		return "";
	return ep->disk.part[0] ? ep->disk.part : ep->disk.name;
}

static void json_endpoint(struct json_object *root, const char *key,
			  const struct endpoint *ep, uint64_t offset,
			  const struct p2p_nvme_ctrl_desc *ctrl)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "path", json_text(ep->path));
	json_object_object_add(o, "type",
			       json_text(ep->kind == ENDPOINT_BLOCK ? "block" :
								      "file"));
	if (ep->have_disk) {
		json_object_object_add(o, "device",
				       json_text(endpoint_device(ep)));
		if (ep->disk.ctrl[0])
			json_object_object_add(o, "controller",
					       json_text(ep->disk.ctrl));
		if (ep->disk.have_pci)
			json_object_object_add(o, "pci",
					       json_pci_addr(&ep->disk.pci));
		json_object_object_add(
			o, "logical_block_size",
			json_object_new_int64(ep->disk.logical_block_size));
	}
	if (ctrl) {
		json_object_object_add(o, "model", json_text(ctrl->model));
		json_object_object_add(o, "serial", json_text(ctrl->serial));
		json_object_object_add(
			o, "subsystem_controllers",
			json_object_new_int((int)ctrl->subsystem_ctrls));
	}
	json_object_object_add(o, "size", json_object_new_int64(ep->size));
	json_object_object_add(o, "offset", json_object_new_int64(offset));
	json_object_object_add(root, key, o);
}

/* The copy's verdict: the worse of its two paths (p2pdma.h). */
static const char *path_verdict(const struct copy_plan *p)
{
	if (!p->have_verdicts)
		return "unknown";
	return p2p_verdict_name(p2p_copy_verdict(&p->src_path, &p->dst_path));
}

static const char *place_name(enum provider_place place)
{
	switch (place) {
	case PROVIDER_ON_DST:
		return "dst";
	case PROVIDER_ON_SRC:
		return "src";
	case PROVIDER_THIRD:
		break;
	}
	return "third";
}

void json_add_engine(struct json_object *root, const struct copy_plan *p)
{
	char why[256];

	json_object_object_add(
		root, "engine",
		json_object_new_string(p->engine == COPY_ENGINE_PASSTHRU ?
					       "passthru" :
					       "block"));
	json_object_object_add(root, "engine_decided",
			       json_object_new_boolean(p->engine_decided));
	json_object_object_add(root, "engine_reason",
			       json_object_new_string(engine_reason_text(
				       p, why, sizeof(why))));
	if (p->max_transfer) {
		json_object_object_add(root, "max_transfer",
				       json_object_new_int64(p->max_transfer));
		json_object_object_add(
			root, "max_transfer_reason",
			json_object_new_string(p->max_transfer_reason));
	}
}

struct json_object *json_plan(const struct copy_plan *p)
{
	struct json_object *root = json_object_new_object();

	json_endpoint(root, "source", &p->src, p->src_offset,
		      p->have_src_ctrl ? &p->src_ctrl : NULL);
	json_endpoint(root, "destination", &p->dst, p->dst_offset,
		      p->have_dst_ctrl ? &p->dst_ctrl : NULL);
	json_object_object_add(root, "length",
			       json_object_new_int64(p->length));
	json_object_object_add(root, "mode",
			       json_text(p->p2p ? "p2p" : "sysmem"));
	if (p->p2p) {
		struct json_object *pv = json_provider(&p->provider);

		json_object_object_add(
			pv, "place",
			json_object_new_string(place_name(p->place)));
		json_object_object_add(root, "provider", pv);
		json_object_object_add(root, "verdict",
				       json_text(path_verdict(p)));
	}
	json_add_engine(root, p);
	json_object_object_add(root, "chunk_size",
			       json_object_new_int64(p->geometry.chunk_size));
	json_object_object_add(root, "queue_depth",
			       json_object_new_int64(p->geometry.queue_depth));
	/* The copy may settle at depth 1: depth_tuning after it says. */
	json_object_object_add(
		root, "depth_may_tune",
		json_object_new_boolean(p->geometry.depth_may_tune));
	json_object_object_add(root, "alignment",
			       json_object_new_int64(p->geometry.align));
	return root;
}

/*
 * How many chunks the copy kept in flight: "depth", and either the rates
 * it measured at each candidate ("probes", "tuned": true) or why it
 * kept --queue-depth ("why").
 */
static void json_add_depth(struct json_object *summary,
			   const struct depth_choice *c)
{
	struct json_object *o = json_object_new_object();
	struct json_object *probes = json_object_new_array();
	uint32_t i;

	json_object_object_add(o, "tuned", json_object_new_boolean(c->tuned));
	json_object_object_add(o, "depth", json_object_new_int64(c->depth));
	json_object_object_add(o, "why",
			       c->fixed_why ? json_text(c->fixed_why) : NULL);
	for (i = 0; c->tuned && i < c->ncandidates; i++) {
		struct json_object *probe = json_object_new_object();

		json_object_object_add(probe, "depth",
				       json_object_new_int64(c->candidate[i]));
		json_object_object_add(
			probe, "mb_per_s",
			json_object_new_double(c->rate[i] / 1e6));
		json_object_array_add(probes, probe);
	}
	json_object_object_add(o, "probes", probes);
	json_object_object_add(summary, "depth_tuning", o);
}

void json_add_result(struct json_object *summary, const struct copy_plan *p,
		     const struct copy_outcome *r, size_t mapped,
		     double seconds)
{
	json_object_object_add(summary, "bytes",
			       json_object_new_int64((int64_t)p->length));
	json_object_object_add(summary, "seconds",
			       json_object_new_double(seconds));
	json_object_object_add(
		summary, "gb_per_s",
		json_object_new_double(seconds > 0 ? p->length / seconds / 1e9 :
						     0));
	json_object_object_add(summary, "mapped",
			       json_object_new_int64((int64_t)mapped));
	json_object_object_add(
		summary, "fixed_buffers",
		json_object_new_boolean(r->pipeline.fixed_buffers));
	json_object_object_add(
		summary, "ring_setup",
		r->pipeline.ring_setup ?
			json_object_new_string(r->pipeline.ring_setup) :
			NULL);
	/* What was proven about the data's arrival (p2pcp(1), LOST DATA). */
	json_object_object_add(summary, "arrival_checked",
			       json_object_new_boolean(r->arrival_checked));
	json_object_object_add(summary, "sentinels",
			       json_object_new_boolean(r->pipeline.sentinels));
	/* Their cost: an upper bound on what they took from "seconds". */
	json_object_object_add(
		summary, "sentinel_seconds",
		json_object_new_double(r->pipeline.sentinel_seconds));
	/* Slots may have shrunk to fit the buffer. */
	json_object_object_add(summary, "chunk_size",
			       json_object_new_int64(p->geometry.chunk_size));
	json_object_object_add(summary, "queue_depth",
			       json_object_new_int64(p->geometry.queue_depth));
	json_add_depth(summary, &r->pipeline.depth);
}

static const char *arrival_name(const struct copy_outcome *r)
{
	static const char *const names[] = {
		[ARRIVAL_OK] = "ok",
		[ARRIVAL_LOST] = "lost",
		[ARRIVAL_PARTIAL] = "partly-lost",
		[ARRIVAL_MISMATCH] = "mismatch",
		[ARRIVAL_IO_ERROR] = "io-error",
	};

	if (r->arrival_no_data)
		return "no-data-to-probe";
	if (!r->arrival_checked && r->arrival.verdict == ARRIVAL_OK)
		return "not-checked";
	return names[r->arrival.verdict];
}

void json_add_arrival(struct json_object *summary, const struct copy_outcome *r)
{
	json_object_object_add(summary, "arrival",
			       json_object_new_string(arrival_name(r)));
	if (r->arrival.verdict != ARRIVAL_OK)
		json_object_object_add(
			summary, "arrival_side",
			json_object_new_string(
				r->arrival.side == COPY_SIDE_WRITE ? "dst" :
								     "src"));
	json_object_object_add(summary, "arrival_dst_checked",
			       json_object_new_boolean(r->arrival.dst_checked));
}

/* "verified": how ("sysmem" or "p2pmem"), or false on a difference. */
void json_add_verify(struct json_object *summary, const struct copy_outcome *r,
		     const char *where, double seconds)
{
	json_object_object_add(summary, "verified",
			       r->mismatch ? json_object_new_boolean(false) :
					     json_object_new_string(where));
	json_object_object_add(summary, "verify_seconds",
			       json_object_new_double(seconds));
	if (r->mismatch)
		json_object_object_add(
			summary, "mismatch_offset",
			json_object_new_int64((int64_t)r->mismatch_offset));
}

static const char *side_name(enum copy_side side)
{
	return side == COPY_SIDE_READ  ? "src" :
	       side == COPY_SIDE_WRITE ? "dst" :
					 NULL;
}

/* Where it failed, and the options that resume the copy. */
static void json_add_failure(struct json_object *summary,
			     const struct copy_plan *p,
			     const struct copy_outcome *r, bool resumable)
{
	const char *side =
		r->pipeline.error ? side_name(r->pipeline.fail_side) : NULL;
	struct json_object *resume = NULL;
	uint64_t base;

	json_object_object_add(summary, "fail_side",
			       side ? json_text(side) : NULL);
	base = r->pipeline.fail_side == COPY_SIDE_READ ? p->src_offset :
							 p->dst_offset;
	json_object_object_add(
		summary, "fail_offset",
		side ? json_object_new_int64(
			       (int64_t)(base + r->pipeline.fail_offset)) :
		       NULL);
	if (resumable) {
		resume = json_object_new_object();
		json_object_object_add(
			resume, "src_offset",
			json_object_new_int64(
				(int64_t)(p->src_offset + r->pipeline.done)));
		json_object_object_add(
			resume, "dst_offset",
			json_object_new_int64(
				(int64_t)(p->dst_offset + r->pipeline.done)));
		json_object_object_add(
			resume, "length",
			json_object_new_int64(
				(int64_t)(p->length - r->pipeline.done)));
	}
	json_object_object_add(summary, "resume", resume);
}

/*
 * Protection information: "pi_guard_checked" is true only when DST's
 * controller checked the guard of every block the transfer wrote
 * (p2pcp(1), PROTECTION INFORMATION); "pi" says what was carried.
 */
static void json_add_pi(struct json_object *summary,
			const struct copy_outcome *r)
{
	struct json_object *pi;

	json_object_object_add(
		summary, "pi_guard_checked",
		json_object_new_boolean(r && r->pi_carried &&
					r->pi_written_blocks &&
					!r->pi_unchecked_blocks));
	if (!r || !r->pi_carried)
		return;
	pi = json_object_new_object();
	json_object_object_add(pi, "type", json_object_new_int(r->pi_type));
	json_object_object_add(
		pi, "blocks_written",
		json_object_new_int64((int64_t)r->pi_written_blocks));
	json_object_object_add(
		pi, "blocks_unchecked",
		json_object_new_int64((int64_t)r->pi_unchecked_blocks));
	json_object_object_add(summary, "pi", pi);
}

void json_add_outcome(struct json_object *summary, const struct run_result *r,
		      int code)
{
	const struct copy_outcome *o = r->verified ? &r->verify : &r->copy;
	uint64_t done = r->started ? r->copy.pipeline.done : 0;
	bool interrupted = code == EXIT_SIGHUP || code == EXIT_SIGINT ||
			   code == EXIT_SIGTERM;

	if (r->started && !code)
		done = r->plan->length;
	json_object_object_add(summary, "exit", json_object_new_int(code));
	/* A DST file this run created and removed again, refused unwritten. */
	json_object_object_add(summary, "dst_removed",
			       json_object_new_boolean(r->dst_removed));
	json_object_object_add(summary, "done",
			       json_object_new_int64((int64_t)done));
	/* Bytes of the range found equal from its start; null unverified. */
	json_object_object_add(
		summary, "verified_done",
		r->verified ? json_object_new_int64(
				      (int64_t)r->verify.pipeline.done) :
			      NULL);
	/* A stopped whole-file copy cut DST at done (copy_phase_stopped). */
	json_object_object_add(summary, "dst_cut",
			       json_object_new_boolean(r->started &&
						       r->copy.dst_cut));
	json_add_pi(summary, r->started ? &r->copy : NULL);
	if (!r->plan) {
		json_object_object_add(summary, "fail_side", NULL);
		json_object_object_add(summary, "fail_offset", NULL);
		json_object_object_add(summary, "resume", NULL);
		return;
	}
	json_add_failure(summary, r->plan, o,
			 r->started && !r->verified &&
				 (code == EXIT_IO || interrupted) &&
				 done < r->plan->length);
}

void json_print(struct json_object *summary, int code, const char *message)
{
	json_object_object_add(summary, "status",
			       json_text(code ? "error" : "ok"));
	json_object_object_add(summary, "exit_code", json_object_new_int(code));
	if (code && message[0])
		json_object_object_add(summary, "error", json_text(message));
	printf("%s\n",
	       json_object_to_json_string_ext(
		       summary, JSON_C_TO_STRING_PRETTY |
					JSON_C_TO_STRING_NOSLASHESCAPE));
}

void json_add_info(struct json_object *summary, bool usage)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	json_object_object_add(summary, "version", json_text(P2PCP_VERSION));
	if (!usage)
		return;
	f = open_memstream(&text, &len);
	if (!f)
		return;
	text_usage(f);
	if (fclose(f) == 0 && text)
		json_object_object_add(summary, "usage", json_text(text));
	free(text);
}
