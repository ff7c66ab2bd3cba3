/* SPDX-License-Identifier: Apache-2.0 */
/* The policy's clauses, each a table of its fields (policy_int.h). */
#include "policy_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "hex.h"

#define NF(t) (sizeof(t) / sizeof((t)[0]))
#define OFF(member) offsetof(struct poc_policy, member)
#define HAS(member) PF_HAS(struct poc_policy, member)

/* ---- $.providers ---- */

static int provider_name(struct pctx *c, const struct pfield *f, json_object *v, const char *path, void *dst)
{
	struct poc_policy_provider *pr = dst;

	(void)f;
	if (v == NULL || !json_object_is_type(v, json_type_string) || json_object_get_string_len(v) == 0 ||
	    (size_t)json_object_get_string_len(v) >= sizeof(pr->name))
		return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: a non-empty string is required", path);
	memcpy(pr->name, json_object_get_string(v), (size_t)json_object_get_string_len(v) + 1);
	return 0;
}

static const struct pfield provider_fields[] = {
	{ .name = "name", .type = PF_ANY, .parse = provider_name, .always = 1 },
	{ .name = "roots", .type = PF_ANY, .parse = poc_policy_field_certs,
	  .off = offsetof(struct poc_policy_provider, roots), .missing = "required" },
	{ .name = "intermediates", .type = PF_ANY, .parse = poc_policy_field_certs,
	  .off = offsetof(struct poc_policy_provider, intermediates) },
	{ .name = "require_production", .type = json_type_boolean,
	  .off = offsetof(struct poc_policy_provider, require_production) },
	{ .name = "gce_mr_owner", .type = json_type_boolean, .off = offsetof(struct poc_policy_provider, gce_mr_owner) },
};

static int parse_providers(struct pctx *c, const struct pfield *f, json_object *arr, const char *path, void *dst)
{
	struct poc_policy *p = dst;
	size_t i, n;

	(void)f;
	n = json_object_array_length(arr);
	if (n == 0 || n > POC_POLICY_MAX_PROVIDERS)
		return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: between 1 and %d providers", path,
				   POC_POLICY_MAX_PROVIDERS);
	for (i = 0; i < n; i++) {
		char at[64];

		snprintf(at, sizeof(at), "%s[%zu]", path, i);
		p->nproviders = i + 1;
		if (poc_policy_fields(c, json_object_array_get_idx(arr, i), at, provider_fields, NF(provider_fields),
				      &p->providers[i]) < 0)
			return -1;
	}
	return 0;
}

/* ---- $.platforms ---- */

static const char one_id[] = "one of {\"ppid\": hex} or {\"piid\": hex}";

static int platform_id(struct pctx *c, json_object *ent, const char *path, struct poc_policy_platform_id *out)
{
	static const uint8_t zero_id[16] = { 0 };
	json_object *id;
	size_t got;
	int piid;

	if (poc_policy_want(c, ent, json_type_object, path) < 0 || json_object_object_length(ent) != 1)
		return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: %s", path, one_id);
	piid = json_object_object_get_ex(ent, "piid", &id);
	if (!piid && !json_object_object_get_ex(ent, "ppid", &id))
		return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: %s", path, one_id);
	if (poc_policy_want(c, id, json_type_string, path) < 0)
		return -1;
	if (poc_hex_decode(c->e, json_object_get_string(id), (size_t)json_object_get_string_len(id), out->id,
			   sizeof(out->id), &got) < 0 || got != 16) {
		poc_err_clear(c->e);
		return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: a 16-byte hex identifier", path);
	}
	/* A PCK without a usable identifier reads as zeros: listing zeros would admit it. */
	if (CRYPTO_memcmp(out->id, zero_id, 16) == 0)
		return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: an all-zero %s names no platform", path,
				   piid ? "PIID" : "PPID");
	out->is_piid = piid;
	return 0;
}

static int platforms_allow(struct pctx *c, const struct pfield *f, json_object *v, const char *path, void *dst)
{
	struct poc_policy *p = dst;
	size_t i, n = json_object_array_length(v);

	(void)f;
	if (n > POC_POLICY_MAX_ALLOW)
		return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: at most %d entries", path, POC_POLICY_MAX_ALLOW);
	for (i = 0; i < n; i++) {
		char at[64];

		snprintf(at, sizeof(at), "%s[%zu]", path, i);
		if (platform_id(c, json_object_array_get_idx(v, i), at, &p->allow[i]) < 0)
			return -1;
	}
	p->nallow = n;
	return 0;
}

static int poe_owners(struct pctx *c, const struct pfield *f, json_object *r, const char *path, void *dst)
{
	struct poc_policy *p = dst;
	size_t i, n = json_object_array_length(r);

	(void)f;
	if (n == 0 || n > POC_POLICY_MAX_NAMES)
		return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: between 1 and %d owners "
				   "(an empty list would accept any owner; omit the field to say so)", path, POC_POLICY_MAX_NAMES);
	for (i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(r, i);

		if (!json_object_is_type(s, json_type_string) || json_object_get_string_len(s) == 0 ||
		    (size_t)json_object_get_string_len(s) >= sizeof(p->poe_owners[0]))
			return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s[%zu]: a non-empty string", path, i);
		memcpy(p->poe_owners[i], json_object_get_string(s), (size_t)json_object_get_string_len(s) + 1);
	}
	p->npoe_owners = n;
	return 0;
}

static const struct pfield poe_fields[] = {
	{ .name = "roots", .type = PF_ANY, .parse = poc_policy_field_certs, .off = OFF(poe_roots), .missing = "required" },
	{ .name = "owners", .type = json_type_array, .parse = poe_owners },
};

static const struct pfield platform_fields[] = {
	{ .name = "allow", .type = json_type_array, .parse = platforms_allow },
	{ .name = "poe", .type = PF_ANY, .sub = poe_fields, .nsub = NF(poe_fields), .has = HAS(has_poe) },
	{ .name = "poca", .type = json_type_object, .parse = poc_policy_parse_poca, .has = HAS(has_poca) },
};

static int parse_platforms(struct pctx *c, const struct pfield *f, json_object *o, const char *path, void *dst)
{
	struct poc_policy *p = dst;

	(void)f;
	if (poc_policy_fields(c, o, path, platform_fields, NF(platform_fields), p) < 0)
		return -1;
	if (p->nallow == 0 && !p->has_poe && !p->has_poca)
		return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: names no platform (allow, poe or poca)", path);
	return 0;
}

/* ---- $.tee ---- */

static const char *const tcb_names[] = {
	"UpToDate", "SWHardeningNeeded", "ConfigurationNeeded", "ConfigurationAndSWHardeningNeeded",
	"OutOfDate", "OutOfDateConfigurationNeeded", "Revoked", NULL,
};

static int tee_type(struct pctx *c, const struct pfield *f, json_object *v, const char *path, void *dst)
{
	(void)f, (void)dst;
	if (v == NULL || !json_object_is_type(v, json_type_string) || strcmp(json_object_get_string(v), "tdx") != 0)
		return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: must be \"tdx\"", path);
	return 0;
}

static int tee_tcb_status(struct pctx *c, const struct pfield *f, json_object *v, const char *path, void *dst)
{
	struct poc_policy *p = dst;
	size_t i, n = json_object_array_length(v);

	(void)f;
	if (n == 0 || n > POC_POLICY_MAX_NAMES)
		return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: between 1 and %d statuses", path, POC_POLICY_MAX_NAMES);
	for (i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(v, i);
		const char *const *t;

		if (!json_object_is_type(s, json_type_string))
			return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s[%zu]: a string", path, i);
		for (t = tcb_names; *t != NULL; t++)
			if (strcmp(*t, json_object_get_string(s)) == 0)
				break;
		if (*t == NULL)
			return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s[%zu]: \"%s\" is not a TCB status", path, i,
					   json_object_get_string(s));
		snprintf(p->tcb_status[i], sizeof(p->tcb_status[i]), "%s", *t);
	}
	p->ntcb_status = n;
	return 0;
}

static int tee_mrtd(struct pctx *c, const struct pfield *f, json_object *v, const char *path, void *dst)
{
	(void)f;
	return poc_policy_values(c, v, 48, path, &((struct poc_policy *)dst)->mrtd);
}

static int tee_rtmr(struct pctx *c, const struct pfield *f, json_object *v, const char *path, void *dst)
{
	struct poc_policy *p = dst;

	(void)f;
	json_object_object_foreach(v, k, vals) {
		char at[64];

		if (strlen(k) != 1 || k[0] < '0' || k[0] > '3')
			return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: \"%s\" is not an RTMR index 0-3", path, k);
		snprintf(at, sizeof(at), "%s.%s", path, k);
		if (poc_policy_values(c, vals, 48, at, &p->rtmr[k[0] - '0']) < 0)
			return -1;
	}
	return 0;
}

static const struct pfield tee_fields[] = {
	{ .name = "type", .type = PF_ANY, .parse = tee_type, .always = 1 },
	{ .name = "roots", .type = PF_ANY, .parse = poc_policy_field_certs, .off = OFF(tee_roots),
	  .missing = "required (the Intel SGX Root CA)" },
	{ .name = "tcb_status", .type = json_type_array, .parse = tee_tcb_status, .has = HAS(has_tcb_status) },
	{ .name = "mrtd", .type = PF_ANY, .parse = tee_mrtd },
	{ .name = "rtmr", .type = json_type_object, .parse = tee_rtmr },
	{ .name = "debug", .type = json_type_boolean, .off = OFF(debug_allowed) },
};

/* ---- $.vtpm ---- */

/* One bank of $.vtpm.pcrs: {"index": ["hex", ...], ...}. */
static int pcr_bank(struct pctx *c, json_object *idxs, const char *path, struct poc_policy_pcr_bank *b)
{
	if (poc_policy_want(c, idxs, json_type_object, path) < 0)
		return -1;
	json_object_object_foreach(idxs, idx, vals) {
		char *end;
		long i = strtol(idx, &end, 10);
		char at[96];

		/* Canonical decimal only: "07" or " 7" would name PCR 7 a second time. */
		if (*idx < '0' || *idx > '9' || *end != '\0' || i < 0 || i >= POC_PCR_COUNT || (idx[0] == '0' && idx[1] != '\0'))
			return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: \"%s\" is not a PCR index 0-23", path, idx);
		snprintf(at, sizeof(at), "%s.%ld", path, i);
		if (poc_policy_values(c, vals, poc_tpm_alg_digest_len(b->alg), at, &b->vals[i]) < 0)
			return -1;
		b->mask |= 1u << i;
	}
	return 0;
}

static int vtpm_pcrs(struct pctx *c, const struct pfield *f, json_object *v, const char *path, void *dst)
{
	struct poc_policy *p = dst;

	(void)f;
	json_object_object_foreach(v, bank, idxs) {
		struct poc_policy_pcr_bank *b;
		uint16_t alg;
		char at[64];

		if (poc_tpm_alg_from_name(bank, &alg) < 0)
			return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: \"%s\" is not a PCR bank (sha1, sha256, sha384, sha512)", path, bank);
		if (p->npcr_banks == POC_PCR_BANKS)
			return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: too many banks", path);
		b = &p->pcr_banks[p->npcr_banks++];
		b->alg = alg;
		snprintf(at, sizeof(at), "%s.%s", path, bank);
		if (pcr_bank(c, idxs, at, b) < 0)
			return -1;
	}
	return 0;
}

/* "required" -> 1, "optional" -> 0, else -1 with the message. */
static int required_or_optional(struct pctx *c, json_object *v, const char *path)
{
	const char *s = json_object_get_string(v);

	if (strcmp(s, "required") == 0)
		return 1;
	if (strcmp(s, "optional") == 0)
		return 0;
	return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: \"required\" or \"optional\", not \"%s\"", path, s);
}

static int vtpm_eventlog(struct pctx *c, const struct pfield *f, json_object *v, const char *path, void *dst)
{
	int r = required_or_optional(c, v, path);

	(void)f;
	if (r < 0)
		return -1;
	((struct poc_policy *)dst)->eventlog = r ? POC_EVENTLOG_REQUIRED : POC_EVENTLOG_OPTIONAL;
	return 0;
}

static int vtpm_crosscheck(struct pctx *c, const struct pfield *f, json_object *v, const char *path, void *dst)
{
	int r = required_or_optional(c, v, path);

	(void)f;
	if (r < 0)
		return -1;
	if (r)
		((struct poc_policy *)dst)->crosscheck_required = 1;
	return 0;
}

static const struct pfield vtpm_fields[] = {
	{ .name = "pcrs", .type = json_type_object, .parse = vtpm_pcrs },
	{ .name = "reset_count", .type = json_type_int, .off = OFF(reset_count), .has = HAS(has_reset_count) },
	{ .name = "restart_count", .type = json_type_int, .off = OFF(restart_count), .has = HAS(has_restart_count) },
	{ .name = "eventlog", .type = json_type_string, .parse = vtpm_eventlog },
	{ .name = "crosscheck", .type = json_type_string, .parse = vtpm_crosscheck },
};

/* ---- $ ---- */

const char *poc_binding_name(enum poc_binding b)
{
	switch (b) {
	case POC_BINDING_UNSET:
	case POC_BINDING_NONE: return "none";
	case POC_BINDING_POC_V1: return "poc-v1";
	case POC_BINDING_AZURE_HCL: return "azure-hcl";
	}
	return "?";
}

static int root_version(struct pctx *c, const struct pfield *f, json_object *v, const char *path, void *dst)
{
	(void)f;
	if (v == NULL || !json_object_is_type(v, json_type_int) || json_object_get_int(v) != 1)
		return poc_err_set(c->e, POC_ERR_UNSUPPORTED, "policy %s: must be 1", path);
	((struct poc_policy *)dst)->version = 1;
	return 0;
}

/* The binding, and what needs one that the clauses before asked for: vtpm.crosscheck "required". */
static int root_binding(struct pctx *c, const struct pfield *f, json_object *v, const char *path, void *dst)
{
	static const enum poc_binding kinds[] = { POC_BINDING_NONE, POC_BINDING_POC_V1, POC_BINDING_AZURE_HCL };
	struct poc_policy *p = dst;
	size_t i;

	(void)f;
	for (i = 0; v != NULL && i < NF(kinds); i++)
		if (strcmp(json_object_get_string(v), poc_binding_name(kinds[i])) == 0)
			break;
	if (v != NULL && i == NF(kinds))
		return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: \"%s\" is not poc-v1, azure-hcl or none", path,
				   json_object_get_string(v));
	if (v != NULL)
		p->binding = kinds[i];
	/* The cross-check compares the vTPM's log with the TD's CCEL: both parts and poc-v1 are needed. */
	if (p->crosscheck_required && (p->binding != POC_BINDING_POC_V1 || !p->has_tee))
		return poc_err_set(c->e, POC_ERR_MALFORMED,
				   "policy $.vtpm.crosscheck: \"required\" needs \"binding\": \"poc-v1\" and a tee clause");
	return 0;
}

static const struct pfield freshness_fields[] = {
	{ .name = "max_age_s", .type = json_type_int, .off = OFF(max_age_s), .has = HAS(has_max_age) },
	{ .name = "max_rtt_ms", .type = json_type_int, .off = OFF(max_rtt_ms), .has = HAS(has_max_rtt) },
};

static const struct pfield root_fields[] = {
	{ .name = "version", .type = PF_ANY, .parse = root_version, .always = 1 },
	{ .name = "providers", .type = json_type_array, .parse = parse_providers, .has = HAS(has_providers) },
	{ .name = "platforms", .type = PF_ANY, .parse = parse_platforms, .has = HAS(has_platforms) },
	{ .name = "tee", .type = PF_ANY, .sub = tee_fields, .nsub = NF(tee_fields), .has = HAS(has_tee) },
	{ .name = "vtpm", .type = PF_ANY, .sub = vtpm_fields, .nsub = NF(vtpm_fields), .has = HAS(has_vtpm) },
	{ .name = "binding", .type = json_type_string, .parse = root_binding, .always = 1 },
	{ .name = "freshness", .type = PF_ANY, .sub = freshness_fields, .nsub = NF(freshness_fields) },
	{ .name = "reference", .type = json_type_object, .parse = poc_policy_parse_reference },
	{ .name = "assurance", .type = json_type_object, .parse = poc_policy_parse_assurance },
};

/* What the clauses together must say: a tee beside a vTPM clause needs a binding, azure-hcl a tee. */
static int check_root(struct pctx *c, const struct poc_policy *p)
{
	/*
	 * A provider endorses a vTPM, and a vtpm clause judges one; without a
	 * binding nothing ties that vTPM to the TD, so any endorsed vTPM quote (a
	 * real GCE one) and its PCRs would stand beside any TD quote (a bare-metal
	 * one). $.platforms alone endorses the TD's own platform (its PCK) and
	 * needs no binding for that.
	 */
	if (p->has_tee && (p->has_providers || p->has_vtpm) && p->binding != POC_BINDING_POC_V1 &&
	    p->binding != POC_BINDING_AZURE_HCL)
		return poc_err_set(c->e, POC_ERR_MALFORMED,
				   "policy $.binding: a policy with both a tee and a %s clause must name \"poc-v1\" or "
				   "\"azure-hcl\" (%s): without one, the vTPM need not be on the TD's machine",
				   p->has_providers ? "providers" : "vtpm",
				   p->binding == POC_BINDING_NONE ? "it says \"none\"" : "it has no binding");
	/* azure-hcl binds the vTPM to the TD quote's REPORTDATA: without a tee clause that quote is never read. */
	if (p->binding == POC_BINDING_AZURE_HCL && !p->has_tee)
		return poc_err_set(c->e, POC_ERR_MALFORMED,
				   "policy $.binding: \"azure-hcl\" needs a tee clause (it binds the vTPM to the TD quote, "
				   "which only a tee clause appraises)");
	return 0;
}

int poc_policy_parse(struct poc_err *e, const char *json, size_t len, poc_policy_loader load,
		     void *load_ctx, struct poc_policy **out)
{
	struct pctx c = { e, load, load_ctx };
	json_object *root;
	struct poc_policy *p;
	int rv;

	*out = NULL;
	root = poc_policy_json(e, json, len);
	if (root == NULL)
		return -1;
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		json_object_put(root);
		return poc_err_set(e, POC_ERR_NOMEM, "policy");
	}
	rv = poc_policy_fields(&c, root, "$", root_fields, NF(root_fields), p) < 0 || check_root(&c, p) < 0 ? -1 : 0;
	json_object_put(root);
	if (rv < 0) {
		poc_policy_free(p);
		return -1;
	}
	*out = p;
	return 0;
}

void poc_policy_free(struct poc_policy *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nproviders; i++) {
		sk_X509_pop_free(p->providers[i].roots, X509_free);
		sk_X509_pop_free(p->providers[i].intermediates, X509_free);
	}
	sk_X509_pop_free(p->poe_roots, X509_free);
	for (i = 0; i < p->npoca_keys; i++)
		EVP_PKEY_free(p->poca_keys[i]);
	sk_X509_pop_free(p->tee_roots, X509_free);
	free(p);
}

int poc_policy_is_proof_of_cloud(const struct poc_policy *p)
{
	return p->has_providers || p->has_platforms;
}
