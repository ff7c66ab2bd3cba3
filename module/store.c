/* SPDX-License-Identifier: Apache-2.0 */
/* The token folder: atomic files, listing, and token.cbor (store.h). */
#include "store_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cbor.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "cbor_util.h"
#include "token_state.h"

#define NAME_LEN_MAX (POC_STORE_NAME_MAX - 1)

int poc_store_label_check(struct poc_err *e, const char *label)
{
	size_t n, i;

	if (label == NULL || label[0] == '\0')
		return poc_err_set(e, POC_ERR_ARG, "token label is empty");
	n = strnlen(label, POC_TOKEN_LABEL_MAX + 1);
	if (n > POC_TOKEN_LABEL_MAX)
		return poc_err_set(e, POC_ERR_ARG, "token label \"%.32s...\" is longer than %d bytes", label,
				   POC_TOKEN_LABEL_MAX);
	if (strchr(label, '/') != NULL || strstr(label, "..") != NULL || strcmp(label, ".") == 0)
		return poc_err_set(e, POC_ERR_ARG, "token label \"%s\" holds '/' or \"..\" or is \".\"", label);
	for (i = 0; i < n; i++)
		if ((unsigned char)label[i] < 0x20 || label[i] == 0x7f)
			return poc_err_set(e, POC_ERR_ARG, "token label holds a control byte at %zu", i);
	if (label[n - 1] == ' ')
		return poc_err_set(e, POC_ERR_ARG, "token label \"%s\" ends with a space", label);
	return 0;
}

static int name_check(struct poc_err *e, const char *name)
{
	size_t i, n;

	if (name == NULL || name[0] == '\0' || name[0] == '.')
		return poc_err_set(e, POC_ERR_ARG, "store: file name \"%s\" is empty or starts with '.'", name ? name : "");
	n = strnlen(name, NAME_LEN_MAX + 1);
	if (n > NAME_LEN_MAX)
		return poc_err_set(e, POC_ERR_ARG, "store: file name longer than %d bytes", NAME_LEN_MAX);
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
		      c == '_' || c == '-' || c == '%'))
			return poc_err_set(e, POC_ERR_ARG, "store: file name \"%s\" holds '%c'", name, c);
	}
	return 0;
}

int poc_store_open(struct poc_err *e, const char *root, const char *token_label, int create, struct poc_store **out)
{
	struct poc_store *s;
	size_t n;
	int rootfd;

	*out = NULL;
	if (root == NULL || root[0] == '\0')
		return poc_err_set(e, POC_ERR_ARG, "store: no root folder");
	if (poc_store_label_check(e, token_label) < 0)
		return -1;
	s = calloc(1, sizeof(*s));
	n = strlen(root) + 1 + strlen(token_label) + 1;
	if (s == NULL || (s->dir = malloc(n)) == NULL) {
		free(s);
		return poc_err_set(e, POC_ERR_NOMEM, "store");
	}
	s->dirfd = -1;
	snprintf(s->dir, n, "%s/%s", root, token_label);
	memcpy(s->label, token_label, strlen(token_label) + 1);
	if (create) {
		if (mkdir(root, 0700) < 0 && errno != EEXIST) {
			poc_err_set(e, POC_ERR_ARG, "store: cannot create %s: %s", root, strerror(errno));
			goto fail;
		}
		if (mkdir(s->dir, 0700) == 0) {
			/* Make the new folder's name durable. */
			rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (rootfd < 0 || fsync(rootfd) < 0) {
				poc_err_set(e, POC_ERR_ARG, "store: fsync %s: %s", root, strerror(errno));
				if (rootfd >= 0)
					close(rootfd);
				goto fail;
			}
			close(rootfd);
		} else if (errno != EEXIST) {
			poc_err_set(e, POC_ERR_ARG, "store: cannot create %s: %s", s->dir, strerror(errno));
			goto fail;
		}
	}
	s->dirfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (s->dirfd < 0) {
		poc_err_set(e, POC_ERR_ARG, "store: token folder %s: %s", s->dir,
			    errno == ENOENT ? "no such token" : strerror(errno));
		goto fail;
	}
	*out = s;
	return 0;
fail:
	poc_store_close(s);
	return -1;
}

void poc_store_close(struct poc_store *s)
{
	if (s == NULL)
		return;
	if (s->dirfd >= 0)
		close(s->dirfd);
	free(s->dir);
	free(s);
}

const char *poc_store_dir(const struct poc_store *s)
{
	return s->dir;
}

const char *poc_store_label(const struct poc_store *s)
{
	return s->label;
}

/* Writes name atomically (temporary file, rename); durable: fsync the file and the folder too. */
static int write_file(struct poc_err *e, struct poc_store *s, const char *name, const uint8_t *buf, size_t len,
		      int durable)
{
	char tmp[NAME_LEN_MAX + 16];
	int fd = -1, rv = -1, made = 0;
	size_t off = 0;
	unsigned tries;

	if (name_check(e, name) < 0)
		return -1;
	if (len > POC_STORE_FILE_MAX)
		return poc_err_set(e, POC_ERR_ARG, "store: %s: %zu bytes is larger than %u", name, len, POC_STORE_FILE_MAX);
	/* mkstemp needs a path; openat keeps us inside the folder we opened. */
	for (tries = 0; tries < 100; tries++) {
		uint8_t r[4];

		if (RAND_bytes(r, sizeof(r)) != 1) {
			errno = EIO;
			break;
		}
		snprintf(tmp, sizeof(tmp), ".%s.%02x%02x%02x%02x", name, r[0], r[1], r[2], r[3]);
		fd = openat(s->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0)
		return poc_err_set(e, POC_ERR_ARG, "store: cannot write in %s: %s%s", s->dir, strerror(errno),
				   errno == EACCES || errno == EROFS ? " (read-only store)" : "");
	made = 1;
	while (off < len) {
		ssize_t w = write(fd, buf + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			poc_err_set(e, POC_ERR_ARG, "store: write %s/%s: %s", s->dir, tmp, w < 0 ? strerror(errno) : "short");
			goto done;
		}
		off += (size_t)w;
	}
	if (durable && fsync(fd) < 0) {
		poc_err_set(e, POC_ERR_ARG, "store: fsync %s/%s: %s", s->dir, tmp, strerror(errno));
		goto done;
	}
	if (close(fd) < 0) {
		fd = -1;
		poc_err_set(e, POC_ERR_ARG, "store: close %s/%s: %s", s->dir, tmp, strerror(errno));
		goto done;
	}
	fd = -1;
	if (renameat(s->dirfd, tmp, s->dirfd, name) < 0) {
		poc_err_set(e, POC_ERR_ARG, "store: rename to %s/%s: %s", s->dir, name, strerror(errno));
		goto done;
	}
	made = 0;
	if (durable && fsync(s->dirfd) < 0) {
		poc_err_set(e, POC_ERR_ARG, "store: fsync %s: %s", s->dir, strerror(errno));
		goto done;
	}
	rv = 0;
done:
	if (fd >= 0)
		close(fd);
	if (made)
		unlinkat(s->dirfd, tmp, 0);
	return rv;
}

int poc_store_put(struct poc_err *e, struct poc_store *s, const char *name, const uint8_t *buf, size_t len)
{
	return write_file(e, s, name, buf, len, 1);
}

int poc_store_put_cache(struct poc_err *e, struct poc_store *s, const char *name, const uint8_t *buf, size_t len)
{
	return write_file(e, s, name, buf, len, 0);
}

int poc_store_get(struct poc_err *e, struct poc_store *s, const char *name, uint8_t **buf, size_t *len)
{
	struct stat st;
	uint8_t *b = NULL;
	size_t off = 0;
	int fd, rv = -1;

	*buf = NULL;
	*len = 0;
	if (name_check(e, name) < 0)
		return -1;
	fd = openat(s->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return poc_err_set(e, POC_ERR_ARG, "store: %s/%s: %s", s->dir, name,
				   errno == ENOENT ? "not found" : strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 0 || (uint64_t)st.st_size > POC_STORE_FILE_MAX) {
		poc_err_set(e, POC_ERR_MALFORMED, "store: %s/%s is not a regular file of at most %u bytes", s->dir, name,
			    POC_STORE_FILE_MAX);
		goto done;
	}
	b = malloc((size_t)st.st_size + 1);
	if (b == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "store: %s/%s", s->dir, name);
		goto done;
	}
	/* Read one byte more than announced: a file that grew is caught, not cut. */
	for (;;) {
		ssize_t r = read(fd, b + off, (size_t)st.st_size + 1 - off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			poc_err_set(e, POC_ERR_ARG, "store: read %s/%s: %s", s->dir, name, strerror(errno));
			goto done;
		}
		if (r == 0)
			break;
		off += (size_t)r;
		if (off > (size_t)st.st_size) {
			poc_err_set(e, POC_ERR_ARG, "store: %s/%s changed while reading", s->dir, name);
			goto done;
		}
	}
	if (off != (size_t)st.st_size) {
		poc_err_set(e, POC_ERR_ARG, "store: %s/%s changed while reading", s->dir, name);
		goto done;
	}
	*buf = b;
	*len = off;
	b = NULL;
	rv = 0;
done:
	free(b);
	close(fd);
	return rv;
}

int poc_store_remove(struct poc_err *e, struct poc_store *s, const char *name)
{
	if (name_check(e, name) < 0)
		return -1;
	if (unlinkat(s->dirfd, name, 0) < 0)
		return poc_err_set(e, POC_ERR_ARG, "store: remove %s/%s: %s", s->dir, name,
				   errno == ENOENT ? "not found" : strerror(errno));
	if (fsync(s->dirfd) < 0)
		return poc_err_set(e, POC_ERR_ARG, "store: fsync %s: %s", s->dir, strerror(errno));
	return 0;
}

/* ---- token.cbor ---- */

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
				     (m->state_sig != NULL));
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
	T_KEY, T_DSPKI, T_DKEY, T_PCRS, T_SRK, T_SIG, T_N
};
static const char *const token_names[T_N] = {
	"schema", "label", "created", "token_id", "policy_json", "policy_digest", "policy_files", "pcr_bank",
	"pcr_mask", "has_pin", "pin_failures", "verifier_spki", "verifier_key", "denial_spki", "denial_key",
	"pcr_values", "srk_name", "state_sig",
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

	if (v == NULL || !cbor_isa_bytestring(v) || !cbor_bytestring_is_definite(v) ||
	    (n = cbor_bytestring_length(v)) < min || n > max)
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

		if (!cbor_isa_string(k) || !cbor_string_is_definite(k) || (n = cbor_string_length(k)) < 8 ||
		    n >= sizeof(m->files[i].name) || memcmp(cbor_string_handle(k), "policy-", 7) != 0 ||
		    memchr(cbor_string_handle(k), '\0', n) != NULL || !cbor_isa_bytestring(d) ||
		    !cbor_bytestring_is_definite(d) || cbor_bytestring_length(d) != 32)
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

/* The byte strings and the policy's files. */
static int decode_blobs(struct poc_err *e, cbor_item_t **v, struct poc_token_meta *m)
{
	const size_t big = POC_STORE_FILE_MAX;
	uint8_t md[32], *id = NULL;
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
	if (v[T_SIG] == NULL)
		return poc_err_set(e, POC_ERR_UNSUPPORTED,
				   "token.cbor: no state_sig: the token's state is not authenticated; re-create the token "
				   "(poctool init) and seal its secrets again");
	return tok_bytes(e, v[T_SIG], "state_sig", 8, POC_TOKEN_SIG_MAX, &m->state_sig, &m->state_sig_len);
}

static int decode_token(struct poc_err *e, cbor_item_t *root, struct poc_token_meta *m)
{
	cbor_item_t *v[T_N];
	struct cbor_pair *p;
	size_t i, j, n;
	uint64_t u;

	if (!cbor_isa_map(root) || !cbor_map_is_definite(root))
		return poc_err_set(e, POC_ERR_MALFORMED, "token.cbor: not a definite map");
	memset(v, 0, sizeof(v));
	p = cbor_map_handle(root);
	for (i = 0; i < cbor_map_size(root); i++) {
		const cbor_item_t *k = p[i].key;

		for (j = 0; j < T_N; j++)
			if (cbor_isa_string(k) && cbor_string_is_definite(k) && cbor_string_length(k) == strlen(token_names[j]) &&
			    memcmp(cbor_string_handle(k), token_names[j], strlen(token_names[j])) == 0)
				break;
		if (j == T_N)
			return poc_err_set(e, POC_ERR_MALFORMED, "token.cbor: unknown key (entry %zu)", i);
		if (v[j] != NULL)
			return poc_err_set(e, POC_ERR_MALFORMED, "token.cbor: %s appears twice", token_names[j]);
		v[j] = p[i].value;
	}
	if (tok_uint(e, v[T_SCHEMA], "schema", UINT64_MAX, &m->schema) < 0)
		return -1;
	if (m->schema != POC_TOKEN_SCHEMA)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "token.cbor: schema %llu (this module reads %d)%s",
				   (unsigned long long)m->schema, POC_TOKEN_SCHEMA,
				   m->schema < POC_TOKEN_SCHEMA ? ": an older token whose state is not authenticated (no "
								  "state_sig); re-create the token (poctool init) and seal "
								  "its secrets again" : "");
	if (v[T_LABEL] == NULL || !cbor_isa_string(v[T_LABEL]) || !cbor_string_is_definite(v[T_LABEL]) ||
	    (n = cbor_string_length(v[T_LABEL])) > POC_TOKEN_LABEL_MAX)
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
	if (v[T_HASPIN] == NULL || !cbor_isa_float_ctrl(v[T_HASPIN]) || !cbor_is_bool(v[T_HASPIN]))
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

int poc_store_token_write(struct poc_err *e, struct poc_store *s, const struct poc_token_meta *m)
{
	uint8_t *buf;
	size_t len;
	int rv;

	if (strcmp(m->label, s->label) != 0)
		return poc_err_set(e, POC_ERR_ARG, "token.cbor: label \"%s\" is not the store's \"%s\"", m->label, s->label);
	if (m->state_sig == NULL)
		return poc_err_set(e, POC_ERR_ARG, "token.cbor: the token state is not signed");
	if (poc_token_meta_encode(e, m, &buf, &len) < 0)
		return -1;
	rv = poc_store_put(e, s, POC_STORE_TOKEN_FILE, buf, len);
	/* It holds the wrapped verifier key: not secret, but no reason to leave copies. */
	OPENSSL_clear_free(buf, len);
	return rv;
}

int poc_store_token_read(struct poc_err *e, struct poc_store *s, struct poc_token_meta *m)
{
	uint8_t *buf;
	size_t len;
	int rv;

	memset(m, 0, sizeof(*m));
	if (poc_store_get(e, s, POC_STORE_TOKEN_FILE, &buf, &len) < 0)
		return -1;
	rv = poc_token_meta_decode(e, buf, len, m);
	free(buf);
	if (rv == 0 && strcmp(m->label, s->label) != 0) {
		poc_token_meta_free(m);
		return poc_err_set(e, POC_ERR_MISMATCH, "token.cbor: label \"%s\" in folder \"%s\"", m->label, s->label);
	}
	return rv;
}
