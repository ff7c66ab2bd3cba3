/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the IMA binary measurement list (ima_log.h), parsed and replayed. */
#include <stdint.h>
#include <stdlib.h>

#include "ima_log.h"
#include "pcrs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct poc_err e = { 0 };
	struct poc_ima_log log;
	uint8_t pcr[POC_DIGEST_MAX];
	size_t n;

	if (poc_ima_parse(&e, data, size, &log) < 0)
		return 0;
	(void)poc_ima_replay(&e, &log, 0x000b, pcr, &n);
	(void)poc_ima_replay(&e, &log, 0x000c, pcr, &n);
	poc_ima_free(&log);
	return 0;
}
