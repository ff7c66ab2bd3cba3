/* SPDX-License-Identifier: Apache-2.0 */
/* poctool sim init | quote: a simulated TDX platform for tests without TDX hardware. */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "hex.h"
#include "poctool.h"
#include "sim/tdx_sim.h"
#include "sim_boot.h"

/* Exactly n bytes of hex (n == 0: up to max, zero padded by the caller). */
static int hex_arg(const char *opt, const char *hex, uint8_t *out, size_t exact, size_t max, size_t *got)
{
	struct poc_err e = { 0 };
	size_t n = 0;

	if (poc_hex_decode(&e, hex, strlen(hex), out, max, &n) < 0) {
		poc_tool_warn("%s: %s", opt, e.msg);
		return -1;
	}
	if (exact && n != exact) {
		poc_tool_warn("%s: %zu bytes, want %zu", opt, n, exact);
		return -1;
	}
	if (got != NULL)
		*got = n;
	return 0;
}

static void init_usage(FILE *f)
{
	fprintf(f,
		"Usage: poctool sim init DIR [--mrtd HEX] [--debug]\n\n"
		"Creates DIR, a simulated TDX platform: a test SGX root CA, PCK platform CA and\n"
		"PCK certificate (random PPID and PIID, FMSPC %s), a QE attestation key, DCAP\n"
		"collateral in DIR/collateral, an Intel POE token for its PIID (DIR/poe.cbor,\n"
		"owner %s) signed by a test endorser (DIR/poe_endorser.pem), and\n"
		"DIR/policy-fragment.json, a policy that trusts this sim (and nothing else), its\n"
		"platform endorsed by PPID and by that POE token (platforms.allow, platforms.poe).\n"
		"Quotes from it verify only under that policy; with tee = sim:DIR the module puts\n"
		"the POE token in its evidence. Its QE reports carry Intel's TD QE identity\n"
		"(MRSIGNER, ISVPRODID 2) and its collateral is signed by an \"Intel SGX TCB\n"
		"Signing\" certificate of the test root, so the verifier checks them exactly as\n"
		"it checks Intel's.\n\n"
		"  --mrtd HEX   the TD's MRTD (48 bytes; default: random)\n"
		"  --debug      quotes say the TD runs in DEBUG mode\n\n"
		"Exit 0: created. 2: usage, or DIR could not be created.\n",
		POC_SIM_FMSPC_HEX, POC_SIM_POE_OWNER);
}

int poc_cmd_sim_init(int argc, char **argv)
{
	enum { O_MRTD = 256, O_DEBUG };
	static const struct option opts[] = {
		{ "mrtd", required_argument, NULL, O_MRTD }, { "debug", no_argument, NULL, O_DEBUG },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	uint8_t mrtd[48], ppid[16], piid[16];
	char hex[97], abs[PATH_MAX];
	struct poc_err e = { 0 };
	int c, debug = 0, have_mrtd = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h': init_usage(stdout); return POC_EXIT_OK;
		case O_MRTD:
			if (hex_arg("--mrtd", optarg, mrtd, 48, sizeof(mrtd), NULL) < 0)
				return POC_EXIT_USAGE;
			have_mrtd = 1;
			break;
		case O_DEBUG: debug = 1; break;
		default: init_usage(stderr); return POC_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		init_usage(stderr);
		return POC_EXIT_USAGE;
	}
	if (poc_sim_init(&e, argv[optind], have_mrtd ? mrtd : NULL, debug) < 0 ||
	    poc_sim_info(&e, argv[optind], ppid, piid, mrtd, &debug) < 0) {
		poc_tool_warn("%s", e.msg);
		return POC_EXIT_USAGE;
	}
	if (realpath(argv[optind], abs) == NULL)
		snprintf(abs, sizeof(abs), "%s", argv[optind]);
	printf("sim: %s\n", abs);
	poc_hex_encode(ppid, 16, hex);
	printf("  ppid: %s\n", hex);
	poc_hex_encode(piid, 16, hex);
	printf("  piid: %s\n", hex);
	poc_hex_encode(mrtd, 48, hex);
	printf("  mrtd: %s%s\n", hex, debug ? " (DEBUG)" : "");
	printf("  poe: %s/%s (owner %s, endorser %s/poe_endorser.pem)\n", abs, POC_TEE_SIM_POE_FILE, POC_SIM_POE_OWNER, abs);
	printf("  policy: %s/policy-fragment.json\n", abs);
	return POC_EXIT_OK;
}

static void quote_usage(FILE *f)
{
	fprintf(f,
		"Usage: poctool sim quote DIR --report-data HEX [--rtmr N:HEX]... [--ccel FILE] [--mr-owner HEX] -o FILE\n\n"
		"Writes a TDX quote (v4) from the simulated platform in DIR.\n\n"
		"  --report-data HEX   REPORTDATA, up to 64 bytes, zero padded (with binding\n"
		"                      \"none\", the verifier's nonce)\n"
		"  --rtmr N:HEX        RTMR N (0-3), 48 bytes; repeatable; default zeros\n"
		"  --ccel FILE         RTMR0-3 as this CCEL event log replays them (sim boot)\n"
		"  --mr-owner HEX      MR_OWNER, 48 bytes (GCE writes the SHA-384 of its instance's PZID)\n"
		"  -o, --out FILE      the quote to write\n\n"
		"Exit 0: written. 2: usage, or DIR is not a sim.\n");
}

int poc_cmd_sim_quote(int argc, char **argv)
{
	enum { O_RD = 256, O_RTMR, O_CCEL, O_OWNER };
	static const struct option opts[] = {
		{ "report-data", required_argument, NULL, O_RD }, { "rtmr", required_argument, NULL, O_RTMR },
		{ "ccel", required_argument, NULL, O_CCEL }, { "mr-owner", required_argument, NULL, O_OWNER },
		{ "out", required_argument, NULL, 'o' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	uint8_t rd[64] = { 0 }, rtmr[4][48], owner[48], *q = NULL;
	struct poc_err e = { 0 };
	const char *out = NULL;
	size_t len = 0;
	int c, have_rd = 0, have_owner = 0, rv = POC_EXIT_USAGE;

	memset(rtmr, 0, sizeof(rtmr));
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'h': quote_usage(stdout); return POC_EXIT_OK;
		case 'o': out = optarg; break;
		case O_RD:
			if (hex_arg("--report-data", optarg, rd, 0, sizeof(rd), NULL) < 0)
				return POC_EXIT_USAGE;
			have_rd = 1;
			break;
		case O_RTMR:
			if (optarg[0] < '0' || optarg[0] > '3' || optarg[1] != ':') {
				poc_tool_warn("--rtmr: \"%s\" is not N:HEX with N 0-3", optarg);
				return POC_EXIT_USAGE;
			}
			if (hex_arg("--rtmr", optarg + 2, rtmr[optarg[0] - '0'], 48, 48, NULL) < 0)
				return POC_EXIT_USAGE;
			break;
		case O_CCEL:
			if (poc_sim_ccel_rtmrs(optarg, rtmr) < 0)
				return POC_EXIT_USAGE;
			break;
		case O_OWNER:
			if (hex_arg("--mr-owner", optarg, owner, 48, 48, NULL) < 0)
				return POC_EXIT_USAGE;
			have_owner = 1;
			break;
		default: quote_usage(stderr); return POC_EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || out == NULL || !have_rd) {
		quote_usage(stderr);
		return POC_EXIT_USAGE;
	}
	if (poc_tee_sim_quote_owner(&e, argv[optind], rd, (const uint8_t (*)[48])rtmr, have_owner ? owner : NULL, &q,
				    &len) < 0) {
		poc_tool_warn("%s", e.msg);
		return POC_EXIT_USAGE;
	}
	if (poc_tool_write_file(out, q, len) == 0)
		rv = POC_EXIT_OK;
	free(q);
	return rv;
}
