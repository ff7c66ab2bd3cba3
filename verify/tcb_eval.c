/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TCB level matching for TDX, following Intel's SGX/TDX DCAP Quote
 * Verification Library (intel/SGX-TDX-DCAP-QuoteVerificationLibrary):
 *   QuoteVerifier.cpp        4.1.2.4.10 FMSPC/PCEID, 4.1.2.4.11 TDX module,
 *                            4.1.2.4.15 QE Identity
 *   EnclaveReportVerifier.cpp 4.1.2.9.5-10 QE report against QE Identity
 *                            (the identity rules themselves: tdx_identity.c)
 *   Checks/TcbLevelCheck.cpp  4.1.2.4.17 level matching and status convergence
 *   Checks/TdxModuleCheck.cpp TDX module identity and its TCB level
 * The TD 1.5 relaunch advice (TDRelaunchCheck.cpp) is not implemented: its
 * statuses are not part of enum poc_tcb_status.
 */
#include "tcb_eval.h"

#include <stdio.h>
#include <string.h>

#include "hex.h"
#include "tdx_identity.h"

static const char *const status_names[] = {
	[POC_TCB_UP_TO_DATE] = "UpToDate",
	[POC_TCB_SW_HARDENING_NEEDED] = "SWHardeningNeeded",
	[POC_TCB_CONFIGURATION_NEEDED] = "ConfigurationNeeded",
	[POC_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED] = "ConfigurationAndSWHardeningNeeded",
	[POC_TCB_OUT_OF_DATE] = "OutOfDate",
	[POC_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED] = "OutOfDateConfigurationNeeded",
	[POC_TCB_REVOKED] = "Revoked",
};

const char *poc_tcb_status_name(enum poc_tcb_status s)
{
	switch (s) {
	case POC_TCB_UP_TO_DATE:
	case POC_TCB_SW_HARDENING_NEEDED:
	case POC_TCB_CONFIGURATION_NEEDED:
	case POC_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED:
	case POC_TCB_OUT_OF_DATE:
	case POC_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED:
	case POC_TCB_REVOKED:
		return status_names[s];
	}
	return "unknown";
}

int poc_tcb_status_from_name(const char *name, enum poc_tcb_status *out)
{
	if (name == NULL)
		return -1;
	for (size_t i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++) {
		if (strcmp(name, status_names[i]) == 0) {
			*out = (enum poc_tcb_status)i;
			return 0;
		}
	}
	return -1;
}

/* "3,3,2,..." for messages. */
static void svn_list(const uint8_t *v, size_t n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		int k = snprintf(buf + used, len - used, "%s%u", i ? "," : "", v[i]);

		if (k < 0)
			break;
		used += (size_t)k;
	}
}

/* Appends the comma-separated IDs of list to out, skipping ones already there. */
static void add_advisories(char *out, size_t outlen, const char *list)
{
	const char *p = list;

	while (p != NULL && *p != '\0') {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p), have = strlen(out);
		const char *q = out;
		int dup = 0;

		while (*q != '\0') {
			const char *qe = strchr(q, ',');
			size_t qn = qe ? (size_t)(qe - q) : strlen(q);

			if (qn == n && memcmp(q, p, n) == 0)
				dup = 1;
			q = qe ? qe + 1 : q + qn;
		}
		if (!dup && n > 0 && have + n + 2 <= outlen) {
			if (have > 0)
				out[have++] = ',';
			memcpy(out + have, p, n);
			out[have + n] = '\0';
		}
		p = end ? end + 1 : NULL;
	}
}

/* TcbLevelCheck.cpp convergeTcbStatusWithTdxModuleStatus / ...WithQeTcbStatus: the same rule. */
static enum poc_tcb_status converge(enum poc_tcb_status level, enum poc_tcb_status other)
{
	if (other == POC_TCB_OUT_OF_DATE) {
		if (level == POC_TCB_UP_TO_DATE || level == POC_TCB_SW_HARDENING_NEEDED)
			return POC_TCB_OUT_OF_DATE;
		if (level == POC_TCB_CONFIGURATION_NEEDED || level == POC_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED)
			return POC_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED;
	}
	if (other == POC_TCB_REVOKED)
		return POC_TCB_REVOKED;
	return level;
}

/* TcbLevelCheck.cpp matchTcbLevels: the platform's TCB level, POC_ERR_TCB "TCB not supported" when none. */
static int match_level(struct poc_err *e, const struct poc_tcb_info *t, const struct poc_sgx_ext *pck,
		       const uint8_t tee_tcb_svn[16], const struct poc_tcb_level **out)
{
	const struct poc_tcb_level *sgx_lv = NULL, *tdx_lv = NULL;
	char comps[64], tees[64];

	/* In the order Intel publishes the levels (highest first). */
	for (size_t i = 0; i < t->nlevels; i++) {
		const struct poc_tcb_level *l = &t->levels[i];
		int ge = pck->pcesvn >= l->pcesvn;

		for (int k = 0; k < 16 && ge; k++)
			ge = pck->tcb_comp[k] >= l->sgx[k];
		if (!ge)
			continue;
		if (sgx_lv == NULL)
			sgx_lv = l;
		/* isTdxTcbHigherOrEqual: skip the module's two bytes when a module identity applies. */
		for (int k = tee_tcb_svn[1] > 0 ? 2 : 0; k < 16 && ge; k++)
			ge = tee_tcb_svn[k] >= l->tdx[k];
		if (ge) {
			tdx_lv = l;
			break;
		}
	}
	svn_list(pck->tcb_comp, 16, comps, sizeof(comps));
	svn_list(tee_tcb_svn, 16, tees, sizeof(tees));
	if (sgx_lv == NULL)
		return poc_err_set(e, POC_ERR_TCB,
				   "TCB not supported: no TCB level of FMSPC %s matches SGX components %s PCESVN %u",
				   t->fmspc_hex, comps, pck->pcesvn);
	if (tdx_lv == NULL)
		return poc_err_set(e, POC_ERR_TCB,
				   "TCB not supported: no TCB level of FMSPC %s matches TEE_TCB_SVN %s (SGX components %s PCESVN %u)",
				   t->fmspc_hex, tees, comps, pck->pcesvn);
	*out = tdx_lv;
	return 0;
}

int poc_tcb_check_platform(struct poc_err *e, const struct poc_tcb_info *t, const struct poc_sgx_ext *pck)
{
	char fm[13];

	if (t == NULL || pck == NULL)
		return poc_err_set(e, POC_ERR_ARG, "platform check needs a TCB Info and a PCK");
	if (memcmp(pck->fmspc, t->fmspc, 6) != 0) {
		poc_hex_encode(pck->fmspc, 6, fm);
		for (char *p = fm; *p; p++)
			if (*p >= 'a' && *p <= 'f')
				*p = (char)(*p - 'a' + 'A');
		return poc_err_set(e, POC_ERR_MISMATCH,
				   "collateral from another FMSPC: collateral is for FMSPC %s, the PCK is for %s",
				   t->fmspc_hex, fm);
	}
	if (memcmp(pck->pceid, t->pceid, 2) != 0)
		return poc_err_set(e, POC_ERR_MISMATCH,
				   "collateral from another PCEID: collateral is for PCEID %s, the PCK is for %02X%02X",
				   t->pceid_hex, pck->pceid[0], pck->pceid[1]);
	return 0;
}

int poc_tcb_evaluate(struct poc_err *e, const struct poc_collateral *c, const struct poc_sgx_ext *pck,
		     const uint8_t tee_tcb_svn[16], const uint8_t mrsignerseam[48],
		     const uint8_t seam_attributes[8], const struct poc_qe_report *qe,
		     struct poc_tcb_result *out)
{
	const struct poc_tcb_info *t = poc_collateral_tcb_info(c);
	const struct poc_qe_identity *q = poc_collateral_qe_identity(c);
	const struct poc_tdx_module_id *mod = NULL;
	const struct poc_isv_level *qlv = NULL, *mlv = NULL;
	const struct poc_tcb_level *tdx_lv = NULL;
	enum poc_tcb_status st;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (t == NULL || q == NULL || pck == NULL || tee_tcb_svn == NULL || mrsignerseam == NULL ||
	    seam_attributes == NULL || qe == NULL || out == NULL)
		return poc_err_set(e, POC_ERR_ARG, "TCB evaluation needs verified collateral and all inputs");

	/* QuoteVerifier.cpp 4.1.2.4.10, then 4.1.2.4.11. */
	if (poc_tcb_check_platform(e, t, pck) < 0 ||
	    poc_tdx_module_check(e, t, tee_tcb_svn, mrsignerseam, seam_attributes, &mod) < 0)
		return -1;
	if (poc_qe_check_identity(e, q, qe, "the QE Identity") < 0 || poc_qe_tcb_level(e, q, qe, &qlv) < 0)
		return -1;

	if (match_level(e, t, pck, tee_tcb_svn, &tdx_lv) < 0)
		return -1;

	/* TdxModuleCheck.cpp checkTdxModuleTcbStatus: the first level with isvsvn <= TEE_TCB_SVN[0]. */
	out->module_status = POC_TCB_UP_TO_DATE;
	if (mod != NULL) {
		for (size_t i = 0; i < mod->nlevels && mlv == NULL; i++)
			if (tee_tcb_svn[0] >= mod->levels[i].isvsvn)
				mlv = &mod->levels[i];
		if (mlv == NULL)
			return poc_err_set(e, POC_ERR_TCB,
					   "TCB not supported: no TCB level of TDX module %s matches its SVN %u",
					   mod->id, tee_tcb_svn[0]);
		out->module_status = (enum poc_tcb_status)mlv->status;
		out->tdx_module_identity_used = 1;
	}

	out->platform_status = (enum poc_tcb_status)tdx_lv->status;
	st = converge(out->platform_status, out->module_status);
	/* EnclaveReportVerifier: any QE level status other than UpToDate/Revoked counts as OutOfDate. */
	out->qe_status = (enum poc_tcb_status)qlv->status;
	if (out->qe_status != POC_TCB_UP_TO_DATE && out->qe_status != POC_TCB_REVOKED)
		st = converge(st, POC_TCB_OUT_OF_DATE);
	else
		st = converge(st, out->qe_status);
	out->status = st;
	snprintf(out->tcb_date, sizeof(out->tcb_date), "%s", tdx_lv->date);
	add_advisories(out->advisories, sizeof(out->advisories), tdx_lv->advisories);
	if (mlv != NULL)
		add_advisories(out->advisories, sizeof(out->advisories), mlv->advisories);
	add_advisories(out->advisories, sizeof(out->advisories), qlv->advisories);
	return 0;
}
