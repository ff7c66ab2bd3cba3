/* SPDX-License-Identifier: Apache-2.0 */
/* pocd's side of the answer: the payload, the share sealed to pkR, the COSE_Sign1 (see answer.h). */
#include "answer.h"

#include <stdlib.h>
#include <string.h>

#include <cbor.h>

#include "cbor_util.h"
#include "digest.h"
#include "ecdsa_sig.h"

static const uint8_t PROT_ES256[3] = { 0xa1, 0x01, 0x26 };

void poc_share_info(const uint8_t request_digest[static 32], uint8_t info[static POC_SHARE_INFO_LEN])
{
	memcpy(info, POC_SHARE_INFO_LABEL, sizeof(POC_SHARE_INFO_LABEL) - 1);
	memcpy(info + sizeof(POC_SHARE_INFO_LABEL) - 1, request_digest, 32);
}

/* enc || ct of the share to pkR (info: the request digest, aad: SHA-256(ear)). */
static int seal_share(struct poc_err *e, const struct poc_answer_in *in, uint8_t **ct, size_t *ctlen)
{
	uint8_t info[POC_SHARE_INFO_LEN], aad[32];

	if (in->pkR == NULL || in->share == NULL || in->share_len == 0 || in->share_len > POC_SHARE_MAX)
		return poc_err_set(e, POC_ERR_ARG, "answer: a release without pkR or share");
	poc_share_info(in->request_digest, info);
	if (poc_sha256(in->ear, in->ear_len, aad) < 0)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "answer: EAR digest");
	return poc_hpke_seal_base(e, in->pkR, POC_HPKE_NPK, info, sizeof(info), aad, 32, in->share, in->share_len, ct,
				  ctlen);
}

/* The payload map, keys in the order answer.h lists them. */
static int payload(struct poc_err *e, const struct poc_answer_in *in, uint8_t **out, size_t *outlen)
{
	int release = in->decision == POC_DECISION_RELEASE;
	uint8_t *ct = NULL;
	size_t ctlen = 0, cap = 0;
	cbor_item_t *m;
	int ok;

	*out = NULL;
	*outlen = 0;
	if (release && seal_share(e, in, &ct, &ctlen) < 0)
		return -1;
	m = cbor_new_definite_map(6); /* a release has "share", a denial "clause" */
	ok = m != NULL && poc_cbor_put(m, "chal", poc_cbor_bstr(in->chal, POC_CHAL_LEN)) == 0 &&
	     (release || poc_cbor_put(m, "clause", cbor_build_string(in->clause)) == 0) &&
	     poc_cbor_put(m, "decision", cbor_build_string(release ? "release" : "deny")) == 0 &&
	     poc_cbor_put(m, "ear", poc_cbor_bstr(in->ear, in->ear_len)) == 0 &&
	     poc_cbor_put(m, "evidence_digest", poc_cbor_bstr(in->evidence_digest, 32)) == 0 &&
	     poc_cbor_put(m, "request_digest", poc_cbor_bstr(in->request_digest, 32)) == 0 &&
	     (!release || poc_cbor_put(m, "share", poc_cbor_bstr(ct, ctlen)) == 0);
	free(ct);
	if (ok)
		*outlen = cbor_serialize_alloc(m, out, &cap);
	if (m != NULL)
		cbor_decref(&m);
	if (*outlen == 0) {
		free(*out);
		*out = NULL;
		return poc_err_set(e, POC_ERR_NOMEM, "answer payload");
	}
	return 0;
}

int poc_answer_sign(struct poc_err *e, const struct poc_answer_in *in, EVP_PKEY *key, uint8_t **out, size_t *outlen)
{
	uint8_t *pl = NULL, *tbs = NULL, *buf = NULL, *p, sig[64];
	size_t pl_len = 0, tbs_len = 0;
	int rv = -1;

	*out = NULL;
	*outlen = 0;
	if (in == NULL || in->chal == NULL || in->ear == NULL || in->ear_len == 0 || in->evidence_digest == NULL ||
	    in->request_digest == NULL ||
	    (in->decision != POC_DECISION_RELEASE &&
	     (in->decision != POC_DECISION_DENY || in->clause == NULL || strlen(in->clause) == 0 ||
	      strlen(in->clause) > POC_CLAUSE_MAX)))
		return poc_err_set(e, POC_ERR_ARG, "answer: incomplete");
	if (payload(e, in, &pl, &pl_len) < 0)
		return -1;
	if ((tbs = poc_cose_sig_structure(PROT_ES256, sizeof(PROT_ES256), pl, pl_len, &tbs_len)) == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "answer Sig_structure");
		goto done;
	}
	if (poc_ecdsa_sign_raw(key, EVP_sha256(), tbs, tbs_len, sig, 32) < 0) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "answer signature (pocd's key must be P-256)");
		goto done;
	}
	if ((buf = malloc(2 + 9 + sizeof(PROT_ES256) + 1 + 9 + pl_len + 9 + 64)) == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "answer");
		goto done;
	}
	p = buf;
	*p++ = 0xd2; /* tag 18 */
	*p++ = 0x84; /* [protected, {}, payload, signature] */
	poc_cbor_bstr_put(&p, PROT_ES256, sizeof(PROT_ES256));
	*p++ = 0xa0;
	poc_cbor_bstr_put(&p, pl, pl_len);
	poc_cbor_bstr_put(&p, sig, 64);
	*out = buf;
	*outlen = (size_t)(p - buf);
	rv = 0;
done:
	free(pl);
	free(tbs);
	return rv;
}
