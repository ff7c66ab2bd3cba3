/* SPDX-License-Identifier: Apache-2.0 */
/* The approval file (token_approval.h): strict CBOR, and its self-authentication. */
#include "token/token_approval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "cbor_util.h"
#include "digest.h"

void poc_approval_free(struct poc_approval *a)
{
	if (a == NULL)
		return;
	free(a->sigs);
	memset(a, 0, sizeof(*a));
}

void poc_approval_name(const struct poc_approval *a, char out[40])
{
	int n = snprintf(out, 40, "%s", POC_APPROVAL_PREFIX);

	for (int i = 0; i < 8; i++)
		n += snprintf(out + n, 40 - (size_t)n, "%02x", a->approved[i]);
	snprintf(out + n, 40 - (size_t)n, "%s", POC_APPROVAL_SUFFIX);
}

const struct poc_approval_sig *poc_approval_sig_for(const struct poc_approval *a, const char *object)
{
	for (size_t i = 0; i < a->nsigs; i++)
		if (strcmp(a->sigs[i].object, object) == 0)
			return &a->sigs[i];
	return NULL;
}

int poc_approval_encode(struct poc_err *e, const struct poc_approval *a, uint8_t **out, size_t *out_len)
{
	cbor_item_t *root = cbor_new_definite_map(8), *sigs = cbor_new_definite_map(a->nsigs);
	unsigned char *buf = NULL;
	size_t cap = 0, n = 0;
	int ok;

	*out = NULL;
	ok = root != NULL && sigs != NULL;
	for (size_t i = 0; ok && i < a->nsigs; i++)
		ok = poc_cbor_put(sigs, a->sigs[i].object, poc_cbor_bstr(a->sigs[i].sig, a->sigs[i].sig_len)) == 0;
	ok = ok && poc_cbor_put(root, "version", cbor_build_uint8(POC_APPROVAL_VERSION)) == 0 &&
	     poc_cbor_put(root, "epoch", cbor_build_uint64(a->epoch)) == 0 &&
	     poc_cbor_put(root, "pcr_bank", cbor_build_uint16(a->bank)) == 0 &&
	     poc_cbor_put(root, "pcr_mask", cbor_build_uint32(a->mask)) == 0 &&
	     poc_cbor_put(root, "pcr_values", poc_cbor_bstr(a->pcr_values, a->pcr_values_len)) == 0 &&
	     poc_cbor_put(root, "approved", poc_cbor_bstr(a->approved, 32)) == 0 &&
	     poc_cbor_put(root, "created", cbor_build_uint64(a->created)) == 0;
	if (ok) {
		ok = poc_cbor_put(root, "signatures", sigs) == 0;
		sigs = NULL;
	}
	ok = ok && (n = cbor_serialize_alloc(root, &buf, &cap)) != 0;
	if (sigs != NULL)
		cbor_decref(&sigs);
	if (root != NULL)
		cbor_decref(&root);
	if (!ok)
		return poc_err_set(e, POC_ERR_NOMEM, "approval: CBOR encoding");
	*out = buf;
	*out_len = n;
	return 0;
}

enum { A_VERSION, A_EPOCH, A_BANK, A_MASK, A_VALUES, A_APPROVED, A_CREATED, A_SIGS, A_N };
static const char *const approval_names[A_N] = {
	"version", "epoch", "pcr_bank", "pcr_mask", "pcr_values", "approved", "created", "signatures",
};

static int get_uint(struct poc_err *e, const cbor_item_t *v, const char *what, uint64_t max, uint64_t *out)
{
	if (v == NULL || !cbor_isa_uint(v) || cbor_get_int(v) > max)
		return poc_err_set(e, POC_ERR_MALFORMED, "approval: %s is missing or not an unsigned integer <= %llu", what,
				   (unsigned long long)max);
	*out = cbor_get_int(v);
	return 0;
}

static int decode_sigs(struct poc_err *e, const cbor_item_t *v, struct poc_approval *a)
{
	struct cbor_pair *p;
	size_t n, i;

	if (v == NULL || !cbor_isa_map(v) || !cbor_map_is_definite(v) || (n = cbor_map_size(v)) > POC_APPROVAL_SIGS_MAX)
		return poc_err_set(e, POC_ERR_MALFORMED, "approval: signatures is not a map of at most %d",
				   POC_APPROVAL_SIGS_MAX);
	a->sigs = calloc(n ? n : 1, sizeof(*a->sigs));
	if (a->sigs == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "approval: signatures");
	p = cbor_map_handle(v);
	for (i = 0; i < n; i++) {
		size_t kl, sl;

		if (!poc_cbor_is_text(p[i].key) || (kl = cbor_string_length(p[i].key)) == 0 || kl >= POC_STORE_NAME_MAX ||
		    memchr(cbor_string_handle(p[i].key), '\0', kl) != NULL || !poc_cbor_is_bstr(p[i].value) ||
		    (sl = cbor_bytestring_length(p[i].value)) == 0 || sl > POC_AUTHZ_SIG_MAX)
			return poc_err_set(e, POC_ERR_MALFORMED, "approval: signature %zu is not object id => signature", i);
		if (poc_cbor_key_repeats(p, i))
			return poc_err_set(e, POC_ERR_MALFORMED, "approval: signature %zu names its object twice", i);
		memcpy(a->sigs[i].object, cbor_string_handle(p[i].key), kl);
		memcpy(a->sigs[i].sig, cbor_bytestring_handle(p[i].value), sl);
		a->sigs[i].sig_len = sl;
		a->nsigs = i + 1;
	}
	return 0;
}

static int decode_fields(struct poc_err *e, cbor_item_t **v, struct poc_approval *a)
{
	uint64_t u;
	size_t dlen, n;

	if (get_uint(e, v[A_VERSION], "version", UINT64_MAX, &u) < 0)
		return -1;
	if (u != POC_APPROVAL_VERSION)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "approval: version %llu", (unsigned long long)u);
	if (get_uint(e, v[A_EPOCH], "epoch", UINT64_MAX, &a->epoch) < 0 ||
	    get_uint(e, v[A_CREATED], "created", UINT64_MAX, &a->created) < 0 ||
	    get_uint(e, v[A_BANK], "pcr_bank", UINT16_MAX, &u) < 0)
		return -1;
	a->bank = (uint16_t)u;
	if (get_uint(e, v[A_MASK], "pcr_mask", 0xffffff, &u) < 0)
		return -1;
	a->mask = (uint32_t)u;
	if ((dlen = poc_tpm_alg_digest_len(a->bank)) == 0 || a->mask == 0)
		return poc_err_set(e, POC_ERR_MALFORMED, "approval: no PCR bank or no PCR");
	n = (size_t)__builtin_popcount(a->mask) * dlen;
	if (v[A_VALUES] == NULL || !poc_cbor_is_bstr(v[A_VALUES]) || cbor_bytestring_length(v[A_VALUES]) != n)
		return poc_err_set(e, POC_ERR_MALFORMED, "approval: pcr_values is not %zu bytes", n);
	memcpy(a->pcr_values, cbor_bytestring_handle(v[A_VALUES]), n);
	a->pcr_values_len = n;
	if (v[A_APPROVED] == NULL || !poc_cbor_is_bstr(v[A_APPROVED]) || cbor_bytestring_length(v[A_APPROVED]) != 32)
		return poc_err_set(e, POC_ERR_MALFORMED, "approval: approved is not 32 bytes");
	memcpy(a->approved, cbor_bytestring_handle(v[A_APPROVED]), 32);
	return decode_sigs(e, v[A_SIGS], a);
}

int poc_approval_decode(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_approval *a)
{
	cbor_item_t *root, *v[A_N];
	size_t at;
	int rv = -1;

	memset(a, 0, sizeof(*a));
	root = poc_cbor_load(e, buf, len, "approval");
	if (root == NULL)
		return -1;
	switch (poc_cbor_map_fields(root, approval_names, A_N, v, &at)) {
	case 0:
		rv = decode_fields(e, v, a);
		break;
	case POC_CBOR_NOT_MAP:
		poc_err_set(e, POC_ERR_MALFORMED, "approval: not a definite map");
		break;
	case POC_CBOR_UNKNOWN_KEY:
		poc_err_set(e, POC_ERR_MALFORMED, "approval: unknown key (entry %zu)", at);
		break;
	default:
		poc_err_set(e, POC_ERR_MALFORMED, "approval: %s appears twice", approval_names[at]);
	}
	cbor_decref(&root);
	if (rv < 0)
		poc_approval_free(a);
	return rv;
}

/* One signature over SHA-256(approved || policyRef(object)) with pk. */
static int check_sig(struct poc_err *e, EVP_PKEY *pk, const struct poc_approval *a, const struct poc_approval_sig *s,
		     const uint8_t token_id[16])
{
	uint8_t ref[32], ahash[32];
	EVP_PKEY_CTX *ctx;
	int ok;

	if (poc_tpm_policy_ref(e, token_id, s->object, ref) < 0 ||
	    poc_tpm_policy_ref_update(e, a->approved, ref, ahash) < 0)
		return -1;
	ctx = EVP_PKEY_CTX_new(pk, NULL);
	ok = ctx != NULL && EVP_PKEY_verify_init(ctx) == 1 && EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) == 1 &&
	     EVP_PKEY_verify(ctx, s->sig, s->sig_len, ahash, 32) == 1;
	EVP_PKEY_CTX_free(ctx);
	if (!ok)
		return poc_err_set(e, POC_ERR_SIGNATURE, "seal.approval: the signature for %s is not the policy key's",
				   s->object);
	return 0;
}

int poc_approval_check(struct poc_err *e, const struct poc_approval *a, const uint8_t *spki, size_t spki_len,
		       const struct poc_epoch_nv *nv, const uint8_t token_id[16])
{
	const unsigned char *p = spki;
	uint8_t digest[32], approved[32];
	EVP_PKEY *pk;
	int rv = 0;

	if (poc_sha256(a->pcr_values, a->pcr_values_len, digest) < 0)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "approval: SHA-256");
	if (poc_tpm_approved_policy(e, a->bank, a->mask, digest, nv, a->epoch, approved) < 0)
		return -1;
	if (CRYPTO_memcmp(approved, a->approved, 32) != 0)
		return poc_err_set(e, POC_ERR_MISMATCH,
				   "seal.approval: its approved policy is not that of its own PCRs and epoch (edited)");
	pk = d2i_PUBKEY(NULL, &p, (long)spki_len);
	if (pk == NULL)
		return poc_err_ssl(e, POC_ERR_MALFORMED, "approval: the token's policy key");
	for (size_t i = 0; rv == 0 && i < a->nsigs; i++)
		rv = check_sig(e, pk, a, &a->sigs[i], token_id);
	EVP_PKEY_free(pk);
	return rv;
}
