#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# module/tpm*.c against swtpm, through tests/tpm-drive: sealing K_tpm to PCRs (+ PIN) and
# unsealing it; a changed PCR, a wrong PIN and another TPM's object each fail with their own
# message; wrong PINs never reach the TPM's dictionary-attack counter (noDA); evidence
# collected in-process (EK, AK, TD quote from the simulator, TPM quote, credential
# activation) is accepted by `poctool evidence verify` under a poc-v1 policy; the EK and AK are
# made persistent (0x81010001, 0x81010003) and used from there, someone else's objects at those
# handles are ignored and never evicted, and an EK substitute is denied by the verifier; no
# transient object or session is left behind in the TPM (there is no resource manager).
# POC_VALGRIND="valgrind -q --error-exitcode=99 --leak-check=full" runs tpm-drive under it.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
T=$POC_TEST_TMP
export TSS2_LOG=all+NONE

DRIVE_BIN=$POC_BUILDDIR/tests/tpm-drive
[ -x "$DRIVE_BIN" ] || { echo "Bail out! $DRIVE_BIN not built (make check builds it)"; exit 1; }
# shellcheck disable=SC2086
drive() { ${POC_VALGRIND:-} "$DRIVE_BIN" "$@"; }
hex() { od -An -v -tx1 | tr -d ' \n'; }
rnd() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# clean TCTI DESCRIPTION: no transient objects and no loaded sessions in that TPM.
clean() {
	local h s
	h=$(TPM2TOOLS_TCTI=$1 tpm2_getcap handles-transient 2>&1)
	s=$(TPM2TOOLS_TCTI=$1 tpm2_getcap handles-loaded-session 2>&1)
	if [ -z "$h$s" ]; then t_ok "$2: nothing left in the TPM"; else
		t_fail "$2: nothing left in the TPM"; printf 'transient: %s\nsessions: %s\n' "$h" "$s" | t_diag
		TPM2TOOLS_TCTI=$1 tpm2_flushcontext -t >/dev/null 2>&1
		TPM2TOOLS_TCTI=$1 tpm2_flushcontext -l >/dev/null 2>&1
	fi
}
seal() { # TCTI SECRET OUT [args...]
	local tcti=$1 secret=$2 out=$3; shift 3
	printf '%s\n' "$secret" | drive seal --tcti "$tcti" -o "$out" "$@"
}
# same DESCRIPTION WANT: the last t_run printed WANT.
same() {
	if [ "$T_OUT" = "$2" ]; then t_ok "$1"; else t_fail "$1"; echo "got $T_OUT, want $2" | t_diag; fi
}

poc_swtpm_start one || { echo "Bail out! swtpm"; exit 1; }
TCTI1=$POC_TCTI CA1=$POC_SWTPM_DIR/ca
PCRS=sha256:0,7

# The policy digest computed in software is what a trial session reaches in the TPM.
t_run 0 "PolicyPCR: software digest = TPM trial digest" drive policy --tcti "$TCTI1" --pcrs "$PCRS"
t_run 0 "PolicyPCR+PolicyAuthValue: software = TPM" drive policy --tcti "$TCTI1" --pcrs sha256:0,1,2,3,4,5,6,7,14 --pin 1234
clean "$TCTI1" "policy"

# Seal and unseal, without and with a PIN.
S1=$(rnd 32) S2=$(rnd 32)
t_run 0 "seal to sha256:0,7" seal "$TCTI1" "$S1" "$T/s1" --pcrs "$PCRS"
clean "$TCTI1" "seal"
t_run 0 "unseal" drive unseal --tcti "$TCTI1" --pcrs "$PCRS" -i "$T/s1"
same "unseal returns the sealed secret" "$S1"
clean "$TCTI1" "unseal"
t_run 0 "seal with a PIN" seal "$TCTI1" "$S2" "$T/s2" --pcrs "$PCRS" --pin 'right pin'
t_run 0 "unseal with the right PIN" drive unseal --tcti "$TCTI1" --pcrs "$PCRS" --pin 'right pin' -i "$T/s2"
same "... returns the secret" "$S2"
t_run 3 "unseal with a wrong PIN fails distinctly (exit 3)" drive unseal --tcti "$TCTI1" --pcrs "$PCRS" --pin 'wrong' -i "$T/s2"
t_has "wrong PIN" "reason: wrong PIN"
clean "$TCTI1" "wrong PIN"
t_run 3 "unseal without the PIN it needs: wrong PIN" drive unseal --tcti "$TCTI1" --pcrs "$PCRS" -i "$T/s2"
t_run 1 "a PIN for an object sealed without one is refused" drive unseal --tcti "$TCTI1" --pcrs "$PCRS" --pin x -i "$T/s1"
wrong=0
for i in $(seq 1 20); do
	drive unseal --tcti "$TCTI1" --pcrs "$PCRS" --pin "wrong $i" -i "$T/s2" >/dev/null 2>&1
	[ $? = 3 ] && wrong=$((wrong + 1))
done
[ $wrong = 20 ] && t_ok "20 wrong PINs each fail as wrong PIN" || t_fail "20 wrong PINs each fail as wrong PIN ($wrong)"
lc=$(TPM2TOOLS_TCTI=$TCTI1 tpm2_getcap properties-variable | sed -nE 's/.*TPM2_PT_LOCKOUT_COUNTER: *//p')
[ "$lc" = "0x0" ] && t_ok "the TPM's lockout counter stays 0 (noDA)" ||
	t_fail "the TPM's lockout counter stays 0 (noDA) (got $lc)"
t_run 0 "the right PIN still works after 20 wrong ones" drive unseal --tcti "$TCTI1" --pcrs "$PCRS" --pin 'right pin' -i "$T/s2"
same "... and returns the secret" "$S2"
clean "$TCTI1" "PIN"

# A wrong --pcrs at unseal (another selection than sealed) is a policy failure, not a crash.
t_run 1 "unseal with another PCR selection fails" drive unseal --tcti "$TCTI1" --pcrs sha256:0 -i "$T/s1"
t_has "PCR policy not satisfied" "reason: PCR policy"
t_run 2 "a truncated sealed file is refused" bash -c "head -c 40 '$T/s1' >'$T/short' && '$DRIVE_BIN' unseal --tcti '$TCTI1' --pcrs $PCRS -i '$T/short'"

# Evidence: EK/AK, a credential challenge from the verifier, collection with the TDX simulator.
t_run 0 "poctool sim init" "$POCTOOL" sim init "$T/sim"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/verifier.pem" 2>/dev/null
t_run 0 "ak" drive ak --tcti "$TCTI1" -o "$T/ak.pub" -n "$T/ak.name"
t_run 0 "ak again" drive ak --tcti "$TCTI1" -o "$T/ak2.pub"
cmp -s "$T/ak.pub" "$T/ak2.pub" && t_ok "the AK is the same key every time (a primary)" || t_fail "the AK is deterministic"
t_run 0 "ek" drive ek --tcti "$TCTI1" -o "$T/ek.pub"
tpm2_createek -c "$T/ek.ctx" -G rsa -u "$T/ek.tools.pub" >/dev/null 2>&1; tpm2_flushcontext -t >/dev/null 2>&1
cmp -s "$T/ek.pub" "$T/ek.tools.pub" && t_ok "the EK is tpm2_createek's default RSA EK" || t_fail "the EK is tpm2_createek's default RSA EK"
clean "$TCTI1" "ak/ek"

mrtd=$(tr -d ' \n' <"$T/sim/policy-fragment.json" | sed -nE 's/.*"mrtd":\["([0-9a-f]+)"\].*/\1/p')
simroot=$(tr -d ' \n' <"$T/sim/policy-fragment.json" | sed -nE 's/.*"tee":\{[^}]*"roots":\["([^"]+)"\].*/\1/p')
cat >"$T/policy.json" <<JSON
{"version": 1,
 "providers": [{"name": "swtpm-test-ca", "roots": ["$CA1/swtpm-localca-rootca-cert.pem"], "intermediates": ["$CA1/issuercert.pem"]}],
 "platforms": {"poe": {"roots": ["$T/sim/poe_endorser.pem"], "owners": ["sim-csp.poc-pkcs11.test"]}},
 "tee": {"type": "tdx", "roots": ["$simroot"], "tcb_status": ["UpToDate"], "mrtd": ["$mrtd"]},
 "binding": "poc-v1"}
JSON
# (No freshness clause: offline, it needs the verifier's nonce time; poc-v1.sh tests it. The sim's
# POE token, which the collection carries, endorses the TD's platform.)
N1=$(rnd 32) N2=$(rnd 32)
t_run 0 "evidence challenge for the AK and EK" "$POCTOOL" evidence challenge --ek-pub "$T/ek.pub" --ak-pub "$T/ak.pub" \
	--nonce "$N1" --verifier-key "$T/verifier.pem" -o "$T/cred"
t_run 0 "collect with the sim and the credential" drive collect --tcti "$TCTI1" --nonce "$N1" --tee "sim:$T/sim" \
	--credential "$T/cred" -o "$T/b1.cbor"
clean "$TCTI1" "collect"
# The DCAP collateral comes from the verifier's cache (here: the simulator's folder), not the bundle.
verify() { "$POCTOOL" evidence verify "$1" --policy "$T/policy.json" --nonce "$2" --verifier-key "$T/verifier.pem" \
	--collateral "$T/sim/collateral"; }
t_run 0 "poctool evidence verify accepts the collected evidence" verify "$T/b1.cbor" "$N1"
t_has "poc: affirming (provider swtpm-test-ca)" "the activated EK's certificate names the provider"
t_has "TCB UpToDate" "the simulated TD quote is appraised"
t_run 1 "the same evidence against another nonce is denied" verify "$T/b1.cbor" "$N2"
t_run 0 "collect without a credential" drive collect --tcti "$TCTI1" --nonce "$N2" --tee "sim:$T/sim" -o "$T/b2.cbor"
grep -v '"platforms"' "$T/policy.json" >"$T/vonly.json" # the TD's platform endorsement would suffice on its own
t_run 1 "... is denied: no provider endorses the AK" "$POCTOOL" evidence verify "$T/b2.cbor" --policy "$T/vonly.json" --nonce "$N2" \
	--verifier-key "$T/verifier.pem" --collateral "$T/sim/collateral"
t_has "denied: \$.providers" "reason: providers"
t_run 1 "a credential for another nonce's secret does not match" bash -c \
	"'$DRIVE_BIN' collect --tcti '$TCTI1' --nonce $N2 --tee 'sim:$T/sim' --credential '$T/cred' -o '$T/b3.cbor' &&
	 '$POCTOOL' evidence verify '$T/b3.cbor' --policy '$T/policy.json' --nonce $N2 --verifier-key '$T/verifier.pem' --collateral '$T/sim/collateral'"
t_has "not activated against the EK" "reason: credential activation"

# Without a TEE: qualifyingData = SHA-256("poc-pkcs11/v1/tpm" || N).
sed -e 's/"tee": {[^}]*},//' "$T/policy.json" >"$T/notee.json"
t_run 0 "collect without a TEE" bash -c "'$POCTOOL' evidence challenge --ek-pub '$T/ek.pub' --ak-pub '$T/ak.pub' \
	--nonce $N2 --verifier-key '$T/verifier.pem' -o '$T/cred2' >/dev/null &&
	'$DRIVE_BIN' collect --tcti '$TCTI1' --nonce $N2 --credential '$T/cred2' --pcrs sha256:0,1,2,3,7 -o '$T/b4.cbor'"
t_run 0 "... accepted under poc-v1 without a tee clause" "$POCTOOL" evidence verify "$T/b4.cbor" --policy "$T/notee.json" \
	--nonce "$N2" --verifier-key "$T/verifier.pem"
clean "$TCTI1" "collect (all)"

# Persistent EK and AK (poc_tpm_provision, which `poctool init` runs): a check reads them instead
# of deriving two RSA-2048 primaries. Someone else's object at either handle is ignored and never
# evicted; an EK substitute that does pass for one is caught by the verifier (its certificate
# names another key).
persistent() { TPM2TOOLS_TCTI=$TCTI1 tpm2_getcap handles-persistent | tr -d -- '- ' | sort | tr '\n' ' '; }
name_at() { TPM2TOOLS_TCTI=$TCTI1 tpm2_readpublic -c "$1" 2>/dev/null | sed -n 's/^name: //p'; }
# evidence N OUT [EKPUB]: a challenge for the AK (and the EK in EKPUB) the module uses now, then a collection.
evidence() {
	drive ak --tcti "$TCTI1" -o "$T/$2.akpub" && drive ek --tcti "$TCTI1" -o "$T/$2.ekpub" &&
		"$POCTOOL" evidence challenge --ek-pub "$T/$2.ekpub" --ak-pub "$T/$2.akpub" --nonce "$1" \
			--verifier-key "$T/verifier.pem" -o "$T/$2.cred" >/dev/null &&
		drive collect --tcti "$TCTI1" --nonce "$1" --tee "sim:$T/sim" --credential "$T/$2.cred" -o "$T/$2.cbor"
}
t_run 0 "keys before provisioning" drive keys --tcti "$TCTI1"
# swtpm_setup made the EK persistent at 0x81010001, as a cloud vTPM may: it is used as found.
t_has "ek persistent" "the EK swtpm_setup made persistent at 0x81010001 is used"
t_has "ak transient" "no persistent AK yet: derived"
before=$(persistent)
t_run 0 "provision" drive provision --tcti "$TCTI1"
t_has "ak persistent" "... the AK is now persistent"
t_has "provision 0" "... and provision says both are in place"
[ "$(persistent)" = "$(echo "$before 0x81010003" | tr ' ' '\n' | grep . | sort | tr '\n' ' ')" ] &&
	t_ok "... at 0x81010003, nothing else changed" || t_fail "... at 0x81010003 (before: $before; now: $(persistent))"
t_run 0 "provision again" drive provision --tcti "$TCTI1"
t_has "provision 0" "... is a no-op"
[ "$(persistent | wc -w)" = "$(($(echo "$before" | wc -w) + 1))" ] && t_ok "... that adds no handle" || t_fail "... adds no handle ($(persistent))"
clean "$TCTI1" "provision"
t_run 0 "the AK from its persistent handle" drive ak --tcti "$TCTI1" -o "$T/ak.p.pub" -n "$T/ak.p.name"
cmp -s "$T/ak.pub" "$T/ak.p.pub" && cmp -s "$T/ak.name" "$T/ak.p.name" && t_ok "... is the derived AK (same public area and name)" ||
	t_fail "... is the derived AK"
N3=$(rnd 32)
t_run 0 "collect with the persistent EK and AK" evidence "$N3" p1
t_run 0 "... accepted" verify "$T/p1.cbor" "$N3"
t_has "poc: affirming (provider swtpm-test-ca)" "... the persistent EK's certificate names the provider"
clean "$TCTI1" "collect (persistent)"

# 1. An EK substitute at 0x81010001: an endorsement primary with the EK template but another
#    unique value, so another key. The module takes it (it fits), the verifier does not.
ek0=$(name_at 0x81010001)
TPM2TOOLS_TCTI=$TCTI1 tpm2_evictcontrol -C o -c 0x81010001 >/dev/null
printf substitute | TPM2TOOLS_TCTI=$TCTI1 tpm2_createprimary -C e -G rsa2048:null:aes128cfb \
	-a 'fixedtpm|fixedparent|sensitivedataorigin|adminwithpolicy|restricted|decrypt' \
	-L 837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa -u - -c "$T/sub.ctx" >/dev/null &&
	TPM2TOOLS_TCTI=$TCTI1 tpm2_evictcontrol -C o -c "$T/sub.ctx" 0x81010001 >/dev/null ||
	{ echo "Bail out! could not make the EK substitute at 0x81010001"; exit 1; }
TPM2TOOLS_TCTI=$TCTI1 tpm2_flushcontext -t >/dev/null 2>&1
t_run 0 "keys with an EK substitute at 0x81010001" drive keys --tcti "$TCTI1"
t_has "ek persistent" "... the substitute fits the EK template, so the module uses it"
N4=$(rnd 32)
t_run 0 "collect with the substitute EK" evidence "$N4" sub
# Both files must exist (cmp -s also fails on a missing file): the bundle names an EK, and not ours.
if [ -s "$T/ek.pub" ] && [ -s "$T/sub.ekpub" ] && ! cmp -s "$T/ek.pub" "$T/sub.ekpub"; then
	t_ok "... the bundle's EK is the substitute"
else
	t_fail "... the bundle's EK is the substitute (ek.pub $(stat -c %s "$T/ek.pub" 2>&1), sub.ekpub $(stat -c %s "$T/sub.ekpub" 2>&1))"
fi
t_run 1 "... denied by the verifier" verify "$T/sub.cbor" "$N4"
t_has "the EK certificate does not certify the EK" "reason: the EK certificate names another key"
clean "$TCTI1" "substitute EK"

# 2. Someone else's objects at both handles, with other attributes: ignored (the module derives
#    the EK and AK), never evicted, and provisioning leaves them alone.
TPM2TOOLS_TCTI=$TCTI1 tpm2_evictcontrol -C o -c 0x81010001 >/dev/null
TPM2TOOLS_TCTI=$TCTI1 tpm2_evictcontrol -C o -c 0x81010003 >/dev/null
TPM2TOOLS_TCTI=$TCTI1 tpm2_createprimary -C o -c "$T/other-ek.ctx" >/dev/null &&
	TPM2TOOLS_TCTI=$TCTI1 tpm2_evictcontrol -C o -c "$T/other-ek.ctx" 0x81010001 >/dev/null
TPM2TOOLS_TCTI=$TCTI1 tpm2_flushcontext -t >/dev/null 2>&1
# The AK's algorithm, but not restricted: it would sign anything, and is no AK even in the
# endorsement hierarchy.
TPM2TOOLS_TCTI=$TCTI1 tpm2_createprimary -C e -G ecc256:ecdsa-sha256:null \
	-a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign' -c "$T/other-ak.ctx" >/dev/null &&
	TPM2TOOLS_TCTI=$TCTI1 tpm2_evictcontrol -C o -c "$T/other-ak.ctx" 0x81010003 >/dev/null
TPM2TOOLS_TCTI=$TCTI1 tpm2_flushcontext -t >/dev/null 2>&1
other_ek=$(name_at 0x81010001) other_ak=$(name_at 0x81010003)
t_run 0 "keys with other objects at both handles" drive keys --tcti "$TCTI1"
t_has "ek transient" "... the owner-hierarchy object at 0x81010001 is not taken for the EK"
t_has "ak transient" "... the unrestricted key at 0x81010003 is not taken for the AK"
N5=$(rnd 32)
t_run 0 "collect past them" evidence "$N5" other
cmp -s "$T/ek.pub" "$T/other.ekpub" && cmp -s "$T/ak.pub" "$T/other.akpub" &&
	t_ok "... with the derived EK and AK" || t_fail "... with the derived EK and AK"
t_run 0 "... accepted" verify "$T/other.cbor" "$N5"
t_run 0 "provision with both handles taken" drive provision --tcti "$TCTI1"
t_has "provision 1" "... says the keys stay transient"
[ -n "$other_ek" ] && [ "$(name_at 0x81010001)" = "$other_ek" ] && [ -n "$other_ak" ] && [ "$(name_at 0x81010003)" = "$other_ak" ] &&
	t_ok "... and both objects are still there, unchanged" || t_fail "... and both objects are still there, unchanged"
clean "$TCTI1" "other objects"
# The whole token path past them: `poctool init` (its provisioning cannot persist), seal, release.
cat >"$T/poc.conf" <<CONF
store = $T/store
tcti = $TCTI1
tee = sim:$T/sim
CONF
S3=$(rnd 32)
t_run 0 "poctool init with both handles taken" env POC_PKCS11_CONF="$T/poc.conf" "$POCTOOL" init --label fb \
	--policy "$T/policy.json" --pcrs "$PCRS"
t_run 0 "poctool seal" bash -c "printf %s '$S3' | POC_PKCS11_CONF='$T/poc.conf' '$POCTOOL' seal --token fb --label s"
t_run 0 "poctool release (the check derives the EK and AK)" env POC_PKCS11_CONF="$T/poc.conf" "$POCTOOL" release --token fb --label s
same "... returns the secret" "$S3"
[ "$(name_at 0x81010001)" = "$other_ek" ] && [ "$(name_at 0x81010003)" = "$other_ak" ] &&
	t_ok "... and the objects at both handles are still there, unchanged" || t_fail "... and the objects at both handles are still there, unchanged"
clean "$TCTI1" "token past other objects"
# 3. The AK's very template, but a primary of the owner hierarchy (its qualified name says so):
#    not the key CreatePrimary in the endorsement hierarchy makes, so not taken either.
TPM2TOOLS_TCTI=$TCTI1 tpm2_evictcontrol -C o -c 0x81010003 >/dev/null
TPM2TOOLS_TCTI=$TCTI1 tpm2_createprimary -C o -G ecc256:ecdsa-sha256:null \
	-a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda|restricted|sign' -c "$T/owner-ak.ctx" >/dev/null &&
	TPM2TOOLS_TCTI=$TCTI1 tpm2_evictcontrol -C o -c "$T/owner-ak.ctx" 0x81010003 >/dev/null
TPM2TOOLS_TCTI=$TCTI1 tpm2_flushcontext -t >/dev/null 2>&1
t_run 0 "keys with an owner-hierarchy AK look-alike at 0x81010003" drive keys --tcti "$TCTI1"
t_has "ak transient" "... not taken for the AK"
clean "$TCTI1" "owner-hierarchy AK"
# Back to the TPM as manufactured: the EK persistent again (by provisioning), as the tests below expect.
TPM2TOOLS_TCTI=$TCTI1 tpm2_evictcontrol -C o -c 0x81010001 >/dev/null
TPM2TOOLS_TCTI=$TCTI1 tpm2_evictcontrol -C o -c 0x81010003 >/dev/null
t_run 0 "provision on free handles" drive provision --tcti "$TCTI1"
t_has "provision 0" "... persists both"
[ "$(name_at 0x81010001)" = "$ek0" ] && t_ok "... the EK is the TCG default EK again" || t_fail "... the EK is the TCG default EK again"
clean "$TCTI1" "provision (again)"
t_run 0 "the same token's release, now with the persistent EK and AK" env POC_PKCS11_CONF="$T/poc.conf" "$POCTOOL" release \
	--token fb --label s
same "... returns the secret" "$S3"
clean "$TCTI1" "release (persistent)"

# A changed PCR: the sealed objects no longer open.
t_run 0 "tpm2_pcrextend 7" tpm2_pcrextend "7:sha256=$(rnd 32)"
t_run 1 "unseal after PCR 7 changed fails" drive unseal --tcti "$TCTI1" --pcrs "$PCRS" -i "$T/s1"
t_has "PCR policy not satisfied (a PCR changed since sealing)" "reason: the PCR message"
t_run 1 "... also with the right PIN" drive unseal --tcti "$TCTI1" --pcrs "$PCRS" --pin 'right pin' -i "$T/s2"
t_has "PCR policy not satisfied (a PCR changed since sealing)" "reason: the PCR message (PIN object)"
clean "$TCTI1" "PCR changed"

# Another TPM's sealed object.
poc_swtpm_start two || { echo "Bail out! swtpm two"; exit 1; }
TCTI2=$POC_TCTI
t_run 0 "seal on swtpm two" seal "$TCTI2" "$S1" "$T/two" --pcrs "$PCRS"
t_run 0 "... unseals on two" drive unseal --tcti "$TCTI2" --pcrs "$PCRS" -i "$T/two"
same "... with its secret" "$S1"
t_run 1 "swtpm two's object does not unseal on swtpm one" drive unseal --tcti "$TCTI1" --pcrs "$PCRS" -i "$T/two"
t_has "not sealed to this TPM" "reason: not sealed to this TPM"
clean "$TCTI1" "foreign object"
clean "$TCTI2" "swtpm two"

t_run 1 "an unreachable TCTI fails cleanly" drive ak --tcti "swtpm:host=127.0.0.1,port=1" -o "$T/x"
t_has "TCTI" "reason names the TCTI"
t_done
