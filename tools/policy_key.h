/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The policy key of a signed-PCR-policy token on the owner's side
 * (docs/updates.md): a PEM file, or a key in any PKCS#11 token named by a
 * pkcs11: URI (RFC 7512, e.g. "pkcs11:token=owner;object=policy;type=private?pin-value=1234"),
 * used through libp11's OpenSSL engine "pkcs11" (libengine-pkcs11-openssl):
 * by default it loads p11-kit's proxy (every registered module);
 * $POC_POLICY_PKCS11_MODULE names one module instead.
 */
#ifndef POC_TOOL_POLICY_KEY_H
#define POC_TOOL_POLICY_KEY_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

/* The private key (PEM file or pkcs11: URI); NULL after saying why. */
EVP_PKEY *poc_tool_policy_priv(const char *spec);
/* The public key's DER SubjectPublicKeyInfo from a PEM public or private key, or a pkcs11: URI; NULL after saying why. */
uint8_t *poc_tool_policy_pub(const char *spec, size_t *len);

#endif
