/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The key-encryption key in a PKCS#11 token (SoftHSM2 in the tests, any HSM in production),
 * loaded by path and driven through the PKCS#11 API only: an AES-256 secret key, CKA_TOKEN,
 * CKA_SENSITIVE, not CKA_EXTRACTABLE, used for CKM_AES_GCM. S_R and every K_kid are stored
 * wrapped by it; its value never leaves the token.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <p11-kit/pkcs11.h>

#include "pocd.h"

struct pocd_kek {
	void *dl;
	CK_FUNCTION_LIST_PTR f;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE key;
};

#define IV_LEN 12
#define TAG_LEN 16

/* The slot whose token label (space padded) is label. */
static int find_slot(struct pocd_kek *k, const char *label, CK_SLOT_ID *slot)
{
	CK_SLOT_ID ids[64];
	CK_ULONG n = 64;
	CK_TOKEN_INFO ti;
	char want[32];
	size_t l = strlen(label);

	if (l > 32 || k->f->C_GetSlotList(CK_TRUE, ids, &n) != CKR_OK)
		return -1;
	memset(want, ' ', sizeof(want));
	memcpy(want, label, l);
	for (CK_ULONG i = 0; i < n; i++)
		if (k->f->C_GetTokenInfo(ids[i], &ti) == CKR_OK && memcmp(ti.label, want, 32) == 0) {
			*slot = ids[i];
			return 0;
		}
	return -1;
}

static int find_key(struct pocd_kek *k, const char *label)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof(cls) }, { CKA_LABEL, (void *)label, strlen(label) } };
	CK_OBJECT_HANDLE h[2];
	CK_ULONG n = 0;
	CK_RV rv;

	if (k->f->C_FindObjectsInit(k->s, t, 2) != CKR_OK)
		return -1;
	rv = k->f->C_FindObjects(k->s, h, 2, &n);
	if (k->f->C_FindObjectsFinal(k->s) != CKR_OK || rv != CKR_OK)
		return -1;
	k->key = h[0];
	return n == 1 ? 0 : n == 0 ? 1 : 2; /* two: which one wraps? */
}

/* The key found is the one generate() makes: AES-256, sensitive and never extractable since its
 * creation (a key once extractable may have been copied out). NULL, or what it lacks. */
static const char *weak_key(struct pocd_kek *k)
{
	CK_KEY_TYPE type = 0;
	CK_ULONG len = 0;
	CK_BBOOL sens = CK_FALSE, always = CK_FALSE, extr = CK_TRUE, never = CK_FALSE;
	CK_ATTRIBUTE t[] = {
		{ CKA_KEY_TYPE, &type, sizeof(type) },	      { CKA_VALUE_LEN, &len, sizeof(len) },
		{ CKA_SENSITIVE, &sens, sizeof(sens) },	      { CKA_ALWAYS_SENSITIVE, &always, sizeof(always) },
		{ CKA_EXTRACTABLE, &extr, sizeof(extr) },     { CKA_NEVER_EXTRACTABLE, &never, sizeof(never) },
	};

	if (k->f->C_GetAttributeValue(k->s, k->key, t, sizeof(t) / sizeof(t[0])) != CKR_OK)
		return "its attributes are unreadable";
	if (type != CKK_AES || len != 32)
		return "not an AES-256 key";
	if (!sens || !always)
		return "not always sensitive";
	if (extr || !never)
		return "extractable (or once was)";
	return NULL;
}

static int generate(struct pocd_kek *k, const char *label)
{
	CK_MECHANISM m = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ULONG len = 32;
	CK_ATTRIBUTE t[] = {
		{ CKA_LABEL, (void *)label, strlen(label) }, { CKA_VALUE_LEN, &len, sizeof(len) },
		{ CKA_TOKEN, &yes, sizeof(yes) },	       { CKA_PRIVATE, &yes, sizeof(yes) },
		{ CKA_SENSITIVE, &yes, sizeof(yes) },	       { CKA_EXTRACTABLE, &no, sizeof(no) },
		{ CKA_ENCRYPT, &yes, sizeof(yes) },	       { CKA_DECRYPT, &yes, sizeof(yes) },
	};

	return k->f->C_GenerateKey(k->s, &m, t, sizeof(t) / sizeof(t[0]), &k->key) == CKR_OK ? 0 : -1;
}

static int load(struct poc_err *e, struct pocd_kek *k, const char *module)
{
	CK_C_GetFunctionList get;
	CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK };
	CK_RV rv;

	if ((k->dl = dlopen(module, RTLD_NOW | RTLD_LOCAL)) == NULL)
		return poc_err_set(e, POC_ERR_UNREACHABLE, "kek: cannot load %s: %s", module, dlerror());
	*(void **)&get = dlsym(k->dl, "C_GetFunctionList");
	if (get == NULL || get(&k->f) != CKR_OK)
		return poc_err_set(e, POC_ERR_UNREACHABLE, "kek: %s is not a PKCS#11 module", module);
	rv = k->f->C_Initialize(&args);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		k->f = NULL;
		return poc_err_set(e, POC_ERR_UNREACHABLE, "kek: C_Initialize: 0x%lx", (unsigned long)rv);
	}
	return 0;
}

int pocd_kek_open(struct poc_err *e, const struct pocd_conf *c, int create, struct pocd_kek **out)
{
	struct pocd_kek *k = calloc(1, sizeof(*k));
	CK_SLOT_ID slot;
	CK_RV rv;
	int found;
	const char *weak;

	*out = NULL;
	if (k == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "kek");
	k->s = CK_INVALID_HANDLE;
	if (load(e, k, c->pkcs11_module) < 0)
		goto fail;
	if (find_slot(k, c->pkcs11_token, &slot) < 0) {
		poc_err_set(e, POC_ERR_UNREACHABLE, "kek: no token labelled \"%s\"", c->pkcs11_token);
		goto fail;
	}
	if ((rv = k->f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &k->s)) != CKR_OK ||
	    (rv = k->f->C_Login(k->s, CKU_USER, (CK_UTF8CHAR_PTR)c->pkcs11_pin, strlen(c->pkcs11_pin))) != CKR_OK) {
		poc_err_set(e, POC_ERR_AUTH, "kek: session or login: 0x%lx", (unsigned long)rv);
		goto fail;
	}
	if ((found = find_key(k, c->kek_label)) == 2) {
		poc_err_set(e, POC_ERR_POLICY, "kek: two keys labelled \"%s\" in the token: refused", c->kek_label);
		goto fail;
	}
	if (found < 0 || (found == 1 && (!create || generate(k, c->kek_label) < 0))) {
		poc_err_set(e, POC_ERR_UNREACHABLE, "kek: no key \"%s\" in the token%s", c->kek_label,
			    create ? " (and it cannot be generated)" : " (pocd init makes it)");
		goto fail;
	}
	if ((weak = weak_key(k)) != NULL) {
		poc_err_set(e, POC_ERR_POLICY, "kek: the key \"%s\" in the token is %s: refused", c->kek_label, weak);
		goto fail;
	}
	*out = k;
	return 0;
fail:
	pocd_kek_close(k);
	return -1;
}

void pocd_kek_close(struct pocd_kek *k)
{
	if (k == NULL)
		return;
	if (k->f != NULL) {
		if (k->s != CK_INVALID_HANDLE) {
			(void)k->f->C_Logout(k->s);
			(void)k->f->C_CloseSession(k->s);
		}
		(void)k->f->C_Finalize(NULL);
	}
	if (k->dl != NULL)
		dlclose(k->dl);
	free(k);
}

/* One C_EncryptInit/C_Encrypt or C_DecryptInit/C_Decrypt with CKM_AES_GCM. */
static CK_RV gcm(struct pocd_kek *k, int enc, uint8_t *iv, const uint8_t *aad, size_t aad_len, const uint8_t *in,
		 size_t in_len, uint8_t *out, CK_ULONG *out_len)
{
	CK_GCM_PARAMS gp = { .pIv = iv, .ulIvLen = IV_LEN, .ulIvBits = IV_LEN * 8, .pAAD = (CK_BYTE_PTR)aad,
			     .ulAADLen = aad_len, .ulTagBits = TAG_LEN * 8 };
	CK_MECHANISM m = { CKM_AES_GCM, &gp, sizeof(gp) };
	CK_RV rv = enc ? k->f->C_EncryptInit(k->s, &m, k->key) : k->f->C_DecryptInit(k->s, &m, k->key);

	if (rv != CKR_OK)
		return rv;
	return enc ? k->f->C_Encrypt(k->s, (CK_BYTE_PTR)in, in_len, out, out_len) :
		     k->f->C_Decrypt(k->s, (CK_BYTE_PTR)in, in_len, out, out_len);
}

int pocd_kek_wrap(struct poc_err *e, struct pocd_kek *k, const uint8_t *aad, size_t aad_len, const uint8_t *pt,
		  size_t pt_len, uint8_t **out, size_t *outlen)
{
	uint8_t *buf = malloc(IV_LEN + pt_len + TAG_LEN);
	CK_ULONG n = pt_len + TAG_LEN;
	CK_RV rv;

	*out = NULL;
	*outlen = 0;
	if (buf == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "kek");
	if (RAND_bytes(buf, IV_LEN) != 1) {
		free(buf);
		return poc_err_ssl(e, POC_ERR_CRYPTO, "kek: iv");
	}
	if ((rv = gcm(k, 1, buf, aad, aad_len, pt, pt_len, buf + IV_LEN, &n)) != CKR_OK || n != pt_len + TAG_LEN) {
		free(buf);
		return poc_err_set(e, POC_ERR_DEVICE, "kek: C_Encrypt (AES-GCM): 0x%lx", (unsigned long)rv);
	}
	*out = buf;
	*outlen = IV_LEN + pt_len + TAG_LEN;
	return 0;
}

int pocd_kek_unwrap(struct poc_err *e, struct pocd_kek *k, const uint8_t *aad, size_t aad_len, const uint8_t *in,
		    size_t inlen, uint8_t **pt, size_t *ptlen)
{
	uint8_t iv[IV_LEN], *buf;
	CK_ULONG n;
	CK_RV rv;

	*pt = NULL;
	*ptlen = 0;
	if (inlen <= IV_LEN + TAG_LEN || inlen > 4096)
		return poc_err_set(e, POC_ERR_MALFORMED, "kek: a wrapped value of %zu bytes", inlen);
	n = inlen - IV_LEN;
	if ((buf = OPENSSL_secure_malloc(n)) == NULL && (buf = malloc(n)) == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "kek");
	memcpy(iv, in, IV_LEN);
	rv = gcm(k, 0, iv, aad, aad_len, in + IV_LEN, inlen - IV_LEN, buf, &n);
	if (rv != CKR_OK || n != inlen - IV_LEN - TAG_LEN) {
		OPENSSL_cleanse(buf, inlen - IV_LEN);
		if (CRYPTO_secure_allocated(buf))
			OPENSSL_secure_free(buf);
		else
			free(buf);
		return poc_err_set(e, rv == CKR_ENCRYPTED_DATA_INVALID ? POC_ERR_SIGNATURE : POC_ERR_DEVICE,
				   "kek: C_Decrypt (AES-GCM): 0x%lx", (unsigned long)rv);
	}
	*pt = buf;
	*ptlen = n;
	return 0;
}
