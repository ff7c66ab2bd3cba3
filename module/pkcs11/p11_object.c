/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Objects: the views of a token's sealed objects, loaded from the object
 * headers on first use (no TPM access). A private key gives a private-key
 * object, a public-key object (from its SubjectPublicKeyInfo) and, when the
 * header holds one, a certificate object. Which objects a session sees,
 * search (matching through the attribute table, p11_attr.c) and
 * C_DestroyObject; C_CreateObject is in p11_object_create.c. Session objects
 * (p11_object_new.c) are kept in the same lists, with their owner set:
 * added, and taken out (wiped) when destroyed, here.
 */
#include "digest.h"
#include "pkcs11/p11_attr.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

void p11_sealed_free(struct p11_sealed *o)
{
	if (o == NULL)
		return;
	p11_release_wipe(o);
	poc_key_free(o->pub);
	poc_object_header_free(&o->h);
	free(o->record);
	free(o->app);
	free(o);
}

void p11_objects_free(struct p11_slot *s)
{
	size_t i;

	for (i = 0; i < s->nsealed; i++)
		p11_sealed_free(s->sealed[i]);
	free(s->sealed);
	free(s->objs);
	s->sealed = NULL;
	s->objs = NULL;
	s->nsealed = s->nobjs = s->capobjs = 0;
	s->loaded = 0;
}

static CK_RV obj_add(struct p11_slot *s, struct p11_sealed *o, CK_OBJECT_CLASS class, CK_OBJECT_HANDLE *h)
{
	if (s->nobjs == s->capobjs) {
		size_t cap = s->capobjs ? 2 * s->capobjs : 16;
		struct p11_object *n = realloc(s->objs, cap * sizeof(*n));

		if (n == NULL)
			return CKR_HOST_MEMORY;
		s->objs = n;
		s->capobjs = cap;
	}
	s->objs[s->nobjs].handle = p11_ctx.next_object++;
	s->objs[s->nobjs].class = class;
	s->objs[s->nobjs].sealed = o;
	if (h != NULL)
		*h = s->objs[s->nobjs].handle;
	s->nobjs++;
	return CKR_OK;
}

CK_RV p11_sealed_add_locked(struct p11_slot *s, const char *name, CK_OBJECT_HANDLE *first, CK_OBJECT_HANDLE *second)
{
	struct poc_err e = { 0 };
	struct p11_sealed *o, **ns;
	uint8_t *buf = NULL;
	size_t len = 0;
	CK_RV rv = CKR_OK;

	if (first != NULL)
		*first = CK_INVALID_HANDLE;
	if (second != NULL)
		*second = CK_INVALID_HANDLE;
	o = calloc(1, sizeof(*o));
	if (o == NULL)
		return CKR_HOST_MEMORY;
	snprintf(o->name, sizeof(o->name), "%s", name);
	if (poc_store_get(&e, s->tok->store, name, &buf, &len) < 0 ||
	    poc_object_parse(&e, buf, len, &o->h, NULL, NULL) < 0) {
		p11_log(POC_LOG_WARN, "token %s: object %s skipped: %s", s->label, name, e.msg);
		free(buf);
		p11_sealed_free(o);
		return CKR_OK; /* an unreadable file hides one object, not the token */
	}
	/* The file as listed: a release refuses it if it changed since (token.h). */
	if (poc_sha256(buf, len, o->file_sha256) < 0) {
		free(buf);
		p11_sealed_free(o);
		return CKR_HOST_MEMORY;
	}
	free(buf);
	if (o->h.spki != NULL) {
		o->pub = poc_key_from_spki(&e, o->h.spki, o->h.spki_len);
		if (o->pub == NULL)
			p11_log(POC_LOG_WARN, "token %s: object %s: public key: %s", s->label, name, e.msg);
	}
	ns = realloc(s->sealed, (s->nsealed + 1) * sizeof(*ns));
	if (ns == NULL) {
		p11_sealed_free(o);
		return CKR_HOST_MEMORY;
	}
	o->gen_mech = (o->h.flags & POC_OBJ_LOCAL) ? p11_gen_mech_of(o->h.key_type) : CK_UNAVAILABLE_INFORMATION;
	s->sealed = ns;
	s->sealed[s->nsealed++] = o;
	rv = obj_add(s, o, o->h.class, first);
	if (rv == CKR_OK && o->h.class == CKO_PRIVATE_KEY && o->pub != NULL)
		rv = obj_add(s, o, CKO_PUBLIC_KEY, second);
	if (rv == CKR_OK && o->h.class != CKO_CERTIFICATE && o->h.cert != NULL)
		rv = obj_add(s, o, CKO_CERTIFICATE, NULL);
	return rv;
}

CK_RV p11_objects_load_locked(struct p11_slot *s)
{
	struct poc_err e = { 0 };
	char **names = NULL;
	size_t n = 0, i;
	CK_RV rv = p11_slot_open_locked(s);

	if (rv != CKR_OK || s->loaded)
		return rv;
	if (poc_store_list(&e, s->tok->store, ".obj", &names, &n) < 0) {
		p11_log(POC_LOG_ERROR, "token %s: %s", s->label, e.msg);
		return CKR_DEVICE_ERROR;
	}
	for (i = 0; i < n && rv == CKR_OK; i++)
		rv = p11_sealed_add_locked(s, names[i], NULL, NULL);
	poc_store_list_free(names, n);
	s->loaded = rv == CKR_OK;
	return rv;
}

int p11_object_private(const struct p11_slot *s, const struct p11_object *o)
{
	if (o->sealed->owner != 0)
		return s->tok->meta.has_pin && o->sealed->session_private;
	return s->tok->meta.has_pin &&
	       (o->class == CKO_PRIVATE_KEY || o->class == CKO_SECRET_KEY || o->class == CKO_DATA);
}

/* ---- session objects ---- */

CK_RV p11_session_object_add_locked(struct p11_session *ss, struct p11_sealed *o, CK_OBJECT_HANDLE *first)
{
	struct p11_slot *s = ss->slot;
	struct p11_sealed **ns = realloc(s->sealed, (s->nsealed + 1) * sizeof(*ns));
	CK_RV rv;

	if (ns == NULL) {
		p11_sealed_free(o);
		return CKR_HOST_MEMORY;
	}
	s->sealed = ns;
	rv = obj_add(s, o, o->h.class, first);
	if (rv != CKR_OK) {
		p11_sealed_free(o);
		return rv;
	}
	s->sealed[s->nsealed++] = o;
	return CKR_OK;
}

/* Takes sealed object i out of the slot with its views, and frees (wipes) it. */
static void sealed_remove(struct p11_slot *s, size_t i)
{
	struct p11_sealed *o = s->sealed[i];
	size_t k, j = 0;

	for (k = 0; k < s->nobjs; k++)
		if (s->objs[k].sealed != o)
			s->objs[j++] = s->objs[k];
	s->nobjs = j;
	s->sealed[i] = s->sealed[--s->nsealed];
	p11_sealed_free(o);
}

void p11_session_objects_drop_locked(struct p11_slot *s, CK_SESSION_HANDLE h)
{
	size_t i = s->nsealed;

	while (i-- > 0) {
		const struct p11_sealed *o = s->sealed[i];

		if (o->owner != 0 && (h != 0 ? o->owner == h : o->session_private))
			sealed_remove(s, i);
	}
}

int p11_object_visible(const struct p11_slot *s, const struct p11_object *o)
{
	return !o->sealed->gone && (s->logged_in || !p11_object_private(s, o));
}

CK_RV p11_object_get_locked(struct p11_session *ss, CK_OBJECT_HANDLE h, struct p11_object **out)
{
	struct p11_slot *s = ss->slot;
	CK_RV rv = p11_objects_load_locked(s);
	size_t i;

	if (rv != CKR_OK)
		return rv;
	for (i = 0; i < s->nobjs; i++) {
		if (s->objs[i].handle == h && p11_object_visible(s, &s->objs[i])) {
			*out = &s->objs[i];
			return CKR_OK;
		}
	}
	return CKR_OBJECT_HANDLE_INVALID;
}

/* Whether object o has every attribute of the template (t, n) with the same bytes. */
static int matches(const struct p11_slot *s, const struct p11_object *o, const CK_ATTRIBUTE *t, CK_ULONG n)
{
	CK_ULONG i;
	int ok = 1;

	for (i = 0; i < n && ok; i++) {
		struct p11_val v;

		memset(&v, 0, sizeof(v));
		ok = p11_attr_get(s, o, t[i].type, &v) == CKR_OK && v.len == t[i].ulValueLen &&
		     (v.len == 0 || (t[i].pValue != NULL && memcmp(v.p, t[i].pValue, v.len) == 0));
		free(v.own);
	}
	return ok;
}

CK_RV p11_find_init_locked(struct p11_session *ss, CK_ATTRIBUTE_PTR t, CK_ULONG n)
{
	struct p11_slot *s = ss->slot;
	size_t i;
	CK_RV rv;

	if (ss->finding)
		return CKR_OPERATION_ACTIVE;
	rv = p11_objects_load_locked(s);
	if (rv != CKR_OK)
		return rv;
	free(ss->found);
	ss->found = calloc(s->nobjs + 1, sizeof(*ss->found));
	if (ss->found == NULL)
		return CKR_HOST_MEMORY;
	ss->nfound = ss->foundpos = 0;
	for (i = 0; i < s->nobjs; i++)
		if (p11_object_visible(s, &s->objs[i]) && matches(s, &s->objs[i], t, n))
			ss->found[ss->nfound++] = s->objs[i].handle;
	ss->finding = 1;
	return CKR_OK;
}

CK_RV p11_find_locked(struct p11_session *ss, CK_OBJECT_HANDLE_PTR out, CK_ULONG max, CK_ULONG_PTR count)
{
	CK_ULONG k = 0;

	if (!ss->finding)
		return CKR_OPERATION_NOT_INITIALIZED;
	while (k < max && ss->foundpos < ss->nfound)
		out[k++] = ss->found[ss->foundpos++];
	*count = k;
	return CKR_OK;
}

CK_RV p11_find_final_locked(struct p11_session *ss)
{
	if (!ss->finding)
		return CKR_OPERATION_NOT_INITIALIZED;
	free(ss->found);
	ss->found = NULL;
	ss->nfound = ss->foundpos = 0;
	ss->finding = 0;
	return CKR_OK;
}

CK_RV p11_destroy_object_locked(struct p11_session *ss, CK_OBJECT_HANDLE h)
{
	struct poc_err e = { 0 };
	struct p11_object *o;
	CK_RV rv = p11_object_get_locked(ss, h, &o);

	if (rv != CKR_OK)
		return rv;
	if (o->sealed->h.flags & POC_OBJ_NO_DESTROY)
		return CKR_ACTION_PROHIBITED;
	if (o->sealed->owner != 0) {
		/* A session object: in any session (PKCS#11 v3.0 5.7), the private ones only logged in (visible). */
		for (size_t i = 0; i < ss->slot->nsealed; i++)
			if (ss->slot->sealed[i] == o->sealed) {
				sealed_remove(ss->slot, i);
				break;
			}
		return CKR_OK;
	}
	if (!(ss->flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;
	if (ss->slot->tok->meta.has_pin && !ss->slot->logged_in)
		return CKR_USER_NOT_LOGGED_IN;
	if (poc_store_remove(&e, ss->slot->tok->store, o->sealed->name) < 0) {
		p11_log(POC_LOG_ERROR, "token %s: %s", ss->slot->label, e.msg);
		return CKR_FUNCTION_FAILED;
	}
	poc_err_clear(&e);
	(void)poc_store_record_remove(&e, ss->slot->tok->store, o->sealed->name);
	/* The private key, its public key and certificate are one sealed file: all go. */
	o->sealed->gone = 1;
	p11_release_wipe(o->sealed);
	return CKR_OK;
}

CK_RV p11_object_size_locked(struct p11_session *ss, CK_OBJECT_HANDLE h, CK_ULONG_PTR size)
{
	struct p11_object *o;
	const struct poc_object_header *hd;
	CK_RV rv = p11_object_get_locked(ss, h, &o);

	if (rv != CKR_OK)
		return rv;
	hd = &o->sealed->h;
	*size = (CK_ULONG)(strlen(hd->label) + hd->id_len + hd->spki_len + hd->cert_len + hd->sealed_pub_len +
			   hd->sealed_priv_len + o->sealed->app_len);
	if (o->sealed->owner != 0)
		*size += (CK_ULONG)o->sealed->data_len; /* a token object's value is sealed: its blobs count */
	return CKR_OK;
}
