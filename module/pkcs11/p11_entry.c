/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PKCS#11 entry points, each a thin shell: initialised in this process
 * (else CKR_CRYPTOKI_NOT_INITIALIZED: also in a forked child until it calls
 * C_Initialize), arguments (CKR_ARGUMENTS_BAD, never an assertion), the
 * module lock around one internal call, and a debug trace of the CK_RV.
 * Crypto runs between p11_op_begin and p11_op_end, outside the lock.
 * The v2.40 list through C_GetFunctionList, v3.0 through C_GetInterface.
 */
#include "pkcs11/p11_int.h"

#include <string.h>

#include <openssl/rand.h>

/* The same in a call of an active operation: a refused call ends it (p11_op_abort). */
#define OP_CHECK(cond, h, kind)                                                                                        \
	do {                                                                                                           \
		if (!(cond))                                                                                           \
			return p11_trace(__func__, p11_op_abort((h), (kind), CKR_ARGUMENTS_BAD));              \
	} while (0)

CK_RV C_Initialize(CK_VOID_PTR pInitArgs)
{
	return p11_trace(__func__, p11_ctx_initialize(pInitArgs));
}

CK_RV C_Finalize(CK_VOID_PTR pReserved)
{
	P11_READY();
	CHECK(pReserved == NULL);
	return p11_trace(__func__, p11_ctx_finalize());
}

CK_RV C_GetInfo(CK_INFO_PTR pInfo)
{
	P11_READY();
	CHECK(pInfo != NULL);
	return p11_trace(__func__, p11_get_info(pInfo));
}

CK_RV C_GetSlotList(CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList, CK_ULONG_PTR pulCount)
{
	P11_READY();
	CHECK(pulCount != NULL);
	LOCKED(p11_slot_list_locked(tokenPresent, pSlotList, pulCount));
}

CK_RV C_GetSlotInfo(CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo)
{
	P11_READY();
	CHECK(pInfo != NULL);
	LOCKED(p11_slot_info_locked(slotID, pInfo));
}

CK_RV C_GetTokenInfo(CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo)
{
	P11_READY();
	CHECK(pInfo != NULL);
	LOCKED(p11_token_info_locked(slotID, pInfo));
}

CK_RV C_GetMechanismList(CK_SLOT_ID slotID, CK_MECHANISM_TYPE_PTR pMechanismList, CK_ULONG_PTR pulCount)
{
	P11_READY();
	CHECK(pulCount != NULL);
	LOCKED(p11_mech_list_locked(slotID, pMechanismList, pulCount));
}

CK_RV C_GetMechanismInfo(CK_SLOT_ID slotID, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR pInfo)
{
	P11_READY();
	CHECK(pInfo != NULL);
	LOCKED(p11_mech_info_locked(slotID, type, pInfo));
}

CK_RV C_OpenSession(CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR pApplication, CK_NOTIFY Notify,
		    CK_SESSION_HANDLE_PTR phSession)
{
	(void)pApplication;
	(void)Notify; /* no callbacks: nothing here surrenders */
	P11_READY();
	CHECK(phSession != NULL);
	LOCKED(p11_session_open_locked(slotID, flags, phSession));
}

CK_RV C_CloseSession(CK_SESSION_HANDLE hSession)
{
	P11_READY();
	LOCKED(p11_session_close_locked(hSession));
}

CK_RV C_CloseAllSessions(CK_SLOT_ID slotID)
{
	P11_READY();
	LOCKED(p11_session_close_all_locked(slotID));
}

CK_RV C_GetSessionInfo(CK_SESSION_HANDLE hSession, CK_SESSION_INFO_PTR pInfo)
{
	P11_READY();
	CHECK(pInfo != NULL);
	LOCKED(p11_session_info_locked(hSession, pInfo));
}

CK_RV C_Login(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen)
{
	P11_READY();
	CHECK(pPin != NULL || ulPinLen == 0);
	LOCKED(p11_login_locked(hSession, userType, pPin, ulPinLen));
}

CK_RV C_Logout(CK_SESSION_HANDLE hSession)
{
	P11_READY();
	LOCKED(p11_logout_locked(hSession));
}

CK_RV C_InitToken(CK_SLOT_ID slotID, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pLabel)
{
	P11_READY();
	CHECK((pPin != NULL || ulPinLen == 0) && pLabel != NULL);
	LOCKED(p11_init_token_locked(slotID, pPin, ulPinLen, pLabel));
}

CK_RV C_InitPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen)
{
	P11_READY();
	CHECK(pPin != NULL || ulPinLen == 0);
	LOCKED(p11_init_pin_locked(hSession, pPin, ulPinLen));
}

CK_RV C_SetPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pOldPin, CK_ULONG ulOldLen, CK_UTF8CHAR_PTR pNewPin,
	       CK_ULONG ulNewLen)
{
	P11_READY();
	CHECK((pOldPin != NULL || ulOldLen == 0) && (pNewPin != NULL || ulNewLen == 0));
	LOCKED(p11_set_pin_locked(hSession, pOldPin, ulOldLen, pNewPin, ulNewLen));
}

CK_RV C_CreateObject(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
		     CK_OBJECT_HANDLE_PTR phObject)
{
	P11_READY();
	CHECK((pTemplate != NULL || ulCount == 0) && phObject != NULL);
	WITH_SESSION(hSession, p11_create_object_locked(ss, pTemplate, ulCount, phObject));
}

CK_RV C_CopyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
		   CK_OBJECT_HANDLE_PTR phNewObject)
{
	P11_READY();
	CHECK((pTemplate != NULL || ulCount == 0) && phNewObject != NULL);
	WITH_SESSION(hSession, p11_copy_object_locked(ss, hObject, pTemplate, ulCount, phNewObject));
}

CK_RV C_SetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate,
			  CK_ULONG ulCount)
{
	P11_READY();
	CHECK(pTemplate != NULL || ulCount == 0);
	WITH_SESSION(hSession, p11_set_attrs_locked(ss, hObject, pTemplate, ulCount));
}

CK_RV C_DestroyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject)
{
	P11_READY();
	WITH_SESSION(hSession, p11_destroy_object_locked(ss, hObject));
}

CK_RV C_GetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate,
			  CK_ULONG ulCount)
{
	P11_READY();
	CHECK(pTemplate != NULL || ulCount == 0);
	WITH_SESSION(hSession, p11_object_attrs_locked(ss, hObject, pTemplate, ulCount));
}

CK_RV C_FindObjectsInit(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
	P11_READY();
	CHECK(pTemplate != NULL || ulCount == 0);
	WITH_SESSION(hSession, p11_find_init_locked(ss, pTemplate, ulCount));
}

CK_RV C_FindObjects(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE_PTR phObject, CK_ULONG ulMaxObjectCount,
		    CK_ULONG_PTR pulObjectCount)
{
	P11_READY();
	CHECK((phObject != NULL || ulMaxObjectCount == 0) && pulObjectCount != NULL);
	WITH_SESSION(hSession, p11_find_locked(ss, phObject, ulMaxObjectCount, pulObjectCount));
}

CK_RV C_FindObjectsFinal(CK_SESSION_HANDLE hSession)
{
	P11_READY();
	WITH_SESSION(hSession, p11_find_final_locked(ss));
}

/* ---- operations: init under the lock, the crypto outside it ---- */

/* One-shot or final with PKCS#11 size semantics: the op stays on a size query or a short buffer. */
static int finished(CK_RV rv, const void *out)
{
	return !((rv == CKR_OK && out == NULL) || rv == CKR_BUFFER_TOO_SMALL);
}

static CK_RV op_oneshot(CK_SESSION_HANDLE h, enum poc_op_kind kind, CK_BYTE_PTR in, CK_ULONG inlen, CK_BYTE_PTR out,
			CK_ULONG_PTR outlen)
{
	struct p11_session *ss;
	struct poc_op *op;
	CK_RV rv = p11_op_begin(h, kind, &ss, &op);

	if (rv != CKR_OK)
		return rv;
	rv = poc_op_oneshot(op, in, inlen, out, outlen);
	/* A single-part call after updates is refused (CKR_OPERATION_ACTIVE) and, like any error, ends the operation. */
	p11_op_end(ss, kind, finished(rv, out));
	return rv;
}

static CK_RV op_update(CK_SESSION_HANDLE h, enum poc_op_kind kind, CK_BYTE_PTR in, CK_ULONG inlen, CK_BYTE_PTR out,
		       CK_ULONG_PTR outlen)
{
	struct p11_session *ss;
	struct poc_op *op;
	CK_RV rv = p11_op_begin(h, kind, &ss, &op);

	if (rv != CKR_OK)
		return rv;
	rv = poc_op_update(op, in, inlen, out, outlen);
	p11_op_end(ss, kind, rv != CKR_OK && rv != CKR_BUFFER_TOO_SMALL);
	return rv;
}

static CK_RV op_final(CK_SESSION_HANDLE h, enum poc_op_kind kind, CK_BYTE_PTR out, CK_ULONG_PTR outlen)
{
	struct p11_session *ss;
	struct poc_op *op;
	CK_RV rv = p11_op_begin(h, kind, &ss, &op);

	if (rv != CKR_OK)
		return rv;
	rv = poc_op_final(op, out, outlen);
	p11_op_end(ss, kind, finished(rv, out));
	return rv;
}

static CK_RV op_init(CK_SESSION_HANDLE h, enum poc_op_kind kind, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE key)
{
	return p11_op_init(h, kind, m, key); /* locks itself: the light lock on the warm path */
}

CK_RV C_SignInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
	P11_READY();
	CHECK(pMechanism != NULL);
	return p11_trace(__func__, op_init(hSession, POC_OP_SIGN, pMechanism, hKey));
}

CK_RV C_Sign(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen)
{
	P11_READY();
	OP_CHECK((pData != NULL || ulDataLen == 0) && pulSignatureLen != NULL, hSession, POC_OP_SIGN);
	return p11_trace(__func__, op_oneshot(hSession, POC_OP_SIGN, pData, ulDataLen, pSignature, pulSignatureLen));
}

CK_RV C_SignUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen)
{
	P11_READY();
	OP_CHECK(pPart != NULL || ulPartLen == 0, hSession, POC_OP_SIGN);
	return p11_trace(__func__, op_update(hSession, POC_OP_SIGN, pPart, ulPartLen, NULL, NULL));
}

CK_RV C_SignFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen)
{
	P11_READY();
	OP_CHECK(pulSignatureLen != NULL, hSession, POC_OP_SIGN);
	return p11_trace(__func__, op_final(hSession, POC_OP_SIGN, pSignature, pulSignatureLen));
}

CK_RV C_EncryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
	P11_READY();
	CHECK(pMechanism != NULL);
	return p11_trace(__func__, op_init(hSession, POC_OP_ENCRYPT, pMechanism, hKey));
}

CK_RV C_Encrypt(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pEncryptedData, CK_ULONG_PTR pulEncryptedDataLen)
{
	P11_READY();
	OP_CHECK((pData != NULL || ulDataLen == 0) && pulEncryptedDataLen != NULL, hSession, POC_OP_ENCRYPT);
	return p11_trace(__func__, op_oneshot(hSession, POC_OP_ENCRYPT, pData, ulDataLen, pEncryptedData, pulEncryptedDataLen));
}

CK_RV C_EncryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen, CK_BYTE_PTR pEncryptedPart,
		    CK_ULONG_PTR pulEncryptedPartLen)
{
	P11_READY();
	OP_CHECK((pPart != NULL || ulPartLen == 0) && pulEncryptedPartLen != NULL, hSession, POC_OP_ENCRYPT);
	return p11_trace(__func__, op_update(hSession, POC_OP_ENCRYPT, pPart, ulPartLen, pEncryptedPart, pulEncryptedPartLen));
}

CK_RV C_EncryptFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pLastEncryptedPart, CK_ULONG_PTR pulLastEncryptedPartLen)
{
	P11_READY();
	OP_CHECK(pulLastEncryptedPartLen != NULL, hSession, POC_OP_ENCRYPT);
	return p11_trace(__func__, op_final(hSession, POC_OP_ENCRYPT, pLastEncryptedPart, pulLastEncryptedPartLen));
}

CK_RV C_DecryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
	P11_READY();
	CHECK(pMechanism != NULL);
	return p11_trace(__func__, op_init(hSession, POC_OP_DECRYPT, pMechanism, hKey));
}

CK_RV C_Decrypt(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedData, CK_ULONG ulEncryptedDataLen, CK_BYTE_PTR pData, CK_ULONG_PTR pulDataLen)
{
	P11_READY();
	OP_CHECK((pEncryptedData != NULL || ulEncryptedDataLen == 0) && pulDataLen != NULL, hSession, POC_OP_DECRYPT);
	return p11_trace(__func__, op_oneshot(hSession, POC_OP_DECRYPT, pEncryptedData, ulEncryptedDataLen, pData, pulDataLen));
}

CK_RV C_DecryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart, CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart,
		    CK_ULONG_PTR pulPartLen)
{
	P11_READY();
	OP_CHECK((pEncryptedPart != NULL || ulEncryptedPartLen == 0) && pulPartLen != NULL, hSession, POC_OP_DECRYPT);
	return p11_trace(__func__, op_update(hSession, POC_OP_DECRYPT, pEncryptedPart, ulEncryptedPartLen, pPart, pulPartLen));
}

CK_RV C_DecryptFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pLastPart, CK_ULONG_PTR pulLastPartLen)
{
	P11_READY();
	OP_CHECK(pulLastPartLen != NULL, hSession, POC_OP_DECRYPT);
	return p11_trace(__func__, op_final(hSession, POC_OP_DECRYPT, pLastPart, pulLastPartLen));
}

CK_RV C_VerifyInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
	P11_READY();
	CHECK(pMechanism != NULL);
	return p11_trace(__func__, op_init(hSession, POC_OP_VERIFY, pMechanism, hKey));
}

CK_RV C_Verify(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
	       CK_ULONG ulSignatureLen)
{
	struct p11_session *ss;
	struct poc_op *op;
	CK_RV rv;

	P11_READY();
	OP_CHECK((pData != NULL || ulDataLen == 0) && (pSignature != NULL || ulSignatureLen == 0), hSession, POC_OP_VERIFY);
	rv = p11_op_begin(hSession, POC_OP_VERIFY, &ss, &op);
	if (rv == CKR_OK) {
		rv = poc_op_verify(op, pData, ulDataLen, pSignature, ulSignatureLen);
		p11_op_end(ss, POC_OP_VERIFY, 1);
	}
	return p11_trace(__func__, rv);
}

CK_RV C_VerifyUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen)
{
	P11_READY();
	OP_CHECK(pPart != NULL || ulPartLen == 0, hSession, POC_OP_VERIFY);
	return p11_trace(__func__, op_update(hSession, POC_OP_VERIFY, pPart, ulPartLen, NULL, NULL));
}

CK_RV C_VerifyFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen)
{
	struct p11_session *ss;
	struct poc_op *op;
	CK_RV rv;

	P11_READY();
	OP_CHECK(pSignature != NULL || ulSignatureLen == 0, hSession, POC_OP_VERIFY);
	rv = p11_op_begin(hSession, POC_OP_VERIFY, &ss, &op);
	if (rv == CKR_OK) {
		rv = poc_op_verify_final(op, pSignature, ulSignatureLen);
		p11_op_end(ss, POC_OP_VERIFY, 1);
	}
	return p11_trace(__func__, rv);
}

CK_RV C_DigestInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism)
{
	P11_READY();
	CHECK(pMechanism != NULL);
	return p11_trace(__func__, p11_digest_init(hSession, pMechanism));
}

CK_RV C_Digest(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pDigest,
	       CK_ULONG_PTR pulDigestLen)
{
	P11_READY();
	OP_CHECK((pData != NULL || ulDataLen == 0) && pulDigestLen != NULL, hSession, POC_OP_DIGEST);
	return p11_trace(__func__, op_oneshot(hSession, POC_OP_DIGEST, pData, ulDataLen, pDigest, pulDigestLen));
}

CK_RV C_DigestUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen)
{
	P11_READY();
	OP_CHECK(pPart != NULL || ulPartLen == 0, hSession, POC_OP_DIGEST);
	return p11_trace(__func__, op_update(hSession, POC_OP_DIGEST, pPart, ulPartLen, NULL, NULL));
}

CK_RV C_DigestKey(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hKey)
{
	P11_READY();
	return p11_trace(__func__, p11_digest_key(hSession, hKey));
}

CK_RV C_DigestFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pDigest, CK_ULONG_PTR pulDigestLen)
{
	P11_READY();
	OP_CHECK(pulDigestLen != NULL, hSession, POC_OP_DIGEST);
	return p11_trace(__func__, op_final(hSession, POC_OP_DIGEST, pDigest, pulDigestLen));
}

CK_RV C_GenerateKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_ATTRIBUTE_PTR pTemplate,
		    CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phKey)
{
	P11_READY();
	CHECK(pMechanism != NULL && (pTemplate != NULL || ulCount == 0) && phKey != NULL);
	WITH_SESSION(hSession, p11_keygen_locked(ss, pMechanism, pTemplate, ulCount, phKey));
}

CK_RV C_GenerateKeyPair(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_ATTRIBUTE_PTR pPublicKeyTemplate,
			CK_ULONG ulPublicKeyAttributeCount, CK_ATTRIBUTE_PTR pPrivateKeyTemplate,
			CK_ULONG ulPrivateKeyAttributeCount, CK_OBJECT_HANDLE_PTR phPublicKey,
			CK_OBJECT_HANDLE_PTR phPrivateKey)
{
	P11_READY();
	CHECK(pMechanism != NULL && (pPublicKeyTemplate != NULL || ulPublicKeyAttributeCount == 0) &&
	      (pPrivateKeyTemplate != NULL || ulPrivateKeyAttributeCount == 0) && phPublicKey != NULL &&
	      phPrivateKey != NULL);
	WITH_SESSION(hSession, p11_keypair_locked(ss, pMechanism, pPublicKeyTemplate, ulPublicKeyAttributeCount,
						  pPrivateKeyTemplate, ulPrivateKeyAttributeCount, phPublicKey,
						  phPrivateKey));
}

CK_RV C_GenerateRandom(CK_SESSION_HANDLE hSession, CK_BYTE_PTR RandomData, CK_ULONG ulRandomLen)
{
	P11_READY();
	CHECK(RandomData != NULL || ulRandomLen == 0);
	WITH_SESSION(hSession, (ulRandomLen > (CK_ULONG)INT32_MAX || RAND_bytes(RandomData, (int)ulRandomLen) == 1)
				       ? (ulRandomLen > (CK_ULONG)INT32_MAX ? CKR_DATA_LEN_RANGE : CKR_OK)
				       : CKR_FUNCTION_FAILED);
}

CK_RV C_SeedRandom(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSeed, CK_ULONG ulSeedLen)
{
	P11_READY();
	CHECK(pSeed != NULL || ulSeedLen == 0);
	/* Mixed into OpenSSL's DRBG as extra input, credited with no entropy: a seed never weakens it. */
	WITH_SESSION(hSession, ulSeedLen > (CK_ULONG)INT32_MAX ? CKR_DATA_LEN_RANGE
				: (RAND_add(pSeed, (int)ulSeedLen, 0.0), CKR_OK));
}

CK_RV C_GetObjectSize(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ULONG_PTR pulSize)
{
	P11_READY();
	CHECK(pulSize != NULL);
	WITH_SESSION(hSession, p11_object_size_locked(ss, hObject, pulSize));
}

CK_RV C_GetFunctionStatus(CK_SESSION_HANDLE hSession)
{
	(void)hSession;
	P11_READY();
	return CKR_FUNCTION_NOT_PARALLEL;
}

CK_RV C_CancelFunction(CK_SESSION_HANDLE hSession)
{
	(void)hSession;
	P11_READY();
	return CKR_FUNCTION_NOT_PARALLEL;
}

