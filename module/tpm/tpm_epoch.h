/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A token's epoch counter (docs/updates.md "Revocation"): an NV index of
 * type TPM_NT_COUNTER per signed-policy token, at a random free handle in
 * 0x01a60000..0x01a6ffff (the owner range, beside the PIN counters), with
 *   attributes TPM_NT_COUNTER | TPMA_NV_AUTHREAD | TPMA_NV_POLICYWRITE | TPMA_NV_NO_DA,
 *   authValue  empty (anyone reads it: PolicyNV of every unseal needs that),
 *   authPolicy PolicyOR(
 *     PolicyCommandCode(NV_Increment) + PolicyNvWritten(NO),      the first increment, at init
 *     PolicyCommandCode(NV_Increment) + PolicySigned(policy key,   a revocation: only whoever
 *         policyRef SHA-256("poc-pkcs11/v1" || token id || "epoch")))  holds the policy key
 * Every approved policy (tpm_authorize.h) holds PolicyNV(this index == the
 * approval's epoch): one NV_Increment kills every approval of the epoch
 * before. No AUTHWRITE, no OWNERWRITE: neither the empty authValue nor the
 * owner increments it. The owner can delete it (TPM2_NV_UndefineSpace) and
 * define it again: the TPM starts a new counter at the highest value any
 * counter of this TPM ever had (TPM 2.0 part 1, 37.2.3.3.3), so an old epoch
 * never comes back (tests/integration/signed-policy.sh checks it on swtpm).
 */
#ifndef POC_TPM_EPOCH_H
#define POC_TPM_EPOCH_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "tpm/tpm.h"
#include "verr.h"

#define POC_EPOCH_NV_FIRST 0x01a60000u
#define POC_EPOCH_NV_LAST 0x01a6ffffu
#define POC_EPOCH_OBJECT_ID "epoch" /* the policyRef's object id of the counter's PolicySigned */

struct poc_epoch_nv {
	uint32_t handle;      /* 0: none */
	uint8_t name[2 + 32]; /* nameAlg SHA-256 || H(TPMS_NV_PUBLIC), TPMA_NV_WRITTEN set */
	size_t name_len;
};

struct poc_authz_key;

/* Defines the counter for the token token_id and policy key k, increments it once (WRITTEN). Owner hierarchy. */
int poc_tpm_epoch_create(struct poc_err *e, struct poc_tpm *t, const struct poc_authz_key *k,
			 const uint8_t token_id[16], struct poc_epoch_nv *out);
/* The counter's value; refused (POC_ERR_MISMATCH) unless the index at nv->handle has nv's name. */
int poc_tpm_epoch_read(struct poc_err *e, struct poc_tpm *t, const struct poc_epoch_nv *nv, uint64_t *value);
/*
 * NV_Increment through the PolicySigned branch: priv (the policy key's
 * private half: a PEM key, or a PKCS#11 key through an engine) signs the
 * session's nonceTPM; the TPM checks it against k.
 */
int poc_tpm_epoch_bump(struct poc_err *e, struct poc_tpm *t, const struct poc_epoch_nv *nv,
		       const struct poc_authz_key *k, const uint8_t token_id[16], EVP_PKEY *priv);
/* An ESYS_TR for the counter (Esys_TR_Close it), refused (POC_ERR_MISMATCH) unless it has nv's name. */
int poc_tpm_epoch_open(struct poc_err *e, struct poc_tpm *t, const struct poc_epoch_nv *nv, ESYS_TR *tr);
/* Deletes the counter (owner); for a token whose creation failed. */
int poc_tpm_epoch_delete(struct poc_err *e, struct poc_tpm *t, const struct poc_epoch_nv *nv);

#endif
