/* SPDX-License-Identifier: Apache-2.0 */
/* What the module's C test programs (p11-record, p11-ops, p11-keylife) share. */
#ifndef POC_P11_TEST_H
#define POC_P11_TEST_H

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include <p11-kit/pkcs11.h>

/* The slot whose token label (blank padded to 32 bytes) is token: 0, or -1 when none. */
static inline int p11_test_find_slot(CK_FUNCTION_LIST *f, const char *token, CK_SLOT_ID *slot)
{
	CK_SLOT_ID slots[64];
	CK_ULONG n = 64, i;
	CK_TOKEN_INFO ti;
	char label[33];

	if (f->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK)
		return -1;
	for (i = 0; i < n; i++) {
		if (f->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;
		memcpy(label, ti.label, 32);
		label[32] = '\0';
		for (int k = 31; k >= 0 && label[k] == ' '; k--)
			label[k] = '\0';
		if (strcmp(label, token) == 0) {
			*slot = slots[i];
			return 0;
		}
	}
	return -1;
}

/*
 * The module at path loaded (dlopen, C_GetFunctionList), initialised (OS
 * locking) and a read-write session on token's slot with the user logged in
 * with pin: 0; -1 after a "Bail out!" line that says which step failed.
 */
static inline int p11_test_open(const char *path, const char *token, const char *pin, CK_FUNCTION_LIST **f, void **lib,
				CK_SLOT_ID *slot, CK_SESSION_HANDLE *sess)
{
	CK_C_INITIALIZE_ARGS init = { NULL, NULL, NULL, NULL, CKF_OS_LOCKING_OK, NULL };
	CK_RV (*gfl)(CK_FUNCTION_LIST_PTR_PTR);
	CK_RV rv;

	if ((*lib = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		printf("Bail out! %s\n", dlerror());
		return -1;
	}
	*(void **)&gfl = dlsym(*lib, "C_GetFunctionList");
	if (gfl == NULL || gfl(f) != CKR_OK || (rv = (*f)->C_Initialize(&init)) != CKR_OK) {
		printf("Bail out! %s: no function list, or C_Initialize failed\n", path);
		return -1;
	}
	if (p11_test_find_slot(*f, token, slot) < 0) {
		printf("Bail out! no token %s\n", token);
		return -1;
	}
	if ((rv = (*f)->C_OpenSession(*slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, sess)) != CKR_OK ||
	    (rv = (*f)->C_Login(*sess, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin))) != CKR_OK) {
		printf("Bail out! session or login on %s: 0x%lx\n", token, (unsigned long)rv);
		return -1;
	}
	return 0;
}

/* The one object of class with label in session s, or CK_INVALID_HANDLE (none, several, or an error). */
static inline CK_OBJECT_HANDLE p11_test_find(CK_FUNCTION_LIST *f, CK_SESSION_HANDLE s, CK_OBJECT_CLASS class,
					     const char *label)
{
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &class, sizeof(class) },
		{ CKA_LABEL, (void *)label, strlen(label) },
	};
	CK_OBJECT_HANDLE h[2] = { CK_INVALID_HANDLE, CK_INVALID_HANDLE };
	CK_ULONG n = 0;

	if (f->C_FindObjectsInit(s, t, 2) != CKR_OK)
		return CK_INVALID_HANDLE;
	if (f->C_FindObjects(s, h, 2, &n) != CKR_OK)
		n = 0;
	if (f->C_FindObjectsFinal(s) != CKR_OK)
		n = 0;
	return n == 1 ? h[0] : CK_INVALID_HANDLE;
}

#endif
