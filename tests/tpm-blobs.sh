# SPDX-License-Identifier: Apache-2.0
# A sealed object opened from outside with tpm2-tools, for the PIN attack tests (attack-pin.sh,
# so.sh): the SRK rebuilt from its template, the object's blobs loaded, its policy satisfied by
# hand. Source after tests/lib.sh; uses $T and $PY, and $NV (the PIN counter to try) in obj_unseal.
: "${T:?set T, the test temp folder, before sourcing tests/tpm-blobs.sh}"
SRKA="fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda|restricted|decrypt"
PCRS=sha256:0,1,2,3,4,5,6,7 # tpm2_policypcr takes at most 8 PCRs
auth() { printf %s "$1" | sha256sum | cut -c1-64; }
# export_blobs TOKEN OBJECT: the index handle and the object's TPM2B_PUBLIC/PRIVATE, read with python.
export_blobs() {
	"$PY" - "$T/store/$1" "$2" "$T" <<'PY'
import cbor2, sys
d, obj, t = sys.argv[1:4]
m = cbor2.load(open(d + "/token.cbor", "rb"))
open(t + "/nv", "w").write("0x%08x\n" % m["pin_nv"])
open(t + "/nv.name", "w").write(m["pin_nv_name"].hex() + "\n")
h = cbor2.loads(cbor2.load(open(d + "/" + obj, "rb"))["header"])
open(t + "/obj.pub", "wb").write(h["sealed"]["pub"])
open(t + "/obj.priv", "wb").write(h["sealed"]["priv"])
PY
}
# obj_unseal PIN: rebuild the SRK from its template (unique: two 32-byte zero coordinates, as the raw
# TPMU_PUBLIC_ID that tpm2_createprimary -u reads), load the object, satisfy its policy, unseal.
{ printf '\x20\x00'; head -c 128 /dev/zero; printf '\x20\x00'; head -c 128 /dev/zero; } >"$T/unique.bin"
obj_unseal() {
	local a rc
	a=$(auth "$1")
	tpm2_flushcontext -t 2>/dev/null
	tpm2_createprimary -C o -g sha256 -G ecc256:aes128cfb -a "$SRKA" -u "$T/unique.bin" -c "$T/srk.ctx" >/dev/null &&
		tpm2_flushcontext -t && tpm2_load -C "$T/srk.ctx" -u "$T/obj.pub" -r "$T/obj.priv" -c "$T/obj.ctx" >/dev/null &&
		tpm2_flushcontext -t || return 9
	tpm2_startauthsession -S "$T/u.ctx" --policy-session || return 9
	tpm2_policypcr -S "$T/u.ctx" -l "$PCRS" >/dev/null && tpm2_policysecret -S "$T/u.ctx" -c "$NV" "hex:${2:-$a}" >/dev/null &&
		tpm2_policyauthvalue -S "$T/u.ctx" >/dev/null &&
		tpm2_unseal -c "$T/obj.ctx" -p "session:$T/u.ctx+hex:$a" -o "$T/k_tpm" 2>"$T/unseal.err"; rc=$?
	tpm2_flushcontext "$T/u.ctx"; tpm2_flushcontext -t 2>/dev/null
	return $rc
}
