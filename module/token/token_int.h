/* SPDX-License-Identifier: Apache-2.0 */
/* Inside the token (token.h): what token.c shares with token_init.c and token_seal.c. */
#ifndef POC_TOKEN_INT_H
#define POC_TOKEN_INT_H

#include "store/object.h"
#include "token/token.h"
#include "tpm/tpm.h"

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

/* The TPM for token t: its SRK pinned, its PIN counter and signed-policy context in use. */
int poc_token_tpm(struct poc_err *e, const struct poc_token *t, struct poc_tpm **tpm);

#endif
