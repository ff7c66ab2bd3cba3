/* SPDX-License-Identifier: Apache-2.0 */
/* Appraisal orchestration: evidence integrity, then each policy clause in a fixed order. */
#include "appraise_int.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "gce_owner.h"
#include "hex.h"
#include "poca.h"
#include "poe.h"
#include "x509.h"
#include "x509_purpose.h"

const char *poc_ear_status_name(enum poc_ear_status s)
{
	switch (s) {
	case POC_EAR_NONE: return "none";
	case POC_EAR_AFFIRMING: return "affirming";
	case POC_EAR_WARNING: return "warning";
	case POC_EAR_CONTRAINDICATED: return "contraindicated";
	}
	return "?";
}

int poc_deny(struct poc_appraisal *out, const char *clause, enum poc_verr code, const char *fmt, ...)
{
	va_list ap;

	if (out->code != POC_OK)
		return -1;
	/* A denial without its code would read as success to whoever maps codes (exit 0): closed, as a policy denial. */
	out->code = code != POC_OK ? code : POC_ERR_POLICY;
	snprintf(out->clause, sizeof(out->clause), "%s", clause);
	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
	va_end(ap);
	return -1;
}

int poc_deny_err(struct poc_appraisal *out, const char *clause, const struct poc_err *e, const char *context)
{
	return poc_deny(out, clause, e->code == POC_OK ? POC_ERR_POLICY : e->code, "%s%s%s", context,
			*context ? ": " : "", e->msg);
}

void poc_say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

void poc_note(struct poc_appraisal *out, const char *fmt, ...)
{
	va_list ap;

	if (out->nnotes == POC_APPRAISAL_MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(out->notes[out->nnotes++], sizeof(out->notes[0]), fmt, ap);
	va_end(ap);
}

void poc_warn(struct poc_appraisal *out, const char *clause, const char *fmt, ...)
{
	va_list ap;

	if (out->warn_clause[0] != '\0')
		return;
	snprintf(out->warn_clause, sizeof(out->warn_clause), "%s", clause);
	va_start(ap, fmt);
	vsnprintf(out->warning, sizeof(out->warning), fmt, ap);
	va_end(ap);
}

static void describe_chain(STACK_OF(X509) *chain, char *buf, size_t len)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < sk_X509_num(chain) && n + 1 < len; i++) {
		char subj[256];

		poc_x509_subject(sk_X509_value(chain, i), subj, sizeof(subj));
		/* GCE AK certificates name the instance only in extensions: say so. */
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? " <- " : "", subj[0] ? subj : "(empty subject)");
	}
}

/*
 * The providers clause failed while the bundle's credential activation could
 * not be checked (no verifier key): that is the verifier's outage, not the
 * machine's denial. Refused (POC_ERR_ARG) unless $.platforms may still decide.
 */
static int unchecked_activation(struct poc_appraise_state *s, char *why, size_t whylen, int n)
{
	static const char what[] = "the AK's credential activation was not checked: it needs the verifier key "
				   "that made the challenge (evidence verify --verifier-key)";

	if (s->b->activated_secret.p == NULL || s->o->credential_key != NULL)
		return -1;
	if (!s->p->has_platforms)
		return poc_deny(s->out, "$.providers", POC_ERR_ARG, "%s", what);
	if (n >= 0 && (size_t)n < whylen)
		snprintf(why + n, whylen - (size_t)n, "%s%s", n ? "; " : "", what);
	return -1;
}

/* Appends "; text" to the why buffer at *n, clamped. */
static void why_add(char *why, size_t whylen, int *n, const char *text)
{
	*n += snprintf(why + *n, whylen - (size_t)*n, "%s%s", *n ? "; " : "", text);
	if ((size_t)*n >= whylen)
		*n = (int)whylen - 1;
}

/* $.providers[i].gce_mr_owner: the verified TD quote's MR_OWNER names the certificate's GCE instance. */
static int check_mr_owner(struct poc_appraise_state *s, size_t i, const struct poc_gce_info *gce)
{
	struct poc_err e = { 0 };
	char clause[64];

	snprintf(clause, sizeof(clause), "$.providers[%zu].gce_mr_owner", i);
	if (!s->tdx_verified)
		return poc_deny(s->out, clause, POC_ERR_POLICY, "MR_OWNER: no verified TDX quote (a tee clause reads it)");
	if (poc_gce_check_mr_owner(&e, gce, s->tdx.body.mrowner) < 0)
		return poc_deny_err(s->out, clause, &e, "GCE provenance");
	poc_note(s->out, "GCE provenance: MR_OWNER is the PZID of instance %" PRIu64 " (project %" PRIu64 ", %s)",
		 gce->instance_id, gce->project_number, gce->zone);
	return 0;
}

/*
 * One leaf against each provider: 0 when it chains to one (s->out names it),
 * -1 when a denial was recorded, 1 when no provider matched (why says why).
 */
static int match_leaf(struct poc_appraise_state *s, X509 *leaf, char *why, size_t whylen, int *n)
{
	const struct poc_policy *p = s->p;
	const char *role = leaf == s->ak_cert ? "AK" : "activated EK";
	size_t i;

	for (i = 0; i < p->nproviders; i++) {
		const struct poc_policy_provider *pr = &p->providers[i];
		STACK_OF(X509) *inter = sk_X509_new_null();
		struct poc_err e = { 0 };
		struct poc_gce_info gce;
		STACK_OF(X509) *chain = NULL;
		char clause[64], msg[POC_ERR_MSG_MAX + 160];
		int j, rv;

		if (inter == NULL)
			return poc_deny(s->out, "$.providers", POC_ERR_NOMEM, "out of memory");
		for (j = 0; pr->intermediates && j < sk_X509_num(pr->intermediates); j++)
			sk_X509_push(inter, sk_X509_value(pr->intermediates, j));
		for (j = 0; s->ak_chain && j < sk_X509_num(s->ak_chain); j++)
			sk_X509_push(inter, sk_X509_value(s->ak_chain, j));
		rv = poc_x509_chain_verify(&e, leaf, inter, pr->roots, s->o->at, &chain);
		sk_X509_free(inter);
		/* An outage is no verdict on the machine. */
		if (rv < 0 && e.code == POC_ERR_NOMEM)
			return poc_deny_err(s->out, "$.providers", &e, pr->name);
		if (rv < 0) {
			if (snprintf(msg, sizeof(msg), "%s (%s certificate): %s", pr->name, role, e.msg) >= (int)sizeof(msg))
				msg[sizeof(msg) - 1] = '\0'; /* a long reason cut short is fine */
			why_add(why, whylen, n, msg);
			continue;
		}
		describe_chain(chain, s->out->provider_chain, sizeof(s->out->provider_chain));
		sk_X509_pop_free(chain, X509_free);
		poc_err_clear(&e);
		snprintf(clause, sizeof(clause), "$.providers[%zu]", i);
		if (poc_gce_info_get(&e, leaf, &gce) < 0)
			return poc_deny_err(s->out, clause, &e, "AK certificate instance information");
		s->out->gce = gce;
		if (pr->require_production && !(gce.present && gce.has_security && gce.is_production)) {
			snprintf(clause, sizeof(clause), "$.providers[%zu].require_production", i);
			return poc_deny(s->out, clause, POC_ERR_POLICY,
					"provider %s: the certificate does not say isProduction (observed: %s)", pr->name,
					!gce.present ? "no instance information" : !gce.has_security ? "no security block" : "false");
		}
		if (pr->gce_mr_owner && check_mr_owner(s, i, &gce) < 0)
			return -1;
		poc_say(s->out->provider, sizeof(s->out->provider), "%s", pr->name);
		return 0;
	}
	return 1;
}

/* $.providers: the AK certificate chains to one named provider's roots. */
static int check_providers(struct poc_appraise_state *s, char *why, size_t whylen)
{
	X509 *leaves[2];
	size_t nleaves = 0, l;
	int n = 0;

	/* The AK's own certificate, or the certificate of an EK the AK was activated against. */
	if (s->ak_cert != NULL)
		leaves[nleaves++] = s->ak_cert;
	if (s->ak_activated && s->ek_cert != NULL)
		leaves[nleaves++] = s->ek_cert;
	if (nleaves == 0) {
		poc_say(why, whylen, "the evidence has no AK certificate%s",
			 s->b->activated_secret.p ? ""
			 : s->b->ek_cert.p ? " (an EK certificate alone does not name the AK: credential activation is needed)" : "");
		return unchecked_activation(s, why, whylen, s->b->activated_secret.p ? (int)strlen(why) : -1);
	}
	for (l = 0; l < nleaves; l++) {
		struct poc_err pe = { 0 };
		int rv;

		/* A chain says who issued the leaf; its profile says what for (docs/policy.md). */
		if ((leaves[l] == s->ak_cert ? poc_x509_check_ak_leaf(&pe, leaves[l])
					      : poc_x509_check_ek_leaf(&pe, leaves[l])) < 0) {
			why_add(why, whylen, &n, pe.msg);
			continue;
		}
		if ((rv = match_leaf(s, leaves[l], why, whylen, &n)) <= 0)
			return rv;
	}
	return unchecked_activation(s, why, whylen, n);
}

static int id_zero(const uint8_t id[16])
{
	uint8_t acc = 0;

	for (int i = 0; i < 16; i++)
		acc |= id[i];
	return acc == 0;
}

/*
 * $.platforms.poe: an Intel POE token, signed by a configured endorser, names
 * the PIID of the verified PCK certificate and one of the accepted owners.
 */
static int check_poe(struct poc_appraise_state *s, char *why, size_t whylen)
{
	const struct poc_policy *p = s->p;
	const struct poc_sgx_ext *x = &s->tdxv.sgx;
	struct poc_poe poe;
	struct poc_err e = { 0 };
	size_t i;
	int owner_ok = p->npoe_owners == 0, rv = -1;

	if (s->b->poe.p == NULL) {
		poc_say(why, whylen, "the evidence has no POE token%s", p->nallow ? " and the platform is not on the allow-list" : "");
		return -1;
	}
	if (!x->has_piid || id_zero(x->piid)) {
		poc_say(why, whylen, "the PCK certificate names no PIID for a POE token to endorse");
		return -1;
	}
	memset(&poe, 0, sizeof(poe));
	if (poc_poe_verify(&e, s->b->poe.p, s->b->poe.len, p->poe_roots, s->o->at, &poe) < 0 ||
	    poc_poe_check_piid(&e, &poe, x->piid, 16) < 0) {
		/* An outage is no verdict on the platform. */
		if (e.code == POC_ERR_NOMEM)
			poc_deny_err(s->out, "$.platforms.poe", &e, "POE token");
		poc_say(why, whylen, "POE token: %s", e.msg);
		goto done;
	}
	for (i = 0; i < p->npoe_owners; i++)
		owner_ok |= strcmp(p->poe_owners[i], poe.owner) == 0;
	if (!owner_ok) {
		poc_say(why, whylen, "POE token: owner \"%s\" is not an accepted owner", poe.owner);
		goto done;
	}
	poc_say(s->out->platform, sizeof(s->out->platform), "POE owner %s", poe.owner);
	rv = 0;
done:
	poc_poe_free(&poe);
	return rv;
}

/*
 * $.platforms.poca: a Proof of Cloud Alliance registry token, signed by one
 * of the registry's keys, for this very quote and the verified PCK's PPID,
 * issued within the policy's window (poca.h).
 */
static int check_poca(struct poc_appraise_state *s, char *why, size_t whylen)
{
	const struct poc_policy *p = s->p;
	const struct poc_blob *t = &s->b->registry_token;
	struct poc_poca_check c = { p->poca_keys, p->npoca_keys, s->b->tdx_quote.p, s->b->tdx_quote.len,
				    s->tdxv.sgx.ppid, s->o->at, p->poca_max_age_s, p->poca_max_skew_s };
	struct poc_poca tok;
	struct poc_err e = { 0 };
	size_t n = strlen(why);

	if (t->p == NULL) {
		poc_say(why + n, whylen - n, "%sthe evidence has no registry token", n ? "; " : "");
		return -1;
	}
	if (poc_poca_verify(&e, (const char *)t->p, t->len, &c, &tok) < 0) {
		if (e.code == POC_ERR_NOMEM)
			poc_deny_err(s->out, "$.platforms.poca", &e, "registry token");
		poc_say(why + n, whylen - n, "%s%s", n ? "; " : "", e.msg);
		return -1;
	}
	poc_say(s->out->platform, sizeof(s->out->platform), "Proof of Cloud registry (%s token, label %s, machine %s)", tok.alg,
	    tok.label[0] ? tok.label : "-", tok.machine_id);
	return 0;
}

/* $.platforms.allow: the PPID or PIID of a verified PCK chain is listed. */
static int check_platforms(struct poc_appraise_state *s, char *why, size_t whylen)
{
	const struct poc_policy *p = s->p;
	const struct poc_sgx_ext *x = &s->tdxv.sgx;
	char ppid[33], piid[33];
	size_t i;

	if (!s->tdx_verified) {
		poc_say(why, whylen, "no verified TDX quote names a platform");
		return -1;
	}
	for (i = 0; i < p->nallow; i++) {
		const struct poc_policy_platform_id *a = &p->allow[i];

		/* An all-zero identifier names no platform: it never matches (the policy refuses listing it). */
		if (a->is_piid ? (x->has_piid && !id_zero(x->piid) && CRYPTO_memcmp(a->id, x->piid, 16) == 0)
			       : (!id_zero(x->ppid) && CRYPTO_memcmp(a->id, x->ppid, 16) == 0)) {
			poc_say(s->out->platform, sizeof(s->out->platform), "platform allow-list (%s)",
				 a->is_piid ? "PIID" : "PPID");
			return 0;
		}
	}
	if (p->has_poe && check_poe(s, why, whylen) == 0)
		return 0;
	if (p->has_poca && check_poca(s, why, whylen) == 0)
		return 0;
	if (p->has_poe || p->has_poca)
		return -1;
	poc_hex_encode(x->ppid, 16, ppid);
	if (x->has_piid)
		poc_hex_encode(x->piid, 16, piid);
	poc_say(why, whylen, "platform PPID %s%s%s is not on the allow-list", ppid,
		 x->has_piid ? ", PIID " : "", x->has_piid ? piid : "");
	return -1;
}

/*
 * Under poc-v1 the TD's software chooses the AK its REPORTDATA names: a TD on
 * any TDX machine can name the AK of a rented, endorsed vTPM that then quotes
 * the TD quote (DCEA's mix-and-match proxy). So with a TD in the picture an
 * endorsed vTPM alone proves nothing about where the TD runs: the TD's own
 * platform must be endorsed ($.platforms), or the vTPM must be inside the TD
 * (azure-hcl: the TD's own report names the AK). The HCL report is that TD's
 * software's text too: only when tee.mrtd pins the TD to a known image (the
 * paravisor that keeps the vTPM) does it say the vTPM is inside; any other TD
 * can write one naming a rented Azure vTPM's AK.
 */
static void check_td_platform(struct poc_appraise_state *s, int plat_ok, const char *why_plat)
{
	const struct poc_policy *p = s->p;

	if (plat_ok || (!p->has_tee && s->b->tdx_quote.p == NULL) ||
	    (p->binding == POC_BINDING_AZURE_HCL && p->mrtd.n != 0))
		return;
	s->out->poc = POC_EAR_WARNING;
	if (p->binding == POC_BINDING_AZURE_HCL) {
		poc_warn(s->out, "$.tee.mrtd",
			 "azure-hcl: the HCL report that names the vTPM's AK (provider %s) is the TD software's text, and no "
			 "tee.mrtd pins the TD to the paravisor that keeps that vTPM: a TD on another machine can write one "
			 "naming a rented vTPM's AK; pin the paravisor's MRTD (tee.mrtd) or endorse the TD's platform (%s)",
			 s->out->provider, p->has_platforms ? why_plat : "the policy has no platforms clause");
		return;
	}
	poc_warn(s->out, "$.platforms",
		 "only the vTPM is endorsed (provider %s), not the TD's platform (%s): under binding %s the TD "
		 "names whatever AK its software chooses, so a TD on another machine could name this vTPM's AK; "
		 "endorse the TD's platform (platforms.allow or platforms.poe) or use azure-hcl",
		 s->out->provider, p->has_platforms ? why_plat : "the policy has no platforms clause",
		 poc_binding_name(p->binding));
}

/* Either provider clause endorses the machine (DESIGN.md 1.2); with a TD, see check_td_platform. */
static int check_proof_of_cloud(struct poc_appraise_state *s)
{
	char why_prov[POC_ERR_MSG_MAX / 2] = "", why_plat[POC_ERR_MSG_MAX / 2] = "";
	const struct poc_policy *p = s->p;
	int prov_ok = 0, plat_ok = 0;

	if (!poc_policy_is_proof_of_cloud(p)) {
		s->out->poc = POC_EAR_NONE;
		poc_note(s->out, "no provider clause: this is not a Proof of Cloud");
		return 0;
	}
	if (p->has_providers)
		prov_ok = check_providers(s, why_prov, sizeof(why_prov)) == 0;
	if (s->out->code != POC_OK)
		return -1;
	if (p->has_platforms)
		plat_ok = check_platforms(s, why_plat, sizeof(why_plat)) == 0;
	if (s->out->code != POC_OK)
		return -1;
	if (!prov_ok && !plat_ok) {
		s->out->poc = POC_EAR_CONTRAINDICATED;
		/* The providers clause could not be judged (the verifier lacks its key): that is no denial. */
		if (p->has_providers && s->b->activated_secret.p != NULL && s->o->credential_key == NULL)
			return poc_deny(s->out, "$.providers", POC_ERR_ARG,
					"the AK's credential activation was not checked: it needs the verifier key that made "
					"the challenge (evidence verify --verifier-key); and $.platforms: %s", why_plat);
		if (p->has_providers && p->has_platforms)
			return poc_deny(s->out, "$.providers", POC_ERR_POLICY,
					"no provider endorses this machine: %s; and $.platforms: %s", why_prov, why_plat);
		return poc_deny(s->out, p->has_providers ? "$.providers" : "$.platforms", POC_ERR_POLICY,
				"no provider endorses this machine: %s", p->has_providers ? why_prov : why_plat);
	}
	if (!prov_ok)
		poc_say(s->out->provider, sizeof(s->out->provider), "%s", s->out->platform);
	s->out->poc = POC_EAR_AFFIRMING;
	if (prov_ok)
		check_td_platform(s, plat_ok, why_plat);
	else if (p->has_providers && s->b->nquotes > 0) {
		/* The mix-and-match proxy reversed: an endorsed TD naming the AK of any TPM (its PCRs are then anyone's). */
		s->out->poc = POC_EAR_WARNING;
		poc_warn(s->out, "$.providers",
			 "only the TD's platform is endorsed (%s), not the vTPM whose quotes were appraised (%s): the TD's "
			 "software names that AK, so its PCRs may come from any TPM", s->out->platform, why_prov);
	}
	return 0;
}

/*
 * $.freshness on the verifier's clock alone: the evidence covers the nonce,
 * so it was made after the nonce was issued, and its age and the round trip
 * are both at most (verification time - nonce time). The bundle's own timing
 * is written by the prover and never judged.
 */
static int check_freshness(struct poc_appraise_state *s)
{
	const struct poc_policy *p = s->p;
	const struct poc_appraise_opts *o = s->o;
	int64_t at_ms = o->at_ms != 0 ? o->at_ms : o->at * 1000, elapsed;

	if (!p->has_max_age && !p->has_max_rtt)
		return 0;
	if (!o->has_nonce_time || !s->out->nonce_checked) {
		poc_warn(s->out, "$.freshness", "freshness not verifiable: %s; the bundle's own timing is the prover's word and is not judged",
			 !s->out->nonce_checked ? "no nonce was checked"
						: "no verifier-side nonce time (when the verifier issued the nonce: --nonce-time)");
		if (s->out->poc != POC_EAR_NONE)
			s->out->poc = POC_EAR_WARNING;
		return 0;
	}
	if (o->nonce_time_ms > at_ms)
		return poc_deny(s->out, "$.freshness", POC_ERR_ARG,
				"the nonce time (%lld ms) is after the verification time (%lld ms)", (long long)o->nonce_time_ms,
				(long long)at_ms);
	elapsed = at_ms - o->nonce_time_ms;
	if (p->has_max_age && p->max_age_s < INT64_MAX / 1000 && elapsed > p->max_age_s * 1000)
		return poc_deny(s->out, "$.freshness.max_age_s", POC_ERR_POLICY,
				"the nonce was issued %lld ms before the verification time: the evidence may be that old (at most %lld s)",
				(long long)elapsed, (long long)p->max_age_s);
	if (p->has_max_rtt && elapsed > p->max_rtt_ms)
		return poc_deny(s->out, "$.freshness.max_rtt_ms", POC_ERR_POLICY,
				"nonce to verification took %lld ms (at most %lld ms)", (long long)elapsed, (long long)p->max_rtt_ms);
	poc_note(s->out, "fresh: nonce issued %lld ms before the verification time (the verifier's clock)", (long long)elapsed);
	return 0;
}

int poc_appraise(const struct poc_policy *p, const struct poc_bundle *b,
		 const struct poc_appraise_opts *o, struct poc_appraisal *out)
{
	struct poc_appraise_state s;
	int rv = -1;

	memset(out, 0, sizeof(*out));
	memset(&s, 0, sizeof(s));
	s.p = p;
	s.b = b;
	s.o = o;
	s.out = out;
	/* An empty nonce is no nonce: anyone could have made that evidence at any time. */
	out->nonce_checked = o->nonce != NULL && o->nonce_len > 0;
	if (!out->nonce_checked)
		poc_note(out, "no nonce was checked%s: the evidence may be a replay", o->nonce != NULL ? " (an empty nonce)" : "");
	/* TDX before TPM: under poc-v1 the TD quote names the AK, and the TPM quote covers the TD quote. */
	if (poc_appraise_binding_prepare(&s) < 0 || poc_appraise_tdx(&s) < 0 || poc_appraise_tpm(&s) < 0 ||
	    poc_appraise_binding_finish(&s) < 0)
		goto done;
	if (b->nquotes == 0 && b->tdx_quote.p == NULL) {
		poc_deny(out, "$", POC_ERR_POLICY, "the bundle holds neither a TPM quote nor a TDX quote");
		goto done;
	}
	/* A nonce is checked only by a verified quote that had to cover it (a TD quote no tee clause reads does not). */
	if (out->nonce_checked && !((s.check_extra && b->nquotes > 0) || (s.check_rd && s.tdx_verified))) {
		out->nonce_checked = 0;
		poc_note(out, "no nonce was checked: no appraised quote covers it (the evidence may be a replay)");
	}
	if (check_proof_of_cloud(&s) < 0 || check_freshness(&s) < 0 || poc_appraise_levels(&s) < 0)
		goto done;
	rv = 0;
done:
	out->accepted = rv == 0;
	/* A step that failed without saying why is a denial, never an appraisal with no error code. */
	if (rv < 0 && out->code == POC_OK)
		poc_deny(out, "$", POC_ERR_POLICY, "the appraisal stopped without a reason (refused)");
	if (rv < 0) {
		/* A denial reaches no level (what the next one needs stays, to explain it). */
		out->al.nominal = out->al.trustworthy = 0;
		out->al.nbasis = out->al.ntrusts = 0;
		/* The part that failed is contraindicated; the overall status follows. */
		if (strncmp(out->clause, "$.tee", 5) == 0)
			out->tee = POC_EAR_CONTRAINDICATED;
		else if (strncmp(out->clause, "$.vtpm", 6) == 0)
			out->vtpm = POC_EAR_CONTRAINDICATED;
		out->poc = POC_EAR_CONTRAINDICATED;
	}
	X509_free(s.ak_cert);
	X509_free(s.ek_cert);
	EVP_PKEY_free(s.hcl_ak);
	sk_X509_pop_free(s.ak_chain, X509_free);
	poc_tdx_verified_free(&s.tdxv);
	return rv;
}

int poc_appraisal_require_affirming(struct poc_appraisal *a)
{
	if (!a->accepted)
		return -1;
	if (a->poc == POC_EAR_AFFIRMING && a->warn_clause[0] == '\0')
		return 0;
	a->accepted = 0;
	a->code = POC_ERR_POLICY;
	if (a->warn_clause[0] != '\0') {
		snprintf(a->clause, sizeof(a->clause), "%s", a->warn_clause);
		poc_say(a->reason, sizeof(a->reason), "not affirming (%s): %s", poc_ear_status_name(a->poc), a->warning);
	} else {
		snprintf(a->clause, sizeof(a->clause), "$");
		snprintf(a->reason, sizeof(a->reason), "the Proof-of-Cloud appraisal is %s, not affirming",
			 poc_ear_status_name(a->poc));
	}
	a->poc = POC_EAR_CONTRAINDICATED;
	return -1;
}
