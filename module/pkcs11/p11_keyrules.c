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

/* The SO's login (p11_session.c): only the SO makes a key CKA_TRUSTED. */
static int so_logged_in(const struct p11_slot *s)
{
	return s != NULL && s->so_logged_in;
}

CK_RV p11_keymgmt_new_check(const struct p11_slot *s, const CK_ATTRIBUTE *t, CK_ULONG n, uint64_t history)
{
	/* PKCS#11 v3.0 4.4: only the SO sets CKA_TRUSTED; for anyone else the attribute is read-only. */
	if (p11_attr_bool(t, n, CKA_TRUSTED, 0) && !so_logged_in(s) && !(history & POC_OBJ_TRUSTED))
		return CKR_ATTRIBUTE_READ_ONLY;
	/* A copy of a key that wrapped, and never encrypted or decrypted, does not come to with the same value. */
	if ((history & POC_OBJ_WAS_WRAPPER) && !(history & POC_OBJ_WAS_ED) &&
	    (p11_attr_bool(t, n, CKA_ENCRYPT, 0) || p11_attr_bool(t, n, CKA_DECRYPT, 0)))
		return CKR_TEMPLATE_INCONSISTENT;
	return CKR_OK;
}

uint64_t p11_keymgmt_usage_history(uint64_t f)
{
	uint64_t h = 0;

	if (f & (POC_OBJ_ENCRYPT | POC_OBJ_DECRYPT))
		h |= POC_OBJ_WAS_ED;
	if (f & (POC_OBJ_WRAP | POC_OBJ_UNWRAP))
		h |= POC_OBJ_WAS_WRAPPER;
	return h;
}

int p11_keymgmt_usage_may(uint64_t f, uint64_t bit)
{
	if (bit != POC_OBJ_ENCRYPT && bit != POC_OBJ_DECRYPT)
		return 1;
	return !(f & (POC_OBJ_WRAP | POC_OBJ_UNWRAP | POC_OBJ_WAS_WRAPPER));
}

int p11_keymgmt_guarded(CK_OBJECT_CLASS cls, uint64_t f)
{
	if (f & POC_OBJ_TRUSTED)
		return 1;
	/* A public key is anyone's to encrypt to, and says nothing of what its private half decrypts. */
	if (cls != CKO_SECRET_KEY)
		return 0;
	/* Made here, never known outside (always sensitive, never extractable) ... */
	if (!(f & POC_OBJ_LOCAL) || (f & (POC_OBJ_IMPORTED | POC_OBJ_WAS_PLAIN | POC_OBJ_WAS_EXTRACTABLE | POC_OBJ_EXTRACTABLE)) ||
	    !(f & POC_OBJ_SENSITIVE))
		return 0;
	/* ... and it never decrypted what it wraps nor encrypted what it unwraps (nor did a copy of it). */
	return !(f & (POC_OBJ_DECRYPT | POC_OBJ_ENCRYPT | POC_OBJ_WAS_ED));
}

uint64_t p11_keymgmt_history(uint64_t base)
{
	uint64_t f = 0;

	/* PKCS#11 v3.0 4.9: a derived key is always sensitive (never extractable) only if its base key was. */
	if (base & (POC_OBJ_IMPORTED | POC_OBJ_WAS_PLAIN) || !(base & POC_OBJ_SENSITIVE))
		f |= POC_OBJ_WAS_PLAIN;
	if (base & (POC_OBJ_IMPORTED | POC_OBJ_WAS_EXTRACTABLE | POC_OBJ_EXTRACTABLE))
		f |= POC_OBJ_WAS_EXTRACTABLE;
	return f;
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

CK_RV p11_keymgmt_new_locked(struct p11_session *ss, const CK_ATTRIBUTE *t, CK_ULONG n, const struct p11_newkey *k,
			     int derived, uint64_t history, const uint8_t *secret, size_t len, CK_OBJECT_HANDLE_PTR out)
{
	static const CK_ATTRIBUTE_TYPE used[] = { CKA_VALUE_LEN };
	struct poc_err e = { 0 };
	struct p11_new nw;
	struct poc_key *key;
	uint8_t *spki = NULL;
	size_t spki_len = 0;
	CK_RV rv = CKR_OK;

	/* The material must be a key of the template's type (a private key: its PKCS#8 names the algorithm). */
	if ((key = poc_key_from_secret(&e, k->type, secret, len)) == NULL)
		return k->class == CKO_PRIVATE_KEY ? CKR_WRAPPED_KEY_INVALID : CKR_KEY_SIZE_RANGE;
	if (k->class == CKO_PRIVATE_KEY)
		rv = poc_key_spki(key, &spki, &spki_len);
	poc_key_free(key);
	if (rv != CKR_OK)
		return rv;
	memset(&nw, 0, sizeof(nw));
	nw.cls = k->class;
	nw.type = k->type;
	nw.secret = secret;
	nw.secret_len = len;
	nw.spki = spki;
	nw.spki_len = spki_len;
	nw.used = used;
	nw.nused = 1;
	nw.gen_mech = CK_UNAVAILABLE_INFORMATION;
	nw.derived = derived;
	nw.history = history | POC_OBJ_FROM_KEY; /* its CKA_VALUE is never read (p11_attr.c get_value) */
	rv = p11_object_new_locked(ss, t, n, &nw, out, NULL);
	free(spki);
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

static const CK_ATTRIBUTE_TYPE tmpl_types[POC_TMPL_N] = { CKA_WRAP_TEMPLATE, CKA_UNWRAP_TEMPLATE,
							   CKA_DERIVE_TEMPLATE };

/* The templates an object of class keeps: a secret key all three, a private key unwrap and derive, a public key wrap. */
static unsigned tmpl_kinds(CK_OBJECT_CLASS cls)
{
	switch (cls) {
	case CKO_SECRET_KEY: return 1u << POC_TMPL_WRAP | 1u << POC_TMPL_UNWRAP | 1u << POC_TMPL_DERIVE;
	case CKO_PRIVATE_KEY: return 1u << POC_TMPL_UNWRAP | 1u << POC_TMPL_DERIVE;
	case CKO_PUBLIC_KEY: return 1u << POC_TMPL_WRAP;
	default: return 0;
	}
}

CK_RV p11_keymgmt_templates_take(const CK_ATTRIBUTE *t, CK_ULONG n, CK_OBJECT_CLASS cls, struct poc_object_header *h,
				 CK_ATTRIBUTE **rest, CK_ULONG *nrest)
{
	unsigned kinds = tmpl_kinds(cls);
	CK_RV rv = CKR_OK;

	*nrest = 0;
	if ((*rest = calloc(n + 1, sizeof(**rest))) == NULL)
		return CKR_HOST_MEMORY;
	for (CK_ULONG i = 0; i < n && rv == CKR_OK; i++) {
		int k = 0;

		while (k < POC_TMPL_N && (!(kinds & (1u << k)) || t[i].type != tmpl_types[k]))
			k++;
		if (k == POC_TMPL_N)
			(*rest)[(*nrest)++] = t[i]; /* an attribute of the object: its own checks */
		else if (h->tmpl[k].n > 0)
			rv = CKR_TEMPLATE_INCONSISTENT; /* given twice */
		else
			rv = tmpl_copy(&t[i], &h->tmpl[k]);
	}
	if (rv != CKR_OK) {
		poc_object_templates_free(h);
		free(*rest);
		*rest = NULL;
		*nrest = 0;
	}
	return rv;
}

CK_RV p11_keymgmt_templates_dup(struct poc_object_header *dst, const struct poc_object_header *src)
{
	for (int k = 0; k < POC_TMPL_N; k++) {
		const struct poc_object_template *st = &src->tmpl[k];
		struct poc_object_template *dt = &dst->tmpl[k];

		if (st->n == 0)
			continue;
		if ((dt->attrs = calloc(st->n, sizeof(*dt->attrs))) == NULL)
			return CKR_HOST_MEMORY;
		for (size_t i = 0; i < st->n; i++) {
			if ((dt->attrs[i].value = malloc(st->attrs[i].len)) == NULL)
				return CKR_HOST_MEMORY; /* the caller frees dst with what it holds */
			memcpy(dt->attrs[i].value, st->attrs[i].value, st->attrs[i].len);
			dt->attrs[i].len = st->attrs[i].len;
			dt->attrs[i].type = st->attrs[i].type;
			dt->n = i + 1;
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

