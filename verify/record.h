/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The attestation record (DESIGN.md section 4): a COSE_Sign1 (RFC 9052,
 * CBOR tag 18) signed ES256 (P-256) or ES384 (P-384) over an EAR-shaped
 * claims set (draft-ietf-rats-ear):
 *
 *   265 eat_profile "tag:github.com,2023:veraison/ear"   6 iat   4 exp?
 *   10 eat_nonce? (only when a nonce was checked)        1000 ear.status (worst submod;
 *                                                        at least warning with a warning)
 *   1004 ear.verifier-id {0: "poc-pkcs11", 1: "poc-pkcs11 VERSION"}
 *   1003 ear.appraisal-policy-ids? ["sha256:HEX"]
 *   266 submods {"tee"|"vtpm"|"poc": {1000: status, 1005?: {text: claim}, ...}}
 *       the poc submod of a denial also has "denied_clause", "denied_reason",
 *       "denied_code" (text); of an acceptance with a warning (status warning:
 *       e.g. only the vTPM endorsed under poc-v1, freshness unverifiable)
 *       "warning_clause", "warning_reason" (text)
 *   -65537 CKA_ID (bstr)  -65538 SHA-256 of the public key / wrapped blob
 *   -65539 SHA-256 of the evidence bundle  -65540 notes (array of text)
 *   -65541 poc.al.nominal, -65542 poc.al.trustworthy (0-4), -65543 poc.al.basis,
 *   -65544 poc.al.trusts (arrays of text), -65545 poc.al.needs (map of text)
 *
 * Decoding is strict about the envelope (so that no unsigned byte can change
 * without the record failing to decode) and about the claims it interprets;
 * the signature is checked separately by poc_record_verify().
 */
#ifndef POC_RECORD_H
#define POC_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "appraise.h"
#include "verr.h"

#define POC_RECORD_PROFILE "tag:github.com,2023:veraison/ear"
#define POC_RECORD_MAX (256u << 10) /* a record is a few KiB; refuse anything huge */

/* Claim keys (pinned: records outlive releases). */
enum poc_record_key {
	POC_RK_EXP = 4,
	POC_RK_IAT = 6,
	POC_RK_NONCE = 10,
	POC_RK_PROFILE = 265,
	POC_RK_SUBMODS = 266,
	POC_RK_STATUS = 1000,
	POC_RK_TRUST_VECTOR = 1001,
	POC_RK_POLICY_IDS = 1003,
	POC_RK_VERIFIER_ID = 1004,
	POC_RK_ANNOTATED = 1005,  /* attester claims: text-keyed map */
	POC_RK_CKA_ID = -65537,
	POC_RK_KEY_HASH = -65538,
	POC_RK_BUNDLE_HASH = -65539,
	POC_RK_NOTES = -65540,
	/* The attestation levels (levels.h, docs/levels.md); records made before them have none. */
	POC_RK_AL_NOMINAL = -65541,     /* uint 0-4 */
	POC_RK_AL_TRUSTWORTHY = -65542, /* uint 0-4 */
	POC_RK_AL_BASIS = -65543,       /* array of text: the registers and events used */
	POC_RK_AL_TRUSTS = -65544,      /* array of text: the CSP components the nominal level rests on */
	POC_RK_AL_NEEDS = -65545,       /* {"nominal"?: text, "trustworthy"?: text}: what the next level lacks */
};

/* COSE algorithm identifiers (RFC 9053). */
#define POC_COSE_ES256 (-7)
#define POC_COSE_ES384 (-35)

struct poc_record_bind {
	const uint8_t *cka_id;       /* NULL: no CKA_ID claim */
	size_t cka_id_len;
	const uint8_t *key_hash;     /* 32 bytes or NULL */
	const uint8_t *bundle_hash;  /* 32 bytes or NULL */
	const char *policy_id;       /* "sha256:hex" or NULL */
	const char *verification;    /* "local" | "remote"; NULL: not claimed */
	const char *build;           /* verifier build, NULL: "poc-pkcs11 " PACKAGE_VERSION */
};

/*
 * Claims from an appraisal (o may be NULL: no nonce), signed with key (EC
 * P-256 -> ES256, P-384 -> ES384; anything else POC_ERR_UNSUPPORTED).
 * iat = at; exp = at + ttl when ttl > 0. *out is malloc'd.
 */
int poc_record_sign(struct poc_err *e, const struct poc_appraisal *a, const struct poc_appraise_opts *o,
		    const struct poc_record_bind *bind, int64_t at, int64_t ttl, EVP_PKEY *key, uint8_t **out,
		    size_t *outlen);

/* A decoded record; owns its claims and the signed bytes. */
struct poc_record;

/*
 * Structure only, strict: tag 18, a 4-array, protected header exactly {1: ES256|ES384},
 * an empty unprotected header, a signature of the algorithm's size, and a claims
 * map with the EAR profile, iat, ear.status and submods of the expected types.
 */
int poc_record_decode(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_record **out);
/* The signature by pub (whose curve must match the algorithm); POC_ERR_SIGNATURE when it fails. */
int poc_record_verify(struct poc_err *e, const struct poc_record *r, EVP_PKEY *pub);
/* Readable JSON (malloc'd, free()): claim names instead of keys, statuses by name, bstr as hex. */
int poc_record_to_json(struct poc_err *e, const struct poc_record *r, char **json);
void poc_record_free(struct poc_record *r);

/* Accessors; pointers live as long as r. */
int poc_record_alg(const struct poc_record *r);             /* POC_COSE_ES256 | POC_COSE_ES384 */
enum poc_ear_status poc_record_status(const struct poc_record *r); /* top-level ear.status */
/* A submod's ear.status ("tee", "vtpm", "poc"); -1 when the submod is absent. */
int poc_record_submod_status(const struct poc_record *r, const char *name);
int64_t poc_record_iat(const struct poc_record *r);
int64_t poc_record_exp(const struct poc_record *r);          /* 0 when absent */
const uint8_t *poc_record_nonce(const struct poc_record *r, size_t *len); /* NULL when absent */
const uint8_t *poc_record_cka_id(const struct poc_record *r, size_t *len); /* NULL when absent */
const uint8_t *poc_record_key_hash(const struct poc_record *r);    /* 32 bytes or NULL */
const uint8_t *poc_record_bundle_hash(const struct poc_record *r); /* 32 bytes or NULL */
const char *poc_record_policy_id(const struct poc_record *r);      /* first policy id or NULL */
/* The attestation levels; -1 when the record has none (made before levels were). */
int poc_record_al_nominal(const struct poc_record *r);
int poc_record_al_trustworthy(const struct poc_record *r);
/* The poc submod's denied_clause, or NULL for an accepting record. */
const char *poc_record_denied_clause(const struct poc_record *r);
/*
 * 1 when r asserts nothing positive anywhere: top-level and poc submod
 * contraindicated, and no submod (tee, vtpm, or any other) affirming or
 * warning. The only records a denial key may sign: that key opens without
 * PCRs or PIN (anyone with the TPM can sign with it), so every claim in a
 * record it signs is the attacker's, and a consumer reading a submod must
 * not find an appraisal to trust there.
 */
int poc_record_is_denial(const struct poc_record *r);

#endif
