/* SPDX-License-Identifier: Apache-2.0 */
/* Intel POE tokens: the COSE signature, the signer's chain, the validity window, the PIID. */
#include "poe.h"
#include "poe_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "cbor_util.h"
#include "ecdsa_sig.h"
#include "hex.h"
#include "x509.h"

static int check_signature(struct poc_err *e, const struct poc_poe *p, const struct poe_raw *raw)
{
	X509 *leaf = sk_X509_value(p->x5chain, 0);
	EVP_PKEY *pk = X509_get0_pubkey(leaf);
	const char *want = p->alg == POC_COSE_ES256 ? "prime256v1" : "secp384r1";
	const EVP_MD *md = p->alg == POC_COSE_ES256 ? EVP_sha256() : EVP_sha384();
	size_t half = p->alg == POC_COSE_ES256 ? 32 : 48, tbslen = 0;
	char group[64];
	uint8_t *tbs = NULL;
	int vr;

	if (pk == NULL || EVP_PKEY_get_base_id(pk) != EVP_PKEY_EC ||
	    !EVP_PKEY_get_group_name(pk, group, sizeof(group), NULL) || strcmp(group, want) != 0) {
		ERR_clear_error();
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "POE token: alg %s needs a %s signer key",
				   p->alg == POC_COSE_ES256 ? "ES256" : "ES384", want);
	}
	if (raw->sig_len != 2 * half)
		return poc_err_set(e, POC_ERR_SIGNATURE, "POE token: signature is %zu bytes, want %zu (r||s)",
				   raw->sig_len, 2 * half);
	/* COSE carries raw r||s; OpenSSL verifies DER ECDSA-Sig-Value. */
	if ((tbs = poc_cose_sig_structure(raw->prot, raw->prot_len, raw->payload, raw->payload_len, &tbslen)) == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "POE token: signature");
	vr = poc_ecdsa_verify_raw(pk, md, raw->sig, raw->sig_len, tbs, tbslen);
	free(tbs);
	if (vr < 0)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "POE token: preparing the signature check");
	ERR_clear_error();
	if (vr != 1)
		return poc_err_set(e, POC_ERR_SIGNATURE, "POE token: COSE signature does not verify with the x5chain leaf key");
	return 0;
}

static int check_chain(struct poc_err *e, const struct poc_poe *p, STACK_OF(X509) *roots, int64_t at)
{
	X509 *leaf = sk_X509_value(p->x5chain, 0);
	STACK_OF(X509) *inter = sk_X509_new_null();
	int i, rv;

	if (inter == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "POE token: chain");
	/* A leaf that states its key usage must allow signing. */
	if ((X509_get_extension_flags(leaf) & EXFLAG_KUSAGE) && !(X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE)) {
		sk_X509_free(inter);
		return poc_err_set(e, POC_ERR_CHAIN, "POE token: signer certificate's keyUsage forbids signatures");
	}
	/* Borrowed pointers: the stack is freed without freeing its certificates. */
	for (i = 1; i < sk_X509_num(p->x5chain); i++)
		if (!sk_X509_push(inter, sk_X509_value(p->x5chain, i))) {
			sk_X509_free(inter);
			return poc_err_set(e, POC_ERR_NOMEM, "POE token: chain");
		}
	rv = poc_x509_chain_verify(e, leaf, inter, roots, at, NULL);
	sk_X509_free(inter);
	if (rv < 0)
		poc_err_prefix(e, "POE token signer: ");
	return rv;
}

int poc_poe_verify(struct poc_err *e, const uint8_t *buf, size_t len, STACK_OF(X509) *roots, int64_t at,
		   struct poc_poe *out)
{
	struct poe_raw raw;
	int rv = -1;

	if (out == NULL)
		return poc_err_set(e, POC_ERR_ARG, "POE token: no output");
	if (roots == NULL || sk_X509_num(roots) <= 0) {
		memset(out, 0, sizeof(*out));
		return poc_err_set(e, POC_ERR_ARG, "POE token: no endorser roots");
	}
	if (poc_poe_decode_raw(e, buf, len, out, &raw) < 0)
		return -1;
	if (out->x5chain == NULL || sk_X509_num(out->x5chain) <= 0) {
		poc_err_set(e, POC_ERR_CHAIN, "POE token: x5chain holds no readable DER certificate");
		goto done;
	}
	if (check_signature(e, out, &raw) < 0 || check_chain(e, out, roots, at) < 0)
		goto done;
	if (!out->has_validity) {
		poc_err_set(e, POC_ERR_EXPIRED, "POE token has no validity window (CoRIM key 4): it would never expire");
		goto done;
	}
	if (at < out->not_before || at > out->not_after) {
		if (out->not_before == INT64_MIN)
			poc_err_set(e, POC_ERR_EXPIRED, "POE token expired at %" PRId64 ", now %" PRId64,
				    out->not_after, at);
		else
			poc_err_set(e, POC_ERR_EXPIRED, "POE token valid from %" PRId64 " to %" PRId64 ", not at %" PRId64,
				    out->not_before, out->not_after, at);
		goto done;
	}
	rv = 0;
done:
	cbor_decref(&raw.top);
	if (rv < 0)
		poc_poe_free(out);
	return rv;
}

int poc_poe_check_piid(struct poc_err *e, const struct poc_poe *p, const uint8_t *piid, size_t len)
{
	char a[2 * POC_POE_PIID_MAX + 1], b[2 * POC_POE_PIID_MAX + 1];

	if (p == NULL || (piid == NULL && len != 0))
		return poc_err_set(e, POC_ERR_ARG, "POE token: no PIID to compare");
	if (p->piid_len != 0 && p->piid_len == len && CRYPTO_memcmp(p->piid, piid, len) == 0)
		return 0;
	poc_hex_encode(p->piid, p->piid_len <= POC_POE_PIID_MAX ? p->piid_len : POC_POE_PIID_MAX, a);
	if (len <= POC_POE_PIID_MAX)
		poc_hex_encode(piid, len, b);
	else
		snprintf(b, sizeof(b), "(%zu bytes)", len);
	return poc_err_set(e, POC_ERR_MISMATCH, "POE token endorses PIID %s, the quote's PCK names %s", a,
			   len == 0 ? "none" : b);
}

void poc_poe_free(struct poc_poe *p)
{
	if (p == NULL)
		return;
	sk_X509_pop_free(p->x5chain, X509_free);
	memset(p, 0, sizeof(*p));
}
