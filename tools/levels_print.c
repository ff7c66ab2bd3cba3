/* SPDX-License-Identifier: Apache-2.0 */
/* The attestation levels in evidence verify's summary (levels_print.h). */
#include "levels_print.h"

#include <stdio.h>

/* The attestation levels (docs/levels.md): reached, on what, trusting whom, and what the next one needs. */
void poc_tool_print_levels(const struct poc_levels *al)
{
	size_t i;

	printf("  levels: nominal AL%d, trustworthy AL%d\n", al->nominal, al->trustworthy);
	for (i = 0; i < al->nbasis; i++)
		printf("  level basis: %s\n", al->basis[i]);
	for (i = 0; i < al->ntrusts; i++)
		printf("  level trusts: %s\n", al->trusts[i]);
	if (al->need_nominal[0])
		printf("  next nominal: %s\n", al->need_nominal);
	if (al->need_trustworthy[0])
		printf("  next trustworthy: %s\n", al->need_trustworthy);
}
