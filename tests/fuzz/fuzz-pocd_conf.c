/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: pocd's configuration parser (pocd/conf.c) and an enrolment's identities (pocd/identities.c). */
#include <stdlib.h>
#include <string.h>

#include "pocd/identities.h"
#include "pocd/pocd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pocd_conf c;
	struct poc_appraisal a;
	char clause[96], reason[256], *json = malloc(size + 1);

	(void)pocd_conf_parse((const char *)data, size, "fuzz", &c);
	if (json != NULL) {
		memcpy(json, data, size);
		json[size] = '\0';
		memset(&a, 0, sizeof(a));
		a.gce.present = 1;
		(void)pocd_identities_check(json, NULL, clause, sizeof(clause), reason, sizeof(reason));
		(void)pocd_identities_check(json, &a, clause, sizeof(clause), reason, sizeof(reason));
		free(json);
	}
	return 0;
}
