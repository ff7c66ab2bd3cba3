/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who may sign DCAP collateral. As Intel's QVL does (TCBSigningChain.cpp,
 * PckCrlVerifier): the TCB Info and the QE Identity are signed by the TCB
 * Signing certificate, issued directly by the pinned root, named "Intel SGX
 * TCB Signing" with the root's organization, a signing key that is no CA;
 * the PCK CRL by a CA issued directly by the root with cRLSign (and, at
 * revocation time, the very CA that issued the PCK: collateral.c). Anything
 * else under the root (a PCK leaf whose key was extracted, a certificate an
 * intermediate issued with the right name) signs nothing here.
 */
#include "collateral_int.h"

#include <string.h>

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "x509.h"

#define TCB_SIGNING_CN "Intel SGX TCB Signing"

/* The one entry nid of name as UTF-8 into buf; -1 when there is none, several, or a NUL in it. */
static int one_entry(const X509_NAME *name, int nid, char *buf, size_t len)
{
	int i = X509_NAME_get_index_by_NID(name, nid, -1);
	unsigned char *u = NULL;
	int n;

	if (i < 0 || X509_NAME_get_index_by_NID(name, nid, i) >= 0)
		return -1;
	n = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
	if (n < 0 || (size_t)n >= len || memchr(u, '\0', (size_t)n) != NULL) {
		OPENSSL_free(u);
		return -1;
	}
	memcpy(buf, u, (size_t)n);
	buf[n] = '\0';
	OPENSSL_free(u);
	return 0;
}

/* CN "Intel SGX TCB Signing", O that of root; digitalSignature or nonRepudiation, no CA, no cert/CRL signing. */
static int check_tcb_signer(struct poc_err *e, const char *what, X509 *signer, X509 *root, const char *subj)
{
	char cn[128], o[128], ro[128];
	uint32_t ku = X509_get_key_usage(signer);

	if (one_entry(X509_get_subject_name(root), NID_organizationName, ro, sizeof(ro)) < 0)
		return poc_err_set(e, POC_ERR_CHAIN, "%s: the root has no single organization name", what);
	if (one_entry(X509_get_subject_name(signer), NID_commonName, cn, sizeof(cn)) < 0 ||
	    one_entry(X509_get_subject_name(signer), NID_organizationName, o, sizeof(o)) < 0 ||
	    strcmp(cn, TCB_SIGNING_CN) != 0 || strcmp(o, ro) != 0)
		return poc_err_set(e, POC_ERR_CHAIN,
				   "%s is signed by \"%s\", not the TCB Signing certificate (CN \"%s\", O \"%s\")", what,
				   subj, TCB_SIGNING_CN, ro);
	/* EXFLAG_CA: basicConstraints CA:TRUE, whatever the key usage says (X509_check_ca would miss that). */
	if ((X509_get_extension_flags(signer) & (EXFLAG_INVALID | EXFLAG_CA)) != 0 || ku == UINT32_MAX ||
	    (ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) == 0 || (ku & (KU_KEY_CERT_SIGN | KU_CRL_SIGN)) != 0 ||
	    X509_check_ca(signer) != 0)
		return poc_err_set(e, POC_ERR_CHAIN,
				   "%s signer \"%s\" is not a signing certificate (key usage digitalSignature/nonRepudiation, "
				   "not a CA)", what, subj);
	return 0;
}

static int check_crl_signer(struct poc_err *e, const char *what, X509 *signer, const char *subj)
{
	uint32_t ku = X509_get_key_usage(signer);

	if ((X509_get_extension_flags(signer) & EXFLAG_INVALID) != 0 || (X509_get_extension_flags(signer) & EXFLAG_CA) == 0 ||
	    X509_check_ca(signer) != 1 ||
	    ku == UINT32_MAX || (ku & KU_CRL_SIGN) == 0)
		return poc_err_set(e, POC_ERR_CHAIN, "%s signer \"%s\" is not a CA with cRLSign", what, subj);
	return 0;
}

X509 *poc_collateral_signer(struct poc_err *e, const char *what, enum poc_coll_signer kind, const uint8_t *pem,
			    size_t len, STACK_OF(X509) *roots, X509_CRL *root_crl, int64_t at, STACK_OF(X509) **keep)
{
	STACK_OF(X509) *certs, *chain = NULL, *none = NULL;
	X509 *signer, *out = NULL;
	char subj[256];

	if (pem == NULL || len == 0) {
		poc_err_set(e, POC_ERR_ARG, "%s issuer chain missing", what);
		return NULL;
	}
	certs = poc_x509_load(e, pem, len);
	if (certs == NULL) {
		poc_err_prefix(e, "%s issuer chain: ", what);
		return NULL;
	}
	signer = sk_X509_value(certs, 0);
	poc_x509_subject(signer, subj, sizeof(subj));
	/* No intermediates: what the chain file adds after the signer is never used. */
	none = sk_X509_new_null();
	if (none == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "%s issuer chain", what);
		goto done;
	}
	if (poc_x509_chain_verify(e, signer, none, roots, at, &chain) < 0) {
		poc_err_prefix(e, "%s signer \"%s\" is not issued directly by the trusted root: ", what, subj);
		goto done;
	}
	if (sk_X509_num(chain) != 2) {
		poc_err_set(e, POC_ERR_CHAIN, "%s signer \"%s\" is a trust anchor, not a certificate it issued", what,
			    subj);
		goto done;
	}
	if (kind == POC_SIGNER_TCB ? check_tcb_signer(e, what, signer, sk_X509_value(chain, 1), subj) < 0
				   : check_crl_signer(e, what, signer, subj) < 0)
		goto done;
	/* The Root CA CRL is the root's: the signer must be the root's and not listed in it. */
	if (X509_NAME_cmp(X509_get_issuer_name(signer), X509_CRL_get_issuer(root_crl)) != 0) {
		poc_err_set(e, POC_ERR_MISMATCH, "%s signer \"%s\" is under another root than the Root CA CRL's", what,
			    subj);
		goto done;
	}
	if (poc_crl_check_cert(e, root_crl, signer, "Root CA CRL:") < 0) {
		poc_err_prefix(e, "%s issuer chain: ", what);
		goto done;
	}
	out = signer;
	*keep = certs;
	certs = NULL;
done:
	sk_X509_free(none);
	sk_X509_pop_free(chain, X509_free);
	sk_X509_pop_free(certs, X509_free);
	return out;
}
