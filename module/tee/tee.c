/* SPDX-License-Identifier: Apache-2.0 */
/* The tee setting (tee.h): parsed once, then one way to a TD quote. */
#include "tee/tee.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tee/tee_sim.h"

void poc_tee_defaults(struct poc_tee *t)
{
	memset(t, 0, sizeof(*t));
	t->kind = POC_TEE_TDX;
	snprintf(t->collateral, sizeof(t->collateral), "%s", POC_COLLATERAL_DEFAULT);
}

int poc_tee_parse(struct poc_err *e, const char *value, struct poc_tee *t)
{
	size_t n;

	if (strcmp(value, "tdx") == 0) {
		t->kind = POC_TEE_TDX;
		t->sim_path[0] = '\0';
		return 0;
	}
	if (strcmp(value, "none") == 0) {
		t->kind = POC_TEE_NONE;
		t->sim_path[0] = '\0';
		return 0;
	}
	if (strncmp(value, "sim:", 4) != 0 || value[4] == '\0')
		return poc_err_set(e, POC_ERR_ARG, "tee \"%s\" is not tdx, none or sim:PATH", value);
	n = strlen(value + 4);
	if (n >= sizeof(t->sim_path))
		return poc_err_set(e, POC_ERR_ARG, "tee sim:PATH: the path is %zu bytes, at most %zu", n,
				   sizeof(t->sim_path) - 1);
	t->kind = POC_TEE_SIM;
	memcpy(t->sim_path, value + 4, n + 1);
	return 0;
}

const char *poc_tee_kind_str(enum poc_tee_kind k)
{
	switch (k) {
	case POC_TEE_TDX: return "tdx";
	case POC_TEE_SIM: return "sim";
	case POC_TEE_NONE: return "none";
	}
	return "?";
}

int poc_tee_quote(struct poc_err *e, const struct poc_tee *t, const uint8_t reportdata[64], uint8_t **quote,
		  size_t *len, uint8_t **poe, size_t *poe_len)
{
	int r;

	*quote = NULL;
	*len = 0;
	if (poe != NULL) {
		*poe = NULL;
		*poe_len = 0;
	}
	switch (t->kind) {
	case POC_TEE_TDX: return poc_tee_tsm_quote(e, reportdata, quote, len);
	case POC_TEE_SIM:
		if (poc_tee_sim_quote(e, t->sim_path, reportdata, NULL, quote, len) < 0) {
			poc_err_prefix(e, "TDX simulator: ");
			return -1;
		}
		if (poe == NULL)
			return 0;
		/* The provider's POE token endorsing the sim's platform, when the sim has one. */
		r = poc_tee_sim_poe(e, t->sim_path, poe, poe_len);
		if (r < 0) {
			free(*quote);
			*quote = NULL;
			*len = 0;
			poc_err_prefix(e, "TDX simulator: POE token: ");
			return -1;
		}
		return 0;
	case POC_TEE_NONE: break;
	}
	return poc_err_set(e, POC_ERR_ARG, "tee none makes no TD quote");
}

int poc_tee_collateral_dir(struct poc_err *e, const struct poc_tee *t, char *out, size_t outlen)
{
	int n;

	switch (t->kind) {
	case POC_TEE_NONE: return 1;
	case POC_TEE_SIM: n = snprintf(out, outlen, "%s/collateral", t->sim_path); break;
	case POC_TEE_TDX: n = snprintf(out, outlen, "%s", t->collateral); break;
	default: return poc_err_set(e, POC_ERR_ARG, "tee: unknown kind %d", (int)t->kind);
	}
	if (n < 0 || (size_t)n >= outlen)
		return poc_err_set(e, POC_ERR_ARG, "tee: the collateral folder's path is too long");
	return 0;
}
