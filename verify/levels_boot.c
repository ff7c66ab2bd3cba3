/* SPDX-License-Identifier: Apache-2.0 */
/* Boot events for the attestation levels (levels_boot.h). */
#include "levels_boot.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "bytes.h"
#include "digest.h"
#include "pcrs.h"

static const char grub_prefix[] = "kernel_cmdline: ";

int poc_boot_secure_boot(const struct poc_evlog_event *ev)
{
	static const uint8_t name[] = { 'S', 0, 'e', 0, 'c', 0, 'u', 0, 'r', 0, 'e', 0, 'B', 0, 'o', 0, 'o', 0, 't', 0 };
	/* EFI_GLOBAL_VARIABLE 8be4df61-93ca-11d2-aa0d-00e098032b8c: another vendor's "SecureBoot" says nothing. */
	static const uint8_t global[16] = { 0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11,
					    0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c };
	struct poc_rd r;
	uint64_t nlen, dlen;
	const uint8_t *g, *n, *v;

	if (ev->type != POC_EV_EFI_VARIABLE_DRIVER_CONFIG)
		return -1;
	/* UEFI_VARIABLE_DATA: GUID, UnicodeNameLength, VariableDataLength, name (UTF-16), data. */
	poc_rd_init(&r, ev->data, ev->data_len);
	if (poc_rd_bytes(&r, 16, &g) < 0 || memcmp(g, global, 16) != 0 || poc_rd_u64le(&r, &nlen) < 0 || poc_rd_u64le(&r, &dlen) < 0 ||
	    nlen != sizeof(name) / 2 || poc_rd_bytes(&r, sizeof(name), &n) < 0 || memcmp(n, name, sizeof(name)) != 0)
		return -1;
	if (dlen != 1 || poc_rd_bytes(&r, 1, &v) < 0)
		return 0; /* a SecureBoot variable that does not say 1 is not "on" */
	return v[0] == 1;
}

/* digest of ev for alg == H(p, n)? */
static int digest_is(const struct poc_evlog_event *ev, uint16_t alg, const uint8_t *p, size_t n)
{
	const uint8_t *d = poc_evlog_event_digest(ev, alg);
	const EVP_MD *md = poc_tpm_alg_md(alg);
	const struct poc_piece pc = { p, n };
	uint8_t h[EVP_MAX_MD_SIZE];
	size_t dl = poc_tpm_alg_digest_len(alg), hl = 0;

	if (d == NULL || md == NULL || dl == 0 || poc_digest(md, &pc, 1, h, &hl) < 0 || hl != dl)
		return 0;
	return CRYPTO_memcmp(d, h, dl) == 0;
}

/* Printable ASCII of p[0..n) into out; 0 if any byte is not. */
static int ascii(const uint8_t *p, size_t n, char *out, size_t outlen)
{
	if (n == 0 || n >= outlen)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < 0x20 || p[i] > 0x7e)
			return 0;
		out[i] = (char)p[i];
	}
	out[n] = '\0';
	return 1;
}

/* UTF-16LE of ASCII characters (an optional final NUL) into out; 0 otherwise. */
static int utf16_ascii(const uint8_t *p, size_t n, char *out, size_t outlen)
{
	size_t k;

	if (n < 2 || n % 2)
		return 0;
	if (p[n - 2] == 0 && p[n - 1] == 0)
		n -= 2;
	if (n / 2 == 0 || n / 2 >= outlen)
		return 0;
	for (k = 0; k < n / 2; k++) {
		if (p[2 * k + 1] != 0 || p[2 * k] < 0x20 || p[2 * k] > 0x7e)
			return 0;
		out[k] = (char)p[2 * k];
	}
	out[k] = '\0';
	return 1;
}

int poc_boot_cmdline(const struct poc_evlog_event *ev, uint16_t alg, char *out, size_t outlen)
{
	const size_t pl = sizeof(grub_prefix) - 1;
	size_t n = ev->data_len;

	if (outlen == 0 || (ev->type != POC_EV_IPL && ev->type != POC_EV_EVENT_TAG))
		return 0;
	out[0] = '\0';
	while (n > 0 && ev->data[n - 1] == 0 && ev->type == POC_EV_IPL && n > pl && memcmp(ev->data, grub_prefix, pl) == 0)
		n--;
	if (ev->type == POC_EV_IPL && n > pl && memcmp(ev->data, grub_prefix, pl) == 0)
		return ascii(ev->data + pl, n - pl, out, outlen) && digest_is(ev, alg, ev->data + pl, n - pl);
	/* The data is the command line: it must hash to the digest, so the text is what was measured. */
	if (!digest_is(ev, alg, ev->data, ev->data_len))
		return 0;
	n = ev->data_len;
	if (utf16_ascii(ev->data, n, out, outlen))
		return 1;
	while (n > 0 && ev->data[n - 1] == 0)
		n--;
	return ascii(ev->data, n, out, outlen);
}

int poc_boot_grub_file(const struct poc_evlog_event *ev)
{
	return ev->type == POC_EV_IPL && ev->data_len >= 2 && (ev->data[0] == '/' || ev->data[0] == '(');
}
