/* SPDX-License-Identifier: Apache-2.0 */
/* The /v1/credential request codec (see protocol.h). */
#include <stdlib.h>
#include <string.h>

#include <cbor.h>

#include "cbor_util.h"
#include "protocol.h"
#include "protocol_int.h"

int poc_cred_req_encode(struct poc_err *e, const uint8_t chal[static POC_CHAL_LEN], const char *key_id,
			const uint8_t pkR[static POC_HPKE_NPK], const uint8_t *ek, size_t ek_len, const uint8_t *ak,
			size_t ak_len, uint8_t **out, size_t *outlen)
{
	cbor_item_t *m;
	size_t cap = 0;
	int ok;

	*out = NULL;
	*outlen = 0;
	if (key_id == NULL || !poc_key_id_valid((const uint8_t *)key_id, strlen(key_id)) || ek == NULL || ak == NULL ||
	    ek_len == 0 || ak_len == 0 || ek_len > POC_TPM_PUB_MAX || ak_len > POC_TPM_PUB_MAX)
		return poc_err_set(e, POC_ERR_ARG, "credential request: a bad key id or public area");
	m = cbor_new_definite_map(5);
	ok = m != NULL && poc_cbor_put(m, "ak_pub", poc_cbor_bstr(ak, ak_len)) == 0 &&
	     poc_cbor_put(m, "chal", poc_cbor_bstr(chal, POC_CHAL_LEN)) == 0 &&
	     poc_cbor_put(m, "ek_pub", poc_cbor_bstr(ek, ek_len)) == 0 &&
	     poc_cbor_put(m, "key_id", cbor_build_string(key_id)) == 0 &&
	     poc_cbor_put(m, "pkR", poc_cbor_bstr(pkR, POC_HPKE_NPK)) == 0;
	if (ok)
		*outlen = cbor_serialize_alloc(m, out, &cap);
	if (m != NULL)
		cbor_decref(&m);
	return *outlen == 0 ? poc_err_set(e, POC_ERR_NOMEM, "credential request") : 0;
}

/* A non-empty byte string of at most POC_TPM_PUB_MAX bytes, copied. */
static int get_pub(struct poc_err *e, const cbor_item_t *v, uint8_t **out, size_t *len, const char *what)
{
	if (!poc_cbor_is_bstr(v) || (*len = cbor_bytestring_length(v)) == 0 || *len > POC_TPM_PUB_MAX)
		return poc_err_set(e, POC_ERR_MALFORMED, "credential request %s: not 1 to %d bytes", what, POC_TPM_PUB_MAX);
	if ((*out = malloc(*len)) == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "credential request");
	memcpy(*out, cbor_bytestring_handle(v), *len);
	return 0;
}

int poc_cred_req_decode(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_cred_req *r)
{
	static const char *const names[] = { "ak_pub", "chal", "ek_pub", "key_id", "pkR" };
	cbor_item_t *v[5], *root;
	size_t n;
	int rv = -1;

	memset(r, 0, sizeof(*r));
	if (poc_remote_load_map(e, buf, len, 4 * POC_TPM_PUB_MAX, "credential request", names, 5, 0, v, &root) < 0)
		return -1;
	if (!poc_cbor_is_bstr(v[1]) || cbor_bytestring_length(v[1]) != POC_CHAL_LEN || !poc_cbor_is_bstr(v[4]) ||
	    cbor_bytestring_length(v[4]) != POC_HPKE_NPK || !poc_cbor_is_text(v[3]) ||
	    (n = cbor_string_length(v[3])) > POC_KEY_ID_MAX || !poc_key_id_valid(cbor_string_handle(v[3]), n)) {
		poc_err_set(e, POC_ERR_MALFORMED, "credential request: chal, key_id or pkR");
		goto done;
	}
	memcpy(r->chal, cbor_bytestring_handle(v[1]), POC_CHAL_LEN);
	memcpy(r->pkR, cbor_bytestring_handle(v[4]), POC_HPKE_NPK);
	memcpy(r->key_id, cbor_string_handle(v[3]), n);
	r->key_id[n] = '\0';
	r->key_id_len = n;
	if (get_pub(e, v[0], &r->ak_pub, &r->ak_len, "ak_pub") < 0 || get_pub(e, v[2], &r->ek_pub, &r->ek_len, "ek_pub") < 0)
		goto done;
	rv = 0;
done:
	cbor_decref(&root);
	if (rv < 0)
		poc_cred_req_free(r);
	return rv;
}

void poc_cred_req_free(struct poc_cred_req *r)
{
	if (r == NULL)
		return;
	free(r->ek_pub);
	free(r->ak_pub);
	r->ek_pub = r->ak_pub = NULL;
}
