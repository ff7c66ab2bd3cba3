/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The key-management rules that outlive one call, for tests/p11-keymgmt:
 * usages that stay put under C_SetAttributeValue and C_CopyObject, and
 * CKA_WRAP_TEMPLATE, CKA_UNWRAP_TEMPLATE, CKA_DERIVE_TEMPLATE.
 */
#include "p11-keymgmt.h"

/* Tookan with C_SetAttributeValue and C_CopyObject: a key that wraps never comes to decrypt, nor does a copy. */
void sticky(CK_OBJECT_HANDLE target)
{
	CK_MECHANISM kw = { CKM_AES_KEY_WRAP, NULL, 0 };
	CK_ATTRIBUTE dec = { CKA_DECRYPT, &yes, sizeof(yes) }, nodec = { CKA_DECRYPT, &no, sizeof(no) };
	CK_ATTRIBUTE unwrapping[] = { { CKA_WRAP, &no, sizeof(no) }, { CKA_UNWRAP, &no, sizeof(no) } };
	CK_OBJECT_HANDLE g = aes_gen(16, LIST(CKA_WRAP, CKA_UNWRAP), LIST(CKA_ENCRYPT, CKA_DECRYPT)), copy;
	CK_OBJECT_HANDLE d = aes_gen(16, LIST(CKA_WRAP, CKA_DECRYPT), LIST(CKA_ENCRYPT));
	uint8_t out[256];
	CK_ULONG len = sizeof(out);

	is_rv(f->C_SetAttributeValue(sess, g, &dec, 1), CKR_ATTRIBUTE_READ_ONLY,
	      "C_SetAttributeValue: CKA_DECRYPT on a wrapping key is read-only");
	is_rv(f->C_CopyObject(sess, g, &dec, 1, &copy), CKR_ATTRIBUTE_READ_ONLY,
	      "C_CopyObject: a copy of a wrapping key that decrypts is refused");
	is_rv(f->C_SetAttributeValue(sess, g, unwrapping, 2), CKR_OK, "C_SetAttributeValue: CKA_WRAP, CKA_UNWRAP false");
	is_rv(f->C_SetAttributeValue(sess, g, &dec, 1), CKR_ATTRIBUTE_READ_ONLY,
	      "and still no CKA_DECRYPT: it wrapped once");
	is_rv(f->C_CopyObject(sess, d, NULL, 0, &copy), CKR_OK, "(control: a key that wraps and decrypts copies as it is)");
	is_rv(f->C_SetAttributeValue(sess, d, &nodec, 1), CKR_OK, "C_SetAttributeValue: CKA_DECRYPT false on a key that decrypted");
	is_rv(wrap(&kw, d, target, out, &len), CKR_KEY_NOT_WRAPPABLE,
	      "that key still wraps no sensitive key (it decrypted once, or a copy of it may)");
}

/* ---- CKA_WRAP_TEMPLATE, CKA_UNWRAP_TEMPLATE, CKA_DERIVE_TEMPLATE ---- */

void templates(CK_OBJECT_HANDLE target)
{
	CK_MECHANISM kw = { CKM_AES_KEY_WRAP, NULL, 0 }, gen = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_ULONG l16 = 16, l32 = 32, len;
	CK_ATTRIBUTE wt[] = { { CKA_VALUE_LEN, &l16, sizeof(l16) } };
	CK_ATTRIBUTE ut[] = { { CKA_EXTRACTABLE, &no, sizeof(no) }, { CKA_DECRYPT, &no, sizeof(no) } };
	CK_ATTRIBUTE bad[] = { { CKA_WRAP_TEMPLATE, wt, sizeof(wt) } };
	CK_OBJECT_HANDLE w = CK_INVALID_HANDLE, big = aes_gen(32, LIST(CKA_EXTRACTABLE), NULL), back, copy;
	uint8_t out[256];
	struct tmpl t;

	tmpl_new(&t, LIST(CKA_WRAP, CKA_UNWRAP), LIST(CKA_ENCRYPT, CKA_DECRYPT));
	t_add(&t, CKA_VALUE_LEN, &l32, sizeof(l32));
	t_add(&t, CKA_WRAP_TEMPLATE, bad, sizeof(bad));
	is_rv(f->C_GenerateKey(sess, &gen, t.a, t.n, &w), CKR_ATTRIBUTE_VALUE_INVALID, "a template inside a template");
	t.n--;
	t_add(&t, CKA_WRAP_TEMPLATE, wt, sizeof(wt));
	t_add(&t, CKA_UNWRAP_TEMPLATE, ut, sizeof(ut));
	if (!is_rv(f->C_GenerateKey(sess, &gen, t.a, t.n, &w), CKR_OK,
		   "a wrapping key with CKA_WRAP_TEMPLATE {VALUE_LEN 16} and CKA_UNWRAP_TEMPLATE {EXTRACTABLE, DECRYPT false}"))
		return;
	len = sizeof(out);
	is_rv(wrap(&kw, w, big, out, &len), CKR_KEY_NOT_WRAPPABLE, "CKA_WRAP_TEMPLATE: a 32-byte key is not wrapped");
	len = sizeof(out);
	if (!is_rv(wrap(&kw, w, target, out, &len), CKR_OK, "CKA_WRAP_TEMPLATE: a 16-byte key is"))
		return;
	secret_tmpl(&t, &aes_type, NULL, LIST(CKA_EXTRACTABLE), NULL);
	is_rv(unwrap(&kw, w, out, len, &t, &back), CKR_TEMPLATE_INCONSISTENT,
	      "CKA_UNWRAP_TEMPLATE: a template asking CKA_EXTRACTABLE true is inconsistent");
	secret_tmpl(&t, &aes_type, NULL, LIST(CKA_ENCRYPT), NULL);
	if (is_rv(unwrap(&kw, w, out, len, &t, &back), CKR_OK, "CKA_UNWRAP_TEMPLATE: a template that agrees"))
		ok(get_bool(back, CKA_EXTRACTABLE, 0) && get_bool(back, CKA_DECRYPT, 0) && get_bool(back, CKA_ENCRYPT, 1),
		   "CKA_UNWRAP_TEMPLATE: the unwrapped key has the template's attributes");
	if (is_rv(f->C_CopyObject(sess, w, NULL, 0, &copy), CKR_OK, "C_CopyObject of the wrapping key")) {
		len = sizeof(out);
		is_rv(wrap(&kw, copy, big, out, &len), CKR_KEY_NOT_WRAPPABLE, "the copy keeps CKA_WRAP_TEMPLATE");
	}
}

void derive_template(void)
{
	uint8_t p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 }, pt[80];
	CK_ATTRIBUTE dt[] = { { CKA_SENSITIVE, &yes, sizeof(yes) } };
	CK_MECHANISM gen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_OBJECT_HANDLE pub, priv, k;
	EVP_PKEY *peer = EVP_EC_gen("P-256");
	size_t ptlen = 0;
	CK_ULONG zlen = 32;
	struct tmpl pt_t, vt, t;

	tmpl_new(&pt_t, NULL, NULL);
	t_add(&pt_t, CKA_EC_PARAMS, p256, sizeof(p256));
	tmpl_new(&vt, LIST(CKA_DERIVE), NULL);
	t_add(&vt, CKA_DERIVE_TEMPLATE, dt, sizeof(dt));
	if (!is_rv(f->C_GenerateKeyPair(sess, &gen, pt_t.a, pt_t.n, vt.a, vt.n, &pub, &priv), CKR_OK,
		   "an EC key with CKA_DERIVE_TEMPLATE {SENSITIVE true}") ||
	    !ok(peer != NULL && EVP_PKEY_get_octet_string_param(peer, "encoded-pub-key", pt, sizeof(pt), &ptlen) == 1,
		"a peer key")) {
		EVP_PKEY_free(peer);
		return;
	}
	secret_tmpl(&t, &generic_type, &zlen, LIST(CKA_EXTRACTABLE), LIST(CKA_SENSITIVE));
	is_rv(ecdh(priv, CKD_NULL, pt, (CK_ULONG)ptlen, &t, &k), CKR_TEMPLATE_INCONSISTENT,
	      "CKA_DERIVE_TEMPLATE: deriving a key that is not sensitive is inconsistent");
	secret_tmpl(&t, &generic_type, &zlen, NULL, NULL);
	if (is_rv(ecdh(priv, CKD_NULL, pt, (CK_ULONG)ptlen, &t, &k), CKR_OK, "CKA_DERIVE_TEMPLATE: a template that agrees"))
		ok(get_bool(k, CKA_SENSITIVE, 1), "CKA_DERIVE_TEMPLATE: the derived key is sensitive");
	EVP_PKEY_free(peer);
}
