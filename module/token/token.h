/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A token: a folder of the store holding the token's policy, its local
 * verifier key (sealed to the TPM) and its sealed objects; and the release of
 * an object after a Proof-of-Cloud check (DESIGN.md sections 4-6). Used by
 * poctool and, later, by the PKCS#11 module.
 */
#ifndef POC_TOKEN_H
#define POC_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "appraise.h"
#include "config/configuration.h"
#include "store/files.h"
#include "store/object.h"
#include "policy.h"
#include "store/store.h"
#include "verr.h"

/*
 * Errors: every function returns 0 or -1, and e->code says why (verr.h,
 * docs/module.md "Errors"): POC_ERR_AUTH for a wrong PIN, POC_ERR_LOCKED for a
 * locked one, POC_ERR_PCR for a changed PCR (the check turns it into a
 * denial), the appraisal's code for a denial, POC_ERR_UNREACHABLE,
 * POC_ERR_BUSY, POC_ERR_DEVICE for a TPM or TEE that fails.
 */

struct poc_token_authz;
struct poc_token {
	struct poc_config cfg;
	struct poc_store *store;
	struct poc_token_meta meta;
	struct poc_policy *policy; /* parsed from meta.policy_json; its files come from the store */
	int allow_duplicate_label; /* poctool --force: poc_token_seal accepts a label the token already holds */
	struct poc_token_authz *authz; /* a signed-PCR-policy token's policy key and epoch (token_authz.h); else NULL */
};

/*
 * Creates token label in cfg->store: the policy (refused unless it is a Proof
 * of Cloud: a providers or platforms clause), with every file it names copied
 * into the token; a local verifier key (EC P-256) sealed to the TPM's PCRs
 * (bank, mask) and the PIN, if any; a denial key (EC P-256) sealed to the TPM
 * alone, which signs the records of checks whose PCRs changed; the PCR values.
 * so_pin (needs pin; NULL: none): the token's SO PIN, a counter of its own
 * (token_pin.h).
 */
int poc_token_init(struct poc_err *e, const struct poc_config *cfg, const char *label, const char *policy_path,
		   const uint8_t *pin, size_t pin_len, const uint8_t *so_pin, size_t so_len, uint16_t bank, uint32_t mask);
/*
 * The same with a signed PCR policy (docs/updates.md) when policy_spki is
 * not NULL: the policy key (DER SPKI, EC P-256 or RSA) and an epoch counter
 * in the TPM (tpm_epoch.h); the verifier key and every object are sealed
 * under PolicyAuthorize and open only under an approval the policy key signs
 * (poctool policy approve). NULL: poc_token_init.
 */
int poc_token_init_signed(struct poc_err *e, const struct poc_config *cfg, const char *label, const char *policy_path,
			  const uint8_t *pin, size_t pin_len, const uint8_t *so_pin, size_t so_len, uint16_t bank,
			  uint32_t mask, const uint8_t *policy_spki,
			  size_t policy_spki_len);
int poc_token_open(struct poc_err *e, const struct poc_config *cfg, const char *label, struct poc_token **out);
void poc_token_close(struct poc_token *t);

/*
 * Seals secret as a new object of the token under its policy and PCRs; h
 * gives class, key type, label, id, flags, spki and cert (the rest is filled
 * in). Writes *name (the object's file name in the store). A key or
 * secret (CKO_DATA, CKO_PRIVATE_KEY, CKO_SECRET_KEY) with a label that one
 * of its class in the token has is refused (poc_token_label_free; not
 * certificates or public keys, which share their key's label). A PIN token's
 * PIN is tried first (poc_token_pin_attempt): POC_ERR_AUTH or POC_ERR_LOCKED,
 * and nothing sealed.
 */
int poc_token_seal(struct poc_err *e, struct poc_token *t, const struct poc_object_header *h, const uint8_t *secret,
		   size_t secret_len, const uint8_t *pin, size_t pin_len, char name[POC_STORE_NAME_MAX]);

/*
 * Re-seals the object old_name under header in (its label, id and flags
 * changed: the header is the AEAD's associated data and in the key's
 * derivation, so a changed header needs a new seal): the object is opened
 * with the TPM and pin (no Proof-of-Cloud check: nothing leaves the token,
 * the secret goes straight into the new object) and sealed again under in
 * with a fresh K_tpm. The new file's name follows in's class, id and label
 * (*name). With keep_old (a copy) the old object stays and the name must be
 * new; without, a new name replaces the old file after the new one is
 * written (a crash leaves one or both, never neither) and the old object's
 * record goes (it was bound to the old file), the same name is replaced
 * atomically (a rename). POC_ERR_ARG when the name is taken.
 */
int poc_token_reseal(struct poc_err *e, struct poc_token *t, const char *old_name, const struct poc_object_header *in,
		     const uint8_t *pin, size_t pin_len, int keep_old, char name[POC_STORE_NAME_MAX]);

/*
 * 0 when the token holds no object of class with this label (or the label
 * is empty), else -1
 * (POC_ERR_ARG, naming the object): two keys with one label make a
 * pkcs11:object= URI pick either (nginx: "key values mismatch").
 * poc_token_seal refuses such a label unless t->allow_duplicate_label.
 */
int poc_token_label_free(struct poc_err *e, struct poc_token *t, unsigned long class, const char *label);

/*
 * The token's lifecycle (token_rekey.c, token_life.c; docs/pin.md):
 *
 * poc_token_pin_change: the user PIN from pin to new_pin. A new PIN
 * counter, every object and the verifier key re-sealed to it in a stage
 * folder, token.cbor re-signed there, one rename to switch; the old counter
 * deleted after. Atomic: a crash (SIGKILL) at any step leaves the old or the
 * new PIN working, never neither. pin is tried first (counted) and the
 * state verified with the verifier key it unseals.
 *
 * poc_token_stages_clean: removes what a crashed change left (stage folders
 * and a counter they name that the token does not use).
 *
 * poc_token_delete_object: removes the objects labelled label (class ~0ul:
 * every class), after the user PIN (counted); *gone says how many.
 *
 * poc_token_reinit: C_InitToken. The SO PIN (counted) is required; every
 * object of the token is removed; its policy, keys, PIN counters stay.
 *
 * poc_token_destroy: the token deleted: its PIN counters (name-checked) and
 * its folder. Needs the SO PIN when the token has one, else its user PIN.
 */
int poc_token_pin_change(struct poc_err *e, struct poc_token *t, const uint8_t *pin, size_t pin_len,
			 const uint8_t *new_pin, size_t new_len);
struct poc_tpm;
int poc_token_stages_clean(struct poc_err *e, struct poc_token *t, struct poc_tpm *tpm);
int poc_token_delete_object(struct poc_err *e, struct poc_token *t, const char *label, unsigned long class,
			    const uint8_t *pin, size_t pin_len, size_t *gone);
int poc_token_reinit(struct poc_err *e, struct poc_token *t, const uint8_t *so_pin, size_t so_len, size_t *gone);
int poc_token_destroy(struct poc_err *e, struct poc_token *t, const uint8_t *pin, size_t pin_len);

/* The store name of the object labelled label (first match), or -1. */
int poc_token_find(struct poc_err *e, struct poc_token *t, const char *label, char name[POC_STORE_NAME_MAX]);

/*
 * The Proof-of-Cloud check, locally: collect evidence from the TPM (and the
 * TEE of cfg) for a fresh nonce, with an AK credential challenge by the
 * token's verifier key, and appraise it under the token's policy. *a always
 * says what happened. When record is not NULL, a signed attestation record is
 * written there (bound to the object of object_file, if given). Returns 0
 * accepted, -1 denied or failed (a->clause is set for a denial; e->code says
 * which, POC_ERR_AUTH for a wrong PIN).
 */
int poc_token_check(struct poc_err *e, struct poc_token *t, const uint8_t *pin, size_t pin_len,
		    const uint8_t *object_file, size_t object_len, struct poc_appraisal *a, uint8_t **record,
		    size_t *record_len);

/*
 * Releases the object name: the check above, its record stored as
 * "<name>.record" (when the store is writable), then unsealing. *secret is
 * freed with poc_secret_free.
 */
int poc_token_release(struct poc_err *e, struct poc_token *t, const char *name, const uint8_t *pin, size_t pin_len,
		      struct poc_appraisal *a, uint8_t **secret, size_t *secret_len);

/*
 * The same for n objects with ONE evidence round (they share the token's
 * policy): a record per object, then each unsealed into secrets[i]/lens[i]
 * (all or none: on failure every secret is wiped and NULL). With records
 * (and record_lens) not NULL, records[i] is object i's record (malloc'd;
 * NULL when none was signed: a wrong PIN, an error before the evidence),
 * for a denial too. sha256 (NULL: none) is the SHA-256 of each file as the
 * caller read it before: a file that differs now is refused before anything
 * else (the caller acts on the header it parsed then, and only the file
 * released now is authenticated: an object whose header was edited when the
 * caller listed it and restored for the release would get the edited class,
 * key type or usage flags).
 */
int poc_token_release_many(struct poc_err *e, struct poc_token *t, const char *const *names, size_t n,
			   const uint8_t (*sha256)[32], const uint8_t *pin, size_t pin_len, struct poc_appraisal *a, uint8_t **secrets, size_t *lens,
			   uint8_t **records, size_t *record_lens);

/*
 * Authenticates the token's state (token_state.h) without evidence: the PIN
 * attempt (counted), the verifier key unsealed (PCRs, PIN) and the state's
 * signature checked with it. Then every entry of t->meta, the verifier and
 * denial SPKIs included, is the one of init. Returns 0, -1 (e says why; a
 * modified state: POC_ERR_SIGNATURE "store.state: ..."; *locked = 1 when the
 * PCRs lock the verifier key: the PIN was right but nothing is
 * authenticated; POC_ERR_AUTH, POC_ERR_LOCKED for the PIN).
 */
int poc_token_authenticate(struct poc_err *e, struct poc_token *t, const uint8_t *pin, size_t pin_len, int *locked);

/*
 * Verifies record r against the token's keys AS token.cbor NAMES THEM (not
 * authenticated: see poc_token_authenticate): the verifier key, or the
 * denial key for a record that is a denial in full (poc_record_is_denial:
 * that key opens without PCRs or PIN and signs nothing else). *signer names
 * the key. POC_ERR_SIGNATURE otherwise.
 */
struct poc_record;
int poc_token_record_verify(struct poc_err *e, const struct poc_token *t, const struct poc_record *r,
			    const char **signer);

#endif
