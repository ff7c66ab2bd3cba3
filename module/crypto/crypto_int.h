/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the files of crypto/ share and nothing outside reads: the key and op
 * structures, the mechanism table's entries (mech.c), the curve table
 * (curve.c) and the small helpers of the op files (op.c, sign.c, cipher.c).
 */
#ifndef POC_CRYPTO_INT_H
#define POC_CRYPTO_INT_H

#include "crypto/p11_crypto.h"

#include <openssl/evp.h>

/* ---- the curve table (curve.c) ---- */

struct poc_curve {
	const char *name;      /* OpenSSL's group (EC) or algorithm (Edwards) name */
	CK_KEY_TYPE key_type;  /* CKK_EC or CKK_EC_EDWARDS */
	int nid;               /* the OpenSSL NID (EC: the group; Edwards: the EVP_PKEY type) */
	const uint8_t *oid;    /* CKA_EC_PARAMS as a DER OBJECT IDENTIFIER */
	size_t oid_len;
	const char *printable; /* Edwards: the PKCS#11 v3.0 PrintableString curve name, else NULL */
	CK_ULONG bits;         /* the key size CK_MECHANISM_INFO gives */
	size_t nbytes;         /* EC: the order's bytes (r and s each); Edwards: key and point bytes */
};

enum poc_curve_parse {
	POC_CURVE_OK,        /* one of the table's */
	POC_CURVE_ABSENT,    /* no value (NULL or empty) */
	POC_CURVE_OTHER,     /* well-formed: explicit parameters, implicitlyCA, or a curve not in the table */
	POC_CURVE_MALFORMED, /* not one DER OBJECT IDENTIFIER (or PrintableString for Edwards) */
};

/* The curve of a CKA_EC_PARAMS value for key type (CKK_EC, CKK_EC_EDWARDS); *c set with POC_CURVE_OK. */
enum poc_curve_parse poc_curve_parse(CK_KEY_TYPE type, const uint8_t *der, size_t len, const struct poc_curve **c);
/* The table entry of an OpenSSL NID (EC group or Edwards EVP_PKEY type), or NULL. */
const struct poc_curve *poc_curve_by_nid(int nid);
/* The smallest and largest key size of type's curves; 0 when type has no curve. */
int poc_curve_sizes(CK_KEY_TYPE type, CK_ULONG *min, CK_ULONG *max);

/* ---- keys (key.c) ---- */

/* RSA keys of this token, everywhere (generation, C_CreateObject, import, release). */
#define POC_RSA_MIN_BITS 1024
#define POC_RSA_MAX_BITS 4096
/* Generic secret keys (HMAC): the longest value, in bytes. */
#define POC_SECRET_KEY_MAX 512

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

/*
 * A private key as PKCS#8 DER in locked memory (poc_secret_free it), with no
 * unwiped copy left behind by a BIO (keygen.c). CKR_FUNCTION_FAILED when
 * OpenSSL cannot encode it, CKR_HOST_MEMORY.
 */
CK_RV poc_key_pkcs8(EVP_PKEY *pk, uint8_t **secret, size_t *secret_len);

/* ---- the mechanism table (mech.c) ---- */

enum poc_alg {
	ALG_ECDSA, ALG_RSA_PKCS, ALG_RSA_PSS, ALG_RSA_OAEP, ALG_EDDSA, ALG_AES_GCM, ALG_KEYGEN,
	ALG_DIGEST,  /* digest_op.c */
	ALG_BLOCK,   /* AES and DES3 ECB, CBC, CBC-PAD, AES-CTR (cipher_modes.c) */
	ALG_HMAC,    /* mac.c */
	ALG_CMAC,    /* mac.c */
	ALG_KEYMGMT, /* wraps or derives only: wrap.c, derive.c (no poc_op) */
};

/* What a mechanism does: the bits of the op kinds, and key generation. */
#define MECH_SIGN (1u << POC_OP_SIGN)
#define MECH_VERIFY (1u << POC_OP_VERIFY)
#define MECH_ENCRYPT (1u << POC_OP_ENCRYPT)
#define MECH_DECRYPT (1u << POC_OP_DECRYPT)
#define MECH_DIGEST (1u << POC_OP_DIGEST)
#define MECH_MSG_ENCRYPT (1u << POC_OP_MSG_ENCRYPT)
#define MECH_MSG_DECRYPT (1u << POC_OP_MSG_DECRYPT)
#define MECH_GEN_PAIR (1u << POC_OP_NKINDS)
#define MECH_GEN (1u << (POC_OP_NKINDS + 1))
/* Mechanism parameters: none, or a CK_MAC_GENERAL_PARAMS (a CK_ULONG output length) */
#define MECH_GENERAL (1u << (POC_OP_NKINDS + 2))
#define MECH_WRAP (1u << (POC_OP_NKINDS + 3))
#define MECH_UNWRAP (1u << (POC_OP_NKINDS + 4))
#define MECH_DERIVE (1u << (POC_OP_NKINDS + 5))

/* The key type of a mechanism that takes no key (digests). */
#define POC_KEY_NONE ((CK_KEY_TYPE)CKK_VENDOR_DEFINED | 0x00ffffffUL)

/* PKCS#11 3.0 mechanisms p11-kit's header does not have. */
#ifndef CKM_SHA3_256
#define CKM_SHA3_256 0x000002b0UL
#define CKM_SHA3_224 0x000002b5UL
#define CKM_SHA3_384 0x000002c0UL
#define CKM_SHA3_512 0x000002d0UL
#endif

struct poc_mech_desc {
	CK_MECHANISM_TYPE type;
	CK_KEY_TYPE key_type;   /* the key it takes, or makes */
	unsigned ops;
	enum poc_alg alg;
	CK_MECHANISM_TYPE hash; /* the prehash of a hashing mechanism, or 0 (raw) */
};

/* The table entry for type, or NULL. */
const struct poc_mech_desc *poc_mech_desc_find(CK_MECHANISM_TYPE type);
/* The key sizes of a key type, as CK_MECHANISM_INFO gives them (RSA bits, AES bytes, curve bits). */
int poc_key_type_sizes(CK_KEY_TYPE type, CK_ULONG *min, CK_ULONG *max);
/* The digest of a CKM_SHA* (SHA-1, SHA-2, SHA-3) hash or a CKG_MGF1_* mask generation function, or NULL. */
const EVP_MD *poc_hash_md(CK_MECHANISM_TYPE h);
const EVP_MD *poc_mgf_md(CK_RSA_PKCS_MGF_TYPE g);

/* ---- operations (op.c, sign.c, cipher.c) ---- */

/*
 * key, knext, kprev and parked change only under the caller's serialisation
 * (see poc_op_park); the thread running the op never reads them, so
 * poc_key_free may detach an op that is running.
 */
struct poc_op {
	enum poc_op_kind kind;
	const struct poc_mech_desc *d;
	size_t nbytes;          /* see struct poc_key */
	OSSL_LIB_CTX *lc;       /* where pctx and md are made (NULL: OpenSSL's default) */
	EVP_PKEY_CTX *pctx;     /* ECDSA, RSA */
	EVP_MD_CTX *mctx;       /* the prehash of hashing mechanisms; EdDSA */
	EVP_MD *md;             /* the prehash, fetched once (re-initialised after reuse) */
	int md_stale;           /* mctx must be initialised again before use */
	EVP_CIPHER_CTX *cctx;   /* AES-GCM: holds the key schedule, IV and AAD */
	size_t taglen;          /* AES-GCM */
	size_t maxin;           /* RSA encryption: longest plaintext */
	size_t mdlen;           /* raw PSS: the hash length the input must have; digests and MACs: output length */
	EVP_MAC_CTX *mac;       /* HMAC, CMAC */
	size_t bs;              /* block ciphers: the block size (1 for CTR) */
	size_t pending;         /* block ciphers: input taken but not output yet */
	int pad;                /* block ciphers: PKCS#7 padding (CBC-PAD) */
	uint64_t ctr_left;      /* AES-CTR: bytes before the counter bits wrap (UINT64_MAX: no limit) */
	int in_msg;             /* message-based AEAD: a message begun (poc_msg_begin) */
	int multi;              /* an update was done */
	int single;             /* a single-part call answered a size (query or short buffer): no update or final now */
	int broken;             /* an EVP call failed: do not reuse */
	uint8_t *buf;           /* input buffered for mechanisms that need all of it */
	size_t buflen, bufcap;
	CK_MECHANISM_TYPE mech;
	int reusable;           /* no parameters and contexts that can run again (poc_op_park) */
	int parked;             /* finished, kept for poc_op_reuse */
	struct poc_key *key;    /* the key it was made on; NULL once detached */
	struct poc_op *knext, **kprev; /* on key->ops */
};

/* Frees the contexts (and so the op's hold on the key) and wipes the buffer; the op can then only be freed. */
void poc_op_drop_crypto(struct poc_op *op);
/* Appends to the op's buffer (capped at POC_OP_BUFFER_MAX: too_long); the old copy is wiped. */
CK_RV poc_op_buf_append(struct poc_op *o, const uint8_t *in, size_t inlen, CK_RV too_long);
/* PKCS#11 output convention; 1 when the caller should go on and produce the output. */
int poc_op_out_check(CK_RV *rv, size_t need, const uint8_t *out, CK_ULONG *outlen);
/* A reused op starts its prehash again (here, outside the caller's lock). */
CK_RV poc_op_digest_ready(struct poc_op *o);
/* Sign: single-part (in) or final (the buffer, from_buf) with the output convention. */
CK_RV poc_op_sign_run(struct poc_op *o, const uint8_t *in, size_t inlen, int from_buf, uint8_t *out,
		      CK_ULONG *outlen);
/* Encrypt/decrypt of all the input at once (single-part, or final over the buffer). */
CK_RV poc_op_cipher_run(struct poc_op *o, const uint8_t *in, size_t inlen, uint8_t *out, CK_ULONG *outlen);

/* Digests (digest_op.c): setup, then single-part (in), update, or final (in NULL) with the output convention. */
CK_RV poc_digest_setup(struct poc_op *o);
CK_RV poc_digest_update(struct poc_op *o, const uint8_t *in, size_t inlen);
CK_RV poc_digest_out(struct poc_op *o, const uint8_t *in, size_t inlen, int oneshot, uint8_t *out, CK_ULONG *outlen);

/* MACs (mac.c): setup on a secret key, update, sign (output convention) and verify (constant time). */
CK_RV poc_mac_setup(struct poc_op *o, const CK_MECHANISM *m, const struct poc_key *k);
CK_RV poc_mac_update(struct poc_op *o, const uint8_t *in, size_t inlen);
CK_RV poc_mac_sign(struct poc_op *o, const uint8_t *in, size_t inlen, int oneshot, uint8_t *out, CK_ULONG *outlen);
CK_RV poc_mac_verify(struct poc_op *o, const uint8_t *in, size_t inlen, int oneshot, const uint8_t *sig,
		     size_t siglen);

/* Message-based AES-GCM (aead_msg.c): the op's context with the key, no IV yet. */
CK_RV poc_msg_setup(struct poc_op *o, const struct poc_key *k);

/* Block cipher modes (cipher_modes.c): setup, single-part, update and final with the output convention. */
CK_RV poc_block_setup(struct poc_op *o, const CK_MECHANISM *m, const struct poc_key *k);
CK_RV poc_block_oneshot(struct poc_op *o, const uint8_t *in, size_t inlen, uint8_t *out, CK_ULONG *outlen);
CK_RV poc_block_update(struct poc_op *o, const uint8_t *in, size_t inlen, uint8_t *out, CK_ULONG *outlen);
CK_RV poc_block_final(struct poc_op *o, uint8_t *out, CK_ULONG *outlen);

#endif
