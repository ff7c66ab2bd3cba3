/* SPDX-License-Identifier: Apache-2.0 */
#ifndef POC_RECORD_FILE_H
#define POC_RECORD_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "appraise.h"

/*
 * The PEM label under which `poctool show` exports a token's denial key (the
 * DER is a SubjectPublicKeyInfo): `record verify --key` takes a key under this
 * label as a denial key, which makes a record valid only as a denial, and
 * tools that know only "PUBLIC KEY" do not read it as a verifier key.
 */
#define POC_DENIAL_PEM_LABEL "POC DENIAL PUBLIC KEY"

/*
 * Signs the attestation record of appraisal a and writes it to out
 * atomically. The record binds the SHA-256 of the evidence bundle and, as its
 * policy id, "sha256:HEX" of the policy file's bytes; iat = at, no exp, and
 * verification "local". key_pem_path names an EC P-256/P-384 private key
 * (PEM); NULL generates an ephemeral P-256 key and writes its public key to
 * OUT.pub.pem so the record can still be checked. Prints why on failure.
 */
int poc_tool_record_write(const char *out, const char *key_pem_path, const struct poc_appraisal *a,
			  const struct poc_appraise_opts *o, const uint8_t *bundle, size_t bundle_len,
			  const char *policy_path, int64_t at);

#endif
