/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The token folder store: create, put/get/list/remove, atomic replace, label
 * rules, read-only folders, token.cbor and its signed state (every entry
 * signed, the PIN counter's pin_nv and pin_nv_name and pin_failures too; old
 * and unsigned tokens refused; the SRK name mandatory and exact; the PIN
 * counter both or neither, its name exact; the policy's files checked
 * against their digests).
 */
#include <dirent.h>
#include <errno.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cbor.h>
#include <openssl/evp.h>

#include "store/store.h"
#include "token/token_state.h"
#include "../test.h"

static void rm_tree(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "chmod -R u+w '%s' 2>/dev/null; rm -rf '%s'", dir, dir);
	if (system(cmd) != 0)
		diag("cleanup of %s failed", dir);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void test_labels(const char *root)
{
	static const struct {
		const char *label;
		int good;
	} cases[] = {
		{ "token", 1 }, { "my token 1", 1 }, { "12345678901234567890123456789012", 1 }, { "a.b", 1 },
		{ "", 0 }, { "a/b", 0 }, { "..", 0 }, { ".", 0 }, { "a..b", 0 }, { "/etc", 0 },
		{ "123456789012345678901234567890123", 0 }, { "tab\there", 0 }, { "trailing ", 0 },
	};
	struct poc_store *s;
	struct poc_err e = { 0 };
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		poc_err_clear(&e);
		ok((poc_store_label_check(&e, cases[i].label) == 0) == cases[i].good, "label \"%s\" %s%s%s",
		   cases[i].label, cases[i].good ? "accepted" : "refused: ", cases[i].good ? "" : e.msg, "");
	}
	poc_err_clear(&e);
	ok(poc_store_open(&e, root, "../escape", 1, &s) < 0 && s == NULL, "open refuses a bad label: %s", e.msg);
	poc_err_clear(&e);
	ok(poc_store_open(&e, root, "absent", 0, &s) < 0 && strstr(e.msg, "no such token") != NULL,
	   "open without create needs the folder: %s", e.msg);
}

static void test_files(const char *root)
{
	struct poc_store *s = NULL;
	struct poc_err e = { 0 };
	uint8_t *buf;
	size_t len, n;
	char **names, path[512];
	struct stat st;

	ok(poc_store_open(&e, root, "tok", 1, &s) == 0, "create token folder: %s", e.msg);
	snprintf(path, sizeof(path), "%s/tok", root);
	ok(stat(path, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700, "folder is 0700");
	is_str(poc_store_dir(s), path, "store dir");
	ok(poc_store_put(&e, s, "priv-0102.obj", (const uint8_t *)"one", 3) == 0, "put: %s", e.msg);
	ok(poc_store_put(&e, s, "data-l-secret.obj", (const uint8_t *)"", 0) == 0, "put empty file");
	ok(poc_store_put(&e, s, "notes.txt", (const uint8_t *)"x", 1) == 0, "put another suffix");
	ok(poc_store_get(&e, s, "priv-0102.obj", &buf, &len) == 0 && len == 3 && memcmp(buf, "one", 3) == 0, "get");
	free(buf);
	ok(poc_store_put(&e, s, "priv-0102.obj", (const uint8_t *)"second", 6) == 0, "replace");
	ok(poc_store_get(&e, s, "priv-0102.obj", &buf, &len) == 0 && len == 6 && memcmp(buf, "second", 6) == 0,
	   "replace is seen whole");
	free(buf);
	is_int(count_entries(path), 3, "no temporary files left behind");
	ok(poc_store_list(&e, s, ".obj", &names, &n) == 0 && n == 2 && strcmp(names[0], "data-l-secret.obj") == 0 &&
		   strcmp(names[1], "priv-0102.obj") == 0,
	   "list .obj, sorted");
	poc_store_list_free(names, n);
	ok(poc_store_list(&e, s, NULL, &names, &n) == 0 && n == 3 && strcmp(names[2], "priv-0102.obj") == 0, "list all");
	poc_store_list_free(names, n);
	poc_err_clear(&e);
	ok(poc_store_get(&e, s, "missing.obj", &buf, &len) < 0 && strstr(e.msg, "not found") != NULL, "get missing: %s",
	   e.msg);
	poc_err_clear(&e);
	ok(poc_store_put(&e, s, "../x.obj", (const uint8_t *)"x", 1) < 0, "name with '/' refused: %s", e.msg);
	poc_err_clear(&e);
	ok(poc_store_put(&e, s, ".hidden", (const uint8_t *)"x", 1) < 0, "name with leading '.' refused");
	poc_err_clear(&e);
	ok(poc_store_get(&e, s, "", &buf, &len) < 0, "empty name refused");
	ok(poc_store_remove(&e, s, "notes.txt") == 0, "remove");
	poc_err_clear(&e);
	ok(poc_store_remove(&e, s, "notes.txt") < 0 && strstr(e.msg, "not found") != NULL, "remove twice: %s", e.msg);
	/* A symlink is never followed. */
	snprintf(path, sizeof(path), "%s/tok/link.obj", root);
	ok(symlink("/etc/passwd", path) == 0, "make a symlink");
	poc_err_clear(&e);
	ok(poc_store_get(&e, s, "link.obj", &buf, &len) < 0, "symlink not followed: %s", e.msg);
	ok(poc_store_list(&e, s, ".obj", &names, &n) == 0 && n == 2, "symlink not listed");
	poc_store_list_free(names, n);
	unlink(path);
	poc_store_close(s);
	/* Reopen an existing folder with create. */
	poc_err_clear(&e);
	ok(poc_store_open(&e, root, "tok", 1, &s) == 0, "reopen existing with create");
	poc_store_close(s);
}

static void test_object_names(void)
{
	struct poc_err e = { 0 };
	char name[POC_STORE_NAME_MAX];
	uint8_t id[100];

	ok(poc_store_object_name(&e, 3, (const uint8_t *)"\x01\xab", 2, "x", name) == 0, "name by id");
	is_str(name, "priv-01ab.obj", "hex id name");
	ok(poc_store_object_name(&e, 0, NULL, 0, "db key/2", name) == 0, "name by label");
	is_str(name, "data-l-db%20key%2F2.obj", "escaped label name");
	memset(id, 7, sizeof(id));
	ok(poc_store_object_name(&e, 4, id, sizeof(id), "x", name) == 0 && strncmp(name, "secret-s-", 9) == 0 &&
		   strlen(name) == 9 + 64 + 4,
	   "long id hashed: %s", name);
	ok(poc_store_object_name(&e, 5, id, 1, "x", name) < 0, "unknown class refused");
	ok(poc_store_object_name(&e, 0, NULL, 0, "", name) < 0, "no id and no label refused");
	{
		char lab[256];

		memset(lab, '/', 255);
		lab[255] = '\0';
		ok(poc_store_object_name(&e, 2, NULL, 0, lab, name) == 0 && strncmp(name, "pub-s-", 6) == 0,
		   "long label hashed: %s", name);
	}
}

/* m's verifier SPKI: key's (the unsealed key must be the one token.cbor names). */
static void set_spki(struct poc_token_meta *m, EVP_PKEY *key)
{
	uint8_t *der = NULL;
	int n = i2d_PUBKEY(key, &der);

	m->verifier_spki = malloc((size_t)n);
	memcpy(m->verifier_spki, der, (size_t)n);
	m->verifier_spki_len = (size_t)n;
	OPENSSL_free(der);
}

/* token.cbor with entry key replaced by value (NULL: removed; key absent: added). */
static uint8_t *edit(const uint8_t *buf, size_t len, const char *key, cbor_item_t *value, size_t *out_len)
{
	struct cbor_load_result res;
	cbor_item_t *root = cbor_load(buf, len, &res), *out, *k = cbor_build_string(key);
	struct cbor_pair *p = cbor_map_handle(root);
	unsigned char *enc = NULL;
	size_t i, cap = 0;
	int found = 0;

	out = cbor_new_definite_map(cbor_map_size(root) + 1);
	for (i = 0; i < cbor_map_size(root); i++) {
		if (cbor_string_length(p[i].key) == strlen(key) && memcmp(cbor_string_handle(p[i].key), key, strlen(key)) == 0) {
			found = 1;
			if (value != NULL)
				cbor_map_add(out, (struct cbor_pair){ .key = p[i].key, .value = value });
			continue;
		}
		cbor_map_add(out, p[i]);
	}
	if (!found && value != NULL)
		cbor_map_add(out, (struct cbor_pair){ .key = k, .value = value });
	*out_len = cbor_serialize_alloc(out, &enc, &cap);
	if (value != NULL)
		cbor_decref(&value);
	cbor_decref(&k);
	cbor_decref(&out);
	cbor_decref(&root);
	return enc;
}

/* Each edit of a signed entry: decodes, but the state no longer verifies; the refusals. */
static void test_state_edits(const uint8_t *buf, size_t len, EVP_PKEY *key)
{
	static const uint8_t srk33[33] = { 0, 0x0b }, other_id[16] = { 9 }, digest[32] = { 0xee }, nv34[34] = { 0, 0x0b, 7 };
	const struct {
		const char *key;
		cbor_item_t *value;
		int decodes, verifies; /* 1, 0: a signed entry edited; 0: refused at decode (no entry verifies edited) */
		const char *msg;
	} rows[] = {
		{ "has_pin", cbor_build_bool(false), 1, 0, NULL },
		{ "created", cbor_build_uint64(1780000001), 1, 0, NULL },
		{ "pcr_mask", cbor_build_uint32(0x00ff), 1, 0, NULL },
		{ "token_id", cbor_build_bytestring(other_id, 16), 1, 0, NULL },
		{ "srk_name", cbor_build_bytestring(srk33 + 1, 32), 0, 0, "srk_name" },
		{ "srk_name", cbor_build_bytestring(srk33, 33), 0, 0, "srk_name" },
		{ "srk_name", NULL, 0, 0, "srk_name" },
		{ "state_sig", NULL, 0, 0, "re-create the token" },
		{ "schema", cbor_build_uint8(1), 0, 0, "re-create the token" },
		{ "token_id", NULL, 0, 0, "token_id" },
		{ "policy_files", NULL, 0, 0, "policy_files" },
		{ "added_later", cbor_build_uint8(1), 0, 0, "unknown key" },
		{ "pin_failures", cbor_build_uint32(0), 1, 0, NULL },
		{ "pin_nv", cbor_build_uint32(0x01a54321), 1, 0, NULL },
		{ "pin_nv_name", cbor_build_bytestring(nv34, 34), 1, 0, NULL },
		{ "pin_nv_name", cbor_build_bytestring(nv34, 33), 0, 0, "pin_nv_name" },
		{ "pin_nv_name", NULL, 0, 0, "go together" },
		{ "pin_nv", NULL, 0, 0, "go together" },
	};
	struct poc_token_meta r;
	struct poc_err e = { 0 };
	size_t i, n;
	uint8_t *b;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		b = edit(buf, len, rows[i].key, rows[i].value, &n);
		poc_err_clear(&e);
		if (!rows[i].decodes) {
			ok(poc_token_meta_decode(&e, b, n, &r) < 0 && strstr(e.msg, rows[i].msg) != NULL, "%s %s refused: %s",
			   rows[i].key, rows[i].value ? "edited" : "removed", e.msg);
		} else {
			ok(poc_token_meta_decode(&e, b, n, &r) == 0 &&
				   (poc_token_state_verify(&e, key, &r) == 0) == rows[i].verifies,
			   "%s edited: %s (%s)", rows[i].key, rows[i].verifies ? "not signed, still verifies" : "no longer verifies",
			   e.msg);
			poc_token_meta_free(&r);
		}
		free(b);
	}
	/* A policy_files digest edited: signed too. */
	{
		cbor_item_t *f = cbor_new_definite_map(1), *k = cbor_build_string("policy-aa");
		cbor_item_t *v = cbor_build_bytestring(digest, 32);

		cbor_map_add(f, (struct cbor_pair){ .key = k, .value = v });
		cbor_decref(&k);
		cbor_decref(&v);
		b = edit(buf, len, "policy_files", f, &n);
		poc_err_clear(&e);
		ok(poc_token_meta_decode(&e, b, n, &r) == 0 && poc_token_state_verify(&e, key, &r) < 0 &&
			   e.code == POC_ERR_SIGNATURE,
		   "policy_files edited: no longer verifies (%s)", e.msg);
		poc_token_meta_free(&r);
		free(b);
	}
	/* Another key (one an attacker sealed himself) does not verify the state either. */
	{
		EVP_PKEY *k2 = EVP_EC_gen("P-256");

		poc_err_clear(&e);
		ok(poc_token_meta_decode(&e, buf, len, &r) == 0 && poc_token_state_verify(&e, k2, &r) < 0 &&
			   e.code == POC_ERR_SIGNATURE,
		   "another key does not verify the state: %s", e.msg);
		poc_token_meta_free(&r);
		EVP_PKEY_free(k2);
	}
}

/* The policy's files: read only when listed, and only with the listed digest. */
static void test_policy_files(struct poc_store *s, struct poc_token_meta *m)
{
	struct poc_token_file f[1];
	struct poc_token_files ctx = { m, s };
	struct poc_err e = { 0 };
	uint8_t *buf = NULL;
	size_t len = 0;
	char name[80];

	ok(poc_token_policy_file_name(&e, "root.pem", name) == 0 && strncmp(name, "policy-", 7) == 0 && strlen(name) == 71,
	   "policy file name: %s", name);
	snprintf(f[0].name, sizeof(f[0].name), "%s", name);
	EVP_Digest("ROOT", 4, f[0].digest, NULL, EVP_sha256(), NULL);
	m->files = f;
	m->nfiles = 1;
	ok(poc_store_put(&e, s, name, (const uint8_t *)"ROOT", 4) == 0, "policy file stored");
	ok(poc_token_policy_file(&ctx, &e, "root.pem", &buf, &len) == 0 && len == 4, "listed file with its digest: read");
	free(buf);
	ok(poc_store_put(&e, s, name, (const uint8_t *)"EVIL", 4) == 0, "policy file replaced");
	ok(poc_token_policy_file(&ctx, &e, "root.pem", &buf, &len) < 0 && e.code == POC_ERR_MISMATCH && buf == NULL,
	   "replaced file refused: %s", e.msg);
	poc_err_clear(&e);
	ok(poc_token_policy_file(&ctx, &e, "other.pem", &buf, &len) < 0 && e.code == POC_ERR_MISMATCH,
	   "unlisted file refused: %s", e.msg);
	m->files = NULL;
	m->nfiles = 0;
}

static void test_token_meta(const char *root)
{
	struct poc_store *s;
	struct poc_err e = { 0 };
	struct poc_token_meta m, r;
	uint8_t *buf;
	size_t len;
	static const char pol[] = "{\"version\": 1}";
	uint8_t spki[] = { 0x30, 0x01, 0x00 }, wrapped[] = { 0xa4, 1, 2, 3 };
	uint8_t dspki[] = { 0x30, 0x00 }, dwrapped[] = { 0xa4, 9, 9 }, pcrs[64] = { 7, [63] = 14 }, srk[34] = { 0, 0x0b, 1, [33] = 2 };
	struct poc_token_file files[2] = { { "policy-aa", { 1 } }, { "policy-bb", { 2, [31] = 3 } } };
	EVP_PKEY *key = EVP_EC_gen("P-256");

	memset(&m, 0, sizeof(m));
	memcpy(m.token_id, "0123456789abcdef", 16);
	m.files = files;
	m.nfiles = 2;
	m.schema = POC_TOKEN_SCHEMA;
	strcpy(m.label, "meta");
	m.created = 1780000000;
	m.policy_json = (uint8_t *)pol;
	m.policy_json_len = strlen(pol);
	m.pcr_bank = 0x000B;
	m.pcr_mask = 0x40ff;
	m.has_pin = 1;
	m.pin_failures = 2;
	m.verifier_spki = spki;
	m.verifier_spki_len = sizeof(spki);
	m.verifier_key = wrapped;
	m.verifier_key_len = sizeof(wrapped);
	m.denial_spki = dspki;
	m.denial_spki_len = sizeof(dspki);
	m.denial_key = dwrapped;
	m.denial_key_len = sizeof(dwrapped);
	m.pcr_values = pcrs;
	m.pcr_values_len = sizeof(pcrs);
	m.srk_name = srk;
	m.srk_name_len = sizeof(srk);
	m.pin_nv = 0x01a51234;
	m.pin_nv_name = srk; /* any 34 bytes */
	m.pin_nv_name_len = sizeof(srk);
	ok(poc_store_open(&e, root, "meta", 1, &s) == 0, "open meta");
	ok(poc_store_token_write(&e, s, &m) < 0 && strstr(e.msg, "not signed") != NULL, "an unsigned state is not written");
	poc_err_clear(&e);
	set_spki(&m, key);
	ok(poc_token_state_sign(&e, key, &m) == 0 && m.state_sig != NULL, "state signed: %s", e.msg);
	ok(poc_store_token_write(&e, s, &m) == 0, "token write: %s", e.msg);
	ok(poc_store_token_read(&e, s, &r) == 0, "token read: %s", e.msg);
	ok(r.state_tbs_len == m.state_tbs_len && memcmp(r.state_tbs, m.state_tbs, r.state_tbs_len) == 0,
	   "what is read is what was signed");
	ok(poc_token_state_verify(&e, key, &r) == 0, "the state verifies with the verifier key: %s", e.msg);
	ok(memcmp(r.token_id, "0123456789abcdef", 16) == 0 && r.nfiles == 2 && strcmp(r.files[1].name, "policy-bb") == 0 &&
		   r.files[1].digest[31] == 3,
	   "token id and policy files survive");
	ok(r.schema == POC_TOKEN_SCHEMA && strcmp(r.label, "meta") == 0 && r.created == 1780000000 && r.pcr_bank == 0x000B &&
		   r.pcr_mask == 0x40ff && r.has_pin == 1 && r.pin_failures == 2,
	   "scalars survive");
	ok(r.policy_json_len == strlen(pol) && memcmp(r.policy_json, pol, strlen(pol)) == 0, "policy JSON survives");
	ok(r.verifier_spki_len == m.verifier_spki_len && memcmp(r.verifier_spki, m.verifier_spki, m.verifier_spki_len) == 0 &&
		   r.verifier_key_len == 4 && memcmp(r.verifier_key, wrapped, 4) == 0,
	   "verifier key pair survives");
	ok(r.denial_spki_len == 2 && memcmp(r.denial_spki, dspki, 2) == 0 && r.denial_key_len == 3 &&
		   memcmp(r.denial_key, dwrapped, 3) == 0 && r.pcr_values_len == 64 && memcmp(r.pcr_values, pcrs, 64) == 0,
	   "denial key pair and the sealed PCR values survive");
	ok(r.srk_name_len == 34 && memcmp(r.srk_name, srk, 34) == 0, "the pinned SRK name survives");
	ok(r.pin_nv == 0x01a51234 && r.pin_nv_name_len == 34 && memcmp(r.pin_nv_name, srk, 34) == 0,
	   "the PIN counter's handle and name survive");
	poc_token_meta_free(&r);
	ok(poc_store_get(&e, s, POC_STORE_TOKEN_FILE, &buf, &len) == 0, "raw token.cbor");
	test_state_edits(buf, len, key);
	{
		uint8_t *p = memmem(buf, len, "version", 7);

		p[0] = 'V'; /* policy JSON changed without its digest */
		poc_err_clear(&e);
		ok(poc_token_meta_decode(&e, buf, len, &r) < 0 && e.code == POC_ERR_MISMATCH,
		   "policy digest checked: %s", e.msg);
		p[0] = 'v';
	}
	{
		size_t cut;
		int accepted = 0;

		for (cut = 0; cut < len; cut++) {
			poc_err_clear(&e);
			if (poc_token_meta_decode(&e, buf, cut, &r) == 0) {
				accepted++;
				poc_token_meta_free(&r);
			}
		}
		is_int(accepted, 0, "every truncation of token.cbor refused");
	}
	free(buf);
	test_policy_files(s, &m);
	strcpy(m.label, "other");
	poc_err_clear(&e);
	ok(poc_store_token_write(&e, s, &m) < 0, "label must match the folder: %s", e.msg);
	poc_store_close(s);
	free(m.verifier_spki);
	free(m.state_sig);
	free(m.state_tbs);
	EVP_PKEY_free(key);
}

/*
 * Root passes folder permissions by CAP_DAC_OVERRIDE: the put into the read-only folder runs in a
 * child that first drops every capability (what `setpriv --inh-caps=-all` does for a command), so
 * the mode bits decide for it as for any other user, whoever runs the test. 1: the put failed and
 * said "read-only".
 */
static int put_without_privilege(struct poc_store *s)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct none[_LINUX_CAPABILITY_U32S_3];
	struct poc_err e = { 0 };
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 0;
	if (pid == 0) {
		memset(none, 0, sizeof(none));
		if (syscall(SYS_capset, &h, none) != 0) {
			diag("capset: %s", strerror(errno));
			fflush(stdout);
			_exit(2);
		}
		if (poc_store_put(&e, s, "new.obj", (const uint8_t *)"x", 1) == 0) {
			diag("put into a 0555 folder succeeded");
			fflush(stdout);
			_exit(1);
		}
		diag("put refused: %s", e.msg);
		fflush(stdout);
		_exit(strstr(e.msg, "read-only") != NULL ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) != pid)
		return 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void test_read_only(const char *root)
{
	struct poc_store *s;
	struct poc_err e = { 0 };
	uint8_t *buf;
	size_t len, n;
	char **names, path[512];

	snprintf(path, sizeof(path), "%s/tok", root);
	if (chmod(path, 0555) < 0) {
		ok(0, "chmod 0555");
		return;
	}
	ok(poc_store_open(&e, root, "tok", 0, &s) == 0, "open read-only folder: %s", e.msg);
	ok(poc_store_get(&e, s, "priv-0102.obj", &buf, &len) == 0 && len == 6, "get from read-only folder");
	free(buf);
	ok(poc_store_list(&e, s, ".obj", &names, &n) == 0 && n == 2, "list read-only folder");
	poc_store_list_free(names, n);
	ok(put_without_privilege(s), "put into read-only folder fails cleanly (in a process without capabilities)");
	is_int(count_entries(path), 2, "read-only folder unchanged");
	poc_store_close(s);
	chmod(path, 0700);
}

int main(void)
{
	char root[] = "/tmp/poc-store-XXXXXX", sub[64];

	if (mkdtemp(root) == NULL) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	snprintf(sub, sizeof(sub), "%s/store", root); /* created by open(create=1) */
	test_labels(sub);
	test_files(sub);
	test_object_names();
	test_token_meta(sub);
	test_read_only(sub);
	rm_tree(root);
	return poc_test_done();
}
