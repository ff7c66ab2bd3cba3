#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# haproxy in front of pocd replicas (docs/pocd-cluster.md), sourced: haproxy_conf FILE PORT
# SOCKET BACKEND_PORT... writes a configuration that health-checks each replica's /readyz
# (every 500 ms, out after 2 failures, back after 1 success), retries a refused connection on
# another replica (only before a request was sent), limits each source address with a
# stick-table (http_req_rate over 10 s; 429 above HAPROXY_RATE, default 2000), and opens the
# runtime API on SOCKET (set server pocd/rN state drain|ready).
haproxy_conf() {
	local f=$1 port=$2 sock=$3 i=0
	shift 3
	cat >"$f" <<CONF
global
	stats socket $sock mode 600 level admin
	maxconn 512
defaults
	mode http
	timeout connect 2s
	timeout client 30s
	timeout server 30s
	retries 2
	option redispatch
	retry-on conn-failure
frontend pocd_in
	bind 127.0.0.1:$port
	stick-table type ip size 100k expire 60s store http_req_rate(10s)
	http-request track-sc0 src
	http-request deny deny_status 429 if { sc_http_req_rate(0) gt ${HAPROXY_RATE:-2000} }
	default_backend pocd
backend pocd
	balance roundrobin
	option httpchk GET /readyz
	http-check expect status 200
	default-server inter 500ms fall 2 rise 1
CONF
	for p in "$@"; do
		i=$((i + 1))
		printf '\tserver r%d 127.0.0.1:%s check\n' "$i" "$p" >>"$f"
	done
}
