/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sessions: handles, RO/RW, per-session operation and search state, and the
 * login state, which PKCS#11 shares between all sessions of a token. A
 * logout (C_Logout, or the token's last session closed) wipes every key the
 * token released, with the operations and parked contexts that hold them.
 * A session's objects end with it, the private session objects at logout.
 */
#include "pkcs11/p11_int.h"

#include <stdlib.h>
#include <string.h>

void p11_session_free(struct p11_session *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < 4; i++) {
		poc_op_free(s->op[i]);
		poc_op_free(s->idle[i]);
	}
	free(s->found);
	free(s);
}

void p11_session_drop_ops_locked(struct p11_session *s)
{
	size_t i;

	if (s->busy) {
		s->drop_ops = 1; /* the running thread holds one of them: p11_op_end */
		return;
	}
	s->drop_ops = 0;
	for (i = 0; i < 4; i++) {
		poc_op_free(s->op[i]);
		poc_op_free(s->idle[i]);
		s->op[i] = NULL;
		s->idle[i] = NULL;
	}
}

/*
 * The token's logout: the PIN and every released key and secret wiped, the
 * ops of its sessions (their EVP contexts hold the keys) freed, and the
 * handles of private objects changed: PKCS#11 makes them invalid even after
 * a new login, which releases again (a new Proof-of-Cloud check).
 */
static void slot_logout_locked(struct p11_slot *slot)
{
	size_t i;

	slot->logged_in = 0;
	p11_session_objects_drop_locked(slot, 0); /* the private session objects go with the login */
	poc_secret_free(slot->pin, slot->pin_len);
	slot->pin = NULL;
	slot->pin_len = 0;
	for (i = 0; i < p11_ctx.nsessions; i++)
		if (p11_ctx.sessions[i]->slot == slot)
			p11_session_drop_ops_locked(p11_ctx.sessions[i]);
	p11_release_wipe_slot(slot);
	for (i = 0; i < slot->nobjs; i++)
		if (!slot->objs[i].sealed->gone && !p11_object_visible(slot, &slot->objs[i]))
			slot->objs[i].handle = p11_ctx.next_object++;
}

CK_RV p11_session_open_locked(CK_SLOT_ID id, CK_FLAGS flags, CK_SESSION_HANDLE_PTR out)
{
	struct p11_slot *slot;
	struct p11_session *s, **ns;
	CK_RV rv = p11_slot_get_locked(id, &slot);

	if (rv != CKR_OK)
		return rv;
	if (!(flags & CKF_SERIAL_SESSION))
		return CKR_SESSION_PARALLEL_NOT_SUPPORTED;
	rv = p11_slot_open_locked(slot);
	if (rv != CKR_OK)
		return rv;
	if (p11_ctx.nsessions == p11_ctx.capsessions) {
		size_t cap = p11_ctx.capsessions ? 2 * p11_ctx.capsessions : 16;

		ns = realloc(p11_ctx.sessions, cap * sizeof(*ns));
		if (ns == NULL)
			return CKR_HOST_MEMORY;
		p11_ctx.sessions = ns;
		p11_ctx.capsessions = cap;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return CKR_HOST_MEMORY;
	s->handle = p11_ctx.next_session++;
	s->slot = slot;
	s->flags = flags & (CKF_SERIAL_SESSION | CKF_RW_SESSION);
	p11_ctx.sessions[p11_ctx.nsessions++] = s;
	slot->sessions++;
	if (flags & CKF_RW_SESSION)
		slot->rw_sessions++;
	*out = s->handle;
	return CKR_OK;
}

CK_RV p11_session_get_locked(CK_SESSION_HANDLE h, struct p11_session **out)
{
	size_t i;

	for (i = 0; i < p11_ctx.nsessions; i++) {
		if (p11_ctx.sessions[i]->handle == h) {
			*out = p11_ctx.sessions[i];
			return CKR_OK;
		}
	}
	return CKR_SESSION_HANDLE_INVALID;
}

/* Removes session i; the last session of a token logs it out (and wipes its keys, PIN or not). */
static void session_remove_locked(size_t i)
{
	struct p11_session *s = p11_ctx.sessions[i];
	struct p11_slot *slot = s->slot;

	p11_ctx.sessions[i] = p11_ctx.sessions[--p11_ctx.nsessions];
	slot->sessions--;
	if (s->flags & CKF_RW_SESSION)
		slot->rw_sessions--;
	p11_session_objects_drop_locked(slot, s->handle); /* its session objects end with it */
	if (slot->sessions == 0)
		slot_logout_locked(slot);
	if (s->busy)
		s->closed = 1; /* the thread running its op frees it (p11_op_end) */
	else
		p11_session_free(s);
}

CK_RV p11_session_close_locked(CK_SESSION_HANDLE h)
{
	size_t i;

	for (i = 0; i < p11_ctx.nsessions; i++) {
		if (p11_ctx.sessions[i]->handle == h) {
			session_remove_locked(i);
			return CKR_OK;
		}
	}
	return CKR_SESSION_HANDLE_INVALID;
}

CK_RV p11_session_close_all_locked(CK_SLOT_ID id)
{
	struct p11_slot *slot;
	CK_RV rv = p11_slot_get_locked(id, &slot);
	size_t i;

	if (rv != CKR_OK)
		return rv;
	for (i = p11_ctx.nsessions; i-- > 0;)
		if (p11_ctx.sessions[i]->slot == slot)
			session_remove_locked(i);
	return CKR_OK;
}

CK_RV p11_session_info_locked(CK_SESSION_HANDLE h, CK_SESSION_INFO_PTR info)
{
	struct p11_session *s;
	CK_RV rv = p11_session_get_locked(h, &s);
	int rw;

	if (rv != CKR_OK)
		return rv;
	rw = (s->flags & CKF_RW_SESSION) != 0;
	memset(info, 0, sizeof(*info));
	info->slotID = s->slot->id;
	if (s->slot->logged_in)
		info->state = rw ? CKS_RW_USER_FUNCTIONS : CKS_RO_USER_FUNCTIONS;
	else
		info->state = rw ? CKS_RW_PUBLIC_SESSION : CKS_RO_PUBLIC_SESSION;
	info->flags = s->flags;
	info->ulDeviceError = 0;
	return CKR_OK;
}

CK_RV p11_login_locked(CK_SESSION_HANDLE h, CK_USER_TYPE user, const uint8_t *pin, size_t pin_len)
{
	struct p11_session *s;
	CK_RV rv = p11_session_get_locked(h, &s);

	if (rv != CKR_OK)
		return rv;
	if (user == CKU_SO)
		return CKR_PIN_INCORRECT; /* no security officer: tokens are set up with poctool init */
	if (user == CKU_CONTEXT_SPECIFIC)
		return CKR_OPERATION_NOT_INITIALIZED; /* no key needs CKA_ALWAYS_AUTHENTICATE */
	if (user != CKU_USER)
		return CKR_USER_TYPE_INVALID;
	if (s->slot->logged_in)
		return CKR_USER_ALREADY_LOGGED_IN;
	if (pin_len > P11_PIN_MAX)
		return CKR_PIN_LEN_RANGE;
	rv = p11_release_login_locked(s->slot, pin, pin_len);
	p11_memlock_check();
	if (rv != CKR_OK)
		return rv;
	s->slot->logged_in = 1;
	return CKR_OK;
}

CK_RV p11_logout_locked(CK_SESSION_HANDLE h)
{
	struct p11_session *s;
	CK_RV rv = p11_session_get_locked(h, &s);

	if (rv != CKR_OK)
		return rv;
	if (!s->slot->logged_in)
		return CKR_USER_NOT_LOGGED_IN;
	slot_logout_locked(s->slot);
	return CKR_OK;
}
