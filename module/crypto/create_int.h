/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the files of C_CreateObject's key material share (p11_create.c: the
 * template readers, the checks and encodings of a made key, AES and
 * certificates; create_ec.c: EC and Edwards; create_rsa.c: RSA).
 */
#ifndef POC_CREATE_INT_H
#define POC_CREATE_INT_H

#include <openssl/evp.h>
#include <openssl/params.h>

#include "crypto/p11_create.h"

#define POC_CREATE_BIGNUM_MAX 2048  /* one RSA or EC component: up to 16384 bits */
#define POC_CREATE_EC_PARAMS_MAX 128
#define POC_CREATE_EC_POINT_MAX 160

/* The template attribute of type (NULL when absent), recorded as used. */
const CK_ATTRIBUTE *poc_create_take(struct p11_material *m, const CK_ATTRIBUTE *t, CK_ULONG n, CK_ATTRIBUTE_TYPE type);
/* A value the object needs: absent is CKR_TEMPLATE_INCOMPLETE, empty or longer than max CKR_ATTRIBUTE_VALUE_INVALID. */
CK_RV poc_create_need(const CK_ATTRIBUTE *a, size_t max);
/* A big-endian integer of the template; private values go to the secure heap (BN_clear_free). */
CK_RV poc_create_bn(const CK_ATTRIBUTE *a, int secret, BIGNUM **out);
/* EVP_PKEY_fromdata of alg (NULL on any failure, the error queue cleared). */
EVP_PKEY *poc_create_from_params(const char *alg, int selection, OSSL_PARAM *params);
/* OpenSSL's full check of a key pair (private: ranges and public = f(private)) or of a public key. */
int poc_create_key_check(EVP_PKEY *pk, int private);
/*
 * A private key as it is sealed: PKCS#8 DER in locked memory, loaded back by
 * poc_key_from_secret (the checks a release makes), and its SPKI. encode_rv
 * is returned when OpenSSL cannot encode the key.
 */
CK_RV poc_create_private_out(EVP_PKEY *pk, CK_KEY_TYPE type, CK_RV encode_rv, struct p11_material *m);
/* A public key as it is stored: its SPKI, loaded back by poc_key_from_spki. */
CK_RV poc_create_public_out(EVP_PKEY *pk, struct p11_material *m);

/* The key types' makers (class CKO_PRIVATE_KEY or CKO_PUBLIC_KEY). */
CK_RV poc_create_ec(int private, const CK_ATTRIBUTE *t, CK_ULONG n, struct p11_material *m);
CK_RV poc_create_ed(int private, const CK_ATTRIBUTE *t, CK_ULONG n, struct p11_material *m);
CK_RV poc_create_rsa(int private, const CK_ATTRIBUTE *t, CK_ULONG n, struct p11_material *m);

#endif
