/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Operations on keys: starting sign/verify/encrypt/decrypt (releasing the key
 * first when needed), running them outside the module lock so sessions on
 * several threads work in parallel, and creating keys sealed under the
 * token's policy.
 */
#include "pkcs11/p11_attr.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

/*
 * Library contexts for ops. Every OpenSSL 3.0 signature touches state of its
 * library context (method store lookups, the nonce's digest fetch, the DRBG
 * lookup), so threads signing in one context slow each other down (2 to 5%
 * per thread with two, measured). Threads therefore take turns (round robin,
 * up to the CPU count) between OpenSSL's default context (slot 0: the first
 * thread, whose first signature then costs no new context) and private ones,
 * but only while the default context runs nothing but the default provider:
 * another configuration (FIPS, a third-party provider) is the application's
 * to keep. Changed under the module lock only; freed by p11_ops_cleanup.
 */
#define P11_LIBCTX_MAX 8
static OSSL_LIB_CTX *op_lc[P11_LIBCTX_MAX];
static OSSL_PROVIDER *op_prov[P11_LIBCTX_MAX];
static size_t op_nlc;        /* 0: not decided yet; 1: OpenSSL's default context only */
static unsigned op_lc_next;
static _Thread_local unsigned op_lc_slot; /* this thread's slot + 1, 0: none yet */

static int provider_plain(OSSL_PROVIDER *p, void *arg)
{
	const char *n = OSSL_PROVIDER_get0_name(p);

	if (strcmp(n, "default") != 0 && strcmp(n, "base") != 0)
		*(int *)arg = 0;
	return 1;
}

/* The library context for an op the calling thread makes (NULL: OpenSSL's default). */
static OSSL_LIB_CTX *op_libctx_locked(void)
{
	long ncpu;
	size_t i;
	int plain = 1;

	if (op_nlc == 0) {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		OSSL_PROVIDER_do_all(NULL, provider_plain, &plain);
		if (!plain || EVP_default_properties_is_fips_enabled(NULL) || ncpu < 2)
			op_nlc = 1;
		else
			op_nlc = ncpu > P11_LIBCTX_MAX ? P11_LIBCTX_MAX : (size_t)ncpu;
	}
	if (op_lc_slot == 0)
		op_lc_slot = op_lc_next++ % P11_LIBCTX_MAX + 1;
	i = (op_lc_slot - 1) % op_nlc;
	if (i == 0)
		return NULL;
	if (op_lc[i] == NULL) {
		if ((op_lc[i] = OSSL_LIB_CTX_new()) == NULL || (op_prov[i] = OSSL_PROVIDER_load(op_lc[i], "default")) == NULL) {
			OSSL_LIB_CTX_free(op_lc[i]);
			op_lc[i] = NULL;
			ERR_clear_error();
		}
	}
	return op_lc[i];
}

void p11_ops_cleanup(void)
{
	for (size_t i = 0; i < P11_LIBCTX_MAX; i++) {
		if (op_prov[i] != NULL)
			OSSL_PROVIDER_unload(op_prov[i]);
		OSSL_LIB_CTX_free(op_lc[i]);
		op_prov[i] = NULL;
		op_lc[i] = NULL;
	}
	op_nlc = 0;
}

static int user_ok(const struct p11_slot *s)
{
	return !s->tok->meta.has_pin || s->logged_in;
}

/*
 * The key for kind on object key: lookup and permission checks. With
 * may_release (under the full lock) it loads the token's objects and releases
 * the key when needed (first use, TTL: TPM and OpenSSL work); without, it
 * sets *cold when it would have to.
 */
static CK_RV op_key_locked(struct p11_session *ss, enum poc_op_kind kind, CK_MECHANISM_TYPE mech, CK_OBJECT_HANDLE key,
			   int may_release, int *cold, const struct poc_key **out, struct p11_sealed **sealed)
{
	struct p11_object *o;
	struct p11_sealed *so;
	const struct poc_key *k = NULL;
	uint64_t need = 0;
	CK_KEY_TYPE mech_type;
	CK_RV rv;

	if (!may_release && !ss->slot->loaded) {
		*cold = 1;
		return CKR_OK;
	}
	rv = p11_object_get_locked(ss, key, &o);
	if (rv != CKR_OK)
		return rv == CKR_OBJECT_HANDLE_INVALID ? CKR_KEY_HANDLE_INVALID : rv;
	so = o->sealed;
	/*
	 * Before any release, in this order: a mechanism of the table, the key's
	 * type the mechanism's (CKR_KEY_TYPE_INCONSISTENT), the mechanism doing
	 * kind (CKR_MECHANISM_INVALID: CKM_RSA_PKCS does not decrypt), the usage.
	 */
	if (!poc_mechanism_key_type(mech, &mech_type))
		return CKR_MECHANISM_INVALID;
	if (o->class == CKO_DATA || o->class == CKO_CERTIFICATE || so->h.key_type != mech_type)
		return CKR_KEY_TYPE_INCONSISTENT;
	if (!poc_mechanism_permits(mech, kind))
		return CKR_MECHANISM_INVALID;
	switch (kind) {
	case POC_OP_SIGN: need = POC_OBJ_SIGN; break;
	case POC_OP_DECRYPT: need = POC_OBJ_DECRYPT; break;
	case POC_OP_VERIFY: need = POC_OBJ_VERIFY | (o->class == CKO_PUBLIC_KEY ? POC_OBJ_SIGN : 0); break;
	case POC_OP_ENCRYPT: need = POC_OBJ_ENCRYPT | (o->class == CKO_PUBLIC_KEY ? POC_OBJ_DECRYPT : 0); break;
	case POC_OP_MSG_ENCRYPT: need = POC_OBJ_ENCRYPT; break;
	case POC_OP_MSG_DECRYPT: need = POC_OBJ_DECRYPT; break;
	case POC_OP_DIGEST: return CKR_GENERAL_ERROR; /* p11_digest_init: no key */
	}
	if (o->class == CKO_PUBLIC_KEY && (kind == POC_OP_VERIFY || kind == POC_OP_ENCRYPT)) {
		k = so->pub;
	} else if ((o->class == CKO_PRIVATE_KEY && (kind == POC_OP_SIGN || kind == POC_OP_DECRYPT)) ||
		   o->class == CKO_SECRET_KEY) {
		/* A token's key: its user (p11_object_private); a public session object's: anyone who sees it. */
		if (p11_object_private(ss->slot, o) && !ss->slot->logged_in)
			return CKR_USER_NOT_LOGGED_IN;
	} else {
		return CKR_KEY_TYPE_INCONSISTENT;
	}
	if (!(so->h.flags & need))
		return CKR_KEY_FUNCTION_NOT_PERMITTED;
	if (k == NULL) {
		if (!may_release && !p11_release_current(so)) {
			*cold = 1;
			return CKR_OK;
		}
		rv = p11_release_use_locked(ss->slot, so);
		if (rv != CKR_OK)
			return rv;
		k = so->key;
	}
	if (k == NULL)
		return CKR_KEY_FUNCTION_NOT_PERMITTED;
	*out = k;
	*sealed = so;
	return CKR_OK;
}

/*
 * Starts kind on session h with the op the session parked for this key and
 * mechanism (lookups only). Else, with may_release (under the full lock),
 * with a new op (EVP setup); without, it sets *cold. *gone: an op for the
 * caller to free after unlocking.
 */
static CK_RV op_start_locked(CK_SESSION_HANDLE h, enum poc_op_kind kind, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE key,
			     int may_release, int *cold, struct poc_op **gone)
{
	struct p11_session *ss;
	struct p11_sealed *so = NULL;
	const struct poc_key *k = NULL;
	struct poc_op *op = NULL;
	CK_RV rv;

	*cold = 0;
	rv = p11_session_get_locked(h, &ss);
	if (rv != CKR_OK)
		return rv;
	if (ss->busy || ss->op[kind] != NULL)
		return CKR_OPERATION_ACTIVE;
	rv = op_key_locked(ss, kind, m->mechanism, key, may_release, cold, &k, &so);
	if (rv != CKR_OK || *cold)
		return rv;
	if (poc_op_reuse(ss->idle[kind], kind, m, k)) {
		ss->op[kind] = ss->idle[kind];
		ss->idle[kind] = NULL;
		return CKR_OK;
	}
	if (!may_release) {
		*cold = 1;
		return CKR_OK;
	}
	*gone = ss->idle[kind];
	ss->idle[kind] = NULL;
	poc_op_detach(*gone);
	rv = poc_op_init_ex(&op, kind, m, k, op_libctx_locked());
	if (rv != CKR_OK) {
		p11_log(POC_LOG_DEBUG, "%s: mechanism 0x%lx on key type 0x%lx (%s): %s", so->name,
			(unsigned long)m->mechanism, (unsigned long)poc_key_type(k), so->h.label, p11_rv_str(rv));
		return rv;
	}
	ss->op[kind] = op;
	return CKR_OK;
}

CK_RV p11_op_init(CK_SESSION_HANDLE h, enum poc_op_kind kind, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE key)
{
	struct poc_op *gone = NULL;
	int cold = 0;
	CK_RV rv;

	/*
	 * Warm: a released key and the session's parked op, under the light lock
	 * (no ENGINE toggling, no EVP work). Cold: releasing the key or making
	 * the op, under the full lock.
	 */
	p11_lock_light();
	rv = op_start_locked(h, kind, m, key, 0, &cold, &gone);
	p11_unlock_light();
	if (cold) {
		p11_lock();
		rv = op_start_locked(h, kind, m, key, 1, &cold, &gone);
		p11_unlock();
	}
	poc_op_free(gone);
	return rv;
}

CK_RV p11_op_begin(CK_SESSION_HANDLE h, enum poc_op_kind kind, struct p11_session **ss, struct poc_op **op)
{
	CK_RV rv;

	p11_lock_light();
	rv = p11_session_get_locked(h, ss);
	if (rv == CKR_OK && (*ss)->op[kind] == NULL)
		rv = CKR_OPERATION_NOT_INITIALIZED;
	else if (rv == CKR_OK && (*ss)->busy)
		rv = CKR_OPERATION_ACTIVE;
	if (rv == CKR_OK) {
		(*ss)->busy = 1;
		*op = (*ss)->op[kind];
	}
	p11_unlock_light();
	return rv;
}

void p11_op_end(struct p11_session *ss, enum poc_op_kind kind, int done)
{
	struct poc_op *gone = NULL;

	p11_lock_light();
	if (done) {
		/* Parked for the session's next init of the same kind; the one it replaces goes. */
		if (!ss->closed && poc_op_park(ss->op[kind])) {
			gone = ss->idle[kind];
			ss->idle[kind] = ss->op[kind];
		} else {
			gone = ss->op[kind];
		}
		ss->op[kind] = NULL;
		poc_op_detach(gone);
	}
	ss->busy = 0;
	if (ss->closed)
		p11_session_free(ss);
	else if (ss->drop_ops)
		p11_session_drop_ops_locked(ss); /* logged out meanwhile: the keys go with the ops */
	p11_unlock_light();
	poc_op_free(gone); /* EVP frees outside the lock */
}

CK_RV p11_op_abort(CK_SESSION_HANDLE h, enum poc_op_kind kind, CK_RV rv)
{
	struct p11_session *ss;
	struct poc_op *gone = NULL;

	p11_lock_light();
	if (p11_session_get_locked(h, &ss) == CKR_OK && !ss->busy) {
		gone = ss->op[kind];
		ss->op[kind] = NULL;
		poc_op_detach(gone);
	}
	p11_unlock_light();
	poc_op_free(gone);
	return rv;
}

CK_RV p11_session_cancel_locked(struct p11_session *ss, CK_FLAGS flags)
{
	static const struct {
		CK_FLAGS flag;
		enum poc_op_kind kind;
	} kinds[] = {
		{ CKF_SIGN, POC_OP_SIGN },
		{ CKF_VERIFY, POC_OP_VERIFY },
		{ CKF_ENCRYPT, POC_OP_ENCRYPT },
		{ CKF_DECRYPT, POC_OP_DECRYPT },
	};

	if (ss->busy)
		return CKR_OPERATION_CANCEL_FAILED; /* a thread runs one of them now */
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if ((flags & kinds[i].flag) && ss->op[kinds[i].kind] != NULL) {
			poc_op_detach(ss->op[kinds[i].kind]);
			poc_op_free(ss->op[kinds[i].kind]);
			ss->op[kinds[i].kind] = NULL;
		}
	}
	if ((flags & P11_CKF_FIND_OBJECTS) && ss->finding)
		(void)p11_find_final_locked(ss);
	return CKR_OK;
}

CK_RV p11_seal_locked(struct p11_session *ss, const struct poc_object_header *h, const uint8_t *secret, size_t len,
		      char name[POC_STORE_NAME_MAX])
{
	struct poc_err e = { 0 };
	struct p11_slot *s = ss->slot;
	CK_RV rv = p11_objects_load_locked(s);

	if (rv != CKR_OK)
		return rv;
	if (!(ss->flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;
	if (!user_ok(s) || (s->tok->meta.has_pin && s->pin == NULL))
		return CKR_USER_NOT_LOGGED_IN;
	if (poc_token_seal(&e, s->tok, h, secret, len, s->tok->meta.has_pin ? s->pin : NULL,
			   s->tok->meta.has_pin ? s->pin_len : 0, name) < 0) {
		p11_log(POC_LOG_ERROR, "token %s: sealing \"%s\": %s", s->label, h->label, e.msg);
		return e.code == POC_ERR_ARG ? CKR_TEMPLATE_INCONSISTENT : p11_rv_from_err(e.code, CKR_FUNCTION_FAILED);
	}
	p11_log(POC_LOG_INFO, "token %s: sealed %s", s->label, name);
	return CKR_OK;
}

/* A copy of the private-key template with the public one's CKA_LABEL and CKA_ID when it has none (one name for the pair). */
static CK_ATTRIBUTE *pair_template(const CK_ATTRIBUTE *pub, CK_ULONG npub, const CK_ATTRIBUTE *priv, CK_ULONG npriv,
				   CK_ULONG *n)
{
	static const CK_ATTRIBUTE_TYPE names[] = { CKA_LABEL, CKA_ID };
	CK_ATTRIBUTE *t = calloc(npriv + 2, sizeof(*t));

	if (t == NULL)
		return NULL;
	if (npriv)
		memcpy(t, priv, npriv * sizeof(*t));
	*n = npriv;
	for (size_t i = 0; i < 2; i++) {
		const CK_ATTRIBUTE *a = p11_attr_find(pub, npub, names[i]);

		if (a != NULL && p11_attr_find(priv, npriv, names[i]) == NULL)
			t[(*n)++] = *a;
	}
	return t;
}

/*
 * The two objects of a generated pair: the private key by its template (a
 * sealed one has a public-key view), the public key by its own: the view
 * when both are token objects, else its own object (a session object, or
 * sealed on its own).
 */
static CK_RV pair_objects_locked(struct p11_session *ss, CK_MECHANISM_TYPE mech, CK_KEY_TYPE type,
				 const CK_ATTRIBUTE *pub, CK_ULONG npub, const CK_ATTRIBUTE *priv, CK_ULONG npriv,
				 const uint8_t *secret, size_t secret_len, const uint8_t *spki, size_t spki_len,
				 CK_OBJECT_HANDLE_PTR hpub, CK_OBJECT_HANDLE_PTR hpriv)
{
	static const CK_ATTRIBUTE_TYPE used[] = { CKA_VALUE_LEN, CKA_MODULUS_BITS, CKA_PUBLIC_EXPONENT, CKA_EC_PARAMS };
	struct p11_new nw;
	CK_OBJECT_HANDLE view = CK_INVALID_HANDLE;
	CK_ULONG nt = 0;
	CK_ATTRIBUTE *t = pair_template(pub, npub, priv, npriv, &nt);
	int pub_token = p11_attr_bool(pub, npub, CKA_TOKEN, 0);
	CK_RV rv;

	if (t == NULL)
		return CKR_HOST_MEMORY;
	/* Both objects' rules first, so no private key is sealed for a public one that is then refused. */
	rv = pub_token && !(ss->flags & CKF_RW_SESSION) ? CKR_SESSION_READ_ONLY : p11_template_shape(pub, npub);
	memset(&nw, 0, sizeof(nw));
	nw.cls = CKO_PRIVATE_KEY;
	nw.type = type;
	nw.secret = secret;
	nw.secret_len = secret_len;
	nw.spki = spki;
	nw.spki_len = spki_len;
	nw.used = used;
	nw.nused = sizeof(used) / sizeof(used[0]);
	nw.gen_mech = mech;
	nw.local = 1;
	if (rv == CKR_OK)
		rv = p11_object_new_locked(ss, t, nt, &nw, hpriv, &view);
	free(t);
	if (rv != CKR_OK)
		return rv;
	if (pub_token && view != CK_INVALID_HANDLE) {
		*hpub = view;
		return CKR_OK;
	}
	nw.cls = CKO_PUBLIC_KEY;
	nw.secret = NULL;
	nw.secret_len = 0;
	rv = p11_object_new_locked(ss, pub, npub, &nw, hpub, NULL);
	if (rv != CKR_OK) {
		(void)p11_destroy_object_locked(ss, *hpriv);
		*hpriv = CK_INVALID_HANDLE;
	}
	return rv;
}

CK_RV p11_keypair_locked(struct p11_session *ss, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR pub, CK_ULONG npub,
			 CK_ATTRIBUTE_PTR priv, CK_ULONG npriv, CK_OBJECT_HANDLE_PTR hpub, CK_OBJECT_HANDLE_PTR hpriv)
{
	const CK_ATTRIBUTE *a;
	const uint8_t *ecp = NULL, *exp = NULL;
	size_t ecp_len = 0, exp_len = 0;
	CK_ULONG bits = 0;
	CK_KEY_TYPE type;
	uint8_t *secret = NULL, *spki = NULL;
	size_t secret_len = 0, spki_len = 0;
	CK_RV rv;

	*hpub = *hpriv = CK_INVALID_HANDLE;
	switch (m->mechanism) {
	case CKM_EC_KEY_PAIR_GEN: type = CKK_EC; break;
	case CKM_EC_EDWARDS_KEY_PAIR_GEN: type = CKK_EC_EDWARDS; break;
	case CKM_RSA_PKCS_KEY_PAIR_GEN: type = CKK_RSA; break;
	default: return CKR_MECHANISM_INVALID;
	}
	if (p11_attr_bool(priv, npriv, CKA_TOKEN, 0) && !(ss->flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;
	a = p11_attr_find(pub, npub, CKA_EC_PARAMS);
	if (a != NULL && a->pValue != NULL) {
		ecp = a->pValue;
		ecp_len = a->ulValueLen;
	}
	a = p11_attr_find(pub, npub, CKA_MODULUS_BITS);
	if (a != NULL && a->pValue != NULL && a->ulValueLen == sizeof(CK_ULONG))
		memcpy(&bits, a->pValue, sizeof(bits));
	a = p11_attr_find(pub, npub, CKA_PUBLIC_EXPONENT);
	if (a != NULL && a->pValue != NULL && a->ulValueLen > 0) {
		exp = a->pValue;
		exp_len = a->ulValueLen;
	}
	if (type == CKK_EC && ecp == NULL)
		return CKR_TEMPLATE_INCOMPLETE;
	if (type == CKK_RSA && bits == 0)
		bits = 2048;
	rv = poc_keygen_ex(m->mechanism, type, ecp, ecp_len, bits, exp, exp_len, &secret, &secret_len, &spki, &spki_len);
	if (rv != CKR_OK)
		return rv;
	rv = pair_objects_locked(ss, m->mechanism, type, pub, npub, priv, npriv, secret, secret_len, spki, spki_len,
				 hpub, hpriv);
	poc_secret_free(secret, secret_len);
	free(spki);
	return rv;
}

CK_RV p11_keygen_locked(struct p11_session *ss, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR t, CK_ULONG n,
			CK_OBJECT_HANDLE_PTR out)
{
	const CK_ATTRIBUTE *a = p11_attr_find(t, n, CKA_VALUE_LEN), *kt = p11_attr_find(t, n, CKA_KEY_TYPE);
	CK_ULONG len = 32;
	CK_KEY_TYPE type, want;
	uint8_t *secret = NULL;
	size_t secret_len = 0;
	CK_RV rv;

	switch (m->mechanism) {
	case CKM_AES_KEY_GEN: type = CKK_AES; break;
	case CKM_DES_KEY_GEN: type = CKK_DES; break;
	case CKM_DES3_KEY_GEN: type = CKK_DES3; break;
	case CKM_GENERIC_SECRET_KEY_GEN: type = CKK_GENERIC_SECRET; break;
	default: return CKR_MECHANISM_INVALID;
	}
	*out = CK_INVALID_HANDLE;
	if (p11_attr_bool(t, n, CKA_TOKEN, 0) && !(ss->flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;
	if (kt != NULL && (kt->pValue == NULL || kt->ulValueLen != sizeof(want) || (memcpy(&want, kt->pValue, sizeof(want)), want != type)))
		return CKR_TEMPLATE_INCONSISTENT;
	if (a != NULL && (a->pValue == NULL || a->ulValueLen != sizeof(CK_ULONG)))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	if (a != NULL)
		memcpy(&len, a->pValue, sizeof(len));
	else if (type == CKK_GENERIC_SECRET)
		return CKR_TEMPLATE_INCOMPLETE; /* its length is the template's */
	else if (type == CKK_DES3 || type == CKK_DES)
		len = type == CKK_DES ? 8 : 24; /* the spec's DES key generation has no length */
	rv = poc_keygen(m->mechanism, type, NULL, 0, len, &secret, &secret_len, NULL, NULL);
	if (rv != CKR_OK)
		return rv;
	rv = p11_key_object_new_locked(ss, t, n, CKO_SECRET_KEY, type, secret, secret_len, NULL, 0, m->mechanism, 1,
				       out);
	poc_secret_free(secret, secret_len);
	return rv;
}

CK_RV p11_digest_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m)
{
	struct p11_session *ss;
	struct poc_op *op = NULL;
	CK_RV rv;

	p11_lock();
	rv = p11_session_get_locked(h, &ss);
	if (rv == CKR_OK && (ss->busy || ss->op[POC_OP_DIGEST] != NULL))
		rv = CKR_OPERATION_ACTIVE;
	if (rv == CKR_OK)
		rv = poc_op_init_ex(&op, POC_OP_DIGEST, m, NULL, op_libctx_locked());
	if (rv == CKR_OK)
		ss->op[POC_OP_DIGEST] = op;
	p11_unlock();
	return rv;
}

/* The released secret key of object key for C_DigestKey. */
static CK_RV digest_key_locked(struct p11_session *ss, CK_OBJECT_HANDLE key, const struct poc_key **k)
{
	struct p11_object *o;
	CK_RV rv = p11_object_get_locked(ss, key, &o);

	if (rv != CKR_OK)
		return rv == CKR_OBJECT_HANDLE_INVALID ? CKR_KEY_HANDLE_INVALID : rv;
	/*
	 * Only a key that could be read anyway (CKA_EXTRACTABLE) is digested: the
	 * digest of a short generic secret would give the secret away by guessing.
	 */
	if (o->class != CKO_SECRET_KEY || o->sealed == NULL || !(o->sealed->h.flags & POC_OBJ_EXTRACTABLE))
		return CKR_KEY_INDIGESTIBLE;
	if (!user_ok(ss->slot))
		return CKR_USER_NOT_LOGGED_IN;
	if ((rv = p11_release_use_locked(ss->slot, o->sealed)) != CKR_OK)
		return rv;
	*k = o->sealed->key;
	return *k != NULL ? CKR_OK : CKR_KEY_FUNCTION_NOT_PERMITTED;
}

CK_RV p11_digest_key(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key)
{
	struct p11_session *ss;
	struct poc_op *gone = NULL;
	const struct poc_key *k = NULL;
	CK_RV rv;

	p11_lock();
	rv = p11_session_get_locked(h, &ss);
	if (rv == CKR_OK && ss->op[POC_OP_DIGEST] == NULL)
		rv = CKR_OPERATION_NOT_INITIALIZED;
	else if (rv == CKR_OK && ss->busy)
		rv = CKR_OPERATION_ACTIVE;
	if (rv == CKR_OK) {
		rv = digest_key_locked(ss, key, &k);
		if (rv == CKR_OK)
			rv = poc_op_digest_key(ss->op[POC_OP_DIGEST], k);
		if (rv != CKR_OK) { /* an error ends the digest */
			gone = ss->op[POC_OP_DIGEST];
			ss->op[POC_OP_DIGEST] = NULL;
		}
	}
	p11_unlock();
	poc_op_free(gone);
	return rv;
}
