/* SPDX-License-Identifier: Apache-2.0 */
/* poctool keygen | import: private keys (and their certificates) as sealed objects of a token. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <p11-kit/pkcs11.h>

#include "commands.h"
#include "config/configuration.h"
#include "hex.h"
#include "store/object.h"
#include "crypto/p11_crypto.h"
#include "poctool.h"
#include "token/token.h"
#include "x509.h"

#define KEY_FILE_MAX (1u << 20)

/*
 * The PKCS#11 key type and default usage of a private key; -1 for a key the
 * token does not take (the curve table and RSA range of crypto/, as
 * C_CreateObject and a release).
 */
static int key_type_of(EVP_PKEY *k, CK_KEY_TYPE *type, uint64_t *flags, int *bits)
{
	*bits = EVP_PKEY_get_bits(k);
	if (poc_key_pkey_type(k, type) != CKR_OK)
		return -1;
	*flags = POC_OBJ_SIGN | POC_OBJ_SENSITIVE;
	if (*type == CKK_RSA)
		*flags |= POC_OBJ_DECRYPT;
	return 0;
}

/* Seals a private key (PKCS#8 DER), and its certificate as a second object, under label/id. */
static int seal_key(struct poc_token *t, const char *label, const uint8_t *id, size_t id_len, CK_KEY_TYPE type,
		    uint64_t flags, const uint8_t *p8, size_t p8_len, const uint8_t *spki, size_t spki_len,
		    const uint8_t *cert, size_t cert_len, const char *pin)
{
	struct poc_object_header h;
	struct poc_err e = { 0 };
	char name[POC_STORE_NAME_MAX];

	memset(&h, 0, sizeof(h));
	h.class = CKO_PRIVATE_KEY;
	h.key_type = type;
	snprintf(h.label, sizeof(h.label), "%s", label);
	memcpy(h.id, id, id_len);
	h.id_len = id_len;
	h.flags = flags;
	h.spki = (uint8_t *)spki;
	h.spki_len = spki_len;
	/* The certificate goes into its own object only: in the key's header too, the module would list it twice. */
	if (poc_token_seal(&e, t, &h, p8, p8_len, (const uint8_t *)pin, pin ? strlen(pin) : 0, name) < 0) {
		poc_tool_warn("%s", e.msg);
		return poc_tool_exit(e.code, POC_TOOL_OPERATION);
	}
	fprintf(stderr, "sealed private key \"%s\" as %s\n", label, name);
	if (cert != NULL) {
		/* The certificate is public: a sealed object with no secret, only a header. */
		h.class = CKO_CERTIFICATE;
		h.key_type = 0;
		h.flags = 0;
		h.spki = NULL;
		h.spki_len = 0;
		h.cert = (uint8_t *)cert;
		h.cert_len = cert_len;
		if (poc_token_seal(&e, t, &h, (const uint8_t *)"", 0, (const uint8_t *)pin, pin ? strlen(pin) : 0, name) < 0) {
			poc_tool_warn("certificate: %s", e.msg);
			return poc_tool_exit(e.code, POC_TOOL_OPERATION);
		}
		fprintf(stderr, "stored certificate \"%s\" as %s\n", label, name);
	}
	return POC_EXIT_OK;
}

/* A random 8-byte CKA_ID when none is given, so objects of a pair share one. */
static int get_id(const char *hex, uint8_t *id, size_t *len)
{
	struct poc_err e = { 0 };

	if (hex == NULL) {
		*len = 8;
		return RAND_bytes(id, 8) == 1 ? 0 : -1;
	}
	if (poc_hex_decode(&e, hex, strlen(hex), id, POC_OBJECT_ID_MAX, len) < 0 || *len == 0) {
		poc_tool_warn("--id: %s", e.msg[0] ? e.msg : "empty");
		return -1;
	}
	return 0;
}

static EVP_PKEY *read_private_key(const char *path)
{
	EVP_PKEY *k = NULL;
	uint8_t *buf;
	size_t len;
	BIO *bio;

	buf = poc_tool_read_file(path, KEY_FILE_MAX, &len);
	if (buf == NULL)
		return NULL;
	bio = BIO_new_mem_buf(buf, (int)len);
	if (bio != NULL) {
		k = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
		if (k == NULL) {
			const unsigned char *p = buf;

			k = d2i_AutoPrivateKey(NULL, &p, (long)len);
		}
	}
	BIO_free(bio);
	OPENSSL_cleanse(buf, len);
	free(buf);
	if (k == NULL)
		poc_tool_warn("%s: not a PEM or DER private key (unencrypted)", path);
	return k;
}

/* The first certificate of certfile, which must be k's, as DER in *cert (OPENSSL_free): its length, or -1. */
static int read_cert_for(const char *certfile, EVP_PKEY *k, uint8_t **cert)
{
	struct poc_err e = { 0 };
	STACK_OF(X509) *certs = NULL;
	uint8_t *cbuf;
	size_t clen = 0;
	int n = -1;

	cbuf = poc_tool_read_file(certfile, KEY_FILE_MAX, &clen);
	if (cbuf == NULL || (certs = poc_x509_load(&e, cbuf, clen)) == NULL)
		poc_tool_warn("%s: %s", certfile, e.msg);
	else if (X509_check_private_key(sk_X509_value(certs, 0), k) != 1)
		poc_tool_warn("%s: the certificate is not for this key", certfile);
	else if ((n = i2d_X509(sk_X509_value(certs, 0), cert)) <= 0)
		poc_tool_warn("%s: cannot encode the certificate", certfile);
	free(cbuf);
	sk_X509_pop_free(certs, X509_free);
	return n > 0 ? n : -1;
}

static void import_usage(void)
{
	printf("Usage: poctool import --token TOKEN --label NAME --key FILE [--cert FILE] [--id HEX]\n"
	       "                      [--pin PIN | --pin-file FILE] [--force]\n\n"
	       "Seals a private key (PEM or DER, unencrypted: EC P-256/P-384, RSA 1024-4096,\n"
	       "Ed25519) into the token under its Proof-of-Cloud policy; with --cert its\n"
	       "certificate is stored too (CKO_CERTIFICATE, same label and id). Wipe the key\n"
	       "file afterwards: the token is now the only place it should live. A label\n"
	       "that a private key of the token already has is refused (exit 2) unless --force.\n"
	       POC_TOOL_PIN_HELP);
}

int poc_cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "token", required_argument, NULL, 't' }, { "label", required_argument, NULL, 'l' },
		{ "key", required_argument, NULL, 'k' }, { "cert", required_argument, NULL, 'c' },
		{ "id", required_argument, NULL, 'i' }, { "pin", required_argument, NULL, 'P' },
		{ "pin-file", required_argument, NULL, 'F' }, { "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *token = NULL, *label = NULL, *keyfile = NULL, *certfile = NULL, *idhex = NULL, *pin = NULL;
	struct poc_tool_pin pp = { .arg = NULL };
	int force = 0;
	struct poc_config cfg;
	struct poc_token *t = NULL;
	struct poc_err e = { 0 };
	EVP_PKEY *k = NULL;
	uint8_t id[POC_OBJECT_ID_MAX], *p8 = NULL, *spki = NULL, *cert = NULL;
	size_t id_len = 0;
	int p8_len = 0, spki_len = 0, cert_len = 0, bits, c, rv = POC_EXIT_USAGE;
	uint64_t flags = 0;
	CK_KEY_TYPE type;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't': token = optarg; break;
		case 'l': label = optarg; break;
		case 'k': keyfile = optarg; break;
		case 'c': certfile = optarg; break;
		case 'i': idhex = optarg; break;
		case 'P': pp.arg = optarg; break;
		case 'F': pp.file = optarg; break;
		case 'f': force = 1; break;
		case 'h':
			import_usage();
			return POC_EXIT_OK;
		default: return POC_EXIT_USAGE;
		}
	}
	if (token == NULL || label == NULL || keyfile == NULL || optind != argc) {
		poc_tool_warn("import needs --token, --label and --key (see --help)");
		return POC_EXIT_USAGE;
	}
	if (poc_tool_load_config(&cfg) < 0 || get_id(idhex, id, &id_len) < 0 || (k = read_private_key(keyfile)) == NULL)
		goto done;
	if (key_type_of(k, &type, &flags, &bits) < 0) {
		poc_tool_warn("%s: a %d-bit %s key is not supported (EC P-256/P-384, RSA 1024-4096, Ed25519)", keyfile, bits,
			      EVP_PKEY_get0_type_name(k));
		goto done;
	}
	if (certfile != NULL && (cert_len = read_cert_for(certfile, k, &cert)) < 0)
		goto done;
	p8_len = i2d_PrivateKey(k, &p8);
	spki_len = i2d_PUBKEY(k, &spki);
	if (p8_len <= 0 || spki_len <= 0 || (certfile != NULL && cert_len <= 0)) {
		poc_tool_warn("%s: cannot encode the key", keyfile);
		goto done;
	}
	if (poc_token_open(&e, &cfg, token, &t) < 0) {
		poc_tool_warn("import: %s", e.msg);
		goto done;
	}
	if (poc_tool_pin_given("import", t, &pp, &pin) < 0 || poc_tool_label_free("import", t, CKO_PRIVATE_KEY, label, force) < 0)
		goto done;
	/* Key material from outside: not CKA_ALWAYS_SENSITIVE, as with C_CreateObject. */
	rv = seal_key(t, label, id, id_len, type, flags | POC_OBJ_IMPORTED, p8, (size_t)p8_len, spki, (size_t)spki_len, cert,
		      (size_t)(cert_len > 0 ? cert_len : 0), pin);
done:
	if (p8 != NULL)
		OPENSSL_clear_free(p8, (size_t)p8_len);
	OPENSSL_free(spki);
	OPENSSL_free(cert);
	EVP_PKEY_free(k);
	poc_tool_pin_wipe(&pp);
	poc_token_close(t);
	return rv;
}

/* The key kinds keygen makes, by --type. */
static const struct key_kind {
	const char *name;
	CK_MECHANISM_TYPE mech;
	CK_KEY_TYPE type;
	const char *ec_params; /* DER OID, hex */
	CK_ULONG bits;
	uint64_t flags;
} key_kinds[] = {
	{ "ec-p256", CKM_EC_KEY_PAIR_GEN, CKK_EC, "06082a8648ce3d030107", 0, POC_OBJ_SIGN },
	{ "ec-p384", CKM_EC_KEY_PAIR_GEN, CKK_EC, "06052b81040022", 0, POC_OBJ_SIGN },
	{ "rsa-2048", CKM_RSA_PKCS_KEY_PAIR_GEN, CKK_RSA, NULL, 2048, POC_OBJ_SIGN | POC_OBJ_DECRYPT },
	{ "rsa-3072", CKM_RSA_PKCS_KEY_PAIR_GEN, CKK_RSA, NULL, 3072, POC_OBJ_SIGN | POC_OBJ_DECRYPT },
	{ "ed25519", CKM_EC_EDWARDS_KEY_PAIR_GEN, CKK_EC_EDWARDS, "06032b6570", 0, POC_OBJ_SIGN },
};

/* A public key (SPKI DER) as PEM on stdout: 0 or -1. */
static int print_pubkey(const uint8_t *spki, size_t len)
{
	const unsigned char *p = spki;
	EVP_PKEY *pub = d2i_PUBKEY(NULL, &p, (long)len);
	int rv = pub != NULL && PEM_write_PUBKEY(stdout, pub) == 1 ? 0 : -1;

	EVP_PKEY_free(pub);
	return rv;
}

/* "/CN=a/O=b" (openssl req -subj's form) into name: 0, or -1 when it is not that form. */
static int parse_subject(const char *subj, X509_NAME *name)
{
	char *copy = strdup(subj), *p, *next, *eq;
	int rv = copy != NULL && copy[0] == '/' && copy[1] != '\0' ? 0 : -1;

	for (p = copy != NULL ? copy + 1 : NULL; rv == 0 && p != NULL; p = next) {
		next = strchr(p, '/');
		if (next != NULL)
			*next++ = '\0';
		eq = strchr(p, '=');
		if (eq == NULL || eq == p || eq[1] == '\0')
			rv = -1;
		else if ((*eq = '\0', X509_NAME_add_entry_by_txt(name, p, MBSTRING_UTF8, (unsigned char *)eq + 1, -1, -1, 0)) != 1)
			rv = -1;
	}
	free(copy);
	return rv;
}

/*
 * A self-signed certificate (DER, *out: OPENSSL_free) for the private key secret (PKCS#8 DER)
 * under subject: serial random, valid from now for 3650 days, CA:FALSE, keyUsage
 * digitalSignature (and keyEncipherment for RSA), SHA-256 (Ed25519: its own). Length or -1.
 */
static int self_signed(const uint8_t *secret, size_t secret_len, const char *subject, uint8_t **out)
{
	const unsigned char *q = secret;
	EVP_PKEY *k = d2i_AutoPrivateKey(NULL, &q, (long)secret_len);
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	X509_EXTENSION *bc = NULL, *ku = NULL;
	BIGNUM *sn = BN_new();
	int rsa, len = -1;

	*out = NULL;
	if (k == NULL || x == NULL || name == NULL || sn == NULL || parse_subject(subject, name) < 0)
		goto done;
	rsa = EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA;
	bc = X509V3_EXT_conf_nid(NULL, NULL, NID_basic_constraints, "critical,CA:FALSE");
	ku = X509V3_EXT_conf_nid(NULL, NULL, NID_key_usage, rsa ? "critical,digitalSignature,keyEncipherment"
								: "critical,digitalSignature");
	if (bc == NULL || ku == NULL || X509_set_version(x, X509_VERSION_3) != 1 || BN_rand(sn, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
	    BN_to_ASN1_INTEGER(sn, X509_get_serialNumber(x)) == NULL || X509_set_subject_name(x, name) != 1 ||
	    X509_set_issuer_name(x, name) != 1 || X509_gmtime_adj(X509_getm_notBefore(x), 0) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 3650L * 24 * 3600) == NULL || X509_set_pubkey(x, k) != 1 ||
	    X509_add_ext(x, bc, -1) != 1 || X509_add_ext(x, ku, -1) != 1 ||
	    X509_sign(x, k, EVP_PKEY_get_base_id(k) == EVP_PKEY_ED25519 ? NULL : EVP_sha256()) <= 0)
		goto done;
	len = i2d_X509(x, out);
done:
	X509_EXTENSION_free(bc);
	X509_EXTENSION_free(ku);
	BN_free(sn);
	X509_NAME_free(name);
	X509_free(x);
	EVP_PKEY_free(k);
	return len;
}

static const char keygen_help[] =
	"Usage: poctool keygen --token TOKEN --label NAME --type ec-p256|ec-p384|rsa-2048|rsa-3072|ed25519\n"
	"                      [--id HEX] [--pin PIN | --pin-file FILE] [--force]\n"
	"                      [--cert-subject /CN=NAME[/O=...]]\n\n"
	"Generates a key pair in this process and seals the private key into the token\n"
	"under its Proof-of-Cloud policy; prints the public key (PEM) on stdout.\n"
	"A token's PIN is tried first, as a try the TPM counts: a wrong PIN seals\n"
	"nothing (exit 1). A label that a private key of the token already has is\n"
	"refused (exit 2) unless --force.\n\n"
	"  --cert-subject S   also store a self-signed certificate of the key (CKO_CERTIFICATE,\n"
	"                     same label and id; subject as openssl req -subj, valid 3650 days):\n"
	"                     what systemd-cryptenroll --pkcs11-token-uri needs with an RSA key\n"
	"                     (docs/interop.md)\n";

int poc_cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "token", required_argument, NULL, 't' }, { "label", required_argument, NULL, 'l' },
		{ "type", required_argument, NULL, 'T' }, { "id", required_argument, NULL, 'i' },
		{ "pin", required_argument, NULL, 'P' }, { "pin-file", required_argument, NULL, 'F' },
		{ "force", no_argument, NULL, 'f' }, { "cert-subject", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *token = NULL, *label = NULL, *type = NULL, *idhex = NULL, *pin = NULL, *subject = NULL;
	struct poc_tool_pin pp = { .arg = NULL };
	int force = 0;
	struct poc_config cfg;
	struct poc_token *t = NULL;
	struct poc_err e = { 0 };
	uint8_t id[POC_OBJECT_ID_MAX], params[16], *secret = NULL, *spki = NULL, *cert = NULL;
	size_t id_len = 0, plen = 0, secret_len = 0, spki_len = 0, i;
	int c, cert_len = 0, rv = POC_EXIT_USAGE;
	CK_RV ckr;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't': token = optarg; break;
		case 'l': label = optarg; break;
		case 'T': type = optarg; break;
		case 'i': idhex = optarg; break;
		case 'P': pp.arg = optarg; break;
		case 'F': pp.file = optarg; break;
		case 'f': force = 1; break;
		case 'S': subject = optarg; break;
		case 'h':
			fputs(keygen_help, stdout);
			fputs(POC_TOOL_PIN_HELP, stdout);
			return POC_EXIT_OK;
		default: return POC_EXIT_USAGE;
		}
	}
	for (i = 0; type != NULL && i < sizeof(key_kinds) / sizeof(key_kinds[0]); i++)
		if (strcmp(key_kinds[i].name, type) == 0)
			break;
	if (token == NULL || label == NULL || type == NULL || i == sizeof(key_kinds) / sizeof(key_kinds[0]) || optind != argc) {
		poc_tool_warn("keygen needs --token, --label and --type ec-p256|ec-p384|rsa-2048|rsa-3072|ed25519");
		return POC_EXIT_USAGE;
	}
	if (poc_tool_load_config(&cfg) < 0 || get_id(idhex, id, &id_len) < 0)
		return POC_EXIT_USAGE;
	if (key_kinds[i].ec_params != NULL &&
	    poc_hex_decode(&e, key_kinds[i].ec_params, strlen(key_kinds[i].ec_params), params, sizeof(params), &plen) < 0)
		return POC_EXIT_USAGE;
	ckr = poc_keygen(key_kinds[i].mech, key_kinds[i].type, plen ? params : NULL, plen, key_kinds[i].bits, &secret, &secret_len,
			 &spki, &spki_len);
	if (ckr != CKR_OK) {
		poc_tool_warn("keygen: key generation failed (CK_RV 0x%lx)", (unsigned long)ckr);
		goto done;
	}
	if (subject != NULL && (cert_len = self_signed(secret, secret_len, subject, &cert)) <= 0) {
		poc_tool_warn("keygen: --cert-subject \"%s\": not a subject such as /CN=name/O=org, or no certificate made", subject);
		goto done;
	}
	if (poc_token_open(&e, &cfg, token, &t) < 0) {
		poc_tool_warn("keygen: %s", e.msg);
		goto done;
	}
	if (poc_tool_pin_given("keygen", t, &pp, &pin) < 0 || poc_tool_label_free("keygen", t, CKO_PRIVATE_KEY, label, force) < 0)
		goto done;
	rv = seal_key(t, label, id, id_len, key_kinds[i].type, key_kinds[i].flags | POC_OBJ_SENSITIVE | POC_OBJ_LOCAL, secret, secret_len, spki,
		      spki_len, cert, (size_t)(cert_len > 0 ? cert_len : 0), pin);
	if (rv == POC_EXIT_OK && print_pubkey(spki, spki_len) < 0)
		rv = POC_EXIT_USAGE;
done:
	OPENSSL_free(cert);
	poc_secret_free(secret, secret_len);
	free(spki);
	poc_tool_pin_wipe(&pp);
	poc_token_close(t);
	return rv;
}
