/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the TCB Info and QE Identity JSON parsers (inner objects and PCS responses). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collateral.h"
#include "tcb_eval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct poc_err e = { 0 };
	struct poc_collateral *c = NULL;
	char date[32];

	if (poc_collateral_parse_tcb_info(&e, data, size, &c) == 0) {
		const struct poc_tcb_info *t = poc_collateral_tcb_info(c);

		/* Touch everything the evaluator reads, so ASan sees any bad length. */
		for (size_t i = 0; t != NULL && i < t->nlevels; i++)
			if (strlen(t->levels[i].advisories) > 4096 || t->levels[i].date[0] == 0)
				abort();
		for (size_t i = 0; t != NULL && i < t->nmodules; i++)
			for (size_t k = 0; k < t->modules[i].nlevels; k++)
				(void)strlen(t->modules[i].levels[k].advisories);
		(void)poc_collateral_fmspc_hex(c);
	}
	poc_collateral_free(c);
	c = NULL;
	poc_err_clear(&e);
	if (poc_collateral_parse_qe_identity(&e, data, size, &c) == 0) {
		const struct poc_qe_identity *q = poc_collateral_qe_identity(c);

		for (size_t i = 0; q != NULL && i < q->nlevels; i++)
			(void)strlen(q->levels[i].advisories);
	}
	poc_collateral_free(c);
	if (size < sizeof(date)) {
		int64_t t;

		memcpy(date, data, size);
		date[size] = '\0';
		poc_err_clear(&e);
		(void)poc_collateral_parse_date(&e, date, &t);
	}
	return 0;
}
