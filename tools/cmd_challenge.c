/* SPDX-License-Identifier: Apache-2.0 */
/*
 * poctool evidence challenge: a credential-activation challenge (DESIGN.md
 * section 3, AK to EK). The secret is not stored: it is an HMAC, under a key
 * derived from the verifier's signing key, of the nonce, the AK name and the
 * EK name, so the verifier recomputes it when the answer comes back, from the
 * AK and EK public areas of the bundle (verify/binding.c).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "commands.h"
#include "credential.h"
#include "credential_key.h"
#include "hex.h"
#include "poctool.h"
#include "tpm_attest.h"
#include "x509.h"

#define PUB_FILE_MAX (64u << 10)
#define CERT_FILE_MAX (64u << 10)
#define NONCE_MAX 64

static void challenge_usage(FILE *f)
{
	fprintf(f,
		"Usage: poctool evidence challenge --ek-pub FILE [--ek-cert FILE] --ak-pub FILE --nonce HEX\n"
		"                                  --verifier-key KEY.pem -o CREDFILE [--print-secret]\n\n"
		"Makes a TPM2_MakeCredential challenge for an AK: the secret\n"
		"HMAC-SHA256(K, \"poc-pkcs11/v1/activation\" || nonce || AK name || EK name) (each\n"
		"field length-prefixed, both names computed from the public areas), K derived from\n"
		"the verifier key, encrypted to the EK so only the TPM holding both the EK and the AK\n"
		"recovers it (tpm2_activatecredential -i CREDFILE). `evidence verify` recomputes it\n"
		"from the bundle's AK and EK public areas: an answer is only good for this nonce, this\n"
		"AK and the EK whose certificate the bundle carries.\n\n"
		"  --ek-pub FILE        EK public area (TPM2B_PUBLIC or TPMT_PUBLIC, RSA or ECC)\n"
		"  --ek-cert FILE       the EK certificate the prover sent (DER or PEM, the first\n"
		"                       one counts): refuse an --ek-pub whose key it does not\n"
		"                       certify (its chain is appraised later, by evidence verify).\n"
		"                       Without it any EK gets a challenge, and its answer proves\n"
		"                       nothing until `evidence verify --verifier-key` has checked\n"
		"                       that the bundle's EK public area carries the key of the EK\n"
		"                       certificate it appraises under the policy's providers\n"
		"  --ak-pub FILE        AK public area; its name is what the TPM checks\n"
		"  --nonce HEX          the verifier's nonce (1 to %d bytes)\n"
		"  --verifier-key FILE  the verifier's PEM private key (record-signing key)\n"
		"  -o, --out FILE       the credential file to write (tpm2-tools format)\n"
		"  --print-secret       print the expected secret in hex on stdout, so a script\n"
		"                       can compare what tpm2_activatecredential returns\n\n"
		"Exit: 0 written, 2 unusable input or usage (also: the EK public area does not\n"
		"match --ek-cert).\n",
		NONCE_MAX);
}

/* 0 when cert_path's first certificate certifies ek's key; -1 (said why) otherwise. */
static int check_ek_cert(const char *cert_path, const char *ek_path, const TPMT_PUBLIC *ek)
{
	struct poc_err e = { 0 };
	STACK_OF(X509) *certs;
	size_t len;
	uint8_t *buf = poc_tool_read_file(cert_path, CERT_FILE_MAX, &len);
	int rv = -1;

	if (buf == NULL)
		return -1;
	certs = poc_x509_load(&e, buf, len);
	free(buf);
	if (certs == NULL || sk_X509_num(certs) < 1)
		poc_tool_warn("--ek-cert %s: %s", cert_path, e.msg[0] ? e.msg : "no certificate");
	else if (poc_tpm_pub_matches_cert(&e, ek, sk_X509_value(certs, 0)) < 0)
		poc_tool_warn("--ek-pub %s is not the EK of --ek-cert %s (%s): no challenge for it", ek_path,
			      cert_path, e.msg);
	else
		rv = 0;
	sk_X509_pop_free(certs, X509_free);
	return rv;
}

static int read_pub(const char *opt, const char *path, TPMT_PUBLIC *pub)
{
	struct poc_err e = { 0 };
	size_t len;
	uint8_t *buf = poc_tool_read_file(path, PUB_FILE_MAX, &len);
	int rv;

	if (buf == NULL)
		return -1;
	rv = poc_tpm_pub_parse(&e, buf, len, pub);
	free(buf);
	if (rv < 0)
		poc_tool_warn("--%s %s: %s", opt, path, e.msg);
	return rv;
}

int poc_cmd_evidence_challenge(int argc, char **argv)
{
	enum { O_EK = 256, O_EKCERT, O_AK, O_NONCE, O_KEY, O_PRINT };
	static const struct option opts[] = {
		{ "ek-pub", required_argument, NULL, O_EK }, { "ek-cert", required_argument, NULL, O_EKCERT },
		{ "ak-pub", required_argument, NULL, O_AK },
		{ "nonce", required_argument, NULL, O_NONCE }, { "verifier-key", required_argument, NULL, O_KEY },
		{ "out", required_argument, NULL, 'o' }, { "print-secret", no_argument, NULL, O_PRINT },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	struct poc_err e = { 0 };
	const char *ek_path = NULL, *ek_cert = NULL, *ak_path = NULL, *nonce_hex = NULL, *key_path = NULL, *out = NULL;
	TPMT_PUBLIC ek, ak;
	TPM2B_ID_OBJECT cred;
	TPM2B_ENCRYPTED_SECRET enc;
	uint8_t key[32], secret[POC_CREDENTIAL_SECRET_LEN], nonce[NONCE_MAX], name[POC_TPM_NAME_MAX];
	char hex[2 * POC_CREDENTIAL_SECRET_LEN + 1];
	uint8_t *file = NULL;
	size_t nonce_len = 0, name_len = 0, file_len = 0;
	int c, print = 0, rv = POC_EXIT_USAGE;

	memset(key, 0, sizeof(key));
	memset(secret, 0, sizeof(secret));
	memset(hex, 0, sizeof(hex));
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'h': challenge_usage(stdout); rv = POC_EXIT_OK; goto done;
		case 'o': out = optarg; break;
		case O_EK: ek_path = optarg; break;
		case O_EKCERT: ek_cert = optarg; break;
		case O_AK: ak_path = optarg; break;
		case O_NONCE: nonce_hex = optarg; break;
		case O_KEY: key_path = optarg; break;
		case O_PRINT: print = 1; break;
		default: challenge_usage(stderr); goto done;
		}
	}
	if (ek_path == NULL || ak_path == NULL || nonce_hex == NULL || key_path == NULL || out == NULL ||
	    optind != argc) {
		challenge_usage(stderr);
		goto done;
	}
	if (poc_hex_decode(&e, nonce_hex, strlen(nonce_hex), nonce, sizeof(nonce), &nonce_len) < 0 ||
	    nonce_len == 0) {
		poc_tool_warn("--nonce: %s", e.msg[0] ? e.msg : "empty");
		goto done;
	}
	if (read_pub("ek-pub", ek_path, &ek) < 0 || read_pub("ak-pub", ak_path, &ak) < 0)
		goto done;
	if (ek_cert != NULL && check_ek_cert(ek_cert, ek_path, &ek) < 0)
		goto done;
	if (poc_tpm_pub_name(&e, &ak, name, &name_len) < 0) {
		poc_tool_warn("--ak-pub %s: %s", ak_path, e.msg);
		goto done;
	}
	if (poc_tool_credential_key(key_path, key) < 0)
		goto done;
	if (poc_credential_secret(&e, key, nonce, nonce_len, &ak, &ek, secret) < 0 ||
	    poc_make_credential(&e, &ek, name, name_len, secret, sizeof(secret), &cred, &enc) < 0 ||
	    poc_credential_file_encode(&e, &cred, &enc, &file, &file_len) < 0) {
		poc_tool_warn("%s", e.msg);
		goto done;
	}
	if (poc_tool_write_file(out, file, file_len) < 0)
		goto done;
	if (print) {
		poc_hex_encode(secret, sizeof(secret), hex);
		printf("%s\n", hex);
	}
	rv = POC_EXIT_OK;
done:
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(hex, sizeof(hex));
	free(file);
	return rv;
}
