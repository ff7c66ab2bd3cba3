/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where poctool takes a PIN from (poctool.h, struct poc_tool_pin): --pin
 * (argv: visible in ps, kept for compatibility), --pin-file FILE (its first
 * line), the environment (POC_PIN for the user PIN, POC_SO_PIN for the SO
 * PIN), or a prompt on the controlling terminal without echo. In that order:
 * the first one given wins.
 */
#include "config.h"
#include "poctool.h"
#include "token/token.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

/* The first line of a PIN file (no newline), at most POC_TOOL_PIN_MAX bytes. */
static int pin_from_file(const char *cmd, const char *path, struct poc_tool_pin *p)
{
	size_t len = 0;
	uint8_t *buf = poc_tool_read_file(path, POC_TOOL_PIN_MAX + 2, &len);
	size_t n;

	if (buf == NULL)
		return -1;
	for (n = 0; n < len && buf[n] != '\n' && buf[n] != '\r'; n++)
		;
	if (n == 0 || n > POC_TOOL_PIN_MAX || memchr(buf, '\0', n) != NULL) {
		OPENSSL_cleanse(buf, len);
		free(buf);
		poc_tool_warn("%s: %s: the first line must hold the PIN (1..%d bytes)", cmd, path, POC_TOOL_PIN_MAX);
		return -1;
	}
	memcpy(p->buf, buf, n);
	p->buf[n] = '\0';
	OPENSSL_cleanse(buf, len);
	free(buf);
	return 0;
}

/* A prompt on /dev/tty with echo off; -1 without a terminal (said nothing) or on errors (said why). */
static int pin_from_tty(const char *cmd, const char *what, struct poc_tool_pin *p, int *no_tty)
{
	struct termios old, raw;
	FILE *tty = fopen("/dev/tty", "r+");
	size_t n;
	int rv = -1;

	*no_tty = 0;
	/* Only for a person at the terminal: stdin a terminal too (a script's poctool never waits for one). */
	if (tty == NULL || !isatty(STDIN_FILENO) || tcgetattr(fileno(tty), &old) != 0) {
		if (tty != NULL)
			fclose(tty);
		*no_tty = 1;
		return -1;
	}
	raw = old;
	raw.c_lflag &= ~(tcflag_t)ECHO;
	raw.c_lflag |= ECHONL;
	/* Echo off first, then the prompt: TCSAFLUSH drops what was typed before it. */
	if (tcsetattr(fileno(tty), TCSAFLUSH, &raw) != 0) {
		poc_tool_warn("%s: cannot turn the terminal's echo off: %s", cmd, strerror(errno));
		fclose(tty);
		return -1;
	}
	fprintf(tty, "%s: %s: ", cmd, what);
	fflush(tty);
	if (fgets(p->buf, sizeof(p->buf), tty) != NULL) {
		n = strcspn(p->buf, "\r\n");
		p->buf[n] = '\0';
		rv = n > 0 ? 0 : -1;
		if (rv < 0)
			poc_tool_warn("%s: an empty %s", cmd, what);
	}
	(void)tcsetattr(fileno(tty), TCSANOW, &old);
	fclose(tty);
	return rv;
}

int poc_tool_pin_read(const char *cmd, struct poc_tool_pin *p, int needed, const char **pin)
{
	const char *env = getenv(p->env != NULL ? p->env : "POC_PIN");
	const char *what = p->what != NULL ? p->what : "PIN";
	int no_tty = 0;

	*pin = NULL;
	if (p->arg != NULL) {
		*pin = p->arg;
		return 0;
	}
	if (p->file != NULL) {
		if (pin_from_file(cmd, p->file, p) < 0)
			return -1;
		*pin = p->buf;
		return 0;
	}
	if (env != NULL && env[0] != '\0') {
		*pin = env;
		return 0;
	}
	if (!needed)
		return 0;
	if (pin_from_tty(cmd, what, p, &no_tty) == 0) {
		*pin = p->buf;
		return 0;
	}
	if (no_tty)
		poc_tool_warn("%s: a %s is needed: give it with --%s, --%s-file FILE, $%s or on a terminal", cmd, what,
			      p->opt != NULL ? p->opt : "pin", p->opt != NULL ? p->opt : "pin",
			      p->env != NULL ? p->env : "POC_PIN");
	return -1;
}

int poc_tool_pin_given(const char *cmd, const struct poc_token *t, struct poc_tool_pin *p, const char **pin)
{
	/* A usage error, decided before any try the TPM would count; a forged has_pin is caught by the check. */
	if (poc_tool_pin_read(cmd, p, t->meta.has_pin, pin) < 0)
		return -1;
	if (!t->meta.has_pin && *pin != NULL && p->arg == NULL && p->file == NULL)
		*pin = NULL; /* $POC_PIN set for other tokens: this one has none */
	return 0;
}

void poc_tool_pin_wipe(struct poc_tool_pin *p)
{
	OPENSSL_cleanse(p->buf, sizeof(p->buf));
}
