/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to the collateral files: collateral_parse.c (strict JSON, TCB Info
 * and QE Identity, dates) and collateral.c (signatures, chains, CRLs, the
 * collateral's lifetime and accessors).
 */
#ifndef POC_COLLATERAL_INT_H
#define POC_COLLATERAL_INT_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>
#include <openssl/x509.h>

#include "collateral.h"

/*
 * The most bytes read from one collateral file (JSON or CRL). Real TCB Info
 * documents are ~6 KiB; the bound keeps fuzzed input cheap.
 */
#define POC_COLLATERAL_MAX_FILE (1u << 20)

struct poc_collateral {
	int has_tcb, has_qe;
	struct poc_tcb_info tcb;
	struct poc_qe_identity qe;
	X509_CRL *pck_crl;
	X509_CRL *root_crl;
};

/* Days since 1970-01-01 of a proleptic Gregorian date (no libc time zone state); returns 0. */
int poc_days_from_civil(int64_t y, int m, int d, int64_t *out);

/*
 * Finds the signed JSON: the whole document, or the member "inner" of a PCS
 * response {"inner": {...}, "signature": "hex"}. Returns the parsed inner
 * object (json_object_put it), its raw span in buf, and the response's
 * signature when there is one (*has_sig); NULL with e set on error.
 */
struct json_object *poc_collateral_load_signed_json(struct poc_err *e, const char *what, const char *inner,
						    const uint8_t *buf, size_t len, size_t *span_off,
						    size_t *span_len, uint8_t sig[64], int *has_sig);

/*
 * The TCB Info (id "TDX", version 3) / QE Identity (id "TD_QE", version 2)
 * in a parsed object, strictly. On failure the part filled so far is still
 * owned by the struct (poc_collateral_free releases it).
 */
int poc_tcb_info_from_json(struct poc_err *e, struct json_object *o, struct poc_tcb_info *t);
int poc_qe_identity_from_json(struct poc_err *e, struct json_object *o, struct poc_qe_identity *q);

/* What a collateral signing certificate signs (collateral_signer.c). */
enum poc_coll_signer {
	POC_SIGNER_TCB, /* TCB Info, QE Identity: the TCB Signing certificate */
	POC_SIGNER_CRL, /* the PCK CRL: a CA of the root with cRLSign */
};

/*
 * The signer of a collateral document from its issuer chain (PEM; the first
 * certificate signs, the rest is ignored: trust comes from roots only). It
 * must be issued directly by one of roots at at (POC_ERR_CHAIN / _EXPIRED),
 * by the root that issued root_crl and not be listed in it, and be of kind:
 * TCB: CN "Intel SGX TCB Signing", O that of its root, key usage
 * digitalSignature or nonRepudiation, no CA; CRL: a CA with cRLSign.
 * Returns the signer, owned by *keep (free the stack), or NULL with e set.
 */
X509 *poc_collateral_signer(struct poc_err *e, const char *what, enum poc_coll_signer kind, const uint8_t *pem,
			    size_t len, STACK_OF(X509) *roots, X509_CRL *root_crl, int64_t at, STACK_OF(X509) **keep);

#endif
