/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hashes and HMACs over several pieces, through EVP. None of these set a
 * struct poc_err: the caller names what it was hashing, and OpenSSL's error
 * queue is left for poc_err_ssl.
 */
#ifndef POC_DIGEST_H
#define POC_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

/* One input of a hash or HMAC: a NULL or empty piece contributes nothing. */
struct poc_piece {
	const void *p;
	size_t n;
};

/* md(pieces...) into out (EVP_MAX_MD_SIZE bytes); *outlen = the digest size (outlen may be NULL). 0 or -1. */
int poc_digest(const EVP_MD *md, const struct poc_piece *pc, size_t npc, uint8_t *out, size_t *outlen);
/* HMAC-md(key, pieces...) into out (EVP_MAX_MD_SIZE bytes); *outlen = the MAC size (may be NULL). 0 or -1. */
int poc_hmac(const EVP_MD *md, const uint8_t *key, size_t key_len, const struct poc_piece *pc, size_t npc,
	     uint8_t *out, size_t *outlen);
/* SHA-256 / SHA-384 of one buffer. 0 or -1. */
int poc_sha256(const void *p, size_t n, uint8_t out[32]);
int poc_sha384(const void *p, size_t n, uint8_t out[48]);

#endif
