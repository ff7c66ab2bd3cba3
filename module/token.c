/* SPDX-License-Identifier: Apache-2.0 */
#include "token.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "bundle.h"
#include "credential.h"
#include "files.h"
#include "hex.h"
#include "record.h"
#include "tpm.h"
#include "tpm_attest.h"
#include "tpm_evidence.h"
#include "token_pin.h"
#include "tpm_pin.h"
#include "tpm_seal.h"

#define POLICY_MAX (1u << 20)
#define POLICY_FILE_MAX (1u << 20)
#define COLLATERAL_FILE_MAX (1u << 20)
#define VERIFIER_LABEL "poc-verifier-key"
#define DENIAL_LABEL "poc-denial-key"

static const char *const coll_ext[POC_COLL_COUNT] = {
	".json", ".bin", ".pem", ".json", ".bin", ".pem", ".der", ".der", ".pem",
};

/* A DCAP collateral folder (tcb_info.json, ...) into the bundle. */
int poc_bundle_read_collateral(struct poc_err *e, const char *dir, struct poc_bundle *b)
{
	char path[4096];
	size_t i;

	for (i = 0; i < POC_COLL_COUNT; i++) {
		poc_blob_clear(&b->collateral[i]);
		if (snprintf(path, sizeof(path), "%s/%s%s", dir, poc_coll_item_name(i), coll_ext[i]) >= (int)sizeof(path))
			return poc_err_set(e, POC_ERR_ARG, "collateral folder path too long");
		if (poc_file_read(e, path, COLLATERAL_FILE_MAX, &b->collateral[i].p, &b->collateral[i].len) < 0)
			return -1;
	}
	b->has_collateral = 1;
	return 0;
}

/* ---- the policy and the files it names, kept inside the token ---- */

/* The store name of a file the policy names: by the path as written, so lookups need no map. */
static void policy_file_name(const char *path, char name[80])
{
	uint8_t h[32];
	unsigned int n;

	EVP_Digest(path, strlen(path), h, &n, EVP_sha256(), NULL);
	memcpy(name, "policy-", 7);
	poc_hex_encode(h, 32, name + 7);
}

struct init_loader {
	const char *dir;          /* the policy file's folder */
	struct poc_store *store;  /* where each file is copied */
};

static int load_and_copy(void *ctx, struct poc_err *e, const char *path, uint8_t **buf, size_t *len)
{
	struct init_loader *l = ctx;
	char full[4096], name[80];

	if (snprintf(full, sizeof(full), "%s%s%s", path[0] == '/' ? "" : l->dir, path[0] == '/' ? "" : "/", path) >=
	    (int)sizeof(full))
		return poc_err_set(e, POC_ERR_ARG, "path too long");
	if (poc_file_read(e, full, POLICY_FILE_MAX, buf, len) < 0)
		return -1;
	policy_file_name(path, name);
	return poc_store_put(e, l->store, name, *buf, *len);
}

static int load_from_store(void *ctx, struct poc_err *e, const char *path, uint8_t **buf, size_t *len)
{
	char name[80];

	policy_file_name(path, name);
	if (poc_store_get(e, ctx, name, buf, len) < 0) {
		poc_err_prefix(e, "%s (kept in the token): ", path);
		return -1;
	}
	return 0;
}

/* ---- sealing and unsealing one object ---- */

static int seal_with(struct poc_err *e, struct poc_tpm *tpm, struct poc_object_header *h, uint16_t bank, uint32_t mask,
		     const uint8_t *pin, size_t pin_len, const uint8_t *secret, size_t secret_len, uint8_t **out,
		     size_t *out_len)
{
	struct poc_sealed sealed;
	uint8_t k_tpm[32];
	int rv = -1;

	if (RAND_bytes(k_tpm, sizeof(k_tpm)) != 1)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "random K_tpm");
	if (poc_tpm_seal(e, tpm, bank, mask, pin, pin_len, k_tpm, &sealed) < 0)
		goto done;
	h->pcr_bank = bank;
	h->pcr_mask = mask;
	h->sealed_pub = sealed.pub;
	h->sealed_pub_len = sealed.pub_len;
	h->sealed_priv = sealed.priv;
	h->sealed_priv_len = sealed.priv_len;
	rv = poc_object_seal(e, h, k_tpm, NULL, secret, secret_len, out, out_len);
	h->sealed_pub = h->sealed_priv = NULL;
done:
	OPENSSL_cleanse(k_tpm, sizeof(k_tpm));
	return rv;
}

/* Unseals K_tpm in the TPM (PCR policy, PIN) and opens the object. Returns POC_TOKEN_WRONG_PIN for a bad PIN. */
static int unseal_with(struct poc_err *e, struct poc_tpm *tpm, const uint8_t *obj, size_t len, const uint8_t *pin,
		       size_t pin_len, uint8_t **secret, size_t *secret_len)
{
	struct poc_object_header h;
	struct poc_sealed sealed;
	uint8_t k_tpm[32];
	int rv;

	memset(&h, 0, sizeof(h));
	if (poc_object_parse(e, obj, len, &h, NULL, NULL) < 0)
		return -1;
	if (h.sealed_pub_len > sizeof(sealed.pub) || h.sealed_priv_len > sizeof(sealed.priv)) {
		poc_object_header_free(&h);
		return poc_err_set(e, POC_ERR_MALFORMED, "object: sealed TPM object too large");
	}
	memcpy(sealed.pub, h.sealed_pub, h.sealed_pub_len);
	sealed.pub_len = h.sealed_pub_len;
	memcpy(sealed.priv, h.sealed_priv, h.sealed_priv_len);
	sealed.priv_len = h.sealed_priv_len;
	rv = poc_tpm_unseal(e, tpm, &sealed, h.pcr_bank, h.pcr_mask, pin, pin_len, k_tpm);
	poc_object_header_free(&h);
	if (rv == POC_TPM_WRONG_PIN)
		return POC_TOKEN_WRONG_PIN;
	if (rv == POC_TPM_PIN_LOCKED)
		return POC_TOKEN_PIN_LOCKED;
	if (rv == POC_TPM_PCRS_CHANGED)
		return POC_TOKEN_PCRS_CHANGED;
	if (rv < 0)
		return -1;
	rv = poc_object_open(e, obj, len, k_tpm, NULL, secret, secret_len);
	OPENSSL_cleanse(k_tpm, sizeof(k_tpm));
	return rv;
}

/* ---- the token ---- */

/* The TPM for token t, its SRK pinned to the one t was created with (tpm.h says why). */
static int token_tpm(struct poc_err *e, const struct poc_token *t, struct poc_tpm **tpm)
{
	if (poc_tpm_open(e, t->cfg.tcti, tpm) < 0)
		return -1;
	if (t->meta.srk_name != NULL)
		poc_tpm_pin_srk(*tpm, t->meta.srk_name, t->meta.srk_name_len);
	poc_token_pin_use(&t->meta, *tpm);
	return 0;
}

/* A new P-256 record-signing key: its SPKI, and the private key sealed as an object (mask 0: no PCRs). */
static int new_signing_key(struct poc_err *e, struct poc_tpm *tpm, const char *label, const struct poc_config *cfg,
			   const uint8_t policy_digest[32], uint16_t bank, uint32_t mask, const uint8_t *pin,
			   size_t pin_len, uint8_t **spki, size_t *spki_len, uint8_t **wrapped, size_t *wrapped_len)
{
	struct poc_object_header h;
	EVP_PKEY *key = EVP_EC_gen("P-256");
	uint8_t *der = NULL, *pub = NULL;
	int der_len = 0, pub_len = 0, rv = -1;

	memset(&h, 0, sizeof(h));
	if (key == NULL || (der_len = i2d_PrivateKey(key, &der)) <= 0 || (pub_len = i2d_PUBKEY(key, &pub)) <= 0) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "%s", label);
		goto done;
	}
	h.class = 0; /* CKO_DATA */
	snprintf(h.label, sizeof(h.label), "%s", label);
	h.ttl = cfg->ttl;
	h.recheck_first_use = cfg->release_first_use;
	memcpy(h.policy_digest, policy_digest, 32);
	if (seal_with(e, tpm, &h, bank, mask, pin, pin_len, der, (size_t)der_len, wrapped, wrapped_len) < 0)
		goto done;
	*spki = malloc((size_t)pub_len);
	if (*spki == NULL) {
		free(*wrapped);
		*wrapped = NULL;
		poc_err_set(e, POC_ERR_NOMEM, "%s", label);
		goto done;
	}
	memcpy(*spki, pub, (size_t)pub_len);
	*spki_len = (size_t)pub_len;
	rv = 0;
done:
	if (der != NULL)
		OPENSSL_clear_free(der, (size_t)der_len);
	OPENSSL_free(pub);
	EVP_PKEY_free(key);
	return rv;
}

int poc_token_init(struct poc_err *e, const struct poc_config *cfg, const char *label, const char *policy_path,
		   const uint8_t *pin, size_t pin_len, uint16_t bank, uint32_t mask)
{
	struct poc_token_meta meta;
	struct poc_store *store = NULL;
	struct poc_policy *policy = NULL;
	struct poc_tpm *tpm = NULL;
	struct init_loader l;
	uint8_t *json = NULL, pdigest[32], vals[POC_PCR_COUNT * POC_DIGEST_MAX];
	size_t json_len = 0, vals_len = 0;
	int rv = -1;
	char *dir = NULL, *slash;

	memset(&meta, 0, sizeof(meta));
	if (poc_file_read(e, policy_path, POLICY_MAX, &json, &json_len) < 0)
		return -1;
	if (poc_store_open(e, cfg->store, label, 0, &store) == 0) {
		poc_store_close(store);
		free(json);
		return poc_err_set(e, POC_ERR_ARG, "token \"%s\" already exists in %s", label, cfg->store);
	}
	poc_err_clear(e);
	if (poc_store_open(e, cfg->store, label, 1, &store) < 0)
		goto done;
	dir = strdup(policy_path);
	if (dir == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "policy path");
		goto done;
	}
	slash = strrchr(dir, '/');
	if (slash == NULL)
		strcpy(dir, ".");
	else
		slash[slash == dir] = '\0';
	l.dir = dir;
	l.store = store;
	if (poc_policy_parse(e, (const char *)json, json_len, load_and_copy, &l, &policy) < 0) {
		poc_err_prefix(e, "%s: ", policy_path);
		goto done;
	}
	if (!poc_policy_is_proof_of_cloud(policy)) {
		poc_err_set(e, POC_ERR_POLICY,
			    "%s: the policy has no providers or platforms clause: it is not a Proof of Cloud, and a token refuses it",
			    policy_path);
		goto done;
	}
	if (poc_tpm_open(e, cfg->tcti, &tpm) < 0)
		goto done;
	/* The EK and the AK made persistent, so that checks read them instead of deriving them (tpm_evidence.h). */
	if (poc_tpm_provision(e, tpm) < 0)
		goto done;
	/* The SRK, pinned from now on: every later session of the token is salted to exactly this key. */
	{
		uint8_t name[2 + 64];
		size_t name_len = sizeof(name);

		if (poc_tpm_srk_name(e, tpm, name, &name_len) < 0 || (meta.srk_name = malloc(name_len)) == NULL) {
			poc_err_set(e, POC_ERR_NOMEM, "SRK name");
			goto done;
		}
		memcpy(meta.srk_name, name, name_len);
		meta.srk_name_len = name_len;
		poc_tpm_pin_srk(tpm, name, name_len);
	}
	/* A PIN token's counter in the TPM, before anything is sealed under the PIN (token_pin.h). */
	if (pin != NULL && poc_token_pin_create(e, tpm, cfg, pin, pin_len, &meta) < 0)
		goto done;
	EVP_Digest(json, json_len, pdigest, NULL, EVP_sha256(), NULL);
	/*
	 * The local verifier: its key signs records and makes the AK credential
	 * challenges; sealed like the objects (PCRs, PIN). The denial key is
	 * sealed to the TPM alone and signs only denials: a changed PCR locks
	 * the verifier key, and the denial record must still be signed.
	 */
	if (new_signing_key(e, tpm, VERIFIER_LABEL, cfg, pdigest, bank, mask, pin, pin_len, &meta.verifier_spki,
			    &meta.verifier_spki_len, &meta.verifier_key, &meta.verifier_key_len) < 0 ||
	    new_signing_key(e, tpm, DENIAL_LABEL, cfg, pdigest, bank, 0, NULL, 0, &meta.denial_spki,
			    &meta.denial_spki_len, &meta.denial_key, &meta.denial_key_len) < 0)
		goto done;
	/* The values sealed to, so that a denial can name the PCR that changed. */
	if (poc_tpm_pcr_read(e, tpm, bank, mask, vals, &vals_len, NULL) < 0)
		goto done;
	meta.pcr_values = malloc(vals_len ? vals_len : 1);
	if (meta.pcr_values == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "PCR values");
		goto done;
	}
	memcpy(meta.pcr_values, vals, vals_len);
	meta.pcr_values_len = vals_len;
	snprintf(meta.label, sizeof(meta.label), "%s", label);
	meta.schema = POC_TOKEN_SCHEMA;
	meta.created = (uint64_t)time(NULL);
	meta.policy_json = json;
	meta.policy_json_len = json_len;
	meta.pcr_bank = bank;
	meta.pcr_mask = mask;
	meta.has_pin = pin != NULL;
	rv = poc_store_token_write(e, store, &meta);
done:
	if (rv < 0)
		poc_token_pin_destroy(tpm, &meta);
	meta.policy_json = NULL; /* json, freed below */
	poc_token_meta_free(&meta);
	free(json);
	free(dir);
	poc_policy_free(policy);
	poc_tpm_close(tpm);
	poc_store_close(store);
	return rv;
}

int poc_token_open(struct poc_err *e, const struct poc_config *cfg, const char *label, struct poc_token **out)
{
	struct poc_token *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (t == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "token");
	t->cfg = *cfg;
	if (poc_store_open(e, cfg->store, label, 0, &t->store) < 0 || poc_store_token_read(e, t->store, &t->meta) < 0 ||
	    poc_policy_parse(e, (const char *)t->meta.policy_json, t->meta.policy_json_len, load_from_store, t->store,
			     &t->policy) < 0) {
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
	poc_token_meta_free(&t->meta);
	poc_store_close(t->store);
	free(t);
}

int poc_token_seal(struct poc_err *e, struct poc_token *t, const struct poc_object_header *in, const uint8_t *secret,
		   size_t secret_len, const uint8_t *pin, size_t pin_len, char name[POC_STORE_NAME_MAX])
{
	struct poc_object_header h = *in;
	struct poc_tpm *tpm = NULL;
	uint8_t *obj = NULL, *existing = NULL;
	size_t obj_len = 0, elen;
	int rv = -1, r;

	/* The token's policy was checked at init; check again, the store is not trusted. */
	if (!poc_policy_is_proof_of_cloud(t->policy))
		return poc_err_set(e, POC_ERR_POLICY, "the token's policy is not a Proof of Cloud: refusing to seal");
	if (t->meta.has_pin != (pin != NULL))
		return poc_err_set(e, POC_ERR_ARG, t->meta.has_pin ? "the token has a PIN: give it" : "the token has no PIN");
	if (poc_store_object_name(e, h.class, h.id, h.id_len, h.label, name) < 0)
		return -1;
	if (poc_store_get(e, t->store, name, &existing, &elen) == 0) {
		free(existing);
		return poc_err_set(e, POC_ERR_ARG, "an object %s already exists", name);
	}
	poc_err_clear(e);
	memcpy(h.policy_digest, t->meta.policy_digest, 32);
	h.ttl = t->cfg.ttl;
	h.recheck_first_use = t->cfg.release_first_use;
	h.remote = NULL;
	if (token_tpm(e, t, &tpm) < 0)
		return -1;
	/* The PIN first, a counted try: an object sealed under a wrong PIN would block every later login. */
	r = poc_token_pin_attempt(e, t, tpm, pin, pin_len);
	if (r != 0)
		rv = r;
	else if (seal_with(e, tpm, &h, t->meta.pcr_bank, t->meta.pcr_mask, pin, pin_len, secret, secret_len, &obj,
			   &obj_len) == 0)
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

/* The tee setting as poc_tpm_collect takes it. */
static void tee_string(const struct poc_config *cfg, char *buf, size_t len)
{
	switch (cfg->tee) {
	case POC_TEE_NONE: snprintf(buf, len, "none"); break;
	case POC_TEE_SIM: snprintf(buf, len, "sim:%s", cfg->tee_sim_path); break;
	case POC_TEE_TDX: snprintf(buf, len, "tdx"); break;
	}
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

	if (poc_tpm_ak_public(e, tpm, akpub, &aklen, name, &namelen) < 0 || poc_tpm_ek_public(e, tpm, ekpub, &eklen) < 0 ||
	    poc_tpm_pub_parse(e, ekpub, eklen, &ek) < 0 || poc_tpm_pub_parse(e, akpub, aklen, &ak) < 0 ||
	    poc_credential_secret(e, ckey, nonce, nonce_len, &ak, &ek, secret) < 0)
		goto done;
	if (poc_make_credential(e, &ek, name, namelen, secret, sizeof(secret), &id, &enc) < 0 ||
	    poc_credential_file_encode(e, &id, &enc, cred, cred_len) < 0)
		goto done;
	rv = 0;
done:
	OPENSSL_cleanse(secret, sizeof(secret));
	return rv;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One evidence round: what its records and the unsealing after it need. */
struct round {
	struct poc_appraise_opts ao;
	uint8_t nonce[32], ckey[32], bundle_hash[32];
	EVP_PKEY *vkey; /* the token's verifier key, or its denial key: signs the records */
	int rv;         /* the appraisal: 0 accepted, -1 denied */
	char pcrs_changed[POC_ERR_MSG_MAX]; /* why the seal failed ("" when it did not): a denial */
};

/* "sha256:7,14": the sealed PCRs whose values differ from those at init (all of them when unknown). */
static void changed_pcrs(struct poc_tpm *tpm, const struct poc_token_meta *m, char *out, size_t len)
{
	uint8_t vals[POC_PCR_COUNT * POC_DIGEST_MAX];
	size_t vlen = 0, dlen = poc_tpm_alg_digest_len(m->pcr_bank), k = 0, off;
	struct poc_err e = { 0 };
	const char *bank = poc_tpm_alg_name(m->pcr_bank);
	int known, any = 0;
	unsigned i;

	known = m->pcr_values != NULL && poc_tpm_pcr_read(&e, tpm, m->pcr_bank, m->pcr_mask, vals, &vlen, NULL) == 0 &&
		vlen == m->pcr_values_len;
	off = (size_t)snprintf(out, len, "%s%s:", known ? "" : "one of ", bank ? bank : "?");
	for (i = 0; i < POC_PCR_COUNT && off < len; i++) {
		if (!(m->pcr_mask & (1u << i)))
			continue;
		if (!known || memcmp(vals + k * dlen, m->pcr_values + k * dlen, dlen) != 0) {
			off += (size_t)snprintf(out + off, len - off, "%s%u", any ? "," : "", i);
			any = 1;
		}
		k++;
	}
}

/*
 * The verifier key's seal failed on the PCRs: unseal the denial key (sealed
 * to the TPM alone) instead, so the round still runs and its record, which
 * is a denial whatever the evidence says, is signed.
 */
static int open_denial_key(struct poc_err *e, struct poc_token *t, struct poc_tpm *tpm, struct round *rd,
			   uint8_t **der, size_t *der_len)
{
	char which[128];
	int r;

	changed_pcrs(tpm, &t->meta, which, sizeof(which));
	snprintf(rd->pcrs_changed, sizeof(rd->pcrs_changed),
		 "PCR %s changed since the token was sealed (PCR policy not satisfied: the TPM refuses its keys)", which);
	poc_err_clear(e);
	r = unseal_with(e, tpm, t->meta.denial_key, t->meta.denial_key_len, NULL, 0, der, der_len);
	if (r != 0) {
		poc_err_prefix(e, "%s; the token's denial key: ", rd->pcrs_changed);
		return -1;
	}
	return 0;
}

/* A PCR seal failure overrides an accepting appraisal; a denial already made keeps its clause. */
static void deny_pcrs(struct poc_appraisal *a, const struct poc_token_meta *m, const char *why)
{
	const char *bank = poc_tpm_alg_name(m->pcr_bank);

	a->vtpm = POC_EAR_CONTRAINDICATED;
	if (!a->accepted && a->code != POC_OK) {
		if (a->nnotes < POC_APPRAISAL_MAX_NOTES)
			snprintf(a->notes[a->nnotes++], sizeof(a->notes[0]), "seal.pcrs: %.140s", why);
		return;
	}
	a->accepted = 0;
	a->code = POC_ERR_POLICY;
	snprintf(a->clause, sizeof(a->clause), "seal.pcrs.%s", bank ? bank : "?");
	snprintf(a->reason, sizeof(a->reason), "%s", why);
}

static void round_free(struct round *r)
{
	OPENSSL_cleanse(r->ckey, sizeof(r->ckey));
	OPENSSL_cleanse(r->nonce, sizeof(r->nonce));
	EVP_PKEY_free(r->vkey);
	r->vkey = NULL;
}

/*
 * The check: unseal the verifier key (PCRs, PIN), challenge the AK, collect
 * and appraise. Returns 0 when the round ran (r->rv says accepted or denied),
 * -1 on errors before the appraisal, POC_TOKEN_WRONG_PIN.
 */
static int check_round(struct poc_err *e, struct poc_token *t, struct poc_tpm *tpm, const uint8_t *pin, size_t pin_len,
		       struct poc_appraisal *a, struct round *rd)
{
	struct poc_collect_opts co;
	struct poc_bundle b;
	uint8_t *der = NULL, *cred = NULL, *benc = NULL;
	size_t der_len = 0, cred_len = 0, benc_len = 0;
	const uint8_t *p;
	char tee[4200], coll[4200];
	int rv = -1, r;

	memset(a, 0, sizeof(*a));
	memset(rd, 0, sizeof(*rd));
	memset(&b, 0, sizeof(b));
	memset(&co, 0, sizeof(co));
	/* The PIN attempt, counted by the TPM (token_pin.h): a wrong or locked PIN stops here. */
	if (t->meta.has_pin && (r = poc_token_pin_attempt(e, t, tpm, pin, pin_len)) != 0)
		return r;
	/* The verifier key is sealed like any object: a changed PCR turns to the denial key. */
	r = unseal_with(e, tpm, t->meta.verifier_key, t->meta.verifier_key_len, pin, pin_len, &der, &der_len);
	if (r == POC_TOKEN_PCRS_CHANGED && t->meta.denial_key != NULL) {
		if (open_denial_key(e, t, tpm, rd, &der, &der_len) < 0)
			goto done;
		r = 0;
	} else if (r == POC_TOKEN_PCRS_CHANGED) {
		r = -1;
	}
	if (r != 0) {
		rv = r;
		poc_err_prefix(e, "the token's verifier key: ");
		goto done;
	}
	p = der;
	rd->vkey = d2i_AutoPrivateKey(NULL, &p, (long)der_len);
	if (rd->vkey == NULL || poc_credential_key(e, rd->vkey, rd->ckey) < 0) {
		poc_err_set(e, POC_ERR_MALFORMED, "the token's verifier key does not decode");
		goto done;
	}
	if (RAND_bytes(rd->nonce, sizeof(rd->nonce)) != 1) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "nonce");
		goto done;
	}
	rd->ao.has_nonce_time = 1; /* freshness on our own clock: we issue the nonce */
	rd->ao.nonce_time_ms = now_ms();
	if (make_challenge(e, tpm, rd->ckey, rd->nonce, sizeof(rd->nonce), &cred, &cred_len) < 0)
		goto done;
	tee_string(&t->cfg, tee, sizeof(tee));
	co.nonce = rd->nonce;
	co.nonce_len = sizeof(rd->nonce);
	co.tee = tee;
	co.bank = t->meta.pcr_bank;
	co.pcr_mask = t->meta.pcr_mask;
	co.credential = cred;
	co.credential_len = cred_len;
	if (poc_tpm_collect(e, tpm, &co, &b) < 0)
		goto done;
	if (t->cfg.tee != POC_TEE_NONE) {
		struct stat st;

		if (t->cfg.tee == POC_TEE_SIM)
			snprintf(coll, sizeof(coll), "%s/collateral", t->cfg.tee_sim_path);
		else
			snprintf(coll, sizeof(coll), "%s", t->cfg.collateral);
		if (stat(coll, &st) == 0 && S_ISDIR(st.st_mode) && poc_bundle_read_collateral(e, coll, &b) < 0)
			goto done;
	}
	if (poc_bundle_encode(e, &b, &benc, &benc_len) < 0)
		goto done;
	EVP_Digest(benc, benc_len, rd->bundle_hash, NULL, EVP_sha256(), NULL);
	rd->ao.nonce = rd->nonce;
	rd->ao.nonce_len = sizeof(rd->nonce);
	rd->ao.at_ms = now_ms();
	rd->ao.at = rd->ao.at_ms / 1000;
	rd->ao.credential_key = rd->ckey;
	/* A release needs poc affirming: a warning (e.g. only the vTPM endorsed) is a denial here. */
	rd->rv = poc_appraise(t->policy, &b, &rd->ao, a) == 0 ? poc_appraisal_require_affirming(a) : -1;
	if (rd->pcrs_changed[0] != '\0') {
		deny_pcrs(a, &t->meta, rd->pcrs_changed);
		rd->rv = -1;
	}
	rv = 0;
done:
	poc_secret_free(der, der_len);
	free(cred);
	free(benc);
	poc_bundle_free(&b);
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

	memset(&bind, 0, sizeof(bind));
	memset(&h, 0, sizeof(h));
	bind.bundle_hash = rd->bundle_hash;
	memcpy(pid, "sha256:", 7);
	poc_hex_encode(t->meta.policy_digest, 32, pid + 7);
	bind.policy_id = pid;
	bind.verification = "local";
	if (object_file != NULL && poc_object_parse(e, object_file, object_len, &h, NULL, NULL) == 0) {
		/* DESIGN.md section 4: the SHA-256 of the public key, or of the wrapped blob for secrets. */
		if (h.spki != NULL)
			EVP_Digest(h.spki, h.spki_len, kh, NULL, EVP_sha256(), NULL);
		else
			EVP_Digest(object_file, object_len, kh, NULL, EVP_sha256(), NULL);
		bind.key_hash = kh;
		bind.cka_id = h.id_len ? h.id : NULL;
		bind.cka_id_len = h.id_len;
	}
	poc_err_clear(e);
	r = poc_record_sign(e, a, &rd->ao, &bind, rd->ao.at, (int64_t)t->cfg.ttl, rd->vkey, record, record_len);
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
	if (token_tpm(e, t, &tpm) < 0) {
		memset(a, 0, sizeof(*a));
		return -1;
	}
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

int poc_token_release_many(struct poc_err *e, struct poc_token *t, const char *const *names, size_t n,
			   const uint8_t *pin, size_t pin_len, struct poc_appraisal *a, uint8_t **secrets, size_t *lens,
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
	for (i = 0; i < n; i++)
		if (poc_store_get(e, t->store, names[i], &objs[i], &olens[i]) < 0)
			goto done;
	/* One TPM connection and one evidence round for every object: they share the token's policy. */
	if (token_tpm(e, t, &tpm) < 0)
		goto done;
	round = 1; /* check_round fills rd from its start: freed whatever it returns */
	r = check_round(e, t, tpm, pin, pin_len, a, &rd);
	if (r != 0) {
		rv = r;
		goto done;
	}
	for (i = 0; i < n; i++) {
		struct poc_err e2 = { 0 };
		char rname[POC_STORE_NAME_MAX + 8];
		uint8_t *rec = NULL;
		size_t rec_len = 0;

		/*
		 * Each object's record, to the caller and, as the last record for
		 * `poctool show`, to the store: a copy, so not worth an fsync on the
		 * way to the first signature (a read-only store keeps none).
		 */
		if (round_record(&e2, t, a, &rd, objs[i], olens[i], &rec, &rec_len) < 0)
			continue;
		snprintf(rname, sizeof(rname), "%s.record", names[i]);
		(void)poc_store_put_cache(&e2, t->store, rname, rec, rec_len);
		if (records != NULL) {
			records[i] = rec;
			record_lens[i] = rec_len;
		} else {
			free(rec);
		}
	}
	if (rd.rv != 0) {
		poc_err_set(e, a->code != POC_OK ? a->code : POC_ERR_POLICY, "Proof-of-Cloud check denied: %s: %s", a->clause,
			    a->reason);
		goto done;
	}
	for (i = 0; i < n; i++) {
		r = unseal_with(e, tpm, objs[i], olens[i], pin, pin_len, &secrets[i], &lens[i]);
		if (r != 0) {
			rv = r == POC_TOKEN_WRONG_PIN || r == POC_TOKEN_PIN_LOCKED ? r : -1;
			goto done;
		}
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
	return poc_token_release_many(e, t, &name, 1, pin, pin_len, a, secret, secret_len, NULL, NULL);
}

/* One of the token's two record keys, from its SubjectPublicKeyInfo. */
static EVP_PKEY *token_pub(const uint8_t *spki, size_t len)
{
	const uint8_t *p = spki;

	return spki != NULL ? d2i_PUBKEY(NULL, &p, (long)len) : NULL;
}

int poc_token_record_verify(struct poc_err *e, const struct poc_token *t, const struct poc_record *r,
			    const char **signer)
{
	EVP_PKEY *k = token_pub(t->meta.verifier_spki, t->meta.verifier_spki_len);
	int rv;

	*signer = NULL;
	if (k != NULL && poc_record_verify(e, r, k) == 0) {
		EVP_PKEY_free(k);
		*signer = "the token's verifier key";
		return 0;
	}
	EVP_PKEY_free(k);
	k = token_pub(t->meta.denial_spki, t->meta.denial_spki_len);
	if (k == NULL || poc_record_verify(e, r, k) < 0) {
		EVP_PKEY_free(k);
		return poc_err_set(e, POC_ERR_SIGNATURE, "the record is not signed by either of the token's keys");
	}
	EVP_PKEY_free(k);
	*signer = "the token's denial key";
	rv = poc_record_status(r) == POC_EAR_CONTRAINDICATED ? 0 : -1;
	if (rv < 0)
		poc_err_set(e, POC_ERR_SIGNATURE, "signed by the token's denial key, which signs only denials, yet status %s",
			    poc_ear_status_name(poc_record_status(r)));
	return rv;
}
