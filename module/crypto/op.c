/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Operations: poc_op_init checks a mechanism against the mechanism table
 * (what it does, the key type it takes) and makes its EVP contexts once;
 * parking and reuse keep them for the session's next operation of the same
 * kind, mechanism and key. The running of ops is in sign.c and cipher.c.
 */
#include "crypto/crypto_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/rsa.h>

/* The legacy (pre-v2.40 errata) CK_GCM_PARAMS without ulIvBits, still sent by some applications. */
struct gcm_params_legacy {
	CK_BYTE_PTR pIv;
	CK_ULONG ulIvLen;
	CK_BYTE_PTR pAAD;
	CK_ULONG ulAADLen;
	CK_ULONG ulTagBits;
};

static int pctx_init(EVP_PKEY_CTX *c, enum poc_op_kind kind)
{
	switch (kind) {
	case POC_OP_SIGN: return EVP_PKEY_sign_init(c);
	case POC_OP_VERIFY: return EVP_PKEY_verify_init(c);
	case POC_OP_ENCRYPT: return EVP_PKEY_encrypt_init(c);
	case POC_OP_DECRYPT: return EVP_PKEY_decrypt_init(c);
	case POC_OP_DIGEST:
	case POC_OP_MSG_ENCRYPT:
	case POC_OP_MSG_DECRYPT: break;
	}
	return 0;
}

static CK_RV init_pss(struct poc_op *o, const CK_MECHANISM *m, const struct poc_key *k, const EVP_MD **md)
{
	const CK_RSA_PKCS_PSS_PARAMS *pp = m->pParameter;
	const EVP_MD *mgf;
	size_t emlen = (k->bits - 1 + 7) / 8;

	if (pp == NULL || m->ulParameterLen != sizeof(*pp))
		return CKR_MECHANISM_PARAM_INVALID;
	if ((o->d->hash != 0 && pp->hashAlg != o->d->hash) || (*md = poc_hash_md(pp->hashAlg)) == NULL ||
	    (mgf = poc_mgf_md(pp->mgf)) == NULL)
		return CKR_MECHANISM_PARAM_INVALID;
	o->mdlen = (size_t)EVP_MD_get_size(*md);
	if (pp->sLen > INT_MAX || emlen < o->mdlen + 2 || pp->sLen > emlen - o->mdlen - 2)
		return CKR_MECHANISM_PARAM_INVALID;
	if (EVP_PKEY_CTX_set_rsa_padding(o->pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(o->pctx, *md) != 1 || EVP_PKEY_CTX_set_rsa_mgf1_md(o->pctx, mgf) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(o->pctx, (int)pp->sLen) != 1)
		return CKR_FUNCTION_FAILED;
	return CKR_OK;
}

static CK_RV init_oaep(struct poc_op *o, const CK_MECHANISM *m)
{
	const CK_RSA_PKCS_OAEP_PARAMS *pp = m->pParameter;
	const EVP_MD *md, *mgf;
	unsigned char *label;

	if (pp == NULL || m->ulParameterLen != sizeof(*pp))
		return CKR_MECHANISM_PARAM_INVALID;
	if ((md = poc_hash_md(pp->hashAlg)) == NULL || (mgf = poc_mgf_md(pp->mgf)) == NULL)
		return CKR_MECHANISM_PARAM_INVALID;
	if (pp->source == 0 ? pp->ulSourceDataLen != 0 : pp->source != CKZ_DATA_SPECIFIED)
		return CKR_MECHANISM_PARAM_INVALID;
	if (pp->ulSourceDataLen > 0 && (pp->pSourceData == NULL || pp->ulSourceDataLen > POC_OP_BUFFER_MAX))
		return CKR_MECHANISM_PARAM_INVALID;
	if (o->nbytes < 2 * (size_t)EVP_MD_get_size(md) + 2)
		return CKR_MECHANISM_PARAM_INVALID;
	o->maxin = o->nbytes - 2 * (size_t)EVP_MD_get_size(md) - 2;
	if (EVP_PKEY_CTX_set_rsa_padding(o->pctx, RSA_PKCS1_OAEP_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md(o->pctx, md) != 1 || EVP_PKEY_CTX_set_rsa_mgf1_md(o->pctx, mgf) != 1)
		return CKR_FUNCTION_FAILED;
	if (pp->ulSourceDataLen > 0) {
		if ((label = OPENSSL_memdup(pp->pSourceData, pp->ulSourceDataLen)) == NULL)
			return CKR_HOST_MEMORY;
		if (EVP_PKEY_CTX_set0_rsa_oaep_label(o->pctx, label, (int)pp->ulSourceDataLen) != 1) {
			OPENSSL_free(label);
			return CKR_FUNCTION_FAILED;
		}
	}
	return CKR_OK;
}

static CK_RV init_gcm(struct poc_op *o, const CK_MECHANISM *m, const struct poc_key *k)
{
	const EVP_CIPHER *c;
	const uint8_t *iv, *aad;
	CK_ULONG ivlen, aadlen, tagbits;
	int n, enc = o->kind == POC_OP_ENCRYPT;

	if (m->pParameter != NULL && m->ulParameterLen == sizeof(CK_GCM_PARAMS)) {
		const CK_GCM_PARAMS *gp = m->pParameter;

		iv = gp->pIv, ivlen = gp->ulIvLen, aad = gp->pAAD, aadlen = gp->ulAADLen, tagbits = gp->ulTagBits;
	} else if (m->pParameter != NULL && m->ulParameterLen == sizeof(struct gcm_params_legacy)) {
		const struct gcm_params_legacy *gp = m->pParameter;

		iv = gp->pIv, ivlen = gp->ulIvLen, aad = gp->pAAD, aadlen = gp->ulAADLen, tagbits = gp->ulTagBits;
	} else {
		return CKR_MECHANISM_PARAM_INVALID;
	}
	if (iv == NULL || ivlen < 1 || ivlen > 128 || (aadlen > 0 && aad == NULL) || aadlen > POC_OP_BUFFER_MAX ||
	    tagbits < 96 || tagbits > 128 || tagbits % 8 != 0)
		return CKR_MECHANISM_PARAM_INVALID;
	o->taglen = tagbits / 8;
	switch (k->secret_len) {
	case 16: c = EVP_aes_128_gcm(); break;
	case 24: c = EVP_aes_192_gcm(); break;
	case 32: c = EVP_aes_256_gcm(); break;
	default: return CKR_KEY_SIZE_RANGE;
	}
	if ((o->cctx = EVP_CIPHER_CTX_new()) == NULL)
		return CKR_HOST_MEMORY;
	if (EVP_CipherInit_ex(o->cctx, c, NULL, NULL, NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(o->cctx, EVP_CTRL_GCM_SET_IVLEN, (int)ivlen, NULL) != 1 ||
	    EVP_CipherInit_ex(o->cctx, NULL, NULL, k->secret, iv, enc) != 1 ||
	    (aadlen > 0 && EVP_CipherUpdate(o->cctx, NULL, &n, aad, (int)aadlen) != 1))
		return CKR_FUNCTION_FAILED;
	return CKR_OK;
}

/* ECDSA and RSA: a context on the key, the padding and the prehash. */
static CK_RV pkey_setup(struct poc_op *o, const CK_MECHANISM *m, const struct poc_key *k)
{
	const EVP_MD *md = o->d->hash != 0 ? poc_hash_md(o->d->hash) : NULL;
	CK_RV rv;

	if ((o->pctx = EVP_PKEY_CTX_new_from_pkey(o->lc, k->pkey, NULL)) == NULL)
		return CKR_HOST_MEMORY;
	if (pctx_init(o->pctx, o->kind) != 1)
		return CKR_FUNCTION_FAILED;
	if (o->d->alg == ALG_RSA_OAEP)
		return init_oaep(o, m);
	if (o->d->alg == ALG_RSA_PKCS) {
		o->maxin = o->nbytes - 11;
		if (EVP_PKEY_CTX_set_rsa_padding(o->pctx, RSA_PKCS1_PADDING) != 1 ||
		    (md != NULL && EVP_PKEY_CTX_set_signature_md(o->pctx, md) != 1))
			return CKR_FUNCTION_FAILED;
	} else if (o->d->alg == ALG_RSA_PSS) {
		if ((rv = init_pss(o, m, k, &md)) != CKR_OK)
			return rv;
		if (o->d->hash == 0)
			md = NULL; /* raw PSS: the input is the hash */
	}
	if (md != NULL) {
		/* Fetched once: a legacy EVP_MD would be fetched again at every EVP_DigestInit_ex. */
		if ((o->mctx = EVP_MD_CTX_new()) == NULL || (o->md = EVP_MD_fetch(o->lc, EVP_MD_get0_name(md), NULL)) == NULL)
			return CKR_HOST_MEMORY;
		if (EVP_DigestInit_ex(o->mctx, o->md, NULL) != 1)
			return CKR_FUNCTION_FAILED;
	}
	return CKR_OK;
}

static CK_RV op_setup(struct poc_op *o, const CK_MECHANISM *m, const struct poc_key *k)
{
	/* The algorithms that take parameters check them; the others take none. */
	if (o->d->alg != ALG_RSA_PSS && o->d->alg != ALG_RSA_OAEP && o->d->alg != ALG_AES_GCM &&
	    o->d->alg != ALG_BLOCK && o->d->alg != ALG_HMAC && o->d->alg != ALG_CMAC && m->ulParameterLen != 0)
		return CKR_MECHANISM_PARAM_INVALID;
	switch (o->d->alg) {
	case ALG_DIGEST:
		return poc_digest_setup(o);
	case ALG_BLOCK:
		return poc_block_setup(o, m, k);
	case ALG_HMAC:
	case ALG_CMAC:
		return poc_mac_setup(o, m, k);
	case ALG_AES_GCM:
		if (o->kind == POC_OP_MSG_ENCRYPT || o->kind == POC_OP_MSG_DECRYPT)
			return m->ulParameterLen == 0 ? poc_msg_setup(o, k) : CKR_MECHANISM_PARAM_INVALID;
		return init_gcm(o, m, k);
	case ALG_EDDSA:
		if ((o->mctx = EVP_MD_CTX_new()) == NULL)
			return CKR_HOST_MEMORY;
		if ((o->kind == POC_OP_SIGN ? EVP_DigestSignInit(o->mctx, NULL, NULL, NULL, k->pkey)
					    : EVP_DigestVerifyInit(o->mctx, NULL, NULL, NULL, k->pkey)) != 1)
			return CKR_FUNCTION_FAILED;
		return CKR_OK;
	case ALG_ECDSA:
	case ALG_RSA_PKCS:
	case ALG_RSA_PSS:
	case ALG_RSA_OAEP:
		return pkey_setup(o, m, k);
	case ALG_KEYGEN:
	case ALG_KEYMGMT:
		break;
	}
	return CKR_MECHANISM_INVALID;
}

CK_RV poc_op_init(struct poc_op **op, enum poc_op_kind kind, const CK_MECHANISM *m, const struct poc_key *k)
{
	return poc_op_init_ex(op, kind, m, k, NULL);
}

CK_RV poc_op_init_ex(struct poc_op **op, enum poc_op_kind kind, const CK_MECHANISM *m, const struct poc_key *k,
		     OSSL_LIB_CTX *lc)
{
	const struct poc_mech_desc *d;
	struct poc_op *o;
	CK_RV rv;

	if (op == NULL || m == NULL || (k == NULL && kind != POC_OP_DIGEST) || (unsigned)kind >= POC_OP_NKINDS)
		return CKR_ARGUMENTS_BAD;
	*op = NULL;
	if ((d = poc_mech_desc_find(m->mechanism)) == NULL || !(d->ops & (1u << kind)))
		return CKR_MECHANISM_INVALID;
	if (m->ulParameterLen > 0 && m->pParameter == NULL)
		return CKR_MECHANISM_PARAM_INVALID;
	if (kind == POC_OP_DIGEST)
		k = NULL; /* a digest takes no key */
	else if (d->key_type != k->type)
		return CKR_KEY_TYPE_INCONSISTENT;
	else if ((kind == POC_OP_SIGN || kind == POC_OP_DECRYPT || kind == POC_OP_MSG_DECRYPT) && !k->priv)
		return CKR_KEY_FUNCTION_NOT_PERMITTED;
	if ((o = calloc(1, sizeof(*o))) == NULL)
		return CKR_HOST_MEMORY;
	o->kind = kind;
	o->d = d;
	o->nbytes = k != NULL ? k->nbytes : 0;
	o->lc = lc;
	if ((rv = op_setup(o, m, k)) != CKR_OK) {
		ERR_clear_error();
		poc_op_free(o);
		return rv;
	}
	/*
	 * Without parameters, ECDSA and RSA PKCS#1 v1.5 contexts run again as they
	 * are (the prehash is initialised again); the others carry per-operation
	 * state (GCM IV, PSS/OAEP parameters) or one-shot contexts (EdDSA).
	 */
	if ((d->alg == ALG_ECDSA || d->alg == ALG_RSA_PKCS) && m->ulParameterLen == 0) {
		struct poc_key *mk = (struct poc_key *)k; /* only its list of ops changes */

		o->reusable = 1;
		o->key = mk;
		o->knext = mk->ops;
		o->kprev = &mk->ops;
		if (mk->ops != NULL)
			mk->ops->kprev = &o->knext;
		mk->ops = o;
	}
	o->mech = m->mechanism;
	*op = o;
	return CKR_OK;
}

static void op_detach(struct poc_op *op)
{
	if (op->key == NULL)
		return;
	*op->kprev = op->knext;
	if (op->knext != NULL)
		op->knext->kprev = op->kprev;
	op->key = NULL;
	op->knext = NULL;
	op->kprev = NULL;
}

/* Frees the contexts (and so the op's hold on the key) and wipes the buffer; the op can then only be freed. */
void poc_op_drop_crypto(struct poc_op *op)
{
	EVP_PKEY_CTX_free(op->pctx);
	EVP_MD_CTX_free(op->mctx);
	EVP_MD_free(op->md);
	EVP_CIPHER_CTX_free(op->cctx); /* cleanses the key schedule */
	EVP_MAC_CTX_free(op->mac);     /* and the MAC key */
	op->mac = NULL;
	op->pctx = NULL;
	op->mctx = NULL;
	op->md = NULL;
	op->cctx = NULL;
	if (op->buf != NULL)
		OPENSSL_cleanse(op->buf, op->bufcap);
	free(op->buf);
	op->buf = NULL;
	op->buflen = op->bufcap = 0;
	op->reusable = 0;
}

void poc_op_free(struct poc_op *op)
{
	if (op == NULL)
		return;
	op_detach(op);
	poc_op_drop_crypto(op);
	free(op);
}

void poc_op_detach(struct poc_op *op)
{
	if (op != NULL)
		op_detach(op);
}

int poc_op_park(struct poc_op *op)
{
	if (op == NULL || !op->reusable || op->broken || op->key == NULL)
		return 0;
	/* What the finished operation left: buffered input (maybe plaintext) and a used digest. */
	if (op->buf != NULL)
		OPENSSL_cleanse(op->buf, op->buflen);
	op->buflen = 0;
	op->multi = 0;
	op->single = 0;
	op->md_stale = op->mctx != NULL;
	op->parked = 1;
	return 1;
}

int poc_op_reuse(struct poc_op *op, enum poc_op_kind kind, const CK_MECHANISM *m, const struct poc_key *k)
{
	if (op == NULL || m == NULL || k == NULL || !op->parked || op->key != k || op->kind != kind ||
	    op->mech != m->mechanism || m->ulParameterLen != 0)
		return 0;
	op->parked = 0;
	return 1;
}

/* Appends to the op's buffer; the old copy is wiped (it may hold plaintext). */
CK_RV poc_op_buf_append(struct poc_op *o, const uint8_t *in, size_t inlen, CK_RV too_long)
{
	uint8_t *nb;
	size_t cap;

	if (inlen > POC_OP_BUFFER_MAX - o->buflen)
		return too_long;
	if (o->buflen + inlen > o->bufcap) {
		for (cap = o->bufcap ? o->bufcap : 256; cap < o->buflen + inlen; cap *= 2)
			;
		if (cap > POC_OP_BUFFER_MAX)
			cap = POC_OP_BUFFER_MAX;
		if ((nb = malloc(cap)) == NULL)
			return CKR_HOST_MEMORY;
		if (o->buflen > 0)
			memcpy(nb, o->buf, o->buflen);
		if (o->buf != NULL)
			OPENSSL_cleanse(o->buf, o->bufcap);
		free(o->buf);
		o->buf = nb;
		o->bufcap = cap;
	}
	if (inlen > 0)
		memcpy(o->buf + o->buflen, in, inlen);
	o->buflen += inlen;
	return CKR_OK;
}

/* PKCS#11 output convention; returns 1 when the caller should go on and produce the output. */
int poc_op_out_check(CK_RV *rv, size_t need, const uint8_t *out, CK_ULONG *outlen)
{
	if (out == NULL || *outlen < need) {
		*rv = out == NULL ? CKR_OK : CKR_BUFFER_TOO_SMALL;
		*outlen = (CK_ULONG)need;
		return 0;
	}
	return 1;
}

/* A reused op starts its prehash again (here, outside the caller's lock). */
CK_RV poc_op_digest_ready(struct poc_op *o)
{
	if (!o->md_stale)
		return CKR_OK;
	if (EVP_DigestInit_ex(o->mctx, o->md, NULL) != 1)
		return CKR_FUNCTION_FAILED;
	o->md_stale = 0;
	return CKR_OK;
}
