/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The TDX simulator's quote path (tee = sim:DIR), the part of the simulator
 * inside the module: reading a sim folder that sim/ (`poctool sim init`, not
 * linked into poc-pkcs11.so) made, and signing quotes with its keys. The
 * simulated platform's TCB and QE identity live here because quotes carry
 * them; sim/ writes the same values into its PCK certificate and collateral.
 * Files read in DIR: sim.json, qe_att.key, pck.key, pck_chain.pem, poe.cbor.
 */
#ifndef POC_TEE_SIM_H
#define POC_TEE_SIM_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "verr.h"

/* The sim's POE token in DIR. */
#define POC_TEE_SIM_POE_FILE "poe.cbor"

/*
 * The platform's TCB. The PCK's SGX components, PCESVN and the quote's
 * TEE_TCB_SVN are exactly the one UpToDate level of the sim's TCB Info.
 * TEE_TCB_SVN[1] = 1 selects the TDX module identity "TDX_01", whose one
 * level has isvsvn TEE_TCB_SVN[0].
 */
extern const uint8_t poc_tee_sim_sgx_comp[16];
#define SIM_PCESVN 13
extern const uint8_t poc_tee_sim_tee_tcb_svn[16];
/* QE identity values, those of Intel's TD_QE (MRSIGNER too: poc_tee_sim_qe_mrsigner). */
#define SIM_QE_ISVPRODID 2
#define SIM_QE_ISVSVN 4
#define SIM_QE_SVN 4
#define SIM_QE_ATTRIBUTES "11000000000000000000000000000000"
#define SIM_QE_ATTRIBUTES_MASK "FBFFFFFFFFFFFFFF0000000000000000"

/* The QE's MRSIGNER: Intel's TD QE's, in QE Identity and QE reports alike. */
void poc_tee_sim_qe_mrsigner(uint8_t out[32]);

/*
 * A v4 quote from the sim in dir: REPORTDATA = reportdata, the sim's MRTD and
 * DEBUG bit, RTMR0-3 = rtmr (NULL: zeros), signed by the QE attestation key;
 * the QE report is signed by the PCK key and binds the attestation key
 * (SHA-256(att_key || auth) || 0^32); certification data type 6 holds the QE
 * report and type 5 the PEM PCK chain (leaf, platform CA, root). *quote is
 * malloc'ed (free()).
 */
int poc_tee_sim_quote(struct poc_err *e, const char *dir, const uint8_t reportdata[64], const uint8_t rtmr[4][48],
		      uint8_t **quote, size_t *len);
/* The same with MR_OWNER = mr_owner (48 bytes; NULL: zeros), as GCE writes its PZID there (verify/gce_owner.h). */
int poc_tee_sim_quote_owner(struct poc_err *e, const char *dir, const uint8_t reportdata[64], const uint8_t rtmr[4][48],
			    const uint8_t mr_owner[48], uint8_t **quote, size_t *len);

/*
 * The sim's POE token (DIR/poe.cbor) into *tok (malloc'ed): 0, or 1 when the
 * folder has none (made before sim init wrote one), -1 on errors.
 */
int poc_tee_sim_poe(struct poc_err *e, const char *dir, uint8_t **tok, size_t *len);

/* dir/sim.json: the sim's MRTD and DEBUG bit. */
int poc_tee_sim_read_state(struct poc_err *e, const char *dir, uint8_t mrtd[48], int *debug);

/* dir/name into out (outlen bytes). */
int poc_tee_sim_path_join(struct poc_err *e, char *out, size_t outlen, const char *dir, const char *name);
/* A regular file of at most 1 MiB, NUL-terminated (not counted in *len); malloc'ed. */
uint8_t *poc_tee_sim_read_file(struct poc_err *e, const char *dir, const char *name, size_t *len);
/* A PEM private key in dir (the buffer it was read into is wiped). */
EVP_PKEY *poc_tee_sim_read_key(struct poc_err *e, const char *dir, const char *name);
/* ECDSA P-256 / SHA-256 over msg as raw r||s, Intel's quote and collateral format. */
int poc_tee_sim_sign_rs(struct poc_err *e, EVP_PKEY *k, const uint8_t *msg, size_t len, uint8_t rs[64],
			const char *what);

#endif
