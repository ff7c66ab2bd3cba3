/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 9180 4: LabeledExtract / LabeledExpand over HKDF-SHA256 (EVP_KDF "HKDF"). Internal to remote/. */
#ifndef POC_HPKE_KDF_H
#define POC_HPKE_KDF_H

#include <stddef.h>
#include <stdint.h>

/* The two suite ids: "KEM" || I2OSP(0x0010, 2) and "HPKE" || kem || kdf || aead. */
extern const uint8_t poc_hpke_suite_kem[5];
extern const uint8_t poc_hpke_suite_hpke[10];

/* prk (32 bytes) = Extract(salt, "HPKE-v1" || suite || label || ikm). 0 or -1. */
int poc_hpke_labeled_extract(const uint8_t *suite, size_t suite_len, const uint8_t *salt, size_t salt_len,
			     const char *label, const uint8_t *ikm, size_t ikm_len, uint8_t prk[static 32]);
/* out (L bytes) = Expand(prk, I2OSP(L, 2) || "HPKE-v1" || suite || label || info, L). 0 or -1. */
int poc_hpke_labeled_expand(const uint8_t *suite, size_t suite_len, const uint8_t prk[static 32], const char *label,
			    const uint8_t *info, size_t info_len, uint8_t *out, size_t L);

#endif
