/* SPDX-License-Identifier: Apache-2.0 */
/* Evidence bundle: round trip, strict types, truncation, and size limits. */
#include <tss2/tss2_tpm2_types.h>

#include "bundle.h"
#include "../test.h"

static void fill(struct poc_bundle *b)
{
	struct poc_err e = { 0 };
	struct poc_pcr_bank *bk;

	memset(b, 0, sizeof(*b));
	poc_blob_set(&e, &b->nonce, (const uint8_t *)"\x90\x09", 2);
	poc_blob_set(&e, &b->ak_pub, (const uint8_t *)"akpub", 5);
	poc_blob_set(&e, &b->ak_cert, (const uint8_t *)"akcert", 6);
	poc_blob_set(&e, &b->ak_chain[0], (const uint8_t *)"inter", 5);
	b->n_ak_chain = 1;
	poc_blob_set(&e, &b->eventlog, (const uint8_t *)"log", 3);
	poc_blob_set(&e, &b->quotes[0].attest, (const uint8_t *)"attest", 6);
	poc_blob_set(&e, &b->quotes[0].sig, (const uint8_t *)"sig", 3);
	bk = poc_pcrs_bank(&b->quotes[0].pcrs, TPM2_ALG_SHA256, 1);
	bk->mask = (1u << 0) | (1u << 7);
	bk->v[7][0] = 0x77;
	b->nquotes = 1;
	poc_blob_set(&e, &b->tdx_quote, (const uint8_t *)"tdquote", 7);
	poc_blob_set(&e, &b->collateral[POC_COLL_PCK_CRL], (const uint8_t *)"crl", 3);
	b->has_collateral = 1;
	b->has_timing = 1;
	b->nonce_ms = 1000;
	b->evidence_ms = 1250;
}

static void test_roundtrip(void)
{
	struct poc_bundle a, b;
	struct poc_err e = { 0 };
	uint8_t *buf = NULL;
	size_t len = 0, cut;
	const struct poc_pcr_bank *bk;
	int crashes = 0;

	fill(&a);
	ok(poc_bundle_encode(&e, &a, &buf, &len) == 0, "encode: %s", e.msg);
	ok(poc_bundle_decode(&e, buf, len, &b) == 0, "decode: %s", e.msg);
	ok(b.nonce.len == 2 && memcmp(b.nonce.p, "\x90\x09", 2) == 0, "nonce survives");
	ok(b.ak_pub.len == 5 && b.ak_cert.len == 6 && b.n_ak_chain == 1 && b.eventlog.len == 3, "tpm members survive");
	ok(b.nquotes == 1 && b.quotes[0].attest.len == 6 && b.quotes[0].sig.len == 3, "quote survives");
	bk = poc_pcrs_bank_get(&b.quotes[0].pcrs, TPM2_ALG_SHA256);
	ok(bk && bk->mask == ((1u << 0) | (1u << 7)) && bk->v[7][0] == 0x77, "PCR values survive");
	ok(b.tdx_quote.len == 7 && b.has_collateral && b.collateral[POC_COLL_PCK_CRL].len == 3 &&
		   b.collateral[POC_COLL_TCB_INFO].p == NULL, "tdx members survive");
	ok(b.has_timing && b.nonce_ms == 1000 && b.evidence_ms == 1250, "timing survives");
	poc_bundle_free(&b);
	/* Every proper prefix is rejected, never crashes. */
	for (cut = 0; cut < len; cut++) {
		poc_err_clear(&e);
		if (poc_bundle_decode(&e, buf, cut, &b) == 0) {
			crashes++;
			poc_bundle_free(&b);
		}
	}
	is_int(crashes, 0, "every truncation of a %zu-byte bundle is rejected", len);
	/* Trailing bytes. */
	{
		uint8_t *longer = malloc(len + 1);

		memcpy(longer, buf, len);
		longer[len] = 0;
		poc_err_clear(&e);
		ok(poc_bundle_decode(&e, longer, len + 1, &b) == -1 && e.code == POC_ERR_MALFORMED,
		   "trailing byte rejected: %s", e.msg);
		free(longer);
	}
	free(buf);
	poc_bundle_free(&a);
}

/* Hand-written CBOR with wrong types and versions. */
static void test_bad(void)
{
	static const struct {
		const char *name;
		const uint8_t *cbor;
		size_t len;
		enum poc_verr want;
	} cases[] = {
		{ "not a map", (const uint8_t *)"\x01", 1, POC_ERR_MALFORMED },
		{ "no version", (const uint8_t *)"\xa0", 1, POC_ERR_UNSUPPORTED },
		{ "version 2", (const uint8_t *)"\xa1\x67version\x02", 10, POC_ERR_UNSUPPORTED },
		{ "version as text", (const uint8_t *)"\xa1\x67version\x61\x31", 11, POC_ERR_MALFORMED },
		{ "nonce as int", (const uint8_t *)"\xa2\x67version\x01\x65nonce\x01", 17, POC_ERR_MALFORMED },
		{ "tpm as array", (const uint8_t *)"\xa2\x67version\x01\x63tpm\x80", 15, POC_ERR_MALFORMED },
		{ "duplicate version", (const uint8_t *)"\xa2\x67version\x01\x67version\x01", 18, POC_ERR_MALFORMED },
		{ "quote without sig", (const uint8_t *)"\xa2\x67version\x01\x63tpm\xa1\x66quotes\x81\xa1\x66" "attest\x41\x00", 32, POC_ERR_MALFORMED },
		{ "garbage", (const uint8_t *)"\xff\xff", 2, POC_ERR_MALFORMED },
		/* Found by fuzz-bundle: a map announcing 2^63 pairs made libcbor allocate first. */
		{ "huge map count", (const uint8_t *)"\xba\xff\xff\xff\xff\xff\xff\xff\xff\xff\x2e\x63", 12, POC_ERR_MALFORMED },
		{ "huge array in a map", (const uint8_t *)"\xa1\x61\x61\x9b\x7f\xff\xff\xff\xff\xff\xff\xff", 12, POC_ERR_MALFORMED },
		{ "byte string longer than the input", (const uint8_t *)"\xa1\x61\x61\x5a\x00\x10\x00\x00\x00", 9, POC_ERR_MALFORMED },
		{ "deep nesting", (const uint8_t *)"\x81\x81\x81\x81\x81\x81\x81\x81\x81\x81\x81\x81\x81\x81\x81\x81\x81\x81\x81\x80", 20, POC_ERR_MALFORMED },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct poc_err e = { 0 };
		struct poc_bundle b;
		int rv = poc_bundle_decode(&e, cases[i].cbor, cases[i].len, &b);

		ok(rv == -1 && e.code == cases[i].want, "%s rejected (%s: %s)", cases[i].name, poc_strerror(e.code), e.msg);
		if (rv == 0)
			poc_bundle_free(&b);
	}
	{
		struct poc_err e = { 0 };
		struct poc_bundle b;

		ok(poc_bundle_decode(&e, (const uint8_t *)"", (size_t)POC_BUNDLE_MAX + 1, &b) == -1, "oversized bundle refused before parsing");
	}
}

int main(void)
{
	test_roundtrip();
	test_bad();
	return poc_test_done();
}
