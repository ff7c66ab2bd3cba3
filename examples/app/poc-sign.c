/* SPDX-License-Identifier: Apache-2.0 */
/*
 * poc-sign: an application using poc-pkcs11 through p11-kit. It loads the
 * module, logs in (which runs the Proof-of-Cloud check), signs a message with
 * a sealed key, and prints the attestation record that released the key.
 *
 *   poc-sign MODULE TOKEN KEY-LABEL PIN [MESSAGE]    (PIN "" for a token without one)
 *
 * Writes the signature (hex) and a readable summary of the record to stdout,
 * and the record itself to poc-sign.record (for `poctool record verify`).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/p11-kit.h>
#include <p11-kit/pkcs11.h>

#include "poc-pkcs11.h"
#include "record.h"

static CK_FUNCTION_LIST *f;

static int fail(const char *what, CK_RV rv)
{
	fprintf(stderr, "poc-sign: %s: %s (0x%lx)\n", what, p11_kit_strerror(rv), (unsigned long)rv);
	return 1;
}

/* The slot whose token label (blank padded) is label. */
static int find_slot(const char *label, CK_SLOT_ID *slot)
{
	CK_SLOT_ID slots[64];
	CK_ULONG n = 64, i;
	CK_TOKEN_INFO ti;
	size_t len = strlen(label);

	if (f->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK)
		return -1;
	for (i = 0; i < n; i++) {
		if (f->C_GetTokenInfo(slots[i], &ti) != CKR_OK || len > sizeof(ti.label))
			continue;
		if (memcmp(ti.label, label, len) == 0 &&
		    (len == sizeof(ti.label) || strspn((char *)ti.label + len, " ") == sizeof(ti.label) - len)) {
			*slot = slots[i];
			return 0;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[] = { { CKA_CLASS, &cls, sizeof(cls) }, { CKA_LABEL, NULL, 0 } };
	CK_KEY_TYPE kt;
	CK_ATTRIBUTE kta = { CKA_KEY_TYPE, &kt, sizeof(kt) };
	CK_MECHANISM mech = { CKM_ECDSA_SHA256, NULL, 0 };
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE key;
	CK_SLOT_ID slot;
	CK_ULONG n = 0, siglen = 0;
	CK_RV rv;
	const char *msg = argc > 5 ? argv[5] : "hello from a confidential VM";
	uint8_t sig[1024];
	CK_ATTRIBUTE rec = { CKA_POC_ATTESTATION_RECORD, NULL, 0 };
	struct poc_record *r = NULL;
	struct poc_err e = { 0 };
	char *json = NULL;
	FILE *out;

	if (argc < 5) {
		fprintf(stderr, "usage: poc-sign MODULE TOKEN KEY-LABEL PIN [MESSAGE]\n");
		return 2;
	}
	f = p11_kit_module_load(argv[1], 0);
	if (f == NULL) {
		fprintf(stderr, "poc-sign: cannot load %s: %s\n", argv[1], p11_kit_message());
		return 1;
	}
	if ((rv = p11_kit_module_initialize(f)) != CKR_OK)
		return fail("C_Initialize", rv);
	if (find_slot(argv[2], &slot) < 0) {
		fprintf(stderr, "poc-sign: no token \"%s\"\n", argv[2]);
		return 1;
	}
	if ((rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s)) != CKR_OK)
		return fail("C_OpenSession", rv);
	/* With release = login, this runs the Proof-of-Cloud check and unseals the token's keys. */
	if (argv[4][0] != '\0' &&
	    (rv = f->C_Login(s, CKU_USER, (CK_UTF8CHAR *)argv[4], (CK_ULONG)strlen(argv[4]))) != CKR_OK)
		return fail("C_Login (the Proof-of-Cloud check)", rv);
	tmpl[1].pValue = argv[3];
	tmpl[1].ulValueLen = (CK_ULONG)strlen(argv[3]);
	if ((rv = f->C_FindObjectsInit(s, tmpl, 2)) != CKR_OK || (rv = f->C_FindObjects(s, &key, 1, &n)) != CKR_OK ||
	    (rv = f->C_FindObjectsFinal(s)) != CKR_OK)
		return fail("C_FindObjects", rv);
	if (n == 0) {
		fprintf(stderr, "poc-sign: no private key \"%s\"\n", argv[3]);
		return 1;
	}
	if ((rv = f->C_GetAttributeValue(s, key, &kta, 1)) != CKR_OK)
		return fail("CKA_KEY_TYPE", rv);
	if (kt == CKK_RSA)
		mech.mechanism = CKM_SHA256_RSA_PKCS;
	else if (kt == CKK_EC_EDWARDS)
		mech.mechanism = CKM_EDDSA;
	siglen = sizeof(sig);
	if ((rv = f->C_SignInit(s, &mech, key)) != CKR_OK ||
	    (rv = f->C_Sign(s, (CK_BYTE *)msg, (CK_ULONG)strlen(msg), sig, &siglen)) != CKR_OK)
		return fail("C_Sign", rv);
	printf("signature (%lu bytes): ", (unsigned long)siglen);
	for (CK_ULONG i = 0; i < siglen; i++)
		printf("%02x", sig[i]);
	printf("\n");

	/* The record that released this key: size query, then the value. */
	if ((rv = f->C_GetAttributeValue(s, key, &rec, 1)) != CKR_OK || rec.ulValueLen == CK_UNAVAILABLE_INFORMATION)
		return fail("CKA_POC_ATTESTATION_RECORD (size)", rv);
	rec.pValue = malloc(rec.ulValueLen);
	if (rec.pValue == NULL || (rv = f->C_GetAttributeValue(s, key, &rec, 1)) != CKR_OK)
		return fail("CKA_POC_ATTESTATION_RECORD", rv);
	out = fopen("poc-sign.record", "wb");
	if (out == NULL || fwrite(rec.pValue, 1, rec.ulValueLen, out) != rec.ulValueLen || fclose(out) != 0) {
		perror("poc-sign.record");
		return 1;
	}
	if (poc_record_decode(&e, rec.pValue, rec.ulValueLen, &r) < 0 || poc_record_to_json(&e, r, &json) < 0) {
		fprintf(stderr, "poc-sign: the record does not decode: %s\n", e.msg);
		return 1;
	}
	printf("attestation record (%lu bytes, in poc-sign.record):\n%s\n", (unsigned long)rec.ulValueLen, json);
	free(json);
	poc_record_free(r);
	free(rec.pValue);
	f->C_Logout(s);
	f->C_CloseSession(s);
	p11_kit_module_finalize(f);
	p11_kit_module_release(f);
	return 0;
}
