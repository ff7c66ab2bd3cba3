/* SPDX-License-Identifier: Apache-2.0 */
/* poctool evidence verify's human summary of an appraisal (the JSON one is verify_json.c). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include "appraise.h"
#include "hex.h"
#include "levels_print.h"
#include "poctool.h"
#include "verify_json.h"
#include "verify_print.h"

void poc_tool_verify_summary(const struct poc_appraisal *a, int64_t at, int empty_nonce)
{
	enum poc_ear_status st;
	char hex[2 * 66 + 1];
	size_t i;

	/* The record's top-level status: the worst part, at least warning when a clause was not established. */
	st = a->tee > a->vtpm ? a->tee : a->vtpm;
	st = a->poc > st ? a->poc : st;
	if (a->warn_clause[0] && st < POC_EAR_WARNING)
		st = POC_EAR_WARNING;
	/* A script reading only the first line must not take a warning for an affirming result. */
	if (st == POC_EAR_AFFIRMING)
		printf("accepted\n");
	else
		printf("accepted, not affirming (status %s%s%s)\n", poc_ear_status_name(st), a->warn_clause[0] ? ": " : "",
		       a->warn_clause);
	printf("  status: %s\n", poc_ear_status_name(st));
	if (a->warn_clause[0])
		printf("  warning: %s: %s\n", a->warn_clause, a->warning);
	{
		char when[32];

		poc_tool_iso_time(at, when, sizeof(when));
		printf("  verified at: %s (%" PRId64 ")\n", when, at);
	}
	printf("  nonce: %s\n", a->nonce_checked ? "checked"
		: empty_nonce ? "NOT checked: no nonce (an empty nonce; the evidence may be a replay)"
			      : "NOT checked: no nonce (the evidence may be a replay)");
	printf("  vtpm: %s", poc_ear_status_name(a->vtpm));
	if (a->nquotes) {
		printf(" (%zu quote%s", a->nquotes, a->nquotes == 1 ? "" : "s");
		if (a->ak_name_len) {
			poc_hex_encode(a->ak_name, a->ak_name_len, hex);
			printf(", AK name %s", hex);
		}
		printf(", clock %" PRIu64 ", resetCount %" PRIu64 ", restartCount %" PRIu64 ", firmware %016" PRIx64,
		       a->clock, a->reset_count, a->restart_count, a->firmware_version);
		if (a->qualified_signer_len) {
			poc_hex_encode(a->qualified_signer, a->qualified_signer_len, hex);
			printf(", qualifiedSigner %s", hex);
		}
		printf(")");
	}
	printf("\n  tee: %s", poc_ear_status_name(a->tee));
	if (a->has_tdx) {
		poc_hex_encode(a->mrtd, 48, hex);
		printf(" (TDX, MRTD %s%s", hex, a->tdx_debug ? ", DEBUG" : "");
		if (a->tcb_status[0])
			printf(", TCB %s since %s%s%s", a->tcb_status, a->tcb_date, a->advisories[0] ? ", advisories " : "",
			       a->advisories);
		printf(")");
	}
	printf("\n  poc: %s", poc_ear_status_name(a->poc));
	if (a->provider[0])
		printf(" (provider %s)", a->provider);
	printf("\n");
	if (a->provider_chain[0])
		printf("  chain: %s\n", a->provider_chain);
	if (a->platform[0])
		printf("  td platform: endorsed by %s\n", a->platform);
	if (a->gce.present)
		printf("  gce: zone %s, project %s (%" PRIu64 "), instance %s (%" PRIu64 ")%s\n", a->gce.zone,
		       a->gce.project_id, a->gce.project_number, a->gce.instance_name, a->gce.instance_id,
		       a->gce.has_security ? (a->gce.is_production ? ", production" : ", not production") : "");
	poc_tool_print_levels(&a->al);
	for (i = 0; i < a->nnotes; i++)
		printf("  note: %s\n", a->notes[i]);
}
