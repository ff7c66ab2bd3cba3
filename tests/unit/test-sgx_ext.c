/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for verify/sgx_ext.c: the SGX extension of each real quote's PCK leaf. */
#include <openssl/x509.h>

#include "hex.h"
#include "sgx_ext.h"
#include "tdx_quote.h"
#include "verr.h"
#include "x509.h"
#include "../test.h"

static const struct vec {
	const char *path;
	const char *fmspc, *pceid, *ppid; /* hex, or NULL when not asserted */
	int pcesvn, sgx_type, has_piid;
} vecs[] = {
	/* Every real PCK leaf here is issued by the Platform CA and carries a PIID (.6). */
	{ "tdx/gcp-tdx-1782809233/quote.bin", "00806f050000", "0000",
	  "0749bf90ceea86f7917d4d484356081c", 11, 1, 1 },
	{ "tdx/dcap-tdx-1766059550/quote.bin", "00806f050000", "0000",
	  "02b23a0042a27accbc8283138b12868b", 11, 1, 1 },
	{ "tdx/azure-failed-v5/quote.bin", "90c06f000000", "0000",
	  "66498c9263c04ed2f0657c530ac2b0cb", 13, 1, 1 },
	{ "tdx/go-tdx-guest/quote_v5_sample.dat", "90c06f000000", "0000",
	  "2734b654f553596897eaadfb5667a954", 13, 1, 1 },
	{ "tdx/go-tdx-guest/tdx_prod_quote_SPR_E4.dat", "50806f000000", "0000",
	  "089ddfdb9c0359c82a3bc7719239574e", 11, 1, 1 },
	{ "tdx/go-tdx-guest/cos-113-tdx-quote.dat", "00806f050000", "0000",
	  "8ebf889447fd60ab1913348582eb509e", 11, 1, 1 },
	{ "tdx/tee-fail-forged/quote.bin", "c0806f000000", "0000",
	  "ea13c3903ba2db3b83fed09efb90c417", 11, 1, 1 },
	{ "azure/tdx-vtpm-1780922561/tdx_quote.bin", "90c06f000000", "0000",
	  "bc81a278aaa2257b4dbe15bbfb1537a0", 13, 1, 1 },
};

/* The PCK leaf of a real quote (first PEM block). */
static X509 *quote_leaf(const char *path)
{
	struct poc_err e = { 0 };
	struct poc_tdx_quote q;
	STACK_OF(X509) *s;
	X509 *leaf = NULL;
	size_t len;
	uint8_t *buf = poc_test_read_data(path, &len);

	if (poc_tdx_quote_parse(&e, buf, len, &q) == 0 &&
	    (s = poc_x509_load(&e, q.pck_pem, q.pck_pem_len)) != NULL) {
		leaf = sk_X509_shift(s);
		sk_X509_pop_free(s, X509_free);
	}
	free(buf);
	return leaf;
}

static void hexs(const uint8_t *b, size_t n, char *out)
{
	poc_hex_encode(b, n, out);
}

static void test_real(void)
{
	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		const struct vec *v = &vecs[i];
		struct poc_err e = { 0 };
		struct poc_sgx_ext x;
		char fmspc[13], pceid[5], ppid[33], tcb[33], cpusvn[33], piid[33];
		X509 *leaf = quote_leaf(v->path);

		if (!ok(leaf != NULL, "%s: PCK leaf", v->path))
			continue;
		ok(poc_sgx_ext_from_cert(&e, leaf, &x) == 0, "%s: SGX extension parses: %s", v->path, e.msg);
		hexs(x.fmspc, 6, fmspc);
		hexs(x.pceid, 2, pceid);
		hexs(x.ppid, 16, ppid);
		hexs(x.tcb_comp, 16, tcb);
		hexs(x.cpusvn, 16, cpusvn);
		hexs(x.piid, 16, piid);
		diag("%s: FMSPC %s PCEID %s PCESVN %u SGX type %d TCB %s CPUSVN %s PPID %s PIID %s",
		     v->path, fmspc, pceid, x.pcesvn, x.sgx_type, tcb, cpusvn, ppid,
		     x.has_piid ? piid : "(none)");
		if (v->fmspc != NULL)
			is_str(fmspc, v->fmspc, "%s: FMSPC", v->path);
		if (v->pceid != NULL)
			is_str(pceid, v->pceid, "%s: PCE-ID", v->path);
		if (v->ppid != NULL)
			is_str(ppid, v->ppid, "%s: PPID", v->path);
		if (v->pcesvn >= 0)
			is_int(x.pcesvn, v->pcesvn, "%s: PCESVN", v->path);
		if (v->sgx_type >= 0)
			is_int(x.sgx_type, v->sgx_type, "%s: SGX type", v->path);
		if (v->has_piid >= 0)
			is_int(x.has_piid, v->has_piid, "%s: PIID present", v->path);
		{
			char issuer[256];
			BIO *b = BIO_new(BIO_s_mem());
			int n;

			X509_NAME_print_ex(b, X509_get_issuer_name(leaf), 0, XN_FLAG_ONELINE);
			n = BIO_read(b, issuer, sizeof(issuer) - 1);
			issuer[n > 0 ? n : 0] = '\0';
			BIO_free(b);
			ok(strstr(issuer, "Intel SGX PCK Platform CA") != NULL, "%s: issued by the Platform CA",
			   v->path);
		}
		if (i == 0) {
			is_str(tcb, "08080202040100060000000000000000", "GCP: TCB components");
			is_str(cpusvn, "08080202040100060000000000000000", "GCP: CPUSVN");
			is_str(piid, "af6b6a7a15850d535f888b8481ef3472", "GCP: PIID");
		}
		X509_free(leaf);
	}
}

/* The GCP leaf's extension value (the OCTET STRING contents), in a new buffer. */
static uint8_t *gcp_ext(size_t *len)
{
	X509 *leaf = quote_leaf("tdx/gcp-tdx-1782809233/quote.bin");
	ASN1_OBJECT *oid = OBJ_txt2obj(POC_SGX_EXT_OID, 1);
	const ASN1_OCTET_STRING *d;
	uint8_t *out;

	d = X509_EXTENSION_get_data(X509_get_ext(leaf, X509_get_ext_by_OBJ(leaf, oid, -1)));
	*len = (size_t)ASN1_STRING_length(d);
	out = malloc(*len + 1);
	memcpy(out, ASN1_STRING_get0_data(d), *len);
	ASN1_OBJECT_free(oid);
	X509_free(leaf);
	return out;
}

/* Position of the bytes pat[n] in buf[len], or -1. */
static long find(const uint8_t *buf, size_t len, const char *hexpat)
{
	struct poc_err e = { 0 };
	uint8_t pat[32];
	size_t n;

	if (poc_hex_decode(&e, hexpat, strlen(hexpat), pat, sizeof(pat), &n) < 0)
		return -1;
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(buf + i, pat, n) == 0)
			return (long)i;
	return -1;
}

#define SGX_OID_HEX "060a2a864886f84d010d01" /* OID 1.2.840.113741.1.13.1.x, arc follows */
#define PPID_HEX "00112233445566778899aabbccddeeff"
#define TCB_OID_HEX "060b2a864886f84d010d0102" /* OID ....1.2.x, arc follows */

static void test_bad_der(void)
{
	struct poc_err e = { 0 };
	struct poc_sgx_ext x;
	size_t len, bad = 0;
	uint8_t *der = gcp_ext(&len), *buf;

	ok(poc_sgx_ext_parse(&e, der, len, &x) == 0 && x.has_piid, "GCP extension DER parses: %s", e.msg);
	for (size_t l = 0; l < len; l++) {
		buf = malloc(l ? l : 1);
		memcpy(buf, der, l);
		poc_err_clear(&e);
		if (poc_sgx_ext_parse(&e, buf, l, &x) != -1 || e.code != POC_ERR_MALFORMED)
			bad++;
		free(buf);
	}
	ok(bad == 0, "all %zu truncations rejected (%zu not)", len, bad);

	/* Retag one inner value: { OID, expected type } -> another type. */
	static const struct {
		const char *what, *at; /* hex of the OID + tag to find; the tag is its last byte */
		uint8_t tag;
		const char *msg;
	} retag[] = {
		{ "FMSPC as UTF8String", SGX_OID_HEX "0404", 0x0c, "FMSPC: not an OCTET STRING" },
		{ "PPID as BIT STRING", SGX_OID_HEX "0104", 0x03, "PPID: not an OCTET STRING" },
		{ "PCE-ID as UTF8String", SGX_OID_HEX "0304", 0x0c, "PCE-ID: not an OCTET STRING" },
		{ "SGX type as INTEGER", SGX_OID_HEX "050a", 0x02, "SGX type: wrong ASN.1 type" },
		{ "PCESVN as OCTET STRING", TCB_OID_HEX "1102", 0x04, "PCESVN: wrong ASN.1 type" },
		{ "TCB comp 1 as ENUMERATED", TCB_OID_HEX "0102", 0x0a, "TCB .2.1: wrong ASN.1 type" },
		{ "CPUSVN as INTEGER", TCB_OID_HEX "1204", 0x02, "CPUSVN: not an OCTET STRING" },
		{ "TCB as SET", SGX_OID_HEX "0230", 0x31, "TCB: not a SEQUENCE" },
		{ "PIID as UTF8String", SGX_OID_HEX "0604", 0x0c, "PIID: not an OCTET STRING" },
		{ "an element's OID as INTEGER", "301e06", 0x02, "element 0" },
	};
	for (size_t i = 0; i < sizeof(retag) / sizeof(retag[0]); i++) {
		long at = find(der, len, retag[i].at);

		if (!ok(at >= 0, "found %s", retag[i].what))
			continue;
		buf = malloc(len);
		memcpy(buf, der, len);
		buf[(size_t)at + strlen(retag[i].at) / 2 - 1] = retag[i].tag;
		poc_err_clear(&e);
		ok(poc_sgx_ext_parse(&e, buf, len, &x) == -1 && e.code == POC_ERR_MALFORMED &&
			   strstr(e.msg, retag[i].msg) != NULL,
		   "%s rejected: %s", retag[i].what, e.msg);
		free(buf);
	}

	/* Hand-made extensions. */
	static const struct {
		const char *what, *hex, *msg;
	} small[] = {
		{ "empty SEQUENCE", "3000", "PPID" },
		{ "a SET", "3100", "not a DER SEQUENCE" },
		{ "trailing byte", "300000", "not a DER SEQUENCE" },
		{ "element not a SEQUENCE", "3003020101", "element 0" },
		{ "pair with three members", "30123010" SGX_OID_HEX "04" "0400" "0500", "element 0" },
		{ "FMSPC of 5 bytes", "30153013" SGX_OID_HEX "04" "0405" "0102030405", "FMSPC: 5 bytes" },
		{ "PPID repeated", "3040301e" SGX_OID_HEX "01" "0410" PPID_HEX "301e" SGX_OID_HEX "01"
		  "0410" PPID_HEX, ".1 repeated" },
	};
	for (size_t i = 0; i < sizeof(small) / sizeof(small[0]); i++) {
		uint8_t b[128];
		size_t n = 0;

		poc_err_clear(&e);
		if (!ok(poc_hex_decode(&e, small[i].hex, strlen(small[i].hex), b, sizeof(b), &n) == 0,
			"hex of %s", small[i].what))
			continue;
		poc_err_clear(&e);
		ok(poc_sgx_ext_parse(&e, b, n, &x) == -1 && e.code == POC_ERR_MALFORMED &&
			   strstr(e.msg, small[i].msg) != NULL,
		   "%s rejected: %s", small[i].what, e.msg);
	}
	free(der);

	/* A certificate without the extension: the Intel root. */
	{
		uint8_t *pem = poc_test_read_data("tdx/intel-sgx-root-ca.pem", &len);
		STACK_OF(X509) *s = poc_x509_load(&e, pem, len);

		poc_err_clear(&e);
		ok(s != NULL && poc_sgx_ext_from_cert(&e, sk_X509_value(s, 0), &x) == -1 &&
			   e.code == POC_ERR_MALFORMED,
		   "no SGX extension in the root CA: %s", e.msg);
		sk_X509_pop_free(s, X509_free);
		free(pem);
	}
}

int main(void)
{
	test_real();
	test_bad_der();
	return poc_test_done();
}
