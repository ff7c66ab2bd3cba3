/* SPDX-License-Identifier: Apache-2.0 */
#ifndef POC_HEX_H
#define POC_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "verr.h"

/* Decodes hexlen hex digits (even count, either case) into out[outmax]. */
int poc_hex_decode(struct poc_err *e, const char *hex, size_t hexlen, uint8_t *out,
		   size_t outmax, size_t *outlen);
/* Writes 2*len lowercase digits and a NUL into out. */
void poc_hex_encode(const uint8_t *buf, size_t len, char *out);
/* The same into a new string (free()), or NULL when out of memory. */
char *poc_hex_dup(const uint8_t *buf, size_t len);

#endif
