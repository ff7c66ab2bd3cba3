/* SPDX-License-Identifier: Apache-2.0 */
#ifndef POCD_IDENTITIES_H
#define POCD_IDENTITIES_H

#include <stddef.h>

#include "appraise.h"

/*
 * json (NULL: any identity) against the appraisal a (NULL: only validate the JSON).
 * 0 matches, 1 a field does not match (clause "$.identities.FIELD" and reason set),
 * -1 not a valid identities object (clause and reason set).
 */
int pocd_identities_check(const char *json, const struct poc_appraisal *a, char *clause, size_t clause_n,
			  char *reason, size_t reason_n);

#endif
