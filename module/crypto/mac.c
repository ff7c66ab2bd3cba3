/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MACs as sign/verify mechanisms: HMAC with SHA-1 and SHA-2 on generic
 * secrets, AES-CMAC on AES keys, through EVP_MAC; the _GENERAL variants
 * truncate to CK_MAC_GENERAL_PARAMS bytes. Verification recomputes and
 * compares in constant time (CRYPTO_memcmp).
 */
#include "crypto/crypto_int.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>

/* The full MAC length of o (digest size, or the AES block) and, for _GENERAL, the requested one. */
static CK_RV mac_len(struct poc_op *o, const CK_MECHANISM *m, size_t full)
{
	CK_ULONG want;

	o->mdlen = full;
	if (!(o->d->ops & MECH_GENERAL))
		return m->ulParameterLen == 0 ? CKR_OK : CKR_MECHANISM_PARAM_INVALID;
	if (m->pParameter == NULL || m->ulParameterLen != sizeof(CK_ULONG) /* CK_MAC_GENERAL_PARAMS */)
		return CKR_MECHANISM_PARAM_INVALID;
	memcpy(&want, m->pParameter, sizeof(want));
	if (want < 1 || want > full)
		return CKR_MECHANISM_PARAM_INVALID;
	o->mdlen = (size_t)want;
	return CKR_OK;
}

CK_RV poc_mac_setup(struct poc_op *o, const CK_MECHANISM *m, const struct poc_key *k)
{
	OSSL_PARAM p[2];
	EVP_MAC *mac;
	const EVP_MD *md = NULL;
	const char *sub;
	size_t full;
	CK_RV rv;

	if (o->d->alg == ALG_HMAC) {
		if ((md = poc_hash_md(o->d->hash)) == NULL)
			return CKR_GENERAL_ERROR;
		sub = EVP_MD_get0_name(md);
		full = (size_t)EVP_MD_get_size(md);
		p[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)sub, 0);
	} else {
		switch (k->secret_len) {
		case 16: sub = "AES-128-CBC"; break;
		case 24: sub = "AES-192-CBC"; break;
		case 32: sub = "AES-256-CBC"; break;
		default: return CKR_KEY_SIZE_RANGE;
		}
		full = 16;
		p[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, (char *)sub, 0);
	}
	p[1] = OSSL_PARAM_construct_end();
	if ((rv = mac_len(o, m, full)) != CKR_OK)
		return rv;
	if ((mac = EVP_MAC_fetch(o->lc, o->d->alg == ALG_HMAC ? "HMAC" : "CMAC", NULL)) == NULL)
		return CKR_MECHANISM_INVALID;
	o->mac = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);
	if (o->mac == NULL)
		return CKR_HOST_MEMORY;
	if (EVP_MAC_init(o->mac, k->secret, k->secret_len, p) != 1)
		return CKR_FUNCTION_FAILED;
	return CKR_OK;
}

CK_RV poc_mac_update(struct poc_op *o, const uint8_t *in, size_t inlen)
{
	o->multi = 1;
	if (inlen > 0 && EVP_MAC_update(o->mac, in, inlen) != 1) {
		o->broken = 1;
		return CKR_FUNCTION_FAILED;
	}
	return CKR_OK;
}

/* The full MAC into tag (EVP_MAX_MD_SIZE bytes), after the single-part input. */
static CK_RV mac_compute(struct poc_op *o, const uint8_t *in, size_t inlen, int oneshot, uint8_t tag[EVP_MAX_MD_SIZE])
{
	size_t n = 0;

	if ((oneshot && inlen > 0 && EVP_MAC_update(o->mac, in, inlen) != 1) ||
	    EVP_MAC_final(o->mac, tag, &n, EVP_MAX_MD_SIZE) != 1 || n < o->mdlen) {
		ERR_clear_error();
		o->broken = 1;
		return CKR_FUNCTION_FAILED;
	}
	return CKR_OK;
}

CK_RV poc_mac_sign(struct poc_op *o, const uint8_t *in, size_t inlen, int oneshot, uint8_t *out, CK_ULONG *outlen)
{
	uint8_t tag[EVP_MAX_MD_SIZE];
	CK_RV rv;

	if (!poc_op_out_check(&rv, o->mdlen, out, outlen))
		return rv;
	if ((rv = mac_compute(o, in, inlen, oneshot, tag)) == CKR_OK) {
		memcpy(out, tag, o->mdlen);
		*outlen = (CK_ULONG)o->mdlen;
	}
	OPENSSL_cleanse(tag, sizeof(tag));
	return rv;
}

CK_RV poc_mac_verify(struct poc_op *o, const uint8_t *in, size_t inlen, int oneshot, const uint8_t *sig,
		     size_t siglen)
{
	uint8_t tag[EVP_MAX_MD_SIZE];
	CK_RV rv;

	if (siglen != o->mdlen)
		return CKR_SIGNATURE_LEN_RANGE;
	if ((rv = mac_compute(o, in, inlen, oneshot, tag)) == CKR_OK && CRYPTO_memcmp(tag, sig, o->mdlen) != 0)
		rv = CKR_SIGNATURE_INVALID;
	OPENSSL_cleanse(tag, sizeof(tag));
	return rv;
}
