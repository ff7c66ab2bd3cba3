/* SPDX-License-Identifier: Apache-2.0 */
/* Purpose checks of provider leaf certificates: EK and AK profiles. */
#include "x509_purpose.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#define TCG_KP_EK_CERTIFICATE "2.23.133.8.1"
#define ANY_EKU "2.5.29.37.0"

/* Not a CA, readable extensions, a keyUsage: what both roles share. */
static int leaf_common(struct poc_err *e, X509 *cert, const char *role, uint32_t *ku)
{
	uint32_t flags = X509_get_extension_flags(cert);

	if (flags & EXFLAG_INVALID)
		return poc_err_set(e, POC_ERR_POLICY, "%s certificate: malformed extensions", role);
	if ((flags & EXFLAG_CA) || X509_check_ca(cert) == 4)
		return poc_err_set(e, POC_ERR_POLICY, "%s certificate: is a CA certificate, not a %s leaf", role, role);
	if (!(flags & EXFLAG_KUSAGE))
		return poc_err_set(e, POC_ERR_POLICY, "%s certificate: has no keyUsage", role);
	*ku = X509_get_key_usage(cert);
	if (*ku & (KU_KEY_CERT_SIGN | KU_CRL_SIGN))
		return poc_err_set(e, POC_ERR_POLICY, "%s certificate: keyUsage allows certificate or CRL signing", role);
	return 0;
}

/* An extendedKeyUsage, when present, lists the TCG EK purpose (or any purpose). */
static int ek_eku(struct poc_err *e, X509 *cert)
{
	EXTENDED_KEY_USAGE *eku;
	int crit = 0, found = 0;

	eku = X509_get_ext_d2i(cert, NID_ext_key_usage, &crit, NULL);
	if (eku == NULL)
		return crit == -1 ? 0 : poc_err_set(e, POC_ERR_POLICY, "EK certificate: unreadable extendedKeyUsage");
	for (int i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
		char oid[64];

		if (OBJ_obj2txt(oid, sizeof(oid), sk_ASN1_OBJECT_value(eku, i), 1) > 0 &&
		    (strcmp(oid, TCG_KP_EK_CERTIFICATE) == 0 || strcmp(oid, ANY_EKU) == 0))
			found = 1;
	}
	EXTENDED_KEY_USAGE_free(eku);
	return found ? 0
		     : poc_err_set(e, POC_ERR_POLICY,
				   "EK certificate: extendedKeyUsage lacks tcg-kp-EKCertificate (" TCG_KP_EK_CERTIFICATE ")");
}

int poc_x509_check_ek_leaf(struct poc_err *e, X509 *cert)
{
	EVP_PKEY *pk;
	uint32_t ku;
	int type;

	if (cert == NULL)
		return poc_err_set(e, POC_ERR_ARG, "EK certificate: none");
	if (leaf_common(e, cert, "EK", &ku) < 0)
		return -1;
	pk = X509_get0_pubkey(cert);
	type = pk != NULL ? EVP_PKEY_get_base_id(pk) : EVP_PKEY_NONE;
	if (type == EVP_PKEY_RSA && !(ku & KU_KEY_ENCIPHERMENT))
		return poc_err_set(e, POC_ERR_POLICY, "EK certificate: an RSA EK without keyUsage keyEncipherment "
				   "(a signing key's certificate is not an EK certificate)");
	if (type == EVP_PKEY_EC && !(ku & KU_KEY_AGREEMENT))
		return poc_err_set(e, POC_ERR_POLICY, "EK certificate: an EC EK without keyUsage keyAgreement "
				   "(a signing key's certificate is not an EK certificate)");
	if (type != EVP_PKEY_RSA && type != EVP_PKEY_EC)
		return poc_err_set(e, POC_ERR_POLICY, "EK certificate: the key is neither RSA nor EC");
	return ek_eku(e, cert);
}

int poc_x509_check_ak_leaf(struct poc_err *e, X509 *cert)
{
	uint32_t ku;

	if (cert == NULL)
		return poc_err_set(e, POC_ERR_ARG, "AK certificate: none");
	if (leaf_common(e, cert, "AK", &ku) < 0)
		return -1;
	if (!(ku & KU_DIGITAL_SIGNATURE))
		return poc_err_set(e, POC_ERR_POLICY, "AK certificate: keyUsage lacks digitalSignature (an AK signs quotes)");
	return 0;
}
