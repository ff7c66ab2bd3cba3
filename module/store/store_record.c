/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An object's last record (store.h): "<object>.record" next to the object
 * file. The one place that names the file; the token writes it after each
 * check, poctool shows it, the module removes it with the object and before
 * a check that may sign none (so a stale record is never shown).
 */
#include "store/store.h"

#include <stdio.h>

#define RECORD_SUFFIX ".record"

static int record_name(struct poc_err *e, const char *object, char out[POC_STORE_NAME_MAX + 8])
{
	int n = snprintf(out, POC_STORE_NAME_MAX + 8, "%s" RECORD_SUFFIX, object);

	if (n < 0 || n >= POC_STORE_NAME_MAX + 8)
		return poc_err_set(e, POC_ERR_ARG, "store: object name too long for its record");
	return 0;
}

int poc_store_record_put(struct poc_err *e, struct poc_store *s, const char *object, const uint8_t *rec, size_t len)
{
	char name[POC_STORE_NAME_MAX + 8];

	if (record_name(e, object, name) < 0)
		return -1;
	return poc_store_put_cache(e, s, name, rec, len);
}

int poc_store_record_get(struct poc_err *e, struct poc_store *s, const char *object, uint8_t **rec, size_t *len)
{
	char name[POC_STORE_NAME_MAX + 8];

	*rec = NULL;
	*len = 0;
	if (record_name(e, object, name) < 0)
		return -1;
	return poc_store_get(e, s, name, rec, len);
}

int poc_store_record_remove(struct poc_err *e, struct poc_store *s, const char *object)
{
	char name[POC_STORE_NAME_MAX + 8];

	if (record_name(e, object, name) < 0)
		return -1;
	return poc_store_remove(e, s, name);
}
