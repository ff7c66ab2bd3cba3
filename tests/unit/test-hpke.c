/* SPDX-License-Identifier: Apache-2.0 */
/*
 * remote/hpke against RFC 9180 appendix A.3.1 (DHKEM(P-256, HKDF-SHA256), HKDF-SHA256,
 * AES-128-GCM, base mode): the vector's keys, shared_secret, key, base_nonce and the
 * encryptions of sequence numbers 0, 1, 2, 4, 255 and 256; then a round trip through the
 * single-shot API, and a one-byte change of enc, ciphertext, aad and info each refused.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "hex.h"
#include "remote/hpke.h"
#include "../test.h"

static const char *INFO = "4f6465206f6e2061204772656369616e2055726e";
static const char *SKEM = "4995788ef4b9d6132b249ce59a77281493eb39af373d236a1fe415cb0c2d7beb";
static const char *PKEM = "04a92719c6195d5085104f469a8b9814d5838ff72b60501e2c4466e5e67b325ac98536d7b61a1af4b78e5b"
			  "7f951c0900be863c403ce65c9bfcb9382657222d18c4";
static const char *SKRM = "f3ce7fdae57e1a310d87f1ebbde6f328be0a99cdbcadf4d6589cf29de4b8ffd2";
static const char *PKRM = "04fe8c19ce0905191ebc298a9245792531f26f0cece2460639e8bc39cb7f706a826a779b4cf969b8a0e539"
			  "c7f62fb3d30ad6aa8f80e30f1d128aafd68a2ce72ea0";
static const char *SHARED = "c0d26aeab536609a572b07695d933b589dcf363ff9d93c93adea537aeabb8cb8";
static const char *KEY = "868c066ef58aae6dc589b6cfdd18f97e";
static const char *BASE_NONCE = "4e0bc5018beba4bf004cca59";
static const char *PT = "4265617574792069732074727574682c20747275746820626561757479"; /* "Beauty is truth, truth beauty" */

static const struct {
	uint64_t seq;
	const char *ct;
} ENCRYPTIONS[] = {
	{ 0, "5ad590bb8baa577f8619db35a36311226a896e7342a6d836d8b7bcd2f20b6c7f9076ac232e3ab2523f39513434" },
	{ 1, "fa6f037b47fc21826b610172ca9637e82d6e5801eb31cbd3748271affd4ecb06646e0329cbdf3c3cd655b28e82" },
	{ 2, "895cabfac50ce6c6eb02ffe6c048bf53b7f7be9a91fc559402cbc5b8dcaeb52b2ccc93e466c28fb55fed7a7fec" },
	{ 4, "8787491ee8df99bc99a246c4b3216d3d57ab5076e18fa27133f520703bc70ec999dd36ce042e44f0c3169a6a8f" },
	{ 255, "2ad71c85bf3f45c6eca301426289854b31448bcf8a8ccb1deef3ebd87f60848aa53c538c30a4dac71d619ee2cd" },
	{ 256, "10f179686aa2caec1758c8e554513f16472bd0a11e2a907dde0b212cbe87d74f367f8ffe5e41cd3e9962a6afb2" },
};

static size_t unhex(const char *h, uint8_t *out)
{
	struct poc_err e = { 0 };

	size_t n = 0;

	if (poc_hex_decode(&e, h, strlen(h), out, strlen(h) / 2, &n) < 0) {
		printf("Bail out! bad hex in the vector: %s\n", e.msg);
		exit(1);
	}
	return strlen(h) / 2;
}

static int eq_hex(const uint8_t *got, size_t n, const char *want)
{
	uint8_t w[256];

	return unhex(want, w) == n && memcmp(got, w, n) == 0;
}

static void test_vector(void)
{
	struct poc_err e = { 0 };
	struct poc_hpke_ctx s, r;
	uint8_t skE[32], skR[32], pkR[65], pkE[65], info[64], pt[64], enc[65], ss[32], ct[128], out[128];
	size_t info_len = unhex(INFO, info), pt_len = unhex(PT, pt);
	EVP_PKEY *kE, *kR;

	unhex(SKEM, skE);
	unhex(SKRM, skR);
	unhex(PKRM, pkR);
	kE = poc_p256_from_scalar(skE);
	kR = poc_p256_from_scalar(skR);
	ok(kE != NULL && kR != NULL, "skEm and skRm load as P-256 keys");
	ok(kE && poc_p256_point(kE, pkE) == 0 && eq_hex(pkE, 65, PKEM), "pkEm derived from skEm");
	ok(kR && poc_p256_point(kR, pkR) == 0 && eq_hex(pkR, 65, PKRM), "pkRm derived from skRm");
	ok(poc_hpke_encap(&e, pkR, 65, kE, enc, ss) == 0 && eq_hex(enc, 65, PKEM) && eq_hex(ss, 32, SHARED),
	   "Encap: enc = pkEm, shared_secret");
	memset(ss, 0, sizeof(ss));
	ok(poc_hpke_decap(&e, enc, 65, kR, ss) == 0 && eq_hex(ss, 32, SHARED), "Decap: shared_secret");
	ok(poc_hpke_setup_s(&e, pkR, 65, kE, info, info_len, enc, &s) == 0 && eq_hex(s.key, 16, KEY) &&
		   eq_hex(s.base_nonce, 12, BASE_NONCE),
	   "SetupBaseS: key, base_nonce");
	ok(poc_hpke_setup_r(&e, enc, 65, kR, info, info_len, &r) == 0 && eq_hex(r.key, 16, KEY) &&
		   eq_hex(r.base_nonce, 12, BASE_NONCE),
	   "SetupBaseR: key, base_nonce");
	for (size_t i = 0; i < sizeof(ENCRYPTIONS) / sizeof(ENCRYPTIONS[0]); i++) {
		char aad[32];
		int n = snprintf(aad, sizeof(aad), "Count-%llu", (unsigned long long)ENCRYPTIONS[i].seq);

		s.seq = r.seq = ENCRYPTIONS[i].seq;
		ok(poc_hpke_seal(&e, &s, (uint8_t *)aad, (size_t)n, pt, pt_len, ct) == 0 &&
			   eq_hex(ct, pt_len + 16, ENCRYPTIONS[i].ct),
		   "seal, sequence number %llu", (unsigned long long)ENCRYPTIONS[i].seq);
		ok(poc_hpke_open(&e, &r, (uint8_t *)aad, (size_t)n, ct, pt_len + 16, out) == 0 &&
			   memcmp(out, pt, pt_len) == 0 && r.seq == ENCRYPTIONS[i].seq + 1,
		   "open, sequence number %llu", (unsigned long long)ENCRYPTIONS[i].seq);
	}
	poc_hpke_ctx_wipe(&s);
	poc_hpke_ctx_wipe(&r);
	EVP_PKEY_free(kE);
	EVP_PKEY_free(kR);
}

/* Opens in with one byte of (which: 0 enc, 1 ct, 2 aad, 3 info) flipped: 0 when refused as expected. */
static int tampered(EVP_PKEY *kR, const uint8_t *in, size_t inlen, int which, size_t at)
{
	struct poc_err e = { 0 };
	uint8_t buf[256], aad[] = "the EAR digest", info[] = "the request digest", *pt = NULL;
	size_t ptlen = 0;
	int rc;

	memcpy(buf, in, inlen);
	if (which == 0 || which == 1)
		buf[at] ^= 0x01;
	else if (which == 2)
		aad[at] ^= 0x01;
	else
		info[at] ^= 0x01;
	rc = poc_hpke_open_base(&e, kR, info, sizeof(info) - 1, aad, sizeof(aad) - 1, buf, inlen, &pt, &ptlen);
	if (rc == 0)
		OPENSSL_clear_free(pt, ptlen);
	return rc == -1 && pt == NULL && (e.code == POC_ERR_SIGNATURE || e.code == POC_ERR_MALFORMED) ? 0 : -1;
}

static void test_one_byte(void)
{
	struct poc_err e = { 0 };
	EVP_PKEY *kR = poc_p256_generate();
	uint8_t pkR[65], aad[] = "the EAR digest", info[] = "the request digest", share[32], *ct = NULL, *pt = NULL;
	size_t ctlen = 0, ptlen = 0;

	memset(share, 0x5a, sizeof(share));
	ok(kR != NULL && poc_p256_point(kR, pkR) == 0, "a fresh recipient key");
	ok(poc_hpke_seal_base(&e, pkR, 65, info, sizeof(info) - 1, aad, sizeof(aad) - 1, share, 32, &ct, &ctlen) == 0 &&
		   ctlen == 65 + 32 + 16,
	   "single-shot seal: enc || ct");
	ok(ct && poc_hpke_open_base(&e, kR, info, sizeof(info) - 1, aad, sizeof(aad) - 1, ct, ctlen, &pt, &ptlen) == 0 &&
		   ptlen == 32 && memcmp(pt, share, 32) == 0,
	   "single-shot open: the share back");
	if (pt)
		OPENSSL_clear_free(pt, ptlen);
	if (ct == NULL)
		return;
	ok(tampered(kR, ct, ctlen, 0, 0) == 0 && tampered(kR, ct, ctlen, 0, 33) == 0 &&
		   tampered(kR, ct, ctlen, 0, 64) == 0,
	   "one byte of enc changed: refused (first, middle, last)");
	ok(tampered(kR, ct, ctlen, 1, 65) == 0 && tampered(kR, ct, ctlen, 1, 90) == 0 &&
		   tampered(kR, ct, ctlen, 1, ctlen - 1) == 0,
	   "one byte of the ciphertext or tag changed: refused");
	ok(tampered(kR, ct, ctlen, 2, 0) == 0 && tampered(kR, ct, ctlen, 2, 13) == 0, "one byte of aad changed: refused");
	ok(tampered(kR, ct, ctlen, 3, 0) == 0 && tampered(kR, ct, ctlen, 3, 17) == 0, "one byte of info changed: refused");
	ok(poc_hpke_open_base(&e, kR, info, sizeof(info) - 1, aad, sizeof(aad) - 1, ct, ctlen - 1, &pt, &ptlen) == -1,
	   "a truncated ciphertext: refused");
	{
		EVP_PKEY *other = poc_p256_generate();

		ok(other && poc_hpke_open_base(&e, other, info, sizeof(info) - 1, aad, sizeof(aad) - 1, ct, ctlen, &pt,
					       &ptlen) == -1,
		   "another recipient key: refused");
		EVP_PKEY_free(other);
	}
	free(ct);
	EVP_PKEY_free(kR);
}

static void test_bad_points(void)
{
	struct poc_err e = { 0 };
	uint8_t pk[65], enc[65], ss[32], zero[32] = { 0 };

	unhex(PKRM, pk);
	pk[64] ^= 1; /* off the curve */
	ok(poc_hpke_encap(&e, pk, 65, NULL, enc, ss) == -1 && e.code == POC_ERR_MALFORMED, "pkR off the curve: refused");
	pk[64] ^= 1;
	pk[0] = 0x02;
	poc_err_clear(&e);
	ok(poc_hpke_encap(&e, pk, 33, NULL, enc, ss) == -1, "a compressed pkR: refused");
	ok(poc_p256_from_scalar(zero) == NULL, "a zero scalar: refused");
}

int main(void)
{
	test_vector();
	test_one_byte();
	test_bad_points();
	return poc_test_done();
}
