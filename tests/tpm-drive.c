/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tpm-drive: a test-only CLI over module/tpm*.c for tests/integration/tpm.sh.
 *
 *   tpm-drive seal   --tcti T --pcrs BANK:I,J [--pin P] -o FILE   (32-byte secret, hex, on stdin)
 *   tpm-drive unseal --tcti T --pcrs BANK:I,J [--pin P] -i FILE   (prints the secret in hex)
 *   tpm-drive policy --tcti T --pcrs BANK:I,J [--pin P]           (software vs trial-session digest)
 *   tpm-drive collect --tcti T --nonce HEX [--tee sim:DIR] [--pcrs ...] [--credential F] -o BUNDLE
 *   tpm-drive ak --tcti T -o AKPUB [-n NAMEFILE]
 *   tpm-drive ek --tcti T -o EKPUB
 *   tpm-drive provision --tcti T      (poc_tpm_provision; prints where the EK and AK are, as keys)
 *   tpm-drive keys --tcti T           ("ek persistent|transient" and "ak ...": what a check would use)
 *
 * Exit: 0 ok, 1 failed, 2 usage, 3 wrong PIN (unseal).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "bundle.h"
#include "hex.h"
#include "pcrs.h"
#include "tpm/tpm.h"
#include "evidence/evidence.h"
#include "tpm/tpm_keys.h"
#include "tpm/tpm_seal.h"

#define FILE_MAX (1u << 20)

struct args {
	const char *tcti, *pin, *in, *out, *name, *tee, *cred, *nonce;
	uint16_t bank;
	uint32_t mask;
};

static int usage(void)
{
	fprintf(stderr, "usage: tpm-drive seal|unseal|policy|collect|ak|ek|provision|keys --tcti T [options] (see the source)\n");
	return 2;
}

static int parse_pcrs(const char *s, uint16_t *bank, uint32_t *mask)
{
	char name[16];
	const char *colon = strchr(s, ':');
	char *end;

	if (colon == NULL || (size_t)(colon - s) >= sizeof(name))
		return -1;
	memcpy(name, s, (size_t)(colon - s));
	name[colon - s] = '\0';
	if (poc_tpm_alg_from_name(name, bank) < 0)
		return -1;
	*mask = 0;
	for (s = colon + 1; *s != '\0'; s = end + (*end == ',')) {
		long i = strtol(s, &end, 10);
		if (end == s || i < 0 || i > 23 || (*end != ',' && *end != '\0'))
			return -1;
		*mask |= 1u << i;
	}
	return *mask != 0 ? 0 : -1;
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	uint8_t *buf;

	if (f == NULL)
		return NULL;
	buf = malloc(FILE_MAX);
	*len = buf != NULL ? fread(buf, 1, FILE_MAX, f) : 0;
	if (f != stdin)
		fclose(f);
	return buf;
}

static int write_file(const char *path, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (f == NULL)
		return -1;
	ok = fwrite(a, 1, alen, f) == alen && (blen == 0 || fwrite(b, 1, blen, f) == blen);
	return (fclose(f) == 0 && ok) ? 0 : -1;
}

static int fail(const struct poc_err *e)
{
	fprintf(stderr, "tpm-drive: %s: %s\n", poc_strerror(e->code), e->msg);
	return 1;
}

static int cmd_seal(struct poc_err *e, struct poc_tpm *t, const struct args *a)
{
	char hex[130];
	uint8_t secret[32];
	size_t n = 0;
	struct poc_sealed s;
	int rv;

	if (a->out == NULL || fgets(hex, sizeof(hex), stdin) == NULL)
		return usage();
	hex[strcspn(hex, "\r\n")] = '\0';
	if (poc_hex_decode(e, hex, strlen(hex), secret, sizeof(secret), &n) < 0 || n != 32) {
		OPENSSL_cleanse(hex, sizeof(hex));
		fprintf(stderr, "tpm-drive: stdin must hold 32 bytes in hex\n");
		return 2;
	}
	OPENSSL_cleanse(hex, sizeof(hex));
	rv = poc_tpm_seal(e, t, a->bank, a->mask, (const uint8_t *)a->pin, a->pin ? strlen(a->pin) : 0,
			  secret, &s);
	OPENSSL_cleanse(secret, sizeof(secret));
	if (rv < 0)
		return fail(e);
	if (write_file(a->out, s.pub, s.pub_len, s.priv, s.priv_len) < 0) {
		perror(a->out);
		return 1;
	}
	return 0;
}

static int cmd_unseal(struct poc_err *e, struct poc_tpm *t, const struct args *a)
{
	struct poc_sealed s = { 0 };
	uint8_t *buf, secret[32];
	char hex[65];
	size_t len = 0, publen;
	int rv;

	if (a->in == NULL || (buf = read_file(a->in, &len)) == NULL)
		return usage();
	publen = len >= 2 ? 2 + ((size_t)buf[0] << 8 | buf[1]) : 0;
	if (publen == 0 || publen > len || publen > sizeof(s.pub) || len - publen > sizeof(s.priv)) {
		free(buf);
		fprintf(stderr, "tpm-drive: %s is not a sealed object\n", a->in);
		return 2;
	}
	memcpy(s.pub, buf, publen);
	s.pub_len = publen;
	memcpy(s.priv, buf + publen, len - publen);
	s.priv_len = len - publen;
	free(buf);
	rv = poc_tpm_unseal(e, t, &s, a->bank, a->mask, (const uint8_t *)a->pin, a->pin ? strlen(a->pin) : 0,
			    secret);
	if (rv < 0 && e->code == POC_ERR_AUTH) {
		fail(e);
		return 3;
	}
	if (rv < 0)
		return fail(e);
	poc_hex_encode(secret, sizeof(secret), hex);
	printf("%s\n", hex);
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(hex, sizeof(hex));
	return 0;
}

static int cmd_policy(struct poc_err *e, struct poc_tpm *t, const struct args *a)
{
	uint8_t vals[POC_PCR_COUNT * POC_DIGEST_MAX], soft[32], trial[32];
	char h1[65], h2[65];
	size_t vlen;

	if (poc_tpm_pcr_read(e, t, a->bank, a->mask, vals, &vlen, NULL) < 0 ||
	    poc_tpm_seal_policy(e, a->bank, a->mask, vals, vlen, a->pin != NULL, NULL, soft) < 0 ||
	    poc_tpm_seal_policy_trial(e, t, a->bank, a->mask, a->pin != NULL, trial) < 0)
		return fail(e);
	poc_hex_encode(soft, 32, h1);
	poc_hex_encode(trial, 32, h2);
	printf("software %s\ntrial    %s\n", h1, h2);
	return memcmp(soft, trial, 32) == 0 ? 0 : 1;
}

static int cmd_collect(struct poc_err *e, struct poc_tpm *t, const struct args *a)
{
	struct poc_collect_opts o = { .bank = a->bank, .pcr_mask = a->mask };
	struct poc_tee tee;
	struct poc_bundle b;
	uint8_t nonce[64], *cred = NULL, *enc = NULL;
	size_t nlen = 0, clen = 0, elen = 0;
	int rv = 1;

	if (a->out == NULL || a->nonce == NULL)
		return usage();
	if (poc_hex_decode(e, a->nonce, strlen(a->nonce), nonce, sizeof(nonce), &nlen) < 0) {
		fail(e);
		return 2;
	}
	/* The one tee parser (the configuration's); collateral: sim:DIR/collateral as the module reads it, none for tdx. */
	poc_tee_defaults(&tee);
	tee.collateral[0] = '\0';
	if (a->tee != NULL && poc_tee_parse(e, a->tee, &tee) < 0) {
		fail(e);
		return 2;
	}
	if (a->tee == NULL)
		tee.kind = POC_TEE_NONE;
	if (a->cred != NULL && (cred = read_file(a->cred, &clen)) == NULL) {
		perror(a->cred);
		return 2;
	}
	o.tee = &tee;
	o.nonce = nonce;
	o.nonce_len = nlen;
	o.credential = cred;
	o.credential_len = clen;
	if (poc_evidence_collect(e, t, &o, &b) < 0 || poc_bundle_encode(e, &b, &enc, &elen) < 0)
		fail(e);
	else if (write_file(a->out, enc, elen, NULL, 0) < 0)
		perror(a->out);
	else
		rv = 0;
	poc_bundle_free(&b);
	free(enc);
	free(cred);
	return rv;
}

static int cmd_pub(struct poc_err *e, struct poc_tpm *t, const struct args *a, int ek)
{
	uint8_t pub[1024], name[80];
	size_t len = sizeof(pub), nlen = sizeof(name);

	if (a->out == NULL)
		return usage();
	if ((ek ? poc_tpm_ek_public(e, t, pub, &len) : poc_tpm_ak_public(e, t, pub, &len, name, &nlen)) < 0)
		return fail(e);
	if (write_file(a->out, pub, len, NULL, 0) < 0 ||
	    (!ek && a->name != NULL && write_file(a->name, name, nlen, NULL, 0) < 0)) {
		perror("write");
		return 1;
	}
	return 0;
}

/* Where t's EK and AK are: persistent (found at their handle) or transient (CreatePrimary). */
static int cmd_keys(struct poc_err *e, struct poc_tpm *t, int provision)
{
	uint8_t pub[1024];
	size_t len = sizeof(pub);
	int r = 0;

	if (provision && (r = poc_tpm_provision(e, t)) < 0)
		return fail(e);
	if (poc_tpm_ek_public(e, t, pub, &len) < 0 || poc_tpm_ak_public(e, t, NULL, NULL, NULL, NULL) < 0)
		return fail(e);
	printf("ek %s\nak %s\n", t->ek.transient ? "transient" : "persistent",
	       t->ak.transient ? "transient" : "persistent");
	if (provision)
		printf("provision %d\n", r);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tcti", required_argument, NULL, 't' }, { "pcrs", required_argument, NULL, 'p' },
		{ "pin", required_argument, NULL, 'P' }, { "nonce", required_argument, NULL, 'N' },
		{ "tee", required_argument, NULL, 'T' }, { "credential", required_argument, NULL, 'c' },
		{ "out", required_argument, NULL, 'o' }, { "in", required_argument, NULL, 'i' },
		{ "name", required_argument, NULL, 'n' }, { NULL, 0, NULL, 0 },
	};
	struct args a = { .bank = TPM2_ALG_SHA256, .mask = (1u << 0) | (1u << 7) };
	struct poc_err e = { 0 };
	struct poc_tpm *t = NULL;
	const char *cmd;
	int c, rv;

	if (argc < 2)
		return usage();
	cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "o:i:n:", opts, NULL)) != -1) {
		switch (c) {
		case 't': a.tcti = optarg; break;
		case 'p':
			if (parse_pcrs(optarg, &a.bank, &a.mask) < 0) {
				fprintf(stderr, "tpm-drive: bad --pcrs %s\n", optarg);
				return 2;
			}
			break;
		case 'P': a.pin = optarg; break;
		case 'N': a.nonce = optarg; break;
		case 'T': a.tee = optarg; break;
		case 'c': a.cred = optarg; break;
		case 'o': a.out = optarg; break;
		case 'i': a.in = optarg; break;
		case 'n': a.name = optarg; break;
		default: return usage();
		}
	}
	if (optind != argc)
		return usage();
	/* The caller silences ESYS's own logging (tpm.h): a tool may set its environment. */
	setenv("TSS2_LOG", "all+NONE", 0);
	if (poc_tpm_open(&e, a.tcti, &t) < 0)
		return fail(&e);
	if (strcmp(cmd, "seal") == 0)
		rv = cmd_seal(&e, t, &a);
	else if (strcmp(cmd, "unseal") == 0)
		rv = cmd_unseal(&e, t, &a);
	else if (strcmp(cmd, "policy") == 0)
		rv = cmd_policy(&e, t, &a);
	else if (strcmp(cmd, "collect") == 0)
		rv = cmd_collect(&e, t, &a);
	else if (strcmp(cmd, "ak") == 0)
		rv = cmd_pub(&e, t, &a, 0);
	else if (strcmp(cmd, "ek") == 0)
		rv = cmd_pub(&e, t, &a, 1);
	else if (strcmp(cmd, "provision") == 0)
		rv = cmd_keys(&e, t, 1);
	else if (strcmp(cmd, "keys") == 0)
		rv = cmd_keys(&e, t, 0);
	else
		rv = usage();
	poc_tpm_close(t);
	return rv;
}
