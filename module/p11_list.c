/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The function lists (v2.40 through C_GetFunctionList, v3.0 through
 * C_GetInterfaceList/C_GetInterface) and the functions the module does not
 * offer, which return CKR_FUNCTION_NOT_SUPPORTED (never an assertion).
 */
#include "p11_int.h"

#include <string.h>

static CK_RV trace(const char *fn, CK_RV rv)
{
	p11_log(POC_LOG_DEBUG, "%s -> %s", fn, p11_rv_str(rv));
	return rv;
}

#define READY()                                                                                                        \
	do {                                                                                                           \
		if (!p11_ctx_ready())                                                                                  \
			return CKR_CRYPTOKI_NOT_INITIALIZED;                                                           \
	} while (0)
/* ---- not supported: CKR_FUNCTION_NOT_SUPPORTED, never an assertion ---- */

CK_RV C_InitToken(CK_SLOT_ID slotID, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pLabel)
{
	(void)slotID;
	(void)pPin;
	(void)ulPinLen;
	(void)pLabel;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV C_InitPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen)
{
	(void)hSession;
	(void)pPin;
	(void)ulPinLen;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV C_SetPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pOldPin, CK_ULONG ulOldLen, CK_UTF8CHAR_PTR pNewPin, CK_ULONG ulNewLen)
{
	(void)hSession;
	(void)pOldPin;
	(void)ulOldLen;
	(void)pNewPin;
	(void)ulNewLen;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV C_GetOperationState(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState, CK_ULONG_PTR pulOperationStateLen)
{
	(void)hSession;
	(void)pOperationState;
	(void)pulOperationStateLen;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV C_SetOperationState(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState, CK_ULONG ulOperationStateLen, CK_OBJECT_HANDLE hEncryptionKey, CK_OBJECT_HANDLE hAuthenticationKey)
{
	(void)hSession;
	(void)pOperationState;
	(void)ulOperationStateLen;
	(void)hEncryptionKey;
	(void)hAuthenticationKey;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV C_CopyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phNewObject)
{
	(void)hSession;
	(void)hObject;
	(void)pTemplate;
	(void)ulCount;
	(void)phNewObject;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV C_GetObjectSize(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ULONG_PTR pulSize)
{
	(void)hSession;
	(void)hObject;
	(void)pulSize;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV C_SetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
	(void)hSession;
	(void)hObject;
	(void)pTemplate;
	(void)ulCount;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV C_DigestInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism)
{
	(void)hSession;
	(void)pMechanism;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV C_Digest(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pDigest, CK_ULONG_PTR pulDigestLen)
{
	(void)hSession;
	(void)pData;
	(void)ulDataLen;
	(void)pDigest;
	(void)pulDigestLen;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV C_DigestUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen)
{
	(void)hSession;
	(void)pPart;
	(void)ulPartLen;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV C_DigestKey(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hKey)
{
	(void)hSession;
	(void)hKey;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV C_DigestFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pDigest, CK_ULONG_PTR pulDigestLen)
{
	(void)hSession;
	(void)pDigest;
	(void)pulDigestLen;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV C_SignRecoverInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
	(void)hSession;
	(void)pMechanism;
	(void)hKey;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV C_SignRecover(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen)
{
	(void)hSession;
	(void)pData;
	(void)ulDataLen;
	(void)pSignature;
	(void)pulSignatureLen;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV C_VerifyRecoverInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
	(void)hSession;
	(void)pMechanism;
	(void)hKey;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV C_VerifyRecover(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen, CK_BYTE_PTR pData, CK_ULONG_PTR pulDataLen)
{
	(void)hSession;
	(void)pSignature;
	(void)ulSignatureLen;
	(void)pData;
	(void)pulDataLen;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV C_DigestEncryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen, CK_BYTE_PTR pEncryptedPart, CK_ULONG_PTR pulEncryptedPartLen)
{
	(void)hSession;
	(void)pPart;
	(void)ulPartLen;
	(void)pEncryptedPart;
	(void)pulEncryptedPartLen;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV C_DecryptDigestUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart, CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart, CK_ULONG_PTR pulPartLen)
{
	(void)hSession;
	(void)pEncryptedPart;
	(void)ulEncryptedPartLen;
	(void)pPart;
	(void)pulPartLen;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV C_SignEncryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen, CK_BYTE_PTR pEncryptedPart, CK_ULONG_PTR pulEncryptedPartLen)
{
	(void)hSession;
	(void)pPart;
	(void)ulPartLen;
	(void)pEncryptedPart;
	(void)pulEncryptedPartLen;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV C_DecryptVerifyUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart, CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart, CK_ULONG_PTR pulPartLen)
{
	(void)hSession;
	(void)pEncryptedPart;
	(void)ulEncryptedPartLen;
	(void)pPart;
	(void)pulPartLen;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV C_WrapKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hWrappingKey, CK_OBJECT_HANDLE hKey, CK_BYTE_PTR pWrappedKey, CK_ULONG_PTR pulWrappedKeyLen)
{
	(void)hSession;
	(void)pMechanism;
	(void)hWrappingKey;
	(void)hKey;
	(void)pWrappedKey;
	(void)pulWrappedKeyLen;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV C_UnwrapKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hUnwrappingKey, CK_BYTE_PTR pWrappedKey, CK_ULONG ulWrappedKeyLen, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE_PTR phKey)
{
	(void)hSession;
	(void)pMechanism;
	(void)hUnwrappingKey;
	(void)pWrappedKey;
	(void)ulWrappedKeyLen;
	(void)pTemplate;
	(void)ulAttributeCount;
	(void)phKey;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV C_DeriveKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hBaseKey, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE_PTR phKey)
{
	(void)hSession;
	(void)pMechanism;
	(void)hBaseKey;
	(void)pTemplate;
	(void)ulAttributeCount;
	(void)phKey;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV C_SeedRandom(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSeed, CK_ULONG ulSeedLen)
{
	(void)hSession;
	(void)pSeed;
	(void)ulSeedLen;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR pSlot, CK_VOID_PTR pReserved)
{
	(void)flags;
	(void)pSlot;
	(void)pReserved;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

/* ---- PKCS#11 3.0 ---- */

static CK_RV C_LoginUser(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen,
			 CK_UTF8CHAR_PTR pUsername, CK_ULONG ulUsernameLen)
{
	(void)pUsername;
	(void)ulUsernameLen; /* one user per token: the name is not used */
	return C_Login(hSession, userType, pPin, ulPinLen);
}

static CK_RV C_SessionCancel(CK_SESSION_HANDLE hSession, CK_FLAGS flags)
{
	(void)hSession;
	(void)flags;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

static CK_RV C_MessageEncryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
	(void)hSession;
	(void)pMechanism;
	(void)hKey;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

static CK_RV C_EncryptMessage(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen, CK_BYTE_PTR pPlaintext, CK_ULONG ulPlaintextLen, CK_BYTE_PTR pCiphertext, CK_ULONG_PTR pulCiphertextLen)
{
	(void)hSession;
	(void)pParameter;
	(void)ulParameterLen;
	(void)pAssociatedData;
	(void)ulAssociatedDataLen;
	(void)pPlaintext;
	(void)ulPlaintextLen;
	(void)pCiphertext;
	(void)pulCiphertextLen;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

static CK_RV C_EncryptMessageBegin(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen)
{
	(void)hSession;
	(void)pParameter;
	(void)ulParameterLen;
	(void)pAssociatedData;
	(void)ulAssociatedDataLen;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

static CK_RV C_EncryptMessageNext(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen, CK_BYTE_PTR pPlaintextPart, CK_ULONG ulPlaintextPartLen, CK_BYTE_PTR pCiphertextPart, CK_ULONG_PTR pulCiphertextPartLen, CK_FLAGS flags)
{
	(void)hSession;
	(void)pParameter;
	(void)ulParameterLen;
	(void)pPlaintextPart;
	(void)ulPlaintextPartLen;
	(void)pCiphertextPart;
	(void)pulCiphertextPartLen;
	(void)flags;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

static CK_RV C_MessageEncryptFinal(CK_SESSION_HANDLE hSession)
{
	(void)hSession;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

static CK_RV C_MessageDecryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
	(void)hSession;
	(void)pMechanism;
	(void)hKey;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

static CK_RV C_DecryptMessage(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen, CK_BYTE_PTR pCiphertext, CK_ULONG ulCiphertextLen, CK_BYTE_PTR pPlaintext, CK_ULONG_PTR pulPlaintextLen)
{
	(void)hSession;
	(void)pParameter;
	(void)ulParameterLen;
	(void)pAssociatedData;
	(void)ulAssociatedDataLen;
	(void)pCiphertext;
	(void)ulCiphertextLen;
	(void)pPlaintext;
	(void)pulPlaintextLen;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

static CK_RV C_DecryptMessageBegin(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen)
{
	(void)hSession;
	(void)pParameter;
	(void)ulParameterLen;
	(void)pAssociatedData;
	(void)ulAssociatedDataLen;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

static CK_RV C_DecryptMessageNext(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen, CK_BYTE_PTR pCiphertextPart, CK_ULONG ulCiphertextPartLen, CK_BYTE_PTR pPlaintextPart, CK_ULONG_PTR pulPlaintextPartLen, CK_FLAGS flags)
{
	(void)hSession;
	(void)pParameter;
	(void)ulParameterLen;
	(void)pCiphertextPart;
	(void)ulCiphertextPartLen;
	(void)pPlaintextPart;
	(void)pulPlaintextPartLen;
	(void)flags;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

static CK_RV C_MessageDecryptFinal(CK_SESSION_HANDLE hSession)
{
	(void)hSession;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

static CK_RV C_MessageSignInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
	(void)hSession;
	(void)pMechanism;
	(void)hKey;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

static CK_RV C_SignMessage(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen)
{
	(void)hSession;
	(void)pParameter;
	(void)ulParameterLen;
	(void)pData;
	(void)ulDataLen;
	(void)pSignature;
	(void)pulSignatureLen;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

static CK_RV C_SignMessageBegin(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen)
{
	(void)hSession;
	(void)pParameter;
	(void)ulParameterLen;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

static CK_RV C_SignMessageNext(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen)
{
	(void)hSession;
	(void)pParameter;
	(void)ulParameterLen;
	(void)pData;
	(void)ulDataLen;
	(void)pSignature;
	(void)pulSignatureLen;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

static CK_RV C_MessageSignFinal(CK_SESSION_HANDLE hSession)
{
	(void)hSession;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

static CK_RV C_MessageVerifyInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
	(void)hSession;
	(void)pMechanism;
	(void)hKey;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

static CK_RV C_VerifyMessage(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen)
{
	(void)hSession;
	(void)pParameter;
	(void)ulParameterLen;
	(void)pData;
	(void)ulDataLen;
	(void)pSignature;
	(void)ulSignatureLen;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

static CK_RV C_VerifyMessageBegin(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen)
{
	(void)hSession;
	(void)pParameter;
	(void)ulParameterLen;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

static CK_RV C_VerifyMessageNext(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen)
{
	(void)hSession;
	(void)pParameter;
	(void)ulParameterLen;
	(void)pData;
	(void)ulDataLen;
	(void)pSignature;
	(void)ulSignatureLen;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

static CK_RV C_MessageVerifyFinal(CK_SESSION_HANDLE hSession)
{
	(void)hSession;
	READY();
	return trace(__func__, CKR_FUNCTION_NOT_SUPPORTED);
}

static CK_FUNCTION_LIST list_240 = {
	{ 2, 40 },
	C_Initialize,
	C_Finalize,
	C_GetInfo,
	C_GetFunctionList,
	C_GetSlotList,
	C_GetSlotInfo,
	C_GetTokenInfo,
	C_GetMechanismList,
	C_GetMechanismInfo,
	C_InitToken,
	C_InitPIN,
	C_SetPIN,
	C_OpenSession,
	C_CloseSession,
	C_CloseAllSessions,
	C_GetSessionInfo,
	C_GetOperationState,
	C_SetOperationState,
	C_Login,
	C_Logout,
	C_CreateObject,
	C_CopyObject,
	C_DestroyObject,
	C_GetObjectSize,
	C_GetAttributeValue,
	C_SetAttributeValue,
	C_FindObjectsInit,
	C_FindObjects,
	C_FindObjectsFinal,
	C_EncryptInit,
	C_Encrypt,
	C_EncryptUpdate,
	C_EncryptFinal,
	C_DecryptInit,
	C_Decrypt,
	C_DecryptUpdate,
	C_DecryptFinal,
	C_DigestInit,
	C_Digest,
	C_DigestUpdate,
	C_DigestKey,
	C_DigestFinal,
	C_SignInit,
	C_Sign,
	C_SignUpdate,
	C_SignFinal,
	C_SignRecoverInit,
	C_SignRecover,
	C_VerifyInit,
	C_Verify,
	C_VerifyUpdate,
	C_VerifyFinal,
	C_VerifyRecoverInit,
	C_VerifyRecover,
	C_DigestEncryptUpdate,
	C_DecryptDigestUpdate,
	C_SignEncryptUpdate,
	C_DecryptVerifyUpdate,
	C_GenerateKey,
	C_GenerateKeyPair,
	C_WrapKey,
	C_UnwrapKey,
	C_DeriveKey,
	C_SeedRandom,
	C_GenerateRandom,
	C_GetFunctionStatus,
	C_CancelFunction,
	C_WaitForSlotEvent,
};

static CK_FUNCTION_LIST_3_0 list_30 = {
	{ 3, 0 },
	C_Initialize,
	C_Finalize,
	C_GetInfo,
	C_GetFunctionList,
	C_GetSlotList,
	C_GetSlotInfo,
	C_GetTokenInfo,
	C_GetMechanismList,
	C_GetMechanismInfo,
	C_InitToken,
	C_InitPIN,
	C_SetPIN,
	C_OpenSession,
	C_CloseSession,
	C_CloseAllSessions,
	C_GetSessionInfo,
	C_GetOperationState,
	C_SetOperationState,
	C_Login,
	C_Logout,
	C_CreateObject,
	C_CopyObject,
	C_DestroyObject,
	C_GetObjectSize,
	C_GetAttributeValue,
	C_SetAttributeValue,
	C_FindObjectsInit,
	C_FindObjects,
	C_FindObjectsFinal,
	C_EncryptInit,
	C_Encrypt,
	C_EncryptUpdate,
	C_EncryptFinal,
	C_DecryptInit,
	C_Decrypt,
	C_DecryptUpdate,
	C_DecryptFinal,
	C_DigestInit,
	C_Digest,
	C_DigestUpdate,
	C_DigestKey,
	C_DigestFinal,
	C_SignInit,
	C_Sign,
	C_SignUpdate,
	C_SignFinal,
	C_SignRecoverInit,
	C_SignRecover,
	C_VerifyInit,
	C_Verify,
	C_VerifyUpdate,
	C_VerifyFinal,
	C_VerifyRecoverInit,
	C_VerifyRecover,
	C_DigestEncryptUpdate,
	C_DecryptDigestUpdate,
	C_SignEncryptUpdate,
	C_DecryptVerifyUpdate,
	C_GenerateKey,
	C_GenerateKeyPair,
	C_WrapKey,
	C_UnwrapKey,
	C_DeriveKey,
	C_SeedRandom,
	C_GenerateRandom,
	C_GetFunctionStatus,
	C_CancelFunction,
	C_WaitForSlotEvent,
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
	return CKR_FUNCTION_FAILED;
}
