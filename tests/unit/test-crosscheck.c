/* SPDX-License-Identifier: Apache-2.0 */
/* The PCR/RTMR event cross-check on synthetic logs built here. */
#include <tss2/tss2_tpm2_types.h>

#include "log_crosscheck.h"
#include "../test.h"

struct logbuf {
	uint8_t b[8192];
	size_t n;
};

static void put32(struct logbuf *l, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		l->b[l->n++] = (uint8_t)(v >> (8 * i));
}

static void put16(struct logbuf *l, uint16_t v)
{
	l->b[l->n++] = (uint8_t)v;
	l->b[l->n++] = (uint8_t)(v >> 8);
}

/* The Spec ID header for the given banks (sha256 and/or sha384). */
static void header(struct logbuf *l, int with256, int with384)
{
	static const char sig[16] = "Spec ID Event03";
	uint32_t nalg = (uint32_t)(with256 + with384);

	l->n = 0;
	put32(l, 0);
	put32(l, POC_EV_NO_ACTION);
	memset(l->b + l->n, 0, 20);
	l->n += 20;
	put32(l, 16 + 4 + 4 + 4 + 4 * nalg + 1);
	memcpy(l->b + l->n, sig, 16);
	l->n += 16;
	put32(l, 0);              /* platform class */
	l->b[l->n++] = 0;         /* spec version minor */
	l->b[l->n++] = 2;         /* major */
	l->b[l->n++] = 0;         /* errata */
	l->b[l->n++] = 2;         /* uintn size */
	put32(l, nalg);
	if (with256) {
		put16(l, TPM2_ALG_SHA256);
		put16(l, 32);
	}
	if (with384) {
		put16(l, TPM2_ALG_SHA384);
		put16(l, 48);
	}
	l->b[l->n++] = 0; /* vendor info size */
}

/* An event whose digests are all the byte d. */
static void event(struct logbuf *l, int with256, uint32_t pcr, uint32_t type, uint8_t d)
{
	put32(l, pcr);
	put32(l, type);
	put32(l, (uint32_t)(with256 + 1));
	if (with256) {
		put16(l, TPM2_ALG_SHA256);
		memset(l->b + l->n, d, 32);
		l->n += 32;
	}
	put16(l, TPM2_ALG_SHA384);
	memset(l->b + l->n, d, 48);
	l->n += 48;
	put32(l, 1);
	l->b[l->n++] = 'x';
}

static int check(struct logbuf *tpm, struct logbuf *cc, enum poc_verr want, const char *name)
{
	struct poc_evlog a, b;
	struct poc_err e = { 0 };
	int rv;

	if (poc_evlog_parse(&e, tpm->b, tpm->n, &a) < 0 || poc_evlog_parse(&e, cc->b, cc->n, &b) < 0)
		return ok(0, "%s: logs parse: %s", name, e.msg);
	rv = poc_evlog_crosscheck(&e, &a, &b);
	poc_evlog_free(&a);
	poc_evlog_free(&b);
	return ok((rv == 0 ? POC_OK : e.code) == want, "%s (%s: %s)", name, poc_strerror(e.code), e.msg);
}

int main(void)
{
	struct logbuf t, c;

	/* A vTPM log (sha256+sha384) and a CCEL (sha384) of the same boot. */
	header(&t, 1, 1);
	event(&t, 1, 0, POC_EV_NO_ACTION, 0);                       /* SP800-155: one log only */
	event(&t, 1, 0, POC_EV_NONHOST_INFO, 1);                    /* GCE NonHostInfo: one log only */
	event(&t, 1, 0, POC_EV_S_CRTM_VERSION, 2);                  /* PCR0: MRTD has no events */
	event(&t, 1, 7, POC_EV_EFI_VARIABLE_DRIVER_CONFIG, 3);
	event(&t, 1, 1, POC_EV_EFI_VARIABLE_BOOT, 4);
	event(&t, 1, 4, POC_EV_EFI_BOOT_SERVICES_APPLICATION, 5);
	event(&t, 1, 9, POC_EV_IPL, 6);
	event(&t, 1, 14, POC_EV_IPL, 7);                            /* PCR8-15 -> RTMR2 */
	header(&c, 0, 1);
	event(&c, 0, 1, POC_EV_EFI_HANDOFF_TABLES2, 9);             /* TD HOB: CCEL only */
	event(&c, 0, 1, POC_EV_EFI_PLATFORM_FIRMWARE_BLOB2, 9);     /* CFV: CCEL only */
	event(&c, 0, 1, POC_EV_EFI_VARIABLE_DRIVER_CONFIG, 3);
	event(&c, 0, 1, POC_EV_EFI_VARIABLE_BOOT, 4);
	event(&c, 0, 2, POC_EV_EFI_BOOT_SERVICES_APPLICATION, 5);
	event(&c, 0, 3, POC_EV_IPL, 6);
	event(&c, 0, 3, POC_EV_IPL, 7);
	check(&t, &c, POC_OK, "the same boot in both logs agrees");

	/* One digest differs (the boot application). */
	c.b[c.n - 3 * (4 + 4 + 4 + 2 + 48 + 4 + 1) + 14] ^= 1;
	check(&t, &c, POC_ERR_MISMATCH, "a changed CCEL digest is a mismatch");
	c.b[c.n - 3 * (4 + 4 + 4 + 2 + 48 + 4 + 1) + 14] ^= 1;
	check(&t, &c, POC_OK, "restored");

	/* An event only the vTPM saw. */
	event(&t, 1, 8, POC_EV_IPL, 8);
	check(&t, &c, POC_ERR_MISMATCH, "an extra vTPM event is a mismatch");

	/* No SHA-384 bank in the vTPM log: nothing to compare. */
	{
		struct logbuf t2;
		struct poc_evlog a;
		struct poc_err e = { 0 };

		header(&t2, 1, 0);
		put32(&t2, 7);
		put32(&t2, POC_EV_SEPARATOR);
		put32(&t2, 1);
		put16(&t2, TPM2_ALG_SHA256);
		memset(t2.b + t2.n, 0, 32);
		t2.n += 32;
		put32(&t2, 0);
		ok(poc_evlog_parse(&e, t2.b, t2.n, &a) == 0, "sha256-only log parses: %s", e.msg);
		poc_evlog_free(&a);
		check(&t2, &c, POC_ERR_UNSUPPORTED, "a vTPM log without SHA-384 cannot be cross-checked");
	}
	return poc_test_done();
}
