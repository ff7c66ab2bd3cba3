/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The mechanism table: the one list of what this token does. Each entry
 * names the key type it takes (or makes), what it does and how; the
 * CK_MECHANISM_INFO of C_GetMechanismInfo is derived from it (flags from what
 * it does, key sizes from the key type: the curve table's curves, the RSA
 * range, AES's 16 to 32 bytes), and poc_op_init and poc_keygen take exactly
 * what it says.
 */
#include "crypto/crypto_int.h"

#include <string.h>

#define SV (MECH_SIGN | MECH_VERIFY)
#define ED (MECH_ENCRYPT | MECH_DECRYPT)

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
	{ CKM_AES_GCM, CKK_AES, ED, ALG_AES_GCM, 0 },
	/*
	 * Key management (wrap.c, derive.c; C_WrapKey, C_UnwrapKey, C_DeriveKey).
	 * CKM_RSA_PKCS_OAEP also wraps and unwraps: poc_wrap_mechanism adds the
	 * flags to its row. No CKM_AES_KEY_WRAP_PAD: PKCS#11 3.0 deprecates it
	 * (implementations disagree: RFC 5649 or PKCS#7 padding then RFC 3394).
	 */
	{ CKM_AES_KEY_WRAP, CKK_AES, MECH_WRAP | MECH_UNWRAP, ALG_KEYMGMT, 0 },
	{ CKM_AES_KEY_WRAP_KWP, CKK_AES, MECH_WRAP | MECH_UNWRAP, ALG_KEYMGMT, 0 },
	{ CKM_AES_CBC_PAD, CKK_AES, MECH_WRAP | MECH_UNWRAP, ALG_KEYMGMT, 0 },
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
	case CKK_GENERIC_SECRET:
		*min = 1; /* bytes: what ECDH and HKDF derive (HKDF-SHA512: up to 255 x 64) */
		*max = 255 * 64;
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
		{ MECH_GEN_PAIR, CKF_GENERATE_KEY_PAIR }, { MECH_GEN, CKF_GENERATE },
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

int poc_mechanism_permits(CK_MECHANISM_TYPE type, enum poc_op_kind kind)
{
	const struct poc_mech_desc *d = poc_mech_desc_find(type);

	return d != NULL && (unsigned)kind <= POC_OP_DECRYPT && (d->ops & (1u << kind)) != 0;
}

const EVP_MD *poc_hash_md(CK_MECHANISM_TYPE h)
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
