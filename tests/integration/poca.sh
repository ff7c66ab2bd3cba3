#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Proof of Cloud Alliance registry tokens ($.platforms.poca, verify/poca.h): JWTs made here with
# python3-cryptography the way proofofcloud/trust-server makes them (RS256 with jsonwebtoken's iat,
# EdDSA), for a simulator quote and its PPID. Accepted honest tokens of both algorithms, next to a
# forged signature, an edited payload, another quote's hash, a prefix or extended machine id, a
# stale and a future timestamp, alg none, an unknown key, alg confusion and an unknown member.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
T=$POC_TEST_TMP
N=$(printf '%064d' 0 | tr 0 7)
NOW=$(date +%s)

t_run 0 "sim init" "$POCTOOL" sim init "$T/sim"
SIMPPID=$(printf '%s\n' "$T_OUT" | sed -nE 's/^ *ppid: ([0-9a-f]{32}).*/\1/p')
simroot=$(tr -d ' \n' <"$T/sim/policy-fragment.json" | sed -nE 's/.*"tee":\{[^}]*"roots":\["([^"]+)"\].*/\1/p')
[ ${#SIMPPID} = 32 ] && t_ok "the sim's PPID ($SIMPPID)" || t_fail "the sim's PPID"
"$POCTOOL" sim quote "$T/sim" --report-data "$N" -o "$T/q.td" >/dev/null &&
	"$POCTOOL" sim quote "$T/sim" --report-data "$N" -o "$T/q2.td" >/dev/null || t_fail "sim quotes"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/rsa.key" 2>/dev/null
openssl genpkey -algorithm ED25519 -out "$T/ed.key" 2>/dev/null
openssl genpkey -algorithm ED25519 -out "$T/other.key" 2>/dev/null
openssl pkey -in "$T/rsa.key" -pubout -out "$T/rsa.pub" 2>/dev/null
openssl pkey -in "$T/ed.key" -pubout -outform DER -out "$T/ed.der" 2>/dev/null

# token OUT ALG KEY QUOTE MACHINE TIMESTAMP [MODE]: a registry JWT (MODE: forge, edit, none, nosig, extra, confuse)
token() {
	python3 - "$@" <<'PY'
import base64, hashlib, json, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
out, alg, keyf, quote, machine, ts = sys.argv[1:7]
mode = sys.argv[7] if len(sys.argv) > 7 else ''
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b'=').decode()
key = serialization.load_pem_private_key(open(keyf, 'rb').read(), None)
hdr = {'alg': 'none' if mode == 'none' else alg, 'typ': 'JWT', 'kid': 'poc-test'}
pl = {'quote_hash': hashlib.sha256(open(quote, 'rb').read()).hexdigest(), 'machine_id': machine,
      'label': 'sim-host-1', 'timestamp': int(ts)}
if alg == 'RS256':
    pl['iat'] = int(ts)
if mode == 'extra':
    pl['exp'] = int(ts) + 60
si = (b64(json.dumps(hdr).encode()) + '.' + b64(json.dumps(pl).encode())).encode()
if mode == 'confuse':
    si = (b64(json.dumps({'alg': 'RS256', 'typ': 'JWT'}).encode()) + '.' + b64(json.dumps(pl).encode())).encode()
sig = key.sign(si, padding.PKCS1v15(), hashes.SHA256()) if alg == 'RS256' else key.sign(si)
if mode == 'forge':
    sig = sig[:-1] + bytes([sig[-1] ^ 1])
if mode == 'edit':
    pl['label'] = 'another-host'
    si = si.split(b'.')[0] + b'.' + b64(json.dumps(pl).encode()).encode()
open(out, 'w').write(si.decode() + '.' + ('' if mode == 'nosig' else b64(sig)) + '\n')
PY
}
cat >"$T/policy.json" <<JSON
{"version": 1, "platforms": {"poca": {"keys": ["$T/rsa.pub", "$T/ed.der"], "max_age_s": 3600}},
 "tee": {"type": "tdx", "roots": ["$simroot"], "tcb_status": ["UpToDate"]}}
JSON
# check WANT NAME TOKEN-ARGS...: the token beside q.td, verified now
check() {
	local want=$1 name=$2; shift 2
	token "$T/tok" "$@" || { t_fail "$name: token"; return; }
	"$POCTOOL" evidence pack --tdx-quote "$T/q.td" --collateral "$T/sim/collateral" --registry-token "$T/tok" \
		-o "$T/b.cbor" >/dev/null || { t_fail "$name: pack"; return; }
	t_run "$want" "$name" "$POCTOOL" evidence verify "$T/b.cbor" --policy "$T/policy.json" --nonce "$N" --at "$NOW" \
		--record "$T/r.rec" --record-key "$T/ec.pem"
}
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/ec.pem" 2>/dev/null

check 0 "an RS256 registry token for this quote and PPID: accepted" RS256 "$T/rsa.key" "$T/q.td" "$SIMPPID" "$NOW"
t_has "td platform: endorsed by Proof of Cloud registry (RS256 token, label sim-host-1, machine $SIMPPID)" "names the registry"
t_has "poc: affirming" "poc affirming"
t_run 0 "record show" "$POCTOOL" record show "$T/r.rec"
t_has '"platform": "Proof of Cloud registry (RS256 token' "the record names the registry as the platform's endorser"
check 0 "an EdDSA registry token: accepted" EdDSA "$T/ed.key" "$T/q.td" "$SIMPPID" "$((NOW - 600))"
t_has "Proof of Cloud registry (EdDSA token" "names the EdDSA token"
check 1 "a forged RS256 signature: denied" RS256 "$T/rsa.key" "$T/q.td" "$SIMPPID" "$NOW" forge
t_has "signature verifies under none" "names the signature"
check 1 "a forged EdDSA signature: denied" EdDSA "$T/ed.key" "$T/q.td" "$SIMPPID" "$NOW" forge
check 1 "an edited payload: denied" RS256 "$T/rsa.key" "$T/q.td" "$SIMPPID" "$NOW" edit
t_has "signature verifies under none" "the edit breaks the signature"
check 1 "the token of another quote: denied" RS256 "$T/rsa.key" "$T/q2.td" "$SIMPPID" "$NOW"
t_has "issued for another quote" "names the quote hash"
check 1 "a machine id the PPID is a prefix of: denied" RS256 "$T/rsa.key" "$T/q.td" "${SIMPPID}00" "$NOW"
t_has "is not the quote's PPID" "names the machine id"
check 1 "a prefix of the PPID as machine id: denied" RS256 "$T/rsa.key" "$T/q.td" "${SIMPPID:0:16}" "$NOW"
t_has "is not the quote's PPID" "names the machine id"
check 1 "a stale timestamp: denied" RS256 "$T/rsa.key" "$T/q.td" "$SIMPPID" "$((NOW - 7200))"
t_has "outside" "names the window"
check 1 "a timestamp an hour ahead: denied" EdDSA "$T/ed.key" "$T/q.td" "$SIMPPID" "$((NOW + 3600))"
t_has "outside" "names the window"
check 1 "alg none: denied" RS256 "$T/rsa.key" "$T/q.td" "$SIMPPID" "$NOW" none
t_has "RS256 or EdDSA only" "names the algorithm"
check 1 "a token without a signature: denied" RS256 "$T/rsa.key" "$T/q.td" "$SIMPPID" "$NOW" nosig
t_has "an empty segment" "names the missing signature"
check 1 "a key the policy does not trust: denied" EdDSA "$T/other.key" "$T/q.td" "$SIMPPID" "$NOW"
check 1 "an Ed25519 signature under an RS256 header: denied" EdDSA "$T/ed.key" "$T/q.td" "$SIMPPID" "$NOW" confuse
check 1 "an unknown payload member: denied" RS256 "$T/rsa.key" "$T/q.td" "$SIMPPID" "$NOW" extra
t_has 'unknown payload member "exp"' "names the member"
# No token at all, and policies the parser refuses.
"$POCTOOL" evidence pack --tdx-quote "$T/q.td" --collateral "$T/sim/collateral" -o "$T/none.cbor" >/dev/null
t_run 1 "no registry token: denied" "$POCTOOL" evidence verify "$T/none.cbor" --policy "$T/policy.json" --nonce "$N" --at "$NOW"
t_has "denied: \$.platforms" "names the platforms clause"
sed 's/, "max_age_s": 3600//' "$T/policy.json" >"$T/noage.json"
t_run 2 "a poca clause without max_age_s is refused" "$POCTOOL" evidence verify "$T/none.cbor" --policy "$T/noage.json" --nonce "$N"
t_has "max_age_s: required" "names the field"
sed "s|\"$T/ed.der\"|\"$T/sim/root_ca.pem\"|" "$T/policy.json" >"$T/cert.json"
t_run 2 "a certificate instead of a public key is refused" "$POCTOOL" evidence verify "$T/none.cbor" --policy "$T/cert.json" --nonce "$N"
t_done
