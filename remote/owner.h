/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pocd's owner interface (docs/pocd.md "Owner interface"): a request signed by the owner's
 * P-256 key, whose public key pocd pins (owner_key in pocd.conf); no password anywhere.
 *
 *   body = {"req": bstr, "sig": bstr(64)}      sig = ES256 over "pocd-owner-v1" || req
 *   req  = {"files"?: {text: bstr}, "iat": uint, "identities"?: text, "key_id"?: text,
 *           "nonce": bstr(16), "op": "enrol" | "revoke" | "list" | "rotate-kid",
 *           "policy"?: text, "share"?: bstr}
 *
 * files holds the bytes of every file the policy names (roots, intermediates), keyed by
 * the path as the policy writes it, so pocd appraises without reading the owner's disk.
 * pocd refuses a request older than POC_OWNER_MAX_AGE_S and consumes SHA-256(req) once.
 */
#ifndef POC_OWNER_H
#define POC_OWNER_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "challenge.h"
#include "verr.h"

#define POC_OWNER_MAX (4u << 20)
#define POC_OWNER_MAX_AGE_S 300
#define POC_OWNER_MAX_FILES 16
#define POC_OWNER_SHARE_MIN 16
#define POC_OWNER_SHARE_MAX 64

enum poc_owner_op {
	POC_OWNER_ENROL = 1,
	POC_OWNER_REVOKE = 2,
	POC_OWNER_LIST = 3,
	POC_OWNER_ROTATE_KID = 4,
};

struct poc_owner_file {
	char *path;
	uint8_t *data;
	size_t len;
};

struct poc_owner_req {
	enum poc_owner_op op;
	int64_t iat;
	uint8_t nonce[16];
	char key_id[POC_KEY_ID_MAX + 1];  /* "" when absent */
	char *policy;                     /* NULL when absent */
	char *identities;                 /* NULL when absent: any identity */
	size_t nfiles;
	struct poc_owner_file files[POC_OWNER_MAX_FILES];
	uint8_t *share;                   /* NULL: pocd generates S_R */
	size_t share_len;
	uint8_t digest[32];               /* SHA-256(req), set by poc_owner_req_open */
};

/* req's CBOR, signed with key, into the body *out (malloc'd). 0 or -1. */
int poc_owner_req_seal(struct poc_err *e, const struct poc_owner_req *r, EVP_PKEY *key, uint8_t **out,
		       size_t *outlen);
/*
 * The body: its signature by the pinned owner_pub (POC_ERR_SIGNATURE otherwise), then req
 * strictly (op's required fields present, no others). Freshness is the caller's (r->iat).
 */
int poc_owner_req_open(struct poc_err *e, const uint8_t *buf, size_t len, EVP_PKEY *owner_pub,
		       struct poc_owner_req *r);
void poc_owner_req_free(struct poc_owner_req *r);
const char *poc_owner_op_name(enum poc_owner_op op);

#endif
