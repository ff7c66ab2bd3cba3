/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Local evidence collection (evidence.h): the TD quote of the configured tee
 * (tee/), the TPM quote, PCRs, EK certificate and credential activation
 * (tpm/), the event log and the collateral folder, with the binding digests
 * of verify/binding.h; one function, poc_evidence_collect, for poctool and
 * the token's check alike.
 */
#include "evidence/evidence.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "binding.h"
#include "tdx_quote.h"
#include "tpm_attest.h"
#include "store/files.h"
#include "tpm/tpm_keys.h"
#include "tpm/tpm_quote.h"
#include "trace/trace.h"

#define EVENTLOG_MAX (16u << 20)
#define COLLATERAL_FILE_MAX (1u << 20)
static const char *const coll_ext[POC_COLL_COUNT] = {
	".json", ".bin", ".pem", ".json", ".bin", ".pem", ".der", ".der", ".pem",
};

/* A DCAP collateral folder (tcb_info.json, ...) into the bundle. */
int poc_bundle_read_collateral(struct poc_err *e, const char *dir, struct poc_bundle *b)
{
	char path[4096];
	size_t i;

	for (i = 0; i < POC_COLL_COUNT; i++) {
		poc_blob_clear(&b->collateral[i]);
		if (snprintf(path, sizeof(path), "%s/%s%s", dir, poc_coll_item_name(i), coll_ext[i]) >= (int)sizeof(path))
			return poc_err_set(e, POC_ERR_ARG, "collateral folder path too long");
		if (poc_file_read(e, path, COLLATERAL_FILE_MAX, &b->collateral[i].p, &b->collateral[i].len) < 0)
			return -1;
	}
	b->has_collateral = 1;
	return 0;
}

int64_t poc_evidence_now_ms(void)
{
	struct timespec ts;

	/* CLOCK_REALTIME always exists; a failure would leave ts unset, so read it as the epoch. */
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The TD quote for the binding (REPORTDATA names the AK), and qualifyingData (32 bytes) covering it. */
static int tee_quote(struct poc_err *e, const struct poc_collect_opts *o, const uint8_t *name, size_t name_len,
		     struct poc_bundle *out, uint8_t qd[32])
{
	uint8_t rd[64], *q = NULL, *poe = NULL;
	size_t qlen = 0, poe_len = 0;
	struct poc_tdx_quote pq;
	int rv = -1;

	if (o->tee == NULL || o->tee->kind == POC_TEE_NONE)
		return poc_binding_qualifying(e, o->nonce, o->nonce_len, NULL, 0, qd);
	if (poc_binding_reportdata(e, o->nonce, o->nonce_len, name, name_len, rd) < 0)
		return -1;
	if (poc_tee_quote(e, o->tee, rd, &q, &qlen, &poe, &poe_len) < 0) {
		poc_err_prefix(e, "evidence: ");
		return -1;
	}
	if (poe != NULL && poc_blob_set(e, &out->poe, poe, poe_len) < 0)
		goto done;
	if (poc_tdx_quote_parse(e, q, qlen, &pq) < 0) {
		poc_err_prefix(e, "evidence: the TD quote: ");
		goto done;
	}
	if (poc_binding_qualifying(e, o->nonce, o->nonce_len, pq.signed_part, pq.signed_len, qd) < 0 ||
	    poc_blob_set(e, &out->tdx_quote, q, pq.total_len) < 0)
		goto done;
	rv = 0;
done:
	free(q);
	free(poe);
	return rv;
}

/* The tee's DCAP collateral folder, when it exists. */
static int collateral(struct poc_err *e, const struct poc_tee *tee, struct poc_bundle *out)
{
	char dir[POC_TEE_PATH_MAX + 16];
	struct stat st;
	int r;

	if (tee == NULL)
		return 0;
	r = poc_tee_collateral_dir(e, tee, dir, sizeof(dir));
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return 0;
	return poc_bundle_read_collateral(e, dir, out);
}

int poc_evidence_collect(struct poc_err *e, struct poc_tpm *t, const struct poc_collect_opts *o,
			 struct poc_bundle *out)
{
	uint64_t start = (uint64_t)poc_evidence_now_ms();
	uint16_t bank = o->bank != 0 ? o->bank : TPM2_ALG_SHA256;
	uint32_t mask = o->pcr_mask != 0 ? o->pcr_mask : POC_TPM_PCR_MASK_DEFAULT;
	struct poc_tpm_key *ak, *ek;
	uint8_t buf[sizeof(TPM2B_PUBLIC)], name[POC_TPM_NAME_MAX], qd[32], *log = NULL;
	size_t len, name_len = sizeof(name), log_len = 0;
	int rv = -1, r;
	uint64_t t0;

	memset(out, 0, sizeof(*out));
	out->version = 1;
	if (o->nonce == NULL || o->nonce_len == 0 || o->nonce_len > 64)
		return poc_err_set(e, POC_ERR_ARG, "evidence: the nonce must have 1 to 64 bytes");
	if (poc_blob_set(e, &out->nonce, o->nonce, o->nonce_len) < 0)
		return -1;

	/* The same EK and AK as a poc_tpm_ak_public/poc_tpm_ek_public before, on this t. */
	if (poc_tpm_ek_key(e, t, &ek) < 0 || poc_tpm_ak_key(e, t, &ak) < 0)
		goto done;
	len = sizeof(buf);
	if (poc_tpm_pub_marshal(e, &ek->pub, buf, &len) < 0 || poc_blob_set(e, &out->ek_pub, buf, len) < 0)
		goto done;
	len = sizeof(buf);
	if (poc_tpm_pub_marshal(e, &ak->pub, buf, &len) < 0 || poc_blob_set(e, &out->ak_pub, buf, len) < 0 ||
	    poc_tpm_pub_name(e, &ak->pub.publicArea, name, &name_len) < 0)
		goto done;
	t0 = poc_trace_start();
	if (poc_tpm_ek_cert(e, t, &out->ek_cert) < 0)
		goto done;
	poc_trace_end("ek_cert", t0);

	/* TD quote first (it names the AK), then the TPM quote covering it. */
	t0 = poc_trace_start();
	if (tee_quote(e, o, name, name_len, out, qd) < 0)
		goto done;
	poc_trace_end("td_quote", t0);
	t0 = poc_trace_start();
	if (poc_tpm_quote_pcrs(e, t, ak->h, bank, mask, qd, &out->quotes[0]) < 0)
		goto done;
	poc_trace_end("tpm_quote", t0);
	out->nquotes = 1;

	t0 = poc_trace_start();
	if (o->credential != NULL &&
	    poc_tpm_activate(e, t, ak->h, ek->h, o->credential, o->credential_len, &out->activated_secret) < 0)
		goto done;
	poc_trace_end("activate_credential", t0);

	r = poc_file_read_optional(e, POC_EVENTLOG_PATH, EVENTLOG_MAX, &log, &log_len);
	if (r < 0)
		goto done;
	if (r == 0 && log_len > 0 && poc_blob_set(e, &out->eventlog, log, log_len) < 0)
		goto done;

	t0 = poc_trace_start();
	if (collateral(e, o->tee, out) < 0)
		goto done;
	poc_trace_end("collateral_read", t0);

	out->has_timing = 1;
	out->nonce_ms = start;
	out->evidence_ms = (uint64_t)poc_evidence_now_ms();
	rv = 0;
done:
	free(log);
	return rv;
}
