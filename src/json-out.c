// SPDX-License-Identifier: GPL-2.0-or-later
/* The JSON shapes both front-ends print (json-out.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-out.h"

/* The length of the valid UTF-8 sequence at @s, 0 if it is not one. */
static size_t utf8_sequence(const unsigned char *s)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates, beyond U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

json_object *json_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	json_object *o;
	size_t len = strlen(s), n, out = 0;
	char *buf = malloc(len * 4 + 1);

	if (!buf)
		return json_object_new_string("");
	while (*p) {
		n = utf8_sequence(p);
		if (n) {
			memcpy(buf + out, p, n);
		} else {
			n = 1;
			snprintf(buf + out, 5, "\\x%02X", *p);
			out += 3;
		}
		out += n;
		p += n;
	}
	buf[out] = '\0';
	o = json_object_new_string(buf);
	free(buf);
	return o;
}

json_object *json_text_or_null(const char *s)
{
	return s && *s ? json_text(s) : NULL;
}

json_object *json_tristate(int v)
{
	return v < 0 ? NULL : json_object_new_boolean(v);
}

json_object *json_pci_addr(const struct pci_addr *addr)
{
	char bdf[PCI_ADDR_STRLEN];

	return json_object_new_string(pci_addr_format(addr, bdf, sizeof(bdf)));
}

json_object *json_text_list(const struct str_list *l)
{
	json_object *arr = json_object_new_array();
	size_t i;

	for (i = 0; i < l->n; i++)
		json_object_array_add(arr, json_text(l->v[i].text));
	return arr;
}

json_object *json_provider(const struct p2pmem_provider *pv)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "pci", json_pci_addr(&pv->addr));
	json_object_object_add(o, "size", json_object_new_uint64(pv->size));
	json_object_object_add(o, "available",
			       json_object_new_uint64(pv->available));
	json_object_object_add(o, "published",
			       json_object_new_boolean(pv->published));
	return o;
}
