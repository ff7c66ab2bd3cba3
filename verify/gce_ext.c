/* SPDX-License-Identifier: Apache-2.0 */
/* GCE instance information from Google EK/AK certificates (OpenSSL ASN.1 templates). */
#include "gce_ext.h"

#include <inttypes.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/asn1t.h>
#include <openssl/err.h>
#include <openssl/objects.h>

/* [0] EXPLICIT SEQUENCE: the security block; [2]..[5] are undocumented BOOLEANs. */
typedef struct {
	ASN1_INTEGER *security_version;
	ASN1_BOOLEAN is_production;
	ASN1_BOOLEAN f2, f3, f4, f5;
} GCE_SECURITY;

ASN1_SEQUENCE(GCE_SECURITY) = {
	ASN1_EXP_OPT(GCE_SECURITY, security_version, ASN1_INTEGER, 0),
	ASN1_EXP_OPT(GCE_SECURITY, is_production, ASN1_BOOLEAN, 1),
	ASN1_EXP_OPT(GCE_SECURITY, f2, ASN1_BOOLEAN, 2),
	ASN1_EXP_OPT(GCE_SECURITY, f3, ASN1_BOOLEAN, 3),
	ASN1_EXP_OPT(GCE_SECURITY, f4, ASN1_BOOLEAN, 4),
	ASN1_EXP_OPT(GCE_SECURITY, f5, ASN1_BOOLEAN, 5),
} static_ASN1_SEQUENCE_END(GCE_SECURITY)

typedef struct {
	ASN1_UTF8STRING *zone;
	ASN1_INTEGER *project_number;
	ASN1_UTF8STRING *project_id;
	ASN1_INTEGER *instance_id;
	ASN1_UTF8STRING *instance_name;
	GCE_SECURITY *security;
} GCE_INFO;

ASN1_SEQUENCE(GCE_INFO) = {
	ASN1_SIMPLE(GCE_INFO, zone, ASN1_UTF8STRING),
	ASN1_SIMPLE(GCE_INFO, project_number, ASN1_INTEGER),
	ASN1_SIMPLE(GCE_INFO, project_id, ASN1_UTF8STRING),
	ASN1_SIMPLE(GCE_INFO, instance_id, ASN1_INTEGER),
	ASN1_SIMPLE(GCE_INFO, instance_name, ASN1_UTF8STRING),
	ASN1_EXP_OPT(GCE_INFO, security, GCE_SECURITY, 0),
} static_ASN1_SEQUENCE_END(GCE_INFO)

/* Copies a UTF8String, refusing embedded NULs (they would hide a suffix) and overlong values. */
static int copy_str(struct poc_err *e, const ASN1_UTF8STRING *s, char *out, size_t max,
		    const char *what)
{
	int n = ASN1_STRING_length(s);
	const unsigned char *d = ASN1_STRING_get0_data(s);

	if (n < 0 || (size_t)n >= max)
		return poc_err_set(e, POC_ERR_MALFORMED, "gce info: %s of %d bytes is too long", what, n);
	if (n > 0 && memchr(d, 0, (size_t)n) != NULL)
		return poc_err_set(e, POC_ERR_MALFORMED, "gce info: %s holds a NUL byte", what);
	memcpy(out, d, (size_t)n);
	out[n] = '\0';
	return 0;
}

static int get_u64(struct poc_err *e, const ASN1_INTEGER *i, uint64_t *v, const char *what)
{
	if (ASN1_INTEGER_get_uint64(v, i) != 1) {
		ERR_clear_error();
		return poc_err_set(e, POC_ERR_MALFORMED, "gce info: %s is not an unsigned 64-bit integer",
				   what);
	}
	return 0;
}

static void get_flag(ASN1_BOOLEAN b, unsigned bit, struct poc_gce_info *out)
{
	/* OpenSSL leaves an absent optional BOOLEAN at -1. */
	if (b < 0)
		return;
	out->other_flags_present |= 1u << bit;
	if (b)
		out->other_flags |= 1u << bit;
}

int poc_gce_info_get(struct poc_err *e, X509 *cert, struct poc_gce_info *out)
{
	ASN1_OBJECT *oid = NULL;
	const ASN1_OCTET_STRING *val;
	const unsigned char *p;
	GCE_INFO *gi = NULL;
	X509_EXTENSION *ext;
	int idx, rv = -1;
	long len;

	memset(out, 0, sizeof(*out));
	if (cert == NULL)
		return poc_err_set(e, POC_ERR_ARG, "gce info: no certificate");
	oid = OBJ_txt2obj(POC_GCE_OID, 1);
	if (oid == NULL)
		return poc_err_ssl(e, POC_ERR_NOMEM, "gce info: OID");
	idx = X509_get_ext_by_OBJ(cert, oid, -1);
	if (idx < 0) {
		rv = 0;
		goto done;
	}
	/* Two copies could disagree; which one a relying party reads would be arbitrary. */
	if (X509_get_ext_by_OBJ(cert, oid, idx) >= 0) {
		poc_err_set(e, POC_ERR_MALFORMED, "gce info: extension %s appears twice", POC_GCE_OID);
		goto done;
	}
	ext = X509_get_ext(cert, idx);
	val = X509_EXTENSION_get_data(ext);
	p = ASN1_STRING_get0_data(val);
	len = ASN1_STRING_length(val);
	gi = (GCE_INFO *)ASN1_item_d2i(NULL, &p, len, ASN1_ITEM_rptr(GCE_INFO));
	if (gi == NULL) {
		poc_err_ssl(e, POC_ERR_MALFORMED, "gce info: extension %s does not decode", POC_GCE_OID);
		goto done;
	}
	if (p != ASN1_STRING_get0_data(val) + len) {
		poc_err_set(e, POC_ERR_MALFORMED, "gce info: trailing bytes after the extension's SEQUENCE");
		goto done;
	}
	if (copy_str(e, gi->zone, out->zone, sizeof(out->zone), "zone") < 0 ||
	    get_u64(e, gi->project_number, &out->project_number, "projectNumber") < 0 ||
	    copy_str(e, gi->project_id, out->project_id, sizeof(out->project_id), "projectId") < 0 ||
	    get_u64(e, gi->instance_id, &out->instance_id, "instanceId") < 0 ||
	    copy_str(e, gi->instance_name, out->instance_name, sizeof(out->instance_name),
		     "instanceName") < 0)
		goto done;
	if (gi->security != NULL) {
		GCE_SECURITY *s = gi->security;

		out->has_security = 1;
		if (s->security_version != NULL &&
		    ASN1_INTEGER_get_int64(&out->security_version, s->security_version) != 1) {
			ERR_clear_error();
			poc_err_set(e, POC_ERR_MALFORMED, "gce info: securityVersion is not a 64-bit integer");
			goto done;
		}
		out->is_production = s->is_production > 0;
		get_flag(s->f2, 0, out);
		get_flag(s->f3, 1, out);
		get_flag(s->f4, 2, out);
		get_flag(s->f5, 3, out);
	}
	out->present = 1;
	rv = 0;
done:
	if (rv < 0) {
		/* Half-filled output must not read as instance information. */
		struct poc_gce_info zero = { 0 };

		*out = zero;
	}
	ASN1_item_free((ASN1_VALUE *)gi, ASN1_ITEM_rptr(GCE_INFO));
	ASN1_OBJECT_free(oid);
	return rv;
}
