/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libpocverify's one error type. Every function that can fail takes a
 * struct poc_err * as its first argument, returns 0 on success and -1 on
 * failure, and leaves a code plus a message naming what failed. The first
 * specific error wins (libtls): later, vaguer failures up the stack do not
 * overwrite it.
 */
#ifndef POC_VERR_H
#define POC_VERR_H

#include <stdarg.h>
#include <stddef.h>

/* Pinned values: they appear in logs and tests; never renumber (docs/module.md "Errors" lists them). */
enum poc_verr {
	POC_OK = 0,
	POC_ERR_ARG = 1,         /* the caller passed something invalid */
	POC_ERR_NOMEM = 2,
	POC_ERR_TRUNCATED = 3,   /* input ends before a field it announces */
	POC_ERR_MALFORMED = 4,   /* a field holds a value its format forbids */
	POC_ERR_UNSUPPORTED = 5, /* well-formed, but an algorithm/version we do not handle */
	POC_ERR_SIGNATURE = 6,   /* a signature does not verify */
	POC_ERR_CHAIN = 7,       /* a certificate chain does not reach a trust anchor */
	POC_ERR_EXPIRED = 8,     /* outside a validity window at the verification time */
	POC_ERR_REVOKED = 9,     /* listed in a CRL */
	POC_ERR_NONCE = 10,      /* the evidence does not cover the expected nonce */
	POC_ERR_MISMATCH = 11,   /* two pieces of evidence disagree (digest, key, PCR) */
	POC_ERR_POLICY = 12,     /* valid evidence that the policy does not accept */
	POC_ERR_CRYPTO = 13,     /* the crypto library failed */
	POC_ERR_TCB = 14,        /* no acceptable TCB level */
	/* The module's outcomes (module/, docs/module.md "Errors"): who must act, and how. */
	POC_ERR_AUTH = 15,          /* a wrong PIN (authorization failed, counted by the TPM) */
	POC_ERR_LOCKED = 16,        /* the PIN is locked, or the TPM is in dictionary-attack lockout */
	POC_ERR_PCR = 17,           /* a PCR differs from the value an object was sealed to */
	POC_ERR_UNREACHABLE = 18,   /* the TPM or TEE cannot be reached (TCTI, device) */
	POC_ERR_BUSY = 19,          /* the TPM stayed busy (TPM_RC_RETRY/YIELDED/TESTING, TCTI try-again) */
	POC_ERR_DEVICE = 20,        /* the TPM or TEE failed (failure mode, an unexpected response, I/O) */
	POC_ERR_DEVICE_MEMORY = 21, /* the TPM is out of object/session memory */
};

#define POC_ERR_MSG_MAX 512

struct poc_err {
	enum poc_verr code;
	char msg[POC_ERR_MSG_MAX];
};

/* Records code + message unless an error is already recorded. Always returns -1. */
int poc_err_set(struct poc_err *e, enum poc_verr code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* As poc_err_set, appending OpenSSL's most recent error and clearing its queue. */
int poc_err_ssl(struct poc_err *e, enum poc_verr code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefixes context ("tpm quote sha256: ") to an already recorded message. */
void poc_err_prefix(struct poc_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void poc_err_clear(struct poc_err *e);
/* A stable name for a code, e.g. "signature" (a switch without default: -Wswitch flags a new code). */
const char *poc_strerror(enum poc_verr code);

#endif
