/* SPDX-License-Identifier: Apache-2.0 */
/*
 * poctool init | seal | release | attest: the operator's token commands
 * (DESIGN.md section 9), over module/token/token.c. list and show, which read a
 * token, are cmd_show.c.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <p11-kit/pkcs11.h>
#include <tss2/tss2_tpm2_types.h>

#include "bundle.h"
#include "commands.h"
#include "config/configuration.h"
#include "hex.h"
#include "pcrs.h"
#include "poctool.h"
#include "record.h"
#include "record_file.h"
#include "token/token.h"
#include "token/token_pin.h"
#include "tpm/tpm.h"
#include "evidence/evidence.h"
#include "tpm/tpm_keys.h"
#include "policy_key.h"

#define SECRET_IN_MAX (1u << 20)

/* "sha256:0,1,2" -> bank and mask. */
static int parse_pcrs(const char *spec, uint16_t *bank, uint32_t *mask)
{
	const char *colon = strchr(spec, ':');
	char name[16];
	const char *p;

	if (colon == NULL || (size_t)(colon - spec) >= sizeof(name))
		goto bad;
	memcpy(name, spec, (size_t)(colon - spec));
	name[colon - spec] = '\0';
	if (poc_tpm_alg_from_name(name, bank) < 0)
		goto bad;
	*mask = 0;
	for (p = colon + 1; *p;) {
		char *end;
		long i = strtol(p, &end, 10);

		if (end == p || i < 0 || i >= POC_PCR_COUNT || (*end != ',' && *end != '\0'))
			goto bad;
		*mask |= 1u << i;
		p = *end == ',' ? end + 1 : end;
	}
	if (*mask == 0)
		goto bad;
	return 0;
bad:
	poc_tool_warn("--pcrs: \"%s\" is not BANK:INDEX,... (e.g. sha256:0,1,2,3,4,5,6,7,14)", spec);
	return -1;
}

static void init_usage(void)
{
	printf("Usage: poctool init --label TOKEN --policy FILE [--pin PIN | --pin-file FILE]\n"
	       "                    [--so-pin PIN | --so-pin-file FILE] [--pin-tries N]\n"
	       "                    [--pcrs sha256:0,1,2,3,4,5,6,7,14]\n"
	       "                    [--pcr-policy literal|signed --policy-key PUB.pem|pkcs11:URI]\n\n"
	       "Creates a token in the configured store: its Proof-of-Cloud policy (refused\n"
	       "without a providers or platforms clause; the certificates it names are copied\n"
	       "into the token), and a local verifier key sealed to the TPM's current values of\n"
	       "these PCRs (and the PIN), which signs its attestation records; a denial key\n"
	       "sealed to the TPM alone, which signs only denials (so that a check after a PCR\n"
	       "changed still leaves a signed record); and those PCRs' values, so that a denial\n"
	       "names the PCR that changed. Objects of the token are sealed to the same PCRs.\n"
	       "The token's state (token.cbor: policy, the digests of its files, PIN and SRK\n"
	       "fields, keys, a random token id) is signed by the verifier key, and each release\n"
	       "checks that signature with the key the TPM unseals; objects are bound to the\n"
	       "token id. Tokens made before this (no state signature) must be re-created.\n\n"
	       "With --pin, the TPM counts the wrong PINs of the token in an NV index of its\n"
	       "own (TPM_NT_PIN_FAIL, no dictionary-attack implications), whatever tool tries\n"
	       "them; after --pin-tries wrong PINs in a row (default %d, at most %d) it refuses\n"
	       "every PIN, the right one too, until the token's SO resets it (docs/pin.md).\n"
	       "Needs the TPM's owner hierarchy (empty owner authorization).\n\n"
	       "With --so-pin (needs a user PIN), the token has a Security Officer: a PIN\n"
	       "counter of its own (same tries limit) that logs in as CKU_SO, lifts the user\n"
	       "PIN's lock (poctool pin unlock, C_InitPIN), changes the SO PIN and re-creates\n"
	       "the token; it never releases a secret (docs/pin.md).\n"
	       "PINs: --pin/--so-pin (argv), --pin-file/--so-pin-file FILE (first line),\n"
	       "$POC_PIN/$POC_SO_PIN; init never prompts (no PIN: a token without one).\n\n"
	       "--pcr-policy signed (default: literal, the TPM's current values): the verifier\n"
	       "key and the objects are sealed under PolicyAuthorize of the policy key (EC\n"
	       "P-256 or RSA, kept off the machine) and open under any PCR values it approves\n"
	       "(`poctool policy approve`), until `policy revoke` bumps the token's epoch\n"
	       "counter in the TPM (docs/updates.md). Nothing opens before a first approval.\n",
	       POC_PIN_TRIES_DEFAULT, POC_PIN_TRIES_MAX);
}

/* --pcr-policy literal|signed, --policy-key with signed only. */
static int init_pcr_policy(const char *pcr_policy, const char *pkey)
{
	if (strcmp(pcr_policy, "literal") != 0 && strcmp(pcr_policy, "signed") != 0) {
		poc_tool_warn("init: --pcr-policy is literal or signed");
		return -1;
	}
	if ((strcmp(pcr_policy, "signed") == 0) != (pkey != NULL)) {
		poc_tool_warn("init: --pcr-policy signed goes with --policy-key PUB.pem");
		return -1;
	}
	return 0;
}

/* What init's options say. */
struct init_args {
	const char *label, *policy, *tries, *pcr_policy, *pkey;
	struct poc_tool_pin pp, sp;
	uint16_t bank;
	uint32_t mask;
};

/* --pin-tries N into cfg: 0, or -1 (said why). */
static int init_tries(const char *tries, const char *pin, struct poc_config *cfg)
{
	char *end;
	unsigned long n;

	if (tries == NULL)
		return 0;
	n = strtoul(tries, &end, 10);
	if (pin == NULL || *tries < '0' || *tries > '9' || *end != '\0' || n == 0 || n > POC_PIN_TRIES_MAX) {
		poc_tool_warn("init: --pin-tries needs --pin and a number of tries 1..%d", POC_PIN_TRIES_MAX);
		return -1;
	}
	cfg->pin_tries = (uint32_t)n;
	return 0;
}

/* init after its options: the PINs, the configuration, the policy key, the token. */
static int init_run(struct init_args *a)
{
	const char *pin = NULL, *so_pin = NULL;
	struct poc_config cfg;
	struct poc_err e = { 0 };
	uint8_t *spki = NULL;
	size_t spki_len = 0;
	int r;

	if (poc_tool_pin_read("init", &a->pp, 0, &pin) < 0 || poc_tool_pin_read("init", &a->sp, 0, &so_pin) < 0)
		return POC_EXIT_USAGE;
	if (so_pin != NULL && pin == NULL) {
		poc_tool_warn("init: an SO PIN needs a user PIN (--pin, --pin-file or $POC_PIN)");
		return POC_EXIT_USAGE;
	}
	if (init_pcr_policy(a->pcr_policy, a->pkey) < 0 || poc_tool_load_config(&cfg) < 0 ||
	    init_tries(a->tries, pin, &cfg) < 0)
		return POC_EXIT_USAGE;
	if (a->pkey != NULL && (spki = poc_tool_policy_pub(a->pkey, &spki_len)) == NULL)
		return POC_EXIT_USAGE;
	r = poc_token_init_signed(&e, &cfg, a->label, a->policy, (const uint8_t *)pin, pin ? strlen(pin) : 0,
				  (const uint8_t *)so_pin, so_pin ? strlen(so_pin) : 0, a->bank, a->mask, spki, spki_len);
	free(spki);
	if (r < 0) {
		poc_tool_warn("init: %s", e.msg);
		/* The operator's policy file: refused (not a Proof of Cloud, or not valid) is an input error. */
		return e.code == POC_ERR_POLICY ? POC_EXIT_USAGE : poc_tool_exit(e.code, POC_TOOL_OPERATION);
	}
	printf("token \"%s\" created in %s/%s%s\n", a->label, cfg.store, a->label,
	       so_pin != NULL ? " (with an SO PIN)" : "");
	return POC_EXIT_OK;
}

int poc_cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "label", required_argument, NULL, 'l' }, { "policy", required_argument, NULL, 'p' },
		{ "pin", required_argument, NULL, 'P' }, { "pcrs", required_argument, NULL, 'r' },
		{ "pin-tries", required_argument, NULL, 'T' }, { "pin-file", required_argument, NULL, 'F' },
		{ "so-pin", required_argument, NULL, 'S' }, { "so-pin-file", required_argument, NULL, 'G' },
		{ "pcr-policy", required_argument, NULL, 'Y' }, { "policy-key", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	struct init_args a = { .pcr_policy = "literal", .pp = { .arg = NULL },
			       .sp = { .env = "POC_SO_PIN", .opt = "so-pin", .what = "SO PIN" },
			       .bank = TPM2_ALG_SHA256, .mask = POC_TPM_PCR_MASK_DEFAULT /* sha256:0,1,2,3,4,5,6,7,14 */ };
	int c, rv;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l': a.label = optarg; break;
		case 'p': a.policy = optarg; break;
		case 'P': a.pp.arg = optarg; break;
		case 'F': a.pp.file = optarg; break;
		case 'S': a.sp.arg = optarg; break;
		case 'G': a.sp.file = optarg; break;
		case 'T': a.tries = optarg; break;
		case 'Y': a.pcr_policy = optarg; break;
		case 'K': a.pkey = optarg; break;
		case 'r':
			if (parse_pcrs(optarg, &a.bank, &a.mask) < 0)
				return POC_EXIT_USAGE;
			break;
		case 'h':
			init_usage();
			return POC_EXIT_OK;
		default: return POC_EXIT_USAGE;
		}
	}
	if (a.label == NULL || a.policy == NULL || optind != argc) {
		poc_tool_warn("init needs --label and --policy (see --help)");
		return POC_EXIT_USAGE;
	}
	rv = init_run(&a);
	poc_tool_pin_wipe(&a.pp);
	poc_tool_pin_wipe(&a.sp);
	return rv;
}

static void seal_usage(void)
{
	printf("Usage: poctool seal --token TOKEN --label NAME [--in FILE] [--id HEX] [--allow-empty]\n"
	       "                    [--pin PIN | --pin-file FILE] [--force] [--remote KEY_ID]\n\n"
	       "Seals a secret (from stdin by default) as a CKO_DATA object of the token, under\n"
	       "its Proof-of-Cloud policy and PCRs. --pin is needed when the token has one\n"
	       "(without it: exit 2); it is tried first, as a try the TPM counts: a wrong PIN\n"
	       "seals nothing (exit 1). An empty secret (an empty file, a closed stdin) is\n"
	       "refused (exit 2) unless --allow-empty says it is meant. A label the token\n"
	       "already holds is refused (exit 2; pkcs11:object= URIs would pick one of\n"
	       "them) unless --force. --remote KEY_ID: the object's key is also derived from\n"
	       "S_R, the share pocd (the configuration's verifier) holds for KEY_ID: pocd\n"
	       "releases it now, after its own check of this machine, and again at every\n"
	       "release; S_R is never written here (docs/pocd.md). pocd unreachable: exit 3.\n"
	       POC_TOOL_PIN_HELP);
}

/* seal's header (a CKO_DATA object, pocd's key_id when --remote) and the configuration; -1: usage. */
static int seal_header(struct poc_object_header *h, const char *label, const char *id, const char *remote,
		       struct poc_config *cfg)
{
	struct poc_err e = { 0 };

	if (strlen(label) > POC_OBJECT_LABEL_MAX || (id != NULL && poc_hex_decode(&e, id, strlen(id), h->id, sizeof(h->id), &h->id_len) < 0)) {
		poc_tool_warn("seal: bad --label or --id %s", e.msg);
		return -1;
	}
	snprintf(h->label, sizeof(h->label), "%s", label);
	h->class = 0; /* CKO_DATA */
	h->remote = (char *)remote; /* pocd's key_id (store/object.h "remote") */
	if (poc_tool_load_config(cfg) < 0)
		return -1;
	if (remote != NULL && cfg->verifier[0] == '\0') {
		poc_tool_warn("seal --remote needs verifier = URL and verifier_key = FILE in the configuration");
		return -1;
	}
	return 0;
}

int poc_cmd_seal(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "token", required_argument, NULL, 't' }, { "label", required_argument, NULL, 'l' },
		{ "in", required_argument, NULL, 'i' }, { "pin", required_argument, NULL, 'P' },
		{ "pin-file", required_argument, NULL, 'F' }, { "force", no_argument, NULL, 'f' },
		{ "id", required_argument, NULL, 'I' }, { "allow-empty", no_argument, NULL, 'E' },
		{ "remote", required_argument, NULL, 'R' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *token = NULL, *label = NULL, *in = "-", *pin = NULL, *id = NULL, *remote = NULL;
	struct poc_tool_pin pp = { .arg = NULL };
	int allow_empty = 0, force = 0;
	struct poc_object_header h;
	struct poc_config cfg;
	struct poc_token *t = NULL;
	struct poc_err e = { 0 };
	char name[POC_STORE_NAME_MAX];
	uint8_t *secret = NULL;
	size_t len = 0;
	int c, rv = POC_EXIT_USAGE;

	memset(&h, 0, sizeof(h));
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't': token = optarg; break;
		case 'l': label = optarg; break;
		case 'i': in = optarg; break;
		case 'P': pp.arg = optarg; break;
		case 'F': pp.file = optarg; break;
		case 'f': force = 1; break;
		case 'I': id = optarg; break;
		case 'E': allow_empty = 1; break;
		case 'R': remote = optarg; break;
		case 'h':
			seal_usage();
			return POC_EXIT_OK;
		default: return POC_EXIT_USAGE;
		}
	}
	if (token == NULL || label == NULL || optind != argc) {
		poc_tool_warn("seal needs --token and --label (see --help)");
		return POC_EXIT_USAGE;
	}
	if (seal_header(&h, label, id, remote, &cfg) < 0)
		return POC_EXIT_USAGE;
	secret = poc_tool_read_file(in, SECRET_IN_MAX, &len);
	if (secret == NULL)
		return POC_EXIT_USAGE;
	if (len == 0 && !allow_empty) {
		poc_tool_warn("seal: the secret from %s is empty: refused (give --allow-empty if that is meant)",
			      strcmp(in, "-") == 0 ? "stdin" : in);
		free(secret);
		return POC_EXIT_USAGE;
	}
	if (poc_token_open(&e, &cfg, token, &t) < 0) {
		poc_tool_warn("seal: %s", e.msg);
		rv = poc_tool_exit(e.code, POC_TOOL_OPERATION);
	} else if (poc_tool_pin_given("seal", t, &pp, &pin) < 0 || poc_tool_label_free("seal", t, CKO_DATA, label, force) < 0) {
		rv = POC_EXIT_USAGE;
	} else if (poc_token_seal(&e, t, &h, secret, len, (const uint8_t *)pin, pin ? strlen(pin) : 0, name) < 0) {
		poc_tool_warn("seal: %s", e.msg);
		rv = poc_tool_exit(e.code, POC_TOOL_OPERATION);
	} else {
		printf("sealed \"%s\" as %s in token \"%s\"\n", label, name, token);
		rv = POC_EXIT_OK;
	}
	OPENSSL_cleanse(secret, len);
	free(secret);
	poc_tool_pin_wipe(&pp);
	poc_token_close(t);
	return rv;
}

/* Keys stay inside: only CKO_DATA secrets leave the token, for boot scripts. */
static int is_data_secret(struct poc_err *e, struct poc_token *t, const char *name)
{
	struct poc_object_header h;
	uint8_t *buf = NULL;
	size_t blen = 0;
	int data;

	memset(&h, 0, sizeof(h));
	data = poc_store_get(e, t->store, name, &buf, &blen) == 0 && poc_object_parse(e, buf, blen, &h, NULL, NULL) == 0 &&
	       h.class == CKO_DATA;
	poc_object_header_free(&h);
	free(buf);
	return data;
}

/* What poc_token_release returned r, as poctool says it: the secret on stdout, or why not; the exit code. */
static int release_outcome(int r, const struct poc_err *e, const struct poc_appraisal *a, const uint8_t *secret,
			   size_t len)
{
	size_t off = 0;

	if (r < 0 && (e->code == POC_ERR_AUTH || e->code == POC_ERR_LOCKED)) {
		/* Counted by the TPM; e says how many tries are left, or that the PIN is locked and how to recover. */
		poc_tool_warn("release: %s", e->msg);
		return POC_EXIT_DENIED;
	}
	if (r < 0 && poc_tool_exit(e->code, POC_TOOL_CHECK) == POC_EXIT_OUTAGE) {
		/* The TPM or TEE did not answer: nothing was decided, and nothing reads as a denial. */
		poc_tool_warn("release: not checked: %s (%s)", e->msg, poc_strerror(e->code));
		return POC_EXIT_OUTAGE;
	}
	if (r < 0) {
		/*
		 * A denial names its policy clause. A changed PCR, a modified object or
		 * another TPM stop the release before or after the evidence: also denials.
		 */
		if (a->code != POC_OK)
			poc_tool_warn("release denied: %s: %s", a->clause, a->reason);
		else
			poc_tool_warn("release denied: %s", e->msg);
		return poc_tool_exit(e->code, POC_TOOL_CHECK);
	}
	while (off < len) {
		size_t w = fwrite(secret + off, 1, len - off, stdout);

		if (w == 0)
			break;
		off += w;
	}
	return off == len && fflush(stdout) == 0 ? POC_EXIT_OK : POC_EXIT_USAGE;
}

int poc_cmd_release(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "token", required_argument, NULL, 't' }, { "label", required_argument, NULL, 'l' },
		{ "pin", required_argument, NULL, 'P' }, { "pin-file", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *token = NULL, *label = NULL, *pin = NULL;
	struct poc_tool_pin pp = { .arg = NULL };
	struct poc_config cfg;
	struct poc_token *t = NULL;
	struct poc_appraisal a;
	struct poc_err e = { 0 };
	char name[POC_STORE_NAME_MAX];
	uint8_t *secret = NULL;
	size_t len = 0;
	int c, r, rv = POC_EXIT_USAGE;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't': token = optarg; break;
		case 'l': label = optarg; break;
		case 'P': pp.arg = optarg; break;
		case 'F': pp.file = optarg; break;
		case 'h':
			printf("Usage: poctool release --token TOKEN --label NAME [--pin PIN | --pin-file FILE]\n\n"
			       "Runs the Proof-of-Cloud check (evidence from this machine's TPM and TEE, under\n"
			       "the token's policy) and, when it is accepted, writes the secret to stdout.\n"
			       "The attestation record is kept in the token (poctool show). Exit 0 released,\n"
			       "1 denied (the failing clause on stderr; a wrong PIN, counted by the TPM, or a\n"
			       "locked PIN: docs/pin.md), 2 usage or other errors, 3 the TPM or TEE is\n"
			       "unreachable, busy or failing (nothing was decided). A token.cbor not signed by\n"
			       "the token's verifier key is denied as store.state, an object of another token\n"
			       "or policy as store.token_id / store.policy_digest; a token of an older format,\n"
			       "without a state signature, is refused (re-create it).\n" POC_TOOL_PIN_HELP);
			return POC_EXIT_OK;
		default: return POC_EXIT_USAGE;
		}
	}
	if (token == NULL || label == NULL || optind != argc) {
		poc_tool_warn("release needs --token and --label (see --help)");
		return POC_EXIT_USAGE;
	}
	if (poc_tool_load_config(&cfg) < 0)
		return POC_EXIT_USAGE;
	if (poc_token_open(&e, &cfg, token, &t) < 0 || poc_token_find(&e, t, label, name) < 0) {
		poc_tool_warn("release: %s", e.msg);
		goto done;
	}
	if (poc_tool_pin_given("release", t, &pp, &pin) < 0)
		goto done;
	if (!is_data_secret(&e, t, name)) {
		poc_tool_warn("release: \"%s\" is not a CKO_DATA secret: keys are used through the PKCS#11 module, "
			      "never written out%s%s", label, e.msg[0] ? ": " : "", e.msg);
		goto done;
	}
	r = poc_token_release(&e, t, name, (const uint8_t *)pin, pin ? strlen(pin) : 0, &a, &secret, &len);
	rv = release_outcome(r, &e, &a, secret, len);
done:
	poc_tool_pin_wipe(&pp);
	poc_secret_free(secret, len);
	poc_token_close(t);
	return rv;
}

static int attest_usage(void)
{
	printf("Usage: poctool attest -o BUNDLE [--nonce HEX] [--credential CREDFILE]\n\n"
	       "Collects evidence on this machine (TPM quote bound to the nonce with the poc-v1\n"
	       "binding, the TDX quote of the configured tee, DCAP collateral, EK certificate)\n"
	       "into an evidence bundle for `poctool evidence verify`. The TPM quote covers the\n"
	       "sha256 PCRs a token is sealed to by default (0-7, 14). Without --nonce a random\n"
	       "32-byte nonce is used and printed. --credential: a challenge for this machine's\n"
	       "AK (`poctool evidence challenge`, made by whoever appraises the bundle) that the\n"
	       "TPM answers (TPM2_ActivateCredential) into the bundle, so that its EK\n"
	       "certificate endorses the AK (docs/updates.md \"Recovery\").\n");
	return POC_EXIT_OK;
}

int poc_cmd_attest(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' }, { "nonce", required_argument, NULL, 'n' },
		{ "credential", required_argument, NULL, 'c' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *nonce_hex = NULL, *cred = NULL;
	struct poc_collect_opts co;
	struct poc_config cfg;
	struct poc_bundle b;
	struct poc_tpm *tpm = NULL;
	struct poc_err e = { 0 };
	uint8_t nonce[64], *enc = NULL;
	size_t nlen = 32, enc_len = 0;
	int c, rv = POC_EXIT_USAGE;

	memset(&b, 0, sizeof(b));
	memset(&co, 0, sizeof(co));
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'n': nonce_hex = optarg; break;
		case 'c': cred = optarg; break;
		case 'h': return attest_usage();
		default: return POC_EXIT_USAGE;
		}
	}
	if (poc_tool_missing("attest", (const char *const[]){ "-o BUNDLE" }, (const char *const[]){ out }, 1) < 0)
		return POC_EXIT_USAGE;
	if (optind != argc) {
		poc_tool_warn("attest: unexpected argument \"%s\" (see poctool attest --help)", argv[optind]);
		return POC_EXIT_USAGE;
	}
	if (poc_tool_load_config(&cfg) < 0)
		return POC_EXIT_USAGE;
	if (nonce_hex != NULL ? poc_hex_decode(&e, nonce_hex, strlen(nonce_hex), nonce, sizeof(nonce), &nlen) < 0 || nlen == 0
			      : RAND_bytes(nonce, 32) != 1) {
		poc_tool_warn("--nonce: %s", e.msg[0] ? e.msg : "1 to 64 bytes of hex");
		return POC_EXIT_USAGE;
	}
	co.nonce = nonce;
	co.nonce_len = nlen;
	co.tee = &cfg.tee; /* the collector reads its collateral folder too */
	if (cred != NULL && (co.credential = poc_tool_read_file(cred, 1u << 16, &co.credential_len)) == NULL)
		return POC_EXIT_USAGE;
	if (poc_tpm_open(&e, cfg.tcti, &tpm) < 0 || poc_evidence_collect(&e, tpm, &co, &b) < 0) {
		poc_tool_warn("attest: %s", e.msg);
		rv = poc_tool_exit(e.code, POC_TOOL_OPERATION);
		goto done;
	}
	if (poc_bundle_encode(&e, &b, &enc, &enc_len) < 0) {
		poc_tool_warn("attest: %s", e.msg);
		goto done;
	}
	if (poc_tool_write_file(out, enc, enc_len) < 0)
		goto done;
	if (nonce_hex == NULL) {
		char hex[129];

		poc_hex_encode(nonce, nlen, hex);
		printf("nonce %s\n", hex);
	}
	rv = POC_EXIT_OK;
done:
	free(enc);
	free((uint8_t *)co.credential);
	poc_bundle_free(&b);
	poc_tpm_close(tpm);
	return rv;
}
