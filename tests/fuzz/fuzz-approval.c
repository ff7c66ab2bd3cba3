/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer: the approval decoder of signed PCR policies (module/token/token_approval.c),
 * linked from the module library. Whatever decodes must encode and decode back to the same
 * approval, and its self-check must answer without crashing (with a key that signed nothing).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "token/token_approval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A P-256 SubjectPublicKeyInfo (the generator point), for poc_approval_check. */
static const uint8_t spki[] = {
	0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
	0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04, 0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8,
	0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40, 0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39,
	0x45, 0xd8, 0x98, 0xc2, 0x96, 0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c,
	0x0f, 0x9e, 0x16, 0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51,
	0xf5,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct poc_epoch_nv nv = { .handle = 0x01a60000u, .name_len = 34 };
	static const uint8_t token_id[16] = { 7 };
	struct poc_err e = { 0 };
	struct poc_approval a, b;
	uint8_t *enc = NULL;
	size_t len = 0;

	if (poc_approval_decode(&e, data, size, &a) < 0)
		return 0;
	if (poc_approval_encode(&e, &a, &enc, &len) < 0 || poc_approval_decode(&e, enc, len, &b) < 0)
		abort();
	if (a.epoch != b.epoch || a.bank != b.bank || a.mask != b.mask || a.nsigs != b.nsigs ||
	    a.pcr_values_len != b.pcr_values_len || memcmp(a.approved, b.approved, 32) != 0 ||
	    memcmp(a.pcr_values, b.pcr_values, a.pcr_values_len) != 0)
		abort();
	for (size_t i = 0; i < a.nsigs; i++)
		if (strcmp(a.sigs[i].object, b.sigs[i].object) != 0 || a.sigs[i].sig_len != b.sigs[i].sig_len ||
		    poc_approval_sig_for(&a, a.sigs[i].object) == NULL)
			abort();
	/* A key that signed nothing: never accepted (and never a crash). */
	if (a.nsigs > 0 && poc_approval_check(&e, &a, spki, sizeof(spki), &nv, token_id) == 0)
		abort();
	free(enc);
	poc_approval_free(&a);
	poc_approval_free(&b);
	return 0;
}
