/* SPDX-License-Identifier: Apache-2.0 */
/* The TDX CCEL: ACPI table (ACPI 6.5 "CCEL") and RTMR replay of its event log. */
#include "ccel.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "bytes.h"

#define ACPI_HEADER_LEN 36
#define TPM_ALG_SHA384 0x000c
#define MR_INDEX_MRTD 0

int poc_ccel_table_parse(struct poc_err *e, const uint8_t *buf, size_t len,
			 struct poc_ccel_table *out)
{
	struct poc_rd r;
	uint32_t tlen;
	uint8_t sum = 0, reserved[2];

	if (buf == NULL || out == NULL)
		return poc_err_set(e, POC_ERR_ARG, "CCEL table: no buffer");
	memset(out, 0, sizeof(*out));
	if (len < ACPI_HEADER_LEN)
		return poc_err_set(e, POC_ERR_TRUNCATED, "CCEL table: %zu bytes, the ACPI header needs %d",
				   len, ACPI_HEADER_LEN);
	if (memcmp(buf, "CCEL", 4) != 0)
		return poc_err_set(e, POC_ERR_MALFORMED, "CCEL table: signature is not \"CCEL\"");
	tlen = (uint32_t)buf[4] | ((uint32_t)buf[5] << 8) | ((uint32_t)buf[6] << 16) |
	       ((uint32_t)buf[7] << 24);
	if (tlen < POC_CCEL_TABLE_LEN)
		return poc_err_set(e, POC_ERR_MALFORMED, "CCEL table: length %u, at least %d needed",
				   tlen, POC_CCEL_TABLE_LEN);
	if (tlen > len)
		return poc_err_set(e, POC_ERR_TRUNCATED, "CCEL table: length %u, %zu bytes given", tlen, len);
	/* ACPI: all bytes of the table, checksum included, sum to zero mod 256. */
	for (uint32_t i = 0; i < tlen; i++)
		sum = (uint8_t)(sum + buf[i]);
	if (sum != 0)
		return poc_err_set(e, POC_ERR_MALFORMED, "CCEL table: bad checksum (sum 0x%02x)", sum);
	poc_rd_init(&r, buf + ACPI_HEADER_LEN, tlen - ACPI_HEADER_LEN);
	if (poc_rd_u8(&r, &out->cc_type) < 0 || poc_rd_u8(&r, &out->cc_subtype) < 0 ||
	    poc_rd_u8(&r, &reserved[0]) < 0 || poc_rd_u8(&r, &reserved[1]) < 0 ||
	    poc_rd_u64le(&r, &out->laml) < 0 || poc_rd_u64le(&r, &out->lasa) < 0)
		return poc_err_set(e, POC_ERR_TRUNCATED, "CCEL table: fields");
	if (out->cc_type != POC_CCEL_TYPE_SEV && out->cc_type != POC_CCEL_TYPE_TDX)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "CCEL table: CC type %u", out->cc_type);
	return 0;
}

/* Replays into rtmr[]; *mask gets bit i for every RTMR i that an event extends. */
static int replay(struct poc_err *e, const struct poc_evlog *log,
		  uint8_t rtmr[POC_CCEL_RTMRS][POC_CCEL_MR_LEN], uint32_t *mask)
{
	const EVP_MD *md = EVP_sha384();
	int has = 0;

	if (log == NULL || rtmr == NULL)
		return poc_err_set(e, POC_ERR_ARG, "CCEL replay: no log");
	for (size_t i = 0; i < log->nalgs; i++)
		has |= log->algs[i] == TPM_ALG_SHA384;
	if (!has)
		return poc_err_set(e, POC_ERR_MISMATCH, "CCEL replay: the log has no sha384 digests");
	memset(rtmr, 0, POC_CCEL_RTMRS * POC_CCEL_MR_LEN);
	*mask = 0;
	for (size_t i = 0; i < log->nevents; i++) {
		const struct poc_evlog_event *ev = &log->ev[i];
		const uint8_t *d;
		uint8_t in[2 * POC_CCEL_MR_LEN];
		unsigned int outl = 0;
		uint8_t *reg;

		if (ev->type == POC_EV_NO_ACTION || ev->pcr == MR_INDEX_MRTD)
			continue;
		if (ev->pcr > POC_CCEL_RTMRS)
			return poc_err_set(e, POC_ERR_MALFORMED, "CCEL replay: event %zu: MR index %u",
					   i, ev->pcr);
		d = poc_evlog_event_digest(ev, TPM_ALG_SHA384);
		if (d == NULL)
			return poc_err_set(e, POC_ERR_MALFORMED, "CCEL replay: event %zu (%s) has no sha384 digest",
					   i, poc_evlog_type_name(ev->type));
		reg = rtmr[ev->pcr - 1];
		memcpy(in, reg, POC_CCEL_MR_LEN);
		memcpy(in + POC_CCEL_MR_LEN, d, POC_CCEL_MR_LEN);
		if (EVP_Digest(in, sizeof(in), reg, &outl, md, NULL) != 1 || outl != POC_CCEL_MR_LEN)
			return poc_err_ssl(e, POC_ERR_CRYPTO, "CCEL replay: sha384");
		*mask |= 1u << (ev->pcr - 1);
	}
	return 0;
}

int poc_ccel_replay(struct poc_err *e, const struct poc_evlog *log,
		    uint8_t rtmr[POC_CCEL_RTMRS][POC_CCEL_MR_LEN])
{
	uint32_t mask;

	return replay(e, log, rtmr, &mask);
}

uint32_t poc_ccel_extended_mask(const struct poc_evlog *log)
{
	uint32_t m = 0;

	for (size_t i = 0; log != NULL && i < log->nevents; i++)
		if (log->ev[i].type != POC_EV_NO_ACTION && log->ev[i].pcr >= 1 && log->ev[i].pcr <= POC_CCEL_RTMRS)
			m |= 1u << (log->ev[i].pcr - 1);
	return m;
}

int poc_ccel_check(struct poc_err *e, const struct poc_evlog *log,
		   const uint8_t quoted[POC_CCEL_RTMRS][POC_CCEL_MR_LEN], uint32_t mask)
{
	uint8_t rtmr[POC_CCEL_RTMRS][POC_CCEL_MR_LEN];
	uint32_t ext;

	if (quoted == NULL)
		return poc_err_set(e, POC_ERR_ARG, "CCEL check: no quoted RTMRs");
	if (replay(e, log, rtmr, &ext) < 0)
		return -1;
	for (unsigned i = 0; i < POC_CCEL_RTMRS; i++) {
		size_t nev = 0, last = 0;
		char got[24], want[24], desc[128];

		if (!(mask & (1u << i)) || CRYPTO_memcmp(rtmr[i], quoted[i], POC_CCEL_MR_LEN) == 0)
			continue;
		for (size_t k = 0; k < log->nevents; k++)
			if (log->ev[k].pcr == i + 1 && log->ev[k].type != POC_EV_NO_ACTION) {
				nev++;
				last = k;
			}
		poc_evlog_hex_diff(rtmr[i], quoted[i], POC_CCEL_MR_LEN, got, want);
		if (nev == 0)
			return poc_err_set(e, POC_ERR_MISMATCH,
					   "CCEL check: RTMR%u is quoted %s, but no event extends it (reset value %s)", i, want, got);
		poc_evlog_describe(&log->ev[last], desc, sizeof(desc));
		return poc_err_set(e, POC_ERR_MISMATCH,
				   "CCEL check: RTMR%u replays to %s, quoted %s (%zu events; last #%zu %s)",
				   i, got, want, nev, last, desc);
	}
	return 0;
}
