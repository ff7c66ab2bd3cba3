/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a provider leaf certificate must certify before it can endorse a TPM
 * (docs/policy.md, "Provider leaf certificates"): a chain to the provider's
 * root says who issued it, not for what. The rules are those every real
 * leaf we know meets (GCE 2024 and legacy EK/AK, Azure vTPM AK, swtpm_setup).
 */
#ifndef POC_X509_PURPOSE_H
#define POC_X509_PURPOSE_H

#include <openssl/x509.h>

#include "verr.h"

/*
 * An EK certificate (TCG EK Credential Profile): not a CA (no basicConstraints
 * CA:TRUE, no keyCertSign or cRLSign), keyUsage present with keyEncipherment
 * for an RSA key or keyAgreement for an EC key (an EK decrypts credentials;
 * a signing key's certificate is not one), and, when an extendedKeyUsage is
 * present, it lists tcg-kp-EKCertificate (2.23.133.8.1).
 * POC_ERR_POLICY naming the rule that fails.
 */
int poc_x509_check_ek_leaf(struct poc_err *e, X509 *cert);

/*
 * An AK certificate: not a CA, keyUsage present with digitalSignature (an AK
 * signs quotes). POC_ERR_POLICY naming the rule that fails.
 */
int poc_x509_check_ak_leaf(struct poc_err *e, X509 *cert);

#endif
