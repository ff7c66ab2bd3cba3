/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the level parsers: reference-value files (reference.h) and
 * boot events (levels_boot.h) on the real cos-113 CCEL (grub's kernel_cmdline,
 * its dm-verity root hash, Secure Boot) and on edited copies.
 */
#include <stdlib.h>
#include <string.h>

#include "event_log.h"
#include "hex.h"
#include "levels_boot.h"
#include "reference.h"
#include "verr.h"
#include "../test.h"

#define SHA384 0x000c
/* The root hash in cos-113's dm-mod.create verity table. */
static const char cos_roothash[] = "2a0357a89582144472ca882632611094c66babdb6486d5d7b49597638bf52b12";

static int parse(const char *json, struct poc_refvals *r)
{
	struct poc_err e = { 0 };

	return poc_refvals_parse(&e, "test", json, strlen(json), r);
}

static void test_reference(void)
{
	struct poc_refvals r;
	uint8_t v[32];
	size_t got;
	struct poc_err e = { 0 };

	ok(parse("[\"2a0357a89582144472ca882632611094c66babdb6486d5d7b49597638bf52b12\"]", &r) == 0 && r.n == 1, "a list");
	ok(poc_hex_decode(&e, cos_roothash, 64, v, sizeof(v), &got) == 0 && poc_refvals_has(&r, v, 32), "its value matches");
	v[31] ^= 1;
	ok(!poc_refvals_has(&r, v, 32), "another value does not");
	ok(!poc_refvals_has(&r, v, 16), "nor a prefix");
	ok(parse("{\"expected_any\": [\"0x2a0357a89582144472ca882632611094\", \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"], "
		 "\"description\": \"x\"}", &r) == 0 && r.n == 2 && r.len[0] == 16 && r.len[1] == 48,
	   "expected_any with 0x and mixed lengths");
	ok(parse("{\"expected_any\": [\"00112233445566778899aabbccddeeff\"], \"extra\": 1}", &r) < 0 && r.n == 0, "unknown key refused");
	ok(parse("{\"expected_any\": [\"00\"], \"expected_any\": [\"00112233445566778899aabbccddeeff\"]}", &r) < 0,
	   "duplicate name refused");
	ok(parse("[]", &r) < 0, "empty list refused");
	ok(parse("[\"0011\"]", &r) < 0, "a 2-byte value refused");
	ok(parse("[\"zz112233445566778899aabbccddeeff\"]", &r) < 0, "bad hex refused");
	ok(parse("[1]", &r) < 0, "a number refused");
	ok(parse("{\"description\": \"x\"}", &r) < 0, "no expected_any refused");
	ok(parse("[\"00112233445566778899aabbccddeeff\"] x", &r) < 0, "trailing data refused");
	ok(parse("\"00112233445566778899aabbccddeeff\"", &r) < 0, "a bare string refused");
}

static void test_cos113(void)
{
	struct poc_err e = { 0 };
	struct poc_evlog log;
	size_t len, i, ncmd = 0, nfiles = 0;
	uint8_t *buf = poc_test_read_data("tdx/go-tdx-guest/ccel_data.dat", &len), h[64], want[32];
	char line[POC_CMDLINE_MAX];
	int sb = -1;

	if (!ok(poc_evlog_parse(&e, buf, len, &log) == 0, "cos-113 CCEL parses"))
		goto done;
	for (i = 0; i < log.nevents; i++) {
		int r = poc_boot_secure_boot(&log.ev[i]);

		sb = r >= 0 ? r : sb;
		nfiles += poc_boot_grub_file(&log.ev[i]);
		if (poc_boot_cmdline(&log.ev[i], SHA384, line, sizeof(line))) {
			ncmd++;
			is_int(i, 40, "the command line is event 40 (grub's kernel_cmdline)");
			ok(strncmp(line, "/syslinux/vmlinuz.A init=", 25) == 0, "its text follows the prefix");
			ok(poc_boot_roothash(line, h, &len) && len == 32, "it names a dm-verity root hash (dm-mod.create)");
			ok(poc_hex_decode(&e, cos_roothash, 64, want, 32, &len) == 0 && memcmp(h, want, 32) == 0,
			   "the root hash of its verity table");
		}
	}
	is_int(ncmd, 1, "one verified command line (grub_cmd events do not hash their whole data)");
	is_int(nfiles, 2, "grub measured two files (grub.cfg, the kernel)");
	is_int(sb, 0, "cos-113 booted with the SecureBoot variable off");
	/* The command line edited, its digest kept: no longer a measured command line. */
	for (i = 0; i < log.nevents; i++)
		if (log.ev[i].data_len > 40 && memcmp(log.ev[i].data, "kernel_cmdline: ", 16) == 0)
			((uint8_t *)log.ev[i].data)[30] ^= 1;
	ok(!poc_boot_cmdline(&log.ev[40], SHA384, line, sizeof(line)), "an edited command line is not one");
	poc_evlog_free(&log);
done:
	free(buf);
}

static void test_roothash(void)
{
	uint8_t h[64];
	size_t n;

	ok(poc_boot_roothash("ro roothash=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff quiet", h, &n) &&
	   n == 32 && h[0] == 0 && h[31] == 0xff, "roothash=");
	ok(!poc_boot_roothash("ro roothash=0011 quiet", h, &n), "a short roothash= is none");
	ok(!poc_boot_roothash("ro xroothash=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", h, &n),
	   "only the roothash= parameter");
	ok(!poc_boot_roothash("dm-mod.create=\"v,,,ro,0 8 verity 1 /dev/a /dev/b", h, &n), "a cut verity table is none");
	ok(!poc_boot_roothash("", h, &n), "an empty command line is none");
}

int main(void)
{
	test_reference();
	test_cos113();
	test_roothash();
	return poc_test_done();
}
