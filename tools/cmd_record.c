/* SPDX-License-Identifier: Apache-2.0 */
/* poctool record show | verify, and writing a record for evidence verify --record. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "commands.h"
#include "digest.h"
#include "hex.h"
#include "poctool.h"
#include "verify_json.h"
#include "record.h"
#include "record_file.h"
#include "token/token.h"
#include "config/configuration.h"

#define KEY_FILE_MAX (1u << 20)
#define POLICY_FILE_MAX (16u << 20)

static EVP_PKEY *load_priv(const char *path)
{
	uint8_t *buf;
	size_t len;
	BIO *bio;
	EVP_PKEY *k = NULL;

	buf = poc_tool_read_file(path, KEY_FILE_MAX, &len);
	if (buf == NULL)
		return NULL;
	bio = BIO_new_mem_buf(buf, (int)len);
	if (bio != NULL)
		k = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	ERR_clear_error();
	if (k == NULL)
		poc_tool_warn("%s: not a PEM private key (unencrypted)", path);
	BIO_free(bio);
	/* The file holds a private key: wipe our copy. */
	OPENSSL_cleanse(buf, len);
	free(buf);
	return k;
}

static int write_pub(const char *out, EVP_PKEY *k)
{
	char path[4096];
	BIO *bio = BIO_new(BIO_s_mem());
	char *pem;
	long n;
	int rv = -1;

	if (snprintf(path, sizeof(path), "%s.pub.pem", out) >= (int)sizeof(path)) {
		poc_tool_warn("%s: path too long", out);
		goto done;
	}
	if (bio == NULL || PEM_write_bio_PUBKEY(bio, k) != 1 || (n = BIO_get_mem_data(bio, &pem)) <= 0) {
		poc_tool_warn("%s: cannot encode the record key", path);
		goto done;
	}
	rv = poc_tool_write_file(path, (const uint8_t *)pem, (size_t)n);
done:
	BIO_free(bio);
	return rv;
}

int poc_tool_record_write(const char *out, const char *key_pem_path, const struct poc_appraisal *a,
			  const struct poc_appraise_opts *o, const uint8_t *bundle, size_t bundle_len,
			  const char *policy_path, int64_t at)
{
	struct poc_record_bind bind = { .verification = "local", .build = "poc-pkcs11 " PACKAGE_VERSION };
	struct poc_err e = { 0 };
	uint8_t bh[32], ph[32], *pol = NULL, *rec = NULL;
	char policy_id[8 + 64 + 1];
	EVP_PKEY *k = NULL;
	size_t plen, rlen;
	int rv = -1;

	if (poc_sha256(bundle, bundle_len, bh) < 0) {
		poc_tool_warn("record: cannot hash the bundle");
		goto done;
	}
	bind.bundle_hash = bh;
	if (policy_path != NULL) {
		pol = poc_tool_read_file(policy_path, POLICY_FILE_MAX, &plen);
		if (pol == NULL)
			goto done;
		if (poc_sha256(pol, plen, ph) < 0) {
			poc_tool_warn("record: cannot hash %s", policy_path);
			goto done;
		}
		memcpy(policy_id, "sha256:", 7);
		poc_hex_encode(ph, sizeof(ph), policy_id + 7);
		bind.policy_id = policy_id;
	}
	if (key_pem_path != NULL) {
		k = load_priv(key_pem_path);
	} else {
		k = EVP_EC_gen("P-256");
		if (k == NULL)
			poc_tool_warn("record: cannot generate a P-256 key");
		else if (write_pub(out, k) < 0) {
			EVP_PKEY_free(k);
			k = NULL;
		}
	}
	if (k == NULL)
		goto done;
	if (poc_record_sign(&e, a, o, &bind, at, 0, k, &rec, &rlen) < 0) {
		poc_tool_warn("%s: %s", out, e.msg);
		goto done;
	}
	rv = poc_tool_write_file(out, rec, rlen);
done:
	free(rec);
	free(pol);
	EVP_PKEY_free(k);
	return rv;
}

/* Reads and decodes FILE; prints why on failure. */
static struct poc_record *load_record(const char *path)
{
	struct poc_err e = { 0 };
	struct poc_record *r = NULL;
	uint8_t *buf;
	size_t len;

	buf = poc_tool_read_file(path, POC_RECORD_MAX, &len);
	if (buf == NULL)
		return NULL;
	if (poc_record_decode(&e, buf, len, &r) < 0)
		poc_tool_warn("%s: %s", path, e.msg);
	free(buf);
	return r;
}

static void show_usage(FILE *f)
{
	fprintf(f,
		"Usage: poctool record show FILE [--json]\n\n"
		"Prints an attestation record (COSE_Sign1 over EAR claims) as JSON, claim names\n"
		"instead of numeric keys, claims.iat also as ISO 8601 (claims.iat_utc; --json: the same,\n"
		"accepted as by list, show and evidence verify). The signature is not checked.\n"
		"Exit 0: printed. 2: not a record, or usage.\n");
}

int poc_cmd_record_show(int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	struct poc_err e = { 0 };
	struct poc_record *r = NULL;
	char *json = NULL;
	int c, rv = POC_EXIT_USAGE;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'j')
			continue; /* its output is JSON already: --json says so, as for list, show and evidence verify */
		if (c == 'h') {
			show_usage(stdout);
			return POC_EXIT_OK;
		}
		show_usage(stderr);
		return POC_EXIT_USAGE;
	}
	if (optind != argc - 1) {
		show_usage(stderr);
		return POC_EXIT_USAGE;
	}
	r = load_record(argv[optind]);
	if (r == NULL)
		goto done;
	if (poc_record_to_json(&e, r, &json) < 0) {
		poc_tool_warn("%s: %s", argv[optind], e.msg);
		goto done;
	}
	{
		char *timed = poc_tool_record_json_times(json);

		printf("%s\n", timed != NULL ? timed : json);
		free(timed);
	}
	rv = POC_EXIT_OK;
done:
	free(json);
	poc_record_free(r);
	return rv;
}

static void verify_usage(FILE *f)
{
	fprintf(f,
		"Usage: poctool record verify FILE (--key PUB.pem | --denial-key PUB.pem | --token TOKEN)...\n\n"
		"Checks an attestation record's signature (ES256/ES384) and prints its status.\n"
		"A token has two record keys: its verifier key signs every record; its denial\n"
		"key, sealed to the TPM alone (no PCRs, so code on a machine whose PCRs changed\n"
		"can use it), signs only denials. A record signed by a denial key is therefore\n"
		"valid only with status contraindicated, the rule `poctool show` applies.\n"
		"Exit 0: signature OK (and, for a denial key, a denial). 1: the signature does\n"
		"not verify with any key given, or a denial key signed a record that is not a\n"
		"denial. 2: not a record, unusable key, or usage.\n\n"
		"  -k, --key FILE         PEM keys: each PUBLIC KEY or CERTIFICATE block is a verifier\n"
		"                         key, each " POC_DENIAL_PEM_LABEL " block (the way `poctool show`\n"
		"                         exports a denial key) a denial key; the whole output of\n"
		"                         `poctool show` may be given\n"
		"  -d, --denial-key FILE  PEM keys that are all denial keys, whatever their label\n"
		"  -t, --token TOKEN      both keys from the token's state in the store; a record that\n"
		"                         is not a denial also needs that state authenticated by the\n"
		"                         TPM (the verifier key unsealed: the token's PCRs, and its PIN)\n"
		"  -p, --pin PIN          with --token: the token's PIN (a counted try, docs/pin.md)\n"
		"      --pin-file FILE    the same from a file's first line (or $POC_PIN)\n");
}

#define VERIFY_KEYS_MAX 16

/* Keys from PEM files, each a verifier key or a denial key (signs only denials). */
struct keyset {
	EVP_PKEY *k[VERIFY_KEYS_MAX];
	int denial[VERIFY_KEYS_MAX];
	size_t n;
};

static void keyset_free(struct keyset *ks)
{
	for (size_t i = 0; i < ks->n; i++)
		EVP_PKEY_free(ks->k[i]);
	ks->n = 0;
}

/* One PEM block: its key, or NULL for a block that is not a key (and not an error). */
static int pem_block_key(const char *name, const uint8_t *der, long len, EVP_PKEY **k, int *denial)
{
	const uint8_t *p = der;
	X509 *x;

	*k = NULL;
	*denial = strcmp(name, POC_DENIAL_PEM_LABEL) == 0;
	if (*denial || strcmp(name, PEM_STRING_PUBLIC) == 0) {
		*k = d2i_PUBKEY(NULL, &p, len);
	} else if (strcmp(name, PEM_STRING_X509) == 0) {
		if ((x = d2i_X509(NULL, &p, len)) != NULL)
			*k = X509_get_pubkey(x);
		X509_free(x);
	} else {
		return 0;
	}
	if (*k == NULL || p != der + len) {
		EVP_PKEY_free(*k);
		*k = NULL;
		return -1;
	}
	return 0;
}

/* Adds every key of the PEM file path; all_denial makes each a denial key (--denial-key). */
static int keyset_load(struct keyset *ks, const char *path, int all_denial)
{
	char *name = NULL, *hdr = NULL;
	unsigned char *der = NULL;
	long dlen;
	size_t len, before = ks->n;
	uint8_t *buf = poc_tool_read_file(path, KEY_FILE_MAX, &len);
	BIO *bio = buf != NULL ? BIO_new_mem_buf(buf, (int)len) : NULL;
	int rv = -1, denial;
	EVP_PKEY *k;

	while (bio != NULL && PEM_read_bio(bio, &name, &hdr, &der, &dlen) == 1) {
		int r = pem_block_key(name, der, dlen, &k, &denial);

		if (r < 0)
			poc_tool_warn("%s: a %s block that is not a usable key", path, name);
		OPENSSL_free(name);
		OPENSSL_free(hdr);
		OPENSSL_free(der);
		if (r < 0)
			goto done;
		if (k == NULL)
			continue;
		if (ks->n == VERIFY_KEYS_MAX) {
			EVP_PKEY_free(k);
			poc_tool_warn("%s: more than %d keys", path, VERIFY_KEYS_MAX);
			goto done;
		}
		ks->denial[ks->n] = denial || all_denial;
		ks->k[ks->n++] = k;
	}
	if (bio != NULL && ks->n == before)
		poc_tool_warn("%s: no PEM public key, certificate or " POC_DENIAL_PEM_LABEL, path);
	rv = bio != NULL && ks->n > before ? 0 : -1;
done:
	ERR_clear_error();
	BIO_free(bio);
	free(buf);
	return rv;
}

/*
 * The signer among ks: a denial key first, so that a key named a denial key
 * anywhere keeps that role. 0 found (*denial says which kind), 1 no key
 * verifies the signature, -1 unusable (printed).
 */
static int keyset_signer(const struct keyset *ks, const struct poc_record *r, const char *file, int *denial)
{
	struct poc_err e = { 0 };
	int bad = 0, other = 0;

	for (int pass = 1; pass >= 0; pass--) {
		for (size_t i = 0; i < ks->n; i++) {
			if (ks->denial[i] != pass)
				continue;
			poc_err_clear(&e);
			if (poc_record_verify(&e, r, ks->k[i]) == 0) {
				*denial = pass;
				return 0;
			}
			if (e.code == POC_ERR_SIGNATURE)
				bad = 1;
			else
				other = 1;
		}
	}
	if (bad)
		return 1;
	if (other)
		poc_tool_warn("%s: %s", file, e.msg);
	return -1;
}

/*
 * A record that is not a denial needs the token's verifier key as init made
 * it, and token.cbor, which names it, is in the untrusted store: the TPM
 * authenticates it (the PIN attempt, the PCR seal, the state's signature).
 * A denial asserts nothing (and the denial key opens for anyone with the
 * TPM), so it needs no more. 0 authenticated, 1 not, -1 unusable.
 */
static int token_keys_ok(struct poc_token *t, const struct poc_record *r, const char *pin, char *why, size_t whylen)
{
	struct poc_err e = { 0 };
	int locked, rv;

	if (poc_record_is_denial(r))
		return 0;
	if (t->meta.has_pin && pin == NULL) {
		poc_tool_warn("token %s has a PIN: give --pin to authenticate its verifier key (or verify with --key and "
			      "the key you exported at init)", t->meta.label);
		return -1;
	}
	rv = poc_token_authenticate(&e, t, (const uint8_t *)pin, pin ? strlen(pin) : 0, &locked);
	if (rv == 0)
		return 0;
	/* A wrong PIN, PCRs that lock the key, a modified state, a TPM that says no: not valid, whichever. */
	snprintf(why, whylen, "the token's verifier key as token.cbor names it is not authenticated: %.400s", e.msg);
	return 1;
}

/* With --token: the token's own rule (module/token/token.c). 0 valid, 1 not, -1 unusable. */
static int token_signer(const char *token, const char *pin, const struct poc_record *r, const char **signer, char *why,
			size_t whylen)
{
	struct poc_config cfg;
	struct poc_token *t = NULL;
	struct poc_err e = { 0 };
	int rv;

	if (poc_tool_load_config(&cfg) < 0)
		return -1;
	if (poc_token_open(&e, &cfg, token, &t) < 0) {
		poc_tool_warn("token %s: %s", token, e.msg);
		return -1;
	}
	rv = poc_token_record_verify(&e, t, r, signer) == 0 ? 0 : e.code == POC_ERR_SIGNATURE ? 1 : -1;
	if (rv == -1)
		poc_tool_warn("token %s: %s", token, e.msg);
	snprintf(why, whylen, "%s", e.msg);
	if (rv == 0)
		rv = token_keys_ok(t, r, pin, why, whylen);
	poc_token_close(t);
	return rv;
}

/* Prints the verdict of a record whose signer was found: a denial key's record must be a denial. */
static int verdict(const struct poc_record *r, int denial, const char *signer)
{
	const char *clause = poc_record_denied_clause(r);

	/* Top-level and every submod: a consumer reading "poc" or "tee" must not find an appraisal the key cannot vouch for. */
	if (denial && !poc_record_is_denial(r)) {
		int poc = poc_record_submod_status(r, "poc"), tee = poc_record_submod_status(r, "tee");
		int vtpm = poc_record_submod_status(r, "vtpm");

		printf("signature NOT valid: signed by %s, which signs only denials, yet status %s (submods: poc %s, tee %s, "
		       "vtpm %s; each must be contraindicated or none)\n",
		       signer, poc_ear_status_name(poc_record_status(r)), poc < 0 ? "absent" : poc_ear_status_name(poc),
		       tee < 0 ? "absent" : poc_ear_status_name(tee), vtpm < 0 ? "absent" : poc_ear_status_name(vtpm));
		return POC_EXIT_DENIED;
	}
	printf("signature OK, status %s", poc_ear_status_name(poc_record_status(r)));
	if (clause != NULL)
		printf(" (denied: %s)", clause);
	printf("; signed by %s\n", signer);
	return POC_EXIT_OK;
}

int poc_cmd_record_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },   { "denial-key", required_argument, NULL, 'd' },
		{ "token", required_argument, NULL, 't' }, { "pin", required_argument, NULL, 'p' },
		{ "pin-file", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },	    { NULL, 0, NULL, 0 },
	};
	struct keyset ks = { .n = 0 };
	struct poc_record *r = NULL;
	const char *token = NULL, *signer = NULL, *pin = NULL;
	struct poc_tool_pin pp = { .arg = NULL };
	char why[POC_ERR_MSG_MAX] = "";
	int c, nkeys = 0, denial = 0, found, rv = POC_EXIT_USAGE;

	optind = 1;
	while ((c = getopt_long(argc, argv, "k:d:t:p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'h': verify_usage(stdout); return POC_EXIT_OK;
		case 'k':
		case 'd':
			if (keyset_load(&ks, optarg, c == 'd') < 0)
				goto done;
			nkeys++;
			break;
		case 't': token = optarg; break;
		case 'p': pp.arg = optarg; break;
		case 'F': pp.file = optarg; break;
		default: verify_usage(stderr); goto done;
		}
	}
	if ((nkeys == 0 && token == NULL) || optind != argc - 1) {
		verify_usage(stderr);
		goto done;
	}
	r = load_record(argv[optind]);
	if (r == NULL)
		goto done;
	found = nkeys ? keyset_signer(&ks, r, argv[optind], &denial) : 1;
	if (found == 0) {
		rv = verdict(r, denial, denial ? "a denial key" : "a verifier key");
		goto done;
	}
	if (found < 0)
		goto done;
	if (token != NULL) {
		if (poc_tool_pin_read("record verify", &pp, 0, &pin) < 0)
			goto done;
		found = token_signer(token, pin, r, &signer, why, sizeof(why));
		if (found == 0)
			rv = verdict(r, 0, signer);
		if (found < 0)
			goto done;
	}
	if (found == 1) {
		printf("signature NOT valid: %s\n", why[0] ? why : "not signed by any of the keys given");
		rv = POC_EXIT_DENIED;
	}
done:
	poc_tool_pin_wipe(&pp);
	keyset_free(&ks);
	poc_record_free(r);
	return rv;
}
