/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: a reference-value file (reference.h). */
#include <stdint.h>
#include <stdlib.h>

#include "reference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct poc_err e = { 0 };
	struct poc_refvals *r = malloc(sizeof(*r));

	if (r == NULL)
		return 0;
	if (poc_refvals_parse(&e, "fuzz", (const char *)data, size, r) == 0 && r->n > 0)
		(void)poc_refvals_has(r, r->v[0], r->len[0]);
	free(r);
	return 0;
}
