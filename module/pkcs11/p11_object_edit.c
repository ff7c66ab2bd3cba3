/* SPDX-License-Identifier: Apache-2.0 */
/*
 * C_SetAttributeValue and C_CopyObject (PKCS#11 v3.0 5.7, 4.4). What may
 * change: CKA_LABEL, CKA_ID, a session data object's CKA_APPLICATION, the
 * usages a key type can have (CKA_SIGN ... CKA_DERIVE), CKA_SENSITIVE only
 * false -> true, CKA_EXTRACTABLE, CKA_COPYABLE, CKA_DESTROYABLE (and, in a
 * copy, CKA_MODIFIABLE) only true -> false; a copy may also choose CKA_TOKEN
 * and CKA_PRIVATE, and a data object's copy its CKA_VALUE. Every other
 * attribute is CKR_ATTRIBUTE_READ_ONLY; one the object lacks
 * CKR_ATTRIBUTE_TYPE_INVALID. A template is taken whole or not at all.
 *
 * A sealed object's header is the associated data of its seal, so a changed
 * token object is sealed again (poc_token_reseal: opened with the TPM and
 * the PIN, sealed under the new header; the old file and record replaced).
 * A token object's secret is copied only into another sealed object.
 */
#include "pkcs11/p11_attr.h"
#include "pkcs11/p11_keymgmt.h"

#include <stdlib.h>
#include <string.h>

#include "digest.h"

/* What an edit makes of the object: its new names, flags, and a copy's choices. */
struct edit {
	char label[POC_OBJECT_LABEL_MAX + 1];
	uint8_t id[POC_OBJECT_ID_MAX];
	size_t id_len;
	uint64_t flags;
	const CK_ATTRIBUTE *app, *value;
	int token, priv;
};

static const struct {
	CK_ATTRIBUTE_TYPE type;
	uint64_t bit;
} usages[] = {
	{ CKA_SIGN, POC_OBJ_SIGN },	  { CKA_VERIFY, POC_OBJ_VERIFY }, { CKA_ENCRYPT, POC_OBJ_ENCRYPT },
	{ CKA_DECRYPT, POC_OBJ_DECRYPT }, { CKA_WRAP, POC_OBJ_WRAP },	  { CKA_UNWRAP, POC_OBJ_UNWRAP },
	{ CKA_DERIVE, POC_OBJ_DERIVE },
};

/* A flag that may only go from true to false (inv: the bit says false): CKR_ATTRIBUTE_READ_ONLY otherwise. */
static CK_RV only_to_false(struct edit *ed, int want, uint64_t bit, int inv)
{
	int now = inv ? !(ed->flags & bit) : (ed->flags & bit) != 0;

	if (want && !now)
		return CKR_ATTRIBUTE_READ_ONLY;
	if (!want)
		ed->flags = inv ? ed->flags | bit : ed->flags & ~bit;
	return CKR_OK;
}

static CK_RV edit_usage(const struct p11_object *o, struct edit *ed, const CK_ATTRIBUTE *a, int b)
{
	for (size_t i = 0; i < sizeof(usages) / sizeof(usages[0]); i++) {
		if (usages[i].type != a->type)
			continue;
		if (o->class != o->sealed->h.class)
			return CKR_ATTRIBUTE_READ_ONLY; /* the public view of a private key: its usages are the key's */
		if (b && !(p11_usage_possible(o->sealed->h.key_type) & usages[i].bit))
			return CKR_ATTRIBUTE_VALUE_INVALID; /* no mechanism here does it with this key type */
		/* Tookan: a key that wraps never comes to decrypt what it wrapped (p11_keyrules.c). */
		if (b && !p11_keymgmt_usage_may(ed->flags, usages[i].bit))
			return CKR_ATTRIBUTE_READ_ONLY;
		ed->flags = b ? ed->flags | usages[i].bit : ed->flags & ~usages[i].bit;
		ed->flags |= p11_keymgmt_usage_history(ed->flags);
		return CKR_OK;
	}
	return CKR_ATTRIBUTE_READ_ONLY;
}

static CK_RV edit_names(struct edit *ed, const CK_ATTRIBUTE *a)
{
	if (a->type == CKA_LABEL) {
		if (a->ulValueLen > POC_OBJECT_LABEL_MAX || (a->ulValueLen && memchr(a->pValue, 0, a->ulValueLen) != NULL))
			return CKR_ATTRIBUTE_VALUE_INVALID;
		if (a->ulValueLen)
			memcpy(ed->label, a->pValue, a->ulValueLen);
		ed->label[a->ulValueLen] = '\0';
		return CKR_OK;
	}
	if (a->ulValueLen > 64)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	if (a->ulValueLen)
		memcpy(ed->id, a->pValue, a->ulValueLen);
	ed->id_len = a->ulValueLen;
	return CKR_OK;
}

/* One attribute of an edit (copy: C_CopyObject's template). */
static CK_RV edit_one(const struct p11_object *o, struct edit *ed, const CK_ATTRIBUTE *a, int copy)
{
	const struct p11_attr_def *d = p11_attr_def_find(a->type);
	int b = a->ulValueLen == sizeof(CK_BBOOL) && *(const CK_BBOOL *)a->pValue != CK_FALSE;
	int session = o->sealed->owner != 0;

	/* An attribute of the class: one it answers, or one it never reveals (a key's CKA_VALUE: read-only too). */
	if (d == NULL || !((d->has | d->never) & p11_attr_class_bit(o->class)))
		return CKR_ATTRIBUTE_TYPE_INVALID;
	switch (a->type) {
	case CKA_LABEL:
	case CKA_ID:
		return edit_names(ed, a);
	case CKA_APPLICATION:
		if (!session && !copy)
			return CKR_ATTRIBUTE_READ_ONLY; /* a token data object keeps none */
		ed->app = a;
		return CKR_OK;
	case CKA_VALUE:
		if (!copy || o->class != CKO_DATA || !session)
			return CKR_ATTRIBUTE_READ_ONLY;
		ed->value = a;
		return CKR_OK;
	case CKA_SENSITIVE:
		if (b) {
			ed->flags |= POC_OBJ_SENSITIVE; /* its POC_OBJ_WAS_PLAIN stays: not always sensitive */
			return CKR_OK;
		}
		return (ed->flags & POC_OBJ_SENSITIVE) || !(ed->flags & POC_OBJ_WAS_PLAIN) ? CKR_ATTRIBUTE_READ_ONLY : CKR_OK;
	case CKA_EXTRACTABLE: return only_to_false(ed, b, POC_OBJ_EXTRACTABLE, 0);
	case CKA_COPYABLE: return only_to_false(ed, b, POC_OBJ_NO_COPY, 1);
	case CKA_DESTROYABLE: return only_to_false(ed, b, POC_OBJ_NO_DESTROY, 1);
	case CKA_MODIFIABLE: return copy ? only_to_false(ed, b, POC_OBJ_FIXED, 1) : CKR_ATTRIBUTE_READ_ONLY;
	case CKA_TOKEN:
		if (!copy)
			return CKR_ATTRIBUTE_READ_ONLY;
		ed->token = b;
		return CKR_OK;
	case CKA_PRIVATE:
		if (!copy)
			return CKR_ATTRIBUTE_READ_ONLY;
		ed->priv = b;
		return CKR_OK;
	default:
		return edit_usage(o, ed, a, b);
	}
}

/* The edit of o by template t: the whole template or nothing. */
static CK_RV edit_make(const struct p11_slot *s, const struct p11_object *o, const CK_ATTRIBUTE *t, CK_ULONG n,
		       int copy, struct edit *ed)
{
	const struct poc_object_header *h = &o->sealed->h;
	CK_RV rv = p11_template_shape(t, n);

	memset(ed, 0, sizeof(*ed));
	memcpy(ed->label, h->label, sizeof(ed->label));
	memcpy(ed->id, h->id, h->id_len);
	ed->id_len = h->id_len;
	ed->flags = h->flags;
	ed->token = o->sealed->owner == 0;
	ed->priv = p11_object_private(s, o);
	for (CK_ULONG i = 0; i < n && rv == CKR_OK; i++)
		rv = edit_one(o, ed, &t[i], copy);
	return rv;
}

static CK_RV edit_allowed(const struct p11_session *ss, const struct p11_object *o)
{
	if (o->sealed->h.flags & POC_OBJ_FIXED)
		return CKR_ACTION_PROHIBITED;
	if (o->sealed->owner != 0)
		return CKR_OK;
	if (!(ss->flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;
	if (ss->slot->tok->meta.has_pin && (!ss->slot->logged_in || ss->slot->pin == NULL))
		return CKR_USER_NOT_LOGGED_IN;
	return CKR_OK;
}

/* The sealed object o as re-read from its new file name (its handles, release and key kept). */
static CK_RV reload_locked(struct p11_slot *s, struct p11_sealed *o, const char *name)
{
	struct poc_err e = { 0 };
	struct poc_object_header h;
	uint8_t *buf = NULL;
	size_t len = 0;

	memset(&h, 0, sizeof(h));
	if (poc_store_get(&e, s->tok->store, name, &buf, &len) < 0 || poc_object_parse(&e, buf, len, &h, NULL, NULL) < 0 ||
	    poc_sha256(buf, len, o->file_sha256) < 0) {
		p11_log(POC_LOG_ERROR, "token %s: %s after its re-seal: %s", s->label, name, e.msg);
		free(buf);
		poc_object_header_free(&h);
		return CKR_DEVICE_ERROR;
	}
	free(buf);
	poc_object_header_free(&o->h);
	o->h = h;
	snprintf(o->name, sizeof(o->name), "%s", name);
	free(o->record); /* bound to the old file: the next check makes the new one's */
	o->record = NULL;
	o->record_len = 0;
	return CKR_OK;
}

/* The header of o with the edit's names and flags (a shallow copy: its buffers stay o's). */
static void edit_header(const struct p11_sealed *o, const struct edit *ed, struct poc_object_header *h)
{
	*h = o->h;
	memcpy(h->label, ed->label, sizeof(h->label));
	memcpy(h->id, ed->id, ed->id_len);
	h->id_len = ed->id_len;
	h->flags = ed->flags;
}

static CK_RV reseal_locked(struct p11_session *ss, struct p11_sealed *o, const struct edit *ed, int keep_old,
			   char name[POC_STORE_NAME_MAX])
{
	struct poc_err e = { 0 };
	struct p11_slot *s = ss->slot;
	struct poc_object_header h;

	edit_header(o, ed, &h);
	if (poc_token_reseal(&e, s->tok, o->name, &h, s->tok->meta.has_pin ? s->pin : NULL,
			     s->tok->meta.has_pin ? s->pin_len : 0, keep_old, name) < 0) {
		p11_log(POC_LOG_ERROR, "token %s: re-sealing %s: %s", s->label, o->name, e.msg);
		return e.code == POC_ERR_ARG ? CKR_ATTRIBUTE_VALUE_INVALID : p11_rv_from_err(e.code, CKR_FUNCTION_FAILED);
	}
	p11_log(POC_LOG_INFO, "token %s: %s re-sealed as %s", s->label, o->name, name);
	return CKR_OK;
}

CK_RV p11_set_attrs_locked(struct p11_session *ss, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_PTR t, CK_ULONG n)
{
	struct p11_object *o;
	struct edit ed;
	char name[POC_STORE_NAME_MAX];
	CK_RV rv = p11_object_get_locked(ss, h, &o);
	uint8_t *app = NULL;

	if (rv != CKR_OK || (rv = edit_allowed(ss, o)) != CKR_OK || (rv = edit_make(ss->slot, o, t, n, 0, &ed)) != CKR_OK)
		return rv;
	if (o->sealed->owner == 0) {
		struct p11_sealed *so = o->sealed;

		rv = reseal_locked(ss, so, &ed, 0, name);
		return rv == CKR_OK ? reload_locked(ss->slot, so, name) : rv;
	}
	if (ed.app != NULL && ed.app->ulValueLen > 0) {
		if ((app = malloc(ed.app->ulValueLen)) == NULL)
			return CKR_HOST_MEMORY;
		memcpy(app, ed.app->pValue, ed.app->ulValueLen);
	}
	if (ed.app != NULL) {
		free(o->sealed->app);
		o->sealed->app = app;
		o->sealed->app_len = ed.app->ulValueLen;
	}
	memcpy(o->sealed->h.label, ed.label, sizeof(ed.label));
	memcpy(o->sealed->h.id, ed.id, ed.id_len);
	o->sealed->h.id_len = ed.id_len;
	o->sealed->h.flags = ed.flags;
	return CKR_OK;
}

/* ---- C_CopyObject ---- */

#define P11_COPY_MAX 20

static void put(CK_ATTRIBUTE *t, CK_ULONG *k, CK_ATTRIBUTE_TYPE type, const void *p, CK_ULONG len)
{
	t[*k].type = type;
	t[*k].pValue = (void *)p;
	t[*k].ulValueLen = len;
	(*k)++;
}

/* The copy's whole template, from the edit: p11_object_new_locked makes (and checks) the object from it. */
static CK_ULONG copy_template(const struct p11_object *o, const struct edit *ed, CK_ATTRIBUTE *t)
{
	static const CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ULONG k = 0;

#define PUT_BOOL(type, v) put(t, &k, (type), (v) ? &yes : &no, sizeof(CK_BBOOL))
	put(t, &k, CKA_LABEL, ed->label, (CK_ULONG)strlen(ed->label));
	PUT_BOOL(CKA_TOKEN, ed->token);
	PUT_BOOL(CKA_PRIVATE, ed->priv);
	PUT_BOOL(CKA_MODIFIABLE, !(ed->flags & POC_OBJ_FIXED));
	PUT_BOOL(CKA_COPYABLE, !(ed->flags & POC_OBJ_NO_COPY));
	PUT_BOOL(CKA_DESTROYABLE, !(ed->flags & POC_OBJ_NO_DESTROY));
	if (o->class == CKO_DATA) {
		if (ed->app != NULL)
			put(t, &k, CKA_APPLICATION, ed->app->pValue, ed->app->ulValueLen);
		else
			put(t, &k, CKA_APPLICATION, o->sealed->app, (CK_ULONG)o->sealed->app_len);
		return k;
	}
	put(t, &k, CKA_ID, ed->id, (CK_ULONG)ed->id_len);
	if (o->class == CKO_CERTIFICATE)
		return k;
	for (size_t i = 0; i < sizeof(usages) / sizeof(usages[0]); i++) {
		const struct p11_attr_def *d = p11_attr_def_find(usages[i].type);

		if (!(d->foreign & p11_attr_class_bit(o->class)))
			PUT_BOOL(usages[i].type, (ed->flags & usages[i].bit) != 0);
	}
	if (o->class == CKO_PRIVATE_KEY || o->class == CKO_SECRET_KEY) {
		PUT_BOOL(CKA_SENSITIVE, (ed->flags & POC_OBJ_SENSITIVE) != 0);
		PUT_BOOL(CKA_EXTRACTABLE, (ed->flags & POC_OBJ_EXTRACTABLE) != 0);
	}
#undef PUT_BOOL
	return k;
}

/* A copy made from o's material in memory: a session object's, or a token object's public one. */
static CK_RV copy_new_locked(struct p11_session *ss, const struct p11_object *o, const struct edit *ed,
			     CK_OBJECT_HANDLE_PTR out)
{
	const struct p11_sealed *so = o->sealed;
	CK_ATTRIBUTE t[P11_COPY_MAX];
	CK_ULONG k = copy_template(o, ed, t);
	struct p11_new nw;

	memset(&nw, 0, sizeof(nw));
	nw.cls = o->class;
	nw.type = so->h.key_type;
	if (o->class == CKO_CERTIFICATE) {
		nw.cert = so->h.cert;
		nw.cert_len = so->h.cert_len;
	} else if (o->class != CKO_DATA) {
		nw.spki = so->h.spki; /* a key's public half (a secret key has none) */
		nw.spki_len = so->h.spki_len;
	}
	if (o->class == CKO_PRIVATE_KEY || o->class == CKO_SECRET_KEY || o->class == CKO_DATA) {
		nw.secret = ed->value != NULL ? ed->value->pValue : so->data;
		nw.secret_len = ed->value != NULL ? ed->value->ulValueLen : so->data_len;
	}
	nw.local = (so->h.flags & POC_OBJ_LOCAL) != 0;
	nw.gen_mech = so->gen_mech;
	nw.history = so->h.flags & (POC_OBJ_IMPORTED | POC_OBJ_WAS_PLAIN | POC_OBJ_WAS_EXTRACTABLE | POC_OBJ_WAS_ED |
				    POC_OBJ_WAS_WRAPPER | POC_OBJ_TRUSTED | POC_OBJ_WRAP_WITH_TRUSTED | POC_OBJ_FROM_KEY);
	nw.tmpl = so->h.tmpl;
	return p11_object_new_locked(ss, t, k, &nw, out, NULL);
}

CK_RV p11_copy_object_locked(struct p11_session *ss, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_PTR t, CK_ULONG n,
			     CK_OBJECT_HANDLE_PTR out)
{
	struct p11_object *o;
	struct edit ed;
	char name[POC_STORE_NAME_MAX];
	CK_OBJECT_HANDLE first = CK_INVALID_HANDLE, second = CK_INVALID_HANDLE;
	CK_RV rv = p11_object_get_locked(ss, h, &o);
	int secret;

	*out = CK_INVALID_HANDLE;
	if (rv != CKR_OK || (rv = edit_make(ss->slot, o, t, n, 1, &ed)) != CKR_OK)
		return rv;
	if (o->sealed->h.flags & POC_OBJ_NO_COPY)
		return CKR_ACTION_PROHIBITED;
	secret = o->class == CKO_PRIVATE_KEY || o->class == CKO_SECRET_KEY || o->class == CKO_DATA;
	/* A session object's material is in memory; a public object's is its header: either made anew. */
	if (o->sealed->owner != 0 || !secret)
		return copy_new_locked(ss, o, &ed, out);
	if (!ed.token) {
		p11_log(POC_LOG_WARN, "token %s: %s: a sealed secret is copied only into another sealed object",
			ss->slot->label, o->sealed->name);
		return CKR_ACTION_PROHIBITED;
	}
	if (!(ss->flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;
	if (ss->slot->tok->meta.has_pin && (!ss->slot->logged_in || ss->slot->pin == NULL))
		return CKR_USER_NOT_LOGGED_IN;
	rv = reseal_locked(ss, o->sealed, &ed, 1, name);
	if (rv == CKR_OK)
		rv = p11_sealed_add_locked(ss->slot, name, &first, &second);
	if (rv == CKR_OK)
		*out = o->class != o->sealed->h.class && o->class == CKO_PUBLIC_KEY ? second : first;
	return rv;
}
