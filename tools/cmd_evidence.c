/* SPDX-License-Identifier: Apache-2.0 */
/* poctool evidence pack | verify: build an evidence bundle from files, and appraise one. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "appraise.h"
#include "bundle.h"
#include "commands.h"
#include "credential_key.h"
#include "record_file.h"
#include "hex.h"
#include "policy_file.h"
#include "poctool.h"
#include "verify_json.h"
#include "evidence/evidence.h"
#include "token/token.h"
#include "tpm_attest.h"
#include "pack_check.h"
#include "levels_print.h"
#include "verify_print.h"

#define EVIDENCE_FILE_MAX (16u << 20)

static int read_blob(const char *path, struct poc_blob *b)
{
	size_t len;
	uint8_t *buf = poc_tool_read_file(path, EVIDENCE_FILE_MAX, &len);

	if (buf == NULL)
		return -1;
	poc_blob_clear(b);
	b->p = buf;
	b->len = len;
	return 0;
}

/* A collateral folder (tcb_info.json, ...) into the bundle. */
static int read_collateral(const char *dir, struct poc_bundle *b)
{
	struct poc_err e = { 0 };

	if (poc_bundle_read_collateral(&e, dir, b) < 0) {
		poc_tool_warn("collateral: %s", e.msg);
		return -1;
	}
	return 0;
}

/* The nonce limit of the whole CLI (evidence challenge, attest): 64 bytes, a TPM's largest digest. */
#define NONCE_MAX 64

static int parse_nonce(const char *hex, struct poc_blob *out)
{
	struct poc_err e = { 0 };
	uint8_t buf[NONCE_MAX];
	size_t n;

	if (strlen(hex) > 2 * NONCE_MAX) {
		poc_tool_warn("--nonce: %zu hex digits: a nonce is at most %d bytes", strlen(hex), NONCE_MAX);
		return -1;
	}
	if (poc_hex_decode(&e, hex, strlen(hex), buf, sizeof(buf), &n) < 0) {
		poc_tool_warn("--nonce: %s", e.msg);
		return -1;
	}
	if (poc_blob_set(&e, out, buf, n) < 0) {
		poc_tool_warn("--nonce: %s", e.msg);
		return -1;
	}
	return 0;
}

/*
 * PCR values for quote q: "[BANK:]FILE" of "INDEX HEX" lines. Without BANK the
 * bank is the one the quote selects (it must select exactly one).
 */
static int read_pcrs(const char *arg, struct poc_bundle_quote *q)
{
	struct poc_err e = { 0 };
	struct poc_tpm_quote tq;
	const char *colon = strchr(arg, ':'), *path = arg;
	char bank[16];
	uint16_t alg = 0;
	uint8_t *txt;
	size_t len;
	int rv;

	if (colon != NULL && (size_t)(colon - arg) < sizeof(bank)) {
		memcpy(bank, arg, (size_t)(colon - arg));
		bank[colon - arg] = '\0';
		if (poc_tpm_alg_from_name(bank, &alg) == 0)
			path = colon + 1;
	}
	if (path == arg) {
		/* The bank comes from the quote: it must be complete and select one bank. */
		if (q->sig.p == NULL) {
			poc_tool_warn("--pcrs %s: give --tpm-quote and --tpm-sig first, or name the bank (sha256:FILE)", arg);
			return -1;
		}
		if (poc_tpm_quote_parse(&e, q->attest.p, q->attest.len, q->sig.p, q->sig.len, &tq) < 0) {
			poc_tool_warn("--pcrs %s: the quote does not parse: %s", arg, e.msg);
			return -1;
		}
		if (tq.attest.attested.quote.pcrSelect.count != 1) {
			poc_tool_warn("--pcrs %s: the quote selects %u banks: name the bank (sha256:FILE)", arg,
				      tq.attest.attested.quote.pcrSelect.count);
			return -1;
		}
		alg = tq.attest.attested.quote.pcrSelect.pcrSelections[0].hash;
	}
	txt = poc_tool_read_file(path, 1u << 20, &len);
	if (txt == NULL)
		return -1;
	rv = poc_pcrs_parse_text(&e, &q->pcrs, alg, (const char *)txt, len);
	free(txt);
	if (rv < 0)
		poc_tool_warn("%s: %s", path, e.msg);
	return rv;
}

static int parse_ms(const char *arg, const char *opt, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(arg, &end, 10);
	if (errno || *arg == '\0' || *arg == '-' || *end != '\0') {
		poc_tool_warn("%s: \"%s\" is not Unix milliseconds", opt, arg);
		return -1;
	}
	return 0;
}

/* "UNIXTIME[.fraction]" (seconds, up to millisecond precision) into Unix ms. */
static int parse_unix_ms(const char *arg, const char *opt, int64_t *out)
{
	const char *dot = strchr(arg, '.');
	char secs[24], *end;
	int64_t ms = 0;
	size_t n = dot != NULL ? (size_t)(dot - arg) : strlen(arg), i;
	long long v;

	if (n == 0 || n >= sizeof(secs) || *arg == '-' || *arg == '+')
		goto bad;
	memcpy(secs, arg, n);
	secs[n] = '\0';
	errno = 0;
	v = strtoll(secs, &end, 10);
	if (errno || *end != '\0' || v < 0 || v > INT64_MAX / 1000 - 1)
		goto bad;
	if (dot != NULL) {
		/* Decimal fractions of a second: ".5" is 500 ms, ".123" 123 ms. */
		if (dot[1] == '\0' || strlen(dot + 1) > 3)
			goto bad;
		for (i = 1; i <= 3; i++) {
			char d = i <= strlen(dot + 1) ? dot[i] : '0';

			if (d < '0' || d > '9')
				goto bad;
			ms = ms * 10 + (d - '0');
		}
	}
	*out = (int64_t)v * 1000 + ms;
	return 0;
bad:
	poc_tool_warn("%s: \"%s\" is not a Unix time (seconds, optionally .ms)", opt, arg);
	return -1;
}

static void pack_usage(FILE *f)
{
	fprintf(f,
		"Usage: poctool evidence pack -o BUNDLE [options]\n\n"
		"Builds an evidence bundle (CBOR, DESIGN.md section 3) from raw files. A TPM\n"
		"quote (with its signature) or TDX quote file that does not parse is refused\n"
		"(exit 2): only the structure is checked, the rest is evidence verify's job.\n\n"
		"  -o, --out FILE          the bundle to write (required)\n"
		"  --nonce HEX             the nonce the evidence was collected for (recorded;\n"
		"                          at most 64 bytes)\n"
		"  --tpm-quote FILE        TPMS_ATTEST as signed; starts a new quote (up to %d)\n"
		"  --tpm-sig FILE          its TPMT_SIGNATURE\n"
		"  --pcrs [BANK:]FILE      its PCR values, \"INDEX HEX\" lines; BANK defaults to\n"
		"                          the bank the quote selects\n"
		"  --ak-pub FILE           AK public area (TPMT_PUBLIC or TPM2B_PUBLIC)\n"
		"  --ak-cert FILE          AK certificate (DER or PEM)\n"
		"  --ak-chain FILE         AK issuer certificates (repeatable)\n"
		"  --ek-cert FILE          EK certificate\n"
		"  --ek-pub FILE           EK public area (for credential activation)\n"
		"  --activated-secret FILE what TPM2_ActivateCredential returned for the\n"
		"                          challenge of `poctool evidence challenge`\n"
		"  --eventlog FILE         TCG event log (binary_bios_measurements)\n"
		"  --tdx-quote FILE        TDX quote (v4 or v5)\n"
		"  --ccel-table FILE       ACPI CCEL table\n"
		"  --ccel-log FILE         CCEL event log\n"
		"  --collateral DIR        DCAP collateral folder (tcb_info.json, ...)\n"
		"  --hcl-report FILE       Azure HCL report\n"
		"  --poe FILE              Intel POE token\n"
		"  --registry-token FILE   Proof of Cloud Alliance registry token (JWT)\n"
		"  --ima-log FILE          IMA measurement list (binary_runtime_measurements)\n"
		"  --nonce-time MS         when the nonce was issued (Unix ms) and\n"
		"  --evidence-time MS      when the evidence arrived (default: now): recorded for\n"
		"                          information only; the prover writes them, so the\n"
		"                          freshness clause is judged on the verifier's own clock\n"
		"                          (evidence verify --nonce-time), never on these\n",
		POC_BUNDLE_MAX_QUOTES);
}

enum { P_NONCE = 256, P_QUOTE, P_SIG, P_PCRS, P_AKPUB, P_AKCERT, P_AKCHAIN, P_EKCERT, P_EVLOG,
       P_TDX, P_CCELT, P_CCELL, P_COLL, P_HCL, P_POE, P_REG, P_IMA, P_EKPUB, P_ACT, P_NTIME, P_ETIME };

/* What pack builds while it reads its options: the bundle and the quote --tpm-sig / --pcrs belong to. */
struct pack_state {
	struct poc_bundle b;
	struct poc_bundle_quote *q;
	const char *qpath; /* the --tpm-quote file of q */
	int have_etime;
};

/* One option of pack into st: 0, or -1 (said why). */
static int pack_option(struct pack_state *st, int c, const char *arg)
{
	struct poc_bundle *b = &st->b;

	switch (c) {
	case P_NONCE: return parse_nonce(arg, &b->nonce);
	case P_QUOTE:
		if (b->nquotes == POC_BUNDLE_MAX_QUOTES) {
			poc_tool_warn("at most %d quotes", POC_BUNDLE_MAX_QUOTES);
			return -1;
		}
		st->q = &b->quotes[b->nquotes++];
		st->qpath = arg;
		return read_blob(arg, &st->q->attest);
	case P_SIG:
	case P_PCRS:
		if (st->q == NULL) {
			poc_tool_warn("--%s comes after the --tpm-quote it belongs to", c == P_SIG ? "tpm-sig" : "pcrs");
			return -1;
		}
		if (c == P_PCRS)
			return read_pcrs(arg, st->q);
		if (read_blob(arg, &st->q->sig) < 0)
			return -1;
		return poc_pack_check_tpm_quote(st->qpath, arg, st->q);
	case P_AKPUB: return read_blob(arg, &b->ak_pub);
	case P_AKCERT: return read_blob(arg, &b->ak_cert);
	case P_AKCHAIN:
		if (b->n_ak_chain == POC_BUNDLE_MAX_CHAIN) {
			poc_tool_warn("at most %d --ak-chain files", POC_BUNDLE_MAX_CHAIN);
			return -1;
		}
		return read_blob(arg, &b->ak_chain[b->n_ak_chain++]);
	case P_EKCERT: return read_blob(arg, &b->ek_cert);
	case P_EKPUB: return read_blob(arg, &b->ek_pub);
	case P_ACT: return read_blob(arg, &b->activated_secret);
	case P_NTIME: b->has_timing = 1; return parse_ms(arg, "--nonce-time", &b->nonce_ms);
	case P_ETIME: st->have_etime = 1; return parse_ms(arg, "--evidence-time", &b->evidence_ms);
	case P_EVLOG: return read_blob(arg, &b->eventlog);
	case P_TDX:
		if (read_blob(arg, &b->tdx_quote) < 0)
			return -1;
		return poc_pack_check_tdx_quote(arg, &b->tdx_quote);
	case P_CCELT: return read_blob(arg, &b->ccel_table);
	case P_CCELL: return read_blob(arg, &b->ccel_log);
	case P_COLL: return read_collateral(arg, b);
	case P_HCL: return read_blob(arg, &b->hcl_report);
	case P_POE: return read_blob(arg, &b->poe);
	case P_REG: return read_blob(arg, &b->registry_token);
	case P_IMA: return read_blob(arg, &b->ima_log);
	default: pack_usage(stderr); return -1;
	}
}

/* The evidence time when none was given, a signature for every quote, then the bundle to out. */
static int pack_write(struct pack_state *st, const char *out)
{
	struct poc_err e = { 0 };
	uint8_t *buf = NULL;
	size_t len = 0;
	int rv = -1;

	/* Packing is when the evidence reached the verifier. */
	if (st->b.has_timing && !st->have_etime)
		st->b.evidence_ms = (uint64_t)poc_evidence_now_ms();
	for (size_t i = 0; i < st->b.nquotes; i++) {
		if (st->b.quotes[i].sig.p == NULL) {
			poc_tool_warn("quote %zu has no --tpm-sig", i);
			return -1;
		}
	}
	if (poc_bundle_encode(&e, &st->b, &buf, &len) < 0)
		poc_tool_warn("%s", e.msg);
	else if (poc_tool_write_file(out, buf, len) == 0)
		rv = 0;
	free(buf);
	return rv;
}

int poc_cmd_evidence_pack(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' }, { "nonce", required_argument, NULL, P_NONCE },
		{ "tpm-quote", required_argument, NULL, P_QUOTE }, { "tpm-sig", required_argument, NULL, P_SIG },
		{ "pcrs", required_argument, NULL, P_PCRS }, { "ak-pub", required_argument, NULL, P_AKPUB },
		{ "ak-cert", required_argument, NULL, P_AKCERT }, { "ak-chain", required_argument, NULL, P_AKCHAIN },
		{ "ek-cert", required_argument, NULL, P_EKCERT }, { "eventlog", required_argument, NULL, P_EVLOG },
		{ "tdx-quote", required_argument, NULL, P_TDX }, { "ccel-table", required_argument, NULL, P_CCELT },
		{ "ccel-log", required_argument, NULL, P_CCELL }, { "collateral", required_argument, NULL, P_COLL },
		{ "hcl-report", required_argument, NULL, P_HCL }, { "poe", required_argument, NULL, P_POE },
		{ "registry-token", required_argument, NULL, P_REG }, { "ima-log", required_argument, NULL, P_IMA },
		{ "ek-pub", required_argument, NULL, P_EKPUB }, { "activated-secret", required_argument, NULL, P_ACT },
		{ "nonce-time", required_argument, NULL, P_NTIME }, { "evidence-time", required_argument, NULL, P_ETIME },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	struct pack_state st;
	const char *out = NULL;
	int c, rv = POC_EXIT_USAGE;

	memset(&st, 0, sizeof(st));
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		if (c == 'h') {
			pack_usage(stdout);
			rv = POC_EXIT_OK;
			goto done;
		}
		if (c == 'o')
			out = optarg;
		else if (pack_option(&st, c, optarg) < 0)
			goto done;
	}
	if (out == NULL || optind != argc || (st.have_etime && !st.b.has_timing)) {
		pack_usage(stderr);
		goto done;
	}
	if (pack_write(&st, out) == 0)
		rv = POC_EXIT_OK;
done:
	poc_bundle_free(&st.b);
	return rv;
}

/* --nonce-time is the verifier's word on its own nonce: it needs that nonce and must precede --at. */
static int check_times(const struct poc_appraise_opts *ao, size_t nonce_len)
{
	if (!ao->has_nonce_time)
		return 0;
	if (nonce_len == 0) {
		poc_tool_warn("--nonce-time is when the --nonce was issued: give that (non-empty) nonce too");
		return -1;
	}
	if (ao->nonce_time_ms > ao->at_ms) {
		poc_tool_warn("--nonce-time %" PRId64 ".%03d is after the verification time %" PRId64 ".%03d",
			      ao->nonce_time_ms / 1000, (int)(ao->nonce_time_ms % 1000), ao->at_ms / 1000,
			      (int)(ao->at_ms % 1000));
		return -1;
	}
	return 0;
}

static void verify_usage(FILE *f)
{
	fprintf(f,
		"Usage: poctool evidence verify BUNDLE --policy FILE [--nonce HEX [--nonce-time T]]\n"
		"                               [--at UNIXTIME] [--collateral DIR] [--verifier-key KEY]\n"
		"                               [--record OUT [--record-key KEY]] [--json]\n\n"
		"Appraises an evidence bundle under a policy (DESIGN.md section 8).\n"
		"Exit 0: accepted (prints a summary whose first line is \"accepted\" when the status\n"
		"is affirming, else \"accepted, not affirming (status warning: CLAUSE)\" naming the\n"
		"clause that could not be established). 1: denied (prints the failing policy clause\n"
		"as a JSON path and what was observed). 2: unusable input or usage (a policy error too).\n\n"
		"  --policy FILE      the JSON policy (certificate paths relative to it)\n"
		"  --nonce HEX        the nonce the evidence must cover (at most 64 bytes);\n"
		"                     without it (or with an empty one) no nonce is checked and\n"
		"                     the summary says so\n"
		"  --nonce-time T     when you issued that nonce, on your clock (Unix seconds,\n"
		"                     optionally .ms): the freshness clause is judged on\n"
		"                     verification time - T, never on the bundle's own timing;\n"
		"                     without it a freshness clause is unverifiable (a warning)\n"
		"  --at UNIXTIME      verification time (seconds, optionally .ms) for\n"
		"                     certificates, CRLs, collateral and freshness (default: now)\n"
		"  --collateral DIR   DCAP collateral folder, used instead of the bundle's; collateral\n"
		"                     must verify, and under any tee clause its QE Identity, TDX\n"
		"                     module identity and CRLs are checked (without collateral:\n"
		"                     Intel's built-in TD QE and module identities, no revocation)\n"
		"  --verifier-key KEY the verifier's private key (PEM) that `poctool evidence\n"
		"                     challenge` made the credential-activation challenge with;\n"
		"                     without it an activation is not checked, and when the\n"
		"                     providers clause needs it the appraisal is refused (exit 2)\n"
		"  --record OUT       write the signed attestation record (COSE_Sign1, EAR claims),\n"
		"                     for a denial too; read it with `poctool record show`\n"
		"  --record-key KEY   sign it with this EC P-256/P-384 private key (PEM); without\n"
		"                     it an ephemeral key signs and its public key goes to OUT.pub.pem\n"
		"  --json             the verdict as one JSON document (verdict, status, clause,\n"
		"                     reason, the parts' statuses, verified_at in ISO 8601)\n");
}

enum { V_POLICY = 256, V_NONCE, V_AT, V_COLL, V_RECORD, V_VKEY, V_RKEY, V_NTIME, V_JSON };

/* What verify's options say. */
struct verify_args {
	const char *policy_path, *coll, *record, *vkey, *rkey;
	struct poc_appraise_opts ao;
	struct poc_blob nonce;
	int have_nonce, json;
};

/* One option of verify into va: 0, or -1 (said why). */
static int verify_option(struct verify_args *va, int c, const char *arg)
{
	switch (c) {
	case V_POLICY: va->policy_path = arg; return 0;
	case V_NONCE:
		if (parse_nonce(arg, &va->nonce) < 0)
			return -1;
		va->have_nonce = 1;
		return 0;
	case V_AT: return parse_unix_ms(arg, "--at", &va->ao.at_ms);
	case V_NTIME:
		if (parse_unix_ms(arg, "--nonce-time", &va->ao.nonce_time_ms) < 0)
			return -1;
		va->ao.has_nonce_time = 1;
		return 0;
	case V_COLL: va->coll = arg; return 0;
	case V_RECORD: va->record = arg; return 0;
	case V_VKEY: va->vkey = arg; return 0;
	case V_RKEY: va->rkey = arg; return 0;
	case V_JSON: va->json = 1; return 0;
	default: verify_usage(stderr); return -1;
	}
}

/* The verdict on stdout (accepted, denied) or stderr (unusable), as the exit code. */
static int verify_report(int rc, const struct poc_appraisal *a, const struct verify_args *va)
{
	if (rc == 0) {
		if (va->json)
			poc_tool_verify_json(a, 1, va->ao.at);
		else
			poc_tool_verify_summary(a, va->ao.at, va->have_nonce && va->nonce.len == 0);
		return POC_EXIT_OK;
	}
	/* An appraisal that could not be made (unusable input), as opposed to a denial; never exit 0 on a failure. */
	if (poc_tool_exit(a->code, POC_TOOL_CHECK) != POC_EXIT_DENIED && a->code != POC_OK) {
		poc_tool_warn("cannot appraise: %s: %s", a->clause, a->reason);
		return poc_tool_exit(a->code, POC_TOOL_CHECK);
	}
	if (va->json)
		poc_tool_verify_json(a, 0, va->ao.at);
	else
		printf("denied: %s\n  reason: %s (%s)\n", a->clause, a->reason, poc_strerror(a->code));
	return POC_EXIT_DENIED;
}

int poc_cmd_evidence_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, V_POLICY }, { "nonce", required_argument, NULL, V_NONCE },
		{ "at", required_argument, NULL, V_AT }, { "collateral", required_argument, NULL, V_COLL },
		{ "record", required_argument, NULL, V_RECORD }, { "verifier-key", required_argument, NULL, V_VKEY },
		{ "record-key", required_argument, NULL, V_RKEY }, { "nonce-time", required_argument, NULL, V_NTIME },
		{ "json", no_argument, NULL, V_JSON }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct verify_args va;
	uint8_t credential_key[32];
	struct poc_policy *policy = NULL;
	struct poc_appraisal a;
	struct poc_bundle b;
	struct poc_err e = { 0 };
	uint8_t *buf = NULL;
	size_t len;
	int c, rc, rv = POC_EXIT_USAGE;

	memset(&va, 0, sizeof(va));
	memset(&b, 0, sizeof(b));
	va.ao.at_ms = poc_evidence_now_ms();
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			verify_usage(stdout);
			rv = POC_EXIT_OK;
			goto done;
		}
		if (verify_option(&va, c, optarg) < 0)
			goto done;
	}
	if (va.policy_path == NULL || optind != argc - 1) {
		verify_usage(stderr);
		goto done;
	}
	va.ao.at = va.ao.at_ms / 1000;
	if (check_times(&va.ao, va.have_nonce ? va.nonce.len : 0) < 0)
		goto done;
	buf = poc_tool_read_file(argv[optind], POC_BUNDLE_MAX, &len);
	if (buf == NULL)
		goto done;
	if (poc_bundle_decode(&e, buf, len, &b) < 0) {
		poc_tool_warn("%s: %s", argv[optind], e.msg);
		goto done;
	}
	if (va.coll != NULL && read_collateral(va.coll, &b) < 0)
		goto done;
	policy = poc_tool_policy_load(va.policy_path);
	if (policy == NULL)
		goto done;
	if (va.have_nonce) {
		va.ao.nonce = va.nonce.p;
		va.ao.nonce_len = va.nonce.len;
	}
	if (va.vkey != NULL) {
		if (poc_tool_credential_key(va.vkey, credential_key) < 0)
			goto done;
		va.ao.credential_key = credential_key;
	}
	rc = poc_appraise(policy, &b, &va.ao, &a);
	/* The record is written for denials too: it says which clause failed. */
	if (va.record != NULL && poc_tool_exit(a.code, POC_TOOL_CHECK) <= POC_EXIT_DENIED &&
	    poc_tool_record_write(va.record, va.rkey, &a, &va.ao, buf, len, va.policy_path, va.ao.at) < 0)
		goto done;
	rv = verify_report(rc, &a, &va);
done:
	OPENSSL_cleanse(credential_key, sizeof(credential_key));
	free(buf);
	poc_blob_clear(&va.nonce);
	poc_bundle_free(&b);
	poc_policy_free(policy);
	return rv;
}
