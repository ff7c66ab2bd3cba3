/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: a Proof of Cloud Alliance registry token (poca.h), parsed and checked without keys. */
#include <stdint.h>
#include <stdlib.h>

#include "poca.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t ppid[16];
	struct poc_err e = { 0 };
	struct poc_poca t;
	struct poc_poca_check c = { NULL, 0, data, size, ppid, 1770000000, 3600, 300 };

	(void)poc_poca_parse(&e, (const char *)data, size, &t);
	e.code = POC_OK;
	(void)poc_poca_verify(&e, (const char *)data, size, &c, &t);
	return 0;
}
