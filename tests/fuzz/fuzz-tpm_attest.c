/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for verify/tpm_attest.c and verify/gce_ext.c. The whole
 * input goes to every parser on its own (so the raw real vectors are useful
 * seeds); then it is read as attest || sig || public, split where the MU
 * unmarshallers stop, and the full verification chain runs on the pieces.
 */
#include <stdint.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <tss2/tss2_mu.h>

#include "gce_ext.h"
#include "pcrs.h"
#include "tpm_attest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void gce(const uint8_t *data, size_t size)
{
	struct poc_err e = { 0 };
	struct poc_gce_info g;
	X509 *c = X509_new();
	ASN1_OBJECT *oid = OBJ_txt2obj(POC_GCE_OID, 1);
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	X509_EXTENSION *ext = NULL;

	/* An unsigned certificate is enough: the parser reads the extension only. */
	if (c != NULL && oid != NULL && os != NULL && size < 1u << 20 &&
	    ASN1_OCTET_STRING_set(os, data, (int)size) == 1 &&
	    (ext = X509_EXTENSION_create_by_OBJ(NULL, oid, 0, os)) != NULL && X509_add_ext(c, ext, -1) == 1)
		(void)poc_gce_info_get(&e, c, &g);
	X509_EXTENSION_free(ext);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(oid);
	X509_free(c);
}

static void quote(const uint8_t *a, size_t alen, const uint8_t *s, size_t slen, EVP_PKEY *key)
{
	struct poc_err e = { 0 };
	struct poc_tpm_quote q;
	struct poc_pcrs pcrs = { 0 };
	char sum[512];
	static const uint16_t algs[] = { TPM2_ALG_SHA1, TPM2_ALG_SHA256, TPM2_ALG_SHA384, TPM2_ALG_SHA512 };

	if (poc_tpm_quote_parse(&e, a, alen, s, slen, &q) < 0)
		return;
	poc_tpm_quote_summary(&q, sum, sizeof(sum));
	poc_tpm_quote_summary(&q, sum, 7);
	(void)poc_tpm_quote_check_nonce(&e, &q, (const uint8_t *)"\x90\x09", 2);
	poc_err_clear(&e);
	(void)poc_tpm_quote_check_nonce(&e, &q, NULL, 0);
	/* Every PCR of every bank present, all zero: reaches the digest compare. */
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		poc_pcrs_bank(&pcrs, algs[i], 1)->mask = 0xffffff;
	poc_err_clear(&e);
	(void)poc_tpm_quote_check_pcrs(&e, &q, &pcrs);
	pcrs.nbanks = 1;
	poc_err_clear(&e);
	(void)poc_tpm_quote_check_pcrs(&e, &q, &pcrs);
	if (key != NULL) {
		poc_err_clear(&e);
		(void)poc_tpm_quote_verify_sig(&e, a, alen, &q.sig, key);
	}
}

static EVP_PKEY *pub(const uint8_t *p, size_t len)
{
	struct poc_err e = { 0 };
	uint8_t name[POC_TPM_NAME_MAX];
	size_t nlen;
	TPMT_PUBLIC t;

	if (poc_tpm_pub_parse(&e, p, len, &t) < 0)
		return NULL;
	(void)poc_tpm_pub_name(&e, &t, name, &nlen);
	poc_err_clear(&e);
	return poc_tpm_pub_to_pkey(&e, &t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	TPMS_ATTEST at;
	TPMT_SIGNATURE sg;
	size_t aoff = 0, soff = 0;
	EVP_PKEY *k;

	/* Whole input, each parser. */
	EVP_PKEY_free(pub(data, size));
	quote(data, size, data, size, NULL);
	gce(data, size);

	/* attest || sig || public. */
	if (Tss2_MU_TPMS_ATTEST_Unmarshal(data, size, &aoff, &at) == TSS2_RC_SUCCESS &&
	    Tss2_MU_TPMT_SIGNATURE_Unmarshal(data + aoff, size - aoff, &soff, &sg) == TSS2_RC_SUCCESS) {
		k = pub(data + aoff + soff, size - aoff - soff);
		quote(data, aoff, data + aoff, soff, k);
		EVP_PKEY_free(k);
	}
	ERR_clear_error();
	return 0;
}
