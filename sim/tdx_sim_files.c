/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The simulator's files: paths in the sim folder, exclusive writes (a sim
 * never overwrites a key), bounded reads, PEM certificates and keys (wiped
 * after use).
 */
#include "sim/tdx_sim_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>

#define SIM_FILE_MAX (1u << 20)

/* Creates dir/name exclusively with mode: a sim never overwrites a key. */
int poc_sim_write_file(struct poc_err *e, const char *dir, const char *name, const void *buf, size_t len,
		       mode_t mode)
{
	char path[PATH_MAX];
	const uint8_t *p = buf;
	int fd, rv = -1;

	if (poc_tee_sim_path_join(e, path, sizeof(path), dir, name) < 0)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return poc_err_set(e, POC_ERR_ARG, "sim: cannot create %s: %s", path, strerror(errno));
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			poc_err_set(e, POC_ERR_ARG, "sim: writing %s: %s", path, strerror(errno));
			goto done;
		}
		p += w;
		len -= (size_t)w;
	}
	rv = 0;
done:
	if (close(fd) < 0 && rv == 0)
		rv = poc_err_set(e, POC_ERR_ARG, "sim: closing %s: %s", path, strerror(errno));
	return rv;
}

/* Writes what a PEM/DER writer put in a memory BIO. */
int poc_sim_write_bio(struct poc_err *e, const char *dir, const char *name, BIO *b, mode_t mode)
{
	char *p = NULL;
	long n = BIO_get_mem_data(b, &p);

	if (n <= 0)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "sim: encoding %s", name);
	return poc_sim_write_file(e, dir, name, p, (size_t)n, mode);
}

/* PEM of the certificates, in order, into dir/name. */
int poc_sim_write_certs(struct poc_err *e, const char *dir, const char *name, X509 *const *certs, int n)
{
	BIO *b = BIO_new(BIO_s_mem());
	int rv = -1;

	if (b == NULL)
		return poc_err_ssl(e, POC_ERR_NOMEM, "sim: %s", name);
	for (int i = 0; i < n; i++)
		if (!PEM_write_bio_X509(b, certs[i])) {
			poc_err_ssl(e, POC_ERR_CRYPTO, "sim: PEM of %s", name);
			goto done;
		}
	rv = poc_sim_write_bio(e, dir, name, b, 0644);
done:
	BIO_free(b);
	return rv;
}

int poc_sim_write_key(struct poc_err *e, const char *dir, const char *name, EVP_PKEY *k)
{
	BIO *b = BIO_new(BIO_s_mem());
	int rv = -1;

	if (b == NULL || !PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL))
		poc_err_ssl(e, POC_ERR_CRYPTO, "sim: PEM of %s", name);
	else
		rv = poc_sim_write_bio(e, dir, name, b, 0600);
	/* The BIO held the private key in clear: wipe before freeing. */
	if (b != NULL) {
		char *p = NULL;
		long n = BIO_get_mem_data(b, &p);

		if (n > 0)
			OPENSSL_cleanse(p, (size_t)n);
	}
	BIO_free(b);
	return rv;
}
