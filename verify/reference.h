/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reference values for the attestation levels (docs/levels.md): a JSON file
 * of acceptable digests for one measurement (MRTD, a UKI's Authenticode
 * digest, a dm-verity root hash). Accepted shapes:
 *
 *   ["hex", ...]
 *   {"expected_any": ["hex", ...], "description": "text"}
 *
 * (the expected_any list of the attested-TLS tools); hex may carry a "0x"
 * prefix; values are 16 to 64 bytes and may differ in length (a UKI listed
 * by its SHA-256 and SHA-384 Authenticode digests). Parsed strictly: unknown
 * keys, duplicate names, empty lists and malformed hex are refused.
 */
#ifndef POC_REFERENCE_H
#define POC_REFERENCE_H

#include <stddef.h>
#include <stdint.h>

#include "verr.h"

#define POC_REF_MAX_VALUES 64
#define POC_REF_MAX_LEN 64

struct poc_refvals {
	size_t n;
	uint8_t len[POC_REF_MAX_VALUES];
	uint8_t v[POC_REF_MAX_VALUES][POC_REF_MAX_LEN];
};

/* Parses a reference-value file (what names it goes into the messages). */
int poc_refvals_parse(struct poc_err *e, const char *what, const char *json, size_t len, struct poc_refvals *out);
/* 1 when m (len bytes) is one of the values (constant time per value), else 0. */
int poc_refvals_has(const struct poc_refvals *r, const uint8_t *m, size_t len);

#endif
