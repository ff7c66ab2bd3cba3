/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The TEE part of an appraisal: TDX quote, its origin (Intel's TD QE and TDX
 * module, PCK revocation), DCAP collateral and TCB, CCEL, $.tee clauses.
 */
#include "appraise_int.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ccel.h"
#include "collateral.h"
#include "event_log.h"
#include "hex.h"
#include "tcb_eval.h"
#include "tdx_identity.h"
#include "x509.h"

static int in_values(const struct poc_policy_values *v, const uint8_t *m, size_t len)
{
	size_t i;
	int match = 0;

	for (i = 0; i < v->n; i++)
		match |= v->len == len && CRYPTO_memcmp(v->v[i], m, len) == 0;
	return match;
}

static int check_measurements(struct poc_appraise_state *s)
{
	const struct poc_policy *p = s->p;
	const struct poc_tdx_body *body = &s->tdx.body;
	char hex[97], clause[32];
	int i;

	if (poc_tdx_quote_debug(&s->tdx) && !p->debug_allowed)
		return poc_deny(s->out, "$.tee.debug", POC_ERR_POLICY,
				"the TD runs in DEBUG mode (TDATTRIBUTES bit 0 set); the policy forbids it");
	if (p->mrtd.n && !in_values(&p->mrtd, body->mrtd, 48)) {
		poc_hex_encode(body->mrtd, 48, hex);
		return poc_deny(s->out, "$.tee.mrtd", POC_ERR_POLICY, "MRTD %s is not a reference value", hex);
	}
	for (i = 0; i < 4; i++) {
		if (p->rtmr[i].n && !in_values(&p->rtmr[i], body->rtmr[i], 48)) {
			poc_hex_encode(body->rtmr[i], 48, hex);
			snprintf(clause, sizeof(clause), "$.tee.rtmr.%d", i);
			return poc_deny(s->out, clause, POC_ERR_POLICY, "RTMR%d %s is not a reference value", i, hex);
		}
	}
	return 0;
}

static int is_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	while (n--)
		acc |= *p++;
	return acc == 0;
}

static int check_ccel(struct poc_appraise_state *s)
{
	const struct poc_bundle *b = s->b;
	struct poc_ccel_table t;
	struct poc_evlog log;
	struct poc_err e = { 0 };
	uint32_t mask = 0xf;
	int rv;

	if (b->ccel_log.p == NULL)
		return 0;
	if (b->ccel_table.p != NULL && poc_ccel_table_parse(&e, b->ccel_table.p, b->ccel_table.len, &t) < 0)
		return poc_deny_err(s->out, "$.tee", &e, "CCEL table");
	if (poc_evlog_parse(&e, b->ccel_log.p, b->ccel_log.len, &log) < 0)
		return poc_deny_err(s->out, "$.tee", &e, "CCEL event log");
	/*
	 * Strict for every RTMR, except that RTMR3 is the OS's runtime register
	 * (its extends are logged outside the CCEL): left out when no CCEL event
	 * extends it; $.tee.rtmr.3 still pins its value.
	 */
	if (!(poc_ccel_extended_mask(&log) & 8u) && !is_zero(s->tdx.body.rtmr[3], POC_CCEL_MR_LEN)) {
		mask &= ~8u;
		poc_note(s->out, "CCEL: RTMR3 (runtime, logged outside the CCEL) is not described by the CCEL: not replayed");
	}
	rv = poc_ccel_check(&e, &log, (const uint8_t (*)[POC_CCEL_MR_LEN])s->tdx.body.rtmr, mask);
	poc_evlog_free(&log);
	if (rv < 0)
		return poc_deny_err(s->out, "$.tee", &e, "CCEL event log does not reproduce the quoted RTMRs");
	return 0;
}

static int collateral_present(const struct poc_bundle *b)
{
	for (size_t i = 0; b->has_collateral && i < POC_COLL_COUNT; i++)
		if (b->collateral[i].p != NULL)
			return 1;
	return 0;
}

/*
 * The bundle's collateral, verified under the root that anchors the quote's
 * PCK chain (never under another root the policy also trusts); *out stays
 * NULL when the evidence has none. Collateral that is there must verify.
 */
static int load_collateral(struct poc_appraise_state *s, struct poc_collateral **out)
{
	const struct poc_bundle *b = s->b;
	struct poc_collateral_files f;
	STACK_OF(X509) *root;
	struct poc_err e = { 0 };
	int rv;

	*out = NULL;
	if (!collateral_present(b))
		return 0;
#define F(field, item) f.field = b->collateral[item].p, f.field##_len = b->collateral[item].len
	F(tcb_info, POC_COLL_TCB_INFO);
	F(tcb_info_sig, POC_COLL_TCB_INFO_SIG);
	F(tcb_info_chain, POC_COLL_TCB_INFO_CHAIN);
	F(qe_identity, POC_COLL_QE_ID);
	F(qe_identity_sig, POC_COLL_QE_ID_SIG);
	F(qe_identity_chain, POC_COLL_QE_ID_CHAIN);
	F(pck_crl, POC_COLL_PCK_CRL);
	F(root_ca_crl, POC_COLL_ROOT_CA_CRL);
	F(pck_crl_chain, POC_COLL_PCK_CRL_CHAIN);
#undef F
	root = sk_X509_new_null();
	if (root == NULL || !sk_X509_push(root, sk_X509_value(s->tdxv.chain, sk_X509_num(s->tdxv.chain) - 1))) {
		sk_X509_free(root);
		poc_err_set(&e, POC_ERR_NOMEM, "root");
		return poc_deny_err(s->out, "$.tee", &e, "DCAP collateral");
	}
	rv = poc_collateral_verify(&e, &f, root, s->o->at, out);
	sk_X509_free(root);
	if (rv < 0)
		return poc_deny_err(s->out, s->p->has_tcb_status ? "$.tee.tcb_status" : "$.tee", &e, "DCAP collateral");
	return 0;
}

/*
 * $.tee: the quote comes from Intel's TD QE on Intel's TDX module, with a
 * PCK nobody revoked. Checked with or without tee.tcb_status: against the
 * verified collateral when there is some, else against Intel's built-in
 * identities (and then no CRL says anything about the PCK).
 */
static int check_origin(struct poc_appraise_state *s, const struct poc_collateral *c)
{
	const struct poc_qe_identity *q = c != NULL ? poc_collateral_qe_identity(c) : NULL;
	const struct poc_tdx_body *body = &s->tdx.body;
	const struct poc_tdx_module_id *mod;
	struct poc_qe_identity intel;
	struct poc_err e = { 0 };
	int rv;

	if (q == NULL)
		poc_qe_identity_intel(&intel);
	if (poc_qe_check_identity(&e, q != NULL ? q : &intel, &s->tdx.qe,
				  q != NULL ? "the collateral's QE Identity" : "Intel's TD QE") < 0)
		return poc_deny_err(s->out, "$.tee", &e, "the quote was not signed by Intel's TD quoting enclave");
	/* Collateral about another platform (FMSPC, PCEID) says nothing about this quote. */
	if (c != NULL && poc_tcb_check_platform(&e, poc_collateral_tcb_info(c), &s->tdxv.sgx) < 0)
		return poc_deny_err(s->out, s->p->has_tcb_status ? "$.tee.tcb_status" : "$.tee", &e, "DCAP collateral");
	if (c != NULL)
		rv = poc_tdx_module_check(&e, poc_collateral_tcb_info(c), body->tee_tcb_svn, body->mrsignerseam,
					  body->seam_attributes, &mod);
	else
		rv = poc_tdx_module_check_intel(&e, body->mrsignerseam, body->seam_attributes);
	if (rv < 0)
		return poc_deny_err(s->out, "$.tee", &e, "the TD does not run on Intel's TDX module");
	if (c == NULL) {
		poc_note(s->out, "no DCAP collateral: QE and TDX module checked against Intel's built-in identities; "
				 "PCK revocation not checked");
		return 0;
	}
	if (poc_collateral_check_pck(&e, c, s->tdxv.pck_leaf, s->tdxv.pck_issuer) < 0)
		return poc_deny_err(s->out, "$.tee", &e, "PCK certificate");
	return 0;
}

/* $.tee.tcb_status: the TCB status of the platform, TDX module and QE, from the collateral. */
static int check_tcb(struct poc_appraise_state *s, const struct poc_collateral *c)
{
	const struct poc_policy *p = s->p;
	struct poc_tcb_result r;
	struct poc_err e = { 0 };
	const char *name;
	size_t i;
	int ok = 0;

	if (!p->has_tcb_status) {
		poc_note(s->out, "TCB not appraised: the policy has no tee.tcb_status (the quote's origin was checked)");
		return 0;
	}
	if (c == NULL)
		return poc_deny(s->out, "$.tee.tcb_status", POC_ERR_POLICY,
				"appraising the TCB needs DCAP collateral; the evidence has none");
	if (poc_tcb_evaluate(&e, c, &s->tdxv.sgx, s->tdx.body.tee_tcb_svn, s->tdx.body.mrsignerseam,
			     s->tdx.body.seam_attributes, &s->tdx.qe, &r) < 0)
		return poc_deny_err(s->out, "$.tee.tcb_status", &e, "TCB");
	name = poc_tcb_status_name(r.status);
	snprintf(s->out->tcb_status, sizeof(s->out->tcb_status), "%s", name);
	snprintf(s->out->tcb_date, sizeof(s->out->tcb_date), "%s", r.tcb_date);
	snprintf(s->out->advisories, sizeof(s->out->advisories), "%s", r.advisories);
	for (i = 0; i < p->ntcb_status; i++)
		ok |= strcmp(p->tcb_status[i], name) == 0;
	if (!ok)
		return poc_deny(s->out, "$.tee.tcb_status", POC_ERR_TCB, "TCB status %s (level %s%s%s) is not accepted",
				name, r.tcb_date, r.advisories[0] ? ", advisories " : "", r.advisories);
	return 0;
}

static int check_reportdata(struct poc_appraise_state *s)
{
	char hex[33];

	if (!s->check_rd || CRYPTO_memcmp(s->rd, s->tdx.body.reportdata, s->rd_len) == 0)
		return 0;
	poc_hex_encode(s->tdx.body.reportdata, 16, hex);
	return poc_deny(s->out, "$.binding", POC_ERR_NONCE, "%s: TD REPORTDATA (%s...) does not bind %s",
			poc_binding_name(s->p->binding), hex,
			s->p->binding == POC_BINDING_POC_V1 ? "the nonce and this AK's name (it names another AK)"
			: s->p->binding == POC_BINDING_AZURE_HCL ? "the HCL report's runtime data"
								 : "the nonce padded to 64 bytes");
}

int poc_appraise_tdx(struct poc_appraise_state *s)
{
	const struct poc_bundle *b = s->b;
	const struct poc_policy *p = s->p;
	struct poc_collateral *c = NULL;
	struct poc_err e = { 0 };
	int rv;

	if (b->tdx_quote.p == NULL) {
		if (p->has_tee)
			return poc_deny(s->out, "$.tee", POC_ERR_POLICY, "the policy has a tee clause; the evidence has no TDX quote");
		s->out->tee = POC_EAR_NONE;
		return 0;
	}
	if (!p->has_tee) {
		poc_note(s->out, "a TDX quote is present but the policy has no tee clause: not appraised");
		s->out->tee = POC_EAR_NONE;
		return 0;
	}
	if (poc_tdx_quote_parse(&e, b->tdx_quote.p, b->tdx_quote.len, &s->tdx) < 0)
		return poc_deny_err(s->out, "$.tee", &e, "TDX quote");
	if (poc_tdx_quote_verify(&e, &s->tdx, p->tee_roots, s->o->at, &s->tdxv) < 0)
		return poc_deny_err(s->out, e.code == POC_ERR_CHAIN || e.code == POC_ERR_EXPIRED ? "$.tee.roots" : "$.tee",
				    &e, "TDX quote");
	s->tdx_verified = 1;
	s->out->has_tdx = 1;
	{
		/* The simulator's root names itself; say so wherever this result goes (records too). */
		X509 *root = sk_X509_value(s->tdxv.chain, sk_X509_num(s->tdxv.chain) - 1);
		char subj[256];

		poc_x509_subject(root, subj, sizeof(subj));
		if (strstr(subj, "poc-pkcs11 Sim") != NULL) {
			s->out->tee_simulated = 1;
			poc_note(s->out, "TEE evidence from the poc-pkcs11 TDX simulator: its root is a test root, not Intel's");
		}
	}
	memcpy(s->out->mrtd, s->tdx.body.mrtd, 48);
	memcpy(s->out->rtmr, s->tdx.body.rtmr, sizeof(s->out->rtmr));
	memcpy(s->out->reportdata, s->tdx.body.reportdata, 64);
	s->out->tdx_debug = poc_tdx_quote_debug(&s->tdx);
	s->out->has_ppid = 1;
	memcpy(s->out->ppid, s->tdxv.sgx.ppid, 16);
	s->out->has_piid = s->tdxv.sgx.has_piid;
	memcpy(s->out->piid, s->tdxv.sgx.piid, 16);
	if (load_collateral(s, &c) < 0)
		return -1;
	rv = check_origin(s, c) < 0 || check_measurements(s) < 0 || check_ccel(s) < 0 || check_tcb(s, c) < 0 ||
	     check_reportdata(s) < 0;
	poc_collateral_free(c);
	if (rv)
		return -1;
	s->out->tee = strcmp(s->out->tcb_status, "UpToDate") == 0 || s->out->tcb_status[0] == '\0'
			      ? POC_EAR_AFFIRMING : POC_EAR_WARNING;
	return 0;
}
