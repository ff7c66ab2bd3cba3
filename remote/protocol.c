/* SPDX-License-Identifier: Apache-2.0 */
/* The binding and the request codecs (see protocol.h). */
#include "protocol.h"

#include <stdlib.h>
#include <string.h>

#include <cbor.h>

#include "cbor_util.h"
#include "digest.h"
#include "protocol_int.h"

#define BINDING_LABEL "poc-pkcs11/v1"

int poc_remote_binding(const uint8_t chal[static POC_CHAL_LEN], const uint8_t pkR[static POC_HPKE_NPK],
		       const uint8_t *key_id, size_t key_id_len, uint8_t B[static POC_BINDING_LEN])
{
	const struct poc_piece pc[4] = {
		{ BINDING_LABEL, sizeof(BINDING_LABEL) - 1 },
		{ chal, POC_CHAL_LEN },
		{ pkR, POC_HPKE_NPK },
		{ key_id, key_id_len },
	};

	return poc_digest(EVP_sha512(), pc, 4, B, NULL);
}

/* Serializes m (taking it) into *out. 0 or -1. */
static int finish(struct poc_err *e, cbor_item_t *m, int ok, uint8_t **out, size_t *outlen, const char *what)
{
	size_t cap = 0;

	*out = NULL;
	*outlen = 0;
	if (ok && m != NULL)
		*outlen = cbor_serialize_alloc(m, out, &cap);
	if (m != NULL)
		cbor_decref(&m);
	if (*outlen == 0) {
		free(*out);
		*out = NULL;
		return poc_err_set(e, POC_ERR_NOMEM, "%s encoding", what);
	}
	return 0;
}

static int platform_valid(const char *p, size_t n)
{
	if (n == 0 || n > POC_PLATFORM_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '-'))
			return 0;
	return 1;
}

int poc_remote_load_map(struct poc_err *e, const uint8_t *buf, size_t len, size_t max, const char *what,
		    const char *const *names, size_t n, unsigned optional, cbor_item_t **vals, cbor_item_t **root)
{
	size_t at = 0;
	int rc;

	*root = NULL;
	if (len > max)
		return poc_err_set(e, POC_ERR_ARG, "%s: %zu bytes (at most %zu)", what, len, max);
	if ((*root = poc_cbor_load(e, buf, len, what)) == NULL)
		return -1;
	rc = poc_cbor_map_fields(*root, names, n, vals, &at);
	if (rc == POC_CBOR_NOT_MAP)
		poc_err_set(e, POC_ERR_MALFORMED, "%s: not a map", what);
	else if (rc == POC_CBOR_UNKNOWN_KEY)
		poc_err_set(e, POC_ERR_MALFORMED, "%s: an unknown key (entry %zu)", what, at);
	else if (rc == POC_CBOR_KEY_TWICE)
		poc_err_set(e, POC_ERR_MALFORMED, "%s: \"%s\" twice", what, names[at]);
	for (size_t j = 0; rc == 0 && j < n; j++)
		if (vals[j] == NULL && !(optional & (1u << j)))
			rc = poc_err_set(e, POC_ERR_MALFORMED, "%s: no \"%s\"", what, names[j]);
	if (rc != 0) {
		cbor_decref(root);
		return -1;
	}
	return 0;
}

/* A definite text of 1..max bytes that valid() accepts, copied NUL-terminated into out. */
static int get_text(struct poc_err *e, const cbor_item_t *v, size_t max, int (*valid)(const char *, size_t),
		    char *out, size_t *outlen, const char *what)
{
	size_t n;

	if (!poc_cbor_is_text(v) || (n = cbor_string_length(v)) == 0 || n > max ||
	    !valid((const char *)cbor_string_handle(v), n))
		return poc_err_set(e, POC_ERR_MALFORMED, "%s: not a valid text", what);
	memcpy(out, cbor_string_handle(v), n);
	out[n] = '\0';
	if (outlen != NULL)
		*outlen = n;
	return 0;
}

static int key_id_ok(const char *p, size_t n)
{
	return poc_key_id_valid((const uint8_t *)p, n);
}

/* A definite byte string of exactly want bytes copied into out. */
static int get_fixed(struct poc_err *e, const cbor_item_t *v, size_t want, uint8_t *out, const char *what)
{
	if (!poc_cbor_is_bstr(v) || cbor_bytestring_length(v) != want)
		return poc_err_set(e, POC_ERR_MALFORMED, "%s: not %zu bytes", what, want);
	memcpy(out, cbor_bytestring_handle(v), want);
	return 0;
}

int poc_chal_req_encode(struct poc_err *e, const char *key_id, const char *platform, uint8_t **out, size_t *outlen)
{
	cbor_item_t *m;
	int ok;

	if (key_id == NULL || platform == NULL || !key_id_ok(key_id, strlen(key_id)) ||
	    !platform_valid(platform, strlen(platform)))
		return poc_err_set(e, POC_ERR_ARG, "challenge request: a bad key id or platform");
	m = cbor_new_definite_map(2);
	ok = m != NULL && poc_cbor_put(m, "key_id", cbor_build_string(key_id)) == 0 &&
	     poc_cbor_put(m, "platform", cbor_build_string(platform)) == 0;
	return finish(e, m, ok, out, outlen, "challenge request");
}

int poc_chal_req_decode(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_chal_req *r)
{
	static const char *const names[] = { "key_id", "platform" };
	cbor_item_t *v[2], *root;
	int rv;

	memset(r, 0, sizeof(*r));
	if (poc_remote_load_map(e, buf, len, POC_CHAL_REQ_MAX, "challenge request", names, 2, 0, v, &root) < 0)
		return -1;
	rv = get_text(e, v[0], POC_KEY_ID_MAX, key_id_ok, r->key_id, &r->key_id_len, "challenge request key_id") < 0 ||
		     get_text(e, v[1], POC_PLATFORM_MAX, platform_valid, r->platform, NULL, "challenge request platform") < 0 ?
		     -1 :
		     0;
	cbor_decref(&root);
	return rv;
}

int poc_chal_resp_encode(struct poc_err *e, const uint8_t chal[static POC_CHAL_LEN], int64_t exp, uint8_t **out,
			 size_t *outlen)
{
	cbor_item_t *m = cbor_new_definite_map(2);
	int ok = exp >= 0 && m != NULL && poc_cbor_put(m, "chal", poc_cbor_bstr(chal, POC_CHAL_LEN)) == 0 &&
		 poc_cbor_put(m, "exp", cbor_build_uint64((uint64_t)exp)) == 0;

	return finish(e, m, ok, out, outlen, "challenge");
}

int poc_chal_resp_decode(struct poc_err *e, const uint8_t *buf, size_t len, uint8_t chal[static POC_CHAL_LEN],
			 int64_t *exp)
{
	static const char *const names[] = { "chal", "exp" };
	cbor_item_t *v[2], *root;
	int rv;

	if (poc_remote_load_map(e, buf, len, POC_CHAL_REQ_MAX, "challenge", names, 2, 0, v, &root) < 0)
		return -1;
	rv = get_fixed(e, v[0], POC_CHAL_LEN, chal, "challenge chal");
	if (rv == 0 && (!cbor_isa_uint(v[1]) || poc_cbor_int(v[1], exp) < 0 || *exp < 0))
		rv = poc_err_set(e, POC_ERR_MALFORMED, "challenge exp: not an unsigned integer");
	cbor_decref(&root);
	return rv;
}

int poc_release_req_encode(struct poc_err *e, const uint8_t chal[static POC_CHAL_LEN], const char *key_id,
			   const uint8_t pkR[static POC_HPKE_NPK], const uint8_t *evidence, size_t evidence_len,
			   uint8_t **out, size_t *outlen)
{
	cbor_item_t *m;
	int ok;

	if (key_id == NULL || !key_id_ok(key_id, strlen(key_id)) || evidence == NULL || evidence_len == 0 ||
	    evidence_len > POC_REQUEST_MAX - 1024)
		return poc_err_set(e, POC_ERR_ARG, "release request: a bad key id or evidence");
	m = cbor_new_definite_map(4);
	ok = m != NULL && poc_cbor_put(m, "chal", poc_cbor_bstr(chal, POC_CHAL_LEN)) == 0 &&
	     poc_cbor_put(m, "evidence", poc_cbor_bstr(evidence, evidence_len)) == 0 &&
	     poc_cbor_put(m, "key_id", cbor_build_string(key_id)) == 0 &&
	     poc_cbor_put(m, "pkR", poc_cbor_bstr(pkR, POC_HPKE_NPK)) == 0;
	return finish(e, m, ok, out, outlen, "release request");
}

int poc_release_req_decode(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_release_req *r)
{
	static const char *const names[] = { "chal", "evidence", "key_id", "pkR" };
	cbor_item_t *v[4], *root;
	int rv = -1;

	memset(r, 0, sizeof(*r));
	if (poc_remote_load_map(e, buf, len, POC_REQUEST_MAX, "release request", names, 4, 0, v, &root) < 0)
		return -1;
	if (get_fixed(e, v[0], POC_CHAL_LEN, r->chal, "release request chal") < 0 ||
	    get_text(e, v[2], POC_KEY_ID_MAX, key_id_ok, r->key_id, &r->key_id_len, "release request key_id") < 0 ||
	    get_fixed(e, v[3], POC_HPKE_NPK, r->pkR, "release request pkR") < 0)
		goto done;
	if (!poc_cbor_is_bstr(v[1]) || cbor_bytestring_length(v[1]) == 0) {
		poc_err_set(e, POC_ERR_MALFORMED, "release request evidence: not a non-empty byte string");
		goto done;
	}
	r->evidence_len = cbor_bytestring_length(v[1]);
	if ((r->evidence = malloc(r->evidence_len)) == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "release request");
		goto done;
	}
	memcpy(r->evidence, cbor_bytestring_handle(v[1]), r->evidence_len);
	rv = 0;
done:
	cbor_decref(&root);
	if (rv < 0)
		poc_release_req_free(r);
	return rv;
}

void poc_release_req_free(struct poc_release_req *r)
{
	if (r == NULL)
		return;
	free(r->evidence);
	r->evidence = NULL;
	r->evidence_len = 0;
}
