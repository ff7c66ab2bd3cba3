/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The token's authenticated state. Nothing in the store that decides a
 * release may change without the TPM: token.cbor (store.h) carries
 * state_sig, an ECDSA-SHA256 signature by the token's verifier key over
 *
 *   "poc-pkcs11/v1/token-state" || the CBOR map of token.cbor without
 *                                  state_sig (same order, same encoding as
 *                                  in the file)
 *
 * so every entry is signed, those added later too. The verifier key's
 * private part is a sealed object that opens only under the token's PCR
 * policy and PIN; the signature is checked with the public half of that
 * unsealed key, never with a key read from the store, before the policy is
 * used. The files the policy names are copies in the store, each listed with
 * its SHA-256 in the signed state (policy_files) and checked when read.
 *
 * Objects are bound to the token (object.h): their header carries the
 * token_id, and K's HKDF info ends with the token's own id and the SHA-256 of
 * its verifier SPKI; at release, the header's policy_digest must be the
 * token's (clause "store.policy_digest").
 *
 * What this does not cover: the SRK name is pinned from token.cbor before the
 * verifier key opens (a party that both edits the store and sits between the
 * module and the TPM sees the unseal); and a token.cbor replaced wholesale
 * before any secret is sealed is just another token (check its policy with
 * poctool show before sealing).
 */
#ifndef POC_TOKEN_STATE_H
#define POC_TOKEN_STATE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "appraise.h"
#include "store/object.h"
#include "store/store.h"
#include "verr.h"

/* POC_TOKEN_STATE_CONTEXT and poc_token_state_tbs (the bytes state_sig signs): store/store.h. */

/* Signs m's state with key (the new verifier key, at init): sets m->state_sig and m->state_tbs. */
int poc_token_state_sign(struct poc_err *e, EVP_PKEY *key, struct poc_token_meta *m);

/*
 * Verifies m->state_sig over m->state_tbs with the public key derived from
 * key, the verifier key as the TPM unsealed it, and checks that m's
 * verifier_spki is that key. POC_ERR_SIGNATURE otherwise.
 */
int poc_token_state_verify(struct poc_err *e, EVP_PKEY *key, const struct poc_token_meta *m);

/* The binding of the token's objects: its id and the SHA-256 of its verifier SPKI. */
int poc_token_bind(struct poc_err *e, const struct poc_token_meta *m, struct poc_object_bind *b);

/*
 * Whether the object obj (unauthenticated header: this only names the
 * reason; the binding holds through K) belongs to m and was sealed under m's
 * policy. 0, or -1 with the clause ("store.token_id", "store.policy_digest",
 * "store.object") and the observed value in clause/why.
 */
int poc_token_object_check(const struct poc_token_meta *m, const uint8_t *obj, size_t len, char *clause,
			   size_t clause_len, char *why, size_t why_len);

/*
 * The state check of a round (token_deny.c): with key, the unsealed verifier
 * key, a state that does not verify is a denial naming "store.state" (-1,
 * before any evidence). locked: the PCRs changed and only the denial key
 * opened, so the state cannot be checked; the outcome is a denial anyway,
 * and a note says the state was not authenticated (0).
 */
int poc_token_state_check(struct poc_err *e, const struct poc_token_meta *m, EVP_PKEY *key, int locked,
			  struct poc_appraisal *a);

/*
 * Each object against the (authenticated) token m: its token id and the
 * policy it was sealed under (poc_token_object_check). A mismatch denies
 * the round (-1), so every record says so; the binding itself holds through
 * K whatever a header says.
 */
int poc_token_objects_check(const struct poc_token_meta *m, uint8_t *const *objs, const size_t *olens, size_t n,
			    struct poc_appraisal *a);

/*
 * Turns a (so far accepting) appraisal into a denial for clause; a denial
 * already made keeps its clause and gets a note (token_deny.c).
 */
void poc_token_deny(struct poc_appraisal *a, const char *clause, const char *why);

struct poc_tpm;
/*
 * "sha256:7,14": the sealed PCRs whose values differ from those at init (all
 * of them when unknown). Returns how many it names (0: none differs).
 */
int poc_token_changed_pcrs(struct poc_tpm *tpm, const struct poc_token_meta *m, char *out, size_t len);
/* A PCR seal failure overrides an accepting appraisal (clause "seal.pcrs.<bank>"); a denial keeps its clause. */
void poc_token_deny_pcrs(struct poc_appraisal *a, const struct poc_token_meta *m, const char *why);

/* The store name of a file the policy names: "policy-" || hex SHA-256 of the path as written. */
int poc_token_policy_file_name(struct poc_err *e, const char *path, char name[80]);

/*
 * A policy file loader (policy.h) over the token's store copies: ctx is the
 * token's meta and store (struct poc_token_files). A file that is not listed
 * in the state, or whose SHA-256 is not the listed one, is refused.
 */
struct poc_token_files {
	const struct poc_token_meta *meta;
	struct poc_store *store;
};
int poc_token_policy_file(void *ctx, struct poc_err *e, const char *path, uint8_t **buf, size_t *len);

#endif
