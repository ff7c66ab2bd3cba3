/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Key management inside the PKCS#11 layer: C_WrapKey, C_UnwrapKey and
 * C_DeriveKey (p11_keymgmt.c, p11_derive.c) and the rules they and every new
 * key object share (p11_keyrules.c; docs/module.md "Key management").
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
 * Every new object's template, with the history it inherits (a copy's):
 * CKA_TRUSTED true outside an SO session (unless copied from a trusted key)
 * is CKR_ATTRIBUTE_READ_ONLY; CKA_ENCRYPT or CKA_DECRYPT true on a copy of a
 * key that wrapped and never encrypted or decrypted is CKR_TEMPLATE_INCONSISTENT.
 */
CK_RV p11_keymgmt_new_check(const struct p11_slot *s, const CK_ATTRIBUTE *t, CK_ULONG n, uint64_t history);
/* The sticky usage history of usage flags f: POC_OBJ_WAS_ED, POC_OBJ_WAS_WRAPPER. */
uint64_t p11_keymgmt_usage_history(uint64_t f);
/* 0 when usage bit may not be turned on for a key of flags f (encrypt or decrypt on a key that wraps, or did). */
int p11_keymgmt_usage_may(uint64_t f, uint64_t bit);
/*
 * 1 when a key of class cls and header flags f may wrap a sensitive key (and
 * then unwraps only to sensitive keys): trusted; or a secret key made on this
 * token (CKA_LOCAL), always sensitive, never extractable, that neither
 * decrypts nor encrypts data. A public key only when trusted.
 */
int p11_keymgmt_guarded(CK_OBJECT_CLASS cls, uint64_t f);
/* A derived key's history (POC_OBJ_WAS_PLAIN, _WAS_EXTRACTABLE) from its base key's flags (PKCS#11 v3.0 4.9). */
uint64_t p11_keymgmt_history(uint64_t base);
/*
 * The template of a key made by unwrapping or derivation: class (default
 * dflt_class; secret or private), key type (required), CKA_VALUE_LEN; no
 * attribute the token sets (CKR_ATTRIBUTE_READ_ONLY), no CKA_VALUE
 * (CKR_TEMPLATE_INCONSISTENT).
 */
CK_RV p11_keymgmt_template(const CK_ATTRIBUTE *t, CK_ULONG n, CK_OBJECT_CLASS dflt_class, struct p11_newkey *k);
/*
 * The key k of template t from its material (a secret key's bytes, a private
 * key's PKCS#8, checked to be a key of k's type), through
 * p11_object_new_locked: unwrapped (derived 0: imported) or derived (its
 * history given). *out its handle.
 */
CK_RV p11_keymgmt_new_locked(struct p11_session *ss, const CK_ATTRIBUTE *t, CK_ULONG n, const struct p11_newkey *k,
			     int derived, uint64_t history, const uint8_t *secret, size_t len, CK_OBJECT_HANDLE_PTR out);
/*
 * The CKA_WRAP_TEMPLATE, CKA_UNWRAP_TEMPLATE and CKA_DERIVE_TEMPLATE an
 * object of class cls keeps (a secret key all three, a private key unwrap and
 * derive, a public key wrap), from template t into h->tmpl, and *rest (n,
 * malloc'ed: free it) the other attributes of t. Each an array of at most
 * POC_OBJECT_TEMPLATE_ATTRS known attributes with values of their shape,
 * each once (else CKR_ATTRIBUTE_VALUE_INVALID). Free h's with
 * poc_object_templates_free.
 */
CK_RV p11_keymgmt_templates_take(const CK_ATTRIBUTE *t, CK_ULONG n, CK_OBJECT_CLASS cls, struct poc_object_header *h,
				 CK_ATTRIBUTE **rest, CK_ULONG *nrest);
/* Deep copy of src's templates into dst's (empty); on failure dst holds what was copied. */
CK_RV p11_keymgmt_templates_dup(struct poc_object_header *dst, const struct poc_object_header *src);
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
