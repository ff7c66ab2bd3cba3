/* SPDX-License-Identifier: Apache-2.0 */
/* The EK certificate, TPM2_Quote with its PCR values, credential activation (tpm_quote.c). */
#ifndef POC_TPM_QUOTE_H
#define POC_TPM_QUOTE_H

#include <stddef.h>
#include <stdint.h>

#include "bundle.h"
#include "tpm/tpm.h"
#include "verr.h"

/*
 * The EK certificate from NV POC_TPM_EK_CERT_NV_RSA into b: 0, or 1 when
 * there is no such index (not an error: a TPM without a provisioned
 * certificate still attests with an AK certificate, or not at all under the
 * policy).
 */
int poc_tpm_ek_cert(struct poc_err *e, struct poc_tpm *t, struct poc_blob *b);

/*
 * TPM2_Quote by ak of bank:mask with qualifyingData qd, then the PCR values,
 * checked against the quote's pcrDigest (quoted again when a PCR changed in
 * between), into bq.
 */
int poc_tpm_quote_pcrs(struct poc_err *e, struct poc_tpm *t, ESYS_TR ak, uint16_t bank, uint32_t mask,
		       const uint8_t qd[32], struct poc_bundle_quote *bq);

/*
 * TPM2_ActivateCredential of a credential file (tpm2-tools format,
 * credential.h) for ak (password) and ek (PolicySecret(TPM_RH_ENDORSEMENT)
 * session); the secret into out.
 */
int poc_tpm_activate(struct poc_err *e, struct poc_tpm *t, ESYS_TR ak, ESYS_TR ek, const uint8_t *buf, size_t len,
		     struct poc_blob *out);

#endif
