// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The fabric watch: AER counters before and after, the kernel log in
 * between.  A log line counts only when it names a watched device: by
 * the record's DEVICE= key, its full PCI address, the short "[BB:DD.F]"
 * form that Intel's DMAR fault lines use, or one of its NVMe controller
 * names ("nvme0:", as the timeout lines say).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fabric-watch.h"
#include "sysfs.h"

const char *fabric_role_name(enum fabric_role role)
{
	static const char *const names[] = { "SRC", "DST", "provider", "port" };

	return names[role];
}

const char *fabric_event_name(enum fabric_event_kind kind)
{
	static const char *const names[] = { "IOMMU fault",
					     "uncorrectable AER error",
					     "correctable AER error",
					     "NVMe command timeout" };

	return names[kind];
}

static bool has(const char *text, const char *word)
{
	return strstr(text, word) != NULL;
}

int fabric_classify(const char *text)
{
	if ((has(text, "DMAR:") &&
	     (has(text, "fault") || has(text, "[DMA "))) ||
	    (has(text, "AMD-Vi:") &&
	     (has(text, "PAGE_FAULT") || has(text, "Event logged"))) ||
	    (has(text, "smmu") && has(text, "fault")))
		return FABRIC_IOMMU_FAULT;
	if (has(text, "AER:") || has(text, "PCIe Bus Error")) {
		/* "Uncorrected (Non-Fatal)", "Uncorrectable", "Fatal" first:
		 * they contain "orrect" too. */
		if (has(text, "Uncorrect") || has(text, "Fatal") ||
		    has(text, "fatal"))
			return FABRIC_AER_UNCORRECTABLE;
		if (has(text, "Correct") || has(text, "correct"))
			return FABRIC_AER_CORRECTABLE;
		return -1;
	}
	if (has(text, "timeout") && (has(text, "abort") || has(text, "reset")))
		return FABRIC_NVME_TIMEOUT;
	return -1;
}

static struct fabric_device *find_device(struct fabric_watch *w,
					 const struct pci_addr *a)
{
	unsigned int i;

	for (i = 0; i < w->devices; i++)
		if (pci_addr_equal(&w->dev[i].addr, a))
			return &w->dev[i];
	return NULL;
}

static void ctrl_names(struct fabric_device *d)
{
	char bdf[PCI_ADDR_STRLEN], path[PATH_MAX];
	unsigned int n = 0;
	struct dirent *e;
	DIR *dir;

	if (sysfs_path(path, sizeof(path), "/sys/bus/pci/devices/%s/nvme",
		       pci_addr_format(&d->addr, bdf, sizeof(bdf))))
		return;
	dir = opendir(path);
	if (!dir)
		return;
	while ((e = readdir(dir)) && n < FABRIC_CTRL_NAMES)
		if (!strncmp(e->d_name, "nvme", 4) &&
		    strlen(e->d_name) < sizeof(d->ctrl[0]))
			snprintf(d->ctrl[n++], sizeof(d->ctrl[0]), "%s",
				 e->d_name);
	closedir(dir);
}

static void add_device(struct fabric_watch *w, const struct pci_addr *a,
		       enum fabric_role role)
{
	struct fabric_device *d;

	if (find_device(w, a) || w->devices == FABRIC_MAX_DEVICES)
		return;
	d = &w->dev[w->devices++];
	memset(d, 0, sizeof(*d));
	d->addr = *a;
	d->role = role;
	ctrl_names(d);
	aer_counts_read(a, &d->before);
}

/* @a, after the bridges above it (from its sysfs device path). */
static void add_with_path(struct fabric_watch *w, const struct pci_addr *a,
			  enum fabric_role role)
{
	char bdf[PCI_ADDR_STRLEN], link[PATH_MAX], real[PATH_MAX];
	char *part, *save = NULL;
	struct fabric_device *d;
	struct pci_addr up;

	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s",
		 pci_addr_format(a, bdf, sizeof(bdf)));
	if (!sysfs_realpath(link, real, sizeof(real)))
		for (part = strtok_r(real, "/", &save); part;
		     part = strtok_r(NULL, "/", &save))
			if (strchr(part, '.') && !pci_addr_parse(part, &up) &&
			    !pci_addr_equal(&up, a))
				add_device(w, &up, FABRIC_PORT);
	add_device(w, a, role);
	/* Seen first as a port above another device: its own role wins. */
	d = find_device(w, a);
	if (d)
		d->role = role;
}

void fabric_watch_start(struct fabric_watch *w, const struct pci_addr *addr,
			const enum fabric_role *role, unsigned int n,
			const char *kmsg_path)
{
	unsigned int i;

	memset(w, 0, sizeof(*w));
	w->kmsg.fd = -1;
	/* The log first: nothing logged after the counters is missed. */
	w->kmsg_error = kmsg_open(&w->kmsg, kmsg_path);
	for (i = 0; i < n; i++)
		add_with_path(w, &addr[i], role[i]);
	w->active = true;
}

/* "nvme0" followed by ':' or ' ', not preceded by a name character. */
static bool names_ctrl(const char *text, const char *ctrl)
{
	size_t len = strlen(ctrl);
	const char *p;

	for (p = strstr(text, ctrl); p; p = strstr(p + 1, ctrl))
		if ((p == text || p[-1] == ' ') &&
		    (p[len] == ':' || p[len] == ' '))
			return true;
	return false;
}

static bool names_device(const struct fabric_device *d, const char *text,
			 const char *device)
{
	char bdf[PCI_ADDR_STRLEN], brief[16];
	struct pci_addr a;
	unsigned int i;

	if (!strncmp(device, "+pci:", 5) && !pci_addr_parse(device + 5, &a) &&
	    pci_addr_equal(&a, &d->addr))
		return true;
	if (has(text, pci_addr_format(&d->addr, bdf, sizeof(bdf))))
		return true;
	snprintf(brief, sizeof(brief), "[%02x:%02x.%u]", d->addr.bus,
		 d->addr.dev, d->addr.fn);
	if (d->addr.domain == 0 && has(text, brief))
		return true;
	for (i = 0; i < FABRIC_CTRL_NAMES && d->ctrl[i][0]; i++)
		if (names_ctrl(text, d->ctrl[i]))
			return true;
	return false;
}

static void take_line(struct fabric_watch *w, const char *text,
		      const char *device)
{
	int kind = fabric_classify(text);
	struct fabric_quote *q;
	unsigned int i;
	size_t len;

	if (kind < 0)
		return;
	for (i = 0; i < w->devices; i++)
		if (names_device(&w->dev[i], text, device))
			break;
	if (i == w->devices)
		return;
	w->events[kind]++;
	if (w->quotes == FABRIC_MAX_QUOTES)
		return;
	q = &w->quote[w->quotes++];
	q->kind = kind;
	len = strnlen(text, sizeof(q->text) - 1);
	memcpy(q->text, text, len);
	q->text[len] = '\0';
}

void fabric_watch_poll(struct fabric_watch *w)
{
	char text[KMSG_RECORD_MAX], device[64];
	int ret;

	if (!w->active || w->kmsg_error)
		return;
	while ((ret = kmsg_next(&w->kmsg, text, sizeof(text), device,
				sizeof(device))) > 0)
		take_line(w, text, device);
	if (ret < 0)
		w->kmsg_error = ret;
	w->kmsg_missed = w->kmsg.missed;
}

void fabric_watch_stop(struct fabric_watch *w)
{
	/* An IOMMU fault is logged from its interrupt: give it a moment. */
	struct timespec settle = { .tv_nsec = 20 * 1000 * 1000 };
	struct fabric_device *d;
	unsigned int i;

	if (!w->active)
		return;
	nanosleep(&settle, NULL);
	fabric_watch_poll(w);
	kmsg_close(&w->kmsg);
	for (i = 0; i < w->devices; i++) {
		d = &w->dev[i];
		aer_counts_read(&d->addr, &d->after);
		aer_counts_delta(&d->before, &d->after, &d->delta);
		w->aer_new.have |= d->delta.have;
		w->aer_new.correctable += d->delta.correctable;
		w->aer_new.nonfatal += d->delta.nonfatal;
		w->aer_new.fatal += d->delta.fatal;
	}
	w->active = false;
}

bool fabric_watch_loss(const struct fabric_watch *w)
{
	return w->events[FABRIC_IOMMU_FAULT] ||
	       w->events[FABRIC_AER_UNCORRECTABLE] || w->aer_new.nonfatal ||
	       w->aer_new.fatal;
}

bool fabric_watch_noteworthy(const struct fabric_watch *w)
{
	unsigned int k;

	for (k = 0; k < FABRIC_EVENT_KINDS; k++)
		if (w->events[k])
			return true;
	return fabric_watch_loss(w) || w->aer_new.correctable;
}
