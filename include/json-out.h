/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The JSON shapes both front-ends print (json-c objects): text that is
 * valid UTF-8 whatever bytes a path holds, unknowns as null, a PCI
 * address, a list of strings, and a p2pmem provider as the kernel's
 * p2pmem sysfs directory describes it (size, available, published), so
 * p2pcp's "provider" and p2p-check's "p2pmem" entries have one shape.
 * No kernel interface of its own; each tool's printer owns the rest.
 */
#ifndef P2PCP_JSON_OUT_H
#define P2PCP_JSON_OUT_H

#include <json-c/json.h>

#include "p2pmem.h"
#include "pcitopo.h"
#include "util.h"

/*
 * A JSON string of @s.  JSON is UTF-8, paths are bytes: each byte that
 * is not part of valid UTF-8 becomes the four characters \xHH.
 */
json_object *json_text(const char *s);
/* The same, or null for NULL and "" (a fact not known). */
json_object *json_text_or_null(const char *s);
/* -1 unknown (null), 0 false, 1 true. */
json_object *json_tristate(int v);
/* "0000:03:00.0" */
json_object *json_pci_addr(const struct pci_addr *addr);
/* The texts of @l in order. */
json_object *json_text_list(const struct str_list *l);
/* { "pci", "size", "available", "published" } */
json_object *json_provider(const struct p2pmem_provider *pv);

#endif
