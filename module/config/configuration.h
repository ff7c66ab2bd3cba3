/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one configuration file the module and poctool read (DESIGN.md section 9):
 * `key = value` lines and `#` comments. Parsing is a pure function over bytes;
 * poc_config_load only finds and reads the file.
 */
#ifndef POC_CONFIG_H
#define POC_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "tee/tee.h"
#include "verr.h"

/* configure's --sysconfdir (Makefile.am passes -DPOC_SYSCONFDIR); /etc outside automake. */
#ifndef POC_SYSCONFDIR
#define POC_SYSCONFDIR "/etc"
#endif
#define POC_CONFIG_DIR POC_SYSCONFDIR "/poc-pkcs11"
#define POC_CONFIG_DEFAULT_PATH POC_CONFIG_DIR "/poc-pkcs11.conf"
#define POC_POLICY_DEFAULT POC_CONFIG_DIR "/policy.json"
#define POC_STORE_DEFAULT POC_LOCALSTATEDIR "/lib/poc-pkcs11" /* tee/tee.h */
#define POC_CONFIG_ENV "POC_PKCS11_CONF"
#define POC_CONFIG_VALUE_MAX 4096 /* bytes of one value, NUL included */
#define POC_CONFIG_FILE_MAX (64u * 1024)

enum poc_config_log {
	POC_LOG_STDERR = 0,
	POC_LOG_SYSLOG = 1,
	POC_LOG_FILE = 2, /* log_path */
};

enum poc_config_level {
	POC_LOG_ERROR = 0,
	POC_LOG_WARN = 1,
	POC_LOG_INFO = 2,
	POC_LOG_DEBUG = 3,
};

struct poc_config {
	char store[POC_CONFIG_VALUE_MAX];      /* tokens live in store/<token label>/ */
	char tcti[POC_CONFIG_VALUE_MAX];       /* a tpm2-tss TCTI configuration string */
	struct poc_tee tee;                    /* tee = ... and collateral = ... (tee/tee.h) */
	char policy[POC_CONFIG_VALUE_MAX];     /* default policy for new tokens */
	int release_first_use;                 /* release = first-use (0: login) */
	uint64_t ttl;                          /* seconds a release stays valid, > 0 */
	enum poc_config_log log;
	char log_path[POC_CONFIG_VALUE_MAX];   /* log = /path; "" otherwise */
	enum poc_config_level log_level;
	uint32_t tpm_timeout_ms;               /* ms any one TPM answer may take (default 30000) */
	/* The remote verifier pocd (docs/pocd.md "The module as a client"); "" = none. */
	char verifier[POC_CONFIG_VALUE_MAX];         /* https://host:port (http:// only with verifier_insecure_http) */
	char verifier_key[POC_CONFIG_VALUE_MAX];     /* pocd's signing public key (PEM): the answers' pinned key */
	char verifier_tls_pin[POC_CONFIG_VALUE_MAX]; /* sha256//BASE64 of pocd's TLS key (CURLOPT_PINNEDPUBLICKEY) */
	char verifier_cafile[POC_CONFIG_VALUE_MAX];  /* the CA that issued pocd's TLS certificate ("" = system's) */
	uint32_t verifier_timeout_ms;                /* one whole HTTP exchange (default 10000) */
	int verifier_insecure_http;                  /* yes: http:// to a loopback address only (tests) */
	uint32_t pin_tries;                    /* wrong PINs before the TPM locks a new token's PIN (0: default 10) */
};

/* Fills out with the documented defaults. */
void poc_config_defaults(struct poc_config *out);

/*
 * Parses configuration text over the defaults. A '#' starts a comment at the
 * start of a line or after whitespace ("a#b" stays a value). Unknown keys,
 * duplicate keys, lines without '=', empty or bad values fail with an error
 * naming the line and the key. out is fully written on success and holds the
 * defaults on failure.
 */
int poc_config_parse(struct poc_err *e, const char *text, size_t len, struct poc_config *out);

/*
 * Reads $POC_PKCS11_CONF (when set and not empty) or POC_CONFIG_DEFAULT_PATH
 * (SYSCONFDIR/poc-pkcs11/poc-pkcs11.conf). A missing default file means the
 * defaults; a missing file named by the variable is an error.
 */
int poc_config_load(struct poc_err *e, struct poc_config *out);

/* Stable names for logs and tests: "stderr", "warn", ... (the tee's: poc_tee_kind_str). */
const char *poc_config_log_str(enum poc_config_log l);
const char *poc_config_level_str(enum poc_config_level l);

#endif
