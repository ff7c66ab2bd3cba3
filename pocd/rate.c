/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Rate limits: a fixed one-minute window per key (a source address, a key_id) in a table of
 * buckets hashed by the key. Two keys sharing a bucket share its budget: a collision limits
 * sooner, never later.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pocd.h"

#define BUCKETS 4096

struct pocd_rate {
	pthread_mutex_t lock;
	int per_minute;
	int64_t window[BUCKETS];
	int count[BUCKETS];
};

struct pocd_rate *pocd_rate_new(int per_minute)
{
	struct pocd_rate *r = calloc(1, sizeof(*r));

	if (r == NULL || pthread_mutex_init(&r->lock, NULL) != 0) {
		free(r);
		return NULL;
	}
	r->per_minute = per_minute;
	return r;
}

static size_t bucket(const char *key)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a: spreading, not security (the budget is per bucket) */

	for (; *key; key++)
		h = (h ^ (uint8_t)*key) * 1099511628211ull;
	return (size_t)(h % BUCKETS);
}

int pocd_rate_take(struct pocd_rate *r, const char *key, int64_t now)
{
	size_t b = bucket(key);
	int ok;

	pthread_mutex_lock(&r->lock);
	if (r->window[b] != now / 60) {
		r->window[b] = now / 60;
		r->count[b] = 0;
	}
	ok = r->count[b] < r->per_minute;
	if (ok)
		r->count[b]++;
	pthread_mutex_unlock(&r->lock);
	return ok;
}

void pocd_rate_free(struct pocd_rate *r)
{
	if (r == NULL)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r);
}
