/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TCG PC Client crypto-agile event log: parse (TCG PC Client Platform
 * Firmware Profile, sections 10.2-10.4), replay, check, describe.
 */
#include "event_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "bytes.h"
#include "hex.h"

#define SPEC_ID_SIG "Spec ID Event03"          /* 15 chars + NUL = 16 bytes */
#define STARTUP_LOCALITY_SIG "StartupLocality" /* 15 chars + NUL = 16 bytes */
#define GCE_NONHOST_SIG "GCE NonHostInfo"      /* 15 chars + NUL = 16 bytes */
#define SIG_LEN 16
/*
 * An event's data can be large (a GPT, a kernel command line, an SBAT
 * blob), but a log is at most a few MB; cap a single event so a corrupt
 * size fails as a size, not as a huge truncated read.
 */
#define EVENT_DATA_MAX (16u * 1024 * 1024)
/*
 * Firmware logs and CCELs hold tens to hundreds of events; a 16-byte empty
 * event repeated through a 64 MiB bundle would cost gigabytes of events.
 */
#define EVENTS_MAX 16384u

/* Appends an event to out->ev, growing it geometrically. */
static int push_event(struct poc_err *e, struct poc_evlog *out, size_t *cap,
		      const struct poc_evlog_event *ev)
{
	if (out->nevents == EVENTS_MAX)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "event log: more than %u events", EVENTS_MAX);
	if (out->nevents == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct poc_evlog_event *n = realloc(out->ev, ncap * sizeof(*n));

		if (n == NULL)
			return poc_err_set(e, POC_ERR_NOMEM, "event log: %zu events", ncap);
		out->ev = n;
		*cap = ncap;
	}
	out->ev[out->nevents++] = *ev;
	return 0;
}

/* Parses the Spec ID Event03 body into out->algs/nalgs and dsize[]. */
static int parse_spec_id(struct poc_err *e, const uint8_t *d, size_t n, struct poc_evlog *out,
			 uint16_t dsize[POC_EVLOG_MAX_ALGS])
{
	struct poc_rd r;
	const uint8_t *sig;
	uint32_t platform_class, nalgs;
	uint8_t minor, major, errata, uintn, vendor_len;

	poc_rd_init(&r, d, n);
	if (poc_rd_bytes(&r, SIG_LEN, &sig) < 0 || memcmp(sig, SPEC_ID_SIG, SIG_LEN) != 0)
		return poc_err_set(e, POC_ERR_MALFORMED,
				   "event log: first event is not a \"Spec ID Event03\" (not a crypto-agile log)");
	if (poc_rd_u32le(&r, &platform_class) < 0 || poc_rd_u8(&r, &minor) < 0 ||
	    poc_rd_u8(&r, &major) < 0 || poc_rd_u8(&r, &errata) < 0 || poc_rd_u8(&r, &uintn) < 0 ||
	    poc_rd_u32le(&r, &nalgs) < 0)
		return poc_err_set(e, POC_ERR_TRUNCATED, "event log: Spec ID event header");
	if (major != 2)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "event log: Spec ID event version %u.%u",
				   major, minor);
	if (nalgs == 0 || nalgs > POC_EVLOG_MAX_ALGS)
		return poc_err_set(e, POC_ERR_MALFORMED, "event log: Spec ID event lists %u algorithms (1..%d)",
				   nalgs, POC_EVLOG_MAX_ALGS);
	for (uint32_t i = 0; i < nalgs; i++) {
		uint16_t alg, size;
		size_t known;

		if (poc_rd_u16le(&r, &alg) < 0 || poc_rd_u16le(&r, &size) < 0)
			return poc_err_set(e, POC_ERR_TRUNCATED, "event log: Spec ID algorithm %u", i);
		known = poc_tpm_alg_digest_len(alg);
		/* Unknown algorithms (e.g. SM3) are parsed by the size declared here. */
		if (size == 0 || size > POC_DIGEST_MAX || (known != 0 && known != size))
			return poc_err_set(e, POC_ERR_MALFORMED,
					   "event log: Spec ID algorithm 0x%04x with digest size %u", alg, size);
		for (uint32_t j = 0; j < i; j++)
			if (out->algs[j] == alg)
				return poc_err_set(e, POC_ERR_MALFORMED,
						   "event log: Spec ID lists algorithm 0x%04x twice", alg);
		out->algs[i] = alg;
		dsize[i] = size;
	}
	out->nalgs = nalgs;
	if (poc_rd_u8(&r, &vendor_len) < 0 || poc_rd_bytes(&r, vendor_len, NULL) < 0)
		return poc_err_set(e, POC_ERR_TRUNCATED, "event log: Spec ID vendor info");
	return 0;
}

/*
 * The padding rule: CCEL log areas are pre-filled with 0xFF (TDVF) and some
 * firmware/kernels leave zeros after the last event. Where an event header
 * would start with pcrIndex and eventType both 0x00000000 or both 0xFFFFFFFF
 * (or fewer than 8 bytes remain, all 0x00 or all 0xFF), the log ends. A real
 * EV_PREBOOT_CERT (type 0) in PCR 0 is deprecated and never emitted by
 * crypto-agile firmware, so the rule is unambiguous in practice. Everything
 * after that point must be the same padding byte (poc_evlog_parse).
 */
static int at_padding(const uint8_t *p, size_t left)
{
	size_t n = left < 8 ? left : 8;
	int zero = 1, ff = 1;

	for (size_t i = 0; i < n; i++) {
		zero &= p[i] == 0x00;
		ff &= p[i] == 0xFF;
	}
	return zero || ff;
}

static int parse_event2(struct poc_err *e, struct poc_rd *r, const struct poc_evlog *log,
			const uint16_t dsize[POC_EVLOG_MAX_ALGS], size_t idx,
			struct poc_evlog_event *ev)
{
	uint32_t count, size;

	if (poc_rd_u32le(r, &ev->pcr) < 0 || poc_rd_u32le(r, &ev->type) < 0 ||
	    poc_rd_u32le(r, &count) < 0)
		return poc_err_set(e, POC_ERR_TRUNCATED, "event log: event %zu header at offset %zu",
				   idx, ev->offset);
	if (ev->pcr >= POC_PCR_COUNT)
		return poc_err_set(e, POC_ERR_MALFORMED, "event log: event %zu: PCR index %u",
				   idx, ev->pcr);
	if (count > log->nalgs)
		return poc_err_set(e, POC_ERR_MALFORMED,
				   "event log: event %zu: %u digests, the Spec ID event lists %zu",
				   idx, count, log->nalgs);
	ev->ndigests = count;
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *d;
		uint16_t alg;
		size_t k;

		if (poc_rd_u16le(r, &alg) < 0)
			return poc_err_set(e, POC_ERR_TRUNCATED, "event log: event %zu digest %u", idx, i);
		for (k = 0; k < log->nalgs && log->algs[k] != alg; k++)
			;
		if (k == log->nalgs)
			return poc_err_set(e, POC_ERR_MALFORMED,
					   "event log: event %zu: algorithm 0x%04x not in the Spec ID event",
					   idx, alg);
		for (uint32_t j = 0; j < i; j++)
			if (ev->digests[j].alg == alg)
				return poc_err_set(e, POC_ERR_MALFORMED,
						   "event log: event %zu: algorithm 0x%04x twice", idx, alg);
		if (poc_rd_bytes(r, dsize[k], &d) < 0)
			return poc_err_set(e, POC_ERR_TRUNCATED, "event log: event %zu digest 0x%04x",
					   idx, alg);
		ev->digests[i].alg = alg;
		memset(ev->digests[i].d, 0, sizeof(ev->digests[i].d));
		memcpy(ev->digests[i].d, d, dsize[k]);
	}
	if (poc_rd_u32le(r, &size) < 0)
		return poc_err_set(e, POC_ERR_TRUNCATED, "event log: event %zu size", idx);
	if (size > EVENT_DATA_MAX || size > r->left)
		return poc_err_set(e, size > EVENT_DATA_MAX ? POC_ERR_MALFORMED : POC_ERR_TRUNCATED,
				   "event log: event %zu data of %u bytes, %zu left", idx, size, r->left);
	ev->data_len = size;
	(void)poc_rd_bytes(r, size, &ev->data);
	return 0;
}

int poc_evlog_parse(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_evlog *out)
{
	struct poc_evlog_event ev;
	struct poc_rd r;
	uint16_t dsize[POC_EVLOG_MAX_ALGS] = { 0 };
	uint32_t size;
	size_t cap = 0;

	if (out == NULL || (buf == NULL && len > 0))
		return poc_err_set(e, POC_ERR_ARG, "event log: no buffer");
	memset(out, 0, sizeof(*out));
	poc_rd_init(&r, buf, len);

	/* The first event has the SHA-1 TCG_PCR_EVENT layout so old parsers skip it. */
	memset(&ev, 0, sizeof(ev));
	if (poc_rd_u32le(&r, &ev.pcr) < 0 || poc_rd_u32le(&r, &ev.type) < 0 ||
	    poc_rd_bytes(&r, 20, NULL) < 0 || poc_rd_u32le(&r, &size) < 0)
		return poc_err_set(e, POC_ERR_TRUNCATED, "event log: first event header (%zu bytes)", len);
	if (ev.type != POC_EV_NO_ACTION)
		return poc_err_set(e, POC_ERR_MALFORMED, "event log: first event has type 0x%08x, want EV_NO_ACTION",
				   ev.type);
	if (size > r.left)
		return poc_err_set(e, POC_ERR_TRUNCATED, "event log: Spec ID event of %u bytes, %zu left",
				   size, r.left);
	(void)poc_rd_bytes(&r, size, &ev.data);
	ev.data_len = size;
	/* The Spec ID event is the log's header, not a measurement: it is not kept in ev[]. */
	if (parse_spec_id(e, ev.data, ev.data_len, out, dsize) < 0)
		goto err;

	while (r.left > 0 && !at_padding(r.p, r.left)) {
		memset(&ev, 0, sizeof(ev));
		ev.offset = len - r.left;
		if (parse_event2(e, &r, out, dsize, out->nevents, &ev) < 0)
			goto err;
		if (ev.type == POC_EV_NO_ACTION && ev.pcr == 0 && ev.data_len >= SIG_LEN + 1 &&
		    memcmp(ev.data, STARTUP_LOCALITY_SIG, SIG_LEN) == 0)
			out->startup_locality = ev.data[SIG_LEN];
		if (push_event(e, out, &cap, &ev) < 0)
			goto err;
	}
	out->len = len - r.left;
	/* Padding runs to the end: events hidden after it would be read by parsers without this rule. */
	for (size_t i = 0; i < r.left; i++)
		if (r.p[i] != r.p[0]) {
			poc_err_set(e, POC_ERR_MALFORMED, "event log: data at offset %zu after the padding that ends the log at %zu",
				    out->len + i, out->len);
			goto err;
		}
	return 0;
err:
	poc_evlog_free(out);
	return -1;
}

void poc_evlog_free(struct poc_evlog *log)
{
	if (log == NULL)
		return;
	free(log->ev);
	memset(log, 0, sizeof(*log));
}

const uint8_t *poc_evlog_event_digest(const struct poc_evlog_event *ev, uint16_t alg)
{
	for (size_t i = 0; i < ev->ndigests && i < POC_EVLOG_MAX_ALGS; i++)
		if (ev->digests[i].alg == alg)
			return ev->digests[i].d;
	return NULL;
}

/* reg = H(reg || d), both of dlen bytes. */
static int extend(struct poc_err *e, const EVP_MD *md, uint8_t *reg, const uint8_t *d, size_t dlen)
{
	uint8_t in[2 * POC_DIGEST_MAX];
	unsigned int outl = 0;

	memcpy(in, reg, dlen);
	memcpy(in + dlen, d, dlen);
	if (EVP_Digest(in, 2 * dlen, reg, &outl, md, NULL) != 1 || outl != dlen)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "event log: %s extend", EVP_MD_get0_name(md));
	return 0;
}

int poc_evlog_has_alg(const struct poc_evlog *log, uint16_t alg)
{
	for (size_t i = 0; log != NULL && i < log->nalgs; i++)
		if (log->algs[i] == alg)
			return 1;
	return 0;
}

uint32_t poc_evlog_extended_mask(const struct poc_evlog *log)
{
	uint32_t m = 0;

	for (size_t i = 0; log != NULL && i < log->nevents; i++)
		if (log->ev[i].type != POC_EV_NO_ACTION)
			m |= 1u << log->ev[i].pcr;
	return m;
}

void poc_evlog_reset_value(uint16_t alg, unsigned pcr, uint8_t out[POC_DIGEST_MAX])
{
	size_t dlen = poc_tpm_alg_digest_len(alg);

	memset(out, 0, POC_DIGEST_MAX);
	/* PC Client PTP: the D-RTM PCRs 17-22 start at all ones until a D-RTM launch resets them. */
	if (pcr >= 17 && pcr <= 22)
		memset(out, 0xff, dlen);
}

int poc_evlog_replay(struct poc_err *e, const struct poc_evlog *log, uint16_t alg,
		     struct poc_pcr_bank *out)
{
	return poc_evlog_predict(e, log, alg, NULL, 0, out);
}

/* The digest event ev contributes to bank alg: its own, or the NEW of the first substitution that matches. */
static const uint8_t *event_digest(const struct poc_evlog_event *ev, uint16_t alg, struct poc_evlog_subst *subs,
				   size_t nsubs, size_t dlen)
{
	const uint8_t *d = poc_evlog_event_digest(ev, alg);

	for (size_t i = 0; d != NULL && i < nsubs; i++)
		if (subs[i].pcr == ev->pcr && CRYPTO_memcmp(subs[i].old_digest, d, dlen) == 0) {
			subs[i].hits++;
			return subs[i].new_digest;
		}
	return d;
}

int poc_evlog_predict(struct poc_err *e, const struct poc_evlog *log, uint16_t alg, struct poc_evlog_subst *subs,
		      size_t nsubs, struct poc_pcr_bank *out)
{
	const EVP_MD *md = poc_tpm_alg_md(alg);
	size_t dlen = poc_tpm_alg_digest_len(alg);

	if (log == NULL || out == NULL)
		return poc_err_set(e, POC_ERR_ARG, "event log replay: no log");
	if (md == NULL || dlen == 0)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "event log replay: algorithm 0x%04x", alg);
	if (!poc_evlog_has_alg(log, alg))
		return poc_err_set(e, POC_ERR_MISMATCH, "event log replay: the log has no %s digests",
				   poc_tpm_alg_name(alg));
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < nsubs; i++)
		subs[i].hits = 0;
	out->alg = alg;
	for (unsigned pcr = 0; pcr < POC_PCR_COUNT; pcr++)
		poc_evlog_reset_value(alg, pcr, out->v[pcr]);
	/* TPM2_Startup from locality 3/4 leaves that locality in PCR0's last byte (PFP 10.4.5.3). */
	out->v[0][dlen - 1] = log->startup_locality;
	for (size_t i = 0; i < log->nevents; i++) {
		const struct poc_evlog_event *ev = &log->ev[i];
		const uint8_t *d;

		if (ev->type == POC_EV_NO_ACTION)
			continue;
		d = event_digest(ev, alg, subs, nsubs, dlen);
		if (d == NULL)
			return poc_err_set(e, POC_ERR_MALFORMED, "event log replay: event %zu (%s) has no %s digest",
					   i, poc_evlog_type_name(ev->type), poc_tpm_alg_name(alg));
		if (extend(e, md, out->v[ev->pcr], d, dlen) < 0)
			return -1;
		out->mask |= 1u << ev->pcr;
	}
	for (size_t i = 0; i < nsubs; i++)
		if (subs[i].hits == 0)
			return poc_err_set(e, POC_ERR_MISMATCH, "event log predict: no PCR %u event of the log has the %s digest "
					   "to replace", subs[i].pcr, poc_tpm_alg_name(alg));
	return 0;
}

/*
 * Shortened hex for error messages: 4 bytes starting where a and b first
 * differ, so the two values never print the same ("0f35c214...",
 * "...a1b2c3d4...").
 */
void poc_evlog_hex_diff(const uint8_t *a, const uint8_t *b, size_t len, char oa[24], char ob[24])
{
	size_t at = 0;
	char ha[9], hb[9];

	while (at < len && a[at] == b[at])
		at++;
	if (len < 4) {
		poc_hex_encode(a, len, oa);
		poc_hex_encode(b, len, ob);
		return;
	}
	at = at < 4 ? 0 : at > len - 4 ? len - 4 : at;
	poc_hex_encode(a + at, 4, ha);
	poc_hex_encode(b + at, 4, hb);
	snprintf(oa, 24, "%s%s%s", at > 0 ? "..." : "", ha, at + 4 < len ? "..." : "");
	snprintf(ob, 24, "%s%s%s", at > 0 ? "..." : "", hb, at + 4 < len ? "..." : "");
}

int poc_evlog_check(struct poc_err *e, const struct poc_evlog *log,
		    const struct poc_pcr_bank *quoted, uint32_t mask)
{
	struct poc_pcr_bank replay;
	size_t dlen;

	if (log == NULL || quoted == NULL)
		return poc_err_set(e, POC_ERR_ARG, "event log check: no log or quote");
	if (poc_evlog_replay(e, log, quoted->alg, &replay) < 0)
		return -1;
	dlen = poc_tpm_alg_digest_len(quoted->alg);
	for (unsigned pcr = 0; pcr < POC_PCR_COUNT; pcr++) {
		uint32_t bit = 1u << pcr;
		size_t nev = 0, last = 0;
		char got[24], want[24], desc[128];

		if (!(mask & bit))
			continue;
		if (!(quoted->mask & bit))
			return poc_err_set(e, POC_ERR_MISMATCH, "event log check: %s PCR %u is not quoted",
					   poc_tpm_alg_name(quoted->alg), pcr);
		if (CRYPTO_memcmp(replay.v[pcr], quoted->v[pcr], dlen) == 0)
			continue;
		for (size_t i = 0; i < log->nevents; i++)
			if (log->ev[i].pcr == pcr && log->ev[i].type != POC_EV_NO_ACTION) {
				nev++;
				last = i;
			}
		poc_evlog_hex_diff(replay.v[pcr], quoted->v[pcr], dlen, got, want);
		if (nev == 0)
			return poc_err_set(e, POC_ERR_MISMATCH,
					   "event log check: %s PCR %u is quoted %s, but no event extends it (reset value %s)",
					   poc_tpm_alg_name(quoted->alg), pcr, want, got);
		poc_evlog_describe(&log->ev[last], desc, sizeof(desc));
		return poc_err_set(e, POC_ERR_MISMATCH,
				   "event log check: %s PCR %u replays to %s, quoted %s (%zu events; last #%zu %s)",
				   poc_tpm_alg_name(quoted->alg), pcr, got, want, nev, last, desc);
	}
	return 0;
}

int poc_evlog_gce_technology(const struct poc_evlog *log)
{
	if (log == NULL)
		return -1;
	for (size_t i = 0; i < log->nevents; i++) {
		const struct poc_evlog_event *ev = &log->ev[i];

		if (ev->type == POC_EV_NONHOST_INFO && ev->data_len >= SIG_LEN + 1 &&
		    memcmp(ev->data, GCE_NONHOST_SIG, SIG_LEN) == 0)
			return ev->data[SIG_LEN];
	}
	return -1;
}
