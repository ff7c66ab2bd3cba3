#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# AL4 through IMA (docs/levels.md): an IMA measurement list (ima-ng, written here) whose template
# hashes swtpm's PCR 10 was extended with (tpm2_pcrextend), quoted under poc-v1 beside a simulated
# TD booted to AL3 (a UKI in RTMR1). IMA lives in the vTPM, so it counts for the nominal level only.
# Denied one level short under min_nominal 4 for a file outside the allow-list, an edited list,
# and a violation entry; accepted for the honest list.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
T=$POC_TEST_TMP
. "$POC_SRCDIR/tests/poc-v1-lib.sh"
N=$(printf '%064d' 0 | tr 0 9)
UKI=$(printf 'the UKI' | openssl dgst -sha384 -r | cut -d' ' -f1)

# imalog OUT [MODE]: boot_aggregate and three files; prints each entry's sha256 template hash.
# MODE edit: the third file's digest changed after the hashes were printed; violation: a zero template digest.
imalog() {
	python3 - "$@" <<'PY'
import hashlib, struct, sys
out, mode = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else '')
files = [('boot_aggregate', b'aggregate'), ('/usr/bin/bash', b'bash'), ('/usr/lib/libc.so.6', b'libc'), ('/etc/app.conf', b'conf')]
log = b''
for i, (path, content) in enumerate(files):
    fd = hashlib.sha256(content).digest()
    dng = b'sha256:\0' + fd
    nng = path.encode() + b'\0'
    tdata = struct.pack('<I', len(dng)) + dng + struct.pack('<I', len(nng)) + nng
    tdig = hashlib.sha1(tdata).digest()
    if mode == 'violation' and i == 2:
        tdig = b'\0' * 20
        print('ff' * 32)
    else:
        print(hashlib.sha256(tdata).hexdigest())
    if mode == 'edit' and i == 3:
        tdata = tdata.replace(fd, hashlib.sha256(b'another conf').digest())
    log += struct.pack('<I', 10) + tdig + struct.pack('<I', 6) + b'ima-ng' + struct.pack('<I', len(tdata)) + tdata
open(out, 'wb').write(log)
PY
}
allow() { for c in "$@"; do printf '%s' "$c" | openssl dgst -sha256 -r | cut -d' ' -f1; done | python3 -c 'import json,sys; print(json.dumps({"expected_any": sys.stdin.read().split()}))'; }

"$POCTOOL" sim boot -o "$T/boot.log" --uki-digest "$UKI" --cmdline "console=ttyS0 ro" >/dev/null || t_fail "sim boot"
printf '["%s"]\n' "$mrtd" >"$T/mrtd.json"
printf '["%s"]\n' "$UKI" >"$T/uki.json"
allow bash libc conf >"$T/allow.json"
allow bash libc >"$T/allow-short.json"
# A quote of PCR 10 before IMA extended it (zeros: IMA off), for the list that claims nothing.
t_run 0 "a TPM quote of PCR 10 at zeros (IMA off)" quote_td one r0 "$N" sha256:10 --ccel "$T/boot.log"
# PCR 10 cannot be reset: swtpm one's PCR 10 is extended once, with the honest list's template hashes.
imalog "$T/ima.bin" >"$T/ima.hashes" || t_fail "imalog"
while read -r h; do tpm2_pcrextend "10:sha256=$h" >/dev/null || t_fail "pcrextend"; done <"$T/ima.hashes"
t_run 0 "a poc-v1 TD quote (AL3 boot) and a TPM quote of PCR 10" quote_td one r1 "$N" sha256:10 --ccel "$T/boot.log"
# policy OUT ALLOW ASSURANCE
policy() {
	cat >"$1" <<JSON
{"version": 1, "tee": {"type": "tdx", "roots": ["$simroot"], "tcb_status": ["UpToDate"]}, "vtpm": {}, "binding": "poc-v1",
 "reference": {"mrtd": {"file": "$T/mrtd.json", "provenance": "independent"}, "uki": {"file": "$T/uki.json", "provenance": "independent"},
               "ima_allow": "$2"},
 "assurance": $3}
JSON
}
# check WANT NAME LOG POLICY (Q: the quotes, r1 unless set)
check() {
	local q=${Q:-r1}
	"$POCTOOL" evidence pack -o "$T/b.cbor" --nonce "$N" --tdx-quote "$T/$q.td" --collateral "$T/sim/collateral" \
		--ccel-log "$T/boot.log" --tpm-quote "$T/$q.attest" --tpm-sig "$T/$q.sig" --pcrs "$T/$q.pcrs" \
		--ak-pub "$T/one.ak.pub" --ima-log "$3" >/dev/null || { t_fail "$2: pack"; return; }
	t_run "$1" "$2" "$POCTOOL" evidence verify "$T/b.cbor" --policy "$4" --nonce "$N"
}
policy "$T/p4.json" "$T/allow.json" '{"min_nominal": 4, "min_trustworthy": 3}'
check 0 "every IMA file in the allow-list: nominal AL4" "$T/ima.bin" "$T/p4.json"
t_has "levels: nominal AL4, trustworthy AL3" "nominal AL4 by IMA, trustworthy AL3 (the UKI in RTMR1)"
t_has "AL4: IMA, 3 files of PCR 10 (vTPM) in reference.ima_allow" "the basis names IMA"
t_has "level trusts: the provider's vTPM (PCR 10, IMA)" "the nominal level trusts the vTPM"
t_has "next trustworthy: AL4 needs" "the trustworthy AL4 is named as missing"
policy "$T/t4.json" "$T/allow.json" '{"min_trustworthy": 4}'
check 1 "IMA never makes the trustworthy AL4" "$T/ima.bin" "$T/t4.json"
t_has "denied: \$.assurance.min_trustworthy" "names the clause"
policy "$T/short.json" "$T/allow-short.json" '{"min_nominal": 4}'
check 1 "a file outside the allow-list: denied under min_nominal 4" "$T/ima.bin" "$T/short.json"
t_has "reference.ima_allow; IMA entry #3 /etc/app.conf (sha256:0x" "names the entry"
imalog "$T/edit.bin" edit >/dev/null
check 1 "an edited list (a file digest changed): denied" "$T/edit.bin" "$T/p4.json"
t_has "an IMA log replaying PCR 10 of a verified quote (it does not)" "says the list does not replay"
head -c 200 "$T/ima.bin" >"$T/cut.bin"
check 1 "a truncated list: denied" "$T/cut.bin" "$T/p4.json"
t_has "a readable IMA log" "says the list does not parse"
# IMA off (PCR 10 zeros) and a list with no PCR 10 entry: it replays to zeros but shows no IMA.
python3 - "$T/none.bin" <<'PY'
import hashlib, struct, sys
dng = b'sha256:\0' + hashlib.sha256(b'bash').digest()
nng = b'/usr/bin/bash\0'
tdata = struct.pack('<I', len(dng)) + dng + struct.pack('<I', len(nng)) + nng
open(sys.argv[1], 'wb').write(struct.pack('<I', 11) + hashlib.sha1(tdata).digest() + struct.pack('<I', 6) + b'ima-ng' +
                              struct.pack('<I', len(tdata)) + tdata)
PY
Q=r0 check 1 "IMA off (PCR 10 zeros) with a list of no PCR 10 entry: not AL4" "$T/none.bin" "$T/p4.json"
t_has "an IMA list that starts with boot_aggregate (it has no PCR 10 entry)" "says the list shows no IMA"
t_done
