/* SPDX-License-Identifier: Apache-2.0 */
/* Inside the token (token.h): what token.c shares with token_init.c and token_seal.c. */
#ifndef POC_TOKEN_INT_H
#define POC_TOKEN_INT_H

#include "store/object.h"
#include "token/token.h"
#include "tpm/tpm.h"

/* The token's own keys, held in token.cbor as data objects of these labels (token_init.c). */
#define POC_TOKEN_VERIFIER_LABEL "poc-verifier-key"
#define POC_TOKEN_DENIAL_LABEL "poc-denial-key"

/*
 * Refuses the store name of a new or renamed object when it is the object
 * id of one of the token's own keys: an object id names the policyRef of a
 * signed token (token_approval.h), and an object sharing the verifier key's
 * would share its approvals and make each approval's signature map hold one
 * id twice (refused: the token would open nothing after the next approve).
 */
int poc_token_name_free(struct poc_err *e, const char *name);

/*
 * Seals secret as an object of the token of bind under h (its token_id,
 * pcr_bank, pcr_mask and sealed blobs are filled in): a fresh K_tpm sealed
 * in the TPM to the PCRs of bank/mask and the PIN, if any.
 */
int poc_token_seal_with(struct poc_err *e, struct poc_tpm *tpm, struct poc_object_header *h,
			const struct poc_object_bind *bind, uint16_t bank, uint32_t mask, const uint8_t *pin, size_t pin_len,
			const uint8_t *secret, size_t secret_len, uint8_t **out, size_t *out_len);

/*
 * Unseals K_tpm in the TPM (PCR policy, PIN) and opens the object obj of the
 * token of bind into *secret (poc_secret_alloc). Returns 0 or -1 (e:
 * POC_ERR_AUTH, POC_ERR_LOCKED, POC_ERR_PCR, others).
 */
int poc_token_unseal_with(struct poc_err *e, struct poc_tpm *tpm, const struct poc_object_bind *bind, const uint8_t *obj,
			  size_t len, const uint8_t *pin, size_t pin_len, uint8_t **secret, size_t *secret_len);

/* The TPM for t: its SRK pinned to t's, its PIN counter in use (token.c). */
int poc_token_tpm(struct poc_err *e, const struct poc_token *t, struct poc_tpm **tpm);

/*
 * The PIN attempt, the verifier key unsealed and the token state verified
 * with it (poc_token_authenticate): *vkey is that key. POC_ERR_PCR when the
 * PCRs lock it (nothing authenticated).
 */
int poc_token_verifier_key(struct poc_err *e, struct poc_token *t, struct poc_tpm *tpm, const uint8_t *pin,
			   size_t pin_len, EVP_PKEY **vkey);

/* As poc_token_seal_with and poc_token_unseal_with, with K_remote (32 bytes, S_R from pocd) exactly
 * when the header names a remote verifier's key_id (store/object.h), NULL otherwise. */
int poc_token_seal_share(struct poc_err *e, struct poc_tpm *tpm, struct poc_object_header *h,
			 const struct poc_object_bind *bind, uint16_t bank, uint32_t mask, const uint8_t *pin,
			 size_t pin_len, const uint8_t *k_remote, const uint8_t *secret, size_t secret_len, uint8_t **out,
			 size_t *out_len);
int poc_token_unseal_share(struct poc_err *e, struct poc_tpm *tpm, const struct poc_object_bind *bind,
			   const uint8_t *obj, size_t len, const uint8_t *pin, size_t pin_len, const uint8_t *k_remote,
			   uint8_t **secret, size_t *secret_len);

/*
 * S_R for key_id from the configured verifier (token_remote.c): pocd's challenge, this
 * machine's evidence for B (with pocd's /v1/credential), the answer checked with the pinned key.
 * *ear (when ear is given) is pocd's signed EAR, also for a denial (e: POC_ERR_POLICY naming
 * pocd's clause); an outage is POC_ERR_UNREACHABLE / POC_ERR_BUSY.
 */
#define POC_TOKEN_SHARE_LEN 32
int poc_token_remote_share(struct poc_err *e, struct poc_token *t, struct poc_tpm *tpm, const char *key_id,
			   uint8_t s_r[POC_TOKEN_SHARE_LEN], uint8_t **ear, size_t *ear_len);

/*
 * Opens object name of t (bytes obj): a local object as poc_token_unseal_with, one whose header
 * names pocd's key_id with S_R from poc_token_remote_share; pocd's EAR then becomes its
 * record (the store's and *record, replacing the local one).
 */
int poc_token_unseal_object(struct poc_err *e, struct poc_token *t, struct poc_tpm *tpm,
			    const struct poc_object_bind *bind, const char *name, const uint8_t *obj, size_t len,
			    const uint8_t *pin, size_t pin_len, uint8_t **secret, size_t *secret_len, uint8_t **record,
			    size_t *record_len);

/* Seals secret under h for t: a fresh K_tpm and, when h->remote names pocd's key_id, S_R that pocd
 * releases now (poc_token_remote_share; never stored). */
int poc_token_seal_object(struct poc_err *e, struct poc_token *t, struct poc_tpm *tpm, struct poc_object_header *h,
			  const struct poc_object_bind *bind, const uint8_t *pin, size_t pin_len, const uint8_t *secret,
			  size_t secret_len, uint8_t **obj, size_t *obj_len);

#endif
