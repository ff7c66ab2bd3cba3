/* SPDX-License-Identifier: Apache-2.0 */
/* The token folder's listing and the file names of its objects (store.h). */
#include "store/store_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#define NAME_LEN_MAX (POC_STORE_NAME_MAX - 1)

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void poc_store_list_free(char **names, size_t n)
{
	size_t i;

	if (names == NULL)
		return;
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int poc_store_list(struct poc_err *e, struct poc_store *s, const char *suffix, char ***names, size_t *n)
{
	char **v = NULL, **nv;
	size_t cnt = 0, cap = 0, sl = suffix ? strlen(suffix) : 0;
	struct dirent *d;
	struct stat st;
	DIR *dir;
	int fd, rv = -1;

	*names = NULL;
	*n = 0;
	fd = dup(s->dirfd);
	if (fd < 0)
		return poc_err_set(e, POC_ERR_ARG, "store: list %s: %s", s->dir, strerror(errno));
	dir = fdopendir(fd);
	if (dir == NULL) {
		close(fd);
		return poc_err_set(e, POC_ERR_ARG, "store: list %s: %s", s->dir, strerror(errno));
	}
	rewinddir(dir);
	while ((errno = 0, d = readdir(dir)) != NULL) {
		size_t l = strlen(d->d_name);

		if (d->d_name[0] == '.' || (suffix == NULL && strcmp(d->d_name, POC_STORE_TOKEN_FILE) == 0))
			continue;
		if (suffix != NULL && (l < sl || memcmp(d->d_name + l - sl, suffix, sl) != 0))
			continue;
		if (fstatat(s->dirfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL)
				goto nomem;
			v = nv;
		}
		v[cnt] = strdup(d->d_name);
		if (v[cnt] == NULL)
			goto nomem;
		cnt++;
	}
	if (errno != 0) {
		poc_err_set(e, POC_ERR_ARG, "store: list %s: %s", s->dir, strerror(errno));
		goto done;
	}
	if (cnt > 1)
		qsort(v, cnt, sizeof(*v), cmp_names);
	*names = v;
	*n = cnt;
	v = NULL;
	rv = 0;
	goto done;
nomem:
	poc_err_set(e, POC_ERR_NOMEM, "store: list %s", s->dir);
done:
	poc_store_list_free(v, cnt);
	closedir(dir);
	return rv;
}

/* ---- object file names ---- */

static const char *class_name(unsigned long class)
{
	switch (class) {
	case 0: return "data";
	case 1: return "cert";
	case 2: return "pub";
	case 3: return "priv";
	case 4: return "secret";
	default: return NULL;
	}
}

static void hex(char *out, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

int poc_store_object_name(struct poc_err *e, unsigned long class, const uint8_t *id, size_t id_len, const char *label,
			  char out[POC_STORE_NAME_MAX])
{
	const char *cn = class_name(class);
	char body[188]; /* "secret-l-" + body + ".obj" fits NAME_LEN_MAX */
	uint8_t md[32];
	size_t i, o = 0, budget = NAME_LEN_MAX - strlen("secret-l-.obj");

	if (cn == NULL)
		return poc_err_set(e, POC_ERR_ARG, "store: object class %lu has no file name", class);
	if (id_len > 0 && id_len <= 64) {
		hex(body, id, id_len);
		snprintf(out, POC_STORE_NAME_MAX, "%.6s-%.187s.obj", cn, body);
		return 0;
	}
	if (id_len == 0) {
		if (label == NULL || label[0] == '\0')
			return poc_err_set(e, POC_ERR_ARG, "store: an object needs an id or a label");
		for (i = 0; label[i] != '\0' && o + 3 < budget; i++) {
			unsigned char c = (unsigned char)label[i];

			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
			    c == '-') {
				body[o++] = (char)c;
			} else {
				snprintf(body + o, 4, "%%%02X", c);
				o += 3;
			}
		}
		body[o] = '\0';
		if (label[i] == '\0') {
			snprintf(out, POC_STORE_NAME_MAX, "%.6s-l-%.187s.obj", cn, body);
			return 0;
		}
	}
	/* Long ids and long labels: a digest keeps the name one short path component. */
	if (id_len > 0 ? EVP_Digest(id, id_len, md, NULL, EVP_sha256(), NULL) != 1
		       : EVP_Digest(label, strlen(label), md, NULL, EVP_sha256(), NULL) != 1)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "store: SHA-256 of an object name");
	hex(body, md, sizeof(md));
	snprintf(out, POC_STORE_NAME_MAX, "%.6s-s-%.187s.obj", cn, body);
	return 0;
}

