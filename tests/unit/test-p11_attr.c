/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PKCS#11 layer through its testable library (module/pkcs11/libpocp11-testable.la),
 * without a TPM: the test writes two tokens itself (token.cbor signed by a key of its own,
 * object files sealed with a made-up K_tpm: the module reads only their headers until a
 * release). Through the entry points:
 *   - the attribute table, every attribute x class (data, certificate, EC public, EC private,
 *     AES secret, RSA public): the value, or CKR_ATTRIBUTE_TYPE_INVALID / _SENSITIVE with
 *     ulValueLen = CK_UNAVAILABLE_INFORMATION, CKR_BUFFER_TOO_SMALL for a short buffer; the
 *     expected matrix is written here by hand, and every row of the module's table must be in it;
 *   - sensitive values never revealed (a released key's CKA_VALUE, a search by it), a data
 *     object's value only released and logged in;
 *   - C_FindObjects matching, and C_CreateObject's template checks (before any sealing);
 *   - CK_INFO, CK_SLOT_INFO, CK_TOKEN_INFO: no fixed-width string holds a NUL (STYLE.md 9);
 *   - sessions: handles, read-only vs read-write, session states, the login state shared by a
 *     token's sessions (set inside the module: a real C_Login needs the TPM, see pkcs11.sh).
 */
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "pkcs11/p11_attr.h"
#include "store/object.h"
#include "store/store.h"
#include "token/token_state.h"
#include "../test.h"
#include "../test-keys.h"

static CK_FUNCTION_LIST *f;
static char root[256];

/* ---- the fixture: two tokens and their objects, written without a TPM ---- */

struct der {
	uint8_t *p;
	size_t len;
};

static struct {
	EVP_PKEY *ec, *rsa;
	struct der ec_spki, rsa_spki, cert, subject, issuer, serial;
} fx;

/* d from an i2d_ call's result n and buffer *p (set by that call: evaluated before this one). */
static void der_of(struct der *d, int n, uint8_t **p)
{
	d->len = n > 0 ? (size_t)n : 0;
	d->p = *p;
	*p = NULL;
}

static void make_keys(void)
{
	X509 *x = X509_new();
	X509_NAME *sn = X509_NAME_new(), *in = X509_NAME_new();
	uint8_t *p = NULL;
	int n;

	fx.ec = EVP_EC_gen("P-256");
	fx.rsa = poc_test_key(poc_test_rsa2048_a);
	n = i2d_PUBKEY(fx.ec, &p);
	der_of(&fx.ec_spki, n, &p);
	n = i2d_PUBKEY(fx.rsa, &p);
	der_of(&fx.rsa_spki, n, &p);
	X509_NAME_add_entry_by_txt(sn, "CN", MBSTRING_ASC, (const unsigned char *)"p11-attr subject", -1, -1, 0);
	X509_NAME_add_entry_by_txt(in, "CN", MBSTRING_ASC, (const unsigned char *)"p11-attr issuer", -1, -1, 0);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 0x4711);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_subject_name(x, sn);
	X509_set_issuer_name(x, in);
	X509_set_pubkey(x, fx.ec);
	X509_sign(x, fx.ec, EVP_sha256());
	n = i2d_X509(x, &p);
	der_of(&fx.cert, n, &p);
	n = i2d_X509_NAME(sn, &p);
	der_of(&fx.subject, n, &p);
	n = i2d_X509_NAME(in, &p);
	der_of(&fx.issuer, n, &p);
	n = i2d_ASN1_INTEGER(X509_get_serialNumber(x), &p);
	der_of(&fx.serial, n, &p);
	X509_NAME_free(sn);
	X509_NAME_free(in);
	X509_free(x);
	if (fx.ec == NULL || fx.rsa == NULL || fx.cert.len == 0 || fx.serial.len == 0) {
		printf("Bail out! test keys\n");
		exit(1);
	}
}

static void free_keys(void)
{
	struct der *d[] = { &fx.ec_spki, &fx.rsa_spki, &fx.cert, &fx.subject, &fx.issuer, &fx.serial };

	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++)
		OPENSSL_free(d[i]->p);
	EVP_PKEY_free(fx.ec);
	EVP_PKEY_free(fx.rsa);
}

static const uint8_t token_id[16] = "p11-attr-token!";
static uint8_t fake[34] = { 0, 0x0b, 1, [33] = 2 }; /* SRK and PIN counter names, sealed blobs: never used */

static int write_token(const char *label, int has_pin)
{
	struct poc_err e = { 0 };
	struct poc_token_meta m;
	struct poc_store *s = NULL;
	static const char pol[] = "{\"version\": 1}";
	uint8_t *der = NULL, pcrs[32] = { 0 };
	int n = i2d_PUBKEY(fx.ec, &der), rc;

	memset(&m, 0, sizeof(m));
	m.schema = POC_TOKEN_SCHEMA;
	snprintf(m.label, sizeof(m.label), "%s", label);
	m.created = 1780000000;
	memcpy(m.token_id, token_id, sizeof(m.token_id));
	m.policy_json = (uint8_t *)pol;
	m.policy_json_len = strlen(pol);
	m.pcr_bank = 0x000B;
	m.pcr_mask = 0x1;
	m.has_pin = has_pin;
	m.verifier_spki = der;
	m.verifier_spki_len = (size_t)n;
	m.verifier_key = m.denial_key = fake;
	m.verifier_key_len = m.denial_key_len = sizeof(fake);
	m.denial_spki = der;
	m.denial_spki_len = (size_t)n;
	m.pcr_values = pcrs;
	m.pcr_values_len = sizeof(pcrs);
	m.srk_name = m.pin_nv_name = fake;
	m.srk_name_len = m.pin_nv_name_len = sizeof(fake);
	m.pin_nv = 0x01a51234;
	rc = poc_store_open(&e, root, label, 1, &s) == 0 && poc_token_state_sign(&e, fx.ec, &m) == 0 &&
	     poc_store_token_write(&e, s, &m) == 0;
	if (!rc)
		diag("token %s: %s", label, e.msg);
	poc_store_close(s);
	OPENSSL_free(der);
	free(m.state_sig);
	free(m.state_tbs);
	return rc;
}

static int write_object(const char *token, CK_OBJECT_CLASS c, CK_KEY_TYPE kt, const char *label, const char *id,
			uint64_t flags, const struct der *spki, const struct der *cert)
{
	static const uint8_t k_tpm[32] = { 7 };
	struct poc_object_bind bind = { .verifier = { 1 } };
	struct poc_object_header h;
	struct poc_err e = { 0 };
	struct poc_store *s = NULL;
	char name[POC_STORE_NAME_MAX];
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	memset(&h, 0, sizeof(h));
	memcpy(h.token_id, token_id, sizeof(h.token_id));
	memcpy(bind.token_id, token_id, sizeof(bind.token_id));
	h.class = c;
	h.key_type = kt;
	snprintf(h.label, sizeof(h.label), "%s", label);
	h.id_len = strlen(id);
	memcpy(h.id, id, h.id_len);
	h.flags = flags;
	h.spki = spki ? spki->p : NULL;
	h.spki_len = spki ? spki->len : 0;
	h.cert = cert ? cert->p : NULL;
	h.cert_len = cert ? cert->len : 0;
	h.pcr_bank = 0x000B;
	h.pcr_mask = 0x1;
	h.ttl = 600;
	h.sealed_pub = h.sealed_priv = fake;
	h.sealed_pub_len = h.sealed_priv_len = sizeof(fake);
	rc = poc_object_seal(&e, &h, &bind, k_tpm, NULL, (const uint8_t *)"never read", 10, &buf, &len) == 0 &&
	     poc_store_open(&e, root, token, 0, &s) == 0 &&
	     poc_store_object_name(&e, c, h.id, h.id_len, h.label, name) == 0 && poc_store_put(&e, s, name, buf, len) == 0;
	if (!rc)
		diag("object %s: %s", label, e.msg);
	poc_store_close(s);
	free(buf);
	return rc;
}

static void setup(void)
{
	char conf[300], text[1024];
	FILE *fp;

	snprintf(root, sizeof(root), "%s/p11-attr-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(root) == NULL) {
		printf("Bail out! mkdtemp\n");
		exit(1);
	}
	make_keys();
	if (!write_token("open", 0) || !write_token("pin", 1) ||
	    !write_object("open", CKO_PRIVATE_KEY, CKK_EC, "ec", "\x01", POC_OBJ_SIGN | POC_OBJ_SENSITIVE, &fx.ec_spki,
			  &fx.cert) ||
	    !write_object("open", CKO_PUBLIC_KEY, CKK_RSA, "rsa", "\x02", POC_OBJ_VERIFY | POC_OBJ_ENCRYPT, &fx.rsa_spki,
			  NULL) ||
	    !write_object("open", CKO_SECRET_KEY, CKK_AES, "aes", "\x03",
			  POC_OBJ_ENCRYPT | POC_OBJ_DECRYPT | POC_OBJ_SENSITIVE | POC_OBJ_IMPORTED, NULL, NULL) ||
	    !write_object("open", CKO_DATA, 0, "data", "", 0, NULL, NULL) ||
	    !write_object("pin", CKO_DATA, 0, "pdata", "", 0, NULL, NULL) ||
	    !write_object("pin", CKO_PRIVATE_KEY, CKK_EC, "pec", "\x09", POC_OBJ_SIGN | POC_OBJ_SENSITIVE, &fx.ec_spki,
			  NULL)) {
		printf("Bail out! fixture tokens\n");
		exit(1);
	}
	snprintf(conf, sizeof(conf), "%s/poc.conf", root);
	snprintf(text, sizeof(text), "store = %s\ntcti = device:%s/no-tpm\nlog = %s/module.log\n", root, root, root);
	fp = fopen(conf, "w");
	if (fp == NULL || fputs(text, fp) < 0 || fclose(fp) != 0) {
		printf("Bail out! %s\n", conf);
		exit(1);
	}
	setenv(POC_CONFIG_ENV, conf, 1);
}

/* ---- helpers over the entry points ---- */

static CK_SLOT_ID slot_of(const char *label)
{
	CK_SLOT_ID slots[8];
	CK_ULONG n = 8;
	CK_TOKEN_INFO ti;
	char want[32];

	memset(want, ' ', sizeof(want));
	memcpy(want, label, strlen(label));
	if (f->C_GetSlotList(CK_TRUE, slots, &n) == CKR_OK)
		for (CK_ULONG i = 0; i < n; i++)
			if (f->C_GetTokenInfo(slots[i], &ti) == CKR_OK && memcmp(ti.label, want, 32) == 0)
				return slots[i];
	printf("Bail out! no slot for token %s\n", label);
	exit(1);
}

/* The handles matching the template (up to max), their count returned. */
static CK_ULONG find(CK_SESSION_HANDLE ss, CK_ATTRIBUTE *t, CK_ULONG n, CK_OBJECT_HANDLE *out, CK_ULONG max)
{
	CK_ULONG count = 0;

	if (f->C_FindObjectsInit(ss, t, n) != CKR_OK)
		return (CK_ULONG)-1;
	if (f->C_FindObjects(ss, out, max, &count) != CKR_OK)
		count = (CK_ULONG)-1;
	if (f->C_FindObjectsFinal(ss) != CKR_OK)
		return (CK_ULONG)-1;
	return count;
}

/* The one object of class c labelled label, or CK_INVALID_HANDLE. */
static CK_OBJECT_HANDLE one(CK_SESSION_HANDLE ss, CK_OBJECT_CLASS c, const char *label)
{
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &c, sizeof(c) }, { CKA_LABEL, (void *)label, strlen(label) } };
	CK_OBJECT_HANDLE h[2];

	return find(ss, t, 2, h, 2) == 1 ? h[0] : CK_INVALID_HANDLE;
}

/* The module's slot of ID slot (white box; slot IDs come from the tokens' serials). */
static struct p11_slot *slot_at(CK_SLOT_ID slot)
{
	struct p11_slot *s = NULL;

	if (p11_slot_get_locked(slot, &s) != CKR_OK) {
		printf("Bail out! no slot %lu\n", (unsigned long)slot);
		exit(1);
	}
	return s;
}

/* The module's own view of object h (white box: to stand in for what a release would do). */
static struct p11_object *object_of(CK_SLOT_ID slot, CK_OBJECT_HANDLE h)
{
	struct p11_slot *s = slot_at(slot);

	for (size_t i = 0; i < s->nobjs; i++)
		if (s->objs[i].handle == h)
			return &s->objs[i];
	printf("Bail out! object %lu not in slot %lu\n", (unsigned long)h, (unsigned long)slot);
	exit(1);
}


/* ---- every attribute x class ---- */

/*
 * The objects of the matrix, in its column order: a data object, the certificate, public
 * and private key views of the EC key, the AES key, the RSA public key.
 */
enum { COL_DATA, COL_CERT, COL_ECPUB, COL_ECPRIV, COL_AES, COL_RSAPUB, NCOL };
static const char *const col_name[NCOL] = { "data", "certificate", "EC public key", "EC private key", "AES key",
					    "RSA public key" };

/*
 * Per attribute and column: v a value, i CKR_ATTRIBUTE_TYPE_INVALID, s CKR_ATTRIBUTE_SENSITIVE
 * (objects not released, nobody logged in). Written from PKCS#11 v3.0's tables and what the
 * module says of each class, not from the module's table: a change to either shows here.
 */
#define M(t, cols) { (t), #t, cols }
static const struct {
	CK_ATTRIBUTE_TYPE type;
	const char *name;
	const char *want; /* NCOL letters */
} matrix[] = {
	M(CKA_CLASS, "vvvvvv"), M(CKA_TOKEN, "vvvvvv"), M(CKA_PRIVATE, "vvvvvv"), M(CKA_MODIFIABLE, "vvvvvv"),
	M(CKA_COPYABLE, "vvvvvv"), M(CKA_DESTROYABLE, "vvvvvv"), M(CKA_LABEL, "vvvvvv"), M(CKA_UNIQUE_ID, "iiiiii"),
	M(CKA_POC_ATTESTATION_RECORD, "iiiiii"), M(CKA_APPLICATION, "viiiii"), M(CKA_OBJECT_ID, "viiiii"),
	M(CKA_VALUE, "svissi"), M(CKA_CERTIFICATE_TYPE, "iviiii"), M(CKA_CERTIFICATE_CATEGORY, "iviiii"),
	M(CKA_TRUSTED, "ivvvvv"), M(CKA_ID, "ivvvvv"), M(CKA_SUBJECT, "ivvviv"), M(CKA_ISSUER, "iviiii"),
	M(CKA_SERIAL_NUMBER, "iviiii"), M(CKA_CHECK_VALUE, "iviiii"), M(CKA_URL, "iiiiii"),
	M(CKA_HASH_OF_SUBJECT_PUBLIC_KEY, "iiiiii"), M(CKA_HASH_OF_ISSUER_PUBLIC_KEY, "iiiiii"),
	M(CKA_JAVA_MIDP_SECURITY_DOMAIN, "iiiiii"), M(CKA_NAME_HASH_ALGORITHM, "iiiiii"), M(CKA_KEY_TYPE, "iivvvv"),
	M(CKA_START_DATE, "iivvvv"), M(CKA_END_DATE, "iivvvv"), M(CKA_PUBLIC_KEY_INFO, "iivviv"),
	M(CKA_DERIVE, "iivvvv"), M(CKA_LOCAL, "iivvvv"), M(CKA_KEY_GEN_MECHANISM, "iivvvv"),
	M(CKA_ALLOWED_MECHANISMS, "iiiiii"), M(CKA_SIGN, "iivvvv"), M(CKA_DECRYPT, "iivvvv"), M(CKA_VERIFY, "iivvvv"),
	M(CKA_ENCRYPT, "iivvvv"), M(CKA_SIGN_RECOVER, "iivvvv"), M(CKA_VERIFY_RECOVER, "iivvvv"), M(CKA_WRAP, "iivvvv"),
	M(CKA_UNWRAP, "iivvvv"), M(CKA_WRAP_WITH_TRUSTED, "iivvvv"), M(CKA_WRAP_TEMPLATE, "iiiiii"),
	M(CKA_UNWRAP_TEMPLATE, "iiiiii"), M(CKA_DERIVE_TEMPLATE, "iiiiii"), M(CKA_SENSITIVE, "iiivvi"),
	M(CKA_ALWAYS_SENSITIVE, "iiivvi"), M(CKA_NEVER_EXTRACTABLE, "iiivvi"), M(CKA_EXTRACTABLE, "iiivvi"),
	M(CKA_ALWAYS_AUTHENTICATE, "iiivvi"), M(CKA_PRIVATE_EXPONENT, "iiissi"), M(CKA_PRIME_1, "iiissi"),
	M(CKA_PRIME_2, "iiissi"), M(CKA_EXPONENT_1, "iiissi"), M(CKA_EXPONENT_2, "iiissi"), M(CKA_COEFFICIENT, "iiissi"),
	M(CKA_EC_PARAMS, "iivvii"), M(CKA_EC_POINT, "iivvii"), M(CKA_MODULUS, "iiiiiv"),
	M(CKA_PUBLIC_EXPONENT, "iiiiiv"), M(CKA_MODULUS_BITS, "iiiiiv"), M(CKA_VALUE_LEN, "iiiiii"),
	/* Not in the table: unknown to the module. */
	M(CKA_OTP_FORMAT, "iiiiii"), M(CKA_GOSTR3410_PARAMS, "iiiiii"), M(CKA_VENDOR_DEFINED, "iiiiii"),
	M(CKA_POC_ATTESTATION_RECORD + 1, "iiiiii"),
};
#define NMATRIX (sizeof(matrix) / sizeof(matrix[0]))

static CK_OBJECT_HANDLE cols[NCOL];

/* One attribute of one object, as an application asks: the size, the value, a buffer one byte short. */
static int check_cell(CK_SESSION_HANDLE ss, size_t r, int c)
{
	CK_ATTRIBUTE a = { matrix[r].type, NULL, 0 };
	CK_RV want = matrix[r].want[c] == 'v' ? CKR_OK :
		     matrix[r].want[c] == 's' ? CKR_ATTRIBUTE_SENSITIVE : CKR_ATTRIBUTE_TYPE_INVALID;
	CK_RV rv = f->C_GetAttributeValue(ss, cols[c], &a, 1);
	uint8_t buf[4096];
	CK_ULONG len;

	if (rv != want || (want != CKR_OK && a.ulValueLen != CK_UNAVAILABLE_INFORMATION) ||
	    (want == CKR_OK && a.ulValueLen > sizeof(buf))) {
		diag("%s of the %s: 0x%lx, ulValueLen %lu (want 0x%lx)", matrix[r].name, col_name[c], (unsigned long)rv,
		     (unsigned long)a.ulValueLen, (unsigned long)want);
		return 0;
	}
	if (want != CKR_OK)
		return 1;
	len = a.ulValueLen;
	a.pValue = buf;
	if (f->C_GetAttributeValue(ss, cols[c], &a, 1) != CKR_OK || a.ulValueLen != len) {
		diag("%s of the %s: the value's length changed", matrix[r].name, col_name[c]);
		return 0;
	}
	if (len == 0)
		return 1;
	a.ulValueLen = len - 1;
	rv = f->C_GetAttributeValue(ss, cols[c], &a, 1);
	if (rv != CKR_BUFFER_TOO_SMALL || a.ulValueLen != CK_UNAVAILABLE_INFORMATION) {
		diag("%s of the %s, %lu bytes short of one: 0x%lx", matrix[r].name, col_name[c], (unsigned long)len,
		     (unsigned long)rv);
		return 0;
	}
	return 1;
}

static void test_matrix(CK_SESSION_HANDLE ss)
{
	cols[COL_DATA] = one(ss, CKO_DATA, "data");
	cols[COL_CERT] = one(ss, CKO_CERTIFICATE, "ec");
	cols[COL_ECPUB] = one(ss, CKO_PUBLIC_KEY, "ec");
	cols[COL_ECPRIV] = one(ss, CKO_PRIVATE_KEY, "ec");
	cols[COL_AES] = one(ss, CKO_SECRET_KEY, "aes");
	cols[COL_RSAPUB] = one(ss, CKO_PUBLIC_KEY, "rsa");
	for (int c = 0; c < NCOL; c++)
		if (!ok(cols[c] != CK_INVALID_HANDLE, "the %s of the fixture is found by class and label", col_name[c]))
			return;
	for (int c = 0; c < NCOL; c++) {
		size_t bad = 0;

		for (size_t r = 0; r < NMATRIX; r++)
			bad += !check_cell(ss, r, c);
		ok(bad == 0, "%s: each of %zu attributes gives its value or the right error (%zu wrong)", col_name[c],
		   NMATRIX, bad);
	}
}

/* The module's table and the matrix above name the same attributes, and the table is coherent. */
static void test_table(void)
{
	size_t n, i, r, missing = 0, bad = 0;
	const struct p11_attr_def *t = p11_attr_table(&n);

	for (i = 0; i < n; i++) {
		for (r = 0; r < NMATRIX && matrix[r].type != t[i].type; r++)
			;
		if (r == NMATRIX) {
			diag("%s: in the table, not in the test's matrix", t[i].name);
			missing++;
		}
		if (p11_attr_def_find(t[i].type) != &t[i] || strncmp(t[i].name, "CKA_", 4) != 0 ||
		    (t[i].has & t[i].never) != 0 || (t[i].has != 0 && t[i].get == NULL) ||
		    ((t[i].has | t[i].never | t[i].required | t[i].settable | t[i].token_set | t[i].foreign |
		      t[i].unkept) & ~P11_ALL) != 0 ||
		    (t[i].token_set & (t[i].settable | t[i].required)) != 0 || (t[i].foreign & ~t[i].has) != 0) {
			diag("%s: an incoherent row", t[i].name);
			bad++;
		}
	}
	ok(missing == 0, "every one of the table's %zu attributes is in the test's matrix", n);
	ok(bad == 0, "each row: a unique type, never-revealed classes have no getter, token-set is not settable");
	for (r = 0, missing = 0; r < NMATRIX; r++)
		if (strchr(matrix[r].want, 'v') != NULL && p11_attr_def_find(matrix[r].type) == NULL)
			missing++;
	ok(missing == 0, "every attribute the matrix expects a value of has a row in the table");
}

/* ---- values ---- */

/* The attribute's value into buf (size *len in, value length out): the call's CKR_. */
static CK_RV get(CK_SESSION_HANDLE ss, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE t, void *buf, CK_ULONG *len)
{
	CK_ATTRIBUTE a = { t, buf, *len };
	CK_RV rv = f->C_GetAttributeValue(ss, h, &a, 1);

	*len = a.ulValueLen;
	return rv;
}

static int has_bytes(CK_SESSION_HANDLE ss, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE t, const void *want, size_t n)
{
	uint8_t buf[4096];
	CK_ULONG len = sizeof(buf);

	return get(ss, h, t, buf, &len) == CKR_OK && len == n && (n == 0 || memcmp(buf, want, n) == 0);
}

static int has_ulong(CK_SESSION_HANDLE ss, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE t, CK_ULONG want)
{
	return has_bytes(ss, h, t, &want, sizeof(want));
}

static int has_bool(CK_SESSION_HANDLE ss, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE t, int want)
{
	CK_BBOOL b = want ? CK_TRUE : CK_FALSE;

	return has_bytes(ss, h, t, &b, 1);
}

static const uint8_t p256_oid[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };

static void test_common_values(CK_SESSION_HANDLE ss)
{
	static const CK_OBJECT_CLASS class_of[NCOL] = { CKO_DATA, CKO_CERTIFICATE, CKO_PUBLIC_KEY, CKO_PRIVATE_KEY,
							CKO_SECRET_KEY, CKO_PUBLIC_KEY };
	int bad = 0;

	for (int c = 0; c < NCOL; c++)
		bad += !has_ulong(ss, cols[c], CKA_CLASS, class_of[c]) || !has_bool(ss, cols[c], CKA_TOKEN, 1) ||
		       !has_bool(ss, cols[c], CKA_PRIVATE, 0) || !has_bool(ss, cols[c], CKA_MODIFIABLE, 1) ||
		       !has_bool(ss, cols[c], CKA_COPYABLE, 1) || !has_bool(ss, cols[c], CKA_DESTROYABLE, 1);
	ok(bad == 0, "every object: its class, CKA_TOKEN, CKA_DESTROYABLE, CKA_MODIFIABLE, CKA_COPYABLE true (an older "
		     "header has no bit saying otherwise), CKA_PRIVATE (no PIN)");
	ok(has_bytes(ss, cols[COL_CERT], CKA_LABEL, "ec", 2) && has_bytes(ss, cols[COL_ECPUB], CKA_LABEL, "ec", 2) &&
		   has_bytes(ss, cols[COL_ECPRIV], CKA_ID, "\x01", 1) && has_bytes(ss, cols[COL_AES], CKA_LABEL, "aes", 3) &&
		   has_bytes(ss, cols[COL_RSAPUB], CKA_ID, "\x02", 1),
	   "CKA_LABEL and CKA_ID are the header's, on every view of a sealed object");
	ok(has_bytes(ss, cols[COL_DATA], CKA_APPLICATION, "", 0) && has_bytes(ss, cols[COL_DATA], CKA_OBJECT_ID, "", 0),
	   "data object: CKA_APPLICATION and CKA_OBJECT_ID empty");
}

static void test_cert_values(CK_SESSION_HANDLE ss)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	CK_OBJECT_HANDLE h = cols[COL_CERT];

	EVP_Digest(fx.cert.p, fx.cert.len, md, NULL, EVP_sha1(), NULL);
	ok(has_ulong(ss, h, CKA_CERTIFICATE_TYPE, CKC_X_509) && has_ulong(ss, h, CKA_CERTIFICATE_CATEGORY, 0) &&
		   has_bool(ss, h, CKA_TRUSTED, 0),
	   "certificate: CKC_X_509, category 0 (unspecified), not trusted");
	ok(has_bytes(ss, h, CKA_VALUE, fx.cert.p, fx.cert.len), "certificate: CKA_VALUE is its DER");
	ok(has_bytes(ss, h, CKA_SUBJECT, fx.subject.p, fx.subject.len) &&
		   has_bytes(ss, h, CKA_ISSUER, fx.issuer.p, fx.issuer.len) &&
		   has_bytes(ss, h, CKA_SERIAL_NUMBER, fx.serial.p, fx.serial.len),
	   "certificate: CKA_SUBJECT, CKA_ISSUER, CKA_SERIAL_NUMBER are the DER of its fields");
	ok(has_bytes(ss, h, CKA_CHECK_VALUE, md, 3), "certificate: CKA_CHECK_VALUE is the first 3 bytes of its SHA-1");
	ok(has_bytes(ss, cols[COL_ECPUB], CKA_SUBJECT, fx.subject.p, fx.subject.len) &&
		   has_bytes(ss, cols[COL_ECPRIV], CKA_SUBJECT, fx.subject.p, fx.subject.len) &&
		   has_bytes(ss, cols[COL_RSAPUB], CKA_SUBJECT, "", 0),
	   "a key's CKA_SUBJECT is its certificate's subject, empty without one");
}

static void test_key_values(CK_SESSION_HANDLE ss)
{
	uint8_t pt[2 + 65] = { 0x04, 0x41 };
	size_t ptlen = 0;
	CK_OBJECT_HANDLE pub = cols[COL_ECPUB], priv = cols[COL_ECPRIV], aes = cols[COL_AES], rsa = cols[COL_RSAPUB];

	EVP_PKEY_get_octet_string_param(fx.ec, "pub", pt + 2, 65, &ptlen);
	ok(has_ulong(ss, pub, CKA_KEY_TYPE, CKK_EC) && has_bytes(ss, pub, CKA_EC_PARAMS, p256_oid, sizeof(p256_oid)) &&
		   has_bytes(ss, priv, CKA_EC_PARAMS, p256_oid, sizeof(p256_oid)) && ptlen == 65 &&
		   has_bytes(ss, pub, CKA_EC_POINT, pt, sizeof(pt)) &&
		   has_bytes(ss, pub, CKA_PUBLIC_KEY_INFO, fx.ec_spki.p, fx.ec_spki.len),
	   "EC key: CKK_EC, CKA_EC_PARAMS the P-256 OID, CKA_EC_POINT the DER OCTET STRING, CKA_PUBLIC_KEY_INFO the SPKI");
	ok(has_bool(ss, priv, CKA_SIGN, 1) && has_bool(ss, priv, CKA_DECRYPT, 0) && has_bool(ss, priv, CKA_VERIFY, 0) &&
		   has_bool(ss, pub, CKA_VERIFY, 1) && has_bool(ss, pub, CKA_SIGN, 0) && has_bool(ss, pub, CKA_ENCRYPT, 0),
	   "EC key signing: the private key signs, its public key verifies, neither decrypts nor encrypts");
	ok(has_bool(ss, priv, CKA_SENSITIVE, 1) && has_bool(ss, priv, CKA_ALWAYS_SENSITIVE, 1) &&
		   has_bool(ss, priv, CKA_NEVER_EXTRACTABLE, 1) && has_bool(ss, priv, CKA_EXTRACTABLE, 0) &&
		   has_bool(ss, priv, CKA_ALWAYS_AUTHENTICATE, 0) && has_bool(ss, priv, CKA_LOCAL, 0) &&
		   has_ulong(ss, priv, CKA_KEY_GEN_MECHANISM, CK_UNAVAILABLE_INFORMATION) &&
		   has_bytes(ss, priv, CKA_START_DATE, "", 0) && has_bool(ss, priv, CKA_DERIVE, 0) &&
		   has_bool(ss, priv, CKA_WRAP_WITH_TRUSTED, 0),
	   "EC private key: sensitive, always sensitive, never extractable; no derive, dates empty");
	ok(has_ulong(ss, aes, CKA_KEY_TYPE, CKK_AES) && has_bool(ss, aes, CKA_ENCRYPT, 1) &&
		   has_bool(ss, aes, CKA_DECRYPT, 1) && has_bool(ss, aes, CKA_SIGN, 0) && has_bool(ss, aes, CKA_VERIFY, 0) &&
		   has_bool(ss, aes, CKA_SENSITIVE, 1) && has_bool(ss, aes, CKA_ALWAYS_SENSITIVE, 0) &&
		   has_bool(ss, aes, CKA_NEVER_EXTRACTABLE, 0),
	   "AES key from outside bytes: encrypts and decrypts, sensitive but not always sensitive nor never extractable");
	ok(has_ulong(ss, rsa, CKA_KEY_TYPE, CKK_RSA) && has_ulong(ss, rsa, CKA_MODULUS_BITS, 2048) &&
		   has_bytes(ss, rsa, CKA_PUBLIC_EXPONENT, "\x01\x00\x01", 3) && has_bool(ss, rsa, CKA_VERIFY, 1) &&
		   has_bool(ss, rsa, CKA_ENCRYPT, 1) && has_bool(ss, rsa, CKA_WRAP, 0),
	   "RSA public key: 2048 bits, exponent 65537, verifies and encrypts, does not wrap");
}

/* Several attributes in one call: the answerable ones filled, the others unavailable, one error returned. */
static void test_mixed_template(CK_SESSION_HANDLE ss)
{
	CK_OBJECT_CLASS c = 0;
	char label[8] = { 0 };
	uint8_t p1[64], small[1];
	CK_ATTRIBUTE t[] = { { CKA_LABEL, label, sizeof(label) },
			     { CKA_PRIME_1, p1, sizeof(p1) },
			     { CKA_CLASS, &c, sizeof(c) },
			     { CKA_ISSUER, p1, sizeof(p1) },
			     { CKA_EC_PARAMS, small, sizeof(small) } };
	CK_RV rv = f->C_GetAttributeValue(ss, cols[COL_ECPRIV], t, 4);

	ok(rv == CKR_ATTRIBUTE_TYPE_INVALID && t[0].ulValueLen == 2 && memcmp(label, "ec", 2) == 0 &&
		   t[1].ulValueLen == CK_UNAVAILABLE_INFORMATION && t[2].ulValueLen == sizeof(c) && c == CKO_PRIVATE_KEY &&
		   t[3].ulValueLen == CK_UNAVAILABLE_INFORMATION,
	   "label, CKA_PRIME_1, class, CKA_ISSUER of a private key: two filled, two unavailable (0x%lx)",
	   (unsigned long)rv);
	t[1].ulValueLen = sizeof(p1);
	rv = f->C_GetAttributeValue(ss, cols[COL_ECPRIV], &t[1], 4);
	ok(rv == CKR_BUFFER_TOO_SMALL && t[1].ulValueLen == CK_UNAVAILABLE_INFORMATION &&
		   t[4].ulValueLen == CK_UNAVAILABLE_INFORMATION && t[2].ulValueLen == sizeof(c),
	   "the last answer wins: a short buffer after a sensitive attribute gives CKR_BUFFER_TOO_SMALL (0x%lx)",
	   (unsigned long)rv);
	ok(f->C_GetAttributeValue(ss, 0x7fffffff, t, 1) == CKR_OBJECT_HANDLE_INVALID, "an unknown object handle");
}

/* ---- sensitive values, and C_FindObjects ---- */

static const uint8_t aes_key[32] = { 0xa5, 1, 2, 3 };
static const char data_value[] = "the sealed data";

/* What a release leaves in the module (p11_release.c), set by hand: no TPM here. */
static void fake_release(CK_SLOT_ID slot)
{
	struct poc_err e = { 0 };
	struct p11_sealed *priv, *aes, *data;

	p11_lock();
	priv = object_of(slot, cols[COL_ECPRIV])->sealed;
	aes = object_of(slot, cols[COL_AES])->sealed;
	data = object_of(slot, cols[COL_DATA])->sealed;
	priv->key = poc_key_from_spki(&e, fx.ec_spki.p, fx.ec_spki.len); /* stands in for the private key */
	aes->key = poc_key_from_secret(&e, CKK_AES, aes_key, sizeof(aes_key));
	data->data = poc_secret_alloc(sizeof(data_value));
	if (data->data != NULL)
		memcpy(data->data, data_value, sizeof(data_value));
	data->data_len = sizeof(data_value);
	priv->record = malloc(3);
	if (priv->record != NULL)
		memcpy(priv->record, "rec", 3);
	priv->record_len = 3;
	p11_unlock();
	if (priv->key == NULL || aes->key == NULL || data->data == NULL || priv->record == NULL) {
		printf("Bail out! fake release\n");
		exit(1);
	}
}

static void set_login(CK_SLOT_ID slot, int in)
{
	p11_lock();
	slot_at(slot)->logged_in = in;
	p11_unlock();
}

static int sensitive(CK_SESSION_HANDLE ss, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE t)
{
	uint8_t buf[4096];
	CK_ULONG len = sizeof(buf);

	return get(ss, h, t, buf, &len) == CKR_ATTRIBUTE_SENSITIVE && len == CK_UNAVAILABLE_INFORMATION;
}

static CK_ULONG count_by(CK_SESSION_HANDLE ss, CK_ATTRIBUTE_TYPE t, const void *v, CK_ULONG len)
{
	CK_ATTRIBUTE a = { t, (void *)v, len };
	CK_OBJECT_HANDLE h[16];

	return find(ss, &a, 1, h, 16);
}

static void test_sensitive(CK_SESSION_HANDLE ss, CK_SLOT_ID slot)
{
	static const CK_ATTRIBUTE_TYPE hidden[] = { CKA_VALUE, CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2,
						    CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT };
	int bad = 0;

	fake_release(slot);
	ok(sensitive(ss, cols[COL_DATA], CKA_VALUE), "released data, nobody logged in: CKA_VALUE sensitive");
	ok(has_ulong(ss, cols[COL_AES], CKA_VALUE_LEN, 32) &&
		   has_bytes(ss, cols[COL_ECPRIV], CKA_POC_ATTESTATION_RECORD, "rec", 3) &&
		   has_bytes(ss, cols[COL_CERT], CKA_POC_ATTESTATION_RECORD, "rec", 3),
	   "released: the AES key's CKA_VALUE_LEN, the record on every view of the object");
	set_login(slot, 1);
	ok(has_bytes(ss, cols[COL_DATA], CKA_VALUE, data_value, sizeof(data_value)),
	   "released data, logged in: CKA_VALUE is the secret");
	for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
		bad += !sensitive(ss, cols[COL_ECPRIV], hidden[i]) || !sensitive(ss, cols[COL_AES], hidden[i]);
	ok(bad == 0, "released keys, logged in: CKA_VALUE and every private RSA component stay sensitive");
	ok(count_by(ss, CKA_VALUE, aes_key, sizeof(aes_key)) == 0,
	   "a search by the AES key's value finds nothing (no oracle for a sensitive value)");
	ok(count_by(ss, CKA_VALUE, data_value, sizeof(data_value)) == 1, "a search by the data value, logged in: found");
	ok(f->C_Logout(ss) == CKR_OK, "C_Logout");
	ok(count_by(ss, CKA_VALUE, data_value, sizeof(data_value)) == 0 && sensitive(ss, cols[COL_DATA], CKA_VALUE),
	   "logged out: the data value is sensitive again and no search finds it");
	ok(has_bytes(ss, cols[COL_ECPRIV], CKA_POC_ATTESTATION_RECORD, "rec", 3) &&
		   !has_ulong(ss, cols[COL_AES], CKA_VALUE_LEN, 32),
	   "the logout wiped the released keys (CKA_VALUE_LEN gone) and kept the record");
}

static void test_find(CK_SESSION_HANDLE ss)
{
	CK_OBJECT_CLASS pub = CKO_PUBLIC_KEY;
	CK_KEY_TYPE ec = CKK_EC;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_OBJECT_HANDLE h[16], all[16];
	CK_ULONG n = 0, k = 0, got;

	ok(find(ss, NULL, 0, all, 16) == 6, "an empty template finds all 6 objects of the token");
	ok(count_by(ss, CKA_TOKEN, &yes, 1) == 6 && count_by(ss, CKA_TOKEN, &no, 1) == 0, "CKA_TOKEN true: all; false: none");
	ok(count_by(ss, CKA_LABEL, "ec", 2) == 3 && count_by(ss, CKA_LABEL, "e", 1) == 0,
	   "by label: the 3 views of the EC key; a prefix matches nothing");
	ok(count_by(ss, CKA_CLASS, &pub, sizeof(pub)) == 2 && count_by(ss, CKA_KEY_TYPE, &ec, sizeof(ec)) == 2 &&
		   count_by(ss, CKA_ID, "\x01", 1) == 3 && count_by(ss, CKA_SIGN, &yes, 1) == 1,
	   "by class, key type, id, usage");
	ok(count_by(ss, CKA_PRIME_1, "x", 1) == 0 && count_by(ss, CKA_OTP_FORMAT, NULL, 0) == 0 &&
		   count_by(ss, CKA_CLASS, &pub, 4) == 0,
	   "a sensitive attribute, one no object has, a value of the wrong size: nothing found");
	ok(f->C_FindObjectsInit(ss, NULL, 0) == CKR_OK && f->C_FindObjectsInit(ss, NULL, 0) == CKR_OPERATION_ACTIVE,
	   "a second C_FindObjectsInit: CKR_OPERATION_ACTIVE");
	while (f->C_FindObjects(ss, h + n, 1, &got) == CKR_OK && got == 1 && n < 15)
		n++;
	f->C_FindObjectsFinal(ss);
	for (CK_ULONG i = 0; i < n; i++)
		for (CK_ULONG j = 0; j < n; j++)
			k += i != j && h[i] == h[j];
	ok(n == 6 && k == 0, "one handle at a time: 6 distinct handles");
	ok(f->C_FindObjects(ss, h, 1, &got) == CKR_OPERATION_NOT_INITIALIZED &&
		   f->C_FindObjectsFinal(ss) == CKR_OPERATION_NOT_INITIALIZED,
	   "C_FindObjects and C_FindObjectsFinal without an init");
}

/* ---- C_CreateObject's template checks (all before sealing: no TPM reached) ---- */

static CK_OBJECT_CLASS k_sec = CKO_SECRET_KEY, k_pub = CKO_PUBLIC_KEY, k_cert = CKO_CERTIFICATE, k_data = CKO_DATA,
		       k_hw = CKO_HW_FEATURE;
static CK_KEY_TYPE k_aes = CKK_AES, k_ec = CKK_EC, k_rsa = CKK_RSA, k_des = CKK_DES;
static CK_CERTIFICATE_TYPE k_x509 = CKC_X_509;
static CK_BBOOL t_true = CK_TRUE, t_false = CK_FALSE;
static CK_ULONG u_32 = 32, u_2048 = 2048;
static CK_MECHANISM_TYPE m_gcm[] = { CKM_AES_GCM };
static uint8_t ec_point[2 + 65] = { 0x04, 0x41 };
static const uint8_t date[8] = "20300101";

#define A(t, v) { (t), (void *)(v), sizeof(*(v)) }
#define AS(t, s) { (t), (void *)(s), sizeof(s) - 1 }

struct variant {
	CK_ATTRIBUTE extra; /* .type 0 with .pValue NULL: none */
	CK_ATTRIBUTE_TYPE drop; /* an attribute of the base taken out, or (CK_ULONG)-1 */
	CK_RV want;         /* CKR_OK: passes every template check (and fails at sealing, without a TPM) */
	const char *what;
};

#define NONE ((CK_ATTRIBUTE_TYPE)-1)
#define NO_EXTRA { NONE, NULL, 0 }

static const struct variant aes_variants[] = {
	{ NO_EXTRA, NONE, CKR_OK, "the base template" },
	{ A(CKA_SENSITIVE, &t_true), NONE, CKR_OK, "CKA_SENSITIVE true" },
	{ A(CKA_PRIVATE, &t_true), NONE, CKR_OK, "CKA_PRIVATE true on a token without PIN" },
	{ { CKA_ALLOWED_MECHANISMS, NULL, 0 }, NONE, CKR_OK, "CKA_ALLOWED_MECHANISMS empty" },
	{ A(CKA_LOCAL, &t_false), NONE, CKR_ATTRIBUTE_READ_ONLY, "CKA_LOCAL (set by the token)" },
	{ A(CKA_KEY_GEN_MECHANISM, &u_32), NONE, CKR_ATTRIBUTE_READ_ONLY, "CKA_KEY_GEN_MECHANISM" },
	{ A(CKA_ALWAYS_SENSITIVE, &t_true), NONE, CKR_ATTRIBUTE_READ_ONLY, "CKA_ALWAYS_SENSITIVE" },
	{ A(CKA_NEVER_EXTRACTABLE, &t_true), NONE, CKR_ATTRIBUTE_READ_ONLY, "CKA_NEVER_EXTRACTABLE" },
	{ A(CKA_VALUE_LEN, &u_32), NONE, CKR_ATTRIBUTE_READ_ONLY, "CKA_VALUE_LEN of a secret key" },
	{ AS(CKA_UNIQUE_ID, "u"), NONE, CKR_ATTRIBUTE_READ_ONLY, "CKA_UNIQUE_ID" },
	{ AS(CKA_POC_ATTESTATION_RECORD, "r"), NONE, CKR_ATTRIBUTE_READ_ONLY, "CKA_POC_ATTESTATION_RECORD" },
	{ A(CKA_SENSITIVE, &t_false), NONE, CKR_OK, "CKA_SENSITIVE false (unextractable: no value leaves)" },
	{ A(CKA_EXTRACTABLE, &t_true), NONE, CKR_TEMPLATE_INCONSISTENT, "CKA_EXTRACTABLE true" },
	{ A(CKA_MODIFIABLE, &t_true), NONE, CKR_OK, "CKA_MODIFIABLE true (label and id may change)" },
	{ A(CKA_COPYABLE, &t_false), NONE, CKR_OK, "CKA_COPYABLE false" },
	{ A(CKA_SIGN, &t_true), NONE, CKR_OK, "CKA_SIGN true (AES-CMAC)" },
	{ A(CKA_SIGN_RECOVER, &t_true), NONE, CKR_TEMPLATE_INCONSISTENT, "CKA_SIGN_RECOVER true (no recovery)" },
	{ A(CKA_ALLOWED_MECHANISMS, &m_gcm), NONE, CKR_TEMPLATE_INCONSISTENT, "CKA_ALLOWED_MECHANISMS not empty" },
	{ A(CKA_KEY_TYPE, &k_rsa), NONE, CKR_TEMPLATE_INCONSISTENT, "CKA_KEY_TYPE twice, two values" },
	{ A(CKA_MODULUS_BITS, &u_2048), NONE, CKR_ATTRIBUTE_TYPE_INVALID, "CKA_MODULUS_BITS of an AES key" },
	{ AS(CKA_PRIME_1, "x"), NONE, CKR_ATTRIBUTE_TYPE_INVALID, "CKA_PRIME_1 of an AES key" },
	{ A(CKA_CERTIFICATE_TYPE, &k_x509), NONE, CKR_ATTRIBUTE_TYPE_INVALID, "CKA_CERTIFICATE_TYPE of a key" },
	{ AS(CKA_OTP_FORMAT, "x"), NONE, CKR_ATTRIBUTE_TYPE_INVALID, "an attribute the module does not know" },
	{ { CKA_TOKEN, &t_true, 2 }, NONE, CKR_ATTRIBUTE_VALUE_INVALID, "a CK_BBOOL of 2 bytes" },
	{ { CKA_VALUE_LEN, &u_32, 4 }, NONE, CKR_ATTRIBUTE_VALUE_INVALID, "a CK_ULONG of 4 bytes" },
	{ { CKA_LABEL, NULL, 3 }, NONE, CKR_ATTRIBUTE_VALUE_INVALID, "a NULL value with a length" },
	{ NO_EXTRA, CKA_KEY_TYPE, CKR_TEMPLATE_INCOMPLETE, "no CKA_KEY_TYPE" },
	{ NO_EXTRA, CKA_CLASS, CKR_TEMPLATE_INCOMPLETE, "no CKA_CLASS" },
	{ NO_EXTRA, CKA_LABEL, CKR_TEMPLATE_INCOMPLETE, "neither CKA_LABEL nor CKA_ID (the store names objects by them)" },
	{ A(CKA_KEY_TYPE, &k_des), CKA_KEY_TYPE, CKR_ATTRIBUTE_VALUE_INVALID, "CKK_DES" },
	{ A(CKA_CLASS, &k_hw), CKA_CLASS, CKR_ATTRIBUTE_VALUE_INVALID, "CKO_HW_FEATURE" },
};

static const struct variant pub_variants[] = {
	{ NO_EXTRA, NONE, CKR_OK, "the base template" },
	{ A(CKA_VERIFY, &t_false), NONE, CKR_OK, "CKA_VERIFY false" },
	{ A(CKA_MODULUS_BITS, &u_2048), NONE, CKR_ATTRIBUTE_READ_ONLY, "CKA_MODULUS_BITS of a public key" },
	{ A(CKA_SIGN, &t_true), NONE, CKR_ATTRIBUTE_TYPE_INVALID, "CKA_SIGN (not a public key's)" },
	{ A(CKA_DECRYPT, &t_false), NONE, CKR_ATTRIBUTE_TYPE_INVALID, "CKA_DECRYPT (not a public key's)" },
	{ A(CKA_UNWRAP, &t_false), NONE, CKR_ATTRIBUTE_TYPE_INVALID, "CKA_UNWRAP (not a public key's)" },
	{ A(CKA_ENCRYPT, &t_true), NONE, CKR_TEMPLATE_INCONSISTENT, "CKA_ENCRYPT true (no EC encryption)" },
	{ AS(CKA_SUBJECT, "x"), NONE, CKR_TEMPLATE_INCONSISTENT, "a CKA_SUBJECT the object will not have" },
	{ A(CKA_PRIVATE, &t_true), NONE, CKR_TEMPLATE_INCONSISTENT, "CKA_PRIVATE true (public objects are public)" },
};

static const struct variant cert_variants[] = {
	{ NO_EXTRA, NONE, CKR_OK, "the base template" },
	{ { CKA_URL, NULL, 0 }, NONE, CKR_OK, "CKA_URL empty" },
	{ AS(CKA_URL, "https://x"), NONE, CKR_TEMPLATE_INCONSISTENT, "CKA_URL (not kept)" },
	{ { CKA_START_DATE, (void *)date, sizeof(date) }, NONE, CKR_TEMPLATE_INCONSISTENT, "CKA_START_DATE (not kept)" },
	{ AS(CKA_ISSUER, "x"), NONE, CKR_TEMPLATE_INCONSISTENT, "a CKA_ISSUER that is not the certificate's" },
	{ A(CKA_LOCAL, &t_true), NONE, CKR_ATTRIBUTE_READ_ONLY, "CKA_LOCAL" },
	{ A(CKA_KEY_TYPE, &k_ec), NONE, CKR_ATTRIBUTE_TYPE_INVALID, "CKA_KEY_TYPE of a certificate" },
	{ A(CKA_NAME_HASH_ALGORITHM, &u_32), NONE, CKR_ATTRIBUTE_TYPE_INVALID, "CKA_NAME_HASH_ALGORITHM (not kept)" },
	{ NO_EXTRA, CKA_CERTIFICATE_TYPE, CKR_TEMPLATE_INCOMPLETE, "no CKA_CERTIFICATE_TYPE" },
};

static int template_error(CK_RV rv)
{
	return rv == CKR_ATTRIBUTE_READ_ONLY || rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_ATTRIBUTE_VALUE_INVALID ||
	       rv == CKR_TEMPLATE_INCONSISTENT || rv == CKR_TEMPLATE_INCOMPLETE;
}

/* Each variant of base (n attributes) through C_CreateObject. */
static void run_variants(CK_SESSION_HANDLE ss, const char *kind, const CK_ATTRIBUTE *base, CK_ULONG n,
			 const struct variant *v, size_t nv)
{
	CK_ATTRIBUTE t[16];
	CK_OBJECT_HANDLE h;

	for (size_t i = 0; i < nv; i++) {
		CK_ULONG k = 0;
		CK_RV rv;

		for (CK_ULONG j = 0; j < n; j++)
			if (base[j].type != v[i].drop)
				t[k++] = base[j];
		if (v[i].extra.type != NONE)
			t[k++] = v[i].extra;
		rv = f->C_CreateObject(ss, t, k, &h);
		if (v[i].want == CKR_OK)
			ok(rv != CKR_OK && !template_error(rv) && h == CK_INVALID_HANDLE,
			   "%s, %s: passes the template checks (then no TPM: 0x%lx)", kind, v[i].what, (unsigned long)rv);
		else
			ok(rv == v[i].want && h == CK_INVALID_HANDLE, "%s, %s: 0x%lx (want 0x%lx)", kind, v[i].what,
			   (unsigned long)rv, (unsigned long)v[i].want);
	}
}

static void test_create(CK_SESSION_HANDLE rw, CK_SESSION_HANDLE ro, CK_SESSION_HANDLE pin_rw)
{
	CK_ATTRIBUTE aes[] = { A(CKA_CLASS, &k_sec), A(CKA_KEY_TYPE, &k_aes), { CKA_VALUE, (void *)aes_key, 32 },
			       AS(CKA_LABEL, "new-aes"), A(CKA_TOKEN, &t_true) };
	CK_ATTRIBUTE pub[] = { A(CKA_CLASS, &k_pub), A(CKA_KEY_TYPE, &k_ec), A(CKA_EC_PARAMS, &p256_oid),
			       A(CKA_EC_POINT, &ec_point), AS(CKA_LABEL, "new-pub"), A(CKA_TOKEN, &t_true) };
	CK_ATTRIBUTE cert[] = { A(CKA_CLASS, &k_cert), A(CKA_CERTIFICATE_TYPE, &k_x509),
				{ CKA_VALUE, fx.cert.p, fx.cert.len }, AS(CKA_LABEL, "new-cert"), A(CKA_TOKEN, &t_true) };
	CK_ATTRIBUTE data[] = { A(CKA_CLASS, &k_data), A(CKA_TOKEN, &t_false), AS(CKA_VALUE, "x"), AS(CKA_LABEL, "d") };
	CK_OBJECT_HANDLE h;
	size_t ptlen = 0;

	EVP_PKEY_get_octet_string_param(fx.ec, "pub", ec_point + 2, 65, &ptlen);
	run_variants(rw, "AES key", aes, 5, aes_variants, sizeof(aes_variants) / sizeof(aes_variants[0]));
	run_variants(rw, "EC public key", pub, 6, pub_variants, sizeof(pub_variants) / sizeof(pub_variants[0]));
	run_variants(rw, "certificate", cert, 5, cert_variants, sizeof(cert_variants) / sizeof(cert_variants[0]));
	ok(f->C_CreateObject(rw, data, 4, &h) == CKR_OK && f->C_DestroyObject(rw, h) == CKR_OK,
	   "data object with CKA_TOKEN false: a session object (no TPM), destroyed");
	ok(f->C_CreateObject(rw, data, 1, &h) == CKR_TEMPLATE_INCOMPLETE, "data object without CKA_VALUE");
	ok(f->C_CreateObject(ro, aes, 5, &h) == CKR_SESSION_READ_ONLY, "C_CreateObject of a token object in a read-only session");
	ok(f->C_CreateObject(pin_rw, aes, 5, &h) == CKR_USER_NOT_LOGGED_IN, "C_CreateObject on a PIN token before login");
	ok(f->C_DestroyObject(ro, cols[COL_DATA]) == CKR_SESSION_READ_ONLY, "C_DestroyObject in a read-only session");
	ok(find(rw, NULL, 0, &h, 1) == 1 && count_by(rw, CKA_LABEL, "new-aes", 7) == 0,
	   "no refused template left an object behind");
}

/* ---- session objects (CKA_TOKEN false or absent): no TPM, so every rule is here ---- */

struct sess_case {
	CK_ATTRIBUTE a;
	CK_RV want;
	const char *what;
};

static const struct sess_case sess_create[] = {
	{ NO_EXTRA, CKR_OK, "the base template (no CKA_TOKEN: a session object)" },
	{ A(CKA_TOKEN, &t_false), CKR_OK, "CKA_TOKEN false" },
	{ A(CKA_EXTRACTABLE, &t_true), CKR_OK, "CKA_EXTRACTABLE true (a session key may be)" },
	{ A(CKA_SENSITIVE, &t_false), CKR_OK, "CKA_SENSITIVE false" },
	{ A(CKA_MODIFIABLE, &t_false), CKR_OK, "CKA_MODIFIABLE false" },
	{ A(CKA_LOCAL, &t_true), CKR_ATTRIBUTE_READ_ONLY, "CKA_LOCAL (set by the token)" },
	{ A(CKA_VALUE_LEN, &u_32), CKR_ATTRIBUTE_READ_ONLY, "CKA_VALUE_LEN" },
	{ A(CKA_SIGN_RECOVER, &t_true), CKR_TEMPLATE_INCONSISTENT, "CKA_SIGN_RECOVER on an AES key (no recovery)" },
	{ A(CKA_MODULUS_BITS, &u_2048), CKR_ATTRIBUTE_TYPE_INVALID, "CKA_MODULUS_BITS of an AES key" },
	{ A(CKA_TOKEN, &t_true), CKR_SESSION_READ_ONLY, "CKA_TOKEN true in a read-only session" },
};

static const struct sess_case sess_set[] = {
	{ AS(CKA_LABEL, "renamed"), CKR_OK, "CKA_LABEL" },
	{ AS(CKA_ID, "\x07"), CKR_OK, "CKA_ID" },
	{ A(CKA_ENCRYPT, &t_false), CKR_OK, "CKA_ENCRYPT false" },
	{ A(CKA_ENCRYPT, &t_true), CKR_OK, "CKA_ENCRYPT true again" },
	{ A(CKA_SENSITIVE, &t_true), CKR_OK, "CKA_SENSITIVE true" },
	{ A(CKA_EXTRACTABLE, &t_false), CKR_OK, "CKA_EXTRACTABLE false (already)" },
	{ A(CKA_SENSITIVE, &t_false), CKR_ATTRIBUTE_READ_ONLY, "CKA_SENSITIVE back to false" },
	{ A(CKA_EXTRACTABLE, &t_true), CKR_ATTRIBUTE_READ_ONLY, "CKA_EXTRACTABLE to true" },
	{ A(CKA_CLASS, &k_pub), CKR_ATTRIBUTE_READ_ONLY, "CKA_CLASS" },
	{ A(CKA_KEY_TYPE, &k_rsa), CKR_ATTRIBUTE_READ_ONLY, "CKA_KEY_TYPE" },
	{ A(CKA_LOCAL, &t_true), CKR_ATTRIBUTE_READ_ONLY, "CKA_LOCAL" },
	{ AS(CKA_VALUE, "0123456789abcdef"), CKR_ATTRIBUTE_READ_ONLY, "CKA_VALUE of a key" },
	{ A(CKA_TOKEN, &t_true), CKR_ATTRIBUTE_READ_ONLY, "CKA_TOKEN" },
	{ A(CKA_PRIVATE, &t_true), CKR_ATTRIBUTE_READ_ONLY, "CKA_PRIVATE" },
	{ A(CKA_MODIFIABLE, &t_false), CKR_ATTRIBUTE_READ_ONLY, "CKA_MODIFIABLE" },
	{ A(CKA_ALWAYS_SENSITIVE, &t_true), CKR_ATTRIBUTE_READ_ONLY, "CKA_ALWAYS_SENSITIVE" },
	{ A(CKA_DERIVE, &t_true), CKR_ATTRIBUTE_VALUE_INVALID, "CKA_DERIVE true (no mechanism derives from AES)" },
	{ A(CKA_CERTIFICATE_TYPE, &k_x509), CKR_ATTRIBUTE_TYPE_INVALID, "CKA_CERTIFICATE_TYPE of a key" },
	{ AS(CKA_OTP_FORMAT, "x"), CKR_ATTRIBUTE_TYPE_INVALID, "an attribute the module does not know" },
	{ { CKA_SENSITIVE, &t_true, 4 }, CKR_ATTRIBUTE_VALUE_INVALID, "a CK_BBOOL of 4 bytes" },
	{ { CKA_LABEL, (void *)"a\0b", 3 }, CKR_ATTRIBUTE_VALUE_INVALID, "a CKA_LABEL with a NUL byte" },
};

static int bool_of(CK_SESSION_HANDLE ss, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE t, int want)
{
	CK_BBOOL b = CK_FALSE;
	CK_ATTRIBUTE a = { t, &b, 1 };

	return f->C_GetAttributeValue(ss, h, &a, 1) == CKR_OK && (b != CK_FALSE) == (want != 0);
}

static void test_session_create(CK_SESSION_HANDLE s2, CK_ATTRIBUTE *base, CK_ULONG nb)
{
	for (size_t i = 0; i < sizeof(sess_create) / sizeof(sess_create[0]); i++) {
		CK_ATTRIBUTE t[8];
		CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
		CK_ULONG k = nb;
		CK_RV rv;

		memcpy(t, base, nb * sizeof(*t));
		if (sess_create[i].a.type != NONE)
			t[k++] = sess_create[i].a;
		rv = f->C_CreateObject(s2, t, k, &h);
		ok(rv == sess_create[i].want, "session AES key, %s: 0x%lx (want 0x%lx)", sess_create[i].what,
		   (unsigned long)rv, (unsigned long)sess_create[i].want);
		if (rv == CKR_OK)
			ok(bool_of(s2, h, CKA_TOKEN, 0) && f->C_DestroyObject(s2, h) == CKR_OK,
			   "  it is a session object (CKA_TOKEN false), destroyed in the read-only session");
	}
}

static void test_session_edit(CK_SESSION_HANDLE s2, CK_ATTRIBUTE *base, CK_ULONG nb)
{
	CK_ATTRIBUTE two[] = { AS(CKA_LABEL, "never"), A(CKA_CLASS, &k_pub) }, nocopy = A(CKA_COPYABLE, &t_false);
	CK_ATTRIBUTE fixed = A(CKA_MODIFIABLE, &t_false), keep = A(CKA_DESTROYABLE, &t_false), tok = A(CKA_TOKEN, &t_true);
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE, c = CK_INVALID_HANDLE, c2 = CK_INVALID_HANDLE;
	CK_ULONG s1 = 0, s2z = 0;

	ok(f->C_CreateObject(s2, base, nb, &h) == CKR_OK, "a session AES key to edit");
	for (size_t i = 0; i < sizeof(sess_set) / sizeof(sess_set[0]); i++) {
		CK_ATTRIBUTE a = sess_set[i].a;
		CK_RV rv = f->C_SetAttributeValue(s2, h, &a, 1);

		ok(rv == sess_set[i].want, "C_SetAttributeValue %s: 0x%lx (want 0x%lx)", sess_set[i].what,
		   (unsigned long)rv, (unsigned long)sess_set[i].want);
	}
	ok(f->C_SetAttributeValue(s2, h, two, 2) == CKR_ATTRIBUTE_READ_ONLY && count_by(s2, CKA_LABEL, "never", 5) == 0 &&
		   count_by(s2, CKA_LABEL, "renamed", 7) == 1,
	   "a template with one read-only attribute changes nothing");
	ok(bool_of(s2, h, CKA_SENSITIVE, 1) && bool_of(s2, h, CKA_ALWAYS_SENSITIVE, 0) && bool_of(s2, h, CKA_LOCAL, 0),
	   "made sensitive: CKA_SENSITIVE true, CKA_ALWAYS_SENSITIVE still false (it came from outside)");
	ok(f->C_CopyObject(s2, h, &nocopy, 1, &c) == CKR_OK && f->C_GetObjectSize(s2, h, &s1) == CKR_OK &&
		   f->C_GetObjectSize(s2, c, &s2z) == CKR_OK && s1 == s2z && bool_of(s2, c, CKA_COPYABLE, 0),
	   "C_CopyObject with CKA_COPYABLE false: the same size, not copyable");
	ok(f->C_CopyObject(s2, c, NULL, 0, &c2) == CKR_ACTION_PROHIBITED, "copying it: CKR_ACTION_PROHIBITED");
	ok(f->C_CopyObject(s2, h, &tok, 1, &c2) == CKR_SESSION_READ_ONLY, "a token copy in a read-only session: CKR_SESSION_READ_ONLY");
	ok(f->C_CopyObject(s2, h, two, 2, &c2) == CKR_ATTRIBUTE_READ_ONLY, "a copy with another CKA_CLASS: CKR_ATTRIBUTE_READ_ONLY");
	ok(f->C_CopyObject(s2, h, &fixed, 1, &c2) == CKR_OK &&
		   f->C_SetAttributeValue(s2, c2, &nocopy, 1) == CKR_ACTION_PROHIBITED,
	   "a copy with CKA_MODIFIABLE false: C_SetAttributeValue is CKR_ACTION_PROHIBITED");
	ok(f->C_CopyObject(s2, h, &keep, 1, &c2) == CKR_OK && f->C_DestroyObject(s2, c2) == CKR_ACTION_PROHIBITED,
	   "a copy with CKA_DESTROYABLE false: C_DestroyObject is CKR_ACTION_PROHIBITED");
}

static void test_session_objects(CK_SLOT_ID open, CK_SESSION_HANDLE ro, CK_SESSION_HANDLE pin_rw)
{
	CK_ATTRIBUTE base[] = { A(CKA_CLASS, &k_sec), A(CKA_KEY_TYPE, &k_aes), { CKA_VALUE, (void *)aes_key, 32 },
				AS(CKA_LABEL, "sess") };
	CK_ATTRIBUTE pdata[] = { A(CKA_CLASS, &k_data), AS(CKA_VALUE, "v"), A(CKA_PRIVATE, &t_true) };
	CK_SESSION_HANDLE s2 = CK_INVALID_HANDLE;
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ULONG before = find(ro, NULL, 0, &h, 1);

	if (!ok(f->C_OpenSession(open, CKF_SERIAL_SESSION, NULL, NULL, &s2) == CKR_OK, "a read-only session for session objects"))
		return;
	test_session_create(s2, base, 4);
	test_session_edit(s2, base, 4);
	ok(count_by(ro, CKA_LABEL, "renamed", 7) == 4, "another session of the application sees them (the key, its three copies)");
	ok(f->C_CreateObject(pin_rw, pdata, 3, &h) == CKR_USER_NOT_LOGGED_IN,
	   "a private session object on a PIN token before login: CKR_USER_NOT_LOGGED_IN");
	pdata[2].pValue = &t_false;
	ok(f->C_CreateObject(pin_rw, pdata, 3, &h) == CKR_OK && f->C_DestroyObject(pin_rw, h) == CKR_OK,
	   "a public one: no login needed");
	ok(f->C_CloseSession(s2) == CKR_OK && find(ro, NULL, 0, &h, 1) == before && count_by(ro, CKA_LABEL, "renamed", 7) == 0,
	   "C_CloseSession: its session objects are gone (the undestroyable one too)");
}

/* ---- CK_INFO, CK_SLOT_INFO, CK_TOKEN_INFO: blank-padded, never a NUL (STYLE.md habit 9) ---- */

static int padded(const CK_UTF8CHAR *p, size_t n, const char *name)
{
	if (memchr(p, 0, n) == NULL)
		return 1;
	diag("%s holds a NUL", name);
	return 0;
}

#define PADDED(s, field) padded((s).field, sizeof((s).field), #field)

static void test_info(CK_SLOT_ID open, CK_SLOT_ID pin)
{
	CK_INFO info;
	CK_SLOT_INFO si;
	CK_TOKEN_INFO ti;
	CK_UTF8CHAR buf[8];
	int bad = 0;

	ok(f->C_GetInfo(&info) == CKR_OK && PADDED(info, manufacturerID) && PADDED(info, libraryDescription) &&
		   info.cryptokiVersion.major >= 2,
	   "CK_INFO: manufacturerID and libraryDescription without a NUL");
	for (CK_SLOT_ID s = open; s != CK_UNAVAILABLE_INFORMATION; s = s == open ? pin : CK_UNAVAILABLE_INFORMATION) {
		bad += f->C_GetSlotInfo(s, &si) != CKR_OK || !PADDED(si, slotDescription) || !PADDED(si, manufacturerID) ||
		       !(si.flags & CKF_TOKEN_PRESENT);
		bad += f->C_GetTokenInfo(s, &ti) != CKR_OK || !PADDED(ti, label) || !PADDED(ti, manufacturerID) ||
		       !PADDED(ti, model) || !PADDED(ti, serialNumber) || !PADDED(ti, utcTime);
	}
	ok(bad == 0, "CK_SLOT_INFO and CK_TOKEN_INFO of both tokens: no fixed-width string holds a NUL");
	ok(f->C_GetTokenInfo(open, &ti) == CKR_OK && memcmp(ti.label, "open                            ", 32) == 0 &&
		   (ti.flags & CKF_TOKEN_INITIALIZED) && !(ti.flags & CKF_LOGIN_REQUIRED),
	   "token without PIN: its label blank-padded, no login required");
	ok(f->C_GetTokenInfo(pin, &ti) == CKR_OK && (ti.flags & CKF_LOGIN_REQUIRED), "token with a PIN: login required");
	ok(f->C_GetSlotInfo(7, &si) == CKR_SLOT_ID_INVALID && f->C_GetTokenInfo(7, &ti) == CKR_SLOT_ID_INVALID,
	   "a slot that does not exist");
	p11_pad_copy(buf, sizeof(buf), "a label longer than eight");
	ok(memcmp(buf, "a label ", 8) == 0, "p11_pad_copy clamps a long string");
	p11_pad_copy(buf, sizeof(buf), "");
	ok(memcmp(buf, "        ", 8) == 0, "p11_pad_copy fills an empty string with blanks");
}

/* ---- sessions ---- */

static CK_STATE state_of(CK_SESSION_HANDLE h)
{
	CK_SESSION_INFO si;

	return f->C_GetSessionInfo(h, &si) == CKR_OK ? si.state : (CK_STATE)-1;
}

static void session_counts(CK_SLOT_ID slot, CK_ULONG all, CK_ULONG rw, const char *when)
{
	CK_TOKEN_INFO ti;

	ok(f->C_GetTokenInfo(slot, &ti) == CKR_OK && ti.ulSessionCount == all && ti.ulRwSessionCount == rw,
	   "%s: %lu sessions, %lu read-write", when, (unsigned long)all, (unsigned long)rw);
}

static void test_session_handles(CK_SLOT_ID slot)
{
	CK_SESSION_HANDLE ro = 0, rw = 0, h;
	CK_SESSION_INFO si;

	ok(f->C_OpenSession(slot, 0, NULL, NULL, &h) == CKR_SESSION_PARALLEL_NOT_SUPPORTED,
	   "C_OpenSession without CKF_SERIAL_SESSION");
	ok(f->C_OpenSession(9, CKF_SERIAL_SESSION, NULL, NULL, &h) == CKR_SLOT_ID_INVALID, "C_OpenSession on no slot");
	ok(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &ro) == CKR_OK &&
		   f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &rw) == CKR_OK && ro != rw &&
		   ro != CK_INVALID_HANDLE && rw != CK_INVALID_HANDLE,
	   "a read-only and a read-write session: two distinct handles");
	ok(f->C_GetSessionInfo(ro, &si) == CKR_OK && si.slotID == slot && si.state == CKS_RO_PUBLIC_SESSION &&
		   si.flags == CKF_SERIAL_SESSION,
	   "read-only session: CKS_RO_PUBLIC_SESSION, CKF_SERIAL_SESSION");
	ok(f->C_GetSessionInfo(rw, &si) == CKR_OK && si.state == CKS_RW_PUBLIC_SESSION &&
		   si.flags == (CKF_SERIAL_SESSION | CKF_RW_SESSION),
	   "read-write session: CKS_RW_PUBLIC_SESSION, CKF_RW_SESSION");
	session_counts(slot, 2, 1, "two sessions");
	ok(f->C_CloseSession(ro) == CKR_OK && f->C_CloseSession(ro) == CKR_SESSION_HANDLE_INVALID &&
		   f->C_GetSessionInfo(ro, &si) == CKR_SESSION_HANDLE_INVALID,
	   "a closed session's handle is invalid (closing it again too)");
	session_counts(slot, 1, 1, "one closed");
	ok(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &h) == CKR_OK && h != ro && h != rw,
	   "a new session gets a new handle, not a closed one's");
	ok(f->C_CloseAllSessions(slot) == CKR_OK && f->C_GetSessionInfo(rw, &si) == CKR_SESSION_HANDLE_INVALID &&
		   f->C_GetSessionInfo(h, &si) == CKR_SESSION_HANDLE_INVALID,
	   "C_CloseAllSessions closes every session of the token");
	session_counts(slot, 0, 0, "all closed");
	ok(f->C_GetSessionInfo(0, &si) == CKR_SESSION_HANDLE_INVALID && f->C_CloseSession(0x7fff) ==
		   CKR_SESSION_HANDLE_INVALID, "handles never given out are invalid");
}

/* The login state is the token's, shared by its sessions; a logout makes private handles invalid. */
static void test_login_state(CK_SLOT_ID slot)
{
	CK_SESSION_HANDLE ro = 0, rw = 0;
	CK_OBJECT_CLASS data = CKO_DATA, priv = CKO_PRIVATE_KEY, pub = CKO_PUBLIC_KEY;
	CK_OBJECT_HANDLE before, after;

	ok(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &ro) == CKR_OK &&
		   f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &rw) == CKR_OK,
	   "PIN token: two sessions");
	ok(f->C_Logout(ro) == CKR_USER_NOT_LOGGED_IN, "C_Logout before any login");
	ok(f->C_Login(rw, CKU_SO, (CK_UTF8CHAR *)"1", 1) == CKR_SESSION_READ_ONLY_EXISTS &&
		   f->C_Login(ro, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR *)"1", 1) == CKR_OPERATION_NOT_INITIALIZED &&
		   f->C_Login(ro, 7, (CK_UTF8CHAR *)"1", 1) == CKR_USER_TYPE_INVALID,
	   "C_Login as SO beside an R/O session (CKR_SESSION_READ_ONLY_EXISTS), context specific, unknown user: "
	   "refused before any TPM work");
	ok(count_by(ro, CKA_CLASS, &data, sizeof(data)) == 0 && count_by(ro, CKA_CLASS, &priv, sizeof(priv)) == 0 &&
		   count_by(ro, CKA_CLASS, &pub, sizeof(pub)) == 1,
	   "not logged in: the private objects are hidden, the public key is not");
	set_login(slot, 1);
	ok(state_of(ro) == CKS_RO_USER_FUNCTIONS && state_of(rw) == CKS_RW_USER_FUNCTIONS,
	   "logged in: both sessions in the user states");
	ok(f->C_Login(rw, CKU_USER, (CK_UTF8CHAR *)"1", 1) == CKR_USER_ALREADY_LOGGED_IN, "a second C_Login");
	before = one(ro, CKO_PRIVATE_KEY, "pec");
	ok(before != CK_INVALID_HANDLE && has_bool(ro, before, CKA_PRIVATE, 1) &&
		   count_by(ro, CKA_CLASS, &data, sizeof(data)) == 1,
	   "logged in: the private key and data object are found, CKA_PRIVATE true");
	ok(f->C_Logout(rw) == CKR_OK && state_of(ro) == CKS_RO_PUBLIC_SESSION && state_of(rw) == CKS_RW_PUBLIC_SESSION,
	   "C_Logout in one session logs the token out in all");
	ok(!has_bool(ro, before, CKA_PRIVATE, 1), "after the logout, the private key's handle is invalid");
	set_login(slot, 1);
	after = one(ro, CKO_PRIVATE_KEY, "pec");
	ok(after != CK_INVALID_HANDLE && after != before, "logged in again: the private key under a new handle");
	ok(f->C_CloseSession(ro) == CKR_OK && state_of(rw) == CKS_RW_USER_FUNCTIONS,
	   "closing one session keeps the login");
	ok(f->C_CloseSession(rw) == CKR_OK && f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &ro) == CKR_OK &&
		   state_of(ro) == CKS_RO_PUBLIC_SESSION && slot_at(slot)->logged_in == 0,
	   "closing the token's last session logs it out");
	f->C_CloseSession(ro);
}

/* ---- main ---- */

static int rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

int main(void)
{
	CK_SESSION_HANDLE ro = 0, rw = 0, pin_rw = 0;
	CK_SLOT_ID open, pin;

	setup();
	test_table();
	if (!ok(C_GetFunctionList(&f) == CKR_OK && f->C_Initialize(NULL) == CKR_OK, "C_Initialize over the test's store"))
		return poc_test_done();
	open = slot_of("open");
	pin = slot_of("pin");
	test_info(open, pin);
	ok(f->C_OpenSession(open, CKF_SERIAL_SESSION, NULL, NULL, &ro) == CKR_OK &&
		   f->C_OpenSession(open, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &rw) == CKR_OK &&
		   f->C_OpenSession(pin, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &pin_rw) == CKR_OK,
	   "sessions on both tokens");
	test_matrix(ro);
	test_common_values(ro);
	test_cert_values(ro);
	test_key_values(ro);
	test_mixed_template(ro);
	test_find(ro);
	test_create(rw, ro, pin_rw);
	test_session_objects(open, ro, pin_rw);
	test_sensitive(ro, open);
	ok(f->C_CloseAllSessions(open) == CKR_OK && f->C_CloseAllSessions(pin) == CKR_OK, "C_CloseAllSessions");
	test_session_handles(open);
	test_login_state(pin);
	ok(f->C_Finalize(NULL) == CKR_OK, "C_Finalize");
	nftw(root, rm, 16, FTW_DEPTH | FTW_PHYS);
	free_keys();
	return poc_test_done();
}
