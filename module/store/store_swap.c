/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A token folder replaced as a whole (store.h, "Stages"): the new state is
 * written into a stage folder next to it, and one renameat2(RENAME_EXCHANGE)
 * swaps the two. Before the swap the old folder is untouched, after it the
 * new one is complete: a crash leaves one or the other, never a mix.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* renameat2 */
#endif
#include "store/store_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define STAGE_MARK ".stage-"

/* root/<base> of s's folder: out gets root, and base points into s->dir. */
static int split_dir(struct poc_err *e, const struct poc_store *s, char *root, size_t len)
{
	const char *slash = strrchr(s->dir, '/');

	if (slash == NULL || (size_t)(slash - s->dir) >= len)
		return poc_err_set(e, POC_ERR_ARG, "store: %s has no parent folder", s->dir);
	memcpy(root, s->dir, (size_t)(slash - s->dir));
	root[slash - s->dir] = '\0';
	if (root[0] == '\0')
		strcpy(root, "/");
	return 0;
}

static int fsync_path(struct poc_err *e, const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fsync(fd) < 0) {
		if (fd >= 0)
			close(fd);
		return poc_err_set(e, POC_ERR_ARG, "store: fsync %s: %s", path, strerror(errno));
	}
	close(fd);
	return 0;
}

/* A store struct for folder dir holding token label's files. */
static int open_dir(struct poc_err *e, const char *dir, const char *label, struct poc_store **out)
{
	struct poc_store *st = calloc(1, sizeof(*st));

	*out = NULL;
	if (st == NULL || (st->dir = strdup(dir)) == NULL) {
		free(st);
		return poc_err_set(e, POC_ERR_NOMEM, "store");
	}
	snprintf(st->label, sizeof(st->label), "%s", label);
	st->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (st->dirfd < 0) {
		poc_err_set(e, POC_ERR_ARG, "store: %s: %s", dir, strerror(errno));
		poc_store_close(st);
		return -1;
	}
	*out = st;
	return 0;
}

int poc_store_stage(struct poc_err *e, const struct poc_store *s, struct poc_store **stage)
{
	char root[4096], dir[4096 + 2 * POC_TOKEN_LABEL_MAX];

	*stage = NULL;
	if (split_dir(e, s, root, sizeof(root)) < 0)
		return -1;
	if (snprintf(dir, sizeof(dir), "%s/.%s" STAGE_MARK "XXXXXX", root, s->label) >= (int)sizeof(dir))
		return poc_err_set(e, POC_ERR_ARG, "store: path too long");
	if (mkdtemp(dir) == NULL)
		return poc_err_set(e, POC_ERR_ARG, "store: stage folder in %s: %s", root, strerror(errno));
	return open_dir(e, dir, s->label, stage);
}

int poc_store_stage_commit(struct poc_err *e, struct poc_store *s, struct poc_store *stage)
{
	char root[4096];
	int fd;

	if (split_dir(e, s, root, sizeof(root)) < 0 || fsync(stage->dirfd) < 0)
		return poc_err_set(e, POC_ERR_ARG, "store: fsync %s: %s", stage->dir, strerror(errno));
	/* The one step that switches: both names exist before and after it. */
	if (renameat2(AT_FDCWD, stage->dir, AT_FDCWD, s->dir, RENAME_EXCHANGE) < 0)
		return poc_err_set(e, POC_ERR_ARG, "store: exchanging %s and %s: %s", stage->dir, s->dir, strerror(errno));
	/* s now names the new files, stage the old ones: their folders' descriptors follow. */
	fd = s->dirfd;
	s->dirfd = stage->dirfd;
	stage->dirfd = fd;
	return fsync_path(e, root);
}

int poc_store_destroy(struct poc_err *e, struct poc_store *s)
{
	DIR *d;
	struct dirent *de;
	int fd = dup(s->dirfd), rv = 0;

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return poc_err_set(e, POC_ERR_ARG, "store: %s: %s", s->dir, strerror(errno));
	}
	rewinddir(d); /* a dup shares the offset that an earlier listing left at the end */
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(s->dirfd, de->d_name, 0) < 0 && rv == 0)
			rv = poc_err_set(e, POC_ERR_ARG, "store: remove %s/%s: %s", s->dir, de->d_name, strerror(errno));
	}
	closedir(d);
	if (rv == 0 && rmdir(s->dir) < 0)
		rv = poc_err_set(e, POC_ERR_ARG, "store: remove %s: %s", s->dir, strerror(errno));
	return rv;
}

int poc_store_stages(struct poc_err *e, const struct poc_store *s, struct poc_store ***out, size_t *n)
{
	char root[4096], prefix[POC_TOKEN_LABEL_MAX + 16], path[4096 + 256];
	struct poc_store **v = NULL, **nv, *st;
	struct dirent *de;
	DIR *d;

	*out = NULL;
	*n = 0;
	if (split_dir(e, s, root, sizeof(root)) < 0)
		return -1;
	snprintf(prefix, sizeof(prefix), ".%s" STAGE_MARK, s->label);
	d = opendir(root);
	if (d == NULL)
		return poc_err_set(e, POC_ERR_ARG, "store: %s: %s", root, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, prefix, strlen(prefix)) != 0 || strlen(de->d_name) != strlen(prefix) + 6)
			continue;
		snprintf(path, sizeof(path), "%s/%s", root, de->d_name);
		if (open_dir(e, path, s->label, &st) < 0)
			continue;
		nv = realloc(v, (*n + 1) * sizeof(*v));
		if (nv == NULL) {
			poc_store_close(st);
			break;
		}
		v = nv;
		v[(*n)++] = st;
	}
	closedir(d);
	poc_err_clear(e);
	*out = v;
	return 0;
}

int poc_store_stage_lock(struct poc_err *e, const struct poc_store *s, int *fd)
{
	char root[4096], path[4096 + 2 * POC_TOKEN_LABEL_MAX];

	*fd = -1;
	if (split_dir(e, s, root, sizeof(root)) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/.%s.lock", root, s->label);
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (*fd < 0)
		return poc_err_set(e, POC_ERR_ARG, "store: %s: %s", path, strerror(errno));
	if (flock(*fd, LOCK_EX) < 0) {
		close(*fd);
		*fd = -1;
		return poc_err_set(e, POC_ERR_ARG, "store: lock %s: %s", path, strerror(errno));
	}
	return 0;
}

void poc_store_stage_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* drops the flock */
}
