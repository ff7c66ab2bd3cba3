/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the Azure HCL report parser, its JSON (AK, user-data) and its TD report check. */
#include <openssl/evp.h>

#include "hcl_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct poc_err e = { 0 };
	struct poc_hcl_report r;
	struct poc_tdx_body body = { 0 };
	uint8_t user[64];
	size_t ulen;

	if (poc_hcl_report_parse(&e, data, size, &r) < 0)
		return 0;
	EVP_PKEY_free(poc_hcl_report_ak(&e, &r));
	poc_err_clear(&e);
	(void)poc_hcl_report_user_data(&e, &r, user, sizeof(user), &ulen);
	poc_err_clear(&e);
	(void)poc_hcl_report_check_td(&e, &r, &body);
	return 0;
}
