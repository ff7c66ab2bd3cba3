/* SPDX-License-Identifier: Apache-2.0 */
#include "pcrs.h"

#include <string.h>

#include <tss2/tss2_tpm2_types.h>

#include "hex.h"

size_t poc_tpm_alg_digest_len(uint16_t alg)
{
	switch (alg) {
	case TPM2_ALG_SHA1: return 20;
	case TPM2_ALG_SHA256: return 32;
	case TPM2_ALG_SHA384: return 48;
	case TPM2_ALG_SHA512: return 64;
	default: return 0;
	}
}

const char *poc_tpm_alg_name(uint16_t alg)
{
	switch (alg) {
	case TPM2_ALG_SHA1: return "sha1";
	case TPM2_ALG_SHA256: return "sha256";
	case TPM2_ALG_SHA384: return "sha384";
	case TPM2_ALG_SHA512: return "sha512";
	default: return NULL;
	}
}

int poc_tpm_alg_from_name(const char *name, uint16_t *alg)
{
	static const uint16_t algs[] = { TPM2_ALG_SHA1, TPM2_ALG_SHA256, TPM2_ALG_SHA384,
					 TPM2_ALG_SHA512 };
	size_t i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		if (strcmp(name, poc_tpm_alg_name(algs[i])) == 0) {
			*alg = algs[i];
			return 0;
		}
	}
	return -1;
}

const EVP_MD *poc_tpm_alg_md(uint16_t alg)
{
	switch (alg) {
	case TPM2_ALG_SHA1: return EVP_sha1();
	case TPM2_ALG_SHA256: return EVP_sha256();
	case TPM2_ALG_SHA384: return EVP_sha384();
	case TPM2_ALG_SHA512: return EVP_sha512();
	default: return NULL;
	}
}

struct poc_pcr_bank *poc_pcrs_bank(struct poc_pcrs *p, uint16_t alg, int create)
{
	size_t i;

	for (i = 0; i < p->nbanks; i++)
		if (p->bank[i].alg == alg)
			return &p->bank[i];
	if (!create || p->nbanks == POC_PCR_BANKS)
		return NULL;
	memset(&p->bank[p->nbanks], 0, sizeof(p->bank[0]));
	p->bank[p->nbanks].alg = alg;
	return &p->bank[p->nbanks++];
}

const struct poc_pcr_bank *poc_pcrs_bank_get(const struct poc_pcrs *p, uint16_t alg)
{
	return poc_pcrs_bank((struct poc_pcrs *)p, alg, 0);
}

int poc_pcrs_parse_text(struct poc_err *e, struct poc_pcrs *p, uint16_t alg,
			const char *text, size_t len)
{
	size_t dlen = poc_tpm_alg_digest_len(alg), pos = 0, line = 0;
	struct poc_pcr_bank *b;

	if (dlen == 0)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "PCR bank algorithm 0x%04x", alg);
	b = poc_pcrs_bank(p, alg, 1);
	if (b == NULL)
		return poc_err_set(e, POC_ERR_ARG, "too many PCR banks");
	while (pos < len) {
		size_t end = pos, i, hs, got;
		unsigned idx = 0;
		int digits = 0;

		while (end < len && text[end] != '\n')
			end++;
		line++;
		i = pos;
		while (i < end && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r'))
			i++;
		if (i == end || text[i] == '#') {
			pos = end + 1;
			continue;
		}
		while (i < end && text[i] >= '0' && text[i] <= '9' && digits < 3) {
			idx = idx * 10 + (unsigned)(text[i++] - '0');
			digits++;
		}
		if (digits == 0 || idx >= POC_PCR_COUNT || i == end || (text[i] != ' ' && text[i] != '\t'))
			return poc_err_set(e, POC_ERR_MALFORMED, "PCR file line %zu: expected \"INDEX HEX\"", line);
		while (i < end && (text[i] == ' ' || text[i] == '\t'))
			i++;
		if (end - i >= 2 && text[i] == '0' && (text[i + 1] == 'x' || text[i + 1] == 'X'))
			i += 2;
		hs = i;
		while (i < end && text[i] != ' ' && text[i] != '\t' && text[i] != '\r')
			i++;
		if (poc_hex_decode(e, text + hs, i - hs, b->v[idx], sizeof(b->v[idx]), &got) < 0) {
			poc_err_prefix(e, "PCR file line %zu: ", line);
			return -1;
		}
		if (got != dlen)
			return poc_err_set(e, POC_ERR_MALFORMED, "PCR file line %zu: PCR %u has %zu bytes, %s needs %zu",
					   line, idx, got, poc_tpm_alg_name(alg), dlen);
		b->mask |= 1u << idx;
		pos = end + 1;
	}
	return 0;
}
