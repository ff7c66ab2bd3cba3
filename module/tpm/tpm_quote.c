/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a check asks of the TPM besides its keys (tpm_keys.c): the EK
 * certificate from NV, one TPM2_Quote with the PCR values read right after it,
 * and TPM2_ActivateCredential of the verifier's credential. The evidence
 * collector (evidence/) puts the results into a bundle.
 */
#include "tpm/tpm_quote.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>

#include "credential.h"
#include "pcrs.h"
#include "tpm_attest.h"
#include "tpm/tpm_keys.h"

#define EK_CERT_MAX 4096u
#define NV_CHUNK 512u
#define QUOTE_TRIES 3

/*
 * The EK certificate from NV (0: stored in b; 1: no such index, which is not
 * an error: a TPM without a provisioned certificate still attests with an AK
 * certificate, or not at all under the policy).
 */
int poc_tpm_ek_cert(struct poc_err *e, struct poc_tpm *t, struct poc_blob *b)
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
	/* No index: no certificate. A TPM that does not answer is not a TPM without one (an outage, not a denial). */
	if (rc != TSS2_RC_SUCCESS && poc_tpm_rc_code(rc) == POC_ERR_CRYPTO)
		return 1;
	if (rc != TSS2_RC_SUCCESS)
		return poc_tpm_rc_err(e, rc, "evidence: TR_FromTPMPublic of the EK certificate index 0x1c00002");
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

/* TPM2_Quote, then the PCR values, checked against the quote's pcrDigest (retried on a race). */
int poc_tpm_quote_pcrs(struct poc_err *e, struct poc_tpm *t, ESYS_TR ak, uint16_t bank, uint32_t mask,
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
int poc_tpm_activate(struct poc_err *e, struct poc_tpm *t, ESYS_TR ak, ESYS_TR ek, const uint8_t *buf,
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
