/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A TD quote through configfs-tsm (Linux >= 6.7): a fresh report entry under
 * POC_TSM_REPORT_DIR, reportdata to inblob, the quote from outblob (the
 * generation read before and after, so a concurrent writer is caught), the
 * entry removed.
 */
#include "tee/tee.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "store/files.h"

#define TSM_QUOTE_MAX (1u << 20)

static int write_all(struct poc_err *e, const char *path, const uint8_t *p, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int rv = 0;

	if (fd < 0)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "%s: %s", path, strerror(errno));
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rv = poc_err_set(e, POC_ERR_DEVICE, "%s: %s", path, w < 0 ? strerror(errno) : "short write");
			break;
		}
		p += w;
		len -= (size_t)w;
	}
	if (close(fd) < 0 && rv == 0)
		rv = poc_err_set(e, POC_ERR_DEVICE, "%s: %s", path, strerror(errno));
	return rv;
}

int poc_tee_tsm_quote(struct poc_err *e, const uint8_t reportdata[64], uint8_t **quote, size_t *len)
{
	char dir[128], path[192];
	uint8_t rnd[8], *g1 = NULL, *g2 = NULL;
	size_t g1len = 0, g2len = 0;
	int rv = -1, r;

	*quote = NULL;
	*len = 0;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "configfs-tsm: random entry name");
	snprintf(dir, sizeof(dir), "%s/poc-pkcs11-%ld-%02x%02x%02x%02x%02x%02x%02x%02x",
		 POC_TSM_REPORT_DIR, (long)getpid(), rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5],
		 rnd[6], rnd[7]);
	if (mkdir(dir, 0700) < 0)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "configfs-tsm: %s: %s (no TDX guest, or configfs not mounted)",
				   dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/inblob", dir);
	if (write_all(e, path, reportdata, 64) < 0)
		goto done;
	/* generation before and after outblob: another writer in between would change it. */
	snprintf(path, sizeof(path), "%s/generation", dir);
	if (poc_file_read_optional(e, path, 64, &g1, &g1len) != 0)
		goto gen_fail;
	snprintf(path, sizeof(path), "%s/outblob", dir);
	r = poc_file_read_optional(e, path, TSM_QUOTE_MAX, quote, len);
	if (r != 0) {
		if (r > 0)
			poc_err_set(e, POC_ERR_UNSUPPORTED, "configfs-tsm: %s not readable", path);
		goto done;
	}
	snprintf(path, sizeof(path), "%s/generation", dir);
	if (poc_file_read_optional(e, path, 64, &g2, &g2len) != 0)
		goto gen_fail;
	if (g1len != g2len || memcmp(g1, g2, g1len) != 0) {
		poc_err_set(e, POC_ERR_MISMATCH, "configfs-tsm: the report entry changed while reading (concurrent writer)");
		goto done;
	}
	if (*len == 0) {
		poc_err_set(e, POC_ERR_TRUNCATED, "configfs-tsm: empty quote");
		goto done;
	}
	rv = 0;
	goto done;
gen_fail:
	poc_err_set(e, POC_ERR_UNSUPPORTED, "configfs-tsm: %s not readable", path);
done:
	free(g1);
	free(g2);
	if (rmdir(dir) < 0 && rv == 0)
		rv = poc_err_set(e, POC_ERR_DEVICE, "configfs-tsm: rmdir %s: %s", dir, strerror(errno));
	if (rv < 0) {
		free(*quote);
		*quote = NULL;
		*len = 0;
	}
	return rv;
}
