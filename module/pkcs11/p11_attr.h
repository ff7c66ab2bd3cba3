/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The attribute table (p11_attr.c): one row per attribute this module knows,
 * saying its value shape, which object classes carry it and how, and its
 * getter. C_GetAttributeValue (p11_object_attrs_locked), C_FindObjects
 * matching (p11_object.c) and the C_CreateObject template checks
 * (p11_object_create.c) all read it; nothing else lists attributes.
 *
 * Once an object exists, C_SetAttributeValue changes only what
 * p11_object_edit.c allows (CKA_LABEL, CKA_ID, CKA_APPLICATION, the usage
 * flags of a session object, CKA_SENSITIVE false -> true, CKA_EXTRACTABLE
 * true -> false); every other attribute is read-only. The class masks below
 * say what happens when an object is made, and on a read:
 *
 *   has        the getter answers for an object of the class (else
 *              CKR_ATTRIBUTE_TYPE_INVALID);
 *   never      never revealed: CKR_ATTRIBUTE_SENSITIVE, whatever the state
 *              (key material, which never leaves the module);
 *   sensitive  revealed only in a state the getter checks (a CKO_DATA value:
 *              released and logged in), CKR_ATTRIBUTE_SENSITIVE otherwise;
 *   required   a C_CreateObject template without it: CKR_TEMPLATE_INCOMPLETE;
 *   settable   the template chooses the value (the object keeps it); any
 *              other attribute a template gives must equal what the object
 *              will report, or CKR_TEMPLATE_INCONSISTENT;
 *   token_set  set by the token ("must not be specified", PKCS#11 v3.0 4.1):
 *              a template that gives it: CKR_ATTRIBUTE_READ_ONLY;
 *   foreign    answered for convenience, but not an attribute of the class
 *              in v3.0: a template that gives it: CKR_ATTRIBUTE_TYPE_INVALID;
 *   unkept     an attribute of the class that no object here keeps: a
 *              template may give it only empty (its default).
 */
#ifndef POC_P11_ATTR_H
#define POC_P11_ATTR_H

#include "pkcs11/p11_int.h"

#ifndef CKA_UNIQUE_ID
#define CKA_UNIQUE_ID 0x4UL /* PKCS#11 v3.0; set by the token */
#endif

/* Class bits of the masks: CKO_DATA .. CKO_SECRET_KEY (the classes an object here has). */
#define P11_C(c) (1u << (c))
#define P11_DATA P11_C(CKO_DATA)
#define P11_CERT P11_C(CKO_CERTIFICATE)
#define P11_PUB P11_C(CKO_PUBLIC_KEY)
#define P11_PRIV P11_C(CKO_PRIVATE_KEY)
#define P11_SEC P11_C(CKO_SECRET_KEY)
#define P11_SECRET (P11_PRIV | P11_SEC)
#define P11_KEYS (P11_PUB | P11_PRIV | P11_SEC)
#define P11_ALL (P11_DATA | P11_CERT | P11_KEYS)

/* The shape of a value: CK_BBOOL and CK_ULONG have their size in a template; the rest are bytes. */
enum p11_shape {
	P11_BOOL,     /* CK_BBOOL */
	P11_ULONG,    /* CK_ULONG (a class, type, length, mechanism or constant) */
	P11_BYTES,    /* opaque bytes (an id, a record, a DER-encoded value) */
	P11_STRING,   /* UTF-8, no NUL */
	P11_BIGINT,   /* a big-endian unsigned integer */
	P11_DATE,     /* CK_DATE, or empty */
	P11_MECHS,    /* an array of CK_MECHANISM_TYPE */
	P11_TEMPLATE, /* an array of CK_ATTRIBUTE */
};

/*
 * One attribute value: points at existing bytes, at small, or at own (freed
 * by the caller, also on error).
 */
struct p11_val {
	const uint8_t *p;
	CK_ULONG len;
	uint8_t *own;
	uint8_t small[sizeof(CK_ULONG)];
};

/* A getter: the value of the row's attribute for obj, or a CKR_ (ATTRIBUTE_TYPE_INVALID, ATTRIBUTE_SENSITIVE, ...). */
typedef CK_RV (*p11_attr_getter)(const struct p11_slot *s, const struct p11_object *obj, CK_ATTRIBUTE_TYPE type,
				 struct p11_val *v);

struct p11_attr_def {
	CK_ATTRIBUTE_TYPE type;
	const char *name; /* "CKA_LABEL" */
	enum p11_shape shape;
	unsigned has, never, sensitive, required, settable, token_set, foreign, unkept; /* class masks */
	p11_attr_getter get;
};

/* The table's rows (sorted by nothing in particular; types are unique). */
const struct p11_attr_def *p11_attr_table(size_t *n);
/* The row of type, or NULL: an attribute this module does not know. */
const struct p11_attr_def *p11_attr_def_find(CK_ATTRIBUTE_TYPE type);
/* The class bit of c, or 0 for a class no object here has. */
unsigned p11_attr_class_bit(CK_OBJECT_CLASS c);
/*
 * The value of attribute type of obj, through the table: CKR_OK (v set; free
 * v->own), CKR_ATTRIBUTE_TYPE_INVALID, CKR_ATTRIBUTE_SENSITIVE or another
 * error (the getter's).
 */
CK_RV p11_attr_get(const struct p11_slot *s, const struct p11_object *obj, CK_ATTRIBUTE_TYPE type, struct p11_val *v);
/* 1 when the template attribute a has the value (p, len): CK_BBOOL compared as truth values. */
int p11_attr_same(const CK_ATTRIBUTE *a, const void *p, CK_ULONG len);

/*
 * p11_object.c: whether obj is a private object: a token object when the
 * token has a PIN and it is a key or data object; a session object when the
 * token has a PIN and its CKA_PRIVATE was true.
 */
int p11_object_private(const struct p11_slot *s, const struct p11_object *o);

/*
 * Template checks (p11_object_create.c), for every call that makes an
 * object from a template. p11_template_shape: each value's shape (CK_BBOOL
 * and CK_ULONG sizes, no NULL value with a length: CKR_ATTRIBUTE_VALUE_INVALID),
 * an attribute given twice with two values (CKR_TEMPLATE_INCONSISTENT).
 * p11_template_complete: the class's required attributes (CKR_TEMPLATE_INCOMPLETE).
 * p11_template_matches: every attribute of the template except the nskip
 * types of skip (the ones the material was made of) is what obj reports
 * (CKR_TEMPLATE_INCONSISTENT), not set by the token (CKR_ATTRIBUTE_READ_ONLY)
 * and an attribute of the class (CKR_ATTRIBUTE_TYPE_INVALID).
 */
CK_RV p11_template_shape(const CK_ATTRIBUTE *t, CK_ULONG n);
CK_RV p11_template_complete(CK_OBJECT_CLASS c, const CK_ATTRIBUTE *t, CK_ULONG n);
CK_RV p11_template_matches(const struct p11_slot *s, const struct p11_object *obj, const CK_ATTRIBUTE *t, CK_ULONG n,
			   const CK_ATTRIBUTE_TYPE *skip, size_t nskip);

/* The usages (POC_OBJ_SIGN ...) a key of type can have (p11_object_new.c). */
uint64_t p11_usage_possible(CK_KEY_TYPE type);

/* What p11_object_new_locked (p11_object_new.c) makes an object of. */
struct p11_new {
	CK_OBJECT_CLASS cls;
	CK_KEY_TYPE type;
	const uint8_t *secret;         /* key material (poc_key_from_secret) or a data object's value, or NULL */
	size_t secret_len;
	const uint8_t *spki;           /* DER SubjectPublicKeyInfo, or NULL */
	size_t spki_len;
	const uint8_t *cert;           /* DER certificate, or NULL */
	size_t cert_len;
	const CK_ATTRIBUTE_TYPE *used; /* template attributes the material was made of (not checked again) */
	size_t nused;
	CK_MECHANISM_TYPE gen_mech;    /* with local */
	int local;                     /* generated here */
	uint64_t history;              /* POC_OBJ_IMPORTED, _WAS_PLAIN, _WAS_EXTRACTABLE of a copied object */
	int derived;                   /* C_DeriveKey's: not local, yet not imported (its history is the base key's) */
	const struct poc_object_template *tmpl; /* a copy's: the original's CKA_*_TEMPLATE (POC_TMPL_N), or NULL */
};

/*
 * An object of nw from template t: a session object (CKA_TOKEN false or
 * absent) or a sealed token object (true), as p11_key_object_new_locked
 * says (p11_int.h). *out its handle; out2 (may be NULL): for a sealed
 * private key, the handle of its public-key view.
 */
CK_RV p11_object_new_locked(struct p11_session *ss, const CK_ATTRIBUTE *t, CK_ULONG n, const struct p11_new *nw,
			    CK_OBJECT_HANDLE *out, CK_OBJECT_HANDLE *out2);

#endif
