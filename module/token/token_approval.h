/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Approved PCR policies of a signed-policy token (docs/updates.md): one
 * store file per approval, "approval-<16 hex digits>.cbor",
 *
 *   approval = { "version": 1, "epoch": uint, "pcr_bank": uint, "pcr_mask": uint,
 *                "pcr_values": bstr (the selected PCRs in index order),
 *                "approved": bstr(32) (the approved policy, tpm_authorize.h),
 *                "created": uint (UNIX time),
 *                "signatures": { tstr (object id) => bstr (the policy key's signature
 *                                over SHA-256(approved || policyRef(object))) } }
 *
 * Each approval authenticates itself: nothing in it counts unless
 * poc_approval_check finds "approved" recomputed from its own fields and the
 * token's epoch counter, and each signature valid under the token's policy
 * key; and then the TPM checks the signature again (VerifySignature) and
 * PolicyAuthorize checks the key, the policyRef and the policy. A file
 * edited, or signed by another key, opens nothing.
 *
 * An object id is the object's store name (store.h poc_store_object_name of
 * its class, id and label); the verifier key's is that of its own header
 * ("data-l-poc-verifier-key.obj"). An object sealed after an approval has
 * no signature in it: `poctool policy approve` again covers it.
 */
#ifndef POC_TOKEN_APPROVAL_H
#define POC_TOKEN_APPROVAL_H

#include <stddef.h>
#include <stdint.h>

#include "pcrs.h"
#include "store/store.h"
#include "tpm/tpm_authorize.h"
#include "verr.h"

#define POC_APPROVAL_VERSION 1
#define POC_APPROVAL_SIGS_MAX 4096
#define POC_APPROVAL_PREFIX "approval-"
#define POC_APPROVAL_SUFFIX ".cbor"

struct poc_approval_sig {
	char object[POC_STORE_NAME_MAX];
	uint8_t sig[POC_AUTHZ_SIG_MAX];
	size_t sig_len;
};

struct poc_approval {
	uint64_t epoch;
	uint16_t bank;
	uint32_t mask;
	uint8_t pcr_values[POC_PCR_COUNT * POC_DIGEST_MAX];
	size_t pcr_values_len;
	uint8_t approved[32];
	uint64_t created;
	struct poc_approval_sig *sigs;
	size_t nsigs;
};

/* Strict CBOR, both ways (unknown or repeated keys, wrong sizes refused). Free with poc_approval_free. */
int poc_approval_encode(struct poc_err *e, const struct poc_approval *a, uint8_t **out, size_t *out_len);
int poc_approval_decode(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_approval *a);
void poc_approval_free(struct poc_approval *a); /* NULL-safe */

/* The store name of a: "approval-" || hex of approved[0..7] || ".cbor"; out needs 40 bytes. */
void poc_approval_name(const struct poc_approval *a, char out[40]);

/* The signature of a for object, or NULL. */
const struct poc_approval_sig *poc_approval_sig_for(const struct poc_approval *a, const char *object);

/*
 * Self-authentication: a->approved is the approved policy of a's own bank,
 * mask, PCR values and epoch over the counter nv, and every signature
 * verifies with the policy key spki for policyRef(token_id, object).
 * POC_ERR_SIGNATURE / POC_ERR_MISMATCH naming what is wrong.
 */
int poc_approval_check(struct poc_err *e, const struct poc_approval *a, const uint8_t *spki, size_t spki_len,
		       const struct poc_epoch_nv *nv, const uint8_t token_id[16]);

#endif
