/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for collateral.c: real Intel PCS collateral, tampering, expiry, CRLs, strict JSON. */
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "collateral.h"
#include "verr.h"
#include "x509.h"
#include "../test.h"

struct files {
	struct poc_collateral_files f;
	uint8_t *buf[9];
	size_t len[9];
};

static void load_files(const char *dir, struct files *fs)
{
	static const char *names[9] = { "tcb_info.json", "tcb_info_signature.bin", "tcb_info_issuer_chain.pem",
					"qe_identity.json", "qe_identity_signature.bin",
					"qe_identity_issuer_chain.pem", "pck_crl.der", "root_ca_crl.der",
					"pck_crl_issuer_chain.pem" };
	char rel[512];

	for (int i = 0; i < 9; i++) {
		snprintf(rel, sizeof(rel), "%s/%s", dir, names[i]);
		fs->buf[i] = poc_test_read_data(rel, &fs->len[i]);
	}
}

/* Points f at the buffers (after a test replaced some of them). */
static const struct poc_collateral_files *view(struct files *fs)
{
	uint8_t **b = fs->buf;
	size_t *l = fs->len;

	fs->f = (struct poc_collateral_files){ b[0], l[0], b[1], l[1], b[2], l[2], b[3], l[3], b[4],
					       l[4], b[5], l[5], b[6], l[6], b[7], l[7], b[8], l[8] };
	return &fs->f;
}

static void free_files(struct files *fs)
{
	for (int i = 0; i < 9; i++)
		free(fs->buf[i]);
}

static STACK_OF(X509) *load_pem(const char *rel)
{
	struct poc_err e = { 0 };
	size_t len;
	uint8_t *b = poc_test_read_data(rel, &len);
	STACK_OF(X509) *r = poc_x509_load(&e, b, len);

	free(b);
	return r;
}

static int verify(struct poc_err *e, struct files *fs, STACK_OF(X509) *roots, int64_t at,
		  struct poc_collateral **c)
{
	poc_err_clear(e);
	*c = NULL;
	return poc_collateral_verify(e, view(fs), roots, at, c);
}

static const struct {
	const char *name, *dir;
	int64_t at;
	const char *fmspc;
	int eval;
} folders[] = {
	{ "gcp", "tdx/gcp-tdx-1782809233/collateral", 1782809233, "00806F050000", 19 },
	{ "dcap", "tdx/dcap-tdx-1766059550/collateral", 1769509141, "00806F050000", 18 },
	{ "azure-failed-v5", "tdx/azure-failed-v5/collateral", 1771414156, "90C06F000000", 18 },
	{ "azure-vtpm", "azure/tdx-vtpm-1780922561/collateral", 1780922561, "90C06F000000", 19 },
};

static void test_real(STACK_OF(X509) *roots)
{
	struct poc_err e;
	struct poc_collateral *c;
	struct files fs;

	for (size_t i = 0; i < sizeof(folders) / sizeof(folders[0]); i++) {
		load_files(folders[i].dir, &fs);
		ok(verify(&e, &fs, roots, folders[i].at, &c) == 0, "%s: collateral verifies: %s", folders[i].name,
		   e.msg);
		is_str(poc_collateral_fmspc_hex(c), folders[i].fmspc, "%s: FMSPC", folders[i].name);
		is_str(poc_collateral_pceid_hex(c), "0000", "%s: PCEID", folders[i].name);
		is_int(poc_collateral_tcb_eval_number(c), folders[i].eval, "%s: tcbEvaluationDataNumber",
		       folders[i].name);
		is_int(poc_collateral_qe_eval_number(c), folders[i].eval, "%s: QE tcbEvaluationDataNumber",
		       folders[i].name);
		ok(poc_collateral_tcb_issue_date(c) <= folders[i].at && folders[i].at <= poc_collateral_tcb_next_update(c),
		   "%s: issueDate <= at <= nextUpdate", folders[i].name);
		ok(poc_collateral_tcb_info(c) != NULL && poc_collateral_tcb_info(c)->nmodules >= 1 &&
			   poc_collateral_qe_identity(c) != NULL && poc_collateral_qe_identity(c)->isvprodid == 2,
		   "%s: parsed views", folders[i].name);

		/* After the TCB Info's nextUpdate (the PCK CRL lives a little longer in these folders). */
		int64_t next = poc_collateral_tcb_next_update(c), issued = poc_collateral_tcb_issue_date(c);
		poc_collateral_free(c);
		ok(verify(&e, &fs, roots, next + 1, &c) < 0 && e.code == POC_ERR_EXPIRED, "%s: after nextUpdate: %s",
		   folders[i].name, e.msg);
		ok(verify(&e, &fs, roots, issued - 1, &c) < 0 && e.code == POC_ERR_EXPIRED,
		   "%s: before issueDate: %s", folders[i].name, e.msg);
		free_files(&fs);
	}
	/* The exact message at the TCB Info's own expiry. */
	load_files(folders[0].dir, &fs);
	ok(verify(&e, &fs, roots, 1785398027 + 1, &c) < 0 && e.code == POC_ERR_EXPIRED &&
		   strncmp(e.msg, "TCB Info expired at", 19) == 0,
	   "TCB Info expired message: %s", e.msg);
	free_files(&fs);
}

/* Replaces the first occurrence of from with to in buffer i. */
static int patch(struct files *fs, int i, const char *from, const char *to)
{
	uint8_t *p = memmem(fs->buf[i], fs->len[i], from, strlen(from)), *n;
	size_t fl = strlen(from), tl = strlen(to), off;

	if (p == NULL)
		return -1;
	off = (size_t)(p - fs->buf[i]);
	n = malloc(fs->len[i] - fl + tl + 1);
	memcpy(n, fs->buf[i], off);
	memcpy(n + off, to, tl);
	memcpy(n + off + tl, p + fl, fs->len[i] - off - fl);
	free(fs->buf[i]);
	fs->buf[i] = n;
	fs->len[i] = fs->len[i] - fl + tl;
	return 0;
}

static void test_tamper(STACK_OF(X509) *roots)
{
	const char *dir = folders[0].dir;
	int64_t at = folders[0].at;
	struct poc_collateral *c;
	struct poc_err e;
	struct files fs;

	static const struct {
		int file;
		const char *from, *to;
		enum poc_verr want;
	} cases[] = {
		{ 0, "\"svn\":8", "\"svn\":9", POC_ERR_SIGNATURE },
		{ 0, "\"tcbStatus\":\"OutOfDate\"", "\"tcbStatus\":\"UpToDate\" ", POC_ERR_SIGNATURE },
		{ 3, "\"isvsvn\":4", "\"isvsvn\":3", POC_ERR_SIGNATURE },
		{ 0, "\"version\":3", "\"version\":2", POC_ERR_UNSUPPORTED },
		{ 0, "\"id\":\"TDX\"", "\"id\":\"SGX\"", POC_ERR_UNSUPPORTED },
		{ 3, "\"id\":\"TD_QE\"", "\"id\":\"QE_ID\"", POC_ERR_UNSUPPORTED },
		{ 0, "\"version\":3", "\"version\":\"\"", POC_ERR_MALFORMED },
		{ 0, "\"tcbType\":0", "\"tcbType\":[]", POC_ERR_MALFORMED },
		{ 0, "\"version\":3", "\"version\":\"3\"", POC_ERR_MALFORMED },
		{ 0, "\"version\":3", "\"version\":3.0", POC_ERR_MALFORMED },
		{ 0, "\"pcesvn\":11", "\"pcesvn\":-1", POC_ERR_MALFORMED },
		{ 0, "\"pcesvn\":11", "\"pcesvn\":65536", POC_ERR_MALFORMED },
		{ 0, "{\"svn\":8,", "{\"svn\":256,", POC_ERR_MALFORMED },
		{ 0, "{\"svn\":8,", "{\"svn\":true,", POC_ERR_MALFORMED },
		{ 0, "\"tcbStatus\":\"OutOfDate\"", "\"tcbStatus\":null", POC_ERR_MALFORMED },
		{ 0, "\"advisoryIDs\":[\"", "\"advisoryIDs\":[1,\"", POC_ERR_MALFORMED },
		{ 0, "\"id\":\"TDX\",", "\"id\":\"TDX\",\"id\":\"TDX\",", POC_ERR_SIGNATURE },
		{ 0, "{", "{,", POC_ERR_MALFORMED },
		{ 0, "{", "{\"a\":'x',", POC_ERR_MALFORMED },
		{ 3, "\"isvprodid\":2", "\"isvprodid\":\"2\"", POC_ERR_MALFORMED },
		{ 3, "\"miscselect\":\"00000000\"", "\"miscselect\":\"000000\"", POC_ERR_MALFORMED },
		{ 0, "\"pcesvn\":11", "\"pcesvn\":1.", POC_ERR_MALFORMED },
		{ 0, "\"fmspc\":\"00806F050000\"", "\"fmspc\":\"00806F05000 \"", POC_ERR_MALFORMED },
		{ 0, "\"tcbStatus\":\"OutOfDate\"", "\"tcbStatus\":\"OutOfDatx\"", POC_ERR_MALFORMED },
		{ 0, "\"issueDate\":\"2026-06-30T07", "\"issueDate\":\"2026-13-30T07", POC_ERR_MALFORMED },
		{ 0, "{", "[", POC_ERR_MALFORMED },
		{ 3, "\"mrsigner\":\"DC", "\"mrsigner\":\"XC", POC_ERR_MALFORMED },
		{ 0, "\"tcbLevels\":[{\"tcb\":{\"sgx", "\"tcbLevels\":[{\"tcX\":{\"sgx", POC_ERR_MALFORMED },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		load_files(dir, &fs);
		ok(patch(&fs, cases[i].file, cases[i].from, cases[i].to) == 0 && verify(&e, &fs, roots, at, &c) < 0 &&
			   e.code == cases[i].want,
		   "tamper %s -> %s: %s", cases[i].to, poc_verr_str(cases[i].want), e.msg);
		poc_collateral_free(c);
		free_files(&fs);
	}
	for (int file = 1; file <= 4; file += 3) {
		load_files(dir, &fs);
		fs.buf[file][10] ^= 0x01;
		ok(verify(&e, &fs, roots, at, &c) < 0 && e.code == POC_ERR_SIGNATURE, "flipped %s signature: %s",
		   file == 1 ? "TCB Info" : "QE Identity", e.msg);
		free_files(&fs);
	}
	/* A flipped byte anywhere in the CRLs or the signature files: always rejected. */
	for (int file = 1; file < 9; file++) {
		if (file == 2 || file == 5 || file == 8)
			continue;
		load_files(dir, &fs);
		fs.buf[file][fs.len[file] - 5] ^= 0x01;
		ok(verify(&e, &fs, roots, at, &c) < 0, "flipped byte in file %d rejected: %s", file, e.msg);
		free_files(&fs);
	}
	/* Missing members and the wrong trust anchor. */
	load_files(dir, &fs);
	fs.len[1] = 0;
	ok(verify(&e, &fs, roots, at, &c) < 0 && e.code == POC_ERR_ARG, "missing signature: %s", e.msg);
	fs.len[1] = 64;
	fs.len[1] = 63;
	ok(verify(&e, &fs, roots, at, &c) < 0 && e.code == POC_ERR_MALFORMED, "63-byte signature: %s", e.msg);
	fs.len[1] = 64;
	{
		STACK_OF(X509) *gce = load_pem("gce-certs/gce-ekak-ca-root.pem");

		ok(verify(&e, &fs, gce, at, &c) < 0 && (e.code == POC_ERR_SIGNATURE || e.code == POC_ERR_CHAIN),
		   "wrong trust anchor: %s", e.msg);
		sk_X509_pop_free(gce, X509_free);
	}
	/* The QE Identity's chain given as the PCK CRL's chain: the CRL issuer does not match. */
	{
		uint8_t *t = fs.buf[8];
		size_t tl = fs.len[8];

		fs.buf[8] = fs.buf[5];
		fs.len[8] = fs.len[5];
		ok(verify(&e, &fs, roots, at, &c) < 0, "PCK CRL with the wrong issuer chain: %s", e.msg);
		fs.buf[8] = t;
		fs.len[8] = tl;
	}
	free_files(&fs);
}

/* The PCS response form {"tcbInfo": {...}, "signature": "hex"}, signature taken from the JSON. */
static void test_wrapped(STACK_OF(X509) *roots)
{
	struct poc_collateral *c;
	struct poc_err e;
	struct files fs;
	char hex[129];
	uint8_t *w;
	size_t n;

	for (int flip = 0; flip < 2; flip++) {
		load_files(folders[0].dir, &fs);
		for (int i = 0; i < 64; i++)
			snprintf(hex + 2 * i, 3, "%02x", fs.buf[1][i] ^ (flip && i == 3 ? 1 : 0));
		n = fs.len[0] + 200;
		w = malloc(n);
		n = (size_t)snprintf((char *)w, n, "{ \"tcbInfo\" : %.*s ,\n \"signature\":\"%s\"}\n", (int)fs.len[0],
				     (char *)fs.buf[0], hex);
		free(fs.buf[0]);
		fs.buf[0] = w;
		fs.len[0] = n;
		fs.len[1] = 0;
		if (!flip)
			ok(verify(&e, &fs, roots, folders[0].at, &c) == 0, "wrapped TCB Info verifies: %s", e.msg);
		else
			ok(verify(&e, &fs, roots, folders[0].at, &c) < 0 && e.code == POC_ERR_SIGNATURE,
			   "wrapped TCB Info, flipped signature: %s", e.msg);
		poc_collateral_free(c);
		free_files(&fs);
	}
	/* A second, forged "tcbInfo" after the signed one: what is parsed is what is signed. */
	load_files(folders[0].dir, &fs);
	{
		size_t n2 = 2 * fs.len[0] + 64;
		uint8_t *w2 = malloc(n2);

		n2 = (size_t)snprintf((char *)w2, n2, "{\"tcbInfo\":%.*s,\"tcbInfo\":%.*s}", (int)fs.len[0],
				      (char *)fs.buf[0], (int)fs.len[0], (char *)fs.buf[0]);
		free(fs.buf[0]);
		fs.buf[0] = w2;
		fs.len[0] = n2;
		w2 = memmem(w2 + n2 / 2, n2 / 2, "\"tcbEvaluationDataNumber\":19", 28);
		if (w2 != NULL)
			w2[26] = '7';
		ok(verify(&e, &fs, roots, folders[0].at, &c) == 0 && poc_collateral_tcb_eval_number(c) == 19,
		   "duplicate tcbInfo: the signed one is used (%s)", e.msg);
		poc_collateral_free(c);
	}
	free_files(&fs);
	{
		static const char *qe = "{\"enclaveIdentity\":{\"id\":\"TD_QE\"},\"signature\":\"00\"}";

		ok(poc_collateral_parse_qe_identity(&e, (const uint8_t *)qe, strlen(qe), &c) < 0, "bad wrapper refused: %s",
		   e.msg);
	}
}

/* A test CA, a leaf, and a CRL listing the leaf, all made here. */
static X509 *make_cert(EVP_PKEY *key, EVP_PKEY *signer, const char *cn, const char *issuer_cn, long serial)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new(), *in = X509_NAME_new();

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_NAME_add_entry_by_txt(in, "CN", MBSTRING_ASC, (const unsigned char *)issuer_cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, in);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	X509_sign(x, signer, EVP_sha256());
	X509_NAME_free(n);
	X509_NAME_free(in);
	return x;
}

static void test_revoked(STACK_OF(X509) *roots)
{
	EVP_PKEY *ca_key = EVP_EC_gen("P-256"), *leaf_key = EVP_EC_gen("P-256");
	X509 *ca = make_cert(ca_key, ca_key, "Test PCK Platform CA", "Test PCK Platform CA", 1);
	X509 *leaf = make_cert(leaf_key, ca_key, "Test PCK Certificate", "Test PCK Platform CA", 0x1234567);
	X509 *other = make_cert(leaf_key, ca_key, "Test PCK Certificate", "Test PCK Platform CA", 0x42);
	X509 *stranger = make_cert(leaf_key, ca_key, "Test PCK Certificate", "Another CA", 0x1234567);
	X509_CRL *crl = X509_CRL_new();
	X509_REVOKED *r = X509_REVOKED_new();
	ASN1_TIME *now = ASN1_TIME_adj(NULL, time(NULL), 0, 0);
	struct poc_err e = { 0 };

	X509_CRL_set_version(crl, 1);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca));
	X509_CRL_set1_lastUpdate(crl, now);
	X509_CRL_set1_nextUpdate(crl, now);
	X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(leaf));
	X509_REVOKED_set_revocationDate(r, now);
	X509_CRL_add0_revoked(crl, r);
	X509_CRL_sort(crl);
	ok(X509_CRL_sign(crl, ca_key, EVP_sha256()) > 0, "test CRL signed");

	ok(poc_crl_check_cert(&e, crl, leaf, "PCK") < 0 && e.code == POC_ERR_REVOKED &&
		   strstr(e.msg, "PCK certificate serial 01234567 revoked") != NULL,
	   "listed PCK -> revoked: %s", e.msg);
	poc_err_clear(&e);
	ok(poc_crl_check_cert(&e, crl, other, "PCK") == 0, "unlisted PCK passes: %s", e.msg);
	ok(poc_crl_check_cert(&e, crl, stranger, "PCK") < 0 && e.code == POC_ERR_MISMATCH &&
		   strstr(e.msg, "PCK CRL is for another CA") != NULL,
	   "CRL of another CA -> mismatch: %s", e.msg);
	poc_err_clear(&e);
	ok(poc_crl_check_cert(&e, NULL, leaf, "PCK") < 0 && e.code == POC_ERR_ARG, "NULL CRL refused");

	/* The real PCK chain of the gcp quote against the real CRLs. */
	{
		struct poc_collateral *c;
		struct files fs;
		size_t len;
		uint8_t *q = poc_test_read_data("tdx/gcp-tdx-1782809233/quote.bin", &len);
		const uint8_t *pem = memmem(q, len, "-----BEGIN CERTIFICATE-----", 27);
		STACK_OF(X509) *pck = pem ? poc_x509_load(&e, pem, len - (size_t)(pem - q)) : NULL;

		load_files(folders[0].dir, &fs);
		ok(pck != NULL && sk_X509_num(pck) == 3, "gcp quote PCK chain read");
		ok(verify(&e, &fs, roots, folders[0].at, &c) == 0, "gcp collateral verifies");
		if (c != NULL && pck != NULL) {
			poc_err_clear(&e);
			ok(poc_collateral_check_pck(&e, c, sk_X509_value(pck, 0), sk_X509_value(pck, 1)) == 0,
			   "gcp PCK not revoked: %s", e.msg);
			ok(poc_collateral_check_pck(&e, c, leaf, NULL) < 0 && e.code == POC_ERR_MISMATCH &&
				   strstr(e.msg, "PCK CRL is for another CA") != NULL,
			   "test PCK against Intel's PCK CRL -> mismatch: %s", e.msg);
			poc_err_clear(&e);
			ok(poc_collateral_check_pck(&e, c, sk_X509_value(pck, 0), ca) < 0 && e.code == POC_ERR_MISMATCH,
			   "PCK with a foreign issuer -> mismatch: %s", e.msg);
		}
		poc_collateral_free(c);
		free_files(&fs);
		sk_X509_pop_free(pck, X509_free);
		free(q);
	}
	ASN1_TIME_free(now);
	X509_CRL_free(crl);
	X509_free(ca);
	X509_free(leaf);
	X509_free(other);
	X509_free(stranger);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(leaf_key);
}

static void test_dates(void)
{
	static const struct {
		const char *in;
		int want;
		int64_t t;
	} cases[] = {
		{ "1970-01-01T00:00:00Z", 0, 0 },
		{ "2026-06-30T08:47:13Z", 0, 1782809233 },
		{ "2024-02-29T00:00:00Z", 0, 1709164800 },
		{ "2026-07-30T07:53:47Z", 0, 1785398027 },
		{ "2026-02-30T00:00:00Z", -1, 0 },
		{ "2026-07-30T07:53:47", -1, 0 },
		{ "2026-07-30 07:53:47Z", -1, 0 },
		{ "2026-07-30T24:00:00Z", -1, 0 },
		{ "2026-7-30T07:53:47ZZ", -1, 0 },
		{ "", -1, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct poc_err e = { 0 };
		int64_t t = -1;
		int rv = poc_collateral_parse_date(&e, cases[i].in, &t);

		ok(rv == cases[i].want && (rv < 0 || t == cases[i].t), "date \"%s\" (%lld)", cases[i].in, (long long)t);
	}
}

/* go-tdx-guest's PCS responses: the wrapped form, parsed without verification. */
static void test_samples(void)
{
	struct poc_collateral *c = NULL;
	struct poc_err e = { 0 };
	size_t len;
	uint8_t *b = poc_test_read_data("tdx/go-tdx-guest/sample_tcbInfo_response", &len);

	ok(poc_collateral_parse_tcb_info(&e, b, len, &c) == 0, "sample TCB Info response parses: %s", e.msg);
	is_str(poc_collateral_fmspc_hex(c), "50806F000000", "sample FMSPC");
	ok(poc_collateral_qe_identity(c) == NULL, "a TCB-only collateral has no QE Identity");
	poc_collateral_free(c);
	free(b);
	b = poc_test_read_data("tdx/go-tdx-guest/sample_qeIdentity_response", &len);
	ok(poc_collateral_parse_qe_identity(&e, b, len, &c) == 0 && poc_collateral_qe_identity(c) != NULL,
	   "sample QE Identity response parses: %s", e.msg);
	poc_collateral_free(c);
	ok(poc_collateral_parse_tcb_info(&e, b, len, &c) < 0, "QE Identity is not a TCB Info");
	free(b);
}

int main(void)
{
	STACK_OF(X509) *roots = load_pem("tdx/intel-sgx-root-ca.pem");

	test_dates();
	test_samples();
	test_real(roots);
	test_tamper(roots);
	test_wrapped(roots);
	test_revoked(roots);
	{
		struct poc_err e = { 0 };
		struct poc_collateral *c;

		ok(poc_collateral_verify(&e, NULL, roots, 0, &c) < 0 && e.code == POC_ERR_ARG, "NULL files refused");
		poc_collateral_free(NULL);
	}
	sk_X509_pop_free(roots, X509_free);
	return poc_test_done();
}
