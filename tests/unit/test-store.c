/* SPDX-License-Identifier: Apache-2.0 */
/* The token folder store: create, put/get/list/remove, atomic replace, label rules, read-only folders, token.cbor. */
#include <dirent.h>
#include <errno.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store.h"
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

	memset(&m, 0, sizeof(m));
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
	ok(poc_store_token_write(&e, s, &m) == 0, "token write: %s", e.msg);
	ok(poc_store_token_read(&e, s, &r) == 0, "token read: %s", e.msg);
	ok(r.schema == 1 && strcmp(r.label, "meta") == 0 && r.created == 1780000000 && r.pcr_bank == 0x000B &&
		   r.pcr_mask == 0x40ff && r.has_pin == 1 && r.pin_failures == 2,
	   "scalars survive");
	ok(r.policy_json_len == strlen(pol) && memcmp(r.policy_json, pol, strlen(pol)) == 0, "policy JSON survives");
	ok(r.verifier_spki_len == 3 && memcmp(r.verifier_spki, spki, 3) == 0 && r.verifier_key_len == 4 &&
		   memcmp(r.verifier_key, wrapped, 4) == 0,
	   "verifier key pair survives");
	ok(r.denial_spki_len == 2 && memcmp(r.denial_spki, dspki, 2) == 0 && r.denial_key_len == 3 &&
		   memcmp(r.denial_key, dwrapped, 3) == 0 && r.pcr_values_len == 64 && memcmp(r.pcr_values, pcrs, 64) == 0,
	   "denial key pair and the sealed PCR values survive");
	ok(r.srk_name_len == 34 && memcmp(r.srk_name, srk, 34) == 0, "the pinned SRK name survives");
	ok(r.pin_nv == 0x01a51234 && r.pin_nv_name_len == 34 && memcmp(r.pin_nv_name, srk, 34) == 0,
	   "the PIN counter's handle and name survive");
	poc_token_meta_free(&r);
	ok(poc_store_get(&e, s, POC_STORE_TOKEN_FILE, &buf, &len) == 0, "raw token.cbor");
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
	strcpy(m.label, "other");
	poc_err_clear(&e);
	ok(poc_store_token_write(&e, s, &m) < 0, "label must match the folder: %s", e.msg);
	poc_store_close(s);
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
