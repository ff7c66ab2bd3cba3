/* SPDX-License-Identifier: Apache-2.0 */
/*
 * C_DeriveKey: CKM_ECDH1_DERIVE on an EC private key and CKM_HKDF_DERIVE on a
 * generic secret (or CKK_HKDF) key, both needing CKA_DERIVE on the base key
 * (CKR_KEY_FUNCTION_NOT_PERMITTED). The new key comes from the template
 * (secret, AES or generic, CKA_VALUE_LEN) and inherits the base key's
 * history (PKCS#11 v3.0 4.9): always sensitive or never extractable only if
 * the base key was; never local, so never a guarded wrapping key (an ECDH
 * secret is the peer's as well).
 */
#include "pkcs11/p11_keymgmt.h"

#include <stdlib.h>
#include <string.h>

/* The length of the key to derive: CKA_VALUE_LEN, or an AES key's 32 bytes by default. */
static CK_RV derive_len(const struct p11_newkey *k, size_t *len)
{
	if (k->class != CKO_SECRET_KEY)
		return CKR_TEMPLATE_INCONSISTENT;
	if (k->value_len != 0)
		*len = k->value_len;
	else if (k->type == CKK_AES)
		*len = 32;
	else
		return CKR_TEMPLATE_INCOMPLETE;
	return CKR_OK;
}

/* The bytes of HKDF's salt key (CKF_HKDF_SALT_KEY): a secret key of the session's token. */
static CK_RV hkdf_salt_locked(struct p11_session *ss, const CK_HKDF_PARAMS *p, const uint8_t **salt, size_t *len)
{
	struct p11_object *o;
	const struct p11_object *again;
	const struct poc_key *k;
	CK_RV rv;

	*salt = NULL;
	*len = 0;
	if (!p->bExtract || p->ulSaltType != CKF_HKDF_SALT_KEY)
		return CKR_OK;
	rv = p11_object_get_locked(ss, p->hSaltKey, &o);
	if (rv != CKR_OK || o->class != CKO_SECRET_KEY)
		return CKR_MECHANISM_PARAM_INVALID;
	if ((rv = p11_key_object_material_locked(ss, o->handle, &k, &again)) != CKR_OK)
		return rv;
	*salt = poc_key_secret(k, len);
	return *salt != NULL ? CKR_OK : CKR_MECHANISM_PARAM_INVALID;
}

/* The derived bytes of mechanism m on base key bk (len of them, in locked memory). */
static CK_RV derive_bytes_locked(struct p11_session *ss, const CK_MECHANISM *m, const struct p11_object *bo,
				 const struct poc_key *bk, size_t len, uint8_t **out)
{
	const uint8_t *ikm, *salt = NULL;
	size_t ikm_len = 0, salt_len = 0;
	CK_RV rv;

	if (m->mechanism == CKM_ECDH1_DERIVE) {
		if (bo->class != CKO_PRIVATE_KEY || poc_key_type(bk) != CKK_EC)
			return CKR_KEY_TYPE_INCONSISTENT;
		if (m->pParameter == NULL || m->ulParameterLen != sizeof(CK_ECDH1_DERIVE_PARAMS))
			return CKR_MECHANISM_PARAM_INVALID;
		return poc_derive_ecdh(bk, m->pParameter, len, out);
	}
	if (bo->class != CKO_SECRET_KEY ||
	    (bo->sealed->h.key_type != CKK_GENERIC_SECRET && bo->sealed->h.key_type != CKK_HKDF) ||
	    (ikm = poc_key_secret(bk, &ikm_len)) == NULL)
		return CKR_KEY_TYPE_INCONSISTENT;
	if (m->pParameter == NULL || m->ulParameterLen != sizeof(CK_HKDF_PARAMS))
		return CKR_MECHANISM_PARAM_INVALID;
	if ((rv = hkdf_salt_locked(ss, m->pParameter, &salt, &salt_len)) != CKR_OK)
		return rv;
	return poc_derive_hkdf(m->pParameter, ikm, ikm_len, salt, salt_len, len, out);
}

CK_RV p11_derive_locked(struct p11_session *ss, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE base, CK_ATTRIBUTE_PTR t,
			CK_ULONG n, CK_OBJECT_HANDLE_PTR out)
{
	struct p11_object *bo;
	const struct p11_object *again;
	struct p11_newkey k;
	const struct poc_key *bk;
	uint8_t *secret = NULL;
	size_t len = 0;
	CK_MECHANISM_INFO mi;
	CK_ATTRIBUTE *mt = NULL;
	CK_ULONG mn = 0;
	CK_RV rv;

	*out = CK_INVALID_HANDLE;
	if ((rv = p11_objects_load_locked(ss->slot)) != CKR_OK)
		return rv;
	if ((rv = p11_object_get_locked(ss, base, &bo)) != CKR_OK)
		return rv == CKR_OBJECT_HANDLE_INVALID ? CKR_KEY_HANDLE_INVALID : rv;
	if (poc_mechanism_info(m->mechanism, &mi) != CKR_OK || !(mi.flags & CKF_DERIVE))
		return CKR_MECHANISM_INVALID;
	if (!(bo->sealed->h.flags & POC_OBJ_DERIVE) || bo->class == CKO_PUBLIC_KEY)
		return CKR_KEY_FUNCTION_NOT_PERMITTED;
	/* Released first: then the base key's CKA_DERIVE_TEMPLATE is the authenticated one. */
	if ((rv = p11_key_object_material_locked(ss, bo->handle, &bk, &again)) != CKR_OK ||
	    (rv = p11_keymgmt_merge(&bo->sealed->h.tmpl[POC_TMPL_DERIVE], t, n, &mt, &mn)) != CKR_OK)
		return rv;
	if ((rv = p11_keymgmt_template(mt, mn, CKO_SECRET_KEY, &k)) == CKR_OK && (rv = derive_len(&k, &len)) == CKR_OK &&
	    (rv = derive_bytes_locked(ss, m, bo, bk, len, &secret)) == CKR_OK) {
		rv = p11_keymgmt_new_locked(ss, mt, mn, &k, 1, p11_keymgmt_history(bo->sealed->h.flags), secret, len, out);
		poc_secret_free(secret, len);
	}
	free(mt);
	return rv;
}
