/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to the appraisal files (appraise*.c). */
#ifndef POC_APPRAISE_INT_H
#define POC_APPRAISE_INT_H

#include <openssl/x509.h>
#include <tss2/tss2_tpm2_types.h>

#include "appraise.h"
#include "tdx_quote.h"

/* What the TPM and TDX passes established, for the binding and provider passes. */
struct poc_appraise_state {
	const struct poc_policy *p;
	const struct poc_bundle *b;
	const struct poc_appraise_opts *o;
	struct poc_appraisal *out;
	/* TPM */
	int has_ak_pub;
	TPMT_PUBLIC ak_pub;
	X509 *ak_cert;               /* from the bundle, when present */
	STACK_OF(X509) *ak_chain;    /* extra intermediates from the bundle */
	struct poc_pcrs verified;    /* PCR values covered by a verified quote */
	TPM2B_DATA extra_data;       /* of the first quote */
	/* Binding (binding.c fills these before the TPM and TDX passes). */
	const uint8_t *nonce;        /* N: --nonce, or for poc-v1/azure-hcl the bundle's own */
	size_t nonce_len;
	int check_extra;             /* every TPM quote's extraData must equal extra */
	uint8_t extra[64];
	size_t extra_len;
	int check_rd;                /* the TD REPORTDATA must begin with rd */
	uint8_t rd[64];
	size_t rd_len;
	EVP_PKEY *hcl_ak;            /* azure-hcl: the HCL report's HCLAkPub (read before any check relies on it) */
	int ak_activated;            /* the AK was activated against ek_cert's EK */
	X509 *ek_cert;
	/* TDX */
	int tdx_verified;
	struct poc_tdx_quote tdx;
	struct poc_tdx_verified tdxv;
};

/* Records a denial (first one wins) and returns -1. */
int poc_deny(struct poc_appraisal *out, const char *clause, enum poc_verr code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Records a denial from an error, prefixing context. */
int poc_deny_err(struct poc_appraisal *out, const char *clause, const struct poc_err *e, const char *context);
/* A diagnostic into a fixed buffer; cutting a long one short is fine. */
void poc_say(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void poc_note(struct poc_appraisal *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Records a warning (first one wins): accepted, but the clause could not be established. */
void poc_warn(struct poc_appraisal *out, const char *clause, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

int poc_appraise_binding_prepare(struct poc_appraise_state *s);
int poc_appraise_binding_finish(struct poc_appraise_state *s);
int poc_appraise_tpm(struct poc_appraise_state *s);
int poc_appraise_tdx(struct poc_appraise_state *s);
/* The attestation levels into s->out->al (levels.c), then $.assurance: -1 with a denial naming the missing predicate. */
int poc_appraise_levels(struct poc_appraise_state *s);

#endif
