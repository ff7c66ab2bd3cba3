/* SPDX-License-Identifier: Apache-2.0 */
/* Policy parsing: the section 8 example, strictness, and one case per malformed clause. */
#include <tss2/tss2_tpm2_types.h>

#include "policy.h"
#include "../test.h"

/* Loads files relative to $POC_TESTDATA, as the tool does relative to the policy file. */
static int loader(void *ctx, struct poc_err *e, const char *path, uint8_t **buf, size_t *len)
{
	(void)ctx;
	*buf = poc_test_read(poc_testdata(path), len);
	if (*buf == NULL)
		return poc_err_set(e, POC_ERR_ARG, "cannot read %s", path);
	return 0;
}

static const char *full =
	"{\"version\": 1,\n"
	" \"providers\": [{\"name\": \"gcp\", \"roots\": [\"gce-certs/gce-ekak-ca-root.pem\"],\n"
	"   \"intermediates\": [\"gce-certs/gce-ekak-ca-intermediate-v3.pem\"], \"require_production\": true}],\n"
	" \"platforms\": {\"allow\": [{\"ppid\": \"00112233445566778899aabbccddeeff\"}, {\"piid\": \"ffeeddccbbaa99887766554433221100\"}]},\n"
	" \"tee\": {\"type\": \"tdx\", \"roots\": [\"tdx/intel-sgx-root-ca.pem\"], \"tcb_status\": [\"UpToDate\", \"SWHardeningNeeded\"],\n"
	"   \"mrtd\": [\"000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000\"],\n"
	"   \"rtmr\": {\"0\": [\"111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111\"]}, \"debug\": false},\n"
	" \"vtpm\": {\"pcrs\": {\"sha256\": {\"0\": [\"0f35c214608d93c7a6e68ae7359b4a8be5a0e99eea9107ece427c4dea4e439cf\"], \"7\": [\"0000000000000000000000000000000000000000000000000000000000000000\"]}},\n"
	"   \"eventlog\": \"required\"},\n"
	" \"binding\": \"poc-v1\",\n"
	" \"freshness\": {\"max_age_s\": 300, \"max_rtt_ms\": 2000}}\n";

static void test_full(void)
{
	struct poc_policy *p = NULL;
	struct poc_err e = { 0 };

	ok(poc_policy_parse(&e, full, strlen(full), loader, NULL, &p) == 0, "section 8 example parses: %s", e.msg);
	if (p == NULL)
		return;
	ok(p->has_providers && p->nproviders == 1 && strcmp(p->providers[0].name, "gcp") == 0 &&
		   sk_X509_num(p->providers[0].roots) == 1 && sk_X509_num(p->providers[0].intermediates) == 1 &&
		   p->providers[0].require_production, "providers");
	ok(p->has_platforms && p->nallow == 2 && !p->allow[0].is_piid && p->allow[1].is_piid && p->allow[0].id[1] == 0x11,
	   "platforms.allow");
	ok(p->has_tee && p->ntcb_status == 2 && p->mrtd.n == 1 && p->rtmr[0].n == 1 && p->rtmr[1].n == 0 && !p->debug_allowed,
	   "tee");
	ok(p->has_vtpm && p->npcr_banks == 1 && p->pcr_banks[0].alg == TPM2_ALG_SHA256 &&
		   p->pcr_banks[0].mask == ((1u << 0) | (1u << 7)) && p->eventlog == POC_EVENTLOG_REQUIRED, "vtpm");
	ok(p->binding == POC_BINDING_POC_V1 && p->has_max_age && p->max_age_s == 300 && p->max_rtt_ms == 2000, "binding, freshness");
	ok(poc_policy_is_proof_of_cloud(p), "a provider clause makes it a Proof of Cloud");
	poc_policy_free(p);
}

static void test_bad(void)
{
	static const struct {
		const char *json;
		const char *want; /* a fragment of the message: the clause */
	} cases[] = {
		{ "", "not valid JSON" },
		{ "{\"version\": 1", "not valid JSON" },
		{ "[]", "policy $: expected an object" },
		{ "{}", "$.version" },
		{ "{\"version\": 2}", "$.version" },
		{ "{\"version\": 1, \"extra\": 1}", "unknown field \"extra\"" },
		{ "{\"version\": 1} x", "not valid JSON" },
		{ "{\"version\": 1, \"providers\": []}", "$.providers" },
		{ "{\"version\": 1, \"providers\": [{\"name\": \"x\"}]}", "$.providers[0].roots" },
		{ "{\"version\": 1, \"providers\": [{\"name\": \"x\", \"roots\": [\"no/such.pem\"]}]}", "$.providers[0].roots[0]" },
		{ "{\"version\": 1, \"providers\": [{\"name\": \"x\", \"roots\": [\"gce-cos85-nonce9009/ak.pub\"]}]}", "$.providers[0].roots[0]" },
		{ "{\"version\": 1, \"providers\": [{\"roots\": [\"gce-certs/gce-ekak-ca-root.pem\"]}]}", "$.providers[0].name" },
		{ "{\"version\": 1, \"providers\": [{\"name\": \"x\", \"roots\": [\"gce-certs/gce-ekak-ca-root.pem\"], \"require_production\": 1}]}", "require_production" },
		{ "{\"version\": 1, \"providers\": [{\"name\": \"x\", \"roots\": [\"gce-certs/gce-ekak-ca-root.pem\"], \"zone\": \"a\"}]}", "unknown field \"zone\"" },
		{ "{\"version\": 1, \"platforms\": {}}", "$.platforms" },
		{ "{\"version\": 1, \"platforms\": {\"allow\": [{\"ppid\": \"00\"}]}}", "$.platforms.allow[0]" },
		{ "{\"version\": 1, \"tee\": {\"type\": \"sev\", \"roots\": []}}", "$.tee.type" },
		{ "{\"version\": 1, \"tee\": {\"type\": \"tdx\"}}", "$.tee.roots" },
		{ "{\"version\": 1, \"tee\": {\"type\": \"tdx\", \"roots\": [\"tdx/intel-sgx-root-ca.pem\"], \"tcb_status\": [\"Fine\"]}}", "$.tee.tcb_status[0]" },
		{ "{\"version\": 1, \"tee\": {\"type\": \"tdx\", \"roots\": [\"tdx/intel-sgx-root-ca.pem\"], \"mrtd\": [\"00\"]}}", "$.tee.mrtd[0]" },
		{ "{\"version\": 1, \"tee\": {\"type\": \"tdx\", \"roots\": [\"tdx/intel-sgx-root-ca.pem\"], \"rtmr\": {\"4\": []}}}", "$.tee.rtmr" },
		{ "{\"version\": 1, \"vtpm\": {\"pcrs\": {\"md5\": {}}}}", "$.vtpm.pcrs" },
		{ "{\"version\": 1, \"vtpm\": {\"pcrs\": {\"sha256\": {\"24\": []}}}}", "$.vtpm.pcrs.sha256" },
		{ "{\"version\": 1, \"vtpm\": {\"pcrs\": {\"sha256\": {\"0\": [\"00\"]}}}}", "$.vtpm.pcrs.sha256.0[0]" },
		{ "{\"version\": 1, \"vtpm\": {\"eventlog\": \"maybe\"}}", "$.vtpm.eventlog" },
		{ "{\"version\": 1, \"binding\": \"tpm-only\"}", "$.binding" },
		/* A provider endorses a vTPM: beside a tee clause only a binding ties it to the TD. */
		{ "{\"version\": 1, \"providers\": [{\"name\": \"x\", \"roots\": [\"gce-certs/gce-ekak-ca-root.pem\"]}],"
		  " \"tee\": {\"type\": \"tdx\", \"roots\": [\"tdx/intel-sgx-root-ca.pem\"]}}", "$.binding" },
		{ "{\"version\": 1, \"providers\": [{\"name\": \"x\", \"roots\": [\"gce-certs/gce-ekak-ca-root.pem\"]}],"
		  " \"tee\": {\"type\": \"tdx\", \"roots\": [\"tdx/intel-sgx-root-ca.pem\"]}, \"binding\": \"none\"}", "$.binding" },
		{ "{\"version\": 1, \"providers\": [{\"name\": \"x\", \"roots\": [\"gce-certs/gce-ekak-ca-root.pem\"]}],"
		  " \"platforms\": {\"allow\": [{\"ppid\": \"00112233445566778899aabbccddeeff\"}]},"
		  " \"tee\": {\"type\": \"tdx\", \"roots\": [\"tdx/intel-sgx-root-ca.pem\"]}, \"binding\": \"none\"}", "$.binding" },
		/* A vtpm clause judges a vTPM: beside a tee clause its PCRs need a binding too. */
		{ "{\"version\": 1, \"platforms\": {\"allow\": [{\"ppid\": \"00112233445566778899aabbccddeeff\"}]},"
		  " \"vtpm\": {}, \"tee\": {\"type\": \"tdx\", \"roots\": [\"tdx/intel-sgx-root-ca.pem\"]}}", "a tee and a vtpm clause" },
		/* azure-hcl binds to the TD quote, which only a tee clause reads. */
		{ "{\"version\": 1, \"providers\": [{\"name\": \"x\", \"roots\": [\"gce-certs/gce-ekak-ca-root.pem\"]}],"
		  " \"binding\": \"azure-hcl\"}", "\"azure-hcl\" needs a tee clause" },
		{ "{\"version\": 1, \"freshness\": {\"max_age_s\": -1}}", "$.freshness.max_age_s" },
		{ "{\"version\": 1, \"freshness\": {\"max_age\": 1}}", "unknown field \"max_age\"" },
		/* A policy must not read two ways: duplicate names at every depth, NULs, lone surrogates. */
		{ "{\"version\": 1, \"version\": 1}", "policy $: field \"version\" appears twice" },
		{ "{\"version\": 1, \"binding\": \"poc-v1\", \"binding\": \"none\"}", "field \"binding\" appears twice" },
		{ "{\"version\": 1, \"vtpm\": {\"eventlog\": \"required\", \"eventlog\": \"optional\"}}", "$.vtpm: field \"eventlog\"" },
		{ "{\"version\": 1, \"vtpm\": {\"eventlog\": \"required\", \"ev\\u0065ntlog\": \"optional\"}}", "$.vtpm: field \"eventlog\"" },
		{ "{\"version\": 1, \"vtpm\": {\"pcrs\": {\"sha256\": {\"7\": [], \"7\": []}}}}", "$.vtpm.pcrs.sha256: field \"7\"" },
		{ "{\"version\": 1, \"freshness\": {\"max_age_s\": 1, \"max_age_s\": 999999}}", "$.freshness: field \"max_age_s\"" },
		{ "{\"version\": 1, \"providers\": [{\"name\": \"a\", \"name\": \"b\", \"roots\": [\"gce-certs/gce-ekak-ca-root.pem\"]}]}",
		  "$.providers[0]: field \"name\"" },
		{ "{\"version\": 1, \"platforms\": {\"allow\": [{\"ppid\": \"00112233445566778899aabbccddeeff\", \"ppid\": \"00112233445566778899aabbccddeeff\"}]}}",
		  "$.platforms.allow[0]: field \"ppid\"" },
		{ "{\"version\": 1, \"x\": {\"a\": {\"b\": [{\"c\": 1, \"c\": 2}]}}}", "$.x.a.b[0]: field \"c\"" },
		{ "{\"version\": 1, \"binding\\u0000\": \"none\"}", "NUL character" },
		{ "{\"version\": 1, \"binding\": \"none\\u0000poc-v1\"}", "$.binding: a NUL character" },
		{ "{\"version\": 1, \"binding\": \"\\ud800\"}", "lone UTF-16 surrogate" },
		{ "{\"version\": 1, \"binding\": \"\\udc00\\ud800\"}", "lone UTF-16 surrogate" },
		{ "{\"version\": 1, \"vtpm\": {\"pcrs\": {\"sha256\": {\"7\": [\"1111111111111111111111111111111111111111111111111111111111111111\"], \"07\": []}}}}", "\"07\" is not a PCR index" },
		{ "{\"version\": 1, \"vtpm\": {\"pcrs\": {\"sha256\": {\" 7\": []}}}}", "\" 7\" is not a PCR index" },
		{ "{\"version\": 1, \"vtpm\": {\"pcrs\": {\"sha256\": {\"+7\": []}}}}", "\"+7\" is not a PCR index" },
		/* Empty or all-zero identifiers would match what names nothing. */
		{ "{\"version\": 1, \"platforms\": {\"poe\": {\"roots\": [\"gce-certs/gce-ekak-ca-root.pem\"], \"owners\": []}}}",
		  "$.platforms.poe.owners: between 1" },
		{ "{\"version\": 1, \"platforms\": {\"poe\": {\"roots\": [\"gce-certs/gce-ekak-ca-root.pem\"], \"owners\": [\"\"]}}}",
		  "$.platforms.poe.owners[0]" },
		{ "{\"version\": 1, \"platforms\": {\"allow\": [{\"ppid\": \"00000000000000000000000000000000\"}]}}", "all-zero PPID" },
		{ "{\"version\": 1, \"platforms\": {\"allow\": [{\"piid\": \"00000000000000000000000000000000\"}]}}", "all-zero PIID" },
		/* The cross-check switch. */
		{ "{\"version\": 1, \"vtpm\": {\"crosscheck\": \"yes\"}}", "$.vtpm.crosscheck" },
		{ "{\"version\": 1, \"vtpm\": {\"crosscheck\": true}}", "$.vtpm.crosscheck" },
		{ "{\"version\": 1, \"vtpm\": {\"crosscheck\": \"required\"}, \"binding\": \"poc-v1\"}", "needs \"binding\": \"poc-v1\" and a tee" },
		{ "{\"version\": 1, \"tee\": {\"type\": \"tdx\", \"roots\": [\"tdx/intel-sgx-root-ca.pem\"]}, \"vtpm\": {\"crosscheck\": \"required\"}, \"binding\": \"azure-hcl\"}",
		  "needs \"binding\": \"poc-v1\"" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct poc_policy *p = NULL;
		struct poc_err e = { 0 };
		int rv = poc_policy_parse(&e, cases[i].json, strlen(cases[i].json), loader, NULL, &p);

		ok(rv == -1 && p == NULL && strstr(e.msg, cases[i].want) != NULL, "rejected %s: %s", cases[i].json, e.msg);
		poc_policy_free(p);
	}
}

/* The binding rule applies to providers and vtpm clauses: an allow-list or POE token alone endorses the TD's own platform. */
static void test_binding_rule(void)
{
	static const char *const good[] = {
		"{\"version\": 1, \"platforms\": {\"allow\": [{\"ppid\": \"00112233445566778899aabbccddeeff\"}]},"
		" \"tee\": {\"type\": \"tdx\", \"roots\": [\"tdx/intel-sgx-root-ca.pem\"]}}",
		"{\"version\": 1, \"providers\": [{\"name\": \"x\", \"roots\": [\"gce-certs/gce-ekak-ca-root.pem\"]}], \"binding\": \"none\"}",
		"{\"version\": 1, \"providers\": [{\"name\": \"x\", \"roots\": [\"gce-certs/gce-ekak-ca-root.pem\"]}],"
		" \"tee\": {\"type\": \"tdx\", \"roots\": [\"tdx/intel-sgx-root-ca.pem\"]}, \"binding\": \"azure-hcl\"}",
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct poc_policy *p = NULL;
		struct poc_err e = { 0 };

		ok(poc_policy_parse(&e, good[i], strlen(good[i]), loader, NULL, &p) == 0, "parses: %s: %s", good[i], e.msg);
		poc_policy_free(p);
	}
}

static void test_not_poc(void)
{
	const char *j = "{\"version\": 1, \"vtpm\": {}, \"binding\": \"none\"}";
	struct poc_policy *p = NULL;
	struct poc_err e = { 0 };

	ok(poc_policy_parse(&e, j, strlen(j), loader, NULL, &p) == 0 && !poc_policy_is_proof_of_cloud(p),
	   "a policy without providers or platforms is not a Proof of Cloud");
	poc_policy_free(p);
}

/* What the strict reading must still accept: equal names in different objects, escapes, Unicode. */
static void test_strict_ok(void)
{
	static const struct {
		const char *json;
		int crosscheck;
	} cases[] = {
		{ "{\"version\": 1, \"tee\": {\"type\": \"tdx\", \"roots\": [\"tdx/intel-sgx-root-ca.pem\"]},\n"
		  " \"vtpm\": {\"eventlog\": \"required\", \"crosscheck\": \"required\"}, \"binding\": \"poc-v1\"}", 1 },
		{ "{\"version\": 1, \"vtpm\": {\"crosscheck\": \"optional\"}}", 0 },
		{ "{\"version\": 1, \"providers\": [{\"name\": \"a\", \"roots\": [\"gce-certs/gce-ekak-ca-root.pem\"]},\n"
		  " {\"name\": \"b\", \"roots\": [\"gce-certs/gce-ekak-ca-root.pem\"]}],\n"
		  " \"tee\": {\"type\": \"tdx\", \"roots\": [\"tdx/intel-sgx-root-ca.pem\"]}, \"binding\": \"poc-v1\"}", 0 },
		{ "{\"version\": 1, \"providers\": [{\"name\": \"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\" \\\\ \\/\", \"roots\": [\"gce-certs/gce-ekak-ca-root.pem\"]}]}  \n", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct poc_policy *p = NULL;
		struct poc_err e = { 0 };
		int rv = poc_policy_parse(&e, cases[i].json, strlen(cases[i].json), loader, NULL, &p);

		ok(rv == 0 && p != NULL && p->crosscheck_required == cases[i].crosscheck, "accepted %s: %s", cases[i].json, e.msg);
		poc_policy_free(p);
	}
}

int main(void)
{
	test_full();
	test_bad();
	test_strict_ok();
	test_not_poc();
	test_binding_rule();
	return poc_test_done();
}
