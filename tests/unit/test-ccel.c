/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the TDX CCEL: ACPI table, event log, RTMR replay and check. */
#include "ccel.h"
#include "event_log.h"
#include "hex.h"
#include "verr.h"
#include "../test.h"

#define DIR "tdx/go-tdx-guest/"
/* TDX quote v4: TD body at 48; RTMR0..3 at 376, 424, 472, 520 (DESIGN.md section 3). */
#define QUOTE_RTMR0 376

static void test_table(void)
{
	struct poc_err e = { 0 };
	struct poc_ccel_table t;
	size_t len;
	uint8_t *buf = poc_test_read_data(DIR "ccel_table.dat", &len);
	uint8_t bad[64];

	if (!ok(poc_ccel_table_parse(&e, buf, len, &t) == 0, "ccel_table.dat parses"))
		diag("%s", e.msg);
	is_int(t.cc_type, POC_CCEL_TYPE_TDX, "CC type 2 (TDX)");
	is_int(t.cc_subtype, 0, "CC subtype 0");
	is_int(t.laml, 0x40000, "LAML 256 KiB");
	is_int(t.lasa, 0xbedbf000, "LASA");

	memcpy(bad, buf, len);
	bad[50] ^= 1;
	poc_err_clear(&e);
	ok(poc_ccel_table_parse(&e, bad, len, &t) == -1 && e.code == POC_ERR_MALFORMED &&
		   strstr(e.msg, "checksum") != NULL, "bad checksum rejected: %s", e.msg);
	memcpy(bad, buf, len);
	bad[0] = 'T';
	bad[9] = (uint8_t)(bad[9] + 'C' - 'T'); /* keep the checksum right */
	poc_err_clear(&e);
	ok(poc_ccel_table_parse(&e, bad, len, &t) == -1 && strstr(e.msg, "signature") != NULL,
	   "bad signature rejected: %s", e.msg);
	memcpy(bad, buf, len);
	bad[36] = 7;
	bad[9] = (uint8_t)(bad[9] - 5);
	poc_err_clear(&e);
	ok(poc_ccel_table_parse(&e, bad, len, &t) == -1 && e.code == POC_ERR_UNSUPPORTED,
	   "CC type 7 rejected: %s", e.msg);
	{
		size_t rejected = 0;

		for (size_t l = 0; l < len; l++) {
			uint8_t *c = malloc(l ? l : 1);

			memcpy(c, buf, l);
			poc_err_clear(&e);
			if (poc_ccel_table_parse(&e, c, l, &t) == -1 && e.code == POC_ERR_TRUNCATED)
				rejected++;
			else
				diag("truncated table of %zu bytes: %s", l, e.msg);
			free(c);
		}
		is_int(rejected, len, "every truncated table (0..%zu bytes) rejected as truncated", len - 1);
	}
	memcpy(bad, buf, len);
	bad[4] = 40; /* length below the CCEL fields */
	bad[9] = (uint8_t)(bad[9] + 56 - 40);
	poc_err_clear(&e);
	ok(poc_ccel_table_parse(&e, bad, len, &t) == -1, "short length field rejected: %s", e.msg);
	free(buf);
}

static void test_log(void)
{
	struct poc_err e = { 0 };
	struct poc_evlog log;
	uint8_t rtmr[POC_CCEL_RTMRS][POC_CCEL_MR_LEN], quoted[POC_CCEL_RTMRS][POC_CCEL_MR_LEN];
	size_t len, qlen;
	uint8_t *buf = poc_test_read_data(DIR "ccel_data.dat", &len);
	uint8_t *q = poc_test_read_data(DIR "cos-113-tdx-quote.dat", &qlen);
	char hex[2 * POC_CCEL_MR_LEN + 1];
	int counts[5] = { 0 };

	ok(qlen >= QUOTE_RTMR0 + 4 * POC_CCEL_MR_LEN, "quote holds the RTMRs");
	for (int i = 0; i < POC_CCEL_RTMRS; i++)
		memcpy(quoted[i], q + QUOTE_RTMR0 + i * POC_CCEL_MR_LEN, POC_CCEL_MR_LEN);

	if (!ok(poc_evlog_parse(&e, buf, len, &log) == 0, "ccel_data.dat (%zu bytes, padded) parses", len)) {
		diag("%s", e.msg);
		goto done;
	}
	diag("%zu events, %zu bytes before the padding", log.nevents, log.len);
	ok(log.len < len && log.len > 1000, "padding excluded");
	ok(log.nalgs == 1 && log.algs[0] == 0x000c, "algorithms: sha384 only");
	for (size_t i = 0; i < log.nevents; i++) {
		char d[160];

		poc_evlog_describe(&log.ev[i], d, sizeof(d));
		if (log.ev[i].pcr <= 4)
			counts[log.ev[i].pcr]++;
		if (i < 12 || i + 3 > log.nevents)
			diag("#%zu MR %u %s", i, log.ev[i].pcr, d);
	}
	diag("events per MR index: MRTD %d, RTMR0 %d, RTMR1 %d, RTMR2 %d, RTMR3 %d", counts[0],
	     counts[1], counts[2], counts[3], counts[4]);

	poc_err_clear(&e);
	ok(poc_ccel_replay(&e, &log, rtmr) == 0, "replay");
	for (int i = 0; i < 3; i++) {
		poc_hex_encode(rtmr[i], 8, hex);
		ok(memcmp(rtmr[i], quoted[i], POC_CCEL_MR_LEN) == 0, "RTMR%d reproduced (%s...)", i, hex);
	}
	poc_err_clear(&e);
	if (!ok(poc_ccel_check(&e, &log, quoted, 0xf) == 0, "check passes (RTMR0-3, strict)"))
		diag("%s", e.msg);

	quoted[1][47] ^= 0x80;
	poc_err_clear(&e);
	ok(poc_ccel_check(&e, &log, quoted, 0xf) == -1 && e.code == POC_ERR_MISMATCH, "changed RTMR1 fails");
	ok(strstr(e.msg, "RTMR1 ") != NULL, "message names RTMR1");
	diag("%s", e.msg);
	quoted[1][47] ^= 0x80;

	/* A flipped digest in the log changes the replay. */
	{
		uint8_t *copy = malloc(len);
		struct poc_evlog log2;
		const struct poc_evlog_event *ev = &log.ev[log.nevents / 2];

		memcpy(copy, buf, len);
		copy[ev->offset + 12 + 2 + 7] ^= 1;
		poc_err_clear(&e);
		ok(poc_evlog_parse(&e, copy, len, &log2) == 0, "flipped log parses");
		ok(poc_ccel_check(&e, &log2, quoted, 0xf) == -1 && e.code == POC_ERR_MISMATCH,
		   "flipped digest fails the check: %s", e.msg);
		poc_evlog_free(&log2);
		free(copy);
	}

	/* Events that name an MR index past RTMR3 are malformed. */
	{
		struct poc_evlog fake = log;
		struct poc_evlog_event ev = log.ev[1];

		ev.pcr = 9;
		fake.ev = &ev;
		fake.nevents = 1;
		poc_err_clear(&e);
		ok(poc_ccel_replay(&e, &fake, rtmr) == -1 && e.code == POC_ERR_MALFORMED,
		   "MR index 9 rejected: %s", e.msg);
	}
	poc_evlog_free(&log);
done:
	free(q);
	free(buf);
}

/* Strict replay against the cos-113 quote: trimmed CCELs and odd quoted RTMRs fail. */
static void test_strict(void)
{
	static const struct {
		const char *name;
		int how;        /* 0 whole, 1 no events, 2 no RTMR1 events, 3 last RTMR2 event dropped, 4 first RTMR0 event dropped */
		int rtmr, byte; /* quoted RTMR to set to byte (rtmr < 0: none) */
		uint32_t mask;
		int want_rv;
		const char *want_msg;
	} cases[] = {
		{ "the whole CCEL", 0, -1, 0, 0xf, 0, NULL },
		{ "a CCEL with no events", 1, -1, 0, 0xf, -1, "RTMR0 is quoted" },
		{ "the RTMR1 events removed", 2, -1, 0, 0xf, -1, "RTMR1 is quoted" },
		{ "the last RTMR2 event dropped", 3, -1, 0, 0xf, -1, "RTMR2 replays" },
		{ "the first RTMR0 event dropped", 4, -1, 0, 0xf, -1, "RTMR0 replays" },
		{ "RTMR3 quoted nonzero", 0, 3, 1, 0xf, -1, "RTMR3 is quoted" },
		{ "RTMR3 quoted nonzero, outside the mask", 0, 3, 1, 0x7, 0, NULL },
	};
	struct poc_err e = { 0 };
	struct poc_evlog log, t;
	uint8_t quoted[POC_CCEL_RTMRS][POC_CCEL_MR_LEN], q[POC_CCEL_RTMRS][POC_CCEL_MR_LEN];
	struct poc_evlog_event *store;
	size_t len, qlen, last2 = 0, first0 = SIZE_MAX;
	uint8_t *buf = poc_test_read_data(DIR "ccel_data.dat", &len);
	uint8_t *qb = poc_test_read_data(DIR "cos-113-tdx-quote.dat", &qlen);

	for (int i = 0; i < POC_CCEL_RTMRS; i++)
		memcpy(quoted[i], qb + QUOTE_RTMR0 + i * POC_CCEL_MR_LEN, POC_CCEL_MR_LEN);
	if (!ok(poc_evlog_parse(&e, buf, len, &log) == 0, "CCEL parses"))
		goto done;
	is_int(poc_ccel_extended_mask(&log), 0x7, "the CCEL extends RTMR0-2");
	for (size_t i = 0; i < log.nevents; i++) {
		if (log.ev[i].type == POC_EV_NO_ACTION)
			continue;
		if (log.ev[i].pcr == 3)
			last2 = i;
		if (log.ev[i].pcr == 1 && first0 == SIZE_MAX)
			first0 = i;
	}
	store = calloc(log.nevents, sizeof(*store));
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		int how = cases[c].how, rv;

		t = log;
		t.ev = store;
		t.nevents = 0;
		for (size_t i = 0; i < log.nevents; i++)
			if (!(how == 1 || (how == 2 && log.ev[i].pcr == 2) || (how == 3 && i == last2) || (how == 4 && i == first0)))
				store[t.nevents++] = log.ev[i];
		memcpy(q, quoted, sizeof(q));
		if (cases[c].rtmr >= 0)
			memset(q[cases[c].rtmr], cases[c].byte, POC_CCEL_MR_LEN);
		poc_err_clear(&e);
		rv = poc_ccel_check(&e, &t, (const uint8_t(*)[POC_CCEL_MR_LEN])q, cases[c].mask);
		if (!ok(rv == cases[c].want_rv && (cases[c].want_msg == NULL || strstr(e.msg, cases[c].want_msg) != NULL),
			"%s: %s (%zu events)", cases[c].name, rv == 0 ? "passes" : "fails", t.nevents))
			diag("rv %d, message \"%s\", want \"%s\"", rv, e.msg, cases[c].want_msg ? cases[c].want_msg : "");
	}
	free(store);
	poc_evlog_free(&log);
done:
	free(qb);
	free(buf);
}

int main(void)
{
	test_table();
	test_log();
	test_strict();
	return poc_test_done();
}
