/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Release (DESIGN.md section 6). release = login: C_Login runs the
 * Proof-of-Cloud check for every private/secret/data object of the token and
 * keeps the released keys (struct poc_key, locked memory) with their
 * records. release = first-use: the first C_SignInit/C_DecryptInit of a key
 * does it. After ttl seconds a key is wiped and its next use checks again.
 * A denial keeps the denial record readable and makes the key's operations
 * fail with CKR_KEY_FUNCTION_NOT_PERMITTED (CKR_FUNCTION_FAILED at C_Login).
 * Every other failure is p11_rv_from_err's (a wrong or locked PIN, a TPM that
 * is unreachable, busy or failing, memory: docs/module.md "Errors").
 *
 * Each check is one poc_token_release (an evidence round whose record is
 * bound to that object's CKA_ID and hash), counted on the POC_PKCS11_STATS
 * file when that variable is set.
 */
#include "digest.h"
#include "pkcs11/p11_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "token/token_pin.h"
#include "trace/trace.h"

static void stats_line(const struct p11_slot *s, const char *name, const char *what)
{
	const char *path = getenv(POC_PKCS11_STATS_ENV);
	FILE *f;

	if (path == NULL || *path == '\0')
		return;
	f = fopen(path, "ae");
	if (f == NULL)
		return;
	fprintf(f, "check %s %s %s\n", s->label, name, what);
	fclose(f);
}

/*
 * The one info line per check: the outcome, the clause that failed (or "-"), the SHA-256 of the
 * signed record ("-": none was signed) and how long the check took.
 */
static void check_line(const struct p11_slot *s, const char *name, const char *what, const struct poc_appraisal *a,
		       const uint8_t *record, size_t record_len, const struct timespec *t0)
{
	uint8_t d[32];
	char hex[65] = "-";
	struct timespec t1;
	double ms = 0;
	size_t i;

	if (record != NULL && poc_sha256(record, record_len, d) == 0)
		for (i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", d[i]);
	if (clock_gettime(CLOCK_MONOTONIC, &t1) == 0)
		ms = (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
	p11_log(POC_LOG_INFO, "check %s %s: %s, clause %s, record sha256:%s, %.1f ms", s->label, name, what,
		a->code != POC_OK && a->clause[0] ? a->clause : "-", hex, ms);
}

void p11_release_wipe(struct p11_sealed *o)
{
	poc_key_free(o->key);
	o->key = NULL;
	poc_secret_free(o->data, o->data_len);
	o->data = NULL;
	o->data_len = 0;
	o->released_at = 0;
}

void p11_release_wipe_slot(struct p11_slot *s)
{
	size_t i;

	for (i = 0; i < s->nsealed; i++)
		if (s->sealed[i]->owner == 0) /* a session object's key is its value, not a release */
			p11_release_wipe(s->sealed[i]);
	s->pin_hash_set = 0;
}

/* A sealed object a login releases: a key or data object of the token (session objects are never checked). */
static int is_released_at_login(const struct p11_sealed *o)
{
	return !o->gone && o->owner == 0 &&
	       (o->h.class == CKO_PRIVATE_KEY || o->h.class == CKO_SECRET_KEY || o->h.class == CKO_DATA);
}

/* Fails closed: a digest that cannot be made leaves a random value no PIN matches. */
static void pin_hash(const uint8_t *pin, size_t pin_len, uint8_t out[32])
{
	if (poc_sha256(pin_len ? pin : (const uint8_t *)"", pin_len, out) < 0 && RAND_bytes(out, 32) != 1)
		memset(out, 0xa5, 32);
}

/* A wrong or locked PIN: the TPM counted the attempt already, in the token's PIN counter. */
static int is_pin_error(int r, const struct poc_err *e)
{
	return r < 0 && (e->code == POC_ERR_AUTH || e->code == POC_ERR_LOCKED);
}

/* What the TPM or the TEE did, not what the policy says: never logged nor counted as a denial. */
static int is_outage(int r, const struct poc_err *e)
{
	return r < 0 && (e->code == POC_ERR_UNREACHABLE || e->code == POC_ERR_BUSY || e->code == POC_ERR_DEVICE ||
			 e->code == POC_ERR_DEVICE_MEMORY || e->code == POC_ERR_NOMEM);
}

/* A failure that is not a denial, logged as what it is (a busy TPM: its own line); its CK_RV. */
static CK_RV fail_result(struct p11_slot *s, const struct poc_err *e, CK_RV denied)
{
	if (e->code == POC_ERR_BUSY)
		p11_log(POC_LOG_WARN, "token %s: the TPM is busy, try again: %s", s->label, e->msg);
	else if (e->code == POC_ERR_UNREACHABLE)
		p11_log(POC_LOG_ERROR, "token %s: the TPM cannot be reached: %s", s->label, e->msg);
	else
		p11_log(POC_LOG_WARN, "token %s: %s", s->label, e->msg);
	return p11_rv_from_err(e->code, denied);
}

static const char *outcome(int r, const struct poc_err *e, const struct poc_appraisal *a)
{
	if (r == 0)
		return "accepted";
	if (e->code == POC_ERR_AUTH)
		return "wrong-pin";
	if (e->code == POC_ERR_LOCKED)
		return "pin-locked";
	if (is_outage(r, e))
		return "outage";
	return a->code ? "denied" : "error";
}

/*
 * Object o before its check: wiped, no stale record (a check that fails
 * before the evidence, a wrong PIN, signs none), and what the release must
 * open: its name and the SHA-256 of the file its header came from.
 */
static void release_prepare(struct p11_slot *s, struct p11_sealed *o, const char **name, uint8_t sha[32])
{
	struct poc_err e = { 0 };

	p11_release_wipe(o);
	/* A check that fails before the evidence (wrong PIN) signs no record: never show a stale one. */
	(void)poc_store_record_remove(&e, s->tok->store, o->name);
	free(o->record);
	o->record = NULL;
	o->record_len = 0;
	*name = o->name;
	memcpy(sha, o->file_sha256, 32);
}

/* The released values into the objects (data as is, keys parsed once); secrets[i] taken when kept. */
static CK_RV install_released(struct p11_slot *s, struct p11_sealed **os, size_t n, uint8_t **secrets, size_t *lens)
{
	struct poc_err e = { 0 };
	size_t i;

	for (i = 0; i < n; i++) {
		struct p11_sealed *o = os[i];

		if (o->h.class == CKO_DATA) {
			o->data = secrets[i];
			o->data_len = lens[i];
			secrets[i] = NULL;
		} else {
			uint64_t tk = poc_trace_start();

			o->key = poc_key_from_secret(&e, o->h.key_type, secrets[i], lens[i]);
			poc_trace_end("key_parse", tk);
			if (o->key == NULL) {
				p11_log(POC_LOG_ERROR, "%s/%s: released key does not load: %s", s->label, o->name, e.msg);
				return p11_rv_from_err(e.code, CKR_GENERAL_ERROR);
			}
		}
		o->released_at = time(NULL);
	}
	return CKR_OK;
}

/*
 * One check for the objects os[0..n) (one evidence round: they share the
 * token's policy), then each unsealed into locked memory with its record.
 * A denial returns denied; other failures p11_rv_from_err's CK_RV.
 */
static CK_RV release_set_locked(struct p11_slot *s, struct p11_sealed **os, size_t n, const uint8_t *pin,
				size_t pin_len, CK_RV denied)
{
	struct poc_err e = { 0 };
	struct poc_appraisal a;
	const char **names;
	uint8_t(*sha)[32];
	uint8_t **secrets, **records;
	size_t *lens, *record_lens, i;
	struct timespec t0;
	CK_RV rv = denied;
	int r;

	names = calloc(n, sizeof(*names));
	sha = calloc(n, sizeof(*sha));
	secrets = calloc(n, sizeof(*secrets));
	lens = calloc(n, sizeof(*lens));
	records = calloc(n, sizeof(*records));
	record_lens = calloc(n, sizeof(*record_lens));
	if (names == NULL || sha == NULL || secrets == NULL || lens == NULL || records == NULL || record_lens == NULL) {
		rv = CKR_HOST_MEMORY;
		goto done;
	}
	memset(&a, 0, sizeof(a));
	for (i = 0; i < n; i++)
		release_prepare(s, os[i], &names[i], sha[i]);
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	r = poc_token_release_many(&e, s->tok, names, n, (const uint8_t(*)[32])sha, pin, pin_len, &a, secrets, lens,
				   records, record_lens);
	stats_line(s, n == 1 ? os[0]->name : "(token)", outcome(r, &e, &a));
	check_line(s, n == 1 ? os[0]->name : "(token)", outcome(r, &e, &a), &a, records[0], record_lens[0], &t0);
	if (is_pin_error(r, &e) || is_outage(r, &e)) {
		rv = fail_result(s, &e, denied);
		goto done;
	}
	for (i = 0; i < n; i++) {
		/* The record from memory: a read-only store keeps none, and the store's copy is not fsync'd. */
		os[i]->record = records[i];
		os[i]->record_len = record_lens[i];
		records[i] = NULL;
		os[i]->denied = r < 0;
	}
	if (r < 0) {
		if (a.code != POC_OK)
			p11_log(POC_LOG_WARN, "release of %zu object(s) of %s denied: %s: %s", n, s->label, a.clause, a.reason);
		else
			p11_log(POC_LOG_WARN, "release of %zu object(s) of %s denied: %s", n, s->label, e.msg);
		goto done;
	}
	rv = install_released(s, os, n, secrets, lens);
done:
	for (i = 0; secrets != NULL && lens != NULL && i < n; i++)
		poc_secret_free(secrets[i], lens[i]);
	for (i = 0; records != NULL && i < n; i++)
		free(records[i]);
	free(names);
	free(sha);
	free(secrets);
	free(lens);
	free(records);
	free(record_lens);
	return rv;
}

/* One check and unseal of object o, at its first use: a denial is CKR_KEY_FUNCTION_NOT_PERMITTED. */
static CK_RV release_one_locked(struct p11_slot *s, struct p11_sealed *o, const uint8_t *pin, size_t pin_len)
{
	return release_set_locked(s, &o, 1, pin, pin_len, CKR_KEY_FUNCTION_NOT_PERMITTED);
}

/* The object's TTL from its header, shortened by the configuration's. */
/*
 * A check of the token itself (no object): unseals the verifier key with the
 * PIN and runs an evidence round. Wrong PIN -> CKR_PIN_INCORRECT; a denial is
 * logged and fails the login.
 */
static CK_RV token_check_locked(struct p11_slot *s, const uint8_t *pin, size_t pin_len)
{
	struct poc_err e = { 0 };
	struct poc_appraisal a;
	struct timespec t0;
	int r, locked;

	memset(&a, 0, sizeof(a));
	/*
	 * first-use: the login only proves the PIN (and that the state is the
	 * token's); the check runs at the first use. Anything short of that (a
	 * counter that cannot be used, a TPM error, a modified state) fails the
	 * login: a login that "succeeds" without the PIN having been tried would
	 * report a wrong PIN as right. PCRs that lock the verifier key leave the
	 * PIN proven: the first use then denies.
	 */
	if (p11_ctx.cfg.release_first_use) {
		r = poc_token_authenticate(&e, s->tok, pin, pin_len, &locked);
		stats_line(s, "(login)", r == 0 || locked ? "pin-ok" : outcome(r, &e, &a));
		if (is_pin_error(r, &e) || is_outage(r, &e))
			return fail_result(s, &e, CKR_FUNCTION_FAILED);
		if (r < 0 && !locked) {
			p11_log(POC_LOG_WARN, "token %s: login refused: %s", s->label, e.msg);
			return CKR_FUNCTION_FAILED;
		}
		return CKR_OK;
	}
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	r = poc_token_check(&e, s->tok, pin, pin_len, NULL, 0, &a, NULL, NULL);
	stats_line(s, "(token)", outcome(r, &e, &a));
	check_line(s, "(login)", outcome(r, &e, &a), &a, NULL, 0, &t0);
	if (is_pin_error(r, &e) || is_outage(r, &e))
		return fail_result(s, &e, CKR_FUNCTION_FAILED);
	if (r < 0) {
		p11_log(POC_LOG_WARN, "token %s: check denied: %s", s->label, a.code != POC_OK ? a.clause : e.msg);
		return CKR_FUNCTION_FAILED;
	}
	return CKR_OK;
}

static int expired(const struct p11_sealed *o)
{
	uint64_t ttl = o->h.ttl && o->h.ttl < p11_ctx.cfg.ttl ? o->h.ttl : p11_ctx.cfg.ttl;

	return o->released_at != 0 && (uint64_t)(time(NULL) - o->released_at) >= ttl;
}

static int released(const struct p11_sealed *o)
{
	return (o->key != NULL || o->data != NULL) && !expired(o);
}

int p11_release_current(const struct p11_sealed *o)
{
	return released(o);
}

CK_RV p11_release_login_locked(struct p11_slot *s, const uint8_t *pin, size_t pin_len)
{
	uint8_t ph[32];
	size_t i;
	int all = 1, checked = 0;
	CK_RV rv = p11_objects_load_locked(s);

	if (rv != CKR_OK)
		return rv;
	if (!s->tok->meta.has_pin) {
		pin = NULL;
		pin_len = 0;
	} else if (pin == NULL || pin_len == 0) {
		return CKR_PIN_INCORRECT;
	}
	pin_hash(pin, pin_len, ph);
	for (i = 0; i < s->nsealed; i++)
		if (is_released_at_login(s->sealed[i]) && !released(s->sealed[i]))
			all = 0;
	/* Keys still released by this PIN within their TTL: no new evidence round. */
	if (s->pin_hash_set && CRYPTO_memcmp(ph, s->pin_hash, 32) == 0 && (all || p11_ctx.cfg.release_first_use))
		goto ok;
	if (!p11_ctx.cfg.release_first_use) {
		/* One evidence round for every key of the token (DESIGN.md section 6). */
		struct p11_sealed **os = calloc(s->nsealed ? s->nsealed : 1, sizeof(*os));
		size_t n = 0;

		if (os == NULL)
			return CKR_HOST_MEMORY;
		for (i = 0; i < s->nsealed; i++)
			if (is_released_at_login(s->sealed[i]))
				os[n++] = s->sealed[i];
		rv = n ? release_set_locked(s, os, n, pin, pin_len, CKR_FUNCTION_FAILED) : CKR_OK;
		free(os);
		if (rv != CKR_OK)
			return rv;
		checked = n > 0;
	}
	/*
	 * Nothing released (first-use, or no keys yet): the PIN is still checked,
	 * by the token's verifier key; with first-use the state too, PIN or not
	 * (a has_pin edited to false must not log in).
	 */
	if (!checked && (s->tok->meta.has_pin || p11_ctx.cfg.release_first_use)) {
		rv = token_check_locked(s, pin, pin_len);
		if (rv != CKR_OK)
			return rv;
	}
ok:
	memcpy(s->pin_hash, ph, 32);
	s->pin_hash_set = 1;
	poc_secret_free(s->pin, s->pin_len);
	s->pin = NULL;
	s->pin_len = 0;
	if (pin_len) {
		s->pin = poc_secret_alloc(pin_len);
		if (s->pin == NULL)
			return CKR_HOST_MEMORY;
		memcpy(s->pin, pin, pin_len);
		s->pin_len = pin_len;
	}
	return CKR_OK;
}

CK_RV p11_release_use_locked(struct p11_slot *s, struct p11_sealed *o)
{
	if (released(o) || o->owner != 0)
		return CKR_OK;
	if (expired(o)) {
		p11_log(POC_LOG_INFO, "%s/%s: release expired, checking again", s->label, o->name);
		p11_release_wipe(o);
	}
	if (s->tok->meta.has_pin && !s->logged_in)
		return CKR_USER_NOT_LOGGED_IN;
	return release_one_locked(s, o, s->pin, s->pin_len);
}
