/* SPDX-License-Identifier: Apache-2.0 */
/* The sealed-object format (object.h): strict CBOR, HKDF-SHA256 and AES-256-GCM. */
#include "store/object_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "cbor_util.h"

#define IV_LEN POC_OBJECT_IV_LEN
#define TAG_LEN POC_OBJECT_TAG_LEN
#define KEY_LEN 32
#define INFO_PREFIX "poc-pkcs11/v1/object"

void poc_object_header_free(struct poc_object_header *h)
{
	if (h == NULL)
		return;
	free(h->spki);
	free(h->cert);
	free(h->sealed_pub);
	free(h->sealed_priv);
	free(h->remote);
	poc_object_templates_free(h);
	memset(h, 0, sizeof(*h));
}

int poc_object_parse(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_object_header *h,
		     const uint8_t **header_bytes, size_t *header_len)
{
	struct poc_object_outer o;

	memset(h, 0, sizeof(*h));
	if (header_bytes)
		*header_bytes = NULL;
	if (header_len)
		*header_len = 0;
	if (poc_object_outer_decode(e, buf, len, &o) < 0)
		return -1;
	if (poc_object_header_decode(e, o.hb, o.hlen, h) < 0) {
		poc_object_header_free(h);
		return -1;
	}
	if (header_bytes)
		*header_bytes = o.hb;
	if (header_len)
		*header_len = o.hlen;
	return 0;
}

/* ---- crypto ---- */

/* K (object.h): the info ends with the token's own id and verifier key digest, from bind. */
static int derive_key(struct poc_err *e, const uint8_t *hb, size_t hlen, const struct poc_object_bind *bind,
		      const uint8_t *k_tpm, const uint8_t *k_remote, uint8_t key[KEY_LEN])
{
	uint8_t ikm[64], info[sizeof(INFO_PREFIX) - 1 + 32 + POC_TOKEN_ID_LEN + 32];
	size_t ikm_len = 32;
	char digest[] = "SHA256";
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *kctx = NULL;
	OSSL_PARAM params[4];
	int rv = -1;

	memcpy(ikm, k_tpm, 32);
	if (k_remote != NULL) {
		memcpy(ikm + 32, k_remote, 32);
		ikm_len = 64;
	}
	memcpy(info, INFO_PREFIX, sizeof(INFO_PREFIX) - 1);
	if (EVP_Digest(hb, hlen, info + sizeof(INFO_PREFIX) - 1, NULL, EVP_sha256(), NULL) != 1) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "object: SHA-256 of the header");
		goto done;
	}
	memcpy(info + sizeof(INFO_PREFIX) - 1 + 32, bind->token_id, POC_TOKEN_ID_LEN);
	memcpy(info + sizeof(INFO_PREFIX) - 1 + 32 + POC_TOKEN_ID_LEN, bind->verifier, 32);
	kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	if (kctx == NULL) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "object: HKDF unavailable");
		goto done;
	}
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, ikm, ikm_len);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, sizeof(info));
	params[3] = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(kctx, key, KEY_LEN, params) != 1) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "object: HKDF-SHA256");
		goto done;
	}
	rv = 0;
done:
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	OPENSSL_cleanse(ikm, sizeof(ikm));
	if (rv < 0)
		OPENSSL_cleanse(key, KEY_LEN);
	return rv;
}

/* Checks what seal needs before touching any key. */
static int check_header(struct poc_err *e, const struct poc_object_header *h, const uint8_t *k_remote)
{
	size_t n = strnlen(h->label, sizeof(h->label));

	if (n == sizeof(h->label))
		return poc_err_set(e, POC_ERR_ARG, "object: label is not NUL-terminated");
	if (h->class > POC_OBJ_CLASS_MAX || h->id_len > POC_OBJECT_ID_MAX)
		return poc_err_set(e, POC_ERR_ARG, "object: class %lu or id of %zu bytes out of range", h->class, h->id_len);
	if (h->sealed_pub == NULL || h->sealed_pub_len == 0 || h->sealed_priv == NULL || h->sealed_priv_len == 0)
		return poc_err_set(e, POC_ERR_ARG, "object: no TPM sealed object (sealed.pub/sealed.priv)");
	if ((h->spki != NULL && h->spki_len == 0) || (h->cert != NULL && h->cert_len == 0))
		return poc_err_set(e, POC_ERR_ARG, "object: empty spki or cert (use NULL)");
	if ((h->remote != NULL) != (k_remote != NULL))
		return poc_err_set(e, POC_ERR_ARG, "object: K_remote must be given exactly when the header names a remote verifier");
	if (h->remote != NULL && (h->remote[0] == '\0' || strlen(h->remote) > POC_OBJECT_REMOTE_MAX))
		return poc_err_set(e, POC_ERR_ARG, "object: remote verifier URL is empty or too long");
	return 0;
}

/* A random IV into iv, then AES-256-GCM(key, iv, aad = the header) of secret into ct (secret_len + the tag). */
static int encrypt_secret(struct poc_err *e, const uint8_t key[KEY_LEN], const uint8_t *hb, size_t hlen,
			  const uint8_t *secret, size_t secret_len, uint8_t iv[IV_LEN], uint8_t *ct)
{
	EVP_CIPHER_CTX *ctx;
	int n, ok;

	if (RAND_bytes(iv, IV_LEN) != 1)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "object seal: random IV");
	ctx = EVP_CIPHER_CTX_new();
	ok = ctx != NULL && EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, IV_LEN, NULL) == 1 &&
	     EVP_EncryptInit_ex(ctx, NULL, NULL, key, iv) == 1 && EVP_EncryptUpdate(ctx, NULL, &n, hb, (int)hlen) == 1 &&
	     EVP_EncryptUpdate(ctx, ct, &n, secret_len ? secret : iv, (int)secret_len) == 1 &&
	     EVP_EncryptFinal_ex(ctx, ct + n, &n) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, ct + secret_len) == 1;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : poc_err_ssl(e, POC_ERR_CRYPTO, "object seal: AES-256-GCM");
}

int poc_object_seal(struct poc_err *e, const struct poc_object_header *h, const struct poc_object_bind *bind,
		    const uint8_t k_tpm[32], const uint8_t *k_remote, const uint8_t *secret, size_t secret_len, uint8_t **out,
		    size_t *out_len)
{
	cbor_item_t *hdr = NULL, *root = NULL;
	unsigned char *hb = NULL, *obj = NULL;
	size_t hcap = 0, hlen = 0, ocap = 0, olen;
	uint8_t key[KEY_LEN], iv[IV_LEN], *ct = NULL;
	struct poc_object_header check;
	int n, rv = -1;

	*out = NULL;
	*out_len = 0;
	if (k_tpm == NULL || bind == NULL || (secret == NULL && secret_len > 0))
		return poc_err_set(e, POC_ERR_ARG, "object seal: no K_tpm, token binding or secret");
	if (CRYPTO_memcmp(h->token_id, bind->token_id, POC_TOKEN_ID_LEN) != 0)
		return poc_err_set(e, POC_ERR_ARG, "object seal: header.token_id is not the binding's token id");
	if (secret_len > POC_OBJECT_SECRET_MAX)
		return poc_err_set(e, POC_ERR_ARG, "object seal: secret of %zu bytes is larger than %u", secret_len,
				   POC_OBJECT_SECRET_MAX);
	if (check_header(e, h, k_remote) < 0)
		return -1;
	hdr = poc_object_header_encode(h);
	if (hdr == NULL || (hlen = cbor_serialize_alloc(hdr, &hb, &hcap)) == 0) {
		poc_err_set(e, POC_ERR_NOMEM, "object seal: header encoding");
		goto done;
	}
	/* What we write, we must be able to read back. */
	memset(&check, 0, sizeof(check));
	n = poc_object_header_decode(e, hb, hlen, &check);
	poc_object_header_free(&check);
	if (n < 0) {
		poc_err_prefix(e, "object seal: ");
		goto done;
	}
	if (derive_key(e, hb, hlen, bind, k_tpm, k_remote, key) < 0)
		goto done;
	ct = malloc(secret_len + TAG_LEN);
	if (ct == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "object seal: %zu bytes", secret_len);
		goto done;
	}
	if (encrypt_secret(e, key, hb, hlen, secret, secret_len, iv, ct) < 0)
		goto done;
	root = cbor_new_definite_map(4);
	if (root == NULL || poc_cbor_put(root, "version", cbor_build_uint8(POC_OBJECT_VERSION)) < 0 ||
	    poc_cbor_put(root, "header", poc_cbor_bstr(hb, hlen)) < 0 ||
	    poc_cbor_put(root, "ciphertext", poc_cbor_bstr(ct, secret_len + TAG_LEN)) < 0 ||
	    poc_cbor_put(root, "iv", poc_cbor_bstr(iv, IV_LEN)) < 0 ||
	    (olen = cbor_serialize_alloc(root, &obj, &ocap)) == 0) {
		poc_err_set(e, POC_ERR_NOMEM, "object seal: encoding");
		goto done;
	}
	*out = obj;
	*out_len = olen;
	obj = NULL;
	rv = 0;
done:
	OPENSSL_cleanse(key, sizeof(key));
	if (hdr)
		cbor_decref(&hdr);
	if (root)
		cbor_decref(&root);
	free(hb);
	free(ct);
	free(obj);
	return rv;
}

int poc_object_open(struct poc_err *e, const uint8_t *buf, size_t len, const struct poc_object_bind *bind,
		    const uint8_t k_tpm[32], const uint8_t *k_remote, uint8_t **secret, size_t *secret_len)
{
	struct poc_object_header h;
	struct poc_object_outer o;
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t key[KEY_LEN], tag[TAG_LEN], *pt = NULL;
	size_t ptlen = 0;
	int n, rv = -1;

	*secret = NULL;
	*secret_len = 0;
	memset(&h, 0, sizeof(h));
	if (k_tpm == NULL || bind == NULL)
		return poc_err_set(e, POC_ERR_ARG, "object open: no K_tpm or token binding");
	if (poc_object_outer_decode(e, buf, len, &o) < 0 || poc_object_header_decode(e, o.hb, o.hlen, &h) < 0)
		goto done;
	if (h.remote != NULL && k_remote == NULL) {
		poc_err_set(e, POC_ERR_ARG, "object open: the object needs K_remote from %s", h.remote);
		goto done;
	}
	if (h.remote == NULL && k_remote != NULL) {
		poc_err_set(e, POC_ERR_ARG, "object open: K_remote given but the object names no remote verifier");
		goto done;
	}
	/* A first, clear refusal; the binding is enforced by K and the tag below whatever the header says. */
	if (CRYPTO_memcmp(h.token_id, bind->token_id, POC_TOKEN_ID_LEN) != 0) {
		poc_err_set(e, POC_ERR_MISMATCH, "object open: the object belongs to another token (header.token_id)");
		goto done;
	}
	if (derive_key(e, o.hb, o.hlen, bind, k_tpm, k_remote, key) < 0)
		goto done;
	ptlen = o.ctlen - TAG_LEN;
	memcpy(tag, o.ct + ptlen, TAG_LEN);
	pt = poc_secret_alloc(ptlen);
	if (pt == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "object open: %zu bytes of locked memory", ptlen);
		goto done;
	}
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL || EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, IV_LEN, NULL) != 1 ||
	    EVP_DecryptInit_ex(ctx, NULL, NULL, key, o.iv) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &n, o.hb, (int)o.hlen) != 1 ||
	    (ptlen > 0 && EVP_DecryptUpdate(ctx, pt, &n, o.ct, (int)ptlen) != 1) ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) != 1) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "object open: AES-256-GCM");
		goto done;
	}
	/* OpenSSL compares the tag in constant time (CRYPTO_memcmp) here. */
	if (EVP_DecryptFinal_ex(ctx, pt + ptlen, &n) != 1) {
		poc_err_set(e, POC_ERR_SIGNATURE, "object was modified (or K_tpm/K_remote is wrong): AES-256-GCM tag mismatch");
		goto done;
	}
	*secret = pt;
	*secret_len = ptlen;
	pt = NULL;
	rv = 0;
done:
	OPENSSL_cleanse(key, sizeof(key));
	EVP_CIPHER_CTX_free(ctx);
	poc_secret_free(pt, ptlen);
	poc_object_header_free(&h);
	return rv;
}
