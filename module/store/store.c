/* SPDX-License-Identifier: Apache-2.0 */
/* The token folder: atomic files, and token.cbor read and written (store.h; its encoding: store_token.c). */
#include "store/store_int.h"

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
	struct stat rst;
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
		/* A store shared with a service group (setgid, docs/install.md): the group may read tokens. */
		if (mkdir(s->dir, stat(root, &rst) == 0 && (rst.st_mode & S_ISGID) ? 02750 : 0700) == 0) {
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
/* Files are the owner's (0600), and readable by the group of a token folder it may read (0640). */
static mode_t file_mode(const struct poc_store *s)
{
	struct stat st;

	return fstat(s->dirfd, &st) == 0 && (st.st_mode & S_IRGRP) ? 0640 : 0600;
}

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
		fd = openat(s->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, file_mode(s));
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
		/* Another token's state (its label is signed with it): said before m is freed. */
		poc_err_set(e, POC_ERR_MISMATCH, "token.cbor: label \"%s\" in folder \"%s\"", m->label, s->label);
		poc_token_meta_free(m);
		return -1;
	}
	return rv;
}
