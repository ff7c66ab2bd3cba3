#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every policy clause is read (tests the field tables of verify/policy_fields.c from outside):
# honest poc-v1 evidence on swtpm + the TDX simulator is accepted under a full policy; the same
# policy with ONE clause changed by $PY to a value the evidence violates is denied, naming that
# clause (a clause the parser dropped would accept); an unknown field, a wrong JSON type or a
# null at each nesting level (providers[0], platforms.poe, tee.rtmr, vtpm.pcrs.sha256,
# freshness) is refused as unusable input (exit 2), never ignored.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
T=$POC_TEST_TMP

hex() { od -An -v -tx1 | tr -d ' \n'; }
sha() { openssl dgst -"$1" -binary | hex; }
unhex() { xxd -r -p; }
flush() { tpm2_flushcontext -t; }

# tpm_setup NAME: EK (RSA) + certificate + AK in the running swtpm, files $T/NAME.*
tpm_setup() {
	tpm2_createek -c "$T/$1.ek.ctx" -G rsa -u "$T/$1.ek.pub" >/dev/null && flush &&
		tpm2_nvread 0x1c00002 -o "$T/$1.ek.crt" >/dev/null 2>&1 &&
		tpm2_createak -C "$T/$1.ek.ctx" -c "$T/$1.ak.ctx" -G rsa -g sha256 -s rsassa \
			-u "$T/$1.ak.pub" -n "$T/$1.ak.name" >/dev/null && flush
}

# collect TPM RUN NONCE: evidence as poc-v1 prescribes, in $T/RUN.*; the credential
# challenge is made by the verifier (poctool evidence challenge) and activated in the TPM.
collect() {
	local tpm=$1 run=$2 n=$3 rd q
	date +%s%3N >"$T/$run.ntime" # the verifier issues the nonce now
	rd=$( { printf 'poc-pkcs11/v1/tdx'; printf '%s' "$n" | unhex; cat "$T/$tpm.ak.name"; } | sha sha512)
	"$POCTOOL" sim quote "$T/sim" --report-data "$rd" -o "$T/$run.td" >/dev/null || return 1
	q=$( { printf 'poc-pkcs11/v1/tpm'; printf '%s' "$n" | unhex; head -c 632 "$T/$run.td" | openssl dgst -sha384 -binary; } | sha sha256)
	tpm2_quote -c "$T/$tpm.ak.ctx" -l sha256:0,1,2,3,7 -q "$q" -m "$T/$run.attest" -s "$T/$run.sig" -g sha256 >/dev/null && flush || return 1
	tpm2_pcrread sha256:0,1,2,3,7 | sed -nE 's/^ +([0-9]+) *: *0x([0-9A-Fa-f]+).*/\1 \2/p' | tr A-F a-f >"$T/$run.pcrs"
	"$POCTOOL" evidence challenge --ek-pub "$T/$tpm.ek.pub" --ak-pub "$T/$tpm.ak.pub" --nonce "$n" \
		--verifier-key "$T/verifier.pem" -o "$T/$run.cred" >/dev/null || return 1
	activate "$tpm" "$T/$run.cred" "$T/$run.secret"
}

# activate TPM CRED OUT: TPM2_ActivateCredential with the endorsement policy session.
activate() {
	tpm2_startauthsession --policy-session -S "$T/session.ctx" >/dev/null &&
		tpm2_policysecret -S "$T/session.ctx" -c e >/dev/null &&
		tpm2_activatecredential -c "$T/$1.ak.ctx" -C "$T/$1.ek.ctx" -i "$2" -o "$3" -P "session:$T/session.ctx" >/dev/null
	local rc=$?
	tpm2_flushcontext "$T/session.ctx" >/dev/null 2>&1
	flush
	return $rc
}

# pack RUN OUT TD-RUN TPM NONCE [SECRET]: a bundle from the parts of runs.
pack() {
	"$POCTOOL" evidence pack -o "$2" --nonce "$5" --nonce-time "$(cat "$T/$1.ntime")" \
		--tdx-quote "$T/$3.td" --collateral "$T/sim/collateral" --poe "$T/sim/poe.cbor" \
		--tpm-quote "$T/$1.attest" --tpm-sig "$T/$1.sig" --pcrs "$T/$1.pcrs" \
		--ak-pub "$T/$4.ak.pub" --ek-pub "$T/$4.ek.pub" --ek-cert "$T/$4.ek.crt" \
		--activated-secret "${6:-$T/$1.secret}"
}

# ntime RUN: when the verifier issued RUN's nonce, as evidence verify --nonce-time takes it (s.ms).
ntime() { local t; t=$(cat "$T/$1.ntime"); echo "${t%???}.${t: -3}"; }
verify() { # verify BUNDLE NONCE [RUN]
	"$POCTOOL" evidence verify "$1" --policy "$T/policy.json" --nonce "$2" --verifier-key "$T/verifier.pem" \
		--nonce-time "$(ntime "${3:-r1}")"
}

t_run 0 "poctool sim init" "$POCTOOL" sim init "$T/sim"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/verifier.pem" 2>/dev/null
poc_swtpm_start one || { echo "Bail out! swtpm"; exit 1; }
CA1=$POC_SWTPM_DIR/ca
t_run 0 "EK, EK certificate and AK in swtpm one" tpm_setup one

# The policy: the swtpm's manufacturing CA plays the provider; the simulator's root is the TEE root;
# the simulator's POE token endorses the TD's platform (an endorsed vTPM alone is only a warning).
mrtd=$(tr -d ' \n' <"$T/sim/policy-fragment.json" | sed -nE 's/.*"mrtd":\["([0-9a-f]+)"\].*/\1/p')
simroot=$(tr -d ' \n' <"$T/sim/policy-fragment.json" | sed -nE 's/.*"tee":\{[^}]*"roots":\["([^"]+)"\].*/\1/p')
pcr0=$(tpm2_pcrread sha256:0 | sed -nE 's/^ +0 *: *0x([0-9A-Fa-f]+).*/\1/p' | tr A-F a-f)
clock=$(tpm2_readclock)
resets=$(printf '%s\n' "$clock" | sed -nE 's/.*reset_count: *([0-9]+).*/\1/p')
restarts=$(printf '%s\n' "$clock" | sed -nE 's/.*restart_count: *([0-9]+).*/\1/p')
cat >"$T/base.json" <<JSON
{"version": 1,
 "providers": [{"name": "swtpm-test-ca", "roots": ["$CA1/swtpm-localca-rootca-cert.pem"], "intermediates": ["$CA1/issuercert.pem"]}],
 "platforms": {"poe": {"roots": ["$T/sim/poe_endorser.pem"], "owners": ["sim-csp.poc-pkcs11.test"]}},
 "tee": {"type": "tdx", "roots": ["$simroot"], "tcb_status": ["UpToDate"], "mrtd": ["$mrtd"], "debug": false},
 "vtpm": {"pcrs": {"sha256": {"0": ["$pcr0"]}}, "reset_count": $resets, "restart_count": $restarts, "eventlog": "optional"},
 "binding": "poc-v1", "freshness": {"max_age_s": 300, "max_rtt_ms": 600000}}
JSON

N1=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
t_run 0 "evidence collected with nonce N1" collect one r1 "$N1"
t_run 0 "bundle packed" pack r1 "$T/r1.cbor" r1 one "$N1"

# mut NAME PYTHON: $T/NAME.json, the base policy p changed by the Python statement(s).
mut() {
	"$PY" -c 'import json, sys
p = json.load(open(sys.argv[1]))
exec(sys.argv[2])
json.dump(p, open(sys.argv[3], "w"))' "$T/base.json" "$2" "$T/$1.json"
}
# check WANT NAME [TEXT]: evidence verify of r1 under $T/NAME.json exits WANT (and says TEXT).
check() {
	t_run "$1" "$2: exit $1" "$POCTOOL" evidence verify "$T/r1.cbor" --policy "$T/$2.json" --nonce "$N1" \
		--verifier-key "$T/verifier.pem" --nonce-time "$(ntime r1)"
	[ -z "${3:-}" ] || t_has "$3" "$2: names $3"
}
r48=$(od -An -N48 -tx1 /dev/urandom | tr -d ' \n')
r32=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
r16=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')

check 0 base "poc: affirming"

# One clause violated at a time: each is a denial naming that clause.
mut tcb 'p["tee"]["tcb_status"] = ["OutOfDate"]'; check 1 tcb '$.tee.tcb_status'
mut mrtd 'p["tee"]["mrtd"] = ["'"$r48"'"]'; check 1 mrtd '$.tee.mrtd'
mut rtmr 'p["tee"]["rtmr"] = {"0": ["'"$r48"'"]}'; check 1 rtmr '$.tee.rtmr'
mut rtmr3 'p["tee"]["rtmr"] = {"3": ["'"$r48"'"]}'; check 1 rtmr3 '$.tee.rtmr'
mut pcr 'p["vtpm"]["pcrs"]["sha256"]["0"] = ["'"$r32"'"]'; check 1 pcr '$.vtpm.pcrs'
mut pcr7 'p["vtpm"]["pcrs"]["sha256"]["7"] = ["'"$r32"'"]'; check 1 pcr7 '$.vtpm.pcrs'
mut resets 'p["vtpm"]["reset_count"] += 1000'; check 1 resets '$.vtpm.reset_count'
mut restarts 'p["vtpm"]["restart_count"] += 1000'; check 1 restarts '$.vtpm.restart_count'
mut evlog 'p["vtpm"]["eventlog"] = "required"'; check 1 evlog '$.vtpm.eventlog'
mut owners 'p["platforms"]["poe"]["owners"] = ["other-csp.example"]; del p["providers"]'; check 1 owners '$.platforms'
mut poeroot 'p["platforms"]["poe"]["roots"] = ["'"$CA1"'/swtpm-localca-rootca-cert.pem"]; del p["providers"]'
check 1 poeroot '$.platforms'
mut allow 'p["platforms"] = {"allow": [{"ppid": "'"$r16"'"}]}; del p["providers"]'; check 1 allow '$.platforms'
mut provroot 'p["providers"][0]["roots"] = ["'"$T"'/sim/poe_endorser.pem"]; del p["platforms"]'
check 1 provroot '$.providers'
mut rtt 'p["freshness"]["max_rtt_ms"] = 0'; check 1 rtt '$.freshness'
sleep 1.1
mut age 'p["freshness"]["max_age_s"] = 0'; check 1 age '$.freshness'
# The same nonce is the other half of a clause: another one is denied.
t_run 1 "another nonce: denied" "$POCTOOL" evidence verify "$T/r1.cbor" --policy "$T/base.json" --nonce "$r32" \
	--verifier-key "$T/verifier.pem" --nonce-time "$(ntime r1)"

# Unknown fields, wrong types and nulls at every level: refused (exit 2), never ignored.
n=0
while IFS= read -r stmt; do
	n=$((n + 1))
	mut "bad$n" "$stmt"
	t_run 2 "refused: $stmt" "$POCTOOL" evidence verify "$T/r1.cbor" --policy "$T/bad$n.json" --nonce "$N1" \
		--verifier-key "$T/verifier.pem" --nonce-time "$(ntime r1)"
done <<'PYEOF'
p["extra"] = 1
p["providers"][0]["extra"] = True
p["providers"][0]["require_production"] = 1
p["providers"][0]["name"] = None
p["providers"] = {}
p["platforms"]["extra"] = []
p["platforms"]["poe"]["extra"] = "x"
p["platforms"]["poe"]["owners"] = []
p["platforms"]["poe"]["owners"] = "sim-csp.poc-pkcs11.test"
p["platforms"]["allow"] = [{"ppid": "00" * 16}]
p["platforms"]["allow"] = [{"ppid": "11" * 16, "piid": "22" * 16}]
p["tee"]["extra"] = 0
p["tee"]["rtmr"] = {"4": ["00" * 48]}
p["tee"]["rtmr"] = {"0": "00" * 48}
p["tee"]["rtmr"] = []
p["tee"]["mrtd"] = None
p["tee"]["mrtd"] = []
p["tee"]["debug"] = "false"
p["tee"]["debug"] = None
p["tee"]["tcb_status"] = "UpToDate"
p["tee"]["tcb_status"] = ["uptodate"]
p["tee"]["type"] = "sev"
p["vtpm"]["extra"] = {}
p["vtpm"]["pcrs"]["sha999"] = {}
p["vtpm"]["pcrs"]["sha256"]["24"] = ["00" * 32]
p["vtpm"]["pcrs"]["sha256"]["07"] = ["00" * 32]
p["vtpm"]["pcrs"]["sha256"]["0"] = ["00" * 48]
p["vtpm"]["pcrs"]["sha256"]["0"] = []
p["vtpm"]["pcrs"]["sha256"] = []
p["vtpm"]["reset_count"] = -1
p["vtpm"]["reset_count"] = 1.0
p["vtpm"]["restart_count"] = str(p["vtpm"]["restart_count"])
p["vtpm"]["eventlog"] = "maybe"
p["vtpm"]["crosscheck"] = True
p["freshness"]["extra"] = 1
p["freshness"]["max_age_s"] = "300"
p["freshness"]["max_age_s"] = None
p["freshness"] = []
p["binding"] = "none"
p["binding"] = None
p["version"] = 2
p["version"] = "1"
PYEOF
# A name given twice reads two ways (json-c keeps the last): refused on the text.
sed 's/"max_age_s": 300/"max_age_s": 0, "max_age_s": 300/' "$T/base.json" >"$T/dup.json"
check 2 dup

t_done
