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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

/* The first line of a PIN file (no newline), at most POC_TOOL_PIN_MAX bytes. */
static int pin_from_file(const char *cmd, const char *path, struct poc_tool_pin *p)
{
	size_t len = 0;
	uint8_t *buf = poc_tool_read_file(path, POC_TOOL_PIN_MAX + 2, &len);
	struct stat st;
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
	/* A warning, not a refusal: the PIN is read, but others may have read it too. */
	if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & (S_IRWXG | S_IRWXO)))
		poc_tool_warn("%s: warning: PIN file %s is accessible by other users (mode %03o): chmod 600 it", cmd, path,
			      (unsigned)(st.st_mode & 0777));
	return 0;
}

/*
 * The terminal's settings while echo is off, put back by a signal that ends
 * poctool at the prompt (Ctrl-C, a kill, a hang-up) before it takes its
 * default action: a PIN prompt never leaves the shell without echo.
 */
static const int tty_signals[] = { SIGINT, SIGTERM, SIGQUIT, SIGHUP };
static struct termios tty_saved;
static volatile sig_atomic_t tty_fd = -1;

static void tty_restore_and_die(int sig)
{
	if (tty_fd >= 0)
		(void)tcsetattr(tty_fd, TCSANOW, &tty_saved); /* async-signal-safe */
	(void)signal(sig, SIG_DFL);
	(void)raise(sig);
}

static void tty_guard(int fd, const struct termios *old, struct sigaction prev[4])
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tty_restore_and_die;
	(void)sigemptyset(&sa.sa_mask);
	tty_saved = *old;
	tty_fd = fd;
	for (size_t i = 0; i < sizeof(tty_signals) / sizeof(tty_signals[0]); i++)
		if (sigaction(tty_signals[i], &sa, &prev[i]) != 0)
			(void)sigemptyset(&prev[i].sa_mask);
}

static void tty_unguard(const struct sigaction prev[4])
{
	for (size_t i = 0; i < sizeof(tty_signals) / sizeof(tty_signals[0]); i++)
		(void)sigaction(tty_signals[i], &prev[i], NULL);
	tty_fd = -1;
}

/* A prompt on /dev/tty with echo off; -1 without a terminal (said nothing) or on errors (said why). */
static int pin_from_tty(const char *cmd, const char *what, struct poc_tool_pin *p, int *no_tty)
{
	struct termios old, raw;
	struct sigaction prev[4];
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
	tty_guard(fileno(tty), &old, prev);
	if (tcsetattr(fileno(tty), TCSAFLUSH, &raw) != 0) {
		poc_tool_warn("%s: cannot turn the terminal's echo off: %s", cmd, strerror(errno));
		tty_unguard(prev);
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
	tty_unguard(prev);
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
