/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one module context: C_Initialize/C_Finalize, the lock (CK_C_INITIALIZE_ARGS:
 * OS locking through a pthread mutex or the application's mutex callbacks),
 * the process that initialised the module (a forked child must call
 * C_Initialize again; it then drops the parent's state and wipes its keys
 * without touching the TPM), logging as the configuration says, and
 * OpenSSL's secure heap, where the private values of released keys live.
 */
#include "pkcs11/p11_int.h"
#include "store/secret.h"
#include "token/token_setup.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

struct p11_ctx p11_ctx;

/* Serialises C_Initialize/C_Finalize; the module lock below guards everything else. */
static pthread_mutex_t init_mutex = PTHREAD_MUTEX_INITIALIZER;
/*
 * Adaptive where glibc has it: the per-signature critical sections are a few
 * hundred ns, so a thread that finds the lock taken spins briefly instead of
 * sleeping in futex (with two signing threads that cost about 5%, measured).
 */
#ifdef PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP
static pthread_mutex_t os_mutex = PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP;
#else
static pthread_mutex_t os_mutex = PTHREAD_MUTEX_INITIALIZER;
#endif
static CK_C_INITIALIZE_ARGS app_locking; /* the application's callbacks, when it gave them */
static void *app_mutex;
static int use_app_locking;
static enum poc_config_level log_level = POC_LOG_WARN;
static int secure_heap_said; /* the secure heap's trouble is logged once per process */

/*
 * The light lock: the module's state only, for the per-signature session
 * bookkeeping. It does no OpenSSL work, so it leaves the ENGINE defaults alone:
 * toggling them takes OpenSSL's global ENGINE lock and serialised threads.
 */
void p11_lock_light(void)
{
	if (use_app_locking)
		(void)app_locking.LockMutex(app_mutex);
	else
		(void)pthread_mutex_lock(&os_mutex);
}

void p11_unlock_light(void)
{
	if (use_app_locking)
		(void)app_locking.UnlockMutex(app_mutex);
	else
		(void)pthread_mutex_unlock(&os_mutex);
}

void p11_lock(void)
{
	p11_engines_off();
	p11_lock_light();
}

void p11_unlock(void)
{
	p11_unlock_light();
	p11_engines_restore();
}

int p11_ctx_ready(void)
{
	return p11_ctx.initialized && p11_ctx.pid == getpid();
}

static int syslog_priority(enum poc_config_level level)
{
	switch (level) {
	case POC_LOG_ERROR: return LOG_ERR;
	case POC_LOG_WARN: return LOG_WARNING;
	case POC_LOG_INFO: return LOG_INFO;
	case POC_LOG_DEBUG: return LOG_DEBUG;
	}
	return LOG_NOTICE;
}

/*
 * One line per event where the configuration says: syslog (the journal takes it; openlog at
 * C_Initialize), a file (an ISO 8601 UTC timestamp with milliseconds and the pid first), or
 * stderr, each at the configured level and above (default warn).
 */
void p11_log(enum poc_config_level level, const char *fmt, ...)
{
	char msg[1024], when[40];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	FILE *f;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p11_ctx.cfg_ok && p11_ctx.cfg.log == POC_LOG_SYSLOG) {
		syslog(syslog_priority(level), "%s: %s", poc_config_level_str(level), msg);
		return;
	}
	if (p11_ctx.cfg_ok && p11_ctx.cfg.log == POC_LOG_FILE) {
		f = fopen(p11_ctx.cfg.log_path, "ae");
		if (f != NULL) {
			when[0] = '\0';
			if (clock_gettime(CLOCK_REALTIME, &ts) == 0 && gmtime_r(&ts.tv_sec, &tm) != NULL) {
				size_t n = strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);

				snprintf(when + n, sizeof(when) - n, ".%03ldZ ", ts.tv_nsec / 1000000);
			}
			fprintf(f, "%spoc-pkcs11[%ld]: %s: %s\n", when, (long)getpid(), poc_config_level_str(level), msg);
			fclose(f);
		}
		return;
	}
	fprintf(stderr, "poc-pkcs11: %s: %s\n", poc_config_level_str(level), msg);
}

/*
 * OpenSSL's secure heap for the private values of released keys (secret.c):
 * the module works without it or without its mlock, and says so once.
 */
static void secure_heap_setup(void)
{
	enum poc_secure_heap h = poc_secure_heap_init(POC_SECURE_HEAP_SIZE, POC_SECURE_HEAP_MIN);

	if (h == POC_SECURE_HEAP_LOCKED || h == POC_SECURE_HEAP_THEIRS || secure_heap_said)
		return;
	secure_heap_said = 1;
	if (h == POC_SECURE_HEAP_UNLOCKED)
		p11_log(POC_LOG_WARN, "OpenSSL's secure heap (%u KiB) is not locked in memory (RLIMIT_MEMLOCK?): "
				      "released private keys may be swapped out", POC_SECURE_HEAP_SIZE / 1024);
	else
		p11_log(POC_LOG_WARN, "OpenSSL's secure heap is not available: released private keys live in "
				      "OpenSSL's ordinary heap (still wiped when freed)");
}

void p11_memlock_check(void)
{
	static int said;

	if (said || poc_secret_lock_failures() == 0)
		return;
	said = 1;
	p11_log(POC_LOG_WARN, "secret pages could not be locked in memory (RLIMIT_MEMLOCK?): they may be swapped out");
}

/* Drops every slot, session and released key; used by C_Finalize and by a forked child. */
static void ctx_clear(void)
{
	size_t i;

	for (i = 0; i < p11_ctx.nsessions; i++)
		p11_session_free(p11_ctx.sessions[i]);
	free(p11_ctx.sessions);
	for (i = 0; i < p11_ctx.nslots; i++)
		p11_slot_clear(&p11_ctx.slots[i]);
	p11_ops_cleanup(); /* after the keys: they cache exports to those contexts */
	memset(&p11_ctx, 0, sizeof(p11_ctx));
}

static CK_RV locking_setup(CK_C_INITIALIZE_ARGS *a)
{
	int have_cb;

	use_app_locking = 0;
	if (a == NULL)
		return CKR_OK;
	if (a->pReserved != NULL)
		return CKR_ARGUMENTS_BAD;
	have_cb = a->CreateMutex != NULL;
	if (have_cb != (a->DestroyMutex != NULL) || have_cb != (a->LockMutex != NULL) ||
	    have_cb != (a->UnlockMutex != NULL))
		return CKR_ARGUMENTS_BAD;
	/* With OS locking allowed we prefer our pthread mutex; otherwise the callbacks. */
	if (have_cb && !(a->flags & CKF_OS_LOCKING_OK)) {
		app_locking = *a;
		if (app_locking.CreateMutex(&app_mutex) != CKR_OK)
			return CKR_CANT_LOCK;
		use_app_locking = 1;
	}
	return CKR_OK;
}

/* The configuration exists but this user may not read it (EACCES), rather than being broken. */
static int config_not_ours(void)
{
	const char *env = getenv(POC_CONFIG_ENV);
	const char *path = env != NULL && env[0] != '\0' ? env : POC_CONFIG_DEFAULT_PATH;

	return access(path, R_OK) != 0 && errno == EACCES;
}

CK_RV p11_ctx_initialize(CK_VOID_PTR args)
{
	struct poc_err e = { 0 };
	CK_RV rv;
	int loaded;

	pthread_mutex_lock(&init_mutex);
	if (p11_ctx.initialized && p11_ctx.pid == getpid()) {
		rv = CKR_CRYPTOKI_ALREADY_INITIALIZED;
		goto done;
	}
	if (p11_ctx.initialized) {
		/*
		 * A forked child: the parent's lock may be held by a thread that does
		 * not exist here, so make a fresh one; wipe the parent's keys.
		 */
		pthread_mutexattr_t a;

		pthread_mutexattr_init(&a);
#ifdef PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP
		pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ADAPTIVE_NP);
#endif
		pthread_mutex_init(&os_mutex, &a);
		pthread_mutexattr_destroy(&a);
		use_app_locking = 0;
		ctx_clear();
	}
	rv = locking_setup(args);
	if (rv != CKR_OK)
		goto done;
	/* ESYS logs to stderr by default: keep it quiet unless the user asked (process-wide, documented). */
	if (getenv("TSS2_LOG") == NULL)
		setenv("TSS2_LOG", "all+NONE", 0);
	memset(&p11_ctx, 0, sizeof(p11_ctx));
	/* Reading the configuration file is cheap; the TPM is touched only at login or first use. */
	loaded = poc_config_load(&e, &p11_ctx.cfg);
	if (loaded < 0 && config_not_ours()) {
		/*
		 * A module registered system-wide is loaded by every p11-kit client: one whose user may
		 * not read the configuration is not served (no slots) and not disturbed (debug only).
		 */
		log_level = POC_LOG_WARN;
		p11_log(POC_LOG_DEBUG, "configuration: %s: not readable by uid %ld: no slots", e.msg, (long)getuid());
		poc_config_defaults(&p11_ctx.cfg);
		p11_ctx.cfg.store[0] = '\0';
		p11_ctx.slots_listed = 1; /* none */
	} else if (loaded < 0) {
		log_level = POC_LOG_WARN;
		p11_log(POC_LOG_ERROR, "configuration (%s or %s): %s", POC_CONFIG_ENV, POC_CONFIG_DEFAULT_PATH, e.msg);
		if (use_app_locking)
			app_locking.DestroyMutex(app_mutex);
		use_app_locking = 0;
		rv = CKR_GENERAL_ERROR;
		goto done;
	}
	p11_ctx.cfg_ok = 1;
	log_level = p11_ctx.cfg.log_level;
	poc_token_setup(&p11_ctx.cfg);
	if (p11_ctx.cfg.log == POC_LOG_SYSLOG)
		openlog("poc-pkcs11", LOG_PID, LOG_DAEMON);
	secure_heap_setup();
	p11_ctx.pid = getpid();
	p11_ctx.next_session = 1;
	p11_ctx.next_object = 1;
	p11_ctx.initialized = 1;
	p11_log(POC_LOG_DEBUG, "initialized: store %s, release %s, ttl %llu", p11_ctx.cfg.store,
		p11_ctx.cfg.release_first_use ? "first-use" : "login", (unsigned long long)p11_ctx.cfg.ttl);
done:
	pthread_mutex_unlock(&init_mutex);
	return rv;
}

CK_RV p11_ctx_finalize(void)
{
	pthread_mutex_lock(&init_mutex);
	if (!p11_ctx_ready()) {
		pthread_mutex_unlock(&init_mutex);
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	}
	p11_lock();
	ctx_clear();
	p11_unlock();
	if (use_app_locking)
		app_locking.DestroyMutex(app_mutex);
	use_app_locking = 0;
	pthread_mutex_unlock(&init_mutex);
	return CKR_OK;
}
