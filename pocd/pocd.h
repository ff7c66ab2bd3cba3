/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pocd, the remote verifier (docs/pocd.md): the I/O around libpocremote and libpocverify.
 * conf.c reads pocd.conf; kek.c holds the key-encryption key in a PKCS#11 token; db*.c and
 * audit.c are the PostgreSQL store; http.c serves the protocol; release.c decides a release;
 * owner.c applies the owner's signed requests; owner_cli.c and main.c are the commands.
 */
#ifndef POCD_H
#define POCD_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "remote/challenge.h"
#include "verr.h"

/* Exit codes of every pocd command. */
#define POCD_EXIT_OK 0
#define POCD_EXIT_FAILED 1  /* a check failed (audit verify found tampering, an owner request refused) */
#define POCD_EXIT_USAGE 2
#define POCD_EXIT_OUTAGE 3  /* the database, the token or the network is down */

struct pocd_conf {
	char listen[64];
	int port;
	char database[1024];       /* libpq conninfo of pocd's role */
	char admin_database[1024]; /* libpq conninfo of the schema owner (pocd init) */
	char app_role[64];         /* the role pocd init grants to */
	char pkcs11_module[1024];
	char pkcs11_token[33];
	char pkcs11_pin[128];
	char kek_label[64];
	char signing_key[1024];
	char owner_key[1024];
	char replica[64];
	char tls_cert[1024], tls_key[1024]; /* both set: HTTPS through libmicrohttpd's GnuTLS */
	int threads, timeout_s, chal_ttl_s, checkpoint_every, rate_ip, rate_key;
	int conn_per_ip;         /* open connections per source address (0: no limit, behind a terminator) */
	size_t body_max;
};

/* Reads path into c (defaults first); prints why on failure. 0 or -1. */
int pocd_conf_load(const char *path, struct pocd_conf *c);
/* The same over len bytes of text (name: for messages). 0 or -1. */
int pocd_conf_parse(const char *text, size_t len, const char *name, struct pocd_conf *c);

/* ---- the key-encryption key (kek.c): AES-256 in a PKCS#11 token, CKA_SENSITIVE, not extractable ---- */
struct pocd_kek;
/* Loads the module, logs in, finds the KEK by label (create: generate it when absent). */
int pocd_kek_open(struct poc_err *e, const struct pocd_conf *c, int create, struct pocd_kek **out);
void pocd_kek_close(struct pocd_kek *k);
/* AES-256-GCM in the token: out = iv(12) || ct || tag(16) (*out malloc'd). 0 or -1. */
int pocd_kek_wrap(struct poc_err *e, struct pocd_kek *k, const uint8_t *aad, size_t aad_len, const uint8_t *pt,
		  size_t pt_len, uint8_t **out, size_t *outlen);
/* The reverse; *pt malloc'd (wipe it). POC_ERR_SIGNATURE when the tag fails. 0 or -1. */
int pocd_kek_unwrap(struct poc_err *e, struct pocd_kek *k, const uint8_t *aad, size_t aad_len, const uint8_t *in,
		    size_t inlen, uint8_t **pt, size_t *ptlen);

/* ---- the database (db.c, db_release.c, audit.c) ---- */
struct pocd_db; /* a small pool of connections */
int pocd_db_open(const char *conninfo, int size, struct pocd_db **out);
void pocd_db_close(struct pocd_db *d);
/* pocd init: the migrations as the schema owner, grants to app_role. 0 or -1 (printed). */
int pocd_db_migrate(const char *admin_conninfo, const char *app_role);

#define POCD_KID_MAX 16
struct pocd_kid {
	uint32_t kid;
	uint8_t key[32];
};
struct pocd_kids {
	size_t n;
	struct pocd_kid k[POCD_KID_MAX]; /* newest first */
};
/* Every K_kid, unwrapped with the KEK. 0, or -1 (POC_ERR_UNREACHABLE: the database is down). */
int pocd_db_kids(struct poc_err *e, struct pocd_db *d, struct pocd_kek *kek, struct pocd_kids *out);
/* A new K_kid (kid = the largest + 1), wrapped by the KEK. 0 or -1. */
int pocd_db_kid_add(struct poc_err *e, struct pocd_db *d, struct pocd_kek *kek, uint32_t *kid);

struct pocd_enrolment {
	int found, revoked;
	char *policy;
	char *identities;  /* NULL: any */
	uint8_t *files;    /* CBOR map path -> bytes */
	size_t files_len;
};
int pocd_db_enrolment(struct poc_err *e, struct pocd_db *d, const char *key_id, struct pocd_enrolment *out);
void pocd_enrolment_free(struct pocd_enrolment *en);
/* Inserts or replaces key_id's enrolment; share_wrapped from pocd_kek_wrap. */
int pocd_db_enrol(struct poc_err *e, struct pocd_db *d, const char *key_id, const char *policy,
		  const char *identities, const uint8_t *files, size_t files_len, const uint8_t *share_wrapped,
		  size_t share_wrapped_len);
/* 0 revoked, 1 no such key, -1 error. */
int pocd_db_revoke(struct poc_err *e, struct pocd_db *d, const char *key_id);
/* "key_id state created\n" lines (malloc'd). */
int pocd_db_list(struct poc_err *e, struct pocd_db *d, char **text);
/* Consumes an owner request's digest once (expiry exp): 0 fresh, 1 replay, -1 error. */
int pocd_db_consume(struct poc_err *e, struct pocd_db *d, const uint8_t *id, size_t id_len, int64_t exp);
int pocd_db_prune(struct poc_err *e, struct pocd_db *d, int64_t now);
/* Failed queries and retried transactions so far (for /metrics). */
void pocd_db_stats(struct pocd_db *d, unsigned long *errors, unsigned long *retries);
/* 1 when the database accepts writes (a primary: not in recovery, not read-only), 0 if not. */
int pocd_db_writable(struct pocd_db *d);

struct pocd_audit_row {
	int64_t at;
	const char *key_id, *client, *decision, *clause; /* clause NULL: none */
	const uint8_t *evidence_digest;                  /* 32 or NULL */
	const uint8_t *ear;
	size_t ear_len;
};
enum pocd_tx { POCD_TX_DONE = 0, POCD_TX_REPLAY = 1, POCD_TX_ERROR = -1 };
/*
 * One transaction: consume chal (0 rows: POCD_TX_REPLAY, rolled back), append the audit row to
 * this replica's chain, read key_id's wrapped share (*wrapped malloc'd).
 */
enum pocd_tx pocd_db_release(struct poc_err *e, struct pocd_db *d, const char *replica, const uint8_t *chal,
			     int64_t chal_exp, const struct pocd_audit_row *row, uint8_t **wrapped, size_t *wrapped_len,
			     int64_t *seq);
/* An audit row alone (denials). */
int pocd_db_audit(struct poc_err *e, struct pocd_db *d, const char *replica, const struct pocd_audit_row *row,
		  int64_t *seq);

/* ---- the audit chain (audit.c) ---- */
/* h = SHA-256(prev || each field length-prefixed). */
int pocd_audit_hash(const uint8_t prev[32], const char *replica, int64_t seq, const struct pocd_audit_row *row,
		    uint8_t h[32]);
/* A checkpoint of (replica, seq, hash) signed by key, stored. 0 or -1. */
int pocd_audit_checkpoint(struct poc_err *e, struct pocd_db *d, EVP_PKEY *key, const char *replica);
/* Checks every replica's chain, every checkpoint and each anchor in expect (REPLICA:SEQ:HASH, as
 * pocd logs a checkpoint); prints each finding. 0 intact, 1 tampered, -1 error. */
int pocd_audit_verify(struct pocd_db *d, EVP_PKEY *pub, char *const *expect, int nexpect);
/* REPLICA:SEQ:HASH (64 hex digits) into its parts. 0 or -1. */
int pocd_audit_anchor_parse(const char *s, char *replica, size_t n, int64_t *seq, uint8_t h[32]);

/* ---- serving (http.c, release.c, owner.c) ---- */
struct pocd_rate;
struct pocd_rate *pocd_rate_new(int per_minute);
/* 1 when key may make one more request this minute, 0 when it is over the limit. */
int pocd_rate_take(struct pocd_rate *r, const char *key, int64_t now);
void pocd_rate_free(struct pocd_rate *r);

struct pocd {
	struct pocd_conf conf;
	struct pocd_db *db;
	struct pocd_kek *kek;
	pthread_mutex_t kek_lock;
	pthread_rwlock_t kids_lock;
	struct pocd_kids kids;
	EVP_PKEY *key;         /* pocd's signing key (answers, EARs, checkpoints) */
	EVP_PKEY *owner;       /* the pinned owner public key */
	uint8_t credential_key[32];
	struct pocd_rate *rate_ip, *rate_key;
	struct pocd_metrics *metrics;
};

/* ---- metrics (metrics.c): counters for GET /metrics ---- */
struct pocd_metrics;
struct pocd_metrics *pocd_metrics_new(void);
void pocd_metrics_free(struct pocd_metrics *m);
/* One answered request: its URL, status and time in milliseconds. */
void pocd_metrics_request(struct pocd_metrics *m, const char *url, unsigned status, double ms);
/* One release decision: clause NULL for a release, else the denial's clause. */
void pocd_metrics_decision(struct pocd_metrics *m, const char *clause);
/* The Prometheus text (malloc'd; NULL when out of memory). */
char *pocd_metrics_text(struct pocd_metrics *m, struct pocd_db *db, const char *replica, size_t *len);

struct pocd_response {
	unsigned status;
	const char *type;      /* "application/cbor" or "text/plain" */
	uint8_t *body;         /* malloc'd */
	size_t len;
};
/* Sets a text response. */
void pocd_text(struct pocd_response *r, unsigned status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void pocd_challenge(struct pocd *p, const uint8_t *body, size_t len, const char *client, struct pocd_response *r);
void pocd_credential(struct pocd *p, const uint8_t *body, size_t len, const char *client, struct pocd_response *r);
void pocd_release(struct pocd *p, const uint8_t *body, size_t len, const char *client, struct pocd_response *r);
void pocd_owner(struct pocd *p, const uint8_t *body, size_t len, const char *client, struct pocd_response *r);
/* GET /healthz, /readyz, /metrics (health.c). */
void pocd_healthz(struct pocd *p, struct pocd_response *r);
void pocd_readyz(struct pocd *p, struct pocd_response *r);
void pocd_metrics_get(struct pocd *p, struct pocd_response *r);
/* Serves until SIGINT/SIGTERM. 0 or -1. */
int pocd_serve(struct pocd *p);
/* Loads the signing key, owner key, KEK, database and K_kids for serving. 0 or -1 (printed). */
int pocd_open(struct pocd *p, const char *conf_path);
void pocd_close(struct pocd *p);
int64_t pocd_now(void);
int64_t pocd_now_ms(void);
/* A PEM private / public key file. NULL (printed) on failure. */
EVP_PKEY *pocd_read_private(const char *path);
EVP_PKEY *pocd_read_public(const char *path);
void pocd_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Wipes and frees a secret from pocd_kek_unwrap or OPENSSL_secure_malloc (NULL-safe). */
void pocd_secret_free(void *p, size_t n);

#endif
