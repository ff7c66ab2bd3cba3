/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Objects: the views of a token's sealed objects, loaded from the object
 * headers on first use (no TPM access). A private key gives a private-key
 * object, a public-key object (from its SubjectPublicKeyInfo) and, when the
 * header holds one, a certificate object. Attributes with the exact
 * C_GetAttributeValue semantics; search; C_CreateObject and C_DestroyObject.
 *
 * C_CreateObject takes CKO_DATA, private keys (EC P-256/P-384, RSA 2048-4096,
 * Ed25519), public keys, AES keys and X.509 certificates. The key material
 * comes from p11_create.c; every other attribute of the template must say
 * what the object will report (attr_value), so a template is honoured
 * exactly or refused, never silently changed (PKCS#11 v3.0 section 4.1).
 * The object is sealed like a generated key (p11_seal_locked).
 */
#include "pkcs11/p11_int.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "crypto/p11_create.h"

#ifndef CKA_UNIQUE_ID
#define CKA_UNIQUE_ID 0x4UL /* PKCS#11 v3.0; set by the token */
#endif

/* One attribute value: points at existing bytes, at small, or at own (freed by the caller). */
struct val {
	const uint8_t *p;
	CK_ULONG len;
	uint8_t *own;
	uint8_t small[sizeof(CK_ULONG)];
};

static void val_bool(struct val *v, int b)
{
	v->small[0] = b ? CK_TRUE : CK_FALSE;
	v->p = v->small;
	v->len = sizeof(CK_BBOOL);
}

static void val_ulong(struct val *v, CK_ULONG u)
{
	memcpy(v->small, &u, sizeof(u));
	v->p = v->small;
	v->len = sizeof(CK_ULONG);
}

static void val_bytes(struct val *v, const void *p, size_t len)
{
	v->p = p;
	v->len = (CK_ULONG)len;
}

static void sealed_free(struct p11_sealed *o)
{
	if (o == NULL)
		return;
	p11_release_wipe(o);
	poc_key_free(o->pub);
	poc_object_header_free(&o->h);
	free(o->record);
	free(o);
}

void p11_objects_free(struct p11_slot *s)
{
	size_t i;

	for (i = 0; i < s->nsealed; i++)
		sealed_free(s->sealed[i]);
	free(s->sealed);
	free(s->objs);
	s->sealed = NULL;
	s->objs = NULL;
	s->nsealed = s->nobjs = s->capobjs = 0;
	s->loaded = 0;
}

static CK_RV obj_add(struct p11_slot *s, struct p11_sealed *o, CK_OBJECT_CLASS class, CK_OBJECT_HANDLE *h)
{
	if (s->nobjs == s->capobjs) {
		size_t cap = s->capobjs ? 2 * s->capobjs : 16;
		struct p11_object *n = realloc(s->objs, cap * sizeof(*n));

		if (n == NULL)
			return CKR_HOST_MEMORY;
		s->objs = n;
		s->capobjs = cap;
	}
	s->objs[s->nobjs].handle = p11_ctx.next_object++;
	s->objs[s->nobjs].class = class;
	s->objs[s->nobjs].sealed = o;
	if (h != NULL)
		*h = s->objs[s->nobjs].handle;
	s->nobjs++;
	return CKR_OK;
}

CK_RV p11_sealed_add_locked(struct p11_slot *s, const char *name, CK_OBJECT_HANDLE *first, CK_OBJECT_HANDLE *second)
{
	struct poc_err e = { 0 };
	struct p11_sealed *o, **ns;
	uint8_t *buf = NULL;
	size_t len = 0;
	CK_RV rv = CKR_OK;

	if (first != NULL)
		*first = CK_INVALID_HANDLE;
	if (second != NULL)
		*second = CK_INVALID_HANDLE;
	o = calloc(1, sizeof(*o));
	if (o == NULL)
		return CKR_HOST_MEMORY;
	snprintf(o->name, sizeof(o->name), "%s", name);
	if (poc_store_get(&e, s->tok->store, name, &buf, &len) < 0 ||
	    poc_object_parse(&e, buf, len, &o->h, NULL, NULL) < 0) {
		p11_log(POC_LOG_WARN, "token %s: object %s skipped: %s", s->label, name, e.msg);
		free(buf);
		sealed_free(o);
		return CKR_OK; /* an unreadable file hides one object, not the token */
	}
	EVP_Digest(buf, len, o->file_sha256, NULL, EVP_sha256(), NULL);
	free(buf);
	if (o->h.spki != NULL) {
		o->pub = poc_key_from_spki(&e, o->h.spki, o->h.spki_len);
		if (o->pub == NULL)
			p11_log(POC_LOG_WARN, "token %s: object %s: public key: %s", s->label, name, e.msg);
	}
	ns = realloc(s->sealed, (s->nsealed + 1) * sizeof(*ns));
	if (ns == NULL) {
		sealed_free(o);
		return CKR_HOST_MEMORY;
	}
	s->sealed = ns;
	s->sealed[s->nsealed++] = o;
	rv = obj_add(s, o, o->h.class, first);
	if (rv == CKR_OK && o->h.class == CKO_PRIVATE_KEY && o->pub != NULL)
		rv = obj_add(s, o, CKO_PUBLIC_KEY, second);
	if (rv == CKR_OK && o->h.class != CKO_CERTIFICATE && o->h.cert != NULL)
		rv = obj_add(s, o, CKO_CERTIFICATE, NULL);
	return rv;
}

CK_RV p11_objects_load_locked(struct p11_slot *s)
{
	struct poc_err e = { 0 };
	char **names = NULL;
	size_t n = 0, i;
	CK_RV rv = p11_slot_open_locked(s);

	if (rv != CKR_OK || s->loaded)
		return rv;
	if (poc_store_list(&e, s->tok->store, ".obj", &names, &n) < 0) {
		p11_log(POC_LOG_ERROR, "token %s: %s", s->label, e.msg);
		return CKR_DEVICE_ERROR;
	}
	for (i = 0; i < n && rv == CKR_OK; i++)
		rv = p11_sealed_add_locked(s, names[i], NULL, NULL);
	poc_store_list_free(names, n);
	s->loaded = rv == CKR_OK;
	return rv;
}

static int is_private(const struct p11_slot *s, const struct p11_object *o)
{
	return s->tok->meta.has_pin &&
	       (o->class == CKO_PRIVATE_KEY || o->class == CKO_SECRET_KEY || o->class == CKO_DATA);
}

int p11_object_visible(const struct p11_slot *s, const struct p11_object *o)
{
	return !o->sealed->gone && (s->logged_in || !is_private(s, o));
}

CK_RV p11_object_get_locked(struct p11_session *ss, CK_OBJECT_HANDLE h, struct p11_object **out)
{
	struct p11_slot *s = ss->slot;
	CK_RV rv = p11_objects_load_locked(s);
	size_t i;

	if (rv != CKR_OK)
		return rv;
	for (i = 0; i < s->nobjs; i++) {
		if (s->objs[i].handle == h && p11_object_visible(s, &s->objs[i])) {
			*out = &s->objs[i];
			return CKR_OK;
		}
	}
	return CKR_OBJECT_HANDLE_INVALID;
}

/* DER of the certificate's subject, issuer or serial number (malloc'ed). */
static CK_RV cert_field(const struct p11_sealed *o, CK_ATTRIBUTE_TYPE type, struct val *v)
{
	const uint8_t *p = o->h.cert;
	X509 *x;
	uint8_t *der = NULL;
	int n = -1;

	if (o->h.cert == NULL) {
		val_bytes(v, "", 0);
		return CKR_OK;
	}
	x = d2i_X509(NULL, &p, (long)o->h.cert_len);
	if (x == NULL)
		return CKR_GENERAL_ERROR;
	if (type == CKA_SUBJECT)
		n = i2d_X509_NAME(X509_get_subject_name(x), &der);
	else if (type == CKA_ISSUER)
		n = i2d_X509_NAME(X509_get_issuer_name(x), &der);
	else
		n = i2d_ASN1_INTEGER(X509_get_serialNumber(x), &der);
	X509_free(x);
	ERR_clear_error();
	if (n < 0)
		return CKR_GENERAL_ERROR;
	v->own = malloc((size_t)n);
	if (v->own == NULL) {
		OPENSSL_free(der);
		return CKR_HOST_MEMORY;
	}
	memcpy(v->own, der, (size_t)n);
	OPENSSL_free(der);
	val_bytes(v, v->own, (size_t)n);
	return CKR_OK;
}

/* CKA_CHECK_VALUE of a certificate: the first 3 bytes of the SHA-1 of its DER. */
static CK_RV cert_check_value(const struct p11_sealed *o, struct val *v)
{
	uint8_t md[EVP_MAX_MD_SIZE];

	if (o->h.cert == NULL)
		return CKR_ATTRIBUTE_TYPE_INVALID;
	if (EVP_Digest(o->h.cert, o->h.cert_len, md, NULL, EVP_sha1(), NULL) != 1)
		return CKR_GENERAL_ERROR;
	memcpy(v->small, md, 3);
	v->p = v->small;
	v->len = 3;
	return CKR_OK;
}

static CK_RV key_attr(const struct poc_key *k, CK_ATTRIBUTE_TYPE type, struct val *v)
{
	CK_ULONG len = 0;
	CK_RV rv;

	if (k == NULL)
		return CKR_ATTRIBUTE_TYPE_INVALID;
	rv = poc_key_attr(k, type, NULL, &len);
	if (rv != CKR_OK)
		return rv;
	v->own = malloc(len ? len : 1);
	if (v->own == NULL)
		return CKR_HOST_MEMORY;
	rv = poc_key_attr(k, type, v->own, &len);
	val_bytes(v, v->own, len);
	return rv;
}

/* The value of one attribute of o, or CKR_ATTRIBUTE_TYPE_INVALID / CKR_ATTRIBUTE_SENSITIVE. */
static CK_RV attr_value(const struct p11_slot *s, const struct p11_object *obj, CK_ATTRIBUTE_TYPE type, struct val *v)
{
	const struct p11_sealed *o = obj->sealed;
	const struct poc_object_header *h = &o->h;
	CK_OBJECT_CLASS c = obj->class;
	int key = c == CKO_PRIVATE_KEY || c == CKO_PUBLIC_KEY || c == CKO_SECRET_KEY;
	int secret = c == CKO_PRIVATE_KEY || c == CKO_SECRET_KEY;

	switch (type) {
	case CKA_CLASS: val_ulong(v, c); return CKR_OK;
	case CKA_TOKEN: val_bool(v, 1); return CKR_OK;
	case CKA_PRIVATE: val_bool(v, is_private(s, obj)); return CKR_OK;
	case CKA_MODIFIABLE: val_bool(v, 0); return CKR_OK;
	case CKA_COPYABLE: val_bool(v, 0); return CKR_OK;
	case CKA_DESTROYABLE: val_bool(v, 1); return CKR_OK;
	case CKA_LABEL: val_bytes(v, h->label, strlen(h->label)); return CKR_OK;
	case CKA_POC_ATTESTATION_RECORD:
		if (o->record == NULL)
			return CKR_ATTRIBUTE_TYPE_INVALID;
		val_bytes(v, o->record, o->record_len);
		return CKR_OK;
	default: break;
	}
	if (c == CKO_DATA) {
		switch (type) {
		case CKA_APPLICATION: val_bytes(v, "", 0); return CKR_OK;
		case CKA_OBJECT_ID: val_bytes(v, "", 0); return CKR_OK;
		case CKA_VALUE:
			if (o->data == NULL || !s->logged_in)
				return CKR_ATTRIBUTE_SENSITIVE;
			val_bytes(v, o->data, o->data_len);
			return CKR_OK;
		default: return CKR_ATTRIBUTE_TYPE_INVALID;
		}
	}
	if (c == CKO_CERTIFICATE) {
		switch (type) {
		case CKA_CERTIFICATE_TYPE: val_ulong(v, CKC_X_509); return CKR_OK;
		case CKA_CERTIFICATE_CATEGORY: val_ulong(v, 0); return CKR_OK;
		case CKA_TRUSTED: val_bool(v, 0); return CKR_OK;
		case CKA_ID: val_bytes(v, h->id, h->id_len); return CKR_OK;
		case CKA_VALUE: val_bytes(v, h->cert, h->cert_len); return CKR_OK;
		case CKA_SUBJECT:
		case CKA_ISSUER:
		case CKA_SERIAL_NUMBER: return cert_field(o, type, v);
		case CKA_CHECK_VALUE: return cert_check_value(o, v);
		default: return CKR_ATTRIBUTE_TYPE_INVALID;
		}
	}
	if (!key)
		return CKR_ATTRIBUTE_TYPE_INVALID;
	switch (type) {
	case CKA_KEY_TYPE: val_ulong(v, h->key_type); return CKR_OK;
	case CKA_ID: val_bytes(v, h->id, h->id_len); return CKR_OK;
	case CKA_START_DATE:
	case CKA_END_DATE: val_bytes(v, "", 0); return CKR_OK;
	case CKA_DERIVE: val_bool(v, 0); return CKR_OK;
	case CKA_LOCAL: val_bool(v, 0); return CKR_OK;
	case CKA_KEY_GEN_MECHANISM: val_ulong(v, CK_UNAVAILABLE_INFORMATION); return CKR_OK;
	case CKA_SIGN: val_bool(v, secret && (h->flags & POC_OBJ_SIGN)); return CKR_OK;
	case CKA_DECRYPT: val_bool(v, secret && (h->flags & POC_OBJ_DECRYPT)); return CKR_OK;
	case CKA_VERIFY:
		val_bool(v, c != CKO_PRIVATE_KEY && (h->flags & (POC_OBJ_VERIFY | (c == CKO_PUBLIC_KEY ? POC_OBJ_SIGN : 0))));
		return CKR_OK;
	case CKA_ENCRYPT:
		val_bool(v, c != CKO_PRIVATE_KEY && (h->flags & (POC_OBJ_ENCRYPT | (c == CKO_PUBLIC_KEY ? POC_OBJ_DECRYPT : 0))));
		return CKR_OK;
	case CKA_SIGN_RECOVER:
	case CKA_VERIFY_RECOVER:
	case CKA_WRAP:
	case CKA_UNWRAP:
	case CKA_WRAP_WITH_TRUSTED:
	case CKA_TRUSTED: val_bool(v, 0); return CKR_OK;
	case CKA_SENSITIVE:
	case CKA_ALWAYS_SENSITIVE:
	case CKA_NEVER_EXTRACTABLE:
		if (!secret)
			return CKR_ATTRIBUTE_TYPE_INVALID;
		/* No key value ever leaves the module; one made from outside bytes (C_CreateObject) was not always inside. */
		val_bool(v, type == CKA_SENSITIVE || !(h->flags & POC_OBJ_IMPORTED));
		return CKR_OK;
	case CKA_EXTRACTABLE:
	case CKA_ALWAYS_AUTHENTICATE:
		if (!secret)
			return CKR_ATTRIBUTE_TYPE_INVALID;
		val_bool(v, 0);
		return CKR_OK;
	case CKA_SUBJECT:
		if (c == CKO_SECRET_KEY)
			return CKR_ATTRIBUTE_TYPE_INVALID;
		return cert_field(o, CKA_SUBJECT, v);
	case CKA_PUBLIC_KEY_INFO:
		if (h->spki == NULL)
			return CKR_ATTRIBUTE_TYPE_INVALID;
		val_bytes(v, h->spki, h->spki_len);
		return CKR_OK;
	case CKA_VALUE:
	case CKA_PRIVATE_EXPONENT:
	case CKA_PRIME_1:
	case CKA_PRIME_2:
	case CKA_EXPONENT_1:
	case CKA_EXPONENT_2:
	case CKA_COEFFICIENT:
		if (secret)
			return CKR_ATTRIBUTE_SENSITIVE;
		return CKR_ATTRIBUTE_TYPE_INVALID;
	case CKA_VALUE_LEN:
		if (c != CKO_SECRET_KEY)
			return CKR_ATTRIBUTE_TYPE_INVALID;
		return key_attr(o->key, type, v);
	case CKA_EC_PARAMS:
	case CKA_EC_POINT:
	case CKA_MODULUS:
	case CKA_MODULUS_BITS:
	case CKA_PUBLIC_EXPONENT: return key_attr(o->pub, type, v);
	default: return CKR_ATTRIBUTE_TYPE_INVALID;
	}
}

CK_RV p11_object_attrs_locked(struct p11_session *ss, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_PTR t, CK_ULONG n)
{
	struct p11_object *o;
	CK_RV rv = p11_object_get_locked(ss, h, &o), r;
	CK_ULONG i;

	if (rv != CKR_OK)
		return rv;
	for (i = 0; i < n; i++) {
		struct val v;

		memset(&v, 0, sizeof(v));
		r = attr_value(ss->slot, o, t[i].type, &v);
		if (r == CKR_OK) {
			if (t[i].pValue == NULL) {
				t[i].ulValueLen = v.len;
			} else if (t[i].ulValueLen < v.len) {
				t[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
				rv = CKR_BUFFER_TOO_SMALL;
			} else {
				if (v.len)
					memcpy(t[i].pValue, v.p, v.len);
				t[i].ulValueLen = v.len;
			}
		} else if (r == CKR_ATTRIBUTE_SENSITIVE || r == CKR_ATTRIBUTE_TYPE_INVALID) {
			t[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
			rv = r;
		} else {
			free(v.own);
			return r;
		}
		free(v.own);
	}
	return rv;
}

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

static int matches(const struct p11_slot *s, const struct p11_object *o, const CK_ATTRIBUTE *t, CK_ULONG n)
{
	CK_ULONG i;
	int ok = 1;

	for (i = 0; i < n && ok; i++) {
		struct val v;

		memset(&v, 0, sizeof(v));
		ok = attr_value(s, o, t[i].type, &v) == CKR_OK && v.len == t[i].ulValueLen &&
		     (v.len == 0 || (t[i].pValue != NULL && memcmp(v.p, t[i].pValue, v.len) == 0));
		free(v.own);
	}
	return ok;
}

CK_RV p11_find_init_locked(struct p11_session *ss, CK_ATTRIBUTE_PTR t, CK_ULONG n)
{
	struct p11_slot *s = ss->slot;
	size_t i;
	CK_RV rv;

	if (ss->finding)
		return CKR_OPERATION_ACTIVE;
	rv = p11_objects_load_locked(s);
	if (rv != CKR_OK)
		return rv;
	free(ss->found);
	ss->found = calloc(s->nobjs + 1, sizeof(*ss->found));
	if (ss->found == NULL)
		return CKR_HOST_MEMORY;
	ss->nfound = ss->foundpos = 0;
	for (i = 0; i < s->nobjs; i++)
		if (p11_object_visible(s, &s->objs[i]) && matches(s, &s->objs[i], t, n))
			ss->found[ss->nfound++] = s->objs[i].handle;
	ss->finding = 1;
	return CKR_OK;
}

CK_RV p11_find_locked(struct p11_session *ss, CK_OBJECT_HANDLE_PTR out, CK_ULONG max, CK_ULONG_PTR count)
{
	CK_ULONG k = 0;

	if (!ss->finding)
		return CKR_OPERATION_NOT_INITIALIZED;
	while (k < max && ss->foundpos < ss->nfound)
		out[k++] = ss->found[ss->foundpos++];
	*count = k;
	return CKR_OK;
}

CK_RV p11_find_final_locked(struct p11_session *ss)
{
	if (!ss->finding)
		return CKR_OPERATION_NOT_INITIALIZED;
	free(ss->found);
	ss->found = NULL;
	ss->nfound = ss->foundpos = 0;
	ss->finding = 0;
	return CKR_OK;
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

/* ---- C_CreateObject ---- */

static int attr_is_bool(CK_ATTRIBUTE_TYPE type)
{
	switch (type) {
	case CKA_TOKEN: case CKA_PRIVATE: case CKA_MODIFIABLE: case CKA_COPYABLE: case CKA_DESTROYABLE:
	case CKA_TRUSTED: case CKA_SENSITIVE: case CKA_ENCRYPT: case CKA_DECRYPT: case CKA_WRAP: case CKA_UNWRAP:
	case CKA_SIGN: case CKA_SIGN_RECOVER: case CKA_VERIFY: case CKA_VERIFY_RECOVER: case CKA_DERIVE:
	case CKA_EXTRACTABLE: case CKA_LOCAL: case CKA_NEVER_EXTRACTABLE: case CKA_ALWAYS_SENSITIVE:
	case CKA_WRAP_WITH_TRUSTED: case CKA_ALWAYS_AUTHENTICATE:
		return 1;
	default:
		return 0;
	}
}

static int attr_is_ulong(CK_ATTRIBUTE_TYPE type)
{
	switch (type) {
	case CKA_CLASS: case CKA_KEY_TYPE: case CKA_CERTIFICATE_TYPE: case CKA_CERTIFICATE_CATEGORY:
	case CKA_MODULUS_BITS: case CKA_VALUE_LEN: case CKA_KEY_GEN_MECHANISM: case CKA_JAVA_MIDP_SECURITY_DOMAIN:
	case CKA_NAME_HASH_ALGORITHM:
		return 1;
	default:
		return 0;
	}
}

static int same_value(const CK_ATTRIBUTE *a, const void *p, CK_ULONG len)
{
	if (attr_is_bool(a->type))
		return len == sizeof(CK_BBOOL) && (*(const CK_BBOOL *)a->pValue != CK_FALSE) == (*(const CK_BBOOL *)p != CK_FALSE);
	return a->ulValueLen == len && (len == 0 || memcmp(a->pValue, p, len) == 0);
}

/*
 * The shape of each value (CK_BBOOL and CK_ULONG attributes have their size,
 * no NULL value with a length): CKR_ATTRIBUTE_VALUE_INVALID. An attribute
 * given twice with two values: CKR_TEMPLATE_INCONSISTENT.
 */
static CK_RV template_shape(const CK_ATTRIBUTE *t, CK_ULONG n)
{
	for (CK_ULONG i = 0; i < n; i++) {
		if ((t[i].pValue == NULL && t[i].ulValueLen != 0) ||
		    (attr_is_bool(t[i].type) && t[i].ulValueLen != sizeof(CK_BBOOL)) ||
		    (attr_is_ulong(t[i].type) && t[i].ulValueLen != sizeof(CK_ULONG)))
			return CKR_ATTRIBUTE_VALUE_INVALID;
		for (CK_ULONG j = 0; j < i; j++)
			if (t[j].type == t[i].type && !same_value(&t[i], t[j].pValue, t[j].ulValueLen))
				return CKR_TEMPLATE_INCONSISTENT;
	}
	return CKR_OK;
}

/* Set by the token, never by a template (v3.0: "must not be specified" with C_CreateObject). */
static int attr_token_set(CK_OBJECT_CLASS c, CK_ATTRIBUTE_TYPE type)
{
	switch (type) {
	case CKA_LOCAL: case CKA_KEY_GEN_MECHANISM: case CKA_ALWAYS_SENSITIVE: case CKA_NEVER_EXTRACTABLE:
	case CKA_UNIQUE_ID: case CKA_POC_ATTESTATION_RECORD:
		return 1;
	case CKA_VALUE_LEN: return c == CKO_SECRET_KEY;
	case CKA_MODULUS_BITS: return c == CKO_PUBLIC_KEY;
	default: return 0;
	}
}

/* Attributes attr_value answers for (for convenience) that the class does not have in v3.0. */
static int attr_foreign(CK_OBJECT_CLASS c, CK_ATTRIBUTE_TYPE type)
{
	if (c == CKO_PRIVATE_KEY)
		return type == CKA_VERIFY || type == CKA_ENCRYPT || type == CKA_VERIFY_RECOVER || type == CKA_WRAP ||
		       type == CKA_TRUSTED || type == CKA_MODULUS_BITS;
	if (c == CKO_PUBLIC_KEY)
		return type == CKA_SIGN || type == CKA_DECRYPT || type == CKA_SIGN_RECOVER || type == CKA_UNWRAP;
	return 0;
}

/* Attributes of the class that no object here keeps: a template may give them only empty (their default). */
static int attr_unkept(CK_OBJECT_CLASS c, CK_ATTRIBUTE_TYPE type)
{
	switch (type) {
	case CKA_ALLOWED_MECHANISMS: case CKA_WRAP_TEMPLATE: case CKA_UNWRAP_TEMPLATE: case CKA_DERIVE_TEMPLATE:
		return c != CKO_CERTIFICATE;
	case CKA_URL: case CKA_HASH_OF_SUBJECT_PUBLIC_KEY: case CKA_HASH_OF_ISSUER_PUBLIC_KEY: case CKA_PUBLIC_KEY_INFO:
	case CKA_START_DATE: case CKA_END_DATE:
		return c == CKO_CERTIFICATE;
	default:
		return 0;
	}
}

/*
 * Every attribute of the template that did not go into the key material must
 * be what the new object obj will report: the template is honoured exactly
 * or refused (CKR_TEMPLATE_INCONSISTENT for a value this token cannot give
 * the object, such as CKA_SENSITIVE false, CKA_EXTRACTABLE or CKA_MODIFIABLE
 * true: no key value ever leaves the module and objects are not modified).
 */
static CK_RV template_matches(const struct p11_slot *s, const struct p11_object *obj, const CK_ATTRIBUTE *t, CK_ULONG n,
			      const struct p11_material *m)
{
	CK_OBJECT_CLASS c = obj->class;

	for (CK_ULONG i = 0; i < n; i++) {
		const CK_ATTRIBUTE *a = &t[i];
		struct val v;
		CK_RV r;
		int same;

		if (p11_material_used(m, a->type))
			continue;
		if (attr_token_set(c, a->type))
			return CKR_ATTRIBUTE_READ_ONLY;
		if (attr_foreign(c, a->type))
			return CKR_ATTRIBUTE_TYPE_INVALID;
		if (attr_unkept(c, a->type)) {
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
		r = attr_value(s, obj, a->type, &v);
		if (r == CKR_ATTRIBUTE_SENSITIVE || r == CKR_ATTRIBUTE_TYPE_INVALID) {
			free(v.own);
			return CKR_ATTRIBUTE_TYPE_INVALID; /* e.g. CKA_PRIME_1 of an EC key, CKA_MODULUS of a certificate */
		}
		if (r != CKR_OK) {
			free(v.own);
			return r;
		}
		same = same_value(a, v.p, v.len);
		free(v.own);
		if (!same)
			return CKR_TEMPLATE_INCONSISTENT;
	}
	return CKR_OK;
}

/* The key type (or certificate type) of a template: the ones this token takes. */
static CK_RV template_type(CK_OBJECT_CLASS c, const CK_ATTRIBUTE *t, CK_ULONG n, CK_KEY_TYPE *type)
{
	const CK_ATTRIBUTE *a = p11_attr_find(t, n, c == CKO_CERTIFICATE ? CKA_CERTIFICATE_TYPE : CKA_KEY_TYPE);
	CK_ULONG v;

	if (a == NULL)
		return CKR_TEMPLATE_INCOMPLETE;
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
 * Usage flags: what the template asks, defaulting to what the key type is for
 * (poctool import's defaults). Usages this token has no mechanism for (EC
 * decryption, AES signing, derive, wrap) are not set, so template_matches
 * refuses a template that asks for them.
 */
static uint64_t template_flags(CK_OBJECT_CLASS c, CK_KEY_TYPE type, const CK_ATTRIBUTE *t, CK_ULONG n)
{
	uint64_t f = 0;

	switch (c) {
	case CKO_PRIVATE_KEY:
		f = POC_OBJ_SENSITIVE | POC_OBJ_IMPORTED;
		if (p11_attr_bool(t, n, CKA_SIGN, 1))
			f |= POC_OBJ_SIGN;
		if (type == CKK_RSA && p11_attr_bool(t, n, CKA_DECRYPT, 1))
			f |= POC_OBJ_DECRYPT;
		break;
	case CKO_PUBLIC_KEY:
		if (p11_attr_bool(t, n, CKA_VERIFY, 1))
			f |= POC_OBJ_VERIFY;
		if (type == CKK_RSA && p11_attr_bool(t, n, CKA_ENCRYPT, 1))
			f |= POC_OBJ_ENCRYPT;
		break;
	case CKO_SECRET_KEY:
		f = POC_OBJ_SENSITIVE | POC_OBJ_IMPORTED;
		if (p11_attr_bool(t, n, CKA_ENCRYPT, 1))
			f |= POC_OBJ_ENCRYPT;
		if (p11_attr_bool(t, n, CKA_DECRYPT, 1))
			f |= POC_OBJ_DECRYPT;
		break;
	default:
		break;
	}
	return f;
}

/*
 * A key or certificate from a template. Every object file holds a TPM object
 * sealed with the token's PIN, so on a token with a PIN even a public object
 * (certificate, public key) is created only after C_Login.
 */
static CK_RV create_key_locked(struct p11_session *ss, CK_OBJECT_CLASS c, const CK_ATTRIBUTE *t, CK_ULONG n,
			       CK_OBJECT_HANDLE_PTR out)
{
	struct p11_slot *s = ss->slot;
	struct poc_err e = { 0 };
	struct poc_object_header h;
	struct p11_material m;
	struct p11_sealed tmp;
	struct p11_object view;
	char name[POC_STORE_NAME_MAX];
	CK_KEY_TYPE type = 0;
	CK_RV rv = p11_objects_load_locked(s);

	memset(&m, 0, sizeof(m));
	memset(&h, 0, sizeof(h));
	memset(&tmp, 0, sizeof(tmp));
	if (rv != CKR_OK)
		return rv;
	if (!(ss->flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;
	if (s->tok->meta.has_pin && !s->logged_in)
		return CKR_USER_NOT_LOGGED_IN;
	if ((rv = template_shape(t, n)) != CKR_OK || (rv = template_type(c, t, n, &type)) != CKR_OK ||
	    (rv = p11_header_names(&h, t, n)) != CKR_OK)
		return rv;
	if (h.id_len == 0 && h.label[0] == '\0')
		return CKR_TEMPLATE_INCOMPLETE; /* the store names an object by its CKA_ID or CKA_LABEL */
	if ((rv = p11_material_make(c, type, t, n, &m)) != CKR_OK)
		goto done;
	h.class = c;
	h.key_type = type;
	h.flags = template_flags(c, type, t, n);
	h.spki = m.spki;
	h.spki_len = m.spki_len;
	h.cert = m.cert;
	h.cert_len = m.cert_len;
	/* The object as it will be, to hold the template against. */
	tmp.h = h;
	if (m.spki != NULL && (tmp.pub = poc_key_from_spki(&e, m.spki, m.spki_len)) == NULL) {
		rv = CKR_FUNCTION_FAILED;
		goto done;
	}
	view.handle = CK_INVALID_HANDLE;
	view.class = c;
	view.sealed = &tmp;
	if ((rv = template_matches(s, &view, t, n, &m)) != CKR_OK)
		goto done;
	rv = p11_seal_locked(ss, &h, m.secret, m.secret_len, name);
	if (rv == CKR_OK)
		rv = p11_sealed_add_locked(s, name, out, NULL);
done:
	if (rv != CKR_OK)
		p11_log(POC_LOG_DEBUG, "token %s: C_CreateObject of class %lu, type %lu: %s", s->label, (unsigned long)c,
			(unsigned long)type, p11_rv_str(rv));
	poc_key_free(tmp.pub);
	p11_material_clear(&m);
	return rv;
}

/* CKO_DATA: a sealed secret (CKA_VALUE), as before keys were taken. */
static CK_RV create_data_locked(struct p11_session *ss, const CK_ATTRIBUTE *t, CK_ULONG n, CK_OBJECT_HANDLE_PTR out)
{
	struct poc_object_header h;
	const CK_ATTRIBUTE *val = p11_attr_find(t, n, CKA_VALUE);
	char name[POC_STORE_NAME_MAX];
	CK_RV rv;

	if (!p11_attr_bool(t, n, CKA_TOKEN, 1))
		return CKR_ATTRIBUTE_VALUE_INVALID; /* every object here is a sealed token object */
	if (val == NULL || val->pValue == NULL || val->ulValueLen == 0 || val->ulValueLen > POC_OBJECT_SECRET_MAX)
		return CKR_TEMPLATE_INCOMPLETE;
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

CK_RV p11_destroy_object_locked(struct p11_session *ss, CK_OBJECT_HANDLE h)
{
	struct poc_err e = { 0 };
	struct p11_object *o;
	CK_RV rv = p11_object_get_locked(ss, h, &o);

	if (rv != CKR_OK)
		return rv;
	if (!(ss->flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;
	if (ss->slot->tok->meta.has_pin && !ss->slot->logged_in)
		return CKR_USER_NOT_LOGGED_IN;
	if (poc_store_remove(&e, ss->slot->tok->store, o->sealed->name) < 0) {
		p11_log(POC_LOG_ERROR, "token %s: %s", ss->slot->label, e.msg);
		return CKR_FUNCTION_FAILED;
	}
	poc_err_clear(&e);
	(void)poc_store_record_remove(&e, ss->slot->tok->store, o->sealed->name);
	/* The private key, its public key and certificate are one sealed file: all go. */
	o->sealed->gone = 1;
	p11_release_wipe(o->sealed);
	return CKR_OK;
}
