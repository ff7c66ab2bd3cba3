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
. "$POC_SRCDIR/tests/poc-v1-lib.sh"
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
