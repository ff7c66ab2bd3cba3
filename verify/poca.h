/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Proof of Cloud Alliance registry tokens (proofofcloud/trust-server): a JWT
 * (compact JWS) the registry signs for a quote whose machine it lists:
 *   header  {"alg": "RS256" | "EdDSA", "typ"?: "JWT", "kid"?: text}
 *   payload {"quote_hash": hex SHA-256 of the quote, "machine_id": hex,
 *            "label": text, "timestamp": Unix seconds, "iat"?: Unix seconds}
 * The tokens carry no exp. Verified here: the signature by one of the
 * trusted keys (RSA >= 2048 bits for RS256, Ed25519 for EdDSA; "none" and
 * every other alg refused), quote_hash equal to the SHA-256 of the quote,
 * machine_id equal to the PPID exactly (the registry's server matches its
 * list by prefix: a token for a longer id is refused here), and timestamp
 * within [at - max_age_s, at + max_skew_s]. Strict JSON: unknown members,
 * duplicate names and wrong types are refused.
 */
#ifndef POC_POCA_H
#define POC_POCA_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "verr.h"

#define POC_POCA_MAX_TOKEN 16384
#define POC_POCA_LABEL_MAX 128

struct poc_poca {
	char alg[8];                        /* "RS256" | "EdDSA" */
	char label[POC_POCA_LABEL_MAX];
	char machine_id[65];
	uint8_t quote_hash[32];
	int64_t timestamp;
};

/* Structure only: the three segments, the header and the payload (no signature check). */
int poc_poca_parse(struct poc_err *e, const char *tok, size_t len, struct poc_poca *out);

struct poc_poca_check {
	EVP_PKEY *const *keys; /* the registry's public keys */
	size_t nkeys;
	const uint8_t *quote;  /* the quote the token must name */
	size_t quote_len;
	const uint8_t *ppid;   /* 16 bytes */
	int64_t at, max_age_s, max_skew_s;
};

/* Parses and checks everything above; POC_ERR_SIGNATURE, POC_ERR_MISMATCH, POC_ERR_EXPIRED say which. */
int poc_poca_verify(struct poc_err *e, const char *tok, size_t len, const struct poc_poca_check *c, struct poc_poca *out);

#endif
