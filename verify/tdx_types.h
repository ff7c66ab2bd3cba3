/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Values that the TDX quote parser (tdx_quote.c, sgx_ext.c) produces and the
 * DCAP collateral appraisal (collateral.c, tcb_eval.c) consumes. Plain data,
 * so each side can be tested without the other.
 */
#ifndef POC_TDX_TYPES_H
#define POC_TDX_TYPES_H

#include <stdint.h>

/* Intel SGX PCK certificate extension 1.2.840.113741.1.13.1. */
struct poc_sgx_ext {
	uint8_t ppid[16];      /* .1 */
	uint8_t tcb_comp[16];  /* .2.1 - .2.16: SGX TCB component SVNs */
	uint16_t pcesvn;       /* .2.17 */
	uint8_t cpusvn[16];    /* .2.18 */
	uint8_t pceid[2];      /* .3 */
	uint8_t fmspc[6];      /* .4 */
	int sgx_type;          /* .5: 0 standard, 1 scalable, 2 scalable with integrity */
	int has_piid;
	uint8_t piid[16];      /* .6 PlatformInstanceID, when present */
};

/* The SGX report of the Quoting Enclave (384 bytes in the quote). */
struct poc_qe_report {
	uint8_t cpusvn[16];
	uint32_t miscselect;
	uint8_t attributes[16];
	uint8_t mrenclave[32];
	uint8_t mrsigner[32];
	uint16_t isvprodid;
	uint16_t isvsvn;
	uint8_t reportdata[64];
};

#endif
