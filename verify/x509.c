/* SPDX-License-Identifier: Apache-2.0 */
#include "x509.h"

#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <openssl/err.h>

STACK_OF(X509) *poc_x509_load(struct poc_err *e, const uint8_t *buf, size_t len)
{
	STACK_OF(X509) *out = sk_X509_new_null();
	X509 *c;
	BIO *bio;

	if (out == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "certificate list");
		return NULL;
	}
	if (len > INT32_MAX) {
		sk_X509_free(out);
		poc_err_set(e, POC_ERR_MALFORMED, "certificate input too large");
		return NULL;
	}
	if (len >= 10 && memmem(buf, len, "-----BEGIN", 10) != NULL) {
		bio = BIO_new_mem_buf(buf, (int)len);
		if (bio == NULL)
			goto nomem;
		while ((c = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
			if (!sk_X509_push(out, c)) {
				X509_free(c);
				BIO_free(bio);
				goto nomem;
			}
		}
		BIO_free(bio);
		ERR_clear_error(); /* the loop ends on "no start line" */
	} else {
		const uint8_t *p = buf;

		c = d2i_X509(NULL, &p, (long)len);
		if (c != NULL && p != buf + len) {
			X509_free(c);
			c = NULL;
		}
		if (c == NULL) {
			sk_X509_free(out);
			poc_err_ssl(e, POC_ERR_MALFORMED, "not a PEM or DER certificate");
			return NULL;
		}
		if (!sk_X509_push(out, c)) {
			X509_free(c);
			goto nomem;
		}
	}
	if (sk_X509_num(out) == 0) {
		sk_X509_free(out);
		poc_err_set(e, POC_ERR_MALFORMED, "no certificate in PEM input");
		return NULL;
	}
	return out;
nomem:
	sk_X509_pop_free(out, X509_free);
	poc_err_set(e, POC_ERR_NOMEM, "certificate list");
	return NULL;
}

void poc_x509_subject(const X509 *c, char *buf, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;

	if (len == 0)
		return;
	buf[0] = '\0';
	if (b == NULL)
		return;
	if (X509_NAME_print_ex(b, X509_get_subject_name(c), 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		n = BIO_get_mem_data(b, &p);
		if (n > 0) {
			if ((size_t)n >= len)
				n = (long)len - 1;
			memcpy(buf, p, (size_t)n);
			buf[n] = '\0';
		}
	}
	BIO_free(b);
}

int poc_x509_chain_verify(struct poc_err *e, X509 *leaf, STACK_OF(X509) *intermediates,
			  STACK_OF(X509) *roots, int64_t at, STACK_OF(X509) **chain_out)
{
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	X509_VERIFY_PARAM *param;
	int rv = -1, i, verr;
	char subj[256];

	if (leaf == NULL || roots == NULL || sk_X509_num(roots) == 0)
		return poc_err_set(e, POC_ERR_ARG, "chain verification needs a leaf and trust anchors");
	store = X509_STORE_new();
	ctx = X509_STORE_CTX_new();
	if (store == NULL || ctx == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "X509 store");
		goto done;
	}
	for (i = 0; i < sk_X509_num(roots); i++) {
		if (!X509_STORE_add_cert(store, sk_X509_value(roots, i))) {
			poc_err_ssl(e, POC_ERR_CRYPTO, "adding a trust anchor");
			goto done;
		}
	}
	if (!X509_STORE_CTX_init(ctx, store, leaf, intermediates)) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "X509_STORE_CTX_init");
		goto done;
	}
	param = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_time(param, (time_t)at);
	/*
	 * TPM EK certificates carry a critical SubjectAltName (TPM manufacturer
	 * attributes) and policy OIDs; OpenSSL handles both. No purpose is set:
	 * EK/AK/PCK certificates are not TLS certificates.
	 */
	if (X509_verify_cert(ctx) != 1) {
		X509 *bad = X509_STORE_CTX_get_current_cert(ctx);

		verr = X509_STORE_CTX_get_error(ctx);
		poc_x509_subject(bad != NULL ? bad : leaf, subj, sizeof(subj));
		poc_err_set(e, (verr == X509_V_ERR_CERT_HAS_EXPIRED || verr == X509_V_ERR_CERT_NOT_YET_VALID)
				       ? POC_ERR_EXPIRED : POC_ERR_CHAIN,
			    "certificate \"%s\" (depth %d): %s", subj,
			    X509_STORE_CTX_get_error_depth(ctx), X509_verify_cert_error_string(verr));
		ERR_clear_error();
		goto done;
	}
	if (chain_out != NULL) {
		*chain_out = X509_STORE_CTX_get1_chain(ctx);
		if (*chain_out == NULL) {
			poc_err_set(e, POC_ERR_NOMEM, "certificate chain");
			goto done;
		}
	}
	rv = 0;
done:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return rv;
}
