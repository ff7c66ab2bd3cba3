/* SPDX-License-Identifier: Apache-2.0 */
/*
 * $.platforms.poca: Proof of Cloud Alliance registry tokens (poca.h) as a
 * platform endorsement: the registry's public keys (PEM or DER
 * SubjectPublicKeyInfo files: RSA for RS256, Ed25519 for EdDSA) and the
 * token's timestamp window.
 */
#include "policy_int.h"

#include <stdio.h>
#include <stdlib.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#define NF(t) (sizeof(t) / sizeof((t)[0]))

static EVP_PKEY *load_key(struct pctx *c, const char *file, const char *path)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	const unsigned char *p;
	EVP_PKEY *k = NULL;
	BIO *bio;

	if (c->load(c->load_ctx, c->e, file, &buf, &len) < 0) {
		poc_err_prefix(c->e, "policy %s: ", path);
		return NULL;
	}
	bio = BIO_new_mem_buf(buf, (int)len);
	if (bio != NULL)
		k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	p = buf;
	if (k == NULL)
		k = d2i_PUBKEY(NULL, &p, (long)len);
	free(buf);
	if (k == NULL || !(EVP_PKEY_is_a(k, "RSA") || EVP_PKEY_is_a(k, "ED25519"))) {
		EVP_PKEY_free(k);
		poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s (%s): not an RSA or Ed25519 public key (PEM or DER)", path, file);
		return NULL;
	}
	return k;
}

static int poca_keys(struct pctx *c, const struct pfield *f, json_object *v, const char *path, void *dst)
{
	struct poc_policy *p = dst;
	size_t i, n = json_object_array_length(v);

	(void)f;
	if (n == 0 || n > POC_POLICY_MAX_NAMES)
		return poc_err_set(c->e, POC_ERR_MALFORMED, "policy %s: between 1 and %d key files", path, POC_POLICY_MAX_NAMES);
	if (c->load == NULL)
		return poc_err_set(c->e, POC_ERR_ARG, "policy %s: no file loader", path);
	for (i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(v, i);
		char at[96];

		snprintf(at, sizeof(at), "%s[%zu]", path, i);
		if (poc_policy_want(c, s, json_type_string, at) < 0)
			return -1;
		p->poca_keys[i] = load_key(c, json_object_get_string(s), at);
		if (p->poca_keys[i] == NULL)
			return -1;
		p->npoca_keys = i + 1;
	}
	return 0;
}

static const struct pfield poca_fields[] = {
	{ .name = "keys", .type = json_type_array, .parse = poca_keys, .missing = "required (the registry's public keys)" },
	{ .name = "max_age_s", .type = json_type_int, .off = offsetof(struct poc_policy, poca_max_age_s),
	  .missing = "required (the tokens carry no exp: the verifier bounds their age)" },
	{ .name = "max_skew_s", .type = json_type_int, .off = offsetof(struct poc_policy, poca_max_skew_s),
	  .has = PF_HAS(struct poc_policy, has_poca_skew) },
};

int poc_policy_parse_poca(struct pctx *c, const struct pfield *f, json_object *v, const char *path, void *dst)
{
	struct poc_policy *p = dst;

	(void)f;
	if (poc_policy_fields(c, v, path, poca_fields, NF(poca_fields), p) < 0)
		return -1;
	if (!p->has_poca_skew)
		p->poca_max_skew_s = 300; /* the registry itself accepts clocks 5 minutes apart */
	return 0;
}
