/* SPDX-License-Identifier: Apache-2.0 */
/* poctool eventlog show: the events of a TCG event log (or CCEL log), decoded, and its replay. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "event_log.h"
#include "hex.h"
#include "poctool.h"

#define EVENTLOG_FILE_MAX (16u << 20)

static void usage(FILE *f)
{
	fprintf(f, "Usage: poctool eventlog show FILE [--replay]\n\n"
		   "Prints each event of a TCG crypto-agile event log (binary_bios_measurements,\n"
		   "or a CCEL log): index, PCR (or CC measurement register), type, decoded data.\n"
		   "  --replay   also print the PCR values the log replays to, per bank\n");
}

int poc_cmd_eventlog_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "replay", no_argument, NULL, 'r' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	struct poc_err e = { 0 };
	struct poc_evlog log;
	uint8_t *buf;
	size_t len, i, k;
	int c, replay = 0, rv = POC_EXIT_USAGE;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h': usage(stdout); return POC_EXIT_OK;
		case 'r': replay = 1; break;
		default: usage(stderr); return POC_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return POC_EXIT_USAGE;
	}
	buf = poc_tool_read_file(argv[optind], EVENTLOG_FILE_MAX, &len);
	if (buf == NULL)
		return POC_EXIT_USAGE;
	if (poc_evlog_parse(&e, buf, len, &log) < 0) {
		poc_tool_warn("%s: %s", argv[optind], e.msg);
		free(buf);
		return POC_EXIT_USAGE;
	}
	printf("%s: %zu events, banks", argv[optind], log.nevents);
	for (k = 0; k < log.nalgs; k++)
		printf(" %s", poc_tpm_alg_name(log.algs[k]) ? poc_tpm_alg_name(log.algs[k]) : "?");
	printf("\n");
	for (i = 0; i < log.nevents; i++) {
		char desc[256];

		poc_evlog_describe(&log.ev[i], desc, sizeof(desc));
		printf("%4zu  PCR %2u  %s\n", i, log.ev[i].pcr, desc);
	}
	rv = POC_EXIT_OK;
	for (k = 0; replay && k < log.nalgs; k++) {
		struct poc_pcr_bank bank;
		size_t dlen = poc_tpm_alg_digest_len(log.algs[k]);
		char hex[2 * POC_DIGEST_MAX + 1];

		if (dlen == 0)
			continue;
		memset(&bank, 0, sizeof(bank));
		poc_err_clear(&e);
		if (poc_evlog_replay(&e, &log, log.algs[k], &bank) < 0) {
			poc_tool_warn("replay %s: %s", poc_tpm_alg_name(log.algs[k]), e.msg);
			rv = POC_EXIT_DENIED;
			continue;
		}
		printf("replay %s:\n", poc_tpm_alg_name(log.algs[k]));
		for (unsigned j = 0; j < POC_PCR_COUNT; j++) {
			if (!(bank.mask & (1u << j)))
				continue;
			poc_hex_encode(bank.v[j], dlen, hex);
			printf("  %2u %s\n", j, hex);
		}
	}
	poc_evlog_free(&log);
	free(buf);
	return rv;
}
