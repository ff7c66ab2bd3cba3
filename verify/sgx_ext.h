/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Intel SGX PCK certificate extension (OID 1.2.840.113741.1.13.1):
 * PPID, TCB components, PCESVN, CPUSVN, PCE-ID, FMSPC, SGX type and, on
 * newer platforms, the PIID that Intel POE tokens endorse.
 */
#ifndef POC_SGX_EXT_H
#define POC_SGX_EXT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "tdx_types.h"
#include "verr.h"

#define POC_SGX_EXT_OID "1.2.840.113741.1.13.1"

/*
 * Parses the extension's value (the OCTET STRING contents):
 * SEQUENCE OF SEQUENCE { OID, value }. PPID, TCB, PCE-ID, FMSPC
 * and SGX type are required; the PIID is optional (has_piid tells). Unknown
 * sub-OIDs are ignored; a known one with the wrong type or size is
 * POC_ERR_MALFORMED.
 */
int poc_sgx_ext_parse(struct poc_err *e, const uint8_t *der, size_t len, struct poc_sgx_ext *out);

/* The same from a certificate; POC_ERR_MALFORMED when the extension is missing. */
int poc_sgx_ext_from_cert(struct poc_err *e, X509 *cert, struct poc_sgx_ext *out);

#endif
