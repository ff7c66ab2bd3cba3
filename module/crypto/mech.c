/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The mechanism table: the one list of what this token does. Each entry
 * names the key type it takes (or makes), what it does and how; the
 * CK_MECHANISM_INFO of C_GetMechanismInfo is derived from it (flags from what
 * it does, key sizes from the key type: the curve table's curves, the RSA
 * range, AES's 16 to 32 bytes, DES3's 24, generic secrets' 1 to
 * POC_SECRET_KEY_MAX bytes, none for digests), and poc_op_init and poc_keygen
 * take exactly what it says. A new mechanism is one line here (and its
 * algorithm's setup in op.c).
 */
#include "crypto/crypto_int.h"

#include <string.h>

#define SV (MECH_SIGN | MECH_VERIFY)
#define ED (MECH_ENCRYPT | MECH_DECRYPT)
#define SVG (SV | MECH_GENERAL)
#define DIGEST(m) { m, POC_KEY_NONE, MECH_DIGEST, ALG_DIGEST, m }

static const struct poc_mech_desc mechs[] = {
	{ CKM_EC_KEY_PAIR_GEN, CKK_EC, MECH_GEN_PAIR, ALG_KEYGEN, 0 },
	{ CKM_ECDSA, CKK_EC, SV, ALG_ECDSA, 0 },
	{ CKM_ECDSA_SHA1, CKK_EC, SV, ALG_ECDSA, CKM_SHA_1 },
	{ CKM_ECDSA_SHA224, CKK_EC, SV, ALG_ECDSA, CKM_SHA224 },
	{ CKM_ECDSA_SHA256, CKK_EC, SV, ALG_ECDSA, CKM_SHA256 },
	{ CKM_ECDSA_SHA384, CKK_EC, SV, ALG_ECDSA, CKM_SHA384 },
	{ CKM_ECDSA_SHA512, CKK_EC, SV, ALG_ECDSA, CKM_SHA512 },
	{ CKM_RSA_PKCS_KEY_PAIR_GEN, CKK_RSA, MECH_GEN_PAIR, ALG_KEYGEN, 0 },
	/*
	 * No PKCS#1 v1.5 decryption: on OpenSSL 3.0 it is a padding oracle
	 * (Bleichenbacher, Marvin: no implicit rejection before 3.2). OAEP
	 * decrypts; v1.5 encryption to a public key stays (no oracle there).
	 */
	{ CKM_RSA_PKCS, CKK_RSA, SV | MECH_ENCRYPT, ALG_RSA_PKCS, 0 },
	{ CKM_SHA1_RSA_PKCS, CKK_RSA, SV, ALG_RSA_PKCS, CKM_SHA_1 },
	{ CKM_SHA224_RSA_PKCS, CKK_RSA, SV, ALG_RSA_PKCS, CKM_SHA224 },
	{ CKM_SHA256_RSA_PKCS, CKK_RSA, SV, ALG_RSA_PKCS, CKM_SHA256 },
	{ CKM_SHA384_RSA_PKCS, CKK_RSA, SV, ALG_RSA_PKCS, CKM_SHA384 },
	{ CKM_SHA512_RSA_PKCS, CKK_RSA, SV, ALG_RSA_PKCS, CKM_SHA512 },
	{ CKM_RSA_PKCS_PSS, CKK_RSA, SV, ALG_RSA_PSS, 0 },
	{ CKM_SHA1_RSA_PKCS_PSS, CKK_RSA, SV, ALG_RSA_PSS, CKM_SHA_1 },
	{ CKM_SHA224_RSA_PKCS_PSS, CKK_RSA, SV, ALG_RSA_PSS, CKM_SHA224 },
	{ CKM_SHA256_RSA_PKCS_PSS, CKK_RSA, SV, ALG_RSA_PSS, CKM_SHA256 },
	{ CKM_SHA384_RSA_PKCS_PSS, CKK_RSA, SV, ALG_RSA_PSS, CKM_SHA384 },
	{ CKM_SHA512_RSA_PKCS_PSS, CKK_RSA, SV, ALG_RSA_PSS, CKM_SHA512 },
	{ CKM_RSA_PKCS_OAEP, CKK_RSA, ED, ALG_RSA_OAEP, 0 },
	{ CKM_EC_EDWARDS_KEY_PAIR_GEN, CKK_EC_EDWARDS, MECH_GEN_PAIR, ALG_KEYGEN, 0 },
	{ CKM_EDDSA, CKK_EC_EDWARDS, SV, ALG_EDDSA, 0 },
	{ CKM_AES_KEY_GEN, CKK_AES, MECH_GEN, ALG_KEYGEN, 0 },
	{ CKM_AES_GCM, CKK_AES, ED | MECH_MSG_ENCRYPT | MECH_MSG_DECRYPT, ALG_AES_GCM, 0 },
	{ CKM_AES_ECB, CKK_AES, ED, ALG_BLOCK, 0 },
	{ CKM_AES_CBC, CKK_AES, ED, ALG_BLOCK, 0 },
	{ CKM_AES_CBC_PAD, CKK_AES, ED, ALG_BLOCK, 0 },
	{ CKM_AES_CTR, CKK_AES, ED, ALG_BLOCK, 0 },
	{ CKM_AES_CMAC, CKK_AES, SV, ALG_CMAC, 0 },
	{ CKM_AES_CMAC_GENERAL, CKK_AES, SVG, ALG_CMAC, 0 },
	/*
	 * Single DES keys are generated (for applications that wrap or move
	 * them) but no mechanism here encrypts with one: 56-bit DES is broken,
	 * and OpenSSL 3.0 has it only in its legacy provider.
	 */
	{ CKM_DES_KEY_GEN, CKK_DES, MECH_GEN, ALG_KEYGEN, 0 },
	{ CKM_DES3_KEY_GEN, CKK_DES3, MECH_GEN, ALG_KEYGEN, 0 },
	{ CKM_DES3_ECB, CKK_DES3, ED, ALG_BLOCK, 0 },
	{ CKM_DES3_CBC, CKK_DES3, ED, ALG_BLOCK, 0 },
	{ CKM_DES3_CBC_PAD, CKK_DES3, ED, ALG_BLOCK, 0 },
	{ CKM_GENERIC_SECRET_KEY_GEN, CKK_GENERIC_SECRET, MECH_GEN, ALG_KEYGEN, 0 },
	{ CKM_SHA_1_HMAC, CKK_GENERIC_SECRET, SV, ALG_HMAC, CKM_SHA_1 },
	{ CKM_SHA_1_HMAC_GENERAL, CKK_GENERIC_SECRET, SVG, ALG_HMAC, CKM_SHA_1 },
	{ CKM_SHA224_HMAC, CKK_GENERIC_SECRET, SV, ALG_HMAC, CKM_SHA224 },
	{ CKM_SHA224_HMAC_GENERAL, CKK_GENERIC_SECRET, SVG, ALG_HMAC, CKM_SHA224 },
	{ CKM_SHA256_HMAC, CKK_GENERIC_SECRET, SV, ALG_HMAC, CKM_SHA256 },
	{ CKM_SHA256_HMAC_GENERAL, CKK_GENERIC_SECRET, SVG, ALG_HMAC, CKM_SHA256 },
	{ CKM_SHA384_HMAC, CKK_GENERIC_SECRET, SV, ALG_HMAC, CKM_SHA384 },
	{ CKM_SHA384_HMAC_GENERAL, CKK_GENERIC_SECRET, SVG, ALG_HMAC, CKM_SHA384 },
	{ CKM_SHA512_HMAC, CKK_GENERIC_SECRET, SV, ALG_HMAC, CKM_SHA512 },
	{ CKM_SHA512_HMAC_GENERAL, CKK_GENERIC_SECRET, SVG, ALG_HMAC, CKM_SHA512 },
	DIGEST(CKM_SHA_1),
	DIGEST(CKM_SHA224),
	DIGEST(CKM_SHA256),
	DIGEST(CKM_SHA384),
	DIGEST(CKM_SHA512),
	DIGEST(CKM_SHA512_224),
	DIGEST(CKM_SHA512_256),
	DIGEST(CKM_SHA3_224),
	DIGEST(CKM_SHA3_256),
	DIGEST(CKM_SHA3_384),
	DIGEST(CKM_SHA3_512),
	/*
	 * Key management (wrap.c, derive.c; C_WrapKey, C_UnwrapKey, C_DeriveKey).
	 * CKM_RSA_PKCS_OAEP and CKM_AES_CBC_PAD also wrap and unwrap:
	 * poc_wrap_mechanism adds the flags to their rows. No CKM_AES_KEY_WRAP_PAD: PKCS#11 3.0 deprecates it
	 * (implementations disagree: RFC 5649 or PKCS#7 padding then RFC 3394).
	 */
	{ CKM_AES_KEY_WRAP, CKK_AES, MECH_WRAP | MECH_UNWRAP, ALG_KEYMGMT, 0 },
	{ CKM_AES_KEY_WRAP_KWP, CKK_AES, MECH_WRAP | MECH_UNWRAP, ALG_KEYMGMT, 0 },
	{ CKM_ECDH1_DERIVE, CKK_EC, MECH_DERIVE, ALG_KEYMGMT, 0 },
	{ CKM_HKDF_DERIVE, CKK_GENERIC_SECRET, MECH_DERIVE, ALG_KEYMGMT, 0 },
};

#define NMECHS (sizeof(mechs) / sizeof(mechs[0]))

const struct poc_mech_desc *poc_mech_desc_find(CK_MECHANISM_TYPE type)
{
	for (size_t i = 0; i < NMECHS; i++)
		if (mechs[i].type == type)
			return &mechs[i];
	return NULL;
}

int poc_key_type_sizes(CK_KEY_TYPE type, CK_ULONG *min, CK_ULONG *max)
{
	switch (type) {
	case CKK_RSA:
		*min = POC_RSA_MIN_BITS;
		*max = POC_RSA_MAX_BITS;
		return 1;
	case CKK_AES:
		*min = 16; /* bytes: AES-128, -192, -256 */
		*max = 32;
		return 1;
	case CKK_DES3:
		*min = *max = 24; /* bytes: three-key triple DES (parity bits included) */
		return 1;
	case CKK_DES:
		*min = *max = 8;
		return 1;
	case CKK_GENERIC_SECRET:
		*min = 1; /* bytes: HMAC takes keys of any length (RFC 2104) */
		*max = POC_SECRET_KEY_MAX;
		return 1;
	case POC_KEY_NONE:
		*min = *max = 0;
		return 1;
	default:
		return poc_curve_sizes(type, min, max);
	}
}

size_t poc_mechanism_list(CK_MECHANISM_TYPE *list, size_t cap)
{
	for (size_t i = 0; list != NULL && i < NMECHS && i < cap; i++)
		list[i] = mechs[i].type;
	return NMECHS;
}

CK_RV poc_mechanism_info(CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info)
{
	static const struct {
		unsigned op;
		CK_FLAGS flag;
	} flags[] = {
		{ MECH_SIGN, CKF_SIGN },       { MECH_VERIFY, CKF_VERIFY },
		{ MECH_ENCRYPT, CKF_ENCRYPT }, { MECH_DECRYPT, CKF_DECRYPT },
		{ MECH_DIGEST, CKF_DIGEST },  { MECH_GEN_PAIR, CKF_GENERATE_KEY_PAIR }, { MECH_GEN, CKF_GENERATE },
		{ MECH_MSG_ENCRYPT, CKF_MESSAGE_ENCRYPT }, { MECH_MSG_DECRYPT, CKF_MESSAGE_DECRYPT },
		{ MECH_WRAP, CKF_WRAP }, { MECH_UNWRAP, CKF_UNWRAP }, { MECH_DERIVE, CKF_DERIVE },
	};
	const struct poc_mech_desc *d = poc_mech_desc_find(type);

	if (d == NULL || info == NULL)
		return CKR_MECHANISM_INVALID;
	memset(info, 0, sizeof(*info));
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if ((d->ops | (poc_wrap_mechanism(type) ? MECH_WRAP | MECH_UNWRAP : 0)) & flags[i].op)
			info->flags |= flags[i].flag;
	/* Named curves in uncompressed points over prime fields only (CKA_EC_PARAMS, CKA_EC_POINT). */
	if (d->key_type == CKK_EC)
		info->flags |= CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS;
	if (!poc_key_type_sizes(d->key_type, &info->ulMinKeySize, &info->ulMaxKeySize))
		return CKR_GENERAL_ERROR;
	return CKR_OK;
}

int poc_mechanism_key_type(CK_MECHANISM_TYPE type, CK_KEY_TYPE *key_type)
{
	const struct poc_mech_desc *d = poc_mech_desc_find(type);

	if (d == NULL || d->key_type == POC_KEY_NONE)
		return 0; /* a digest takes no key */
	*key_type = d->key_type;
	return 1;
}

int poc_mechanism_permits(CK_MECHANISM_TYPE type, enum poc_op_kind kind)
{
	const struct poc_mech_desc *d = poc_mech_desc_find(type);

	return d != NULL && (unsigned)kind < POC_OP_NKINDS && (d->ops & (1u << kind)) != 0;
}

const EVP_MD *poc_hash_md(CK_MECHANISM_TYPE h)
{
	switch (h) {
	case CKM_SHA_1: return EVP_sha1();
	case CKM_SHA224: return EVP_sha224();
	case CKM_SHA256: return EVP_sha256();
	case CKM_SHA384: return EVP_sha384();
	case CKM_SHA512: return EVP_sha512();
	case CKM_SHA512_224: return EVP_sha512_224();
	case CKM_SHA512_256: return EVP_sha512_256();
	case CKM_SHA3_224: return EVP_sha3_224();
	case CKM_SHA3_256: return EVP_sha3_256();
	case CKM_SHA3_384: return EVP_sha3_384();
	case CKM_SHA3_512: return EVP_sha3_512();
	default: return NULL;
	}
}

const EVP_MD *poc_mgf_md(CK_RSA_PKCS_MGF_TYPE g)
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
