/* SPDX-License-Identifier: Apache-2.0 */
/* Reads a collateral folder into struct poc_collateral_files: tools/ does the file I/O, verify/ the checks. */
#include "collateral_files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poctool.h"

/* Intel's collateral files are a few KiB; a PCK CRL can grow, so allow 16 MiB. */
#define COLLATERAL_FILE_MAX (16u << 20)

static const char *const names[9] = {
	"tcb_info.json", "tcb_info_signature.bin", "tcb_info_issuer_chain.pem",
	"qe_identity.json", "qe_identity_signature.bin", "qe_identity_issuer_chain.pem",
	"pck_crl.der", "root_ca_crl.der", "pck_crl_issuer_chain.pem",
};

/* The members of f in the order of names[]: one table instead of nine copies of the same code. */
static void slots(struct poc_collateral_files *f, const uint8_t ***buf, size_t **len)
{
	buf[0] = &f->tcb_info; len[0] = &f->tcb_info_len;
	buf[1] = &f->tcb_info_sig; len[1] = &f->tcb_info_sig_len;
	buf[2] = &f->tcb_info_chain; len[2] = &f->tcb_info_chain_len;
	buf[3] = &f->qe_identity; len[3] = &f->qe_identity_len;
	buf[4] = &f->qe_identity_sig; len[4] = &f->qe_identity_sig_len;
	buf[5] = &f->qe_identity_chain; len[5] = &f->qe_identity_chain_len;
	buf[6] = &f->pck_crl; len[6] = &f->pck_crl_len;
	buf[7] = &f->root_ca_crl; len[7] = &f->root_ca_crl_len;
	buf[8] = &f->pck_crl_chain; len[8] = &f->pck_crl_chain_len;
}

int poc_tool_collateral_read(const char *dir, struct poc_collateral_files *out)
{
	const uint8_t **buf[9];
	size_t *len[9];
	char path[4096];

	memset(out, 0, sizeof(*out));
	slots(out, buf, len);
	for (int i = 0; i < 9; i++) {
		int n = snprintf(path, sizeof(path), "%s/%s", dir, names[i]);

		if (n < 0 || (size_t)n >= sizeof(path)) {
			poc_tool_warn("collateral folder %s: path too long", dir);
			goto err;
		}
		*buf[i] = poc_tool_read_file(path, COLLATERAL_FILE_MAX, len[i]);
		if (*buf[i] == NULL) {
			poc_tool_warn("collateral folder %s: cannot read %s", dir, names[i]);
			goto err;
		}
	}
	return 0;
err:
	poc_tool_collateral_release(out);
	return -1;
}

void poc_tool_collateral_release(struct poc_collateral_files *f)
{
	const uint8_t **buf[9];
	size_t *len[9];

	if (f == NULL)
		return;
	slots(f, buf, len);
	for (int i = 0; i < 9; i++) {
		void *p;

		/* The struct holds const views; we own these buffers (memcpy avoids casting const away). */
		memcpy(&p, buf[i], sizeof(p));
		free(p);
	}
	memset(f, 0, sizeof(*f));
}
