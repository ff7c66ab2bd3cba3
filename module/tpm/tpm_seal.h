/* SPDX-License-Identifier: Apache-2.0 */
/*
 * K_tpm sealing (DESIGN.md section 5): a 32-byte secret in a TPM2 KEYEDHASH
 * sealed-data object under the SRK (tpm.h), fixedTPM | fixedParent | noDA |
 * adminWithPolicy, no userWithAuth, authPolicy = PolicyPCR(selection, current values) and,
 * with a PIN, PolicySecret(the token's PIN counter) + PolicyAuthValue, with
 * authValue = SHA-256(PIN) in both the object and the counter. A signed-policy
 * token (tpm_authorize.h) has PolicyAuthorize(policy key, policyRef) in place
 * of PolicyPCR, and the same PIN part after it: both compositions are here
 * (poc_tpm_seal_policy, poc_tpm_seal_policy_authorized).
 *
 * adminWithPolicy: without it the ADMIN role (TPM2_ObjectChangeAuth,
 * TPM2_Certify) is authorized by the authValue alone, in a password or HMAC
 * session, and a wrong one fails without DA and without the PIN counter: an
 * unlimited PIN oracle for anyone holding the object's blobs (tpm2_changeauth
 * -p GUESS). With it, the ADMIN role needs the policy too, and then
 * PolicyCommandCode, which the policy never has: no ADMIN command runs.
 *
 * The PIN counter (tpm_pin.h, docs/pin.md) is an NV index of type
 * TPM_NT_PIN_FAIL whose authValue is the PIN's: the TPM itself counts every
 * wrong PIN given to PolicySecret and, at the limit, refuses the PIN, so no
 * tool that talks to the TPM (this module, poctool, tpm2-tools) gets more
 * tries than the limit. PolicyAuthValue stays as a second lock: the owner
 * hierarchy can delete and redefine the index with the same name and its own
 * authValue, and must then still guess the PIN, without a counter.
 *
 * noDA (objects and the counter): a wrong PIN must not count toward the
 * TPM's machine-wide dictionary-attack lockout (that would let a token's user
 * lock every other TPM user out, and the lockout ends by itself after
 * recoveryTime, or at once for whoever holds lockoutAuth, often empty in a
 * cloud vTPM: a per-token counter that only the SO resets is stricter).
 * The trade-off against a DA-protected PIN gate object is in docs/pin.md.
 *
 * A struct poc_tpm whose pin_nv is set (poc_tpm_pin_nv_use) seals and
 * unseals PIN objects through that counter; unset, a PIN is PolicyAuthValue
 * alone (objects of old tokens, tests; the token layer refuses PIN tokens
 * without a counter).
 *
 * Sessions: the Create and the Unseal run in sessions salted with the SRK and
 * with AES-128-CFB parameter encryption, so the secret never crosses the TCTI
 * (a /dev/tpm bus or a vTPM's host channel) in the clear.
 */
#ifndef POC_TPM_SEAL_H
#define POC_TPM_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "tpm/tpm.h"
#include "verr.h"

#define POC_SEAL_SECRET_LEN 32
#define POC_SEAL_BLOB_MAX 1024

/* Marshalled TPM2B_PUBLIC and TPM2B_PRIVATE of the sealed object. */
struct poc_sealed {
	uint8_t pub[POC_SEAL_BLOB_MAX];
	size_t pub_len;
	uint8_t priv[POC_SEAL_BLOB_MAX];
	size_t priv_len;
};

/*
 * The authPolicy, computed in software (SHA-256 policy hash):
 * P1 = H(0^32 || TPM_CC_PolicyPCR || TPML_PCR_SELECTION(bank, mask) || H(pcr_values)),
 * with_pin and a counter nv: P2 = H(H(P1 || TPM_CC_PolicySecret || nv name) || ""),
 * then H(P2 || TPM_CC_PolicyAuthValue) (without nv: H(P1 || TPM_CC_PolicyAuthValue)).
 * pcr_values: the selected PCRs' values concatenated in index order (as
 * poc_tpm_pcr_read returns them). pcr_mask 0: no PolicyPCR (P1 = 0^32).
 */
int poc_tpm_seal_policy(struct poc_err *e, uint16_t bank, uint32_t pcr_mask, const uint8_t *pcr_values,
			size_t values_len, int with_pin, const struct poc_pin_nv *nv, uint8_t out[32]);

/*
 * TPM 2.0 part 1's PolicyUpdate in SHA-256, the one policy hash of the
 * layer (seal policies, the PIN counter's): out = H(in || cc || args...),
 * in NULL reading as 32 zero bytes, at most 2 args; out may be in. what
 * names the caller in errors ("seal", "PIN counter").
 */
int poc_tpm_policy_update(struct poc_err *e, const char *what, const uint8_t *in, uint32_t cc,
			  const struct poc_piece *args, size_t nargs, uint8_t out[32]);

/*
 * The authPolicy of an object sealed under a signed PCR policy
 * (tpm_authorize.h): PolicyAuthorize(key_name, policy_ref), i.e.
 * H(H(0^32 || TPM_CC_PolicyAuthorize || key_name) || policy_ref), then with
 * with_pin the same PIN part as above ([PolicySecret(nv)] + PolicyAuthValue).
 */
int poc_tpm_seal_policy_authorized(struct poc_err *e, const uint8_t *key_name, size_t key_name_len,
				   const uint8_t policy_ref[32], int with_pin, const struct poc_pin_nv *nv, uint8_t out[32]);
/* The second half of PolicyAuthorize/PolicySigned/PolicySecret: out = H(in || policy_ref) (NULL: empty). */
int poc_tpm_policy_ref_update(struct poc_err *e, const uint8_t in[32], const uint8_t policy_ref[32], uint8_t out[32]);

/*
 * Seals secret under the SRK; the policy binds the TPM's CURRENT values of
 * the PCRs in pcr_mask of bank. pin may be NULL (no PIN; pin_len 0).
 */
int poc_tpm_seal(struct poc_err *e, struct poc_tpm *t, uint16_t bank, uint32_t pcr_mask,
		 const uint8_t *pin, size_t pin_len, const uint8_t secret[POC_SEAL_SECRET_LEN],
		 struct poc_sealed *out);

/* Seals secret under the SRK with authPolicy policy (32 bytes, SHA-256), authValue SHA-256(pin). */
int poc_tpm_seal_digest(struct poc_err *e, struct poc_tpm *t, const uint8_t policy[32], const uint8_t *pin,
			size_t pin_len, const uint8_t secret[POC_SEAL_SECRET_LEN], struct poc_sealed *out);

/*
 * The part of an object's policy before the PIN, run in the policy session
 * sess: PolicyPCR for a literal seal, the PolicyAuthorize sequence for a
 * signed one (tpm_authorize.h). 0, or -1 with e saying why.
 */
struct poc_tpm_prelude {
	int (*run)(struct poc_err *e, struct poc_tpm *t, ESYS_TR sess, void *ctx);
	void *ctx;
};

/*
 * poc_tpm_unseal with the part before the PIN given by pre: the session's
 * digest after it is compared with the object's authPolicy (with and
 * without the PIN part) before any PIN is tried.
 */
int poc_tpm_unseal_run(struct poc_err *e, struct poc_tpm *t, const struct poc_sealed *s,
		       const struct poc_tpm_prelude *pre, const uint8_t *pin, size_t pin_len,
		       uint8_t secret[POC_SEAL_SECRET_LEN]);

/*
 * Loads s under the SRK, satisfies its policy in a policy session
 * (PolicyPCR [+ PolicySecret(t's PIN counter) + PolicyAuthValue]) and
 * unseals it into secret; flushes everything. PCRs are compared first, so a
 * changed PCR never costs a PIN try. Returns 0, or -1 with e: POC_ERR_AUTH
 * "wrong PIN ..." (counted by the TPM, or none for an object that needs one),
 * POC_ERR_LOCKED (the PIN counter or the TPM's lockout), POC_ERR_PCR "PCR
 * policy not satisfied (a PCR changed since sealing)", POC_ERR_MISMATCH "not
 * sealed to this TPM ..." when the TPM refuses to load it, or another code of
 * poc_tpm_rc_code (tpm.h).
 */
int poc_tpm_unseal(struct poc_err *e, struct poc_tpm *t, const struct poc_sealed *s, uint16_t bank,
		   uint32_t pcr_mask, const uint8_t *pin, size_t pin_len,
		   uint8_t secret[POC_SEAL_SECRET_LEN]);

/*
 * For tests: the digest a trial policy session reaches in the TPM for the
 * current PCR values (Esys_PolicyGetDigest), to compare with
 * poc_tpm_seal_policy over the same values.
 */
int poc_tpm_seal_policy_trial(struct poc_err *e, struct poc_tpm *t, uint16_t bank, uint32_t pcr_mask,
			      int with_pin, uint8_t out[32]);

/* SHA-256(PIN) as a TPM2B_AUTH; an empty auth without a PIN. */
int poc_tpm_pin_auth(struct poc_err *e, const uint8_t *pin, size_t pin_len, TPM2B_AUTH *auth);

/*
 * A session salted with the SRK (ECDH), AES-128-CFB parameter encryption in
 * the direction(s) enc; kept open until flushed.
 */
int poc_tpm_salted_session(struct poc_err *e, struct poc_tpm *t, ESYS_TR srk, TPM2_SE type, TPMA_SESSION enc,
			   ESYS_TR *sess);

#endif
