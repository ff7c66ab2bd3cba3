/* SPDX-License-Identifier: Apache-2.0 */
/* CBOR input that libcbor may safely load: every parser of untrusted CBOR goes through here. */
#include "cbor_util.h"

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

int poc_cbor_put(cbor_item_t *map, const char *key, cbor_item_t *value)
{
	cbor_item_t *k;
	int ok;

	if (value == NULL)
		return -1;
	k = cbor_build_string(key);
	if (k == NULL) {
		cbor_decref(&value);
		return -1;
	}
	ok = cbor_map_add(map, (struct cbor_pair){ .key = k, .value = value });
	cbor_decref(&k);
	cbor_decref(&value);
	return ok ? 0 : -1;
}

cbor_item_t *poc_cbor_bstr(const uint8_t *p, size_t len)
{
	return cbor_build_bytestring(len ? p : (const uint8_t *)"", len);
}
