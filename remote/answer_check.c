/* SPDX-License-Identifier: Apache-2.0 */
/* The client's check of pocd's answer (see answer.h): pinned key, echoes, EAR, share. */
#include "answer.h"

#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <openssl/crypto.h>

#include "cbor_util.h"
#include "digest.h"
#include "ecdsa_sig.h"
#include "protocol_int.h"
#include "record.h"

static const uint8_t PROT_ES256[3] = { 0xa1, 0x01, 0x26 };

enum { F_CHAL, F_CLAUSE, F_DECISION, F_EAR, F_EVD, F_REQD, F_SHARE, F_N };
static const char *const FIELDS[F_N] = { "chal",	    "clause",	      "decision", "ear",
					 "evidence_digest", "request_digest", "share" };

/* tag 18 [bstr {1: -7}, {}, bstr payload, bstr(64) signature], its signature by key. */
static int envelope(struct poc_err *e, const uint8_t *buf, size_t len, EVP_PKEY *key, cbor_item_t **root,
		    cbor_item_t **payload)
{
	cbor_item_t **it, *sig;
	uint8_t *tbs;
	size_t tbs_len;
	int v;

	if (len > POC_ANSWER_MAX)
		return poc_err_set(e, POC_ERR_ARG, "answer: %zu bytes", len);
	/* libcbor 0.8's cbor_load fails on a tag around an array: read tag 18's one-byte form here. */
	if (len < 1 || buf[0] != 0xd2)
		return poc_err_set(e, POC_ERR_MALFORMED, "answer: not a COSE_Sign1 (tag 18)");
	if ((*root = poc_cbor_load(e, buf + 1, len - 1, "answer")) == NULL)
		return -1;
	if (!cbor_isa_array(*root) || !cbor_array_is_definite(*root) || cbor_array_size(*root) != 4)
		return poc_err_set(e, POC_ERR_MALFORMED, "answer: not a COSE_Sign1");
	it = cbor_array_handle(*root);
	if (!poc_cbor_is_bstr(it[0]) || cbor_bytestring_length(it[0]) != sizeof(PROT_ES256) ||
	    memcmp(cbor_bytestring_handle(it[0]), PROT_ES256, sizeof(PROT_ES256)) != 0 || !cbor_isa_map(it[1]) ||
	    cbor_map_size(it[1]) != 0 || !poc_cbor_is_bstr(it[2]) || !poc_cbor_is_bstr(sig = it[3]) ||
	    cbor_bytestring_length(sig) != 64)
		return poc_err_set(e, POC_ERR_MALFORMED, "answer: not a COSE_Sign1 ES256 with an empty unprotected header");
	tbs = poc_cose_sig_structure(PROT_ES256, sizeof(PROT_ES256), cbor_bytestring_handle(it[2]),
				     cbor_bytestring_length(it[2]), &tbs_len);
	if (tbs == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "answer");
	v = poc_ecdsa_verify_raw(key, EVP_sha256(), cbor_bytestring_handle(sig), 64, tbs, tbs_len);
	free(tbs);
	if (v != 1)
		return poc_err_set(e, v == 0 ? POC_ERR_SIGNATURE : POC_ERR_CRYPTO,
				   "answer: not signed by the pinned verifier key");
	*payload = it[2];
	return 0;
}

/* v is a byte string of n bytes equal to want (constant time). */
static int same(const cbor_item_t *v, const uint8_t *want, size_t n)
{
	return poc_cbor_is_bstr(v) && cbor_bytestring_length(v) == n &&
	       CRYPTO_memcmp(cbor_bytestring_handle(v), want, n) == 0;
}

/* The EAR: pocd's signature, this bundle, this B, and agreeing with the decision. */
static int check_ear(struct poc_err *e, const cbor_item_t *v, const struct poc_answer_expect *x,
		     enum poc_decision d, struct poc_answer *a)
{
	struct poc_record *r = NULL;
	const uint8_t *bh, *nonce;
	size_t nlen = 0;
	int rv = -1;

	if (!poc_cbor_is_bstr(v) || poc_record_decode(e, cbor_bytestring_handle(v), cbor_bytestring_length(v), &r) < 0 ||
	    poc_record_verify(e, r, x->pocd_key) < 0) {
		poc_err_prefix(e, "answer EAR: ");
		goto done;
	}
	bh = poc_record_bundle_hash(r);
	nonce = poc_record_nonce(r, &nlen);
	/* A denial may come before the binding was checked (no nonce); a release always names B. */
	if (bh == NULL || CRYPTO_memcmp(bh, x->evidence_digest, 32) != 0 ||
	    (nonce == NULL && d == POC_DECISION_RELEASE) ||
	    (nonce != NULL && (nlen != POC_BINDING_LEN || CRYPTO_memcmp(nonce, x->binding, POC_BINDING_LEN) != 0))) {
		poc_err_set(e, POC_ERR_MISMATCH, "answer EAR: for another bundle or another binding");
		goto done;
	}
	if ((d == POC_DECISION_RELEASE) == (poc_record_denied_clause(r) != NULL || poc_record_is_denial(r))) {
		poc_err_set(e, POC_ERR_MISMATCH, "answer: the decision and the EAR disagree");
		goto done;
	}
	if ((a->ear = malloc(cbor_bytestring_length(v))) == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "answer");
		goto done;
	}
	memcpy(a->ear, cbor_bytestring_handle(v), cbor_bytestring_length(v));
	a->ear_len = cbor_bytestring_length(v);
	rv = 0;
done:
	poc_record_free(r);
	return rv;
}

static int open_share(struct poc_err *e, const cbor_item_t *v, const struct poc_answer_expect *x,
		      struct poc_answer *a)
{
	uint8_t info[POC_SHARE_INFO_LEN], aad[32];

	if (!poc_cbor_is_bstr(v))
		return poc_err_set(e, POC_ERR_MALFORMED, "answer share: not a byte string");
	poc_share_info(x->request_digest, info);
	if (poc_sha256(a->ear, a->ear_len, aad) < 0)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "answer: EAR digest");
	if (poc_hpke_open_base(e, x->skR, info, sizeof(info), aad, 32, cbor_bytestring_handle(v),
			       cbor_bytestring_length(v), &a->share, &a->share_len) < 0) {
		poc_err_prefix(e, "answer share (encrypted to another key?): ");
		return -1;
	}
	if (a->share_len == 0 || a->share_len > POC_SHARE_MAX)
		return poc_err_set(e, POC_ERR_MALFORMED, "answer share: %zu bytes", a->share_len);
	return 0;
}

/* decision and clause: "release" has a share and no clause; "deny" a clause and no share. */
static int decision(struct poc_err *e, cbor_item_t *const *f, struct poc_answer *a)
{
	size_t n;

	if (poc_cbor_text_is(f[F_DECISION], "release") && f[F_SHARE] != NULL && f[F_CLAUSE] == NULL) {
		a->decision = POC_DECISION_RELEASE;
		return 0;
	}
	if (!poc_cbor_text_is(f[F_DECISION], "deny") || f[F_SHARE] != NULL || !poc_cbor_is_text(f[F_CLAUSE]) ||
	    (n = cbor_string_length(f[F_CLAUSE])) == 0 || n > POC_CLAUSE_MAX)
		return poc_err_set(e, POC_ERR_MALFORMED, "answer: a decision without its share or clause");
	memcpy(a->clause, cbor_string_handle(f[F_CLAUSE]), n);
	a->clause[n] = '\0';
	if (memchr(a->clause, '\0', n) != NULL)
		return poc_err_set(e, POC_ERR_MALFORMED, "answer: a NUL in the clause");
	a->decision = POC_DECISION_DENY;
	return 0;
}

int poc_answer_check(struct poc_err *e, const uint8_t *buf, size_t len, const struct poc_answer_expect *x,
		     struct poc_answer *a)
{
	cbor_item_t *root = NULL, *pl = NULL, *proot = NULL, *f[F_N];
	int rv = -1;

	memset(a, 0, sizeof(*a));
	if (x == NULL || x->pocd_key == NULL || x->chal == NULL || x->request_digest == NULL ||
	    x->evidence_digest == NULL || x->binding == NULL || x->skR == NULL)
		return poc_err_set(e, POC_ERR_ARG, "answer: incomplete expectations");
	if (envelope(e, buf, len, x->pocd_key, &root, &pl) < 0 ||
	    poc_remote_load_map(e, cbor_bytestring_handle(pl), cbor_bytestring_length(pl), POC_ANSWER_MAX,
				"answer payload", FIELDS, F_N, (1u << F_CLAUSE) | (1u << F_SHARE), f, &proot) < 0 ||
	    decision(e, f, a) < 0)
		goto done;
	if (!same(f[F_CHAL], x->chal, POC_CHAL_LEN) || !same(f[F_REQD], x->request_digest, 32) ||
	    !same(f[F_EVD], x->evidence_digest, 32)) {
		poc_err_set(e, POC_ERR_MISMATCH, "answer: for another challenge, request or bundle");
		goto done;
	}
	if (check_ear(e, f[F_EAR], x, a->decision, a) < 0 ||
	    (a->decision == POC_DECISION_RELEASE && open_share(e, f[F_SHARE], x, a) < 0))
		goto done;
	rv = 0;
done:
	if (proot)
		cbor_decref(&proot);
	if (root)
		cbor_decref(&root);
	if (rv < 0)
		poc_answer_free(a);
	return rv;
}

void poc_answer_free(struct poc_answer *a)
{
	if (a == NULL)
		return;
	free(a->ear);
	if (a->share != NULL)
		OPENSSL_clear_free(a->share, a->share_len);
	memset(a, 0, sizeof(*a));
}
