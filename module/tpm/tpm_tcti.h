/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A TCTI that bounds every TPM answer: it forwards to the TCTI it wraps and waits at most
 * timeout_ms for each response. ESYS's synchronous calls wait forever (they set their own
 * timeout to TSS2_TCTI_TIMEOUT_BLOCK around each _Finish), so the bound has to live below them:
 * a TPM endpoint that takes a command and never answers fails the call with
 * TSS2_TCTI_RC_IO_ERROR (an outage: POC_ERR_UNREACHABLE) instead of hanging C_Login.
 */
#ifndef POC_TPM_TCTI_H
#define POC_TPM_TCTI_H

#include <stdint.h>

#include <tss2/tss2_tcti.h>

/* Wraps inner (which the wrapper then owns: its finalize finalizes inner too). NULL: no memory. */
TSS2_TCTI_CONTEXT *poc_tcti_timeout_wrap(TSS2_TCTI_CONTEXT *inner, uint32_t timeout_ms);

/* Finalizes and frees a wrapper (and the TCTI it wraps); NULL is ignored. */
void poc_tcti_timeout_free(TSS2_TCTI_CONTEXT *tcti);

/*
 * Tss2_TctiLdr_Initialize(conf, out) that gives up after timeout_ms for swtpm's and mssim's
 * TCTIs (they wait for the endpoint while they initialise, on a thread of their own here): TSS2_TCTI_RC_IO_ERROR, poc_tcti_timeout_take()
 * then says how long it waited. conf NULL or "": the loader's default.
 */
TSS2_RC poc_tcti_open_bounded(const char *conf, uint32_t timeout_ms, TSS2_TCTI_CONTEXT **out);

/* The bound of the last response this thread gave up on (0: none since the last call). */
uint32_t poc_tcti_timeout_take(void);

#endif
