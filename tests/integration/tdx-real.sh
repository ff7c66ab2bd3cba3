#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The real Intel TDX quotes through poctool evidence pack + verify, with the verdicts
# testdata/real/README.md states, and the Proof-of-Cloud clause on the TEE.fail forgery.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
t_need_testdata
T=$POC_TEST_TMP
X=$D/tdx

cat >"$T/tcb.json" <<JSON
{"version": 1, "tee": {"type": "tdx", "roots": ["$X/intel-sgx-root-ca.pem"], "tcb_status": ["UpToDate"]}}
JSON
cat >"$T/any-tcb.json" <<JSON
{"version": 1, "tee": {"type": "tdx", "roots": ["$X/intel-sgx-root-ca.pem"],
 "tcb_status": ["UpToDate", "SWHardeningNeeded", "ConfigurationNeeded", "ConfigurationAndSWHardeningNeeded",
                "OutOfDate", "OutOfDateConfigurationNeeded", "Revoked"]}}
JSON
cat >"$T/sig.json" <<JSON
{"version": 1, "tee": {"type": "tdx", "roots": ["$X/intel-sgx-root-ca.pem"]}}
JSON

# verdict WANT NAME QUOTE AT POLICY [pack args...]
verdict() {
	local want=$1 name=$2 quote=$3 at=$4 policy=$5; shift 5
	"$POCTOOL" evidence pack -o "$T/$name.cbor" --tdx-quote "$quote" "$@" >/dev/null 2>&1 ||
		{ t_fail "$name: pack"; return; }
	t_run "$want" "$name: exit $want at $at" "$POCTOOL" evidence verify "$T/$name.cbor" --policy "$T/$policy" --at "$at"
}

verdict 0 gcp "$X/gcp-tdx-1782809233/quote.bin" 1782809233 tcb.json --collateral "$X/gcp-tdx-1782809233/collateral"
t_has "TCB UpToDate since 2025-05-14" "gcp: TCB UpToDate, level 2025-05-14"
verdict 0 dcap "$X/dcap-tdx-1766059550/quote.bin" 1769509141 tcb.json --collateral "$X/dcap-tdx-1766059550/collateral"
t_has "TCB UpToDate since 2024-11-13" "dcap: TCB UpToDate, level 2024-11-13"
t_run 0 "dcap: REPORTDATA begins 74276a64 (tdx show)" "$POCTOOL" tdx show "$X/dcap-tdx-1766059550/quote.bin"
t_has "74276a64" "tdx show prints REPORTDATA"
verdict 1 azure-failed "$X/azure-failed-v5/quote.bin" 1771414156 tcb.json --collateral "$X/azure-failed-v5/collateral"
t_has "denied: \$.tee.tcb_status" "azure-failed-v5: denied under tcb_status"
t_has "TCB not supported" "azure-failed-v5: names the TCB"
t_run 1 "azure-failed-v5: denied under a policy accepting every status" "$POCTOOL" evidence verify "$T/azure-failed.cbor" --policy "$T/any-tcb.json" --at 1771414156
t_run 0 "azure-failed-v5: its signatures verify (no TCB clause)" "$POCTOOL" evidence verify "$T/azure-failed.cbor" --policy "$T/sig.json" --at 1771414156
t_has "TCB not appraised" "says the TCB was not appraised"
verdict 0 v5-sample "$X/go-tdx-guest/quote_v5_sample.dat" 1770076800 sig.json
verdict 0 spr-e4-2023 "$X/go-tdx-guest/tdx_prod_quote_SPR_E4.dat" 1688169600 sig.json
verdict 1 spr-e4-2053 "$X/go-tdx-guest/tdx_prod_quote_SPR_E4.dat" 2640000000 sig.json
t_has "denied: \$.tee.roots" "SPR_E4 in 2053: the chain clause"
t_has "expired" "SPR_E4 in 2053: certificates expired"
verdict 0 azure-tdx "$D/azure/tdx-vtpm-1780922561/tdx_quote.bin" 1780922561 tcb.json --collateral "$D/azure/tdx-vtpm-1780922561/collateral"

# cos-113: the CCEL replays to the quote's RTMRs; a log from another machine does not.
verdict 0 cos113-ccel "$X/go-tdx-guest/cos-113-tdx-quote.dat" 1730000000 sig.json \
	--ccel-table "$X/go-tdx-guest/ccel_table.dat" --ccel-log "$X/go-tdx-guest/ccel_data.dat"
cp "$X/go-tdx-guest/ccel_data.dat" "$T/ccel-bad.dat"
# Flip a byte of the first extended digest (after the Spec ID event: 32-byte header + data,
# then MR index, type, count and the sha384 algorithm id).
spec=$(od -An -j28 -N4 -tu4 "$T/ccel-bad.dat" | tr -d ' ')
printf '\x55' | dd of="$T/ccel-bad.dat" bs=1 seek=$((32 + spec + 14 + 5)) conv=notrunc status=none
verdict 1 cos113-badccel "$X/go-tdx-guest/cos-113-tdx-quote.dat" 1730000000 sig.json \
	--ccel-table "$X/go-tdx-guest/ccel_table.dat" --ccel-log "$T/ccel-bad.dat"
t_has "RTMR" "a changed CCEL names the RTMR"

# Nonce with binding none: REPORTDATA is the nonce padded to 64 bytes (zero here).
t_run 0 "gcp: an all-zero nonce matches its zero REPORTDATA" "$POCTOOL" evidence verify "$T/gcp.cbor" --policy "$T/tcb.json" --at 1782809233 --nonce 00
t_run 1 "gcp: another nonce is denied" "$POCTOOL" evidence verify "$T/gcp.cbor" --policy "$T/tcb.json" --at 1782809233 --nonce 01
t_has "denied: \$.binding" "names the binding clause"

# Measurements and DEBUG.
sed 's|"tcb_status": \["UpToDate"\]|"mrtd": ["'"$(printf '%096d' 0)"'"]|' "$T/tcb.json" >"$T/mrtd.json"
t_run 1 "an unexpected MRTD is denied" "$POCTOOL" evidence verify "$T/gcp.cbor" --policy "$T/mrtd.json" --at 1782809233
t_has "denied: \$.tee.mrtd" "names the mrtd clause"

# Collateral mismatches: another FMSPC's TCB Info, and collateral used after it expired.
verdict 1 gcp-with-azure-collateral "$X/gcp-tdx-1782809233/quote.bin" 1780922561 tcb.json --collateral "$D/azure/tdx-vtpm-1780922561/collateral"
t_has "FMSPC" "collateral from another FMSPC: named"
t_run 1 "gcp collateral a year after its nextUpdate is denied" "$POCTOOL" evidence verify "$T/gcp.cbor" --policy "$T/tcb.json" --at 1814345233
t_has "denied: \$.tee" "names a tee clause"

# Mutations of the quote: each denied with its own reason.
mutate() { # mutate NAME OFFSET: flip bit 0 of the byte at OFFSET in the gcp quote
	cp "$X/gcp-tdx-1782809233/quote.bin" "$T/$1.bin"
	local b; b=$(od -An -j"$2" -N1 -tu1 "$T/$1.bin" | tr -d ' ')
	printf "\\x$(printf %02x $(( b ^ 1 )))" | dd of="$T/$1.bin" bs=1 seek="$2" conv=notrunc status=none
	verdict 1 "$1" "$T/$1.bin" 1782809233 sig.json
}
mutate flip-body 200;  t_has "quote signature" "TD body flip: the quote signature"
mutate flip-qe 800;    t_has "QE report signature" "QE report flip: the QE report signature"
mutate flip-chain 2000; t_has "PCK" "PCK chain flip: the PCK chain"

# TEE.fail: every DCAP signature check passes ...
verdict 0 teefail-dcap "$X/tee-fail-forged/quote.bin" 1770000000 sig.json
t_has "poc: none" "TEE.fail: DCAP checks pass, and without a provider clause it is no Proof of Cloud"
# ... a provider clause (which endorses a vTPM) beside a tee clause needs a binding: refused without ...
cat >"$T/poc.json" <<JSON
{"version": 1, "providers": [{"name": "gcp", "roots": ["$D/gce-certs/gce-ekak-ca-root.pem"],
  "intermediates": ["$D/gce-certs/gce-ekak-ca-intermediate-v3.pem"]}],
 "tee": {"type": "tdx", "roots": ["$X/intel-sgx-root-ca.pem"]}}
JSON
t_run 2 "a tee + providers policy without a binding is refused" "$POCTOOL" evidence verify "$T/teefail-dcap.cbor" --policy "$T/poc.json" --at 1770000000
t_has "\$.binding" "the refusal names the binding clause"
# ... with poc-v1 it is denied: no vTPM quote binds it ...
sed 's|"tee": {|"binding": "poc-v1", "tee": {|' "$T/poc.json" >"$T/poc1.json"
t_run 1 "TEE.fail denied under providers + poc-v1" "$POCTOOL" evidence verify "$T/teefail-dcap.cbor" --policy "$T/poc1.json" --at 1770000000
t_has "denied: \$.binding" "the denial names the binding (no TPM quote)"
# ... the platforms clause rejects it: no allow-list names its platform (here: only GCP's) ...
gppid=$("$POCTOOL" tdx show "$X/gcp-tdx-1782809233/quote.bin" | sed -nE 's/^ *ppid +([0-9a-f]{32}).*/\1/p')
cat >"$T/gallow.json" <<JSON
{"version": 1, "platforms": {"allow": [{"ppid": "$gppid"}]}, "tee": {"type": "tdx", "roots": ["$X/intel-sgx-root-ca.pem"]}}
JSON
t_run 1 "TEE.fail denied by the platforms clause" "$POCTOOL" evidence verify "$T/teefail-dcap.cbor" --policy "$T/gallow.json" --at 1770000000
t_has "denied: \$.platforms" "the denial names the platforms clause"
# ... and an allow-list that explicitly endorses its PPID accepts it (the clause, not a hard-coded rejection).
ppid=$("$POCTOOL" tdx show "$X/tee-fail-forged/quote.bin" | sed -nE 's/^ *ppid +([0-9a-f]{32}).*/\1/p')
cat >"$T/allow.json" <<JSON
{"version": 1, "platforms": {"allow": [{"ppid": "$ppid"}]}, "tee": {"type": "tdx", "roots": ["$X/intel-sgx-root-ca.pem"]}}
JSON
t_run 0 "TEE.fail accepted when the allow-list names its PPID ($ppid)" "$POCTOOL" evidence verify "$T/teefail-dcap.cbor" --policy "$T/allow.json" --at 1770000000
t_has "poc: affirming (provider platform allow-list (PPID))" "the allow-list is what endorsed it"
t_run 1 "the GCP quote is denied under that allow-list" "$POCTOOL" evidence verify "$T/gcp.cbor" --policy "$T/allow.json" --at 1782809233
t_has "denied: \$.platforms" "names the platforms clause"

t_run 2 "tdx show on a non-quote is unusable input" "$POCTOOL" tdx show "$D/gce-cos85-nonce9009/ak.pub"
t_done
