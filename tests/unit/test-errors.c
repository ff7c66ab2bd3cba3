/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one error path, table-driven (docs/module.md "Errors"): TSS2_RC ->
 * poc_err (module/tpm, poc_tpm_rc_code) over the response codes a TPM, a
 * resource manager, the TCTI and ESYS give, the busy ones included (swtpm
 * cannot be made busy: tests/integration/errors.sh uses a fake TPM on the
 * cmd TCTI for the end-to-end case); poc_err -> CK_RV (module/pkcs11,
 * p11_rv_from_err) and poc_err -> exit code (tools, poc_tool_exit) for every
 * code; every code has its own name (poc_strerror); and the CKR name table.
 */
#include "tests/test.h"

#include <tss2/tss2_tpm2_types.h>

#include "pkcs11/p11_int.h"
#include "poctool.h"
#include "tpm/tpm.h"
#include "verr.h"

#define POC_ERR_LAST POC_ERR_DEVICE_MEMORY

static const struct {
	TSS2_RC rc;
	enum poc_verr want;
	const char *what;
} tss[] = {
	{ TSS2_RC_SUCCESS, POC_OK, "success" },
	{ TPM2_RC_AUTH_FAIL | TPM2_RC_S | TPM2_RC_1, POC_ERR_AUTH, "TPM_RC_AUTH_FAIL, session 1" },
	{ TPM2_RC_BAD_AUTH | TPM2_RC_S | TPM2_RC_2, POC_ERR_AUTH, "TPM_RC_BAD_AUTH, session 2" },
	{ TPM2_RC_LOCKOUT, POC_ERR_LOCKED, "TPM_RC_LOCKOUT" },
	{ TPM2_RC_POLICY_FAIL | TPM2_RC_S | TPM2_RC_1, POC_ERR_POLICY, "TPM_RC_POLICY_FAIL, session 1" },
	{ TPM2_RC_PCR_CHANGED, POC_ERR_PCR, "TPM_RC_PCR_CHANGED" },
	{ TPM2_RC_RETRY, POC_ERR_BUSY, "TPM_RC_RETRY" },
	{ TPM2_RC_YIELDED, POC_ERR_BUSY, "TPM_RC_YIELDED" },
	{ TPM2_RC_TESTING, POC_ERR_BUSY, "TPM_RC_TESTING" },
	{ TPM2_RC_NV_RATE, POC_ERR_BUSY, "TPM_RC_NV_RATE" },
	{ TSS2_TCTI_RC_TRY_AGAIN, POC_ERR_BUSY, "TCTI try-again" },
	{ TSS2_ESYS_RC_TRY_AGAIN, POC_ERR_BUSY, "ESYS try-again" },
	{ TSS2_RESMGR_TPM_RC_LAYER | TPM2_RC_RETRY, POC_ERR_BUSY, "TPM_RC_RETRY through a resource manager" },
	{ TSS2_RESMGR_TPM_RC_LAYER | TPM2_RC_LOCKOUT, POC_ERR_LOCKED, "TPM_RC_LOCKOUT through a resource manager" },
	{ TPM2_RC_OBJECT_MEMORY, POC_ERR_DEVICE_MEMORY, "TPM_RC_OBJECT_MEMORY" },
	{ TPM2_RC_SESSION_MEMORY, POC_ERR_DEVICE_MEMORY, "TPM_RC_SESSION_MEMORY" },
	{ TPM2_RC_MEMORY, POC_ERR_DEVICE_MEMORY, "TPM_RC_MEMORY" },
	{ TPM2_RC_SESSION_HANDLES, POC_ERR_DEVICE_MEMORY, "TPM_RC_SESSION_HANDLES" },
	{ TSS2_TCTI_RC_IO_ERROR, POC_ERR_UNREACHABLE, "TCTI I/O error (swtpm stopped)" },
	{ TSS2_TCTI_RC_NO_CONNECTION, POC_ERR_UNREACHABLE, "TCTI no connection" },
	{ TSS2_TCTI_RC_NOT_SUPPORTED, POC_ERR_UNREACHABLE, "a TCTI that does not load" },
	{ TSS2_TCTI_RC_GENERAL_FAILURE, POC_ERR_UNREACHABLE, "TCTI general failure" },
	{ TSS2_ESYS_RC_MEMORY, POC_ERR_NOMEM, "ESYS out of memory" },
	{ TSS2_MU_RC_LAYER | TSS2_BASE_RC_MEMORY, POC_ERR_NOMEM, "MU out of memory" },
	{ TSS2_TCTI_RC_MEMORY, POC_ERR_NOMEM, "TCTI out of memory" },
	{ TPM2_RC_FAILURE, POC_ERR_DEVICE, "TPM_RC_FAILURE (failure mode)" },
	{ TPM2_RC_INITIALIZE, POC_ERR_DEVICE, "TPM_RC_INITIALIZE" },
	{ TPM2_RC_NV_UNAVAILABLE, POC_ERR_DEVICE, "TPM_RC_NV_UNAVAILABLE" },
	{ TPM2_RC_CANCELED, POC_ERR_DEVICE, "TPM_RC_CANCELED" },
	{ 0x1eu, POC_ERR_DEVICE, "a TPM 1.2 answer" },
	{ TSS2_ESYS_RC_MALFORMED_RESPONSE, POC_ERR_DEVICE, "ESYS malformed response" },
	{ TSS2_ESYS_RC_RSP_AUTH_FAILED, POC_ERR_DEVICE, "ESYS response HMAC fails" },
	{ TSS2_SYS_RC_INSUFFICIENT_RESPONSE, POC_ERR_DEVICE, "SYS short response" },
	{ TPM2_RC_INTEGRITY | TPM2_RC_P | TPM2_RC_1, POC_ERR_CRYPTO, "TPM_RC_INTEGRITY (a blob refused)" },
	{ TPM2_RC_HANDLE | TPM2_RC_H | TPM2_RC_1, POC_ERR_CRYPTO, "TPM_RC_HANDLE" },
	{ TPM2_RC_VALUE | TPM2_RC_P | TPM2_RC_2, POC_ERR_CRYPTO, "TPM_RC_VALUE" },
	{ TPM2_RC_AUTH_UNAVAILABLE, POC_ERR_CRYPTO, "TPM_RC_AUTH_UNAVAILABLE (tpm_pin.c refines it)" },
	{ TPM2_RC_NV_DEFINED, POC_ERR_CRYPTO, "TPM_RC_NV_DEFINED" },
};

/* The five outcomes issue 11 asks to keep apart, and what each must give. */
static const struct {
	enum poc_verr code;
	CK_RV login, use;
	int exit_check;
	const char *what;
} outcomes[] = {
	{ POC_ERR_POLICY, CKR_FUNCTION_FAILED, CKR_KEY_FUNCTION_NOT_PERMITTED, 1, "a denial" },
	{ POC_ERR_AUTH, CKR_PIN_INCORRECT, CKR_PIN_INCORRECT, 1, "a wrong PIN" },
	{ POC_ERR_LOCKED, CKR_PIN_LOCKED, CKR_PIN_LOCKED, 1, "a locked PIN" },
	{ POC_ERR_UNREACHABLE, CKR_DEVICE_REMOVED, CKR_DEVICE_REMOVED, 3, "an unreachable TPM" },
	{ POC_ERR_BUSY, CKR_DEVICE_ERROR, CKR_DEVICE_ERROR, 3, "a busy TPM" },
	{ POC_ERR_PCR, CKR_FUNCTION_FAILED, CKR_KEY_FUNCTION_NOT_PERMITTED, 1, "a changed PCR (a denial)" },
	{ POC_ERR_DEVICE, CKR_DEVICE_ERROR, CKR_DEVICE_ERROR, 3, "a failing TPM" },
	{ POC_ERR_DEVICE_MEMORY, CKR_DEVICE_MEMORY, CKR_DEVICE_MEMORY, 3, "a TPM out of memory" },
	{ POC_ERR_NOMEM, CKR_HOST_MEMORY, CKR_HOST_MEMORY, 2, "out of memory" },
	{ POC_ERR_SIGNATURE, CKR_FUNCTION_FAILED, CKR_KEY_FUNCTION_NOT_PERMITTED, 1, "a forged signature" },
	{ POC_ERR_MALFORMED, CKR_FUNCTION_FAILED, CKR_KEY_FUNCTION_NOT_PERMITTED, 1, "malformed evidence" },
	{ POC_OK, CKR_FUNCTION_FAILED, CKR_KEY_FUNCTION_NOT_PERMITTED, 0, "a failure without a code: closed" },
};

/* --table: one line per code, "N CKR_at_login CKR_at_use exit_check exit_operation", for tests/errors-doc.sh. */
static int print_table(void)
{
	for (int i = 0; i <= POC_ERR_LAST; i++)
		printf("%d %s %s %d %d\n", i, i == POC_OK ? "-" : p11_rv_str(p11_rv_from_err((enum poc_verr)i, CKR_FUNCTION_FAILED)),
		       i == POC_OK ? "-" : p11_rv_str(p11_rv_from_err((enum poc_verr)i, CKR_KEY_FUNCTION_NOT_PERMITTED)),
		       poc_tool_exit((enum poc_verr)i, POC_TOOL_CHECK), poc_tool_exit((enum poc_verr)i, POC_TOOL_OPERATION));
	return 0;
}

int main(int argc, char **argv)
{
	size_t i, j;

	if (argc == 2 && strcmp(argv[1], "--table") == 0)
		return print_table();

	for (i = 0; i < sizeof(tss) / sizeof(tss[0]); i++)
		is_int(poc_tpm_rc_code(tss[i].rc), tss[i].want, "TSS2_RC 0x%x (%s) -> %s", (unsigned)tss[i].rc, tss[i].what,
		       poc_strerror(tss[i].want));
	{
		struct poc_err e = { 0 };

		is_int(poc_tpm_rc_err(&e, TPM2_RC_RETRY, "unseal: Load"), -1, "poc_tpm_rc_err returns -1");
		ok(e.code == POC_ERR_BUSY && strstr(e.msg, "busy") != NULL && strstr(e.msg, "unseal: Load") != NULL,
		   "a busy TPM's message says busy and names the call (%s)", e.msg);
		poc_err_clear(&e);
		poc_tpm_rc_err(&e, TSS2_TCTI_RC_IO_ERROR, "tpm: TCTI");
		ok(e.code == POC_ERR_UNREACHABLE && strstr(e.msg, "cannot be reached") != NULL,
		   "an unreachable TPM's message says so (%s)", e.msg);
	}
	for (i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++) {
		is_int(p11_rv_from_err(outcomes[i].code, CKR_FUNCTION_FAILED), outcomes[i].login, "%s at C_Login: %s",
		       outcomes[i].what, p11_rv_str(outcomes[i].login));
		is_int(p11_rv_from_err(outcomes[i].code, CKR_KEY_FUNCTION_NOT_PERMITTED), outcomes[i].use,
		       "%s at a key's first use: %s", outcomes[i].what, p11_rv_str(outcomes[i].use));
		if (outcomes[i].code != POC_OK)
			is_int(poc_tool_exit(outcomes[i].code, POC_TOOL_CHECK), outcomes[i].exit_check,
			       "%s: poctool exits %d", outcomes[i].what, outcomes[i].exit_check);
	}
	/* The five of issue 11 are five different CKRs, at login and at use. */
	for (i = 0; i < 5; i++)
		for (j = i + 1; j < 5; j++)
			ok(outcomes[i].login != outcomes[j].login && outcomes[i].use != outcomes[j].use,
			   "%s and %s differ", outcomes[i].what, outcomes[j].what);
	is_int(poc_tool_exit(POC_ERR_MALFORMED, POC_TOOL_OPERATION), 2, "a malformed operator input: exit 2");
	is_int(poc_tool_exit(POC_ERR_ARG, POC_TOOL_CHECK), 2, "usage: exit 2");
	is_int(poc_tool_exit(POC_OK, POC_TOOL_CHECK), 0, "ok: exit 0");
	/* Every code has its own name, none "unknown". */
	for (i = 0; i <= POC_ERR_LAST; i++) {
		const char *s = poc_strerror((enum poc_verr)i);

		ok(strcmp(s, "unknown") != 0, "code %zu has a name: %s", i, s);
		for (j = 0; j < i; j++)
			if (strcmp(s, poc_strerror((enum poc_verr)j)) == 0)
				ok(0, "codes %zu and %zu share the name %s", j, i, s);
	}
	is_str(poc_strerror((enum poc_verr)(POC_ERR_LAST + 1)), "unknown", "a code past the last: unknown");
	/* The CKR name table: a few of PKCS#11 3.0, by their names (tests/errors-doc.sh checks them all). */
	is_str(p11_rv_str(CKR_DEVICE_REMOVED), "CKR_DEVICE_REMOVED", "CKR_DEVICE_REMOVED by name");
	is_str(p11_rv_str(CKR_OPERATION_CANCEL_FAILED), "CKR_OPERATION_CANCEL_FAILED", "a 3.0 CKR by name");
	is_str(p11_rv_str(CKR_PUBLIC_KEY_INVALID), "CKR_PUBLIC_KEY_INVALID", "CKR_PUBLIC_KEY_INVALID by name");
	is_str(p11_rv_str(CKR_VENDOR_DEFINED + 7), "CKR_VENDOR_DEFINED+", "a vendor code");
	return poc_test_done();
}
