/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PCR values for `poctool policy approve --pcrs` and `policy predict -o`:
 * one "bank:index hex" line per PCR (e.g. "sha256:4 3d45..."), one bank,
 * each index once; blank lines and '#' comments allowed. The values of an
 * approval are the lines' in index order.
 */
#ifndef POC_TOOL_PCR_FILE_H
#define POC_TOOL_PCR_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "pcrs.h"

struct poc_pcr_file {
	uint16_t bank;
	uint32_t mask;
	uint8_t vals[POC_PCR_COUNT * POC_DIGEST_MAX]; /* index order */
	size_t len;
};

/* Parses text (len bytes); -1 after saying why (what names the source). */
int poc_tool_pcr_file_parse(const char *what, const char *text, size_t len, struct poc_pcr_file *out);
int poc_tool_pcr_file_read(const char *path, struct poc_pcr_file *out);
int poc_tool_pcr_file_write(const char *path, const struct poc_pcr_file *pf);

/* What `policy approve --bundle` appraises: the bundle, the policy, and the owner's nonce and its time. */
struct poc_tool_recovery {
	const char *bundle, *policy;
	const char *nonce_hex;  /* the nonce the owner gave `poctool attest --nonce`, or NULL */
	const char *nonce_time; /* when the owner issued it, Unix ms, or NULL */
	const char *verifier_key; /* the key the owner made the bundle's credential challenge with, or NULL */
};

/*
 * Recovery (docs/updates.md): appraises the bundle under the policy now,
 * with the nonce (and its time: freshness), and only when the appraisal is
 * accepted AND affirming, as for a release, writes the quoted values of
 * bank/mask into out. Returns an exit code (1: denied, nothing approved).
 */
int poc_tool_bundle_pcrs(const struct poc_tool_recovery *r, uint16_t bank, uint32_t mask, struct poc_pcr_file *out);

#endif
