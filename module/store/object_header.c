/* SPDX-License-Identifier: Apache-2.0 */
/* The sealed-object format's strict CBOR: the header map and the outer map (object.h). */
#include "store/object_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>

#include "cbor_util.h"

#define IV_LEN POC_OBJECT_IV_LEN
#define TAG_LEN POC_OBJECT_TAG_LEN

/* ---- encoding ---- */

cbor_item_t *poc_object_header_encode(const struct poc_object_header *h)
{
	cbor_item_t *m, *pol = NULL, *sealed = NULL, *tmpl;
	int err = 0;
	size_t n;

	tmpl = poc_object_templates_encode(h, &err);
	if (err)
		return NULL;
	n = 9 + (h->spki != NULL) + (h->cert != NULL) + (h->remote != NULL) + (tmpl != NULL);
	m = cbor_new_definite_map(n);
	if (m == NULL) {
		if (tmpl)
			cbor_decref(&tmpl);
		return NULL;
	}
	if (tmpl != NULL && poc_cbor_put(m, "templates", tmpl) < 0) {
		cbor_decref(&m);
		return NULL;
	}
	if (poc_cbor_put(m, "version", cbor_build_uint8(POC_OBJECT_VERSION)) < 0 ||
	    poc_cbor_put(m, "token_id", poc_cbor_bstr(h->token_id, POC_TOKEN_ID_LEN)) < 0 ||
	    poc_cbor_put(m, "class", cbor_build_uint64(h->class)) < 0 ||
	    poc_cbor_put(m, "key_type", cbor_build_uint64(h->key_type)) < 0 ||
	    poc_cbor_put(m, "label", cbor_build_string(h->label)) < 0 ||
	    poc_cbor_put(m, "id", poc_cbor_bstr(h->id, h->id_len)) < 0 ||
	    poc_cbor_put(m, "flags", cbor_build_uint64(h->flags)) < 0)
		goto fail;
	if (h->spki != NULL && poc_cbor_put(m, "spki", poc_cbor_bstr(h->spki, h->spki_len)) < 0)
		goto fail;
	if (h->cert != NULL && poc_cbor_put(m, "cert", poc_cbor_bstr(h->cert, h->cert_len)) < 0)
		goto fail;
	pol = cbor_new_definite_map(5);
	if (pol == NULL || poc_cbor_put(pol, "pcr_bank", cbor_build_uint16(h->pcr_bank)) < 0 ||
	    poc_cbor_put(pol, "pcr_mask", cbor_build_uint32(h->pcr_mask)) < 0 ||
	    poc_cbor_put(pol, "policy_digest", poc_cbor_bstr(h->policy_digest, 32)) < 0 ||
	    poc_cbor_put(pol, "ttl", cbor_build_uint64(h->ttl)) < 0 ||
	    poc_cbor_put(pol, "recheck", cbor_build_string(h->recheck_first_use ? "first-use" : "login")) < 0)
		goto fail;
	if (poc_cbor_put(m, "policy", pol) < 0) {
		pol = NULL;
		goto fail;
	}
	pol = NULL;
	sealed = cbor_new_definite_map(2);
	if (sealed == NULL || poc_cbor_put(sealed, "pub", poc_cbor_bstr(h->sealed_pub, h->sealed_pub_len)) < 0 ||
	    poc_cbor_put(sealed, "priv", poc_cbor_bstr(h->sealed_priv, h->sealed_priv_len)) < 0)
		goto fail;
	if (poc_cbor_put(m, "sealed", sealed) < 0) {
		sealed = NULL;
		goto fail;
	}
	sealed = NULL;
	if (h->remote != NULL && poc_cbor_put(m, "remote", cbor_build_string(h->remote)) < 0)
		goto fail;
	return m;
fail:
	if (pol)
		cbor_decref(&pol);
	if (sealed)
		cbor_decref(&sealed);
	cbor_decref(&m);
	return NULL;
}

/* ---- decoding ---- */

/*
 * Sorts the pairs of a definite map into vals[] by name: every key must be
 * one of names[] and appear once. Absent names leave NULL.
 */
static int map_fields(struct poc_err *e, const cbor_item_t *m, const char *where, const char *const *names,
		      size_t nnames, cbor_item_t **vals)
{
	size_t at;

	switch (poc_cbor_map_fields(m, names, nnames, vals, &at)) {
	case 0:
		return 0;
	case POC_CBOR_NOT_MAP:
		return poc_err_set(e, POC_ERR_MALFORMED, "object: %s is not a definite map", where);
	case POC_CBOR_UNKNOWN_KEY:
		return poc_err_set(e, POC_ERR_MALFORMED, "object: %s has an unknown key (entry %zu)", where, at);
	default:
		return poc_err_set(e, POC_ERR_MALFORMED, "object: %s.%s appears twice", where, names[at]);
	}
}

static int need(struct poc_err *e, const cbor_item_t *v, const char *where, const char *name)
{
	if (v == NULL)
		return poc_err_set(e, POC_ERR_MALFORMED, "object: %s.%s is missing", where, name);
	return 0;
}

static int get_uint(struct poc_err *e, const cbor_item_t *v, const char *what, uint64_t max, uint64_t *out)
{
	if (!cbor_isa_uint(v))
		return poc_err_set(e, POC_ERR_MALFORMED, "object: %s is not an unsigned integer", what);
	*out = cbor_get_int(v);
	if (*out > max)
		return poc_err_set(e, POC_ERR_MALFORMED, "object: %s = %llu is larger than %llu", what,
				   (unsigned long long)*out, (unsigned long long)max);
	return 0;
}

static int get_bstr(struct poc_err *e, const cbor_item_t *v, const char *what, size_t min, size_t max,
		    const uint8_t **p, size_t *len)
{
	if (!poc_cbor_is_bstr(v))
		return poc_err_set(e, POC_ERR_MALFORMED, "object: %s is not a byte string", what);
	*len = cbor_bytestring_length(v);
	*p = cbor_bytestring_handle(v);
	if (*len < min || *len > max)
		return poc_err_set(e, POC_ERR_MALFORMED, "object: %s has %zu bytes (want %zu..%zu)", what, *len, min, max);
	return 0;
}

/* A definite text string without NUL bytes, of 1..max bytes. */
static int get_text(struct poc_err *e, const cbor_item_t *v, const char *what, size_t max, const char **p,
		    size_t *len)
{
	if (!poc_cbor_is_text(v))
		return poc_err_set(e, POC_ERR_MALFORMED, "object: %s is not a text string", what);
	*len = cbor_string_length(v);
	*p = (const char *)cbor_string_handle(v);
	if (*len > max || (*len > 0 && memchr(*p, '\0', *len) != NULL))
		return poc_err_set(e, POC_ERR_MALFORMED, "object: %s is longer than %zu bytes or holds a NUL", what, max);
	return 0;
}

static int dup_bytes(struct poc_err *e, const uint8_t *p, size_t len, uint8_t **out, size_t *out_len)
{
	*out = malloc(len ? len : 1);
	if (*out == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "object: %zu bytes", len);
	if (len)
		memcpy(*out, p, len);
	*out_len = len;
	return 0;
}

enum { H_VERSION, H_TOKEN_ID, H_CLASS, H_KEY_TYPE, H_LABEL, H_ID, H_FLAGS, H_SPKI, H_CERT, H_POLICY, H_SEALED, H_REMOTE,
       H_TEMPLATES, H_N };
static const char *const header_names[H_N] = {
	"version", "token_id", "class", "key_type", "label", "id", "flags", "spki", "cert", "policy", "sealed", "remote",
	"templates",
};
enum { P_BANK, P_MASK, P_DIGEST, P_TTL, P_RECHECK, P_N };
static const char *const policy_names[P_N] = { "pcr_bank", "pcr_mask", "policy_digest", "ttl", "recheck" };
enum { S_PUB, S_PRIV, S_N };
static const char *const sealed_names[S_N] = { "pub", "priv" };

static int decode_policy(struct poc_err *e, const cbor_item_t *m, struct poc_object_header *h)
{
	cbor_item_t *v[P_N];
	const uint8_t *p;
	const char *t;
	size_t i, n;
	uint64_t u;

	if (map_fields(e, m, "header.policy", policy_names, P_N, v) < 0)
		return -1;
	for (i = 0; i < P_N; i++)
		if (need(e, v[i], "header.policy", policy_names[i]) < 0)
			return -1;
	if (get_uint(e, v[P_BANK], "header.policy.pcr_bank", UINT16_MAX, &u) < 0)
		return -1;
	h->pcr_bank = (uint16_t)u;
	if (get_uint(e, v[P_MASK], "header.policy.pcr_mask", UINT32_MAX, &u) < 0)
		return -1;
	h->pcr_mask = (uint32_t)u;
	if (get_bstr(e, v[P_DIGEST], "header.policy.policy_digest", 32, 32, &p, &n) < 0)
		return -1;
	memcpy(h->policy_digest, p, 32);
	if (get_uint(e, v[P_TTL], "header.policy.ttl", UINT64_MAX, &h->ttl) < 0)
		return -1;
	if (get_text(e, v[P_RECHECK], "header.policy.recheck", 16, &t, &n) < 0)
		return -1;
	if (n == 5 && memcmp(t, "login", 5) == 0)
		h->recheck_first_use = 0;
	else if (n == 9 && memcmp(t, "first-use", 9) == 0)
		h->recheck_first_use = 1;
	else
		return poc_err_set(e, POC_ERR_MALFORMED, "object: header.policy.recheck is not \"login\" or \"first-use\"");
	return 0;
}

/* header.version (refusing older objects with what to do) and header.token_id. */
static int decode_version(struct poc_err *e, cbor_item_t **v, struct poc_object_header *h)
{
	const uint8_t *p;
	size_t n;
	uint64_t u;

	if (get_uint(e, v[H_VERSION], "header.version", UINT64_MAX, &u) < 0)
		return -1;
	if (u != POC_OBJECT_VERSION)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "object: header.version %llu (this module reads %d)%s",
				   (unsigned long long)u, POC_OBJECT_VERSION,
				   u < POC_OBJECT_VERSION ? ": an object of an older token, not bound to it; re-create the token"
							  : "");
	if (need(e, v[H_TOKEN_ID], "header", "token_id") < 0 ||
	    get_bstr(e, v[H_TOKEN_ID], "header.token_id", POC_TOKEN_ID_LEN, POC_TOKEN_ID_LEN, &p, &n) < 0)
		return -1;
	memcpy(h->token_id, p, POC_TOKEN_ID_LEN);
	return 0;
}

int poc_object_header_decode(struct poc_err *e, const uint8_t *hb, size_t hlen, struct poc_object_header *h)
{
	cbor_item_t *root, *v[H_N], *s[S_N];
	const uint8_t *p;
	const char *t;
	size_t n;
	uint64_t u;
	int rv = -1;

	root = poc_cbor_load(e, hb, hlen, "object header");
	if (root == NULL)
		return -1;
	if (map_fields(e, root, "header", header_names, H_N, v) < 0)
		goto done;
	if (need(e, v[H_VERSION], "header", "version") < 0 || need(e, v[H_CLASS], "header", "class") < 0 ||
	    need(e, v[H_KEY_TYPE], "header", "key_type") < 0 || need(e, v[H_LABEL], "header", "label") < 0 ||
	    need(e, v[H_ID], "header", "id") < 0 || need(e, v[H_FLAGS], "header", "flags") < 0 ||
	    need(e, v[H_POLICY], "header", "policy") < 0 || need(e, v[H_SEALED], "header", "sealed") < 0)
		goto done;
	if (decode_version(e, v, h) < 0)
		goto done;
	if (get_uint(e, v[H_CLASS], "header.class", POC_OBJ_CLASS_MAX, &u) < 0)
		goto done;
	h->class = (unsigned long)u;
	if (get_uint(e, v[H_KEY_TYPE], "header.key_type", ULONG_MAX, &u) < 0)
		goto done;
	h->key_type = (unsigned long)u;
	if (get_text(e, v[H_LABEL], "header.label", POC_OBJECT_LABEL_MAX, &t, &n) < 0)
		goto done;
	memcpy(h->label, t, n);
	h->label[n] = '\0';
	if (get_bstr(e, v[H_ID], "header.id", 0, POC_OBJECT_ID_MAX, &p, &n) < 0)
		goto done;
	memcpy(h->id, p, n);
	h->id_len = n;
	if (get_uint(e, v[H_FLAGS], "header.flags", UINT64_MAX, &h->flags) < 0)
		goto done;
	if (v[H_SPKI] != NULL && (get_bstr(e, v[H_SPKI], "header.spki", 1, POC_OBJECT_MAX, &p, &n) < 0 ||
				  dup_bytes(e, p, n, &h->spki, &h->spki_len) < 0))
		goto done;
	if (v[H_CERT] != NULL && (get_bstr(e, v[H_CERT], "header.cert", 1, POC_OBJECT_MAX, &p, &n) < 0 ||
				  dup_bytes(e, p, n, &h->cert, &h->cert_len) < 0))
		goto done;
	if (decode_policy(e, v[H_POLICY], h) < 0 ||
	    (v[H_TEMPLATES] != NULL && poc_object_templates_decode(e, v[H_TEMPLATES], h) < 0))
		goto done;
	if (map_fields(e, v[H_SEALED], "header.sealed", sealed_names, S_N, s) < 0 ||
	    need(e, s[S_PUB], "header.sealed", "pub") < 0 || need(e, s[S_PRIV], "header.sealed", "priv") < 0)
		goto done;
	if (get_bstr(e, s[S_PUB], "header.sealed.pub", 1, POC_OBJECT_MAX, &p, &n) < 0 ||
	    dup_bytes(e, p, n, &h->sealed_pub, &h->sealed_pub_len) < 0)
		goto done;
	if (get_bstr(e, s[S_PRIV], "header.sealed.priv", 1, POC_OBJECT_MAX, &p, &n) < 0 ||
	    dup_bytes(e, p, n, &h->sealed_priv, &h->sealed_priv_len) < 0)
		goto done;
	if (v[H_REMOTE] != NULL) {
		if (get_text(e, v[H_REMOTE], "header.remote", POC_OBJECT_REMOTE_MAX, &t, &n) < 0)
			goto done;
		if (n == 0) {
			poc_err_set(e, POC_ERR_MALFORMED, "object: header.remote is empty");
			goto done;
		}
		h->remote = malloc(n + 1);
		if (h->remote == NULL) {
			poc_err_set(e, POC_ERR_NOMEM, "object: header.remote");
			goto done;
		}
		memcpy(h->remote, t, n);
		h->remote[n] = '\0';
	}
	rv = 0;
done:
	cbor_decref(&root);
	return rv;
}

enum { O_VERSION, O_HEADER, O_CT, O_IV, O_N };
static const char *const outer_names[O_N] = { "version", "header", "ciphertext", "iv" };


int poc_object_outer_decode(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_object_outer *o)
{
	cbor_item_t *root, *v[O_N];
	const uint8_t *p;
	size_t n;
	uint64_t u;
	int rv = -1;

	memset(o, 0, sizeof(*o));
	if (buf == NULL || len == 0)
		return poc_err_set(e, POC_ERR_TRUNCATED, "object: empty");
	if (len > POC_OBJECT_MAX)
		return poc_err_set(e, POC_ERR_MALFORMED, "object: %zu bytes is larger than %u", len, POC_OBJECT_MAX);
	root = poc_cbor_load(e, buf, len, "object");
	if (root == NULL)
		return -1;
	if (map_fields(e, root, "object", outer_names, O_N, v) < 0 || need(e, v[O_VERSION], "object", "version") < 0 ||
	    need(e, v[O_HEADER], "object", "header") < 0 || need(e, v[O_CT], "object", "ciphertext") < 0 ||
	    need(e, v[O_IV], "object", "iv") < 0)
		goto done;
	if (get_uint(e, v[O_VERSION], "object.version", UINT64_MAX, &u) < 0)
		goto done;
	if (u != POC_OBJECT_VERSION) {
		poc_err_set(e, POC_ERR_UNSUPPORTED, "object: version %llu (this module reads %d)%s", (unsigned long long)u,
			    POC_OBJECT_VERSION,
			    u < POC_OBJECT_VERSION ? ": an object of an older token, not bound to it; re-create the token" : "");
		goto done;
	}
	if (get_bstr(e, v[O_IV], "object.iv", IV_LEN, IV_LEN, &p, &n) < 0)
		goto done;
	memcpy(o->iv, p, IV_LEN);
	if (get_bstr(e, v[O_CT], "object.ciphertext", TAG_LEN, POC_OBJECT_SECRET_MAX + TAG_LEN, &p, &n) < 0)
		goto done;
	/*
	 * libcbor copied the strings; point at the same bytes inside buf so the
	 * caller's view outlives the item. Any occurrence with equal content is
	 * the same bytes, so the first match is exact.
	 */
	o->ct = memmem(buf, len, p, n);
	o->ctlen = n;
	if (get_bstr(e, v[O_HEADER], "object.header", 1, POC_OBJECT_MAX, &p, &n) < 0)
		goto done;
	o->hb = memmem(buf, len, p, n);
	o->hlen = n;
	if (o->hb == NULL || o->ct == NULL) {
		poc_err_set(e, POC_ERR_MALFORMED, "object: internal: string not found in input");
		goto done;
	}
	rv = 0;
done:
	cbor_decref(&root);
	return rv;
}

