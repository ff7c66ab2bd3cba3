/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer: the Azure HCL report's runtime JSON alone (the part a TD's software writes):
 * the HCLAkPub JWK and the user-data, without the report header in front. Run with
 * -dict=tests/fuzz/fuzz-hcl_json.dict (tests/fuzz/run.sh passes it).
 */
#include <openssl/evp.h>

#include "hcl_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct poc_err e = { 0 };
	struct poc_hcl_report r = { 0 };
	uint8_t user[64];
	size_t ulen;

	if (size > (64u << 10))
		return 0;
	r.report_type = POC_HCL_REPORT_TYPE_TDX;
	r.json = data;
	r.json_len = size;
	EVP_PKEY_free(poc_hcl_report_ak(&e, &r));
	poc_err_clear(&e);
	(void)poc_hcl_report_user_data(&e, &r, user, sizeof(user), &ulen);
	return 0;
}
