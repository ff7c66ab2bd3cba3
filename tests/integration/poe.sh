#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The $.platforms.poe clause: an Intel POE token, signed by an endorser the policy names,
# endorses the PIID of the simulated platform's PCK certificate for an accepted owner.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
T=$POC_TEST_TMP
POEMAKE=$POC_BUILDDIR/tests/poe-make
now=$(date +%s)

"$POCTOOL" sim init "$T/sim" >/dev/null || { echo "Bail out! sim init"; exit 1; }
"$POCTOOL" sim quote "$T/sim" --report-data 00 -o "$T/q.bin" >/dev/null || { echo "Bail out! sim quote"; exit 1; }
piid=$("$POCTOOL" tdx show "$T/q.bin" | sed -nE 's/^ *piid +([0-9a-f]{32}).*/\1/p')
[ -n "$piid" ] && t_ok "the simulated PCK names a PIID ($piid)" || t_fail "no PIID in the simulated PCK"

# An endorser CA and its signing certificate (the provider's POE signer).
mk() { # mk NAME SUBJ [ISSUER]
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/$1.key" 2>/dev/null
	if [ -z "${3:-}" ]; then
		openssl req -x509 -new -key "$T/$1.key" -subj "/CN=$2" -days 365 -out "$T/$1.pem" \
			-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
	else
		openssl req -new -key "$T/$1.key" -subj "/CN=$2" -out "$T/$1.csr" 2>/dev/null &&
			printf 'keyUsage=critical,digitalSignature\n' >"$T/$1.ext" &&
			openssl x509 -req -in "$T/$1.csr" -CA "$T/$3.pem" -CAkey "$T/$3.key" -CAcreateserial -days 365 \
				-extfile "$T/$1.ext" -out "$T/$1.pem" 2>/dev/null
	fi
}
mk endorser "POE endorser root (test)" && mk signer "POE signer (test)" endorser && mk other "another endorser" ||
	{ echo "Bail out! openssl"; exit 1; }
cat "$T/signer.pem" "$T/endorser.pem" >"$T/chain.pem"
poe() { # poe OUT PIID OWNER
	"$POEMAKE" --key "$T/signer.key" --chain "$T/chain.pem" --piid "$2" --owner "$3" \
		--not-before $((now - 60)) --not-after $((now + 86400)) -o "$1"
}
roots=$(tr -d ' \n' <"$T/sim/policy-fragment.json" | sed -nE 's/.*"tee":\{[^}]*"roots":\["([^"]+)"\].*/\1/p')
cat >"$T/policy.json" <<JSON
{"version": 1, "platforms": {"poe": {"roots": ["$T/endorser.pem"], "owners": ["csp.example"]}},
 "tee": {"type": "tdx", "roots": ["$roots"]}}
JSON
pack_verify() { # pack_verify WANT DESC [--poe FILE]
	local want=$1 desc=$2; shift 2
	"$POCTOOL" evidence pack -o "$T/b.cbor" --tdx-quote "$T/q.bin" "$@" >/dev/null || { t_fail "$desc: pack"; return; }
	t_run "$want" "$desc" "$POCTOOL" evidence verify "$T/b.cbor" --policy "$T/policy.json"
}

t_run 0 "a POE token for the platform's PIID" poe "$T/good.cbor" "$piid" csp.example
pack_verify 0 "accepted with the POE token" --poe "$T/good.cbor"
t_has "poc: affirming (provider POE owner csp.example)" "the POE token is what endorsed it"
pack_verify 1 "denied without a POE token"
t_has "denied: \$.platforms" "names the platforms clause"
poe "$T/wrong-piid.cbor" "$(printf '%032d' 0)" csp.example
pack_verify 1 "a token for another PIID denied" --poe "$T/wrong-piid.cbor"
t_has "PIID" "names the PIID"
poe "$T/wrong-owner.cbor" "$piid" someone.else
pack_verify 1 "a token for another owner denied" --poe "$T/wrong-owner.cbor"
t_has "not an accepted owner" "names the owner"
sed "s|$T/endorser.pem|$T/other.pem|" "$T/policy.json" >"$T/p2.json" && mv "$T/p2.json" "$T/policy.json"
pack_verify 1 "a token from an endorser the policy does not name denied" --poe "$T/good.cbor"
t_done
