/* SPDX-License-Identifier: Apache-2.0 */
/* A simulated TD boot's CCEL event log (tdx_sim_boot.h). */
#include "tdx_sim_boot.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "event_log.h"

#define ALG_SHA384 0x000c
#define MR_RTMR0 1
#define MR_RTMR1 2
#define MR_RTMR2 3
#define LOG_MAX (64u << 10)

struct wbuf {
	uint8_t *p;
	size_t n, cap;
	int fail;
};

static void put(struct wbuf *w, const void *d, size_t n)
{
	if (w->fail || n > w->cap - w->n) {
		w->fail = 1;
		return;
	}
	memcpy(w->p + w->n, d, n);
	w->n += n;
}

static void put_u32(struct wbuf *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	put(w, b, 4);
}

static void put_u64(struct wbuf *w, uint64_t v)
{
	put_u32(w, (uint32_t)v);
	put_u32(w, (uint32_t)(v >> 32));
}

/* The Spec ID Event03 header (a TCG_PCR_EVENT): SHA-384 only. */
static void spec_id(struct wbuf *w)
{
	static const uint8_t zero[20];
	static const uint8_t body[] = {
		'S', 'p', 'e', 'c', ' ', 'I', 'D', ' ', 'E', 'v', 'e', 'n', 't', '0', '3', 0,
		0, 0, 0, 0,   /* platformClass */
		0, 2, 0, 2,   /* specVersionMinor, Major, errata, uintnSize */
		1, 0, 0, 0,   /* numberOfAlgorithms */
		0x0c, 0, 48, 0, /* sha384, 48 bytes */
		0,            /* vendorInfoSize */
	};

	put_u32(w, 0);
	put_u32(w, POC_EV_NO_ACTION);
	put(w, zero, sizeof(zero));
	put_u32(w, sizeof(body));
	put(w, body, sizeof(body));
}

/* A TCG_PCR_EVENT2 with digest d (48 bytes), or SHA-384 of the data when d is NULL. */
static void event(struct wbuf *w, uint32_t mr, uint32_t type, const uint8_t *d, const void *data, size_t len)
{
	uint8_t h[48];
	unsigned int hl = 0;
	uint8_t alg[2] = { ALG_SHA384, 0 };

	if (d == NULL) {
		if (EVP_Digest(data, len, h, &hl, EVP_sha384(), NULL) != 1 || hl != sizeof(h)) {
			w->fail = 1;
			return;
		}
		d = h;
	}
	put_u32(w, mr);
	put_u32(w, type);
	put_u32(w, 1);
	put(w, alg, 2);
	put(w, d, 48);
	put_u32(w, (uint32_t)len);
	put(w, data, len);
}

/* UEFI_VARIABLE_DATA for the EFI global variable SecureBoot (one byte). */
static void secure_boot(struct wbuf *w, int on)
{
	static const uint8_t global[16] = { 0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11,
					    0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c };
	static const char name[] = "SecureBoot";
	uint8_t v[16 + 8 + 8 + 2 * 10 + 1];
	size_t i, n = 0;

	memcpy(v, global, 16);
	n = 16;
	v[n++] = 10, memset(v + n, 0, 7), n += 7;
	v[n++] = 1, memset(v + n, 0, 7), n += 7;
	for (i = 0; i < 10; i++)
		v[n++] = (uint8_t)name[i], v[n++] = 0;
	v[n++] = on ? 1 : 0;
	event(w, MR_RTMR0, POC_EV_EFI_VARIABLE_DRIVER_CONFIG, NULL, v, n);
}

/* UEFI_IMAGE_LOAD_EVENT: location, length, link-time address, a file path \EFI\BOOT\BOOTX64.EFI. */
static void uki(struct wbuf *w, const uint8_t digest[48])
{
	static const char path[] = "\\EFI\\BOOT\\BOOTX64.EFI";
	struct wbuf img;
	uint8_t buf[128];
	size_t i, plen = 4 + 2 * sizeof(path) + 4;

	img = (struct wbuf){ buf, 0, sizeof(buf), 0 };
	put_u64(&img, 0x7e000000);
	put_u64(&img, 0x01000000);
	put_u64(&img, 0);
	put_u64(&img, plen);
	buf[img.n] = 0x04, buf[img.n + 1] = 0x04; /* media device path: file path */
	buf[img.n + 2] = (uint8_t)(4 + 2 * sizeof(path)), buf[img.n + 3] = 0;
	img.n += 4;
	for (i = 0; i < sizeof(path); i++)
		buf[img.n++] = (uint8_t)path[i], buf[img.n++] = 0;
	buf[img.n++] = 0x7f, buf[img.n++] = 0xff, buf[img.n++] = 4, buf[img.n++] = 0; /* end of path */
	event(w, MR_RTMR1, POC_EV_EFI_BOOT_SERVICES_APPLICATION, digest, buf, img.n);
}

int poc_sim_boot_log(struct poc_err *e, const struct poc_sim_boot *b, uint8_t **out, size_t *len)
{
	static const uint8_t sep[4] = { 0 };
	static const char cfv[] = "Fv(48DB5E17-707C-472D-91CD-1613E7EF51B0) poc-pkcs11 sim CFV";
	static const char hob[] = "TdHob poc-pkcs11 sim";
	static const char acpi[] = "ACPI DATA poc-pkcs11 sim";
	static const char call[] = "Calling EFI Application from Boot Option";
	struct wbuf w = { malloc(LOG_MAX), 0, LOG_MAX, 0 };

	*out = NULL;
	*len = 0;
	if (w.p == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "sim boot log");
	if (b->cmdline != NULL && strlen(b->cmdline) > 4000) {
		free(w.p);
		return poc_err_set(e, POC_ERR_ARG, "sim boot: a command line of at most 4000 characters");
	}
	spec_id(&w);
	event(&w, MR_RTMR0, POC_EV_EFI_PLATFORM_FIRMWARE_BLOB2, NULL, cfv, sizeof(cfv) - 1);
	event(&w, MR_RTMR0, POC_EV_EFI_HANDOFF_TABLES2, NULL, hob, sizeof(hob) - 1);
	event(&w, MR_RTMR0, POC_EV_PLATFORM_CONFIG_FLAGS, NULL, acpi, sizeof(acpi) - 1);
	secure_boot(&w, b->secure_boot);
	event(&w, MR_RTMR0, POC_EV_SEPARATOR, NULL, sep, sizeof(sep));
	if (b->uki_digest != NULL) {
		event(&w, MR_RTMR1, POC_EV_EFI_ACTION, NULL, call, sizeof(call) - 1);
		event(&w, MR_RTMR1, POC_EV_SEPARATOR, NULL, sep, sizeof(sep));
		uki(&w, b->uki_digest);
	}
	if (b->cmdline != NULL)
		event(&w, MR_RTMR2, POC_EV_IPL, NULL, b->cmdline, strlen(b->cmdline));
	if (w.fail) {
		free(w.p);
		return poc_err_set(e, POC_ERR_NOMEM, "sim boot log");
	}
	*out = w.p;
	*len = w.n;
	return 0;
}
