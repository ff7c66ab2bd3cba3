/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Evidence collection on this machine (what `poctool attest` calls): the
 * poc-v1 binding of DESIGN.md section 3, done in-process with ESYS.
 *
 * The AK is a primary key in the endorsement hierarchy with a fixed template
 * (ECC P-256, restricted signing, ECDSA-SHA256, fixedTPM | fixedParent |
 * sensitiveDataOrigin | userWithAuth | noDA, empty unique; module/tpm_keys.c):
 * CreatePrimary derives
 * it from the endorsement primary seed, so it is the same key on every call
 * and every boot of this TPM, without needing persistent handles or saved
 * contexts (the persistent copies below only save time). That makes the
 * two-step credential flow stateless: poc_tpm_ak_public gives the
 * verifier the AK, the verifier makes a credential for it (to the EK), and a
 * later poc_tpm_collect activates it. ActivateCredential only needs the AK
 * and the EK loaded in the same TPM; the AK is not a child of the EK, which
 * the protocol does not require (the TPM checks that the credential names an
 * object it holds and that the EK can decrypt the seed).
 *
 * The EK is the TCG default RSA-2048 EK (EK Credential Profile template L-1),
 * whose certificate is at NV 0x01c00002.
 *
 * Dictionary-attack lockout never stops a check: the AK is noDA; the EK is
 * authorised by PolicySecret(TPM_RH_ENDORSEMENT) alone (a policy needing no
 * authValue, with a hierarchy's auth, both exempt from DA), so its TCG
 * template, which the certificate's key depends on, stays as it is; the SRK
 * and the sealed objects are noDA (tpm.h, tpm_seal.h).
 *
 * An ECC AK rather than an RSA one: a TPM derives a P-256 primary in about a
 * millisecond (swtpm) where an RSA-2048 one takes tens of milliseconds to
 * seconds (prime search), and a quote signed with it costs a fifth of an
 * RSA-2048 one (0.5 against 2.8 ms on swtpm).
 *
 * Persistent copies (poc_tpm_provision, at `poctool init`): deriving the
 * RSA-2048 EK costs tens of milliseconds on swtpm (seconds on some discrete
 * TPMs), most of a check's time once. So the EK is made persistent at the TCG
 * handle POC_TPM_EK_HANDLE and the AK at POC_TPM_AK_HANDLE, and a check uses
 * whatever is there when it is an endorsement-hierarchy primary fitting the
 * template (TPM2_ReadPublic: public area and qualified name), else
 * CreatePrimary as before. Nothing here trusts these objects: the verifier
 * matches the EK against its certificate and proves the AK by credential
 * activation against that EK, and checks the AK's attributes (fixedTPM,
 * restricted, sign). Someone else's object at either handle is ignored and
 * never evicted; a provider's EK already persistent at 0x81010001 is used.
 * The one exception: the AK an earlier version made persistent with the
 * DA-protected template (the same endorsement primary without noDA). A check
 * never uses it (it derives today's AK instead); provisioning evicts it and
 * persists today's AK in its place.
 */
#ifndef POC_TPM_EVIDENCE_H
#define POC_TPM_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#include "bundle.h"
#include "tpm.h"
#include "verr.h"

#define POC_TPM_EK_CERT_NV_RSA 0x01c00002u
/* TCG Registry of Reserved TPM 2.0 Handles: the RSA-2048 EK. */
#define POC_TPM_EK_HANDLE 0x81010001u
/*
 * poc-pkcs11's AK: a persistent handle next to the EKs (0x81010002 is the
 * TCG's ECC P-256 EK), in the owner-authorised range (below 0x81800000), and
 * away from the low owner handles (0x81000001 SRK, 0x81000003 Azure's AK).
 * What another program keeps there is ignored, as above.
 */
#define POC_TPM_AK_HANDLE 0x81010003u
#define POC_EVENTLOG_PATH "/sys/kernel/security/tpm0/binary_bios_measurements"
#define POC_TSM_REPORT_DIR "/sys/kernel/config/tsm/report"

struct poc_collect_opts {
	const uint8_t *nonce; /* the verifier's nonce, 1..64 bytes */
	size_t nonce_len;
	const char *tee;  /* "none" (or NULL), "sim:DIR", "tdx" (configfs-tsm) */
	uint16_t bank;    /* 0: TPM2_ALG_SHA256 */
	uint32_t pcr_mask; /* 0: PCRs 0-7 */
	/* A credential from the verifier (tpm2-tools file format, see credential.h), optional. */
	const uint8_t *credential;
	size_t credential_len;
};

/*
 * Collects the evidence into out (zeroed first; poc_bundle_free() it, also on
 * failure): nonce, timing (nonce_ms when the call started, evidence_ms when
 * done), AK and EK public areas (TPM2B_PUBLIC), EK certificate (when NV
 * 0x01c00002 holds one), the TD quote (REPORTDATA = SHA-512("poc-pkcs11/v1/tdx"
 * || N || AK name)) unless tee is none (with tee sim:DIR also the sim's POE
 * token, DIR/poe.cbor, when it has one), one TPM2_Quote of the selection with
 * qualifyingData = SHA-256("poc-pkcs11/v1/tpm" || N [|| SHA-384(signed part
 * of the TD quote)]) and the PCR values read right after it (checked against
 * the quote's pcrDigest), the event log when readable, and the activated
 * credential secret when a credential is given.
 */
int poc_tpm_collect(struct poc_err *e, struct poc_tpm *t, const struct poc_collect_opts *o,
		    struct poc_bundle *out);

/*
 * Makes the EK and the AK persistent at POC_TPM_EK_HANDLE and
 * POC_TPM_AK_HANDLE (TPM2_EvictControl, empty owner password) where they
 * are not yet; run once when a token is initialised. Returns 0 when both are
 * persistent (now or already), 1 when one stays transient (its handle holds
 * someone else's object, which is left alone; the owner hierarchy has a
 * password; no persistent memory left): checks then derive it each time,
 * slower but correct. -1 when the TPM cannot make the EK or AK at all. An AK
 * of the legacy DA-protected template at POC_TPM_AK_HANDLE is replaced.
 */
int poc_tpm_provision(struct poc_err *e, struct poc_tpm *t);

/*
 * The AK's public area (marshalled TPM2B_PUBLIC, at most *len bytes in; out:
 * the length) and its name (nameAlg || SHA-256(TPMT_PUBLIC), *name_len in/out,
 * at least 34). Either output may be NULL. The AK (and the EK, below) is
 * found or made once per t and kept until poc_tpm_close (a transient one
 * then flushed), so that the challenge and poc_tpm_collect see the same key
 * and pay for it once.
 */
int poc_tpm_ak_public(struct poc_err *e, struct poc_tpm *t, uint8_t *pub, size_t *len,
		      uint8_t *name, size_t *name_len);

/* The EK's public area, marshalled TPM2B_PUBLIC (as poc_tpm_ak_public). */
int poc_tpm_ek_public(struct poc_err *e, struct poc_tpm *t, uint8_t *pub, size_t *len);

/*
 * A TD quote through configfs-tsm (Linux >= 6.7): a fresh report entry under
 * POC_TSM_REPORT_DIR, reportdata to inblob, the quote from outblob, the entry
 * removed. *quote is malloc()ed.
 */
int poc_tsm_quote(struct poc_err *e, const uint8_t reportdata[64], uint8_t **quote, size_t *len);

#endif
