/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The evidence binding (DESIGN.md section 3, policy "binding"): what the TPM
 * quotes' extraData and the TD REPORTDATA must hold so that both quotes cover
 * the verifier's nonce and name each other, and AK-to-EK credential activation.
 */
#include "appraise_int.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "binding.h"
#include "credential.h"
#include "digest.h"
#include "event_log.h"
#include "hcl_report.h"
#include "log_crosscheck.h"
#include "hex.h"
#include "tpm_attest.h"
#include "x509.h"

static int need_nonce(struct poc_appraise_state *s)
{
	const struct poc_bundle *b = s->b;

	if (s->o->nonce != NULL) {
		/* A diagnosis only (the collector writes this field): the digests below decide. */
		if (b->nonce.p != NULL && (b->nonce.len != s->o->nonce_len ||
					   CRYPTO_memcmp(b->nonce.p, s->o->nonce, b->nonce.len) != 0))
			return poc_deny(s->out, "$.binding", POC_ERR_NONCE,
					"the evidence was collected for another nonce: a replay");
		s->nonce = s->o->nonce;
		s->nonce_len = s->o->nonce_len;
		return 0;
	}
	if (b->nonce.p == NULL)
		return poc_deny(s->out, "$.binding", POC_ERR_NONCE, "binding \"%s\" needs a nonce; neither --nonce nor the bundle gives one",
				poc_binding_name(s->p->binding));
	/* Still binds the two quotes to each other; only freshness is unknown. */
	s->nonce = b->nonce.p;
	s->nonce_len = b->nonce.len;
	poc_note(s->out, "binding checked against the bundle's own nonce: freshness is not established");
	return 0;
}

static int prepare_poc_v1(struct poc_appraise_state *s)
{
	const struct poc_bundle *b = s->b;
	struct poc_err e = { 0 };
	TPMT_PUBLIC ak;
	uint8_t name[POC_TPM_NAME_MAX];
	size_t name_len = sizeof(name);

	if (b->nquotes == 0)
		return poc_deny(s->out, "$.binding", POC_ERR_POLICY, "binding \"poc-v1\" needs a TPM quote");
	if (b->ak_pub.p == NULL)
		return poc_deny(s->out, "$.binding", POC_ERR_POLICY, "binding \"poc-v1\" needs the AK public area (its name is bound)");
	if (need_nonce(s) < 0)
		return -1;
	if (poc_tpm_pub_parse(&e, b->ak_pub.p, b->ak_pub.len, &ak) < 0 || poc_tpm_pub_name(&e, &ak, name, &name_len) < 0)
		return poc_deny_err(s->out, "$.vtpm", &e, "AK public area");
	if (b->tdx_quote.p != NULL) {
		struct poc_tdx_quote q;

		if (poc_tdx_quote_parse(&e, b->tdx_quote.p, b->tdx_quote.len, &q) < 0)
			return poc_deny_err(s->out, "$.tee", &e, "TDX quote");
		if (poc_binding_reportdata(&e, s->nonce, s->nonce_len, name, name_len, s->rd) < 0 ||
		    poc_binding_qualifying(&e, s->nonce, s->nonce_len, q.signed_part, q.signed_len, s->extra) < 0)
			return poc_deny(s->out, "$.binding", POC_ERR_CRYPTO, "binding digests");
		s->check_rd = 1;
		s->rd_len = 64;
	} else if (poc_binding_qualifying(&e, s->nonce, s->nonce_len, NULL, 0, s->extra) < 0) {
		return poc_deny(s->out, "$.binding", POC_ERR_CRYPTO, "binding digests");
	}
	s->check_extra = 1;
	s->extra_len = 32;
	return 0;
}

static int prepare_azure_hcl(struct poc_appraise_state *s)
{
	const struct poc_bundle *b = s->b;
	struct poc_hcl_report r;
	struct poc_err e = { 0 };
	uint8_t user[64];
	size_t ulen;

	if (b->hcl_report.p == NULL || b->tdx_quote.p == NULL || b->nquotes == 0)
		return poc_deny(s->out, "$.binding", POC_ERR_POLICY,
				"binding \"azure-hcl\" needs an HCL report, a TDX quote and a TPM quote");
	if (need_nonce(s) < 0)
		return -1;
	if (poc_hcl_report_parse(&e, b->hcl_report.p, b->hcl_report.len, &r) < 0 ||
	    poc_hcl_report_user_data(&e, &r, user, sizeof(user), &ulen) < 0)
		return poc_deny_err(s->out, "$.binding", &e, "azure-hcl");
	if (ulen != s->nonce_len || CRYPTO_memcmp(user, s->nonce, ulen) != 0)
		return poc_deny(s->out, "$.binding", POC_ERR_NONCE, "azure-hcl: the HCL report's user-data is not the nonce");
	/* All of the TD software's JSON is read here, before any other check depends on it. */
	if ((s->hcl_ak = poc_hcl_report_ak(&e, &r)) == NULL)
		return poc_deny_err(s->out, "$.binding", &e, "azure-hcl");
	if (poc_sha256(r.json, r.json_len, s->rd) < 0)
		return poc_deny(s->out, "$.binding", POC_ERR_CRYPTO, "binding digests");
	s->check_rd = 1;
	s->rd_len = 32;
	s->extra_len = s->nonce_len < 32 ? s->nonce_len : 32;
	memcpy(s->extra, s->nonce, s->extra_len);
	s->check_extra = 1;
	return 0;
}

int poc_appraise_binding_prepare(struct poc_appraise_state *s)
{
	const struct poc_appraise_opts *o = s->o;

	switch (s->p->binding) {
	case POC_BINDING_UNSET:
	case POC_BINDING_NONE:
		if (o->nonce == NULL)
			return 0;
		if (o->nonce_len > 64)
			return poc_deny(s->out, "$.binding", POC_ERR_NONCE, "a nonce for binding \"none\" has at most 64 bytes");
		s->nonce = o->nonce;
		s->nonce_len = o->nonce_len;
		memcpy(s->extra, o->nonce, o->nonce_len);
		s->extra_len = o->nonce_len;
		s->check_extra = 1;
		memset(s->rd, 0, sizeof(s->rd));
		memcpy(s->rd, o->nonce, o->nonce_len);
		s->rd_len = 64;
		s->check_rd = 1;
		return 0;
	case POC_BINDING_POC_V1:
		return prepare_poc_v1(s);
	case POC_BINDING_AZURE_HCL:
		return prepare_azure_hcl(s);
	}
	return poc_deny(s->out, "$.binding", POC_ERR_UNSUPPORTED, "unknown binding");
}

/* The TDREPORT inside the HCL report and the quote say the same REPORTDATA, and HCLAkPub is the AK. */
static int finish_azure_hcl(struct poc_appraise_state *s)
{
	struct poc_hcl_report r;
	struct poc_err e = { 0 };
	EVP_PKEY *ak;
	int same;

	if (!s->tdx_verified || s->hcl_ak == NULL)
		return poc_deny(s->out, "$.binding", POC_ERR_POLICY, "azure-hcl: no verified TD quote to bind the HCL report to");
	if (poc_hcl_report_parse(&e, s->b->hcl_report.p, s->b->hcl_report.len, &r) < 0)
		return poc_deny_err(s->out, "$.binding", &e, "azure-hcl");
	if (poc_hcl_report_check_td(&e, &r, &s->tdx.body) < 0)
		return poc_deny_err(s->out, "$.binding", &e, "azure-hcl");
	ak = s->has_ak_pub ? poc_tpm_pub_to_pkey(&e, &s->ak_pub) : s->ak_cert ? X509_get_pubkey(s->ak_cert) : NULL;
	same = ak != NULL && EVP_PKEY_eq(s->hcl_ak, ak) == 1;
	EVP_PKEY_free(ak);
	if (!same)
		return poc_deny(s->out, "$.binding", POC_ERR_MISMATCH, "azure-hcl: the HCL report's HCLAkPub is not the AK that signed the TPM quote");
	return 0;
}

/*
 * AK to EK by credential activation: the TPM holding the EK whose certificate
 * is appraised recovered our secret for this AK and this nonce. The expected
 * secret is recomputed from the bundle's own public areas (credential.h): the
 * EK name from ek_pub, which must carry the certificate's key, and the AK name
 * from the AK whose quotes appraise_tpm.c verified and whose name the poc-v1
 * REPORTDATA binds (s->ak_pub, from the same ak_pub bytes). A secret a TPM
 * answered for another EK (the prover's own), another AK or another nonce
 * does not match.
 */
static int finish_activation(struct poc_appraise_state *s)
{
	const struct poc_bundle *b = s->b;
	struct poc_err e = { 0 };
	TPMT_PUBLIC ek;
	STACK_OF(X509) *certs;
	X509 *ek_cert;
	uint8_t want[32];
	int rv;

	if (b->activated_secret.p == NULL)
		return 0;
	if (s->o->credential_key == NULL) {
		poc_note(s->out, "credential activation present but not checked (no verifier key)");
		return 0;
	}
	if (!s->has_ak_pub || b->ek_pub.p == NULL || b->ek_cert.p == NULL || s->nonce == NULL || s->nonce_len == 0)
		return poc_deny(s->out, "$.providers", POC_ERR_MALFORMED,
				"credential activation needs the AK and EK public areas, the EK certificate and a nonce");
	/*
	 * Activation proves only that the AK is loaded in the EK's TPM. It is an
	 * attestation key only if the TPM made it and keeps it (fixedTPM: never
	 * imported, never duplicated out) and it signs nothing but what the TPM
	 * itself produced (restricted signing), else its quotes prove nothing.
	 * These are the attributes the TPM checked: they are part of the AK name.
	 */
	if ((s->ak_pub.objectAttributes & (TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT |
					   TPMA_OBJECT_DECRYPT)) !=
	    (TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT))
		return poc_deny(s->out, "$.providers", POC_ERR_POLICY,
				"credential activation: the AK is not a fixedTPM restricted signing key (attributes 0x%08x)",
				(unsigned)s->ak_pub.objectAttributes);
	if (poc_tpm_pub_parse(&e, b->ek_pub.p, b->ek_pub.len, &ek) < 0)
		return poc_deny_err(s->out, "$.providers", &e, "EK public area");
	/* What TPM2_ActivateCredential takes as the EK (Part 3: TPM_RC_TYPE otherwise). */
	if ((ek.objectAttributes & (TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT | TPMA_OBJECT_SIGN_ENCRYPT)) !=
	    (TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT))
		return poc_deny(s->out, "$.providers", POC_ERR_POLICY,
				"credential activation: the EK public area is not a restricted decryption key (attributes 0x%08x)",
				(unsigned)ek.objectAttributes);
	certs = poc_x509_load(&e, b->ek_cert.p, b->ek_cert.len);
	if (certs == NULL)
		return poc_deny_err(s->out, "$.providers", &e, "EK certificate");
	ek_cert = sk_X509_shift(certs);
	sk_X509_pop_free(certs, X509_free);
	rv = poc_tpm_pub_matches_cert(&e, &ek, ek_cert);
	X509_free(s->ek_cert);
	s->ek_cert = ek_cert; /* owned by the state */
	if (rv < 0)
		return poc_deny_err(s->out, "$.providers", &e, "the EK certificate does not certify the EK");
	if (poc_credential_secret(&e, s->o->credential_key, s->nonce, s->nonce_len, &s->ak_pub, &ek, want) < 0) {
		OPENSSL_cleanse(want, sizeof(want));
		return poc_deny_err(s->out, "$.providers", &e, "credential activation");
	}
	rv = poc_credential_check(&e, want, b->activated_secret.p, b->activated_secret.len);
	OPENSSL_cleanse(want, sizeof(want));
	if (rv < 0)
		return poc_deny(s->out, "$.providers", POC_ERR_MISMATCH,
				"credential activation: the AK was not activated against the EK (the secret is not the one "
				"for this EK, AK and nonce: the TPM that answered does not hold the certified EK, or it "
				"answered for another AK or nonce)");
	s->ak_activated = 1;
	return 0;
}

/*
 * The vTPM's SHA-384 digests of PCR 1-15 mean something only when a verified
 * quote covers those PCRs (the strict replay then bound every one of them);
 * otherwise they are text the prover wrote.
 */
static int sha384_bound(const struct poc_appraise_state *s)
{
	const struct poc_pcr_bank *bk = poc_pcrs_bank_get(&s->verified, TPM2_ALG_SHA384);

	return bk != NULL && (bk->mask & 0xfffeu) == 0xfffeu;
}

/* Both logs present: the vTPM's PCR events and the TD's RTMR events agree ($.vtpm.crosscheck). */
static int finish_crosscheck(struct poc_appraise_state *s)
{
	const struct poc_bundle *b = s->b;
	struct poc_evlog tpm, cc;
	struct poc_err e = { 0 };
	int required = s->p->crosscheck_required, rv = -1;

	if (b->eventlog.p == NULL || b->ccel_log.p == NULL) {
		if (required)
			return poc_deny(s->out, "$.vtpm.crosscheck", POC_ERR_POLICY,
					"the PCR/RTMR cross-check is required; the evidence has no %s",
					b->eventlog.p == NULL ? "vTPM event log" : "CCEL");
		return 0;
	}
	if (!s->tdx_verified || !sha384_bound(s)) {
		const char *why = !s->tdx_verified ? "the TD quote (and so its CCEL) is not appraised"
						   : "no verified quote covers sha384 PCRs 1-15";

		if (required)
			return poc_deny(s->out, "$.vtpm.crosscheck", POC_ERR_POLICY,
					"the PCR/RTMR cross-check is required; %s", why);
		poc_note(s->out, "PCR/RTMR cross-check not made: %s", why);
		return 0;
	}
	if (poc_evlog_parse(&e, b->eventlog.p, b->eventlog.len, &tpm) < 0)
		return poc_deny_err(s->out, "$.vtpm.eventlog", &e, "TPM event log");
	if (poc_evlog_parse(&e, b->ccel_log.p, b->ccel_log.len, &cc) < 0) {
		poc_evlog_free(&tpm);
		return poc_deny_err(s->out, "$.tee", &e, "CCEL event log");
	}
	if (poc_evlog_crosscheck(&e, &tpm, &cc) == 0) {
		poc_note(s->out, "the vTPM and CCEL event logs agree event by event");
		rv = 0;
	} else if (e.code == POC_ERR_UNSUPPORTED && !required) {
		poc_note(s->out, "PCR/RTMR cross-check not possible: %s", e.msg);
		rv = 0;
	} else {
		poc_deny_err(s->out, e.code == POC_ERR_UNSUPPORTED ? "$.vtpm.crosscheck" : "$.binding", &e,
			     "poc-v1: the vTPM and TD event logs disagree");
	}
	poc_evlog_free(&tpm);
	poc_evlog_free(&cc);
	return rv;
}

int poc_appraise_binding_finish(struct poc_appraise_state *s)
{
	if (s->p->binding == POC_BINDING_AZURE_HCL && finish_azure_hcl(s) < 0)
		return -1;
	if (s->p->binding == POC_BINDING_POC_V1 && finish_crosscheck(s) < 0)
		return -1;
	return finish_activation(s);
}
