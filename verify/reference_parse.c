/* SPDX-License-Identifier: Apache-2.0 */
/* Reference-value files (reference.h): strict JSON, a list of hex digests. */
#include "reference.h"

#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "hex.h"
#include "json_strict.h"

#define REF_MAX_BYTES (1u << 20)
#define REF_MIN_LEN 16

static json_object *parse_text(struct poc_err *e, const char *what, const char *json, size_t len)
{
	if (len > REF_MAX_BYTES) {
		poc_err_set(e, POC_ERR_MALFORMED, "%s: larger than %u bytes", what, REF_MAX_BYTES);
		return NULL;
	}
	return poc_json_parse_strict(e, json, len, what);
}

static int one_value(struct poc_err *e, const char *what, size_t i, json_object *h, struct poc_refvals *out)
{
	const char *s;
	size_t n, got;

	if (!json_object_is_type(h, json_type_string))
		return poc_err_set(e, POC_ERR_MALFORMED, "%s: value %zu is not a string", what, i);
	s = json_object_get_string(h);
	n = (size_t)json_object_get_string_len(h);
	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		n -= 2;
	}
	if (poc_hex_decode(e, s, n, out->v[out->n], POC_REF_MAX_LEN, &got) < 0) {
		poc_err_prefix(e, "%s: value %zu: ", what, i);
		return -1;
	}
	if (got < REF_MIN_LEN)
		return poc_err_set(e, POC_ERR_MALFORMED, "%s: value %zu has %zu bytes (a digest has %d to %d)", what, i, got,
				   REF_MIN_LEN, POC_REF_MAX_LEN);
	out->len[out->n++] = (uint8_t)got;
	return 0;
}

static int value_list(struct poc_err *e, const char *what, json_object *arr, struct poc_refvals *out)
{
	size_t i, n;

	if (!json_object_is_type(arr, json_type_array))
		return poc_err_set(e, POC_ERR_MALFORMED, "%s: expected a list of hex values", what);
	n = json_object_array_length(arr);
	if (n == 0 || n > POC_REF_MAX_VALUES)
		return poc_err_set(e, POC_ERR_MALFORMED, "%s: between 1 and %d values", what, POC_REF_MAX_VALUES);
	for (i = 0; i < n; i++)
		if (one_value(e, what, i, json_object_array_get_idx(arr, i), out) < 0)
			return -1;
	return 0;
}

/* {"expected_any": [...], "description": "..."}: nothing else. */
static int value_object(struct poc_err *e, const char *what, json_object *o, struct poc_refvals *out)
{
	json_object *list = NULL;

	json_object_object_foreach(o, key, val) {
		if (strcmp(key, "expected_any") == 0)
			list = val;
		else if (strcmp(key, "description") == 0) {
			if (!json_object_is_type(val, json_type_string))
				return poc_err_set(e, POC_ERR_MALFORMED, "%s: description is not a string", what);
		} else
			return poc_err_set(e, POC_ERR_MALFORMED, "%s: unknown field \"%s\"", what, key);
	}
	if (list == NULL)
		return poc_err_set(e, POC_ERR_MALFORMED, "%s: no expected_any list", what);
	return value_list(e, what, list, out);
}

int poc_refvals_parse(struct poc_err *e, const char *what, const char *json, size_t len, struct poc_refvals *out)
{
	json_object *root;
	int rv;

	memset(out, 0, sizeof(*out));
	if (json == NULL)
		return poc_err_set(e, POC_ERR_ARG, "%s: no text", what);
	root = parse_text(e, what, json, len);
	if (root == NULL)
		return -1;
	if (json_object_is_type(root, json_type_array))
		rv = value_list(e, what, root, out);
	else if (json_object_is_type(root, json_type_object))
		rv = value_object(e, what, root, out);
	else
		rv = poc_err_set(e, POC_ERR_MALFORMED, "%s: expected a list or {\"expected_any\": [...]}", what);
	json_object_put(root);
	if (rv < 0)
		memset(out, 0, sizeof(*out));
	return rv;
}

int poc_refvals_has(const struct poc_refvals *r, const uint8_t *m, size_t len)
{
	int match = 0;

	for (size_t i = 0; r != NULL && i < r->n; i++)
		match |= r->len[i] == len && CRYPTO_memcmp(r->v[i], m, len) == 0;
	return match;
}
