/* SPDX-License-Identifier: Apache-2.0 */
/* poctool evidence verify --json: the verdict as one JSON document on stdout. */
#ifndef POC_TOOL_VERIFY_JSON_H
#define POC_TOOL_VERIFY_JSON_H

#include <stdint.h>

#include "appraise.h"

/*
 * verdict "accepted" (status affirming, or the worst part and the clause not established) or
 * "denied" (the clause as a JSON path, the reason); the parts' EAR statuses, the provider and
 * platform, the TCB, the notes; verified_at as ISO 8601 UTC and Unix seconds.
 */
void poc_tool_verify_json(const struct poc_appraisal *a, int accepted, int64_t at);

#endif
