/* SPDX-License-Identifier: Apache-2.0 */
/* Inside the sealed-object format (object.h): the CBOR codec object_header.c shares with object.c. */
#ifndef POC_OBJECT_INT_H
#define POC_OBJECT_INT_H

#include <cbor.h>

#include "store/object.h"

#define POC_OBJECT_IV_LEN 12
#define POC_OBJECT_TAG_LEN 16

/* The parsed outer map: pointers into the caller's buffer (header, ciphertext). */
struct poc_object_outer {
	const uint8_t *hb, *ct;
	size_t hlen, ctlen;
	uint8_t iv[POC_OBJECT_IV_LEN];
};

/* The header map of h, or NULL (out of memory). */
cbor_item_t *poc_object_header_encode(const struct poc_object_header *h);
/* Strict: unknown or duplicate keys, wrong types and sizes are refused. h is freed by the caller. */
int poc_object_header_decode(struct poc_err *e, const uint8_t *hb, size_t hlen, struct poc_object_header *h);
/* header.templates (object_templates.c): NULL when every template is empty; decode fills h->tmpl. */
cbor_item_t *poc_object_templates_encode(const struct poc_object_header *h, int *err);
int poc_object_templates_decode(struct poc_err *e, const cbor_item_t *v, struct poc_object_header *h);
int poc_object_outer_decode(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_object_outer *o);

#endif
