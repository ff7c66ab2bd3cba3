/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The TDX quote simulator: a test PKI shaped like Intel's PCK hierarchy, DCAP
 * collateral shaped like Intel's PCS output, and v4 quotes with the layout of
 * verify/tdx_quote.h. Everything the verifier checks is really signed; only
 * the root is not Intel's, so a sim quote is trusted only by a policy that
 * names the sim root.
 */
#include "tdx_sim.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "hex.h"
#include "sgx_ext.h"

#define SIM_FILE_MAX (1u << 20)
#define QE_REPORT_LEN 384
#define QE_AUTH_LEN 32
#define BODY_LEN 584

/*
 * The platform's TCB. The PCK's SGX components, PCESVN and the quote's
 * TEE_TCB_SVN are exactly the one UpToDate level of the sim's TCB Info.
 * TEE_TCB_SVN[1] = 1 selects the TDX module identity "TDX_01", whose one
 * level has isvsvn TEE_TCB_SVN[0].
 */
static const uint8_t sim_sgx_comp[16] = { 3, 3, 2, 2, 4, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0 };
#define SIM_PCESVN 13
static const uint8_t sim_tee_tcb_svn[16] = { 6, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
static const uint8_t sim_fmspc[6] = { 0x00, 0x90, 0x6e, 0xd5, 0x00, 0x00 };
static const uint8_t sim_pceid[2] = { 0x00, 0x00 };
/* QE identity values, those of Intel's TD_QE apart from MRSIGNER. */
#define SIM_QE_ISVPRODID 2
#define SIM_QE_ISVSVN 4
#define SIM_QE_SVN 4
#define SIM_QE_ATTRIBUTES "11000000000000000000000000000000"
#define SIM_QE_ATTRIBUTES_MASK "FBFFFFFFFFFFFFFF0000000000000000"
static const uint8_t qe_vendor_id[16] = { 0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
					  0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07 };
#define COLLATERAL_TTL (30 * 86400)

/* ---- files --------------------------------------------------------------- */

static int path_join(struct poc_err *e, char *out, size_t outlen, const char *dir, const char *name)
{
	if ((size_t)snprintf(out, outlen, "%s/%s", dir, name) >= outlen)
		return poc_err_set(e, POC_ERR_ARG, "sim: path %s/%s too long", dir, name);
	return 0;
}

/* Creates dir/name exclusively with mode: a sim never overwrites a key. */
static int write_file(struct poc_err *e, const char *dir, const char *name, const void *buf, size_t len,
		      mode_t mode)
{
	char path[PATH_MAX];
	const uint8_t *p = buf;
	int fd, rv = -1;

	if (path_join(e, path, sizeof(path), dir, name) < 0)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return poc_err_set(e, POC_ERR_ARG, "sim: cannot create %s: %s", path, strerror(errno));
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			poc_err_set(e, POC_ERR_ARG, "sim: writing %s: %s", path, strerror(errno));
			goto done;
		}
		p += w;
		len -= (size_t)w;
	}
	rv = 0;
done:
	if (close(fd) < 0 && rv == 0)
		rv = poc_err_set(e, POC_ERR_ARG, "sim: closing %s: %s", path, strerror(errno));
	return rv;
}

static uint8_t *read_file(struct poc_err *e, const char *dir, const char *name, size_t *len)
{
	char path[PATH_MAX];
	uint8_t *buf = NULL;
	struct stat st;
	size_t n = 0;
	int fd;

	*len = 0;
	if (path_join(e, path, sizeof(path), dir, name) < 0)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		poc_err_set(e, POC_ERR_ARG, "sim: cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)SIM_FILE_MAX) {
		poc_err_set(e, POC_ERR_ARG, "sim: %s is not a regular file of at most %u bytes", path,
			    SIM_FILE_MAX);
		goto fail;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "sim: %s", path);
		goto fail;
	}
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			poc_err_set(e, POC_ERR_ARG, "sim: reading %s: %s", path, r < 0 ? strerror(errno) : "short file");
			goto fail;
		}
		n += (size_t)r;
	}
	buf[n] = 0; /* text files (PEM, JSON) are parsed as strings */
	close(fd);
	*len = n;
	return buf;
fail:
	free(buf);
	close(fd);
	return NULL;
}

/* Writes what a PEM/DER writer put in a memory BIO. */
static int write_bio(struct poc_err *e, const char *dir, const char *name, BIO *b, mode_t mode)
{
	char *p = NULL;
	long n = BIO_get_mem_data(b, &p);

	if (n <= 0)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "sim: encoding %s", name);
	return write_file(e, dir, name, p, (size_t)n, mode);
}

/* PEM of the certificates, in order, into dir/name. */
static int write_certs(struct poc_err *e, const char *dir, const char *name, X509 *const *certs, int n)
{
	BIO *b = BIO_new(BIO_s_mem());
	int rv = -1;

	if (b == NULL)
		return poc_err_ssl(e, POC_ERR_NOMEM, "sim: %s", name);
	for (int i = 0; i < n; i++)
		if (!PEM_write_bio_X509(b, certs[i])) {
			poc_err_ssl(e, POC_ERR_CRYPTO, "sim: PEM of %s", name);
			goto done;
		}
	rv = write_bio(e, dir, name, b, 0644);
done:
	BIO_free(b);
	return rv;
}

static int write_key(struct poc_err *e, const char *dir, const char *name, EVP_PKEY *k)
{
	BIO *b = BIO_new(BIO_s_mem());
	int rv = -1;

	if (b == NULL || !PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL))
		poc_err_ssl(e, POC_ERR_CRYPTO, "sim: PEM of %s", name);
	else
		rv = write_bio(e, dir, name, b, 0600);
	/* The BIO held the private key in clear: wipe before freeing. */
	if (b != NULL) {
		char *p = NULL;
		long n = BIO_get_mem_data(b, &p);

		if (n > 0)
			OPENSSL_cleanse(p, (size_t)n);
	}
	BIO_free(b);
	return rv;
}

static EVP_PKEY *read_key(struct poc_err *e, const char *dir, const char *name)
{
	EVP_PKEY *k = NULL;
	uint8_t *buf;
	size_t len;
	BIO *b;

	buf = read_file(e, dir, name, &len);
	if (buf == NULL)
		return NULL;
	b = BIO_new_mem_buf(buf, (int)len);
	if (b != NULL)
		k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	if (k == NULL)
		poc_err_ssl(e, POC_ERR_MALFORMED, "sim: %s/%s is not a PEM private key", dir, name);
	BIO_free(b);
	OPENSSL_cleanse(buf, len); /* it was a private key */
	free(buf);
	return k;
}

/* ---- keys, certificates, CRLs -------------------------------------------- */

static EVP_PKEY *gen_key(struct poc_err *e, const char *what)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");

	if (k == NULL)
		poc_err_ssl(e, POC_ERR_CRYPTO, "sim: generating the %s key", what);
	return k;
}

static X509_NAME *make_name(const char *cn)
{
	X509_NAME *n = X509_NAME_new();

	if (n == NULL ||
	    !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)"poc-pkcs11 TDX simulator",
					-1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(n, "C", MBSTRING_UTF8, (const unsigned char *)"XX", -1, -1, 0)) {
		X509_NAME_free(n);
		return NULL;
	}
	return n;
}

static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
	int ok = ext != NULL && X509_add_ext(x, ext, -1);

	X509_EXTENSION_free(ext);
	return ok;
}

/*
 * A certificate for key signed by issuer_key (issuer NULL: self-signed),
 * valid from now - 1 day for 10 years. ca: a CA with pathlen ca - 1;
 * otherwise a signing leaf. extra (may be NULL) is added as is.
 */
static X509 *make_cert(struct poc_err *e, const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
		       int ca, X509_EXTENSION *extra, time_t now)
{
	X509 *x = X509_new();
	X509_NAME *name = make_name(cn);
	BIGNUM *sn = BN_new();
	X509V3_CTX ctx;
	uint8_t serial[16];
	char bc[48];

	if (x == NULL || name == NULL || sn == NULL || RAND_bytes(serial, sizeof(serial)) != 1)
		goto fail;
	serial[0] &= 0x7f; /* a positive INTEGER of at most 16 bytes, like Intel's */
	serial[0] |= 0x01;
	snprintf(bc, sizeof(bc), ca ? "critical,CA:TRUE,pathlen:%d" : "critical,CA:FALSE", ca - 1);
	if (!X509_set_version(x, X509_VERSION_3) || BN_bin2bn(serial, sizeof(serial), sn) == NULL ||
	    BN_to_ASN1_INTEGER(sn, X509_get_serialNumber(x)) == NULL || !X509_set_subject_name(x, name) ||
	    !X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) ||
	    X509_time_adj_ex(X509_getm_notBefore(x), -1, 0, &now) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), 3652, 0, &now) == NULL || !X509_set_pubkey(x, key))
		goto fail;
	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	if (!add_ext(x, &ctx, NID_basic_constraints, bc) ||
	    !add_ext(x, &ctx, NID_key_usage,
		     ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,nonRepudiation") ||
	    !add_ext(x, &ctx, NID_subject_key_identifier, "hash") ||
	    (issuer != NULL && !add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always")) ||
	    (extra != NULL && !X509_add_ext(x, extra, -1)) || X509_sign(x, issuer_key, EVP_sha256()) <= 0)
		goto fail;
	BN_free(sn);
	X509_NAME_free(name);
	return x;
fail:
	poc_err_ssl(e, POC_ERR_CRYPTO, "sim: making the certificate \"%s\"", cn);
	BN_free(sn);
	X509_NAME_free(name);
	X509_free(x);
	return NULL;
}

/* An empty CRL by issuer, valid from now - 1 hour for 30 days, written as DER. */
static int write_crl(struct poc_err *e, const char *dir, const char *name, X509 *issuer, EVP_PKEY *key,
		     time_t now)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *from = ASN1_TIME_adj(NULL, now, 0, -3600), *to = ASN1_TIME_adj(NULL, now, 0, COLLATERAL_TTL);
	BIO *b = BIO_new(BIO_s_mem());
	int rv = -1;

	if (crl == NULL || from == NULL || to == NULL || b == NULL || !X509_CRL_set_version(crl, X509_CRL_VERSION_2) ||
	    !X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)) || !X509_CRL_set1_lastUpdate(crl, from) ||
	    !X509_CRL_set1_nextUpdate(crl, to) || X509_CRL_sign(crl, key, EVP_sha256()) <= 0 ||
	    i2d_X509_CRL_bio(b, crl) <= 0)
		poc_err_ssl(e, POC_ERR_CRYPTO, "sim: making %s", name);
	else
		rv = write_bio(e, dir, name, b, 0644);
	BIO_free(b);
	ASN1_TIME_free(from);
	ASN1_TIME_free(to);
	X509_CRL_free(crl);
	return rv;
}

/* ---- the SGX extension (1.2.840.113741.1.13.1), built with OpenSSL's ASN.1 types ---- */

/* Each builder takes ownership of its ASN1_TYPE arguments and returns NULL when any is NULL. */
static ASN1_TYPE *t_wrap(int type, void *value)
{
	ASN1_TYPE *t = value != NULL ? ASN1_TYPE_new() : NULL;

	if (t == NULL)
		return NULL;
	ASN1_TYPE_set(t, type, value);
	return t;
}

static ASN1_TYPE *t_octets(const uint8_t *p, size_t n)
{
	ASN1_OCTET_STRING *s = ASN1_OCTET_STRING_new();

	if (s != NULL && !ASN1_OCTET_STRING_set(s, p, (int)n)) {
		ASN1_OCTET_STRING_free(s);
		s = NULL;
	}
	return t_wrap(V_ASN1_OCTET_STRING, s);
}

static ASN1_TYPE *t_int(int type, long v)
{
	ASN1_INTEGER *i = type == V_ASN1_INTEGER ? ASN1_INTEGER_new() : ASN1_ENUMERATED_new();

	if (i != NULL && !(type == V_ASN1_INTEGER ? ASN1_INTEGER_set(i, v) : ASN1_ENUMERATED_set(i, v))) {
		ASN1_STRING_free(i);
		i = NULL;
	}
	return t_wrap(type, i);
}

/* SEQUENCE { items[0..n) }, freeing the items. */
static ASN1_TYPE *t_seq(ASN1_TYPE **items, int n)
{
	STACK_OF(ASN1_TYPE) *sk = sk_ASN1_TYPE_new_null();
	ASN1_STRING *s = NULL;
	unsigned char *der = NULL;
	int i, len = -1, ok = sk != NULL;

	for (i = 0; i < n; i++) {
		if (ok && items[i] != NULL && sk_ASN1_TYPE_push(sk, items[i]) > 0)
			continue;
		ok = 0;
		ASN1_TYPE_free(items[i]);
	}
	if (ok)
		len = i2d_ASN1_SEQUENCE_ANY(sk, &der);
	/* A V_ASN1_SEQUENCE value holds the whole encoding, tag and length included. */
	if (len > 0 && (s = ASN1_STRING_new()) != NULL && !ASN1_STRING_set(s, der, len)) {
		ASN1_STRING_free(s);
		s = NULL;
	}
	OPENSSL_free(der);
	sk_ASN1_TYPE_pop_free(sk, ASN1_TYPE_free);
	return t_wrap(V_ASN1_SEQUENCE, s);
}

/* SEQUENCE { OID prefix.arc, value }. */
static ASN1_TYPE *t_pair(const char *prefix, int arc, ASN1_TYPE *value)
{
	char oid[64];
	ASN1_TYPE *items[2];

	snprintf(oid, sizeof(oid), "%s.%d", prefix, arc);
	items[0] = t_wrap(V_ASN1_OBJECT, OBJ_txt2obj(oid, 1));
	items[1] = value;
	return t_seq(items, 2);
}

static X509_EXTENSION *sgx_extension(const uint8_t ppid[16], const uint8_t piid[16])
{
	ASN1_TYPE *tcb[18], *top[6], *ext;
	ASN1_OCTET_STRING *os = NULL;
	ASN1_OBJECT *obj = NULL;
	X509_EXTENSION *x = NULL;
	int i;

	for (i = 0; i < 16; i++)
		tcb[i] = t_pair(POC_SGX_EXT_OID ".2", i + 1, t_int(V_ASN1_INTEGER, sim_sgx_comp[i]));
	tcb[16] = t_pair(POC_SGX_EXT_OID ".2", 17, t_int(V_ASN1_INTEGER, SIM_PCESVN));
	/* CPUSVN: real PCK certificates carry the 16 component SVNs again as bytes. */
	tcb[17] = t_pair(POC_SGX_EXT_OID ".2", 18, t_octets(sim_sgx_comp, 16));
	top[0] = t_pair(POC_SGX_EXT_OID, 1, t_octets(ppid, 16));
	top[1] = t_pair(POC_SGX_EXT_OID, 2, t_seq(tcb, 18));
	top[2] = t_pair(POC_SGX_EXT_OID, 3, t_octets(sim_pceid, 2));
	top[3] = t_pair(POC_SGX_EXT_OID, 4, t_octets(sim_fmspc, 6));
	top[4] = t_pair(POC_SGX_EXT_OID, 5, t_int(V_ASN1_ENUMERATED, 1)); /* scalable */
	top[5] = t_pair(POC_SGX_EXT_OID, 6, t_octets(piid, 16));
	ext = t_seq(top, 6);
	if (ext == NULL)
		return NULL;
	os = ASN1_OCTET_STRING_new();
	obj = OBJ_txt2obj(POC_SGX_EXT_OID, 1);
	if (os != NULL && obj != NULL &&
	    ASN1_OCTET_STRING_set(os, ext->value.sequence->data, ext->value.sequence->length))
		x = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os);
	ASN1_OBJECT_free(obj);
	ASN1_OCTET_STRING_free(os);
	ASN1_TYPE_free(ext);
	return x;
}

/* ---- signatures ----------------------------------------------------------- */

/* ECDSA P-256 / SHA-256 over msg as raw r||s, Intel's quote and collateral format. */
static int sign_rs(struct poc_err *e, EVP_PKEY *k, const uint8_t *msg, size_t len, uint8_t rs[64], const char *what)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char der[80];
	const unsigned char *p = der;
	size_t dlen = sizeof(der);
	ECDSA_SIG *sig = NULL;
	const BIGNUM *r, *s;
	int rv = -1;

	if (md == NULL || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k) != 1 ||
	    EVP_DigestSign(md, der, &dlen, msg, len) != 1 || (sig = d2i_ECDSA_SIG(NULL, &p, (long)dlen)) == NULL) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "sim: signing the %s", what);
		goto done;
	}
	ECDSA_SIG_get0(sig, &r, &s);
	if (BN_bn2binpad(r, rs, 32) != 32 || BN_bn2binpad(s, rs + 32, 32) != 32) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "sim: %s signature", what);
		goto done;
	}
	rv = 0;
done:
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(md);
	return rv;
}

/* ---- collateral ------------------------------------------------------------ */

static void pcs_date(time_t t, char out[21])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void add_int(json_object *o, const char *k, int v)
{
	json_object_object_add(o, k, json_object_new_int(v));
}

/* {"tcb": {"isvsvn": N}, "tcbDate": ..., "tcbStatus": "UpToDate"} in an array. */
static json_object *isv_levels(int isvsvn, const char *date)
{
	json_object *a = json_object_new_array(), *l = json_object_new_object(), *t = json_object_new_object();

	add_int(t, "isvsvn", isvsvn);
	json_object_object_add(l, "tcb", t);
	add_str(l, "tcbDate", date);
	add_str(l, "tcbStatus", "UpToDate");
	json_object_array_add(a, l);
	return a;
}

static json_object *components(const uint8_t svn[16])
{
	json_object *a = json_object_new_array();

	for (int i = 0; i < 16; i++) {
		json_object *c = json_object_new_object();

		add_int(c, "svn", svn[i]);
		json_object_array_add(a, c);
	}
	return a;
}

static json_object *tcb_info_json(const char *issue, const char *next, const char *level_date)
{
	static const char zero48[] = "000000000000000000000000000000000000000000000000"
				     "000000000000000000000000000000000000000000000000";
	json_object *o = json_object_new_object(), *m = json_object_new_object(), *ids = json_object_new_array(),
		    *id = json_object_new_object(), *levels = json_object_new_array(),
		    *l = json_object_new_object(), *t = json_object_new_object();

	add_str(o, "id", "TDX");
	add_int(o, "version", 3);
	add_str(o, "issueDate", issue);
	add_str(o, "nextUpdate", next);
	add_str(o, "fmspc", POC_SIM_FMSPC_HEX);
	add_str(o, "pceId", POC_SIM_PCEID_HEX);
	add_int(o, "tcbType", 0);
	add_int(o, "tcbEvaluationDataNumber", 17);
	/* The TDX module is Intel's in real TCB Info: MRSIGNERSEAM all zeros. */
	add_str(m, "mrsigner", zero48);
	add_str(m, "attributes", "0000000000000000");
	add_str(m, "attributesMask", "FFFFFFFFFFFFFFFF");
	json_object_object_add(o, "tdxModule", m);
	add_str(id, "id", "TDX_01");
	add_str(id, "mrsigner", zero48);
	add_str(id, "attributes", "0000000000000000");
	add_str(id, "attributesMask", "FFFFFFFFFFFFFFFF");
	json_object_object_add(id, "tcbLevels", isv_levels(sim_tee_tcb_svn[0], level_date));
	json_object_array_add(ids, id);
	json_object_object_add(o, "tdxModuleIdentities", ids);
	json_object_object_add(t, "sgxtcbcomponents", components(sim_sgx_comp));
	add_int(t, "pcesvn", SIM_PCESVN);
	json_object_object_add(t, "tdxtcbcomponents", components(sim_tee_tcb_svn));
	json_object_object_add(l, "tcb", t);
	add_str(l, "tcbDate", level_date);
	add_str(l, "tcbStatus", "UpToDate");
	json_object_array_add(levels, l);
	json_object_object_add(o, "tcbLevels", levels);
	return o;
}

static json_object *qe_identity_json(const char *issue, const char *next, const char *level_date,
				     const uint8_t mrsigner[32])
{
	json_object *o = json_object_new_object();
	char h[65];

	poc_hex_encode(mrsigner, 32, h);
	add_str(o, "id", "TD_QE");
	add_int(o, "version", 2);
	add_str(o, "issueDate", issue);
	add_str(o, "nextUpdate", next);
	add_int(o, "tcbEvaluationDataNumber", 17);
	add_str(o, "miscselect", "00000000");
	add_str(o, "miscselectMask", "FFFFFFFF");
	add_str(o, "attributes", SIM_QE_ATTRIBUTES);
	add_str(o, "attributesMask", SIM_QE_ATTRIBUTES_MASK);
	add_str(o, "mrsigner", h);
	add_int(o, "isvprodid", SIM_QE_ISVPRODID);
	json_object_object_add(o, "tcbLevels", isv_levels(SIM_QE_ISVSVN, level_date));
	return o;
}

/* dir/name.json and dir/name_signature.bin: raw r||s over the exact bytes written. */
static int write_signed_json(struct poc_err *e, const char *dir, const char *name, json_object *o, EVP_PKEY *key)
{
	const char *s = o != NULL ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) : NULL;
	char file[64];
	uint8_t sig[64];

	if (s == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "sim: %s JSON", name);
	snprintf(file, sizeof(file), "%s.json", name);
	if (sign_rs(e, key, (const uint8_t *)s, strlen(s), sig, file) < 0 ||
	    write_file(e, dir, file, s, strlen(s), 0644) < 0)
		return -1;
	snprintf(file, sizeof(file), "%s_signature.bin", name);
	return write_file(e, dir, file, sig, sizeof(sig), 0644);
}

/* ---- sim state -------------------------------------------------------------- */

/* The QE's MRSIGNER: fixed per build, so QE Identity and QE reports agree. */
static void qe_mrsigner(uint8_t out[32])
{
	static const char label[] = "poc-pkcs11 TDX simulator QE";

	EVP_Digest(label, sizeof(label) - 1, out, NULL, EVP_sha256(), NULL);
}

static int write_policy(struct poc_err *e, const char *dir, const char *root_path, const uint8_t mrtd[48],
			const uint8_t ppid[16])
{
	json_object *o = json_object_new_object(), *tee = json_object_new_object(), *a, *plat, *allow, *ent;
	char hex[97];
	const char *s;
	int rv;

	add_int(o, "version", 1);
	add_str(tee, "type", "tdx");
	a = json_object_new_array();
	json_object_array_add(a, json_object_new_string(root_path));
	json_object_object_add(tee, "roots", a);
	a = json_object_new_array();
	json_object_array_add(a, json_object_new_string("UpToDate"));
	json_object_object_add(tee, "tcb_status", a);
	poc_hex_encode(mrtd, 48, hex);
	a = json_object_new_array();
	json_object_array_add(a, json_object_new_string(hex));
	json_object_object_add(tee, "mrtd", a);
	json_object_object_add(o, "tee", tee);
	plat = json_object_new_object();
	allow = json_object_new_array();
	ent = json_object_new_object();
	poc_hex_encode(ppid, 16, hex);
	add_str(ent, "ppid", hex);
	json_object_array_add(allow, ent);
	json_object_object_add(plat, "allow", allow);
	json_object_object_add(o, "platforms", plat);
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s == NULL)
		rv = poc_err_set(e, POC_ERR_NOMEM, "sim: policy JSON");
	else
		rv = write_file(e, dir, "policy-fragment.json", s, strlen(s), 0644);
	json_object_put(o);
	return rv;
}

/* DIR must be new, or an existing empty folder (mkdtemp's). */
static int make_dir(struct poc_err *e, const char *dir)
{
	struct dirent *d;
	DIR *dh;

	if (mkdir(dir, 0700) == 0)
		return 0;
	if (errno != EEXIST)
		return poc_err_set(e, POC_ERR_ARG, "sim: cannot create %s: %s", dir, strerror(errno));
	dh = opendir(dir);
	if (dh == NULL)
		return poc_err_set(e, POC_ERR_ARG, "sim: %s exists and is not a readable folder", dir);
	while ((d = readdir(dh)) != NULL) {
		if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0) {
			closedir(dh);
			return poc_err_set(e, POC_ERR_ARG, "sim: %s exists and is not empty", dir);
		}
	}
	closedir(dh);
	if (chmod(dir, 0700) < 0)
		return poc_err_set(e, POC_ERR_ARG, "sim: chmod %s: %s", dir, strerror(errno));
	return 0;
}

static int write_state(struct poc_err *e, const char *dir, const uint8_t mrtd[48], int debug)
{
	json_object *o = json_object_new_object();
	const char *s;
	char hex[97];
	int rv;

	poc_hex_encode(mrtd, 48, hex);
	add_str(o, "mrtd", hex);
	json_object_object_add(o, "debug", json_object_new_boolean(debug != 0));
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
	rv = s == NULL ? poc_err_set(e, POC_ERR_NOMEM, "sim: sim.json") : write_file(e, dir, "sim.json", s, strlen(s), 0644);
	json_object_put(o);
	return rv;
}

static int read_state(struct poc_err *e, const char *dir, uint8_t mrtd[48], int *debug)
{
	json_object *o, *m = NULL, *d = NULL;
	struct poc_err scratch = { 0 };
	uint8_t *buf;
	size_t len, got = 0;
	int rv = -1;

	buf = read_file(e, dir, "sim.json", &len);
	if (buf == NULL)
		return -1;
	o = json_tokener_parse((const char *)buf);
	if (o == NULL || !json_object_object_get_ex(o, "mrtd", &m) || !json_object_is_type(m, json_type_string) ||
	    !json_object_object_get_ex(o, "debug", &d) || !json_object_is_type(d, json_type_boolean) ||
	    json_object_get_string_len(m) != 96 ||
	    poc_hex_decode(&scratch, json_object_get_string(m), 96, mrtd, 48, &got) < 0 || got != 48)
		poc_err_set(e, POC_ERR_MALFORMED, "sim: %s/sim.json is not {\"mrtd\": 48 hex bytes, \"debug\": bool}", dir);
	else {
		*debug = json_object_get_boolean(d);
		rv = 0;
	}
	json_object_put(o);
	free(buf);
	return rv;
}

/* The collateral folder, named as Intel PCS collateral folders are. */
static int write_collateral(struct poc_err *e, const char *dir, X509 *root, EVP_PKEY *root_k, X509 *plat,
			    EVP_PKEY *plat_k, X509 *tcbc, EVP_PKEY *tcb_k, time_t now)
{
	X509 *chain[2] = { tcbc, root }, *crl_chain[2] = { plat, root };
	char issue[21], next[21], level[21];
	json_object *tj, *qj;
	uint8_t mrsigner[32];
	int rv = -1;

	if (mkdir(dir, 0755) < 0)
		return poc_err_set(e, POC_ERR_ARG, "sim: cannot create %s: %s", dir, strerror(errno));
	pcs_date(now - 3600, issue);
	pcs_date(now + COLLATERAL_TTL, next);
	pcs_date((now - 86400) / 86400 * 86400, level); /* a day boundary, as Intel dates levels */
	qe_mrsigner(mrsigner);
	tj = tcb_info_json(issue, next, level);
	qj = qe_identity_json(issue, next, level, mrsigner);
	if (write_signed_json(e, dir, "tcb_info", tj, tcb_k) < 0 ||
	    write_certs(e, dir, "tcb_info_issuer_chain.pem", chain, 2) < 0 ||
	    write_signed_json(e, dir, "qe_identity", qj, tcb_k) < 0 ||
	    write_certs(e, dir, "qe_identity_issuer_chain.pem", chain, 2) < 0 ||
	    write_crl(e, dir, "pck_crl.der", plat, plat_k, now) < 0 ||
	    write_crl(e, dir, "root_ca_crl.der", root, root_k, now) < 0 ||
	    write_certs(e, dir, "pck_crl_issuer_chain.pem", crl_chain, 2) < 0)
		goto done;
	rv = 0;
done:
	json_object_put(tj);
	json_object_put(qj);
	return rv;
}

int poc_sim_init(struct poc_err *e, const char *dir, const uint8_t *mrtd_in, int debug)
{
	EVP_PKEY *root_k = NULL, *plat_k = NULL, *pck_k = NULL, *tcb_k = NULL, *att_k = NULL;
	X509 *root = NULL, *plat = NULL, *pck = NULL, *tcbc = NULL;
	X509_EXTENSION *sgx = NULL;
	uint8_t ppid[16], piid[16], mrtd[48];
	char abs[PATH_MAX], sub[PATH_MAX];
	time_t now = time(NULL);
	int rv = -1;

	if (dir == NULL || *dir == '\0')
		return poc_err_set(e, POC_ERR_ARG, "sim: no folder given");
	if (make_dir(e, dir) < 0)
		return -1;
	/* The policy names the root by absolute path: it must work from any working folder. */
	if (realpath(dir, abs) == NULL)
		return poc_err_set(e, POC_ERR_ARG, "sim: %s: %s", dir, strerror(errno));
	if (RAND_bytes(ppid, 16) != 1 || RAND_bytes(piid, 16) != 1 || (mrtd_in == NULL && RAND_bytes(mrtd, 48) != 1))
		return poc_err_ssl(e, POC_ERR_CRYPTO, "sim: random identities");
	if (mrtd_in != NULL)
		memcpy(mrtd, mrtd_in, 48);
	if ((root_k = gen_key(e, "root CA")) == NULL || (plat_k = gen_key(e, "platform CA")) == NULL ||
	    (pck_k = gen_key(e, "PCK")) == NULL || (tcb_k = gen_key(e, "TCB signing")) == NULL ||
	    (att_k = gen_key(e, "QE attestation")) == NULL)
		goto done;
	sgx = sgx_extension(ppid, piid);
	if (sgx == NULL) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "sim: encoding the SGX extension");
		goto done;
	}
	/* Intel's shape: root (pathlen 1) -> platform CA (pathlen 0) -> PCK; root -> TCB signing. */
	if ((root = make_cert(e, "poc-pkcs11 Sim SGX Root CA", root_k, NULL, root_k, 2, NULL, now)) == NULL ||
	    (plat = make_cert(e, "poc-pkcs11 Sim SGX PCK Platform CA", plat_k, root, root_k, 1, NULL, now)) == NULL ||
	    (pck = make_cert(e, "poc-pkcs11 Sim SGX PCK Certificate", pck_k, plat, plat_k, 0, sgx, now)) == NULL ||
	    (tcbc = make_cert(e, "poc-pkcs11 Sim SGX TCB Signing", tcb_k, root, root_k, 0, NULL, now)) == NULL)
		goto done;
	{
		X509 *pck_chain[3] = { pck, plat, root };

		if (write_key(e, abs, "root_ca.key", root_k) < 0 || write_key(e, abs, "platform_ca.key", plat_k) < 0 ||
		    write_key(e, abs, "pck.key", pck_k) < 0 || write_key(e, abs, "tcb_signing.key", tcb_k) < 0 ||
		    write_key(e, abs, "qe_att.key", att_k) < 0 || write_certs(e, abs, "root_ca.pem", &root, 1) < 0 ||
		    write_certs(e, abs, "platform_ca.pem", &plat, 1) < 0 || write_certs(e, abs, "pck.pem", &pck, 1) < 0 ||
		    write_certs(e, abs, "pck_chain.pem", pck_chain, 3) < 0 ||
		    write_certs(e, abs, "tcb_signing.pem", &tcbc, 1) < 0 || write_state(e, abs, mrtd, debug) < 0)
			goto done;
	}
	if (path_join(e, sub, sizeof(sub), abs, "collateral") < 0 ||
	    write_collateral(e, sub, root, root_k, plat, plat_k, tcbc, tcb_k, now) < 0 ||
	    path_join(e, sub, sizeof(sub), abs, "root_ca.pem") < 0 || write_policy(e, abs, sub, mrtd, ppid) < 0)
		goto done;
	rv = 0;
done:
	X509_EXTENSION_free(sgx);
	X509_free(root);
	X509_free(plat);
	X509_free(pck);
	X509_free(tcbc);
	EVP_PKEY_free(root_k);
	EVP_PKEY_free(plat_k);
	EVP_PKEY_free(pck_k);
	EVP_PKEY_free(tcb_k);
	EVP_PKEY_free(att_k);
	return rv;
}

/* ---- quotes ------------------------------------------------------------------- */

/* A writer into a buffer sized in advance; ovf records a (never expected) overrun. */
struct wbuf {
	uint8_t *p;
	size_t n, cap;
	int ovf;
};

static void put(struct wbuf *b, const void *src, size_t n)
{
	if (b->ovf || n > b->cap - b->n) {
		b->ovf = 1;
		return;
	}
	if (src != NULL)
		memcpy(b->p + b->n, src, n);
	else
		memset(b->p + b->n, 0, n);
	b->n += n;
}

static void put16(struct wbuf *b, uint16_t v)
{
	uint8_t le[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	put(b, le, 2);
}

static void put32(struct wbuf *b, uint32_t v)
{
	uint8_t le[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	put(b, le, 4);
}

static void label_digest(const char *label, uint8_t *out, const EVP_MD *md)
{
	EVP_Digest(label, strlen(label), out, NULL, md, NULL);
}

/* The SGX REPORT of the QE (384 bytes) binding att_pub. */
static int qe_report(struct poc_err *e, const uint8_t att_pub[64], const uint8_t auth[QE_AUTH_LEN],
		     uint8_t out[QE_REPORT_LEN])
{
	struct wbuf b = { out, 0, QE_REPORT_LEN, 0 };
	uint8_t attributes[16] = { 0x11 }, mrenclave[32], mrsigner[32], rd[64] = { 0 };
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok;

	ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 && EVP_DigestUpdate(md, att_pub, 64) == 1 &&
	     EVP_DigestUpdate(md, auth, QE_AUTH_LEN) == 1 && EVP_DigestFinal_ex(md, rd, NULL) == 1;
	EVP_MD_CTX_free(md);
	if (!ok)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "sim: QE report data");
	label_digest("poc-pkcs11 TDX simulator QE enclave", mrenclave, EVP_sha256());
	qe_mrsigner(mrsigner);
	put(&b, sim_sgx_comp, 16); /* CPUSVN */
	put32(&b, 0);              /* MISCSELECT */
	put(&b, NULL, 28);
	put(&b, attributes, 16);
	put(&b, mrenclave, 32);
	put(&b, NULL, 32);
	put(&b, mrsigner, 32);
	put(&b, NULL, 96);
	put16(&b, SIM_QE_ISVPRODID);
	put16(&b, SIM_QE_ISVSVN);
	put(&b, NULL, 60);
	put(&b, rd, 64);
	if (b.ovf || b.n != QE_REPORT_LEN)
		return poc_err_set(e, POC_ERR_ARG, "sim: QE report layout");
	return 0;
}

/* The attestation key as Intel's raw x||y. */
static int raw_pub(struct poc_err *e, EVP_PKEY *k, uint8_t xy[64])
{
	uint8_t pt[65];
	size_t n = 0;

	if (!EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt, sizeof(pt), &n) || n != 65 ||
	    pt[0] != 0x04)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "sim: the QE attestation key is not an uncompressed P-256 point");
	memcpy(xy, pt + 1, 64);
	return 0;
}

int poc_sim_quote(struct poc_err *e, const char *dir, const uint8_t reportdata[64], const uint8_t rtmr[4][48],
		  uint8_t **quote, size_t *len)
{
	static const uint8_t xfam[8] = { 0xe7, 0x1a, 0x06 }; /* x87, SSE, AVX, AVX-512, PK, ... as on real TDs */
	uint8_t mrtd[48], mrseam[48], td_attributes[8] = { 0 }, att_pub[64], sig[64], qer[QE_REPORT_LEN],
		qe_sig[64], auth[QE_AUTH_LEN];
	EVP_PKEY *att = NULL, *pck = NULL;
	uint8_t *pem = NULL;
	size_t pem_len = 0, cd_len, sd_len;
	struct wbuf b = { 0 };
	int debug = 0, rv = -1;

	if (quote != NULL)
		*quote = NULL;
	if (len != NULL)
		*len = 0;
	if (dir == NULL || reportdata == NULL || quote == NULL || len == NULL)
		return poc_err_set(e, POC_ERR_ARG, "sim quote: needs a folder, report data and outputs");
	if (read_state(e, dir, mrtd, &debug) < 0 || (att = read_key(e, dir, "qe_att.key")) == NULL ||
	    (pck = read_key(e, dir, "pck.key")) == NULL || (pem = read_file(e, dir, "pck_chain.pem", &pem_len)) == NULL ||
	    raw_pub(e, att, att_pub) < 0)
		goto done;
	for (int i = 0; i < QE_AUTH_LEN; i++)
		auth[i] = (uint8_t)i; /* what Intel's QE puts there */
	if (qe_report(e, att_pub, auth, qer) < 0 || sign_rs(e, pck, qer, sizeof(qer), qe_sig, "QE report") < 0)
		goto done;
	cd_len = QE_REPORT_LEN + 64 + 2 + QE_AUTH_LEN + 2 + 4 + pem_len;
	sd_len = 64 + 64 + 2 + 4 + cd_len;
	b.cap = 48 + BODY_LEN + 4 + sd_len;
	b.p = malloc(b.cap);
	if (b.p == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "sim quote: %zu bytes", b.cap);
		goto done;
	}
	/* Header. */
	put16(&b, 4);
	put16(&b, 2);    /* ECDSA P-256 */
	put32(&b, 0x81); /* TDX */
	put16(&b, SIM_QE_SVN);
	put16(&b, SIM_PCESVN);
	put(&b, qe_vendor_id, 16);
	put(&b, NULL, 20);
	/* TD report body. */
	label_digest("poc-pkcs11 TDX simulator TDX module", mrseam, EVP_sha384());
	td_attributes[0] = debug ? 1 : 0;
	td_attributes[3] = 0x10; /* SEPT_VE_DISABLE, as guests set it */
	put(&b, sim_tee_tcb_svn, 16);
	put(&b, mrseam, 48);
	put(&b, NULL, 48); /* MRSIGNERSEAM: Intel's module, all zeros */
	put(&b, NULL, 8);  /* SEAMATTRIBUTES */
	put(&b, td_attributes, 8);
	put(&b, xfam, 8);
	put(&b, mrtd, 48);
	put(&b, NULL, 3 * 48); /* MRCONFIGID, MROWNER, MROWNERCONFIG */
	for (int i = 0; i < 4; i++)
		put(&b, rtmr != NULL ? rtmr[i] : NULL, 48);
	put(&b, reportdata, 64);
	if (b.ovf || sign_rs(e, att, b.p, b.n, sig, "quote") < 0)
		goto done;
	/* Signature data: signature, key, certification data 6 { QE report, 5 { PCK chain } }. */
	put32(&b, (uint32_t)sd_len);
	put(&b, sig, 64);
	put(&b, att_pub, 64);
	put16(&b, 6);
	put32(&b, (uint32_t)cd_len);
	put(&b, qer, sizeof(qer));
	put(&b, qe_sig, 64);
	put16(&b, QE_AUTH_LEN);
	put(&b, auth, QE_AUTH_LEN);
	put16(&b, 5);
	put32(&b, (uint32_t)pem_len);
	put(&b, pem, pem_len);
	if (b.ovf || b.n != b.cap) {
		poc_err_set(e, POC_ERR_ARG, "sim quote: layout error (%zu of %zu bytes)", b.n, b.cap);
		goto done;
	}
	*quote = b.p;
	*len = b.n;
	b.p = NULL;
	rv = 0;
done:
	free(b.p);
	free(pem);
	EVP_PKEY_free(att);
	EVP_PKEY_free(pck);
	return rv;
}

int poc_sim_info(struct poc_err *e, const char *dir, uint8_t ppid[16], uint8_t piid[16], uint8_t mrtd[48],
		 int *debug)
{
	struct poc_sgx_ext x;
	uint8_t m[48], *pem;
	X509 *pck = NULL;
	size_t len;
	BIO *b;
	int dbg = 0, rv = -1;

	if (dir == NULL)
		return poc_err_set(e, POC_ERR_ARG, "sim info: no folder");
	if (read_state(e, dir, m, &dbg) < 0 || (pem = read_file(e, dir, "pck.pem", &len)) == NULL)
		return -1;
	b = BIO_new_mem_buf(pem, (int)len);
	if (b != NULL)
		pck = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	free(pem);
	/* The PCK certificate is the one source of the platform's identity. */
	if (pck == NULL)
		poc_err_ssl(e, POC_ERR_MALFORMED, "sim: %s/pck.pem is not a PEM certificate", dir);
	else if (poc_sgx_ext_from_cert(e, pck, &x) < 0 || !x.has_piid)
		poc_err_set(e, POC_ERR_MALFORMED, "sim: %s/pck.pem: no PPID/PIID", dir);
	else
		rv = 0;
	X509_free(pck);
	if (rv < 0)
		return -1;
	if (ppid != NULL)
		memcpy(ppid, x.ppid, 16);
	if (piid != NULL)
		memcpy(piid, x.piid, 16);
	if (mrtd != NULL)
		memcpy(mrtd, m, 48);
	if (debug != NULL)
		*debug = dbg;
	return 0;
}
