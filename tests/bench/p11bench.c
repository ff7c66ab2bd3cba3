/* SPDX-License-Identifier: Apache-2.0 */
/*
 * p11bench: signatures per second through one PKCS#11 module, loaded with dlopen +
 * C_GetFunctionList (no p11-kit in between, so the module itself is measured).
 *
 *   p11bench --module SO --token LABEL --pin PIN --key-label L --mech ecdsa|rsa
 *            [--threads N] [--seconds S]
 *
 * Cold start: wall time from before C_Initialize to after the first C_Sign returned
 * (C_Initialize, slot lookup, C_OpenSession, C_Login, C_FindObjects, C_SignInit, C_Sign);
 * for poc-pkcs11 with `release = login` this includes the whole Proof-of-Cloud check and
 * the unseal at C_Login. Then N threads, each with its own session, run C_SignInit + C_Sign
 * of a 32-byte digest (CKM_ECDSA; CKM_RSA_PKCS over the SHA-256 DigestInfo) for S seconds.
 *
 * Prints one line on stdout, e.g.
 *   ok module=... mech=ecdsa threads=1 seconds=5.00 signs=123 sign_per_s=24.6
 *      cold_first_sign_ms=12.3 init_ms=.. login_ms=.. first_sign_ms=.. cpu_per_wall=0.99
 *      sign_per_cpu_s=24.7 maxrss_kb=...
 * cpu_per_wall: CPU seconds (user + system, whole process) per wall second of the timed loop;
 * near N with N threads means they ran in parallel, near 1 that something serialised them.
 * sign_per_cpu_s: signatures per CPU second of that loop (what `openssl speed` counts: it
 * divides by user CPU time), so other load on the machine changes it little.
 * or `error stage=... rv=0x...` (exit 1). Exit 2 for usage.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <p11-kit/pkcs11.h>

static CK_FUNCTION_LIST_PTR f;
static int initialized;
static CK_SLOT_ID slot;
static CK_MECHANISM mech;
static CK_BYTE input[64];
static CK_ULONG input_len;
static const char *key_label;
static double run_seconds = 5.0;
static pthread_barrier_t barrier;
static pthread_mutex_t setup_mutex = PTHREAD_MUTEX_INITIALIZER;

struct worker {
	pthread_t th;
	unsigned long signs;
	double elapsed;
	CK_RV rv;
	const char *stage;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double tv_s(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

static int fail(const char *stage, CK_RV rv)
{
	if (f != NULL && initialized)
		f->C_Finalize(NULL); /* a TPM-backed module flushes its objects (no resource manager) */
	printf("error stage=%s rv=0x%lx\n", stage, (unsigned long)rv);
	fflush(stdout);
	return 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: p11bench --module SO --token LABEL --pin PIN --key-label L --mech ecdsa|rsa "
			"[--threads N] [--seconds S]\n");
	exit(2);
}

/* The slot whose token label (blank-padded to 32) equals LABEL. */
static CK_RV find_slot(const char *label, CK_SLOT_ID *out)
{
	CK_SLOT_ID ids[64];
	CK_ULONG n = 64, i;
	CK_TOKEN_INFO ti;
	char want[32];
	size_t len = strlen(label);
	CK_RV rv;

	if (len > 32)
		return CKR_ARGUMENTS_BAD;
	memset(want, ' ', sizeof(want));
	memcpy(want, label, len);
	rv = f->C_GetSlotList(CK_TRUE, ids, &n);
	if (rv != CKR_OK)
		return rv;
	for (i = 0; i < n; i++) {
		if (f->C_GetTokenInfo(ids[i], &ti) == CKR_OK && memcmp(ti.label, want, 32) == 0) {
			*out = ids[i];
			return CKR_OK;
		}
	}
	return CKR_TOKEN_NOT_PRESENT;
}

static CK_RV find_key(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE *out)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_LABEL, (void *)key_label, strlen(key_label) },
	};
	CK_ULONG n = 0;
	CK_RV rv;

	rv = f->C_FindObjectsInit(s, t, 2);
	if (rv != CKR_OK)
		return rv;
	rv = f->C_FindObjects(s, out, 1, &n);
	f->C_FindObjectsFinal(s);
	if (rv != CKR_OK)
		return rv;
	return n == 1 ? CKR_OK : CKR_KEY_HANDLE_INVALID;
}

static CK_RV sign_once(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE k)
{
	CK_BYTE sig[1024];
	CK_ULONG sig_len = sizeof(sig);
	CK_RV rv;

	rv = f->C_SignInit(s, &mech, k);
	if (rv != CKR_OK)
		return rv;
	return f->C_Sign(s, input, input_len, sig, &sig_len);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE k;
	double t0, t;

	pthread_mutex_lock(&setup_mutex); /* the untimed setup, one thread at a time */
	w->stage = "thread-open-session";
	w->rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s);
	if (w->rv == CKR_OK) {
		w->stage = "thread-find-key";
		w->rv = find_key(s, &k);
	}
	if (w->rv == CKR_OK) { /* one signature outside the timed loop (per-session warm-up) */
		w->stage = "thread-warmup-sign";
		w->rv = sign_once(s, k);
	}
	pthread_mutex_unlock(&setup_mutex);
	pthread_barrier_wait(&barrier);
	if (w->rv != CKR_OK)
		return NULL;
	w->stage = "thread-sign";
	t0 = now();
	for (;;) {
		w->rv = sign_once(s, k);
		if (w->rv != CKR_OK)
			break;
		w->signs++;
		t = now();
		if (t - t0 >= run_seconds)
			break;
	}
	w->elapsed = now() - t0;
	f->C_CloseSession(s);
	return NULL;
}

static const CK_BYTE sha256_digestinfo[19] = { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
					       0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20 };

int main(int argc, char **argv)
{
	const char *module = NULL, *token = NULL, *pin = NULL, *mname = NULL;
	int threads = 1, i;
	CK_C_GetFunctionList getfl;
	CK_C_INITIALIZE_ARGS ia;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE k;
	struct worker *ws;
	struct rusage ru, ru0;
	double t_warm, cpu_s, t_start, t_init, t_login, t_first, t_open, total_s = 0, max_el = 0;
	unsigned long total = 0;
	void *dl;
	CK_RV rv;

	for (i = 1; i < argc; i += 2) { /* --option value pairs */
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (v == NULL)
			usage();
		if (strcmp(a, "--module") == 0)
			module = v;
		else if (strcmp(a, "--token") == 0)
			token = v;
		else if (strcmp(a, "--pin") == 0)
			pin = v;
		else if (strcmp(a, "--key-label") == 0)
			key_label = v;
		else if (strcmp(a, "--mech") == 0)
			mname = v;
		else if (strcmp(a, "--threads") == 0)
			threads = atoi(v);
		else if (strcmp(a, "--seconds") == 0)
			run_seconds = strtod(v, NULL);
		else
			usage();
	}
	if (module == NULL || token == NULL || pin == NULL || key_label == NULL || mname == NULL || threads < 1 ||
	    threads > 64 || !(run_seconds > 0))
		usage();
	for (i = 0; i < 32; i++) /* a fixed "digest" */
		input[i] = (CK_BYTE)(0xa5 ^ (i * 7));
	if (strcmp(mname, "ecdsa") == 0) {
		mech.mechanism = CKM_ECDSA;
		input_len = 32;
	} else if (strcmp(mname, "rsa") == 0) {
		mech.mechanism = CKM_RSA_PKCS;
		memmove(input + sizeof(sha256_digestinfo), input, 32);
		memcpy(input, sha256_digestinfo, sizeof(sha256_digestinfo));
		input_len = sizeof(sha256_digestinfo) + 32;
	} else {
		usage();
	}

	t_open = now();
	dl = dlopen(module, RTLD_NOW | RTLD_LOCAL);
	if (dl == NULL) {
		printf("error stage=dlopen msg=\"%s\"\n", dlerror());
		return 1;
	}
	getfl = (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList");
	if (getfl == NULL)
		return fail("dlsym", CKR_GENERAL_ERROR);
	rv = getfl(&f);
	if (rv != CKR_OK)
		return fail("C_GetFunctionList", rv);

	memset(&ia, 0, sizeof(ia));
	ia.flags = CKF_OS_LOCKING_OK;
	t_start = now();
	rv = f->C_Initialize(&ia);
	if (rv != CKR_OK)
		return fail("C_Initialize", rv);
	initialized = 1;
	t_init = now();
	rv = find_slot(token, &slot);
	if (rv != CKR_OK)
		return fail("find-token", rv);
	rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s);
	if (rv != CKR_OK)
		return fail("C_OpenSession", rv);
	rv = f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));
	if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN)
		return fail("C_Login", rv);
	t_login = now();
	rv = find_key(s, &k);
	if (rv != CKR_OK)
		return fail("find-key", rv);
	rv = sign_once(s, k);
	if (rv != CKR_OK)
		return fail("first-sign", rv);
	t_first = now();

	/* Warm: N threads, each with its own session (the login is per application). */
	ws = calloc((size_t)threads, sizeof(*ws));
	if (ws == NULL)
		return fail("calloc", CKR_HOST_MEMORY);
	pthread_barrier_init(&barrier, NULL, (unsigned)threads + 1);
	for (i = 0; i < threads; i++) {
		if (pthread_create(&ws[i].th, NULL, worker_main, &ws[i]) != 0)
			return fail("pthread_create", CKR_GENERAL_ERROR);
	}
	pthread_barrier_wait(&barrier);
	getrusage(RUSAGE_SELF, &ru0);
	t_warm = now();
	for (i = 0; i < threads; i++)
		pthread_join(ws[i].th, NULL);
	t_warm = now() - t_warm;
	for (i = 0; i < threads; i++) {
		if (ws[i].rv != CKR_OK)
			return fail(ws[i].stage, ws[i].rv);
		total += ws[i].signs;
		total_s += ws[i].signs / ws[i].elapsed;
		if (ws[i].elapsed > max_el)
			max_el = ws[i].elapsed;
	}
	getrusage(RUSAGE_SELF, &ru);
	cpu_s = tv_s(&ru.ru_utime) + tv_s(&ru.ru_stime) - tv_s(&ru0.ru_utime) - tv_s(&ru0.ru_stime);
	f->C_Logout(s);
	f->C_CloseSession(s);
	f->C_Finalize(NULL);

	printf("ok module=%s mech=%s threads=%d seconds=%.2f signs=%lu sign_per_s=%.1f cold_first_sign_ms=%.1f "
	       "dlopen_ms=%.1f init_ms=%.1f login_ms=%.1f first_sign_ms=%.1f cpu_per_wall=%.2f sign_per_cpu_s=%.1f "
	       "maxrss_kb=%ld\n",
	       module, mname, threads, max_el, total, total_s, (t_first - t_start) * 1e3, (t_start - t_open) * 1e3,
	       (t_init - t_start) * 1e3, (t_login - t_init) * 1e3, (t_first - t_login) * 1e3, cpu_s / t_warm,
	       cpu_s > 0 ? total / cpu_s : 0.0, ru.ru_maxrss);
	fflush(stdout); /* before any exit-time handler (e.g. LeakSanitizer on a peer module) ends the process */
	free(ws);
	pthread_barrier_destroy(&barrier);
	return 0;
}
