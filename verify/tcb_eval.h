/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Intel's TCB level matching for TDX against verified collateral
 * (collateral.h): the platform TCB level from the PCK's SGX extension and the
 * quote's TEE_TCB_SVN, the TDX module identity, and the QE Identity.
 */
#ifndef POC_TCB_EVAL_H
#define POC_TCB_EVAL_H

#include <stdint.h>

#include "collateral.h"
#include "tdx_types.h"
#include "verr.h"

/* Pinned values, in Intel's order. */
enum poc_tcb_status {
	POC_TCB_UP_TO_DATE = 0,
	POC_TCB_SW_HARDENING_NEEDED = 1,
	POC_TCB_CONFIGURATION_NEEDED = 2,
	POC_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED = 3,
	POC_TCB_OUT_OF_DATE = 4,
	POC_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED = 5,
	POC_TCB_REVOKED = 6,
};

/* Intel's strings: "UpToDate", "SWHardeningNeeded", "ConfigurationNeeded",
 * "ConfigurationAndSWHardeningNeeded", "OutOfDate", "OutOfDateConfigurationNeeded", "Revoked". */
const char *poc_tcb_status_name(enum poc_tcb_status s);
/* The reverse (exact, case-sensitive); -1 for any other string. */
int poc_tcb_status_from_name(const char *name, enum poc_tcb_status *out);

struct poc_tcb_result {
	enum poc_tcb_status status;          /* combined: platform + TDX module + QE */
	enum poc_tcb_status platform_status; /* the matched TCB level's own tcbStatus */
	enum poc_tcb_status module_status;   /* the TDX module identity level's (UpToDate without one) */
	enum poc_tcb_status qe_status;       /* the QE Identity level's */
	char tcb_date[32];                   /* the matched platform level's tcbDate */
	char advisories[512];                /* comma-separated INTEL-SA-xxxxx of all matched levels */
	int tdx_module_identity_used;        /* TEE_TCB_SVN[1] > 0: a "TDX_%02X" identity applied */
};

/*
 * The TCB Info is for this platform (QuoteVerifier.cpp 4.1.2.4.10): its FMSPC
 * and PCEID are the PCK certificate's; POC_ERR_MISMATCH "collateral from
 * another FMSPC: ..." (or PCEID) otherwise.
 */
int poc_tcb_check_platform(struct poc_err *e, const struct poc_tcb_info *t, const struct poc_sgx_ext *pck);

/*
 * Intel's TCB level matching for TDX (TCB Info v3), as the Intel DCAP QVL
 * does it (see tcb_eval.c for the rules and their source). Failures:
 * POC_ERR_MISMATCH for another FMSPC/PCEID ("collateral from another FMSPC:
 * ..."), a TDX module or QE that is not the one in the collateral;
 * POC_ERR_TCB "TCB not supported: ..." when no level matches. A matched but
 * bad status (OutOfDate, Revoked) is a result, not an error: policy decides.
 */
int poc_tcb_evaluate(struct poc_err *e, const struct poc_collateral *c, const struct poc_sgx_ext *pck,
		     const uint8_t tee_tcb_svn[16], const uint8_t mrsignerseam[48],
		     const uint8_t seam_attributes[8], const struct poc_qe_report *qe,
		     struct poc_tcb_result *out);

#endif
