/* SPDX-License-Identifier: Apache-2.0 */
/* GCE's MR_OWNER (PZID) against a certificate's instance information (gce_owner.h). */
#include "gce_owner.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "digest.h"
#include "hex.h"

int poc_gce_pzid_payload(struct poc_err *e, const struct poc_gce_info *g, char *out, size_t len)
{
	size_t i, n = strlen(g->zone);
	int w;

	if (!g->present)
		return poc_err_set(e, POC_ERR_POLICY, "the certificate carries no GCE instance information");
	for (i = 0; i < n; i++)
		if (!((g->zone[i] >= 'a' && g->zone[i] <= 'z') || (g->zone[i] >= '0' && g->zone[i] <= '9') || g->zone[i] == '-'))
			break;
	if (n == 0 || i != n)
		return poc_err_set(e, POC_ERR_MALFORMED, "GCE zone \"%.64s\" is not [a-z0-9-]+", g->zone);
	w = snprintf(out, len, "{\"instanceId\":%" PRIu64 ",\"numericalProjectId\":%" PRIu64 ",\"zone\":\"%s\"}",
		     g->instance_id, g->project_number, g->zone);
	if (w < 0 || (size_t)w >= len)
		return poc_err_set(e, POC_ERR_ARG, "GCE PZID payload: %d bytes do not fit", w);
	return 0;
}

int poc_gce_check_mr_owner(struct poc_err *e, const struct poc_gce_info *g, const uint8_t mr_owner[48])
{
	char payload[256], want[97], got[97];
	uint8_t h[48];

	if (poc_gce_pzid_payload(e, g, payload, sizeof(payload)) < 0)
		return -1;
	if (poc_sha384(payload, strlen(payload), h) < 0)
		return poc_err_set(e, POC_ERR_CRYPTO, "GCE PZID: sha384");
	if (CRYPTO_memcmp(h, mr_owner, sizeof(h)) == 0)
		return 0;
	poc_hex_encode(h, 8, want);
	poc_hex_encode(mr_owner, 8, got);
	return poc_err_set(e, POC_ERR_MISMATCH,
			   "MR_OWNER %s.. is not SHA-384 of the certificate's instance %s (%s..): the TD names another instance",
			   got, payload, want);
}
