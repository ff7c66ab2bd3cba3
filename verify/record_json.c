/* SPDX-License-Identifier: Apache-2.0 */
/* The attestation record as readable JSON: claim keys named, statuses spelled out, bytes in hex. */
#include "record_int.h"

#include "cbor_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <json-c/json.h>

#include "hex.h"

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
		case POC_RK_AL_NOMINAL: return "poc.al.nominal";
		case POC_RK_AL_TRUSTWORTHY: return "poc.al.trustworthy";
		case POC_RK_AL_BASIS: return "poc.al.basis";
		case POC_RK_AL_TRUSTS: return "poc.al.trusts";
		case POC_RK_AL_NEEDS: return "poc.al.needs";
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

		if (poc_cbor_int(p[i].key, &k) == 0) {
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
		} else if (poc_cbor_is_text(p[i].key)) {
			kname = tkey = poc_record_cbor_text_dup(p[i].key);
			if (c == CTX_SUBMODS)
				sub = CTX_APPRAISAL;
		} else {
			kname = "(non-text key)";
		}
		if (kname == NULL) {
			json_object_put(o);
			return NULL;
		}
		if (is_status && poc_record_cbor_status(p[i].value, &st) == 0)
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
		if (poc_cbor_int(i, &v) == 0)
			return json_object_new_int64(v);
		return json_object_new_string(cbor_isa_uint(i) ? "(integer > 2^63)" : "(integer < -2^63)");
	case CBOR_TYPE_BYTESTRING:
		if (!poc_cbor_is_bstr(i))
			return json_object_new_string("(chunked byte string)");
		s = poc_hex_dup(cbor_bytestring_handle(i), cbor_bytestring_length(i));
		a = s ? json_object_new_string(s) : NULL;
		free(s);
		return a;
	case CBOR_TYPE_STRING:
		if (!poc_cbor_is_text(i))
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
		if (poc_cbor_is_bool(i))
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
