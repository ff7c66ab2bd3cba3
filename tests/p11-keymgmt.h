/* SPDX-License-Identifier: Apache-2.0 */
/* What tests/p11-keymgmt.c (round trips, Tookan table, derivation) and tests/p11-keymgmt-rules.c share. */
#ifndef POC_P11_KEYMGMT_TEST_H
#define POC_P11_KEYMGMT_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <p11-kit/pkcs11.h>

#define POC_TEST_SHARED /* one TAP count for tests/p11-keymgmt.c and tests/p11-keymgmt-rules.c */
#include "test.h"

/* PKCS#11 3.0 (pkcs11t.h) names p11-kit's v2.40 header lacks, as an application would define them. */
#define CKM_AES_KEY_WRAP_KWP 0x0000210BUL
#define CKM_HKDF_DERIVE 0x0000402AUL
#define CKF_HKDF_SALT_DATA 0x00000002UL
typedef struct {
	CK_BBOOL bExtract, bExpand;
	CK_MECHANISM_TYPE prfHashMechanism;
	CK_ULONG ulSaltType;
	CK_BYTE_PTR pSalt;
	CK_ULONG ulSaltLen;
	CK_OBJECT_HANDLE hSaltKey;
	CK_BYTE_PTR pInfo;
	CK_ULONG ulInfoLen;
} CK_HKDF_PARAMS;

extern CK_FUNCTION_LIST_PTR f;
extern CK_SESSION_HANDLE sess;
extern CK_BBOOL yes, no;
extern CK_KEY_TYPE aes_type, generic_type;

#define is_rv(got, want, ...) \
	(ok((got) == (want), __VA_ARGS__) || (diag("got 0x%lx, want 0x%lx", (unsigned long)(got), (unsigned long)(want)), 0))

struct tmpl {
	CK_ATTRIBUTE a[20];
	CK_ULONG n;
	char label[32];
};

#define END ((CK_ATTRIBUTE_TYPE)-1)
#define LIST(...) ((const CK_ATTRIBUTE_TYPE[]){ __VA_ARGS__, END })

void t_add(struct tmpl *t, CK_ATTRIBUTE_TYPE type, void *p, CK_ULONG len);
/* A template with a fresh label, CK_TRUE for on's attributes, CK_FALSE for off's (CKA_TOKEN in on: a token object). */
struct tmpl *tmpl_new(struct tmpl *t, const CK_ATTRIBUTE_TYPE *on, const CK_ATTRIBUTE_TYPE *off);
/* A generated AES key of len bytes, or CK_INVALID_HANDLE. */
CK_OBJECT_HANDLE aes_gen(CK_ULONG len, const CK_ATTRIBUTE_TYPE *on, const CK_ATTRIBUTE_TYPE *off);
CK_RV wrap(CK_MECHANISM *m, CK_OBJECT_HANDLE wk, CK_OBJECT_HANDLE k, uint8_t *out, CK_ULONG *len);
CK_RV unwrap(CK_MECHANISM *m, CK_OBJECT_HANDLE uk, uint8_t *in, CK_ULONG len, struct tmpl *t, CK_OBJECT_HANDLE *out);
/* The template of an unwrapped or derived secret key of type (and *len bytes if len is not NULL). */
struct tmpl *secret_tmpl(struct tmpl *t, CK_KEY_TYPE *type, CK_ULONG *len, const CK_ATTRIBUTE_TYPE *on,
			 const CK_ATTRIBUTE_TYPE *off);
/* 1 when a and b are the same AES key (AES-GCM). */
int same_aes(CK_OBJECT_HANDLE a, CK_OBJECT_HANDLE b);
int get_bool(CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type, int want);
/* C_DeriveKey with CKM_ECDH1_DERIVE on base and the peer's point pt. */
CK_RV ecdh(CK_OBJECT_HANDLE base, CK_ULONG kdf, uint8_t *pt, CK_ULONG ptlen, struct tmpl *t, CK_OBJECT_HANDLE *out);

/* tests/p11-keymgmt-rules.c */
void sticky(CK_OBJECT_HANDLE target);
void templates(CK_OBJECT_HANDLE target);
void derive_template(void);

#endif
