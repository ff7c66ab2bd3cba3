/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pocd's release work in one process, phase by phase, on one core (tests/bench/pocd.sh):
 *   pocd-phases BUNDLE POLICY B_HEX SIGNING_KEY SECONDS
 * runs what /v1/release does after the challenge check (the bundle decode, poc_appraise with
 * warm collateral from the bundle and the policy parsed once, as pocd's cache holds it, the
 * EAR, HPKE to a pkR, the signed answer)
 * and the client's check, for SECONDS, and prints verifications/s and each phase's share.
 * The database transaction and HTTP are measured end to end by pocd.sh (p50/p99).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/pem.h>

#include "appraise.h"
#include "bundle.h"
#include "credential.h"
#include "digest.h"
#include "hex.h"
#include "policy.h"
#include "record.h"
#include "remote/answer.h"

enum { P_DECODE, P_APPRAISE, P_EAR, P_ANSWER, P_CHECK, P_N };
static const char *const NAMES[P_N] = { "bundle decode", "appraise", "EAR sign", "HPKE + answer sign", "client check" };

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = malloc(8u << 20);

	*len = 0;
	if (f != NULL && b != NULL)
		*len = fread(b, 1, (8u << 20) - 1, f);
	if (f != NULL)
		fclose(f);
	if (b != NULL)
		b[*len] = 0;
	return b;
}

static int load_rel(void *ctx, struct poc_err *e, const char *path, uint8_t **buf, size_t *len)
{
	(void)ctx;
	if ((*buf = slurp(path, len)) == NULL || *len == 0)
		return poc_err_set(e, POC_ERR_ARG, "cannot read %s", path);
	return 0;
}

struct run {
	const struct poc_policy *pol;
	const uint8_t *bundle, *policy, *B;
	size_t bundle_len, policy_len;
	EVP_PKEY *key, *skR;
	uint8_t ckey[32], pkR[65], chal[POC_CHAL_LEN], reqd[32], evd[32];
	double t[P_N];
};

/* One release's work; 0 when it released and the client opened the share. */
static int once(struct run *r)
{
	struct poc_err e = { 0 };
	struct poc_bundle b;
	struct poc_appraisal a;
	struct poc_appraise_opts o = { .nonce = r->B, .nonce_len = 64, .at = time(NULL), .credential_key = r->ckey,
				       .has_nonce_time = 1, .nonce_time_ms = (int64_t)time(NULL) * 1000 };
	struct poc_record_bind bind = { .bundle_hash = r->evd, .verification = "remote" };
	uint8_t *ear = NULL, *ans = NULL, share[32] = { 1 };
	size_t ear_len = 0, ans_len = 0;
	struct poc_answer pa;
	double t0 = now_s(), t1;
	int ok = -1;

	memset(&b, 0, sizeof(b));
	if (poc_bundle_decode(&e, r->bundle, r->bundle_len, &b) < 0)
		goto done;
	r->t[P_DECODE] += (t1 = now_s()) - t0;
	t0 = t1;
	if (poc_appraise(r->pol, &b, &o, &a) < 0 || poc_appraisal_require_affirming(&a) < 0) {
		fprintf(stderr, "denied: %s %s\n", a.clause, a.reason);
		goto done;
	}
	r->t[P_APPRAISE] += (t1 = now_s()) - t0;
	if (poc_record_sign(&e, &a, &o, &bind, o.at, 120, r->key, &ear, &ear_len) < 0)
		goto done;
	r->t[P_EAR] += (t0 = now_s()) - t1;
	{
		struct poc_answer_in in = { .decision = POC_DECISION_RELEASE, .chal = r->chal, .ear = ear, .ear_len = ear_len,
					    .evidence_digest = r->evd, .request_digest = r->reqd, .pkR = r->pkR,
					    .share = share, .share_len = 32 };
		struct poc_answer_expect x = { .pocd_key = r->key, .chal = r->chal, .request_digest = r->reqd,
					       .evidence_digest = r->evd, .binding = r->B, .skR = r->skR };

		if (poc_answer_sign(&e, &in, r->key, &ans, &ans_len) < 0)
			goto done;
		r->t[P_ANSWER] += (t1 = now_s()) - t0;
		if (poc_answer_check(&e, ans, ans_len, &x, &pa) < 0)
			goto done;
		poc_answer_free(&pa);
		r->t[P_CHECK] += now_s() - t1;
	}
	ok = 0;
done:
	if (ok < 0 && e.msg[0])
		fprintf(stderr, "%s\n", e.msg);
	free(ear);
	free(ans);
	poc_bundle_free(&b);
	return ok;
}

int main(int argc, char **argv)
{
	struct run r = { 0 };
	struct poc_policy *pol = NULL;
	double tp;
	struct poc_err e = { 0 };
	uint8_t B[64];
	size_t n = 0;
	double end, total = 0;
	long count = 0;
	FILE *f;

	if (argc != 6) {
		fprintf(stderr, "usage: pocd-phases BUNDLE POLICY B_HEX SIGNING_KEY SECONDS\n");
		return 2;
	}
	r.bundle = slurp(argv[1], &r.bundle_len);
	r.policy = slurp(argv[2], &r.policy_len);
	if ((f = fopen(argv[4], "r")) != NULL) {
		r.key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
	}
	r.skR = poc_p256_generate();
	if (r.bundle == NULL || r.policy == NULL || r.key == NULL || r.skR == NULL ||
	    poc_hex_decode(&e, argv[3], strlen(argv[3]), B, 64, &n) < 0 || n != 64 ||
	    poc_credential_key(&e, r.key, r.ckey) < 0 || poc_p256_point(r.skR, r.pkR) < 0 ||
	    poc_sha256(r.bundle, r.bundle_len, r.evd) < 0) {
		fprintf(stderr, "pocd-phases: inputs %s\n", e.msg);
		return 2;
	}
	r.B = B;
	tp = now_s();
	if (poc_policy_parse(&e, (const char *)r.policy, r.policy_len, load_rel, NULL, &pol) < 0) {
		fprintf(stderr, "pocd-phases: policy %s\n", e.msg);
		return 2;
	}
	tp = now_s() - tp;
	r.pol = pol;
	end = now_s() + atof(argv[5]);
	while (now_s() < end) {
		if (once(&r) < 0)
			return 1;
		count++;
	}
	for (int i = 0; i < P_N; i++)
		total += r.t[i];
	printf("pocd full verifications: %.1f /s on one core (%ld in %.1f s of pocd's work; with the client's check %.1f /s)\n",
	       count / (total - r.t[P_CHECK]), count, total - r.t[P_CHECK], count / total);
	for (int i = 0; i < P_N; i++)
		printf("  %-20s %7.3f ms  %5.1f%%\n", NAMES[i], 1000 * r.t[i] / count, 100 * r.t[i] / total);
	printf("  (the policy parse, once per enrolment in pocd's cache: %.3f ms)\n", 1000 * tp);
	poc_policy_free(pol);
	return 0;
}
