/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The attestation record, read: strict decoding of the COSE_Sign1 and the
 * claims it interprets, the signature check, and the accessors (see record.h).
 */
#include "record_int.h"

#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <openssl/crypto.h>

#include "cbor_util.h"
#include "ecdsa_sig.h"

/* Bounds on the claims we walk; far above what poc_record_sign writes. */
#define MAX_TOP_CLAIMS 64
#define MAX_SUBMODS 16
#define MAX_SUBMOD_CLAIMS 64

static const char *const submod_names[3] = { "tee", "vtpm", "poc" };

/* ---- reading CBOR items (record_json.c reads with these too) ---- */

int poc_record_cbor_status(const cbor_item_t *i, int *st)
{
	int64_t v;

	if (poc_cbor_int(i, &v) < 0 ||
	    (v != POC_EAR_NONE && v != POC_EAR_AFFIRMING && v != POC_EAR_WARNING && v != POC_EAR_CONTRAINDICATED))
		return -1;
	*st = (int)v;
	return 0;
}

char *poc_record_cbor_text_dup(const cbor_item_t *i)
{
	size_t n = cbor_string_length(i);
	char *s = malloc(n + 1);

	if (s != NULL) {
		memcpy(s, cbor_string_handle(i), n);
		s[n] = '\0';
	}
	return s;
}

/* ---- decoding ---- */

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

		if (poc_cbor_key_repeats(p, i))
			return poc_err_set(e, POC_ERR_MALFORMED, "record submod %s: duplicate claim", submod_names[which]);
		if (poc_cbor_int(p[i].key, &k) == 0) {
			if (k == POC_RK_STATUS) {
				if (poc_record_cbor_status(p[i].value, &r->sub_status[which]) < 0)
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
					if (!poc_cbor_is_text(q[j].key) || poc_cbor_key_repeats(q, j))
						return poc_err_set(e, POC_ERR_MALFORMED,
								   "record submod %s: claim keys must be unique text",
								   submod_names[which]);
			}
		} else if (poc_cbor_text_is(p[i].key, "denied_clause")) {
			if (which != 2 || !poc_cbor_is_text(p[i].value) || r->denied_clause != NULL)
				return poc_err_set(e, POC_ERR_MALFORMED, "record submod %s: bad denied_clause",
						   submod_names[which]);
			r->denied_clause = poc_record_cbor_text_dup(p[i].value);
			if (r->denied_clause == NULL)
				return poc_err_set(e, POC_ERR_NOMEM, "record denied_clause");
		} else if (!poc_cbor_is_text(p[i].key)) {
			return poc_err_set(e, POC_ERR_MALFORMED, "record submod %s: claim key of CBOR type %d",
					   submod_names[which], (int)cbor_typeof(p[i].key));
		}
	}
	if (!have_status)
		return poc_err_set(e, POC_ERR_MALFORMED, "record submod %s: no ear.status", submod_names[which]);
	return 0;
}

/* A submod we do not interpret: 1 when its ear.status says contraindicated or none (nothing a consumer could trust). */
static int other_is_negative(const cbor_item_t *m)
{
	const struct cbor_pair *p = cbor_map_handle(m);
	size_t i;
	int64_t k;
	int st;

	for (i = 0; i < cbor_map_size(m); i++)
		if (poc_cbor_int(p[i].key, &k) == 0 && k == POC_RK_STATUS)
			return poc_record_cbor_status(p[i].value, &st) == 0 &&
			       (st == POC_EAR_CONTRAINDICATED || st == POC_EAR_NONE);
	return 1; /* no status: no appraisal */
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
		if (!poc_cbor_is_text(p[i].key) || poc_cbor_key_repeats(p, i))
			return poc_err_set(e, POC_ERR_MALFORMED, "record submods: names must be unique text");
		for (w = 0; w < 3; w++)
			if (poc_cbor_text_is(p[i].key, submod_names[w]))
				break;
		/* Other submods are allowed (EAR is open) but must still be appraisal maps. */
		if (w == 3) {
			if (!cbor_isa_map(p[i].value))
				return poc_err_set(e, POC_ERR_MALFORMED, "record submods: a submod is not a map");
			if (!other_is_negative(p[i].value))
				r->other_positive = 1;
			continue;
		}
		if (decode_submod(e, r, w, p[i].value) < 0)
			return -1;
	}
	return 0;
}

static int decode_bstr32(struct poc_err *e, const cbor_item_t *v, const uint8_t **out, const char *what)
{
	if (!poc_cbor_is_bstr(v) || cbor_bytestring_length(v) != 32)
		return poc_err_set(e, POC_ERR_MALFORMED, "record %s: not a 32-byte string", what);
	*out = cbor_bytestring_handle(v);
	return 0;
}

enum { SEEN_PROFILE = 1, SEEN_IAT = 2, SEEN_STATUS = 4, SEEN_SUBMODS = 8 };

static int decode_policy_ids(struct poc_err *e, struct poc_record *r, const cbor_item_t *v)
{
	size_t j;

	if (!cbor_isa_array(v) || cbor_array_size(v) == 0)
		return poc_err_set(e, POC_ERR_MALFORMED, "record ear.appraisal-policy-ids: not an array");
	for (j = 0; j < cbor_array_size(v); j++) {
		cbor_item_t *s = cbor_array_handle(v)[j];

		if (!poc_cbor_is_text(s))
			return poc_err_set(e, POC_ERR_MALFORMED, "record ear.appraisal-policy-ids: not text");
		if (j == 0 && (r->policy_id = poc_record_cbor_text_dup(s)) == NULL)
			return poc_err_set(e, POC_ERR_NOMEM, "record policy id");
	}
	return 0;
}

/* The attestation level claims: levels 0-4, arrays of text, a map of text. */
static int decode_levels(struct poc_err *e, struct poc_record *r, int64_t k, const cbor_item_t *v)
{
	int64_t n;
	size_t j;

	if (k == POC_RK_AL_NOMINAL || k == POC_RK_AL_TRUSTWORTHY) {
		if (!cbor_isa_uint(v) || poc_cbor_int(v, &n) < 0 || n > 4)
			return poc_err_set(e, POC_ERR_MALFORMED, "record poc.al: not a level 0 to 4");
		*(k == POC_RK_AL_NOMINAL ? &r->al_nominal : &r->al_trustworthy) = (int)n;
		return 0;
	}
	if (k == POC_RK_AL_NEEDS) {
		if (!cbor_isa_map(v))
			return poc_err_set(e, POC_ERR_MALFORMED, "record poc.al.needs: not a map");
		for (j = 0; j < cbor_map_size(v); j++)
			if (!poc_cbor_is_text(cbor_map_handle(v)[j].key) || !poc_cbor_is_text(cbor_map_handle(v)[j].value))
				return poc_err_set(e, POC_ERR_MALFORMED, "record poc.al.needs: not text");
		return 0;
	}
	if (!cbor_isa_array(v))
		return poc_err_set(e, POC_ERR_MALFORMED, "record poc.al: not an array");
	for (j = 0; j < cbor_array_size(v); j++)
		if (!poc_cbor_is_text(cbor_array_handle(v)[j]))
			return poc_err_set(e, POC_ERR_MALFORMED, "record poc.al: not text");
	return 0;
}

/* One top-level claim k = v; *seen collects the required ones. */
static int decode_claim(struct poc_err *e, struct poc_record *r, int64_t k, const cbor_item_t *v, unsigned *seen)
{
	size_t j;
	int st;

	switch (k) {
	case POC_RK_PROFILE:
		if (!poc_cbor_text_is(v, POC_RECORD_PROFILE))
			return poc_err_set(e, POC_ERR_UNSUPPORTED, "record: not an EAR (eat_profile)");
		*seen |= SEEN_PROFILE;
		break;
	case POC_RK_IAT:
	case POC_RK_EXP:
		if (!cbor_isa_uint(v) || poc_cbor_int(v, k == POC_RK_IAT ? &r->iat : &r->exp) < 0)
			return poc_err_set(e, POC_ERR_MALFORMED, "record %s: not a time", k == POC_RK_IAT ? "iat" : "exp");
		if (k == POC_RK_IAT)
			*seen |= SEEN_IAT;
		break;
	case POC_RK_NONCE:
		if (!poc_cbor_is_bstr(v) || cbor_bytestring_length(v) == 0 || cbor_bytestring_length(v) > 64)
			return poc_err_set(e, POC_ERR_MALFORMED, "record eat_nonce: not 1 to 64 bytes");
		r->nonce = cbor_bytestring_handle(v);
		r->nonce_len = cbor_bytestring_length(v);
		break;
	case POC_RK_STATUS:
		if (poc_record_cbor_status(v, &st) < 0)
			return poc_err_set(e, POC_ERR_MALFORMED, "record ear.status: not an EAR status");
		r->status = (enum poc_ear_status)st;
		*seen |= SEEN_STATUS;
		break;
	case POC_RK_SUBMODS:
		if (decode_submods(e, r, v) < 0)
			return -1;
		*seen |= SEEN_SUBMODS;
		break;
	case POC_RK_VERIFIER_ID:
		if (!cbor_isa_map(v))
			return poc_err_set(e, POC_ERR_MALFORMED, "record ear.verifier-id: not a map");
		break;
	case POC_RK_POLICY_IDS:
		return decode_policy_ids(e, r, v);
	case POC_RK_CKA_ID:
		if (!poc_cbor_is_bstr(v))
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
			if (!poc_cbor_is_text(cbor_array_handle(v)[j]))
				return poc_err_set(e, POC_ERR_MALFORMED, "record notes: not text");
		break;
	case POC_RK_AL_NOMINAL:
	case POC_RK_AL_TRUSTWORTHY:
	case POC_RK_AL_BASIS:
	case POC_RK_AL_TRUSTS:
	case POC_RK_AL_NEEDS:
		return decode_levels(e, r, k, v);
	default:
		break; /* other claims are shown, not interpreted */
	}
	return 0;
}

static int decode_claims(struct poc_err *e, struct poc_record *r)
{
	const cbor_item_t *m = r->claims;
	const struct cbor_pair *p;
	size_t i, n;
	unsigned seen = 0;

	if (!cbor_isa_map(m) || (n = cbor_map_size(m)) > MAX_TOP_CLAIMS)
		return poc_err_set(e, POC_ERR_MALFORMED, "record claims: not a map of at most %d claims", MAX_TOP_CLAIMS);
	p = cbor_map_handle(m);
	for (i = 0; i < n; i++) {
		int64_t k;

		if (poc_cbor_int(p[i].key, &k) < 0)
			return poc_err_set(e, POC_ERR_MALFORMED, "record claims: a key is not an integer");
		if (poc_cbor_key_repeats(p, i))
			return poc_err_set(e, POC_ERR_MALFORMED, "record claims: key %lld twice", (long long)k);
		if (decode_claim(e, r, k, p[i].value, &seen) < 0)
			return -1;
	}
	if (!(seen & SEEN_PROFILE) || !(seen & SEEN_IAT) || !(seen & SEEN_STATUS) || !(seen & SEEN_SUBMODS))
		return poc_err_set(e, POC_ERR_MALFORMED, "record claims: missing %s",
				   !(seen & SEEN_PROFILE) ? "eat_profile" : !(seen & SEEN_IAT) ? "iat"
				   : !(seen & SEEN_STATUS) ? "ear.status" : "submods");
	if (r->exp != 0 && r->exp < r->iat)
		return poc_err_set(e, POC_ERR_MALFORMED, "record: exp before iat");
	return 0;
}

/* The COSE_Sign1 around the claims: our exact protected header, no unprotected one, the payload and r || s. */
static int decode_envelope(struct poc_err *e, struct poc_record *r, cbor_item_t *const it[4])
{
	const uint8_t *prot;
	size_t prot_len;

	/* The protected header is signed, but we still accept only the exact bytes we write. */
	if (!poc_cbor_is_bstr(it[0]))
		return poc_err_set(e, POC_ERR_MALFORMED, "record: protected header is not a byte string");
	prot = cbor_bytestring_handle(it[0]);
	prot_len = cbor_bytestring_length(it[0]);
	if (prot_len == sizeof(poc_record_prot_es256) && memcmp(prot, poc_record_prot_es256, prot_len) == 0) {
		r->alg = POC_COSE_ES256;
	} else if (prot_len == sizeof(poc_record_prot_es384) && memcmp(prot, poc_record_prot_es384, prot_len) == 0) {
		r->alg = POC_COSE_ES384;
	} else {
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "record: protected header is not {alg: ES256|ES384}");
	}
	/* The unprotected header is not signed: anything in it would be unauthenticated. */
	if (!cbor_isa_map(it[1]) || !cbor_map_is_definite(it[1]) || cbor_map_size(it[1]) != 0)
		return poc_err_set(e, POC_ERR_MALFORMED, "record: unprotected header is not empty");
	if (!poc_cbor_is_bstr(it[2]) || cbor_bytestring_length(it[2]) == 0)
		return poc_err_set(e, POC_ERR_MALFORMED, "record: payload is not a byte string");
	if (!poc_cbor_is_bstr(it[3]) || cbor_bytestring_length(it[3]) != 2 * poc_record_alg_half(r->alg))
		return poc_err_set(e, POC_ERR_MALFORMED, "record: signature is not %zu bytes", 2 * poc_record_alg_half(r->alg));
	r->sig_len = cbor_bytestring_length(it[3]);
	memcpy(r->sig, cbor_bytestring_handle(it[3]), r->sig_len);
	r->payload_len = cbor_bytestring_length(it[2]);
	r->payload = malloc(r->payload_len);
	if (r->payload == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "record payload");
	memcpy(r->payload, cbor_bytestring_handle(it[2]), r->payload_len);
	return 0;
}

int poc_record_decode(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_record **out)
{
	struct poc_record *r = NULL;
	cbor_item_t *arr = NULL, *it[4] = { NULL, NULL, NULL, NULL };
	size_t i;
	int rv = -1;

	*out = NULL;
	if (len > POC_RECORD_MAX)
		return poc_err_set(e, POC_ERR_MALFORMED, "record: %zu bytes (at most %u)", len, POC_RECORD_MAX);
	/*
	 * libcbor 0.8's cbor_load fails on any tag around an array or map, so the
	 * tag is read here: only its one-byte preferred encoding, as we write it.
	 */
	if (len == 0 || buf[0] != 0xc0 + POC_COSE_TAG_SIGN1)
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
	r->al_nominal = r->al_trustworthy = -1;
	if (decode_envelope(e, r, it) < 0)
		goto done;
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
	uint8_t *tbs = NULL;
	size_t tbs_len;
	int alg, v;

	if (r == NULL)
		return poc_err_set(e, POC_ERR_ARG, "record verify: no record");
	if (poc_record_key_alg(e, pub, &alg) < 0)
		return -1;
	if (alg != r->alg)
		return poc_err_set(e, POC_ERR_SIGNATURE, "record signature: the key's curve does not match %s",
				   r->alg == POC_COSE_ES256 ? "ES256" : "ES384");
	tbs = poc_cose_sig_structure(r->alg == POC_COSE_ES256 ? poc_record_prot_es256 : poc_record_prot_es384,
				     r->alg == POC_COSE_ES256 ? sizeof(poc_record_prot_es256)
							      : sizeof(poc_record_prot_es384),
				     r->payload, r->payload_len, &tbs_len);
	if (tbs == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "record signature");
	v = poc_ecdsa_verify_raw(pub, poc_record_alg_md(alg), r->sig, 2 * poc_record_alg_half(alg), tbs, tbs_len);
	free(tbs);
	if (v < 0)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "record signature check");
	if (v == 0)
		return poc_err_ssl(e, POC_ERR_SIGNATURE, "record signature does not verify");
	return 0;
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

int poc_record_al_nominal(const struct poc_record *r)
{
	return r->al_nominal;
}

int poc_record_al_trustworthy(const struct poc_record *r)
{
	return r->al_trustworthy;
}

const char *poc_record_denied_clause(const struct poc_record *r)
{
	return r->denied_clause;
}

/* A status that says nothing positive: contraindicated, none, or no such submod. */
static int negative(int st)
{
	return st == POC_EAR_CONTRAINDICATED || st == POC_EAR_NONE || st == -1;
}

int poc_record_is_denial(const struct poc_record *r)
{
	/* A level above 0 is a positive claim too. */
	return r->status == POC_EAR_CONTRAINDICATED && r->sub_status[2] == POC_EAR_CONTRAINDICATED &&
	       negative(r->sub_status[0]) && negative(r->sub_status[1]) && !r->other_positive &&
	       r->al_nominal <= 0 && r->al_trustworthy <= 0;
}
