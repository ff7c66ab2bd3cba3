/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The simulator's Intel POE token: the cloud provider's endorsement that the
 * simulated platform (its PIID) is theirs, so a policy can require that the
 * TD's platform, not only its vTPM, is endorsed ($.platforms.poe). A test
 * endorser (its own root and signing certificate, nothing of Intel's) signs
 * a COSE_Sign1 (ES256) over a CoRIM with one CoMID in the shape of
 * draft-bzb-rats-intel-poe-endorsements, which verify/poe.c checks.
 */
#include "sim/tdx_sim_int.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cbor.h>
#include <openssl/evp.h>

#include "cbor_util.h"
#include "digest.h"

static const uint8_t piid_env_oid[] = { 0x60, 0x86, 0x48, 0x01, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x02, 0x06, 0x01 };
static const uint8_t owner_env_oid[] = { 0x60, 0x86, 0x48, 0x01, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x02, 0x0c, 0x01 };
static const uint8_t corim_id[16] = { 'p', 'o', 'c', '-', 'p', 'k', 'c', 's', '1', '1', '-', 's', 'i', 'm' };

/* Shortest-width integers (deterministic encoding). */
static cbor_item_t *bint(int64_t v)
{
	uint64_t u = v < 0 ? (uint64_t)(-1 - v) : (uint64_t)v;

	if (u <= 0xff)
		return v < 0 ? cbor_build_negint8((uint8_t)u) : cbor_build_uint8((uint8_t)u);
	if (u <= 0xffff)
		return v < 0 ? cbor_build_negint16((uint16_t)u) : cbor_build_uint16((uint16_t)u);
	if (u <= 0xffffffffu)
		return v < 0 ? cbor_build_negint32((uint32_t)u) : cbor_build_uint32((uint32_t)u);
	return v < 0 ? cbor_build_negint64(u) : cbor_build_uint64(u);
}

/* Builders that take ownership of their arguments; a NULL anywhere makes the result NULL (checked once at the end). */
static cbor_item_t *put(cbor_item_t *map, cbor_item_t *k, cbor_item_t *v)
{
	if (poc_cbor_add(map, k, v) == 0)
		return map;
	if (map)
		cbor_decref(&map);
	return NULL;
}

static cbor_item_t *push(cbor_item_t *arr, cbor_item_t *v)
{
	int ok = arr != NULL && v != NULL && cbor_array_push(arr, v);

	if (v)
		cbor_decref(&v);
	if (!ok && arr)
		cbor_decref(&arr);
	return ok ? arr : NULL;
}

static cbor_item_t *tag(uint64_t t, cbor_item_t *v)
{
	cbor_item_t *r = v != NULL ? cbor_build_tag(t, v) : NULL;

	if (v)
		cbor_decref(&v);
	return r;
}

/* The encoding of it as a byte string (consumes it). */
static cbor_item_t *bstr_of(cbor_item_t *it)
{
	unsigned char *buf = NULL;
	size_t cap = 0, n = it != NULL ? cbor_serialize_alloc(it, &buf, &cap) : 0;
	cbor_item_t *b = n > 0 ? cbor_build_bytestring(buf, n) : NULL;

	free(buf);
	if (it)
		cbor_decref(&it);
	return b;
}

/* [ {0: {0: 111(oid)}}, [ {0: mkey, 1: {key: value}} ] ]: one stateful environment. */
static cbor_item_t *stateful_env(const uint8_t *oid, size_t oidlen, const char *mkey, int64_t key, cbor_item_t *value)
{
	cbor_item_t *cls = put(cbor_new_definite_map(1), bint(0), tag(111, cbor_build_bytestring(oid, oidlen)));
	cbor_item_t *env = put(cbor_new_definite_map(1), bint(0), cls);
	cbor_item_t *mm = put(put(cbor_new_definite_map(2), bint(0), cbor_build_string(mkey)), bint(1),
			      put(cbor_new_definite_map(1), bint(key), value));

	return push(push(cbor_new_definite_array(2), env), push(cbor_new_definite_array(1), mm));
}

/* The CoRIM (tag 501) as a byte string: PIID condition, owner endorsement, validity. */
static cbor_item_t *payload(const uint8_t piid[16], const char *owner, int64_t nb, int64_t na)
{
	cbor_item_t *cond = stateful_env(piid_env_oid, sizeof(piid_env_oid), "tee.poe.platform-binding", -101,
					 cbor_build_bytestring(piid, 16));
	cbor_item_t *end = stateful_env(owner_env_oid, sizeof(owner_env_oid), "tee.poe.ownership-claims", -401,
					cbor_build_string(owner));
	cbor_item_t *cet = push(push(cbor_new_definite_array(2), push(cbor_new_definite_array(1), cond)),
				push(cbor_new_definite_array(1), end));
	cbor_item_t *triples = put(cbor_new_definite_map(1), bint(10), push(cbor_new_definite_array(1), cet));
	cbor_item_t *comid = put(put(cbor_new_definite_map(2), bint(1),
				     put(cbor_new_definite_map(1), bint(0), cbor_build_bytestring(corim_id, 16))),
				 bint(4), triples);
	cbor_item_t *val = put(put(cbor_new_definite_map(2), bint(0), tag(1, bint(nb))), bint(1), tag(1, bint(na)));
	cbor_item_t *corim = cbor_new_definite_map(4);

	corim = put(corim, bint(0), cbor_build_bytestring(corim_id, 16));
	corim = put(corim, bint(1), push(cbor_new_definite_array(1), tag(506, bstr_of(comid))));
	corim = put(corim, bint(3), cbor_build_string("tag:intel.com,2026:tee.poe#1.0"));
	corim = put(corim, bint(4), val);
	return bstr_of(tag(501, corim));
}

/* {1: ES256, 3: "application/rim+cbor", 4: kid} as a byte string; kid = SHA-256 of the signer's public key. */
static cbor_item_t *protected_header(struct poc_err *e, X509 *signer)
{
	unsigned char *der = NULL, kid[32];
	int n = i2d_PUBKEY(X509_get0_pubkey(signer), &der);
	cbor_item_t *h;

	if (n <= 0 || poc_sha256(der, (size_t)n, kid) < 0) {
		OPENSSL_free(der);
		poc_err_ssl(e, POC_ERR_CRYPTO, "sim: POE signer key id");
		return NULL;
	}
	OPENSSL_free(der);
	h = put(put(put(cbor_new_definite_map(3), bint(1), bint(-7)), bint(3), cbor_build_string("application/rim+cbor")),
		bint(4), cbor_build_bytestring(kid, sizeof(kid)));
	return bstr_of(h);
}

static cbor_item_t *der_bstr(X509 *x)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	cbor_item_t *b = n > 0 ? cbor_build_bytestring(der, (size_t)n) : NULL;

	OPENSSL_free(der);
	return b;
}

/* COSE_Sign1 tag 18 [protected, {33: [signer, root]}, payload, r||s] into *out (malloc'ed). */
static int sign_token(struct poc_err *e, EVP_PKEY *key, X509 *signer, X509 *root, cbor_item_t *pay, uint8_t **out,
		      size_t *outlen)
{
	cbor_item_t *prot = protected_header(e, signer), *msg = NULL, *unprot;
	uint8_t *tbs = NULL;
	size_t cap = 0, tbslen = 0;
	uint8_t rs[64];
	int rv = -1;

	if (prot == NULL || pay == NULL) {
		if (prot)
			cbor_decref(&prot);
		if (pay)
			cbor_decref(&pay);
		return e->code != POC_OK ? -1 : poc_err_set(e, POC_ERR_NOMEM, "sim: POE token");
	}
	tbs = poc_cose_sig_structure(cbor_bytestring_handle(prot), cbor_bytestring_length(prot),
				     cbor_bytestring_handle(pay), cbor_bytestring_length(pay), &tbslen);
	unprot = put(cbor_new_definite_map(1), bint(33), push(push(cbor_new_definite_array(2), der_bstr(signer)), der_bstr(root)));
	if (tbs == NULL || unprot == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "sim: POE token");
		if (unprot)
			cbor_decref(&unprot);
		cbor_decref(&prot);
		cbor_decref(&pay);
		goto done;
	}
	if (poc_tee_sim_sign_rs(e, key, tbs, tbslen, rs, "POE token") < 0) {
		cbor_decref(&unprot);
		cbor_decref(&prot);
		cbor_decref(&pay);
		goto done;
	}
	msg = tag(18, push(push(push(push(cbor_new_definite_array(4), prot), unprot), pay), cbor_build_bytestring(rs, 64)));
	*outlen = msg != NULL ? cbor_serialize_alloc(msg, out, &cap) : 0;
	if (*outlen == 0) {
		poc_err_set(e, POC_ERR_NOMEM, "sim: POE token encoding");
		goto done;
	}
	rv = 0;
done:
	if (msg)
		cbor_decref(&msg);
	free(tbs);
	return rv;
}

int poc_sim_write_poe(struct poc_err *e, const char *dir, const uint8_t piid[16], time_t now)
{
	EVP_PKEY *root_k = NULL, *sign_k = NULL;
	X509 *root = NULL, *signer = NULL;
	uint8_t *tok = NULL;
	size_t len = 0;
	int rv = -1;

	if ((root_k = poc_sim_gen_key(e, "POE endorser root")) == NULL ||
	    (sign_k = poc_sim_gen_key(e, "POE signer")) == NULL ||
	    (root = poc_sim_make_cert(e, "poc-pkcs11 Sim POE Endorser Root (test)", root_k, NULL, root_k, 1, NULL, now)) == NULL ||
	    (signer = poc_sim_make_cert(e, "poc-pkcs11 Sim POE Signer (test)", sign_k, root, root_k, 0, NULL, now)) == NULL)
		goto done;
	/* Valid as long as the sim's collateral: from now - 1 hour for 30 days. */
	if (sign_token(e, sign_k, signer, root, payload(piid, POC_SIM_POE_OWNER, (int64_t)now - 3600,
							 (int64_t)now + 30 * 86400), &tok, &len) < 0)
		goto done;
	if (poc_sim_write_certs(e, dir, "poe_endorser.pem", &root, 1) < 0 ||
	    poc_sim_write_certs(e, dir, "poe_signer.pem", &signer, 1) < 0 ||
	    poc_sim_write_key(e, dir, "poe_signer.key", sign_k) < 0 ||
	    poc_sim_write_file(e, dir, POC_TEE_SIM_POE_FILE, tok, len, 0644) < 0)
		goto done;
	rv = 0;
done:
	free(tok);
	X509_free(root);
	X509_free(signer);
	EVP_PKEY_free(root_k);
	EVP_PKEY_free(sign_k);
	return rv;
}
