/* SPDX-License-Identifier: Apache-2.0 */
/* PCR values per bank, and the TPM hash algorithm identifiers that name banks. */
#ifndef POC_PCRS_H
#define POC_PCRS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "verr.h"

#define POC_PCR_COUNT 24
#define POC_PCR_BANKS 4
#define POC_DIGEST_MAX 64

struct poc_pcr_bank {
	uint16_t alg;  /* TPM2_ALG_SHA1/SHA256/SHA384/SHA512 */
	uint32_t mask; /* bit i set: v[i] holds PCR i */
	uint8_t v[POC_PCR_COUNT][POC_DIGEST_MAX];
};

struct poc_pcrs {
	size_t nbanks;
	struct poc_pcr_bank bank[POC_PCR_BANKS];
};

/* Digest size of a TPM hash algorithm, 0 when not one we support. */
size_t poc_tpm_alg_digest_len(uint16_t alg);
/* "sha1", "sha256", "sha384", "sha512", or NULL. */
const char *poc_tpm_alg_name(uint16_t alg);
/* The reverse of poc_tpm_alg_name; -1 for an unknown name. */
int poc_tpm_alg_from_name(const char *name, uint16_t *alg);
/* The OpenSSL digest, or NULL. */
const EVP_MD *poc_tpm_alg_md(uint16_t alg);

/* The bank for alg; with create, adds an empty one when missing (NULL if full). */
struct poc_pcr_bank *poc_pcrs_bank(struct poc_pcrs *p, uint16_t alg, int create);
const struct poc_pcr_bank *poc_pcrs_bank_get(const struct poc_pcrs *p, uint16_t alg);

/*
 * Parses "INDEX HEXVALUE" lines (blank lines and '#' comments allowed) into
 * the bank alg. Values must have the bank's digest size.
 */
int poc_pcrs_parse_text(struct poc_err *e, struct poc_pcrs *p, uint16_t alg,
			const char *text, size_t len);

#endif
