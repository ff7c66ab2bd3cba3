/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The attribute table (p11_attr.h says what each mask means) with its
 * getters, and C_GetAttributeValue over it with the exact semantics of
 * PKCS#11 v3.0 5.7: each attribute that cannot be given gets ulValueLen =
 * CK_UNAVAILABLE_INFORMATION and the call returns CKR_ATTRIBUTE_SENSITIVE,
 * CKR_ATTRIBUTE_TYPE_INVALID or CKR_BUFFER_TOO_SMALL, the others are filled.
 */
#include "pkcs11/p11_attr.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

/* ---- values ---- */

static void val_bool(struct p11_val *v, int b)
{
	v->small[0] = b ? CK_TRUE : CK_FALSE;
	v->p = v->small;
	v->len = sizeof(CK_BBOOL);
}

static void val_ulong(struct p11_val *v, CK_ULONG u)
{
	memcpy(v->small, &u, sizeof(u));
	v->p = v->small;
	v->len = sizeof(CK_ULONG);
}

static void val_bytes(struct p11_val *v, const void *p, size_t len)
{
	v->p = p;
	v->len = (CK_ULONG)len;
}

/* ---- getters ---- */

#define GETTER(fn) static CK_RV fn(const struct p11_slot *s, const struct p11_object *obj, CK_ATTRIBUTE_TYPE type, \
				   struct p11_val *v)
#define UNUSED_ARGS() ((void)s, (void)obj, (void)type)
#define H (&obj->sealed->h)
#define IS_SECRET (obj->class == CKO_PRIVATE_KEY || obj->class == CKO_SECRET_KEY)

GETTER(get_false) { UNUSED_ARGS(); val_bool(v, 0); return CKR_OK; }
GETTER(get_empty) { UNUSED_ARGS(); val_bytes(v, "", 0); return CKR_OK; }
GETTER(get_class) { UNUSED_ARGS(); val_ulong(v, obj->class); return CKR_OK; }
GETTER(get_private) { UNUSED_ARGS(); val_bool(v, p11_object_private(s, obj)); return CKR_OK; }
GETTER(get_label) { UNUSED_ARGS(); val_bytes(v, H->label, strlen(H->label)); return CKR_OK; }
GETTER(get_id) { UNUSED_ARGS(); val_bytes(v, H->id, H->id_len); return CKR_OK; }
GETTER(get_key_type) { UNUSED_ARGS(); val_ulong(v, H->key_type); return CKR_OK; }
GETTER(get_x509) { UNUSED_ARGS(); val_ulong(v, CKC_X_509); return CKR_OK; }
GETTER(get_zero) { UNUSED_ARGS(); val_ulong(v, 0); return CKR_OK; }

GETTER(get_token) { UNUSED_ARGS(); val_bool(v, obj->sealed->owner == 0); return CKR_OK; }
GETTER(get_modifiable) { UNUSED_ARGS(); val_bool(v, !(H->flags & POC_OBJ_FIXED)); return CKR_OK; }
GETTER(get_copyable) { UNUSED_ARGS(); val_bool(v, !(H->flags & POC_OBJ_NO_COPY)); return CKR_OK; }
GETTER(get_destroyable) { UNUSED_ARGS(); val_bool(v, !(H->flags & POC_OBJ_NO_DESTROY)); return CKR_OK; }
GETTER(get_local) { UNUSED_ARGS(); val_bool(v, (H->flags & POC_OBJ_LOCAL) != 0); return CKR_OK; }
GETTER(get_gen_mech) { UNUSED_ARGS(); val_ulong(v, obj->sealed->gen_mech); return CKR_OK; }
GETTER(get_derive) { UNUSED_ARGS(); val_bool(v, (H->flags & POC_OBJ_DERIVE) != 0); return CKR_OK; }
GETTER(get_wrap) { UNUSED_ARGS(); val_bool(v, obj->class != CKO_PRIVATE_KEY && (H->flags & POC_OBJ_WRAP)); return CKR_OK; }
GETTER(get_unwrap) { UNUSED_ARGS(); val_bool(v, obj->class != CKO_PUBLIC_KEY && (H->flags & POC_OBJ_UNWRAP)); return CKR_OK; }
GETTER(get_extractable) { UNUSED_ARGS(); val_bool(v, (H->flags & POC_OBJ_EXTRACTABLE) != 0); return CKR_OK; }
GETTER(get_trusted) { UNUSED_ARGS(); val_bool(v, (H->flags & POC_OBJ_TRUSTED) != 0); return CKR_OK; }
GETTER(get_wrap_with_trusted) { UNUSED_ARGS(); val_bool(v, (H->flags & POC_OBJ_WRAP_WITH_TRUSTED) != 0); return CKR_OK; }

/* CKA_SENSITIVE: the template's (an older header without POC_OBJ_WAS_PLAIN: true). */
GETTER(get_sensitive)
{
	UNUSED_ARGS();
	val_bool(v, (H->flags & POC_OBJ_SENSITIVE) || !(H->flags & POC_OBJ_WAS_PLAIN));
	return CKR_OK;
}

/* A session data object's CKA_APPLICATION (token data objects keep none). */
GETTER(get_application)
{
	UNUSED_ARGS();
	val_bytes(v, obj->sealed->app != NULL ? (const void *)obj->sealed->app : "", obj->sealed->app_len);
	return CKR_OK;
}

GETTER(get_record)
{
	UNUSED_ARGS();
	if (obj->sealed->record == NULL)
		return CKR_ATTRIBUTE_TYPE_INVALID;
	val_bytes(v, obj->sealed->record, obj->sealed->record_len);
	return CKR_OK;
}

/*
 * CKA_VALUE: a certificate's DER; a CKO_DATA value once released, to a
 * logged-in user only; a session data object's to whoever sees it.
 */
GETTER(get_value)
{
	UNUSED_ARGS();
	if (obj->class == CKO_CERTIFICATE) {
		val_bytes(v, H->cert, H->cert_len);
		return CKR_OK;
	}
	if (obj->sealed->data == NULL || (obj->sealed->owner == 0 && !s->logged_in))
		return CKR_ATTRIBUTE_SENSITIVE;
	/*
	 * A secret key's (PKCS#11 v3.0, secret key objects): only a session object's made here
	 * or given (C_GenerateKey, C_CreateObject, a copy of one) while it is not
	 * sensitive and extractable. Never a token object's (sealed: released by
	 * a Proof-of-Cloud check), never material another key made (unwrapped,
	 * derived: reading it would decrypt with, or reveal, that key's work).
	 */
	if (obj->class == CKO_SECRET_KEY &&
	    (obj->sealed->owner == 0 || (H->flags & (POC_OBJ_SENSITIVE | POC_OBJ_FROM_KEY)) ||
	     !(H->flags & POC_OBJ_EXTRACTABLE)))
		return CKR_ATTRIBUTE_SENSITIVE;
	val_bytes(v, obj->sealed->data, obj->sealed->data_len);
	return CKR_OK;
}

/* A usage the header grants: the private half (and a secret key) signs and decrypts. */
GETTER(get_sign) { UNUSED_ARGS(); val_bool(v, IS_SECRET && (H->flags & POC_OBJ_SIGN)); return CKR_OK; }
GETTER(get_decrypt) { UNUSED_ARGS(); val_bool(v, IS_SECRET && (H->flags & POC_OBJ_DECRYPT)); return CKR_OK; }

/* The public half verifies what its private key signs (and encrypts what it decrypts). */
GETTER(get_verify)
{
	uint64_t f = POC_OBJ_VERIFY | (obj->class == CKO_PUBLIC_KEY ? POC_OBJ_SIGN : 0);

	UNUSED_ARGS();
	val_bool(v, obj->class != CKO_PRIVATE_KEY && (H->flags & f));
	return CKR_OK;
}

/* Recovery (RSA only): kept as asked, though no mechanism here recovers (no C_SignRecover). */
GETTER(get_sign_recover) { UNUSED_ARGS(); val_bool(v, IS_SECRET && (H->flags & POC_OBJ_SIGN_RECOVER)); return CKR_OK; }

GETTER(get_verify_recover)
{
	uint64_t f = POC_OBJ_VERIFY_RECOVER | (obj->class == CKO_PUBLIC_KEY ? POC_OBJ_SIGN_RECOVER : 0);

	UNUSED_ARGS();
	val_bool(v, obj->class != CKO_PRIVATE_KEY && (H->flags & f));
	return CKR_OK;
}

GETTER(get_encrypt)
{
	uint64_t f = POC_OBJ_ENCRYPT | (obj->class == CKO_PUBLIC_KEY ? POC_OBJ_DECRYPT : 0);

	UNUSED_ARGS();
	val_bool(v, obj->class != CKO_PRIVATE_KEY && (H->flags & f));
	return CKR_OK;
}

/*
 * CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE: a key made from outside bytes
 * (C_CreateObject, an import) was not always inside; nor one that was not
 * sensitive, or extractable, at some time.
 */
GETTER(get_always_sensitive)
{
	UNUSED_ARGS();
	val_bool(v, !(H->flags & (POC_OBJ_IMPORTED | POC_OBJ_WAS_PLAIN)));
	return CKR_OK;
}

GETTER(get_never_extractable)
{
	UNUSED_ARGS();
	val_bool(v, !(H->flags & (POC_OBJ_IMPORTED | POC_OBJ_WAS_EXTRACTABLE)));
	return CKR_OK;
}

GETTER(get_spki)
{
	UNUSED_ARGS();
	if (H->spki == NULL)
		return CKR_ATTRIBUTE_TYPE_INVALID;
	val_bytes(v, H->spki, H->spki_len);
	return CKR_OK;
}

/* DER of the certificate's subject, issuer or serial number (malloc'ed); empty without a certificate. */
GETTER(get_cert_field)
{
	const uint8_t *p = H->cert;
	X509 *x;
	uint8_t *der = NULL;
	int n = -1;

	UNUSED_ARGS();
	if (H->cert == NULL) {
		val_bytes(v, "", 0);
		return CKR_OK;
	}
	x = d2i_X509(NULL, &p, (long)H->cert_len);
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
GETTER(get_cert_check)
{
	uint8_t md[EVP_MAX_MD_SIZE];

	UNUSED_ARGS();
	if (H->cert == NULL)
		return CKR_ATTRIBUTE_TYPE_INVALID;
	if (EVP_Digest(H->cert, H->cert_len, md, NULL, EVP_sha1(), NULL) != 1)
		return CKR_GENERAL_ERROR;
	memcpy(v->small, md, 3);
	v->p = v->small;
	v->len = 3;
	return CKR_OK;
}

/* An attribute of the key itself (crypto/: EC_PARAMS, EC_POINT, MODULUS, ...), or TYPE_INVALID without it. */
static CK_RV key_attr(const struct poc_key *k, CK_ATTRIBUTE_TYPE type, struct p11_val *v)
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

/* Of the public key (from the header's SubjectPublicKeyInfo); CKA_VALUE_LEN of the released secret key. */
GETTER(get_pub_attr) { UNUSED_ARGS(); return key_attr(obj->sealed->pub, type, v); }
GETTER(get_key_attr) { UNUSED_ARGS(); return key_attr(obj->sealed->key, type, v); }

/* ---- the table ---- */

#define ROW(t, sh, ...) { .type = (t), .name = #t, .shape = (sh), __VA_ARGS__ }

static const struct p11_attr_def table[] = {
	/* Every object. */
	ROW(CKA_CLASS, P11_ULONG, .has = P11_ALL, .required = P11_ALL, .get = get_class),
	ROW(CKA_TOKEN, P11_BOOL, .has = P11_ALL, .get = get_token),
	ROW(CKA_PRIVATE, P11_BOOL, .has = P11_ALL, .get = get_private),
	ROW(CKA_MODIFIABLE, P11_BOOL, .has = P11_ALL, .get = get_modifiable),
	ROW(CKA_COPYABLE, P11_BOOL, .has = P11_ALL, .get = get_copyable),
	ROW(CKA_DESTROYABLE, P11_BOOL, .has = P11_ALL, .get = get_destroyable),
	ROW(CKA_LABEL, P11_STRING, .has = P11_ALL, .settable = P11_ALL, .get = get_label),
	ROW(CKA_UNIQUE_ID, P11_STRING, .token_set = P11_ALL),
	ROW(CKA_POC_ATTESTATION_RECORD, P11_BYTES, .has = P11_ALL, .token_set = P11_ALL, .get = get_record),
	/* Data objects. */
	ROW(CKA_APPLICATION, P11_STRING, .has = P11_DATA, .settable = P11_DATA, .get = get_application),
	ROW(CKA_OBJECT_ID, P11_BYTES, .has = P11_DATA, .get = get_empty),
	ROW(CKA_VALUE, P11_BYTES, .has = P11_DATA | P11_CERT | P11_SEC, .never = P11_PRIV, .sensitive = P11_DATA | P11_SEC,
	    .required = P11_DATA, .settable = P11_DATA | P11_CERT | P11_SECRET, .get = get_value),
	/* Certificates (X.509 only). */
	ROW(CKA_CERTIFICATE_TYPE, P11_ULONG, .has = P11_CERT, .required = P11_CERT, .get = get_x509),
	ROW(CKA_CERTIFICATE_CATEGORY, P11_ULONG, .has = P11_CERT, .get = get_zero),
	ROW(CKA_TRUSTED, P11_BOOL, .has = P11_CERT | P11_KEYS, .foreign = P11_PRIV, .get = get_trusted),
	ROW(CKA_ID, P11_BYTES, .has = P11_CERT | P11_KEYS, .settable = P11_CERT | P11_KEYS, .get = get_id),
	ROW(CKA_SUBJECT, P11_BYTES, .has = P11_CERT | P11_PUB | P11_PRIV, .get = get_cert_field),
	ROW(CKA_ISSUER, P11_BYTES, .has = P11_CERT, .get = get_cert_field),
	ROW(CKA_SERIAL_NUMBER, P11_BYTES, .has = P11_CERT, .get = get_cert_field),
	ROW(CKA_CHECK_VALUE, P11_BYTES, .has = P11_CERT, .get = get_cert_check),
	ROW(CKA_URL, P11_STRING, .unkept = P11_CERT),
	ROW(CKA_HASH_OF_SUBJECT_PUBLIC_KEY, P11_BYTES, .unkept = P11_CERT),
	ROW(CKA_HASH_OF_ISSUER_PUBLIC_KEY, P11_BYTES, .unkept = P11_CERT),
	ROW(CKA_JAVA_MIDP_SECURITY_DOMAIN, P11_ULONG, 0),
	ROW(CKA_NAME_HASH_ALGORITHM, P11_ULONG, 0),
	/* Keys: common attributes. */
	ROW(CKA_KEY_TYPE, P11_ULONG, .has = P11_KEYS, .required = P11_KEYS, .get = get_key_type),
	ROW(CKA_START_DATE, P11_DATE, .has = P11_KEYS, .unkept = P11_CERT, .get = get_empty),
	ROW(CKA_END_DATE, P11_DATE, .has = P11_KEYS, .unkept = P11_CERT, .get = get_empty),
	ROW(CKA_PUBLIC_KEY_INFO, P11_BYTES, .has = P11_KEYS, .unkept = P11_CERT, .get = get_spki),
	ROW(CKA_DERIVE, P11_BOOL, .has = P11_KEYS, .settable = P11_KEYS, .get = get_derive),
	ROW(CKA_LOCAL, P11_BOOL, .has = P11_KEYS, .token_set = P11_CERT | P11_KEYS, .get = get_local),
	ROW(CKA_KEY_GEN_MECHANISM, P11_ULONG, .has = P11_KEYS, .token_set = P11_CERT | P11_KEYS, .get = get_gen_mech),
	ROW(CKA_ALLOWED_MECHANISMS, P11_MECHS, .unkept = P11_DATA | P11_KEYS),
	/* Keys: usages. */
	ROW(CKA_SIGN, P11_BOOL, .has = P11_KEYS, .settable = P11_SECRET, .foreign = P11_PUB, .get = get_sign),
	ROW(CKA_DECRYPT, P11_BOOL, .has = P11_KEYS, .settable = P11_SECRET, .foreign = P11_PUB, .get = get_decrypt),
	ROW(CKA_VERIFY, P11_BOOL, .has = P11_KEYS, .settable = P11_PUB, .foreign = P11_PRIV, .get = get_verify),
	ROW(CKA_ENCRYPT, P11_BOOL, .has = P11_KEYS, .settable = P11_PUB | P11_SEC, .foreign = P11_PRIV, .get = get_encrypt),
	ROW(CKA_SIGN_RECOVER, P11_BOOL, .has = P11_KEYS, .foreign = P11_PUB, .get = get_sign_recover),
	ROW(CKA_VERIFY_RECOVER, P11_BOOL, .has = P11_KEYS, .foreign = P11_PRIV, .get = get_verify_recover),
	ROW(CKA_WRAP, P11_BOOL, .has = P11_KEYS, .settable = P11_PUB | P11_SEC, .foreign = P11_PRIV, .get = get_wrap),
	ROW(CKA_UNWRAP, P11_BOOL, .has = P11_KEYS, .settable = P11_SECRET, .foreign = P11_PUB, .get = get_unwrap),
	ROW(CKA_WRAP_WITH_TRUSTED, P11_BOOL, .has = P11_KEYS, .settable = P11_SECRET, .get = get_wrap_with_trusted),
	ROW(CKA_WRAP_TEMPLATE, P11_TEMPLATE, .unkept = P11_DATA | P11_KEYS),
	ROW(CKA_UNWRAP_TEMPLATE, P11_TEMPLATE, .unkept = P11_DATA | P11_KEYS),
	ROW(CKA_DERIVE_TEMPLATE, P11_TEMPLATE, .unkept = P11_DATA | P11_KEYS),
	/* Private and secret keys: no key value ever leaves the module. */
	ROW(CKA_SENSITIVE, P11_BOOL, .has = P11_SECRET, .settable = P11_SECRET, .get = get_sensitive),
	ROW(CKA_ALWAYS_SENSITIVE, P11_BOOL, .has = P11_SECRET, .token_set = P11_CERT | P11_KEYS, .get = get_always_sensitive),
	ROW(CKA_NEVER_EXTRACTABLE, P11_BOOL, .has = P11_SECRET, .token_set = P11_CERT | P11_KEYS,
	    .get = get_never_extractable),
	ROW(CKA_EXTRACTABLE, P11_BOOL, .has = P11_SECRET, .settable = P11_SECRET, .get = get_extractable),
	ROW(CKA_ALWAYS_AUTHENTICATE, P11_BOOL, .has = P11_SECRET, .get = get_false),
	ROW(CKA_PRIVATE_EXPONENT, P11_BIGINT, .never = P11_SECRET, .settable = P11_PRIV),
	ROW(CKA_PRIME_1, P11_BIGINT, .never = P11_SECRET, .settable = P11_PRIV),
	ROW(CKA_PRIME_2, P11_BIGINT, .never = P11_SECRET, .settable = P11_PRIV),
	ROW(CKA_EXPONENT_1, P11_BIGINT, .never = P11_SECRET, .settable = P11_PRIV),
	ROW(CKA_EXPONENT_2, P11_BIGINT, .never = P11_SECRET, .settable = P11_PRIV),
	ROW(CKA_COEFFICIENT, P11_BIGINT, .never = P11_SECRET, .settable = P11_PRIV),
	/* The key's public values (crypto/ gives them) and a secret key's length. */
	ROW(CKA_EC_PARAMS, P11_BYTES, .has = P11_KEYS, .settable = P11_PUB | P11_PRIV, .get = get_pub_attr),
	ROW(CKA_EC_POINT, P11_BYTES, .has = P11_KEYS, .settable = P11_PUB, .get = get_pub_attr),
	ROW(CKA_MODULUS, P11_BIGINT, .has = P11_KEYS, .settable = P11_PUB | P11_PRIV, .get = get_pub_attr),
	ROW(CKA_PUBLIC_EXPONENT, P11_BIGINT, .has = P11_KEYS, .settable = P11_PUB | P11_PRIV, .get = get_pub_attr),
	ROW(CKA_MODULUS_BITS, P11_ULONG, .has = P11_KEYS, .token_set = P11_PUB, .foreign = P11_PRIV, .get = get_pub_attr),
	ROW(CKA_VALUE_LEN, P11_ULONG, .has = P11_SEC, .token_set = P11_SEC, .get = get_key_attr),
};

const struct p11_attr_def *p11_attr_table(size_t *n)
{
	*n = sizeof(table) / sizeof(table[0]);
	return table;
}

const struct p11_attr_def *p11_attr_def_find(CK_ATTRIBUTE_TYPE type)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].type == type)
			return &table[i];
	return NULL;
}

unsigned p11_attr_class_bit(CK_OBJECT_CLASS c)
{
	return c <= CKO_SECRET_KEY ? P11_C(c) : 0;
}

CK_RV p11_attr_get(const struct p11_slot *s, const struct p11_object *obj, CK_ATTRIBUTE_TYPE type, struct p11_val *v)
{
	const struct p11_attr_def *d = p11_attr_def_find(type);
	unsigned c = p11_attr_class_bit(obj->class);

	if (d == NULL)
		return CKR_ATTRIBUTE_TYPE_INVALID;
	if (d->never & c)
		return CKR_ATTRIBUTE_SENSITIVE;
	if (!(d->has & c) || d->get == NULL)
		return CKR_ATTRIBUTE_TYPE_INVALID;
	return d->get(s, obj, type, v);
}

int p11_attr_same(const CK_ATTRIBUTE *a, const void *p, CK_ULONG len)
{
	const struct p11_attr_def *d = p11_attr_def_find(a->type);

	if (d != NULL && d->shape == P11_BOOL)
		return len == sizeof(CK_BBOOL) && (*(const CK_BBOOL *)a->pValue != CK_FALSE) == (*(const CK_BBOOL *)p != CK_FALSE);
	return a->ulValueLen == len && (len == 0 || memcmp(a->pValue, p, len) == 0);
}

/* ---- C_GetAttributeValue ---- */

/* A value into the template's attribute t: CKR_OK, or CKR_BUFFER_TOO_SMALL (t->ulValueLen unavailable). */
static CK_RV val_out(const struct p11_val *v, CK_ATTRIBUTE *t)
{
	if (t->pValue == NULL) {
		t->ulValueLen = v->len;
		return CKR_OK;
	}
	if (t->ulValueLen < v->len) {
		t->ulValueLen = CK_UNAVAILABLE_INFORMATION;
		return CKR_BUFFER_TOO_SMALL;
	}
	if (v->len)
		memcpy(t->pValue, v->p, v->len);
	t->ulValueLen = v->len;
	return CKR_OK;
}

CK_RV p11_object_attrs_locked(struct p11_session *ss, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_PTR t, CK_ULONG n)
{
	struct p11_object *o;
	CK_RV rv = p11_object_get_locked(ss, h, &o), r;

	if (rv != CKR_OK)
		return rv;
	for (CK_ULONG i = 0; i < n; i++) {
		struct p11_val v;

		memset(&v, 0, sizeof(v));
		r = p11_attr_get(ss->slot, o, t[i].type, &v);
		if (r == CKR_OK) {
			r = val_out(&v, &t[i]);
		} else if (r == CKR_ATTRIBUTE_SENSITIVE || r == CKR_ATTRIBUTE_TYPE_INVALID) {
			t[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
		} else {
			free(v.own);
			return r; /* a failure, not an answer about this attribute */
		}
		free(v.own);
		if (r != CKR_OK)
			rv = r;
	}
	return rv;
}
