/* SPDX-License-Identifier: Apache-2.0 */
/* How a check turns into a denial: a PCR that changed (named), an object of another token or policy (token_state.h). */
#include "token/token_state.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "hex.h"
#include "pcrs.h"
#include "tpm/tpm.h"
#include "tpm/tpm_seal.h"

/* "sha256:7,14": the sealed PCRs whose values differ from those at init (all of them when unknown); their number. */
int poc_token_changed_pcrs(struct poc_tpm *tpm, const struct poc_token_meta *m, char *out, size_t len)
{
	uint8_t vals[POC_PCR_COUNT * POC_DIGEST_MAX];
	size_t vlen = 0, dlen = poc_tpm_alg_digest_len(m->pcr_bank), k = 0, off;
	struct poc_err e = { 0 };
	const char *bank = poc_tpm_alg_name(m->pcr_bank);
	int known, any = 0, n = 0;
	unsigned i;

	known = m->pcr_values != NULL && poc_tpm_pcr_read(&e, tpm, m->pcr_bank, m->pcr_mask, vals, &vlen, NULL) == 0 &&
		vlen == m->pcr_values_len;
	off = (size_t)snprintf(out, len, "%s%s:", known ? "" : "one of ", bank ? bank : "?");
	for (i = 0; i < POC_PCR_COUNT && off < len; i++) {
		if (!(m->pcr_mask & (1u << i)))
			continue;
		if (!known || memcmp(vals + k * dlen, m->pcr_values + k * dlen, dlen) != 0) {
			off += (size_t)snprintf(out + off, len - off, "%s%u", any ? "," : "", i);
			any = 1;
			n++;
		}
		k++;
	}
	return n;
}

/* A PCR seal failure overrides an accepting appraisal; a denial already made keeps its clause. */
void poc_token_deny_pcrs(struct poc_appraisal *a, const struct poc_token_meta *m, const char *why)
{
	const char *bank = poc_tpm_alg_name(m->pcr_bank);

	/*
	 * The denial key signs this record, and it opens without PCRs or PIN:
	 * nothing it signs may read as affirming, not even a submod (record.h,
	 * poc_record_is_denial). The TD quote may have been fine: the notes say why.
	 */
	a->vtpm = POC_EAR_CONTRAINDICATED;
	a->poc = POC_EAR_CONTRAINDICATED;
	if (a->tee != POC_EAR_NONE)
		a->tee = POC_EAR_CONTRAINDICATED;
	if (!a->accepted && a->code != POC_OK) {
		if (a->nnotes < POC_APPRAISAL_MAX_NOTES)
			snprintf(a->notes[a->nnotes++], sizeof(a->notes[0]), "seal.pcrs: %.140s", why);
		return;
	}
	a->accepted = 0;
	a->code = POC_ERR_POLICY;
	snprintf(a->clause, sizeof(a->clause), "seal.pcrs.%s", bank ? bank : "?");
	snprintf(a->reason, sizeof(a->reason), "%s", why);
}

int poc_token_object_check(const struct poc_token_meta *m, const uint8_t *obj, size_t len, char *clause,
			   size_t clause_len, char *why, size_t why_len)
{
	struct poc_object_header h;
	struct poc_err e = { 0 };
	char got[65], want[65];
	int rv = -1;

	if (poc_object_parse(&e, obj, len, &h, NULL, NULL) < 0) {
		snprintf(clause, clause_len, "store.object");
		snprintf(why, why_len, "%s", e.msg);
		return -1;
	}
	if (CRYPTO_memcmp(h.token_id, m->token_id, POC_TOKEN_ID_LEN) != 0) {
		poc_hex_encode(h.token_id, POC_TOKEN_ID_LEN, got);
		poc_hex_encode(m->token_id, POC_TOKEN_ID_LEN, want);
		snprintf(clause, clause_len, "store.token_id");
		snprintf(why, why_len, "the object \"%.64s\" belongs to token %s, not to this token %s", h.label, got, want);
	} else if (CRYPTO_memcmp(h.policy_digest, m->policy_digest, 32) != 0) {
		poc_hex_encode(h.policy_digest, 32, got);
		poc_hex_encode(m->policy_digest, 32, want);
		snprintf(clause, clause_len, "store.policy_digest");
		snprintf(why, why_len, "the object was sealed under policy sha256:%s, the token's is sha256:%s", got, want);
	} else {
		rv = 0;
	}
	poc_object_header_free(&h);
	return rv;
}

void poc_token_deny(struct poc_appraisal *a, const char *clause, const char *why)
{
	a->poc = POC_EAR_CONTRAINDICATED;
	if (!a->accepted && a->code != POC_OK) {
		if (a->nnotes < POC_APPRAISAL_MAX_NOTES)
			snprintf(a->notes[a->nnotes++], sizeof(a->notes[0]), "%s: %.130s", clause, why);
		return;
	}
	a->accepted = 0;
	a->code = POC_ERR_POLICY;
	snprintf(a->clause, sizeof(a->clause), "%s", clause);
	snprintf(a->reason, sizeof(a->reason), "%s", why);
}


int poc_token_objects_check(const struct poc_token_meta *m, uint8_t *const *objs, const size_t *olens, size_t n,
			    struct poc_appraisal *a)
{
	char clause[32], why[POC_ERR_MSG_MAX];
	size_t i;
	int rv = 0;

	for (i = 0; i < n; i++)
		if (poc_token_object_check(m, objs[i], olens[i], clause, sizeof(clause), why, sizeof(why)) < 0) {
			poc_token_deny(a, clause, why);
			rv = -1;
		}
	return rv;
}

int poc_token_state_check(struct poc_err *e, const struct poc_token_meta *m, EVP_PKEY *key, int locked,
			  struct poc_appraisal *a)
{
	if (locked) {
		if (a->nnotes < POC_APPRAISAL_MAX_NOTES)
			snprintf(a->notes[a->nnotes++], sizeof(a->notes[0]),
				 "store.state: not authenticated (the PCRs lock the verifier key; this check can only deny)");
		return 0;
	}
	if (poc_token_state_verify(e, key, m) == 0)
		return 0;
	a->accepted = 0;
	a->code = POC_ERR_SIGNATURE;
	a->poc = POC_EAR_CONTRAINDICATED;
	snprintf(a->clause, sizeof(a->clause), "store.state");
	snprintf(a->reason, sizeof(a->reason), "%s", e->msg);
	return -1;
}
