/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The advertised mechanism table against what the module does, only through
 * C_GetFunctionList (dlopen), for tests/integration/p11-mechs.sh. TAP through
 * tests/test.h; exit 0 when all passed.
 *
 *   p11-mechs MODULE TOKEN PIN
 *
 * Keys are token objects (CKA_TOKEN TRUE, sealed); P11_MECHS_SESSION_KEYS=1
 * runs the same table on session objects (CKA_TOKEN FALSE).
 *
 * For each mechanism of C_GetMechanismList (and nothing else is taken on
 * trust: a mechanism this program does not know how to run fails):
 *   - C_GetMechanismInfo answers, and its key sizes are what key generation
 *     takes: the generating mechanisms make keys at ulMinKeySize and at
 *     ulMaxKeySize (EC, Edwards: the curve of that size) and refuse the next
 *     size outside (the next RSA or AES size, the next curve); C_CreateObject
 *     takes keys made by OpenSSL at both bounds and refuses them outside;
 *   - with the generated keys at both bounds, a flag set is an init that
 *     succeeds and an operation that works (sign then verify, encrypt then
 *     decrypt to the same plaintext), a flag not set is an init answered
 *     CKR_MECHANISM_INVALID (CKM_RSA_PKCS decryption among them);
 *   - a mechanism without CKF_GENERATE(_KEY_PAIR) does not generate;
 *   - digests (CKF_DIGEST) give OpenSSL's digest in one part and in parts, and
 *     every other init refuses them; no other mechanism digests.
 * Mechanisms that are not listed are refused by C_GetMechanismInfo and by
 * every init. A usage a key was not made for is CKR_KEY_FUNCTION_NOT_PERMITTED.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <p11-kit/pkcs11.h>

#include "p11-test.h"
#include "test.h"

static CK_FUNCTION_LIST_PTR f;
static CK_SLOT_ID slot;
static CK_SESSION_HANDLE sess;
static uint8_t next_id = 0x60;
/* CKA_TOKEN of every key made here: TRUE (sealed), or FALSE with P11_MECHS_SESSION_KEYS=1 (session objects). */
static CK_BBOOL token_keys = CK_TRUE;

#define is_rv(got, want, ...) \
	(ok((got) == (want), __VA_ARGS__) || (diag("got 0x%lx, want 0x%lx", (unsigned long)(got), (unsigned long)(want)), 0))

/* ---- what this program knows of key types and curves ---- */

struct curve {
	CK_KEY_TYPE type;
	CK_ULONG bits;
	const char *alg, *group; /* OpenSSL's algorithm and group (NULL for Edwards) */
	uint8_t oid[12];
	size_t oid_len;
};

static const struct curve curves[] = {
	{ CKK_EC, 224, "EC", "P-224", { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x21 }, 7 },
	{ CKK_EC, 256, "EC", "P-256", { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 }, 10 },
	{ CKK_EC, 384, "EC", "P-384", { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22 }, 7 },
	{ CKK_EC, 521, "EC", "P-521", { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23 }, 7 },
	{ CKK_EC_EDWARDS, 255, "ED25519", NULL, { 0x06, 0x03, 0x2b, 0x65, 0x70 }, 5 },
	{ CKK_EC_EDWARDS, 448, "ED448", NULL, { 0x06, 0x03, 0x2b, 0x65, 0x71 }, 5 },
};

static const struct curve *curve_of(CK_KEY_TYPE type, CK_ULONG bits)
{
	for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
		if (curves[i].type == type && curves[i].bits == bits)
			return &curves[i];
	return NULL;
}

/* The next curve of type below (dir < 0) or above (dir > 0) bits, or NULL. */
static const struct curve *curve_next(CK_KEY_TYPE type, CK_ULONG bits, int dir)
{
	const struct curve *best = NULL;

	for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++) {
		const struct curve *c = &curves[i];

		if (c->type != type || (dir < 0 ? c->bits >= bits : c->bits <= bits))
			continue;
		if (best == NULL || (dir < 0 ? c->bits > best->bits : c->bits < best->bits))
			best = c;
	}
	return best;
}

/* ---- how to run each mechanism this program knows ---- */

enum input { IN_DATA, IN_HASH32, IN_PLAIN32 };

struct mech {
	CK_MECHANISM_TYPE type;
	const char *name;
	CK_KEY_TYPE key_type;
	int gen;                  /* a generating mechanism */
	CK_MECHANISM_TYPE hash;   /* PSS and OAEP parameters: the hash, 0 none */
	CK_RSA_PKCS_MGF_TYPE mgf;
	CK_ULONG hlen;
	int gcm;                  /* CK_GCM_PARAMS */
	enum input in;            /* sign input */
	size_t iv;                /* CBC: the IV's bytes; CTR: 16 (a CK_AES_CTR_PARAMS) */
	int general;              /* a CK_MAC_GENERAL_PARAMS */
	const char *md;           /* a digest: OpenSSL's name for it */
};

#define HASHED(m, n, k) { m, n, k, 0, 0, 0, 0, 0, IN_DATA, 0, 0, NULL }
#define PSS(m, n, h, g, l) { m, n, CKK_RSA, 0, h, g, l, 0, IN_DATA, 0, 0, NULL }
#define BLOCK(m, n, k, iv) { m, n, k, 0, 0, 0, 0, 0, IN_PLAIN32, iv, 0, NULL }
#define MAC(m, n, k, g) { m, n, k, 0, 0, 0, 0, 0, IN_DATA, 0, g, NULL }
#define DIGEST(m, n, md) { m, n, 0, 0, 0, 0, 0, 0, IN_DATA, 0, 0, md }
#define SECRET_GEN(m, n, k) { m, n, k, 1, 0, 0, 0, 0, IN_DATA, 0, 0, NULL }

static const struct mech known[] = {
	{ CKM_EC_KEY_PAIR_GEN, "CKM_EC_KEY_PAIR_GEN", CKK_EC, 1, 0, 0, 0, 0, IN_DATA },
	{ CKM_ECDSA, "CKM_ECDSA", CKK_EC, 0, 0, 0, 0, 0, IN_HASH32 },
	HASHED(CKM_ECDSA_SHA1, "CKM_ECDSA_SHA1", CKK_EC),
	HASHED(CKM_ECDSA_SHA224, "CKM_ECDSA_SHA224", CKK_EC),
	HASHED(CKM_ECDSA_SHA256, "CKM_ECDSA_SHA256", CKK_EC),
	HASHED(CKM_ECDSA_SHA384, "CKM_ECDSA_SHA384", CKK_EC),
	HASHED(CKM_ECDSA_SHA512, "CKM_ECDSA_SHA512", CKK_EC),
	{ CKM_RSA_PKCS_KEY_PAIR_GEN, "CKM_RSA_PKCS_KEY_PAIR_GEN", CKK_RSA, 1, 0, 0, 0, 0, IN_DATA },
	{ CKM_RSA_PKCS, "CKM_RSA_PKCS", CKK_RSA, 0, 0, 0, 0, 0, IN_PLAIN32 },
	HASHED(CKM_SHA1_RSA_PKCS, "CKM_SHA1_RSA_PKCS", CKK_RSA),
	HASHED(CKM_SHA224_RSA_PKCS, "CKM_SHA224_RSA_PKCS", CKK_RSA),
	HASHED(CKM_SHA256_RSA_PKCS, "CKM_SHA256_RSA_PKCS", CKK_RSA),
	HASHED(CKM_SHA384_RSA_PKCS, "CKM_SHA384_RSA_PKCS", CKK_RSA),
	HASHED(CKM_SHA512_RSA_PKCS, "CKM_SHA512_RSA_PKCS", CKK_RSA),
	{ CKM_RSA_PKCS_PSS, "CKM_RSA_PKCS_PSS", CKK_RSA, 0, CKM_SHA256, CKG_MGF1_SHA256, 32, 0, IN_HASH32 },
	PSS(CKM_SHA1_RSA_PKCS_PSS, "CKM_SHA1_RSA_PKCS_PSS", CKM_SHA_1, CKG_MGF1_SHA1, 20),
	PSS(CKM_SHA224_RSA_PKCS_PSS, "CKM_SHA224_RSA_PKCS_PSS", CKM_SHA224, CKG_MGF1_SHA224, 28),
	PSS(CKM_SHA256_RSA_PKCS_PSS, "CKM_SHA256_RSA_PKCS_PSS", CKM_SHA256, CKG_MGF1_SHA256, 32),
	PSS(CKM_SHA384_RSA_PKCS_PSS, "CKM_SHA384_RSA_PKCS_PSS", CKM_SHA384, CKG_MGF1_SHA384, 48),
	/* A 64-byte salt does not fit a 1024-bit modulus with SHA-512 (64 + 64 + 2 > 128 bytes): 32 does. */
	PSS(CKM_SHA512_RSA_PKCS_PSS, "CKM_SHA512_RSA_PKCS_PSS", CKM_SHA512, CKG_MGF1_SHA512, 32),
	{ CKM_RSA_PKCS_OAEP, "CKM_RSA_PKCS_OAEP", CKK_RSA, 0, CKM_SHA256, CKG_MGF1_SHA256, 0, 0, IN_PLAIN32 },
	{ CKM_EC_EDWARDS_KEY_PAIR_GEN, "CKM_EC_EDWARDS_KEY_PAIR_GEN", CKK_EC_EDWARDS, 1, 0, 0, 0, 0, IN_DATA },
	HASHED(CKM_EDDSA, "CKM_EDDSA", CKK_EC_EDWARDS),
	SECRET_GEN(CKM_AES_KEY_GEN, "CKM_AES_KEY_GEN", CKK_AES),
	{ CKM_AES_GCM, "CKM_AES_GCM", CKK_AES, 0, 0, 0, 0, 1, IN_PLAIN32, 0, 0, NULL },
	BLOCK(CKM_AES_ECB, "CKM_AES_ECB", CKK_AES, 0),
	BLOCK(CKM_AES_CBC, "CKM_AES_CBC", CKK_AES, 16),
	BLOCK(CKM_AES_CBC_PAD, "CKM_AES_CBC_PAD", CKK_AES, 16),
	BLOCK(CKM_AES_CTR, "CKM_AES_CTR", CKK_AES, 16),
	MAC(CKM_AES_CMAC, "CKM_AES_CMAC", CKK_AES, 0),
	MAC(CKM_AES_CMAC_GENERAL, "CKM_AES_CMAC_GENERAL", CKK_AES, 1),
	SECRET_GEN(CKM_DES_KEY_GEN, "CKM_DES_KEY_GEN", CKK_DES),
	SECRET_GEN(CKM_DES3_KEY_GEN, "CKM_DES3_KEY_GEN", CKK_DES3),
	BLOCK(CKM_DES3_ECB, "CKM_DES3_ECB", CKK_DES3, 0),
	BLOCK(CKM_DES3_CBC, "CKM_DES3_CBC", CKK_DES3, 8),
	BLOCK(CKM_DES3_CBC_PAD, "CKM_DES3_CBC_PAD", CKK_DES3, 8),
	SECRET_GEN(CKM_GENERIC_SECRET_KEY_GEN, "CKM_GENERIC_SECRET_KEY_GEN", CKK_GENERIC_SECRET),
	MAC(CKM_SHA_1_HMAC, "CKM_SHA_1_HMAC", CKK_GENERIC_SECRET, 0),
	MAC(CKM_SHA_1_HMAC_GENERAL, "CKM_SHA_1_HMAC_GENERAL", CKK_GENERIC_SECRET, 1),
	MAC(CKM_SHA224_HMAC, "CKM_SHA224_HMAC", CKK_GENERIC_SECRET, 0),
	MAC(CKM_SHA224_HMAC_GENERAL, "CKM_SHA224_HMAC_GENERAL", CKK_GENERIC_SECRET, 1),
	MAC(CKM_SHA256_HMAC, "CKM_SHA256_HMAC", CKK_GENERIC_SECRET, 0),
	MAC(CKM_SHA256_HMAC_GENERAL, "CKM_SHA256_HMAC_GENERAL", CKK_GENERIC_SECRET, 1),
	MAC(CKM_SHA384_HMAC, "CKM_SHA384_HMAC", CKK_GENERIC_SECRET, 0),
	MAC(CKM_SHA384_HMAC_GENERAL, "CKM_SHA384_HMAC_GENERAL", CKK_GENERIC_SECRET, 1),
	MAC(CKM_SHA512_HMAC, "CKM_SHA512_HMAC", CKK_GENERIC_SECRET, 0),
	MAC(CKM_SHA512_HMAC_GENERAL, "CKM_SHA512_HMAC_GENERAL", CKK_GENERIC_SECRET, 1),
	DIGEST(CKM_SHA_1, "CKM_SHA_1", "SHA1"),
	DIGEST(CKM_SHA224, "CKM_SHA224", "SHA224"),
	DIGEST(CKM_SHA256, "CKM_SHA256", "SHA256"),
	DIGEST(CKM_SHA384, "CKM_SHA384", "SHA384"),
	DIGEST(CKM_SHA512, "CKM_SHA512", "SHA512"),
	DIGEST(CKM_SHA512_224, "CKM_SHA512_224", "SHA512-224"),
	DIGEST(CKM_SHA512_256, "CKM_SHA512_256", "SHA512-256"),
	DIGEST(0x2b5UL, "CKM_SHA3_224", "SHA3-224"),
	DIGEST(0x2b0UL, "CKM_SHA3_256", "SHA3-256"),
	DIGEST(0x2c0UL, "CKM_SHA3_384", "SHA3-384"),
	DIGEST(0x2d0UL, "CKM_SHA3_512", "SHA3-512"),
};

/* Mechanisms a client may try that the module must refuse everywhere. */
static const struct {
	CK_MECHANISM_TYPE type;
	const char *name;
	CK_KEY_TYPE key_type;
} unlisted[] = {
	{ CKM_MD5_RSA_PKCS, "CKM_MD5_RSA_PKCS", CKK_RSA },     { CKM_RSA_X_509, "CKM_RSA_X_509", CKK_RSA },
	{ 0x00000060UL /* CKM_SHA3_256_RSA_PKCS */, "CKM_SHA3_256_RSA_PKCS", CKK_RSA },
	{ 0x00001047UL /* CKM_ECDSA_SHA3_256 */, "CKM_ECDSA_SHA3_256", CKK_EC }, { CKM_AES_OFB, "CKM_AES_OFB", CKK_AES },
	{ CKM_AES_MAC, "CKM_AES_MAC", CKK_AES },               { CKM_DES3_MAC, "CKM_DES3_MAC", CKK_DES3 },
	{ CKM_MD5_HMAC, "CKM_MD5_HMAC", CKK_GENERIC_SECRET },  { CKM_MD5, "CKM_MD5", CKK_AES },
	{ CKM_RIPEMD160, "CKM_RIPEMD160", CKK_AES },
};

/*
 * Key-management mechanisms: tests/p11-keymgmt runs them (wrap, unwrap,
 * derive); here they must advertise only that and refuse every other init.
 */
static const struct {
	CK_MECHANISM_TYPE type;
	const char *name;
	CK_KEY_TYPE key_type;
	CK_FLAGS flags;
} keymgmt[] = {
	{ CKM_AES_KEY_WRAP, "CKM_AES_KEY_WRAP", CKK_AES, CKF_WRAP | CKF_UNWRAP },
	{ 0x0000210BUL /* CKM_AES_KEY_WRAP_KWP */, "CKM_AES_KEY_WRAP_KWP", CKK_AES, CKF_WRAP | CKF_UNWRAP },
	{ CKM_ECDH1_DERIVE, "CKM_ECDH1_DERIVE", CKK_EC, CKF_DERIVE },
	{ 0x0000402AUL /* CKM_HKDF_DERIVE */, "CKM_HKDF_DERIVE", CKK_GENERIC_SECRET, CKF_DERIVE },
};

static const struct mech *mech_known(CK_MECHANISM_TYPE type)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i].type == type)
			return &known[i];
	return NULL;
}

/* ---- keys ---- */

struct key {
	CK_OBJECT_HANDLE priv, pub; /* secret keys: priv */
	CK_ULONG size;
};

/* Up to two keys of each key type (ulMinKeySize and ulMaxKeySize of its generating mechanism). */
#define NTYPES 7
static const CK_KEY_TYPE key_types[NTYPES] = { CKK_EC,  CKK_RSA,  CKK_EC_EDWARDS,    CKK_AES,
					       CKK_DES, CKK_DES3, CKK_GENERIC_SECRET };

static int is_secret(CK_KEY_TYPE t)
{
	return t == CKK_AES || t == CKK_DES || t == CKK_DES3 || t == CKK_GENERIC_SECRET;
}
static struct key keys[NTYPES][2];
static size_t nkeys[NTYPES];

static int type_index(CK_KEY_TYPE t)
{
	for (int i = 0; i < NTYPES; i++)
		if (key_types[i] == t)
			return i;
	return -1;
}

/* C_GenerateKeyPair (pair) or C_GenerateKey of mech at size (EC, Edwards: the curve of that size). */
static CK_RV generate(int pair, CK_MECHANISM_TYPE mech, CK_KEY_TYPE type, CK_ULONG size, const struct curve *c,
		      struct key *k)
{
	CK_BBOOL yes = CK_TRUE;
	CK_MECHANISM m = { mech, NULL, 0 };
	uint8_t id = next_id++;
	char label[32];
	CK_ATTRIBUTE pub[4] = {
		{ CKA_TOKEN, &token_keys, sizeof(token_keys) },
		{ CKA_VERIFY, &yes, sizeof(yes) },
	};
	CK_ATTRIBUTE priv[] = {
		{ CKA_TOKEN, &token_keys, sizeof(token_keys) }, { CKA_PRIVATE, &yes, sizeof(yes) },
		{ CKA_SENSITIVE, &yes, sizeof(yes) }, { CKA_LABEL, label, 0 },
		{ CKA_ID, &id, 1 },                 { type == CKK_AES ? CKA_ENCRYPT : CKA_SIGN, &yes, sizeof(yes) },
		{ CKA_DECRYPT, &yes, sizeof(yes) },
	};
	CK_ULONG npub = 2, npriv = type == CKK_EC || type == CKK_EC_EDWARDS ? 6 : 7;

	snprintf(label, sizeof(label), "mech-%02x", id);
	priv[3].ulValueLen = strlen(label);
	memset(k, 0, sizeof(k[0]));
	k->size = size;
	if (!pair) {
		/* Secret keys: the usages their type has mechanisms for (AES: ciphers and CMAC). */
		CK_ATTRIBUTE t[10];
		CK_ULONG nt = 5;

		memcpy(t, priv, 5 * sizeof(priv[0]));
		if (type != CKK_GENERIC_SECRET && type != CKK_DES) {
			t[nt++] = (CK_ATTRIBUTE){ CKA_ENCRYPT, &yes, sizeof(yes) };
			t[nt++] = (CK_ATTRIBUTE){ CKA_DECRYPT, &yes, sizeof(yes) };
		}
		if (type != CKK_DES3 && type != CKK_DES) {
			t[nt++] = (CK_ATTRIBUTE){ CKA_SIGN, &yes, sizeof(yes) };
			t[nt++] = (CK_ATTRIBUTE){ CKA_VERIFY, &yes, sizeof(yes) };
		}
		t[nt++] = (CK_ATTRIBUTE){ CKA_VALUE_LEN, &size, sizeof(size) };
		return f->C_GenerateKey(sess, &m, t, nt, &k->priv);
	}
	if (type == CKK_RSA)
		pub[npub++] = (CK_ATTRIBUTE){ CKA_MODULUS_BITS, &size, sizeof(size) };
	else if (c != NULL)
		pub[npub++] = (CK_ATTRIBUTE){ CKA_EC_PARAMS, (void *)c->oid, c->oid_len };
	pub[npub++] = priv[3];
	return f->C_GenerateKeyPair(sess, &m, pub, npub, priv, npriv, &k->pub, &k->priv);
}

/* CKA_VALUE_LEN comes from the released key (before: CKR_ATTRIBUTE_TYPE_INVALID): release it by a use. */
static int secret_use(CK_KEY_TYPE type, CK_OBJECT_HANDLE h)
{
	static const uint8_t iv[12], pt[16];
	CK_GCM_PARAMS gp = { (CK_BYTE_PTR)iv, sizeof(iv), 96, NULL, 0, 128 };
	CK_MECHANISM m = { CKM_AES_GCM, &gp, sizeof(gp) };
	uint8_t out[64];
	CK_ULONG outlen = sizeof(out);

	if (type == CKK_GENERIC_SECRET) {
		m = (CK_MECHANISM){ CKM_SHA256_HMAC, NULL, 0 };
		return f->C_SignInit(sess, &m, h) == CKR_OK && f->C_Sign(sess, (CK_BYTE_PTR)pt, sizeof(pt), out, &outlen) == CKR_OK;
	}
	if (type == CKK_DES3)
		m = (CK_MECHANISM){ CKM_DES3_ECB, NULL, 0 };
	return f->C_EncryptInit(sess, &m, h) == CKR_OK && f->C_Encrypt(sess, (CK_BYTE_PTR)pt, sizeof(pt), out, &outlen) == CKR_OK;
}

/* The size a generated key has: CKA_MODULUS_BITS, CKA_VALUE_LEN, or its CKA_EC_PARAMS is the curve's. */
static int key_has_size(const struct key *k, CK_KEY_TYPE type, const struct curve *c)
{
	uint8_t buf[64];
	CK_ULONG v = 0;
	CK_ATTRIBUTE a = { CKA_VALUE_LEN, &v, sizeof(v) };
	CK_RV rv;

	if (type == CKK_DES) {
		/* No mechanism uses a single DES key, so none releases it: its key type is what can be read. */
		CK_KEY_TYPE kt = 0;
		CK_ATTRIBUTE t = { CKA_KEY_TYPE, &kt, sizeof(kt) };

		return f->C_GetAttributeValue(sess, k->priv, &t, 1) == CKR_OK && kt == CKK_DES;
	}
	if (is_secret(type) && !secret_use(type, k->priv))
		return 0;
	if (type == CKK_RSA)
		a.type = CKA_MODULUS_BITS;
	if (type == CKK_EC || type == CKK_EC_EDWARDS)
		a = (CK_ATTRIBUTE){ CKA_EC_PARAMS, buf, sizeof(buf) };
	rv = f->C_GetAttributeValue(sess, is_secret(type) ? k->priv : k->pub, &a, 1);

	if (rv != CKR_OK) {
		diag("C_GetAttributeValue: 0x%lx", (unsigned long)rv);
		return 0;
	}
	if (c != NULL)
		return a.ulValueLen == c->oid_len && memcmp(buf, c->oid, c->oid_len) == 0;
	return v == k->size;
}

/* A size outside [min, max] for type (dir < 0 below, > 0 above): 0 with *c NULL when none exists. */
static CK_ULONG size_outside(CK_KEY_TYPE type, const CK_MECHANISM_INFO *mi, int dir, const struct curve **c)
{
	*c = NULL;
	if (type == CKK_EC || type == CKK_EC_EDWARDS) {
		*c = curve_next(type, dir < 0 ? mi->ulMinKeySize : mi->ulMaxKeySize, dir);
		return *c != NULL ? (*c)->bits : 0;
	}
	/* RSA: the next multiple of 8 bits; AES, DES3: the next length in 8-byte steps; generic: 8 past the ends. */
	if (dir < 0 && mi->ulMinKeySize <= 8)
		return 0; /* a generic secret's 1 byte: nothing below but 0 */
	return dir < 0 ? mi->ulMinKeySize - 8 : mi->ulMaxKeySize + 8;
}

static void check_generation(const struct mech *me, const CK_MECHANISM_INFO *mi)
{
	int ti = type_index(me->key_type), outside = 0, pair = (mi->flags & CKF_GENERATE_KEY_PAIR) != 0;
	CK_ULONG bounds[2] = { mi->ulMinKeySize, mi->ulMaxKeySize };
	const struct curve *c;
	struct key k;

	for (int b = 0; b < 2; b++) {
		int ec = me->key_type == CKK_EC || me->key_type == CKK_EC_EDWARDS;

		c = ec ? curve_of(me->key_type, bounds[b]) : NULL;
		if (ec && c == NULL) {
			ok(0, "%s: a curve of %lu bits (ulM%sKeySize) this test knows", me->name, bounds[b], b ? "ax" : "in");
			continue;
		}
		if (b == 1 && bounds[1] == bounds[0])
			continue;
		if (is_rv(generate(pair, me->type, me->key_type, bounds[b], c, &k), CKR_OK, "%s at ulM%sKeySize %lu: generated",
			  me->name, b ? "ax" : "in", bounds[b]) &&
		    ok(key_has_size(&k, me->key_type, c), "%s: the key has %lu", me->name, bounds[b]) && ti >= 0)
			keys[ti][nkeys[ti]++] = k;
	}
	for (int dir = -1; dir <= 1; dir += 2) {
		CK_ULONG s = size_outside(me->key_type, mi, dir, &c);
		CK_RV rv;

		if (s == 0)
			continue; /* no curve below the smallest: nothing to try */
		outside++;
		rv = generate(pair, me->type, me->key_type, s, c, &k);
		ok(rv == CKR_KEY_SIZE_RANGE || rv == CKR_CURVE_NOT_SUPPORTED, "%s at %lu (%s the advertised sizes): refused (0x%lx)",
		   me->name, s, dir < 0 ? "below" : "above", (unsigned long)rv);
	}
	ok(outside > 0, "%s: a size outside the advertised ones was tried", me->name);
}

/* ---- C_CreateObject at and beyond the bounds ---- */

struct tmpl {
	CK_ATTRIBUTE a[16];
	CK_ULONG n;
	CK_OBJECT_CLASS class;
	CK_KEY_TYPE type;
	CK_BBOOL yes;
	uint8_t id;
};

static void tmpl_base(struct tmpl *t, CK_OBJECT_CLASS class, CK_KEY_TYPE type)
{
	memset(t, 0, sizeof(*t));
	t->class = class;
	t->type = type;
	t->yes = CK_TRUE;
	t->id = next_id++;
	t->a[t->n++] = (CK_ATTRIBUTE){ CKA_CLASS, &t->class, sizeof(t->class) };
	t->a[t->n++] = (CK_ATTRIBUTE){ CKA_KEY_TYPE, &t->type, sizeof(t->type) };
	t->a[t->n++] = (CK_ATTRIBUTE){ CKA_TOKEN, &token_keys, sizeof(token_keys) };
	t->a[t->n++] = (CK_ATTRIBUTE){ CKA_ID, &t->id, 1 };
	if (class != CKO_PUBLIC_KEY) {
		t->a[t->n++] = (CK_ATTRIBUTE){ CKA_PRIVATE, &t->yes, sizeof(t->yes) };
		t->a[t->n++] = (CK_ATTRIBUTE){ CKA_SENSITIVE, &t->yes, sizeof(t->yes) };
	}
}

static void tmpl_add(struct tmpl *t, CK_ATTRIBUTE_TYPE type, const void *p, size_t len)
{
	t->a[t->n++] = (CK_ATTRIBUTE){ type, (void *)p, (CK_ULONG)len };
}

/* The big-endian value of an OpenSSL key parameter into buf (up to cap bytes); its length, 0 on failure. */
static size_t bn_bytes(const EVP_PKEY *k, const char *name, uint8_t *buf, size_t cap)
{
	BIGNUM *bn = NULL;
	int n = 0;

	if (EVP_PKEY_get_bn_param(k, name, &bn) == 1 && (size_t)BN_num_bytes(bn) <= cap)
		n = BN_bn2bin(bn, buf);
	BN_free(bn);
	return n > 0 ? (size_t)n : 0;
}

/* An OpenSSL key of type at size (EC, Edwards: curve c). */
static EVP_PKEY *ossl_key(CK_KEY_TYPE type, CK_ULONG size, const struct curve *c)
{
	if (type == CKK_RSA)
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)size);
	if (c == NULL)
		return NULL;
	return c->group != NULL ? EVP_PKEY_Q_keygen(NULL, NULL, c->alg, c->group) : EVP_PKEY_Q_keygen(NULL, NULL, c->alg);
}

/* Creates a private and a public key object of k: both answers into rv[0], rv[1]; 0 when k gave no values. */
static int create_pair(CK_KEY_TYPE type, EVP_PKEY *k, const struct curve *c, CK_RV rv[2])
{
	static const char *const rsa_names[] = { OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D,
						 OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2 };
	static const CK_ATTRIBUTE_TYPE rsa_types[] = { CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT, CKA_PRIME_1,
						       CKA_PRIME_2 };
	static uint8_t v[5][1100], pt[200];
	size_t len[5] = { 0 }, ptlen = 0;
	struct tmpl priv, pub;
	CK_OBJECT_HANDLE h;

	tmpl_base(&priv, CKO_PRIVATE_KEY, type);
	tmpl_base(&pub, CKO_PUBLIC_KEY, type);
	if (type == CKK_RSA) {
		for (int i = 0; i < 5; i++)
			if ((len[i] = bn_bytes(k, rsa_names[i], v[i], sizeof(v[i]))) == 0)
				return 0;
		for (int i = 0; i < 5; i++)
			tmpl_add(&priv, rsa_types[i], v[i], len[i]);
		tmpl_add(&pub, CKA_MODULUS, v[0], len[0]);
		tmpl_add(&pub, CKA_PUBLIC_EXPONENT, v[1], len[1]);
	} else {
		if (type == CKK_EC) {
			len[0] = bn_bytes(k, OSSL_PKEY_PARAM_PRIV_KEY, v[0], sizeof(v[0]));
			EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt + 3, sizeof(pt) - 3, &ptlen);
		} else {
			len[0] = sizeof(v[0]);
			ptlen = sizeof(pt) - 3;
			if (EVP_PKEY_get_raw_private_key(k, v[0], &len[0]) != 1 ||
			    EVP_PKEY_get_raw_public_key(k, pt + 3, &ptlen) != 1)
				return 0;
		}
		if (len[0] == 0 || ptlen == 0 || ptlen > 255)
			return 0;
		tmpl_add(&priv, CKA_EC_PARAMS, c->oid, c->oid_len);
		tmpl_add(&priv, CKA_VALUE, v[0], len[0]);
		tmpl_add(&pub, CKA_EC_PARAMS, c->oid, c->oid_len);
		/* CKA_EC_POINT: the DER OCTET STRING of the point (in front of it at pt + 3) */
		if (ptlen < 128) {
			pt[1] = 0x04;
			pt[2] = (uint8_t)ptlen;
			tmpl_add(&pub, CKA_EC_POINT, pt + 1, ptlen + 2);
		} else {
			pt[0] = 0x04;
			pt[1] = 0x81;
			pt[2] = (uint8_t)ptlen;
			tmpl_add(&pub, CKA_EC_POINT, pt, ptlen + 3);
		}
	}
	rv[0] = f->C_CreateObject(sess, priv.a, priv.n, &h);
	rv[1] = f->C_CreateObject(sess, pub.a, pub.n, &h);
	return 1;
}

static void check_creation(const struct mech *me, const CK_MECHANISM_INFO *mi)
{
	CK_ULONG bounds[2] = { mi->ulMinKeySize, mi->ulMaxKeySize };
	const struct curve *c;
	CK_RV rv[2];
	EVP_PKEY *k;

	if (is_secret(me->key_type)) {
		static const uint8_t bytes[1024];

		for (int i = 0; i < 4; i++) {
			CK_ULONG len = i < 2 ? bounds[i] : i == 2 ? (bounds[0] > 8 ? bounds[0] - 8 : 0) : bounds[1] + 8;
			struct tmpl t;
			CK_OBJECT_HANDLE h;
			CK_RV r;

			if (i == 2 && len == 0)
				continue; /* nothing below a generic secret's 1 byte */
			tmpl_base(&t, CKO_SECRET_KEY, me->key_type);
			tmpl_add(&t, CKA_VALUE, bytes, len);
			r = f->C_CreateObject(sess, t.a, t.n, &h);
			if (i < 2)
				is_rv(r, CKR_OK, "C_CreateObject %s key of %lu bytes (a bound)", me->name, len);
			else
				ok(r != CKR_OK, "C_CreateObject %s key of %lu bytes (outside): refused (0x%lx)", me->name, len,
				   (unsigned long)r);
		}
		return;
	}
	for (int i = 0; i < 4; i++) {
		int dir = i == 2 ? -1 : 1;
		CK_ULONG size = i < 2 ? bounds[i] : size_outside(me->key_type, mi, dir, &c);

		if (i < 2)
			c = curve_of(me->key_type, size);
		if (size == 0 || (i == 1 && bounds[1] == bounds[0]))
			continue;
		if ((k = ossl_key(me->key_type, size, c)) == NULL || !create_pair(me->key_type, k, c, rv)) {
			ok(0, "%s: an OpenSSL key of %lu", me->name, size);
			EVP_PKEY_free(k);
			continue;
		}
		if (i < 2) {
			is_rv(rv[0], CKR_OK, "C_CreateObject private key of %lu (ulM%sKeySize of %s)", size, i ? "ax" : "in", me->name);
			is_rv(rv[1], CKR_OK, "C_CreateObject public key of %lu", size);
		} else {
			CK_RV want = me->key_type == CKK_RSA ? CKR_TEMPLATE_INCONSISTENT : CKR_CURVE_NOT_SUPPORTED;

			is_rv(rv[0], want, "C_CreateObject private key of %lu (%s the sizes of %s): refused", size,
			      dir < 0 ? "below" : "above", me->name);
			is_rv(rv[1], want, "C_CreateObject public key of %lu: refused", size);
		}
		EVP_PKEY_free(k);
	}
}

/* ---- operations ---- */

static const uint8_t gcm_iv[12] = "poc-mech-iv";
static const uint8_t gcm_aad[8] = "aad-mech";
static const uint8_t data[] = "signed through the mechanism table";
static const uint8_t in32[32] = "thirty-two bytes of input, here.";

struct params {
	CK_RSA_PKCS_PSS_PARAMS pss;
	CK_RSA_PKCS_OAEP_PARAMS oaep;
	CK_GCM_PARAMS gcm;
	uint8_t iv[16];
	CK_AES_CTR_PARAMS ctr;
	CK_ULONG general;
};

static CK_MECHANISM mech_of(const struct mech *me, struct params *p)
{
	CK_MECHANISM m = { me->type, NULL, 0 };

	memset(p, 0, sizeof(*p));
	if (me->type == CKM_RSA_PKCS_OAEP) {
		p->oaep = (CK_RSA_PKCS_OAEP_PARAMS){ me->hash, me->mgf, CKZ_DATA_SPECIFIED, NULL, 0 };
		m.pParameter = &p->oaep;
		m.ulParameterLen = sizeof(p->oaep);
	} else if (me->hash != 0) {
		p->pss = (CK_RSA_PKCS_PSS_PARAMS){ me->hash, me->mgf, me->hlen };
		m.pParameter = &p->pss;
		m.ulParameterLen = sizeof(p->pss);
	} else if (me->gcm) {
		p->gcm = (CK_GCM_PARAMS){ (CK_BYTE_PTR)gcm_iv, sizeof(gcm_iv), 96, (CK_BYTE_PTR)gcm_aad, sizeof(gcm_aad), 128 };
		m.pParameter = &p->gcm;
		m.ulParameterLen = sizeof(p->gcm);
	} else if (me->type == CKM_AES_CTR) {
		p->ctr = (CK_AES_CTR_PARAMS){ 32, "counter block..." };
		m.pParameter = &p->ctr;
		m.ulParameterLen = sizeof(p->ctr);
	} else if (me->iv > 0) {
		memcpy(p->iv, "an IV of bytes.", 16);
		m.pParameter = p->iv;
		m.ulParameterLen = (CK_ULONG)me->iv;
	} else if (me->general) {
		p->general = 8;
		m.pParameter = &p->general;
		m.ulParameterLen = sizeof(p->general);
	}
	return m;
}

/* Sign then verify with k: as the flags say, or CKR_MECHANISM_INVALID at init. */
static void check_sign(const struct mech *me, CK_FLAGS flags, const struct key *k, CK_MECHANISM *m)
{
	const uint8_t *in = me->in == IN_DATA ? data : in32;
	CK_ULONG inlen = me->in == IN_DATA ? sizeof(data) : sizeof(in32), siglen = 0;
	CK_OBJECT_HANDLE pub = k->pub != CK_INVALID_HANDLE ? k->pub : k->priv;
	uint8_t sig[1024];
	CK_RV rv = f->C_SignInit(sess, m, k->priv);

	if (!(flags & CKF_SIGN)) {
		is_rv(rv, CKR_MECHANISM_INVALID, "%s (%lu): no CKF_SIGN, C_SignInit refused", me->name, k->size);
	} else if (is_rv(rv, CKR_OK, "%s (%lu): CKF_SIGN, C_SignInit", me->name, k->size)) {
		siglen = sizeof(sig);
		is_rv(f->C_Sign(sess, (CK_BYTE_PTR)in, inlen, sig, &siglen), CKR_OK, "%s (%lu): C_Sign", me->name, k->size);
		/* The digest's state rule holds for every kind: a refused call ends the operation. */
		ok(f->C_SignInit(sess, m, k->priv) == CKR_OK &&
			   f->C_Sign(sess, (CK_BYTE_PTR)in, inlen, sig, NULL) == CKR_ARGUMENTS_BAD &&
			   f->C_Sign(sess, (CK_BYTE_PTR)in, inlen, sig, &siglen) == CKR_OPERATION_NOT_INITIALIZED,
		   "%s (%lu): C_Sign without a length is CKR_ARGUMENTS_BAD and ends the signing", me->name, k->size);
	}
	rv = f->C_VerifyInit(sess, m, pub);
	if (!(flags & CKF_VERIFY)) {
		is_rv(rv, CKR_MECHANISM_INVALID, "%s (%lu): no CKF_VERIFY, C_VerifyInit refused", me->name, k->size);
	} else if (is_rv(rv, CKR_OK, "%s (%lu): CKF_VERIFY, C_VerifyInit", me->name, k->size)) {
		/* Without CKF_SIGN there is no signature to verify: a zero one must fail (and ends the op). */
		rv = f->C_Verify(sess, (CK_BYTE_PTR)in, inlen, sig, siglen);
		if (flags & CKF_SIGN)
			is_rv(rv, CKR_OK, "%s (%lu): C_Verify of that signature", me->name, k->size);
		else
			ok(0, "%s: CKF_VERIFY without CKF_SIGN: this test has no signature for it", me->name);
	}
}

/* Encrypt then decrypt with k: as the flags say, or CKR_MECHANISM_INVALID at init. */
static void check_cipher(const struct mech *me, CK_FLAGS flags, const struct key *k, CK_MECHANISM *m)
{
	CK_OBJECT_HANDLE pub = k->pub != CK_INVALID_HANDLE ? k->pub : k->priv;
	uint8_t ct[1024], pt[1024];
	CK_ULONG ctlen = 0, ptlen = sizeof(pt);
	CK_RV rv = f->C_EncryptInit(sess, m, pub);

	if (!(flags & CKF_ENCRYPT)) {
		is_rv(rv, CKR_MECHANISM_INVALID, "%s (%lu): no CKF_ENCRYPT, C_EncryptInit refused", me->name, k->size);
	} else if (is_rv(rv, CKR_OK, "%s (%lu): CKF_ENCRYPT, C_EncryptInit", me->name, k->size)) {
		ctlen = sizeof(ct);
		is_rv(f->C_Encrypt(sess, (CK_BYTE_PTR)in32, sizeof(in32), ct, &ctlen), CKR_OK, "%s (%lu): C_Encrypt", me->name,
		      k->size);
	}
	rv = f->C_DecryptInit(sess, m, k->priv);
	if (!(flags & CKF_DECRYPT)) {
		is_rv(rv, CKR_MECHANISM_INVALID, "%s (%lu): no CKF_DECRYPT, C_DecryptInit refused", me->name, k->size);
	} else if (is_rv(rv, CKR_OK, "%s (%lu): CKF_DECRYPT, C_DecryptInit", me->name, k->size)) {
		rv = f->C_Decrypt(sess, ct, ctlen, pt, &ptlen);
		if (flags & CKF_ENCRYPT)
			ok(rv == CKR_OK && ptlen == sizeof(in32) && memcmp(pt, in32, ptlen) == 0,
			   "%s (%lu): C_Decrypt gives the plaintext back (0x%lx)", me->name, k->size, (unsigned long)rv);
		else
			ok(0, "%s: CKF_DECRYPT without CKF_ENCRYPT: this test has no ciphertext for it", me->name);
	}
}

/* A mechanism that does not generate is refused by C_GenerateKeyPair and C_GenerateKey. */
static void check_no_generate(const struct mech *me, CK_FLAGS flags, const struct key *k)
{
	const struct curve *c = curve_of(me->key_type, k->size);
	struct key g;

	if (!(flags & CKF_GENERATE_KEY_PAIR))
		is_rv(generate(1, me->type, me->key_type, k->size, c, &g), CKR_MECHANISM_INVALID,
		      "%s: no CKF_GENERATE_KEY_PAIR, C_GenerateKeyPair refused", me->name);
	if (!(flags & CKF_GENERATE))
		is_rv(generate(0, me->type, me->key_type, k->size, c, &g), CKR_MECHANISM_INVALID,
		      "%s: no CKF_GENERATE, C_GenerateKey refused", me->name);
}

/*
 * The state rule of PKCS#11 v3.0 5.2 on a digest: any failed call (the entry
 * point's own CKR_ARGUMENTS_BAD, C_Digest after C_DigestUpdate) ends it.
 */
static void check_digest_state(const struct mech *me)
{
	CK_MECHANISM m = { me->type, NULL, 0 };
	uint8_t got[EVP_MAX_MD_SIZE];
	CK_ULONG gl = sizeof(got);

	ok(f->C_DigestInit(sess, &m) == CKR_OK &&
		   f->C_Digest(sess, (CK_BYTE_PTR)data, sizeof(data), got, NULL) == CKR_ARGUMENTS_BAD &&
		   f->C_Digest(sess, (CK_BYTE_PTR)data, sizeof(data), got, &gl) == CKR_OPERATION_NOT_INITIALIZED,
	   "%s: C_Digest without a length is CKR_ARGUMENTS_BAD and ends the digest", me->name);
	ok(f->C_DigestInit(sess, &m) == CKR_OK && f->C_DigestFinal(sess, got, NULL) == CKR_ARGUMENTS_BAD &&
		   f->C_DigestFinal(sess, got, &gl) == CKR_OPERATION_NOT_INITIALIZED,
	   "%s: C_DigestFinal without a length is CKR_ARGUMENTS_BAD and ends the digest", me->name);
	ok(f->C_DigestInit(sess, &m) == CKR_OK && f->C_DigestUpdate(sess, NULL, 3) == CKR_ARGUMENTS_BAD &&
		   f->C_DigestFinal(sess, got, &gl) == CKR_OPERATION_NOT_INITIALIZED,
	   "%s: C_DigestUpdate of NULL is CKR_ARGUMENTS_BAD and ends the digest", me->name);
	gl = 0;
	ok(f->C_DigestInit(sess, &m) == CKR_OK && f->C_DigestUpdate(sess, (CK_BYTE_PTR)data, 1) == CKR_OK &&
		   f->C_DigestFinal(sess, NULL, &gl) == CKR_OK && gl > 0, "%s: the length query keeps the digest", me->name);
	gl = sizeof(got);
	is_rv(f->C_Digest(sess, (CK_BYTE_PTR)data, sizeof(data), got, &gl), CKR_OPERATION_ACTIVE,
	      "%s: C_Digest after C_DigestUpdate: CKR_OPERATION_ACTIVE", me->name);
	is_rv(f->C_DigestFinal(sess, got, &gl), CKR_OPERATION_NOT_INITIALIZED,
	      "%s: the refused C_Digest ended the digest", me->name);
}

/* A digest: CKF_DIGEST only; C_Digest and C_DigestUpdate/Final give OpenSSL's digest; no other init takes it. */
static void check_digest(const struct mech *me, const CK_MECHANISM_INFO *mi)
{
	CK_MECHANISM m = { me->type, NULL, 0 };
	uint8_t want[EVP_MAX_MD_SIZE], got[EVP_MAX_MD_SIZE];
	unsigned int wl = 0;
	CK_ULONG gl = sizeof(got);
	int ai = type_index(CKK_AES);
	const struct key *k = nkeys[ai] > 0 ? &keys[ai][0] : NULL;
	struct key g;

	ok(mi->flags == CKF_DIGEST && mi->ulMinKeySize == 0 && mi->ulMaxKeySize == 0, "%s: CKF_DIGEST, no key size",
	   me->name);
	if (!ok(EVP_Digest(data, sizeof(data), want, &wl, EVP_get_digestbyname(me->md), NULL) == 1, "%s: OpenSSL's %s",
		me->name, me->md))
		return;
	ok(f->C_DigestInit(sess, &m) == CKR_OK && f->C_Digest(sess, (CK_BYTE_PTR)data, sizeof(data), got, &gl) == CKR_OK &&
		   gl == wl && memcmp(got, want, wl) == 0,
	   "%s: C_Digest is OpenSSL's %s", me->name, me->md);
	gl = sizeof(got);
	ok(f->C_DigestInit(sess, &m) == CKR_OK && f->C_DigestUpdate(sess, (CK_BYTE_PTR)data, 5) == CKR_OK &&
		   f->C_DigestUpdate(sess, (CK_BYTE_PTR)data + 5, sizeof(data) - 5) == CKR_OK &&
		   f->C_DigestFinal(sess, got, &gl) == CKR_OK && gl == wl && memcmp(got, want, wl) == 0,
	   "%s: C_DigestUpdate twice and C_DigestFinal", me->name);
	check_digest_state(me);
	if (!ok(k != NULL, "%s: an AES key to try the other inits with", me->name))
		return;
	is_rv(f->C_SignInit(sess, &m, k->priv), CKR_MECHANISM_INVALID, "%s: no CKF_SIGN, C_SignInit refused", me->name);
	is_rv(f->C_VerifyInit(sess, &m, k->priv), CKR_MECHANISM_INVALID, "%s: no CKF_VERIFY, C_VerifyInit refused", me->name);
	is_rv(f->C_EncryptInit(sess, &m, k->priv), CKR_MECHANISM_INVALID, "%s: no CKF_ENCRYPT, C_EncryptInit refused", me->name);
	is_rv(f->C_DecryptInit(sess, &m, k->priv), CKR_MECHANISM_INVALID, "%s: no CKF_DECRYPT, C_DecryptInit refused", me->name);
	is_rv(generate(0, me->type, CKK_AES, 16, NULL, &g), CKR_MECHANISM_INVALID, "%s: no CKF_GENERATE, C_GenerateKey refused",
	      me->name);
}

static void check_mechanism(const struct mech *me, const CK_MECHANISM_INFO *mi)
{
	int ti = type_index(me->key_type);
	struct params p;
	CK_MECHANISM m = mech_of(me, &p);

	if (me->md != NULL) {
		check_digest(me, mi);
		return;
	}
	is_rv(f->C_DigestInit(sess, &m), CKR_MECHANISM_INVALID, "%s: no CKF_DIGEST, C_DigestInit refused", me->name);
	if (ti < 0 || nkeys[ti] == 0) {
		ok(0, "%s: keys of its type were generated", me->name);
		return;
	}
	/* The keys were made at the generating mechanism's bounds: these must be this mechanism's too. */
	ok(mi->ulMinKeySize == keys[ti][0].size && mi->ulMaxKeySize == keys[ti][nkeys[ti] - 1].size,
	   "%s: key sizes %lu..%lu are those key generation takes", me->name, mi->ulMinKeySize, mi->ulMaxKeySize);
	for (size_t i = 0; i < nkeys[ti]; i++) {
		check_sign(me, mi->flags, &keys[ti][i], &m);
		check_cipher(me, mi->flags, &keys[ti][i], &m);
	}
	check_no_generate(me, mi->flags, &keys[ti][0]);
}

/* A mechanism not listed: C_GetMechanismInfo and every init refuse it. */
static void check_unlisted(CK_MECHANISM_TYPE type, const char *name, CK_KEY_TYPE key_type)
{
	CK_MECHANISM m = { type, NULL, 0 };
	CK_MECHANISM_INFO mi;
	int ti = type_index(key_type);
	const struct key *k = ti >= 0 && nkeys[ti] > 0 ? &keys[ti][0] : NULL;
	CK_OBJECT_HANDLE pub;

	is_rv(f->C_GetMechanismInfo(slot, type, &mi), CKR_MECHANISM_INVALID, "%s: not listed, no C_GetMechanismInfo", name);
	is_rv(f->C_DigestInit(sess, &m), CKR_MECHANISM_INVALID, "%s: C_DigestInit refused", name);
	if (k == NULL) {
		ok(0, "%s: a key of its type", name);
		return;
	}
	pub = k->pub != CK_INVALID_HANDLE ? k->pub : k->priv;
	is_rv(f->C_SignInit(sess, &m, k->priv), CKR_MECHANISM_INVALID, "%s: C_SignInit refused", name);
	is_rv(f->C_VerifyInit(sess, &m, pub), CKR_MECHANISM_INVALID, "%s: C_VerifyInit refused", name);
	is_rv(f->C_EncryptInit(sess, &m, pub), CKR_MECHANISM_INVALID, "%s: C_EncryptInit refused", name);
	is_rv(f->C_DecryptInit(sess, &m, k->priv), CKR_MECHANISM_INVALID, "%s: C_DecryptInit refused", name);
}

/*
 * A usage the key does not have is CKR_KEY_FUNCTION_NOT_PERMITTED, with a
 * mechanism that does it: an AES key made for ciphers only does not MAC
 * (CKM_AES_CMAC), a generic secret made to verify only does not sign.
 */
static void check_usages(void)
{
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ULONG len = 16, hlen = 32;
	CK_MECHANISM gen = { CKM_AES_KEY_GEN, NULL, 0 }, cmac = { CKM_AES_CMAC, NULL, 0 };
	CK_MECHANISM ggen = { CKM_GENERIC_SECRET_KEY_GEN, NULL, 0 }, hmac = { CKM_SHA256_HMAC, NULL, 0 };
	CK_MECHANISM ecb = { CKM_AES_ECB, NULL, 0 }, rsa = { CKM_RSA_PKCS, NULL, 0 }, wrap = { CKM_AES_KEY_WRAP, NULL, 0 };
	uint8_t id1 = next_id++, id2 = next_id++;
	CK_ATTRIBUTE aes[] = { { CKA_TOKEN, &token_keys, sizeof(token_keys) }, { CKA_ID, &id1, 1 },
			       { CKA_ENCRYPT, &yes, sizeof(yes) }, { CKA_DECRYPT, &no, sizeof(no) },
			       { CKA_VALUE_LEN, &len, sizeof(len) } };
	CK_ATTRIBUTE gs[] = { { CKA_TOKEN, &token_keys, sizeof(token_keys) }, { CKA_ID, &id2, 1 },
			      { CKA_SIGN, &no, sizeof(no) }, { CKA_VERIFY, &yes, sizeof(yes) },
			      { CKA_VALUE_LEN, &hlen, sizeof(hlen) } };
	CK_OBJECT_HANDLE a = CK_INVALID_HANDLE, g = CK_INVALID_HANDLE;

	is_rv(f->C_GenerateKey(sess, &gen, aes, 5, &a), CKR_OK, "usages: an AES key that only encrypts");
	is_rv(f->C_SignInit(sess, &cmac, a), CKR_KEY_FUNCTION_NOT_PERMITTED, "usages: it does not MAC (CKM_AES_CMAC)");
	is_rv(f->C_DecryptInit(sess, &ecb, a), CKR_KEY_FUNCTION_NOT_PERMITTED, "usages: it does not decrypt");
	is_rv(f->C_EncryptInit(sess, &ecb, a), CKR_OK, "usages: it encrypts");
	is_rv(f->C_GenerateKey(sess, &ggen, gs, 5, &g), CKR_OK, "usages: a generic secret that only verifies");
	is_rv(f->C_SignInit(sess, &hmac, g), CKR_KEY_FUNCTION_NOT_PERMITTED, "usages: it does not sign (HMAC)");
	is_rv(f->C_VerifyInit(sess, &hmac, g), CKR_OK, "usages: it verifies");
	is_rv(f->C_EncryptInit(sess, &ecb, g), CKR_OPERATION_ACTIVE, "usages: (an encryption is active)");
	/* The key's type before the mechanism's kind and the usage: CKR_KEY_TYPE_INCONSISTENT. */
	is_rv(f->C_DecryptInit(sess, &rsa, a), CKR_KEY_TYPE_INCONSISTENT,
	      "key types: CKM_RSA_PKCS (no decryption here) with an AES key: CKR_KEY_TYPE_INCONSISTENT");
	is_rv(f->C_DecryptInit(sess, &ecb, g), CKR_KEY_TYPE_INCONSISTENT,
	      "key types: CKM_AES_ECB with a generic secret: CKR_KEY_TYPE_INCONSISTENT");
	is_rv(f->C_SignInit(sess, &cmac, g), CKR_KEY_TYPE_INCONSISTENT,
	      "key types: CKM_AES_CMAC with a generic secret (that does not sign): CKR_KEY_TYPE_INCONSISTENT");
	is_rv(f->C_DecryptInit(sess, &wrap, a), CKR_MECHANISM_INVALID,
	      "key types: CKM_AES_KEY_WRAP with an AES key does not decrypt: CKR_MECHANISM_INVALID");
}

/*
 * RSA generation: a public exponent is a big-endian integer of any length
 * (leading zeros too); CKA_SIGN_RECOVER/CKA_VERIFY_RECOVER are kept and
 * reported though no mechanism recovers; a CK_BBOOL without its byte is
 * CKR_ATTRIBUTE_VALUE_INVALID.
 */
static void check_rsa_template(void)
{
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE, got = CK_FALSE;
	CK_ULONG bits = 1024, len = 16;
	uint8_t e4[] = { 0x00, 0x01, 0x00, 0x01 }, e[8];
	CK_ATTRIBUTE pub[] = { { CKA_TOKEN, &no, 1 }, { CKA_MODULUS_BITS, &bits, sizeof(bits) },
			       { CKA_PUBLIC_EXPONENT, e4, sizeof(e4) }, { CKA_VERIFY_RECOVER, &yes, 1 }, { CKA_ENCRYPT, NULL, 0 } };
	CK_ATTRIBUTE priv[] = { { CKA_TOKEN, &no, 1 }, { CKA_SIGN_RECOVER, &yes, 1 } };
	CK_ATTRIBUTE rd[] = { { CKA_PUBLIC_EXPONENT, e, sizeof(e) }, { CKA_VERIFY_RECOVER, &got, 1 } };
	CK_ATTRIBUTE aes[] = { { CKA_TOKEN, &no, 1 }, { CKA_VALUE_LEN, &len, sizeof(len) }, { CKA_SIGN_RECOVER, &yes, 1 } };
	CK_MECHANISM gen = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 }, pkcs = { CKM_RSA_PKCS, NULL, 0 };
	CK_MECHANISM agen = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_OBJECT_HANDLE hp = CK_INVALID_HANDLE, hs = CK_INVALID_HANDLE, a = CK_INVALID_HANDLE;

	is_rv(f->C_GenerateKeyPair(sess, &gen, pub, 5, priv, 2, &hp, &hs), CKR_ATTRIBUTE_VALUE_INVALID,
	      "RSA: a CK_BBOOL of length 0: CKR_ATTRIBUTE_VALUE_INVALID");
	if (!is_rv(f->C_GenerateKeyPair(sess, &gen, pub, 4, priv, 2, &hp, &hs), CKR_OK,
		   "RSA: public exponent 00 01 00 01 (a leading zero), CKA_SIGN_RECOVER and CKA_VERIFY_RECOVER"))
		return;
	ok(f->C_GetAttributeValue(sess, hp, rd, 2) == CKR_OK && rd[0].ulValueLen == 3 && memcmp(e, e4 + 1, 3) == 0 &&
		   got == CK_TRUE,
	   "RSA: the exponent reads 01 00 01, CKA_VERIFY_RECOVER true");
	rd[1].type = CKA_SIGN_RECOVER;
	got = CK_FALSE;
	ok(f->C_GetAttributeValue(sess, hs, &rd[1], 1) == CKR_OK && got == CK_TRUE, "RSA: CKA_SIGN_RECOVER true");
	is_rv(f->C_SignRecoverInit(sess, &pkcs, hs), CKR_FUNCTION_NOT_SUPPORTED,
	      "RSA: C_SignRecoverInit: CKR_FUNCTION_NOT_SUPPORTED (a permission no mechanism here uses)");
	ok(f->C_DestroyObject(sess, hp) == CKR_OK && f->C_DestroyObject(sess, hs) == CKR_OK, "RSA: the pair destroyed");
	is_rv(f->C_GenerateKey(sess, &agen, aes, 3, &a), CKR_TEMPLATE_INCONSISTENT,
	      "AES: CKA_SIGN_RECOVER (no key type but RSA recovers): CKR_TEMPLATE_INCONSISTENT");
}

/* A key-management mechanism: only its flags, and every sign, verify, encrypt, decrypt init refused. */
static int check_keymgmt(CK_MECHANISM_TYPE type, const CK_MECHANISM_INFO *mi)
{
	CK_MECHANISM m = { type, NULL, 0 };
	size_t i;
	int ti;

	for (i = 0; i < sizeof(keymgmt) / sizeof(keymgmt[0]) && keymgmt[i].type != type; i++)
		;
	if (i == sizeof(keymgmt) / sizeof(keymgmt[0]))
		return 0;
	/* EC mechanisms also say which curves (named, prime field, uncompressed points). */
	ok((mi->flags & ~(CK_FLAGS)(CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS)) == keymgmt[i].flags,
	   "%s: flags 0x%lx only (tests/p11-keymgmt runs it)", keymgmt[i].name, mi->flags);
	ti = type_index(keymgmt[i].key_type);
	if (ti >= 0 && nkeys[ti] > 0) {
		const struct key *k = &keys[ti][0];
		CK_OBJECT_HANDLE pub = k->pub != CK_INVALID_HANDLE ? k->pub : k->priv;

		ok(f->C_SignInit(sess, &m, k->priv) == CKR_MECHANISM_INVALID &&
			   f->C_VerifyInit(sess, &m, pub) == CKR_MECHANISM_INVALID &&
			   f->C_EncryptInit(sess, &m, pub) == CKR_MECHANISM_INVALID &&
			   f->C_DecryptInit(sess, &m, k->priv) == CKR_MECHANISM_INVALID,
		   "%s: no sign, verify, encrypt or decrypt", keymgmt[i].name);
	}
	return 1;
}

static void run(void)
{
	CK_MECHANISM_TYPE list[128];
	CK_MECHANISM_INFO info[128];
	CK_ULONG n = 0;
	int seen[sizeof(known) / sizeof(known[0])] = { 0 };

	if (!is_rv(f->C_GetMechanismList(slot, NULL, &n), CKR_OK, "C_GetMechanismList: length") || n == 0 || n > 128 ||
	    !is_rv(f->C_GetMechanismList(slot, list, &n), CKR_OK, "C_GetMechanismList: %lu mechanisms", n)) {
		printf("Bail out! no mechanism list\n");
		exit(1);
	}
	for (CK_ULONG i = 0; i < n; i++) {
		const struct mech *me = mech_known(list[i]);

		is_rv(f->C_GetMechanismInfo(slot, list[i], &info[i]), CKR_OK, "C_GetMechanismInfo 0x%lx", list[i]);
		if (me == NULL && (info[i].flags & (CKF_WRAP | CKF_UNWRAP | CKF_DERIVE)))
			continue; /* checked once the keys exist (check_keymgmt) */
		if (!ok(me != NULL, "mechanism 0x%lx is one this test knows how to run", list[i]))
			continue;
		seen[me - known] = 1;
		ok((me->md != NULL ? info[i].ulMinKeySize == 0 : info[i].ulMinKeySize > 0) &&
			   info[i].ulMinKeySize <= info[i].ulMaxKeySize,
		   "%s: key sizes %lu..%lu", me->name, info[i].ulMinKeySize, info[i].ulMaxKeySize);
	}
	/* The policy docs/module.md states: no PKCS#1 v1.5 decryption (a padding oracle on OpenSSL 3.0). */
	for (CK_ULONG i = 0; i < n; i++)
		if (list[i] == CKM_RSA_PKCS)
			ok(!(info[i].flags & CKF_DECRYPT) && (info[i].flags & CKF_SIGN), "CKM_RSA_PKCS signs, does not decrypt");
	/* Generating mechanisms first: they make the keys the others run on. */
	for (CK_ULONG i = 0; i < n; i++) {
		const struct mech *me = mech_known(list[i]);

		if (me == NULL || !me->gen)
			continue;
		ok((info[i].flags & (CKF_GENERATE_KEY_PAIR | CKF_GENERATE)) != 0, "%s: a generate flag", me->name);
		check_generation(me, &info[i]);
		check_creation(me, &info[i]);
	}
	for (CK_ULONG i = 0; i < n; i++)
		if (mech_known(list[i]) != NULL)
			check_mechanism(mech_known(list[i]), &info[i]);
		else
			ok(check_keymgmt(list[i], &info[i]), "mechanism 0x%lx is one this test knows", list[i]);
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!seen[i])
			check_unlisted(known[i].type, known[i].name, known[i].key_type);
	for (size_t i = 0; i < sizeof(unlisted) / sizeof(unlisted[0]); i++)
		check_unlisted(unlisted[i].type, unlisted[i].name, unlisted[i].key_type);
	check_usages();
	check_rsa_template();
}

int main(int argc, char **argv)
{
	void *lib;

	if (argc != 4) {
		fprintf(stderr, "usage: p11-mechs MODULE TOKEN PIN\n");
		return 2;
	}
	if (getenv("P11_MECHS_SESSION_KEYS") != NULL && strcmp(getenv("P11_MECHS_SESSION_KEYS"), "1") == 0)
		token_keys = CK_FALSE;
	if (p11_test_open(argv[1], argv[2], argv[3], &f, &lib, &slot, &sess) < 0)
		return 1;
	run();
	f->C_CloseSession(sess);
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	dlclose(lib);
	return poc_test_done();
}
