/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The simulator's quotes: a v4 TDX quote with the layout of
 * verify/tdx_quote.h, signed by the QE attestation key, carrying a QE report
 * signed by the PCK key and the PEM PCK chain.
 */
#include "tee/tee_sim.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "digest.h"

#define QE_REPORT_LEN 384
#define QE_AUTH_LEN 32
#define BODY_LEN 584

/* The quote header's QE vendor ID: Intel's. */
static const uint8_t qe_vendor_id[16] = { 0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
					  0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07 };

/* A writer into a buffer sized in advance; ovf records a (never expected) overrun. */
struct wbuf {
	uint8_t *p;
	size_t n, cap;
	int ovf;
};

static void put(struct wbuf *b, const void *src, size_t n)
{
	if (b->ovf || n > b->cap - b->n) {
		b->ovf = 1;
		return;
	}
	if (src != NULL)
		memcpy(b->p + b->n, src, n);
	else
		memset(b->p + b->n, 0, n);
	b->n += n;
}

static void put16(struct wbuf *b, uint16_t v)
{
	uint8_t le[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	put(b, le, 2);
}

static void put32(struct wbuf *b, uint32_t v)
{
	uint8_t le[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	put(b, le, 4);
}

/* The simulator's made-up measurements: a digest of a label. 0 or -1. */
static int label_digest(const char *label, uint8_t *out, const EVP_MD *md)
{
	const struct poc_piece pc = { label, strlen(label) };

	return poc_digest(md, &pc, 1, out, NULL);
}

/* The SGX REPORT of the QE (384 bytes) binding att_pub. */
static int qe_report(struct poc_err *e, const uint8_t att_pub[64], const uint8_t auth[QE_AUTH_LEN],
		     uint8_t out[QE_REPORT_LEN])
{
	struct wbuf b = { out, 0, QE_REPORT_LEN, 0 };
	uint8_t attributes[16] = { 0x11 }, mrenclave[32], mrsigner[32], rd[64] = { 0 };
	const struct poc_piece rd_in[] = { { att_pub, 64 }, { auth, QE_AUTH_LEN } };

	/* REPORTDATA = SHA-256(attestation key || QE authentication data), zero-padded. */
	if (poc_digest(EVP_sha256(), rd_in, 2, rd, NULL) < 0 ||
	    label_digest("poc-pkcs11 TDX simulator QE enclave", mrenclave, EVP_sha256()) < 0)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "sim: QE report data");
	poc_tee_sim_qe_mrsigner(mrsigner);
	put(&b, poc_tee_sim_sgx_comp, 16); /* CPUSVN */
	put32(&b, 0);              /* MISCSELECT */
	put(&b, NULL, 28);
	put(&b, attributes, 16);
	put(&b, mrenclave, 32);
	put(&b, NULL, 32);
	put(&b, mrsigner, 32);
	put(&b, NULL, 96);
	put16(&b, SIM_QE_ISVPRODID);
	put16(&b, SIM_QE_ISVSVN);
	put(&b, NULL, 60);
	put(&b, rd, 64);
	if (b.ovf || b.n != QE_REPORT_LEN)
		return poc_err_set(e, POC_ERR_ARG, "sim: QE report layout");
	return 0;
}

/* The attestation key as Intel's raw x||y. */
static int raw_pub(struct poc_err *e, EVP_PKEY *k, uint8_t xy[64])
{
	uint8_t pt[65];
	size_t n = 0;

	if (!EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt, sizeof(pt), &n) || n != 65 ||
	    pt[0] != 0x04)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "sim: the QE attestation key is not an uncompressed P-256 point");
	memcpy(xy, pt + 1, 64);
	return 0;
}

/* The quote's header and TD report body: what the attestation key signs. 0 or -1. */
static int put_header_body(struct poc_err *e, struct wbuf *b, const uint8_t mrtd[48], int debug,
			   const uint8_t rtmr[4][48], const uint8_t reportdata[64], const uint8_t mr_owner[48])
{
	static const uint8_t xfam[8] = { 0xe7, 0x1a, 0x06 }; /* x87, SSE, AVX, AVX-512, PK, ... as on real TDs */
	uint8_t mrseam[48], td_attributes[8] = { 0 };

	/* Header. */
	put16(b, 4);
	put16(b, 2);    /* ECDSA P-256 */
	put32(b, 0x81); /* TDX */
	put16(b, SIM_QE_SVN);
	put16(b, SIM_PCESVN);
	put(b, qe_vendor_id, 16);
	put(b, NULL, 20);
	/* TD report body. */
	if (label_digest("poc-pkcs11 TDX simulator TDX module", mrseam, EVP_sha384()) < 0)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "sim quote: MRSEAM");
	td_attributes[0] = debug ? 1 : 0;
	td_attributes[3] = 0x10; /* SEPT_VE_DISABLE, as guests set it */
	put(b, poc_tee_sim_tee_tcb_svn, 16);
	put(b, mrseam, 48);
	put(b, NULL, 48); /* MRSIGNERSEAM: Intel's module, all zeros */
	put(b, NULL, 8);  /* SEAMATTRIBUTES */
	put(b, td_attributes, 8);
	put(b, xfam, 8);
	put(b, mrtd, 48);
	put(b, NULL, 48);     /* MRCONFIGID */
	put(b, mr_owner, 48); /* MROWNER (NULL: zeros) */
	put(b, NULL, 48);     /* MROWNERCONFIG */
	for (int i = 0; i < 4; i++)
		put(b, rtmr != NULL ? rtmr[i] : NULL, 48);
	put(b, reportdata, 64);
	if (b->ovf)
		return poc_err_set(e, POC_ERR_ARG, "sim quote: layout error in the header and body (%zu bytes)", b->cap);
	return 0;
}

int poc_tee_sim_quote(struct poc_err *e, const char *dir, const uint8_t reportdata[64], const uint8_t rtmr[4][48],
		      uint8_t **quote, size_t *len)
{
	return poc_tee_sim_quote_owner(e, dir, reportdata, rtmr, NULL, quote, len);
}

int poc_tee_sim_quote_owner(struct poc_err *e, const char *dir, const uint8_t reportdata[64], const uint8_t rtmr[4][48],
			    const uint8_t mr_owner[48], uint8_t **quote, size_t *len)
{
	uint8_t mrtd[48], att_pub[64], sig[64], qer[QE_REPORT_LEN],
		qe_sig[64], auth[QE_AUTH_LEN];
	EVP_PKEY *att = NULL, *pck = NULL;
	uint8_t *pem = NULL;
	size_t pem_len = 0, cd_len, sd_len;
	struct wbuf b = { 0 };
	int debug = 0, rv = -1;

	if (quote != NULL)
		*quote = NULL;
	if (len != NULL)
		*len = 0;
	if (dir == NULL || reportdata == NULL || quote == NULL || len == NULL)
		return poc_err_set(e, POC_ERR_ARG, "sim quote: needs a folder, report data and outputs");
	if (poc_tee_sim_read_state(e, dir, mrtd, &debug) < 0 || (att = poc_tee_sim_read_key(e, dir, "qe_att.key")) == NULL ||
	    (pck = poc_tee_sim_read_key(e, dir, "pck.key")) == NULL ||
	    (pem = poc_tee_sim_read_file(e, dir, "pck_chain.pem", &pem_len)) == NULL || raw_pub(e, att, att_pub) < 0)
		goto done;
	for (int i = 0; i < QE_AUTH_LEN; i++)
		auth[i] = (uint8_t)i; /* what Intel's QE puts there */
	if (qe_report(e, att_pub, auth, qer) < 0 || poc_tee_sim_sign_rs(e, pck, qer, sizeof(qer), qe_sig, "QE report") < 0)
		goto done;
	cd_len = QE_REPORT_LEN + 64 + 2 + QE_AUTH_LEN + 2 + 4 + pem_len;
	sd_len = 64 + 64 + 2 + 4 + cd_len;
	b.cap = 48 + BODY_LEN + 4 + sd_len;
	b.p = malloc(b.cap);
	if (b.p == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "sim quote: %zu bytes", b.cap);
		goto done;
	}
	if (put_header_body(e, &b, mrtd, debug, rtmr, reportdata, mr_owner) < 0 ||
	    poc_tee_sim_sign_rs(e, att, b.p, b.n, sig, "quote") < 0)
		goto done;
	/* Signature data: signature, key, certification data 6 { QE report, 5 { PCK chain } }. */
	put32(&b, (uint32_t)sd_len);
	put(&b, sig, 64);
	put(&b, att_pub, 64);
	put16(&b, 6);
	put32(&b, (uint32_t)cd_len);
	put(&b, qer, sizeof(qer));
	put(&b, qe_sig, 64);
	put16(&b, QE_AUTH_LEN);
	put(&b, auth, QE_AUTH_LEN);
	put16(&b, 5);
	put32(&b, (uint32_t)pem_len);
	put(&b, pem, pem_len);
	if (b.ovf || b.n != b.cap) {
		poc_err_set(e, POC_ERR_ARG, "sim quote: layout error (%zu of %zu bytes)", b.n, b.cap);
		goto done;
	}
	*quote = b.p;
	*len = b.n;
	b.p = NULL;
	rv = 0;
done:
	free(b.p);
	free(pem);
	EVP_PKEY_free(att);
	EVP_PKEY_free(pck);
	return rv;
}
