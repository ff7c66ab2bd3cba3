#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# --json of list, show, evidence verify and record show: valid JSON (python3 -m json.tool) with
# the values the human output gives, names not numbers (class private-key, key type EC, PCRs
# sha256:0-7,14); a real GCE capture accepted and denied through evidence verify --json.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
t_need_testdata
T=$POC_TEST_TMP
poc_token_env one || { echo "Bail out! test setup"; exit 1; }
jq_py() { "$PY" -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
valid() { # DESC: the last t_run's output is one JSON document
	printf '%s' "$T_OUT" >"$T/out.json"
	"$PY" -m json.tool "$T/out.json" >/dev/null 2>&1 && t_ok "$1: valid JSON (python3 -m json.tool)" ||
		{ t_fail "$1: not JSON"; head -5 "$T/out.json" | t_diag; }
}
t_run 0 "init" "$POCTOOL" init --label js --policy "$T/policy.json" --pin 1234
t_run 0 "keygen ec-p256" "$POCTOOL" keygen --token js --label k --type ec-p256 --id 0a --pin 1234
echo "s3cret" >"$T/secret"
t_run 0 "seal" "$POCTOOL" seal --token js --label s --in "$T/secret" --pin 1234
t_run 0 "release (a record)" "$POCTOOL" release --token js --label s --pin 1234

t_run 0 "list" "$POCTOOL" list
t_has "PCRs sha256:0-7,14" "list: the PCRs by number, runs collapsed"
t_run 0 "list --json" "$POCTOOL" list --json
valid "list --json"
[ "$(jq_py 'd["tokens"][0]["label"], d["tokens"][0]["pcrs"], d["tokens"][0]["pin"]' <"$T/out.json")" = "js sha256:0-7,14 True" ] &&
	t_ok "list --json: label, PCRs, PIN" || t_fail "list --json: $(cat "$T/out.json")"
t_run 0 "list --token" "$POCTOOL" list --token js
t_has "class private-key, key type EC, id 0a" "list --token: class and key type by name"
t_has "class data, key type -" "a secret is class data"
t_run 0 "list --token --json" "$POCTOOL" list --token js --json
valid "list --token --json"
[ "$(jq_py 'sorted((o["class"], o["key_type"]) for o in d["objects"])' <"$T/out.json")" = \
  "[('data', '-'), ('private-key', 'EC')]" ] && t_ok "list --token --json: classes and key types" ||
	t_fail "list --token --json: $(cat "$T/out.json")"
[ "$(jq_py 'd["pin"]["tries_left"], d["pin"]["locked"]' <"$T/out.json")" = "10 False" ] && t_ok "and the PIN counter" || t_fail "pin: $(cat "$T/out.json")"

t_run 0 "show" "$POCTOOL" show --token js --label s
t_has "class data, key type -" "show: names"
t_has "sealed to PCRs sha256:0-7,14" "show: PCRs"
t_run 0 "show --json" "$POCTOOL" show --token js --label s --json
valid "show --json"
[ "$(jq_py 'd["class"], d["pcrs"], d["policy"]["binding"], d["last_record"]["signature"], d["last_record"]["record"] is not None' <"$T/out.json")" = \
  "data sha256:0-7,14 poc-v1 valid True" ] && t_ok "show --json: class, PCRs, the policy as JSON, the last record checked" ||
	t_fail "show --json: $(head -c 600 "$T/out.json")"
jq_py 'd["verifier_key"]' <"$T/out.json" | grep -q "BEGIN PUBLIC KEY" && t_ok "show --json: the verifier key as PEM" || t_fail "no verifier key"
rec=$(find "$T/store/js" -type f -name "data-l-s*" ! -name "*.obj" | head -1)
[ -n "$rec" ] && t_ok "the release left its record in the store ($(basename "$rec"))" || t_fail "no record file for s"
t_run 0 "record show --json" "$POCTOOL" record show "$rec" --json
valid "record show --json"
jq_py 'd["claims"]["iat_utc"]' <"$T/out.json" | grep -qE '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' &&
	t_ok "record show: iat also as ISO 8601 (iat_utc)" || t_fail "no iat_utc: $(head -c 300 "$T/out.json")"

# evidence verify --json on a real capture.
pack() {
	local dir=$1
	"$POCTOOL" evidence pack -o "$T/gce.cbor" --ak-pub "$dir/ak.pub" --ak-cert "$dir/ak.crt.der" --eventlog "$dir/eventlog.bin" \
		--tpm-quote "$dir/quote-sha256.attest" --tpm-sig "$dir/quote-sha256.sig" --pcrs "$dir/pcrs-sha256.txt"
}
cat >"$T/gce.json" <<JSON
{"version": 1,
 "providers": [{"name": "gcp-legacy", "roots": ["$D/gce-certs/gce-tpm-ek-root-1.pem"],
                "intermediates": ["$D/gce-certs/gce-tpm-ek-intermediate-2.pem"]}],
 "vtpm": {"eventlog": "required"}, "binding": "none"}
JSON
t_run 0 "pack a GCE capture" pack "$D/gce-cos85-nonce9009"
t_run 0 "evidence verify --json (accepted)" "$POCTOOL" evidence verify "$T/gce.cbor" --policy "$T/gce.json" --nonce 9009 --at 1780000000 --json
valid "evidence verify --json"
[ "$(jq_py 'd["verdict"], d["nonce_checked"], d["verified_at"], d["provider"]' <"$T/out.json")" = "accepted True 2026-05-28T20:26:40Z gcp-legacy" ] &&
	t_ok "accepted, nonce checked, ISO 8601 time, provider" || t_fail "evidence verify --json: $(cat "$T/out.json")"
t_run 0 "evidence verify (human)" "$POCTOOL" evidence verify "$T/gce.cbor" --policy "$T/gce.json" --nonce 9009 --at 1780000000
t_has "verified at: 2026-05-28T20:26:40Z (1780000000)" "the verification time in ISO 8601 (and Unix seconds)"
t_run 1 "evidence verify --json (denied: another nonce)" "$POCTOOL" evidence verify "$T/gce.cbor" --policy "$T/gce.json" --nonce 9008 --at 1780000000 --json
valid "evidence verify --json (denied)"
[ "$(jq_py 'd["verdict"], d["clause"].startswith("$")' <"$T/out.json")" = "denied True" ] && t_ok "denied, naming the clause" ||
	t_fail "denied: $(cat "$T/out.json")"
t_done
