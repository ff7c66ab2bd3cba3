/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for verify/tpm_attest.c against the real GCE vTPM quotes, plus crafted ECDSA/PSS quotes. */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <tss2/tss2_mu.h>

#include "hex.h"
#include "pcrs.h"
#include "tpm_attest.h"
#include "verr.h"
#include "x509.h"
#include "../test.h"
#include "../test-keys.h"

static const char *const dirs[] = { "gce-cos85-nonce9009", "gce-cos85-nononce" };
static const struct {
	const char *name;
	uint16_t alg;
} banks[] = { { "sha1", TPM2_ALG_SHA1 }, { "sha256", TPM2_ALG_SHA256 }, { "sha384", TPM2_ALG_SHA384 } };

static uint8_t *rd(const char *dir, const char *file, size_t *len)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "%s/%s", dir, file);
	return poc_test_read_data(rel, len);
}

static EVP_PKEY *ak_key(const char *dir, TPMT_PUBLIC *pub)
{
	struct poc_err e = { 0 };
	size_t len;
	uint8_t *b = rd(dir, "ak.pub", &len);
	EVP_PKEY *k = NULL;

	if (poc_tpm_pub_parse(&e, b, len, pub) == 0)
		k = poc_tpm_pub_to_pkey(&e, pub);
	ok(k != NULL, "%s: ak.pub parses into a key%s%s", dir, e.msg[0] ? ": " : "", e.msg);
	free(b);
	return k;
}

static X509 *ak_cert(const char *dir)
{
	struct poc_err e = { 0 };
	size_t len;
	uint8_t *b = rd(dir, "ak.crt.der", &len);
	STACK_OF(X509) *s = poc_x509_load(&e, b, len);
	X509 *c = NULL;

	free(b);
	if (s != NULL && sk_X509_num(s) == 1) {
		c = sk_X509_value(s, 0);
		X509_up_ref(c);
	}
	sk_X509_pop_free(s, X509_free);
	ok(c != NULL, "%s: ak.crt.der loads%s%s", dir, e.msg[0] ? ": " : "", e.msg);
	return c;
}

static void test_pub(void)
{
	struct poc_err e = { 0 };
	uint8_t name[POC_TPM_NAME_MAX], name2[POC_TPM_NAME_MAX], *b, *b2;
	TPMT_PUBLIC pub, pub2;
	size_t len, nlen = 0, nlen2 = 0;
	char hex[2 * POC_TPM_NAME_MAX + 1];
	EVP_PKEY *k, *other;
	X509 *c;

	for (size_t d = 0; d < 2; d++) {
		k = ak_key(dirs[d], &pub);
		c = ak_cert(dirs[d]);
		is_int(pub.type, TPM2_ALG_RSA, "%s: AK is RSA", dirs[d]);
		is_int(pub.parameters.rsaDetail.keyBits, 2048, "%s: AK is RSA-2048", dirs[d]);
		poc_err_clear(&e);
		ok(c != NULL && poc_tpm_pub_matches_cert(&e, &pub, c) == 0, "%s: ak.pub matches ak.crt.der%s",
		   dirs[d], e.msg);
		poc_err_clear(&e);
		ok(poc_tpm_pub_name(&e, &pub, name, &nlen) == 0 && nlen == 34 && name[0] == 0x00 &&
			   name[1] == 0x0b,
		   "%s: AK name is 000b + SHA-256 (%zu bytes)%s", dirs[d], nlen, e.msg);
		poc_hex_encode(name, nlen, hex);
		diag("%s: AK name %s", dirs[d], hex);
		EVP_PKEY_free(k);
		X509_free(c);
	}

	/* The TPM2B_PUBLIC form gives the same key and name. */
	b = rd(dirs[0], "ak.pub", &len);
	b2 = malloc(len + 3);
	b2[0] = (uint8_t)(len >> 8);
	b2[1] = (uint8_t)len;
	memcpy(b2 + 2, b, len);
	poc_err_clear(&e);
	ok(poc_tpm_pub_parse(&e, b2, len + 2, &pub2) == 0 && poc_tpm_pub_name(&e, &pub2, name2, &nlen2) == 0 &&
		   nlen2 == nlen && memcmp(name, name2, nlen) == 0,
	   "TPM2B_PUBLIC form parses to the same name%s", e.msg);
	/* Trailing bytes, in both forms. */
	memcpy(b2, b, len);
	b2[len] = 0;
	poc_err_clear(&e);
	ok(poc_tpm_pub_parse(&e, b2, len + 1, &pub2) == -1 && e.code == POC_ERR_MALFORMED,
	   "ak.pub + 1 trailing byte rejected: %s", e.msg);
	b2[0] = (uint8_t)((len + 1) >> 8);
	b2[1] = (uint8_t)(len + 1);
	memcpy(b2 + 2, b, len);
	b2[len + 2] = 0;
	poc_err_clear(&e);
	ok(poc_tpm_pub_parse(&e, b2, len + 3, &pub2) == -1, "TPM2B_PUBLIC with a trailing byte rejected: %s",
	   e.msg);
	/* Every truncation fails with an error set. */
	int bad = 0;
	for (size_t n = 0; n < len; n++) {
		poc_err_clear(&e);
		if (poc_tpm_pub_parse(&e, b, n, &pub2) != -1 || e.code == POC_OK)
			bad++;
	}
	is_int(bad, 0, "every truncation of ak.pub (%zu) is rejected", len);

	/* A different key is not the certificate's. */
	c = ak_cert(dirs[0]);
	k = ak_key(dirs[0], &pub);
	pub2 = pub;
	pub2.unique.rsa.buffer[10] ^= 1;
	poc_err_clear(&e);
	ok(poc_tpm_pub_matches_cert(&e, &pub2, c) == -1 && e.code == POC_ERR_MISMATCH,
	   "a changed modulus does not match the certificate: %s", e.msg);
	other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	(void)other;
	EVP_PKEY_free(other);
	EVP_PKEY_free(k);
	X509_free(c);
	free(b);
	free(b2);
}

static void test_real_quotes(void)
{
	EVP_PKEY *other = poc_test_key(poc_test_rsa2048_a);
	EVP_PKEY *ecother = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

	for (size_t d = 0; d < 2; d++) {
		TPMT_PUBLIC pub;
		EVP_PKEY *k = ak_key(dirs[d], &pub);
		X509 *c = ak_cert(dirs[d]);
		EVP_PKEY *ck = c != NULL ? X509_get0_pubkey(c) : NULL;

		for (size_t i = 0; i < sizeof(banks) / sizeof(banks[0]); i++) {
			struct poc_err e = { 0 };
			struct poc_tpm_quote q;
			struct poc_pcrs pcrs = { 0 };
			char f[64], summary[512];
			size_t alen, slen, tlen;
			uint8_t *a, *s, *t, *buf;
			const char *dn = dirs[d], *bn = banks[i].name;

			snprintf(f, sizeof(f), "quote-%s.attest", bn);
			a = rd(dn, f, &alen);
			snprintf(f, sizeof(f), "quote-%s.sig", bn);
			s = rd(dn, f, &slen);
			snprintf(f, sizeof(f), "pcrs-%s.txt", bn);
			t = rd(dn, f, &tlen);

			ok(poc_tpm_quote_parse(&e, a, alen, s, slen, &q) == 0, "%s %s: quote parses%s", dn, bn,
			   e.msg);
			poc_tpm_quote_summary(&q, summary, sizeof(summary));
			diag("%s %s: %s", dn, bn, summary);
			is_int(q.sig.sigAlg, TPM2_ALG_RSASSA, "%s %s: RSASSA", dn, bn);
			is_int(poc_tpm_sig_hash_alg(&q.sig), TPM2_ALG_SHA256, "%s %s: signed with SHA-256", dn, bn);
			is_int(q.attest.attested.quote.pcrSelect.count, 1, "%s %s: one bank selected", dn, bn);
			is_int(q.attest.attested.quote.pcrSelect.pcrSelections[0].hash, banks[i].alg,
			       "%s %s: the selected bank", dn, bn);
			poc_err_clear(&e);
			ok(poc_tpm_quote_verify_sig(&e, a, alen, &q.sig, k) == 0, "%s %s: signature verifies with ak.pub%s",
			   dn, bn, e.msg);
			poc_err_clear(&e);
			ok(ck != NULL && poc_tpm_quote_verify_sig(&e, a, alen, &q.sig, ck) == 0,
			   "%s %s: signature verifies with the key of ak.crt.der%s", dn, bn, e.msg);
			poc_err_clear(&e);
			ok(poc_tpm_quote_verify_sig(&e, a, alen, &q.sig, other) == -1 && e.code == POC_ERR_SIGNATURE,
			   "%s %s: another RSA key fails: %s", dn, bn, e.msg);
			poc_err_clear(&e);
			ok(poc_tpm_quote_verify_sig(&e, a, alen, &q.sig, ecother) == -1 && e.code == POC_ERR_SIGNATURE,
			   "%s %s: an EC key fails: %s", dn, bn, e.msg);

			/* Nonces, table-driven. */
			static const struct {
				const char *hex;
				int ok9009, oknon;
			} nonces[] = { { "9009", 1, 0 }, { "9008", 0, 0 }, { "", 0, 1 }, { "900900", 0, 0 },
				       { "90", 0, 0 } };
			for (size_t j = 0; j < sizeof(nonces) / sizeof(nonces[0]); j++) {
				uint8_t n[8];
				size_t nl = 0;
				int want = d == 0 ? nonces[j].ok9009 : nonces[j].oknon;
				int rv;

				poc_hex_decode(&e, nonces[j].hex, strlen(nonces[j].hex), n, sizeof(n), &nl);
				poc_err_clear(&e);
				rv = poc_tpm_quote_check_nonce(&e, &q, nl ? n : NULL, nl);
				ok(want ? rv == 0 : (rv == -1 && e.code == POC_ERR_NONCE), "%s %s: nonce \"%s\" %s%s%s",
				   dn, bn, nonces[j].hex, want ? "accepted" : "rejected", e.msg[0] ? ": " : "", e.msg);
			}

			/* PCRs. */
			poc_err_clear(&e);
			ok(poc_pcrs_parse_text(&e, &pcrs, banks[i].alg, (char *)t, tlen) == 0, "%s %s: PCR file parses%s",
			   dn, bn, e.msg);
			ok(poc_tpm_quote_check_pcrs(&e, &q, &pcrs) == 0, "%s %s: pcrDigest matches %s%s", dn, bn, f,
			   e.msg);
			{
				struct poc_pcrs p2 = pcrs;
				struct poc_pcr_bank *b = poc_pcrs_bank(&p2, banks[i].alg, 0);

				b->v[7][0] ^= 1;
				poc_err_clear(&e);
				ok(poc_tpm_quote_check_pcrs(&e, &q, &p2) == -1 && e.code == POC_ERR_MISMATCH,
				   "%s %s: a changed PCR7 is a mismatch: %s", dn, bn, e.msg);
				b->v[7][0] ^= 1;
				b->mask &= ~(1u << 7);
				poc_err_clear(&e);
				snprintf(f, sizeof(f), "PCR %s:7 is selected by the quote but not supplied", bn);
				ok(poc_tpm_quote_check_pcrs(&e, &q, &p2) == -1 && e.code == POC_ERR_MISMATCH &&
					   strcmp(e.msg, f) == 0,
				   "%s %s: a missing PCR7 is named: %s", dn, bn, e.msg);
				/* Hashing with the bank's algorithm instead would not match (for non-SHA-256 banks). */
			}

			/* Every flipped bit: a parse error or a bad signature. */
			buf = malloc(alen + slen + 1);
			int bad = 0;
			for (size_t bit = 0; bit < alen * 8; bit++) {
				struct poc_tpm_quote q2;
				int rv;

				memcpy(buf, a, alen);
				buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
				poc_err_clear(&e);
				rv = poc_tpm_quote_parse(&e, buf, alen, s, slen, &q2);
				if (rv == 0) {
					rv = poc_tpm_quote_verify_sig(&e, buf, alen, &q2.sig, k);
					if (rv == 0 || e.code != POC_ERR_SIGNATURE)
						bad++;
				} else if (e.code == POC_OK) {
					bad++;
				}
			}
			is_int(bad, 0, "%s %s: all %zu flipped bits of the attest are rejected", dn, bn, alen * 8);
			bad = 0;
			for (size_t bit = 0; bit < slen * 8; bit++) {
				struct poc_tpm_quote q2;

				memcpy(buf, s, slen);
				buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
				poc_err_clear(&e);
				if (poc_tpm_quote_parse(&e, a, alen, buf, slen, &q2) == 0 &&
				    poc_tpm_quote_verify_sig(&e, a, alen, &q2.sig, k) == 0)
					bad++;
				else if (e.code == POC_OK)
					bad++;
			}
			is_int(bad, 0, "%s %s: all %zu flipped bits of the signature are rejected", dn, bn, slen * 8);

			/* Truncations and trailing bytes. */
			bad = 0;
			for (size_t n = 0; n < alen; n++) {
				struct poc_tpm_quote q2;

				poc_err_clear(&e);
				if (poc_tpm_quote_parse(&e, a, n, s, slen, &q2) != -1 || e.code == POC_OK)
					bad++;
			}
			for (size_t n = 0; n < slen; n++) {
				struct poc_tpm_quote q2;

				poc_err_clear(&e);
				if (poc_tpm_quote_parse(&e, a, alen, s, n, &q2) != -1 || e.code == POC_OK)
					bad++;
			}
			is_int(bad, 0, "%s %s: every truncation of attest (%zu) and sig (%zu) is rejected", dn, bn, alen,
			       slen);
			memcpy(buf, a, alen);
			buf[alen] = 0;
			poc_err_clear(&e);
			ok(poc_tpm_quote_parse(&e, buf, alen + 1, s, slen, &q) == -1 && e.code == POC_ERR_MALFORMED,
			   "%s %s: attest with a trailing byte rejected: %s", dn, bn, e.msg);
			memcpy(buf, s, slen);
			buf[slen] = 0;
			poc_err_clear(&e);
			ok(poc_tpm_quote_parse(&e, a, alen, buf, slen + 1, &q) == -1 && e.code == POC_ERR_MALFORMED,
			   "%s %s: sig with a trailing byte rejected: %s", dn, bn, e.msg);
			free(buf);
			free(a);
			free(s);
			free(t);
		}
		EVP_PKEY_free(k);
		X509_free(c);
	}
	EVP_PKEY_free(other);
	EVP_PKEY_free(ecother);
}

/* A TPMT_PUBLIC for an EC key generated by OpenSSL, so the ECC path of pub_to_pkey is covered. */
static int ec_tpm_pub(EVP_PKEY *k, uint16_t curve, size_t flen, TPMT_PUBLIC *pub)
{
	uint8_t pt[1 + 2 * 66];
	size_t n = 0;

	if (EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &n) != 1 ||
	    n != 1 + 2 * flen)
		return -1;
	memset(pub, 0, sizeof(*pub));
	pub->type = TPM2_ALG_ECC;
	pub->nameAlg = TPM2_ALG_SHA256;
	pub->objectAttributes = TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_RESTRICTED;
	pub->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
	pub->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
	pub->parameters.eccDetail.curveID = curve;
	pub->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	pub->unique.ecc.x.size = (uint16_t)flen;
	memcpy(pub->unique.ecc.x.buffer, pt + 1, flen);
	pub->unique.ecc.y.size = (uint16_t)flen;
	memcpy(pub->unique.ecc.y.buffer, pt + 1 + flen, flen);
	return 0;
}

static int sign(EVP_PKEY *k, const EVP_MD *md, int pss, const uint8_t *m, size_t mlen, uint8_t *sig,
		size_t *slen)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	int rv = -1;

	if (c != NULL && EVP_DigestSignInit(c, &pc, md, NULL, k) == 1 &&
	    (!pss || (EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) == 1 &&
		      EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, RSA_PSS_SALTLEN_DIGEST) == 1)) &&
	    EVP_DigestSign(c, sig, slen, m, mlen) == 1)
		rv = 0;
	EVP_MD_CTX_free(c);
	return rv;
}

/* Marshals sig, parses it back with the attest, and verifies with key. */
static int crafted(const uint8_t *a, size_t alen, const TPMT_SIGNATURE *sig, EVP_PKEY *key, struct poc_err *e)
{
	uint8_t buf[sizeof(TPMT_SIGNATURE)];
	struct poc_tpm_quote q;
	size_t off = 0;

	if (Tss2_MU_TPMT_SIGNATURE_Marshal(sig, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS)
		return poc_err_set(e, POC_ERR_ARG, "marshal");
	if (poc_tpm_quote_parse(e, a, alen, buf, off, &q) < 0)
		return -1;
	return poc_tpm_quote_verify_sig(e, a, alen, &q.sig, key);
}

static void test_crafted(void)
{
	size_t alen;
	uint8_t *a = rd(dirs[0], "quote-sha256.attest", &alen);
	static const struct {
		const char *group;
		uint16_t curve, hash;
		size_t flen;
	} ec[] = {
		{ "P-256", TPM2_ECC_NIST_P256, TPM2_ALG_SHA256, 32 },
		{ "P-384", TPM2_ECC_NIST_P384, TPM2_ALG_SHA384, 48 },
		{ "P-521", TPM2_ECC_NIST_P521, TPM2_ALG_SHA512, 66 },
	};

	for (size_t i = 0; i < sizeof(ec) / sizeof(ec[0]); i++) {
		struct poc_err e = { 0 };
		EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", ec[i].group), *tk = NULL;
		uint8_t der[256], name[POC_TPM_NAME_MAX];
		const uint8_t *p = der;
		size_t dlen = sizeof(der), nlen;
		TPMT_SIGNATURE sig = { 0 };
		TPMT_PUBLIC pub;
		ECDSA_SIG *es = NULL;

		if (!ok(k != NULL && sign(k, poc_tpm_alg_md(ec[i].hash), 0, a, alen, der, &dlen) == 0 &&
				(es = d2i_ECDSA_SIG(NULL, &p, (long)dlen)) != NULL,
			"ECDSA %s: test signature made", ec[i].group))
			continue;
		sig.sigAlg = TPM2_ALG_ECDSA;
		sig.signature.ecdsa.hash = ec[i].hash;
		sig.signature.ecdsa.signatureR.size = (uint16_t)ec[i].flen;
		sig.signature.ecdsa.signatureS.size = (uint16_t)ec[i].flen;
		BN_bn2binpad(ECDSA_SIG_get0_r(es), sig.signature.ecdsa.signatureR.buffer, (int)ec[i].flen);
		BN_bn2binpad(ECDSA_SIG_get0_s(es), sig.signature.ecdsa.signatureS.buffer, (int)ec[i].flen);
		ECDSA_SIG_free(es);
		ok(crafted(a, alen, &sig, k, &e) == 0, "ECDSA %s: crafted quote verifies%s", ec[i].group, e.msg);
		poc_err_clear(&e);
		ok(ec_tpm_pub(k, ec[i].curve, ec[i].flen, &pub) == 0 && (tk = poc_tpm_pub_to_pkey(&e, &pub)) != NULL &&
			   EVP_PKEY_eq(tk, k) == 1 && crafted(a, alen, &sig, tk, &e) == 0 &&
			   poc_tpm_pub_name(&e, &pub, name, &nlen) == 0 && nlen == 34,
		   "ECDSA %s: TPMT_PUBLIC of the key converts and verifies%s", ec[i].group, e.msg);
		sig.signature.ecdsa.signatureS.buffer[3] ^= 0x10;
		poc_err_clear(&e);
		ok(crafted(a, alen, &sig, k, &e) == -1 && e.code == POC_ERR_SIGNATURE, "ECDSA %s: changed s fails: %s",
		   ec[i].group, e.msg);
		/* A point off the curve does not become a key. */
		pub.unique.ecc.y.buffer[5] ^= 1;
		EVP_PKEY_free(tk);
		poc_err_clear(&e);
		tk = poc_tpm_pub_to_pkey(&e, &pub);
		ok(tk == NULL && e.code != POC_OK, "ECDSA %s: a point off the curve is rejected: %s", ec[i].group,
		   e.msg);
		EVP_PKEY_free(tk);
		EVP_PKEY_free(k);
	}

	/* RSA-PSS with SHA-256 and SHA-384; and the same bytes labelled RSASSA must fail. */
	static const uint16_t pss_hash[] = { TPM2_ALG_SHA256, TPM2_ALG_SHA384, TPM2_ALG_SHA1 };
	EVP_PKEY *rk = poc_test_key(poc_test_rsa2048_b);
	for (size_t i = 0; i < sizeof(pss_hash) / sizeof(pss_hash[0]); i++) {
		struct poc_err e = { 0 };
		TPMT_SIGNATURE sig = { 0 };
		size_t n = sizeof(sig.signature.rsapss.sig.buffer);

		sig.sigAlg = TPM2_ALG_RSAPSS;
		sig.signature.rsapss.hash = pss_hash[i];
		if (!ok(rk != NULL && sign(rk, poc_tpm_alg_md(pss_hash[i]), 1, a, alen, sig.signature.rsapss.sig.buffer,
					 &n) == 0,
			"RSAPSS %s: test signature made", poc_tpm_alg_name(pss_hash[i])))
			continue;
		sig.signature.rsapss.sig.size = (uint16_t)n;
		ok(crafted(a, alen, &sig, rk, &e) == 0, "RSAPSS %s: crafted quote verifies%s",
		   poc_tpm_alg_name(pss_hash[i]), e.msg);
		sig.sigAlg = TPM2_ALG_RSASSA;
		poc_err_clear(&e);
		ok(crafted(a, alen, &sig, rk, &e) == -1 && e.code == POC_ERR_SIGNATURE,
		   "RSAPSS %s: labelled RSASSA fails: %s", poc_tpm_alg_name(pss_hash[i]), e.msg);
	}
	/* Unsupported schemes and hashes are named, not verified. */
	{
		struct poc_err e = { 0 };
		TPMT_SIGNATURE sig = { 0 };

		sig.sigAlg = TPM2_ALG_RSASSA;
		sig.signature.rsassa.hash = TPM2_ALG_SM3_256;
		sig.signature.rsassa.sig.size = 256;
		ok(poc_tpm_quote_verify_sig(&e, a, alen, &sig, rk) == -1 && e.code == POC_ERR_UNSUPPORTED,
		   "SM3 hash unsupported: %s", e.msg);
		poc_err_clear(&e);
		sig.sigAlg = TPM2_ALG_HMAC;
		sig.signature.hmac.hashAlg = TPM2_ALG_SHA256;
		ok(poc_tpm_quote_verify_sig(&e, a, alen, &sig, rk) == -1 && e.code == POC_ERR_UNSUPPORTED,
		   "HMAC scheme unsupported: %s", e.msg);
	}
	EVP_PKEY_free(rk);
	free(a);
}

int main(void)
{
	test_pub();
	test_real_quotes();
	test_crafted();
	return poc_test_done();
}
