#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# poctool init / seal / release / list / show / attest on swtpm + the TDX simulator: a secret
# comes back only after a Proof-of-Cloud check; a changed PCR, a wrong PIN, a modified object
# file and a store moved to another TPM each keep it sealed; a token refuses a policy that is
# not a Proof of Cloud.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
T=$POC_TEST_TMP

poc_token_env one "ttl = 60" || { echo "Bail out! test setup"; exit 1; }
echo '{"version": 1, "vtpm": {}, "binding": "none"}' >"$T/not-poc.json"

t_run 2 "init refuses a policy that is not a Proof of Cloud (an input error)" "$POCTOOL" init --label nopoc --policy "$T/not-poc.json"
t_has "not a Proof of Cloud" "says why"
t_run 0 "init" "$POCTOOL" init --label tok --policy "$T/policy.json"
t_run 2 "init of an existing token is refused" "$POCTOOL" init --label tok --policy "$T/policy.json"
printf 'disk-key-0123456789' >"$T/secret"
t_run 0 "seal a secret from a file" "$POCTOOL" seal --token tok --label disk --in "$T/secret"
t_run 0 "list tokens" "$POCTOOL" list
t_has "tok" "the token is listed"
t_run 0 "list objects" "$POCTOOL" list --token tok
t_has "label \"disk\"" "the object is listed"

"$POCTOOL" release --token tok --label disk >"$T/out" 2>"$T/err"
rc=$?
if [ $rc = 0 ] && cmp -s "$T/secret" "$T/out"; then t_ok "release returns the secret after the check"; else
	t_fail "release (exit $rc)"; t_diag <"$T/err"; fi
t_run 0 "show" "$POCTOOL" show --token tok --label disk
t_has "\"ear.status\": \"affirming\"" "the last record is affirming"
t_has "local" "the record says the check ran locally"
t_has "TDX simulator" "the record says the TEE was simulated"

# Keys: generated in place, or imported with a certificate; they are never released to stdout.
t_run 0 "keygen ec-p256" "$POCTOOL" keygen --token tok --label ec --type ec-p256 --id 01
t_has "BEGIN PUBLIC KEY" "prints the public key"
t_run 0 "keygen ed25519" "$POCTOOL" keygen --token tok --label ed --type ed25519
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/rsa.key" -subj /CN=tls.example -days 30 -out "$T/rsa.crt" 2>/dev/null
t_run 0 "import an RSA key with its certificate" "$POCTOOL" import --token tok --label tls --key "$T/rsa.key" --cert "$T/rsa.crt" --id 02
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/other.key" -subj /CN=other -days 30 -out "$T/other.crt" 2>/dev/null
t_run 2 "import refuses a certificate of another key" "$POCTOOL" import --token tok --label bad --key "$T/rsa.key" --cert "$T/other.crt"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out "$T/p521.key" 2>/dev/null
t_run 2 "import refuses an unsupported key (P-521)" "$POCTOOL" import --token tok --label p521 --key "$T/p521.key"
t_run 0 "list shows the keys and the certificate" "$POCTOOL" list --token tok
t_has "priv-02.obj" "the private key object"
t_has "cert-02.obj" "the certificate object"
t_run 2 "release refuses to write out a private key" "$POCTOOL" release --token tok --label ec
t_has "not a CKO_DATA secret" "says keys stay inside"

# A PIN-protected token: right PIN, wrong PINs counted by the TPM (never its DA lockout); the
# limit itself, and every way around it, is tests/integration/attack-pin.sh.
t_run 0 "init with a PIN" "$POCTOOL" init --label pin --policy "$T/policy.json" --pin 1234
t_run 2 "seal without the PIN refused" "$POCTOOL" seal --token pin --label k --in "$T/secret"
t_run 0 "seal with the PIN" "$POCTOOL" seal --token pin --label k --in "$T/secret" --pin 1234
t_run 0 "release with the right PIN" "$POCTOOL" release --token pin --label k --pin 1234
for i in 1 2 3 4 5 6 7 8; do "$POCTOOL" release --token pin --label k --pin 9999 >/dev/null 2>&1; done
t_run 1 "release with a wrong PIN denied" "$POCTOOL" release --token pin --label k --pin 9999
t_has "wrong PIN (1 of 10 tries left" "says wrong PIN, and that one try is left after 9"
t_run 0 "within the limit the right PIN still works" "$POCTOOL" release --token pin --label k --pin 1234
t_run 0 "list --token" "$POCTOOL" list --token pin
t_has "PIN: 10 of 10 tries left" "the right PIN set the TPM's count back to 0"
tpm2_getcap properties-variable | grep -q "TPM2_PT_LOCKOUT_COUNTER: 0x0$" && t_ok "the TPM's DA lockout counter is 0" ||
	t_fail "the DA lockout counter moved"

# A modified object file (one byte of its header).
obj=$T/store/tok/data-l-disk.obj
cp "$obj" "$T/obj.bak"
# A byte of its ttl (a uint64 in the header): the header still parses, the AEAD catches it.
off=$("$PY" -c 'import sys; b=open(sys.argv[1],"rb").read(); print(b.index(b"\x63ttl\x1b") + 7)' "$obj")
printf '\x7a' | dd of="$obj" bs=1 seek="$off" conv=notrunc status=none
t_run 1 "a modified object file is not released" "$POCTOOL" release --token tok --label disk
cp "$T/obj.bak" "$obj"
t_run 0 "restored, it is released again" "$POCTOOL" release --token tok --label disk

# attest: evidence from this machine; with the sim's platform on an allow-list it verifies.
ppid=$(sed -nE 's/^ *ppid: *([0-9a-f]{32}).*/\1/p' "$T/sim.out")
cat >"$T/attest.json" <<JSON
{"version": 1, "platforms": {"allow": [{"ppid": "$ppid"}]},
 "tee": {"type": "tdx", "roots": ["$simroot"], "tcb_status": ["UpToDate"]}, "binding": "poc-v1"}
JSON
N=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
t_run 0 "attest -o BUNDLE --nonce" "$POCTOOL" attest -o "$T/attest.cbor" --nonce "$N"
t_run 0 "the collected evidence verifies" "$POCTOOL" evidence verify "$T/attest.cbor" --policy "$T/attest.json" --nonce "$N"
t_has "poc: affirming" "poc affirming"

# A changed PCR (the policy seals to PCRs 0-7 and 14 by default).
tpm2_pcrextend 7:sha256=0000000000000000000000000000000000000000000000000000000000000001 >/dev/null
t_run 1 "after tpm2_pcrextend 7 the secret stays sealed" "$POCTOOL" release --token tok --label disk
t_has "seal.pcrs.sha256: PCR sha256:7 changed" "names the clause and the PCR that changed"
t_run 0 "poctool show after the PCR denial" "$POCTOOL" show --token tok --label disk
t_has "last record (signature valid: the token's denial key)" "the denial record is kept, signed by the denial key"
t_has '"denied_clause": "seal.pcrs.sha256"' "the record names the clause"

# The store moved to another TPM.
poc_swtpm_start two || { echo "Bail out! swtpm two"; exit 1; }
sed -i "s|^tcti = .*|tcti = $POC_TCTI|" "$POC_PKCS11_CONF"
"$POCTOOL" release --token pin --label k --pin 1234 >"$T/out" 2>"$T/err"
rc=$?
[ $rc -ne 0 ] && [ ! -s "$T/out" ] && t_ok "a store moved to another TPM releases nothing (exit $rc, nothing on stdout)" ||
	t_fail "released on another TPM (exit $rc, $(wc -c <"$T/out") bytes on stdout)"
grep -q "the SRK is not the token's (not sealed to this TPM" "$T/err" && t_ok "says the TPM's SRK is not the token's: not sealed to this TPM" ||
	{ t_fail "message"; t_diag <"$T/err"; }
t_done
