/* SPDX-License-Identifier: Apache-2.0 */
/* poctool sim boot: a simulated TD boot's CCEL event log (sim/tdx_sim_boot.h), and its replay for sim quote --ccel. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccel.h"
#include "commands.h"
#include "event_log.h"
#include "hex.h"
#include "poctool.h"
#include "sim/tdx_sim_boot.h"
#include "sim_boot.h"

#define CCEL_MAX (1u << 20)

int poc_sim_ccel_rtmrs(const char *path, uint8_t rtmr[4][48])
{
	struct poc_err e = { 0 };
	struct poc_evlog log;
	size_t len = 0;
	uint8_t *buf = poc_tool_read_file(path, CCEL_MAX, &len);
	int rv = -1;

	if (buf == NULL)
		return -1;
	if (poc_evlog_parse(&e, buf, len, &log) < 0 || poc_ccel_replay(&e, &log, rtmr) < 0)
		poc_tool_warn("--ccel %s: %s", path, e.msg);
	else
		rv = 0;
	poc_evlog_free(&log);
	free(buf);
	return rv;
}

static void boot_usage(FILE *f)
{
	fprintf(f,
		"Usage: poctool sim boot -o FILE [--uki-digest HEX] [--cmdline TEXT] [--secure-boot on|off]\n\n"
		"Writes the CCEL event log (SHA-384) of a simulated TD boot: firmware events and\n"
		"the SecureBoot variable in RTMR0, the UKI as a boot application in RTMR1, its\n"
		"command line in RTMR2. `poctool sim quote DIR --ccel FILE` quotes the RTMRs it\n"
		"replays to; `evidence pack --ccel-log FILE` carries it.\n\n"
		"  --uki-digest HEX     the UKI's Authenticode digest (SHA-384, 48 bytes)\n"
		"  --cmdline TEXT       the kernel command line (e.g. with roothash=HEX)\n"
		"  --secure-boot on|off the SecureBoot variable (default on)\n"
		"  -o, --out FILE       the log to write\n\n"
		"Exit 0: written. 2: usage.\n");
}

int poc_cmd_sim_boot(int argc, char **argv)
{
	enum { O_UKI = 256, O_CMD, O_SB };
	static const struct option opts[] = {
		{ "uki-digest", required_argument, NULL, O_UKI }, { "cmdline", required_argument, NULL, O_CMD },
		{ "secure-boot", required_argument, NULL, O_SB }, { "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	struct poc_sim_boot b = { 1, NULL, NULL };
	struct poc_err e = { 0 };
	uint8_t uki[48], *log = NULL;
	const char *out = NULL;
	size_t len = 0, got = 0;
	int c, rv = POC_EXIT_USAGE;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'h': boot_usage(stdout); return POC_EXIT_OK;
		case 'o': out = optarg; break;
		case O_CMD: b.cmdline = optarg; break;
		case O_UKI:
			if (poc_hex_decode(&e, optarg, strlen(optarg), uki, sizeof(uki), &got) < 0 || got != 48) {
				poc_tool_warn("--uki-digest: 48 bytes of hex (a SHA-384 Authenticode digest)");
				return POC_EXIT_USAGE;
			}
			b.uki_digest = uki;
			break;
		case O_SB:
			if (strcmp(optarg, "on") != 0 && strcmp(optarg, "off") != 0) {
				poc_tool_warn("--secure-boot: on or off, not \"%s\"", optarg);
				return POC_EXIT_USAGE;
			}
			b.secure_boot = strcmp(optarg, "on") == 0;
			break;
		default: boot_usage(stderr); return POC_EXIT_USAGE;
		}
	}
	if (optind != argc || out == NULL) {
		boot_usage(stderr);
		return POC_EXIT_USAGE;
	}
	if (poc_sim_boot_log(&e, &b, &log, &len) < 0) {
		poc_tool_warn("%s", e.msg);
		return POC_EXIT_USAGE;
	}
	if (poc_tool_write_file(out, log, len) == 0)
		rv = POC_EXIT_OK;
	free(log);
	return rv;
}
