/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: CCEL table parse, and CCEL log parse + RTMR replay/check. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ccel.h"
#include "event_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct poc_err e = { 0 };
	struct poc_ccel_table t;
	struct poc_evlog log;
	uint8_t rtmr[POC_CCEL_RTMRS][POC_CCEL_MR_LEN];
	static const uint8_t zero[POC_CCEL_RTMRS][POC_CCEL_MR_LEN];

	(void)poc_ccel_table_parse(&e, data, size, &t);
	e.code = POC_OK;
	if (poc_evlog_parse(&e, data, size, &log) < 0)
		return 0;
	e.code = POC_OK;
	(void)poc_ccel_replay(&e, &log, rtmr);
	e.code = POC_OK;
	(void)poc_ccel_check(&e, &log, (const uint8_t(*)[POC_CCEL_MR_LEN])zero, 0xf);
	poc_evlog_free(&log);
	return 0;
}
