/* SPDX-License-Identifier: Apache-2.0 */
/* A second, strict reading of JSON text: duplicate names, NULs, lone surrogates. */
#include "json_strict.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64
#define MAX_KEYS 4096 /* per object; a policy object has a few dozen */
#define PATH_MAX_LEN 160

struct key {
	const uint8_t *p;
	size_t len;
};

struct scan {
	struct poc_err *e;
	const char *what;
	const char *s;
	size_t len, at;
	uint8_t *arena; /* decoded strings; never longer than the text */
	size_t used;
	char path[PATH_MAX_LEN];
};

__attribute__((format(printf, 2, 3)))
static int fail(struct scan *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return poc_err_set(c->e, POC_ERR_MALFORMED, "%s %s: %s", c->what, c->path, msg);
}

static void skip_ws(struct scan *c)
{
	while (c->at < c->len && (c->s[c->at] == ' ' || c->s[c->at] == '\t' || c->s[c->at] == '\n' || c->s[c->at] == '\r'))
		c->at++;
}

static int hex4(struct scan *c, uint32_t *out)
{
	uint32_t v = 0;

	if (c->len - c->at < 4)
		return fail(c, "%s", "a truncated \\u escape");
	for (int i = 0; i < 4; i++) {
		char h = c->s[c->at++];

		v <<= 4;
		if (h >= '0' && h <= '9')
			v |= (uint32_t)(h - '0');
		else if ((h | 0x20) >= 'a' && (h | 0x20) <= 'f')
			v |= (uint32_t)((h | 0x20) - 'a' + 10);
		else
			return fail(c, "%s", "a bad \\u escape");
	}
	*out = v;
	return 0;
}

static void put_utf8(struct scan *c, uint32_t cp)
{
	uint8_t *o = c->arena + c->used;

	if (cp < 0x80) {
		o[0] = (uint8_t)cp, c->used += 1;
	} else if (cp < 0x800) {
		o[0] = (uint8_t)(0xc0 | cp >> 6), o[1] = (uint8_t)(0x80 | (cp & 0x3f)), c->used += 2;
	} else if (cp < 0x10000) {
		o[0] = (uint8_t)(0xe0 | cp >> 12), o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (uint8_t)(0x80 | (cp & 0x3f)), c->used += 3;
	} else {
		o[0] = (uint8_t)(0xf0 | cp >> 18), o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
		o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f)), o[3] = (uint8_t)(0x80 | (cp & 0x3f)), c->used += 4;
	}
}

/* One \uXXXX escape (the "\u" consumed), a surrogate pair as one code point. */
static int unicode_escape(struct scan *c)
{
	uint32_t cp, lo;

	if (hex4(c, &cp) < 0)
		return -1;
	if (cp == 0)
		return fail(c, "%s", "a NUL character (\\u0000) in a string or name");
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return fail(c, "%s", "a lone UTF-16 surrogate");
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (c->len - c->at < 2 || c->s[c->at] != '\\' || c->s[c->at + 1] != 'u')
			return fail(c, "%s", "a lone UTF-16 surrogate");
		c->at += 2;
		if (hex4(c, &lo) < 0)
			return -1;
		if (lo < 0xdc00 || lo > 0xdfff)
			return fail(c, "%s", "a lone UTF-16 surrogate");
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	put_utf8(c, cp);
	return 0;
}

/* A string at c->at (the opening quote), decoded into the arena as *out. */
static int scan_string(struct scan *c, struct key *out)
{
	static const char esc_in[] = "\"\\/bfnrt", esc_out[] = "\"\\/\b\f\n\r\t";

	if (c->at >= c->len || c->s[c->at] != '"')
		return fail(c, "%s", "not valid JSON (a string expected)");
	c->at++;
	out->p = c->arena + c->used;
	while (c->at < c->len && c->s[c->at] != '"') {
		char ch = c->s[c->at++];
		const char *x;

		if (ch == '\0')
			return fail(c, "%s", "a NUL byte in a string or name");
		if (ch != '\\') {
			c->arena[c->used++] = (uint8_t)ch;
			continue;
		}
		if (c->at >= c->len)
			break;
		ch = c->s[c->at++];
		if (ch == 'u') {
			if (unicode_escape(c) < 0)
				return -1;
		} else if (ch != '\0' && (x = strchr(esc_in, ch)) != NULL) {
			c->arena[c->used++] = (uint8_t)esc_out[x - esc_in];
		} else {
			return fail(c, "%s", "a bad escape");
		}
	}
	if (c->at >= c->len)
		return fail(c, "%s", "not valid JSON (an unterminated string)");
	c->at++;
	out->len = (size_t)(c->arena + c->used - out->p);
	return 0;
}

static int key_cmp(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int r = memcmp(x->p, y->p, n);

	return r != 0 ? r : x->len < y->len ? -1 : x->len > y->len;
}

static int scan_value(struct scan *c, int depth);

/* Appends ".name" or "[i]" to the path (cut short when long), returns the old length. */
static size_t path_push(struct scan *c, const struct key *k, size_t idx)
{
	size_t old = strlen(c->path);

	if (k != NULL)
		snprintf(c->path + old, sizeof(c->path) - old, ".%.*s", (int)(k->len > 48 ? 48 : k->len), (const char *)k->p);
	else
		snprintf(c->path + old, sizeof(c->path) - old, "[%zu]", idx);
	return old;
}

/* Sorted names: a duplicate sits next to its twin. */
static int check_dups(struct scan *c, struct key *keys, size_t n)
{
	char name[64];

	qsort(keys, n, sizeof(*keys), key_cmp);
	for (size_t i = 1; i < n; i++) {
		if (key_cmp(&keys[i - 1], &keys[i]) != 0)
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(keys[i].len > 48 ? 48 : keys[i].len), (const char *)keys[i].p);
		return fail(c, "field \"%s\" appears twice (json-c would silently keep the last)", name);
	}
	return 0;
}

static int scan_object(struct scan *c, int depth)
{
	struct key *keys = NULL;
	size_t n = 0, cap = 0, old;
	int rv = -1;

	c->at++; /* '{' */
	skip_ws(c);
	if (c->at < c->len && c->s[c->at] == '}') {
		c->at++;
		return 0;
	}
	for (;;) {
		if (n == cap) {
			struct key *k;

			cap = cap ? cap * 2 : 16;
			if (cap > MAX_KEYS || (k = realloc(keys, cap * sizeof(*k))) == NULL) {
				fail(c, "%s", "an object with too many fields");
				goto done;
			}
			keys = k;
		}
		skip_ws(c);
		if (scan_string(c, &keys[n]) < 0)
			goto done;
		skip_ws(c);
		if (c->at >= c->len || c->s[c->at++] != ':') {
			fail(c, "%s", "not valid JSON (':' expected)");
			goto done;
		}
		old = path_push(c, &keys[n], 0);
		n++;
		if (scan_value(c, depth + 1) < 0)
			goto done;
		c->path[old] = '\0';
		skip_ws(c);
		if (c->at < c->len && c->s[c->at] == ',') {
			c->at++;
			continue;
		}
		if (c->at < c->len && c->s[c->at] == '}') {
			c->at++;
			break;
		}
		fail(c, "%s", "not valid JSON (',' or '}' expected)");
		goto done;
	}
	rv = check_dups(c, keys, n);
done:
	free(keys);
	return rv;
}

static int scan_array(struct scan *c, int depth)
{
	size_t i, old;

	c->at++; /* '[' */
	skip_ws(c);
	if (c->at < c->len && c->s[c->at] == ']') {
		c->at++;
		return 0;
	}
	for (i = 0;; i++) {
		old = path_push(c, NULL, i);
		if (scan_value(c, depth + 1) < 0)
			return -1;
		c->path[old] = '\0';
		skip_ws(c);
		if (c->at < c->len && c->s[c->at] == ',') {
			c->at++;
			continue;
		}
		if (c->at < c->len && c->s[c->at] == ']') {
			c->at++;
			return 0;
		}
		return fail(c, "%s", "not valid JSON (',' or ']' expected)");
	}
}

static int scan_value(struct scan *c, int depth)
{
	struct key k;
	size_t start;

	if (depth > MAX_DEPTH)
		return fail(c, "%s", "nested too deeply");
	skip_ws(c);
	if (c->at >= c->len)
		return fail(c, "%s", "not valid JSON (a value expected)");
	switch (c->s[c->at]) {
	case '{': return scan_object(c, depth);
	case '[': return scan_array(c, depth);
	case '"': return scan_string(c, &k);
	default: break;
	}
	/* Numbers and true/false/null: json-c has judged them; only their extent matters here. */
	start = c->at;
	while (c->at < c->len && (strchr("+-.eE", c->s[c->at]) != NULL || (c->s[c->at] >= '0' && c->s[c->at] <= '9') ||
				  (c->s[c->at] >= 'a' && c->s[c->at] <= 'z')) && c->s[c->at] != '\0')
		c->at++;
	return c->at > start ? 0 : fail(c, "%s", "not valid JSON (a value expected)");
}

int poc_json_check_strict(struct poc_err *e, const char *json, size_t len, const char *what)
{
	struct scan c = { .e = e, .what = what, .s = json, .len = len, .path = "$" };
	int rv;

	if (json == NULL && len > 0)
		return poc_err_set(e, POC_ERR_ARG, "%s: no text", what);
	c.arena = malloc(len + 1);
	if (c.arena == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "%s: strict JSON check", what);
	rv = scan_value(&c, 0);
	if (rv == 0) {
		skip_ws(&c);
		if (c.at != c.len)
			rv = fail(&c, "%s", "trailing data after the document");
	}
	free(c.arena);
	return rv;
}

json_object *poc_json_parse_strict(struct poc_err *e, const char *json, size_t len, const char *what)
{
	struct json_tokener *tok;
	enum json_tokener_error je;
	json_object *root;
	size_t at;

	if (len > INT32_MAX) {
		poc_err_set(e, POC_ERR_MALFORMED, "%s: too large", what);
		return NULL;
	}
	tok = json_tokener_new_ex(32);
	if (tok == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "%s parser", what);
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, json, (int)len);
	je = json_tokener_get_error(tok);
	at = json_tokener_get_parse_end(tok);
	/* Trailing white space after the document is fine. */
	while (root != NULL && je == json_tokener_success && at < len &&
	       (json[at] == ' ' || json[at] == '\n' || json[at] == '\r' || json[at] == '\t'))
		at++;
	json_tokener_free(tok);
	if (root == NULL || je != json_tokener_success || at != len) {
		json_object_put(root);
		poc_err_set(e, POC_ERR_MALFORMED, "%s: not valid JSON at byte %zu (%s)", what, at,
			    je == json_tokener_success ? "trailing data" : json_tokener_error_desc(je));
		return NULL;
	}
	/* json-c keeps the last of two equal names: a document must not read two ways. */
	if (poc_json_check_strict(e, json, len, what) < 0) {
		json_object_put(root);
		return NULL;
	}
	return root;
}
