#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End to end on swtpm + the TDX simulator under the poc-v1 binding (DESIGN.md section 3):
# evidence collected with a fresh nonce is accepted; a replay with another nonce, a TD quote
# of one run paired with a TPM quote of another, a TPM quote from a second swtpm, and an AK
# not activated against the EK are each denied with their own reason.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
T=$POC_TEST_TMP
. "$POC_SRCDIR/tests/poc-v1-lib.sh"
poc_v1_policy "$T/policy.json"

N1=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
N2=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
t_run 0 "run 1: evidence collected with nonce N1" collect one r1 "$N1"
t_run 0 "run 2: evidence collected with nonce N2" collect one r2 "$N2"
pack r1 "$T/r1.cbor" r1 one "$N1"

t_run 0 "fresh evidence accepted" verify "$T/r1.cbor" "$N1"
t_has "poc: affirming (provider swtpm-test-ca)" "the activated EK's certificate names the provider"
t_has "td platform: endorsed by POE owner sim-csp.poc-pkcs11.test" "the sim's POE token endorses the TD's platform"
t_has "TCB UpToDate" "the simulated TD's TCB is appraised"

# The attestation record of that check: signed, readable, bound to the bundle.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/record.pem" 2>/dev/null
openssl pkey -in "$T/record.pem" -pubout -out "$T/record.pub.pem" 2>/dev/null
t_run 0 "evidence verify --record" "$POCTOOL" evidence verify "$T/r1.cbor" --policy "$T/policy.json" --nonce "$N1" \
	--nonce-time "$(ntime r1)" --verifier-key "$T/verifier.pem" --record "$T/r1.rec" --record-key "$T/record.pem"
t_run 0 "record verify with the verifier's public key" "$POCTOOL" record verify "$T/r1.rec" --key "$T/record.pub.pem"
t_run 0 "record show" "$POCTOOL" record show "$T/r1.rec"
t_has "affirming" "the record says affirming"
t_has "$(sha256sum "$T/r1.cbor" | cut -c1-64)" "the record names the evidence bundle's SHA-256"
t_has "$N1" "the record carries the nonce"
t_has "swtpm-test-ca" "the record names the provider"
t_has "TDX simulator" "the record says the TEE evidence came from the simulator"
# A changed record, still a well-formed COSE_Sign1 (re-encoded by $PY with cbor2): a changed
# claim (iat) or a changed signature byte is a bad signature (exit 1); bytes that are no record
# are unusable input (exit 2).
tamper() { # IN OUT claim|sig
	"$PY" - "$@" <<'PYEOF'
import sys, cbor2
src, dst, what = sys.argv[1:]
rec = cbor2.loads(open(src, "rb").read())
body = rec.value if isinstance(rec, cbor2.CBORTag) else rec
protected, unprotected, payload, sig = body
if what == "claim":
    claims = cbor2.loads(payload)
    claims[6] += 1  # iat, one second later
    payload = cbor2.dumps(claims)
else:
    sig = sig[:-1] + bytes([sig[-1] ^ 1])
out = [protected, unprotected, payload, sig]
open(dst, "wb").write(cbor2.dumps(cbor2.CBORTag(rec.tag, out) if isinstance(rec, cbor2.CBORTag) else out))
PYEOF
}
t_run 0 "tamper: the record with iat + 1 (\$PY, cbor2)" tamper "$T/r1.rec" "$T/claim.rec" claim
t_run 1 "a record with a changed claim fails verification" "$POCTOOL" record verify "$T/claim.rec" --key "$T/record.pub.pem"
t_has "signature NOT valid" "... as a bad signature"
t_run 0 "tamper: one bit of the record's signature" tamper "$T/r1.rec" "$T/sig.rec" sig
t_run 1 "a record with a changed signature fails verification" "$POCTOOL" record verify "$T/sig.rec" --key "$T/record.pub.pem"
t_has "signature NOT valid" "... as a bad signature"
head -c 40 "$T/r1.rec" >"$T/cut.rec"
t_run 2 "a cut record is refused as no record (exit 2)" "$POCTOOL" record verify "$T/cut.rec" --key "$T/record.pub.pem"
t_run 1 "a denial also writes a record" "$POCTOOL" evidence verify "$T/r1.cbor" --policy "$T/policy.json" --nonce "$N2" \
	--verifier-key "$T/verifier.pem" --record "$T/deny.rec"
t_run 0 "the denial record verifies with its ephemeral key" "$POCTOOL" record verify "$T/deny.rec" --key "$T/deny.rec.pub.pem"
t_run 0 "record show of the denial" "$POCTOOL" record show "$T/deny.rec"
t_has "contraindicated" "the denial record says contraindicated"
t_has "\$.binding" "the denial record names the failing clause"

# Freshness on the verifier's clock (--nonce-time): evidence older than max_age_s, and a nonce-to-
# verification time over max_rtt_ms; without --nonce-time the clause is unverifiable (a warning).
t_run 1 "stale evidence (verified 10 minutes later) denied" "$POCTOOL" evidence verify "$T/r1.cbor" --policy "$T/policy.json" \
	--nonce "$N1" --nonce-time "$(ntime r1)" --verifier-key "$T/verifier.pem" --at $(( $(date +%s) + 600 ))
t_has "denied: \$.freshness.max_age_s" "reason: the evidence age"
sed 's|"max_age_s": 300|"max_age_s": 300, "max_rtt_ms": 1|' "$T/policy.json" >"$T/rtt.json"
t_run 1 "a round trip over max_rtt_ms denied" "$POCTOOL" evidence verify "$T/r1.cbor" --policy "$T/rtt.json" \
	--nonce "$N1" --nonce-time "$(ntime r1)" --verifier-key "$T/verifier.pem"
t_has "denied: \$.freshness.max_rtt_ms" "reason: the round trip"
t_run 0 "without --nonce-time freshness is unverifiable: accepted with a warning" "$POCTOOL" evidence verify "$T/r1.cbor" \
	--policy "$T/policy.json" --nonce "$N1" --verifier-key "$T/verifier.pem"
t_has "warning: \$.freshness" "names the freshness clause"

t_run 1 "replay of run 1 against nonce N2 denied" verify "$T/r1.cbor" "$N2"
t_has "a replay" "reason: a replay"

pack r2 "$T/mix.cbor" r1 one "$N1"
t_run 1 "TD quote of run 1 with the TPM quote of run 2 denied" verify "$T/mix.cbor" "$N1"
t_has "made for another TD quote" "reason: the TPM quote covers another TD quote"

# A second swtpm: its AK quotes the run-1 TD quote correctly, and is activated against its own EK.
poc_swtpm_start two || { echo "Bail out! swtpm two"; exit 1; }
t_run 0 "EK and AK in swtpm two" tpm_setup two
q=$( { printf 'poc-pkcs11/v1/tpm'; printf '%s' "$N1" | unhex; head -c 632 "$T/r1.td" | openssl dgst -sha384 -binary; } | sha sha256)
tpm2_quote -c "$T/two.ak.ctx" -l sha256:0,1,2,3,7 -q "$q" -m "$T/t2.attest" -s "$T/t2.sig" -g sha256 >/dev/null && flush
tpm2_pcrread sha256:0,1,2,3,7 | sed -nE 's/^ +([0-9]+) *: *0x([0-9A-Fa-f]+).*/\1 \2/p' | tr A-F a-f >"$T/t2.pcrs"
"$POCTOOL" evidence challenge --ek-pub "$T/two.ek.pub" --ak-pub "$T/two.ak.pub" --nonce "$N1" \
	--verifier-key "$T/verifier.pem" -o "$T/t2.cred" >/dev/null && activate two "$T/t2.cred" "$T/t2.secret"
cp "$T/r1.ntime" "$T/t2.ntime"
pack t2 "$T/second.cbor" r1 two "$N1"
t_run 1 "a TPM quote from a second swtpm denied" verify "$T/second.cbor" "$N1"
t_has "names another AK" "reason: the TD quote names another AK"

# An AK not activated against the EK: swtpm two's AK (which the TD quote of a fresh run names),
# presented with swtpm one's EK, certificate and one's activation secret.
N3=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
t_run 0 "run 3 on swtpm two" collect two r3 "$N3"
"$POCTOOL" evidence pack -o "$T/noact.cbor" --nonce "$N3" --nonce-time "$(cat "$T/r3.ntime")" --tdx-quote "$T/r3.td" --collateral "$T/sim/collateral" \
	--tpm-quote "$T/r3.attest" --tpm-sig "$T/r3.sig" --pcrs "$T/r3.pcrs" --ak-pub "$T/two.ak.pub" \
	--ek-pub "$T/one.ek.pub" --ek-cert "$T/one.ek.crt" --activated-secret "$T/r1.secret"
t_run 1 "an AK not activated against the EK denied" verify "$T/noact.cbor" "$N3" r3
t_has "not activated against the EK" "reason: credential activation"
t_run 2 "... and without the verifier key it is refused (the verifier cannot check it), never accepted" \
	"$POCTOOL" evidence verify "$T/noact.cbor" --policy "$T/policy.json" --nonce "$N3"
t_has "cannot appraise: \$.providers: the AK's credential activation was not checked" "reason: providers, no verifier key"

t_done
