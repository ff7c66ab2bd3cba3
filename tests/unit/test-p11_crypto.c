/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Crypto on released keys: every mechanism round trips, tampering fails with
 * the right CKR, PKCS#11 length semantics, parameters are checked, raw ECDSA
 * r||s and RSA-PSS agree with an independent OpenSSL check, key generation
 * produces loadable keys, and attributes have the PKCS#11 encodings.
 */
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "store/object.h"
#include "crypto/p11_crypto.h"
#include "../test.h"

enum { K_P256, K_P384, K_RSA, K_ED, K_AES128, K_AES256, NKEYS };

struct tkey {
	const char *name;
	CK_MECHANISM_TYPE gen;
	CK_KEY_TYPE type;
	const char *params; /* DER, as a byte string */
	size_t params_len;
	CK_ULONG bits;
	struct poc_key *priv, *pub;
	uint8_t *spki;
	size_t spki_len;
};

static struct tkey keys[NKEYS] = {
	[K_P256] = {"P-256", CKM_EC_KEY_PAIR_GEN, CKK_EC, "\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07", 10, 0, NULL, NULL, NULL, 0},
	[K_P384] = {"P-384", CKM_EC_KEY_PAIR_GEN, CKK_EC, "\x06\x05\x2b\x81\x04\x00\x22", 7, 0, NULL, NULL, NULL, 0},
	[K_RSA] = {"RSA-2048", CKM_RSA_PKCS_KEY_PAIR_GEN, CKK_RSA, NULL, 0, 2048, NULL, NULL, NULL, 0},
	[K_ED] = {"Ed25519", CKM_EC_EDWARDS_KEY_PAIR_GEN, CKK_EC_EDWARDS, NULL, 0, 0, NULL, NULL, NULL, 0},
	[K_AES128] = {"AES-128", CKM_AES_KEY_GEN, CKK_AES, NULL, 0, 16, NULL, NULL, NULL, 0},
	[K_AES256] = {"AES-256", CKM_AES_KEY_GEN, CKK_AES, NULL, 0, 32, NULL, NULL, NULL, 0},
};

static const uint8_t msg[] = "Proof-of-Cloud: the quick brown fox jumps over the lazy dog, twice over, "
			     "to make more than one block of input for the hashes.";
#define MSG_LEN (sizeof(msg) - 1)

static void test_keygen(void)
{
	struct poc_err e = {0};
	uint8_t *secret, *spki;
	size_t slen, splen;

	for (int i = 0; i < NKEYS; i++) {
		struct tkey *t = &keys[i];
		uint8_t *again = NULL;
		size_t again_len = 0;

		secret = spki = NULL;
		is_int(poc_keygen(t->gen, t->type, (const uint8_t *)t->params, t->params_len, t->bits, &secret, &slen,
				  &spki, &splen),
		       CKR_OK, "keygen %s", t->name);
		poc_err_clear(&e);
		t->priv = poc_key_from_secret(&e, t->type, secret, slen);
		ok(t->priv != NULL, "keygen %s: private material loads (%s)", t->name, e.msg);
		ok(t->priv && poc_key_type(t->priv) == t->type && poc_key_is_private(t->priv), "keygen %s: key type",
		   t->name);
		poc_secret_free(secret, slen);
		if (t->type == CKK_AES) {
			ok(spki == NULL, "keygen %s: no SPKI for a secret key", t->name);
			continue;
		}
		t->spki = spki;
		t->spki_len = splen;
		t->pub = poc_key_from_spki(&e, spki, splen);
		ok(t->pub != NULL && !poc_key_is_private(t->pub) && poc_key_type(t->pub) == t->type,
		   "keygen %s: SPKI loads (%s)", t->name, e.msg);
		ok(t->priv && poc_key_spki(t->priv, &again, &again_len) == CKR_OK && again_len == splen &&
			   memcmp(again, spki, splen) == 0,
		   "keygen %s: the private key's SPKI matches", t->name);
		free(again);
	}
}

static void test_keygen_errors(void)
{
	static const struct {
		const char *name;
		CK_MECHANISM_TYPE mech;
		CK_KEY_TYPE type;
		const char *params;
		size_t plen;
		CK_ULONG bits;
		CK_RV want;
	} cases[] = {
		{"RSA 1016", CKM_RSA_PKCS_KEY_PAIR_GEN, CKK_RSA, NULL, 0, 1016, CKR_KEY_SIZE_RANGE},
		{"RSA 8192", CKM_RSA_PKCS_KEY_PAIR_GEN, CKK_RSA, NULL, 0, 8192, CKR_KEY_SIZE_RANGE},
		{"secp256k1", CKM_EC_KEY_PAIR_GEN, CKK_EC, "\x06\x05\x2b\x81\x04\x00\x0a", 7, 0, CKR_CURVE_NOT_SUPPORTED},
		{"EC garbage params", CKM_EC_KEY_PAIR_GEN, CKK_EC, "\x04\x01\x00", 3, 0, CKR_DOMAIN_PARAMS_INVALID},
		{"EC no params", CKM_EC_KEY_PAIR_GEN, CKK_EC, NULL, 0, 0, CKR_TEMPLATE_INCOMPLETE},
		{"EC with RSA type", CKM_EC_KEY_PAIR_GEN, CKK_RSA, "\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07", 10, 0,
		 CKR_TEMPLATE_INCONSISTENT},
		{"Edwards unknown curve", CKM_EC_EDWARDS_KEY_PAIR_GEN, CKK_EC_EDWARDS, "\x06\x03\x2b\x65\x6e", 5, 0,
		 CKR_CURVE_NOT_SUPPORTED},
		{"AES 20", CKM_AES_KEY_GEN, CKK_AES, NULL, 0, 20, CKR_KEY_SIZE_RANGE},
		/* Outside the curve table and the RSA range: what C_GetMechanismInfo does not advertise. */
		{"P-521", CKM_EC_KEY_PAIR_GEN, CKK_EC, "\x06\x05\x2b\x81\x04\x00\x23", 7, 0, CKR_CURVE_NOT_SUPPORTED},
		{"P-224", CKM_EC_KEY_PAIR_GEN, CKK_EC, "\x06\x05\x2b\x81\x04\x00\x21", 7, 0, CKR_CURVE_NOT_SUPPORTED},
		{"Ed448 (OID)", CKM_EC_EDWARDS_KEY_PAIR_GEN, CKK_EC_EDWARDS, "\x06\x03\x2b\x65\x71", 5, 0,
		 CKR_CURVE_NOT_SUPPORTED},
		{"Ed448 (name)", CKM_EC_EDWARDS_KEY_PAIR_GEN, CKK_EC_EDWARDS, "\x13\x0a" "edwards448", 12, 0,
		 CKR_CURVE_NOT_SUPPORTED},
		{"P-256 for Edwards", CKM_EC_EDWARDS_KEY_PAIR_GEN, CKK_EC_EDWARDS, "\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07",
		 10, 0, CKR_CURVE_NOT_SUPPORTED},
		{"RSA 4104", CKM_RSA_PKCS_KEY_PAIR_GEN, CKK_RSA, NULL, 0, 4104, CKR_KEY_SIZE_RANGE},
		{"RSA 1020", CKM_RSA_PKCS_KEY_PAIR_GEN, CKK_RSA, NULL, 0, 1020, CKR_KEY_SIZE_RANGE},
		{"AES 8", CKM_AES_KEY_GEN, CKK_AES, NULL, 0, 8, CKR_KEY_SIZE_RANGE},
		{"AES 40", CKM_AES_KEY_GEN, CKK_AES, NULL, 0, 40, CKR_KEY_SIZE_RANGE},
		{"a sign mechanism", CKM_ECDSA, CKK_EC, "\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07", 10, 0,
		 CKR_MECHANISM_INVALID},
		{"IDEA", CKM_IDEA_KEY_GEN, CKK_IDEA, NULL, 0, 16, CKR_MECHANISM_INVALID},
	};
	uint8_t *secret = NULL, *spki = NULL;
	size_t slen = 0, splen = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		is_int(poc_keygen(cases[i].mech, cases[i].type, (const uint8_t *)cases[i].params, cases[i].plen,
				  cases[i].bits, &secret, &slen, &spki, &splen),
		       cases[i].want, "keygen refuses %s", cases[i].name);
		ok(secret == NULL, "keygen %s: no output", cases[i].name);
	}
	/* Ed25519 named by the PKCS#11 3.0 printable string works too. */
	is_int(poc_keygen(CKM_EC_EDWARDS_KEY_PAIR_GEN, CKK_EC_EDWARDS, (const uint8_t *)"\x13\x0c" "edwards25519", 14, 0,
			  &secret, &slen, &spki, &splen),
	       CKR_OK, "keygen Ed25519 from the printable string");
	poc_secret_free(secret, slen);
	free(spki);
}

struct sign_case {
	const char *name;
	CK_MECHANISM_TYPE mech;
	int key;
	const void *param;
	CK_ULONG plen;
	size_t rawlen;  /* raw mechanisms: input length; 0: data */
	int deterministic;
};

static const CK_RSA_PKCS_PSS_PARAMS pss1 = {CKM_SHA_1, CKG_MGF1_SHA1, 20};
static const CK_RSA_PKCS_PSS_PARAMS pss224 = {CKM_SHA224, CKG_MGF1_SHA224, 28};
static const CK_RSA_PKCS_PSS_PARAMS pss256 = {CKM_SHA256, CKG_MGF1_SHA256, 32};
static const CK_RSA_PKCS_PSS_PARAMS pss384 = {CKM_SHA384, CKG_MGF1_SHA384, 48};
static const CK_RSA_PKCS_PSS_PARAMS pss512 = {CKM_SHA512, CKG_MGF1_SHA512, 64};

#define PSS(p) &(p), sizeof(p)

static const struct sign_case sign_cases[] = {
	{"ECDSA P-256 raw", CKM_ECDSA, K_P256, NULL, 0, 32, 0},
	{"ECDSA P-256 raw short hash", CKM_ECDSA, K_P256, NULL, 0, 20, 0},
	{"ECDSA P-384 raw", CKM_ECDSA, K_P384, NULL, 0, 48, 0},
	{"ECDSA-SHA1", CKM_ECDSA_SHA1, K_P256, NULL, 0, 0, 0},
	{"ECDSA-SHA224", CKM_ECDSA_SHA224, K_P256, NULL, 0, 0, 0},
	{"ECDSA-SHA256", CKM_ECDSA_SHA256, K_P256, NULL, 0, 0, 0},
	{"ECDSA-SHA384 P-384", CKM_ECDSA_SHA384, K_P384, NULL, 0, 0, 0},
	{"ECDSA-SHA512", CKM_ECDSA_SHA512, K_P256, NULL, 0, 0, 0},
	{"RSA-PKCS raw", CKM_RSA_PKCS, K_RSA, NULL, 0, 51, 1},
	{"SHA1-RSA-PKCS", CKM_SHA1_RSA_PKCS, K_RSA, NULL, 0, 0, 1},
	{"SHA224-RSA-PKCS", CKM_SHA224_RSA_PKCS, K_RSA, NULL, 0, 0, 1},
	{"SHA256-RSA-PKCS", CKM_SHA256_RSA_PKCS, K_RSA, NULL, 0, 0, 1},
	{"SHA384-RSA-PKCS", CKM_SHA384_RSA_PKCS, K_RSA, NULL, 0, 0, 1},
	{"SHA512-RSA-PKCS", CKM_SHA512_RSA_PKCS, K_RSA, NULL, 0, 0, 1},
	{"RSA-PSS raw", CKM_RSA_PKCS_PSS, K_RSA, PSS(pss256), 32, 0},
	{"SHA1-RSA-PSS", CKM_SHA1_RSA_PKCS_PSS, K_RSA, PSS(pss1), 0, 0},
	{"SHA224-RSA-PSS", CKM_SHA224_RSA_PKCS_PSS, K_RSA, PSS(pss224), 0, 0},
	{"SHA256-RSA-PSS", CKM_SHA256_RSA_PKCS_PSS, K_RSA, PSS(pss256), 0, 0},
	{"SHA384-RSA-PSS", CKM_SHA384_RSA_PKCS_PSS, K_RSA, PSS(pss384), 0, 0},
	{"SHA512-RSA-PSS", CKM_SHA512_RSA_PKCS_PSS, K_RSA, PSS(pss512), 0, 0},
	{"EdDSA Ed25519", CKM_EDDSA, K_ED, NULL, 0, 0, 1},
};

/* Signs in with c's mechanism; returns the signature length (0 on failure). */
static size_t sign_one(const struct sign_case *c, const uint8_t *in, size_t inlen, uint8_t *sig, int multi)
{
	CK_MECHANISM m = {c->mech, (void *)c->param, c->plen};
	struct poc_op *op = NULL;
	CK_ULONG len = 1024;
	CK_RV rv;

	if (poc_op_init(&op, POC_OP_SIGN, &m, keys[c->key].priv) != CKR_OK)
		return 0;
	if (multi) {
		size_t third = inlen / 3;
		rv = poc_op_update(op, in, third, NULL, NULL);
		if (rv == CKR_OK)
			rv = poc_op_update(op, in + third, 0, NULL, NULL);
		if (rv == CKR_OK)
			rv = poc_op_update(op, in + third, inlen - third, NULL, NULL);
		if (rv == CKR_OK)
			rv = poc_op_final(op, sig, &len);
	} else {
		rv = poc_op_oneshot(op, in, inlen, sig, &len);
	}
	poc_op_free(op);
	return rv == CKR_OK ? len : 0;
}

static CK_RV verify_one(const struct sign_case *c, const uint8_t *in, size_t inlen, const uint8_t *sig, size_t siglen,
			int multi)
{
	CK_MECHANISM m = {c->mech, (void *)c->param, c->plen};
	struct poc_op *op = NULL;
	CK_RV rv;

	if ((rv = poc_op_init(&op, POC_OP_VERIFY, &m, keys[c->key].pub)) != CKR_OK)
		return rv;
	if (multi) {
		rv = poc_op_update(op, in, 5, NULL, NULL);
		if (rv == CKR_OK)
			rv = poc_op_update(op, in + 5, inlen - 5, NULL, NULL);
		if (rv == CKR_OK)
			rv = poc_op_verify_final(op, sig, siglen);
	} else {
		rv = poc_op_verify(op, in, inlen, sig, siglen);
	}
	poc_op_free(op);
	return rv;
}

static void test_sign(void)
{
	for (size_t i = 0; i < sizeof(sign_cases) / sizeof(sign_cases[0]); i++) {
		const struct sign_case *c = &sign_cases[i];
		CK_MECHANISM m = {c->mech, (void *)c->param, c->plen};
		const uint8_t *in = msg;
		size_t inlen = c->rawlen ? c->rawlen : MSG_LEN, siglen, siglen2;
		uint8_t sig[1024], sig2[1024];
		struct poc_op *op = NULL;
		CK_ULONG len;

		/* Length semantics: query, too small, then the real call on the same op. */
		is_int(poc_op_init(&op, POC_OP_SIGN, &m, keys[c->key].priv), CKR_OK, "%s: sign init", c->name);
		len = 0;
		is_int(poc_op_oneshot(op, in, inlen, NULL, &len), CKR_OK, "%s: size query", c->name);
		siglen = len;
		len = (CK_ULONG)siglen - 1;
		is_int(poc_op_oneshot(op, in, inlen, sig, &len), CKR_BUFFER_TOO_SMALL, "%s: short buffer", c->name);
		ok(len == siglen, "%s: short buffer reports %zu", c->name, siglen);
		len = sizeof(sig);
		is_int(poc_op_oneshot(op, in, inlen, sig, &len), CKR_OK, "%s: sign", c->name);
		ok(len == siglen, "%s: signature of the announced length", c->name);
		poc_op_free(op);

		is_int(verify_one(c, in, inlen, sig, siglen, 0), CKR_OK, "%s: verifies", c->name);
		sig[siglen / 2] ^= 0x01;
		is_int(verify_one(c, in, inlen, sig, siglen, 0), CKR_SIGNATURE_INVALID, "%s: flipped byte fails",
		       c->name);
		sig[siglen / 2] ^= 0x01;
		is_int(verify_one(c, in, inlen, sig, siglen - 1, 0), CKR_SIGNATURE_LEN_RANGE, "%s: short signature",
		       c->name);
		if (c->rawlen != 0)
			continue;
		/* Multi-part matches single-part, both ways. */
		siglen2 = sign_one(c, in, inlen, sig2, 1);
		ok(siglen2 == siglen, "%s: multi-part sign", c->name);
		is_int(verify_one(c, in, inlen, sig2, siglen2, 0), CKR_OK, "%s: multi-part signature verifies",
		       c->name);
		is_int(verify_one(c, in, inlen, sig, siglen, 1), CKR_OK, "%s: multi-part verify", c->name);
		if (c->deterministic)
			ok(memcmp(sig, sig2, siglen) == 0, "%s: multi-part equals single-part", c->name);
		is_int(verify_one(c, in, inlen - 1, sig, siglen, 1), CKR_SIGNATURE_INVALID,
		       "%s: other data fails (multi-part)", c->name);
	}
}

static EVP_PKEY *ossl_pub(int k)
{
	const unsigned char *p = keys[k].spki;

	return d2i_PUBKEY(NULL, &p, (long)keys[k].spki_len);
}

/* Our r||s signatures verify in OpenSSL, and OpenSSL's signatures verify through us. */
static void test_independent(void)
{
	const struct sign_case ecdsa = {"ECDSA-SHA256", CKM_ECDSA_SHA256, K_P256, NULL, 0, 0, 0};
	const struct sign_case pss = {"SHA256-RSA-PSS", CKM_SHA256_RSA_PKCS_PSS, K_RSA, PSS(pss256), 0, 0};
	uint8_t sig[512], *der = NULL, rs[64];
	EVP_PKEY *pk = ossl_pub(K_P256);
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	ECDSA_SIG *es = ECDSA_SIG_new();
	const BIGNUM *r, *s;
	size_t n = sign_one(&ecdsa, msg, MSG_LEN, sig, 0);
	int dl;

	ok(n == 64, "independent: ECDSA P-256 r||s is 64 bytes");
	ECDSA_SIG_set0(es, BN_bin2bn(sig, 32, NULL), BN_bin2bn(sig + 32, 32, NULL));
	dl = i2d_ECDSA_SIG(es, &der);
	ok(EVP_DigestVerifyInit(mc, NULL, EVP_sha256(), NULL, pk) == 1 &&
		   EVP_DigestVerify(mc, der, (size_t)dl, msg, MSG_LEN) == 1,
	   "independent: OpenSSL verifies our ECDSA-SHA256 r||s");
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(mc);
	EVP_PKEY_free(pk);

	/* OpenSSL signs (DER), we verify the r||s form. */
	{
		const unsigned char *q;
		uint8_t *secret = NULL, dsig[80];
		size_t slen = 0, dsl = sizeof(dsig);
		EVP_PKEY *priv;

		/* Re-generate a key through OpenSSL and load it through us in the traditional form. */
		priv = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		slen = (size_t)i2d_PrivateKey(priv, &secret);
		{
			struct poc_err e = {0};
			struct poc_key *ours = poc_key_from_secret(&e, CKK_EC, secret, slen);
			struct poc_op *op = NULL;
			CK_MECHANISM m = {CKM_ECDSA_SHA256, NULL, 0};

			ok(ours != NULL, "independent: traditional EC DER loads (%s)", e.msg);
			mc = EVP_MD_CTX_new();
			ok(EVP_DigestSignInit(mc, NULL, EVP_sha256(), NULL, priv) == 1 &&
				   EVP_DigestSign(mc, dsig, &dsl, msg, MSG_LEN) == 1,
			   "independent: OpenSSL signs");
			EVP_MD_CTX_free(mc);
			q = dsig;
			es = d2i_ECDSA_SIG(NULL, &q, (long)dsl);
			ECDSA_SIG_get0(es, &r, &s);
			BN_bn2binpad(r, rs, 32);
			BN_bn2binpad(s, rs + 32, 32);
			ECDSA_SIG_free(es);
			is_int(ours ? poc_op_init(&op, POC_OP_VERIFY, &m, ours) : CKR_GENERAL_ERROR, CKR_OK,
			       "independent: verify init with a private key");
			/* The op keeps its own reference: the key may go first. */
			poc_key_free(ours);
			is_int(poc_op_verify(op, msg, MSG_LEN, rs, 64), CKR_OK,
			       "independent: OpenSSL's ECDSA-SHA256 verifies through us");
			poc_op_free(op);
		}
		OPENSSL_free(secret);
		EVP_PKEY_free(priv);
	}

	n = sign_one(&pss, msg, MSG_LEN, sig, 0);
	pk = ossl_pub(K_RSA);
	mc = EVP_MD_CTX_new();
	ok(n == 256 && EVP_DigestVerifyInit(mc, &pc, EVP_sha256(), NULL, pk) == 1 &&
		   EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) == 1 &&
		   EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, 32) == 1 && EVP_PKEY_CTX_set_rsa_mgf1_md(pc, EVP_sha256()) == 1 &&
		   EVP_DigestVerify(mc, sig, n, msg, MSG_LEN) == 1,
	   "independent: OpenSSL verifies our SHA256-RSA-PSS (salt 32)");
	EVP_MD_CTX_free(mc);
	EVP_PKEY_free(pk);
}

static void test_init_errors(void)
{
	static const CK_RSA_PKCS_PSS_PARAMS pss_mismatch = {CKM_SHA384, CKG_MGF1_SHA256, 32};
	static const CK_RSA_PKCS_PSS_PARAMS pss_badmgf = {CKM_SHA256, 0x77, 32};
	static const CK_RSA_PKCS_PSS_PARAMS pss_salt = {CKM_SHA256, CKG_MGF1_SHA256, 300};
	static const CK_RSA_PKCS_PSS_PARAMS pss_md5 = {CKM_MD5, CKG_MGF1_SHA256, 16};
	static const CK_RSA_PKCS_OAEP_PARAMS oaep_badhash = {CKM_MD5, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, NULL, 0};
	static const CK_RSA_PKCS_OAEP_PARAMS oaep_badsrc = {CKM_SHA256, CKG_MGF1_SHA256, 7, NULL, 0};
	static const CK_RSA_PKCS_OAEP_PARAMS oaep_nolabel = {CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, NULL, 4};
	static uint8_t iv[12];
	static const CK_GCM_PARAMS gcm_tag88 = {iv, 12, 96, NULL, 0, 88};
	static const CK_GCM_PARAMS gcm_tag100 = {iv, 12, 96, NULL, 0, 100};
	static const CK_GCM_PARAMS gcm_noiv = {NULL, 12, 96, NULL, 0, 128};
	static const CK_GCM_PARAMS gcm_ivlen0 = {iv, 0, 0, NULL, 0, 128};
	static const CK_GCM_PARAMS gcm_noaad = {iv, 12, 96, NULL, 5, 128};
	static const struct {
		const char *name;
		enum poc_op_kind kind;
		CK_MECHANISM_TYPE mech;
		const void *param;
		CK_ULONG plen;
		int key, pub;
		CK_RV want;
	} cases[] = {
		{"ECDSA on RSA", POC_OP_SIGN, CKM_ECDSA_SHA256, NULL, 0, K_RSA, 0, CKR_KEY_TYPE_INCONSISTENT},
		{"RSA-PKCS on EC", POC_OP_SIGN, CKM_SHA256_RSA_PKCS, NULL, 0, K_P256, 0, CKR_KEY_TYPE_INCONSISTENT},
		{"EdDSA on EC", POC_OP_VERIFY, CKM_EDDSA, NULL, 0, K_P256, 1, CKR_KEY_TYPE_INCONSISTENT},
		{"ECDSA on Ed25519", POC_OP_SIGN, CKM_ECDSA, NULL, 0, K_ED, 0, CKR_KEY_TYPE_INCONSISTENT},
		{"GCM on RSA", POC_OP_ENCRYPT, CKM_AES_GCM, NULL, 0, K_RSA, 0, CKR_KEY_TYPE_INCONSISTENT},
		{"ECDSA on AES", POC_OP_SIGN, CKM_ECDSA, NULL, 0, K_AES128, 0, CKR_KEY_TYPE_INCONSISTENT},
		{"OAEP to sign", POC_OP_SIGN, CKM_RSA_PKCS_OAEP, NULL, 0, K_RSA, 0, CKR_MECHANISM_INVALID},
		{"ECDSA to encrypt", POC_OP_ENCRYPT, CKM_ECDSA, NULL, 0, K_P256, 0, CKR_MECHANISM_INVALID},
		{"unknown mechanism", POC_OP_SIGN, CKM_MD5_RSA_PKCS, NULL, 0, K_RSA, 0, CKR_MECHANISM_INVALID},
		{"sign with a public key", POC_OP_SIGN, CKM_ECDSA, NULL, 0, K_P256, 1, CKR_KEY_FUNCTION_NOT_PERMITTED},
		{"decrypt with a public key", POC_OP_DECRYPT, CKM_RSA_PKCS_OAEP, NULL, 0, K_RSA, 1,
		 CKR_KEY_FUNCTION_NOT_PERMITTED},
		/* PKCS#1 v1.5 decryption is a padding oracle on OpenSSL 3.0: refused (signing stays). */
		{"RSA-PKCS decryption refused", POC_OP_DECRYPT, CKM_RSA_PKCS, NULL, 0, K_RSA, 0, CKR_MECHANISM_INVALID},
		{"ECDSA with a parameter", POC_OP_SIGN, CKM_ECDSA, &pss256, sizeof(pss256), K_P256, 0,
		 CKR_MECHANISM_PARAM_INVALID},
		{"PSS without params", POC_OP_SIGN, CKM_SHA256_RSA_PKCS_PSS, NULL, 0, K_RSA, 0, CKR_MECHANISM_PARAM_INVALID},
		{"PSS short params", POC_OP_SIGN, CKM_SHA256_RSA_PKCS_PSS, &pss256, 8, K_RSA, 0, CKR_MECHANISM_PARAM_INVALID},
		{"PSS hash mismatch", POC_OP_SIGN, CKM_SHA256_RSA_PKCS_PSS, PSS(pss_mismatch), K_RSA, 0,
		 CKR_MECHANISM_PARAM_INVALID},
		{"PSS bad MGF", POC_OP_VERIFY, CKM_RSA_PKCS_PSS, PSS(pss_badmgf), K_RSA, 1, CKR_MECHANISM_PARAM_INVALID},
		{"PSS salt too long", POC_OP_SIGN, CKM_RSA_PKCS_PSS, PSS(pss_salt), K_RSA, 0, CKR_MECHANISM_PARAM_INVALID},
		{"PSS MD5", POC_OP_SIGN, CKM_RSA_PKCS_PSS, PSS(pss_md5), K_RSA, 0, CKR_MECHANISM_PARAM_INVALID},
		{"OAEP without params", POC_OP_DECRYPT, CKM_RSA_PKCS_OAEP, NULL, 0, K_RSA, 0, CKR_MECHANISM_PARAM_INVALID},
		{"OAEP MD5", POC_OP_DECRYPT, CKM_RSA_PKCS_OAEP, PSS(oaep_badhash), K_RSA, 0, CKR_MECHANISM_PARAM_INVALID},
		{"OAEP bad source", POC_OP_DECRYPT, CKM_RSA_PKCS_OAEP, PSS(oaep_badsrc), K_RSA, 0,
		 CKR_MECHANISM_PARAM_INVALID},
		{"OAEP label NULL", POC_OP_ENCRYPT, CKM_RSA_PKCS_OAEP, PSS(oaep_nolabel), K_RSA, 1,
		 CKR_MECHANISM_PARAM_INVALID},
		{"GCM without params", POC_OP_ENCRYPT, CKM_AES_GCM, NULL, 0, K_AES128, 0, CKR_MECHANISM_PARAM_INVALID},
		{"GCM tag 88 bits", POC_OP_ENCRYPT, CKM_AES_GCM, PSS(gcm_tag88), K_AES128, 0, CKR_MECHANISM_PARAM_INVALID},
		{"GCM tag 100 bits", POC_OP_DECRYPT, CKM_AES_GCM, PSS(gcm_tag100), K_AES128, 0,
		 CKR_MECHANISM_PARAM_INVALID},
		{"GCM IV NULL", POC_OP_ENCRYPT, CKM_AES_GCM, PSS(gcm_noiv), K_AES128, 0, CKR_MECHANISM_PARAM_INVALID},
		{"GCM IV empty", POC_OP_ENCRYPT, CKM_AES_GCM, PSS(gcm_ivlen0), K_AES128, 0, CKR_MECHANISM_PARAM_INVALID},
		{"GCM AAD NULL", POC_OP_ENCRYPT, CKM_AES_GCM, PSS(gcm_noaad), K_AES128, 0, CKR_MECHANISM_PARAM_INVALID},
		{"GCM odd size", POC_OP_ENCRYPT, CKM_AES_GCM, &gcm_tag88, 16, K_AES128, 0, CKR_MECHANISM_PARAM_INVALID},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CK_MECHANISM m = {cases[i].mech, (void *)cases[i].param, cases[i].plen};
		struct poc_op *op = (struct poc_op *)&m; /* must be reset to NULL */
		const struct tkey *t = &keys[cases[i].key];

		is_int(poc_op_init(&op, cases[i].kind, &m, cases[i].pub ? t->pub : t->priv), cases[i].want,
		       "init refuses %s", cases[i].name);
		ok(op == NULL, "%s: no op", cases[i].name);
	}
}

static CK_RV cipher(enum poc_op_kind kind, CK_MECHANISM *m, const struct poc_key *k, const uint8_t *in, size_t inlen,
		    uint8_t *out, CK_ULONG *outlen)
{
	struct poc_op *op = NULL;
	CK_RV rv;

	if ((rv = poc_op_init(&op, kind, m, k)) != CKR_OK)
		return rv;
	rv = poc_op_oneshot(op, in, inlen, out, outlen);
	poc_op_free(op);
	return rv;
}

static void test_rsa_decrypt(void)
{
	static const uint8_t label[] = "poc label";
	CK_RSA_PKCS_OAEP_PARAMS oaep = {CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, (void *)label, 9};
	CK_MECHANISM m = {CKM_RSA_PKCS_OAEP, &oaep, sizeof(oaep)};
	CK_MECHANISM pkcs = {CKM_RSA_PKCS, NULL, 0};
	EVP_PKEY *pk = ossl_pub(K_RSA);
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
	uint8_t ct[256], pt[256], small[32];
	size_t ctlen = sizeof(ct);
	struct poc_op *op = NULL;
	CK_ULONG len;

	ok(EVP_PKEY_encrypt_init(pc) == 1 && EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_OAEP_PADDING) == 1 &&
		   EVP_PKEY_CTX_set_rsa_oaep_md(pc, EVP_sha256()) == 1 &&
		   EVP_PKEY_CTX_set_rsa_mgf1_md(pc, EVP_sha256()) == 1 &&
		   EVP_PKEY_CTX_set0_rsa_oaep_label(pc, OPENSSL_memdup(label, 9), 9) == 1 &&
		   EVP_PKEY_encrypt(pc, ct, &ctlen, msg, 32) == 1,
	   "OAEP: OpenSSL encrypts");
	EVP_PKEY_CTX_free(pc);
	EVP_PKEY_free(pk);

	is_int(poc_op_init(&op, POC_OP_DECRYPT, &m, keys[K_RSA].priv), CKR_OK, "OAEP: decrypt init");
	is_int(poc_op_oneshot(op, ct, ctlen, NULL, &len), CKR_OK, "OAEP: size query");
	ok(len == 256, "OAEP: query gives the modulus size");
	len = 31;
	is_int(poc_op_oneshot(op, ct, ctlen, small, &len), CKR_BUFFER_TOO_SMALL, "OAEP: 31 bytes is too small");
	ok(len == 32, "OAEP: short buffer reports the exact length");
	len = 32; /* shorter than the modulus, but the plaintext fits */
	is_int(poc_op_oneshot(op, ct, ctlen, small, &len), CKR_OK, "OAEP: decrypts into an exact buffer");
	ok(len == 32 && memcmp(small, msg, 32) == 0, "OAEP: plaintext matches");
	poc_op_free(op);

	ct[10] ^= 1;
	len = sizeof(pt);
	is_int(cipher(POC_OP_DECRYPT, &m, keys[K_RSA].priv, ct, ctlen, pt, &len), CKR_ENCRYPTED_DATA_INVALID,
	       "OAEP: corrupted ciphertext");
	len = sizeof(pt);
	is_int(cipher(POC_OP_DECRYPT, &m, keys[K_RSA].priv, ct, ctlen - 1, pt, &len), CKR_ENCRYPTED_DATA_LEN_RANGE,
	       "OAEP: short ciphertext");
	oaep.ulSourceDataLen = 8; /* another label */
	ct[10] ^= 1;
	len = sizeof(pt);
	is_int(cipher(POC_OP_DECRYPT, &m, keys[K_RSA].priv, ct, ctlen, pt, &len), CKR_ENCRYPTED_DATA_INVALID,
	       "OAEP: wrong label");
	oaep.ulSourceDataLen = 9;

	/* Our own encryption (public key), both paddings; multi-part decryption of OAEP only. */
	CK_MECHANISM *mechs[] = {&m, &pkcs};
	for (int i = 0; i < 2; i++) {
		CK_ULONG half;

		len = sizeof(ct);
		is_int(cipher(POC_OP_ENCRYPT, mechs[i], keys[K_RSA].pub, msg, 100, ct, &len), CKR_OK,
		       "RSA %d: encrypt", i);
		op = NULL;
		if (mechs[i] == &pkcs) {
			is_int(poc_op_init(&op, POC_OP_DECRYPT, mechs[i], keys[K_RSA].priv), CKR_MECHANISM_INVALID,
			       "RSA-PKCS: no decryption (padding oracle), though it encrypts");
			continue;
		}
		is_int(poc_op_init(&op, POC_OP_DECRYPT, mechs[i], keys[K_RSA].priv), CKR_OK, "RSA %d: decrypt init", i);
		half = sizeof(pt);
		is_int(poc_op_update(op, ct, 100, pt, &half), CKR_OK, "RSA %d: update", i);
		ok(half == 0, "RSA %d: update outputs nothing", i);
		half = sizeof(pt);
		is_int(poc_op_update(op, ct + 100, len - 100, pt, &half), CKR_OK, "RSA %d: update", i);
		half = sizeof(pt);
		is_int(poc_op_final(op, pt, &half), CKR_OK, "RSA %d: final", i);
		ok(half == 100 && memcmp(pt, msg, 100) == 0, "RSA %d: round trip", i);
		poc_op_free(op);
	}
	len = sizeof(ct);
	is_int(cipher(POC_OP_ENCRYPT, &pkcs, keys[K_RSA].pub, msg, 246, ct, &len), CKR_DATA_LEN_RANGE,
	       "RSA-PKCS: 246 bytes is too long to encrypt");
	len = sizeof(ct);
	is_int(cipher(POC_OP_ENCRYPT, &m, keys[K_RSA].pub, msg, 191, ct, &len), CKR_DATA_LEN_RANGE,
	       "OAEP-SHA256: 191 bytes is too long to encrypt");
}

static void test_gcm(void)
{
	/* McGrew-Viega test case 2: AES-128, zero key, zero IV, one zero block. */
	static const uint8_t zero16[16], zero12[12];
	static const uint8_t kat[32] = {0x03, 0x88, 0xda, 0xce, 0x60, 0xb6, 0xa3, 0x92, 0xf3, 0x28, 0xc2,
					0xb9, 0x71, 0xb2, 0xfe, 0x78, 0xab, 0x6e, 0x47, 0xd4, 0x2c, 0xec,
					0x13, 0xbd, 0xf5, 0x3a, 0x67, 0xb2, 0x12, 0x57, 0xbd, 0xdf};
	static const uint8_t aad[] = "header bytes";
	struct poc_err e = {0};
	struct poc_key *zk = poc_key_from_secret(&e, CKK_AES, zero16, 16);
	CK_GCM_PARAMS gp = {(CK_BYTE_PTR)zero12, 12, 96, NULL, 0, 128};
	CK_MECHANISM m = {CKM_AES_GCM, &gp, sizeof(gp)};
	uint8_t ct[256], ct2[256], pt[256];
	CK_ULONG len, n, total;
	struct poc_op *op = NULL;

	len = sizeof(ct);
	is_int(cipher(POC_OP_ENCRYPT, &m, zk, zero16, 16, ct, &len), CKR_OK, "GCM: known answer encrypts");
	ok(len == 32 && memcmp(ct, kat, 32) == 0, "GCM: known answer ciphertext || tag");
	poc_key_free(zk);

	for (int k = K_AES128; k <= K_AES256; k++) {
		for (CK_ULONG tagbits = 96; tagbits <= 128; tagbits += 32) {
			CK_ULONG tl = tagbits / 8;

			gp = (CK_GCM_PARAMS){(CK_BYTE_PTR)"0123456789ab", 12, 96, (CK_BYTE_PTR)aad, sizeof(aad), tagbits};
			op = NULL;
			is_int(poc_op_init(&op, POC_OP_ENCRYPT, &m, keys[k].priv), CKR_OK, "GCM %d/%lu: init", k, tagbits);
			is_int(poc_op_oneshot(op, msg, MSG_LEN, NULL, &len), CKR_OK, "GCM %d/%lu: query", k, tagbits);
			ok(len == MSG_LEN + tl, "GCM %d/%lu: needs data + tag", k, tagbits);
			len = MSG_LEN;
			is_int(poc_op_oneshot(op, msg, MSG_LEN, ct, &len), CKR_BUFFER_TOO_SMALL, "GCM %d/%lu: too small",
			       k, tagbits);
			len = sizeof(ct);
			is_int(poc_op_oneshot(op, msg, MSG_LEN, ct, &len), CKR_OK, "GCM %d/%lu: encrypt", k, tagbits);
			poc_op_free(op);

			/* Multi-part encryption gives the same bytes. */
			op = NULL;
			total = 0;
			poc_op_init(&op, POC_OP_ENCRYPT, &m, keys[k].priv);
			n = sizeof(ct2);
			is_int(poc_op_update(op, msg, 7, ct2, &n), CKR_OK, "GCM %d/%lu: update", k, tagbits);
			total += n;
			n = sizeof(ct2) - total;
			is_int(poc_op_update(op, msg + 7, MSG_LEN - 7, ct2 + total, &n), CKR_OK, "GCM %d/%lu: update", k,
			       tagbits);
			total += n;
			n = 0;
			is_int(poc_op_final(op, NULL, &n), CKR_OK, "GCM %d/%lu: final query", k, tagbits);
			ok(n == tl, "GCM %d/%lu: final gives the tag", k, tagbits);
			is_int(poc_op_final(op, ct2 + total, &n), CKR_OK, "GCM %d/%lu: final", k, tagbits);
			total += n;
			poc_op_free(op);
			ok(total == len && memcmp(ct, ct2, len) == 0, "GCM %d/%lu: multi-part equals single-part", k,
			   tagbits);

			n = sizeof(pt);
			is_int(cipher(POC_OP_DECRYPT, &m, keys[k].priv, ct, len, pt, &n), CKR_OK, "GCM %d/%lu: decrypt", k,
			       tagbits);
			ok(n == MSG_LEN && memcmp(pt, msg, MSG_LEN) == 0, "GCM %d/%lu: round trip", k, tagbits);

			/* Multi-part decryption: nothing before final. */
			op = NULL;
			poc_op_init(&op, POC_OP_DECRYPT, &m, keys[k].priv);
			n = sizeof(pt);
			is_int(poc_op_update(op, ct, 50, pt, &n), CKR_OK, "GCM %d/%lu: decrypt update", k, tagbits);
			ok(n == 0, "GCM %d/%lu: no unauthenticated output", k, tagbits);
			n = sizeof(pt);
			poc_op_update(op, ct + 50, len - 50, pt, &n);
			n = sizeof(pt);
			is_int(poc_op_final(op, pt, &n), CKR_OK, "GCM %d/%lu: decrypt final", k, tagbits);
			ok(n == MSG_LEN && memcmp(pt, msg, MSG_LEN) == 0, "GCM %d/%lu: multi-part round trip", k, tagbits);
			poc_op_free(op);

			ct[len - 1] ^= 0x80;
			n = sizeof(pt);
			memset(pt, 0xee, sizeof(pt));
			is_int(cipher(POC_OP_DECRYPT, &m, keys[k].priv, ct, len, pt, &n), CKR_ENCRYPTED_DATA_INVALID,
			       "GCM %d/%lu: flipped tag byte", k, tagbits);
			ok(pt[0] == 0 && pt[MSG_LEN - 1] == 0, "GCM %d/%lu: failed output is wiped", k, tagbits);
			ct[len - 1] ^= 0x80;
			gp.ulAADLen--;
			n = sizeof(pt);
			is_int(cipher(POC_OP_DECRYPT, &m, keys[k].priv, ct, len, pt, &n), CKR_ENCRYPTED_DATA_INVALID,
			       "GCM %d/%lu: other AAD", k, tagbits);
		}
	}
	n = sizeof(pt);
	gp = (CK_GCM_PARAMS){(CK_BYTE_PTR)"0123456789ab", 12, 96, NULL, 0, 128};
	is_int(cipher(POC_OP_DECRYPT, &m, keys[K_AES128].priv, ct, 15, pt, &n), CKR_ENCRYPTED_DATA_LEN_RANGE,
	       "GCM: shorter than the tag");
}

static int der_is(const struct poc_key *k, CK_ATTRIBUTE_TYPE a, const uint8_t *want, size_t wlen)
{
	uint8_t buf[600];
	CK_ULONG len = sizeof(buf);

	return poc_key_attr(k, a, buf, &len) == CKR_OK && len >= wlen && memcmp(buf, want, wlen) == 0;
}

static void test_attrs(void)
{
	uint8_t buf[600], pt[200];
	CK_ULONG len, v;
	size_t ptlen = 0;
	EVP_PKEY *pk = ossl_pub(K_P256);

	ok(der_is(keys[K_P256].priv, CKA_EC_PARAMS, (const uint8_t *)"\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07", 10),
	   "attr: P-256 EC_PARAMS is the prime256v1 OID");
	ok(der_is(keys[K_P384].pub, CKA_EC_PARAMS, (const uint8_t *)"\x06\x05\x2b\x81\x04\x00\x22", 7),
	   "attr: P-384 EC_PARAMS is the secp384r1 OID");
	len = 0;
	is_int(poc_key_attr(keys[K_P256].pub, CKA_EC_POINT, NULL, &len), CKR_OK, "attr: EC_POINT length query");
	ok(len == 67, "attr: EC_POINT of P-256 is 67 bytes");
	len = 66;
	is_int(poc_key_attr(keys[K_P256].pub, CKA_EC_POINT, buf, &len), CKR_BUFFER_TOO_SMALL, "attr: short buffer");
	len = sizeof(buf);
	EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt, sizeof(pt), &ptlen);
	ok(poc_key_attr(keys[K_P256].priv, CKA_EC_POINT, buf, &len) == CKR_OK && len == 67 && buf[0] == 0x04 &&
		   buf[1] == 0x41 && buf[2] == 0x04 && ptlen == 65 && memcmp(buf + 2, pt, 65) == 0,
	   "attr: EC_POINT is OCTET STRING(04||x||y) of the public key");
	EVP_PKEY_free(pk);
	ok(der_is(keys[K_ED].priv, CKA_EC_PARAMS, (const uint8_t *)"\x06\x03\x2b\x65\x70", 5),
	   "attr: Ed25519 EC_PARAMS is OID 1.3.101.112");
	len = sizeof(buf);
	ok(poc_key_attr(keys[K_ED].pub, CKA_EC_POINT, buf, &len) == CKR_OK && len == 34 && buf[0] == 0x04 &&
		   buf[1] == 0x20 && memcmp(buf + 2, keys[K_ED].spki + keys[K_ED].spki_len - 32, 32) == 0,
	   "attr: Ed25519 EC_POINT is OCTET STRING(32 bytes)");
	len = sizeof(buf);
	ok(poc_key_attr(keys[K_RSA].priv, CKA_MODULUS, buf, &len) == CKR_OK && len == 256 && (buf[0] & 0x80),
	   "attr: RSA modulus, 256 bytes");
	ok(der_is(keys[K_RSA].pub, CKA_PUBLIC_EXPONENT, (const uint8_t *)"\x01\x00\x01", 3), "attr: exponent 65537");
	len = sizeof(v);
	ok(poc_key_attr(keys[K_RSA].pub, CKA_MODULUS_BITS, (uint8_t *)&v, &len) == CKR_OK && v == 2048,
	   "attr: MODULUS_BITS");
	len = sizeof(v);
	ok(poc_key_attr(keys[K_AES256].priv, CKA_VALUE_LEN, (uint8_t *)&v, &len) == CKR_OK && v == 32 &&
		   len == sizeof(CK_ULONG),
	   "attr: AES VALUE_LEN");
	len = sizeof(buf);
	is_int(poc_key_attr(keys[K_AES256].priv, CKA_VALUE, buf, &len), CKR_ATTRIBUTE_TYPE_INVALID,
	       "attr: no secret value");
	is_int(poc_key_attr(keys[K_RSA].priv, CKA_EC_POINT, buf, &len), CKR_ATTRIBUTE_TYPE_INVALID,
	       "attr: RSA has no EC_POINT");
	is_int(poc_key_attr(keys[K_RSA].priv, CKA_PRIVATE_EXPONENT, buf, &len), CKR_ATTRIBUTE_TYPE_INVALID,
	       "attr: no private exponent");
}

static void test_load_errors(void)
{
	struct poc_err e = {0};
	uint8_t *der = NULL, *secret = NULL, *spki = NULL;
	size_t slen = 0, splen = 0;
	struct poc_key *k;

	poc_keygen(CKM_EC_KEY_PAIR_GEN, CKK_EC, (const uint8_t *)"\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07", 10, 0,
		   &secret, &slen, &spki, &splen);
	k = poc_key_from_secret(&e, CKK_RSA, secret, slen);
	ok(k == NULL && e.code == POC_ERR_MISMATCH, "load: an EC key as CKK_RSA fails (%s)", e.msg);
	poc_err_clear(&e);
	ok(poc_key_from_secret(&e, CKK_EC, secret, slen - 1) == NULL && e.code != POC_OK, "load: truncated PKCS#8");
	der = malloc(slen + 1);
	memcpy(der, secret, slen);
	der[slen] = 0;
	poc_err_clear(&e);
	ok(poc_key_from_secret(&e, CKK_EC, der, slen + 1) == NULL && e.code == POC_ERR_MALFORMED,
	   "load: trailing byte refused (%s)", e.msg);
	free(der);
	poc_err_clear(&e);
	ok(poc_key_from_secret(&e, CKK_AES, secret, 20) == NULL && e.code == POC_ERR_ARG, "load: AES of 20 bytes");
	poc_err_clear(&e);
	ok(poc_key_from_secret(&e, CKK_IDEA, secret, 16) == NULL && e.code == POC_ERR_UNSUPPORTED,
	   "load: unsupported key type");
	poc_err_clear(&e);
	ok(poc_key_from_spki(&e, spki, splen - 3) == NULL && e.code == POC_ERR_MALFORMED, "load: truncated SPKI");
	k = poc_key_from_secret(&e, CKK_GENERIC_SECRET, (const uint8_t *)"token", 5);
	ok(k != NULL && poc_key_type(k) == CKK_GENERIC_SECRET, "load: generic secret");
	poc_key_free(k);
	poc_key_free(NULL);
	poc_op_free(NULL);
	poc_secret_free(secret, slen);
	free(spki);
}

/* Keys of curves outside the curve table load nowhere: not released, not imported, not created. */
static void test_load_other_curves(void)
{
	static const struct {
		const char *name, *alg, *curve;
		CK_KEY_TYPE type;
	} cases[] = {
		{"P-521", "EC", "P-521", CKK_EC},
		{"secp256k1", "EC", "secp256k1", CKK_EC},
		{"brainpoolP256r1", "EC", "brainpoolP256r1", CKK_EC},
		{"Ed448", "ED448", NULL, CKK_EC_EDWARDS},
	};
	struct poc_err e = {0};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EVP_PKEY *pk = cases[i].curve != NULL ? EVP_PKEY_Q_keygen(NULL, NULL, cases[i].alg, cases[i].curve)
						      : EVP_PKEY_Q_keygen(NULL, NULL, cases[i].alg);
		unsigned char *der = NULL, *pub = NULL;
		int len = pk != NULL ? i2d_PrivateKey(pk, &der) : -1, plen = pk != NULL ? i2d_PUBKEY(pk, &pub) : -1;
		CK_KEY_TYPE type = CKK_VENDOR_DEFINED;

		ok(len > 0 && plen > 0, "%s: an OpenSSL key", cases[i].name);
		is_int(poc_key_pkey_type(pk, &type), CKR_CURVE_NOT_SUPPORTED, "%s: not a curve of the table", cases[i].name);
		ok(type == cases[i].type, "%s: its key type", cases[i].name);
		poc_err_clear(&e);
		ok(len > 0 && poc_key_from_secret(&e, cases[i].type, der, (size_t)len) == NULL && e.code == POC_ERR_UNSUPPORTED,
		   "%s: a released private key is refused (%s)", cases[i].name, e.msg);
		poc_err_clear(&e);
		ok(plen > 0 && poc_key_from_spki(&e, pub, (size_t)plen) == NULL && e.code == POC_ERR_UNSUPPORTED,
		   "%s: a public key is refused (%s)", cases[i].name, e.msg);
		OPENSSL_free(der);
		OPENSSL_free(pub);
		EVP_PKEY_free(pk);
	}
}

static void test_misc(void)
{
	const struct sign_case ed = {"EdDSA", CKM_EDDSA, K_ED, NULL, 0, 0, 1};
	CK_MECHANISM m = {CKM_EDDSA, NULL, 0};
	CK_MECHANISM raw = {CKM_ECDSA, NULL, 0};
	CK_MECHANISM_TYPE t[64];
	CK_MECHANISM_INFO mi[4];
	struct poc_op *op = NULL;
	uint8_t *big = calloc(1, POC_OP_BUFFER_MAX), sig[128];
	CK_ULONG len = sizeof(sig);
	size_t n = 0, dup = 0;

	n = poc_mechanism_list(t, sizeof(t) / sizeof(t[0]));
	for (size_t i = 0; i < n && n <= sizeof(t) / sizeof(t[0]); i++)
		for (size_t j = i + 1; j < n; j++)
			dup += t[i] == t[j];
	ok(n >= 25 && n <= sizeof(t) / sizeof(t[0]) && dup == 0, "mechanisms: %zu, no duplicates", n);
	ok(poc_mechanism_info(CKM_ECDSA, &mi[0]) == CKR_OK &&
		   (mi[0].flags & (CKF_SIGN | CKF_EC_NAMEDCURVE)) == (CKF_SIGN | CKF_EC_NAMEDCURVE) &&
		   poc_mechanism_info(CKM_AES_GCM, &mi[1]) == CKR_OK && mi[1].ulMaxKeySize == 32 &&
		   poc_mechanism_info(CKM_MD5, &mi[2]) == CKR_MECHANISM_INVALID,
	   "mechanisms: lookup and info");
	/* The sizes come from the curve table and the RSA range: what keygen and C_CreateObject take. */
	ok(mi[0].ulMinKeySize == 256 && mi[0].ulMaxKeySize == 384, "mechanisms: ECDSA on P-256 .. P-384 (%lu..%lu)",
	   mi[0].ulMinKeySize, mi[0].ulMaxKeySize);
	ok(poc_mechanism_info(CKM_EDDSA, &mi[3]) == CKR_OK && mi[3].ulMinKeySize == 255 && mi[3].ulMaxKeySize == 255,
	   "mechanisms: EdDSA on Ed25519 only");
	ok(poc_mechanism_info(CKM_RSA_PKCS, &mi[2]) == CKR_OK &&
		   (mi[2].flags & (CKF_SIGN | CKF_VERIFY | CKF_ENCRYPT | CKF_DECRYPT)) ==
			   (CKF_SIGN | CKF_VERIFY | CKF_ENCRYPT) &&
		   mi[2].ulMinKeySize == 1024 && mi[2].ulMaxKeySize == 4096 && poc_mechanism_permits(CKM_RSA_PKCS_OAEP, POC_OP_DECRYPT) &&
		   !poc_mechanism_permits(CKM_RSA_PKCS, POC_OP_DECRYPT) && !poc_mechanism_permits(CKM_RSA_PKCS_KEY_PAIR_GEN, POC_OP_SIGN),
	   "mechanisms: CKM_RSA_PKCS signs but does not decrypt; OAEP decrypts; RSA 1024-4096");
	for (size_t i = 0; i < sizeof(sign_cases) / sizeof(sign_cases[0]); i++)
		ok(poc_mechanism_info(sign_cases[i].mech, &mi[0]) == CKR_OK, "mechanisms: %s listed", sign_cases[i].name);

	/* One-shot mechanisms buffer multi-part input up to 1 MiB. */
	is_int(poc_op_init(&op, POC_OP_SIGN, &m, keys[K_ED].priv), CKR_OK, "EdDSA: init");
	is_int(poc_op_update(op, big, POC_OP_BUFFER_MAX, NULL, NULL), CKR_OK, "EdDSA: 1 MiB buffered");
	is_int(poc_op_update(op, big, 1, NULL, NULL), CKR_DATA_LEN_RANGE, "EdDSA: one more byte is refused");
	poc_op_free(op);
	n = sign_one(&ed, big, POC_OP_BUFFER_MAX, sig, 1);
	ok(n == 64 && verify_one(&ed, big, POC_OP_BUFFER_MAX, sig, n, 0) == CKR_OK, "EdDSA: 1 MiB multi-part signs");
	free(big);

	op = NULL;
	poc_op_init(&op, POC_OP_SIGN, &raw, keys[K_P256].priv);
	is_int(poc_op_oneshot(op, sig, 0, sig, &len), CKR_DATA_LEN_RANGE, "raw ECDSA: empty input");
	poc_op_free(op);
	op = NULL;
	poc_op_init(&op, POC_OP_SIGN, &raw, keys[K_P256].priv);
	len = sizeof(sig);
	is_int(poc_op_oneshot(op, big == NULL ? sig : sig, 65, sig, &len), CKR_DATA_LEN_RANGE,
	       "raw ECDSA: 65 bytes is longer than any hash");
	poc_op_free(op);
	op = NULL;
	poc_op_init(&op, POC_OP_SIGN, &raw, keys[K_P256].priv);
	len = sizeof(sig);
	poc_op_update(op, msg, 10, NULL, NULL);
	is_int(poc_op_oneshot(op, msg, 10, sig, &len), CKR_OPERATION_ACTIVE, "one-shot after update is refused");
	is_int(poc_op_verify(op, msg, 10, sig, 64), CKR_OPERATION_NOT_INITIALIZED, "verify on a sign op");
	poc_op_free(op);
}

/*
 * Parked ops (poc_op_park/poc_op_reuse): a reused op signs, verifies and
 * decrypts again with a fresh prehash; reuse needs the same kind, mechanism
 * and key; ops with parameters or one-shot contexts are not kept; freeing the
 * key drops what its parked ops hold, and an op running then still finishes.
 */
static void test_reuse(void)
{
	static const uint8_t oid256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
	const CK_MECHANISM_TYPE mechs[] = {CKM_ECDSA, CKM_ECDSA_SHA256, CKM_RSA_PKCS, CKM_SHA256_RSA_PKCS};
	CK_MECHANISM ecdsa = {CKM_ECDSA, NULL, 0}, sha256 = {CKM_ECDSA_SHA256, NULL, 0};
	CK_MECHANISM rsa = {CKM_RSA_PKCS, NULL, 0}, pss = {CKM_SHA256_RSA_PKCS_PSS, (void *)&pss256, sizeof(pss256)};
	CK_MECHANISM ed = {CKM_EDDSA, NULL, 0};
	struct poc_err e = {0};
	struct poc_op *op = NULL;
	struct poc_key *k;
	uint8_t sig[512], ct[512], *secret = NULL, *spki = NULL;
	size_t slen = 0, splen = 0;
	CK_ULONG len;

	for (size_t i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++) {
		const struct sign_case *c = sign_cases;
		CK_MECHANISM m = {mechs[i], NULL, 0};
		size_t inlen;

		while (c->mech != mechs[i])
			c++;
		inlen = c->rawlen ? c->rawlen : MSG_LEN;

		is_int(poc_op_init(&op, POC_OP_SIGN, &m, keys[c->key].priv), CKR_OK, "reuse %s: init", c->name);
		for (int round = 0; round < 3; round++) {
			len = sizeof(sig);
			if (round == 1) { /* multi-part on the reused op: its prehash starts again */
				is_int(poc_op_update(op, msg, 7, NULL, NULL), CKR_OK, "reuse %s: update", c->name);
				is_int(poc_op_update(op, msg + 7, inlen - 7, NULL, NULL), CKR_OK, "reuse %s: update",
				       c->name);
				is_int(poc_op_final(op, sig, &len), CKR_OK, "reuse %s: final", c->name);
			} else {
				is_int(poc_op_oneshot(op, msg, inlen, sig, &len), CKR_OK, "reuse %s: sign %d", c->name,
				       round);
			}
			is_int(verify_one(c, msg, inlen, sig, len, 0), CKR_OK, "reuse %s: signature %d verifies",
			       c->name, round);
			ok(poc_op_park(op) == 1, "reuse %s: parked", c->name);
			ok(poc_op_reuse(op, POC_OP_SIGN, &m, keys[c->key].priv) == 1, "reuse %s: reused", c->name);
		}
		ok(poc_op_park(op) == 1 && poc_op_reuse(op, POC_OP_VERIFY, &m, keys[c->key].priv) == 0 &&
			   poc_op_reuse(op, POC_OP_SIGN, &m, keys[c->key == K_RSA ? K_P256 : K_RSA].priv) == 0 &&
			   poc_op_reuse(op, POC_OP_SIGN, c->mech == CKM_ECDSA ? &sha256 : &ecdsa, keys[c->key].priv) == 0,
		   "reuse %s: not for another kind, key or mechanism", c->name);
		poc_op_free(op);
		op = NULL;
	}

	/* RSA PKCS#1 v1.5 encryption, twice on one op (random padding); no decryption (padding oracle). */
	is_int(poc_op_init(&op, POC_OP_ENCRYPT, &rsa, keys[K_RSA].pub), CKR_OK, "reuse: RSA encrypt init");
	for (int round = 0; round < 2; round++) {
		len = sizeof(ct) / 2;
		ok(poc_op_oneshot(op, msg, 32, ct + round * 256, &len) == CKR_OK && len == 256 &&
			   (round == 0 || memcmp(ct, ct + 256, 256) != 0),
		   "reuse: RSA encrypts (round %d)", round);
		ok(poc_op_park(op) == 1 && poc_op_reuse(op, POC_OP_ENCRYPT, &rsa, keys[K_RSA].pub) == 1,
		   "reuse: RSA encrypt op reused");
	}
	poc_op_free(op);
	op = NULL;
	is_int(poc_op_init(&op, POC_OP_DECRYPT, &rsa, keys[K_RSA].priv), CKR_MECHANISM_INVALID,
	       "reuse: no RSA PKCS#1 v1.5 decryption");

	/* Parameters and one-shot contexts: not kept. */
	is_int(poc_op_init(&op, POC_OP_SIGN, &pss, keys[K_RSA].priv), CKR_OK, "reuse: PSS init");
	ok(poc_op_park(op) == 0, "reuse: PSS (parameters) is not kept");
	poc_op_free(op);
	op = NULL;
	is_int(poc_op_init(&op, POC_OP_SIGN, &ed, keys[K_ED].priv), CKR_OK, "reuse: EdDSA init");
	ok(poc_op_park(op) == 0, "reuse: EdDSA is not kept");
	poc_op_free(op);
	op = NULL;

	/* The key goes while its op is parked, then while one runs. */
	is_int(poc_keygen(CKM_EC_KEY_PAIR_GEN, CKK_EC, oid256, sizeof(oid256), 0, &secret, &slen, &spki, &splen), CKR_OK,
	       "reuse: keygen");
	k = poc_key_from_secret(&e, CKK_EC, secret, slen);
	ok(k != NULL, "reuse: key loads");
	if (k != NULL && poc_op_init(&op, POC_OP_SIGN, &ecdsa, k) == CKR_OK) {
		struct poc_op *running = NULL;

		ok(poc_op_park(op) == 1, "reuse: parked on the new key");
		is_int(poc_op_init(&running, POC_OP_SIGN, &ecdsa, k), CKR_OK, "reuse: a second op on the key");
		poc_key_free(k);
		ok(poc_op_reuse(op, POC_OP_SIGN, &ecdsa, k) == 0, "reuse: not after the key was freed");
		len = sizeof(sig);
		is_int(poc_op_oneshot(running, msg, 32, sig, &len), CKR_OK, "reuse: the running op still signs");
		ok(poc_op_park(running) == 0, "reuse: and is then not kept");
		poc_op_free(running);
		poc_op_free(op);
		op = NULL;
	} else {
		poc_key_free(k);
	}

	/* An op made in a private library context (as the module's per-thread ones), reused there. */
	{
		OSSL_LIB_CTX *lc = OSSL_LIB_CTX_new();
		OSSL_PROVIDER *prov = lc != NULL ? OSSL_PROVIDER_load(lc, "default") : NULL;
		struct poc_key *pub = poc_key_from_spki(&e, spki, splen);
		uint8_t md[32];

		EVP_Digest(msg, MSG_LEN, md, NULL, EVP_sha256(), NULL);
		k = poc_key_from_secret(&e, CKK_EC, secret, slen);
		op = NULL;
		ok(prov != NULL && k != NULL && pub != NULL && poc_op_init_ex(&op, POC_OP_SIGN, &sha256, k, lc) == CKR_OK,
		   "reuse: init in a private library context");
		for (int round = 0; op != NULL && round < 2; round++) {
			struct poc_op *v = NULL;

			len = sizeof(sig);
			is_int(poc_op_oneshot(op, msg, MSG_LEN, sig, &len), CKR_OK, "reuse: private context signs (%d)",
			       round);
			/* Checked in OpenSSL's default context: raw ECDSA over SHA-256(msg). */
			ok(poc_op_init(&v, POC_OP_VERIFY, &ecdsa, pub) == CKR_OK && poc_op_verify(v, md, 32, sig, len) == CKR_OK,
			   "reuse: its signature verifies (%d)", round);
			poc_op_free(v);
			ok(poc_op_park(op) == 1 && poc_op_reuse(op, POC_OP_SIGN, &sha256, k) == 1, "reuse: kept (%d)", round);
		}
		poc_op_free(op);
		op = NULL;
		poc_key_free(pub);
		poc_key_free(k); /* before the context: the key caches its export there */
		OSSL_PROVIDER_unload(prov);
		OSSL_LIB_CTX_free(lc);
	}
	poc_secret_free(secret, slen);
	free(spki);
}

int main(void)
{
	test_keygen();
	test_keygen_errors();
	test_sign();
	test_independent();
	test_init_errors();
	test_rsa_decrypt();
	test_gcm();
	test_attrs();
	test_load_errors();
	test_load_other_curves();
	test_misc();
	test_reuse();
	for (int i = 0; i < NKEYS; i++) {
		poc_key_free(keys[i].priv);
		poc_key_free(keys[i].pub);
		free(keys[i].spki);
	}
	return poc_test_done();
}
