#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# poc-v1 evidence made from outside (tpm2-tools + poctool sim quote + evidence challenge), for
# the tests that build bundles by hand (poc-v1.sh, attack-policy.sh). Source after tests/lib.sh;
# uses $T (the test's folder). It also runs the shared setup: a simulated platform in $T/sim,
# a verifier key $T/verifier.pem, swtpm "one" with its EK, certificate and AK ($CA1: its CA),
# and reads the simulator's $mrtd and $simroot for the policy.
hex() { od -An -v -tx1 | tr -d ' \n'; }
sha() { openssl dgst -"$1" -binary | hex; }
unhex() { xxd -r -p; }
flush() { tpm2_flushcontext -t; }

# tpm_setup NAME: EK (RSA) + certificate + AK in the running swtpm, files $T/NAME.*
tpm_setup() {
	tpm2_createek -c "$T/$1.ek.ctx" -G rsa -u "$T/$1.ek.pub" >/dev/null && flush &&
		tpm2_nvread 0x1c00002 -o "$T/$1.ek.crt" >/dev/null 2>&1 &&
		tpm2_createak -C "$T/$1.ek.ctx" -c "$T/$1.ak.ctx" -G rsa -g sha256 -s rsassa \
			-u "$T/$1.ak.pub" -n "$T/$1.ak.name" >/dev/null && flush
}

# collect TPM RUN NONCE: evidence as poc-v1 prescribes, in $T/RUN.*; the credential
# challenge is made by the verifier (poctool evidence challenge) and activated in the TPM.
collect() {
	local tpm=$1 run=$2 n=$3 rd q
	date +%s%3N >"$T/$run.ntime" # the verifier issues the nonce now
	rd=$( { printf 'poc-pkcs11/v1/tdx'; printf '%s' "$n" | unhex; cat "$T/$tpm.ak.name"; } | sha sha512)
	"$POCTOOL" sim quote "$T/sim" --report-data "$rd" -o "$T/$run.td" >/dev/null || return 1
	q=$( { printf 'poc-pkcs11/v1/tpm'; printf '%s' "$n" | unhex; head -c 632 "$T/$run.td" | openssl dgst -sha384 -binary; } | sha sha256)
	tpm2_quote -c "$T/$tpm.ak.ctx" -l sha256:0,1,2,3,7 -q "$q" -m "$T/$run.attest" -s "$T/$run.sig" -g sha256 >/dev/null && flush || return 1
	tpm2_pcrread sha256:0,1,2,3,7 | sed -nE 's/^ +([0-9]+) *: *0x([0-9A-Fa-f]+).*/\1 \2/p' | tr A-F a-f >"$T/$run.pcrs"
	"$POCTOOL" evidence challenge --ek-pub "$T/$tpm.ek.pub" --ak-pub "$T/$tpm.ak.pub" --nonce "$n" \
		--verifier-key "$T/verifier.pem" -o "$T/$run.cred" >/dev/null || return 1
	activate "$tpm" "$T/$run.cred" "$T/$run.secret"
}

# quote_td TPM RUN NONCE SEL [sim quote args...]: a poc-v1 TD quote $T/RUN.td (the sim quote args
# added: --mr-owner, --ccel) and TPM's quote of the PCRs SEL (e.g. sha256:10) over it, $T/RUN.{attest,sig,pcrs}.
quote_td() {
	local tpm=$1 run=$2 n=$3 sel=$4 rd q; shift 4
	rd=$( { printf 'poc-pkcs11/v1/tdx'; printf '%s' "$n" | unhex; cat "$T/$tpm.ak.name"; } | sha sha512)
	"$POCTOOL" sim quote "$T/sim" --report-data "$rd" "$@" -o "$T/$run.td" >/dev/null || return 1
	q=$( { printf 'poc-pkcs11/v1/tpm'; printf '%s' "$n" | unhex; head -c 632 "$T/$run.td" | openssl dgst -sha384 -binary; } | sha sha256)
	tpm2_quote -c "$T/$tpm.ak.ctx" -l "$sel" -q "$q" -m "$T/$run.attest" -s "$T/$run.sig" -g sha256 >/dev/null && flush || return 1
	tpm2_pcrread "$sel" | sed -nE 's/^ +([0-9]+) *: *0x([0-9A-Fa-f]+).*/\1 \2/p' | tr A-F a-f >"$T/$run.pcrs"
}

# activate TPM CRED OUT: TPM2_ActivateCredential with the endorsement policy session.
activate() {
	tpm2_startauthsession --policy-session -S "$T/session.ctx" >/dev/null &&
		tpm2_policysecret -S "$T/session.ctx" -c e >/dev/null &&
		tpm2_activatecredential -c "$T/$1.ak.ctx" -C "$T/$1.ek.ctx" -i "$2" -o "$3" -P "session:$T/session.ctx" >/dev/null
	local rc=$?
	tpm2_flushcontext "$T/session.ctx" >/dev/null 2>&1
	flush
	return $rc
}

# pack RUN OUT TD-RUN TPM NONCE [SECRET]: a bundle from the parts of runs.
pack() {
	"$POCTOOL" evidence pack -o "$2" --nonce "$5" --nonce-time "$(cat "$T/$1.ntime")" \
		--tdx-quote "$T/$3.td" --collateral "$T/sim/collateral" --poe "$T/sim/poe.cbor" \
		--tpm-quote "$T/$1.attest" --tpm-sig "$T/$1.sig" --pcrs "$T/$1.pcrs" \
		--ak-pub "$T/$4.ak.pub" --ek-pub "$T/$4.ek.pub" --ek-cert "$T/$4.ek.crt" \
		--activated-secret "${6:-$T/$1.secret}"
}

# ntime RUN: when the verifier issued RUN's nonce, as evidence verify --nonce-time takes it (s.ms).
ntime() { local t; t=$(cat "$T/$1.ntime"); echo "${t%???}.${t: -3}"; }
verify() { # verify BUNDLE NONCE [RUN]
	"$POCTOOL" evidence verify "$1" --policy "$T/policy.json" --nonce "$2" --verifier-key "$T/verifier.pem" \
		--nonce-time "$(ntime "${3:-r1}")"
}

t_run 0 "poctool sim init" "$POCTOOL" sim init "$T/sim"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/verifier.pem" 2>/dev/null
poc_swtpm_start one || { echo "Bail out! swtpm"; exit 1; }
CA1=$POC_SWTPM_DIR/ca
t_run 0 "EK, EK certificate and AK in swtpm one" tpm_setup one

# The policy: the swtpm's manufacturing CA plays the provider; the simulator's root is the TEE root;
# the simulator's POE token endorses the TD's platform (an endorsed vTPM alone is only a warning).
mrtd=$(tr -d ' \n' <"$T/sim/policy-fragment.json" | sed -nE 's/.*"mrtd":\["([0-9a-f]+)"\].*/\1/p')
simroot=$(tr -d ' \n' <"$T/sim/policy-fragment.json" | sed -nE 's/.*"tee":\{[^}]*"roots":\["([^"]+)"\].*/\1/p')

# poc_v1_policy FILE: the Proof-of-Cloud policy of this setup (swtpm one's CA as the provider,
# the simulator's TEE root, its POE token endorsing the TD's platform, poc-v1, 300 s freshness).
poc_v1_policy() {
	cat >"$1" <<JSON
{"version": 1,
 "providers": [{"name": "swtpm-test-ca", "roots": ["$CA1/swtpm-localca-rootca-cert.pem"], "intermediates": ["$CA1/issuercert.pem"]}],
 "platforms": {"poe": {"roots": ["$T/sim/poe_endorser.pem"], "owners": ["sim-csp.poc-pkcs11.test"]}},
 "tee": {"type": "tdx", "roots": ["$simroot"], "tcb_status": ["UpToDate"], "mrtd": ["$mrtd"]},
 "binding": "poc-v1", "freshness": {"max_age_s": 300}}
JSON
}
