/* SPDX-License-Identifier: Apache-2.0 */
#include "digest.h"
#include "token/token.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "bundle.h"
#include "credential.h"
#include "store/files.h"
#include "hex.h"
#include "record.h"
#include "tpm/tpm.h"
#include "tpm_attest.h"
#include "evidence/evidence.h"
#include "tpm/tpm_keys.h"
#include "tpm/tpm_seal.h"
#include "token/token_authz.h"
#include "token/token_int.h"
#include "token/token_pin.h"
#include "token/token_state.h"
#include "trace/trace.h"

/* ---- the token ---- */

/* The TPM for token t, its SRK pinned to the one t was created with (tpm.h says why): never unpinned. */
int poc_token_tpm(struct poc_err *e, const struct poc_token *t, struct poc_tpm **tpm)
{
	if (poc_tpm_open(e, t->cfg.tcti, tpm) < 0)
		return -1;
	if (poc_tpm_pin_srk(e, *tpm, t->meta.srk_name, t->meta.srk_name_len) < 0) {
		poc_tpm_close(*tpm);
		*tpm = NULL;
		poc_err_prefix(e, "token \"%s\": ", t->meta.label);
		return -1;
	}
	poc_token_pin_use(&t->meta, *tpm);
	poc_token_authz_use(*tpm, t->authz);
	return 0;
}

int poc_token_open(struct poc_err *e, const struct poc_config *cfg, const char *label, struct poc_token **out)
{
	struct poc_token *t = calloc(1, sizeof(*t));
	struct poc_token_files files;

	*out = NULL;
	if (t == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "token");
	t->cfg = *cfg;
	files.meta = &t->meta;
	/* Parsed here, authenticated by each check (token_state.h): the files' digests are in the signed state. */
	if (poc_store_open(e, cfg->store, label, 0, &t->store) < 0 || poc_store_token_read(e, t->store, &t->meta) < 0 ||
	    (files.store = t->store) == NULL ||
	    poc_policy_parse(e, (const char *)t->meta.policy_json, t->meta.policy_json_len, poc_token_policy_file, &files,
			     &t->policy) < 0 ||
	    poc_token_authz_open(e, t) < 0) {
		poc_err_prefix(e, "token \"%s\": ", label);
		poc_token_close(t);
		return -1;
	}
	*out = t;
	return 0;
}

void poc_token_close(struct poc_token *t)
{
	if (t == NULL)
		return;
	poc_policy_free(t->policy);
	free(t->authz);
	poc_token_meta_free(&t->meta);
	poc_store_close(t->store);
	free(t);
}

int poc_token_seal(struct poc_err *e, struct poc_token *t, const struct poc_object_header *in, const uint8_t *secret,
		   size_t secret_len, const uint8_t *pin, size_t pin_len, char name[POC_STORE_NAME_MAX])
{
	struct poc_object_header h = *in;
	struct poc_object_bind bind;
	struct poc_tpm *tpm = NULL;
	uint8_t *obj = NULL, *existing = NULL;
	size_t obj_len = 0, elen;
	int rv = -1, r;

	/* The token's policy was checked at init; check again, the store is not trusted. */
	if (!poc_policy_is_proof_of_cloud(t->policy))
		return poc_err_set(e, POC_ERR_POLICY, "the token's policy is not a Proof of Cloud: refusing to seal");
	if (t->meta.has_pin != (pin != NULL))
		return poc_err_set(e, POC_ERR_ARG, t->meta.has_pin ? "the token has a PIN: give it" : "the token has no PIN");
	if (poc_store_object_name(e, h.class, h.id, h.id_len, h.label, name) < 0 || poc_token_name_free(e, name) < 0)
		return -1;
	if (poc_store_get(e, t->store, name, &existing, &elen) == 0) {
		free(existing);
		return poc_err_set(e, POC_ERR_ARG, "an object %s already exists", name);
	}
	poc_err_clear(e);
	/* Keys and secrets (CKO_DATA, CKO_PRIVATE_KEY, CKO_SECRET_KEY): what pkcs11:object= URIs pick to use. */
	if (!t->allow_duplicate_label && (h.class == 0 || h.class == 3 || h.class == 4) &&
	    poc_token_label_free(e, t, h.class, h.label) < 0)
		return -1;
	memcpy(h.policy_digest, t->meta.policy_digest, 32);
	h.ttl = t->cfg.ttl;
	h.recheck_first_use = t->cfg.release_first_use;
	h.remote = in->remote; /* pocd's key_id: S_R from pocd is part of K (token_remote.c) */
	/* Bound to this token (object.h); a token.cbor swapped before this seal is another token (token_state.h). */
	if (poc_token_bind(e, &t->meta, &bind) < 0 || poc_token_tpm(e, t, &tpm) < 0)
		return -1;
	/* The PIN first, a counted try: an object sealed under a wrong PIN would block every later login. */
	r = poc_token_pin_attempt(e, t, tpm, pin, pin_len);
	if (r != 0)
		rv = r;
	else if (poc_token_seal_object(e, t, tpm, &h, &bind, pin, pin_len, secret, secret_len, &obj, &obj_len) == 0)
		rv = poc_store_put(e, t->store, name, obj, obj_len);
	free(obj);
	poc_tpm_close(tpm);
	return rv;
}

int poc_token_find(struct poc_err *e, struct poc_token *t, const char *label, char name[POC_STORE_NAME_MAX])
{
	char **names = NULL;
	size_t n = 0, i;
	int rv = -1;

	if (poc_store_list(e, t->store, ".obj", &names, &n) < 0)
		return -1;
	for (i = 0; i < n && rv < 0; i++) {
		struct poc_object_header h;
		struct poc_err e2 = { 0 };
		uint8_t *buf;
		size_t len;

		memset(&h, 0, sizeof(h));
		if (poc_store_get(&e2, t->store, names[i], &buf, &len) < 0)
			continue;
		if (poc_object_parse(&e2, buf, len, &h, NULL, NULL) == 0 && strcmp(h.label, label) == 0) {
			snprintf(name, POC_STORE_NAME_MAX, "%s", names[i]);
			rv = 0;
		}
		poc_object_header_free(&h);
		free(buf);
	}
	poc_store_list_free(names, n);
	if (rv < 0)
		poc_err_set(e, POC_ERR_ARG, "no object labelled \"%s\" in token \"%s\"", label, t->meta.label);
	return rv;
}

/* A credential challenge for the TPM's AK against its EK, by the verifier key (the secret binds both names). */
static int make_challenge(struct poc_err *e, struct poc_tpm *tpm, const uint8_t ckey[32], const uint8_t *nonce,
			  size_t nonce_len, uint8_t **cred, size_t *cred_len)
{
	uint8_t akpub[1024], ekpub[1024], name[POC_TPM_NAME_MAX], secret[32];
	size_t aklen = sizeof(akpub), eklen = sizeof(ekpub), namelen = sizeof(name);
	TPMT_PUBLIC ek, ak;
	TPM2B_ID_OBJECT id;
	TPM2B_ENCRYPTED_SECRET enc;
	int rv = -1;
	uint64_t t0;

	if (poc_tpm_ak_public(e, tpm, akpub, &aklen, name, &namelen) < 0 || poc_tpm_ek_public(e, tpm, ekpub, &eklen) < 0 ||
	    poc_tpm_pub_parse(e, ekpub, eklen, &ek) < 0 || poc_tpm_pub_parse(e, akpub, aklen, &ak) < 0 ||
	    poc_credential_secret(e, ckey, nonce, nonce_len, &ak, &ek, secret) < 0)
		goto done;
	t0 = poc_trace_start();
	if (poc_make_credential(e, &ek, name, namelen, secret, sizeof(secret), &id, &enc) < 0 ||
	    poc_credential_file_encode(e, &id, &enc, cred, cred_len) < 0)
		goto done;
	poc_trace_end("credential_make", t0);
	rv = 0;
done:
	OPENSSL_cleanse(secret, sizeof(secret));
	return rv;
}

/* One evidence round: what its records and the unsealing after it need. */
struct round {
	struct poc_appraise_opts ao;
	uint8_t nonce[32], ckey[32], bundle_hash[32];
	EVP_PKEY *vkey; /* the token's verifier key, or its denial key: signs the records */
	struct poc_object_bind bind; /* the token's objects' binding (object.h) */
	int rv;         /* the appraisal: 0 accepted, -1 denied */
	char pcrs_changed[POC_ERR_MSG_MAX]; /* why the seal failed ("" when it did not): a denial */
};

/*
 * The verifier key's seal failed on the PCRs: unseal the denial key (sealed
 * to the TPM alone) instead, so the round still runs and its record, which
 * is a denial whatever the evidence says, is signed.
 */
static int open_denial_key(struct poc_err *e, struct poc_token *t, struct poc_tpm *tpm, struct round *rd,
			   const struct poc_err *why, uint8_t **der, size_t *der_len)
{
	char which[128];
	int r;

	/* A signed-policy token (token_authz.h): no approval fits, or the fitting one's epoch was revoked. */
	if (t->authz != NULL)
		snprintf(rd->pcrs_changed, sizeof(rd->pcrs_changed), "%s", why->msg);
	else if (poc_token_changed_pcrs(tpm, &t->meta, which, sizeof(which)) > 0)
		snprintf(rd->pcrs_changed, sizeof(rd->pcrs_changed),
			 "PCR %s changed since the token was sealed (PCR policy not satisfied: the TPM refuses its keys)", which);
	else /* e.g. pin_nv pointed at another counter: the key's policy names the one of init (token_pin.h) */
		snprintf(rd->pcrs_changed, sizeof(rd->pcrs_changed),
			 "the TPM refuses the token's verifier key (policy not satisfied) though no sealed PCR differs from "
			 "token.cbor's values: its PCR or PIN counter entries are not those the key was sealed under");
	poc_err_clear(e);
	r = poc_token_unseal_with(e, tpm, &rd->bind, t->meta.denial_key, t->meta.denial_key_len, NULL, 0, der, der_len);
	if (r != 0) {
		poc_err_prefix(e, "%s; the token's denial key: ", rd->pcrs_changed);
		return -1;
	}
	return 0;
}

static void round_free(struct round *r)
{
	OPENSSL_cleanse(r->ckey, sizeof(r->ckey));
	OPENSSL_cleanse(r->nonce, sizeof(r->nonce));
	EVP_PKEY_free(r->vkey);
	r->vkey = NULL;
}

/*
 * The verifier key, unsealed (PCRs, PIN; the denial key when the PCRs
 * changed), and the token state checked with it. 0, -1 (a state that does
 * not verify is a denial in a; e: POC_ERR_AUTH, POC_ERR_LOCKED for the PIN).
 */
static int open_verifier(struct poc_err *e, struct poc_token *t, struct poc_tpm *tpm, const uint8_t *pin,
			 size_t pin_len, struct poc_appraisal *a, struct round *rd)
{
	uint8_t *der = NULL;
	size_t der_len = 0;
	const uint8_t *p;
	struct poc_err ue = { 0 };
	int rv = -1, r;
	uint64_t t0;

	if (poc_token_bind(e, &t->meta, &rd->bind) < 0)
		goto done;
	/*
	 * The PIN attempt, counted by the TPM (token_pin.h): a wrong or locked PIN
	 * stops here. It runs before the state is authenticated (that needs the
	 * verifier key, which needs the PIN), on the counter token.cbor names: an
	 * edited pin_nv gains nothing, every PIN object's policy names the real
	 * counter (tpm_pin.h), and the state check below then fails.
	 */
	if (t->meta.has_pin && poc_token_pin_attempt(e, t, tpm, pin, pin_len) < 0)
		goto done;
	/* The verifier key is sealed like any object: a changed PCR (ue: POC_ERR_PCR) turns to the denial key. */
	r = poc_token_unseal_with(&ue, tpm, &rd->bind, t->meta.verifier_key, t->meta.verifier_key_len, pin, pin_len,
				  &der, &der_len);
	if (r < 0 && ue.code == POC_ERR_PCR && t->meta.denial_key != NULL) {
		if (open_denial_key(e, t, tpm, rd, &ue, &der, &der_len) < 0)
			goto done;
	} else if (r < 0) {
		poc_err_set(e, ue.code, "the token's verifier key: %s", ue.msg);
		goto done;
	}
	p = der;
	t0 = poc_trace_start();
	rd->vkey = d2i_AutoPrivateKey(NULL, &p, (long)der_len);
	if (rd->vkey == NULL || poc_credential_key(e, rd->vkey, rd->ckey) < 0) {
		poc_err_set(e, POC_ERR_MALFORMED, "the token's verifier key does not decode");
		goto done;
	}
	poc_trace_end("verifier_key_parse", t0);
	/* Nothing of the store is used for the appraisal before the state is authenticated (token_state.h). */
	t0 = poc_trace_start();
	if (poc_token_state_check(e, &t->meta, rd->vkey, rd->pcrs_changed[0] != '\0', a) < 0)
		goto done;
	poc_trace_end("state_check", t0);
	rv = 0;
done:
	poc_secret_free(der, der_len);
	return rv;
}

/*
 * The check: unseal the verifier key (PCRs, PIN), challenge the AK, collect
 * and appraise. Returns 0 when the round ran (r->rv says accepted or denied),
 * -1 on errors before the appraisal (e: POC_ERR_AUTH, POC_ERR_LOCKED for the PIN).
 */
static int check_round(struct poc_err *e, struct poc_token *t, struct poc_tpm *tpm, const uint8_t *pin, size_t pin_len,
		       struct poc_appraisal *a, struct round *rd)
{
	struct poc_collect_opts co;
	struct poc_bundle b;
	uint8_t *cred = NULL, *benc = NULL;
	size_t cred_len = 0, benc_len = 0;
	int rv = -1, r;
	uint64_t t0;

	memset(a, 0, sizeof(*a));
	memset(rd, 0, sizeof(*rd));
	memset(&b, 0, sizeof(b));
	memset(&co, 0, sizeof(co));
	r = open_verifier(e, t, tpm, pin, pin_len, a, rd);
	if (r != 0) {
		rv = r;
		goto done;
	}
	if (RAND_bytes(rd->nonce, sizeof(rd->nonce)) != 1) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "nonce");
		goto done;
	}
	rd->ao.has_nonce_time = 1; /* freshness on our own clock: we issue the nonce */
	rd->ao.nonce_time_ms = poc_evidence_now_ms();
	if (make_challenge(e, tpm, rd->ckey, rd->nonce, sizeof(rd->nonce), &cred, &cred_len) < 0)
		goto done;
	co.nonce = rd->nonce;
	co.nonce_len = sizeof(rd->nonce);
	co.tee = &t->cfg.tee;
	co.bank = t->meta.pcr_bank;
	co.pcr_mask = t->meta.pcr_mask;
	co.credential = cred;
	co.credential_len = cred_len;
	if (poc_evidence_collect(e, tpm, &co, &b) < 0)
		goto done;
	t0 = poc_trace_start();
	if (poc_bundle_encode(e, &b, &benc, &benc_len) < 0)
		goto done;
	if (poc_sha256(benc, benc_len, rd->bundle_hash) < 0) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "SHA-256 of the evidence");
		goto done;
	}
	rd->ao.nonce = rd->nonce;
	rd->ao.nonce_len = sizeof(rd->nonce);
	rd->ao.at_ms = poc_evidence_now_ms();
	rd->ao.at = rd->ao.at_ms / 1000;
	rd->ao.credential_key = rd->ckey;
	/* A release needs poc affirming: a warning (e.g. only the vTPM endorsed) is a denial here. */
	rd->rv = poc_appraise(t->policy, &b, &rd->ao, a) == 0 ? poc_appraisal_require_affirming(a) : -1;
	if (rd->pcrs_changed[0] != '\0') {
		poc_token_deny_pcrs(a, &t->meta, rd->pcrs_changed);
		rd->rv = -1;
	}
	poc_trace_end("appraisal", t0);
	rv = 0;
done:
	free(cred);
	free(benc);
	poc_bundle_free(&b);
	return rv;
}

int poc_token_verifier_key(struct poc_err *e, struct poc_token *t, struct poc_tpm *tpm, const uint8_t *pin,
			   size_t pin_len, EVP_PKEY **vkey)
{
	struct poc_appraisal a;
	struct round rd;
	int rv;

	*vkey = NULL;
	memset(&a, 0, sizeof(a));
	memset(&rd, 0, sizeof(rd));
	rv = open_verifier(e, t, tpm, pin, pin_len, &a, &rd);
	if (rv == 0 && rd.pcrs_changed[0] != '\0')
		rv = poc_err_set(e, POC_ERR_PCR, "the token's verifier key is locked: %s", rd.pcrs_changed);
	else if (rv < 0 && a.code != POC_OK)
		poc_err_set(e, a.code, "%s: %s", a.clause, a.reason);
	if (rv == 0) {
		*vkey = rd.vkey;
		rd.vkey = NULL;
	}
	round_free(&rd);
	return rv;
}

int poc_token_authenticate(struct poc_err *e, struct poc_token *t, const uint8_t *pin, size_t pin_len, int *locked)
{
	struct poc_tpm *tpm = NULL;
	struct poc_appraisal a;
	struct round rd;
	int rv;

	*locked = 0;
	memset(&a, 0, sizeof(a));
	memset(&rd, 0, sizeof(rd));
	if (poc_token_tpm(e, t, &tpm) < 0)
		return -1;
	poc_tpm_cache_keep(tpm, 1); /* one SRK and HMAC session for the PIN and the unseal (tpm.h) */
	rv = open_verifier(e, t, tpm, pin, pin_len, &a, &rd);
	poc_tpm_close(tpm);
	if (rv == 0 && rd.pcrs_changed[0] != '\0') {
		*locked = 1;
		rv = poc_err_set(e, POC_ERR_POLICY, "the token's state cannot be authenticated: %s", rd.pcrs_changed);
	} else if (rv < 0 && a.code != POC_OK) {
		poc_err_set(e, a.code, "%s: %s", a.clause, a.reason);
	}
	round_free(&rd);
	return rv;
}

/* The round's record, bound to the object in object_file when given (its CKA_ID and hash). */
static int round_record(struct poc_err *e, struct poc_token *t, const struct poc_appraisal *a, const struct round *rd,
			const uint8_t *object_file, size_t object_len, uint8_t **record, size_t *record_len)
{
	struct poc_record_bind bind;
	struct poc_object_header h;
	uint8_t kh[32];
	char pid[7 + 65];
	int r;
	uint64_t t0;

	memset(&bind, 0, sizeof(bind));
	memset(&h, 0, sizeof(h));
	bind.bundle_hash = rd->bundle_hash;
	memcpy(pid, "sha256:", 7);
	poc_hex_encode(t->meta.policy_digest, 32, pid + 7);
	bind.policy_id = pid;
	bind.verification = "local";
	if (object_file != NULL && poc_object_parse(e, object_file, object_len, &h, NULL, NULL) == 0) {
		/* DESIGN.md section 4: the SHA-256 of the public key, or of the wrapped blob for secrets. */
		if ((h.spki != NULL ? poc_sha256(h.spki, h.spki_len, kh) : poc_sha256(object_file, object_len, kh)) < 0) {
			poc_object_header_free(&h);
			return poc_err_ssl(e, POC_ERR_CRYPTO, "record: SHA-256 of the key");
		}
		bind.key_hash = kh;
		bind.cka_id = h.id_len ? h.id : NULL;
		bind.cka_id_len = h.id_len;
	}
	poc_err_clear(e);
	t0 = poc_trace_start();
	r = poc_record_sign(e, a, &rd->ao, &bind, rd->ao.at, (int64_t)t->cfg.ttl, rd->vkey, record, record_len);
	poc_trace_end("record_sign", t0);
	poc_object_header_free(&h);
	return r;
}

int poc_token_check(struct poc_err *e, struct poc_token *t, const uint8_t *pin, size_t pin_len,
		    const uint8_t *object_file, size_t object_len, struct poc_appraisal *a, uint8_t **record,
		    size_t *record_len)
{
	struct poc_tpm *tpm = NULL;
	struct round rd;
	int rv;

	if (record != NULL) {
		*record = NULL;
		*record_len = 0;
	}
	if (poc_token_tpm(e, t, &tpm) < 0) {
		memset(a, 0, sizeof(*a));
		return -1;
	}
	poc_tpm_cache_keep(tpm, 1); /* one SRK and HMAC session for the check's TPM commands (tpm.h) */
	rv = check_round(e, t, tpm, pin, pin_len, a, &rd);
	poc_tpm_close(tpm);
	if (rv == 0 && record != NULL && round_record(e, t, a, &rd, object_file, object_len, record, record_len) < 0)
		rv = -1;
	else if (rv == 0)
		rv = rd.rv;
	if (rv < 0 && a->code != POC_OK)
		poc_err_set(e, a->code, "Proof-of-Cloud check denied: %s: %s", a->clause, a->reason);
	round_free(&rd);
	return rv;
}

/*
 * Each object's record, to the caller (records not NULL) and, as the last
 * record for `poctool show`, to the store: a copy, so not worth an fsync on
 * the way to the first signature (a read-only store keeps none).
 */
/* Each object's record; -1 (e: the first failure) when one could not be signed: a key never goes out without it. */
static int round_records(struct poc_err *e, struct poc_token *t, const struct poc_appraisal *a, const struct round *rd,
			 const char *const *names, uint8_t *const *objs, const size_t *olens, size_t n, uint8_t **records,
			 size_t *record_lens)
{
	size_t i;
	int rv = 0;

	for (i = 0; i < n; i++) {
		struct poc_err e2 = { 0 };
		uint8_t *rec = NULL;
		size_t rec_len = 0;

		if (round_record(&e2, t, a, rd, objs[i], olens[i], &rec, &rec_len) < 0) {
			if (rv == 0)
				poc_err_set(e, e2.code != POC_OK ? e2.code : POC_ERR_CRYPTO,
					    "the attestation record of %s could not be signed: %s", names[i], e2.msg);
			rv = -1;
			continue;
		}
		(void)poc_store_record_put(&e2, t->store, names[i], rec, rec_len);
		if (records != NULL) {
			records[i] = rec;
			record_lens[i] = rec_len;
		} else {
			free(rec);
		}
	}
	return rv;
}

int poc_token_release_many(struct poc_err *e, struct poc_token *t, const char *const *names, size_t n,
			   const uint8_t (*sha256)[32], const uint8_t *pin, size_t pin_len, struct poc_appraisal *a, uint8_t **secrets, size_t *lens,
			   uint8_t **records, size_t *record_lens)
{
	struct poc_tpm *tpm = NULL;
	struct round rd;
	uint8_t **objs;
	size_t *olens, i;
	int rv = -1, r, round = 0;

	for (i = 0; i < n; i++) {
		secrets[i] = NULL;
		lens[i] = 0;
		if (records != NULL) {
			records[i] = NULL;
			record_lens[i] = 0;
		}
	}
	objs = calloc(n ? n : 1, sizeof(*objs));
	olens = calloc(n ? n : 1, sizeof(*olens));
	if (objs == NULL || olens == NULL) {
		free(objs);
		free(olens);
		return poc_err_set(e, POC_ERR_NOMEM, "release");
	}
	for (i = 0; i < n; i++) {
		uint8_t md[32];

		if (poc_store_get(e, t->store, names[i], &objs[i], &olens[i]) < 0)
			goto done;
		if (sha256 != NULL && (EVP_Digest(objs[i], olens[i], md, NULL, EVP_sha256(), NULL) != 1 ||
				       CRYPTO_memcmp(md, sha256[i], 32) != 0)) {
			poc_err_set(e, POC_ERR_MISMATCH, "object %s changed in the store since it was read: refused", names[i]);
			goto done;
		}
	}
	/* One TPM connection and one evidence round for every object: they share the token's policy. */
	if (poc_token_tpm(e, t, &tpm) < 0)
		goto done;
	poc_tpm_cache_keep(tpm, 1); /* one SRK and HMAC session for the check and the unseals (tpm.h) */
	round = 1; /* check_round fills rd from its start: freed whatever it returns */
	r = check_round(e, t, tpm, pin, pin_len, a, &rd);
	if (r != 0) {
		rv = r;
		goto done;
	}
	if (poc_token_objects_check(&t->meta, objs, olens, n, a) < 0)
		rd.rv = -1;
	r = round_records(e, t, a, &rd, names, objs, olens, n, records, record_lens);
	if (rd.rv == 0 && r < 0)
		goto done; /* accepted, but a key would go out without its record: refused */
	if (rd.rv != 0) {
		poc_err_set(e, a->code != POC_OK ? a->code : POC_ERR_POLICY, "Proof-of-Cloud check denied: %s: %s", a->clause,
			    a->reason);
		goto done;
	}
	for (i = 0; i < n; i++) {
		r = poc_token_unseal_object(e, t, tpm, &rd.bind, names[i], objs[i], olens[i], pin, pin_len, &secrets[i],
					    &lens[i], records ? &records[i] : NULL, records ? &record_lens[i] : NULL);
		if (r != 0)
			goto done;
	}
	rv = 0;
done:
	if (round)
		round_free(&rd);
	if (rv != 0)
		for (i = 0; i < n; i++) {
			poc_secret_free(secrets[i], lens[i]);
			secrets[i] = NULL;
			lens[i] = 0;
		}
	for (i = 0; i < n; i++)
		free(objs[i]);
	free(objs);
	free(olens);
	poc_tpm_close(tpm);
	return rv;
}

int poc_token_release(struct poc_err *e, struct poc_token *t, const char *name, const uint8_t *pin, size_t pin_len,
		      struct poc_appraisal *a, uint8_t **secret, size_t *secret_len)
{
	return poc_token_release_many(e, t, &name, 1, NULL, pin, pin_len, a, secret, secret_len, NULL, NULL);
}
