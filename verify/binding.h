/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The poc-v1 binding's digests (DESIGN.md section 3), once for the verifier
 * (binding.c) and the collector (module/evidence/): both quotes cover the
 * verifier's nonce N and name each other.
 *   REPORTDATA     = SHA-512("poc-pkcs11/v1/tdx" || N || AK name)
 *   qualifyingData = SHA-256("poc-pkcs11/v1/tpm" || N [|| SHA-384(signed part of the TD quote)])
 * (the bracket only when there is a TD quote).
 */
#ifndef POC_BINDING_H
#define POC_BINDING_H

#include <stddef.h>
#include <stdint.h>

#include "verr.h"

#define POC_BINDING_TDX_PREFIX "poc-pkcs11/v1/tdx"
#define POC_BINDING_TPM_PREFIX "poc-pkcs11/v1/tpm"

/* The TD quote's REPORTDATA for nonce and the AK's name. 0, or -1 (POC_ERR_CRYPTO). */
int poc_binding_reportdata(struct poc_err *e, const uint8_t *nonce, size_t nonce_len, const uint8_t *ak_name,
			   size_t ak_name_len, uint8_t rd[64]);

/*
 * The TPM quote's qualifyingData for nonce and the TD quote's signed part
 * (td_signed NULL, td_signed_len 0: no TD quote). 0, or -1 (POC_ERR_CRYPTO).
 */
int poc_binding_qualifying(struct poc_err *e, const uint8_t *nonce, size_t nonce_len, const uint8_t *td_signed,
			   size_t td_signed_len, uint8_t qd[32]);

#endif
