/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: POE token parse, and the PIID check on whatever parsed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "poe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t piid[16];
	struct poc_err e = { 0 };
	struct poc_poe p;

	if (poc_poe_parse(&e, data, size, &p) < 0)
		return 0;
	e.code = POC_OK;
	(void)poc_poe_check_piid(&e, &p, piid, sizeof(piid));
	poc_poe_free(&p);
	return 0;
}
