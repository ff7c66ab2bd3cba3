#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The store does not decide the policy (issue 10, item 2; the SRK pin of item 11). Attacks from
# outside, by editing token.cbor, the policy's file copies and object files with Python (cbor2),
# through `poctool release` and through the PKCS#11 module (C_Login via pkcs11-tool):
#   (a) "debug": true written into token.cbor's policy (digest recomputed), or the tee clause
#       removed: a DEBUG TD's secret stays sealed (store.state);
#   (b) a policy-named root file replaced by another CA (with or without its listed digest);
#   (c) an object of token strict copied into token lax (same swtpm, PCRs, no PIN), also with its
#       header's token id and policy digest edited to lax's;
#   (d) PIN and SRK fields edited, removed or cut short; another signed entry; an entry added;
#       the PIN counter (pin_nv, pin_nv_name) pointed at an index the attacker defined with
#       tpm2-tools (even with the right PIN's authValue), or removed; pin_failures (signed too);
#   (e) an old-format token.cbor (no state signature): refused, saying to re-create the token;
#   (f) token.cbor's verifier_spki replaced by the attacker's key, and a record it signed (affirming):
#       `record verify --token` asks the TPM (the verifier key unsealed, the state's signature) and
#       refuses it; show says the key is not authenticated; PIN tokens need --pin for that;
#   (g) lax's (authentic) token.cbor copied over pin's: pin's object is another token's (store.token_id);
#   (h) two objects' files swapped within one token: each label still opens its own secret;
#   (j) symlinks: a policy file copy, an object file or the token folder made a symlink to the
#       attacker's file: each refused (O_NOFOLLOW), never followed;
#   (i) through the module: an object's header edited (private key -> CKO_DATA) while the module lists
#       the objects, the genuine file put back before C_Login: the login is refused and the key's
#       value never comes out as a data object's CKA_VALUE.
# Control: the untouched tokens release, before and after.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
T=$POC_TEST_TMP
S=$T/store

poc_token_env one "ttl = 600" "log = $T/module.log" "log_level = info" || { echo "Bail out! test setup"; exit 1; }
CONF=$POC_PKCS11_CONF

# A DEBUG TD: its own simulated platform, its own configuration (same store, same TPM).
"$POCTOOL" sim init "$T/simdbg" --debug >"$T/simdbg.out" 2>&1 || { echo "Bail out! sim init --debug"; exit 1; }
dbgroot=$(tr -d ' \n' <"$T/simdbg/policy-fragment.json" | sed -nE 's/.*"tee":\{[^}]*"roots":\["([^"]+)"\].*/\1/p')
sed "s|^tee = .*|tee = sim:$T/simdbg|" "$CONF" >"$T/poc-dbg.conf"
sed "s|\"roots\": \[\"$simroot\"\]|\"roots\": [\"$dbgroot\"]|" "$T/policy.json" >"$T/policy-dbg.json"
# strict: lax's policy plus an MRTD that is not this TD's.
zeros48=$(printf '%096d' 0)
sed 's|"tcb_status": \["UpToDate"\]|"tcb_status": ["UpToDate"], "mrtd": ["'"$zeros48"'"]|' "$T/policy.json" \
	>"$T/policy-strict.json"
grep -q '"mrtd"' "$T/policy-strict.json" && grep -q "$dbgroot" "$T/policy-dbg.json" ||
	{ echo "Bail out! policies"; exit 1; }

# The attacker's editor: token.cbor entries, the policy inside it, object headers.
cat >"$T/edit.py" <<'PY'
import cbor2, hashlib, json, sys
def load(p): return cbor2.loads(open(p, "rb").read())
def save(p, v): open(p, "wb").write(cbor2.dumps(v))
cmd, path = sys.argv[1], sys.argv[2]
if cmd == "policy":                      # policy WHAT [nodigest]: edit the policy JSON in token.cbor
    t = load(path); pol = json.loads(t["policy_json"])
    if sys.argv[3] == "debug": pol["tee"]["debug"] = True
    elif sys.argv[3] == "notee": del pol["tee"]; pol["binding"] = "none"
    t["policy_json"] = json.dumps(pol).encode()
    if "nodigest" not in sys.argv[4:]: t["policy_digest"] = hashlib.sha256(t["policy_json"]).digest()
    save(path, t)
elif cmd == "set":                       # set KEY hex:.. | int:N | bool:0/1 | del
    t = load(path); k, v = sys.argv[3], sys.argv[4]
    if v == "del": t.pop(k)
    elif v.startswith("hex:"): t[k] = bytes.fromhex(v[4:])
    elif v.startswith("int:"): t[k] = int(v[4:], 0)
    elif v.startswith("bool:"): t[k] = v[5:] == "1"
    save(path, t)
elif cmd == "file":                      # file NAME FILE: policy_files[NAME] = SHA-256 of FILE
    t = load(path); t["policy_files"][sys.argv[3]] = hashlib.sha256(open(sys.argv[4], "rb").read()).digest()
    save(path, t)
elif cmd == "old":                       # a schema 1 token.cbor: no token id, file list or signature
    t = load(path)
    for k in ("state_sig", "token_id", "policy_files"): t.pop(k)
    t["schema"] = 1; save(path, t)
elif cmd == "header":                    # header TOKEN.CBOR [digest]: the object claims to be that token's
    o = load(path); h = cbor2.loads(o["header"]); t = load(sys.argv[3])
    h["token_id"] = t["token_id"]
    if "digest" in sys.argv[4:]: h["policy"]["policy_digest"] = t["policy_digest"]
    o["header"] = cbor2.dumps(h); save(path, o)
elif cmd == "name":                      # name PATH: the store name of a policy file
    print("policy-" + hashlib.sha256(path.encode()).hexdigest())
PY
ed() { "$PY" "$T/edit.py" "$@" || echo "edit.py $* failed" >&2; }

# release WANT DESC TOKEN LABEL [ARGS]: poctool release; the secret must not come out unless WANT=0.
release() {
	local want=$1 desc=$2 tok=$3 label=$4; shift 4
	t_run "$want" "$desc" "$POCTOOL" release --token "$tok" --label "$label" "$@"
	if [ "$want" != 0 ] && printf '%s' "$T_OUT" | grep -qF "secret-of-"; then t_fail "$desc: the secret came out"; fi
}

t_run 0 "init strict" "$POCTOOL" init --label strict --policy "$T/policy-strict.json"
t_run 0 "init lax" "$POCTOOL" init --label lax --policy "$T/policy.json"
t_run 0 "init pin (PIN 1234)" "$POCTOOL" init --label pin --policy "$T/policy.json" --pin 1234
seal() { # TOKEN LABEL [ARGS]: seals "secret-of-TOKEN"
	local tok=$1 label=$2; shift 2
	printf 'secret-of-%s' "$tok" | "$POCTOOL" seal --token "$tok" --label "$label" "$@" >/dev/null &&
		t_ok "seal in $tok" || t_fail "seal in $tok"
}
seal strict s-strict
seal lax s-lax
seal pin s-pin --pin 1234
POC_PKCS11_CONF=$T/poc-dbg.conf t_run 0 "init dbg (a DEBUG TD's token, debug not allowed)" \
	"$POCTOOL" init --label dbg --policy "$T/policy-dbg.json"
printf 'secret-of-dbg' | POC_PKCS11_CONF=$T/poc-dbg.conf "$POCTOOL" seal --token dbg --label s-dbg >/dev/null &&
	t_ok "seal in dbg" || t_fail "seal in dbg"
for tok in strict lax pin dbg; do cp "$S/$tok/token.cbor" "$T/$tok.token.cbor"; done
restore() { for tok in strict lax pin dbg; do cp "$T/$tok.token.cbor" "$S/$tok/token.cbor"; done; }

# Control: the honest tokens.
release 0 "control: lax releases its secret" lax s-lax
t_has "secret-of-lax" "the secret of lax"
release 0 "control: pin releases its secret with the PIN" pin s-pin --pin 1234
release 1 "control: strict denies (its MRTD clause)" strict s-strict
t_has '$.tee.mrtd' "names the MRTD clause"
export POC_PKCS11_CONF=$T/poc-dbg.conf
release 1 "control: the DEBUG TD is denied by dbg's policy" dbg s-dbg
t_has '$.tee.debug' "names the debug clause"

# (a) The policy in token.cbor edited, its digest recomputed.
ed policy "$S/dbg/token.cbor" debug
release 1 "(a) \"debug\": true written into token.cbor: the DEBUG TD's secret stays sealed" dbg s-dbg
t_has "store.state" "names store.state"
t_has "not signed by the token's verifier key" "says the state is not the verifier key's"
restore; ed policy "$S/dbg/token.cbor" notee
release 1 "(a) the tee clause removed from token.cbor: still sealed" dbg s-dbg
t_has "store.state" "names store.state"
restore; ed policy "$S/dbg/token.cbor" debug nodigest
release 2 "(a) the policy edited without its digest: refused" dbg s-dbg
t_has "policy_digest is not the SHA-256" "says the digest does not match"
restore
export POC_PKCS11_CONF=$CONF

# (b) A root the policy names, replaced in the store by another CA.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/evil.key" -subj /CN=evil-root \
	-days 30 -out "$T/evil.pem" 2>/dev/null || t_fail "another CA"
rootname=$("$PY" "$T/edit.py" name "$CA/swtpm-localca-rootca-cert.pem")
[ -f "$S/lax/$rootname" ] && t_ok "the provider root's copy is $rootname" || t_fail "no $rootname in lax"
cp "$S/lax/$rootname" "$T/root.bak"
cp "$T/evil.pem" "$S/lax/$rootname"
release 2 "(b) the provider root file replaced: refused" lax s-lax
t_has "its SHA-256 is not the one in the token state" "says the file was modified"
ed file "$S/lax/token.cbor" "$rootname" "$T/evil.pem"
release 1 "(b) ... and its digest in token.cbor replaced too: denied" lax s-lax
t_has "store.state" "names store.state"
restore; cp "$T/root.bak" "$S/lax/$rootname"

# (c) strict's object copied into lax.
obj=data-l-s-strict.obj
cp "$S/strict/$obj" "$S/lax/$obj"
release 1 "(c) strict's object copied into lax: denied" lax s-strict
t_has "store.token_id" "names store.token_id"
ed header "$S/lax/$obj" "$S/lax/token.cbor"
release 1 "(c) ... with its header's token id edited to lax's: denied" lax s-strict
t_has "store.policy_digest" "names store.policy_digest"
ed header "$S/lax/$obj" "$S/lax/token.cbor" digest
release 1 "(c) ... and its policy digest edited to lax's: it does not open" lax s-strict
t_has "object was modified" "the AEAD (header and token binding) refuses it"
rm -f "$S/lax/$obj" "$S/lax/$obj.record"

# (d) PIN and SRK fields, another signed entry, an entry added.
ed set "$S/pin/token.cbor" has_pin bool:0
release 1 "(d) has_pin cleared: denied" pin s-pin --pin 1234
t_has "store.state" "names store.state"
restore; ed set "$S/pin/token.cbor" srk_name "hex:000b$(printf '%064d' 7)"
release 1 "(d) srk_name replaced: refused by the TPM session" pin s-pin --pin 1234
t_has "the SRK is not the token's" "says the SRK is not the token's"
restore; ed set "$S/pin/token.cbor" srk_name del
release 2 "(d) srk_name removed: refused" pin s-pin --pin 1234
t_has "srk_name is missing" "names srk_name"
restore; ed set "$S/pin/token.cbor" srk_name "hex:000b$(printf '%062d' 7)"
release 2 "(d) srk_name one byte short: refused" pin s-pin --pin 1234
t_has "srk_name" "names srk_name"
restore; ed set "$S/pin/token.cbor" pcr_mask int:0xff
release 1 "(d) pcr_mask edited: denied" pin s-pin --pin 1234
t_has "store.state" "names store.state"
restore; ed set "$S/pin/token.cbor" added_later int:1
release 2 "(d) an entry added: refused" pin s-pin --pin 1234
t_has "unknown key" "says unknown key"
restore; ed set "$S/pin/token.cbor" pin_failures int:7
release 1 "(d) pin_failures edited: denied (signed like every entry)" pin s-pin --pin 1234
t_has "store.state" "names store.state"
# The attacker's own PIN counter: a PIN_FAIL index with a limit of 1000 and the right PIN's authValue.
EVIL_NV=0x01c0ffee
printf '\0\0\0\0\0\0\3\350' >"$T/evil-nv.bin"
tpm2_nvdefine "$EVIL_NV" -C o -s 8 -a "nt=pinfail|no_da|ownerwrite|ownerread" \
	-p "hex:$(printf 1234 | sha256sum | cut -c1-64)" >/dev/null 2>&1 &&
	tpm2_nvwrite "$EVIL_NV" -C o -i "$T/evil-nv.bin" >/dev/null 2>&1 &&
	evil_name=$(tpm2_nvreadpublic "$EVIL_NV" | sed -n 's/^ *name: *//p') && [ ${#evil_name} = 68 ] &&
	t_ok "the attacker defines a PIN counter of its own ($EVIL_NV)" || t_fail "tpm2_nvdefine of the attacker's index"
restore; ed set "$S/pin/token.cbor" pin_nv int:$EVIL_NV; ed set "$S/pin/token.cbor" pin_nv_name "hex:$evil_name"
release 1 "(d) pin_nv/pin_nv_name pointed at the attacker's counter: even the right PIN releases nothing" \
	pin s-pin --pin 1234
t_has "though no sealed PCR differs" "a denial that does not blame a PCR"
restore; ed set "$S/pin/token.cbor" pin_nv int:$EVIL_NV
release 1 "(d) pin_nv alone edited: denied, nothing tried (the index is not the token's counter)" pin s-pin --pin 1234
t_has "not the token's PIN counter" "says the name differs"
restore; ed set "$S/pin/token.cbor" pin_nv del; ed set "$S/pin/token.cbor" pin_nv_name del
release 2 "(d) the PIN counter removed: refused, no PIN tried" pin s-pin --pin 1234
t_has "no PIN counter" "says the token has no PIN counter"
restore; ed set "$S/pin/token.cbor" pin_nv_name del
release 2 "(d) pin_nv_name removed alone: refused" pin s-pin --pin 1234
t_has "go together" "says pin_nv and pin_nv_name go together"
restore
t_run 0 "the real counter counted none of it" "$POCTOOL" list --token pin
t_has "PIN: 10 of 10 tries left" "10 of 10 tries left"

# (e) Old format: no state signature.
ed set "$S/lax/token.cbor" state_sig del
release 2 "(e) state_sig removed: refused" lax s-lax
t_has "re-create the token" "says to re-create the token"
restore; ed old "$S/lax/token.cbor"
release 2 "(e) a schema 1 token.cbor: refused" lax s-lax
t_has "re-create the token" "says to re-create the token"
t_run 0 "(e) list still lists the store" "$POCTOOL" list
t_has "(unusable: token.cbor: schema 1" "and says the old token is unusable"
restore

# (f) The verifier key as token.cbor names it, swapped for the attacker's, and a record signed with it.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/att.key" 2>/dev/null &&
	openssl pkey -in "$T/att.key" -pubout -outform DER -out "$T/att.der" 2>/dev/null || t_fail "the attacker's key"
release 0 "control: lax releases (its record)" lax s-lax
cp "$S/lax/data-l-s-lax.obj.record" "$T/lax.rec"
"$PY" - "$T/lax.rec" "$T/att.key" "$T/att.rec" <<'PY' || t_fail "python: the attacker's record"
import sys, cbor2
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
prot, unprot, payload, _ = cbor2.loads(open(sys.argv[1], "rb").read()).value
key = serialization.load_pem_private_key(open(sys.argv[2], "rb").read(), None)
r, s = decode_dss_signature(key.sign(cbor2.dumps(["Signature1", prot, b"", payload]), ec.ECDSA(hashes.SHA256())))
open(sys.argv[3], "wb").write(cbor2.dumps(cbor2.CBORTag(18, [prot, unprot, payload, r.to_bytes(32, "big") + s.to_bytes(32, "big")])))
PY
t_run 0 "(f) control: the genuine record verifies with --token (no PIN: the TPM authenticates the key)" \
	"$POCTOOL" record verify "$T/lax.rec" --token lax
t_has "signature OK, status affirming" "affirming"
ed set "$S/lax/token.cbor" verifier_spki "hex:$(od -An -tx1 -v "$T/att.der" | tr -d ' \n')"
cp "$T/att.rec" "$S/lax/data-l-s-lax.obj.record"
t_run 1 "(f) verifier_spki swapped, the attacker's affirming record: record verify --token refuses it" \
	"$POCTOOL" record verify "$T/att.rec" --token lax
t_has "not authenticated" "says the key token.cbor names is not authenticated"
t_run 1 "(f) the genuine record against the swapped key: refused" "$POCTOOL" record verify "$T/lax.rec" --token lax
t_run 0 "(f) show" "$POCTOOL" show --token lax --label s-lax
t_has "NOT authenticated by show" "show says the key it checked with is not authenticated"
restore
t_run 0 "(f) control: pin's record" "$POCTOOL" release --token pin --label s-pin --pin 1234
t_run 2 "(f) a PIN token's record with --token but no --pin: refused (the key cannot be authenticated)" \
	"$POCTOOL" record verify "$S/pin/data-l-s-pin.obj.record" --token pin
t_has "give --pin" "says to give the PIN"
t_run 0 "(f) ... with --pin: verified" "$POCTOOL" record verify "$S/pin/data-l-s-pin.obj.record" --token pin --pin 1234
t_run 1 "(f) ... with a wrong PIN: not verified" "$POCTOOL" record verify "$S/pin/data-l-s-pin.obj.record" \
	--token pin --pin 9999
t_has "wrong PIN" "says wrong PIN"

# (g) Another token's authentic state over this one's.
cp "$S/lax/token.cbor" "$S/pin/token.cbor"
release 2 "(g) lax's token.cbor over pin's: refused (its signed label is another folder's)" pin s-pin
t_has 'label "lax" in folder "pin"' "says the label is another token's"
cp "$S/pin/data-l-s-pin.obj" "$S/lax/"
release 1 "(g) pin's object copied into lax: denied (another token's)" lax s-pin
t_has "store.token_id" "names store.token_id"
rm -f "$S/lax/data-l-s-pin.obj" "$S/lax/data-l-s-pin.obj.record"
restore

# (h) Two objects of one token swap files.
printf 'secret-of-lax-two' | "$POCTOOL" seal --token lax --label s-two >/dev/null && t_ok "a second secret in lax" ||
	t_fail "second seal"
mv "$S/lax/data-l-s-lax.obj" "$T/swap" && mv "$S/lax/data-l-s-two.obj" "$S/lax/data-l-s-lax.obj" &&
	mv "$T/swap" "$S/lax/data-l-s-two.obj"
"$POCTOOL" release --token lax --label s-lax >"$T/out" 2>&1 && [ "$(cat "$T/out")" = secret-of-lax ] &&
	t_ok "(h) files swapped: s-lax still opens s-lax's secret (the label is in the AEAD header)" ||
	{ t_fail "(h) s-lax after the swap"; t_diag <"$T/out"; }
"$POCTOOL" release --token lax --label s-two >"$T/out" 2>&1 && [ "$(cat "$T/out")" = secret-of-lax-two ] &&
	t_ok "(h) and s-two its own" || { t_fail "(h) s-two after the swap"; t_diag <"$T/out"; }
rm -f "$S/lax/data-l-s-two.obj" "$S/lax/data-l-s-lax.obj" "$S/lax/"*.record
printf 'secret-of-lax' | "$POCTOOL" seal --token lax --label s-lax >/dev/null || t_fail "re-seal s-lax"

# (j) Symlinks in the store, to files the attacker controls (here: the genuine content, moved away).
mv "$S/lax/$rootname" "$T/root.moved" && ln -s "$T/root.moved" "$S/lax/$rootname"
release 2 "(j) a policy file copy that is a symlink: refused" lax s-lax
t_has "Too many levels of symbolic links" "not followed"
rm "$S/lax/$rootname" && mv "$T/root.moved" "$S/lax/$rootname"
mv "$S/lax/data-l-s-lax.obj" "$T/obj.moved" && ln -s "$T/obj.moved" "$S/lax/data-l-s-lax.obj"
release 2 "(j) an object file that is a symlink: not an object" lax s-lax
t_has "no object labelled" "the symlink is not listed"
rm "$S/lax/data-l-s-lax.obj" && mv "$T/obj.moved" "$S/lax/data-l-s-lax.obj"
mv "$S/lax" "$T/lax.moved" && ln -s "$T/lax.moved" "$S/lax"
release 2 "(j) the token folder a symlink: refused" lax s-lax
t_has "Not a directory" "not followed"
rm "$S/lax" && mv "$T/lax.moved" "$S/lax"

release 0 "control: lax still releases" lax s-lax
release 0 "control: pin still releases" pin s-pin --pin 1234

# (i) The module acts on the headers it listed: the file it releases must be that one.
REC=$POC_BUILDDIR/tests/p11-record
t_run 0 "(i) keygen a P-256 key in lax" "$POCTOOL" keygen --token lax --label k --type ec-p256 --id 0a
cp "$S/lax/priv-0a.obj" "$T/priv-0a.good"
"$PY" - "$S/lax/priv-0a.obj" <<'PY' || t_fail "python: header edit"
import sys, cbor2
o = cbor2.loads(open(sys.argv[1], "rb").read()); h = cbor2.loads(o["header"])
h["class"] = 0  # CKO_DATA: a data object's CKA_VALUE is its released bytes
o["header"] = cbor2.dumps(h); open(sys.argv[1], "wb").write(cbor2.dumps(o))
PY
mkdir -p "$T/rec"
P11_RECORD_HOOK="cp '$T/priv-0a.good' '$S/lax/priv-0a.obj'" t_run 0 \
	"(i) header edited while listed, genuine file back before C_Login: refused, no key value as CKO_DATA" \
	"$REC" "$POC_BUILDDIR/module/.libs/poc-pkcs11.so" swapped lax 0000 k "$T/rec"
cmp -s "$T/priv-0a.good" "$S/lax/priv-0a.obj" && t_ok "(i) the hook put the genuine file back" || t_fail "(i) hook"
t_run 0 "(i) control: a login that reads the genuine file releases" "$REC" "$POC_BUILDDIR/module/.libs/poc-pkcs11.so" \
	record lax 0000 k "$T/rec"

# The same through the PKCS#11 module: C_Login releases every secret of the token (release = login).
if [ -n "${POC_SANITIZERS:-}" ]; then
	t_skip "pkcs11-tool is uninstrumented: it cannot load the ASan-built module"
	t_done; exit
fi
SO=$POC_BUILDDIR/module/.libs/poc-pkcs11.so
# login WANT DESC TOKEN PIN [CLAUSE]: pkcs11-tool --login; a failure must be the module's, named in its log.
login() {
	local want=$1 desc=$2 tok=$3 pin=$4 clause=${5:-}
	: >"$T/module.log"
	t_run "$want" "$desc" pkcs11-tool --module "$SO" --token-label "$tok" --login --pin "$pin" -O
	if [ -n "$clause" ]; then
		grep -qF -- "$clause" "$T/module.log" && t_ok "$desc: the module names $clause" ||
			{ t_fail "$desc: the module log lacks $clause"; t_diag <"$T/module.log"; }
	fi
}
login 0 "p11 control: C_Login on lax" lax 0000
login 0 "p11 control: C_Login on pin" pin 1234
export POC_PKCS11_CONF=$T/poc-dbg.conf
ed policy "$S/dbg/token.cbor" debug
login 1 "p11 (a) debug written into dbg's token.cbor: C_Login fails" dbg 0000 "store.state"
restore
export POC_PKCS11_CONF=$CONF
cp "$T/evil.pem" "$S/lax/$rootname"
login 1 "p11 (b) lax's root replaced: C_Login fails" lax 0000 "its SHA-256 is not the one in the token state"
cp "$T/root.bak" "$S/lax/$rootname"
cp "$S/strict/$obj" "$S/lax/$obj"
login 1 "p11 (c) strict's object in lax: C_Login fails" lax 0000 "store.token_id"
ed header "$S/lax/$obj" "$S/lax/token.cbor"
login 1 "p11 (c) ... its token id edited: C_Login fails" lax 0000 "store.policy_digest"
ed header "$S/lax/$obj" "$S/lax/token.cbor" digest
login 1 "p11 (c) ... and its policy digest: C_Login fails" lax 0000 "object was modified"
rm -f "$S/lax/$obj" "$S/lax/$obj.record"
ed set "$S/pin/token.cbor" pcr_mask int:0xff
login 1 "p11 (d) pin's pcr_mask edited: C_Login fails" pin 1234 "store.state"
restore; ed set "$S/pin/token.cbor" srk_name del
login 1 "p11 (d) pin's srk_name removed: C_Login fails" pin 1234 "srk_name is missing"
restore; ed set "$S/pin/token.cbor" pin_nv int:$EVIL_NV; ed set "$S/pin/token.cbor" pin_nv_name "hex:$evil_name"
login 1 "p11 (d) pin's counter pointed at the attacker's: C_Login with the right PIN fails" pin 1234 "though no sealed PCR differs"
restore; ed set "$S/pin/token.cbor" pin_failures int:7
login 1 "p11 (d) pin's pin_failures edited: C_Login fails" pin 1234 "store.state"
restore; ed old "$S/lax/token.cbor"
login 1 "p11 (e) lax in the old format: C_Login fails" lax 0000 "re-create the token"
restore
login 0 "p11 control: C_Login on lax again" lax 0000
t_done
