/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /v1/credential: the AK-to-EK credential activation, made by pocd (DESIGN.md section 3).
 * Stateless like the challenge: the secret is HMAC(credential key, B, AK name, EK name), the
 * credential key derived from pocd's signing key, so /v1/release recomputes it from the
 * bundle's EK and AK and no database row is needed. Only for a challenge whose MAC holds.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "credential.h"
#include "release_int.h"
#include "tpm_attest.h"

void pocd_credential(struct pocd *p, const uint8_t *body, size_t len, const char *client, struct pocd_response *r)
{
	struct poc_err e = { 0 };
	struct poc_cred_req q;
	struct poc_chal ch;
	TPMT_PUBLIC ek, ak;
	TPM2B_ID_OBJECT cred;
	TPM2B_ENCRYPTED_SECRET enc;
	uint8_t B[POC_BINDING_LEN], secret[POC_CREDENTIAL_SECRET_LEN], name[2 + 64];
	size_t name_len = 0;
	int64_t now = pocd_now();

	(void)client;
	if (poc_cred_req_decode(&e, body, len, &q) < 0) {
		pocd_text(r, 400, "%s", e.msg);
		return;
	}
	if (pocd_chal_check(p, q.chal, q.key_id, q.key_id_len, now, &ch, &e) < 0) {
		pocd_text(r, 401, "%s", e.msg);
	} else if (!pocd_rate_take(p->rate_key, q.key_id, now)) {
		pocd_text(r, 429, "too many requests for %s this minute", q.key_id);
	} else if (poc_remote_binding(q.chal, q.pkR, (const uint8_t *)q.key_id, q.key_id_len, B) < 0 ||
		   poc_tpm_pub_parse(&e, q.ek_pub, q.ek_len, &ek) < 0 || poc_tpm_pub_parse(&e, q.ak_pub, q.ak_len, &ak) < 0 ||
		   poc_tpm_pub_name(&e, &ak, name, &name_len) < 0 ||
		   poc_credential_secret(&e, p->credential_key, B, sizeof(B), &ak, &ek, secret) < 0 ||
		   poc_make_credential(&e, &ek, name, name_len, secret, sizeof(secret), &cred, &enc) < 0) {
		pocd_text(r, 400, "credential: %s", e.msg);
	} else {
		free(r->body);
		r->body = NULL;
		if (poc_credential_file_encode(&e, &cred, &enc, &r->body, &r->len) < 0) {
			pocd_text(r, 500, "%s", e.msg);
		} else {
			r->status = 200;
			r->type = "application/octet-stream";
		}
	}
	OPENSSL_cleanse(secret, sizeof(secret));
	poc_cred_req_free(&q);
}
