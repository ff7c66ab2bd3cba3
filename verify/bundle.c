/* SPDX-License-Identifier: Apache-2.0 */
#include "bundle.h"

#include <stdlib.h>
#include <string.h>

#include <cbor.h>

#include "cbor_util.h"

static const char *const coll_names[POC_COLL_COUNT] = {
	"tcb_info", "tcb_info_signature", "tcb_info_issuer_chain",
	"qe_identity", "qe_identity_signature", "qe_identity_issuer_chain",
	"pck_crl", "root_ca_crl", "pck_crl_issuer_chain",
};

const char *poc_coll_item_name(enum poc_coll_item i)
{
	return (unsigned)i < POC_COLL_COUNT ? coll_names[i] : NULL;
}

int poc_blob_set(struct poc_err *e, struct poc_blob *b, const uint8_t *p, size_t len)
{
	uint8_t *n = malloc(len ? len : 1);

	if (n == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "evidence blob of %zu bytes", len);
	if (len)
		memcpy(n, p, len);
	free(b->p);
	b->p = n;
	b->len = len;
	return 0;
}

void poc_blob_clear(struct poc_blob *b)
{
	free(b->p);
	b->p = NULL;
	b->len = 0;
}

void poc_bundle_free(struct poc_bundle *b)
{
	size_t i;

	if (b == NULL)
		return;
	poc_blob_clear(&b->nonce);
	poc_blob_clear(&b->ak_pub);
	poc_blob_clear(&b->ak_cert);
	poc_blob_clear(&b->ek_cert);
	poc_blob_clear(&b->eventlog);
	poc_blob_clear(&b->ek_pub);
	poc_blob_clear(&b->activated_secret);
	for (i = 0; i < POC_BUNDLE_MAX_CHAIN; i++)
		poc_blob_clear(&b->ak_chain[i]);
	for (i = 0; i < POC_BUNDLE_MAX_QUOTES; i++) {
		poc_blob_clear(&b->quotes[i].attest);
		poc_blob_clear(&b->quotes[i].sig);
	}
	poc_blob_clear(&b->tdx_quote);
	poc_blob_clear(&b->ccel_table);
	poc_blob_clear(&b->ccel_log);
	for (i = 0; i < POC_COLL_COUNT; i++)
		poc_blob_clear(&b->collateral[i]);
	poc_blob_clear(&b->hcl_report);
	poc_blob_clear(&b->poe);
	poc_blob_clear(&b->registry_token);
	poc_blob_clear(&b->ima_log);
	memset(b, 0, sizeof(*b));
}

/* ---- encoding ---- */

static int put_blob(cbor_item_t *map, const char *key, const struct poc_blob *b)
{
	if (b->p == NULL)
		return 0;
	return poc_cbor_put(map, key, cbor_build_bytestring(b->p, b->len));
}

/* One bank: { index: value, ... } for the PCRs present. */
static cbor_item_t *encode_bank(const struct poc_pcr_bank *bk)
{
	size_t dlen = poc_tpm_alg_digest_len(bk->alg), n = 0;
	cbor_item_t *m;
	unsigned j;

	for (j = 0; j < POC_PCR_COUNT; j++)
		n += (bk->mask >> j) & 1;
	m = cbor_new_definite_map(n);
	if (m == NULL)
		return NULL;
	for (j = 0; j < POC_PCR_COUNT; j++) {
		if (!(bk->mask & (1u << j)))
			continue;
		if (poc_cbor_add(m, cbor_build_uint8((uint8_t)j), cbor_build_bytestring(bk->v[j], dlen)) < 0) {
			cbor_decref(&m);
			return NULL;
		}
	}
	return m;
}

static cbor_item_t *encode_pcrs(const struct poc_pcrs *p)
{
	cbor_item_t *m = cbor_new_definite_map(p->nbanks);
	size_t i;

	if (m == NULL)
		return NULL;
	for (i = 0; i < p->nbanks; i++) {
		const char *name = poc_tpm_alg_name(p->bank[i].alg);

		if (name == NULL || poc_cbor_put(m, name, encode_bank(&p->bank[i])) < 0) {
			cbor_decref(&m);
			return NULL;
		}
	}
	return m;
}

static cbor_item_t *encode_tpm(const struct poc_bundle *b)
{
	cbor_item_t *m = cbor_new_indefinite_map(), *arr;
	size_t i;

	if (m == NULL)
		return NULL;
	if (put_blob(m, "ak_pub", &b->ak_pub) < 0 || put_blob(m, "ak_cert", &b->ak_cert) < 0 ||
	    put_blob(m, "ek_cert", &b->ek_cert) < 0 || put_blob(m, "eventlog", &b->eventlog) < 0 ||
	    put_blob(m, "ek_pub", &b->ek_pub) < 0 || put_blob(m, "activated_secret", &b->activated_secret) < 0)
		goto fail;
	if (b->n_ak_chain) {
		arr = cbor_new_definite_array(b->n_ak_chain);
		if (arr == NULL)
			goto fail;
		for (i = 0; i < b->n_ak_chain; i++) {
			cbor_item_t *c = cbor_build_bytestring(b->ak_chain[i].p, b->ak_chain[i].len);

			if (c == NULL || !cbor_array_push(arr, c)) {
				if (c)
					cbor_decref(&c);
				cbor_decref(&arr);
				goto fail;
			}
			cbor_decref(&c);
		}
		if (poc_cbor_put(m, "ak_chain", arr) < 0)
			goto fail;
	}
	if (b->nquotes) {
		arr = cbor_new_definite_array(b->nquotes);
		if (arr == NULL)
			goto fail;
		for (i = 0; i < b->nquotes; i++) {
			cbor_item_t *q = cbor_new_definite_map(3);

			if (q == NULL || put_blob(q, "attest", &b->quotes[i].attest) < 0 ||
			    put_blob(q, "sig", &b->quotes[i].sig) < 0 ||
			    poc_cbor_put(q, "pcrs", encode_pcrs(&b->quotes[i].pcrs)) < 0 || !cbor_array_push(arr, q)) {
				if (q)
					cbor_decref(&q);
				cbor_decref(&arr);
				goto fail;
			}
			cbor_decref(&q);
		}
		if (poc_cbor_put(m, "quotes", arr) < 0)
			goto fail;
	}
	return m;
fail:
	cbor_decref(&m);
	return NULL;
}

static cbor_item_t *encode_tdx(const struct poc_bundle *b)
{
	cbor_item_t *m = cbor_new_indefinite_map(), *c;
	size_t i;

	if (m == NULL)
		return NULL;
	if (put_blob(m, "quote", &b->tdx_quote) < 0 || put_blob(m, "ccel_table", &b->ccel_table) < 0 ||
	    put_blob(m, "ccel_log", &b->ccel_log) < 0)
		goto fail;
	if (b->has_collateral) {
		c = cbor_new_indefinite_map();
		if (c == NULL)
			goto fail;
		for (i = 0; i < POC_COLL_COUNT; i++) {
			if (put_blob(c, coll_names[i], &b->collateral[i]) < 0) {
				cbor_decref(&c);
				goto fail;
			}
		}
		if (poc_cbor_put(m, "collateral", c) < 0)
			goto fail;
	}
	return m;
fail:
	cbor_decref(&m);
	return NULL;
}

int poc_bundle_encode(struct poc_err *e, const struct poc_bundle *b, uint8_t **out, size_t *outlen)
{
	cbor_item_t *root = cbor_new_indefinite_map(), *t;
	unsigned char *buf = NULL;
	size_t cap = 0, n;
	int rv = -1;

	*out = NULL;
	*outlen = 0;
	if (root == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "bundle encoding");
	if (poc_cbor_put(root, "version", cbor_build_uint8(1)) < 0 || put_blob(root, "nonce", &b->nonce) < 0)
		goto fail;
	if (b->ak_pub.p || b->ak_cert.p || b->ek_cert.p || b->eventlog.p || b->ek_pub.p || b->nquotes) {
		if (poc_cbor_put(root, "tpm", encode_tpm(b)) < 0)
			goto fail;
	}
	if (b->tdx_quote.p || b->ccel_log.p || b->has_collateral) {
		if (poc_cbor_put(root, "tdx", encode_tdx(b)) < 0)
			goto fail;
	}
	if (put_blob(root, "hcl_report", &b->hcl_report) < 0 || put_blob(root, "poe", &b->poe) < 0 ||
	    put_blob(root, "registry_token", &b->registry_token) < 0 || put_blob(root, "ima_log", &b->ima_log) < 0)
		goto fail;
	if (b->has_timing) {
		t = cbor_new_definite_map(2);
		if (t == NULL || poc_cbor_put(t, "nonce_ms", cbor_build_uint64(b->nonce_ms)) < 0 ||
		    poc_cbor_put(t, "evidence_ms", cbor_build_uint64(b->evidence_ms)) < 0 || poc_cbor_put(root, "timing", t) < 0)
			goto fail;
	}
	n = cbor_serialize_alloc(root, &buf, &cap);
	if (n == 0)
		goto fail;
	*out = buf;
	*outlen = n;
	rv = 0;
	goto done;
fail:
	poc_err_set(e, POC_ERR_NOMEM, "bundle encoding");
done:
	cbor_decref(&root);
	return rv;
}

/* ---- decoding ---- */

/* The value under a text key, or NULL. Duplicate keys are refused by the caller's walk. */
static cbor_item_t *get(const cbor_item_t *map, const char *key)
{
	return poc_cbor_map_text(map, key);
}

static int get_blob(struct poc_err *e, const cbor_item_t *map, const char *key, const char *where,
		    struct poc_blob *out)
{
	cbor_item_t *v = get(map, key);

	if (v == NULL)
		return 0;
	if (!cbor_isa_bytestring(v) || !cbor_bytestring_is_definite(v))
		return poc_err_set(e, POC_ERR_MALFORMED, "bundle: %s%s is not a byte string", where, key);
	return poc_blob_set(e, out, cbor_bytestring_handle(v), cbor_bytestring_length(v));
}

static int get_uint(struct poc_err *e, const cbor_item_t *map, const char *key, const char *where,
		    uint64_t *out, int *present)
{
	cbor_item_t *v = get(map, key);

	*present = v != NULL;
	if (v == NULL)
		return 0;
	if (!cbor_isa_uint(v))
		return poc_err_set(e, POC_ERR_MALFORMED, "bundle: %s%s is not an unsigned integer", where, key);
	*out = cbor_get_int(v);
	return 0;
}

static int want_map(struct poc_err *e, const cbor_item_t *v, const char *what)
{
	if (v != NULL && !cbor_isa_map(v))
		return poc_err_set(e, POC_ERR_MALFORMED, "bundle: %s is not a map", what);
	return 0;
}

static int decode_pcrs(struct poc_err *e, const cbor_item_t *m, struct poc_pcrs *out, size_t qi)
{
	struct cbor_pair *banks = cbor_map_handle(m);
	size_t i, j;

	for (i = 0; i < cbor_map_size(m); i++) {
		char name[16];
		uint16_t alg;
		struct poc_pcr_bank *bk;
		struct cbor_pair *vals;
		size_t dlen, klen;

		if (!cbor_isa_string(banks[i].key) || !cbor_string_is_definite(banks[i].key) ||
		    (klen = cbor_string_length(banks[i].key)) >= sizeof(name))
			return poc_err_set(e, POC_ERR_MALFORMED, "bundle: tpm.quotes[%zu].pcrs has a bad bank name", qi);
		memcpy(name, cbor_string_handle(banks[i].key), klen);
		name[klen] = '\0';
		if (poc_tpm_alg_from_name(name, &alg) < 0)
			return poc_err_set(e, POC_ERR_UNSUPPORTED, "bundle: tpm.quotes[%zu].pcrs: bank \"%s\"", qi, name);
		if (!cbor_isa_map(banks[i].value))
			return poc_err_set(e, POC_ERR_MALFORMED, "bundle: tpm.quotes[%zu].pcrs.%s is not a map", qi, name);
		if (poc_pcrs_bank_get(out, alg) != NULL)
			return poc_err_set(e, POC_ERR_MALFORMED, "bundle: tpm.quotes[%zu].pcrs.%s twice", qi, name);
		bk = poc_pcrs_bank(out, alg, 1);
		if (bk == NULL)
			return poc_err_set(e, POC_ERR_MALFORMED, "bundle: tpm.quotes[%zu].pcrs: too many banks", qi);
		dlen = poc_tpm_alg_digest_len(alg);
		vals = cbor_map_handle(banks[i].value);
		for (j = 0; j < cbor_map_size(banks[i].value); j++) {
			uint64_t idx;

			if (!cbor_isa_uint(vals[j].key) || (idx = cbor_get_int(vals[j].key)) >= POC_PCR_COUNT ||
			    !cbor_isa_bytestring(vals[j].value) || !cbor_bytestring_is_definite(vals[j].value) ||
			    cbor_bytestring_length(vals[j].value) != dlen || (bk->mask & (1u << idx)))
				return poc_err_set(e, POC_ERR_MALFORMED,
						   "bundle: tpm.quotes[%zu].pcrs.%s entry %zu is not a PCR index and a %zu-byte value",
						   qi, name, j, dlen);
			memcpy(bk->v[idx], cbor_bytestring_handle(vals[j].value), dlen);
			bk->mask |= 1u << idx;
		}
	}
	return 0;
}

static int decode_tpm(struct poc_err *e, const cbor_item_t *m, struct poc_bundle *b)
{
	cbor_item_t *arr;
	size_t i;

	if (get_blob(e, m, "ak_pub", "tpm.", &b->ak_pub) < 0 || get_blob(e, m, "ak_cert", "tpm.", &b->ak_cert) < 0 ||
	    get_blob(e, m, "ek_cert", "tpm.", &b->ek_cert) < 0 || get_blob(e, m, "eventlog", "tpm.", &b->eventlog) < 0 ||
	    get_blob(e, m, "ek_pub", "tpm.", &b->ek_pub) < 0 ||
	    get_blob(e, m, "activated_secret", "tpm.", &b->activated_secret) < 0)
		return -1;
	arr = get(m, "ak_chain");
	if (arr != NULL) {
		if (!cbor_isa_array(arr) || cbor_array_size(arr) > POC_BUNDLE_MAX_CHAIN)
			return poc_err_set(e, POC_ERR_MALFORMED, "bundle: tpm.ak_chain is not an array of at most %d certificates",
					   POC_BUNDLE_MAX_CHAIN);
		for (i = 0; i < cbor_array_size(arr); i++) {
			cbor_item_t *c = cbor_array_handle(arr)[i];

			if (!cbor_isa_bytestring(c) || !cbor_bytestring_is_definite(c))
				return poc_err_set(e, POC_ERR_MALFORMED, "bundle: tpm.ak_chain[%zu] is not a byte string", i);
			if (poc_blob_set(e, &b->ak_chain[i], cbor_bytestring_handle(c), cbor_bytestring_length(c)) < 0)
				return -1;
			b->n_ak_chain++;
		}
	}
	arr = get(m, "quotes");
	if (arr != NULL) {
		if (!cbor_isa_array(arr) || cbor_array_size(arr) > POC_BUNDLE_MAX_QUOTES)
			return poc_err_set(e, POC_ERR_MALFORMED, "bundle: tpm.quotes is not an array of at most %d quotes",
					   POC_BUNDLE_MAX_QUOTES);
		for (i = 0; i < cbor_array_size(arr); i++) {
			cbor_item_t *q = cbor_array_handle(arr)[i], *p;
			struct poc_bundle_quote *bq = &b->quotes[i];

			if (!cbor_isa_map(q))
				return poc_err_set(e, POC_ERR_MALFORMED, "bundle: tpm.quotes[%zu] is not a map", i);
			b->nquotes++;
			if (get_blob(e, q, "attest", "tpm.quotes[].", &bq->attest) < 0 ||
			    get_blob(e, q, "sig", "tpm.quotes[].", &bq->sig) < 0)
				return -1;
			if (bq->attest.p == NULL || bq->sig.p == NULL)
				return poc_err_set(e, POC_ERR_MALFORMED, "bundle: tpm.quotes[%zu] needs attest and sig", i);
			p = get(q, "pcrs");
			if (want_map(e, p, "tpm.quotes[].pcrs") < 0 || (p && decode_pcrs(e, p, &bq->pcrs, i) < 0))
				return -1;
		}
	}
	return 0;
}

static int decode_tdx(struct poc_err *e, const cbor_item_t *m, struct poc_bundle *b)
{
	cbor_item_t *c;
	size_t i;

	if (get_blob(e, m, "quote", "tdx.", &b->tdx_quote) < 0 ||
	    get_blob(e, m, "ccel_table", "tdx.", &b->ccel_table) < 0 ||
	    get_blob(e, m, "ccel_log", "tdx.", &b->ccel_log) < 0)
		return -1;
	c = get(m, "collateral");
	if (want_map(e, c, "tdx.collateral") < 0)
		return -1;
	if (c != NULL) {
		b->has_collateral = 1;
		for (i = 0; i < POC_COLL_COUNT; i++)
			if (get_blob(e, c, coll_names[i], "tdx.collateral.", &b->collateral[i]) < 0)
				return -1;
	}
	return 0;
}

/* Refuses duplicate text keys anywhere we look things up: a verifier and a
 * collector must never disagree on which of two values counts. */
static int no_dup_keys(struct poc_err *e, const cbor_item_t *m, const char *what)
{
	struct cbor_pair *p = cbor_map_handle(m);
	size_t n = cbor_map_size(m), i;

	for (i = 0; i < n; i++)
		if (poc_cbor_is_text(p[i].key) && poc_cbor_key_repeats(p, i))
			return poc_err_set(e, POC_ERR_MALFORMED, "bundle: duplicate key in %s", what);
	return 0;
}

int poc_bundle_decode(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_bundle *out)
{
	cbor_item_t *root, *m;
	uint64_t v = 0;
	int present, rv = -1;

	memset(out, 0, sizeof(*out));
	if (len > POC_BUNDLE_MAX)
		return poc_err_set(e, POC_ERR_MALFORMED, "bundle: %zu bytes is larger than %u", len, POC_BUNDLE_MAX);
	root = poc_cbor_load(e, buf, len, "bundle");
	if (root == NULL)
		return -1;
	if (!cbor_isa_map(root)) {
		poc_err_set(e, POC_ERR_MALFORMED, "bundle: top level is not a map");
		goto done;
	}
	if (no_dup_keys(e, root, "the bundle") < 0 || get_uint(e, root, "version", "", &v, &present) < 0)
		goto done;
	if (!present || v != 1) {
		poc_err_set(e, POC_ERR_UNSUPPORTED, "bundle: version %s%llu (this verifier reads 1)",
			    present ? "" : "missing, ", (unsigned long long)v);
		goto done;
	}
	out->version = v;
	if (get_blob(e, root, "nonce", "", &out->nonce) < 0 || get_blob(e, root, "hcl_report", "", &out->hcl_report) < 0 ||
	    get_blob(e, root, "poe", "", &out->poe) < 0 || get_blob(e, root, "registry_token", "", &out->registry_token) < 0 ||
	    get_blob(e, root, "ima_log", "", &out->ima_log) < 0)
		goto done;
	m = get(root, "tpm");
	if (want_map(e, m, "tpm") < 0 || (m && (no_dup_keys(e, m, "tpm") < 0 || decode_tpm(e, m, out) < 0)))
		goto done;
	m = get(root, "tdx");
	if (want_map(e, m, "tdx") < 0 || (m && (no_dup_keys(e, m, "tdx") < 0 || decode_tdx(e, m, out) < 0)))
		goto done;
	m = get(root, "timing");
	if (want_map(e, m, "timing") < 0)
		goto done;
	if (m != NULL) {
		int p1, p2;

		if (get_uint(e, m, "nonce_ms", "timing.", &out->nonce_ms, &p1) < 0 ||
		    get_uint(e, m, "evidence_ms", "timing.", &out->evidence_ms, &p2) < 0)
			goto done;
		out->has_timing = p1 && p2;
	}
	rv = 0;
done:
	cbor_decref(&root);
	if (rv < 0)
		poc_bundle_free(out);
	return rv;
}
