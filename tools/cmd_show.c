/* SPDX-License-Identifier: Apache-2.0 */
/*
 * poctool list | show: reading a token (DESIGN.md section 9), as the store
 * says; nothing here is authenticated (a release checks the token state, and
 * `record verify --token` has the TPM vouch for the record key).
 */
#include "config.h"

#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <p11-kit/pkcs11.h>
#include <tss2/tss2_tpm2_types.h>

#include "commands.h"
#include "config/configuration.h"
#include "hex.h"
#include "pcrs.h"
#include "poctool.h"
#include "verify_json.h"
#include "record.h"
#include "record_file.h"
#include "token/token.h"
#include "token/token_pin.h"
#include "tpm/tpm.h"

/* Names, not numbers, in what list and show print (and in their JSON). */
static const char *class_name(CK_OBJECT_CLASS c)
{
	switch (c) {
	case CKO_DATA: return "data";
	case CKO_CERTIFICATE: return "certificate";
	case CKO_PUBLIC_KEY: return "public-key";
	case CKO_PRIVATE_KEY: return "private-key";
	case CKO_SECRET_KEY: return "secret-key";
	default: return "unknown";
	}
}

static const char *key_type_name(CK_OBJECT_CLASS c, CK_KEY_TYPE k)
{
	if (c != CKO_PUBLIC_KEY && c != CKO_PRIVATE_KEY && c != CKO_SECRET_KEY)
		return "-";
	switch (k) {
	case CKK_RSA: return "RSA";
	case CKK_EC: return "EC";
	case CKK_EC_EDWARDS: return "EdDSA";
	case CKK_AES: return "AES";
	case CKK_GENERIC_SECRET: return "generic-secret";
	default: return "unknown";
	}
}

/* "sha256:0-7,14": the bank and the PCRs of mask, runs collapsed. out: at least 96 bytes. */
static void pcrs_text(uint16_t bank, uint32_t mask, char *out, size_t cap)
{
	size_t n = (size_t)snprintf(out, cap, "%s:", poc_tpm_alg_name(bank));
	int i = 0, j, first = 1;

	while (i < 24 && n < cap) {
		if (!(mask & (1u << i))) {
			i++;
			continue;
		}
		for (j = i; j + 1 < 24 && (mask & (1u << (j + 1))); j++)
			;
		n += (size_t)snprintf(out + n, cap - n, j > i ? "%s%d-%d" : "%s%d", first ? "" : ",", i, j);
		first = 0;
		i = j + 1;
	}
	if (first && n < cap)
		snprintf(out + n, cap - n, "none");
}

static void json_print(json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* The PIN state as the TPM counts it: the lock is visible before anyone tries. */
static void list_pin(const struct poc_token *t)
{
	struct poc_err e = { 0 };
	uint32_t count, limit;

	if (!t->meta.has_pin)
		return;
	if (poc_token_pin_status(&e, t, 0, &count, &limit) < 0)
		printf("PIN: counter unreadable: %s\n", e.msg);
	else if (count >= limit)
		printf("PIN: LOCKED after %u wrong tries (the TPM refuses every PIN until the SO resets it: docs/pin.md)\n",
		       (unsigned)limit);
	else
		printf("PIN: %u of %u tries left (NV index 0x%08x)\n", (unsigned)(limit - count), (unsigned)limit,
		       (unsigned)t->meta.pin_nv);
}

/* The PIN state as JSON: null without a PIN. */
static json_object *pin_json(const struct poc_token *t)
{
	struct poc_err e = { 0 };
	uint32_t count, limit;
	json_object *o;

	if (!t->meta.has_pin)
		return NULL;
	o = json_object_new_object();
	if (poc_token_pin_status(&e, t, 0, &count, &limit) < 0) {
		json_object_object_add(o, "error", json_object_new_string(e.msg));
		return o;
	}
	json_object_object_add(o, "tries_left", json_object_new_int64(count >= limit ? 0 : (int64_t)(limit - count)));
	json_object_object_add(o, "limit", json_object_new_int64(limit));
	json_object_object_add(o, "locked", json_object_new_boolean(count >= limit));
	return o;
}

/* The tokens of the store, as their token.cbor reads (display only: a release authenticates it). */
static int list_tokens(const struct poc_config *cfg, json_object *arr)
{
	struct poc_err e = { 0 };
	DIR *d = opendir(cfg->store);
	struct dirent *de;

	if (d == NULL) {
		poc_tool_warn("%s: no store", cfg->store);
		return POC_EXIT_USAGE;
	}
	while ((de = readdir(d)) != NULL) {
		struct poc_store *s = NULL;
		struct poc_token_meta m;

		if (de->d_name[0] == '.' || poc_store_open(&e, cfg->store, de->d_name, 0, &s) < 0) {
			poc_err_clear(&e);
			continue;
		}
		memset(&m, 0, sizeof(m));
		/* Display only: token.cbor as it reads, authenticated by a release, not here. */
		if (poc_store_token_read(&e, s, &m) == 0) {
			char pcrs[96];

			pcrs_text(m.pcr_bank, m.pcr_mask, pcrs, sizeof(pcrs));
			if (arr != NULL) {
				json_object *o = json_object_new_object();

				json_object_object_add(o, "label", json_object_new_string(m.label));
				json_object_object_add(o, "pcrs", json_object_new_string(pcrs));
				json_object_object_add(o, "pin", json_object_new_boolean(m.has_pin));
				json_object_object_add(o, "signed_pcr_policy", json_object_new_boolean(m.policy_key_spki != NULL));
				json_object_array_add(arr, o);
			} else {
				printf("%-32s PCRs %s%s%s\n", m.label, pcrs, m.has_pin ? ", PIN" : "",
				       m.policy_key_spki != NULL ? ", signed PCR policy" : "");
			}
		} else if (e.code != POC_ERR_ARG) {
			if (arr != NULL) {
				json_object *o = json_object_new_object();

				json_object_object_add(o, "label", json_object_new_string(de->d_name));
				json_object_object_add(o, "unusable", json_object_new_string(e.msg));
				json_object_array_add(arr, o);
			} else {
				printf("%-32s (unusable: %s)\n", de->d_name, e.msg);
			}
		}
		poc_err_clear(&e);
		poc_token_meta_free(&m);
		poc_store_close(s);
	}
	closedir(d);
	return POC_EXIT_OK;
}

/* One object of a token: a line, or an element of arr. */
static void list_object(const struct poc_token *t, const char *name, json_object *arr)
{
	struct poc_err e = { 0 };
	struct poc_object_header h;
	uint8_t *buf = NULL;
	size_t len = 0;
	char id[2 * POC_OBJECT_ID_MAX + 1] = "-";
	json_object *o = arr != NULL ? json_object_new_object() : NULL;

	memset(&h, 0, sizeof(h));
	if (poc_store_get(&e, t->store, name, &buf, &len) == 0 && poc_object_parse(&e, buf, len, &h, NULL, NULL) == 0) {
		if (h.id_len)
			poc_hex_encode(h.id, h.id_len, id);
		if (o != NULL) {
			json_object_object_add(o, "file", json_object_new_string(name));
			json_object_object_add(o, "class", json_object_new_string(class_name(h.class)));
			json_object_object_add(o, "key_type", json_object_new_string(key_type_name(h.class, h.key_type)));
			json_object_object_add(o, "id", json_object_new_string(id));
			json_object_object_add(o, "label", json_object_new_string(h.label));
		} else {
			printf("%-40s class %s, key type %s, id %s, label \"%s\"\n", name, class_name(h.class),
			       key_type_name(h.class, h.key_type), id, h.label);
		}
	} else if (o != NULL) {
		json_object_object_add(o, "file", json_object_new_string(name));
		json_object_object_add(o, "unreadable", json_object_new_string(e.msg));
	} else {
		printf("%-40s (unreadable: %s)\n", name, e.msg);
	}
	if (o != NULL)
		json_object_array_add(arr, o);
	poc_object_header_free(&h);
	free(buf);
}

static int list_objects(const struct poc_config *cfg, const char *token, int json)
{
	struct poc_err e = { 0 };
	struct poc_token *t = NULL;
	char **names = NULL;
	size_t n = 0, i;
	json_object *top = NULL, *arr = NULL, *pin;

	if (poc_token_open(&e, cfg, token, &t) < 0 || poc_store_list(&e, t->store, ".obj", &names, &n) < 0) {
		poc_tool_warn("list: %s", e.msg);
		poc_token_close(t);
		return POC_EXIT_USAGE;
	}
	if (json) {
		top = json_object_new_object();
		arr = json_object_new_array();
		pin = pin_json(t);
		json_object_object_add(top, "token", json_object_new_string(token));
		json_object_object_add(top, "pin", pin);
	} else {
		list_pin(t);
	}
	for (i = 0; i < n; i++)
		list_object(t, names[i], arr);
	if (json) {
		json_object_object_add(top, "objects", arr);
		json_print(top);
	}
	poc_store_list_free(names, n);
	poc_token_close(t);
	return POC_EXIT_OK;
}

int poc_cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "token", required_argument, NULL, 't' }, { "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *token = NULL;
	struct poc_config cfg;
	int c, json = 0, rv;
	json_object *top, *arr;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't': token = optarg; break;
		case 'j': json = 1; break;
		case 'h':
			printf("Usage: poctool list [--token TOKEN] [--json]\n\nLists the tokens of the store, or the objects of one token,\n"
			       "as the store says (what it prints is not authenticated: a release checks it).\n"
			       "  --json   the same as one JSON document\n");
			return POC_EXIT_OK;
		default: return POC_EXIT_USAGE;
		}
	}
	if (optind != argc || poc_tool_load_config(&cfg) < 0)
		return POC_EXIT_USAGE;
	if (token != NULL)
		return list_objects(&cfg, token, json);
	if (!json)
		return list_tokens(&cfg, NULL);
	top = json_object_new_object();
	arr = json_object_new_array();
	json_object_object_add(top, "store", json_object_new_string(cfg.store));
	json_object_object_add(top, "tokens", arr);
	rv = list_tokens(&cfg, arr);
	if (rv == POC_EXIT_OK)
		json_print(top);
	else
		json_object_put(top);
	return rv;
}

/* A public key of the token as PEM, after a title line. */
/*
 * A record key as PEM under label: "PUBLIC KEY" for the verifier key, and
 * POC_DENIAL_PEM_LABEL for the denial key, so that `record verify --key`
 * applies the denials-only rule to it and no tool takes it for a verifier key.
 */
static void print_key(const char *title, const char *label, const uint8_t *spki, size_t len)
{
	const uint8_t *p = spki;
	EVP_PKEY *k = spki != NULL ? d2i_PUBKEY(NULL, &p, (long)len) : NULL;

	printf("%s:%s\n", title, k == NULL ? " none" : "");
	if (k != NULL && (p != spki + len || PEM_write(stdout, label, "", spki, (long)len) <= 0))
		poc_tool_warn("show: cannot print the %s", title);
	EVP_PKEY_free(k);
}

/* The object's last record, its signature checked against the token's keys as token.cbor names them. */
static void show_record(const struct poc_token *t, const uint8_t *rec, size_t rlen)
{
	struct poc_err e = { 0 };
	struct poc_record *r = NULL;
	const char *signer = NULL;
	char *json = NULL, *timed;

	if (poc_record_decode(&e, rec, rlen, &r) == 0 && poc_record_to_json(&e, r, &json) == 0 &&
	    (timed = poc_tool_record_json_times(json)) != NULL) {
		free(json);
		json = timed; /* with iat_utc */
	}
	if (json == NULL)
		printf("last record: unreadable (%s)\n", e.msg);
	else if (poc_token_record_verify(&e, t, r, &signer) < 0)
		printf("last record (signature NOT valid: %s):\n%s\n", e.msg, json);
	else if (!poc_record_is_denial(r)) /* an attacker who rewrote token.cbor signs with his own key */
		printf("last record (signature valid with %s as token.cbor names it, NOT authenticated by show: "
		       "`poctool record verify FILE --token %s [--pin PIN]` checks that key with the TPM):\n%s\n",
		       signer, t->meta.label, json);
	else
		printf("last record (signature valid: %s):\n%s\n", signer, json);
	free(json);
	poc_record_free(r);
}

static void show_text(const struct poc_token *t, const char *name, const struct poc_object_header *h,
		      const uint8_t *rec, size_t rlen)
{
	char hex[65], pcrs[96];

	printf("object %s in token \"%s\"\n  label \"%s\"\n  class %s, key type %s, flags 0x%llx\n", name,
	       t->meta.label, h->label, class_name(h->class), key_type_name(h->class, h->key_type),
	       (unsigned long long)h->flags);
	poc_hex_encode(h->policy_digest, 32, hex);
	pcrs_text(h->pcr_bank, h->pcr_mask, pcrs, sizeof(pcrs));
	printf("  sealed to PCRs %s, policy sha256:%s, ttl %llu s, re-check at %s\n", pcrs, hex,
	       (unsigned long long)h->ttl, h->recheck_first_use ? "first use" : "login");
	printf("policy (as token.cbor says: its signature is checked by each release, not by show):\n%.*s\n",
	       (int)t->meta.policy_json_len, (const char *)t->meta.policy_json);
	if (rec == NULL)
		printf("last record: none (never released)\n");
	else
		show_record(t, rec, rlen);
	printf("token keys (as token.cbor names them: not authenticated by show):\n");
	print_key("verifier key (signs records)", PEM_STRING_PUBLIC, t->meta.verifier_spki, t->meta.verifier_spki_len);
	print_key("denial key (signs only denials)", POC_DENIAL_PEM_LABEL, t->meta.denial_spki, t->meta.denial_spki_len);
}

/* A record key as a PEM string (JSON null when absent). */
static json_object *key_pem(const char *label, const uint8_t *spki, size_t len)
{
	BIO *b = spki != NULL ? BIO_new(BIO_s_mem()) : NULL;
	char *p = NULL;
	long n;
	json_object *o = NULL;

	if (b != NULL && PEM_write_bio(b, label, "", spki, (long)len) > 0 && (n = BIO_get_mem_data(b, &p)) > 0)
		o = json_object_new_string_len(p, (int)n);
	BIO_free(b);
	return o;
}

/* The last record: its claims, and whether its signature verifies with the keys token.cbor names. */
static json_object *record_json(const struct poc_token *t, const uint8_t *rec, size_t rlen)
{
	struct poc_err e = { 0 };
	struct poc_record *r = NULL;
	const char *signer = NULL;
	char *json = NULL;
	json_object *o = json_object_new_object();

	if (poc_record_decode(&e, rec, rlen, &r) < 0 || poc_record_to_json(&e, r, &json) < 0) {
		json_object_object_add(o, "unreadable", json_object_new_string(e.msg));
	} else {
		int ok = poc_token_record_verify(&e, t, r, &signer) == 0;

		json_object_object_add(o, "signature", json_object_new_string(ok ? "valid" : "not valid"));
		json_object_object_add(o, ok ? "signer" : "why", json_object_new_string(ok ? signer : e.msg));
		json_object_object_add(o, "authenticated_by_show", json_object_new_boolean(ok && poc_record_is_denial(r)));
		char *timed = poc_tool_record_json_times(json);

		json_object_object_add(o, "record", json_tokener_parse(timed != NULL ? timed : json));
		free(timed);
	}
	free(json);
	poc_record_free(r);
	return o;
}

static void show_json(const struct poc_token *t, const char *name, const struct poc_object_header *h,
		      const uint8_t *rec, size_t rlen)
{
	json_object *o = json_object_new_object();
	char hex[65], pcrs[96], id[2 * POC_OBJECT_ID_MAX + 1] = "";
	char *policy = strndup((const char *)t->meta.policy_json, t->meta.policy_json_len);

	poc_hex_encode(h->policy_digest, 32, hex);
	pcrs_text(h->pcr_bank, h->pcr_mask, pcrs, sizeof(pcrs));
	if (h->id_len)
		poc_hex_encode(h->id, h->id_len, id);
	json_object_object_add(o, "file", json_object_new_string(name));
	json_object_object_add(o, "token", json_object_new_string(t->meta.label));
	json_object_object_add(o, "label", json_object_new_string(h->label));
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "class", json_object_new_string(class_name(h->class)));
	json_object_object_add(o, "key_type", json_object_new_string(key_type_name(h->class, h->key_type)));
	json_object_object_add(o, "flags", json_object_new_int64((int64_t)h->flags));
	json_object_object_add(o, "pcrs", json_object_new_string(pcrs));
	json_object_object_add(o, "policy_sha256", json_object_new_string(hex));
	json_object_object_add(o, "ttl", json_object_new_int64((int64_t)h->ttl));
	json_object_object_add(o, "recheck", json_object_new_string(h->recheck_first_use ? "first-use" : "login"));
	/* As token.cbor says: a release checks its signature, show does not. */
	json_object_object_add(o, "policy", policy != NULL ? json_tokener_parse(policy) : NULL);
	json_object_object_add(o, "last_record", rec != NULL ? record_json(t, rec, rlen) : NULL);
	json_object_object_add(o, "verifier_key", key_pem(PEM_STRING_PUBLIC, t->meta.verifier_spki, t->meta.verifier_spki_len));
	json_object_object_add(o, "denial_key", key_pem(POC_DENIAL_PEM_LABEL, t->meta.denial_spki, t->meta.denial_spki_len));
	free(policy);
	json_print(o);
}

int poc_cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "token", required_argument, NULL, 't' }, { "label", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *token = NULL, *label = NULL;
	struct poc_object_header h;
	struct poc_config cfg;
	struct poc_token *t = NULL;
	struct poc_err e = { 0 };
	char name[POC_STORE_NAME_MAX];
	uint8_t *buf = NULL, *rec = NULL;
	size_t len = 0, rlen = 0;
	int c, json = 0, rec_ok, rv = POC_EXIT_USAGE;

	memset(&h, 0, sizeof(h));
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't': token = optarg; break;
		case 'l': label = optarg; break;
		case 'j': json = 1; break;
		case 'h':
			printf("Usage: poctool show --token TOKEN --label NAME [--json]\n\n"
			       "Prints an object, the policy it is sealed under, and its last attestation record\n"
			       "with its signature checked against the token's keys; then the token's record keys\n"
			       "as PEM (for `poctool record verify --key`): the verifier key, sealed to the PCRs,\n"
			       "and the denial key, sealed to the TPM alone, which signs only denials (a record it\n"
			       "signed is valid only with status contraindicated). The denial key is labelled\n"
			       "\"" POC_DENIAL_PEM_LABEL "\", which `record verify` reads as a denial key.\n"
			       "What show prints comes from the store and is not authenticated here (a release\n"
			       "checks the token state's signature with the key the TPM unseals): compare the\n"
			       "keys with ones you exported before. --json prints the same as one JSON document\n"
			       "(the policy and the record's claims as JSON, the keys as PEM strings).\n");
			return POC_EXIT_OK;
		default: return POC_EXIT_USAGE;
		}
	}
	if (poc_tool_missing("show", (const char *const[]){ "--token TOKEN", "--label NAME" },
			     (const char *const[]){ token, label }, 2) < 0)
		return POC_EXIT_USAGE;
	if (optind != argc) {
		poc_tool_warn("show: unexpected argument \"%s\" (see poctool show --help)", argv[optind]);
		return POC_EXIT_USAGE;
	}
	if (poc_tool_load_config(&cfg) < 0)
		return POC_EXIT_USAGE;
	if (poc_token_open(&e, &cfg, token, &t) < 0 || poc_token_find(&e, t, label, name) < 0 ||
	    poc_store_get(&e, t->store, name, &buf, &len) < 0 || poc_object_parse(&e, buf, len, &h, NULL, NULL) < 0) {
		poc_tool_warn("show: %s", e.msg);
		goto done;
	}
	rec_ok = poc_store_record_get(&e, t->store, name, &rec, &rlen) == 0;
	if (json)
		show_json(t, name, &h, rec_ok ? rec : NULL, rlen);
	else
		show_text(t, name, &h, rec_ok ? rec : NULL, rlen);
	rv = POC_EXIT_OK;
done:
	free(rec);
	free(buf);
	poc_object_header_free(&h);
	poc_token_close(t);
	return rv;
}
