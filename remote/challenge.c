/* SPDX-License-Identifier: Apache-2.0 */
/* The stateless challenge: mint, parse, check (see challenge.h). */
#include "challenge.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "bytes.h"
#include "digest.h"

#define CHAL_LABEL "pocd-chal-v1"
#define SIGNED_LEN (POC_CHAL_LEN - POC_CHAL_MAC)

int poc_key_id_valid(const uint8_t *key_id, size_t len)
{
	if (key_id == NULL || len == 0 || len > POC_KEY_ID_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t ch = key_id[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
		      ch == '_' || ch == ':' || ch == '-'))
			return 0;
	}
	return 1;
}

static void put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* mac = HMAC-SHA256(k, label || signed part || SHA-256(key_id)). 0 or -1. */
static int chal_mac(const uint8_t *k, size_t klen, const uint8_t *signed_part, const uint8_t *key_id,
		    size_t key_id_len, uint8_t mac[static EVP_MAX_MD_SIZE])
{
	uint8_t h[32];
	struct poc_piece pc[3] = { { CHAL_LABEL, sizeof(CHAL_LABEL) - 1 }, { signed_part, SIGNED_LEN }, { h, 32 } };

	if (poc_sha256(key_id, key_id_len, h) < 0)
		return -1;
	return poc_hmac(EVP_sha256(), k, klen, pc, 3, mac, NULL);
}

int poc_chal_mint(struct poc_err *e, const uint8_t *k, size_t klen, uint32_t kid, int64_t now, int64_t ttl,
		  const uint8_t *rand, const uint8_t *key_id, size_t key_id_len, uint8_t out[static POC_CHAL_LEN])
{
	uint8_t mac[EVP_MAX_MD_SIZE];

	if (k == NULL || klen < POC_CHAL_KEY_MIN)
		return poc_err_set(e, POC_ERR_ARG, "challenge: K_kid under %d bytes", POC_CHAL_KEY_MIN);
	if (ttl < 1 || ttl > 3600 || now < 0)
		return poc_err_set(e, POC_ERR_ARG, "challenge: a lifetime of %lld s (1 to 3600)", (long long)ttl);
	if (!poc_key_id_valid(key_id, key_id_len))
		return poc_err_set(e, POC_ERR_ARG, "challenge: not a key id");
	out[0] = POC_CHAL_VER;
	put_be(out + 1, kid, 4);
	put_be(out + 5, (uint64_t)now, 8);
	put_be(out + 13, (uint64_t)(now + ttl), 8);
	if (rand != NULL)
		memcpy(out + 21, rand, POC_CHAL_RAND);
	else if (RAND_bytes(out + 21, POC_CHAL_RAND) != 1)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "challenge: random bytes");
	if (chal_mac(k, klen, out, key_id, key_id_len, mac) < 0)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "challenge: HMAC");
	memcpy(out + SIGNED_LEN, mac, POC_CHAL_MAC);
	OPENSSL_cleanse(mac, sizeof(mac));
	return 0;
}

int poc_chal_parse(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_chal *c)
{
	struct poc_rd r;
	uint32_t ih = 0, il = 0, eh = 0, el = 0;
	uint64_t iat, exp;
	const uint8_t *rnd = NULL;

	if (buf == NULL || len != POC_CHAL_LEN)
		return poc_err_set(e, POC_ERR_MALFORMED, "challenge: %zu bytes (want %d)", len, POC_CHAL_LEN);
	poc_rd_init(&r, buf, len);
	if (poc_rd_u8(&r, &c->ver) < 0 || poc_rd_u32be(&r, &c->kid) < 0 || poc_rd_u32be(&r, &ih) < 0 ||
	    poc_rd_u32be(&r, &il) < 0 || poc_rd_u32be(&r, &eh) < 0 || poc_rd_u32be(&r, &el) < 0 || poc_rd_bytes(&r, POC_CHAL_RAND, &rnd) < 0)
		return poc_err_set(e, POC_ERR_TRUNCATED, "challenge");
	iat = ((uint64_t)ih << 32) | il;
	exp = ((uint64_t)eh << 32) | el;
	if (c->ver != POC_CHAL_VER)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "challenge: version %u", c->ver);
	if (iat > INT64_MAX || exp > INT64_MAX || exp <= iat)
		return poc_err_set(e, POC_ERR_MALFORMED, "challenge: times out of order");
	c->iat = (int64_t)iat;
	c->exp = (int64_t)exp;
	memcpy(c->rand, rnd, POC_CHAL_RAND);
	return 0;
}

int poc_chal_check(struct poc_err *e, const uint8_t *buf, size_t len, const uint8_t *k, size_t klen,
		   const uint8_t *key_id, size_t key_id_len, int64_t now, struct poc_chal *c)
{
	struct poc_chal tmp;
	uint8_t mac[EVP_MAX_MD_SIZE];
	int same;

	if (c == NULL)
		c = &tmp;
	if (poc_chal_parse(e, buf, len, c) < 0)
		return -1;
	if (k == NULL || klen < POC_CHAL_KEY_MIN || !poc_key_id_valid(key_id, key_id_len))
		return poc_err_set(e, POC_ERR_ARG, "challenge: no key or no key id");
	if (chal_mac(k, klen, buf, key_id, key_id_len, mac) < 0)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "challenge: HMAC");
	same = CRYPTO_memcmp(mac, buf + SIGNED_LEN, POC_CHAL_MAC) == 0;
	OPENSSL_cleanse(mac, sizeof(mac));
	if (!same)
		return poc_err_set(e, POC_ERR_SIGNATURE, "challenge: the MAC does not verify (not ours, or for another key id)");
	if (now >= c->exp)
		return poc_err_set(e, POC_ERR_EXPIRED, "challenge: expired %lld s ago", (long long)(now - c->exp));
	if (now + POC_CHAL_SKEW_S < c->iat)
		return poc_err_set(e, POC_ERR_EXPIRED, "challenge: issued %lld s in the future", (long long)(c->iat - now));
	return 0;
}
