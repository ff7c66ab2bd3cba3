/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What json-c accepts silently and a policy must not: a member name given
 * twice in one object (json-c keeps the last, so a reviewer reading the first
 * sees another policy than the verifier applies), and NUL characters in names
 * or strings ("tee\u0000" is "tee" to every C string function). Lone UTF-16
 * surrogates are refused too, so two spellings of a name never decode alike.
 */
#ifndef POC_JSON_STRICT_H
#define POC_JSON_STRICT_H

#include <stddef.h>

#include <json-c/json.h>

#include "verr.h"

/*
 * Scans JSON text (already accepted by json-c) for the above, at every
 * nesting level; names are compared after unescaping ("e\u0076" is "ev").
 * POC_ERR_MALFORMED naming what (e.g. "policy") and the JSON path of the
 * object, e.g. "policy $.vtpm: field \"eventlog\" appears twice".
 */
int poc_json_check_strict(struct poc_err *e, const char *json, size_t len, const char *what);

/*
 * JSON text -> its root value (json_object_put it): one document in json-c's
 * strict mode, nothing after it but white space, then poc_json_check_strict.
 * NULL with POC_ERR_MALFORMED "WHAT: not valid JSON at byte N (why)".
 */
json_object *poc_json_parse_strict(struct poc_err *e, const char *json, size_t len, const char *what);

#endif
