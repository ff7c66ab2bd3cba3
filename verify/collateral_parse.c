/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Intel DCAP collateral for TDX, parsed: strict JSON reading of TCB Info v3
 * and QE Identity v2, and Intel PCS dates (the raw bytes their signatures
 * cover are found by collateral_signed.c). Field rules follow Intel's PCS API (TCB Info v3 / Enclave Identity
 * v2) and the DCAP QVL (QuoteVerifier.cpp, 4.1.2.4.x). collateral.c verifies.
 */
#include "collateral_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "hex.h"
#include "tcb_eval.h"

#define MAX_LEVELS 256
#define MAX_ADVISORIES 64

/* ---- strict JSON field readers ----------------------------------------- */

static struct json_object *get(struct poc_err *e, const char *what, struct json_object *o,
			       const char *key, enum json_type t)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL) {
		poc_err_set(e, POC_ERR_MALFORMED, "%s: missing \"%s\"", what, key);
		return NULL;
	}
	if (!json_object_is_type(v, t)) {
		poc_err_set(e, POC_ERR_MALFORMED, "%s: \"%s\" is a %s, want a %s", what, key,
			    json_type_to_name(json_object_get_type(v)), json_type_to_name(t));
		return NULL;
	}
	return v;
}

static int get_int(struct poc_err *e, const char *what, struct json_object *o, const char *key,
		   int64_t min, int64_t max, int64_t *out)
{
	struct json_object *v = get(e, what, o, key, json_type_int);
	int64_t x;

	if (v == NULL)
		return -1;
	x = json_object_get_int64(v);
	if (x < min || x > max)
		return poc_err_set(e, POC_ERR_MALFORMED, "%s: \"%s\" = %lld out of range", what, key,
				   (long long)x);
	*out = x;
	return 0;
}

static const char *get_str(struct poc_err *e, const char *what, struct json_object *o, const char *key)
{
	struct json_object *v = get(e, what, o, key, json_type_string);

	return v == NULL ? NULL : json_object_get_string(v);
}

/* A hex string of exactly n bytes. */
static int get_hex(struct poc_err *e, const char *what, struct json_object *o, const char *key,
		   uint8_t *out, size_t n)
{
	const char *s = get_str(e, what, o, key);
	struct poc_err scratch = { 0 }; /* our message names the field; hex.c's would not */
	size_t got = 0;

	if (s == NULL)
		return -1;
	if (strlen(s) != 2 * n || poc_hex_decode(&scratch, s, 2 * n, out, n, &got) < 0 || got != n)
		return poc_err_set(e, POC_ERR_MALFORMED, "%s: \"%s\" is not %zu hex bytes", what, key, n);
	return 0;
}

int poc_days_from_civil(int64_t y, int m, int d, int64_t *out)
{
	/* Howard Hinnant's days_from_civil: no libc time zone state involved. */
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	*out = era * 146097 + doe - 719468;
	return 0;
}

int poc_collateral_parse_date(struct poc_err *e, const char *s, int64_t *out)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int v[6], i, k = 0;
	static const int pos[6][2] = { { 0, 4 }, { 5, 2 }, { 8, 2 }, { 11, 2 }, { 14, 2 }, { 17, 2 } };
	int64_t days;

	if (s == NULL || strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[19] != 'Z')
		return poc_err_set(e, POC_ERR_MALFORMED, "date \"%s\" is not YYYY-MM-DDTHH:MM:SSZ",
				   s ? s : "");
	for (i = 0; i < 6; i++) {
		v[i] = 0;
		for (k = pos[i][0]; k < pos[i][0] + pos[i][1]; k++) {
			if (s[k] < '0' || s[k] > '9')
				return poc_err_set(e, POC_ERR_MALFORMED, "date \"%s\": not a digit", s);
			v[i] = v[i] * 10 + (s[k] - '0');
		}
	}
	if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > mdays[v[1] - 1] || v[3] > 23 || v[4] > 59 ||
	    v[5] > 60)
		return poc_err_set(e, POC_ERR_MALFORMED, "date \"%s\" out of range", s);
	poc_days_from_civil(v[0], v[1], v[2], &days);
	*out = days * 86400 + v[3] * 3600 + v[4] * 60 + v[5];
	return 0;
}

static int get_date(struct poc_err *e, const char *what, struct json_object *o, const char *key,
		    int64_t *out, char *copy, size_t copylen)
{
	const char *s = get_str(e, what, o, key);

	if (s == NULL || poc_collateral_parse_date(e, s, out) < 0)
		return poc_err_set(e, POC_ERR_MALFORMED, "%s: \"%s\" is not a date", what, key);
	if (copy != NULL)
		snprintf(copy, copylen, "%s", s);
	return 0;
}

static int get_status(struct poc_err *e, const char *what, struct json_object *o, int *out)
{
	const char *s = get_str(e, what, o, "tcbStatus");
	enum poc_tcb_status st;

	if (s == NULL)
		return -1;
	if (poc_tcb_status_from_name(s, &st) < 0)
		return poc_err_set(e, POC_ERR_MALFORMED, "%s: unknown tcbStatus \"%.40s\"", what, s);
	*out = (int)st;
	return 0;
}

/* Optional "advisoryIDs": an array of strings, joined with commas. */
static int get_advisories(struct poc_err *e, const char *what, struct json_object *o, char **out)
{
	struct json_object *a = NULL;
	size_t n, i, total = 1;
	char *s;

	*out = NULL;
	if (!json_object_object_get_ex(o, "advisoryIDs", &a)) {
		*out = strdup("");
		return *out == NULL ? poc_err_set(e, POC_ERR_NOMEM, "%s: advisories", what) : 0;
	}
	if (!json_object_is_type(a, json_type_array))
		return poc_err_set(e, POC_ERR_MALFORMED, "%s: \"advisoryIDs\" is not an array", what);
	n = json_object_array_length(a);
	if (n > MAX_ADVISORIES)
		return poc_err_set(e, POC_ERR_MALFORMED, "%s: %zu advisoryIDs", what, n);
	for (i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(a, i);

		if (!json_object_is_type(v, json_type_string) || json_object_get_string_len(v) > 64)
			return poc_err_set(e, POC_ERR_MALFORMED, "%s: advisoryIDs[%zu] is not a short string",
					   what, i);
		total += (size_t)json_object_get_string_len(v) + 1;
	}
	s = malloc(total);
	if (s == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "%s: advisories", what);
	total = 0;
	for (i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(a, i);
		size_t l = (size_t)json_object_get_string_len(v);

		if (i > 0)
			s[total++] = ',';
		memcpy(s + total, json_object_get_string(v), l);
		total += l;
	}
	s[total] = '\0';
	*out = s;
	return 0;
}

/* An array of objects, 1..MAX_LEVELS long. */
static struct json_object *get_levels(struct poc_err *e, const char *what, struct json_object *o,
				      const char *key, size_t *n)
{
	struct json_object *a = get(e, what, o, key, json_type_array);
	size_t i;

	if (a == NULL)
		return NULL;
	*n = json_object_array_length(a);
	if (*n == 0 || *n > MAX_LEVELS) {
		poc_err_set(e, POC_ERR_MALFORMED, "%s: \"%s\" has %zu entries", what, key, *n);
		return NULL;
	}
	for (i = 0; i < *n; i++) {
		if (!json_object_is_type(json_object_array_get_idx(a, i), json_type_object)) {
			poc_err_set(e, POC_ERR_MALFORMED, "%s: %s[%zu] is not an object", what, key, i);
			return NULL;
		}
	}
	return a;
}

/* ---- TCB Info and QE Identity ------------------------------------------ */

/* tcbLevels of a TDX module identity or of the QE Identity: {"tcb":{"isvsvn":N},...}. */
static int parse_isv_levels(struct poc_err *e, const char *what, struct json_object *o,
			    struct poc_isv_level **out, size_t *nout)
{
	size_t n, i;
	struct json_object *a = get_levels(e, what, o, "tcbLevels", &n);
	int64_t x, d;

	if (a == NULL)
		return -1;
	*out = calloc(n, sizeof(**out));
	if (*out == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "%s: levels", what);
	*nout = n;
	for (i = 0; i < n; i++) {
		struct json_object *l = json_object_array_get_idx(a, i), *t;
		struct poc_isv_level *lv = &(*out)[i];

		t = get(e, what, l, "tcb", json_type_object);
		if (t == NULL || get_int(e, what, t, "isvsvn", 0, 65535, &x) < 0 ||
		    get_date(e, what, l, "tcbDate", &d, lv->date, sizeof(lv->date)) < 0 ||
		    get_status(e, what, l, &lv->status) < 0 || get_advisories(e, what, l, &lv->advisories) < 0)
			return poc_err_set(e, POC_ERR_MALFORMED, "%s: tcbLevels[%zu]", what, i);
		lv->isvsvn = (uint16_t)x;
	}
	return 0;
}

/* 16 {"svn": N, ...} entries (category/type are informational). */
static int parse_components(struct poc_err *e, const char *what, struct json_object *t, const char *key,
			    uint8_t out[16])
{
	struct json_object *a = get(e, what, t, key, json_type_array);
	int64_t x;

	if (a == NULL)
		return -1;
	if (json_object_array_length(a) != 16)
		return poc_err_set(e, POC_ERR_MALFORMED, "%s: \"%s\" has %zu entries, want 16", what, key,
				   json_object_array_length(a));
	for (size_t i = 0; i < 16; i++) {
		struct json_object *c = json_object_array_get_idx(a, i);

		if (!json_object_is_type(c, json_type_object) || get_int(e, what, c, "svn", 0, 255, &x) < 0)
			return poc_err_set(e, POC_ERR_MALFORMED, "%s: %s[%zu]", what, key, i);
		out[i] = (uint8_t)x;
	}
	return 0;
}

/* id, version, dates, FMSPC, PCE id, tcbType and evaluation number: the header fields of TCB Info v3. */
static int parse_tcb_header(struct poc_err *e, const char *what, struct json_object *o, struct poc_tcb_info *t)
{
	const char *id;
	int64_t x;

	id = get_str(e, what, o, "id");
	if (id == NULL)
		return -1;
	if (strcmp(id, "TDX") != 0)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "TCB Info id \"%.16s\", want \"TDX\"", id);
	if (get_int(e, what, o, "version", 0, 1000, &x) < 0)
		return -1;
	if (x != 3)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "TCB Info version %lld, want 3", (long long)x);
	t->version = 3;
	if (get_date(e, what, o, "issueDate", &t->issue_date, NULL, 0) < 0 ||
	    get_date(e, what, o, "nextUpdate", &t->next_update, NULL, 0) < 0 ||
	    get_hex(e, what, o, "fmspc", t->fmspc, 6) < 0 || get_hex(e, what, o, "pceId", t->pceid, 2) < 0 ||
	    get_int(e, what, o, "tcbType", 0, 255, &x) < 0)
		return -1;
	t->tcb_type = (int)x;
	/* Only tcbType 0 is defined: SVNs compared component by component. */
	if (t->tcb_type != 0)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "TCB Info tcbType %d", t->tcb_type);
	if (get_int(e, what, o, "tcbEvaluationDataNumber", 0, INT32_MAX, &x) < 0)
		return -1;
	t->eval_number = (int)x;
	poc_hex_encode(t->fmspc, 6, t->fmspc_hex);
	poc_hex_encode(t->pceid, 2, t->pceid_hex);
	for (char *p = t->fmspc_hex; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	for (char *p = t->pceid_hex; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	return 0;
}

/* tdxModuleIdentities: optional in v3 (older TCB Info lacks it). */
static int parse_module_identities(struct poc_err *e, const char *what, struct json_object *o,
				   struct poc_tcb_info *t)
{
	struct json_object *a;
	size_t n, i;

	if (!json_object_object_get_ex(o, "tdxModuleIdentities", &a))
		return 0;
	a = get_levels(e, what, o, "tdxModuleIdentities", &n);
	if (a == NULL)
		return -1;
	t->modules = calloc(n, sizeof(*t->modules));
	if (t->modules == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "TCB Info modules");
	t->nmodules = n;
	for (i = 0; i < n; i++) {
		struct json_object *mi = json_object_array_get_idx(a, i);
		struct poc_tdx_module_id *md = &t->modules[i];
		const char *mid = get_str(e, "TCB Info tdxModuleIdentities", mi, "id");

		if (mid == NULL || strlen(mid) >= sizeof(md->id))
			return poc_err_set(e, POC_ERR_MALFORMED, "TCB Info tdxModuleIdentities[%zu]: id", i);
		strcpy(md->id, mid);
		if (get_hex(e, "TCB Info module identity", mi, "mrsigner", md->mrsigner, 48) < 0 ||
		    get_hex(e, "TCB Info module identity", mi, "attributes", md->attributes, 8) < 0 ||
		    get_hex(e, "TCB Info module identity", mi, "attributesMask", md->attributes_mask, 8) < 0 ||
		    parse_isv_levels(e, "TCB Info module identity", mi, &md->levels, &md->nlevels) < 0)
			return poc_err_set(e, POC_ERR_MALFORMED, "TCB Info tdxModuleIdentities[%zu]", i);
	}
	return 0;
}

static int parse_tcb_levels(struct poc_err *e, const char *what, struct json_object *o, struct poc_tcb_info *t)
{
	struct json_object *a;
	int64_t x;
	size_t n, i;

	a = get_levels(e, what, o, "tcbLevels", &n);
	if (a == NULL)
		return -1;
	t->levels = calloc(n, sizeof(*t->levels));
	if (t->levels == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "TCB Info levels");
	t->nlevels = n;
	for (i = 0; i < n; i++) {
		struct json_object *l = json_object_array_get_idx(a, i), *tc;
		struct poc_tcb_level *lv = &t->levels[i];
		int64_t d;

		tc = get(e, what, l, "tcb", json_type_object);
		if (tc == NULL || parse_components(e, what, tc, "sgxtcbcomponents", lv->sgx) < 0 ||
		    get_int(e, what, tc, "pcesvn", 0, 65535, &x) < 0 ||
		    parse_components(e, what, tc, "tdxtcbcomponents", lv->tdx) < 0 ||
		    get_date(e, what, l, "tcbDate", &d, lv->date, sizeof(lv->date)) < 0 ||
		    get_status(e, what, l, &lv->status) < 0 || get_advisories(e, what, l, &lv->advisories) < 0)
			return poc_err_set(e, POC_ERR_MALFORMED, "TCB Info tcbLevels[%zu]", i);
		lv->pcesvn = (uint16_t)x;
	}
	return 0;
}

int poc_tcb_info_from_json(struct poc_err *e, struct json_object *o, struct poc_tcb_info *t)
{
	static const char *what = "TCB Info";
	struct json_object *m;

	if (parse_tcb_header(e, what, o, t) < 0)
		return -1;
	m = get(e, what, o, "tdxModule", json_type_object);
	if (m == NULL || get_hex(e, "TCB Info tdxModule", m, "mrsigner", t->module_mrsigner, 48) < 0 ||
	    get_hex(e, "TCB Info tdxModule", m, "attributes", t->module_attributes, 8) < 0 ||
	    get_hex(e, "TCB Info tdxModule", m, "attributesMask", t->module_attributes_mask, 8) < 0)
		return -1;
	if (parse_module_identities(e, what, o, t) < 0)
		return -1;
	return parse_tcb_levels(e, what, o, t);
}

int poc_qe_identity_from_json(struct poc_err *e, struct json_object *o, struct poc_qe_identity *q)
{
	static const char *what = "QE Identity";
	const char *id;
	uint8_t b[4];
	int64_t x;

	id = get_str(e, what, o, "id");
	if (id == NULL)
		return -1;
	/* QVL 4.1.2.4.14: a TDX quote needs the TD_QE identity, version 2. */
	if (strcmp(id, "TD_QE") != 0)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "QE Identity id \"%.16s\", want \"TD_QE\"", id);
	if (get_int(e, what, o, "version", 0, 1000, &x) < 0)
		return -1;
	if (x != 2)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "QE Identity version %lld, want 2", (long long)x);
	q->version = 2;
	if (get_date(e, what, o, "issueDate", &q->issue_date, NULL, 0) < 0 ||
	    get_date(e, what, o, "nextUpdate", &q->next_update, NULL, 0) < 0 ||
	    get_int(e, what, o, "tcbEvaluationDataNumber", 0, INT32_MAX, &x) < 0)
		return -1;
	q->eval_number = (int)x;
	/* The hex is the bytes as they sit in the report; the report holds a little-endian u32. */
	if (get_hex(e, what, o, "miscselect", b, 4) < 0)
		return -1;
	q->miscselect = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	if (get_hex(e, what, o, "miscselectMask", b, 4) < 0)
		return -1;
	q->miscselect_mask = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	if (get_hex(e, what, o, "attributes", q->attributes, 16) < 0 ||
	    get_hex(e, what, o, "attributesMask", q->attributes_mask, 16) < 0 ||
	    get_hex(e, what, o, "mrsigner", q->mrsigner, 32) < 0 ||
	    get_int(e, what, o, "isvprodid", 0, 65535, &x) < 0)
		return -1;
	q->isvprodid = (uint16_t)x;
	return parse_isv_levels(e, what, o, &q->levels, &q->nlevels);
}

/* Parses one signed collateral document (TCB Info, or QE Identity when qe) without verifying it. */
static int parse_only(struct poc_err *e, int qe, const uint8_t *json, size_t len, struct poc_collateral **out)
{
	struct poc_collateral *c = calloc(1, sizeof(*c));
	struct json_object *o;
	size_t off, n;
	uint8_t sig[64];
	int has_sig, rv;

	*out = NULL;
	if (c == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "collateral");
	o = poc_collateral_load_signed_json(e, qe ? "QE Identity" : "TCB Info", qe ? "enclaveIdentity" : "tcbInfo",
					    json, len, &off, &n, sig, &has_sig);
	rv = o == NULL ? -1 : qe ? poc_qe_identity_from_json(e, o, &c->qe) : poc_tcb_info_from_json(e, o, &c->tcb);
	json_object_put(o);
	/* Set even on failure, so poc_collateral_free releases what was parsed. */
	if (qe)
		c->has_qe = 1;
	else
		c->has_tcb = 1;
	if (rv < 0) {
		poc_collateral_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

int poc_collateral_parse_tcb_info(struct poc_err *e, const uint8_t *json, size_t len,
				  struct poc_collateral **out)
{
	return parse_only(e, 0, json, len, out);
}

int poc_collateral_parse_qe_identity(struct poc_err *e, const uint8_t *json, size_t len,
				     struct poc_collateral **out)
{
	return parse_only(e, 1, json, len, out);
}
