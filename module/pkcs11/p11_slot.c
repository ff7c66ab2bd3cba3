/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Slots and tokens: one slot per token folder of the store (listed once, on
 * the first slot query; no TPM access), CK_INFO/CK_SLOT_INFO/CK_TOKEN_INFO
 * with every field set and strings blank-padded, the mechanism table.
 */
#include "pkcs11/p11_int.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <sys/stat.h>

#include "hex.h"
#include "token/token_pin.h"

#define P11_MANUFACTURER "poc-pkcs11"

/* Fills dst with spaces, then copies src clamped to dstlen: never a NUL inside. */
void p11_pad_copy(CK_UTF8CHAR *dst, size_t dstlen, const char *src)
{
	size_t n = strlen(src);

	memset(dst, ' ', dstlen);
	memcpy(dst, src, n < dstlen ? n : dstlen);
}

CK_RV p11_get_info(CK_INFO_PTR info)
{
	memset(info, 0, sizeof(*info));
	info->cryptokiVersion.major = 2;
	info->cryptokiVersion.minor = 40;
	p11_pad_copy(info->manufacturerID, sizeof(info->manufacturerID), P11_MANUFACTURER);
	info->flags = 0;
	p11_pad_copy(info->libraryDescription, sizeof(info->libraryDescription), "Proof-of-Cloud sealed keys");
	info->libraryVersion.major = 0;
	info->libraryVersion.minor = 1;
	return CKR_OK;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * A token's slot ID, from its serial (the token id's first 4 bytes, 31
 * bits): stable when other tokens come and go. A token.cbor that does not
 * parse gets the ID 0x7fffffff downwards (C_OpenSession then says why).
 */
static CK_SLOT_ID slot_id_of(const char *label)
{
	struct poc_token_meta m;
	struct poc_store *st = NULL;
	struct poc_err e = { 0 };
	CK_SLOT_ID id = 0x7fffffff;

	memset(&m, 0, sizeof(m));
	if (poc_store_open(&e, p11_ctx.cfg.store, label, 0, &st) == 0 && poc_store_token_read(&e, st, &m) == 0)
		id = ((CK_SLOT_ID)m.token_id[0] << 24 | (CK_SLOT_ID)m.token_id[1] << 16 | (CK_SLOT_ID)m.token_id[2] << 8 |
		      m.token_id[3]) & 0x7fffffff;
	poc_token_meta_free(&m);
	poc_store_close(st);
	return id;
}

/* Whether id is taken by one of the first n slots. */
static int slot_id_taken(CK_SLOT_ID id, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p11_ctx.slots[i].id == id)
			return 1;
	return 0;
}

/* The token folders of the store (those holding a token.cbor), sorted by label; IDs from their serials. */
CK_RV p11_slots_list_locked(void)
{
	char *names[P11_MAX_SLOTS], path[POC_CONFIG_VALUE_MAX + 300];
	struct dirent *d;
	struct stat st;
	size_t n = 0, i;
	DIR *dir;

	if (p11_ctx.slots_listed)
		return CKR_OK;
	p11_ctx.slots_listed = 1;
	dir = opendir(p11_ctx.cfg.store);
	if (dir == NULL && errno != ENOENT) {
		/* A store that is there but not ours to read: say so loudly (poc-pkcs11(7) "SERVICE USERS"). */
		p11_log(POC_LOG_WARN, "store %s exists but cannot be read by uid %ld: %s: no tokens (a service user joins "
				      "the store's group: usermod -aG poc-pkcs11 USER)", p11_ctx.cfg.store, (long)getuid(),
			strerror(errno));
		return CKR_OK;
	}
	if (dir == NULL) {
		p11_log(POC_LOG_INFO, "store %s: no tokens", p11_ctx.cfg.store);
		return CKR_OK;
	}
	while ((d = readdir(dir)) != NULL && n < P11_MAX_SLOTS) {
		if (d->d_name[0] == '.' || strlen(d->d_name) > POC_TOKEN_LABEL_MAX)
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s", p11_ctx.cfg.store, d->d_name, POC_STORE_TOKEN_FILE);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
			if (errno == EACCES)
				p11_log(POC_LOG_WARN, "store %s: token %s cannot be read by uid %ld: %s", p11_ctx.cfg.store,
					d->d_name, (long)getuid(), strerror(errno));
			continue;
		}
		names[n] = strdup(d->d_name);
		if (names[n] != NULL)
			n++;
	}
	closedir(dir);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (i = 0; i < n; i++) {
		struct p11_slot *s = &p11_ctx.slots[i];

		memset(s, 0, sizeof(*s));
		s->id = slot_id_of(names[i]);
		while (slot_id_taken(s->id, i)) /* two serials sharing 31 bits: the later label moves down */
			s->id = (s->id - 1) & 0x7fffffff;
		snprintf(s->label, sizeof(s->label), "%s", names[i]);
		free(names[i]);
	}
	p11_ctx.nslots = n;
	return CKR_OK;
}

CK_RV p11_slot_get_locked(CK_SLOT_ID id, struct p11_slot **out)
{
	CK_RV rv = p11_slots_list_locked();

	if (rv != CKR_OK)
		return rv;
	for (size_t i = 0; i < p11_ctx.nslots; i++)
		if (p11_ctx.slots[i].id == id) {
			*out = &p11_ctx.slots[i];
			return CKR_OK;
		}
	return CKR_SLOT_ID_INVALID;
}

CK_RV p11_slot_open_locked(struct p11_slot *s)
{
	struct poc_err e = { 0 };

	if (s->tok != NULL)
		return CKR_OK;
	if (poc_token_open(&e, &p11_ctx.cfg, s->label, &s->tok) < 0) {
		p11_log(POC_LOG_ERROR, "%s", e.msg);
		return p11_rv_from_err(e.code, CKR_DEVICE_ERROR); /* the store's files: no TPM yet */
	}
	return CKR_OK;
}

void p11_slot_clear(struct p11_slot *s)
{
	p11_release_wipe_slot(s);
	p11_objects_free(s);
	poc_secret_free(s->pin, s->pin_len);
	poc_secret_free(s->so_pin, s->so_pin_len);
	poc_token_close(s->tok);
	memset(s, 0, sizeof(*s));
}

CK_RV p11_slot_list_locked(CK_BBOOL present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count)
{
	CK_RV rv = p11_slots_list_locked();
	size_t i;

	(void)present; /* every slot holds its token */
	if (rv != CKR_OK)
		return rv;
	if (list == NULL) {
		*count = p11_ctx.nslots;
		return CKR_OK;
	}
	if (*count < p11_ctx.nslots) {
		*count = p11_ctx.nslots;
		return CKR_BUFFER_TOO_SMALL;
	}
	for (i = 0; i < p11_ctx.nslots; i++)
		list[i] = p11_ctx.slots[i].id;
	*count = p11_ctx.nslots;
	return CKR_OK;
}

CK_RV p11_slot_info_locked(CK_SLOT_ID id, CK_SLOT_INFO_PTR info)
{
	struct p11_slot *s;
	char desc[64];
	CK_RV rv = p11_slot_get_locked(id, &s);

	if (rv != CKR_OK)
		return rv;
	memset(info, 0, sizeof(*info));
	snprintf(desc, sizeof(desc), "poc-pkcs11 store token %s", s->label);
	p11_pad_copy(info->slotDescription, sizeof(info->slotDescription), desc);
	p11_pad_copy(info->manufacturerID, sizeof(info->manufacturerID), P11_MANUFACTURER);
	info->flags = CKF_TOKEN_PRESENT;
	info->hardwareVersion.major = 0;
	info->firmwareVersion.major = 0;
	info->firmwareVersion.minor = 1;
	return CKR_OK;
}

/*
 * The PIN state as the TPM counts it (token_pin.h), read at each call: a
 * count made by another process or by tpm2-tools shows too. A counter that
 * cannot be read sets no flag (the next C_Login says why).
 */
static CK_FLAGS pin_flags(const struct p11_slot *s)
{
	struct poc_err e = { 0 };
	uint32_t count, limit;

	if (!s->tok->meta.has_pin)
		return 0;
	if (poc_token_pin_status(&e, s->tok, 0, &count, &limit) < 0) {
		p11_log(POC_LOG_WARN, "token %s: PIN counter: %s", s->label, e.msg);
		return 0;
	}
	if (count >= limit)
		return CKF_USER_PIN_LOCKED;
	return (count > 0 ? CKF_USER_PIN_COUNT_LOW : 0) | (count + 1 == limit ? CKF_USER_PIN_FINAL_TRY : 0);
}

/* The same for the SO PIN's counter (none without an SO PIN). */
static CK_FLAGS so_pin_flags(const struct p11_slot *s)
{
	struct poc_err e = { 0 };
	uint32_t count, limit;

	if (s->tok->meta.so_nv == 0)
		return 0;
	if (poc_token_pin_status(&e, s->tok, 1, &count, &limit) < 0) {
		p11_log(POC_LOG_WARN, "token %s: SO PIN counter: %s", s->label, e.msg);
		return 0;
	}
	if (count >= limit)
		return CKF_SO_PIN_LOCKED;
	return (count > 0 ? CKF_SO_PIN_COUNT_LOW : 0) | (count + 1 == limit ? CKF_SO_PIN_FINAL_TRY : 0);
}

CK_RV p11_token_info_locked(CK_SLOT_ID id, CK_TOKEN_INFO_PTR info)
{
	struct p11_slot *s;
	char serial[2 * 8 + 1];
	CK_RV rv = p11_slot_get_locked(id, &s);

	if (rv != CKR_OK)
		return rv;
	rv = p11_slot_open_locked(s);
	if (rv != CKR_OK)
		return rv;
	memset(info, 0, sizeof(*info));
	p11_pad_copy(info->label, sizeof(info->label), s->label);
	p11_pad_copy(info->manufacturerID, sizeof(info->manufacturerID), P11_MANUFACTURER);
	p11_pad_copy(info->model, sizeof(info->model), "PoC sealed");
	/* The serial: the token id's first 8 bytes (random at init), so two tokens made in one second differ. */
	poc_hex_encode(s->tok->meta.token_id, 8, serial);
	p11_pad_copy(info->serialNumber, sizeof(info->serialNumber), serial);
	info->flags = CKF_RNG | CKF_TOKEN_INITIALIZED | CKF_USER_PIN_INITIALIZED;
	if (s->tok->meta.has_pin)
		info->flags |= CKF_LOGIN_REQUIRED;
	/* No CKF_PROTECTED_AUTHENTICATION_PATH: PINs come through C_Login. */
	info->flags |= pin_flags(s) | so_pin_flags(s);
	info->ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
	info->ulSessionCount = s->sessions;
	info->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
	info->ulRwSessionCount = s->rw_sessions;
	info->ulMaxPinLen = P11_PIN_MAX;
	info->ulMinPinLen = 1;
	info->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
	info->hardwareVersion.major = 0;
	info->firmwareVersion.major = 0;
	info->firmwareVersion.minor = 1;
	p11_pad_copy(info->utcTime, sizeof(info->utcTime), "");
	return CKR_OK;
}

CK_RV p11_mech_list_locked(CK_SLOT_ID id, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count)
{
	struct p11_slot *s;
	size_t n;
	CK_RV rv = p11_slot_get_locked(id, &s);

	if (rv != CKR_OK)
		return rv;
	n = poc_mechanism_list(NULL, 0);
	if (list != NULL && *count < n)
		rv = CKR_BUFFER_TOO_SMALL;
	else if (list != NULL)
		poc_mechanism_list(list, n);
	*count = n;
	return rv;
}

CK_RV p11_mech_info_locked(CK_SLOT_ID id, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info)
{
	struct p11_slot *s;
	CK_RV rv = p11_slot_get_locked(id, &s);

	if (rv != CKR_OK)
		return rv;
	return poc_mechanism_info(type, info);
}
