/* SPDX-License-Identifier: Apache-2.0 */
/* The timeout TCTI (tpm_tcti.h): every receive bounded, everything else forwarded. */
#include "tpm/tpm_tcti.h"

#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/crypto.h>
#include <tss2/tss2_tctildr.h>

#define TCTI_TIMEOUT_MAGIC 0x706f632d746d6f75ull /* "poc-tmou" */

struct tcti_timeout {
	TSS2_TCTI_CONTEXT_COMMON_V2 common; /* first: what ESYS sees */
	TSS2_TCTI_CONTEXT *inner;
	int32_t ms;
	int lost; /* a receive was abandoned: its thread owns inner now */
	int rest; /* a size query got the answer's header: the next receive reads the rest unbounded */
};

static _Thread_local uint32_t timed_out_ms;

static struct tcti_timeout *cast(TSS2_TCTI_CONTEXT *c)
{
	struct tcti_timeout *t = (struct tcti_timeout *)c;

	return t != NULL && t->common.v1.magic == TCTI_TIMEOUT_MAGIC ? t : NULL;
}

static TSS2_RC tr_transmit(TSS2_TCTI_CONTEXT *c, size_t size, const uint8_t *command)
{
	struct tcti_timeout *t = cast(c);

	return t == NULL || t->inner == NULL ? TSS2_TCTI_RC_BAD_CONTEXT : Tss2_Tcti_Transmit(t->inner, size, command);
}

/* The TCTI's one poll handle now (swtpm's changes per command; device and mssim keep one), or -1. */
static int answer_fd(TSS2_TCTI_CONTEXT *inner)
{
	TSS2_TCTI_POLL_HANDLE h[2];
	size_t n = 2;

	if (Tss2_Tcti_GetPollHandles(inner, h, &n) != TSS2_RC_SUCCESS || n != 1)
		return -1;
	return h[0].fd;
}

/*
 * A receive on a thread of its own, for TCTIs that give no poll handle and ignore the timeout
 * (swtpm's reads block regardless). The answer lands in the job's buffer and is copied out only
 * when the waiter still waits; a waiter that gives up leaves the job, and the TCTI, to the
 * thread, which finalises both when the read ends.
 */
struct rx_job {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int done, abandoned;
	TSS2_RC rc;
	TSS2_TCTI_CONTEXT *inner;
	size_t size, cap;
	int size_only; /* the caller asked for the answer's size (response NULL) */
	uint8_t buf[]; /* an unseal's answer is a secret: wiped before free */
};

static void rx_free(struct rx_job *j)
{
	pthread_cond_destroy(&j->cv);
	pthread_mutex_destroy(&j->mu);
	OPENSSL_clear_free(j, sizeof(*j) + j->cap);
}

static void *rx_thread(void *arg)
{
	struct rx_job *j = arg;
	TSS2_RC rc = Tss2_Tcti_Receive(j->inner, &j->size, j->size_only ? NULL : j->buf, TSS2_TCTI_TIMEOUT_BLOCK);
	int abandoned;

	pthread_mutex_lock(&j->mu);
	j->rc = rc;
	j->done = 1;
	abandoned = j->abandoned;
	pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&j->mu);
	if (abandoned) {
		Tss2_TctiLdr_Finalize(&j->inner);
		rx_free(j);
	}
	return NULL;
}

/*
 * A thread left behind runs this library's code after its caller returned: the library (the
 * module, when an application dlclose()s it) stays loaded from then on.
 */
static void pin_library(void)
{
	Dl_info i;

	if (dladdr((void *)pin_library, &i) != 0 && i.dli_fname != NULL)
		(void)dlopen(i.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
}

/*
 * After the wait: a thread that finished is joined (it must not outlive an unload of the
 * module); one that did not is detached, and the library pinned.
 */
static void thread_settle(pthread_t th, int done)
{
	if (done) {
		(void)pthread_join(th, NULL);
		return;
	}
	pin_library();
	(void)pthread_detach(th);
}

/* Waits on j until done or ms pass (the caller holds j->mu); 1: done. */
static int wait_done(pthread_mutex_t *mu, pthread_cond_t *cv, const int *done, uint32_t ms)
{
	struct timespec until;
	int rc = 0;

	(void)clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (!*done && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(cv, mu, &until);
	return *done;
}

static TSS2_RC rx_bounded(struct tcti_timeout *t, size_t *size, uint8_t *response)
{
	struct rx_job *j = OPENSSL_zalloc(sizeof(*j) + (response != NULL ? *size : 0));
	pthread_t th;
	int done;
	TSS2_RC rc;

	if (j == NULL)
		return TSS2_TCTI_RC_MEMORY;
	j->inner = t->inner;
	j->size = *size;
	j->cap = response != NULL ? *size : 0;
	j->size_only = response == NULL;
	if (pthread_mutex_init(&j->mu, NULL) != 0 || pthread_cond_init(&j->cv, NULL) != 0 ||
	    pthread_create(&th, NULL, rx_thread, j) != 0) {
		OPENSSL_free(j);
		return TSS2_TCTI_RC_MEMORY;
	}
	pthread_mutex_lock(&j->mu);
	done = wait_done(&j->mu, &j->cv, &j->done, (uint32_t)t->ms);
	if (!done) {
		j->abandoned = 1;
		t->lost = 1; /* the thread finalises inner */
		t->inner = NULL;
	}
	pthread_mutex_unlock(&j->mu);
	thread_settle(th, done);
	if (!done) {
		timed_out_ms = (uint32_t)t->ms;
		return TSS2_TCTI_RC_IO_ERROR;
	}
	rc = j->rc;
	if (rc == TSS2_RC_SUCCESS) {
		if (response != NULL)
			memcpy(response, j->buf, j->size);
		*size = j->size;
	}
	rx_free(j);
	return rc;
}

/*
 * The caller's timeout when it gave one no longer than ours, ours otherwise (ESYS's
 * synchronous calls give TSS2_TCTI_TIMEOUT_BLOCK). With a poll handle the wrapper waits for
 * the answer itself, otherwise on a thread (rx_bounded). Running out of ours is an I/O error:
 * TRY_AGAIN would make ESYS ask again, forever.
 */
static TSS2_RC tr_receive(TSS2_TCTI_CONTEXT *c, size_t *size, uint8_t *response, int32_t timeout)
{
	struct tcti_timeout *t = cast(c);
	struct pollfd p;
	int ours, n;
	TSS2_RC rc;

	if (t == NULL || t->inner == NULL)
		return TSS2_TCTI_RC_BAD_CONTEXT;
	ours = timeout == TSS2_TCTI_TIMEOUT_BLOCK || timeout > t->ms;
	if (t->rest && response != NULL) {
		/* The answer has begun (a size query returned): the TCTI holds or reads the rest. */
		t->rest = 0;
		return Tss2_Tcti_Receive(t->inner, size, response, timeout);
	}
	if (!ours)
		return Tss2_Tcti_Receive(t->inner, size, response, timeout);
	p.fd = answer_fd(t->inner);
	if (p.fd < 0) {
		rc = rx_bounded(t, size, response);
		t->rest = rc == TSS2_RC_SUCCESS && response == NULL;
		return rc;
	}
	/* The wait is ours; the read is the TCTI's, as the caller asked (its partial reads intact). */
	p.events = POLLIN;
	do
		n = poll(&p, 1, t->ms);
	while (n < 0 && errno == EINTR);
	if (n == 0) {
		timed_out_ms = (uint32_t)t->ms;
		return TSS2_TCTI_RC_IO_ERROR;
	}
	rc = Tss2_Tcti_Receive(t->inner, size, response, timeout);
	t->rest = rc == TSS2_RC_SUCCESS && response == NULL;
	return rc;
}

static void tr_finalize(TSS2_TCTI_CONTEXT *c)
{
	struct tcti_timeout *t = cast(c);

	if (t != NULL && t->inner != NULL)
		Tss2_TctiLdr_Finalize(&t->inner);
}

static TSS2_RC tr_cancel(TSS2_TCTI_CONTEXT *c)
{
	struct tcti_timeout *t = cast(c);

	return t == NULL || t->inner == NULL ? TSS2_TCTI_RC_BAD_CONTEXT : Tss2_Tcti_Cancel(t->inner);
}

static TSS2_RC tr_poll(TSS2_TCTI_CONTEXT *c, TSS2_TCTI_POLL_HANDLE *handles, size_t *n)
{
	struct tcti_timeout *t = cast(c);

	return t == NULL || t->inner == NULL ? TSS2_TCTI_RC_BAD_CONTEXT : Tss2_Tcti_GetPollHandles(t->inner, handles, n);
}

static TSS2_RC tr_locality(TSS2_TCTI_CONTEXT *c, uint8_t locality)
{
	struct tcti_timeout *t = cast(c);

	return t == NULL || t->inner == NULL ? TSS2_TCTI_RC_BAD_CONTEXT : Tss2_Tcti_SetLocality(t->inner, locality);
}

static TSS2_RC tr_sticky(TSS2_TCTI_CONTEXT *c, TPM2_HANDLE *handle, uint8_t sticky)
{
	struct tcti_timeout *t = cast(c);

	return t == NULL || t->inner == NULL ? TSS2_TCTI_RC_BAD_CONTEXT : Tss2_Tcti_MakeSticky(t->inner, handle, sticky);
}

TSS2_TCTI_CONTEXT *poc_tcti_timeout_wrap(TSS2_TCTI_CONTEXT *inner, uint32_t timeout_ms)
{
	struct tcti_timeout *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->common.v1.magic = TCTI_TIMEOUT_MAGIC;
	/* Version 2 (makeSticky) only over a TCTI that has it. */
	t->common.v1.version = TSS2_TCTI_VERSION(inner) >= 2 ? 2 : 1;
	t->common.v1.transmit = tr_transmit;
	t->common.v1.receive = tr_receive;
	t->common.v1.finalize = tr_finalize;
	t->common.v1.cancel = tr_cancel;
	t->common.v1.getPollHandles = tr_poll;
	t->common.v1.setLocality = tr_locality;
	t->common.makeSticky = tr_sticky;
	t->inner = inner;
	t->ms = timeout_ms > INT32_MAX ? INT32_MAX : (int32_t)timeout_ms;
	return (TSS2_TCTI_CONTEXT *)t;
}

void poc_tcti_timeout_free(TSS2_TCTI_CONTEXT *tcti)
{
	if (cast(tcti) == NULL)
		return;
	tr_finalize(tcti);
	memset(tcti, 0, sizeof(struct tcti_timeout));
	free(tcti);
}

/*
 * The TCTI loader's initialisation, on a thread of its own: swtpm's and mssim's TCTIs talk to
 * the endpoint while they initialise and wait for it without a bound. The waiter gives up after
 * the timeout; the thread then finishes alone (whenever the endpoint answers or closes) and
 * finalises what it made. Shared state under one mutex; whoever leaves last frees it.
 */
struct ldr_job {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int done, abandoned;
	TSS2_RC rc;
	TSS2_TCTI_CONTEXT *tcti;
	char conf[];
};

static void job_free(struct ldr_job *j)
{
	pthread_cond_destroy(&j->cv);
	pthread_mutex_destroy(&j->mu);
	free(j);
}

static void *ldr_thread(void *arg)
{
	struct ldr_job *j = arg;
	TSS2_TCTI_CONTEXT *tcti = NULL;
	TSS2_RC rc = Tss2_TctiLdr_Initialize(j->conf[0] != '\0' ? j->conf : NULL, &tcti);
	int abandoned;

	pthread_mutex_lock(&j->mu);
	j->rc = rc;
	j->tcti = tcti;
	j->done = 1;
	abandoned = j->abandoned;
	pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&j->mu);
	if (abandoned) {
		if (rc == TSS2_RC_SUCCESS)
			Tss2_TctiLdr_Finalize(&tcti);
		job_free(j);
	}
	return NULL;
}

TSS2_RC poc_tcti_open_bounded(const char *conf, uint32_t timeout_ms, TSS2_TCTI_CONTEXT **out)
{
	size_t n = conf != NULL ? strlen(conf) : 0;
	struct ldr_job *j = calloc(1, sizeof(*j) + n + 1);
	pthread_t th;
	int done;
	TSS2_RC trc;

	*out = NULL;
	/*
	 * Only the socket TCTIs talk to the TPM while they initialise; the others (cmd, device, the
	 * loader's default) start here: cmd's child dies with the thread that forked it
	 * (PR_SET_PDEATHSIG), so it must not be a thread that ends.
	 */
	if (conf == NULL || (strncmp(conf, "swtpm", 5) != 0 && strncmp(conf, "mssim", 5) != 0)) {
		free(j);
		return Tss2_TctiLdr_Initialize(conf != NULL && conf[0] != '\0' ? conf : NULL, out);
	}
	if (j == NULL)
		return TSS2_TCTI_RC_MEMORY;
	memcpy(j->conf, conf, n + 1);
	if (pthread_mutex_init(&j->mu, NULL) != 0 || pthread_cond_init(&j->cv, NULL) != 0 ||
	    pthread_create(&th, NULL, ldr_thread, j) != 0) {
		free(j); /* a failed init leaves nothing to destroy that matters on Linux */
		return TSS2_TCTI_RC_MEMORY;
	}
	pthread_mutex_lock(&j->mu);
	done = wait_done(&j->mu, &j->cv, &j->done, timeout_ms);
	if (!done)
		j->abandoned = 1;
	pthread_mutex_unlock(&j->mu);
	thread_settle(th, done);
	if (!done) {
		timed_out_ms = timeout_ms;
		return TSS2_TCTI_RC_IO_ERROR;
	}
	trc = j->rc;
	*out = j->tcti;
	job_free(j);
	return trc;
}

uint32_t poc_tcti_timeout_take(void)
{
	uint32_t ms = timed_out_ms;

	timed_out_ms = 0;
	return ms;
}
