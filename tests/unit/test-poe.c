/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Intel POE tokens: the draft's structure-only fixtures, then tokens signed at
 * test time (EC root + leaf made here) for the signature, chain, validity and
 * PIID checks the placeholder-signed fixtures cannot exercise.
 */
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "hex.h"
#include "poe.h"
#include "../poe-build.h"
#include "../test.h"

#define AT 1800000000    /* verification time: inside the certificates and the token */
#define CERT_NB 1700000000
#define CERT_NA 1900000000

static const uint8_t piid16[16] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };

static void ext(X509 *c, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *x;

	X509V3_set_ctx(&ctx, issuer, c, NULL, NULL, 0);
	x = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	X509_add_ext(c, x, -1);
	X509_EXTENSION_free(x);
}

/* A v3 certificate for key's public half, signed by ikey (self-signed when issuer is NULL). */
static X509 *make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, int ca, const char *ku)
{
	X509 *c = X509_new();
	X509_NAME *n = X509_NAME_new();
	static long serial = 1;

	X509_set_version(c, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c), serial++);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(c, n);
	X509_set_issuer_name(c, issuer != NULL ? X509_get_subject_name(issuer) : n);
	X509_NAME_free(n);
	ASN1_TIME_set(X509_getm_notBefore(c), CERT_NB);
	ASN1_TIME_set(X509_getm_notAfter(c), CERT_NA);
	X509_set_pubkey(c, key);
	ext(c, issuer != NULL ? issuer : c, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	ext(c, issuer != NULL ? issuer : c, NID_key_usage, ku);
	ext(c, issuer != NULL ? issuer : c, NID_subject_key_identifier, "hash");
	ext(c, issuer != NULL ? issuer : c, NID_authority_key_identifier, "keyid:always");
	X509_sign(c, issuer != NULL ? ikey : key, EVP_sha256());
	return c;
}

struct pki {
	EVP_PKEY *root_key, *leaf_key;
	X509 *root, *leaf;
	STACK_OF(X509) *roots, *chain;
};

static void pki_make(struct pki *p, const char *curve, const char *leaf_ku)
{
	p->root_key = EVP_EC_gen("P-256");
	p->leaf_key = EVP_EC_gen(curve);
	p->root = make_cert("POE Test Endorser Root", p->root_key, NULL, NULL, 1, "critical,keyCertSign,cRLSign");
	p->leaf = make_cert("POE Test Signer", p->leaf_key, p->root, p->root_key, 0, leaf_ku);
	p->roots = sk_X509_new_null();
	sk_X509_push(p->roots, p->root);
	X509_up_ref(p->root);
	p->chain = sk_X509_new_null();
	sk_X509_push(p->chain, p->leaf);
	X509_up_ref(p->leaf);
	sk_X509_push(p->chain, p->root);
	X509_up_ref(p->root);
}

static void pki_free(struct pki *p)
{
	sk_X509_pop_free(p->roots, X509_free);
	sk_X509_pop_free(p->chain, X509_free);
	X509_free(p->root);
	X509_free(p->leaf);
	EVP_PKEY_free(p->root_key);
	EVP_PKEY_free(p->leaf_key);
}

static uint8_t *build(const struct pki *p, int64_t nb, int64_t na, size_t *len)
{
	struct poc_poe_spec s = {
		.key = p->leaf_key, .chain = p->chain, .piid = piid16, .piid_len = sizeof(piid16),
		.owner = "csp.test", .has_validity = 1, .not_before = nb, .not_after = na,
	};
	uint8_t *buf = NULL;

	if (poc_poe_build(&s, &buf, len) < 0) {
		printf("Bail out! cannot build a POE token\n");
		exit(1);
	}
	return buf;
}

static void test_fixtures(const struct pki *p)
{
	static const char *const golden[] = { "poe/poe-golden.cbor", "poe/poe-golden-fwdcompat.cbor",
					      "poe/poe-golden-leaf-only.cbor", "poe/poe-golden-tstr-id.cbor" };
	static const uint8_t zero[16];
	struct poc_err e = { 0 };
	struct poc_poe t;
	size_t i, len;
	uint8_t *buf;
	char hex[2 * POC_POE_PIID_MAX + 1];

	for (i = 0; i < sizeof(golden) / sizeof(golden[0]); i++) {
		buf = poc_test_read_data(golden[i], &len);
		poc_err_clear(&e);
		if (ok(poc_poe_parse(&e, buf, len, &t) == 0, "%s parses: %s", golden[i], e.msg)) {
			poc_hex_encode(t.piid, t.piid_len, hex);
			diag("%s: PIID %s owner \"%s\" profile \"%s\" alg %d valid %lld..%lld", golden[i], hex, t.owner,
			     t.profile, t.alg, (long long)t.not_before, (long long)t.not_after);
			ok(t.piid_len == 16 && memcmp(t.piid, zero, 16) == 0, "%s: all-zero 16-byte PIID", golden[i]);
			is_str(t.owner, "csp.example", "%s: owner", golden[i]);
			is_str(t.profile, POC_POE_PROFILE, "%s: profile", golden[i]);
			ok(t.alg == POC_COSE_ES384 && t.has_validity && t.not_before == 1780358400 &&
				   t.not_after == 1938124800, "%s: ES384, validity 1780358400..1938124800", golden[i]);
			ok(t.x5chain == NULL, "%s: placeholder x5chain is not DER", golden[i]);
			poc_poe_free(&t);
		}
		/* Placeholder signatures and certificates: verification must fail, never pass. */
		poc_err_clear(&e);
		ok(poc_poe_verify(&e, buf, len, p->roots, AT, &t) < 0 &&
			   (e.code == POC_ERR_CHAIN || e.code == POC_ERR_SIGNATURE),
		   "%s does not verify (%s: %s)", golden[i], poc_strerror(e.code), e.msg);
		free(buf);
	}
	buf = poc_test_read_data("poe/poe-negative-bare.cbor", &len);
	poc_err_clear(&e);
	ok(poc_poe_parse(&e, buf, len, &t) < 0 && e.code == POC_ERR_MALFORMED, "negative-bare rejected: %s", e.msg);
	ok(strstr(e.msg, "measurement list") != NULL, "negative-bare: the bare measurement-map is named");
	/* Untagged COSE_Sign1: drop the leading 0xd2. */
	poc_err_clear(&e);
	ok(poc_poe_parse(&e, buf + 1, len - 1, &t) < 0 && e.code == POC_ERR_MALFORMED, "untagged token rejected: %s",
	   e.msg);
	free(buf);
}

static size_t find_mem(const uint8_t *buf, size_t len, const void *s, size_t n)
{
	size_t i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(buf + i, s, n) == 0)
			return i;
	return len;
}

static size_t find(const uint8_t *buf, size_t len, const char *s)
{
	return find_mem(buf, len, s, strlen(s));
}

static void test_signed(const struct pki *p)
{
	struct poc_err e = { 0 };
	struct poc_poe t;
	struct pki other;
	size_t len, off;
	uint8_t *buf = build(p, 1780358400, 1938124800, &len);
	uint8_t other_piid[16];

	ok(poc_poe_verify(&e, buf, len, p->roots, AT, &t) == 0, "signed token verifies: %s", e.msg);
	ok(t.piid_len == 16 && memcmp(t.piid, piid16, 16) == 0, "PIID read back");
	is_str(t.owner, "csp.test", "owner read back");
	ok(t.alg == POC_COSE_ES256 && sk_X509_num(t.x5chain) == 2, "ES256, two certificates");

	poc_err_clear(&e);
	ok(poc_poe_check_piid(&e, &t, piid16, sizeof(piid16)) == 0, "PIID matches: %s", e.msg);
	memcpy(other_piid, piid16, 16);
	other_piid[15] ^= 1;
	poc_err_clear(&e);
	ok(poc_poe_check_piid(&e, &t, other_piid, 16) < 0 && e.code == POC_ERR_MISMATCH &&
		   strstr(e.msg, "deadbeef0102030405060708090a0b0c") && strstr(e.msg, "090a0b0d"),
	   "PIID mismatch names both: %s", e.msg);
	poc_err_clear(&e);
	ok(poc_poe_check_piid(&e, &t, piid16, 15) < 0 && e.code == POC_ERR_MISMATCH, "shorter PIID: mismatch");
	poc_err_clear(&e);
	ok(poc_poe_check_piid(&e, &t, NULL, 0) < 0 && e.code == POC_ERR_MISMATCH, "empty PIID: mismatch");
	poc_poe_free(&t);
	poc_poe_free(&t); /* idempotent */

	/* A changed owner byte inside the payload: still parses, signature fails. */
	/* The protected header's CWT iss also says csp.test: look after the owner mkey. */
	off = find(buf, len, "tee.poe.ownership-claims");
	off += find(buf + off, len - off, "csp.test");
	ok(off < len, "owner found in the payload");
	buf[off + 4] = 'X';
	poc_err_clear(&e);
	ok(poc_poe_parse(&e, buf, len, &t) == 0 && strcmp(t.owner, "csp.Xest") == 0, "tampered payload parses");
	poc_poe_free(&t);
	poc_err_clear(&e);
	ok(poc_poe_verify(&e, buf, len, p->roots, AT, &t) < 0 && e.code == POC_ERR_SIGNATURE,
	   "tampered payload: %s", e.msg);
	buf[off + 4] = 't';
	/* Protected header: the content type. */
	off = find(buf, len, "application/rim+cbor");
	buf[off + 12] ^= 0x20; /* "rim+cbor" -> "RIM+cbor"-ish: now rejected as content type */
	poc_err_clear(&e);
	ok(poc_poe_verify(&e, buf, len, p->roots, AT, &t) < 0, "tampered protected header rejected: %s", e.msg);
	buf[off + 12] ^= 0x20;
	/* The last byte is the end of s. */
	buf[len - 1] ^= 1;
	poc_err_clear(&e);
	ok(poc_poe_verify(&e, buf, len, p->roots, AT, &t) < 0 && e.code == POC_ERR_SIGNATURE,
	   "tampered signature: %s", e.msg);
	buf[len - 1] ^= 1;
	poc_err_clear(&e);
	ok(poc_poe_verify(&e, buf, len, p->roots, AT, &t) == 0, "restored token verifies again: %s", e.msg);
	poc_poe_free(&t);

	pki_make(&other, "P-256", "critical,digitalSignature");
	poc_err_clear(&e);
	ok(poc_poe_verify(&e, buf, len, other.roots, AT, &t) < 0 && e.code == POC_ERR_CHAIN, "wrong root: %s", e.msg);
	pki_free(&other);
	poc_err_clear(&e);
	ok(poc_poe_verify(&e, buf, len, NULL, AT, &t) < 0 && e.code == POC_ERR_ARG, "no roots: %s", e.msg);
	poc_err_clear(&e);
	ok(poc_poe_verify(&e, buf, len, p->roots, CERT_NA + 10, &t) < 0 && e.code == POC_ERR_EXPIRED,
	   "certificates expired: %s", e.msg);
	free(buf);

	buf = build(p, 1700000000, 1750000000, &len);
	poc_err_clear(&e);
	ok(poc_poe_verify(&e, buf, len, p->roots, AT, &t) < 0 && e.code == POC_ERR_EXPIRED, "token expired: %s", e.msg);
	poc_err_clear(&e);
	ok(poc_poe_verify(&e, buf, len, p->roots, 1750000000, &t) == 0, "not-after is inclusive: %s", e.msg);
	poc_poe_free(&t);
	free(buf);
	buf = build(p, 1850000000, 1860000000, &len);
	poc_err_clear(&e);
	ok(poc_poe_verify(&e, buf, len, p->roots, AT, &t) < 0 && e.code == POC_ERR_EXPIRED, "token not yet valid: %s",
	   e.msg);
	free(buf);
}

static void test_variants(const struct pki *p)
{
	struct poc_poe_spec s = {
		.key = p->leaf_key, .chain = p->chain, .piid = piid16, .piid_len = 32,
		.owner = "csp.test", .has_validity = 1, .not_before = AT - 60, .not_after = AT + 3600,
	};
	static uint8_t piid32[32] = { 1 };
	STACK_OF(X509) *leaf_only = sk_X509_new_null();
	struct poc_err e = { 0 };
	struct poc_poe t;
	struct pki p384, ku;
	uint8_t *buf = NULL;
	size_t len;

	s.piid = piid32;
	ok(poc_poe_build(&s, &buf, &len) == 0, "built: 32-byte PIID");
	ok(poc_poe_verify(&e, buf, len, p->roots, AT, &t) == 0 && t.piid_len == 32 && t.has_validity,
	   "32-byte PIID verifies: %s", e.msg);
	poc_poe_free(&t);
	free(buf);
	/* A token without a validity window would endorse the platform forever. */
	s.has_validity = 0;
	ok(poc_poe_build(&s, &buf, &len) == 0, "built: no validity");
	ok(poc_poe_parse(&e, buf, len, &t) == 0 && !t.has_validity, "a token without validity parses (structure)");
	poc_poe_free(&t);
	poc_err_clear(&e);
	ok(poc_poe_verify(&e, buf, len, p->roots, AT, &t) < 0 && e.code == POC_ERR_EXPIRED &&
		   strstr(e.msg, "no validity") != NULL, "a token without validity is refused: %s", e.msg);
	free(buf);
	s.has_validity = 1;

	sk_X509_push(leaf_only, p->leaf);
	s.chain = leaf_only;
	s.leaf_only_bstr = 1;
	ok(poc_poe_build(&s, &buf, &len) == 0, "built: leaf-only x5chain bstr");
	poc_err_clear(&e);
	ok(poc_poe_verify(&e, buf, len, p->roots, AT, &t) == 0 && sk_X509_num(t.x5chain) == 1,
	   "leaf-only bstr x5chain verifies: %s", e.msg);
	poc_poe_free(&t);
	free(buf);
	sk_X509_free(leaf_only);
	s.chain = p->chain;
	s.leaf_only_bstr = 0;

	s.piid_len = 20;
	ok(poc_poe_build(&s, &buf, &len) == 0, "built: 20-byte PIID");
	poc_err_clear(&e);
	ok(poc_poe_parse(&e, buf, len, &t) < 0 && e.code == POC_ERR_MALFORMED, "20-byte PIID rejected: %s", e.msg);
	free(buf);
	s.piid_len = 32;

	s.profile = "tag:example.com,2026:other#1.0";
	ok(poc_poe_build(&s, &buf, &len) == 0, "built: other profile");
	poc_err_clear(&e);
	ok(poc_poe_parse(&e, buf, len, &t) < 0 && e.code == POC_ERR_UNSUPPORTED, "other profile rejected: %s", e.msg);
	free(buf);
	s.profile = NULL;

	s.owner = "";
	ok(poc_poe_build(&s, &buf, &len) == 0, "built: empty owner");
	poc_err_clear(&e);
	ok(poc_poe_parse(&e, buf, len, &t) < 0, "empty owner rejected: %s", e.msg);
	free(buf);
	s.owner = "csp.test";

	pki_make(&p384, "P-384", "critical,digitalSignature");
	s.key = p384.leaf_key;
	s.chain = p384.chain;
	ok(poc_poe_build(&s, &buf, &len) == 0, "built: ES384");
	poc_err_clear(&e);
	ok(poc_poe_verify(&e, buf, len, p384.roots, AT, &t) == 0 && t.alg == POC_COSE_ES384, "ES384 verifies: %s",
	   e.msg);
	poc_poe_free(&t);
	free(buf);
	pki_free(&p384);

	pki_make(&ku, "P-256", "critical,keyCertSign");
	s.key = ku.leaf_key;
	s.chain = ku.chain;
	ok(poc_poe_build(&s, &buf, &len) == 0, "built: signer without digitalSignature");
	poc_err_clear(&e);
	ok(poc_poe_verify(&e, buf, len, ku.roots, AT, &t) < 0 && e.code == POC_ERR_CHAIN, "keyUsage enforced: %s",
	   e.msg);
	free(buf);
	pki_free(&ku);
}

/* Every prefix and every single-byte change: rejected or accepted cleanly, never a crash or leak. */
static void test_damage(const struct pki *p)
{
	struct poc_err e = { 0 };
	struct poc_poe t;
	size_t len, cut, i, accepted = 0, sig_accepted = 0, outside = 0;
	unsigned char *rootder = NULL;
	const uint8_t *rootoff;
	int rootlen;
	uint8_t *buf = build(p, 1780358400, 1938124800, &len);
	uint8_t *fix;
	size_t flen;

	for (cut = 0; cut < len; cut++) {
		poc_err_clear(&e);
		if (poc_poe_parse(&e, buf, cut, &t) == 0) {
			accepted++;
			poc_poe_free(&t);
		}
	}
	is_int(accepted, 0, "all %zu truncations rejected by parse", len);
	rootlen = i2d_X509(p->root, &rootder);
	rootoff = rootlen > 0 && find_mem(buf, len, rootder, (size_t)rootlen) < len
		  ? buf + find_mem(buf, len, rootder, (size_t)rootlen) : NULL;
	for (i = 0; i < len; i++) {
		buf[i] ^= 0x01;
		poc_err_clear(&e);
		if (poc_poe_verify(&e, buf, len, p->roots, AT, &t) == 0) {
			sig_accepted++;
			if (rootoff == NULL || buf + i < rootoff || buf + i >= rootoff + rootlen)
				outside++;
			poc_poe_free(&t);
		}
		buf[i] ^= 0x01;
	}
	OPENSSL_free(rootder);
	/*
	 * The x5chain's copy of the root is unsigned and unused (the pinned root
	 * anchors the chain), so its bytes may change; no other byte may.
	 */
	diag("%zu of %zu single-bit flips still verify, all in x5chain's copy of the root", sig_accepted, len);
	ok(rootoff != NULL, "root copy found in x5chain");
	is_int(outside, 0, "every bit flip outside the root copy is rejected");
	free(buf);

	fix = poc_test_read_data("poe/poe-golden.cbor", &flen);
	accepted = 0;
	for (cut = 0; cut < flen; cut++) {
		poc_err_clear(&e);
		if (poc_poe_parse(&e, fix, cut, &t) == 0) {
			accepted++;
			poc_poe_free(&t);
		}
	}
	is_int(accepted, 0, "all %zu truncations of poe-golden.cbor rejected", flen);
	free(fix);
}

int main(void)
{
	struct pki p;

	pki_make(&p, "P-256", "critical,digitalSignature");
	test_fixtures(&p);
	test_signed(&p);
	test_variants(&p);
	test_damage(&p);
	pki_free(&p);
	return poc_test_done();
}
