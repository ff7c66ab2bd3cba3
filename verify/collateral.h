/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Intel DCAP collateral for TDX: TCB Info (v3, id "TDX"), QE Identity (v2,
 * id "TD_QE"), the PCK CRL and the Root CA CRL. poc_collateral_verify checks
 * everything about the collateral itself (signatures, chains to the Intel
 * root, CRLs, validity at a pinned time) and keeps the parsed result;
 * tcb_eval.h matches a platform against it.
 */
#ifndef POC_COLLATERAL_H
#define POC_COLLATERAL_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "verr.h"

/* The collateral as bytes, one member per file of a collateral folder. */
struct poc_collateral_files {
	const uint8_t *tcb_info; size_t tcb_info_len;             /* tcb_info.json */
	const uint8_t *tcb_info_sig; size_t tcb_info_sig_len;     /* raw r||s (64 B) */
	const uint8_t *tcb_info_chain; size_t tcb_info_chain_len; /* PEM: TCB Signing, Root */
	const uint8_t *qe_identity; size_t qe_identity_len;
	const uint8_t *qe_identity_sig; size_t qe_identity_sig_len;
	const uint8_t *qe_identity_chain; size_t qe_identity_chain_len;
	const uint8_t *pck_crl; size_t pck_crl_len;             /* DER (or PEM) */
	const uint8_t *root_ca_crl; size_t root_ca_crl_len;     /* DER (or PEM) */
	const uint8_t *pck_crl_chain; size_t pck_crl_chain_len; /* PEM: Platform/Processor CA, Root */
};

/* Parsed and verified TCB Info, QE Identity and CRLs (opaque). */
struct poc_collateral;

/* The parsed JSON, read-only views for tcb_eval.c and printing. */
struct poc_tcb_level {            /* one entry of tcbInfo.tcbLevels */
	uint8_t sgx[16];          /* sgxtcbcomponents[].svn */
	uint16_t pcesvn;
	uint8_t tdx[16];          /* tdxtcbcomponents[].svn */
	char date[32];            /* tcbDate as written */
	int status;               /* enum poc_tcb_status */
	char *advisories;         /* "INTEL-SA-00001,INTEL-SA-00002" or "" */
};
struct poc_isv_level {            /* a tdxModuleIdentities[].tcbLevels or QE Identity level */
	uint16_t isvsvn;
	char date[32];
	int status;
	char *advisories;
};
struct poc_tdx_module_id {
	char id[16];              /* "TDX_01" */
	uint8_t mrsigner[48];
	uint8_t attributes[8];
	uint8_t attributes_mask[8];
	struct poc_isv_level *levels;
	size_t nlevels;
};
struct poc_tcb_info {
	int version;              /* 3 */
	int64_t issue_date, next_update;
	uint8_t fmspc[6];
	uint8_t pceid[2];
	char fmspc_hex[13], pceid_hex[5];
	int tcb_type;
	int eval_number;
	uint8_t module_mrsigner[48]; /* tdxModule */
	uint8_t module_attributes[8];
	uint8_t module_attributes_mask[8];
	struct poc_tdx_module_id *modules; /* tdxModuleIdentities, may be empty */
	size_t nmodules;
	struct poc_tcb_level *levels;
	size_t nlevels;
};
struct poc_qe_identity {
	int version;              /* 2 */
	int64_t issue_date, next_update;
	int eval_number;
	uint32_t miscselect, miscselect_mask; /* bytes in report order, read little-endian */
	uint8_t attributes[16], attributes_mask[16];
	uint8_t mrsigner[32];
	uint16_t isvprodid;
	struct poc_isv_level *levels;
	size_t nlevels;
};

/* NULL when c holds none (a parse-only collateral). */
const struct poc_tcb_info *poc_collateral_tcb_info(const struct poc_collateral *c);
const struct poc_qe_identity *poc_collateral_qe_identity(const struct poc_collateral *c);

/*
 * Verifies at Unix time at: the TCB Info and QE Identity signatures (raw
 * r||s ECDSA P-256 over the exact bytes of the "tcbInfo" / "enclaveIdentity"
 * JSON, which is either the whole file or that member of a PCS response) by
 * the TCB Signing certificate (the first of their issuer chains: issued
 * directly by one of intel_roots, CN "Intel SGX TCB Signing" with the root's
 * O, a signing key that is no CA; the rest of the chain file is ignored),
 * the Root CA CRL's signature by the root and the PCK CRL's by its issuer (a
 * CA with cRLSign issued directly by the root), that no signing certificate
 * is listed in the Root CA CRL, and the validity windows
 * (issueDate <= at <= nextUpdate; CRL thisUpdate <= at <= nextUpdate):
 * POC_ERR_EXPIRED "TCB Info expired at ...". A signature of a wrapped file
 * may also come from its "signature" member when the .bin is empty.
 * On success *out owns the parsed collateral (poc_collateral_free).
 */
int poc_collateral_verify(struct poc_err *e, const struct poc_collateral_files *f,
			  STACK_OF(X509) *intel_roots, int64_t at, struct poc_collateral **out);
void poc_collateral_free(struct poc_collateral *c);

/*
 * The PCK leaf and its issuer are not revoked: the PCK CRL's issuer name is
 * the subject of pck_issuer and the issuer of pck_leaf (else POC_ERR_MISMATCH
 * "PCK CRL is for another CA"), the PCK CRL is signed by pck_issuer's key
 * (POC_ERR_SIGNATURE), the leaf's serial is not listed
 * (POC_ERR_REVOKED "PCK certificate serial ... revoked"), and pck_issuer is not
 * listed in the Root CA CRL. pck_issuer may be NULL to check the leaf only.
 */
int poc_collateral_check_pck(struct poc_err *e, const struct poc_collateral *c, X509 *pck_leaf,
			     X509 *pck_issuer);

/*
 * The lower-level check: crl's issuer is cert's issuer (POC_ERR_MISMATCH
 * "<what> CRL is for another CA") and cert's serial is not listed
 * (POC_ERR_REVOKED "<what> certificate serial <hex> revoked ..."). Does not
 * check the CRL's signature or dates.
 */
int poc_crl_check_cert(struct poc_err *e, X509_CRL *crl, X509 *cert, const char *what);

/* Accessors, for printing and for tcb_eval.c. Strings live as long as c. */
const char *poc_collateral_fmspc_hex(const struct poc_collateral *c);  /* "00806F050000" */
const char *poc_collateral_pceid_hex(const struct poc_collateral *c);  /* "0000" */
int64_t poc_collateral_tcb_issue_date(const struct poc_collateral *c); /* Unix seconds */
int64_t poc_collateral_tcb_next_update(const struct poc_collateral *c);
int poc_collateral_tcb_eval_number(const struct poc_collateral *c); /* tcbEvaluationDataNumber */
int64_t poc_collateral_qe_issue_date(const struct poc_collateral *c);
int64_t poc_collateral_qe_next_update(const struct poc_collateral *c);
int poc_collateral_qe_eval_number(const struct poc_collateral *c);

/* Parses "YYYY-MM-DDTHH:MM:SSZ" (Intel PCS dates) into Unix seconds. */
int poc_collateral_parse_date(struct poc_err *e, const char *s, int64_t *out);

/*
 * Parses (does not verify) a TCB Info or QE Identity JSON document: for
 * fuzzing and for tools that only print. Either is the inner object or the
 * PCS response wrapping it. Returns a collateral holding just that part.
 */
int poc_collateral_parse_tcb_info(struct poc_err *e, const uint8_t *json, size_t len,
				  struct poc_collateral **out);
int poc_collateral_parse_qe_identity(struct poc_err *e, const uint8_t *json, size_t len,
				     struct poc_collateral **out);

#endif
