/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small client of pocd for tests/integration/pocd.sh, over libpocremote and libcurl:
 *   pocd-client challenge URL KEY_ID PLATFORM DIR
 *       POST /v1/challenge; DIR/chal and a fresh ephemeral key DIR/skR.pem; prints B (hex),
 *       the nonce the evidence must carry.
 *   pocd-client release URL KEY_ID DIR BUNDLE POCD_PUB [--other-pkR] [--save DIR2]
 *       POST /v1/release with DIR's challenge and pkR (--other-pkR: a fresh key's instead,
 *       as a relay substituting its own key would) and checks the answer as the module will
 *       (remote/answer.h). --save keeps the request body (DIR2/request) to replay it.
 *   pocd-client replay URL REQUEST KEY_ID DIR BUNDLE POCD_PUB
 *       POSTs a saved request body again and checks the answer.
 *   pocd-client owner-replay URL OWNER_KEY AGE_S
 *       an owner "list" request issued AGE_S seconds ago, POSTed twice (the second a replay).
 *   pocd-client credential URL KEY_ID DIR EK_PUB AK_PUB OUT
 *       POST /v1/credential: pocd's TPM2_MakeCredential for this challenge, into OUT (for
 *       tpm2_activatecredential).
 * https URLs: POCD_CAFILE (the CA to trust) and POCD_PIN (CURLOPT_PINNEDPUBLICKEY, sha256//BASE64).
 * Prints "http STATUS" (release also "ms LATENCY" of its POST), then "release SHARE_HEX" (exit 0), "deny CLAUSE" (exit 1), a refused
 * answer (exit 2) or an outage (exit 3).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/pem.h>

#include "digest.h"
#include "hex.h"
#include "remote/answer.h"
#include "remote/owner.h"
#include "remote/protocol.h"

struct buf {
	uint8_t *p;
	size_t n;
};

static size_t sink(char *p, size_t size, size_t n, void *ctx)
{
	struct buf *b = ctx;
	uint8_t *np = realloc(b->p, b->n + size * n + 1);

	if (np == NULL)
		return 0;
	memcpy(np + b->n, p, size * n);
	b->p = np;
	b->n += size * n;
	b->p[b->n] = 0; /* text answers print as text */
	return size * n;
}

/* POST body to url/path: the HTTP status (0: no answer) and the answer in out. */
static long post(const char *url, const char *path, const uint8_t *body, size_t len, struct buf *out)
{
	CURL *c = curl_easy_init();
	char full[2048];
	long status = 0;

	snprintf(full, sizeof(full), "%s%s", url, path);
	if (c == NULL)
		return 0;
	curl_easy_setopt(c, CURLOPT_URL, full);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	/* https: the CA file and the pinned public key of pocd's TLS key (sha256//BASE64), as the module will. */
	if (getenv("POCD_CAFILE") != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, getenv("POCD_CAFILE"));
	if (getenv("POCD_PIN") != NULL)
		curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, getenv("POCD_PIN"));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	printf("http %ld\n", status);
	return status;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = malloc(8u << 20);

	*len = 0;
	if (f == NULL || b == NULL) {
		if (f)
			fclose(f);
		free(b);
		return NULL;
	}
	*len = fread(b, 1, 8u << 20, f);
	fclose(f);
	return b;
}

static int spill(const char *path, const uint8_t *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	int ok = f != NULL && fwrite(p, 1, n, f) == n;

	return (f != NULL && fclose(f) == 0 && ok) ? 0 : -1;
}

static int challenge(const char *url, const char *key_id, const char *platform, const char *dir)
{
	struct poc_err e = { 0 };
	struct buf ans = { 0 };
	uint8_t *req = NULL, chal[POC_CHAL_LEN], pk[POC_HPKE_NPK], B[POC_BINDING_LEN];
	char path[4096], hex[2 * POC_BINDING_LEN + 1];
	size_t len = 0;
	int64_t exp;
	EVP_PKEY *k = poc_p256_generate();
	FILE *f = NULL;
	int rv = 3;

	if (k == NULL || poc_chal_req_encode(&e, key_id, platform, &req, &len) < 0 ||
	    post(url, "/v1/challenge", req, len, &ans) != 200 || poc_chal_resp_decode(&e, ans.p, ans.n, chal, &exp) < 0 ||
	    poc_p256_point(k, pk) < 0 || poc_remote_binding(chal, pk, (const uint8_t *)key_id, strlen(key_id), B) < 0) {
		fprintf(stderr, "challenge: %s\n", e.msg);
		goto done;
	}
	snprintf(path, sizeof(path), "%s/chal", dir);
	if (spill(path, chal, sizeof(chal)) < 0)
		goto done;
	snprintf(path, sizeof(path), "%s/skR.pem", dir);
	if ((f = fopen(path, "w")) == NULL || PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) != 1)
		goto done;
	poc_hex_encode(B, sizeof(B), hex);
	printf("%s\n", hex);
	rv = 0;
done:
	if (f != NULL && fclose(f) != 0)
		rv = 3;
	free(req);
	free(ans.p);
	EVP_PKEY_free(k);
	return rv;
}

/* Checks pocd's answer to req: the exit code. */
static int check(const char *key_id, const uint8_t *chal, EVP_PKEY *skR, const uint8_t *req, size_t req_len,
		 const uint8_t *bundle, size_t bundle_len, const char *pub_path, long status, const struct buf *ans)
{
	struct poc_err e = { 0 };
	struct poc_answer a;
	uint8_t reqd[32], evd[32], pk[POC_HPKE_NPK], B[POC_BINDING_LEN];
	char hex[2 * POC_SHARE_MAX + 1];
	FILE *f = fopen(pub_path, "r");
	EVP_PKEY *pub = f ? PEM_read_PUBKEY(f, NULL, NULL, NULL) : NULL;
	struct poc_answer_expect x = { .pocd_key = pub, .chal = chal, .request_digest = reqd, .evidence_digest = evd,
				       .binding = B, .skR = skR };
	int rv;

	if (f)
		fclose(f);
	if (status == 0 || status >= 500 || pub == NULL) {
		printf("outage\n");
		EVP_PKEY_free(pub);
		return 3;
	}
	if (poc_sha256(req, req_len, reqd) < 0 || poc_sha256(bundle, bundle_len, evd) < 0 || poc_p256_point(skR, pk) < 0 ||
	    poc_remote_binding(chal, pk, (const uint8_t *)key_id, strlen(key_id), B) < 0) {
		EVP_PKEY_free(pub);
		return 3;
	}
	if (poc_answer_check(&e, ans->p, ans->n, &x, &a) < 0) {
		printf("refused answer: %s\n", ans->p && ans->n < 400 && ans->p[0] != 0xd2 ? (char *)ans->p : e.msg);
		rv = 2;
	} else if (a.decision == POC_DECISION_RELEASE) {
		poc_hex_encode(a.share, a.share_len, hex);
		printf("release %s\n", hex);
		rv = 0;
	} else {
		printf("deny %s\n", a.clause);
		rv = 1;
	}
	poc_answer_free(&a);
	EVP_PKEY_free(pub);
	return rv;
}

static EVP_PKEY *read_sk(const char *dir)
{
	char path[4096];
	FILE *f;
	EVP_PKEY *k;

	snprintf(path, sizeof(path), "%s/skR.pem", dir);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	return k;
}

static int release(int argc, char **argv)
{
	const char *url = argv[2], *key_id = argv[3], *dir = argv[4], *save = NULL;
	struct poc_err e = { 0 };
	struct buf ans = { 0 };
	uint8_t *chal, *bundle, *req = NULL, pk[POC_HPKE_NPK];
	size_t clen = 0, blen = 0, rlen = 0;
	char path[4096];
	EVP_PKEY *skR = read_sk(dir);
	long status;
	int rv;

	for (int i = 7; i < argc; i++)
		if (strcmp(argv[i], "--other-pkR") == 0) {
			EVP_PKEY_free(skR);
			skR = poc_p256_generate();
		} else if (strcmp(argv[i], "--save") == 0 && i + 1 < argc) {
			save = argv[++i];
		}
	snprintf(path, sizeof(path), "%s/chal", dir);
	chal = slurp(path, &clen);
	bundle = slurp(argv[5], &blen);
	if (skR == NULL || chal == NULL || clen != POC_CHAL_LEN || bundle == NULL || poc_p256_point(skR, pk) < 0 ||
	    poc_release_req_encode(&e, chal, key_id, pk, bundle, blen, &req, &rlen) < 0) {
		fprintf(stderr, "release: inputs %s\n", e.msg);
		rv = 3;
		goto done;
	}
	if (save != NULL) {
		snprintf(path, sizeof(path), "%s/request", save);
		if (spill(path, req, rlen) < 0) {
			rv = 3;
			goto done;
		}
	}
	{
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		status = post(url, "/v1/release", req, rlen, &ans);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		printf("ms %.3f\n", (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
	}
	rv = check(key_id, chal, skR, req, rlen, bundle, blen, argv[6], status, &ans);
done:
	free(chal);
	free(bundle);
	free(req);
	free(ans.p);
	EVP_PKEY_free(skR);
	return rv;
}

static int replay(char **argv)
{
	const char *url = argv[2], *key_id = argv[4], *dir = argv[5];
	struct buf ans = { 0 };
	uint8_t *req, *chal, *bundle;
	size_t rlen = 0, clen = 0, blen = 0;
	char path[4096];
	EVP_PKEY *skR = read_sk(dir);
	int rv;

	snprintf(path, sizeof(path), "%s/chal", dir);
	req = slurp(argv[3], &rlen);
	chal = slurp(path, &clen);
	bundle = slurp(argv[6], &blen);
	rv = req == NULL || chal == NULL || bundle == NULL || skR == NULL ?
		     3 :
		     check(key_id, chal, skR, req, rlen, bundle, blen, argv[7], post(url, "/v1/release", req, rlen, &ans),
			   &ans);
	free(req);
	free(chal);
	free(bundle);
	free(ans.p);
	EVP_PKEY_free(skR);
	return rv;
}

static int owner_replay(char **argv)
{
	struct poc_err e = { 0 };
	struct poc_owner_req r = { .op = POC_OWNER_LIST, .iat = (int64_t)time(NULL) - atoi(argv[4]) };
	struct buf a1 = { 0 }, a2 = { 0 };
	uint8_t *body = NULL;
	size_t len = 0;
	FILE *f = fopen(argv[3], "r");
	EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
	long s1, s2;

	if (f)
		fclose(f);
	memset(r.nonce, 0x5a, sizeof(r.nonce));
	if (k == NULL || poc_owner_req_seal(&e, &r, k, &body, &len) < 0) {
		EVP_PKEY_free(k);
		return 3;
	}
	s1 = post(argv[2], "/v1/owner", body, len, &a1);
	s2 = post(argv[2], "/v1/owner", body, len, &a2);
	printf("%s%s", a1.p ? (char *)a1.p : "", a2.p ? (char *)a2.p : "");
	free(a1.p);
	free(a2.p);
	free(body);
	EVP_PKEY_free(k);
	return s1 == 200 && s2 == 409 ? 0 : 1;
}

static int credential(char **argv)
{
	struct poc_err e = { 0 };
	struct buf ans = { 0 };
	uint8_t *chal, *ek, *ak, *req = NULL, pk[POC_HPKE_NPK];
	size_t clen = 0, ekl = 0, akl = 0, rlen = 0;
	char path[4096];
	EVP_PKEY *skR = read_sk(argv[4]);
	int rv = 3;

	snprintf(path, sizeof(path), "%s/chal", argv[4]);
	chal = slurp(path, &clen);
	ek = slurp(argv[5], &ekl);
	ak = slurp(argv[6], &akl);
	if (skR != NULL && chal != NULL && clen == POC_CHAL_LEN && ek != NULL && ak != NULL && poc_p256_point(skR, pk) == 0 &&
	    poc_cred_req_encode(&e, chal, argv[3], pk, ek, ekl, ak, akl, &req, &rlen) == 0 &&
	    post(argv[2], "/v1/credential", req, rlen, &ans) == 200 && spill(argv[7], ans.p, ans.n) == 0)
		rv = 0;
	else
		fprintf(stderr, "credential: %s %s\n", e.msg, ans.p ? (char *)ans.p : "");
	free(chal);
	free(ek);
	free(ak);
	free(req);
	free(ans.p);
	EVP_PKEY_free(skR);
	return rv;
}

int main(int argc, char **argv)
{
	int rv = 2;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (argc == 6 && strcmp(argv[1], "challenge") == 0)
		rv = challenge(argv[2], argv[3], argv[4], argv[5]);
	else if (argc >= 7 && strcmp(argv[1], "release") == 0)
		rv = release(argc, argv);
	else if (argc == 5 && strcmp(argv[1], "owner-replay") == 0)
		rv = owner_replay(argv);
	else if (argc == 8 && strcmp(argv[1], "credential") == 0)
		rv = credential(argv);
	else if (argc == 8 && strcmp(argv[1], "replay") == 0)
		rv = replay(argv);
	else
		fprintf(stderr, "usage: see tests/pocd-client.c\n");
	curl_global_cleanup();
	return rv;
}
