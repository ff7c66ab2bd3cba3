/* SPDX-License-Identifier: Apache-2.0 */
/* poc-v1 evidence collection through ESYS (+ configfs-tsm or the TDX simulator). */
#include "tpm_evidence.h"

#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>

#include "credential.h"
#include "pcrs.h"
#include "tdx_quote.h"
#include "tdx_sim.h"
#include "tpm_attest.h"
#include "tpm_keys.h"

#define TDX_PREFIX "poc-pkcs11/v1/tdx"
#define TPM_PREFIX "poc-pkcs11/v1/tpm"
#define EVENTLOG_MAX (16u << 20)
#define TSM_QUOTE_MAX (1u << 20)
#define EK_CERT_MAX 4096u
#define NV_CHUNK 512u
#define QUOTE_TRIES 3

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/*
 * The EK certificate from NV (0: stored in b; 1: no such index, which is not
 * an error: a TPM without a provisioned certificate still attests with an AK
 * certificate, or not at all under the policy).
 */
static int read_ek_cert(struct poc_err *e, struct poc_tpm *t, struct poc_blob *b)
{
	ESYS_TR nv = ESYS_TR_NONE;
	TPM2B_NV_PUBLIC *nvpub = NULL;
	uint8_t *buf = NULL;
	uint16_t size, off = 0;
	ESYS_TR auth;
	TSS2_RC rc;
	int rv = -1;

	rc = Esys_TR_FromTPMPublic(t->esys, POC_TPM_EK_CERT_NV_RSA, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, &nv);
	if (rc != TSS2_RC_SUCCESS)
		return 1; /* no index: no certificate */
	rc = Esys_NV_ReadPublic(t->esys, nv, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &nvpub, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		poc_tpm_rc_err(e, rc, "evidence: NV_ReadPublic of the EK certificate index 0x1c00002");
		goto done;
	}
	size = nvpub->nvPublic.dataSize;
	auth = (nvpub->nvPublic.attributes & TPMA_NV_AUTHREAD) ? nv : ESYS_TR_RH_OWNER;
	if (size == 0 || size > EK_CERT_MAX) {
		poc_err_set(e, POC_ERR_MALFORMED, "evidence: EK certificate index holds %u bytes", size);
		goto done;
	}
	buf = malloc(size);
	if (buf == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "evidence: out of memory");
		goto done;
	}
	while (off < size) {
		uint16_t n = (uint16_t)((unsigned)(size - off) > NV_CHUNK ? NV_CHUNK : (unsigned)(size - off));
		TPM2B_MAX_NV_BUFFER *data = NULL;

		rc = Esys_NV_Read(t->esys, auth, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, n, off,
				  &data);
		if (rc != TSS2_RC_SUCCESS) {
			poc_tpm_rc_err(e, rc, "evidence: NV_Read of the EK certificate");
			goto done;
		}
		if (data->size != n) {
			Esys_Free(data);
			poc_err_set(e, POC_ERR_CRYPTO, "evidence: NV_Read returned %u bytes, not %u",
				    data->size, n);
			goto done;
		}
		memcpy(buf + off, data->buffer, n);
		Esys_Free(data);
		off = (uint16_t)(off + n);
	}
	/* The index may be larger than the DER certificate it holds: keep the DER only. */
	if (size >= 4 && buf[0] == 0x30 && buf[1] == 0x82) {
		size_t der = 4 + ((size_t)buf[2] << 8 | buf[3]);
		if (der < size)
			size = (uint16_t)der;
	}
	rv = poc_blob_set(e, b, buf, size) < 0 ? -1 : 0;
done:
	free(buf);
	Esys_Free(nvpub);
	rc = Esys_TR_Close(t->esys, &nv);
	if (rc != TSS2_RC_SUCCESS) {
		poc_tpm_rc_err(e, rc, "evidence: TR_Close of the NV index");
		rv = -1;
	}
	return rv;
}

static int write_all(struct poc_err *e, const char *path, const uint8_t *p, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int rv = 0;

	if (fd < 0)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "%s: %s", path, strerror(errno));
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rv = poc_err_set(e, POC_ERR_CRYPTO, "%s: %s", path, w < 0 ? strerror(errno) : "short write");
			break;
		}
		p += w;
		len -= (size_t)w;
	}
	if (close(fd) < 0 && rv == 0)
		rv = poc_err_set(e, POC_ERR_CRYPTO, "%s: %s", path, strerror(errno));
	return rv;
}

int poc_tsm_quote(struct poc_err *e, const uint8_t reportdata[64], uint8_t **quote, size_t *len)
{
	char dir[128], path[192];
	uint8_t rnd[8], *g1 = NULL, *g2 = NULL;
	size_t g1len = 0, g2len = 0;
	int rv = -1, r;

	*quote = NULL;
	*len = 0;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "configfs-tsm: random entry name");
	snprintf(dir, sizeof(dir), "%s/poc-pkcs11-%ld-%02x%02x%02x%02x%02x%02x%02x%02x",
		 POC_TSM_REPORT_DIR, (long)getpid(), rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5],
		 rnd[6], rnd[7]);
	if (mkdir(dir, 0700) < 0)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "configfs-tsm: %s: %s (no TDX guest, or configfs not mounted)",
				   dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/inblob", dir);
	if (write_all(e, path, reportdata, 64) < 0)
		goto done;
	/* generation before and after outblob: another writer in between would change it. */
	snprintf(path, sizeof(path), "%s/generation", dir);
	if (poc_file_read_optional(e, path, 64, &g1, &g1len) != 0)
		goto gen_fail;
	snprintf(path, sizeof(path), "%s/outblob", dir);
	r = poc_file_read_optional(e, path, TSM_QUOTE_MAX, quote, len);
	if (r != 0) {
		if (r > 0)
			poc_err_set(e, POC_ERR_UNSUPPORTED, "configfs-tsm: %s not readable", path);
		goto done;
	}
	snprintf(path, sizeof(path), "%s/generation", dir);
	if (poc_file_read_optional(e, path, 64, &g2, &g2len) != 0)
		goto gen_fail;
	if (g1len != g2len || memcmp(g1, g2, g1len) != 0) {
		poc_err_set(e, POC_ERR_MISMATCH, "configfs-tsm: the report entry changed while reading (concurrent writer)");
		goto done;
	}
	if (*len == 0) {
		poc_err_set(e, POC_ERR_TRUNCATED, "configfs-tsm: empty quote");
		goto done;
	}
	rv = 0;
	goto done;
gen_fail:
	poc_err_set(e, POC_ERR_UNSUPPORTED, "configfs-tsm: %s not readable", path);
done:
	free(g1);
	free(g2);
	if (rmdir(dir) < 0 && rv == 0)
		rv = poc_err_set(e, POC_ERR_CRYPTO, "configfs-tsm: rmdir %s: %s", dir, strerror(errno));
	if (rv < 0) {
		free(*quote);
		*quote = NULL;
		*len = 0;
	}
	return rv;
}

static int digest_parts(struct poc_err *e, const EVP_MD *md, const char *prefix, const uint8_t *a,
			size_t alen, const uint8_t *b, size_t blen, uint8_t *out)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = c != NULL && EVP_DigestInit_ex(c, md, NULL) == 1 &&
		 EVP_DigestUpdate(c, prefix, strlen(prefix)) == 1 &&
		 (alen == 0 || EVP_DigestUpdate(c, a, alen) == 1) &&
		 (blen == 0 || EVP_DigestUpdate(c, b, blen) == 1) && EVP_DigestFinal_ex(c, out, NULL) == 1;
	EVP_MD_CTX_free(c);
	return ok ? 0 : poc_err_ssl(e, POC_ERR_CRYPTO, "evidence: digest");
}

/* The TD quote for the binding, and qualifyingData (32 bytes) derived from it. */
static int tee_quote(struct poc_err *e, const struct poc_collect_opts *o, const uint8_t *name,
		     size_t name_len, struct poc_bundle *out, uint8_t qd[32])
{
	uint8_t rd[64], h384[48], *q = NULL;
	size_t qlen = 0;
	struct poc_tdx_quote pq;
	int rv = -1;

	if (o->tee == NULL || strcmp(o->tee, "none") == 0)
		return digest_parts(e, EVP_sha256(), TPM_PREFIX, o->nonce, o->nonce_len, NULL, 0, qd);
	if (digest_parts(e, EVP_sha512(), TDX_PREFIX, o->nonce, o->nonce_len, name, name_len, rd) < 0)
		return -1;
	if (strncmp(o->tee, "sim:", 4) == 0 && o->tee[4] != '\0') {
		uint8_t *poe = NULL;
		size_t poe_len = 0;
		int r;

		if (poc_sim_quote(e, o->tee + 4, rd, NULL, &q, &qlen) < 0) {
			poc_err_prefix(e, "evidence: TDX simulator: ");
			return -1;
		}
		/* The provider's POE token endorsing the sim's platform, when the sim has one. */
		r = poc_sim_poe(e, o->tee + 4, &poe, &poe_len);
		if (r == 0 && poc_blob_set(e, &out->poe, poe, poe_len) < 0)
			r = -1;
		free(poe);
		if (r < 0) {
			free(q);
			poc_err_prefix(e, "evidence: TDX simulator: POE token: ");
			return -1;
		}
	} else if (strcmp(o->tee, "tdx") == 0) {
		if (poc_tsm_quote(e, rd, &q, &qlen) < 0)
			return -1;
	} else {
		return poc_err_set(e, POC_ERR_ARG, "evidence: tee \"%s\" is not none, tdx or sim:DIR", o->tee);
	}
	if (poc_tdx_quote_parse(e, q, qlen, &pq) < 0) {
		poc_err_prefix(e, "evidence: the TD quote: ");
		goto done;
	}
	if (digest_parts(e, EVP_sha384(), "", pq.signed_part, pq.signed_len, NULL, 0, h384) < 0 ||
	    digest_parts(e, EVP_sha256(), TPM_PREFIX, o->nonce, o->nonce_len, h384, 48, qd) < 0 ||
	    poc_blob_set(e, &out->tdx_quote, q, pq.total_len) < 0)
		goto done;
	rv = 0;
done:
	free(q);
	return rv;
}

/* TPM2_Quote, then the PCR values, checked against the quote's pcrDigest (retried on a race). */
static int quote_pcrs(struct poc_err *e, struct poc_tpm *t, ESYS_TR ak, uint16_t bank, uint32_t mask,
		      const uint8_t qd[32], struct poc_bundle_quote *bq)
{
	TPML_PCR_SELECTION sel;
	TPM2B_DATA qual = { .size = 32 };
	TPMT_SIG_SCHEME scheme = { .scheme = TPM2_ALG_NULL };
	size_t dlen = poc_tpm_alg_digest_len(bank);

	if (poc_tpm_pcr_selection(e, bank, mask, &sel) < 0)
		return -1;
	memcpy(qual.buffer, qd, 32);
	for (int attempt = 0; attempt < QUOTE_TRIES; attempt++) {
		TPM2B_ATTEST *attest = NULL;
		TPMT_SIGNATURE *sig = NULL;
		uint8_t sigbuf[sizeof(TPMT_SIGNATURE)], vals[POC_PCR_COUNT * POC_DIGEST_MAX];
		size_t siglen = 0, vlen = 0, k = 0;
		struct poc_tpm_quote pq;
		struct poc_pcr_bank *pb;
		struct poc_err pe = { 0 };
		TSS2_RC rc;
		int r;

		rc = Esys_Quote(t->esys, ak, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &qual, &scheme,
				&sel, &attest, &sig);
		if (rc != TSS2_RC_SUCCESS)
			return poc_tpm_rc_err(e, rc, "evidence: Quote");
		rc = Tss2_MU_TPMT_SIGNATURE_Marshal(sig, sigbuf, sizeof(sigbuf), &siglen);
		r = rc == TSS2_RC_SUCCESS ? 0 : poc_tpm_rc_err(e, rc, "evidence: marshal TPMT_SIGNATURE");
		if (r == 0)
			r = poc_blob_set(e, &bq->attest, attest->attestationData, attest->size);
		Esys_Free(attest);
		Esys_Free(sig);
		if (r < 0 || poc_blob_set(e, &bq->sig, sigbuf, siglen) < 0 ||
		    poc_tpm_pcr_read(e, t, bank, mask, vals, &vlen, NULL) < 0)
			return -1;
		memset(&bq->pcrs, 0, sizeof(bq->pcrs));
		pb = poc_pcrs_bank(&bq->pcrs, bank, 1);
		if (pb == NULL)
			return poc_err_set(e, POC_ERR_ARG, "evidence: PCR bank");
		pb->mask = mask;
		for (unsigned i = 0; i < POC_PCR_COUNT; i++) {
			if (mask & (1u << i)) {
				memcpy(pb->v[i], vals + k, dlen);
				k += dlen;
			}
		}
		if (poc_tpm_quote_parse(e, bq->attest.p, bq->attest.len, bq->sig.p, bq->sig.len, &pq) < 0) {
			poc_err_prefix(e, "evidence: the TPM's own quote: ");
			return -1;
		}
		if (poc_tpm_quote_check_pcrs(&pe, &pq, &bq->pcrs) == 0)
			return 0;
		/* A PCR was extended between the quote and the read: quote again. */
	}
	return poc_err_set(e, POC_ERR_MISMATCH,
			   "evidence: PCRs kept changing between TPM2_Quote and TPM2_PCR_Read (%d tries)",
			   QUOTE_TRIES);
}

static int parse_credential(struct poc_err *e, const uint8_t *buf, size_t len, TPM2B_ID_OBJECT *cred,
			    TPM2B_ENCRYPTED_SECRET *enc)
{
	uint32_t magic = 0, version = 0;
	size_t off = 0;

	if (Tss2_MU_UINT32_Unmarshal(buf, len, &off, &magic) != TSS2_RC_SUCCESS ||
	    Tss2_MU_UINT32_Unmarshal(buf, len, &off, &version) != TSS2_RC_SUCCESS)
		return poc_err_set(e, POC_ERR_TRUNCATED, "evidence: credential file shorter than its header");
	if (magic != POC_CREDENTIAL_FILE_MAGIC || version != POC_CREDENTIAL_FILE_VERSION)
		return poc_err_set(e, POC_ERR_MALFORMED,
				   "evidence: not a credential file (magic 0x%08x version %u)", magic, version);
	if (Tss2_MU_TPM2B_ID_OBJECT_Unmarshal(buf, len, &off, cred) != TSS2_RC_SUCCESS ||
	    Tss2_MU_TPM2B_ENCRYPTED_SECRET_Unmarshal(buf, len, &off, enc) != TSS2_RC_SUCCESS)
		return poc_err_set(e, POC_ERR_MALFORMED, "evidence: credential file: bad TPM2B_ID_OBJECT or TPM2B_ENCRYPTED_SECRET");
	if (off != len)
		return poc_err_set(e, POC_ERR_MALFORMED, "evidence: credential file: %zu trailing bytes", len - off);
	return 0;
}

/* TPM2_ActivateCredential: AK (password) and EK (PolicySecret(TPM_RH_ENDORSEMENT) session). */
static int activate(struct poc_err *e, struct poc_tpm *t, ESYS_TR ak, ESYS_TR ek, const uint8_t *buf,
		    size_t len, struct poc_blob *out)
{
	TPM2B_ID_OBJECT cred;
	TPM2B_ENCRYPTED_SECRET enc;
	TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_NULL };
	TPM2B_NONCE nonce_tpm = { 0 };
	TPM2B_DIGEST cp_hash = { 0 };
	TPM2B_NONCE policy_ref = { 0 };
	TPM2B_TIMEOUT *timeout = NULL;
	TPMT_TK_AUTH *ticket = NULL;
	TPM2B_DIGEST *cert_info = NULL;
	ESYS_TR sess = ESYS_TR_NONE;
	TSS2_RC rc;
	int rv = -1;

	if (parse_credential(e, buf, len, &cred, &enc) < 0)
		return -1;
	rc = Esys_StartAuthSession(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, NULL, TPM2_SE_POLICY, &sym, TPM2_ALG_SHA256, &sess);
	if (rc != TSS2_RC_SUCCESS) {
		sess = ESYS_TR_NONE;
		return poc_tpm_rc_err(e, rc, "evidence: StartAuthSession (EK policy)");
	}
	rc = Esys_TRSess_SetAttributes(t->esys, sess, TPMA_SESSION_CONTINUESESSION, 0xff);
	if (rc != TSS2_RC_SUCCESS) {
		poc_tpm_rc_err(e, rc, "evidence: TRSess_SetAttributes");
		goto done;
	}
	rc = Esys_PolicySecret(t->esys, ESYS_TR_RH_ENDORSEMENT, sess, ESYS_TR_PASSWORD, ESYS_TR_NONE,
			       ESYS_TR_NONE, &nonce_tpm, &cp_hash, &policy_ref, 0, &timeout, &ticket);
	Esys_Free(timeout);
	Esys_Free(ticket);
	if (rc != TSS2_RC_SUCCESS) {
		poc_tpm_rc_err(e, rc, "evidence: PolicySecret(TPM_RH_ENDORSEMENT)");
		goto done;
	}
	rc = Esys_ActivateCredential(t->esys, ak, ek, ESYS_TR_PASSWORD, sess, ESYS_TR_NONE, &cred, &enc,
				     &cert_info);
	if (rc != TSS2_RC_SUCCESS) {
		cert_info = NULL;
		poc_tpm_rc_err(e, rc, "evidence: ActivateCredential (a credential for another AK or EK?)");
		goto done;
	}
	rv = poc_blob_set(e, out, cert_info->buffer, cert_info->size) < 0 ? -1 : 0;
done:
	if (cert_info != NULL) {
		OPENSSL_cleanse(cert_info, sizeof(*cert_info));
		Esys_Free(cert_info);
	}
	if (poc_tpm_flush(e, t, &sess) < 0)
		rv = -1;
	return rv;
}

int poc_tpm_collect(struct poc_err *e, struct poc_tpm *t, const struct poc_collect_opts *o,
		    struct poc_bundle *out)
{
	uint64_t start = now_ms();
	uint16_t bank = o->bank != 0 ? o->bank : TPM2_ALG_SHA256;
	uint32_t mask = o->pcr_mask != 0 ? o->pcr_mask : 0xffu;
	struct poc_tpm_key *ak, *ek;
	uint8_t buf[sizeof(TPM2B_PUBLIC)], name[POC_TPM_NAME_MAX], qd[32], *log = NULL;
	size_t len, name_len = sizeof(name), log_len = 0;
	int rv = -1, r;

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
	if (read_ek_cert(e, t, &out->ek_cert) < 0)
		goto done;

	/* TD quote first (it names the AK), then the TPM quote covering it. */
	if (tee_quote(e, o, name, name_len, out, qd) < 0)
		goto done;
	if (quote_pcrs(e, t, ak->h, bank, mask, qd, &out->quotes[0]) < 0)
		goto done;
	out->nquotes = 1;

	if (o->credential != NULL &&
	    activate(e, t, ak->h, ek->h, o->credential, o->credential_len, &out->activated_secret) < 0)
		goto done;

	r = poc_file_read_optional(e, POC_EVENTLOG_PATH, EVENTLOG_MAX, &log, &log_len);
	if (r < 0)
		goto done;
	if (r == 0 && log_len > 0 && poc_blob_set(e, &out->eventlog, log, log_len) < 0)
		goto done;

	out->has_timing = 1;
	out->nonce_ms = start;
	out->evidence_ms = now_ms();
	rv = 0;
done:
	free(log);
	return rv;
}
