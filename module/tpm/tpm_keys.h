/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to module/tpm_*.c: the EK and the AK that tpm_evidence.h describes,
 * found or made once per struct poc_tpm (the cache of tpm.h).
 */
#ifndef POC_TPM_KEYS_H
#define POC_TPM_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "tpm.h"
#include "verr.h"

/* t's EK / AK: cached, else the persistent one fitting the template, else a transient CreatePrimary. */
int poc_tpm_ek_key(struct poc_err *e, struct poc_tpm *t, struct poc_tpm_key **out);
int poc_tpm_ak_key(struct poc_err *e, struct poc_tpm *t, struct poc_tpm_key **out);

/* p marshalled as TPM2B_PUBLIC into buf (*len in: its size; out: the length). */
int poc_tpm_pub_marshal(struct poc_err *e, const TPM2B_PUBLIC *p, uint8_t *buf, size_t *len);

#endif
