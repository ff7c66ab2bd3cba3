/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: the boot-event readers of the levels (levels_boot.h) over
 * every event of a crypto-agile log, and the root-hash reader over the input
 * as a command line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event_log.h"
#include "levels_boot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct poc_err e = { 0 };
	struct poc_evlog log;
	char *line = malloc(POC_CMDLINE_MAX), *text = malloc(size + 1);
	uint8_t h[64];
	size_t n;

	if (line != NULL && text != NULL) {
		memcpy(text, data, size);
		text[size] = '\0';
		(void)poc_boot_roothash(text, h, &n);
	}
	if (line != NULL && poc_evlog_parse(&e, data, size, &log) == 0) {
		for (size_t i = 0; i < log.nevents; i++) {
			(void)poc_boot_secure_boot(&log.ev[i]);
			(void)poc_boot_grub_file(&log.ev[i]);
			if (poc_boot_cmdline(&log.ev[i], 0x000c, line, POC_CMDLINE_MAX) ||
			    poc_boot_cmdline(&log.ev[i], 0x000b, line, POC_CMDLINE_MAX))
				(void)poc_boot_roothash(line, h, &n);
		}
		poc_evlog_free(&log);
	}
	free(line);
	free(text);
	return 0;
}
