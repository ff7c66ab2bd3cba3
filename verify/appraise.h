/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Appraisal: evidence bundle + policy -> accepted or denied. A denial names
 * the policy clause that failed as a JSON path ("$.vtpm.pcrs.sha256.7") and
 * what was observed. Each clause is checked only when the policy has it;
 * the integrity of every piece of evidence present is always checked.
 */
#ifndef POC_APPRAISE_H
#define POC_APPRAISE_H

#include <stddef.h>
#include <stdint.h>

#include "bundle.h"
#include "gce_ext.h"
#include "levels.h"
#include "policy.h"
#include "verr.h"

/* EAR status values (draft-ietf-rats-ear). */
enum poc_ear_status {
	POC_EAR_NONE = 0,
	POC_EAR_AFFIRMING = 2,
	POC_EAR_WARNING = 32,
	POC_EAR_CONTRAINDICATED = 96,
};
const char *poc_ear_status_name(enum poc_ear_status s);

struct poc_appraise_opts {
	const uint8_t *nonce; /* the verifier's nonce; NULL (or empty): no nonce is checked */
	size_t nonce_len;
	int64_t at;           /* verification time, Unix seconds */
	const uint8_t *credential_key; /* 32-byte verifier key for credential activation, or NULL */
	/*
	 * Freshness on the verifier's own clock (never the bundle's timing, which
	 * the prover writes): when the verifier issued the nonce, and the
	 * verification time in Unix ms (0: at * 1000). The evidence covers the
	 * nonce, so at_ms - nonce_time_ms bounds both its age and the round trip.
	 * Without has_nonce_time a freshness clause is unverifiable: a warning.
	 */
	int has_nonce_time;
	int64_t nonce_time_ms;
	int64_t at_ms;
};

#define POC_APPRAISAL_MAX_NOTES 8

struct poc_appraisal {
	int accepted;
	/* On denial: */
	enum poc_verr code;
	char clause[96];    /* JSON path of the failing clause */
	char reason[POC_ERR_MSG_MAX];
	/* Per-part results (EAR submods "tee", "vtpm", "poc"). */
	enum poc_ear_status tee, vtpm, poc;
	/* Facts for summaries and records. */
	int nonce_checked;
	size_t nquotes;
	uint8_t ak_name[2 + 64];
	size_t ak_name_len;
	uint64_t clock, reset_count, restart_count, firmware_version;
	uint8_t qualified_signer[2 + 64]; /* of the first quote */
	size_t qualified_signer_len;
	char provider[288]; /* the provider name, or what endorsed the platform */
	char provider_chain[512]; /* the matched chain, leaf to root: "CN=a <- CN=b <- CN=root" */
	struct poc_gce_info gce;
	int has_tdx;
	uint8_t mrtd[48], rtmr[4][48], reportdata[64];
	int tdx_debug;
	int tee_simulated; /* the PCK chain ends at the poc-pkcs11 simulator's test root */
	char tcb_status[48]; /* empty when not appraised */
	char tcb_date[32];
	char advisories[512];
	int has_ppid, has_piid;
	uint8_t ppid[16], piid[16];
	char platform[160]; /* what endorsed the TD's platform (allow-list, POE owner); "" when nothing did */
	/*
	 * Accepted, but not affirming: the first clause that could not be
	 * established (e.g. "$.platforms": only the vTPM is endorsed under
	 * poc-v1; "$.freshness": no verifier-side nonce time) and why.
	 */
	char warn_clause[96];
	char warning[POC_ERR_MSG_MAX];
	size_t nnotes;
	char notes[POC_APPRAISAL_MAX_NOTES][160];
	struct poc_levels al; /* the attestation levels reached (levels.h); zero for a denial */
};

/*
 * Returns 0 when accepted, -1 when denied (out->clause / out->reason say why).
 * out is always fully written.
 */
int poc_appraise(const struct poc_policy *p, const struct poc_bundle *b,
		 const struct poc_appraise_opts *o, struct poc_appraisal *out);

/*
 * A release needs more than an acceptance: turns an accepting appraisal whose
 * poc part is not affirming (a warning: the TD's platform is not endorsed,
 * freshness unverifiable, or no Proof of Cloud at all) into a denial naming
 * the warning's clause and reason. Returns 0 when a is accepted and affirming,
 * -1 otherwise (a denied already, or denied now).
 */
int poc_appraisal_require_affirming(struct poc_appraisal *a);

#endif
