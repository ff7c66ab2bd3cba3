/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The token's PINs and its SO through PKCS#11 (docs/pin.md "The Security
 * Officer", "Changing the user PIN"): C_InitToken, C_InitPIN, C_SetPIN and
 * C_LoginUser's username rule, over module/token/ (token_rekey.c,
 * token_life.c, token_pin.c).
 */
#include "pkcs11/p11_int.h"

#include <string.h>

#include "token/token_pin.h"

/* After the token's files changed under it (a PIN change, a re-init): logged out, objects listed again. */
static void slot_reload_locked(struct p11_slot *s)
{
	p11_slot_logout_locked(s);
	s->pin_hash_set = 0; /* keys released by the old PIN never skip the next check */
	OPENSSL_cleanse(s->pin_hash, sizeof(s->pin_hash));
	p11_objects_free(s);
}

static CK_RV pin_rv(const struct p11_slot *s, const char *what, const struct poc_err *e)
{
	p11_log(e->code == POC_ERR_AUTH || e->code == POC_ERR_LOCKED ? POC_LOG_WARN : POC_LOG_ERROR, "token %s: %s: %s",
		s->label, what, e->msg);
	return p11_rv_from_err(e->code, CKR_FUNCTION_FAILED);
}

CK_RV p11_init_token_locked(CK_SLOT_ID id, const uint8_t *so_pin, size_t so_len, const CK_UTF8CHAR *label)
{
	struct p11_slot *s;
	struct poc_err e = { 0 };
	CK_UTF8CHAR want[32];
	size_t gone = 0;
	CK_RV rv = p11_slot_get_locked(id, &s);

	if (rv != CKR_OK)
		return rv;
	if (so_len > P11_PIN_MAX)
		return CKR_PIN_LEN_RANGE;
	if (s->sessions > 0)
		return CKR_SESSION_EXISTS;
	rv = p11_slot_open_locked(s);
	if (rv != CKR_OK)
		return rv;
	/* Re-initialised by its label: a token folder is named by it, and renaming is poctool's (init). */
	p11_pad_copy(want, sizeof(want), s->label);
	if (memcmp(want, label, sizeof(want)) != 0) {
		p11_log(POC_LOG_ERROR, "token %s: C_InitToken keeps the label; another one was given", s->label);
		return CKR_ARGUMENTS_BAD;
	}
	if (poc_token_reinit(&e, s->tok, so_pin, so_len, &gone) < 0)
		return pin_rv(s, "C_InitToken", &e);
	p11_log(POC_LOG_INFO, "token %s: re-initialised by the SO: %zu objects destroyed", s->label, gone);
	slot_reload_locked(s);
	return CKR_OK;
}

CK_RV p11_init_pin_locked(CK_SESSION_HANDLE h, const uint8_t *pin, size_t pin_len)
{
	struct p11_session *ss;
	struct poc_err e = { 0 };
	int locked = 0;
	CK_RV rv = p11_session_get_locked(h, &ss);

	if (rv != CKR_OK)
		return rv;
	if (!ss->slot->so_logged_in)
		return CKR_USER_NOT_LOGGED_IN;
	if (!(ss->flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;
	if (pin_len == 0 || pin_len > P11_PIN_MAX)
		return CKR_PIN_LEN_RANGE;
	/* The lock lifted by the TPM through the SO's branch of the user counter. */
	if (poc_token_pin_unlock(&e, ss->slot->tok, ss->slot->so_pin, ss->slot->so_pin_len) < 0)
		return pin_rv(ss->slot, "C_InitPIN", &e);
	/*
	 * The user PIN stays: every object is sealed to it, and the SO opens none
	 * (docs/pin.md). The PIN given must be it (a counted try, now that the count is 0).
	 */
	if (poc_token_authenticate(&e, ss->slot->tok, pin, pin_len, &locked) < 0 && !locked) {
		p11_log(POC_LOG_WARN, "token %s: C_InitPIN: the user PIN's lock is lifted, but a new user PIN cannot be set "
				      "by the SO (objects are sealed to the user's): %s", ss->slot->label, e.msg);
		return e.code == POC_ERR_AUTH ? CKR_PIN_INVALID : p11_rv_from_err(e.code, CKR_FUNCTION_FAILED);
	}
	return CKR_OK;
}

CK_RV p11_set_pin_locked(CK_SESSION_HANDLE h, const uint8_t *old_pin, size_t old_len, const uint8_t *new_pin,
			 size_t new_len)
{
	struct p11_session *ss;
	struct p11_slot *s;
	struct poc_err e = { 0 };
	CK_RV rv = p11_session_get_locked(h, &ss);

	if (rv != CKR_OK)
		return rv;
	s = ss->slot;
	if (!(ss->flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;
	if (old_len > P11_PIN_MAX || new_len == 0 || new_len > P11_PIN_MAX)
		return CKR_PIN_LEN_RANGE;
	rv = p11_slot_open_locked(s);
	if (rv != CKR_OK)
		return rv;
	if (s->so_logged_in) {
		/*
		 * No TPM path changes the SO PIN that a wrong guess cannot probe
		 * uncounted (tpm_pin.h, docs/pin.md): it stays what init set.
		 */
		p11_log(POC_LOG_WARN, "token %s: C_SetPIN (SO): the SO PIN does not change; re-create the token", s->label);
		return CKR_FUNCTION_NOT_SUPPORTED;
	}
	if (!s->tok->meta.has_pin)
		return CKR_PIN_INCORRECT; /* a token without a PIN has none to change */
	/* The user's PIN, logged in or not: every object re-sealed, atomically (token_rekey.c). */
	if (poc_token_pin_change(&e, s->tok, old_pin, old_len, new_pin, new_len) < 0)
		return pin_rv(s, "C_SetPIN", &e);
	p11_log(POC_LOG_INFO, "token %s: the user PIN changed; the token is logged out", s->label);
	slot_reload_locked(s);
	return CKR_OK;
}

CK_RV p11_login_user_locked(CK_SESSION_HANDLE h, CK_USER_TYPE user, const uint8_t *pin, size_t pin_len,
			    const CK_UTF8CHAR *name, size_t name_len)
{
	struct p11_session *ss;
	CK_RV rv = p11_session_get_locked(h, &ss);
	const char *role = user == CKU_SO ? "so" : "user";

	if (rv != CKR_OK)
		return rv;
	/* One user and one SO per token: their names are "user" and "so", or the token's label. */
	if (name_len != 0 && !(name_len == strlen(role) && memcmp(name, role, name_len) == 0) &&
	    !(name_len == strlen(ss->slot->label) && memcmp(name, ss->slot->label, name_len) == 0))
		return CKR_USER_TYPE_INVALID;
	return p11_login_locked(h, user, pin, pin_len);
}
