/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for verify/tdx_quote.c against real TDX quotes, their mutations and truncations. */
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "hex.h"
#include "tdx_identity.h"
#include "tdx_quote.h"
#include "verr.h"
#include "x509.h"
#include "../test.h"

static STACK_OF(X509) *intel_roots;

#define PLUS1 0xfffffff0u
#define MINUS1 0xfffffff1u
#define REL(cur, val) ((val) == PLUS1 ? (cur) + 1 : (val) == MINUS1 ? (cur) - 1 : (val))

static const struct vec {
	const char *path;
	int version, body_type;
	int64_t at;
	const char *reportdata; /* hex prefix, or NULL */
	size_t file_len, total_len;
} vecs[] = {
	{ "tdx/gcp-tdx-1782809233/quote.bin", 4, 2, 1782809233,
	  "00000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000", 8000, 4935 },
	{ "tdx/dcap-tdx-1766059550/quote.bin", 4, 2, 1769509141, "74276a64", 0, 0 },
	{ "tdx/azure-failed-v5/quote.bin", 5, 3, 1771414156, NULL, 0, 0 },
	{ "tdx/go-tdx-guest/quote_v5_sample.dat", 5, 0, 1770076800, NULL, 0, 0 },
	{ "tdx/go-tdx-guest/tdx_prod_quote_SPR_E4.dat", 4, 2, 1688169600, NULL, 0, 0 },
	{ "tdx/go-tdx-guest/cos-113-tdx-quote.dat", 4, 2, 1730000000,
	  "0000000000000000000000000000000000000000000000000000000000000000", 0, 0 },
	/*
	 * The TEE.fail forgery passes every DCAP signature check: it was signed
	 * with genuine keys extracted from a real platform. Rejecting it is the
	 * Proof-of-Cloud layer's job (no provider endorses its platform), not this one's.
	 */
	{ "tdx/tee-fail-forged/quote.bin", 4, 2, 1770000000, NULL, 0, 0 },
	{ "azure/tdx-vtpm-1780922561/tdx_quote.bin", 4, 2, 1780922561, NULL, 0, 0 },
};

static int reportdata_has_prefix(const struct poc_tdx_quote *q, const char *hex)
{
	char s[129];

	poc_hex_encode(q->body.reportdata, 64, s);
	return strncmp(s, hex, strlen(hex)) == 0;
}

static void test_vectors(void)
{
	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		const struct vec *v = &vecs[i];
		struct poc_err e = { 0 };
		struct poc_tdx_quote q;
		struct poc_tdx_verified out;
		size_t len;
		uint8_t *buf = poc_test_read_data(v->path, &len);
		int rv;

		rv = poc_tdx_quote_parse(&e, buf, len, &q);
		if (!ok(rv == 0, "%s parses: %s", v->path, e.msg)) {
			free(buf);
			continue;
		}
		diag("%s: %zu bytes, quote uses %zu, v%u body type %u, signed part %zu, QE auth %zu, "
		     "PEM %zu", v->path, len, q.total_len, q.version, q.body_type, q.signed_len,
		     q.qe_auth_len, q.pck_pem_len);
		is_int(q.version, v->version, "%s version", v->path);
		if (v->body_type != 0)
			is_int(q.body_type, v->body_type, "%s body type", v->path);
		is_int(q.body.is_td15, q.body_type == POC_TDX_BODY_TD15, "%s TD 1.5 flag", v->path);
		ok(q.total_len <= len, "%s true length within the file", v->path);
		if (v->file_len != 0) {
			is_int(len, v->file_len, "%s file length (padded)", v->path);
			is_int(q.total_len, v->total_len, "%s true length", v->path);
		}
		if (v->reportdata != NULL)
			ok(reportdata_has_prefix(&q, v->reportdata), "%s REPORTDATA begins %.8s",
			   v->path, v->reportdata);
		is_int(poc_tdx_quote_debug(&q), 0, "%s is not a debug TD", v->path);

		rv = poc_tdx_quote_verify(&e, &q, intel_roots, v->at, &out);
		ok(rv == 0, "%s verifies at %lld: %s", v->path, (long long)v->at, e.msg);
		ok(rv != 0 || (out.pck_leaf != NULL && out.pck_issuer != NULL &&
			       sk_X509_num(out.chain) == 3),
		   "%s chain leaf, issuer, root", v->path);
		poc_tdx_verified_free(&out);
		poc_tdx_verified_free(&out); /* idempotent */
		{
			struct poc_qe_identity intel;

			poc_qe_identity_intel(&intel);
			ok(poc_qe_check_identity(&e, &intel, &q.qe, "Intel's TD QE") == 0,
			   "%s: its QE is Intel's TD QE (built-in floor): %s", v->path, e.msg);
			ok(poc_tdx_module_check_intel(&e, q.body.mrsignerseam, q.body.seam_attributes) == 0,
			   "%s: its TDX module is Intel's (built-in floor): %s", v->path, e.msg);
		}
		free(buf);
	}
}

/* The built-in floor on the gcp QE report with one field changed: Intel's masks decide. */
static void test_floor(void)
{
	static const struct {
		const char *what;
		int field, byte; /* 0 MRSIGNER byte, 1 ISVPRODID, 2 ATTRIBUTES byte, 3 MISCSELECT, 4 ISVSVN,
				    5 MRSIGNERSEAM byte, 6 SEAMATTRIBUTES byte */
		unsigned val;
		int pass;
		const char *msg;
	} rows[] = {
		{ "unchanged", 2, 0, 0x15, 1, NULL },
		{ "MRSIGNER byte 0", 0, 0, 0xdd, 0, "QE report MRSIGNER dd9e2a7c" },
		{ "MRSIGNER byte 31", 0, 31, 0x00, 0, "Intel's TD QE has dc9e2a7c" },
		{ "ISVPRODID 1 (the SGX QE)", 1, 0, 1, 0, "QE report ISVPRODID 1, Intel's TD QE has 2" },
		{ "ISVPRODID 3", 1, 0, 3, 0, "ISVPRODID 3" },
		{ "ATTRIBUTES DEBUG", 2, 0, 0x17, 0, "the QE runs in DEBUG mode" },
		{ "ATTRIBUTES without INIT", 2, 0, 0x14, 0, "ATTRIBUTES 1400" },
		{ "ATTRIBUTES without PROVISIONKEY", 2, 0, 0x05, 0, "do not match Intel's TD QE" },
		{ "ATTRIBUTES MODE64BIT clear (masked out)", 2, 0, 0x11, 1, NULL },
		{ "ATTRIBUTES KSS (byte 0 bit 7)", 2, 0, 0x95, 0, "ATTRIBUTES 9500" },
		{ "ATTRIBUTES byte 7", 2, 7, 0x01, 0, "do not match" },
		{ "ATTRIBUTES XFRM byte 8 (masked out)", 2, 8, 0x03, 1, NULL },
		{ "MISCSELECT 1", 3, 0, 1, 0, "MISCSELECT 00000001" },
		{ "MISCSELECT bit 31", 3, 0, 0x80000000u, 0, "MISCSELECT 80000000" },
		{ "ISVSVN 0 (a TCB matter, not identity)", 4, 0, 0, 1, NULL },
		{ "MRSIGNERSEAM byte 47", 5, 47, 1, 0, "MRSIGNERSEAM" },
		{ "SEAMATTRIBUTES byte 0", 6, 0, 1, 0, "SEAMATTRIBUTES 0100000000000000" },
	};
	struct poc_qe_identity intel;
	struct poc_tdx_quote base, q;
	struct poc_err e = { 0 };
	size_t len;
	uint8_t *buf = poc_test_read_data("tdx/gcp-tdx-1782809233/quote.bin", &len);

	poc_qe_identity_intel(&intel);
	is_str(POC_INTEL_TD_QE_MRSIGNER_HEX, "DC9E2A7C6F948F17474E34A7FC43ED030F7C1563F1BABDDF6340C82E0E54A8C5",
	       "the floor's MRSIGNER is Intel's TD QE's");
	if (!ok(poc_tdx_quote_parse(&e, buf, len, &base) == 0, "gcp quote parses for the floor rows")) {
		free(buf);
		return;
	}
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int rv;

		q = base;
		switch (rows[i].field) {
		case 0: q.qe.mrsigner[rows[i].byte] = (uint8_t)rows[i].val; break;
		case 1: q.qe.isvprodid = (uint16_t)rows[i].val; break;
		case 2: q.qe.attributes[rows[i].byte] = (uint8_t)rows[i].val; break;
		case 3: q.qe.miscselect = rows[i].val; break;
		case 4: q.qe.isvsvn = (uint16_t)rows[i].val; break;
		case 5: q.body.mrsignerseam[rows[i].byte] = (uint8_t)rows[i].val; break;
		default: q.body.seam_attributes[rows[i].byte] = (uint8_t)rows[i].val; break;
		}
		poc_err_clear(&e);
		rv = rows[i].field >= 5 ? poc_tdx_module_check_intel(&e, q.body.mrsignerseam, q.body.seam_attributes)
					: poc_qe_check_identity(&e, &intel, &q.qe, "Intel's TD QE");
		if (rows[i].pass)
			ok(rv == 0, "floor: %s passes: %s", rows[i].what, e.msg);
		else
			ok(rv < 0 && e.code == POC_ERR_MISMATCH && strstr(e.msg, rows[i].msg) != NULL,
			   "floor: %s fails: %s", rows[i].what, e.msg);
	}
	poc_err_clear(&e);
	ok(poc_qe_check_identity(&e, NULL, &base.qe, NULL) < 0 && e.code == POC_ERR_ARG, "floor: no identity refused");
	free(buf);
}

static void test_specifics(void)
{
	struct poc_err e = { 0 };
	struct poc_tdx_quote q;
	struct poc_tdx_verified out;
	size_t len;
	uint8_t *buf;
	char mrtd[49];

	/* SPR E4: certificates expired long before 2053. */
	buf = poc_test_read_data("tdx/go-tdx-guest/tdx_prod_quote_SPR_E4.dat", &len);
	ok(poc_tdx_quote_parse(&e, buf, len, &q) == 0, "SPR E4 parses");
	ok(poc_tdx_quote_verify(&e, &q, intel_roots, 2640000000, &out) == -1 &&
		   e.code == POC_ERR_EXPIRED && strncmp(e.msg, "PCK chain: ", 11) == 0,
	   "SPR E4 rejected at 2640000000: %s", e.msg);
	ok(out.pck_leaf == NULL && out.chain == NULL, "nothing returned on failure");
	free(buf);

	/* The forgery's MRTD carries its signature line in ASCII. */
	poc_err_clear(&e);
	buf = poc_test_read_data("tdx/tee-fail-forged/quote.bin", &len);
	ok(poc_tdx_quote_parse(&e, buf, len, &q) == 0, "TEE.fail quote parses");
	for (size_t i = 0; i < 48; i++)
		mrtd[i] = (q.body.mrtd[i] >= 0x20 && q.body.mrtd[i] < 0x7f) ? (char)q.body.mrtd[i] : '.';
	mrtd[48] = '\0';
	diag("TEE.fail MRTD as ASCII: \"%s\"", mrtd);
	ok(strstr(mrtd, "genuine fake") != NULL, "TEE.fail MRTD spells \"genuine fake\"");
	free(buf);

	/* v5 TD 1.5 extra fields are read. */
	poc_err_clear(&e);
	buf = poc_test_read_data("tdx/azure-failed-v5/quote.bin", &len);
	ok(poc_tdx_quote_parse(&e, buf, len, &q) == 0 && q.body.is_td15 && q.signed_len == 54 + 648,
	   "v5 TD 1.5 signed part is header, descriptor and 648-byte body");
	free(buf);
}

/* A self-signed P-256 CA made at test time: a root that did not issue the PCK chain. */
static X509 *make_root(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *c = X509_new();
	X509_NAME *n = X509_NAME_new();

	if (k == NULL || c == NULL || n == NULL)
		abort();
	X509_set_version(c, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c), 1);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"Intel SGX Root CA",
				   -1, -1, 0);
	X509_set_subject_name(c, n);
	X509_set_issuer_name(c, n);
	X509_gmtime_adj(X509_getm_notBefore(c), -(long)60 * 60 * 24 * 365 * 20);
	X509_gmtime_adj(X509_getm_notAfter(c), (long)60 * 60 * 24 * 365 * 30);
	X509_set_pubkey(c, k);
	if (X509_sign(c, k, EVP_sha256()) <= 0)
		abort();
	X509_NAME_free(n);
	EVP_PKEY_free(k);
	return c;
}

static void test_mutations(void)
{
	struct poc_err e = { 0 };
	struct poc_tdx_quote q;
	struct poc_tdx_verified out;
	size_t len, n;
	uint8_t *file = poc_test_read_data("tdx/gcp-tdx-1782809233/quote.bin", &len), *buf;
	const int64_t at = 1782809233;
	size_t sd, pem_off, auth_off;

	if (!ok(poc_tdx_quote_parse(&e, file, len, &q) == 0, "GCP quote parses"))
		return;
	n = q.total_len;
	sd = q.signed_len + 4; /* start of the signature data */
	pem_off = (size_t)(q.pck_pem - file);
	auth_off = (size_t)(q.qe_auth - file);

	static const struct {
		const char *what;
		size_t off; /* filled below */
		int code;
		const char *msg;
	} base[] = {
		{ "TD body (MRTD)", 0, POC_ERR_SIGNATURE, "quote signature" },
		{ "header (user data)", 0, POC_ERR_SIGNATURE, "quote signature" },
		{ "quote signature", 0, POC_ERR_SIGNATURE, "quote signature" },
		{ "QE report", 0, POC_ERR_SIGNATURE, "QE report signature" },
		{ "QE report signature", 0, POC_ERR_SIGNATURE, "QE report signature" },
		{ "attestation key", 0, POC_ERR_MISMATCH, "QE report data does not bind" },
		{ "QE auth data", 0, POC_ERR_MISMATCH, "QE report data does not bind" },
		{ "PCK leaf PEM", 0, 0, "PCK chain: " },
	};
	size_t offs[] = { 184 + 7, 30, sd + 5, (size_t)(q.qe_report_raw - file) + 20,
			  (size_t)(q.qe_report_raw - file) + 384 + 9, sd + 64 + 11,
			  auth_off + 1, pem_off + 300 };

	ok(q.qe_auth_len > 1, "GCP quote has QE auth data (%zu bytes)", q.qe_auth_len);
	for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++) {
		buf = malloc(n);
		memcpy(buf, file, n);
		buf[offs[i]] ^= 0x02;
		poc_err_clear(&e);
		if (!ok(poc_tdx_quote_parse(&e, buf, n, &q) == 0, "flipped %s still parses: %s",
			base[i].what, e.msg)) {
			free(buf);
			continue;
		}
		ok(poc_tdx_quote_verify(&e, &q, intel_roots, at, &out) == -1 &&
			   (base[i].code == 0 ? (e.code == POC_ERR_CHAIN || e.code == POC_ERR_MALFORMED)
					      : e.code == (enum poc_verr)base[i].code) &&
			   strncmp(e.msg, base[i].msg, strlen(base[i].msg)) == 0,
		   "flipped bit in %s rejected: %s", base[i].what, e.msg);
		free(buf);
	}

	/* A different root CA: the chain reaches the quote's own root, which is not trusted. */
	{
		STACK_OF(X509) *other = sk_X509_new_null();

		sk_X509_push(other, make_root());
		poc_err_clear(&e);
		poc_tdx_quote_parse(&e, file, len, &q);
		ok(poc_tdx_quote_verify(&e, &q, other, at, &out) == -1 && e.code == POC_ERR_CHAIN,
		   "another root CA: chain error: %s", e.msg);
		sk_X509_pop_free(other, X509_free);
		poc_err_clear(&e);
		ok(poc_tdx_quote_verify(&e, &q, NULL, at, &out) == -1 && e.code == POC_ERR_ARG,
		   "no roots: argument error");
	}

	/* The DEBUG bit is read (the quote signature then fails, as it must). */
	buf = malloc(n);
	memcpy(buf, file, n);
	buf[168] |= 1;
	poc_err_clear(&e);
	ok(poc_tdx_quote_parse(&e, buf, n, &q) == 0 && poc_tdx_quote_debug(&q) == 1,
	   "TDATTRIBUTES bit 0 is DEBUG");
	free(buf);

	/* Every truncation: exact-size copies so that ASan sees any over-read. */
	{
		size_t bad = 0, tried = 0;

		for (size_t l = 0; l < n; l += (l < 1200 || l > n - 64) ? 1 : 13) {
			buf = malloc(l ? l : 1);
			memcpy(buf, file, l);
			poc_err_clear(&e);
			if (poc_tdx_quote_parse(&e, buf, l, &q) != -1 || e.code != POC_ERR_TRUNCATED) {
				if (bad++ < 3)
					diag("truncated to %zu: code %d %s", l, e.code, e.msg);
			}
			tried++;
			free(buf);
		}
		ok(bad == 0, "%zu truncations rejected as truncated (%zu not)", tried, bad);
		buf = malloc(n);
		memcpy(buf, file, n);
		poc_err_clear(&e);
		ok(poc_tdx_quote_parse(&e, buf, n, &q) == 0 && q.total_len == n,
		   "the unpadded quote parses at its true length");
		free(buf);
	}

	/* Length fields pointing past the buffer, and values the format forbids. */
	{
		static const struct {
			const char *what;
			int field; /* 0 sig len, 1 cert data size, 2 auth len, 3 PEM size, 4 version,
				      5 TEE type, 6 key type, 7 cert data type, 8 PCK data type */
			uint32_t val; /* PLUS1/MINUS1: relative to the real value */
			int code;
		} lf[] = {
			{ "signature data length 2^32-1", 0, 0xffffffffu, POC_ERR_TRUNCATED },
			{ "signature data length +1", 0, PLUS1, POC_ERR_TRUNCATED },
			{ "signature data length -1", 0, MINUS1, POC_ERR_TRUNCATED },
			{ "certification data size +1", 1, PLUS1, POC_ERR_TRUNCATED },
			{ "certification data size -1", 1, MINUS1, POC_ERR_MALFORMED },
			{ "certification data size 2^32-1", 1, 0xffffffffu, POC_ERR_TRUNCATED },
			{ "QE auth data length 0xffff", 2, 0xffff, POC_ERR_TRUNCATED },
			{ "PCK chain size +1", 3, PLUS1, POC_ERR_TRUNCATED },
			{ "PCK chain size -1", 3, MINUS1, POC_ERR_MALFORMED },
			{ "PCK chain size 0", 3, 0, POC_ERR_MALFORMED },
			{ "PCK chain size 2^32-1", 3, 0xffffffffu, POC_ERR_TRUNCATED },
			{ "version 3", 4, 3, POC_ERR_UNSUPPORTED },
			{ "TEE type 0 (SGX)", 5, 0, POC_ERR_UNSUPPORTED },
			{ "attestation key type 3", 6, 3, POC_ERR_UNSUPPORTED },
			{ "certification data type 5", 7, 5, POC_ERR_UNSUPPORTED },
			{ "PCK data type 6", 8, 6, POC_ERR_UNSUPPORTED },
		};
		size_t cd = sd + 128, auth = auth_off - 2, pem = pem_off - 6;

		for (size_t i = 0; i < sizeof(lf) / sizeof(lf[0]); i++) {
			uint32_t v;

			buf = malloc(n);
			memcpy(buf, file, n);
#define GET32(o) ((uint32_t)buf[o] | (uint32_t)buf[(o) + 1] << 8 | (uint32_t)buf[(o) + 2] << 16 | (uint32_t)buf[(o) + 3] << 24)
#define PUT32(o, x) (buf[o] = (uint8_t)(x), buf[(o) + 1] = (uint8_t)((x) >> 8), buf[(o) + 2] = (uint8_t)((x) >> 16), buf[(o) + 3] = (uint8_t)((x) >> 24))
#define PUT16(o, x) (buf[o] = (uint8_t)(x), buf[(o) + 1] = (uint8_t)((x) >> 8))
			switch (lf[i].field) {
			case 0: v = REL(GET32(sd - 4), lf[i].val); PUT32(sd - 4, v); break;
			case 1: v = REL(GET32(cd + 2), lf[i].val); PUT32(cd + 2, v); break;
			case 2: PUT16(auth, lf[i].val); break;
			case 3: v = REL(GET32(pem + 2), lf[i].val); PUT32(pem + 2, v); break;
			case 4: PUT16(0, lf[i].val); break;
			case 5: PUT32(4, lf[i].val); break;
			case 6: PUT16(2, lf[i].val); break;
			case 7: PUT16(cd, lf[i].val); break;
			case 8: PUT16(pem, lf[i].val); break;
			default: break;
			}
			poc_err_clear(&e);
			ok(poc_tdx_quote_parse(&e, buf, n, &q) == -1 && e.code == (enum poc_verr)lf[i].code,
			   "%s rejected: %s", lf[i].what, e.msg);
			free(buf);
		}
	}
	free(file);
}

/* v5 descriptor checks on a real v5 quote. */
static void test_v5_descriptor(void)
{
	struct poc_err e = { 0 };
	struct poc_tdx_quote q;
	size_t len;
	uint8_t *file = poc_test_read_data("tdx/azure-failed-v5/quote.bin", &len);
	static const struct {
		const char *what;
		uint16_t type;
		uint32_t size;
		int code;
	} cases[] = {
		{ "body type 1 (SGX)", 1, 648, POC_ERR_UNSUPPORTED },
		{ "body type 2 with TD 1.5 size", 2, 648, POC_ERR_MALFORMED },
		{ "body size past the buffer", 3, 0x7fffffff, POC_ERR_MALFORMED },
		{ "body type 3 with TD 1.0 size", 3, 584, POC_ERR_MALFORMED },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *buf = malloc(len);

		memcpy(buf, file, len);
		buf[48] = (uint8_t)cases[i].type;
		buf[49] = (uint8_t)(cases[i].type >> 8);
		for (int k = 0; k < 4; k++)
			buf[50 + k] = (uint8_t)(cases[i].size >> (8 * k));
		poc_err_clear(&e);
		ok(poc_tdx_quote_parse(&e, buf, len, &q) == -1 && e.code == (enum poc_verr)cases[i].code,
		   "v5 %s rejected: %s", cases[i].what, e.msg);
		free(buf);
	}
	free(file);
}

int main(void)
{
	struct poc_err e = { 0 };
	size_t len;
	uint8_t *pem = poc_test_read_data("tdx/intel-sgx-root-ca.pem", &len);

	intel_roots = poc_x509_load(&e, pem, len);
	free(pem);
	if (!ok(intel_roots != NULL, "Intel SGX root loads: %s", e.msg))
		return poc_test_done();
	test_vectors();
	test_specifics();
	test_mutations();
	test_v5_descriptor();
	test_floor();
	sk_X509_pop_free(intel_roots, X509_free);
	return poc_test_done();
}
