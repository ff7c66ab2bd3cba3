/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer: the sealed-object parser and opener (module/store/object.c) and the
 * token.cbor decoder (module/store/store.c, with the signed state of token_state.c),
 * linked from the module library (make fuzz,
 * and the corpus replay in make check). Whatever parses must re-seal and open.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/object.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t k_tpm[32] = { 1 }, k_remote[32] = { 2 };
	struct poc_object_bind bind = { .verifier = { 3 } };
	struct poc_err e = { 0 };
	struct poc_object_header h;
	struct poc_token_meta m;
	const uint8_t *hb;
	uint8_t *sec = NULL, *obj = NULL;
	size_t hlen, slen = 0, olen = 0;

	if (poc_object_parse(&e, data, size, &h, &hb, &hlen) == 0) {
		if (hb < data || hb + hlen > data + size)
			abort();
		memcpy(bind.token_id, h.token_id, POC_TOKEN_ID_LEN);
		if (poc_object_open(&e, data, size, &bind, k_tpm, h.remote ? k_remote : NULL, &sec, &slen) == 0)
			poc_secret_free(sec, slen);
		/* A header we accept must seal and open again. */
		if (poc_object_seal(&e, &h, &bind, k_tpm, h.remote ? k_remote : NULL, data, size > 64 ? 64 : size, &obj,
				    &olen) < 0 ||
		    poc_object_open(&e, obj, olen, &bind, k_tpm, h.remote ? k_remote : NULL, &sec, &slen) < 0 ||
		    slen != (size > 64 ? 64 : size) || memcmp(sec, data, slen) != 0)
			abort();
		poc_secret_free(sec, slen);
		free(obj);
	}
	poc_object_header_free(&h);
	if (poc_token_meta_decode(&e, data, size, &m) == 0) {
		if (poc_token_meta_encode(&e, &m, &obj, &olen) < 0)
			abort();
		free(obj);
		poc_token_meta_free(&m);
	}
	return 0;
}
