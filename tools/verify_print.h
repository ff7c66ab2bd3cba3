/* SPDX-License-Identifier: Apache-2.0 */
#ifndef POC_TOOL_VERIFY_PRINT_H
#define POC_TOOL_VERIFY_PRINT_H

#include <stdint.h>

#include "appraise.h"

/*
 * The verdict's first line ("accepted" only when affirming: a script reading
 * one line never takes a warning for affirming), then each part's status and
 * what it established; at is the verification time (Unix seconds).
 */
void poc_tool_verify_summary(const struct poc_appraisal *a, int64_t at, int empty_nonce);

#endif
