/* SPDX-License-Identifier: Apache-2.0 */
/*
 * poc_appraise from C over the real vectors, bundles built in memory: a table
 * of (evidence, policy, options) -> verdict, poc status and the clause named,
 * for the binding rule, the mix of a bare-metal TD with a GCE vTPM, empty
 * nonces, freshness on the verifier's clock, and the release gate.
 */
#include <tss2/tss2_tpm2_types.h>

#include "appraise.h"
#include "appraise_int.h"
#include "hex.h"
#include "../test.h"

#define GCE "gce-cos85-nonce9009"
#define GCE0 "gce-cos85-nononce"
#define GCP_TD "tdx/gcp-tdx-1782809233"
#define AZ "azure/tdx-vtpm-1780922561"
#define AT 1782809233 /* the GCP TD's capture; the GCE AK certificate is valid 2021-2051 */

static const char *const coll_names[POC_COLL_COUNT] = {
	"tcb_info.json", "tcb_info_signature.bin", "tcb_info_issuer_chain.pem",
	"qe_identity.json", "qe_identity_signature.bin", "qe_identity_issuer_chain.pem",
	"pck_crl.der", "root_ca_crl.der", "pck_crl_issuer_chain.pem",
};

static int loader(void *ctx, struct poc_err *e, const char *path, uint8_t **buf, size_t *len)
{
	(void)ctx;
	*buf = poc_test_read(poc_testdata(path), len);
	return *buf != NULL ? 0 : poc_err_set(e, POC_ERR_ARG, "cannot read %s", path);
}

static void blob(struct poc_blob *b, const char *rel)
{
	b->p = poc_test_read_data(rel, &b->len);
}

static void collateral(struct poc_bundle *b, const char *dir)
{
	char rel[256];
	size_t i;

	for (i = 0; i < POC_COLL_COUNT; i++) {
		snprintf(rel, sizeof(rel), "%s/collateral/%s", dir, coll_names[i]);
		b->collateral[i].p = poc_test_read(poc_testdata(rel), &b->collateral[i].len);
	}
	b->has_collateral = 1;
}

/* One sha256 quote of a GCE capture (or of the Azure one), its AK and certificate. */
static void tpm_quote(struct poc_bundle *b, const char *dir, const char *attest, const char *sig, const char *pcrs)
{
	struct poc_bundle_quote *q = &b->quotes[b->nquotes++];
	struct poc_err e = { 0 };
	char rel[256];
	uint8_t *txt;
	size_t len;

	snprintf(rel, sizeof(rel), "%s/%s", dir, attest);
	blob(&q->attest, rel);
	snprintf(rel, sizeof(rel), "%s/%s", dir, sig);
	blob(&q->sig, rel);
	snprintf(rel, sizeof(rel), "%s/%s", dir, pcrs);
	txt = poc_test_read_data(rel, &len);
	if (poc_pcrs_parse_text(&e, &q->pcrs, TPM2_ALG_SHA256, (const char *)txt, len) < 0)
		diag("%s: %s", rel, e.msg);
	free(txt);
}

enum ev { EV_GCE, EV_GCE0, EV_GCP_TD, EV_GCE_TD, EV_TEEFAIL, EV_AZURE };

static void build(struct poc_bundle *b, enum ev ev)
{
	memset(b, 0, sizeof(*b));
	b->version = 1;
	if (ev == EV_GCE || ev == EV_GCE0 || ev == EV_GCE_TD) {
		const char *d = ev == EV_GCE0 ? GCE0 : GCE;
		char rel[128];

		tpm_quote(b, d, "quote-sha256.attest", "quote-sha256.sig", "pcrs-sha256.txt");
		snprintf(rel, sizeof(rel), "%s/ak.pub", d);
		blob(&b->ak_pub, rel);
		snprintf(rel, sizeof(rel), "%s/ak.crt.der", d);
		blob(&b->ak_cert, rel);
	}
	if (ev == EV_GCP_TD || ev == EV_GCE_TD) { /* EV_GCE_TD: beside an unrelated bare-metal TD quote */
		blob(&b->tdx_quote, GCP_TD "/quote.bin");
		collateral(b, GCP_TD);
	}
	if (ev == EV_TEEFAIL)
		blob(&b->tdx_quote, "tdx/tee-fail-forged/quote.bin");
	if (ev == EV_AZURE) {
		tpm_quote(b, AZ, "tpm_quote.attest", "tpm_quote.sig", "tpm_pcrs-sha256.txt");
		blob(&b->tdx_quote, AZ "/tdx_quote.bin");
		blob(&b->hcl_report, AZ "/hcl_report.bin");
		blob(&b->ak_cert, AZ "/ak.crt.pem");
		blob(&b->ak_chain[b->n_ak_chain++], AZ "/ak-intermediates.pem");
		collateral(b, AZ);
	}
}

#define GCE_PROV "\"providers\": [{\"name\": \"gcp-legacy\", \"roots\": [\"gce-certs/gce-tpm-ek-root-1.pem\"]," \
		 " \"intermediates\": [\"gce-certs/gce-tpm-ek-intermediate-2.pem\"]}]"
#define INTEL_TEE "\"tee\": {\"type\": \"tdx\", \"roots\": [\"tdx/intel-sgx-root-ca.pem\"], \"tcb_status\": [\"UpToDate\"]}"
#define AZURE_TEE "\"tee\": {\"type\": \"tdx\", \"roots\": [\"tdx/intel-sgx-root-ca.pem\"], \"tcb_status\": [\"UpToDate\"], \"mrtd\": " \
		  "[\"ff450b138c5ee6734a43dc35afb437abfa24ef743bc9e9484ef4af365fcd89a6c50913248ed7fcb92a7d42b1ba7da984\"]}"
#define FRESH "\"freshness\": {\"max_age_s\": 300, \"max_rtt_ms\": 2000}"
#define NT_NONE INT64_MIN

static const struct tcase {
	const char *name;
	enum ev ev;
	const char *policy;
	const char *nonce;    /* hex; NULL: none given */
	int64_t at;
	int64_t nonce_time_ms; /* NT_NONE: not given */
	int64_t at_ms;         /* 0: at * 1000 */
	int accepted;
	enum poc_ear_status poc;
	const char *clause;   /* the denial's clause, or the warning's ("" none) */
	int releasable;       /* poc_appraisal_require_affirming says 0 */
} cases[] = {
	{ "GCE vTPM alone, its provider", EV_GCE, "{\"version\": 1, " GCE_PROV ", \"binding\": \"none\"}", "9009", AT,
	  NT_NONE, 0, 1, POC_EAR_AFFIRMING, "", 1 },
	{ "GCE 9009 with an empty nonce: extraData is not empty", EV_GCE, "{\"version\": 1, " GCE_PROV ", \"binding\": \"none\"}",
	  "", AT, NT_NONE, 0, 0, POC_EAR_CONTRAINDICATED, "$.binding", 0 },
	{ "GCE no-nonce capture with an empty nonce: accepted, no nonce", EV_GCE0,
	  "{\"version\": 1, " GCE_PROV ", \"binding\": \"none\"}", "", AT, NT_NONE, 0, 1, POC_EAR_AFFIRMING, "", 1 },
	{ "bare-metal TD + GCE vTPM under a vTPM-only policy: a warning", EV_GCE_TD,
	  "{\"version\": 1, " GCE_PROV ", \"binding\": \"none\"}", "9009", AT, NT_NONE, 0, 1, POC_EAR_WARNING, "$.platforms", 0 },
	{ "bare-metal TD + GCE vTPM under poc-v1: denied", EV_GCE_TD,
	  "{\"version\": 1, " GCE_PROV ", " INTEL_TEE ", \"binding\": \"poc-v1\"}", "9009", AT, NT_NONE, 0, 0,
	  POC_EAR_CONTRAINDICATED, "$.binding", 0 },
	{ "the GCP TD alone, TD-only policy", EV_GCP_TD, "{\"version\": 1, " INTEL_TEE "}", "00", AT, NT_NONE, 0, 1,
	  POC_EAR_NONE, "", 0 },
	{ "TEE.fail under an allow-list of GCP's platform only: denied", EV_TEEFAIL,
	  "{\"version\": 1, \"platforms\": {\"allow\": [{\"ppid\": \"PPID\"}]}, \"tee\": {\"type\": \"tdx\", \"roots\": [\"tdx/intel-sgx-root-ca.pem\"]}}",
	  NULL, 1770000000, NT_NONE, 0, 0, POC_EAR_CONTRAINDICATED, "$.platforms", 0 },
	{ "Azure: the vTPM is inside the TD (azure-hcl, the paravisor's MRTD): affirming", EV_AZURE,
	  "{\"version\": 1, \"providers\": [{\"name\": \"azure\", \"roots\": [\"azure/roots/azure-virtual-tpm-root-2023.pem\"]}], "
	  AZURE_TEE ", \"binding\": \"azure-hcl\"}",
	  "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
	  1780922561, NT_NONE, 0, 1, POC_EAR_AFFIRMING, "", 1 },
	{ "Azure: azure-hcl without tee.mrtd: the HCL report is any TD's word, a warning", EV_AZURE,
	  "{\"version\": 1, \"providers\": [{\"name\": \"azure\", \"roots\": [\"azure/roots/azure-virtual-tpm-root-2023.pem\"]}], "
	  INTEL_TEE ", \"binding\": \"azure-hcl\"}",
	  "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
	  1780922561, NT_NONE, 0, 1, POC_EAR_WARNING, "$.tee.mrtd", 0 },
	{ "freshness without a nonce time: unverifiable", EV_GCE, "{\"version\": 1, " GCE_PROV ", \"binding\": \"none\", " FRESH "}",
	  "9009", AT, NT_NONE, 0, 1, POC_EAR_WARNING, "$.freshness", 0 },
	{ "freshness with a nonce time but no nonce: unverifiable", EV_GCE0,
	  "{\"version\": 1, " GCE_PROV ", \"binding\": \"none\", " FRESH "}", "", AT, AT * 1000LL - 100, 0, 1, POC_EAR_WARNING,
	  "$.freshness", 0 },
	{ "nonce issued 400 s ago: too old", EV_GCE, "{\"version\": 1, " GCE_PROV ", \"binding\": \"none\", " FRESH "}", "9009",
	  AT, (AT - 400) * 1000LL, 0, 0, POC_EAR_CONTRAINDICATED, "$.freshness.max_age_s", 0 },
	{ "nonce issued 2001 ms ago: round trip too long", EV_GCE, "{\"version\": 1, " GCE_PROV ", \"binding\": \"none\", " FRESH "}",
	  "9009", AT, AT * 1000LL - 2001, 0, 0, POC_EAR_CONTRAINDICATED, "$.freshness.max_rtt_ms", 0 },
	{ "nonce issued 2000 ms ago: fresh", EV_GCE, "{\"version\": 1, " GCE_PROV ", \"binding\": \"none\", " FRESH "}", "9009",
	  AT, AT * 1000LL - 2000, 0, 1, POC_EAR_AFFIRMING, "", 1 },
	{ "verification time in ms counts", EV_GCE, "{\"version\": 1, " GCE_PROV ", \"binding\": \"none\", " FRESH "}", "9009",
	  AT, AT * 1000LL - 1500, AT * 1000LL + 600, 0, POC_EAR_CONTRAINDICATED, "$.freshness.max_rtt_ms", 0 },
	{ "a nonce time after the verification time: unusable", EV_GCE,
	  "{\"version\": 1, " GCE_PROV ", \"binding\": \"none\", " FRESH "}", "9009", AT, AT * 1000LL + 1, 0, 0,
	  POC_EAR_CONTRAINDICATED, "$.freshness", 0 },
	{ "the bundle's own timing is never judged", EV_GCE, "{\"version\": 1, " GCE_PROV ", \"binding\": \"none\", " FRESH "}",
	  "9009", AT, AT * 1000LL - 10, 0, 1, POC_EAR_AFFIRMING, "", 1 },
};

/* The GCP quote's PPID for the TEE.fail case's allow-list (a platform that is not TEE.fail's). */
static void gcp_ppid(char out[33])
{
	struct poc_bundle b;
	struct poc_appraisal a;
	struct poc_policy *p = NULL;
	struct poc_appraise_opts o = { 0 };
	struct poc_err e = { 0 };
	const char *j = "{\"version\": 1, " INTEL_TEE "}";

	build(&b, EV_GCP_TD);
	o.at = AT;
	snprintf(out, 33, "%032d", 0);
	if (poc_policy_parse(&e, j, strlen(j), loader, NULL, &p) == 0 && poc_appraise(p, &b, &o, &a) == 0 && a.has_ppid)
		poc_hex_encode(a.ppid, 16, out);
	poc_policy_free(p);
	poc_bundle_free(&b);
}

static void run(const struct tcase *c, const char *ppid)
{
	char json[2048], *at;
	uint8_t nonce[64];
	size_t nlen = 0;
	struct poc_appraise_opts o = { 0 };
	struct poc_policy *p = NULL;
	struct poc_appraisal a;
	struct poc_bundle b;
	struct poc_err e = { 0 };
	int rv;

	snprintf(json, sizeof(json), "%s", c->policy);
	if ((at = strstr(json, "PPID")) != NULL)
		memmove(at + 32, at + 4, strlen(at + 4) + 1), memcpy(at, ppid, 32);
	if (!ok(poc_policy_parse(&e, json, strlen(json), loader, NULL, &p) == 0, "%s: the policy parses: %s", c->name, e.msg))
		return;
	if (c->nonce != NULL && poc_hex_decode(&e, c->nonce, strlen(c->nonce), nonce, sizeof(nonce), &nlen) == 0) {
		o.nonce = nonce;
		o.nonce_len = nlen;
	}
	o.at = c->at;
	o.at_ms = c->at_ms;
	o.has_nonce_time = c->nonce_time_ms != NT_NONE;
	o.nonce_time_ms = o.has_nonce_time ? c->nonce_time_ms : 0;
	build(&b, c->ev);
	if (c->ev == EV_GCE && strstr(c->name, "timing") != NULL) {
		b.has_timing = 1; /* the prover says: stale */
		b.nonce_ms = 0;
		b.evidence_ms = 1;
	}
	rv = poc_appraise(p, &b, &o, &a);
	ok((rv == 0) == c->accepted && a.accepted == c->accepted, "%s: %s%s%s%s", c->name, rv == 0 ? "accepted" : "denied ",
	   rv == 0 ? "" : a.clause, rv == 0 ? "" : ": ", rv == 0 ? "" : a.reason);
	is_int(a.poc, c->poc, "%s: poc %s", c->name, poc_ear_status_name(a.poc));
	is_str(c->accepted ? a.warn_clause : a.clause, c->clause, "%s: clause", c->name);
	if (c->nonce != NULL && nlen == 0)
		ok(!a.nonce_checked, "%s: an empty nonce is no nonce", c->name);
	if (strcmp(c->clause, "$.platforms") == 0 && c->accepted)
		ok(strstr(a.warning, "only the vTPM is endorsed") != NULL, "%s: the reason: %s", c->name, a.warning);
	if (strcmp(c->name, "a nonce time after the verification time: unusable") == 0)
		is_int(a.code, POC_ERR_ARG, "%s: unusable input, not a denial", c->name);
	rv = poc_appraisal_require_affirming(&a);
	ok((rv == 0) == c->releasable, "%s: %s for a release%s%s", c->name, rv == 0 ? "good" : "not good",
	   rv == 0 ? "" : ": ", rv == 0 ? "" : a.clause);
	if (c->accepted && !c->releasable && c->clause[0])
		is_str(a.clause, c->clause, "%s: the release denial names the warning's clause", c->name);
	poc_policy_free(p);
	poc_bundle_free(&b);
}

int main(void)
{
	char ppid[33];
	size_t i;

	/* A denial given no code still denies: code 0 would map to exit 0 / CKR_OK. */
	{
		struct poc_appraisal a;

		memset(&a, 0, sizeof(a));
		ok(poc_deny(&a, "$.tee", POC_OK, "no code") == -1 && a.code == POC_ERR_POLICY &&
			   strcmp(a.clause, "$.tee") == 0,
		   "poc_deny without a code records POC_ERR_POLICY");
	}
	gcp_ppid(ppid);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run(&cases[i], ppid);
	return poc_test_done();
}
