/* SPDX-License-Identifier: Apache-2.0 */
/* base64url without padding (RFC 7515 appendix C): JWK members, JWT segments. */
#ifndef POC_B64URL_H
#define POC_B64URL_H

#include <stddef.h>
#include <stdint.h>

#include "verr.h"

/*
 * in[n] into out[max] (*outlen bytes), through OpenSSL's EVP_DecodeBlock:
 * the URL alphabet is mapped to the standard one and the padding put back
 * first. Anything outside the URL alphabet (padding, white space, '+', '/')
 * is refused, as EVP_DecodeBlock would skip some of it. what names the input
 * in messages.
 */
int poc_b64url_decode(struct poc_err *e, const char *what, const char *in, size_t n, uint8_t *out, size_t max,
		      size_t *outlen);

#endif
