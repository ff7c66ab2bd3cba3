/* SPDX-License-Identifier: Apache-2.0 */
/* The phase trace (trace.h): monotonic durations appended to $POC_PKCS11_TRACE. */
#include "trace/trace.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static FILE *trace_file;

static void trace_open(void)
{
	const char *path = getenv(POC_TRACE_ENV);

	if (path != NULL && *path != '\0')
		trace_file = fopen(path, "ae");
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t poc_trace_start(void)
{
	if (pthread_once(&once, trace_open) != 0 || trace_file == NULL)
		return 0;
	return now_ns();
}

void poc_trace_end(const char *phase, uint64_t t0)
{
	uint64_t t1;

	if (t0 == 0 || trace_file == NULL)
		return;
	t1 = now_ns();
	/* A trace line that cannot be written loses a measurement, never a check. */
	if (t1 >= t0 && fprintf(trace_file, "poc-trace phase=%s us=%llu\n", phase,
				(unsigned long long)((t1 - t0) / 1000u)) > 0)
		(void)fflush(trace_file);
}
