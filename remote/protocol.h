/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pocd's requests (docs/pocd.md "Protocol"): CBOR maps with text keys, one encoder and one
 * strict decoder each (a closed set of keys, each once, every type and length checked):
 *
 *   POST /v1/challenge  {"key_id": text, "platform": text}  ->  {"chal": bstr(69), "exp": uint}
 *   POST /v1/release    {"chal": bstr(69), "evidence": bstr, "key_id": text, "pkR": bstr(65)}
 *   POST /v1/credential {"ak_pub": bstr, "chal": bstr(69), "ek_pub": bstr, "key_id": text, "pkR": bstr(65)}
 *                       ->  tpm2-tools' credential file: TPM2_MakeCredential to the EK of a
 *                           secret HMAC'd over B and both names, for TPM2_ActivateCredential
 *
 * and the binding the evidence carries as its nonce:
 *
 *   B = SHA-512("poc-pkcs11/v1" || chal || pkR || key_id)
 */
#ifndef POC_PROTOCOL_H
#define POC_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include "challenge.h"
#include "hpke.h"
#include "verr.h"

#define POC_BINDING_LEN 64
#define POC_PLATFORM_MAX 32
#define POC_REQUEST_MAX (4u << 20)  /* a release request: the evidence bundle and a little more */
#define POC_CHAL_REQ_MAX 1024       /* a challenge request is a few dozen bytes */

/* B for (chal, pkR, key_id). 0 or -1. */
int poc_remote_binding(const uint8_t chal[static POC_CHAL_LEN], const uint8_t pkR[static POC_HPKE_NPK],
		       const uint8_t *key_id, size_t key_id_len, uint8_t B[static POC_BINDING_LEN]);

struct poc_chal_req {
	char key_id[POC_KEY_ID_MAX + 1];
	size_t key_id_len;
	char platform[POC_PLATFORM_MAX + 1]; /* a binding name: poc-v1 | azure-hcl | none */
};

int poc_chal_req_encode(struct poc_err *e, const char *key_id, const char *platform, uint8_t **out, size_t *outlen);
int poc_chal_req_decode(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_chal_req *r);
int poc_chal_resp_encode(struct poc_err *e, const uint8_t chal[static POC_CHAL_LEN], int64_t exp, uint8_t **out,
			 size_t *outlen);
int poc_chal_resp_decode(struct poc_err *e, const uint8_t *buf, size_t len, uint8_t chal[static POC_CHAL_LEN],
			 int64_t *exp);

/* A decoded release request; evidence is a copy (free with poc_release_req_free). */
struct poc_release_req {
	uint8_t chal[POC_CHAL_LEN];
	char key_id[POC_KEY_ID_MAX + 1];
	size_t key_id_len;
	uint8_t pkR[POC_HPKE_NPK];
	uint8_t *evidence;
	size_t evidence_len;
};

int poc_release_req_encode(struct poc_err *e, const uint8_t chal[static POC_CHAL_LEN], const char *key_id,
			   const uint8_t pkR[static POC_HPKE_NPK], const uint8_t *evidence, size_t evidence_len,
			   uint8_t **out, size_t *outlen);
int poc_release_req_decode(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_release_req *r);
void poc_release_req_free(struct poc_release_req *r);

/* A credential request: the challenge, its key and the TPM's EK and AK public areas (copies). */
struct poc_cred_req {
	uint8_t chal[POC_CHAL_LEN];
	char key_id[POC_KEY_ID_MAX + 1];
	size_t key_id_len;
	uint8_t pkR[POC_HPKE_NPK];
	uint8_t *ek_pub, *ak_pub;
	size_t ek_len, ak_len;
};

#define POC_TPM_PUB_MAX 2048

int poc_cred_req_encode(struct poc_err *e, const uint8_t chal[static POC_CHAL_LEN], const char *key_id,
			const uint8_t pkR[static POC_HPKE_NPK], const uint8_t *ek, size_t ek_len, const uint8_t *ak,
			size_t ak_len, uint8_t **out, size_t *outlen);
int poc_cred_req_decode(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_cred_req *r);
void poc_cred_req_free(struct poc_cred_req *r);

#endif
