// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * p2pcp's JSON printer: the plan and the result of a run as one JSON
 * object on standard output, over the same structs as the text printer.
 */
#include <json-c/json.h>
#include <stdio.h>

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
	char bdf[PCI_ADDR_STRLEN];

	json_object_object_add(o, "path", json_object_new_string(ep->path));
	json_object_object_add(
		o, "type",
		json_object_new_string(ep->kind == ENDPOINT_BLOCK ? "block" :
								    "file"));
	if (ep->have_disk) {
		json_object_object_add(
			o, "device",
			json_object_new_string(endpoint_device(ep)));
		if (ep->disk.ctrl[0])
			json_object_object_add(
				o, "controller",
				json_object_new_string(ep->disk.ctrl));
		if (ep->disk.have_pci)
			json_object_object_add(
				o, "pci",
				json_object_new_string(pci_addr_format(
					&ep->disk.pci, bdf, sizeof(bdf))));
		json_object_object_add(
			o, "logical_block_size",
			json_object_new_int64(ep->disk.logical_block_size));
	}
	if (ctrl) {
		json_object_object_add(o, "model",
				       json_object_new_string(ctrl->model));
		json_object_object_add(o, "serial",
				       json_object_new_string(ctrl->serial));
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

struct json_object *json_plan(const struct copy_plan *p)
{
	struct json_object *root = json_object_new_object();
	char bdf[PCI_ADDR_STRLEN];

	json_endpoint(root, "source", &p->src, p->src_offset,
		      p->have_src_ctrl ? &p->src_ctrl : NULL);
	json_endpoint(root, "destination", &p->dst, p->dst_offset,
		      p->have_dst_ctrl ? &p->dst_ctrl : NULL);
	json_object_object_add(root, "length",
			       json_object_new_int64(p->length));
	json_object_object_add(root, "mode",
			       json_object_new_string(p->p2p ? "p2p" :
							       "sysmem"));
	if (p->p2p) {
		struct json_object *pv = json_object_new_object();

		json_object_object_add(
			pv, "pci",
			json_object_new_string(pci_addr_format(
				&p->provider.addr, bdf, sizeof(bdf))));
		json_object_object_add(pv, "size",
				       json_object_new_int64(p->provider.size));
		json_object_object_add(
			pv, "available",
			json_object_new_int64(p->provider.available));
		json_object_object_add(
			pv, "published",
			json_object_new_boolean(p->provider.published));
		json_object_object_add(root, "provider", pv);
		json_object_object_add(root, "verdict",
				       json_object_new_string(path_verdict(p)));
	}
	json_object_object_add(root, "chunk_size",
			       json_object_new_int64(p->chunk_size));
	json_object_object_add(root, "queue_depth",
			       json_object_new_int64(p->queue_depth));
	json_object_object_add(root, "alignment",
			       json_object_new_int64(p->align));
	return root;
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
	json_object_object_add(summary, "fixed_buffers",
			       json_object_new_boolean(r->fixed_buffers));
	/* Slots may have shrunk to fit the buffer. */
	json_object_object_add(summary, "chunk_size",
			       json_object_new_int64(p->chunk_size));
	json_object_object_add(summary, "queue_depth",
			       json_object_new_int64(p->queue_depth));
}

void json_add_verify(struct json_object *summary, const struct copy_outcome *r)
{
	json_object_object_add(summary, "verified",
			       json_object_new_boolean(!r->mismatch));
	if (r->mismatch)
		json_object_object_add(
			summary, "mismatch_offset",
			json_object_new_int64((int64_t)r->mismatch_offset));
}

void json_print(struct json_object *summary, int code, const char *message)
{
	json_object_object_add(summary, "status",
			       json_object_new_string(code ? "error" : "ok"));
	json_object_object_add(summary, "exit_code", json_object_new_int(code));
	if (code && message[0])
		json_object_object_add(summary, "error",
				       json_object_new_string(message));
	printf("%s\n",
	       json_object_to_json_string_ext(
		       summary, JSON_C_TO_STRING_PRETTY |
					JSON_C_TO_STRING_NOSLASHESCAPE));
}
