/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET /healthz (the process serves), /readyz (the database accepts writes and the keys are
 * loaded: what haproxy's health check asks, so a replica without a primary leaves the
 * rotation), /metrics (metrics.c). Answered before the per-address rate limit.
 */
#include <stdlib.h>
#include <string.h>

#include "pocd.h"

void pocd_healthz(struct pocd *p, struct pocd_response *r)
{
	pocd_text(r, 200, "ok %s\n", p->conf.replica);
}

void pocd_readyz(struct pocd *p, struct pocd_response *r)
{
	size_t nk;

	pthread_rwlock_rdlock(&p->kids_lock);
	nk = p->kids.n;
	pthread_rwlock_unlock(&p->kids_lock);
	if (p->key == NULL || p->kek == NULL || nk == 0)
		pocd_text(r, 503, "not ready: keys not loaded\n");
	else if (!pocd_db_writable(p->db))
		pocd_text(r, 503, "not ready: no writable primary\n");
	else
		pocd_text(r, 200, "ready %s\n", p->conf.replica);
}

void pocd_metrics_get(struct pocd *p, struct pocd_response *r)
{
	size_t len = 0;
	char *t = pocd_metrics_text(p->metrics, p->db, p->conf.replica, &len);

	if (t == NULL) {
		pocd_text(r, 500, "out of memory");
		return;
	}
	free(r->body);
	r->body = (uint8_t *)t;
	r->len = len;
	r->status = 200;
	r->type = "text/plain; version=0.0.4";
}
