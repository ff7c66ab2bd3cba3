/* SPDX-License-Identifier: Apache-2.0 */
#ifndef POC_POLICY_FILE_H
#define POC_POLICY_FILE_H

#include "policy.h"

/* Reads a policy file; certificate paths in it are relative to its folder. Prints why on failure. */
struct poc_policy *poc_tool_policy_load(const char *path);

#endif
