/* SPDX-License-Identifier: Apache-2.0 */
/* token.cbor: its encoding and its strict decoding (store.h). */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "cbor_util.h"

void poc_token_meta_free(struct poc_token_meta *m)
{
	if (m == NULL)
		return;
	free(m->policy_json);
	free(m->files);
	free(m->verifier_spki);
	if (m->verifier_key != NULL)
		OPENSSL_clear_free(m->verifier_key, m->verifier_key_len);
	free(m->denial_spki);
	if (m->denial_key != NULL)
		OPENSSL_clear_free(m->denial_key, m->denial_key_len);
	free(m->pcr_values);
	free(m->srk_name);
	free(m->pin_nv_name);
	free(m->so_nv_name);
	free(m->policy_key_spki);
	free(m->epoch_nv_name);
	free(m->state_sig);
	free(m->state_tbs);
	memset(m, 0, sizeof(*m));
}

static cbor_item_t *encode_files(const struct poc_token_meta *m)
{
	cbor_item_t *map = cbor_new_definite_map(m->nfiles);
	size_t i;

	for (i = 0; map != NULL && i < m->nfiles; i++)
		if (poc_cbor_put(map, m->files[i].name, poc_cbor_bstr(m->files[i].digest, 32)) < 0)
			cbor_decref(&map);
	return map;
}

/* An optional byte string entry: absent when p is NULL. */
static int put_opt(cbor_item_t *root, const char *key, const uint8_t *p, size_t len)
{
	return p == NULL ? 0 : poc_cbor_put(root, key, poc_cbor_bstr(p, len));
}

int poc_token_meta_encode(struct poc_err *e, const struct poc_token_meta *m, uint8_t **out, size_t *out_len)
{
	cbor_item_t *root;
	unsigned char *buf = NULL;
	size_t cap = 0, n;
	uint8_t md[32];
	struct poc_err ignore = { 0 };

	*out = NULL;
	*out_len = 0;
	if (poc_store_label_check(&ignore, m->label) < 0)
		return poc_err_set(e, POC_ERR_ARG, "token.cbor: %s", ignore.msg);
	if (m->policy_json == NULL && m->policy_json_len > 0)
		return poc_err_set(e, POC_ERR_ARG, "token.cbor: no policy JSON");
	if (m->srk_name == NULL || m->srk_name_len != POC_TOKEN_SRK_NAME_LEN || m->nfiles > POC_TOKEN_FILES_MAX)
		return poc_err_set(e, POC_ERR_ARG, "token.cbor: no SRK name of %d bytes, or too many policy files",
				   POC_TOKEN_SRK_NAME_LEN);
	if (EVP_Digest(m->policy_json ? m->policy_json : (const uint8_t *)"", m->policy_json_len, md, NULL,
		       EVP_sha256(), NULL) != 1)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "token.cbor: SHA-256 of the policy");
	root = cbor_new_definite_map(12 + (m->verifier_spki != NULL) + (m->verifier_key != NULL) +
				     (m->denial_spki != NULL) + (m->denial_key != NULL) + (m->pcr_values != NULL) +
				     2 * (m->pin_nv_name != NULL) + 2 * (m->so_nv_name != NULL) + 3 * (m->policy_key_spki != NULL) + (m->state_sig != NULL));
	/* state_sig last: what it signs is the rest, in this order (token_state.h). */
	if (root == NULL || poc_cbor_put(root, "schema", cbor_build_uint8(POC_TOKEN_SCHEMA)) < 0 ||
	    poc_cbor_put(root, "label", cbor_build_string(m->label)) < 0 ||
	    poc_cbor_put(root, "created", cbor_build_uint64(m->created)) < 0 ||
	    poc_cbor_put(root, "token_id", poc_cbor_bstr(m->token_id, sizeof(m->token_id))) < 0 ||
	    poc_cbor_put(root, "policy_json", poc_cbor_bstr(m->policy_json, m->policy_json_len)) < 0 ||
	    poc_cbor_put(root, "policy_digest", poc_cbor_bstr(md, sizeof(md))) < 0 ||
	    poc_cbor_put(root, "policy_files", encode_files(m)) < 0 ||
	    poc_cbor_put(root, "pcr_bank", cbor_build_uint16(m->pcr_bank)) < 0 ||
	    poc_cbor_put(root, "pcr_mask", cbor_build_uint32(m->pcr_mask)) < 0 ||
	    poc_cbor_put(root, "has_pin", cbor_build_bool(m->has_pin != 0)) < 0 ||
	    poc_cbor_put(root, "pin_failures", cbor_build_uint32(m->pin_failures)) < 0 ||
	    put_opt(root, "verifier_spki", m->verifier_spki, m->verifier_spki_len) < 0 ||
	    put_opt(root, "verifier_key", m->verifier_key, m->verifier_key_len) < 0 ||
	    put_opt(root, "denial_spki", m->denial_spki, m->denial_spki_len) < 0 ||
	    put_opt(root, "denial_key", m->denial_key, m->denial_key_len) < 0 ||
	    put_opt(root, "pcr_values", m->pcr_values, m->pcr_values_len) < 0 ||
	    poc_cbor_put(root, "srk_name", poc_cbor_bstr(m->srk_name, m->srk_name_len)) < 0 ||
	    (m->pin_nv_name != NULL && (poc_cbor_put(root, "pin_nv", cbor_build_uint32(m->pin_nv)) < 0 ||
					put_opt(root, "pin_nv_name", m->pin_nv_name, m->pin_nv_name_len) < 0)) ||
	    (m->so_nv_name != NULL && (poc_cbor_put(root, "so_nv", cbor_build_uint32(m->so_nv)) < 0 ||
				       put_opt(root, "so_nv_name", m->so_nv_name, m->so_nv_name_len) < 0)) ||
	    (m->policy_key_spki != NULL &&
	     (put_opt(root, "policy_key_spki", m->policy_key_spki, m->policy_key_spki_len) < 0 ||
	      poc_cbor_put(root, "epoch_nv", cbor_build_uint32(m->epoch_nv)) < 0 ||
	      poc_cbor_put(root, "epoch_nv_name", poc_cbor_bstr(m->epoch_nv_name, m->epoch_nv_name_len)) < 0)) ||
	    put_opt(root, "state_sig", m->state_sig, m->state_sig_len) < 0 ||
	    (n = cbor_serialize_alloc(root, &buf, &cap)) == 0) {
		if (root)
			cbor_decref(&root);
		return poc_err_set(e, POC_ERR_NOMEM, "token.cbor encoding");
	}
	cbor_decref(&root);
	*out = buf;
	*out_len = n;
	return 0;
}

enum {
	T_SCHEMA, T_LABEL, T_CREATED, T_ID, T_POLICY, T_DIGEST, T_FILES, T_BANK, T_MASK, T_HASPIN, T_FAIL, T_SPKI,
	T_KEY, T_DSPKI, T_DKEY, T_PCRS, T_SRK, T_PINNV, T_PINNVNAME, T_SONV, T_SONVNAME, T_PKEY, T_EPOCH,
	T_EPOCHNAME, T_SIG, T_N
};
static const char *const token_names[T_N] = {
	"schema", "label", "created", "token_id", "policy_json", "policy_digest", "policy_files", "pcr_bank",
	"pcr_mask", "has_pin", "pin_failures", "verifier_spki", "verifier_key", "denial_spki", "denial_key",
	"pcr_values", "srk_name", "pin_nv", "pin_nv_name", "so_nv", "so_nv_name", "policy_key_spki", "epoch_nv",
	"epoch_nv_name", "state_sig",
};

static int tok_uint(struct poc_err *e, cbor_item_t *v, const char *what, uint64_t max, uint64_t *out)
{
	if (v == NULL || !cbor_isa_uint(v) || cbor_get_int(v) > max)
		return poc_err_set(e, POC_ERR_MALFORMED, "token.cbor: %s is missing or not an unsigned integer <= %llu", what,
				   (unsigned long long)max);
	*out = cbor_get_int(v);
	return 0;
}

/* A definite byte string of min..max bytes into a malloc'ed copy; v NULL is "missing". */
static int tok_bytes(struct poc_err *e, cbor_item_t *v, const char *what, size_t min, size_t max, uint8_t **out,
		     size_t *out_len)
{
	size_t n;

	if (v == NULL || !poc_cbor_is_bstr(v) || (n = cbor_bytestring_length(v)) < min || n > max)
		return poc_err_set(e, POC_ERR_MALFORMED, "token.cbor: %s is missing or not a byte string of %zu..%zu bytes",
				   what, min, max);
	*out = malloc(n ? n : 1);
	if (*out == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "token.cbor: %s", what);
	if (n)
		memcpy(*out, cbor_bytestring_handle(v), n);
	*out_len = n;
	return 0;
}

/* policy_files: store name => SHA-256, each name once, "policy-" and hex. */
static int decode_files(struct poc_err *e, cbor_item_t *v, struct poc_token_meta *m)
{
	struct cbor_pair *p;
	size_t i, j, n;

	if (v == NULL || !cbor_isa_map(v) || !cbor_map_is_definite(v) || cbor_map_size(v) > POC_TOKEN_FILES_MAX)
		return poc_err_set(e, POC_ERR_MALFORMED, "token.cbor: policy_files is missing or not a map of at most %d",
				   POC_TOKEN_FILES_MAX);
	m->files = calloc(cbor_map_size(v) ? cbor_map_size(v) : 1, sizeof(*m->files));
	if (m->files == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "token.cbor: policy_files");
	p = cbor_map_handle(v);
	for (i = 0; i < cbor_map_size(v); i++) {
		const cbor_item_t *k = p[i].key, *d = p[i].value;

		if (!poc_cbor_is_text(k) || (n = cbor_string_length(k)) < 8 || n >= sizeof(m->files[i].name) ||
		    memcmp(cbor_string_handle(k), "policy-", 7) != 0 || memchr(cbor_string_handle(k), '\0', n) != NULL ||
		    !poc_cbor_is_bstr(d) || cbor_bytestring_length(d) != 32)
			return poc_err_set(e, POC_ERR_MALFORMED, "token.cbor: policy_files entry %zu is not name => 32 bytes", i);
		memcpy(m->files[i].name, cbor_string_handle(k), n);
		memcpy(m->files[i].digest, cbor_bytestring_handle(d), 32);
		for (j = 0; j < i; j++)
			if (strcmp(m->files[j].name, m->files[i].name) == 0)
				return poc_err_set(e, POC_ERR_MALFORMED, "token.cbor: policy_files names %s twice", m->files[i].name);
		m->nfiles = i + 1;
	}
	return 0;
}

/* A signed-PCR-policy token's policy key and epoch counter (docs/updates.md): all three or none. */
static int decode_signed_policy(struct poc_err *e, cbor_item_t **v, struct poc_token_meta *m)
{
	int n = (v[T_PKEY] != NULL) + (v[T_EPOCH] != NULL) + (v[T_EPOCHNAME] != NULL);
	uint64_t u;

	if (n == 0)
		return 0;
	if (n != 3)
		return poc_err_set(e, POC_ERR_MALFORMED, "token.cbor: policy_key_spki, epoch_nv and epoch_nv_name go together");
	if (tok_bytes(e, v[T_PKEY], "policy_key_spki", 1, 4096, &m->policy_key_spki, &m->policy_key_spki_len) < 0 ||
	    tok_uint(e, v[T_EPOCH], "epoch_nv", UINT32_MAX, &u) < 0 ||
	    tok_bytes(e, v[T_EPOCHNAME], "epoch_nv_name", POC_TOKEN_PIN_NV_NAME_LEN, POC_TOKEN_PIN_NV_NAME_LEN,
		      &m->epoch_nv_name, &m->epoch_nv_name_len) < 0)
		return -1;
	m->epoch_nv = (uint32_t)u;
	return 0;
}

/* The byte strings and the policy's files. */
static int decode_blobs(struct poc_err *e, cbor_item_t **v, struct poc_token_meta *m)
{
	const size_t big = POC_STORE_FILE_MAX;
	uint8_t md[32], *id = NULL;
	uint64_t u;
	size_t n;

	if (tok_bytes(e, v[T_ID], "token_id", sizeof(m->token_id), sizeof(m->token_id), &id, &n) < 0)
		return -1;
	memcpy(m->token_id, id, sizeof(m->token_id));
	free(id);
	if (tok_bytes(e, v[T_POLICY], "policy_json", 0, big, &m->policy_json, &m->policy_json_len) < 0 ||
	    tok_bytes(e, v[T_DIGEST], "policy_digest", 32, 32, &id, &n) < 0)
		return -1;
	memcpy(m->policy_digest, id, 32);
	free(id);
	if (EVP_Digest(m->policy_json, m->policy_json_len, md, NULL, EVP_sha256(), NULL) != 1)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "token.cbor: SHA-256 of the policy");
	if (CRYPTO_memcmp(md, m->policy_digest, 32) != 0)
		return poc_err_set(e, POC_ERR_MISMATCH, "token.cbor: policy_digest is not the SHA-256 of policy_json");
	if (decode_files(e, v[T_FILES], m) < 0)
		return -1;
	/* Every key a schema 2 token holds, and the PCR values, are there from init on. */
	if (tok_bytes(e, v[T_SPKI], "verifier_spki", 1, big, &m->verifier_spki, &m->verifier_spki_len) < 0 ||
	    tok_bytes(e, v[T_KEY], "verifier_key", 1, big, &m->verifier_key, &m->verifier_key_len) < 0 ||
	    tok_bytes(e, v[T_DSPKI], "denial_spki", 1, big, &m->denial_spki, &m->denial_spki_len) < 0 ||
	    tok_bytes(e, v[T_DKEY], "denial_key", 1, big, &m->denial_key, &m->denial_key_len) < 0 ||
	    tok_bytes(e, v[T_PCRS], "pcr_values", 0, big, &m->pcr_values, &m->pcr_values_len) < 0)
		return -1;
	/* The SRK pin is not optional, and its size is exact: a short one would pin nothing. */
	if (tok_bytes(e, v[T_SRK], "srk_name", POC_TOKEN_SRK_NAME_LEN, POC_TOKEN_SRK_NAME_LEN, &m->srk_name,
		      &m->srk_name_len) < 0)
		return -1;
	/* The PIN counter in the TPM (tpm_pin.h): both or neither; a PIN token has one (token_pin.h). */
	if ((v[T_PINNV] == NULL) != (v[T_PINNVNAME] == NULL))
		return poc_err_set(e, POC_ERR_MALFORMED, "token.cbor: pin_nv and pin_nv_name go together");
	if (v[T_PINNV] != NULL) {
		if (tok_uint(e, v[T_PINNV], "pin_nv", UINT32_MAX, &u) < 0 ||
		    tok_bytes(e, v[T_PINNVNAME], "pin_nv_name", POC_TOKEN_PIN_NV_NAME_LEN, POC_TOKEN_PIN_NV_NAME_LEN,
			      &m->pin_nv_name, &m->pin_nv_name_len) < 0)
			return -1;
		m->pin_nv = (uint32_t)u;
	}
	if ((v[T_SONV] == NULL) != (v[T_SONVNAME] == NULL) || (v[T_SONV] != NULL && v[T_PINNV] == NULL))
		return poc_err_set(e, POC_ERR_MALFORMED, "token.cbor: so_nv and so_nv_name go together, with pin_nv");
	if (v[T_SONV] != NULL) {
		if (tok_uint(e, v[T_SONV], "so_nv", UINT32_MAX, &u) < 0 ||
		    tok_bytes(e, v[T_SONVNAME], "so_nv_name", POC_TOKEN_PIN_NV_NAME_LEN, POC_TOKEN_PIN_NV_NAME_LEN,
			      &m->so_nv_name, &m->so_nv_name_len) < 0)
			return -1;
		m->so_nv = (uint32_t)u;
	}
	if (decode_signed_policy(e, v, m) < 0)
		return -1;
	if (v[T_SIG] == NULL)
		return poc_err_set(e, POC_ERR_UNSUPPORTED,
				   "token.cbor: no state_sig: the token's state is not authenticated; re-create the token "
				   "(poctool init) and seal its secrets again");
	return tok_bytes(e, v[T_SIG], "state_sig", 8, POC_TOKEN_SIG_MAX, &m->state_sig, &m->state_sig_len);
}

static int decode_token(struct poc_err *e, cbor_item_t *root, struct poc_token_meta *m)
{
	cbor_item_t *v[T_N];
	size_t n, at;
	uint64_t u;

	switch (poc_cbor_map_fields(root, token_names, T_N, v, &at)) {
	case 0:
		break;
	case POC_CBOR_NOT_MAP:
		return poc_err_set(e, POC_ERR_MALFORMED, "token.cbor: not a definite map");
	case POC_CBOR_UNKNOWN_KEY:
		return poc_err_set(e, POC_ERR_MALFORMED, "token.cbor: unknown key (entry %zu)", at);
	default:
		return poc_err_set(e, POC_ERR_MALFORMED, "token.cbor: %s appears twice", token_names[at]);
	}
	if (tok_uint(e, v[T_SCHEMA], "schema", UINT64_MAX, &m->schema) < 0)
		return -1;
	if (m->schema != POC_TOKEN_SCHEMA)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "token.cbor: schema %llu (this module reads %d)%s",
				   (unsigned long long)m->schema, POC_TOKEN_SCHEMA,
				   m->schema < POC_TOKEN_SCHEMA ? ": an older token whose state is not authenticated (no "
								  "state_sig); re-create the token (poctool init) and seal "
								  "its secrets again" : "");
	if (v[T_LABEL] == NULL || !poc_cbor_is_text(v[T_LABEL]) || (n = cbor_string_length(v[T_LABEL])) > POC_TOKEN_LABEL_MAX)
		return poc_err_set(e, POC_ERR_MALFORMED, "token.cbor: label is missing or not a text of at most %d bytes",
				   POC_TOKEN_LABEL_MAX);
	memcpy(m->label, cbor_string_handle(v[T_LABEL]), n);
	m->label[n] = '\0';
	if (strlen(m->label) != n || poc_store_label_check(e, m->label) < 0)
		return poc_err_set(e, POC_ERR_MALFORMED, "token.cbor: bad label");
	if (tok_uint(e, v[T_CREATED], "created", UINT64_MAX, &m->created) < 0 ||
	    tok_uint(e, v[T_BANK], "pcr_bank", UINT16_MAX, &u) < 0)
		return -1;
	m->pcr_bank = (uint16_t)u;
	if (tok_uint(e, v[T_MASK], "pcr_mask", UINT32_MAX, &u) < 0)
		return -1;
	m->pcr_mask = (uint32_t)u;
	if (tok_uint(e, v[T_FAIL], "pin_failures", UINT32_MAX, &u) < 0)
		return -1;
	m->pin_failures = (uint32_t)u;
	if (v[T_HASPIN] == NULL || !poc_cbor_is_bool(v[T_HASPIN]))
		return poc_err_set(e, POC_ERR_MALFORMED, "token.cbor: has_pin is missing or not a boolean");
	m->has_pin = cbor_get_bool(v[T_HASPIN]);
	return decode_blobs(e, v, m);
}

int poc_token_meta_decode(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_token_meta *m)
{
	cbor_item_t *root;
	int rv;

	memset(m, 0, sizeof(*m));
	if (len > POC_STORE_FILE_MAX)
		return poc_err_set(e, POC_ERR_MALFORMED, "token.cbor: %zu bytes is too large", len);
	root = poc_cbor_load(e, buf, len, "token.cbor");
	if (root == NULL)
		return -1;
	rv = decode_token(e, root, m);
	cbor_decref(&root);
	/* What state_sig signs, from these very bytes (verified later, with the unsealed verifier key). */
	if (rv == 0)
		rv = poc_token_state_tbs(e, buf, len, &m->state_tbs, &m->state_tbs_len);
	if (rv < 0)
		poc_token_meta_free(m);
	return rv;
}

