/* SPDX-License-Identifier: Apache-2.0 */
/*
 * poctool pin change | pin unlock | delete | token delete | token reinit:
 * a token's lifecycle (README "Lifecycle", docs/pin.md), over
 * module/token/token_rekey.c and token_life.c.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/pkcs11.h>

#include "commands.h"
#include "config/configuration.h"
#include "poctool.h"
#include "token/token.h"
#include "token/token_pin.h"

/* The options every lifecycle command takes. */
struct life {
	const char *cmd, *token, *label, *type;
	int so;
	struct poc_tool_pin pin, so_pin, new_pin;
};

static const struct option life_opts[] = {
	{ "token", required_argument, NULL, 't' },	  { "label", required_argument, NULL, 'l' },
	{ "type", required_argument, NULL, 'y' },	  { "so", no_argument, NULL, 's' },
	{ "pin", required_argument, NULL, 'P' },	  { "pin-file", required_argument, NULL, 'F' },
	{ "so-pin", required_argument, NULL, 'S' },	  { "so-pin-file", required_argument, NULL, 'G' },
	{ "new-pin", required_argument, NULL, 'N' },	  { "new-pin-file", required_argument, NULL, 'M' },
	{ "help", no_argument, NULL, 'h' },		  { NULL, 0, NULL, 0 },
};

/* Parses argv into l; 1: --help printed, 0: go on, -1: usage error (said). */
static int life_parse(struct life *l, int argc, char **argv, const char *usage)
{
	int c;

	l->so_pin = (struct poc_tool_pin){ .env = "POC_SO_PIN", .opt = "so-pin", .what = "SO PIN" };
	l->new_pin = (struct poc_tool_pin){ .env = "POC_NEW_PIN", .opt = "new-pin", .what = "new PIN" };
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", life_opts, NULL)) != -1) {
		switch (c) {
		case 't': l->token = optarg; break;
		case 'l': l->label = optarg; break;
		case 'y': l->type = optarg; break;
		case 's': l->so = 1; break;
		case 'P': l->pin.arg = optarg; break;
		case 'F': l->pin.file = optarg; break;
		case 'S': l->so_pin.arg = optarg; break;
		case 'G': l->so_pin.file = optarg; break;
		case 'N': l->new_pin.arg = optarg; break;
		case 'M': l->new_pin.file = optarg; break;
		case 'h': fputs(usage, stdout); return 1;
		default: return -1;
		}
	}
	if (optind != argc) {
		poc_tool_warn("%s: unexpected argument \"%s\" (see poctool %s --help)", l->cmd, argv[optind], l->cmd);
		return -1;
	}
	return poc_tool_missing(l->cmd, (const char *const[]){ "--token" }, (const char *const[]){ l->token }, 1);
}

static void life_wipe(struct life *l)
{
	poc_tool_pin_wipe(&l->pin);
	poc_tool_pin_wipe(&l->so_pin);
	poc_tool_pin_wipe(&l->new_pin);
}

/* The token of l, opened; exit code on failure (said). */
static int life_open(struct life *l, struct poc_token **t)
{
	struct poc_config cfg;
	struct poc_err e = { 0 };

	*t = NULL;
	if (poc_tool_load_config(&cfg) < 0)
		return POC_EXIT_USAGE;
	if (poc_token_open(&e, &cfg, l->token, t) < 0) {
		poc_tool_warn("%s: %s", l->cmd, e.msg);
		return poc_tool_exit(e.code, POC_TOOL_OPERATION);
	}
	return POC_EXIT_OK;
}

/* A failed operation's exit code: a wrong or locked PIN is 1 (counted by the TPM). */
static int life_fail(const struct life *l, const struct poc_err *e)
{
	poc_tool_warn("%s: %s", l->cmd, e->msg);
	return e->code == POC_ERR_AUTH || e->code == POC_ERR_LOCKED ? POC_EXIT_DENIED : poc_tool_exit(e->code, POC_TOOL_OPERATION);
}

/*
 * Runs op on the token of argv with the PIN it needs: who 0 the user's (the
 * SO's with --so), 1 the SO's, 2 the SO's when the token has an SO.
 */
static int life_run(int argc, char **argv, const char *cmd, const char *usage, int who,
		    int (*op)(struct life *, struct poc_token *, const char *, struct poc_err *))
{
	struct life l = { .cmd = cmd };
	struct poc_token *t = NULL;
	struct poc_err e = { 0 };
	const char *pin = NULL;
	int rv = life_parse(&l, argc, argv, usage);

	if (rv != 0)
		return rv > 0 ? POC_EXIT_OK : POC_EXIT_USAGE;
	rv = life_open(&l, &t);
	if (rv != POC_EXIT_OK)
		goto done;
	l.so = who == 1 || (who == 0 && l.so) || (who == 2 && t->meta.so_nv != 0);
	if (l.so) {
		rv = poc_tool_pin_read(cmd, &l.so_pin, 1, &pin) < 0 ? POC_EXIT_USAGE : POC_EXIT_OK;
	} else {
		rv = poc_tool_pin_given(cmd, t, &l.pin, &pin) < 0 ? POC_EXIT_USAGE : POC_EXIT_OK;
	}
	if (rv == POC_EXIT_OK)
		rv = op(&l, t, pin, &e) < 0 ? life_fail(&l, &e) : POC_EXIT_OK;
done:
	life_wipe(&l);
	poc_token_close(t);
	return rv;
}

static int op_change(struct life *l, struct poc_token *t, const char *pin, struct poc_err *e)
{
	const char *npin = NULL;

	if (l->so) /* no TPM path changes it without an uncounted oracle (docs/pin.md "The Security Officer") */
		return poc_err_set(e, POC_ERR_ARG, "the SO PIN of token \"%s\" does not change: re-create the token "
				   "to have another one", t->meta.label);
	if (poc_tool_pin_read(l->cmd, &l->new_pin, 1, &npin) < 0)
		return poc_err_set(e, POC_ERR_ARG, "no new PIN");
	if (strlen(npin) > POC_TOOL_PIN_MAX)
		return poc_err_set(e, POC_ERR_ARG, "the new PIN is longer than %d bytes", POC_TOOL_PIN_MAX);
	if (poc_token_pin_change(e, t, (const uint8_t *)pin, pin ? strlen(pin) : 0, (const uint8_t *)npin, strlen(npin)) < 0)
		return -1;
	printf("the PIN of token \"%s\" is changed\n", t->meta.label);
	return 0;
}

int poc_cmd_pin_change(int argc, char **argv)
{
	return life_run(argc, argv, "pin change",
			"Usage: poctool pin change --token TOKEN [--pin PIN | --pin-file FILE]\n"
			"                          [--new-pin PIN | --new-pin-file FILE]\n"
			"       poctool pin change --token TOKEN --so [--so-pin PIN | --so-pin-file FILE]\n"
			"                          [--new-pin PIN | --new-pin-file FILE]\n\n"
			"Changes the user PIN (C_SetPIN): a new PIN counter in the TPM, every object of the\n"
			"token and its verifier key re-sealed to it, then one rename switches the token\n"
			"folder; a crash at any point leaves the old or the new PIN working, never neither,\n"
			"and the old counter is deleted only after the switch. With --so: refused, the SO\n"
			"PIN does not change (no TPM path for it keeps its counter; re-create the token).\n"
			"The new PIN: --new-pin, --new-pin-file,\n"
			"$POC_NEW_PIN or a prompt. Exit 1: the (SO) PIN is wrong or locked (a counted\n"
			"try).\n" POC_TOOL_PIN_HELP,
			0, op_change);
}

static int op_unlock(struct life *l, struct poc_token *t, const char *so_pin, struct poc_err *e)
{
	(void)l;
	if (poc_token_pin_unlock(e, t, (const uint8_t *)so_pin, strlen(so_pin)) < 0)
		return -1;
	printf("the PIN of token \"%s\" is unlocked (its tries start again from 0)\n", t->meta.label);
	return 0;
}

int poc_cmd_pin_unlock(int argc, char **argv)
{
	return life_run(argc, argv, "pin unlock",
			"Usage: poctool pin unlock --token TOKEN [--so-pin PIN | --so-pin-file FILE]\n\n"
			"The SO lifts the lock of the user PIN after too many wrong tries (C_InitPIN):\n"
			"the TPM sets the user PIN's counter back to 0 through a branch of its policy\n"
			"that needs the SO PIN (counted on the SO's own counter). The user PIN stays the\n"
			"same: the SO cannot set another one, since every object is sealed to the user\n"
			"PIN and the SO never opens one (docs/pin.md). The SO PIN: --so-pin,\n"
			"--so-pin-file, $POC_SO_PIN or a prompt. Exit 1: wrong or locked SO PIN.\n",
			1, op_unlock);
}

/* --type as a class: ~0ul when absent, -1 said. */
static int class_of(const char *type, unsigned long *class)
{
	static const struct { const char *name; unsigned long class; } types[] = {
		{ "data", CKO_DATA }, { "cert", CKO_CERTIFICATE }, { "private", CKO_PRIVATE_KEY }, { "secret", CKO_SECRET_KEY },
	};

	*class = ~0ul;
	for (size_t i = 0; type != NULL && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(types[i].name, type) == 0) {
			*class = types[i].class;
			return 0;
		}
	if (type == NULL)
		return 0;
	poc_tool_warn("delete: --type is data, cert, private or secret, not \"%s\"", type);
	return -1;
}

static int op_delete(struct life *l, struct poc_token *t, const char *pin, struct poc_err *e)
{
	unsigned long class;
	size_t gone = 0;

	if (l->label == NULL || class_of(l->type, &class) < 0)
		return poc_err_set(e, POC_ERR_ARG, "give --label (and --type data|cert|private|secret)");
	if (poc_token_delete_object(e, t, l->label, class, (const uint8_t *)pin, pin ? strlen(pin) : 0, &gone) < 0)
		return -1;
	printf("deleted %zu object%s labelled \"%s\" from token \"%s\"\n", gone, gone == 1 ? "" : "s", l->label,
	       t->meta.label);
	return 0;
}

int poc_cmd_delete(int argc, char **argv)
{
	return life_run(argc, argv, "delete",
			"Usage: poctool delete --token TOKEN --label NAME [--type data|cert|private|secret]\n"
			"                      [--pin PIN | --pin-file FILE]\n\n"
			"Deletes the objects labelled NAME (a key and its certificate; only those of --type\n"
			"when given) and their last records. A token's PIN is tried first (counted), as\n"
			"C_DestroyObject needs a login. Exit 1: wrong or locked PIN; 2: no such object.\n"
			POC_TOOL_PIN_HELP,
			0, op_delete);
}

static int op_token_delete(struct life *l, struct poc_token *t, const char *pin, struct poc_err *e)
{
	(void)l;
	if (poc_token_destroy(e, t, (const uint8_t *)pin, pin ? strlen(pin) : 0) < 0)
		return -1;
	printf("token \"%s\" deleted (its folder and its PIN counters in the TPM)\n", t->meta.label);
	return 0;
}

int poc_cmd_token_delete(int argc, char **argv)
{
	return life_run(argc, argv, "token delete",
			"Usage: poctool token delete --token TOKEN [--so-pin PIN | --so-pin-file FILE]\n"
			"                            [--pin PIN | --pin-file FILE]\n\n"
			"Deletes a token: its NV indexes in the TPM (the user and SO PIN counters, each\n"
			"checked by name first: never another's) and its folder with every object. Needs\n"
			"the SO PIN when the token has one, else its user PIN (if any). The EK and AK that\n"
			"init made persistent are shared by every token of the TPM and stay.\n",
			2, op_token_delete);
}

static int op_reinit(struct life *l, struct poc_token *t, const char *so_pin, struct poc_err *e)
{
	size_t gone = 0;

	(void)l;
	if (poc_token_reinit(e, t, (const uint8_t *)so_pin, strlen(so_pin), &gone) < 0)
		return -1;
	printf("token \"%s\" re-initialised: %zu object%s destroyed\n", t->meta.label, gone, gone == 1 ? "" : "s");
	return 0;
}

int poc_cmd_token_reinit(int argc, char **argv)
{
	return life_run(argc, argv, "token reinit",
			"Usage: poctool token reinit --token TOKEN [--so-pin PIN | --so-pin-file FILE]\n\n"
			"What C_InitToken does: the SO (PIN counted) destroys every object of the token.\n"
			"The token's Proof-of-Cloud policy, its keys and its PINs stay (docs/pin.md).\n",
			1, op_reinit);
}
