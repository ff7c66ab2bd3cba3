/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Intel DCAP collateral for TDX, verified: the TCB Info and QE Identity
 * signatures over the exact JSON bytes, the issuer chains to the Intel SGX
 * Root CA, the Root CA and PCK CRLs, validity at a pinned time; the
 * collateral's lifetime and accessors. Parsing is collateral_parse.c.
 */
#include "collateral_int.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "ecdsa_sig.h"
#include "hex.h"
#include "x509.h"

/* ---- signatures, chains, CRLs ------------------------------------------ */

/* Raw r||s ECDSA P-256 over SHA-256(msg), Intel's collateral signature format. */
static int verify_raw_sig(struct poc_err *e, const char *what, X509 *signer, const uint8_t *msg,
			  size_t len, const uint8_t *sig, size_t siglen)
{
	EVP_PKEY *pk = X509_get0_pubkey(signer);
	int v;
	char name[64];

	if (siglen != 64)
		return poc_err_set(e, POC_ERR_MALFORMED, "%s signature is %zu bytes, want 64 (r||s)", what,
				   siglen);
	if (pk == NULL || EVP_PKEY_get_base_id(pk) != EVP_PKEY_EC ||
	    !EVP_PKEY_get_utf8_string_param(pk, "group", name, sizeof(name), NULL) ||
	    strcmp(name, "prime256v1") != 0)
		return poc_err_ssl(e, POC_ERR_UNSUPPORTED, "%s signing key is not ECDSA P-256", what);
	v = poc_ecdsa_verify_raw(pk, EVP_sha256(), sig, siglen, msg, len);
	if (v < 0)
		return poc_err_ssl(e, POC_ERR_NOMEM, "%s signature", what);
	if (v == 0)
		return poc_err_ssl(e, POC_ERR_SIGNATURE, "%s signature does not verify with its signing certificate",
				   what);
	return 0;
}

static X509_CRL *load_crl(struct poc_err *e, const char *what, const uint8_t *buf, size_t len)
{
	X509_CRL *crl = NULL;

	if (buf == NULL || len == 0 || len > POC_COLLATERAL_MAX_FILE) {
		poc_err_set(e, POC_ERR_ARG, "%s CRL missing", what);
		return NULL;
	}
	if (len >= 10 && memmem(buf, len, "-----BEGIN", 10) != NULL) {
		BIO *b = BIO_new_mem_buf(buf, (int)len);

		if (b != NULL)
			crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL);
		BIO_free(b);
	} else {
		const unsigned char *p = buf;

		crl = d2i_X509_CRL(NULL, &p, (long)len);
		if (crl != NULL && p != buf + len) {
			X509_CRL_free(crl);
			crl = NULL;
		}
	}
	if (crl == NULL)
		poc_err_ssl(e, POC_ERR_MALFORMED, "%s CRL is not a DER or PEM CRL", what);
	return crl;
}

static int check_window(struct poc_err *e, const char *what, int64_t from, int64_t to, int64_t at)
{
	if (at < from)
		return poc_err_set(e, POC_ERR_EXPIRED, "%s not yet valid at %lld (issued %lld)", what,
				   (long long)at, (long long)from);
	if (at > to)
		return poc_err_set(e, POC_ERR_EXPIRED, "%s expired at %lld (nextUpdate %lld, verifying at %lld)",
				   what, (long long)to, (long long)to, (long long)at);
	return 0;
}

/* Seconds since 1970 through OpenSSL's own time arithmetic (ASN1_TIME_diff from the epoch). */
static int asn1_time_unix(const ASN1_TIME *t, int64_t *out)
{
	ASN1_TIME *epoch;
	int days = 0, secs = 0, ok;

	if (t == NULL || (epoch = ASN1_TIME_set(NULL, 0)) == NULL)
		return -1;
	ok = ASN1_TIME_diff(&days, &secs, epoch, t);
	ASN1_TIME_free(epoch);
	if (!ok)
		return -1;
	*out = (int64_t)days * 86400 + secs;
	return 0;
}

static int check_crl_window(struct poc_err *e, const char *what, X509_CRL *crl, int64_t at)
{
	int64_t from, to;

	if (asn1_time_unix(X509_CRL_get0_lastUpdate(crl), &from) < 0)
		return poc_err_set(e, POC_ERR_MALFORMED, "%s CRL has no valid thisUpdate", what);
	/* Intel's CRLs always carry nextUpdate; without one there is no freshness bound. */
	if (asn1_time_unix(X509_CRL_get0_nextUpdate(crl), &to) < 0)
		return poc_err_set(e, POC_ERR_MALFORMED, "%s CRL has no nextUpdate", what);
	return check_window(e, what, from, to, at);
}

int poc_crl_check_cert(struct poc_err *e, X509_CRL *crl, X509 *cert, const char *what)
{
	X509_REVOKED *rev = NULL;
	char hex[80] = "", subj[256];
	const ASN1_INTEGER *sn;

	if (crl == NULL || cert == NULL)
		return poc_err_set(e, POC_ERR_ARG, "%s revocation check needs a CRL and a certificate", what);
	/* QVL 4.1.2.4.6: the CRL issuer must be the certificate's issuer. */
	if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_issuer_name(cert)) != 0) {
		poc_x509_subject(cert, subj, sizeof(subj));
		return poc_err_set(e, POC_ERR_MISMATCH, "%s CRL is for another CA than the issuer of \"%s\"",
				   what, subj);
	}
	if (X509_CRL_get0_by_cert(crl, &rev, cert) == 1) {
		sn = X509_get0_serialNumber(cert);
		if (sn != NULL && sn->length > 0 && sn->length <= 32)
			poc_hex_encode(sn->data, (size_t)sn->length, hex);
		poc_x509_subject(cert, subj, sizeof(subj));
		return poc_err_set(e, POC_ERR_REVOKED, "%s certificate serial %s revoked (\"%s\")", what, hex,
				   subj);
	}
	return 0;
}

/* The root among intel_roots that issued crl, verified by its signature. */
static X509 *crl_root(STACK_OF(X509) *roots, X509_CRL *crl)
{
	for (int i = 0; i < sk_X509_num(roots); i++) {
		X509 *r = sk_X509_value(roots, i);

		if (X509_NAME_cmp(X509_get_subject_name(r), X509_CRL_get_issuer(crl)) == 0 &&
		    X509_CRL_verify(crl, X509_get0_pubkey(r)) == 1)
			return r;
	}
	ERR_clear_error();
	return NULL;
}

static int verify_doc(struct poc_err *e, struct poc_collateral *c, int tcb, const uint8_t *json,
		      size_t len, const uint8_t *sig, size_t siglen, const uint8_t *chain, size_t chainlen,
		      STACK_OF(X509) *roots, int64_t at)
{
	const char *what = tcb ? "TCB Info" : "QE Identity";
	STACK_OF(X509) *certs = NULL;
	struct json_object *o;
	uint8_t wsig[64];
	size_t off, n;
	int has_sig, rv = -1;
	X509 *signer;

	if (json == NULL || len == 0)
		return poc_err_set(e, POC_ERR_ARG, "%s missing", what);
	o = poc_collateral_load_signed_json(e, what, tcb ? "tcbInfo" : "enclaveIdentity", json, len, &off, &n,
					    wsig, &has_sig);
	if (o == NULL)
		return -1;
	if (tcb ? poc_tcb_info_from_json(e, o, &c->tcb) < 0 : poc_qe_identity_from_json(e, o, &c->qe) < 0)
		goto done;
	signer = poc_collateral_signer(e, what, POC_SIGNER_TCB, chain, chainlen, roots, c->root_crl, at, &certs);
	if (signer == NULL)
		goto done;
	if (sig == NULL || siglen == 0) {
		if (!has_sig) {
			poc_err_set(e, POC_ERR_ARG, "%s signature missing", what);
			goto done;
		}
		sig = wsig;
		siglen = 64;
	}
	if (verify_raw_sig(e, what, signer, json + off, n, sig, siglen) < 0)
		goto done;
	if (tcb ? check_window(e, what, c->tcb.issue_date, c->tcb.next_update, at) < 0
		: check_window(e, what, c->qe.issue_date, c->qe.next_update, at) < 0)
		goto done;
	rv = 0;
done:
	sk_X509_pop_free(certs, X509_free);
	json_object_put(o);
	return rv;
}

int poc_collateral_verify(struct poc_err *e, const struct poc_collateral_files *f,
			  STACK_OF(X509) *intel_roots, int64_t at, struct poc_collateral **out)
{
	struct poc_collateral *c;
	STACK_OF(X509) *pck_certs = NULL;
	X509 *pck_ca;
	int rv = -1;

	if (out != NULL)
		*out = NULL;
	if (f == NULL || out == NULL || intel_roots == NULL || sk_X509_num(intel_roots) == 0)
		return poc_err_set(e, POC_ERR_ARG, "collateral verification needs files and Intel roots");
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "collateral");
	c->has_tcb = c->has_qe = 1;

	/* Root CA CRL first: the other checks consult it. */
	c->root_crl = load_crl(e, "Root CA", f->root_ca_crl, f->root_ca_crl_len);
	if (c->root_crl == NULL)
		goto done;
	if (crl_root(intel_roots, c->root_crl) == NULL) {
		poc_err_set(e, POC_ERR_SIGNATURE, "Root CA CRL is not signed by a trusted Intel root");
		goto done;
	}
	if (check_crl_window(e, "Root CA CRL", c->root_crl, at) < 0)
		goto done;

	c->pck_crl = load_crl(e, "PCK", f->pck_crl, f->pck_crl_len);
	if (c->pck_crl == NULL)
		goto done;
	pck_ca = poc_collateral_signer(e, "PCK CRL", POC_SIGNER_CRL, f->pck_crl_chain, f->pck_crl_chain_len,
				       intel_roots, c->root_crl, at, &pck_certs);
	if (pck_ca == NULL)
		goto done;
	if (X509_NAME_cmp(X509_get_subject_name(pck_ca), X509_CRL_get_issuer(c->pck_crl)) != 0) {
		poc_err_set(e, POC_ERR_MISMATCH, "PCK CRL issuer is not the first certificate of its issuer chain");
		goto done;
	}
	if (X509_CRL_verify(c->pck_crl, X509_get0_pubkey(pck_ca)) != 1) {
		poc_err_ssl(e, POC_ERR_SIGNATURE, "PCK CRL signature does not verify with its issuer");
		goto done;
	}
	if (check_crl_window(e, "PCK CRL", c->pck_crl, at) < 0)
		goto done;

	if (verify_doc(e, c, 1, f->tcb_info, f->tcb_info_len, f->tcb_info_sig, f->tcb_info_sig_len,
		       f->tcb_info_chain, f->tcb_info_chain_len, intel_roots, at) < 0)
		goto done;
	if (verify_doc(e, c, 0, f->qe_identity, f->qe_identity_len, f->qe_identity_sig,
		       f->qe_identity_sig_len, f->qe_identity_chain, f->qe_identity_chain_len, intel_roots, at) < 0)
		goto done;
	*out = c;
	c = NULL;
	rv = 0;
done:
	sk_X509_pop_free(pck_certs, X509_free);
	poc_collateral_free(c);
	return rv;
}

int poc_collateral_check_pck(struct poc_err *e, const struct poc_collateral *c, X509 *pck_leaf,
			     X509 *pck_issuer)
{
	if (c == NULL || c->pck_crl == NULL || c->root_crl == NULL || pck_leaf == NULL)
		return poc_err_set(e, POC_ERR_ARG, "PCK revocation check needs verified collateral and a PCK");
	/* QVL 4.1.2.4.6: compares the CRL issuer with the PCK's issuer name. */
	if (X509_NAME_cmp(X509_CRL_get_issuer(c->pck_crl), X509_get_issuer_name(pck_leaf)) != 0 ||
	    (pck_issuer != NULL &&
	     X509_NAME_cmp(X509_CRL_get_issuer(c->pck_crl), X509_get_subject_name(pck_issuer)) != 0))
		return poc_err_set(e, POC_ERR_MISMATCH, "PCK CRL is for another CA than the PCK's issuer");
	/* Same name is not enough: the CRL must be signed by the very CA that issued the PCK. */
	if (pck_issuer != NULL && X509_CRL_verify(c->pck_crl, X509_get0_pubkey(pck_issuer)) != 1) {
		ERR_clear_error();
		return poc_err_set(e, POC_ERR_SIGNATURE, "PCK CRL is not signed by the CA that issued the PCK");
	}
	if (poc_crl_check_cert(e, c->pck_crl, pck_leaf, "PCK") < 0)
		return -1;
	if (pck_issuer != NULL && poc_crl_check_cert(e, c->root_crl, pck_issuer, "PCK CA (Root CA CRL)") < 0)
		return -1;
	return 0;
}

/* ---- lifetime and accessors ------------------------------------------ */

static void free_isv_levels(struct poc_isv_level *l, size_t n)
{
	for (size_t i = 0; l != NULL && i < n; i++)
		free(l[i].advisories);
	free(l);
}

static void tcb_info_clear(struct poc_tcb_info *t)
{
	for (size_t i = 0; t->levels != NULL && i < t->nlevels; i++)
		free(t->levels[i].advisories);
	free(t->levels);
	for (size_t i = 0; t->modules != NULL && i < t->nmodules; i++)
		free_isv_levels(t->modules[i].levels, t->modules[i].nlevels);
	free(t->modules);
	memset(t, 0, sizeof(*t));
}

static void qe_identity_clear(struct poc_qe_identity *q)
{
	free_isv_levels(q->levels, q->nlevels);
	memset(q, 0, sizeof(*q));
}

void poc_collateral_free(struct poc_collateral *c)
{
	if (c == NULL)
		return;
	tcb_info_clear(&c->tcb);
	qe_identity_clear(&c->qe);
	X509_CRL_free(c->pck_crl);
	X509_CRL_free(c->root_crl);
	free(c);
}

const struct poc_tcb_info *poc_collateral_tcb_info(const struct poc_collateral *c)
{
	return c != NULL && c->has_tcb && c->tcb.version == 3 ? &c->tcb : NULL;
}

const struct poc_qe_identity *poc_collateral_qe_identity(const struct poc_collateral *c)
{
	return c != NULL && c->has_qe && c->qe.version == 2 ? &c->qe : NULL;
}

const char *poc_collateral_fmspc_hex(const struct poc_collateral *c)
{
	return c != NULL ? c->tcb.fmspc_hex : "";
}

const char *poc_collateral_pceid_hex(const struct poc_collateral *c)
{
	return c != NULL ? c->tcb.pceid_hex : "";
}

int64_t poc_collateral_tcb_issue_date(const struct poc_collateral *c)
{
	return c != NULL ? c->tcb.issue_date : 0;
}

int64_t poc_collateral_tcb_next_update(const struct poc_collateral *c)
{
	return c != NULL ? c->tcb.next_update : 0;
}

int poc_collateral_tcb_eval_number(const struct poc_collateral *c)
{
	return c != NULL ? c->tcb.eval_number : 0;
}

int64_t poc_collateral_qe_issue_date(const struct poc_collateral *c)
{
	return c != NULL ? c->qe.issue_date : 0;
}

int64_t poc_collateral_qe_next_update(const struct poc_collateral *c)
{
	return c != NULL ? c->qe.next_update : 0;
}

int poc_collateral_qe_eval_number(const struct poc_collateral *c)
{
	return c != NULL ? c->qe.eval_number : 0;
}
