/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The evidence bundle (DESIGN.md section 3): one CBOR map holding every piece
 * of evidence a verifier needs, so it can be stored, shipped and replayed.
 *
 *   { "version": 1,
 *     "nonce": bstr,                      what the collector was asked to cover
 *     "tpm": { "ak_pub": bstr (TPMT_PUBLIC), "ak_cert": bstr (DER),
 *              "ak_chain": [bstr...], "ek_cert": bstr, "eventlog": bstr,
 *              "ek_pub": bstr (TPMT_PUBLIC or TPM2B_PUBLIC),
 *              "activated_secret": bstr (what TPM2_ActivateCredential returned),
 *              "quotes": [ { "attest": bstr, "sig": bstr,
 *                            "pcrs": { "sha256": { uint: bstr, ... }, ... } } ] },
 *     "tdx": { "quote": bstr, "ccel_table": bstr, "ccel_log": bstr,
 *              "collateral": { "tcb_info": bstr, ... the 9 file stems ... } },
 *     "hcl_report": bstr, "poe": bstr, "registry_token": bstr (a Proof of Cloud
 *     Alliance registry JWT, poca.h), "ima_log": bstr (IMA's binary measurement list),
 *     "timing": { "nonce_ms": uint, "evidence_ms": uint } }   (Unix milliseconds)
 *
 * Every member is optional except "version". Unknown members are ignored so
 * that newer collectors' bundles still verify; known members must have their
 * type.
 */
#ifndef POC_BUNDLE_H
#define POC_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "pcrs.h"
#include "verr.h"

#define POC_BUNDLE_MAX (64u << 20) /* a bundle is never bigger than 64 MiB */
#define POC_BUNDLE_MAX_QUOTES 4
#define POC_BUNDLE_MAX_CHAIN 8

struct poc_blob {
	uint8_t *p;
	size_t len;
};

struct poc_bundle_quote {
	struct poc_blob attest, sig;
	struct poc_pcrs pcrs;
};

/* DCAP collateral, by the file stems of a collateral folder. */
enum poc_coll_item {
	POC_COLL_TCB_INFO, POC_COLL_TCB_INFO_SIG, POC_COLL_TCB_INFO_CHAIN,
	POC_COLL_QE_ID, POC_COLL_QE_ID_SIG, POC_COLL_QE_ID_CHAIN,
	POC_COLL_PCK_CRL, POC_COLL_ROOT_CA_CRL, POC_COLL_PCK_CRL_CHAIN,
	POC_COLL_COUNT
};
/* "tcb_info", "tcb_info_signature", ... the names used in bundles and folders. */
const char *poc_coll_item_name(enum poc_coll_item i);

struct poc_bundle {
	uint64_t version;
	struct poc_blob nonce;
	/* TPM */
	struct poc_blob ak_pub, ak_cert, ek_cert, eventlog, ek_pub, activated_secret;
	struct poc_blob ak_chain[POC_BUNDLE_MAX_CHAIN];
	size_t n_ak_chain;
	struct poc_bundle_quote quotes[POC_BUNDLE_MAX_QUOTES];
	size_t nquotes;
	/* TEE */
	struct poc_blob tdx_quote, ccel_table, ccel_log;
	struct poc_blob collateral[POC_COLL_COUNT];
	int has_collateral;
	struct poc_blob hcl_report, poe, registry_token, ima_log;
	int has_timing;
	uint64_t nonce_ms, evidence_ms;
};

/* Copies len bytes into a blob (replacing what it held). */
int poc_blob_set(struct poc_err *e, struct poc_blob *b, const uint8_t *p, size_t len);
void poc_blob_clear(struct poc_blob *b);

int poc_bundle_encode(struct poc_err *e, const struct poc_bundle *b, uint8_t **out, size_t *outlen);
/* Decodes into *out (which owns copies of every blob); poc_bundle_free() after. */
int poc_bundle_decode(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_bundle *out);
void poc_bundle_free(struct poc_bundle *b);

#endif
