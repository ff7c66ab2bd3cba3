/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Known answers for the digest, MAC and block cipher mechanisms (digest_op.c,
 * mac.c, cipher_modes.c) through the poc_op API, in one part and in odd-sized
 * parts: SHA-1/2/3 of "abc" (FIPS 180-4, FIPS 202), HMAC (RFC 2202, RFC 4231),
 * AES-CMAC (RFC 4493), AES ECB/CBC/CTR (SP 800-38A F.1.1, F.2.1, F.5.1), and
 * CBC-PAD and DES3 as the openssl CLI computes them. Then the refusals: input
 * that is not a block multiple, a bad padding, a wrapping CTR counter, a
 * forged or truncated MAC, a short buffer that leaves the op as it was.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "store/object.h"
#include "crypto/p11_crypto.h"
#include "../test.h"

#define CKM_SHA3_256_ 0x2b0UL
#define CKM_SHA3_224_ 0x2b5UL
#define CKM_SHA3_384_ 0x2c0UL
#define CKM_SHA3_512_ 0x2d0UL

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = 0;

	for (; h[0] != '\0' && h[1] != '\0' && n < cap; h += 2) {
		unsigned v = 0;

		sscanf(h, "%2x", &v);
		out[n++] = (uint8_t)v;
	}
	return n;
}

static struct poc_key *secret_key(CK_KEY_TYPE type, const char *hex)
{
	struct poc_err e = { 0 };
	uint8_t k[600];
	size_t n = unhex(hex, k, sizeof(k));

	return poc_key_from_secret(&e, type, k, n);
}

/*
 * Runs kind over in with mechanism m: one part (chunk 0) or parts of chunk
 * bytes; the output into out (its length in *outlen). CKR of the first failure.
 */
static CK_RV run(enum poc_op_kind kind, const CK_MECHANISM *m, const struct poc_key *k, const uint8_t *in,
		 size_t inlen, size_t chunk, uint8_t *out, size_t *outlen)
{
	struct poc_op *op = NULL;
	CK_ULONG n;
	size_t done = 0;
	CK_RV rv = poc_op_init(&op, kind, m, k);

	*outlen = 0;
	if (rv != CKR_OK)
		return rv;
	if (chunk == 0) {
		n = 4096;
		rv = poc_op_oneshot(op, in, inlen, out, &n);
		*outlen = n;
		poc_op_free(op);
		return rv;
	}
	for (size_t off = 0; off < inlen && rv == CKR_OK; off += chunk) {
		size_t part = inlen - off < chunk ? inlen - off : chunk;

		n = 4096;
		rv = poc_op_update(op, in + off, part, out + done, &n);
		if (kind == POC_OP_ENCRYPT || kind == POC_OP_DECRYPT)
			done += n;
	}
	if (rv == CKR_OK) {
		n = 4096;
		rv = poc_op_final(op, out + done, &n);
		done += n;
	}
	*outlen = done;
	poc_op_free(op);
	return rv;
}

static int hex_is(const uint8_t *got, size_t len, const char *want)
{
	uint8_t w[512];
	size_t n = unhex(want, w, sizeof(w));

	return n == len && memcmp(got, w, n) == 0;
}

static void test_digests(void)
{
	static const struct {
		CK_MECHANISM_TYPE m;
		const char *name, *want;
	} v[] = {
		{ CKM_SHA_1, "SHA-1", "a9993e364706816aba3e25717850c26c9cd0d89d" },
		{ CKM_SHA224, "SHA-224", "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7" },
		{ CKM_SHA256, "SHA-256", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ CKM_SHA384, "SHA-384",
		  "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7" },
		{ CKM_SHA512, "SHA-512",
		  "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd"
		  "454d4423643ce80e2a9ac94fa54ca49f" },
		{ CKM_SHA512_224, "SHA-512/224", "4634270f707b6a54daae7530460842e20e37ed265ceee9a43e8924aa" },
		{ CKM_SHA512_256, "SHA-512/256", "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23" },
		{ CKM_SHA3_224_, "SHA3-224", "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf" },
		{ CKM_SHA3_256_, "SHA3-256", "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532" },
		{ CKM_SHA3_384_, "SHA3-384",
		  "ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b298d88cea927ac7f539f1edf228376d25" },
		{ CKM_SHA3_512_, "SHA3-512",
		  "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec57647e39340"
		  "57340b4cf408d5a56592f8274eec53f0" },
	};
	uint8_t out[4096];
	size_t n;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		CK_MECHANISM m = { v[i].m, NULL, 0 };
		CK_MECHANISM_INFO mi;

		ok(run(POC_OP_DIGEST, &m, NULL, (const uint8_t *)"abc", 3, 0, out, &n) == CKR_OK && hex_is(out, n, v[i].want),
		   "%s(\"abc\"), one part", v[i].name);
		ok(run(POC_OP_DIGEST, &m, NULL, (const uint8_t *)"abc", 3, 1, out, &n) == CKR_OK && hex_is(out, n, v[i].want),
		   "%s(\"abc\"), byte by byte", v[i].name);
		ok(poc_mechanism_info(v[i].m, &mi) == CKR_OK && mi.flags == CKF_DIGEST && mi.ulMinKeySize == 0 &&
			   mi.ulMaxKeySize == 0,
		   "%s: CKF_DIGEST only, no key size", v[i].name);
	}
	/* Length semantics: a size query and a short buffer leave the op running. */
	{
		CK_MECHANISM m = { CKM_SHA256, NULL, 0 };
		struct poc_op *op = NULL;
		CK_ULONG len = 0;

		ok(poc_op_init(&op, POC_OP_DIGEST, &m, NULL) == CKR_OK, "SHA-256: init without a key");
		ok(poc_op_oneshot(op, (const uint8_t *)"abc", 3, NULL, &len) == CKR_OK && len == 32, "digest: size query 32");
		len = 31;
		ok(poc_op_oneshot(op, (const uint8_t *)"abc", 3, out, &len) == CKR_BUFFER_TOO_SMALL && len == 32,
		   "digest: a short buffer is CKR_BUFFER_TOO_SMALL");
		len = 32;
		ok(poc_op_final(op, out, &len) == CKR_OPERATION_ACTIVE && poc_op_update(op, out, 1, NULL, NULL) == CKR_OPERATION_ACTIVE,
		   "digest: after a single-part size answer, final and update are CKR_OPERATION_ACTIVE");
		ok(poc_op_oneshot(op, (const uint8_t *)"abc", 3, out, &len) == CKR_OK && hex_is(out, len, v[2].want),
		   "digest: then the digest");
		poc_op_free(op);
		ok(poc_op_init(&op, POC_OP_DIGEST, &m, NULL) == CKR_OK && poc_op_update(op, out, 1, NULL, NULL) == CKR_OK &&
			   poc_op_oneshot(op, out, 1, out, &len) == CKR_OPERATION_ACTIVE,
		   "digest: after an update, single-part is CKR_OPERATION_ACTIVE");
		poc_op_free(op);
		m.mechanism = CKM_MD5;
		ok(poc_op_init(&op, POC_OP_DIGEST, &m, NULL) == CKR_MECHANISM_INVALID, "MD5: not a mechanism of this token");
		m.mechanism = CKM_SHA256_HMAC;
		ok(poc_op_init(&op, POC_OP_DIGEST, &m, NULL) == CKR_MECHANISM_INVALID, "HMAC does not digest");
	}
}

static void test_macs(void)
{
	static const char *const k0b = "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b";
	static const struct {
		CK_MECHANISM_TYPE m;
		CK_KEY_TYPE type;
		const char *name, *key, *data, *want;
	} v[] = {
		{ CKM_SHA_1_HMAC, CKK_GENERIC_SECRET, "HMAC-SHA-1 (RFC 2202 1)", k0b, "Hi There",
		  "b617318655057264e28bc0b6fb378c8ef146be00" },
		{ CKM_SHA224_HMAC, CKK_GENERIC_SECRET, "HMAC-SHA-224 (RFC 4231 1)", k0b, "Hi There",
		  "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22" },
		{ CKM_SHA256_HMAC, CKK_GENERIC_SECRET, "HMAC-SHA-256 (RFC 4231 1)", k0b, "Hi There",
		  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
		{ CKM_SHA256_HMAC, CKK_GENERIC_SECRET, "HMAC-SHA-256 (RFC 4231 2, a 4-byte key)", "4a656665",
		  "what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
		{ CKM_SHA384_HMAC, CKK_GENERIC_SECRET, "HMAC-SHA-384 (RFC 4231 1)", k0b, "Hi There",
		  "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6" },
		{ CKM_SHA512_HMAC, CKK_GENERIC_SECRET, "HMAC-SHA-512 (RFC 4231 1)", k0b, "Hi There",
		  "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d91"
		  "4eeb61f1702e696c203a126854" },
		{ CKM_AES_CMAC, CKK_AES, "AES-CMAC (RFC 4493 1, empty)", "2b7e151628aed2a6abf7158809cf4f3c", "",
		  "bb1d6929e95937287fa37d129b756746" },
	};
	uint8_t out[4096];
	size_t n;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct poc_key *k = secret_key(v[i].type, v[i].key);
		CK_MECHANISM m = { v[i].m, NULL, 0 };
		const uint8_t *d = (const uint8_t *)v[i].data;
		size_t dl = strlen(v[i].data);
		struct poc_op *op = NULL;

		ok(k != NULL && run(POC_OP_SIGN, &m, k, d, dl, 0, out, &n) == CKR_OK && hex_is(out, n, v[i].want),
		   "%s: one part", v[i].name);
		ok(run(POC_OP_SIGN, &m, k, d, dl, 3, out, &n) == CKR_OK && hex_is(out, n, v[i].want), "%s: in parts of 3",
		   v[i].name);
		ok(poc_op_init(&op, POC_OP_VERIFY, &m, k) == CKR_OK && poc_op_verify(op, d, dl, out, n) == CKR_OK,
		   "%s: verifies", v[i].name);
		poc_op_free(op);
		out[n - 1] ^= 1;
		ok(poc_op_init(&op, POC_OP_VERIFY, &m, k) == CKR_OK &&
			   poc_op_verify(op, d, dl, out, n) == CKR_SIGNATURE_INVALID,
		   "%s: a changed MAC is CKR_SIGNATURE_INVALID", v[i].name);
		poc_op_free(op);
		ok(poc_op_init(&op, POC_OP_VERIFY, &m, k) == CKR_OK &&
			   poc_op_verify(op, d, dl, out, n - 1) == CKR_SIGNATURE_LEN_RANGE,
		   "%s: a truncated MAC is CKR_SIGNATURE_LEN_RANGE", v[i].name);
		poc_op_free(op);
		poc_key_free(k);
	}
}

/* RFC 4493's four AES-CMAC examples, CMAC_GENERAL truncation and HMAC_GENERAL parameters. */
static void test_mac_general(void)
{
	static const char *const p64 = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
				       "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";
	static const struct {
		size_t len;
		const char *want;
	} cm[] = {
		{ 16, "070a16b46b4d4144f79bdd9dd04a287c" },
		{ 40, "dfa66747de9ae63030ca32611497c827" },
		{ 64, "51f0bebf7e3b9d92fc49741779363cfe" },
	};
	struct poc_key *aes = secret_key(CKK_AES, "2b7e151628aed2a6abf7158809cf4f3c");
	struct poc_key *gen = secret_key(CKK_GENERIC_SECRET, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
	CK_ULONG glen = 10;
	CK_MECHANISM m = { CKM_AES_CMAC, NULL, 0 };
	struct poc_op *op = NULL;
	uint8_t in[64], out[4096];
	size_t n;

	unhex(p64, in, sizeof(in));
	for (size_t i = 0; i < 3; i++)
		ok(run(POC_OP_SIGN, &m, aes, in, cm[i].len, 7, out, &n) == CKR_OK && hex_is(out, n, cm[i].want),
		   "AES-CMAC of %zu bytes (RFC 4493), in parts of 7", cm[i].len);
	m = (CK_MECHANISM){ CKM_AES_CMAC_GENERAL, &glen, sizeof(glen) };
	ok(run(POC_OP_SIGN, &m, aes, in, 64, 0, out, &n) == CKR_OK && hex_is(out, n, "51f0bebf7e3b9d92fc49"),
	   "AES-CMAC_GENERAL of 10 bytes: the MAC's first 10");
	m = (CK_MECHANISM){ CKM_SHA256_HMAC_GENERAL, &glen, sizeof(glen) };
	ok(run(POC_OP_SIGN, &m, gen, (const uint8_t *)"Hi There", 8, 0, out, &n) == CKR_OK &&
		   hex_is(out, n, "b0344c61d8db38535ca8"),
	   "HMAC-SHA-256_GENERAL of 10 bytes");
	glen = 33;
	ok(poc_op_init(&op, POC_OP_SIGN, &m, gen) == CKR_MECHANISM_PARAM_INVALID, "HMAC_GENERAL longer than the hash: refused");
	glen = 0;
	ok(poc_op_init(&op, POC_OP_SIGN, &m, gen) == CKR_MECHANISM_PARAM_INVALID, "HMAC_GENERAL of 0 bytes: refused");
	m = (CK_MECHANISM){ CKM_SHA256_HMAC_GENERAL, NULL, 0 };
	ok(poc_op_init(&op, POC_OP_SIGN, &m, gen) == CKR_MECHANISM_PARAM_INVALID, "HMAC_GENERAL without its length: refused");
	m = (CK_MECHANISM){ CKM_SHA256_HMAC, &glen, sizeof(glen) };
	ok(poc_op_init(&op, POC_OP_SIGN, &m, gen) == CKR_MECHANISM_PARAM_INVALID, "HMAC with a parameter: refused");
	m = (CK_MECHANISM){ CKM_SHA256_HMAC, NULL, 0 };
	ok(poc_op_init(&op, POC_OP_SIGN, &m, aes) == CKR_KEY_TYPE_INCONSISTENT, "HMAC on an AES key: refused");
	ok(poc_op_init(&op, POC_OP_ENCRYPT, &m, gen) == CKR_MECHANISM_INVALID, "HMAC does not encrypt");
	/* C_DigestKey: a secret key's value enters the digest. */
	m = (CK_MECHANISM){ CKM_SHA_1, NULL, 0 };
	{
		CK_ULONG len = sizeof(out);

		ok(poc_op_init(&op, POC_OP_DIGEST, &m, NULL) == CKR_OK && poc_op_digest_key(op, gen) == CKR_OK &&
			   poc_op_final(op, out, &len) == CKR_OK &&
			   hex_is(out, len, "8ea4de230d22576b24c14f3b10feb405f1d8324b"),
		   "C_DigestKey of a generic secret: SHA-1 of its value (openssl dgst)");
		poc_op_free(op);
	}
	poc_key_free(aes);
	poc_key_free(gen);
}

static const char *const sp_pt = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
				 "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";

struct cvec {
	const char *name;
	CK_MECHANISM_TYPE m;
	CK_KEY_TYPE type;
	const char *key, *iv;
	size_t ptlen; /* bytes of sp_pt */
	const char *ct;
};

static const struct cvec cvecs[] = {
	{ "AES-128-ECB (SP 800-38A F.1.1)", CKM_AES_ECB, CKK_AES, "2b7e151628aed2a6abf7158809cf4f3c", NULL, 64,
	  "3ad77bb40d7a3660a89ecaf32466ef97f5d3d58503b9699de785895a96fdbaaf43b1cd7f598ece23881b00e3ed030688"
	  "7b0c785e27e8ad3f8223207104725dd4" },
	{ "AES-128-CBC (SP 800-38A F.2.1)", CKM_AES_CBC, CKK_AES, "2b7e151628aed2a6abf7158809cf4f3c",
	  "000102030405060708090a0b0c0d0e0f", 64,
	  "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b273bed6b8e3c1743b7116e69e22229516"
	  "3ff1caa1681fac09120eca307586e1a7" },
	{ "AES-128-CBC-PAD of 40 bytes (openssl enc)", CKM_AES_CBC_PAD, CKK_AES, "2b7e151628aed2a6abf7158809cf4f3c",
	  "000102030405060708090a0b0c0d0e0f", 40,
	  "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b25caca76145cffc65f7483608c531aef1" },
	{ "AES-128-CTR (SP 800-38A F.5.1)", CKM_AES_CTR, CKK_AES, "2b7e151628aed2a6abf7158809cf4f3c",
	  "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", 64,
	  "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff5ae4df3edbd5d35e5b4f09020db03eab"
	  "1e031dda2fbe03d1792170a0f3009cee" },
	{ "AES-128-CTR of 37 bytes", CKM_AES_CTR, CKK_AES, "2b7e151628aed2a6abf7158809cf4f3c",
	  "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", 37, "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff5ae4df3edb" },
	{ "DES3-ECB (openssl enc)", CKM_DES3_ECB, CKK_DES3, "0123456789abcdef23456789abcdef01456789abcdef0123", NULL, 64,
	  "714772f339841d34267fcc4bd2949cc3ee11c22a576a303876183f99c0b6de873583992d38124eb5c6fcd81a0054e2df"
	  "6c4a09ac778ee1400533463c6f961f25" },
	{ "DES3-CBC-PAD (openssl enc)", CKM_DES3_CBC_PAD, CKK_DES3, "0123456789abcdef23456789abcdef01456789abcdef0123",
	  "1234567890abcdef", 64,
	  "9d50047a85efb2057a51e45711dae03948cd3b077c4b56a5b30d38701104bbdb9000f41c5092c88618b82c0823a7b54a"
	  "8fb602f7049441c1859872d5dc10b23408928b2ac35bf1a3" },
	{ "DES3-CBC (openssl enc)", CKM_DES3_CBC, CKK_DES3, "0123456789abcdef23456789abcdef01456789abcdef0123",
	  "1234567890abcdef", 64,
	  "9d50047a85efb2057a51e45711dae03948cd3b077c4b56a5b30d38701104bbdb9000f41c5092c88618b82c0823a7b54a"
	  "8fb602f7049441c1859872d5dc10b234" },
};

/* The mechanism of a vector: its IV, or a CK_AES_CTR_PARAMS with a 128-bit counter. */
static CK_MECHANISM cvec_mech(const struct cvec *v, uint8_t iv[16], CK_AES_CTR_PARAMS *ctr)
{
	size_t ivlen = v->iv != NULL ? unhex(v->iv, iv, 16) : 0;

	if (v->m == CKM_AES_CTR) {
		ctr->ulCounterBits = 128;
		memcpy(ctr->cb, iv, 16);
		return (CK_MECHANISM){ v->m, ctr, sizeof(*ctr) };
	}
	return (CK_MECHANISM){ v->m, ivlen ? iv : NULL, (CK_ULONG)ivlen };
}

static void test_ciphers(void)
{
	static const size_t chunks[] = { 0, 1, 5, 16, 17 };
	uint8_t pt[64], ct[4096], back[4096], iv[16];
	CK_AES_CTR_PARAMS ctr;
	size_t n, m;

	unhex(sp_pt, pt, sizeof(pt));
	for (size_t i = 0; i < sizeof(cvecs) / sizeof(cvecs[0]); i++) {
		const struct cvec *v = &cvecs[i];
		struct poc_key *k = secret_key(v->type, v->key);
		CK_MECHANISM mech = cvec_mech(v, iv, &ctr);

		ok(k != NULL, "%s: the key loads", v->name);
		for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
			ok(run(POC_OP_ENCRYPT, &mech, k, pt, v->ptlen, chunks[c], ct, &n) == CKR_OK && hex_is(ct, n, v->ct),
			   "%s: encrypts (%s %zu)", v->name, chunks[c] ? "parts of" : "one part", chunks[c]);
			ok(run(POC_OP_DECRYPT, &mech, k, ct, n, chunks[c], back, &m) == CKR_OK && m == v->ptlen &&
				   memcmp(back, pt, m) == 0,
			   "%s: decrypts back (%s %zu)", v->name, chunks[c] ? "parts of" : "one part", chunks[c]);
		}
		poc_key_free(k);
	}
}

static void test_cipher_refusals(void)
{
	struct poc_key *k = secret_key(CKK_AES, "2b7e151628aed2a6abf7158809cf4f3c");
	uint8_t iv[16] = { 0 }, buf[4096], ct[64], zero[16] = { 0 };
	CK_MECHANISM ecb = { CKM_AES_ECB, NULL, 0 }, cbc = { CKM_AES_CBC, iv, 16 }, pad = { CKM_AES_CBC_PAD, iv, 16 };
	CK_AES_CTR_PARAMS cp = { 8, { 0 } };
	CK_MECHANISM ctr = { CKM_AES_CTR, &cp, sizeof(cp) };
	struct poc_op *op = NULL;
	CK_ULONG len;
	size_t n;

	ok(run(POC_OP_ENCRYPT, &ecb, k, zero, 15, 0, buf, &n) == CKR_DATA_LEN_RANGE, "ECB: 15 bytes, CKR_DATA_LEN_RANGE");
	ok(run(POC_OP_ENCRYPT, &cbc, k, zero, 15, 4, buf, &n) == CKR_DATA_LEN_RANGE,
	   "CBC: 15 bytes in parts, CKR_DATA_LEN_RANGE at final");
	ok(run(POC_OP_DECRYPT, &cbc, k, zero, 15, 0, buf, &n) == CKR_ENCRYPTED_DATA_LEN_RANGE,
	   "CBC: 15 bytes to decrypt, CKR_ENCRYPTED_DATA_LEN_RANGE");
	ok(run(POC_OP_DECRYPT, &pad, k, zero, 17, 0, buf, &n) == CKR_ENCRYPTED_DATA_LEN_RANGE,
	   "CBC-PAD: 17 bytes to decrypt, CKR_ENCRYPTED_DATA_LEN_RANGE");
	ok(run(POC_OP_DECRYPT, &pad, k, zero, 0, 0, buf, &n) == CKR_ENCRYPTED_DATA_LEN_RANGE,
	   "CBC-PAD: nothing to decrypt, CKR_ENCRYPTED_DATA_LEN_RANGE");
	/* A last block whose plaintext ends in 0x00 is no PKCS#7 padding. */
	ok(run(POC_OP_ENCRYPT, &cbc, k, zero, 16, 0, ct, &n) == CKR_OK && n == 16, "CBC: a block of zeros");
	ok(run(POC_OP_DECRYPT, &pad, k, ct, 16, 0, buf, &n) == CKR_ENCRYPTED_DATA_INVALID,
	   "CBC-PAD: a bad padding is CKR_ENCRYPTED_DATA_INVALID (one part)");
	ok(run(POC_OP_DECRYPT, &pad, k, ct, 16, 5, buf, &n) == CKR_ENCRYPTED_DATA_INVALID,
	   "CBC-PAD: a bad padding is CKR_ENCRYPTED_DATA_INVALID (in parts)");
	/* Sizes: the exact length on a query, a short buffer keeps the op. */
	ok(run(POC_OP_ENCRYPT, &pad, k, zero, 10, 0, ct, &n) == CKR_OK && n == 16, "CBC-PAD: 10 bytes encrypt to 16");
	ok(poc_op_init(&op, POC_OP_DECRYPT, &pad, k) == CKR_OK && poc_op_oneshot(op, ct, 16, NULL, &len) == CKR_OK && len == 10,
	   "CBC-PAD: the size query answers the plaintext's 10");
	len = 9;
	ok(poc_op_oneshot(op, ct, 16, buf, &len) == CKR_BUFFER_TOO_SMALL && len == 10, "CBC-PAD: 9 bytes are too small");
	ok(poc_op_oneshot(op, ct, 16, buf, &len) == CKR_OK && len == 10 && memcmp(buf, zero, 10) == 0,
	   "CBC-PAD: then decrypts");
	poc_op_free(op);
	ok(poc_op_init(&op, POC_OP_DECRYPT, &pad, k) == CKR_OK && (len = sizeof(buf), poc_op_update(op, ct, 16, buf, &len)) == CKR_OK &&
		   len == 0,
	   "CBC-PAD update: the last block is held back (0 bytes out)");
	len = 0;
	ok(poc_op_final(op, NULL, &len) == CKR_OK && len == 10, "CBC-PAD final: size query 10");
	len = 10;
	ok(poc_op_final(op, buf, &len) == CKR_OK && len == 10, "CBC-PAD final: 10 bytes");
	poc_op_free(op);
	/* Parameters. */
	cbc.ulParameterLen = 8;
	ok(poc_op_init(&op, POC_OP_ENCRYPT, &cbc, k) == CKR_MECHANISM_PARAM_INVALID, "CBC: an 8-byte IV is refused");
	ecb.pParameter = iv;
	ecb.ulParameterLen = 16;
	ok(poc_op_init(&op, POC_OP_ENCRYPT, &ecb, k) == CKR_MECHANISM_PARAM_INVALID, "ECB: a parameter is refused");
	cp.ulCounterBits = 0;
	ok(poc_op_init(&op, POC_OP_ENCRYPT, &ctr, k) == CKR_MECHANISM_PARAM_INVALID, "CTR: 0 counter bits refused");
	cp.ulCounterBits = 129;
	ok(poc_op_init(&op, POC_OP_ENCRYPT, &ctr, k) == CKR_MECHANISM_PARAM_INVALID, "CTR: 129 counter bits refused");
	/* An 8-bit counter at 0xfe has two blocks left: the third would wrap it. */
	cp.ulCounterBits = 8;
	cp.cb[15] = 0xfe;
	ok(run(POC_OP_ENCRYPT, &ctr, k, buf, 32, 0, ct, &n) == CKR_OK && n == 32, "CTR: 8 counter bits at 0xfe: 32 bytes");
	ok(run(POC_OP_ENCRYPT, &ctr, k, buf, 33, 0, ct, &n) == CKR_DATA_LEN_RANGE, "CTR: 33 bytes would wrap: refused");
	ok(run(POC_OP_ENCRYPT, &ctr, k, buf, 33, 11, ct, &n) == CKR_DATA_LEN_RANGE, "CTR: and in parts");
	cp.ulCounterBits = 64;
	memset(cp.cb + 8, 0xff, 8);
	ok(run(POC_OP_ENCRYPT, &ctr, k, buf, 17, 0, ct, &n) == CKR_DATA_LEN_RANGE, "CTR: 64 counter bits at the last value: one block");
	poc_key_free(k);
	k = secret_key(CKK_DES3, "0123456789abcdef23456789abcdef01456789abcdef0123");
	ecb = (CK_MECHANISM){ CKM_AES_ECB, NULL, 0 };
	ok(k != NULL && poc_op_init(&op, POC_OP_ENCRYPT, &ecb, k) == CKR_KEY_TYPE_INCONSISTENT, "AES-ECB on a DES3 key: refused");
	poc_key_free(k);
}

static void test_secret_keygen(void)
{
	static const struct {
		CK_MECHANISM_TYPE m;
		CK_KEY_TYPE t;
		CK_ULONG len;
		CK_RV want;
		size_t got;
	} v[] = {
		{ CKM_GENERIC_SECRET_KEY_GEN, CKK_GENERIC_SECRET, 1, CKR_OK, 1 },
		{ CKM_GENERIC_SECRET_KEY_GEN, CKK_GENERIC_SECRET, 512, CKR_OK, 512 },
		{ CKM_GENERIC_SECRET_KEY_GEN, CKK_GENERIC_SECRET, 0, CKR_KEY_SIZE_RANGE, 0 },
		{ CKM_GENERIC_SECRET_KEY_GEN, CKK_GENERIC_SECRET, 513, CKR_KEY_SIZE_RANGE, 0 },
		{ CKM_DES3_KEY_GEN, CKK_DES3, 24, CKR_OK, 24 },
		{ CKM_DES3_KEY_GEN, CKK_DES3, 16, CKR_KEY_SIZE_RANGE, 0 },
		{ CKM_DES3_KEY_GEN, CKK_AES, 24, CKR_TEMPLATE_INCONSISTENT, 0 },
	};
	CK_MECHANISM_INFO mi;
	uint8_t buf[16];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t *s = NULL;
		size_t sl = 0;
		int parity = 1;

		ok(poc_keygen(v[i].m, v[i].t, NULL, 0, v[i].len, &s, &sl, NULL, NULL) == v[i].want && sl == v[i].got,
		   "keygen 0x%lx of %lu: 0x%lx, %zu bytes", v[i].m, v[i].len, v[i].want, v[i].got);
		for (size_t j = 0; v[i].t == CKK_DES3 && j < sl; j++)
			parity &= __builtin_popcount(s[j]) % 2 == 1;
		if (v[i].t == CKK_DES3 && sl > 0)
			ok(parity, "DES3 key: every byte has odd parity");
		poc_secret_free(s, sl);
	}
	/* RSA: the template's public exponent (big-endian, leading zeros allowed), odd and at least 3. */
	{
		static const uint8_t e3[] = { 0x00, 0x03 }, e4[] = { 0x04 }, e1[] = { 0x01 };
		uint8_t *s = NULL, *spki = NULL;
		size_t sl = 0, spl = 0;
		struct poc_err e = { 0 };
		struct poc_key *k = NULL;
		CK_ULONG el = sizeof(buf);

		ok(poc_keygen_ex(CKM_RSA_PKCS_KEY_PAIR_GEN, CKK_RSA, NULL, 0, 1024, e3, sizeof(e3), &s, &sl, &spki, &spl) == CKR_OK &&
			   (k = poc_key_from_secret(&e, CKK_RSA, s, sl)) != NULL &&
			   poc_key_attr(k, CKA_PUBLIC_EXPONENT, buf, &el) == CKR_OK && el == 1 && buf[0] == 3,
		   "RSA-1024 with CKA_PUBLIC_EXPONENT 00 03: e = 3");
		poc_key_free(k);
		poc_secret_free(s, sl);
		free(spki);
		ok(poc_keygen_ex(CKM_RSA_PKCS_KEY_PAIR_GEN, CKK_RSA, NULL, 0, 1024, e4, 1, &s, &sl, &spki, &spl) ==
			   CKR_TEMPLATE_INCONSISTENT,
		   "RSA with an even exponent: CKR_TEMPLATE_INCONSISTENT");
		ok(poc_keygen_ex(CKM_RSA_PKCS_KEY_PAIR_GEN, CKK_RSA, NULL, 0, 1024, e1, 1, &s, &sl, &spki, &spl) ==
			   CKR_TEMPLATE_INCONSISTENT,
		   "RSA with exponent 1: CKR_TEMPLATE_INCONSISTENT");
	}
	ok(poc_mechanism_info(CKM_DES3_CBC, &mi) == CKR_OK && mi.ulMinKeySize == 24 && mi.ulMaxKeySize == 24 &&
		   mi.flags == (CKF_ENCRYPT | CKF_DECRYPT),
	   "DES3-CBC: 24 bytes, encrypt and decrypt");
	ok(poc_mechanism_info(CKM_SHA256_HMAC, &mi) == CKR_OK && mi.ulMinKeySize == 1 && mi.ulMaxKeySize == 512 &&
		   mi.flags == (CKF_SIGN | CKF_VERIFY),
	   "HMAC-SHA-256: 1..512 bytes, sign and verify");
	ok(poc_mechanism_info(CKM_GENERIC_SECRET_KEY_GEN, &mi) == CKR_OK && mi.flags == CKF_GENERATE,
	   "CKM_GENERIC_SECRET_KEY_GEN: CKF_GENERATE");
}

/* --list: C_GetMechanismList's table as tests/mechs-doc.sh compares it with the docs ("TYPE MIN MAX FLAGS"). */
static int list_table(void)
{
	static const struct {
		CK_FLAGS f;
		const char *name;
	} fl[] = {
		{ CKF_SIGN, "sign" },         { CKF_VERIFY, "verify" },     { CKF_ENCRYPT, "encrypt" },
		{ CKF_DECRYPT, "decrypt" },   { CKF_DIGEST, "digest" },     { CKF_GENERATE, "generate" },
		{ CKF_GENERATE_KEY_PAIR, "generate-key-pair" },             { CKF_WRAP, "wrap" },
		{ CKF_UNWRAP, "unwrap" },     { CKF_DERIVE, "derive" },
		{ CKF_MESSAGE_ENCRYPT, "message-encrypt" }, { CKF_MESSAGE_DECRYPT, "message-decrypt" },
	};
	CK_MECHANISM_TYPE list[256];
	size_t n = poc_mechanism_list(list, sizeof(list) / sizeof(list[0]));

	for (size_t i = 0; i < n && i < sizeof(list) / sizeof(list[0]); i++) {
		CK_MECHANISM_INFO mi;
		const char *sep = "";

		if (poc_mechanism_info(list[i], &mi) != CKR_OK)
			return 1;
		printf("0x%08lx %lu %lu ", (unsigned long)list[i], mi.ulMinKeySize, mi.ulMaxKeySize);
		for (size_t j = 0; j < sizeof(fl) / sizeof(fl[0]); j++)
			if (mi.flags & fl[j].f) {
				printf("%s%s", sep, fl[j].name);
				sep = ",";
			}
		printf("\n");
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--list") == 0)
		return list_table();
	test_digests();
	test_macs();
	test_mac_general();
	test_ciphers();
	test_cipher_refusals();
	test_secret_keygen();
	return poc_test_done();
}
