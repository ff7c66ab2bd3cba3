#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# module/tpm*.c against swtpm, through tests/tpm-drive: sealing K_tpm to PCRs (+ PIN) and
# unsealing it; a changed PCR, a wrong PIN and another TPM's object each fail with their own
# message; wrong PINs never reach the TPM's dictionary-attack counter (noDA); evidence
# collected in-process (EK, AK, TD quote from the simulator, TPM quote, credential
# activation) is accepted by `poctool evidence verify` under a poc-v1 policy; no transient
# object or session is left behind in the TPM (there is no resource manager).
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
 "tee": {"type": "tdx", "roots": ["$simroot"], "tcb_status": ["UpToDate"], "mrtd": ["$mrtd"]},
 "binding": "poc-v1", "freshness": {"max_age_s": 300, "max_rtt_ms": 30000}}
JSON
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
t_run 1 "... is denied: no provider endorses the AK" verify "$T/b2.cbor" "$N2"
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
