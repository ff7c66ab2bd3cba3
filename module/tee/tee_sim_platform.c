/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The simulated platform as the quote path reads it (tee_sim.h): its TCB and
 * QE identity, the sim folder's state, bounded reads of its files and keys,
 * raw r||s signatures, and its POE token. sim/ (the setup) writes what these
 * read.
 */
#include "tee/tee_sim.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>

#include "ecdsa_sig.h"
#include "hex.h"
#include "tdx_identity.h"

#define SIM_FILE_MAX (1u << 20)

/* The platform's TCB (see tee_sim.h). */
const uint8_t poc_tee_sim_sgx_comp[16] = { 3, 3, 2, 2, 4, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0 };

const uint8_t poc_tee_sim_tee_tcb_svn[16] = { 6, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };

/*
 * The QE's MRSIGNER: Intel's TD QE MRSIGNER, so sim quotes pass the
 * verifier's built-in floor (verify/tdx_identity.h) without collateral, like
 * real quotes; the sim root is what marks them as test evidence.
 */
void poc_tee_sim_qe_mrsigner(uint8_t out[32])
{
	struct poc_qe_identity intel;

	poc_qe_identity_intel(&intel);
	memcpy(out, intel.mrsigner, 32);
}

int poc_tee_sim_read_state(struct poc_err *e, const char *dir, uint8_t mrtd[48], int *debug)
{
	json_object *o, *m = NULL, *d = NULL;
	struct poc_err scratch = { 0 };
	uint8_t *buf;
	size_t len, got = 0;
	int rv = -1;

	buf = poc_tee_sim_read_file(e, dir, "sim.json", &len);
	if (buf == NULL)
		return -1;
	o = json_tokener_parse((const char *)buf);
	if (o == NULL || !json_object_object_get_ex(o, "mrtd", &m) || !json_object_is_type(m, json_type_string) ||
	    !json_object_object_get_ex(o, "debug", &d) || !json_object_is_type(d, json_type_boolean) ||
	    json_object_get_string_len(m) != 96 ||
	    poc_hex_decode(&scratch, json_object_get_string(m), 96, mrtd, 48, &got) < 0 || got != 48)
		poc_err_set(e, POC_ERR_MALFORMED, "sim: %s/sim.json is not {\"mrtd\": 48 hex bytes, \"debug\": bool}", dir);
	else {
		*debug = json_object_get_boolean(d);
		rv = 0;
	}
	json_object_put(o);
	free(buf);
	return rv;
}

int poc_tee_sim_path_join(struct poc_err *e, char *out, size_t outlen, const char *dir, const char *name)
{
	if ((size_t)snprintf(out, outlen, "%s/%s", dir, name) >= outlen)
		return poc_err_set(e, POC_ERR_ARG, "sim: path %s/%s too long", dir, name);
	return 0;
}

uint8_t *poc_tee_sim_read_file(struct poc_err *e, const char *dir, const char *name, size_t *len)
{
	char path[PATH_MAX];
	uint8_t *buf = NULL;
	struct stat st;
	size_t n = 0;
	int fd;

	*len = 0;
	if (poc_tee_sim_path_join(e, path, sizeof(path), dir, name) < 0)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		poc_err_set(e, POC_ERR_ARG, "sim: cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)SIM_FILE_MAX) {
		poc_err_set(e, POC_ERR_ARG, "sim: %s is not a regular file of at most %u bytes", path,
			    SIM_FILE_MAX);
		goto fail;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "sim: %s", path);
		goto fail;
	}
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			poc_err_set(e, POC_ERR_ARG, "sim: reading %s: %s", path, r < 0 ? strerror(errno) : "short file");
			goto fail;
		}
		n += (size_t)r;
	}
	buf[n] = 0; /* text files (PEM, JSON) are parsed as strings */
	close(fd);
	*len = n;
	return buf;
fail:
	free(buf);
	close(fd);
	return NULL;
}

EVP_PKEY *poc_tee_sim_read_key(struct poc_err *e, const char *dir, const char *name)
{
	EVP_PKEY *k = NULL;
	uint8_t *buf;
	size_t len;
	BIO *b;

	buf = poc_tee_sim_read_file(e, dir, name, &len);
	if (buf == NULL)
		return NULL;
	b = BIO_new_mem_buf(buf, (int)len);
	if (b != NULL)
		k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	if (k == NULL)
		poc_err_ssl(e, POC_ERR_MALFORMED, "sim: %s/%s is not a PEM private key", dir, name);
	BIO_free(b);
	OPENSSL_cleanse(buf, len); /* it was a private key */
	free(buf);
	return k;
}

/* ECDSA P-256 / SHA-256 over msg as raw r||s, Intel's quote and collateral format. */
int poc_tee_sim_sign_rs(struct poc_err *e, EVP_PKEY *k, const uint8_t *msg, size_t len, uint8_t rs[64],
		    const char *what)
{
	if (poc_ecdsa_sign_raw(k, EVP_sha256(), msg, len, rs, 32) < 0)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "sim: signing the %s", what);
	return 0;
}

int poc_tee_sim_poe(struct poc_err *e, const char *dir, uint8_t **tok, size_t *len)
{
	char path[PATH_MAX];
	struct stat st;

	*tok = NULL;
	*len = 0;
	if (poc_tee_sim_path_join(e, path, sizeof(path), dir, POC_TEE_SIM_POE_FILE) < 0)
		return -1;
	if (stat(path, &st) < 0 && errno == ENOENT)
		return 1; /* a sim folder made before sim init wrote POE tokens */
	*tok = poc_tee_sim_read_file(e, dir, POC_TEE_SIM_POE_FILE, len);
	return *tok != NULL ? 0 : -1;
}
