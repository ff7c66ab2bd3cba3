/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the TCG crypto-agile event log: parse, replay, check, describe. */
#include <string.h>

#include <openssl/sha.h>
#include <tss2/tss2_tpm2_types.h>

#include "event_log.h"
#include "hex.h"
#include "pcrs.h"
#include "verr.h"
#include "../test.h"

#define GCE "gce-cos85-nonce9009/"

static int load_pcrs(struct poc_pcrs *p, uint16_t alg, const char *rel)
{
	struct poc_err e = { 0 };
	size_t len;
	uint8_t *txt = poc_test_read_data(rel, &len);
	int rv = poc_pcrs_parse_text(&e, p, alg, (const char *)txt, len);

	if (rv < 0)
		diag("%s: %s", rel, e.msg);
	free(txt);
	return rv;
}

static void test_parse_replay(void)
{
	static const struct {
		uint16_t alg;
		const char *file;
	} banks[] = {
		{ TPM2_ALG_SHA1, GCE "pcrs-sha1.txt" },
		{ TPM2_ALG_SHA256, GCE "pcrs-sha256.txt" },
		{ TPM2_ALG_SHA384, GCE "pcrs-sha384.txt" },
	};
	struct poc_err e = { 0 };
	struct poc_evlog log;
	struct poc_pcrs quoted = { 0 };
	struct poc_pcr_bank replay, bad;
	size_t len;
	uint8_t *buf = poc_test_read_data(GCE "eventlog.bin", &len);
	char hex[2 * POC_DIGEST_MAX + 1];

	if (!ok(poc_evlog_parse(&e, buf, len, &log) == 0, "GCE event log parses")) {
		diag("%s", e.msg);
		free(buf);
		return;
	}
	is_int(log.nevents, 44, "44 events");
	is_int(log.nalgs, 3, "3 algorithms");
	ok(log.algs[0] == TPM2_ALG_SHA1 && log.algs[1] == TPM2_ALG_SHA256 &&
		   log.algs[2] == TPM2_ALG_SHA384, "algorithms sha1, sha256, sha384");
	is_int(log.len, len, "whole log consumed");
	/* This COS 85 VM ran with AMD SEV. */
	is_int(poc_evlog_gce_technology(&log), POC_GCE_TECH_SEV, "GCE NonHostInfo technology is SEV");

	for (size_t b = 0; b < sizeof(banks) / sizeof(banks[0]); b++) {
		const struct poc_pcr_bank *q;
		size_t dlen = poc_tpm_alg_digest_len(banks[b].alg);
		int same = 1;

		ok(load_pcrs(&quoted, banks[b].alg, banks[b].file) == 0, "%s loads", banks[b].file);
		q = poc_pcrs_bank_get(&quoted, banks[b].alg);
		poc_err_clear(&e);
		ok(poc_evlog_replay(&e, &log, banks[b].alg, &replay) == 0, "replay %s",
		   poc_tpm_alg_name(banks[b].alg));
		for (unsigned pcr = 0; pcr <= 9; pcr++)
			if (q == NULL || memcmp(replay.v[pcr], q->v[pcr], dlen) != 0) {
				diag("%s PCR %u differs", poc_tpm_alg_name(banks[b].alg), pcr);
				same = 0;
			}
		ok(same, "replay %s reproduces PCR 0-9", poc_tpm_alg_name(banks[b].alg));
		ok((replay.mask & 0x3ff) == 0x3ff, "PCR 0-9 extended (mask %06x)", replay.mask);
		poc_err_clear(&e);
		/* PCR 10 is IMA's (not in the firmware log): the appraisal leaves it out, so does this mask. */
		if (!ok(q != NULL && poc_evlog_check(&e, &log, q, 0xffffff & ~(1u << 10)) == 0, "check %s passes",
			poc_tpm_alg_name(banks[b].alg)))
			diag("%s", e.msg);
		if (banks[b].alg == TPM2_ALG_SHA256) {
			poc_hex_encode(replay.v[0], 4, hex);
			is_str(hex, "0f35c214", "PCR0 sha256 starts 0f35c214");
		}
	}

	/* A changed quoted value is a mismatch naming the PCR. */
	bad = *poc_pcrs_bank_get(&quoted, TPM2_ALG_SHA256);
	bad.v[7][5] ^= 0x40;
	poc_err_clear(&e);
	ok(poc_evlog_check(&e, &log, &bad, 0xffffff & ~(1u << 10)) == -1, "changed PCR 7 fails the check");
	is_int(e.code, POC_ERR_MISMATCH, "mismatch");
	ok(strstr(e.msg, "sha256 PCR 7 ") != NULL, "message names the bank and PCR");
	ok(strstr(e.msg, "9 events") != NULL && strstr(e.msg, "EV_EFI_VARIABLE_AUTHORITY db") != NULL,
	   "message counts the events and names the last");
	diag("%s", e.msg);
	/* Outside the mask it is not compared. */
	poc_err_clear(&e);
	ok(poc_evlog_check(&e, &log, &bad, 0xffffff & ~(1u << 7) & ~(1u << 10)) == 0, "PCR 7 outside the mask");

	/* A flipped digest byte in the log changes the replay, and the check fails. */
	{
		uint8_t *copy = malloc(len);
		struct poc_evlog log2;
		struct poc_pcr_bank r2;
		size_t off;
		const struct poc_evlog_event *ev = &log.ev[9];
		/* The sha256 digest is the second: pcr, type, count, sha1 alg+20, sha256 alg. */
		off = ev->offset + 12 + 2 + 20 + 2;
		memcpy(copy, buf, len);
		copy[off] ^= 1;
		poc_err_clear(&e);
		ok(poc_evlog_parse(&e, copy, len, &log2) == 0, "flipped log parses");
		ok(poc_evlog_replay(&e, &log2, TPM2_ALG_SHA256, &r2) == 0, "flipped log replays");
		poc_evlog_replay(&e, &log, TPM2_ALG_SHA256, &replay);
		ok(memcmp(r2.v[ev->pcr], replay.v[ev->pcr], 32) != 0, "flipped digest changes PCR %u",
		   ev->pcr);
		poc_err_clear(&e);
		ok(poc_evlog_check(&e, &log2, poc_pcrs_bank_get(&quoted, TPM2_ALG_SHA256), 0xffffff) == -1 &&
			   e.code == POC_ERR_MISMATCH, "check of the flipped log fails");
		diag("%s", e.msg);
		poc_evlog_free(&log2);
		free(copy);
	}

	/* describe() on every event. */
	{
		int vars = 0, app = 0, sep = 0, crtm = 0;

		for (size_t i = 0; i < log.nevents; i++) {
			char d[256];

			poc_evlog_describe(&log.ev[i], d, sizeof(d));
			diag("#%zu pcr %u %s", i, log.ev[i].pcr, d);
			if (strstr(d, "EV_EFI_VARIABLE_DRIVER_CONFIG SecureBoot") ||
			    strstr(d, "EV_EFI_VARIABLE_DRIVER_CONFIG PK") ||
			    strstr(d, "EV_EFI_VARIABLE_DRIVER_CONFIG KEK") ||
			    strstr(d, "EV_EFI_VARIABLE_DRIVER_CONFIG db") ||
			    strstr(d, "EV_EFI_VARIABLE_DRIVER_CONFIG dbx"))
				vars++;
			if (strstr(d, "EV_EFI_BOOT_SERVICES_APPLICATION \\") ||
			    strstr(d, "EV_EFI_BOOT_SERVICES_APPLICATION /"))
				app++;
			if (strcmp(d, "EV_SEPARATOR 00000000") == 0)
				sep++;
			if (strncmp(d, "EV_S_CRTM_VERSION ", 18) == 0)
				crtm++;
			/* Tiny buffers truncate cleanly. */
			for (size_t k = 0; k < 4; k++) {
				char t[4] = { 'x', 'x', 'x', 'x' };

				poc_evlog_describe(&log.ev[i], t, k);
				if (k > 0 && t[k - 1] != '\0')
					ok(0, "describe into %zu bytes terminates", k);
			}
		}
		is_int(vars, 5, "SecureBoot, PK, KEK, db, dbx described");
		ok(app >= 1, "a boot application file path described (%d)", app);
		ok(sep >= 8, "separators described (%d)", sep);
		ok(crtm == 1, "S-CRTM version described");
	}
	poc_evlog_free(&log);
	poc_evlog_free(&log);
	poc_evlog_free(NULL);
	free(buf);
}

static void test_gce_tdx(void)
{
	struct poc_err e = { 0 };
	struct poc_evlog log;
	struct poc_pcr_bank r;
	size_t len;
	uint8_t *buf = poc_test_read_data("gce-tdx-vtpm-eventlog/eventlog.bin", &len);

	if (!ok(poc_evlog_parse(&e, buf, len, &log) == 0, "GCE TDX vTPM log parses"))
		diag("%s", e.msg);
	diag("%zu events, %zu algs, %zu of %zu bytes", log.nevents, log.nalgs, log.len, len);
	is_int(poc_evlog_gce_technology(&log), POC_GCE_TECH_TDX, "GCE NonHostInfo technology is TDX");
	for (size_t i = 0; i < log.nevents; i++) {
		char d[256];

		poc_evlog_describe(&log.ev[i], d, sizeof(d));
		if (log.ev[i].type == POC_EV_NONHOST_INFO) {
			is_str(d, "EV_NONHOST_INFO GCE NonHostInfo: TDX", "NonHostInfo described");
		}
	}
	ok(poc_evlog_replay(&e, &log, TPM2_ALG_SHA256, &r) == 0, "replays");
	poc_evlog_free(&log);
	free(buf);
}

/*
 * Prediction (docs/updates.md): the GCE log with its last PCR 4 boot application's digest
 * replaced is PCR 4 extended by hand from the same events; other PCRs stay the replay's; a
 * substitution that matches nothing fails.
 */
static void test_predict(void)
{
	struct poc_err e = { 0 };
	struct poc_evlog log;
	struct poc_pcr_bank r, p;
	struct poc_evlog_subst sub = { .pcr = 4 };
	uint8_t want[32] = { 0 }, in[64];
	size_t len, last = 0;
	uint8_t *buf = poc_test_read_data("gce-cos85-nonce9009/eventlog.bin", &len);

	ok(poc_evlog_parse(&e, buf, len, &log) == 0 && poc_evlog_replay(&e, &log, TPM2_ALG_SHA256, &r) == 0,
	   "GCE log replays");
	for (size_t i = 0; i < log.nevents; i++)
		if (log.ev[i].pcr == 4 && log.ev[i].type == POC_EV_EFI_BOOT_SERVICES_APPLICATION)
			last = i;
	memcpy(sub.old_digest, poc_evlog_event_digest(&log.ev[last], TPM2_ALG_SHA256), 32);
	memset(sub.new_digest, 0x42, 32);
	for (size_t i = 0; i < log.nevents; i++) {
		const uint8_t *d = poc_evlog_event_digest(&log.ev[i], TPM2_ALG_SHA256);

		if (log.ev[i].pcr != 4 || log.ev[i].type == POC_EV_NO_ACTION)
			continue;
		memcpy(in, want, 32);
		memcpy(in + 32, memcmp(d, sub.old_digest, 32) == 0 ? sub.new_digest : d, 32);
		SHA256(in, 64, want);
	}
	ok(poc_evlog_predict(&e, &log, TPM2_ALG_SHA256, &sub, 1, &p) == 0 && sub.hits >= 1, "predict with one substitution");
	ok(memcmp(p.v[4], want, 32) == 0 && memcmp(p.v[4], r.v[4], 32) != 0, "PCR 4 is the hand-extended prediction");
	ok(memcmp(p.v[7], r.v[7], 32) == 0 && memcmp(p.v[0], r.v[0], 32) == 0, "PCRs 0 and 7 are the replay's");
	sub.pcr = 7;
	ok(poc_evlog_predict(&e, &log, TPM2_ALG_SHA256, &sub, 1, &p) == -1 && e.code == POC_ERR_MISMATCH,
	   "a substitution no event of that PCR matches fails: %s", e.msg);
	poc_evlog_free(&log);
	free(buf);
}

/* Every prefix of the log: a clean error or a clean shorter parse. */
static void test_truncations(void)
{
	size_t len, n = 0, good = 0, bad = 0;
	uint8_t *buf = poc_test_read_data(GCE "eventlog.bin", &len);
	int sane = 1;

	for (size_t l = 0; l <= len; l += l < 4096 ? 1 : 97) {
		struct poc_err e = { 0 };
		struct poc_evlog log;
		/* Copy to an exact-size buffer so ASan catches any over-read. */
		uint8_t *c = malloc(l ? l : 1);

		memcpy(c, buf, l);
		if (poc_evlog_parse(&e, c, l, &log) == 0) {
			good++;
			if (log.len > l || log.nevents > 44)
				sane = 0;
			poc_evlog_free(&log);
		} else {
			bad++;
			if (e.code != POC_ERR_TRUNCATED && e.code != POC_ERR_MALFORMED)
				sane = 0;
			if (log.ev != NULL || log.nevents != 0)
				sane = 0;
		}
		free(c);
		n++;
	}
	ok(sane, "%zu truncations: %zu parse, %zu clean errors", n, good, bad);
	free(buf);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Hand-made logs: absurd counts and sizes, unknown algorithms, padding, StartupLocality. */
static void test_crafted(void)
{
	struct poc_err e = { 0 };
	struct poc_evlog log;
	struct poc_pcr_bank r;
	uint8_t b[512];
	size_t hdr, n;

	memset(b, 0, sizeof(b));
	/* Spec ID event: pcr 0, EV_NO_ACTION, sha1 zero, size, body with sha256 only. */
	put32(b + 4, 3);
	memcpy(b + 32, "Spec ID Event03", 16);
	b[32 + 16 + 5] = 2;  /* major */
	put32(b + 32 + 24, 1);
	b[32 + 28] = 0x0b;   /* sha256 */
	b[32 + 30] = 32;
	b[32 + 32] = 0;      /* vendor info size */
	put32(b + 28, 33);
	hdr = 32 + 33;
	ok(poc_evlog_parse(&e, b, hdr, &log) == 0 && log.nevents == 0, "Spec ID event alone");
	poc_evlog_free(&log);

	/* StartupLocality 3 in PCR0. */
	n = hdr;
	put32(b + n + 4, 3);
	put32(b + n + 8, 1);
	b[n + 12] = 0x0b;
	put32(b + n + 14 + 32, 17);
	memcpy(b + n + 18 + 32, "StartupLocality", 16);
	b[n + 18 + 32 + 16] = 3;
	n += 18 + 32 + 17;
	/* One EV_SEPARATOR into PCR 4 with digest 0x11.. */
	put32(b + n, 4);
	put32(b + n + 4, 4);
	put32(b + n + 8, 1);
	b[n + 12] = 0x0b;
	memset(b + n + 14, 0x11, 32);
	put32(b + n + 46, 4);
	n += 50 + 4;
	poc_err_clear(&e);
	ok(poc_evlog_parse(&e, b, n + 40, &log) == 0, "crafted log with zero padding parses");
	is_int(log.nevents, 2, "padding ends the log");
	is_int(log.len, n, "length excludes padding");
	is_int(log.startup_locality, 3, "StartupLocality 3");
	ok(poc_evlog_replay(&e, &log, TPM2_ALG_SHA256, &r) == 0 && r.v[0][31] == 3 &&
		   r.mask == (1u << 4), "PCR0 starts ...03, only PCR 4 extended");
	poc_err_clear(&e);
	ok(poc_evlog_replay(&e, &log, TPM2_ALG_SHA1, &r) == -1, "no sha1 bank: %s", e.msg);
	poc_evlog_free(&log);
	memset(b + n, 0xff, 40);
	poc_err_clear(&e);
	ok(poc_evlog_parse(&e, b, n + 40, &log) == 0 && log.nevents == 2, "0xFF padding ends the log");
	poc_evlog_free(&log);
	ok(poc_evlog_parse(&e, b, n + 3, &log) == 0 && log.nevents == 2, "short 0xFF tail ends the log");
	poc_evlog_free(&log);

	/* Absurd digest count. */
	put32(b + hdr + 8, 0x7fffffff);
	poc_err_clear(&e);
	ok(poc_evlog_parse(&e, b, n, &log) == -1 && e.code == POC_ERR_MALFORMED, "absurd count: %s", e.msg);
	put32(b + hdr + 8, 1);
	/* Algorithm not in the Spec ID event. */
	b[hdr + 12] = 0x04;
	poc_err_clear(&e);
	ok(poc_evlog_parse(&e, b, n, &log) == -1 && e.code == POC_ERR_MALFORMED, "unlisted alg: %s", e.msg);
	b[hdr + 12] = 0x0b;
	/* Absurd event size. */
	put32(b + hdr + 14 + 32, 0xfffffff0);
	poc_err_clear(&e);
	ok(poc_evlog_parse(&e, b, n, &log) == -1, "absurd size: %s", e.msg);
	put32(b + hdr + 14 + 32, 17);
	/* PCR index out of range. */
	put32(b + hdr + 18 + 32 + 17, 99);
	poc_err_clear(&e);
	ok(poc_evlog_parse(&e, b, n, &log) == -1 && e.code == POC_ERR_MALFORMED, "PCR 99: %s", e.msg);
	put32(b + hdr + 18 + 32 + 17, 4);
	/* Spec ID: too many algorithms, a wrong size, a non-Spec-ID first event. */
	put32(b + 32 + 24, 1000);
	poc_err_clear(&e);
	ok(poc_evlog_parse(&e, b, n, &log) == -1, "1000 algorithms: %s", e.msg);
	put32(b + 32 + 24, 1);
	b[32 + 30] = 20;
	poc_err_clear(&e);
	ok(poc_evlog_parse(&e, b, n, &log) == -1, "sha256 of 20 bytes: %s", e.msg);
	b[32 + 30] = 32;
	b[32] = 'X';
	poc_err_clear(&e);
	ok(poc_evlog_parse(&e, b, n, &log) == -1, "no Spec ID: %s", e.msg);
	b[32] = 'S';
	put32(b + 28, 0xffffffff);
	poc_err_clear(&e);
	ok(poc_evlog_parse(&e, b, n, &log) == -1 && e.code == POC_ERR_TRUNCATED, "huge Spec ID size: %s", e.msg);
	put32(b + 28, 33);
	poc_err_clear(&e);
	ok(poc_evlog_parse(&e, b, n, &log) == 0, "restored log parses");
	poc_evlog_free(&log);
	ok(poc_evlog_parse(&e, NULL, 0, &log) == -1, "empty input rejected");

	/* describe() on hostile data never reads past data_len (ASan checks). */
	{
		struct poc_evlog_event ev = { 0 };
		uint8_t *d = malloc(40);
		char out[128];
		size_t bad = 0;
		static const uint32_t types[] = { POC_EV_EFI_VARIABLE_BOOT, POC_EV_EFI_BOOT_SERVICES_APPLICATION,
						  POC_EV_S_CRTM_VERSION, POC_EV_EFI_PLATFORM_FIRMWARE_BLOB2,
						  POC_EV_SEPARATOR, POC_EV_NONHOST_INFO, POC_EV_NO_ACTION,
						  POC_EV_IPL, 0x1234 };

		memset(d, 0xff, 40);
		for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++)
			for (size_t l = 0; l <= 40; l++) {
				ev.type = types[t];
				ev.data = d + 40 - l;
				ev.data_len = l;
				memset(out, 'x', sizeof(out));
				poc_evlog_describe(&ev, out, sizeof(out));
				n = memchr(out, '\0', sizeof(out)) != NULL ? strlen(out) : sizeof(out);
				if (n == sizeof(out) || strncmp(out, poc_evlog_type_name(ev.type), strlen(poc_evlog_type_name(ev.type))) != 0)
					bad++;
				for (size_t i = 0; i < n && i < sizeof(out); i++)
					bad += out[i] < 0x20 || out[i] > 0x7e;
			}
		ok(bad == 0, "describe on hostile data: terminated, named, printable (last \"%s\")", out);
		free(d);
	}
}

/* A copy of log (over the same data) trimmed as `how` says; see test_strict. */
static struct poc_evlog trimmed(const struct poc_evlog *log, struct poc_evlog_event *store, int how)
{
	struct poc_evlog t = *log;

	t.ev = store;
	t.nevents = 0;
	for (size_t i = 0; i < log->nevents; i++) {
		const struct poc_evlog_event *ev = &log->ev[i];

		if ((how == 1) || (how == 2 && ev->pcr == 4) || (how == 3 && i + 1 == log->nevents) ||
		    (how == 4 && ev->pcr == 7 && ev->type == POC_EV_EFI_VARIABLE_AUTHORITY))
			continue;
		store[t.nevents++] = *ev;
	}
	if (how == 5) { /* declares sha1 only */
		t.nalgs = 1;
		t.algs[0] = TPM2_ALG_SHA1;
	}
	return t;
}

/* Strict replay against the real GCE sha256 quote: trimmed logs and odd quoted values fail. */
static void test_strict(void)
{
	static const struct {
		const char *name;
		int how;       /* trimmed(): 0 whole, 1 no events, 2 no PCR 4 events, 3 last dropped, 4 PCR 7 authority events dropped, 5 no sha256 */
		int pcr, byte; /* quoted PCR value to change (pcr < 0: none) */
		uint32_t mask;
		int want_rv;
		const char *want_msg;
	} cases[] = {
		{ "the whole log", 0, -1, 0, 0xffffff & ~(1u << 10), 0, NULL },
		{ "a log with no events", 1, -1, 0, 0xffffff & ~(1u << 10), -1, "PCR 0 is quoted" },
		{ "the PCR 4 events removed", 2, -1, 0, 0xffffff & ~(1u << 10), -1, "PCR 4 is quoted" },
		{ "the last event dropped", 3, -1, 0, 0xffffff & ~(1u << 10), -1, "replays to" },
		{ "some PCR 7 events dropped", 4, -1, 0, 0xffffff & ~(1u << 10), -1, "PCR 7 replays" },
		{ "a log without sha256 digests", 5, -1, 0, 0xffffff & ~(1u << 10), -1, "no sha256 digests" },
		{ "PCR 10 in the mask (IMA, nonzero)", 0, -1, 0, 0xffffff, -1, "PCR 10 is quoted" },
		{ "PCR 23 quoted nonzero", 0, 23, 1, 0xffffff & ~(1u << 10), -1, "PCR 23 is quoted" },
		{ "PCR 17 quoted zero (its reset value is all ones)", 0, 17, 0, 0xffffff & ~(1u << 10), -1, "PCR 17 is quoted" },
		{ "PCR 12 quoted nonzero, PCR 12 outside the mask", 0, 12, 1, 0xffffff & ~(1u << 10) & ~(1u << 12), 0, NULL },
	};
	struct poc_err e = { 0 };
	struct poc_evlog log, t;
	struct poc_pcrs quoted = { 0 };
	struct poc_pcr_bank q;
	struct poc_evlog_event *store;
	size_t len;
	uint8_t *buf = poc_test_read_data(GCE "eventlog.bin", &len);

	if (!ok(poc_evlog_parse(&e, buf, len, &log) == 0 && load_pcrs(&quoted, TPM2_ALG_SHA256, GCE "pcrs-sha256.txt") == 0,
		"GCE log and sha256 PCRs load")) {
		free(buf);
		return;
	}
	store = calloc(log.nevents, sizeof(*store));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rv;

		t = trimmed(&log, store, cases[i].how);
		q = *poc_pcrs_bank_get(&quoted, TPM2_ALG_SHA256);
		if (cases[i].pcr >= 0)
			memset(q.v[cases[i].pcr], cases[i].byte, 32);
		poc_err_clear(&e);
		rv = poc_evlog_check(&e, &t, &q, cases[i].mask);
		if (!ok(rv == cases[i].want_rv && (cases[i].want_msg == NULL || strstr(e.msg, cases[i].want_msg) != NULL),
			"%s: %s (%zu events)", cases[i].name, rv == 0 ? "passes" : "fails", t.nevents))
			diag("rv %d, message \"%s\", want \"%s\"", rv, e.msg, cases[i].want_msg ? cases[i].want_msg : "");
	}
	ok(poc_evlog_extended_mask(&log) == 0x3ff, "the GCE log extends PCR 0-9 (mask %06x)", poc_evlog_extended_mask(&log));
	free(store);
	poc_evlog_free(&log);
	free(buf);
}

int main(void)
{
	test_parse_replay();
	test_strict();
	test_gce_tdx();
	test_predict();
	test_truncations();
	test_crafted();
	return poc_test_done();
}
