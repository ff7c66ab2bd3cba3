/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The simulator's DCAP collateral, named as Intel PCS collateral folders are:
 * TCB Info v3 and QE Identity v2 JSON signed by the TCB signing key, their
 * issuer chains, and empty PCK and Root CA CRLs.
 */
#include "sim/tdx_sim_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "hex.h"

#define COLLATERAL_TTL (30 * 86400)

static void pcs_date(time_t t, char out[21])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* {"tcb": {"isvsvn": N}, "tcbDate": ..., "tcbStatus": "UpToDate"} in an array. */
static json_object *isv_levels(int isvsvn, const char *date)
{
	json_object *a = json_object_new_array(), *l = json_object_new_object(), *t = json_object_new_object();

	poc_sim_json_int(t, "isvsvn", isvsvn);
	json_object_object_add(l, "tcb", t);
	poc_sim_json_str(l, "tcbDate", date);
	poc_sim_json_str(l, "tcbStatus", "UpToDate");
	json_object_array_add(a, l);
	return a;
}

static json_object *components(const uint8_t svn[16])
{
	json_object *a = json_object_new_array();

	for (int i = 0; i < 16; i++) {
		json_object *c = json_object_new_object();

		poc_sim_json_int(c, "svn", svn[i]);
		json_object_array_add(a, c);
	}
	return a;
}

static json_object *tcb_info_json(const char *issue, const char *next, const char *level_date)
{
	static const char zero48[] = "000000000000000000000000000000000000000000000000"
				     "000000000000000000000000000000000000000000000000";
	json_object *o = json_object_new_object(), *m = json_object_new_object(), *ids = json_object_new_array(),
		    *id = json_object_new_object(), *levels = json_object_new_array(),
		    *l = json_object_new_object(), *t = json_object_new_object();

	poc_sim_json_str(o, "id", "TDX");
	poc_sim_json_int(o, "version", 3);
	poc_sim_json_str(o, "issueDate", issue);
	poc_sim_json_str(o, "nextUpdate", next);
	poc_sim_json_str(o, "fmspc", POC_SIM_FMSPC_HEX);
	poc_sim_json_str(o, "pceId", POC_SIM_PCEID_HEX);
	poc_sim_json_int(o, "tcbType", 0);
	poc_sim_json_int(o, "tcbEvaluationDataNumber", 17);
	/* The TDX module is Intel's in real TCB Info: MRSIGNERSEAM all zeros. */
	poc_sim_json_str(m, "mrsigner", zero48);
	poc_sim_json_str(m, "attributes", "0000000000000000");
	poc_sim_json_str(m, "attributesMask", "FFFFFFFFFFFFFFFF");
	json_object_object_add(o, "tdxModule", m);
	poc_sim_json_str(id, "id", "TDX_01");
	poc_sim_json_str(id, "mrsigner", zero48);
	poc_sim_json_str(id, "attributes", "0000000000000000");
	poc_sim_json_str(id, "attributesMask", "FFFFFFFFFFFFFFFF");
	json_object_object_add(id, "tcbLevels", isv_levels(poc_tee_sim_tee_tcb_svn[0], level_date));
	json_object_array_add(ids, id);
	json_object_object_add(o, "tdxModuleIdentities", ids);
	json_object_object_add(t, "sgxtcbcomponents", components(poc_tee_sim_sgx_comp));
	poc_sim_json_int(t, "pcesvn", SIM_PCESVN);
	json_object_object_add(t, "tdxtcbcomponents", components(poc_tee_sim_tee_tcb_svn));
	json_object_object_add(l, "tcb", t);
	poc_sim_json_str(l, "tcbDate", level_date);
	poc_sim_json_str(l, "tcbStatus", "UpToDate");
	json_object_array_add(levels, l);
	json_object_object_add(o, "tcbLevels", levels);
	return o;
}

static json_object *qe_identity_json(const char *issue, const char *next, const char *level_date,
				     const uint8_t mrsigner[32])
{
	json_object *o = json_object_new_object();
	char h[65];

	poc_hex_encode(mrsigner, 32, h);
	poc_sim_json_str(o, "id", "TD_QE");
	poc_sim_json_int(o, "version", 2);
	poc_sim_json_str(o, "issueDate", issue);
	poc_sim_json_str(o, "nextUpdate", next);
	poc_sim_json_int(o, "tcbEvaluationDataNumber", 17);
	poc_sim_json_str(o, "miscselect", "00000000");
	poc_sim_json_str(o, "miscselectMask", "FFFFFFFF");
	poc_sim_json_str(o, "attributes", SIM_QE_ATTRIBUTES);
	poc_sim_json_str(o, "attributesMask", SIM_QE_ATTRIBUTES_MASK);
	poc_sim_json_str(o, "mrsigner", h);
	poc_sim_json_int(o, "isvprodid", SIM_QE_ISVPRODID);
	json_object_object_add(o, "tcbLevels", isv_levels(SIM_QE_ISVSVN, level_date));
	return o;
}

/* dir/name.json and dir/name_signature.bin: raw r||s over the exact bytes written. */
static int write_signed_json(struct poc_err *e, const char *dir, const char *name, json_object *o, EVP_PKEY *key)
{
	const char *s = o != NULL ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) : NULL;
	char file[64];
	uint8_t sig[64];

	if (s == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "sim: %s JSON", name);
	snprintf(file, sizeof(file), "%s.json", name);
	if (poc_tee_sim_sign_rs(e, key, (const uint8_t *)s, strlen(s), sig, file) < 0 ||
	    poc_sim_write_file(e, dir, file, s, strlen(s), 0644) < 0)
		return -1;
	snprintf(file, sizeof(file), "%s_signature.bin", name);
	return poc_sim_write_file(e, dir, file, sig, sizeof(sig), 0644);
}

/* An empty CRL by issuer, valid from now - 1 hour for 30 days, written as DER. */
static int write_crl(struct poc_err *e, const char *dir, const char *name, X509 *issuer, EVP_PKEY *key,
		     time_t now)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *from = ASN1_TIME_adj(NULL, now, 0, -3600), *to = ASN1_TIME_adj(NULL, now, 0, COLLATERAL_TTL);
	BIO *b = BIO_new(BIO_s_mem());
	int rv = -1;

	if (crl == NULL || from == NULL || to == NULL || b == NULL || !X509_CRL_set_version(crl, X509_CRL_VERSION_2) ||
	    !X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)) || !X509_CRL_set1_lastUpdate(crl, from) ||
	    !X509_CRL_set1_nextUpdate(crl, to) || X509_CRL_sign(crl, key, EVP_sha256()) <= 0 ||
	    i2d_X509_CRL_bio(b, crl) <= 0)
		poc_err_ssl(e, POC_ERR_CRYPTO, "sim: making %s", name);
	else
		rv = poc_sim_write_bio(e, dir, name, b, 0644);
	BIO_free(b);
	ASN1_TIME_free(from);
	ASN1_TIME_free(to);
	X509_CRL_free(crl);
	return rv;
}

/* The collateral folder, named as Intel PCS collateral folders are. */
int poc_sim_write_collateral(struct poc_err *e, const char *dir, X509 *root, EVP_PKEY *root_k, X509 *plat,
			     EVP_PKEY *plat_k, X509 *tcbc, EVP_PKEY *tcb_k, time_t now)
{
	X509 *chain[2] = { tcbc, root }, *crl_chain[2] = { plat, root };
	char issue[21], next[21], level[21];
	json_object *tj, *qj;
	uint8_t mrsigner[32];
	int rv = -1;

	if (mkdir(dir, 0755) < 0)
		return poc_err_set(e, POC_ERR_ARG, "sim: cannot create %s: %s", dir, strerror(errno));
	pcs_date(now - 3600, issue);
	pcs_date(now + COLLATERAL_TTL, next);
	pcs_date((now - 86400) / 86400 * 86400, level); /* a day boundary, as Intel dates levels */
	poc_tee_sim_qe_mrsigner(mrsigner);
	tj = tcb_info_json(issue, next, level);
	qj = qe_identity_json(issue, next, level, mrsigner);
	if (write_signed_json(e, dir, "tcb_info", tj, tcb_k) < 0 ||
	    poc_sim_write_certs(e, dir, "tcb_info_issuer_chain.pem", chain, 2) < 0 ||
	    write_signed_json(e, dir, "qe_identity", qj, tcb_k) < 0 ||
	    poc_sim_write_certs(e, dir, "qe_identity_issuer_chain.pem", chain, 2) < 0 ||
	    write_crl(e, dir, "pck_crl.der", plat, plat_k, now) < 0 ||
	    write_crl(e, dir, "root_ca_crl.der", root, root_k, now) < 0 ||
	    poc_sim_write_certs(e, dir, "pck_crl_issuer_chain.pem", crl_chain, 2) < 0)
		goto done;
	rv = 0;
done:
	json_object_put(tj);
	json_object_put(qj);
	return rv;
}
