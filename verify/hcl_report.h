/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Azure HCL report (vTPM NV index 0x01400001 on Azure confidential VMs):
 * a 32-byte header ("HCLA"), the hardware report (for TDX the TDREPORT) at 32,
 * and at 1216 the runtime claims: a header whose report type (+8) is 4 for
 * TDX and whose runtime-data size (+16) is followed by JSON at +20. The JSON
 * holds the vTPM AK ("HCLAkPub", an RSA JWK) and the verifier's "user-data".
 */
#ifndef POC_HCL_REPORT_H
#define POC_HCL_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "tdx_quote.h"
#include "verr.h"

#define POC_HCL_REPORT_TYPE_TDX 4

struct poc_hcl_report {
	uint32_t report_type;
	const uint8_t *td_report;       /* TDREPORT (1024 bytes), into the input */
	const uint8_t *td_reportdata;   /* its REPORTDATA (64 bytes) */
	const uint8_t *json;            /* the runtime claims, into the input */
	size_t json_len;
};

/* Parses by the length fields; POC_ERR_UNSUPPORTED for a non-TDX report. */
int poc_hcl_report_parse(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_hcl_report *out);
/*
 * The TDREPORT inside describes the quoted TD: its TEE_TCB_INFO and TDINFO
 * hash to the values in its REPORTMACSTRUCT, and their fields (TCB SVN,
 * MRSEAM, attributes, XFAM, MRTD, MRCONFIGID, MROWNER(CONFIG), RTMRs,
 * REPORTDATA) are the quote's. POC_ERR_MISMATCH naming the first field that differs.
 */
int poc_hcl_report_check_td(struct poc_err *e, const struct poc_hcl_report *r, const struct poc_tdx_body *body);
/* The RSA key of the JWK whose kid is "HCLAkPub" (new reference), or NULL. */
EVP_PKEY *poc_hcl_report_ak(struct poc_err *e, const struct poc_hcl_report *r);
/* The "user-data" member, hex-decoded into out[max]. */
int poc_hcl_report_user_data(struct poc_err *e, const struct poc_hcl_report *r, uint8_t *out, size_t max,
			     size_t *outlen);

#endif
