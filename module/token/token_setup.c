/* SPDX-License-Identifier: Apache-2.0 */
/* The process-wide settings of a configuration (token_setup.h). */
#include "token/token_setup.h"

#include "tpm/tpm.h"

void poc_token_setup(const struct poc_config *cfg)
{
	poc_tpm_timeout_set(cfg->tpm_timeout_ms);
}
