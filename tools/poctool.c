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
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static int is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: poctool COMMAND [ARGS]   (poctool COMMAND --help for each)\n"
		   "       poctool help [COMMAND]   poctool --version\n\n"
		   "Proof-of-Cloud tooling for poc-pkcs11. Exit codes: 0 success, 1 denied or\n"
		   "failed check (a wrong or locked PIN too), 2 usage or input error, 3 the TPM or\n"
		   "TEE is unreachable, busy or failing (nothing decided: try again; docs/module.md).\n\nCommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-18s %s\n", commands[i].name, commands[i].summary);
}

/* The length of a two-word command's first word when it is group, else 0. */
static size_t group_len(const char *name, const char *group)
{
	const char *sp = strchr(name, ' ');
	size_t n = sp != NULL ? (size_t)(sp - name) : 0;

	return n > 0 && strncmp(name, group, n) == 0 && group[n] == '\0' ? n : 0;
}

/* Lists a group's subcommands; 0 when group is not one. */
static int group_usage(FILE *f, const char *group)
{
	int found = 0;

	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (group_len(commands[i].name, group) == 0)
			continue;
		if (!found)
			fprintf(f, "Usage: poctool %s SUBCOMMAND [ARGS]   (poctool %s SUBCOMMAND --help for each)\n\n"
				   "Subcommands:\n", group, group);
		found = 1;
		fprintf(f, "  %-18s %s\n", commands[i].name, commands[i].summary);
	}
	return found;
}

/* argv[0] is a command word: runs it, or lists a group's subcommands. */
static int dispatch(int argc, char **argv)
{
	int group = 0;

	/* Two-word commands ("evidence verify") first, then one-word ones. */
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const char *name = commands[i].name;
		size_t n = group_len(name, argv[0]);

		if (n > 0) {
			group = 1;
			if (argc >= 2 && strcmp(argv[1], name + n + 1) == 0)
				return commands[i].run(argc - 1, argv + 1);
		} else if (strchr(name, ' ') == NULL && strcmp(argv[0], name) == 0) {
			return commands[i].run(argc, argv);
		}
	}
	if (group && argc >= 2 && is_help(argv[1])) {
		group_usage(stdout, argv[0]);
		return POC_EXIT_OK;
	}
	if (group && argc < 2)
		fprintf(stderr, "poctool: \"%s\" needs a subcommand\n\n", argv[0]);
	else
		fprintf(stderr, "poctool: unknown command \"%s%s%s\"\n\n", argv[0], argc >= 2 ? " " : "",
			argc >= 2 ? argv[1] : "");
	if (!group || !group_usage(stderr, argv[0]))
		usage(stderr);
	return POC_EXIT_USAGE;
}

/* poctool help [COMMAND...]: the list, or COMMAND --help. */
static int help(int argc, char **argv)
{
	char *args[4];

	if (argc < 2) {
		usage(stdout);
		return POC_EXIT_OK;
	}
	if (argc > 3) {
		fprintf(stderr, "poctool: help takes at most a command of two words\n");
		return POC_EXIT_USAGE;
	}
	args[0] = argv[1];
	args[1] = argc == 3 ? argv[2] : (char *)"--help";
	args[2] = argc == 3 ? (char *)"--help" : NULL;
	args[3] = NULL;
	return dispatch(argc, args);
}

int main(int argc, char **argv)
{
	/* tpm2-tss logs every malformed input on stderr; our errors already say what failed. */
	if (setenv("TSS2_LOG", "all+NONE", 0) < 0)
		return POC_EXIT_USAGE;
	if (argc < 2) {
		fprintf(stderr, "poctool: missing command\n\n");
		usage(stderr);
		return POC_EXIT_USAGE;
	}
	if (is_help(argv[1])) {
		usage(stdout);
		return POC_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)
		return poc_cmd_version(argc - 1, argv + 1);
	if (strcmp(argv[1], "help") == 0)
		return help(argc - 1, argv + 1);
	return dispatch(argc - 1, argv + 1);
}
