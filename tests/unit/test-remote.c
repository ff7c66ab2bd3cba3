/* SPDX-License-Identifier: Apache-2.0 */
/*
 * remote/: the stateless challenge (mint, check: another key id, another K_kid, a changed
 * byte, expiry, the future), the binding B, the request codecs (round trips, and every
 * strictness rule refused), and the answer: pocd's side signs, the client's side checks it,
 * and each attack on the answer is refused (a forged signer, another challenge, request or
 * bundle, a share encrypted to another key, a decision that disagrees with its EAR).
 */
#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <openssl/crypto.h>

#include "digest.h"
#include "record.h"
#include "remote/answer.h"
#include "remote/challenge.h"
#include "remote/hpke.h"
#include "remote/owner.h"
#include "remote/protocol.h"
#include "../test.h"

#define NOW 1800000000
static const uint8_t K1[32] = "0123456789abcdef0123456789abcdef";
static const uint8_t K2[32] = "fedcba9876543210fedcba9876543210";
static const uint8_t RND[16] = "sixteen bytes!!";
#define KID(s) (const uint8_t *)(s), strlen(s)

static void test_challenge(void)
{
	struct poc_err e = { 0 };
	struct poc_chal c;
	uint8_t ch[POC_CHAL_LEN], bad[POC_CHAL_LEN];

	ok(poc_chal_mint(&e, K1, 32, 7, NOW, 120, RND, KID("tls-server"), ch) == 0, "mint");
	ok(poc_chal_check(&e, ch, sizeof(ch), K1, 32, KID("tls-server"), NOW + 10, &c) == 0 && c.kid == 7 &&
		   c.iat == NOW && c.exp == NOW + 120 && memcmp(c.rand, RND, 16) == 0,
	   "check: accepted, its fields read back");
	poc_err_clear(&e);
	ok(poc_chal_check(&e, ch, sizeof(ch), K1, 32, KID("other-key"), NOW + 10, NULL) == -1 &&
		   e.code == POC_ERR_SIGNATURE,
	   "a challenge for another key_id: refused (MAC)");
	poc_err_clear(&e);
	ok(poc_chal_check(&e, ch, sizeof(ch), K2, 32, KID("tls-server"), NOW + 10, NULL) == -1 &&
		   e.code == POC_ERR_SIGNATURE,
	   "under another K_kid: refused");
	for (size_t i = 0; i < POC_CHAL_LEN; i++) {
		memcpy(bad, ch, sizeof(bad));
		bad[i] ^= 0x80;
		poc_err_clear(&e);
		if (poc_chal_check(&e, bad, sizeof(bad), K1, 32, KID("tls-server"), NOW + 10, NULL) != -1) {
			ok(0, "byte %zu of the challenge changed: accepted", i);
			break;
		}
		if (i == POC_CHAL_LEN - 1)
			ok(1, "every byte of the challenge changed in turn: refused");
	}
	poc_err_clear(&e);
	ok(poc_chal_check(&e, ch, sizeof(ch), K1, 32, KID("tls-server"), NOW + 120, NULL) == -1 &&
		   e.code == POC_ERR_EXPIRED,
	   "at exp: expired");
	poc_err_clear(&e);
	ok(poc_chal_check(&e, ch, sizeof(ch), K1, 32, KID("tls-server"), NOW - POC_CHAL_SKEW_S - 1, NULL) == -1 &&
		   e.code == POC_ERR_EXPIRED,
	   "before iat beyond the skew: refused");
	ok(poc_chal_check(&e, ch, sizeof(ch) - 1, K1, 32, KID("tls-server"), NOW, NULL) == -1, "truncated: refused");
	ok(poc_chal_mint(&e, K1, 16, 7, NOW, 120, RND, KID("tls-server"), ch) == -1, "a 16-byte K_kid: refused");
	ok(poc_chal_mint(&e, K1, 32, 7, NOW, 120, RND, KID("a b"), ch) == -1, "a key id with a space: refused");
	ok(poc_chal_mint(&e, K1, 32, 7, NOW, 0, RND, KID("k"), ch) == -1, "a zero lifetime: refused");
}

static void test_requests(void)
{
	struct poc_err e = { 0 };
	struct poc_chal_req cr;
	struct poc_release_req rr;
	uint8_t *buf = NULL, ch[POC_CHAL_LEN], pk[65], ev[10] = "evidence!", got[POC_CHAL_LEN];
	size_t len = 0;
	int64_t exp = 0;

	memset(ch, 0x11, sizeof(ch));
	memset(pk, 0x04, sizeof(pk));
	ok(poc_chal_req_encode(&e, "tls-server", "poc-v1", &buf, &len) == 0 && poc_chal_req_decode(&e, buf, len, &cr) == 0 &&
		   strcmp(cr.key_id, "tls-server") == 0 && strcmp(cr.platform, "poc-v1") == 0,
	   "challenge request round-trips");
	free(buf);
	ok(poc_chal_resp_encode(&e, ch, NOW, &buf, &len) == 0 && poc_chal_resp_decode(&e, buf, len, got, &exp) == 0 &&
		   memcmp(got, ch, sizeof(ch)) == 0 && exp == NOW,
	   "challenge answer round-trips");
	free(buf);
	ok(poc_release_req_encode(&e, ch, "tls-server", pk, ev, sizeof(ev), &buf, &len) == 0 &&
		   poc_release_req_decode(&e, buf, len, &rr) == 0 && memcmp(rr.chal, ch, sizeof(ch)) == 0 &&
		   memcmp(rr.pkR, pk, 65) == 0 && rr.evidence_len == sizeof(ev) && memcmp(rr.evidence, ev, sizeof(ev)) == 0,
	   "release request round-trips");
	poc_release_req_free(&rr);
	for (size_t cut = 0; cut < len; cut++)
		if (poc_release_req_decode(&e, buf, cut, &rr) == 0) {
			ok(0, "a release request cut at %zu: accepted", cut);
			poc_release_req_free(&rr);
			break;
		} else if (cut == len - 1) {
			ok(1, "a release request cut anywhere: refused");
		}
	free(buf);
	{
		/* Hand-made maps: an unknown key, a key twice, a wrong type, a missing key. */
		static const uint8_t unknown[] = { 0xa3, 0x66, 'k', 'e', 'y', '_', 'i', 'd', 0x61, 'k', 0x68, 'p', 'l', 'a',
						   't', 'f', 'o', 'r', 'm', 0x61, 'p', 0x61, 'x', 0x61, 'y' };
		static const uint8_t twice[] = { 0xa2, 0x66, 'k', 'e', 'y', '_', 'i', 'd', 0x61, 'k', 0x66, 'k', 'e', 'y', '_', 'i',
						 'd', 0x61, 'k' };
		static const uint8_t wrongtype[] = { 0xa2, 0x66, 'k', 'e', 'y', '_', 'i', 'd', 0x41, 'k', 0x68, 'p', 'l',
						     'a', 't', 'f', 'o', 'r', 'm', 0x61, 'p' };
		static const uint8_t missing[] = { 0xa1, 0x66, 'k', 'e', 'y', '_', 'i', 'd', 0x61, 'k' };

		ok(poc_chal_req_decode(&e, unknown, sizeof(unknown), &cr) == -1, "an unknown key: refused");
		ok(poc_chal_req_decode(&e, twice, sizeof(twice), &cr) == -1, "a key twice: refused");
		ok(poc_chal_req_decode(&e, wrongtype, sizeof(wrongtype), &cr) == -1, "key_id as bytes: refused");
		ok(poc_chal_req_decode(&e, missing, sizeof(missing), &cr) == -1, "no platform: refused");
	}
}

static void fill_accepted(struct poc_appraisal *a)
{
	memset(a, 0, sizeof(*a));
	a->accepted = 1;
	a->tee = a->vtpm = a->poc = POC_EAR_AFFIRMING;
	a->nonce_checked = 1;
	a->nquotes = 1;
}

static void fill_denied(struct poc_appraisal *a)
{
	memset(a, 0, sizeof(*a));
	a->code = POC_ERR_POLICY;
	snprintf(a->clause, sizeof(a->clause), "$.vtpm.pcrs");
	snprintf(a->reason, sizeof(a->reason), "PCR 7 differs");
	a->poc = POC_EAR_CONTRAINDICATED;
	a->nonce_checked = 1;
}

struct fixture {
	EVP_PKEY *pocd, *skR, *forger;
	uint8_t chal[POC_CHAL_LEN], pkR[65], B[64], evd[32], reqd[32], share[32];
	uint8_t *ear;
	size_t ear_len;
};

/* An EAR for a (accepted or denied) with nonce B and the evidence digest. */
static int make_ear(struct fixture *f, const struct poc_appraisal *a, EVP_PKEY *signer)
{
	struct poc_err e = { 0 };
	struct poc_appraise_opts o = { .nonce = f->B, .nonce_len = 64, .at = NOW };
	struct poc_record_bind b = { .bundle_hash = f->evd, .verification = "remote" };

	free(f->ear);
	f->ear = NULL;
	return poc_record_sign(&e, a, &o, &b, NOW, 300, signer, &f->ear, &f->ear_len);
}

static int answer(struct fixture *f, enum poc_decision d, const uint8_t *pkR, EVP_PKEY *signer, uint8_t **out,
		  size_t *len)
{
	struct poc_err e = { 0 };
	struct poc_answer_in in = { .decision = d, .chal = f->chal, .ear = f->ear, .ear_len = f->ear_len,
				    .evidence_digest = f->evd, .request_digest = f->reqd, .pkR = pkR,
				    .share = f->share, .share_len = 32, .clause = "$.vtpm.pcrs" };
	int rc = poc_answer_sign(&e, &in, signer, out, len);

	if (rc < 0)
		diag("answer: %s", e.msg);
	return rc;
}

/* The client's check of buf: 0 accepted (a filled), -1 refused (e). */
static int check(struct fixture *f, const uint8_t *buf, size_t len, struct poc_answer *a, struct poc_err *e)
{
	struct poc_answer_expect x = { .pocd_key = f->pocd, .chal = f->chal, .request_digest = f->reqd,
				       .evidence_digest = f->evd, .binding = f->B, .skR = f->skR };

	poc_err_clear(e);
	return poc_answer_check(e, buf, len, &x, a);
}

static void test_answer(void)
{
	struct poc_err e = { 0 };
	struct fixture f = { 0 };
	struct poc_appraisal ap;
	struct poc_answer a;
	uint8_t *buf = NULL, otherpk[65];
	size_t len = 0;
	EVP_PKEY *other = poc_p256_generate();

	f.pocd = poc_p256_generate();
	f.skR = poc_p256_generate();
	f.forger = poc_p256_generate();
	memset(f.chal, 0x33, sizeof(f.chal));
	memset(f.evd, 0x44, 32);
	memset(f.reqd, 0x55, 32);
	memset(f.share, 0x66, 32);
	ok(f.pocd && f.skR && f.forger && other && poc_p256_point(f.skR, f.pkR) == 0 && poc_p256_point(other, otherpk) == 0 &&
		   poc_remote_binding(f.chal, f.pkR, KID("tls-server"), f.B) == 0,
	   "keys and B");
	fill_accepted(&ap);
	ok(make_ear(&f, &ap, f.pocd) == 0 && answer(&f, POC_DECISION_RELEASE, f.pkR, f.pocd, &buf, &len) == 0, "pocd signs a release");
	ok(check(&f, buf, len, &a, &e) == 0 && a.decision == POC_DECISION_RELEASE && a.share_len == 32 &&
		   memcmp(a.share, f.share, 32) == 0 && a.ear_len == f.ear_len,
	   "the client opens S_R %s", e.msg);
	poc_answer_free(&a);
	for (size_t i = 0; i < len; i += 7) {
		buf[i] ^= 0x01;
		if (check(&f, buf, len, &a, &e) == 0) {
			ok(0, "byte %zu of the answer changed: accepted", i);
			poc_answer_free(&a);
			buf[i] ^= 0x01;
			break;
		}
		buf[i] ^= 0x01;
		if (i + 7 >= len)
			ok(1, "every 7th byte of the answer changed in turn: refused");
	}
	{
		uint8_t save[32];

		memcpy(save, f.chal, 32);
		f.chal[0] ^= 1;
		ok(check(&f, buf, len, &a, &e) == -1 && e.code == POC_ERR_MISMATCH, "an answer to another challenge: refused");
		f.chal[0] ^= 1;
		f.reqd[0] ^= 1;
		ok(check(&f, buf, len, &a, &e) == -1 && e.code == POC_ERR_MISMATCH, "an answer to another request: refused");
		f.reqd[0] ^= 1;
		f.evd[0] ^= 1;
		ok(check(&f, buf, len, &a, &e) == -1 && e.code == POC_ERR_MISMATCH, "an answer for another bundle: refused");
		f.evd[0] ^= 1;
		(void)save;
	}
	free(buf);
	ok(answer(&f, POC_DECISION_RELEASE, f.pkR, f.forger, &buf, &len) == 0 && check(&f, buf, len, &a, &e) == -1 &&
		   e.code == POC_ERR_SIGNATURE,
	   "an answer not signed by the pinned key: refused");
	free(buf);
	ok(answer(&f, POC_DECISION_RELEASE, otherpk, f.pocd, &buf, &len) == 0 && check(&f, buf, len, &a, &e) == -1 &&
		   e.code == POC_ERR_SIGNATURE && a.share == NULL,
	   "a share encrypted to another key: refused (%s)", e.msg);
	free(buf);
	ok(make_ear(&f, &ap, f.forger) == 0 && answer(&f, POC_DECISION_RELEASE, f.pkR, f.pocd, &buf, &len) == 0 &&
		   check(&f, buf, len, &a, &e) == -1,
	   "an EAR signed by another key inside pocd's answer: refused");
	free(buf);
	fill_denied(&ap);
	ok(make_ear(&f, &ap, f.pocd) == 0 && answer(&f, POC_DECISION_RELEASE, f.pkR, f.pocd, &buf, &len) == 0 &&
		   check(&f, buf, len, &a, &e) == -1 && e.code == POC_ERR_MISMATCH,
	   "a release whose EAR is a denial: refused");
	free(buf);
	ok(answer(&f, POC_DECISION_DENY, NULL, f.pocd, &buf, &len) == 0 && check(&f, buf, len, &a, &e) == 0 &&
		   a.decision == POC_DECISION_DENY && strcmp(a.clause, "$.vtpm.pcrs") == 0 && a.share == NULL,
	   "a denial: verified, the clause named, no share");
	poc_answer_free(&a);
	free(buf);
	fill_accepted(&ap);
	ok(make_ear(&f, &ap, f.pocd) == 0 && answer(&f, POC_DECISION_DENY, NULL, f.pocd, &buf, &len) == 0 &&
		   check(&f, buf, len, &a, &e) == -1 && e.code == POC_ERR_MISMATCH,
	   "a denial whose EAR accepts: refused");
	free(buf);
	free(f.ear);
	EVP_PKEY_free(f.pocd);
	EVP_PKEY_free(f.skR);
	EVP_PKEY_free(f.forger);
	EVP_PKEY_free(other);
}

static void test_owner(void)
{
	struct poc_err e = { 0 };
	struct poc_owner_req r = { .op = POC_OWNER_ENROL, .iat = NOW, .key_id = "tls-server" }, got;
	EVP_PKEY *owner = poc_p256_generate(), *other = poc_p256_generate();
	uint8_t *buf = NULL, share[32], root[5] = "root";
	size_t len = 0;

	memset(share, 0x77, sizeof(share));
	memset(r.nonce, 0x01, sizeof(r.nonce));
	r.policy = (char *)"{\"version\": 1}";
	r.identities = (char *)"{\"gce_project\": \"p\"}";
	r.nfiles = 1;
	r.files[0] = (struct poc_owner_file){ .path = (char *)"root.pem", .data = root, .len = 4 };
	r.share = share;
	r.share_len = 32;
	ok(poc_owner_req_seal(&e, &r, owner, &buf, &len) == 0, "owner: seal an enrolment");
	ok(poc_owner_req_open(&e, buf, len, owner, &got) == 0 && got.op == POC_OWNER_ENROL && got.iat == NOW &&
		   strcmp(got.key_id, "tls-server") == 0 && strcmp(got.policy, r.policy) == 0 && got.nfiles == 1 &&
		   strcmp(got.files[0].path, "root.pem") == 0 && got.share_len == 32 && memcmp(got.share, share, 32) == 0,
	   "owner: open it under the pinned key %s", e.msg);
	poc_owner_req_free(&got);
	poc_err_clear(&e);
	ok(poc_owner_req_open(&e, buf, len, other, &got) == -1 && e.code == POC_ERR_SIGNATURE,
	   "owner: a request signed by another key: refused");
	buf[len / 2] ^= 1;
	ok(poc_owner_req_open(&e, buf, len, owner, &got) == -1, "owner: a changed byte: refused");
	free(buf);
	r.op = POC_OWNER_REVOKE;
	ok(poc_owner_req_seal(&e, &r, owner, &buf, &len) == 0 && poc_owner_req_open(&e, buf, len, owner, &got) == -1,
	   "owner: a revocation carrying a policy: refused");
	free(buf);
	r = (struct poc_owner_req){ .op = POC_OWNER_ENROL, .iat = NOW };
	ok(poc_owner_req_seal(&e, &r, owner, &buf, &len) == 0 && poc_owner_req_open(&e, buf, len, owner, &got) == -1,
	   "owner: an enrolment without key_id and policy: refused");
	free(buf);
	EVP_PKEY_free(owner);
	EVP_PKEY_free(other);
}

int main(void)
{
	test_owner();
	test_challenge();
	test_requests();
	test_answer();
	return poc_test_done();
}
