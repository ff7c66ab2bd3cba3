/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Crypto on released keys through OpenSSL 3 EVP. Every sign mechanism is
 * "optional digest, then EVP_PKEY_sign on a raw input" (EdDSA aside, which
 * has no prehash), so the hashed and raw variants share one code path.
 */
#include "crypto/p11_crypto.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "store/object.h"

struct poc_key {
	CK_KEY_TYPE type;
	int priv;
	EVP_PKEY *pkey;            /* asymmetric keys */
	uint8_t *secret;           /* secret keys: poc_secret_alloc'ed */
	size_t secret_len;
	size_t nbytes;             /* EC: order bytes; RSA: modulus bytes; EdDSA: signature bytes */
	CK_ULONG bits;
	uint8_t *a1, *a2;          /* public attributes: EC_PARAMS/EC_POINT or MODULUS/PUBLIC_EXPONENT */
	size_t a1_len, a2_len;
	struct poc_op *ops;        /* ops made on this key: poc_key_free drops their kept contexts */
};

struct mech_desc;

/*
 * key, knext, kprev and parked change only under the caller's serialisation
 * (see poc_op_park); the thread running the op never reads them, so
 * poc_key_free may detach an op that is running.
 */
struct poc_op {
	enum poc_op_kind kind;
	const struct mech_desc *d;
	size_t nbytes;          /* see struct poc_key */
	OSSL_LIB_CTX *lc;       /* where pctx and md are made (NULL: OpenSSL's default) */
	EVP_PKEY_CTX *pctx;     /* ECDSA, RSA */
	EVP_MD_CTX *mctx;       /* the prehash of hashing mechanisms; EdDSA */
	EVP_MD *md;             /* the prehash, fetched once (re-initialised after reuse) */
	int md_stale;           /* mctx must be initialised again before use */
	EVP_CIPHER_CTX *cctx;   /* AES-GCM: holds the key schedule, IV and AAD */
	size_t taglen;          /* AES-GCM */
	size_t maxin;           /* RSA encryption: longest plaintext */
	size_t mdlen;           /* raw PSS: the hash length the input must have */
	int multi;              /* an update was done */
	int broken;             /* an EVP call failed: do not reuse */
	uint8_t *buf;           /* input buffered for mechanisms that need all of it */
	size_t buflen, bufcap;
	CK_MECHANISM_TYPE mech;
	int reusable;           /* no parameters and contexts that can run again (poc_op_park) */
	int parked;             /* finished, kept for poc_op_reuse */
	struct poc_key *key;    /* the key it was made on; NULL once detached */
	struct poc_op *knext, **kprev; /* on key->ops */
};

enum alg { ALG_ECDSA, ALG_RSA_PKCS, ALG_RSA_PSS, ALG_RSA_OAEP, ALG_EDDSA, ALG_AES_GCM };

#define K_SIGN (1u << POC_OP_SIGN)
#define K_VERIFY (1u << POC_OP_VERIFY)
#define K_ENCRYPT (1u << POC_OP_ENCRYPT)
#define K_DECRYPT (1u << POC_OP_DECRYPT)
#define K_SV (K_SIGN | K_VERIFY)
#define K_ED (K_ENCRYPT | K_DECRYPT)

struct mech_desc {
	CK_MECHANISM_TYPE type;
	CK_KEY_TYPE key_type;
	unsigned kinds;
	enum alg alg;
	CK_MECHANISM_TYPE hash; /* the prehash of a hashing mechanism, or 0 (raw) */
};

static const struct mech_desc mech_descs[] = {
	{CKM_ECDSA, CKK_EC, K_SV, ALG_ECDSA, 0},
	{CKM_ECDSA_SHA1, CKK_EC, K_SV, ALG_ECDSA, CKM_SHA_1},
	{CKM_ECDSA_SHA224, CKK_EC, K_SV, ALG_ECDSA, CKM_SHA224},
	{CKM_ECDSA_SHA256, CKK_EC, K_SV, ALG_ECDSA, CKM_SHA256},
	{CKM_ECDSA_SHA384, CKK_EC, K_SV, ALG_ECDSA, CKM_SHA384},
	{CKM_ECDSA_SHA512, CKK_EC, K_SV, ALG_ECDSA, CKM_SHA512},
	/*
	 * No PKCS#1 v1.5 decryption: on OpenSSL 3.0 it is a padding oracle
	 * (Bleichenbacher, Marvin: no implicit rejection before 3.2). OAEP
	 * decrypts; v1.5 encryption to a public key stays (no oracle there).
	 */
	{CKM_RSA_PKCS, CKK_RSA, K_SV | K_ENCRYPT, ALG_RSA_PKCS, 0},
	{CKM_SHA1_RSA_PKCS, CKK_RSA, K_SV, ALG_RSA_PKCS, CKM_SHA_1},
	{CKM_SHA224_RSA_PKCS, CKK_RSA, K_SV, ALG_RSA_PKCS, CKM_SHA224},
	{CKM_SHA256_RSA_PKCS, CKK_RSA, K_SV, ALG_RSA_PKCS, CKM_SHA256},
	{CKM_SHA384_RSA_PKCS, CKK_RSA, K_SV, ALG_RSA_PKCS, CKM_SHA384},
	{CKM_SHA512_RSA_PKCS, CKK_RSA, K_SV, ALG_RSA_PKCS, CKM_SHA512},
	{CKM_RSA_PKCS_PSS, CKK_RSA, K_SV, ALG_RSA_PSS, 0},
	{CKM_SHA1_RSA_PKCS_PSS, CKK_RSA, K_SV, ALG_RSA_PSS, CKM_SHA_1},
	{CKM_SHA224_RSA_PKCS_PSS, CKK_RSA, K_SV, ALG_RSA_PSS, CKM_SHA224},
	{CKM_SHA256_RSA_PKCS_PSS, CKK_RSA, K_SV, ALG_RSA_PSS, CKM_SHA256},
	{CKM_SHA384_RSA_PKCS_PSS, CKK_RSA, K_SV, ALG_RSA_PSS, CKM_SHA384},
	{CKM_SHA512_RSA_PKCS_PSS, CKK_RSA, K_SV, ALG_RSA_PSS, CKM_SHA512},
	{CKM_RSA_PKCS_OAEP, CKK_RSA, K_ED, ALG_RSA_OAEP, 0},
	{CKM_EDDSA, CKK_EC_EDWARDS, K_SV, ALG_EDDSA, 0},
	{CKM_AES_GCM, CKK_AES, K_ED, ALG_AES_GCM, 0},
};

#define EC_FLAGS (CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS)
#define EC_SV {256, 521, CKF_SIGN | CKF_VERIFY | EC_FLAGS}
#define RSA_SV {2048, 16384, CKF_SIGN | CKF_VERIFY}

static const struct poc_mech mechs[] = {
	{CKM_EC_KEY_PAIR_GEN, {256, 384, CKF_GENERATE_KEY_PAIR | EC_FLAGS}},
	{CKM_ECDSA, EC_SV},
	{CKM_ECDSA_SHA1, EC_SV},
	{CKM_ECDSA_SHA224, EC_SV},
	{CKM_ECDSA_SHA256, EC_SV},
	{CKM_ECDSA_SHA384, EC_SV},
	{CKM_ECDSA_SHA512, EC_SV},
	{CKM_RSA_PKCS_KEY_PAIR_GEN, {2048, 4096, CKF_GENERATE_KEY_PAIR}},
	{CKM_RSA_PKCS, {2048, 16384, CKF_SIGN | CKF_VERIFY | CKF_ENCRYPT}}, /* no CKF_DECRYPT: see mech_descs */
	{CKM_SHA1_RSA_PKCS, RSA_SV},
	{CKM_SHA224_RSA_PKCS, RSA_SV},
	{CKM_SHA256_RSA_PKCS, RSA_SV},
	{CKM_SHA384_RSA_PKCS, RSA_SV},
	{CKM_SHA512_RSA_PKCS, RSA_SV},
	{CKM_RSA_PKCS_PSS, RSA_SV},
	{CKM_SHA1_RSA_PKCS_PSS, RSA_SV},
	{CKM_SHA224_RSA_PKCS_PSS, RSA_SV},
	{CKM_SHA256_RSA_PKCS_PSS, RSA_SV},
	{CKM_SHA384_RSA_PKCS_PSS, RSA_SV},
	{CKM_SHA512_RSA_PKCS_PSS, RSA_SV},
	{CKM_RSA_PKCS_OAEP, {2048, 16384, CKF_ENCRYPT | CKF_DECRYPT}},
	{CKM_EC_EDWARDS_KEY_PAIR_GEN, {255, 448, CKF_GENERATE_KEY_PAIR}},
	{CKM_EDDSA, {255, 448, CKF_SIGN | CKF_VERIFY}},
	{CKM_AES_KEY_GEN, {16, 32, CKF_GENERATE}},
	{CKM_AES_GCM, {16, 32, CKF_ENCRYPT | CKF_DECRYPT}},
};

#define RSA_MIN_BITS 2048
#define RSA_MAX_BITS 16384

const struct poc_mech *poc_mechanisms(size_t *n)
{
	*n = sizeof(mechs) / sizeof(mechs[0]);
	return mechs;
}

const struct poc_mech *poc_mechanism_find(CK_MECHANISM_TYPE type)
{
	for (size_t i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
		if (mechs[i].type == type)
			return &mechs[i];
	return NULL;
}

static const EVP_MD *hash_md(CK_MECHANISM_TYPE h)
{
	switch (h) {
	case CKM_SHA_1: return EVP_sha1();
	case CKM_SHA224: return EVP_sha224();
	case CKM_SHA256: return EVP_sha256();
	case CKM_SHA384: return EVP_sha384();
	case CKM_SHA512: return EVP_sha512();
	default: return NULL;
	}
}

static const EVP_MD *mgf_md(CK_RSA_PKCS_MGF_TYPE g)
{
	switch (g) {
	case CKG_MGF1_SHA1: return EVP_sha1();
	case CKG_MGF1_SHA224: return EVP_sha224();
	case CKG_MGF1_SHA256: return EVP_sha256();
	case CKG_MGF1_SHA384: return EVP_sha384();
	case CKG_MGF1_SHA512: return EVP_sha512();
	default: return NULL;
	}
}

/* ---- keys ---- */

/* DER OCTET STRING or OBJECT IDENTIFIER header + body into a new buffer. */
static uint8_t *der_wrap(uint8_t tag, const uint8_t *body, size_t len, size_t *out_len)
{
	size_t hl = len < 128 ? 2 : len < 256 ? 3 : 4;
	uint8_t *p;

	if (len > 0xffff || (p = malloc(hl + len)) == NULL)
		return NULL;
	p[0] = tag;
	if (hl == 2) {
		p[1] = (uint8_t)len;
	} else if (hl == 3) {
		p[1] = 0x81;
		p[2] = (uint8_t)len;
	} else {
		p[1] = 0x82;
		p[2] = (uint8_t)(len >> 8);
		p[3] = (uint8_t)len;
	}
	memcpy(p + hl, body, len);
	*out_len = hl + len;
	return p;
}

static uint8_t *bn_param(const EVP_PKEY *pk, const char *name, size_t *len)
{
	BIGNUM *bn = NULL;
	uint8_t *p = NULL;
	int n;

	if (EVP_PKEY_get_bn_param(pk, name, &bn) != 1)
		return NULL;
	n = BN_num_bytes(bn);
	if ((p = malloc(n > 0 ? (size_t)n : 1)) != NULL)
		*len = (size_t)BN_bn2bin(bn, p);
	BN_free(bn);
	return p;
}

/* Fills type-specific fields and the public attributes; 0 or -1 with e set. */
static int key_setup(struct poc_err *e, struct poc_key *k)
{
	static const uint8_t ed25519_oid[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
	static const uint8_t ed448_oid[] = {0x06, 0x03, 0x2b, 0x65, 0x71};
	uint8_t pt[160];
	char group[64];
	size_t ptlen = 0;
	int id = EVP_PKEY_get_base_id(k->pkey);

	k->bits = (CK_ULONG)EVP_PKEY_get_bits(k->pkey);
	switch (id) {
	case EVP_PKEY_EC: {
		const ASN1_OBJECT *obj;
		int nid, n;

		if (k->type != CKK_EC)
			return poc_err_set(e, POC_ERR_MISMATCH, "key: an EC key where key type %#lx was expected", k->type);
		if (EVP_PKEY_get_utf8_string_param(k->pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), NULL) != 1 ||
		    (nid = OBJ_txt2nid(group)) == NID_undef || (obj = OBJ_nid2obj(nid)) == NULL)
			return poc_err_ssl(e, POC_ERR_UNSUPPORTED, "key: EC key without a named curve");
		if ((n = i2d_ASN1_OBJECT(obj, NULL)) <= 0 || (k->a1 = malloc((size_t)n)) == NULL)
			return poc_err_set(e, POC_ERR_NOMEM, "key: curve OID");
		{
			uint8_t *w = k->a1;
			k->a1_len = (size_t)i2d_ASN1_OBJECT(obj, &w);
		}
		if (k->bits < 256 || k->bits > 521)
			return poc_err_set(e, POC_ERR_UNSUPPORTED, "key: EC curve %s (%lu bits) is not supported", group, k->bits);
		k->nbytes = (k->bits + 7) / 8;
		break;
	}
	case EVP_PKEY_ED25519:
	case EVP_PKEY_ED448:
		if (k->type != CKK_EC_EDWARDS)
			return poc_err_set(e, POC_ERR_MISMATCH, "key: an EdDSA key where key type %#lx was expected", k->type);
		k->a1_len = sizeof(ed25519_oid);
		if ((k->a1 = malloc(k->a1_len)) == NULL)
			return poc_err_set(e, POC_ERR_NOMEM, "key: curve OID");
		memcpy(k->a1, id == EVP_PKEY_ED25519 ? ed25519_oid : ed448_oid, k->a1_len);
		k->nbytes = (size_t)EVP_PKEY_get_size(k->pkey);
		break;
	case EVP_PKEY_RSA:
		if (k->type != CKK_RSA)
			return poc_err_set(e, POC_ERR_MISMATCH, "key: an RSA key where key type %#lx was expected", k->type);
		if (k->bits < RSA_MIN_BITS || k->bits > RSA_MAX_BITS)
			return poc_err_set(e, POC_ERR_UNSUPPORTED, "key: RSA modulus of %lu bits (%d..%d)", k->bits,
					   RSA_MIN_BITS, RSA_MAX_BITS);
		k->nbytes = (size_t)EVP_PKEY_get_size(k->pkey);
		if ((k->a1 = bn_param(k->pkey, OSSL_PKEY_PARAM_RSA_N, &k->a1_len)) == NULL ||
		    (k->a2 = bn_param(k->pkey, OSSL_PKEY_PARAM_RSA_E, &k->a2_len)) == NULL)
			return poc_err_ssl(e, POC_ERR_CRYPTO, "key: RSA public values");
		return 0;
	default:
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "key: unsupported key algorithm %d", id);
	}
	/* EC and Edwards: the encoded point (uncompressed for EC) in an OCTET STRING. */
	if (EVP_PKEY_get_octet_string_param(k->pkey, id == EVP_PKEY_EC ? OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY
									: OSSL_PKEY_PARAM_PUB_KEY,
					    pt, sizeof(pt), &ptlen) != 1 ||
	    (k->a2 = der_wrap(0x04, pt, ptlen, &k->a2_len)) == NULL)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "key: public point");
	return 0;
}

struct poc_key *poc_key_from_secret(struct poc_err *e, CK_KEY_TYPE type, const uint8_t *secret, size_t len)
{
	struct poc_key *k;
	const unsigned char *p = secret;

	if (secret == NULL || len == 0 || len > POC_OBJECT_SECRET_MAX || len > LONG_MAX) {
		poc_err_set(e, POC_ERR_ARG, "key: no key material");
		return NULL;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "key");
		return NULL;
	}
	k->type = type;
	k->priv = 1;
	switch (type) {
	case CKK_AES:
		if (len != 16 && len != 24 && len != 32) {
			poc_err_set(e, POC_ERR_ARG, "key: AES key of %zu bytes (16, 24 or 32)", len);
			goto err;
		}
		/* fall through */
	case CKK_GENERIC_SECRET:
		if ((k->secret = poc_secret_alloc(len)) == NULL) {
			poc_err_set(e, POC_ERR_NOMEM, "key: %zu bytes of locked memory", len);
			goto err;
		}
		memcpy(k->secret, secret, len);
		k->secret_len = len;
		k->bits = (CK_ULONG)len * 8;
		return k;
	case CKK_EC:
	case CKK_RSA:
	case CKK_EC_EDWARDS:
		/* Both PKCS#8 PrivateKeyInfo and the traditional per-algorithm forms. */
		k->pkey = d2i_AutoPrivateKey(NULL, &p, (long)len);
		if (k->pkey == NULL) {
			poc_err_ssl(e, POC_ERR_MALFORMED, "key: private key DER");
			goto err;
		}
		if ((size_t)(p - secret) != len) {
			poc_err_set(e, POC_ERR_MALFORMED, "key: %zu trailing bytes after the private key",
				    len - (size_t)(p - secret));
			goto err;
		}
		if (key_setup(e, k) != 0)
			goto err;
		return k;
	default:
		poc_err_set(e, POC_ERR_UNSUPPORTED, "key: key type %#lx", type);
		goto err;
	}
err:
	ERR_clear_error();
	poc_key_free(k);
	return NULL;
}

struct poc_key *poc_key_from_spki(struct poc_err *e, const uint8_t *spki, size_t len)
{
	struct poc_key *k;
	const unsigned char *p = spki;

	if (spki == NULL || len == 0 || len > LONG_MAX) {
		poc_err_set(e, POC_ERR_ARG, "public key: no SubjectPublicKeyInfo");
		return NULL;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "public key");
		return NULL;
	}
	if ((k->pkey = d2i_PUBKEY(NULL, &p, (long)len)) == NULL) {
		poc_err_ssl(e, POC_ERR_MALFORMED, "public key: SubjectPublicKeyInfo DER");
		goto err;
	}
	if ((size_t)(p - spki) != len) {
		poc_err_set(e, POC_ERR_MALFORMED, "public key: trailing bytes after the SubjectPublicKeyInfo");
		goto err;
	}
	switch (EVP_PKEY_get_base_id(k->pkey)) {
	case EVP_PKEY_EC: k->type = CKK_EC; break;
	case EVP_PKEY_RSA: k->type = CKK_RSA; break;
	case EVP_PKEY_ED25519:
	case EVP_PKEY_ED448: k->type = CKK_EC_EDWARDS; break;
	default:
		poc_err_set(e, POC_ERR_UNSUPPORTED, "public key: unsupported algorithm %d", EVP_PKEY_get_base_id(k->pkey));
		goto err;
	}
	if (key_setup(e, k) != 0)
		goto err;
	return k;
err:
	ERR_clear_error();
	poc_key_free(k);
	return NULL;
}

static void op_drop_crypto(struct poc_op *op);

void poc_key_free(struct poc_key *k)
{
	struct poc_op *op;

	if (k == NULL)
		return;
	/* Parked ops hold contexts (and so the key) for reuse: drop them with the key. */
	while ((op = k->ops) != NULL) {
		k->ops = op->knext;
		op->key = NULL;
		op->knext = NULL;
		op->kprev = NULL;
		if (op->parked)
			op_drop_crypto(op);
	}
	EVP_PKEY_free(k->pkey); /* OpenSSL clears private components when freeing */
	poc_secret_free(k->secret, k->secret_len);
	free(k->a1);
	free(k->a2);
	free(k);
}

CK_KEY_TYPE poc_key_type(const struct poc_key *k)
{
	return k->type;
}

int poc_key_is_private(const struct poc_key *k)
{
	return k->priv;
}

CK_RV poc_key_spki(const struct poc_key *k, uint8_t **spki, size_t *spki_len)
{
	unsigned char *p;
	int n;

	if (k == NULL || spki == NULL || spki_len == NULL)
		return CKR_ARGUMENTS_BAD;
	if (k->pkey == NULL)
		return CKR_KEY_TYPE_INCONSISTENT;
	if ((n = i2d_PUBKEY(k->pkey, NULL)) <= 0)
		return CKR_FUNCTION_FAILED;
	if ((*spki = malloc((size_t)n)) == NULL)
		return CKR_HOST_MEMORY;
	p = *spki;
	*spki_len = (size_t)i2d_PUBKEY(k->pkey, &p);
	return CKR_OK;
}

static CK_RV attr_out(const void *v, size_t need, uint8_t *buf, CK_ULONG *len)
{
	CK_ULONG have = *len;

	*len = (CK_ULONG)need;
	if (buf == NULL)
		return CKR_OK;
	if (have < need)
		return CKR_BUFFER_TOO_SMALL;
	memcpy(buf, v, need);
	return CKR_OK;
}

CK_RV poc_key_attr(const struct poc_key *k, CK_ATTRIBUTE_TYPE type, uint8_t *buf, CK_ULONG *len)
{
	CK_ULONG v;

	if (k == NULL || len == NULL)
		return CKR_ARGUMENTS_BAD;
	switch (k->type) {
	case CKK_EC:
	case CKK_EC_EDWARDS:
		if (type == CKA_EC_PARAMS)
			return attr_out(k->a1, k->a1_len, buf, len);
		if (type == CKA_EC_POINT)
			return attr_out(k->a2, k->a2_len, buf, len);
		break;
	case CKK_RSA:
		if (type == CKA_MODULUS)
			return attr_out(k->a1, k->a1_len, buf, len);
		if (type == CKA_PUBLIC_EXPONENT)
			return attr_out(k->a2, k->a2_len, buf, len);
		if (type == CKA_MODULUS_BITS) {
			v = k->bits;
			return attr_out(&v, sizeof(v), buf, len);
		}
		break;
	case CKK_AES:
	case CKK_GENERIC_SECRET:
		if (type == CKA_VALUE_LEN) {
			v = (CK_ULONG)k->secret_len;
			return attr_out(&v, sizeof(v), buf, len);
		}
		break;
	default:
		break;
	}
	return CKR_ATTRIBUTE_TYPE_INVALID;
}

/* ---- operations ---- */

/* The legacy (pre-v2.40 errata) CK_GCM_PARAMS without ulIvBits, still sent by some applications. */
struct gcm_params_legacy {
	CK_BYTE_PTR pIv;
	CK_ULONG ulIvLen;
	CK_BYTE_PTR pAAD;
	CK_ULONG ulAADLen;
	CK_ULONG ulTagBits;
};

static const struct mech_desc *desc_find(CK_MECHANISM_TYPE type)
{
	for (size_t i = 0; i < sizeof(mech_descs) / sizeof(mech_descs[0]); i++)
		if (mech_descs[i].type == type)
			return &mech_descs[i];
	return NULL;
}

static int pctx_init(EVP_PKEY_CTX *c, enum poc_op_kind kind)
{
	switch (kind) {
	case POC_OP_SIGN: return EVP_PKEY_sign_init(c);
	case POC_OP_VERIFY: return EVP_PKEY_verify_init(c);
	case POC_OP_ENCRYPT: return EVP_PKEY_encrypt_init(c);
	case POC_OP_DECRYPT: return EVP_PKEY_decrypt_init(c);
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
	if ((o->d->hash != 0 && pp->hashAlg != o->d->hash) || (*md = hash_md(pp->hashAlg)) == NULL ||
	    (mgf = mgf_md(pp->mgf)) == NULL)
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
	if ((md = hash_md(pp->hashAlg)) == NULL || (mgf = mgf_md(pp->mgf)) == NULL)
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

static CK_RV op_setup(struct poc_op *o, const CK_MECHANISM *m, const struct poc_key *k)
{
	const EVP_MD *md = NULL;
	CK_RV rv;

	if (o->d->alg != ALG_RSA_PSS && o->d->alg != ALG_RSA_OAEP && o->d->alg != ALG_AES_GCM &&
	    m->ulParameterLen != 0)
		return CKR_MECHANISM_PARAM_INVALID;
	switch (o->d->alg) {
	case ALG_AES_GCM:
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
		break;
	}
	if ((o->pctx = EVP_PKEY_CTX_new_from_pkey(o->lc, k->pkey, NULL)) == NULL)
		return CKR_HOST_MEMORY;
	if (pctx_init(o->pctx, o->kind) != 1)
		return CKR_FUNCTION_FAILED;
	if (o->d->hash != 0)
		md = hash_md(o->d->hash);
	switch (o->d->alg) {
	case ALG_ECDSA:
		break;
	case ALG_RSA_PKCS:
		o->maxin = o->nbytes - 11;
		if (EVP_PKEY_CTX_set_rsa_padding(o->pctx, RSA_PKCS1_PADDING) != 1 ||
		    (md != NULL && EVP_PKEY_CTX_set_signature_md(o->pctx, md) != 1))
			return CKR_FUNCTION_FAILED;
		break;
	case ALG_RSA_PSS:
		if ((rv = init_pss(o, m, k, &md)) != CKR_OK)
			return rv;
		if (o->d->hash == 0)
			md = NULL; /* raw PSS: the input is the hash */
		break;
	case ALG_RSA_OAEP:
		return init_oaep(o, m);
	case ALG_EDDSA:
	case ALG_AES_GCM:
		return CKR_GENERAL_ERROR;
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

CK_RV poc_op_init(struct poc_op **op, enum poc_op_kind kind, const CK_MECHANISM *m, const struct poc_key *k)
{
	return poc_op_init_ex(op, kind, m, k, NULL);
}

CK_RV poc_op_init_ex(struct poc_op **op, enum poc_op_kind kind, const CK_MECHANISM *m, const struct poc_key *k,
		     OSSL_LIB_CTX *lc)
{
	const struct mech_desc *d;
	struct poc_op *o;
	CK_RV rv;

	if (op == NULL || m == NULL || k == NULL || (unsigned)kind > POC_OP_DECRYPT)
		return CKR_ARGUMENTS_BAD;
	*op = NULL;
	if ((d = desc_find(m->mechanism)) == NULL || !(d->kinds & (1u << kind)))
		return CKR_MECHANISM_INVALID;
	if (d->key_type != k->type)
		return CKR_KEY_TYPE_INCONSISTENT;
	if ((kind == POC_OP_SIGN || kind == POC_OP_DECRYPT) && !k->priv)
		return CKR_KEY_FUNCTION_NOT_PERMITTED;
	if ((o = calloc(1, sizeof(*o))) == NULL)
		return CKR_HOST_MEMORY;
	o->kind = kind;
	o->d = d;
	o->nbytes = k->nbytes;
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
static void op_drop_crypto(struct poc_op *op)
{
	EVP_PKEY_CTX_free(op->pctx);
	EVP_MD_CTX_free(op->mctx);
	EVP_MD_free(op->md);
	EVP_CIPHER_CTX_free(op->cctx); /* cleanses the key schedule */
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
	op_drop_crypto(op);
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
static CK_RV buf_append(struct poc_op *o, const uint8_t *in, size_t inlen, CK_RV too_long)
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
static int out_check(CK_RV *rv, size_t need, const uint8_t *out, CK_ULONG *outlen)
{
	if (out == NULL || *outlen < need) {
		*rv = out == NULL ? CKR_OK : CKR_BUFFER_TOO_SMALL;
		*outlen = (CK_ULONG)need;
		return 0;
	}
	return 1;
}

/* ECDSA-Sig-Value DER (what OpenSSL produces) to r||s, each n bytes. */
static int der_to_rs(const uint8_t *der, size_t dlen, uint8_t *out, size_t n)
{
	const uint8_t *p = der, *end = der + dlen;
	size_t l;

	if (dlen < 2 || *p++ != 0x30)
		return -1;
	if (*p < 0x80) {
		l = *p++;
	} else if (*p == 0x81 && dlen >= 3) {
		l = p[1];
		p += 2;
	} else {
		return -1;
	}
	if (l != (size_t)(end - p))
		return -1;
	for (int i = 0; i < 2; i++) {
		if (end - p < 2 || p[0] != 0x02 || p[1] >= 0x80 || p[1] > end - p - 2)
			return -1;
		l = p[1];
		p += 2;
		for (; l > 0 && *p == 0; l--)
			p++;
		if (l > n)
			return -1;
		memset(out + i * n, 0, n - l);
		memcpy(out + i * n + n - l, p, l);
		p += l;
	}
	return p == end ? 0 : -1;
}

/* r||s (each n <= 66 bytes) to DER in der (at least 2 * n + 9 bytes). */
static size_t rs_to_der(const uint8_t *rs, size_t n, uint8_t *der)
{
	static const uint8_t zero;
	const uint8_t *v[2];
	size_t l[2], pad[2], body = 0, h, off;

	for (int i = 0; i < 2; i++) {
		v[i] = rs + i * n;
		l[i] = n;
		for (; l[i] > 0 && *v[i] == 0; l[i]--)
			v[i]++;
		if (l[i] == 0) {
			v[i] = &zero;
			l[i] = 1;
		}
		pad[i] = (*v[i] & 0x80) ? 1 : 0;
		body += 2 + pad[i] + l[i];
	}
	der[0] = 0x30;
	if (body < 128) {
		der[1] = (uint8_t)body;
		h = 2;
	} else {
		der[1] = 0x81;
		der[2] = (uint8_t)body;
		h = 3;
	}
	off = h;
	for (int i = 0; i < 2; i++) {
		der[off++] = 0x02;
		der[off++] = (uint8_t)(pad[i] + l[i]);
		if (pad[i])
			der[off++] = 0;
		memcpy(der + off, v[i], l[i]);
		off += l[i];
	}
	return off;
}

static size_t sig_len(const struct poc_op *o)
{
	return o->d->alg == ALG_ECDSA ? 2 * o->nbytes : o->nbytes;
}

/* A reused op starts its prehash again (here, outside the caller's lock). */
static CK_RV digest_ready(struct poc_op *o)
{
	if (!o->md_stale)
		return CKR_OK;
	if (EVP_DigestInit_ex(o->mctx, o->md, NULL) != 1)
		return CKR_FUNCTION_FAILED;
	o->md_stale = 0;
	return CKR_OK;
}

/*
 * The to-be-signed bytes: the finished prehash (into md) for hashing
 * mechanisms, else the data (in, or the buffer when from_buf).
 */
static CK_RV tbs_get(struct poc_op *o, const uint8_t *in, size_t inlen, int from_buf, uint8_t md[EVP_MAX_MD_SIZE],
		     const uint8_t **tbs, size_t *tbslen)
{
	unsigned int mdlen = 0;

	if (from_buf) {
		in = o->buf;
		inlen = o->buflen;
	}
	if (o->mctx == NULL || o->d->alg == ALG_EDDSA) {
		*tbs = in;
		*tbslen = inlen;
		return CKR_OK;
	}
	if (digest_ready(o) != CKR_OK || (!from_buf && EVP_DigestUpdate(o->mctx, in, inlen) != 1) ||
	    EVP_DigestFinal_ex(o->mctx, md, &mdlen) != 1) {
		o->broken = 1;
		return CKR_FUNCTION_FAILED;
	}
	*tbs = md;
	*tbslen = mdlen;
	return CKR_OK;
}

/* Raw mechanisms: is this input acceptable? */
static CK_RV raw_check(const struct poc_op *o, size_t tbslen)
{
	if (o->d->hash != 0)
		return CKR_OK;
	switch (o->d->alg) {
	case ALG_ECDSA:
		/* A hash of any length up to the order (or the longest hash); OpenSSL truncates. */
		return tbslen == 0 || (tbslen > o->nbytes && tbslen > 64) ? CKR_DATA_LEN_RANGE : CKR_OK;
	case ALG_RSA_PKCS:
		return tbslen > o->maxin ? CKR_DATA_LEN_RANGE : CKR_OK;
	case ALG_RSA_PSS:
		return tbslen != o->mdlen ? CKR_DATA_LEN_RANGE : CKR_OK;
	case ALG_EDDSA:
	case ALG_RSA_OAEP:
	case ALG_AES_GCM:
		break;
	}
	return CKR_OK;
}

static CK_RV sign_tbs(struct poc_op *o, const uint8_t *tbs, size_t tbslen, uint8_t *out, CK_ULONG *outlen)
{
	uint8_t der[160];
	size_t sl;
	CK_RV rv;

	if ((rv = raw_check(o, tbslen)) != CKR_OK)
		return rv;
	switch (o->d->alg) {
	case ALG_ECDSA:
		sl = sizeof(der);
		if (EVP_PKEY_sign(o->pctx, der, &sl, tbs, tbslen) != 1 || der_to_rs(der, sl, out, o->nbytes) != 0) {
			o->broken = 1;
			return CKR_FUNCTION_FAILED;
		}
		*outlen = (CK_ULONG)(2 * o->nbytes);
		return CKR_OK;
	case ALG_RSA_PKCS:
	case ALG_RSA_PSS:
		sl = o->nbytes;
		if (EVP_PKEY_sign(o->pctx, out, &sl, tbs, tbslen) != 1) {
			o->broken = 1;
			return CKR_FUNCTION_FAILED;
		}
		*outlen = (CK_ULONG)sl;
		return CKR_OK;
	case ALG_EDDSA:
		sl = o->nbytes;
		if (EVP_DigestSign(o->mctx, out, &sl, tbs, tbslen) != 1)
			return CKR_FUNCTION_FAILED;
		*outlen = (CK_ULONG)sl;
		return CKR_OK;
	case ALG_RSA_OAEP:
	case ALG_AES_GCM:
		break;
	}
	return CKR_GENERAL_ERROR;
}

static CK_RV verify_tbs(struct poc_op *o, const uint8_t *tbs, size_t tbslen, const uint8_t *sig, size_t siglen)
{
	uint8_t der[160];
	size_t dl;
	CK_RV rv;
	int r = 0;

	if (siglen != sig_len(o))
		return CKR_SIGNATURE_LEN_RANGE;
	if ((rv = raw_check(o, tbslen)) != CKR_OK)
		return rv;
	switch (o->d->alg) {
	case ALG_ECDSA:
		dl = rs_to_der(sig, o->nbytes, der);
		r = EVP_PKEY_verify(o->pctx, der, dl, tbs, tbslen);
		break;
	case ALG_RSA_PKCS:
	case ALG_RSA_PSS:
		r = EVP_PKEY_verify(o->pctx, sig, siglen, tbs, tbslen);
		break;
	case ALG_EDDSA:
		r = EVP_DigestVerify(o->mctx, sig, siglen, tbs, tbslen);
		break;
	case ALG_RSA_OAEP:
	case ALG_AES_GCM:
		return CKR_GENERAL_ERROR;
	}
	if (r != 1) {
		ERR_clear_error();
		o->broken = r < 0; /* an error, not just a wrong signature */
		return CKR_SIGNATURE_INVALID;
	}
	return CKR_OK;
}

static CK_RV sign_run(struct poc_op *o, const uint8_t *in, size_t inlen, int from_buf, uint8_t *out,
		      CK_ULONG *outlen)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	const uint8_t *tbs;
	size_t tbslen;
	CK_RV rv;

	if (!out_check(&rv, sig_len(o), out, outlen))
		return rv;
	if ((rv = tbs_get(o, in, inlen, from_buf, md, &tbs, &tbslen)) == CKR_OK)
		rv = sign_tbs(o, tbs, tbslen, out, outlen);
	if (rv != CKR_OK)
		ERR_clear_error();
	return rv;
}

static CK_RV cipher_run(struct poc_op *o, const uint8_t *in, size_t inlen, uint8_t *out, CK_ULONG *outlen)
{
	uint8_t tag[16], *tmp;
	size_t need, sl;
	CK_RV rv;
	int n = 0, m = 0, r;

	if (inlen > INT_MAX)
		return o->kind == POC_OP_ENCRYPT ? CKR_DATA_LEN_RANGE : CKR_ENCRYPTED_DATA_LEN_RANGE;
	switch (o->d->alg) {
	case ALG_AES_GCM:
		if (o->kind == POC_OP_ENCRYPT) {
			if (!out_check(&rv, inlen + o->taglen, out, outlen))
				return rv;
			if ((inlen > 0 && EVP_CipherUpdate(o->cctx, out, &n, in, (int)inlen) != 1) ||
			    EVP_CipherFinal_ex(o->cctx, out + n, &m) != 1 ||
			    EVP_CIPHER_CTX_ctrl(o->cctx, EVP_CTRL_GCM_GET_TAG, (int)o->taglen, out + n + m) != 1)
				return CKR_FUNCTION_FAILED;
			*outlen = (CK_ULONG)((size_t)n + (size_t)m + o->taglen);
			return CKR_OK;
		}
		if (inlen < o->taglen)
			return CKR_ENCRYPTED_DATA_LEN_RANGE;
		need = inlen - o->taglen;
		if (!out_check(&rv, need, out, outlen))
			return rv;
		memcpy(tag, in + need, o->taglen);
		if ((need > 0 && EVP_CipherUpdate(o->cctx, out, &n, in, (int)need) != 1) ||
		    EVP_CIPHER_CTX_ctrl(o->cctx, EVP_CTRL_GCM_SET_TAG, (int)o->taglen, tag) != 1)
			return CKR_FUNCTION_FAILED;
		/* OpenSSL compares the tag in constant time; nothing unauthenticated stays in out. */
		if (EVP_CipherFinal_ex(o->cctx, out + n, &m) != 1) {
			OPENSSL_cleanse(out, need);
			ERR_clear_error();
			return CKR_ENCRYPTED_DATA_INVALID;
		}
		*outlen = (CK_ULONG)need;
		return CKR_OK;
	case ALG_RSA_PKCS:
	case ALG_RSA_OAEP:
		if (o->kind == POC_OP_ENCRYPT) {
			if (inlen > o->maxin)
				return CKR_DATA_LEN_RANGE;
			if (!out_check(&rv, o->nbytes, out, outlen))
				return rv;
			sl = o->nbytes;
			if (EVP_PKEY_encrypt(o->pctx, out, &sl, in, inlen) != 1) {
				ERR_clear_error();
				o->broken = 1;
				return CKR_FUNCTION_FAILED;
			}
			*outlen = (CK_ULONG)sl;
			return CKR_OK;
		}
		if (inlen != o->nbytes)
			return CKR_ENCRYPTED_DATA_LEN_RANGE;
		if (out == NULL) {
			*outlen = (CK_ULONG)o->nbytes; /* an upper bound */
			return CKR_OK;
		}
		if (*outlen >= o->nbytes) {
			sl = *outlen;
			r = EVP_PKEY_decrypt(o->pctx, out, &sl, in, inlen);
			if (r != 1) {
				ERR_clear_error();
				o->broken = 1;
				return CKR_ENCRYPTED_DATA_INVALID;
			}
			*outlen = (CK_ULONG)sl;
			return CKR_OK;
		}
		/* A short buffer may still fit the plaintext: decrypt aside, in locked memory. */
		if ((tmp = poc_secret_alloc(o->nbytes)) == NULL)
			return CKR_HOST_MEMORY;
		sl = o->nbytes;
		if (EVP_PKEY_decrypt(o->pctx, tmp, &sl, in, inlen) != 1) {
			ERR_clear_error();
			o->broken = 1;
			rv = CKR_ENCRYPTED_DATA_INVALID;
		} else if (sl > *outlen) {
			rv = CKR_BUFFER_TOO_SMALL;
			*outlen = (CK_ULONG)sl;
		} else {
			memcpy(out, tmp, sl);
			*outlen = (CK_ULONG)sl;
			rv = CKR_OK;
		}
		poc_secret_free(tmp, o->nbytes);
		return rv;
	case ALG_ECDSA:
	case ALG_RSA_PSS:
	case ALG_EDDSA:
		break;
	}
	return CKR_GENERAL_ERROR;
}

CK_RV poc_op_oneshot(struct poc_op *op, const uint8_t *in, CK_ULONG inlen, uint8_t *out, CK_ULONG *outlen)
{
	if (op == NULL || outlen == NULL || (in == NULL && inlen > 0))
		return CKR_ARGUMENTS_BAD;
	if (op->kind == POC_OP_VERIFY)
		return CKR_OPERATION_NOT_INITIALIZED;
	if (op->multi)
		return CKR_OPERATION_ACTIVE;
	if (op->kind == POC_OP_SIGN)
		return sign_run(op, in, inlen, 0, out, outlen);
	return cipher_run(op, in, inlen, out, outlen);
}

CK_RV poc_op_update(struct poc_op *op, const uint8_t *in, CK_ULONG inlen, uint8_t *out, CK_ULONG *outlen)
{
	CK_RV rv;
	int n = 0;

	if (op == NULL || (in == NULL && inlen > 0))
		return CKR_ARGUMENTS_BAD;
	if (op->kind == POC_OP_SIGN || op->kind == POC_OP_VERIFY) {
		op->multi = 1;
		if (op->mctx != NULL && op->d->alg != ALG_EDDSA) {
			if (digest_ready(op) != CKR_OK || EVP_DigestUpdate(op->mctx, in, inlen) != 1) {
				op->broken = 1;
				return CKR_FUNCTION_FAILED;
			}
			return CKR_OK;
		}
		return buf_append(op, in, inlen, CKR_DATA_LEN_RANGE);
	}
	if (outlen == NULL)
		return CKR_ARGUMENTS_BAD;
	if (op->d->alg == ALG_AES_GCM && op->kind == POC_OP_ENCRYPT) {
		if (inlen > INT_MAX)
			return CKR_DATA_LEN_RANGE;
		if (!out_check(&rv, inlen, out, outlen))
			return rv;
		op->multi = 1;
		if (inlen > 0 && EVP_CipherUpdate(op->cctx, out, &n, in, (int)inlen) != 1)
			return CKR_FUNCTION_FAILED;
		*outlen = (CK_ULONG)n;
		return CKR_OK;
	}
	/* GCM decryption and RSA: everything is decided at final; no output now. */
	if (out == NULL) {
		*outlen = 0;
		return CKR_OK;
	}
	op->multi = 1;
	*outlen = 0;
	return buf_append(op, in, inlen, op->kind == POC_OP_ENCRYPT ? CKR_DATA_LEN_RANGE : CKR_ENCRYPTED_DATA_LEN_RANGE);
}

CK_RV poc_op_final(struct poc_op *op, uint8_t *out, CK_ULONG *outlen)
{
	CK_RV rv;
	int n = 0;

	if (op == NULL || outlen == NULL)
		return CKR_ARGUMENTS_BAD;
	switch (op->kind) {
	case POC_OP_VERIFY:
		return CKR_OPERATION_NOT_INITIALIZED;
	case POC_OP_SIGN:
		return sign_run(op, NULL, 0, 1, out, outlen);
	case POC_OP_ENCRYPT:
		if (op->d->alg != ALG_AES_GCM)
			break;
		if (!out_check(&rv, op->taglen, out, outlen))
			return rv;
		if (EVP_CipherFinal_ex(op->cctx, out, &n) != 1 || n != 0 ||
		    EVP_CIPHER_CTX_ctrl(op->cctx, EVP_CTRL_GCM_GET_TAG, (int)op->taglen, out) != 1)
			return CKR_FUNCTION_FAILED;
		*outlen = (CK_ULONG)op->taglen;
		return CKR_OK;
	case POC_OP_DECRYPT:
		break;
	}
	return cipher_run(op, op->buf, op->buflen, out, outlen);
}

CK_RV poc_op_verify(struct poc_op *op, const uint8_t *in, CK_ULONG inlen, const uint8_t *sig, CK_ULONG siglen)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	const uint8_t *tbs;
	size_t tbslen;
	CK_RV rv;

	if (op == NULL || (in == NULL && inlen > 0) || (sig == NULL && siglen > 0))
		return CKR_ARGUMENTS_BAD;
	if (op->kind != POC_OP_VERIFY)
		return CKR_OPERATION_NOT_INITIALIZED;
	if (op->multi)
		return CKR_OPERATION_ACTIVE;
	if ((rv = tbs_get(op, in, inlen, 0, md, &tbs, &tbslen)) != CKR_OK)
		return rv;
	return verify_tbs(op, tbs, tbslen, sig, siglen);
}

CK_RV poc_op_verify_final(struct poc_op *op, const uint8_t *sig, CK_ULONG siglen)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	const uint8_t *tbs;
	size_t tbslen;
	CK_RV rv;

	if (op == NULL || (sig == NULL && siglen > 0))
		return CKR_ARGUMENTS_BAD;
	if (op->kind != POC_OP_VERIFY)
		return CKR_OPERATION_NOT_INITIALIZED;
	if ((rv = tbs_get(op, NULL, 0, 1, md, &tbs, &tbslen)) != CKR_OK)
		return rv;
	return verify_tbs(op, tbs, tbslen, sig, siglen);
}

/* ---- key generation ---- */

static CK_RV edwards_alg(const uint8_t *p, size_t len, const char **alg)
{
	static const uint8_t oid25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
	static const uint8_t oid448[] = {0x06, 0x03, 0x2b, 0x65, 0x71};
	static const uint8_t str25519[] = "\x13\x0c" "edwards25519";
	static const uint8_t str448[] = "\x13\x0a" "edwards448";

	*alg = "ED25519";
	if (p == NULL || len == 0 || (len == sizeof(oid25519) && memcmp(p, oid25519, len) == 0) ||
	    (len == sizeof(str25519) - 1 && memcmp(p, str25519, len) == 0))
		return CKR_OK;
	*alg = "ED448";
	if ((len == sizeof(oid448) && memcmp(p, oid448, len) == 0) ||
	    (len == sizeof(str448) - 1 && memcmp(p, str448, len) == 0))
		return CKR_OK;
	return CKR_CURVE_NOT_SUPPORTED;
}

static CK_RV ec_curve(const uint8_t *p, size_t len, const char **name)
{
	const unsigned char *q = p;
	ASN1_OBJECT *obj;
	int nid;

	if (p == NULL || len == 0 || len > LONG_MAX)
		return CKR_TEMPLATE_INCOMPLETE;
	if ((obj = d2i_ASN1_OBJECT(NULL, &q, (long)len)) == NULL) {
		ERR_clear_error();
		return CKR_DOMAIN_PARAMS_INVALID;
	}
	nid = OBJ_obj2nid(obj);
	ASN1_OBJECT_free(obj);
	if ((size_t)(q - p) != len)
		return CKR_DOMAIN_PARAMS_INVALID;
	if (nid != NID_X9_62_prime256v1 && nid != NID_secp384r1)
		return CKR_CURVE_NOT_SUPPORTED;
	*name = OBJ_nid2sn(nid);
	return CKR_OK;
}

/* Private key as PKCS#8 DER in locked memory (no unwiped copy left behind by a BIO). */
static CK_RV pkcs8_out(EVP_PKEY *pk, uint8_t **secret, size_t *secret_len)
{
	PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(pk);
	unsigned char *w;
	CK_RV rv = CKR_FUNCTION_FAILED;
	int n;

	if (p8 == NULL || (n = i2d_PKCS8_PRIV_KEY_INFO(p8, NULL)) <= 0)
		goto done;
	if ((*secret = poc_secret_alloc((size_t)n)) == NULL) {
		rv = CKR_HOST_MEMORY;
		goto done;
	}
	w = *secret;
	if (i2d_PKCS8_PRIV_KEY_INFO(p8, &w) != n) {
		poc_secret_free(*secret, (size_t)n);
		*secret = NULL;
		goto done;
	}
	*secret_len = (size_t)n;
	rv = CKR_OK;
done:
	PKCS8_PRIV_KEY_INFO_free(p8); /* its ASN.1 callback clears the key octets */
	return rv;
}

CK_RV poc_keygen(CK_MECHANISM_TYPE mech, CK_KEY_TYPE type, const uint8_t *ec_params, size_t ec_params_len,
		 CK_ULONG bits_or_len, uint8_t **secret, size_t *secret_len, uint8_t **spki, size_t *spki_len)
{
	struct poc_key k = {0};
	EVP_PKEY *pk = NULL;
	const char *name = NULL;
	CK_RV rv;

	if (secret == NULL || secret_len == NULL)
		return CKR_ARGUMENTS_BAD;
	*secret = NULL;
	*secret_len = 0;
	if (mech == CKM_AES_KEY_GEN) {
		if (type != CKK_AES)
			return CKR_TEMPLATE_INCONSISTENT;
		if (bits_or_len != 16 && bits_or_len != 24 && bits_or_len != 32)
			return CKR_KEY_SIZE_RANGE;
		if ((*secret = poc_secret_alloc(bits_or_len)) == NULL)
			return CKR_HOST_MEMORY;
		if (RAND_priv_bytes(*secret, (int)bits_or_len) != 1) {
			poc_secret_free(*secret, bits_or_len);
			*secret = NULL;
			return CKR_FUNCTION_FAILED;
		}
		*secret_len = bits_or_len;
		if (spki != NULL)
			*spki = NULL;
		return CKR_OK;
	}
	if (spki == NULL || spki_len == NULL)
		return CKR_ARGUMENTS_BAD;
	*spki = NULL;
	switch (mech) {
	case CKM_EC_KEY_PAIR_GEN:
		if (type != CKK_EC)
			return CKR_TEMPLATE_INCONSISTENT;
		if ((rv = ec_curve(ec_params, ec_params_len, &name)) != CKR_OK)
			return rv;
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", name);
		break;
	case CKM_RSA_PKCS_KEY_PAIR_GEN:
		if (type != CKK_RSA)
			return CKR_TEMPLATE_INCONSISTENT;
		if (bits_or_len < 2048 || bits_or_len > 4096 || bits_or_len % 8 != 0)
			return CKR_KEY_SIZE_RANGE;
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits_or_len);
		break;
	case CKM_EC_EDWARDS_KEY_PAIR_GEN:
		if (type != CKK_EC_EDWARDS)
			return CKR_TEMPLATE_INCONSISTENT;
		if ((rv = edwards_alg(ec_params, ec_params_len, &name)) != CKR_OK)
			return rv;
		pk = EVP_PKEY_Q_keygen(NULL, NULL, name);
		break;
	default:
		return CKR_MECHANISM_INVALID;
	}
	if (pk == NULL) {
		ERR_clear_error();
		return CKR_FUNCTION_FAILED;
	}
	k.pkey = pk;
	if ((rv = pkcs8_out(pk, secret, secret_len)) == CKR_OK && (rv = poc_key_spki(&k, spki, spki_len)) != CKR_OK) {
		poc_secret_free(*secret, *secret_len);
		*secret = NULL;
		*secret_len = 0;
	}
	ERR_clear_error();
	EVP_PKEY_free(pk);
	return rv;
}
