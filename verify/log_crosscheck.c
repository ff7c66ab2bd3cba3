/* SPDX-License-Identifier: Apache-2.0 */
#include "log_crosscheck.h"

#include <openssl/crypto.h>
#include <tss2/tss2_tpm2_types.h>

#include "hex.h"

static int skipped(uint32_t type)
{
	return type == POC_EV_NO_ACTION || type == POC_EV_NONHOST_INFO || type == POC_EV_EFI_HANDOFF_TABLES2 ||
	       type == POC_EV_EFI_PLATFORM_FIRMWARE_BLOB2;
}

/* The RTMR (0-2) a vTPM PCR's events also go to, or -1. */
static int rtmr_of_pcr(uint32_t pcr)
{
	if (pcr == 1 || pcr == 7)
		return 0;
	if (pcr >= 2 && pcr <= 6)
		return 1;
	if (pcr >= 8 && pcr <= 15)
		return 2;
	return -1;
}

/* The next compared event of log at or after *i for RTMR r, or NULL. */
static const struct poc_evlog_event *next(const struct poc_evlog *log, size_t *i, int r, int is_ccel)
{
	for (; *i < log->nevents; (*i)++) {
		const struct poc_evlog_event *ev = &log->ev[*i];
		int target = is_ccel ? (int)ev->pcr - 1 : rtmr_of_pcr(ev->pcr);

		if (target == r && !skipped(ev->type))
			return ev;
	}
	return NULL;
}

int poc_evlog_crosscheck(struct poc_err *e, const struct poc_evlog *tpm, const struct poc_evlog *ccel)
{
	int r;

	for (r = 0; r < 3; r++) {
		size_t i = 0, j = 0, n = 0;

		for (;; i++, j++, n++) {
			const struct poc_evlog_event *a = next(tpm, &i, r, 0), *b = next(ccel, &j, r, 1);
			const uint8_t *da, *db;
			char desc[128], hex[17];

			if (a == NULL && b == NULL)
				break;
			if (a == NULL || b == NULL) {
				poc_evlog_describe(a ? a : b, desc, sizeof(desc));
				return poc_err_set(e, POC_ERR_MISMATCH,
						   "RTMR%d: the %s log has an extra event #%zu (%s) after %zu matching events",
						   r, a ? "vTPM" : "CCEL", a ? i : j, desc, n);
			}
			da = poc_evlog_event_digest(a, TPM2_ALG_SHA384);
			db = poc_evlog_event_digest(b, TPM2_ALG_SHA384);
			if (da == NULL)
				return poc_err_set(e, POC_ERR_UNSUPPORTED,
						   "the vTPM event log has no SHA-384 digest for event #%zu: no cross-check possible", i);
			if (db == NULL)
				return poc_err_set(e, POC_ERR_MALFORMED, "CCEL event #%zu has no SHA-384 digest", j);
			if (CRYPTO_memcmp(da, db, 48) != 0) {
				poc_evlog_describe(a, desc, sizeof(desc));
				poc_hex_encode(db, 8, hex);
				return poc_err_set(e, POC_ERR_MISMATCH,
						   "RTMR%d: vTPM event #%zu (PCR %u, %s) differs from CCEL event #%zu (digest %s...)",
						   r, i, a->pcr, desc, j, hex);
			}
		}
	}
	return 0;
}
