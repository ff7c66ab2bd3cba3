/* SPDX-License-Identifier: Apache-2.0 */
#include "hex.h"

#include <stdlib.h>

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int poc_hex_decode(struct poc_err *e, const char *hex, size_t hexlen, uint8_t *out,
		   size_t outmax, size_t *outlen)
{
	size_t i;

	if (hexlen % 2 != 0)
		return poc_err_set(e, POC_ERR_MALFORMED, "hex string has an odd length (%zu)", hexlen);
	if (hexlen / 2 > outmax)
		return poc_err_set(e, POC_ERR_MALFORMED, "hex string too long (%zu bytes, at most %zu)",
				   hexlen / 2, outmax);
	for (i = 0; i < hexlen / 2; i++) {
		int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return poc_err_set(e, POC_ERR_MALFORMED, "not a hex digit at offset %zu",
					   hi < 0 ? 2 * i : 2 * i + 1);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*outlen = hexlen / 2;
	return 0;
}

void poc_hex_encode(const uint8_t *buf, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[buf[i] >> 4];
		out[2 * i + 1] = digits[buf[i] & 15];
	}
	out[2 * len] = '\0';
}

char *poc_hex_dup(const uint8_t *buf, size_t len)
{
	char *s = malloc(2 * len + 1);

	if (s != NULL)
		poc_hex_encode(buf, len, s);
	return s;
}
