/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test-only: builds a signed Intel POE token mirroring the draft's golden
 * fixture (COSE_Sign1 over a tagged CoRIM with one CoMID), so tests and
 * tests/poe-make can exercise the signature, chain and validity checks that
 * the draft's placeholder-signed fixtures cannot.
 */
#ifndef POC_TEST_POE_BUILD_H
#define POC_TEST_POE_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

struct poc_poe_spec {
	EVP_PKEY *key;              /* signer: EC P-256 (ES256) or P-384 (ES384) */
	STACK_OF(X509) *chain;      /* x5chain, leaf first */
	int leaf_only_bstr;         /* encode a one-certificate chain as a bare bstr */
	const uint8_t *piid;        /* 16 or 32 bytes for a conforming token */
	size_t piid_len;
	const char *owner;
	int has_validity;
	int64_t not_before, not_after;
	const char *profile;        /* NULL: the POE profile */
};

/* A new token in *out (free()); 0 or -1 (message on stderr). */
int poc_poe_build(const struct poc_poe_spec *s, uint8_t **out, size_t *outlen);

#endif
