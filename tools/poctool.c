/* SPDX-License-Identifier: Apache-2.0 */
/* poctool: the operator's CLI. A table of subcommands, one file per family (wireguard-tools). */
#include "poctool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

static const struct poc_cmd commands[] = {
#define POC_CMD(name, summary, fn) { name, summary, fn },
#include "commands.def"
#undef POC_CMD
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: poctool COMMAND [ARGS]   (poctool COMMAND --help for each)\n\n"
		   "Proof-of-Cloud tooling for poc-pkcs11. Exit codes: 0 success, 1 denied or\n"
		   "failed check (a wrong or locked PIN too), 2 usage or input error, 3 the TPM or\n"
		   "TEE is unreachable, busy or failing (nothing decided: try again; docs/module.md).\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-18s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
	/* tpm2-tss logs every malformed input on stderr; our errors already say what failed. */
	if (setenv("TSS2_LOG", "all+NONE", 0) < 0)
		return POC_EXIT_USAGE;
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? POC_EXIT_USAGE : POC_EXIT_OK;
	}
	/* Two-word commands ("evidence verify") first, then one-word ones. */
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const char *name = commands[i].name, *sp = strchr(name, ' ');

		if (sp != NULL) {
			size_t n = (size_t)(sp - name);

			if (argc >= 3 && strncmp(argv[1], name, n) == 0 && argv[1][n] == '\0' &&
			    strcmp(argv[2], sp + 1) == 0)
				return commands[i].run(argc - 2, argv + 2);
		} else if (strcmp(argv[1], name) == 0) {
			return commands[i].run(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "poctool: unknown command \"%s%s%s\"\n\n", argv[1], argc >= 3 ? " " : "",
		argc >= 3 ? argv[2] : "");
	usage(stderr);
	return POC_EXIT_USAGE;
}
