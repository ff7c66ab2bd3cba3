/* SPDX-License-Identifier: Apache-2.0 */
/* CBOR input that libcbor may safely load: every parser of untrusted CBOR goes through here. */
#include "cbor_util.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"

#define CBOR_MAX_DEPTH 16

/*
 * libcbor 0.8's cbor_load allocates arrays and maps by their declared size
 * before reading them, so a 12-byte input can ask for gigabytes. This walk
 * checks every declared length against the bytes that remain (each item takes
 * at least one byte) and bounds nesting, before libcbor sees the input.
 */
static int cbor_head(struct poc_rd *r, uint8_t *major, uint8_t *ai, uint64_t *val)
{
	uint8_t b, b8;
	uint16_t v16;
	uint32_t v32, lo;

	if (poc_rd_u8(r, &b) < 0)
		return -1;
	*major = b >> 5;
	*ai = b & 31;
	*val = *ai;
	switch (*ai) {
	case 24: if (poc_rd_u8(r, &b8) < 0) return -1; *val = b8; break;
	case 25: if (poc_rd_u16be(r, &v16) < 0) return -1; *val = v16; break;
	case 26: if (poc_rd_u32be(r, &v32) < 0) return -1; *val = v32; break;
	case 27:
		if (poc_rd_u32be(r, &v32) < 0 || poc_rd_u32be(r, &lo) < 0)
			return -1;
		*val = (uint64_t)v32 << 32 | lo;
		break;
	case 28: case 29: case 30: return -1;
	default: break;
	}
	return 0;
}

static int cbor_walk(struct poc_rd *r, int depth)
{
	uint8_t major, ai;
	uint64_t v, i, n;

	if (depth > CBOR_MAX_DEPTH || cbor_head(r, &major, &ai, &v) < 0)
		return -1;
	if (ai == 31) {
		if (major < 2 || major == 6)
			return -1;
		if (major == 7)
			return -2; /* "break": ends the enclosing indefinite item */
		for (;;) {
			int rv = cbor_walk(r, depth + 1);

			if (rv == -2)
				return 0;
			if (rv < 0)
				return -1;
		}
	}
	switch (major) {
	case 2:
	case 3:
		return v <= r->left ? poc_rd_bytes(r, (size_t)v, NULL) : -1;
	case 4:
	case 5:
		n = major == 5 ? 2 : 1;
		if (v > r->left / n)
			return -1;
		for (i = 0; i < v * n; i++)
			if (cbor_walk(r, depth + 1) < 0)
				return -1;
		return 0;
	case 6:
		return cbor_walk(r, depth + 1) < 0 ? -1 : 0;
	default:
		return 0;
	}
}

cbor_item_t *poc_cbor_load(struct poc_err *e, const uint8_t *buf, size_t len, const char *what)
{
	struct cbor_load_result res;
	struct poc_rd r;
	cbor_item_t *item;

	poc_rd_init(&r, buf, len);
	if (cbor_walk(&r, 0) != 0) {
		poc_err_set(e, POC_ERR_MALFORMED, "%s: not well-formed CBOR (a length runs past the end, or nesting deeper than %d)",
			    what, CBOR_MAX_DEPTH);
		return NULL;
	}
	item = cbor_load(buf, len, &res);
	if (item == NULL) {
		poc_err_set(e, res.error.code == CBOR_ERR_MEMERROR ? POC_ERR_NOMEM : POC_ERR_MALFORMED,
			    "%s: not CBOR (error %d at byte %zu)", what, (int)res.error.code, res.error.position);
		return NULL;
	}
	if (res.read != len) {
		poc_err_set(e, POC_ERR_MALFORMED, "%s: %zu trailing bytes after the CBOR item", what, len - res.read);
		cbor_decref(&item);
		return NULL;
	}
	return item;
}

int poc_cbor_add(cbor_item_t *map, cbor_item_t *k, cbor_item_t *v)
{
	int ok = map != NULL && k != NULL && v != NULL && cbor_map_add(map, (struct cbor_pair){ .key = k, .value = v });

	if (k)
		cbor_decref(&k);
	if (v)
		cbor_decref(&v);
	return ok ? 0 : -1;
}

int poc_cbor_put(cbor_item_t *map, const char *key, cbor_item_t *value)
{
	return value == NULL ? -1 : poc_cbor_add(map, cbor_build_string(key), value);
}

cbor_item_t *poc_cbor_bstr(const uint8_t *p, size_t len)
{
	return cbor_build_bytestring(len ? p : (const uint8_t *)"", len);
}

int poc_cbor_is_bstr(const cbor_item_t *i)
{
	return cbor_isa_bytestring(i) && cbor_bytestring_is_definite(i);
}

int poc_cbor_is_bool(const cbor_item_t *i)
{
	return i != NULL && cbor_isa_float_ctrl(i) && cbor_float_get_width(i) == CBOR_FLOAT_0 && cbor_is_bool(i);
}

int poc_cbor_is_text(const cbor_item_t *i)
{
	return cbor_isa_string(i) && cbor_string_is_definite(i);
}

int poc_cbor_text_is(const cbor_item_t *i, const char *s)
{
	size_t n = strlen(s);

	return poc_cbor_is_text(i) && cbor_string_length(i) == n && memcmp(cbor_string_handle(i), s, n) == 0;
}

int poc_cbor_int(const cbor_item_t *i, int64_t *v)
{
	uint64_t u;

	if (!cbor_isa_uint(i) && !cbor_isa_negint(i))
		return -1;
	u = cbor_get_int(i);
	if (u > INT64_MAX)
		return -1;
	*v = cbor_isa_uint(i) ? (int64_t)u : -1 - (int64_t)u;
	return 0;
}

int poc_cbor_same_key(const cbor_item_t *a, const cbor_item_t *b)
{
	int64_t x, y;

	if (poc_cbor_int(a, &x) == 0 && poc_cbor_int(b, &y) == 0)
		return x == y;
	return poc_cbor_is_text(a) && poc_cbor_is_text(b) && cbor_string_length(a) == cbor_string_length(b) &&
	       memcmp(cbor_string_handle(a), cbor_string_handle(b), cbor_string_length(a)) == 0;
}

int poc_cbor_key_repeats(const struct cbor_pair *p, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (poc_cbor_same_key(p[i].key, p[j].key))
			return 1;
	return 0;
}

cbor_item_t *poc_cbor_map_text(const cbor_item_t *map, const char *key)
{
	struct cbor_pair *p = cbor_map_handle(map);
	size_t i, n = cbor_map_size(map);

	for (i = 0; i < n; i++)
		if (poc_cbor_text_is(p[i].key, key))
			return p[i].value;
	return NULL;
}

int poc_cbor_map_fields(const cbor_item_t *m, const char *const *names, size_t n, cbor_item_t **vals, size_t *at)
{
	struct cbor_pair *p;
	size_t i, j;

	*at = 0;
	if (!cbor_isa_map(m) || !cbor_map_is_definite(m))
		return POC_CBOR_NOT_MAP;
	for (j = 0; j < n; j++)
		vals[j] = NULL;
	p = cbor_map_handle(m);
	for (i = 0; i < cbor_map_size(m); i++) {
		for (j = 0; j < n && !poc_cbor_text_is(p[i].key, names[j]); j++)
			;
		*at = j < n ? j : i;
		if (j == n)
			return POC_CBOR_UNKNOWN_KEY;
		if (vals[j] != NULL)
			return POC_CBOR_KEY_TWICE;
		vals[j] = p[i].value;
	}
	return 0;
}

size_t poc_cbor_head_put(uint8_t *p, uint8_t major, uint64_t v)
{
	size_t n, i;

	major = (uint8_t)(major << 5);
	if (v < 24) {
		p[0] = (uint8_t)(major | v);
		return 1;
	}
	n = v <= 0xff ? 1 : v <= 0xffff ? 2 : v <= 0xffffffffu ? 4 : 8;
	p[0] = (uint8_t)(major | (n == 1 ? 24 : n == 2 ? 25 : n == 4 ? 26 : 27));
	for (i = 0; i < n; i++)
		p[1 + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	return 1 + n;
}

void poc_cbor_bstr_put(uint8_t **p, const uint8_t *b, size_t len)
{
	*p += poc_cbor_head_put(*p, 2, len);
	if (len)
		memcpy(*p, b, len);
	*p += len;
}

/*
 * Built by hand: it is fixed apart from two byte strings, and the bytes must
 * match what any other COSE implementation computes, whatever widths a CBOR
 * library would pick.
 */
uint8_t *poc_cose_sig_structure(const uint8_t *prot, size_t prot_len, const uint8_t *payload, size_t payload_len,
				size_t *len)
{
	static const char ctx[] = "Signature1";
	uint8_t *buf = malloc(1 + 1 + sizeof(ctx) - 1 + 9 + prot_len + 1 + 9 + payload_len), *p;

	if (buf == NULL)
		return NULL;
	p = buf;
	*p++ = 0x84;
	p += poc_cbor_head_put(p, 3, sizeof(ctx) - 1);
	memcpy(p, ctx, sizeof(ctx) - 1);
	p += sizeof(ctx) - 1;
	poc_cbor_bstr_put(&p, prot, prot_len);
	*p++ = 0x40;
	poc_cbor_bstr_put(&p, payload, payload_len);
	*len = (size_t)(p - buf);
	return buf;
}
