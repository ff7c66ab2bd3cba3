/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The TDX Confidential Computing Event Log: the ACPI CCEL table that locates
 * it, and replay of its SHA-384 events into RTMR0..3. The log itself has the
 * crypto-agile format of event_log.h; an event's pcr field holds the CC
 * measurement register index: 0 = MRTD, 1..4 = RTMR0..3 (UEFI 2.10, 38.4.1;
 * TDVF's MapPcrToMrIndex: PCR0 -> 0 MRTD, PCR1,7 -> 1 RTMR0, PCR2-6 -> 2
 * RTMR1, PCR8-15 -> 3 RTMR2; the OS extends RTMR3 as index 4).
 */
#ifndef POC_CCEL_H
#define POC_CCEL_H

#include <stddef.h>
#include <stdint.h>

#include "event_log.h"
#include "verr.h"

#define POC_CCEL_TABLE_LEN 56 /* ACPI header 36 + type, subtype, reserved 2, LAML 8, LASA 8 */
#define POC_CCEL_TYPE_SEV 1
#define POC_CCEL_TYPE_TDX 2
#define POC_CCEL_RTMRS 4
#define POC_CCEL_MR_LEN 48

struct poc_ccel_table {
	uint8_t cc_type, cc_subtype;
	uint64_t laml, lasa;
};

/*
 * Parses an ACPI CCEL table (ACPI 6.5 "CCEL"): signature, length, checksum
 * (all bytes sum to 0), fields. CC types other than 1 (SEV) and 2 (TDX) are
 * POC_ERR_UNSUPPORTED; the caller checks which one it expects.
 */
int poc_ccel_table_parse(struct poc_err *e, const uint8_t *buf, size_t len,
			 struct poc_ccel_table *out);

/*
 * Replays the log's SHA-384 digests into RTMR0..3 (start at zero; MR index
 * 1..4). EV_NO_ACTION is not extended, and MRTD (index 0) events are skipped
 * (MRTD is built by the TDX module at TD build time, not by extends).
 */
int poc_ccel_replay(struct poc_err *e, const struct poc_evlog *log,
		    uint8_t rtmr[POC_CCEL_RTMRS][POC_CCEL_MR_LEN]);

/*
 * Strict: every RTMR i with bit i in mask must equal its replay, so an RTMR
 * no event extends must be zero (a log trimmed of an RTMR's events fails).
 * POC_ERR_MISMATCH names the RTMR, both values and its last event.
 */
int poc_ccel_check(struct poc_err *e, const struct poc_evlog *log,
		   const uint8_t quoted[POC_CCEL_RTMRS][POC_CCEL_MR_LEN], uint32_t mask);
/* RTMRs (bit i = RTMR i) that at least one event other than EV_NO_ACTION extends. */
uint32_t poc_ccel_extended_mask(const struct poc_evlog *log);

#endif
