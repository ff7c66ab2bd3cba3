/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Intel TDX quotes v4 and v5 (DCAP ECDSA-P256): parsing by the length fields
 * and the signature checks that make a quote "genuine Intel" (PCK chain, QE
 * report signature, QE report data binding, quote signature). TCB appraisal
 * against collateral is collateral.c's job; where the platform runs is the
 * Proof-of-Cloud layer's.
 */
#ifndef POC_TDX_QUOTE_H
#define POC_TDX_QUOTE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "tdx_types.h"
#include "verr.h"

#define POC_TDX_ATT_KEY_ECDSA_P256 2
#define POC_TDX_TEE_TYPE_TDX 0x81
#define POC_TDX_BODY_TD10 2 /* v5 body types */
#define POC_TDX_BODY_TD15 3
#define POC_TDX_BODY_TD10_LEN 584
#define POC_TDX_BODY_TD15_LEN 648

/* The TD report body (TD 1.0; is_td15 marks the two TD 1.5 fields as set). */
struct poc_tdx_body {
	uint8_t tee_tcb_svn[16], mrseam[48], mrsignerseam[48], seam_attributes[8],
		td_attributes[8], xfam[8], mrtd[48], mrconfigid[48], mrowner[48],
		mrownerconfig[48], rtmr[4][48], reportdata[64];
	int is_td15;
	uint8_t tee_tcb_svn2[16], mrservicetd[48];
};

/* A parsed quote. Pointers point into the buffer given to poc_tdx_quote_parse. */
struct poc_tdx_quote {
	uint16_t version, att_key_type;
	uint32_t tee_type;
	uint8_t qe_vendor_id[16];
	uint8_t user_data[20];
	uint16_t body_type; /* v5: 2 (TD 1.0) or 3 (TD 1.5); v4: 2 */
	struct poc_tdx_body body;
	const uint8_t *signed_part; /* header + body (v5: with body type and size) */
	size_t signed_len;
	uint8_t sig[64], att_key[64]; /* r||s; x||y */
	const uint8_t *qe_report_raw; /* 384 bytes */
	struct poc_qe_report qe;
	uint8_t qe_sig[64];
	const uint8_t *qe_auth;
	size_t qe_auth_len;
	const uint8_t *pck_pem; /* PCK chain: leaf, platform/processor CA, root */
	size_t pck_pem_len;
	size_t total_len; /* bytes the quote really uses (configfs-tsm pads with zeros) */
};

/*
 * Parses a quote v4 or v5 from buf[len]; trailing bytes past the quote's own
 * length are allowed (padding). POC_ERR_TRUNCATED when a length field points
 * past the buffer, POC_ERR_MALFORMED / POC_ERR_UNSUPPORTED for bad values.
 */
int poc_tdx_quote_parse(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_tdx_quote *out);

/* 1 when the TD runs in debug mode (TDATTRIBUTES bit 0), else 0. */
int poc_tdx_quote_debug(const struct poc_tdx_quote *q);

/* What a successful poc_tdx_quote_verify established; owns its certificates. */
struct poc_tdx_verified {
	X509 *pck_leaf;
	X509 *pck_issuer;       /* the platform or processor CA */
	STACK_OF(X509) *chain;  /* leaf..root */
	struct poc_sgx_ext sgx; /* from the PCK leaf */
};

/*
 * Checks, in order: the PCK chain (from the quote's PEM) to one of intel_roots
 * at Unix time at ("PCK chain: ..."; POC_ERR_EXPIRED or POC_ERR_CHAIN), the QE
 * report signature by the PCK leaf key ("QE report signature"), QE REPORTDATA ==
 * SHA-256(att_key || qe_auth) || 0^32 ("QE report data does not bind the
 * attestation key"), and the quote signature over the signed part with att_key
 * ("quote signature"). On success out is filled (free with
 * poc_tdx_verified_free); on failure it is left empty.
 */
int poc_tdx_quote_verify(struct poc_err *e, const struct poc_tdx_quote *q,
			 STACK_OF(X509) *intel_roots, int64_t at, struct poc_tdx_verified *out);

/* Frees what out holds and zeroes it; NULL-safe. */
void poc_tdx_verified_free(struct poc_tdx_verified *v);

#endif
