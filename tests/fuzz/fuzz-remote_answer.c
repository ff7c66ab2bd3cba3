/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer: the client's check of pocd's answer (remote/answer.h) against fixed keys and
 * expectations (the corpus seed is a valid answer for them, made by tests/fuzz/remote-seed.c).
 */
#include <string.h>

#include "remote/answer.h"
#include "remote-fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct poc_fuzz_fixture f;
	struct poc_answer a;
	struct poc_err e = { 0 };

	if (poc_fuzz_fixture_init(&f) < 0)
		return 0;
	if (poc_answer_check(&e, data, size, &f.expect, &a) == 0)
		poc_answer_free(&a);
	poc_fuzz_fixture_free(&f);
	return 0;
}
