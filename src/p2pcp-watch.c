// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What p2pcp watches besides its own I/O, and what it says about it:
 *  - the fabric (fabric-watch.h) from before the first read into p2pmem
 *    to after the last write: a new IOMMU fault or uncorrectable error
 *    on the copy's path means data may never have arrived, so the copy
 *    is not "copied" (exit 1, the whole range to copy again); new
 *    correctable errors are a warning with their counts;
 *  - the block layer's integrity settings (integrity.h): on a namespace
 *    with protection information the kernel may compute or check the
 *    guard with the CPU over every byte in the p2pmem buffer.
 * Each finding goes to stderr as text and into the JSON object.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fabric-watch.h"
#include "integrity.h"
#include "p2pcp.h"
#include "util.h"

static struct fabric_watch watch;
static bool watching, watch_reported;

void watch_begin(const struct copy_plan *p)
{
	struct pci_addr addr[3];
	enum fabric_role role[3];
	unsigned int n = 0;

	if (!p->p2p || watching)
		return;
	if (p->src.have_disk && p->src.disk.have_pci) {
		addr[n] = p->src.disk.pci;
		role[n++] = FABRIC_SRC;
	}
	if (p->dst.have_disk && p->dst.disk.have_pci) {
		addr[n] = p->dst.disk.pci;
		role[n++] = FABRIC_DST;
	}
	addr[n] = p->provider.addr;
	role[n++] = FABRIC_PROVIDER;
	fabric_watch_start(&watch, addr, role, n, NULL);
	watching = true;
}

/* "SRC 0000:01:00.0" etc.: the first watched device a quote names. */
static const char *quote_device(const struct fabric_quote *q, char *buf,
				size_t len)
{
	char bdf[PCI_ADDR_STRLEN], brief[16];
	const struct fabric_device *d;
	unsigned int i;

	for (i = 0; i < watch.devices; i++) {
		d = &watch.dev[i];
		pci_addr_format(&d->addr, bdf, sizeof(bdf));
		snprintf(brief, sizeof(brief), "[%02x:%02x.%u]", d->addr.bus,
			 d->addr.dev, d->addr.fn);
		if (strstr(q->text, bdf) || strstr(q->text, brief) ||
		    (d->ctrl[0][0] && strstr(q->text, d->ctrl[0]))) {
			snprintf(buf, len, "%s %s", fabric_role_name(d->role),
				 bdf);
			return buf;
		}
	}
	snprintf(buf, len, "a device on the path");
	return buf;
}

/* "2 IOMMU faults, 1 correctable AER error" */
static const char *event_counts(char *buf, size_t len)
{
	size_t used = 0;
	unsigned int k;

	buf[0] = '\0';
	for (k = 0; k < FABRIC_EVENT_KINDS && used < len; k++)
		if (watch.events[k])
			used += (size_t)snprintf(
				buf + used, len - used, "%s%u %s%s",
				used ? ", " : "", watch.events[k],
				fabric_event_name(k),
				watch.events[k] > 1 ? "s" : "");
	return buf;
}

static void text_watch(void)
{
	char counts[256], who[64];
	unsigned int i;

	if (event_counts(counts, sizeof(counts))[0])
		fprintf(stderr,
			PROG
			": the kernel logged %s for devices on the copy's path while it ran:\n",
			counts);
	for (i = 0; i < watch.quotes; i++)
		fprintf(stderr, PROG ":   %s: %s\n",
			quote_device(&watch.quote[i], who, sizeof(who)),
			watch.quote[i].text);
	if (watch.aer_new.correctable || watch.aer_new.nonfatal ||
	    watch.aer_new.fatal)
		fprintf(stderr,
			PROG
			": AER counters of devices on the copy's path grew while it ran: %" PRIu64
			" correctable, %" PRIu64 " non-fatal, %" PRIu64
			" fatal\n",
			watch.aer_new.correctable, watch.aer_new.nonfatal,
			watch.aer_new.fatal);
	if (!fabric_watch_loss(&watch))
		fprintf(stderr, PROG
			": warning: the link corrected these errors itself; the copy stands\n");
}

static void json_watch(struct json_object *summary)
{
	struct json_object *f = json_object_new_object(), *a;
	char bdf[PCI_ADDR_STRLEN];
	unsigned int i, k;

	a = json_object_new_array();
	for (i = 0; i < watch.devices; i++) {
		struct json_object *d = json_object_new_object();

		json_object_object_add(
			d, "pci",
			json_object_new_string(pci_addr_format(
				&watch.dev[i].addr, bdf, sizeof(bdf))));
		json_object_object_add(d, "role",
				       json_object_new_string(fabric_role_name(
					       watch.dev[i].role)));
		json_object_object_add(
			d, "aer_counters",
			json_object_new_boolean(watch.dev[i].before.have));
		json_object_array_add(a, d);
	}
	json_object_object_add(f, "watched", a);
	json_object_object_add(
		f, "kernel_log",
		watch.kmsg_error ?
			json_object_new_string(strerror(-watch.kmsg_error)) :
			json_object_new_string("followed"));
	for (k = 0; k < FABRIC_EVENT_KINDS; k++) {
		static const char *const keys[] = { "iommu_faults",
						    "aer_uncorrectable",
						    "aer_correctable",
						    "nvme_timeouts" };

		json_object_object_add(
			f, keys[k], json_object_new_int((int)watch.events[k]));
	}
	a = json_object_new_object();
	json_object_object_add(
		a, "correctable",
		json_object_new_int64((int64_t)watch.aer_new.correctable));
	json_object_object_add(
		a, "nonfatal",
		json_object_new_int64((int64_t)watch.aer_new.nonfatal));
	json_object_object_add(
		a, "fatal",
		json_object_new_int64((int64_t)watch.aer_new.fatal));
	json_object_object_add(f, "aer_counters_grew", a);
	a = json_object_new_array();
	for (i = 0; i < watch.quotes; i++)
		json_object_array_add(
			a, json_object_new_string(watch.quote[i].text));
	json_object_object_add(f, "lines", a);
	json_object_object_add(
		f, "loss", json_object_new_boolean(fabric_watch_loss(&watch)));
	json_object_object_add(summary, "fabric", f);
}

int watch_end(const struct options *o, const struct copy_plan *p,
	      struct copy_outcome *r, int ret, struct json_object *summary)
{
	char counts[256];

	if (!watching || watch_reported)
		return ret;
	watch_reported = true;
	fabric_watch_stop(&watch);
	if (summary)
		json_watch(summary);
	if (!o->json && fabric_watch_noteworthy(&watch))
		text_watch();
	if (ret || !fabric_watch_loss(&watch))
		return ret;
	/* Which bytes never arrived is unknown: none count as copied. */
	r->pipeline.done = 0;
	event_counts(counts, sizeof(counts));
	return fail(
		EXIT_IO,
		"the fabric reported a loss on the copy's path while it ran (%s%sAER counters: %" PRIu64
		" non-fatal, %" PRIu64
		" fatal): peer-to-peer data may never have arrived, so DST bytes [%" PRIu64
		", %" PRIu64
		") may hold data that is not SRC's; nothing counts as copied; copy again with --src-offset %" PRIu64
		" --dst-offset %" PRIu64 " --length %" PRIu64
		", after 'p2p-check %s %s', or with --sysmem",
		counts, counts[0] ? "; " : "", watch.aer_new.nonfatal,
		watch.aer_new.fatal, p->dst_offset, p->dst_offset + p->length,
		p->src_offset, p->dst_offset, p->length, p->src.path,
		p->dst.path);
}

/* The flag of @in that makes the CPU read the buffer on this side. */
static bool cpu_reads_buffer(const struct disk_integrity *in, bool write)
{
	return in->present && integrity_format_has_pi(in->format) &&
	       (write ? in->write_generate : in->read_verify);
}

static void text_integrity(const char *role, const struct endpoint *ep,
			   const struct disk_integrity *in, bool write)
{
	const char *flag = write ? "write_generate" : "read_verify";
	unsigned int i, n = write ? in->generate_disks : in->verify_disks;

	if (write)
		fprintf(stderr,
			PROG
			": %s %s: the kernel computes the protection information (%s) of every block written to it with the CPU (integrity/write_generate is 1), so the CPU reads every byte of the copy out of the p2pmem buffer: uncached reads of a device's memory, far slower than the copy itself",
			role, ep->path, in->format);
	else
		fprintf(stderr,
			PROG
			": %s %s: the kernel checks the protection information (%s) of every block read from it with the CPU (integrity/read_verify is 1): every byte that arrives in the p2pmem buffer is checked against %s's guard, a complete check that its data arrived, paid for with uncached CPU reads of the whole copy from a device's memory",
			role, ep->path, in->format, role);
	if (!integrity_offload_capable(in)) {
		fprintf(stderr,
			"; the controller cannot do it instead for this format (%u bytes of metadata per block): --sysmem is faster\n",
			in->metadata_size);
		return;
	}
	fprintf(stderr,
		"; to have the controller %s instead (for every user of the disk): ",
		write ? "insert it" : "check and strip it");
	for (i = 0; i < n; i++)
		fprintf(stderr, "%secho 0 > /sys/block/%s/integrity/%s",
			i ? "; " : "",
			write ? in->generate_disk[i] : in->verify_disk[i],
			flag);
	fputc('\n', stderr);
}

static struct json_object *json_integrity_side(const struct disk_integrity *in,
					       bool write)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "format", json_object_new_string(in->format));
	json_object_object_add(o, "read_verify",
			       json_object_new_boolean(in->read_verify));
	json_object_object_add(o, "write_generate",
			       json_object_new_boolean(in->write_generate));
	json_object_object_add(
		o, "cpu_reads_buffer",
		json_object_new_boolean(cpu_reads_buffer(in, write)));
	json_object_object_add(
		o, "controller_can_do_it",
		json_object_new_boolean(integrity_offload_capable(in)));
	return o;
}

void integrity_note(const struct options *o, const struct copy_plan *p,
		    struct json_object *summary)
{
	const struct endpoint *eps[2] = { &p->src, &p->dst };
	static const char *const roles[2] = { "SRC", "DST" };
	struct json_object *j = NULL;
	struct disk_integrity in;
	int i;

	if (!p->p2p || p->engine != COPY_ENGINE_BLOCK)
		return;
	for (i = 0; i < 2; i++) {
		if (!eps[i]->have_disk ||
		    disk_integrity_read(eps[i]->disk.name, &in) || !in.present)
			continue;
		if (!j)
			j = json_object_new_object();
		json_object_object_add(j, roles[i],
				       json_integrity_side(&in, i == 1));
		if (!o->json && cpu_reads_buffer(&in, i == 1))
			text_integrity(roles[i], eps[i], &in, i == 1);
	}
	if (j && summary)
		json_object_object_add(summary, "integrity", j);
	else
		json_object_put(j);
}

void cache_note(const struct options *o, const struct copy_plan *p,
		struct json_object *summary)
{
	struct p2pmem_cache_info c;
	struct json_object *j;
	char bdf[PCI_ADDR_STRLEN], bar[64];

	if (!p->p2p)
		return;
	p2pmem_cache_type(&p->provider, &c);
	pci_addr_format(&p->provider.addr, bdf, sizeof(bdf));
	snprintf(bar, sizeof(bar), "0x%" PRIx64 "-0x%" PRIx64, c.bar_start,
		 c.bar_end);
	j = json_object_new_object();
	json_object_object_add(
		j, "type", json_object_new_string(p2pmem_cache_name(c.type)));
	json_object_object_add(j, "source", json_object_new_string(c.source));
	json_object_object_add(j, "bar",
			       c.bar_end ? json_object_new_string(bar) : NULL);
	json_object_object_add(
		j, "kernel_map",
		c.kernel_map[0] ? json_object_new_string(c.kernel_map) : NULL);
	if (summary)
		json_object_object_add(summary, "buffer_cache", j);
	else
		json_object_put(j);
	if (o->json || !p2pmem_cache_is_cached(c.type))
		return;
	fprintf(stderr,
		PROG
		": warning: p2pcp's mapping of the p2pmem of %s is %s (%s, BAR %s): the CPU may keep what it stores in the buffer, and its loads, in its cache; p2pcp writes back and drops the lines its checks use, but --verify=p2pmem may report data as lost that arrived: use --verify (through system memory)\n",
		bdf, p2pmem_cache_name(c.type), c.source, bar);
}
