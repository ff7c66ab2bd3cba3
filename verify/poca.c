/* SPDX-License-Identifier: Apache-2.0 */
/* Proof of Cloud Alliance registry tokens (poca.h): a compact JWS, parsed strictly and verified with EVP. */
#include "poca.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/rsa.h>

#include "b64url.h"
#include "digest.h"
#include "hex.h"
#include "json_strict.h"

#define SEG_MAX (POC_POCA_MAX_TOKEN / 4 * 3)

/* A JSON object from base64url text, strictly (one document, no duplicate names); NULL with e set. */
static json_object *segment_json(struct poc_err *e, const char *what, const char *b64, size_t n)
{
	json_object *o = NULL;
	uint8_t *buf = malloc(SEG_MAX);
	size_t len = 0;

	if (buf == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "%s", what);
		return NULL;
	}
	if (poc_b64url_decode(e, what, b64, n, buf, SEG_MAX, &len) == 0 &&
	    (o = poc_json_parse_strict(e, (const char *)buf, len, what)) != NULL && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
		poc_err_set(e, POC_ERR_MALFORMED, "%s: not a JSON object", what);
	}
	free(buf);
	return o;
}

/* A string member into out (at most max - 1 bytes, no NUL inside). */
static int str_member(struct poc_err *e, json_object *v, const char *name, char *out, size_t max)
{
	size_t n;

	if (!json_object_is_type(v, json_type_string) || (n = (size_t)json_object_get_string_len(v)) >= max ||
	    memchr(json_object_get_string(v), '\0', n) != NULL)
		return poc_err_set(e, POC_ERR_MALFORMED, "registry token: %s is not a string of at most %zu bytes", name, max - 1);
	memcpy(out, json_object_get_string(v), n + 1);
	return 0;
}

static int parse_header(struct poc_err *e, json_object *h, struct poc_poca *out)
{
	char scratch[256];
	int has_alg = 0;

	json_object_object_foreach(h, key, v) {
		if (strcmp(key, "alg") == 0) {
			if (str_member(e, v, "alg", scratch, sizeof(scratch)) < 0)
				return -1;
			if (strcmp(scratch, "RS256") != 0 && strcmp(scratch, "EdDSA") != 0)
				return poc_err_set(e, POC_ERR_UNSUPPORTED, "registry token: alg \"%.32s\" (RS256 or EdDSA only)", scratch);
			memcpy(out->alg, scratch, strlen(scratch) + 1);
			has_alg = 1;
		} else if (strcmp(key, "typ") == 0 || strcmp(key, "kid") == 0) {
			if (str_member(e, v, key, scratch, sizeof(scratch)) < 0)
				return -1;
			if (strcmp(key, "typ") == 0 && strcmp(scratch, "JWT") != 0)
				return poc_err_set(e, POC_ERR_MALFORMED, "registry token: typ \"%.32s\" is not JWT", scratch);
		} else
			return poc_err_set(e, POC_ERR_MALFORMED, "registry token: unknown header member \"%.32s\"", key);
	}
	return has_alg ? 0 : poc_err_set(e, POC_ERR_MALFORMED, "registry token: no alg");
}

static int time_member(struct poc_err *e, json_object *v, const char *name, int64_t *out)
{
	if (!json_object_is_type(v, json_type_int) || (*out = json_object_get_int64(v)) < 0)
		return poc_err_set(e, POC_ERR_MALFORMED, "registry token: %s is not a non-negative integer", name);
	return 0;
}

static int parse_payload(struct poc_err *e, json_object *p, struct poc_poca *out)
{
	char hash[65];
	size_t got = 0;
	int64_t iat;
	unsigned seen = 0;

	json_object_object_foreach(p, key, v) {
		if (strcmp(key, "quote_hash") == 0) {
			if (str_member(e, v, key, hash, sizeof(hash)) < 0 ||
			    poc_hex_decode(e, hash, strlen(hash), out->quote_hash, 32, &got) < 0 || got != 32)
				return poc_err_set(e, POC_ERR_MALFORMED, "registry token: quote_hash is not 32 bytes of hex");
			seen |= 1;
		} else if (strcmp(key, "machine_id") == 0) {
			if (str_member(e, v, key, out->machine_id, sizeof(out->machine_id)) < 0)
				return -1;
			seen |= 2;
		} else if (strcmp(key, "label") == 0) {
			if (str_member(e, v, key, out->label, sizeof(out->label)) < 0)
				return -1;
		} else if (strcmp(key, "timestamp") == 0) {
			if (time_member(e, v, key, &out->timestamp) < 0)
				return -1;
			seen |= 4;
		} else if (strcmp(key, "iat") == 0) {
			if (time_member(e, v, key, &iat) < 0)
				return -1;
		} else
			return poc_err_set(e, POC_ERR_MALFORMED, "registry token: unknown payload member \"%.32s\"", key);
	}
	if (seen != 7)
		return poc_err_set(e, POC_ERR_MALFORMED, "registry token: lacks %s", !(seen & 1) ? "quote_hash"
				   : !(seen & 2) ? "machine_id" : "timestamp");
	return 0;
}

/* The two dots of a compact JWS; 0 or -1. */
static int split(struct poc_err *e, const char *tok, size_t len, size_t *d1, size_t *d2)
{
	const char *a, *b;

	if (tok == NULL || len == 0 || len > POC_POCA_MAX_TOKEN)
		return poc_err_set(e, POC_ERR_MALFORMED, "registry token: empty or larger than %d bytes", POC_POCA_MAX_TOKEN);
	while (len > 0 && (tok[len - 1] == '\n' || tok[len - 1] == '\r'))
		len--;
	a = memchr(tok, '.', len);
	b = a != NULL ? memchr(a + 1, '.', len - (size_t)(a + 1 - tok)) : NULL;
	if (a == NULL || b == NULL || memchr(b + 1, '.', len - (size_t)(b + 1 - tok)) != NULL)
		return poc_err_set(e, POC_ERR_MALFORMED, "registry token: not a compact JWS (three segments)");
	*d1 = (size_t)(a - tok);
	*d2 = (size_t)(b - tok);
	if (*d1 == 0 || *d2 == *d1 + 1 || *d2 + 1 == len)
		return poc_err_set(e, POC_ERR_MALFORMED, "registry token: an empty segment");
	return 0;
}

int poc_poca_parse(struct poc_err *e, const char *tok, size_t len, struct poc_poca *out)
{
	json_object *h, *p;
	size_t d1, d2;
	int rv;

	memset(out, 0, sizeof(*out));
	if (split(e, tok, len, &d1, &d2) < 0)
		return -1;
	h = segment_json(e, "registry token header", tok, d1);
	if (h == NULL)
		return -1;
	rv = parse_header(e, h, out);
	json_object_put(h);
	if (rv < 0)
		return -1;
	p = segment_json(e, "registry token payload", tok + d1 + 1, d2 - d1 - 1);
	if (p == NULL)
		return -1;
	rv = parse_payload(e, p, out);
	json_object_put(p);
	return rv;
}

/* The signature of tok[0..signed_len) by key under alg: 1 verified, 0 not (or the key does not fit alg). */
static int sig_ok(const struct poc_poca *t, EVP_PKEY *key, const char *tok, size_t signed_len, const uint8_t *sig,
		  size_t siglen)
{
	int rsa = strcmp(t->alg, "RS256") == 0, ok;
	EVP_MD_CTX *ctx;

	if (rsa ? !EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_get_bits(key) < 2048 : !EVP_PKEY_is_a(key, "ED25519"))
		return 0;
	ctx = EVP_MD_CTX_new();
	ok = ctx != NULL && EVP_DigestVerifyInit(ctx, NULL, rsa ? EVP_sha256() : NULL, NULL, key) == 1 &&
	     EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)tok, signed_len) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

static int check_claims(struct poc_err *e, const struct poc_poca_check *c, const struct poc_poca *t)
{
	uint8_t h[32];
	char ppid[33];

	if (poc_sha256(c->quote, c->quote_len, h) < 0)
		return poc_err_set(e, POC_ERR_CRYPTO, "registry token: sha256");
	if (CRYPTO_memcmp(h, t->quote_hash, 32) != 0)
		return poc_err_set(e, POC_ERR_MISMATCH, "registry token: quote_hash is not the SHA-256 of this quote "
				   "(the token was issued for another quote)");
	poc_hex_encode(c->ppid, 16, ppid);
	/* Exact: the registry's own server accepts any id its list entry is a prefix of. */
	if (strlen(t->machine_id) != 32 || CRYPTO_memcmp(t->machine_id, ppid, 32) != 0)
		return poc_err_set(e, POC_ERR_MISMATCH, "registry token: machine_id %.64s is not the quote's PPID %s", t->machine_id,
				   ppid);
	if (t->timestamp < c->at - c->max_age_s || t->timestamp > c->at + c->max_skew_s)
		return poc_err_set(e, POC_ERR_EXPIRED,
				   "registry token: timestamp %lld outside [%lld, %lld] (at most %lld s old, %lld s ahead)",
				   (long long)t->timestamp, (long long)(c->at - c->max_age_s), (long long)(c->at + c->max_skew_s),
				   (long long)c->max_age_s, (long long)c->max_skew_s);
	return 0;
}

int poc_poca_verify(struct poc_err *e, const char *tok, size_t len, const struct poc_poca_check *c, struct poc_poca *out)
{
	uint8_t sig[1024];
	size_t d1, d2, siglen = 0, end = len, i;
	int good = 0;

	if (c == NULL || c->ppid == NULL || c->quote == NULL || c->max_age_s < 0 || c->max_skew_s < 0)
		return poc_err_set(e, POC_ERR_ARG, "registry token: incomplete check");
	if (poc_poca_parse(e, tok, len, out) < 0 || split(e, tok, len, &d1, &d2) < 0)
		return -1;
	while (end > 0 && (tok[end - 1] == '\n' || tok[end - 1] == '\r'))
		end--;
	if (poc_b64url_decode(e, "registry token signature", tok + d2 + 1, end - d2 - 1, sig, sizeof(sig), &siglen) < 0)
		return -1;
	for (i = 0; i < c->nkeys && !good; i++)
		good = sig_ok(out, c->keys[i], tok, d2, sig, siglen);
	if (!good)
		return poc_err_set(e, POC_ERR_SIGNATURE, "registry token: the %s signature verifies under none of the %zu registry keys",
				   out->alg, c->nkeys);
	return check_claims(e, c, out);
}
