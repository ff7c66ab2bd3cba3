#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Test harness: source this file, then call `poc_swtpm_start NAME`. It gives the test a
# private swtpm (EK + platform certificates from a CA local to the test: a copy of the suite's
# manufactured state, POC_SWTPM_TEMPLATE, made once by tests/swtpm-template.sh; without one,
# manufactured here), starts it on free loopback ports and exports POC_TCTI / TPM2TOOLS_TCTI. Everything lives under
# $POC_TEST_TMP, and an EXIT trap stops every swtpm this shell started and removes the
# folder, on success and on failure alike.
set -u

POC_TEST_TMP=${POC_TEST_TMP:-$(mktemp -d "${TMPDIR:-/tmp}/poc-test.XXXXXX")}
export POC_TEST_TMP
_poc_swtpm_pids=()

poc_cleanup() {
	local p
	for p in "${_poc_swtpm_pids[@]:-}"; do
		[ -n "$p" ] || continue
		kill "$p" 2>/dev/null
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	_poc_swtpm_pids=()
	[ -n "${POC_KEEP_TMP:-}" ] || rm -rf "$POC_TEST_TMP"
}
trap poc_cleanup EXIT
trap 'exit 130' INT TERM

# A free TCP port pair (P, P+1) on 127.0.0.1: bind-test with bash's /dev/tcp (connect
# refused means nobody listens); the start loop below retries if we lose a race. Ports come
# from below the kernel's ephemeral range (32768 and up here), where thousands of client
# connections in TIME-WAIT would make bind() fail now and then.
_poc_free_port() {
	local p
	for _ in $(seq 1 200); do
		p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 12000 ))
		(exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && continue
		(exec 3<>/dev/tcp/127.0.0.1/$((p + 1))) 2>/dev/null && continue
		echo "$p"; return 0
	done
	return 1
}

# poc_swtpm_manufacture DIR: a TPM 2.0 state with RSA+ECC EKs, EK and platform
# certificates issued by a CA under DIR/ca (never /var/lib/swtpm-localca).
poc_swtpm_manufacture() {
	local dir=$1
	mkdir -p "$dir/state" "$dir/ca"
	cat > "$dir/swtpm-localca.conf" <<CONF
statedir = $dir/ca
signingkey = $dir/ca/signkey.pem
issuercert = $dir/ca/issuercert.pem
certserial = $dir/ca/certserial
CONF
	cat > "$dir/swtpm-localca.options" <<CONF
--platform-manufacturer poc-pkcs11-test
--platform-version 2.1
--platform-model swtpm
CONF
	cat > "$dir/swtpm_setup.conf" <<CONF
create_certs_tool = $(command -v swtpm_localca)
create_certs_tool_config = $dir/swtpm-localca.conf
create_certs_tool_options = $dir/swtpm-localca.options
active_pcr_banks = sha256,sha384
CONF
	swtpm_setup --tpm2 --tpmstate "$dir/state" --config "$dir/swtpm_setup.conf" \
		--create-ek-cert --create-platform-cert --ecc --overwrite \
		--pcr-banks sha256,sha384 >"$dir/setup.log" 2>&1 || {
		echo "swtpm_setup failed:" >&2; cat "$dir/setup.log" >&2; return 1; }
}

# poc_swtpm_state DIR: a manufactured TPM in DIR (state/, ca/). The Nth one a test asks for is
# a copy of $POC_SWTPM_TEMPLATE/N when the suite made that one (tests/swtpm-template.sh), so
# two swtpms of one test are two different TPMs (other seeds, EK and CA); else manufactured.
_poc_swtpm_made=0
poc_swtpm_state() {
	local dir=$1 src=${POC_SWTPM_TEMPLATE:-}/$_poc_swtpm_made f
	if [ -n "${POC_SWTPM_TEMPLATE:-}" ] && [ -f "$src/state/tpm2-00.permall" ] && [ -f "$src/ca/issuercert.pem" ]; then
		mkdir -p "$dir" && cp -R "$src/." "$dir/" || return 1
		for f in "$dir"/swtpm-localca.conf "$dir"/swtpm_setup.conf; do # its own paths, as if made here
			sed -i "s|$src/|$dir/|g" "$f" || return 1
		done
	else
		poc_swtpm_manufacture "$dir" || return 1
	fi
	_poc_swtpm_made=$((_poc_swtpm_made + 1))
}

# poc_swtpm_start NAME: a TPM (poc_swtpm_state, once per NAME) and start swtpm NAME; exports
# POC_TCTI, TPM2TOOLS_TCTI, POC_SWTPM_DIR (its folder, CA in $POC_SWTPM_DIR/ca).
poc_swtpm_start() {
	local name=${1:-tpm} dir port pid
	dir=$POC_TEST_TMP/swtpm-$name
	[ -d "$dir/state" ] || poc_swtpm_state "$dir" || return 1
	for _ in 1 2 3 4 5; do
		port=$(_poc_free_port) || return 1
		swtpm socket --tpm2 --tpmstate dir="$dir/state" \
			--server type=tcp,port="$port",bindaddr=127.0.0.1 \
			--ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 \
			--flags not-need-init,startup-clear >"$dir/swtpm.log" 2>&1 &
		pid=$!
		for _ in $(seq 1 50); do
			(exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		if kill -0 "$pid" 2>/dev/null; then
			_poc_swtpm_pids+=("$pid")
			export POC_SWTPM_DIR=$dir POC_SWTPM_PID=$pid POC_SWTPM_PORT=$port
			export POC_TCTI="swtpm:host=127.0.0.1,port=$port"
			export TPM2TOOLS_TCTI=$POC_TCTI
			return 0
		fi
		wait "$pid" 2>/dev/null
	done
	echo "could not start swtpm:" >&2; cat "$dir/swtpm.log" >&2
	return 1
}

# poc_swtpm_stop: stop the most recently started swtpm (its state is kept).
poc_swtpm_stop() {
	local n=${#_poc_swtpm_pids[@]}
	[ "$n" -gt 0 ] || return 0
	local p=${_poc_swtpm_pids[$((n - 1))]}
	kill "$p" 2>/dev/null; wait "$p" 2>/dev/null
	unset "_poc_swtpm_pids[$((n - 1))]"
}

# poc_token_env NAME [LINE...]: what a test of tokens starts from, in $POC_TEST_TMP: a private
# swtpm NAME (poc_swtpm_start), the TDX simulator in sim/ (its output in sim.out), the module's
# configuration poc.conf exported as POC_PKCS11_CONF (store, tcti, tee, then each LINE such as
# "ttl = 600"), and policy.json: a Proof-of-Cloud policy whose provider is the swtpm's test CA,
# whose TEE root is the simulator's and whose platforms.poe trusts the simulator's test POE
# endorser (so the TD's platform is endorsed too: under poc-v1 an endorsed vTPM alone is only a
# warning, and a release needs affirming). Sets CA (the swtpm's CA folder), simroot and simpoe
# (the sim's POE endorser root). Says why on stderr and returns 1 when a step fails.
poc_token_env() {
	local name=$1 t=$POC_TEST_TMP line
	shift
	poc_swtpm_start "$name" || { echo "poc_token_env: swtpm $name did not start" >&2; return 1; }
	"$POCTOOL" sim init "$t/sim" >"$t/sim.out" 2>&1 || { echo "poc_token_env: poctool sim init failed" >&2; return 1; }
	CA=$POC_SWTPM_DIR/ca
	simroot=$(tr -d ' \n' <"$t/sim/policy-fragment.json" | sed -nE 's/.*"tee":\{[^}]*"roots":\["([^"]+)"\].*/\1/p')
	[ -n "$simroot" ] || { echo "poc_token_env: no simulator root in $t/sim/policy-fragment.json" >&2; return 1; }
	simpoe=$t/sim/poe_endorser.pem
	[ -f "$simpoe" ] && [ -f "$t/sim/poe.cbor" ] || { echo "poc_token_env: the simulator wrote no POE token" >&2; return 1; }
	export POC_PKCS11_CONF=$t/poc.conf
	{
		printf '# written by %s\nstore = %s/store\ntcti = %s\ntee = sim:%s/sim\n' "${0##*/}" "$t" "$POC_TCTI" "$t"
		for line in "$@"; do printf '%s\n' "$line"; done
	} >"$POC_PKCS11_CONF"
	cat >"$t/policy.json" <<JSON
{"version": 1,
 "providers": [{"name": "swtpm-test-ca", "roots": ["$CA/swtpm-localca-rootca-cert.pem"], "intermediates": ["$CA/issuercert.pem"]}],
 "platforms": {"poe": {"roots": ["$simpoe"], "owners": ["sim-csp.poc-pkcs11.test"]}},
 "tee": {"type": "tdx", "roots": ["$simroot"], "tcb_status": ["UpToDate"]},
 "binding": "poc-v1", "freshness": {"max_age_s": 300, "max_rtt_ms": 60000}}
JSON
}
