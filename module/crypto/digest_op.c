/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Digests (C_Digest*, C_DigestKey): SHA-1, SHA-2 and SHA-3 through EVP, no
 * key and no login. The digest is fetched once into the op's library context.
 */
#include "crypto/crypto_int.h"

#include <openssl/err.h>

CK_RV poc_digest_setup(struct poc_op *o)
{
	const EVP_MD *md = poc_hash_md(o->d->hash);
	int n;

	if (md == NULL)
		return CKR_MECHANISM_INVALID;
	if ((o->mctx = EVP_MD_CTX_new()) == NULL)
		return CKR_HOST_MEMORY;
	if ((o->md = EVP_MD_fetch(o->lc, EVP_MD_get0_name(md), NULL)) == NULL) {
		ERR_clear_error();
		return CKR_MECHANISM_INVALID; /* not in this library context's providers (a FIPS-only one: SHA-1 may be) */
	}
	if (EVP_DigestInit_ex(o->mctx, o->md, NULL) != 1 || (n = EVP_MD_get_size(o->md)) <= 0)
		return CKR_FUNCTION_FAILED;
	o->mdlen = (size_t)n;
	return CKR_OK;
}

CK_RV poc_digest_update(struct poc_op *o, const uint8_t *in, size_t inlen)
{
	o->multi = 1;
	if (inlen > 0 && EVP_DigestUpdate(o->mctx, in, inlen) != 1) {
		o->broken = 1;
		return CKR_FUNCTION_FAILED;
	}
	return CKR_OK;
}

CK_RV poc_digest_out(struct poc_op *o, const uint8_t *in, size_t inlen, int oneshot, uint8_t *out, CK_ULONG *outlen)
{
	unsigned int n = 0;
	CK_RV rv;

	if (!poc_op_out_check(&rv, o->mdlen, out, outlen))
		return rv;
	if ((oneshot && inlen > 0 && EVP_DigestUpdate(o->mctx, in, inlen) != 1) ||
	    EVP_DigestFinal_ex(o->mctx, out, &n) != 1) {
		o->broken = 1;
		return CKR_FUNCTION_FAILED;
	}
	*outlen = (CK_ULONG)n;
	return CKR_OK;
}

CK_RV poc_op_digest_key(struct poc_op *op, const struct poc_key *k)
{
	if (op == NULL || k == NULL)
		return CKR_ARGUMENTS_BAD;
	if (op->kind != POC_OP_DIGEST)
		return CKR_OPERATION_NOT_INITIALIZED;
	if (k->secret == NULL)
		return CKR_KEY_INDIGESTIBLE; /* private keys are not digested (a key's value never leaves by a digest of it) */
	return poc_digest_update(op, k->secret, k->secret_len);
}
