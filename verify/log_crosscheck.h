/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PCR/RTMR cross-check of the DCEA binding (DESIGN.md section 3): when a
 * TD has both a vTPM event log and a CCEL, the same firmware measured the same
 * things into both, so their SHA-384 event digests agree event by event:
 * PCR1,7 -> RTMR0, PCR2-6 -> RTMR1, PCR8-15 -> RTMR2 (PCR0's counterpart, MRTD,
 * has no events). Events that by nature live in one log only are skipped:
 * EV_NO_ACTION (SP800-155, StartupLocality), GCE NonHostInfo, and the TD HOB
 * and configuration firmware volume (EV_EFI_HANDOFF_TABLES2,
 * EV_EFI_PLATFORM_FIRMWARE_BLOB2).
 */
#ifndef POC_LOG_CROSSCHECK_H
#define POC_LOG_CROSSCHECK_H

#include "event_log.h"
#include "verr.h"

/* POC_ERR_MISMATCH naming the RTMR and the first pair of events that differ;
 * POC_ERR_UNSUPPORTED when the vTPM log has no SHA-384 bank. */
int poc_evlog_crosscheck(struct poc_err *e, const struct poc_evlog *tpm, const struct poc_evlog *ccel);

#endif
