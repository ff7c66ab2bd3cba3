/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Security Officer and the PINs through poc-pkcs11.so's entry points
 * (dlopen, C_GetFunctionList / C_GetInterface only), for
 * tests/integration/so.sh:
 *
 *   p11-so MODULE TOKEN USER_PIN SO_PIN NEW_PIN
 *
 * TOKEN has a user PIN, an SO PIN, and a CKO_DATA object "sec". Checks
 * C_Login's rules (CKR_SESSION_READ_ONLY_EXISTS, CKR_USER_ANOTHER_ALREADY_
 * LOGGED_IN both ways, CKR_USER_ALREADY_LOGGED_IN, CKR_USER_TYPE_INVALID,
 * CKR_PIN_INCORRECT for a wrong SO PIN and CKF_SO_PIN_COUNT_LOW after it),
 * C_LoginUser's username rule, an SO session's state and what it sees
 * (public objects, never "sec"; no R/O session beside it), C_InitPIN (R/W
 * SO session only; lifts a lock; another PIN refused), C_SetPIN old -> new
 * (the old PIN refused afterwards, the new one logs in), a second token
 * object with an existing label refused by C_CreateObject, the SO's C_SetPIN refused,
 * and C_InitToken (needs the SO PIN and no session; destroys "sec").
 * Prints TAP; exit 0 when all passed.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/pkcs11.h>

#include "p11-test.h"
#include "pkcs11/pkcs11_v3.h"

static CK_FUNCTION_LIST_PTR f;
static int n_test, n_fail;
static CK_SLOT_ID slot;

static void check(int ok, const char *what, CK_RV rv)
{
	n_test++;
	n_fail += !ok;
	printf("%s %d - %s (rv 0x%lx)\n", ok ? "ok" : "not ok", n_test, what, (unsigned long)rv);
	fflush(stdout);
}

#define EXPECT(want, call, what)                                                                                       \
	do {                                                                                                           \
		CK_RV r_ = (call);                                                                                     \
		check(r_ == (want), what, r_);                                                                         \
	} while (0)

static CK_SESSION_HANDLE open_session(CK_FLAGS rw)
{
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	CK_RV rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION | rw, NULL, NULL, &s);

	if (rv != CKR_OK)
		check(0, "C_OpenSession", rv);
	return s;
}

static CK_RV login(CK_SESSION_HANDLE s, CK_USER_TYPE u, const char *pin)
{
	return f->C_Login(s, u, (CK_UTF8CHAR_PTR)pin, strlen(pin));
}

static CK_FLAGS token_flags(void)
{
	CK_TOKEN_INFO ti;

	return f->C_GetTokenInfo(slot, &ti) == CKR_OK ? ti.flags : 0;
}

/* C_Login's rules between the user and the SO. */
static void login_rules(const char *user, const char *so)
{
	CK_SESSION_HANDLE ro = open_session(0), rw = open_session(CKF_RW_SESSION);
	CK_SESSION_INFO si;

	EXPECT(CKR_USER_TYPE_INVALID, login(rw, 7, user), "C_Login with user type 7: CKR_USER_TYPE_INVALID");
	EXPECT(CKR_SESSION_READ_ONLY_EXISTS, login(rw, CKU_SO, so), "SO login while an R/O session exists");
	EXPECT(CKR_OK, login(ro, CKU_USER, user), "user login");
	EXPECT(CKR_USER_ALREADY_LOGGED_IN, login(rw, CKU_USER, user), "user login again: CKR_USER_ALREADY_LOGGED_IN");
	EXPECT(CKR_OK, f->C_CloseSession(ro), "close the R/O session");
	EXPECT(CKR_USER_ANOTHER_ALREADY_LOGGED_IN, login(rw, CKU_SO, so), "SO login while the user is logged in");
	EXPECT(CKR_OK, f->C_Logout(rw), "user logout");
	EXPECT(CKR_PIN_INCORRECT, login(rw, CKU_SO, "wrong-so-pin"), "SO login with a wrong SO PIN: CKR_PIN_INCORRECT");
	check((token_flags() & CKF_SO_PIN_COUNT_LOW) != 0, "CKF_SO_PIN_COUNT_LOW after a wrong SO PIN", token_flags());
	EXPECT(CKR_OK, login(rw, CKU_SO, so), "SO login in a R/W session");
	check((token_flags() & CKF_SO_PIN_COUNT_LOW) == 0, "the right SO PIN sets the SO count back", token_flags());
	EXPECT(CKR_OK, f->C_GetSessionInfo(rw, &si), "C_GetSessionInfo");
	check(si.state == CKS_RW_SO_FUNCTIONS, "state CKS_RW_SO_FUNCTIONS", si.state);
	EXPECT(CKR_USER_ALREADY_LOGGED_IN, login(rw, CKU_SO, so), "SO login again: CKR_USER_ALREADY_LOGGED_IN");
	EXPECT(CKR_USER_ANOTHER_ALREADY_LOGGED_IN, login(rw, CKU_USER, user), "user login while the SO is logged in");
	{
		CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
		CK_RV rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &h);

		check(rv == CKR_SESSION_READ_WRITE_SO_EXISTS, "no R/O session beside an SO session", rv);
	}
	check(p11_test_find(f, rw, CKO_DATA, "sec") == CK_INVALID_HANDLE, "an SO session does not see the secret", 0);
	EXPECT(CKR_OK, f->C_Logout(rw), "SO logout");
	EXPECT(CKR_USER_NOT_LOGGED_IN, f->C_Logout(rw), "logout when nobody is: CKR_USER_NOT_LOGGED_IN");
	f->C_CloseSession(rw);
}

/* C_LoginUser (3.0): the username is empty, "user" / "so", or the token's label; anything else is refused. */
static void login_user(void *lib, const char *token, const char *user)
{
	CK_RV (*gi)(CK_UTF8CHAR_PTR, CK_VERSION_PTR, CK_INTERFACE_PTR_PTR, CK_FLAGS) =
		(CK_RV(*)(CK_UTF8CHAR_PTR, CK_VERSION_PTR, CK_INTERFACE_PTR_PTR, CK_FLAGS))dlsym(lib, "C_GetInterface");
	CK_INTERFACE_PTR ifc = NULL;
	CK_FUNCTION_LIST_3_0_PTR f3;
	CK_SESSION_HANDLE s = open_session(CKF_RW_SESSION);
	CK_RV rv = gi != NULL ? gi((CK_UTF8CHAR_PTR) "PKCS 11", NULL, &ifc, 0) : CKR_FUNCTION_NOT_SUPPORTED;

	check(rv == CKR_OK && ifc != NULL, "C_GetInterface(\"PKCS 11\")", rv);
	if (rv != CKR_OK || ifc == NULL)
		return;
	f3 = ifc->pFunctionList;
	rv = f3->C_LoginUser(s, CKU_USER, (CK_UTF8CHAR_PTR)user, strlen(user), (CK_UTF8CHAR_PTR) "mallory", 7);
	check(rv == CKR_USER_TYPE_INVALID, "C_LoginUser as \"mallory\": refused", rv);
	rv = f3->C_LoginUser(s, CKU_USER, (CK_UTF8CHAR_PTR)user, strlen(user), (CK_UTF8CHAR_PTR)token, strlen(token));
	check(rv == CKR_OK, "C_LoginUser with the token's label", rv);
	f->C_Logout(s);
	rv = f3->C_LoginUser(s, CKU_USER, (CK_UTF8CHAR_PTR)user, strlen(user), (CK_UTF8CHAR_PTR) "user", 4);
	check(rv == CKR_OK, "C_LoginUser as \"user\"", rv);
	f->C_CloseSession(s);
}

/* C_InitPIN lifts a locked user PIN; C_SetPIN for the user and for the SO. */
static void pin_functions(const char *user, const char *so, const char *npin)
{
	CK_SESSION_HANDLE rw = open_session(CKF_RW_SESSION), ro;
	CK_RV rv = CKR_OK;
	int i;

	EXPECT(CKR_USER_NOT_LOGGED_IN, f->C_InitPIN(rw, (CK_UTF8CHAR_PTR)user, strlen(user)), "C_InitPIN without the SO");
	for (i = 0; i < 10 && rv != CKR_PIN_LOCKED; i++)
		rv = login(rw, CKU_USER, "0000");
	check(rv == CKR_PIN_LOCKED && (token_flags() & CKF_USER_PIN_LOCKED), "wrong PINs lock the user PIN", rv);
	EXPECT(CKR_PIN_LOCKED, login(rw, CKU_USER, user), "the right PIN is refused while locked");
	EXPECT(CKR_OK, login(rw, CKU_SO, so), "SO login");
	EXPECT(CKR_PIN_INVALID, f->C_InitPIN(rw, (CK_UTF8CHAR_PTR) "other", 5),
	       "C_InitPIN with another PIN: CKR_PIN_INVALID (objects are sealed to the user's)");
	EXPECT(CKR_OK, f->C_InitPIN(rw, (CK_UTF8CHAR_PTR)user, strlen(user)), "C_InitPIN with the user's PIN lifts the lock");
	check(!(token_flags() & (CKF_USER_PIN_LOCKED | CKF_USER_PIN_COUNT_LOW)), "the lock flags are gone", token_flags());
	EXPECT(CKR_OK, f->C_Logout(rw), "SO logout");
	EXPECT(CKR_OK, login(rw, CKU_USER, user), "the user logs in again after C_InitPIN");
	check(p11_test_find(f, rw, CKO_DATA, "sec") != CK_INVALID_HANDLE, "... and sees the secret", 0);
	ro = open_session(0);
	EXPECT(CKR_SESSION_READ_ONLY, f->C_SetPIN(ro, (CK_UTF8CHAR_PTR)user, strlen(user), (CK_UTF8CHAR_PTR)npin, strlen(npin)),
	       "C_SetPIN in a R/O session");
	f->C_CloseSession(ro);
	EXPECT(CKR_PIN_INCORRECT, f->C_SetPIN(rw, (CK_UTF8CHAR_PTR) "0000", 4, (CK_UTF8CHAR_PTR)npin, strlen(npin)),
	       "C_SetPIN with a wrong old PIN");
	EXPECT(CKR_OK, f->C_SetPIN(rw, (CK_UTF8CHAR_PTR)user, strlen(user), (CK_UTF8CHAR_PTR)npin, strlen(npin)),
	       "C_SetPIN old -> new");
	f->C_Logout(rw);
	EXPECT(CKR_PIN_INCORRECT, login(rw, CKU_USER, user), "the old PIN is refused after C_SetPIN");
	EXPECT(CKR_OK, login(rw, CKU_USER, npin), "the new PIN logs in");
	check(p11_test_find(f, rw, CKO_DATA, "sec") != CK_INVALID_HANDLE, "... and sees the re-sealed secret", 0);
	{
		CK_OBJECT_CLASS data = CKO_DATA;
		CK_BBOOL yes = CK_TRUE;
		CK_ATTRIBUTE t[] = {
			{ CKA_CLASS, &data, sizeof(data) }, { CKA_TOKEN, &yes, sizeof(yes) }, { CKA_PRIVATE, &yes, sizeof(yes) },
			{ CKA_LABEL, "sec", 3 },	     { CKA_VALUE, "another", 7 },
		};
		CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;

		EXPECT(CKR_TEMPLATE_INCONSISTENT, f->C_CreateObject(rw, t, 5, &h),
		       "C_CreateObject of a second token secret labelled \"sec\": refused");
	}
	{
		/* Keys with ids: their file names differ, the label check must still hold on a relabel and a copy. */
		CK_MECHANISM gen = { CKM_AES_KEY_GEN, NULL, 0 };
		CK_ULONG len = 32;
		CK_BBOOL yes = CK_TRUE;
		CK_ATTRIBUTE k1[] = { { CKA_TOKEN, &yes, sizeof(yes) }, { CKA_VALUE_LEN, &len, sizeof(len) },
				      { CKA_LABEL, "dk1", 3 }, { CKA_ID, "\x01", 1 } };
		CK_ATTRIBUTE k2[] = { { CKA_TOKEN, &yes, sizeof(yes) }, { CKA_VALUE_LEN, &len, sizeof(len) },
				      { CKA_LABEL, "dk2", 3 }, { CKA_ID, "\x02", 1 } };
		CK_ATTRIBUTE relabel[] = { { CKA_LABEL, "dk1", 3 } };
		CK_ATTRIBUTE copy_same[] = { { CKA_TOKEN, &yes, sizeof(yes) }, { CKA_ID, "\x03", 1 } };
		CK_ATTRIBUTE copy_new[] = { { CKA_TOKEN, &yes, sizeof(yes) }, { CKA_ID, "\x03", 1 }, { CKA_LABEL, "dk3", 3 } };
		CK_OBJECT_HANDLE a = CK_INVALID_HANDLE, b = CK_INVALID_HANDLE, c = CK_INVALID_HANDLE;

		EXPECT(CKR_OK, f->C_GenerateKey(rw, &gen, k1, 4, &a), "token AES key dk1 (id 01)");
		EXPECT(CKR_OK, f->C_GenerateKey(rw, &gen, k2, 4, &b), "token AES key dk2 (id 02)");
		EXPECT(CKR_ATTRIBUTE_VALUE_INVALID, f->C_SetAttributeValue(rw, b, relabel, 1),
		       "C_SetAttributeValue relabelling dk2 as dk1: refused (two token keys labelled dk1)");
		EXPECT(CKR_ATTRIBUTE_VALUE_INVALID, f->C_CopyObject(rw, a, copy_same, 2, &c),
		       "C_CopyObject of dk1 to the token under a new id, its label kept: refused");
		EXPECT(CKR_OK, f->C_CopyObject(rw, a, copy_new, 3, &c), "C_CopyObject of dk1 to the token as dk3: made");
		EXPECT(CKR_OK, f->C_SetAttributeValue(rw, b, (CK_ATTRIBUTE[]){ { CKA_LABEL, "dk2", 3 } }, 1),
		       "C_SetAttributeValue of dk2 keeping its own label");
		EXPECT(CKR_OK, f->C_DestroyObject(rw, a), "dk1 destroyed");
		EXPECT(CKR_OK, f->C_DestroyObject(rw, b), "dk2 destroyed");
		EXPECT(CKR_OK, f->C_DestroyObject(rw, c), "dk3 destroyed");
	}
	f->C_Logout(rw);
	EXPECT(CKR_OK, login(rw, CKU_SO, so), "SO login");
	/* No TPM path changes the SO PIN without an uncounted oracle (tests/integration/attack-so.sh). */
	EXPECT(CKR_FUNCTION_NOT_SUPPORTED, f->C_SetPIN(rw, (CK_UTF8CHAR_PTR)so, strlen(so), (CK_UTF8CHAR_PTR) "so-2", 4),
	       "the SO's C_SetPIN: refused, the SO PIN does not change");
	f->C_Logout(rw);
	EXPECT(CKR_PIN_INCORRECT, login(rw, CKU_SO, "so-2"), "... the PIN it was given does not log in");
	EXPECT(CKR_OK, login(rw, CKU_SO, so), "... the SO PIN still does");
	f->C_CloseSession(rw);
}

/* C_InitToken: the SO PIN, no open session, the token's own label; every object destroyed. */
static void init_token(const char *token, const char *so, const char *npin)
{
	CK_UTF8CHAR label[32];
	CK_SESSION_HANDLE s = open_session(CKF_RW_SESSION);

	memset(label, ' ', sizeof(label));
	memcpy(label, token, strlen(token));
	EXPECT(CKR_SESSION_EXISTS, f->C_InitToken(slot, (CK_UTF8CHAR_PTR)so, strlen(so), label), "C_InitToken with a session open");
	f->C_CloseSession(s);
	EXPECT(CKR_PIN_INCORRECT, f->C_InitToken(slot, (CK_UTF8CHAR_PTR) "bad", 3, label), "C_InitToken with a wrong SO PIN");
	EXPECT(CKR_OK, f->C_InitToken(slot, (CK_UTF8CHAR_PTR)so, strlen(so), label), "C_InitToken with the SO PIN");
	s = open_session(CKF_RW_SESSION);
	EXPECT(CKR_OK, login(s, CKU_USER, npin), "the user PIN still logs in after C_InitToken");
	check(p11_test_find(f, s, CKO_DATA, "sec") == CK_INVALID_HANDLE, "the secret is destroyed", 0);
	f->C_CloseSession(s);
}

int main(int argc, char **argv)
{
	void *lib;
	CK_RV (*gfl)(CK_FUNCTION_LIST_PTR_PTR);

	if (argc != 6) {
		fprintf(stderr, "usage: p11-so MODULE TOKEN USER_PIN SO_PIN NEW_PIN\n");
		return 2;
	}
	lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	gfl = lib != NULL ? (CK_RV(*)(CK_FUNCTION_LIST_PTR_PTR))dlsym(lib, "C_GetFunctionList") : NULL;
	if (gfl == NULL || gfl(&f) != CKR_OK || f->C_Initialize(NULL) != CKR_OK || p11_test_find_slot(f, argv[2], &slot) < 0) {
		printf("Bail out! cannot load %s or find token %s\n", argv[1], argv[2]);
		return 1;
	}
	login_rules(argv[3], argv[4]);
	login_user(lib, argv[2], argv[3]);
	pin_functions(argv[3], argv[4], argv[5]);
	init_token(argv[2], argv[4], argv[5]);
	f->C_Finalize(NULL);
	printf("1..%d\n", n_test);
	return n_fail ? 1 : 0;
}
