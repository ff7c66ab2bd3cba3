/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The key material of C_CreateObject: the values of a template (CKA_VALUE,
 * CKA_EC_PARAMS, the RSA components, a certificate's DER) turned into what a
 * sealed object holds, through OpenSSL 3 (EVP_PKEY_fromdata, then a check of
 * the key). No module state: p11_object.c decides the object's other
 * attributes, seals the material (p11_seal_locked) and wipes it.
 */
#ifndef POC_P11_CREATE_H
#define POC_P11_CREATE_H

#include <stddef.h>
#include <stdint.h>

#include <p11-kit/pkcs11.h>

#define P11_MATERIAL_USED_MAX 16

struct p11_material {
	uint8_t *secret;   /* private key (PKCS#8 DER) or AES key; poc_secret_alloc'ed; NULL for public objects */
	size_t secret_len;
	uint8_t *spki;     /* DER SubjectPublicKeyInfo of a private or public key (malloc) */
	size_t spki_len;
	uint8_t *cert;     /* DER X.509 certificate (malloc) */
	size_t cert_len;
	/* The template attributes the material was made of (the caller checks the others). */
	CK_ATTRIBUTE_TYPE used[P11_MATERIAL_USED_MAX];
	size_t nused;
};

/*
 * Builds the material of an object of class (CKO_PRIVATE_KEY, CKO_PUBLIC_KEY:
 * CKK_EC P-256/P-384, CKK_RSA, CKK_EC_EDWARDS Ed25519; CKO_SECRET_KEY: CKK_AES;
 * CKO_CERTIFICATE: CKC_X_509) from template t. Returns CKR_TEMPLATE_INCOMPLETE
 * (a needed value is missing), CKR_ATTRIBUTE_VALUE_INVALID (a value that is
 * never valid: malformed DER, wrong length, a point off the curve),
 * CKR_CURVE_NOT_SUPPORTED, CKR_TEMPLATE_INCONSISTENT (valid values that do not
 * make one key, or a key this token does not take), CKR_HOST_MEMORY. On
 * failure m holds nothing. Template bytes are only read; every copy of a
 * private value is wiped.
 */
CK_RV p11_material_make(CK_OBJECT_CLASS class, CK_KEY_TYPE type, const CK_ATTRIBUTE *t, CK_ULONG n,
			struct p11_material *m);
/* Wipes and frees what m holds; NULL-safe. */
void p11_material_clear(struct p11_material *m);
/* 1 when the template attribute type went into the material. */
int p11_material_used(const struct p11_material *m, CK_ATTRIBUTE_TYPE type);

#endif
