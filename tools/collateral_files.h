/* SPDX-License-Identifier: Apache-2.0 */
/* Loading an Intel DCAP collateral folder for poctool (verify/collateral.h takes bytes). */
#ifndef POC_TOOL_COLLATERAL_FILES_H
#define POC_TOOL_COLLATERAL_FILES_H

#include "collateral.h"

/*
 * Reads the nine files of a collateral folder (tcb_info.json,
 * tcb_info_signature.bin, tcb_info_issuer_chain.pem, qe_identity.json,
 * qe_identity_signature.bin, qe_identity_issuer_chain.pem, pck_crl.der,
 * root_ca_crl.der, pck_crl_issuer_chain.pem) into out. A missing or
 * unreadable file: prints a message naming it and returns -1 with nothing
 * left allocated. Release with poc_tool_collateral_release.
 */
int poc_tool_collateral_read(const char *dir, struct poc_collateral_files *out);
/* Frees what poc_tool_collateral_read loaded and zeroes f; NULL-safe. */
void poc_tool_collateral_release(struct poc_collateral_files *f);

#endif
