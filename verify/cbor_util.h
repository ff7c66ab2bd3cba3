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

/* Adds the text key -> value to map, taking ownership of value; a NULL value is a failure. 0 or -1. */
int poc_cbor_put(cbor_item_t *map, const char *key, cbor_item_t *value);
/* A definite byte string (len may be 0 with p NULL); NULL when out of memory. */
cbor_item_t *poc_cbor_bstr(const uint8_t *p, size_t len);

#endif
