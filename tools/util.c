/* SPDX-License-Identifier: Apache-2.0 */
/* File and message helpers for poctool: the only place file I/O meets libpocverify. */
#include "config.h"
#include "poctool.h"
#include "commands.h"
#include "config/configuration.h"
#include "token/token.h"
#include "token/token_setup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void poc_tool_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("poctool: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int poc_tool_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 1;
	return 0;
}

uint8_t *poc_tool_read_file(const char *path, size_t max, size_t *len)
{
	uint8_t *buf = NULL, *nb;
	size_t cap = 0, n = 0;
	ssize_t r;
	int fd;

	*len = 0;
	fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		poc_tool_warn("%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (n == cap) {
			if (cap >= max + 1) {
				poc_tool_warn("%s: larger than %zu bytes", path, max);
				goto fail;
			}
			cap = cap ? cap * 2 : 4096;
			if (cap > max + 1)
				cap = max + 1;
			nb = realloc(buf, cap + 1);
			if (nb == NULL) {
				poc_tool_warn("%s: out of memory", path);
				goto fail;
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			poc_tool_warn("%s: %s", path, strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max) {
		poc_tool_warn("%s: larger than %zu bytes", path, max);
		goto fail;
	}
	if (buf == NULL && (buf = malloc(1)) == NULL)
		goto fail;
	buf[n] = 0; /* a convenience for text; not counted */
	if (fd != STDIN_FILENO)
		close(fd);
	*len = n;
	return buf;
fail:
	if (fd != STDIN_FILENO)
		close(fd);
	free(buf);
	return NULL;
}

int poc_tool_write_file(const char *path, const uint8_t *buf, size_t len)
{
	char tmp[4096];
	size_t off = 0;
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path) >= (int)sizeof(tmp)) {
		poc_tool_warn("%s: path too long", path);
		return -1;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		poc_tool_warn("%s: %s", path, strerror(errno));
		return -1;
	}
	while (off < len) {
		ssize_t w = write(fd, buf + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto fail;
		off += (size_t)w;
	}
	if (fchmod(fd, 0644) < 0 || fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	poc_tool_warn("%s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}

int poc_cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("poctool %s\n", PACKAGE_VERSION);
	return POC_EXIT_OK;
}

int poc_tool_load_config(struct poc_config *cfg)
{
	struct poc_err e = { 0 };

	if (poc_config_load(&e, cfg) < 0) {
		poc_tool_warn("configuration: %s", e.msg);
		return -1;
	}
	poc_token_setup(cfg);
	return 0;
}

int poc_tool_missing(const char *cmd, const char *const *opts, const char *const *vals, size_t n)
{
	char miss[128] = "";
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (vals[i] != NULL)
			continue;
		k++;
		strncat(miss, k > 1 ? ", " : "", sizeof(miss) - strlen(miss) - 1);
		strncat(miss, opts[i], sizeof(miss) - strlen(miss) - 1);
	}
	if (k == 0)
		return 0;
	poc_tool_warn("%s: missing %s (see poctool %s --help)", cmd, miss, cmd);
	return -1;
}

int poc_tool_label_free(const char *cmd, struct poc_token *t, unsigned long class, const char *label, int force)
{
	struct poc_err e = { 0 };

	t->allow_duplicate_label = force;
	/* Before any PIN try: a usage error costs no try of the TPM's counter. */
	if (!force && poc_token_label_free(&e, t, class, label) < 0) {
		poc_tool_warn("%s: %s", cmd, e.msg);
		return -1;
	}
	return 0;
}
