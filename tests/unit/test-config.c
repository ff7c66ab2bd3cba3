/* SPDX-License-Identifier: Apache-2.0 */
/* Configuration file: every key, defaults, comments, whitespace, errors naming line and key, the env var. */
#include <stdlib.h>
#include <unistd.h>

#include "config/configuration.h"
#include "../test.h"

static int parse(const char *text, struct poc_config *c, struct poc_err *e)
{
	poc_err_clear(e);
	return poc_config_parse(e, text, strlen(text), c);
}

static void test_defaults(void)
{
	struct poc_config c;
	struct poc_err e = { 0 };

	ok(parse("", &c, &e) == 0, "empty text parses");
	is_str(c.store, POC_LOCALSTATEDIR "/lib/poc-pkcs11", "default store (--localstatedir)");
	is_str(c.tcti, "device:/dev/tpmrm0", "default tcti");
	is_int(c.tee.kind, POC_TEE_TDX, "default tee = tdx");
	is_str(c.policy, POC_SYSCONFDIR "/poc-pkcs11/policy.json", "default policy (--sysconfdir)");
	is_str(c.tee.collateral, POC_LOCALSTATEDIR "/cache/poc-pkcs11", "default collateral (--localstatedir)");
	is_int(c.release_first_use, 0, "default release = login");
	is_int(c.ttl, 3600, "default ttl");
	is_int(c.log, POC_LOG_STDERR, "default log = stderr");
	is_int(c.log_level, POC_LOG_WARN, "default log_level = warn");
	ok(parse("# only a comment\n\n   \n\t# indented comment\n", &c, &e) == 0 && c.ttl == 3600,
	   "comments and blank lines only");
}

static void test_every_key(void)
{
	static const char text[] =
		"store = /srv/tokens          # tokens live in store/<token label>/\n"
		"tcti = swtpm:host=127.0.0.1,port=2321\n"
		"tee = sim:/tmp/sim platform\n"
		"policy=/etc/p.json\n"
		"\tcollateral   =   /var/cache/c#notacomment   \r\n"
		"release = first-use\n"
		"ttl = 60\n"
		"log = /var/log/poc.log\n"
		"log_level = debug";
	struct poc_config c;
	struct poc_err e = { 0 };

	ok(parse(text, &c, &e) == 0, "every key parses: %s", e.msg);
	is_str(c.store, "/srv/tokens", "store, trailing comment cut");
	is_str(c.tcti, "swtpm:host=127.0.0.1,port=2321", "tcti keeps '=' in the value");
	ok(c.tee.kind == POC_TEE_SIM, "tee = sim");
	is_str(c.tee.sim_path, "/tmp/sim platform", "sim path, inner space kept");
	is_str(c.policy, "/etc/p.json", "policy without spaces around '='");
	is_str(c.tee.collateral, "/var/cache/c#notacomment", "'#' not after whitespace stays; CRLF and tabs trimmed");
	is_int(c.release_first_use, 1, "release = first-use");
	is_int(c.ttl, 60, "ttl = 60");
	ok(c.log == POC_LOG_FILE, "log = file");
	is_str(c.log_path, "/var/log/poc.log", "log path");
	is_int(c.log_level, POC_LOG_DEBUG, "log_level = debug, no final newline");

	ok(parse("tee = none\nlog = syslog\nlog_level = error\nrelease = login\n", &c, &e) == 0 && c.tee.kind == POC_TEE_NONE &&
		   c.log == POC_LOG_SYSLOG && c.log_level == POC_LOG_ERROR && c.release_first_use == 0,
	   "tee none, log syslog, log_level error, release login");
	ok(parse("tee = tdx\nlog = stderr\nlog_level = info\n", &c, &e) == 0 && c.tee.kind == POC_TEE_TDX &&
		   c.log == POC_LOG_STDERR && c.log_level == POC_LOG_INFO,
	   "tee tdx, log stderr, log_level info");
	ok(parse("log_level = warn\nttl = 18446744073709551615\n", &c, &e) == 0 && c.log_level == POC_LOG_WARN &&
		   c.ttl == UINT64_MAX,
	   "log_level warn; ttl at UINT64_MAX");
	is_str(poc_tee_kind_str(POC_TEE_SIM), "sim", "tee name");
	is_str(poc_config_log_str(POC_LOG_SYSLOG), "syslog", "log name");
	is_str(poc_config_level_str(POC_LOG_DEBUG), "debug", "level name");
}

static void test_verifier(void)
{
	struct poc_config c;
	struct poc_err e = { 0 };

	ok(parse("", &c, &e) == 0 && c.verifier[0] == '\0' && c.verifier_timeout_ms == 10000 && !c.verifier_insecure_http,
	   "no verifier by default, 10 s timeout, https only");
	ok(parse("verifier = https://pocd.example:8443\nverifier_key = /etc/poc-pkcs11/pocd.pub\n"
		 "verifier_tls_pin = sha256//AAAA\nverifier_cafile = /etc/ca.pem\nverifier_timeout_ms = 2500\n"
		 "verifier_insecure_http = no\n",
		 &c, &e) == 0 &&
		   strcmp(c.verifier, "https://pocd.example:8443") == 0 && strcmp(c.verifier_key, "/etc/poc-pkcs11/pocd.pub") == 0 &&
		   strcmp(c.verifier_tls_pin, "sha256//AAAA") == 0 && strcmp(c.verifier_cafile, "/etc/ca.pem") == 0 &&
		   c.verifier_timeout_ms == 2500 && !c.verifier_insecure_http,
	   "every verifier key: %s", e.msg);
	ok(parse("verifier = http://127.0.0.1:8080\nverifier_insecure_http = yes\n", &c, &e) == 0 &&
		   c.verifier_insecure_http == 1,
	   "http with verifier_insecure_http = yes");
}

static const struct {
	const char *text, *want; /* want: a substring of the error */
} bad_cases[] = {
	{ "ttl = 0\n", "line 1: key \"ttl\"" },
	{ "ttl = -5\n", "line 1: key \"ttl\"" },
	{ "ttl = 12s\n", "line 1: key \"ttl\"" },
	{ "ttl = 18446744073709551616\n", "line 1: key \"ttl\"" },
	{ "# c\n\nstore = /a\nfoo = bar\n", "line 4: key \"foo\" is unknown" },
	{ "store = /a\nstore = /b\n", "line 2: key \"store\" is set twice" },
	{ "tee = sgx\n", "line 1: key \"tee\"" },
	{ "tee = sim:\n", "line 1: key \"tee\"" },
	{ "release = always\n", "line 1: key \"release\"" },
	{ "log = journal\n", "line 1: key \"log\"" },
	{ "log = var/log/x\n", "line 1: key \"log\"" },
	{ "log_level = trace\n", "line 1: key \"log_level\"" },
	{ "\n\nstore\n", "line 3: key \"store\": expected" },
	{ "store /a\n", "line 1: key \"store\": expected" },
	{ "policy =   # nothing\n", "line 1: key \"policy\" has no value" },
	{ "tcti =\n", "line 1: key \"tcti\" has no value" },
	{ "= value\n", "line 1: key \"\" is unknown" },
	{ "Store = /a\n", "line 1: key \"Store\" is unknown" },
	{ "a_very_long_key_name_that_goes_on_and_on = 1\n", "line 1: key \"a_very_long_key_" },
	{ "verifier = ftp://pocd\n", "line 1: key \"verifier\"" },
	{ "verifier = pocd.example:8443\n", "line 1: key \"verifier\"" },
	{ "verifier_tls_pin = 0123abcd\n", "line 1: key \"verifier_tls_pin\"" },
	{ "verifier_timeout_ms = 0\n", "line 1: key \"verifier_timeout_ms\"" },
	{ "verifier_timeout_ms = 4294967296\n", "line 1: key \"verifier_timeout_ms\"" },
	{ "verifier_insecure_http = true\n", "line 1: key \"verifier_insecure_http\"" },
	{ "verifier = https://a\nverifier = https://b\n", "line 2: key \"verifier\" is set twice" },
};

static void test_errors(void)
{
	struct poc_config c;
	struct poc_err e = { 0 };
	size_t i;
	char big[POC_CONFIG_VALUE_MAX + 16];
	static const char nul[] = "ttl = 5\nstore = /a\0b\n";

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		int rv = parse(bad_cases[i].text, &c, &e);

		ok(rv < 0 && e.code == POC_ERR_MALFORMED && strstr(e.msg, bad_cases[i].want) != NULL,
		   "bad config %zu refused: %s", i, e.msg);
		ok(c.ttl == 3600 && strcmp(c.store, POC_STORE_DEFAULT) == 0, "bad config %zu leaves defaults", i);
	}
	memcpy(big, "store = /", 9);
	memset(big + 9, 'a', sizeof(big) - 10);
	big[sizeof(big) - 1] = '\0';
	ok(parse(big, &c, &e) < 0 && strstr(e.msg, "line 1: key \"store\": value longer") != NULL,
	   "over-long value refused: %s", e.msg);
	poc_err_clear(&e);
	ok(poc_config_parse(&e, nul, sizeof(nul) - 1, &c) < 0 && strstr(e.msg, "line 2") != NULL,
	   "NUL byte refused with its line: %s", e.msg);
}

static void test_load(void)
{
	char dir[] = "/tmp/poc-config-XXXXXX", path[128];
	struct poc_config c;
	struct poc_err e = { 0 };
	FILE *f;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/poc.conf", dir);
	f = fopen(path, "w");
	fputs("ttl = 42\nrelease = first-use\n", f);
	fclose(f);
	setenv(POC_CONFIG_ENV, path, 1);
	ok(poc_config_load(&e, &c) == 0 && c.ttl == 42 && c.release_first_use == 1, "load from $POC_PKCS11_CONF: %s",
	   e.msg);
	f = fopen(path, "w");
	fputs("ttl = 42\nbogus = 1\n", f);
	fclose(f);
	poc_err_clear(&e);
	ok(poc_config_load(&e, &c) < 0 && strstr(e.msg, path) != NULL && strstr(e.msg, "line 2: key \"bogus\"") != NULL,
	   "load error names file, line and key: %s", e.msg);
	unlink(path);
	poc_err_clear(&e);
	ok(poc_config_load(&e, &c) < 0 && strstr(e.msg, path) != NULL, "missing file named by the env var is an error: %s",
	   e.msg);
	rmdir(dir);
	/* The default file: absent on a test machine means defaults; present, it must parse. */
	unsetenv(POC_CONFIG_ENV);
	poc_err_clear(&e);
	if (access(POC_CONFIG_DEFAULT_PATH, F_OK) != 0)
		ok(poc_config_load(&e, &c) == 0 && c.ttl == 3600, "missing default file = defaults: %s", e.msg);
	else
		ok(poc_config_load(&e, &c) == 0, "the default file %s (present on this machine) parses: %s",
		   POC_CONFIG_DEFAULT_PATH, e.msg);
	setenv(POC_CONFIG_ENV, "", 1);
	poc_err_clear(&e);
	if (access(POC_CONFIG_DEFAULT_PATH, F_OK) != 0)
		ok(poc_config_load(&e, &c) == 0 && c.ttl == 3600, "empty env var = the default path: %s", e.msg);
	else
		ok(poc_config_load(&e, &c) == 0, "empty env var = the default path %s, which parses: %s",
		   POC_CONFIG_DEFAULT_PATH, e.msg);
	unsetenv(POC_CONFIG_ENV);
}

int main(void)
{
	test_defaults();
	test_every_key();
	test_verifier();
	test_errors();
	test_load();
	return poc_test_done();
}
