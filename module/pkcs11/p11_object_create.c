/* SPDX-License-Identifier: Apache-2.0 */
/*
 * C_CreateObject: CKO_DATA, private keys (EC P-256/P-384, RSA 2048-4096,
 * Ed25519), public keys, AES keys and X.509 certificates. The key material
 * comes from crypto/p11_create.c; every other attribute of the template is
 * checked against the attribute table (p11_attr.h: its shape, whether the
 * token sets it, whether the class has it) and must say what the object will
 * report, so a template is honoured exactly or refused, never silently
 * changed (PKCS#11 v3.0 section 4.1). A token object (CKA_TOKEN true) is
 * sealed like a generated key (p11_seal_locked); without CKA_TOKEN, or false,
 * a session object (p11_object_new.c).
 */
#include "pkcs11/p11_attr.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/p11_create.h"

const CK_ATTRIBUTE *p11_attr_find(const CK_ATTRIBUTE *t, CK_ULONG n, CK_ATTRIBUTE_TYPE type)
{
	CK_ULONG i;

	for (i = 0; i < n; i++)
		if (t[i].type == type)
			return &t[i];
	return NULL;
}

int p11_attr_bool(const CK_ATTRIBUTE *t, CK_ULONG n, CK_ATTRIBUTE_TYPE type, int dflt)
{
	const CK_ATTRIBUTE *a = p11_attr_find(t, n, type);

	if (a == NULL || a->pValue == NULL || a->ulValueLen != sizeof(CK_BBOOL))
		return dflt;
	return *(const CK_BBOOL *)a->pValue != CK_FALSE;
}

/* Copies CKA_LABEL and CKA_ID of a template into h. */
CK_RV p11_header_names(struct poc_object_header *h, const CK_ATTRIBUTE *t, CK_ULONG n)
{
	const CK_ATTRIBUTE *a = p11_attr_find(t, n, CKA_LABEL);

	if (a != NULL && a->pValue != NULL) {
		if (a->ulValueLen > POC_OBJECT_LABEL_MAX || memchr(a->pValue, 0, a->ulValueLen) != NULL)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		memcpy(h->label, a->pValue, a->ulValueLen);
		h->label[a->ulValueLen] = '\0';
	}
	a = p11_attr_find(t, n, CKA_ID);
	if (a != NULL && a->pValue != NULL) {
		if (a->ulValueLen > 64)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		memcpy(h->id, a->pValue, a->ulValueLen);
		h->id_len = a->ulValueLen;
	}
	return CKR_OK;
}

/* ---- template checks, from the attribute table ---- */

/*
 * The shape of each value (CK_BBOOL and CK_ULONG attributes have their size,
 * no NULL value with a length): CKR_ATTRIBUTE_VALUE_INVALID. An attribute
 * given twice with two values: CKR_TEMPLATE_INCONSISTENT.
 */
CK_RV p11_template_shape(const CK_ATTRIBUTE *t, CK_ULONG n)
{
	for (CK_ULONG i = 0; i < n; i++) {
		const struct p11_attr_def *d = p11_attr_def_find(t[i].type);

		if ((t[i].pValue == NULL && t[i].ulValueLen != 0) ||
		    (d != NULL && d->shape == P11_BOOL && t[i].ulValueLen != sizeof(CK_BBOOL)) ||
		    (d != NULL && d->shape == P11_ULONG && t[i].ulValueLen != sizeof(CK_ULONG)))
			return CKR_ATTRIBUTE_VALUE_INVALID;
		for (CK_ULONG j = 0; j < i; j++)
			if (t[j].type == t[i].type && !p11_attr_same(&t[i], t[j].pValue, t[j].ulValueLen))
				return CKR_TEMPLATE_INCONSISTENT;
	}
	return CKR_OK;
}

/* Every attribute the class requires is in the template, or CKR_TEMPLATE_INCOMPLETE. */
CK_RV p11_template_complete(CK_OBJECT_CLASS c, const CK_ATTRIBUTE *t, CK_ULONG n)
{
	size_t nrows, i;
	const struct p11_attr_def *rows = p11_attr_table(&nrows);

	for (i = 0; i < nrows; i++)
		if ((rows[i].required & p11_attr_class_bit(c)) && p11_attr_find(t, n, rows[i].type) == NULL)
			return CKR_TEMPLATE_INCOMPLETE;
	return CKR_OK;
}

/*
 * Every attribute of the template that did not go into the key material must
 * be what the new object obj will report: the template is honoured exactly
 * or refused (CKR_TEMPLATE_INCONSISTENT for a value this token cannot give
 * the object, such as CKA_SENSITIVE false, CKA_EXTRACTABLE or CKA_MODIFIABLE
 * true: no key value ever leaves the module and objects are not modified).
 */
static int skipped(const CK_ATTRIBUTE_TYPE *skip, size_t nskip, CK_ATTRIBUTE_TYPE type)
{
	for (size_t i = 0; i < nskip; i++)
		if (skip[i] == type)
			return 1;
	return 0;
}

CK_RV p11_template_matches(const struct p11_slot *s, const struct p11_object *obj, const CK_ATTRIBUTE *t, CK_ULONG n,
			   const CK_ATTRIBUTE_TYPE *skip, size_t nskip)
{
	CK_OBJECT_CLASS c = obj->class;
	unsigned bit = p11_attr_class_bit(c);

	for (CK_ULONG i = 0; i < n; i++) {
		const CK_ATTRIBUTE *a = &t[i];
		const struct p11_attr_def *d = p11_attr_def_find(a->type);
		unsigned token_set = d != NULL ? d->token_set : 0, foreign = d != NULL ? d->foreign : 0;
		unsigned unkept = d != NULL ? d->unkept : 0;
		struct p11_val v;
		CK_RV r;
		int same;

		if (skipped(skip, nskip, a->type))
			continue;
		if (token_set & bit)
			return CKR_ATTRIBUTE_READ_ONLY;
		if (foreign & bit)
			return CKR_ATTRIBUTE_TYPE_INVALID;
		if (unkept & bit) {
			if (a->ulValueLen != 0)
				return CKR_TEMPLATE_INCONSISTENT;
			continue;
		}
		/*
		 * A token without a PIN has no login: its objects are public, and a
		 * request for a private key (pkcs11-tool always asks) is met as far
		 * as such a token can: every use still goes through the check.
		 */
		if (a->type == CKA_PRIVATE && !s->tok->meta.has_pin && c != CKO_CERTIFICATE && c != CKO_PUBLIC_KEY)
			continue;
		memset(&v, 0, sizeof(v));
		r = p11_attr_get(s, obj, a->type, &v);
		if (r == CKR_ATTRIBUTE_SENSITIVE || r == CKR_ATTRIBUTE_TYPE_INVALID) {
			free(v.own);
			return CKR_ATTRIBUTE_TYPE_INVALID; /* e.g. CKA_PRIME_1 of an EC key, CKA_MODULUS of a certificate */
		}
		if (r != CKR_OK) {
			free(v.own);
			return r;
		}
		same = p11_attr_same(a, v.p, v.len);
		free(v.own);
		if (!same) {
			p11_log(POC_LOG_DEBUG, "template: %s 0x%lx is not what the object will have",
				d != NULL ? d->name : "attribute", (unsigned long)a->type);
			return CKR_TEMPLATE_INCONSISTENT;
		}
	}
	return CKR_OK;
}

/* The key type (or certificate type) of a template: the ones this token takes. */
static CK_RV template_type(CK_OBJECT_CLASS c, const CK_ATTRIBUTE *t, CK_ULONG n, CK_KEY_TYPE *type)
{
	const CK_ATTRIBUTE *a = p11_attr_find(t, n, c == CKO_CERTIFICATE ? CKA_CERTIFICATE_TYPE : CKA_KEY_TYPE);
	CK_ULONG v;

	if (a == NULL)
		return CKR_TEMPLATE_INCOMPLETE; /* template_complete said it is there */
	memcpy(&v, a->pValue, sizeof(v)); /* template_shape checked the size */
	*type = v;
	if (c == CKO_CERTIFICATE) {
		*type = 0;
		return v == CKC_X_509 ? CKR_OK : CKR_ATTRIBUTE_VALUE_INVALID;
	}
	if (c == CKO_SECRET_KEY)
		return v == CKK_AES ? CKR_OK : CKR_ATTRIBUTE_VALUE_INVALID;
	return v == CKK_EC || v == CKK_RSA || v == CKK_EC_EDWARDS ? CKR_OK : CKR_ATTRIBUTE_VALUE_INVALID;
}

/*
 * A key or certificate from a template: its material (crypto/p11_create.c),
 * then p11_object_new_locked (a session object, or sealed: every object file
 * holds a TPM object sealed with the token's PIN, so on a token with a PIN
 * even a public token object is created only after C_Login).
 */
static CK_RV create_key_locked(struct p11_session *ss, CK_OBJECT_CLASS c, const CK_ATTRIBUTE *t, CK_ULONG n,
			       CK_OBJECT_HANDLE_PTR out)
{
	struct p11_slot *s = ss->slot;
	struct poc_object_header h;
	struct p11_material m;
	struct p11_new nw;
	CK_KEY_TYPE type = 0;
	CK_RV rv = p11_objects_load_locked(s);

	memset(&m, 0, sizeof(m));
	memset(&h, 0, sizeof(h));
	if (rv != CKR_OK)
		return rv;
	if ((rv = p11_template_shape(t, n)) != CKR_OK || (rv = p11_template_complete(c, t, n)) != CKR_OK ||
	    (rv = template_type(c, t, n, &type)) != CKR_OK || (rv = p11_header_names(&h, t, n)) != CKR_OK)
		return rv;
	/* The store names an object by its CKA_ID or CKA_LABEL. */
	if (p11_attr_bool(t, n, CKA_TOKEN, 0) && h.id_len == 0 && h.label[0] == '\0')
		return CKR_TEMPLATE_INCOMPLETE;
	if ((rv = p11_material_make(c, type, t, n, &m)) != CKR_OK)
		goto done;
	memset(&nw, 0, sizeof(nw));
	nw.cls = c;
	nw.type = type;
	nw.secret = m.secret;
	nw.secret_len = m.secret_len;
	nw.spki = m.spki;
	nw.spki_len = m.spki_len;
	nw.cert = m.cert;
	nw.cert_len = m.cert_len;
	nw.used = m.used;
	nw.nused = m.nused;
	rv = p11_object_new_locked(ss, t, n, &nw, out, NULL);
done:
	if (rv != CKR_OK)
		p11_log(POC_LOG_DEBUG, "token %s: C_CreateObject of class %lu, type %lu: %s", s->label, (unsigned long)c,
			(unsigned long)type, p11_rv_str(rv));
	p11_material_clear(&m);
	return rv;
}

/* CKO_DATA: CKA_VALUE (a sealed secret for a token object) with CKA_LABEL and, in memory, CKA_APPLICATION. */
static CK_RV create_data_locked(struct p11_session *ss, const CK_ATTRIBUTE *t, CK_ULONG n, CK_OBJECT_HANDLE_PTR out)
{
	static const CK_ATTRIBUTE_TYPE used[] = { CKA_VALUE };
	struct poc_object_header h;
	const CK_ATTRIBUTE *val = p11_attr_find(t, n, CKA_VALUE);
	char name[POC_STORE_NAME_MAX];
	struct p11_new nw;
	CK_RV rv;

	if ((rv = p11_template_shape(t, n)) != CKR_OK)
		return rv;
	if (p11_template_complete(CKO_DATA, t, n) != CKR_OK || val == NULL || val->pValue == NULL || val->ulValueLen == 0 || val->ulValueLen > POC_OBJECT_SECRET_MAX)
		return CKR_TEMPLATE_INCOMPLETE;
	if (!p11_attr_bool(t, n, CKA_TOKEN, 0)) {
		memset(&nw, 0, sizeof(nw));
		nw.cls = CKO_DATA;
		nw.secret = val->pValue;
		nw.secret_len = val->ulValueLen;
		nw.used = used;
		nw.nused = 1;
		return p11_object_new_locked(ss, t, n, &nw, out, NULL);
	}
	memset(&h, 0, sizeof(h));
	h.class = CKO_DATA;
	rv = p11_header_names(&h, t, n);
	if (rv != CKR_OK)
		return rv;
	rv = p11_seal_locked(ss, &h, val->pValue, val->ulValueLen, name);
	if (rv != CKR_OK)
		return rv;
	return p11_sealed_add_locked(ss->slot, name, out, NULL);
}

CK_RV p11_create_object_locked(struct p11_session *ss, CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR out)
{
	const CK_ATTRIBUTE *c = p11_attr_find(t, n, CKA_CLASS);
	CK_OBJECT_CLASS class;

	*out = CK_INVALID_HANDLE;
	if (c == NULL)
		return CKR_TEMPLATE_INCOMPLETE;
	if (c->pValue == NULL || c->ulValueLen != sizeof(class))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	memcpy(&class, c->pValue, sizeof(class));
	switch (class) {
	case CKO_DATA:
		return create_data_locked(ss, t, n, out);
	case CKO_CERTIFICATE:
	case CKO_PUBLIC_KEY:
	case CKO_PRIVATE_KEY:
	case CKO_SECRET_KEY:
		return create_key_locked(ss, class, t, n, out);
	default:
		return CKR_ATTRIBUTE_VALUE_INVALID; /* hardware features, domain parameters, mechanisms, profiles */
	}
}

