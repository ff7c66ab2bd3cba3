/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Key management inside the PKCS#11 layer: C_WrapKey, C_UnwrapKey and
 * C_DeriveKey (p11_keymgmt.c, p11_derive.c) and the rules they and key
 * generation share (p11_keyrules.c; docs/module.md "Key management").
 */
#ifndef POC_P11_KEYMGMT_H
#define POC_P11_KEYMGMT_H

#include "pkcs11/p11_int.h"

/* What a template of C_UnwrapKey or C_DeriveKey asks for. */
struct p11_newkey {
	CK_OBJECT_CLASS class;
	CK_KEY_TYPE type;
	CK_ULONG value_len; /* CKA_VALUE_LEN, 0 when absent */
};

/*
 * The key-management flags of a new key from its template, replacing those
 * in *f: CKA_WRAP, CKA_UNWRAP, CKA_DERIVE, CKA_EXTRACTABLE (default false),
 * CKA_SENSITIVE (default true), CKA_WRAP_WITH_TRUSTED, CKA_TRUSTED; and the
 * start of its history (not sensitive or extractable now: never always
 * sensitive or never extractable). CKA_TRUSTED = TRUE outside an SO
 * session: CKR_ATTRIBUTE_READ_ONLY.
 */
CK_RV p11_keymgmt_flags(const struct p11_slot *s, const CK_ATTRIBUTE *t, CK_ULONG n, uint64_t *f);
/* The same for a secret key, with CKA_ENCRYPT and CKA_DECRYPT (default true unless it wraps or unwraps). */
CK_RV p11_keymgmt_secret_flags(const struct p11_slot *s, const CK_ATTRIBUTE *t, CK_ULONG n, uint64_t *f);
/*
 * 1 when a key of header flags f may wrap a sensitive key (and then unwraps
 * only to sensitive keys): trusted, or made on this token, always sensitive,
 * never extractable, and neither it nor its pair decrypts or encrypts data.
 */
int p11_keymgmt_guarded(uint64_t f);
/* A derived key's history from its base key's flags (PKCS#11 v3.0 4.9), and not local. */
void p11_keymgmt_history(uint64_t base, uint64_t *f);
/*
 * The template of a key made by unwrapping or derivation: class (default
 * dflt_class; secret or private), key type (required), CKA_VALUE_LEN; no
 * attribute the token sets (CKR_ATTRIBUTE_READ_ONLY), no CKA_VALUE
 * (CKR_TEMPLATE_INCONSISTENT).
 */
CK_RV p11_keymgmt_template(const CK_ATTRIBUTE *t, CK_ULONG n, CK_OBJECT_CLASS dflt_class, struct p11_newkey *k);
/*
 * Makes the key k of template t from its material (a secret key's bytes, a
 * private key's PKCS#8; checked to be a key of k's type) with the history
 * flags given, and returns its handle.
 */
CK_RV p11_keymgmt_new_locked(struct p11_session *ss, const CK_ATTRIBUTE *t, CK_ULONG n, const struct p11_newkey *k,
			     uint64_t history, const uint8_t *secret, size_t len, CK_OBJECT_HANDLE_PTR out);
/* The released key of an object for key management (a public key: its own), or an error. */
CK_RV p11_keymgmt_key_locked(struct p11_session *ss, struct p11_object *o, const struct poc_key **k);

/*
 * The CKA_WRAP_TEMPLATE (kinds bit POC_TMPL_WRAP), CKA_UNWRAP_TEMPLATE and
 * CKA_DERIVE_TEMPLATE of a key's template t into h->tmpl: arrays of at most
 * POC_OBJECT_TEMPLATE_ATTRS known attributes with values of their shape,
 * each once (else CKR_ATTRIBUTE_VALUE_INVALID). Free with
 * poc_object_templates_free.
 */
CK_RV p11_keymgmt_templates(const CK_ATTRIBUTE *t, CK_ULONG n, unsigned kinds, struct poc_object_header *h);
/* Key generation's key-management flags and templates: a secret key's (all three templates), a pair's. */
CK_RV p11_keymgmt_secret(const struct p11_slot *s, const CK_ATTRIBUTE *t, CK_ULONG n, struct poc_object_header *h);
CK_RV p11_keymgmt_pair(const struct p11_slot *s, const CK_ATTRIBUTE *pub, CK_ULONG npub, const CK_ATTRIBUTE *priv,
		       CK_ULONG npriv, struct poc_object_header *h);
/* C_WrapKey: ko has every attribute of wo's CKA_WRAP_TEMPLATE with its value, else CKR_KEY_NOT_WRAPPABLE. */
CK_RV p11_keymgmt_wrap_template(const struct p11_slot *s, const struct p11_object *wo, const struct p11_object *ko);
/*
 * C_UnwrapKey, C_DeriveKey: t with the key's template kt added (*mt, *mn;
 * free *mt; its added values point into kt). An attribute in both must have
 * the same value: CKR_TEMPLATE_INCONSISTENT.
 */
CK_RV p11_keymgmt_merge(const struct poc_object_template *kt, const CK_ATTRIBUTE *t, CK_ULONG n, CK_ATTRIBUTE **mt,
			CK_ULONG *mn);

/* p11_derive.c */
CK_RV p11_derive_locked(struct p11_session *ss, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE base, CK_ATTRIBUTE_PTR t,
			CK_ULONG n, CK_OBJECT_HANDLE_PTR out);

#endif
