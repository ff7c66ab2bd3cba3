/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The TDX simulator against the real verifier: its quotes parse and verify
 * under the sim root, its collateral verifies and rates the platform
 * UpToDate, and nothing of it verifies under the real Intel root.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "collateral.h"
#include "tcb_eval.h"
#include "tdx_identity.h"
#include "tdx_quote.h"
#include "sim/tdx_sim.h"
#include "x509.h"
#include "../test.h"

static char tmp[] = "/tmp/test-tdx_sim.XXXXXX";

static uint8_t *read_in(const char *dir, const char *name, size_t *len)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return poc_test_read(path, len);
}

static STACK_OF(X509) *load_roots(const char *path)
{
	struct poc_err e = { 0 };
	STACK_OF(X509) *s;
	size_t len;
	uint8_t *buf = poc_test_read(path, &len);

	if (buf == NULL)
		return NULL;
	s = poc_x509_load(&e, buf, len);
	free(buf);
	return s;
}

/* Removes the sim folders (two levels: DIR/collateral). */
static void rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[4096];
	struct stat st;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			rm_tree(p);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static const char *names[] = {
	"tcb_info.json", "tcb_info_signature.bin", "tcb_info_issuer_chain.pem",
	"qe_identity.json", "qe_identity_signature.bin", "qe_identity_issuer_chain.pem",
	"pck_crl.der", "root_ca_crl.der", "pck_crl_issuer_chain.pem",
};

struct files {
	uint8_t *b[9];
	size_t n[9];
};

static int read_collateral(const char *dir, struct files *f, struct poc_collateral_files *cf)
{
	char cdir[2048];

	snprintf(cdir, sizeof(cdir), "%s/collateral", dir);
	for (int i = 0; i < 9; i++)
		if ((f->b[i] = read_in(cdir, names[i], &f->n[i])) == NULL)
			return -1;
	memset(cf, 0, sizeof(*cf));
	cf->tcb_info = f->b[0], cf->tcb_info_len = f->n[0];
	cf->tcb_info_sig = f->b[1], cf->tcb_info_sig_len = f->n[1];
	cf->tcb_info_chain = f->b[2], cf->tcb_info_chain_len = f->n[2];
	cf->qe_identity = f->b[3], cf->qe_identity_len = f->n[3];
	cf->qe_identity_sig = f->b[4], cf->qe_identity_sig_len = f->n[4];
	cf->qe_identity_chain = f->b[5], cf->qe_identity_chain_len = f->n[5];
	cf->pck_crl = f->b[6], cf->pck_crl_len = f->n[6];
	cf->root_ca_crl = f->b[7], cf->root_ca_crl_len = f->n[7];
	cf->pck_crl_chain = f->b[8], cf->pck_crl_chain_len = f->n[8];
	return 0;
}

static void test_main_sim(const char *dir, STACK_OF(X509) *intel)
{
	struct poc_err e = { 0 };
	uint8_t mrtd[48], rd[64], rtmr[4][48], ppid[16], piid[16], got_mrtd[48], *q = NULL;
	struct poc_collateral_files cf;
	struct poc_collateral *c = NULL;
	struct poc_tdx_verified v = { 0 };
	struct poc_tdx_quote tq;
	struct poc_tcb_result r;
	struct files f = { { 0 } };
	STACK_OF(X509) *roots;
	char path[4096];
	struct stat st;
	int64_t now = (int64_t)time(NULL);
	size_t len = 0;
	int debug = -1;

	for (int i = 0; i < 48; i++)
		mrtd[i] = (uint8_t)(0xa0 + i);
	for (int i = 0; i < 64; i++)
		rd[i] = (uint8_t)i;
	for (int k = 0; k < 4; k++)
		memset(rtmr[k], 0x10 + k, 48);

	ok(poc_sim_init(&e, dir, mrtd, 0) == 0, "sim init: %s", e.msg);
	ok(poc_sim_init(&e, dir, mrtd, 0) < 0 && e.code == POC_ERR_ARG, "sim init refuses a non-empty folder");
	poc_err_clear(&e);
	snprintf(path, sizeof(path), "%s/pck.key", dir);
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "private keys are 0600");
	ok(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700, "the sim folder is 0700");
	ok(poc_sim_info(&e, dir, ppid, piid, got_mrtd, &debug) == 0, "sim info: %s", e.msg);
	ok(memcmp(got_mrtd, mrtd, 48) == 0 && debug == 0, "sim info: the given MRTD, no debug");

	ok(poc_tee_sim_quote(&e, dir, rd, (const uint8_t (*)[48])rtmr, &q, &len) == 0, "sim quote: %s", e.msg);
	ok(q != NULL && poc_tdx_quote_parse(&e, q, len, &tq) == 0, "quote parses: %s", e.msg);
	is_int(tq.version, 4, "quote version 4");
	is_int(tq.total_len, len, "quote uses every byte");
	ok(memcmp(tq.body.reportdata, rd, 64) == 0, "REPORTDATA as given");
	ok(memcmp(tq.body.mrtd, mrtd, 48) == 0, "MRTD as given");
	ok(memcmp(tq.body.rtmr, rtmr, sizeof(rtmr)) == 0, "RTMR0-3 as given");
	ok(poc_tdx_quote_debug(&tq) == 0, "no DEBUG bit");

	snprintf(path, sizeof(path), "%s/root_ca.pem", dir);
	roots = load_roots(path);
	ok(roots != NULL, "sim root loads");
	ok(poc_tdx_quote_verify(&e, &tq, roots, now, &v) == 0, "quote verifies under the sim root: %s", e.msg);
	ok(memcmp(v.sgx.ppid, ppid, 16) == 0 && v.sgx.has_piid && memcmp(v.sgx.piid, piid, 16) == 0,
	   "PCK carries the sim's PPID and PIID");
	ok(v.sgx.sgx_type == 1 && v.sgx.fmspc[1] == 0x90 && v.sgx.fmspc[3] == 0xd5, "PCK: SGX type 1, FMSPC 00906ED50000");
	{
		struct poc_qe_identity td_qe;

		poc_qe_identity_intel(&td_qe);
		ok(poc_qe_check_identity(&e, &td_qe, &tq.qe, "Intel's TD QE") == 0 &&
			   poc_tdx_module_check_intel(&e, tq.body.mrsignerseam, tq.body.seam_attributes) == 0,
		   "the sim's QE report passes Intel's built-in TD QE and module floor: %s", e.msg);
	}
	poc_err_clear(&e);
	ok(read_collateral(dir, &f, &cf) == 0, "the 9 collateral files exist");
	ok(poc_collateral_verify(&e, &cf, roots, now, &c) == 0, "collateral verifies: %s", e.msg);
	is_str(poc_collateral_fmspc_hex(c), POC_SIM_FMSPC_HEX, "collateral FMSPC");
	ok(poc_collateral_check_pck(&e, c, v.pck_leaf, v.pck_issuer) == 0, "PCK not revoked: %s", e.msg);
	ok(poc_tcb_evaluate(&e, c, &v.sgx, tq.body.tee_tcb_svn, tq.body.mrsignerseam, tq.body.seam_attributes,
			    &tq.qe, &r) == 0, "TCB evaluation: %s", e.msg);
	is_str(poc_tcb_status_name(r.status), "UpToDate", "TCB status UpToDate");
	ok(r.tdx_module_identity_used, "TDX module identity TDX_01 applied");
	poc_collateral_free(c);
	c = NULL;
	poc_err_clear(&e);
	ok(poc_collateral_verify(&e, &cf, roots, now + 31 * 86400, &c) < 0 && e.code == POC_ERR_EXPIRED,
	   "collateral expires after 30 days: %s", e.msg);
	poc_collateral_free(c);
	c = NULL;
	poc_err_clear(&e);

	/* Tampering: a changed REPORTDATA breaks the quote signature. */
	poc_tdx_verified_free(&v);
	q[568 + 3] ^= 1;
	ok(poc_tdx_quote_parse(&e, q, len, &tq) == 0 && poc_tdx_quote_verify(&e, &tq, roots, now, &v) < 0 &&
	   e.code == POC_ERR_SIGNATURE, "a changed REPORTDATA fails the quote signature");
	q[568 + 3] ^= 1;
	poc_err_clear(&e);

	/* Trusted only when a policy names the sim root. */
	ok(intel != NULL, "real Intel root loads");
	ok(poc_tdx_quote_parse(&e, q, len, &tq) == 0 && poc_tdx_quote_verify(&e, &tq, intel, now, &v) < 0 &&
	   e.code == POC_ERR_CHAIN, "the real Intel root rejects a sim quote (chain): %s", e.msg);
	poc_err_clear(&e);
	ok(poc_collateral_verify(&e, &cf, intel, now, &c) < 0, "the real Intel root rejects sim collateral");
	poc_err_clear(&e);
	poc_collateral_free(c);
	poc_tdx_verified_free(&v);

	free(q);
	q = NULL;
	ok(poc_tee_sim_quote(&e, dir, rd, NULL, &q, &len) == 0 && poc_tdx_quote_parse(&e, q, len, &tq) == 0,
	   "sim quote without RTMRs: %s", e.msg);
	{
		static const uint8_t zero[4][48];

		ok(memcmp(tq.body.rtmr, zero, sizeof(zero)) == 0, "RTMRs default to zeros");
	}
	free(q);
	for (int i = 0; i < 9; i++)
		free(f.b[i]);
	sk_X509_pop_free(roots, X509_free);
}

static void test_debug_sim(const char *dir)
{
	struct poc_err e = { 0 };
	struct poc_tdx_verified v = { 0 };
	struct poc_tdx_quote tq;
	uint8_t rd[64] = { 1 }, m1[48], m2[48], *q = NULL;
	STACK_OF(X509) *roots;
	char path[4096];
	size_t len = 0;
	int debug = 0;

	ok(poc_sim_init(&e, dir, NULL, 1) == 0, "debug sim init: %s", e.msg);
	ok(poc_sim_info(&e, dir, NULL, NULL, m1, &debug) == 0 && debug == 1, "sim info: debug");
	ok(poc_tee_sim_quote(&e, dir, rd, NULL, &q, &len) == 0 && poc_tdx_quote_parse(&e, q, len, &tq) == 0,
	   "debug sim quote parses: %s", e.msg);
	ok(poc_tdx_quote_debug(&tq) == 1, "--debug gives the DEBUG bit");
	memset(m2, 0, sizeof(m2));
	ok(memcmp(tq.body.mrtd, m1, 48) == 0 && memcmp(m1, m2, 48) != 0, "a random MRTD by default");
	snprintf(path, sizeof(path), "%s/root_ca.pem", dir);
	roots = load_roots(path);
	ok(roots != NULL && poc_tdx_quote_verify(&e, &tq, roots, (int64_t)time(NULL), &v) == 0,
	   "debug quote verifies under its root: %s", e.msg);
	poc_tdx_verified_free(&v);
	sk_X509_pop_free(roots, X509_free);
	free(q);
}

int main(void)
{
	char d1[1024], d2[1024], bad[1024];
	struct poc_err e = { 0 };
	STACK_OF(X509) *intel = load_roots(poc_testdata("tdx/intel-sgx-root-ca.pem"));
	uint8_t rd[64] = { 0 }, *q = NULL;
	size_t len;

	if (mkdtemp(tmp) == NULL) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	snprintf(d1, sizeof(d1), "%s/sim", tmp);
	snprintf(d2, sizeof(d2), "%s/sim-debug", tmp);
	snprintf(bad, sizeof(bad), "%s/missing", tmp);
	test_main_sim(d1, intel);
	test_debug_sim(d2);
	ok(poc_tee_sim_quote(&e, bad, rd, NULL, &q, &len) < 0 && e.code == POC_ERR_ARG && q == NULL,
	   "quote from a missing sim fails: %s", e.msg);
	poc_err_clear(&e);
	ok(poc_sim_init(&e, "", NULL, 0) < 0, "init without a folder fails");
	sk_X509_pop_free(intel, X509_free);
	rm_tree(tmp);
	return poc_test_done();
}
