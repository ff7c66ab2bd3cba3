/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TPM2_MakeCredential in software: the verifier side of AK-to-EK credential
 * activation (TPM 2.0 Part 1 "Credential Protection" / "Protected Storage",
 * Part 3 TPM2_MakeCredential). The verifier encrypts a secret to the EK so
 * that only the TPM holding that EK, and holding an object with the given
 * name (the AK), can recover it with TPM2_ActivateCredential. Pure functions
 * over bytes: no TPM, no files.
 */
#ifndef POC_CREDENTIAL_H
#define POC_CREDENTIAL_H

#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_tpm2_types.h>

#include <openssl/evp.h>

#include "verr.h"

/* tpm2-tools' credential file header: magic and the only version it reads. */
#define POC_CREDENTIAL_FILE_MAGIC 0xBADCC0DEu
#define POC_CREDENTIAL_FILE_VERSION 1u

/* Size of poc_credential_secret's output and of its key. */
#define POC_CREDENTIAL_SECRET_LEN 32

/*
 * TPM2_MakeCredential(ek, secret, ak_name). ek: an RSA (2048+) or ECC
 * (P-256/384/521) restricted decryption key with an AES-CFB symmetric
 * definition (any TCG EK template). ak_name: nameAlg (2 bytes BE) || digest.
 * secret: 1 to digest-size-of-ek->nameAlg bytes (the TPM rejects longer).
 * Writes the credential blob and the encrypted seed (RSA-OAEP ciphertext or
 * the ephemeral TPMS_ECC_POINT). Each call draws a fresh seed.
 */
int poc_make_credential(struct poc_err *e, const TPMT_PUBLIC *ek, const uint8_t *ak_name,
			size_t name_len, const uint8_t *secret, size_t secret_len,
			TPM2B_ID_OBJECT *cred, TPM2B_ENCRYPTED_SECRET *enc);

/*
 * The verifier's 32-byte credential HMAC key, derived from its private key
 * (the record-signing key): HKDF-SHA256(DER of the key, info
 * "poc-pkcs11/v1/credential-key"), so one key is the verifier's whole identity.
 */
int poc_credential_key(struct poc_err *e, EVP_PKEY *verifier_key, uint8_t out[32]);

/*
 * The secret a stateless verifier expects back for one activation: HMAC-SHA256(key,
 * "poc-pkcs11/v1/activation" || [nonce] || [AK name] || [EK name]), each [x] a u16 BE
 * length and x (so no field can borrow bytes from its neighbour). Both names are
 * computed here from the public areas (nameAlg || H(TPMT_PUBLIC)), never taken from
 * the caller: the secret then stands for "the TPM that holds this EK activated this AK
 * (with these attributes: the name covers the whole public area) for this nonce", and a
 * verifier that recomputes it from the bundle's EK and AK public areas learns exactly
 * that. nonce: 1 to 64 bytes. POC_ERR_ARG / POC_ERR_UNSUPPORTED (a nameAlg we cannot hash).
 */
int poc_credential_secret(struct poc_err *e, const uint8_t key[32], const uint8_t *nonce,
			  size_t nonce_len, const TPMT_PUBLIC *ak, const TPMT_PUBLIC *ek,
			  uint8_t out[32]);

/* Constant time: POC_ERR_MISMATCH "the AK was not activated against the EK" unless equal. */
int poc_credential_check(struct poc_err *e, const uint8_t expected[32], const uint8_t *activated,
			 size_t len);

/*
 * tpm2-tools' credential file (tpm2_makecredential -o, tpm2_activatecredential
 * -i): u32 BE magic 0xBADCC0DE, u32 BE version 1, TPM2B_ID_OBJECT,
 * TPM2B_ENCRYPTED_SECRET (each a u16 BE size and its bytes). *out is
 * malloc()ed; free it.
 */
int poc_credential_file_encode(struct poc_err *e, const TPM2B_ID_OBJECT *cred,
			       const TPM2B_ENCRYPTED_SECRET *enc, uint8_t **out, size_t *len);

/*
 * Building blocks, exported for tests and for other TPM protocols
 * (duplication, salted sessions) that use the same constructions.
 */

/*
 * KDFa (Part 1, SP 800-108 counter mode with HMAC-hash): label is a C string
 * (its terminating NUL is part of the input); context_u/context_v may be NULL.
 * bits must be a positive multiple of 8; out holds bits/8 bytes.
 */
int poc_tpm_kdfa(struct poc_err *e, TPMI_ALG_HASH hash, const uint8_t *key, size_t key_len,
		 const char *label, const uint8_t *context_u, size_t u_len, const uint8_t *context_v,
		 size_t v_len, uint32_t bits, uint8_t *out);

/*
 * KDFe (Part 1, SP 800-56A single-step KDF with hash): Z is the ECDH shared
 * x-coordinate; party_u/party_v are the ephemeral and the static key's x.
 */
int poc_tpm_kdfe(struct poc_err *e, TPMI_ALG_HASH hash, const uint8_t *z, size_t z_len,
		 const char *label, const uint8_t *party_u, size_t u_len, const uint8_t *party_v,
		 size_t v_len, uint32_t bits, uint8_t *out);

/*
 * The seed-to-blob half of MakeCredential: symKey/HMAC key from seed,
 * AES-CFB of TPM2B_DIGEST(secret), outer HMAC over encIdentity || name.
 * Deterministic in its inputs. sym_bits: the EK's AES key size (128/192/256).
 */
int poc_credential_wrap(struct poc_err *e, TPMI_ALG_HASH name_alg, uint16_t sym_bits,
			const uint8_t *seed, size_t seed_len, const uint8_t *ak_name, size_t name_len,
			const uint8_t *secret, size_t secret_len, TPM2B_ID_OBJECT *cred);

#endif
