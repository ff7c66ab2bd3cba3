#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Items 9 and 11 of issue 10, attacked from outside: event logs edited or written by a Python
# producer (emptied, trimmed, a bank removed, CCEL events removed), the PCR/RTMR cross-check
# required without what it needs, events hidden after the padding, a flood of empty events, a quote
# of no PCR beside a log, policies that read two ways (duplicate names, NULs), an
# empty POE owner list and all-zero platform identifiers, a POE token that never expires, and
# provider leaf certificates made with openssl for the wrong purpose under the test CA. Each
# next to its control: the real GCE capture (nonce 9009), the cos-113 CCEL, honest logs.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
t_need_testdata
T=$POC_TEST_TMP
G=$D/gce-cos85-nonce9009
X=$D/tdx/go-tdx-guest
AT=1780000000

# evlog.py: edit a TCG crypto-agile log (or CCEL) or write one. Digests are read from the
# log's own Spec ID event; nothing of the project's code is used.
cat >"$T/evlog.py" <<'PY'
import hashlib, struct, sys
SIZES = {0x0004: 20, 0x000b: 32, 0x000c: 48, 0x000d: 64}
HASH = {0x0004: hashlib.sha1, 0x000b: hashlib.sha256, 0x000c: hashlib.sha384}
def parse(b):
    pcr, typ = struct.unpack_from("<II", b, 0); size = struct.unpack_from("<I", b, 28)[0]
    spec = bytearray(b[32:32 + size]); off = 32 + size
    nalg = struct.unpack_from("<I", spec, 24)[0]
    algs = [struct.unpack_from("<HH", spec, 28 + 4 * i) for i in range(nalg)]
    evs = []
    while off + 12 <= len(b):
        pcr, typ, cnt = struct.unpack_from("<III", b, off)
        if (pcr, typ) in ((0, 0), (0xffffffff, 0xffffffff)): break
        o = off + 12; dig = []
        for _ in range(cnt):
            a = struct.unpack_from("<H", b, o)[0]; n = dict(algs)[a]; dig.append((a, b[o + 2:o + 2 + n])); o += 2 + n
        n = struct.unpack_from("<I", b, o)[0]; data = b[o + 4:o + 4 + n]; off = o + 4 + n
        evs.append([pcr, typ, dig, data])
    return algs, spec, evs
def write(algs, spec, evs):
    spec = bytearray(spec[:24]) + struct.pack("<I", len(algs)) + b"".join(struct.pack("<HH", a, n) for a, n in algs) + b"\0"
    out = struct.pack("<II", 0, 3) + bytes(20) + struct.pack("<I", len(spec)) + spec
    for pcr, typ, dig, data in evs:
        out += struct.pack("<III", pcr, typ, len(dig)) + b"".join(struct.pack("<H", a) + d for a, d in dig)
        out += struct.pack("<I", len(data)) + data
    return out
cmd = sys.argv[1]
if cmd == "new":  # new OUT ALGS(hex,comma) PCR:TEXT...  (writes extend commands on stdout)
    algs = [(int(a, 16), SIZES[int(a, 16)]) for a in sys.argv[3].split(",")]
    spec = b"Spec ID Event03\0" + struct.pack("<IBBBB", 0, 0, 2, 0, 2)
    evs = []
    for spec_ev in sys.argv[4:]:
        pcr, text = spec_ev.split(":", 1)
        evs.append([int(pcr), 0x80000007, [(a, HASH[a](text.encode()).digest()) for a, _ in algs], text.encode()])
        print(pcr, " ".join("%s=%s" % ({0x0b: "sha256", 0x0c: "sha384", 4: "sha1"}[a], d.hex()) for a, d in evs[-1][2]))
    open(sys.argv[2], "wb").write(write(algs, spec, evs)); sys.exit(0)
src, out = sys.argv[2], sys.argv[3]
algs, spec, evs = parse(open(src, "rb").read())
arg = sys.argv[4] if len(sys.argv) > 4 else None
real = [e for e in evs if e[1] != 3]  # EV_NO_ACTION events are not measurements
if cmd == "empty": evs = []
elif cmd == "drop-pcr": evs = [e for e in evs if e[0] != int(arg) or e[1] == 3]
elif cmd == "drop-last": evs.remove(real[-1])
elif cmd == "drop-last-of": evs.remove([e for e in real if e[0] == int(arg)][-1])
elif cmd == "drop-bank":
    a = int(arg, 16); algs = [x for x in algs if x[0] != a]
    for e in evs: e[2] = [d for d in e[2] if d[0] != a]
elif cmd == "many": evs += [[1, 1, [], b""] for _ in range(int(arg))]  # tiny events with no digest
elif cmd in ("pad", "hide"):  # padding after the log; "hide": an event after that padding
    tail = bytes(16)
    if cmd == "hide": tail += write(algs, spec, [[4, 0x80000007, [(a, bytes(n)) for a, n in algs], b"hidden"]])[len(write(algs, spec, [])):]
    open(out, "wb").write(write(algs, spec, evs) + tail); sys.exit(0)
elif cmd == "rtmrs":  # print RTMR0-3 as the CCEL replays them (MR index 1-4), then exit
    r = [bytes(48)] * 4
    for p, t, dig, _ in evs:
        if t != 3 and 1 <= p <= 4: r[p - 1] = hashlib.sha384(r[p - 1] + dict(dig)[0x0c]).digest()
    print(" ".join(x.hex() for x in r)); sys.exit(0)
else: sys.exit("unknown command " + cmd)
open(out, "wb").write(write(algs, spec, evs))
PY

packg() { # packg OUT LOG: the three quotes of the real GCE capture with LOG
	"$POCTOOL" evidence pack -o "$1" --ak-pub "$G/ak.pub" --ak-cert "$G/ak.crt.der" ${2:+--eventlog "$2"} \
		--tpm-quote "$G/quote-sha1.attest" --tpm-sig "$G/quote-sha1.sig" --pcrs "$G/pcrs-sha1.txt" \
		--tpm-quote "$G/quote-sha256.attest" --tpm-sig "$G/quote-sha256.sig" --pcrs "$G/pcrs-sha256.txt" \
		--tpm-quote "$G/quote-sha384.attest" --tpm-sig "$G/quote-sha384.sig" --pcrs "$G/pcrs-sha384.txt"
}
verifyg() { "$POCTOOL" evidence verify "$1" --policy "$2" --nonce 9009 --at $AT; }
cat >"$T/gce.json" <<JSON
{"version": 1,
 "providers": [{"name": "gcp-legacy", "roots": ["$D/gce-certs/gce-tpm-ek-root-1.pem"],
                "intermediates": ["$D/gce-certs/gce-tpm-ek-intermediate-2.pem"]}],
 "vtpm": {"eventlog": "required"}, "binding": "none"}
JSON
sed 's|"required"|"optional"|' "$T/gce.json" >"$T/gce-opt.json"

# --- The vTPM event log, strict replay, on the real GCE capture ----------------------------
t_run 0 "pack the real GCE capture with its log" packg "$T/gce.cbor" "$G/eventlog.bin"
t_run 0 "control: the real log is accepted with eventlog required" verifyg "$T/gce.cbor" "$T/gce.json"
t_has "PCR 10 (IMA" "the note says PCR 10 (IMA) is not described by the firmware log"
for spec in "empty::PCR 0 is quoted" "drop-pcr:4:PCR 4 is quoted" "drop-pcr:7:PCR 7 is quoted" \
	"drop-last::replays to" "drop-last-of:0:PCR 0 replays to" "drop-last-of:9:PCR 9 is quoted" \
	"drop-bank:000b:declares no sha256 digests" "drop-bank:0004:declares no sha1 digests"; do
	IFS=: read -r cmd arg want <<<"$spec"
	"$PY" "$T/evlog.py" "$cmd" "$G/eventlog.bin" "$T/log-$cmd$arg.bin" $arg || { t_fail "producer $cmd $arg"; continue; }
	packg "$T/log.cbor" "$T/log-$cmd$arg.bin" >/dev/null || { t_fail "pack $cmd $arg"; continue; }
	t_run 1 "a log edited ($cmd $arg) is denied with eventlog required" verifyg "$T/log.cbor" "$T/gce.json"
	t_has "denied: \$.vtpm.eventlog" "... names \$.vtpm.eventlog"
	t_has "$want" "... and says why ($want)"
	t_run 1 "... and denied when the log is optional but present" verifyg "$T/log.cbor" "$T/gce-opt.json"
done
# Padding ends a log (CCEL areas are 0xFF-filled): only padding may follow, or events hidden
# after it would be read by parsers without that rule; and a log of 20000 empty events (each
# costs the verifier memory) is refused.
"$PY" "$T/evlog.py" pad "$G/eventlog.bin" "$T/log-pad.bin" && packg "$T/log.cbor" "$T/log-pad.bin" >/dev/null ||
	t_fail "producer pad"
t_run 0 "control: the real log followed by zero padding is accepted" verifyg "$T/log.cbor" "$T/gce.json"
"$PY" "$T/evlog.py" hide "$G/eventlog.bin" "$T/log-hide.bin" && packg "$T/log.cbor" "$T/log-hide.bin" >/dev/null ||
	t_fail "producer hide"
t_run 1 "an event hidden after the padding is denied" verifyg "$T/log.cbor" "$T/gce.json"
t_has "denied: \$.vtpm.eventlog" "... names \$.vtpm.eventlog"
t_has "after the padding" "... and the data after the padding"
"$PY" "$T/evlog.py" many "$G/eventlog.bin" "$T/log-many.bin" 20000 && packg "$T/log.cbor" "$T/log-many.bin" >/dev/null ||
	t_fail "producer many"
t_run 2 "a log of 20000 more empty events is refused" verifyg "$T/log.cbor" "$T/gce-opt.json"
t_has "more than 16384 events" "... saying why"
t_run 0 "pack without a log" packg "$T/nolog.cbor" ""
t_run 1 "no log with eventlog required: denied" verifyg "$T/nolog.cbor" "$T/gce.json"
t_run 0 "no log with eventlog optional: accepted" verifyg "$T/nolog.cbor" "$T/gce-opt.json"

# --- The CCEL, strict replay, on cos-113 ---------------------------------------------------
echo "{\"version\": 1, \"tee\": {\"type\": \"tdx\", \"roots\": [\"$D/tdx/intel-sgx-root-ca.pem\"]}}" >"$T/tdx.json"
packc() { "$POCTOOL" evidence pack -o "$1" --tdx-quote "$X/cos-113-tdx-quote.dat" --ccel-table "$X/ccel_table.dat" --ccel-log "$2"; }
t_run 0 "pack cos-113 with its CCEL" packc "$T/cos.cbor" "$X/ccel_data.dat"
t_run 0 "control: the real CCEL reproduces RTMR0-3" "$POCTOOL" evidence verify "$T/cos.cbor" --policy "$T/tdx.json" --at 1730000000
for spec in "empty::RTMR0 is quoted" "drop-pcr:2:RTMR1 is quoted" "drop-pcr:3:RTMR2 is quoted" \
	"drop-last::RTMR" "drop-last-of:1:RTMR0 replays"; do
	IFS=: read -r cmd arg want <<<"$spec"
	"$PY" "$T/evlog.py" "$cmd" "$X/ccel_data.dat" "$T/ccel-$cmd$arg.bin" $arg || { t_fail "producer $cmd $arg"; continue; }
	packc "$T/c.cbor" "$T/ccel-$cmd$arg.bin" >/dev/null || { t_fail "pack $cmd $arg"; continue; }
	t_run 1 "a CCEL edited ($cmd $arg) is denied" "$POCTOOL" evidence verify "$T/c.cbor" --policy "$T/tdx.json" --at 1730000000
	t_has "denied: \$.tee" "... names \$.tee"
	t_has "$want" "... and the RTMR ($want)"
done

# --- Policies that must be refused (exit 2) ------------------------------------------------
refuse() { # refuse DESC TEXT JSON
	printf '%s\n' "$3" >"$T/bad.json"
	t_run 2 "$1 is refused" verifyg "$T/gce.cbor" "$T/bad.json"
	t_has "$2" "... saying so ($2)"
}
Z32=$(printf '%032d' 0)
refuse "a duplicate top-level field" 'field "version" appears twice' '{"version": 1, "version": 1}'
refuse "a duplicate nested field" '$.vtpm: field "eventlog" appears twice' \
	'{"version": 1, "vtpm": {"eventlog": "required", "eventlog": "optional"}}'
refuse "a duplicate field spelled with an escape" 'field "eventlog" appears twice' \
	'{"version": 1, "vtpm": {"eventlog": "optional", "ev\u0065ntlog": "required"}}'
refuse "a duplicate PCR index" 'field "0" appears twice' \
	"{\"version\": 1, \"vtpm\": {\"pcrs\": {\"sha256\": {\"0\": [\"$(printf '%064d' 0)\"], \"0\": [\"$(printf '%064d' 1)\"]}}}}"
refuse "a duplicate field inside an array element" '$.providers[0]: field "roots" appears twice' \
	"{\"version\": 1, \"providers\": [{\"name\": \"a\", \"roots\": [\"$D/gce-certs/gce-tpm-ek-root-1.pem\"], \"roots\": [\"$D/gce-certs/gce-ekak-ca-root.pem\"]}]}"
refuse "a NUL in a field name" 'NUL character' '{"version": 1, "binding\u0000": "none"}'
refuse "a NUL in a value" 'NUL character' '{"version": 1, "binding": "none\u0000poc-v1"}'
refuse "platforms.poe.owners: []" 'owners: between 1' \
	"{\"version\": 1, \"platforms\": {\"poe\": {\"roots\": [\"$D/gce-certs/gce-ekak-ca-root.pem\"], \"owners\": []}}}"
refuse "platforms.poe.owners: [\"\"]" 'owners[0]: a non-empty string' \
	"{\"version\": 1, \"platforms\": {\"poe\": {\"roots\": [\"$D/gce-certs/gce-ekak-ca-root.pem\"], \"owners\": [\"\"]}}}"
refuse "an all-zero PPID in the allow-list" 'all-zero PPID' "{\"version\": 1, \"platforms\": {\"allow\": [{\"ppid\": \"$Z32\"}]}}"
refuse "an all-zero PIID in the allow-list" 'all-zero PIID' "{\"version\": 1, \"platforms\": {\"allow\": [{\"piid\": \"$Z32\"}]}}"
roots65=$(for i in $(seq 65); do printf '"%s",' "$D/gce-certs/gce-tpm-ek-root-1.pem"; done)
refuse "a list of 65 certificate files" 'roots: at most 64 files' \
	"{\"version\": 1, \"providers\": [{\"name\": \"a\", \"roots\": [${roots65%,}]}], \"binding\": \"none\"}"
refuse "crosscheck required without poc-v1 and a tee clause" 'crosscheck: "required" needs' \
	'{"version": 1, "vtpm": {"crosscheck": "required"}, "binding": "none"}'
refuse "an unknown crosscheck value" 'crosscheck: "required" or "optional"' '{"version": 1, "vtpm": {"crosscheck": "always"}}'

# --- The PCR/RTMR cross-check (poc-v1) on swtpm + the TDX simulator ------------------------
# The producer writes a vTPM log (sha256+sha384) and a CCEL (sha384) of the same three firmware
# events (PCR 1 -> RTMR0, PCR 2 -> RTMR1, PCR 8 -> RTMR2); tpm2_pcrextend replays the vTPM log
# into the swtpm, `sim quote --rtmr` puts the CCEL's RTMRs in the TD quote.
hex() { od -An -v -tx1 | tr -d ' \n'; }
sha() { openssl dgst -"$1" -binary | hex; }
flush() { tpm2_flushcontext -t; }
t_run 0 "poctool sim init" "$POCTOOL" sim init "$T/sim"
poc_swtpm_start logs || { echo "Bail out! swtpm"; exit 1; }
CA=$POC_SWTPM_DIR/ca
tpm2_createek -c "$T/ek.ctx" -G rsa -u "$T/ek.pub" >/dev/null && flush &&
	tpm2_createak -C "$T/ek.ctx" -c "$T/ak.ctx" -G rsa -g sha256 -s rsassa -u "$T/ak.pub" -n "$T/ak.name" >/dev/null &&
	flush || { echo "Bail out! tpm2-tools"; exit 1; }
events=("1:poc firmware event one" "2:poc firmware event two" "8:poc boot loader event")
"$PY" "$T/evlog.py" new "$T/vtpm.log" 000b,000c "${events[@]}" >"$T/extends" &&
	"$PY" "$T/evlog.py" new "$T/ccel.log" 000c "1:poc firmware event one" "2:poc firmware event two" \
		"3:poc boot loader event" >/dev/null || { echo "Bail out! producer"; exit 1; } # MR index: RTMR n = n + 1
while read -r pcr digests; do
	tpm2_pcrextend "$pcr:$(echo "$digests" | tr ' ' ',')" || { echo "Bail out! tpm2_pcrextend"; exit 1; }
done <"$T/extends"
read -r r0 r1 r2 r3 <<<"$("$PY" "$T/evlog.py" rtmrs "$T/ccel.log" /dev/null)"
N=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
rd=$( { printf 'poc-pkcs11/v1/tdx'; printf '%s' "$N" | xxd -r -p; cat "$T/ak.name"; } | sha sha512)
"$POCTOOL" sim quote "$T/sim" --report-data "$rd" --rtmr "0:$r0" --rtmr "1:$r1" --rtmr "2:$r2" -o "$T/td.bin" >/dev/null ||
	{ echo "Bail out! sim quote"; exit 1; }
q=$( { printf 'poc-pkcs11/v1/tpm'; printf '%s' "$N" | xxd -r -p; head -c 632 "$T/td.bin" | openssl dgst -sha384 -binary; } | sha sha256)
for bank in sha256 sha384; do
	tpm2_quote -c "$T/ak.ctx" -l "$bank:0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23" -q "$q" \
		-m "$T/q-$bank.attest" -s "$T/q-$bank.sig" -g sha256 >/dev/null && flush || { echo "Bail out! tpm2_quote"; exit 1; }
	tpm2_pcrread "$bank" | sed -nE 's/^ +([0-9]+) *: *0x([0-9A-Fa-f]+).*/\1 \2/p' | tr A-F a-f >"$T/pcrs-$bank.txt"
done
tpm2_quote -c "$T/ak.ctx" -l "sha256:0,1,2" -q "$q" -m "$T/q-few.attest" -s "$T/q-few.sig" -g sha256 >/dev/null && flush
tpm2_pcrread sha256:0,1,2 | sed -nE 's/^ +([0-9]+) *: *0x([0-9A-Fa-f]+).*/\1 \2/p' | tr A-F a-f >"$T/pcrs-few.txt"
simroot=$(tr -d ' \n' <"$T/sim/policy-fragment.json" | sed -nE 's/.*"tee":\{[^}]*"roots":\["([^"]+)"\].*/\1/p')
cat >"$T/cross.json" <<JSON
{"version": 1, "tee": {"type": "tdx", "roots": ["$simroot"], "tcb_status": ["UpToDate"]},
 "vtpm": {"eventlog": "required", "crosscheck": "required"}, "binding": "poc-v1"}
JSON
sed 's|, "crosscheck": "required"||' "$T/cross.json" >"$T/nocross.json"
packx() { # packx OUT [--no-vtpm-log] [--no-ccel] [--few] [--ccel FILE]
	local out=$1 log=(--eventlog "$T/vtpm.log") ccel=(--ccel-log "$T/ccel.log") quotes=(sha256 sha384); shift
	while [ $# -gt 0 ]; do case $1 in
		--no-vtpm-log) log=() ;; --no-ccel) ccel=() ;; --sha256-only) quotes=(sha256) ;; --few) quotes=(few) ;;
		--ccel) ccel=(--ccel-log "$2"); shift ;; esac; shift; done
	local qa=(); for b in "${quotes[@]}"; do qa+=(--tpm-quote "$T/q-$b.attest" --tpm-sig "$T/q-$b.sig" --pcrs "$T/pcrs-$b.txt"); done
	"$POCTOOL" evidence pack -o "$out" --nonce "$N" --tdx-quote "$T/td.bin" --collateral "$T/sim/collateral" \
		--ak-pub "$T/ak.pub" "${log[@]}" "${ccel[@]}" "${qa[@]}"
}
verifyx() { "$POCTOOL" evidence verify "$1" --policy "$2" --nonce "$N"; }
t_run 0 "pack: both logs, sha256 and sha384 quotes" packx "$T/x.cbor"
t_run 0 "control: crosscheck required, the logs agree: accepted" verifyx "$T/x.cbor" "$T/cross.json"
t_has "agree event by event" "... the cross-check was made"
t_run 0 "pack: sha256 quote only" packx "$T/x256.cbor" --sha256-only
t_run 1 "crosscheck required without a sha384 quote: denied" verifyx "$T/x256.cbor" "$T/cross.json"
t_has "denied: \$.vtpm.crosscheck" "... names \$.vtpm.crosscheck"
t_has "sha384 PCRs 1-15" "... and what is missing"
t_run 0 "... without the requirement: accepted, and not called a cross-check" verifyx "$T/x256.cbor" "$T/nocross.json"
t_has "cross-check not made" "... the note says it was not made"
t_run 0 "pack: no CCEL" packx "$T/xnoccel.cbor" --no-ccel
t_run 1 "crosscheck required without a CCEL: denied" verifyx "$T/xnoccel.cbor" "$T/cross.json"
t_has "the evidence has no CCEL" "... says the CCEL is missing"
t_run 0 "pack: no vTPM log" packx "$T/xnolog.cbor" --no-vtpm-log
t_run 1 "crosscheck required without a vTPM log: denied" verifyx "$T/xnolog.cbor" "$T/cross.json"
t_has "denied: \$.vtpm" "... names the vtpm clause"
"$PY" "$T/evlog.py" drop-last "$T/ccel.log" "$T/ccel-short.log"
t_run 0 "pack: a CCEL without its last event" packx "$T/xshort.cbor" --ccel "$T/ccel-short.log"
t_run 1 "... denied (it no longer reproduces RTMR2)" verifyx "$T/xshort.cbor" "$T/cross.json"
t_has "denied: \$.tee" "... names \$.tee"
t_run 0 "pack: a quote of sha256 PCRs 0-2 only, with the whole log" packx "$T/xfew.cbor" --few --no-ccel
t_run 1 "eventlog required: a log extending PCR 8, which no quote covers, is denied" verifyx "$T/xfew.cbor" "$T/nocross.json"
t_has "no verified quote covers" "... names the unquoted PCRs"

# --- Provider leaf certificates for the wrong purpose (openssl, under the swtpm test CA) ----
# Credential activation as credential.sh does it (binding "none"): the EK certificate the
# provider clause appraises is swtpm_setup's (control), or one openssl issues under the same
# CA for the same EK key with a signing keyUsage (denied). Likewise an AK certificate for the
# quoting AK: digitalSignature (control) or keyEncipherment only (denied).
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/verifier.pem" 2>/dev/null
tpm2_nvread 0x1c00002 -o "$T/ek.crt" >/dev/null 2>&1 || { echo "Bail out! EK certificate"; exit 1; }
openssl x509 -inform DER -in "$T/ek.crt" -pubkey -noout >"$T/ek.pubkey.pem"
tpm2_readpublic -c "$T/ak.ctx" -f pem -o "$T/ak.pubkey.pem" >/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/throwaway.key" 2>/dev/null
issue() { # issue OUT PUBKEY KEYUSAGE [EKU]: a leaf under the swtpm CA for PUBKEY
	openssl req -new -key "$T/throwaway.key" -subj "/CN=openssl leaf" -out "$T/leaf.csr" 2>/dev/null &&
		printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,%s\n%s' "$3" "${4:+extendedKeyUsage=$4
}" >"$T/leaf.ext" &&
		openssl x509 -req -in "$T/leaf.csr" -force_pubkey "$2" -CA "$CA/issuercert.pem" -CAkey "$CA/signkey.pem" \
			-CAcreateserial -days 30 -extfile "$T/leaf.ext" -outform DER -out "$1" 2>/dev/null
}
t_run 0 "openssl: an 'EK' certificate with keyUsage digitalSignature" issue "$T/ek-sign.crt" "$T/ek.pubkey.pem" digitalSignature 2.23.133.8.1
t_run 0 "openssl: an EK certificate with keyEncipherment but a TLS extendedKeyUsage" issue "$T/ek-tls.crt" "$T/ek.pubkey.pem" keyEncipherment serverAuth
t_run 0 "openssl: an AK certificate with keyUsage digitalSignature" issue "$T/ak-good.crt" "$T/ak.pubkey.pem" digitalSignature
t_run 0 "openssl: an AK certificate with keyUsage keyEncipherment only" issue "$T/ak-enc.crt" "$T/ak.pubkey.pem" keyEncipherment
cat >"$T/prov.json" <<JSON
{"version": 1,
 "providers": [{"name": "swtpm-test-ca", "roots": ["$CA/swtpm-localca-rootca-cert.pem"], "intermediates": ["$CA/issuercert.pem"]}],
 "binding": "none"}
JSON
activate() { # activate CRED OUT
	tpm2_startauthsession --policy-session -S "$T/session.ctx" >/dev/null &&
		tpm2_policysecret -S "$T/session.ctx" -c e >/dev/null &&
		tpm2_activatecredential -c "$T/ak.ctx" -C "$T/ek.ctx" -i "$1" -o "$2" -P "session:$T/session.ctx" >/dev/null
	local rc=$?
	tpm2_flushcontext "$T/session.ctx" >/dev/null 2>&1
	flush >/dev/null 2>&1
	return $rc
}
M=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
"$POCTOOL" evidence challenge --ek-pub "$T/ek.pub" --ak-pub "$T/ak.pub" --nonce "$M" --verifier-key "$T/verifier.pem" \
	-o "$T/cred" >/dev/null && activate "$T/cred" "$T/secret" &&
	tpm2_quote -c "$T/ak.ctx" -l sha256:0,7 -q "$M" -m "$T/p.attest" -s "$T/p.sig" -g sha256 >/dev/null && flush ||
	{ echo "Bail out! activation"; exit 1; }
tpm2_pcrread sha256:0,7 | sed -nE 's/^ +([0-9]+) *: *0x([0-9A-Fa-f]+).*/\1 \2/p' | tr A-F a-f >"$T/p.pcrs"
packp() { # packp OUT EK-CERT [AK-CERT]
	"$POCTOOL" evidence pack -o "$1" --nonce "$M" --ak-pub "$T/ak.pub" --ek-pub "$T/ek.pub" --ek-cert "$2" \
		--activated-secret "$T/secret" --tpm-quote "$T/p.attest" --tpm-sig "$T/p.sig" --pcrs "$T/p.pcrs" ${3:+--ak-cert "$3"}
}
verifyp() { "$POCTOOL" evidence verify "$1" --policy "$T/prov.json" --nonce "$M" --verifier-key "$T/verifier.pem"; }
t_run 0 "pack with swtpm_setup's EK certificate" packp "$T/p-good.cbor" "$T/ek.crt"
t_run 0 "control: swtpm_setup's EK certificate endorses the activated AK" verifyp "$T/p-good.cbor"
t_has "poc: affirming (provider swtpm-test-ca)" "... the provider is named"
for c in ek-sign:keyEncipherment ek-tls:tcg-kp-EKCertificate; do
	t_run 0 "pack with $c" packp "$T/p-${c%%:*}.cbor" "$T/${c%%:*}.crt"
	t_run 1 "an EK certificate without the EK profile ($c) is denied" verifyp "$T/p-${c%%:*}.cbor"
	t_has "denied: \$.providers" "... names \$.providers"
	t_has "${c#*:}" "... and the rule (${c#*:})"
done
# A quote of no PCR at all (tpm2_quote -l sha256:none) verifies no event of any log: "required"
# cannot be met by it, whatever log rides along (here the real GCE one).
tpm2_quote -c "$T/ak.ctx" -l sha256:none -q "$M" -m "$T/none.attest" -s "$T/none.sig" -g sha256 >/dev/null && flush &&
	: >"$T/none.pcrs" && "$POCTOOL" evidence pack -o "$T/p-none.cbor" --nonce "$M" --ak-pub "$T/ak.pub" --ek-pub "$T/ek.pub" \
		--ek-cert "$T/ek.crt" --activated-secret "$T/secret" --tpm-quote "$T/none.attest" --tpm-sig "$T/none.sig" \
		--pcrs "$T/none.pcrs" --eventlog "$G/eventlog.bin" >/dev/null || t_fail "a quote of no PCR"
sed 's|"binding"|"vtpm": {"eventlog": "required"}, "binding"|' "$T/prov.json" >"$T/prov-req.json"
sed 's|"required"|"optional"|' "$T/prov-req.json" >"$T/prov-opt.json"
t_run 1 "eventlog required, a quote of no PCR and another machine's log: denied" "$POCTOOL" evidence verify "$T/p-none.cbor" \
	--policy "$T/prov-req.json" --nonce "$M" --verifier-key "$T/verifier.pem"
t_has "denied: \$.vtpm.eventlog" "... names \$.vtpm.eventlog"
t_has "no verified quote covers any PCR" "... and why"
t_run 0 "... eventlog optional: accepted, saying no event is verified" "$POCTOOL" evidence verify "$T/p-none.cbor" \
	--policy "$T/prov-opt.json" --nonce "$M" --verifier-key "$T/verifier.pem"
t_has "none of its events is verified" "... the note says so"
if printf '%s' "$T_OUT" | grep -q "NonHostInfo"; then t_fail "... and nothing of the unverified log is reported"
else t_ok "... and nothing of the unverified log is reported"; fi
t_run 0 "pack with an AK certificate with digitalSignature" packp "$T/p-akgood.cbor" "$T/ek-sign.crt" "$T/ak-good.crt"
t_run 0 "control: an AK certificate with digitalSignature endorses the AK" verifyp "$T/p-akgood.cbor"
t_run 0 "pack with an AK certificate without digitalSignature" packp "$T/p-akenc.cbor" "$T/ek-sign.crt" "$T/ak-enc.crt"
t_run 1 "an AK certificate without digitalSignature is denied" verifyp "$T/p-akenc.cbor"
t_has "keyUsage lacks digitalSignature" "... names the rule"

# --- A POE token without validity (tests/poe-make, an endorser made with openssl) ----------
POEMAKE=$POC_BUILDDIR/tests/poe-make
"$POCTOOL" sim quote "$T/sim" --report-data 00 -o "$T/pq.bin" >/dev/null
piid=$("$POCTOOL" tdx show "$T/pq.bin" | sed -nE 's/^ *piid +([0-9a-f]{32}).*/\1/p')
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/end.key" -subj "/CN=endorser root" -days 30 \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -out "$T/end.pem" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/poe.key" -subj "/CN=poe signer" -out "$T/poe.csr" 2>/dev/null &&
	printf 'keyUsage=critical,digitalSignature\n' >"$T/poe.ext" &&
	openssl x509 -req -in "$T/poe.csr" -CA "$T/end.pem" -CAkey "$T/end.key" -CAcreateserial -days 30 -extfile "$T/poe.ext" \
		-out "$T/poe.pem" 2>/dev/null && cat "$T/poe.pem" "$T/end.pem" >"$T/poe-chain.pem" || { echo "Bail out! openssl"; exit 1; }
cat >"$T/poe.json" <<JSON
{"version": 1, "platforms": {"poe": {"roots": ["$T/end.pem"], "owners": ["csp.example"]}},
 "tee": {"type": "tdx", "roots": ["$simroot"], "tcb_status": ["UpToDate"]}}
JSON
now=$(date +%s)
t_run 0 "a POE token valid for a day" "$POEMAKE" --key "$T/poe.key" --chain "$T/poe-chain.pem" --piid "$piid" --owner csp.example \
	--not-before $((now - 60)) --not-after $((now + 86400)) -o "$T/poe-ok.cbor"
t_run 0 "a POE token without validity" "$POEMAKE" --key "$T/poe.key" --chain "$T/poe-chain.pem" --piid "$piid" --owner csp.example \
	-o "$T/poe-forever.cbor"
for t in ok:0 forever:1; do
	"$POCTOOL" evidence pack -o "$T/b-${t%%:*}.cbor" --tdx-quote "$T/pq.bin" --collateral "$T/sim/collateral" --poe "$T/poe-${t%%:*}.cbor" >/dev/null
	t_run "${t#*:}" "the POE token ($t) gives exit ${t#*:}" "$POCTOOL" evidence verify "$T/b-${t%%:*}.cbor" --policy "$T/poe.json"
done
t_has "no validity window" "... a token that never expires is named as such"
t_done
