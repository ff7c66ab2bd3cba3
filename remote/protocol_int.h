/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by remote/'s decoders; not part of its interface. */
#ifndef POC_PROTOCOL_INT_H
#define POC_PROTOCOL_INT_H

#include <stddef.h>
#include <stdint.h>

#include <cbor.h>

#include "verr.h"

/*
 * buf (at most max bytes) as one CBOR map of the keys names[0..n-1] (sorted), each once and
 * each present unless its bit in optional is set: vals[j] its values (NULL: absent), *root the item to cbor_decref. what names the input. 0 or -1.
 */
int poc_remote_load_map(struct poc_err *e, const uint8_t *buf, size_t len, size_t max, const char *what,
			const char *const *names, size_t n, unsigned optional, cbor_item_t **vals, cbor_item_t **root);

#endif
