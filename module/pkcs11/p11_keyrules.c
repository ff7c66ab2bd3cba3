/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The key-management rules (docs/module.md "Key management"): which
 * attributes a new key's template may ask for (CKA_TRUSTED only from the SO),
 * which wrapping keys may carry a sensitive key out (the "guarded" class),
 * what a key made by C_UnwrapKey or C_DeriveKey records about its past
 * (CKA_LOCAL, CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE), and the checks
 * of such a key's template. The rules are by class, not by example: every
 * Tookan attack (Bortolozzo et al., CCS 2010) that needs a wrapping key the
 * attacker can decrypt with, knows, or made, meets the same one.
 */
#include "pkcs11/p11_keymgmt.h"

#include <stdlib.h>
#include <string.h>

#include "pkcs11/p11_attr.h"

/*
 * The SO's login. Until the module has one (issue 12, the SO part), no
 * session is the SO's and so no key is ever trusted: CKA_TRUSTED = TRUE is
 * refused in every template.
 */
static int so_logged_in(const struct p11_slot *s)
{
	(void)s;
	return 0;
}

CK_RV p11_keymgmt_flags(const struct p11_slot *s, const CK_ATTRIBUTE *t, CK_ULONG n, uint64_t *f)
{
	static const struct {
		CK_ATTRIBUTE_TYPE type;
		uint64_t flag;
		int dflt;
	} bools[] = {
		{ CKA_WRAP, POC_OBJ_WRAP, 0 },
		{ CKA_UNWRAP, POC_OBJ_UNWRAP, 0 },
		{ CKA_DERIVE, POC_OBJ_DERIVE, 0 },
		{ CKA_EXTRACTABLE, POC_OBJ_EXTRACTABLE, 0 },
		{ CKA_SENSITIVE, POC_OBJ_SENSITIVE, 1 },
		{ CKA_WRAP_WITH_TRUSTED, POC_OBJ_WRAP_WITH_TRUSTED, 0 },
		{ CKA_TRUSTED, POC_OBJ_TRUSTED, 0 },
	};

	*f &= ~(uint64_t)(POC_OBJ_WRAP | POC_OBJ_UNWRAP | POC_OBJ_DERIVE | POC_OBJ_EXTRACTABLE | POC_OBJ_SENSITIVE |
			  POC_OBJ_WRAP_WITH_TRUSTED | POC_OBJ_TRUSTED);
	for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++)
		if (p11_attr_bool(t, n, bools[i].type, bools[i].dflt))
			*f |= bools[i].flag;
	if ((*f & POC_OBJ_TRUSTED) && !so_logged_in(s))
		return CKR_ATTRIBUTE_READ_ONLY;
	/* The history starts here: a key made not sensitive, or extractable, was so once. */
	if (!(*f & POC_OBJ_SENSITIVE))
		*f |= POC_OBJ_NOT_ALWAYS_SENSITIVE;
	if (*f & POC_OBJ_EXTRACTABLE)
		*f |= POC_OBJ_NOT_NEVER_EXTRACTABLE;
	return CKR_OK;
}

CK_RV p11_keymgmt_secret_flags(const struct p11_slot *s, const CK_ATTRIBUTE *t, CK_ULONG n, uint64_t *f)
{
	CK_RV rv = p11_keymgmt_flags(s, t, n, f);
	/* A key asked to wrap or unwrap is a dedicated one unless the template says otherwise. */
	int ed = !(*f & (POC_OBJ_WRAP | POC_OBJ_UNWRAP));

	if (rv != CKR_OK)
		return rv;
	if (p11_attr_bool(t, n, CKA_ENCRYPT, ed))
		*f |= POC_OBJ_ENCRYPT;
	if (p11_attr_bool(t, n, CKA_DECRYPT, ed))
		*f |= POC_OBJ_DECRYPT;
	return CKR_OK;
}

int p11_keymgmt_guarded(uint64_t f)
{
	if (f & POC_OBJ_TRUSTED)
		return 1;
	/* Made here, never known outside (always sensitive, never extractable) ... */
	if (f & (POC_OBJ_IMPORTED | POC_OBJ_NOT_LOCAL | POC_OBJ_NOT_ALWAYS_SENSITIVE | POC_OBJ_NOT_NEVER_EXTRACTABLE |
		 POC_OBJ_EXTRACTABLE))
		return 0;
	if (!(f & POC_OBJ_SENSITIVE))
		return 0;
	/* ... and it (or its pair) neither decrypts what it wraps nor encrypts what it unwraps. */
	return !(f & (POC_OBJ_DECRYPT | POC_OBJ_ENCRYPT));
}

void p11_keymgmt_history(uint64_t base, uint64_t *f)
{
	/* PKCS#11 v3.0 4.9: a derived key is always sensitive (never extractable) only if its base key was. */
	if (base & (POC_OBJ_IMPORTED | POC_OBJ_NOT_ALWAYS_SENSITIVE) || !(base & POC_OBJ_SENSITIVE))
		*f |= POC_OBJ_NOT_ALWAYS_SENSITIVE;
	if (base & (POC_OBJ_IMPORTED | POC_OBJ_NOT_NEVER_EXTRACTABLE | POC_OBJ_EXTRACTABLE))
		*f |= POC_OBJ_NOT_NEVER_EXTRACTABLE;
	*f |= POC_OBJ_NOT_LOCAL;
}

/* Attributes the token sets on a new key ("must not be specified"). */
static const CK_ATTRIBUTE_TYPE token_set[] = {
	CKA_LOCAL, CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE, CKA_KEY_GEN_MECHANISM, CKA_VALUE,
	CKA_POC_ATTESTATION_RECORD,
};

CK_RV p11_keymgmt_template(const CK_ATTRIBUTE *t, CK_ULONG n, CK_OBJECT_CLASS dflt_class, struct p11_newkey *k)
{
	const CK_ATTRIBUTE *a;

	memset(k, 0, sizeof(*k));
	for (CK_ULONG i = 0; i < n; i++) {
		if (t[i].pValue == NULL && t[i].ulValueLen != 0)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		for (size_t j = 0; j < sizeof(token_set) / sizeof(token_set[0]); j++)
			if (t[i].type == token_set[j])
				return t[i].type == CKA_VALUE ? CKR_TEMPLATE_INCONSISTENT : CKR_ATTRIBUTE_READ_ONLY;
	}
	k->class = dflt_class;
	if ((a = p11_attr_find(t, n, CKA_CLASS)) != NULL) {
		if (a->pValue == NULL || a->ulValueLen != sizeof(CK_OBJECT_CLASS))
			return CKR_ATTRIBUTE_VALUE_INVALID;
		memcpy(&k->class, a->pValue, sizeof(k->class));
	}
	if (k->class != CKO_SECRET_KEY && k->class != CKO_PRIVATE_KEY)
		return CKR_TEMPLATE_INCONSISTENT;
	if ((a = p11_attr_find(t, n, CKA_KEY_TYPE)) == NULL)
		return CKR_TEMPLATE_INCOMPLETE;
	if (a->pValue == NULL || a->ulValueLen != sizeof(CK_KEY_TYPE))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	memcpy(&k->type, a->pValue, sizeof(k->type));
	if ((a = p11_attr_find(t, n, CKA_VALUE_LEN)) != NULL) {
		if (a->pValue == NULL || a->ulValueLen != sizeof(CK_ULONG))
			return CKR_ATTRIBUTE_VALUE_INVALID;
		memcpy(&k->value_len, a->pValue, sizeof(k->value_len));
		if (k->class != CKO_SECRET_KEY || k->value_len == 0 || k->value_len > POC_OBJECT_SECRET_MAX)
			return CKR_ATTRIBUTE_VALUE_INVALID;
	}
	if (k->class == CKO_SECRET_KEY && k->type != CKK_AES && k->type != CKK_GENERIC_SECRET)
		return CKR_TEMPLATE_INCONSISTENT;
	if (k->type == CKK_AES && k->value_len != 0 && k->value_len != 16 && k->value_len != 24 && k->value_len != 32)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	if (k->class == CKO_PRIVATE_KEY && k->type != CKK_EC && k->type != CKK_RSA && k->type != CKK_EC_EDWARDS)
		return CKR_TEMPLATE_INCONSISTENT;
	return CKR_OK;
}

/* The usages of a new private key: what key generation gives by default (EC, Edwards sign; RSA also decrypts). */
static void private_usages(const CK_ATTRIBUTE *t, CK_ULONG n, CK_KEY_TYPE type, uint64_t *f)
{
	if (p11_attr_bool(t, n, CKA_SIGN, 1))
		*f |= POC_OBJ_SIGN | POC_OBJ_VERIFY;
	if (p11_attr_bool(t, n, CKA_DECRYPT, type == CKK_RSA && !(*f & POC_OBJ_UNWRAP)))
		*f |= POC_OBJ_DECRYPT | POC_OBJ_ENCRYPT;
}

CK_RV p11_keymgmt_new_locked(struct p11_session *ss, const CK_ATTRIBUTE *t, CK_ULONG n, const struct p11_newkey *k,
			     uint64_t history, const uint8_t *secret, size_t len, CK_OBJECT_HANDLE_PTR out)
{
	struct poc_err e = { 0 };
	struct poc_object_header h;
	struct poc_key *key = NULL;
	char name[POC_STORE_NAME_MAX];
	CK_RV rv;

	memset(&h, 0, sizeof(h));
	h.class = k->class;
	h.key_type = k->type;
	if ((rv = p11_header_names(&h, t, n)) != CKR_OK)
		return rv;
	rv = k->class == CKO_SECRET_KEY ? p11_keymgmt_secret(ss->slot, t, n, &h)
					: p11_keymgmt_pair(ss->slot, NULL, 0, t, n, &h);
	if (rv != CKR_OK)
		return rv;
	if (k->class == CKO_PRIVATE_KEY)
		private_usages(t, n, k->type, &h.flags);
	h.flags |= history;
	/* The material must be a key of the template's type (a private key: its PKCS#8 names the algorithm). */
	if ((key = poc_key_from_secret(&e, k->type, secret, len)) == NULL)
		rv = k->class == CKO_PRIVATE_KEY ? CKR_WRAPPED_KEY_INVALID : CKR_KEY_SIZE_RANGE;
	else if (k->class == CKO_PRIVATE_KEY)
		rv = poc_key_spki(key, &h.spki, &h.spki_len);
	poc_key_free(key);
	/* A token object sealed under the token's policy (session objects: see docs/module.md). */
	if (rv == CKR_OK)
		rv = p11_seal_locked(ss, &h, secret, len, name);
	if (rv == CKR_OK)
		rv = p11_sealed_add_locked(ss->slot, name, out, NULL);
	free(h.spki);
	poc_object_templates_free(&h);
	return rv;
}

/* ---- CKA_WRAP_TEMPLATE, CKA_UNWRAP_TEMPLATE, CKA_DERIVE_TEMPLATE ---- */

/* One attribute of a template attribute's array: a known, plain attribute with a value of its shape. */
static int tmpl_entry_ok(const CK_ATTRIBUTE *a)
{
	const struct p11_attr_def *d = p11_attr_def_find(a->type);

	if (d == NULL || d->shape == P11_TEMPLATE || d->shape == P11_MECHS || a->pValue == NULL || a->ulValueLen == 0 ||
	    a->ulValueLen > POC_OBJECT_TEMPLATE_VALUE_MAX)
		return 0;
	if (d->shape == P11_BOOL)
		return a->ulValueLen == sizeof(CK_BBOOL);
	return d->shape != P11_ULONG || a->ulValueLen == sizeof(CK_ULONG);
}

static CK_RV tmpl_copy(const CK_ATTRIBUTE *a, struct poc_object_template *out)
{
	const CK_ATTRIBUTE *in = a->pValue;
	CK_ULONG n = a->ulValueLen / sizeof(CK_ATTRIBUTE);

	if (a->ulValueLen % sizeof(CK_ATTRIBUTE) != 0 || n > POC_OBJECT_TEMPLATE_ATTRS || (n > 0 && in == NULL))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	if (n == 0)
		return CKR_OK;
	if ((out->attrs = calloc(n, sizeof(*out->attrs))) == NULL)
		return CKR_HOST_MEMORY;
	for (CK_ULONG i = 0; i < n; i++) {
		if (!tmpl_entry_ok(&in[i]) || p11_attr_find(in, i, in[i].type) != NULL)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		if ((out->attrs[i].value = malloc(in[i].ulValueLen)) == NULL)
			return CKR_HOST_MEMORY;
		memcpy(out->attrs[i].value, in[i].pValue, in[i].ulValueLen);
		out->attrs[i].len = in[i].ulValueLen;
		out->attrs[i].type = in[i].type;
		out->n = i + 1;
	}
	return CKR_OK;
}

CK_RV p11_keymgmt_templates(const CK_ATTRIBUTE *t, CK_ULONG n, unsigned kinds, struct poc_object_header *h)
{
	static const CK_ATTRIBUTE_TYPE types[POC_TMPL_N] = { CKA_WRAP_TEMPLATE, CKA_UNWRAP_TEMPLATE, CKA_DERIVE_TEMPLATE };
	const CK_ATTRIBUTE *a;
	CK_RV rv;

	for (int k = 0; k < POC_TMPL_N; k++) {
		if (!(kinds & (1u << k)) || (a = p11_attr_find(t, n, types[k])) == NULL)
			continue;
		if ((rv = tmpl_copy(a, &h->tmpl[k])) != CKR_OK) {
			poc_object_templates_free(h);
			return rv;
		}
	}
	return CKR_OK;
}

CK_RV p11_keymgmt_wrap_template(const struct p11_slot *s, const struct p11_object *wo, const struct p11_object *ko)
{
	const struct poc_object_template *wt = &wo->sealed->h.tmpl[POC_TMPL_WRAP];

	for (size_t i = 0; i < wt->n; i++) {
		CK_ATTRIBUTE a = { wt->attrs[i].type, wt->attrs[i].value, (CK_ULONG)wt->attrs[i].len };
		struct p11_val v;
		CK_RV rv;
		int same;

		memset(&v, 0, sizeof(v));
		rv = p11_attr_get(s, ko, a.type, &v);
		same = rv == CKR_OK && p11_attr_same(&a, v.p, v.len);
		free(v.own);
		if (!same)
			return CKR_KEY_NOT_WRAPPABLE; /* the key lacks an attribute the wrapping key's template asks */
	}
	return CKR_OK;
}

CK_RV p11_keymgmt_merge(const struct poc_object_template *kt, const CK_ATTRIBUTE *t, CK_ULONG n, CK_ATTRIBUTE **mt,
			CK_ULONG *mn)
{
	*mt = NULL;
	*mn = 0;
	if (n > 1024 || (*mt = calloc(n + kt->n + 1, sizeof(**mt))) == NULL)
		return CKR_HOST_MEMORY;
	if (n > 0)
		memcpy(*mt, t, n * sizeof(*t));
	*mn = n;
	for (size_t i = 0; i < kt->n; i++) {
		CK_ATTRIBUTE ka = { kt->attrs[i].type, kt->attrs[i].value, (CK_ULONG)kt->attrs[i].len };
		const CK_ATTRIBUTE *ua = p11_attr_find(t, n, ka.type);

		if (ua == NULL) {
			(*mt)[(*mn)++] = ka; /* points into the key's header: used under the lock, before it can change */
			continue;
		}
		/* The template must agree with the key's own (PKCS#11 v3.0 4.8: CKA_UNWRAP_TEMPLATE, CKA_DERIVE_TEMPLATE). */
		const struct p11_attr_def *d = p11_attr_def_find(ka.type);

		if (d == NULL || ua->pValue == NULL || (d->shape == P11_BOOL && ua->ulValueLen != sizeof(CK_BBOOL)) ||
		    !p11_attr_same(ua, ka.pValue, ka.ulValueLen)) {
			free(*mt);
			*mt = NULL;
			*mn = 0;
			return CKR_TEMPLATE_INCONSISTENT;
		}
	}
	return CKR_OK;
}

CK_RV p11_keymgmt_secret(const struct p11_slot *s, const CK_ATTRIBUTE *t, CK_ULONG n, struct poc_object_header *h)
{
	CK_RV rv = p11_keymgmt_secret_flags(s, t, n, &h->flags);

	return rv != CKR_OK ? rv : p11_keymgmt_templates(t, n, 1u << POC_TMPL_WRAP | 1u << POC_TMPL_UNWRAP | 1u << POC_TMPL_DERIVE, h);
}

CK_RV p11_keymgmt_pair(const struct p11_slot *s, const CK_ATTRIBUTE *pub, CK_ULONG npub, const CK_ATTRIBUTE *priv,
		       CK_ULONG npriv, struct poc_object_header *h)
{
	CK_RV rv = p11_keymgmt_flags(s, priv, npriv, &h->flags);

	if (rv != CKR_OK)
		return rv;
	/* The pair wraps as one: the public half's CKA_WRAP and CKA_WRAP_TEMPLATE. */
	if (p11_attr_bool(pub, npub, CKA_WRAP, 0))
		h->flags |= POC_OBJ_WRAP;
	if ((rv = p11_keymgmt_templates(pub, npub, 1u << POC_TMPL_WRAP, h)) != CKR_OK)
		return rv;
	return p11_keymgmt_templates(priv, npriv, 1u << POC_TMPL_UNWRAP | 1u << POC_TMPL_DERIVE, h);
}
