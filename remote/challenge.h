/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pocd's stateless challenge (docs/pocd.md "Protocol"):
 *
 *   chal = ver(1) || kid(4, BE) || iat(8, BE) || exp(8, BE) || rand(16) || mac(32)
 *   mac  = HMAC-SHA256(K_kid, "pocd-chal-v1" || ver || kid || iat || exp || rand || SHA-256(key_id))
 *
 * Minting writes nothing anywhere: a replica checks a challenge with K_kid alone, and
 * the one write (the consumed challenge) happens after the evidence verified. Times
 * are passed in (Unix seconds): this library reads no clock.
 */
#ifndef POC_CHALLENGE_H
#define POC_CHALLENGE_H

#include <stddef.h>
#include <stdint.h>

#include "verr.h"

#define POC_CHAL_VER 1
#define POC_CHAL_RAND 16
#define POC_CHAL_MAC 32
#define POC_CHAL_LEN (1 + 4 + 8 + 8 + POC_CHAL_RAND + POC_CHAL_MAC) /* 69 */
#define POC_CHAL_KEY_MIN 32      /* K_kid: at least 256 bits */
#define POC_CHAL_SKEW_S 60       /* a challenge issued up to this far in the future still checks */
#define POC_KEY_ID_MAX 128       /* key ids: 1 to 128 bytes of [A-Za-z0-9._:-] */

struct poc_chal {
	uint8_t ver;
	uint32_t kid;
	int64_t iat, exp;
	uint8_t rand[POC_CHAL_RAND];
};

/* 1 when key_id is a well-formed key id (length and alphabet above), else 0. */
int poc_key_id_valid(const uint8_t *key_id, size_t len);

/*
 * A challenge for key_id under (kid, k), valid from now for ttl seconds (1..3600); rand
 * (16 bytes) from the caller's CSPRNG, or NULL for OpenSSL's RAND_bytes. 0 or -1.
 */
int poc_chal_mint(struct poc_err *e, const uint8_t *k, size_t klen, uint32_t kid, int64_t now, int64_t ttl,
		  const uint8_t *rand, const uint8_t *key_id, size_t key_id_len, uint8_t out[static POC_CHAL_LEN]);
/* The fields, structure only (to pick K_kid by c->kid before poc_chal_check). 0 or -1 (POC_ERR_MALFORMED). */
int poc_chal_parse(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_chal *c);
/*
 * The MAC under k for key_id (constant time: POC_ERR_SIGNATURE when it differs, which also
 * covers a challenge minted for another key_id), then the time: POC_ERR_EXPIRED when
 * now >= exp or now + POC_CHAL_SKEW_S < iat. c (may be NULL) gets the fields. 0 or -1.
 */
int poc_chal_check(struct poc_err *e, const uint8_t *buf, size_t len, const uint8_t *k, size_t klen,
		   const uint8_t *key_id, size_t key_id_len, int64_t now, struct poc_chal *c);

#endif
