#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Item 8 of issue 10: the HCL report's runtime JSON is the TD software's text, and a hostile one
# must never crash `evidence verify`. A Python producer rewrites the real Azure HCL report's
# runtime JSON ("kty": null, a number, missing members, HCLAkPub not an object, NULs, two
# HCLAkPub keys, ...). The verifier reads all of that JSON before it relies on any of it (the
# binding's first step), so every variant must be denied (exit 1, naming $.binding and the
# JSON's fault) or refused (exit 2), never a signal. The producer also zeroes the TD report
# inside (with its two REPORTMACSTRUCT hashes recomputed): its output without a JSON edit is
# the control, which passes the JSON checks and is then denied for that TD report, and the
# real policy still accepts the unedited capture.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
t_need_testdata
T=$POC_TEST_TMP
A=$D/azure/tdx-vtpm-1780922561
AT=1780922561
ZERO=$(printf '%0128d' 0)

cat >"$T/hcl-edit.py" <<'PY'
import hashlib, json, struct, sys
src, variant, out = sys.argv[1], sys.argv[2], sys.argv[3]
b = bytearray(open(src, "rb").read())
n = struct.unpack_from("<I", b, 1216 + 16)[0]
text = b[1236:1236 + n].decode()
doc = json.loads(text)
ak = next(k for k in doc["keys"] if k.get("kid") == "HCLAkPub")
raw = None
if variant == "none": pass
elif variant == "kty-null": ak["kty"] = None
elif variant == "kty-5": ak["kty"] = 5
elif variant == "kty-missing": del ak["kty"]
elif variant == "kty-object": ak["kty"] = {"RSA": True}
elif variant == "kty-nul": raw = text.replace('"kty":"RSA"', '"kty":"RSA\\u0000x"', 1)
elif variant == "kid-null": ak["kid"] = None
elif variant == "n-null": ak["n"] = None
elif variant == "n-number": ak["n"] = 12345
elif variant == "e-array": ak["e"] = ["AQAB"]
elif variant == "n-missing": del ak["n"]
elif variant == "n-nul": raw = text.replace('"e":"AQAB"', '"e":"AQ\\u0000AB"', 1)
elif variant == "n-bad-b64": ak["n"] = "!!!!"
elif variant == "n-huge": ak["n"] = "A" * 4000
# The decoder is OpenSSL's standard base64 behind a URL-alphabet gate: what the standard one would take must not pass.
elif variant == "n-padded": ak["n"] = ak["n"] + "=" * (4 - len(ak["n"]) % 4 if len(ak["n"]) % 4 else 4)
elif variant == "n-std-alphabet": ak["n"] = "+/" + ak["n"][2:]
elif variant == "n-space": ak["n"] = ak["n"][:8] + " " + ak["n"][8:]
elif variant == "keys-null": doc["keys"] = None
elif variant == "keys-missing": del doc["keys"]
elif variant == "keys-object": doc["keys"] = {"HCLAkPub": ak}
elif variant == "akpub-string": doc["keys"] = ["HCLAkPub", None, 5, []] + doc["keys"][1:]
elif variant == "akpub-twice": doc["keys"].append(dict(ak))
elif variant == "root-array": raw = json.dumps([doc])
elif variant == "root-null": raw = "null"
elif variant == "empty": raw = ""
elif variant == "deep": raw = "[" * 5000 + "]" * 5000
elif variant == "truncated": raw = text[:len(text) // 2]
else: sys.exit("unknown variant " + variant)
if raw is None:
    raw = json.dumps(doc, separators=(",", ":"))
j = raw.encode()
struct.pack_into("<I", b, 1216 + 16, len(j))
b = b[:1236] + j
# The TD report at 32: all zero, with SHA-384(TEE_TCB_INFO[0:239]) and SHA-384(TDINFO) in REPORTMACSTRUCT.
b[32:32 + 1024] = bytes(1024)
b[32 + 32:32 + 80] = hashlib.sha384(bytes(239)).digest()
b[32 + 80:32 + 128] = hashlib.sha384(bytes(512)).digest()
open(out, "wb").write(b)
PY

pack() { # pack OUT HCL
	"$POCTOOL" evidence pack -o "$1" --tdx-quote "$A/tdx_quote.bin" --hcl-report "$2" --collateral "$A/collateral" \
		--tpm-quote "$A/tpm_quote.attest" --tpm-sig "$A/tpm_quote.sig" --pcrs "$A/tpm_pcrs-sha256.txt" \
		--ak-cert "$A/ak.crt.pem" --ak-chain "$A/ak-intermediates.pem"
}
echo '{"version": 1, "binding": "azure-hcl"}' >"$T/notee.json"
printf '{"version": 1, "tee": {"type": "tdx", "roots": ["%s"]}, "binding": "azure-hcl"}' "$D/tdx/intel-sgx-root-ca.pem" >"$T/teeonly.json"
cat >"$T/real.json" <<JSON
{"version": 1,
 "providers": [{"name": "azure", "roots": ["$D/azure/roots/azure-virtual-tpm-root-2023.pem"]}],
 "tee": {"type": "tdx", "roots": ["$D/tdx/intel-sgx-root-ca.pem"], "tcb_status": ["UpToDate"]},
 "binding": "azure-hcl"}
JSON

t_run 0 "pack the unedited capture" pack "$T/real.cbor" "$A/hcl_report.bin"
t_run 0 "control: the real capture is accepted under the real policy" "$POCTOOL" evidence verify "$T/real.cbor" \
	--policy "$T/real.json" --nonce "$ZERO" --at $AT
t_run 2 "azure-hcl without a tee clause is refused (it would bind nothing)" "$POCTOOL" evidence verify "$T/real.cbor" \
	--policy "$T/notee.json" --nonce "$ZERO" --at $AT
t_has '$.binding' "names the binding"
t_run 0 "producer: the JSON as it was, TD report zeroed" "$PY" "$T/hcl-edit.py" "$A/hcl_report.bin" none "$T/none.bin"
t_run 0 "pack it" pack "$T/none.cbor" "$T/none.bin"
t_run 1 "control: the producer's own output passes the JSON checks, then its zeroed TD report is denied" \
	"$POCTOOL" evidence verify "$T/none.cbor" --policy "$T/teeonly.json" --nonce "$ZERO" --at $AT
t_has "the TD report's" "control: denied for the TD report, not for the JSON"

# variant:expected text in the denial
for spec in "kty-null:not an RSA key" "kty-5:not an RSA key" "kty-missing:not an RSA key" "kty-object:not an RSA key" \
	"kty-nul:not an RSA key" "kid-null:no HCLAkPub key" "n-null:lacks n or e" "n-number:lacks n or e" \
	"e-array:lacks n or e" "n-missing:lacks n or e" "n-nul:lacks n or e" "n-bad-b64:base64url" "n-huge:too long" \
	"n-padded:base64url" "n-std-alphabet:base64url" "n-space:base64url" \
	"keys-null:no \"keys\" array" "keys-missing:no \"keys\" array" "keys-object:no \"keys\" array" \
	"akpub-string:no HCLAkPub key" "akpub-twice:more than one HCLAkPub" "root-array:not one JSON object" \
	"root-null:not one JSON object" "empty:not one JSON object" "deep:not one JSON object" \
	"truncated:not one JSON object"; do
	v=${spec%%:*} want=${spec#*:}
	if ! "$PY" "$T/hcl-edit.py" "$A/hcl_report.bin" "$v" "$T/$v.bin" || ! pack "$T/$v.cbor" "$T/$v.bin" >/dev/null 2>&1; then
		t_fail "$v: producer or pack failed"; continue
	fi
	T_OUT=$("$POCTOOL" evidence verify "$T/$v.cbor" --policy "$T/teeonly.json" --nonce "$ZERO" --at $AT 2>&1); rc=$?
	if [ "$rc" = 1 ] || [ "$rc" = 2 ]; then t_ok "$v: exit $rc, no crash"; else
		t_fail "$v: exit $rc (want 1 or 2)"; printf '%s\n' "$T_OUT" | head -20 | t_diag; fi
	t_has "$want" "$v: the reason names the JSON's fault ($want)"
done
t_done
