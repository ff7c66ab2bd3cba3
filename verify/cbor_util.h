/* SPDX-License-Identifier: Apache-2.0 */
#ifndef POC_CBOR_UTIL_H
#define POC_CBOR_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <cbor.h>

#include "verr.h"

/*
 * Loads exactly one CBOR item spanning all of buf, after checking that every
 * declared length fits in the input and nesting stays shallow: libcbor 0.8
 * allocates by declared sizes before reading, so unchecked input could ask
 * for gigabytes. what names the input in errors ("bundle", "record").
 * Returns a new reference (cbor_decref it) or NULL with e set.
 */
cbor_item_t *poc_cbor_load(struct poc_err *e, const uint8_t *buf, size_t len, const char *what);

/*
 * Adds k -> v to map, taking both references (cbor_map_add takes its own);
 * a NULL map, k or v (an earlier allocation that failed) is a failure. 0 or -1.
 */
int poc_cbor_add(cbor_item_t *map, cbor_item_t *k, cbor_item_t *v);
/* Adds the text key -> value to map, taking ownership of value; a NULL value is a failure. 0 or -1. */
int poc_cbor_put(cbor_item_t *map, const char *key, cbor_item_t *value);
/* A definite byte string (len may be 0 with p NULL); NULL when out of memory. */
cbor_item_t *poc_cbor_bstr(const uint8_t *p, size_t len);

/* ---- strict readers: what a map holds, for every decoder of untrusted CBOR ---- */

/* A definite byte string / text string. */
int poc_cbor_is_bstr(const cbor_item_t *i);
int poc_cbor_is_text(const cbor_item_t *i);
/*
 * A CBOR true or false. libcbor 0.8 asserts (aborts) in cbor_is_bool on a float
 * item, so the width is checked first: never call cbor_is_bool directly.
 */
int poc_cbor_is_bool(const cbor_item_t *i);
/* A definite text string equal to s. */
int poc_cbor_text_is(const cbor_item_t *i, const char *s);
/* An integer item (unsigned or negative) as int64; -1 when it is not one or does not fit. */
int poc_cbor_int(const cbor_item_t *i, int64_t *v);
/* Two map keys that are the same integer or the same definite text. */
int poc_cbor_same_key(const cbor_item_t *a, const cbor_item_t *b);
/*
 * Whether p[i].key repeats one of p[0..i-1]'s: a map with a key twice is
 * refused, so that two readers cannot pick different values.
 */
int poc_cbor_key_repeats(const struct cbor_pair *p, size_t i);
/* The value under a text key, or NULL (the first one: callers refuse repeats first). */
cbor_item_t *poc_cbor_map_text(const cbor_item_t *map, const char *key);
/*
 * A closed map with text keys, sorted by name: vals[j] = the value under
 * names[j], NULL when absent. Returns 0; POC_CBOR_NOT_MAP (not a definite
 * map), POC_CBOR_UNKNOWN_KEY (entry *at's key is none of names) or
 * POC_CBOR_KEY_TWICE (names[*at] twice). The caller words the error.
 */
#define POC_CBOR_NOT_MAP (-1)
#define POC_CBOR_UNKNOWN_KEY (-2)
#define POC_CBOR_KEY_TWICE (-3)
int poc_cbor_map_fields(const cbor_item_t *m, const char *const *names, size_t n, cbor_item_t **vals, size_t *at);

/* ---- writing by hand: bytes that must not depend on a library's choices ---- */

/* A CBOR head (major type, argument) in its shortest form into p, which has room for 9 bytes; its length. */
size_t poc_cbor_head_put(uint8_t *p, uint8_t major, uint64_t v);
/* A byte string (head + bytes) at *p, which has room for 9 + len bytes; *p moves past it. */
void poc_cbor_bstr_put(uint8_t **p, const uint8_t *b, size_t len);
/*
 * COSE Sig_structure (RFC 9052 4.4) = ["Signature1", protected, h'', payload]:
 * malloc'ed, *len set; NULL when out of memory.
 */
uint8_t *poc_cose_sig_structure(const uint8_t *prot, size_t prot_len, const uint8_t *payload, size_t payload_len,
				size_t *len);

#endif
