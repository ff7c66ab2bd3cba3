/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer: the evidence bundle decoder, re-encoding what it accepts, and appraising it
 * under policies that need no files (binding none with the event log optional, azure-hcl),
 * so every part a bundle carries (TPM quotes, event log, HCL report) reaches its parser.
 * Seeded from tests/fuzz/corpus/fuzz-bundle/ (real captures packed by poctool evidence pack).
 */
#include <stdlib.h>
#include <string.h>

#include "appraise.h"
#include "bundle.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void appraise(const struct poc_bundle *b, const char *json)
{
	static const uint8_t nonce[64] = { 0 };
	struct poc_appraise_opts o = { .nonce = nonce, .nonce_len = sizeof(nonce), .at = 1780000000 };
	struct poc_appraisal out;
	struct poc_policy *p = NULL;
	struct poc_err e = { 0 };

	if (poc_policy_parse(&e, json, strlen(json), NULL, NULL, &p) == 0)
		(void)poc_appraise(p, b, &o, &out);
	poc_policy_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct poc_err e = { 0 };
	struct poc_bundle b;
	uint8_t *out;
	size_t len;

	if (poc_bundle_decode(&e, data, size, &b) == 0) {
		if (poc_bundle_encode(&e, &b, &out, &len) == 0)
			free(out);
		appraise(&b, "{\"version\": 1, \"vtpm\": {\"eventlog\": \"optional\"}, \"binding\": \"none\"}");
		appraise(&b, "{\"version\": 1, \"binding\": \"azure-hcl\"}");
		poc_bundle_free(&b);
	}
	return 0;
}
