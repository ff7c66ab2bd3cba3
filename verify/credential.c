/* SPDX-License-Identifier: Apache-2.0 */
/* TPM2_MakeCredential in software, plus the stateless verifier's expected secret. */
#include "credential.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <tss2/tss2_mu.h>

#include "bytes.h"
#include "digest.h"
#include "tpm_attest.h"

/*
 * Domain separation for the expected secret (DESIGN.md section 3 naming). It
 * replaced "poc-pkcs11/v1/credential" (nonce || AK name, no EK): a secret of the
 * old shape is never accepted for the new one.
 */
static const char secret_prefix[] = "poc-pkcs11/v1/activation";

/* Part 1 labels; sizeof includes the NUL, which the TPM feeds to the KDFs and to OAEP. */
static const char label_identity[] = "IDENTITY";
static const char label_storage[] = "STORAGE";
static const char label_integrity[] = "INTEGRITY";

/* HMAC-md(key, pieces...) into out (EVP_MAX_MD_SIZE bytes), *out_len = digest size. */
static int hmac_pieces(struct poc_err *e, const EVP_MD *md, const uint8_t *key, size_t key_len,
		       const struct poc_piece *pc, size_t npc, uint8_t *out, size_t *out_len)
{
	if (poc_hmac(md, key, key_len, pc, npc, out, out_len) < 0)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "HMAC");
	return 0;
}

/*
 * KDFa is SP 800-108 counter mode with HMAC: [i]32 || Label || 0x00 ||
 * Context || [L]32, which is OpenSSL's KBKDF with the label as its salt
 * (KBKDF adds the 0x00 separator, the TPM the label's NUL: the same byte),
 * Context = U || V as its info and L = bits. KDFe is SP 800-56A's one-step
 * KDF: H([i]32 || Z || OtherInfo), OtherInfo = Label || 0x00 || U || V, which
 * is OpenSSL's SSKDF with a digest (X963KDF puts the counter after Z).
 */
static int kdf_derive(struct poc_err *e, int kdfa, TPMI_ALG_HASH hash, const uint8_t *key,
		      size_t key_len, const char *label, const uint8_t *u, size_t u_len,
		      const uint8_t *v, size_t v_len, uint32_t bits, uint8_t *out)
{
	const EVP_MD *md = poc_tpm_alg_md(hash);
	const char *what = kdfa ? "KDFa" : "KDFe";
	size_t want = bits / 8, llen, ilen, off = 0;
	OSSL_PARAM params[7], *q = params;
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *ctx = NULL;
	uint8_t *info = NULL;
	int rv = -1;

	if (md == NULL)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "%s: hash 0x%04x", what, hash);
	if (key == NULL || key_len == 0 || label == NULL || out == NULL || bits == 0 || bits % 8 != 0 ||
	    (u == NULL && u_len != 0) || (v == NULL && v_len != 0))
		return poc_err_set(e, POC_ERR_ARG, "%s: bad arguments", what);
	/* KDFa's info is U || V; KDFe's is Label || 0x00 || U || V. */
	llen = kdfa ? 0 : strlen(label) + 1;
	ilen = llen + u_len + v_len;
	if (ilen > 0 && (info = OPENSSL_malloc(ilen)) == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "%s", what);
	if (llen)
		memcpy(info, label, llen);
	off = llen;
	if (u_len)
		memcpy(info + off, u, u_len);
	off += u_len;
	if (v_len)
		memcpy(info + off, v, v_len);
	*q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)EVP_MD_get0_name(md), 0);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, key_len);
	if (kdfa) {
		*q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MAC, (char *)"HMAC", 0);
		*q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MODE, (char *)"counter", 0);
		*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)label, strlen(label));
	}
	if (ilen > 0)
		*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, ilen);
	*q = OSSL_PARAM_construct_end();
	if ((kdf = EVP_KDF_fetch(NULL, kdfa ? "KBKDF" : "SSKDF", NULL)) == NULL ||
	    (ctx = EVP_KDF_CTX_new(kdf)) == NULL || EVP_KDF_derive(ctx, out, want, params) != 1) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "%s", what);
		OPENSSL_cleanse(out, want);
		goto done;
	}
	rv = 0;
done:
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	OPENSSL_clear_free(info, ilen);
	return rv;
}

int poc_tpm_kdfa(struct poc_err *e, TPMI_ALG_HASH hash, const uint8_t *key, size_t key_len,
		 const char *label, const uint8_t *context_u, size_t u_len, const uint8_t *context_v,
		 size_t v_len, uint32_t bits, uint8_t *out)
{
	return kdf_derive(e, 1, hash, key, key_len, label, context_u, u_len, context_v, v_len, bits, out);
}

int poc_tpm_kdfe(struct poc_err *e, TPMI_ALG_HASH hash, const uint8_t *z, size_t z_len,
		 const char *label, const uint8_t *party_u, size_t u_len, const uint8_t *party_v,
		 size_t v_len, uint32_t bits, uint8_t *out)
{
	return kdf_derive(e, 0, hash, z, z_len, label, party_u, u_len, party_v, v_len, bits, out);
}

static const EVP_CIPHER *aes_cfb(uint16_t bits)
{
	switch (bits) {
	case 128: return EVP_aes_128_cfb128();
	case 192: return EVP_aes_192_cfb128();
	case 256: return EVP_aes_256_cfb128();
	default: return NULL;
	}
}

/* A name is nameAlg || H(public): its length must match its own algorithm. */
static int check_name(struct poc_err *e, const uint8_t *name, size_t len)
{
	const EVP_MD *md;

	if (name == NULL || len < 2)
		return poc_err_set(e, POC_ERR_ARG, "credential: no AK name");
	md = poc_tpm_alg_md((TPMI_ALG_HASH)((name[0] << 8) | name[1]));
	if (md == NULL)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "credential: AK name algorithm 0x%02x%02x",
				   name[0], name[1]);
	if (len != 2 + (size_t)EVP_MD_get_size(md))
		return poc_err_set(e, POC_ERR_MALFORMED,
				   "credential: AK name is %zu bytes, its algorithm needs %d", len,
				   2 + EVP_MD_get_size(md));
	return 0;
}

int poc_credential_wrap(struct poc_err *e, TPMI_ALG_HASH name_alg, uint16_t sym_bits,
			const uint8_t *seed, size_t seed_len, const uint8_t *ak_name, size_t name_len,
			const uint8_t *secret, size_t secret_len, TPM2B_ID_OBJECT *cred)
{
	const EVP_MD *md = poc_tpm_alg_md(name_alg);
	const EVP_CIPHER *cipher = aes_cfb(sym_bits);
	uint8_t sym_key[32], hmac_key[EVP_MAX_MD_SIZE], plain[2 + sizeof(TPMU_HA)];
	uint8_t iv[16] = { 0 }, mac[EVP_MAX_MD_SIZE];
	uint8_t *p;
	EVP_CIPHER_CTX *cctx = NULL;
	size_t dlen, plen, maclen = 0;
	int outl = 0, finl = 0, rv = -1;

	if (md == NULL)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "credential: nameAlg 0x%04x", name_alg);
	if (cipher == NULL)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "credential: AES-%u", sym_bits);
	if (seed == NULL || seed_len == 0 || secret == NULL || cred == NULL)
		return poc_err_set(e, POC_ERR_ARG, "credential: no seed, secret or output");
	if (check_name(e, ak_name, name_len) < 0)
		return -1;
	dlen = (size_t)EVP_MD_get_size(md);
	/* Part 3 MakeCredential: TPM_RC_SIZE when the credential exceeds the nameAlg digest. */
	if (secret_len == 0 || secret_len > dlen)
		return poc_err_set(e, POC_ERR_ARG, "credential: secret is %zu bytes, want 1 to %zu",
				   secret_len, dlen);
	plen = 2 + secret_len;
	if (2 + dlen + plen > sizeof(cred->credential))
		return poc_err_set(e, POC_ERR_ARG, "credential: blob does not fit TPM2B_ID_OBJECT");

	if (poc_tpm_kdfa(e, name_alg, seed, seed_len, label_storage, ak_name, name_len, NULL, 0,
			 sym_bits, sym_key) < 0 ||
	    poc_tpm_kdfa(e, name_alg, seed, seed_len, label_integrity, NULL, 0, NULL, 0,
			 (uint32_t)dlen * 8, hmac_key) < 0)
		goto done;

	/* encIdentity = CFB(symKey, IV 0, marshalled TPM2B_DIGEST of the secret). */
	plain[0] = (uint8_t)(secret_len >> 8);
	plain[1] = (uint8_t)secret_len;
	memcpy(plain + 2, secret, secret_len);
	p = cred->credential;
	p[0] = (uint8_t)(dlen >> 8);
	p[1] = (uint8_t)dlen;
	if ((cctx = EVP_CIPHER_CTX_new()) == NULL ||
	    !EVP_EncryptInit_ex(cctx, cipher, NULL, sym_key, iv) ||
	    !EVP_EncryptUpdate(cctx, p + 2 + dlen, &outl, plain, (int)plen) ||
	    !EVP_EncryptFinal_ex(cctx, p + 2 + dlen + outl, &finl) || (size_t)(outl + finl) != plen) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "credential: AES-CFB");
		goto done;
	}

	/* outerHMAC binds the ciphertext to the AK name: ActivateCredential checks it first. */
	{
		const struct poc_piece in[] = { { p + 2 + dlen, plen }, { ak_name, name_len } };

		if (hmac_pieces(e, md, hmac_key, dlen, in, 2, mac, &maclen) < 0)
			goto done;
	}
	memcpy(p + 2, mac, dlen);
	cred->size = (UINT16)(2 + dlen + plen);
	rv = 0;
done:
	EVP_CIPHER_CTX_free(cctx);
	OPENSSL_cleanse(sym_key, sizeof(sym_key));
	OPENSSL_cleanse(hmac_key, sizeof(hmac_key));
	OPENSSL_cleanse(plain, sizeof(plain));
	if (rv < 0 && cred != NULL)
		OPENSSL_cleanse(cred, sizeof(*cred));
	return rv;
}

/* RSA: the seed is random, nameAlg-sized, sent as RSA-OAEP(nameAlg, "IDENTITY\0"). */
static int seed_rsa(struct poc_err *e, EVP_PKEY *pk, const EVP_MD *md, uint8_t *seed,
		    size_t *seed_len, TPM2B_ENCRYPTED_SECRET *enc)
{
	EVP_PKEY_CTX *ctx = NULL;
	void *label = NULL;
	size_t dlen = (size_t)EVP_MD_get_size(md), outlen = sizeof(enc->secret);
	int rv = -1;

	if (RAND_bytes(seed, (int)dlen) != 1) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "credential: random seed");
		goto done;
	}
	*seed_len = dlen;
	if ((label = OPENSSL_memdup(label_identity, sizeof(label_identity))) == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "credential: out of memory");
		goto done;
	}
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL)) == NULL || EVP_PKEY_encrypt_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md) <= 0 || EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) <= 0 ||
	    EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, label, (int)sizeof(label_identity)) <= 0) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "credential: RSA-OAEP setup");
		goto done;
	}
	label = NULL; /* owned by ctx now */
	if (EVP_PKEY_encrypt(ctx, enc->secret, &outlen, seed, dlen) <= 0) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "credential: RSA-OAEP encrypt");
		goto done;
	}
	enc->size = (UINT16)outlen;
	rv = 0;
done:
	OPENSSL_free(label);
	EVP_PKEY_CTX_free(ctx);
	return rv;
}

/* A coordinate of pk, left-padded to the field size. */
static int ec_coord(struct poc_err *e, EVP_PKEY *pk, const char *which, uint8_t *out, size_t flen)
{
	BIGNUM *bn = NULL;
	int rv = -1;

	if (!EVP_PKEY_get_bn_param(pk, which, &bn) || BN_bn2binpad(bn, out, (int)flen) != (int)flen)
		poc_err_ssl(e, POC_ERR_CRYPTO, "credential: ephemeral point");
	else
		rv = 0;
	BN_free(bn);
	return rv;
}

/*
 * ECC: one-pass ECDH with an ephemeral key on the EK's curve; seed =
 * KDFe(nameAlg, Z.x, "IDENTITY", ephemeral.x, EK.x); the encrypted secret
 * is the ephemeral public point (TPMS_ECC_POINT).
 */
static int seed_ecc(struct poc_err *e, const TPMT_PUBLIC *ek, EVP_PKEY *pk, const EVP_MD *md,
		    uint8_t *seed, size_t *seed_len, TPM2B_ENCRYPTED_SECRET *enc)
{
	char group[64];
	EVP_PKEY *eph = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	TPMS_ECC_POINT pt;
	uint8_t z[66];
	size_t zlen = sizeof(z), flen, off = 0, dlen = (size_t)EVP_MD_get_size(md);
	int rv = -1;

	memset(&pt, 0, sizeof(pt));
	if (!EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), NULL) ||
	    (eph = EVP_PKEY_Q_keygen(NULL, NULL, "EC", group)) == NULL) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "credential: ephemeral EC key");
		goto done;
	}
	flen = ((size_t)EVP_PKEY_get_bits(pk) + 7) / 8;
	if (flen > sizeof(z) || flen > sizeof(pt.x.buffer)) {
		poc_err_set(e, POC_ERR_UNSUPPORTED, "credential: curve %s too large", group);
		goto done;
	}
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, eph, NULL)) == NULL || EVP_PKEY_derive_init(ctx) <= 0 ||
	    EVP_PKEY_derive_set_peer(ctx, pk) <= 0 || EVP_PKEY_derive(ctx, z, &zlen) <= 0) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "credential: ECDH");
		goto done;
	}
	if (ec_coord(e, eph, OSSL_PKEY_PARAM_EC_PUB_X, pt.x.buffer, flen) < 0 ||
	    ec_coord(e, eph, OSSL_PKEY_PARAM_EC_PUB_Y, pt.y.buffer, flen) < 0)
		goto done;
	pt.x.size = pt.y.size = (UINT16)flen;
	/* partyVInfo is the EK's x as it stands in its public area, like the TPM reads it. */
	if (poc_tpm_kdfe(e, ek->nameAlg, z, zlen, label_identity, pt.x.buffer, flen, ek->unique.ecc.x.buffer,
			 ek->unique.ecc.x.size, (uint32_t)dlen * 8, seed) < 0)
		goto done;
	*seed_len = dlen;
	if (Tss2_MU_TPMS_ECC_POINT_Marshal(&pt, enc->secret, sizeof(enc->secret), &off) != TSS2_RC_SUCCESS) {
		poc_err_set(e, POC_ERR_CRYPTO, "credential: TPMS_ECC_POINT does not marshal");
		goto done;
	}
	enc->size = (UINT16)off;
	rv = 0;
done:
	OPENSSL_cleanse(z, sizeof(z));
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(eph);
	return rv;
}

int poc_make_credential(struct poc_err *e, const TPMT_PUBLIC *ek, const uint8_t *ak_name,
			size_t name_len, const uint8_t *secret, size_t secret_len,
			TPM2B_ID_OBJECT *cred, TPM2B_ENCRYPTED_SECRET *enc)
{
	const TPMT_SYM_DEF_OBJECT *sym;
	const EVP_MD *md;
	EVP_PKEY *pk = NULL;
	uint8_t seed[EVP_MAX_MD_SIZE];
	size_t seed_len = 0;
	int rv = -1;

	if (ek == NULL || cred == NULL || enc == NULL)
		return poc_err_set(e, POC_ERR_ARG, "credential: no EK or output");
	memset(cred, 0, sizeof(*cred));
	memset(enc, 0, sizeof(*enc));
	if (ek->type != TPM2_ALG_RSA && ek->type != TPM2_ALG_ECC)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "credential: EK type 0x%04x is not RSA or ECC",
				   ek->type);
	/* Part 3: the key must be a storage key (restricted decryption), else TPM_RC_TYPE. */
	if ((ek->objectAttributes & (TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT | TPMA_OBJECT_SIGN_ENCRYPT)) !=
	    (TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT))
		return poc_err_set(e, POC_ERR_ARG,
				   "credential: the EK is not a restricted decryption key (attributes 0x%08" PRIx32 ")",
				   (uint32_t)ek->objectAttributes);
	if ((md = poc_tpm_alg_md(ek->nameAlg)) == NULL)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "credential: EK nameAlg 0x%04x", ek->nameAlg);
	sym = ek->type == TPM2_ALG_RSA ? &ek->parameters.rsaDetail.symmetric
				       : &ek->parameters.eccDetail.symmetric;
	if (sym->algorithm != TPM2_ALG_AES || sym->mode.aes != TPM2_ALG_CFB || aes_cfb(sym->keyBits.aes) == NULL)
		return poc_err_set(e, POC_ERR_UNSUPPORTED,
				   "credential: EK symmetric 0x%04x/%u/0x%04x is not AES-CFB", sym->algorithm,
				   sym->keyBits.aes, sym->mode.aes);
	if (secret == NULL || secret_len == 0 || secret_len > (size_t)EVP_MD_get_size(md))
		return poc_err_set(e, POC_ERR_ARG, "credential: secret is %zu bytes, want 1 to %d",
				   secret_len, EVP_MD_get_size(md));
	if (check_name(e, ak_name, name_len) < 0)
		return -1;
	if ((pk = poc_tpm_pub_to_pkey(e, ek)) == NULL)
		return -1;
	if ((ek->type == TPM2_ALG_RSA ? seed_rsa(e, pk, md, seed, &seed_len, enc)
				      : seed_ecc(e, ek, pk, md, seed, &seed_len, enc)) < 0)
		goto done;
	if (poc_credential_wrap(e, ek->nameAlg, sym->keyBits.aes, seed, seed_len, ak_name, name_len,
				secret, secret_len, cred) < 0)
		goto done;
	rv = 0;
done:
	OPENSSL_cleanse(seed, sizeof(seed));
	EVP_PKEY_free(pk);
	if (rv < 0) {
		memset(cred, 0, sizeof(*cred));
		memset(enc, 0, sizeof(*enc));
	}
	return rv;
}

int poc_credential_secret(struct poc_err *e, const uint8_t key[32], const uint8_t *nonce,
			  size_t nonce_len, const TPMT_PUBLIC *ak, const TPMT_PUBLIC *ek,
			  uint8_t out[32])
{
	uint8_t ak_name[POC_TPM_NAME_MAX], ek_name[POC_TPM_NAME_MAX], mac[EVP_MAX_MD_SIZE];
	uint8_t lens[3][2];
	size_t ak_len = sizeof(ak_name), ek_len = sizeof(ek_name), maclen = 0;
	int rv = -1;

	if (key == NULL || out == NULL || nonce == NULL || nonce_len == 0 || nonce_len > 64 || ak == NULL ||
	    ek == NULL)
		return poc_err_set(e, POC_ERR_ARG, "credential secret: missing key, nonce (1 to 64 bytes), AK or EK");
	if (poc_tpm_pub_name(e, ak, ak_name, &ak_len) < 0 || poc_tpm_pub_name(e, ek, ek_name, &ek_len) < 0) {
		poc_err_prefix(e, "credential secret: ");
		return -1;
	}
	lens[0][0] = 0;
	lens[0][1] = (uint8_t)nonce_len;
	lens[1][0] = (uint8_t)(ak_len >> 8);
	lens[1][1] = (uint8_t)ak_len;
	lens[2][0] = (uint8_t)(ek_len >> 8);
	lens[2][1] = (uint8_t)ek_len;
	{
		const struct poc_piece in[] = {
			{ (const uint8_t *)secret_prefix, sizeof(secret_prefix) - 1 },
			{ lens[0], 2 }, { nonce, nonce_len },
			{ lens[1], 2 }, { ak_name, ak_len },
			{ lens[2], 2 }, { ek_name, ek_len },
		};

		if (hmac_pieces(e, EVP_sha256(), key, 32, in, 7, mac, &maclen) == 0 && maclen == 32) {
			memcpy(out, mac, 32);
			rv = 0;
		}
	}
	OPENSSL_cleanse(mac, sizeof(mac));
	return rv;
}

int poc_credential_check(struct poc_err *e, const uint8_t expected[32], const uint8_t *activated,
			 size_t len)
{
	if (expected == NULL || activated == NULL)
		return poc_err_set(e, POC_ERR_ARG, "credential check: no secret");
	/* The length is public (always 32 for a good answer); only the bytes need constant time. */
	if (len != POC_CREDENTIAL_SECRET_LEN || CRYPTO_memcmp(expected, activated, len) != 0)
		return poc_err_set(e, POC_ERR_MISMATCH, "the AK was not activated against the EK");
	return 0;
}

int poc_credential_file_encode(struct poc_err *e, const TPM2B_ID_OBJECT *cred,
			       const TPM2B_ENCRYPTED_SECRET *enc, uint8_t **out, size_t *len)
{
	uint8_t *buf;
	size_t n, off = 0;

	if (cred == NULL || enc == NULL || out == NULL || len == NULL)
		return poc_err_set(e, POC_ERR_ARG, "credential file: missing input");
	*out = NULL;
	*len = 0;
	if (cred->size == 0 || cred->size > sizeof(cred->credential) || enc->size == 0 ||
	    enc->size > sizeof(enc->secret))
		return poc_err_set(e, POC_ERR_ARG, "credential file: blob sizes %u/%u out of range",
				   cred->size, enc->size);
	n = 8 + 2 + (size_t)cred->size + 2 + (size_t)enc->size;
	if ((buf = malloc(n)) == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "credential file: out of memory");
	poc_put_u32be(buf, POC_CREDENTIAL_FILE_MAGIC);
	poc_put_u32be(buf + 4, POC_CREDENTIAL_FILE_VERSION);
	off = 8;
	/* tpm2-tools reads each part as a BE u16 size and its bytes: TPM2B marshalling. */
	if (Tss2_MU_TPM2B_ID_OBJECT_Marshal(cred, buf, n, &off) != TSS2_RC_SUCCESS ||
	    Tss2_MU_TPM2B_ENCRYPTED_SECRET_Marshal(enc, buf, n, &off) != TSS2_RC_SUCCESS || off != n) {
		free(buf);
		return poc_err_set(e, POC_ERR_MALFORMED, "credential file: TPM2B marshalling failed");
	}
	*out = buf;
	*len = n;
	return 0;
}

static const char credential_key_info[] = "poc-pkcs11/v1/credential-key";

int poc_credential_key(struct poc_err *e, EVP_PKEY *verifier_key, uint8_t out[32])
{
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *kctx = NULL;
	OSSL_PARAM params[4];
	uint8_t *der = NULL;
	int der_len, rv = -1;

	if ((der_len = i2d_PrivateKey(verifier_key, &der)) <= 0)
		return poc_err_ssl(e, POC_ERR_ARG, "verifier key: not a private key");
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, der, (size_t)der_len);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)credential_key_info,
						      sizeof(credential_key_info) - 1);
	params[3] = OSSL_PARAM_construct_end();
	if ((kdf = EVP_KDF_fetch(NULL, "HKDF", NULL)) == NULL || (kctx = EVP_KDF_CTX_new(kdf)) == NULL ||
	    EVP_KDF_derive(kctx, out, 32, params) != 1) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "credential key: HKDF-SHA256");
		OPENSSL_cleanse(out, 32);
	} else {
		rv = 0;
	}
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	OPENSSL_clear_free(der, (size_t)der_len);
	return rv;
}
