/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Google Cloud TDX provenance: GCE writes into the TD's MR_OWNER the
 * SHA-384 of the canonical JSON {"instanceId":N,"numericalProjectId":N,
 * "zone":"Z"} (go-tdx-guest's PZID). Checking it against the instance
 * information of the vTPM's Google-issued AK or EK certificate shows that
 * the TD and the vTPM name the same instance. MR_OWNER is set by the host
 * that creates the TD, so on its own it endorses no platform: a foreign
 * host can write any value (docs/levels.md, "Provenance").
 */
#ifndef POC_GCE_OWNER_H
#define POC_GCE_OWNER_H

#include <stddef.h>
#include <stdint.h>

#include "gce_ext.h"
#include "verr.h"

/* The canonical payload into out; the zone must be [a-z0-9-]+ (nothing to escape). */
int poc_gce_pzid_payload(struct poc_err *e, const struct poc_gce_info *g, char *out, size_t len);
/* SHA-384 of the payload == mr_owner (constant time); POC_ERR_MISMATCH names both. */
int poc_gce_check_mr_owner(struct poc_err *e, const struct poc_gce_info *g, const uint8_t mr_owner[48]);

#endif
