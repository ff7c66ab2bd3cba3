/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the evidence bundle decoder, and re-encoding what it accepts. */
#include <stdlib.h>

#include "bundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct poc_err e = { 0 };
	struct poc_bundle b;
	uint8_t *out;
	size_t len;

	if (poc_bundle_decode(&e, data, size, &b) == 0) {
		if (poc_bundle_encode(&e, &b, &out, &len) == 0)
			free(out);
		poc_bundle_free(&b);
	}
	return 0;
}
