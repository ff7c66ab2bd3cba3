/* SPDX-License-Identifier: Apache-2.0 */
/* The configuration file: a strict `key = value` parser and a small loader. */
#include "config/configuration.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* tee/'s paths are configuration values: set_str's limit is theirs. */
_Static_assert(POC_TEE_PATH_MAX == POC_CONFIG_VALUE_MAX, "tee paths are config values");

enum cfg_key {
	K_STORE, K_TCTI, K_TEE, K_POLICY, K_COLLATERAL, K_RELEASE, K_TTL, K_LOG, K_LOG_LEVEL, K_TPM_TIMEOUT,
	K_VERIFIER, K_VERIFIER_KEY, K_VERIFIER_TLS_PIN, K_VERIFIER_CAFILE, K_VERIFIER_TIMEOUT, K_VERIFIER_INSECURE, K_COUNT
};

static const char *const key_names[K_COUNT] = {
	"store", "tcti", "tee", "policy", "collateral", "release", "ttl", "log", "log_level", "tpm_timeout_ms",
	"verifier", "verifier_key", "verifier_tls_pin", "verifier_cafile", "verifier_timeout_ms", "verifier_insecure_http",
};

const char *poc_config_log_str(enum poc_config_log l)
{
	switch (l) {
	case POC_LOG_STDERR: return "stderr";
	case POC_LOG_SYSLOG: return "syslog";
	case POC_LOG_FILE: return "file";
	}
	return "?";
}

const char *poc_config_level_str(enum poc_config_level l)
{
	switch (l) {
	case POC_LOG_ERROR: return "error";
	case POC_LOG_WARN: return "warn";
	case POC_LOG_INFO: return "info";
	case POC_LOG_DEBUG: return "debug";
	}
	return "?";
}

void poc_config_defaults(struct poc_config *out)
{
	memset(out, 0, sizeof(*out));
	strcpy(out->store, POC_STORE_DEFAULT);
	strcpy(out->tcti, "device:/dev/tpmrm0");
	poc_tee_defaults(&out->tee); /* tdx, collateral POC_COLLATERAL_DEFAULT */
	strcpy(out->policy, POC_POLICY_DEFAULT);
	out->release_first_use = 0;
	out->ttl = 3600;
	out->log = POC_LOG_STDERR;
	out->log_level = POC_LOG_WARN;
	out->tpm_timeout_ms = 30000; /* POC_TPM_TIMEOUT_DEFAULT_MS (tpm/tpm.h) */
	out->verifier_timeout_ms = 10000;
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int bad(struct poc_err *e, size_t line, const char *key, const char *why, const char *val)
{
	return poc_err_set(e, POC_ERR_MALFORMED, "config line %zu: key \"%s\": %s, not \"%s\"", line, key, why, val);
}

static int set_str(struct poc_err *e, size_t line, const char *key, char *dst, const char *val)
{
	size_t n = strlen(val);

	if (n >= POC_CONFIG_VALUE_MAX)
		return poc_err_set(e, POC_ERR_MALFORMED, "config line %zu: key \"%s\": value longer than %d bytes", line,
				   key, POC_CONFIG_VALUE_MAX - 1);
	memcpy(dst, val, n + 1);
	return 0;
}

static int parse_ttl(struct poc_err *e, size_t line, const char *val, uint64_t *out)
{
	uint64_t v = 0;
	const char *p;

	for (p = val; *p; p++) {
		if (*p < '0' || *p > '9' || v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return bad(e, line, "ttl", "must be a positive number of seconds", val);
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v == 0)
		return bad(e, line, "ttl", "must be a positive number of seconds", val);
	*out = v;
	return 0;
}

/* The remote verifier's keys (docs/pocd.md "The module as a client"). */
static int apply_verifier(struct poc_err *e, size_t line, enum cfg_key k, const char *val, struct poc_config *c)
{
	uint64_t ms;

	if (k == K_VERIFIER) {
		if (strncmp(val, "https://", 8) != 0 && strncmp(val, "http://", 7) != 0)
			return bad(e, line, "verifier", "must be an https:// (or, with verifier_insecure_http, http://) URL", val);
		return set_str(e, line, "verifier", c->verifier, val);
	}
	if (k == K_VERIFIER_KEY)
		return set_str(e, line, "verifier_key", c->verifier_key, val);
	if (k == K_VERIFIER_TLS_PIN) {
		if (strncmp(val, "sha256//", 8) != 0)
			return bad(e, line, "verifier_tls_pin", "must be sha256//BASE64 (curl's pinned public key)", val);
		return set_str(e, line, "verifier_tls_pin", c->verifier_tls_pin, val);
	}
	if (k == K_VERIFIER_CAFILE)
		return set_str(e, line, "verifier_cafile", c->verifier_cafile, val);
	if (k == K_VERIFIER_TIMEOUT) {
		if (parse_ttl(e, line, val, &ms) < 0 || ms > INT32_MAX) {
			poc_err_clear(e);
			return bad(e, line, "verifier_timeout_ms", "must be a positive number of milliseconds", val);
		}
		c->verifier_timeout_ms = (uint32_t)ms;
		return 0;
	}
	if (strcmp(val, "yes") != 0 && strcmp(val, "no") != 0) /* K_VERIFIER_INSECURE */
		return bad(e, line, "verifier_insecure_http", "must be yes or no", val);
	c->verifier_insecure_http = strcmp(val, "yes") == 0;
	return 0;
}

/* Applies one key = value to c; val is a NUL-terminated, trimmed, non-empty string. */
static int apply(struct poc_err *e, size_t line, enum cfg_key k, const char *val, struct poc_config *c)
{
	switch (k) {
	case K_STORE: return set_str(e, line, "store", c->store, val);
	case K_TCTI: return set_str(e, line, "tcti", c->tcti, val);
	case K_POLICY: return set_str(e, line, "policy", c->policy, val);
	case K_COLLATERAL: return set_str(e, line, "collateral", c->tee.collateral, val);
	case K_TEE: {
		struct poc_err scratch = { 0 };

		/* Parsed once, by tee/ (never printed back into a string). */
		if (strncmp(val, "sim:", 4) == 0 && strlen(val + 4) >= sizeof(c->tee.sim_path))
			return set_str(e, line, "tee", c->tee.sim_path, val + 4); /* names the limit */
		if (poc_tee_parse(&scratch, val, &c->tee) < 0)
			return bad(e, line, "tee", "must be tdx, sim:/path or none", val);
		return 0;
	}
	case K_RELEASE:
		if (strcmp(val, "login") == 0)
			c->release_first_use = 0;
		else if (strcmp(val, "first-use") == 0)
			c->release_first_use = 1;
		else
			return bad(e, line, "release", "must be login or first-use", val);
		return 0;
	case K_TTL: return parse_ttl(e, line, val, &c->ttl);
	case K_TPM_TIMEOUT: {
		uint64_t ms;

		if (parse_ttl(e, line, val, &ms) < 0 || ms > INT32_MAX) {
			poc_err_clear(e);
			return bad(e, line, "tpm_timeout_ms", "must be a positive number of milliseconds", val);
		}
		c->tpm_timeout_ms = (uint32_t)ms;
		return 0;
	}
	case K_LOG:
		if (strcmp(val, "stderr") == 0) {
			c->log = POC_LOG_STDERR;
		} else if (strcmp(val, "syslog") == 0) {
			c->log = POC_LOG_SYSLOG;
		} else if (val[0] == '/') {
			c->log = POC_LOG_FILE;
			return set_str(e, line, "log", c->log_path, val);
		} else {
			return bad(e, line, "log", "must be stderr, syslog or an absolute /path", val);
		}
		return 0;
	case K_LOG_LEVEL:
		if (strcmp(val, "error") == 0)
			c->log_level = POC_LOG_ERROR;
		else if (strcmp(val, "warn") == 0)
			c->log_level = POC_LOG_WARN;
		else if (strcmp(val, "info") == 0)
			c->log_level = POC_LOG_INFO;
		else if (strcmp(val, "debug") == 0)
			c->log_level = POC_LOG_DEBUG;
		else
			return bad(e, line, "log_level", "must be error, warn, info or debug", val);
		return 0;
	case K_VERIFIER:
	case K_VERIFIER_KEY:
	case K_VERIFIER_TLS_PIN:
	case K_VERIFIER_CAFILE:
	case K_VERIFIER_TIMEOUT:
	case K_VERIFIER_INSECURE:
		return apply_verifier(e, line, k, val, c);
	case K_COUNT:
		break;
	}
	return poc_err_set(e, POC_ERR_ARG, "config line %zu: internal key %d", line, (int)k);
}

/* One line (no '\n'), already split off the text. */
static int parse_line(struct poc_err *e, size_t lineno, const char *s, size_t n, struct poc_config *c,
		      unsigned *seen)
{
	char key[32], *val;
	size_t i, ks, ke, vs, ve;
	int k, rv;

	/* Cut the comment: '#' at the start or after whitespace. */
	for (i = 0; i < n; i++) {
		if (s[i] == '#' && (i == 0 || is_ws(s[i - 1])))
			break;
	}
	n = i;
	for (ks = 0; ks < n && is_ws(s[ks]); ks++)
		;
	if (ks == n)
		return 0; /* blank or comment-only */
	for (ke = ks; ke < n && s[ke] != '=' && !is_ws(s[ke]); ke++)
		;
	for (i = ke; i < n && is_ws(s[i]); i++)
		;
	if (ke - ks >= sizeof(key)) {
		return poc_err_set(e, POC_ERR_MALFORMED, "config line %zu: key \"%.*s...\" is unknown", lineno, 16,
				   s + ks);
	}
	memcpy(key, s + ks, ke - ks);
	key[ke - ks] = '\0';
	if (i == n || s[i] != '=')
		return poc_err_set(e, POC_ERR_MALFORMED, "config line %zu: key \"%s\": expected \"key = value\"", lineno,
				   key);
	for (k = 0; k < K_COUNT; k++)
		if (strcmp(key, key_names[k]) == 0)
			break;
	if (k == K_COUNT)
		return poc_err_set(e, POC_ERR_MALFORMED, "config line %zu: key \"%s\" is unknown", lineno, key);
	if (*seen & (1u << k))
		return poc_err_set(e, POC_ERR_MALFORMED, "config line %zu: key \"%s\" is set twice", lineno, key);
	*seen |= 1u << k;
	for (vs = i + 1; vs < n && is_ws(s[vs]); vs++)
		;
	for (ve = n; ve > vs && is_ws(s[ve - 1]); ve--)
		;
	if (ve == vs)
		return poc_err_set(e, POC_ERR_MALFORMED, "config line %zu: key \"%s\" has no value", lineno, key);
	val = malloc(ve - vs + 1);
	if (val == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "config line %zu", lineno);
	memcpy(val, s + vs, ve - vs);
	val[ve - vs] = '\0';
	rv = apply(e, lineno, (enum cfg_key)k, val, c);
	free(val);
	return rv;
}

int poc_config_parse(struct poc_err *e, const char *text, size_t len, struct poc_config *out)
{
	size_t pos = 0, lineno = 0;
	unsigned seen = 0;

	poc_config_defaults(out);
	if (text == NULL && len > 0)
		return poc_err_set(e, POC_ERR_ARG, "config: no text");
	if (len > POC_CONFIG_FILE_MAX)
		return poc_err_set(e, POC_ERR_MALFORMED, "config: %zu bytes is larger than %u", len, POC_CONFIG_FILE_MAX);
	if (len > 0 && memchr(text, '\0', len) != NULL) {
		const char *z = memchr(text, '\0', len);
		size_t i, l = 1;

		for (i = 0; i < (size_t)(z - text); i++)
			l += text[i] == '\n';
		return poc_err_set(e, POC_ERR_MALFORMED, "config line %zu: contains a NUL byte", l);
	}
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

		lineno++;
		if (parse_line(e, lineno, text + pos, n, out, &seen) < 0) {
			poc_config_defaults(out);
			return -1;
		}
		pos += n + (nl != NULL);
	}
	return 0;
}

int poc_config_load(struct poc_err *e, struct poc_config *out)
{
	const char *env = getenv(POC_CONFIG_ENV);
	int from_env = env != NULL && env[0] != '\0';
	const char *path = from_env ? env : POC_CONFIG_DEFAULT_PATH;
	char *buf = NULL;
	size_t n = 0;
	FILE *f;
	int rv = -1;

	poc_config_defaults(out);
	f = fopen(path, "rb");
	if (f == NULL) {
		if (errno == ENOENT && !from_env)
			return 0;
		return poc_err_set(e, POC_ERR_ARG, "config %s: %s", path, strerror(errno));
	}
	buf = malloc(POC_CONFIG_FILE_MAX + 1);
	if (buf == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "config %s", path);
		goto done;
	}
	n = fread(buf, 1, POC_CONFIG_FILE_MAX + 1, f);
	if (ferror(f)) {
		poc_err_set(e, POC_ERR_ARG, "config %s: read error", path);
		goto done;
	}
	if (n > POC_CONFIG_FILE_MAX) {
		poc_err_set(e, POC_ERR_MALFORMED, "config %s: larger than %u bytes", path, POC_CONFIG_FILE_MAX);
		goto done;
	}
	if (poc_config_parse(e, buf, n, out) < 0) {
		poc_err_prefix(e, "%s: ", path);
		goto done;
	}
	rv = 0;
done:
	free(buf);
	fclose(f);
	return rv;
}
