/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fixed keys and expectations of fuzz-remote_answer and of tests/fuzz/remote-seed.c,
 * which writes a valid answer for them into the target's corpus.
 */
#ifndef POC_REMOTE_FIXTURE_H
#define POC_REMOTE_FIXTURE_H

#include <string.h>

#include "remote/answer.h"
#include "remote/hpke.h"
#include "remote/protocol.h"

struct poc_fuzz_fixture {
	EVP_PKEY *pocd, *skR;
	uint8_t chal[POC_CHAL_LEN], pkR[POC_HPKE_NPK], B[POC_BINDING_LEN], evd[32], reqd[32];
	struct poc_answer_expect expect;
};

static inline void poc_fuzz_fixture_free(struct poc_fuzz_fixture *f)
{
	EVP_PKEY_free(f->pocd);
	EVP_PKEY_free(f->skR);
}

static inline int poc_fuzz_fixture_init(struct poc_fuzz_fixture *f)
{
	uint8_t s1[32], s2[32];

	memset(f, 0, sizeof(*f));
	memset(s1, 0x21, sizeof(s1));
	memset(s2, 0x42, sizeof(s2));
	memset(f->chal, 0x33, sizeof(f->chal));
	memset(f->evd, 0x44, sizeof(f->evd));
	memset(f->reqd, 0x55, sizeof(f->reqd));
	f->pocd = poc_p256_from_scalar(s1);
	f->skR = poc_p256_from_scalar(s2);
	if (f->pocd == NULL || f->skR == NULL || poc_p256_point(f->skR, f->pkR) < 0 ||
	    poc_remote_binding(f->chal, f->pkR, (const uint8_t *)"fuzz-key", 8, f->B) < 0) {
		poc_fuzz_fixture_free(f);
		return -1;
	}
	f->expect = (struct poc_answer_expect){ .pocd_key = f->pocd, .chal = f->chal, .request_digest = f->reqd,
						.evidence_digest = f->evd, .binding = f->B, .skR = f->skR };
	return 0;
}

#endif
