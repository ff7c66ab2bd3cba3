/* SPDX-License-Identifier: Apache-2.0 */
#include "hcl_report.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "b64url.h"
#include "bytes.h"
#include "digest.h"
#include "hex.h"

#define HCL_HW_REPORT_OFF 32
#define HCL_TDREPORT_LEN 1024
#define HCL_TDREPORT_REPORTDATA 128 /* REPORTMACSTRUCT.reportdata */
#define HCL_RUNTIME_OFF 1216
#define HCL_JSON_MAX (64u << 10)

int poc_hcl_report_parse(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_hcl_report *out)
{
	struct poc_rd r;
	uint32_t data_size, version, type, hash_type, json_len;
	const uint8_t *json;

	memset(out, 0, sizeof(*out));
	if (len < HCL_RUNTIME_OFF || memcmp(buf, "HCLA", 4) != 0)
		return poc_err_set(e, POC_ERR_MALFORMED, "HCL report: no \"HCLA\" header in %zu bytes", len);
	poc_rd_init(&r, buf + HCL_RUNTIME_OFF, len - HCL_RUNTIME_OFF);
	if (poc_rd_u32le(&r, &data_size) < 0 || poc_rd_u32le(&r, &version) < 0 || poc_rd_u32le(&r, &type) < 0 ||
	    poc_rd_u32le(&r, &hash_type) < 0 || poc_rd_u32le(&r, &json_len) < 0)
		return poc_err_set(e, POC_ERR_TRUNCATED, "HCL report: runtime claims header truncated");
	if (type != POC_HCL_REPORT_TYPE_TDX)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "HCL report: report type %u is not TDX (4)", type);
	if (json_len > HCL_JSON_MAX || poc_rd_bytes(&r, json_len, &json) < 0)
		return poc_err_set(e, POC_ERR_TRUNCATED, "HCL report: runtime data of %u bytes runs past the end", json_len);
	out->report_type = type;
	out->td_report = buf + HCL_HW_REPORT_OFF;
	out->td_reportdata = buf + HCL_HW_REPORT_OFF + HCL_TDREPORT_REPORTDATA;
	out->json = json;
	out->json_len = json_len;
	(void)data_size;
	(void)version;
	(void)hash_type;
	return 0;
}

int poc_hcl_report_check_td(struct poc_err *e, const struct poc_hcl_report *r, const struct poc_tdx_body *body)
{
	const uint8_t *mac = r->td_report, *tcb = r->td_report + 256, *info = r->td_report + 512;
	uint8_t h[48];
	static const struct {
		const char *name;
		size_t off, len;
	} tdinfo[] = {
		{ "TD attributes", 0, 8 }, { "XFAM", 8, 8 }, { "MRTD", 16, 48 }, { "MRCONFIGID", 64, 48 },
		{ "MROWNER", 112, 48 }, { "MROWNERCONFIG", 160, 48 }, { "RTMRs", 208, 192 },
	};
	const uint8_t *quoted[] = { body->td_attributes, body->xfam, body->mrtd, body->mrconfigid, body->mrowner,
				    body->mrownerconfig, body->rtmr[0] };
	size_t i;

	if (poc_sha384(tcb, 239, h) < 0 || CRYPTO_memcmp(h, mac + 32, 48) != 0)
		return poc_err_set(e, POC_ERR_MISMATCH, "HCL report: TEE_TCB_INFO does not hash to its REPORTMACSTRUCT value");
	if (poc_sha384(info, 512, h) < 0 || CRYPTO_memcmp(h, mac + 80, 48) != 0)
		return poc_err_set(e, POC_ERR_MISMATCH, "HCL report: TDINFO does not hash to its REPORTMACSTRUCT value");
	if (CRYPTO_memcmp(tcb + 8, body->tee_tcb_svn, 16) != 0 || CRYPTO_memcmp(tcb + 24, body->mrseam, 48) != 0)
		return poc_err_set(e, POC_ERR_MISMATCH, "HCL report: the TD report's TCB is not the quote's");
	for (i = 0; i < sizeof(tdinfo) / sizeof(tdinfo[0]); i++)
		if (CRYPTO_memcmp(info + tdinfo[i].off, quoted[i], tdinfo[i].len) != 0)
			return poc_err_set(e, POC_ERR_MISMATCH, "HCL report: the TD report's %s is not the quote's",
					   tdinfo[i].name);
	if (CRYPTO_memcmp(r->td_reportdata, body->reportdata, 64) != 0)
		return poc_err_set(e, POC_ERR_MISMATCH, "HCL report: the TD report's REPORTDATA is not the quote's");
	return 0;
}

static json_object *parse_json(struct poc_err *e, const struct poc_hcl_report *r)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *o;

	if (tok == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "HCL report JSON");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, (const char *)r->json, (int)r->json_len);
	if (o == NULL || json_tokener_get_parse_end(tok) != r->json_len || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
		poc_err_set(e, POC_ERR_MALFORMED, "HCL report: runtime data is not one JSON object");
	}
	json_tokener_free(tok);
	return o;
}

/*
 * The string member key of o, or NULL when o is not an object, the member is
 * absent, null or of another type, or the string holds a NUL (json-c keeps
 * "\u0000" inside; C string functions would stop there).
 */
static const char *str_member(json_object *o, const char *key, size_t *len)
{
	json_object *v;
	const char *s;

	if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string) || (s = json_object_get_string(v)) == NULL)
		return NULL;
	*len = (size_t)json_object_get_string_len(v);
	return memchr(s, '\0', *len) == NULL ? s : NULL;
}

/* The one JWK of keys[] whose kid is "HCLAkPub"; two of them are ambiguous. */
static json_object *find_ak_jwk(struct poc_err *e, json_object *root)
{
	json_object *keys, *jwk = NULL;
	size_t i, n;

	if (!json_object_object_get_ex(root, "keys", &keys) || !json_object_is_type(keys, json_type_array)) {
		poc_err_set(e, POC_ERR_MALFORMED, "HCL report: no \"keys\" array");
		return NULL;
	}
	for (i = 0; i < json_object_array_length(keys); i++) {
		json_object *k = json_object_array_get_idx(keys, i);
		const char *kid = str_member(k, "kid", &n);

		if (kid == NULL || n != 8 || memcmp(kid, "HCLAkPub", 8) != 0)
			continue;
		if (jwk != NULL) {
			poc_err_set(e, POC_ERR_MALFORMED, "HCL report: more than one HCLAkPub key");
			return NULL;
		}
		jwk = k;
	}
	if (jwk == NULL)
		poc_err_set(e, POC_ERR_MALFORMED, "HCL report: no HCLAkPub key");
	return jwk;
}

EVP_PKEY *poc_hcl_report_ak(struct poc_err *e, const struct poc_hcl_report *r)
{
	json_object *root = parse_json(e, r), *jwk;
	uint8_t n[1024], ex[8];
	size_t nlen, elen, slen;
	const char *kty, *sn, *se;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	BIGNUM *bn = NULL, *be = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;

	if (root == NULL)
		return NULL;
	if ((jwk = find_ak_jwk(e, root)) == NULL)
		goto done;
	kty = str_member(jwk, "kty", &slen);
	if (kty == NULL || slen != 3 || memcmp(kty, "RSA", 3) != 0) {
		/* A missing or non-string kty is a broken JWK; another key type one we do not handle. */
		poc_err_set(e, kty == NULL ? POC_ERR_MALFORMED : POC_ERR_UNSUPPORTED,
			    "HCL report: HCLAkPub is not an RSA key (\"kty\" must be \"RSA\")");
		goto done;
	}
	sn = str_member(jwk, "n", &nlen);
	se = str_member(jwk, "e", &elen);
	if (sn == NULL || se == NULL) {
		poc_err_set(e, POC_ERR_MALFORMED, "HCL report: HCLAkPub lacks n or e (base64url strings)");
		goto done;
	}
	if (poc_b64url_decode(e, "HCL report: the AK's n", sn, nlen, n, sizeof(n), &nlen) < 0 ||
	    poc_b64url_decode(e, "HCL report: the AK's e", se, elen, ex, sizeof(ex), &elen) < 0)
		goto done;
	bn = BN_bin2bn(n, (int)nlen, NULL);
	be = BN_bin2bn(ex, (int)elen, NULL);
	bld = OSSL_PARAM_BLD_new();
	if (bn == NULL || be == NULL || bld == NULL || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) || (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "HCL report: building the AK key");
		pkey = NULL;
	}
done:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	json_object_put(root);
	return pkey;
}

int poc_hcl_report_user_data(struct poc_err *e, const struct poc_hcl_report *r, uint8_t *out, size_t max,
			     size_t *outlen)
{
	json_object *root = parse_json(e, r);
	const char *s;
	size_t n;
	int rv = -1;

	if (root == NULL)
		return -1;
	if ((s = str_member(root, "user-data", &n)) == NULL)
		poc_err_set(e, POC_ERR_MALFORMED, "HCL report: no \"user-data\" string");
	else if (poc_hex_decode(e, s, n, out, max, outlen) == 0)
		rv = 0;
	else
		poc_err_prefix(e, "HCL report user-data: ");
	json_object_put(root);
	return rv;
}
