/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer: the evidence bundle decoder, re-encoding what it accepts, and appraising it
 * under policies that need no files (binding none with the event log optional) and, when
 * POC_TESTDATA names the real vectors (tests/fuzz/run.sh sets it), under policies with their
 * roots: tee + providers + poc-v1 (TDX quote, CCEL, cross-check, activation), azure-hcl (HCL
 * report), platforms (PPID/POE), so every part a bundle carries reaches its parser.
 * Seeded from tests/fuzz/corpus/fuzz-bundle/ (real captures packed by poctool evidence pack).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appraise.h"
#include "bundle.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define GCE "\"providers\": [{\"name\": \"gcp-legacy\", \"roots\": [\"gce-certs/gce-tpm-ek-root-1.pem\"], " \
	    "\"intermediates\": [\"gce-certs/gce-tpm-ek-intermediate-2.pem\"]}, " \
	    "{\"name\": \"azure\", \"roots\": [\"azure/roots/azure-virtual-tpm-root-2023.pem\"]}]"
#define TEE "\"tee\": {\"type\": \"tdx\", \"roots\": [\"tdx/intel-sgx-root-ca.pem\"], \"tcb_status\": [\"UpToDate\"]}"

static const char *const policies[] = {
	"{\"version\": 1, \"vtpm\": {\"eventlog\": \"optional\"}, \"binding\": \"none\"}",
	"{\"version\": 1, " GCE ", " TEE ", \"vtpm\": {\"eventlog\": \"optional\"}, \"binding\": \"poc-v1\"}",
	"{\"version\": 1, " GCE ", " TEE ", \"binding\": \"azure-hcl\"}",
	"{\"version\": 1, \"platforms\": {\"allow\": [{\"ppid\": \"0749bf90ceea86f7917d4d484356081c\"}], "
	"\"poe\": {\"roots\": [\"tdx/intel-sgx-root-ca.pem\"]}}, " TEE "}",
};
#define NPOL (sizeof(policies) / sizeof(policies[0]))

static int load(void *ctx, struct poc_err *e, const char *path, uint8_t **buf, size_t *len)
{
	char full[1024];
	FILE *f;
	long n;

	snprintf(full, sizeof(full), "%s/%s", (const char *)ctx, path);
	*buf = NULL;
	if ((f = fopen(full, "rb")) == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    (*buf = malloc((size_t)n)) == NULL || fread(*buf, 1, (size_t)n, f) != (size_t)n) {
		if (f != NULL)
			fclose(f);
		free(*buf);
		return poc_err_set(e, POC_ERR_ARG, "cannot read %s", full);
	}
	fclose(f);
	*len = (size_t)n;
	return 0;
}

/* Parsed once: certificate files are read at the first input (the policies are never freed). */
static struct poc_policy *policy(size_t i)
{
	static struct poc_policy *p[NPOL];
	static int tried[NPOL];
	const char *dir = getenv("POC_TESTDATA");
	struct poc_err e = { 0 };

	if (!tried[i]) {
		tried[i] = 1;
		if (i == 0 || dir != NULL)
			(void)poc_policy_parse(&e, policies[i], strlen(policies[i]), load, (void *)dir, &p[i]);
	}
	return p[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t nonce[64] = { 0 };
	struct poc_appraise_opts o = { .nonce = nonce, .nonce_len = sizeof(nonce), .at = 1780922561 };
	struct poc_appraisal out;
	struct poc_err e = { 0 };
	struct poc_bundle b;
	uint8_t *enc;
	size_t len, i;

	if (poc_bundle_decode(&e, data, size, &b) == 0) {
		if (poc_bundle_encode(&e, &b, &enc, &len) == 0)
			free(enc);
		for (i = 0; i < NPOL; i++) {
			if (policy(i) == NULL)
				continue;
			/* Every other one without a nonce: the bindings then use the bundle's own. */
			o.nonce = i % 2 ? NULL : nonce;
			o.nonce_len = i % 2 ? 0 : sizeof(nonce);
			(void)poc_appraise(policy(i), &b, &o, &out);
		}
		poc_bundle_free(&b);
	}
	return 0;
}
