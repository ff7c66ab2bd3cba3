/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Key management crypto (wrap.c, derive.c) against published answers: AES
 * key wrap (RFC 3394 section 4), key wrap with padding (RFC 5649 section 6),
 * HKDF (RFC 5869 A.1, A.3; SHA-384/512 against python cryptography's
 * HKDF), ECDH on P-256 (RFC 5903 section 8.1) raw and through the X9.63 KDF
 * (against python cryptography's X963KDF). Then the refusals: a tampered
 * wrap, wrong lengths, wrong key types, malformed parameters, a point off
 * the curve; RSA OAEP and AES-CBC-PAD round trips and the PKCS#8 export.
 */
#include <stdlib.h>
#include <string.h>

#include "store/object.h"
#include "crypto/p11_crypto.h"
#include "../test.h"

/* Hex into a static-sized buffer; returns its length. */
static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (s[0] != '\0' && s[1] != '\0' && n < cap) {
		unsigned v;

		if (sscanf(s, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

static int eq_hex(const uint8_t *got, size_t len, const char *want)
{
	uint8_t w[512];
	size_t n = unhex(want, w, sizeof(w));

	return n == len && memcmp(got, w, n) == 0;
}

static struct poc_key *aes_key(const char *hex)
{
	struct poc_err e = { 0 };
	uint8_t k[32];
	size_t n = unhex(hex, k, sizeof(k));

	return poc_key_from_secret(&e, CKK_AES, k, n);
}

static const struct {
	CK_MECHANISM_TYPE mech;
	const char *name, *kek, *data, *wrapped;
} kat[] = {
	{ CKM_AES_KEY_WRAP, "RFC 3394 4.1 (128-bit KEK, 128 bits)", "000102030405060708090A0B0C0D0E0F",
	  "00112233445566778899AABBCCDDEEFF", "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5" },
	{ CKM_AES_KEY_WRAP, "RFC 3394 4.2 (192-bit KEK, 128 bits)", "000102030405060708090A0B0C0D0E0F1011121314151617",
	  "00112233445566778899AABBCCDDEEFF", "96778B25AE6CA435F92B5B97C050AED2468AB8A17AD84E5D" },
	{ CKM_AES_KEY_WRAP, "RFC 3394 4.6 (256-bit KEK, 256 bits)",
	  "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
	  "00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F",
	  "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21" },
	{ CKM_AES_KEY_WRAP_KWP, "RFC 5649 6 (20 octets)", "5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8",
	  "c37b7e6492584340bed12207808941155068f738",
	  "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a" },
	{ CKM_AES_KEY_WRAP_KWP, "RFC 5649 6 (7 octets)", "5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8",
	  "466f7250617369", "afbeb0f07dfbf5419200f2ccb50bb24f" },
};

static void test_aes_kat(void)
{
	for (size_t i = 0; i < sizeof(kat) / sizeof(kat[0]); i++) {
		CK_MECHANISM m = { kat[i].mech, NULL, 0 };
		struct poc_key *k = aes_key(kat[i].kek);
		uint8_t data[64], out[80], *back = NULL;
		size_t dlen = unhex(kat[i].data, data, sizeof(data)), blen = 0;
		CK_ULONG olen = 0;

		if (!ok(k != NULL, "%s: KEK loads", kat[i].name))
			continue;
		is_int(poc_wrap(&m, k, data, dlen, NULL, &olen), CKR_OK, "%s: length query", kat[i].name);
		ok(olen == strlen(kat[i].wrapped) / 2, "%s: length %lu", kat[i].name, olen);
		olen = 8;
		is_int(poc_wrap(&m, k, data, dlen, out, &olen), CKR_BUFFER_TOO_SMALL, "%s: short buffer", kat[i].name);
		olen = sizeof(out);
		is_int(poc_wrap(&m, k, data, dlen, out, &olen), CKR_OK, "%s: wrap", kat[i].name);
		ok(eq_hex(out, olen, kat[i].wrapped), "%s: the published ciphertext", kat[i].name);
		is_int(poc_unwrap(&m, k, out, olen, &back, &blen), CKR_OK, "%s: unwrap", kat[i].name);
		ok(back != NULL && blen == dlen && memcmp(back, data, dlen) == 0, "%s: the key data back", kat[i].name);
		poc_secret_free(back, blen);
		/* Any changed byte fails the integrity check: nothing comes out. */
		out[olen / 2] ^= 0x01;
		back = NULL;
		is_int(poc_unwrap(&m, k, out, olen, &back, &blen), CKR_WRAPPED_KEY_INVALID, "%s: a flipped bit is refused",
		       kat[i].name);
		ok(back == NULL, "%s: and nothing is returned", kat[i].name);
		poc_key_free(k);
	}
}

static void test_aes_errors(void)
{
	CK_MECHANISM kw = { CKM_AES_KEY_WRAP, NULL, 0 }, kwp = { CKM_AES_KEY_WRAP_KWP, NULL, 0 };
	uint8_t iv[16] = { 0 }, data[40] = { 1, 2, 3 }, out[128], *back = NULL;
	CK_MECHANISM cbc = { CKM_AES_CBC_PAD, iv, sizeof(iv) }, cbc_noiv = { CKM_AES_CBC_PAD, NULL, 0 };
	CK_MECHANISM kw_iv = { CKM_AES_KEY_WRAP, iv, 8 }, gcm = { CKM_AES_GCM, NULL, 0 };
	struct poc_key *k = aes_key("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
	CK_ULONG olen = sizeof(out);
	size_t blen = 0;

	is_int(poc_wrap(&kw, k, data, 20, out, &olen), CKR_KEY_SIZE_RANGE, "KW: 20 bytes is not a multiple of 8");
	olen = sizeof(out);
	is_int(poc_wrap(&kw, k, data, 8, out, &olen), CKR_KEY_SIZE_RANGE, "KW: 8 bytes is too short");
	olen = sizeof(out);
	is_int(poc_wrap(&kw_iv, k, data, 16, out, &olen), CKR_MECHANISM_PARAM_INVALID, "KW: an own IV is refused");
	olen = sizeof(out);
	is_int(poc_wrap(&cbc_noiv, k, data, 16, out, &olen), CKR_MECHANISM_PARAM_INVALID, "CBC-PAD: no IV");
	olen = sizeof(out);
	is_int(poc_wrap(&gcm, k, data, 16, out, &olen), CKR_MECHANISM_INVALID, "GCM does not wrap");
	is_int(poc_unwrap(&kw, k, out, 20, &back, &blen), CKR_WRAPPED_KEY_LEN_RANGE, "KW unwrap: 20 bytes");
	is_int(poc_unwrap(&kw, k, out, 16, &back, &blen), CKR_WRAPPED_KEY_LEN_RANGE, "KW unwrap: 16 bytes");
	is_int(poc_unwrap(&cbc, k, out, 24, &back, &blen), CKR_WRAPPED_KEY_LEN_RANGE, "CBC-PAD unwrap: 24 bytes");
	/* KWP of 20 bytes, unwrapped as KW: another initial value, refused. */
	olen = sizeof(out);
	is_int(poc_wrap(&kwp, k, data, 20, out, &olen), CKR_OK, "KWP: 20 bytes");
	is_int(poc_unwrap(&kw, k, out, olen, &back, &blen), CKR_WRAPPED_KEY_INVALID, "a KWP wrap is not a KW one");
	/* CBC-PAD round trip, and a wrong IV gives other bytes or bad padding, never the key. */
	olen = sizeof(out);
	is_int(poc_wrap(&cbc, k, data, 40, out, &olen), CKR_OK, "CBC-PAD wrap of 40 bytes");
	ok(olen == 48, "CBC-PAD: 48 bytes (a full block of padding after 40 + 8)");
	is_int(poc_unwrap(&cbc, k, out, olen, &back, &blen), CKR_OK, "CBC-PAD unwrap");
	ok(back != NULL && blen == 40 && memcmp(back, data, 40) == 0, "CBC-PAD: the key back");
	poc_secret_free(back, blen);
	back = NULL;
	out[olen - 1] ^= 0xff;
	is_int(poc_unwrap(&cbc, k, out, olen, &back, &blen), CKR_WRAPPED_KEY_INVALID, "CBC-PAD: broken padding");
	poc_key_free(k);
}

static void test_oaep_and_material(void)
{
	struct poc_err e = { 0 };
	CK_RSA_PKCS_OAEP_PARAMS op = { CKM_SHA256, CKG_MGF1_SHA256, 0, NULL, 0 };
	CK_MECHANISM m = { CKM_RSA_PKCS_OAEP, &op, sizeof(op) }, kw = { CKM_AES_KEY_WRAP, NULL, 0 };
	uint8_t *secret = NULL, *spki = NULL, *mat = NULL, *back = NULL, out[512];
	size_t slen = 0, splen = 0, mlen = 0, blen = 0;
	struct poc_key *priv = NULL, *pub = NULL, *ec = NULL, *aes = aes_key("00112233445566778899AABBCCDDEEFF");
	CK_ULONG olen = sizeof(out);

	if (!is_int(poc_keygen(CKM_RSA_PKCS_KEY_PAIR_GEN, CKK_RSA, NULL, 0, 2048, &secret, &slen, &spki, &splen), CKR_OK,
		    "RSA-2048 key") ||
	    !ok((priv = poc_key_from_secret(&e, CKK_RSA, secret, slen)) != NULL, "RSA private key") ||
	    !ok((pub = poc_key_from_spki(&e, spki, splen)) != NULL, "RSA public key"))
		goto done;
	is_int(poc_key_material(pub, &mat, &mlen), CKR_KEY_NOT_WRAPPABLE, "a public key has no material to wrap");
	is_int(poc_key_material(priv, &mat, &mlen), CKR_OK, "a private key's material");
	ok(mat != NULL && mlen == slen && memcmp(mat, secret, slen) == 0, "is its PKCS#8 DER");
	poc_secret_free(mat, mlen);
	is_int(poc_key_material(aes, &mat, &mlen), CKR_OK, "an AES key's material");
	ok(mlen == 16 && eq_hex(mat, mlen, "00112233445566778899AABBCCDDEEFF"), "is its value");
	is_int(poc_wrap(&m, pub, mat, mlen, out, &olen), CKR_OK, "OAEP wraps the AES key to the public key");
	ok(olen == 256, "OAEP: a modulus-sized wrap");
	is_int(poc_unwrap(&m, pub, out, olen, &back, &blen), CKR_KEY_TYPE_INCONSISTENT, "the public key cannot unwrap");
	is_int(poc_unwrap(&m, priv, out, olen, &back, &blen), CKR_OK, "the private key unwraps");
	ok(back != NULL && blen == 16 && memcmp(back, mat, 16) == 0, "OAEP: the AES key back");
	poc_secret_free(back, blen);
	out[5] ^= 1;
	back = NULL;
	is_int(poc_unwrap(&m, priv, out, olen, &back, &blen), CKR_WRAPPED_KEY_INVALID, "OAEP: a changed wrap");
	is_int(poc_unwrap(&m, priv, out, 100, &back, &blen), CKR_WRAPPED_KEY_LEN_RANGE, "OAEP: a short wrap");
	olen = sizeof(out);
	is_int(poc_wrap(&kw, pub, mat, mlen, out, &olen), CKR_KEY_TYPE_INCONSISTENT, "AES-KW with an RSA key");
	olen = sizeof(out);
	is_int(poc_wrap(&m, aes, mat, mlen, out, &olen), CKR_KEY_TYPE_INCONSISTENT, "OAEP with an AES key");
	olen = sizeof(out);
	is_int(poc_wrap(&m, pub, secret, slen, out, &olen), CKR_KEY_SIZE_RANGE, "OAEP cannot wrap an RSA key");
	/* A private EC key wraps as PKCS#8 under KWP, and loads back as the same key. */
	poc_secret_free(secret, slen);
	free(spki);
	secret = spki = NULL;
	if (is_int(poc_keygen(CKM_EC_KEY_PAIR_GEN, CKK_EC, (const uint8_t *)"\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07", 10,
			      0, &secret, &slen, &spki, &splen),
		   CKR_OK, "P-256 key") &&
	    ok((ec = poc_key_from_secret(&e, CKK_EC, secret, slen)) != NULL, "P-256 private key")) {
		CK_MECHANISM kwp = { CKM_AES_KEY_WRAP_KWP, NULL, 0 };

		poc_secret_free(mat, mlen);
		is_int(poc_key_material(ec, &mat, &mlen), CKR_OK, "the EC key's PKCS#8");
		olen = sizeof(out);
		is_int(poc_wrap(&kwp, aes, mat, mlen, out, &olen), CKR_OK, "KWP wraps it");
		back = NULL;
		is_int(poc_unwrap(&kwp, aes, out, olen, &back, &blen), CKR_OK, "and unwraps it");
		ok(back != NULL && blen == slen && memcmp(back, secret, slen) == 0, "to the same PKCS#8");
		poc_secret_free(back, blen);
	}
done:
	poc_secret_free(mat, mlen);
	poc_secret_free(secret, slen);
	free(spki);
	poc_key_free(priv);
	poc_key_free(pub);
	poc_key_free(ec);
	poc_key_free(aes);
}

/* RFC 5903 8.1 (ECDH on P-256): the initiator's key as PKCS#8, the responder's point, and the shared x. */
#define RFC5903_I_PKCS8                                                                                                \
	"308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420c88f01f510d9ac3f70a292daa2316de544e9" \
	"aab8afe84049c62a9c57862d1433a14403420004dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c37725811805271" \
	"a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3"
#define RFC5903_R_POINT                                                                                                \
	"04d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf6356fbf3ca366cc23e8157854c13c58d6aac23f046ad" \
	"a30f8353e74f33039872ab"
#define RFC5903_Z "d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de"

static void test_ecdh(void)
{
	struct poc_err e = { 0 };
	uint8_t der[160], pt[80], wrapped[82], *out = NULL;
	size_t dlen = unhex(RFC5903_I_PKCS8, der, sizeof(der)), plen = unhex(RFC5903_R_POINT, pt, sizeof(pt));
	struct poc_key *k = poc_key_from_secret(&e, CKK_EC, der, dlen), *aes = aes_key("000102030405060708090A0B0C0D0E0F");
	CK_ECDH1_DERIVE_PARAMS p = { CKD_NULL, 0, NULL, plen, pt };

	if (!ok(k != NULL, "RFC 5903 initiator key loads"))
		return;
	is_int(poc_derive_ecdh(k, &p, 32, &out), CKR_OK, "ECDH, CKD_NULL, raw point");
	ok(out != NULL && eq_hex(out, 32, RFC5903_Z), "RFC 5903 8.1: the shared x-coordinate");
	poc_secret_free(out, 32);
	wrapped[0] = 0x04;
	wrapped[1] = (uint8_t)plen;
	memcpy(wrapped + 2, pt, plen);
	p.public_data = wrapped;
	p.public_data_len = plen + 2;
	is_int(poc_derive_ecdh(k, &p, 16, &out), CKR_OK, "ECDH, the point as a DER OCTET STRING, 16 bytes");
	ok(out != NULL && eq_hex(out, 16, "d6840f6b42f6edafd13116e0e1256520"), "the first 16 bytes of Z");
	poc_secret_free(out, 16);
	is_int(poc_derive_ecdh(k, &p, 33, &out), CKR_KEY_SIZE_RANGE, "CKD_NULL: no more than Z");
	p.kdf = CKD_SHA256_KDF;
	p.shared_data = (CK_BYTE_PTR) "abc";
	p.shared_data_len = 3;
	is_int(poc_derive_ecdh(k, &p, 32, &out), CKR_OK, "ECDH with the X9.63 SHA-256 KDF");
	ok(out != NULL && eq_hex(out, 32, "84556bb705d2c3ea9b23fdc950515d3bc758fe0245784b091a658dca8ff45041"),
	   "equals python cryptography's X963KDF(SHA256, sharedinfo \"abc\")");
	poc_secret_free(out, 32);
	out = NULL;
	p.kdf = 0x99;
	is_int(poc_derive_ecdh(k, &p, 32, &out), CKR_MECHANISM_PARAM_INVALID, "an unknown KDF");
	p.kdf = CKD_NULL;
	is_int(poc_derive_ecdh(k, &p, 32, &out), CKR_MECHANISM_PARAM_INVALID, "shared data with CKD_NULL");
	p.shared_data = NULL;
	p.shared_data_len = 0;
	wrapped[2 + 40] ^= 1; /* off the curve */
	is_int(poc_derive_ecdh(k, &p, 32, &out), CKR_MECHANISM_PARAM_INVALID, "a point off the curve");
	p.public_data_len = 10;
	is_int(poc_derive_ecdh(k, &p, 32, &out), CKR_MECHANISM_PARAM_INVALID, "a truncated point");
	is_int(poc_derive_ecdh(aes, &p, 32, &out), CKR_KEY_TYPE_INCONSISTENT, "an AES base key");
	ok(out == NULL, "no output from any refusal");
	poc_key_free(k);
	poc_key_free(aes);
}

static void test_hkdf(void)
{
	uint8_t ikm[22], salt[13], info[10], *out = NULL;
	CK_HKDF_PARAMS p = { CK_TRUE, CK_TRUE, CKM_SHA256, CKF_HKDF_SALT_DATA, salt, sizeof(salt), 0, info, sizeof(info) };

	memset(ikm, 0x0b, sizeof(ikm));
	for (size_t i = 0; i < sizeof(salt); i++)
		salt[i] = (uint8_t)i;
	for (size_t i = 0; i < sizeof(info); i++)
		info[i] = (uint8_t)(0xf0 + i);
	is_int(poc_derive_hkdf(&p, ikm, sizeof(ikm), NULL, 0, 42, &out), CKR_OK, "HKDF-SHA256 (RFC 5869 A.1)");
	ok(out != NULL &&
		   eq_hex(out, 42, "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"),
	   "A.1: OKM");
	poc_secret_free(out, 42);
	p.bExpand = CK_FALSE;
	is_int(poc_derive_hkdf(&p, ikm, sizeof(ikm), NULL, 0, 32, &out), CKR_OK, "extract only (A.1)");
	ok(out != NULL && eq_hex(out, 32, "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5"), "A.1: PRK");
	poc_secret_free(out, 32);
	is_int(poc_derive_hkdf(&p, ikm, sizeof(ikm), NULL, 0, 42, &out), CKR_KEY_SIZE_RANGE, "extract gives HashLen only");
	/* The same PRK as a salt key: the salt comes from a key object's bytes. */
	p.bExpand = CK_TRUE;
	p.ulSaltType = CKF_HKDF_SALT_KEY;
	is_int(poc_derive_hkdf(&p, ikm, sizeof(ikm), salt, sizeof(salt), 42, &out), CKR_OK, "salt from a key");
	ok(out != NULL && eq_hex(out, 4, "3cb25f25"), "is the same as the salt given as data");
	poc_secret_free(out, 42);
	p.ulSaltType = CKF_HKDF_SALT_NULL;
	p.ulInfoLen = 0;
	is_int(poc_derive_hkdf(&p, ikm, sizeof(ikm), NULL, 0, 42, &out), CKR_OK, "no salt, no info (RFC 5869 A.3)");
	ok(out != NULL &&
		   eq_hex(out, 42, "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"),
	   "A.3: OKM");
	poc_secret_free(out, 42);
	p.prfHashMechanism = CKM_SHA384;
	p.ulSaltType = CKF_HKDF_SALT_DATA;
	p.pSalt = (CK_BYTE_PTR) "salt";
	p.ulSaltLen = 4;
	p.pInfo = (CK_BYTE_PTR) "info";
	p.ulInfoLen = 4;
	is_int(poc_derive_hkdf(&p, ikm, sizeof(ikm), NULL, 0, 42, &out), CKR_OK, "HKDF-SHA384");
	ok(out != NULL &&
		   eq_hex(out, 42, "664ee88f1a7f64a837c7727c031f18bac89c6cc3bf48a35f0b981f6e6af611e3b4965eb1292f6893384c"),
	   "equals python cryptography's HKDF(SHA384)");
	poc_secret_free(out, 42);
	p.prfHashMechanism = CKM_SHA512;
	is_int(poc_derive_hkdf(&p, ikm, sizeof(ikm), NULL, 0, 64, &out), CKR_OK, "HKDF-SHA512");
	ok(out != NULL && eq_hex(out, 64,
				 "f68aca3a3afd2c6f291f1e9c481054553ce84a2353df2b62c2b90eafbe9ba2737b1745149c8cd4a1deee3afdbf30"
				 "e8009c27eac5a56c1e63eb5c5336d4f739a0"),
	   "equals python cryptography's HKDF(SHA512)");
	poc_secret_free(out, 64);
	out = NULL;
	is_int(poc_derive_hkdf(&p, ikm, sizeof(ikm), NULL, 0, 255 * 64 + 1, &out), CKR_KEY_SIZE_RANGE, "over 255 blocks");
	p.prfHashMechanism = CKM_SHA_1;
	is_int(poc_derive_hkdf(&p, ikm, sizeof(ikm), NULL, 0, 32, &out), CKR_MECHANISM_PARAM_INVALID, "SHA-1 prf");
	p.prfHashMechanism = CKM_SHA256;
	p.ulSaltType = 8;
	is_int(poc_derive_hkdf(&p, ikm, sizeof(ikm), NULL, 0, 32, &out), CKR_MECHANISM_PARAM_INVALID, "unknown salt type");
	p.ulSaltType = CKF_HKDF_SALT_KEY;
	is_int(poc_derive_hkdf(&p, ikm, sizeof(ikm), NULL, 0, 32, &out), CKR_MECHANISM_PARAM_INVALID, "salt key missing");
	p.bExtract = p.bExpand = CK_FALSE;
	is_int(poc_derive_hkdf(&p, ikm, sizeof(ikm), NULL, 0, 32, &out), CKR_MECHANISM_PARAM_INVALID, "neither step");
	ok(out == NULL, "no output from any refusal");
}

static void test_table(void)
{
	static const struct {
		CK_MECHANISM_TYPE m;
		CK_FLAGS want;
	} rows[] = {
		{ CKM_AES_KEY_WRAP, CKF_WRAP | CKF_UNWRAP }, { CKM_AES_KEY_WRAP_KWP, CKF_WRAP | CKF_UNWRAP },
		{ CKM_AES_CBC_PAD, CKF_WRAP | CKF_UNWRAP },  { CKM_RSA_PKCS_OAEP, CKF_WRAP | CKF_UNWRAP },
		{ CKM_ECDH1_DERIVE, CKF_DERIVE },            { CKM_HKDF_DERIVE, CKF_DERIVE },
	};
	CK_MECHANISM_INFO mi;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		ok(poc_mechanism_info(rows[i].m, &mi) == CKR_OK && (mi.flags & rows[i].want) == rows[i].want,
		   "mechanism 0x%lx has flags 0x%lx", rows[i].m, rows[i].want);
	ok(poc_mechanism_info(CKM_AES_GCM, &mi) == CKR_OK && !(mi.flags & (CKF_WRAP | CKF_UNWRAP | CKF_DERIVE)),
	   "AES-GCM neither wraps nor derives");
	ok(poc_mechanism_info(CKM_AES_KEY_WRAP_PAD, &mi) == CKR_MECHANISM_INVALID, "no CKM_AES_KEY_WRAP_PAD");
	ok(!poc_mechanism_permits(CKM_AES_KEY_WRAP, POC_OP_ENCRYPT) && !poc_mechanism_permits(CKM_ECDH1_DERIVE, POC_OP_SIGN),
	   "key management mechanisms do not encrypt or sign");
}

int main(void)
{
	test_aes_kat();
	test_aes_errors();
	test_oaep_and_material();
	test_ecdh();
	test_hkdf();
	test_table();
	return poc_test_done();
}
