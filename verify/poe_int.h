/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to poe.c (structure) and poe_verify.c (signature, chain, validity). */
#ifndef POC_POE_INT_H
#define POC_POE_INT_H

#include <cbor.h>

#include "poe.h"

/* What verify needs beyond struct poc_poe: the signed bytes, owned by top. */
struct poe_raw {
	cbor_item_t *top;
	const uint8_t *prot, *payload, *sig;
	size_t prot_len, payload_len, sig_len;
};

/* poc_poe_parse that also hands back the signed bytes (raw->top to cbor_decref). */
int poc_poe_decode_raw(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_poe *out, struct poe_raw *raw);

#endif
