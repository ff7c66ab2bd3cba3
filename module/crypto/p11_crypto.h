/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Crypto on released keys through OpenSSL 3 EVP (DESIGN.md section 6):
 * loading key material (key.c), PKCS#11 key attributes, the mechanism table
 * (mech.c) over the curve table (curve.c), sign/verify (sign.c) and
 * encrypt/decrypt (cipher.c) operations (op.c) and key generation (keygen.c).
 *
 * A struct poc_key is parsed once when released and never re-parsed per
 * operation; a struct poc_op belongs to one session and one operation kind,
 * so sessions on different threads work in parallel without locks here. A
 * finished op can be parked and reused, so its EVP setup is done once per
 * session, key and mechanism rather than per operation (see poc_op_park).
 */
#ifndef POC_P11_CRYPTO_H
#define POC_P11_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>
#include <p11-kit/pkcs11.h>

#include "verr.h"

/* Buffered input of one-shot mechanisms in multi-part use (and GCM) is capped here. */
#define POC_OP_BUFFER_MAX (1u << 20)

/* A usable key: EVP_PKEY (private or public) or a secret key (AES 16/24/32 bytes, generic) in locked memory. */
struct poc_key;

/*
 * From released material: CKK_EC / CKK_RSA / CKK_EC_EDWARDS private keys as
 * PKCS#8 DER or traditional DER, CKK_AES / CKK_GENERIC_SECRET as raw bytes.
 * Keys poc_key_pkey_type does not take are refused. Returns NULL with e set.
 */
struct poc_key *poc_key_from_secret(struct poc_err *e, CK_KEY_TYPE type, const uint8_t *secret, size_t len);
/* A public key from a DER SubjectPublicKeyInfo (for C_Verify and public-key objects). */
struct poc_key *poc_key_from_spki(struct poc_err *e, const uint8_t *spki, size_t len);
/* NULL-safe, wipes. */
void poc_key_free(struct poc_key *k);
CK_KEY_TYPE poc_key_type(const struct poc_key *k);
/* 1 when k holds a private (or secret) key, 0 for a public key. */
int poc_key_is_private(const struct poc_key *k);
/*
 * The DER SubjectPublicKeyInfo of an asymmetric key (malloc'ed, not secret).
 * CKR_KEY_TYPE_INCONSISTENT for secret keys.
 */
CK_RV poc_key_spki(const struct poc_key *k, uint8_t **spki, size_t *spki_len);

/*
 * For attributes: CKA_EC_PARAMS (DER OID of the curve) and CKA_EC_POINT (DER
 * OCTET STRING of the uncompressed point) for EC/Edwards; CKA_MODULUS /
 * CKA_PUBLIC_EXPONENT / CKA_MODULUS_BITS (a CK_ULONG) for RSA; CKA_VALUE_LEN
 * (a CK_ULONG) for secret keys. Writes the needed length to *len; buf may be
 * NULL (length query). CKR_BUFFER_TOO_SMALL when *len is short,
 * CKR_ATTRIBUTE_TYPE_INVALID for attributes the key type does not have.
 * Never returns private or secret values.
 */
CK_RV poc_key_attr(const struct poc_key *k, CK_ATTRIBUTE_TYPE type, uint8_t *buf, CK_ULONG *len);

/*
 * The kinds of operation a session runs, one of each at a time (POC_OP_NKINDS:
 * how many). POC_OP_MSG_*: the PKCS#11 3.0 message-based encryption (AES-GCM).
 */
enum poc_op_kind {
	POC_OP_SIGN, POC_OP_VERIFY, POC_OP_ENCRYPT, POC_OP_DECRYPT, POC_OP_DIGEST, POC_OP_MSG_ENCRYPT, POC_OP_MSG_DECRYPT
};
#define POC_OP_NKINDS 7

/* PKCS#11 3.0 (pkcs11t.h v3.0) for the message-based AEAD API, which p11-kit's v2.40 header lacks. */
#ifndef CKG_NO_GENERATE
typedef CK_ULONG CK_GENERATOR_FUNCTION;
#define CKG_NO_GENERATE 0x00000000UL
#define CKG_GENERATE 0x00000001UL
#define CKG_GENERATE_COUNTER 0x00000002UL
#define CKG_GENERATE_RANDOM 0x00000003UL
typedef struct CK_GCM_MESSAGE_PARAMS {
	CK_BYTE_PTR pIv;
	CK_ULONG ulIvLen;
	CK_ULONG ulIvFixedBits;
	CK_GENERATOR_FUNCTION ivGenerator;
	CK_BYTE_PTR pTag;
	CK_ULONG ulTagBits;
} CK_GCM_MESSAGE_PARAMS;
#define CKF_END_OF_MESSAGE 0x00000001UL
#define CKF_MESSAGE_ENCRYPT 0x00000002UL
#define CKF_MESSAGE_DECRYPT 0x00000004UL
#define CKF_MESSAGE_SIGN 0x00000008UL
#define CKF_MESSAGE_VERIFY 0x00000010UL
#define CKF_MULTI_MESSAGE 0x00000020UL
#endif
#ifndef CKR_AEAD_DECRYPT_FAILED
#define CKR_AEAD_DECRYPT_FAILED 0x00000042UL
#endif

/*
 * The mechanism table (mech.c), the one list C_GetMechanismList,
 * C_GetMechanismInfo, poc_op_init and poc_keygen read. poc_mechanism_list
 * writes up to cap types into list (NULL: none) and returns how many there
 * are. poc_mechanism_info: flags from what the mechanism does, key sizes from
 * its key type (EC and Edwards: the curve table's curves in bits; RSA: modulus
 * bits; AES: bytes); CKR_MECHANISM_INVALID for a mechanism not in the table.
 * poc_mechanism_permits: 1 when the mechanism does kind (CKM_RSA_PKCS does not
 * decrypt: a padding oracle on OpenSSL 3.0, docs/module.md).
 */
size_t poc_mechanism_list(CK_MECHANISM_TYPE *list, size_t cap);
CK_RV poc_mechanism_info(CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info);
int poc_mechanism_permits(CK_MECHANISM_TYPE type, enum poc_op_kind kind);
/* 1 and the key type the mechanism takes (or makes) when it is in the table and takes a key (not a digest), else 0. */
int poc_mechanism_key_type(CK_MECHANISM_TYPE type, CK_KEY_TYPE *key_type);

/*
 * The key type of an OpenSSL key when this token takes it (the curve table's
 * curves, RSA of 1024-4096 bits): CKR_OK; CKR_CURVE_NOT_SUPPORTED (another
 * curve), CKR_KEY_SIZE_RANGE (RSA outside the range; *type set for both),
 * CKR_KEY_TYPE_INCONSISTENT (another algorithm). poctool import asks it.
 */
CK_RV poc_key_pkey_type(const EVP_PKEY *pk, CK_KEY_TYPE *type);

/* One operation in progress (one per session and kind). */
struct poc_op;

/*
 * Checks mechanism vs key type and kind (CKR_MECHANISM_INVALID,
 * CKR_MECHANISM_PARAM_INVALID, CKR_KEY_TYPE_INCONSISTENT), copies parameters.
 * The op keeps its own reference to k so the caller may free k. A digest
 * (POC_OP_DIGEST) takes no key: k is ignored and may be NULL; a secret key's
 * value enters it with poc_op_digest_key (C_DigestKey).
 */
CK_RV poc_op_init(struct poc_op **op, enum poc_op_kind kind, const CK_MECHANISM *m, const struct poc_key *k);
/*
 * The same with the op's ECDSA/RSA context and prehash made in library
 * context lc (NULL: OpenSSL's default), which must outlive k (an EVP_PKEY
 * caches its export to lc's key management until it is freed).
 */
CK_RV poc_op_init_ex(struct poc_op **op, enum poc_op_kind kind, const CK_MECHANISM *m, const struct poc_key *k,
		     OSSL_LIB_CTX *lc);
/*
 * Single-part (C_Sign, C_Encrypt, C_Decrypt) with PKCS#11 length semantics:
 * out == NULL -> *outlen = needed size, CKR_OK, op stays active; *outlen too
 * small -> CKR_BUFFER_TOO_SMALL with *outlen = needed, op stays active;
 * otherwise does it (op finished: caller frees it). Returns CKR_OK,
 * CKR_BUFFER_TOO_SMALL, CKR_DATA_LEN_RANGE, CKR_ENCRYPTED_DATA_INVALID,
 * CKR_ENCRYPTED_DATA_LEN_RANGE, CKR_FUNCTION_FAILED etc.
 */
CK_RV poc_op_oneshot(struct poc_op *op, const uint8_t *in, CK_ULONG inlen, uint8_t *out, CK_ULONG *outlen);
/*
 * Multi-part: update accumulates (hash mechanisms stream; raw/one-shot
 * mechanisms buffer, capped at POC_OP_BUFFER_MAX -> CKR_DATA_LEN_RANGE); final
 * with the same length semantics. AES-GCM decrypt buffers and decides at
 * final (no unauthenticated output). Encrypt/Decrypt update may output 0
 * bytes (*outlen = 0); for sign/verify out and outlen are ignored (may be NULL).
 */
CK_RV poc_op_update(struct poc_op *op, const uint8_t *in, CK_ULONG inlen, uint8_t *out, CK_ULONG *outlen);
CK_RV poc_op_final(struct poc_op *op, uint8_t *out, CK_ULONG *outlen);
/* Verify: single-part and final. CKR_SIGNATURE_INVALID / CKR_SIGNATURE_LEN_RANGE. */
CK_RV poc_op_verify(struct poc_op *op, const uint8_t *in, CK_ULONG inlen, const uint8_t *sig, CK_ULONG siglen);
CK_RV poc_op_verify_final(struct poc_op *op, const uint8_t *sig, CK_ULONG siglen);
/*
 * Message-based AEAD (POC_OP_MSG_ENCRYPT/DECRYPT on CKM_AES_GCM, PKCS#11 3.0
 * section 5.13-5.14): each message has its CK_GCM_MESSAGE_PARAMS. Encryption
 * takes the IV as given (CKG_NO_GENERATE) or makes it (CKG_GENERATE,
 * CKG_GENERATE_RANDOM: the bits after ulIvFixedBits from the DRBG, at least
 * 64 of them; CKG_GENERATE_COUNTER is refused, a counter per operation would
 * repeat across sessions) and writes the IV and the tag to the parameters;
 * decryption checks the tag in pTag (CKR_AEAD_DECRYPT_FAILED) and outputs
 * nothing before. poc_msg_begin starts a message with its associated data;
 * poc_msg_next takes a part (with CKF_END_OF_MESSAGE: the last; decryption
 * outputs the whole message then); poc_msg_one is both. Length semantics as
 * poc_op_oneshot (out NULL: the size; a size query starts nothing).
 */
CK_RV poc_msg_begin(struct poc_op *op, void *param, CK_ULONG param_len, const uint8_t *aad, CK_ULONG aad_len);
CK_RV poc_msg_next(struct poc_op *op, void *param, CK_ULONG param_len, const uint8_t *in, CK_ULONG inlen,
		   uint8_t *out, CK_ULONG *outlen, CK_FLAGS flags);
CK_RV poc_msg_one(struct poc_op *op, void *param, CK_ULONG param_len, const uint8_t *aad, CK_ULONG aad_len,
		  const uint8_t *in, CK_ULONG inlen, uint8_t *out, CK_ULONG *outlen);

/* C_DigestKey: the value of secret key k into a digest op (CKR_KEY_INDIGESTIBLE for other keys). */
CK_RV poc_op_digest_key(struct poc_op *op, const struct poc_key *k);
/* NULL-safe, wipes. */
void poc_op_free(struct poc_op *op);

/*
 * Reuse. ECDSA and RSA PKCS#1 v1.5 ops without mechanism parameters keep
 * their prepared EVP contexts when parked: poc_op_park after the operation
 * finished (1: kept; 0: the caller frees it), then poc_op_reuse to start the
 * same kind and mechanism on the same key again (1: ready; 0: the caller
 * frees it and makes a new one). poc_key_free drops the contexts of the ops
 * parked on that key (so it wipes them with the key); an op running at that
 * time finishes and is then not kept. poc_op_init, _park, _reuse, _detach,
 * _free and poc_key_free on one key must not run concurrently (the module
 * lock); running an op needs no lock. After poc_op_detach, poc_op_free needs
 * no such serialisation.
 */
int poc_op_park(struct poc_op *op);
int poc_op_reuse(struct poc_op *op, enum poc_op_kind kind, const CK_MECHANISM *m, const struct poc_key *k);
void poc_op_detach(struct poc_op *op);

/*
 * Key generation (C_GenerateKeyPair / C_GenerateKey / poctool keygen) by the
 * mechanism table's generating mechanisms: CKM_EC_KEY_PAIR_GEN (the curve
 * table's EC curves, CKA_EC_PARAMS a DER OID), CKM_RSA_PKCS_KEY_PAIR_GEN
 * (modulus bits 1024-4096, a multiple of 8, exponent 65537 unless given),
 * CKM_EC_EDWARDS_KEY_PAIR_GEN (Ed25519; ec_params optional),
 * CKM_AES_KEY_GEN (16/24/32 bytes), CKM_DES3_KEY_GEN (24 bytes, odd parity)
 * and CKM_GENERIC_SECRET_KEY_GEN (1-512 bytes). CKR_MECHANISM_INVALID, CKR_TEMPLATE_INCONSISTENT
 * (type is not the mechanism's), CKR_KEY_SIZE_RANGE, CKR_TEMPLATE_INCOMPLETE
 * (EC without parameters), CKR_CURVE_NOT_SUPPORTED, CKR_DOMAIN_PARAMS_INVALID.
 * Output: the private material as poc_key_from_secret takes it (PKCS#8 DER
 * or raw; allocated with poc_secret_alloc, free with poc_secret_free) and,
 * for pairs, the SPKI DER (malloc; spki may be NULL for secret keys).
 */
CK_RV poc_keygen(CK_MECHANISM_TYPE mech, CK_KEY_TYPE type, const uint8_t *ec_params, size_t ec_params_len,
		 CK_ULONG bits_or_len, uint8_t **secret, size_t *secret_len, uint8_t **spki, size_t *spki_len);
/* The same with RSA's public exponent (CKA_PUBLIC_EXPONENT, big-endian; NULL: 65537; odd, >= 3, <= 64 bits). */
CK_RV poc_keygen_ex(CK_MECHANISM_TYPE mech, CK_KEY_TYPE type, const uint8_t *ec_params, size_t ec_params_len,
		    CK_ULONG bits_or_len, const uint8_t *pub_exp, size_t pub_exp_len, uint8_t **secret,
		    size_t *secret_len, uint8_t **spki, size_t *spki_len);

/*
 * ---- key management: wrap and unwrap (wrap.c), derivation (derive.c) ----
 * The mechanism constants and parameters of PKCS#11 3.0 that p11-kit's v2.40
 * header lacks (pkcs11t.h v3.0, sections 2.14 and 2.43 of the current
 * mechanisms).
 */
#ifndef CKM_AES_KEY_WRAP_KWP
#define CKM_AES_KEY_WRAP_KWP 0x0000210BUL /* RFC 5649 (NIST SP 800-38F KWP) */
#endif
#ifndef CKM_HKDF_DERIVE
#define CKM_HKDF_DERIVE 0x0000402AUL
#define CKM_HKDF_DATA 0x0000402BUL
#define CKM_HKDF_KEY_GEN 0x0000402CUL
#define CKK_HKDF 0x00000042UL
#define CKF_HKDF_SALT_NULL 0x00000001UL
#define CKF_HKDF_SALT_DATA 0x00000002UL
#define CKF_HKDF_SALT_KEY 0x00000004UL
typedef struct CK_HKDF_PARAMS {
	CK_BBOOL bExtract;
	CK_BBOOL bExpand;
	CK_MECHANISM_TYPE prfHashMechanism;
	CK_ULONG ulSaltType;
	CK_BYTE_PTR pSalt;
	CK_ULONG ulSaltLen;
	CK_OBJECT_HANDLE hSaltKey;
	CK_BYTE_PTR pInfo;
	CK_ULONG ulInfoLen;
} CK_HKDF_PARAMS;
#endif

/* 1 when mech wraps and unwraps keys here (the mechanism table says which key it takes). */
int poc_wrap_mechanism(CK_MECHANISM_TYPE mech);
/*
 * The bytes a key is wrapped as (PKCS#11 v3.0 5.18: a secret key's value, a
 * private key's PKCS#8 PrivateKeyInfo DER), in locked memory
 * (poc_secret_free). CKR_KEY_NOT_WRAPPABLE for a public key.
 */
CK_RV poc_key_material(const struct poc_key *k, uint8_t **out, size_t *out_len);
/*
 * Wraps in (key material) under wk with mechanism m: CKM_AES_KEY_WRAP (RFC
 * 3394, in a multiple of 8 bytes, at least 16), CKM_AES_KEY_WRAP_KWP (RFC
 * 5649, any length), CKM_AES_CBC_PAD (parameter: the 16-byte IV; PKCS#7
 * padding), all with an AES key; CKM_RSA_PKCS_OAEP with an RSA public key
 * (or private key: its public half). PKCS#11 length semantics (out NULL: the
 * length; short: CKR_BUFFER_TOO_SMALL). CKR_MECHANISM_INVALID,
 * CKR_MECHANISM_PARAM_INVALID, CKR_KEY_TYPE_INCONSISTENT (wk is not the
 * mechanism's), CKR_KEY_SIZE_RANGE (in does not fit: KW needs multiples of 8,
 * OAEP the modulus).
 */
CK_RV poc_wrap(const CK_MECHANISM *m, const struct poc_key *wk, const uint8_t *in, size_t in_len, uint8_t *out,
	       CK_ULONG *out_len);
/*
 * The inverse with uk (an AES key, or an RSA private key for OAEP): *out in
 * locked memory (poc_secret_free). A wrapped key that does not authenticate
 * (KW, KWP integrity check), decrypt or unpad: CKR_WRAPPED_KEY_INVALID; one
 * of a length the mechanism never makes: CKR_WRAPPED_KEY_LEN_RANGE.
 */
CK_RV poc_unwrap(const CK_MECHANISM *m, const struct poc_key *uk, const uint8_t *in, size_t in_len, uint8_t **out,
		 size_t *out_len);

/*
 * CKM_ECDH1_DERIVE: the shared secret of base (an EC private key) and the
 * peer's point in p (raw uncompressed X9.62 or a DER OCTET STRING of it, on
 * base's curve), through kdf (CKD_NULL: Z itself, its first len bytes;
 * CKD_SHA1/224/256/384/512_KDF: ANSI X9.63 with p->pSharedData), len bytes
 * into *out (locked memory). CKR_MECHANISM_PARAM_INVALID (unknown kdf, shared
 * data with CKD_NULL, a point not on the curve), CKR_KEY_TYPE_INCONSISTENT,
 * CKR_KEY_SIZE_RANGE (CKD_NULL asked for more than Z has).
 */
CK_RV poc_derive_ecdh(const struct poc_key *base, const CK_ECDH1_DERIVE_PARAMS *p, size_t len, uint8_t **out);
/*
 * CKM_HKDF_DERIVE (RFC 5869) over ikm with p (extract, expand or both; prf
 * CKM_SHA256/384/512; salt as p->ulSaltType says: the key's bytes for
 * CKF_HKDF_SALT_KEY come in salt_key), len bytes into *out (locked memory;
 * extract only: len must be the hash's length). CKR_MECHANISM_PARAM_INVALID,
 * CKR_KEY_SIZE_RANGE (more than 255 hash lengths).
 */
CK_RV poc_derive_hkdf(const CK_HKDF_PARAMS *p, const uint8_t *ikm, size_t ikm_len, const uint8_t *salt_key,
		      size_t salt_key_len, size_t len, uint8_t **out);
/* The raw bytes of a secret key (borrowed: valid while k lives), or NULL for an asymmetric key. */
const uint8_t *poc_key_secret(const struct poc_key *k, size_t *len);

#endif
