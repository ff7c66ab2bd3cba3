/* SPDX-License-Identifier: Apache-2.0 */
/* The vTPM part of an appraisal: AK, quotes, PCR values, event log, $.vtpm clauses. */
#include "appraise_int.h"

#include <stdio.h>
#include <string.h>

#include "event_log.h"
#include "hex.h"
#include "tpm_attest.h"
#include "x509.h"

static int load_ak(struct poc_appraise_state *s)
{
	const struct poc_bundle *b = s->b;
	struct poc_err e = { 0 };
	STACK_OF(X509) *certs;
	size_t i;

	if (b->ak_pub.p != NULL) {
		if (poc_tpm_pub_parse(&e, b->ak_pub.p, b->ak_pub.len, &s->ak_pub) < 0)
			return poc_deny_err(s->out, "$.vtpm", &e, "AK public area");
		s->has_ak_pub = 1;
		s->out->ak_name_len = sizeof(s->out->ak_name);
		if (poc_tpm_pub_name(&e, &s->ak_pub, s->out->ak_name, &s->out->ak_name_len) < 0)
			return poc_deny_err(s->out, "$.vtpm", &e, "AK name");
	}
	if (b->ak_cert.p != NULL) {
		certs = poc_x509_load(&e, b->ak_cert.p, b->ak_cert.len);
		if (certs == NULL)
			return poc_deny_err(s->out, "$.vtpm", &e, "AK certificate");
		s->ak_cert = sk_X509_shift(certs);
		sk_X509_pop_free(certs, X509_free);
	}
	if (b->n_ak_chain) {
		s->ak_chain = sk_X509_new_null();
		if (s->ak_chain == NULL)
			return poc_deny(s->out, "$.vtpm", POC_ERR_NOMEM, "out of memory");
		for (i = 0; i < b->n_ak_chain; i++) {
			certs = poc_x509_load(&e, b->ak_chain[i].p, b->ak_chain[i].len);
			if (certs == NULL)
				return poc_deny_err(s->out, "$.vtpm", &e, "AK issuer chain");
			while (sk_X509_num(certs) > 0) {
				X509 *x = sk_X509_shift(certs);

				if (!sk_X509_push(s->ak_chain, x))
					X509_free(x);
			}
			sk_X509_free(certs);
		}
	}
	if (!s->has_ak_pub && s->ak_cert == NULL)
		return poc_deny(s->out, "$.vtpm", POC_ERR_MALFORMED, "the evidence has TPM quotes but no AK public key or certificate");
	if (s->has_ak_pub && s->ak_cert != NULL && poc_tpm_pub_matches_cert(&e, &s->ak_pub, s->ak_cert) < 0)
		return poc_deny_err(s->out, "$.vtpm", &e, "AK certificate does not certify the quoting AK");
	return 0;
}

/* Copies the PCRs a verified quote selects from the bundle's values into s->verified. */
static void add_verified(struct poc_appraise_state *s, const struct poc_tpm_quote *q, const struct poc_pcrs *vals)
{
	const TPML_PCR_SELECTION *sel = &q->attest.attested.quote.pcrSelect;
	uint32_t k, j;

	for (k = 0; k < sel->count && k < TPM2_NUM_PCR_BANKS; k++) {
		const TPMS_PCR_SELECTION *ps = &sel->pcrSelections[k];
		const struct poc_pcr_bank *src = poc_pcrs_bank_get(vals, ps->hash);
		struct poc_pcr_bank *dst;

		if (src == NULL || (dst = poc_pcrs_bank(&s->verified, ps->hash, 1)) == NULL)
			continue;
		for (j = 0; j < POC_PCR_COUNT && j / 8 < ps->sizeofSelect; j++) {
			if ((ps->pcrSelect[j / 8] & (1u << (j % 8))) && (src->mask & (1u << j))) {
				memcpy(dst->v[j], src->v[j], sizeof(dst->v[j]));
				dst->mask |= 1u << j;
			}
		}
	}
}

static int check_quotes(struct poc_appraise_state *s, EVP_PKEY *ak)
{
	const struct poc_bundle *b = s->b;
	size_t i;

	for (i = 0; i < b->nquotes; i++) {
		const struct poc_bundle_quote *bq = &b->quotes[i];
		struct poc_tpm_quote q;
		struct poc_err e = { 0 };
		char ctx[64];

		snprintf(ctx, sizeof(ctx), "TPM quote %zu", i);
		if (poc_tpm_quote_parse(&e, bq->attest.p, bq->attest.len, bq->sig.p, bq->sig.len, &q) < 0 ||
		    poc_tpm_quote_verify_sig(&e, bq->attest.p, bq->attest.len, &q.sig, ak) < 0 ||
		    poc_tpm_quote_check_pcrs(&e, &q, &bq->pcrs) < 0)
			return poc_deny_err(s->out, "$.vtpm", &e, ctx);
		if (s->check_extra && poc_tpm_quote_check_nonce(&e, &q, s->extra, s->extra_len) < 0) {
			if (s->p->binding == POC_BINDING_POC_V1)
				return poc_deny(s->out, "$.binding", POC_ERR_NONCE,
						"%s: poc-v1: its extraData does not cover the nonce%s", ctx,
						s->b->tdx_quote.p ? " and this TD quote (it was made for another TD quote)" : "");
			poc_err_prefix(&e, "%s: ", poc_binding_name(s->p->binding));
			return poc_deny_err(s->out, "$.binding", &e, ctx);
		}
		if (i == 0) {
			s->extra_data = q.attest.extraData;
			s->out->clock = q.attest.clockInfo.clock;
			s->out->reset_count = q.attest.clockInfo.resetCount;
			s->out->restart_count = q.attest.clockInfo.restartCount;
			s->out->firmware_version = q.attest.firmwareVersion;
			s->out->qualified_signer_len = q.attest.qualifiedSigner.size <= sizeof(s->out->qualified_signer)
							       ? q.attest.qualifiedSigner.size : 0;
			memcpy(s->out->qualified_signer, q.attest.qualifiedSigner.name, s->out->qualified_signer_len);
		} else if (q.attest.clockInfo.resetCount != s->out->reset_count ||
			   q.attest.clockInfo.restartCount != s->out->restart_count) {
			return poc_deny(s->out, "$.vtpm", POC_ERR_MISMATCH,
					"TPM quote %zu comes from another boot (resetCount/restartCount %u/%u, quote 0 has %llu/%llu)",
					i, q.attest.clockInfo.resetCount, q.attest.clockInfo.restartCount,
					(unsigned long long)s->out->reset_count, (unsigned long long)s->out->restart_count);
		}
		add_verified(s, &q, &bq->pcrs);
	}
	s->out->nquotes = b->nquotes;
	return 0;
}

#define PCR_IMA 10u

/* "sha256:4,8" for the PCRs of mask ("PCR 4,8" for alg 0). */
static void pcr_list(uint16_t alg, uint32_t mask, char *buf, size_t len)
{
	size_t n = alg ? (size_t)snprintf(buf, len, "%s:", poc_tpm_alg_name(alg)) : (size_t)snprintf(buf, len, "PCR ");
	int first = 1;

	for (unsigned j = 0; j < POC_PCR_COUNT && n < len; j++) {
		if (!(mask & (1u << j)))
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%u", first ? "" : ",", j);
		first = 0;
	}
	if (first && n < len)
		snprintf(buf + n, len - n, "none");
}

/*
 * One verified bank against the log, strictly: the log declares the bank,
 * every quoted PCR replays to its quoted value (a PCR no event extends holds
 * its reset value), and, when the log is required, every PCR the log extends
 * is quoted (else its events are unverified text). PCR 10 is IMA's: the
 * kernel keeps its log, so a PCR 10 no firmware event extends is left out.
 */
static int check_bank(struct poc_appraise_state *s, const struct poc_evlog *log, const struct poc_pcr_bank *bk,
		      int *ima_noted)
{
	uint32_t ext = poc_evlog_extended_mask(log), mask = bk->mask, loose;
	uint8_t reset[POC_DIGEST_MAX];
	struct poc_err e = { 0 };
	char list[128];

	if (!poc_evlog_has_alg(log, bk->alg))
		return poc_deny(s->out, "$.vtpm.eventlog", POC_ERR_POLICY,
				"the event log declares no %s digests, so it cannot reproduce the quoted %s PCRs",
				poc_tpm_alg_name(bk->alg), poc_tpm_alg_name(bk->alg));
	poc_evlog_reset_value(bk->alg, PCR_IMA, reset);
	if ((mask & (1u << PCR_IMA)) && !(ext & (1u << PCR_IMA)) &&
	    CRYPTO_memcmp(bk->v[PCR_IMA], reset, poc_tpm_alg_digest_len(bk->alg)) != 0) {
		mask &= ~(1u << PCR_IMA);
		if (!(*ima_noted)++)
			poc_note(s->out, "event log: PCR 10 (IMA, whose log the kernel keeps) is not described by the firmware log: not replayed");
	}
	if (poc_evlog_check(&e, log, bk, mask) < 0)
		return poc_deny_err(s->out, "$.vtpm.eventlog", &e, "TPM event log does not reproduce the quoted PCRs");
	loose = ext & ~bk->mask;
	if (loose) {
		pcr_list(bk->alg, loose, list, sizeof(list));
		if (s->p->eventlog == POC_EVENTLOG_REQUIRED)
			return poc_deny(s->out, "$.vtpm.eventlog", POC_ERR_POLICY,
					"the event log extends PCRs %s that no verified quote covers: those events are not verified", list);
		poc_note(s->out, "event log: events of PCRs %s are not covered by a quote", list);
	}
	return 0;
}

static int check_eventlog(struct poc_appraise_state *s)
{
	const struct poc_bundle *b = s->b;
	struct poc_evlog log;
	struct poc_err e = { 0 };
	size_t i;
	uint32_t quoted = 0;
	char list[128];
	int tech, ima_noted = 0, rv = -1;

	if (b->eventlog.p == NULL) {
		if (s->p->eventlog == POC_EVENTLOG_REQUIRED)
			return poc_deny(s->out, "$.vtpm.eventlog", POC_ERR_POLICY, "an event log is required; the evidence has none");
		return 0;
	}
	if (poc_evlog_parse(&e, b->eventlog.p, b->eventlog.len, &log) < 0)
		return poc_deny_err(s->out, "$.vtpm.eventlog", &e, "TPM event log");
	for (i = 0; i < s->verified.nbanks; i++) {
		quoted |= s->verified.bank[i].mask;
		if (s->verified.bank[i].mask != 0 && check_bank(s, &log, &s->verified.bank[i], &ima_noted) < 0)
			goto done;
	}
	/* A quote of no PCR (TPM2_Quote of an empty selection) verifies no event: the log is only text. */
	if (quoted == 0) {
		pcr_list(0, poc_evlog_extended_mask(&log), list, sizeof(list));
		if (s->p->eventlog == POC_EVENTLOG_REQUIRED) {
			poc_deny(s->out, "$.vtpm.eventlog", POC_ERR_POLICY,
				 "an event log is required, but no verified quote covers any PCR: none of its events (%s) is verified",
				 list);
			goto done;
		}
		poc_note(s->out, "event log: no verified quote covers a PCR, so none of its events is verified");
	}
	tech = (quoted & 1u) ? poc_evlog_gce_technology(&log) : -1;
	if (tech >= 0)
		poc_note(s->out, "event log: GCE NonHostInfo technology %d%s", tech, tech == 3 ? " (TDX)" : "");
	rv = 0;
done:
	poc_evlog_free(&log);
	return rv;
}

static int check_reference_values(struct poc_appraise_state *s)
{
	const struct poc_policy *p = s->p;
	size_t i, k;
	unsigned j;

	for (i = 0; i < p->npcr_banks; i++) {
		const struct poc_policy_pcr_bank *pb = &p->pcr_banks[i];
		const struct poc_pcr_bank *vb = poc_pcrs_bank_get(&s->verified, pb->alg);
		const char *bank = poc_tpm_alg_name(pb->alg);
		size_t dlen = poc_tpm_alg_digest_len(pb->alg);

		for (j = 0; j < POC_PCR_COUNT; j++) {
			char clause[64], hex[2 * POC_DIGEST_MAX + 1];
			int match = 0;

			if (!(pb->mask & (1u << j)))
				continue;
			snprintf(clause, sizeof(clause), "$.vtpm.pcrs.%s.%u", bank, j);
			if (vb == NULL || !(vb->mask & (1u << j)))
				return poc_deny(s->out, clause, POC_ERR_POLICY, "PCR %s:%u is not covered by a verified quote", bank, j);
			for (k = 0; k < pb->vals[j].n; k++)
				match |= CRYPTO_memcmp(pb->vals[j].v[k], vb->v[j], dlen) == 0;
			if (!match) {
				poc_hex_encode(vb->v[j], dlen, hex);
				return poc_deny(s->out, clause, POC_ERR_POLICY, "PCR %s:%u is %s, not a reference value", bank, j, hex);
			}
		}
	}
	return 0;
}

int poc_appraise_tpm(struct poc_appraise_state *s)
{
	struct poc_err e = { 0 };
	EVP_PKEY *ak = NULL;
	int rv = -1;

	if (s->b->nquotes == 0) {
		if (s->p->has_vtpm)
			return poc_deny(s->out, "$.vtpm", POC_ERR_POLICY, "the policy has a vtpm clause; the evidence has no TPM quote");
		s->out->vtpm = POC_EAR_NONE;
		return 0;
	}
	if (load_ak(s) < 0)
		return -1;
	if (s->has_ak_pub) {
		ak = poc_tpm_pub_to_pkey(&e, &s->ak_pub);
		if (ak == NULL)
			return poc_deny_err(s->out, "$.vtpm", &e, "AK public key");
	} else {
		ak = X509_get_pubkey(s->ak_cert);
		if (ak == NULL)
			return poc_deny(s->out, "$.vtpm", POC_ERR_MALFORMED, "AK certificate has no usable public key");
	}
	if (check_quotes(s, ak) < 0 || check_eventlog(s) < 0 || check_reference_values(s) < 0)
		goto done;
	/* Pinned counters: a reboot (resetCount) or resume (restartCount) since the pin is a denial. */
	if (s->p->has_reset_count && s->out->reset_count != (uint64_t)s->p->reset_count) {
		poc_deny(s->out, "$.vtpm.reset_count", POC_ERR_POLICY, "TPM resetCount is %llu, pinned to %lld",
			 (unsigned long long)s->out->reset_count, (long long)s->p->reset_count);
		goto done;
	}
	if (s->p->has_restart_count && s->out->restart_count != (uint64_t)s->p->restart_count) {
		poc_deny(s->out, "$.vtpm.restart_count", POC_ERR_POLICY, "TPM restartCount is %llu, pinned to %lld",
			 (unsigned long long)s->out->restart_count, (long long)s->p->restart_count);
		goto done;
	}
	s->out->vtpm = POC_EAR_AFFIRMING;
	rv = 0;
done:
	EVP_PKEY_free(ak);
	return rv;
}
