/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Linux IMA measurement list in its binary form
 * (/sys/kernel/security/ima/binary_runtime_measurements), templates
 * "ima-ng" and "ima-sig": each entry is PCR (u32 LE), the SHA-1 template
 * digest (20 bytes), the template name (u32 length, bytes) and the template
 * data (u32 length, then the fields, each a u32 length and its bytes:
 * "d-ng" = "ALGO:\0" + file digest, "n-ng" = the path, NUL-terminated, and
 * for ima-sig a signature). For a bank other than SHA-1 the kernel extends
 * PCR 10 with that bank's hash of the template data; an entry whose
 * template digest is all zeros is a violation, extended as all ones.
 */
#ifndef POC_IMA_LOG_H
#define POC_IMA_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "verr.h"

#define POC_IMA_MAX_ENTRIES 65536

struct poc_ima_entry {
	uint32_t pcr;
	int violation;
	const uint8_t *tdata;  /* the template data (points into the log) */
	size_t tdata_len;
	char algo[16];         /* of the file digest: "sha256", ... ("sha1" for a bare digest) */
	const uint8_t *digest; /* the file digest */
	size_t digest_len;
	char path[256];        /* cut at 255 bytes */
};

struct poc_ima_log {
	struct poc_ima_entry *ev;
	size_t n;
};

/* Parses the list; entries point into buf, which must outlive out. */
int poc_ima_parse(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_ima_log *out);
void poc_ima_free(struct poc_ima_log *log);
/* PCR 10 of bank alg (sha256, sha384) from zeros, through every entry of PCR 10: out has the bank's digest size. */
int poc_ima_replay(struct poc_err *e, const struct poc_ima_log *log, uint16_t alg, uint8_t *out, size_t *outlen);

#endif
