/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The attestation record, written: EAR claims from an appraisal, signed
 * ES256/ES384 into a COSE_Sign1 (see record.h). Reading a record back is
 * record_decode.c; its readable JSON, record_json.c.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "record_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/objects.h>

#include "cbor_util.h"
#include "ecdsa_sig.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

/* The only two protected headers we write or accept: {1: -7} and {1: -35}. */
const uint8_t poc_record_prot_es256[3] = { 0xa1, 0x01, 0x26 };
const uint8_t poc_record_prot_es384[4] = { 0xa1, 0x01, 0x38, 0x22 };

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

static int add_i(cbor_item_t *map, int64_t key, cbor_item_t *v)
{
	return poc_cbor_add(map, build_int(key), v);
}

static int add_s(cbor_item_t *map, const char *key, cbor_item_t *v)
{
	return poc_cbor_add(map, cbor_build_string(key), v);
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

		if (poc_cbor_add(m, cbor_incref(p->key), cbor_incref(p->value)) < 0)
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
	cbor_item_t *m = cbor_new_definite_map(14);

	if (m == NULL)
		return NULL;
	if (add_text(m, "provider", a->provider) < 0 || add_text(m, "provider_chain", a->provider_chain) < 0 ||
	    add_text(m, "platform", a->platform) < 0)
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

/*
 * A denial names its clause, reason and error code in the poc submod itself;
 * an acceptance that is not affirming names the clause it could not establish.
 */
static cbor_item_t *denial(const struct poc_appraisal *a)
{
	cbor_item_t *m = cbor_new_definite_map(3);

	if (m == NULL)
		return NULL;
	if (a->accepted) {
		if (add_s(m, "warning_clause", cbor_build_string(a->warn_clause)) < 0 ||
		    add_s(m, "warning_reason", cbor_build_string(a->warning)) < 0) {
			cbor_decref(&m);
			return NULL;
		}
		return m;
	}
	if (add_s(m, "denied_clause", cbor_build_string(a->clause[0] ? a->clause : "$")) < 0 ||
	    add_s(m, "denied_reason", cbor_build_string(a->reason)) < 0 ||
	    add_s(m, "denied_code", cbor_build_string(poc_strerror(a->code))) < 0) {
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

/* n strings, stride bytes apart from base, as an array of text. */
static int add_texts(cbor_item_t *m, int64_t key, const char *base, size_t stride, size_t n)
{
	cbor_item_t *arr = cbor_new_definite_array(n), *t;

	for (size_t i = 0; arr != NULL && i < n; i++) {
		t = cbor_build_string(base + i * stride);
		if (t == NULL || !cbor_array_push(arr, t)) {
			if (t)
				cbor_decref(&t);
			cbor_decref(&arr);
			return -1;
		}
		cbor_decref(&t);
	}
	return arr == NULL ? -1 : add_i(m, key, arr);
}

/*
 * The attestation levels: poc.al.nominal, .trustworthy, .basis, .trusts,
 * .needs (every record has them). A denial reaches no level, whoever turned
 * the appraisal into one (a release denied after it, for a changed PCR).
 */
static int levels_claims(cbor_item_t *m, const struct poc_appraisal *a)
{
	struct poc_levels zero;
	const struct poc_levels *al = &a->al;
	cbor_item_t *needs = cbor_new_definite_map(2);

	if (!a->accepted) {
		memset(&zero, 0, sizeof(zero));
		memcpy(zero.need_nominal, a->al.need_nominal, sizeof(zero.need_nominal));
		memcpy(zero.need_trustworthy, a->al.need_trustworthy, sizeof(zero.need_trustworthy));
		al = &zero;
	}

	if (needs == NULL || add_text(needs, "nominal", al->need_nominal) < 0 ||
	    add_text(needs, "trustworthy", al->need_trustworthy) < 0) {
		if (needs)
			cbor_decref(&needs);
		return -1;
	}
	if (add_i(m, POC_RK_AL_NOMINAL, build_uint((uint64_t)al->nominal)) < 0 ||
	    add_i(m, POC_RK_AL_TRUSTWORTHY, build_uint((uint64_t)al->trustworthy)) < 0 ||
	    add_texts(m, POC_RK_AL_BASIS, al->basis[0], sizeof(al->basis[0]), al->nbasis) < 0 ||
	    add_texts(m, POC_RK_AL_TRUSTS, al->trusts[0], sizeof(al->trusts[0]), al->ntrusts) < 0) {
		cbor_decref(&needs);
		return -1;
	}
	return add_i(m, POC_RK_AL_NEEDS, needs);
}

static cbor_item_t *build_claims(struct poc_err *e, const struct poc_appraisal *a, const struct poc_appraise_opts *o,
				 const struct poc_record_bind *bind, int64_t at, int64_t ttl)
{
	cbor_item_t *m = cbor_new_definite_map(21), *vid = NULL, *sub = NULL, *pol = NULL, *nt;
	enum poc_ear_status top = worst(worst(a->tee, a->vtpm), a->poc);
	cbor_item_t *den = NULL;
	char build[128];
	int rc;

	/* A denial is contraindicated overall even if the failing part left its own status unset. */
	if (!a->accepted)
		top = POC_EAR_CONTRAINDICATED;
	else if (a->warn_clause[0] != '\0')
		top = worst(top, POC_EAR_WARNING);
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
	if ((!a->accepted || a->warn_clause[0] != '\0') && (den = denial(a)) == NULL)
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
	if (levels_claims(m, a) < 0 || (nt = notes(a)) == NULL ||
	    (cbor_array_size(nt) ? add_i(m, POC_RK_NOTES, nt) : (cbor_decref(&nt), 0)) < 0)
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
int poc_record_key_alg(struct poc_err *e, EVP_PKEY *key, int *alg)
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

/* ECDSA over tbs, as COSE wants it: raw r || s, each left-padded to the curve size. */
static int ecdsa_sign(struct poc_err *e, EVP_PKEY *key, int alg, const uint8_t *tbs, size_t tbs_len, uint8_t *sig)
{
	if (poc_ecdsa_sign_raw(key, poc_record_alg_md(alg), tbs, tbs_len, sig, poc_record_alg_half(alg)) < 0)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "record signature");
	return 0;
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
	if (poc_record_key_alg(e, key, &alg) < 0)
		return -1;
	prot = alg == POC_COSE_ES256 ? poc_record_prot_es256 : poc_record_prot_es384;
	prot_len = alg == POC_COSE_ES256 ? sizeof(poc_record_prot_es256) : sizeof(poc_record_prot_es384);
	half = poc_record_alg_half(alg);
	claims = build_claims(e, a, o, bind, at, ttl);
	if (claims == NULL)
		return -1;
	plen = cbor_serialize_alloc(claims, &payload, &cap);
	if (plen == 0) {
		poc_err_set(e, POC_ERR_NOMEM, "record claims encoding");
		goto done;
	}
	tbs = poc_cose_sig_structure(prot, prot_len, payload, plen, &tbs_len);
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
	poc_cbor_bstr_put(&p, prot, prot_len);
	*p++ = 0xa0;
	poc_cbor_bstr_put(&p, payload, plen);
	poc_cbor_bstr_put(&p, sig, 2 * half);
	*out = buf;
	*outlen = (size_t)(p - buf);
	rv = 0;
done:
	free(tbs);
	free(payload);
	cbor_decref(&claims);
	return rv;
}
