/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer: pocd's request decoders (remote/protocol.h), the challenge parser, the credential request decoder
 * and the owner request opener (remote/owner.h, under a fixed owner key), on the same input.
 */
#include <stdlib.h>
#include <string.h>

#include "remote/challenge.h"
#include "remote/hpke.h"
#include "remote/owner.h"
#include "remote/protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t k[32] = "fuzz K_kid fuzz K_kid fuzz K_ki";
	struct poc_err e = { 0 };
	struct poc_chal_req cr;
	struct poc_release_req rr;
	struct poc_chal c;
	uint8_t chal[POC_CHAL_LEN];
	int64_t exp;

	(void)poc_chal_req_decode(&e, data, size, &cr);
	(void)poc_chal_resp_decode(&e, data, size, chal, &exp);
	if (poc_release_req_decode(&e, data, size, &rr) == 0) {
		(void)poc_chal_check(&e, rr.chal, sizeof(rr.chal), k, sizeof(k), (const uint8_t *)rr.key_id,
				     rr.key_id_len, 1800000000, &c);
		poc_release_req_free(&rr);
	}
	(void)poc_chal_parse(&e, data, size, &c);
	{
		struct poc_cred_req cq;

		if (poc_cred_req_decode(&e, data, size, &cq) == 0)
			poc_cred_req_free(&cq);
	}
	{
		static EVP_PKEY *owner;
		struct poc_owner_req r;
		uint8_t s[32];

		memset(s, 0x07, sizeof(s));
		if (owner == NULL)
			owner = poc_p256_from_scalar(s);
		if (owner != NULL && poc_owner_req_open(&e, data, size, owner, &r) == 0)
			poc_owner_req_free(&r);
	}
	return 0;
}
