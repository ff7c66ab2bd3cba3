/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the shared pieces of libpocverify: errors, hex, PCR files, X.509 chains. */
#include <tss2/tss2_tpm2_types.h>
#include <openssl/x509.h>

#include "hex.h"
#include "pcrs.h"
#include "verr.h"
#include "x509.h"
#include "../test.h"

static void test_err(void)
{
	struct poc_err e = { 0 };

	ok(poc_err_set(&e, POC_ERR_SIGNATURE, "quote %d", 1) == -1, "poc_err_set returns -1");
	poc_err_set(&e, POC_ERR_MALFORMED, "later, vaguer");
	is_int(e.code, POC_ERR_SIGNATURE, "first error wins");
	is_str(e.msg, "quote 1", "message kept");
	poc_err_prefix(&e, "tpm: ");
	is_str(e.msg, "tpm: quote 1", "prefix");
	is_str(poc_strerror(POC_ERR_NONCE), "nonce", "code name");
	poc_err_clear(&e);
	is_int(e.code, POC_OK, "cleared");
}

static void test_hex(void)
{
	struct poc_err e = { 0 };
	uint8_t out[4];
	size_t n = 0;
	char s[9];

	static const struct {
		const char *in;
		int want;
		size_t len;
	} cases[] = {
		{ "9009", 0, 2 }, { "DEADbeef", 0, 4 }, { "", 0, 0 }, { "900", -1, 0 },
		{ "zz", -1, 0 }, { "0011223344", -1, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		poc_err_clear(&e);
		int rv = poc_hex_decode(&e, cases[i].in, strlen(cases[i].in), out, sizeof(out), &n);
		is_int(rv, cases[i].want, "hex decode \"%s\"", cases[i].in);
		if (rv == 0)
			is_int(n, cases[i].len, "hex decode \"%s\" length", cases[i].in);
	}
	poc_hex_encode((const uint8_t *)"\x90\x09\xab", 3, s);
	is_str(s, "9009ab", "hex encode");
}

static void test_pcrs(void)
{
	struct poc_err e = { 0 };
	struct poc_pcrs p = { 0 };
	const struct poc_pcr_bank *b;
	const char *good = "# comment\n0 0f35c214608d93c7a6e68ae7359b4a8be5a0e99eea9107ece427c4dea4e439cf\n\n"
			   "23 0x0000000000000000000000000000000000000000000000000000000000000000\n";
	uint8_t *txt;
	size_t len;

	ok(poc_pcrs_parse_text(&e, &p, TPM2_ALG_SHA256, good, strlen(good)) == 0, "PCR text parses: %s", e.msg);
	b = poc_pcrs_bank_get(&p, TPM2_ALG_SHA256);
	ok(b != NULL && b->mask == ((1u << 0) | (1u << 23)), "PCRs 0 and 23 present");
	ok(b != NULL && b->v[0][0] == 0x0f && b->v[0][31] == 0xcf, "PCR0 value");

	static const char *bad[] = { "24 00\n", "0 0f35\n", "x 00\n", "0\n", "0 zz\n" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct poc_pcrs q = { 0 };

		poc_err_clear(&e);
		ok(poc_pcrs_parse_text(&e, &q, TPM2_ALG_SHA256, bad[i], strlen(bad[i])) == -1 &&
			   e.code == POC_ERR_MALFORMED,
		   "bad PCR line %zu rejected: %s", i, e.msg);
	}
	txt = poc_test_read_data("gce-cos85-nonce9009/pcrs-sha384.txt", &len);
	poc_err_clear(&e);
	ok(poc_pcrs_parse_text(&e, &p, TPM2_ALG_SHA384, (char *)txt, len) == 0 &&
		   poc_pcrs_bank_get(&p, TPM2_ALG_SHA384)->mask == 0xffffff,
	   "real GCE sha384 PCR file has PCR 0-23");
	free(txt);
}

static STACK_OF(X509) *load(const char *rel)
{
	struct poc_err e = { 0 };
	size_t len;
	uint8_t *b = poc_test_read_data(rel, &len);
	STACK_OF(X509) *s = poc_x509_load(&e, b, len);

	free(b);
	if (s == NULL)
		diag("%s: %s", rel, e.msg);
	return s;
}

static void chain_case(const char *leaf, const char *inter, const char *root, int64_t at,
		       enum poc_verr want)
{
	STACK_OF(X509) *l = load(leaf), *i = load(inter), *r = load(root), *chain = NULL;
	struct poc_err e = { 0 };
	int rv;

	if (l == NULL || i == NULL || r == NULL) {
		ok(0, "load %s", leaf);
		goto done;
	}
	rv = poc_x509_chain_verify(&e, sk_X509_value(l, 0), i, r, at, &chain);
	is_int(rv == 0 ? POC_OK : e.code, want, "%s via %s to %s at %lld%s%s", leaf, inter, root,
	       (long long)at, rv ? ": " : "", e.msg);
	if (rv == 0)
		is_int(sk_X509_num(chain), 3, "chain has leaf, intermediate, root");
done:
	sk_X509_pop_free(l, X509_free);
	sk_X509_pop_free(i, X509_free);
	sk_X509_pop_free(r, X509_free);
	sk_X509_pop_free(chain, X509_free);
}

static void test_x509(void)
{
	const int64_t t2026 = 1780000000;
	struct poc_err e = { 0 };

	/* The leaves and issuers stated in testdata/real/README.md. */
	chain_case("gce-certs/pca_tpm_rsa_sign_cert.pem", "gce-certs/gce-ekak-ca-intermediate-v3.pem",
		   "gce-certs/gce-ekak-ca-root.pem", t2026, POC_OK);
	chain_case("gce-certs/pca_tpm_ecc_sign_cert.pem", "gce-certs/gce-ekak-ca-intermediate-v3.pem",
		   "gce-certs/gce-ekak-ca-root.pem", t2026, POC_OK);
	chain_case("gce-certs/uca_tpm_rsa_sign_cert.pem", "gce-certs/gce-tpm-ek-intermediate-3.pem",
		   "gce-certs/gce-tpm-ek-root-1.pem", t2026, POC_OK);
	chain_case("gce-certs/uca_tpm_ecc_enc_cert.pem", "gce-certs/gce-tpm-ek-intermediate-3.pem",
		   "gce-certs/gce-tpm-ek-root-1.pem", t2026, POC_OK);
	chain_case("gce-certs/gce-2024-ek.pem", "gce-certs/gce-ekak-ca-intermediate-2024.pem",
		   "gce-certs/gce-ekak-ca-root.pem", t2026, POC_OK);
	chain_case("gce-certs/gce-2024-ak.pem", "gce-certs/gce-ekak-ca-intermediate-v3.pem",
		   "gce-certs/gce-ekak-ca-root.pem", t2026, POC_OK);
	chain_case("gce-cos85-nonce9009/ak.crt.der", "gce-certs/gce-tpm-ek-intermediate-2.pem",
		   "gce-certs/gce-tpm-ek-root-1.pem", t2026, POC_OK);
	/* Wrong root, wrong intermediate, and a time after every certificate expired. */
	chain_case("gce-cos85-nonce9009/ak.crt.der", "gce-certs/gce-tpm-ek-intermediate-2.pem",
		   "gce-certs/gce-ekak-ca-root.pem", t2026, POC_ERR_CHAIN);
	chain_case("gce-certs/gce-2024-ek.pem", "gce-certs/gce-ekak-ca-intermediate-v3.pem",
		   "gce-certs/gce-ekak-ca-root.pem", t2026, POC_ERR_CHAIN);
	chain_case("gce-cos85-nonce9009/ak.crt.der", "gce-certs/gce-tpm-ek-intermediate-2.pem",
		   "gce-certs/gce-tpm-ek-root-1.pem", 4102444800LL * 2, POC_ERR_EXPIRED);

	ok(poc_x509_load(&e, (const uint8_t *)"garbage", 7) == NULL && e.code == POC_ERR_MALFORMED,
	   "garbage is not a certificate");
	poc_err_clear(&e);
	ok(poc_x509_load(&e, (const uint8_t *)"-----BEGIN nothing", 18) == NULL, "PEM with no certificate");
}

int main(void)
{
	test_err();
	test_hex();
	test_pcrs();
	test_x509();
	return poc_test_done();
}
