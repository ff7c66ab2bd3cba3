/* SPDX-License-Identifier: Apache-2.0 */
/*
 * poc_token_init (token.h): a new token, its policy and the files it names
 * copied in, its keys sealed in the TPM, and its state signed by its
 * verifier key (token_state.h).
 */
#include "digest.h"
#include "token/token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "store/files.h"
#include "pcrs.h"
#include "token/token_authz.h"
#include "token/token_int.h"
#include "token/token_pin.h"
#include "token/token_state.h"
#include "tpm/tpm_keys.h"
#include "tpm/tpm_seal.h"

#define POLICY_MAX (1u << 20)
#define POLICY_FILE_MAX (1u << 20)

struct init_loader {
	const char *dir;              /* the policy file's folder */
	struct poc_store *store;      /* where each file is copied */
	struct poc_token_meta *meta;  /* where each file's digest is listed */
};

/* Reads a file the policy names, copies it into the token and lists its SHA-256 in the state to be signed. */
static int load_and_copy(void *ctx, struct poc_err *e, const char *path, uint8_t **buf, size_t *len)
{
	struct init_loader *l = ctx;
	struct poc_token_meta *m = l->meta;
	struct poc_token_file *f;
	char full[4096], name[80];
	size_t i;

	if (snprintf(full, sizeof(full), "%s%s%s", path[0] == '/' ? "" : l->dir, path[0] == '/' ? "" : "/", path) >=
	    (int)sizeof(full))
		return poc_err_set(e, POC_ERR_ARG, "path too long");
	if (poc_file_read(e, full, POLICY_FILE_MAX, buf, len) < 0)
		return -1;
	if (poc_token_policy_file_name(e, path, name) < 0) {
		free(*buf);
		*buf = NULL;
		return -1;
	}
	for (i = 0; i < m->nfiles && strcmp(m->files[i].name, name) != 0; i++)
		;
	if (i == m->nfiles) {
		if (m->nfiles == POC_TOKEN_FILES_MAX)
			return poc_err_set(e, POC_ERR_ARG, "the policy names more than %d files", POC_TOKEN_FILES_MAX);
		f = realloc(m->files, (m->nfiles + 1) * sizeof(*f));
		if (f == NULL)
			return poc_err_set(e, POC_ERR_NOMEM, "policy files");
		m->files = f;
		m->nfiles++;
	}
	snprintf(m->files[i].name, sizeof(m->files[i].name), "%s", name);
	if (EVP_Digest(*buf, *len, m->files[i].digest, NULL, EVP_sha256(), NULL) != 1)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "SHA-256 of %s", path);
	return poc_store_put(e, l->store, name, *buf, *len);
}

/* The policy: parsed (its files copied into the token, listed in m), a Proof of Cloud, its JSON and digest in m. */
static int init_policy(struct poc_err *e, struct poc_store *store, const char *policy_path, struct poc_token_meta *m)
{
	struct poc_policy *policy = NULL;
	struct init_loader l;
	char *dir, *slash;
	int rv = -1;

	if (poc_file_read(e, policy_path, POLICY_MAX, &m->policy_json, &m->policy_json_len) < 0)
		return -1;
	dir = strdup(policy_path);
	if (dir == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "policy path");
	slash = strrchr(dir, '/');
	if (slash == NULL)
		strcpy(dir, ".");
	else
		slash[slash == dir] = '\0';
	l.dir = dir;
	l.store = store;
	l.meta = m;
	if (poc_policy_parse(e, (const char *)m->policy_json, m->policy_json_len, load_and_copy, &l, &policy) < 0) {
		poc_err_prefix(e, "%s: ", policy_path);
		goto done;
	}
	if (!poc_policy_is_proof_of_cloud(policy)) {
		poc_err_set(e, POC_ERR_POLICY,
			    "%s: the policy has no providers or platforms clause: it is not a Proof of Cloud, and a token refuses it",
			    policy_path);
		goto done;
	}
	if (poc_sha256(m->policy_json, m->policy_json_len, m->policy_digest) < 0) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "SHA-256 of the policy");
		goto done;
	}
	rv = 0;
done:
	free(dir);
	poc_policy_free(policy);
	return rv;
}

/*
 * A new P-256 record-signing key: its SPKI, and the private key sealed as an
 * object of the token of bind. With keep, the key is also returned (the
 * verifier key signs the state), and bind->verifier is set to its SPKI's
 * digest before it is sealed.
 */
static int new_signing_key(struct poc_err *e, struct poc_tpm *tpm, const char *label, const struct poc_config *cfg,
			   const struct poc_token_meta *m, struct poc_object_bind *bind, uint32_t mask,
			   const uint8_t *pin, size_t pin_len, uint8_t **spki, size_t *spki_len, uint8_t **wrapped,
			   size_t *wrapped_len, EVP_PKEY **keep)
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
	if (keep != NULL && poc_sha256(pub, (size_t)pub_len, bind->verifier) < 0) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "%s: SHA-256", label);
		goto done;
	}
	h.class = 0; /* CKO_DATA */
	snprintf(h.label, sizeof(h.label), "%s", label);
	h.ttl = cfg->ttl;
	h.recheck_first_use = cfg->release_first_use;
	memcpy(h.policy_digest, m->policy_digest, 32);
	if (poc_token_seal_with(e, tpm, &h, bind, m->pcr_bank, mask, pin, pin_len, der, (size_t)der_len, wrapped,
				wrapped_len) < 0)
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
	if (keep != NULL) {
		*keep = key;
		key = NULL;
	}
	rv = 0;
done:
	if (der != NULL)
		OPENSSL_clear_free(der, (size_t)der_len);
	OPENSSL_free(pub);
	EVP_PKEY_free(key);
	return rv;
}

/* The SRK, pinned from now on: every later session of the token is salted to exactly this key. */
static int init_srk(struct poc_err *e, struct poc_tpm *tpm, struct poc_token_meta *m)
{
	uint8_t name[2 + 64];
	size_t name_len = sizeof(name);

	if (poc_tpm_srk_name(e, tpm, name, &name_len) < 0)
		return -1;
	if (poc_tpm_pin_srk(e, tpm, name, name_len) < 0)
		return -1;
	m->srk_name = malloc(name_len);
	if (m->srk_name == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "SRK name");
	memcpy(m->srk_name, name, name_len);
	m->srk_name_len = name_len;
	return 0;
}

/*
 * The TPM part: the EK and AK made persistent, the SRK pinned, a PIN
 * token's PIN counter, the verifier and the denial keys sealed (bound to the
 * new token id), the PCR values. *vkey is the verifier key, for signing the
 * state.
 */
struct init_pins {
	const uint8_t *pin, *so_pin;
	size_t pin_len, so_len;
};

/*
 * A signed-PCR-policy token (token_authz.h): the policy key kept in m, the
 * epoch counter made in the TPM, and tpm's seals under PolicyAuthorize from
 * now on (the verifier key's too). authz->spki NULL: a literal token.
 */
static int init_authz(struct poc_err *e, struct poc_tpm *tpm, struct poc_token_meta *m, struct poc_token_authz *authz)
{
	struct poc_epoch_nv nv;

	if (authz->spki == NULL)
		return 0;
	if (poc_tpm_authz_key(e, authz->spki, authz->spki_len, &authz->key) < 0 ||
	    poc_tpm_epoch_create(e, tpm, &authz->key, m->token_id, &nv) < 0)
		return -1;
	m->epoch_nv = nv.handle;
	m->epoch_nv_name = malloc(nv.name_len);
	m->policy_key_spki = malloc(authz->spki_len);
	if (m->epoch_nv_name == NULL || m->policy_key_spki == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "policy key");
	memcpy(m->epoch_nv_name, nv.name, nv.name_len);
	m->epoch_nv_name_len = nv.name_len;
	memcpy(m->policy_key_spki, authz->spki, authz->spki_len);
	m->policy_key_spki_len = authz->spki_len;
	authz->nv = nv;
	memcpy(authz->token_id, m->token_id, sizeof(authz->token_id));
	poc_token_authz_use(tpm, authz);
	return 0;
}

static int init_tpm(struct poc_err *e, struct poc_tpm *tpm, const struct poc_config *cfg, struct poc_token_meta *m,
		    const struct init_pins *p, struct poc_token_authz *authz, EVP_PKEY **vkey)
{
	struct poc_object_bind bind;
	uint8_t vals[POC_PCR_COUNT * POC_DIGEST_MAX];
	size_t vals_len = 0;

	if (RAND_bytes(m->token_id, sizeof(m->token_id)) != 1)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "random token id");
	memcpy(bind.token_id, m->token_id, POC_TOKEN_ID_LEN);
	/* The EK and the AK made persistent, so that checks read them instead of deriving them (tpm_keys.h). */
	if (poc_tpm_provision(e, tpm) < 0 || init_srk(e, tpm, m) < 0)
		return -1;
	/* A PIN token's counter in the TPM, before anything is sealed under the PIN (token_pin.h). */
	if (p->pin != NULL && poc_token_pin_create(e, tpm, cfg, p->pin, p->pin_len, p->so_pin, p->so_len, m) < 0)
		return -1;
	if (init_authz(e, tpm, m, authz) < 0)
		return -1;
	/*
	 * The local verifier: its key signs records, the token state and the AK
	 * credential challenges; sealed like the objects (PCRs, PIN). The denial
	 * key is sealed to the TPM alone and signs only denials: a changed PCR
	 * locks the verifier key, and the denial record must still be signed.
	 */
	if (new_signing_key(e, tpm, POC_TOKEN_VERIFIER_LABEL, cfg, m, &bind, m->pcr_mask, p->pin, p->pin_len,
			    &m->verifier_spki, &m->verifier_spki_len, &m->verifier_key, &m->verifier_key_len, vkey) < 0 ||
	    new_signing_key(e, tpm, POC_TOKEN_DENIAL_LABEL, cfg, m, &bind, 0, NULL, 0, &m->denial_spki, &m->denial_spki_len,
			    &m->denial_key, &m->denial_key_len, NULL) < 0)
		return -1;
	/* The values sealed to, so that a denial can name the PCR that changed. */
	if (poc_tpm_pcr_read(e, tpm, m->pcr_bank, m->pcr_mask, vals, &vals_len, NULL) < 0)
		return -1;
	m->pcr_values = malloc(vals_len ? vals_len : 1);
	if (m->pcr_values == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "PCR values");
	memcpy(m->pcr_values, vals, vals_len);
	m->pcr_values_len = vals_len;
	return 0;
}

int poc_token_init(struct poc_err *e, const struct poc_config *cfg, const char *label, const char *policy_path,
		   const uint8_t *pin, size_t pin_len, const uint8_t *so_pin, size_t so_len, uint16_t bank, uint32_t mask)
{
	return poc_token_init_signed(e, cfg, label, policy_path, pin, pin_len, so_pin, so_len, bank, mask, NULL, 0);
}

int poc_token_init_signed(struct poc_err *e, const struct poc_config *cfg, const char *label, const char *policy_path,
			  const uint8_t *pin, size_t pin_len, const uint8_t *so_pin, size_t so_len, uint16_t bank,
			  uint32_t mask, const uint8_t *policy_spki, size_t policy_spki_len)
{
	struct poc_token_authz authz = { .spki = policy_spki, .spki_len = policy_spki_len };
	const struct init_pins pins = { .pin = pin, .pin_len = pin_len, .so_pin = so_pin, .so_len = so_len };
	struct poc_token_meta meta;
	struct poc_store *store = NULL;
	struct poc_tpm *tpm = NULL;
	EVP_PKEY *vkey = NULL;
	int rv = -1;

	memset(&meta, 0, sizeof(meta));
	if (so_pin != NULL && pin == NULL)
		return poc_err_set(e, POC_ERR_ARG, "an SO PIN needs a user PIN: the SO administers the user's PIN");
	if (poc_store_open(e, cfg->store, label, 0, &store) == 0) {
		poc_store_close(store);
		return poc_err_set(e, POC_ERR_ARG, "token \"%s\" already exists in %s", label, cfg->store);
	}
	poc_err_clear(e);
	snprintf(meta.label, sizeof(meta.label), "%s", label);
	meta.schema = POC_TOKEN_SCHEMA;
	meta.created = (uint64_t)time(NULL);
	meta.pcr_bank = bank;
	meta.pcr_mask = mask;
	meta.has_pin = pin != NULL;
	if (poc_store_open(e, cfg->store, label, 1, &store) < 0 || init_policy(e, store, policy_path, &meta) < 0 ||
	    poc_tpm_open(e, cfg->tcti, &tpm) < 0 || init_tpm(e, tpm, cfg, &meta, &pins, &authz, &vkey) < 0)
		goto done;
	/* Last: every entry is in place, so the signature covers them all, pin_nv too (token_state.h). */
	if (poc_token_state_sign(e, vkey, &meta) < 0)
		goto done;
	rv = poc_store_token_write(e, store, &meta);
done:
	/* A token that does not come to be leaves no PIN counter in the TPM. */
	if (rv < 0) {
		struct poc_err ignore = { 0 };

		poc_token_pin_destroy(tpm, &meta);
		if (tpm != NULL && authz.nv.handle != 0)
			(void)poc_tpm_epoch_delete(&ignore, tpm, &authz.nv);
	}
	poc_tpm_close(tpm);
	EVP_PKEY_free(vkey);
	poc_token_meta_free(&meta);
	poc_store_close(store);
	return rv;
}
