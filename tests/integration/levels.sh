#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Attestation levels (docs/levels.md) through poctool: the simulator boots to each level 1-4
# (sim boot: firmware in RTMR0, a UKI in RTMR1 by its Authenticode digest, a command line with
# roothash= in RTMR2), records carry poc.al.*, $.assurance.min_trustworthy denies one level
# short naming the missing predicate; edited reference files, boot logs and provenance are
# attacked next to each honest case; the real vectors reach the levels the table predicts.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
T=$POC_TEST_TMP
N=$(printf '%064d' 0 | tr 0 a)
UKI=$(printf 'a UKI' | openssl dgst -sha384 -r | cut -d' ' -f1)
UKI2=$(printf 'another UKI' | openssl dgst -sha384 -r | cut -d' ' -f1)
RH=$(printf 'a root fs' | openssl dgst -sha256 -r | cut -d' ' -f1)
RH2=$(printf 'another root fs' | openssl dgst -sha256 -r | cut -d' ' -f1)

t_run 0 "sim init" "$POCTOOL" sim init "$T/sim"
mrtd=$(tr -d ' \n' <"$T/sim/policy-fragment.json" | sed -nE 's/.*"mrtd":\["([0-9a-f]+)"\].*/\1/p')
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/rec.pem" 2>/dev/null

# boot NAME [sim boot args...]: a boot log, a quote of its RTMRs and a bundle $T/NAME.cbor
boot() {
	local name=$1; shift
	"$POCTOOL" sim boot -o "$T/$name.log" "$@" >/dev/null &&
		"$POCTOOL" sim quote "$T/sim" --report-data "$N" --ccel "$T/$name.log" -o "$T/$name.td" >/dev/null &&
		"$POCTOOL" evidence pack --tdx-quote "$T/$name.td" --collateral "$T/sim/collateral" --ccel-log "$T/$name.log" \
			-o "$T/$name.cbor" >/dev/null
}
# policy OUT PROVENANCE ASSURANCE [kind=file ...]: the sim's fragment with reference and assurance clauses
policy() {
	local out=$1 prov=$2 as=$3; shift 3
	python3 - "$T/sim/policy-fragment.json" "$out" "$prov" "$as" "$@" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
ref = {}
for kv in sys.argv[5:]:
    k, f = kv.split('=', 1)
    ref[k] = {'file': f, 'provenance': sys.argv[3]} if sys.argv[3] != 'plain' else f
if ref:
    p['reference'] = ref
if sys.argv[4] != '-':
    p['assurance'] = json.loads(sys.argv[4])
json.dump(p, open(sys.argv[2], 'w'))
PY
}
verify() { "$POCTOOL" evidence verify "$1" --policy "$2" --nonce "$N" "${@:3}"; }

printf '["%s"]\n' "$mrtd" >"$T/mrtd.json"
printf '{"expected_any": ["0x%s"], "description": "the UKI built here"}\n' "$UKI" >"$T/uki.json"
printf '{"expected_any": ["%s"]}\n' "$RH" >"$T/verity.json"
REFS="mrtd=$T/mrtd.json uki=$T/uki.json verity_roothash=$T/verity.json"

t_run 0 "sim boot: firmware, UKI, roothash command line" boot full --uki-digest "$UKI" --cmdline "console=ttyS0 roothash=$RH ro"
t_run 0 "sim boot --help" "$POCTOOL" sim boot --help
t_has "Usage: poctool sim boot" "sim boot --help prints its usage"
t_run 2 "sim boot: a 47-byte UKI digest is a usage error" "$POCTOOL" sim boot -o "$T/x.log" --uki-digest "${UKI%??}"

# Each level 1-4, nominal = trustworthy, with CSP-independent reference values.
policy "$T/l1.json" independent -
t_run 0 "no reference values: AL1" verify "$T/full.cbor" "$T/l1.json"
t_has "levels: nominal AL1, trustworthy AL1" "AL1 (T and Bind)"
t_has "next trustworthy: AL2 needs reference.mrtd; MRTD 0x" "AL2 names reference.mrtd"
policy "$T/l2.json" independent - mrtd="$T/mrtd.json"
t_run 0 "reference.mrtd: AL2" verify "$T/full.cbor" "$T/l2.json"
t_has "levels: nominal AL2, trustworthy AL2" "AL2 (MRTD, R0)"
t_has "next nominal: AL3 needs reference.uki" "AL3 names reference.uki"
policy "$T/l3.json" independent - mrtd="$T/mrtd.json" uki="$T/uki.json"
t_run 0 "reference.uki: AL3" verify "$T/full.cbor" "$T/l3.json"
t_has "levels: nominal AL3, trustworthy AL3" "AL3 (UKI in RTMR1)"
t_has "UKI RTMR1 #7 in reference.uki, Secure Boot on" "the basis names the UKI event"
policy "$T/l4.json" independent '{"min_trustworthy": 4}' $REFS
t_run 0 "reference.verity_roothash: AL4, min_trustworthy 4 met" verify "$T/full.cbor" "$T/l4.json" --record "$T/l4.rec" --record-key "$T/rec.pem"
t_has "levels: nominal AL4, trustworthy AL4" "AL4 (dm-verity root hash)"
t_run 0 "record show" "$POCTOOL" record show "$T/l4.rec"
t_has '"poc.al.nominal": 4' "the record says poc.al.nominal 4"
t_has '"poc.al.trustworthy": 4' "the record says poc.al.trustworthy 4"
t_has '"AL3: UKI RTMR1 #7 in reference.uki' "the record's poc.al.basis names the UKI"
printf '%s' "$T_OUT" | tr -d ' \n' | grep -qF '"poc.al.trusts":[]' && t_ok "the trustworthy level trusts no CSP component" ||
	t_fail "the trustworthy level trusts no CSP component"

# min_trustworthy one level short, naming the missing predicate.
policy "$T/m4.json" independent '{"min_trustworthy": 4}' mrtd="$T/mrtd.json" uki="$T/uki.json"
t_run 1 "AL3 under min_trustworthy 4 is denied" verify "$T/full.cbor" "$T/m4.json"
t_has "denied: \$.assurance.min_trustworthy" "names the assurance clause"
t_has "AL4 needs reference.verity_roothash" "names the missing predicate"
policy "$T/m2.json" independent '{"min_trustworthy": 2}'
t_run 1 "AL1 under min_trustworthy 2 is denied" verify "$T/full.cbor" "$T/m2.json" --record "$T/m2.rec" --record-key "$T/rec.pem"
t_has "AL2 needs reference.mrtd; MRTD 0x${mrtd:0:16}.. has no reference values" "names reference.mrtd and the MRTD"
"$POCTOOL" record show "$T/m2.rec" >"$T/m2.json.out" 2>&1
grep -q '"poc.al.nominal": 0' "$T/m2.json.out" && t_ok "a denial's record claims no level" || t_fail "a denial's record claims no level"

# Provenance: the provider's (or unstated) reference values count for the nominal level only.
policy "$T/csp.json" csp '{"min_nominal": 4}' $REFS
t_run 0 "csp reference values: nominal AL4" verify "$T/full.cbor" "$T/csp.json"
t_has "levels: nominal AL4, trustworthy AL1" "trustworthy stops at AL1"
t_has "level trusts: the provider's reference values (reference.mrtd)" "names what the nominal level trusts"
t_has "AL2 needs reference.mrtd of CSP-independent provenance" "names the provenance"
policy "$T/plain.json" plain '{"min_trustworthy": 2}' $REFS
t_run 1 "unstated provenance under min_trustworthy 2 is denied" verify "$T/full.cbor" "$T/plain.json"
t_has "CSP-independent provenance" "names the provenance"

# Attacks: another UKI, Secure Boot off, another root hash, no command line, edited files.
t_run 0 "sim boot: another UKI" boot other --uki-digest "$UKI2" --cmdline "roothash=$RH"
t_run 1 "another UKI: denied under min_trustworthy 3" verify "$T/other.cbor" "$T/m4.json"
t_has "AL3 needs reference.uki; RTMR1 #7 EV_EFI_BOOT_SERVICES_APPLICATION" "names the boot application"
t_run 0 "sim boot: Secure Boot off" boot nosb --uki-digest "$UKI" --cmdline "roothash=$RH" --secure-boot off
t_run 1 "Secure Boot off: denied under min_trustworthy 4" verify "$T/nosb.cbor" "$T/l4.json"
t_has "AL3 needs Secure Boot on" "names Secure Boot"
t_run 0 "sim boot: another root hash" boot rh2 --uki-digest "$UKI" --cmdline "roothash=$RH2"
t_run 1 "another root hash: denied" verify "$T/rh2.cbor" "$T/l4.json"
t_has "AL4 needs reference.verity_roothash; root hash 0x${RH2:0:16}.. not in reference values" "names the root hash"
t_run 0 "sim boot: no roothash" boot norh --uki-digest "$UKI" --cmdline "console=ttyS0"
t_run 1 "no root hash in the command line: denied" verify "$T/norh.cbor" "$T/l4.json"
t_has "dm-verity root hash in the AL3-verified command line (it names none)" "names the missing root hash"
# The command line's text is edited in the log (its digest kept): the CCEL no longer says it.
python3 - "$T/full.log" "$T/edit.log" "$RH" "$RH2" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read()
open(sys.argv[2], 'wb').write(d.replace(sys.argv[3].encode(), sys.argv[4].encode()))
PY
"$POCTOOL" evidence pack --tdx-quote "$T/full.td" --collateral "$T/sim/collateral" --ccel-log "$T/edit.log" -o "$T/edit.cbor" >/dev/null
t_run 1 "an edited command line (digest kept) is not AL4" verify "$T/edit.cbor" "$T/l4.json"
t_has "AL4 needs a dm-verity root hash" "the edited text is not a verified command line"
# The roothash text and its digest both replaced: the RTMR2 replay fails (tee denial).
"$POCTOOL" sim boot -o "$T/forged.log" --uki-digest "$UKI" --cmdline "roothash=$RH2" >/dev/null
"$POCTOOL" evidence pack --tdx-quote "$T/full.td" --collateral "$T/sim/collateral" --ccel-log "$T/forged.log" -o "$T/forged.cbor" >/dev/null
t_run 1 "another boot's log beside this quote is denied" verify "$T/forged.cbor" "$T/l4.json"
t_has "RTMR2" "names the RTMR"
# Edited reference files: an unknown key, a short value, a duplicate name, not JSON.
printf '{"expected_any": ["%s"], "anything": 1}\n' "$RH" >"$T/bad1.json"
printf '["%s"]\n' "${RH:0:20}" >"$T/bad2.json"
printf '{"expected_any": ["%s"], "expected_any": ["%s"]}\n' "$RH2" "$RH" >"$T/bad3.json"
printf '["%s"\n' "$RH" >"$T/bad4.json"
printf '["%s"]\n' "$RH" >"$T/short-mrtd.json"
for b in bad1 bad2 bad3 bad4; do
	policy "$T/$b.p.json" independent - verity_roothash="$T/$b.json"
	t_run 2 "reference file $b is refused" verify "$T/full.cbor" "$T/$b.p.json"
done
policy "$T/sm.p.json" independent - mrtd="$T/short-mrtd.json"
t_run 2 "a 32-byte MRTD reference value is refused" verify "$T/full.cbor" "$T/sm.p.json"
t_has "not a mrtd digest" "says why"
sed 's/"assurance":{/"assurance":{"min_level": 1, /; s/"assurance": {/"assurance": {"min_level": 1, /' "$T/l4.json" >"$T/unk.json"
t_run 2 "an unknown assurance field is refused" verify "$T/full.cbor" "$T/unk.json"
t_has 'unknown field "min_level"' "names the field"

# Forged boots (a malicious host boots what it likes and reads the CCEL format): ccel_forge IN OUT
# [AT:MR:TYPE:TEXT ...] inserts events (AT: the index among IN's events, -1 appends; TYPE in hex;
# TEXT the data, or sb=0/sb=1 for a SecureBoot variable, sbx=1 for one of another vendor GUID);
# each event's digest is SHA-384 of its data (grub's kernel_cmdline: of its text), so the quote of the forged log holds.
ccel_forge() {
	python3 - "$@" <<'PY'
import hashlib, struct, sys
d = open(sys.argv[1], 'rb').read()
hl = 32 + struct.unpack_from('<I', d, 28)[0]
evs, o = [], hl
while o < len(d):
    n = struct.unpack_from('<I', d, o + 12 + 2 + 48)[0]
    evs.append(d[o:o + 12 + 2 + 48 + 4 + n]); o += 12 + 2 + 48 + 4 + n
def var(guid, on):
    name = 'SecureBoot'.encode('utf-16-le')
    return guid + struct.pack('<QQ', 10, 1) + name + bytes([on])
G = bytes.fromhex('61dfe48bca93d211aa0d00e098032b8c')
for op in sys.argv[3:]:
    at, mr, typ, text = op.split(':', 3)
    data = var(G, int(text[3:])) if text.startswith('sb=') else var(b'\x11' * 16, 1) if text == 'sbx=1' else text.encode()
    ev = struct.pack('<IIIH', int(mr), int(typ, 16), 1, 0x0c) + hashlib.sha384(data[16:] if data.startswith(b'kernel_cmdline: ') else data).digest() + struct.pack('<I', len(data)) + data
    evs.insert(int(at) if int(at) >= 0 else len(evs), ev)
open(sys.argv[2], 'wb').write(d[:hl] + b''.join(evs))
PY
}
# forged NAME BASE-ARGS -- OPS...: a boot from sim boot BASE-ARGS, edited by ccel_forge OPS, quoted and packed
forged() {
	local name=$1; shift
	local args=()
	while [ "$1" != "--" ]; do args+=("$1"); shift; done; shift
	"$POCTOOL" sim boot -o "$T/$name.base" "${args[@]}" >/dev/null && ccel_forge "$T/$name.base" "$T/$name.log" "$@" &&
		"$POCTOOL" sim quote "$T/sim" --report-data "$N" --ccel "$T/$name.log" -o "$T/$name.td" >/dev/null &&
		"$POCTOOL" evidence pack --tdx-quote "$T/$name.td" --collateral "$T/sim/collateral" --ccel-log "$T/$name.log" \
			-o "$T/$name.cbor" >/dev/null
}
policy "$T/m3.json" independent '{"min_trustworthy": 3}' $REFS
t_run 0 "forge: the honest boot re-read by ccel_forge is AL4" forged honest --uki-digest "$UKI" --cmdline "roothash=$RH" --
t_run 0 "forge: honest AL4" verify "$T/honest.cbor" "$T/l4.json"
# Secure Boot off, then "on" measured into RTMR0 by the code that ran after the firmware's separator.
t_run 0 "forge: SecureBoot=1 after the separator" forged sblate --uki-digest "$UKI" --cmdline "roothash=$RH" --secure-boot off -- -1:1:80000001:sb=1
t_run 1 "forge: a SecureBoot variable measured after RTMR0's separator is not Secure Boot on" verify "$T/sblate.cbor" "$T/m3.json"
t_has "Secure Boot on (SecureBoot measured again after the firmware's separator in RTMR0)" "names the late SecureBoot event"
t_run 0 "forge: a SecureBoot of another vendor" forged sbx --uki-digest "$UKI" --cmdline "roothash=$RH" --secure-boot off -- 4:1:80000001:sbx=1
t_run 1 "forge: a \"SecureBoot\" variable of another vendor GUID is not Secure Boot on" verify "$T/sbx.cbor" "$T/m3.json"
t_has "AL3 needs Secure Boot on (SecureBoot off" "the EFI global SecureBoot stays off"
# The command line: one from before the UKI ran, two different ones, parameters as the kernel reads them.
t_run 0 "forge: a command line before the UKI" forged early --uki-digest "$UKI" -- 7:3:d:roothash=$RH
t_run 1 "forge: a command line measured before the UKI does not speak for it" verify "$T/early.cbor" "$T/l4.json"
t_has "AL4 needs a dm-verity root hash in the AL3-verified command line (no command line is measured)" "no command line of the UKI"
t_run 0 "forge: two command lines" forged two --uki-digest "$UKI" --cmdline "roothash=$RH2" -- -1:3:d:roothash=$RH
t_run 1 "forge: two different command lines are none" verify "$T/two.cbor" "$T/l4.json"
t_has "two different command lines are measured" "names the conflict"
VT="0 8 verity 1 /dev/vda2 /dev/vda3 4096 4096 1 1 sha256"
for c in "roothash=$RH roothash=$RH2" "rd.roothash=$RH2 roothash=$RH" "x=\"y roothash=$RH\"" "roothash=$RH systemd.verity=0" \
	"roothash=$RH rd.systemd.verity=no" "roothash=$RH systemd.verity-root-options=ignore-corruption" "roothash=$RH root=/dev/vda1" \
	"x verity 1 a b c d e f g $RH" "\"dm-mod.create=v,,,ro,$VT $RH 00 1 ignore_corruption\" root=/dev/dm-0" \
	"\"dm-mod.create=v,,,ro,$VT $RH 00\" root=/dev/vda1" "\"dm-mod.create=v,,,ro,$VT $RH 00\" dm_mod.create=v,,,ro,0 8 linear /dev/vda2 0 root=/dev/dm-0" \
	"\"dm-mod.create=v,,,ro,$VT $RH 00,8 8 linear /dev/vda4 0\" root=/dev/dm-0" "roothash=$RH root=/dev/mapper/root root=/dev/vda1"; do
	boot cl --uki-digest "$UKI" --cmdline "$c" || t_fail "sim boot --cmdline $c"
	t_run 1 "command line '${c//$RH/RH}' enforces no reference root hash" verify "$T/cl.cbor" "$T/l4.json"
	t_has "AL4 needs" "names the missing AL4"
done
for c in "roothash=$RH root=/dev/mapper/root" "ro \"roothash=$RH\"" "\"dm-mod.create=vroot,,,ro,$VT $RH 00\" root=/dev/dm-0" \
	"dm-mod.create=\"vroot,,,ro,$VT $RH 00\" root=/dev/mapper/vroot"; do
	boot cl --uki-digest "$UKI" --cmdline "$c" || t_fail "sim boot --cmdline $c"
	t_run 0 "command line '${c//$RH/RH}' enforces the reference root hash: AL4" verify "$T/cl.cbor" "$T/l4.json"
	t_has "levels: nominal AL4, trustworthy AL4" "AL4"
done

# grub's boot (RTMR2): every file grub read is a reference value, whatever its path looks like.
printf '["%s"]\n' "$(printf '/boot/grub.cfg' | openssl dgst -sha384 -r | cut -d' ' -f1)" >"$T/grub-uki.json"
policy "$T/g3.json" independent '{"min_trustworthy": 3}' mrtd="$T/mrtd.json" uki="$T/grub-uki.json"
t_run 0 "forge: grub reads grub.cfg" forged grub -- -1:3:d:/boot/grub.cfg -1:3:d:kernel_cmdline:\ ro
t_run 0 "forge: grub's listed grub.cfg and kernel_cmdline: AL3" verify "$T/grub.cbor" "$T/g3.json"
for f in "(hd0,3)/boot/vmlinuz" "/boot/my kernel"; do
	t_run 0 "forge: grub reads $f" forged gf -- -1:3:d:/boot/grub.cfg "-1:3:d:$f" -1:3:d:kernel_cmdline:\ ro
	t_run 1 "forge: grub's file '$f' outside reference.uki is not AL3" verify "$T/gf.cbor" "$T/g3.json"
	t_has "AL3 needs reference.uki; RTMR2 #" "names the file event"
done
# The real vectors (testdata/real/README.md) at the levels docs/levels.md states.
X=$D/tdx/go-tdx-guest
cat >"$T/cos.json" <<JSON
{"version": 1, "tee": {"type": "tdx", "roots": ["$D/tdx/intel-sgx-root-ca.pem"]}}
JSON
"$POCTOOL" evidence pack -o "$T/cos.cbor" --tdx-quote "$X/cos-113-tdx-quote.dat" --ccel-table "$X/ccel_table.dat" \
	--ccel-log "$X/ccel_data.dat" >/dev/null
t_run 0 "cos-113 with its CCEL" "$POCTOOL" evidence verify "$T/cos.cbor" --policy "$T/cos.json" --at 1730000000 --nonce 00
t_has "levels: nominal AL0, trustworthy AL0" "cos-113: AL0 (no DCAP collateral for its TCB)"
t_has "AL1 needs T: the TCB in the accepted set" "cos-113: names T's TCB"
A=$D/azure/tdx-vtpm-1780922561
cat >"$T/azure.json" <<JSON
{"version": 1, "providers": [{"name": "azure", "roots": ["$D/azure/roots/azure-virtual-tpm-root-2023.pem"]}],
 "tee": {"type": "tdx", "roots": ["$D/tdx/intel-sgx-root-ca.pem"], "tcb_status": ["UpToDate"],
  "mrtd": ["ff450b138c5ee6734a43dc35afb437abfa24ef743bc9e9484ef4af365fcd89a6c50913248ed7fcb92a7d42b1ba7da984"]},
 "binding": "azure-hcl"}
JSON
"$POCTOOL" evidence pack -o "$T/az.cbor" --tdx-quote "$A/tdx_quote.bin" --hcl-report "$A/hcl_report.bin" --collateral "$A/collateral" \
	--tpm-quote "$A/tpm_quote.attest" --tpm-sig "$A/tpm_quote.sig" --pcrs "$A/tpm_pcrs-sha256.txt" --ak-cert "$A/ak.crt.pem" \
	--ak-chain "$A/ak-intermediates.pem" >/dev/null
t_run 0 "Azure's bundle" "$POCTOOL" evidence verify "$T/az.cbor" --policy "$T/azure.json" --at 1780922561 --nonce "$(printf '%0128d' 0)"
t_has "levels: nominal AL1, trustworthy AL0" "Azure: nominal AL1, trustworthy AL0"
t_has "level trusts: Azure HCL paravisor" "Azure: names the paravisor"
t_done
