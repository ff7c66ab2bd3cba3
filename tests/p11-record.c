/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Drives poc-pkcs11.so only through C_GetFunctionList (dlopen), for
 * tests/integration/pkcs11.sh. Prints TAP lines; exit 0 when all passed.
 *
 *   p11-record MODULE record TOKEN PIN LABEL OUTDIR  # the key's CKA_POC_ATTESTATION_RECORD -> OUTDIR/key.rec,
 *                                                   # the token's verifier key -> OUTDIR/verifier.pem, CKA_ID ->
 *                                                   # OUTDIR/id.hex; sensitive values, 2 threads signing, fork
 *   p11-record MODULE ttl TOKEN PIN LABEL OUTDIR     # sign, sleep 3 s, sign (the shell counts the checks)
 *   p11-record MODULE denied TOKEN PIN LABEL OUTDIR  # C_Login fails with CKR_FUNCTION_FAILED; the denial record
 *                                                   # (on the public key object) -> OUTDIR/denied.rec
 *   p11-record MODULE wrongpin TOKEN PIN LABEL OUTDIR  # C_Login fails with CKR_PIN_INCORRECT
 *   p11-record MODULE locked TOKEN PIN LABEL OUTDIR    # C_Login fails with CKR_PIN_LOCKED
 *   p11-record MODULE swapped TOKEN PIN LABEL OUTDIR   # lists the token's objects, runs $P11_RECORD_HOOK (the
 *                                                   # attacker edits a file back), then C_Login must fail with
 *                                                   # CKR_FUNCTION_FAILED and no CKO_DATA LABEL give a value
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <p11-kit/pkcs11.h>

#include "config/configuration.h"
#include "p11-test.h"
#include "pkcs11/poc-pkcs11.h"
#include "store/store.h"

static CK_FUNCTION_LIST_PTR f;
static int n_test, n_fail;
static CK_SLOT_ID slot;
static const char *g_label, *g_pin;

static void check(int ok, const char *what, CK_RV rv)
{
	n_test++;
	if (!ok)
		n_fail++;
	printf("%s %d - %s (rv 0x%lx)\n", ok ? "ok" : "not ok", n_test, what, (unsigned long)rv);
	fflush(stdout);
}

static int write_file(const char *dir, const char *name, const void *p, size_t len)
{
	char path[4096];
	FILE *fp;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	if (fp == NULL)
		return 0;
	ok = fwrite(p, 1, len, fp) == len;
	return fclose(fp) == 0 && ok;
}

static CK_OBJECT_HANDLE find(CK_SESSION_HANDLE s, CK_OBJECT_CLASS class, const char *label)
{
	return p11_test_find(f, s, class, label);
}

static int find_slot(const char *token)
{
	return p11_test_find_slot(f, token, &slot);
}

static CK_RV sign_once(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key)
{
	CK_MECHANISM m = { CKM_ECDSA_SHA256, NULL, 0 };
	CK_BYTE data[] = "poc-pkcs11 thread test", sig[256];
	CK_ULONG siglen = sizeof(sig);
	CK_RV rv = f->C_SignInit(s, &m, key);

	if (rv == CKR_OK)
		rv = f->C_Sign(s, data, sizeof(data), sig, &siglen);
	return rv;
}

static void *thread_main(void *arg)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE key;
	CK_RV rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s);
	int i;

	(void)arg;
	if (rv != CKR_OK)
		return (void *)(uintptr_t)rv;
	key = find(s, CKO_PRIVATE_KEY, g_label);
	for (i = 0; i < 50 && rv == CKR_OK; i++)
		rv = sign_once(s, key);
	f->C_CloseSession(s);
	return (void *)(uintptr_t)rv;
}

/* A public key of the token's as dir/name (PEM). */
/* The SPKI as PEM under label (how `poctool show` exports the token's keys). */
static int write_pub(const uint8_t *spki, size_t len, const char *dir, const char *name, const char *label)
{
	const uint8_t *p = spki;
	EVP_PKEY *k = spki != NULL ? d2i_PUBKEY(NULL, &p, (long)len) : NULL;
	char path[4096];
	FILE *fp;
	int ok = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = k ? fopen(path, "w") : NULL;
	if (fp != NULL) {
		ok = PEM_write(fp, label, "", spki, (long)len) > 0;
		ok = fclose(fp) == 0 && ok;
	}
	EVP_PKEY_free(k);
	return ok;
}

/* The token's record keys: dir/verifier.pem and dir/denial.pem (its label says: a denial key). */
static int export_verifier(const char *token, const char *dir)
{
	struct poc_err e = { 0 };
	struct poc_config cfg;
	struct poc_store *st = NULL;
	struct poc_token_meta m;
	int ok = 0;

	memset(&m, 0, sizeof(m));
	if (poc_config_load(&e, &cfg) == 0 && poc_store_open(&e, cfg.store, token, 0, &st) == 0 &&
	    poc_store_token_read(&e, st, &m) == 0)
		ok = write_pub(m.verifier_spki, m.verifier_spki_len, dir, "verifier.pem", "PUBLIC KEY") &&
		     write_pub(m.denial_spki, m.denial_spki_len, dir, "denial.pem", "POC DENIAL PUBLIC KEY");
	if (!ok)
		fprintf(stderr, "verifier keys: %s\n", e.msg[0] ? e.msg : "missing");
	poc_token_meta_free(&m);
	poc_store_close(st);
	return ok;
}

static void read_record(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, const char *dir, const char *name)
{
	CK_ATTRIBUTE a = { CKA_POC_ATTESTATION_RECORD, NULL, 0 };
	CK_RV rv = f->C_GetAttributeValue(s, h, &a, 1);
	CK_BYTE small[4];
	uint8_t *buf;

	check(rv == CKR_OK && a.ulValueLen > 16 && a.ulValueLen != CK_UNAVAILABLE_INFORMATION,
	      "CKA_POC_ATTESTATION_RECORD size query", rv);
	if (rv != CKR_OK)
		return;
	buf = malloc(a.ulValueLen);
	{
		CK_ATTRIBUTE t = { CKA_POC_ATTESTATION_RECORD, small, sizeof(small) };

		rv = f->C_GetAttributeValue(s, h, &t, 1);
		check(rv == CKR_BUFFER_TOO_SMALL && t.ulValueLen == CK_UNAVAILABLE_INFORMATION,
		      "a short buffer gives CKR_BUFFER_TOO_SMALL", rv);
	}
	a.pValue = buf;
	rv = f->C_GetAttributeValue(s, h, &a, 1);
	check(rv == CKR_OK && buf != NULL && write_file(dir, name, buf, a.ulValueLen), "record read and written", rv);
	free(buf);
}

/*
 * The module reads the headers once (the objects listed here, with the file
 * an attacker edited), the hook puts the genuine file back, and the login
 * releases: the release must open the file whose header the module uses.
 */
static void swapped(CK_SESSION_HANDLE s)
{
	CK_OBJECT_HANDLE hs[16], d;
	CK_ULONG n = 0;
	CK_BYTE v[512];
	CK_ATTRIBUTE a = { CKA_VALUE, v, sizeof(v) };
	const char *hook = getenv("P11_RECORD_HOOK");
	CK_RV rv;

	rv = f->C_FindObjectsInit(s, NULL, 0);
	if (rv == CKR_OK)
		rv = f->C_FindObjects(s, hs, 16, &n);
	f->C_FindObjectsFinal(s);
	check(rv == CKR_OK, "the objects listed before the login", rv);
	check(hook != NULL && system(hook) == 0, "the hook ran", 0);
	rv = f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)g_pin, strlen(g_pin));
	check(rv == CKR_FUNCTION_FAILED, "C_Login refused: the object file changed since it was read", rv);
	d = find(s, CKO_DATA, g_label);
	rv = d != CK_INVALID_HANDLE ? f->C_GetAttributeValue(s, d, &a, 1) : CKR_OBJECT_HANDLE_INVALID;
	check(rv != CKR_OK, "no CKO_DATA object gives the key's value", rv);
	if (rv == CKR_OK)
		printf("# the key's value came out as CKO_DATA: %lu bytes\n", (unsigned long)a.ulValueLen);
}

int main(int argc, char **argv)
{
	CK_C_INITIALIZE_ARGS init = { NULL, NULL, NULL, NULL, CKF_OS_LOCKING_OK, NULL };
	CK_RV (*gfl)(CK_FUNCTION_LIST_PTR_PTR);
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE key, pub;
	const char *mode, *dir;
	void *lib;
	CK_RV rv;

	if (argc != 7) {
		fprintf(stderr, "usage: p11-record MODULE record|ttl|denied|wrongpin|locked TOKEN PIN LABEL OUTDIR\n");
		return 2;
	}
	mode = argv[2];
	g_pin = argv[4];
	g_label = argv[5];
	dir = argv[6];
	lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		fprintf(stderr, "%s\n", dlerror());
		return 2;
	}
	*(void **)&gfl = dlsym(lib, "C_GetFunctionList");
	if (gfl == NULL || gfl(&f) != CKR_OK)
		return 2;
	rv = f->C_Initialize(&init);
	check(rv == CKR_OK, "C_Initialize with OS locking", rv);
	{
		CK_C_INITIALIZE_ARGS bad = { NULL, NULL, NULL, NULL, 0, (void *)1 };

		rv = f->C_Initialize(&bad);
		check(rv == CKR_CRYPTOKI_ALREADY_INITIALIZED || rv == CKR_ARGUMENTS_BAD, "second C_Initialize refused", rv);
	}
	if (find_slot(argv[3]) < 0) {
		check(0, "token found", CKR_TOKEN_NOT_PRESENT);
		return 1;
	}
	rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s);
	check(rv == CKR_OK, "C_OpenSession", rv);
	if (strcmp(mode, "swapped") == 0) {
		swapped(s);
		goto out;
	}
	rv = f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)g_pin, strlen(g_pin));
	if (strcmp(mode, "locked") == 0) {
		CK_TOKEN_INFO ti;

		check(rv == CKR_PIN_LOCKED, "C_Login after 10 wrong PINs: CKR_PIN_LOCKED", rv);
		rv = f->C_GetTokenInfo(slot, &ti);
		check(rv == CKR_OK && (ti.flags & CKF_USER_PIN_LOCKED), "CKF_USER_PIN_LOCKED set", rv);
		goto out;
	}
	if (strcmp(mode, "wrongpin") == 0) {
		check(rv == CKR_PIN_INCORRECT, "C_Login with a wrong PIN: CKR_PIN_INCORRECT", rv);
		goto out;
	}
	if (strcmp(mode, "loginfails") == 0) {
		/* Denied before any record can be signed (a modified object, another TPM). */
		check(rv == CKR_FUNCTION_FAILED, "C_Login refused: CKR_FUNCTION_FAILED", rv);
		goto out;
	}
	if (strcmp(mode, "denied") == 0) {
		check(rv == CKR_FUNCTION_FAILED, "C_Login denied: CKR_FUNCTION_FAILED", rv);
		pub = find(s, CKO_PUBLIC_KEY, g_label);
		check(pub != CK_INVALID_HANDLE, "public key object found", 0);
		read_record(s, pub, dir, "denied.rec");
		check(export_verifier(argv[3], dir), "verifier public key exported", 0);
		goto out;
	}
	check(rv == CKR_OK, "C_Login", rv);
	key = find(s, CKO_PRIVATE_KEY, g_label);
	check(key != CK_INVALID_HANDLE, "private key found", 0);
	if (strcmp(mode, "ttl") == 0) {
		rv = sign_once(s, key);
		check(rv == CKR_OK, "first signature", rv);
		sleep(3);
		rv = sign_once(s, key);
		check(rv == CKR_OK, "signature after the TTL", rv);
		goto out;
	}
	/* record */
	{
		CK_BYTE id[64];
		CK_ATTRIBUTE a = { CKA_ID, id, sizeof(id) };
		char hex[129];
		CK_ULONG i;

		rv = f->C_GetAttributeValue(s, key, &a, 1);
		check(rv == CKR_OK, "CKA_ID", rv);
		for (i = 0; rv == CKR_OK && i < a.ulValueLen; i++)
			snprintf(hex + 2 * i, 3, "%02x", id[i]);
		check(rv == CKR_OK && write_file(dir, "id.hex", hex, 2 * a.ulValueLen), "CKA_ID written", rv);
	}
	{
		CK_BYTE v[8];
		CK_BBOOL sens = CK_FALSE;
		CK_ATTRIBUTE t[] = { { CKA_VALUE, v, sizeof(v) }, { CKA_SENSITIVE, &sens, sizeof(sens) },
				     { 0x7ffffffUL, v, sizeof(v) } };

		rv = f->C_GetAttributeValue(s, key, t, 3);
		check((rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID) &&
			      t[0].ulValueLen == CK_UNAVAILABLE_INFORMATION && t[1].ulValueLen == 1 && sens == CK_TRUE &&
			      t[2].ulValueLen == CK_UNAVAILABLE_INFORMATION,
		      "CKA_VALUE sensitive, every attribute processed", rv);
	}
	read_record(s, key, dir, "key.rec");
	check(export_verifier(argv[3], dir), "verifier public key exported", 0);
	{
		pthread_t th[2];
		void *r0 = NULL, *r1 = NULL;

		pthread_create(&th[0], NULL, thread_main, NULL);
		pthread_create(&th[1], NULL, thread_main, NULL);
		pthread_join(th[0], &r0);
		pthread_join(th[1], &r1);
		check(r0 == NULL && r1 == NULL, "two threads with their own sessions sign concurrently",
		      (CK_RV)(uintptr_t)(r0 ? r0 : r1));
	}
	{
		pid_t pid;
		int st = 0;

		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			CK_MECHANISM m = { CKM_ECDSA_SHA256, NULL, 0 };
			CK_RV r1 = f->C_SignInit(s, &m, key), r2, r3;

			r2 = f->C_Initialize(NULL);
			r3 = f->C_Finalize(NULL);
			_exit(r1 == CKR_CRYPTOKI_NOT_INITIALIZED && r2 == CKR_OK && r3 == CKR_OK ? 0 : 1);
		}
		waitpid(pid, &st, 0);
		check(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "a forked child reusing the session gets CKR_CRYPTOKI_NOT_INITIALIZED, then re-initialises", 0);
		rv = sign_once(s, key);
		check(rv == CKR_OK, "the parent still signs after the fork", rv);
	}
out:
	f->C_CloseSession(s);
	rv = f->C_Finalize(NULL);
	check(rv == CKR_OK, "C_Finalize", rv);
	dlclose(lib);
	printf("# %d tests, %d failed\n", n_test, n_fail);
	return n_fail ? 1 : 0;
}
