/* SPDX-License-Identifier: Apache-2.0 */
/* Whole-file reads for the module (configuration lives in configuration.c, tokens in store.c). */
#include "store/files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int read_fd(struct poc_err *e, int fd, const char *path, size_t max, uint8_t **buf, size_t *len)
{
	uint8_t *b = NULL, *nb;
	size_t cap = 0, n = 0;
	ssize_t r;

	for (;;) {
		if (n == cap) {
			if (cap > max) {
				free(b);
				return poc_err_set(e, POC_ERR_MALFORMED, "%s: larger than %zu bytes", path, max);
			}
			cap = cap ? 2 * cap : 4096;
			nb = realloc(b, cap + 1);
			if (nb == NULL) {
				free(b);
				return poc_err_set(e, POC_ERR_NOMEM, "%s: out of memory", path);
			}
			b = nb;
		}
		r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int err = errno;

			free(b);
			return poc_err_set(e, POC_ERR_ARG, "%s: %s", path, strerror(err));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max) {
		free(b);
		return poc_err_set(e, POC_ERR_MALFORMED, "%s: larger than %zu bytes", path, max);
	}
	b[n] = 0;
	*buf = b;
	*len = n;
	return 0;
}

static int read_file(struct poc_err *e, const char *path, size_t max, uint8_t **buf, size_t *len, int optional)
{
	int fd, rv;

	*buf = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (optional && (errno == ENOENT || errno == EACCES || errno == EPERM))
			return 1;
		return poc_err_set(e, POC_ERR_ARG, "%s: %s", path, strerror(errno));
	}
	rv = read_fd(e, fd, path, max, buf, len);
	close(fd);
	return rv;
}

int poc_file_read(struct poc_err *e, const char *path, size_t max, uint8_t **buf, size_t *len)
{
	return read_file(e, path, max, buf, len, 0);
}

int poc_file_read_optional(struct poc_err *e, const char *path, size_t max, uint8_t **buf, size_t *len)
{
	return read_file(e, path, max, buf, len, 1);
}
