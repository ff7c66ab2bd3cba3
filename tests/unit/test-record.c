/* SPDX-License-Identifier: Apache-2.0 */
/* Attestation record: sign, decode, verify, tamper, truncate, JSON. */
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "record.h"
#include "../test.h"
#include "../test-keys.h"

static const uint8_t bundle_hash[32] = { 0xb0, 0x0d, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
					 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 0xbb };
static const uint8_t key_hash[32] = { 0x4e, 0x79 };
static const uint8_t cka_id[3] = { 0x01, 0x02, 0x03 };
static const uint8_t nonce[32] = { 0x90, 0x09, 0x55 };

static void accepted(struct poc_appraisal *a)
{
	memset(a, 0, sizeof(*a));
	a->accepted = 1;
	a->tee = a->vtpm = a->poc = POC_EAR_AFFIRMING;
	a->nonce_checked = 1;
	a->nquotes = 1;
	a->ak_name_len = 34;
	a->ak_name[0] = 0x00;
	a->ak_name[1] = 0x0b;
	a->ak_name[2] = 0xaa;
	a->clock = 123456;
	a->reset_count = 3;
	snprintf(a->provider, sizeof(a->provider), "gcp");
	snprintf(a->provider_chain, sizeof(a->provider_chain), "CN=ak <- CN=root");
	a->gce.present = 1;
	snprintf(a->gce.zone, sizeof(a->gce.zone), "us-central1-a");
	snprintf(a->gce.project_id, sizeof(a->gce.project_id), "proj-1");
	a->gce.project_number = 42;
	a->gce.instance_id = 7777;
	snprintf(a->gce.instance_name, sizeof(a->gce.instance_name), "vm-1");
	a->has_tdx = 1;
	memset(a->mrtd, 0xcd, sizeof(a->mrtd));
	memset(a->rtmr[2], 0x22, sizeof(a->rtmr[2]));
	snprintf(a->tcb_status, sizeof(a->tcb_status), "UpToDate");
	snprintf(a->tcb_date, sizeof(a->tcb_date), "2024-03-13T00:00:00Z");
	a->has_piid = 1;
	memset(a->piid, 0x99, sizeof(a->piid));
}

static void denied(struct poc_appraisal *a)
{
	memset(a, 0, sizeof(*a));
	a->accepted = 0;
	a->code = POC_ERR_POLICY;
	snprintf(a->clause, sizeof(a->clause), "$.providers");
	snprintf(a->reason, sizeof(a->reason), "no provider's roots issue the AK certificate");
	a->vtpm = POC_EAR_AFFIRMING;
	a->poc = POC_EAR_CONTRAINDICATED;
	a->nquotes = 1;
	a->nnotes = 1;
	snprintf(a->notes[0], sizeof(a->notes[0]), "no nonce was checked: the evidence may be a replay");
}

static const struct poc_record_bind bind = {
	.cka_id = cka_id, .cka_id_len = sizeof(cka_id), .key_hash = key_hash, .bundle_hash = bundle_hash,
	.policy_id = "sha256:00112233", .verification = "local", .build = "poc-pkcs11 test",
};

static uint8_t *sign(const struct poc_appraisal *a, const struct poc_appraise_opts *o, EVP_PKEY *k, size_t *len)
{
	struct poc_err e = { 0 };
	uint8_t *buf = NULL;

	if (poc_record_sign(&e, a, o, &bind, 1700000000, 3600, k, &buf, len) < 0)
		diag("sign: %s", e.msg);
	return buf;
}

/* Decode + verify; 0 only when both succeed. */
static int check(const uint8_t *buf, size_t len, EVP_PKEY *pub)
{
	struct poc_err e = { 0 };
	struct poc_record *r = NULL;
	int rv = -1;

	if (poc_record_decode(&e, buf, len, &r) == 0 && poc_record_verify(&e, r, pub) == 0)
		rv = 0;
	poc_record_free(r);
	return rv;
}

static void test_accepted(EVP_PKEY *k, EVP_PKEY *other, const char *name, int alg)
{
	struct poc_appraise_opts o = { .nonce = nonce, .nonce_len = sizeof(nonce), .at = 1700000000 };
	struct poc_appraisal a;
	struct poc_err e = { 0 };
	struct poc_record *r = NULL;
	const uint8_t *p;
	uint8_t *buf, *copy;
	size_t len, n, i, cut;
	char *json = NULL;
	int bad = 0, accepted_cut = 0;

	accepted(&a);
	buf = sign(&a, &o, k, &len);
	ok(buf != NULL, "%s: sign an accepting appraisal (%zu bytes)", name, len);
	if (buf == NULL)
		return;
	ok(poc_record_decode(&e, buf, len, &r) == 0, "%s: decode: %s", name, e.msg);
	if (r == NULL) {
		free(buf);
		return;
	}
	ok(poc_record_verify(&e, r, k) == 0, "%s: verify: %s", name, e.msg);
	is_int(poc_record_alg(r), alg, "%s: algorithm", name);
	is_int(poc_record_status(r), POC_EAR_AFFIRMING, "%s: top-level status", name);
	is_int(poc_record_submod_status(r, "tee"), POC_EAR_AFFIRMING, "%s: tee status", name);
	is_int(poc_record_submod_status(r, "vtpm"), POC_EAR_AFFIRMING, "%s: vtpm status", name);
	is_int(poc_record_submod_status(r, "poc"), POC_EAR_AFFIRMING, "%s: poc status", name);
	is_int(poc_record_iat(r), 1700000000, "%s: iat", name);
	is_int(poc_record_exp(r), 1700003600, "%s: exp", name);
	p = poc_record_nonce(r, &n);
	ok(p && n == sizeof(nonce) && memcmp(p, nonce, n) == 0, "%s: nonce round-trips", name);
	p = poc_record_cka_id(r, &n);
	ok(p && n == sizeof(cka_id) && memcmp(p, cka_id, n) == 0, "%s: CKA_ID round-trips", name);
	p = poc_record_bundle_hash(r);
	ok(p && memcmp(p, bundle_hash, 32) == 0, "%s: bundle hash round-trips", name);
	p = poc_record_key_hash(r);
	ok(p && memcmp(p, key_hash, 32) == 0, "%s: key hash round-trips", name);
	is_str(poc_record_policy_id(r), "sha256:00112233", "%s: policy id", name);
	ok(poc_record_denied_clause(r) == NULL, "%s: no denied clause", name);

	ok(poc_record_to_json(&e, r, &json) == 0, "%s: JSON: %s", name, e.msg);
	if (json != NULL) {
		ok(strstr(json, "\"eat_profile\": \"tag:github.com,2023:veraison/ear\"") != NULL, "%s: JSON profile", name);
		ok(strstr(json, "\"ear.status\": \"affirming\"") != NULL, "%s: JSON status by name", name);
		ok(strstr(json, "\"tee\"") && strstr(json, "\"vtpm\"") && strstr(json, "\"poc\""), "%s: JSON submods", name);
		ok(strstr(json, "\"mrtd\": \"cdcdcd") != NULL, "%s: JSON bstr as hex", name);
		ok(strstr(json, "\"poc.bundle_sha256\": \"b00d0102") != NULL, "%s: JSON bundle hash", name);
		ok(strstr(json, "\"zone\": \"us-central1-a\"") != NULL, "%s: JSON GCE zone", name);
		ok(strstr(json, "\"build\": \"poc-pkcs11 test\"") != NULL, "%s: JSON verifier build", name);
		ok(strstr(json, "\"verification\": \"local\"") != NULL, "%s: JSON verification", name);
		ok(strstr(json, "\"eat_nonce\": \"900955") != NULL, "%s: JSON nonce", name);
		ok(strstr(json, name) != NULL, "%s: JSON names the algorithm", name);
		free(json);
	}
	poc_err_clear(&e);
	ok(poc_record_verify(&e, r, other) < 0 && e.code == POC_ERR_SIGNATURE, "%s: another key fails (%s)", name,
	   e.msg);
	poc_record_free(r);

	/* Every single-byte change anywhere fails decode or verify. */
	copy = malloc(len + 1);
	for (i = 0; i < len; i++) {
		static const uint8_t flips[] = { 0x01, 0x02, 0x10, 0x80, 0xff };

		for (size_t f = 0; f < sizeof(flips); f++) {
			memcpy(copy, buf, len);
			copy[i] ^= flips[f];
			if (check(copy, len, k) == 0) {
				if (bad++ < 5)
					diag("byte %zu ^ %02x still verifies", i, flips[f]);
			}
		}
	}
	is_int(bad, 0, "%s: no single-byte change of %zu bytes survives", name, len);
	/* Every truncation is rejected, and so is a trailing byte. */
	for (cut = 0; cut < len; cut++) {
		poc_err_clear(&e);
		if (poc_record_decode(&e, buf, cut, &r) == 0) {
			accepted_cut++;
			poc_record_free(r);
		}
	}
	is_int(accepted_cut, 0, "%s: every truncation is rejected", name);
	memcpy(copy, buf, len);
	copy[len] = 0;
	ok(check(copy, len + 1, k) < 0, "%s: a trailing byte is rejected", name);
	free(copy);
	free(buf);
}

static void test_denied(EVP_PKEY *k)
{
	struct poc_appraisal a;
	struct poc_err e = { 0 };
	struct poc_record *r = NULL;
	size_t len, n;
	uint8_t *buf;
	char *json = NULL;

	denied(&a);
	buf = sign(&a, NULL, k, &len);
	ok(buf != NULL, "denied: sign");
	if (buf == NULL)
		return;
	ok(poc_record_decode(&e, buf, len, &r) == 0 && poc_record_verify(&e, r, k) == 0, "denied: decode and verify: %s",
	   e.msg);
	if (r == NULL) {
		free(buf);
		return;
	}
	is_int(poc_record_status(r), POC_EAR_CONTRAINDICATED, "denied: top-level contraindicated");
	is_int(poc_record_submod_status(r, "poc"), POC_EAR_CONTRAINDICATED, "denied: poc contraindicated");
	is_int(poc_record_submod_status(r, "tee"), POC_EAR_NONE, "denied: tee none");
	is_str(poc_record_denied_clause(r), "$.providers", "denied: clause round-trips");
	ok(!poc_record_is_denial(r), "denied with vtpm affirming: not a denial in full (a denial key may not sign it)");
	{
		struct poc_record *r2 = NULL;
		uint8_t *b2;
		size_t l2;

		a.vtpm = POC_EAR_CONTRAINDICATED;
		b2 = sign(&a, NULL, k, &l2);
		ok(b2 != NULL && poc_record_decode(&e, b2, l2, &r2) == 0 && poc_record_is_denial(r2),
		   "every submod contraindicated or none: a denial in full");
		poc_record_free(r2);
		free(b2);
	}
	ok(poc_record_nonce(r, &n) == NULL, "denied: no nonce claim when none was checked");
	ok(poc_record_to_json(&e, r, &json) == 0 && json != NULL, "denied: JSON");
	if (json != NULL) {
		ok(strstr(json, "\"denied_clause\": \"$.providers\"") != NULL, "denied: JSON clause");
		ok(strstr(json, "\"denied_code\": \"policy\"") != NULL, "denied: JSON code");
		ok(strstr(json, "\"ear.status\": \"contraindicated\"") != NULL, "denied: JSON status");
		ok(strstr(json, "no nonce was checked") != NULL, "denied: JSON notes say no nonce");
		ok(strstr(json, "\"eat_nonce\"") == NULL, "denied: JSON has no nonce");
		free(json);
	}
	poc_record_free(r);
	free(buf);
}

/* A hand-built appraisal without the note still gets one: freshness must be visible. */
static void test_nonce_note(EVP_PKEY *k)
{
	struct poc_appraisal a;
	struct poc_err e = { 0 };
	struct poc_record *r = NULL;
	char *json = NULL;
	uint8_t *buf;
	size_t len;

	accepted(&a);
	a.nonce_checked = 0;
	buf = sign(&a, NULL, k, &len);
	ok(buf && poc_record_decode(&e, buf, len, &r) == 0 && poc_record_to_json(&e, r, &json) == 0 &&
		   strstr(json, "\"poc.notes\"") && strstr(json, "no nonce was checked"),
	   "no nonce: the record notes it");
	free(json);
	poc_record_free(r);
	free(buf);
}

static void test_bad_keys(EVP_PKEY *p256, EVP_PKEY *p384)
{
	struct poc_appraisal a;
	struct poc_err e = { 0 };
	struct poc_record *r = NULL;
	EVP_PKEY *rsa = poc_test_key(poc_test_rsa2048_a);
	uint8_t *buf = NULL;
	size_t len;

	accepted(&a);
	ok(poc_record_sign(&e, &a, NULL, NULL, 1, 0, rsa, &buf, &len) < 0 && e.code == POC_ERR_UNSUPPORTED,
	   "an RSA key cannot sign a record (%s)", e.msg);
	free(buf);
	buf = sign(&a, NULL, p256, &len);
	poc_err_clear(&e);
	ok(buf && poc_record_decode(&e, buf, len, &r) == 0 && poc_record_exp(r) == 1700003600,
	   "no bind, no opts: signs and decodes");
	poc_err_clear(&e);
	ok(r && poc_record_verify(&e, r, p384) < 0 && e.code == POC_ERR_SIGNATURE, "an ES256 record with a P-384 key fails");
	poc_err_clear(&e);
	ok(r && poc_record_verify(&e, r, rsa) < 0, "an RSA key cannot verify a record");
	poc_record_free(r);
	free(buf);
	EVP_PKEY_free(rsa);
}

static void test_envelope(void)
{
	struct poc_err e = { 0 };
	struct poc_record *r = NULL;
	/* tag 18 [h'a10126', {1: 1}, h'a0', h'00'*64]: unprotected not empty */
	uint8_t env[80] = { 0xd2, 0x84, 0x43, 0xa1, 0x01, 0x26, 0xa1, 0x01, 0x01, 0x41, 0xa0, 0x58, 0x40 };

	ok(poc_record_decode(&e, env, 13 + 64, &r) < 0, "a non-empty unprotected header is refused (%s)", e.msg);
	poc_err_clear(&e);
	env[6] = 0xa0;
	memmove(env + 7, env + 9, 4);
	ok(poc_record_decode(&e, env, 11 + 64, &r) < 0 && strstr(e.msg, "claims"),
	   "an empty claims map is refused (%s)", e.msg);
	poc_err_clear(&e);
	ok(poc_record_decode(&e, (const uint8_t *)"\xa0", 1, &r) < 0, "a bare map is refused (%s)", e.msg);
}

/* Records made before the attestation levels (the fuzz corpus keeps some) still decode, with no level. */
static void test_old_records(void)
{
	static const char *const names[] = { "affirming.rec", "contraindicated.rec", "token-release.rec" };
	const char *src = getenv("POC_SRCDIR");
	char path[4096];

	for (size_t i = 0; src != NULL && i < sizeof(names) / sizeof(names[0]); i++) {
		struct poc_err e = { 0 };
		struct poc_record *r = NULL;
		size_t len = 0;
		uint8_t *buf;

		snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/fuzz-record/%s", src, names[i]);
		buf = poc_test_read(path, &len);
		if (!ok(buf != NULL && poc_record_decode(&e, buf, len, &r) == 0, "an old record decodes: %s", names[i]))
			diag("%s", e.msg);
		else
			ok(poc_record_al_nominal(r) == -1 && poc_record_al_trustworthy(r) == -1, "%s has no poc.al level", names[i]);
		poc_record_free(r);
		free(buf);
	}
	if (src == NULL)
		ok(0, "POC_SRCDIR names the source tree");
}

int main(void)
{
	EVP_PKEY *p256 = EVP_EC_gen("P-256"), *p256b = EVP_EC_gen("P-256"), *p384 = EVP_EC_gen("P-384"),
		 *p384b = EVP_EC_gen("P-384");

	ok(p256 && p256b && p384 && p384b, "test keys");
	test_accepted(p256, p256b, "ES256", POC_COSE_ES256);
	test_accepted(p384, p384b, "ES384", POC_COSE_ES384);
	test_denied(p384);
	test_nonce_note(p256);
	test_bad_keys(p256, p384);
	test_envelope();
	test_old_records();
	EVP_PKEY_free(p256);
	EVP_PKEY_free(p256b);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(p384b);
	return poc_test_done();
}
