/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PKCS#11 3.0 message-based encryption entry points (v3.0 function list
 * only): C_MessageEncryptInit/C_MessageDecryptInit start an operation that
 * lasts over any number of messages until C_Message*Final; each message is
 * one call (C_EncryptMessage) or Begin and Next parts. Thin shells as in
 * p11_entry.c: the init takes the lock (p11_op_init), the crypto (poc_msg_*)
 * runs outside it between p11_op_begin and p11_op_end.
 */
#include "pkcs11/p11_int.h"

#define CHECK(cond)                                                                                                    \
	do {                                                                                                           \
		if (!(cond))                                                                                           \
			return p11_trace(__func__, CKR_ARGUMENTS_BAD);                                                 \
	} while (0)

/* What a message call does on the session's op of kind (it stays for the next message). */
struct msg_call {
	void *param;
	CK_ULONG param_len;
	const uint8_t *aad, *in;
	CK_ULONG aad_len, inlen;
	uint8_t *out;
	CK_ULONG *outlen;
	CK_FLAGS flags;
	enum { MSG_ONE, MSG_BEGIN, MSG_NEXT, MSG_FINAL } what;
};

static CK_RV msg_run(CK_SESSION_HANDLE h, enum poc_op_kind kind, const struct msg_call *c)
{
	struct p11_session *ss;
	struct poc_op *op;
	CK_RV rv = p11_op_begin(h, kind, &ss, &op);

	if (rv != CKR_OK)
		return rv;
	switch (c->what) {
	case MSG_ONE:
		rv = poc_msg_one(op, c->param, c->param_len, c->aad, c->aad_len, c->in, c->inlen, c->out, c->outlen);
		break;
	case MSG_BEGIN: rv = poc_msg_begin(op, c->param, c->param_len, c->aad, c->aad_len); break;
	case MSG_NEXT:
		rv = poc_msg_next(op, c->param, c->param_len, c->in, c->inlen, c->out, c->outlen, c->flags);
		break;
	case MSG_FINAL: break;
	}
	p11_op_end(ss, kind, c->what == MSG_FINAL);
	return rv;
}

CK_RV C_MessageEncryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
	P11_READY();
	CHECK(pMechanism != NULL);
	return p11_trace(__func__, p11_op_init(hSession, POC_OP_MSG_ENCRYPT, pMechanism, hKey));
}

CK_RV C_EncryptMessage(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
		       CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen, CK_BYTE_PTR pPlaintext,
		       CK_ULONG ulPlaintextLen, CK_BYTE_PTR pCiphertext, CK_ULONG_PTR pulCiphertextLen)
{
	struct msg_call c = { pParameter, ulParameterLen, pAssociatedData, pPlaintext, ulAssociatedDataLen,
			      ulPlaintextLen, pCiphertext, pulCiphertextLen, 0, MSG_ONE };

	P11_READY();
	CHECK((pPlaintext != NULL || ulPlaintextLen == 0) && pulCiphertextLen != NULL);
	return p11_trace(__func__, msg_run(hSession, POC_OP_MSG_ENCRYPT, &c));
}

CK_RV C_EncryptMessageBegin(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
			    CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen)
{
	struct msg_call c = { pParameter, ulParameterLen, pAssociatedData, NULL, ulAssociatedDataLen, 0, NULL, NULL, 0,
			      MSG_BEGIN };

	P11_READY();
	return p11_trace(__func__, msg_run(hSession, POC_OP_MSG_ENCRYPT, &c));
}

CK_RV C_EncryptMessageNext(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
			   CK_BYTE_PTR pPlaintextPart, CK_ULONG ulPlaintextPartLen, CK_BYTE_PTR pCiphertextPart,
			   CK_ULONG_PTR pulCiphertextPartLen, CK_FLAGS flags)
{
	struct msg_call c = { pParameter, ulParameterLen, NULL, pPlaintextPart, 0, ulPlaintextPartLen, pCiphertextPart,
			      pulCiphertextPartLen, flags, MSG_NEXT };

	P11_READY();
	CHECK((pPlaintextPart != NULL || ulPlaintextPartLen == 0) && pulCiphertextPartLen != NULL);
	return p11_trace(__func__, msg_run(hSession, POC_OP_MSG_ENCRYPT, &c));
}

CK_RV C_MessageEncryptFinal(CK_SESSION_HANDLE hSession)
{
	struct msg_call c = { NULL, 0, NULL, NULL, 0, 0, NULL, NULL, 0, MSG_FINAL };

	P11_READY();
	return p11_trace(__func__, msg_run(hSession, POC_OP_MSG_ENCRYPT, &c));
}

CK_RV C_MessageDecryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
	P11_READY();
	CHECK(pMechanism != NULL);
	return p11_trace(__func__, p11_op_init(hSession, POC_OP_MSG_DECRYPT, pMechanism, hKey));
}

CK_RV C_DecryptMessage(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
		       CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen, CK_BYTE_PTR pCiphertext,
		       CK_ULONG ulCiphertextLen, CK_BYTE_PTR pPlaintext, CK_ULONG_PTR pulPlaintextLen)
{
	struct msg_call c = { pParameter, ulParameterLen, pAssociatedData, pCiphertext, ulAssociatedDataLen,
			      ulCiphertextLen, pPlaintext, pulPlaintextLen, 0, MSG_ONE };

	P11_READY();
	CHECK((pCiphertext != NULL || ulCiphertextLen == 0) && pulPlaintextLen != NULL);
	return p11_trace(__func__, msg_run(hSession, POC_OP_MSG_DECRYPT, &c));
}

CK_RV C_DecryptMessageBegin(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
			    CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen)
{
	struct msg_call c = { pParameter, ulParameterLen, pAssociatedData, NULL, ulAssociatedDataLen, 0, NULL, NULL, 0,
			      MSG_BEGIN };

	P11_READY();
	return p11_trace(__func__, msg_run(hSession, POC_OP_MSG_DECRYPT, &c));
}

CK_RV C_DecryptMessageNext(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
			   CK_BYTE_PTR pCiphertextPart, CK_ULONG ulCiphertextPartLen, CK_BYTE_PTR pPlaintextPart,
			   CK_ULONG_PTR pulPlaintextPartLen, CK_FLAGS flags)
{
	struct msg_call c = { pParameter, ulParameterLen, NULL, pCiphertextPart, 0, ulCiphertextPartLen, pPlaintextPart,
			      pulPlaintextPartLen, flags, MSG_NEXT };

	P11_READY();
	CHECK((pCiphertextPart != NULL || ulCiphertextPartLen == 0) && pulPlaintextPartLen != NULL);
	return p11_trace(__func__, msg_run(hSession, POC_OP_MSG_DECRYPT, &c));
}

CK_RV C_MessageDecryptFinal(CK_SESSION_HANDLE hSession)
{
	struct msg_call c = { NULL, 0, NULL, NULL, 0, 0, NULL, NULL, 0, MSG_FINAL };

	P11_READY();
	return p11_trace(__func__, msg_run(hSession, POC_OP_MSG_DECRYPT, &c));
}
