/* SPDX-License-Identifier: Apache-2.0 */
/* The IMA binary measurement list (ima_log.h): parse and replay PCR 10. */
#include "ima_log.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "digest.h"
#include "pcrs.h"

#define IMA_PCR 10

/* One u32-length-prefixed field of the template data. */
static int field(struct poc_rd *r, const uint8_t **p, uint32_t *n)
{
	return poc_rd_u32le(r, n) < 0 || poc_rd_bytes(r, *n, p) < 0 ? -1 : 0;
}

/* d-ng ("algo:\0" digest, or a bare SHA-1 digest) and n-ng (the path) of the template data. */
static int template_fields(struct poc_err *e, size_t i, struct poc_ima_entry *ev)
{
	const uint8_t *d, *nm, *colon;
	uint32_t dn, nn;
	struct poc_rd r;
	size_t alen;

	poc_rd_init(&r, ev->tdata, ev->tdata_len);
	if (field(&r, &d, &dn) < 0 || field(&r, &nm, &nn) < 0)
		return poc_err_set(e, POC_ERR_TRUNCATED, "IMA entry %zu: its d-ng and n-ng fields", i);
	colon = dn > 0 ? memchr(d, ':', dn) : NULL;
	if (colon != NULL) {
		alen = (size_t)(colon - d);
		if (alen == 0 || alen >= sizeof(ev->algo) || (size_t)(colon - d) + 2 > dn || colon[1] != '\0')
			return poc_err_set(e, POC_ERR_MALFORMED, "IMA entry %zu: d-ng is not \"algo:\\0\" digest", i);
		memcpy(ev->algo, d, alen);
		ev->algo[alen] = '\0';
		ev->digest = colon + 2;
		ev->digest_len = dn - alen - 2;
	} else {
		memcpy(ev->algo, "sha1", 5);
		ev->digest = d;
		ev->digest_len = dn;
	}
	if (ev->digest_len == 0 || ev->digest_len > 64)
		return poc_err_set(e, POC_ERR_MALFORMED, "IMA entry %zu: a file digest of %zu bytes", i, ev->digest_len);
	nn = nn > 0 && nm[nn - 1] == '\0' ? nn - 1 : nn;
	memcpy(ev->path, nm, nn < sizeof(ev->path) ? nn : sizeof(ev->path) - 1);
	ev->path[nn < sizeof(ev->path) ? nn : sizeof(ev->path) - 1] = '\0';
	return 0;
}

static int one_entry(struct poc_err *e, struct poc_rd *r, size_t i, struct poc_ima_entry *ev)
{
	static const uint8_t zero[20];
	const uint8_t *tdig, *name;
	uint32_t nlen, tlen;

	memset(ev, 0, sizeof(*ev));
	if (poc_rd_u32le(r, &ev->pcr) < 0 || poc_rd_bytes(r, 20, &tdig) < 0 || poc_rd_u32le(r, &nlen) < 0 ||
	    nlen > 255 || poc_rd_bytes(r, nlen, &name) < 0 || poc_rd_u32le(r, &tlen) < 0 ||
	    poc_rd_bytes(r, tlen, &ev->tdata) < 0)
		return poc_err_set(e, POC_ERR_TRUNCATED, "IMA entry %zu: truncated", i);
	ev->tdata_len = tlen;
	if (!((nlen == 6 && memcmp(name, "ima-ng", 6) == 0) || (nlen == 7 && memcmp(name, "ima-sig", 7) == 0)))
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "IMA entry %zu: template \"%.*s\" (ima-ng or ima-sig only)", i,
				   (int)nlen, (const char *)name);
	ev->violation = memcmp(tdig, zero, 20) == 0;
	return template_fields(e, i, ev);
}

int poc_ima_parse(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_ima_log *out)
{
	struct poc_rd r;
	size_t cap = 0;

	memset(out, 0, sizeof(*out));
	if (buf == NULL || len == 0)
		return poc_err_set(e, POC_ERR_MALFORMED, "IMA log: empty");
	poc_rd_init(&r, buf, len);
	while (r.left > 0) {
		if (out->n == POC_IMA_MAX_ENTRIES) {
			poc_ima_free(out);
			return poc_err_set(e, POC_ERR_MALFORMED, "IMA log: more than %d entries", POC_IMA_MAX_ENTRIES);
		}
		if (out->n == cap) {
			struct poc_ima_entry *ev = realloc(out->ev, (cap ? cap * 2 : 64) * sizeof(*ev));

			if (ev == NULL) {
				poc_ima_free(out);
				return poc_err_set(e, POC_ERR_NOMEM, "IMA log");
			}
			out->ev = ev;
			cap = cap ? cap * 2 : 64;
		}
		if (one_entry(e, &r, out->n, &out->ev[out->n]) < 0) {
			poc_ima_free(out);
			return -1;
		}
		out->n++;
	}
	return 0;
}

void poc_ima_free(struct poc_ima_log *log)
{
	if (log == NULL)
		return;
	free(log->ev);
	memset(log, 0, sizeof(*log));
}

int poc_ima_replay(struct poc_err *e, const struct poc_ima_log *log, uint16_t alg, uint8_t *out, size_t *outlen)
{
	const EVP_MD *md = poc_tpm_alg_md(alg);
	size_t dl = poc_tpm_alg_digest_len(alg), hl = 0;
	uint8_t h[EVP_MAX_MD_SIZE], next[EVP_MAX_MD_SIZE];

	if (md == NULL || dl == 0 || dl > POC_DIGEST_MAX)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "IMA replay: bank 0x%04x", alg);
	memset(out, 0, dl);
	for (size_t i = 0; i < log->n; i++) {
		const struct poc_ima_entry *ev = &log->ev[i];
		struct poc_piece pc[2] = { { out, dl }, { h, dl } };

		if (ev->pcr != IMA_PCR)
			continue;
		if (ev->violation)
			memset(h, 0xff, dl);
		else {
			struct poc_piece t = { ev->tdata, ev->tdata_len };

			if (poc_digest(md, &t, 1, h, &hl) < 0)
				return poc_err_set(e, POC_ERR_CRYPTO, "IMA replay: digest");
		}
		if (poc_digest(md, pc, 2, next, &hl) < 0)
			return poc_err_set(e, POC_ERR_CRYPTO, "IMA replay: extend");
		memcpy(out, next, dl);
	}
	*outlen = dl;
	return 0;
}
