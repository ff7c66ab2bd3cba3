/* SPDX-License-Identifier: Apache-2.0 */
/*
 * New objects from material and a template, for every call that makes one
 * (p11_int.h p11_key_object_new_locked): a session object in memory
 * (CKA_TOKEN false or absent: never sealed, never stored, no TPM, no record)
 * or a token object sealed through p11_seal_locked. The object's attributes
 * are decided from the template first, then the template is held against
 * the object as it will be (p11_template_matches), so a template is honoured
 * exactly or refused. Also the material accessor for callers that work with
 * another key (wrap, derive).
 */
#include "pkcs11/p11_attr.h"
#include "pkcs11/p11_keymgmt.h"

#include <stdlib.h>
#include <string.h>

/* Attributes the caller's material was made of (key generation's parameters): never checked again. */
static const CK_ATTRIBUTE_TYPE gen_used[] = { CKA_VALUE_LEN, CKA_MODULUS_BITS, CKA_PUBLIC_EXPONENT, CKA_EC_PARAMS };

CK_MECHANISM_TYPE p11_gen_mech_of(CK_KEY_TYPE type)
{
	switch (type) {
	case CKK_EC: return CKM_EC_KEY_PAIR_GEN;
	case CKK_EC_EDWARDS: return CKM_EC_EDWARDS_KEY_PAIR_GEN;
	case CKK_RSA: return CKM_RSA_PKCS_KEY_PAIR_GEN;
	case CKK_AES: return CKM_AES_KEY_GEN;
	case CKK_GENERIC_SECRET: return CKM_GENERIC_SECRET_KEY_GEN;
	case CKK_DES3: return CKM_DES3_KEY_GEN;
	default: return CK_UNAVAILABLE_INFORMATION;
	}
}

/* The usages a key has when its template names none: what the key type is for. */
static uint64_t usage_default(CK_OBJECT_CLASS c, CK_KEY_TYPE type)
{
	switch (c) {
	case CKO_PRIVATE_KEY:
		return POC_OBJ_SIGN | (type == CKK_RSA ? POC_OBJ_DECRYPT : 0);
	case CKO_PUBLIC_KEY:
		return POC_OBJ_VERIFY | (type == CKK_RSA ? POC_OBJ_ENCRYPT : 0);
	case CKO_SECRET_KEY:
		return type == CKK_AES || type == CKK_DES3 || type == CKK_DES ? POC_OBJ_ENCRYPT | POC_OBJ_DECRYPT : POC_OBJ_SIGN | POC_OBJ_VERIFY;
	default:
		return 0;
	}
}

static uint64_t flag_if(const CK_ATTRIBUTE *t, CK_ULONG n, CK_ATTRIBUTE_TYPE type, uint64_t dflt, uint64_t bit)
{
	return p11_attr_bool(t, n, type, (dflt & bit) != 0) ? bit : 0;
}

/*
 * The usages a key of type can have: those a mechanism of the table does
 * (crypto/mech.c). A template asking another one is refused (the object would
 * not have it: p11_template_matches). The one place to add a usage when a
 * mechanism for it lands (AES MACs, wrapping, derivation).
 */
uint64_t p11_usage_possible(CK_KEY_TYPE type)
{
	const uint64_t sv = POC_OBJ_SIGN | POC_OBJ_VERIFY, ed = POC_OBJ_ENCRYPT | POC_OBJ_DECRYPT;

	const uint64_t wu = POC_OBJ_WRAP | POC_OBJ_UNWRAP; /* key wrap (crypto/wrap.c) */

	switch (type) {
	case CKK_EC: return sv | POC_OBJ_DERIVE; /* ECDH (C_DeriveKey) */
	case CKK_EC_EDWARDS: return sv | POC_OBJ_DERIVE; /* kept (pkcs11-tool asks it); no mechanism derives from it */
	/* OAEP; recovery: permissions no mechanism here uses (C_SignRecoverInit is CKR_FUNCTION_NOT_SUPPORTED) */
	case CKK_RSA: return sv | ed | wu | POC_OBJ_SIGN_RECOVER | POC_OBJ_VERIFY_RECOVER;
	case CKK_AES: return ed | sv | wu; /* AES-CMAC; AES-KW, AES-KWP, AES-CBC-PAD */
	case CKK_DES3: return ed;
	case CKK_DES: return ed; /* generated only: no mechanism uses a single-DES key (docs/module.md) */
	/* HMAC, key derivation; CKA_ENCRYPT/DECRYPT are permissions no mechanism uses on it (pkcs11-tool --keygen GENERIC asks them) */
	case CKK_GENERIC_SECRET: return sv | ed | POC_OBJ_DERIVE;
	default: return 0;
	}
}

/*
 * The header flags (POC_OBJ_*) of a new object of nw from template t. A
 * token object's key is never extractable (a template asking it is refused:
 * p11_template_matches); CKA_SENSITIVE false is kept, and changes nothing a
 * caller can read: no key value of an unextractable key leaves the module.
 */
static uint64_t new_flags(const struct p11_new *nw, const CK_ATTRIBUTE *t, CK_ULONG n, int token)
{
	uint64_t d = usage_default(nw->cls, nw->type), f = 0;
	int secret = nw->cls == CKO_PRIVATE_KEY || nw->cls == CKO_SECRET_KEY;

	if (nw->cls != CKO_DATA && nw->cls != CKO_CERTIFICATE) {
		f |= flag_if(t, n, CKA_SIGN, d, POC_OBJ_SIGN) | flag_if(t, n, CKA_VERIFY, d, POC_OBJ_VERIFY);
		f |= flag_if(t, n, CKA_ENCRYPT, d, POC_OBJ_ENCRYPT) | flag_if(t, n, CKA_DECRYPT, d, POC_OBJ_DECRYPT);
		f |= flag_if(t, n, CKA_WRAP, d, POC_OBJ_WRAP) | flag_if(t, n, CKA_UNWRAP, d, POC_OBJ_UNWRAP);
		f |= flag_if(t, n, CKA_DERIVE, d, POC_OBJ_DERIVE);
		f |= flag_if(t, n, CKA_SIGN_RECOVER, 0, POC_OBJ_SIGN_RECOVER);
		f |= flag_if(t, n, CKA_VERIFY_RECOVER, 0, POC_OBJ_VERIFY_RECOVER);
		f &= p11_usage_possible(nw->type);
		f |= p11_keymgmt_usage_history(f);
	}
	if (secret) {
		f |= flag_if(t, n, CKA_SENSITIVE, POC_OBJ_SENSITIVE, POC_OBJ_SENSITIVE);
		f |= token ? 0 : flag_if(t, n, CKA_EXTRACTABLE, 0, POC_OBJ_EXTRACTABLE);
		if (!(f & POC_OBJ_SENSITIVE))
			f |= POC_OBJ_WAS_PLAIN;
		if (f & POC_OBJ_EXTRACTABLE)
			f |= POC_OBJ_WAS_EXTRACTABLE;
		f |= flag_if(t, n, CKA_WRAP_WITH_TRUSTED, 0, POC_OBJ_WRAP_WITH_TRUSTED);
		if (!nw->local && !nw->derived)
			f |= POC_OBJ_IMPORTED;
	}
	if (nw->local)
		f |= POC_OBJ_LOCAL;
	if (!p11_attr_bool(t, n, CKA_MODIFIABLE, 1))
		f |= POC_OBJ_FIXED;
	if (!p11_attr_bool(t, n, CKA_COPYABLE, 1))
		f |= POC_OBJ_NO_COPY;
	if (!p11_attr_bool(t, n, CKA_DESTROYABLE, 1))
		f |= POC_OBJ_NO_DESTROY;
	return f | nw->history;
}

static CK_RV dup_bytes(const uint8_t *p, size_t len, uint8_t **out)
{
	*out = NULL;
	if (p == NULL)
		return CKR_OK;
	*out = malloc(len ? len : 1);
	if (*out == NULL)
		return CKR_HOST_MEMORY;
	memcpy(*out, p, len);
	return CKR_OK;
}

/*
 * CKA_PRIVATE when t does not say (token-specific in PKCS#11 v3.0 4.4): true
 * for private and secret keys, but a session object made by a session not
 * logged in to a token with a PIN is public (its maker could not use it
 * otherwise). A token object is private: this token seals them under the PIN.
 */
static int new_private(const struct p11_session *ss, const CK_ATTRIBUTE *t, CK_ULONG n, CK_OBJECT_CLASS cls, int token)
{
	const struct p11_slot *s = ss->slot;

	return p11_attr_bool(t, n, CKA_PRIVATE,
			     (cls == CKO_PRIVATE_KEY || cls == CKO_SECRET_KEY) &&
				     (token || !s->tok->meta.has_pin || s->logged_in));
}

/* The in-memory object: header copies, the public key, the key or data value (locked memory). */
static CK_RV session_sealed(struct p11_session *ss, const struct p11_new *nw, const CK_ATTRIBUTE *t, CK_ULONG n,
			    const struct poc_object_header *h, struct p11_sealed **out)
{
	struct poc_err e = { 0 };
	const CK_ATTRIBUTE *app = p11_attr_find(t, n, CKA_APPLICATION);
	struct p11_sealed *o = calloc(1, sizeof(*o));
	CK_RV rv;

	*out = NULL;
	if (o == NULL)
		return CKR_HOST_MEMORY;
	snprintf(o->name, sizeof(o->name), "(session %lu)", (unsigned long)ss->handle);
	o->h = *h;
	o->h.spki = o->h.cert = NULL;
	memset(o->h.tmpl, 0, sizeof(o->h.tmpl));
	if ((rv = p11_keymgmt_templates_dup(&o->h, h)) != CKR_OK)
		goto fail;
	o->owner = ss->handle;
	o->session_private = new_private(ss, t, n, nw->cls, 0);
	o->gen_mech = nw->local ? nw->gen_mech : CK_UNAVAILABLE_INFORMATION;
	if ((rv = dup_bytes(nw->spki, nw->spki_len, &o->h.spki)) != CKR_OK ||
	    (rv = dup_bytes(nw->cert, nw->cert_len, &o->h.cert)) != CKR_OK)
		goto fail;
	if (nw->cls == CKO_DATA && app != NULL && app->ulValueLen > 0) {
		if ((rv = dup_bytes(app->pValue, app->ulValueLen, &o->app)) != CKR_OK)
			goto fail;
		o->app_len = app->ulValueLen;
	}
	rv = CKR_FUNCTION_FAILED;
	if (nw->spki != NULL && (o->pub = poc_key_from_spki(&e, nw->spki, nw->spki_len)) == NULL)
		goto fail;
	/* The value (a data object's, a key's material: what C_CopyObject copies), in locked memory. */
	if (nw->secret != NULL && nw->secret_len > 0) {
		if ((o->data = poc_secret_alloc(nw->secret_len)) == NULL) {
			rv = CKR_HOST_MEMORY;
			goto fail;
		}
		memcpy(o->data, nw->secret, nw->secret_len);
		o->data_len = nw->secret_len;
	}
	if (nw->cls != CKO_DATA && nw->secret != NULL) {
		o->key = poc_key_from_secret(&e, nw->type, nw->secret, nw->secret_len);
		if (o->key == NULL) {
			rv = e.code == POC_ERR_NOMEM ? CKR_HOST_MEMORY : CKR_TEMPLATE_INCONSISTENT;
			goto fail;
		}
	}
	*out = o;
	return CKR_OK;
fail:
	p11_log(POC_LOG_DEBUG, "session object: %s", e.msg[0] ? e.msg : p11_rv_str(rv));
	p11_sealed_free(o);
	return rv;
}

/* Who may make it: a token object needs a read-write session; a private object (or any token object with a PIN) the user. */
static CK_RV new_allowed(const struct p11_session *ss, int token, int priv)
{
	const struct p11_slot *s = ss->slot;

	if (token && !(ss->flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;
	if (s->tok->meta.has_pin && !s->logged_in && (token || priv))
		return CKR_USER_NOT_LOGGED_IN;
	return CKR_OK;
}

/* A token object: the template held against the object as sealed, then sealed and listed. */
static CK_RV new_token_locked(struct p11_session *ss, const CK_ATTRIBUTE *t, CK_ULONG n, const struct p11_new *nw,
			      const struct poc_object_header *h, CK_OBJECT_HANDLE *out, CK_OBJECT_HANDLE *out2)
{
	struct poc_err e = { 0 };
	struct p11_sealed tmp;
	struct p11_object view;
	char name[POC_STORE_NAME_MAX];
	CK_ATTRIBUTE_TYPE skip[8];
	CK_RV rv;

	memset(&tmp, 0, sizeof(tmp));
	tmp.h = *h;
	tmp.gen_mech = nw->local ? nw->gen_mech : CK_UNAVAILABLE_INFORMATION;
	if (nw->spki != NULL && (tmp.pub = poc_key_from_spki(&e, nw->spki, nw->spki_len)) == NULL)
		return CKR_FUNCTION_FAILED;
	view.handle = CK_INVALID_HANDLE;
	view.class = nw->cls;
	view.sealed = &tmp;
	/*
	 * A generated token key is private on a token with a PIN (its release
	 * needs the PIN) whatever CKA_PRIVATE says: pkcs11-tool --keygen sends
	 * false, and generating has always taken that template.
	 */
	if (nw->local && nw->nused < sizeof(skip) / sizeof(skip[0])) {
		memcpy(skip, nw->used, nw->nused * sizeof(skip[0]));
		skip[nw->nused] = CKA_PRIVATE;
		rv = p11_template_matches(ss->slot, &view, t, n, skip, nw->nused + 1);
	} else {
		rv = p11_template_matches(ss->slot, &view, t, n, nw->used, nw->nused);
	}
	poc_key_free(tmp.pub);
	if (rv != CKR_OK)
		return rv;
	rv = p11_seal_locked(ss, h, nw->secret, nw->secret_len, name);
	if (rv == CKR_OK)
		rv = p11_sealed_add_locked(ss->slot, name, out, out2);
	return rv;
}

/* An object of nw from t, whose key-management templates (if any) tmpl holds and t no longer names. */
static CK_RV object_new_locked(struct p11_session *ss, const CK_ATTRIBUTE *t, CK_ULONG n, const struct p11_new *nw,
			       const struct poc_object_header *tmpl, CK_OBJECT_HANDLE *out, CK_OBJECT_HANDLE *out2)
{
	struct poc_object_header h;
	struct p11_sealed *o = NULL;
	struct p11_object view;
	int token = p11_attr_bool(t, n, CKA_TOKEN, 0);
	CK_RV rv = p11_objects_load_locked(ss->slot);

	*out = CK_INVALID_HANDLE;
	if (out2 != NULL)
		*out2 = CK_INVALID_HANDLE;
	if (rv != CKR_OK || (rv = p11_template_shape(t, n)) != CKR_OK)
		return rv;
	rv = new_allowed(ss, token, new_private(ss, t, n, nw->cls, token));
	if (rv != CKR_OK)
		return rv;
	memset(&h, 0, sizeof(h));
	if ((rv = p11_header_names(&h, t, n)) != CKR_OK)
		return rv;
	h.class = nw->cls;
	h.key_type = nw->type;
	h.flags = new_flags(nw, t, n, token);
	h.spki = (uint8_t *)nw->spki;
	h.spki_len = nw->spki_len;
	h.cert = (uint8_t *)nw->cert;
	h.cert_len = nw->cert_len;
	memcpy(h.tmpl, tmpl->tmpl, sizeof(h.tmpl)); /* borrowed: a session object copies them */
	if (token)
		return new_token_locked(ss, t, n, nw, &h, out, out2);
	if ((rv = session_sealed(ss, nw, t, n, &h, &o)) != CKR_OK)
		return rv;
	view.handle = CK_INVALID_HANDLE;
	view.class = nw->cls;
	view.sealed = o;
	rv = p11_template_matches(ss->slot, &view, t, n, nw->used, nw->nused);
	if (rv != CKR_OK) {
		p11_sealed_free(o);
		return rv;
	}
	return p11_session_object_add_locked(ss, o, out);
}

CK_RV p11_object_new_locked(struct p11_session *ss, const CK_ATTRIBUTE *t, CK_ULONG n, const struct p11_new *nw,
			    CK_OBJECT_HANDLE *out, CK_OBJECT_HANDLE *out2)
{
	struct poc_object_header tmpl;
	CK_ATTRIBUTE *rest = NULL;
	CK_ULONG nrest = 0;
	CK_RV rv;

	/* CKA_TRUSTED (the SO's) and the key's CKA_*_TEMPLATE attributes, kept apart (p11_keyrules.c). */
	memset(&tmpl, 0, sizeof(tmpl));
	if ((rv = p11_keymgmt_new_check(ss->slot, t, n, nw->history)) != CKR_OK)
		return rv;
	if (nw->tmpl != NULL) {
		struct poc_object_header from;

		memcpy(from.tmpl, nw->tmpl, sizeof(from.tmpl));
		if ((rv = p11_keymgmt_templates_dup(&tmpl, &from)) != CKR_OK) {
			poc_object_templates_free(&tmpl);
			return rv;
		}
	}
	if ((rv = p11_keymgmt_templates_take(t, n, nw->cls, &tmpl, &rest, &nrest)) != CKR_OK)
		return rv;
	rv = object_new_locked(ss, rest, nrest, nw, &tmpl, out, out2);
	poc_object_templates_free(&tmpl);
	free(rest);
	return rv;
}

CK_RV p11_key_object_new_locked(struct p11_session *ss, const CK_ATTRIBUTE *t, CK_ULONG n, CK_OBJECT_CLASS cls,
				CK_KEY_TYPE type, const uint8_t *secret, size_t secret_len, const uint8_t *spki,
				size_t spki_len, CK_MECHANISM_TYPE gen_mech, int local, CK_OBJECT_HANDLE_PTR out)
{
	struct p11_new nw;

	if (cls != CKO_SECRET_KEY && cls != CKO_PRIVATE_KEY && cls != CKO_PUBLIC_KEY)
		return CKR_TEMPLATE_INCONSISTENT;
	if ((cls == CKO_PUBLIC_KEY) != (secret == NULL) || (cls != CKO_SECRET_KEY && spki == NULL))
		return CKR_GENERAL_ERROR; /* a caller's mistake, not the application's */
	memset(&nw, 0, sizeof(nw));
	nw.cls = cls;
	nw.type = type;
	nw.secret = secret;
	nw.secret_len = secret_len;
	nw.spki = spki;
	nw.spki_len = spki_len;
	nw.gen_mech = gen_mech;
	nw.local = local;
	nw.used = gen_used;
	nw.nused = sizeof(gen_used) / sizeof(gen_used[0]);
	return p11_object_new_locked(ss, t, n, &nw, out, NULL);
}

CK_RV p11_key_object_material_locked(struct p11_session *ss, CK_OBJECT_HANDLE h, const struct poc_key **k,
				     const struct p11_object **obj)
{
	struct p11_object *o;
	CK_RV rv = p11_object_get_locked(ss, h, &o);

	*k = NULL;
	*obj = NULL;
	if (rv != CKR_OK)
		return rv == CKR_OBJECT_HANDLE_INVALID ? CKR_KEY_HANDLE_INVALID : rv;
	if (o->class == CKO_PUBLIC_KEY) {
		*k = o->sealed->pub;
	} else if (o->class == CKO_PRIVATE_KEY || o->class == CKO_SECRET_KEY) {
		rv = p11_release_use_locked(ss->slot, o->sealed);
		if (rv != CKR_OK)
			return rv;
		*k = o->sealed->key;
	} else {
		return CKR_KEY_TYPE_INCONSISTENT;
	}
	if (*k == NULL)
		return CKR_KEY_FUNCTION_NOT_PERMITTED; /* denied at its check, or a public key that does not load */
	*obj = o;
	return CKR_OK;
}
