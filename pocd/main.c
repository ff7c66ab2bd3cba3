/* SPDX-License-Identifier: Apache-2.0 */
/* pocd's commands (docs/pocd.md "Operator commands"). */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>

#include "credential.h"
#include "owner_cli.h"
#include "pocd.h"
#include "release_int.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: pocd init --config FILE         schema migrations, the KEK, pocd's key, K_kid\n"
		   "       pocd serve --config FILE        serve /v1/challenge, /v1/release, /v1/owner\n"
		   "       pocd audit verify --config FILE [--expect REPLICA:SEQ:HASH]...  check every audit chain and\n"
		   "                                        checkpoint, and that each anchor pocd logged is still in\n"
		   "                                        its chain (exit 1: tampered or rolled back)\n"
		   "       pocd audit checkpoint --config FILE  sign this replica's chain head now\n"
		   "       pocd owner enrol|revoke|list|rotate-kid --url URL --owner-key KEY.pem ...\n"
		   "                                       (pocd owner --help)\n"
		   "       pocd --version\n"
		   "Exit: 0 success, 1 a failed check or a refused request, 2 usage, 3 an outage.\n");
}

/* path.pub from an existing key at path, when it is missing. 0 or -1. */
static int write_pub(const char *path)
{
	char pub[1100];
	EVP_PKEY *k;
	FILE *g;
	int rv = -1;

	snprintf(pub, sizeof(pub), "%s.pub", path);
	if (access(pub, F_OK) == 0)
		return 0;
	if ((k = pocd_read_private(path)) == NULL)
		return -1;
	if ((g = fopen(pub, "w")) != NULL && PEM_write_PUBKEY(g, k) == 1)
		rv = 0;
	if (g != NULL && fclose(g) != 0)
		rv = -1;
	EVP_PKEY_free(k);
	if (rv < 0)
		pocd_warn("%s: cannot write", pub);
	return rv;
}

/* Writes a new P-256 key to path (0600) and its public key to path.pub. 0 or -1. */
static int new_key(const char *path)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	char pub[1100];
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600), rv = -1;
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL, *g = NULL;

	snprintf(pub, sizeof(pub), "%s.pub", path);
	if (k != NULL && f != NULL && PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) == 1 &&
	    (g = fopen(pub, "w")) != NULL && PEM_write_PUBKEY(g, k) == 1)
		rv = 0;
	if (f != NULL && fclose(f) != 0)
		rv = -1;
	else if (f == NULL && fd >= 0)
		close(fd);
	if (g != NULL && fclose(g) != 0)
		rv = -1;
	EVP_PKEY_free(k);
	if (rv < 0)
		pocd_warn("%s: cannot write a new key", path);
	return rv;
}

static int cmd_init(const char *conf_path)
{
	struct pocd_conf c;
	struct pocd_kek *kek = NULL;
	struct pocd_db *db = NULL;
	struct pocd_kids kids;
	struct poc_err e = { 0 };
	uint32_t kid;
	int rv = POCD_EXIT_OUTAGE;

	if (pocd_conf_load(conf_path, &c) < 0)
		return POCD_EXIT_USAGE;
	if (c.admin_database[0] == '\0') {
		pocd_warn("%s: admin_database (the schema owner's conninfo) is needed by init", conf_path);
		return POCD_EXIT_USAGE;
	}
	if (pocd_db_migrate(c.admin_database, c.app_role) < 0)
		return POCD_EXIT_OUTAGE;
	if ((access(c.signing_key, F_OK) != 0 ? new_key(c.signing_key) : write_pub(c.signing_key)) < 0)
		return POCD_EXIT_FAILED;
	if (pocd_kek_open(&e, &c, 1, &kek) < 0 || pocd_db_open(c.database, 1, &db) < 0) {
		pocd_warn("%s", e.msg[0] ? e.msg : "database");
		goto done;
	}
	if (pocd_db_kids(&e, db, kek, &kids) < 0) {
		if (e.code != POC_ERR_ARG) {
			pocd_warn("%s", e.msg);
			goto done;
		}
		poc_err_clear(&e);
		if (pocd_db_kid_add(&e, db, kek, &kid) < 0) {
			pocd_warn("%s", e.msg);
			goto done;
		}
		printf("K_kid %u made\n", kid);
	}
	OPENSSL_cleanse(&kids, sizeof(kids));
	printf("pocd initialised (pin %s.pub as verifier_key)\n", c.signing_key);
	rv = POCD_EXIT_OK;
done:
	pocd_db_close(db);
	pocd_kek_close(kek);
	return rv;
}

int pocd_open(struct pocd *p, const char *conf_path)
{
	struct poc_err e = { 0 };

	memset(p, 0, sizeof(*p));
	if (pocd_conf_load(conf_path, &p->conf) < 0 || (p->key = pocd_read_private(p->conf.signing_key)) == NULL ||
	    (p->conf.owner_key[0] && (p->owner = pocd_read_public(p->conf.owner_key)) == NULL))
		return -1;
	if (poc_credential_key(&e, p->key, p->credential_key) < 0 ||
	    pocd_kek_open(&e, &p->conf, 0, &p->kek) < 0 ||
	    pocd_db_open(p->conf.database, p->conf.threads, &p->db) < 0 ||
	    pocd_db_kids(&e, p->db, p->kek, &p->kids) < 0) {
		pocd_warn("%s", e.msg[0] ? e.msg : "database");
		return -1;
	}
	pthread_mutex_init(&p->kek_lock, NULL);
	pthread_rwlock_init(&p->kids_lock, NULL);
	p->rate_ip = pocd_rate_new(p->conf.rate_ip);
	p->rate_key = pocd_rate_new(p->conf.rate_key);
	p->metrics = pocd_metrics_new();
	return p->rate_ip && p->rate_key && p->metrics ? 0 : -1;
}

void pocd_close(struct pocd *p)
{
	pocd_policy_cache_clear();
	pocd_db_close(p->db);
	pocd_kek_close(p->kek);
	EVP_PKEY_free(p->key);
	EVP_PKEY_free(p->owner);
	pocd_rate_free(p->rate_ip);
	pocd_rate_free(p->rate_key);
	pocd_metrics_free(p->metrics);
	OPENSSL_cleanse(p, sizeof(*p));
}

static int cmd_audit(const char *what, const char *conf_path, char *const *expect, int nexpect)
{
	struct pocd_conf c;
	struct pocd_db *db = NULL;
	EVP_PKEY *k;
	struct poc_err e = { 0 };
	int rv = POCD_EXIT_OUTAGE, r;

	if (pocd_conf_load(conf_path, &c) < 0 || (k = pocd_read_private(c.signing_key)) == NULL)
		return POCD_EXIT_USAGE;
	if (pocd_db_open(c.admin_database[0] ? c.admin_database : c.database, 1, &db) == 0) {
		if (strcmp(what, "verify") == 0) {
			r = pocd_audit_verify(db, k, expect, nexpect);
			rv = r < 0 ? POCD_EXIT_OUTAGE : r ? POCD_EXIT_FAILED : POCD_EXIT_OK;
		} else if (pocd_audit_checkpoint(&e, db, k, c.replica) == 0) {
			rv = POCD_EXIT_OK;
		} else {
			pocd_warn("%s", e.msg);
		}
	}
	pocd_db_close(db);
	EVP_PKEY_free(k);
	return rv;
}

/* --config FILE as argv[i], argv[i + 1]. */
static const char *config_arg(int argc, char **argv, int i)
{
	return i + 1 < argc && strcmp(argv[i], "--config") == 0 ? argv[i + 1] : NULL;
}

/* argv[i..] are --expect REPLICA:SEQ:HASH pairs, each well formed; compacted to the anchors. */
static int expect_args(int argc, char **argv, int i)
{
	char replica[128];
	int64_t seq;
	uint8_t h[32];
	int n = i;

	for (; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--expect") != 0 ||
		    pocd_audit_anchor_parse(argv[i + 1], replica, sizeof(replica), &seq, h) < 0)
			return 0;
		argv[n++] = argv[i + 1];
	}
	return 1;
}

int main(int argc, char **argv)
{
	struct pocd p;
	const char *conf;
	int rv;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0)) {
		usage(stdout);
		return POCD_EXIT_OK;
	}
	if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
		printf("pocd (poc-pkcs11) %s\n", PACKAGE_VERSION);
		return POCD_EXIT_OK;
	}
	if (argc == 3 && strcmp(argv[2], "--help") == 0 && strcmp(argv[1], "owner") != 0) {
		usage(stdout);
		return POCD_EXIT_OK;
	}
	if (argc >= 2 && strcmp(argv[1], "owner") == 0)
		return pocd_owner_cli(argc - 1, argv + 1);
	if (argc == 4 && strcmp(argv[1], "init") == 0 && (conf = config_arg(argc, argv, 2)) != NULL)
		return cmd_init(conf);
	if (argc == 5 && strcmp(argv[1], "audit") == 0 && strcmp(argv[2], "checkpoint") == 0 &&
	    (conf = config_arg(argc, argv, 3)) != NULL)
		return cmd_audit(argv[2], conf, NULL, 0);
	if (argc >= 5 && argc % 2 == 1 && strcmp(argv[1], "audit") == 0 && strcmp(argv[2], "verify") == 0 &&
	    (conf = config_arg(argc, argv, 3)) != NULL && expect_args(argc, argv, 5))
		return cmd_audit(argv[2], conf, argv + 5, (argc - 5) / 2);
	if (argc == 4 && strcmp(argv[1], "serve") == 0 && (conf = config_arg(argc, argv, 2)) != NULL) {
		if (pocd_open(&p, conf) < 0) {
			pocd_close(&p);
			return POCD_EXIT_OUTAGE;
		}
		rv = pocd_serve(&p) == 0 ? POCD_EXIT_OK : POCD_EXIT_OUTAGE;
		pocd_close(&p);
		return rv;
	}
	usage(stderr);
	return POCD_EXIT_USAGE;
}
