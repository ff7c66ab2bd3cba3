/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The function lists (v2.40 through C_GetFunctionList, v3.0 through
 * C_GetInterfaceList/C_GetInterface) and the functions the module does not
 * offer, which return CKR_FUNCTION_NOT_SUPPORTED (never an assertion).
 */
#include "pkcs11/p11_int.h"

#include <string.h>

/*
 * ---- not supported: CKR_FUNCTION_NOT_SUPPORTED, never an assertion ----
 * One line each; the stubs ignore their arguments, hence the pragma.
 */
#define NOT_SUPPORTED_BODY(fn)                                                                                         \
	{                                                                                                              \
		P11_READY();                                                                                   \
		return p11_trace(#fn, CKR_FUNCTION_NOT_SUPPORTED);                                             \
	}
#define NOT_SUPPORTED(fn, params) CK_RV fn params NOT_SUPPORTED_BODY(fn)
#define NOT_SUPPORTED_STATIC(fn, params) static CK_RV fn params NOT_SUPPORTED_BODY(fn)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"

NOT_SUPPORTED(C_GetOperationState, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState, CK_ULONG_PTR pulOperationStateLen))
NOT_SUPPORTED(C_SetOperationState, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState, CK_ULONG ulOperationStateLen, CK_OBJECT_HANDLE hEncryptionKey, CK_OBJECT_HANDLE hAuthenticationKey))
NOT_SUPPORTED(C_SignRecoverInit, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey))
NOT_SUPPORTED(C_SignRecover, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen))
NOT_SUPPORTED(C_VerifyRecoverInit, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey))
NOT_SUPPORTED(C_VerifyRecover, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen, CK_BYTE_PTR pData, CK_ULONG_PTR pulDataLen))
NOT_SUPPORTED(C_DigestEncryptUpdate, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen, CK_BYTE_PTR pEncryptedPart, CK_ULONG_PTR pulEncryptedPartLen))
NOT_SUPPORTED(C_DecryptDigestUpdate, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart, CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart, CK_ULONG_PTR pulPartLen))
NOT_SUPPORTED(C_SignEncryptUpdate, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen, CK_BYTE_PTR pEncryptedPart, CK_ULONG_PTR pulEncryptedPartLen))
NOT_SUPPORTED(C_DecryptVerifyUpdate, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart, CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart, CK_ULONG_PTR pulPartLen))
NOT_SUPPORTED(C_WaitForSlotEvent, (CK_FLAGS flags, CK_SLOT_ID_PTR pSlot, CK_VOID_PTR pReserved))

/* ---- PKCS#11 3.0 ---- */

static CK_RV C_LoginUser(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen,
			 CK_UTF8CHAR_PTR pUsername, CK_ULONG ulUsernameLen)
{
	CK_RV rv;

	P11_READY();
	if ((pPin == NULL && ulPinLen != 0) || (pUsername == NULL && ulUsernameLen != 0))
		return p11_trace("C_LoginUser", CKR_ARGUMENTS_BAD);
	p11_lock();
	rv = p11_login_user_locked(hSession, userType, pPin, ulPinLen, pUsername, ulUsernameLen);
	p11_unlock();
	return p11_trace("C_LoginUser", rv);
}

static CK_RV C_SessionCancel(CK_SESSION_HANDLE hSession, CK_FLAGS flags)
{
	struct p11_session *ss;
	CK_RV rv;

	P11_READY();
	p11_lock();
	rv = p11_session_get_locked(hSession, &ss);
	if (rv == CKR_OK)
		rv = p11_session_cancel_locked(ss, flags);
	p11_unlock();
	return p11_trace(__func__, rv);
}

NOT_SUPPORTED_STATIC(C_MessageSignInit, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey))
NOT_SUPPORTED_STATIC(C_SignMessage, (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen))
NOT_SUPPORTED_STATIC(C_SignMessageBegin, (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen))
NOT_SUPPORTED_STATIC(C_SignMessageNext, (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen))
NOT_SUPPORTED_STATIC(C_MessageSignFinal, (CK_SESSION_HANDLE hSession))
NOT_SUPPORTED_STATIC(C_MessageVerifyInit, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey))
NOT_SUPPORTED_STATIC(C_VerifyMessage, (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen))
NOT_SUPPORTED_STATIC(C_VerifyMessageBegin, (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen))
NOT_SUPPORTED_STATIC(C_VerifyMessageNext, (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen))
NOT_SUPPORTED_STATIC(C_MessageVerifyFinal, (CK_SESSION_HANDLE hSession))
#pragma GCC diagnostic pop

/* The v2.40 functions, in the order of CK_FUNCTION_LIST (also the head of the v3.0 list). */
#define V240_FUNCTIONS \
	C_Initialize, C_Finalize, C_GetInfo, C_GetFunctionList, C_GetSlotList, C_GetSlotInfo, C_GetTokenInfo, \
	C_GetMechanismList, C_GetMechanismInfo, C_InitToken, C_InitPIN, C_SetPIN, C_OpenSession, C_CloseSession, \
	C_CloseAllSessions, C_GetSessionInfo, C_GetOperationState, C_SetOperationState, C_Login, C_Logout, \
	C_CreateObject, C_CopyObject, C_DestroyObject, C_GetObjectSize, C_GetAttributeValue, C_SetAttributeValue, \
	C_FindObjectsInit, C_FindObjects, C_FindObjectsFinal, C_EncryptInit, C_Encrypt, C_EncryptUpdate, \
	C_EncryptFinal, C_DecryptInit, C_Decrypt, C_DecryptUpdate, C_DecryptFinal, C_DigestInit, C_Digest, \
	C_DigestUpdate, C_DigestKey, C_DigestFinal, C_SignInit, C_Sign, C_SignUpdate, C_SignFinal, \
	C_SignRecoverInit, C_SignRecover, C_VerifyInit, C_Verify, C_VerifyUpdate, C_VerifyFinal, \
	C_VerifyRecoverInit, C_VerifyRecover, C_DigestEncryptUpdate, C_DecryptDigestUpdate, C_SignEncryptUpdate, \
	C_DecryptVerifyUpdate, C_GenerateKey, C_GenerateKeyPair, C_WrapKey, C_UnwrapKey, C_DeriveKey, C_SeedRandom, \
	C_GenerateRandom, C_GetFunctionStatus, C_CancelFunction, C_WaitForSlotEvent

static CK_FUNCTION_LIST list_240 = {
	{ 2, 40 },
	V240_FUNCTIONS,
};

static CK_FUNCTION_LIST_3_0 list_30 = {
	{ 3, 0 },
	V240_FUNCTIONS,
	C_GetInterfaceList,
	C_GetInterface,
	C_LoginUser,
	C_SessionCancel,
	C_MessageEncryptInit,
	C_EncryptMessage,
	C_EncryptMessageBegin,
	C_EncryptMessageNext,
	C_MessageEncryptFinal,
	C_MessageDecryptInit,
	C_DecryptMessage,
	C_DecryptMessageBegin,
	C_DecryptMessageNext,
	C_MessageDecryptFinal,
	C_MessageSignInit,
	C_SignMessage,
	C_SignMessageBegin,
	C_SignMessageNext,
	C_MessageSignFinal,
	C_MessageVerifyInit,
	C_VerifyMessage,
	C_VerifyMessageBegin,
	C_VerifyMessageNext,
	C_MessageVerifyFinal,
};

static CK_UTF8CHAR iface_name[] = "PKCS 11";
/* Not CKF_INTERFACE_FORK_SAFE: a forked child must call C_Initialize again. */
static CK_INTERFACE interfaces[] = {
	{ iface_name, &list_30, 0 },
	{ iface_name, &list_240, 0 },
};
#define N_INTERFACES (sizeof(interfaces) / sizeof(interfaces[0]))

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ppFunctionList)
{
	if (ppFunctionList == NULL)
		return CKR_ARGUMENTS_BAD;
	*ppFunctionList = &list_240;
	return CKR_OK;
}

CK_RV C_GetInterfaceList(CK_INTERFACE_PTR pInterfacesList, CK_ULONG_PTR pulCount)
{
	size_t i;

	if (pulCount == NULL)
		return CKR_ARGUMENTS_BAD;
	if (pInterfacesList == NULL) {
		*pulCount = N_INTERFACES;
		return CKR_OK;
	}
	if (*pulCount < N_INTERFACES) {
		*pulCount = N_INTERFACES;
		return CKR_BUFFER_TOO_SMALL;
	}
	for (i = 0; i < N_INTERFACES; i++)
		pInterfacesList[i] = interfaces[i];
	*pulCount = N_INTERFACES;
	return CKR_OK;
}

CK_RV C_GetInterface(CK_UTF8CHAR_PTR pInterfaceName, CK_VERSION_PTR pVersion, CK_INTERFACE_PTR_PTR ppInterface,
		     CK_FLAGS flags)
{
	size_t i;

	if (ppInterface == NULL)
		return CKR_ARGUMENTS_BAD;
	for (i = 0; i < N_INTERFACES; i++) {
		const CK_VERSION *v = interfaces[i].pFunctionList;

		if (pInterfaceName != NULL && strcmp((const char *)pInterfaceName, (const char *)iface_name) != 0)
			continue;
		if (pVersion != NULL && (pVersion->major != v->major || pVersion->minor != v->minor))
			continue;
		if ((interfaces[i].flags & flags) != flags)
			continue;
		*ppInterface = &interfaces[i];
		return CKR_OK;
	}
	/* A name this module does not have is a bad argument (PKCS#11 v3.0 5.4); a version or flags it lacks, a failure. */
	if (pInterfaceName != NULL && strcmp((const char *)pInterfaceName, (const char *)iface_name) != 0)
		return CKR_ARGUMENTS_BAD;
	return CKR_FUNCTION_FAILED;
}
