/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Intel POE tokens: COSE_Sign1 over a CoRIM narrowed by the POE profile
 * (cddl/exports/intel-poe-profile.cddl of draft-bzb-rats-intel-poe-endorsements).
 * The maps the profile closes are checked closed here, because a key we
 * silently ignored could carry a condition the endorser meant to impose; the
 * CoRIM top level stays open, as the profile asks verifiers to ignore unknown keys.
 */
#include "poe.h"
#include "poe_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "cbor_util.h"
#include "hex.h"
#include "x509.h"

#define COSE_SIGN1_TAG 18
#define CORIM_TAG 501
#define COMID_TAG 506
#define OID_TAG 111
#define EPOCH_TAG 1

#define HDR_ALG 1
#define HDR_CRIT 2
#define HDR_CTYPE 3
#define HDR_X5CHAIN 33

#define CORIM_ID 0
#define CORIM_TAGS 1
#define CORIM_PROFILE 3
#define CORIM_VALIDITY 4

#define COMID_IDENTITY 1
#define COMID_TRIPLES 4
#define TRIPLES_COND_ENDORSE 10

#define MKEY_PIID (-101)
#define MKEY_OWNER (-401)

/* Far more than any real chain (leaf, intermediate, maybe one more); bounds the work. */
#define X5CHAIN_MAX 8

/* 2.16.840.1.113741.1.13.2.6.1 and .12.1: the class ids the profile pins. */
static const uint8_t piid_env_oid[] = { 0x60, 0x86, 0x48, 0x01, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x02, 0x06, 0x01 };
static const uint8_t owner_env_oid[] = { 0x60, 0x86, 0x48, 0x01, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x02, 0x0c, 0x01 };

static int is_key(const cbor_item_t *k, int64_t key)
{
	int64_t v;

	return poc_cbor_int(k, &v) == 0 && v == key;
}

/*
 * The value under an integer key, or NULL when absent. A duplicate key is an
 * error: two decoders picking different copies is how signed content gets
 * read two ways.
 */
static int map_get(struct poc_err *e, const cbor_item_t *map, int64_t key, const char *what,
		   const cbor_item_t **out)
{
	const struct cbor_pair *p = cbor_map_handle(map);
	size_t i, n = cbor_map_size(map);

	*out = NULL;
	for (i = 0; i < n; i++) {
		if (!is_key(p[i].key, key))
			continue;
		if (*out != NULL)
			return poc_err_set(e, POC_ERR_MALFORMED, "POE token: %s: duplicate key %" PRId64, what, key);
		*out = p[i].value;
	}
	return 0;
}

static int map_need(struct poc_err *e, const cbor_item_t *map, int64_t key, const char *what,
		    const cbor_item_t **out)
{
	if (map_get(e, map, key, what, out) < 0)
		return -1;
	if (*out == NULL)
		return poc_err_set(e, POC_ERR_MALFORMED, "POE token: %s: missing key %" PRId64, what, key);
	return 0;
}

/* Every key is one of allowed[]: the profile's closed maps. */
static int map_closed(struct poc_err *e, const cbor_item_t *map, const int64_t *allowed, size_t nallowed,
		      const char *what)
{
	const struct cbor_pair *p = cbor_map_handle(map);
	size_t i, j, n = cbor_map_size(map);

	for (i = 0; i < n; i++) {
		for (j = 0; j < nallowed; j++)
			if (is_key(p[i].key, allowed[j]))
				break;
		if (j == nallowed)
			return poc_err_set(e, POC_ERR_MALFORMED, "POE token: %s: key not allowed by the profile", what);
	}
	return 0;
}

static int want_map(struct poc_err *e, const cbor_item_t *it, const char *what)
{
	if (it == NULL || !cbor_isa_map(it) || !cbor_map_is_definite(it))
		return poc_err_set(e, POC_ERR_MALFORMED, "POE token: %s is not a map", what);
	return 0;
}

/* An array of exactly n items (n == 0: any non-zero count). */
static int want_array(struct poc_err *e, const cbor_item_t *it, size_t n, const char *what)
{
	if (it == NULL || !cbor_isa_array(it) || !cbor_array_is_definite(it))
		return poc_err_set(e, POC_ERR_MALFORMED, "POE token: %s is not an array", what);
	if (n != 0 && cbor_array_size(it) != n)
		return poc_err_set(e, POC_ERR_MALFORMED, "POE token: %s holds %zu items, want %zu", what,
				   cbor_array_size(it), n);
	if (n == 0 && cbor_array_size(it) == 0)
		return poc_err_set(e, POC_ERR_MALFORMED, "POE token: %s is empty", what);
	return 0;
}

/* Indefinite strings are chunk lists in libcbor with no contiguous handle: refuse them. */
static int want_bstr(struct poc_err *e, const cbor_item_t *it, const char *what, const uint8_t **p, size_t *len)
{
	if (it == NULL || !cbor_isa_bytestring(it) || !cbor_bytestring_is_definite(it))
		return poc_err_set(e, POC_ERR_MALFORMED, "POE token: %s is not a definite byte string", what);
	*p = cbor_bytestring_handle(it);
	*len = cbor_bytestring_length(it);
	return 0;
}

static int want_tstr(struct poc_err *e, const cbor_item_t *it, const char *what, const char **p, size_t *len)
{
	if (it == NULL || !cbor_isa_string(it) || !cbor_string_is_definite(it))
		return poc_err_set(e, POC_ERR_MALFORMED, "POE token: %s is not a definite text string", what);
	*p = (const char *)cbor_string_handle(it);
	*len = cbor_string_length(it);
	return 0;
}

/* The item inside tag `tag`: a new reference (cbor_decref it) or NULL with e set. */
static cbor_item_t *untag(struct poc_err *e, const cbor_item_t *it, uint64_t tag, const char *what)
{
	if (it == NULL || !cbor_isa_tag(it) || cbor_tag_value(it) != tag) {
		poc_err_set(e, POC_ERR_MALFORMED, "POE token: %s lacks CBOR tag %" PRIu64, what, tag);
		return NULL;
	}
	return cbor_tag_item(it);
}

/* tag-id / corim-id: the profile says a 16-byte UUID, base CoRIM also allows tstr. */
static int want_id(struct poc_err *e, const cbor_item_t *it, const char *what)
{
	if (it != NULL && cbor_isa_string(it))
		return 0;
	if (it != NULL && cbor_isa_bytestring(it))
		return 0;
	return poc_err_set(e, POC_ERR_MALFORMED, "POE token: %s is neither a bstr nor a tstr", what);
}

/* time = #6.1(int): floats are legal CBOR time but have no place in a validity window. */
static int want_time(struct poc_err *e, const cbor_item_t *it, const char *what, int64_t *t)
{
	cbor_item_t *in = untag(e, it, EPOCH_TAG, what);
	int rv = 0;

	if (in == NULL)
		return -1;
	if (poc_cbor_int(in, t) < 0)
		rv = poc_err_set(e, POC_ERR_UNSUPPORTED, "POE token: %s is not an integer epoch time", what);
	cbor_decref(&in);
	return rv;
}

/*
 * [environment, [measurement-map]] with environment {0: {0: 111(oid)}} and
 * measurement-map {? 0: tstr, 1: {mkey: value}}: both sides of the triple
 * have this shape. *val points into rec.
 */
static int stateful_env(struct poc_err *e, const cbor_item_t *rec, const uint8_t *oid, size_t oidlen,
			int64_t mkey, const char *what, const cbor_item_t **val)
{
	static const int64_t k0[] = { 0 }, k01[] = { 0, 1 };
	const int64_t kv[] = { mkey };
	const cbor_item_t *env, *cls, *cid, *claims, *mm, *mk, *mv;
	cbor_item_t *oidb = NULL;
	const uint8_t *p;
	const char *s;
	size_t n;
	int rv = -1;

	if (want_array(e, rec, 2, what) < 0)
		return -1;
	env = cbor_array_handle(rec)[0];
	claims = cbor_array_handle(rec)[1];
	if (want_map(e, env, "environment") < 0 || map_closed(e, env, k0, 1, "environment") < 0 ||
	    map_need(e, env, 0, "environment", &cls) < 0 || want_map(e, cls, "class") < 0 ||
	    map_closed(e, cls, k0, 1, "class") < 0 || map_need(e, cls, 0, "class", &cid) < 0 ||
	    (oidb = untag(e, cid, OID_TAG, "class-id")) == NULL ||
	    want_bstr(e, oidb, "class-id", &p, &n) < 0)
		goto done;
	if (n != oidlen || memcmp(p, oid, n) != 0) {
		poc_err_set(e, POC_ERR_MALFORMED, "POE token: %s: class-id is not the profile's OID", what);
		goto done;
	}
	/* A bare measurement-map here (poe-negative-bare.cbor) breaks base CoRIM's [+ measurement-map]. */
	if (want_array(e, claims, 1, "measurement list") < 0)
		goto done;
	mm = cbor_array_handle(claims)[0];
	if (want_map(e, mm, "measurement-map") < 0 || map_closed(e, mm, k01, 2, "measurement-map") < 0 ||
	    map_get(e, mm, 0, "measurement-map", &mk) < 0 ||
	    (mk != NULL && want_tstr(e, mk, "mkey", &s, &n) < 0) ||
	    map_need(e, mm, 1, "measurement-map", &mv) < 0 || want_map(e, mv, "mval") < 0 ||
	    map_closed(e, mv, kv, 1, "mval") < 0 || map_need(e, mv, mkey, "mval", val) < 0)
		goto done;
	rv = 0;
done:
	if (oidb != NULL)
		cbor_decref(&oidb);
	if (rv < 0)
		poc_err_prefix(e, "%s: ", what);
	return rv;
}

static int parse_comid(struct poc_err *e, const cbor_item_t *comid, struct poc_poe *out)
{
	static const int64_t kcomid[] = { COMID_IDENTITY, COMID_TRIPLES }, k0[] = { 0 },
			     ktriples[] = { TRIPLES_COND_ENDORSE };
	const cbor_item_t *ident, *tid, *triples, *ces, *rec, *conds, *endos, *v;
	const uint8_t *p;
	const char *s;
	size_t n;

	if (want_map(e, comid, "CoMID") < 0 || map_closed(e, comid, kcomid, 2, "CoMID") < 0 ||
	    map_need(e, comid, COMID_IDENTITY, "CoMID", &ident) < 0 || want_map(e, ident, "tag-identity") < 0 ||
	    map_closed(e, ident, k0, 1, "tag-identity") < 0 || map_need(e, ident, 0, "tag-identity", &tid) < 0 ||
	    want_id(e, tid, "tag-id") < 0 ||
	    map_need(e, comid, COMID_TRIPLES, "CoMID", &triples) < 0 || want_map(e, triples, "triples") < 0 ||
	    map_closed(e, triples, ktriples, 1, "triples") < 0 ||
	    map_need(e, triples, TRIPLES_COND_ENDORSE, "triples", &ces) < 0 ||
	    want_array(e, ces, 1, "conditional-endorsement-triples") < 0)
		return -1;
	rec = cbor_array_handle(ces)[0];
	if (want_array(e, rec, 2, "conditional-endorsement triple") < 0)
		return -1;
	conds = cbor_array_handle(rec)[0];
	endos = cbor_array_handle(rec)[1];
	if (want_array(e, conds, 1, "conditions") < 0 ||
	    stateful_env(e, cbor_array_handle(conds)[0], piid_env_oid, sizeof(piid_env_oid), MKEY_PIID,
			 "conditions", &v) < 0 ||
	    want_bstr(e, v, "PIID (-101)", &p, &n) < 0)
		return -1;
	/* The profile allows 16- or 32-byte PIIDs only. */
	if (n != 16 && n != 32)
		return poc_err_set(e, POC_ERR_MALFORMED, "POE token: PIID is %zu bytes, want 16 or 32", n);
	memcpy(out->piid, p, n);
	out->piid_len = n;
	if (want_array(e, endos, 1, "endorsements") < 0 ||
	    stateful_env(e, cbor_array_handle(endos)[0], owner_env_oid, sizeof(owner_env_oid), MKEY_OWNER,
			 "endorsements", &v) < 0 ||
	    want_tstr(e, v, "owner (-401)", &s, &n) < 0)
		return -1;
	if (n == 0 || n >= sizeof(out->owner))
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "POE token: owner name is %zu bytes, want 1..%zu", n,
				   sizeof(out->owner) - 1);
	/* An embedded NUL would make the C string name a different owner than the token. */
	if (memchr(s, 0, n) != NULL)
		return poc_err_set(e, POC_ERR_MALFORMED, "POE token: owner name holds a NUL byte");
	memcpy(out->owner, s, n);
	out->owner[n] = 0;
	return 0;
}

static int parse_validity(struct poc_err *e, const cbor_item_t *val, struct poc_poe *out)
{
	static const int64_t k01[] = { 0, 1 };
	const cbor_item_t *nb, *na;

	if (want_map(e, val, "rim-validity") < 0 || map_closed(e, val, k01, 2, "rim-validity") < 0 ||
	    map_get(e, val, 0, "rim-validity", &nb) < 0 || map_need(e, val, 1, "rim-validity", &na) < 0)
		return -1;
	out->not_before = INT64_MIN;
	if ((nb != NULL && want_time(e, nb, "not-before", &out->not_before) < 0) ||
	    want_time(e, na, "not-after", &out->not_after) < 0)
		return -1;
	if (out->not_before > out->not_after)
		return poc_err_set(e, POC_ERR_MALFORMED, "POE token: not-before is after not-after");
	out->has_validity = 1;
	return 0;
}

static int parse_corim(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_poe *out)
{
	cbor_item_t *top, *corim = NULL, *tagged = NULL, *comid = NULL;
	const cbor_item_t *id, *tags, *prof, *val;
	const uint8_t *p;
	const char *s;
	size_t n;
	int rv = -1;

	if ((top = poc_cbor_load(e, buf, len, "POE token payload")) == NULL)
		return -1;
	if ((corim = untag(e, top, CORIM_TAG, "payload (CoRIM)")) == NULL || want_map(e, corim, "CoRIM") < 0 ||
	    map_need(e, corim, CORIM_ID, "CoRIM", &id) < 0 || want_id(e, id, "corim-id") < 0 ||
	    map_need(e, corim, CORIM_PROFILE, "CoRIM", &prof) < 0 || want_tstr(e, prof, "profile", &s, &n) < 0)
		goto done;
	if (n >= sizeof(out->profile) || memchr(s, 0, n) != NULL || n != strlen(POC_POE_PROFILE) ||
	    memcmp(s, POC_POE_PROFILE, n) != 0) {
		poc_err_set(e, POC_ERR_UNSUPPORTED, "POE token: CoRIM profile is not %s", POC_POE_PROFILE);
		goto done;
	}
	memcpy(out->profile, s, n);
	out->profile[n] = 0;
	if (map_get(e, corim, CORIM_VALIDITY, "CoRIM", &val) < 0 ||
	    (val != NULL && parse_validity(e, val, out) < 0))
		goto done;
	if (map_need(e, corim, CORIM_TAGS, "CoRIM", &tags) < 0 || want_array(e, tags, 1, "CoRIM tags") < 0 ||
	    (tagged = untag(e, cbor_array_handle(tags)[0], COMID_TAG, "CoMID")) == NULL ||
	    want_bstr(e, tagged, "CoMID", &p, &n) < 0 || (comid = poc_cbor_load(e, p, n, "POE CoMID")) == NULL ||
	    parse_comid(e, comid, out) < 0)
		goto done;
	rv = 0;
done:
	if (comid != NULL)
		cbor_decref(&comid);
	if (tagged != NULL)
		cbor_decref(&tagged);
	if (corim != NULL)
		cbor_decref(&corim);
	cbor_decref(&top);
	return rv;
}

/*
 * x5chain: one bstr or an array of them (RFC 9360). Bytes that are not a DER
 * certificate leave out->x5chain NULL rather than failing: structure stays
 * parseable, and verify refuses a chain it cannot read.
 */
static int parse_x5chain(struct poc_err *e, const cbor_item_t *x5, struct poc_poe *out)
{
	const cbor_item_t *const *items = &x5;
	size_t i, n = 1, len;
	const uint8_t *p, *q;
	STACK_OF(X509) *sk;
	X509 *c;

	if (cbor_isa_array(x5)) {
		if (want_array(e, x5, 0, "x5chain") < 0)
			return -1;
		n = cbor_array_size(x5);
		items = (const cbor_item_t *const *)cbor_array_handle(x5);
	}
	if (n > X5CHAIN_MAX)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "POE token: x5chain holds %zu certificates, at most %d",
				   n, X5CHAIN_MAX);
	for (i = 0; i < n; i++)
		if (want_bstr(e, items[i], "x5chain entry", &p, &len) < 0)
			return -1;
	if ((sk = sk_X509_new_null()) == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "POE token: x5chain");
	for (i = 0; i < n; i++) {
		(void)want_bstr(e, items[i], "x5chain entry", &p, &len);
		q = p;
		c = len <= INT32_MAX ? d2i_X509(NULL, &q, (long)len) : NULL;
		if (c == NULL || q != p + len) {
			X509_free(c);
			ERR_clear_error();
			sk_X509_pop_free(sk, X509_free);
			return 0;
		}
		if (!sk_X509_push(sk, c)) {
			X509_free(c);
			sk_X509_pop_free(sk, X509_free);
			return poc_err_set(e, POC_ERR_NOMEM, "POE token: x5chain");
		}
	}
	out->x5chain = sk;
	return 0;
}

static int parse_protected(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_poe *out,
			   cbor_item_t **hdr)
{
	const cbor_item_t *alg, *crit, *ct;
	const char *s;
	size_t n;
	int64_t a;

	*hdr = NULL;
	if (len == 0)
		return poc_err_set(e, POC_ERR_MALFORMED, "POE token: empty protected header (alg must be protected)");
	if ((*hdr = poc_cbor_load(e, buf, len, "POE protected header")) == NULL)
		return -1;
	if (want_map(e, *hdr, "protected header") < 0 || map_need(e, *hdr, HDR_ALG, "protected header", &alg) < 0)
		return -1;
	if (poc_cbor_int(alg, &a) < 0 || (a != POC_COSE_ES256 && a != POC_COSE_ES384))
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "POE token: COSE alg is not ES256 (-7) or ES384 (-35)");
	out->alg = (int)a;
	/* crit names headers we would have to understand; we understand none beyond the above. */
	if (map_get(e, *hdr, HDR_CRIT, "protected header", &crit) < 0)
		return -1;
	if (crit != NULL)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "POE token: critical headers are not supported");
	if (map_get(e, *hdr, HDR_CTYPE, "protected header", &ct) < 0)
		return -1;
	if (ct != NULL && (want_tstr(e, ct, "content type", &s, &n) < 0 || n != strlen("application/rim+cbor") ||
			   memcmp(s, "application/rim+cbor", n) != 0))
		return poc_err_set(e, POC_ERR_MALFORMED, "POE token: content type is not application/rim+cbor");
	return 0;
}

int poc_poe_decode_raw(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_poe *out, struct poe_raw *raw)
{
	cbor_item_t *arr, *hdr = NULL;
	const cbor_item_t *unprot, *x5p, *x5u;
	size_t hdrlen;
	int rv = -1;

	memset(out, 0, sizeof(*out));
	memset(raw, 0, sizeof(*raw));
	if (e == NULL || buf == NULL)
		return poc_err_set(e, POC_ERR_ARG, "POE token: no input");
	/*
	 * libcbor 0.8 refuses one-byte tag heads 6..20 as "unassigned", and
	 * COSE_Sign1's tag 18 is one of them (0xd2): take the tag off by hand
	 * and let libcbor read the array inside.
	 */
	if (len >= 1 && buf[0] == 0xc0 + COSE_SIGN1_TAG)
		hdrlen = 1;
	else if (len >= 2 && buf[0] == 0xd8 && buf[1] == COSE_SIGN1_TAG)
		hdrlen = 2;
	else
		return poc_err_set(e, POC_ERR_MALFORMED, "POE token: not a tagged COSE_Sign1 (tag 18)");
	if ((raw->top = poc_cbor_load(e, buf + hdrlen, len - hdrlen, "POE token")) == NULL)
		return -1;
	arr = raw->top;
	if (want_array(e, arr, 4, "COSE_Sign1") < 0)
		goto done;
	unprot = cbor_array_handle(arr)[1];
	if (want_bstr(e, cbor_array_handle(arr)[0], "protected header", &raw->prot, &raw->prot_len) < 0 ||
	    want_map(e, unprot, "unprotected header") < 0)
		goto done;
	if (cbor_isa_float_ctrl(cbor_array_handle(arr)[2])) {
		poc_err_set(e, POC_ERR_UNSUPPORTED, "POE token: detached payloads are not supported");
		goto done;
	}
	if (want_bstr(e, cbor_array_handle(arr)[2], "payload", &raw->payload, &raw->payload_len) < 0 ||
	    want_bstr(e, cbor_array_handle(arr)[3], "signature", &raw->sig, &raw->sig_len) < 0 ||
	    parse_protected(e, raw->prot, raw->prot_len, out, &hdr) < 0 ||
	    map_get(e, hdr, HDR_X5CHAIN, "protected header", &x5p) < 0 ||
	    map_get(e, unprot, HDR_X5CHAIN, "unprotected header", &x5u) < 0)
		goto done;
	/* RFC 9360 allows x5chain in either bucket, but one token must not carry two chains. */
	if (x5p != NULL && x5u != NULL) {
		poc_err_set(e, POC_ERR_MALFORMED, "POE token: x5chain in both header buckets");
		goto done;
	}
	if (x5p == NULL && x5u == NULL) {
		poc_err_set(e, POC_ERR_MALFORMED, "POE token: no x5chain (33) header");
		goto done;
	}
	if (parse_x5chain(e, x5p != NULL ? x5p : x5u, out) < 0 ||
	    parse_corim(e, raw->payload, raw->payload_len, out) < 0)
		goto done;
	rv = 0;
done:
	if (hdr != NULL)
		cbor_decref(&hdr);
	if (rv < 0) {
		poc_poe_free(out);
		cbor_decref(&raw->top);
		memset(raw, 0, sizeof(*raw));
	}
	return rv;
}

int poc_poe_parse(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_poe *out)
{
	struct poe_raw raw;

	if (out == NULL)
		return poc_err_set(e, POC_ERR_ARG, "POE token: no output");
	if (poc_poe_decode_raw(e, buf, len, out, &raw) < 0)
		return -1;
	cbor_decref(&raw.top);
	return 0;
}
