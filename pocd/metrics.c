/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET /metrics in Prometheus' text format (docs/pocd-cluster.md "Metrics"): requests by route
 * and status, decisions by clause, a release latency histogram, database errors and retries.
 * Counters live in one struct under one mutex; a clause beyond POCD_CLAUSES_MAX distinct ones
 * is counted as "other".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pocd.h"

#define POCD_CLAUSES_MAX 64
#define NROUTES 6
#define NSTATUS 12

static const char *const ROUTES[NROUTES] = { "challenge", "credential", "release", "owner", "health", "other" };
static const unsigned STATUS[NSTATUS] = { 200, 400, 401, 403, 404, 409, 413, 429, 500, 503, 0 /* other */, 0 };
static const double BUCKETS_MS[] = { 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000 };
#define NBUCKETS (sizeof(BUCKETS_MS) / sizeof(BUCKETS_MS[0]))

struct pocd_metrics {
	pthread_mutex_t lock;
	unsigned long req[NROUTES][NSTATUS];
	unsigned long lat[NROUTES][NBUCKETS + 1];
	double lat_sum[NROUTES];
	unsigned long lat_n[NROUTES];
	struct {
		char clause[64];
		unsigned long n;
	} dec[POCD_CLAUSES_MAX + 1];
	size_t ndec;
	unsigned long released;
};

struct pocd_metrics *pocd_metrics_new(void)
{
	struct pocd_metrics *m = calloc(1, sizeof(*m));

	if (m != NULL && pthread_mutex_init(&m->lock, NULL) != 0) {
		free(m);
		m = NULL;
	}
	return m;
}

void pocd_metrics_free(struct pocd_metrics *m)
{
	if (m == NULL)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m);
}

static size_t route_ix(const char *url)
{
	static const char *const URLS[4] = { "/v1/challenge", "/v1/credential", "/v1/release", "/v1/owner" };

	for (size_t i = 0; i < 4; i++)
		if (strcmp(url, URLS[i]) == 0)
			return i;
	if (strcmp(url, "/healthz") == 0 || strcmp(url, "/readyz") == 0 || strcmp(url, "/metrics") == 0)
		return 4;
	return 5;
}

void pocd_metrics_request(struct pocd_metrics *m, const char *url, unsigned status, double ms)
{
	size_t ri = route_ix(url), si = NSTATUS - 2, b = 0;

	for (size_t i = 0; i < NSTATUS - 2; i++)
		if (STATUS[i] == status)
			si = i;
	while (b < NBUCKETS && ms > BUCKETS_MS[b])
		b++;
	pthread_mutex_lock(&m->lock);
	m->req[ri][si]++;
	m->lat[ri][b]++;
	m->lat_sum[ri] += ms;
	m->lat_n[ri]++;
	pthread_mutex_unlock(&m->lock);
}

void pocd_metrics_decision(struct pocd_metrics *m, const char *clause)
{
	const char *c = clause ? clause : "";
	size_t i;

	pthread_mutex_lock(&m->lock);
	if (clause == NULL)
		m->released++;
	else {
		for (i = 0; i < m->ndec && strcmp(m->dec[i].clause, c) != 0; i++)
			;
		if (i == m->ndec && m->ndec < POCD_CLAUSES_MAX)
			snprintf(m->dec[m->ndec++].clause, sizeof(m->dec[0].clause), "%s", c);
		else if (i == m->ndec)
			i = POCD_CLAUSES_MAX; /* "other" */
		m->dec[i].n++;
	}
	pthread_mutex_unlock(&m->lock);
}

/* Appends printf output to a growing buffer; a failed allocation leaves *b NULL. */
static void put(char **b, size_t *n, size_t *cap, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void put(char **b, size_t *n, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*b == NULL)
		return;
	if (*cap - *n < 256) {
		char *nb = realloc(*b, *cap * 2);

		if (nb == NULL) {
			free(*b);
			*b = NULL;
			return;
		}
		*b = nb;
		*cap *= 2;
	}
	va_start(ap, fmt);
	k = vsnprintf(*b + *n, *cap - *n, fmt, ap);
	va_end(ap);
	if (k > 0 && (size_t)k < *cap - *n)
		*n += (size_t)k;
}

static void histogram(const struct pocd_metrics *m, char **b, size_t *n, size_t *cap)
{
	put(b, n, cap, "# HELP pocd_request_duration_seconds Time from the request's last byte to its answer.\n"
		       "# TYPE pocd_request_duration_seconds histogram\n");
	for (size_t r = 0; r < NROUTES; r++) {
		unsigned long acc = 0;

		if (m->lat_n[r] == 0)
			continue;
		for (size_t i = 0; i <= NBUCKETS; i++) {
			acc += m->lat[r][i];
			if (i < NBUCKETS)
				put(b, n, cap, "pocd_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %lu\n", ROUTES[r],
				    BUCKETS_MS[i] / 1000.0, acc);
			else
				put(b, n, cap, "pocd_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %lu\n", ROUTES[r],
				    acc);
		}
		put(b, n, cap, "pocd_request_duration_seconds_sum{route=\"%s\"} %.6f\n", ROUTES[r], m->lat_sum[r] / 1000.0);
		put(b, n, cap, "pocd_request_duration_seconds_count{route=\"%s\"} %lu\n", ROUTES[r], m->lat_n[r]);
	}
}

char *pocd_metrics_text(struct pocd_metrics *m, struct pocd_db *db, const char *replica, size_t *len)
{
	size_t n = 0, cap = 4096;
	char *b = malloc(cap);
	unsigned long errors = 0, retries = 0;

	pocd_db_stats(db, &errors, &retries);
	pthread_mutex_lock(&m->lock);
	put(&b, &n, &cap, "# HELP pocd_requests_total HTTP requests by route and status.\n"
			  "# TYPE pocd_requests_total counter\n");
	for (size_t r = 0; r < NROUTES; r++)
		for (size_t s = 0; s < NSTATUS - 1; s++)
			if (m->req[r][s] != 0 && STATUS[s] != 0)
				put(&b, &n, &cap, "pocd_requests_total{replica=\"%s\",route=\"%s\",status=\"%u\"} %lu\n",
				    replica, ROUTES[r], STATUS[s], m->req[r][s]);
			else if (m->req[r][s] != 0)
				put(&b, &n, &cap, "pocd_requests_total{replica=\"%s\",route=\"%s\",status=\"other\"} %lu\n",
				    replica, ROUTES[r], m->req[r][s]);
	put(&b, &n, &cap, "# HELP pocd_decisions_total Release decisions: release, or deny by the failing clause.\n"
			  "# TYPE pocd_decisions_total counter\n"
			  "pocd_decisions_total{decision=\"release\",clause=\"\"} %lu\n", m->released);
	for (size_t i = 0; i <= POCD_CLAUSES_MAX; i++)
		if (m->dec[i].n != 0)
			put(&b, &n, &cap, "pocd_decisions_total{decision=\"deny\",clause=\"%s\"} %lu\n",
			    i == POCD_CLAUSES_MAX ? "other" : m->dec[i].clause, m->dec[i].n);
	histogram(m, &b, &n, &cap);
	pthread_mutex_unlock(&m->lock);
	put(&b, &n, &cap, "# HELP pocd_database_errors_total Failed database queries and connections.\n"
			  "# TYPE pocd_database_errors_total counter\npocd_database_errors_total %lu\n"
			  "# HELP pocd_database_retries_total Transactions retried after a failover.\n"
			  "# TYPE pocd_database_retries_total counter\npocd_database_retries_total %lu\n",
	    errors, retries);
	*len = b ? n : 0;
	return b;
}
