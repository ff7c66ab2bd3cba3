/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for collateral.c: real Intel PCS collateral, tampering, expiry, CRLs, strict JSON. */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "collateral.h"
#include "collateral_int.h"
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
		   "tamper %s -> %s: %s", cases[i].to, poc_strerror(cases[i].want), e.msg);
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

/* ---- who may sign collateral (collateral_signer.c) ---- */

struct sgn {
	const char *cn, *cn2, *o; /* cn2: a second CN entry; o NULL: no O */
	const char *bc, *ku;      /* extension values; ku NULL: no key usage */
};

static X509 *mk_cert(const struct sgn *d, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, long serial, long from,
		     long to)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)d->cn, -1, -1, 0);
	if (d->cn2 != NULL)
		X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)d->cn2, -1, -1, 0);
	if (d->o != NULL)
		X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)d->o, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : n);
	X509_gmtime_adj(X509_getm_notBefore(x), from);
	X509_gmtime_adj(X509_getm_notAfter(x), to);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&ctx, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_nconf_nid(NULL, &ctx, NID_basic_constraints, d->bc);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (d->ku != NULL) {
		ext = X509V3_EXT_nconf_nid(NULL, &ctx, NID_key_usage, d->ku);
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	X509_sign(x, issuer_key, EVP_sha256());
	X509_NAME_free(n);
	return x;
}

static X509_CRL *mk_crl(X509 *issuer, EVP_PKEY *key, long revoked)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *from = ASN1_TIME_adj(NULL, time(NULL), 0, -3600), *to = ASN1_TIME_adj(NULL, time(NULL), 1, 0);

	X509_CRL_set_version(crl, 1);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer));
	X509_CRL_set1_lastUpdate(crl, from);
	X509_CRL_set1_nextUpdate(crl, to);
	if (revoked != 0) {
		X509_REVOKED *r = X509_REVOKED_new();
		ASN1_INTEGER *sn = ASN1_INTEGER_new();

		ASN1_INTEGER_set(sn, revoked);
		X509_REVOKED_set_serialNumber(r, sn);
		X509_REVOKED_set_revocationDate(r, from);
		X509_CRL_add0_revoked(crl, r);
		ASN1_INTEGER_free(sn);
	}
	X509_CRL_sign(crl, key, EVP_sha256());
	ASN1_TIME_free(from);
	ASN1_TIME_free(to);
	return crl;
}

static void test_signers(void)
{
	static const struct sgn root_d = { "Test SGX Root CA", NULL, "Test Org", "critical,CA:TRUE,pathlen:1",
					   "critical,keyCertSign,cRLSign" };
	static const struct sgn ca_d = { "Test SGX PCK Platform CA", NULL, "Test Org", "critical,CA:TRUE,pathlen:0",
					 "critical,keyCertSign,cRLSign" };
	static const struct {
		const char *what;
		struct sgn d;
		int issuer; /* 0 the root, 1 the intermediate CA, 2 the root itself signs (the root is the signer) */
		enum poc_coll_signer kind;
		long serial, from, to;
		enum poc_verr want;
		const char *msg;
	} rows[] = {
		{ "TCB Signing as Intel issues it", { "Intel SGX TCB Signing", NULL, "Test Org", "critical,CA:FALSE",
		  "critical,digitalSignature,nonRepudiation" }, 0, POC_SIGNER_TCB, 10, -3600, 86400, POC_OK, NULL },
		{ "nonRepudiation only", { "Intel SGX TCB Signing", NULL, "Test Org", "critical,CA:FALSE",
		  "critical,nonRepudiation" }, 0, POC_SIGNER_TCB, 11, -3600, 86400, POC_OK, NULL },
		{ "CN with a trailing space", { "Intel SGX TCB Signing ", NULL, "Test Org", "critical,CA:FALSE",
		  "digitalSignature" }, 0, POC_SIGNER_TCB, 12, -3600, 86400, POC_ERR_CHAIN, "not the TCB Signing" },
		{ "CN in lower case", { "intel sgx tcb signing", NULL, "Test Org", "critical,CA:FALSE", "digitalSignature" },
		  0, POC_SIGNER_TCB, 13, -3600, 86400, POC_ERR_CHAIN, "not the TCB Signing" },
		{ "CN of the PCK leaf", { "Intel SGX PCK Certificate", NULL, "Test Org", "critical,CA:FALSE",
		  "digitalSignature" }, 0, POC_SIGNER_TCB, 14, -3600, 86400, POC_ERR_CHAIN, "not the TCB Signing" },
		{ "O other than the root's", { "Intel SGX TCB Signing", NULL, "Intel Corporation", "critical,CA:FALSE",
		  "digitalSignature" }, 0, POC_SIGNER_TCB, 15, -3600, 86400, POC_ERR_CHAIN, "O \"Test Org\"" },
		{ "no O", { "Intel SGX TCB Signing", NULL, NULL, "critical,CA:FALSE", "digitalSignature" }, 0,
		  POC_SIGNER_TCB, 16, -3600, 86400, POC_ERR_CHAIN, "not the TCB Signing" },
		{ "two CNs", { "Intel SGX TCB Signing", "Intel SGX TCB Signing", "Test Org", "critical,CA:FALSE",
		  "digitalSignature" }, 0, POC_SIGNER_TCB, 17, -3600, 86400, POC_ERR_CHAIN, "not the TCB Signing" },
		{ "key usage with keyCertSign", { "Intel SGX TCB Signing", NULL, "Test Org", "critical,CA:FALSE",
		  "digitalSignature,keyCertSign" }, 0, POC_SIGNER_TCB, 18, -3600, 86400, POC_ERR_CHAIN, "not a signing" },
		{ "key usage with cRLSign", { "Intel SGX TCB Signing", NULL, "Test Org", "critical,CA:FALSE",
		  "digitalSignature,cRLSign" }, 0, POC_SIGNER_TCB, 19, -3600, 86400, POC_ERR_CHAIN, "not a signing" },
		{ "key usage keyEncipherment only", { "Intel SGX TCB Signing", NULL, "Test Org", "critical,CA:FALSE",
		  "keyEncipherment" }, 0, POC_SIGNER_TCB, 20, -3600, 86400, POC_ERR_CHAIN, "not a signing" },
		{ "no key usage", { "Intel SGX TCB Signing", NULL, "Test Org", "critical,CA:FALSE", NULL }, 0,
		  POC_SIGNER_TCB, 21, -3600, 86400, POC_ERR_CHAIN, "not a signing" },
		{ "a CA", { "Intel SGX TCB Signing", NULL, "Test Org", "critical,CA:TRUE", "digitalSignature" }, 0,
		  POC_SIGNER_TCB, 22, -3600, 86400, POC_ERR_CHAIN, "not a signing" },
		{ "issued by the intermediate", { "Intel SGX TCB Signing", NULL, "Test Org", "critical,CA:FALSE",
		  "digitalSignature" }, 1, POC_SIGNER_TCB, 23, -3600, 86400, POC_ERR_CHAIN, "not issued directly" },
		{ "the root itself", { "Intel SGX TCB Signing", NULL, "Test Org", "critical,CA:TRUE", "keyCertSign" }, 2,
		  POC_SIGNER_TCB, 24, -3600, 86400, POC_ERR_CHAIN, "trust anchor" },
		{ "listed in the Root CA CRL", { "Intel SGX TCB Signing", NULL, "Test Org", "critical,CA:FALSE",
		  "digitalSignature" }, 0, POC_SIGNER_TCB, 99, -3600, 86400, POC_ERR_REVOKED, "revoked" },
		{ "expired", { "Intel SGX TCB Signing", NULL, "Test Org", "critical,CA:FALSE", "digitalSignature" }, 0,
		  POC_SIGNER_TCB, 25, -7200, -3600, POC_ERR_EXPIRED, "expired" },
		{ "PCK CRL: a CA of the root with cRLSign", { "Test SGX PCK Processor CA", NULL, "Test Org",
		  "critical,CA:TRUE,pathlen:0", "keyCertSign,cRLSign" }, 0, POC_SIGNER_CRL, 30, -3600, 86400, POC_OK, NULL },
		{ "PCK CRL: a CA without cRLSign", { "Test SGX PCK Processor CA", NULL, "Test Org",
		  "critical,CA:TRUE,pathlen:0", "keyCertSign" }, 0, POC_SIGNER_CRL, 31, -3600, 86400, POC_ERR_CHAIN,
		  "not a CA with cRLSign" },
		{ "PCK CRL: not a CA", { "Test SGX PCK Processor CA", NULL, "Test Org", "critical,CA:FALSE", "cRLSign" }, 0,
		  POC_SIGNER_CRL, 32, -3600, 86400, POC_ERR_CHAIN, "not a CA with cRLSign" },
		{ "PCK CRL: the TCB Signing certificate", { "Intel SGX TCB Signing", NULL, "Test Org", "critical,CA:FALSE",
		  "digitalSignature" }, 0, POC_SIGNER_CRL, 33, -3600, 86400, POC_ERR_CHAIN, "not a CA with cRLSign" },
		{ "PCK CRL: a CA under the intermediate", { "Test SGX PCK Processor CA", NULL, "Test Org",
		  "critical,CA:TRUE,pathlen:0", "keyCertSign,cRLSign" }, 1, POC_SIGNER_CRL, 34, -3600, 86400,
		  POC_ERR_CHAIN, "not issued directly" },
	};
	EVP_PKEY *root_k = EVP_EC_gen("P-256"), *ca_k = EVP_EC_gen("P-256"), *k = EVP_EC_gen("P-256");
	X509 *root = mk_cert(&root_d, root_k, NULL, root_k, 1, -86400, 86400);
	X509 *ca = mk_cert(&ca_d, ca_k, root, root_k, 2, -86400, 86400);
	X509_CRL *root_crl = mk_crl(root, root_k, 99), *other_crl = mk_crl(ca, ca_k, 0);
	STACK_OF(X509) *roots = sk_X509_new_null();

	sk_X509_push(roots, root);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		X509 *x = rows[i].issuer == 2 ? X509_dup(root)
			  : mk_cert(&rows[i].d, k, rows[i].issuer ? ca : root, rows[i].issuer ? ca_k : root_k,
				    rows[i].serial, rows[i].from, rows[i].to);
		BIO *b = BIO_new(BIO_s_mem());
		STACK_OF(X509) *keep = NULL;
		struct poc_err e = { 0 };
		char *pem;
		long n;
		X509 *got;

		/* The chain file: the signer, then the intermediate and the root (which must not matter). */
		PEM_write_bio_X509(b, x);
		PEM_write_bio_X509(b, ca);
		PEM_write_bio_X509(b, root);
		n = BIO_get_mem_data(b, &pem);
		got = poc_collateral_signer(&e, "TCB Info", rows[i].kind, (const uint8_t *)pem, (size_t)n, roots, root_crl,
					    time(NULL), &keep);
		if (rows[i].want == POC_OK)
			ok(got != NULL && X509_cmp(got, x) == 0, "signer rule: %s accepted: %s", rows[i].what, e.msg);
		else
			ok(got == NULL && e.code == rows[i].want && strstr(e.msg, rows[i].msg) != NULL,
			   "signer rule: %s refused: %s", rows[i].what, e.msg);
		if (i == 0) {
			poc_err_clear(&e);
			sk_X509_pop_free(keep, X509_free);
			keep = NULL;
			ok(poc_collateral_signer(&e, "TCB Info", POC_SIGNER_TCB, (const uint8_t *)pem, (size_t)n, roots,
						 other_crl, time(NULL), &keep) == NULL && e.code == POC_ERR_MISMATCH,
			   "signer rule: a Root CA CRL of another CA refused: %s", e.msg);
		}
		sk_X509_pop_free(keep, X509_free);
		BIO_free(b);
		X509_free(x);
	}
	sk_X509_free(roots);
	X509_CRL_free(root_crl);
	X509_CRL_free(other_crl);
	X509_free(root);
	X509_free(ca);
	EVP_PKEY_free(root_k);
	EVP_PKEY_free(ca_k);
	EVP_PKEY_free(k);
}

/* The real collateral with its issuer chains swapped for other Intel certificates. */
static void test_real_signers(STACK_OF(X509) *roots)
{
	size_t qlen;
	uint8_t *q = poc_test_read_data("tdx/gcp-tdx-1782809233/quote.bin", &qlen);
	const uint8_t *pck = memmem(q, qlen, "-----BEGIN CERTIFICATE-----", 27);
	size_t pck_len = pck != NULL ? strlen((const char *)pck) : 0; /* the quote's PEM ends before the zero padding */
	static const struct {
		const char *what;
		int file, from; /* the chain file to replace, and with: 2/5/8 another chain, -1 the PCK chain, -2 its root */
		enum poc_verr want;
		const char *msg;
	} rows[] = {
		{ "TCB Info chain = PCK CRL chain (the Platform CA)", 2, 8, POC_ERR_CHAIN, "not the TCB Signing" },
		{ "TCB Info chain = the PCK chain (a PCK leaf)", 2, -1, POC_ERR_CHAIN, "not issued directly" },
		{ "QE Identity chain = the PCK chain (a PCK leaf)", 5, -1, POC_ERR_CHAIN, "QE Identity signer" },
		{ "TCB Info chain = the root alone", 2, -2, POC_ERR_CHAIN, "trust anchor" },
		{ "PCK CRL chain = TCB Info chain (TCB Signing)", 8, 2, POC_ERR_CHAIN, "not a CA with cRLSign" },
		{ "PCK CRL chain = the PCK chain (a PCK leaf)", 8, -1, POC_ERR_CHAIN, "not issued directly" },
	};
	struct poc_collateral *c;
	struct poc_err e;
	struct files fs;

	ok(pck != NULL, "the gcp quote's PCK chain found");
	for (size_t i = 0; pck != NULL && i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint8_t *nb;
		size_t nl;

		load_files(folders[0].dir, &fs);
		if (rows[i].from >= 0) {
			nl = fs.len[rows[i].from];
			nb = malloc(nl);
			memcpy(nb, fs.buf[rows[i].from], nl);
		} else {
			const uint8_t *p = pck;

			if (rows[i].from == -2) /* the last PEM block of the chain: the root */
				for (const uint8_t *r; (r = memmem(p + 1, pck_len - (size_t)(p + 1 - pck), "-----BEGIN", 10)) != NULL;)
					p = r;
			nl = pck_len - (size_t)(p - pck);
			nb = malloc(nl);
			memcpy(nb, p, nl);
		}
		free(fs.buf[rows[i].file]);
		fs.buf[rows[i].file] = nb;
		fs.len[rows[i].file] = nl;
		ok(verify(&e, &fs, roots, folders[0].at, &c) < 0 && e.code == rows[i].want && strstr(e.msg, rows[i].msg),
		   "%s: refused: %s", rows[i].what, e.msg);
		free_files(&fs);
	}
	/* The chain files' own roots are never used: the signer alone verifies. */
	load_files(folders[0].dir, &fs);
	{
		uint8_t *end = memmem(fs.buf[2], fs.len[2], "-----END CERTIFICATE-----", 25);

		fs.len[2] = (size_t)(end - fs.buf[2]) + 25;
	}
	ok(verify(&e, &fs, roots, folders[0].at, &c) == 0, "TCB Info chain with the TCB Signing certificate alone: %s",
	   e.msg);
	/* A CA with the Intel Platform CA's name but another key: the PCK CRL is not its. */
	if (c != NULL && pck != NULL) {
		STACK_OF(X509) *chain = poc_x509_load(&e, pck, pck_len);
		X509 *real = sk_X509_value(chain, 1), *fake = X509_dup(real);
		EVP_PKEY *k = EVP_EC_gen("P-256");

		X509_set_pubkey(fake, k);
		X509_sign(fake, k, EVP_sha256());
		poc_err_clear(&e);
		ok(poc_collateral_check_pck(&e, c, sk_X509_value(chain, 0), real) == 0, "the real Platform CA signed the CRL");
		ok(poc_collateral_check_pck(&e, c, sk_X509_value(chain, 0), fake) < 0 && e.code == POC_ERR_SIGNATURE &&
			   strstr(e.msg, "not signed by the CA that issued the PCK") != NULL,
		   "a Platform CA of the same name with another key: %s", e.msg);
		X509_free(fake);
		EVP_PKEY_free(k);
		sk_X509_pop_free(chain, X509_free);
	}
	poc_collateral_free(c);
	free_files(&fs);
	free(q);
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
	test_signers();
	test_real_signers(roots);
	{
		struct poc_err e = { 0 };
		struct poc_collateral *c;

		ok(poc_collateral_verify(&e, NULL, roots, 0, &c) < 0 && e.code == POC_ERR_ARG, "NULL files refused");
		poc_collateral_free(NULL);
	}
	sk_X509_pop_free(roots, X509_free);
	return poc_test_done();
}
