/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A signed-PCR-policy token (docs/updates.md): seals and unseals of its
 * objects through PolicyAuthorize (tpm_authorize.h), the choice of the
 * stored approval that fits the TPM's current PCRs and epoch, and what the
 * policy key's holder does: approve PCR values, revoke (bump the epoch).
 */
#ifndef POC_TOKEN_AUTHZ_H
#define POC_TOKEN_AUTHZ_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "store/store.h"
#include "token/token.h"
#include "token/token_approval.h"
#include "tpm/tpm_authorize.h"
#include "verr.h"

struct poc_token_authz {
	struct poc_authz_key key;
	struct poc_epoch_nv nv;
	uint8_t token_id[16];
	const uint8_t *spki; /* the policy key (DER), the token meta's */
	size_t spki_len;
	struct poc_store *store; /* where its approvals are; NULL: none (init) */
	uint16_t pcr_bank;	 /* the token's PCR selection: every approval must cover it */
	uint32_t pcr_mask;
};

/* From a token's meta; *out->... point into m. 0 with out->spki NULL for a literal-PolicyPCR token. */
/* t->authz from t's (not yet authenticated) meta when t is a signed-PCR-policy token; else nothing. */
int poc_token_authz_open(struct poc_err *e, struct poc_token *t);
int poc_token_authz_from_meta(struct poc_err *e, const struct poc_token_meta *m, struct poc_store *store,
			      struct poc_token_authz *out);

/*
 * Whether an approval's selection bank/mask covers the token's (its bank,
 * every one of its PCRs): 0, or POC_ERR_ARG naming both. An approval of
 * fewer PCRs would open the token in any boot that matches those few,
 * whatever the others measured: the signer refuses to make one, and the
 * module leaves one out (docs/updates.md "Approvals in the store").
 */
int poc_token_authz_covers(struct poc_err *e, const struct poc_token_authz *a, uint16_t bank, uint32_t mask);

/* The seals and unseals through tpm use a from now on (NULL or a literal token: PolicyPCR). */
void poc_token_authz_use(struct poc_tpm *tpm, const struct poc_token_authz *a);

/* The object id of a header (token_approval.h): its store name. */
int poc_token_authz_object_id(struct poc_err *e, const struct poc_object_header *h, char out[POC_STORE_NAME_MAX]);

/* K_tpm sealed under PolicyAuthorize(policy key, policyRef(object)) [+ PIN]. */
int poc_token_authz_seal(struct poc_err *e, struct poc_tpm *tpm, const char *object, const uint8_t *pin,
			 size_t pin_len, const uint8_t k_tpm[32], struct poc_sealed *out);

/*
 * K_tpm unsealed under the first stored approval (sorted by name) that is
 * of the counter's current epoch, names the TPM's current PCR values (read,
 * never tried on the TPM) and carries a valid signature for object. None:
 * POC_ERR_PCR "seal.approval: ...".
 */
int poc_token_authz_unseal(struct poc_err *e, struct poc_tpm *tpm, const char *object, const struct poc_sealed *s,
			   const uint8_t *pin, size_t pin_len, uint8_t k_tpm[32]);

/*
 * Every approval of the token, checked (poc_approval_check): *list and *n
 * (free each with poc_approval_free, then the array); files that fail are
 * counted in *bad (may be NULL) and left out.
 */
int poc_token_approvals(struct poc_err *e, const struct poc_token_authz *a, struct poc_approval **list, size_t *n,
			size_t *bad);

/*
 * Signs an approval of the PCR values vals (bank/mask, index order) at the
 * counter's current epoch for the verifier key and every object of token t,
 * with priv (its public half must be the token's policy key), and stores it
 * (an approval of the same policy is replaced: it then covers new objects).
 * name receives its store name.
 */
int poc_token_approve(struct poc_err *e, struct poc_token *t, uint16_t bank, uint32_t mask, const uint8_t *vals,
		      size_t vals_len, EVP_PKEY *priv, char name[40], uint64_t *epoch);

/* Bumps token t's epoch counter (PolicySigned by priv): every approval so far dies. *epoch: the new one. */
int poc_token_revoke(struct poc_err *e, struct poc_token *t, EVP_PKEY *priv, uint64_t *epoch);

/* The counter's current value, through token t's TPM. */
int poc_token_epoch(struct poc_err *e, struct poc_token *t, uint64_t *epoch);

/* The TPM's current values of bank/mask (index order) through token t's TPM: vals needs 24 * 64 bytes. */
int poc_token_pcrs_now(struct poc_err *e, struct poc_token *t, uint16_t bank, uint32_t mask, uint8_t *vals,
		       size_t *vals_len);

#endif
