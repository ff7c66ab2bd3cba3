/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Intel POE (Platform Ownership Endorsement) tokens
 * (draft-bzb-rats-intel-poe-endorsements, profile "tag:intel.com,2026:tee.poe#1.0"):
 * a COSE_Sign1 (tag 18) whose payload is a tagged CoRIM (501) holding one
 * CoMID (506) with one conditional-endorsement triple: the condition names
 * the platform's PIID (-101), the endorsement its owner (-401). The signer's
 * certificate chain sits in the unprotected header x5chain (33).
 */
#ifndef POC_POE_H
#define POC_POE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "verr.h"

#define POC_POE_PROFILE "tag:intel.com,2026:tee.poe#1.0"
#define POC_POE_PIID_MAX 64
#define POC_POE_OWNER_MAX 256

#define POC_COSE_ES256 (-7)
#define POC_COSE_ES384 (-35)

struct poc_poe {
	uint8_t piid[POC_POE_PIID_MAX];
	size_t piid_len;
	char owner[POC_POE_OWNER_MAX];   /* NUL-terminated; the token's bytes hold no NUL */
	int has_validity;                /* CoRIM key 4 present */
	int64_t not_before, not_after;   /* Unix seconds; not_before is INT64_MIN when absent */
	char profile[128];
	int alg;                         /* COSE alg: -7 ES256, -35 ES384 */
	/*
	 * Leaf first. NULL when header 33 holds bytes that are not DER
	 * certificates (the draft's structure-only fixtures use zero bytes):
	 * parsing still succeeds, poc_poe_verify then fails with POC_ERR_CHAIN.
	 */
	STACK_OF(X509) *x5chain;
};

/*
 * Structure only: decodes buf into *out (zeroed first) without checking the
 * signature, the chain or the validity window. On failure *out holds nothing
 * to free. Rejects anything the profile forbids (missing tags, bare
 * measurement maps, unknown keys in closed maps, duplicate keys).
 */
int poc_poe_parse(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_poe *out);

/*
 * poc_poe_parse, then: the COSE signature over Sig_structure ("Signature1",
 * raw r||s) by the x5chain leaf's key (POC_ERR_SIGNATURE), the chain up to
 * one of the endorser roots at Unix time at (POC_ERR_CHAIN/POC_ERR_EXPIRED),
 * and the token's validity window containing at (POC_ERR_EXPIRED; a token
 * without one never expires and is refused with POC_ERR_EXPIRED too).
 */
int poc_poe_verify(struct poc_err *e, const uint8_t *buf, size_t len, STACK_OF(X509) *roots,
		   int64_t at, struct poc_poe *out);

/*
 * The endorsement names this PIID (lengths checked, bytes compared in
 * constant time). POC_ERR_MISMATCH "POE token endorses PIID x, the quote's
 * PCK names y" otherwise.
 */
int poc_poe_check_piid(struct poc_err *e, const struct poc_poe *p, const uint8_t *piid, size_t len);

/* Releases the chain and zeroes *p; NULL-safe. */
void poc_poe_free(struct poc_poe *p);

#endif
