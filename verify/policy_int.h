/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The policy parser's own parts (policy.c, policy_fields.c): each JSON
 * object of a policy is a table of its fields, read by one walker that
 * refuses unknown fields, checks each value's JSON type and names the
 * failing field by its path ("$.tee.debug"). Names given twice are refused
 * before (json_strict.h), on the text.
 */
#ifndef POC_POLICY_INT_H
#define POC_POLICY_INT_H

#include <stddef.h>

#include <json-c/json.h>

#include "policy.h"

struct pctx {
	struct poc_err *e;
	poc_policy_loader load;
	void *load_ctx;
};

/* A field's JSON type when the walker does not check it: the handler does, with its own message. */
#define PF_ANY (-1)

/*
 * One field of a policy object, read into dst (the struct the object fills):
 *   parse != NULL: parse(c, f, value, path of the field, dst) reads it (off
 *   may say where, e.g. poc_policy_field_certs);
 *   sub != NULL: an object of the nsub fields of sub, into the same dst;
 *   parse NULL, type json_type_boolean: an int at off, 1 or 0;
 *   parse NULL, type json_type_int: a count (int64_t >= 0) at off.
 * has (PF_HAS(type, member), or 0): an int set to 1 when the field is there.
 * missing: the error for an absent field ("required"), NULL when optional;
 * always: parse is called for an absent field too, with a NULL value (as for
 * a JSON null, which only a type check or the handler refuses).
 */
struct pfield {
	const char *name;
	int type;
	int (*parse)(struct pctx *c, const struct pfield *f, json_object *v, const char *path, void *dst);
	const struct pfield *sub;
	size_t nsub;
	size_t off;
	size_t has;
	const char *missing;
	int always;
};

#define PF_HAS(type, member) (offsetof(type, member) + 1)

/* The level clauses (policy_reference.c): $.assurance and $.reference, as field handlers. */
int poc_policy_parse_assurance(struct pctx *c, const struct pfield *f, json_object *v, const char *path, void *dst);
int poc_policy_parse_reference(struct pctx *c, const struct pfield *f, json_object *v, const char *path, void *dst);

/* $.platforms.poca (policy_platforms.c), as a field handler. */
int poc_policy_parse_poca(struct pctx *c, const struct pfield *f, json_object *v, const char *path, void *dst);

/* "a string", "an object"... */
const char *poc_policy_type_name(json_type t);
/* o has JSON type t, else POC_ERR_MALFORMED "policy PATH: expected T, found U". */
int poc_policy_want(struct pctx *c, json_object *o, json_type t, const char *path);
/*
 * Reads the object o at path through its field table: o must be an object of
 * the table's fields only, read in table order. 0 or -1.
 */
int poc_policy_fields(struct pctx *c, json_object *o, const char *path, const struct pfield *f, size_t nf,
		      void *dst);
/* A JSON array of certificate file names (loaded by c->load) -> one stack of certificates. */
int poc_policy_certs(struct pctx *c, json_object *arr, const char *path, STACK_OF(X509) **out);
/* The same as a field handler: the stack goes to the STACK_OF(X509) * at f->off of dst. */
int poc_policy_field_certs(struct pctx *c, const struct pfield *f, json_object *v, const char *path, void *dst);
/* ["hex", ...] of exactly len bytes each. */
int poc_policy_values(struct pctx *c, json_object *arr, size_t len, const char *path, struct poc_policy_values *out);
/* The JSON text -> its root object, strictly (no trailing data, no duplicate names). NULL with e set. */
json_object *poc_policy_json(struct poc_err *e, const char *json, size_t len);

#endif
