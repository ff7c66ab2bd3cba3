#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Google Cloud TDX provenance (docs/levels.md): $.providers[].gce_mr_owner checks that the TD's
# MR_OWNER is the SHA-384 of GCE's canonical instance JSON (go-tdx-guest's PZID) for the instance
# the vTPM's AK certificate names. Built with the simulator and swtpm: an AK certificate with GCE
# instance information from a test CA (openssl), TD quotes with MR_OWNER set (sim quote --mr-owner);
# accepted for the matching pair, denied for a swapped MR_OWNER, another instance's certificate,
# a zero MR_OWNER and a certificate without instance information.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
T=$POC_TEST_TMP
. "$POC_SRCDIR/tests/poc-v1-lib.sh"
N=$(printf '%064d' 0 | tr 0 5)

# The public vector (go-tdx-guest gce/pzid_test.go): instance 112233445566778899, project 123456789012.
PZID='{"instanceId":112233445566778899,"numericalProjectId":123456789012,"zone":"us-central1-a"}'
OWNER=$(printf '%s' "$PZID" | sha sha384)
OTHER=$(printf '%s' '{"instanceId":112233445566778898,"numericalProjectId":123456789012,"zone":"us-central1-a"}' | sha sha384)

# A test CA playing Google's EK/AK CA, and AK certificates for swtpm one's AK.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/ca.key" -out "$T/ca.pem" \
	-subj "/CN=poc-pkcs11 test GCE EK-AK CA" -days 30 -addext basicConstraints=critical,CA:TRUE \
	-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
tpm2_readpublic -c "$T/one.ak.ctx" -f pem -o "$T/one.ak.pem" >/dev/null && flush
akcert() { # akcert OUT INSTANCE [noext]
	{ echo "[ext]"; echo "basicConstraints=critical,CA:FALSE"; echo "keyUsage=critical,digitalSignature"
	  [ "${3:-}" = noext ] || { echo "1.3.6.1.4.1.11129.2.1.21=ASN1:SEQUENCE:gce"; echo "[gce]"
		echo "zone=UTF8:us-central1-a"; echo "project_number=INTEGER:123456789012"
		echo "project_id=UTF8:poc-test"; echo "instance_id=INTEGER:$2"; echo "instance_name=UTF8:td-1"; }; } >"$T/ext.cnf"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/throwaway.key" -subj "/CN=td-1 AK" 2>/dev/null |
		openssl x509 -req -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial -days 7 -force_pubkey "$T/one.ak.pem" \
			-extfile "$T/ext.cnf" -extensions ext -out "$1" 2>/dev/null
}
t_run 0 "AK certificate for instance 112233445566778899" akcert "$T/ak.pem" 112233445566778899
t_run 0 "AK certificate for another instance" akcert "$T/ak-other.pem" 112233445566778898
t_run 0 "AK certificate without instance information" akcert "$T/ak-noext.pem" 1 noext

# gcollect RUN MR_OWNER: a poc-v1 TD quote with that MR_OWNER, quoted by swtpm one's AK.
gcollect() { quote_td one "$1" "$N" sha256:0,7 --mr-owner "$2"; }
gpack() { # gpack RUN AKCERT OUT
	"$POCTOOL" evidence pack -o "$3" --nonce "$N" --tdx-quote "$T/$1.td" --collateral "$T/sim/collateral" \
		--tpm-quote "$T/$1.attest" --tpm-sig "$T/$1.sig" --pcrs "$T/$1.pcrs" --ak-pub "$T/one.ak.pub" --ak-cert "$2" >/dev/null
}
cat >"$T/policy.json" <<JSON
{"version": 1, "providers": [{"name": "gcp-test", "roots": ["$T/ca.pem"], "gce_mr_owner": true}],
 "tee": {"type": "tdx", "roots": ["$simroot"], "tcb_status": ["UpToDate"]}, "binding": "poc-v1"}
JSON
sed 's/"gce_mr_owner": true/"gce_mr_owner": false/' "$T/policy.json" >"$T/nocheck.json"
gverify() { "$POCTOOL" evidence verify "$1" --policy "${2:-$T/policy.json}" --nonce "$N"; }

t_run 0 "a TD quote with GCE's PZID in MR_OWNER" gcollect good "$OWNER"
t_run 0 "tdx show prints it" "$POCTOOL" tdx show "$T/good.td"
t_has "${OWNER:0:32}" "MR_OWNER is the PZID vector's SHA-384"
t_run 0 "pack with the instance's AK certificate" gpack good "$T/ak.pem" "$T/good.cbor"
t_run 0 "matching MR_OWNER and AK certificate: accepted" gverify "$T/good.cbor"
t_has "GCE provenance: MR_OWNER is the PZID of instance 112233445566778899 (project 123456789012, us-central1-a)" \
	"the note names the instance"
# Swapped: the TD names another instance; the certificate of another instance; zeros; no instance information.
t_run 0 "a TD quote naming another instance" gcollect swapped "$OTHER"
gpack swapped "$T/ak.pem" "$T/swapped.cbor"
t_run 1 "a swapped MR_OWNER is denied" gverify "$T/swapped.cbor"
t_has "denied: \$.providers[0].gce_mr_owner" "names the clause"
t_has "the TD names another instance" "says why"
t_run 0 "the swapped pair is accepted without the clause (control)" gverify "$T/swapped.cbor" "$T/nocheck.json"
gpack good "$T/ak-other.pem" "$T/othercert.cbor"
t_run 1 "another instance's AK certificate is denied" gverify "$T/othercert.cbor"
t_has "denied: \$.providers[0].gce_mr_owner" "names the clause"
t_run 0 "a TD quote with a zero MR_OWNER" gcollect zero "$(printf '%096d' 0)"
gpack zero "$T/ak.pem" "$T/zero.cbor"
t_run 1 "a zero MR_OWNER is denied" gverify "$T/zero.cbor"
gpack good "$T/ak-noext.pem" "$T/noext.cbor"
t_run 1 "an AK certificate without instance information is denied" gverify "$T/noext.cbor"
t_has "no GCE instance information" "says so"
t_done
