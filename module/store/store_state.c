/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bytes state_sig signs in token.cbor (store.h): part of token.cbor's
 * codec, so the store decodes it without reaching up into token/, which signs
 * and verifies them (token_state.c).
 */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include <cbor.h>

#include "cbor_util.h"

/*
 * The entries of token.cbor that state_sig does not sign: itself only. Every
 * other entry is signed, pin_nv and pin_nv_name too (they decide which
 * counter the PIN policy names); anything added here must decide nothing.
 */
static const char *const unsigned_entries[] = { "state_sig" };

static int is_unsigned(const cbor_item_t *k)
{
	size_t i, n;

	if (!cbor_isa_string(k) || !cbor_string_is_definite(k))
		return 0;
	n = cbor_string_length(k);
	for (i = 0; i < sizeof(unsigned_entries) / sizeof(unsigned_entries[0]); i++)
		if (n == strlen(unsigned_entries[i]) && memcmp(cbor_string_handle(k), unsigned_entries[i], n) == 0)
			return 1;
	return 0;
}

int poc_token_state_tbs(struct poc_err *e, const uint8_t *file, size_t len, uint8_t **tbs, size_t *tbs_len)
{
	const size_t clen = sizeof(POC_TOKEN_STATE_CONTEXT) - 1;
	cbor_item_t *root, *out = NULL;
	struct cbor_pair *p;
	unsigned char *enc = NULL;
	size_t i, n = 0, cap = 0;
	int rv = -1;

	*tbs = NULL;
	*tbs_len = 0;
	root = poc_cbor_load(e, file, len, "token.cbor");
	if (root == NULL)
		return -1;
	if (!cbor_isa_map(root) || !cbor_map_is_definite(root)) {
		poc_err_set(e, POC_ERR_MALFORMED, "token.cbor: not a definite map");
		goto done;
	}
	/* Every entry but the unsigned ones, in the file's order and encoding (libcbor keeps integer widths). */
	out = cbor_new_definite_map(cbor_map_size(root));
	p = cbor_map_handle(root);
	for (i = 0; out != NULL && i < cbor_map_size(root); i++)
		if (!is_unsigned(p[i].key) && !cbor_map_add(out, p[i]))
			break;
	if (out == NULL || i < cbor_map_size(root) || (n = cbor_serialize_alloc(out, &enc, &cap)) == 0) {
		poc_err_set(e, POC_ERR_NOMEM, "token.cbor: the signed state");
		goto done;
	}
	*tbs = malloc(clen + n);
	if (*tbs == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "token.cbor: the signed state");
		goto done;
	}
	memcpy(*tbs, POC_TOKEN_STATE_CONTEXT, clen);
	memcpy(*tbs + clen, enc, n);
	*tbs_len = clen + n;
	rv = 0;
done:
	free(enc);
	if (out != NULL)
		cbor_decref(&out);
	cbor_decref(&root);
	return rv;
}
