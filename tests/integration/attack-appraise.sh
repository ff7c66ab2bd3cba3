#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Attacks on the appraisal, mounted from outside (real vectors, tpm2-tools, openssl, cbor2 edits),
# each next to its honest control (issue 10, items 6, 7 and 10):
#  6. "no binding binds nothing": an UpToDate bare-metal TD quote (or the TEE.fail forgery) beside
#     an unrelated real GCE vTPM quote under a tee + providers policy without a binding: the
#     policy is refused (exit 2, $.binding); an empty nonce reads "no nonce".
#  7. the mix-and-match proxy: a TD names the AK of an endorsed vTPM, which quotes the TD quote:
#     under poc-v1 that is only a warning ($.platforms) unless the TD's platform is endorsed
#     (the sim's POE token), and a local release refuses it.
# 10. offline freshness: timing edited into the bundle to look fresh is never judged; freshness
#     needs the verifier's own nonce time (--nonce-time), and a stale one is denied.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
t_need_testdata
T=$POC_TEST_TMP
X=$D/tdx
G=$D/gce-cos85-nonce9009
AT=1782809233 # the GCP TD quote's capture time; the GCE AK certificate is valid 2021-2051

hex() { od -An -v -tx1 | tr -d ' \n'; }
sha() { openssl dgst -"$1" -binary | hex; }
unhex() { xxd -r -p; }
flush() { tpm2_flushcontext -t >/dev/null 2>&1; }
t_lacks() { # t_lacks TEXT DESCRIPTION: the last t_run's output does not contain TEXT
	if printf '%s' "$T_OUT" | grep -qF -- "$1"; then t_fail "$2 (output has \"$1\")"; printf '%s\n' "$T_OUT" | head -20 | t_diag
	else t_ok "$2"; fi
}
gce_pack() { # gce_pack DIR OUT [extra]: the capture's SHA-256 quote, AK and its certificate
	local dir=$1 out=$2; shift 2
	"$POCTOOL" evidence pack -o "$out" --ak-pub "$dir/ak.pub" --ak-cert "$dir/ak.crt.der" \
		--tpm-quote "$dir/quote-sha256.attest" --tpm-sig "$dir/quote-sha256.sig" --pcrs "$dir/pcrs-sha256.txt" "$@"
}
GCE_PROVIDER='"providers": [{"name": "gcp-legacy", "roots": ["'$D'/gce-certs/gce-tpm-ek-root-1.pem"], "intermediates": ["'$D'/gce-certs/gce-tpm-ek-intermediate-2.pem"]}]'
INTEL_TEE='"tee": {"type": "tdx", "roots": ["'$X'/intel-sgx-root-ca.pem"], "tcb_status": ["UpToDate"]}'

# ---- 6: a bare-metal TD quote + an unrelated real GCE vTPM quote ---------------------------
t_run 0 "pack: bare-metal GCP TD quote + the GCE vTPM quote" gce_pack "$G" "$T/mix6.cbor" \
	--tdx-quote "$X/gcp-tdx-1782809233/quote.bin" --collateral "$X/gcp-tdx-1782809233/collateral"
t_run 0 "pack: the TEE.fail forgery + the GCE vTPM quote" gce_pack "$G" "$T/teefail6.cbor" --tdx-quote "$X/tee-fail-forged/quote.bin"
echo "{\"version\": 1, $GCE_PROVIDER, $INTEL_TEE}" >"$T/nobind.json"
echo "{\"version\": 1, $GCE_PROVIDER, $INTEL_TEE, \"binding\": \"none\"}" >"$T/none.json"
echo "{\"version\": 1, $GCE_PROVIDER, $INTEL_TEE, \"binding\": \"poc-v1\"}" >"$T/pocv1.json"
for pol in nobind none; do
	t_run 2 "6: tee + providers with binding '$pol' refused" "$POCTOOL" evidence verify "$T/mix6.cbor" --policy "$T/$pol.json" --nonce 9009 --at $AT
	t_has "\$.binding" "6: ... the refusal names \$.binding"
	t_lacks "accepted" "6: ... and nothing reads accepted"
	t_run 2 "6: ... also without --nonce" "$POCTOOL" evidence verify "$T/mix6.cbor" --policy "$T/$pol.json" --at $AT
	t_has "\$.binding" "6: ... names \$.binding"
done
t_run 2 "6: the TEE.fail forgery + the GCE quote refused the same way" "$POCTOOL" evidence verify "$T/teefail6.cbor" --policy "$T/nobind.json" --nonce 9009 --at 1770000000
t_has "\$.binding" "6: ... names \$.binding"
t_run 1 "6: under poc-v1 the unrelated quotes are denied" "$POCTOOL" evidence verify "$T/mix6.cbor" --policy "$T/pocv1.json" --nonce 9009 --at $AT
t_has "denied: \$.binding" "6: ... the binding names the failure"
# Controls: each quote under its own honest policy.
echo "{\"version\": 1, $GCE_PROVIDER, \"binding\": \"none\"}" >"$T/gce.json"
t_run 0 "6: a vTPM-only policy over the bundle with the TD: accepted, but not affirming" "$POCTOOL" evidence verify "$T/mix6.cbor" --policy "$T/gce.json" --nonce 9009 --at $AT
t_has "poc: warning" "6: ... a TD in the bundle that no platform clause endorses makes poc a warning"
gce_pack "$G" "$T/gce.cbor" >/dev/null
t_run 0 "6 control: a vTPM-only bundle under a vTPM-only policy" "$POCTOOL" evidence verify "$T/gce.cbor" --policy "$T/gce.json" --nonce 9009 --at $AT
t_has "poc: affirming (provider gcp-legacy)" "6 control: ... a provider endorsement is affirming without a TD"
t_has "nonce: checked" "6 control: ... the nonce was checked"
echo "{\"version\": 1, $INTEL_TEE}" >"$T/td.json"
"$POCTOOL" evidence pack -o "$T/td.cbor" --tdx-quote "$X/gcp-tdx-1782809233/quote.bin" --collateral "$X/gcp-tdx-1782809233/collateral"
t_run 0 "6 control: the TD quote alone under a TD-only policy" "$POCTOOL" evidence verify "$T/td.cbor" --policy "$T/td.json" --nonce 00 --at $AT
t_has "tee: affirming" "6 control: ... the TD is appraised"
# init refuses the unbound policy too.
poc_token_env one "ttl = 600" || { echo "Bail out! test setup"; exit 1; }
t_run 2 "6: init refuses a tee + providers policy without a binding" "$POCTOOL" init --label nobind --policy "$T/nobind.json"
t_has "\$.binding" "6: ... naming \$.binding"
# An empty nonce is no nonce: never "nonce: checked", in the summary or the record.
gce_pack "$D/gce-cos85-nononce" "$T/nononce.cbor" >/dev/null
t_run 0 "6: --nonce \"\" on the no-nonce capture" "$POCTOOL" evidence verify "$T/nononce.cbor" --policy "$T/gce.json" --nonce "" --at $AT \
	--record "$T/empty.rec"
t_has "no nonce" "6: ... the summary says no nonce"
t_lacks "nonce: checked" "6: ... and never \"nonce: checked\""
t_run 0 "6: record show of that check" "$POCTOOL" record show "$T/empty.rec"
t_has "no nonce was checked" "6: ... the record says no nonce was checked"
t_lacks "eat_nonce" "6: ... and carries no eat_nonce"
t_run 1 "6: --nonce \"\" on the nonce-9009 capture still denied (extraData is not empty)" "$POCTOOL" evidence verify "$T/gce.cbor" \
	--policy "$T/gce.json" --nonce "" --at $AT

# ---- 7: the mix-and-match proxy on swtpm + the TDX simulator --------------------------------
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/verifier.pem" 2>/dev/null
tpm2_createek -c "$T/ek.ctx" -G rsa -u "$T/ek.pub" >/dev/null && flush &&
	tpm2_nvread 0x1c00002 -o "$T/ek.crt" >/dev/null 2>&1 &&
	tpm2_createak -C "$T/ek.ctx" -c "$T/ak.ctx" -G rsa -g sha256 -s rsassa -u "$T/ak.pub" -n "$T/ak.name" >/dev/null && flush &&
	t_ok "7: the rented vTPM: EK with the provider's certificate, and an AK" || t_fail "7: EK and AK in swtpm"
"$POCTOOL" sim init "$T/other" >/dev/null || t_fail "7: sim init of the attacker's platform"
activate() { # activate CRED OUT: TPM2_ActivateCredential under the endorsement policy
	tpm2_startauthsession --policy-session -S "$T/s.ctx" >/dev/null && tpm2_policysecret -S "$T/s.ctx" -c e >/dev/null &&
		tpm2_activatecredential -c "$T/ak.ctx" -C "$T/ek.ctx" -i "$1" -o "$2" -P "session:$T/s.ctx" >/dev/null
	local rc=$?; tpm2_flushcontext "$T/s.ctx" >/dev/null 2>&1; flush; return $rc
}
# mix SIM NONCE OUT [pack args]: a TD of SIM names the vTPM's AK; the vTPM quotes that TD quote.
mix() {
	local sim=$1 n=$2 out=$3 rd q; shift 3
	rd=$( { printf 'poc-pkcs11/v1/tdx'; printf '%s' "$n" | unhex; cat "$T/ak.name"; } | sha sha512)
	"$POCTOOL" sim quote "$sim" --report-data "$rd" -o "$out.td" >/dev/null || return 1
	q=$( { printf 'poc-pkcs11/v1/tpm'; printf '%s' "$n" | unhex; head -c 632 "$out.td" | openssl dgst -sha384 -binary; } | sha sha256)
	tpm2_quote -c "$T/ak.ctx" -l sha256:0,1,2,3,7 -q "$q" -m "$out.attest" -s "$out.sig" -g sha256 >/dev/null && flush || return 1
	tpm2_pcrread sha256:0,1,2,3,7 | sed -nE 's/^ +([0-9]+) *: *0x([0-9A-Fa-f]+).*/\1 \2/p' | tr A-F a-f >"$out.pcrs"
	"$POCTOOL" evidence challenge --ek-pub "$T/ek.pub" --ak-pub "$T/ak.pub" --nonce "$n" \
		--verifier-key "$T/verifier.pem" -o "$out.cred" >/dev/null && activate "$out.cred" "$out.secret" || return 1
	"$POCTOOL" evidence pack -o "$out" --nonce "$n" --tdx-quote "$out.td" --collateral "$sim/collateral" \
		--tpm-quote "$out.attest" --tpm-sig "$out.sig" --pcrs "$out.pcrs" --ak-pub "$T/ak.pub" \
		--ek-pub "$T/ek.pub" --ek-cert "$T/ek.crt" --activated-secret "$out.secret" "$@"
}
SWTPM_PROVIDER='"providers": [{"name": "swtpm-test-ca", "roots": ["'$CA'/swtpm-localca-rootca-cert.pem"], "intermediates": ["'$CA'/issuercert.pem"]}]'
otherroot=$T/other/root_ca.pem
# Both sims chain to "Intel" here, as any two real TDX machines do.
SIM_TEE='"tee": {"type": "tdx", "roots": ["'$simroot'", "'$otherroot'"], "tcb_status": ["UpToDate"]}'
SIM_POE='"platforms": {"poe": {"roots": ["'$T'/sim/poe_endorser.pem"], "owners": ["sim-csp.poc-pkcs11.test"]}}'
echo "{\"version\": 1, $SWTPM_PROVIDER, $SIM_TEE, \"binding\": \"poc-v1\"}" >"$T/vonly.json"
echo "{\"version\": 1, $SWTPM_PROVIDER, $SIM_POE, $SIM_TEE, \"binding\": \"poc-v1\"}" >"$T/endorsed.json"
v7() { "$POCTOOL" evidence verify "$1" --policy "$T/$2.json" --nonce "$3" --verifier-key "$T/verifier.pem" "${@:4}"; }

N=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
t_run 0 "7: the attacker's TD (its own platform) names the rented vTPM's AK" mix "$T/other" "$N" "$T/m1.cbor"
t_run 0 "7: a vTPM-only endorsement under poc-v1: accepted with a warning" v7 "$T/m1.cbor" vonly "$N" --record "$T/m1.rec"
t_has "status: warning" "7: ... the status is warning"
t_has "poc: warning" "7: ... poc is warning"
first_line() { # first_line WANT DESC: the summary's first line is exactly WANT
	local l; l=$(printf '%s\n' "$T_OUT" | head -1)
	[ "$l" = "$1" ] && t_ok "$2" || t_fail "$2 (first line \"$l\")"
}
first_line 'accepted, not affirming (status warning: $.platforms)' "7: ... the first line of the summary is not a bare \"accepted\""
t_has "warning: \$.platforms: only the vTPM is endorsed" "7: ... the summary names \$.platforms and the reason"
t_lacks "poc: affirming" "7: ... never affirming"
t_run 0 "7: record show" "$POCTOOL" record show "$T/m1.rec"
t_has '"warning_clause": "$.platforms"' "7: ... the record names the clause"
t_has "only the vTPM is endorsed" "7: ... and the reason"
printf '%s' "$T_OUT" | grep -m1 '"ear.status"' | grep -q '"warning"' && t_ok "7: ... the record's top-level status is warning" ||
	t_fail "7: ... the record's top-level status is warning"
t_run 0 "7: under a policy with platforms.poe, without a POE token: a warning" v7 "$T/m1.cbor" endorsed "$N"
t_has "warning: \$.platforms" "7: ... names \$.platforms"
t_has "no POE token" "7: ... the reason: no POE token"
t_run 0 "7: the endorsed platform's POE token beside the attacker's TD" mix "$T/other" "$N" "$T/m2.cbor" --poe "$T/sim/poe.cbor"
t_run 0 "7: ... a POE token for another PIID: a warning" v7 "$T/m2.cbor" endorsed "$N"
t_has "warning: \$.platforms" "7: ... names \$.platforms"
t_has "PIID" "7: ... the reason names the PIID"
t_run 0 "7: the attacker's own POE token, from an endorser the policy does not trust" mix "$T/other" "$N" "$T/m3.cbor" --poe "$T/other/poe.cbor"
t_run 0 "7: ... a warning" v7 "$T/m3.cbor" endorsed "$N"
t_has "poc: warning" "7: ... poc is warning"
t_run 0 "7 control: a TD on the endorsed platform, with its POE token" mix "$T/sim" "$N" "$T/good.cbor" --poe "$T/sim/poe.cbor"
t_run 0 "7 control: ... affirming" v7 "$T/good.cbor" endorsed "$N"
t_has "status: affirming" "7 control: ... status affirming"
first_line accepted "7 control: ... the first line is a bare \"accepted\""
t_has "poc: affirming (provider swtpm-test-ca)" "7 control: ... the vTPM's provider"
t_has "td platform: endorsed by POE owner sim-csp.poc-pkcs11.test" "7 control: ... and the TD's platform, by the POE token"
t_run 0 "7 control: ... even without the provider clause, the platform endorsement is affirming" \
	"$POCTOOL" evidence verify "$T/good.cbor" --policy <(echo "{\"version\": 1, $SIM_POE, $SIM_TEE, \"binding\": \"poc-v1\"}") --nonce "$N"
t_has "poc: affirming" "7 control: ... poc affirming"

# The proxy reversed: the TD on the endorsed platform (its POE token) names an AK no provider
# vouches for (no AK or EK certificate: any TPM, whose PCRs are then anyone's). Under a policy
# with a providers clause that is only a warning ($.providers).
"$POCTOOL" evidence pack -o "$T/rev.cbor" --nonce "$N" --tdx-quote "$T/good.cbor.td" --collateral "$T/sim/collateral" \
	--tpm-quote "$T/good.cbor.attest" --tpm-sig "$T/good.cbor.sig" --pcrs "$T/good.cbor.pcrs" --ak-pub "$T/ak.pub" \
	--poe "$T/sim/poe.cbor" >/dev/null || t_fail "7: pack the endorsed TD with an unendorsed vTPM"
t_run 0 "7: the endorsed TD names an unendorsed vTPM: accepted with a warning" v7 "$T/rev.cbor" endorsed "$N"
t_has "warning: \$.providers: only the TD's platform is endorsed" "7: ... names \$.providers and why"
t_has "poc: warning" "7: ... poc is warning"
first_line 'accepted, not affirming (status warning: $.providers)' "7: ... never a bare \"accepted\""

# A local release: the module's own check refuses anything that is not affirming.
printf 'disk-key-7' >"$T/secret"
grep -v '"platforms"' "$T/policy.json" >"$T/tok-vonly.json"
t_run 0 "7: a token whose policy endorses only the vTPM" "$POCTOOL" init --label vonly --policy "$T/tok-vonly.json"
t_run 0 "7: ... seal" "$POCTOOL" seal --token vonly --label disk --in "$T/secret"
t_run 1 "7: ... release refused" "$POCTOOL" release --token vonly --label disk
t_has "\$.platforms" "7: ... the denial names \$.platforms"
t_has "only the vTPM is endorsed" "7: ... and the reason"
t_run 0 "7: a token whose policy also endorses the TD's platform (POE)" "$POCTOOL" init --label full --policy "$T/policy.json"
t_run 0 "7: ... seal" "$POCTOOL" seal --token full --label disk --in "$T/secret"
"$POCTOOL" release --token full --label disk >"$T/out" 2>"$T/err"
rc=$?; [ $rc = 0 ] && cmp -s "$T/secret" "$T/out" && t_ok "7 control: ... released" || { t_fail "7 control: release (exit $rc)"; t_diag <"$T/err"; }
t_run 0 "7 control: ... its record" "$POCTOOL" show --token full --label disk
t_has '"platform": "POE owner sim-csp.poc-pkcs11.test"' "7 control: ... says the POE token endorsed the TD's platform"
mv "$T/sim/poe.cbor" "$T/poe.cbor.away"
t_run 1 "7: without the platform's POE token in the evidence, the release is refused" "$POCTOOL" release --token full --label disk
t_has "\$.platforms" "7: ... naming \$.platforms"
mv "$T/poe.cbor.away" "$T/sim/poe.cbor"

# ---- 7 under azure-hcl: the HCL report is the TD software's text ----------------------------
# The attacker's TD (the "other" sim, on its own platform) writes an HCL report (Python: header,
# a TD report rebuilt from its quote, runtime JSON) whose HCLAkPub is the rented vTPM's AK and
# whose SHA-256 is its REPORTDATA; the vTPM quotes the nonce. Without tee.mrtd pinning the TD
# to the paravisor that keeps the vTPM, that is only a warning ($.tee.mrtd); with it, denied.
cat >"$T/hcl-forge.py" <<'PY'
import base64, hashlib, json, struct, sys
from cryptography.hazmat.primitives.serialization import load_pem_public_key
def b64u(i): return base64.urlsafe_b64encode(i.to_bytes((i.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()
if sys.argv[1] == "json":  # json AK.pem NONCE OUT: the runtime JSON; prints its SHA-256 (the REPORTDATA)
    pub = load_pem_public_key(open(sys.argv[2], "rb").read()).public_numbers()
    doc = {"keys": [{"kid": "HCLAkPub", "key_ops": ["sign"], "kty": "RSA", "e": b64u(pub.e), "n": b64u(pub.n)}],
           "vm-configuration": {"secure-boot": True, "tpm-enabled": True}, "user-data": sys.argv[3].upper()}
    j = json.dumps(doc, separators=(",", ":")).encode()
    open(sys.argv[4], "wb").write(j); print(hashlib.sha256(j).hexdigest()); sys.exit(0)
js, q = open(sys.argv[2], "rb").read(), open(sys.argv[3], "rb").read()  # report JSON TDQUOTE OUT
body = q[48:48 + 584]
tcb = bytearray(239); tcb[8:24] = body[0:16]; tcb[24:72] = body[16:64]
info = bytearray(512); info[0:400] = body[120:520]  # TD attributes, XFAM, MRTD, MRCONFIGID, MROWNER(CONFIG), RTMRs
mac = bytearray(256); mac[32:80] = hashlib.sha384(bytes(tcb)).digest(); mac[80:128] = hashlib.sha384(bytes(info)).digest()
mac[128:192] = body[520:584]
rep = bytearray(1216); rep[0:4] = b"HCLA"; rep[32:32 + 1024] = bytes(mac) + bytes(tcb) + bytes(17) + bytes(info)
open(sys.argv[4], "wb").write(bytes(rep) + struct.pack("<IIIII", 20 + len(js), 1, 4, 1, len(js)) + js)
PY
tpm2_readpublic -c "$T/ak.ctx" -f pem -o "$T/ak.pem" >/dev/null
H=$(od -An -N64 -tx1 /dev/urandom | tr -d ' \n')
hcl_mix() { # hcl_mix SIM OUT [pack args]: SIM's TD names the vTPM's AK in an HCL report; the vTPM quotes the nonce
	local sim=$1 out=$2 rd; shift 2
	rd=$("$PY" "$T/hcl-forge.py" json "$T/ak.pem" "$H" "$out.json") && "$POCTOOL" sim quote "$sim" --report-data "$rd" -o "$out.td" >/dev/null &&
		"$PY" "$T/hcl-forge.py" report "$out.json" "$out.td" "$out.hcl" &&
		tpm2_quote -c "$T/ak.ctx" -l sha256:0,7 -q "${H:0:64}" -m "$out.attest" -s "$out.sig" -g sha256 >/dev/null && flush || return 1
	tpm2_pcrread sha256:0,7 | sed -nE 's/^ +([0-9]+) *: *0x([0-9A-Fa-f]+).*/\1 \2/p' | tr A-F a-f >"$out.pcrs"
	"$POCTOOL" evidence challenge --ek-pub "$T/ek.pub" --ak-pub "$T/ak.pub" --nonce "$H" \
		--verifier-key "$T/verifier.pem" -o "$out.cred" >/dev/null && activate "$out.cred" "$out.secret" || return 1
	"$POCTOOL" evidence pack -o "$out" --nonce "$H" --tdx-quote "$out.td" --hcl-report "$out.hcl" --collateral "$sim/collateral" \
		--tpm-quote "$out.attest" --tpm-sig "$out.sig" --pcrs "$out.pcrs" --ak-pub "$T/ak.pub" \
		--ek-pub "$T/ek.pub" --ek-cert "$T/ek.crt" --activated-secret "$out.secret" "$@"
}
simmrtd=$("$POCTOOL" tdx show "$T/good.cbor.td" | sed -nE 's/^ *mrtd +([0-9a-f]{96}).*/\1/p')
SIM_TEE_MRTD=${SIM_TEE%\}}', "mrtd": ["'$simmrtd'"]}'
echo "{\"version\": 1, $SWTPM_PROVIDER, $SIM_TEE, \"binding\": \"azure-hcl\"}" >"$T/hcl.json"
echo "{\"version\": 1, $SWTPM_PROVIDER, $SIM_TEE_MRTD, \"binding\": \"azure-hcl\"}" >"$T/hcl-mrtd.json"
t_run 0 "7/hcl: the attacker's TD writes an HCL report naming the rented vTPM's AK" hcl_mix "$T/other" "$T/hm.cbor"
t_run 0 "7/hcl: ... azure-hcl without tee.mrtd: accepted with a warning" v7 "$T/hm.cbor" hcl "$H"
t_has "poc: warning" "7/hcl: ... poc is warning"
t_has "warning: \$.tee.mrtd: azure-hcl" "7/hcl: ... naming \$.tee.mrtd and why"
first_line 'accepted, not affirming (status warning: $.tee.mrtd)' "7/hcl: ... never a bare \"accepted\""
t_run 1 "7/hcl: ... with tee.mrtd pinning the honest TD: denied" v7 "$T/hm.cbor" hcl-mrtd "$H"
t_has "denied: \$.tee.mrtd" "7/hcl: ... names \$.tee.mrtd"
t_run 0 "7/hcl control: the honest TD's HCL report" hcl_mix "$T/sim" "$T/hg.cbor"
t_run 0 "7/hcl control: ... affirming with tee.mrtd" v7 "$T/hg.cbor" hcl-mrtd "$H"
t_has "poc: affirming (provider swtpm-test-ca)" "7/hcl control: ... poc affirming"
first_line accepted "7/hcl control: ... a bare \"accepted\""
t_run 0 "7/hcl control: the honest TD's HCL report with its platform's POE token" hcl_mix "$T/sim" "$T/hgp.cbor" --poe "$T/sim/poe.cbor"
t_run 0 "7/hcl control: ... affirming without tee.mrtd when the TD's platform is endorsed (POE)" \
	"$POCTOOL" evidence verify "$T/hgp.cbor" --policy <(echo "{\"version\": 1, $SWTPM_PROVIDER, $SIM_POE, $SIM_TEE, \"binding\": \"azure-hcl\"}") \
	--nonce "$H" --verifier-key "$T/verifier.pem"
t_has "poc: affirming" "7/hcl control: ... poc affirming"

# ---- 10: offline freshness judged on the verifier's clock -----------------------------------
echo "{\"version\": 1, $GCE_PROVIDER, \"binding\": \"none\", \"freshness\": {\"max_age_s\": 300, \"max_rtt_ms\": 2000}}" >"$T/fresh.json"
"$PY" - "$T/gce.cbor" "$T/fake-fresh.cbor" $((AT * 1000 - 150)) $((AT * 1000 - 50)) <<'PY' || t_fail "10: cbor2 edit"
import sys, cbor2
b = cbor2.loads(open(sys.argv[1], "rb").read())
b["timing"] = {"nonce_ms": int(sys.argv[3]), "evidence_ms": int(sys.argv[4])}  # the prover's word: "fresh"
open(sys.argv[2], "wb").write(cbor2.dumps(b))
PY
"$PY" - "$T/gce.cbor" "$T/fake-stale.cbor" <<'PY' || t_fail "10: cbor2 edit"
import sys, cbor2
b = cbor2.loads(open(sys.argv[1], "rb").read())
b["timing"] = {"nonce_ms": 0, "evidence_ms": 10}  # 1970: stale, if anyone believed it
open(sys.argv[2], "wb").write(cbor2.dumps(b))
PY
fv() { "$POCTOOL" evidence verify "$1" --policy "$T/fresh.json" --nonce 9009 --at "$AT" "${@:2}"; }
t_run 0 "10: timing edited to look fresh, without --nonce-time: not affirming" fv "$T/fake-fresh.cbor" --record "$T/ff.rec"
t_has "status: warning" "10: ... status warning"
t_has "warning: \$.freshness" "10: ... the freshness clause is unverifiable"
first_line 'accepted, not affirming (status warning: $.freshness)' "10: ... and the first line says so"
t_lacks "status: affirming" "10: ... never affirming"
t_run 0 "10: ... record show" "$POCTOOL" record show "$T/ff.rec"
t_has '"warning_clause": "$.freshness"' "10: ... the record names \$.freshness"
t_run 1 "10: --nonce-time 400 s before the verification time: denied" fv "$T/fake-fresh.cbor" --nonce-time $((AT - 400))
t_has "denied: \$.freshness.max_age_s" "10: ... names \$.freshness.max_age_s"
t_run 1 "10: --nonce-time 10 s before: the round trip is over max_rtt_ms" fv "$T/fake-fresh.cbor" --nonce-time $((AT - 10))
t_has "denied: \$.freshness.max_rtt_ms" "10: ... names \$.freshness.max_rtt_ms"
t_run 1 "10: ... 2.5 s (milliseconds count)" fv "$T/fake-fresh.cbor" --nonce-time "$((AT - 3)).500"
t_has "denied: \$.freshness.max_rtt_ms" "10: ... names \$.freshness.max_rtt_ms"
t_run 0 "10 control: --nonce-time 1.5 s before: fresh" fv "$T/fake-fresh.cbor" --nonce-time "$((AT - 2)).500"
t_has "status: affirming" "10 control: ... affirming"
t_run 0 "10 control: the bundle's own (stale) timing is not judged either" fv "$T/fake-stale.cbor" --nonce-time "$((AT - 1))"
t_has "status: affirming" "10 control: ... affirming on the verifier's clock"
t_run 2 "10: a nonce time after the verification time is unusable input" fv "$T/fake-fresh.cbor" --nonce-time $((AT + 5))
t_run 2 "10: --nonce-time without --nonce is a usage error" "$POCTOOL" evidence verify "$T/fake-fresh.cbor" --policy "$T/fresh.json" \
	--at "$AT" --nonce-time "$AT"
t_run 2 "10: --nonce-time with an empty nonce is a usage error" "$POCTOOL" evidence verify "$T/fake-fresh.cbor" --policy "$T/fresh.json" \
	--at "$AT" --nonce "" --nonce-time "$AT"
t_run 2 "10: --nonce-time that is not a time" fv "$T/fake-fresh.cbor" --nonce-time 12x
# A nonce that no appraised quote had to cover is not checked: a TD quote the policy does not read.
echo '{"version": 1, "freshness": {"max_age_s": 300}}' >"$T/fresh-only.json"
t_run 0 "10: a TD quote no tee clause reads, with --nonce and --nonce-time" "$POCTOOL" evidence verify "$T/td.cbor" \
	--policy "$T/fresh-only.json" --nonce 00 --nonce-time $((AT - 1)) --at $AT
t_lacks "nonce: checked" "10: ... the nonce is not called checked"
t_has "warning: \$.freshness" "10: ... so freshness is unverifiable"
t_lacks "fresh: nonce issued" "10: ... and nothing says fresh"
t_run 0 "evidence verify --help names --nonce-time" "$POCTOOL" evidence verify --help
t_has "--nonce-time" "--help: --nonce-time"
t_done
