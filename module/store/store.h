/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The token folder store/<token label>/ (DESIGN.md section 5): token.cbor with
 * the token's metadata, and one file per sealed object. Writes are atomic
 * (temporary file in the same folder, fsync, rename, fsync of the folder); a
 * store opened without create never writes, so a read-only folder still
 * serves get and list.
 *
 * token.cbor = { "schema": 2, "label": tstr, "created": uint (UNIX time),
 *                "token_id": bstr(16) (random at init),
 *                "policy_json": bstr, "policy_digest": bstr(32) (SHA-256 of policy_json),
 *                "policy_files": { tstr (store name "policy-<hex>") => bstr(32) (its SHA-256) },
 *                "pcr_bank": uint, "pcr_mask": uint, "has_pin": bool,
 *                "pin_failures": uint (always 0: the PIN counter is the TPM's),
 *                "verifier_spki": bstr (DER),
 *                "verifier_key": bstr (the verifier private key as a sealed object),
 *                "denial_spki": bstr, "denial_key": bstr, "pcr_values": bstr,
 *                "srk_name": bstr(34) (nameAlg SHA-256 || SHA-256 of the SRK's public area),
 *                "pin_nv": uint, "pin_nv_name": bstr(34) (a PIN token's PIN counter in
 *                the TPM, tpm_pin.h: both or neither),
 *                "so_nv": uint, "so_nv_name": bstr(34) (its SO PIN's counter: both or neither),
 *                "policy_key_spki": bstr (DER), "epoch_nv": uint, "epoch_nv_name": bstr(34)
 *                (a signed-PCR-policy token's policy key and epoch counter, tpm_epoch.h:
 *                all three or none; docs/updates.md),
 *                "state_sig": bstr (DER ECDSA-SHA256 by the verifier key) }
 *
 * state_sig signs every other entry of the map (token_state.h): nothing in
 * token.cbor changes after init, the PIN count is in the TPM (token_pin.h).
 * An entry added to this map later is signed without any change there; one
 * that had to change after init would have to be re-signed by the verifier
 * key, or be kept out of the signature (token_state.c) and then decide
 * nothing. Schema 1 tokens (no token_id, no state_sig) are refused:
 * re-create them.
 */
#ifndef POC_STORE_H
#define POC_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "verr.h"

#define POC_TOKEN_LABEL_MAX 32          /* bytes: CK_TOKEN_INFO.label */
#define POC_STORE_FILE_MAX (16u << 20)  /* bytes of one stored file */
#define POC_STORE_TOKEN_FILE "token.cbor"
#define POC_TOKEN_SCHEMA 2
#define POC_TOKEN_FILES_MAX 256      /* files a token's policy may name */
#define POC_TOKEN_SRK_NAME_LEN 34    /* TPM2_ALG_SHA256 (2 bytes) || SHA-256 */
#define POC_TOKEN_PIN_NV_NAME_LEN 34 /* the PIN counter's name: TPM2_ALG_SHA256 || SHA-256 of its NV public area */
#define POC_TOKEN_SIG_MAX 160        /* bytes of a DER ECDSA P-256 signature, with room */

struct poc_store;

/* A file the token's policy names, copied into the token: its store name and SHA-256. */
struct poc_token_file {
	char name[80];                           /* "policy-" + 64 hex digits */
	uint8_t digest[32];
};

struct poc_token_meta {
	uint64_t schema;                         /* POC_TOKEN_SCHEMA */
	char label[POC_TOKEN_LABEL_MAX + 1];
	uint64_t created;                        /* UNIX time */
	uint8_t token_id[16];                    /* POC_TOKEN_ID_LEN random bytes: objects are bound to it */
	struct poc_token_file *files;            /* the policy's files, in the order it loads them */
	size_t nfiles;
	uint8_t *policy_json;                    /* a copy of the default policy JSON */
	size_t policy_json_len;
	uint8_t policy_digest[32];               /* SHA-256 of policy_json; computed on write, checked on read */
	uint16_t pcr_bank;                       /* TPM2_ALG_* */
	uint32_t pcr_mask;
	int has_pin;
	uint32_t pin_failures;                   /* always 0, signed: the PIN counter is in the TPM (pin_nv) */
	uint8_t *verifier_spki;                  /* the record signing key's SubjectPublicKeyInfo, or NULL */
	size_t verifier_spki_len;
	uint8_t *verifier_key;                   /* its private key, wrapped as a sealed object, or NULL */
	size_t verifier_key_len;
	/*
	 * The denial key: signs only records with status contraindicated, and is
	 * sealed to the TPM (no PCRs, no PIN), so that a changed PCR, which locks
	 * the verifier key, still leaves a signed denial record. NULL in old tokens.
	 */
	uint8_t *denial_spki;
	size_t denial_spki_len;
	uint8_t *denial_key;
	size_t denial_key_len;
	uint8_t *pcr_values;                     /* the sealed PCRs' values at init (index order), or NULL */
	size_t pcr_values_len;
	uint8_t *srk_name;                       /* the TPM's SRK at init (pinned for every session) */
	size_t srk_name_len;                     /* POC_TOKEN_SRK_NAME_LEN */
	/* A PIN token's PIN counter (tpm_pin.h): its NV handle and name; NULL name: none (a token without PIN). */
	uint32_t pin_nv;
	uint8_t *pin_nv_name;
	size_t pin_nv_name_len;                  /* POC_TOKEN_PIN_NV_NAME_LEN */
	/* The SO PIN's counter (docs/pin.md "The Security Officer"); NULL name: the token has no SO PIN. */
	uint32_t so_nv;
	uint8_t *so_nv_name;
	size_t so_nv_name_len;                   /* POC_TOKEN_PIN_NV_NAME_LEN */
	/*
	 * A signed-PCR-policy token (docs/updates.md): the policy key that approves
	 * PCR policies (DER SPKI) and the epoch counter (tpm_epoch.h); NULL: a
	 * literal PolicyPCR token.
	 */
	uint8_t *policy_key_spki;
	size_t policy_key_spki_len;
	uint32_t epoch_nv;
	uint8_t *epoch_nv_name;
	size_t epoch_nv_name_len;                /* 34 */
	uint8_t *state_sig;                      /* token_state.h; NULL only before poc_token_state_sign */
	size_t state_sig_len;
	/* Not stored: the bytes state_sig signs, as decoded from the file (token_state.h). */
	uint8_t *state_tbs;
	size_t state_tbs_len;
};

/*
 * Checks a token label: 1..32 bytes, no '/', no "..", no control bytes, no
 * trailing space (PKCS#11 pads labels with spaces, so it would not round trip).
 */
int poc_store_label_check(struct poc_err *e, const char *label);

/*
 * Opens root/<token_label>/. With create, makes missing folders (0700);
 * without, the folder must exist and nothing is written.
 */
int poc_store_open(struct poc_err *e, const char *root, const char *token_label, int create, struct poc_store **out);
void poc_store_close(struct poc_store *s); /* NULL-safe */
const char *poc_store_dir(const struct poc_store *s);
const char *poc_store_label(const struct poc_store *s);

/*
 * File names are one path component: 1..200 bytes of [A-Za-z0-9._%-], not
 * starting with '.' (temporary files are ".name.XXXXXX").
 */
int poc_store_put(struct poc_err *e, struct poc_store *s, const char *name, const uint8_t *buf, size_t len);
/*
 * The same, atomic (never a torn file) but not durable (no fsync): for
 * copies of what lives elsewhere, such as an object's last record, which a
 * release keeps in memory and must not wait for the disk to write.
 */
int poc_store_put_cache(struct poc_err *e, struct poc_store *s, const char *name, const uint8_t *buf, size_t len);
/* *buf is malloc'ed; POC_ERR_ARG with "not found" when absent. */
int poc_store_get(struct poc_err *e, struct poc_store *s, const char *name, uint8_t **buf, size_t *len);
int poc_store_remove(struct poc_err *e, struct poc_store *s, const char *name);
/* Regular files whose name ends with suffix (NULL: all but token.cbor), sorted; free with poc_store_list_free. */
int poc_store_list(struct poc_err *e, struct poc_store *s, const char *suffix, char ***names, size_t *n);
void poc_store_list_free(char **names, size_t n);

/*
 * The file name of an object: "<class>-<hex id>.obj" (class: data, cert,
 * pub, priv, secret) for ids of 1..64 bytes; with no id, "<class>-l-<label>.obj"
 * with the label %XX-escaped outside [A-Za-z0-9_-]; when that is too long,
 * "<class>-s-<hex SHA-256 of the id or label>.obj". out needs POC_STORE_NAME_MAX.
 */
#define POC_STORE_NAME_MAX 201
int poc_store_object_name(struct poc_err *e, unsigned long class, const uint8_t *id, size_t id_len, const char *label,
			  char out[POC_STORE_NAME_MAX]);

/*
 * An object's last record, "<object>.record" (store_record.c, the one place
 * that names it): written as a cache (poc_store_put_cache), read (*rec
 * malloc'ed; "not found" when absent), removed.
 */
int poc_store_record_put(struct poc_err *e, struct poc_store *s, const char *object, const uint8_t *rec, size_t len);
int poc_store_record_get(struct poc_err *e, struct poc_store *s, const char *object, uint8_t **rec, size_t *len);
int poc_store_record_remove(struct poc_err *e, struct poc_store *s, const char *object);

/*
 * Stages (store_swap.c): a token folder replaced as a whole. poc_store_stage
 * makes root/.<label>.stage-XXXXXX, a store of the same label to write the
 * new files into; poc_store_stage_commit swaps it with s's folder in one
 * renameat2(RENAME_EXCHANGE), after which s holds the new files and stage
 * the old ones (poc_store_destroy them). A crash leaves the old folder or the
 * new one, and a stage folder: poc_store_stages lists those of s's label
 * (each a store to inspect, then destroy; close each and free the array).
 */
int poc_store_stage(struct poc_err *e, const struct poc_store *s, struct poc_store **stage);
int poc_store_stage_commit(struct poc_err *e, struct poc_store *s, struct poc_store *stage);
int poc_store_stages(struct poc_err *e, const struct poc_store *s, struct poc_store ***out, size_t *n);
/* One stage of a token at a time: an exclusive flock on root/.<label>.lock (*fd; unlock closes it). */
int poc_store_stage_lock(struct poc_err *e, const struct poc_store *s, int *fd);
void poc_store_stage_unlock(int fd);
/* Removes the folder of s and every file in it (token folders are flat). s must still be closed. */
int poc_store_destroy(struct poc_err *e, struct poc_store *s);

/*
 * Writes token.cbor (the signature must already be in m: an unsigned state
 * is refused). Reading decodes strictly and keeps what state_sig signs in
 * m->state_tbs: nothing read is authenticated until token_state.h's
 * poc_token_state_verify succeeds with the unsealed verifier key.
 */
int poc_store_token_write(struct poc_err *e, struct poc_store *s, const struct poc_token_meta *m);
int poc_store_token_read(struct poc_err *e, struct poc_store *s, struct poc_token_meta *m);
/* Also the pure halves, for tests and tools. Encoding an unsigned m (state_sig NULL) leaves the entry out. */
int poc_token_meta_encode(struct poc_err *e, const struct poc_token_meta *m, uint8_t **out, size_t *out_len);
int poc_token_meta_decode(struct poc_err *e, const uint8_t *buf, size_t len, struct poc_token_meta *m);
void poc_token_meta_free(struct poc_token_meta *m); /* NULL-safe; cleanses the wrapped key copy */

#define POC_TOKEN_STATE_CONTEXT "poc-pkcs11/v1/token-state"

/*
 * The bytes state_sig signs, from the bytes of a token.cbor: *tbs is
 * malloc'ed. The only unsigned entry is "state_sig" itself: nothing in
 * token.cbor is written after init (the PIN counter is in the TPM,
 * token_pin.h), so pin_nv and pin_nv_name are signed like the rest.
 */
int poc_token_state_tbs(struct poc_err *e, const uint8_t *file, size_t len, uint8_t **tbs, size_t *tbs_len);

#endif
