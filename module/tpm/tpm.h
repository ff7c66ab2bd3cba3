/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TPM access through tpm2-tss ESYS: the context lifecycle (a TCTI named by a
 * string, as in the configuration's "tcti" line), the storage root key, and
 * the one mapping from TSS2_RC to a poc_err (STYLE.md habit 8).
 *
 * No resource manager is assumed (swtpm, or /dev/tpm0): every function here
 * and in tpm_seal.c / tpm_quote.c flushes every transient object and
 * session it creates, on every path; the SRK and HMAC session a check keeps
 * (poc_tpm_cache_keep) are flushed by poc_tpm_close and before the evidence
 * round (poc_tpm_cache_flush).
 *
 * Logging: ESYS logs to stderr by default. A library must not change the
 * process environment, so callers that want silence (poctool, the PKCS#11
 * module at C_Initialize, the tests) set TSS2_LOG=all+NONE themselves, before
 * the first poc_tpm_open, when it is not already set.
 */
#ifndef POC_TPM_H
#define POC_TPM_H

#include <stdint.h>

#include <tss2/tss2_esys.h>

#include "verr.h"

/*
 * An endorsement-hierarchy key of tpm_keys.c (the EK or the AK), made or
 * found at most once per struct poc_tpm: a check asks for each several times
 * (the challenge, then the collection), and deriving an RSA-2048 primary
 * costs tens of milliseconds (hundreds on some vTPMs).
 */
struct poc_tpm_key {
	ESYS_TR h;        /* ESYS_TR_NONE: not made or found yet */
	int transient;    /* 1: made by CreatePrimary here, flushed by poc_tpm_close or
			     poc_tpm_keys_flush; 0: a persistent object, never evicted */
	TPM2B_PUBLIC pub; /* its public area, as the TPM reported it */
};

/*
 * A token's PIN counter: an NV index of type TPM_NT_PIN_FAIL (tpm_pin.h).
 * handle 0: none.
 */
struct poc_pin_nv {
	uint32_t handle;
	uint8_t name[2 + 64]; /* its name (nameAlg || H(TPMS_NV_PUBLIC), TPMA_NV_WRITTEN set) */
	size_t name_len;
	/* Which authPolicy it has (tpm_pin.h): a user PIN index names its SO's index; an SO index is_so. */
	uint8_t so_name[2 + 64];
	size_t so_name_len;
	int is_so;
	int so_change; /* an SO index made with the NV_ChangeAuth branch (tpm_pin.c nv_kind): read only */
};

/* A signed-PCR-policy token's context (module/token/token_authz.h), opaque here. */
struct poc_token_authz;

struct poc_tpm {
	ESYS_CONTEXT *esys;
	TSS2_TCTI_CONTEXT *tcti;
	struct poc_tpm_key ek, ak;
	uint8_t srk_pin[2 + 64]; /* the SRK's expected name (poc_tpm_pin_srk); srk_pin_len 0: not pinned */
	size_t srk_pin_len;
	struct poc_pin_nv pin_nv; /* the PIN counter that PIN seals and unseals go through (poc_tpm_pin_nv_use) */
	const struct poc_token_authz *authz; /* set by the token layer: its seals use PolicyAuthorize; NULL: PolicyPCR */
	/*
	 * Made once per struct poc_tpm, flushed by poc_tpm_close (poc_tpm_flush of
	 * either only forgets the caller's copy): the SRK (poc_tpm_srk; a
	 * CreatePrimary costs milliseconds, and a check needs it for the PIN and
	 * every unseal) and the HMAC session salted with it that carries PIN
	 * authorizations (poc_tpm_hmac_session: each StartAuthSession costs an
	 * ECDH, a KDF and fresh OpenSSL contexts in tpm2-tss 3.2). ESYS_TR_NONE:
	 * none yet. Only while keep is set (poc_tpm_cache_keep: one check, from
	 * its PIN to its last unseal): a process killed in between leaves them
	 * loaded on a TPM without a resource manager, so every other use of the
	 * TPM makes and flushes its own. Never kept beyond the process.
	 */
	ESYS_TR srk, hmac_sess;
	ESYS_TR unseal_sess; /* tpm_seal.c: the salted policy session of unseals (the TPM resets it after each) */
	int keep;
};

/*
 * Opens the TPM: tcti is any tpm2-tss TCTI configuration string such as
 * "swtpm:host=127.0.0.1,port=2321" or "device:/dev/tpmrm0"; NULL or "" picks
 * the TCTI loader's default. *out: poc_tpm_close() it.
 */
int poc_tpm_open(struct poc_err *e, const char *tcti, struct poc_tpm **out);

/*
 * Every TPM answer is awaited at most this long (tpm_tcti.h), in every poc_tpm_open of the
 * process after the call: the configuration's tpm_timeout_ms, set once by whoever loaded it
 * (the module at C_Initialize, poctool). 0: the default. A command that gets no answer in time
 * fails as POC_ERR_UNREACHABLE, "did not answer within N ms" (an outage, never a denial).
 */
#define POC_TPM_TIMEOUT_DEFAULT_MS 30000u
void poc_tpm_timeout_set(uint32_t ms);
/* Flushes the transient EK and AK t holds (tpm_keys.c), never a persistent one; NULL-safe. */
void poc_tpm_close(struct poc_tpm *t);

/*
 * Flushes the transient EK and AK t holds (persistent ones stay: they take
 * no object slot). A TPM without a resource manager may have only 3 object
 * slots: poc_tpm_srk calls this before it makes the SRK, so that the SRK and
 * a sealed object always fit.
 */
int poc_tpm_keys_flush(struct poc_err *e, struct poc_tpm *t);

/*
 * The storage root key: an ECC P-256 primary in the owner hierarchy with the
 * TCG SRK template (restricted decrypt, AES-128-CFB, fixedTPM | fixedParent |
 * sensitiveDataOrigin | userWithAuth | noDA, SHA-256, zero unique): the same
 * key every time on the same TPM. A transient object: poc_tpm_flush() it
 * (while t keeps its caches, poc_tpm_cache_keep, made once and kept: the
 * flush only forgets the caller's copy).
 * Flushes t's transient EK and AK first (poc_tpm_keys_flush).
 */
int poc_tpm_srk(struct poc_err *e, struct poc_tpm *t, ESYS_TR *srk);

/*
 * An HMAC session salted with the SRK srk (from poc_tpm_srk, pinned when t
 * is), continueSession,
 * no parameter encryption: for authorizations by a secret (the PIN's
 * PolicySecret). While t keeps its caches (poc_tpm_cache_keep), one per
 * struct poc_tpm, reused, and poc_tpm_flush of it only sets the caller's copy
 * to ESYS_TR_NONE; otherwise the caller's poc_tpm_flush ends it. A command that fails with it drops
 * it (poc_tpm_cache_drop), so the next one starts a new session.
 */
int poc_tpm_hmac_session(struct poc_err *e, struct poc_tpm *t, ESYS_TR srk, ESYS_TR *sess);
/* Flushes one of t's kept handles (&t->srk, &t->hmac_sess, &t->unseal_sess) and forgets it; NONE: a no-op. */
void poc_tpm_cache_drop(struct poc_tpm *t, ESYS_TR *kept);
/*
 * Flushes t's cached SRK and sessions. tpm_keys.c calls it before the
 * first use of the EK or AK: an evidence round then has the TPM's object and
 * session slots as before the caches (a TPM without a resource manager may
 * have 3 of each, loads a persistent EK/AK into one for each command, and
 * keeps what a killed process left loaded).
 */
void poc_tpm_cache_flush(struct poc_tpm *t);
/* Keep (on) t's SRK and HMAC session from their first use on, or not (off: flushes them now). */
void poc_tpm_cache_keep(struct poc_tpm *t, int on);

/*
 * The SRK's name (nameAlg || SHA-256 of its public area), for a token to
 * remember at init. After poc_tpm_pin_srk, poc_tpm_srk refuses an SRK with
 * another name (POC_ERR_MISMATCH): sessions are salted to the SRK's public
 * key as the TPM reports it, so without a pin a party between us and the
 * TPM could answer with its own key and read the unsealed secret.
 */
int poc_tpm_srk_name(struct poc_err *e, struct poc_tpm *t, uint8_t *name, size_t *len);
/* The pin: exactly POC_TPM_SRK_NAME_LEN bytes with nameAlg SHA-256, or POC_ERR_MALFORMED (and nothing pinned). */
#define POC_TPM_SRK_NAME_LEN 34
int poc_tpm_pin_srk(struct poc_err *e, struct poc_tpm *t, const uint8_t *name, size_t len);

/*
 * Flushes a transient object or session and sets *h to ESYS_TR_NONE; a no-op
 * for ESYS_TR_NONE and for t's own SRK and HMAC session (tpm.h struct
 * poc_tpm: poc_tpm_close flushes those). Records an error (first error wins)
 * when the TPM refuses.
 */
int poc_tpm_flush(struct poc_err *e, struct poc_tpm *t, ESYS_TR *h);

/*
 * The one TSS2_RC -> poc_err map (docs/module.md "Errors"). Every ESYS and
 * TCTI call of module/tpm goes through it (poc_tpm_rc_err); a call site only
 * refines a code it can explain better (tpm_seal.c: TPM_RC_POLICY_FAIL at
 * Unseal means a changed PCR; tpm_pin.c: TPM_RC_AUTH_UNAVAILABLE on the PIN
 * counter means a locked PIN).
 *   TPM_RC_AUTH_FAIL, TPM_RC_BAD_AUTH                 -> POC_ERR_AUTH
 *   TPM_RC_LOCKOUT                                    -> POC_ERR_LOCKED
 *   TPM_RC_POLICY_FAIL                                -> POC_ERR_POLICY
 *   TPM_RC_PCR_CHANGED                                -> POC_ERR_PCR
 *   TPM_RC_RETRY, _YIELDED, _TESTING, _NV_RATE, any layer's TRY_AGAIN
 *                                                     -> POC_ERR_BUSY
 *   TPM_RC_{OBJECT,SESSION}_{MEMORY,HANDLES}, _MEMORY -> POC_ERR_DEVICE_MEMORY
 *   the TCTI layer, any layer's IO_ERROR/NO_CONNECTION -> POC_ERR_UNREACHABLE
 *   a TSS layer's MEMORY                              -> POC_ERR_NOMEM
 *   other TPM errors (a handle, blob or value refused) -> POC_ERR_CRYPTO
 *   failure mode, TPM_RC_INITIALIZE, other warnings, ESYS/SYS/MU failures
 *                                                     -> POC_ERR_DEVICE
 * Busy: tpm2-tss resubmits a command the TPM answers with RETRY, YIELDED or
 * TESTING itself, POC_TPM_SUBMISSIONS submissions in all (its
 * _ESYS_MAX_SUBMISSIONS; tests/integration/errors.sh counts them): what
 * reaches this map has been retried already, and is not retried again.
 */
#define POC_TPM_SUBMISSIONS 5
enum poc_verr poc_tpm_rc_code(TSS2_RC rc);

/* Records "WHAT: <Tss2_RC_Decode(rc)> (0xRC)" with poc_tpm_rc_code(rc). Returns -1. */
int poc_tpm_rc_err(struct poc_err *e, TSS2_RC rc, const char *what);

/*
 * The PCRs (bit i = PCR i) a token is sealed to unless `poctool init --pcrs`
 * says otherwise, and that an evidence collection quotes unless told
 * otherwise (poctool attest): 0-7 (firmware, boot loader, Secure Boot) and 14
 * (shim's MOK state). One value, so that a collection covers what a token seals to.
 */
#define POC_TPM_PCR_MASK_DEFAULT 0x40ffu

/* A TPML_PCR_SELECTION of one bank with the PCRs in mask (bit i = PCR i, 0..23). */
int poc_tpm_pcr_selection(struct poc_err *e, uint16_t bank, uint32_t mask, TPML_PCR_SELECTION *sel);

/*
 * TPM2_PCR_Read of every PCR in sel (several reads when more than 8), values
 * in selection order into vals (count * digest size bytes, at most 24 * 64).
 * *update_counter: the pcrUpdateCounter of the last read (NULL: ignored).
 */
int poc_tpm_pcr_read(struct poc_err *e, struct poc_tpm *t, uint16_t bank, uint32_t mask,
		     uint8_t *vals, size_t *vals_len, uint32_t *update_counter);

#endif
