/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TPM 2.0 quotes: the AK public area (TPMT_PUBLIC), its name and key, and a
 * TPMS_ATTEST quote with its TPMT_SIGNATURE: parse, signature, nonce
 * (extraData) and pcrDigest checks. Pure functions over bytes.
 */
#ifndef POC_TPM_ATTEST_H
#define POC_TPM_ATTEST_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <tss2/tss2_tpm2_types.h>

#include "pcrs.h"
#include "verr.h"

/* Largest TPM name: 2-byte nameAlg plus a SHA-512 digest. */
#define POC_TPM_NAME_MAX (2 + 64)

struct poc_tpm_quote {
	TPMS_ATTEST attest;
	TPMT_SIGNATURE sig;
};

/* Accepts a TPMT_PUBLIC or a TPM2B_PUBLIC (size prefix equal to the rest); no trailing bytes. */
int poc_tpm_pub_parse(struct poc_err *e, const uint8_t *buf, size_t len, TPMT_PUBLIC *out);

/* TPM name: nameAlg (2 bytes BE) || H_nameAlg(marshalled TPMT_PUBLIC); name must hold 2+64 bytes. */
int poc_tpm_pub_name(struct poc_err *e, const TPMT_PUBLIC *pub, uint8_t *name, size_t *name_len);

/* RSA (exponent 0 = 65537) and ECC P-256/P-384/P-521. Free with EVP_PKEY_free. */
EVP_PKEY *poc_tpm_pub_to_pkey(struct poc_err *e, const TPMT_PUBLIC *pub);

/* POC_ERR_MISMATCH when the certificate's public key is not the TPM key. */
int poc_tpm_pub_matches_cert(struct poc_err *e, const TPMT_PUBLIC *pub, X509 *cert);

/* Parses TPMS_ATTEST + TPMT_SIGNATURE: magic TPM2_GENERATED_VALUE, type TPM2_ST_ATTEST_QUOTE, no trailing bytes. */
int poc_tpm_quote_parse(struct poc_err *e, const uint8_t *attest, size_t alen, const uint8_t *sig,
			size_t slen, struct poc_tpm_quote *out);

/* Verifies the signature over the attest bytes: RSASSA, RSAPSS, ECDSA; SHA-1/256/384/512. POC_ERR_SIGNATURE on failure. */
int poc_tpm_quote_verify_sig(struct poc_err *e, const uint8_t *attest, size_t alen,
			     const TPMT_SIGNATURE *sig, EVP_PKEY *ak);

/* extraData == nonce, constant time (length checked first); POC_ERR_NONCE naming both in hex (truncated). */
int poc_tpm_quote_check_nonce(struct poc_err *e, const struct poc_tpm_quote *q, const uint8_t *nonce,
			      size_t nlen);

/*
 * pcrDigest == H_sig(concatenation of the selected PCR values, in selection
 * order: banks in order, PCR index ascending), H_sig = the signature's hash
 * algorithm (NOT the bank's: see the real GCE vector). Every selected PCR
 * must be in pcrs (else POC_ERR_MISMATCH "PCR sha256:7 is selected by the
 * quote but not supplied"). On mismatch POC_ERR_MISMATCH.
 */
int poc_tpm_quote_check_pcrs(struct poc_err *e, const struct poc_tpm_quote *q,
			     const struct poc_pcrs *pcrs);

/* The signature's hash algorithm (TPM2_ALG_SHA256...), TPM2_ALG_NULL when none. */
uint16_t poc_tpm_sig_hash_alg(const TPMT_SIGNATURE *sig);

/*
 * One line for logs and records, e.g. "clock=123 resetCount=1 restartCount=0
 * safe=1 firmwareVersion=0x... signer=000b... pcrs=sha256:0-23"; always
 * NUL-terminated, truncated to len.
 */
void poc_tpm_quote_summary(const struct poc_tpm_quote *q, char *buf, size_t len);

#endif
