/* SPDX-License-Identifier: Apache-2.0 */
/*
 * header.templates of the sealed-object format (object.h): a key's
 * CKA_WRAP_TEMPLATE, CKA_UNWRAP_TEMPLATE and CKA_DERIVE_TEMPLATE as three
 * arrays of [type, value] pairs. Strict like the rest of the header: exactly
 * three arrays, at most POC_OBJECT_TEMPLATE_ATTRS pairs each, a type once per
 * template, values of 1..POC_OBJECT_TEMPLATE_VALUE_MAX bytes, and never all
 * three empty (the encoder leaves the field out then).
 */
#include "store/object_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cbor_util.h"

static cbor_item_t *template_encode(const struct poc_object_template *t)
{
	cbor_item_t *a = cbor_new_definite_array(t->n), *pair = NULL, *x = NULL;

	for (size_t i = 0; a != NULL && i < t->n; i++) {
		if ((pair = cbor_new_definite_array(2)) == NULL)
			goto fail;
		if ((x = cbor_build_uint64(t->attrs[i].type)) == NULL || !cbor_array_push(pair, x))
			goto fail_x;
		cbor_decref(&x);
		if ((x = poc_cbor_bstr(t->attrs[i].value, t->attrs[i].len)) == NULL || !cbor_array_push(pair, x))
			goto fail_x;
		cbor_decref(&x);
		if (!cbor_array_push(a, pair))
			goto fail;
		cbor_decref(&pair);
	}
	return a;
fail_x:
	if (x)
		cbor_decref(&x);
fail:
	if (pair)
		cbor_decref(&pair);
	if (a)
		cbor_decref(&a);
	return NULL;
}

cbor_item_t *poc_object_templates_encode(const struct poc_object_header *h, int *err)
{
	cbor_item_t *a, *t;
	size_t total = 0;

	*err = 0;
	for (int k = 0; k < POC_TMPL_N; k++)
		total += h->tmpl[k].n;
	if (total == 0)
		return NULL;
	if ((a = cbor_new_definite_array(POC_TMPL_N)) == NULL) {
		*err = 1;
		return NULL;
	}
	for (int k = 0; k < POC_TMPL_N; k++) {
		if ((t = template_encode(&h->tmpl[k])) == NULL || !cbor_array_push(a, t)) {
			if (t)
				cbor_decref(&t);
			cbor_decref(&a);
			*err = 1;
			return NULL;
		}
		cbor_decref(&t);
	}
	return a;
}

/* One [type, value] pair into at; 0 or -1 with e set. */
static int attr_decode(struct poc_err *e, const cbor_item_t *p, struct poc_object_attr *at)
{
	cbor_item_t **v;
	size_t len;

	if (!cbor_isa_array(p) || !cbor_array_is_definite(p) || cbor_array_size(p) != 2)
		return poc_err_set(e, POC_ERR_MALFORMED, "object: a header.templates entry is not a [type, value] pair");
	v = cbor_array_handle(p);
	if (!cbor_isa_uint(v[0]) || cbor_get_int(v[0]) > ULONG_MAX || !poc_cbor_is_bstr(v[1]))
		return poc_err_set(e, POC_ERR_MALFORMED, "object: a header.templates entry is not [uint, bstr]");
	len = cbor_bytestring_length(v[1]);
	if (len == 0 || len > POC_OBJECT_TEMPLATE_VALUE_MAX)
		return poc_err_set(e, POC_ERR_MALFORMED, "object: a header.templates value of %zu bytes (1..%d)", len,
				   POC_OBJECT_TEMPLATE_VALUE_MAX);
	if ((at->value = malloc(len)) == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "object: header.templates");
	memcpy(at->value, cbor_bytestring_handle(v[1]), len);
	at->len = len;
	at->type = (unsigned long)cbor_get_int(v[0]);
	return 0;
}

static int template_decode(struct poc_err *e, const cbor_item_t *a, struct poc_object_template *t)
{
	size_t n;

	if (!cbor_isa_array(a) || !cbor_array_is_definite(a))
		return poc_err_set(e, POC_ERR_MALFORMED, "object: a header.templates template is not a definite array");
	n = cbor_array_size(a);
	if (n > POC_OBJECT_TEMPLATE_ATTRS)
		return poc_err_set(e, POC_ERR_MALFORMED, "object: a header.templates template of %zu attributes (at most %d)",
				   n, POC_OBJECT_TEMPLATE_ATTRS);
	if (n == 0)
		return 0;
	if ((t->attrs = calloc(n, sizeof(*t->attrs))) == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "object: header.templates");
	for (size_t i = 0; i < n; i++) {
		if (attr_decode(e, cbor_array_handle(a)[i], &t->attrs[i]) < 0)
			return -1;
		t->n = i + 1;
		for (size_t j = 0; j < i; j++)
			if (t->attrs[j].type == t->attrs[i].type)
				return poc_err_set(e, POC_ERR_MALFORMED, "object: attribute 0x%lx twice in a header.templates template",
						   t->attrs[i].type);
	}
	return 0;
}

int poc_object_templates_decode(struct poc_err *e, const cbor_item_t *v, struct poc_object_header *h)
{
	size_t total = 0;

	if (!cbor_isa_array(v) || !cbor_array_is_definite(v) || cbor_array_size(v) != POC_TMPL_N)
		return poc_err_set(e, POC_ERR_MALFORMED, "object: header.templates is not an array of %d templates", POC_TMPL_N);
	for (int k = 0; k < POC_TMPL_N; k++) {
		if (template_decode(e, cbor_array_handle(v)[k], &h->tmpl[k]) < 0)
			return -1;
		total += h->tmpl[k].n;
	}
	if (total == 0)
		return poc_err_set(e, POC_ERR_MALFORMED, "object: header.templates holds no attribute");
	return 0;
}

void poc_object_templates_free(struct poc_object_header *h)
{
	for (int k = 0; k < POC_TMPL_N; k++) {
		for (size_t i = 0; i < h->tmpl[k].n; i++)
			free(h->tmpl[k].attrs[i].value);
		free(h->tmpl[k].attrs);
		h->tmpl[k].attrs = NULL;
		h->tmpl[k].n = 0;
	}
}
