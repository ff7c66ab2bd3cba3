/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the level parsers: reference-value files (reference.h) and
 * boot events (levels_boot.h) on the real cos-113 CCEL (grub's kernel_cmdline,
 * its dm-verity root hash, Secure Boot) and on edited copies.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "event_log.h"
#include "hex.h"
#include "ima_log.h"
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

/* One ima-ng entry into p: PCR 10, a SHA-1 template digest (zeros: a violation), d-ng sha256:digest, n-ng path. */
static size_t ima_entry(uint8_t *p, int violation, const uint8_t fd[32], const char *path, uint8_t tdata_out[128],
			size_t *tlen)
{
	size_t n = 0, t = 0, pl = strlen(path) + 1;
	uint32_t v;

#define U32(buf, off, x) (v = (uint32_t)(x), memcpy((buf) + (off), &v, 4), (off) += 4)
	U32(tdata_out, t, 8 + 32);
	memcpy(tdata_out + t, "sha256:\0", 8), t += 8;
	memcpy(tdata_out + t, fd, 32), t += 32;
	U32(tdata_out, t, pl);
	memcpy(tdata_out + t, path, pl), t += pl;
	U32(p, n, 10);
	memset(p + n, violation ? 0 : 0x5a, 20), n += 20;
	U32(p, n, 6);
	memcpy(p + n, "ima-ng", 6), n += 6;
	U32(p, n, t);
	memcpy(p + n, tdata_out, t), n += t;
#undef U32
	*tlen = t;
	return n;
}

static void test_ima(void)
{
	uint8_t log[512], t1[128], t2[128], fd[32], want[32], in[64], pcr[64];
	size_t n = 0, l1, l2, got = 0;
	struct poc_err e = { 0 };
	struct poc_ima_log ima;
	unsigned int hl;

	memset(fd, 0x11, sizeof(fd));
	n += ima_entry(log + n, 0, fd, "/usr/bin/bash", t1, &l1);
	n += ima_entry(log + n, 1, fd, "/tmp/x", t2, &l2);
	if (!ok(poc_ima_parse(&e, log, n, &ima) == 0 && ima.n == 2, "an ima-ng list of two entries parses"))
		return;
	ok(strcmp(ima.ev[0].path, "/usr/bin/bash") == 0 && strcmp(ima.ev[0].algo, "sha256") == 0 &&
	   ima.ev[0].digest_len == 32 && memcmp(ima.ev[0].digest, fd, 32) == 0 && !ima.ev[0].violation, "its first entry's fields");
	ok(ima.ev[1].violation, "a zero template digest is a violation");
	/* PCR 10 = H(H(0 || H(tdata1)) || ff..ff), by hand with EVP. */
	memset(in, 0, 32);
	EVP_Digest(t1, l1, in + 32, &hl, EVP_sha256(), NULL);
	EVP_Digest(in, 64, want, &hl, EVP_sha256(), NULL);
	memcpy(in, want, 32);
	memset(in + 32, 0xff, 32);
	EVP_Digest(in, 64, want, &hl, EVP_sha256(), NULL);
	ok(poc_ima_replay(&e, &ima, 0x000b, pcr, &got) == 0 && got == 32 && memcmp(pcr, want, 32) == 0,
	   "the sha256 replay extends H(template data), and all ones for a violation");
	poc_ima_free(&ima);
	ok(poc_ima_parse(&e, log, n - 1, &ima) < 0, "a truncated list is refused");
	memcpy(log + 28, "ima-xx", 6);
	ok(poc_ima_parse(&e, log, n, &ima) < 0, "another template is refused");
}

int main(void)
{
	test_ima();
	test_reference();
	test_cos113();
	test_roothash();
	return poc_test_done();
}
