/* SPDX-License-Identifier: Apache-2.0 */
/* The token's authenticated state, the binding of objects to it, its record keys (token_state.h, token.h). */
#include "digest.h"
#include "token/token_state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "cbor_util.h"
#include "hex.h"
#include "record.h"
#include "token/token.h"

/* poc_token_state_tbs, the bytes state_sig signs: store/store_state.c (the codec of token.cbor). */

int poc_token_state_sign(struct poc_err *e, EVP_PKEY *key, struct poc_token_meta *m)
{
	EVP_MD_CTX *md = NULL;
	uint8_t *file = NULL, *tbs = NULL, sig[POC_TOKEN_SIG_MAX];
	size_t flen = 0, tlen = 0, slen = sizeof(sig);
	int rv = -1;

	free(m->state_sig);
	m->state_sig = NULL;
	m->state_sig_len = 0;
	/* Encoded without state_sig, then the same path a reader takes: what is signed is what will be verified. */
	if (poc_token_meta_encode(e, m, &file, &flen) < 0 || poc_token_state_tbs(e, file, flen, &tbs, &tlen) < 0)
		goto done;
	md = EVP_MD_CTX_new();
	if (md == NULL || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(md, sig, &slen, tbs, tlen) != 1) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "token state: signing with the verifier key");
		goto done;
	}
	m->state_sig = malloc(slen);
	if (m->state_sig == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "token state");
		goto done;
	}
	memcpy(m->state_sig, sig, slen);
	m->state_sig_len = slen;
	free(m->state_tbs);
	m->state_tbs = tbs;
	m->state_tbs_len = tlen;
	tbs = NULL;
	rv = 0;
done:
	EVP_MD_CTX_free(md);
	free(file);
	free(tbs);
	return rv;
}

int poc_token_state_verify(struct poc_err *e, EVP_PKEY *key, const struct poc_token_meta *m)
{
	EVP_MD_CTX *md = NULL;
	EVP_PKEY *pub = NULL;
	uint8_t *der = NULL;
	const uint8_t *p;
	int n, rv = -1;

	if (m->state_sig == NULL || m->state_tbs == NULL)
		return poc_err_set(e, POC_ERR_SIGNATURE, "token.cbor: the token state is not signed");
	/* The public half of the key the TPM unsealed: nothing read from the store. */
	n = i2d_PUBKEY(key, &der);
	p = der;
	if (n <= 0 || (pub = d2i_PUBKEY(NULL, &p, n)) == NULL) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "token state: the verifier key's public half");
		goto done;
	}
	md = EVP_MD_CTX_new();
	if (md == NULL || EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pub) != 1) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "token state: verification");
		goto done;
	}
	if (EVP_DigestVerify(md, m->state_sig, m->state_sig_len, m->state_tbs, m->state_tbs_len) != 1) {
		poc_err_set(e, POC_ERR_SIGNATURE,
			    "token.cbor was modified: its state is not signed by the token's verifier key");
		goto done;
	}
	if ((size_t)n != m->verifier_spki_len || CRYPTO_memcmp(der, m->verifier_spki, (size_t)n) != 0) {
		poc_err_set(e, POC_ERR_SIGNATURE, "token.cbor: verifier_spki is not the unsealed verifier key");
		goto done;
	}
	rv = 0;
done:
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pub);
	OPENSSL_free(der);
	return rv;
}

int poc_token_bind(struct poc_err *e, const struct poc_token_meta *m, struct poc_object_bind *b)
{
	memcpy(b->token_id, m->token_id, POC_TOKEN_ID_LEN);
	if (m->verifier_spki == NULL)
		return poc_err_set(e, POC_ERR_MALFORMED, "token.cbor: no verifier key");
	if (EVP_Digest(m->verifier_spki, m->verifier_spki_len, b->verifier, NULL, EVP_sha256(), NULL) != 1)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "token binding: SHA-256 of the verifier key");
	return 0;
}

int poc_token_policy_file_name(struct poc_err *e, const char *path, char name[80])
{
	uint8_t h[32];

	if (poc_sha256(path, strlen(path), h) < 0)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "SHA-256 of %s", path);
	memcpy(name, "policy-", 7);
	poc_hex_encode(h, 32, name + 7);
	return 0;
}

int poc_token_policy_file(void *ctx, struct poc_err *e, const char *path, uint8_t **buf, size_t *len)
{
	const struct poc_token_files *f = ctx;
	uint8_t md[32];
	char name[80];
	size_t i;

	*buf = NULL;
	*len = 0;
	if (poc_token_policy_file_name(e, path, name) < 0)
		return -1;
	for (i = 0; i < f->meta->nfiles && strcmp(f->meta->files[i].name, name) != 0; i++)
		;
	if (i == f->meta->nfiles)
		return poc_err_set(e, POC_ERR_MISMATCH, "%s: not among the token's policy files (token.cbor policy_files)",
				   path);
	if (poc_store_get(e, f->store, name, buf, len) < 0) {
		poc_err_prefix(e, "%s (kept in the token): ", path);
		return -1;
	}
	if (EVP_Digest(*buf, *len, md, NULL, EVP_sha256(), NULL) != 1 ||
	    CRYPTO_memcmp(md, f->meta->files[i].digest, 32) != 0) {
		free(*buf);
		*buf = NULL;
		*len = 0;
		return poc_err_set(e, POC_ERR_MISMATCH,
				   "%s (kept in the token as %s) was modified: its SHA-256 is not the one in the token state",
				   path, name);
	}
	return 0;
}

/* One of the token's two record keys, from its SubjectPublicKeyInfo. */
static EVP_PKEY *token_pub(const uint8_t *spki, size_t len)
{
	const uint8_t *p = spki;

	return spki != NULL ? d2i_PUBKEY(NULL, &p, (long)len) : NULL;
}

/* A submod's status by name ("absent" when the record has none). */
static const char *sub_name(const struct poc_record *r, const char *submod)
{
	int st = poc_record_submod_status(r, submod);

	return st < 0 ? "absent" : poc_ear_status_name((enum poc_ear_status)st);
}

int poc_token_record_verify(struct poc_err *e, const struct poc_token *t, const struct poc_record *r,
			    const char **signer)
{
	EVP_PKEY *k = token_pub(t->meta.verifier_spki, t->meta.verifier_spki_len);
	int rv;

	*signer = NULL;
	if (k != NULL && poc_record_verify(e, r, k) == 0) {
		EVP_PKEY_free(k);
		*signer = "the token's verifier key";
		return 0;
	}
	EVP_PKEY_free(k);
	poc_err_clear(e); /* not the verifier key's: the denial key's answer is the one to give */
	k = token_pub(t->meta.denial_spki, t->meta.denial_spki_len);
	if (k == NULL || poc_record_verify(e, r, k) < 0) {
		EVP_PKEY_free(k);
		poc_err_clear(e);
		return poc_err_set(e, POC_ERR_SIGNATURE, "the record is not signed by either of the token's keys");
	}
	EVP_PKEY_free(k);
	*signer = "the token's denial key";
	rv = poc_record_is_denial(r) ? 0 : -1;
	if (rv < 0)
		poc_err_set(e, POC_ERR_SIGNATURE,
			    "signed by the token's denial key, which signs only denials, yet status %s (poc %s, tee %s, vtpm "
			    "%s, or another submod not contraindicated)",
			    poc_ear_status_name(poc_record_status(r)), sub_name(r, "poc"), sub_name(r, "tee"),
			    sub_name(r, "vtpm"));
	return rv;
}
