/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A token's PIN, at the token layer: every PIN attempt of poctool and of the
 * PKCS#11 module is poc_token_pin_attempt, a try that the TPM counts in the
 * token's PIN counter (tpm_pin.h, docs/pin.md). Nothing of it is in the
 * store: token.cbor only names the counter (pin_nv, pin_nv_name), and a
 * read-only, edited or rolled-back store changes nothing of the count.
 */
#ifndef POC_TOKEN_PIN_H
#define POC_TOKEN_PIN_H

#include <stddef.h>
#include <stdint.h>

#include "token/token.h"
#include "tpm/tpm.h"
#include "tpm/tpm_pin.h" /* the limits poctool checks: POC_PIN_TRIES_DEFAULT, POC_PIN_TRIES_MAX */

/*
 * For poc_token_init: defines the counter of a new PIN token (limit
 * cfg->pin_tries, POC_PIN_TRIES_DEFAULT when 0), records it in m and makes
 * tpm seal through it. With so_pin, the SO's counter first (same limit),
 * and the user counter gets the branch by which the SO resets it.
 */
int poc_token_pin_create(struct poc_err *e, struct poc_tpm *tpm, const struct poc_config *cfg, const uint8_t *pin,
			 size_t pin_len, const uint8_t *so_pin, size_t so_len, struct poc_token_meta *m);
/* m's user and SO counters as tpm_pin.h takes them: -1 when m has none. */
int poc_token_user_nv(const struct poc_token_meta *m, struct poc_pin_nv *nv);
int poc_token_so_nv(const struct poc_token_meta *m, struct poc_pin_nv *nv);
/* Deletes the counters of a token whose init failed, or that is deleted (no-op without them). */
void poc_token_pin_destroy(struct poc_tpm *tpm, const struct poc_token_meta *m);

/* Makes tpm seal and unseal m's PIN objects through m's counter (none: plain PolicyAuthValue). */
void poc_token_pin_use(const struct poc_token_meta *m, struct poc_tpm *tpm);

/*
 * THE PIN attempt, before anything is unsealed or sealed under the PIN: one
 * TPM2_PolicySecret on the token's counter. Returns 0 (the right PIN: the
 * TPM set the count back to 0) or -1 with e: POC_ERR_AUTH (counted; e says how
 * many tries are left; also for no PIN at all, not counted), POC_ERR_LOCKED
 * (e says how to recover), or another code: the counter cannot be used (gone,
 * not the token's, an old token without one, a TPM error), and then nothing is
 * tried.
 * A token without a PIN: 0 (pin must be NULL).
 */
int poc_token_pin_attempt(struct poc_err *e, struct poc_token *t, struct poc_tpm *tpm, const uint8_t *pin,
			  size_t pin_len);

/* The SO's attempt, the same on the SO's counter (POC_ERR_AUTH too for a token without an SO PIN). */
int poc_token_so_attempt(struct poc_err *e, struct poc_token *t, struct poc_tpm *tpm, const uint8_t *so_pin,
			 size_t so_len);

/* The SO's login: the TPM opened for t, then poc_token_so_attempt. */
int poc_token_so_login(struct poc_err *e, struct poc_token *t, const uint8_t *so_pin, size_t so_len);

/* A counter (so: the SO's) as the TPM has it: *count wrong tries of *limit (no PIN needed, nothing counted). */
int poc_token_pin_status(struct poc_err *e, const struct poc_token *t, int so, uint32_t *count, uint32_t *limit);

/*
 * The SO lifts the user PIN's lock: the user counter's count set to 0
 * through its SO branch (tpm_pin.h), so_pin tried on the SO's counter
 * (counted). The user PIN stays what it was: objects are sealed to it
 * (docs/pin.md "The Security Officer" says why the SO cannot set another).
 */
int poc_token_pin_unlock(struct poc_err *e, struct poc_token *t, const uint8_t *so_pin, size_t so_len);

#endif
