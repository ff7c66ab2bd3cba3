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
#include "hex.h"
#include "poctool.h"
#include "record.h"
#include "record_file.h"

#define KEY_FILE_MAX (1u << 20)
#define POLICY_FILE_MAX (16u << 20)

/* A public key from PEM: SubjectPublicKeyInfo or a certificate (its key). */
static EVP_PKEY *load_pub(const char *path)
{
	uint8_t *buf;
	size_t len;
	BIO *bio;
	EVP_PKEY *k = NULL;
	X509 *x;

	buf = poc_tool_read_file(path, KEY_FILE_MAX, &len);
	if (buf == NULL)
		return NULL;
	bio = BIO_new_mem_buf(buf, (int)len);
	if (bio != NULL)
		k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	if (k == NULL && bio != NULL && BIO_reset(bio) == 1 && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		k = X509_get_pubkey(x);
		X509_free(x);
	}
	ERR_clear_error();
	if (k == NULL)
		poc_tool_warn("%s: not a PEM public key or certificate", path);
	BIO_free(bio);
	free(buf);
	return k;
}

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

	if (EVP_Digest(bundle, bundle_len, bh, NULL, EVP_sha256(), NULL) != 1) {
		poc_tool_warn("record: cannot hash the bundle");
		goto done;
	}
	bind.bundle_hash = bh;
	if (policy_path != NULL) {
		pol = poc_tool_read_file(policy_path, POLICY_FILE_MAX, &plen);
		if (pol == NULL)
			goto done;
		if (EVP_Digest(pol, plen, ph, NULL, EVP_sha256(), NULL) != 1) {
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
		"Usage: poctool record show FILE\n\n"
		"Prints an attestation record (COSE_Sign1 over EAR claims) as JSON, claim names\n"
		"instead of numeric keys. The signature is not checked: use record verify.\n"
		"Exit 0: printed. 2: not a record, or usage.\n");
}

int poc_cmd_record_show(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	struct poc_err e = { 0 };
	struct poc_record *r = NULL;
	char *json = NULL;
	int c, rv = POC_EXIT_USAGE;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
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
	printf("%s\n", json);
	rv = POC_EXIT_OK;
done:
	free(json);
	poc_record_free(r);
	return rv;
}

static void verify_usage(FILE *f)
{
	fprintf(f,
		"Usage: poctool record verify FILE --key PUB.pem\n\n"
		"Checks an attestation record's signature (ES256/ES384) with the verifier's\n"
		"public key (PEM SubjectPublicKeyInfo or certificate) and prints its status.\n"
		"Exit 0: signature OK (whatever the status). 1: the signature does not verify.\n"
		"2: not a record, unusable key, or usage.\n\n"
		"  -k, --key FILE    the verifier's public key\n");
}

int poc_cmd_record_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	struct poc_err e = { 0 };
	struct poc_record *r = NULL;
	const char *key = NULL, *clause;
	EVP_PKEY *pub = NULL;
	int c, rv = POC_EXIT_USAGE;

	optind = 1;
	while ((c = getopt_long(argc, argv, "k:h", opts, NULL)) != -1) {
		switch (c) {
		case 'h': verify_usage(stdout); return POC_EXIT_OK;
		case 'k': key = optarg; break;
		default: verify_usage(stderr); return POC_EXIT_USAGE;
		}
	}
	if (key == NULL || optind != argc - 1) {
		verify_usage(stderr);
		return POC_EXIT_USAGE;
	}
	r = load_record(argv[optind]);
	if (r == NULL)
		goto done;
	pub = load_pub(key);
	if (pub == NULL)
		goto done;
	if (poc_record_verify(&e, r, pub) < 0) {
		if (e.code == POC_ERR_SIGNATURE) {
			printf("signature BAD: %s\n", e.msg);
			rv = POC_EXIT_DENIED;
		} else {
			poc_tool_warn("%s: %s", argv[optind], e.msg);
		}
		goto done;
	}
	printf("signature OK, status %s", poc_ear_status_name(poc_record_status(r)));
	clause = poc_record_denied_clause(r);
	if (clause != NULL)
		printf(" (denied: %s)", clause);
	printf("\n");
	rv = POC_EXIT_OK;
done:
	EVP_PKEY_free(pub);
	poc_record_free(r);
	return rv;
}
