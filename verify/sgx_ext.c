/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SGX PCK certificate extension (Intel "SGX PCK Certificate and CRL
 * Profile"), decoded with OpenSSL's generic ASN.1 types so that no DER is
 * parsed by hand here.
 */
#include "sgx_ext.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

/* Sub-OIDs under 1.2.840.113741.1.13.1 that we read. */
enum {
	SGX_PPID = 1,
	SGX_TCB = 2,
	SGX_PCEID = 3,
	SGX_FMSPC = 4,
	SGX_TYPE = 5,
	SGX_PIID = 6,
	TCB_PCESVN = 17,
	TCB_CPUSVN = 18,
};

/* Decodes exactly der[len] as a SEQUENCE of anything; NULL on any error. */
static STACK_OF(ASN1_TYPE) *seq_decode(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	STACK_OF(ASN1_TYPE) *s;

	if (len == 0 || len > 65536)
		return NULL;
	s = d2i_ASN1_SEQUENCE_ANY(NULL, &p, (long)len);
	if (s != NULL && p != der + len) {
		sk_ASN1_TYPE_pop_free(s, ASN1_TYPE_free);
		return NULL;
	}
	return s;
}

/*
 * Splits a SEQUENCE { OID, value } element and returns the arc that follows
 * prefix (e.g. 4 for prefix.4), or -1 when the OID is not directly under prefix.
 */
static int pair_split(const ASN1_TYPE *el, const char *prefix, STACK_OF(ASN1_TYPE) **pair,
		      const ASN1_TYPE **val)
{
	char oid[128], *end;
	size_t n = strlen(prefix);
	const ASN1_TYPE *t;
	long arc;
	int olen;

	*pair = NULL;
	if (el->type != V_ASN1_SEQUENCE)
		return -2;
	*pair = seq_decode(el->value.sequence->data, (size_t)el->value.sequence->length);
	if (*pair == NULL || sk_ASN1_TYPE_num(*pair) != 2)
		return -2;
	t = sk_ASN1_TYPE_value(*pair, 0);
	if (t->type != V_ASN1_OBJECT)
		return -2;
	olen = OBJ_obj2txt(oid, sizeof(oid), t->value.object, 1);
	if (olen <= 0 || (size_t)olen >= sizeof(oid))
		return -1; /* too long to be one of ours */
	*val = sk_ASN1_TYPE_value(*pair, 1);
	if (strncmp(oid, prefix, n) != 0 || oid[n] != '.' || oid[n + 1] < '1' || oid[n + 1] > '9')
		return -1;
	arc = strtol(oid + n + 1, &end, 10);
	if (*end != '\0' || arc > 1000)
		return -1;
	return (int)arc;
}

static int get_octets(struct poc_err *e, const ASN1_TYPE *v, uint8_t *dst, size_t n,
		      const char *what)
{
	if (v->type != V_ASN1_OCTET_STRING)
		return poc_err_set(e, POC_ERR_MALFORMED, "SGX extension %s: not an OCTET STRING", what);
	if ((size_t)v->value.octet_string->length != n)
		return poc_err_set(e, POC_ERR_MALFORMED, "SGX extension %s: %d bytes (want %zu)",
				   what, v->value.octet_string->length, n);
	memcpy(dst, v->value.octet_string->data, n);
	return 0;
}

static int get_int(struct poc_err *e, const ASN1_TYPE *v, int type, int64_t max, int64_t *out,
		   const char *what)
{
	int ok;

	if (v->type != type)
		return poc_err_set(e, POC_ERR_MALFORMED, "SGX extension %s: wrong ASN.1 type %d",
				   what, v->type);
	ok = type == V_ASN1_INTEGER ? ASN1_INTEGER_get_int64(out, v->value.integer)
				    : ASN1_ENUMERATED_get_int64(out, v->value.enumerated);
	if (!ok || *out < 0 || *out > max) {
		ERR_clear_error();
		return poc_err_set(e, POC_ERR_MALFORMED, "SGX extension %s: value out of range", what);
	}
	return 0;
}

static int parse_tcb(struct poc_err *e, const ASN1_TYPE *v, struct poc_sgx_ext *out)
{
	STACK_OF(ASN1_TYPE) *seq = NULL, *pair = NULL;
	const ASN1_TYPE *val = NULL;
	uint32_t seen = 0;
	char what[32];
	int64_t n;
	int i, arc, rv = -1;

	if (v->type != V_ASN1_SEQUENCE ||
	    (seq = seq_decode(v->value.sequence->data, (size_t)v->value.sequence->length)) == NULL)
		return poc_err_set(e, POC_ERR_MALFORMED, "SGX extension TCB: not a SEQUENCE");
	for (i = 0; i < sk_ASN1_TYPE_num(seq); i++) {
		sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
		arc = pair_split(sk_ASN1_TYPE_value(seq, i), POC_SGX_EXT_OID ".2", &pair, &val);
		if (arc == -2) {
			poc_err_set(e, POC_ERR_MALFORMED, "SGX extension TCB: element %d is not { OID, value }", i);
			goto done;
		}
		if (arc < 1 || arc > TCB_CPUSVN)
			continue;
		if (seen & (1u << arc)) {
			poc_err_set(e, POC_ERR_MALFORMED, "SGX extension TCB: .2.%d repeated", arc);
			goto done;
		}
		seen |= 1u << arc;
		snprintf(what, sizeof(what), "TCB .2.%d", arc);
		if (arc == TCB_CPUSVN) {
			if (get_octets(e, val, out->cpusvn, 16, "CPUSVN") < 0)
				goto done;
		} else if (arc == TCB_PCESVN) {
			if (get_int(e, val, V_ASN1_INTEGER, 65535, &n, "PCESVN") < 0)
				goto done;
			out->pcesvn = (uint16_t)n;
		} else {
			if (get_int(e, val, V_ASN1_INTEGER, 255, &n, what) < 0)
				goto done;
			out->tcb_comp[arc - 1] = (uint8_t)n;
		}
	}
	if (seen != 0x7fffeu) { /* arcs 1..18 */
		poc_err_set(e, POC_ERR_MALFORMED, "SGX extension TCB: components missing (have 0x%x)",
			    seen);
		goto done;
	}
	rv = 0;
done:
	sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
	sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
	return rv;
}

int poc_sgx_ext_parse(struct poc_err *e, const uint8_t *der, size_t len, struct poc_sgx_ext *out)
{
	STACK_OF(ASN1_TYPE) *seq = NULL, *pair = NULL;
	const ASN1_TYPE *val = NULL;
	uint32_t seen = 0;
	int64_t n;
	int i, arc, rv = -1;

	if (der == NULL || out == NULL)
		return poc_err_set(e, POC_ERR_ARG, "SGX extension: no input");
	memset(out, 0, sizeof(*out));
	seq = seq_decode(der, len);
	if (seq == NULL) {
		ERR_clear_error();
		return poc_err_set(e, POC_ERR_MALFORMED, "SGX extension: not a DER SEQUENCE");
	}
	for (i = 0; i < sk_ASN1_TYPE_num(seq); i++) {
		sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
		arc = pair_split(sk_ASN1_TYPE_value(seq, i), POC_SGX_EXT_OID, &pair, &val);
		if (arc == -2) {
			poc_err_set(e, POC_ERR_MALFORMED, "SGX extension: element %d is not { OID, value }", i);
			goto done;
		}
		if (arc < SGX_PPID || arc > SGX_PIID)
			continue; /* .7 Configuration and future additions */
		if (seen & (1u << arc)) {
			poc_err_set(e, POC_ERR_MALFORMED, "SGX extension: .%d repeated", arc);
			goto done;
		}
		seen |= 1u << arc;
		switch (arc) {
		case SGX_PPID:
			if (get_octets(e, val, out->ppid, 16, "PPID") < 0)
				goto done;
			break;
		case SGX_TCB:
			if (parse_tcb(e, val, out) < 0)
				goto done;
			break;
		case SGX_PCEID:
			if (get_octets(e, val, out->pceid, 2, "PCE-ID") < 0)
				goto done;
			break;
		case SGX_FMSPC:
			if (get_octets(e, val, out->fmspc, 6, "FMSPC") < 0)
				goto done;
			break;
		case SGX_TYPE:
			if (get_int(e, val, V_ASN1_ENUMERATED, 2, &n, "SGX type") < 0)
				goto done;
			out->sgx_type = (int)n;
			break;
		case SGX_PIID:
			if (get_octets(e, val, out->piid, 16, "PIID") < 0)
				goto done;
			out->has_piid = 1;
			break;
		default:
			break;
		}
	}
	for (arc = SGX_PPID; arc <= SGX_TYPE; arc++) {
		if (!(seen & (1u << arc))) {
			poc_err_set(e, POC_ERR_MALFORMED, "SGX extension: .%d (%s) missing", arc,
				    arc == SGX_PPID ? "PPID" : arc == SGX_TCB ? "TCB" :
				    arc == SGX_PCEID ? "PCE-ID" : arc == SGX_FMSPC ? "FMSPC" : "SGX type");
			goto done;
		}
	}
	rv = 0;
done:
	sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
	sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
	ERR_clear_error();
	if (rv < 0)
		memset(out, 0, sizeof(*out)); /* never hand out partial results */
	return rv;
}

int poc_sgx_ext_from_cert(struct poc_err *e, X509 *cert, struct poc_sgx_ext *out)
{
	ASN1_OBJECT *oid;
	const ASN1_OCTET_STRING *data;
	X509_EXTENSION *ext;
	int idx;

	if (cert == NULL || out == NULL)
		return poc_err_set(e, POC_ERR_ARG, "SGX extension: no certificate");
	memset(out, 0, sizeof(*out));
	oid = OBJ_txt2obj(POC_SGX_EXT_OID, 1);
	if (oid == NULL)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "SGX extension OID");
	idx = X509_get_ext_by_OBJ(cert, oid, -1);
	/* Two copies would make "the" FMSPC or PIID ambiguous. */
	if (idx >= 0 && X509_get_ext_by_OBJ(cert, oid, idx) >= 0) {
		ASN1_OBJECT_free(oid);
		return poc_err_set(e, POC_ERR_MALFORMED, "SGX extension appears twice");
	}
	ASN1_OBJECT_free(oid);
	if (idx < 0)
		return poc_err_set(e, POC_ERR_MALFORMED, "no SGX extension (%s)", POC_SGX_EXT_OID);
	ext = X509_get_ext(cert, idx);
	data = ext != NULL ? X509_EXTENSION_get_data(ext) : NULL;
	if (data == NULL)
		return poc_err_set(e, POC_ERR_MALFORMED, "SGX extension has no value");
	return poc_sgx_ext_parse(e, ASN1_STRING_get0_data(data), (size_t)ASN1_STRING_length(data), out);
}
