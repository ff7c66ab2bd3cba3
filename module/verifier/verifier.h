/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The module as pocd's client (docs/pocd.md "The module as a client"): the transport (libcurl,
 * CBOR bodies, pocd's TLS key pinned with CURLOPT_PINNEDPUBLICKEY, a timeout from the
 * configuration) and the release exchange over remote/'s pure codecs:
 *
 *   POST /v1/challenge -> chal; a fresh ephemeral P-256 key pkR per release;
 *   B = SHA-512("poc-pkcs11/v1" || chal || pkR || key_id); the caller's evidence for B
 *   (and, through poc_verifier_credential, /v1/credential when the AK has no provider
 *   certificate); POST /v1/release; poc_answer_check with the pinned key (verifier_key).
 *
 * http:// is refused unless verifier_insecure_http = yes, and then only to a loopback
 * address (tests); an https verifier is pinned by verifier_tls_pin and/or verifier_cafile.
 * An outage (no answer, a timeout, a 5xx, a 429) is POC_ERR_UNREACHABLE / POC_ERR_BUSY, never
 * a denial; an answer that fails the check is refused (its poc_err code, usually
 * POC_ERR_SIGNATURE or POC_ERR_MISMATCH); a verified denial is a result naming pocd's clause.
 */
#ifndef POC_VERIFIER_H
#define POC_VERIFIER_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "config/configuration.h"
#include "remote/answer.h"
#include "remote/protocol.h"
#include "verr.h"

struct poc_verifier {
	const struct poc_config *cfg; /* verifier, verifier_tls_pin, verifier_cafile, timeouts */
	EVP_PKEY *pocd_key;           /* verifier_key, the answers' pinned signer */
};

/* Checks the URL policy and loads the pinned key. 0 or -1. */
int poc_verifier_open(struct poc_err *e, const struct poc_config *cfg, struct poc_verifier *v);
void poc_verifier_close(struct poc_verifier *v);

/*
 * POSTs body (application/cbor) to the verifier's path: *status the HTTP status and *out the
 * answer (malloc'd, at most POC_ANSWER_MAX bytes). -1 when no answer came (an outage:
 * POC_ERR_UNREACHABLE) or the URL policy refuses.
 */
int poc_verifier_post(struct poc_err *e, const struct poc_verifier *v, const char *path, const uint8_t *body,
		      size_t len, long *status, uint8_t **out, size_t *outlen);

/* One release in progress: what the evidence must be bound to. */
struct poc_verifier_session {
	const char *key_id;
	uint8_t chal[POC_CHAL_LEN];
	uint8_t pkR[POC_HPKE_NPK];
	uint8_t binding[POC_BINDING_LEN]; /* B: the evidence's nonce */
	EVP_PKEY *skR;                    /* the ephemeral key, freed with the session */
};

/* The caller's evidence for s->binding into *bundle (malloc'd). 0 or -1 (e set). */
typedef int (*poc_verifier_evidence_fn)(struct poc_err *e, void *ctx, const struct poc_verifier *v,
					const struct poc_verifier_session *s, uint8_t **bundle, size_t *len);

/* /v1/credential for s and the TPM's EK and AK public areas: tpm2-tools' credential file. */
int poc_verifier_credential(struct poc_err *e, const struct poc_verifier *v, const struct poc_verifier_session *s,
			    const uint8_t *ek, size_t ek_len, const uint8_t *ak, size_t ak_len, uint8_t **cred,
			    size_t *cred_len);

/*
 * The whole exchange for key_id under platform (poc-v1 | azure-hcl | none). 0 with a checked
 * answer in *a (a release: a->share is S_R; a denial: a->clause names pocd's clause); -1 for an
 * outage or an answer the check refuses. poc_answer_free(a) wipes the share.
 */
int poc_verifier_release(struct poc_err *e, const struct poc_verifier *v, const char *key_id, const char *platform,
			 poc_verifier_evidence_fn evidence, void *ctx, struct poc_answer *a);

#endif
