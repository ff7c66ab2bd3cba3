/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A token's PIN counter in the TPM (docs/pin.md): an NV index of type
 * TPM_NT_PIN_FAIL, data TPMS_NV_PIN_COUNTER_PARAMETERS {pinCount, pinLimit},
 * authValue SHA-256(PIN), attributes
 *   TPM_NT_PIN_FAIL | TPMA_NV_NO_DA | TPMA_NV_POLICYWRITE | TPMA_NV_POLICYREAD
 * and authPolicy PolicyOR(
 *   PolicyCommandCode(NV_Read)                          anyone reads the count,
 *   PolicyCommandCode(NV_Write) + PolicyNvWritten(NO),  written once, at init,
 *   [a third branch, docs/pin.md "The Security Officer"]) :
 * - a user PIN counter whose token has an SO: PolicySecret(the SO's counter)
 *   + PolicyCommandCode(NV_Write): the SO, with the SO PIN (counted on the
 *   SO's counter), writes {0, limit} and lifts the user PIN's lock;
 * An SO counter has no third branch. It once had PolicyCommandCode(NV_ChangeAuth)
 * + PolicyAuthValue, to change the SO PIN in place; but the TPM does not refuse
 * that ADMIN branch once pinCount reached pinLimit (a wrong SO PIN fails, the
 * right one passes: an uncounted oracle), and a success there sets pinCount
 * back to 0, lifting the SO's lock (tests/integration/attack-so.sh). So the SO
 * PIN does not change (docs/pin.md); such older SO counters are only read.
 *
 * Every PIN-protected sealed object of the token (its verifier key and each
 * object) has authPolicy [PolicyPCR] + PolicySecret(this index) +
 * PolicyAuthValue (tpm_seal.h). What the TPM does (checked on swtpm's libtpms
 * 0.9.2 with tpm2-tools, tests/integration/attack-pin.sh):
 * - a PolicySecret with a wrong authValue fails with TPM_RC_AUTH_FAIL "without
 *   DA implications" and increments pinCount in NV (kept across restarts);
 *   the TPM's dictionary-attack counter does not move (NO_DA);
 * - at pinCount == pinLimit every use of the authValue, the right one too,
 *   fails with TPM_RC_AUTH_UNAVAILABLE: the PIN is locked;
 * - a successful PolicySecret sets pinCount back to 0;
 * - nobody rewrites the index: no OWNERWRITE (owner writes fail with
 *   TPM_RC_NV_AUTHORIZATION), the write branch needs PolicyNvWritten(NO),
 *   and PIN indexes cannot have AUTHWRITE; the read branch cannot authorize
 *   a PolicySecret (its command code is NV_Read).
 * What it does not stop: the TPM owner can delete an owner-created index
 * (TPM2_NV_UndefineSpace) and define one with the same public area, hence
 * the same name, and an authValue of its choice. That is why the objects keep
 * PolicyAuthValue(PIN): such an owner passes PolicySecret but must still
 * guess the PIN against the (noDA) objects. TPMA_NV_POLICY_DELETE would stop
 * the deletion, but the TPM accepts it only from the platform hierarchy
 * (TPM_RC_ATTRIBUTES under the owner), which a cloud guest does not have.
 */
#ifndef POC_TPM_PIN_H
#define POC_TPM_PIN_H

#include <stddef.h>
#include <stdint.h>

#include "tpm/tpm.h"
#include "verr.h"

#define POC_PIN_TRIES_DEFAULT 10
#define POC_PIN_TRIES_MAX 1000
/* Handles are picked at random in the owner range of the TCG handle registry. */
#define POC_PIN_NV_FIRST 0x01a50000u
#define POC_PIN_NV_LAST 0x01a5ffffu

/*
 * Defines a new PIN counter with authValue SHA-256(pin) and pinLimit limit
 * (1..POC_PIN_TRIES_MAX), writes {0, limit} once and returns its handle and
 * name (with TPMA_NV_WRITTEN). Uses the owner hierarchy (empty owner auth).
 * kind (NULL: two branches) gives the third branch: is_so, or so_name (a
 * user counter that its SO's counter of that name resets).
 */
int poc_tpm_pin_nv_create(struct poc_err *e, struct poc_tpm *t, const uint8_t *pin, size_t pin_len, uint32_t limit,
			  const struct poc_pin_nv *kind, struct poc_pin_nv *out);
/*
 * The SO lifts user counter nv's lock: {0, limit} written through its reset
 * branch with so_pin, tried on the SO counter so (counted there). POC_ERR_AUTH,
 * POC_ERR_LOCKED for the SO PIN; POC_ERR_MISMATCH when nv has no branch for so.
 */
int poc_tpm_pin_nv_reset(struct poc_err *e, struct poc_tpm *t, const struct poc_pin_nv *nv, const struct poc_pin_nv *so,
			 const uint8_t *so_pin, size_t so_pin_len);
/* Deletes it (owner); for a token whose creation failed. */
int poc_tpm_pin_nv_delete(struct poc_err *e, struct poc_tpm *t, const struct poc_pin_nv *nv);

/* Reads {pinCount, pinLimit} through the read branch (no PIN, no count). */
int poc_tpm_pin_nv_read(struct poc_err *e, struct poc_tpm *t, const struct poc_pin_nv *nv, uint32_t *count,
			uint32_t *limit);

/* PIN seals and unseals of t go through nv from now on (tpm_seal.c). NULL: none. */
void poc_tpm_pin_nv_use(struct poc_tpm *t, const struct poc_pin_nv *nv);

/* Software: out = PolicySecret(in, nv's name, empty policyRef). */
int poc_tpm_pin_policy(struct poc_err *e, const struct poc_pin_nv *nv, const uint8_t in[32], uint8_t out[32]);

/*
 * One counted try: TPM2_PolicySecret on t's PIN counter with SHA-256(pin),
 * in an HMAC session salted with srk, extending the policy session sess
 * (sess ESYS_TR_NONE: a policy session of its own, thrown away; srk
 * ESYS_TR_NONE: the SRK is made here). Returns 0 or -1 with e: POC_ERR_AUTH
 * "wrong PIN", POC_ERR_LOCKED (the counter reached its limit),
 * POC_ERR_MISMATCH (the index is gone or is not the token's), others.
 */
int poc_tpm_pin_try(struct poc_err *e, struct poc_tpm *t, ESYS_TR srk, ESYS_TR sess, const uint8_t *pin,
		    size_t pin_len);

#endif
