/* SPDX-License-Identifier: Apache-2.0 */
#include "policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "hex.h"
#include "json_strict.h"
#include "x509.h"

#define POLICY_MAX_BYTES (1u << 20)

struct pctx {
	struct poc_err *e;
	poc_policy_loader load;
	void *load_ctx;
};

static const char *type_name(json_type t)
{
	switch (t) {
	case json_type_null: return "null";
	case json_type_boolean: return "a boolean";
	case json_type_double: return "a number";
	case json_type_int: return "an integer";
	case json_type_object: return "an object";
	case json_type_array: return "an array";
	case json_type_string: return "a string";
	}
	return "?";
}

static int want(struct pctx *c, json_object *o, json_type t, const char *path)
{
	if (!json_object_is_type(o, t))
		return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: expected %s, found %s", path,
				   type_name(t), type_name(json_object_get_type(o)));
	return 0;
}

/* Every key of obj must be in allowed (NULL-terminated). */
static int only_keys(struct pctx *c, json_object *obj, const char *const *allowed, const char *path)
{
	json_object_object_foreach(obj, key, val) {
		const char *const *a;

		(void)val;
		for (a = allowed; *a != NULL; a++)
			if (strcmp(*a, key) == 0)
				break;
		if (*a == NULL)
			return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: unknown field \"%s\"", path, key);
	}
	return 0;
}

static int get_bool(struct pctx *c, json_object *obj, const char *key, const char *path, int *out)
{
	json_object *v;
	char p[128];

	if (!json_object_object_get_ex(obj, key, &v))
		return 0;
	snprintf(p, sizeof(p), "%s.%s", path, key);
	if (want(c, v, json_type_boolean, p) < 0)
		return -1;
	*out = json_object_get_boolean(v);
	return 0;
}

static int get_count(struct pctx *c, json_object *obj, const char *key, const char *path, int64_t *out,
		     int *present)
{
	json_object *v;
	char p[128];

	*present = 0;
	if (!json_object_object_get_ex(obj, key, &v))
		return 0;
	snprintf(p, sizeof(p), "%s.%s", path, key);
	if (want(c, v, json_type_int, p) < 0)
		return -1;
	*out = json_object_get_int64(v);
	if (*out < 0)
		return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: must not be negative", p);
	*present = 1;
	return 0;
}

/* A JSON array of certificate file names -> one stack of certificates. */
static int load_certs(struct pctx *c, json_object *arr, const char *path, STACK_OF(X509) **out)
{
	size_t i, n;

	if (want(c, arr, json_type_array, path) < 0)
		return -1;
	n = json_object_array_length(arr);
	if (n == 0)
		return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: empty list", path);
	if (n > POC_POLICY_MAX_CERT_FILES)
		return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: at most %d files", path, POC_POLICY_MAX_CERT_FILES);
	*out = sk_X509_new_null();
	if (*out == NULL)
		return poc_err_set(c->e, POC_ERR_NOMEM, "policy certificates");
	for (i = 0; i < n; i++) {
		json_object *f = json_object_array_get_idx(arr, i);
		STACK_OF(X509) *certs;
		uint8_t *buf = NULL;
		size_t len = 0;
		char p[160];

		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		if (want(c, f, json_type_string, p) < 0)
			return -1;
		if (c->load == NULL)
			return poc_err_set(c->e, POC_ERR_ARG, "policy %s: no file loader", p);
		if (c->load(c->load_ctx, c->e, json_object_get_string(f), &buf, &len) < 0) {
			poc_err_prefix(c->e, "policy %s: ", p);
			return -1;
		}
		certs = poc_x509_load(c->e, buf, len);
		free(buf);
		if (certs == NULL) {
			poc_err_prefix(c->e, "policy %s (%s): ", p, json_object_get_string(f));
			return -1;
		}
		while (sk_X509_num(certs) > 0) {
			X509 *x = sk_X509_shift(certs);

			if (!sk_X509_push(*out, x)) {
				X509_free(x);
				sk_X509_pop_free(certs, X509_free);
				return poc_err_set(c->e, POC_ERR_NOMEM, "policy certificates");
			}
		}
		sk_X509_free(certs);
	}
	return 0;
}

/* ["hex", ...] of exactly len bytes each. */
static int load_values(struct pctx *c, json_object *arr, size_t len, const char *path,
		       struct poc_policy_values *out)
{
	size_t i, n, got;

	if (want(c, arr, json_type_array, path) < 0)
		return -1;
	n = json_object_array_length(arr);
	if (n == 0 || n > POC_POLICY_MAX_VALUES)
		return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: between 1 and %d values", path,
				   POC_POLICY_MAX_VALUES);
	out->len = len;
	for (i = 0; i < n; i++) {
		json_object *h = json_object_array_get_idx(arr, i);
		char p[160];

		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		if (want(c, h, json_type_string, p) < 0)
			return -1;
		if (poc_hex_decode(c->e, json_object_get_string(h), (size_t)json_object_get_string_len(h), out->v[i],
				   sizeof(out->v[i]), &got) < 0) {
			poc_err_prefix(c->e, "policy %s: ", p);
			return -1;
		}
		if (got != len)
			return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: %zu bytes, expected %zu", p, got, len);
	}
	out->n = n;
	return 0;
}

static int parse_providers(struct pctx *c, json_object *arr, struct poc_policy *p)
{
	static const char *const keys[] = { "name", "roots", "intermediates", "require_production", NULL };
	size_t i, n;

	if (want(c, arr, json_type_array, "$.providers") < 0)
		return -1;
	n = json_object_array_length(arr);
	if (n == 0 || n > POC_POLICY_MAX_PROVIDERS)
		return poc_err_set(c->e, POC_ERR_MALFORMED, "policy $.providers: between 1 and %d providers",
				   POC_POLICY_MAX_PROVIDERS);
	for (i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(arr, i), *v;
		struct poc_policy_provider *pr = &p->providers[i];
		char path[64], sub[96];

		snprintf(path, sizeof(path), "$.providers[%zu]", i);
		if (want(c, o, json_type_object, path) < 0 || only_keys(c, o, keys, path) < 0)
			return -1;
		p->nproviders = i + 1;
		if (!json_object_object_get_ex(o, "name", &v) || !json_object_is_type(v, json_type_string) ||
		    json_object_get_string_len(v) == 0 || (size_t)json_object_get_string_len(v) >= sizeof(pr->name))
			return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s.name: a non-empty string is required", path);
		memcpy(pr->name, json_object_get_string(v), (size_t)json_object_get_string_len(v) + 1);
		snprintf(sub, sizeof(sub), "%s.roots", path);
		if (!json_object_object_get_ex(o, "roots", &v))
			return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: required", sub);
		if (load_certs(c, v, sub, &pr->roots) < 0)
			return -1;
		snprintf(sub, sizeof(sub), "%s.intermediates", path);
		if (json_object_object_get_ex(o, "intermediates", &v) && load_certs(c, v, sub, &pr->intermediates) < 0)
			return -1;
		if (get_bool(c, o, "require_production", path, &pr->require_production) < 0)
			return -1;
	}
	return 0;
}

static int parse_platforms(struct pctx *c, json_object *o, struct poc_policy *p)
{
	static const char *const keys[] = { "allow", "poe", NULL };
	static const char *const poe_keys[] = { "roots", "owners", NULL };
	static const uint8_t zero_id[16] = { 0 };
	json_object *v;
	size_t i, n, got;

	if (want(c, o, json_type_object, "$.platforms") < 0 || only_keys(c, o, keys, "$.platforms") < 0)
		return -1;
	if (json_object_object_get_ex(o, "allow", &v)) {
		if (want(c, v, json_type_array, "$.platforms.allow") < 0)
			return -1;
		n = json_object_array_length(v);
		if (n > POC_POLICY_MAX_ALLOW)
			return poc_err_set(c->e, POC_ERR_MALFORMED, "policy $.platforms.allow: at most %d entries",
					   POC_POLICY_MAX_ALLOW);
		for (i = 0; i < n; i++) {
			json_object *ent = json_object_array_get_idx(v, i), *id;
			char path[64];
			int piid;

			snprintf(path, sizeof(path), "$.platforms.allow[%zu]", i);
			if (want(c, ent, json_type_object, path) < 0 || json_object_object_length(ent) != 1)
				return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: one of {\"ppid\": hex} or {\"piid\": hex}", path);
			piid = json_object_object_get_ex(ent, "piid", &id);
			if (!piid && !json_object_object_get_ex(ent, "ppid", &id))
				return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: one of {\"ppid\": hex} or {\"piid\": hex}", path);
			if (want(c, id, json_type_string, path) < 0)
				return -1;
			if (poc_hex_decode(c->e, json_object_get_string(id), (size_t)json_object_get_string_len(id),
					   p->allow[i].id, sizeof(p->allow[i].id), &got) < 0 || got != 16) {
				poc_err_clear(c->e);
				return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: a 16-byte hex identifier", path);
			}
			/* A PCK without a usable identifier reads as zeros: listing zeros would admit it. */
			if (CRYPTO_memcmp(p->allow[i].id, zero_id, 16) == 0)
				return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: an all-zero %s names no platform", path,
						   piid ? "PIID" : "PPID");
			p->allow[i].is_piid = piid;
		}
		p->nallow = n;
	}
	if (json_object_object_get_ex(o, "poe", &v)) {
		json_object *r;

		if (want(c, v, json_type_object, "$.platforms.poe") < 0 || only_keys(c, v, poe_keys, "$.platforms.poe") < 0)
			return -1;
		if (!json_object_object_get_ex(v, "roots", &r))
			return poc_err_set(c->e, POC_ERR_MALFORMED, "policy $.platforms.poe.roots: required");
		if (load_certs(c, r, "$.platforms.poe.roots", &p->poe_roots) < 0)
			return -1;
		if (json_object_object_get_ex(v, "owners", &r)) {
			if (want(c, r, json_type_array, "$.platforms.poe.owners") < 0)
				return -1;
			n = json_object_array_length(r);
			if (n == 0 || n > POC_POLICY_MAX_NAMES)
				return poc_err_set(c->e, POC_ERR_MALFORMED, "policy $.platforms.poe.owners: between 1 and %d owners "
						   "(an empty list would accept any owner; omit the field to say so)", POC_POLICY_MAX_NAMES);
			for (i = 0; i < n; i++) {
				json_object *s = json_object_array_get_idx(r, i);

				if (!json_object_is_type(s, json_type_string) || json_object_get_string_len(s) == 0 ||
				    (size_t)json_object_get_string_len(s) >= sizeof(p->poe_owners[0]))
					return poc_err_set(c->e, POC_ERR_MALFORMED, "policy $.platforms.poe.owners[%zu]: a non-empty string", i);
				memcpy(p->poe_owners[i], json_object_get_string(s), (size_t)json_object_get_string_len(s) + 1);
			}
			p->npoe_owners = n;
		}
		p->has_poe = 1;
	}
	if (p->nallow == 0 && !p->has_poe)
		return poc_err_set(c->e, POC_ERR_MALFORMED, "policy $.platforms: names no platform (allow or poe)");
	return 0;
}

static const char *const tcb_names[] = {
	"UpToDate", "SWHardeningNeeded", "ConfigurationNeeded", "ConfigurationAndSWHardeningNeeded",
	"OutOfDate", "OutOfDateConfigurationNeeded", "Revoked", NULL,
};

static int parse_tee(struct pctx *c, json_object *o, struct poc_policy *p)
{
	static const char *const keys[] = { "type", "roots", "tcb_status", "mrtd", "rtmr", "debug", NULL };
	json_object *v;
	size_t i, n;

	if (want(c, o, json_type_object, "$.tee") < 0 || only_keys(c, o, keys, "$.tee") < 0)
		return -1;
	if (!json_object_object_get_ex(o, "type", &v) || !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), "tdx") != 0)
		return poc_err_set(c->e, POC_ERR_MALFORMED, "policy $.tee.type: must be \"tdx\"");
	if (!json_object_object_get_ex(o, "roots", &v))
		return poc_err_set(c->e, POC_ERR_MALFORMED, "policy $.tee.roots: required (the Intel SGX Root CA)");
	if (load_certs(c, v, "$.tee.roots", &p->tee_roots) < 0)
		return -1;
	if (json_object_object_get_ex(o, "tcb_status", &v)) {
		if (want(c, v, json_type_array, "$.tee.tcb_status") < 0)
			return -1;
		n = json_object_array_length(v);
		if (n == 0 || n > POC_POLICY_MAX_NAMES)
			return poc_err_set(c->e, POC_ERR_MALFORMED, "policy $.tee.tcb_status: between 1 and %d statuses", POC_POLICY_MAX_NAMES);
		for (i = 0; i < n; i++) {
			json_object *s = json_object_array_get_idx(v, i);
			const char *const *t;

			if (!json_object_is_type(s, json_type_string))
				return poc_err_set(c->e, POC_ERR_MALFORMED, "policy $.tee.tcb_status[%zu]: a string", i);
			for (t = tcb_names; *t != NULL; t++)
				if (strcmp(*t, json_object_get_string(s)) == 0)
					break;
			if (*t == NULL)
				return poc_err_set(c->e, POC_ERR_MALFORMED, "policy $.tee.tcb_status[%zu]: \"%s\" is not a TCB status",
						   i, json_object_get_string(s));
			snprintf(p->tcb_status[i], sizeof(p->tcb_status[i]), "%s", *t);
		}
		p->ntcb_status = n;
		p->has_tcb_status = 1;
	}
	if (json_object_object_get_ex(o, "mrtd", &v) && load_values(c, v, 48, "$.tee.mrtd", &p->mrtd) < 0)
		return -1;
	if (json_object_object_get_ex(o, "rtmr", &v)) {
		if (want(c, v, json_type_object, "$.tee.rtmr") < 0)
			return -1;
		json_object_object_foreach(v, k, vals) {
			char path[64];

			if (strlen(k) != 1 || k[0] < '0' || k[0] > '3')
				return poc_err_set(c->e, POC_ERR_MALFORMED, "policy $.tee.rtmr: \"%s\" is not an RTMR index 0-3", k);
			snprintf(path, sizeof(path), "$.tee.rtmr.%s", k);
			if (load_values(c, vals, 48, path, &p->rtmr[k[0] - '0']) < 0)
				return -1;
		}
	}
	if (get_bool(c, o, "debug", "$.tee", &p->debug_allowed) < 0)
		return -1;
	return 0;
}

static int parse_vtpm(struct pctx *c, json_object *o, struct poc_policy *p)
{
	static const char *const keys[] = { "pcrs", "eventlog", "crosscheck", "reset_count", "restart_count", NULL };
	json_object *v;

	if (want(c, o, json_type_object, "$.vtpm") < 0 || only_keys(c, o, keys, "$.vtpm") < 0)
		return -1;
	if (json_object_object_get_ex(o, "pcrs", &v)) {
		if (want(c, v, json_type_object, "$.vtpm.pcrs") < 0)
			return -1;
		json_object_object_foreach(v, bank, idxs) {
			struct poc_policy_pcr_bank *b;
			uint16_t alg;
			char path[64];

			if (poc_tpm_alg_from_name(bank, &alg) < 0)
				return poc_err_set(c->e, POC_ERR_MALFORMED, "policy $.vtpm.pcrs: \"%s\" is not a PCR bank (sha1, sha256, sha384, sha512)", bank);
			if (p->npcr_banks == POC_PCR_BANKS)
				return poc_err_set(c->e, POC_ERR_MALFORMED, "policy $.vtpm.pcrs: too many banks");
			b = &p->pcr_banks[p->npcr_banks++];
			b->alg = alg;
			snprintf(path, sizeof(path), "$.vtpm.pcrs.%s", bank);
			if (want(c, idxs, json_type_object, path) < 0)
				return -1;
			json_object_object_foreach(idxs, idx, vals) {
				char *end;
				long i = strtol(idx, &end, 10);
				char vpath[96];

				/* Canonical decimal only: "07" or " 7" would name PCR 7 a second time. */
				if (*idx < '0' || *idx > '9' || *end != '\0' || i < 0 || i >= POC_PCR_COUNT || (idx[0] == '0' && idx[1] != '\0'))
					return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: \"%s\" is not a PCR index 0-23", path, idx);
				snprintf(vpath, sizeof(vpath), "%s.%ld", path, i);
				if (load_values(c, vals, poc_tpm_alg_digest_len(alg), vpath, &b->vals[i]) < 0)
					return -1;
				b->mask |= 1u << i;
			}
		}
	}
	if (get_count(c, o, "reset_count", "$.vtpm", &p->reset_count, &p->has_reset_count) < 0 ||
	    get_count(c, o, "restart_count", "$.vtpm", &p->restart_count, &p->has_restart_count) < 0)
		return -1;
	if (json_object_object_get_ex(o, "eventlog", &v)) {
		const char *s;

		if (want(c, v, json_type_string, "$.vtpm.eventlog") < 0)
			return -1;
		s = json_object_get_string(v);
		if (strcmp(s, "required") == 0)
			p->eventlog = POC_EVENTLOG_REQUIRED;
		else if (strcmp(s, "optional") == 0)
			p->eventlog = POC_EVENTLOG_OPTIONAL;
		else
			return poc_err_set(c->e, POC_ERR_MALFORMED, "policy $.vtpm.eventlog: \"required\" or \"optional\", not \"%s\"", s);
	}
	if (json_object_object_get_ex(o, "crosscheck", &v)) {
		if (want(c, v, json_type_string, "$.vtpm.crosscheck") < 0)
			return -1;
		if (strcmp(json_object_get_string(v), "required") == 0)
			p->crosscheck_required = 1;
		else if (strcmp(json_object_get_string(v), "optional") != 0)
			return poc_err_set(c->e, POC_ERR_MALFORMED, "policy $.vtpm.crosscheck: \"required\" or \"optional\", not \"%s\"",
					   json_object_get_string(v));
	}
	return 0;
}

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

static int parse_root(struct pctx *c, json_object *root, struct poc_policy *p)
{
	static const char *const keys[] = { "version", "providers", "platforms", "tee", "vtpm", "binding",
					    "freshness", NULL };
	static const char *const fresh_keys[] = { "max_age_s", "max_rtt_ms", NULL };
	json_object *v;

	if (want(c, root, json_type_object, "$") < 0 || only_keys(c, root, keys, "$") < 0)
		return -1;
	if (!json_object_object_get_ex(root, "version", &v) || !json_object_is_type(v, json_type_int) ||
	    json_object_get_int(v) != 1)
		return poc_err_set(c->e, POC_ERR_UNSUPPORTED, "policy $.version: must be 1");
	p->version = 1;
	if (json_object_object_get_ex(root, "providers", &v)) {
		p->has_providers = 1;
		if (parse_providers(c, v, p) < 0)
			return -1;
	}
	if (json_object_object_get_ex(root, "platforms", &v)) {
		p->has_platforms = 1;
		if (parse_platforms(c, v, p) < 0)
			return -1;
	}
	if (json_object_object_get_ex(root, "tee", &v)) {
		p->has_tee = 1;
		if (parse_tee(c, v, p) < 0)
			return -1;
	}
	if (json_object_object_get_ex(root, "vtpm", &v)) {
		p->has_vtpm = 1;
		if (parse_vtpm(c, v, p) < 0)
			return -1;
	}
	if (json_object_object_get_ex(root, "binding", &v)) {
		const char *s;

		if (want(c, v, json_type_string, "$.binding") < 0)
			return -1;
		s = json_object_get_string(v);
		if (strcmp(s, "none") == 0)
			p->binding = POC_BINDING_NONE;
		else if (strcmp(s, "poc-v1") == 0)
			p->binding = POC_BINDING_POC_V1;
		else if (strcmp(s, "azure-hcl") == 0)
			p->binding = POC_BINDING_AZURE_HCL;
		else
			return poc_err_set(c->e, POC_ERR_MALFORMED, "policy $.binding: \"%s\" is not poc-v1, azure-hcl or none", s);
	}
	/* The cross-check compares the vTPM's log with the TD's CCEL: both parts and poc-v1 are needed. */
	if (p->crosscheck_required && (p->binding != POC_BINDING_POC_V1 || !p->has_tee))
		return poc_err_set(c->e, POC_ERR_MALFORMED,
				   "policy $.vtpm.crosscheck: \"required\" needs \"binding\": \"poc-v1\" and a tee clause");
	if (json_object_object_get_ex(root, "freshness", &v)) {
		if (want(c, v, json_type_object, "$.freshness") < 0 || only_keys(c, v, fresh_keys, "$.freshness") < 0 ||
		    get_count(c, v, "max_age_s", "$.freshness", &p->max_age_s, &p->has_max_age) < 0 ||
		    get_count(c, v, "max_rtt_ms", "$.freshness", &p->max_rtt_ms, &p->has_max_rtt) < 0)
			return -1;
	}
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
	struct json_tokener *tok;
	json_object *root;
	struct poc_policy *p;
	int rv;

	*out = NULL;
	if (len > POLICY_MAX_BYTES)
		return poc_err_set(e, POC_ERR_MALFORMED, "policy: larger than %u bytes", POLICY_MAX_BYTES);
	tok = json_tokener_new_ex(32);
	if (tok == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "policy parser");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, json, (int)len);
	if (root == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len) {
		enum json_tokener_error je = json_tokener_get_error(tok);
		size_t at = json_tokener_get_parse_end(tok);

		/* Trailing white space after the document is fine. */
		while (root != NULL && je == json_tokener_success && at < len &&
		       (json[at] == ' ' || json[at] == '\n' || json[at] == '\r' || json[at] == '\t'))
			at++;
		if (root == NULL || je != json_tokener_success || at != len) {
			json_object_put(root);
			json_tokener_free(tok);
			return poc_err_set(e, POC_ERR_MALFORMED, "policy: not valid JSON at byte %zu (%s)", at,
					   je == json_tokener_success ? "trailing data" : json_tokener_error_desc(je));
		}
	}
	json_tokener_free(tok);
	/* json-c keeps the last of two equal names: a policy must not read two ways. */
	if (poc_json_check_strict(e, json, len, "policy") < 0) {
		json_object_put(root);
		return -1;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		json_object_put(root);
		return poc_err_set(e, POC_ERR_NOMEM, "policy");
	}
	rv = parse_root(&c, root, p);
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
	sk_X509_pop_free(p->tee_roots, X509_free);
	free(p);
}

int poc_policy_is_proof_of_cloud(const struct poc_policy *p)
{
	return p->has_providers || p->has_platforms;
}
