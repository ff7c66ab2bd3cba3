/* SPDX-License-Identifier: Apache-2.0 */
/*
 * poctool policy approve | predict | list | revoke: signed PCR policies of a
 * token (DESIGN.md section 9, docs/updates.md), over module/token/token_authz.h.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tss2/tss2_tpm2_types.h>

#include "commands.h"
#include "config/configuration.h"
#include "event_log.h"
#include "hex.h"
#include "pcrs.h"
#include "pcr_file.h"
#include "poctool.h"
#include "policy_key.h"
#include "token/token.h"
#include "token/token_authz.h"

#define EVENTLOG_DEFAULT "/sys/kernel/security/tpm0/binary_bios_measurements"
#define EVENTLOG_MAX (16u << 20)
#define REPLACE_MAX 64

/* Opens token label of the configured store; exit code on failure. */
static int open_token(const char *cmd, const char *label, struct poc_token **t)
{
	struct poc_config cfg;
	struct poc_err e = { 0 };

	if (poc_tool_load_config(&cfg) < 0)
		return POC_EXIT_USAGE;
	if (poc_token_open(&e, &cfg, label, t) < 0) {
		poc_tool_warn("%s: %s", cmd, e.msg);
		return poc_tool_exit(e.code, POC_TOOL_OPERATION);
	}
	return POC_EXIT_OK;
}

/* The PCR values to approve: FILE's, or the TPM's current ones of the token's selection. */
static int approve_values(struct poc_token *t, const char *file, struct poc_pcr_file *pf)
{
	struct poc_err e = { 0 };

	if (file != NULL)
		return poc_tool_pcr_file_read(file, pf) < 0 ? POC_EXIT_USAGE : POC_EXIT_OK;
	memset(pf, 0, sizeof(*pf));
	pf->bank = t->meta.pcr_bank;
	pf->mask = t->meta.pcr_mask;
	if (poc_token_pcrs_now(&e, t, pf->bank, pf->mask, pf->vals, &pf->len) < 0) {
		poc_tool_warn("policy approve: the current PCRs: %s", e.msg);
		return poc_tool_exit(e.code, POC_TOOL_OPERATION);
	}
	return POC_EXIT_OK;
}

static int approve_usage(void)
{
	printf("Usage: poctool policy approve --token TOKEN --key PRIV.pem|pkcs11:URI [--pcrs FILE]\n"
	       "                              [--bundle BUNDLE --policy POLICY [--nonce HEX --nonce-time MS]\n"
	       "                               [--verifier-key KEY.pem]]\n\n"
	       "Signs, with the token's policy key, an approved PCR policy for the verifier key\n"
	       "and every object of a token made with --pcr-policy signed: PolicyPCR over these\n"
	       "values and PolicyNV(the token's epoch counter == its current value). FILE has\n"
	       "\"bank:index hex\" lines (what `policy predict` writes); without it, the TPM's\n"
	       "current values of the token's PCRs. With --bundle (from `poctool attest` on the\n"
	       "machine), the bundle is first appraised under POLICY, and only its quoted PCRs\n"
	       "are approved, only if the appraisal is affirming, as for a release: give the\n"
	       "nonce you passed to `poctool attest --nonce` and when you made it (Unix ms), or\n"
	       "freshness stays unverified and nothing is approved; --verifier-key: the key you\n"
	       "made the bundle's credential challenge with (`evidence challenge`, then `attest\n"
	       "--credential`), where no AK certificate endorses the vTPM (docs/updates.md).\n"
	       "Several approvals stay valid at once; an object sealed after an approval needs\n"
	       "`policy approve` again. The PCRs approved must cover the token's (its bank, all\n"
	       "its PCRs). --key: a PEM private key or a pkcs11: URI (its PIN in\n"
	       "$POC_POLICY_KEY_PIN, a pin-source= file or at the prompt, never pin-value=).\n");
	return POC_EXIT_OK;
}

int poc_cmd_policy_approve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "token", required_argument, NULL, 't' }, { "key", required_argument, NULL, 'k' },
		{ "pcrs", required_argument, NULL, 'r' }, { "bundle", required_argument, NULL, 'b' },
		{ "policy", required_argument, NULL, 'p' }, { "nonce", required_argument, NULL, 'n' },
		{ "nonce-time", required_argument, NULL, 'T' }, { "verifier-key", required_argument, NULL, 'V' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *token = NULL, *key = NULL, *pcrs = NULL, *bundle = NULL, *policy = NULL;
	struct poc_tool_recovery rec = { NULL, NULL, NULL, NULL, NULL };
	struct poc_pcr_file pf;
	struct poc_token *t = NULL;
	struct poc_err e = { 0 };
	EVP_PKEY *priv = NULL;
	char name[40];
	uint64_t epoch = 0;
	int c, rv;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't': token = optarg; break;
		case 'k': key = optarg; break;
		case 'r': pcrs = optarg; break;
		case 'b': bundle = optarg; break;
		case 'p': policy = optarg; break;
		case 'n': rec.nonce_hex = optarg; break;
		case 'T': rec.nonce_time = optarg; break;
		case 'V': rec.verifier_key = optarg; break;
		case 'h': return approve_usage();
		default: return POC_EXIT_USAGE;
		}
	}
	if (poc_tool_missing("policy approve", (const char *const[]){ "--token", "--key" },
			     (const char *const[]){ token, key }, 2) < 0 || optind != argc)
		return POC_EXIT_USAGE;
	if ((bundle != NULL) != (policy != NULL) || (bundle != NULL && pcrs != NULL)) {
		poc_tool_warn("policy approve: --bundle goes with --policy, and not with --pcrs");
		return POC_EXIT_USAGE;
	}
	if ((rv = open_token("policy approve", token, &t)) != POC_EXIT_OK)
		return rv;
	rec.bundle = bundle;
	rec.policy = policy;
	rv = bundle != NULL ? poc_tool_bundle_pcrs(&rec, t->meta.pcr_bank, t->meta.pcr_mask, &pf)
			    : approve_values(t, pcrs, &pf);
	if (rv == POC_EXIT_OK && (priv = poc_tool_policy_priv(key)) == NULL)
		rv = POC_EXIT_USAGE;
	if (rv == POC_EXIT_OK) {
		if (poc_token_approve(&e, t, pf.bank, pf.mask, pf.vals, pf.len, priv, name, &epoch) < 0) {
			poc_tool_warn("policy approve: %s", e.msg);
			rv = poc_tool_exit(e.code, POC_TOOL_OPERATION);
		} else {
			printf("approved %s (epoch %llu) for token \"%s\"\n", name, (unsigned long long)epoch, token);
		}
	}
	EVP_PKEY_free(priv);
	poc_token_close(t);
	return rv;
}

/* "PCR:OLD:NEW" (hex digests of the bank's size) into s. */
static int parse_replace(const char *arg, size_t dlen, struct poc_evlog_subst *s)
{
	struct poc_err e = { 0 };
	const char *c1 = strchr(arg, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	char *end;
	unsigned long pcr = strtoul(arg, &end, 10);
	size_t n1 = 0, n2 = 0;

	memset(s, 0, sizeof(*s));
	if (c1 == NULL || c2 == NULL || end != c1 || end == arg || pcr >= POC_PCR_COUNT ||
	    poc_hex_decode(&e, c1 + 1, (size_t)(c2 - c1 - 1), s->old_digest, sizeof(s->old_digest), &n1) < 0 ||
	    poc_hex_decode(&e, c2 + 1, strlen(c2 + 1), s->new_digest, sizeof(s->new_digest), &n2) < 0 || n1 != dlen ||
	    n2 != dlen) {
		poc_tool_warn("policy predict: --replace \"%s\" is not PCR:OLD_DIGEST:NEW_DIGEST (%zu-byte hex digests)", arg,
			      dlen);
		return -1;
	}
	s->pcr = (uint32_t)pcr;
	return 0;
}

/* Replays log with subs into pf (the token's bank and PCRs). */
static int predict(const char *path, struct poc_evlog_subst *subs, size_t n, struct poc_pcr_file *pf)
{
	struct poc_evlog log;
	struct poc_pcr_bank bank;
	struct poc_err e = { 0 };
	size_t len = 0, dlen = poc_tpm_alg_digest_len(pf->bank);
	uint8_t *buf = poc_tool_read_file(path, EVENTLOG_MAX, &len);
	int rv = POC_EXIT_USAGE;

	memset(&log, 0, sizeof(log));
	if (buf == NULL)
		return POC_EXIT_USAGE;
	if (poc_evlog_parse(&e, buf, len, &log) < 0 || poc_evlog_predict(&e, &log, pf->bank, subs, n, &bank) < 0) {
		poc_tool_warn("policy predict: %s: %s", path, e.msg);
		rv = poc_tool_exit(e.code, POC_TOOL_OPERATION);
	} else {
		pf->len = 0;
		for (unsigned i = 0; i < POC_PCR_COUNT; i++)
			if (pf->mask & (1u << i)) {
				memcpy(pf->vals + pf->len, bank.v[i], dlen);
				pf->len += dlen;
			}
		rv = POC_EXIT_OK;
	}
	poc_evlog_free(&log);
	free(buf);
	return rv;
}

int poc_cmd_policy_predict(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "token", required_argument, NULL, 't' }, { "eventlog", required_argument, NULL, 'l' },
		{ "replace", required_argument, NULL, 'r' }, { "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *token = NULL, *log = EVENTLOG_DEFAULT, *out = NULL, *repl[REPLACE_MAX];
	struct poc_evlog_subst subs[REPLACE_MAX];
	struct poc_pcr_file pf;
	struct poc_token *t = NULL;
	size_t n = 0;
	int c, rv;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 't': token = optarg; break;
		case 'l': log = optarg; break;
		case 'o': out = optarg; break;
		case 'r':
			if (n == REPLACE_MAX) {
				poc_tool_warn("policy predict: at most %d --replace", REPLACE_MAX);
				return POC_EXIT_USAGE;
			}
			repl[n++] = optarg;
			break;
		case 'h':
			printf("Usage: poctool policy predict --token TOKEN [--eventlog FILE]\n"
			       "                              --replace PCR:OLD_DIGEST:NEW_DIGEST ... -o FILE\n\n"
			       "Predicts the PCRs of the next boot: replays the TCG event log (default\n"
			       "%s) in the token's bank with each\n"
			       "event of PCR whose digest is OLD_DIGEST counted as NEW_DIGEST (the Authenticode\n"
			       "digest of a new shim, boot loader or kernel for PCR 4, ...), and writes the\n"
			       "token's PCRs as \"bank:index hex\" lines for `policy approve --pcrs`. A\n"
			       "--replace that matches no event is an error.\n", EVENTLOG_DEFAULT);
			return POC_EXIT_OK;
		default: return POC_EXIT_USAGE;
		}
	}
	if (poc_tool_missing("policy predict", (const char *const[]){ "--token", "-o" },
			     (const char *const[]){ token, out }, 2) < 0 || optind != argc)
		return POC_EXIT_USAGE;
	if ((rv = open_token("policy predict", token, &t)) != POC_EXIT_OK)
		return rv;
	memset(&pf, 0, sizeof(pf));
	pf.bank = t->meta.pcr_bank;
	pf.mask = t->meta.pcr_mask;
	poc_token_close(t);
	for (size_t i = 0; i < n; i++)
		if (parse_replace(repl[i], poc_tpm_alg_digest_len(pf.bank), &subs[i]) < 0)
			return POC_EXIT_USAGE;
	rv = predict(log, subs, n, &pf);
	if (rv == POC_EXIT_OK && poc_tool_pcr_file_write(out, &pf) < 0)
		rv = POC_EXIT_USAGE;
	return rv;
}

/* One approval: its name, epoch (current or revoked), PCRs and the objects it covers. */
static void print_approval(const struct poc_approval *a, uint64_t epoch)
{
	const char *bank = poc_tpm_alg_name(a->bank);
	char name[40];

	poc_approval_name(a, name);
	printf("%s: epoch %llu (%s), %s:", name, (unsigned long long)a->epoch,
	       a->epoch == epoch ? "valid" : "revoked", bank != NULL ? bank : "?");
	for (unsigned p = 0, first = 1; p < POC_PCR_COUNT; p++)
		if (a->mask & (1u << p)) {
			printf("%s%u", first ? "" : ",", p);
			first = 0;
		}
	printf(", %zu objects, created %llu\n", a->nsigs, (unsigned long long)a->created);
}

int poc_cmd_policy_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "token", required_argument, NULL, 't' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *token = NULL;
	struct poc_approval *list = NULL;
	struct poc_token *t = NULL;
	struct poc_err e = { 0 };
	uint64_t epoch = 0;
	size_t n = 0, bad = 0;
	int c, rv;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 't') {
			token = optarg;
			continue;
		}
		if (c != 'h')
			return POC_EXIT_USAGE;
		printf("Usage: poctool policy list --token TOKEN\n\n"
		       "Prints the token's policy key epoch (its counter in the TPM) and each stored\n"
		       "approval: its epoch (valid, or revoked by a later `policy revoke`), PCRs and\n"
		       "how many objects it signs for. Approvals whose signature or content does not\n"
		       "check are counted as refused.\n");
		return POC_EXIT_OK;
	}
	if (poc_tool_missing("policy list", (const char *const[]){ "--token" }, (const char *const[]){ token }, 1) < 0 ||
	    optind != argc)
		return POC_EXIT_USAGE;
	if ((rv = open_token("policy list", token, &t)) != POC_EXIT_OK)
		return rv;
	if (poc_token_epoch(&e, t, &epoch) < 0 || poc_token_approvals(&e, t->authz, &list, &n, &bad) < 0) {
		poc_tool_warn("policy list: %s", e.msg);
		rv = poc_tool_exit(e.code, POC_TOOL_OPERATION);
	} else {
		printf("token \"%s\": signed PCR policy, epoch %llu (NV index 0x%08x), %zu approvals, %zu refused\n", token,
		       (unsigned long long)epoch, (unsigned)t->authz->nv.handle, n, bad);
		for (size_t i = 0; i < n; i++)
			print_approval(&list[i], epoch);
	}
	for (size_t i = 0; i < n; i++)
		poc_approval_free(&list[i]);
	free(list);
	poc_token_close(t);
	return rv;
}

int poc_cmd_policy_revoke(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "token", required_argument, NULL, 't' }, { "key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *token = NULL, *key = NULL;
	struct poc_token *t = NULL;
	struct poc_err e = { 0 };
	EVP_PKEY *priv = NULL;
	uint64_t epoch = 0;
	int c, rv;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't': token = optarg; break;
		case 'k': key = optarg; break;
		case 'h':
			printf("Usage: poctool policy revoke --token TOKEN --key PRIV.pem|pkcs11:URI\n\n"
			       "Increments the token's epoch counter in the TPM (NV_Increment, authorized by\n"
			       "a PolicySigned of the policy key over the TPM's nonce): every approval signed\n"
			       "so far stops opening anything, at any PCR values. Approve again afterwards.\n");
			return POC_EXIT_OK;
		default: return POC_EXIT_USAGE;
		}
	}
	if (poc_tool_missing("policy revoke", (const char *const[]){ "--token", "--key" },
			     (const char *const[]){ token, key }, 2) < 0 || optind != argc)
		return POC_EXIT_USAGE;
	if ((rv = open_token("policy revoke", token, &t)) != POC_EXIT_OK)
		return rv;
	if ((priv = poc_tool_policy_priv(key)) == NULL) {
		rv = POC_EXIT_USAGE;
	} else if (poc_token_revoke(&e, t, priv, &epoch) < 0) {
		poc_tool_warn("policy revoke: %s", e.msg);
		rv = poc_tool_exit(e.code, POC_TOOL_OPERATION);
	} else {
		printf("token \"%s\": epoch %llu; every earlier approval is revoked\n", token, (unsigned long long)epoch);
	}
	EVP_PKEY_free(priv);
	poc_token_close(t);
	return rv;
}
