/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the policy parser (file references resolve to a fixed test certificate). */
#include <stdlib.h>
#include <string.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char cert[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBeTCCAR+gAwIBAgIUc9VzQXz5qZN0lgd9bX2a+oVvRgswCgYIKoZIzj0EAwIw\n"
	"EjEQMA4GA1UEAwwHZnV6ei1jYTAeFw0yNjExMjMwMTUwNTJaFw0zNjExMjAwMTUw\n"
	"NTJaMBIxEDAOBgNVBAMMB2Z1enotY2EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC\n"
	"AASlfxRKC5LnkXPbaJDtdLH31F/LXvdcxWhNy0R0WhAfsFUfJ29rkEsidlMOIP2Q\n"
	"xCjBbvb48nU0XqticpumtzkSo1MwUTAdBgNVHQ4EFgQUGk49cVMlRc/OFMjC+kak\n"
	"CE4lltowHwYDVR0jBBgwFoAUGk49cVMlRc/OFMjC+kakCE4lltowDwYDVR0TAQH/\n"
	"BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEAtpkfki8kiaSBnq3ZtENeHdqkTuzw\n"
	"QylIXSaDXIvlYukCIDJJhnVE42sweUoPNWoRd6xq51d0u6R8cNDcWXiNsiDT\n"
	"-----END CERTIFICATE-----\n";

static int loader(void *ctx, struct poc_err *e, const char *path, uint8_t **buf, size_t *len)
{
	(void)ctx;
	if (strcmp(path, "missing") == 0)
		return poc_err_set(e, POC_ERR_ARG, "missing");
	*buf = malloc(sizeof(cert));
	if (*buf == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "oom");
	memcpy(*buf, cert, sizeof(cert));
	*len = sizeof(cert) - 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct poc_err e = { 0 };
	struct poc_policy *p = NULL;

	if (poc_policy_parse(&e, (const char *)data, size, loader, NULL, &p) == 0)
		poc_policy_free(p);
	return 0;
}
