/* SPDX-License-Identifier: Apache-2.0 */
/* The owner's signed requests: seal (the owner's CLI) and open (pocd). See owner.h. */
#include "owner.h"

#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <openssl/crypto.h>

#include "cbor_util.h"
#include "digest.h"
#include "ecdsa_sig.h"
#include "protocol_int.h"

#define OWNER_LABEL "pocd-owner-v1"

static const char *const OPS[] = { NULL, "enrol", "revoke", "list", "rotate-kid" };

const char *poc_owner_op_name(enum poc_owner_op op)
{
	return op >= POC_OWNER_ENROL && op <= POC_OWNER_ROTATE_KID ? OPS[op] : "?";
}

static cbor_item_t *files_map(const struct poc_owner_req *r)
{
	cbor_item_t *m = cbor_new_definite_map(r->nfiles);

	for (size_t i = 0; m != NULL && i < r->nfiles; i++)
		if (poc_cbor_put(m, r->files[i].path, poc_cbor_bstr(r->files[i].data, r->files[i].len)) < 0) {
			cbor_decref(&m);
			return NULL;
		}
	return m;
}

/* The req map, keys sorted as owner.h lists them. */
static int req_bytes(const struct poc_owner_req *r, uint8_t **out, size_t *outlen)
{
	size_t n = 3 + (r->nfiles > 0) + (r->identities != NULL) + (r->key_id[0] != '\0') + (r->policy != NULL) +
		   (r->share != NULL), cap = 0;
	cbor_item_t *m = cbor_new_definite_map(n);
	int ok = m != NULL && (r->nfiles == 0 || poc_cbor_put(m, "files", files_map(r)) == 0) &&
		 poc_cbor_put(m, "iat", cbor_build_uint64((uint64_t)r->iat)) == 0 &&
		 (r->identities == NULL || poc_cbor_put(m, "identities", cbor_build_string(r->identities)) == 0) &&
		 (r->key_id[0] == '\0' || poc_cbor_put(m, "key_id", cbor_build_string(r->key_id)) == 0) &&
		 poc_cbor_put(m, "nonce", poc_cbor_bstr(r->nonce, 16)) == 0 &&
		 poc_cbor_put(m, "op", cbor_build_string(poc_owner_op_name(r->op))) == 0 &&
		 (r->policy == NULL || poc_cbor_put(m, "policy", cbor_build_string(r->policy)) == 0) &&
		 (r->share == NULL || poc_cbor_put(m, "share", poc_cbor_bstr(r->share, r->share_len)) == 0);

	*outlen = ok ? cbor_serialize_alloc(m, out, &cap) : 0;
	if (m != NULL)
		cbor_decref(&m);
	return *outlen == 0 ? -1 : 0;
}

static int tbs_digest(const uint8_t *req, size_t len, uint8_t **tbs, size_t *tbs_len)
{
	*tbs_len = sizeof(OWNER_LABEL) - 1 + len;
	if ((*tbs = malloc(*tbs_len)) == NULL)
		return -1;
	memcpy(*tbs, OWNER_LABEL, sizeof(OWNER_LABEL) - 1);
	memcpy(*tbs + sizeof(OWNER_LABEL) - 1, req, len);
	return 0;
}

int poc_owner_req_seal(struct poc_err *e, const struct poc_owner_req *r, EVP_PKEY *key, uint8_t **out,
		       size_t *outlen)
{
	uint8_t *req = NULL, *tbs = NULL, sig[64];
	size_t req_len = 0, tbs_len = 0, cap = 0;
	cbor_item_t *m = NULL;
	int rv = -1;

	*out = NULL;
	*outlen = 0;
	if (r->op < POC_OWNER_ENROL || r->op > POC_OWNER_ROTATE_KID || r->iat < 0)
		return poc_err_set(e, POC_ERR_ARG, "owner request: no operation");
	if (req_bytes(r, &req, &req_len) < 0 || tbs_digest(req, req_len, &tbs, &tbs_len) < 0) {
		poc_err_set(e, POC_ERR_NOMEM, "owner request");
		goto done;
	}
	if (poc_ecdsa_sign_raw(key, EVP_sha256(), tbs, tbs_len, sig, 32) < 0) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "owner request signature (the owner key must be P-256)");
		goto done;
	}
	m = cbor_new_definite_map(2);
	if (m == NULL || poc_cbor_put(m, "req", poc_cbor_bstr(req, req_len)) < 0 ||
	    poc_cbor_put(m, "sig", poc_cbor_bstr(sig, 64)) < 0 || (*outlen = cbor_serialize_alloc(m, out, &cap)) == 0) {
		poc_err_set(e, POC_ERR_NOMEM, "owner request");
		goto done;
	}
	rv = 0;
done:
	if (m != NULL)
		cbor_decref(&m);
	if (req != NULL)
		OPENSSL_clear_free(req, req_len);
	if (tbs != NULL)
		OPENSSL_clear_free(tbs, tbs_len);
	return rv;
}

/* The "files" map: text paths to byte strings, at most POC_OWNER_MAX_FILES. */
static int get_files(struct poc_err *e, const cbor_item_t *v, struct poc_owner_req *r)
{
	struct cbor_pair *p;

	if (!cbor_isa_map(v) || !cbor_map_is_definite(v) || cbor_map_size(v) > POC_OWNER_MAX_FILES)
		return poc_err_set(e, POC_ERR_MALFORMED, "owner request files: not a map of at most %d", POC_OWNER_MAX_FILES);
	p = cbor_map_handle(v);
	for (size_t i = 0; i < cbor_map_size(v); i++) {
		struct poc_owner_file *f = &r->files[i];
		size_t n;

		if (!poc_cbor_is_text(p[i].key) || (n = cbor_string_length(p[i].key)) == 0 || n > 4095 ||
		    memchr(cbor_string_handle(p[i].key), '\0', n) != NULL || !poc_cbor_is_bstr(p[i].value) ||
		    poc_cbor_key_repeats(p, i))
			return poc_err_set(e, POC_ERR_MALFORMED, "owner request files: entry %zu", i);
		f->path = strndup((const char *)cbor_string_handle(p[i].key), n);
		f->len = cbor_bytestring_length(p[i].value);
		f->data = malloc(f->len ? f->len : 1);
		r->nfiles = i + 1;
		if (f->path == NULL || f->data == NULL)
			return poc_err_set(e, POC_ERR_NOMEM, "owner request");
		memcpy(f->data, cbor_bytestring_handle(p[i].value), f->len);
	}
	return 0;
}

/* A definite text without NULs, copied into a new string. */
static int get_str(struct poc_err *e, const cbor_item_t *v, size_t max, char **out, const char *what)
{
	size_t n;

	if (!poc_cbor_is_text(v) || (n = cbor_string_length(v)) == 0 || n > max ||
	    memchr(cbor_string_handle(v), '\0', n) != NULL)
		return poc_err_set(e, POC_ERR_MALFORMED, "owner request %s: not a text", what);
	if ((*out = strndup((const char *)cbor_string_handle(v), n)) == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "owner request");
	return 0;
}

enum { F_FILES, F_IAT, F_IDS, F_KEY_ID, F_NONCE, F_OP, F_POLICY, F_SHARE, F_N };
static const char *const FIELDS[F_N] = { "files", "iat", "identities", "key_id", "nonce", "op", "policy", "share" };
/* Per op: the fields it must have, and those it may have. */
#define BIT(f) (1u << (f))
static const unsigned NEED[] = { 0, BIT(F_KEY_ID) | BIT(F_POLICY), BIT(F_KEY_ID), 0, 0 };
static const unsigned MAY[] = { 0, BIT(F_FILES) | BIT(F_IDS) | BIT(F_SHARE), 0, 0, 0 };

static int req_fields(struct poc_err *e, cbor_item_t *const *f, struct poc_owner_req *r)
{
	char *kid = NULL;
	unsigned have = 0;
	int op = 0;

	for (int i = 1; i < 5; i++)
		if (poc_cbor_text_is(f[F_OP], OPS[i]))
			op = i;
	if (op == 0)
		return poc_err_set(e, POC_ERR_MALFORMED, "owner request: an unknown op");
	r->op = (enum poc_owner_op)op;
	for (int i = 0; i < F_N; i++)
		have |= f[i] != NULL && i != F_IAT && i != F_NONCE && i != F_OP ? BIT(i) : 0;
	if ((have & NEED[op]) != NEED[op] || (have & ~(NEED[op] | MAY[op])) != 0)
		return poc_err_set(e, POC_ERR_MALFORMED, "owner request: fields that %s does not take, or lacks", OPS[op]);
	if (!cbor_isa_uint(f[F_IAT]) || poc_cbor_int(f[F_IAT], &r->iat) < 0 || !poc_cbor_is_bstr(f[F_NONCE]) ||
	    cbor_bytestring_length(f[F_NONCE]) != 16)
		return poc_err_set(e, POC_ERR_MALFORMED, "owner request: iat or nonce");
	memcpy(r->nonce, cbor_bytestring_handle(f[F_NONCE]), 16);
	if (f[F_KEY_ID] != NULL) {
		if (get_str(e, f[F_KEY_ID], POC_KEY_ID_MAX, &kid, "key_id") < 0)
			return -1;
		if (!poc_key_id_valid((const uint8_t *)kid, strlen(kid))) {
			free(kid);
			return poc_err_set(e, POC_ERR_MALFORMED, "owner request: not a key id");
		}
		memcpy(r->key_id, kid, strlen(kid) + 1);
		free(kid);
	}
	if ((f[F_POLICY] && get_str(e, f[F_POLICY], 1u << 20, &r->policy, "policy") < 0) ||
	    (f[F_IDS] && get_str(e, f[F_IDS], 4096, &r->identities, "identities") < 0) ||
	    (f[F_FILES] && get_files(e, f[F_FILES], r) < 0))
		return -1;
	if (f[F_SHARE] != NULL) {
		if (!poc_cbor_is_bstr(f[F_SHARE]) || (r->share_len = cbor_bytestring_length(f[F_SHARE])) < POC_OWNER_SHARE_MIN ||
		    r->share_len > POC_OWNER_SHARE_MAX)
			return poc_err_set(e, POC_ERR_MALFORMED, "owner request share: %d to %d bytes", POC_OWNER_SHARE_MIN,
					   POC_OWNER_SHARE_MAX);
		if ((r->share = OPENSSL_secure_malloc(r->share_len)) == NULL && (r->share = malloc(r->share_len)) == NULL)
			return poc_err_set(e, POC_ERR_NOMEM, "owner request");
		memcpy(r->share, cbor_bytestring_handle(f[F_SHARE]), r->share_len);
	}
	return 0;
}

/* The envelope's two byte strings and the signature over req. */
static int envelope(struct poc_err *e, const uint8_t *buf, size_t len, EVP_PKEY *owner_pub, cbor_item_t **root,
		    cbor_item_t **req)
{
	static const char *const names[] = { "req", "sig" };
	cbor_item_t *v[2];
	uint8_t *tbs = NULL;
	size_t tbs_len = 0;
	int ok;

	if (poc_remote_load_map(e, buf, len, POC_OWNER_MAX, "owner request", names, 2, 0, v, root) < 0)
		return -1;
	if (!poc_cbor_is_bstr(v[0]) || !poc_cbor_is_bstr(v[1]) || cbor_bytestring_length(v[1]) != 64)
		return poc_err_set(e, POC_ERR_MALFORMED, "owner request: req and sig are byte strings");
	if (tbs_digest(cbor_bytestring_handle(v[0]), cbor_bytestring_length(v[0]), &tbs, &tbs_len) < 0)
		return poc_err_set(e, POC_ERR_NOMEM, "owner request");
	ok = poc_ecdsa_verify_raw(owner_pub, EVP_sha256(), cbor_bytestring_handle(v[1]), 64, tbs, tbs_len);
	free(tbs);
	if (ok != 1)
		return poc_err_set(e, POC_ERR_SIGNATURE, "owner request: not signed by the owner key");
	*req = v[0];
	return 0;
}

int poc_owner_req_open(struct poc_err *e, const uint8_t *buf, size_t len, EVP_PKEY *owner_pub,
		       struct poc_owner_req *r)
{
	cbor_item_t *root = NULL, *req = NULL, *m = NULL, *f[F_N];
	int rv = -1;

	memset(r, 0, sizeof(*r));
	if (owner_pub == NULL)
		return poc_err_set(e, POC_ERR_ARG, "owner request: no owner key is pinned");
	if (envelope(e, buf, len, owner_pub, &root, &req) < 0 ||
	    poc_remote_load_map(e, cbor_bytestring_handle(req), cbor_bytestring_length(req), POC_OWNER_MAX,
				"owner request req", FIELDS, F_N,
				BIT(F_FILES) | BIT(F_IDS) | BIT(F_KEY_ID) | BIT(F_POLICY) | BIT(F_SHARE), f, &m) < 0 ||
	    req_fields(e, f, r) < 0)
		goto done;
	if (poc_sha256(cbor_bytestring_handle(req), cbor_bytestring_length(req), r->digest) < 0) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "owner request digest");
		goto done;
	}
	rv = 0;
done:
	if (m != NULL)
		cbor_decref(&m);
	if (root != NULL)
		cbor_decref(&root);
	if (rv < 0)
		poc_owner_req_free(r);
	return rv;
}

void poc_owner_req_free(struct poc_owner_req *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nfiles; i++) {
		free(r->files[i].path);
		free(r->files[i].data);
	}
	free(r->policy);
	free(r->identities);
	if (r->share != NULL) {
		if (CRYPTO_secure_allocated(r->share))
			OPENSSL_secure_clear_free(r->share, r->share_len);
		else
			OPENSSL_clear_free(r->share, r->share_len);
	}
	memset(r, 0, sizeof(*r));
}
