/* SPDX-License-Identifier: Apache-2.0 */
#ifndef POC_PACK_CHECK_H
#define POC_PACK_CHECK_H
#include "bundle.h"

/*
 * `evidence pack` refuses quote files that do not parse (exit 2) rather than
 * pack bytes no verifier can read: 0, or -1 having said which file and why.
 * Only the structure is checked here; signatures and values are the
 * verifier's job.
 */
int poc_pack_check_tpm_quote(const char *attest_path, const char *sig_path, const struct poc_bundle_quote *q);
int poc_pack_check_tdx_quote(const char *path, const struct poc_blob *quote);

#endif
