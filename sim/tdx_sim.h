/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The TDX quote simulator (DESIGN.md section 7, "tee = sim:/path"): a folder
 * holding a test Intel-like PKI (SGX root, PCK platform CA, PCK leaf with the
 * SGX extension, TCB signing certificate), a QE attestation key, DCAP
 * collateral signed by that PKI, and a policy trusting it. Quotes it makes
 * have the genuine v4 layout and signatures, so the very same verifier code
 * (tdx_quote.c, collateral.c, tcb_eval.c) checks them; they verify only
 * against the sim's own root, never against Intel's.
 *
 * Files in DIR: root_ca.pem, platform_ca.pem, pck.pem, pck_chain.pem,
 * tcb_signing.pem and their *.key (0600), qe_att.key (0600), sim.json,
 * collateral/ (named as in Intel's PCS folders), the platform's POE token
 * poe.cbor with its test endorser (poe_endorser.pem, the root a policy
 * trusts; poe_signer.pem and .key) and policy-fragment.json.
 */
#ifndef POC_TDX_SIM_H
#define POC_TDX_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "tee/tee_sim.h"
#include "verr.h"

/* What the sim puts in every PCK certificate and TCB Info it makes. */
#define POC_SIM_FMSPC_HEX "00906ED50000"
#define POC_SIM_PCEID_HEX "0000"
/* The sim's POE token (in DIR) and the owner its test endorser names. */
#define POC_SIM_POE_FILE POC_TEE_SIM_POE_FILE
#define POC_SIM_POE_OWNER "sim-csp.poc-pkcs11.test"

/*
 * Creates DIR (0700; an existing empty folder is accepted, anything else is
 * refused so keys are never overwritten): the PKI, the QE attestation key,
 * collateral/ with the 9 DCAP files (TCB Info v3 "TDX" and QE Identity v2
 * "TD_QE" signed by the TCB signing key, an empty PCK CRL by the platform CA
 * and an empty Root CA CRL), DIR/poe.cbor: an Intel POE token (COSE_Sign1
 * CoRIM) endorsing the PCK's PIID for owner POC_SIM_POE_OWNER, signed by a
 * test endorser (poe_signer.pem under poe_endorser.pem), and
 * DIR/policy-fragment.json: a complete policy (version 1) trusting the sim
 * root by absolute path, tcb_status UpToDate, the sim's MRTD, its PPID on the
 * platform allow-list and platforms.poe trusting the test endorser and owner.
 * Certificates are valid from now - 1 day for 10 years; collateral and the
 * POE token from now - 1 hour to now + 30 days.
 * mrtd: 48 bytes, or NULL for random ones. debug: quotes carry TDATTRIBUTES.DEBUG.
 */
int poc_sim_init(struct poc_err *e, const char *dir, const uint8_t *mrtd, int debug);

/* Its quotes and POE token: poc_tee_sim_quote and poc_tee_sim_poe (module/tee/tee_sim.h). */

/* The simulated platform's identity; any output may be NULL. */
int poc_sim_info(struct poc_err *e, const char *dir, uint8_t ppid[16], uint8_t piid[16],
		 uint8_t mrtd[48], int *debug);

#endif
