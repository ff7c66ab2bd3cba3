/* SPDX-License-Identifier: Apache-2.0 */
/*
 * C_WrapKey, C_UnwrapKey, C_DeriveKey through C_GetFunctionList for tests/integration/p11-keymgmt.sh
 * (TAP): p11-keymgmt MODULE TOKEN PIN OUTDIR. Round trips per mechanism; keys of known value enter
 * by unwrapping what OpenSSL encrypted to a token RSA key, so the script checks OUTDIR's files from
 * outside (AES-KW vs python, ECDH vs `openssl pkeyutl -derive`, HKDF); then the Tookan-style
 * refusals (wrap, unwrap, derive, set and copy attributes) and the key templates, with the spec's codes.
 */
#include <stdlib.h>

#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "p11-test.h" /* before the globals of p11-keymgmt.h, which its parameters would shadow */
#include "p11-keymgmt.h"

int poc_test_count, poc_test_failed;
CK_FUNCTION_LIST_PTR f;
CK_SESSION_HANDLE sess;
CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
CK_KEY_TYPE aes_type = CKK_AES, generic_type = CKK_GENERIC_SECRET;
static CK_KEY_TYPE ec_type = CKK_EC;
static CK_OBJECT_CLASS secret_class = CKO_SECRET_KEY, private_class = CKO_PRIVATE_KEY;
static const char *outdir;
static int next_label;

/* ---- templates ---- */

void t_add(struct tmpl *t, CK_ATTRIBUTE_TYPE type, void *p, CK_ULONG len)
{
	t->a[t->n++] = (CK_ATTRIBUTE){ type, p, len };
}

struct tmpl *tmpl_new(struct tmpl *t, const CK_ATTRIBUTE_TYPE *on, const CK_ATTRIBUTE_TYPE *off)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->label, sizeof(t->label), "km-%d", next_label++);
	t_add(t, CKA_LABEL, t->label, strlen(t->label));
	for (; on != NULL && *on != (CK_ATTRIBUTE_TYPE)-1; on++)
		t_add(t, *on, &yes, sizeof(yes));
	for (; off != NULL && *off != (CK_ATTRIBUTE_TYPE)-1; off++)
		t_add(t, *off, &no, sizeof(no));
	return t;
}

CK_OBJECT_HANDLE aes_gen(CK_ULONG len, const CK_ATTRIBUTE_TYPE *on, const CK_ATTRIBUTE_TYPE *off)
{
	CK_MECHANISM m = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	struct tmpl t;
	CK_RV rv;

	tmpl_new(&t, on, off);
	t_add(&t, CKA_VALUE_LEN, &len, sizeof(len));
	rv = f->C_GenerateKey(sess, &m, t.a, t.n, &h);
	if (rv != CKR_OK)
		diag("C_GenerateKey %s: 0x%lx", t.label, rv);
	return h;
}

static CK_RV pair_gen(CK_MECHANISM_TYPE mech, const CK_ATTRIBUTE_TYPE *pub_on, const CK_ATTRIBUTE_TYPE *priv_on,
		      const CK_ATTRIBUTE_TYPE *priv_off, CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
	static uint8_t p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
	CK_ULONG bits = 2048;
	CK_MECHANISM m = { mech, NULL, 0 };
	struct tmpl pt, vt;

	tmpl_new(&pt, pub_on, NULL);
	if (mech == CKM_RSA_PKCS_KEY_PAIR_GEN)
		t_add(&pt, CKA_MODULUS_BITS, &bits, sizeof(bits));
	else
		t_add(&pt, CKA_EC_PARAMS, p256, sizeof(p256));
	tmpl_new(&vt, priv_on, priv_off);
	vt.a[0].pValue = pt.label; /* one label for both halves */
	vt.a[0].ulValueLen = strlen(pt.label);
	return f->C_GenerateKeyPair(sess, &m, pt.a, pt.n, vt.a, vt.n, pub, priv);
}

/* ---- operations ---- */

CK_RV wrap(CK_MECHANISM *m, CK_OBJECT_HANDLE wk, CK_OBJECT_HANDLE k, uint8_t *out, CK_ULONG *len)
{
	return f->C_WrapKey(sess, m, wk, k, out, len);
}

CK_RV unwrap(CK_MECHANISM *m, CK_OBJECT_HANDLE uk, uint8_t *in, CK_ULONG len, struct tmpl *t,
		    CK_OBJECT_HANDLE *out)
{
	*out = CK_INVALID_HANDLE;
	return f->C_UnwrapKey(sess, m, uk, in, len, t->a, t->n, out);
}

/* The template of an unwrapped or derived secret key of type (and len bytes if not 0). */
struct tmpl *secret_tmpl(struct tmpl *t, CK_KEY_TYPE *type, CK_ULONG *len, const CK_ATTRIBUTE_TYPE *on,
				const CK_ATTRIBUTE_TYPE *off)
{
	tmpl_new(t, on, off);
	t_add(t, CKA_CLASS, &secret_class, sizeof(secret_class));
	t_add(t, CKA_KEY_TYPE, type, sizeof(*type));
	if (len != NULL)
		t_add(t, CKA_VALUE_LEN, len, sizeof(*len));
	return t;
}

/* 1 when a and b are the same AES key: what one encrypts (AES-GCM) the other decrypts. */
int same_aes(CK_OBJECT_HANDLE a, CK_OBJECT_HANDLE b)
{
	uint8_t iv[12] = { 1 }, pt[32] = "poc-pkcs11 wraps and unwraps.", ct[64], back[64];
	CK_GCM_PARAMS gp = { iv, sizeof(iv), 96, NULL, 0, 128 };
	CK_MECHANISM m = { CKM_AES_GCM, &gp, sizeof(gp) };
	CK_ULONG clen = sizeof(ct), blen = sizeof(back);

	return f->C_EncryptInit(sess, &m, a) == CKR_OK && f->C_Encrypt(sess, pt, sizeof(pt), ct, &clen) == CKR_OK &&
	       f->C_DecryptInit(sess, &m, b) == CKR_OK && f->C_Decrypt(sess, ct, clen, back, &blen) == CKR_OK &&
	       blen == sizeof(pt) && memcmp(back, pt, blen) == 0;
}

int get_bool(CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type, int want)
{
	CK_BBOOL v = 2;
	CK_ATTRIBUTE a = { type, &v, sizeof(v) };

	return f->C_GetAttributeValue(sess, h, &a, 1) == CKR_OK && v == (want ? CK_TRUE : CK_FALSE);
}

static void write_file(const char *name, const uint8_t *p, size_t len)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	fp = fopen(path, "wb");
	ok(fp != NULL && fwrite(p, 1, len, fp) == len && fclose(fp) == 0, "wrote %s (%zu bytes)", name, len);
}

/* The public key of a token key pair as an OpenSSL key (its CKA_PUBLIC_KEY_INFO). */
static EVP_PKEY *token_pub(CK_OBJECT_HANDLE pub, const char *save_as)
{
	uint8_t der[2048];
	const uint8_t *p = der;
	CK_ATTRIBUTE a = { CKA_PUBLIC_KEY_INFO, der, sizeof(der) };

	if (f->C_GetAttributeValue(sess, pub, &a, 1) != CKR_OK)
		return NULL;
	if (save_as != NULL)
		write_file(save_as, der, a.ulValueLen);
	return d2i_PUBKEY(NULL, &p, (long)a.ulValueLen);
}

/* OpenSSL encrypts key bytes to a token RSA key (OAEP SHA-256): an outside party's wrapped key. */
static size_t ossl_oaep(EVP_PKEY *pk, const uint8_t *in, size_t inlen, uint8_t *out, size_t cap)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(pk, NULL);
	size_t n = cap;

	if (c == NULL || EVP_PKEY_encrypt_init(c) != 1 || EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md(c, EVP_sha256()) != 1 || EVP_PKEY_CTX_set_rsa_mgf1_md(c, EVP_sha256()) != 1 ||
	    EVP_PKEY_encrypt(c, out, &n, in, inlen) != 1)
		n = 0;
	EVP_PKEY_CTX_free(c);
	return n;
}

/* ---- keys of known value: unwrapped from what OpenSSL encrypted to a token RSA key ---- */

static uint8_t k1_bytes[16] = "poc-pkcs11 kek 1";
static uint8_t k2_bytes[32] = "poc-pkcs11: a key to wrap (32 B)";

struct known {
	CK_OBJECT_HANDLE pub, priv; /* an RSA pair whose private half unwraps and decrypts: not guarded */
	CK_OBJECT_HANDLE k1, k2;    /* k1 wraps (a known KEK); k2 is extractable, not sensitive */
};

static CK_OBJECT_HANDLE import_known(struct known *kn, const uint8_t *v, size_t len, struct tmpl *t)
{
	CK_RSA_PKCS_OAEP_PARAMS op = { CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, NULL, 0 };
	CK_MECHANISM m = { CKM_RSA_PKCS_OAEP, &op, sizeof(op) };
	EVP_PKEY *pk = token_pub(kn->pub, NULL);
	uint8_t ct[512];
	size_t n = pk != NULL ? ossl_oaep(pk, v, len, ct, sizeof(ct)) : 0;
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;

	EVP_PKEY_free(pk);
	ok(n > 0, "OpenSSL encrypts %zu known bytes to the token's RSA key (OAEP)", len);
	is_rv(unwrap(&m, kn->priv, ct, (CK_ULONG)n, t, &h), CKR_OK, "C_UnwrapKey (OAEP) %s: a key of known value", t->label);
	return h;
}

static void known_keys(struct known *kn)
{
	struct tmpl t;
	uint8_t out[512];
	CK_ULONG len = sizeof(out);
	CK_MECHANISM kw = { CKM_AES_KEY_WRAP, NULL, 0 }, kwp = { CKM_AES_KEY_WRAP_KWP, NULL, 0 };

	is_rv(pair_gen(CKM_RSA_PKCS_KEY_PAIR_GEN, LIST(CKA_WRAP), LIST(CKA_UNWRAP, CKA_DECRYPT), NULL, &kn->pub,
		       &kn->priv),
	      CKR_OK, "RSA pair: the public half wraps, the private half unwraps and decrypts");
	kn->k1 = import_known(kn, k1_bytes, sizeof(k1_bytes),
			      secret_tmpl(&t, &aes_type, NULL, LIST(CKA_WRAP, CKA_UNWRAP), LIST(CKA_ENCRYPT, CKA_DECRYPT)));
	kn->k2 = import_known(kn, k2_bytes, sizeof(k2_bytes),
			      secret_tmpl(&t, &aes_type, NULL, LIST(CKA_EXTRACTABLE, CKA_ENCRYPT, CKA_DECRYPT),
					  LIST(CKA_SENSITIVE)));
	ok(get_bool(kn->k2, CKA_LOCAL, 0) && get_bool(kn->k2, CKA_ALWAYS_SENSITIVE, 0) &&
		   get_bool(kn->k2, CKA_NEVER_EXTRACTABLE, 0) && get_bool(kn->k2, CKA_EXTRACTABLE, 1) &&
		   get_bool(kn->k1, CKA_LOCAL, 0) && get_bool(kn->k1, CKA_SENSITIVE, 1) &&
		   get_bool(kn->k1, CKA_ALWAYS_SENSITIVE, 0),
	   "unwrapped keys: not local, never always sensitive, never never-extractable");
	{
		uint8_t v[64];
		CK_ATTRIBUTE a = { CKA_VALUE, v, sizeof(v) };

		is_rv(f->C_GetAttributeValue(sess, kn->k2, &a, 1), CKR_ATTRIBUTE_SENSITIVE,
		      "an unwrapped session key, not sensitive and extractable: its CKA_VALUE is never read");
	}
	write_file("k1.bin", k1_bytes, sizeof(k1_bytes));
	write_file("k2.bin", k2_bytes, sizeof(k2_bytes));
	is_rv(wrap(&kw, kn->k1, kn->k2, NULL, &len), CKR_OK, "AES-KW length query");
	ok(len == 40, "AES-KW of 32 bytes: 40");
	len = 8;
	is_rv(wrap(&kw, kn->k1, kn->k2, out, &len), CKR_BUFFER_TOO_SMALL, "AES-KW into 8 bytes");
	len = sizeof(out);
	if (is_rv(wrap(&kw, kn->k1, kn->k2, out, &len), CKR_OK, "AES-KW: the known KEK wraps the known key"))
		write_file("kw.bin", out, len);
	len = sizeof(out);
	if (is_rv(wrap(&kwp, kn->k1, kn->k2, out, &len), CKR_OK, "AES-KWP: the same"))
		write_file("kwp.bin", out, len);
}

/* ---- round trips under keys made on the token ---- */

static void aes_round_trips(CK_OBJECT_HANDLE w, CK_OBJECT_HANDLE target, uint8_t *kw_blob, CK_ULONG *kw_len)
{
	uint8_t iv[16] = "sixteen byte iv!", out[512];
	CK_MECHANISM mechs[] = { { CKM_AES_KEY_WRAP, NULL, 0 }, { CKM_AES_KEY_WRAP_KWP, NULL, 0 },
				 { CKM_AES_CBC_PAD, iv, sizeof(iv) } };
	const char *names[] = { "AES-KW", "AES-KWP", "AES-CBC-PAD" };
	struct tmpl t;
	CK_OBJECT_HANDLE back;

	for (size_t i = 0; i < 3; i++) {
		CK_ULONG len = sizeof(out);

		if (!is_rv(wrap(&mechs[i], w, target, out, &len), CKR_OK, "%s: a guarded key wraps a sensitive extractable key",
			   names[i]))
			continue;
		if (i == 0) {
			memcpy(kw_blob, out, len);
			*kw_len = len;
			secret_tmpl(&t, &aes_type, NULL, LIST(CKA_ENCRYPT, CKA_DECRYPT, CKA_TOKEN), NULL);
			if (is_rv(unwrap(&mechs[i], w, out, len, &t, &back), CKR_OK, "AES-KW: unwrapped into a token object"))
				ok(get_bool(back, CKA_TOKEN, 1) && same_aes(target, back),
				   "the sealed unwrapped key (released on its first use) is the same key");
		}
		secret_tmpl(&t, &aes_type, NULL, LIST(CKA_ENCRYPT, CKA_DECRYPT), NULL);
		if (is_rv(unwrap(&mechs[i], w, out, len, &t, &back), CKR_OK, "%s: and unwraps it", names[i]))
			ok(same_aes(target, back) && get_bool(back, CKA_SENSITIVE, 1) && get_bool(back, CKA_LOCAL, 0) &&
				   get_bool(back, CKA_ALWAYS_SENSITIVE, 0) && get_bool(back, CKA_NEVER_EXTRACTABLE, 0),
			   "%s: the unwrapped key is the same key (GCM), sensitive, not local", names[i]);
	}
}

static void oaep_and_private(CK_OBJECT_HANDLE w, CK_OBJECT_HANDLE target)
{
	CK_RSA_PKCS_OAEP_PARAMS op = { CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, NULL, 0 };
	CK_MECHANISM oaep = { CKM_RSA_PKCS_OAEP, &op, sizeof(op) }, kwp = { CKM_AES_KEY_WRAP_KWP, NULL, 0 };
	CK_MECHANISM ecdsa = { CKM_ECDSA, NULL, 0 };
	CK_OBJECT_HANDLE pub, priv, epub, epriv, back;
	uint8_t out[2048], hash[32] = "a SHA-256 hash is 32 bytes long", sig[128];
	CK_ULONG len = sizeof(out), slen = sizeof(sig);
	struct tmpl t;
	CK_OBJECT_HANDLE plain = aes_gen(16, LIST(CKA_EXTRACTABLE), LIST(CKA_SENSITIVE));

	is_rv(pair_gen(CKM_RSA_PKCS_KEY_PAIR_GEN, LIST(CKA_WRAP), LIST(CKA_UNWRAP), LIST(CKA_DECRYPT), &pub, &priv),
	      CKR_OK, "RSA pair: the public half wraps, the private half only unwraps");
	is_rv(wrap(&oaep, pub, target, out, &len), CKR_KEY_NOT_WRAPPABLE,
	      "a sensitive key under an (untrusted) public key: CKR_KEY_NOT_WRAPPABLE");
	len = sizeof(out);
	if (is_rv(wrap(&oaep, pub, plain, out, &len), CKR_OK, "RSA OAEP wraps an extractable key that is not sensitive")) {
		secret_tmpl(&t, &aes_type, NULL, LIST(CKA_ENCRYPT, CKA_DECRYPT), NULL);
		if (is_rv(unwrap(&oaep, priv, out, len, &t, &back), CKR_OK, "RSA OAEP unwraps it"))
			ok(same_aes(plain, back), "RSA OAEP: the same key back");
	}
	is_rv(pair_gen(CKM_EC_KEY_PAIR_GEN, NULL, LIST(CKA_EXTRACTABLE, CKA_SIGN), NULL, &epub, &epriv), CKR_OK,
	      "P-256 pair with an extractable private key");
	len = sizeof(out);
	if (!is_rv(wrap(&kwp, w, epriv, out, &len), CKR_OK, "AES-KWP wraps the EC private key (PKCS#8)"))
		return;
	tmpl_new(&t, LIST(CKA_SIGN), NULL);
	t_add(&t, CKA_CLASS, &private_class, sizeof(private_class));
	t_add(&t, CKA_KEY_TYPE, &ec_type, sizeof(ec_type));
	if (is_rv(unwrap(&kwp, w, out, len, &t, &back), CKR_OK, "AES-KWP unwraps it as an EC private key"))
		ok(f->C_SignInit(sess, &ecdsa, back) == CKR_OK && f->C_Sign(sess, hash, 32, sig, &slen) == CKR_OK &&
			   f->C_VerifyInit(sess, &ecdsa, epub) == CKR_OK && f->C_Verify(sess, hash, 32, sig, slen) == CKR_OK,
		   "the unwrapped EC key signs what the original's public key verifies");
}

/* ---- the Tookan table ---- */

static void tookan(const struct known *kn, CK_OBJECT_HANDLE w, CK_OBJECT_HANDLE target, uint8_t *blob, CK_ULONG blen)
{
	CK_MECHANISM kw = { CKM_AES_KEY_WRAP, NULL, 0 }, gcm = { CKM_AES_GCM, NULL, 0 }, gen = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_RSA_PKCS_OAEP_PARAMS op = { CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, NULL, 0 };
	CK_MECHANISM oaep = { CKM_RSA_PKCS_OAEP, &op, sizeof(op) };
	CK_OBJECT_HANDLE plain = aes_gen(16, LIST(CKA_TOKEN), NULL), wwt = aes_gen(16, LIST(CKA_EXTRACTABLE, CKA_WRAP_WITH_TRUSTED), NULL);
	CK_OBJECT_HANDLE wd = aes_gen(16, LIST(CKA_WRAP, CKA_DECRYPT), NULL), epub, epriv, h;
	uint8_t out[2048];
	CK_ULONG len = sizeof(out), vlen = 16;
	struct tmpl t;

#define WRAP_REFUSED(m, wk, k, want, what) (len = sizeof(out), is_rv(wrap((m), (wk), (k), out, &len), (want), what))
	WRAP_REFUSED(&kw, w, plain, CKR_KEY_UNEXTRACTABLE, "a key made without CKA_EXTRACTABLE: CKR_KEY_UNEXTRACTABLE");
	is_rv(pair_gen(CKM_EC_KEY_PAIR_GEN, LIST(CKA_TOKEN), LIST(CKA_SIGN, CKA_TOKEN), NULL, &epub, &epriv), CKR_OK,
	      "a sealed P-256 key (a token object)");
	WRAP_REFUSED(&kw, w, epriv, CKR_KEY_UNEXTRACTABLE,
		     "a sealed (Proof-of-Cloud released) private key: CKR_KEY_UNEXTRACTABLE");
	WRAP_REFUSED(&kw, w, wwt, CKR_KEY_NOT_WRAPPABLE, "CKA_WRAP_WITH_TRUSTED under an untrusted key: CKR_KEY_NOT_WRAPPABLE");
	WRAP_REFUSED(&kw, wd, target, CKR_KEY_NOT_WRAPPABLE,
		     "wrap-then-decrypt: a sensitive key under a key that decrypts: CKR_KEY_NOT_WRAPPABLE");
	WRAP_REFUSED(&kw, wd, kn->k2, CKR_OK, "(control: that key wraps a key that is not sensitive)");
	WRAP_REFUSED(&kw, kn->k1, target, CKR_KEY_NOT_WRAPPABLE,
		     "a sensitive key under a wrapping key of known value (imported): CKR_KEY_NOT_WRAPPABLE");
	WRAP_REFUSED(&oaep, kn->pub, target, CKR_KEY_NOT_WRAPPABLE,
		     "wrap/decrypt with a pair: a sensitive key to a public key whose private half decrypts");
	WRAP_REFUSED(&kw, target, kn->k2, CKR_KEY_FUNCTION_NOT_PERMITTED,
		     "a wrapping key without CKA_WRAP: CKR_KEY_FUNCTION_NOT_PERMITTED");
	WRAP_REFUSED(&kw, 0x7fff0000UL, target, CKR_WRAPPING_KEY_HANDLE_INVALID, "no such wrapping key");
	WRAP_REFUSED(&gcm, w, target, CKR_MECHANISM_INVALID, "AES-GCM does not wrap: CKR_MECHANISM_INVALID");
	secret_tmpl(&t, &aes_type, NULL, NULL, LIST(CKA_SENSITIVE));
	is_rv(unwrap(&kw, w, blob, blen, &t, &h), CKR_TEMPLATE_INCONSISTENT,
	      "re-import of a sensitive key's wrapped form as not sensitive: CKR_TEMPLATE_INCONSISTENT");
	secret_tmpl(&t, &aes_type, NULL, LIST(CKA_LOCAL), NULL);
	is_rv(unwrap(&kw, w, blob, blen, &t, &h), CKR_ATTRIBUTE_READ_ONLY, "an unwrap template claiming CKA_LOCAL");
	blob[blen / 2] ^= 1;
	secret_tmpl(&t, &aes_type, NULL, NULL, NULL);
	is_rv(unwrap(&kw, w, blob, blen, &t, &h), CKR_WRAPPED_KEY_INVALID, "a changed wrapped key: CKR_WRAPPED_KEY_INVALID");
	blob[blen / 2] ^= 1;
	is_rv(unwrap(&kw, target, blob, blen, &t, &h), CKR_KEY_FUNCTION_NOT_PERMITTED, "unwrap without CKA_UNWRAP");
	tmpl_new(&t, LIST(CKA_TRUSTED), NULL);
	t_add(&t, CKA_VALUE_LEN, &vlen, sizeof(vlen));
	is_rv(f->C_GenerateKey(sess, &gen, t.a, t.n, &h), CKR_ATTRIBUTE_READ_ONLY,
	      "CKA_TRUSTED set outside an SO session: CKR_ATTRIBUTE_READ_ONLY");
#undef WRAP_REFUSED
}

/* ---- derivation ---- */

CK_RV ecdh(CK_OBJECT_HANDLE base, CK_ULONG kdf, uint8_t *pt, CK_ULONG ptlen, struct tmpl *t,
		  CK_OBJECT_HANDLE *out)
{
	CK_ECDH1_DERIVE_PARAMS p = { kdf, 0, NULL, ptlen, pt };
	CK_MECHANISM m = { CKM_ECDH1_DERIVE, &p, sizeof(p) };

	*out = CK_INVALID_HANDLE;
	return f->C_DeriveKey(sess, &m, base, t->a, t->n, out);
}

static void derive(const struct known *kn)
{
	CK_MECHANISM kw = { CKM_AES_KEY_WRAP, NULL, 0 }, kwp = { CKM_AES_KEY_WRAP_KWP, NULL, 0 };
	CK_HKDF_PARAMS hp = { CK_TRUE, CK_TRUE, CKM_SHA256, CKF_HKDF_SALT_DATA, (CK_BYTE_PTR) "salt", 4, 0,
			      (CK_BYTE_PTR) "poc-pkcs11 hkdf", 15 };
	CK_MECHANISM hkdf = { CKM_HKDF_DERIVE, &hp, sizeof(hp) };
	CK_OBJECT_HANDLE pub, priv, z, zd, a, hk, nod_pub, nod_priv;
	EVP_PKEY *peer = EVP_EC_gen("P-256"), *tp;
	uint8_t pt[80], der[82], out[256];
	size_t ptlen = 0;
	CK_ULONG len, zlen = 32, hlen = 42;
	struct tmpl t;
	FILE *fp;
	char path[4096];

	is_rv(pair_gen(CKM_EC_KEY_PAIR_GEN, NULL, LIST(CKA_DERIVE), NULL, &pub, &priv), CKR_OK, "P-256 pair that derives");
	if (!ok(peer != NULL && EVP_PKEY_get_octet_string_param(peer, "encoded-pub-key", pt, sizeof(pt), &ptlen) == 1,
		"an OpenSSL P-256 key (the peer)") || (tp = token_pub(pub, "tokpub.der")) == NULL)
		return;
	EVP_PKEY_free(tp);
	snprintf(path, sizeof(path), "%s/peer.pem", outdir);
	ok((fp = fopen(path, "w")) != NULL && PEM_write_PrivateKey(fp, peer, NULL, NULL, 0, NULL, NULL) == 1 &&
		   fclose(fp) == 0,
	   "wrote peer.pem");
	secret_tmpl(&t, &generic_type, &zlen, LIST(CKA_EXTRACTABLE, CKA_DERIVE), LIST(CKA_SENSITIVE));
	if (is_rv(ecdh(priv, CKD_NULL, pt, (CK_ULONG)ptlen, &t, &z), CKR_OK, "ECDH1 (CKD_NULL, raw point): 32 bytes")) {
		ok(get_bool(z, CKA_LOCAL, 0) && get_bool(z, CKA_ALWAYS_SENSITIVE, 0), "derived: not local");
		len = sizeof(out);
		if (is_rv(wrap(&kw, kn->k1, z, out, &len), CKR_OK, "the shared secret wrapped under the known KEK"))
			write_file("ecdh.bin", out, len);
	}
	der[0] = 0x04;
	der[1] = (uint8_t)ptlen;
	memcpy(der + 2, pt, ptlen);
	secret_tmpl(&t, &generic_type, &zlen, LIST(CKA_EXTRACTABLE), LIST(CKA_SENSITIVE));
	if (is_rv(ecdh(priv, CKD_NULL, der, (CK_ULONG)ptlen + 2, &t, &zd), CKR_OK, "ECDH1 with the point in DER")) {
		len = sizeof(out);
		if (is_rv(wrap(&kw, kn->k1, zd, out, &len), CKR_OK, "and wrapped"))
			write_file("ecdh-der.bin", out, len);
	}
	secret_tmpl(&t, &aes_type, NULL, LIST(CKA_ENCRYPT, CKA_DECRYPT, CKA_TOKEN), NULL);
	if (is_rv(ecdh(priv, CKD_SHA256_KDF, pt, (CK_ULONG)ptlen, &t, &a), CKR_OK,
		  "ECDH1 with the X9.63 KDF into AES-256, a token object"))
		ok(get_bool(a, CKA_ALWAYS_SENSITIVE, 1) && get_bool(a, CKA_NEVER_EXTRACTABLE, 1) && get_bool(a, CKA_LOCAL, 0) &&
			   get_bool(a, CKA_TOKEN, 1) && same_aes(a, a),
		   "derived from an always sensitive base: always sensitive, never extractable, not local; sealed, it encrypts");
	secret_tmpl(&t, &generic_type, &hlen, LIST(CKA_EXTRACTABLE), LIST(CKA_SENSITIVE));
	hk = CK_INVALID_HANDLE;
	if (is_rv(f->C_DeriveKey(sess, &hkdf, z, t.a, t.n, &hk), CKR_OK, "HKDF-SHA256 from the ECDH secret: 42 bytes")) {
		len = sizeof(out);
		if (is_rv(wrap(&kwp, kn->k1, hk, out, &len), CKR_OK, "wrapped (KWP)"))
			write_file("hkdf.bin", out, len);
	}
	is_rv(pair_gen(CKM_EC_KEY_PAIR_GEN, NULL, NULL, NULL, &nod_pub, &nod_priv), CKR_OK, "P-256 pair without CKA_DERIVE");
	is_rv(ecdh(nod_priv, CKD_NULL, pt, (CK_ULONG)ptlen, &t, &a), CKR_KEY_FUNCTION_NOT_PERMITTED,
	      "derive from a key without CKA_DERIVE: CKR_KEY_FUNCTION_NOT_PERMITTED");
	pt[10] ^= 1;
	is_rv(ecdh(priv, CKD_NULL, pt, (CK_ULONG)ptlen, &t, &a), CKR_MECHANISM_PARAM_INVALID, "a point off the curve");
	is_rv(f->C_DeriveKey(sess, &hkdf, zd, t.a, t.n, &a), CKR_KEY_FUNCTION_NOT_PERMITTED, "HKDF from a key without CKA_DERIVE");
	EVP_PKEY_free(peer);
}

static void run_cases(void)
{
	struct known kn;
	CK_OBJECT_HANDLE w = aes_gen(32, LIST(CKA_WRAP, CKA_UNWRAP, CKA_TOKEN), LIST(CKA_ENCRYPT, CKA_DECRYPT));
	CK_OBJECT_HANDLE target = aes_gen(16, LIST(CKA_EXTRACTABLE), NULL);
	uint8_t blob[64];
	CK_ULONG blen = 0;

	ok(w != CK_INVALID_HANDLE && get_bool(w, CKA_WRAP, 1) && get_bool(w, CKA_ENCRYPT, 0) && get_bool(w, CKA_LOCAL, 1) &&
		   get_bool(w, CKA_NEVER_EXTRACTABLE, 1),
	   "an AES-256 wrapping key made on the token: wraps, does not encrypt, local, never extractable");
	ok(target != CK_INVALID_HANDLE && get_bool(target, CKA_EXTRACTABLE, 1) && get_bool(target, CKA_SENSITIVE, 1) &&
		   get_bool(target, CKA_NEVER_EXTRACTABLE, 0) && get_bool(target, CKA_ALWAYS_SENSITIVE, 1),
	   "an extractable sensitive AES key (a session object): never extractable false, always sensitive true");
	ok(aes_gen(16, LIST(CKA_EXTRACTABLE, CKA_TOKEN), NULL) == CK_INVALID_HANDLE,
	   "a sealed (token) key cannot be made extractable: it never leaves through a wrap");
	known_keys(&kn);
	aes_round_trips(w, target, blob, &blen);
	oaep_and_private(w, target);
	tookan(&kn, w, target, blob, blen);
	derive(&kn);
	sticky(target);
	templates(target);
	derive_template();
}

int main(int argc, char **argv)
{
	CK_SLOT_ID slot;
	void *lib;

	if (argc != 5) {
		fprintf(stderr, "usage: p11-keymgmt MODULE TOKEN PIN OUTDIR\n");
		return 2;
	}
	outdir = argv[4];
	if (p11_test_open(argv[1], argv[2], argv[3], &f, &lib, &slot, &sess) < 0)
		return 1;
	run_cases();
	f->C_CloseSession(sess);
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	dlclose(lib);
	return poc_test_done();
}
