/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who made a TDX quote: the Quoting Enclave whose report the PCK signed must
 * be Intel's TD QE, and the TDX module must be Intel's. Checked against the
 * verified collateral (QE Identity "TD_QE", TCB Info tdxModule) when there is
 * some, else against a built-in floor: Intel's TD_QE identity as Intel
 * publishes it (MRSIGNER, ISVPRODID 2, MISCSELECT and ATTRIBUTES under their
 * masks) and Intel's TDX module (MRSIGNERSEAM and SEAMATTRIBUTES zero).
 * These checks are about the quote's authenticity; the TCB *status* that
 * ISVSVN and the SVNs select is tcb_eval.h's.
 */
#ifndef POC_TDX_IDENTITY_H
#define POC_TDX_IDENTITY_H

#include <stdint.h>

#include "collateral.h"
#include "tdx_types.h"
#include "verr.h"

/* Intel's TD QE MRSIGNER (QE Identity "TD_QE", the SHA-256 of Intel's enclave signing key modulus). */
#define POC_INTEL_TD_QE_MRSIGNER_HEX "DC9E2A7C6F948F17474E34A7FC43ED030F7C1563F1BABDDF6340C82E0E54A8C5"
#define POC_INTEL_TD_QE_ISVPRODID 2

/*
 * The built-in floor: Intel's TD_QE identity without TCB levels (miscselect
 * 00000000/FFFFFFFF, attributes 11000000.../FBFFFFFFFFFFFFFF0000..., so a
 * DEBUG QE fails), as published in Intel's QE Identity v2.
 */
void poc_qe_identity_intel(struct poc_qe_identity *out);

/*
 * The QE report against identity q (EnclaveReportVerifier.cpp 4.1.2.9.5-8):
 * MISCSELECT and ATTRIBUTES under their masks, MRSIGNER, ISVPRODID.
 * POC_ERR_MISMATCH "QE report MRSIGNER <hex>, <who> has <hex>" etc.; who
 * names the source ("the QE Identity", "Intel's TD QE").
 */
int poc_qe_check_identity(struct poc_err *e, const struct poc_qe_identity *q, const struct poc_qe_report *r,
			  const char *who);

/*
 * The QE Identity TCB level of the report's ISVSVN (the first level whose
 * isvsvn <= ISVSVN); POC_ERR_TCB "TCB not supported: ..." when none.
 */
int poc_qe_tcb_level(struct poc_err *e, const struct poc_qe_identity *q, const struct poc_qe_report *r,
		     const struct poc_isv_level **lv);

/*
 * The TDX module against the TCB Info (QuoteVerifier.cpp 4.1.2.4.11):
 * MRSIGNERSEAM and SEAMATTRIBUTES against tcbInfo.tdxModule or, when
 * TEE_TCB_SVN[1] > 0, against the identity "TDX_%02X" (*mod, else NULL).
 * POC_ERR_MISMATCH when they differ or the TCB Info has no such identity.
 */
int poc_tdx_module_check(struct poc_err *e, const struct poc_tcb_info *t, const uint8_t tee_tcb_svn[16],
			 const uint8_t mrsignerseam[48], const uint8_t seam_attributes[8],
			 const struct poc_tdx_module_id **mod);

/* Without collateral: Intel's TDX module, MRSIGNERSEAM and SEAMATTRIBUTES all zero (POC_ERR_MISMATCH). */
int poc_tdx_module_check_intel(struct poc_err *e, const uint8_t mrsignerseam[48], const uint8_t seam_attributes[8]);

#endif
