/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The module's pocd client (module/verifier/) driven from tests/integration/pocd.sh:
 *   verifier-release CONF KEY_ID RUN EK_PUB AK_PUB STEP
 * reads the module's configuration CONF (verifier, verifier_key, verifier_tls_pin, ...), and
 * runs poc_verifier_release for KEY_ID under poc-v1. The evidence for B is made from outside by
 * the shell (`bash -c "$STEP" _ quote RUN B`: the TD and TPM quotes), then /v1/credential goes
 * through poc_verifier_credential into RUN.cred, and `bash -c "$STEP" _ finish RUN B` activates
 * it and packs RUN.cbor, which the callback returns. Prints "release SHARE_HEX" (exit 0),
 * "deny CLAUSE" (exit 1), "refused: WHY" (exit 2) or "outage: WHY" (exit 3); the answer's
 * EAR goes to RUN.ear.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "config/configuration.h"
#include "hex.h"
#include "verifier/verifier.h"

struct step_ctx {
	const char *run, *ek, *ak, *step;
};

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = malloc(8u << 20);

	*len = 0;
	if (f == NULL || b == NULL) {
		if (f)
			fclose(f);
		free(b);
		return NULL;
	}
	*len = fread(b, 1, 8u << 20, f);
	fclose(f);
	return b;
}

static int run_step(const struct step_ctx *c, const char *what, const char *B)
{
	char *argv[] = { "bash", "-c", (char *)c->step, "_", (char *)what, (char *)c->run, (char *)B, NULL };
	pid_t pid = fork();
	int st = 0;

	if (pid == 0) {
		execvp("bash", argv);
		_exit(127);
	}
	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int evidence(struct poc_err *e, void *ctx, const struct poc_verifier *v, const struct poc_verifier_session *s,
		    uint8_t **bundle, size_t *len)
{
	const struct step_ctx *c = ctx;
	char B[2 * POC_BINDING_LEN + 1], path[4096];
	uint8_t *ek = NULL, *ak = NULL, *cred = NULL;
	size_t ek_len, ak_len, cred_len = 0;
	FILE *f;
	int rv = -1;

	poc_hex_encode(s->binding, sizeof(s->binding), B);
	if (run_step(c, "quote", B) < 0) {
		poc_err_set(e, POC_ERR_DEVICE, "evidence: the quote step failed");
		goto done;
	}
	if ((ek = slurp(c->ek, &ek_len)) == NULL || (ak = slurp(c->ak, &ak_len)) == NULL) {
		poc_err_set(e, POC_ERR_ARG, "evidence: EK or AK public area unreadable");
		goto done;
	}
	if (poc_verifier_credential(e, v, s, ek, ek_len, ak, ak_len, &cred, &cred_len) < 0)
		goto done;
	snprintf(path, sizeof(path), "%s.cred", c->run);
	if ((f = fopen(path, "wb")) == NULL || fwrite(cred, 1, cred_len, f) != cred_len || fclose(f) != 0) {
		poc_err_set(e, POC_ERR_ARG, "evidence: cannot write %s", path);
		goto done;
	}
	snprintf(path, sizeof(path), "%s.cbor", c->run);
	if (run_step(c, "finish", B) < 0 || (*bundle = slurp(path, len)) == NULL) {
		poc_err_set(e, POC_ERR_DEVICE, "evidence: the activation/pack step failed");
		goto done;
	}
	rv = 0;
done:
	free(ek);
	free(ak);
	free(cred);
	return rv;
}

int main(int argc, char **argv)
{
	struct poc_err e = { 0 };
	struct poc_config cfg;
	struct poc_verifier v;
	struct poc_answer a;
	struct step_ctx c;
	char hex[2 * POC_SHARE_MAX + 1], path[4096];
	FILE *f;
	int rv;

	if (argc != 7) {
		fprintf(stderr, "usage: verifier-release CONF KEY_ID RUN EK_PUB AK_PUB STEP\n");
		return 2;
	}
	c = (struct step_ctx){ .run = argv[3], .ek = argv[4], .ak = argv[5], .step = argv[6] };
	if (setenv(POC_CONFIG_ENV, argv[1], 1) != 0 || poc_config_load(&e, &cfg) < 0 || poc_verifier_open(&e, &cfg, &v) < 0) {
		printf("refused: %s\n", e.msg);
		return 2;
	}
	if (poc_verifier_release(&e, &v, argv[2], "poc-v1", evidence, &c, &a) < 0) {
		rv = (e.code == POC_ERR_UNREACHABLE || e.code == POC_ERR_BUSY) ? 3 : 2;
		printf("%s: %s\n", rv == 3 ? "outage" : "refused", e.msg);
		poc_verifier_close(&v);
		return rv;
	}
	snprintf(path, sizeof(path), "%s.ear", argv[3]);
	if ((f = fopen(path, "wb")) != NULL) {
		if (fwrite(a.ear, 1, a.ear_len, f) != a.ear_len)
			fprintf(stderr, "short write of %s\n", path);
		if (fclose(f) != 0)
			fprintf(stderr, "cannot close %s\n", path);
	}
	if (a.decision == POC_DECISION_RELEASE) {
		poc_hex_encode(a.share, a.share_len, hex);
		printf("release %s\n", hex);
		rv = 0;
	} else {
		printf("deny %s\n", a.clause);
		rv = 1;
	}
	poc_answer_free(&a);
	poc_verifier_close(&v);
	return rv;
}
