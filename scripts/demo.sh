#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The demo, on a new machine: installs what it needs, builds, starts a private swtpm (its EK
# certified by a local CA that plays the cloud provider) and the TDX quote simulator (its platform
# endorsed by a POE token from a test endorser that plays the provider too), creates a
# token with an ECDSA key generated and sealed under a Proof-of-Cloud policy, makes the key's
# certificate, serves HTTPS with it (openssl s_server through the pkcs11 engine, the key named
# by a pkcs11: URI, see examples/tls-server/), connects with gnutls-cli, prints the served
# certificate and the key's attestation record; then real Intel TDX quotes (a genuine Google
# Cloud quote, and the TEE.fail forgery that only the Proof-of-Cloud layer rejects). One progress
# line per step; any failure stops with a message and a non-zero exit; nothing is left running.
# Usage: scripts/demo.sh [--no-deps] [--no-build]
#   --no-deps   install nothing (the packages must be there already; what `make check` uses)
#   --no-build  use the build folder as it is (what `make check` uses: it has just built it)
# POC_DEMO_BUILDDIR (default build/) picks the build folder; POC_TESTDATA (default
# ../shared/testdata/real beside the checkout) the real test vectors.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
step() { printf '\n==> %s\n' "$*"; }
die() { printf '\ndemo FAILED: %s\n' "$*" >&2; exit 1; }
indent() { sed 's/^/    /'; }
deps=1 build=1
for a in "$@"; do
	case $a in
	--no-deps) deps=0 ;;
	--no-build) build=0 ;;
	-h | --help) sed -n '3,16p' "$0"; exit 0 ;;
	*) echo "usage: $0 [--no-deps] [--no-build]" >&2; exit 2 ;;
	esac
done

if [ $deps = 1 ]; then
	step "installing Debian packages (if missing)"
	"$top/scripts/deps.sh" || die "package installation failed"
fi
B=${POC_DEMO_BUILDDIR:-$top/build}
if [ $build = 1 ]; then
	step "building ($B)"
	"$top/scripts/build.sh" "$B" >/dev/null || die "build failed"
fi
export POCTOOL=$B/tools/poctool
SO=$B/module/.libs/poc-pkcs11.so
SRV=$top/examples/tls-server/poc-tls-server
D=${POC_TESTDATA:-$top/../shared/testdata/real}
[ -x "$POCTOOL" ] && [ -f "$SO" ] || die "the build has no poctool or poc-pkcs11.so"
[ -d "$D" ] || die "missing $D (the shared test vectors beside the checkout)"

. "$top/tests/swtpm-env.sh"
T=$POC_TEST_TMP
SERVER_PID=
demo_cleanup() { # the TLS server first, then swtpm and the temp folder (tests/swtpm-env.sh)
	if [ -n "$SERVER_PID" ]; then
		kill "$SERVER_PID" 2>/dev/null
		for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null
		SERVER_PID=
	fi
	poc_cleanup
}
trap demo_cleanup EXIT

step "starting a private swtpm (EK certificate from a local CA playing the provider)"
poc_swtpm_start demo || die "swtpm did not start"
echo "    TCTI $POC_TCTI"

step "starting the TDX simulator (poctool sim init): a test PCK hierarchy, DCAP collateral and a POE token for its platform"
"$POCTOOL" sim init "$T/sim" | indent || die "sim init failed"
SIMROOT=$(tr -d ' \n' <"$T/sim/policy-fragment.json" | sed -nE 's/.*"tee":\{[^}]*"roots":\["([^"]+)"\].*/\1/p')
[ -n "$SIMROOT" ] || die "no simulator root in $T/sim/policy-fragment.json"
[ -f "$T/sim/poe.cbor" ] && [ -f "$T/sim/poe_endorser.pem" ] || die "the simulator wrote no POE token"

# Under poc-v1 the TD names whatever AK its software chooses, so an endorsed vTPM alone does not say
# where the TD runs (a warning, and no release): the policy also has the TD's platform endorsed by
# the provider's POE token (platforms.poe), which the module collects with the sim's quote.
step "writing the module's configuration and the Proof-of-Cloud policy (vTPM endorsed by its EK CA, TD platform by POE)"
export POC_PKCS11_CONF=$T/poc-pkcs11.conf
cat >"$POC_PKCS11_CONF" <<CONF
store = $T/store
tcti = $POC_TCTI
tee = sim:$T/sim
ttl = 3600
log = stderr
log_level = warn
CONF
cat >"$T/policy.json" <<JSON
{"version": 1,
 "providers": [{"name": "swtpm-test-ca", "roots": ["$POC_SWTPM_DIR/ca/swtpm-localca-rootca-cert.pem"],
                "intermediates": ["$POC_SWTPM_DIR/ca/issuercert.pem"]}],
 "platforms": {"poe": {"roots": ["$T/sim/poe_endorser.pem"], "owners": ["sim-csp.poc-pkcs11.test"]}},
 "tee": {"type": "tdx", "roots": ["$SIMROOT"], "tcb_status": ["UpToDate"]},
 "binding": "poc-v1", "freshness": {"max_age_s": 300, "max_rtt_ms": 60000}}
JSON
indent <"$POC_PKCS11_CONF"
indent <"$T/policy.json"

PIN=$(od -An -N6 -tu1 /dev/urandom | tr -d ' \n' | cut -c1-8)
URI="pkcs11:token=demo;object=tls;type=private;pin-value=$PIN"
step "creating token \"demo\" (poctool init, with a PIN) under that policy"
"$POCTOOL" init --label demo --policy "$T/policy.json" --pin "$PIN" | indent || die "poctool init failed"

step "generating an ECDSA P-256 key inside the token, sealed to the vTPM's PCRs and the policy"
"$POCTOOL" keygen --token demo --label tls --type ec-p256 --id 01 --pin "$PIN" >"$T/keygen.out" 2>&1 ||
	{ indent <"$T/keygen.out"; die "poctool keygen failed"; }
indent <"$T/keygen.out"
sed -n '/BEGIN PUBLIC KEY/,/END PUBLIC KEY/p' "$T/keygen.out" >"$T/key.pub.pem"
spki() { openssl pkey -pubin -in "$1" -outform DER 2>/dev/null | openssl dgst -sha256 -r | cut -d' ' -f1; }
KEYSPKI=$(spki "$T/key.pub.pem")
[ -n "$KEYSPKI" ] || die "keygen printed no public key"

step "the key's certificate, signed by the key itself (openssl req through the pkcs11 engine: the first release)"
timeout 60 "$SRV" cert --module "$SO" --uri "$URI" --dir "$T/cert" --out "$T/cert.pem" >"$T/cert.log" 2>&1 ||
	{ indent <"$T/cert.log"; die "the certificate could not be made (was the key released?)"; }
openssl x509 -in "$T/cert.pem" -noout -subject -dates | indent

step "starting a TLS server with the sealed key (openssl s_server -engine pkcs11 -key '${URI%%pin-value=*}pin-value=...')"
free_port() { # below the ephemeral range: a client's TIME-WAIT there would make bind() fail
	local lo p
	lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null); lo=${lo:-32768}
	[ "$lo" -gt 11000 ] || lo=61000
	for _ in $(seq 1 100); do
		p=$(( 10000 + (RANDOM * 32768 + RANDOM) % (lo - 10000) ))
		(exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && continue
		ss -Htan "( sport = :$p )" 2>/dev/null | grep -q . && continue
		echo "$p"; return 0
	done
	return 1
}
started=
for _ in 1 2 3; do
	PORT=$(free_port) || die "no free port"
	"$SRV" openssl --module "$SO" --uri "$URI" --dir "$T/server" --cert "$T/cert.pem" --port "$PORT" \
		>"$T/server.log" 2>&1 </dev/null &
	SERVER_PID=$!
	for _ in $(seq 1 150); do
		(exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && { started=1; break; }
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$started" ] && break
	wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
	grep -qi "in use" "$T/server.log" || break
done
[ -n "$started" ] || { indent <"$T/server.log"; die "the TLS server did not start"; }
echo "    listening on 127.0.0.1:$PORT (pid $SERVER_PID)"

step "connecting with gnutls-cli (TLS 1.3, the certificate checked against the one we made)"
timeout 30 gnutls-cli --x509cafile "$T/cert.pem" --save-cert="$T/peer.pem" -p "$PORT" localhost \
	</dev/null >"$T/cli.out" 2>&1 && grep -q "Handshake was completed" "$T/cli.out" ||
	{ indent <"$T/cli.out"; die "gnutls-cli could not connect"; }
grep -E "^- (Description|Server Signature)|Handshake was completed|- The hostname in the certificate matches|Status: The certificate is trusted" \
	"$T/cli.out" | indent
openssl x509 -in "$T/peer.pem" -noout -pubkey >"$T/peer.pub.pem" 2>/dev/null
[ "$(spki "$T/peer.pub.pem")" = "$KEYSPKI" ] || die "the server presented a certificate for another key"
echo "    the server's certificate:"
openssl x509 -in "$T/peer.pem" -noout -subject -issuer -fingerprint -sha256 | sed 's/^/      /'
echo "      public key sha256 = $KEYSPKI (the sealed key's)"

step "the key's attestation record (poctool show --token demo --label tls)"
"$POCTOOL" show --token demo --label tls >"$T/show.out" 2>&1 || { indent <"$T/show.out"; die "poctool show failed"; }
sed -n '1,4p' "$T/show.out" | indent
grep -q '"poc.key_sha256": "'"$KEYSPKI"'"' "$T/show.out" || die "the record does not name the served key"
grep -q "^last record (signature valid with the token's verifier key" "$T/show.out" ||
	die "the record's signature does not verify with the token's verifier key"
# show reads the key from token.cbor; record verify --token has the TPM vouch for it (PIN, PCRs, state).
"$POCTOOL" record verify "$T/store/demo/priv-01.obj.record" --token demo --pin "$PIN" >"$T/rv.out" 2>&1 ||
	{ indent <"$T/rv.out"; die "poctool record verify --token: the record is not signed by the token's TPM-held verifier key"; }
echo "    poctool record verify --token demo: $(grep -m1 -i 'signature' "$T/rv.out")"
echo "    last record (EAR claims; its signature checked against the token's verifier key, which the TPM unsealed):"
sed -n '/^last record/,/^verifier key/p' "$T/show.out" |
	grep -E '^    "ear.status"|^      "(tee|vtpm|poc)": \{|^        "ear.status"|"(tcb_status|mrtd|ak_name|provider|provider_chain|platform|piid|verification|poc.cka_id|poc.key_sha256|iat|exp)"|simulator|fresh' |
	sed -E 's/^  //; s/"mrtd": "(.{24}).*"/"mrtd": "\1..."/; s/[{,]$//'
grep -q '^    "ear.status": "affirming"' "$T/show.out" || die "the record is not affirming"
grep -q '"platform": "POE owner sim-csp.poc-pkcs11.test"' "$T/show.out" ||
	die "the record does not say that the POE token endorsed the TD's platform"
echo "    affirming for the right reason: the vTPM's EK chains to the provider's CA, and the TD's platform is endorsed by the provider's POE token"

step "stopping the TLS server"
kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=

APP=$B/examples/app/poc-sign
if command -v valgrind >/dev/null && [ -x "$APP" ]; then
	step "the same module calls under valgrind: C_Initialize, C_Login (the check and unseal), C_Sign, the record, C_Finalize (examples/app through p11-kit)"
	(cd "$T" && valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
		--suppressions="$top/tests/p11-valgrind.supp" "$APP" "$SO" demo tls "$PIN" "demo" >"$T/vg.out" 2>&1)
	rc=$?
	[ $rc = 0 ] || { indent <"$T/vg.out"; die "valgrind reported errors or leaks (exit $rc)"; }
	grep -q '"ear.status": "affirming"' "$T/vg.out" || { indent <"$T/vg.out"; die "the signature under valgrind failed"; }
	echo "    valgrind: no errors, no definite leaks (exit 0)"
fi

step "a genuine Google Cloud TDX quote with its DCAP collateral (at its capture time)"
cat >"$T/tdx.json" <<JSON
{"version": 1, "tee": {"type": "tdx", "roots": ["$D/tdx/intel-sgx-root-ca.pem"], "tcb_status": ["UpToDate"]}}
JSON
"$POCTOOL" evidence pack -o "$T/gcp.cbor" --tdx-quote "$D/tdx/gcp-tdx-1782809233/quote.bin" \
	--collateral "$D/tdx/gcp-tdx-1782809233/collateral" || die "pack failed"
"$POCTOOL" evidence verify "$T/gcp.cbor" --policy "$T/tdx.json" --at 1782809233 || die "the GCP quote was not accepted"

step "the TEE.fail forgery: genuine-looking to DCAP, denied by the Proof-of-Cloud platforms clause (no one endorses its platform)"
GPPID=$("$POCTOOL" tdx show "$D/tdx/gcp-tdx-1782809233/quote.bin" | sed -nE 's/^ *ppid +([0-9a-f]{32}).*/\1/p')
[ -n "$GPPID" ] || die "no PPID in the GCP quote"
cat >"$T/poc.json" <<JSON
{"version": 1, "platforms": {"allow": [{"ppid": "$GPPID"}]},
 "tee": {"type": "tdx", "roots": ["$D/tdx/intel-sgx-root-ca.pem"]}}
JSON
"$POCTOOL" evidence pack -o "$T/teefail.cbor" --tdx-quote "$D/tdx/tee-fail-forged/quote.bin" || die "pack failed"
"$POCTOOL" evidence verify "$T/teefail.cbor" --policy "$T/poc.json" --at 1770000000
[ $? -eq 1 ] || die "the TEE.fail forgery was not denied"

step "stopping swtpm and cleaning up"
demo_cleanup
trap - EXIT
printf '\ndemo OK\n'
