/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The phase trace of a check (tests/bench prints it as the cold start's
 * shares): with POC_PKCS11_TRACE=FILE in the environment, every traced phase
 * appends one line "poc-trace phase=NAME us=N" (its CLOCK_MONOTONIC duration
 * in microseconds) to FILE; unset or empty, nothing is measured or written.
 * Phases are leaves (an SRK, a session, a quote, ...), never nested, so their
 * durations add up; what a run spends outside them is the caller's "other".
 *
 *   uint64_t t0 = poc_trace_start();
 *   ...the phase...
 *   poc_trace_end("srk", t0);
 *
 * Thread-safe; the file is opened once, on the first traced phase.
 */
#ifndef POC_TRACE_H
#define POC_TRACE_H

#include <stdint.h>

#define POC_TRACE_ENV "POC_PKCS11_TRACE"

/* The phase's start (monotonic, ns), or 0 when tracing is off. */
uint64_t poc_trace_start(void);
/* Appends phase's line (t0 from poc_trace_start; 0: nothing). */
void poc_trace_end(const char *phase, uint64_t t0);

#endif
