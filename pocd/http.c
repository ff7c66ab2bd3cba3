/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pocd serve: libmicrohttpd with a thread pool, a per-connection idle timeout, a deadline for
 * the body, a cap on connections per source address (slowloris) and a body cap;
 * the routes POST /v1/challenge, /v1/credential, /v1/release and /v1/owner; a rate limit per
 * source address before anything is parsed; GET /healthz, /readyz and /metrics (health.c) before it. HTTPS through libmicrohttpd's GnuTLS when
 * tls_cert and tls_key are set (a single node), else plain HTTP for a TLS terminator in front.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>
#include <openssl/crypto.h>

#include "pocd.h"

struct upload {
	uint8_t *buf;
	size_t len, cap;
	int too_big;
	int64_t start; /* the headers' arrival: the body must follow within timeout_s */
};

static void client_of(struct MHD_Connection *c, char *out, size_t n)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(out, n, "?");
	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)n);
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)n);
}

static enum MHD_Result reply(struct MHD_Connection *c, struct pocd_response *r)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(r->len, r->body ? r->body : (void *)"", MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	if (resp == NULL)
		return MHD_NO;
	if (MHD_add_response_header(resp, "Content-Type", r->type ? r->type : "text/plain") != MHD_YES) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	rc = MHD_queue_response(c, r->status ? r->status : 500, resp);
	MHD_destroy_response(resp);
	free(r->body);
	return rc;
}

static void route(struct pocd *p, const char *url, const char *method, struct upload *u, const char *client,
		  struct pocd_response *r)
{
	int post = strcmp(method, "POST") == 0, get = strcmp(method, "GET") == 0;

	if (get && strcmp(url, "/healthz") == 0)
		pocd_healthz(p, r);
	else if (get && strcmp(url, "/readyz") == 0)
		pocd_readyz(p, r);
	else if (get && strcmp(url, "/metrics") == 0)
		pocd_metrics_get(p, r);
	else if (u->too_big)
		pocd_text(r, 413, "a body over %zu bytes", p->conf.body_max);
	else if (!pocd_rate_take(p->rate_ip, client, pocd_now()))
		pocd_text(r, 429, "too many requests from %s this minute", client);
	else if (post && strcmp(url, "/v1/challenge") == 0)
		pocd_challenge(p, u->buf, u->len, client, r);
	else if (post && strcmp(url, "/v1/credential") == 0)
		pocd_credential(p, u->buf, u->len, client, r);
	else if (post && strcmp(url, "/v1/release") == 0)
		pocd_release(p, u->buf, u->len, client, r);
	else if (post && strcmp(url, "/v1/owner") == 0)
		pocd_owner(p, u->buf, u->len, client, r);
	else
		pocd_text(r, 404, "no such endpoint: %s %s", method, url);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			       const char *version, const char *data, size_t *data_size, void **con_cls)
{
	struct pocd *p = cls;
	struct upload *u = *con_cls;
	struct pocd_response r = { 0 };
	char client[64];

	(void)version;
	if (u == NULL) {
		if ((u = calloc(1, sizeof(*u))) == NULL)
			return MHD_NO;
		u->start = pocd_now();
		*con_cls = u;
		return MHD_YES;
	}
	/* The idle timeout alone lets a body trickle in forever, a byte at a time. */
	if (pocd_now() - u->start > p->conf.timeout_s)
		return MHD_NO;
	if (*data_size > 0) {
		if (!u->too_big && u->len + *data_size <= p->conf.body_max) {
			if (u->len + *data_size > u->cap) {
				size_t cap = (u->len + *data_size) * 2 > p->conf.body_max ? p->conf.body_max : (u->len + *data_size) * 2;
				uint8_t *nb = realloc(u->buf, cap);

				if (nb == NULL)
					return MHD_NO;
				u->buf = nb;
				u->cap = cap;
			}
			memcpy(u->buf + u->len, data, *data_size);
			u->len += *data_size;
		} else {
			u->too_big = 1; /* read and drop the rest, then answer 413 */
		}
		*data_size = 0;
		return MHD_YES;
	}
	client_of(c, client, sizeof(client));
	{
		int64_t t0 = pocd_now_ms();

		route(p, url, method, u, client, &r);
		pocd_metrics_request(p->metrics, url, r.status, (double)(pocd_now_ms() - t0));
	}
	return reply(c, &r);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct upload *u = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (u != NULL) {
		free(u->buf);
		free(u);
		*con_cls = NULL;
	}
}

/*
 * Every minute: prune consumed challenges, sign this replica's chain head (a checkpoint, so
 * a cut tail shows within a minute), reload K_kid (another replica may have rotated it).
 */
static void housekeeping(struct pocd *p)
{
	struct poc_err e = { 0 };
	struct pocd_kids k;

	/* A replica whose clock is behind by up to POC_CHAL_SKEW_S (what a challenge's iat
	 * tolerates) still takes a challenge this one sees expired: keep its id that much longer,
	 * or that replica would accept it a second time. */
	if (pocd_db_prune(&e, p->db, pocd_now() - POC_CHAL_SKEW_S) < 0)
		pocd_warn("prune: %s", e.msg);
	poc_err_clear(&e);
	if (pocd_audit_checkpoint(&e, p->db, p->key, p->conf.replica) < 0)
		pocd_warn("audit checkpoint: %s", e.msg);
	poc_err_clear(&e);
	pthread_mutex_lock(&p->kek_lock);
	if (pocd_db_kids(&e, p->db, p->kek, &k) == 0) {
		pthread_rwlock_wrlock(&p->kids_lock);
		p->kids = k;
		pthread_rwlock_unlock(&p->kids_lock);
	}
	pthread_mutex_unlock(&p->kek_lock);
	OPENSSL_cleanse(&k, sizeof(k));
}

/* A PEM file as a NUL-terminated string (libmicrohttpd takes TLS material from memory). */
static char *read_pem(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = f ? malloc(64 * 1024) : NULL;
	size_t n = 0;

	if (buf != NULL) {
		n = fread(buf, 1, 64 * 1024 - 1, f);
		buf[n] = '\0';
		if (ferror(f) || n == 0) {
			free(buf);
			buf = NULL;
		}
	}
	if (f != NULL)
		fclose(f);
	if (buf == NULL)
		pocd_warn("%s: cannot read", path);
	return buf;
}

static struct MHD_Daemon *start(struct pocd *p, struct sockaddr_in *sin, const char *cert, const char *key)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | (cert ? MHD_USE_TLS : 0);

	if (cert != NULL)
		return MHD_start_daemon(flags, (uint16_t)p->conf.port, NULL, NULL, handler, p, MHD_OPTION_SOCK_ADDR,
					(struct sockaddr *)sin, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)p->conf.threads,
					MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)p->conf.timeout_s,
					MHD_OPTION_NOTIFY_COMPLETED, completed, p, MHD_OPTION_HTTPS_MEM_CERT, cert,
					MHD_OPTION_HTTPS_MEM_KEY, key, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
					(unsigned)p->conf.conn_per_ip, MHD_OPTION_END);
	return MHD_start_daemon(flags, (uint16_t)p->conf.port, NULL, NULL, handler, p, MHD_OPTION_SOCK_ADDR,
				(struct sockaddr *)sin, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)p->conf.threads,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)p->conf.timeout_s, MHD_OPTION_NOTIFY_COMPLETED,
				completed, p, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)p->conf.conn_per_ip,
				MHD_OPTION_END);
}

int pocd_serve(struct pocd *p)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)p->conf.port) };
	struct MHD_Daemon *d;
	struct timespec ts = { .tv_sec = 60 };
	char *cert = NULL, *key = NULL;
	sigset_t set;
	int sig;

	if (inet_pton(AF_INET, p->conf.listen, &sin.sin_addr) != 1) {
		pocd_warn("listen = %s: not an IPv4 address", p->conf.listen);
		return -1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (p->conf.tls_cert[0] && ((cert = read_pem(p->conf.tls_cert)) == NULL || (key = read_pem(p->conf.tls_key)) == NULL)) {
		free(cert);
		return -1;
	}
	/* The PEM strings stay alive until the daemon stops: libmicrohttpd keeps the pointers. */
	if ((d = start(p, &sin, cert, key)) == NULL) {
		pocd_warn("cannot listen on %s:%d", p->conf.listen, p->conf.port);
		sig = -1;
		goto done;
	}
	printf("pocd: serving %s on %s:%d (replica %s)\n", p->conf.tls_cert[0] ? "HTTPS" : "HTTP", p->conf.listen,
	       p->conf.port, p->conf.replica);
	fflush(stdout);
	for (;;) {
		sig = sigtimedwait(&set, NULL, &ts);
		if (sig == SIGINT || sig == SIGTERM)
			break;
		housekeeping(p);
	}
	MHD_stop_daemon(d);
	sig = 0;
done:
	if (key != NULL)
		OPENSSL_cleanse(key, strlen(key));
	free(key);
	free(cert);
	return sig;
}
