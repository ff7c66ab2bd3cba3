/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The dm-verity root hash a kernel command line enforces (levels_boot.h):
 * parameters split as the kernel's next_arg() splits them (quotes group,
 * '-' and '_' alike in names), every root hash it names (roothash=,
 * rd.roothash=, dm-mod.create verity tables) agreeing, the root device being
 * that verity device, and nothing switching verification off.
 */
#include "levels_boot.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hex.h"

struct param {
	const char *key, *val;
	size_t klen, vlen;
	int has_val;
};

struct verity {
	uint8_t h[64];
	size_t hl;
	int nhash, ncreate, nroot, systemd, bad;
	char why[160];
	char root[128];     /* the root= value */
	char dev[2][80];    /* what root= must name for the dm-mod.create device: /dev/dm-N, /dev/mapper/NAME */
};

/* The next parameter of s from *at, as the kernel splits it; 0 at the end. */
static int next_param(const char *s, size_t *at, struct param *p)
{
	size_t i = *at, k, eq = 0;
	int inq = 0, quoted = 0, haseq = 0;

	while (s[i] == ' ')
		i++;
	if (s[i] == '\0')
		return 0;
	if (s[i] == '"')
		i++, inq = quoted = 1;
	for (k = i; s[i] != '\0' && (s[i] != ' ' || inq); i++) {
		if (!haseq && s[i] == '=')
			haseq = 1, eq = i;
		if (s[i] == '"')
			inq = !inq;
	}
	*at = i;
	p->key = s + k;
	p->klen = (haseq ? eq : i) - k;
	p->has_val = haseq;
	p->val = haseq ? s + eq + 1 : s + i;
	p->vlen = haseq ? i - eq - 1 : 0;
	if (haseq && p->vlen > 0 && p->val[0] == '"')
		p->val++, p->vlen--;
	if ((quoted || (haseq && p->val > s + eq + 1)) && p->vlen > 0 && p->val[p->vlen - 1] == '"')
		p->vlen--;
	else if (quoted && !haseq && p->klen > 0 && p->key[p->klen - 1] == '"')
		p->klen--;
	return 1;
}

/* Name equality with '-' and '_' alike (the kernel's parameq, systemd's proc_cmdline_key_streq). */
static int key_is(const struct param *p, const char *name)
{
	size_t n = strlen(name);

	if (p->klen != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char a = p->key[i] == '-' ? '_' : p->key[i], b = name[i] == '-' ? '_' : name[i];

		if (a != b)
			return 0;
	}
	return 1;
}

/* key or rd.key (systemd strips rd. in the initrd). */
static int key_rd(const struct param *p, const char *name)
{
	char rd[64];

	snprintf(rd, sizeof(rd), "rd.%s", name);
	return key_is(p, name) || key_is(p, rd);
}

static void fail(struct verity *v, const char *why)
{
	if (!v->bad)
		snprintf(v->why, sizeof(v->why), "%s", why);
	v->bad = 1;
}

static void add_hash(struct verity *v, const char *hex, size_t n)
{
	struct poc_err e = { 0 };
	uint8_t h[64];
	size_t hl = 0;

	if (n < 32 || n > 128 || poc_hex_decode(&e, hex, n, h, sizeof(h), &hl) < 0) {
		fail(v, "a root hash that is not 16 to 64 bytes of hex");
		return;
	}
	if (v->nhash++ == 0) {
		memcpy(v->h, h, hl);
		v->hl = hl;
	} else if (hl != v->hl || memcmp(h, v->h, hl) != 0)
		fail(v, "it names two different root hashes");
}

/*
 * "start len verity V DATA HASH DBS HBS NBLOCKS HSTART ALG DIGEST SALT [N OPT...]": a verity
 * table's root hash; 0 for a table of another target.
 */
static int verity_table(struct verity *v, const char *t, size_t n)
{
	const char *tok[32];
	size_t len[32], nt = 0, i = 0;

	while (i < n && nt < 32) {
		while (i < n && t[i] == ' ')
			i++;
		if (i == n)
			break;
		tok[nt] = t + i;
		while (i < n && t[i] != ' ')
			i++;
		len[nt] = (size_t)(t + i - tok[nt]);
		nt++;
	}
	if (nt < 3 || len[2] != 6 || memcmp(tok[2], "verity", 6) != 0)
		return 0;
	if (nt < 13 || i < n) {
		fail(v, "a verity table without its root hash");
		return 1;
	}
	for (size_t k = 13; k < nt; k++)
		if (len[k] == 17 && memcmp(tok[k], "ignore_corruption", 17) == 0)
			fail(v, "its verity table ignores corruption");
	add_hash(v, tok[11], len[11]);
	return 1;
}

/* dm-mod.create="name,uuid,minor,flags,table[;...]": every verity device's root hash; root= must name one. */
static void dm_create(struct verity *v, const char *s, size_t n)
{
	size_t at = 0, dev = 0;

	if (++v->ncreate > 1) {
		fail(v, "two dm-mod.create parameters (the kernel takes the last)");
		return;
	}
	while (at < n && !v->bad) {
		const char *d = s + at, *f[5];
		size_t dl = 0, nf = 0, fl[5];

		while (at + dl < n && s[at + dl] != ';')
			dl++;
		at += dl + 1;
		f[0] = d;
		for (size_t i = 0; i < dl && nf < 4; i++)
			if (d[i] == ',') {
				fl[nf] = (size_t)(d + i - f[nf]);
				f[++nf] = d + i + 1;
			}
		if (nf < 4 || fl[0] == 0 || fl[0] >= 48 || fl[2] >= 8) {
			fail(v, "a dm-mod.create device that is not name,uuid,minor,flags,table");
			return;
		}
		fl[4] = (size_t)(d + dl - f[4]);
		if (memchr(f[4], ',', fl[4]) != NULL) {
			fail(v, "a dm-mod.create device of several tables");
			return;
		}
		if (verity_table(v, f[4], fl[4])) {
			if (fl[2] > 0)
				snprintf(v->dev[0], sizeof(v->dev[0]), "/dev/dm-%.*s", (int)fl[2], f[2]);
			else
				snprintf(v->dev[0], sizeof(v->dev[0]), "/dev/dm-%zu", dev);
			snprintf(v->dev[1], sizeof(v->dev[1]), "/dev/mapper/%.*s", (int)fl[0], f[0]);
		}
		dev++;
	}
}

static int false_word(const struct param *p)
{
	static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };

	if (!p->has_val)
		return 0;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (p->vlen == strlen(yes[i]) && strncasecmp(p->val, yes[i], p->vlen) == 0)
			return 0;
	return 1;
}

static void one_param(struct verity *v, const struct param *p)
{
	if (key_rd(p, "roothash")) {
		v->systemd = 1;
		add_hash(v, p->val, p->vlen);
	} else if (key_is(p, "dm-mod.create"))
		dm_create(v, p->val, p->vlen);
	else if (key_rd(p, "systemd.verity") && false_word(p))
		fail(v, "systemd.verity switches verification off");
	else if (key_rd(p, "systemd.verity_root_options") && p->vlen >= 17 &&
		 (strstr(p->val, "ignore-corruption") != NULL || strstr(p->val, "ignore_corruption") != NULL))
		fail(v, "its verity options ignore corruption");
	else if (key_is(p, "root")) {
		char r[sizeof(v->root)];

		snprintf(r, sizeof(r), "%.*s", (int)(p->vlen < sizeof(r) ? p->vlen : sizeof(r) - 1), p->val);
		if (v->nroot++ > 0 && strcmp(r, v->root) != 0)
			fail(v, "two different root= parameters");
		memcpy(v->root, r, sizeof(r));
	}
}

int poc_boot_verity(const char *cmdline, uint8_t out[64], size_t *len, char *why, size_t wl)
{
	struct verity v;
	struct param p;
	size_t at = 0;

	memset(&v, 0, sizeof(v));
	*len = 0;
	while (!v.bad && next_param(cmdline, &at, &p))
		one_param(&v, &p);
	if (!v.bad && v.nhash == 0)
		fail(&v, "it names none");
	/* The root file system is the verity device: root= names it (systemd's device is /dev/mapper/root). */
	if (!v.bad && !((v.ncreate && (strcmp(v.root, v.dev[0]) == 0 || strcmp(v.root, v.dev[1]) == 0)) ||
			(!v.ncreate && v.systemd && (v.nroot == 0 || strcmp(v.root, "/dev/mapper/root") == 0))))
		fail(&v, "root= does not name the verity device");
	if (v.bad) {
		if (why != NULL && wl > 0)
			snprintf(why, wl, "%s", v.why);
		return 0;
	}
	memcpy(out, v.h, v.hl);
	*len = v.hl;
	return 1;
}

int poc_boot_roothash(const char *cmdline, uint8_t out[64], size_t *len)
{
	return poc_boot_verity(cmdline, out, len, NULL, 0);
}
