/* SPDX-License-Identifier: Apache-2.0 */
/* Builds signed POE tokens for tests; deliberately independent of verify/poe.c's encoder. */
#include "poe-build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>

#define POE_PROFILE "tag:intel.com,2026:tee.poe#1.0"

static const uint8_t piid_env_oid[] = { 0x60, 0x86, 0x48, 0x01, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x02, 0x06, 0x01 };
static const uint8_t owner_env_oid[] = { 0x60, 0x86, 0x48, 0x01, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x02, 0x0c, 0x01 };

/* Shortest-width integers, as a deterministic encoder (and the fixtures) would write them. */
static cbor_item_t *bint(int64_t v)
{
	uint64_t u = v < 0 ? (uint64_t)(-1 - v) : (uint64_t)v;
	int neg = v < 0;

	if (u <= 0xff)
		return neg ? cbor_build_negint8((uint8_t)u) : cbor_build_uint8((uint8_t)u);
	if (u <= 0xffff)
		return neg ? cbor_build_negint16((uint16_t)u) : cbor_build_uint16((uint16_t)u);
	if (u <= 0xffffffffu)
		return neg ? cbor_build_negint32((uint32_t)u) : cbor_build_uint32((uint32_t)u);
	return neg ? cbor_build_negint64(u) : cbor_build_uint64(u);
}

static void put(cbor_item_t *map, cbor_item_t *k, cbor_item_t *v)
{
	(void)cbor_map_add(map, (struct cbor_pair){ .key = cbor_move(k), .value = cbor_move(v) });
}

static void push(cbor_item_t *arr, cbor_item_t *v)
{
	(void)cbor_array_push(arr, cbor_move(v));
}

static cbor_item_t *arr1(cbor_item_t *v)
{
	cbor_item_t *a = cbor_new_definite_array(1);

	push(a, v);
	return a;
}

static cbor_item_t *bstr_of(cbor_item_t *it)
{
	unsigned char *buf = NULL;
	size_t cap = 0, n = cbor_serialize_alloc(it, &buf, &cap);
	cbor_item_t *b = cbor_build_bytestring(buf, n);

	free(buf);
	cbor_decref(&it);
	return b;
}

/* [ {0: {0: 111(oid)}}, [ {0: mkey, 1: {key: value}} ] ] */
static cbor_item_t *stateful_env(const uint8_t *oid, size_t oidlen, const char *mkey, int64_t key,
				 cbor_item_t *value)
{
	cbor_item_t *cls = cbor_new_definite_map(1), *env = cbor_new_definite_map(1);
	cbor_item_t *mval = cbor_new_definite_map(1), *mm = cbor_new_definite_map(2);
	cbor_item_t *rec = cbor_new_definite_array(2);

	put(cls, bint(0), cbor_build_tag(111, cbor_move(cbor_build_bytestring(oid, oidlen))));
	put(env, bint(0), cls);
	put(mval, bint(key), value);
	put(mm, bint(0), cbor_build_string(mkey));
	put(mm, bint(1), mval);
	push(rec, env);
	push(rec, arr1(mm));
	return rec;
}

static cbor_item_t *payload(const struct poc_poe_spec *s)
{
	static const uint8_t id[16] = { 0x50, 0x4f, 0x45, 0x2d, 0x74, 0x65, 0x73, 0x74 };
	cbor_item_t *comid = cbor_new_definite_map(2), *ident = cbor_new_definite_map(1);
	cbor_item_t *triples = cbor_new_definite_map(1), *cet = cbor_new_definite_array(2);
	cbor_item_t *corim = cbor_new_definite_map(s->has_validity ? 4 : 3), *val;

	put(ident, bint(0), cbor_build_bytestring(id, sizeof(id)));
	push(cet, arr1(stateful_env(piid_env_oid, sizeof(piid_env_oid), "tee.poe.platform-binding", -101,
				    cbor_build_bytestring(s->piid, s->piid_len))));
	push(cet, arr1(stateful_env(owner_env_oid, sizeof(owner_env_oid), "tee.poe.ownership-claims", -401,
				    cbor_build_string(s->owner))));
	put(triples, bint(10), arr1(cet));
	put(comid, bint(1), ident);
	put(comid, bint(4), triples);

	put(corim, bint(0), cbor_build_bytestring(id, sizeof(id)));
	put(corim, bint(1), arr1(cbor_build_tag(506, cbor_move(bstr_of(comid)))));
	put(corim, bint(3), cbor_build_string(s->profile != NULL ? s->profile : POE_PROFILE));
	if (s->has_validity) {
		val = cbor_new_definite_map(2);
		put(val, bint(0), cbor_build_tag(1, cbor_move(bint(s->not_before))));
		put(val, bint(1), cbor_build_tag(1, cbor_move(bint(s->not_after))));
		put(corim, bint(4), val);
	}
	return bstr_of(cbor_build_tag(501, cbor_move(corim)));
}

/* Sig_structure built with libcbor, so it cross-checks verify/poe.c's hand encoding. */
static int sign(EVP_PKEY *key, const EVP_MD *md, size_t half, cbor_item_t *prot, cbor_item_t *pay,
		uint8_t *rs)
{
	cbor_item_t *ss = cbor_new_definite_array(4);
	unsigned char *tbs = NULL, *der = NULL;
	const unsigned char *q;
	size_t cap = 0, tbslen, derlen = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	ECDSA_SIG *sig = NULL;
	int rv = -1;

	push(ss, cbor_build_string("Signature1"));
	(void)cbor_array_push(ss, prot);
	push(ss, cbor_build_bytestring(NULL, 0));
	(void)cbor_array_push(ss, pay);
	tbslen = cbor_serialize_alloc(ss, &tbs, &cap);
	if (c == NULL || tbslen == 0 || EVP_DigestSignInit(c, NULL, md, NULL, key) != 1 ||
	    EVP_DigestSign(c, NULL, &derlen, tbs, tbslen) != 1 || (der = malloc(derlen)) == NULL ||
	    EVP_DigestSign(c, der, &derlen, tbs, tbslen) != 1)
		goto done;
	q = der;
	if ((sig = d2i_ECDSA_SIG(NULL, &q, (long)derlen)) == NULL ||
	    BN_bn2binpad(ECDSA_SIG_get0_r(sig), rs, (int)half) != (int)half ||
	    BN_bn2binpad(ECDSA_SIG_get0_s(sig), rs + half, (int)half) != (int)half)
		goto done;
	rv = 0;
done:
	ECDSA_SIG_free(sig);
	free(der);
	free(tbs);
	EVP_MD_CTX_free(c);
	cbor_decref(&ss);
	return rv;
}

/* The x5chain value: a bare bstr for a lone leaf when asked (RFC 9360 allows it), else an array. */
static cbor_item_t *x5chain(const struct poc_poe_spec *s, int n)
{
	cbor_item_t *x5 = s->leaf_only_bstr && n == 1 ? NULL : cbor_new_definite_array((size_t)n);
	int i;

	for (i = 0; i < n; i++) {
		unsigned char *der = NULL;
		int l = i2d_X509(sk_X509_value(s->chain, i), &der);
		cbor_item_t *b = cbor_build_bytestring(der, l > 0 ? (size_t)l : 0);

		OPENSSL_free(der);
		if (x5 == NULL)
			return b;
		push(x5, b);
	}
	return x5;
}

int poc_poe_build(const struct poc_poe_spec *s, uint8_t **out, size_t *outlen)
{
	char group[64];
	int es256, derlen, n = s->chain != NULL ? sk_X509_num(s->chain) : 0, rv = -1;
	const EVP_MD *md;
	size_t half, cap = 0;
	cbor_item_t *ph, *cwt, *prot, *pay, *unprot, *msg;
	unsigned char kid[EVP_MAX_MD_SIZE], *der = NULL;
	unsigned int kidlen = 0;
	uint8_t rs[2 * 48];

	*out = NULL;
	*outlen = 0;
	if (s->key == NULL || !EVP_PKEY_get_group_name(s->key, group, sizeof(group), NULL) || n < 1 ||
	    (strcmp(group, "prime256v1") != 0 && strcmp(group, "secp384r1") != 0)) {
		fprintf(stderr, "poe-build: need a P-256 or P-384 key and at least one certificate\n");
		return -1;
	}
	es256 = strcmp(group, "prime256v1") == 0;
	md = es256 ? EVP_sha256() : EVP_sha384();
	half = es256 ? 32 : 48;
	/* kid: a digest of the leaf's public key; verifiers find the signer through x5chain. */
	derlen = i2d_PUBKEY(X509_get0_pubkey(sk_X509_value(s->chain, 0)), &der);
	if (derlen <= 0 || !EVP_Digest(der, (size_t)derlen, kid, &kidlen, md, NULL)) {
		OPENSSL_free(der);
		fprintf(stderr, "poe-build: leaf public key\n");
		return -1;
	}
	OPENSSL_free(der);

	ph = cbor_new_definite_map(4);
	cwt = cbor_new_definite_map(1);
	put(ph, bint(1), bint(es256 ? -7 : -35));
	put(ph, bint(3), cbor_build_string("application/rim+cbor"));
	put(ph, bint(4), cbor_build_bytestring(kid, kidlen));
	put(cwt, bint(1), cbor_build_string(s->owner));
	put(ph, bint(15), cwt);
	prot = bstr_of(ph);
	pay = payload(s);
	unprot = cbor_new_definite_map(1);
	put(unprot, bint(33), x5chain(s, n));
	if (sign(s->key, md, half, prot, pay, rs) < 0) {
		fprintf(stderr, "poe-build: signing failed\n");
		ERR_print_errors_fp(stderr);
		cbor_decref(&prot);
		cbor_decref(&pay);
		cbor_decref(&unprot);
		return -1;
	}
	msg = cbor_new_definite_array(4);
	push(msg, prot);
	push(msg, unprot);
	push(msg, pay);
	push(msg, cbor_build_bytestring(rs, 2 * half));
	msg = cbor_build_tag(18, cbor_move(msg));
	*outlen = cbor_serialize_alloc(msg, out, &cap);
	cbor_decref(&msg);
	if (*outlen > 0)
		rv = 0;
	return rv;
}
