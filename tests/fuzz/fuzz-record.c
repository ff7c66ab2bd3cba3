/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the attestation record decoder, its JSON view and its accessors. */
#include <stdlib.h>

#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct poc_err e = { 0 };
	struct poc_record *r = NULL;
	char *json = NULL;
	size_t n;

	if (poc_record_decode(&e, data, size, &r) == 0) {
		if (poc_record_to_json(&e, r, &json) == 0)
			free(json);
		(void)poc_record_status(r);
		(void)poc_record_submod_status(r, "poc");
		(void)poc_record_nonce(r, &n);
		(void)poc_record_cka_id(r, &n);
		(void)poc_record_bundle_hash(r);
		(void)poc_record_denied_clause(r);
		poc_record_free(r);
	}
	return 0;
}
