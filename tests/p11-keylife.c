/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The life of a released key, seen from outside poc-pkcs11.so (dlopen,
 * C_GetFunctionList only), for tests/integration/attack-module.sh:
 *
 *   p11-keylife MODULE pin TOKEN PIN MARKER_HEX   # EC key "ec", RSA key "rsa", CKO_DATA "sec" = MARKER
 *   p11-keylife MODULE nopin TOKEN - -            # a token without PIN, EC key "ec"
 *
 * pin: OpenSSL's secure heap is set up by C_Initialize and holds the released
 * private keys (CRYPTO_secure_used grows at login, falls back at logout); the
 * released secret lives in a locked, MADV_DONTDUMP, MADV_WIPEONFORK page
 * (/proc/self/smaps), which a forked child reads as zeros; the child cannot
 * use the parent's keys; C_Logout (from any session) and closing the last
 * session wipe the keys, their parked operations and a signing thread's;
 * old handles stay invalid (CKR_KEY_HANDLE_INVALID) and a new login
 * releases again (a new check in POC_PKCS11_STATS); CKM_RSA_PKCS decryption
 * is refused while it still signs. nopin: closing the last session wipes
 * the key, the next use checks again. Prints TAP; exit 0 when all passed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <p11-kit/pkcs11.h>

#include "p11-test.h"

/* AddressSanitizer makes mlock a no-op (its interceptor): nothing to see as "lo" there. */
#if defined(__SANITIZE_ADDRESS__)
#define MLOCK_WORKS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MLOCK_WORKS 0
#endif
#endif
#ifndef MLOCK_WORKS
#define MLOCK_WORKS 1
#endif

static CK_FUNCTION_LIST_PTR f;
static int n_test, n_fail;
static CK_SLOT_ID slot;
static const char *g_token;
static uint8_t marker[64];
static size_t marker_len;

static void check(int ok, const char *what, CK_RV rv)
{
	n_test++;
	if (!ok)
		n_fail++;
	printf("%s %d - %s (rv 0x%lx)\n", ok ? "ok" : "not ok", n_test, what, (unsigned long)rv);
	fflush(stdout);
}

static CK_OBJECT_HANDLE find(CK_SESSION_HANDLE s, CK_OBJECT_CLASS class, const char *label)
{
	return p11_test_find(f, s, class, label);
}

static CK_RV sign(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key)
{
	CK_MECHANISM m = { CKM_ECDSA_SHA256, NULL, 0 };
	CK_BYTE sig[128];
	CK_ULONG len = sizeof(sig);
	CK_RV rv = f->C_SignInit(s, &m, key);

	return rv != CKR_OK ? rv : f->C_Sign(s, (CK_BYTE_PTR) "data", 4, sig, &len);
}

/* Evidence rounds the module counted for the token (POC_PKCS11_STATS). */
static int checks(void)
{
	const char *path = getenv("POC_PKCS11_STATS");
	char line[512], want[64];
	FILE *fp = path != NULL ? fopen(path, "r") : NULL;
	int n = 0;

	snprintf(want, sizeof(want), "check %s ", g_token);
	while (fp != NULL && fgets(line, sizeof(line), fp) != NULL)
		n += strncmp(line, want, strlen(want)) == 0;
	if (fp != NULL)
		fclose(fp);
	return n;
}

/*
 * Where the marker sits in this process: the first rw-p mapping holding it
 * whose VmFlags (smaps) have every flag of want (" dd", " wf", " lo"); its
 * address in *at. 1 found, 0 not.
 */
static int marker_in(const char *const *want, size_t nwant, const uint8_t **at)
{
	FILE *fp = fopen("/proc/self/smaps", "r");
	char line[1024], perms[8] = "";
	unsigned long lo = 0, hi = 0;
	int found = 0;

	while (!found && fp != NULL && fgets(line, sizeof(line), fp) != NULL) {
		unsigned long a, b;
		size_t i;

		if (sscanf(line, "%lx-%lx %7s", &a, &b, perms) == 3) {
			lo = a;
			hi = b;
			continue;
		}
		if (strncmp(line, "VmFlags:", 8) != 0 || strcmp(perms, "rw-p") != 0)
			continue;
		for (i = 0; i < nwant && strstr(line, want[i]) != NULL; i++)
			;
		if (i < nwant)
			continue;
		*at = memmem((const void *)lo, hi - lo, marker, marker_len);
		found = *at != NULL;
	}
	if (fp != NULL)
		fclose(fp);
	return found;
}

/* addr lies in a mapping of this process (/proc/self/maps). */
static int mapped(const void *addr)
{
	FILE *fp = fopen("/proc/self/maps", "r");
	char line[1024];
	unsigned long a, b, p = (unsigned long)addr;
	int in = 0;

	while (!in && fp != NULL && fgets(line, sizeof(line), fp) != NULL)
		in = sscanf(line, "%lx-%lx", &a, &b) == 2 && p >= a && p < b;
	if (fp != NULL)
		fclose(fp);
	return in;
}

static int all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/* The forked child: bit 0 the secret reads as zeros, 1 and 2 the parent's key and secret unusable, 3 re-init. */
static int child(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, CK_OBJECT_HANDLE data, const uint8_t *page)
{
	CK_BYTE v[64];
	CK_ATTRIBUTE a = { CKA_VALUE, v, sizeof(v) };
	int bits = 0;

	if (page != NULL && all_zero(page, marker_len))
		bits |= 1;
	if (sign(s, key) == CKR_CRYPTOKI_NOT_INITIALIZED)
		bits |= 2;
	if (f->C_GetAttributeValue(s, data, &a, 1) == CKR_CRYPTOKI_NOT_INITIALIZED)
		bits |= 4;
	if (f->C_Initialize(NULL) == CKR_OK && f->C_Finalize(NULL) == CKR_OK)
		bits |= 8;
	return bits;
}

static void fork_checks(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, CK_OBJECT_HANDLE data, const uint8_t *page)
{
	int st = 0;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(child(s, key, data, page));
	waitpid(pid, &st, 0);
	st = pid > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : 0;
#ifdef MADV_WIPEONFORK
	check(st & 1, "a forked child reads the released secret's page as zeros (MADV_WIPEONFORK)", 0);
#endif
	check(st & 2, "the child cannot sign with the parent's key: CKR_CRYPTOKI_NOT_INITIALIZED", 0);
	check(st & 4, "the child cannot read the parent's secret: CKR_CRYPTOKI_NOT_INITIALIZED", 0);
	check(st & 8, "the child initialises its own module", 0);
	check(sign(s, key) == CKR_OK, "the parent still signs after the fork", 0);
	check(page != NULL && memcmp(page, marker, marker_len) == 0, "the parent's secret is intact", 0);
}

struct signer {
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE key;
	volatile int stop;
	CK_RV last;
	unsigned long ok;
};

/* Signs until a call fails (the logout) or stop. */
static void *signer_main(void *arg)
{
	struct signer *g = arg;
	CK_RV rv;

	while ((rv = sign(g->s, g->key)) == CKR_OK && !g->stop)
		g->ok++;
	g->last = rv;
	return NULL;
}

/* C_Logout from another session while a thread signs: the thread's op and key go too. */
static void logout_while_signing(CK_SESSION_HANDLE s1, CK_SESSION_HANDLE s2, CK_OBJECT_HANDLE key, size_t base)
{
	struct signer g = { s1, key, 0, CKR_OK, 0 };
	pthread_t th;
	CK_RV rv;

	pthread_create(&th, NULL, signer_main, &g);
	while (g.ok < 20 && g.last == CKR_OK)
		usleep(1000);
	rv = f->C_Logout(s2);
	g.stop = 1;
	pthread_join(th, NULL);
	check(rv == CKR_OK && g.ok >= 20, "C_Logout from another session while a thread signs", rv);
	check(g.last == CKR_KEY_HANDLE_INVALID || g.last == CKR_OPERATION_NOT_INITIALIZED || g.last == CKR_OK,
	      "the signing thread then stops with CKR_KEY_HANDLE_INVALID (or its op is gone)", g.last);
	check(sign(s1, key) == CKR_KEY_HANDLE_INVALID, "after C_Logout the key handle is invalid: CKR_KEY_HANDLE_INVALID", 0);
	check(CRYPTO_secure_used() <= base, "the keys, the thread's operation and parked contexts are freed (secure heap back)",
	      0);
}

static void mech_checks(CK_SESSION_HANDLE s)
{
	CK_OBJECT_HANDLE rsa = find(s, CKO_PRIVATE_KEY, "rsa");
	CK_MECHANISM m = { CKM_RSA_PKCS, NULL, 0 };
	CK_MECHANISM_INFO mi;
	CK_RV rv;

	rv = f->C_GetMechanismInfo(slot, CKM_RSA_PKCS, &mi);
	check(rv == CKR_OK && (mi.flags & CKF_SIGN) && !(mi.flags & CKF_DECRYPT),
	      "CKM_RSA_PKCS: CKF_SIGN advertised, CKF_DECRYPT not", rv);
	rv = f->C_GetMechanismInfo(slot, CKM_RSA_PKCS_OAEP, &mi);
	check(rv == CKR_OK && (mi.flags & CKF_DECRYPT), "CKM_RSA_PKCS_OAEP: CKF_DECRYPT advertised", rv);
	rv = f->C_DecryptInit(s, &m, rsa);
	check(rsa != CK_INVALID_HANDLE && rv == CKR_MECHANISM_INVALID, "C_DecryptInit(CKM_RSA_PKCS): CKR_MECHANISM_INVALID",
	      rv);
	rv = f->C_SignInit(s, &m, rsa);
	check(rv == CKR_OK, "C_SignInit(CKM_RSA_PKCS) still works", rv);
	if (rv == CKR_OK) {
		CK_BYTE sig[512];
		CK_ULONG len = sizeof(sig);

		rv = f->C_Sign(s, (CK_BYTE_PTR) "0123456789abcdef0123456789abcdef", 32, sig, &len);
		check(rv == CKR_OK && len == 256, "C_Sign(CKM_RSA_PKCS)", rv);
	}
}

static int run_pin(const char *pin)
{
	CK_SESSION_HANDLE s1, s2, s3;
	CK_OBJECT_HANDLE ec, ec2, data;
	const char *const dd_wf[] = { " dd", " wf" }, *const lo[] = { " lo" };
	const uint8_t *page = NULL, *dummy;
	struct rlimit rl;
	size_t base, used;
	int n0;
	CK_RV rv;

	check(CRYPTO_secure_malloc_initialized() == 1, "C_Initialize set up OpenSSL's secure heap", 0);
	f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s1);
	rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s2);
	check(rv == CKR_OK, "two sessions", rv);
	/* A first login and logout: OpenSSL's lazily made state (DRBGs) is then in the base line. */
	rv = f->C_Login(s1, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));
	check(rv == CKR_OK && sign(s1, find(s1, CKO_PRIVATE_KEY, "ec")) == CKR_OK, "login and sign", rv);
	check(f->C_Logout(s1) == CKR_OK, "C_Logout", 0);
	base = CRYPTO_secure_used();
	n0 = checks();
	rv = f->C_Login(s1, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));
	used = CRYPTO_secure_used();
	check(rv == CKR_OK && checks() == n0 + 1, "a new login releases again (one more evidence round)", rv);
	printf("# secure heap: %zu bytes used before the login, %zu after\n", base, used);
	check(used > base, "the released private keys are in OpenSSL's secure heap (CRYPTO_secure_used grew)", 0);
	ec = find(s1, CKO_PRIVATE_KEY, "ec");
	check(sign(s1, ec) == CKR_OK && sign(s1, ec) == CKR_OK, "sign twice (the op is parked)", 0);
	data = find(s1, CKO_DATA, "sec");
	{
		CK_BYTE v[64];
		CK_ATTRIBUTE a = { CKA_VALUE, v, sizeof(v) };

		rv = f->C_GetAttributeValue(s1, data, &a, 1);
		check(rv == CKR_OK && a.ulValueLen == marker_len && memcmp(v, marker, marker_len) == 0,
		      "the released secret reads back", rv);
		memset(v, 0, sizeof(v));
	}
	check(marker_in(dd_wf, 2, &page), "the released secret lives in a MADV_DONTDUMP, MADV_WIPEONFORK page", 0);
	if (MLOCK_WORKS && getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur >= (4u << 20))
		check(marker_in(lo, 1, &dummy) && dummy == page, "and that page is locked (mlock)", 0);
	fork_checks(s1, ec, data, page);
	logout_while_signing(s1, s2, ec, base);
	check(page != NULL && (!mapped(page) || memcmp(page, marker, marker_len) != 0),
	      "after C_Logout the secret's page is unmapped (or no longer holds it)", 0);
	check(!marker_in(dd_wf, 2, &dummy), "and no other wipe-on-fork page holds it", 0);
	{
		CK_BYTE v[64];
		CK_ATTRIBUTE a = { CKA_VALUE, v, sizeof(v) };

		rv = f->C_GetAttributeValue(s1, data, &a, 1);
		check(rv == CKR_OBJECT_HANDLE_INVALID, "after C_Logout the secret's handle is invalid", rv);
	}
	n0 = checks();
	rv = f->C_Login(s2, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));
	check(rv == CKR_OK && checks() == n0 + 1, "a new login releases again (one more evidence round)", rv);
	check(sign(s1, ec) == CKR_KEY_HANDLE_INVALID, "the handle from before the logout stays invalid", 0);
	ec2 = find(s1, CKO_PRIVATE_KEY, "ec");
	check(ec2 != CK_INVALID_HANDLE && ec2 != ec && sign(s1, ec2) == CKR_OK, "the key found again signs", 0);
	mech_checks(s2);
	check(f->C_CloseSession(s1) == CKR_OK && sign(s2, ec2) == CKR_OK, "closing one of two sessions keeps the keys", 0);
	check(f->C_CloseSession(s2) == CKR_OK && CRYPTO_secure_used() <= base,
	      "closing the last session wipes the keys (secure heap back)", 0);
	f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s3);
	check(sign(s3, ec2) == CKR_KEY_HANDLE_INVALID, "then the key handle is invalid", 0);
	n0 = checks();
	rv = f->C_Login(s3, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));
	ec2 = find(s3, CKO_PRIVATE_KEY, "ec");
	check(rv == CKR_OK && checks() == n0 + 1 && sign(s3, ec2) == CKR_OK, "a new login releases again and signs", rv);
	check(f->C_CloseAllSessions(slot) == CKR_OK && CRYPTO_secure_used() <= base,
	      "C_CloseAllSessions wipes the keys (secure heap back)", 0);
	return 0;
}

static int run_nopin(void)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE ec;
	size_t base;
	int n0;

	f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s);
	check(sign(s, find(s, CKO_PRIVATE_KEY, "ec")) == CKR_OK, "a token without PIN: sign without login", 0);
	f->C_CloseSession(s);
	base = CRYPTO_secure_used();
	n0 = checks();
	f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s);
	ec = find(s, CKO_PRIVATE_KEY, "ec");
	check(sign(s, ec) == CKR_OK && checks() == n0 + 1 && CRYPTO_secure_used() > base,
	      "after the last session closed, the next use checks and releases again", 0);
	check(f->C_CloseSession(s) == CKR_OK && CRYPTO_secure_used() <= base, "closing the last session wipes the key", 0);
	return 0;
}

int main(int argc, char **argv)
{
	CK_RV (*gfl)(CK_FUNCTION_LIST_PTR_PTR);
	void *lib;
	CK_RV rv;

	if (argc != 6) {
		fprintf(stderr, "usage: p11-keylife MODULE pin|nopin TOKEN PIN MARKER_HEX\n");
		return 2;
	}
	g_token = argv[3];
	for (marker_len = 0; argv[5][2 * marker_len] != '\0' && marker_len < sizeof(marker); marker_len++)
		if (sscanf(argv[5] + 2 * marker_len, "%2hhx", &marker[marker_len]) != 1)
			break;
	lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	*(void **)&gfl = lib != NULL ? dlsym(lib, "C_GetFunctionList") : NULL;
	if (gfl == NULL || gfl(&f) != CKR_OK) {
		fprintf(stderr, "%s\n", lib == NULL ? dlerror() : "no C_GetFunctionList");
		return 2;
	}
	rv = f->C_Initialize(NULL);
	check(rv == CKR_OK, "C_Initialize", rv);
	if (p11_test_find_slot(f, g_token, &slot) < 0) {
		check(0, "token found", CKR_TOKEN_NOT_PRESENT);
		return 1;
	}
	if (strcmp(argv[2], "pin") == 0)
		run_pin(argv[4]);
	else
		run_nopin();
	rv = f->C_Finalize(NULL);
	check(rv == CKR_OK, "C_Finalize", rv);
	dlclose(lib);
	printf("1..%d\n# %d tests, %d failed\n", n_test, n_test, n_fail);
	return n_fail ? 1 : 0;
}
