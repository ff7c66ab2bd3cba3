/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One sealed object (DESIGN.md section 5): the bytes of one store file.
 *
 *   object = { "version": 2, "header": bstr, "ciphertext": bstr, "iv": bstr(12) }
 *
 * "header" holds the CBOR-encoded header map, kept as bytes so that its hash
 * and the GCM associated data are exactly what was sealed:
 *
 *   header = { "version": 2, "token_id": bstr(16), "class": uint, "key_type": uint,
 *              "label": tstr, "id": bstr, "flags": uint, ? "spki": bstr, ? "cert": bstr,
 *              "policy": { "pcr_bank": uint, "pcr_mask": uint,
 *                          "policy_digest": bstr(32), "ttl": uint,
 *                          "recheck": "login" / "first-use" },
 *              "sealed": { "pub": bstr, "priv": bstr },
 *              ? "remote": tstr,
 *              ? "templates": [ 3 * [ * [ type: uint, value: bstr ] ] ] }  (wrap, unwrap, derive)
 *
 *   K = HKDF-SHA256(ikm = K_tpm [|| K_remote], no salt,
 *                   info = "poc-pkcs11/v1/object" || SHA-256(header bytes)
 *                          || token_id (16) || SHA-256(verifier SPKI) (32)), 32 bytes
 *   ciphertext = AES-256-GCM(K, iv, aad = header bytes, secret) || 16-byte tag
 *
 * token_id and the verifier SPKI in the info are the token's own, from its
 * authenticated state (token_state.h), never the header's: an object copied
 * into another token does not open there even with its header's token_id
 * edited (the header is the associated data, so the edit breaks the tag, and
 * the other token's id and key give another K). The verifier SPKI ties the
 * object to the key that signs the token state: a token.cbor whose verifier
 * key was swapped for one the attacker sealed himself (and signed a state
 * with) derives another K for every object sealed before. "remote" is present
 * exactly when K_remote is part of the key: an object sealed with a remote
 * share cannot be opened without it. Version 1 objects (no token_id) are
 * refused: their token must be re-created.
 */
#ifndef POC_OBJECT_H
#define POC_OBJECT_H

#include <stddef.h>
#include <stdint.h>

#include "verr.h"

#define POC_OBJECT_VERSION 2
#define POC_TOKEN_ID_LEN 16
#define POC_OBJECT_MAX (4u << 20)        /* bytes of one object file */
#define POC_OBJECT_SECRET_MAX (1u << 20) /* bytes of one sealed secret */
#define POC_OBJECT_LABEL_MAX 255
#define POC_OBJECT_ID_MAX 256
#define POC_OBJECT_REMOTE_MAX 2048

/* PKCS#11 usage flags of the header's "flags" bitmask. */
#define POC_OBJ_SIGN (1u << 0)
#define POC_OBJ_VERIFY (1u << 1)
#define POC_OBJ_DECRYPT (1u << 2)
#define POC_OBJ_ENCRYPT (1u << 3)
#define POC_OBJ_DERIVE (1u << 4)
#define POC_OBJ_WRAP (1u << 5)
#define POC_OBJ_UNWRAP (1u << 6)
#define POC_OBJ_EXTRACTABLE (1u << 7)
#define POC_OBJ_SENSITIVE (1u << 8)
#define POC_OBJ_IMPORTED (1u << 9) /* key material from outside (C_CreateObject): not CKA_ALWAYS_SENSITIVE */
/*
 * Added later, each an exception to the meaning an older header has without
 * it, so objects sealed before keep their attributes (docs/module.md "Objects").
 */
#define POC_OBJ_LOCAL (1u << 10)           /* generated here: CKA_LOCAL (CKA_KEY_GEN_MECHANISM from the key type) */
#define POC_OBJ_WAS_PLAIN (1u << 11)       /* was not sensitive once: CKA_ALWAYS_SENSITIVE false */
#define POC_OBJ_WAS_EXTRACTABLE (1u << 12) /* was extractable once: CKA_NEVER_EXTRACTABLE false */
#define POC_OBJ_FIXED (1u << 13)           /* CKA_MODIFIABLE false */
#define POC_OBJ_NO_COPY (1u << 14)         /* CKA_COPYABLE false */
#define POC_OBJ_NO_DESTROY (1u << 15)      /* CKA_DESTROYABLE false */
/* Key management (module/pkcs11/p11_keymgmt*.c, docs/module.md "Key management"). */
#define POC_OBJ_TRUSTED (1u << 16)           /* CKA_TRUSTED (set by the SO only) */
#define POC_OBJ_WRAP_WITH_TRUSTED (1u << 17) /* CKA_WRAP_WITH_TRUSTED */
#define POC_OBJ_WAS_ED (1u << 18)            /* encrypted or decrypted at some time (it, or a copy of it) */
#define POC_OBJ_WAS_WRAPPER (1u << 19)       /* wrapped or unwrapped at some time: never encrypts or decrypts */
/* CKA_SIGN_RECOVER, CKA_VERIFY_RECOVER: permissions no mechanism here uses (no C_SignRecover, docs/module.md) */
#define POC_OBJ_SIGN_RECOVER (1u << 20)
#define POC_OBJ_VERIFY_RECOVER (1u << 21)
#define POC_OBJ_FROM_KEY (1u << 22) /* material another key made (C_UnwrapKey, C_DeriveKey), or a copy of one */

/*
 * The attribute templates of a key (CKA_WRAP_TEMPLATE, CKA_UNWRAP_TEMPLATE,
 * CKA_DERIVE_TEMPLATE): each up to POC_OBJECT_TEMPLATE_ATTRS attributes, a
 * type and its value's bytes as PKCS#11 gives them (a CK_ULONG in this
 * machine's byte order: a store never leaves its TPM).
 */
#define POC_OBJECT_TEMPLATE_ATTRS 32
#define POC_OBJECT_TEMPLATE_VALUE_MAX 1024
enum poc_object_template_kind { POC_TMPL_WRAP, POC_TMPL_UNWRAP, POC_TMPL_DERIVE, POC_TMPL_N };
struct poc_object_attr {
	unsigned long type;
	uint8_t *value; /* malloc'ed (1 byte at least) */
	size_t len;
};
struct poc_object_template {
	struct poc_object_attr *attrs;
	size_t n;
};

/* Classes a sealed object may have: CKO_DATA .. CKO_SECRET_KEY. */
#define POC_OBJ_CLASS_MAX 4

struct poc_object_header {
	uint8_t token_id[POC_TOKEN_ID_LEN]; /* the token it was sealed in (must equal the binding's) */
	unsigned long class, key_type;     /* CKO_*, CKK_* */
	char label[POC_OBJECT_LABEL_MAX + 1]; /* NUL-terminated UTF-8, no embedded NUL */
	uint8_t id[POC_OBJECT_ID_MAX];
	size_t id_len;
	uint64_t flags;                    /* POC_OBJ_* */
	uint8_t *spki;                     /* DER SubjectPublicKeyInfo, or NULL */
	size_t spki_len;
	uint8_t *cert;                     /* DER certificate, or NULL */
	size_t cert_len;
	uint16_t pcr_bank;                 /* TPM2_ALG_* */
	uint32_t pcr_mask;
	uint8_t policy_digest[32];         /* SHA-256 of the PoC policy JSON */
	uint64_t ttl;
	int recheck_first_use;             /* recheck: 1 "first-use", 0 "login" */
	uint8_t *sealed_pub;               /* TPM2B_PUBLIC of the KEYEDHASH object holding K_tpm */
	size_t sealed_pub_len;
	uint8_t *sealed_priv;              /* TPM2B_PRIVATE */
	size_t sealed_priv_len;
	char *remote;                      /* pocd's key_id for the object (docs/pocd.md), or NULL: K_remote is used iff set */
	struct poc_object_template tmpl[POC_TMPL_N]; /* "templates", present when one is not empty */
};

/* What binds an object to its token (both from the token's authenticated state), in the HKDF info. */
struct poc_object_bind {
	uint8_t token_id[POC_TOKEN_ID_LEN];
	uint8_t verifier[32]; /* SHA-256 of the token's verifier SubjectPublicKeyInfo (DER) */
};

/*
 * Seals secret under h for the token of bind (h->token_id must be
 * bind->token_id): encodes the header, derives K and encrypts. k_remote
 * (32 bytes) must be given exactly when h->remote is set. *out is malloc'ed
 * (not secret: it is what goes on disk).
 */
int poc_object_seal(struct poc_err *e, const struct poc_object_header *h, const struct poc_object_bind *bind,
		    const uint8_t k_tpm[32], const uint8_t *k_remote, const uint8_t *secret, size_t secret_len,
		    uint8_t **out, size_t *out_len);

/*
 * Parses an object strictly (unknown or duplicate keys, wrong types and
 * trailing bytes are refused) without decrypting it. h is owned by the
 * caller (poc_object_header_free), also on failure. header_bytes (may be
 * NULL) receives a pointer into buf to the exact header bytes.
 * Nothing in h is authenticated until poc_object_open succeeds.
 */
int poc_object_parse(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_object_header *h,
		     const uint8_t **header_bytes, size_t *header_len);

/*
 * Parses and decrypts for the token of bind. A header naming another token
 * fails with POC_ERR_MISMATCH before any key is derived. Any changed header
 * or ciphertext byte, a wrong key or another token's binding fails with
 * POC_ERR_SIGNATURE ("object was modified ..."). *secret is in locked,
 * non-dumpable memory: release it with poc_secret_free.
 */
int poc_object_open(struct poc_err *e, const uint8_t *buf, size_t len, const struct poc_object_bind *bind,
		    const uint8_t k_tpm[32], const uint8_t *k_remote, uint8_t **secret, size_t *secret_len);

/* Memory for key material: whole mlock'ed, MADV_DONTDUMP, MADV_WIPEONFORK pages (secret.c). */
uint8_t *poc_secret_alloc(size_t len);
/* Cleanses len bytes then frees; NULL-safe. len must be the allocated length. */
void poc_secret_free(uint8_t *secret, size_t len);

/* Frees h's templates only (poc_object_header_free frees them too). */
void poc_object_templates_free(struct poc_object_header *h);

/* Frees what poc_object_parse allocated and zeroes h; NULL-safe. */
void poc_object_header_free(struct poc_object_header *h);

#endif
