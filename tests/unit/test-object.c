/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sealed objects: round trip, every single-byte change of the file refused
 * (by parse or by open), wrong keys, K_remote, truncations, strict headers,
 * a 16 KiB secret, and the binding to a token (token id in the header and,
 * with the verifier key's digest, in the HKDF info).
 */
#include <cbor.h>

#include "store/object.h"
#include "../test.h"

static uint8_t pub[] = { 0x00, 0x04, 'p', 'u', 'b', '!' };
static uint8_t priv[] = { 0x00, 0x05, 'p', 'r', 'i', 'v', '!' };
static uint8_t spki[] = { 0x30, 0x03, 0x01, 0x02, 0x03 };

static const struct poc_object_bind bind = {
	.token_id = { 0x70, 0x6f, 0x63, 0x2d, 0x74, 0x6f, 0x6b, 0x65, 0x6e, 0x2d, 0x69, 0x64, 0x2d, 0x30, 0x30, 0x31 },
	.verifier = { 0x5a, 0x5a, 0x5a },
};

static void fill(struct poc_object_header *h)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->token_id, bind.token_id, POC_TOKEN_ID_LEN);
	h->class = 3;
	h->key_type = 3; /* CKK_EC */
	strcpy(h->label, "tls-key");
	memcpy(h->id, "\x01\x02\x03", 3);
	h->id_len = 3;
	h->flags = POC_OBJ_SIGN | POC_OBJ_SENSITIVE;
	h->spki = spki;
	h->spki_len = sizeof(spki);
	h->pcr_bank = 0x000B;
	h->pcr_mask = 0x40ff;
	memset(h->policy_digest, 0xab, 32);
	h->ttl = 3600;
	h->recheck_first_use = 1;
	h->sealed_pub = pub;
	h->sealed_pub_len = sizeof(pub);
	h->sealed_priv = priv;
	h->sealed_priv_len = sizeof(priv);
}

static const uint8_t k_tpm[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
static const uint8_t k_rem[32] = { 0xee, 0xdd };

static void test_roundtrip(void)
{
	struct poc_object_header h, p;
	struct poc_err e = { 0 };
	uint8_t *obj = NULL, *sec = NULL, bad_key[32];
	const uint8_t *hb;
	size_t len = 0, slen = 0, hlen, i, cut;
	int accepted = 0, wrong_code = 0;
	static const char secret[] = "the secret";

	fill(&h);
	ok(poc_object_seal(&e, &h, &bind, k_tpm, NULL, (const uint8_t *)secret, sizeof(secret), &obj, &len) == 0, "seal: %s",
	   e.msg);
	ok(poc_object_parse(&e, obj, len, &p, &hb, &hlen) == 0, "parse: %s", e.msg);
	ok(p.class == 3 && p.key_type == 3 && strcmp(p.label, "tls-key") == 0 && p.id_len == 3 &&
		   memcmp(p.id, "\x01\x02\x03", 3) == 0 && p.flags == (POC_OBJ_SIGN | POC_OBJ_SENSITIVE),
	   "class, key type, label, id, flags survive");
	ok(p.spki_len == sizeof(spki) && memcmp(p.spki, spki, sizeof(spki)) == 0 && p.cert == NULL, "spki survives, no cert");
	ok(p.pcr_bank == 0x000B && p.pcr_mask == 0x40ff && p.policy_digest[31] == 0xab && p.ttl == 3600 &&
		   p.recheck_first_use == 1,
	   "policy survives");
	ok(p.sealed_pub_len == sizeof(pub) && memcmp(p.sealed_pub, pub, sizeof(pub)) == 0 &&
		   p.sealed_priv_len == sizeof(priv) && memcmp(p.sealed_priv, priv, sizeof(priv)) == 0 && p.remote == NULL,
	   "sealed object survives, no remote");
	ok(hb > obj && hb + hlen <= obj + len && hlen > 50, "header bytes point into the file (%zu bytes)", hlen);
	poc_object_header_free(&p);
	ok(poc_object_open(&e, obj, len, &bind, k_tpm, NULL, &sec, &slen) == 0 && slen == sizeof(secret) &&
		   memcmp(sec, secret, slen) == 0,
	   "open returns the secret: %s", e.msg);
	poc_secret_free(sec, slen);
	sec = NULL;

	memcpy(bad_key, k_tpm, 32);
	bad_key[31] ^= 1;
	poc_err_clear(&e);
	ok(poc_object_open(&e, obj, len, &bind, bad_key, NULL, &sec, &slen) < 0 && e.code == POC_ERR_SIGNATURE && sec == NULL,
	   "wrong K_tpm refused: %s", e.msg);
	poc_err_clear(&e);
	ok(poc_object_open(&e, obj, len, &bind, k_tpm, k_rem, &sec, &slen) < 0 && sec == NULL,
	   "K_remote for an object without remote refused: %s", e.msg);

	/* Every single-byte change anywhere in the file: refused by parse or by open. */
	for (i = 0; i < len; i++) {
		static const uint8_t deltas[] = { 0x01, 0x80, 0xff, 0x20 };
		size_t d;

		for (d = 0; d < sizeof(deltas); d++) {
			obj[i] ^= deltas[d];
			poc_err_clear(&e);
			if (poc_object_open(&e, obj, len, &bind, k_tpm, NULL, &sec, &slen) == 0) {
				accepted++;
				diag("byte %zu ^ 0x%02x accepted", i, deltas[d]);
				poc_secret_free(sec, slen);
			} else if (i >= (size_t)(hb - obj) && i < (size_t)(hb - obj) + hlen &&
				   e.code != POC_ERR_SIGNATURE && e.code != POC_ERR_MALFORMED && e.code != POC_ERR_MISMATCH &&
				   e.code != POC_ERR_TRUNCATED && e.code != POC_ERR_UNSUPPORTED) {
				wrong_code++;
			}
			obj[i] ^= deltas[d];
		}
	}
	is_int(accepted, 0, "all %zu x 4 single-byte changes refused", len);
	is_int(wrong_code, 0, "header changes fail as modified or malformed");
	/* A header change that still parses is caught by the AEAD, with the documented error. */
	{
		uint8_t *lp = memmem(obj, len, "tls-key", 7);

		ok(lp != NULL, "label found in the file");
		lp[0] = 'T';
		poc_err_clear(&e);
		ok(poc_object_parse(&e, obj, len, &p, NULL, NULL) == 0 && strcmp(p.label, "Tls-key") == 0,
		   "a changed label still parses");
		poc_object_header_free(&p);
		poc_err_clear(&e);
		ok(poc_object_open(&e, obj, len, &bind, k_tpm, NULL, &sec, &slen) < 0 && e.code == POC_ERR_SIGNATURE &&
			   strstr(e.msg, "object was modified") != NULL,
		   "open says the object was modified: %s", e.msg);
		lp[0] = 't';
	}
	/* Every proper prefix and an appended byte are refused. */
	accepted = 0;
	for (cut = 0; cut < len; cut++) {
		poc_err_clear(&e);
		if (poc_object_parse(&e, obj, cut, &p, NULL, NULL) == 0) {
			accepted++;
			poc_object_header_free(&p);
		}
	}
	is_int(accepted, 0, "every truncation refused");
	{
		uint8_t *longer = malloc(len + 1);

		memcpy(longer, obj, len);
		longer[len] = 0;
		poc_err_clear(&e);
		ok(poc_object_parse(&e, longer, len + 1, &p, NULL, NULL) < 0, "trailing byte refused: %s", e.msg);
		free(longer);
	}
	free(obj);
}

static void test_remote_and_variants(void)
{
	struct poc_object_header h, p;
	struct poc_err e = { 0 };
	uint8_t *obj = NULL, *sec = NULL, *big, k2[32];
	size_t len = 0, slen = 0, i;
	uint8_t cert[] = { 0x30, 0x00 };

	fill(&h);
	h.remote = (char *)"https://verifier.example/v1";
	ok(poc_object_seal(&e, &h, &bind, k_tpm, NULL, (const uint8_t *)"x", 1, &obj, &len) < 0 && obj == NULL,
	   "seal with remote but no K_remote refused: %s", e.msg);
	poc_err_clear(&e);
	ok(poc_object_seal(&e, &h, &bind, k_tpm, k_rem, (const uint8_t *)"xyz", 3, &obj, &len) == 0, "seal with K_remote: %s",
	   e.msg);
	ok(poc_object_parse(&e, obj, len, &p, NULL, NULL) == 0 && p.remote != NULL &&
		   strcmp(p.remote, "https://verifier.example/v1") == 0,
	   "remote URL survives");
	poc_object_header_free(&p);
	poc_err_clear(&e);
	ok(poc_object_open(&e, obj, len, &bind, k_tpm, NULL, &sec, &slen) < 0 && strstr(e.msg, "K_remote") != NULL,
	   "K_remote required when used: %s", e.msg);
	memcpy(k2, k_rem, 32);
	k2[0] ^= 0x40;
	poc_err_clear(&e);
	ok(poc_object_open(&e, obj, len, &bind, k_tpm, k2, &sec, &slen) < 0 && e.code == POC_ERR_SIGNATURE,
	   "wrong K_remote refused: %s", e.msg);
	poc_err_clear(&e);
	ok(poc_object_open(&e, obj, len, &bind, k_tpm, k_rem, &sec, &slen) == 0 && slen == 3 && memcmp(sec, "xyz", 3) == 0,
	   "open with K_tpm and K_remote: %s", e.msg);
	poc_secret_free(sec, slen);
	free(obj);

	/* A certificate object without spki, with an empty id, and an empty secret. */
	fill(&h);
	h.class = 1;
	h.spki = NULL;
	h.spki_len = 0;
	h.cert = cert;
	h.cert_len = sizeof(cert);
	h.id_len = 0;
	h.recheck_first_use = 0;
	poc_err_clear(&e);
	ok(poc_object_seal(&e, &h, &bind, k_tpm, NULL, NULL, 0, &obj, &len) == 0, "seal an empty secret: %s", e.msg);
	ok(poc_object_parse(&e, obj, len, &p, NULL, NULL) == 0 && p.class == 1 && p.cert_len == 2 && p.spki == NULL &&
		   p.id_len == 0 && p.recheck_first_use == 0,
	   "cert object, no spki, empty id, recheck login");
	poc_object_header_free(&p);
	ok(poc_object_open(&e, obj, len, &bind, k_tpm, NULL, &sec, &slen) == 0 && slen == 0 && sec != NULL,
	   "empty secret opens");
	poc_secret_free(sec, slen);
	free(obj);

	/* 16 KiB secret. */
	fill(&h);
	big = malloc(16384);
	for (i = 0; i < 16384; i++)
		big[i] = (uint8_t)(i * 7);
	poc_err_clear(&e);
	ok(poc_object_seal(&e, &h, &bind, k_tpm, NULL, big, 16384, &obj, &len) == 0 && len > 16384, "seal 16 KiB: %s", e.msg);
	ok(poc_object_open(&e, obj, len, &bind, k_tpm, NULL, &sec, &slen) == 0 && slen == 16384 &&
		   memcmp(sec, big, 16384) == 0,
	   "open 16 KiB");
	poc_secret_free(sec, slen);
	obj[len - 20] ^= 1; /* inside the ciphertext */
	poc_err_clear(&e);
	ok(poc_object_open(&e, obj, len, &bind, k_tpm, NULL, &sec, &slen) < 0 && e.code == POC_ERR_SIGNATURE,
	   "changed 16 KiB ciphertext refused");
	free(obj);
	free(big);

	/* Bad headers refused at seal time. */
	fill(&h);
	h.class = 5;
	poc_err_clear(&e);
	ok(poc_object_seal(&e, &h, &bind, k_tpm, NULL, (const uint8_t *)"x", 1, &obj, &len) < 0, "class 5 refused: %s", e.msg);
	fill(&h);
	h.sealed_priv = NULL;
	poc_err_clear(&e);
	ok(poc_object_seal(&e, &h, &bind, k_tpm, NULL, (const uint8_t *)"x", 1, &obj, &len) < 0, "no sealed.priv refused: %s",
	   e.msg);
	fill(&h);
	h.id_len = 257;
	poc_err_clear(&e);
	ok(poc_object_seal(&e, &h, &bind, k_tpm, NULL, (const uint8_t *)"x", 1, &obj, &len) < 0, "id of 257 bytes refused");
}

/* Builds an object whose header map gets one extra key, sealed correctly otherwise. */
static void test_unknown_key(void)
{
	struct poc_object_header h, p;
	struct poc_err e = { 0 };
	uint8_t *obj = NULL;
	size_t len = 0;
	const uint8_t *hb;
	size_t hlen;
	struct cbor_load_result res;
	cbor_item_t *hdr, *outer, *k, *v, *nh;
	unsigned char *nb = NULL, *no = NULL;
	size_t ncap = 0, nlen, ocap = 0, olen;
	struct cbor_pair *pairs;
	size_t i;

	fill(&h);
	ok(poc_object_seal(&e, &h, &bind, k_tpm, NULL, (const uint8_t *)"s", 1, &obj, &len) == 0,
	   "seal for the extra-key case");
	ok(poc_object_parse(&e, obj, len, &p, &hb, &hlen) == 0, "parse");
	poc_object_header_free(&p);
	hdr = cbor_load(hb, hlen, &res);
	nh = cbor_new_definite_map(cbor_map_size(hdr) + 1);
	pairs = cbor_map_handle(hdr);
	for (i = 0; i < cbor_map_size(hdr); i++)
		cbor_map_add(nh, pairs[i]);
	k = cbor_build_string("colour");
	v = cbor_build_string("blue");
	cbor_map_add(nh, (struct cbor_pair){ .key = k, .value = v });
	cbor_decref(&k);
	cbor_decref(&v);
	nlen = cbor_serialize_alloc(nh, &nb, &ncap);
	outer = cbor_new_definite_map(4);
	k = cbor_build_string("version");
	v = cbor_build_uint8(POC_OBJECT_VERSION);
	cbor_map_add(outer, (struct cbor_pair){ .key = k, .value = v });
	cbor_decref(&k);
	cbor_decref(&v);
	k = cbor_build_string("header");
	v = cbor_build_bytestring(nb, nlen);
	cbor_map_add(outer, (struct cbor_pair){ .key = k, .value = v });
	cbor_decref(&k);
	cbor_decref(&v);
	k = cbor_build_string("ciphertext");
	v = cbor_build_bytestring((const uint8_t *)"0123456789abcdef!", 17);
	cbor_map_add(outer, (struct cbor_pair){ .key = k, .value = v });
	cbor_decref(&k);
	cbor_decref(&v);
	k = cbor_build_string("iv");
	v = cbor_build_bytestring((const uint8_t *)"123456789012", 12);
	cbor_map_add(outer, (struct cbor_pair){ .key = k, .value = v });
	cbor_decref(&k);
	cbor_decref(&v);
	olen = cbor_serialize_alloc(outer, &no, &ocap);
	poc_err_clear(&e);
	ok(poc_object_parse(&e, no, olen, &p, NULL, NULL) < 0 && strstr(e.msg, "unknown key") != NULL,
	   "unknown header key refused: %s", e.msg);
	poc_object_header_free(&p);
	cbor_decref(&hdr);
	cbor_decref(&nh);
	cbor_decref(&outer);
	free(nb);
	free(no);
	free(obj);
}

/* An object of one token does not open in another, whatever its header says. */
static void test_token_binding(void)
{
	struct poc_object_bind other = bind, key2 = bind;
	struct poc_object_header h, p;
	struct poc_err e = { 0 };
	uint8_t *obj = NULL, *sec = NULL, *idp;
	size_t len = 0, slen = 0;

	other.token_id[0] ^= 0x01;
	key2.verifier[31] ^= 0x80;
	fill(&h);
	ok(poc_object_seal(&e, &h, &bind, k_tpm, NULL, (const uint8_t *)"s3cret", 6, &obj, &len) == 0, "seal: %s", e.msg);
	ok(poc_object_parse(&e, obj, len, &p, NULL, NULL) == 0 && memcmp(p.token_id, bind.token_id, POC_TOKEN_ID_LEN) == 0,
	   "header.token_id survives");
	poc_object_header_free(&p);
	poc_err_clear(&e);
	ok(poc_object_open(&e, obj, len, &other, k_tpm, NULL, &sec, &slen) < 0 && e.code == POC_ERR_MISMATCH &&
		   strstr(e.msg, "another token") != NULL && sec == NULL,
	   "another token's binding: refused before any key (%s)", e.msg);
	poc_err_clear(&e);
	ok(poc_object_open(&e, obj, len, &key2, k_tpm, NULL, &sec, &slen) < 0 && e.code == POC_ERR_SIGNATURE && sec == NULL,
	   "the same token id with another verifier key: another K (%s)", e.msg);
	/* The header's token id edited to the other token's: the AAD and K both change. */
	idp = memmem(obj, len, bind.token_id, POC_TOKEN_ID_LEN);
	ok(idp != NULL, "token id found in the file");
	if (idp != NULL)
		idp[0] ^= 0x01;
	poc_err_clear(&e);
	ok(poc_object_open(&e, obj, len, &other, k_tpm, NULL, &sec, &slen) < 0 && e.code == POC_ERR_SIGNATURE &&
		   strstr(e.msg, "object was modified") != NULL,
	   "header.token_id edited to the other token's: refused there (%s)", e.msg);
	if (idp != NULL)
		idp[0] ^= 0x01;
	poc_err_clear(&e);
	ok(poc_object_open(&e, obj, len, &bind, k_tpm, NULL, &sec, &slen) == 0 && slen == 6, "restored: opens (%s)", e.msg);
	poc_secret_free(sec, slen);
	free(obj);
	obj = NULL;
	/* Sealing for a binding whose id the header does not carry is refused. */
	poc_err_clear(&e);
	ok(poc_object_seal(&e, &h, &other, k_tpm, NULL, (const uint8_t *)"x", 1, &obj, &len) < 0 && obj == NULL,
	   "seal with header.token_id not the binding's refused: %s", e.msg);
	poc_err_clear(&e);
	ok(poc_object_seal(&e, &h, NULL, k_tpm, NULL, (const uint8_t *)"x", 1, &obj, &len) < 0 && obj == NULL,
	   "seal without a binding refused");
}

/* A version 1 object (before the token binding): refused, and it says to re-create the token. */
static void test_old_version(void)
{
	static const uint8_t v1[] = {
		0xa4, 0x67, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0x01, 0x66, 'h', 'e', 'a', 'd', 'e', 'r', 0x41, 0xa0,
		0x6a, 'c', 'i', 'p', 'h', 'e', 'r', 't', 'e', 'x', 't', 0x50, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0x62, 'i', 'v', 0x4c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	struct poc_object_header p;
	struct poc_err e = { 0 };

	ok(poc_object_parse(&e, v1, sizeof(v1), &p, NULL, NULL) < 0 && e.code == POC_ERR_UNSUPPORTED &&
		   strstr(e.msg, "re-create the token") != NULL,
	   "version 1 object refused: %s", e.msg);
	poc_object_header_free(&p);
}

/* h is refused: the seal checks what it wrote (or the parse refuses it). */
static int refused(const struct poc_object_header *h, struct poc_object_header *p, struct poc_err *e)
{
	uint8_t *obj = NULL;
	size_t len = 0;
	int r = poc_object_seal(e, h, &bind, k_tpm, NULL, (const uint8_t *)"k", 1, &obj, &len) < 0 ||
		poc_object_parse(e, obj, len, p, NULL, NULL) < 0;

	if (obj != NULL)
		poc_object_header_free(p);
	free(obj);
	return r;
}

/* header.templates: round trip, and each malformed form the encoder can be made to write refused by the parser. */
static void test_templates(void)
{
	static uint8_t t_true[1] = { 1 }, len16[sizeof(unsigned long)] = { 16 }, none[1] = { 0 };
	struct poc_object_attr wrap[] = { { 0x161 /* CKA_VALUE_LEN */, len16, sizeof(len16) } };
	struct poc_object_attr unwrap[] = { { 0x103 /* CKA_SENSITIVE */, t_true, 1 }, { 0x162 /* EXTRACTABLE */, none, 1 } };
	struct poc_object_attr many[POC_OBJECT_TEMPLATE_ATTRS + 1];
	struct poc_object_header h, p;
	struct poc_err e = { 0 };
	uint8_t *obj = NULL;
	size_t len = 0;
	const char *env = getenv("POC_TEST_CORPUS_OUT");

	fill(&h);
	h.tmpl[POC_TMPL_WRAP] = (struct poc_object_template){ wrap, 1 };
	h.tmpl[POC_TMPL_UNWRAP] = (struct poc_object_template){ unwrap, 2 };
	ok(poc_object_seal(&e, &h, &bind, k_tpm, NULL, (const uint8_t *)"k", 1, &obj, &len) == 0, "templates: seal");
	if (env != NULL) { /* the fuzz corpus' seed for templates (tests/fuzz/corpus/fuzz-object/templates.obj) */
		FILE *fp = fopen(env, "wb");

		ok(fp != NULL && fwrite(obj, 1, len, fp) == len && fclose(fp) == 0, "wrote %s", env);
	}
	ok(poc_object_parse(&e, obj, len, &p, NULL, NULL) == 0 && p.tmpl[POC_TMPL_WRAP].n == 1 &&
		   p.tmpl[POC_TMPL_UNWRAP].n == 2 && p.tmpl[POC_TMPL_DERIVE].n == 0 &&
		   p.tmpl[POC_TMPL_WRAP].attrs[0].type == 0x161 && p.tmpl[POC_TMPL_WRAP].attrs[0].len == sizeof(len16) &&
		   memcmp(p.tmpl[POC_TMPL_WRAP].attrs[0].value, len16, sizeof(len16)) == 0 &&
		   p.tmpl[POC_TMPL_UNWRAP].attrs[1].type == 0x162 && p.tmpl[POC_TMPL_UNWRAP].attrs[1].value[0] == 0,
	   "templates survive: %s", e.msg);
	poc_object_header_free(&p);
	free(obj);
	unwrap[1].type = 0x103;
	poc_err_clear(&e);
	ok(refused(&h, &p, &e) && strstr(e.msg, "twice") != NULL, "an attribute twice in a template: %s", e.msg);
	unwrap[1].type = 0x162;
	unwrap[1].len = 0;
	poc_err_clear(&e);
	ok(refused(&h, &p, &e) && strstr(e.msg, "0 bytes") != NULL, "an empty value: %s", e.msg);
	for (size_t i = 0; i < sizeof(many) / sizeof(many[0]); i++)
		many[i] = (struct poc_object_attr){ 0x1000 + i, t_true, 1 };
	h.tmpl[POC_TMPL_DERIVE] = (struct poc_object_template){ many, sizeof(many) / sizeof(many[0]) };
	h.tmpl[POC_TMPL_UNWRAP].n = 0;
	poc_err_clear(&e);
	ok(refused(&h, &p, &e) && strstr(e.msg, "at most") != NULL, "a template of %d attributes: %s",
	   POC_OBJECT_TEMPLATE_ATTRS + 1, e.msg);
}

int main(void)
{
	test_templates();
	test_token_binding();
	test_old_version();
	test_roundtrip();
	test_remote_and_variants();
	test_unknown_key();
	return poc_test_done();
}
