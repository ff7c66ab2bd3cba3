/* SPDX-License-Identifier: Apache-2.0 */
/* poctool evidence verify --json: the verdict as one JSON document on stdout. */
#ifndef POC_TOOL_VERIFY_JSON_H
#define POC_TOOL_VERIFY_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "appraise.h"

/*
 * verdict "accepted" (status affirming, or the worst part and the clause not established) or
 * "denied" (the clause as a JSON path, the reason); the parts' EAR statuses, the provider and
 * platform, the TCB, the notes; verified_at as ISO 8601 UTC and Unix seconds.
 */
void poc_tool_verify_json(const struct poc_appraisal *a, int accepted, int64_t at);

/* A record's JSON (poc_record_to_json) with claims.iat_utc: claims.iat as ISO 8601 UTC. malloc'd; NULL: no memory. */
char *poc_tool_record_json_times(const char *json);

/* Unix seconds as ISO 8601 UTC ("2026-05-28T20:26:40Z") into out (at least 32 bytes). */
void poc_tool_iso_time(int64_t t, char *out, size_t cap);

#endif
