/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The curve table: the one list of the curves this token takes. Key
 * generation, C_CreateObject, poctool import, the loading of released keys
 * and C_GetMechanismInfo's key sizes read it, so a curve is taken by all of
 * them or by none.
 */
#include "crypto/crypto_int.h"

#include <limits.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/objects.h>

static const uint8_t oid_p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
static const uint8_t oid_p384[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22 };
static const uint8_t oid_ed25519[] = { 0x06, 0x03, 0x2b, 0x65, 0x70 };

static const struct poc_curve curves[] = {
	{ "prime256v1", CKK_EC, NID_X9_62_prime256v1, oid_p256, sizeof(oid_p256), NULL, 256, 32 },
	{ "secp384r1", CKK_EC, NID_secp384r1, oid_p384, sizeof(oid_p384), NULL, 384, 48 },
	/* PKCS#11 v3.0 section 2.3.5: Ed25519 keys are 255 bits. */
	{ "ED25519", CKK_EC_EDWARDS, NID_ED25519, oid_ed25519, sizeof(oid_ed25519), "edwards25519", 255, 32 },
};

#define NCURVES (sizeof(curves) / sizeof(curves[0]))

/* A DER PrintableString (tag 0x13, short length) spanning len: its body, or NULL. */
static const uint8_t *printable_body(const uint8_t *der, size_t len, size_t *blen)
{
	if (len < 2 || der[0] != 0x13 || der[1] >= 0x80 || (size_t)der[1] + 2 != len)
		return NULL;
	*blen = der[1];
	return der + 2;
}

enum poc_curve_parse poc_curve_parse(CK_KEY_TYPE type, const uint8_t *der, size_t len, const struct poc_curve **c)
{
	const unsigned char *p = der;
	const uint8_t *body;
	ASN1_OBJECT *obj;
	size_t blen;
	int nid;

	*c = NULL;
	if (der == NULL || len == 0)
		return POC_CURVE_ABSENT;
	if (len > LONG_MAX)
		return POC_CURVE_MALFORMED;
	/* ecParameters: explicit parameters or implicitlyCA are well-formed but never taken. */
	if (type == CKK_EC && (der[0] == 0x30 || der[0] == 0x05))
		return POC_CURVE_OTHER;
	if (type == CKK_EC_EDWARDS && der[0] == 0x13) {
		if ((body = printable_body(der, len, &blen)) == NULL)
			return POC_CURVE_MALFORMED;
		for (size_t i = 0; i < NCURVES; i++)
			if (curves[i].key_type == type && curves[i].printable != NULL &&
			    strlen(curves[i].printable) == blen && memcmp(curves[i].printable, body, blen) == 0) {
				*c = &curves[i];
				return POC_CURVE_OK;
			}
		return POC_CURVE_OTHER;
	}
	if (der[0] != 0x06 || (obj = d2i_ASN1_OBJECT(NULL, &p, (long)len)) == NULL) {
		ERR_clear_error();
		return POC_CURVE_MALFORMED;
	}
	nid = OBJ_obj2nid(obj);
	ASN1_OBJECT_free(obj);
	if ((size_t)(p - der) != len)
		return POC_CURVE_MALFORMED;
	*c = poc_curve_by_nid(nid);
	if (*c == NULL || (*c)->key_type != type) {
		*c = NULL;
		return POC_CURVE_OTHER;
	}
	return POC_CURVE_OK;
}

const struct poc_curve *poc_curve_by_nid(int nid)
{
	if (nid == NID_undef)
		return NULL;
	for (size_t i = 0; i < NCURVES; i++)
		if (curves[i].nid == nid)
			return &curves[i];
	return NULL;
}

int poc_curve_sizes(CK_KEY_TYPE type, CK_ULONG *min, CK_ULONG *max)
{
	int found = 0;

	for (size_t i = 0; i < NCURVES; i++) {
		if (curves[i].key_type != type)
			continue;
		if (!found || curves[i].bits < *min)
			*min = curves[i].bits;
		if (!found || curves[i].bits > *max)
			*max = curves[i].bits;
		found = 1;
	}
	return found;
}
