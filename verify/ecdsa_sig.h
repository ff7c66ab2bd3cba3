/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ECDSA signatures in the two shapes the project meets: raw r || s (COSE,
 * Intel's quotes and collateral, PKCS#11's CKM_ECDSA) and DER
 * ECDSA-Sig-Value (what OpenSSL signs and verifies). Conversions go through
 * OpenSSL's ECDSA_SIG; none of these set a struct poc_err: the caller names
 * what failed, and OpenSSL's error queue is left for poc_err_ssl.
 */
#ifndef POC_ECDSA_SIG_H
#define POC_ECDSA_SIG_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

/*
 * DER ECDSA-Sig-Value for big-endian r and s into *der (OPENSSL_free it).
 * Returns the DER length, or -1 (out of memory). An empty r or s reads as 0.
 */
int poc_ecdsa_rs_to_der(const uint8_t *r, size_t rlen, const uint8_t *s, size_t slen, unsigned char **der);
/* The same for raw r || s (rslen even, each half one integer). */
int poc_ecdsa_raw_to_der(const uint8_t *rs, size_t rslen, unsigned char **der);
/*
 * Raw r || s, each left-padded to half bytes, from DER that must span all of
 * derlen. 0, or -1 (not DER ECDSA-Sig-Value, or r or s wider than half).
 */
int poc_ecdsa_der_to_raw(const unsigned char *der, size_t derlen, uint8_t *rs, size_t half);

/*
 * Verifies raw r || s over msg (hashed with md) with key: 1 verifies, 0 does
 * not, -1 the check could not be made (out of memory, a key the digest
 * cannot use).
 */
int poc_ecdsa_verify_raw(EVP_PKEY *key, const EVP_MD *md, const uint8_t *rs, size_t rslen, const uint8_t *msg,
			 size_t len);
/* Signs msg (hashed with md) with key as raw r || s of 2 * half bytes. 0 or -1. */
int poc_ecdsa_sign_raw(EVP_PKEY *key, const EVP_MD *md, const uint8_t *msg, size_t len, uint8_t *rs, size_t half);

#endif
