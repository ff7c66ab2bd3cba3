/* SPDX-License-Identifier: Apache-2.0 */
/* TPM 2.0 quote verification: AK public area, signature, nonce and pcrDigest. */
#include "tpm_attest.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <tss2/tss2_mu.h>

#include "ecdsa_sig.h"
#include "hex.h"

/* Longest stretch of a nonce quoted in an error message, in bytes. */
#define NONCE_SHOW_MAX 32

int poc_tpm_pub_parse(struct poc_err *e, const uint8_t *buf, size_t len, TPMT_PUBLIC *out)
{
	size_t off = 0, start = 0, body = len;
	TSS2_RC rc;

	if (buf == NULL || out == NULL)
		return poc_err_set(e, POC_ERR_ARG, "tpm public: no input");
	/*
	 * A TPMT_PUBLIC begins with its type (0x0001, 0x0023...), never with a
	 * size equal to the rest, so the prefix test cannot misread one.
	 */
	if (len >= 2 && (((size_t)buf[0] << 8) | buf[1]) == len - 2) {
		start = 2;
		body = len - 2;
	}
	memset(out, 0, sizeof(*out));
	rc = Tss2_MU_TPMT_PUBLIC_Unmarshal(buf + start, body, &off, out);
	if (rc != TSS2_RC_SUCCESS)
		return poc_err_set(e, POC_ERR_MALFORMED,
				   "tpm public: TPMT_PUBLIC does not unmarshal (%zu bytes, rc 0x%" PRIx32 ")",
				   body, (uint32_t)rc);
	if (off != body)
		return poc_err_set(e, POC_ERR_MALFORMED, "tpm public: %zu trailing bytes after TPMT_PUBLIC",
				   body - off);
	if (out->type != TPM2_ALG_RSA && out->type != TPM2_ALG_ECC)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "tpm public: key type 0x%04x is not RSA or ECC",
				   out->type);
	return 0;
}

int poc_tpm_pub_name(struct poc_err *e, const TPMT_PUBLIC *pub, uint8_t *name, size_t *name_len)
{
	uint8_t buf[sizeof(TPMT_PUBLIC)];
	const EVP_MD *md;
	unsigned int dlen = 0;
	size_t off = 0;
	TSS2_RC rc;

	md = poc_tpm_alg_md(pub->nameAlg);
	if (md == NULL)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "tpm name: nameAlg 0x%04x is not a supported hash",
				   pub->nameAlg);
	rc = Tss2_MU_TPMT_PUBLIC_Marshal(pub, buf, sizeof(buf), &off);
	if (rc != TSS2_RC_SUCCESS)
		return poc_err_set(e, POC_ERR_MALFORMED, "tpm name: TPMT_PUBLIC does not marshal (rc 0x%" PRIx32 ")",
				   (uint32_t)rc);
	name[0] = (uint8_t)(pub->nameAlg >> 8);
	name[1] = (uint8_t)pub->nameAlg;
	if (EVP_Digest(buf, off, name + 2, &dlen, md, NULL) != 1)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "tpm name: hashing the public area");
	*name_len = 2 + (size_t)dlen;
	return 0;
}

static EVP_PKEY *pkey_fromdata(struct poc_err *e, const char *type, OSSL_PARAM_BLD *bld)
{
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pk = NULL;

	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		poc_err_ssl(e, POC_ERR_MALFORMED, "tpm public: building the %s key", type);
		pk = NULL;
	}
	OSSL_PARAM_free(params);
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

static EVP_PKEY *rsa_pkey(struct poc_err *e, const TPMT_PUBLIC *pub)
{
	const TPMS_RSA_PARMS *p = &pub->parameters.rsaDetail;
	const TPM2B_PUBLIC_KEY_RSA *n = &pub->unique.rsa;
	OSSL_PARAM_BLD *bld = NULL;
	BIGNUM *bn = NULL, *be = NULL;
	EVP_PKEY *pk = NULL;

	if (p->keyBits < 1024 || (size_t)n->size * 8 != p->keyBits) {
		poc_err_set(e, POC_ERR_MALFORMED, "tpm public: RSA modulus of %u bytes for keyBits %u",
			    n->size, p->keyBits);
		return NULL;
	}
	bld = OSSL_PARAM_BLD_new();
	bn = BN_bin2bn(n->buffer, n->size, NULL);
	be = BN_new();
	if (bld == NULL || bn == NULL || be == NULL ||
	    BN_set_word(be, p->exponent == 0 ? 65537 : p->exponent) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) != 1) {
		poc_err_ssl(e, POC_ERR_NOMEM, "tpm public: RSA parameters");
		goto done;
	}
	pk = pkey_fromdata(e, "RSA", bld);
done:
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	return pk;
}

static EVP_PKEY *ecc_pkey(struct poc_err *e, const TPMT_PUBLIC *pub)
{
	const TPMS_ECC_POINT *pt = &pub->unique.ecc;
	uint8_t point[1 + 2 * 66];
	OSSL_PARAM_BLD *bld;
	const char *group;
	EVP_PKEY *pk = NULL;
	size_t flen;

	switch (pub->parameters.eccDetail.curveID) {
	case TPM2_ECC_NIST_P256: group = "P-256"; flen = 32; break;
	case TPM2_ECC_NIST_P384: group = "P-384"; flen = 48; break;
	case TPM2_ECC_NIST_P521: group = "P-521"; flen = 66; break;
	default:
		poc_err_set(e, POC_ERR_UNSUPPORTED, "tpm public: ECC curve 0x%04x is not P-256/384/521",
			    pub->parameters.eccDetail.curveID);
		return NULL;
	}
	if (pt->x.size > flen || pt->y.size > flen) {
		poc_err_set(e, POC_ERR_MALFORMED, "tpm public: ECC point coordinates of %u/%u bytes for %s",
			    pt->x.size, pt->y.size, group);
		return NULL;
	}
	/* The TPM may strip leading zeros; the uncompressed point needs full width. */
	memset(point, 0, sizeof(point));
	point[0] = POINT_CONVERSION_UNCOMPRESSED;
	memcpy(point + 1 + flen - pt->x.size, pt->x.buffer, pt->x.size);
	memcpy(point + 1 + 2 * flen - pt->y.size, pt->y.buffer, pt->y.size);
	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2 * flen) != 1) {
		poc_err_ssl(e, POC_ERR_NOMEM, "tpm public: ECC parameters");
		goto done;
	}
	pk = pkey_fromdata(e, "EC", bld);
done:
	OSSL_PARAM_BLD_free(bld);
	return pk;
}

EVP_PKEY *poc_tpm_pub_to_pkey(struct poc_err *e, const TPMT_PUBLIC *pub)
{
	switch (pub->type) {
	case TPM2_ALG_RSA: return rsa_pkey(e, pub);
	case TPM2_ALG_ECC: return ecc_pkey(e, pub);
	default:
		poc_err_set(e, POC_ERR_UNSUPPORTED, "tpm public: key type 0x%04x is not RSA or ECC", pub->type);
		return NULL;
	}
}

int poc_tpm_pub_matches_cert(struct poc_err *e, const TPMT_PUBLIC *pub, X509 *cert)
{
	EVP_PKEY *tpm, *ck;
	int rv = -1;

	ck = X509_get0_pubkey(cert);
	if (ck == NULL)
		return poc_err_ssl(e, POC_ERR_MALFORMED, "tpm public: certificate public key does not decode");
	tpm = poc_tpm_pub_to_pkey(e, pub);
	if (tpm == NULL)
		return -1;
	if (EVP_PKEY_eq(tpm, ck) != 1)
		poc_err_set(e, POC_ERR_MISMATCH, "tpm public: the certificate's key is not the TPM key");
	else
		rv = 0;
	ERR_clear_error();
	EVP_PKEY_free(tpm);
	return rv;
}

int poc_tpm_quote_parse(struct poc_err *e, const uint8_t *attest, size_t alen, const uint8_t *sig,
			size_t slen, struct poc_tpm_quote *out)
{
	size_t off = 0;
	TSS2_RC rc;

	if (attest == NULL || sig == NULL || out == NULL)
		return poc_err_set(e, POC_ERR_ARG, "tpm quote: no input");
	memset(out, 0, sizeof(*out));
	rc = Tss2_MU_TPMS_ATTEST_Unmarshal(attest, alen, &off, &out->attest);
	if (rc != TSS2_RC_SUCCESS)
		return poc_err_set(e, POC_ERR_MALFORMED,
				   "tpm quote: TPMS_ATTEST does not unmarshal (%zu bytes, rc 0x%" PRIx32 ")",
				   alen, (uint32_t)rc);
	if (off != alen)
		return poc_err_set(e, POC_ERR_MALFORMED, "tpm quote: %zu trailing bytes after TPMS_ATTEST",
				   alen - off);
	if (out->attest.magic != TPM2_GENERATED_VALUE)
		return poc_err_set(e, POC_ERR_MALFORMED, "tpm quote: magic 0x%08" PRIx32 " is not TPM_GENERATED",
				   (uint32_t)out->attest.magic);
	if (out->attest.type != TPM2_ST_ATTEST_QUOTE)
		return poc_err_set(e, POC_ERR_MALFORMED, "tpm quote: attestation type 0x%04x is not a quote",
				   out->attest.type);
	off = 0;
	rc = Tss2_MU_TPMT_SIGNATURE_Unmarshal(sig, slen, &off, &out->sig);
	if (rc != TSS2_RC_SUCCESS)
		return poc_err_set(e, POC_ERR_MALFORMED,
				   "tpm quote: TPMT_SIGNATURE does not unmarshal (%zu bytes, rc 0x%" PRIx32 ")",
				   slen, (uint32_t)rc);
	if (off != slen)
		return poc_err_set(e, POC_ERR_MALFORMED, "tpm quote: %zu trailing bytes after TPMT_SIGNATURE",
				   slen - off);
	return 0;
}

uint16_t poc_tpm_sig_hash_alg(const TPMT_SIGNATURE *sig)
{
	switch (sig->sigAlg) {
	case TPM2_ALG_RSASSA: return sig->signature.rsassa.hash;
	case TPM2_ALG_RSAPSS: return sig->signature.rsapss.hash;
	case TPM2_ALG_ECDSA: return sig->signature.ecdsa.hash;
	default: return TPM2_ALG_NULL;
	}
}

/* DER ECDSA-Sig-Value from the TPM's r and s, for EVP_DigestVerify. */
static int ecdsa_der(struct poc_err *e, const TPMS_SIGNATURE_ECC *s, uint8_t **der, size_t *dlen)
{
	int n = poc_ecdsa_rs_to_der(s->signatureR.buffer, s->signatureR.size, s->signatureS.buffer,
				    s->signatureS.size, der);

	if (n < 0)
		return poc_err_ssl(e, POC_ERR_NOMEM, "tpm quote: ECDSA signature");
	*dlen = (size_t)n;
	return 0;
}

int poc_tpm_quote_verify_sig(struct poc_err *e, const uint8_t *attest, size_t alen,
			     const TPMT_SIGNATURE *sig, EVP_PKEY *ak)
{
	uint16_t halg = poc_tpm_sig_hash_alg(sig);
	const EVP_MD *md = poc_tpm_alg_md(halg);
	const char *ktype = sig->sigAlg == TPM2_ALG_ECDSA ? "EC" : "RSA";
	EVP_MD_CTX *mctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	uint8_t *der = NULL;
	const uint8_t *s;
	size_t slen = 0;
	int rv = -1, vr;

	if (sig->sigAlg != TPM2_ALG_RSASSA && sig->sigAlg != TPM2_ALG_RSAPSS &&
	    sig->sigAlg != TPM2_ALG_ECDSA)
		return poc_err_set(e, POC_ERR_UNSUPPORTED,
				   "tpm quote: signature scheme 0x%04x is not RSASSA, RSAPSS or ECDSA", sig->sigAlg);
	if (md == NULL)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "tpm quote: signature hash 0x%04x is not supported",
				   halg);
	if (ak == NULL || !EVP_PKEY_is_a(ak, ktype))
		return poc_err_set(e, POC_ERR_SIGNATURE, "tpm quote: the AK is not an %s key, as the %s signature needs",
				   ktype, sig->sigAlg == TPM2_ALG_ECDSA ? "ECDSA" : "RSA");
	if (sig->sigAlg == TPM2_ALG_ECDSA) {
		if (ecdsa_der(e, &sig->signature.ecdsa, &der, &slen) < 0)
			return -1;
		s = der;
	} else {
		/* rsassa and rsapss share one layout (TPMS_SIGNATURE_RSA). */
		s = sig->signature.rsassa.sig.buffer;
		slen = sig->signature.rsassa.sig.size;
	}
	mctx = EVP_MD_CTX_new();
	if (mctx == NULL || EVP_DigestVerifyInit(mctx, &pctx, md, NULL, ak) != 1) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "tpm quote: starting signature verification");
		goto done;
	}
	if (sig->sigAlg == TPM2_ALG_RSAPSS &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	     /* TPMs differ (hash length or maximum): take the salt length from the signature. */
	     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) != 1)) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "tpm quote: setting RSA-PSS padding");
		goto done;
	}
	vr = EVP_DigestVerify(mctx, s, slen, attest, alen);
	if (vr != 1) {
		ERR_clear_error();
		poc_err_set(e, POC_ERR_SIGNATURE, "tpm quote: %s/%s signature does not verify with the AK",
			    sig->sigAlg == TPM2_ALG_RSASSA ? "RSASSA" :
			    sig->sigAlg == TPM2_ALG_RSAPSS ? "RSAPSS" : "ECDSA",
			    poc_tpm_alg_name(halg));
		goto done;
	}
	rv = 0;
done:
	EVP_MD_CTX_free(mctx);
	OPENSSL_free(der);
	return rv;
}

int poc_tpm_quote_check_nonce(struct poc_err *e, const struct poc_tpm_quote *q, const uint8_t *nonce,
			      size_t nlen)
{
	const TPM2B_DATA *x = &q->attest.extraData;
	char got[2 * NONCE_SHOW_MAX + 1], want[2 * NONCE_SHOW_MAX + 1];
	size_t gl = x->size < NONCE_SHOW_MAX ? x->size : NONCE_SHOW_MAX;
	size_t wl = nlen < NONCE_SHOW_MAX ? nlen : NONCE_SHOW_MAX;

	if (nlen == x->size && (nlen == 0 || CRYPTO_memcmp(x->buffer, nonce, nlen) == 0))
		return 0;
	poc_hex_encode(x->buffer, gl, got);
	if (nonce != NULL)
		poc_hex_encode(nonce, wl, want);
	else
		want[0] = '\0';
	return poc_err_set(e, POC_ERR_NONCE,
			   "tpm quote: extraData %s%s (%u bytes) is not the nonce %s%s (%zu bytes)", got,
			   gl < x->size ? "..." : "", x->size, want, nonce != NULL && wl < nlen ? "..." : "",
			   nlen);
}

int poc_tpm_quote_check_pcrs(struct poc_err *e, const struct poc_tpm_quote *q,
			     const struct poc_pcrs *pcrs)
{
	const TPML_PCR_SELECTION *sel = &q->attest.attested.quote.pcrSelect;
	const TPM2B_DIGEST *want = &q->attest.attested.quote.pcrDigest;
	uint16_t halg = poc_tpm_sig_hash_alg(&q->sig);
	const EVP_MD *md = poc_tpm_alg_md(halg);
	uint8_t got[EVP_MAX_MD_SIZE];
	unsigned int glen = 0;
	EVP_MD_CTX *mctx = NULL;
	int rv = -1;

	if (md == NULL)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "tpm quote: signature hash 0x%04x cannot hash PCRs",
				   halg);
	if (sel->count > TPM2_NUM_PCR_BANKS)
		return poc_err_set(e, POC_ERR_MALFORMED, "tpm quote: %" PRIu32 " PCR selections", sel->count);
	mctx = EVP_MD_CTX_new();
	if (mctx == NULL || EVP_DigestInit_ex(mctx, md, NULL) != 1) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "tpm quote: hashing PCRs");
		goto done;
	}
	for (uint32_t i = 0; i < sel->count; i++) {
		const TPMS_PCR_SELECTION *s = &sel->pcrSelections[i];
		const struct poc_pcr_bank *b = poc_pcrs_bank_get(pcrs, s->hash);
		size_t dlen = poc_tpm_alg_digest_len(s->hash);
		const char *bname = poc_tpm_alg_name(s->hash);

		if (dlen == 0) {
			poc_err_set(e, POC_ERR_UNSUPPORTED, "tpm quote: PCR bank 0x%04x is not supported", s->hash);
			goto done;
		}
		if (s->sizeofSelect > TPM2_PCR_SELECT_MAX) {
			poc_err_set(e, POC_ERR_MALFORMED, "tpm quote: PCR select of %u bytes", s->sizeofSelect);
			goto done;
		}
		for (unsigned pcr = 0; pcr < 8u * s->sizeofSelect; pcr++) {
			if (!(s->pcrSelect[pcr / 8] & (1u << (pcr % 8))))
				continue;
			if (pcr >= POC_PCR_COUNT) {
				poc_err_set(e, POC_ERR_UNSUPPORTED, "tpm quote: PCR %s:%u is beyond PCR %d",
					    bname, pcr, POC_PCR_COUNT - 1);
				goto done;
			}
			if (b == NULL || !(b->mask & (1u << pcr))) {
				poc_err_set(e, POC_ERR_MISMATCH,
					    "PCR %s:%u is selected by the quote but not supplied", bname, pcr);
				goto done;
			}
			if (EVP_DigestUpdate(mctx, b->v[pcr], dlen) != 1) {
				poc_err_ssl(e, POC_ERR_CRYPTO, "tpm quote: hashing PCRs");
				goto done;
			}
		}
	}
	if (EVP_DigestFinal_ex(mctx, got, &glen) != 1) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "tpm quote: hashing PCRs");
		goto done;
	}
	if (want->size != glen || CRYPTO_memcmp(got, want->buffer, glen) != 0) {
		char g[2 * 16 + 1], w[2 * 16 + 1];

		poc_hex_encode(got, 16, g);
		poc_hex_encode(want->buffer, want->size < 16 ? want->size : 16, w);
		poc_err_set(e, POC_ERR_MISMATCH,
			    "tpm quote: pcrDigest %s... is not the %s of the supplied PCRs (%s...)", w,
			    poc_tpm_alg_name(halg), g);
		goto done;
	}
	rv = 0;
done:
	EVP_MD_CTX_free(mctx);
	return rv;
}

void poc_tpm_quote_summary(const struct poc_tpm_quote *q, char *buf, size_t len)
{
	const TPMS_ATTEST *a = &q->attest;
	const TPML_PCR_SELECTION *sel = &a->attested.quote.pcrSelect;
	char signer[2 * 32 + 1];
	size_t slen = a->qualifiedSigner.size < 32 ? a->qualifiedSigner.size : 32;
	size_t n;
	int w;

	if (len == 0)
		return;
	poc_hex_encode(a->qualifiedSigner.name, slen, signer);
	w = snprintf(buf, len,
		     "clock=%" PRIu64 " resetCount=%" PRIu32 " restartCount=%" PRIu32
		     " safe=%u firmwareVersion=0x%016" PRIx64 " signer=%s%s pcrs=",
		     (uint64_t)a->clockInfo.clock, (uint32_t)a->clockInfo.resetCount,
		     (uint32_t)a->clockInfo.restartCount, (unsigned)a->clockInfo.safe,
		     (uint64_t)a->firmwareVersion, signer, slen < a->qualifiedSigner.size ? "..." : "");
	if (w < 0 || (size_t)w >= len)
		return;
	n = (size_t)w;
	for (uint32_t i = 0; i < sel->count && i < TPM2_NUM_PCR_BANKS && n < len; i++) {
		const TPMS_PCR_SELECTION *s = &sel->pcrSelections[i];
		const char *bn = poc_tpm_alg_name(s->hash);
		uint32_t m = 0;

		for (unsigned j = 0; j < s->sizeofSelect && j < 4; j++)
			m |= (uint32_t)s->pcrSelect[j] << (8 * j);
		if (bn != NULL)
			w = snprintf(buf + n, len - n, "%s%s:0x%06" PRIx32, i ? "," : "", bn, m);
		else
			w = snprintf(buf + n, len - n, "%s0x%04x:0x%06" PRIx32, i ? "," : "", s->hash, m);
		if (w < 0)
			return;
		n += (size_t)w;
	}
}
