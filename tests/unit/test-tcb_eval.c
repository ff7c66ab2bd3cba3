/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for tcb_eval.c against the real TDX vectors. The PCK's SGX
 * extension and the quote fields are read here with fixed offsets and
 * OpenSSL, so these tests do not depend on the quote parser.
 */
#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "collateral.h"
#include "tcb_eval.h"
#include "tdx_identity.h"
#include "verr.h"
#include "x509.h"
#include "../test.h"

#define SGX_OID "1.2.840.113741.1.13.1"

struct quote_in {
	struct poc_sgx_ext pck;
	uint8_t tee[16], mrsignerseam[48], seamattr[8];
	struct poc_qe_report qe;
};

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The last arc of an OID under the SGX extension, e.g. 4 for .1.13.1.4; -1 otherwise. */
static long arc_under(const ASN1_OBJECT *o, const char *prefix)
{
	char buf[128];
	size_t n = strlen(prefix);

	if (OBJ_obj2txt(buf, sizeof(buf), o, 1) <= 0 || strncmp(buf, prefix, n) != 0 || buf[n] != '.')
		return -1;
	return strtol(buf + n + 1, NULL, 10);
}

static STACK_OF(ASN1_TYPE) *seq_of(const ASN1_TYPE *t)
{
	const unsigned char *p;

	if (t == NULL || t->type != V_ASN1_SEQUENCE)
		return NULL;
	p = t->value.sequence->data;
	return d2i_ASN1_SEQUENCE_ANY(NULL, &p, t->value.sequence->length);
}

/* A test-local reader of the SGX extension (pairs of OID and value). */
static int read_sgx_ext(X509 *cert, struct poc_sgx_ext *out)
{
	ASN1_OBJECT *oid = OBJ_txt2obj(SGX_OID, 1);
	int idx = X509_get_ext_by_OBJ(cert, oid, -1), found = 0;
	ASN1_OCTET_STRING *v;
	STACK_OF(ASN1_TYPE) *top;
	const unsigned char *p;

	ASN1_OBJECT_free(oid);
	memset(out, 0, sizeof(*out));
	if (idx < 0)
		return -1;
	v = X509_EXTENSION_get_data(X509_get_ext(cert, idx));
	p = v->data;
	top = d2i_ASN1_SEQUENCE_ANY(NULL, &p, v->length);
	for (int i = 0; top != NULL && i < sk_ASN1_TYPE_num(top); i++) {
		STACK_OF(ASN1_TYPE) *pair = seq_of(sk_ASN1_TYPE_value(top, i));
		ASN1_TYPE *k, *val;
		long arc;

		if (pair == NULL || sk_ASN1_TYPE_num(pair) != 2) {
			sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
			continue;
		}
		k = sk_ASN1_TYPE_value(pair, 0);
		val = sk_ASN1_TYPE_value(pair, 1);
		arc = k->type == V_ASN1_OBJECT ? arc_under(k->value.object, SGX_OID) : -1;
		if (arc == 2) {
			STACK_OF(ASN1_TYPE) *tcb = seq_of(val);

			for (int j = 0; tcb != NULL && j < sk_ASN1_TYPE_num(tcb); j++) {
				STACK_OF(ASN1_TYPE) *c = seq_of(sk_ASN1_TYPE_value(tcb, j));

				if (c != NULL && sk_ASN1_TYPE_num(c) == 2) {
					ASN1_TYPE *ck = sk_ASN1_TYPE_value(c, 0), *cv = sk_ASN1_TYPE_value(c, 1);
					long a = arc_under(ck->value.object, SGX_OID ".2");

					if (a >= 1 && a <= 16 && cv->type == V_ASN1_INTEGER)
						out->tcb_comp[a - 1] = (uint8_t)ASN1_INTEGER_get(cv->value.integer);
					else if (a == 17 && cv->type == V_ASN1_INTEGER)
						out->pcesvn = (uint16_t)ASN1_INTEGER_get(cv->value.integer);
					found |= 1;
				}
				sk_ASN1_TYPE_pop_free(c, ASN1_TYPE_free);
			}
			sk_ASN1_TYPE_pop_free(tcb, ASN1_TYPE_free);
		} else if (arc == 3 && val->type == V_ASN1_OCTET_STRING && val->value.octet_string->length == 2) {
			memcpy(out->pceid, val->value.octet_string->data, 2);
			found |= 2;
		} else if (arc == 4 && val->type == V_ASN1_OCTET_STRING && val->value.octet_string->length == 6) {
			memcpy(out->fmspc, val->value.octet_string->data, 6);
			found |= 4;
		}
		sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
	}
	sk_ASN1_TYPE_pop_free(top, ASN1_TYPE_free);
	return found == 7 ? 0 : -1;
}

/* Fixed-offset reader for quote v4 (TD body at 48, 584 B) and v5 (type+size at 48, body at 54). */
static int read_quote(const char *rel, struct quote_in *in)
{
	size_t len, b, blen, qr;
	uint8_t *q = poc_test_read_data(rel, &len);
	struct poc_err e = { 0 };
	STACK_OF(X509) *certs = NULL;
	const uint8_t *pem;
	int rv = -1;

	if (len < 1200)
		goto done;
	if (le16(q) == 4) {
		b = 48;
		blen = 584;
	} else {
		b = 54;
		blen = le32(q + 50);
	}
	memcpy(in->tee, q + b, 16);
	memcpy(in->mrsignerseam, q + b + 64, 48);
	memcpy(in->seamattr, q + b + 112, 8);
	qr = b + blen + 4 + 64 + 64 + 6;
	if (le16(q + qr - 6) != 6)
		goto done;
	memcpy(in->qe.cpusvn, q + qr, 16);
	in->qe.miscselect = le32(q + qr + 16);
	memcpy(in->qe.attributes, q + qr + 48, 16);
	memcpy(in->qe.mrenclave, q + qr + 64, 32);
	memcpy(in->qe.mrsigner, q + qr + 128, 32);
	in->qe.isvprodid = le16(q + qr + 256);
	in->qe.isvsvn = le16(q + qr + 258);
	memcpy(in->qe.reportdata, q + qr + 320, 64);
	pem = memmem(q, len, "-----BEGIN CERTIFICATE-----", 27);
	if (pem == NULL || (certs = poc_x509_load(&e, pem, len - (size_t)(pem - q))) == NULL)
		goto done;
	rv = read_sgx_ext(sk_X509_value(certs, 0), &in->pck);
done:
	sk_X509_pop_free(certs, X509_free);
	free(q);
	return rv;
}

struct files {
	struct poc_collateral_files f;
	uint8_t *buf[9];
};

static void load_files(const char *dir, struct files *fs)
{
	static const char *names[9] = { "tcb_info.json", "tcb_info_signature.bin", "tcb_info_issuer_chain.pem",
					"qe_identity.json", "qe_identity_signature.bin",
					"qe_identity_issuer_chain.pem", "pck_crl.der", "root_ca_crl.der",
					"pck_crl_issuer_chain.pem" };
	size_t len[9];
	char rel[512];

	for (int i = 0; i < 9; i++) {
		snprintf(rel, sizeof(rel), "%s/%s", dir, names[i]);
		fs->buf[i] = poc_test_read_data(rel, &len[i]);
	}
	fs->f = (struct poc_collateral_files){
		fs->buf[0], len[0], fs->buf[1], len[1], fs->buf[2], len[2], fs->buf[3], len[3], fs->buf[4], len[4],
		fs->buf[5], len[5], fs->buf[6], len[6], fs->buf[7], len[7], fs->buf[8], len[8],
	};
}

static void free_files(struct files *fs)
{
	for (int i = 0; i < 9; i++)
		free(fs->buf[i]);
}

static STACK_OF(X509) *intel_roots(void)
{
	struct poc_err e = { 0 };
	size_t len;
	uint8_t *b = poc_test_read_data("tdx/intel-sgx-root-ca.pem", &len);
	STACK_OF(X509) *r = poc_x509_load(&e, b, len);

	free(b);
	return r;
}

static struct poc_collateral *collateral(const char *dir, int64_t at)
{
	struct poc_err e = { 0 };
	struct poc_collateral *c = NULL;
	STACK_OF(X509) *roots = intel_roots();
	struct files fs;

	load_files(dir, &fs);
	if (poc_collateral_verify(&e, &fs.f, roots, at, &c) < 0)
		diag("collateral %s: %s", dir, e.msg);
	free_files(&fs);
	sk_X509_pop_free(roots, X509_free);
	return c;
}

static int eval(struct poc_err *e, const struct poc_collateral *c, const struct quote_in *in,
		struct poc_tcb_result *r)
{
	poc_err_clear(e);
	return poc_tcb_evaluate(e, c, &in->pck, in->tee, in->mrsignerseam, in->seamattr, &in->qe, r);
}

static void test_names(void)
{
	enum poc_tcb_status s;

	static const char *names[] = { "UpToDate", "SWHardeningNeeded", "ConfigurationNeeded",
				       "ConfigurationAndSWHardeningNeeded", "OutOfDate",
				       "OutOfDateConfigurationNeeded", "Revoked" };
	for (int i = 0; i < 7; i++) {
		is_str(poc_tcb_status_name((enum poc_tcb_status)i), names[i], "status name %d", i);
		ok(poc_tcb_status_from_name(names[i], &s) == 0 && (int)s == i, "status from name %s", names[i]);
	}
	ok(poc_tcb_status_from_name("uptodate", &s) < 0, "status names are case-sensitive");
	ok(poc_tcb_status_from_name("TDRelaunchAdvised", &s) < 0, "unknown status refused");
}

static void test_real(const char *name, const char *quote, const char *dir, int64_t at, const char *date)
{
	struct poc_err e = { 0 };
	struct poc_tcb_result r;
	struct quote_in in;
	struct poc_collateral *c = collateral(dir, at);

	ok(c != NULL, "%s: collateral verifies", name);
	ok(read_quote(quote, &in) == 0, "%s: quote fields read", name);
	if (c == NULL)
		return;
	ok(eval(&e, c, &in, &r) == 0, "%s: TCB evaluates: %s", name, e.msg);
	is_str(poc_tcb_status_name(r.status), "UpToDate", "%s: UpToDate", name);
	is_str(r.tcb_date, date, "%s: platform level %s", name, date);
	ok(r.tdx_module_identity_used, "%s: TDX module identity TDX_%02X used", name, in.tee[1]);
	diag("%s: FMSPC %s TEE_TCB_SVN %02x%02x%02x platform %s module %s QE %s advisories \"%s\"", name,
	     poc_collateral_fmspc_hex(c), in.tee[0], in.tee[1], in.tee[2], poc_tcb_status_name(r.platform_status),
	     poc_tcb_status_name(r.module_status), poc_tcb_status_name(r.qe_status), r.advisories);

	/* Components lowered to the second TCB level: that level matches, with its advisories. */
	{
		struct quote_in low = in;
		const struct poc_tcb_level *lv = &poc_collateral_tcb_info(c)->levels[1];

		memcpy(low.pck.tcb_comp, lv->sgx, 16);
		low.pck.pcesvn = lv->pcesvn;
		memcpy(low.tee + 2, lv->tdx + 2, 14);
		ok(eval(&e, c, &low, &r) == 0, "%s: lowered components evaluate: %s", name, e.msg);
		is_str(poc_tcb_status_name(r.status), "OutOfDate", "%s: lowered components are OutOfDate", name);
		is_str(r.tcb_date, lv->date, "%s: lowered components match level 1", name);
		ok(strstr(r.advisories, "INTEL-SA-") != NULL && strncmp(r.advisories, lv->advisories, 14) == 0,
		   "%s: advisories listed: %s", name, r.advisories);
		low.pck.pcesvn = (uint16_t)(lv->pcesvn - 1);
		ok(eval(&e, c, &low, &r) < 0 || strcmp(r.tcb_date, lv->date) != 0, "%s: lower PCESVN, another level",
		   name);
	}
	/* An old TDX module: its identity level is OutOfDate, which the platform status takes on. */
	{
		struct quote_in old = in;

		old.tee[0] = 4;
		ok(eval(&e, c, &old, &r) == 0 && r.status == POC_TCB_OUT_OF_DATE &&
			   r.platform_status == POC_TCB_UP_TO_DATE && r.module_status == POC_TCB_OUT_OF_DATE,
		   "%s: TDX module SVN 4 -> OutOfDate (%s)", name, e.msg);
		old.tee[0] = 0;
		ok(eval(&e, c, &old, &r) < 0 && e.code == POC_ERR_TCB, "%s: TDX module SVN 0 -> not supported: %s",
		   name, e.msg);
	}
	/* The built-in floor is this collateral's QE Identity, Intel's published TD_QE. */
	{
		const struct poc_qe_identity *pub = poc_collateral_qe_identity(c);
		struct poc_qe_identity intel;

		poc_qe_identity_intel(&intel);
		ok(pub != NULL && memcmp(pub->mrsigner, intel.mrsigner, 32) == 0 && pub->isvprodid == intel.isvprodid &&
			   pub->miscselect == intel.miscselect && pub->miscselect_mask == intel.miscselect_mask &&
			   memcmp(pub->attributes, intel.attributes, 16) == 0 &&
			   memcmp(pub->attributes_mask, intel.attributes_mask, 16) == 0,
		   "%s: the built-in TD_QE floor equals the published QE Identity", name);
		ok(poc_tdx_module_check_intel(&e, poc_collateral_tcb_info(c)->module_mrsigner,
					      poc_collateral_tcb_info(c)->module_attributes) == 0,
		   "%s: the TCB Info's tdxModule is Intel's all-zero MRSIGNERSEAM: %s", name, e.msg);
	}
	/* The QE Identity: MRSIGNER, ISVPRODID, ATTRIBUTES, ISVSVN. */
	{
		struct quote_in q = in;

		q.qe.attributes[0] ^= 0x04; /* MODE64BIT: outside Intel's mask */
		ok(eval(&e, c, &q, &r) == 0, "%s: QE MODE64BIT flipped (masked out) still evaluates: %s", name, e.msg);
		q = in;
		q.qe.attributes[0] &= (uint8_t)~0x10; /* PROVISIONKEY: under the mask */
		ok(eval(&e, c, &q, &r) < 0 && e.code == POC_ERR_MISMATCH, "%s: QE without PROVISIONKEY -> mismatch", name);
		q = in;
		q.qe.miscselect = 1;
		ok(eval(&e, c, &q, &r) < 0 && e.code == POC_ERR_MISMATCH && strstr(e.msg, "MISCSELECT") != NULL,
		   "%s: QE MISCSELECT 1 -> mismatch: %s", name, e.msg);
		q = in;
		q.qe.isvsvn = 0xffff;
		ok(eval(&e, c, &q, &r) == 0 && r.qe_status == POC_TCB_UP_TO_DATE, "%s: QE ISVSVN above every level -> the top one",
		   name);
		q = in;

		q.qe.mrsigner[0] ^= 1;
		ok(eval(&e, c, &q, &r) < 0 && e.code == POC_ERR_MISMATCH && strstr(e.msg, "MRSIGNER") != NULL,
		   "%s: QE MRSIGNER flipped -> mismatch: %s", name, e.msg);
		q = in;
		q.qe.isvprodid = 1;
		ok(eval(&e, c, &q, &r) < 0 && e.code == POC_ERR_MISMATCH, "%s: QE ISVPRODID -> mismatch", name);
		q = in;
		q.qe.attributes[0] ^= 0x02; /* DEBUG under the mask */
		ok(eval(&e, c, &q, &r) < 0 && e.code == POC_ERR_MISMATCH, "%s: QE DEBUG attribute -> mismatch",
		   name);
		q = in;
		q.qe.isvsvn = 3;
		ok(eval(&e, c, &q, &r) < 0 && e.code == POC_ERR_TCB, "%s: QE ISVSVN 3 -> not supported: %s", name,
		   e.msg);
		q = in;
		q.mrsignerseam[5] = 1;
		ok(eval(&e, c, &q, &r) < 0 && e.code == POC_ERR_MISMATCH, "%s: MRSIGNERSEAM -> mismatch: %s", name,
		   e.msg);
		q = in;
		q.seamattr[0] = 1;
		ok(eval(&e, c, &q, &r) < 0 && e.code == POC_ERR_MISMATCH, "%s: SEAMATTRIBUTES -> mismatch", name);
		q = in;
		q.tee[1] = 7;
		ok(eval(&e, c, &q, &r) < 0 && e.code == POC_ERR_MISMATCH && strstr(e.msg, "TDX_07") != NULL,
		   "%s: unknown TDX module version -> mismatch: %s", name, e.msg);
		q = in;
		q.pck.pceid[1] = 1;
		ok(eval(&e, c, &q, &r) < 0 && e.code == POC_ERR_MISMATCH, "%s: PCEID -> mismatch", name);
	}
	poc_collateral_free(c);
}

static void test_azure_failed(void)
{
	struct poc_err e = { 0 };
	struct poc_tcb_result r;
	struct quote_in in;
	struct poc_collateral *c = collateral("tdx/azure-failed-v5/collateral", 1771414156);

	ok(c != NULL, "azure-failed-v5: collateral verifies");
	ok(read_quote("tdx/azure-failed-v5/quote.bin", &in) == 0, "azure-failed-v5: quote fields read");
	if (c == NULL)
		return;
	ok(eval(&e, c, &in, &r) < 0 && e.code == POC_ERR_TCB, "azure-failed-v5: TCB not supported");
	ok(strstr(e.msg, "TCB not supported") != NULL && strstr(e.msg, "3,3,2,2,4,1,0,3,") != NULL &&
		   strstr(e.msg, "PCESVN 13") != NULL && strstr(e.msg, "90C06F000000") != NULL,
	   "azure-failed-v5: message names the TCB: %s", e.msg);
	poc_collateral_free(c);
}

static void test_fmspc_mismatch(void)
{
	struct poc_err e = { 0 };
	struct poc_tcb_result r;
	struct quote_in in;
	struct poc_collateral *c = collateral("tdx/gcp-tdx-1782809233/collateral", 1782809233);

	ok(read_quote("tdx/azure-failed-v5/quote.bin", &in) == 0, "azure-failed-v5 quote read");
	ok(c != NULL && eval(&e, c, &in, &r) < 0 && e.code == POC_ERR_MISMATCH &&
		   strstr(e.msg, "collateral from another FMSPC") != NULL,
	   "gcp collateral with the azure FMSPC -> mismatch: %s", e.msg);
	poc_collateral_free(c);
	ok(poc_tcb_evaluate(&e, NULL, &in.pck, in.tee, in.mrsignerseam, in.seamattr, &in.qe, &r) < 0,
	   "NULL collateral refused");
}

int main(void)
{
	test_names();
	test_real("gcp", "tdx/gcp-tdx-1782809233/quote.bin", "tdx/gcp-tdx-1782809233/collateral", 1782809233,
		  "2025-05-14T00:00:00Z");
	test_real("dcap", "tdx/dcap-tdx-1766059550/quote.bin", "tdx/dcap-tdx-1766059550/collateral", 1769509141,
		  "2024-11-13T00:00:00Z");
	test_real("azure-vtpm", "azure/tdx-vtpm-1780922561/tdx_quote.bin", "azure/tdx-vtpm-1780922561/collateral",
		  1780922561, "2025-05-14T00:00:00Z");
	test_azure_failed();
	test_fmspc_mismatch();
	return poc_test_done();
}
