/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Drives poc-pkcs11.so only through C_GetFunctionList (dlopen) for
 * tests/integration/p11-create.sh: what pkcs11-tool (OpenSC 0.23) cannot do.
 * TAP through tests/test.h; exit 0 when all passed.
 *
 *   p11-ops MODULE gcm TOKEN PIN         CKM_AES_GCM through C_Encrypt... and C_Decrypt... with CK_GCM_PARAMS (IV 12
 *                                        bytes, AAD, tags of 128 and 96 bits) on a C_GenerateKey key and on keys
 *                                        created from known bytes: single and multi-part, length queries,
 *                                        CKR_BUFFER_TOO_SMALL, tampered tag/AAD/ciphertext, OpenSSL's ciphertext
 *   p11-ops MODULE create TOKEN PIN DIR  C_CreateObject: Ed25519 (OID and "edwards25519"), P-384, RSA with and
 *                                        without CRT values, public keys, AES, certificates (derived attributes),
 *                                        the PKCS#11 v3.0 template errors; keeps "ed-kept" and "aes-kept" for
 *                                        reopen and writes DIR/ed.pub.pem
 *   p11-ops MODULE reopen TOKEN PIN DIR  a new process: the kept objects work after C_Login and carry
 *                                        CKA_POC_ATTESTATION_RECORD (DIR/ed.rec); DIR/data signed into DIR/ed.sig;
 *                                        C_DestroyObject removes them
 *   p11-ops MODULE gone TOKEN PIN        a new process: the destroyed objects are gone
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <p11-kit/pkcs11.h>

#include "pkcs11/poc-pkcs11.h"
#include "pkcs11/pkcs11_v3.h"
#include "p11-test.h"
#include "test.h"
#include "test-keys.h"

static CK_FUNCTION_LIST_PTR f;
static CK_SLOT_ID slot;
static CK_SESSION_HANDLE sess;
static void *lib; /* the module (dlopen) */

static const char *rv_name(CK_RV rv)
{
	switch (rv) {
	case CKR_OK: return "CKR_OK";
	case CKR_HOST_MEMORY: return "CKR_HOST_MEMORY";
	case CKR_GENERAL_ERROR: return "CKR_GENERAL_ERROR";
	case CKR_FUNCTION_FAILED: return "CKR_FUNCTION_FAILED";
	case CKR_ARGUMENTS_BAD: return "CKR_ARGUMENTS_BAD";
	case CKR_ATTRIBUTE_READ_ONLY: return "CKR_ATTRIBUTE_READ_ONLY";
	case CKR_ATTRIBUTE_SENSITIVE: return "CKR_ATTRIBUTE_SENSITIVE";
	case CKR_ATTRIBUTE_TYPE_INVALID: return "CKR_ATTRIBUTE_TYPE_INVALID";
	case CKR_ATTRIBUTE_VALUE_INVALID: return "CKR_ATTRIBUTE_VALUE_INVALID";
	case CKR_CURVE_NOT_SUPPORTED: return "CKR_CURVE_NOT_SUPPORTED";
	case CKR_DATA_LEN_RANGE: return "CKR_DATA_LEN_RANGE";
	case CKR_ENCRYPTED_DATA_INVALID: return "CKR_ENCRYPTED_DATA_INVALID";
	case CKR_ENCRYPTED_DATA_LEN_RANGE: return "CKR_ENCRYPTED_DATA_LEN_RANGE";
	case CKR_KEY_FUNCTION_NOT_PERMITTED: return "CKR_KEY_FUNCTION_NOT_PERMITTED";
	case CKR_KEY_HANDLE_INVALID: return "CKR_KEY_HANDLE_INVALID";
	case CKR_MECHANISM_PARAM_INVALID: return "CKR_MECHANISM_PARAM_INVALID";
	case CKR_OBJECT_HANDLE_INVALID: return "CKR_OBJECT_HANDLE_INVALID";
	case CKR_OPERATION_ACTIVE: return "CKR_OPERATION_ACTIVE";
	case CKR_OPERATION_NOT_INITIALIZED: return "CKR_OPERATION_NOT_INITIALIZED";
	case CKR_SESSION_READ_ONLY: return "CKR_SESSION_READ_ONLY";
	case CKR_SIGNATURE_INVALID: return "CKR_SIGNATURE_INVALID";
	case CKR_TEMPLATE_INCOMPLETE: return "CKR_TEMPLATE_INCOMPLETE";
	case CKR_TEMPLATE_INCONSISTENT: return "CKR_TEMPLATE_INCONSISTENT";
	case CKR_USER_NOT_LOGGED_IN: return "CKR_USER_NOT_LOGGED_IN";
	case CKR_BUFFER_TOO_SMALL: return "CKR_BUFFER_TOO_SMALL";
	default: return "(another CKR)";
	}
}

#define is_rv(got, want, ...) \
	(ok((got) == (want), __VA_ARGS__) || \
	 (diag("got %s (0x%lx), want %s", rv_name(got), (unsigned long)(got), rv_name(want)), 0))

/* ---- templates ---- */

#define TMPL_MAX 40

struct tmpl {
	CK_ATTRIBUTE a[TMPL_MAX];
	CK_ULONG n;
	CK_ULONG ul[TMPL_MAX]; /* storage of CK_ULONG and CK_BBOOL values, never reused */
	CK_BBOOL bo[TMPL_MAX];
	size_t nul, nbo;
	uint8_t id;
};

/* Replaces the attribute of type, or appends it. */
static void set(struct tmpl *t, CK_ATTRIBUTE_TYPE type, const void *p, CK_ULONG len)
{
	CK_ULONG i;

	for (i = 0; i < t->n && t->a[i].type != type; i++)
		;
	if (i == TMPL_MAX) {
		printf("Bail out! template too long\n");
		exit(1);
	}
	t->a[i].type = type;
	t->a[i].pValue = (void *)p;
	t->a[i].ulValueLen = len;
	if (i == t->n)
		t->n++;
}

static void add(struct tmpl *t, CK_ATTRIBUTE_TYPE type, const void *p, CK_ULONG len)
{
	if (t->n == TMPL_MAX) {
		printf("Bail out! template too long\n");
		exit(1);
	}
	t->a[t->n].type = type;
	t->a[t->n].pValue = (void *)p;
	t->a[t->n].ulValueLen = len;
	t->n++;
}

static void set_ul(struct tmpl *t, CK_ATTRIBUTE_TYPE type, CK_ULONG v)
{
	t->ul[t->nul] = v;
	set(t, type, &t->ul[t->nul++], sizeof(CK_ULONG));
}

static void set_bool(struct tmpl *t, CK_ATTRIBUTE_TYPE type, int v)
{
	t->bo[t->nbo] = v ? CK_TRUE : CK_FALSE;
	set(t, type, &t->bo[t->nbo++], sizeof(CK_BBOOL));
}

static void del(struct tmpl *t, CK_ATTRIBUTE_TYPE type)
{
	for (CK_ULONG i = 0; i < t->n; i++) {
		if (t->a[i].type == type) {
			memmove(&t->a[i], &t->a[i + 1], (t->n - i - 1) * sizeof(t->a[0]));
			t->n--;
			return;
		}
	}
}

/* CKA_CLASS, CKA_KEY_TYPE (unless (CK_ULONG)-1), CKA_TOKEN, CKA_LABEL, a one-byte CKA_ID; for private and
 * secret keys CKA_PRIVATE and CKA_SENSITIVE true, as pkcs11-tool --write-object sends them. */
static void base(struct tmpl *t, CK_OBJECT_CLASS class, CK_KEY_TYPE type, const char *label, uint8_t id)
{
	memset(t, 0, sizeof(*t));
	set_ul(t, CKA_CLASS, class);
	if (type != (CK_KEY_TYPE)-1)
		set_ul(t, CKA_KEY_TYPE, type);
	set_bool(t, CKA_TOKEN, 1);
	set(t, CKA_LABEL, label, strlen(label));
	t->id = id;
	set(t, CKA_ID, &t->id, 1);
	if (class == CKO_PRIVATE_KEY || class == CKO_SECRET_KEY) {
		set_bool(t, CKA_PRIVATE, 1);
		set_bool(t, CKA_SENSITIVE, 1);
	}
}

/* ---- the module ---- */

static CK_ULONG count_objects(void)
{
	CK_OBJECT_HANDLE h[64];
	CK_ULONG n = 0, got;

	if (f->C_FindObjectsInit(sess, NULL, 0) != CKR_OK)
		return (CK_ULONG)-1;
	do {
		got = 0;
		if (f->C_FindObjects(sess, h, 64, &got) != CKR_OK)
			break;
		n += got;
	} while (got == 64);
	f->C_FindObjectsFinal(sess);
	return n;
}

static CK_OBJECT_HANDLE find(CK_OBJECT_CLASS class, const char *label)
{
	return p11_test_find(f, sess, class, label);
}

static int find_slot(const char *token)
{
	return p11_test_find_slot(f, token, &slot);
}

static CK_RV create(const struct tmpl *t, CK_OBJECT_HANDLE *h)
{
	*h = CK_INVALID_HANDLE;
	return f->C_CreateObject(sess, (CK_ATTRIBUTE_PTR)t->a, t->n, h);
}

/* A template C_CreateObject must refuse with want, creating nothing. */
static void refuse(const struct tmpl *t, CK_RV want, const char *what)
{
	CK_ULONG before = count_objects(), after;
	CK_OBJECT_HANDLE h;
	CK_RV rv = create(t, &h);

	after = count_objects();
	if (!is_rv(rv, want, "C_CreateObject %s: %s", what, rv_name(want)))
		return;
	if (after != before || h != CK_INVALID_HANDLE)
		ok(0, "%s: no object left behind (%lu objects before, %lu after)", what, before, after);
}

static CK_OBJECT_HANDLE make(const struct tmpl *t, const char *what)
{
	CK_OBJECT_HANDLE h;
	CK_RV rv = create(t, &h);

	is_rv(rv, CKR_OK, "C_CreateObject %s", what);
	return h;
}

/* An attribute into buf (cap bytes); returns the rv, *len the length. */
static CK_RV get_attr(CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type, void *buf, CK_ULONG cap, CK_ULONG *len)
{
	CK_ATTRIBUTE a = { type, buf, cap };
	CK_RV rv = f->C_GetAttributeValue(sess, h, &a, 1);

	*len = a.ulValueLen;
	return rv;
}

static int attr_is(CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type, const void *want, CK_ULONG want_len)
{
	uint8_t buf[4096];
	CK_ULONG len = 0;

	return get_attr(h, type, buf, sizeof(buf), &len) == CKR_OK && len == want_len && memcmp(buf, want, len) == 0;
}

static int bool_is(CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type, int want)
{
	CK_BBOOL b = CK_FALSE;
	CK_ULONG len = 0;

	return get_attr(h, type, &b, sizeof(b), &len) == CKR_OK && len == 1 && (b != CK_FALSE) == (want != 0);
}

static CK_RV sign(CK_OBJECT_HANDLE key, CK_MECHANISM_TYPE mech, const uint8_t *in, CK_ULONG inlen, uint8_t *sig,
		  CK_ULONG *siglen)
{
	CK_MECHANISM m = { mech, NULL, 0 };
	CK_RV rv = f->C_SignInit(sess, &m, key);

	return rv == CKR_OK ? f->C_Sign(sess, (CK_BYTE_PTR)in, inlen, sig, siglen) : rv;
}

static CK_RV verify(CK_OBJECT_HANDLE key, CK_MECHANISM_TYPE mech, const uint8_t *in, CK_ULONG inlen,
		    const uint8_t *sig, CK_ULONG siglen)
{
	CK_MECHANISM m = { mech, NULL, 0 };
	CK_RV rv = f->C_VerifyInit(sess, &m, key);

	return rv == CKR_OK ? f->C_Verify(sess, (CK_BYTE_PTR)in, inlen, (CK_BYTE_PTR)sig, siglen) : rv;
}

static CK_RV destroy(CK_OBJECT_HANDLE h)
{
	return f->C_DestroyObject(sess, h);
}

/* ---- OpenSSL: keys, their PKCS#11 values, independent checks ---- */

static EVP_PKEY *keygen(const char *alg, const char *curve, size_t bits)
{
	EVP_PKEY *k = curve != NULL ? EVP_PKEY_Q_keygen(NULL, NULL, alg, curve)
				    : bits ? EVP_PKEY_Q_keygen(NULL, NULL, alg, bits) : EVP_PKEY_Q_keygen(NULL, NULL, alg);

	if (k == NULL) {
		printf("Bail out! OpenSSL cannot generate a %s key\n", alg);
		exit(1);
	}
	return k;
}

/* A big-endian value of k (padded to pad bytes when pad > 0) into buf; its length. */
static size_t bn_param(const EVP_PKEY *k, const char *name, uint8_t *buf, size_t cap, size_t pad)
{
	BIGNUM *bn = NULL;
	int n = 0;

	if (EVP_PKEY_get_bn_param(k, name, &bn) == 1 && (size_t)BN_num_bytes(bn) <= cap)
		n = pad ? BN_bn2binpad(bn, buf, (int)pad) : BN_bn2bin(bn, buf);
	BN_clear_free(bn);
	return n > 0 ? (size_t)n : 0;
}

static int ossl_verify(EVP_PKEY *pub, const EVP_MD *md, const uint8_t *data, size_t len, const uint8_t *sig,
		       size_t siglen)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int r = c != NULL && EVP_DigestVerifyInit(c, NULL, md, NULL, pub) == 1 &&
		EVP_DigestVerify(c, sig, siglen, data, len) == 1;

	EVP_MD_CTX_free(c);
	return r;
}

/* PKCS#11 ECDSA r||s to the DER OpenSSL verifies. */
static int ecdsa_verify(EVP_PKEY *pub, const EVP_MD *md, const uint8_t *data, size_t len, const uint8_t *rs,
			size_t rslen)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(rs, (int)(rslen / 2), NULL), *sv = BN_bin2bn(rs + rslen / 2, (int)(rslen / 2), NULL);
	unsigned char *der = NULL;
	int dlen = -1, ok = 0;

	if (s != NULL && r != NULL && sv != NULL && ECDSA_SIG_set0(s, r, sv) == 1) {
		r = sv = NULL;
		dlen = i2d_ECDSA_SIG(s, &der);
	}
	if (dlen > 0)
		ok = ossl_verify(pub, md, data, len, der, (size_t)dlen);
	OPENSSL_free(der);
	ECDSA_SIG_free(s);
	BN_free(r);
	BN_free(sv);
	return ok;
}

/* OpenSSL's AES-GCM of the same key, IV, AAD: ciphertext || tag (taglen bytes). */
static size_t ossl_gcm(const uint8_t *key, size_t keylen, const uint8_t *iv, size_t ivlen, const uint8_t *aad,
		       size_t aadlen, const uint8_t *pt, size_t ptlen, size_t taglen, uint8_t *out)
{
	const EVP_CIPHER *c = keylen == 16 ? EVP_aes_128_gcm() : keylen == 24 ? EVP_aes_192_gcm() : EVP_aes_256_gcm();
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, m = 0, r;

	r = ctx != NULL && EVP_EncryptInit_ex(ctx, c, NULL, NULL, NULL) == 1 &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, (int)ivlen, NULL) == 1 &&
	    EVP_EncryptInit_ex(ctx, NULL, NULL, key, iv) == 1 &&
	    (aadlen == 0 || EVP_EncryptUpdate(ctx, NULL, &n, aad, (int)aadlen) == 1) &&
	    (ptlen == 0 || EVP_EncryptUpdate(ctx, out, &n, pt, (int)ptlen) == 1) &&
	    EVP_EncryptFinal_ex(ctx, out + n, &m) == 1 &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, (int)taglen, out + ptlen) == 1;
	EVP_CIPHER_CTX_free(ctx);
	return r ? ptlen + taglen : 0;
}

static uint8_t *make_cert(EVP_PKEY *k, int *len)
{
	X509 *x = X509_new();
	X509_NAME *subj = X509_NAME_new(), *iss = X509_NAME_new();
	uint8_t *der = NULL;

	*len = -1;
	if (x != NULL && subj != NULL && iss != NULL && X509_set_version(x, 2) == 1 &&
	    ASN1_INTEGER_set(X509_get_serialNumber(x), 0x5a17c0de) == 1 &&
	    X509_NAME_add_entry_by_txt(subj, "CN", MBSTRING_ASC, (const unsigned char *)"p11-ops subject", -1, -1, 0) == 1 &&
	    X509_NAME_add_entry_by_txt(iss, "CN", MBSTRING_ASC, (const unsigned char *)"p11-ops issuer", -1, -1, 0) == 1 &&
	    X509_set_subject_name(x, subj) == 1 && X509_set_issuer_name(x, iss) == 1 &&
	    X509_gmtime_adj(X509_getm_notBefore(x), 0) != NULL && X509_gmtime_adj(X509_getm_notAfter(x), 86400) != NULL &&
	    X509_set_pubkey(x, k) == 1 && X509_sign(x, k, EVP_sha256()) > 0)
		*len = i2d_X509(x, &der);
	X509_NAME_free(subj);
	X509_NAME_free(iss);
	X509_free(x);
	if (*len <= 0) {
		printf("Bail out! cannot make a certificate\n");
		exit(1);
	}
	return der;
}

static int write_file(const char *dir, const char *name, const void *p, size_t len)
{
	char path[4096];
	FILE *fp;
	int good;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "wb")) == NULL)
		return 0;
	good = fwrite(p, 1, len, fp) == len;
	return fclose(fp) == 0 && good;
}

/* ---- AES-GCM ---- */

static const uint8_t known32[32] = {
	0x60, 0x3d, 0xeb, 0x10, 0x15, 0xca, 0x71, 0xbe, 0x2b, 0x73, 0xae, 0xf0, 0x85, 0x7d, 0x77, 0x81,
	0x1f, 0x35, 0x2c, 0x07, 0x3b, 0x61, 0x08, 0xd7, 0x2d, 0x98, 0x10, 0xa3, 0x09, 0x14, 0xdf, 0xf4,
};
static const uint8_t known24[24] = {
	0x8e, 0x73, 0xb0, 0xf7, 0xda, 0x0e, 0x64, 0x52, 0xc8, 0x10, 0xf3, 0x2b,
	0x80, 0x90, 0x79, 0xe5, 0x62, 0xf8, 0xea, 0xd2, 0x52, 0x2c, 0x6b, 0x7b,
};
static const uint8_t known16[16] = {
	0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c,
};
static const uint8_t gcm_iv[12] = { 0xca, 0xfe, 0xba, 0xbe, 0xfa, 0xce, 0xdb, 0xad, 0xde, 0xca, 0xf8, 0x88 };
static const uint8_t gcm_aad[20] = "poc-pkcs11 aad bytes";
#define PT_LEN 100

static CK_GCM_PARAMS gcm_params(const uint8_t *iv, const uint8_t *aad, CK_ULONG aadlen, CK_ULONG tagbits)
{
	CK_GCM_PARAMS p;

	memset(&p, 0, sizeof(p));
	p.pIv = (CK_BYTE_PTR)iv;
	p.ulIvLen = 12;
	p.ulIvBits = 96;
	p.pAAD = (CK_BYTE_PTR)aad;
	p.ulAADLen = aadlen;
	p.ulTagBits = tagbits;
	return p;
}

static CK_RV gcm_init(int enc, CK_OBJECT_HANDLE key, CK_GCM_PARAMS *p)
{
	CK_MECHANISM m = { CKM_AES_GCM, p, sizeof(*p) };

	return enc ? f->C_EncryptInit(sess, &m, key) : f->C_DecryptInit(sess, &m, key);
}

/* Decrypts ct in one call after init with p; returns the rv of C_Decrypt. */
static CK_RV gcm_decrypt(CK_OBJECT_HANDLE key, CK_GCM_PARAMS *p, const uint8_t *ct, CK_ULONG len, uint8_t *pt,
			 CK_ULONG *ptlen)
{
	CK_RV rv = gcm_init(0, key, p);

	return rv == CKR_OK ? f->C_Decrypt(sess, (CK_BYTE_PTR)ct, len, pt, ptlen) : rv;
}

static void gcm_suite(const char *name, CK_OBJECT_HANDLE key, const uint8_t *kb, size_t kl, CK_ULONG tagbits)
{
	const CK_ULONG tl = tagbits / 8, ctl = PT_LEN + tl;
	CK_GCM_PARAMS p = gcm_params(gcm_iv, gcm_aad, sizeof(gcm_aad), tagbits);
	uint8_t pt[PT_LEN], ct[PT_LEN + 16], ct2[PT_LEN + 16], ref[PT_LEN + 16], out[PT_LEN + 16], bad[PT_LEN + 16];
	CK_ULONG len, n1, n2, n3, n4;
	CK_RV rv;
	int i;

	for (i = 0; i < PT_LEN; i++)
		pt[i] = (uint8_t)(i * 7 + 1);
	/* Single-part encryption: size query, short buffer, the real thing. */
	is_rv(gcm_init(1, key, &p), CKR_OK, "%s tag %lu: C_EncryptInit", name, tagbits);
	len = 0;
	rv = f->C_Encrypt(sess, pt, PT_LEN, NULL, &len);
	if (!ok(rv == CKR_OK && len == ctl, "%s tag %lu: C_Encrypt size query gives %lu", name, tagbits, ctl))
		diag("rv %s, len %lu", rv_name(rv), len);
	len = ctl - 1;
	rv = f->C_Encrypt(sess, pt, PT_LEN, ct, &len);
	if (!ok(rv == CKR_BUFFER_TOO_SMALL && len == ctl,
		    "%s tag %lu: C_Encrypt into %lu bytes: CKR_BUFFER_TOO_SMALL, needed length", name, tagbits, ctl - 1))
		diag("rv %s, len %lu", rv_name(rv), len);
	len = sizeof(ct);
	rv = f->C_Encrypt(sess, pt, PT_LEN, ct, &len);
	if (!ok(rv == CKR_OK && len == ctl, "%s tag %lu: C_Encrypt (the operation survived the short buffer)", name, tagbits))
		diag("rv %s, len %lu", rv_name(rv), len);
	len = sizeof(out);
	is_rv(f->C_Encrypt(sess, pt, PT_LEN, out, &len), CKR_OPERATION_NOT_INITIALIZED,
	      "%s tag %lu: the operation ended with the ciphertext", name, tagbits);
	if (kb != NULL)
		ok(ossl_gcm(kb, kl, gcm_iv, 12, gcm_aad, sizeof(gcm_aad), pt, PT_LEN, tl, ref) == ctl &&
			   memcmp(ref, ct, ctl) == 0,
		   "%s tag %lu: ciphertext and tag equal OpenSSL's EVP AES-GCM", name, tagbits);

	/* Single-part decryption. */
	is_rv(gcm_init(0, key, &p), CKR_OK, "%s tag %lu: C_DecryptInit", name, tagbits);
	len = 0;
	rv = f->C_Decrypt(sess, ct, ctl, NULL, &len);
	if (!ok(rv == CKR_OK && len == PT_LEN, "%s tag %lu: C_Decrypt size query", name, tagbits))
		diag("rv %s, len %lu", rv_name(rv), len);
	len = PT_LEN - 1;
	rv = f->C_Decrypt(sess, ct, ctl, out, &len);
	if (!ok(rv == CKR_BUFFER_TOO_SMALL && len == PT_LEN, "%s tag %lu: C_Decrypt short buffer: CKR_BUFFER_TOO_SMALL", name,
		    tagbits))
		diag("rv %s, len %lu", rv_name(rv), len);
	len = sizeof(out);
	rv = f->C_Decrypt(sess, ct, ctl, out, &len);
	if (!ok(rv == CKR_OK && len == PT_LEN && memcmp(out, pt, PT_LEN) == 0, "%s tag %lu: C_Decrypt round trip", name,
		    tagbits))
		diag("rv %s, len %lu", rv_name(rv), len);

	/* Multi-part encryption: three updates (one with a short buffer), final with the tag. */
	is_rv(gcm_init(1, key, &p), CKR_OK, "%s tag %lu: C_EncryptInit (multi-part)", name, tagbits);
	n1 = 0;
	rv = f->C_EncryptUpdate(sess, pt, 5, NULL, &n1);
	if (!ok(rv == CKR_OK && n1 == 5, "%s tag %lu: C_EncryptUpdate size query", name, tagbits))
		diag("rv %s, len %lu", rv_name(rv), n1);
	n1 = sizeof(ct2);
	rv = f->C_EncryptUpdate(sess, pt, 5, ct2, &n1);
	n2 = sizeof(ct2) - n1;
	rv = rv == CKR_OK ? f->C_EncryptUpdate(sess, pt + 5, 35, ct2 + n1, &n2) : rv;
	n3 = 10;
	if (!ok(rv == CKR_OK && f->C_EncryptUpdate(sess, pt + 40, PT_LEN - 40, ct2 + n1 + n2, &n3) == CKR_BUFFER_TOO_SMALL &&
		    n3 == PT_LEN - 40,
		    "%s tag %lu: C_EncryptUpdate short buffer: CKR_BUFFER_TOO_SMALL, needed length", name, tagbits))
		diag("rv %s, n1 %lu n2 %lu n3 %lu", rv_name(rv), n1, n2, n3);
	n3 = sizeof(ct2) - n1 - n2;
	rv = f->C_EncryptUpdate(sess, pt + 40, PT_LEN - 40, ct2 + n1 + n2, &n3);
	if (!ok(rv == CKR_OK && n1 + n2 + n3 == PT_LEN, "%s tag %lu: C_EncryptUpdate x3", name, tagbits))
		diag("rv %s, %lu+%lu+%lu", rv_name(rv), n1, n2, n3);
	n4 = 0;
	rv = f->C_EncryptFinal(sess, NULL, &n4);
	if (!ok(rv == CKR_OK && n4 == tl, "%s tag %lu: C_EncryptFinal size query: the tag", name, tagbits))
		diag("rv %s, len %lu", rv_name(rv), n4);
	n4 = tl - 1;
	rv = f->C_EncryptFinal(sess, ct2 + PT_LEN, &n4);
	if (!ok(rv == CKR_BUFFER_TOO_SMALL && n4 == tl, "%s tag %lu: C_EncryptFinal short buffer", name, tagbits))
		diag("rv %s, len %lu", rv_name(rv), n4);
	n4 = sizeof(ct2) - PT_LEN;
	rv = f->C_EncryptFinal(sess, ct2 + PT_LEN, &n4);
	if (!ok(rv == CKR_OK && n4 == tl && memcmp(ct2, ct, ctl) == 0,
		    "%s tag %lu: multi-part ciphertext || tag equals the single-part one", name, tagbits))
		diag("rv %s, len %lu", rv_name(rv), n4);

	/* Multi-part decryption: updates release nothing before the tag is checked (DESIGN.md section 6). */
	is_rv(gcm_init(0, key, &p), CKR_OK, "%s tag %lu: C_DecryptInit (multi-part)", name, tagbits);
	n1 = sizeof(out);
	rv = f->C_DecryptUpdate(sess, ct, 50, out, &n1);
	n2 = sizeof(out);
	rv = rv == CKR_OK ? f->C_DecryptUpdate(sess, ct + 50, ctl - 50, out, &n2) : rv;
	if (!ok(rv == CKR_OK && n1 == 0 && n2 == 0, "%s tag %lu: C_DecryptUpdate outputs nothing unauthenticated", name,
		    tagbits))
		diag("rv %s, %lu %lu", rv_name(rv), n1, n2);
	n3 = 0;
	rv = f->C_DecryptFinal(sess, NULL, &n3);
	if (!ok(rv == CKR_OK && n3 == PT_LEN, "%s tag %lu: C_DecryptFinal size query", name, tagbits))
		diag("rv %s, len %lu", rv_name(rv), n3);
	n3 = 1;
	rv = f->C_DecryptFinal(sess, out, &n3);
	if (!ok(rv == CKR_BUFFER_TOO_SMALL && n3 == PT_LEN, "%s tag %lu: C_DecryptFinal short buffer", name, tagbits))
		diag("rv %s, len %lu", rv_name(rv), n3);
	n3 = sizeof(out);
	rv = f->C_DecryptFinal(sess, out, &n3);
	if (!ok(rv == CKR_OK && n3 == PT_LEN && memcmp(out, pt, PT_LEN) == 0, "%s tag %lu: multi-part decryption round trip",
		    name, tagbits))
		diag("rv %s, len %lu", rv_name(rv), n3);

	/* Tampering: the tag, a ciphertext byte, the AAD, the IV; a ciphertext shorter than the tag. */
	memcpy(bad, ct, ctl);
	bad[ctl - 1] ^= 0x01;
	len = sizeof(out);
	is_rv(gcm_decrypt(key, &p, bad, ctl, out, &len), CKR_ENCRYPTED_DATA_INVALID, "%s tag %lu: a changed tag", name,
	      tagbits);
	len = sizeof(out);
	is_rv(f->C_Decrypt(sess, ct, ctl, out, &len), CKR_OPERATION_NOT_INITIALIZED,
	      "%s tag %lu: the failed decryption ended the operation", name, tagbits);
	memcpy(bad, ct, ctl);
	bad[7] ^= 0x80;
	len = sizeof(out);
	is_rv(gcm_decrypt(key, &p, bad, ctl, out, &len), CKR_ENCRYPTED_DATA_INVALID, "%s tag %lu: a changed ciphertext byte",
	      name, tagbits);
	{
		uint8_t aad2[sizeof(gcm_aad)], iv2[12];
		CK_GCM_PARAMS p2;

		memcpy(aad2, gcm_aad, sizeof(aad2));
		aad2[0] ^= 0x01;
		p2 = gcm_params(gcm_iv, aad2, sizeof(aad2), tagbits);
		len = sizeof(out);
		is_rv(gcm_decrypt(key, &p2, ct, ctl, out, &len), CKR_ENCRYPTED_DATA_INVALID, "%s tag %lu: a changed AAD", name,
		      tagbits);
		p2 = gcm_params(gcm_iv, gcm_aad, sizeof(gcm_aad) - 1, tagbits);
		len = sizeof(out);
		is_rv(gcm_decrypt(key, &p2, ct, ctl, out, &len), CKR_ENCRYPTED_DATA_INVALID, "%s tag %lu: a shortened AAD",
		      name, tagbits);
		memcpy(iv2, gcm_iv, 12);
		iv2[11] ^= 0x01;
		p2 = gcm_params(iv2, gcm_aad, sizeof(gcm_aad), tagbits);
		len = sizeof(out);
		is_rv(gcm_decrypt(key, &p2, ct, ctl, out, &len), CKR_ENCRYPTED_DATA_INVALID, "%s tag %lu: another IV", name,
		      tagbits);
	}
	is_rv(gcm_init(0, key, &p), CKR_OK, "%s tag %lu: C_DecryptInit (multi-part, changed tag)", name, tagbits);
	memcpy(bad, ct, ctl);
	bad[PT_LEN] ^= 0x40;
	n1 = sizeof(out);
	rv = f->C_DecryptUpdate(sess, bad, ctl, out, &n1);
	n3 = sizeof(out);
	rv = rv == CKR_OK ? f->C_DecryptFinal(sess, out, &n3) : rv;
	is_rv(rv, CKR_ENCRYPTED_DATA_INVALID, "%s tag %lu: multi-part decryption with a changed tag", name, tagbits);
	len = sizeof(out);
	is_rv(gcm_decrypt(key, &p, ct, tl - 1, out, &len), CKR_ENCRYPTED_DATA_LEN_RANGE,
	      "%s tag %lu: a ciphertext shorter than the tag", name, tagbits);

	/* No plaintext: the output is the tag alone (GMAC of the AAD). */
	is_rv(gcm_init(1, key, &p), CKR_OK, "%s tag %lu: C_EncryptInit (empty plaintext)", name, tagbits);
	len = sizeof(ct2);
	rv = f->C_Encrypt(sess, NULL, 0, ct2, &len);
	if (!ok(rv == CKR_OK && len == tl &&
		    (kb == NULL ||
		    (ossl_gcm(kb, kl, gcm_iv, 12, gcm_aad, sizeof(gcm_aad), NULL, 0, tl, ref) == tl && memcmp(ref, ct2, tl) == 0)),
		    "%s tag %lu: an empty plaintext gives the tag%s", name, tagbits, kb != NULL ? " (= OpenSSL's)" : ""))
		diag("rv %s, len %lu", rv_name(rv), len);
	len = sizeof(out);
	rv = gcm_decrypt(key, &p, ct2, tl, out, &len);
	if (!ok(rv == CKR_OK && len == 0, "%s tag %lu: the tag alone decrypts to nothing", name, tagbits))
		diag("rv %s, len %lu", rv_name(rv), len);
}

static CK_OBJECT_HANDLE aes_known(const uint8_t *k, size_t len, const char *label, uint8_t id)
{
	struct tmpl t;

	base(&t, CKO_SECRET_KEY, CKK_AES, label, id);
	set(&t, CKA_VALUE, k, len);
	return make(&t, label);
}

static void run_gcm(void)
{
	static const CK_ULONG tags[2] = { 128, 96 };
	CK_MECHANISM gen = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_OBJECT_CLASS sk = CKO_SECRET_KEY;
	CK_KEY_TYPE aes = CKK_AES;
	CK_ULONG vlen = 32;
	CK_BBOOL yes = CK_TRUE;
	uint8_t gid = 0x31;
	CK_ATTRIBUTE gt[] = {
		{ CKA_CLASS, &sk, sizeof(sk) },        { CKA_KEY_TYPE, &aes, sizeof(aes) }, { CKA_VALUE_LEN, &vlen, sizeof(vlen) },
		{ CKA_TOKEN, &yes, sizeof(yes) },      { CKA_ENCRYPT, &yes, sizeof(yes) },  { CKA_DECRYPT, &yes, sizeof(yes) },
		{ CKA_LABEL, "gcm-gen", 7 },           { CKA_ID, &gid, 1 },
	};
	struct {
		const char *name;
		const uint8_t *k;
		size_t len;
		CK_OBJECT_HANDLE h;
	} keys[4] = {
		{ "generated AES-256", NULL, 32, CK_INVALID_HANDLE },
		{ "created AES-256", known32, 32, CK_INVALID_HANDLE },
		{ "created AES-192", known24, 24, CK_INVALID_HANDLE },
		{ "created AES-128", known16, 16, CK_INVALID_HANDLE },
	};
	CK_OBJECT_HANDLE enc_only;
	CK_GCM_PARAMS p;
	CK_MECHANISM m;
	struct tmpl t;
	CK_RV rv;

	rv = f->C_GenerateKey(sess, &gen, gt, sizeof(gt) / sizeof(gt[0]), &keys[0].h);
	is_rv(rv, CKR_OK, "C_GenerateKey AES-256");
	keys[1].h = aes_known(known32, 32, "gcm-known32", 0x32);
	keys[2].h = aes_known(known24, 24, "gcm-known24", 0x33);
	keys[3].h = aes_known(known16, 16, "gcm-known16", 0x34);
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 2; j++)
			gcm_suite(keys[i].name, keys[i].h, keys[i].k, keys[i].len, tags[j]);

	/* Parameters the module refuses (it takes tags of 96..128 bits). */
	p = gcm_params(gcm_iv, gcm_aad, sizeof(gcm_aad), 64);
	is_rv(gcm_init(1, keys[1].h, &p), CKR_MECHANISM_PARAM_INVALID, "CKM_AES_GCM with a 64-bit tag");
	p = gcm_params(gcm_iv, gcm_aad, sizeof(gcm_aad), 128);
	p.ulIvLen = 0;
	is_rv(gcm_init(1, keys[1].h, &p), CKR_MECHANISM_PARAM_INVALID, "CKM_AES_GCM with no IV");
	m.mechanism = CKM_AES_GCM;
	m.pParameter = NULL;
	m.ulParameterLen = 0;
	is_rv(f->C_EncryptInit(sess, &m, keys[1].h), CKR_MECHANISM_PARAM_INVALID, "CKM_AES_GCM without CK_GCM_PARAMS");

	/* CKA_DECRYPT false at creation: encryption only. */
	base(&t, CKO_SECRET_KEY, CKK_AES, "gcm-encrypt-only", 0x35);
	set(&t, CKA_VALUE, known16, 16);
	set_bool(&t, CKA_DECRYPT, 0);
	enc_only = make(&t, "AES key with CKA_DECRYPT false");
	ok(bool_is(enc_only, CKA_DECRYPT, 0) && bool_is(enc_only, CKA_ENCRYPT, 1),
	   "its CKA_DECRYPT is false, CKA_ENCRYPT true");
	p = gcm_params(gcm_iv, gcm_aad, sizeof(gcm_aad), 128);
	is_rv(gcm_init(0, enc_only, &p), CKR_KEY_FUNCTION_NOT_PERMITTED,
	      "C_DecryptInit with it: CKR_KEY_FUNCTION_NOT_PERMITTED");
	is_rv(gcm_init(1, enc_only, &p), CKR_OK, "C_EncryptInit with it");
	{
		uint8_t out[64];
		CK_ULONG len = sizeof(out);

		is_rv(f->C_Encrypt(sess, (CK_BYTE_PTR)"x", 1, out, &len), CKR_OK, "and C_Encrypt");
	}
	for (int i = 0; i < 4; i++)
		is_rv(destroy(keys[i].h), CKR_OK, "C_DestroyObject %s", keys[i].name);
	is_rv(destroy(enc_only), CKR_OK, "C_DestroyObject the encrypt-only key");
}

/* ---- C_CreateObject ---- */

static const uint8_t oid_p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
static const uint8_t oid_p384[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22 };
static const uint8_t oid_k256[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a }; /* secp256k1 */
static const uint8_t oid_ed25519[] = { 0x06, 0x03, 0x2b, 0x65, 0x70 };
static const uint8_t oid_ed448[] = { 0x06, 0x03, 0x2b, 0x65, 0x71 };
static const uint8_t str_ed25519[] = "\x13\x0c" "edwards25519";
static const uint8_t str_ed448[] = "\x13\x0a" "edwards448";
static const uint8_t p256_order[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};
static const uint8_t data[] = "signed by a key that C_CreateObject sealed";
#define DATA_LEN (sizeof(data) - 1)

struct ec_mat {
	uint8_t d[66], pt[140], ptder[142];
	size_t dl, ptl, ptderl;
};

static void ec_mat(EVP_PKEY *k, size_t order_bytes, struct ec_mat *m)
{
	size_t l = 0;

	m->dl = bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY, m->d, sizeof(m->d), order_bytes);
	if (EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, m->pt, sizeof(m->pt), &l) != 1)
		l = 0;
	m->ptl = l;
	m->ptder[0] = 0x04;
	m->ptder[1] = (uint8_t)l;
	memcpy(m->ptder + 2, m->pt, l);
	m->ptderl = l + 2;
}

enum { R_N, R_E, R_D, R_P, R_Q, R_DP, R_DQ, R_QI, R_NV };
#define R_ALL 0xffu
#define R_NED ((1u << R_N) | (1u << R_E) | (1u << R_D))
#define R_NEDPQ (R_NED | (1u << R_P) | (1u << R_Q))

struct rsa_mat {
	uint8_t v[R_NV][512];
	size_t len[R_NV];
};

static void rsa_mat(EVP_PKEY *k, struct rsa_mat *m)
{
	static const char *const names[R_NV] = {
		OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,         OSSL_PKEY_PARAM_RSA_D,
		OSSL_PKEY_PARAM_RSA_FACTOR1,   OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
		OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
	};
	for (int i = 0; i < R_NV; i++)
		m->len[i] = bn_param(k, names[i], m->v[i], sizeof(m->v[i]), 0);
}

/* An RSA private key template with the components of mask (from a, except those of mix taken from b). */
static void rsa_tmpl(struct tmpl *t, const struct rsa_mat *a, const struct rsa_mat *b, unsigned mask, unsigned mix,
		     const char *label, uint8_t id)
{
	static const CK_ATTRIBUTE_TYPE types[R_NV] = {
		CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT, CKA_PRIME_1,
		CKA_PRIME_2, CKA_EXPONENT_1,      CKA_EXPONENT_2,       CKA_COEFFICIENT,
	};

	base(t, CKO_PRIVATE_KEY, CKK_RSA, label, id);
	for (int i = 0; i < R_NV; i++) {
		const struct rsa_mat *m = (mix & (1u << i)) ? b : a;

		if (mask & (1u << i))
			add(t, types[i], m->v[i], m->len[i]);
	}
}

static void ec_tmpl(struct tmpl *t, const uint8_t *params, size_t plen, const struct ec_mat *m, const char *label,
		    uint8_t id)
{
	base(t, CKO_PRIVATE_KEY, CKK_EC, label, id);
	set(t, CKA_EC_PARAMS, params, plen);
	set(t, CKA_VALUE, m->d, m->dl);
}

static void create_ed25519(const char *dir)
{
	EVP_PKEY *k = keygen("ED25519", NULL, 0), *pub;
	uint8_t priv[32], rawpub[32], pubder[34], sig[128], out[256];
	size_t pl = sizeof(priv), ql = sizeof(rawpub);
	CK_OBJECT_HANDLE h, hpub, h2, hp;
	CK_ULONG siglen, len;
	struct tmpl t, u;
	CK_RV rv;
	BIO *bio;

	if (EVP_PKEY_get_raw_private_key(k, priv, &pl) != 1 || EVP_PKEY_get_raw_public_key(k, rawpub, &ql) != 1 ||
	    (pub = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, rawpub, 32)) == NULL) {
		printf("Bail out! Ed25519 key bytes\n");
		exit(1);
	}
	pubder[0] = 0x04;
	pubder[1] = 32;
	memcpy(pubder + 2, rawpub, 32);

	base(&t, CKO_PRIVATE_KEY, CKK_EC_EDWARDS, "ed-kept", 0x41);
	set(&t, CKA_EC_PARAMS, oid_ed25519, sizeof(oid_ed25519));
	set(&t, CKA_VALUE, priv, 32);
	/* What cannot be: each one refused, nothing created. */
	u = t;
	set(&u, CKA_VALUE, priv, 31);
	refuse(&u, CKR_ATTRIBUTE_VALUE_INVALID, "Ed25519 with a 31-byte CKA_VALUE");
	u = t;
	del(&u, CKA_VALUE);
	refuse(&u, CKR_TEMPLATE_INCOMPLETE, "Ed25519 without CKA_VALUE");
	u = t;
	del(&u, CKA_EC_PARAMS);
	refuse(&u, CKR_TEMPLATE_INCOMPLETE, "Ed25519 without CKA_EC_PARAMS");
	u = t;
	set(&u, CKA_EC_PARAMS, oid_ed448, sizeof(oid_ed448));
	refuse(&u, CKR_CURVE_NOT_SUPPORTED, "Ed448 (OID)");
	u = t;
	set(&u, CKA_EC_PARAMS, str_ed448, sizeof(str_ed448) - 1);
	refuse(&u, CKR_CURVE_NOT_SUPPORTED, "Ed448 (\"edwards448\")");
	u = t;
	set(&u, CKA_EC_PARAMS, "\x13\x05" "ed", 4);
	refuse(&u, CKR_ATTRIBUTE_VALUE_INVALID, "Ed25519 with malformed CKA_EC_PARAMS");
	u = t;
	set(&u, CKA_EC_POINT, rawpub, 32); /* the bare key, where the object reports the DER OCTET STRING */
	refuse(&u, CKR_TEMPLATE_INCONSISTENT, "Ed25519 with a CKA_EC_POINT other than the key's encoding");

	h = make(&t, "Ed25519 private key (CKA_EC_PARAMS: OID 1.3.101.112)");
	hpub = find(CKO_PUBLIC_KEY, "ed-kept");
	ok(hpub != CK_INVALID_HANDLE, "its public key object exists");
	{
		CK_KEY_TYPE kt = CKK_EC_EDWARDS;

		ok(attr_is(h, CKA_KEY_TYPE, &kt, sizeof(kt)) && attr_is(h, CKA_EC_PARAMS, oid_ed25519, sizeof(oid_ed25519)) &&
			   attr_is(hpub, CKA_EC_POINT, pubder, sizeof(pubder)),
		   "CKA_KEY_TYPE, CKA_EC_PARAMS and the public CKA_EC_POINT are the key's");
	}
	ok(bool_is(h, CKA_SENSITIVE, 1) && bool_is(h, CKA_EXTRACTABLE, 0) && bool_is(h, CKA_ALWAYS_SENSITIVE, 0) &&
		   bool_is(h, CKA_NEVER_EXTRACTABLE, 0) && bool_is(h, CKA_LOCAL, 0) && bool_is(h, CKA_PRIVATE, 1) &&
		   bool_is(h, CKA_SIGN, 1) && bool_is(h, CKA_DECRYPT, 0),
	   "sensitive, not extractable, not always sensitive (made outside), not local, private, sign only");
	len = sizeof(out);
	is_rv(get_attr(h, CKA_VALUE, out, sizeof(out), &len), CKR_ATTRIBUTE_SENSITIVE, "its CKA_VALUE is sensitive");
	ok(len == CK_UNAVAILABLE_INFORMATION, "with ulValueLen CK_UNAVAILABLE_INFORMATION");
	siglen = sizeof(sig);
	rv = sign(h, CKM_EDDSA, data, DATA_LEN, sig, &siglen);
	if (!ok(rv == CKR_OK && siglen == 64 && ossl_verify(pub, NULL, data, DATA_LEN, sig, siglen),
		    "CKM_EDDSA signature verifies with OpenSSL against the original public key"))
		diag("rv %s", rv_name(rv));
	is_rv(verify(hpub, CKM_EDDSA, data, DATA_LEN, sig, siglen), CKR_OK, "and with C_Verify on its public key object");
	len = 0;
	rv = get_attr(h, CKA_POC_ATTESTATION_RECORD, NULL, 0, &len);
	if (!ok(rv == CKR_OK && len > 16 && len != CK_UNAVAILABLE_INFORMATION,
		    "after its release it carries CKA_POC_ATTESTATION_RECORD (%lu bytes)", len))
		diag("rv %s", rv_name(rv));
	refuse(&t, CKR_TEMPLATE_INCONSISTENT, "the same key again (same class and CKA_ID)");

	/* The v3.0 printable curve name; the object reports the OID. */
	base(&u, CKO_PRIVATE_KEY, CKK_EC_EDWARDS, "ed-str", 0x42);
	set(&u, CKA_EC_PARAMS, str_ed25519, sizeof(str_ed25519) - 1);
	set(&u, CKA_VALUE, priv, 32);
	h2 = make(&u, "Ed25519 private key (CKA_EC_PARAMS: PrintableString \"edwards25519\")");
	ok(attr_is(h2, CKA_EC_PARAMS, oid_ed25519, sizeof(oid_ed25519)), "it reports CKA_EC_PARAMS as the OID");
	siglen = sizeof(sig);
	rv = sign(h2, CKM_EDDSA, data, DATA_LEN, sig, &siglen);
	if (!ok(rv == CKR_OK && ossl_verify(pub, NULL, data, DATA_LEN, sig, siglen), "its signature verifies with OpenSSL"))
		diag("rv %s", rv_name(rv));

	/* An Ed25519 public key object, from the bare key and from the DER OCTET STRING. */
	base(&u, CKO_PUBLIC_KEY, CKK_EC_EDWARDS, "ed-pub", 0x43);
	set(&u, CKA_EC_PARAMS, oid_ed25519, sizeof(oid_ed25519));
	set(&u, CKA_EC_POINT, rawpub, 32);
	hp = make(&u, "Ed25519 public key (bare CKA_EC_POINT)");
	ok(attr_is(hp, CKA_EC_POINT, pubder, sizeof(pubder)) && bool_is(hp, CKA_PRIVATE, 0) && bool_is(hp, CKA_VERIFY, 1),
	   "it reports the DER CKA_EC_POINT, public, verify");
	is_rv(verify(hp, CKM_EDDSA, data, DATA_LEN, sig, siglen), CKR_OK, "C_Verify with it");
	sig[0] ^= 1;
	is_rv(verify(hp, CKM_EDDSA, data, DATA_LEN, sig, siglen), CKR_SIGNATURE_INVALID, "and a changed signature fails");
	is_rv(destroy(hp), CKR_OK, "C_DestroyObject the public key");
	base(&u, CKO_PUBLIC_KEY, CKK_EC_EDWARDS, "ed-pub", 0x43);
	set(&u, CKA_EC_PARAMS, str_ed25519, sizeof(str_ed25519) - 1);
	set(&u, CKA_EC_POINT, pubder, sizeof(pubder));
	hp = make(&u, "Ed25519 public key (DER CKA_EC_POINT, \"edwards25519\")");
	set(&u, CKA_EC_POINT, rawpub, 31);
	refuse(&u, CKR_ATTRIBUTE_VALUE_INVALID, "Ed25519 public key of 31 bytes");
	is_rv(destroy(hp), CKR_OK, "C_DestroyObject the public key");
	is_rv(destroy(h2), CKR_OK, "C_DestroyObject \"ed-str\"");

	/* For the restart: the public key of "ed-kept". */
	{
		char path[4096];

		snprintf(path, sizeof(path), "%s/ed.pub.pem", dir);
		bio = BIO_new_file(path, "w");
		ok(bio != NULL && PEM_write_bio_PUBKEY(bio, pub) == 1, "ed.pub.pem written");
		BIO_free(bio);
	}
	OPENSSL_cleanse(priv, sizeof(priv));
	EVP_PKEY_free(pub);
	EVP_PKEY_free(k);
}

static void create_ec(void)
{
	EVP_PKEY *k = keygen("EC", "P-384", 0), *k2 = keygen("EC", "P-256", 0);
	struct ec_mat m, m2;
	struct tmpl t, u;
	CK_OBJECT_HANDLE h, hpub;
	uint8_t sig[128], buf[160];
	CK_ULONG siglen;
	CK_RV rv;

	ec_mat(k, 48, &m);
	ec_mat(k2, 32, &m2);
	ec_tmpl(&t, oid_p384, sizeof(oid_p384), &m, "p384", 0x44);
	set(&t, CKA_EC_POINT, m.ptder, m.ptderl); /* given, and equal to the key's */
	h = make(&t, "EC P-384 private key (with its CKA_EC_POINT)");
	hpub = find(CKO_PUBLIC_KEY, "p384");
	ok(attr_is(hpub, CKA_EC_POINT, m.ptder, m.ptderl) && attr_is(h, CKA_EC_PARAMS, oid_p384, sizeof(oid_p384)),
	   "its public key object has the point computed from the scalar");
	siglen = sizeof(sig);
	rv = sign(h, CKM_ECDSA_SHA384, data, DATA_LEN, sig, &siglen);
	if (!ok(rv == CKR_OK && siglen == 96 && ecdsa_verify(k, EVP_sha384(), data, DATA_LEN, sig, siglen),
		    "CKM_ECDSA_SHA384 signature verifies with OpenSSL"))
		diag("rv %s", rv_name(rv));
	is_rv(destroy(h), CKR_OK, "C_DestroyObject the P-384 key");
	ok(find(CKO_PUBLIC_KEY, "p384") == CK_INVALID_HANDLE && find(CKO_PRIVATE_KEY, "p384") == CK_INVALID_HANDLE,
	   "its private and public objects are gone");

	ec_tmpl(&t, oid_p256, sizeof(oid_p256), &m2, "p256-neg", 0x45);
	u = t;
	set(&u, CKA_EC_POINT, m.ptder, m.ptderl);
	refuse(&u, CKR_TEMPLATE_INCONSISTENT, "P-256 key with another key's CKA_EC_POINT");
	u = t;
	set(&u, CKA_EC_PARAMS, oid_k256, sizeof(oid_k256));
	refuse(&u, CKR_CURVE_NOT_SUPPORTED, "secp256k1 key");
	u = t;
	set(&u, CKA_EC_PARAMS, "\x06\x08\x2a\x86\x48", 5);
	refuse(&u, CKR_ATTRIBUTE_VALUE_INVALID, "truncated CKA_EC_PARAMS");
	u = t;
	set(&u, CKA_EC_PARAMS, "\x04\x02\x01\x02", 4);
	refuse(&u, CKR_ATTRIBUTE_VALUE_INVALID, "CKA_EC_PARAMS that is no OID");
	u = t;
	memset(buf, 0, 32);
	set(&u, CKA_VALUE, buf, 32);
	refuse(&u, CKR_ATTRIBUTE_VALUE_INVALID, "EC scalar 0");
	u = t;
	set(&u, CKA_VALUE, p256_order, sizeof(p256_order));
	refuse(&u, CKR_ATTRIBUTE_VALUE_INVALID, "EC scalar equal to the group order");
	u = t;
	del(&u, CKA_VALUE);
	refuse(&u, CKR_TEMPLATE_INCOMPLETE, "EC key without CKA_VALUE");
	u = t;
	set(&u, CKA_VALUE, m2.d, 0);
	refuse(&u, CKR_ATTRIBUTE_VALUE_INVALID, "EC key with an empty CKA_VALUE");
	u = t;
	del(&u, CKA_EC_PARAMS);
	refuse(&u, CKR_TEMPLATE_INCOMPLETE, "EC key without CKA_EC_PARAMS");
	u = t;
	set(&u, CKA_PRIME_1, m2.d, m2.dl);
	refuse(&u, CKR_ATTRIBUTE_TYPE_INVALID, "EC key with CKA_PRIME_1");
	u = t;
	set(&u, CKA_MODULUS, m2.d, m2.dl);
	refuse(&u, CKR_ATTRIBUTE_TYPE_INVALID, "EC key with CKA_MODULUS");

	/* EC public keys: a point off the curve. */
	base(&u, CKO_PUBLIC_KEY, CKK_EC, "p256-pub", 0x46);
	set(&u, CKA_EC_PARAMS, oid_p256, sizeof(oid_p256));
	memcpy(buf, m2.ptder, m2.ptderl);
	buf[m2.ptderl - 1] ^= 0x01;
	set(&u, CKA_EC_POINT, buf, m2.ptderl);
	refuse(&u, CKR_ATTRIBUTE_VALUE_INVALID, "EC public key with a point off the curve");
	set(&u, CKA_EC_POINT, m2.ptder, m2.ptderl - 1);
	refuse(&u, CKR_ATTRIBUTE_VALUE_INVALID, "EC public key with a truncated point");
	set(&u, CKA_EC_POINT, m2.pt, m2.ptl); /* bare, as some applications send it */
	h = make(&u, "EC P-256 public key (bare CKA_EC_POINT)");
	ok(attr_is(h, CKA_EC_POINT, m2.ptder, m2.ptderl) && bool_is(h, CKA_VERIFY, 1), "it reports the DER point, verify");
	siglen = sizeof(sig);
	{
		/* An independent signature: OpenSSL signs, the token's public key object verifies. */
		EVP_MD_CTX *c = EVP_MD_CTX_new();
		unsigned char der[80];
		const unsigned char *r = der;
		size_t dl = sizeof(der);
		ECDSA_SIG *es = NULL;
		const BIGNUM *br, *bs;

		if (c != NULL && EVP_DigestSignInit(c, NULL, EVP_sha256(), NULL, k2) == 1 &&
		    EVP_DigestSign(c, der, &dl, data, DATA_LEN) == 1 && (es = d2i_ECDSA_SIG(NULL, &r, (long)dl)) != NULL) {
			ECDSA_SIG_get0(es, &br, &bs);
			BN_bn2binpad(br, sig, 32);
			BN_bn2binpad(bs, sig + 32, 32);
			siglen = 64;
		}
		ECDSA_SIG_free(es);
		EVP_MD_CTX_free(c);
	}
	is_rv(verify(h, CKM_ECDSA_SHA256, data, DATA_LEN, sig, siglen), CKR_OK, "C_Verify of an OpenSSL ECDSA signature");
	is_rv(destroy(h), CKR_OK, "C_DestroyObject the EC public key");
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
}

static void create_rsa(void)
{
	EVP_PKEY *k = poc_test_key(poc_test_rsa2048_a), *k2 = poc_test_key(poc_test_rsa2048_b), *small = poc_test_key(poc_test_rsa768);
	struct rsa_mat *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b)), *s = calloc(1, sizeof(*s));
	CK_OBJECT_HANDLE h, hp;
	uint8_t sig[512];
	CK_ULONG siglen;
	struct tmpl t;
	CK_RV rv;

	if (a == NULL || b == NULL || s == NULL) {
		printf("Bail out! memory\n");
		exit(1);
	}
	rsa_mat(k, a);
	rsa_mat(k2, b);
	rsa_mat(small, s);

	rsa_tmpl(&t, a, a, R_ALL, 0, "rsa-full", 0x47);
	h = make(&t, "RSA-2048 private key with every CRT value");
	ok(attr_is(find(CKO_PUBLIC_KEY, "rsa-full"), CKA_MODULUS, a->v[R_N], a->len[R_N]) && bool_is(h, CKA_SIGN, 1) &&
		   bool_is(h, CKA_DECRYPT, 1),
	   "its public key has the modulus; sign and decrypt");
	siglen = sizeof(sig);
	rv = sign(h, CKM_SHA256_RSA_PKCS, data, DATA_LEN, sig, &siglen);
	if (!ok(rv == CKR_OK && ossl_verify(k, EVP_sha256(), data, DATA_LEN, sig, siglen),
		    "CKM_SHA256_RSA_PKCS signature verifies with OpenSSL"))
		diag("rv %s", rv_name(rv));

	/* A public key object from CKA_MODULUS and CKA_PUBLIC_EXPONENT. */
	base(&t, CKO_PUBLIC_KEY, CKK_RSA, "rsa-pub", 0x48);
	add(&t, CKA_MODULUS, a->v[R_N], a->len[R_N]);
	add(&t, CKA_PUBLIC_EXPONENT, a->v[R_E], a->len[R_E]);
	set_ul(&t, CKA_MODULUS_BITS, 2048);
	refuse(&t, CKR_ATTRIBUTE_READ_ONLY, "RSA public key with CKA_MODULUS_BITS (set by the token)");
	del(&t, CKA_MODULUS_BITS);
	hp = make(&t, "RSA public key");
	is_rv(verify(hp, CKM_SHA256_RSA_PKCS, data, DATA_LEN, sig, siglen), CKR_OK, "C_Verify with it");
	{
		CK_ULONG bits = 2048;

		ok(attr_is(hp, CKA_MODULUS_BITS, &bits, sizeof(bits)) && bool_is(hp, CKA_ENCRYPT, 1),
		   "CKA_MODULUS_BITS 2048, encrypt");
	}
	is_rv(destroy(hp), CKR_OK, "C_DestroyObject the RSA public key");
	is_rv(destroy(h), CKR_OK, "C_DestroyObject \"rsa-full\"");

	rsa_tmpl(&t, a, a, R_NEDPQ, 0, "rsa-pq", 0x49);
	h = make(&t, "RSA private key with the primes only (CRT exponents computed)");
	siglen = sizeof(sig);
	rv = sign(h, CKM_SHA256_RSA_PKCS, data, DATA_LEN, sig, &siglen);
	if (!ok(rv == CKR_OK && ossl_verify(k, EVP_sha256(), data, DATA_LEN, sig, siglen),
		    "its signature verifies with OpenSSL"))
		diag("rv %s", rv_name(rv));
	is_rv(destroy(h), CKR_OK, "C_DestroyObject \"rsa-pq\"");

	/* n, e, d alone: OpenSSL uses the key, but PKCS#8 (RSAPrivateKey) cannot hold it without the primes. */
	rsa_tmpl(&t, a, a, R_NED, 0, "rsa-ned", 0x4a);
	refuse(&t, CKR_TEMPLATE_INCOMPLETE, "RSA private key without primes (OpenSSL cannot encode it)");

	rsa_tmpl(&t, a, b, R_ALL, 1u << R_N, "rsa-bad", 0x4b);
	refuse(&t, CKR_TEMPLATE_INCONSISTENT, "RSA key whose modulus is another key's");
	rsa_tmpl(&t, a, b, R_ALL, 1u << R_DP, "rsa-bad", 0x4b);
	refuse(&t, CKR_TEMPLATE_INCONSISTENT, "RSA key with another key's CKA_EXPONENT_1");
	rsa_tmpl(&t, a, b, R_NED, 1u << R_D, "rsa-bad", 0x4b);
	refuse(&t, CKR_TEMPLATE_INCONSISTENT, "RSA key (no primes) with another key's private exponent");
	rsa_tmpl(&t, a, a, R_NED | (1u << R_P), 0, "rsa-bad", 0x4b);
	refuse(&t, CKR_TEMPLATE_INCOMPLETE, "RSA key with CKA_PRIME_1 but no CKA_PRIME_2");
	rsa_tmpl(&t, a, a, R_ALL & ~(1u << R_D), 0, "rsa-bad", 0x4b);
	refuse(&t, CKR_TEMPLATE_INCOMPLETE, "RSA key without CKA_PRIVATE_EXPONENT");
	rsa_tmpl(&t, a, a, R_ALL & ~(1u << R_N), 0, "rsa-bad", 0x4b);
	refuse(&t, CKR_TEMPLATE_INCOMPLETE, "RSA key without CKA_MODULUS");
	rsa_tmpl(&t, s, s, R_ALL, 0, "rsa-bad", 0x4b);
	refuse(&t, CKR_TEMPLATE_INCONSISTENT, "RSA-768 key (this token takes 1024-4096 bits)");
	rsa_tmpl(&t, a, a, R_ALL, 0, "rsa-bad", 0x4b);
	set(&t, CKA_EC_PARAMS, oid_p256, sizeof(oid_p256));
	refuse(&t, CKR_ATTRIBUTE_TYPE_INVALID, "RSA key with CKA_EC_PARAMS");
	free(a);
	free(b);
	free(s);
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
	EVP_PKEY_free(small);
}

/* The generic template rules, on an EC P-256 key. */
static void create_rules(void)
{
	EVP_PKEY *k = keygen("EC", "P-256", 0);
	struct ec_mat m;
	struct tmpl t, u;
	CK_OBJECT_HANDLE h;
	CK_BYTE four[4] = { 1, 0, 0, 0 }, buf[64];
	CK_ULONG len = 0;
	uint8_t sig[128];
	CK_ULONG siglen = sizeof(sig);

	ec_mat(k, 32, &m);
	ec_tmpl(&t, oid_p256, sizeof(oid_p256), &m, "rules", 0x4c);
	u = t;
	del(&u, CKA_CLASS);
	refuse(&u, CKR_TEMPLATE_INCOMPLETE, "without CKA_CLASS");
	u = t;
	set(&u, CKA_CLASS, four, 4);
	refuse(&u, CKR_ATTRIBUTE_VALUE_INVALID, "CKA_CLASS of 4 bytes");
	u = t;
	set_ul(&u, CKA_CLASS, CKO_HW_FEATURE);
	refuse(&u, CKR_ATTRIBUTE_VALUE_INVALID, "CKO_HW_FEATURE");
	u = t;
	del(&u, CKA_KEY_TYPE);
	refuse(&u, CKR_TEMPLATE_INCOMPLETE, "private key without CKA_KEY_TYPE");
	u = t;
	set_ul(&u, CKA_KEY_TYPE, CKK_DSA);
	refuse(&u, CKR_ATTRIBUTE_VALUE_INVALID, "CKK_DSA");
	u = t;
	set(&u, CKA_SENSITIVE, four, 4);
	refuse(&u, CKR_ATTRIBUTE_VALUE_INVALID, "CKA_SENSITIVE of 4 bytes");
	u = t;
	set_bool(&u, CKA_SENSITIVE, 0);
	set_bool(&u, CKA_TOKEN, 0);
	h = make(&u, "CKA_SENSITIVE false (a session object)");
	ok(bool_is(h, CKA_SENSITIVE, 0) && bool_is(h, CKA_EXTRACTABLE, 0), "not sensitive, not extractable");
	is_rv(get_attr(h, CKA_VALUE, buf, sizeof(buf), &len), CKR_ATTRIBUTE_SENSITIVE,
	      "its CKA_VALUE is still not revealed (unextractable): CKR_ATTRIBUTE_SENSITIVE");
	is_rv(destroy(h), CKR_OK, "C_DestroyObject it");
	u = t;
	set_bool(&u, CKA_EXTRACTABLE, 1);
	refuse(&u, CKR_TEMPLATE_INCONSISTENT, "CKA_EXTRACTABLE true");
	u = t;
	set_bool(&u, CKA_PRIVATE, 0);
	refuse(&u, CKR_TEMPLATE_INCONSISTENT, "a private key with CKA_PRIVATE false on a token with a PIN");
	u = t;
	set_bool(&u, CKA_TOKEN, 0);
	h = make(&u, "CKA_TOKEN false: a session object");
	ok(bool_is(h, CKA_TOKEN, 0) && bool_is(h, CKA_LOCAL, 0) && bool_is(h, CKA_ALWAYS_SENSITIVE, 0),
	   "its CKA_TOKEN, CKA_LOCAL, CKA_ALWAYS_SENSITIVE are false");
	is_rv(destroy(h), CKR_OK, "C_DestroyObject the session object");
	u = t;
	set_bool(&u, CKA_UNWRAP, 1);
	refuse(&u, CKR_TEMPLATE_INCONSISTENT, "CKA_UNWRAP true (no EC unwrapping)");
	u = t;
	set_bool(&u, CKA_DECRYPT, 1);
	refuse(&u, CKR_TEMPLATE_INCONSISTENT, "CKA_DECRYPT true on an EC key");
	u = t;
	set_bool(&u, CKA_LOCAL, 0);
	refuse(&u, CKR_ATTRIBUTE_READ_ONLY, "CKA_LOCAL (set by the token)");
	u = t;
	set_bool(&u, CKA_ALWAYS_SENSITIVE, 1);
	refuse(&u, CKR_ATTRIBUTE_READ_ONLY, "CKA_ALWAYS_SENSITIVE");
	u = t;
	set_ul(&u, CKA_KEY_GEN_MECHANISM, CKM_EC_KEY_PAIR_GEN);
	refuse(&u, CKR_ATTRIBUTE_READ_ONLY, "CKA_KEY_GEN_MECHANISM");
	u = t;
	set(&u, CKA_POC_ATTESTATION_RECORD, four, 4);
	refuse(&u, CKR_ATTRIBUTE_READ_ONLY, "CKA_POC_ATTESTATION_RECORD");
	u = t;
	set_bool(&u, CKA_VERIFY, 1);
	refuse(&u, CKR_ATTRIBUTE_TYPE_INVALID, "CKA_VERIFY on a private key");
	u = t;
	set(&u, 0x80001234UL, four, 4);
	refuse(&u, CKR_ATTRIBUTE_TYPE_INVALID, "an unknown vendor attribute");
	u = t;
	add(&u, CKA_LABEL, "other", 5);
	refuse(&u, CKR_TEMPLATE_INCONSISTENT, "CKA_LABEL twice with two values");
	u = t;
	del(&u, CKA_LABEL);
	del(&u, CKA_ID);
	refuse(&u, CKR_TEMPLATE_INCOMPLETE, "neither CKA_ID nor CKA_LABEL (the store names objects by them)");
	u = t;
	set(&u, CKA_LABEL, "a\0b", 3);
	refuse(&u, CKR_ATTRIBUTE_VALUE_INVALID, "a CKA_LABEL with a NUL byte");
	u = t;
	set(&u, CKA_START_DATE, "20260101", 8);
	refuse(&u, CKR_TEMPLATE_INCONSISTENT, "a CKA_START_DATE (not kept)");
	u = t;
	set(&u, CKA_SUBJECT, "\x30\x00", 2);
	refuse(&u, CKR_TEMPLATE_INCONSISTENT, "a CKA_SUBJECT on a key without certificate");

	/* Accepted: the same attribute twice with one value, empty dates, CKA_SIGN false. */
	u = t;
	add(&u, CKA_LABEL, "rules", 5);
	set(&u, CKA_START_DATE, "", 0);
	set_bool(&u, CKA_SIGN, 0);
	set_bool(&u, CKA_DESTROYABLE, 1);
	set_bool(&u, CKA_COPYABLE, 0);
	h = make(&u, "CKA_LABEL twice with one value, an empty CKA_START_DATE, CKA_SIGN false");
	ok(bool_is(h, CKA_SIGN, 0), "its CKA_SIGN is false");
	is_rv(sign(h, CKM_ECDSA_SHA256, data, DATA_LEN, sig, &siglen), CKR_KEY_FUNCTION_NOT_PERMITTED,
	      "C_SignInit with it: CKR_KEY_FUNCTION_NOT_PERMITTED");
	is_rv(destroy(h), CKR_OK, "C_DestroyObject it");
	is_rv(destroy(h), CKR_OBJECT_HANDLE_INVALID, "C_DestroyObject again: CKR_OBJECT_HANDLE_INVALID");
	EVP_PKEY_free(k);
}

static void create_aes(void)
{
	static const uint8_t zero[16];
	uint8_t cv[16], bad[3];
	struct tmpl t, u;
	CK_OBJECT_HANDLE h;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0;

	/* CKA_CHECK_VALUE: the first 3 bytes of the ECB encryption of a zero block. */
	if (c == NULL || EVP_EncryptInit_ex(c, EVP_aes_256_ecb(), NULL, known32, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(c, 0) != 1 || EVP_EncryptUpdate(c, cv, &n, zero, 16) != 1) {
		printf("Bail out! AES check value\n");
		exit(1);
	}
	EVP_CIPHER_CTX_free(c);
	base(&t, CKO_SECRET_KEY, CKK_AES, "aes-kept", 0x4d);
	set(&t, CKA_VALUE, known32, 32);
	u = t;
	set(&u, CKA_VALUE, known32, 17);
	refuse(&u, CKR_ATTRIBUTE_VALUE_INVALID, "AES key of 17 bytes");
	u = t;
	del(&u, CKA_VALUE);
	refuse(&u, CKR_TEMPLATE_INCOMPLETE, "AES key without CKA_VALUE");
	u = t;
	set_ul(&u, CKA_VALUE_LEN, 32);
	refuse(&u, CKR_ATTRIBUTE_READ_ONLY, "AES key with CKA_VALUE_LEN (not given to C_CreateObject)");
	u = t;
	memcpy(bad, cv, 3);
	bad[2] ^= 1;
	set(&u, CKA_CHECK_VALUE, bad, 3);
	refuse(&u, CKR_TEMPLATE_INCONSISTENT, "AES key with a wrong CKA_CHECK_VALUE");
	u = t;
	set_bool(&u, CKA_PRIVATE, 0);
	refuse(&u, CKR_TEMPLATE_INCONSISTENT, "AES key with CKA_PRIVATE false (pkcs11-tool's default)");
	u = t;
	u = t;
	set_bool(&u, CKA_SIGN_RECOVER, 1);
	refuse(&u, CKR_TEMPLATE_INCONSISTENT, "AES key with CKA_SIGN_RECOVER true (no recovery here)");
	u = t;
	set_bool(&u, CKA_DERIVE, 1);
	refuse(&u, CKR_TEMPLATE_INCONSISTENT, "AES key with CKA_DERIVE true (no derivation from AES keys here)");
	u = t;
	set_ul(&u, CKA_KEY_TYPE, CKK_IDEA);
	refuse(&u, CKR_ATTRIBUTE_VALUE_INVALID, "CKK_IDEA (not a key type of this token)");
	set(&t, CKA_CHECK_VALUE, cv, 3);
	h = make(&t, "AES-256 key with its CKA_CHECK_VALUE");
	ok(bool_is(h, CKA_ENCRYPT, 1) && bool_is(h, CKA_DECRYPT, 1) && bool_is(h, CKA_SENSITIVE, 1) &&
		   bool_is(h, CKA_ALWAYS_SENSITIVE, 0) && bool_is(h, CKA_EXTRACTABLE, 0),
	   "encrypt, decrypt, sensitive, not always sensitive, not extractable");
}

static void create_cert(void)
{
	EVP_PKEY *k = keygen("EC", "P-256", 0);
	X509 *x;
	int dl = 0;
	uint8_t *der = make_cert(k, &dl), *sder = NULL, *ider = NULL, *nder = NULL, md[32], junk[8] = { 0x30, 0x03, 1, 2, 3 };
	const uint8_t *p = der;
	int sl, il, nl;
	struct tmpl t, u;
	CK_OBJECT_HANDLE h, h2;

	x = d2i_X509(NULL, &p, dl);
	sl = i2d_X509_NAME(X509_get_subject_name(x), &sder);
	il = i2d_X509_NAME(X509_get_issuer_name(x), &ider);
	nl = i2d_ASN1_INTEGER(X509_get_serialNumber(x), &nder);
	if (x == NULL || sl <= 0 || il <= 0 || nl <= 0 || EVP_Digest(der, (size_t)dl, md, NULL, EVP_sha1(), NULL) != 1) {
		printf("Bail out! certificate fields\n");
		exit(1);
	}
	base(&t, CKO_CERTIFICATE, (CK_KEY_TYPE)-1, "cert", 0x4e);
	set_ul(&t, CKA_CERTIFICATE_TYPE, CKC_X_509);
	set(&t, CKA_VALUE, der, (CK_ULONG)dl);
	u = t;
	del(&u, CKA_CERTIFICATE_TYPE);
	refuse(&u, CKR_TEMPLATE_INCOMPLETE, "certificate without CKA_CERTIFICATE_TYPE");
	u = t;
	set_ul(&u, CKA_CERTIFICATE_TYPE, CKC_WTLS);
	refuse(&u, CKR_ATTRIBUTE_VALUE_INVALID, "a WTLS certificate");
	u = t;
	set(&u, CKA_VALUE, junk, 5);
	refuse(&u, CKR_ATTRIBUTE_VALUE_INVALID, "certificate CKA_VALUE that is no certificate");
	u = t;
	set(&u, CKA_VALUE, der, (CK_ULONG)dl - 1);
	refuse(&u, CKR_ATTRIBUTE_VALUE_INVALID, "truncated certificate");
	u = t;
	del(&u, CKA_VALUE);
	refuse(&u, CKR_TEMPLATE_INCOMPLETE, "certificate without CKA_VALUE");
	u = t;
	set(&u, CKA_SUBJECT, ider, (CK_ULONG)il);
	refuse(&u, CKR_TEMPLATE_INCONSISTENT, "certificate with a CKA_SUBJECT not its own");
	u = t;
	set_bool(&u, CKA_PRIVATE, 1);
	refuse(&u, CKR_TEMPLATE_INCONSISTENT, "certificate with CKA_PRIVATE true (certificates are public)");
	u = t;
	set_bool(&u, CKA_TRUSTED, 1);
	refuse(&u, CKR_ATTRIBUTE_READ_ONLY, "certificate with CKA_TRUSTED true (the SO's to set)");
	u = t;
	set(&u, CKA_URL, "http://x", 8);
	refuse(&u, CKR_TEMPLATE_INCONSISTENT, "certificate with a CKA_URL (not kept)");
	u = t;
	set_ul(&u, CKA_KEY_TYPE, CKK_EC);
	refuse(&u, CKR_ATTRIBUTE_TYPE_INVALID, "certificate with CKA_KEY_TYPE");

	h = make(&t, "X.509 certificate without CKA_SUBJECT/CKA_ISSUER/CKA_SERIAL_NUMBER");
	ok(attr_is(h, CKA_SUBJECT, sder, (CK_ULONG)sl) && attr_is(h, CKA_ISSUER, ider, (CK_ULONG)il) &&
		   attr_is(h, CKA_SERIAL_NUMBER, nder, (CK_ULONG)nl),
	   "CKA_SUBJECT, CKA_ISSUER and CKA_SERIAL_NUMBER derived from the DER");
	ok(attr_is(h, CKA_VALUE, der, (CK_ULONG)dl) && attr_is(h, CKA_CHECK_VALUE, md, 3) && bool_is(h, CKA_PRIVATE, 0),
	   "CKA_VALUE, CKA_CHECK_VALUE (SHA-1), public");
	u = t;
	u.id = 0x4f;
	set(&u, CKA_ID, &u.id, 1);
	set(&u, CKA_SUBJECT, sder, (CK_ULONG)sl);
	set(&u, CKA_ISSUER, ider, (CK_ULONG)il);
	set(&u, CKA_SERIAL_NUMBER, nder, (CK_ULONG)nl);
	set(&u, CKA_CHECK_VALUE, md, 3);
	h2 = make(&u, "X.509 certificate with its own CKA_SUBJECT, CKA_ISSUER, CKA_SERIAL_NUMBER, CKA_CHECK_VALUE");
	is_rv(destroy(h), CKR_OK, "C_DestroyObject the certificate");
	is_rv(destroy(h2), CKR_OK, "C_DestroyObject the other certificate");
	OPENSSL_free(der);
	OPENSSL_free(sder);
	OPENSSL_free(ider);
	OPENSSL_free(nder);
	X509_free(x);
	EVP_PKEY_free(k);
}

/* PKCS#11 v3.0 through C_GetInterface: an unknown name; C_SessionCancel of the session's active encryption. */
static void session_cancel(void)
{
	CK_RV (*gi)(CK_UTF8CHAR_PTR, CK_VERSION_PTR, CK_INTERFACE_PTR_PTR, CK_FLAGS);
	CK_INTERFACE *in = NULL;
	CK_FUNCTION_LIST_3_0 *f3;
	uint8_t pt[4] = { 0 }, ct[64];
	CK_ULONG len = sizeof(ct);

	*(void **)&gi = dlsym(lib, "C_GetInterface");
	if (gi == NULL) {
		ok(0, "C_GetInterface exported");
		return;
	}
	is_rv(gi((CK_UTF8CHAR_PTR) "PKCS 12", NULL, &in, 0), CKR_ARGUMENTS_BAD,
	      "C_GetInterface with an unknown name: CKR_ARGUMENTS_BAD");
	is_rv(gi((CK_UTF8CHAR_PTR) "PKCS 11", NULL, &in, 0), CKR_OK, "C_GetInterface \"PKCS 11\"");
	f3 = in != NULL ? in->pFunctionList : NULL;
	if (f3 == NULL || f3->version.major != 3) {
		ok(0, "the first interface is v3.0");
		return;
	}
	is_rv(f3->C_SessionCancel(sess, CKF_ENCRYPT), CKR_OK, "C_SessionCancel(CKF_ENCRYPT)");
	is_rv(f->C_Encrypt(sess, pt, 4, ct, &len), CKR_OPERATION_NOT_INITIALIZED,
	      "the cancelled encryption: CKR_OPERATION_NOT_INITIALIZED");
	is_rv(f3->C_SessionCancel(sess, CKF_SIGN | CKF_DECRYPT), CKR_OK, "C_SessionCancel of nothing active");
}

/* C_SetAttributeValue and C_CopyObject on session objects (data object hd, AES key hk), from session ro. */
static void session_edit(CK_SESSION_HANDLE ro, CK_OBJECT_HANDLE hd, CK_OBJECT_HANDLE hk)
{
	static uint8_t v2[4] = { 0xfa, 0xce, 0xfe, 0xed };
	CK_OBJECT_CLASS cpub = CKO_PUBLIC_KEY;
	CK_BBOOL no = CK_FALSE, yes = CK_TRUE;
	CK_ATTRIBUTE lab = { CKA_LABEL, "renamed", 7 }, cls = { CKA_CLASS, &cpub, sizeof(cpub) };
	CK_ATTRIBUTE val = { CKA_VALUE, v2, 4 }, sens_t = { CKA_SENSITIVE, &yes, 1 }, sens_f = { CKA_SENSITIVE, &no, 1 };
	CK_ATTRIBUTE extr = { CKA_EXTRACTABLE, &yes, 1 }, nocopy = { CKA_COPYABLE, &no, 1 };
	CK_OBJECT_HANDLE c1 = CK_INVALID_HANDLE, c2 = CK_INVALID_HANDLE, c3 = CK_INVALID_HANDLE;
	CK_ULONG s1 = 0, s2 = 0;

	is_rv(f->C_SetAttributeValue(ro, hd, &lab, 1), CKR_OK, "C_SetAttributeValue CKA_LABEL of a session object");
	ok(attr_is(hd, CKA_LABEL, "renamed", 7), "its new label");
	is_rv(f->C_SetAttributeValue(ro, hd, &cls, 1), CKR_ATTRIBUTE_READ_ONLY, "CKA_CLASS: CKR_ATTRIBUTE_READ_ONLY");
	is_rv(f->C_SetAttributeValue(ro, hd, &val, 1), CKR_ATTRIBUTE_READ_ONLY, "CKA_VALUE: CKR_ATTRIBUTE_READ_ONLY");
	is_rv(f->C_SetAttributeValue(ro, hk, &sens_t, 1), CKR_OK, "CKA_SENSITIVE true");
	is_rv(f->C_SetAttributeValue(ro, hk, &sens_f, 1), CKR_ATTRIBUTE_READ_ONLY, "CKA_SENSITIVE back to false: CKR_ATTRIBUTE_READ_ONLY");
	is_rv(f->C_SetAttributeValue(ro, hk, &extr, 1), CKR_ATTRIBUTE_READ_ONLY, "CKA_EXTRACTABLE to true: CKR_ATTRIBUTE_READ_ONLY");
	is_rv(f->C_CopyObject(ro, hd, NULL, 0, &c1), CKR_OK, "C_CopyObject of the data object");
	ok(f->C_GetObjectSize(ro, hd, &s1) == CKR_OK && f->C_GetObjectSize(ro, c1, &s2) == CKR_OK && s1 == s2,
	   "the copy has the same size");
	ok(attr_is(c1, CKA_VALUE, "\xde\xad\xbe\xef", 4) && attr_is(c1, CKA_LABEL, "renamed", 7), "the copy's value and label");
	is_rv(f->C_CopyObject(ro, hd, &val, 1, &c2), CKR_OK, "a copy with another CKA_VALUE");
	ok(attr_is(c2, CKA_VALUE, v2, 4), "its value");
	is_rv(f->C_CopyObject(ro, hd, &cls, 1, &c3), CKR_ATTRIBUTE_READ_ONLY, "a copy with another CKA_CLASS: CKR_ATTRIBUTE_READ_ONLY");
	is_rv(f->C_CopyObject(ro, hk, &nocopy, 1, &c3), CKR_OK, "a copy of the key, not copyable");
	ok(bool_is(c3, CKA_SENSITIVE, 1) && bool_is(c3, CKA_ALWAYS_SENSITIVE, 1) && bool_is(c3, CKA_LOCAL, 1),
	   "the key's copy: sensitive, always sensitive, local (as its original)");
	is_rv(f->C_CopyObject(ro, c3, NULL, 0, &c2), CKR_ACTION_PROHIBITED, "copying it: CKR_ACTION_PROHIBITED");
	is_rv(f->C_DestroyObject(ro, c1), CKR_OK, "C_DestroyObject a copy in the read-only session");
}

/*
 * Session objects (CKA_TOKEN false or absent): made in a read-only session
 * without login when public, seen by the application's other sessions, with
 * no Proof-of-Cloud record, gone when their session closes; a private one
 * needs the login and goes at logout. Also the state rule after a refused
 * call, C_SeedRandom and C_Logout while logged out.
 */
static void session_objects(void)
{
	static uint8_t val[4] = { 0xde, 0xad, 0xbe, 0xef }, iv[12];
	CK_OBJECT_CLASS cd = CKO_DATA;
	CK_BBOOL no = CK_FALSE, yes = CK_TRUE;
	CK_ULONG vlen = 16, s1 = 0, s2 = 0, len = 0, n = 0;
	CK_ATTRIBUTE dt[] = { { CKA_CLASS, &cd, sizeof(cd) }, { CKA_APPLICATION, "app", 3 }, { CKA_VALUE, val, 4 },
				{ CKA_LABEL, "sess-data", 9 }, { CKA_PRIVATE, &no, 1 } };
	CK_ATTRIBUTE key[] = { { CKA_LABEL, "sess-aes", 8 }, { CKA_VALUE_LEN, &vlen, sizeof(vlen) },
			       { CKA_PRIVATE, &no, 1 }, { CKA_ENCRYPT, &yes, 1 }, { CKA_DECRYPT, &yes, 1 } };
	CK_ATTRIBUTE find_t[] = { { CKA_TOKEN, &no, 1 } };
	CK_MECHANISM gen = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_GCM_PARAMS gp = { iv, sizeof(iv), sizeof(iv) * 8, NULL, 0, 128 };
	CK_MECHANISM gcm = { CKM_AES_GCM, &gp, sizeof(gp) };
	CK_SESSION_HANDLE ro;
	CK_OBJECT_HANDLE hd = CK_INVALID_HANDLE, hk = CK_INVALID_HANDLE, found[4];
	CK_ULONG mech = 0;
	uint8_t buf[64];

	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &ro), CKR_OK, "C_OpenSession read-only");
	is_rv(f->C_CreateObject(ro, dt, 5, &hd), CKR_OK, "a public session data object, read-only session, no login");
	dt[4].pValue = &yes;
	is_rv(f->C_CreateObject(ro, dt, 5, &found[0]), CKR_USER_NOT_LOGGED_IN,
	      "a private session object before C_Login: CKR_USER_NOT_LOGGED_IN");
	is_rv(f->C_GenerateKey(ro, &gen, key, 5, &hk), CKR_OK, "C_GenerateKey AES, no CKA_TOKEN, read-only session");
	ok(f->C_FindObjectsInit(sess, find_t, 1) == CKR_OK && f->C_FindObjects(sess, found, 4, &n) == CKR_OK &&
		   f->C_FindObjectsFinal(sess) == CKR_OK && n == 2,
	   "another session finds both with CKA_TOKEN false");
	ok(attr_is(hd, CKA_VALUE, val, 4) && attr_is(hd, CKA_APPLICATION, "app", 3) && bool_is(hd, CKA_TOKEN, 0),
	   "the data object's CKA_VALUE, CKA_APPLICATION, CKA_TOKEN false");
	ok(bool_is(hk, CKA_LOCAL, 1) && bool_is(hk, CKA_ALWAYS_SENSITIVE, 1) && bool_is(hk, CKA_NEVER_EXTRACTABLE, 1) &&
		   get_attr(hk, CKA_KEY_GEN_MECHANISM, &mech, sizeof(mech), &len) == CKR_OK && mech == CKM_AES_KEY_GEN,
	   "the key: CKA_LOCAL, CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE, CKA_KEY_GEN_MECHANISM CKM_AES_KEY_GEN");
	is_rv(get_attr(hk, CKA_POC_ATTESTATION_RECORD, buf, sizeof(buf), &len), CKR_ATTRIBUTE_TYPE_INVALID,
	      "no Proof-of-Cloud record for a session key");
	ok(f->C_GetObjectSize(sess, hd, &s1) == CKR_OK && f->C_GetObjectSize(ro, hd, &s2) == CKR_OK && s1 == s2 && s1 > 0,
	   "C_GetObjectSize: the same size twice (%lu)", s1);
	is_rv(f->C_EncryptInit(sess, &gcm, hk), CKR_OK, "C_EncryptInit AES-GCM with the session key");
	is_rv(f->C_Encrypt(sess, val, 4, buf, NULL), CKR_ARGUMENTS_BAD, "C_Encrypt without a length: CKR_ARGUMENTS_BAD");
	len = sizeof(buf);
	is_rv(f->C_Encrypt(sess, val, 4, buf, &len), CKR_OPERATION_NOT_INITIALIZED,
	      "the refused call ended the operation: CKR_OPERATION_NOT_INITIALIZED");
	is_rv(f->C_EncryptInit(sess, &gcm, hk), CKR_OK, "C_EncryptInit again");
	session_cancel();
	is_rv(f->C_EncryptInit(sess, &gcm, hk), CKR_OK, "C_EncryptInit after C_SessionCancel");
	len = sizeof(buf);
	is_rv(f->C_Encrypt(sess, val, 4, buf, &len), CKR_OK, "C_Encrypt with the session key");
	is_rv(f->C_SeedRandom(sess, val, 4), CKR_OK, "C_SeedRandom");
	session_edit(ro, hd, hk);
	is_rv(f->C_Logout(sess), CKR_USER_NOT_LOGGED_IN, "C_Logout while logged out: CKR_USER_NOT_LOGGED_IN");
	is_rv(f->C_CloseSession(ro), CKR_OK, "C_CloseSession of their session");
	is_rv(get_attr(hd, CKA_LABEL, buf, sizeof(buf), &len), CKR_OBJECT_HANDLE_INVALID, "the data object is gone");
	is_rv(get_attr(hk, CKA_LABEL, buf, sizeof(buf), &len), CKR_OBJECT_HANDLE_INVALID, "the key is gone");
}

/* A token AES key renamed, given a new CKA_ID (re-sealed: a new file), used, copied; the copy's own seal. */
static void token_edit(void)
{
	static uint8_t iv[12];
	CK_GCM_PARAMS gp = { iv, sizeof(iv), sizeof(iv) * 8, NULL, 0, 128 };
	CK_MECHANISM gcm = { CKM_AES_GCM, &gp, sizeof(gp) };
	CK_BBOOL no = CK_FALSE, yes = CK_TRUE;
	uint8_t id2 = 0x5f, id3 = 0x60, pt[16] = { 1 }, ct[64];
	CK_OBJECT_CLASS cdata = CKO_DATA;
	CK_ATTRIBUTE lab = { CKA_LABEL, "aes-edited", 10 }, id = { CKA_ID, &id2, 1 }, cls = { CKA_CLASS, &cdata, sizeof(cdata) };
	CK_ATTRIBUTE cp_tok[] = { { CKA_TOKEN, &yes, 1 }, { CKA_ID, &id3, 1 }, { CKA_LABEL, "aes-copy", 8 } };
	CK_ATTRIBUTE cp_sess[] = { { CKA_TOKEN, &no, 1 } };
	CK_OBJECT_HANDLE h, h2 = CK_INVALID_HANDLE, h3 = CK_INVALID_HANDLE;
	CK_ULONG len = sizeof(ct);
	struct tmpl t;

	base(&t, CKO_SECRET_KEY, CKK_AES, "aes-edit", 0x5e);
	set(&t, CKA_VALUE, known32, 32);
	h = make(&t, "a token AES key to edit");
	is_rv(f->C_SetAttributeValue(sess, h, &lab, 1), CKR_OK, "C_SetAttributeValue CKA_LABEL of a token key (re-sealed)");
	is_rv(f->C_SetAttributeValue(sess, h, &id, 1), CKR_OK, "C_SetAttributeValue CKA_ID (a new file)");
	ok(find(CKO_SECRET_KEY, "aes-edited") == h && attr_is(h, CKA_ID, &id2, 1), "found under its new label, same handle, new id");
	is_rv(f->C_SetAttributeValue(sess, h, &cls, 1), CKR_ATTRIBUTE_READ_ONLY, "CKA_CLASS: CKR_ATTRIBUTE_READ_ONLY");
	ok(f->C_EncryptInit(sess, &gcm, h) == CKR_OK && f->C_Encrypt(sess, pt, 16, ct, &len) == CKR_OK,
	   "the re-sealed key encrypts (released from its new file)");
	is_rv(f->C_CopyObject(sess, h, cp_sess, 1, &h2), CKR_ACTION_PROHIBITED,
	      "a session copy of a sealed key: CKR_ACTION_PROHIBITED (a sealed secret stays sealed)");
	is_rv(f->C_CopyObject(sess, h, cp_tok, 3, &h3), CKR_OK, "a token copy under another CKA_ID: sealed too");
	len = sizeof(ct);
	ok(bool_is(h3, CKA_TOKEN, 1) && f->C_EncryptInit(sess, &gcm, h3) == CKR_OK && f->C_Encrypt(sess, pt, 16, ct, &len) == CKR_OK,
	   "the copy is a token object and encrypts");
	is_rv(destroy(h3), CKR_OK, "C_DestroyObject the copy");
	/* A token data object renamed (kept: p11-create.sh releases it with poctool, then edits its header on disk). */
	{
		CK_OBJECT_CLASS cd = CKO_DATA;
		CK_ATTRIBUTE dt[] = { { CKA_CLASS, &cd, sizeof(cd) }, { CKA_TOKEN, &yes, 1 }, { CKA_VALUE, "kept-value", 10 },
				      { CKA_LABEL, "data-edit", 9 } };
		CK_ATTRIBUTE dl = { CKA_LABEL, "data-edited", 11 };

		is_rv(f->C_CreateObject(sess, dt, 4, &h2), CKR_OK, "a token data object");
		is_rv(f->C_SetAttributeValue(sess, h2, &dl, 1), CKR_OK, "C_SetAttributeValue its CKA_LABEL (re-sealed)");
	}
}

/* A private session object lives until the logout (then the login again). */
static void session_private(const char *pin)
{
	static uint8_t val[2] = { 1, 2 };
	CK_OBJECT_CLASS cd = CKO_DATA;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE dt[] = { { CKA_CLASS, &cd, sizeof(cd) }, { CKA_VALUE, val, 2 }, { CKA_PRIVATE, &yes, 1 } };
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	uint8_t buf[8];
	CK_ULONG len = 0;

	is_rv(f->C_CreateObject(sess, dt, 3, &h), CKR_OK, "a private session object, logged in");
	ok(attr_is(h, CKA_VALUE, val, 2) && bool_is(h, CKA_PRIVATE, 1), "its value, CKA_PRIVATE true");
	is_rv(f->C_Logout(sess), CKR_OK, "C_Logout");
	is_rv(f->C_Login(sess, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin)), CKR_OK, "C_Login again");
	is_rv(get_attr(h, CKA_VALUE, buf, sizeof(buf), &len), CKR_OBJECT_HANDLE_INVALID, "it went at the logout");
}

/*
 * CKA_PRIVATE left out: a session key made without the login is public (and
 * usable), made with it private; a token object, public or not, needs the
 * login (this token seals every token object under the PIN).
 */
static void default_private(int logged_in)
{
	static const uint8_t p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
	CK_OBJECT_CLASS c = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &c, sizeof(c) }, { CKA_KEY_TYPE, &kt, sizeof(kt) },
			     { CKA_VALUE, (void *)known16, 16 }, { CKA_ENCRYPT, &yes, 1 },
			     { CKA_TOKEN, &no, 1 }, { CKA_PRIVATE, &no, 1 }, { CKA_LABEL, "public-token", 12 } };
	CK_ATTRIBUTE pub[] = { { CKA_EC_PARAMS, (void *)p256, sizeof(p256) }, { CKA_VERIFY, &yes, 1 } };
	CK_ATTRIBUTE priv[] = { { CKA_SIGN, &yes, 1 } };
	CK_MECHANISM ecb = { CKM_AES_ECB, NULL, 0 }, gen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 }, ecdsa = { CKM_ECDSA, NULL, 0 };
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE, hp = CK_INVALID_HANDLE, hs = CK_INVALID_HANDLE;
	const char *who = logged_in ? "logged in" : "not logged in";
	uint8_t sig[128];

	ok(f->C_CreateObject(sess, t, 4, &h) == CKR_OK && bool_is(h, CKA_PRIVATE, logged_in) &&
		   f->C_EncryptInit(sess, &ecb, h) == CKR_OK &&
		   f->C_Encrypt(sess, (CK_BYTE_PTR)known16, 16, sig, &(CK_ULONG){ sizeof(sig) }) == CKR_OK &&
		   destroy(h) == CKR_OK,
	   "%s: a session AES key without CKA_PRIVATE: CKA_PRIVATE %d, it encrypts", who, logged_in);
	ok(f->C_GenerateKeyPair(sess, &gen, pub, 2, priv, 1, &hp, &hs) == CKR_OK && bool_is(hs, CKA_PRIVATE, logged_in) &&
		   f->C_SignInit(sess, &ecdsa, hs) == CKR_OK &&
		   f->C_Sign(sess, (CK_BYTE_PTR)known32, 32, sig, &(CK_ULONG){ sizeof(sig) }) == CKR_OK &&
		   destroy(hs) == CKR_OK && destroy(hp) == CKR_OK,
	   "%s: a session EC pair without CKA_PRIVATE: the private key's CKA_PRIVATE %d, it signs", who, logged_in);
	if (!logged_in) {
		t[4].pValue = &yes;
		is_rv(f->C_CreateObject(sess, t, 7, &h), CKR_USER_NOT_LOGGED_IN,
		      "not logged in: a public token key (CKA_PRIVATE false): CKR_USER_NOT_LOGGED_IN (sealed under the PIN)");
	}
}

/*
 * CKA_VALUE of a secret key (PKCS#11 v3.0, secret key objects): a session key not
 * sensitive and extractable reads (a copy of it too); sensitive,
 * unextractable, made sensitive later, or a token key (sealed): never.
 */
static void secret_values(void)
{
	CK_OBJECT_CLASS c = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &c, sizeof(c) },  { CKA_KEY_TYPE, &kt, sizeof(kt) },
			     { CKA_VALUE, (void *)known16, 16 }, { CKA_LABEL, "value-read", 10 },
			     { CKA_SENSITIVE, &no, 1 },         { CKA_EXTRACTABLE, &yes, 1 },
			     { CKA_TOKEN, &no, 1 } };
	CK_ATTRIBUTE sens = { CKA_SENSITIVE, &yes, 1 };
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE, cp = CK_INVALID_HANDLE;
	uint8_t buf[64];
	CK_ULONG len = 0;

	ok(f->C_CreateObject(sess, t, 7, &h) == CKR_OK && get_attr(h, CKA_VALUE, buf, sizeof(buf), &len) == CKR_OK &&
		   len == 16 && memcmp(buf, known16, 16) == 0,
	   "a session AES key, CKA_SENSITIVE false, CKA_EXTRACTABLE true: its CKA_VALUE reads");
	ok(f->C_CopyObject(sess, h, NULL, 0, &cp) == CKR_OK && attr_is(cp, CKA_VALUE, known16, 16) && destroy(cp) == CKR_OK,
	   "its session copy reads too");
	ok(f->C_SetAttributeValue(sess, h, &sens, 1) == CKR_OK &&
		   get_attr(h, CKA_VALUE, buf, sizeof(buf), &len) == CKR_ATTRIBUTE_SENSITIVE && destroy(h) == CKR_OK,
	   "made sensitive: CKR_ATTRIBUTE_SENSITIVE");
	t[5].pValue = &no;
	ok(f->C_CreateObject(sess, t, 7, &h) == CKR_OK &&
		   get_attr(h, CKA_VALUE, buf, sizeof(buf), &len) == CKR_ATTRIBUTE_SENSITIVE && destroy(h) == CKR_OK,
	   "not sensitive but unextractable: CKR_ATTRIBUTE_SENSITIVE");
	t[6].pValue = &yes;
	ok(f->C_CreateObject(sess, t, 7, &h) == CKR_OK &&
		   get_attr(h, CKA_VALUE, buf, sizeof(buf), &len) == CKR_ATTRIBUTE_SENSITIVE,
	   "a token key (sealed), CKA_SENSITIVE false: CKR_ATTRIBUTE_SENSITIVE");
	t[4].pValue = &yes;
	t[6].pValue = &no;
	is_rv(f->C_CopyObject(sess, h, &t[6], 1, &cp), CKR_ACTION_PROHIBITED,
	      "its session copy: CKR_ACTION_PROHIBITED (a sealed key never becomes a readable one)");
	is_rv(destroy(h), CKR_OK, "the token key destroyed");
}

static void run_create(const char *dir, const char *pin)
{
	CK_SESSION_HANDLE ro;
	struct tmpl t;
	CK_OBJECT_HANDLE h;
	CK_RV rv;

	session_objects();
	default_private(0);
	/* Before C_Login: a read-only session, then a read/write one. */
	base(&t, CKO_SECRET_KEY, CKK_AES, "aes-early", 0x30);
	set(&t, CKA_VALUE, known16, 16);
	rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &ro);
	is_rv(rv, CKR_OK, "C_OpenSession read-only");
	rv = f->C_CreateObject(ro, t.a, t.n, &h);
	is_rv(rv, CKR_SESSION_READ_ONLY, "C_CreateObject in a read-only session: CKR_SESSION_READ_ONLY");
	rv = create(&t, &h);
	is_rv(rv, CKR_USER_NOT_LOGGED_IN, "C_CreateObject of a private object before C_Login: CKR_USER_NOT_LOGGED_IN");
	{
		EVP_PKEY *k = keygen("EC", "P-256", 0);
		int dl = 0;
		uint8_t *der = make_cert(k, &dl);

		base(&t, CKO_CERTIFICATE, (CK_KEY_TYPE)-1, "cert-early", 0x30);
		set_ul(&t, CKA_CERTIFICATE_TYPE, CKC_X_509);
		set(&t, CKA_VALUE, der, (CK_ULONG)dl);
		is_rv(create(&t, &h), CKR_USER_NOT_LOGGED_IN,
		      "C_CreateObject of a certificate before C_Login: CKR_USER_NOT_LOGGED_IN (objects are sealed with the PIN)");
		OPENSSL_free(der);
		EVP_PKEY_free(k);
	}
	rv = f->C_Login(sess, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));
	is_rv(rv, CKR_OK, "C_Login");
	base(&t, CKO_SECRET_KEY, CKK_AES, "aes-early", 0x30);
	set(&t, CKA_VALUE, known16, 16);
	is_rv(f->C_CreateObject(ro, t.a, t.n, &h), CKR_SESSION_READ_ONLY, "logged in, a read-only session still refuses");
	f->C_CloseSession(ro);
	default_private(1);
	secret_values();

	create_ed25519(dir);
	create_ec();
	create_rsa();
	create_rules();
	create_aes();
	create_cert();
	token_edit();
	session_private(pin);
}

static void run_reopen(const char *dir)
{
	CK_OBJECT_HANDLE h = find(CKO_PRIVATE_KEY, "ed-kept"), hp = find(CKO_PUBLIC_KEY, "ed-kept");
	CK_OBJECT_HANDLE ha = find(CKO_SECRET_KEY, "aes-kept");
	uint8_t sig[128], ct[PT_LEN + 16], ref[PT_LEN + 16], pt[PT_LEN], *rec = NULL;
	CK_ULONG siglen = sizeof(sig), len = 0;
	CK_GCM_PARAMS p = gcm_params(gcm_iv, gcm_aad, sizeof(gcm_aad), 128);
	EVP_PKEY *pub = NULL;
	char path[4096];
	CK_RV rv;
	BIO *bio;

	ok(h != CK_INVALID_HANDLE && hp != CK_INVALID_HANDLE && ha != CK_INVALID_HANDLE,
	   "after a restart the created Ed25519 key (private and public) and AES key are there");
	snprintf(path, sizeof(path), "%s/ed.pub.pem", dir);
	if ((bio = BIO_new_file(path, "r")) != NULL)
		pub = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	rv = sign(h, CKM_EDDSA, data, DATA_LEN, sig, &siglen);
	if (!ok(rv == CKR_OK && pub != NULL && ossl_verify(pub, NULL, data, DATA_LEN, sig, siglen),
		    "Ed25519 signature verifies with OpenSSL against the original key"))
		diag("rv %s", rv_name(rv));
	ok(write_file(dir, "data", data, DATA_LEN) && write_file(dir, "ed.sig", sig, siglen), "data and ed.sig written");
	rv = get_attr(h, CKA_POC_ATTESTATION_RECORD, NULL, 0, &len);
	if (rv == CKR_OK && len > 16 && len != CK_UNAVAILABLE_INFORMATION && (rec = malloc(len)) != NULL)
		rv = get_attr(h, CKA_POC_ATTESTATION_RECORD, rec, len, &len);
	if (!ok(rv == CKR_OK && rec != NULL && write_file(dir, "ed.rec", rec, len),
		    "CKA_POC_ATTESTATION_RECORD of the released key written to ed.rec"))
		diag("rv %s", rv_name(rv));
	free(rec);
	for (int i = 0; i < PT_LEN; i++)
		pt[i] = (uint8_t)(i * 7 + 1);
	len = sizeof(ct);
	rv = gcm_init(1, ha, &p);
	rv = rv == CKR_OK ? f->C_Encrypt(sess, pt, PT_LEN, ct, &len) : rv;
	if (!ok(rv == CKR_OK && ossl_gcm(known32, 32, gcm_iv, 12, gcm_aad, sizeof(gcm_aad), pt, PT_LEN, 16, ref) == len &&
		    memcmp(ref, ct, len) == 0,
		    "the created AES key encrypts as OpenSSL does with its bytes"))
		diag("rv %s", rv_name(rv));
	is_rv(destroy(h), CKR_OK, "C_DestroyObject \"ed-kept\"");
	ok(find(CKO_PRIVATE_KEY, "ed-kept") == CK_INVALID_HANDLE && find(CKO_PUBLIC_KEY, "ed-kept") == CK_INVALID_HANDLE,
	   "its private and public key objects are gone");
	siglen = sizeof(sig);
	is_rv(sign(h, CKM_EDDSA, data, DATA_LEN, sig, &siglen), CKR_KEY_HANDLE_INVALID, "its handle no longer signs");
	is_rv(destroy(ha), CKR_OK, "C_DestroyObject \"aes-kept\"");
	EVP_PKEY_free(pub);
}

int main(int argc, char **argv)
{
	CK_C_INITIALIZE_ARGS init = { NULL, NULL, NULL, NULL, CKF_OS_LOCKING_OK, NULL };
	CK_RV (*gfl)(CK_FUNCTION_LIST_PTR_PTR);
	const char *mode, *pin;
	CK_RV rv;

	if (argc < 5 || ((strcmp(argv[2], "create") == 0 || strcmp(argv[2], "reopen") == 0) && argc != 6)) {
		fprintf(stderr, "usage: p11-ops MODULE gcm|create|reopen|gone TOKEN PIN [DIR]\n");
		return 2;
	}
	mode = argv[2];
	pin = argv[4];
	lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		fprintf(stderr, "%s\n", dlerror());
		return 2;
	}
	*(void **)&gfl = dlsym(lib, "C_GetFunctionList");
	if (gfl == NULL || gfl(&f) != CKR_OK)
		return 2;
	is_rv(f->C_Initialize(&init), CKR_OK, "C_Initialize");
	if (find_slot(argv[3]) < 0) {
		printf("Bail out! no token %s\n", argv[3]);
		return 1;
	}
	rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &sess);
	is_rv(rv, CKR_OK, "C_OpenSession read/write");
	if (strcmp(mode, "create") == 0) {
		run_create(argv[5], pin);
	} else {
		if (strcmp(mode, "gcm") == 0) {
			struct tmpl t;
			CK_OBJECT_HANDLE h;

			base(&t, CKO_SECRET_KEY, CKK_AES, "gcm-early", 0x30);
			set(&t, CKA_VALUE, known16, 16);
			is_rv(create(&t, &h), CKR_USER_NOT_LOGGED_IN, "C_CreateObject AES before C_Login: CKR_USER_NOT_LOGGED_IN");
		}
		is_rv(f->C_Login(sess, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin)), CKR_OK, "C_Login");
		if (strcmp(mode, "gcm") == 0)
			run_gcm();
		else if (strcmp(mode, "reopen") == 0)
			run_reopen(argv[5]);
		else if (strcmp(mode, "gone") == 0)
			ok(find(CKO_PRIVATE_KEY, "ed-kept") == CK_INVALID_HANDLE &&
				   find(CKO_PUBLIC_KEY, "ed-kept") == CK_INVALID_HANDLE &&
				   find(CKO_SECRET_KEY, "aes-kept") == CK_INVALID_HANDLE,
			   "in a new process the destroyed objects stay gone");
		else
			ok(0, "mode %s", mode);
	}
	f->C_CloseSession(sess);
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	dlclose(lib);
	return poc_test_done();
}
