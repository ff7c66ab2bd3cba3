/* SPDX-License-Identifier: Apache-2.0 */
#ifndef POC_POCTOOL_H
#define POC_POCTOOL_H

#include <stddef.h>
#include <stdint.h>

#include "verr.h"

/* Exit codes: the contract of DESIGN.md sections 8-9 (3: docs/module.md "Errors"). */
#define POC_EXIT_OK 0
#define POC_EXIT_DENIED 1
#define POC_EXIT_USAGE 2
#define POC_EXIT_OUTAGE 3 /* the TPM or TEE is unreachable, busy or failing: nothing was decided */

/* Where a failure happened: in a check (its input is evidence or the store's files) or an operation. */
enum poc_tool_ctx {
	POC_TOOL_CHECK = 0,     /* release, evidence verify, record verify */
	POC_TOOL_OPERATION = 1, /* init, seal, keygen, import, attest, ...: the operator's input */
};
/* THE poc_err -> exit code rule (exit_code.c). */
int poc_tool_exit(enum poc_verr code, enum poc_tool_ctx ctx);

struct poc_cmd {
	const char *name;    /* "evidence verify" */
	const char *summary; /* one line for the top-level --help */
	int (*run)(int argc, char **argv);
};

/* Reads a whole file (at most max bytes) into a new buffer; prints why on failure. */
uint8_t *poc_tool_read_file(const char *path, size_t max, size_t *len);
/* Writes a whole file atomically enough for a CLI (write, fsync, rename). */
int poc_tool_write_file(const char *path, const uint8_t *buf, size_t len);
/* Prints "poctool: ..." to stderr. */
void poc_tool_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
struct poc_config;
/* Loads $POC_PKCS11_CONF or SYSCONFDIR/poc-pkcs11/poc-pkcs11.conf; prints why on failure. */
int poc_tool_load_config(struct poc_config *cfg);
struct poc_token;
/*
 * A PIN's sources (pin_input.c): --pin ARG (argv, for compatibility),
 * --pin-file FILE (its first line), the environment variable env (NULL:
 * POC_PIN; the SO PIN: POC_SO_PIN), a prompt on the terminal without echo.
 * opt names the option in messages ("pin", "so-pin"), what the PIN ("PIN").
 */
#define POC_TOOL_PIN_MAX 128
struct poc_tool_pin {
	const char *arg, *file, *env, *opt, *what;
	char buf[POC_TOOL_PIN_MAX + 2];
};
/* *pin from p's sources; needed: prompt when none is given (-1, said why, without a terminal). */
int poc_tool_pin_read(const char *cmd, struct poc_tool_pin *p, int needed, const char **pin);
/* The same for token t (needed when it has a PIN): -1 is a usage error (exit 2), before any try is counted. */
int poc_tool_pin_given(const char *cmd, const struct poc_token *t, struct poc_tool_pin *p, const char **pin);
void poc_tool_pin_wipe(struct poc_tool_pin *p);
/* The --help lines about a PIN's sources. */
#define POC_TOOL_PIN_HELP                                                                                              \
	"The PIN: --pin PIN (visible to other users in ps), --pin-file FILE (its first line),\n"                    \
	"$POC_PIN, or a prompt on the terminal (no echo), in that order.\n"
/* -1 (said why, exit 2) when t holds an object of class labelled label, unless force (then t accepts it). */
int poc_tool_label_free(const char *cmd, struct poc_token *t, unsigned long class, const char *label, int force);
/* -1 (said "CMD: missing OPT, OPT") when any vals[i] is NULL, opts[i] naming it; else 0. */
int poc_tool_missing(const char *cmd, const char *const *opts, const char *const *vals, size_t n);
/* True when argv holds -h or --help. */
int poc_tool_wants_help(int argc, char **argv);

#endif
