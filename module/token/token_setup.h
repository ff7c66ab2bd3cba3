/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a loaded configuration sets for the whole process, below the token layer: the bound on
 * every TPM answer (tpm_timeout_ms, tpm/tpm.h). Called once by whoever loaded the configuration
 * (the module at C_Initialize, poctool), before the first TPM is opened.
 */
#ifndef POC_TOKEN_SETUP_H
#define POC_TOKEN_SETUP_H

#include "config/configuration.h"

void poc_token_setup(const struct poc_config *cfg);

#endif
