/* SPDX-License-Identifier: Apache-2.0 */
/* "bank:index hex" PCR files, and the PCRs of an appraised bundle (pcr_file.h). */
#include "pcr_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "appraise.h"
#include "bundle.h"
#include "credential_key.h"
#include "evidence/evidence.h"
#include "hex.h"
#include "policy.h"
#include "policy_file.h"
#include "poctool.h"

#define PCR_FILE_MAX 65536

/* One "bank:index hex" line into v/seen; bank fixed by the first line. */
static int parse_line(const char *what, unsigned lineno, char *line, uint16_t *bank,
		      uint8_t v[POC_PCR_COUNT][POC_DIGEST_MAX], uint32_t *mask)
{
	struct poc_err e = { 0 };
	char *colon = strchr(line, ':'), *sp, *end;
	uint16_t alg;
	unsigned long idx;
	size_t n = 0;

	sp = colon != NULL ? strpbrk(colon, " \t") : NULL;
	if (colon == NULL || sp == NULL)
		goto bad;
	*colon = *sp = '\0';
	while (sp[1] == ' ' || sp[1] == '\t')
		sp++;
	idx = strtoul(colon + 1, &end, 10);
	if (poc_tpm_alg_from_name(line, &alg) < 0 || end == colon + 1 || *end != '\0' || idx >= POC_PCR_COUNT ||
	    (*mask != 0 && alg != *bank) || (*mask & (1u << idx)) ||
	    poc_hex_decode(&e, sp + 1, strlen(sp + 1), v[idx], POC_DIGEST_MAX, &n) < 0 || n != poc_tpm_alg_digest_len(alg))
		goto bad;
	*bank = alg;
	*mask |= 1u << idx;
	return 0;
bad:
	poc_tool_warn("%s line %u: not \"bank:index hex\" of one bank, each index once", what, lineno);
	return -1;
}

int poc_tool_pcr_file_parse(const char *what, const char *text, size_t len, struct poc_pcr_file *out)
{
	uint8_t v[POC_PCR_COUNT][POC_DIGEST_MAX];
	char line[256];
	size_t i = 0, dlen;
	unsigned lineno = 0;

	memset(out, 0, sizeof(*out));
	while (i < len) {
		size_t j = i, n;

		while (j < len && text[j] != '\n')
			j++;
		n = j - i;
		lineno++;
		if (n >= sizeof(line) || memchr(text + i, '\0', n) != NULL) {
			poc_tool_warn("%s line %u: too long", what, lineno);
			return -1;
		}
		memcpy(line, text + i, n);
		while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' '))
			n--;
		line[n] = '\0';
		i = j + 1;
		if (n == 0 || line[0] == '#')
			continue;
		if (parse_line(what, lineno, line, &out->bank, v, &out->mask) < 0)
			return -1;
	}
	if (out->mask == 0) {
		poc_tool_warn("%s: no PCR", what);
		return -1;
	}
	dlen = poc_tpm_alg_digest_len(out->bank);
	for (unsigned p = 0; p < POC_PCR_COUNT; p++)
		if (out->mask & (1u << p)) {
			memcpy(out->vals + out->len, v[p], dlen);
			out->len += dlen;
		}
	return 0;
}

int poc_tool_pcr_file_read(const char *path, struct poc_pcr_file *out)
{
	size_t len = 0;
	uint8_t *buf = poc_tool_read_file(path, PCR_FILE_MAX, &len);
	int rv;

	if (buf == NULL)
		return -1;
	rv = poc_tool_pcr_file_parse(path, (const char *)buf, len, out);
	free(buf);
	return rv;
}

int poc_tool_pcr_file_write(const char *path, const struct poc_pcr_file *pf)
{
	size_t dlen = poc_tpm_alg_digest_len(pf->bank), off = 0, n = 0;
	char *text = malloc(POC_PCR_COUNT * (16 + 2 * POC_DIGEST_MAX + 2) + 1);
	int rv;

	if (text == NULL || dlen == 0) {
		free(text);
		poc_tool_warn("%s: out of memory", path);
		return -1;
	}
	for (unsigned p = 0; p < POC_PCR_COUNT; p++) {
		if (!(pf->mask & (1u << p)))
			continue;
		n += (size_t)sprintf(text + n, "%s:%u ", poc_tpm_alg_name(pf->bank), p);
		poc_hex_encode(pf->vals + off, dlen, text + n);
		n += 2 * dlen;
		text[n++] = '\n';
		off += dlen;
	}
	rv = poc_tool_write_file(path, (const uint8_t *)text, n);
	free(text);
	return rv;
}

/* The values of bank/mask in b's first quote (verified by the appraisal) into out. */
static int quoted_values(const struct poc_bundle *b, uint16_t bank, uint32_t mask, struct poc_pcr_file *out)
{
	const struct poc_pcr_bank *q = b->nquotes > 0 ? poc_pcrs_bank_get(&b->quotes[0].pcrs, bank) : NULL;
	size_t dlen = poc_tpm_alg_digest_len(bank);

	if (q == NULL || (q->mask & mask) != mask) {
		poc_tool_warn("policy approve: the bundle's quote does not cover the token's %s PCRs", poc_tpm_alg_name(bank));
		return -1;
	}
	memset(out, 0, sizeof(*out));
	out->bank = bank;
	out->mask = mask;
	for (unsigned p = 0; p < POC_PCR_COUNT; p++)
		if (mask & (1u << p)) {
			memcpy(out->vals + out->len, q->v[p], dlen);
			out->len += dlen;
		}
	return 0;
}

/* The appraisal options of r: now, the nonce and its time. */
static int recovery_opts(const struct poc_tool_recovery *r, uint8_t nonce[64], uint8_t ckey[32],
			 struct poc_appraise_opts *ao)
{
	struct poc_err e = { 0 };
	size_t n = 0;
	char *end;

	memset(ao, 0, sizeof(*ao));
	ao->at_ms = poc_evidence_now_ms();
	ao->at = ao->at_ms / 1000;
	if (r->nonce_hex != NULL) {
		if (poc_hex_decode(&e, r->nonce_hex, strlen(r->nonce_hex), nonce, 64, &n) < 0 || n == 0) {
			poc_tool_warn("policy approve: --nonce is 1..64 bytes of hex");
			return -1;
		}
		ao->nonce = nonce;
		ao->nonce_len = n;
	}
	if (r->nonce_time != NULL) {
		ao->nonce_time_ms = (int64_t)strtoll(r->nonce_time, &end, 10);
		if (r->nonce_hex == NULL || *r->nonce_time < '0' || *r->nonce_time > '9' || *end != '\0' ||
		    ao->nonce_time_ms > ao->at_ms) {
			poc_tool_warn("policy approve: --nonce-time is the --nonce's issue time in Unix ms, not in the future");
			return -1;
		}
		ao->has_nonce_time = 1;
	}
	if (r->verifier_key != NULL) {
		if (poc_tool_credential_key(r->verifier_key, ckey) < 0)
			return -1;
		ao->credential_key = ckey;
	}
	return 0;
}

int poc_tool_bundle_pcrs(const struct poc_tool_recovery *r, uint16_t bank, uint32_t mask, struct poc_pcr_file *out)
{
	const char *path = r->bundle, *policy_path = r->policy;
	struct poc_appraise_opts ao;
	struct poc_appraisal a;
	struct poc_bundle b;
	struct poc_policy *policy = NULL;
	struct poc_err e = { 0 };
	uint8_t nonce[64], ckey[32];
	size_t len = 0;
	uint8_t *buf;
	int rv = POC_EXIT_USAGE;

	memset(&b, 0, sizeof(b));
	if (recovery_opts(r, nonce, ckey, &ao) < 0 || (buf = poc_tool_read_file(path, POC_BUNDLE_MAX, &len)) == NULL)
		return POC_EXIT_USAGE;
	if (poc_bundle_decode(&e, buf, len, &b) < 0) {
		poc_tool_warn("%s: %s", path, e.msg);
		goto done;
	}
	if ((policy = poc_tool_policy_load(policy_path)) == NULL)
		goto done;
	/* The standard of a release: accepted and affirming (a warning, e.g. no freshness, approves nothing). */
	if (poc_appraise(policy, &b, &ao, &a) < 0 || poc_appraisal_require_affirming(&a) < 0) {
		poc_tool_warn("policy approve: the bundle is denied under %s: %s: %s (nothing approved)", policy_path,
			      a.clause, a.reason);
		rv = POC_EXIT_DENIED;
		goto done;
	}
	rv = quoted_values(&b, bank, mask, out) < 0 ? POC_EXIT_DENIED : POC_EXIT_OK;
done:
	OPENSSL_cleanse(ckey, sizeof(ckey));
	poc_bundle_free(&b);
	poc_policy_free(policy);
	free(buf);
	return rv;
}
