/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who made a TDX quote: the QE report against a QE Identity (the
 * collateral's or Intel's built-in TD_QE identity) and the TDX module against
 * the TCB Info or Intel's all-zero MRSIGNERSEAM. Rules from Intel's DCAP QVL
 * (EnclaveReportVerifier.cpp 4.1.2.9.5-8, QuoteVerifier.cpp 4.1.2.4.11,
 * Checks/TdxModuleCheck.cpp); the floor's values from Intel's QE Identity v2
 * for TD_QE (api.trustedservices.intel.com/tdx/certification/v4/qe/identity).
 */
#include "tdx_identity.h"

#include <stdio.h>
#include <string.h>

#include "hex.h"

void poc_qe_identity_intel(struct poc_qe_identity *out)
{
	static const uint8_t mrsigner[32] = { 0xdc, 0x9e, 0x2a, 0x7c, 0x6f, 0x94, 0x8f, 0x17, 0x47, 0x4e, 0x34,
					      0xa7, 0xfc, 0x43, 0xed, 0x03, 0x0f, 0x7c, 0x15, 0x63, 0xf1, 0xba,
					      0xbd, 0xdf, 0x63, 0x40, 0xc8, 0x2e, 0x0e, 0x54, 0xa8, 0xc5 };
	/* attributes 11000000..., mask FBFFFFFFFFFFFFFF: INIT and PROVISIONKEY set, DEBUG (0x02) clear. */
	static const uint8_t attributes[16] = { 0x11 };
	static const uint8_t mask[16] = { 0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	memset(out, 0, sizeof(*out));
	out->version = 2;
	out->miscselect = 0;
	out->miscselect_mask = 0xffffffffu;
	memcpy(out->attributes, attributes, 16);
	memcpy(out->attributes_mask, mask, 16);
	memcpy(out->mrsigner, mrsigner, 32);
	out->isvprodid = POC_INTEL_TD_QE_ISVPRODID;
}

int poc_qe_check_identity(struct poc_err *e, const struct poc_qe_identity *q, const struct poc_qe_report *r,
			  const char *who)
{
	char h[65], w[65];

	if (q == NULL || r == NULL)
		return poc_err_set(e, POC_ERR_ARG, "QE identity check needs an identity and a QE report");
	if (who == NULL)
		who = "the QE Identity";
	if (memcmp(r->mrsigner, q->mrsigner, 32) != 0) {
		poc_hex_encode(r->mrsigner, 32, h);
		poc_hex_encode(q->mrsigner, 32, w);
		return poc_err_set(e, POC_ERR_MISMATCH, "QE report MRSIGNER %s, %s has %s", h, who, w);
	}
	if (r->isvprodid != q->isvprodid)
		return poc_err_set(e, POC_ERR_MISMATCH, "QE report ISVPRODID %u, %s has %u", r->isvprodid, who,
				   q->isvprodid);
	if ((r->miscselect & q->miscselect_mask) != q->miscselect)
		return poc_err_set(e, POC_ERR_MISMATCH, "QE report MISCSELECT %08x does not match %s (%08x under mask %08x)",
				   (unsigned)r->miscselect, who, (unsigned)q->miscselect, (unsigned)q->miscselect_mask);
	for (int i = 0; i < 16; i++) {
		if ((r->attributes[i] & q->attributes_mask[i]) != q->attributes[i]) {
			poc_hex_encode(r->attributes, 16, h);
			return poc_err_set(e, POC_ERR_MISMATCH, "QE report ATTRIBUTES %s do not match %s%s", h, who,
					   (r->attributes[0] & 0x02) != 0 ? " (the QE runs in DEBUG mode)" : "");
		}
	}
	return 0;
}

int poc_qe_tcb_level(struct poc_err *e, const struct poc_qe_identity *q, const struct poc_qe_report *r,
		     const struct poc_isv_level **lv)
{
	*lv = NULL;
	/* EnclaveIdentityV2::getTcbStatus: the first level whose isvsvn <= the report's. */
	for (size_t i = 0; i < q->nlevels; i++) {
		if (r->isvsvn >= q->levels[i].isvsvn) {
			*lv = &q->levels[i];
			return 0;
		}
	}
	return poc_err_set(e, POC_ERR_TCB, "TCB not supported: no QE Identity TCB level matches QE ISVSVN %u",
			   r->isvsvn);
}

/* Like the QVL, MRSIGNER is compared whole and SEAMATTRIBUTES must be zero and equal the identity's. */
static int module_values(struct poc_err *e, const uint8_t want_mrsigner[48], const uint8_t want_attrs[8],
			 const uint8_t mrsignerseam[48], const uint8_t seam_attributes[8], const char *who)
{
	char h[97];

	if (memcmp(want_mrsigner, mrsignerseam, 48) != 0) {
		poc_hex_encode(mrsignerseam, 48, h);
		return poc_err_set(e, POC_ERR_MISMATCH, "TDX module MRSIGNERSEAM %s is not %s", h, who);
	}
	for (int i = 0; i < 8; i++) {
		if (seam_attributes[i] != 0 || seam_attributes[i] != want_attrs[i]) {
			poc_hex_encode(seam_attributes, 8, h);
			return poc_err_set(e, POC_ERR_MISMATCH, "TDX module SEAMATTRIBUTES %s are not zero / %s", h,
					   who);
		}
	}
	return 0;
}

int poc_tdx_module_check(struct poc_err *e, const struct poc_tcb_info *t, const uint8_t tee[16],
			 const uint8_t mrsignerseam[48], const uint8_t seam_attributes[8],
			 const struct poc_tdx_module_id **mod)
{
	const uint8_t *mrsigner = t->module_mrsigner, *attrs = t->module_attributes;
	char want[16];

	*mod = NULL;
	if (tee[1] > 0) {
		/* TdxModuleCheck.cpp findTdxModuleIdentity: "TDX_" + hex byte, compared upper-case. */
		snprintf(want, sizeof(want), "TDX_%02X", tee[1]);
		for (size_t i = 0; i < t->nmodules; i++) {
			char id[sizeof(t->modules[i].id)];

			memcpy(id, t->modules[i].id, sizeof(id));
			for (char *p = id; *p; p++)
				if (*p >= 'a' && *p <= 'z')
					*p = (char)(*p - 'a' + 'A');
			if (strcmp(id, want) == 0) {
				*mod = &t->modules[i];
				break;
			}
		}
		if (*mod == NULL)
			return poc_err_set(e, POC_ERR_MISMATCH,
					   "TDX module version %u: the TCB Info has no identity %s", tee[1], want);
		mrsigner = (*mod)->mrsigner;
		attrs = (*mod)->attributes;
	}
	return module_values(e, mrsigner, attrs, mrsignerseam, seam_attributes, "the TCB Info's");
}

int poc_tdx_module_check_intel(struct poc_err *e, const uint8_t mrsignerseam[48], const uint8_t seam_attributes[8])
{
	static const uint8_t zero[48];

	return module_values(e, zero, zero, mrsignerseam, seam_attributes, "Intel's (all zero)");
}
