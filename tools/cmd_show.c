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

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <p11-kit/pkcs11.h>
#include <tss2/tss2_tpm2_types.h>

#include "commands.h"
#include "config/configuration.h"
#include "hex.h"
#include "pcrs.h"
#include "poctool.h"
#include "record.h"
#include "record_file.h"
#include "token/token.h"
#include "token/token_pin.h"
#include "tpm/tpm.h"

/* The PIN state as the TPM counts it: the lock is visible before anyone tries. */
static void list_pin(const struct poc_token *t)
{
	struct poc_err e = { 0 };
	uint32_t count, limit;

	if (!t->meta.has_pin)
		return;
	if (poc_token_pin_status(&e, t, &count, &limit) < 0)
		printf("PIN: counter unreadable: %s\n", e.msg);
	else if (count >= limit)
		printf("PIN: LOCKED after %u wrong tries (the TPM refuses every PIN until the SO resets it: docs/pin.md)\n",
		       (unsigned)limit);
	else
		printf("PIN: %u of %u tries left (NV index 0x%08x)\n", (unsigned)(limit - count), (unsigned)limit,
		       (unsigned)t->meta.pin_nv);
}

/* The tokens of the store, as their token.cbor reads (display only: a release authenticates it). */
static int list_tokens(const struct poc_config *cfg)
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
		if (poc_store_token_read(&e, s, &m) == 0)
			printf("%-32s pcrs %s:0x%06x%s%s\n", m.label, poc_tpm_alg_name(m.pcr_bank), m.pcr_mask,
			       m.has_pin ? ", PIN" : "", m.policy_key_spki != NULL ? ", signed PCR policy" : "");
		else if (e.code != POC_ERR_ARG)
			printf("%-32s (unusable: %s)\n", de->d_name, e.msg);
		poc_err_clear(&e);
		poc_token_meta_free(&m);
		poc_store_close(s);
	}
	closedir(d);
	return POC_EXIT_OK;
}

int poc_cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "token", required_argument, NULL, 't' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *token = NULL;
	struct poc_config cfg;
	struct poc_err e = { 0 };
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't': token = optarg; break;
		case 'h':
			printf("Usage: poctool list [--token TOKEN]\n\nLists the tokens of the store, or the objects of one token,\n"
			       "as the store says (what it prints is not authenticated: a release checks it).\n");
			return POC_EXIT_OK;
		default: return POC_EXIT_USAGE;
		}
	}
	if (optind != argc || poc_tool_load_config(&cfg) < 0)
		return POC_EXIT_USAGE;
	if (token == NULL) {
		return list_tokens(&cfg);
	} else {
		struct poc_token *t = NULL;
		char **names = NULL;
		size_t n = 0, i;

		if (poc_token_open(&e, &cfg, token, &t) < 0 || poc_store_list(&e, t->store, ".obj", &names, &n) < 0) {
			poc_tool_warn("list: %s", e.msg);
			poc_token_close(t);
			return POC_EXIT_USAGE;
		}
		list_pin(t);
		for (i = 0; i < n; i++) {
			struct poc_object_header h;
			uint8_t *buf = NULL;
			size_t len = 0;
			char id[2 * POC_OBJECT_ID_MAX + 1];

			memset(&h, 0, sizeof(h));
			if (poc_store_get(&e, t->store, names[i], &buf, &len) == 0 &&
			    poc_object_parse(&e, buf, len, &h, NULL, NULL) == 0) {
				poc_hex_encode(h.id, h.id_len, id);
				printf("%-40s class %lu  id %s  label \"%s\"\n", names[i], h.class, h.id_len ? id : "-", h.label);
			} else {
				printf("%-40s (unreadable: %s)\n", names[i], e.msg);
			}
			poc_err_clear(&e);
			poc_object_header_free(&h);
			free(buf);
		}
		poc_store_list_free(names, n);
		poc_token_close(t);
		return POC_EXIT_OK;
	}
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
	char *json = NULL;

	if (poc_record_decode(&e, rec, rlen, &r) < 0 || poc_record_to_json(&e, r, &json) < 0)
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

int poc_cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "token", required_argument, NULL, 't' }, { "label", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *token = NULL, *label = NULL;
	struct poc_object_header h;
	struct poc_config cfg;
	struct poc_token *t = NULL;
	struct poc_err e = { 0 };
	char name[POC_STORE_NAME_MAX], hex[65];
	uint8_t *buf = NULL, *rec = NULL;
	size_t len = 0, rlen = 0;
	int c, rv = POC_EXIT_USAGE;

	memset(&h, 0, sizeof(h));
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't': token = optarg; break;
		case 'l': label = optarg; break;
		case 'h':
			printf("Usage: poctool show --token TOKEN --label NAME\n\n"
			       "Prints an object, the policy it is sealed under, and its last attestation record\n"
			       "with its signature checked against the token's keys; then the token's record keys\n"
			       "as PEM (for `poctool record verify --key`): the verifier key, sealed to the PCRs,\n"
			       "and the denial key, sealed to the TPM alone, which signs only denials (a record it\n"
			       "signed is valid only with status contraindicated). The denial key is labelled\n"
			       "\"" POC_DENIAL_PEM_LABEL "\", which `record verify` reads as a denial key.\n"
			       "What show prints comes from the store and is not authenticated here (a release\n"
			       "checks the token state's signature with the key the TPM unseals): compare the\n"
			       "keys with ones you exported before.\n");
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
	printf("object %s in token \"%s\"\n  label \"%s\"\n  class %lu, key type %lu, flags 0x%llx\n", name, token,
	       h.label, h.class, h.key_type, (unsigned long long)h.flags);
	poc_hex_encode(h.policy_digest, 32, hex);
	printf("  sealed to PCRs %s:0x%06x, policy sha256:%s, ttl %llu s, re-check at %s\n", poc_tpm_alg_name(h.pcr_bank),
	       h.pcr_mask, hex, (unsigned long long)h.ttl, h.recheck_first_use ? "first use" : "login");
	printf("policy (as token.cbor says: its signature is checked by each release, not by show):\n%.*s\n",
	       (int)t->meta.policy_json_len, (const char *)t->meta.policy_json);
	if (poc_store_record_get(&e, t->store, name, &rec, &rlen) < 0)
		printf("last record: none (never released)\n");
	else
		show_record(t, rec, rlen);
	printf("token keys (as token.cbor names them: not authenticated by show):\n");
	print_key("verifier key (signs records)", PEM_STRING_PUBLIC, t->meta.verifier_spki, t->meta.verifier_spki_len);
	print_key("denial key (signs only denials)", POC_DENIAL_PEM_LABEL, t->meta.denial_spki, t->meta.denial_spki_len);

	rv = POC_EXIT_OK;
done:
	free(rec);
	free(buf);
	poc_object_header_free(&h);
	poc_token_close(t);
	return rv;
}
