/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The signed part of an Intel PCS collateral document: the whole JSON, or
 * the member "tcbInfo" / "enclaveIdentity" of {"inner": {...}, "signature":
 * "hex"}, located in the text as raw bytes (the signature covers those, not
 * a re-serialization) and parsed strictly. collateral_parse.c reads the
 * fields; collateral.c verifies.
 */
#include "collateral_int.h"

#include <string.h>

#include <json-c/json.h>

#include "hex.h"

/* ---- raw JSON spans ---------------------------------------------------- */

static size_t skip_ws(const char *s, size_t i, size_t n)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/* Index just past the string starting at s[i] == '"', or 0 on error. */
static size_t skip_string(const char *s, size_t i, size_t n)
{
	for (i++; i < n; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return 0;
}

/* Index just past the value at s[i]; the text was already validated by json-c. */
static size_t skip_value(const char *s, size_t i, size_t n)
{
	int depth = 0;

	if (i >= n)
		return 0;
	if (s[i] == '"')
		return skip_string(s, i, n);
	if (s[i] != '{' && s[i] != '[') {
		while (i < n && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' &&
		       s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			i++;
		return i;
	}
	for (; i < n; i++) {
		if (s[i] == '"') {
			i = skip_string(s, i, n);
			if (i == 0)
				return 0;
			i--;
		} else if (s[i] == '{' || s[i] == '[') {
			depth++;
		} else if (s[i] == '}' || s[i] == ']') {
			if (--depth == 0)
				return i + 1;
		}
	}
	return 0;
}

/*
 * The raw bytes of top-level member name's value. Intel signs these exact
 * bytes, so re-serializing the parsed object would break the signature.
 */
static int member_span(const char *s, size_t n, const char *name, size_t *off, size_t *len)
{
	size_t i = skip_ws(s, 0, n), k, nl = strlen(name);

	if (i >= n || s[i] != '{')
		return -1;
	i = skip_ws(s, i + 1, n);
	while (i < n && s[i] == '"') {
		k = skip_string(s, i, n);
		if (k == 0)
			return -1;
		int match = k - i - 2 == nl && memcmp(s + i + 1, name, nl) == 0;
		i = skip_ws(s, k, n);
		if (i >= n || s[i] != ':')
			return -1;
		i = skip_ws(s, i + 1, n);
		k = skip_value(s, i, n);
		if (k == 0)
			return -1;
		if (match) {
			*off = i;
			*len = k - i;
			return 0;
		}
		i = skip_ws(s, k, n);
		if (i < n && s[i] == ',')
			i = skip_ws(s, i + 1, n);
	}
	return -1;
}

static struct json_object *json_parse_strict(struct poc_err *e, const char *what, const uint8_t *buf,
					     size_t len)
{
	struct json_tokener *tok;
	struct json_object *o;

	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' ' ||
			   buf[len - 1] == '\t'))
		len--;
	if (len == 0 || len > POC_COLLATERAL_MAX_FILE) {
		poc_err_set(e, POC_ERR_MALFORMED, "%s: empty or larger than %u bytes", what,
			    POC_COLLATERAL_MAX_FILE);
		return NULL;
	}
	if (memchr(buf, '\0', len) != NULL) {
		poc_err_set(e, POC_ERR_MALFORMED, "%s: NUL byte in JSON", what);
		return NULL;
	}
	tok = json_tokener_new();
	if (tok == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "%s: JSON tokener", what);
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, (const char *)buf, (int)len);
	if (o == NULL || json_tokener_get_parse_end(tok) != len) {
		poc_err_set(e, POC_ERR_MALFORMED, "%s: not valid JSON (%s)", what,
			    json_tokener_error_desc(json_tokener_get_error(tok)));
		json_object_put(o);
		o = NULL;
	} else if (!json_object_is_type(o, json_type_object)) {
		poc_err_set(e, POC_ERR_MALFORMED, "%s: not a JSON object", what);
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/*
 * Finds the signed JSON: the whole document, or the member "inner" of a PCS
 * response {"inner": {...}, "signature": "hex"}. Returns the parsed inner
 * object, its raw span, and the response's signature when there is one.
 */
struct json_object *poc_collateral_load_signed_json(struct poc_err *e, const char *what, const char *inner,
						    const uint8_t *buf, size_t len, size_t *span_off,
						    size_t *span_len, uint8_t sig[64], int *has_sig)
{
	struct json_object *root = json_parse_strict(e, what, buf, len), *o = NULL, *s = NULL;
	struct poc_err scratch = { 0 };
	size_t got = 0;

	*has_sig = 0;
	if (root == NULL)
		return NULL;
	if (!json_object_object_get_ex(root, inner, &o)) {
		*span_off = 0;
		*span_len = len;
		return root;
	}
	if (!json_object_is_type(o, json_type_object)) {
		poc_err_set(e, POC_ERR_MALFORMED, "%s: \"%s\" is not an object", what, inner);
		goto err;
	}
	if (member_span((const char *)buf, len, inner, span_off, span_len) < 0) {
		poc_err_set(e, POC_ERR_MALFORMED, "%s: cannot locate \"%s\" in the text", what, inner);
		goto err;
	}
	if (json_object_object_get_ex(root, "signature", &s)) {
		const char *h = json_object_get_string(s);

		if (!json_object_is_type(s, json_type_string) || strlen(h) != 128 ||
		    poc_hex_decode(&scratch, h, 128, sig, 64, &got) < 0 || got != 64) {
			poc_err_set(e, POC_ERR_MALFORMED, "%s: \"signature\" is not 64 hex bytes", what);
			goto err;
		}
		*has_sig = 1;
	}
	/*
	 * Parse the very bytes the signature covers: with a duplicated
	 * "tcbInfo", json-c keeps the last one while the span is the first.
	 */
	json_object_put(root);
	return json_parse_strict(e, what, buf + *span_off, *span_len);
err:
	json_object_put(root);
	return NULL;
}
