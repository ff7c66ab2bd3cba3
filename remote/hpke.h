/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9180 HPKE, base mode, one suite: DHKEM(P-256, HKDF-SHA256) (kem 0x0010),
 * HKDF-SHA256 (kdf 0x0001), AES-128-GCM (aead 0x0001). OpenSSL 3.0 has no HPKE,
 * so it is composed here from EVP only: EVP_PKEY_derive (ECDH), EVP_KDF "HKDF" in
 * extract-only and expand-only modes with the "HPKE-v1" labels, EVP AES-128-GCM.
 * pocd seals the share S_R to the client's ephemeral key pkR with it; the client
 * opens it. Keys on the wire are uncompressed SEC1 points (65 bytes).
 */
#ifndef POC_HPKE_H
#define POC_HPKE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "verr.h"

#define POC_HPKE_NPK 65     /* Npk = Nenc: an uncompressed P-256 point */
#define POC_HPKE_NSK 32     /* Nsk */
#define POC_HPKE_NSECRET 32 /* Nsecret = Nh */
#define POC_HPKE_NK 16      /* AES-128 */
#define POC_HPKE_NN 12      /* GCM nonce */
#define POC_HPKE_NT 16      /* GCM tag */
#define POC_HPKE_INFO_MAX 512 /* OpenSSL's HKDF caps its info; ours is a digest or two */

/* An encryption context (RFC 9180 5.2); wipe it with poc_hpke_ctx_wipe. */
struct poc_hpke_ctx {
	uint8_t key[POC_HPKE_NK];
	uint8_t base_nonce[POC_HPKE_NN];
	uint8_t exporter_secret[POC_HPKE_NSECRET];
	uint64_t seq;
};

/* ---- keys (hpke_key.c) ---- */
/* A fresh P-256 key pair (the client's pkR/skR, or an ephemeral skE). NULL on failure. */
EVP_PKEY *poc_p256_generate(void);
/* A P-256 private key from its 32-byte scalar, public point derived. NULL on a bad scalar. */
EVP_PKEY *poc_p256_from_scalar(const uint8_t sk[static POC_HPKE_NSK]);
/* A P-256 public key from an uncompressed point, checked on the curve. NULL otherwise. */
EVP_PKEY *poc_p256_from_point(const uint8_t *pk, size_t len);
/* The uncompressed point of key into pk (65 bytes). 0 or -1. */
int poc_p256_point(EVP_PKEY *key, uint8_t pk[static POC_HPKE_NPK]);

/* ---- the KEM and the key schedule (hpke_kem.c, hpke.c) ---- */
/*
 * Encap(pkR) with the ephemeral key skE (NULL: a fresh one; tests pass the RFC's):
 * enc = pkE, shared_secret as RFC 9180 4.1. 0 or -1 (e set).
 */
int poc_hpke_encap(struct poc_err *e, const uint8_t *pkR, size_t pkR_len, EVP_PKEY *skE,
		   uint8_t enc[static POC_HPKE_NPK], uint8_t ss[static POC_HPKE_NSECRET]);
/* Decap(enc, skR). 0 or -1 (e set; an enc off the curve is POC_ERR_MALFORMED). */
int poc_hpke_decap(struct poc_err *e, const uint8_t *enc, size_t enc_len, EVP_PKEY *skR,
		   uint8_t ss[static POC_HPKE_NSECRET]);
/* KeySchedule(mode_base, shared_secret, info, "", ""). 0 or -1. */
int poc_hpke_key_schedule(struct poc_err *e, const uint8_t ss[static POC_HPKE_NSECRET], const uint8_t *info,
			  size_t info_len, struct poc_hpke_ctx *ctx);
/* SetupBaseS / SetupBaseR: encap or decap, then the key schedule. */
int poc_hpke_setup_s(struct poc_err *e, const uint8_t *pkR, size_t pkR_len, EVP_PKEY *skE, const uint8_t *info,
		     size_t info_len, uint8_t enc[static POC_HPKE_NPK], struct poc_hpke_ctx *ctx);
int poc_hpke_setup_r(struct poc_err *e, const uint8_t *enc, size_t enc_len, EVP_PKEY *skR, const uint8_t *info,
		     size_t info_len, struct poc_hpke_ctx *ctx);
/* ContextS.Seal: ct (pt_len + 16 bytes) = AES-128-GCM(key, nonce(seq), aad, pt); seq++. 0 or -1. */
int poc_hpke_seal(struct poc_err *e, struct poc_hpke_ctx *c, const uint8_t *aad, size_t aad_len, const uint8_t *pt,
		  size_t pt_len, uint8_t *ct);
/* ContextR.Open: pt (ct_len - 16 bytes); a wrong tag is POC_ERR_SIGNATURE and leaves seq. 0 or -1. */
int poc_hpke_open(struct poc_err *e, struct poc_hpke_ctx *c, const uint8_t *aad, size_t aad_len, const uint8_t *ct,
		  size_t ct_len, uint8_t *pt);
void poc_hpke_ctx_wipe(struct poc_hpke_ctx *c);

/* Single-shot (RFC 9180 6.1): *out = enc || ct (malloc'd, 65 + pt_len + 16 bytes). 0 or -1. */
int poc_hpke_seal_base(struct poc_err *e, const uint8_t *pkR, size_t pkR_len, const uint8_t *info, size_t info_len,
		       const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t pt_len, uint8_t **out,
		       size_t *outlen);
/* Opens enc || ct with skR: *pt malloc'd (wipe and free it). 0 or -1. */
int poc_hpke_open_base(struct poc_err *e, EVP_PKEY *skR, const uint8_t *info, size_t info_len, const uint8_t *aad,
		       size_t aad_len, const uint8_t *in, size_t inlen, uint8_t **pt, size_t *ptlen);

#endif
