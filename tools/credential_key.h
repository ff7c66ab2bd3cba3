/* SPDX-License-Identifier: Apache-2.0 */
#ifndef POC_CREDENTIAL_KEY_H
#define POC_CREDENTIAL_KEY_H

#include <stdint.h>

/*
 * The verifier's credential HMAC key, derived from its record-signing key
 * (PEM private key file): HKDF-SHA256(ikm = i2d_PrivateKey DER, no salt,
 * info "poc-pkcs11/v1/credential-key"). Deriving it, rather than storing a
 * second secret, keeps the verifier stateless: whoever holds the signing key
 * can recompute every expected credential secret. Prints why on failure;
 * returns 0 or -1; out is wiped on failure.
 */
int poc_tool_credential_key(const char *verifier_key_pem, uint8_t out[32]);

#endif
