/* SPDX-License-Identifier: Apache-2.0 */
/*
 * C_WrapKey, C_UnwrapKey and C_DeriveKey, and the checks of wrapping and
 * unwrapping in the order PKCS#11 v3.0 5.18 gives their codes: the key to
 * wrap must be extractable (CKR_KEY_UNEXTRACTABLE), the wrapping key must
 * have CKA_WRAP (CKR_KEY_FUNCTION_NOT_PERMITTED), a CKA_WRAP_WITH_TRUSTED key
 * goes only under a CKA_TRUSTED one, and a sensitive key only under a guarded
 * one (CKR_KEY_NOT_WRAPPABLE; p11_keyrules.c). Unwrapping needs CKA_UNWRAP
 * and makes a new key from the template (never an old one's attributes):
 * imported, so never local, always sensitive or never extractable, and
 * sensitive whenever the unwrapping key is guarded. The crypto is crypto/'s
 * (wrap.c); the key material is wiped as soon as it is wrapped or sealed.
 */
#include "pkcs11/p11_keymgmt.h"

#include <stdlib.h>
#include <string.h>

/* The released key of object h (p11_key_object_material_locked: the release and its check happen here). */
static CK_RV km_key_locked(struct p11_session *ss, const struct p11_object *o, const struct poc_key **k)
{
	const struct p11_object *again;

	return p11_key_object_material_locked(ss, o->handle, k, &again);
}

/* Looks up h for key management; a wrong handle gives bad_handle. */
static CK_RV km_object_locked(struct p11_session *ss, CK_OBJECT_HANDLE h, CK_RV bad_handle, struct p11_object **o)
{
	CK_RV rv = p11_objects_load_locked(ss->slot);

	if (rv == CKR_OK)
		rv = p11_object_get_locked(ss, h, o);
	return rv == CKR_OBJECT_HANDLE_INVALID ? bad_handle : rv;
}

static int mech_can(CK_MECHANISM_TYPE m, CK_FLAGS flag)
{
	CK_MECHANISM_INFO mi;

	return poc_mechanism_info(m, &mi) == CKR_OK && (mi.flags & flag) != 0;
}

/* The attribute checks of C_WrapKey, before any key is released. */
static CK_RV wrap_check(const CK_MECHANISM *m, const struct p11_object *wo, const struct p11_object *ko)
{
	uint64_t wf = wo->sealed->h.flags, kf = ko->sealed->h.flags;

	if (ko->class != CKO_SECRET_KEY && ko->class != CKO_PRIVATE_KEY)
		return CKR_KEY_NOT_WRAPPABLE;
	if (!(kf & POC_OBJ_EXTRACTABLE))
		return CKR_KEY_UNEXTRACTABLE;
	if (!mech_can(m->mechanism, CKF_WRAP))
		return CKR_MECHANISM_INVALID;
	if ((wo->class != CKO_SECRET_KEY && wo->class != CKO_PUBLIC_KEY) || !(wf & POC_OBJ_WRAP))
		return CKR_KEY_FUNCTION_NOT_PERMITTED;
	if ((kf & POC_OBJ_WRAP_WITH_TRUSTED) && !(wf & POC_OBJ_TRUSTED))
		return CKR_KEY_NOT_WRAPPABLE;
	/* Tookan: a sensitive key never leaves under a key that decrypts, is known outside, or was made from outside. */
	if ((kf & POC_OBJ_SENSITIVE) && !p11_keymgmt_guarded(wo->class, wf))
		return CKR_KEY_NOT_WRAPPABLE;
	return CKR_OK;
}

static CK_RV wrap_locked(struct p11_session *ss, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE hw, CK_OBJECT_HANDLE hk,
			 CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	struct p11_object *wo, *ko;
	const struct poc_key *wk, *k;
	uint8_t *mat = NULL;
	size_t mat_len = 0;
	CK_RV rv;

	if ((rv = km_object_locked(ss, hw, CKR_WRAPPING_KEY_HANDLE_INVALID, &wo)) != CKR_OK ||
	    (rv = km_object_locked(ss, hk, CKR_KEY_HANDLE_INVALID, &ko)) != CKR_OK ||
	    (rv = wrap_check(m, wo, ko)) != CKR_OK)
		return rv;
	if ((rv = km_key_locked(ss, wo, &wk)) != CKR_OK || (rv = km_key_locked(ss, ko, &k)) != CKR_OK)
		return rv;
	/* After the release: the wrapping key's header (and template) is the authenticated one. */
	if ((rv = p11_keymgmt_wrap_template(ss->slot, wo, ko)) != CKR_OK)
		return rv;
	if ((rv = poc_key_material(k, &mat, &mat_len)) != CKR_OK)
		return rv;
	rv = poc_wrap(m, wk, mat, mat_len, out, out_len);
	poc_secret_free(mat, mat_len);
	return rv == CKR_KEY_TYPE_INCONSISTENT ? CKR_WRAPPING_KEY_TYPE_INCONSISTENT : rv;
}

/* The checks of C_UnwrapKey on the template (merged with the unwrapping key's CKA_UNWRAP_TEMPLATE). */
static CK_RV unwrap_check(const struct p11_object *uo, const CK_ATTRIBUTE *t, CK_ULONG n, struct p11_newkey *k)
{
	uint64_t uf = uo->sealed->h.flags;
	CK_RV rv;

	if ((rv = p11_keymgmt_template(t, n, CKO_SECRET_KEY, k)) != CKR_OK)
		return rv;
	/*
	 * What a guarded key unwraps may be a sensitive key's wrapped form: it
	 * comes back sensitive, whatever the template asks (Tookan: re-import
	 * with weaker attributes).
	 */
	if (p11_keymgmt_guarded(uo->class, uf) && !p11_attr_bool(t, n, CKA_SENSITIVE, 1))
		return CKR_TEMPLATE_INCONSISTENT;
	return CKR_OK;
}

/* Unwraps in with uk into a new key of template t (k from it). */
static CK_RV unwrap_new_locked(struct p11_session *ss, CK_MECHANISM_PTR m, const struct poc_key *uk, CK_BYTE_PTR in,
			       CK_ULONG in_len, const CK_ATTRIBUTE *t, CK_ULONG n, const struct p11_newkey *k,
			       CK_OBJECT_HANDLE_PTR out)
{
	uint8_t *mat = NULL;
	size_t mat_len = 0;
	CK_RV rv = poc_unwrap(m, uk, in, in_len, &mat, &mat_len);

	if (rv == CKR_KEY_TYPE_INCONSISTENT)
		return CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT;
	if (rv != CKR_OK)
		return rv;
	if (k->value_len != 0 && k->value_len != mat_len)
		rv = CKR_TEMPLATE_INCONSISTENT;
	else if (k->type == CKK_AES && mat_len != 16 && mat_len != 24 && mat_len != 32)
		rv = CKR_WRAPPED_KEY_INVALID;
	else
		rv = p11_keymgmt_new_locked(ss, t, n, k, 0, POC_OBJ_WAS_PLAIN | POC_OBJ_WAS_EXTRACTABLE, mat, mat_len, out);
	poc_secret_free(mat, mat_len);
	return rv;
}

static CK_RV unwrap_locked(struct p11_session *ss, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE hu, CK_BYTE_PTR in,
			   CK_ULONG in_len, CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR out)
{
	struct p11_object *uo;
	struct p11_newkey k;
	const struct poc_key *uk;
	CK_ATTRIBUTE *mt = NULL;
	CK_ULONG mn = 0;
	CK_RV rv;

	*out = CK_INVALID_HANDLE;
	if ((rv = km_object_locked(ss, hu, CKR_UNWRAPPING_KEY_HANDLE_INVALID, &uo)) != CKR_OK)
		return rv;
	if (!mech_can(m->mechanism, CKF_UNWRAP))
		return CKR_MECHANISM_INVALID;
	if ((uo->class != CKO_SECRET_KEY && uo->class != CKO_PRIVATE_KEY) || !(uo->sealed->h.flags & POC_OBJ_UNWRAP))
		return CKR_KEY_FUNCTION_NOT_PERMITTED;
	/* Released first: then the key's header and its CKA_UNWRAP_TEMPLATE are the authenticated ones. */
	if ((rv = km_key_locked(ss, uo, &uk)) != CKR_OK ||
	    (rv = p11_keymgmt_merge(&uo->sealed->h.tmpl[POC_TMPL_UNWRAP], t, n, &mt, &mn)) != CKR_OK)
		return rv;
	if ((rv = unwrap_check(uo, mt, mn, &k)) == CKR_OK)
		rv = unwrap_new_locked(ss, m, uk, in, in_len, mt, mn, &k, out);
	free(mt);
	return rv;
}

CK_RV C_WrapKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hWrappingKey,
		CK_OBJECT_HANDLE hKey, CK_BYTE_PTR pWrappedKey, CK_ULONG_PTR pulWrappedKeyLen)
{
	P11_READY();
	CHECK(pMechanism != NULL && pulWrappedKeyLen != NULL);
	WITH_SESSION(hSession, wrap_locked(ss, pMechanism, hWrappingKey, hKey, pWrappedKey, pulWrappedKeyLen));
}

CK_RV C_UnwrapKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hUnwrappingKey,
		  CK_BYTE_PTR pWrappedKey, CK_ULONG ulWrappedKeyLen, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulAttributeCount,
		  CK_OBJECT_HANDLE_PTR phKey)
{
	P11_READY();
	CHECK(pMechanism != NULL && pWrappedKey != NULL && (pTemplate != NULL || ulAttributeCount == 0) &&
	      phKey != NULL);
	WITH_SESSION(hSession, unwrap_locked(ss, pMechanism, hUnwrappingKey, pWrappedKey, ulWrappedKeyLen, pTemplate,
					     ulAttributeCount, phKey));
}

CK_RV C_DeriveKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hBaseKey,
		  CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE_PTR phKey)
{
	P11_READY();
	CHECK(pMechanism != NULL && (pTemplate != NULL || ulAttributeCount == 0) && phKey != NULL);
	WITH_SESSION(hSession, p11_derive_locked(ss, pMechanism, hBaseKey, pTemplate, ulAttributeCount, phKey));
}
