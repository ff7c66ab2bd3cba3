/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The TDX quote simulator: a test PKI shaped like Intel's PCK hierarchy, DCAP
 * collateral shaped like Intel's PCS output, and v4 quotes with the layout of
 * verify/tdx_quote.h. Everything the verifier checks is really signed; only
 * the root is not Intel's, so a sim quote is trusted only by a policy that
 * names the sim root.
 *
 * This file: the sim folder (poc_sim_init, its
 * sim.json state and policy fragment) and poc_sim_info. The PKI is
 * tdx_sim_pki.c, the collateral tdx_sim_collateral.c, quotes module/tee/tee_sim.c
 * and file access tdx_sim_files.c.
 */
#include "sim/tdx_sim_int.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "hex.h"
#include "sgx_ext.h"
#include "tdx_identity.h"

/* ---- the platform ------------------------------------------------------------ */

/* The platform's TCB (see tdx_sim_int.h). */

/* ---- sim state -------------------------------------------------------------- */

static int write_policy(struct poc_err *e, const char *dir, const char *root_path, const uint8_t mrtd[48],
			const uint8_t ppid[16])
{
	json_object *o = json_object_new_object(), *tee = json_object_new_object(), *a, *plat, *allow, *ent, *poe;
	char hex[97], endorser[PATH_MAX];
	const char *s;
	int rv;

	poc_sim_json_int(o, "version", 1);
	poc_sim_json_str(tee, "type", "tdx");
	a = json_object_new_array();
	json_object_array_add(a, json_object_new_string(root_path));
	json_object_object_add(tee, "roots", a);
	a = json_object_new_array();
	json_object_array_add(a, json_object_new_string("UpToDate"));
	json_object_object_add(tee, "tcb_status", a);
	poc_hex_encode(mrtd, 48, hex);
	a = json_object_new_array();
	json_object_array_add(a, json_object_new_string(hex));
	json_object_object_add(tee, "mrtd", a);
	json_object_object_add(o, "tee", tee);
	plat = json_object_new_object();
	allow = json_object_new_array();
	ent = json_object_new_object();
	poc_hex_encode(ppid, 16, hex);
	poc_sim_json_str(ent, "ppid", hex);
	json_object_array_add(allow, ent);
	json_object_object_add(plat, "allow", allow);
	/* The platform's POE token, from the sim's test endorser, endorses it too (the PIID). */
	if (poc_tee_sim_path_join(e, endorser, sizeof(endorser), dir, "poe_endorser.pem") < 0) {
		json_object_put(plat);
		json_object_put(o);
		return -1;
	}
	poe = json_object_new_object();
	a = json_object_new_array();
	json_object_array_add(a, json_object_new_string(endorser));
	json_object_object_add(poe, "roots", a);
	a = json_object_new_array();
	json_object_array_add(a, json_object_new_string(POC_SIM_POE_OWNER));
	json_object_object_add(poe, "owners", a);
	json_object_object_add(plat, "poe", poe);
	json_object_object_add(o, "platforms", plat);
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s == NULL)
		rv = poc_err_set(e, POC_ERR_NOMEM, "sim: policy JSON");
	else
		rv = poc_sim_write_file(e, dir, "policy-fragment.json", s, strlen(s), 0644);
	json_object_put(o);
	return rv;
}

/* DIR must be new, or an existing empty folder (mkdtemp's). */
static int make_dir(struct poc_err *e, const char *dir)
{
	struct dirent *d;
	DIR *dh;

	if (mkdir(dir, 0700) == 0)
		return 0;
	if (errno != EEXIST)
		return poc_err_set(e, POC_ERR_ARG, "sim: cannot create %s: %s", dir, strerror(errno));
	dh = opendir(dir);
	if (dh == NULL)
		return poc_err_set(e, POC_ERR_ARG, "sim: %s exists and is not a readable folder", dir);
	while ((d = readdir(dh)) != NULL) {
		if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0) {
			closedir(dh);
			return poc_err_set(e, POC_ERR_ARG, "sim: %s exists and is not empty", dir);
		}
	}
	closedir(dh);
	if (chmod(dir, 0700) < 0)
		return poc_err_set(e, POC_ERR_ARG, "sim: chmod %s: %s", dir, strerror(errno));
	return 0;
}

static int write_state(struct poc_err *e, const char *dir, const uint8_t mrtd[48], int debug)
{
	json_object *o = json_object_new_object();
	const char *s;
	char hex[97];
	int rv;

	poc_hex_encode(mrtd, 48, hex);
	poc_sim_json_str(o, "mrtd", hex);
	json_object_object_add(o, "debug", json_object_new_boolean(debug != 0));
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
	rv = s == NULL ? poc_err_set(e, POC_ERR_NOMEM, "sim: sim.json")
		       : poc_sim_write_file(e, dir, "sim.json", s, strlen(s), 0644);
	json_object_put(o);
	return rv;
}

int poc_sim_init(struct poc_err *e, const char *dir, const uint8_t *mrtd_in, int debug)
{
	EVP_PKEY *root_k = NULL, *plat_k = NULL, *pck_k = NULL, *tcb_k = NULL, *att_k = NULL;
	X509 *root = NULL, *plat = NULL, *pck = NULL, *tcbc = NULL;
	X509_EXTENSION *sgx = NULL;
	uint8_t ppid[16], piid[16], mrtd[48];
	char abs[PATH_MAX], sub[PATH_MAX];
	time_t now = time(NULL);
	int rv = -1;

	if (dir == NULL || *dir == '\0')
		return poc_err_set(e, POC_ERR_ARG, "sim: no folder given");
	if (make_dir(e, dir) < 0)
		return -1;
	/* The policy names the root by absolute path: it must work from any working folder. */
	if (realpath(dir, abs) == NULL)
		return poc_err_set(e, POC_ERR_ARG, "sim: %s: %s", dir, strerror(errno));
	if (RAND_bytes(ppid, 16) != 1 || RAND_bytes(piid, 16) != 1 || (mrtd_in == NULL && RAND_bytes(mrtd, 48) != 1))
		return poc_err_ssl(e, POC_ERR_CRYPTO, "sim: random identities");
	if (mrtd_in != NULL)
		memcpy(mrtd, mrtd_in, 48);
	if ((root_k = poc_sim_gen_key(e, "root CA")) == NULL || (plat_k = poc_sim_gen_key(e, "platform CA")) == NULL ||
	    (pck_k = poc_sim_gen_key(e, "PCK")) == NULL || (tcb_k = poc_sim_gen_key(e, "TCB signing")) == NULL ||
	    (att_k = poc_sim_gen_key(e, "QE attestation")) == NULL)
		goto done;
	sgx = poc_sim_sgx_extension(ppid, piid);
	if (sgx == NULL) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "sim: encoding the SGX extension");
		goto done;
	}
	/*
	 * Intel's shape: root (pathlen 1) -> platform CA (pathlen 0) -> PCK; root -> TCB signing, named
	 * "Intel SGX TCB Signing" with the root's O, as the verifier requires of a collateral signer.
	 */
	if ((root = poc_sim_make_cert(e, "poc-pkcs11 Sim SGX Root CA", root_k, NULL, root_k, 2, NULL, now)) == NULL ||
	    (plat = poc_sim_make_cert(e, "poc-pkcs11 Sim SGX PCK Platform CA", plat_k, root, root_k, 1, NULL,
				      now)) == NULL ||
	    (pck = poc_sim_make_cert(e, "poc-pkcs11 Sim SGX PCK Certificate", pck_k, plat, plat_k, 0, sgx,
				     now)) == NULL ||
	    (tcbc = poc_sim_make_cert(e, "Intel SGX TCB Signing", tcb_k, root, root_k, 0, NULL, now)) == NULL)
		goto done;
	{
		X509 *pck_chain[3] = { pck, plat, root };

		if (poc_sim_write_key(e, abs, "root_ca.key", root_k) < 0 ||
		    poc_sim_write_key(e, abs, "platform_ca.key", plat_k) < 0 ||
		    poc_sim_write_key(e, abs, "pck.key", pck_k) < 0 ||
		    poc_sim_write_key(e, abs, "tcb_signing.key", tcb_k) < 0 ||
		    poc_sim_write_key(e, abs, "qe_att.key", att_k) < 0 ||
		    poc_sim_write_certs(e, abs, "root_ca.pem", &root, 1) < 0 ||
		    poc_sim_write_certs(e, abs, "platform_ca.pem", &plat, 1) < 0 ||
		    poc_sim_write_certs(e, abs, "pck.pem", &pck, 1) < 0 ||
		    poc_sim_write_certs(e, abs, "pck_chain.pem", pck_chain, 3) < 0 ||
		    poc_sim_write_certs(e, abs, "tcb_signing.pem", &tcbc, 1) < 0 || write_state(e, abs, mrtd, debug) < 0)
			goto done;
	}
	if (poc_tee_sim_path_join(e, sub, sizeof(sub), abs, "collateral") < 0 ||
	    poc_sim_write_collateral(e, sub, root, root_k, plat, plat_k, tcbc, tcb_k, now) < 0 ||
	    poc_sim_write_poe(e, abs, piid, now) < 0 ||
	    poc_tee_sim_path_join(e, sub, sizeof(sub), abs, "root_ca.pem") < 0 ||
	    write_policy(e, abs, sub, mrtd, ppid) < 0)
		goto done;
	rv = 0;
done:
	X509_EXTENSION_free(sgx);
	X509_free(root);
	X509_free(plat);
	X509_free(pck);
	X509_free(tcbc);
	EVP_PKEY_free(root_k);
	EVP_PKEY_free(plat_k);
	EVP_PKEY_free(pck_k);
	EVP_PKEY_free(tcb_k);
	EVP_PKEY_free(att_k);
	return rv;
}

int poc_sim_info(struct poc_err *e, const char *dir, uint8_t ppid[16], uint8_t piid[16], uint8_t mrtd[48],
		 int *debug)
{
	struct poc_sgx_ext x;
	uint8_t m[48], *pem;
	X509 *pck = NULL;
	size_t len;
	BIO *b;
	int dbg = 0, rv = -1;

	if (dir == NULL)
		return poc_err_set(e, POC_ERR_ARG, "sim info: no folder");
	if (poc_tee_sim_read_state(e, dir, m, &dbg) < 0 || (pem = poc_tee_sim_read_file(e, dir, "pck.pem", &len)) == NULL)
		return -1;
	b = BIO_new_mem_buf(pem, (int)len);
	if (b != NULL)
		pck = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	free(pem);
	/* The PCK certificate is the one source of the platform's identity. */
	if (pck == NULL)
		poc_err_ssl(e, POC_ERR_MALFORMED, "sim: %s/pck.pem is not a PEM certificate", dir);
	else if (poc_sgx_ext_from_cert(e, pck, &x) < 0 || !x.has_piid)
		poc_err_set(e, POC_ERR_MALFORMED, "sim: %s/pck.pem: no PPID/PIID", dir);
	else
		rv = 0;
	X509_free(pck);
	if (rv < 0)
		return -1;
	if (ppid != NULL)
		memcpy(ppid, x.ppid, 16);
	if (piid != NULL)
		memcpy(piid, x.piid, 16);
	if (mrtd != NULL)
		memcpy(mrtd, m, 48);
	if (debug != NULL)
		*debug = dbg;
	return 0;
}
