/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TDX quote v4/v5 parsing and DCAP signature checks. Layout facts: Intel
 * DCAP QuoteVerification (QuoteStructures.h) and google/go-tdx-guest (abi.go).
 */
#include "tdx_quote.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "bytes.h"
#include "digest.h"
#include "ecdsa_sig.h"
#include "sgx_ext.h"
#include "x509.h"

#define HEADER_LEN 48
#define QE_REPORT_LEN 384
#define CERT_QE_REPORT 6 /* certification data: QE report + PCK chain */
#define CERT_PCK_CHAIN 5 /* certification data: PEM PCK leaf, CA, root */

/* Reads n bytes into dst; the caller names the field on failure. */
static int rd_copy(struct poc_rd *r, void *dst, size_t n)
{
	const uint8_t *p;

	if (poc_rd_bytes(r, n, &p) < 0)
		return -1;
	memcpy(dst, p, n);
	return 0;
}

static int parse_body(struct poc_err *e, const uint8_t *p, size_t len, int td15,
		      struct poc_tdx_body *b)
{
	struct poc_rd r;

	poc_rd_init(&r, p, len);
	memset(b, 0, sizeof(*b));
	if (rd_copy(&r, b->tee_tcb_svn, 16) < 0 || rd_copy(&r, b->mrseam, 48) < 0 ||
	    rd_copy(&r, b->mrsignerseam, 48) < 0 || rd_copy(&r, b->seam_attributes, 8) < 0 ||
	    rd_copy(&r, b->td_attributes, 8) < 0 || rd_copy(&r, b->xfam, 8) < 0 ||
	    rd_copy(&r, b->mrtd, 48) < 0 || rd_copy(&r, b->mrconfigid, 48) < 0 ||
	    rd_copy(&r, b->mrowner, 48) < 0 || rd_copy(&r, b->mrownerconfig, 48) < 0 ||
	    rd_copy(&r, b->rtmr, sizeof(b->rtmr)) < 0 || rd_copy(&r, b->reportdata, 64) < 0)
		return poc_err_set(e, POC_ERR_TRUNCATED, "TD report body");
	if (td15) {
		if (rd_copy(&r, b->tee_tcb_svn2, 16) < 0 || rd_copy(&r, b->mrservicetd, 48) < 0)
			return poc_err_set(e, POC_ERR_TRUNCATED, "TD 1.5 report body");
		b->is_td15 = 1;
	}
	if (r.left != 0)
		return poc_err_set(e, POC_ERR_MALFORMED, "TD report body: %zu extra bytes", r.left);
	return 0;
}

static void parse_qe_report(const uint8_t *p, struct poc_qe_report *q)
{
	struct poc_rd r;

	/* SGX REPORT body: fixed 384 bytes, the caller checked the length. */
	poc_rd_init(&r, p, QE_REPORT_LEN);
	memset(q, 0, sizeof(*q));
	(void)rd_copy(&r, q->cpusvn, 16);
	(void)poc_rd_u32le(&r, &q->miscselect);
	(void)poc_rd_bytes(&r, 28, NULL);
	(void)rd_copy(&r, q->attributes, 16);
	(void)rd_copy(&r, q->mrenclave, 32);
	(void)poc_rd_bytes(&r, 32, NULL);
	(void)rd_copy(&r, q->mrsigner, 32);
	(void)poc_rd_bytes(&r, 96, NULL);
	(void)poc_rd_u16le(&r, &q->isvprodid);
	(void)poc_rd_u16le(&r, &q->isvsvn);
	(void)poc_rd_bytes(&r, 60, NULL);
	(void)rd_copy(&r, q->reportdata, 64);
}

/* Type 6: QE report, its signature, QE auth data, then the nested type 5 PCK chain. */
static int parse_qe_cert_data(struct poc_err *e, const uint8_t *p, size_t len,
			      struct poc_tdx_quote *q)
{
	struct poc_rd r;
	uint16_t auth_len, type;
	uint32_t size;

	poc_rd_init(&r, p, len);
	if (poc_rd_bytes(&r, QE_REPORT_LEN, &q->qe_report_raw) < 0)
		return poc_err_set(e, POC_ERR_TRUNCATED, "QE report");
	parse_qe_report(q->qe_report_raw, &q->qe);
	if (rd_copy(&r, q->qe_sig, 64) < 0)
		return poc_err_set(e, POC_ERR_TRUNCATED, "QE report signature");
	if (poc_rd_u16le(&r, &auth_len) < 0 || poc_rd_bytes(&r, auth_len, &q->qe_auth) < 0)
		return poc_err_set(e, POC_ERR_TRUNCATED, "QE authentication data");
	q->qe_auth_len = auth_len;
	if (poc_rd_u16le(&r, &type) < 0 || poc_rd_u32le(&r, &size) < 0)
		return poc_err_set(e, POC_ERR_TRUNCATED, "PCK certification data header");
	if (type != CERT_PCK_CHAIN)
		return poc_err_set(e, POC_ERR_UNSUPPORTED,
				   "PCK certification data type %u (want %d, PEM PCK chain)", type,
				   CERT_PCK_CHAIN);
	if (poc_rd_bytes(&r, size, &q->pck_pem) < 0)
		return poc_err_set(e, POC_ERR_TRUNCATED,
				   "PCK certificate chain: %u bytes announced, %zu left", size, r.left);
	q->pck_pem_len = size;
	if (size == 0)
		return poc_err_set(e, POC_ERR_MALFORMED, "PCK certificate chain is empty");
	if (r.left != 0)
		return poc_err_set(e, POC_ERR_MALFORMED, "QE certification data: %zu extra bytes",
				   r.left);
	return 0;
}

static int parse_sig_data(struct poc_err *e, const uint8_t *p, size_t len, struct poc_tdx_quote *q)
{
	struct poc_rd r;
	const uint8_t *cd;
	uint16_t type;
	uint32_t size;

	poc_rd_init(&r, p, len);
	if (rd_copy(&r, q->sig, 64) < 0)
		return poc_err_set(e, POC_ERR_TRUNCATED, "quote signature");
	if (rd_copy(&r, q->att_key, 64) < 0)
		return poc_err_set(e, POC_ERR_TRUNCATED, "attestation key");
	if (poc_rd_u16le(&r, &type) < 0 || poc_rd_u32le(&r, &size) < 0)
		return poc_err_set(e, POC_ERR_TRUNCATED, "certification data header");
	if (type != CERT_QE_REPORT)
		return poc_err_set(e, POC_ERR_UNSUPPORTED,
				   "certification data type %u (want %d, QE report)", type,
				   CERT_QE_REPORT);
	if (poc_rd_bytes(&r, size, &cd) < 0)
		return poc_err_set(e, POC_ERR_TRUNCATED,
				   "certification data: %u bytes announced, %zu left", size, r.left);
	if (r.left != 0)
		return poc_err_set(e, POC_ERR_MALFORMED, "signature data: %zu extra bytes", r.left);
	return parse_qe_cert_data(e, cd, size, q);
}

int poc_tdx_quote_parse(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_tdx_quote *out)
{
	struct poc_rd r;
	const uint8_t *body, *sd;
	uint32_t body_len, sig_len;
	int td15 = 0;

	if (buf == NULL || out == NULL)
		return poc_err_set(e, POC_ERR_ARG, "TDX quote: no input");
	memset(out, 0, sizeof(*out));
	poc_rd_init(&r, buf, len);
	if (poc_rd_u16le(&r, &out->version) < 0 || poc_rd_u16le(&r, &out->att_key_type) < 0 ||
	    poc_rd_u32le(&r, &out->tee_type) < 0 || poc_rd_bytes(&r, 4, NULL) < 0 ||
	    rd_copy(&r, out->qe_vendor_id, 16) < 0 || rd_copy(&r, out->user_data, 20) < 0)
		return poc_err_set(e, POC_ERR_TRUNCATED, "TDX quote header: %zu bytes", len);
	if (out->version != 4 && out->version != 5)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "TDX quote version %u (want 4 or 5)",
				   out->version);
	if (out->att_key_type != POC_TDX_ATT_KEY_ECDSA_P256)
		return poc_err_set(e, POC_ERR_UNSUPPORTED,
				   "TDX quote attestation key type %u (want 2, ECDSA P-256)",
				   out->att_key_type);
	if (out->tee_type != POC_TDX_TEE_TYPE_TDX)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "TDX quote TEE type 0x%x (want 0x81, TDX)",
				   out->tee_type);
	if (out->version == 4) {
		out->body_type = POC_TDX_BODY_TD10;
		body_len = POC_TDX_BODY_TD10_LEN;
	} else {
		if (poc_rd_u16le(&r, &out->body_type) < 0 || poc_rd_u32le(&r, &body_len) < 0)
			return poc_err_set(e, POC_ERR_TRUNCATED, "TDX quote v5 body descriptor");
		if (out->body_type == POC_TDX_BODY_TD15)
			td15 = 1;
		else if (out->body_type != POC_TDX_BODY_TD10)
			return poc_err_set(e, POC_ERR_UNSUPPORTED,
					   "TDX quote v5 body type %u (want 2 or 3, TD 1.0/1.5)",
					   out->body_type);
		if (body_len != (td15 ? POC_TDX_BODY_TD15_LEN : POC_TDX_BODY_TD10_LEN))
			return poc_err_set(e, POC_ERR_MALFORMED,
					   "TDX quote v5 body size %u does not match body type %u",
					   body_len, out->body_type);
	}
	if (poc_rd_bytes(&r, body_len, &body) < 0)
		return poc_err_set(e, POC_ERR_TRUNCATED, "TD report body: %u bytes announced, %zu left",
				   body_len, r.left);
	if (parse_body(e, body, body_len, td15, &out->body) < 0)
		return -1;
	out->signed_part = buf;
	out->signed_len = (size_t)(r.p - buf);
	if (poc_rd_u32le(&r, &sig_len) < 0)
		return poc_err_set(e, POC_ERR_TRUNCATED, "TDX quote signature data length");
	if (poc_rd_bytes(&r, sig_len, &sd) < 0)
		return poc_err_set(e, POC_ERR_TRUNCATED,
				   "TDX quote signature data: %u bytes announced, %zu left", sig_len,
				   r.left);
	if (parse_sig_data(e, sd, sig_len, out) < 0) {
		poc_err_prefix(e, "TDX quote: ");
		return -1;
	}
	out->total_len = (size_t)(r.p - buf);
	return 0;
}

int poc_tdx_quote_debug(const struct poc_tdx_quote *q)
{
	return (q->body.td_attributes[0] & 1) != 0;
}

/* Verifies a raw r||s P-256 signature (SHA-256) over msg with key. */
static int verify_rs(struct poc_err *e, EVP_PKEY *key, const uint8_t rs[64], const uint8_t *msg,
		     size_t len, const char *what)
{
	int v = poc_ecdsa_verify_raw(key, EVP_sha256(), rs, 64, msg, len);

	if (v < 0)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "%s: preparing the check", what);
	if (v == 0) {
		ERR_clear_error();
		return poc_err_set(e, POC_ERR_SIGNATURE, "%s does not verify", what);
	}
	return 0;
}

/* The raw x||y attestation key as an EVP_PKEY (P-256). */
static EVP_PKEY *att_key_pkey(struct poc_err *e, const uint8_t xy[64])
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;
	uint8_t pt[65];

	pt[0] = 0x04; /* uncompressed point */
	memcpy(pt + 1, xy, 64);
	if (bld == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt)) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL) {
		poc_err_ssl(e, POC_ERR_NOMEM, "attestation key");
		goto done;
	}
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		poc_err_ssl(e, POC_ERR_MALFORMED, "attestation key is not a P-256 point");
		key = NULL;
		goto done;
	}
	/* fromdata does not reject off-curve points in every provider version. */
	EVP_PKEY_CTX_free(ctx);
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	if (ctx == NULL || EVP_PKEY_public_check(ctx) != 1) {
		poc_err_ssl(e, POC_ERR_MALFORMED, "attestation key is not a P-256 point");
		EVP_PKEY_free(key);
		key = NULL;
	}
done:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return key;
}

static int check_qe_binding(struct poc_err *e, const struct poc_tdx_quote *q)
{
	static const uint8_t zero[32];
	const struct poc_piece in[] = { { q->att_key, 64 }, { q->qe_auth, q->qe_auth_len } };
	uint8_t h[EVP_MAX_MD_SIZE];

	if (poc_digest(EVP_sha256(), in, 2, h, NULL) < 0)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "SHA-256 of the attestation key");
	if (CRYPTO_memcmp(h, q->qe.reportdata, 32) != 0 ||
	    CRYPTO_memcmp(zero, q->qe.reportdata + 32, 32) != 0)
		return poc_err_set(e, POC_ERR_MISMATCH,
				   "QE report data does not bind the attestation key");
	return 0;
}

int poc_tdx_quote_verify(struct poc_err *e, const struct poc_tdx_quote *q,
			 STACK_OF(X509) *intel_roots, int64_t at, struct poc_tdx_verified *out)
{
	STACK_OF(X509) *certs = NULL, *chain = NULL;
	EVP_PKEY *att = NULL;
	X509 *leaf;
	int rv = -1;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (q == NULL || out == NULL || q->pck_pem == NULL || q->qe_report_raw == NULL ||
	    q->signed_part == NULL)
		return poc_err_set(e, POC_ERR_ARG, "TDX quote verify: no parsed quote");
	if (intel_roots == NULL || sk_X509_num(intel_roots) == 0)
		return poc_err_set(e, POC_ERR_ARG, "TDX quote verify: no Intel root CA");

	certs = poc_x509_load(e, q->pck_pem, q->pck_pem_len);
	if (certs == NULL) {
		poc_err_prefix(e, "PCK chain: ");
		goto done;
	}
	/* Anything after the leaf is untrusted; trust comes from intel_roots only. */
	leaf = sk_X509_shift(certs);
	if (poc_x509_chain_verify(e, leaf, certs, intel_roots, at, &chain) < 0) {
		X509_free(leaf);
		poc_err_prefix(e, "PCK chain: ");
		goto done;
	}
	X509_free(leaf);
	if (sk_X509_num(chain) < 2) {
		poc_err_set(e, POC_ERR_CHAIN, "PCK chain: the leaf is a trust anchor");
		goto done;
	}
	out->pck_leaf = sk_X509_value(chain, 0);
	out->pck_issuer = sk_X509_value(chain, 1);
	if (!X509_up_ref(out->pck_leaf) || !X509_up_ref(out->pck_issuer)) {
		poc_err_set(e, POC_ERR_CRYPTO, "PCK chain: X509_up_ref");
		goto done;
	}
	out->chain = chain;
	chain = NULL;
	if (poc_sgx_ext_from_cert(e, out->pck_leaf, &out->sgx) < 0) {
		poc_err_prefix(e, "PCK leaf: ");
		goto done;
	}
	if (verify_rs(e, X509_get0_pubkey(out->pck_leaf), q->qe_sig, q->qe_report_raw,
		      QE_REPORT_LEN, "QE report signature") < 0)
		goto done;
	if (check_qe_binding(e, q) < 0)
		goto done;
	att = att_key_pkey(e, q->att_key);
	if (att == NULL)
		goto done;
	if (verify_rs(e, att, q->sig, q->signed_part, q->signed_len, "quote signature") < 0)
		goto done;
	rv = 0;
done:
	if (rv < 0)
		poc_tdx_verified_free(out);
	EVP_PKEY_free(att);
	sk_X509_pop_free(chain, X509_free);
	sk_X509_pop_free(certs, X509_free);
	return rv;
}

void poc_tdx_verified_free(struct poc_tdx_verified *v)
{
	if (v == NULL)
		return;
	X509_free(v->pck_leaf);
	X509_free(v->pck_issuer);
	sk_X509_pop_free(v->chain, X509_free);
	memset(v, 0, sizeof(*v));
}
