/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Evidence collection on this machine (what `poctool attest` and a token's
 * check call): the poc-v1 binding of DESIGN.md section 3, done in-process
 * with ESYS (tpm/), the TD quote of the configured tee (tee/), the digests
 * of verify/binding.h. The AK and the EK, their templates and persistent copies: tpm/tpm_keys.h.
 */
#ifndef POC_EVIDENCE_H
#define POC_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#include "bundle.h"
#include "tee/tee.h"
#include "tpm/tpm.h"
#include "verr.h"

#define POC_EVENTLOG_PATH "/sys/kernel/security/tpm0/binary_bios_measurements"

struct poc_collect_opts {
	const uint8_t *nonce; /* the verifier's nonce, 1..64 bytes */
	size_t nonce_len;
	const struct poc_tee *tee; /* the configured tee (config/); NULL: none */
	uint16_t bank;    /* 0: TPM2_ALG_SHA256 */
	uint32_t pcr_mask; /* 0: POC_TPM_PCR_MASK_DEFAULT (PCRs 0-7, 14) */
	/* A credential from the verifier (tpm2-tools file format, see credential.h), optional. */
	const uint8_t *credential;
	size_t credential_len;
};

/*
 * Collects the evidence into out (zeroed first; poc_bundle_free() it, also on
 * failure): nonce, timing (nonce_ms when the call started, evidence_ms when
 * done), AK and EK public areas (TPM2B_PUBLIC), EK certificate (when NV
 * 0x01c00002 holds one), the TD quote (REPORTDATA = SHA-512("poc-pkcs11/v1/tdx"
 * || N || AK name)) unless tee is none (with tee sim:DIR also the sim's POE
 * token, DIR/poe.cbor, when it has one), one TPM2_Quote of the selection with
 * qualifyingData = SHA-256("poc-pkcs11/v1/tpm" || N [|| SHA-384(signed part
 * of the TD quote)]) and the PCR values read right after it (checked against
 * the quote's pcrDigest), the event log when readable, the activated
 * credential secret when a credential is given, and the DCAP collateral of
 * the tee's folder (poc_tee_collateral_dir) when that folder exists.
 */
int poc_evidence_collect(struct poc_err *e, struct poc_tpm *t, const struct poc_collect_opts *o,
			 struct poc_bundle *out);

/* The wall clock in Unix milliseconds: the bundle's timing, and the "now" of a local appraisal. */
int64_t poc_evidence_now_ms(void);

/* Reads a DCAP collateral folder (tcb_info.json, ... as Intel PCS names them) into b. */
int poc_bundle_read_collateral(struct poc_err *e, const char *dir, struct poc_bundle *b);

#endif
