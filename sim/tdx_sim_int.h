/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to the TDX quote simulator: tdx_sim.c (the platform, the sim
 * folder, poc_sim_init and poc_sim_info), tdx_sim_files.c (file access),
 * tdx_sim_pki.c (keys, certificates, the SGX extension),
 * tdx_sim_collateral.c (DCAP collateral) and tdx_sim_poe.c (the POE token).
 * Quotes, and the reads they need, are module/tee/tee_sim*.c.
 */
#ifndef POC_TDX_SIM_INT_H
#define POC_TDX_SIM_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "sim/tdx_sim.h"
#include "tee/tee_sim.h"

/* The platform (TCB, QE identity), state and file reads, signatures: module/tee/tee_sim.h. */

/* ---- files (tdx_sim_files.c); name is a file in dir ---- */

/* Creates dir/name exclusively with mode: a sim never overwrites a key. */
int poc_sim_write_file(struct poc_err *e, const char *dir, const char *name, const void *buf, size_t len,
		       mode_t mode);
/* Writes what a PEM/DER writer put in a memory BIO. */
int poc_sim_write_bio(struct poc_err *e, const char *dir, const char *name, BIO *b, mode_t mode);
/* PEM of the certificates, in order (0644). */
int poc_sim_write_certs(struct poc_err *e, const char *dir, const char *name, X509 *const *certs, int n);
/* PEM private keys (0600), wiped from memory after use. */
int poc_sim_write_key(struct poc_err *e, const char *dir, const char *name, EVP_PKEY *k);

/* ---- the PKI (tdx_sim_pki.c) ---- */

/* A new P-256 key; what names it in errors. */
EVP_PKEY *poc_sim_gen_key(struct poc_err *e, const char *what);
/*
 * A certificate for key signed by issuer_key (issuer NULL: self-signed),
 * valid from now - 1 day for 10 years. ca: a CA with pathlen ca - 1;
 * otherwise a signing leaf. extra (may be NULL) is added as is.
 */
X509 *poc_sim_make_cert(struct poc_err *e, const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
			int ca, X509_EXTENSION *extra, time_t now);
/* The PCK certificate's SGX extension (1.2.840.113741.1.13.1) for the sim's platform; NULL on failure. */
X509_EXTENSION *poc_sim_sgx_extension(const uint8_t ppid[16], const uint8_t piid[16]);

/* ---- collateral (tdx_sim_collateral.c) ---- */

/*
 * Creates dir with the 9 DCAP collateral files, signed by the sim's PKI,
 * valid from now - 1 hour for 30 days.
 */
int poc_sim_write_collateral(struct poc_err *e, const char *dir, X509 *root, EVP_PKEY *root_k, X509 *plat,
			     EVP_PKEY *plat_k, X509 *tcbc, EVP_PKEY *tcb_k, time_t now);

/* ---- the POE token (tdx_sim_poe.c) ---- */

/*
 * dir/poe.cbor endorsing piid for POC_SIM_POE_OWNER, valid from now - 1 hour
 * for 30 days, signed by a new test endorser: dir/poe_endorser.pem (root),
 * poe_signer.pem and poe_signer.key.
 */
int poc_sim_write_poe(struct poc_err *e, const char *dir, const uint8_t piid[16], time_t now);

/* ---- JSON members, for the collateral, sim.json and the policy fragment ---- */

static inline void poc_sim_json_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static inline void poc_sim_json_int(json_object *o, const char *k, int v)
{
	json_object_object_add(o, k, json_object_new_int(v));
}

#endif
