/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for verify/gce_ext.c: the real Google EK/AK certificates and mangled extensions. */
#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "gce_ext.h"
#include "gce_owner.h"
#include "hex.h"
#include "verr.h"
#include "x509.h"
#include "../test.h"

static X509 *load(const char *rel)
{
	struct poc_err e = { 0 };
	size_t len;
	uint8_t *b = poc_test_read_data(rel, &len);
	STACK_OF(X509) *s = poc_x509_load(&e, b, len);
	X509 *c = NULL;

	free(b);
	if (s != NULL && sk_X509_num(s) >= 1) {
		c = sk_X509_value(s, 0);
		X509_up_ref(c);
	} else {
		diag("%s: %s", rel, e.msg);
	}
	sk_X509_pop_free(s, X509_free);
	return c;
}

static const struct {
	const char *path;
	int present;
	const char *zone;
	uint64_t project_number;
	const char *project_id;
	uint64_t instance_id;
	const char *instance_name;
	unsigned other_flags; /* [2]..[5], all present when the extension is */
} certs[] = {
	{ "gce-certs/gce-2024-ak.pem", 1, "us-central1-a", 995081019036u, "core-eso", 6524697943022743941u,
	  "instance-1", 0x1 },
	{ "gce-certs/gce-2024-ek.pem", 1, "us-central1-a", 995081019036u, "core-eso", 6524697943022743941u,
	  "instance-1", 0x1 },
	{ "gce-certs/pca_tpm_rsa_sign_cert.pem", 1, "us-central1-a", 117478743145u, "google.com:wuale-gcp-testing",
	  218557372616137117u, "cs-debug-pca", 0x1 },
	{ "gce-certs/pca_tpm_ecc_sign_cert.pem", 1, "us-central1-a", 117478743145u, "google.com:wuale-gcp-testing",
	  218557372616137117u, "cs-debug-pca", 0x1 },
	{ "gce-certs/uca_tpm_rsa_sign_cert.pem", 1, "us-central1-a", 117478743145u, "google.com:wuale-gcp-testing",
	  5780156274199835632u, "cs-debug", 0x1 },
	{ "gce-certs/uca_tpm_ecc_enc_cert.pem", 1, "us-central1-a", 117478743145u, "google.com:wuale-gcp-testing",
	  5780156274199835632u, "cs-debug", 0x1 },
	{ "gce-cos85-nonce9009/ak.crt.der", 1, "us-central1-a", 117478743145u, "google.com:wuale-gcp-testing",
	  6797026933021542085u, "cos-test", 0x0 },
	{ "gce-certs/gce-ekak-ca-root.pem", 0, NULL, 0, NULL, 0, NULL, 0 },
	{ "gce-certs/gce-ekak-ca-intermediate-v3.pem", 0, NULL, 0, NULL, 0, NULL, 0 },
	{ "gce-certs/gce-ekak-ca-intermediate-2024.pem", 0, NULL, 0, NULL, 0, NULL, 0 },
	{ "gce-certs/gce-tpm-ek-root-1.pem", 0, NULL, 0, NULL, 0, NULL, 0 },
	{ "gce-certs/gce-tpm-ek-intermediate-2.pem", 0, NULL, 0, NULL, 0, NULL, 0 },
	{ "gce-certs/gce-tpm-ek-intermediate-3.pem", 0, NULL, 0, NULL, 0, NULL, 0 },
};

static void test_real(void)
{
	for (size_t i = 0; i < sizeof(certs) / sizeof(certs[0]); i++) {
		struct poc_err e = { 0 };
		struct poc_gce_info g;
		X509 *c = load(certs[i].path);
		const char *p = certs[i].path;

		if (!ok(c != NULL && poc_gce_info_get(&e, c, &g) == 0, "%s: read%s", p, e.msg)) {
			X509_free(c);
			continue;
		}
		if (g.present)
			diag("%s: zone=%s projectNumber=%llu projectId=%s instanceId=%llu instanceName=%s "
			     "security=%d version=%lld production=%d flags[2..5] present=0x%x set=0x%x",
			     p, g.zone, (unsigned long long)g.project_number, g.project_id,
			     (unsigned long long)g.instance_id, g.instance_name, g.has_security,
			     (long long)g.security_version, g.is_production, g.other_flags_present, g.other_flags);
		is_int(g.present, certs[i].present, "%s: extension %s", p, certs[i].present ? "present" : "absent");
		if (!certs[i].present || !g.present) {
			X509_free(c);
			continue;
		}
		is_str(g.zone, certs[i].zone, "%s: zone", p);
		ok(g.project_number == certs[i].project_number, "%s: projectNumber", p);
		is_str(g.project_id, certs[i].project_id, "%s: projectId", p);
		ok(g.instance_id == certs[i].instance_id, "%s: instanceId", p);
		is_str(g.instance_name, certs[i].instance_name, "%s: instanceName", p);
		ok(g.has_security && g.security_version == 0 && g.is_production == 1,
		   "%s: securityVersion 0, isProduction true", p);
		ok(g.other_flags_present == 0xf && g.other_flags == certs[i].other_flags, "%s: flags [2]..[5]", p);
		X509_free(c);
	}
}

/* A throwaway self-signed certificate carrying the given extension values (DER round trip). */
static X509 *make_cert(EVP_PKEY *k, const uint8_t *const *vals, const size_t *lens, size_t n)
{
	X509 *c = X509_new(), *out = NULL;
	ASN1_OBJECT *oid = OBJ_txt2obj(POC_GCE_OID, 1);
	unsigned char *der = NULL;
	const unsigned char *p;
	int dlen;

	if (c == NULL || oid == NULL || X509_set_version(c, 2) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(c), 1) != 1 ||
	    X509_NAME_add_entry_by_txt(X509_get_subject_name(c), "CN", MBSTRING_ASC,
				       (const unsigned char *)"gce-ext-test", -1, -1, 0) != 1 ||
	    X509_set_issuer_name(c, X509_get_subject_name(c)) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(c), 0) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(c), 3600) == NULL || X509_set_pubkey(c, k) != 1)
		goto done;
	for (size_t i = 0; i < n; i++) {
		ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
		X509_EXTENSION *ext = NULL;
		int good = os != NULL && ASN1_OCTET_STRING_set(os, vals[i], (int)lens[i]) == 1 &&
			   (ext = X509_EXTENSION_create_by_OBJ(NULL, oid, 0, os)) != NULL &&
			   X509_add_ext(c, ext, -1) == 1;

		X509_EXTENSION_free(ext);
		ASN1_OCTET_STRING_free(os);
		if (!good)
			goto done;
	}
	if (X509_sign(c, k, EVP_sha256()) <= 0 || (dlen = i2d_X509(c, &der)) <= 0)
		goto done;
	p = der;
	out = d2i_X509(NULL, &p, dlen);
done:
	OPENSSL_free(der);
	ASN1_OBJECT_free(oid);
	X509_free(c);
	return out;
}

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = 0;

	for (; h[0] && h[1]; h += 2) {
		unsigned v;

		sscanf(h, "%2x", &v);
		out[n++] = (uint8_t)v;
	}
	return n;
}

/* The value in the real ak.crt.der: SEQUENCE { zone, number, id, instance id, name, [0] {...} }. */
#define REAL "306A0C0D75732D63656E7472616C312D6102051B5A475C690C1C676F6F676C652E636F6D3A7775616C652D" \
	     "6763702D74657374696E6702085E53E3FBBF8306C50C08636F732D74657374A020301EA003020100A1030101" \
	     "FFA203010100A303010100A403010100A503010100"

static void test_mangled(void)
{
	static const struct {
		const char *name;
		const char *hex;
		int dup; /* the value twice */
		int want;
		int present;
	} cases[] = {
		{ "the real value", REAL, 0, 0, 1 },
		{ "no security block",
		  "304830" /* placeholder, replaced below */, 0, 0, 1 },
		{ "security block with version 7 only", NULL, 0, 0, 1 },
		{ "twice", REAL, 1, -1, 0 },
		{ "empty", "", 0, -1, 0 },
		{ "an OCTET STRING", "0400", 0, -1, 0 },
		{ "an empty SEQUENCE", "3000", 0, -1, 0 },
		{ "zone as INTEGER", "300F020101020101" "0C0161" "020101" "0C0161", 0, -1, 0 },
		{ "negative projectNumber", "300F0C0161" "0201FF" "0C0161" "020101" "0C0161", 0, -1, 0 },
		{ "NUL in zone", "30100C026100" "020101" "0C0161" "020101" "0C0161", 0, -1, 0 },
		{ "unknown tag [6] in the security block", "3018" "0C0161" "020101" "0C0161" "020101" "0C0161"
			"A007" "3005" "A6030101FF", 0, -1, 0 },
		{ "trailing byte", REAL "00", 0, -1, 0 },
		{ "truncated", "306A0C0D75732D63656E7472616C", 0, -1, 0 },
		{ "a sixth plain field", "3012" "0C0161" "020101" "0C0161" "020101" "0C0161" "020101", 0, -1, 0 },
	};
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct poc_err e = { 0 };
		struct poc_gce_info g;
		uint8_t v[256];
		const uint8_t *vals[2] = { v, v };
		size_t lens[2], n;
		X509 *c;
		int rv;

		if (i == 1) /* the real value without its [0] block: outer length 0x6A - 0x22 */
			n = unhex("30480C0D75732D63656E7472616C312D6102051B5A475C690C1C676F6F676C652E636F6D3A7775616C65"
				  "2D6763702D74657374696E6702085E53E3FBBF8306C50C08636F732D74657374", v);
		else if (i == 2)
			n = unhex("3018" "0C0161" "020101" "0C0162" "020102" "0C0163" "A007" "3005" "A003020107", v);
		else
			n = unhex(cases[i].hex, v);
		lens[0] = lens[1] = n;
		c = make_cert(k, vals, lens, cases[i].dup ? 2 : 1);
		if (!ok(c != NULL, "%s: test certificate built", cases[i].name))
			continue;
		rv = poc_gce_info_get(&e, c, &g);
		ok(rv == cases[i].want && (rv == 0 || e.code == POC_ERR_MALFORMED) && g.present == cases[i].present,
		   "%s: %s%s%s", cases[i].name, rv == 0 ? "accepted" : "malformed", e.msg[0] ? ": " : "", e.msg);
		if (i == 1)
			ok(g.has_security == 0 && g.is_production == 0 && strcmp(g.instance_name, "cos-test") == 0,
			   "no security block: has_security 0");
		if (i == 2)
			ok(g.has_security == 1 && g.security_version == 7 && g.is_production == 0 &&
				   g.other_flags_present == 0 && strcmp(g.zone, "a") == 0 && g.instance_id == 2,
			   "version-only security block read");
		X509_free(c);
	}
	EVP_PKEY_free(k);
}

/*
 * GCE's MR_OWNER: go-tdx-guest's public PZID vector (gce/pzid_test.go), its
 * SHA-384 as openssl dgst -sha384 gives it, and swapped or malformed instances.
 */
static void test_pzid(void)
{
	static const char want[] = "{\"instanceId\":112233445566778899,\"numericalProjectId\":123456789012,\"zone\":\"us-central1-a\"}";
	/* openssl dgst -sha384 of the payload */
	static const char digest[] = "c9f79053aed02b9c4a2012fd7af9905c62e5790a9181f23bdedab6405b2a5866c8a68db6e565956d8b4844a3241059f2";
	struct poc_gce_info g = { .present = 1, .project_number = 123456789012ull, .instance_id = 112233445566778899ull };
	struct poc_err e = { 0 };
	uint8_t owner[48];
	char payload[256];
	size_t got = 0;

	snprintf(g.zone, sizeof(g.zone), "us-central1-a");
	ok(poc_gce_pzid_payload(&e, &g, payload, sizeof(payload)) == 0 && strcmp(payload, want) == 0,
	   "the canonical payload of the public vector");
	ok(poc_hex_decode(&e, digest, 96, owner, sizeof(owner), &got) == 0 && got == 48, "its SHA-384");
	ok(poc_gce_check_mr_owner(&e, &g, owner) == 0, "MR_OWNER = SHA-384(payload): accepted");
	g.instance_id++;
	poc_err_clear(&e);
	ok(poc_gce_check_mr_owner(&e, &g, owner) < 0 && e.code == POC_ERR_MISMATCH, "another instance: denied");
	g.instance_id--;
	owner[47] ^= 1;
	poc_err_clear(&e);
	ok(poc_gce_check_mr_owner(&e, &g, owner) < 0, "a flipped MR_OWNER bit: denied");
	snprintf(g.zone, sizeof(g.zone), "us-central1-a\",\"x\":\"1");
	poc_err_clear(&e);
	ok(poc_gce_pzid_payload(&e, &g, payload, sizeof(payload)) < 0, "a zone that would need escaping is refused");
	g.zone[0] = '\0';
	poc_err_clear(&e);
	ok(poc_gce_pzid_payload(&e, &g, payload, sizeof(payload)) < 0, "an empty zone is refused");
	g.present = 0;
	poc_err_clear(&e);
	ok(poc_gce_check_mr_owner(&e, &g, owner) < 0, "no instance information: denied");
}

int main(void)
{
	test_real();
	test_mangled();
	test_pzid();
	return poc_test_done();
}
