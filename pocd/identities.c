/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An enrolment's allowed identities (docs/pocd.md "Owner interface"): a JSON object whose
 * every field must match what the appraisal established from the AK certificate:
 *   {"provider": text, "gce_project": text, "gce_instance_id": uint, "gce_zone": text}
 * Unknown fields are refused at enrolment, so a typo never widens the match.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "identities.h"

static const char *const NAMES[] = { "provider", "gce_project", "gce_instance_id", "gce_zone" };

/* The observed value of field i (text), or NULL when the evidence established none. */
static const char *observed(const struct poc_appraisal *a, int i, char *buf, size_t n)
{
	switch (i) {
	case 0: return a->provider[0] ? a->provider : NULL;
	case 1: return a->gce.present ? a->gce.project_id : NULL;
	case 2:
		if (!a->gce.present)
			return NULL;
		snprintf(buf, n, "%llu", (unsigned long long)a->gce.instance_id);
		return buf;
	default: return a->gce.present ? a->gce.zone : NULL;
	}
}

int pocd_identities_check(const char *json, const struct poc_appraisal *a, char *clause, size_t clause_n,
			  char *reason, size_t reason_n)
{
	struct json_object *o = json ? json_tokener_parse(json) : NULL;
	int rv = 0;

	if (json == NULL)
		return 0;
	if (o == NULL || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		snprintf(clause, clause_n, "$.identities");
		snprintf(reason, reason_n, "not a JSON object");
		return -1;
	}
	json_object_object_foreach(o, key, val)
	{
		int i, want_int;
		char buf[32];
		const char *obs, *want;

		for (i = 0; i < 4 && strcmp(NAMES[i], key) != 0; i++)
			;
		want_int = i == 2;
		snprintf(clause, clause_n, "$.identities.%s", i < 4 ? NAMES[i] : "?");
		if (i == 4 || (want_int ? !json_object_is_type(val, json_type_int) : !json_object_is_type(val, json_type_string))) {
			snprintf(reason, reason_n, "an unknown field or a wrong type");
			rv = -1;
			break;
		}
		if (a == NULL)
			continue; /* validating an enrolment */
		want = json_object_get_string(val);
		obs = observed(a, i, buf, sizeof(buf));
		if (obs == NULL || strcmp(obs, want) != 0) {
			snprintf(reason, reason_n, "the evidence names %s, the enrolment allows %s", obs ? obs : "none", want);
			rv = 1;
			break;
		}
	}
	json_object_put(o);
	if (rv == 0) {
		clause[0] = '\0';
		reason[0] = '\0';
	}
	return rv;
}
