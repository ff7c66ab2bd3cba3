/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test-only: builds a signed Intel POE token for integration tests.
 * tests/poe-make --key KEY.pem --chain CHAIN.pem --piid HEX --owner NAME
 *                --not-before T --not-after T -o OUT
 * CHAIN.pem holds the x5chain, signer certificate first.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "hex.h"
#include "poe-build.h"

static void usage(void)
{
	fprintf(stderr, "usage: poe-make --key KEY.pem --chain CHAIN.pem --piid HEX --owner NAME "
			"[--not-before T --not-after T] -o OUT\n");
	exit(2);
}

static int64_t num(const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *s == 0 || *end != 0) {
		fprintf(stderr, "poe-make: not a number: %s\n", s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	const char *keyp = NULL, *chainp = NULL, *piidhex = NULL, *owner = NULL, *outp = NULL;
	struct poc_poe_spec s = { 0 };
	struct poc_err e = { 0 };
	uint8_t piid[64], *tok = NULL;
	size_t piidlen = 0, toklen = 0;
	int i, have_nb = 0, have_na = 0;
	FILE *f;
	X509 *c;

	if (argc % 2 != 1)
		usage();
	/* Every option takes one value. */
	for (i = 1; i + 1 < argc; i += 2) {
		const char *a = argv[i], *v = argv[i + 1];

		if (strcmp(a, "--key") == 0)
			keyp = v;
		else if (strcmp(a, "--chain") == 0)
			chainp = v;
		else if (strcmp(a, "--piid") == 0)
			piidhex = v;
		else if (strcmp(a, "--owner") == 0)
			owner = v;
		else if (strcmp(a, "--not-before") == 0)
			s.not_before = num(v), have_nb = 1;
		else if (strcmp(a, "--not-after") == 0)
			s.not_after = num(v), have_na = 1;
		else if (strcmp(a, "-o") == 0)
			outp = v;
		else
			usage();
	}
	if (keyp == NULL || chainp == NULL || piidhex == NULL || owner == NULL || outp == NULL || have_nb != have_na)
		usage();
	s.has_validity = have_nb;
	s.owner = owner;
	if (poc_hex_decode(&e, piidhex, strlen(piidhex), piid, sizeof(piid), &piidlen) < 0) {
		fprintf(stderr, "poe-make: --piid: %s\n", e.msg);
		return 2;
	}
	s.piid = piid;
	s.piid_len = piidlen;
	if ((f = fopen(keyp, "r")) == NULL || (s.key = PEM_read_PrivateKey(f, NULL, NULL, NULL)) == NULL) {
		fprintf(stderr, "poe-make: cannot read key %s\n", keyp);
		return 1;
	}
	fclose(f);
	s.chain = sk_X509_new_null();
	if ((f = fopen(chainp, "r")) == NULL) {
		fprintf(stderr, "poe-make: cannot read chain %s\n", chainp);
		return 1;
	}
	while ((c = PEM_read_X509(f, NULL, NULL, NULL)) != NULL)
		sk_X509_push(s.chain, c);
	fclose(f);
	ERR_clear_error();
	if (sk_X509_num(s.chain) < 1) {
		fprintf(stderr, "poe-make: no certificate in %s\n", chainp);
		return 1;
	}
	if (poc_poe_build(&s, &tok, &toklen) < 0)
		return 1;
	if ((f = fopen(outp, "wb")) == NULL || fwrite(tok, 1, toklen, f) != toklen || fclose(f) != 0) {
		fprintf(stderr, "poe-make: cannot write %s\n", outp);
		return 1;
	}
	free(tok);
	sk_X509_pop_free(s.chain, X509_free);
	EVP_PKEY_free(s.key);
	return 0;
}
