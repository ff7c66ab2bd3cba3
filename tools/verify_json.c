/* SPDX-License-Identifier: Apache-2.0 */
/* The JSON form of an appraisal's verdict (verify_json.h). */
#include "verify_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "verr.h"

static void add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v != NULL && v[0] != '\0' ? json_object_new_string(v) : NULL);
}

void poc_tool_iso_time(int64_t t, char *out, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;

	out[0] = '\0';
	if (gmtime_r(&tt, &tm) != NULL)
		strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

char *poc_tool_record_json_times(const char *json)
{
	json_object *o = json_tokener_parse(json), *claims, *iat;
	char when[32], *out;

	if (o == NULL)
		return strdup(json);
	if (json_object_object_get_ex(o, "claims", &claims) && json_object_object_get_ex(claims, "iat", &iat) &&
	    json_object_is_type(iat, json_type_int)) {
		poc_tool_iso_time(json_object_get_int64(iat), when, sizeof(when));
		json_object_object_add(claims, "iat_utc", json_object_new_string(when));
	}
	out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return out;
}

void poc_tool_verify_json(const struct poc_appraisal *a, int accepted, int64_t at)
{
	json_object *o = json_object_new_object(), *notes = json_object_new_array();
	enum poc_ear_status st = a->tee > a->vtpm ? a->tee : a->vtpm;
	char when[32];
	size_t i;

	st = a->poc > st ? a->poc : st;
	if (accepted && a->warn_clause[0] && st < POC_EAR_WARNING)
		st = POC_EAR_WARNING;
	poc_tool_iso_time(at, when, sizeof(when));
	add_str(o, "verdict", accepted ? "accepted" : "denied");
	add_str(o, "status", accepted ? poc_ear_status_name(st) : "contraindicated");
	add_str(o, "clause", accepted ? NULL : a->clause);
	add_str(o, "reason", accepted ? NULL : a->reason);
	add_str(o, "error", accepted ? NULL : poc_strerror(a->code));
	add_str(o, "warning_clause", a->warn_clause);
	add_str(o, "warning", a->warning);
	add_str(o, "verified_at", when);
	json_object_object_add(o, "verified_at_unix", json_object_new_int64(at));
	json_object_object_add(o, "nonce_checked", json_object_new_boolean(a->nonce_checked));
	add_str(o, "tee", poc_ear_status_name(a->tee));
	add_str(o, "vtpm", poc_ear_status_name(a->vtpm));
	add_str(o, "poc", poc_ear_status_name(a->poc));
	add_str(o, "provider", a->provider);
	add_str(o, "provider_chain", a->provider_chain);
	add_str(o, "platform", a->platform);
	add_str(o, "tcb_status", a->tcb_status);
	add_str(o, "tcb_date", a->tcb_date);
	for (i = 0; i < a->nnotes; i++)
		json_object_array_add(notes, json_object_new_string(a->notes[i]));
	json_object_object_add(o, "notes", notes);
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}
