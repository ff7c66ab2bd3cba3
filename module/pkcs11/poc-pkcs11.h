/* SPDX-License-Identifier: Apache-2.0 */
/*
 * poc-pkcs11: the public vendor constants of the PKCS#11 module
 * poc-pkcs11.so (DESIGN.md section 4). Include after <pkcs11.h> or
 * <p11-kit/pkcs11.h>.
 */
#ifndef POC_PKCS11_H
#define POC_PKCS11_H

/*
 * CKA_POC_ATTESTATION_RECORD: on every object of a token, the attestation
 * record (COSE_Sign1 over EAR claims, verifiable with `poctool record verify`)
 * of the last Proof-of-Cloud check that released or denied the sealed object
 * it belongs to. ulValueLen is CK_UNAVAILABLE_INFORMATION (with
 * CKR_ATTRIBUTE_TYPE_INVALID) before any check ran for it in this process.
 * Not sensitive: it names no secret.
 */
#define CKA_POC_ATTESTATION_RECORD (0x80000000UL | 0x504F4301UL)

/*
 * POC_PKCS11_STATS: when this environment variable names a file, the module
 * appends one line per Proof-of-Cloud check (an evidence round):
 *   "check <token label> <object file> accepted|denied|wrong-pin|error"
 * Meant for tests and operators counting evidence rounds.
 */
#define POC_PKCS11_STATS_ENV "POC_PKCS11_STATS"

#endif
