/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: event log parse, replay of every bank, check, describe. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t algs[] = { 0x0004, 0x000b, 0x000c, 0x000d, 0x0012 };
	struct poc_err e = { 0 };
	struct poc_evlog log;
	struct poc_pcr_bank bank;
	char d[200];

	if (poc_evlog_parse(&e, data, size, &log) < 0)
		return 0;
	for (size_t i = 0; i < log.nevents; i++)
		poc_evlog_describe(&log.ev[i], d, sizeof(d));
	(void)poc_evlog_gce_technology(&log);
	for (size_t a = 0; a < sizeof(algs) / sizeof(algs[0]); a++) {
		memset(&bank, 0, sizeof(bank));
		bank.alg = algs[a];
		bank.mask = 0xffffff;
		e.code = POC_OK;
		(void)poc_evlog_replay(&e, &log, algs[a], &bank);
		e.code = POC_OK;
		(void)poc_evlog_check(&e, &log, &bank, 0xffffff);
	}
	poc_evlog_free(&log);
	return 0;
}
