/* SPDX-License-Identifier: Apache-2.0 */
/* The attestation record: EAR claims in a COSE_Sign1, signed ES256/ES384 (see record.h). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "record.h"

#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <json-c/json.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/objects.h>

#include "cbor_util.h"
#include "hex.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

#define COSE_TAG_SIGN1 18
/* Bounds on the claims we walk; far above what poc_record_sign writes. */
#define MAX_TOP_CLAIMS 64
#define MAX_SUBMODS 16
#define MAX_SUBMOD_CLAIMS 64

/* The only two protected headers we write or accept: {1: -7} and {1: -35}. */
static const uint8_t prot_es256[] = { 0xa1, 0x01, 0x26 };
static const uint8_t prot_es384[] = { 0xa1, 0x01, 0x38, 0x22 };

static const char *const submod_names[3] = { "tee", "vtpm", "poc" };

struct poc_record {
	int alg;
	uint8_t *payload; /* the signed claims, as they were on the wire */
	size_t payload_len;
	uint8_t sig[96];
	size_t sig_len;
	cbor_item_t *claims;
	int64_t iat, exp;
	enum poc_ear_status status;
	int sub_status[3]; /* -1: absent */
	/* Point into claims' byte strings, which live as long as claims. */
	const uint8_t *nonce, *cka_id, *key_hash, *bundle_hash;
	size_t nonce_len, cka_id_len;
	char *policy_id, *denied_clause;
};

/* ---- small CBOR helpers ---- */

/* Writes a CBOR head (major type, argument) to p, which has room for 9 bytes. */
static size_t head_put(uint8_t *p, uint8_t major, uint64_t v)
{
	size_t n, i;

	major = (uint8_t)(major << 5);
	if (v < 24) {
		p[0] = (uint8_t)(major | v);
		return 1;
	}
	n = v <= 0xff ? 1 : v <= 0xffff ? 2 : v <= 0xffffffffu ? 4 : 8;
	p[0] = (uint8_t)(major | (n == 1 ? 24 : n == 2 ? 25 : n == 4 ? 26 : 27));
	for (i = 0; i < n; i++)
		p[1 + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	return 1 + n;
}

/* Appends a byte string (head + bytes) at *p. */
static void bstr_put(uint8_t **p, const uint8_t *b, size_t len)
{
	*p += head_put(*p, 2, len);
	if (len)
		memcpy(*p, b, len);
	*p += len;
}

/*
 * Sig_structure (RFC 9052 4.4) = ["Signature1", protected, h'', payload],
 * built by hand: it is fixed apart from two byte strings, and the bytes must
 * match what any other COSE implementation computes.
 */
static uint8_t *sig_structure(const uint8_t *prot, size_t prot_len, const uint8_t *payload, size_t payload_len,
			      size_t *len)
{
	uint8_t *buf = malloc(1 + 11 + 9 + prot_len + 1 + 9 + payload_len), *p;

	if (buf == NULL)
		return NULL;
	p = buf;
	*p++ = 0x84;
	*p++ = 0x6a;
	memcpy(p, "Signature1", 10);
	p += 10;
	bstr_put(&p, prot, prot_len);
	*p++ = 0x40;
	bstr_put(&p, payload, payload_len);
	*len = (size_t)(p - buf);
	return buf;
}

/* Integers in their shortest form (RFC 8949 preferred serialization): libcbor keeps the width it is given. */
static cbor_item_t *build_uint(uint64_t v)
{
	if (v <= 0xff)
		return cbor_build_uint8((uint8_t)v);
	if (v <= 0xffff)
		return cbor_build_uint16((uint16_t)v);
	if (v <= 0xffffffffu)
		return cbor_build_uint32((uint32_t)v);
	return cbor_build_uint64(v);
}

static cbor_item_t *build_int(int64_t v)
{
	cbor_item_t *i;

	if (v >= 0)
		return build_uint((uint64_t)v);
	i = build_uint((uint64_t)(-1 - v));
	if (i != NULL)
		cbor_mark_negint(i);
	return i;
}

/* Adds k -> v to map, taking both references; a NULL one means an earlier allocation failed. */
static int madd(cbor_item_t *map, cbor_item_t *k, cbor_item_t *v)
{
	int ok = map != NULL && k != NULL && v != NULL &&
		 cbor_map_add(map, (struct cbor_pair){ .key = k, .value = v });

	if (k)
		cbor_decref(&k);
	if (v)
		cbor_decref(&v);
	return ok ? 0 : -1;
}

static int add_i(cbor_item_t *map, int64_t key, cbor_item_t *v)
{
	return madd(map, build_int(key), v);
}

static int add_s(cbor_item_t *map, const char *key, cbor_item_t *v)
{
	return madd(map, cbor_build_string(key), v);
}

/* Text claim, left out when empty. */
static int add_text(cbor_item_t *map, const char *key, const char *s)
{
	return s[0] ? add_s(map, key, cbor_build_string(s)) : 0;
}

static int add_bytes(cbor_item_t *map, const char *key, const uint8_t *p, size_t len)
{
	return add_s(map, key, cbor_build_bytestring(p, len));
}

static int add_uint(cbor_item_t *map, const char *key, uint64_t v)
{
	return add_s(map, key, build_uint(v));
}

/* ---- claims from an appraisal ---- */

static enum poc_ear_status worst(enum poc_ear_status a, enum poc_ear_status b)
{
	/* The EAR tiers grow worse with their value: none < affirming < warning < contraindicated. */
	return a > b ? a : b;
}

/*
 * One submod: {1000: status, 1005: {claims}, extra...} (1005 left out when it
 * would be empty). Takes claims and extra (NULL: none); a NULL claims is an
 * earlier allocation failure.
 */
static int add_submod(cbor_item_t *submods, const char *name, enum poc_ear_status st, cbor_item_t *claims,
		      cbor_item_t *extra)
{
	cbor_item_t *m = cbor_new_definite_map(2 + (extra ? cbor_map_size(extra) : 0));
	size_t i;
	int rv = -1;

	if (m == NULL || claims == NULL || add_i(m, POC_RK_STATUS, cbor_build_uint8((uint8_t)st)) < 0)
		goto done;
	if (cbor_map_size(claims) && add_i(m, POC_RK_ANNOTATED, cbor_incref(claims)) < 0)
		goto done;
	for (i = 0; extra && i < cbor_map_size(extra); i++) {
		struct cbor_pair *p = &cbor_map_handle(extra)[i];

		if (madd(m, cbor_incref(p->key), cbor_incref(p->value)) < 0)
			goto done;
	}
	rv = add_s(submods, name, m);
	m = NULL;
done:
	if (m)
		cbor_decref(&m);
	if (claims)
		cbor_decref(&claims);
	if (extra)
		cbor_decref(&extra);
	return rv;
}

static cbor_item_t *tee_claims(const struct poc_appraisal *a)
{
	cbor_item_t *m = cbor_new_definite_map(9);
	char name[8];
	int i;

	if (m == NULL || !a->has_tdx)
		return m;
	if (add_bytes(m, "mrtd", a->mrtd, sizeof(a->mrtd)) < 0)
		goto fail;
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "rtmr%d", i);
		if (add_bytes(m, name, a->rtmr[i], sizeof(a->rtmr[i])) < 0)
			goto fail;
	}
	if (add_s(m, "debug", cbor_build_bool(a->tdx_debug != 0)) < 0 || add_text(m, "tcb_status", a->tcb_status) < 0 ||
	    add_text(m, "tcb_date", a->tcb_date) < 0 || add_text(m, "advisories", a->advisories) < 0)
		goto fail;
	return m;
fail:
	cbor_decref(&m);
	return NULL;
}

static cbor_item_t *vtpm_claims(const struct poc_appraisal *a)
{
	cbor_item_t *m = cbor_new_definite_map(7);

	if (m == NULL || a->nquotes == 0)
		return m;
	if ((a->ak_name_len && add_bytes(m, "ak_name", a->ak_name, a->ak_name_len) < 0) ||
	    add_uint(m, "quotes", a->nquotes) < 0 || add_uint(m, "clock", a->clock) < 0 ||
	    add_uint(m, "reset_count", a->reset_count) < 0 || add_uint(m, "restart_count", a->restart_count) < 0 ||
	    add_uint(m, "firmware_version", a->firmware_version) < 0 ||
	    (a->qualified_signer_len &&
	     add_bytes(m, "qualified_signer", a->qualified_signer, a->qualified_signer_len) < 0)) {
		cbor_decref(&m);
		return NULL;
	}
	return m;
}

static cbor_item_t *poc_claims(const struct poc_appraisal *a, const char *verification)
{
	const struct poc_gce_info *g = &a->gce;
	cbor_item_t *m = cbor_new_definite_map(12);

	if (m == NULL)
		return NULL;
	if (add_text(m, "provider", a->provider) < 0 || add_text(m, "provider_chain", a->provider_chain) < 0)
		goto fail;
	if (g->present &&
	    (add_text(m, "zone", g->zone) < 0 || add_text(m, "project_id", g->project_id) < 0 ||
	     add_uint(m, "project_number", g->project_number) < 0 || add_uint(m, "instance_id", g->instance_id) < 0 ||
	     add_text(m, "instance_name", g->instance_name) < 0 ||
	     (g->has_security && add_s(m, "production", cbor_build_bool(g->is_production != 0)) < 0)))
		goto fail;
	if ((a->has_ppid && add_bytes(m, "ppid", a->ppid, sizeof(a->ppid)) < 0) ||
	    (a->has_piid && add_bytes(m, "piid", a->piid, sizeof(a->piid)) < 0))
		goto fail;
	if (verification != NULL && add_text(m, "verification", verification) < 0)
		goto fail;
	return m;
fail:
	cbor_decref(&m);
	return NULL;
}

/* A denial names its clause, reason and error code in the poc submod itself. */
static cbor_item_t *denial(const struct poc_appraisal *a)
{
	cbor_item_t *m = cbor_new_definite_map(3);

	if (m == NULL)
		return NULL;
	if (add_s(m, "denied_clause", cbor_build_string(a->clause[0] ? a->clause : "$")) < 0 ||
	    add_s(m, "denied_reason", cbor_build_string(a->reason)) < 0 ||
	    add_s(m, "denied_code", cbor_build_string(poc_verr_str(a->code))) < 0) {
		cbor_decref(&m);
		return NULL;
	}
	return m;
}

static cbor_item_t *notes(const struct poc_appraisal *a)
{
	cbor_item_t *arr = cbor_new_definite_array(a->nnotes + 1), *s = NULL;
	int have_nonce_note = 0;
	size_t i;

	for (i = 0; arr && i < a->nnotes && i < POC_APPRAISAL_MAX_NOTES; i++) {
		char buf[sizeof(a->notes[0])];

		/* The notes are fixed arrays: never trust them to be terminated. */
		memcpy(buf, a->notes[i], sizeof(buf));
		buf[sizeof(buf) - 1] = '\0';
		have_nonce_note |= strncmp(buf, "no nonce", 8) == 0;
		s = cbor_build_string(buf);
		if (s == NULL || !cbor_array_push(arr, s))
			goto fail;
		cbor_decref(&s);
	}
	/* The record must say when freshness was not established, whoever built the appraisal. */
	if (arr && !a->nonce_checked && !have_nonce_note) {
		s = cbor_build_string("no nonce was checked: the evidence may be a replay");
		if (s == NULL || !cbor_array_push(arr, s))
			goto fail;
		cbor_decref(&s);
	}
	return arr;
fail:
	if (s)
		cbor_decref(&s);
	cbor_decref(&arr);
	return NULL;
}

static cbor_item_t *build_claims(struct poc_err *e, const struct poc_appraisal *a, const struct poc_appraise_opts *o,
				 const struct poc_record_bind *bind, int64_t at, int64_t ttl)
{
	cbor_item_t *m = cbor_new_definite_map(16), *vid = NULL, *sub = NULL, *pol = NULL, *nt;
	enum poc_ear_status top = worst(worst(a->tee, a->vtpm), a->poc);
	cbor_item_t *den = NULL;
	char build[128];
	int rc;

	/* A denial is contraindicated overall even if the failing part left its own status unset. */
	if (!a->accepted)
		top = POC_EAR_CONTRAINDICATED;
	snprintf(build, sizeof(build), "%s", bind && bind->build ? bind->build : "poc-pkcs11 " PACKAGE_VERSION);
	if (m == NULL || add_i(m, POC_RK_PROFILE, cbor_build_string(POC_RECORD_PROFILE)) < 0 ||
	    add_i(m, POC_RK_IAT, build_int(at)) < 0 || (ttl > 0 && add_i(m, POC_RK_EXP, build_int(at + ttl)) < 0))
		goto fail;
	if (a->nonce_checked && o != NULL && o->nonce != NULL &&
	    add_i(m, POC_RK_NONCE, cbor_build_bytestring(o->nonce, o->nonce_len)) < 0)
		goto fail;
	vid = cbor_new_definite_map(2);
	if (add_i(vid, 0, cbor_build_string("poc-pkcs11")) < 0 || add_i(vid, 1, cbor_build_string(build)) < 0 ||
	    add_i(m, POC_RK_VERIFIER_ID, cbor_incref(vid)) < 0)
		goto fail;
	if (bind && bind->policy_id) {
		cbor_item_t *s = cbor_build_string(bind->policy_id);

		pol = cbor_new_definite_array(1);
		if (s == NULL || pol == NULL || !cbor_array_push(pol, s)) {
			if (s)
				cbor_decref(&s);
			goto fail;
		}
		cbor_decref(&s);
		if (add_i(m, POC_RK_POLICY_IDS, cbor_incref(pol)) < 0)
			goto fail;
	}
	if (add_i(m, POC_RK_STATUS, cbor_build_uint8((uint8_t)top)) < 0)
		goto fail;
	if (!a->accepted && (den = denial(a)) == NULL)
		goto fail;
	sub = cbor_new_definite_map(3);
	if (sub == NULL || add_submod(sub, "tee", a->tee, tee_claims(a), NULL) < 0 ||
	    add_submod(sub, "vtpm", a->vtpm, vtpm_claims(a), NULL) < 0)
		goto fail;
	rc = add_submod(sub, "poc", a->accepted ? a->poc : POC_EAR_CONTRAINDICATED,
			poc_claims(a, bind ? bind->verification : NULL), den);
	den = NULL; /* add_submod took it */
	if (rc < 0 || add_i(m, POC_RK_SUBMODS, cbor_incref(sub)) < 0)
		goto fail;
	if (bind && bind->cka_id && add_i(m, POC_RK_CKA_ID, cbor_build_bytestring(bind->cka_id, bind->cka_id_len)) < 0)
		goto fail;
	if (bind && bind->key_hash && add_i(m, POC_RK_KEY_HASH, cbor_build_bytestring(bind->key_hash, 32)) < 0)
		goto fail;
	if (bind && bind->bundle_hash &&
	    add_i(m, POC_RK_BUNDLE_HASH, cbor_build_bytestring(bind->bundle_hash, 32)) < 0)
		goto fail;
	nt = notes(a);
	if (nt == NULL || (cbor_array_size(nt) ? add_i(m, POC_RK_NOTES, nt) : (cbor_decref(&nt), 0)) < 0)
		goto fail;
	cbor_decref(&vid);
	cbor_decref(&sub);
	if (pol)
		cbor_decref(&pol);
	return m;
fail:
	if (m)
		cbor_decref(&m);
	if (vid)
		cbor_decref(&vid);
	if (sub)
		cbor_decref(&sub);
	if (pol)
		cbor_decref(&pol);
	if (den)
		cbor_decref(&den);
	poc_err_set(e, POC_ERR_NOMEM, "record claims");
	return NULL;
}

/* ---- signatures ---- */

/* The COSE algorithm for a key: ES256 needs P-256 and ES384 P-384 (RFC 9053 2.1). */
static int key_alg(struct poc_err *e, EVP_PKEY *key, int *alg)
{
	char grp[64];
	size_t glen = 0;
	int nid;

	if (key == NULL || !EVP_PKEY_is_a(key, "EC") ||
	    !EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, grp, sizeof(grp), &glen))
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "record key: not an EC key on a named curve");
	nid = OBJ_sn2nid(grp);
	if (nid == NID_undef)
		nid = EC_curve_nist2nid(grp);
	if (nid == NID_X9_62_prime256v1)
		*alg = POC_COSE_ES256;
	else if (nid == NID_secp384r1)
		*alg = POC_COSE_ES384;
	else
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "record key: curve %s (want P-256 or P-384)", grp);
	return 0;
}

static size_t alg_half(int alg)
{
	return alg == POC_COSE_ES256 ? 32 : 48;
}

static const EVP_MD *alg_md(int alg)
{
	return alg == POC_COSE_ES256 ? EVP_sha256() : EVP_sha384();
}

/* ECDSA over tbs, as COSE wants it: raw r || s, each left-padded to the curve size. */
static int ecdsa_sign(struct poc_err *e, EVP_PKEY *key, int alg, const uint8_t *tbs, size_t tbs_len, uint8_t *sig)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	ECDSA_SIG *es = NULL;
	unsigned char der[160];
	const unsigned char *dp = der;
	const BIGNUM *r, *s;
	size_t dlen = sizeof(der), half = alg_half(alg);
	int rv = -1;

	if (ctx == NULL || EVP_DigestSignInit(ctx, NULL, alg_md(alg), NULL, key) != 1 ||
	    EVP_DigestSign(ctx, der, &dlen, tbs, tbs_len) != 1) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "record signature");
		goto done;
	}
	es = d2i_ECDSA_SIG(NULL, &dp, (long)dlen);
	if (es == NULL) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "record signature: DER decoding");
		goto done;
	}
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, sig, (int)half) < 0 || BN_bn2binpad(s, sig + half, (int)half) < 0) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "record signature: r/s larger than the curve");
		goto done;
	}
	rv = 0;
done:
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(ctx);
	return rv;
}

int poc_record_sign(struct poc_err *e, const struct poc_appraisal *a, const struct poc_appraise_opts *o,
		    const struct poc_record_bind *bind, int64_t at, int64_t ttl, EVP_PKEY *key, uint8_t **out,
		    size_t *outlen)
{
	cbor_item_t *claims = NULL;
	unsigned char *payload = NULL;
	uint8_t *tbs = NULL, *buf = NULL, *p, sig[96];
	const uint8_t *prot;
	size_t cap = 0, plen, tbs_len, prot_len, half;
	int alg, rv = -1;

	*out = NULL;
	*outlen = 0;
	if (a == NULL)
		return poc_err_set(e, POC_ERR_ARG, "record: no appraisal");
	if (a->nonce_checked && o != NULL && o->nonce != NULL && (o->nonce_len == 0 || o->nonce_len > 64))
		return poc_err_set(e, POC_ERR_ARG, "record: a nonce of %zu bytes (EAT allows 1 to 64)", o->nonce_len);
	if (key_alg(e, key, &alg) < 0)
		return -1;
	prot = alg == POC_COSE_ES256 ? prot_es256 : prot_es384;
	prot_len = alg == POC_COSE_ES256 ? sizeof(prot_es256) : sizeof(prot_es384);
	half = alg_half(alg);
	claims = build_claims(e, a, o, bind, at, ttl);
	if (claims == NULL)
		return -1;
	plen = cbor_serialize_alloc(claims, &payload, &cap);
	if (plen == 0) {
		poc_err_set(e, POC_ERR_NOMEM, "record claims encoding");
		goto done;
	}
	tbs = sig_structure(prot, prot_len, payload, plen, &tbs_len);
	if (tbs == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "record Sig_structure");
		goto done;
	}
	if (ecdsa_sign(e, key, alg, tbs, tbs_len, sig) < 0)
		goto done;
	/* tag 18 [protected, {}, payload, signature] */
	buf = malloc(2 + 9 + prot_len + 1 + 9 + plen + 9 + 2 * half);
	if (buf == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "record");
		goto done;
	}
	p = buf;
	*p++ = 0xd2;
	*p++ = 0x84;
	bstr_put(&p, prot, prot_len);
	*p++ = 0xa0;
	bstr_put(&p, payload, plen);
	bstr_put(&p, sig, 2 * half);
	*out = buf;
	*outlen = (size_t)(p - buf);
	rv = 0;
done:
	free(tbs);
	free(payload);
	cbor_decref(&claims);
	return rv;
}

/* ---- decoding ---- */

static int is_bstr(const cbor_item_t *i)
{
	return cbor_isa_bytestring(i) && cbor_bytestring_is_definite(i);
}

static int is_text(const cbor_item_t *i)
{
	return cbor_isa_string(i) && cbor_string_is_definite(i);
}

static int text_is(const cbor_item_t *i, const char *s)
{
	size_t n = strlen(s);

	return is_text(i) && cbor_string_length(i) == n && memcmp(cbor_string_handle(i), s, n) == 0;
}

/* An integer item as int64; -1 when it is not one or does not fit. */
static int get_int(const cbor_item_t *i, int64_t *v)
{
	uint64_t u;

	if (!cbor_isa_uint(i) && !cbor_isa_negint(i))
		return -1;
	u = cbor_get_int(i);
	if (u > INT64_MAX)
		return -1;
	*v = cbor_isa_uint(i) ? (int64_t)u : -1 - (int64_t)u;
	return 0;
}

static int get_status(const cbor_item_t *i, int *st)
{
	int64_t v;

	if (get_int(i, &v) < 0 || (v != POC_EAR_NONE && v != POC_EAR_AFFIRMING && v != POC_EAR_WARNING &&
				   v != POC_EAR_CONTRAINDICATED))
		return -1;
	*st = (int)v;
	return 0;
}

static char *text_dup(const cbor_item_t *i)
{
	size_t n = cbor_string_length(i);
	char *s = malloc(n + 1);

	if (s != NULL) {
		memcpy(s, cbor_string_handle(i), n);
		s[n] = '\0';
	}
	return s;
}

/* Same key twice in a map: refuse it, so that two readers cannot see different claims. */
static int dup_keys(const struct cbor_pair *p, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++) {
		int64_t a, b;

		if (get_int(p[i].key, &a) == 0 && get_int(p[j].key, &b) == 0 && a == b)
			return 1;
		if (is_text(p[i].key) && is_text(p[j].key) &&
		    cbor_string_length(p[i].key) == cbor_string_length(p[j].key) &&
		    memcmp(cbor_string_handle(p[i].key), cbor_string_handle(p[j].key), cbor_string_length(p[i].key)) == 0)
			return 1;
	}
	return 0;
}

static int decode_submod(struct poc_err *e, struct poc_record *r, int which, const cbor_item_t *m)
{
	const struct cbor_pair *p;
	size_t i, n, j;
	int have_status = 0;

	if (!cbor_isa_map(m) || (n = cbor_map_size(m)) > MAX_SUBMOD_CLAIMS)
		return poc_err_set(e, POC_ERR_MALFORMED, "record submod %s: not a map of claims", submod_names[which]);
	p = cbor_map_handle(m);
	for (i = 0; i < n; i++) {
		int64_t k;

		if (dup_keys(p, i))
			return poc_err_set(e, POC_ERR_MALFORMED, "record submod %s: duplicate claim", submod_names[which]);
		if (get_int(p[i].key, &k) == 0) {
			if (k == POC_RK_STATUS) {
				if (get_status(p[i].value, &r->sub_status[which]) < 0)
					return poc_err_set(e, POC_ERR_MALFORMED, "record submod %s: bad ear.status",
							   submod_names[which]);
				have_status = 1;
			} else if (k == POC_RK_ANNOTATED) {
				const struct cbor_pair *q;

				if (!cbor_isa_map(p[i].value) || cbor_map_size(p[i].value) > MAX_SUBMOD_CLAIMS)
					return poc_err_set(e, POC_ERR_MALFORMED, "record submod %s: bad claims",
							   submod_names[which]);
				q = cbor_map_handle(p[i].value);
				for (j = 0; j < cbor_map_size(p[i].value); j++)
					if (!is_text(q[j].key) || dup_keys(q, j))
						return poc_err_set(e, POC_ERR_MALFORMED,
								   "record submod %s: claim keys must be unique text",
								   submod_names[which]);
			}
		} else if (text_is(p[i].key, "denied_clause")) {
			if (which != 2 || !is_text(p[i].value) || r->denied_clause != NULL)
				return poc_err_set(e, POC_ERR_MALFORMED, "record submod %s: bad denied_clause",
						   submod_names[which]);
			r->denied_clause = text_dup(p[i].value);
			if (r->denied_clause == NULL)
				return poc_err_set(e, POC_ERR_NOMEM, "record denied_clause");
		} else if (!is_text(p[i].key)) {
			return poc_err_set(e, POC_ERR_MALFORMED, "record submod %s: claim key of CBOR type %d",
					   submod_names[which], (int)cbor_typeof(p[i].key));
		}
	}
	if (!have_status)
		return poc_err_set(e, POC_ERR_MALFORMED, "record submod %s: no ear.status", submod_names[which]);
	return 0;
}

static int decode_submods(struct poc_err *e, struct poc_record *r, const cbor_item_t *m)
{
	const struct cbor_pair *p;
	size_t i, n;
	int w;

	if (!cbor_isa_map(m) || (n = cbor_map_size(m)) > MAX_SUBMODS)
		return poc_err_set(e, POC_ERR_MALFORMED, "record submods: not a map");
	p = cbor_map_handle(m);
	for (i = 0; i < n; i++) {
		if (!is_text(p[i].key) || dup_keys(p, i))
			return poc_err_set(e, POC_ERR_MALFORMED, "record submods: names must be unique text");
		for (w = 0; w < 3; w++)
			if (text_is(p[i].key, submod_names[w]))
				break;
		/* Other submods are allowed (EAR is open) but must still be appraisal maps. */
		if (w == 3) {
			if (!cbor_isa_map(p[i].value))
				return poc_err_set(e, POC_ERR_MALFORMED, "record submods: a submod is not a map");
			continue;
		}
		if (decode_submod(e, r, w, p[i].value) < 0)
			return -1;
	}
	return 0;
}

static int decode_bstr32(struct poc_err *e, const cbor_item_t *v, const uint8_t **out, const char *what)
{
	if (!is_bstr(v) || cbor_bytestring_length(v) != 32)
		return poc_err_set(e, POC_ERR_MALFORMED, "record %s: not a 32-byte string", what);
	*out = cbor_bytestring_handle(v);
	return 0;
}

static int decode_claims(struct poc_err *e, struct poc_record *r)
{
	const cbor_item_t *m = r->claims;
	const struct cbor_pair *p;
	size_t i, j, n;
	int have_profile = 0, have_iat = 0, have_status = 0, have_sub = 0, st;

	if (!cbor_isa_map(m) || (n = cbor_map_size(m)) > MAX_TOP_CLAIMS)
		return poc_err_set(e, POC_ERR_MALFORMED, "record claims: not a map of at most %d claims", MAX_TOP_CLAIMS);
	p = cbor_map_handle(m);
	for (i = 0; i < n; i++) {
		const cbor_item_t *v = p[i].value;
		int64_t k;

		if (get_int(p[i].key, &k) < 0)
			return poc_err_set(e, POC_ERR_MALFORMED, "record claims: a key is not an integer");
		if (dup_keys(p, i))
			return poc_err_set(e, POC_ERR_MALFORMED, "record claims: key %lld twice", (long long)k);
		switch (k) {
		case POC_RK_PROFILE:
			if (!text_is(v, POC_RECORD_PROFILE))
				return poc_err_set(e, POC_ERR_UNSUPPORTED, "record: not an EAR (eat_profile)");
			have_profile = 1;
			break;
		case POC_RK_IAT:
		case POC_RK_EXP:
			if (!cbor_isa_uint(v) || get_int(v, k == POC_RK_IAT ? &r->iat : &r->exp) < 0)
				return poc_err_set(e, POC_ERR_MALFORMED, "record %s: not a time", k == POC_RK_IAT ? "iat" : "exp");
			have_iat |= k == POC_RK_IAT;
			break;
		case POC_RK_NONCE:
			if (!is_bstr(v) || cbor_bytestring_length(v) == 0 || cbor_bytestring_length(v) > 64)
				return poc_err_set(e, POC_ERR_MALFORMED, "record eat_nonce: not 1 to 64 bytes");
			r->nonce = cbor_bytestring_handle(v);
			r->nonce_len = cbor_bytestring_length(v);
			break;
		case POC_RK_STATUS:
			if (get_status(v, &st) < 0)
				return poc_err_set(e, POC_ERR_MALFORMED, "record ear.status: not an EAR status");
			r->status = (enum poc_ear_status)st;
			have_status = 1;
			break;
		case POC_RK_SUBMODS:
			if (decode_submods(e, r, v) < 0)
				return -1;
			have_sub = 1;
			break;
		case POC_RK_VERIFIER_ID:
			if (!cbor_isa_map(v))
				return poc_err_set(e, POC_ERR_MALFORMED, "record ear.verifier-id: not a map");
			break;
		case POC_RK_POLICY_IDS:
			if (!cbor_isa_array(v) || cbor_array_size(v) == 0)
				return poc_err_set(e, POC_ERR_MALFORMED, "record ear.appraisal-policy-ids: not an array");
			for (j = 0; j < cbor_array_size(v); j++) {
				cbor_item_t *s = cbor_array_handle(v)[j];

				if (!is_text(s))
					return poc_err_set(e, POC_ERR_MALFORMED, "record ear.appraisal-policy-ids: not text");
				if (j == 0 && (r->policy_id = text_dup(s)) == NULL)
					return poc_err_set(e, POC_ERR_NOMEM, "record policy id");
			}
			break;
		case POC_RK_CKA_ID:
			if (!is_bstr(v))
				return poc_err_set(e, POC_ERR_MALFORMED, "record cka_id: not a byte string");
			r->cka_id = cbor_bytestring_handle(v);
			r->cka_id_len = cbor_bytestring_length(v);
			break;
		case POC_RK_KEY_HASH:
			if (decode_bstr32(e, v, &r->key_hash, "key hash") < 0)
				return -1;
			break;
		case POC_RK_BUNDLE_HASH:
			if (decode_bstr32(e, v, &r->bundle_hash, "bundle hash") < 0)
				return -1;
			break;
		case POC_RK_NOTES:
			if (!cbor_isa_array(v))
				return poc_err_set(e, POC_ERR_MALFORMED, "record notes: not an array");
			for (j = 0; j < cbor_array_size(v); j++)
				if (!is_text(cbor_array_handle(v)[j]))
					return poc_err_set(e, POC_ERR_MALFORMED, "record notes: not text");
			break;
		default:
			break; /* other claims are shown, not interpreted */
		}
	}
	if (!have_profile || !have_iat || !have_status || !have_sub)
		return poc_err_set(e, POC_ERR_MALFORMED, "record claims: missing %s",
				   !have_profile ? "eat_profile" : !have_iat ? "iat" : !have_status ? "ear.status" : "submods");
	if (r->exp != 0 && r->exp < r->iat)
		return poc_err_set(e, POC_ERR_MALFORMED, "record: exp before iat");
	return 0;
}

int poc_record_decode(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_record **out)
{
	struct poc_record *r = NULL;
	cbor_item_t *arr = NULL, *it[4] = { NULL, NULL, NULL, NULL };
	const uint8_t *prot;
	size_t i, prot_len;
	int rv = -1;

	*out = NULL;
	if (len > POC_RECORD_MAX)
		return poc_err_set(e, POC_ERR_MALFORMED, "record: %zu bytes (at most %u)", len, POC_RECORD_MAX);
	/*
	 * libcbor 0.8's cbor_load fails on any tag around an array or map, so the
	 * tag is read here: only its one-byte preferred encoding, as we write it.
	 */
	if (len == 0 || buf[0] != 0xc0 + COSE_TAG_SIGN1)
		return poc_err_set(e, POC_ERR_MALFORMED, "record: not a COSE_Sign1 (tag 18)");
	arr = poc_cbor_load(e, buf + 1, len - 1, "record");
	if (arr == NULL)
		return -1;
	if (!cbor_isa_array(arr) || !cbor_array_is_definite(arr) || cbor_array_size(arr) != 4) {
		poc_err_set(e, POC_ERR_MALFORMED, "record: COSE_Sign1 is not a 4-element array");
		goto done;
	}
	for (i = 0; i < 4; i++)
		it[i] = cbor_array_get(arr, i);
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "record");
		goto done;
	}
	r->sub_status[0] = r->sub_status[1] = r->sub_status[2] = -1;
	/* The protected header is signed, but we still accept only the exact bytes we write. */
	if (!is_bstr(it[0])) {
		poc_err_set(e, POC_ERR_MALFORMED, "record: protected header is not a byte string");
		goto done;
	}
	prot = cbor_bytestring_handle(it[0]);
	prot_len = cbor_bytestring_length(it[0]);
	if (prot_len == sizeof(prot_es256) && memcmp(prot, prot_es256, prot_len) == 0) {
		r->alg = POC_COSE_ES256;
	} else if (prot_len == sizeof(prot_es384) && memcmp(prot, prot_es384, prot_len) == 0) {
		r->alg = POC_COSE_ES384;
	} else {
		poc_err_set(e, POC_ERR_UNSUPPORTED, "record: protected header is not {alg: ES256|ES384}");
		goto done;
	}
	/* The unprotected header is not signed: anything in it would be unauthenticated. */
	if (!cbor_isa_map(it[1]) || !cbor_map_is_definite(it[1]) || cbor_map_size(it[1]) != 0) {
		poc_err_set(e, POC_ERR_MALFORMED, "record: unprotected header is not empty");
		goto done;
	}
	if (!is_bstr(it[2]) || cbor_bytestring_length(it[2]) == 0) {
		poc_err_set(e, POC_ERR_MALFORMED, "record: payload is not a byte string");
		goto done;
	}
	if (!is_bstr(it[3]) || cbor_bytestring_length(it[3]) != 2 * alg_half(r->alg)) {
		poc_err_set(e, POC_ERR_MALFORMED, "record: signature is not %zu bytes", 2 * alg_half(r->alg));
		goto done;
	}
	r->sig_len = cbor_bytestring_length(it[3]);
	memcpy(r->sig, cbor_bytestring_handle(it[3]), r->sig_len);
	r->payload_len = cbor_bytestring_length(it[2]);
	r->payload = malloc(r->payload_len);
	if (r->payload == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "record payload");
		goto done;
	}
	memcpy(r->payload, cbor_bytestring_handle(it[2]), r->payload_len);
	r->claims = poc_cbor_load(e, r->payload, r->payload_len, "record claims");
	if (r->claims == NULL || decode_claims(e, r) < 0)
		goto done;
	*out = r;
	r = NULL;
	rv = 0;
done:
	for (i = 0; i < 4; i++)
		if (it[i])
			cbor_decref(&it[i]);
	cbor_decref(&arr);
	poc_record_free(r);
	return rv;
}

int poc_record_verify(struct poc_err *e, const struct poc_record *r, EVP_PKEY *pub)
{
	EVP_MD_CTX *ctx = NULL;
	ECDSA_SIG *es = NULL;
	BIGNUM *br = NULL, *bs = NULL;
	unsigned char *der = NULL;
	uint8_t *tbs = NULL;
	size_t tbs_len, half;
	int alg, dlen, rv = -1;

	if (r == NULL)
		return poc_err_set(e, POC_ERR_ARG, "record verify: no record");
	if (key_alg(e, pub, &alg) < 0)
		return -1;
	if (alg != r->alg)
		return poc_err_set(e, POC_ERR_SIGNATURE, "record signature: the key's curve does not match %s",
				   r->alg == POC_COSE_ES256 ? "ES256" : "ES384");
	half = alg_half(alg);
	tbs = sig_structure(r->alg == POC_COSE_ES256 ? prot_es256 : prot_es384,
			    r->alg == POC_COSE_ES256 ? sizeof(prot_es256) : sizeof(prot_es384), r->payload, r->payload_len,
			    &tbs_len);
	es = ECDSA_SIG_new();
	br = BN_bin2bn(r->sig, (int)half, NULL);
	bs = BN_bin2bn(r->sig + half, (int)half, NULL);
	if (tbs == NULL || es == NULL || br == NULL || bs == NULL || !ECDSA_SIG_set0(es, br, bs)) {
		poc_err_ssl(e, POC_ERR_NOMEM, "record signature");
		BN_free(br);
		BN_free(bs);
		goto done;
	}
	dlen = i2d_ECDSA_SIG(es, &der);
	ctx = EVP_MD_CTX_new();
	if (dlen <= 0 || ctx == NULL || EVP_DigestVerifyInit(ctx, NULL, alg_md(alg), NULL, pub) != 1) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "record signature check");
		goto done;
	}
	if (EVP_DigestVerify(ctx, der, (size_t)dlen, tbs, tbs_len) != 1) {
		poc_err_ssl(e, POC_ERR_SIGNATURE, "record signature does not verify");
		goto done;
	}
	rv = 0;
done:
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(ctx);
	free(tbs);
	return rv;
}

void poc_record_free(struct poc_record *r)
{
	if (r == NULL)
		return;
	if (r->claims)
		cbor_decref(&r->claims);
	free(r->payload);
	free(r->policy_id);
	free(r->denied_clause);
	free(r);
}

/* ---- accessors ---- */

int poc_record_alg(const struct poc_record *r)
{
	return r->alg;
}

enum poc_ear_status poc_record_status(const struct poc_record *r)
{
	return r->status;
}

int poc_record_submod_status(const struct poc_record *r, const char *name)
{
	int i;

	for (i = 0; i < 3; i++)
		if (strcmp(name, submod_names[i]) == 0)
			return r->sub_status[i];
	return -1;
}

int64_t poc_record_iat(const struct poc_record *r)
{
	return r->iat;
}

int64_t poc_record_exp(const struct poc_record *r)
{
	return r->exp;
}

const uint8_t *poc_record_nonce(const struct poc_record *r, size_t *len)
{
	*len = r->nonce_len;
	return r->nonce;
}

const uint8_t *poc_record_cka_id(const struct poc_record *r, size_t *len)
{
	*len = r->cka_id_len;
	return r->cka_id;
}

const uint8_t *poc_record_key_hash(const struct poc_record *r)
{
	return r->key_hash;
}

const uint8_t *poc_record_bundle_hash(const struct poc_record *r)
{
	return r->bundle_hash;
}

const char *poc_record_policy_id(const struct poc_record *r)
{
	return r->policy_id;
}

const char *poc_record_denied_clause(const struct poc_record *r)
{
	return r->denied_clause;
}

/* ---- JSON ---- */

/* Where a map sits decides how its integer keys read. */
enum ctx { CTX_TOP, CTX_VERIFIER, CTX_SUBMODS, CTX_APPRAISAL, CTX_OTHER };

static const char *key_name(enum ctx c, int64_t k)
{
	if (c == CTX_TOP) {
		switch (k) {
		case POC_RK_EXP: return "exp";
		case POC_RK_IAT: return "iat";
		case POC_RK_NONCE: return "eat_nonce";
		case POC_RK_PROFILE: return "eat_profile";
		case POC_RK_SUBMODS: return "submods";
		case POC_RK_STATUS: return "ear.status";
		case POC_RK_TRUST_VECTOR: return "ear.trustworthiness-vector";
		case POC_RK_POLICY_IDS: return "ear.appraisal-policy-ids";
		case POC_RK_VERIFIER_ID: return "ear.verifier-id";
		case POC_RK_ANNOTATED: return "ear.veraison.annotated-evidence";
		case POC_RK_CKA_ID: return "poc.cka_id";
		case POC_RK_KEY_HASH: return "poc.key_sha256";
		case POC_RK_BUNDLE_HASH: return "poc.bundle_sha256";
		case POC_RK_NOTES: return "poc.notes";
		default: return NULL;
		}
	}
	if (c == CTX_APPRAISAL) {
		switch (k) {
		case POC_RK_STATUS: return "ear.status";
		case POC_RK_TRUST_VECTOR: return "ear.trustworthiness-vector";
		case POC_RK_ANNOTATED: return "ear.veraison.annotated-evidence";
		default: return NULL;
		}
	}
	if (c == CTX_VERIFIER)
		return k == 0 ? "developer" : k == 1 ? "build" : NULL;
	return NULL;
}

static json_object *to_json(const cbor_item_t *i, enum ctx c);

static json_object *map_to_json(const cbor_item_t *m, enum ctx c)
{
	json_object *o = json_object_new_object();
	const struct cbor_pair *p = cbor_map_handle(m);
	size_t i;

	for (i = 0; o && i < cbor_map_size(m); i++) {
		char kbuf[32], *tkey = NULL;
		const char *kname = NULL;
		enum ctx sub = CTX_OTHER;
		json_object *v;
		int64_t k;
		int is_status = 0, st;

		if (get_int(p[i].key, &k) == 0) {
			kname = key_name(c, k);
			if (kname == NULL) {
				snprintf(kbuf, sizeof(kbuf), "%lld", (long long)k);
				kname = kbuf;
			}
			is_status = (c == CTX_TOP || c == CTX_APPRAISAL) && k == POC_RK_STATUS;
			if (c == CTX_TOP && k == POC_RK_VERIFIER_ID)
				sub = CTX_VERIFIER;
			else if (c == CTX_TOP && k == POC_RK_SUBMODS)
				sub = CTX_SUBMODS;
		} else if (is_text(p[i].key)) {
			kname = tkey = text_dup(p[i].key);
			if (c == CTX_SUBMODS)
				sub = CTX_APPRAISAL;
		} else {
			kname = "(non-text key)";
		}
		if (kname == NULL) {
			json_object_put(o);
			return NULL;
		}
		if (is_status && get_status(p[i].value, &st) == 0)
			v = json_object_new_string(poc_ear_status_name((enum poc_ear_status)st));
		else
			v = to_json(p[i].value, sub);
		json_object_object_add(o, kname, v);
		free(tkey);
	}
	return o;
}

static json_object *to_json(const cbor_item_t *i, enum ctx c)
{
	json_object *a;
	char *s;
	int64_t v;
	size_t j;

	switch (cbor_typeof(i)) {
	case CBOR_TYPE_UINT:
	case CBOR_TYPE_NEGINT:
		if (get_int(i, &v) == 0)
			return json_object_new_int64(v);
		return json_object_new_string(cbor_isa_uint(i) ? "(integer > 2^63)" : "(integer < -2^63)");
	case CBOR_TYPE_BYTESTRING:
		if (!is_bstr(i))
			return json_object_new_string("(chunked byte string)");
		s = poc_hex_dup(cbor_bytestring_handle(i), cbor_bytestring_length(i));
		a = s ? json_object_new_string(s) : NULL;
		free(s);
		return a;
	case CBOR_TYPE_STRING:
		if (!is_text(i))
			return json_object_new_string("(chunked text)");
		return json_object_new_string_len((const char *)cbor_string_handle(i), (int)cbor_string_length(i));
	case CBOR_TYPE_ARRAY:
		a = json_object_new_array();
		for (j = 0; a && j < cbor_array_size(i); j++)
			json_object_array_add(a, to_json(cbor_array_handle(i)[j], CTX_OTHER));
		return a;
	case CBOR_TYPE_MAP:
		return map_to_json(i, c);
	case CBOR_TYPE_TAG: {
		cbor_item_t *t = cbor_tag_item(i);

		a = to_json(t, CTX_OTHER);
		cbor_decref(&t);
		return a;
	}
	case CBOR_TYPE_FLOAT_CTRL:
		if (cbor_is_bool(i))
			return json_object_new_boolean(cbor_get_bool(i));
		if (cbor_float_ctrl_is_ctrl(i))
			return NULL; /* null, undefined and other simple values */
		return json_object_new_double(cbor_float_get_float(i));
	}
	return NULL;
}

int poc_record_to_json(struct poc_err *e, const struct poc_record *r, char **json)
{
	json_object *o = to_json(r->claims, CTX_TOP), *all = json_object_new_object();
	const char *s;

	*json = NULL;
	if (o == NULL || all == NULL) {
		json_object_put(o);
		json_object_put(all);
		return poc_err_set(e, POC_ERR_NOMEM, "record JSON");
	}
	json_object_object_add(all, "alg", json_object_new_string(r->alg == POC_COSE_ES256 ? "ES256" : "ES384"));
	json_object_object_add(all, "claims", o);
	s = json_object_to_json_string_ext(all, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s != NULL)
		*json = strdup(s);
	json_object_put(all);
	if (*json == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "record JSON");
	return 0;
}
