/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signed PCR policies (docs/updates.md): an object of a token made with
 * `poctool init --pcr-policy signed` is sealed with
 *
 *   authPolicy = PolicyAuthorize(name(policy key), policyRef) [+ the PIN part, tpm_seal.h]
 *   policyRef  = SHA-256("poc-pkcs11/v1" || token id (16) || object id)
 *
 * and opens under any APPROVED policy that the policy key signed for it:
 *
 *   approved = PolicyNV(PolicyPCR(selection, H(PCR values)), epoch counter == epoch)
 *   signature over aHash = SHA-256(approved || policyRef)   (ECDSA P-256 or RSASSA, SHA-256)
 *
 * Unseal (ESYS): PolicyPCR -> PolicyNV -> PolicyGetDigest (== approved, else
 * the PCRs or the epoch differ) -> LoadExternal(policy key, OWNER hierarchy:
 * the NULL hierarchy gives no ticket) -> VerifySignature(aHash) ->
 * PolicyAuthorize(approved, policyRef, key name, ticket) -> [PIN part] -> Unseal.
 * A signature by another key, for another object (policyRef) or over another
 * policy gives no ticket, or a ticket PolicyAuthorize refuses.
 */
#ifndef POC_TPM_AUTHORIZE_H
#define POC_TPM_AUTHORIZE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "tpm/tpm.h"
#include "tpm/tpm_epoch.h"
#include "tpm/tpm_seal.h"
#include "verr.h"

#define POC_AUTHZ_CONTEXT "poc-pkcs11/v1"
#define POC_AUTHZ_SIG_MAX 512

/* The policy key as the TPM loads it (LoadExternal, public part only) and its name. */
struct poc_authz_key {
	TPM2B_PUBLIC pub;
	uint8_t name[2 + 32];
	size_t name_len;
};

/* From a DER SubjectPublicKeyInfo: EC P-256 (ECDSA-SHA256) or RSA 2048..4096 (RSASSA-SHA256). */
int poc_tpm_authz_key(struct poc_err *e, const uint8_t *spki, size_t len, struct poc_authz_key *out);

/* policyRef = SHA-256("poc-pkcs11/v1" || token_id || object_id). */
int poc_tpm_policy_ref(struct poc_err *e, const uint8_t token_id[16], const char *object_id, uint8_t out[32]);

/* approved = PolicyNV(PolicyPCR(bank/mask, pcr_digest), nv, UNSIGNED EQ, epoch as 8 bytes big-endian). */
int poc_tpm_approved_policy(struct poc_err *e, uint16_t bank, uint32_t mask, const uint8_t pcr_digest[32],
			    const struct poc_epoch_nv *nv, uint64_t epoch, uint8_t out[32]);

/*
 * Signs digest (32 bytes, used as is) with priv: DER ECDSA for EC, PKCS#1
 * v1.5 with SHA-256 for RSA. *sig_len in: room, out: length.
 */
int poc_tpm_authz_sign(struct poc_err *e, EVP_PKEY *priv, const uint8_t digest[32], uint8_t *sig, size_t *sig_len);

/* One approval applied to one object. */
struct poc_tpm_approval {
	const struct poc_authz_key *key;
	uint16_t bank;
	uint32_t mask;
	const struct poc_epoch_nv *nv;
	uint64_t epoch;
	uint8_t approved[32];   /* the approved policy the signature covers */
	uint8_t policy_ref[32]; /* the object's */
	const uint8_t *sig;     /* as poc_tpm_authz_sign makes it */
	size_t sig_len;
};

/* Seals secret with authPolicy PolicyAuthorize(k, policy_ref) [+ PIN] (poc_tpm_seal_policy_authorized). */
int poc_tpm_seal_authorized(struct poc_err *e, struct poc_tpm *t, const struct poc_authz_key *k,
			    const uint8_t policy_ref[32], const uint8_t *pin, size_t pin_len,
			    const uint8_t secret[POC_SEAL_SECRET_LEN], struct poc_sealed *out);

/*
 * Unseals s under approval a (the sequence above, then the PIN part and
 * Unseal). Errors: POC_ERR_PCR when the TPM's PCRs or epoch are not the
 * approval's, POC_ERR_SIGNATURE when the TPM refuses the signature or the
 * ticket, the PIN's codes (tpm_seal.h), others.
 */
int poc_tpm_unseal_authorized(struct poc_err *e, struct poc_tpm *t, const struct poc_sealed *s,
			      const struct poc_tpm_approval *a, const uint8_t *pin, size_t pin_len,
			      uint8_t secret[POC_SEAL_SECRET_LEN]);

/*
 * A TPM refusal of a signature or ticket: POC_ERR_SIGNATURE "WHAT: <rc>", but
 * the code of poc_tpm_rc_code for an outage (unreachable, busy, failing TPM).
 */
int poc_tpm_authz_refused(struct poc_err *e, TSS2_RC rc, const char *what);
/* For tpm_epoch.c: LoadExternal of k in the owner hierarchy (*h: flush it). */
int poc_tpm_authz_load(struct poc_err *e, struct poc_tpm *t, const struct poc_authz_key *k, ESYS_TR *h);
/* A signature of poc_tpm_authz_sign as a TPMT_SIGNATURE for k's scheme. */
int poc_tpm_authz_tpm_sig(struct poc_err *e, const struct poc_authz_key *k, const uint8_t *sig, size_t len,
			  TPMT_SIGNATURE *out);

#endif
