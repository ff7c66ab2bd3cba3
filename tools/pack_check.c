/* SPDX-License-Identifier: Apache-2.0 */
/* The structure of the quote files `evidence pack` is given (pack_check.h). */
#include "config.h"

#include "pack_check.h"

#include "poctool.h"
#include "tdx_quote.h"
#include "tpm_attest.h"

int poc_pack_check_tpm_quote(const char *attest_path, const char *sig_path, const struct poc_bundle_quote *q)
{
	struct poc_err e = { 0 };
	struct poc_tpm_quote parsed;

	if (poc_tpm_quote_parse(&e, q->attest.p, q->attest.len, q->sig.p, q->sig.len, &parsed) < 0) {
		poc_tool_warn("--tpm-quote %s / --tpm-sig %s: not a TPM quote and its signature: %s", attest_path,
			      sig_path, e.msg);
		return -1;
	}
	return 0;
}

int poc_pack_check_tdx_quote(const char *path, const struct poc_blob *quote)
{
	struct poc_err e = { 0 };
	struct poc_tdx_quote parsed;

	if (poc_tdx_quote_parse(&e, quote->p, quote->len, &parsed) < 0) {
		poc_tool_warn("--tdx-quote %s: not a TDX quote: %s", path, e.msg);
		return -1;
	}
	return 0;
}
