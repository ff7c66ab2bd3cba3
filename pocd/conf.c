/* SPDX-License-Identifier: Apache-2.0 */
/* pocd.conf: "key = value" lines, "#" comments, unknown keys refused (docs/pocd.md "Configuration"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "pocd.h"

#define CONF_MAX (64 * 1024)

enum kind { STR, INT, SIZE };
struct field {
	const char *name;
	enum kind kind;
	size_t off, size;
	long min, max;
};

#define S(n) { #n, STR, offsetof(struct pocd_conf, n), sizeof(((struct pocd_conf *)0)->n), 0, 0 }
#define I(n, lo, hi) { #n, INT, offsetof(struct pocd_conf, n), sizeof(int), lo, hi }
static const struct field FIELDS[] = {
	S(listen), I(port, 1, 65535), S(database), S(admin_database), S(app_role), S(pkcs11_module),
	S(pkcs11_token), S(pkcs11_pin), S(kek_label), S(signing_key), S(owner_key), S(replica), S(tls_cert), S(tls_key),
	I(threads, 1, 256), I(timeout_s, 1, 600), I(chal_ttl_s, 1, 3600), I(checkpoint_every, 1, 1000000),
	I(rate_ip, 1, 1000000), I(rate_key, 1, 1000000), I(conn_per_ip, 0, 1000000),
	{ "body_max", SIZE, offsetof(struct pocd_conf, body_max), sizeof(size_t), 1024, 64L << 20 },
};

static void defaults(struct pocd_conf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->listen, sizeof(c->listen), "127.0.0.1");
	c->port = 8443;
	snprintf(c->app_role, sizeof(c->app_role), "pocd");
	snprintf(c->kek_label, sizeof(c->kek_label), "pocd-kek");
	snprintf(c->replica, sizeof(c->replica), "pocd-1");
	c->threads = 4;
	c->timeout_s = 10;
	c->chal_ttl_s = 120;
	c->checkpoint_every = 64;
	c->rate_ip = 600;
	c->rate_key = 120;
	c->conn_per_ip = 32;
	c->body_max = 4u << 20;
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

static int set(struct pocd_conf *c, const struct field *f, const char *v)
{
	char *end;
	long n;

	if (f->kind == STR) {
		if (strlen(v) >= f->size)
			return -1;
		memcpy((char *)c + f->off, v, strlen(v) + 1);
		return 0;
	}
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *v == '\0' || *end != '\0' || n < f->min || n > f->max)
		return -1;
	if (f->kind == INT)
		*(int *)((char *)c + f->off) = (int)n;
	else
		*(size_t *)((char *)c + f->off) = (size_t)n;
	return 0;
}

/* One line: 0, or -1 with why printed. */
static int line(struct pocd_conf *c, char *l, const char *path, int lineno)
{
	char *eq, *k, *v, *hash = strchr(l, '#');
	size_t i;

	if (hash != NULL)
		*hash = '\0';
	l = trim(l);
	if (*l == '\0')
		return 0;
	if ((eq = strchr(l, '=')) == NULL) {
		pocd_warn("%s:%d: not \"key = value\"", path, lineno);
		return -1;
	}
	*eq = '\0';
	k = trim(l);
	v = trim(eq + 1);
	for (i = 0; i < sizeof(FIELDS) / sizeof(FIELDS[0]) && strcmp(FIELDS[i].name, k) != 0; i++)
		;
	if (i == sizeof(FIELDS) / sizeof(FIELDS[0])) {
		pocd_warn("%s:%d: unknown key \"%s\"", path, lineno, k);
		return -1;
	}
	if (set(c, &FIELDS[i], v) < 0) {
		pocd_warn("%s:%d: %s: a bad value", path, lineno, k);
		return -1;
	}
	return 0;
}

int pocd_conf_parse(const char *text, size_t len, const char *name, struct pocd_conf *c)
{
	char buf[2048];
	size_t at = 0;
	int lineno = 0, rv = 0;

	defaults(c);
	while (rv == 0 && at < len) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t n = nl ? (size_t)(nl - (text + at)) : len - at;

		lineno++;
		if (n >= sizeof(buf) || memchr(text + at, '\0', n) != NULL) {
			pocd_warn("%s:%d: a line over %zu bytes or with a NUL", name, lineno, sizeof(buf) - 1);
			return -1;
		}
		memcpy(buf, text + at, n);
		buf[n] = '\0';
		rv = line(c, buf, name, lineno);
		at += n + (nl != NULL);
	}
	if (rv == 0 && (c->tls_cert[0] == '\0') != (c->tls_key[0] == '\0')) {
		pocd_warn("%s: tls_cert and tls_key go together", name);
		rv = -1;
	}
	if (rv == 0 && (c->database[0] == '\0' || c->pkcs11_module[0] == '\0' || c->pkcs11_token[0] == '\0' ||
			c->signing_key[0] == '\0')) {
		pocd_warn("%s: database, pkcs11_module, pkcs11_token and signing_key are required", name);
		rv = -1;
	}
	return rv;
}

int pocd_conf_load(const char *path, struct pocd_conf *c)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t len = 0;
	int rv = -1;

	defaults(c);
	if (f == NULL) {
		pocd_warn("%s: %s", path, strerror(errno));
		return -1;
	}
	if ((text = malloc(CONF_MAX + 1)) != NULL) {
		len = fread(text, 1, CONF_MAX + 1, f);
		if (ferror(f) || len > CONF_MAX)
			pocd_warn("%s: unreadable or over %d bytes", path, CONF_MAX);
		else
			rv = pocd_conf_parse(text, len, path, c);
	}
	fclose(f);
	if (text != NULL)
		OPENSSL_cleanse(text, CONF_MAX + 1); /* it holds the token's PIN */
	free(text);
	return rv;
}
