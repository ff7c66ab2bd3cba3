/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The release policy: the JSON document of DESIGN.md section 8, parsed
 * strictly (unknown fields and wrong types are errors). Certificate files
 * the policy names are read through a loader the caller supplies, with paths
 * as written in the policy; verify/ itself does no I/O.
 */
#ifndef POC_POLICY_H
#define POC_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "pcrs.h"
#include "reference.h"
#include "verr.h"

#define POC_POLICY_MAX_PROVIDERS 8
#define POC_POLICY_MAX_VALUES 16
#define POC_POLICY_MAX_ALLOW 64
#define POC_POLICY_MAX_NAMES 8
#define POC_POLICY_MAX_CERT_FILES 64 /* per roots/intermediates list */

/* Reads a file the policy names; returns 0 with a malloc'd buffer, or -1 with e set. */
typedef int (*poc_policy_loader)(void *ctx, struct poc_err *e, const char *path, uint8_t **buf,
				 size_t *len);

/* A list of acceptable values for one measurement (any one matches). */
struct poc_policy_values {
	size_t n;
	size_t len; /* every value has this length */
	uint8_t v[POC_POLICY_MAX_VALUES][64];
};

struct poc_policy_provider {
	char name[64];
	STACK_OF(X509) *roots;
	STACK_OF(X509) *intermediates;
	int require_production;
	int gce_mr_owner; /* the TD's MR_OWNER must be GCE's PZID of the certificate's instance (gce_owner.h) */
};

struct poc_policy_pcr_bank {
	uint16_t alg;
	uint32_t mask; /* PCRs with reference values */
	struct poc_policy_values vals[POC_PCR_COUNT];
};

struct poc_policy_platform_id {
	int is_piid; /* else a PPID */
	uint8_t id[16];
};

enum poc_binding {
	POC_BINDING_UNSET = 0, /* treated as "none" */
	POC_BINDING_NONE,
	POC_BINDING_POC_V1,
	POC_BINDING_AZURE_HCL,
};

enum poc_eventlog_rule {
	POC_EVENTLOG_UNSET = 0, /* replayed when present */
	POC_EVENTLOG_REQUIRED,
	POC_EVENTLOG_OPTIONAL,
};

/* $.reference: reference values for the attestation levels (docs/levels.md). */
enum poc_ref_kind { POC_REF_MRTD, POC_REF_UKI, POC_REF_VERITY, POC_REF_IMA, POC_REF_COUNT };
enum poc_ref_provenance {
	POC_REF_UNSTATED = 0, /* counts for the nominal level only */
	POC_REF_CSP,          /* the provider's values: nominal only */
	POC_REF_INDEPENDENT,  /* of CSP-independent provenance: may count for the trustworthy level */
};

struct poc_policy_reference {
	int present;
	enum poc_ref_provenance provenance;
	char file[128];
	struct poc_refvals vals;
};

struct poc_policy {
	int version;

	int has_providers;
	size_t nproviders;
	struct poc_policy_provider providers[POC_POLICY_MAX_PROVIDERS];

	int has_platforms;
	size_t nallow;
	struct poc_policy_platform_id allow[POC_POLICY_MAX_ALLOW];
	int has_poe;
	STACK_OF(X509) *poe_roots;
	size_t npoe_owners;
	char poe_owners[POC_POLICY_MAX_NAMES][128];
	/* $.platforms.poca: Proof of Cloud Alliance registry tokens (poca.h). */
	int has_poca, has_poca_skew;
	size_t npoca_keys;
	EVP_PKEY *poca_keys[POC_POLICY_MAX_NAMES];
	int64_t poca_max_age_s, poca_max_skew_s;

	int has_tee;
	STACK_OF(X509) *tee_roots;
	int has_tcb_status;
	size_t ntcb_status;
	char tcb_status[POC_POLICY_MAX_NAMES][48];
	struct poc_policy_values mrtd;
	struct poc_policy_values rtmr[4];
	int debug_allowed; /* "debug": true; the default forbids a DEBUG TD */

	int has_vtpm;
	size_t npcr_banks;
	struct poc_policy_pcr_bank pcr_banks[POC_PCR_BANKS];
	enum poc_eventlog_rule eventlog;
	int crosscheck_required; /* "crosscheck": "required": the PCR/RTMR cross-check must be made */
	int has_reset_count, has_restart_count; /* pinned TPM clock counters */
	int64_t reset_count, restart_count;

	enum poc_binding binding;

	int has_max_age, has_max_rtt;
	int64_t max_age_s, max_rtt_ms;

	/* $.assurance: the attestation levels the appraisal must reach (0-4). */
	int has_min_nominal, has_min_trustworthy;
	int64_t min_nominal, min_trustworthy;
	struct poc_policy_reference ref[POC_REF_COUNT];
};

/* "mrtd", "uki", "verity_roothash", "ima_allow": the clause's name under $.reference. */
const char *poc_ref_kind_name(enum poc_ref_kind k);

/* Parses the JSON policy into a new struct (free with poc_policy_free). */
int poc_policy_parse(struct poc_err *e, const char *json, size_t len, poc_policy_loader load,
		     void *load_ctx, struct poc_policy **out);
void poc_policy_free(struct poc_policy *p);
/* True when the policy names who must run the machine (providers or platforms). */
int poc_policy_is_proof_of_cloud(const struct poc_policy *p);
const char *poc_binding_name(enum poc_binding b);

#endif
