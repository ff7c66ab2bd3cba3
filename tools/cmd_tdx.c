/* SPDX-License-Identifier: Apache-2.0 */
/* poctool tdx show: print the fields of a TDX quote (no verification: see evidence verify). */
#include "poctool.h"
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "hex.h"
#include "sgx_ext.h"
#include "tdx_quote.h"
#include "x509.h"

#define TDX_QUOTE_MAX (1u << 20) /* real quotes are ~5 KiB; configfs-tsm pads to 8000 */

static void show_hex(const char *name, const uint8_t *b, size_t n)
{
	char s[2 * 64 + 1];

	/* Every field printed here is at most 64 bytes. */
	if (n > 64)
		n = 64;
	poc_hex_encode(b, n, s);
	printf("  %-18s %s\n", name, s);
}

static void show_time(BIO *out, const char *name, const ASN1_TIME *t)
{
	BIO_printf(out, "  %-18s ", name);
	ASN1_TIME_print(out, t);
	BIO_printf(out, "\n");
}

static void show_body(const struct poc_tdx_body *b)
{
	char name[16];

	show_hex("tee_tcb_svn", b->tee_tcb_svn, 16);
	show_hex("mrseam", b->mrseam, 48);
	show_hex("mrsignerseam", b->mrsignerseam, 48);
	show_hex("seam_attributes", b->seam_attributes, 8);
	show_hex("td_attributes", b->td_attributes, 8);
	show_hex("xfam", b->xfam, 8);
	show_hex("mrtd", b->mrtd, 48);
	show_hex("mrconfigid", b->mrconfigid, 48);
	show_hex("mrowner", b->mrowner, 48);
	show_hex("mrownerconfig", b->mrownerconfig, 48);
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "rtmr%d", i);
		show_hex(name, b->rtmr[i], 48);
	}
	show_hex("reportdata", b->reportdata, 64);
	if (b->is_td15) {
		show_hex("tee_tcb_svn2", b->tee_tcb_svn2, 16);
		show_hex("mrservicetd", b->mrservicetd, 48);
	}
}

static void show_qe(const struct poc_tdx_quote *q)
{
	printf("QE report:\n");
	show_hex("cpusvn", q->qe.cpusvn, 16);
	printf("  %-18s 0x%08x\n", "miscselect", q->qe.miscselect);
	show_hex("attributes", q->qe.attributes, 16);
	show_hex("mrenclave", q->qe.mrenclave, 32);
	show_hex("mrsigner", q->qe.mrsigner, 32);
	printf("  %-18s %u\n", "isvprodid", q->qe.isvprodid);
	printf("  %-18s %u\n", "isvsvn", q->qe.isvsvn);
	show_hex("reportdata", q->qe.reportdata, 64);
	show_hex("signature", q->qe_sig, 64);
	printf("  %-18s %zu\n", "auth data size", q->qe_auth_len);
	if (q->qe_auth_len > 0)
		show_hex("auth data", q->qe_auth, q->qe_auth_len);
}

static const char *sgx_type_name(int t)
{
	return t == 0 ? "standard" : t == 1 ? "scalable" : t == 2 ? "scalable with integrity" : "?";
}

/* PCK leaf subject, validity and SGX extension; -1 when the chain cannot be read. */
static int show_pck(const struct poc_tdx_quote *q)
{
	struct poc_err e = { 0 };
	struct poc_sgx_ext x;
	STACK_OF(X509) *certs;
	X509 *leaf;
	BIO *out;
	char subj[256], issuer[256];
	int rv = -1;

	certs = poc_x509_load(&e, q->pck_pem, q->pck_pem_len);
	if (certs == NULL) {
		poc_tool_warn("PCK chain: %s", e.msg);
		return -1;
	}
	leaf = sk_X509_value(certs, 0);
	out = BIO_new_fp(stdout, BIO_NOCLOSE);
	if (out == NULL) {
		poc_tool_warn("out of memory");
		goto done;
	}
	poc_x509_subject(leaf, subj, sizeof(subj));
	printf("PCK leaf (%d certificates in the chain):\n", sk_X509_num(certs));
	printf("  %-18s %s\n", "subject", subj);
	if (sk_X509_num(certs) > 1) {
		poc_x509_subject(sk_X509_value(certs, 1), issuer, sizeof(issuer));
		printf("  %-18s %s\n", "issuer", issuer);
	}
	show_time(out, "not before", X509_get0_notBefore(leaf));
	show_time(out, "not after", X509_get0_notAfter(leaf));
	BIO_flush(out);
	if (poc_sgx_ext_from_cert(&e, leaf, &x) < 0) {
		poc_tool_warn("PCK leaf: %s", e.msg);
		goto done;
	}
	printf("SGX extension:\n");
	show_hex("fmspc", x.fmspc, 6);
	show_hex("pceid", x.pceid, 2);
	printf("  %-18s %u\n", "pcesvn", x.pcesvn);
	printf("  %-18s", "tcb components");
	for (int i = 0; i < 16; i++)
		printf(" %u", x.tcb_comp[i]);
	printf("\n");
	show_hex("cpusvn", x.cpusvn, 16);
	show_hex("ppid", x.ppid, 16);
	if (x.has_piid)
		show_hex("piid", x.piid, 16);
	else
		printf("  %-18s (none)\n", "piid");
	printf("  %-18s %d (%s)\n", "sgx type", x.sgx_type, sgx_type_name(x.sgx_type));
	rv = 0;
done:
	BIO_free(out);
	sk_X509_pop_free(certs, X509_free);
	ERR_clear_error();
	return rv;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: poctool tdx show FILE\n\n"
		   "Prints every field of a TDX quote (v4 or v5; zero padding is ignored), its QE\n"
		   "report and its PCK leaf certificate with the SGX extension. Nothing is verified.\n"
		   "FILE may be - for stdin. Exit 0, or 2 when the input is not a usable quote.\n");
}

int poc_cmd_tdx_show(int argc, char **argv)
{
	struct poc_err e = { 0 };
	struct poc_tdx_quote q;
	const char *path = NULL;
	uint8_t *buf;
	size_t len;
	int rv;

	if (poc_tool_wants_help(argc, argv)) {
		usage(stdout);
		return POC_EXIT_OK;
	}
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1] != '\0') {
			poc_tool_warn("tdx show: unknown option %s", argv[i]);
			usage(stderr);
			return POC_EXIT_USAGE;
		}
		if (path != NULL) {
			poc_tool_warn("tdx show: one FILE only");
			usage(stderr);
			return POC_EXIT_USAGE;
		}
		path = argv[i];
	}
	if (path == NULL) {
		usage(stderr);
		return POC_EXIT_USAGE;
	}
	buf = poc_tool_read_file(path, TDX_QUOTE_MAX, &len);
	if (buf == NULL)
		return POC_EXIT_USAGE;
	if (poc_tdx_quote_parse(&e, buf, len, &q) < 0) {
		poc_tool_warn("%s: not a usable TDX quote: %s (%s)", path, e.msg, poc_strerror(e.code));
		free(buf);
		return POC_EXIT_USAGE;
	}
	printf("TDX quote %s: %zu bytes used of %zu\n", path, q.total_len, len);
	printf("Header:\n");
	printf("  %-18s %u\n", "version", q.version);
	printf("  %-18s %u (ECDSA P-256)\n", "att_key_type", q.att_key_type);
	printf("  %-18s 0x%x (TDX)\n", "tee_type", q.tee_type);
	show_hex("qe_vendor_id", q.qe_vendor_id, 16);
	show_hex("user_data", q.user_data, 20);
	printf("Body (%s, type %u):\n", q.body.is_td15 ? "TD 1.5" : "TD 1.0", q.body_type);
	show_body(&q.body);
	printf("  %-18s %s\n", "debug", poc_tdx_quote_debug(&q) ? "yes (TDATTRIBUTES bit 0)" : "no");
	printf("Signature data:\n");
	show_hex("signature", q.sig, 64);
	show_hex("attestation key", q.att_key, 64);
	show_qe(&q);
	rv = show_pck(&q) < 0 ? POC_EXIT_USAGE : POC_EXIT_OK;
	free(buf);
	return rv;
}
