/* SPDX-License-Identifier: Apache-2.0 */
/* The policy's JSON: the text, the field-table walker and the leaf readers (policy_int.h). */
#include "policy_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "json_strict.h"
#include "x509.h"

#define POLICY_MAX_BYTES (1u << 20)

const char *poc_policy_type_name(json_type t)
{
	switch (t) {
	case json_type_null: return "null";
	case json_type_boolean: return "a boolean";
	case json_type_double: return "a number";
	case json_type_int: return "an integer";
	case json_type_object: return "an object";
	case json_type_array: return "an array";
	case json_type_string: return "a string";
	}
	return "?";
}

int poc_policy_want(struct pctx *c, json_object *o, json_type t, const char *path)
{
	if (!json_object_is_type(o, t))
		return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: expected %s, found %s", path,
				   poc_policy_type_name(t), poc_policy_type_name(json_object_get_type(o)));
	return 0;
}

/* A field without a handler: a boolean or a count, at f->off of dst. */
static int read_plain(struct pctx *c, const struct pfield *f, json_object *v, const char *path, void *dst)
{
	char *at = (char *)dst + f->off;
	int64_t n;

	if (f->type == json_type_boolean) {
		int b = json_object_get_boolean(v);

		memcpy(at, &b, sizeof(b));
		return 0;
	}
	n = json_object_get_int64(v);
	if (n < 0)
		return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: must not be negative", path);
	memcpy(at, &n, sizeof(n));
	return 0;
}

int poc_policy_fields(struct pctx *c, json_object *o, const char *path, const struct pfield *f, size_t nf,
		      void *dst)
{
	if (poc_policy_want(c, o, json_type_object, path) < 0)
		return -1;
	json_object_object_foreach(o, key, val) {
		size_t i;

		(void)val;
		for (i = 0; i < nf && strcmp(f[i].name, key) != 0; i++)
			;
		if (i == nf)
			return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: unknown field \"%s\"", path, key);
	}
	for (size_t i = 0; i < nf; i++) {
		json_object *v = NULL;
		char p[128];
		int one = 1, rv;

		/* A JSON null is there, as a NULL v: only the type check tells it from an absent field. */
		int present = json_object_object_get_ex(o, f[i].name, &v);

		snprintf(p, sizeof(p), "%s.%s", path, f[i].name);
		if (!present && f[i].missing != NULL)
			return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: %s", p, f[i].missing);
		if (!present && !f[i].always)
			continue;
		if (present && f[i].type != PF_ANY && poc_policy_want(c, v, (json_type)f[i].type, p) < 0)
			return -1;
		if (present && f[i].has != 0)
			memcpy((char *)dst + f[i].has - 1, &one, sizeof(one));
		if (f[i].parse != NULL)
			rv = f[i].parse(c, &f[i], v, p, dst);
		else if (f[i].sub != NULL)
			rv = poc_policy_fields(c, v, p, f[i].sub, f[i].nsub, dst);
		else
			rv = read_plain(c, &f[i], v, p, dst);
		if (rv < 0)
			return -1;
	}
	return 0;
}

int poc_policy_certs(struct pctx *c, json_object *arr, const char *path, STACK_OF(X509) **out)
{
	size_t i, n;

	if (poc_policy_want(c, arr, json_type_array, path) < 0)
		return -1;
	n = json_object_array_length(arr);
	if (n == 0)
		return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: empty list", path);
	if (n > POC_POLICY_MAX_CERT_FILES)
		return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: at most %d files", path, POC_POLICY_MAX_CERT_FILES);
	*out = sk_X509_new_null();
	if (*out == NULL)
		return poc_err_set(c->e, POC_ERR_NOMEM, "policy certificates");
	for (i = 0; i < n; i++) {
		json_object *f = json_object_array_get_idx(arr, i);
		STACK_OF(X509) *certs;
		uint8_t *buf = NULL;
		size_t len = 0;
		char p[160];

		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		if (poc_policy_want(c, f, json_type_string, p) < 0)
			return -1;
		if (c->load == NULL)
			return poc_err_set(c->e, POC_ERR_ARG, "policy %s: no file loader", p);
		if (c->load(c->load_ctx, c->e, json_object_get_string(f), &buf, &len) < 0) {
			poc_err_prefix(c->e, "policy %s: ", p);
			return -1;
		}
		certs = poc_x509_load(c->e, buf, len);
		free(buf);
		if (certs == NULL) {
			poc_err_prefix(c->e, "policy %s (%s): ", p, json_object_get_string(f));
			return -1;
		}
		while (sk_X509_num(certs) > 0) {
			X509 *x = sk_X509_shift(certs);

			if (!sk_X509_push(*out, x)) {
				X509_free(x);
				sk_X509_pop_free(certs, X509_free);
				return poc_err_set(c->e, POC_ERR_NOMEM, "policy certificates");
			}
		}
		sk_X509_free(certs);
	}
	return 0;
}

int poc_policy_field_certs(struct pctx *c, const struct pfield *f, json_object *v, const char *path, void *dst)
{
	STACK_OF(X509) *certs = NULL;
	int rv = poc_policy_certs(c, v, path, &certs);

	/* Stored on failure too: the policy's free releases what was loaded. */
	memcpy((char *)dst + f->off, &certs, sizeof(certs));
	return rv;
}

int poc_policy_values(struct pctx *c, json_object *arr, size_t len, const char *path, struct poc_policy_values *out)
{
	size_t i, n, got;

	if (poc_policy_want(c, arr, json_type_array, path) < 0)
		return -1;
	n = json_object_array_length(arr);
	if (n == 0 || n > POC_POLICY_MAX_VALUES)
		return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: between 1 and %d values", path,
				   POC_POLICY_MAX_VALUES);
	out->len = len;
	for (i = 0; i < n; i++) {
		json_object *h = json_object_array_get_idx(arr, i);
		char p[160];

		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		if (poc_policy_want(c, h, json_type_string, p) < 0)
			return -1;
		if (poc_hex_decode(c->e, json_object_get_string(h), (size_t)json_object_get_string_len(h), out->v[i],
				   sizeof(out->v[i]), &got) < 0) {
			poc_err_prefix(c->e, "policy %s: ", p);
			return -1;
		}
		if (got != len)
			return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: %zu bytes, expected %zu", p, got, len);
	}
	out->n = n;
	return 0;
}

json_object *poc_policy_json(struct poc_err *e, const char *json, size_t len)
{
	if (len > POLICY_MAX_BYTES) {
		poc_err_set(e, POC_ERR_MALFORMED, "policy: larger than %u bytes", POLICY_MAX_BYTES);
		return NULL;
	}
	return poc_json_parse_strict(e, json, len, "policy");
}
