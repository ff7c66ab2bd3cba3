/* SPDX-License-Identifier: Apache-2.0 */
/* Enrolments: read one, enrol (insert or replace), revoke, list. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"

int pocd_db_enrolment(struct poc_err *e, struct pocd_db *d, const char *key_id, struct pocd_enrolment *out)
{
	PGconn *c = pocd_db_get(e, d);
	PGresult *r = NULL;
	const char *v[1] = { key_id };
	int rv = -1;

	memset(out, 0, sizeof(*out));
	if (c == NULL || (r = pocd_db_q(e, c, "SELECT policy, identities, files, revoked FROM pocd_enrolment WHERE key_id = $1",
					1, v, NULL, NULL, PGRES_TUPLES_OK)) == NULL)
		goto done;
	rv = 0;
	if (PQntuples(r) != 1)
		goto done;
	out->found = 1;
	out->revoked = strcmp(PQgetvalue(r, 0, 3), "t") == 0;
	out->policy = strdup(PQgetvalue(r, 0, 0));
	out->identities = PQgetisnull(r, 0, 1) ? NULL : strdup(PQgetvalue(r, 0, 1));
	if (out->policy == NULL || (!PQgetisnull(r, 0, 1) && out->identities == NULL) ||
	    pocd_db_bytea(r, 0, 2, &out->files, &out->files_len) < 0) {
		pocd_enrolment_free(out);
		rv = poc_err_set(e, POC_ERR_NOMEM, "enrolment");
	}
done:
	PQclear(r);
	pocd_db_put(d, c);
	return rv;
}

void pocd_enrolment_free(struct pocd_enrolment *en)
{
	if (en == NULL)
		return;
	free(en->policy);
	free(en->identities);
	free(en->files);
	memset(en, 0, sizeof(*en));
}

int pocd_db_enrol(struct poc_err *e, struct pocd_db *d, const char *key_id, const char *policy,
		  const char *identities, const uint8_t *files, size_t files_len, const uint8_t *share_wrapped,
		  size_t share_wrapped_len)
{
	PGconn *c = pocd_db_get(e, d);
	PGresult *r = NULL;
	const char *v[5] = { key_id, policy, identities, (const char *)files, (const char *)share_wrapped };
	const int len[5] = { 0, 0, 0, (int)files_len, (int)share_wrapped_len }, fmt[5] = { 0, 0, 0, 1, 1 };

	if (c != NULL)
		r = pocd_db_q(e, c,
			      "INSERT INTO pocd_enrolment (key_id, policy, identities, files, share_wrapped) "
			      "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key_id) DO UPDATE SET policy = $2, identities = $3, "
			      "files = $4, share_wrapped = $5, revoked = false, revoked_at = NULL, created = now()",
			      5, v, len, fmt, PGRES_COMMAND_OK);
	pocd_db_put(d, c);
	if (r == NULL)
		return -1;
	PQclear(r);
	return 0;
}

int pocd_db_revoke(struct poc_err *e, struct pocd_db *d, const char *key_id)
{
	PGconn *c = pocd_db_get(e, d);
	PGresult *r = NULL;
	const char *v[1] = { key_id };
	int rv = -1;

	if (c != NULL &&
	    (r = pocd_db_q(e, c, "UPDATE pocd_enrolment SET revoked = true, revoked_at = now() WHERE key_id = $1", 1, v,
			   NULL, NULL, PGRES_COMMAND_OK)) != NULL)
		rv = strcmp(PQcmdTuples(r), "1") == 0 ? 0 : 1;
	PQclear(r);
	pocd_db_put(d, c);
	return rv;
}

int pocd_db_list(struct poc_err *e, struct pocd_db *d, char **text)
{
	PGconn *c = pocd_db_get(e, d);
	PGresult *r = NULL;
	size_t cap = 64, n = 0;
	int rv = -1;

	*text = NULL;
	if (c == NULL ||
	    (r = pocd_db_q(e, c, "SELECT key_id, CASE WHEN revoked THEN 'revoked' ELSE 'enrolled' END, "
				 "to_char(created AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
				 "coalesce('last-seen=' || to_char(to_timestamp(last_seen) AT TIME ZONE 'UTC', "
				 "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'last-seen=never') FROM pocd_enrolment "
				 "ORDER BY key_id", 0, NULL, NULL, NULL, PGRES_TUPLES_OK)) == NULL)
		goto done;
	for (int i = 0; i < PQntuples(r); i++)
		cap += strlen(PQgetvalue(r, i, 0)) + 80;
	if ((*text = malloc(cap)) == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "list");
		goto done;
	}
	(*text)[0] = '\0';
	for (int i = 0; i < PQntuples(r); i++)
		n += (size_t)snprintf(*text + n, cap - n, "%s %s %s %s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
				      PQgetvalue(r, i, 2), PQgetvalue(r, i, 3));
	rv = 0;
done:
	PQclear(r);
	pocd_db_put(d, c);
	return rv;
}
