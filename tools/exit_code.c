/* SPDX-License-Identifier: Apache-2.0 */
/*
 * THE poc_err -> exit code rule of poctool (DESIGN.md section 9, the table in
 * docs/module.md "Errors"): 0 ok, 1 denied or a failed check (a wrong or
 * locked PIN too), 2 usage or input, 3 the TPM or TEE could not do it now
 * (unreachable, busy, failing: try again; never a denial, never a verdict).
 */
#include "poctool.h"

/*
 * A switch without default: -Wswitch-enum fails the build when a poc_err
 * code is added without its exit code. A malformed or truncated input is a
 * denial where a check reads it (evidence, the store's files: an attacker's
 * bytes), and an input error where the operator gave it (a policy file, a key).
 */
int poc_tool_exit(enum poc_verr code, enum poc_tool_ctx ctx)
{
	switch (code) {
	case POC_OK:
		return POC_EXIT_OK;
	case POC_ERR_TRUNCATED:
	case POC_ERR_MALFORMED:
		return ctx == POC_TOOL_CHECK ? POC_EXIT_DENIED : POC_EXIT_USAGE;
	case POC_ERR_ARG:
	case POC_ERR_UNSUPPORTED:
	case POC_ERR_NOMEM:
		return POC_EXIT_USAGE;
	case POC_ERR_UNREACHABLE:
	case POC_ERR_BUSY:
	case POC_ERR_DEVICE:
	case POC_ERR_DEVICE_MEMORY:
		return POC_EXIT_OUTAGE;
	case POC_ERR_SIGNATURE:
	case POC_ERR_CHAIN:
	case POC_ERR_EXPIRED:
	case POC_ERR_REVOKED:
	case POC_ERR_NONCE:
	case POC_ERR_MISMATCH:
	case POC_ERR_POLICY:
	case POC_ERR_CRYPTO:
	case POC_ERR_TCB:
	case POC_ERR_AUTH:
	case POC_ERR_LOCKED:
	case POC_ERR_PCR:
		break;
	}
	return POC_EXIT_DENIED;
}
