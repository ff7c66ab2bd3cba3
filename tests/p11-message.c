/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PKCS#11 3.0 message-based AEAD API on AES-GCM, through C_GetInterface's
 * v3.0 function list only, for tests/integration/p11-mechs.sh (TAP; exit 0
 * when all passed):
 *
 *   p11-message MODULE TOKEN PIN
 *
 * With an AES-256 key of known value (C_CreateObject), every message is
 * checked against OpenSSL's AES-256-GCM in this program: generated IVs keep
 * their fixed bits and differ per message, single-part and Begin/Next give the
 * same ciphertext and tag, decryption gives the plaintext back and refuses a
 * changed tag or ciphertext (CKR_AEAD_DECRYPT_FAILED, nothing output), and the
 * operation's life (not initialised, active, final) is the spec's.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "pkcs11/pkcs11_v3.h"
#include "crypto/p11_crypto.h"
#include "p11-test.h"
#include "test.h"

static CK_FUNCTION_LIST_3_0 *f;
static CK_SESSION_HANDLE sess;

#define is_rv(got, want, ...) \
	(ok((got) == (want), __VA_ARGS__) || (diag("got 0x%lx, want 0x%lx", (unsigned long)(got), (unsigned long)(want)), 0))

static const uint8_t key[32] = "a known AES-256 key, 32 bytes.!";
static const uint8_t aad[] = "associated data";
static const uint8_t pt[] = "a message of more than one AES block, encrypted by the token";

/* OpenSSL's AES-256-GCM of pt under key and iv: ciphertext and tag. */
static int ossl_gcm(const uint8_t *iv, size_t ivlen, uint8_t *ct, uint8_t tag[16])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, m = 0, ok_ = c != NULL && EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
			       EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, (int)ivlen, NULL) == 1 &&
			       EVP_EncryptInit_ex(c, NULL, NULL, key, iv) == 1 &&
			       EVP_EncryptUpdate(c, NULL, &n, aad, sizeof(aad)) == 1 &&
			       EVP_EncryptUpdate(c, ct, &n, pt, sizeof(pt)) == 1 && EVP_EncryptFinal_ex(c, ct + n, &m) == 1 &&
			       EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;

	EVP_CIPHER_CTX_free(c);
	return ok_;
}

static CK_OBJECT_HANDLE make_key(void)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_BBOOL yes = CK_TRUE;
	uint8_t id = 0x77;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) }, { CKA_KEY_TYPE, &kt, sizeof(kt) },   { CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_PRIVATE, &yes, sizeof(yes) }, { CKA_SENSITIVE, &yes, sizeof(yes) }, { CKA_ID, &id, 1 },
		{ CKA_VALUE, (void *)key, sizeof(key) },
	};
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;

	is_rv(f->C_CreateObject(sess, t, sizeof(t) / sizeof(t[0]), &h), CKR_OK, "C_CreateObject AES-256 of known value");
	return h;
}

static void test_encrypt(CK_OBJECT_HANDLE k, uint8_t iv[12], uint8_t ct[128], uint8_t tag[16])
{
	CK_MECHANISM m = { CKM_AES_GCM, NULL, 0 };
	CK_GCM_MESSAGE_PARAMS p = { iv, 12, 32, CKG_GENERATE_RANDOM, tag, 128 };
	uint8_t want_ct[128], want_tag[16], iv1[12], part[128];
	CK_ULONG len = 0, n1, n2;

	memcpy(iv, "FIXD-generated", 12);
	m.mechanism = CKM_AES_CBC;
	is_rv(f->C_MessageEncryptInit(sess, &m, k), CKR_MECHANISM_INVALID, "C_MessageEncryptInit AES-CBC (no CKF_MESSAGE_ENCRYPT)");
	is_rv(f->C_MessageDecryptInit(sess, &m, k), CKR_MECHANISM_INVALID, "C_MessageDecryptInit AES-CBC (no CKF_MESSAGE_DECRYPT)");
	m.mechanism = CKM_AES_GCM;
	is_rv(f->C_EncryptMessage(sess, &p, sizeof(p), (CK_BYTE_PTR)aad, sizeof(aad), (CK_BYTE_PTR)pt, sizeof(pt), ct, &len),
	      CKR_OPERATION_NOT_INITIALIZED, "C_EncryptMessage before C_MessageEncryptInit");
	is_rv(f->C_MessageEncryptInit(sess, &m, k), CKR_OK, "C_MessageEncryptInit AES-GCM");
	is_rv(f->C_MessageEncryptInit(sess, &m, k), CKR_OPERATION_ACTIVE, "a second C_MessageEncryptInit: active");
	is_rv(f->C_EncryptMessage(sess, &p, sizeof(p), (CK_BYTE_PTR)aad, sizeof(aad), (CK_BYTE_PTR)pt, sizeof(pt), NULL, &len),
	      CKR_OK, "C_EncryptMessage size query");
	ok(len == sizeof(pt) && memcmp(iv, "FIXD-generated", 12) == 0, "size query: %lu bytes, no IV made", len);
	len = 128;
	is_rv(f->C_EncryptMessage(sess, &p, sizeof(p), (CK_BYTE_PTR)aad, sizeof(aad), (CK_BYTE_PTR)pt, sizeof(pt), ct, &len),
	      CKR_OK, "C_EncryptMessage with CKG_GENERATE_RANDOM");
	ok(memcmp(iv, "FIXD", 4) == 0 && memcmp(iv + 4, "-generated", 8) != 0, "the IV keeps its 32 fixed bits, the rest is new");
	ok(ossl_gcm(iv, 12, want_ct, want_tag) && len == sizeof(pt) && memcmp(ct, want_ct, len) == 0 &&
		   memcmp(tag, want_tag, 16) == 0,
	   "ciphertext and tag are OpenSSL's AES-256-GCM under that IV");
	memcpy(iv1, iv, 12);
	len = 128;
	is_rv(f->C_EncryptMessage(sess, &p, sizeof(p), (CK_BYTE_PTR)aad, sizeof(aad), (CK_BYTE_PTR)pt, sizeof(pt), part, &len),
	      CKR_OK, "a second message");
	ok(memcmp(iv1, iv, 12) != 0, "a new IV for the second message");
	/* The same IV given (CKG_NO_GENERATE) in Begin/Next parts: the same bytes. */
	memcpy(iv, iv1, 12);
	p.ivGenerator = CKG_NO_GENERATE;
	n1 = sizeof(part);
	is_rv(f->C_EncryptMessageBegin(sess, &p, sizeof(p), (CK_BYTE_PTR)aad, sizeof(aad)), CKR_OK, "C_EncryptMessageBegin");
	is_rv(f->C_EncryptMessageNext(sess, &p, sizeof(p), (CK_BYTE_PTR)pt, 7, part, &n1, 0), CKR_OK, "C_EncryptMessageNext (7)");
	n2 = sizeof(part) - n1;
	is_rv(f->C_EncryptMessageNext(sess, &p, sizeof(p), (CK_BYTE_PTR)pt + 7, sizeof(pt) - 7, part + n1, &n2,
				      CKF_END_OF_MESSAGE),
	      CKR_OK, "C_EncryptMessageNext (the rest, CKF_END_OF_MESSAGE)");
	ok(n1 + n2 == sizeof(pt) && memcmp(part, ct, sizeof(pt)) == 0 && memcmp(tag, want_tag, 16) == 0,
	   "Begin/Next: the single-part ciphertext and tag");
	p.ivGenerator = CKG_GENERATE_COUNTER;
	len = 128;
	is_rv(f->C_EncryptMessage(sess, &p, sizeof(p), (CK_BYTE_PTR)aad, sizeof(aad), (CK_BYTE_PTR)pt, sizeof(pt), part, &len),
	      CKR_MECHANISM_PARAM_INVALID, "CKG_GENERATE_COUNTER: refused (a counter would repeat across sessions)");
	p.ivGenerator = CKG_GENERATE_RANDOM;
	p.ulIvFixedBits = 40;
	is_rv(f->C_EncryptMessage(sess, &p, sizeof(p), (CK_BYTE_PTR)aad, sizeof(aad), (CK_BYTE_PTR)pt, sizeof(pt), part, &len),
	      CKR_MECHANISM_PARAM_INVALID, "fewer than 64 random IV bits: refused");
	is_rv(f->C_MessageEncryptFinal(sess), CKR_OK, "C_MessageEncryptFinal");
	is_rv(f->C_MessageEncryptFinal(sess), CKR_OPERATION_NOT_INITIALIZED, "C_MessageEncryptFinal again: not initialised");
	memcpy(iv, iv1, 12);
	memcpy(tag, want_tag, 16);
}

static void test_decrypt(CK_OBJECT_HANDLE k, uint8_t iv[12], const uint8_t ct[128], uint8_t tag[16])
{
	CK_MECHANISM m = { CKM_AES_GCM, NULL, 0 };
	CK_GCM_MESSAGE_PARAMS p = { iv, 12, 0, CKG_NO_GENERATE, tag, 128 };
	uint8_t out[128], bad[128];
	CK_ULONG len = sizeof(out), n1 = sizeof(out), n2;

	is_rv(f->C_MessageDecryptInit(sess, &m, k), CKR_OK, "C_MessageDecryptInit AES-GCM");
	is_rv(f->C_DecryptMessage(sess, &p, sizeof(p), (CK_BYTE_PTR)aad, sizeof(aad), (CK_BYTE_PTR)ct, sizeof(pt), out, &len),
	      CKR_OK, "C_DecryptMessage");
	ok(len == sizeof(pt) && memcmp(out, pt, len) == 0, "the plaintext back");
	memcpy(bad, ct, sizeof(pt));
	bad[3] ^= 1;
	len = sizeof(out);
	memset(out, 0, sizeof(out));
	is_rv(f->C_DecryptMessage(sess, &p, sizeof(p), (CK_BYTE_PTR)aad, sizeof(aad), bad, sizeof(pt), out, &len),
	      CKR_AEAD_DECRYPT_FAILED, "a changed ciphertext: CKR_AEAD_DECRYPT_FAILED");
	ok(memcmp(out, pt, sizeof(pt)) != 0 && out[0] == 0, "nothing of it was output");
	tag[0] ^= 1;
	len = sizeof(out);
	is_rv(f->C_DecryptMessage(sess, &p, sizeof(p), (CK_BYTE_PTR)aad, sizeof(aad), (CK_BYTE_PTR)ct, sizeof(pt), out, &len),
	      CKR_AEAD_DECRYPT_FAILED, "a changed tag: CKR_AEAD_DECRYPT_FAILED");
	tag[0] ^= 1;
	is_rv(f->C_DecryptMessageBegin(sess, &p, sizeof(p), (CK_BYTE_PTR)aad, sizeof(aad)), CKR_OK, "C_DecryptMessageBegin");
	is_rv(f->C_DecryptMessageNext(sess, &p, sizeof(p), (CK_BYTE_PTR)ct, 9, out, &n1, 0), CKR_OK, "C_DecryptMessageNext (9)");
	ok(n1 == 0, "nothing before the tag is checked (%lu bytes)", n1);
	n2 = sizeof(out);
	is_rv(f->C_DecryptMessageNext(sess, &p, sizeof(p), (CK_BYTE_PTR)ct + 9, sizeof(pt) - 9, out, &n2, CKF_END_OF_MESSAGE),
	      CKR_OK, "C_DecryptMessageNext (the rest, CKF_END_OF_MESSAGE)");
	ok(n2 == sizeof(pt) && memcmp(out, pt, n2) == 0, "the whole plaintext at the end of the message");
	p.ivGenerator = CKG_GENERATE_RANDOM;
	len = sizeof(out);
	is_rv(f->C_DecryptMessage(sess, &p, sizeof(p), (CK_BYTE_PTR)aad, sizeof(aad), (CK_BYTE_PTR)ct, sizeof(pt), out, &len),
	      CKR_MECHANISM_PARAM_INVALID, "decryption with a generator: refused");
	is_rv(f->C_MessageDecryptFinal(sess), CKR_OK, "C_MessageDecryptFinal");
}

/* Digests need no login (a read-only session before C_Login); C_DigestKey refuses unextractable keys. */
static void test_digest(CK_SLOT_ID slot, int logged_in, CK_OBJECT_HANDLE k)
{
	CK_MECHANISM m = { CKM_SHA256, NULL, 0 };
	CK_SESSION_HANDLE ro;
	uint8_t want[32], got[64];
	unsigned int wl = 0;
	CK_ULONG gl = sizeof(got);

	if (!logged_in) {
		is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &ro), CKR_OK, "a read-only session, no login");
		ok(EVP_Digest(pt, sizeof(pt), want, &wl, EVP_sha256(), NULL) == 1 && f->C_DigestInit(ro, &m) == CKR_OK &&
			   f->C_Digest(ro, (CK_BYTE_PTR)pt, sizeof(pt), got, &gl) == CKR_OK && gl == 32 &&
			   memcmp(got, want, 32) == 0,
		   "C_Digest SHA-256 without a login is OpenSSL's");
		f->C_CloseSession(ro);
		return;
	}
	is_rv(f->C_DigestInit(sess, &m), CKR_OK, "C_DigestInit for C_DigestKey");
	is_rv(f->C_DigestKey(sess, CK_INVALID_HANDLE), CKR_KEY_HANDLE_INVALID, "C_DigestKey of no key: CKR_KEY_HANDLE_INVALID");
	is_rv(f->C_DigestInit(sess, &m), CKR_OK, "C_DigestInit again (the error ended the digest)");
	is_rv(f->C_DigestUpdate(sess, (CK_BYTE_PTR)pt, sizeof(pt)), CKR_OK, "C_DigestUpdate");
	/* The key is sensitive and not extractable: its digest would be a way to guess a short one. */
	is_rv(f->C_DigestKey(sess, k), CKR_KEY_INDIGESTIBLE, "C_DigestKey of a non-extractable key: CKR_KEY_INDIGESTIBLE");
	is_rv(f->C_DigestFinal(sess, got, &gl), CKR_OPERATION_NOT_INITIALIZED, "the refusal ended the digest");
}

int main(int argc, char **argv)
{
	CK_C_INITIALIZE_ARGS init = { NULL, NULL, NULL, NULL, CKF_OS_LOCKING_OK, NULL };
	CK_RV (*gi)(CK_UTF8CHAR_PTR, CK_VERSION_PTR, CK_INTERFACE_PTR_PTR, CK_FLAGS);
	CK_VERSION v3 = { 3, 0 };
	CK_INTERFACE_PTR iface = NULL;
	CK_MECHANISM_INFO mi;
	CK_SLOT_ID slot;
	uint8_t iv[12], ct[128], tag[16];
	void *lib;

	if (argc != 4 || (lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL)) == NULL) {
		fprintf(stderr, "usage: p11-message MODULE TOKEN PIN\n");
		return 2;
	}
	*(void **)&gi = dlsym(lib, "C_GetInterface");
	if (gi == NULL || gi((CK_UTF8CHAR_PTR) "PKCS 11", &v3, &iface, 0) != CKR_OK || iface == NULL)
		return 2;
	f = iface->pFunctionList;
	is_rv(f->C_Initialize(&init), CKR_OK, "C_Initialize (v3.0 list)");
	if (p11_test_find_slot((CK_FUNCTION_LIST *)f, argv[2], &slot) < 0) {
		printf("Bail out! no token %s\n", argv[2]);
		return 1;
	}
	ok(f->C_GetMechanismInfo(slot, CKM_AES_GCM, &mi) == CKR_OK &&
		   (mi.flags & (CKF_MESSAGE_ENCRYPT | CKF_MESSAGE_DECRYPT)) == (CKF_MESSAGE_ENCRYPT | CKF_MESSAGE_DECRYPT),
	   "CKM_AES_GCM: CKF_MESSAGE_ENCRYPT and CKF_MESSAGE_DECRYPT");
	test_digest(slot, 0, CK_INVALID_HANDLE);
	is_rv(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &sess), CKR_OK, "C_OpenSession");
	is_rv(f->C_Login(sess, CKU_USER, (CK_UTF8CHAR_PTR)argv[3], strlen(argv[3])), CKR_OK, "C_Login");
	CK_OBJECT_HANDLE k = make_key();
	test_digest(slot, 1, k);
	test_encrypt(k, iv, ct, tag);
	test_decrypt(k, iv, ct, tag);
	f->C_CloseSession(sess);
	is_rv(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
	dlclose(lib);
	return poc_test_done();
}
