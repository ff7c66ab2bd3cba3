/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals of poc-pkcs11.so shared by the p11_*.c files. One module context
 * (p11_ctx.c) holds the configuration, the slots (one per token folder), the
 * sessions and the lock. Functions named *_locked expect the caller to hold
 * the module lock; the crypto of a session runs without it (p11_ops.c).
 */
#ifndef POC_P11_INT_H
#define POC_P11_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "pkcs11/pkcs11_v3.h"
#include "pkcs11/poc-pkcs11.h"

#include "config/configuration.h"
#include "store/object.h"
#include "crypto/p11_crypto.h"
#include "token/token.h"

#define P11_MAX_SLOTS 64
#define P11_CKF_FIND_OBJECTS 0x00000040UL /* PKCS#11 v3.0 CKF_FIND_OBJECTS (C_SessionCancel) */
#define P11_PIN_MAX 128

/*
 * One sealed object file of a token: the header (no TPM access) and its
 * release state. Or a session object (owner set): the same in memory only,
 * never sealed nor stored, with no record, its key or data value held from
 * its creation (wiped when it is destroyed: C_DestroyObject, its session
 * closed, a logout for a private one, C_Finalize).
 */
struct p11_sealed {
	char name[POC_STORE_NAME_MAX];
	struct poc_object_header h;
	uint8_t file_sha256[32];  /* of the file h was parsed from: a release must open that very file */
	struct poc_key *pub;      /* from the header's spki, or NULL */
	struct poc_key *key;      /* released key, NULL while sealed/expired/denied */
	uint8_t *data;            /* released CKO_DATA value (secret memory) */
	size_t data_len;
	time_t released_at;
	int denied;               /* the last check denied it */
	uint8_t *record;          /* the last attestation record, or NULL */
	size_t record_len;
	int gone;                 /* destroyed */
	CK_SESSION_HANDLE owner;  /* a session object: the session that made it; 0: a token object */
	int session_private;      /* a session object's CKA_PRIVATE */
	CK_MECHANISM_TYPE gen_mech; /* CKA_KEY_GEN_MECHANISM, CK_UNAVAILABLE_INFORMATION when not generated here */
	uint8_t *app;             /* a session data object's CKA_APPLICATION (malloc), or NULL */
	size_t app_len;
};

/* A PKCS#11 object: a view of one sealed object (private, public, certificate, data, secret). */
struct p11_object {
	CK_OBJECT_HANDLE handle;
	CK_OBJECT_CLASS class;
	struct p11_sealed *sealed;
};

struct p11_slot {
	CK_SLOT_ID id;
	char label[POC_TOKEN_LABEL_MAX + 1];
	struct poc_token *tok;      /* opened on first use (files only) */
	int loaded;                 /* objects listed */
	struct p11_sealed **sealed;
	size_t nsealed;
	struct p11_object *objs;
	size_t nobjs, capobjs;
	int logged_in;
	uint8_t *pin;               /* the PIN of the login (secret memory), for first-use and TTL re-checks */
	size_t pin_len;
	uint8_t pin_hash[32];       /* SHA-256 of the PIN that last released the keys */
	int pin_hash_set;
	int so_logged_in;           /* CKU_SO: public objects only, never a release (p11_session.c) */
	uint8_t *so_pin;            /* the SO PIN of that login (secret memory), for C_InitPIN */
	size_t so_pin_len;
	unsigned long sessions, rw_sessions;
};

struct p11_session {
	CK_SESSION_HANDLE handle;
	struct p11_slot *slot;
	CK_FLAGS flags;
	struct poc_op *op[POC_OP_NKINDS];   /* by enum poc_op_kind */
	struct poc_op *idle[POC_OP_NKINDS]; /* finished ops parked for the next init (p11_ops.c) */
	int busy;                       /* a thread runs an op outside the lock */
	int drop_ops;                   /* logged out while busy: p11_op_end frees every op */
	int closed;                     /* closed while busy: the busy thread frees it */
	CK_OBJECT_HANDLE *found;
	size_t nfound, foundpos;
	int finding;
};

struct p11_ctx {
	int initialized;
	pid_t pid;
	struct poc_config cfg;
	int cfg_ok;
	struct p11_slot slots[P11_MAX_SLOTS];
	size_t nslots;
	int slots_listed;
	struct p11_session **sessions;
	size_t nsessions, capsessions;
	CK_SESSION_HANDLE next_session;
	CK_OBJECT_HANDLE next_object;
};

extern struct p11_ctx p11_ctx;

/* p11_ctx.c */
CK_RV p11_ctx_initialize(CK_VOID_PTR args);
CK_RV p11_ctx_finalize(void);
int p11_ctx_ready(void); /* initialized in this process */
void p11_lock(void);
void p11_lock_light(void);
void p11_unlock_light(void);
void p11_unlock(void);
void p11_log(enum poc_config_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The name of every CKR_ of PKCS#11 3.0 (p11_err.c), for the trace and the log. */
const char *p11_rv_str(CK_RV rv);
/*
 * THE poc_err -> CK_RV map (p11_err.c, docs/module.md "Errors"): a wrong PIN,
 * a locked PIN, an unreachable TPM, a busy or failing one, memory each get
 * their own CKR; every other code (a denial, a changed PCR, a forged or
 * malformed store file, no code at all) is `denied`, the entry point's
 * answer to a refusal (CKR_FUNCTION_FAILED at C_Login,
 * CKR_KEY_FUNCTION_NOT_PERMITTED at a key's first use). Call it on failures only.
 */
CK_RV p11_rv_from_err(enum poc_verr code, CK_RV denied);
/* Warns once when secret pages could not be mlock'ed (secret.c counts them). */
void p11_memlock_check(void);

/* The entry points' common steps: a debug line with the result, and "not initialised in this process". */
static inline CK_RV p11_trace(const char *fn, CK_RV rv)
{
	p11_log(POC_LOG_DEBUG, "%s -> %s", fn, p11_rv_str(rv));
	return rv;
}
#define P11_READY()                                                                                                    \
	do {                                                                                                           \
		if (!p11_ctx_ready())                                                                                  \
			return CKR_CRYPTOKI_NOT_INITIALIZED;                                                           \
	} while (0)

/* The entry points' argument check (CKR_ARGUMENTS_BAD, traced). */
#define CHECK(cond)                                                                                                    \
	do {                                                                                                           \
		if (!(cond))                                                                                           \
			return p11_trace(__func__, CKR_ARGUMENTS_BAD);                                         \
	} while (0)
/* Runs call under the lock. */
#define LOCKED(call)                                                                                                   \
	do {                                                                                                           \
		CK_RV rv_;                                                                                             \
		p11_lock();                                                                                            \
		rv_ = (call);                                                                                          \
		p11_unlock();                                                                                          \
		return p11_trace(__func__, rv_);                                                                           \
	} while (0)
/* Runs call under the lock with ss the session of h. */
#define WITH_SESSION(h, call)                                                                                          \
	do {                                                                                                           \
		struct p11_session *ss;                                                                                \
		CK_RV rv_;                                                                                             \
		p11_lock();                                                                                            \
		rv_ = p11_session_get_locked((h), &ss);                                                                \
		if (rv_ == CKR_OK)                                                                                     \
			rv_ = (call);                                                                                  \
		p11_unlock();                                                                                          \
		return p11_trace(__func__, rv_);                                                                           \
	} while (0)

/* p11_engine.c: default OpenSSL engines off while the module works (tpm2-tss issue 3151) */
void p11_engines_off(void);
void p11_engines_restore(void);

/* p11_slot.c */
void p11_pad_copy(CK_UTF8CHAR *dst, size_t dstlen, const char *src);
CK_RV p11_slots_list_locked(void);
CK_RV p11_slot_get_locked(CK_SLOT_ID id, struct p11_slot **out);
CK_RV p11_slot_open_locked(struct p11_slot *s); /* opens the token (files only) */
void p11_slot_clear(struct p11_slot *s);
CK_RV p11_get_info(CK_INFO_PTR info);
CK_RV p11_slot_list_locked(CK_BBOOL present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count);
CK_RV p11_slot_info_locked(CK_SLOT_ID id, CK_SLOT_INFO_PTR info);
CK_RV p11_token_info_locked(CK_SLOT_ID id, CK_TOKEN_INFO_PTR info);
CK_RV p11_mech_list_locked(CK_SLOT_ID id, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count);
CK_RV p11_mech_info_locked(CK_SLOT_ID id, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info);

/* p11_session.c */
CK_RV p11_session_open_locked(CK_SLOT_ID id, CK_FLAGS flags, CK_SESSION_HANDLE_PTR out);
CK_RV p11_session_get_locked(CK_SESSION_HANDLE h, struct p11_session **out);
CK_RV p11_session_close_locked(CK_SESSION_HANDLE h);
CK_RV p11_session_close_all_locked(CK_SLOT_ID id);
void p11_session_free(struct p11_session *s);
/* Frees the session's ops and parked ops (now, or when its running op ends). */
void p11_session_drop_ops_locked(struct p11_session *s);
CK_RV p11_session_info_locked(CK_SESSION_HANDLE h, CK_SESSION_INFO_PTR info);
CK_RV p11_login_locked(CK_SESSION_HANDLE h, CK_USER_TYPE user, const uint8_t *pin, size_t pin_len);
CK_RV p11_logout_locked(CK_SESSION_HANDLE h);
/* The token's logout, the user's or the SO's: PINs and released keys wiped, private handles changed. */
void p11_slot_logout_locked(struct p11_slot *slot);

/* p11_admin.c: the SO's and the PINs' functions (docs/pin.md "The Security Officer") */
CK_RV p11_init_token_locked(CK_SLOT_ID id, const uint8_t *so_pin, size_t so_len, const CK_UTF8CHAR *label);
CK_RV p11_init_pin_locked(CK_SESSION_HANDLE h, const uint8_t *pin, size_t pin_len);
CK_RV p11_set_pin_locked(CK_SESSION_HANDLE h, const uint8_t *old_pin, size_t old_len, const uint8_t *new_pin,
			 size_t new_len);
/* C_LoginUser's username rule: empty, "user" for CKU_USER, "so" for CKU_SO, or the token's label. */
CK_RV p11_login_user_locked(CK_SESSION_HANDLE h, CK_USER_TYPE user, const uint8_t *pin, size_t pin_len,
			    const CK_UTF8CHAR *name, size_t name_len);

/* p11_object.c */
CK_RV p11_objects_load_locked(struct p11_slot *s);
void p11_objects_free(struct p11_slot *s);
CK_RV p11_object_get_locked(struct p11_session *ss, CK_OBJECT_HANDLE h, struct p11_object **out);
int p11_object_visible(const struct p11_slot *s, const struct p11_object *o);
CK_RV p11_object_attrs_locked(struct p11_session *ss, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_PTR t, CK_ULONG n);
CK_RV p11_find_init_locked(struct p11_session *ss, CK_ATTRIBUTE_PTR t, CK_ULONG n);
CK_RV p11_find_locked(struct p11_session *ss, CK_OBJECT_HANDLE_PTR out, CK_ULONG max, CK_ULONG_PTR count);
CK_RV p11_find_final_locked(struct p11_session *ss);
CK_RV p11_sealed_add_locked(struct p11_slot *s, const char *name, CK_OBJECT_HANDLE *first, CK_OBJECT_HANDLE *second);
CK_RV p11_create_object_locked(struct p11_session *ss, CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR out);
CK_RV p11_destroy_object_locked(struct p11_session *ss, CK_OBJECT_HANDLE h);
const CK_ATTRIBUTE *p11_attr_find(const CK_ATTRIBUTE *t, CK_ULONG n, CK_ATTRIBUTE_TYPE type);
CK_RV p11_header_names(struct poc_object_header *h, const CK_ATTRIBUTE *t, CK_ULONG n);
int p11_attr_bool(const CK_ATTRIBUTE *t, CK_ULONG n, CK_ATTRIBUTE_TYPE type, int dflt);

/*
 * p11_object_new.c: key objects from raw material, for every caller that
 * makes one (C_GenerateKey, C_GenerateKeyPair, C_CreateObject, C_DeriveKey,
 * C_UnwrapKey, C_CopyObject).
 *
 * p11_key_object_new_locked makes a key object of class cls (CKO_SECRET_KEY,
 * CKO_PRIVATE_KEY, CKO_PUBLIC_KEY) and key type from the material: secret as
 * poc_key_from_secret takes it (NULL for a public key), spki the DER
 * SubjectPublicKeyInfo of a private or public key (NULL for a secret key).
 * The template t decides: CKA_TOKEN false or absent (the spec's default) -> a
 * session object (in memory, owned by ss, creatable in a read-only session;
 * a private one needs the user logged in); true -> a token object sealed
 * like a generated key (p11_seal_locked: a read-write session and the user
 * logged in). Every attribute of t is checked against the attribute table
 * (p11_attr.h): its shape, read-only (token-set) attributes ->
 * CKR_ATTRIBUTE_READ_ONLY, attributes the class lacks ->
 * CKR_ATTRIBUTE_TYPE_INVALID, a value the object cannot have ->
 * CKR_TEMPLATE_INCONSISTENT; CKA_VALUE_LEN, CKA_MODULUS_BITS,
 * CKA_PUBLIC_EXPONENT and CKA_EC_PARAMS are taken as the material's (the
 * caller made the material from them). Usage flags (CKA_SIGN ... CKA_DERIVE),
 * CKA_SENSITIVE (default true), CKA_EXTRACTABLE (default false),
 * CKA_MODIFIABLE, CKA_COPYABLE, CKA_DESTROYABLE, CKA_LABEL, CKA_ID come from
 * t. local (generated here) sets CKA_LOCAL and CKA_KEY_GEN_MECHANISM =
 * gen_mech; otherwise CKA_LOCAL false, CKA_KEY_GEN_MECHANISM unavailable and
 * CKA_ALWAYS_SENSITIVE / CKA_NEVER_EXTRACTABLE false. The material is only
 * read (the caller wipes its copy). *out: the new object's handle.
 */
CK_RV p11_key_object_new_locked(struct p11_session *ss, const CK_ATTRIBUTE *t, CK_ULONG n, CK_OBJECT_CLASS cls,
				CK_KEY_TYPE type, const uint8_t *secret, size_t secret_len, const uint8_t *spki,
				size_t spki_len, CK_MECHANISM_TYPE gen_mech, int local, CK_OBJECT_HANDLE_PTR out);
/*
 * The key of object h for a caller that works with another key's material
 * (C_WrapKey's wrapped key and wrapping key, C_DeriveKey's base key):
 * *k the key (a private or secret key's, released first when it is a sealed
 * token object that needs its check: a denial is
 * CKR_KEY_FUNCTION_NOT_PERMITTED; a public key object's public key), *obj
 * the object, whose attributes the caller reads with p11_attr_get
 * (p11_attr.h) and whose usage and state flags are (*obj)->sealed->h.flags
 * (POC_OBJ_*: POC_OBJ_EXTRACTABLE, POC_OBJ_SENSITIVE, POC_OBJ_WRAP, ...).
 * CKR_KEY_HANDLE_INVALID for a handle the session does not see (a private
 * object while logged out), CKR_KEY_TYPE_INCONSISTENT for a certificate or
 * data object. Both pointers are valid under the module lock only.
 */
CK_RV p11_key_object_material_locked(struct p11_session *ss, CK_OBJECT_HANDLE h, const struct poc_key **k,
				     const struct p11_object **obj);
/* A session object from the in-memory sealed o (taken: freed on failure); *first its handle (may be NULL). */
CK_RV p11_session_object_add_locked(struct p11_session *ss, struct p11_sealed *o, CK_OBJECT_HANDLE *first);
/* Destroys (wipes) the session objects of session h, or with h == 0 the private ones of slot s (logout). */
void p11_session_objects_drop_locked(struct p11_slot *s, CK_SESSION_HANDLE h);
/* Frees a sealed or session object (wiping what it holds); NULL-safe. */
void p11_sealed_free(struct p11_sealed *o);
/* CKA_KEY_GEN_MECHANISM of a key of type made here. */
CK_MECHANISM_TYPE p11_gen_mech_of(CK_KEY_TYPE type);

/* p11_object_edit.c: C_CopyObject and C_SetAttributeValue (what may change: the file's head comment). */
CK_RV p11_copy_object_locked(struct p11_session *ss, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_PTR t, CK_ULONG n,
			     CK_OBJECT_HANDLE_PTR out);
CK_RV p11_set_attrs_locked(struct p11_session *ss, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_PTR t, CK_ULONG n);
/*
 * C_GetObjectSize (p11_object.c): the bytes the object holds (label, id,
 * public key, certificate, sealed TPM blobs, a session object's value and
 * application), the same for every call and for a copy.
 */
CK_RV p11_object_size_locked(struct p11_session *ss, CK_OBJECT_HANDLE h, CK_ULONG_PTR size);

/* p11_release.c */
CK_RV p11_release_login_locked(struct p11_slot *s, const uint8_t *pin, size_t pin_len);
CK_RV p11_release_use_locked(struct p11_slot *s, struct p11_sealed *o); /* before an op: first use or TTL */
int p11_release_current(const struct p11_sealed *o); /* released and within its TTL: use needs no check */
void p11_release_wipe(struct p11_sealed *o);
void p11_release_wipe_slot(struct p11_slot *s);

/* p11_ops.c */
/* C_*Init: takes the lock itself (the light one when the session has a parked op for the key). */
CK_RV p11_op_init(CK_SESSION_HANDLE h, enum poc_op_kind kind, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE key);
/* Frees the ops' library contexts: after every session and key is gone (C_Finalize, a forked child). */
void p11_ops_cleanup(void);
/* Takes the session's op out of the lock's protection (busy), or fails. */
CK_RV p11_op_begin(CK_SESSION_HANDLE h, enum poc_op_kind kind, struct p11_session **ss, struct poc_op **op);
/* Ends a busy section: done parks the op for the next init (or frees it): the operation finished. */
void p11_op_end(struct p11_session *ss, enum poc_op_kind kind, int done);
/*
 * The state rule of PKCS#11 v3.0 5.2: a call that fails (other than
 * CKR_BUFFER_TOO_SMALL and the length query) ends the session's active
 * operation of kind, so the next call gets CKR_OPERATION_NOT_INITIALIZED.
 * p11_op_end(done = 1) does it after the crypto; p11_op_abort for a call
 * refused before it (CKR_ARGUMENTS_BAD). Returns rv, for the entry point.
 */
CK_RV p11_op_abort(CK_SESSION_HANDLE h, enum poc_op_kind kind, CK_RV rv);
/* C_SessionCancel: ends the operations of flags (CKF_SIGN, CKF_VERIFY, CKF_ENCRYPT, CKF_DECRYPT, CKF_FIND_OBJECTS). */
CK_RV p11_session_cancel_locked(struct p11_session *ss, CK_FLAGS flags);
CK_RV p11_keypair_locked(struct p11_session *ss, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR pub, CK_ULONG npub,
			 CK_ATTRIBUTE_PTR priv, CK_ULONG npriv, CK_OBJECT_HANDLE_PTR hpub, CK_OBJECT_HANDLE_PTR hpriv);
CK_RV p11_keygen_locked(struct p11_session *ss, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR t, CK_ULONG n,
			CK_OBJECT_HANDLE_PTR out);
/* C_DigestInit (no key, no login) and C_DigestKey (a secret key the session may use, released if need be). */
CK_RV p11_digest_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m);
CK_RV p11_digest_key(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key);
/* p11_message.c: the PKCS#11 3.0 message-based encryption (in the v3.0 function list of p11_list.c) */
CK_RV C_MessageEncryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey);
CK_RV C_EncryptMessage(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
		       CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen, CK_BYTE_PTR pPlaintext,
		       CK_ULONG ulPlaintextLen, CK_BYTE_PTR pCiphertext, CK_ULONG_PTR pulCiphertextLen);
CK_RV C_EncryptMessageBegin(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
			    CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen);
CK_RV C_EncryptMessageNext(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
			   CK_BYTE_PTR pPlaintextPart, CK_ULONG ulPlaintextPartLen, CK_BYTE_PTR pCiphertextPart,
			   CK_ULONG_PTR pulCiphertextPartLen, CK_FLAGS flags);
CK_RV C_MessageEncryptFinal(CK_SESSION_HANDLE hSession);
CK_RV C_MessageDecryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey);
CK_RV C_DecryptMessage(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
		       CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen, CK_BYTE_PTR pCiphertext,
		       CK_ULONG ulCiphertextLen, CK_BYTE_PTR pPlaintext, CK_ULONG_PTR pulPlaintextLen);
CK_RV C_DecryptMessageBegin(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
			    CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen);
CK_RV C_DecryptMessageNext(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
			   CK_BYTE_PTR pCiphertextPart, CK_ULONG ulCiphertextPartLen, CK_BYTE_PTR pPlaintextPart,
			   CK_ULONG_PTR pulPlaintextPartLen, CK_FLAGS flags);
CK_RV C_MessageDecryptFinal(CK_SESSION_HANDLE hSession);

CK_RV p11_seal_locked(struct p11_session *ss, const struct poc_object_header *h, const uint8_t *secret, size_t len,
		      char name[POC_STORE_NAME_MAX]);

#endif
