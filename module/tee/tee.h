/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The TEE whose quote a check carries (DESIGN.md section 9, "tee = ..."):
 * parsed once from the configuration into a struct poc_tee (config/ embeds
 * one), then handed as is to the collector: never printed back into a string.
 *   tdx      a TD quote through configfs-tsm (tee_tsm.c)
 *   sim:DIR  a quote of the TDX simulator in DIR (tee_sim.c; its setup, the
 *            PKI and collateral, is sim/, outside the module)
 *   none     no TD quote (a TPM-only check)
 */
#ifndef POC_TEE_H
#define POC_TEE_H

#include <stddef.h>
#include <stdint.h>

#include "verr.h"

#define POC_TEE_PATH_MAX 4096 /* bytes of a path, NUL included (POC_CONFIG_VALUE_MAX) */
#define POC_TSM_REPORT_DIR "/sys/kernel/config/tsm/report"

enum poc_tee_kind {
	POC_TEE_TDX = 0,  /* configfs-tsm */
	POC_TEE_SIM = 1,  /* sim:/path: the simulated platform in sim_path */
	POC_TEE_NONE = 2,
};

struct poc_tee {
	enum poc_tee_kind kind;
	char sim_path[POC_TEE_PATH_MAX];   /* tee = sim:PATH; "" otherwise */
	char collateral[POC_TEE_PATH_MAX]; /* DCAP collateral folder (config key "collateral") */
};

/*
 * The install's folders: configure's --localstatedir (Makefile.am passes it as
 * -DPOC_LOCALSTATEDIR); /var when a build outside automake does not.
 */
#ifndef POC_LOCALSTATEDIR
#define POC_LOCALSTATEDIR "/var"
#endif
#define POC_COLLATERAL_DEFAULT POC_LOCALSTATEDIR "/cache/poc-pkcs11"

/* tdx, collateral the documented default (POC_COLLATERAL_DEFAULT: LOCALSTATEDIR/cache/poc-pkcs11). */
void poc_tee_defaults(struct poc_tee *t);

/*
 * A tee setting, "tdx", "none" or "sim:PATH" (PATH not empty, shorter than
 * POC_TEE_PATH_MAX), into t's kind and sim_path (collateral untouched).
 * POC_ERR_ARG naming the value otherwise; t unchanged then.
 */
int poc_tee_parse(struct poc_err *e, const char *value, struct poc_tee *t);

/* Stable names for logs and tests: "tdx", "sim", "none". */
const char *poc_tee_kind_str(enum poc_tee_kind k);

/*
 * A TD quote with REPORTDATA = reportdata from the TEE t names: *quote
 * malloc'ed (free()). With the simulator also its POE token when it has one
 * (*poe malloc'ed, else NULL; poe may be NULL). kind none: POC_ERR_ARG.
 */
int poc_tee_quote(struct poc_err *e, const struct poc_tee *t, const uint8_t reportdata[64], uint8_t **quote,
		  size_t *len, uint8_t **poe, size_t *poe_len);

/*
 * The DCAP collateral folder a check of t reads: DIR/collateral for sim:DIR,
 * t->collateral for tdx; 1 for none (no folder), -1 when it does not fit.
 */
int poc_tee_collateral_dir(struct poc_err *e, const struct poc_tee *t, char *out, size_t outlen);

/* A TD quote through configfs-tsm (Linux >= 6.7; tee_tsm.c): see poc_tee_quote. */
int poc_tee_tsm_quote(struct poc_err *e, const uint8_t reportdata[64], uint8_t **quote, size_t *len);

#endif
