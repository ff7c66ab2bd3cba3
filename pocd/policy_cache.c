/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parsed enrolled policies, shared by the serving threads: an entry per SHA-256 of (policy,
 * files), so a re-enrolment (new content) is a new entry and a stale one is never used. The
 * parse costs about as much as a sixth of an appraisal; the appraisal only reads the policy
 * (const, its certificates used through per-call X509 stores). An entry in use is never freed:
 * a full table replaces only an idle one, and a request that finds no room parses its own.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "digest.h"
#include "release_int.h"

#define CACHE_SIZE 64

struct entry {
	uint8_t id[32];
	struct poc_policy *pol;
	int refs;
	uint64_t used;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry cache[CACHE_SIZE];
static uint64_t clock_tick;

static int content_id(const struct pocd_enrolment *en, uint8_t id[32])
{
	const struct poc_piece pc[2] = { { en->policy, strlen(en->policy) + 1 }, { en->files, en->files_len } };

	return poc_digest(EVP_sha256(), pc, 2, id, NULL);
}

/* The entry for id with a reference taken, or NULL. Under the lock. */
static struct poc_policy *find_locked(const uint8_t id[32])
{
	for (int i = 0; i < CACHE_SIZE; i++)
		if (cache[i].pol != NULL && CRYPTO_memcmp(cache[i].id, id, 32) == 0) {
			cache[i].refs++;
			cache[i].used = ++clock_tick;
			return cache[i].pol;
		}
	return NULL;
}

/* Keeps pol under id (a reference taken) in an empty or the least recently used idle slot. */
static int insert_locked(const uint8_t id[32], struct poc_policy *pol)
{
	int best = -1;

	for (int i = 0; i < CACHE_SIZE; i++)
		if (cache[i].refs == 0 && (best < 0 || cache[i].pol == NULL || cache[i].used < cache[best].used)) {
			best = i;
			if (cache[i].pol == NULL)
				break;
		}
	if (best < 0)
		return -1;
	poc_policy_free(cache[best].pol);
	memcpy(cache[best].id, id, 32);
	cache[best].pol = pol;
	cache[best].refs = 1;
	cache[best].used = ++clock_tick;
	return 0;
}

int pocd_policy_get(struct poc_err *e, const struct pocd_enrolment *en, struct poc_policy **out)
{
	uint8_t id[32];
	struct poc_policy *pol = NULL, *other;

	if (content_id(en, id) < 0)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "policy digest");
	pthread_mutex_lock(&lock);
	*out = find_locked(id);
	pthread_mutex_unlock(&lock);
	if (*out != NULL)
		return 0;
	if (pocd_policy_load(e, en, &pol) < 0)
		return -1;
	pthread_mutex_lock(&lock);
	if ((other = find_locked(id)) != NULL) { /* another thread parsed it meanwhile */
		pthread_mutex_unlock(&lock);
		poc_policy_free(pol);
		*out = other;
		return 0;
	}
	if (insert_locked(id, pol) < 0) {
		pthread_mutex_unlock(&lock);
		*out = pol; /* no idle slot: this request's own copy, freed by pocd_policy_put */
		return 1;
	}
	pthread_mutex_unlock(&lock);
	*out = pol;
	return 0;
}

void pocd_policy_put(struct poc_policy *pol, int own)
{
	if (pol == NULL)
		return;
	if (own) {
		poc_policy_free(pol);
		return;
	}
	pthread_mutex_lock(&lock);
	for (int i = 0; i < CACHE_SIZE; i++)
		if (cache[i].pol == pol && cache[i].refs > 0) {
			cache[i].refs--;
			break;
		}
	pthread_mutex_unlock(&lock);
}

void pocd_policy_cache_clear(void)
{
	pthread_mutex_lock(&lock);
	for (int i = 0; i < CACHE_SIZE; i++) {
		poc_policy_free(cache[i].pol);
		memset(&cache[i], 0, sizeof(cache[i]));
	}
	pthread_mutex_unlock(&lock);
}
