/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writes a valid release answer and a valid denial for tests/fuzz/remote-fixture.h's keys
 * (the seeds of tests/fuzz/corpus/fuzz-remote_answer/): remote-seed DIR. TAP, so that
 * `make check` also proves the fixture's answers verify.
 */
#include <stdio.h>
#include <stdlib.h>

#include "record.h"
#include "remote-fixture.h"
#include "../test.h"

static int write_answer(struct poc_fuzz_fixture *f, enum poc_decision d, const char *path)
{
	struct poc_err e = { 0 };
	struct poc_appraisal ap = { 0 };
	struct poc_appraise_opts o = { .nonce = f->B, .nonce_len = 64, .at = 1800000000 };
	struct poc_record_bind b = { .bundle_hash = f->evd, .verification = "remote", .build = "poc-pkcs11 fuzz" };
	uint8_t share[32], *ear = NULL, *ans = NULL;
	size_t ear_len = 0, ans_len = 0;
	struct poc_answer a;
	int rv = -1;

	memset(share, 0x66, sizeof(share));
	ap.accepted = d == POC_DECISION_RELEASE;
	ap.tee = ap.vtpm = ap.poc = d == POC_DECISION_RELEASE ? POC_EAR_AFFIRMING : POC_EAR_CONTRAINDICATED;
	ap.nonce_checked = 1;
	if (!ap.accepted)
		snprintf(ap.clause, sizeof(ap.clause), "$.vtpm.pcrs");
	if (poc_record_sign(&e, &ap, &o, &b, 1800000000, 300, f->pocd, &ear, &ear_len) == 0) {
		struct poc_answer_in in = { .decision = d, .chal = f->chal, .ear = ear, .ear_len = ear_len,
					    .evidence_digest = f->evd, .request_digest = f->reqd, .pkR = f->pkR,
					    .share = share, .share_len = 32, .clause = "$.vtpm.pcrs" };

		if (poc_answer_sign(&e, &in, f->pocd, &ans, &ans_len) == 0 &&
		    poc_answer_check(&e, ans, ans_len, &f->expect, &a) == 0) {
			poc_answer_free(&a);
			rv = 0;
			if (path != NULL) {
				FILE *fp = fopen(path, "wb");

				rv = fp != NULL && fwrite(ans, 1, ans_len, fp) == ans_len ? 0 : -1;
				if (fp != NULL && fclose(fp) != 0)
					rv = -1;
			}
		}
	}
	if (rv < 0)
		diag("%s", e.msg);
	free(ear);
	free(ans);
	return rv;
}

int main(int argc, char **argv)
{
	struct poc_fuzz_fixture f;
	char p1[4096], p2[4096];

	if (poc_fuzz_fixture_init(&f) < 0) {
		printf("Bail out! fixture keys\n");
		return 1;
	}
	snprintf(p1, sizeof(p1), "%s/release.cbor", argc > 1 ? argv[1] : ".");
	snprintf(p2, sizeof(p2), "%s/deny.cbor", argc > 1 ? argv[1] : ".");
	ok(write_answer(&f, POC_DECISION_RELEASE, argc > 1 ? p1 : NULL) == 0, "the fixture's release answer verifies");
	ok(write_answer(&f, POC_DECISION_DENY, argc > 1 ? p2 : NULL) == 0, "the fixture's denial verifies");
	poc_fuzz_fixture_free(&f);
	return poc_test_done();
}
