/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The simulator's PKI, shaped like Intel's PCK hierarchy: P-256 keys,
 * certificates and the SGX extension of the PCK certificate (raw r||s
 * signatures are poc_tee_sim_sign_rs, over verify/'s poc_ecdsa_sign_raw).
 */
#include "sim/tdx_sim_int.h"

#include <stdio.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "sgx_ext.h"

static const uint8_t sim_fmspc[6] = { 0x00, 0x90, 0x6e, 0xd5, 0x00, 0x00 };
static const uint8_t sim_pceid[2] = { 0x00, 0x00 };

/* ---- keys and certificates ------------------------------------------------ */

EVP_PKEY *poc_sim_gen_key(struct poc_err *e, const char *what)
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
X509 *poc_sim_make_cert(struct poc_err *e, const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
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

X509_EXTENSION *poc_sim_sgx_extension(const uint8_t ppid[16], const uint8_t piid[16])
{
	ASN1_TYPE *tcb[18], *top[6], *ext;
	ASN1_OCTET_STRING *os = NULL;
	ASN1_OBJECT *obj = NULL;
	X509_EXTENSION *x = NULL;
	int i;

	for (i = 0; i < 16; i++)
		tcb[i] = t_pair(POC_SGX_EXT_OID ".2", i + 1, t_int(V_ASN1_INTEGER, poc_tee_sim_sgx_comp[i]));
	tcb[16] = t_pair(POC_SGX_EXT_OID ".2", 17, t_int(V_ASN1_INTEGER, SIM_PCESVN));
	/* CPUSVN: real PCK certificates carry the 16 component SVNs again as bytes. */
	tcb[17] = t_pair(POC_SGX_EXT_OID ".2", 18, t_octets(poc_tee_sim_sgx_comp, 16));
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
