/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for verify/credential.c. The KDFs are checked against OpenSSL's
 * own SP 800-108 (KBKDF) and SP 800-56C (SSKDF) implementations; MakeCredential
 * is checked by undoing it in software with the EK's private key (OAEP or
 * ECDH), re-deriving the blob from the recovered seed and opening it the way
 * TPM2_ActivateCredential does.
 */
#include <stdio.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rsa.h>
#include <tss2/tss2_mu.h>

#include "credential.h"
#include "tpm_attest.h"
#include "verr.h"
#include "../test.h"
#include "../test-keys.h"

/* A 34-byte SHA-256 name: 000b || 32 bytes. */
static void fake_name(uint8_t name[34], uint8_t fill)
{
	name[0] = 0x00;
	name[1] = 0x0b;
	memset(name + 2, fill, 32);
}

/* OpenSSL's KBKDF: counter(4) || label || 0x00 || context || L(4), HMAC. */
static int ref_kbkdf(const char *md, const uint8_t *key, size_t klen, const char *label,
		     const uint8_t *ctx, size_t clen, uint8_t *out, size_t olen)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "KBKDF", NULL);
	EVP_KDF_CTX *kctx = EVP_KDF_CTX_new(kdf);
	OSSL_PARAM p[7], *q = p;
	int rv;

	*q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MAC, (char *)"HMAC", 0);
	*q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0);
	*q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MODE, (char *)"counter", 0);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, klen);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)label, strlen(label));
	if (ctx != NULL)
		*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)ctx, clen);
	*q = OSSL_PARAM_construct_end();
	rv = EVP_KDF_derive(kctx, out, olen, p) == 1 ? 0 : -1;
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	return rv;
}

/* OpenSSL's SSKDF with a hash: H(counter || Z || info). */
static int ref_sskdf(const char *md, const uint8_t *z, size_t zlen, const uint8_t *info, size_t ilen,
		     uint8_t *out, size_t olen)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SSKDF", NULL);
	EVP_KDF_CTX *kctx = EVP_KDF_CTX_new(kdf);
	OSSL_PARAM p[4];
	int rv;

	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)z, zlen);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, ilen);
	p[3] = OSSL_PARAM_construct_end();
	rv = EVP_KDF_derive(kctx, out, olen, p) == 1 ? 0 : -1;
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	return rv;
}

static void test_kdfa(void)
{
	struct poc_err e = { 0 };
	uint8_t key[32], name[34], got[65], want[65];

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)i;
	fake_name(name, 0xa5);
	ok(poc_tpm_kdfa(&e, TPM2_ALG_SHA256, key, 32, "STORAGE", name, 34, NULL, 0, 128, got) == 0 &&
		   ref_kbkdf("SHA256", key, 32, "STORAGE", name, 34, want, 16) == 0 &&
		   memcmp(got, want, 16) == 0,
	   "KDFa SHA-256 128 bits equals OpenSSL KBKDF (counter, HMAC)");
	ok(poc_tpm_kdfa(&e, TPM2_ALG_SHA256, key, 32, "INTEGRITY", NULL, 0, NULL, 0, 256, got) == 0 &&
		   ref_kbkdf("SHA256", key, 32, "INTEGRITY", NULL, 0, want, 32) == 0 &&
		   memcmp(got, want, 32) == 0,
	   "KDFa SHA-256 256 bits, no context, equals KBKDF");
	/* 520 bits with SHA-384: two blocks, the second truncated. */
	ok(poc_tpm_kdfa(&e, TPM2_ALG_SHA384, key, 32, "STORAGE", name, 34, NULL, 0, 520, got) == 0 &&
		   ref_kbkdf("SHA384", key, 32, "STORAGE", name, 34, want, 65) == 0 &&
		   memcmp(got, want, 65) == 0,
	   "KDFa SHA-384 520 bits (two blocks) equals KBKDF");
	/* contextU || contextV is one context to SP 800-108. */
	ok(poc_tpm_kdfa(&e, TPM2_ALG_SHA256, key, 32, "STORAGE", name, 10, name + 10, 24, 128, got) == 0 &&
		   ref_kbkdf("SHA256", key, 32, "STORAGE", name, 34, want, 16) == 0 &&
		   memcmp(got, want, 16) == 0,
	   "KDFa contextU || contextV equals one context");
	e.code = POC_OK;
	is_int(poc_tpm_kdfa(&e, TPM2_ALG_SHA256, key, 32, "STORAGE", NULL, 0, NULL, 0, 12, got), -1,
	       "KDFa rejects a bit count that is not whole bytes");
	poc_err_clear(&e);
	ok(poc_tpm_kdfa(&e, 0x0099, key, 32, "STORAGE", NULL, 0, NULL, 0, 128, got) == -1 &&
		   e.code == POC_ERR_UNSUPPORTED,
	   "KDFa rejects an unknown hash");
}

static void test_kdfe(void)
{
	struct poc_err e = { 0 };
	uint8_t z[32], u[32], v[32], info[9 + 64], got[64], want[64];

	memset(z, 0x11, sizeof(z));
	memset(u, 0x22, sizeof(u));
	memset(v, 0x33, sizeof(v));
	memcpy(info, "IDENTITY", 9); /* with its NUL */
	memcpy(info + 9, u, 32);
	memcpy(info + 41, v, 32);
	ok(poc_tpm_kdfe(&e, TPM2_ALG_SHA256, z, 32, "IDENTITY", u, 32, v, 32, 256, got) == 0 &&
		   ref_sskdf("SHA256", z, 32, info, 73, want, 32) == 0 && memcmp(got, want, 32) == 0,
	   "KDFe SHA-256 equals OpenSSL SSKDF (info = label NUL || U || V)");
	ok(poc_tpm_kdfe(&e, TPM2_ALG_SHA256, z, 32, "IDENTITY", u, 32, v, 32, 512, got) == 0 &&
		   ref_sskdf("SHA256", z, 32, info, 73, want, 64) == 0 && memcmp(got, want, 64) == 0,
	   "KDFe two blocks equals SSKDF");
}

/* TPM2_ActivateCredential's second half, in software: check the HMAC, decrypt. */
static int unwrap(TPMI_ALG_HASH alg, uint16_t sym_bits, const uint8_t *seed, size_t seed_len,
		  const uint8_t *name, size_t nlen, const TPM2B_ID_OBJECT *cred, uint8_t *secret,
		  size_t *slen)
{
	struct poc_err e = { 0 };
	const EVP_MD *md = alg == TPM2_ALG_SHA384 ? EVP_sha384() : EVP_sha256();
	const char *mdname = alg == TPM2_ALG_SHA384 ? "SHA384" : "SHA256";
	const EVP_CIPHER *c = sym_bits == 256 ? EVP_aes_256_cfb128() : EVP_aes_128_cfb128();
	uint8_t symkey[32], hkey[64], mac[64], buf[256], iv[16] = { 0 };
	size_t dlen = (size_t)EVP_MD_get_size(md), maclen = sizeof(mac), elen;
	EVP_CIPHER_CTX *cc;
	int n = 0, n2 = 0, rv = -1;

	if (cred->size < 2 + dlen + 2 || ((cred->credential[0] << 8) | cred->credential[1]) != (int)dlen)
		return -1;
	elen = cred->size - 2 - dlen;
	if (poc_tpm_kdfa(&e, alg, seed, seed_len, "STORAGE", name, nlen, NULL, 0, sym_bits, symkey) < 0 ||
	    poc_tpm_kdfa(&e, alg, seed, seed_len, "INTEGRITY", NULL, 0, NULL, 0, (uint32_t)dlen * 8, hkey) < 0)
		return -1;
	memcpy(buf, cred->credential + 2 + dlen, elen);
	memcpy(buf + elen, name, nlen);
	{
		EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
		EVP_MAC_CTX *mc = EVP_MAC_CTX_new(m);
		OSSL_PARAM p[2] = { OSSL_PARAM_construct_utf8_string("digest", (char *)mdname, 0),
				    OSSL_PARAM_construct_end() };

		if (!EVP_MAC_init(mc, hkey, dlen, p) || !EVP_MAC_update(mc, buf, elen + nlen) ||
		    !EVP_MAC_final(mc, mac, &maclen, sizeof(mac)))
			maclen = 0;
		EVP_MAC_CTX_free(mc);
		EVP_MAC_free(m);
	}
	if (maclen != dlen || CRYPTO_memcmp(mac, cred->credential + 2, dlen) != 0)
		return -1; /* TPM_RC_INTEGRITY */
	cc = EVP_CIPHER_CTX_new();
	if (EVP_DecryptInit_ex(cc, c, NULL, symkey, iv) && EVP_DecryptUpdate(cc, buf, &n, cred->credential + 2 + dlen, (int)elen) &&
	    EVP_DecryptFinal_ex(cc, buf + n, &n2) && (size_t)(n + n2) == elen) {
		*slen = (size_t)((buf[0] << 8) | buf[1]);
		if (*slen + 2 == elen) {
			memcpy(secret, buf + 2, *slen);
			rv = 0;
		}
	}
	EVP_CIPHER_CTX_free(cc);
	return rv;
}

static void test_wrap(void)
{
	struct poc_err e = { 0 };
	TPM2B_ID_OBJECT a, b;
	uint8_t seed[48], name[34], other[34], secret[32], back[64];
	size_t blen = 0;

	memset(seed, 7, sizeof(seed));
	memset(secret, 0x5c, sizeof(secret));
	fake_name(name, 1);
	fake_name(other, 2);
	ok(poc_credential_wrap(&e, TPM2_ALG_SHA256, 128, seed, 32, name, 34, secret, 32, &a) == 0,
	   "wrap with a fixed seed");
	is_int(a.size, 2 + 32 + 2 + 32, "blob = TPM2B(HMAC-SHA256) || CFB(TPM2B(secret))");
	ok(poc_credential_wrap(&e, TPM2_ALG_SHA256, 128, seed, 32, name, 34, secret, 32, &b) == 0 &&
		   a.size == b.size && memcmp(a.credential, b.credential, a.size) == 0,
	   "wrap is deterministic in its seed");
	ok(unwrap(TPM2_ALG_SHA256, 128, seed, 32, name, 34, &a, back, &blen) == 0 && blen == 32 &&
		   memcmp(back, secret, 32) == 0,
	   "software activation recovers the secret");
	ok(unwrap(TPM2_ALG_SHA256, 128, seed, 32, other, 34, &a, back, &blen) == -1,
	   "software activation with another name fails the integrity HMAC");
	seed[0] ^= 1;
	ok(poc_credential_wrap(&e, TPM2_ALG_SHA256, 128, seed, 32, name, 34, secret, 32, &b) == 0 &&
		   memcmp(a.credential, b.credential, a.size) != 0,
	   "another seed gives another blob");
	ok(poc_credential_wrap(&e, TPM2_ALG_SHA384, 256, seed, 48, name, 34, secret, 20, &b) == 0 &&
		   b.size == 2 + 48 + 2 + 20 && unwrap(TPM2_ALG_SHA384, 256, seed, 48, name, 34, &b, back, &blen) == 0 &&
		   blen == 20 && memcmp(back, secret, 20) == 0,
	   "SHA-384 / AES-256 (high-range EK template) round trip");
	poc_err_clear(&e);
	ok(poc_credential_wrap(&e, TPM2_ALG_SHA256, 128, seed, 32, name, 33, secret, 32, &b) == -1 &&
		   e.code == POC_ERR_MALFORMED,
	   "a truncated name is rejected");
	poc_err_clear(&e);
	ok(poc_credential_wrap(&e, TPM2_ALG_SHA256, 128, seed, 32, name, 34, secret, 0, &b) == -1 &&
		   e.code == POC_ERR_ARG,
	   "an empty secret is rejected");
	poc_err_clear(&e);
	ok(poc_credential_wrap(&e, TPM2_ALG_SHA256, 64, seed, 32, name, 34, secret, 32, &b) == -1 &&
		   e.code == POC_ERR_UNSUPPORTED,
	   "a non-AES key size is rejected");
}

/* The default TCG EK template's shape around an OpenSSL key. */
static EVP_PKEY *make_ek(int ecc, TPMT_PUBLIC *pub)
{
	EVP_PKEY *k = ecc ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256") : poc_test_key(poc_test_rsa2048_a);
	BIGNUM *x = NULL, *y = NULL;
	TPMT_SYM_DEF_OBJECT *sym;

	memset(pub, 0, sizeof(*pub));
	pub->type = ecc ? TPM2_ALG_ECC : TPM2_ALG_RSA;
	pub->nameAlg = TPM2_ALG_SHA256;
	pub->objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
				TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_ADMINWITHPOLICY |
				TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
	sym = ecc ? &pub->parameters.eccDetail.symmetric : &pub->parameters.rsaDetail.symmetric;
	sym->algorithm = TPM2_ALG_AES;
	sym->keyBits.aes = 128;
	sym->mode.aes = TPM2_ALG_CFB;
	if (k == NULL)
		return NULL;
	if (ecc) {
		pub->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
		pub->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
		pub->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
		EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, &x);
		EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y, &y);
		BN_bn2binpad(x, pub->unique.ecc.x.buffer, 32);
		BN_bn2binpad(y, pub->unique.ecc.y.buffer, 32);
		pub->unique.ecc.x.size = pub->unique.ecc.y.size = 32;
	} else {
		pub->parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
		pub->parameters.rsaDetail.keyBits = 2048;
		EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &x);
		BN_bn2binpad(x, pub->unique.rsa.buffer, 256);
		pub->unique.rsa.size = 256;
	}
	BN_free(x);
	BN_free(y);
	return k;
}

/* The TPM's half: recover the seed from the encrypted secret with the EK's private key. */
static int recover_seed(int ecc, EVP_PKEY *k, const TPMT_PUBLIC *pub, const TPM2B_ENCRYPTED_SECRET *enc,
			uint8_t seed[32])
{
	struct poc_err e = { 0 };
	EVP_PKEY_CTX *c = NULL;
	int rv = -1;

	if (!ecc) {
		size_t n = 512;
		uint8_t out[512];

		c = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
		if (EVP_PKEY_decrypt_init(c) > 0 && EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING) > 0 &&
		    EVP_PKEY_CTX_set_rsa_oaep_md(c, EVP_sha256()) > 0 &&
		    EVP_PKEY_CTX_set0_rsa_oaep_label(c, OPENSSL_memdup("IDENTITY", 9), 9) > 0 &&
		    EVP_PKEY_decrypt(c, out, &n, enc->secret, enc->size) > 0 && n == 32) {
			memcpy(seed, out, 32);
			rv = 0;
		}
	} else {
		TPMS_ECC_POINT pt;
		size_t off = 0, zlen = 32;
		uint8_t pubpt[65], z[32];
		EVP_PKEY *eph = NULL;
		OSSL_PARAM p[3];

		if (Tss2_MU_TPMS_ECC_POINT_Unmarshal(enc->secret, enc->size, &off, &pt) != TSS2_RC_SUCCESS ||
		    off != enc->size || pt.x.size != 32 || pt.y.size != 32)
			return -1;
		pubpt[0] = 4;
		memcpy(pubpt + 1, pt.x.buffer, 32);
		memcpy(pubpt + 33, pt.y.buffer, 32);
		p[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"P-256", 0);
		p[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pubpt, 65);
		p[2] = OSSL_PARAM_construct_end();
		c = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
		if (EVP_PKEY_fromdata_init(c) <= 0 || EVP_PKEY_fromdata(c, &eph, EVP_PKEY_PUBLIC_KEY, p) <= 0)
			goto done;
		EVP_PKEY_CTX_free(c);
		c = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
		if (EVP_PKEY_derive_init(c) > 0 && EVP_PKEY_derive_set_peer(c, eph) > 0 &&
		    EVP_PKEY_derive(c, z, &zlen) > 0 &&
		    poc_tpm_kdfe(&e, TPM2_ALG_SHA256, z, zlen, "IDENTITY", pt.x.buffer, 32,
				 pub->unique.ecc.x.buffer, 32, 256, seed) == 0)
			rv = 0;
		EVP_PKEY_free(eph);
	}
done:
	EVP_PKEY_CTX_free(c);
	return rv;
}

static void test_make(int ecc)
{
	const char *kind = ecc ? "ECC P-256" : "RSA 2048";
	struct poc_err e = { 0 };
	TPMT_PUBLIC pub, bad;
	TPM2B_ID_OBJECT cred, cred2, rewrap;
	TPM2B_ENCRYPTED_SECRET enc, enc2;
	uint8_t name[34], secret[32], seed[32], back[64];
	size_t blen = 0;
	EVP_PKEY *k = make_ek(ecc, &pub);

	fake_name(name, 0x42);
	memset(secret, 0x99, sizeof(secret));
	ok(k != NULL, "%s: test EK key", kind);
	ok(poc_make_credential(&e, &pub, name, 34, secret, 32, &cred, &enc) == 0, "%s: MakeCredential%s%s",
	   kind, e.msg[0] ? ": " : "", e.msg);
	is_int(cred.size, 68, "%s: credentialBlob size", kind);
	is_int(enc.size, ecc ? 2 + 32 + 2 + 32 : 256, "%s: encrypted secret size", kind);
	ok(poc_make_credential(&e, &pub, name, 34, secret, 32, &cred2, &enc2) == 0 &&
		   memcmp(cred.credential, cred2.credential, cred.size) != 0 &&
		   memcmp(enc.secret, enc2.secret, enc.size) != 0,
	   "%s: each call draws a fresh seed", kind);
	ok(recover_seed(ecc, k, &pub, &enc, seed) == 0, "%s: the EK private key recovers the seed", kind);
	ok(poc_credential_wrap(&e, TPM2_ALG_SHA256, 128, seed, 32, name, 34, secret, 32, &rewrap) == 0 &&
		   rewrap.size == cred.size && memcmp(rewrap.credential, cred.credential, cred.size) == 0,
	   "%s: the blob is the wrap of the recovered seed", kind);
	ok(unwrap(TPM2_ALG_SHA256, 128, seed, 32, name, 34, &cred, back, &blen) == 0 && blen == 32 &&
		   memcmp(back, secret, 32) == 0,
	   "%s: software activation recovers the secret", kind);

	/* Wrong inputs. */
	bad = pub;
	bad.objectAttributes |= TPMA_OBJECT_SIGN_ENCRYPT;
	poc_err_clear(&e);
	ok(poc_make_credential(&e, &bad, name, 34, secret, 32, &cred2, &enc2) == -1 && e.code == POC_ERR_ARG &&
		   cred2.size == 0 && enc2.size == 0,
	   "%s: a signing key is not an EK", kind);
	bad = pub;
	bad.objectAttributes &= ~(TPMA_OBJECT)TPMA_OBJECT_RESTRICTED;
	poc_err_clear(&e);
	ok(poc_make_credential(&e, &bad, name, 34, secret, 32, &cred2, &enc2) == -1 && e.code == POC_ERR_ARG,
	   "%s: an unrestricted key is not an EK", kind);
	bad = pub;
	if (ecc)
		bad.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
	else
		bad.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
	poc_err_clear(&e);
	ok(poc_make_credential(&e, &bad, name, 34, secret, 32, &cred2, &enc2) == -1 &&
		   e.code == POC_ERR_UNSUPPORTED,
	   "%s: an EK without AES-CFB is refused", kind);
	poc_err_clear(&e);
	ok(poc_make_credential(&e, &pub, name, 34, secret, 0, &cred2, &enc2) == -1 && e.code == POC_ERR_ARG,
	   "%s: an empty secret is refused", kind);
	{
		uint8_t big[33] = { 0 };

		poc_err_clear(&e);
		ok(poc_make_credential(&e, &pub, name, 34, big, 33, &cred2, &enc2) == -1 && e.code == POC_ERR_ARG,
		   "%s: a secret longer than the nameAlg digest is refused", kind);
	}
	poc_err_clear(&e);
	name[1] = 0x0c; /* claims SHA-384 with a SHA-256-sized digest */
	ok(poc_make_credential(&e, &pub, name, 34, secret, 32, &cred2, &enc2) == -1 &&
		   e.code == POC_ERR_MALFORMED,
	   "%s: a name whose length does not fit its algorithm is refused", kind);
	name[0] = 0x77;
	poc_err_clear(&e);
	ok(poc_make_credential(&e, &pub, name, 34, secret, 32, &cred2, &enc2) == -1 &&
		   e.code == POC_ERR_UNSUPPORTED,
	   "%s: a name with an unknown algorithm is refused", kind);
	EVP_PKEY_free(k);
}

/* Fixed public areas for the known answer: an ECC AK (noDA restricted signing) and an RSA EK (template L-1). */
static void kat_ak(TPMT_PUBLIC *p)
{
	memset(p, 0, sizeof(*p));
	p->type = TPM2_ALG_ECC;
	p->nameAlg = TPM2_ALG_SHA256;
	p->objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
			      TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA | TPMA_OBJECT_RESTRICTED |
			      TPMA_OBJECT_SIGN_ENCRYPT;
	p->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
	p->parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
	p->parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
	p->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
	p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	p->unique.ecc.x.size = p->unique.ecc.y.size = 32;
	memset(p->unique.ecc.x.buffer, 0x11, 32);
	memset(p->unique.ecc.y.buffer, 0x22, 32);
}

static void kat_ek(TPMT_PUBLIC *p)
{
	static const uint8_t policy[32] = {
		0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xb3, 0xf8, 0x1a, 0x90, 0xcc, 0x8d, 0x46, 0xa5, 0xd7, 0x24,
		0xfd, 0x52, 0xd7, 0x6e, 0x06, 0x52, 0x0b, 0x64, 0xf2, 0xa1, 0xda, 0x1b, 0x33, 0x14, 0x69, 0xaa,
	};

	memset(p, 0, sizeof(*p));
	p->type = TPM2_ALG_RSA;
	p->nameAlg = TPM2_ALG_SHA256;
	p->objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
			      TPMA_OBJECT_ADMINWITHPOLICY | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
	memcpy(p->authPolicy.buffer, policy, 32);
	p->authPolicy.size = 32;
	p->parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_AES;
	p->parameters.rsaDetail.symmetric.keyBits.aes = 128;
	p->parameters.rsaDetail.symmetric.mode.aes = TPM2_ALG_CFB;
	p->parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
	p->parameters.rsaDetail.keyBits = 2048;
	p->unique.rsa.size = 256;
	memset(p->unique.rsa.buffer, 0x33, 256);
}

/* The name the test computes itself: 000b || SHA-256(marshalled TPMT_PUBLIC). */
static void ref_name(const TPMT_PUBLIC *p, uint8_t name[34])
{
	uint8_t buf[sizeof(TPMT_PUBLIC)];
	size_t off = 0;

	name[0] = 0x00;
	name[1] = 0x0b;
	if (Tss2_MU_TPMT_PUBLIC_Marshal(p, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS ||
	    EVP_Digest(buf, off, name + 2, NULL, EVP_sha256(), NULL) != 1)
		memset(name + 2, 0, 32);
}

static void test_secret(void)
{
	/*
	 * Known answer, computed independently (Python hmac/hashlib over
	 * hand-marshalled public areas): HMAC-SHA256(0x10 * 32, "poc-pkcs11/v1/activation"
	 * || 0020 || 0x20 * 32 || 0022 || AK name || 0022 || EK name).
	 */
	static const char kat_hex[] = "6a6de33cf4ffb9ead1d8d2b720e2852dfacc3321eef4bf97bcb9b49dba7d45b6";
	struct poc_err e = { 0 };
	TPMT_PUBLIC ak, ek, x;
	uint8_t key[32], nonce[32], akn[34], ekn[34], a[32], b[32], want[32], kat[32];
	uint8_t msg[24 + 2 + 32 + 2 + 34 + 2 + 34], *m = msg;
	size_t wl = 0;

	memset(key, 0x10, sizeof(key));
	memset(nonce, 0x20, sizeof(nonce));
	kat_ak(&ak);
	kat_ek(&ek);
	for (int i = 0; i < 32; i++)
		sscanf(kat_hex + 2 * i, "%2hhx", &kat[i]);
	ok(poc_credential_secret(&e, key, nonce, 32, &ak, &ek, a) == 0 && memcmp(a, kat, 32) == 0,
	   "credential secret: the known answer");
	ref_name(&ak, akn);
	ref_name(&ek, ekn);
	memcpy(m, "poc-pkcs11/v1/activation", 24), m += 24;
	*m++ = 0, *m++ = 32, memcpy(m, nonce, 32), m += 32;
	*m++ = 0, *m++ = 34, memcpy(m, akn, 34), m += 34;
	*m++ = 0, *m++ = 34, memcpy(m, ekn, 34);
	EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, 32, msg, sizeof(msg), want, 32, &wl);
	ok(wl == 32 && memcmp(a, want, 32) == 0,
	   "= HMAC-SHA256(key, prefix || [nonce] || [AK name] || [EK name]), names from the public areas");

	nonce[31] ^= 1;
	ok(poc_credential_secret(&e, key, nonce, 32, &ak, &ek, b) == 0 && memcmp(a, b, 32) != 0,
	   "another nonce, another secret");
	ok(poc_credential_secret(&e, key, nonce, 31, &ak, &ek, b) == 0 && memcmp(a, b, 32) != 0,
	   "a shorter nonce, another secret");
	nonce[31] ^= 1;
	x = ak;
	x.unique.ecc.x.buffer[0] ^= 1;
	ok(poc_credential_secret(&e, key, nonce, 32, &x, &ek, b) == 0 && memcmp(a, b, 32) != 0,
	   "another AK key, another secret");
	x = ak;
	x.objectAttributes &= ~TPMA_OBJECT_RESTRICTED;
	ok(poc_credential_secret(&e, key, nonce, 32, &x, &ek, b) == 0 && memcmp(a, b, 32) != 0,
	   "the same AK key with other attributes, another secret (the name covers them)");
	x = ek;
	x.unique.rsa.buffer[255] ^= 1;
	ok(poc_credential_secret(&e, key, nonce, 32, &ak, &x, b) == 0 && memcmp(a, b, 32) != 0,
	   "another EK, another secret (the prover's own EK is not the certified one)");
	x = ek;
	x.nameAlg = TPM2_ALG_SHA384;
	ok(poc_credential_secret(&e, key, nonce, 32, &ak, &x, b) == 0 && memcmp(a, b, 32) != 0,
	   "the same EK key under another nameAlg, another secret");
	ok(poc_credential_secret(&e, key, nonce, 32, &ek, &ak, b) == 0 && memcmp(a, b, 32) != 0,
	   "AK and EK swapped, another secret");
	key[0] ^= 1;
	ok(poc_credential_secret(&e, key, nonce, 32, &ak, &ek, b) == 0 && memcmp(a, b, 32) != 0,
	   "another key, another secret");
	key[0] ^= 1;
	poc_err_clear(&e);
	ok(poc_credential_secret(&e, key, nonce, 32, &ak, NULL, b) == -1 && e.code == POC_ERR_ARG,
	   "no EK is refused");
	poc_err_clear(&e);
	ok(poc_credential_secret(&e, key, nonce, 32, NULL, &ek, b) == -1 && e.code == POC_ERR_ARG,
	   "no AK is refused");
	poc_err_clear(&e);
	ok(poc_credential_secret(&e, key, nonce, 0, &ak, &ek, b) == -1 && e.code == POC_ERR_ARG,
	   "an empty nonce is refused");
	poc_err_clear(&e);
	ok(poc_credential_secret(&e, key, nonce, 65, &ak, &ek, b) == -1 && e.code == POC_ERR_ARG,
	   "a nonce over 64 bytes is refused");
	x = ek;
	x.nameAlg = 0x7777;
	poc_err_clear(&e);
	ok(poc_credential_secret(&e, key, nonce, 32, &ak, &x, b) == -1 && e.code != POC_OK,
	   "an EK whose nameAlg cannot be hashed is refused");

	poc_err_clear(&e);
	ok(poc_credential_check(&e, a, want, 32) == 0, "check accepts the expected secret");
	want[17] ^= 0x80;
	ok(poc_credential_check(&e, a, want, 32) == -1 && e.code == POC_ERR_MISMATCH,
	   "check refuses a changed secret");
	is_str(e.msg, "the AK was not activated against the EK", "check names the failure");
	poc_err_clear(&e);
	ok(poc_credential_check(&e, a, a, 31) == -1 && e.code == POC_ERR_MISMATCH,
	   "check refuses a short secret");
}

static void test_file(void)
{
	struct poc_err e = { 0 };
	TPM2B_ID_OBJECT cred;
	TPM2B_ENCRYPTED_SECRET enc;
	uint8_t *buf = NULL;
	size_t len = 0;
	static const uint8_t head[] = { 0xba, 0xdc, 0xc0, 0xde, 0, 0, 0, 1, 0, 68 };

	memset(&cred, 0, sizeof(cred));
	memset(&enc, 0, sizeof(enc));
	cred.size = 68;
	memset(cred.credential, 0xcc, 68);
	enc.size = 256;
	memset(enc.secret, 0xee, 256);
	ok(poc_credential_file_encode(&e, &cred, &enc, &buf, &len) == 0, "credential file encodes");
	is_int(len, 8 + 2 + 68 + 2 + 256, "file length");
	ok(buf != NULL && memcmp(buf, head, sizeof(head)) == 0,
	   "magic BADCC0DE, version 1, BE size of the ID object");
	ok(buf != NULL && buf[78] == 0x01 && buf[79] == 0x00 && buf[80] == 0xee && buf[len - 1] == 0xee,
	   "then the encrypted secret as a TPM2B");
	free(buf);
	enc.size = 0;
	poc_err_clear(&e);
	ok(poc_credential_file_encode(&e, &cred, &enc, &buf, &len) == -1 && e.code == POC_ERR_ARG,
	   "an empty encrypted secret is refused");
}

int main(void)
{
	test_kdfa();
	test_kdfe();
	test_wrap();
	test_make(0);
	test_make(1);
	test_secret();
	test_file();
	return poc_test_done();
}
