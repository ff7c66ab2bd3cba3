/* SPDX-License-Identifier: Apache-2.0 */
/* Sealing and unsealing one object of a token (token_int.h). */
#include "token/token_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "token/token_authz.h"
#include "token/token_pin.h"
#include "tpm/tpm_pin.h"
#include "tpm/tpm_seal.h"
#include "trace/trace.h"

/* K_tpm sealed literally (PolicyPCR) or, in a signed-policy token, under PolicyAuthorize (token_authz.h). */
static int seal_k(struct poc_err *e, struct poc_tpm *tpm, const struct poc_object_header *h, uint16_t bank,
		  uint32_t mask, const uint8_t *pin, size_t pin_len, const uint8_t k_tpm[32], struct poc_sealed *out)
{
	char id[POC_STORE_NAME_MAX];

	/* No PCRs (the denial key): bound to the TPM alone, as in every token. */
	if (tpm->authz == NULL || mask == 0)
		return poc_tpm_seal(e, tpm, bank, mask, pin, pin_len, k_tpm, out);
	if (poc_token_authz_object_id(e, h, id) < 0)
		return -1;
	return poc_token_authz_seal(e, tpm, id, pin, pin_len, k_tpm, out);
}

/* The reverse of seal_k for the object whose header is h. */
static int unseal_k(struct poc_err *e, struct poc_tpm *tpm, const struct poc_object_header *h,
		    const struct poc_sealed *s, const uint8_t *pin, size_t pin_len, uint8_t k_tpm[32])
{
	char id[POC_STORE_NAME_MAX];

	if (tpm->authz == NULL || h->pcr_mask == 0)
		return poc_tpm_unseal(e, tpm, s, h->pcr_bank, h->pcr_mask, pin, pin_len, k_tpm);
	if (poc_token_authz_object_id(e, h, id) < 0)
		return -1;
	return poc_token_authz_unseal(e, tpm, id, s, pin, pin_len, k_tpm);
}

int poc_token_seal_with(struct poc_err *e, struct poc_tpm *tpm, struct poc_object_header *h,
			const struct poc_object_bind *bind, uint16_t bank, uint32_t mask, const uint8_t *pin, size_t pin_len,
			const uint8_t *secret, size_t secret_len, uint8_t **out, size_t *out_len)
{
	return poc_token_seal_share(e, tpm, h, bind, bank, mask, pin, pin_len, NULL, secret, secret_len, out, out_len);
}

int poc_token_seal_share(struct poc_err *e, struct poc_tpm *tpm, struct poc_object_header *h,
			 const struct poc_object_bind *bind, uint16_t bank, uint32_t mask, const uint8_t *pin,
			 size_t pin_len, const uint8_t *k_remote, const uint8_t *secret, size_t secret_len, uint8_t **out,
			 size_t *out_len)
{
	struct poc_sealed sealed;
	uint8_t k_tpm[32];
	int rv = -1;

	if (RAND_bytes(k_tpm, sizeof(k_tpm)) != 1)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "random K_tpm");
	if (seal_k(e, tpm, h, bank, mask, pin, pin_len, k_tpm, &sealed) < 0)
		goto done;
	h->pcr_bank = bank;
	h->pcr_mask = mask;
	h->sealed_pub = sealed.pub;
	h->sealed_pub_len = sealed.pub_len;
	h->sealed_priv = sealed.priv;
	h->sealed_priv_len = sealed.priv_len;
	memcpy(h->token_id, bind->token_id, POC_TOKEN_ID_LEN);
	rv = poc_object_seal(e, h, bind, k_tpm, k_remote, secret, secret_len, out, out_len);
	h->sealed_pub = h->sealed_priv = NULL;
done:
	OPENSSL_cleanse(k_tpm, sizeof(k_tpm));
	return rv;
}

/*
 * Unseals K_tpm in the TPM (PCR policy, PIN) and opens the object of the
 * token of bind. Returns 0 or -1 (e: POC_ERR_AUTH for a bad PIN, POC_ERR_LOCKED
 * when the TPM refuses every PIN, POC_ERR_PCR for a changed PCR, others).
 */
int poc_token_unseal_with(struct poc_err *e, struct poc_tpm *tpm, const struct poc_object_bind *bind, const uint8_t *obj,
			  size_t len, const uint8_t *pin, size_t pin_len, uint8_t **secret, size_t *secret_len)
{
	return poc_token_unseal_share(e, tpm, bind, obj, len, pin, pin_len, NULL, secret, secret_len);
}

int poc_token_unseal_share(struct poc_err *e, struct poc_tpm *tpm, const struct poc_object_bind *bind,
			   const uint8_t *obj, size_t len, const uint8_t *pin, size_t pin_len, const uint8_t *k_remote,
			   uint8_t **secret, size_t *secret_len)
{
	struct poc_object_header h;
	struct poc_sealed sealed;
	uint8_t k_tpm[32];
	int rv;
	uint64_t t0;

	memset(&h, 0, sizeof(h));
	if (poc_object_parse(e, obj, len, &h, NULL, NULL) < 0)
		return -1;
	if (h.sealed_pub_len > sizeof(sealed.pub) || h.sealed_priv_len > sizeof(sealed.priv)) {
		poc_object_header_free(&h);
		return poc_err_set(e, POC_ERR_MALFORMED, "object: sealed TPM object too large");
	}
	memcpy(sealed.pub, h.sealed_pub, h.sealed_pub_len);
	sealed.pub_len = h.sealed_pub_len;
	memcpy(sealed.priv, h.sealed_priv, h.sealed_priv_len);
	sealed.priv_len = h.sealed_priv_len;
	rv = unseal_k(e, tpm, &h, &sealed, pin, pin_len, k_tpm);
	poc_object_header_free(&h);
	if (rv < 0)
		return -1;
	t0 = poc_trace_start();
	rv = poc_object_open(e, obj, len, bind, k_tpm, k_remote, secret, secret_len);
	poc_trace_end("object_open", t0);
	OPENSSL_cleanse(k_tpm, sizeof(k_tpm));
	return rv;
}

int poc_token_name_free(struct poc_err *e, const char *name)
{
	static const char *const own[] = { POC_TOKEN_VERIFIER_LABEL, POC_TOKEN_DENIAL_LABEL };
	char taken[POC_STORE_NAME_MAX];

	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		if (poc_store_object_name(e, 0, NULL, 0, own[i], taken) < 0)
			return -1;
		if (strcmp(name, taken) == 0)
			return poc_err_set(e, POC_ERR_ARG, "the object name %s is the token's own %s: choose another label",
					   name, own[i]);
	}
	return 0;
}

int poc_token_label_free(struct poc_err *e, struct poc_token *t, unsigned long class, const char *label)
{
	static const char *const classes[] = { "secret", "certificate", "public key", "private key", "secret key" };
	char **names = NULL, taken[POC_STORE_NAME_MAX] = "";
	size_t n = 0, i;

	if (label[0] == '\0')
		return 0; /* no pkcs11:object= URI names an object without a label */
	if (poc_store_list(e, t->store, ".obj", &names, &n) < 0)
		return -1;
	for (i = 0; i < n && taken[0] == '\0'; i++) {
		struct poc_object_header h;
		struct poc_err e2 = { 0 };
		uint8_t *buf = NULL;
		size_t len = 0;

		memset(&h, 0, sizeof(h));
		if (poc_store_get(&e2, t->store, names[i], &buf, &len) == 0 &&
		    poc_object_parse(&e2, buf, len, &h, NULL, NULL) == 0 && h.class == class && strcmp(h.label, label) == 0)
			snprintf(taken, sizeof(taken), "%s", names[i]);
		poc_object_header_free(&h);
		free(buf);
	}
	poc_store_list_free(names, n);
	if (taken[0] == '\0')
		return 0;
	return poc_err_set(e, POC_ERR_ARG,
			   "token \"%s\" already holds a %s labelled \"%s\" (%s): a second one would make "
			   "pkcs11:object=%s pick either; delete it first (poctool delete) or give --force",
			   t->meta.label, class < 5 ? classes[class] : "object", label, taken, label);
}
