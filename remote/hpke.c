/* SPDX-License-Identifier: Apache-2.0 */
/* HPKE base mode: the key schedule, the AEAD context and single-shot seal/open (RFC 9180 5, 6). */
#include "hpke.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "hpke_kdf.h"

#define SUITE poc_hpke_suite_hpke, sizeof(poc_hpke_suite_hpke)

int poc_hpke_key_schedule(struct poc_err *e, const uint8_t ss[static POC_HPKE_NSECRET], const uint8_t *info,
			  size_t info_len, struct poc_hpke_ctx *ctx)
{
	uint8_t ksc[1 + 32 + 32], secret[32];
	int rv = -1;

	memset(ctx, 0, sizeof(*ctx));
	if (info_len > POC_HPKE_INFO_MAX)
		return poc_err_set(e, POC_ERR_ARG, "hpke: info of %zu bytes (at most %d)", info_len, POC_HPKE_INFO_MAX);
	ksc[0] = 0x00; /* mode_base */
	if (poc_hpke_labeled_extract(SUITE, NULL, 0, "psk_id_hash", NULL, 0, ksc + 1) < 0 ||
	    poc_hpke_labeled_extract(SUITE, NULL, 0, "info_hash", info, info_len, ksc + 33) < 0 ||
	    poc_hpke_labeled_extract(SUITE, ss, POC_HPKE_NSECRET, "secret", NULL, 0, secret) < 0 ||
	    poc_hpke_labeled_expand(SUITE, secret, "key", ksc, sizeof(ksc), ctx->key, POC_HPKE_NK) < 0 ||
	    poc_hpke_labeled_expand(SUITE, secret, "base_nonce", ksc, sizeof(ksc), ctx->base_nonce, POC_HPKE_NN) < 0 ||
	    poc_hpke_labeled_expand(SUITE, secret, "exp", ksc, sizeof(ksc), ctx->exporter_secret, POC_HPKE_NSECRET) < 0) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "hpke: key schedule");
		poc_hpke_ctx_wipe(ctx);
	} else {
		rv = 0;
	}
	OPENSSL_cleanse(secret, sizeof(secret));
	return rv;
}

int poc_hpke_setup_s(struct poc_err *e, const uint8_t *pkR, size_t pkR_len, EVP_PKEY *skE, const uint8_t *info,
		     size_t info_len, uint8_t enc[static POC_HPKE_NPK], struct poc_hpke_ctx *ctx)
{
	uint8_t ss[POC_HPKE_NSECRET];
	int rv;

	memset(ctx, 0, sizeof(*ctx));
	rv = poc_hpke_encap(e, pkR, pkR_len, skE, enc, ss) < 0 ? -1 : poc_hpke_key_schedule(e, ss, info, info_len, ctx);
	OPENSSL_cleanse(ss, sizeof(ss));
	return rv;
}

int poc_hpke_setup_r(struct poc_err *e, const uint8_t *enc, size_t enc_len, EVP_PKEY *skR, const uint8_t *info,
		     size_t info_len, struct poc_hpke_ctx *ctx)
{
	uint8_t ss[POC_HPKE_NSECRET];
	int rv;

	memset(ctx, 0, sizeof(*ctx));
	rv = poc_hpke_decap(e, enc, enc_len, skR, ss) < 0 ? -1 : poc_hpke_key_schedule(e, ss, info, info_len, ctx);
	OPENSSL_cleanse(ss, sizeof(ss));
	return rv;
}

void poc_hpke_ctx_wipe(struct poc_hpke_ctx *c)
{
	if (c != NULL)
		OPENSSL_cleanse(c, sizeof(*c));
}

/* ComputeNonce(seq) = base_nonce XOR I2OSP(seq, Nn); -1 when seq is spent (5.2: the context is done). */
static int nonce(const struct poc_hpke_ctx *c, uint8_t out[static POC_HPKE_NN])
{
	if (c->seq == UINT64_MAX)
		return -1;
	memcpy(out, c->base_nonce, POC_HPKE_NN);
	for (int i = 0; i < 8; i++)
		out[POC_HPKE_NN - 1 - i] ^= (uint8_t)(c->seq >> (8 * i));
	return 0;
}

/* AES-128-GCM one shot: enc 1 seals in -> out || tag, enc 0 opens (in ends with the tag). 1 ok, 0 bad tag, -1 error. */
static int gcm(int enc, const struct poc_hpke_ctx *c, const uint8_t *aad, size_t aad_len, const uint8_t *in,
	       size_t in_len, uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t iv[POC_HPKE_NN];
	size_t len = enc ? in_len : in_len - POC_HPKE_NT;
	int n = 0, rv = -1;

	if (ctx == NULL || nonce(c, iv) < 0 || len > INT32_MAX || aad_len > INT32_MAX ||
	    EVP_CipherInit_ex(ctx, EVP_aes_128_gcm(), NULL, c->key, iv, enc) != 1 ||
	    (aad_len > 0 && EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1) ||
	    (len > 0 && EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1))
		goto done;
	if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, POC_HPKE_NT, (void *)(in + len)) != 1)
		goto done;
	if (EVP_CipherFinal_ex(ctx, out + len, &n) != 1) {
		rv = enc ? -1 : 0;
		goto done;
	}
	if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, POC_HPKE_NT, out + len) != 1)
		goto done;
	rv = 1;
done:
	EVP_CIPHER_CTX_free(ctx);
	return rv;
}

int poc_hpke_seal(struct poc_err *e, struct poc_hpke_ctx *c, const uint8_t *aad, size_t aad_len, const uint8_t *pt,
		  size_t pt_len, uint8_t *ct)
{
	if (gcm(1, c, aad, aad_len, pt, pt_len, ct) != 1)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "hpke: seal");
	c->seq++;
	return 0;
}

int poc_hpke_open(struct poc_err *e, struct poc_hpke_ctx *c, const uint8_t *aad, size_t aad_len, const uint8_t *ct,
		  size_t ct_len, uint8_t *pt)
{
	int r;

	if (ct_len < POC_HPKE_NT)
		return poc_err_set(e, POC_ERR_TRUNCATED, "hpke: a ciphertext of %zu bytes (under the tag)", ct_len);
	r = gcm(0, c, aad, aad_len, ct, ct_len, pt);
	if (r != 1) {
		OPENSSL_cleanse(pt, ct_len - POC_HPKE_NT);
		return r == 0 ? poc_err_set(e, POC_ERR_SIGNATURE, "hpke: the ciphertext does not open (tag)") :
				poc_err_ssl(e, POC_ERR_CRYPTO, "hpke: open");
	}
	c->seq++;
	return 0;
}

int poc_hpke_seal_base(struct poc_err *e, const uint8_t *pkR, size_t pkR_len, const uint8_t *info, size_t info_len,
		       const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t pt_len, uint8_t **out,
		       size_t *outlen)
{
	struct poc_hpke_ctx c;
	uint8_t *buf;
	int rv = -1;

	*out = NULL;
	*outlen = 0;
	if (pt_len > (1u << 20))
		return poc_err_set(e, POC_ERR_ARG, "hpke: a plaintext of %zu bytes", pt_len);
	if ((buf = malloc(POC_HPKE_NPK + pt_len + POC_HPKE_NT)) == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "hpke");
	if (poc_hpke_setup_s(e, pkR, pkR_len, NULL, info, info_len, buf, &c) == 0 &&
	    poc_hpke_seal(e, &c, aad, aad_len, pt, pt_len, buf + POC_HPKE_NPK) == 0) {
		*out = buf;
		*outlen = POC_HPKE_NPK + pt_len + POC_HPKE_NT;
		rv = 0;
	} else {
		free(buf);
	}
	poc_hpke_ctx_wipe(&c);
	return rv;
}

int poc_hpke_open_base(struct poc_err *e, EVP_PKEY *skR, const uint8_t *info, size_t info_len, const uint8_t *aad,
		       size_t aad_len, const uint8_t *in, size_t inlen, uint8_t **pt, size_t *ptlen)
{
	struct poc_hpke_ctx c;
	uint8_t *buf;
	size_t n;
	int rv = -1;

	*pt = NULL;
	*ptlen = 0;
	if (inlen < POC_HPKE_NPK + POC_HPKE_NT)
		return poc_err_set(e, POC_ERR_TRUNCATED, "hpke: %zu bytes (under enc and a tag)", inlen);
	n = inlen - POC_HPKE_NPK - POC_HPKE_NT;
	if ((buf = malloc(n > 0 ? n : 1)) == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "hpke");
	if (poc_hpke_setup_r(e, in, POC_HPKE_NPK, skR, info, info_len, &c) == 0 &&
	    poc_hpke_open(e, &c, aad, aad_len, in + POC_HPKE_NPK, inlen - POC_HPKE_NPK, buf) == 0) {
		*pt = buf;
		*ptlen = n;
		rv = 0;
	} else {
		OPENSSL_clear_free(buf, n > 0 ? n : 1);
	}
	poc_hpke_ctx_wipe(&c);
	return rv;
}
