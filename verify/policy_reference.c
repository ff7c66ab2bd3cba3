/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The policy's level clauses (policy_int.h, docs/levels.md): $.assurance
 * (the least nominal and trustworthy attestation level) and $.reference
 * (reference-value files for MRTD, UKIs and dm-verity root hashes).
 */
#include "policy_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NF(t) (sizeof(t) / sizeof((t)[0]))

const char *poc_ref_kind_name(enum poc_ref_kind k)
{
	switch (k) {
	case POC_REF_MRTD: return "mrtd";
	case POC_REF_UKI: return "uki";
	case POC_REF_VERITY: return "verity_roothash";
	case POC_REF_IMA: return "ima_allow";
	case POC_REF_COUNT: break;
	}
	return "?";
}

/* ---- $.assurance ---- */

static int level(struct pctx *c, json_object *v, const char *path, int64_t *out)
{
	int64_t n = json_object_get_int64(v);

	if (n < 0 || n > 4)
		return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: an attestation level 0 to 4, not %lld", path,
				   (long long)n);
	*out = n;
	return 0;
}

static int min_nominal(struct pctx *c, const struct pfield *f, json_object *v, const char *path, void *dst)
{
	(void)f;
	return level(c, v, path, &((struct poc_policy *)dst)->min_nominal);
}

static int min_trustworthy(struct pctx *c, const struct pfield *f, json_object *v, const char *path, void *dst)
{
	(void)f;
	return level(c, v, path, &((struct poc_policy *)dst)->min_trustworthy);
}

static const struct pfield assurance_fields[] = {
	{ .name = "min_nominal", .type = json_type_int, .parse = min_nominal,
	  .has = PF_HAS(struct poc_policy, has_min_nominal) },
	{ .name = "min_trustworthy", .type = json_type_int, .parse = min_trustworthy,
	  .has = PF_HAS(struct poc_policy, has_min_trustworthy) },
};

int poc_policy_parse_assurance(struct pctx *c, const struct pfield *f, json_object *v, const char *path, void *dst)
{
	struct poc_policy *p = dst;

	(void)f;
	if (poc_policy_fields(c, v, path, assurance_fields, NF(assurance_fields), p) < 0)
		return -1;
	if (!p->has_min_nominal && !p->has_min_trustworthy)
		return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: names no level (min_nominal, min_trustworthy)", path);
	if (p->has_min_nominal && p->has_min_trustworthy && p->min_trustworthy > p->min_nominal)
		return poc_err_set(c->e, POC_ERR_MALFORMED,
				   "policy %s: min_trustworthy %lld above min_nominal %lld (the trustworthy level never exceeds the nominal one)",
				   path, (long long)p->min_trustworthy, (long long)p->min_nominal);
	return 0;
}

/* ---- $.reference ---- */

/* The lengths a kind's values may have (0 ends the list). */
static const size_t kind_lens[POC_REF_COUNT][5] = {
	[POC_REF_MRTD] = { 48, 0 },
	[POC_REF_UKI] = { 32, 48, 0 },
	[POC_REF_VERITY] = { 32, 64, 0 },
	[POC_REF_IMA] = { 20, 32, 48, 64, 0 }, /* file digests, as the IMA template's d-ng field holds them */
};

static int load_values(struct pctx *c, const char *path, enum poc_ref_kind k, struct poc_policy_reference *r)
{
	uint8_t *buf = NULL;
	size_t len = 0, i, j;
	char what[256];
	int ok, rv;

	if (c->load == NULL)
		return poc_err_set(c->e, POC_ERR_ARG, "policy %s: no file loader", path);
	if (c->load(c->load_ctx, c->e, r->file, &buf, &len) < 0) {
		poc_err_prefix(c->e, "policy %s: ", path);
		return -1;
	}
	snprintf(what, sizeof(what), "policy %s (%s)", path, r->file);
	rv = poc_refvals_parse(c->e, what, (const char *)buf, len, &r->vals);
	free(buf);
	if (rv < 0)
		return -1;
	for (i = 0; i < r->vals.n; i++) {
		for (j = 0, ok = 0; j < 5 && kind_lens[k][j] != 0; j++)
			ok |= r->vals.len[i] == kind_lens[k][j];
		if (!ok)
			return poc_err_set(c->e, POC_ERR_MALFORMED, "%s: value %zu has %u bytes, not a %s digest", what, i,
					   r->vals.len[i], poc_ref_kind_name(k));
	}
	return 0;
}

static int file_name(struct pctx *c, json_object *v, const char *path, struct poc_policy_reference *r)
{
	if (!json_object_is_type(v, json_type_string) || json_object_get_string_len(v) == 0 ||
	    (size_t)json_object_get_string_len(v) >= sizeof(r->file))
		return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: a file name (a non-empty string)", path);
	memcpy(r->file, json_object_get_string(v), (size_t)json_object_get_string_len(v) + 1);
	return 0;
}

/* "file.json", or {"file": "file.json", "provenance": "independent" | "csp"}. */
static int one_reference(struct pctx *c, json_object *v, const char *path, enum poc_ref_kind k,
			 struct poc_policy_reference *r)
{
	json_object *file = NULL, *prov = NULL;
	char at[128];

	r->present = 1;
	if (json_object_is_type(v, json_type_string) && file_name(c, v, path, r) < 0)
		return -1;
	if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, val) {
			if (strcmp(key, "file") == 0)
				file = val;
			else if (strcmp(key, "provenance") == 0)
				prov = val;
			else
				return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: unknown field \"%s\"", path, key);
		}
		snprintf(at, sizeof(at), "%s.file", path);
		if (file == NULL)
			return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: required", at);
		if (file_name(c, file, at, r) < 0)
			return -1;
		snprintf(at, sizeof(at), "%s.provenance", path);
		if (prov != NULL && json_object_is_type(prov, json_type_string) &&
		    strcmp(json_object_get_string(prov), "independent") == 0)
			r->provenance = POC_REF_INDEPENDENT;
		else if (prov != NULL && json_object_is_type(prov, json_type_string) &&
			 strcmp(json_object_get_string(prov), "csp") == 0)
			r->provenance = POC_REF_CSP;
		else if (prov != NULL)
			return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: \"independent\" or \"csp\"", at);
	} else if (!json_object_is_type(v, json_type_string))
		return poc_err_set(c->e, POC_ERR_MALFORMED,
				   "policy %s: a file name or {\"file\": ..., \"provenance\": \"independent\"|\"csp\"}", path);
	return load_values(c, path, k, r);
}

int poc_policy_parse_reference(struct pctx *c, const struct pfield *f, json_object *v, const char *path, void *dst)
{
	struct poc_policy *p = dst;
	int any = 0;

	(void)f;
	json_object_object_foreach(v, key, val) {
		int k;
		char at[96];

		for (k = 0; k < POC_REF_COUNT && strcmp(poc_ref_kind_name((enum poc_ref_kind)k), key) != 0; k++)
			;
		if (k == POC_REF_COUNT)
			return poc_err_set(c->e, POC_ERR_MALFORMED,
					   "policy %s: unknown field \"%s\" (mrtd, uki, verity_roothash, ima_allow)", path, key);
		snprintf(at, sizeof(at), "%s.%s", path, key);
		if (one_reference(c, val, at, (enum poc_ref_kind)k, &p->ref[k]) < 0)
			return -1;
		any = 1;
	}
	if (!any)
		return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: names no reference values", path);
	return 0;
}
