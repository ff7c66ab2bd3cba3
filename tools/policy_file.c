/* SPDX-License-Identifier: Apache-2.0 */
/* Loading a policy from a file: the file side of verify/policy.c's loader callback. */
#include "policy_file.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poctool.h"

#define CERT_FILE_MAX (1u << 20)

static int load_rel(void *ctx, struct poc_err *e, const char *path, uint8_t **buf, size_t *len)
{
	const char *dir = ctx;
	char full[4096];

	if (path[0] == '/')
		snprintf(full, sizeof(full), "%s", path);
	else if (snprintf(full, sizeof(full), "%s/%s", dir, path) >= (int)sizeof(full))
		return poc_err_set(e, POC_ERR_ARG, "path too long");
	*buf = poc_tool_read_file(full, CERT_FILE_MAX, len);
	if (*buf == NULL)
		return poc_err_set(e, POC_ERR_ARG, "cannot read %s", full);
	return 0;
}

struct poc_policy *poc_tool_policy_load(const char *path)
{
	struct poc_policy *p = NULL;
	struct poc_err e = { 0 };
	char *copy, *dir;
	uint8_t *json;
	size_t len;

	json = poc_tool_read_file(path, 1u << 20, &len);
	if (json == NULL)
		return NULL;
	copy = strdup(path);
	if (copy == NULL) {
		free(json);
		poc_tool_warn("out of memory");
		return NULL;
	}
	dir = dirname(copy);
	if (poc_policy_parse(&e, (const char *)json, len, load_rel, dir, &p) < 0)
		poc_tool_warn("%s: %s", path, e.msg);
	free(copy);
	free(json);
	return p;
}
