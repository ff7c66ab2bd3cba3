/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pocd's answer to /v1/release (docs/pocd.md "The answer"): a COSE_Sign1 (tag 18, ES256,
 * protected {1: -7}, unprotected {}) by pocd's key over the CBOR map
 *
 *   "chal"            bstr(69)  the challenge the request carried
 *   "clause"          text      the failing policy clause (a denial only)
 *   "decision"        text      "release" | "deny"
 *   "ear"             bstr      the EAR: pocd's attestation record (verify/record.h), itself
 *                               signed by the same key, verification "remote", nonce B,
 *                               bundle hash = the evidence digest
 *   "evidence_digest" bstr(32)  SHA-256 of the evidence bundle appraised
 *   "request_digest"  bstr(32)  SHA-256 of the release request's body
 *   "share"           bstr      HPKE (hpke.h) enc || ct of S_R to the request's pkR with
 *                               info = "poc-pkcs11/v1/share" || request_digest and
 *                               aad = SHA-256(ear) (a release only)
 *
 * The client's check lives here too, so the module and poctool reuse it.
 */
#ifndef POC_ANSWER_H
#define POC_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "challenge.h"
#include "hpke.h"
#include "protocol.h"
#include "verr.h"

#define POC_ANSWER_MAX (512u << 10)
#define POC_SHARE_MAX 64    /* S_R: 32 bytes in practice */
#define POC_CLAUSE_MAX 255

enum poc_decision {
	POC_DECISION_RELEASE = 1,
	POC_DECISION_DENY = 2,
};

struct poc_answer_in {
	enum poc_decision decision;
	const uint8_t *chal;                /* POC_CHAL_LEN bytes */
	const uint8_t *ear;                 /* the signed record */
	size_t ear_len;
	const uint8_t *evidence_digest;     /* 32 */
	const uint8_t *request_digest;      /* 32 */
	const uint8_t *pkR;                 /* POC_HPKE_NPK; a release only */
	const uint8_t *share;               /* a release only */
	size_t share_len;
	const char *clause;                 /* a denial only */
};

/* The signed answer into *out (malloc'd). key: P-256 (ES256). 0 or -1. */
int poc_answer_sign(struct poc_err *e, const struct poc_answer_in *in, EVP_PKEY *key, uint8_t **out, size_t *outlen);

/* What the client learns; poc_answer_free wipes the share. */
struct poc_answer {
	enum poc_decision decision;
	uint8_t *ear;           /* a copy of the record, pocd's signature on it checked */
	size_t ear_len;
	char clause[POC_CLAUSE_MAX + 1];
	uint8_t *share;         /* S_R, opened with skR (a release only) */
	size_t share_len;
};

/* What the client expects: everything it sent, and its keys. */
struct poc_answer_expect {
	EVP_PKEY *pocd_key;                 /* the pinned verifier key */
	const uint8_t *chal;                /* POC_CHAL_LEN */
	const uint8_t *request_digest;      /* 32: SHA-256 of the request body sent */
	const uint8_t *evidence_digest;     /* 32: SHA-256 of the bundle sent */
	const uint8_t *binding;             /* POC_BINDING_LEN: B, the record's nonce */
	EVP_PKEY *skR;                      /* the ephemeral key whose pkR was sent */
};

/*
 * The client's check: the envelope strictly, the signature by the pinned key (anything else
 * POC_ERR_SIGNATURE), chal, request digest and evidence digest equal to ours (POC_ERR_MISMATCH),
 * the EAR signed by the pinned key for this bundle and B, the decision agreeing with the EAR,
 * and for a release the share opened with skR. A verified denial returns 0 with
 * a->decision = POC_DECISION_DENY and the clause; the caller treats that as a denial.
 */
int poc_answer_check(struct poc_err *e, const uint8_t *buf, size_t len, const struct poc_answer_expect *x,
		     struct poc_answer *a);
void poc_answer_free(struct poc_answer *a);

/* The HPKE info for a request digest: "poc-pkcs11/v1/share" || digest (51 bytes). */
#define POC_SHARE_INFO_LABEL "poc-pkcs11/v1/share"
#define POC_SHARE_INFO_LEN (sizeof(POC_SHARE_INFO_LABEL) - 1 + 32)
void poc_share_info(const uint8_t request_digest[static 32], uint8_t info[static POC_SHARE_INFO_LEN]);

#endif
