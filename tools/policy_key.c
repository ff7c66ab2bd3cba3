/* SPDX-License-Identifier: Apache-2.0 */
/* The owner's policy key: a PEM file or a pkcs11: URI through libp11's engine (policy_key.h). */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "policy_key.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "poctool.h"

/* The "pkcs11" engine, initialised (ENGINE_finish/ENGINE_free it); NULL after saying why. */
static ENGINE *pkcs11_engine(void)
{
	const char *module = getenv("POC_POLICY_PKCS11_MODULE");
	ENGINE *eng;

	ENGINE_load_dynamic();
	eng = ENGINE_by_id("pkcs11");
	if (eng == NULL) {
		poc_tool_warn("pkcs11: URI: OpenSSL has no \"pkcs11\" engine (install libengine-pkcs11-openssl)");
		return NULL;
	}
	if ((module != NULL && ENGINE_ctrl_cmd_string(eng, "MODULE_PATH", module, 0) != 1) || ENGINE_init(eng) != 1) {
		poc_tool_warn("pkcs11: URI: the pkcs11 engine does not start%s%s", module ? " with " : "", module ? module : "");
		ENGINE_free(eng);
		return NULL;
	}
	return eng;
}

/*
 * A PIN in the URI (pin-value=) would sit in argv, which every local user
 * reads in /proc/PID/cmdline: refused. The PIN comes from $POC_POLICY_KEY_PIN,
 * a pin-source= file of the URI, or the engine's prompt.
 */
static EVP_PKEY *engine_key(const char *uri, int priv)
{
	const char *pin = getenv("POC_POLICY_KEY_PIN");
	ENGINE *eng;
	EVP_PKEY *k;

	if (strstr(uri, "pin-value=") != NULL) {
		poc_tool_warn("pkcs11: URI: pin-value= puts the PIN in argv (readable in /proc): give it in "
			      "$POC_POLICY_KEY_PIN, a pin-source= file, or at the prompt");
		return NULL;
	}
	if ((eng = pkcs11_engine()) == NULL)
		return NULL;
	if (pin != NULL && *pin != '\0' && ENGINE_ctrl_cmd_string(eng, "PIN", pin, 0) != 1) {
		poc_tool_warn("pkcs11: URI: the pkcs11 engine does not take the PIN");
		ENGINE_finish(eng);
		ENGINE_free(eng);
		return NULL;
	}
	k = priv ? ENGINE_load_private_key(eng, uri, NULL, NULL) : ENGINE_load_public_key(eng, uri, NULL, NULL);
	if (k == NULL)
		poc_tool_warn("%s: no such %s key in any PKCS#11 token (or a wrong PIN)", uri, priv ? "private" : "public");
	ENGINE_finish(eng);
	ENGINE_free(eng);
	return k;
}

EVP_PKEY *poc_tool_policy_priv(const char *spec)
{
	EVP_PKEY *k = NULL;
	FILE *f;

	if (strncmp(spec, "pkcs11:", 7) == 0)
		return engine_key(spec, 1);
	f = fopen(spec, "r");
	if (f == NULL) {
		poc_tool_warn("%s: cannot open the policy key", spec);
		return NULL;
	}
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (k == NULL)
		poc_tool_warn("%s: not a PEM private key", spec);
	return k;
}

uint8_t *poc_tool_policy_pub(const char *spec, size_t *len)
{
	EVP_PKEY *k = NULL;
	uint8_t *der = NULL, *out = NULL;
	int n;
	FILE *f;

	if (strncmp(spec, "pkcs11:", 7) == 0) {
		k = engine_key(spec, 0);
	} else if ((f = fopen(spec, "r")) != NULL) {
		k = PEM_read_PUBKEY(f, NULL, NULL, NULL);
		if (k == NULL) {
			rewind(f);
			ERR_clear_error();
			k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		}
		fclose(f);
	}
	if (k == NULL) {
		poc_tool_warn("%s: not a PEM public key (or private key)", spec);
		return NULL;
	}
	n = i2d_PUBKEY(k, &der);
	EVP_PKEY_free(k);
	if (n <= 0 || (out = malloc((size_t)n)) == NULL) {
		OPENSSL_free(der);
		poc_tool_warn("%s: cannot encode the public key", spec);
		return NULL;
	}
	memcpy(out, der, (size_t)n);
	OPENSSL_free(der);
	*len = (size_t)n;
	return out;
}
