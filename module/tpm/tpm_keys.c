/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The EK and the AK of tpm_keys.h: their templates, the persistent copies
 * (found, made at provisioning, a legacy AK replaced) and the per-context cache.
 */
#include "tpm/tpm_keys.h"

#include <string.h>

#include <openssl/crypto.h>
#include <tss2/tss2_mu.h>

#include "bytes.h"
#include "digest.h"
#include "tpm_attest.h"
#include "trace/trace.h"


/* The TCG EK Credential Profile's PolicySecret(TPM_RH_ENDORSEMENT) digest (template L-1). */
static const uint8_t ek_policy[32] = {
	0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xb3, 0xf8, 0x1a, 0x90, 0xcc, 0x8d, 0x46, 0xa5, 0xd7, 0x24,
	0xfd, 0x52, 0xd7, 0x6e, 0x06, 0x52, 0x0b, 0x64, 0xf2, 0xa1, 0xda, 0x1b, 0x33, 0x14, 0x69, 0xaa,
};

static void ek_template(TPM2B_PUBLIC *p)
{
	memset(p, 0, sizeof(*p));
	p->publicArea.type = TPM2_ALG_RSA;
	p->publicArea.nameAlg = TPM2_ALG_SHA256;
	p->publicArea.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
					 TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_ADMINWITHPOLICY |
					 TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
	memcpy(p->publicArea.authPolicy.buffer, ek_policy, sizeof(ek_policy));
	p->publicArea.authPolicy.size = sizeof(ek_policy);
	p->publicArea.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_AES;
	p->publicArea.parameters.rsaDetail.symmetric.keyBits.aes = 128;
	p->publicArea.parameters.rsaDetail.symmetric.mode.aes = TPM2_ALG_CFB;
	p->publicArea.parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
	p->publicArea.parameters.rsaDetail.keyBits = 2048;
	p->publicArea.parameters.rsaDetail.exponent = 0;
	p->publicArea.unique.rsa.size = 256; /* 256 zero bytes (L-1) */
}

/*
 * The AK: see tpm_keys.h. noDA: its authValue is empty and public, so
 * dictionary-attack protection guards nothing, while a DA-protected AK stops
 * every quote, hence every check, as soon as the TPM is in lockout (three
 * unorderly restarts are enough on some TPMs).
 */
static void ak_template(TPM2B_PUBLIC *p)
{
	memset(p, 0, sizeof(*p));
	p->publicArea.type = TPM2_ALG_ECC;
	p->publicArea.nameAlg = TPM2_ALG_SHA256;
	p->publicArea.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
					 TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
					 TPMA_OBJECT_NODA | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT;
	p->publicArea.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
	p->publicArea.parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
	p->publicArea.parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
	p->publicArea.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
	p->publicArea.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
}

/*
 * The AK template before noDA: what poc_tpm_provision of an earlier version
 * made persistent at POC_TPM_AK_HANDLE. Never used for a check (it is
 * DA-protected); only recognised, to be replaced (replace_legacy_ak).
 */
static void ak_template_legacy(TPM2B_PUBLIC *p)
{
	ak_template(p);
	p->publicArea.objectAttributes &= ~(TPMA_OBJECT)TPMA_OBJECT_NODA;
}

/* A primary in the endorsement hierarchy; *pub (optional): its public area, Esys_Free it. */
static int endorsement_primary(struct poc_err *e, struct poc_tpm *t, const TPM2B_PUBLIC *tmpl,
			       const char *what, ESYS_TR *h, TPM2B_PUBLIC **pub)
{
	TPM2B_SENSITIVE_CREATE sens = { 0 };
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION creation_pcr = { 0 };
	TSS2_RC rc;

	rc = Esys_CreatePrimary(t->esys, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				ESYS_TR_NONE, &sens, tmpl, &outside, &creation_pcr, h, pub, NULL, NULL,
				NULL);
	if (rc != TSS2_RC_SUCCESS) {
		*h = ESYS_TR_NONE;
		if (pub != NULL)
			*pub = NULL;
		return poc_tpm_rc_err(e, rc, what);
	}
	return 0;
}

int poc_tpm_pub_marshal(struct poc_err *e, const TPM2B_PUBLIC *p, uint8_t *buf, size_t *len)
{
	size_t off = 0;
	TSS2_RC rc = Tss2_MU_TPM2B_PUBLIC_Marshal(p, buf, *len, &off);

	if (rc != TSS2_RC_SUCCESS)
		return poc_tpm_rc_err(e, rc, "evidence: marshal TPM2B_PUBLIC");
	*len = off;
	return 0;
}

/* The EK or the AK: its template, persistent handle and name in messages. */
struct key_kind {
	void (*tmpl)(TPM2B_PUBLIC *p);
	TPM2_HANDLE handle;
	const char *create_what;
};

static const struct key_kind kind_ek = {
	ek_template, POC_TPM_EK_HANDLE, "evidence: EK (CreatePrimary, endorsement hierarchy)",
};
static const struct key_kind kind_ak = {
	ak_template, POC_TPM_AK_HANDLE, "evidence: AK (CreatePrimary, endorsement hierarchy)",
};

/*
 * 1 when p is what CreatePrimary with tmpl makes, the key itself (unique)
 * aside: same type, nameAlg, attributes, authPolicy and parameters, and a
 * key of the template's size (RSA-2048 modulus, P-256 point). Compared as
 * marshalled bytes.
 */
static int fits_template(const TPM2B_PUBLIC *p, const TPM2B_PUBLIC *tmpl)
{
	TPMT_PUBLIC a = p->publicArea, b = tmpl->publicArea;
	uint8_t ba[sizeof(TPMT_PUBLIC)], bb[sizeof(TPMT_PUBLIC)];
	size_t la = 0, lb = 0;

	if (a.type != b.type)
		return 0;
	if (b.type == TPM2_ALG_RSA && a.unique.rsa.size != b.parameters.rsaDetail.keyBits / 8)
		return 0;
	if (b.type == TPM2_ALG_ECC && (b.parameters.eccDetail.curveID != TPM2_ECC_NIST_P256 ||
				       a.unique.ecc.x.size != 32 || a.unique.ecc.y.size != 32))
		return 0;
	if (b.type != TPM2_ALG_RSA && b.type != TPM2_ALG_ECC)
		return 0;
	memset(&a.unique, 0, sizeof(a.unique));
	memset(&b.unique, 0, sizeof(b.unique));
	if (Tss2_MU_TPMT_PUBLIC_Marshal(&a, ba, sizeof(ba), &la) != TSS2_RC_SUCCESS ||
	    Tss2_MU_TPMT_PUBLIC_Marshal(&b, bb, sizeof(bb), &lb) != TSS2_RC_SUCCESS)
		return 0;
	return la == lb && memcmp(ba, bb, la) == 0;
}

/*
 * 1 when qn, as TPM2_ReadPublic reports it, is the qualified name of a
 * primary object of the endorsement hierarchy named name: for a primary,
 * QN = nameAlg || H(hierarchy handle || Name) (TPM 2.0 Part 1, "Qualified
 * Name"). The TPM computes it, so an object made in another hierarchy
 * cannot pass for an endorsement primary.
 */
static int endorsement_qn(const TPM2B_NAME *name, const TPM2B_NAME *qn)
{
	uint8_t buf[4 + sizeof(name->name)], h[32];

	if (name->size < 2 || name->name[0] != 0x00 || name->name[1] != 0x0b || qn->size != 2 + 32 ||
	    qn->name[0] != 0x00 || qn->name[1] != 0x0b)
		return 0;
	poc_put_u32be(buf, TPM2_RH_ENDORSEMENT);
	memcpy(buf + 4, name->name, name->size);
	if (poc_sha256(buf, 4u + name->size, h) < 0)
		return 0;
	return CRYPTO_memcmp(h, qn->name + 2, 32) == 0;
}

/*
 * The persistent object at kind->handle, when it is an endorsement primary
 * that fits kind's template: 1 and *k filled (not transient). 0 when there is
 * none, or when what is there is something else: someone else's object,
 * which is left alone (never used, never evicted), and the caller falls back
 * to CreatePrimary. Never an error: a TPM that cannot answer fails at
 * CreatePrimary with a better message.
 */
static int find_persistent(struct poc_tpm *t, const struct key_kind *kind, const TPM2B_PUBLIC *tmpl,
			   struct poc_tpm_key *k)
{
	ESYS_TR h = ESYS_TR_NONE;
	TPM2B_PUBLIC *pub = NULL;
	TPM2B_NAME *name = NULL, *qn = NULL;
	TSS2_RC rc;
	int found = 0;

	rc = Esys_TR_FromTPMPublic(t->esys, kind->handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &h);
	if (rc != TSS2_RC_SUCCESS)
		return 0; /* nothing there (TPM_RC_HANDLE), or not an object; an outage: CreatePrimary reports it next */
	rc = Esys_ReadPublic(t->esys, h, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, &name, &qn);
	if (rc == TSS2_RC_SUCCESS && fits_template(pub, tmpl) && endorsement_qn(name, qn)) {
		k->h = h;
		k->transient = 0;
		k->pub = *pub;
		found = 1;
	}
	Esys_Free(pub);
	Esys_Free(name);
	Esys_Free(qn);
	/*
	 * A failed TR_Close leaves ESYS's record of the handle until
	 * Esys_Finalize; the TPM holds nothing of ours: nothing to report.
	 */
	if (!found && Esys_TR_Close(t->esys, &h) != TSS2_RC_SUCCESS)
		h = ESYS_TR_NONE;
	return found;
}

/* t's EK or AK: the cached one, else the persistent one, else a transient CreatePrimary (cached). */
static int tpm_key(struct poc_err *e, struct poc_tpm *t, const struct key_kind *kind, struct poc_tpm_key **out)
{
	struct poc_tpm_key *k = kind == &kind_ak ? &t->ak : &t->ek;
	TPM2B_PUBLIC tmpl, *pub = NULL;

	uint64_t t0 = poc_trace_start();

	*out = NULL;
	if (k->h == ESYS_TR_NONE) {
		poc_tpm_cache_flush(t); /* tpm.h: the evidence round's slots */
		kind->tmpl(&tmpl);
		if (!find_persistent(t, kind, &tmpl, k)) {
			if (endorsement_primary(e, t, &tmpl, kind->create_what, &k->h, &pub) < 0)
				return -1;
			k->transient = 1;
			k->pub = *pub;
			Esys_Free(pub);
		}
		poc_trace_end(kind == &kind_ak ? "ak" : "ek", t0);
	}
	*out = k;
	return 0;
}

/*
 * Evicts the AK an earlier version made persistent, so that persist() can put
 * today's noDA AK in its place: only an endorsement primary that fits the
 * legacy template exactly (find_persistent: public area and qualified name),
 * which is the key CreatePrimary made from the endorsement seed for us. Anything
 * else at the handle is someone else's and stays. Not an error when the TPM
 * refuses (an owner password): persist() then reports the AK as transient.
 */
static void replace_legacy_ak(struct poc_tpm *t)
{
	struct poc_tpm_key old = { .h = ESYS_TR_NONE };
	TPM2B_PUBLIC tmpl;
	ESYS_TR none = ESYS_TR_NONE;

	ak_template_legacy(&tmpl);
	if (!find_persistent(t, &kind_ak, &tmpl, &old))
		return;
	(void)Esys_EvictControl(t->esys, ESYS_TR_RH_OWNER, old.h, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
				POC_TPM_AK_HANDLE, &none);
	/* ESYS keeps the record of an evicted persistent object: drop it (nothing is left in the TPM). */
	if (Esys_TR_Close(t->esys, &old.h) != TSS2_RC_SUCCESS)
		old.h = ESYS_TR_NONE;
}

/* Makes kind's key persistent at its handle unless it already is: 0 persistent, 1 left transient. */
static int persist(struct poc_err *e, struct poc_tpm *t, const struct key_kind *kind)
{
	struct poc_tpm_key *k;
	ESYS_TR h = ESYS_TR_NONE;
	TSS2_RC rc;

	if (tpm_key(e, t, kind, &k) < 0)
		return -1;
	if (!k->transient)
		return 0;
	if (kind == &kind_ak)
		replace_legacy_ak(t);
	/*
	 * EvictControl of a transient object only ever adds: a handle that holds
	 * anything (someone else's object) fails with TPM_RC_NV_DEFINED and
	 * stays as it is. Other refusals (an owner password we do not have,
	 * persistent memory full, the owner hierarchy disabled) leave the key
	 * transient too: checks then derive it again, slower but the same key.
	 */
	rc = Esys_EvictControl(t->esys, ESYS_TR_RH_OWNER, k->h, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
			       kind->handle, &h);
	if (rc != TSS2_RC_SUCCESS)
		return 1;
	if (poc_tpm_flush(e, t, &k->h) < 0) {
		/* Persisted all the same: use it; the transient copy is the caller's error to report. */
		k->h = h;
		k->transient = 0;
		return -1;
	}
	k->h = h;
	k->transient = 0;
	return 0;
}

int poc_tpm_provision(struct poc_err *e, struct poc_tpm *t)
{
	int r_ek, r_ak;

	r_ek = persist(e, t, &kind_ek);
	if (r_ek < 0)
		return -1;
	r_ak = persist(e, t, &kind_ak);
	if (r_ak < 0)
		return -1;
	return r_ek != 0 || r_ak != 0 ? 1 : 0;
}

int poc_tpm_ak_public(struct poc_err *e, struct poc_tpm *t, uint8_t *pub, size_t *len,
		      uint8_t *name, size_t *name_len)
{
	struct poc_tpm_key *k;
	uint8_t nm[POC_TPM_NAME_MAX];
	size_t nlen = sizeof(nm);

	if (tpm_key(e, t, &kind_ak, &k) < 0)
		return -1;
	if (pub != NULL && poc_tpm_pub_marshal(e, &k->pub, pub, len) < 0)
		return -1;
	if (name != NULL) {
		if (poc_tpm_pub_name(e, &k->pub.publicArea, nm, &nlen) < 0)
			return -1;
		if (*name_len < nlen)
			return poc_err_set(e, POC_ERR_ARG, "evidence: AK name buffer too small");
		memcpy(name, nm, nlen);
		*name_len = nlen;
	}
	return 0;
}

int poc_tpm_ek_public(struct poc_err *e, struct poc_tpm *t, uint8_t *pub, size_t *len)
{
	struct poc_tpm_key *k;

	if (tpm_key(e, t, &kind_ek, &k) < 0)
		return -1;
	return poc_tpm_pub_marshal(e, &k->pub, pub, len);
}


int poc_tpm_ek_key(struct poc_err *e, struct poc_tpm *t, struct poc_tpm_key **out)
{
	return tpm_key(e, t, &kind_ek, out);
}

int poc_tpm_ak_key(struct poc_err *e, struct poc_tpm *t, struct poc_tpm_key **out)
{
	return tpm_key(e, t, &kind_ak, out);
}
