/* SPDX-License-Identifier: Apache-2.0 */
/* pocd's transport: libcurl, CBOR bodies, https pinned (or http to loopback when configured). */
#include "verifier/verifier.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/pem.h>

struct sink_buf {
	uint8_t *p;
	size_t n;
};

static size_t sink(char *p, size_t size, size_t n, void *ctx)
{
	struct sink_buf *b = ctx;
	size_t add = size * n;
	uint8_t *np;

	if (add > POC_ANSWER_MAX || b->n + add > POC_ANSWER_MAX)
		return 0; /* over the cap: curl aborts the transfer */
	np = realloc(b->p, b->n + add + 1);
	if (np == NULL)
		return 0;
	memcpy(np + b->n, p, add);
	b->p = np;
	b->n += add;
	b->p[b->n] = 0; /* a text answer (413, 429, 503) reads as text */
	return add;
}

/* https always; http only with verifier_insecure_http = yes and a loopback host. */
static int url_policy(struct poc_err *e, const struct poc_config *c)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	int rv = -1;

	if (u == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "verifier: URL parser");
	if (curl_url_set(u, CURLUPART_URL, c->verifier, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		poc_err_set(e, POC_ERR_ARG, "verifier: \"%s\" is not a URL", c->verifier);
	} else if (strcmp(scheme, "https") == 0) {
		rv = 0;
	} else if (strcmp(scheme, "http") != 0) {
		poc_err_set(e, POC_ERR_ARG, "verifier: \"%s\": only https (or http to loopback for tests)", c->verifier);
	} else if (!c->verifier_insecure_http) {
		poc_err_set(e, POC_ERR_ARG, "verifier: \"%s\" is plain http: set verifier_insecure_http = yes (tests, loopback only) or use https",
			    c->verifier);
	} else if (strcmp(host, "127.0.0.1") != 0 && strcmp(host, "[::1]") != 0 && strcmp(host, "localhost") != 0) {
		poc_err_set(e, POC_ERR_ARG, "verifier: plain http is allowed to a loopback address only, not \"%s\"", host);
	} else {
		rv = 0;
	}
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rv;
}

int poc_verifier_open(struct poc_err *e, const struct poc_config *cfg, struct poc_verifier *v)
{
	FILE *f;

	memset(v, 0, sizeof(*v));
	if (cfg->verifier[0] == '\0')
		return poc_err_set(e, POC_ERR_ARG, "verifier: no verifier = URL in the configuration");
	if (cfg->verifier_key[0] == '\0')
		return poc_err_set(e, POC_ERR_ARG, "verifier: no verifier_key = FILE (pocd's public key) in the configuration");
	if (url_policy(e, cfg) < 0)
		return -1;
	if ((f = fopen(cfg->verifier_key, "r")) == NULL)
		return poc_err_set(e, POC_ERR_ARG, "verifier: cannot read verifier_key %s", cfg->verifier_key);
	v->pocd_key = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	if (v->pocd_key == NULL || EVP_PKEY_is_a(v->pocd_key, "EC") != 1) {
		EVP_PKEY_free(v->pocd_key);
		v->pocd_key = NULL;
		return poc_err_ssl(e, POC_ERR_MALFORMED, "verifier: verifier_key %s is not a P-256 public key (PEM)",
				   cfg->verifier_key);
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		EVP_PKEY_free(v->pocd_key);
		v->pocd_key = NULL;
		return poc_err_set(e, POC_ERR_CRYPTO, "verifier: libcurl initialisation");
	}
	v->cfg = cfg;
	return 0;
}

void poc_verifier_close(struct poc_verifier *v)
{
	if (v->cfg != NULL)
		curl_global_cleanup();
	EVP_PKEY_free(v->pocd_key);
	memset(v, 0, sizeof(*v));
}

/* The options of one request; 0 when every one was accepted. */
static int set_options(CURL *c, const struct poc_config *cfg, const char *url, const uint8_t *body, size_t len,
		       struct curl_slist *hdr, struct sink_buf *b)
{
	int bad = 0;

	bad |= curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, cfg->verifier_insecure_http ? "https,http" : "https") != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)cfg->verifier_timeout_ms) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)body) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_WRITEDATA, b) != CURLE_OK;
	if (cfg->verifier_cafile[0] != '\0')
		bad |= curl_easy_setopt(c, CURLOPT_CAINFO, cfg->verifier_cafile) != CURLE_OK;
	if (cfg->verifier_tls_pin[0] != '\0')
		bad |= curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, cfg->verifier_tls_pin) != CURLE_OK;
	return bad;
}

int poc_verifier_post(struct poc_err *e, const struct poc_verifier *v, const char *path, const uint8_t *body,
		      size_t len, long *status, uint8_t **out, size_t *outlen)
{
	struct sink_buf b = { 0 };
	struct curl_slist *hdr = NULL, *h2 = NULL;
	char url[POC_CONFIG_VALUE_MAX + 64];
	CURL *c = NULL;
	CURLcode cr;
	int rv = -1;

	*status = 0;
	*out = NULL;
	*outlen = 0;
	if ((size_t)snprintf(url, sizeof(url), "%s%s", v->cfg->verifier, path) >= sizeof(url))
		return poc_err_set(e, POC_ERR_ARG, "verifier: URL too long");
	if ((hdr = curl_slist_append(NULL, "Content-Type: application/cbor")) == NULL ||
	    (h2 = curl_slist_append(hdr, "Accept: application/cbor")) == NULL || (c = curl_easy_init()) == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "verifier: libcurl");
		goto done;
	}
	hdr = h2;
	if (set_options(c, v->cfg, url, body, len, hdr, &b) != 0) {
		poc_err_set(e, POC_ERR_UNSUPPORTED, "verifier: libcurl refused an option (pinning, protocols)");
		goto done;
	}
	if ((cr = curl_easy_perform(c)) != CURLE_OK) {
		poc_err_set(e, POC_ERR_UNREACHABLE, "verifier %s unreachable: %s", v->cfg->verifier, curl_easy_strerror(cr));
		goto done;
	}
	if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status) != CURLE_OK) {
		poc_err_set(e, POC_ERR_UNREACHABLE, "verifier %s: no HTTP status", v->cfg->verifier);
		goto done;
	}
	*out = b.p;
	*outlen = b.n;
	b.p = NULL;
	rv = 0;
done:
	free(b.p);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	return rv;
}
