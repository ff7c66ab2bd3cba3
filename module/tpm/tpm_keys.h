/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The EK and the AK, found or made once per struct poc_tpm (the cache of
 * tpm.h), for the evidence collector (evidence/) and tpm_quote.c.
 *
 * The AK is a primary key in the endorsement hierarchy with a fixed template
 * (ECC P-256, restricted signing, ECDSA-SHA256, fixedTPM | fixedParent |
 * sensitiveDataOrigin | userWithAuth | noDA, empty unique; tpm_keys.c):
 * CreatePrimary derives it from the endorsement primary seed, so it is the same key on every call
 * and every boot of this TPM, without needing persistent handles or saved
 * contexts (the persistent copies below only save time). That makes the
 * two-step credential flow stateless: poc_tpm_ak_public gives the
 * verifier the AK, the verifier makes a credential for it (to the EK), and a
 * later poc_evidence_collect activates it. ActivateCredential only needs the AK
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
#ifndef POC_TPM_KEYS_H
#define POC_TPM_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "tpm/tpm.h"
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

/* t's EK / AK: cached, else the persistent one fitting the template, else a transient CreatePrimary. */
int poc_tpm_ek_key(struct poc_err *e, struct poc_tpm *t, struct poc_tpm_key **out);
int poc_tpm_ak_key(struct poc_err *e, struct poc_tpm *t, struct poc_tpm_key **out);

/* p marshalled as TPM2B_PUBLIC into buf (*len in: its size; out: the length). */
int poc_tpm_pub_marshal(struct poc_err *e, const TPM2B_PUBLIC *p, uint8_t *buf, size_t *len);

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
 * then flushed), so that the challenge and poc_evidence_collect see the same key
 * and pay for it once.
 */
int poc_tpm_ak_public(struct poc_err *e, struct poc_tpm *t, uint8_t *pub, size_t *len,
		      uint8_t *name, size_t *name_len);

/* The EK's public area, marshalled TPM2B_PUBLIC (as poc_tpm_ak_public). */
int poc_tpm_ek_public(struct poc_err *e, struct poc_tpm *t, uint8_t *pub, size_t *len);

#endif
