/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to the attestation record files: record.c (claims and signing),
 * record_decode.c (decoding, verifying, accessors) and record_json.c (the
 * readable JSON).
 */
#ifndef POC_RECORD_INT_H
#define POC_RECORD_INT_H

#include <stddef.h>
#include <stdint.h>

#include <cbor.h>
#include <openssl/evp.h>

#include "record.h"

/* COSE_Sign1's CBOR tag (RFC 9052). */
#define POC_COSE_TAG_SIGN1 18

struct poc_record {
	int alg;
	uint8_t *payload; /* the signed claims, as they were on the wire */
	size_t payload_len;
	uint8_t sig[96];
	size_t sig_len;
	cbor_item_t *claims;
	int64_t iat, exp;
	enum poc_ear_status status;
	int sub_status[3]; /* -1: absent */
	int al_nominal, al_trustworthy; /* -1: absent (a record made before the levels) */
	int other_positive; /* a submod other than tee, vtpm, poc says affirming or warning (or an unreadable status) */
	/* Point into claims' byte strings, which live as long as claims. */
	const uint8_t *nonce, *cka_id, *key_hash, *bundle_hash;
	size_t nonce_len, cka_id_len;
	char *policy_id, *denied_clause;
};

/* The only two protected headers we write or accept: {1: -7} and {1: -35} (record.c). */
extern const uint8_t poc_record_prot_es256[3];
extern const uint8_t poc_record_prot_es384[4];

/* ---- signatures (record.c); the Sig_structure is poc_cose_sig_structure (cbor_util.h) ---- */

/* The COSE algorithm for a key: ES256 needs P-256 and ES384 P-384 (else POC_ERR_UNSUPPORTED). */
int poc_record_key_alg(struct poc_err *e, EVP_PKEY *key, int *alg);

/* The size of r (and of s) for a COSE algorithm. */
static inline size_t poc_record_alg_half(int alg)
{
	return alg == POC_COSE_ES256 ? 32 : 48;
}

static inline const EVP_MD *poc_record_alg_md(int alg)
{
	return alg == POC_COSE_ES256 ? EVP_sha256() : EVP_sha384();
}

/* ---- reading CBOR items (record_decode.c) ---- */

/* Strings, integers and repeated keys: poc_cbor_* (cbor_util.h). */
/* An EAR status (enum poc_ear_status); -1 for anything else. */
int poc_record_cbor_status(const cbor_item_t *i, int *st);
/* A definite text item as a malloc'ed C string; NULL when out of memory. */
char *poc_record_cbor_text_dup(const cbor_item_t *i);

#endif
