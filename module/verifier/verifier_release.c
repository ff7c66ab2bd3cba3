/* SPDX-License-Identifier: Apache-2.0 */
/* The release exchange with pocd: challenge, evidence for B, release, the answer's check. */
#include "verifier/verifier.h"

#include <stdlib.h>
#include <string.h>

#include "digest.h"

/* An HTTP status without a checkable answer: an outage, never a denial. */
static int status_outage(struct poc_err *e, const struct poc_verifier *v, const char *path, long status,
			 const uint8_t *ans, size_t n)
{
	const char *text = (ans != NULL && n > 0 && n < 300 && ans[0] >= 0x20 && ans[0] < 0x7f) ? (const char *)ans : "";

	if (status == 429)
		return poc_err_set(e, POC_ERR_BUSY, "verifier %s%s: rate limited (429) %s", v->cfg->verifier, path, text);
	return poc_err_set(e, POC_ERR_UNREACHABLE, "verifier %s%s: HTTP %ld (an outage, not a denial) %s", v->cfg->verifier,
			   path, status, text);
}

static int new_session(struct poc_err *e, const struct poc_verifier *v, const char *key_id, const char *platform,
		       struct poc_verifier_session *s)
{
	uint8_t *req = NULL, *ans = NULL;
	size_t len = 0, n = 0;
	long status;
	int64_t exp;
	int rv = -1;

	memset(s, 0, sizeof(*s));
	s->key_id = key_id;
	if (poc_chal_req_encode(e, key_id, platform, &req, &len) < 0 ||
	    poc_verifier_post(e, v, "/v1/challenge", req, len, &status, &ans, &n) < 0)
		goto done;
	if (status != 200) {
		status_outage(e, v, "/v1/challenge", status, ans, n);
		goto done;
	}
	if (poc_chal_resp_decode(e, ans, n, s->chal, &exp) < 0)
		goto done;
	if ((s->skR = poc_p256_generate()) == NULL || poc_p256_point(s->skR, s->pkR) < 0 ||
	    poc_remote_binding(s->chal, s->pkR, (const uint8_t *)key_id, strlen(key_id), s->binding) < 0) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "verifier: the ephemeral key pkR and B");
		goto done;
	}
	rv = 0;
done:
	free(req);
	free(ans);
	return rv;
}

int poc_verifier_credential(struct poc_err *e, const struct poc_verifier *v, const struct poc_verifier_session *s,
			    const uint8_t *ek, size_t ek_len, const uint8_t *ak, size_t ak_len, uint8_t **cred,
			    size_t *cred_len)
{
	uint8_t *req = NULL;
	size_t len = 0;
	long status;

	if (poc_cred_req_encode(e, s->chal, s->key_id, s->pkR, ek, ek_len, ak, ak_len, &req, &len) < 0)
		return -1;
	if (poc_verifier_post(e, v, "/v1/credential", req, len, &status, cred, cred_len) < 0) {
		free(req);
		return -1;
	}
	free(req);
	if (status == 200)
		return 0;
	if (status >= 400 && status < 500 && status != 429)
		poc_err_set(e, POC_ERR_POLICY, "verifier: /v1/credential refused (HTTP %ld) %s", status,
			    *cred != NULL && *cred_len < 300 ? (const char *)*cred : "");
	else
		status_outage(e, v, "/v1/credential", status, *cred, *cred_len);
	free(*cred);
	*cred = NULL;
	return -1;
}

/* POST the release and check the answer against what was sent. */
static int release_post(struct poc_err *e, const struct poc_verifier *v, const struct poc_verifier_session *s,
			const uint8_t *bundle, size_t blen, struct poc_answer *a)
{
	uint8_t *req = NULL, *ans = NULL, reqd[32], evd[32];
	size_t len = 0, n = 0;
	long status;
	struct poc_answer_expect x = { .pocd_key = v->pocd_key, .chal = s->chal, .request_digest = reqd,
				       .evidence_digest = evd, .binding = s->binding, .skR = s->skR };
	int rv = -1;

	if (poc_release_req_encode(e, s->chal, s->key_id, s->pkR, bundle, blen, &req, &len) < 0)
		return -1;
	if (poc_sha256(req, len, reqd) < 0 || poc_sha256(bundle, blen, evd) < 0) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "verifier: SHA-256");
		goto done;
	}
	if (poc_verifier_post(e, v, "/v1/release", req, len, &status, &ans, &n) < 0)
		goto done;
	/* 200 and the signed denials (400 $.evidence, 401, 403, 404, 409) carry an answer; the rest do not. */
	if (status >= 500 || status == 429 || status == 413 || n == 0 || ans[0] != 0xd2) {
		status_outage(e, v, "/v1/release", status, ans, n);
		goto done;
	}
	if (poc_answer_check(e, ans, n, &x, a) < 0) {
		poc_err_prefix(e, "verifier %s: answer refused: ", v->cfg->verifier);
		goto done;
	}
	rv = 0;
done:
	free(req);
	free(ans);
	return rv;
}

int poc_verifier_release(struct poc_err *e, const struct poc_verifier *v, const char *key_id, const char *platform,
			 poc_verifier_evidence_fn evidence, void *ctx, struct poc_answer *a)
{
	struct poc_verifier_session s;
	uint8_t *bundle = NULL;
	size_t blen = 0;
	int rv = -1;

	memset(a, 0, sizeof(*a));
	if (new_session(e, v, key_id, platform, &s) < 0)
		goto done;
	if (evidence(e, ctx, v, &s, &bundle, &blen) < 0)
		goto done;
	rv = release_post(e, v, &s, bundle, blen, a);
done:
	free(bundle);
	EVP_PKEY_free(s.skR);
	OPENSSL_cleanse(&s, sizeof(s));
	return rv;
}
