/* SPDX-License-Identifier: Apache-2.0 */
#ifndef POC_TOOLS_LEVELS_PRINT_H
#define POC_TOOLS_LEVELS_PRINT_H

#include "levels.h"

/* "  levels: nominal ALn, trustworthy ALm" and its basis, trusts and next-level lines, to stdout. */
void poc_tool_print_levels(const struct poc_levels *al);

#endif
