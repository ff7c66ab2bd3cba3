#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The TDX simulator through poctool: sim init / sim quote / evidence pack / evidence verify.
# The verdicts come from the very verifier that appraises real quotes; the sim is trusted
# only by the policy it writes, never under the real Intel root.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
t_need_testdata
T=$POC_TEST_TMP
N1=$(printf '%064d' 0 | tr 0 a)   # a 32-byte nonce
N2=$(printf '%064d' 0 | tr 0 b)
MRTD2=$(printf '%096d' 0 | tr 0 c)

t_run 0 "sim init --help" "$POCTOOL" sim init --help
t_has "Usage: poctool sim init DIR" "sim init --help prints its usage"
t_run 0 "sim quote --help" "$POCTOOL" sim quote --help
t_run 2 "sim init without DIR is a usage error" "$POCTOOL" sim init
t_run 2 "sim init --mrtd with 47 bytes is a usage error" "$POCTOOL" sim init "$T/bad" --mrtd "$(printf '%094d' 0)"

t_run 0 "sim init" "$POCTOOL" sim init "$T/sim"
MRTD1=$(printf '%s\n' "$T_OUT" | sed -n 's/^  mrtd: \([0-9a-f]*\).*/\1/p')
t_has "policy: $T/sim/policy-fragment.json" "sim init names the policy fragment"
t_has "ppid: " "sim init prints the PPID"
t_has "piid: " "sim init prints the PIID"
t_run 2 "sim init refuses an existing sim" "$POCTOOL" sim init "$T/sim"
[ "$(stat -c %a "$T/sim/qe_att.key")" = 600 ] && t_ok "QE attestation key is 0600" || t_fail "QE attestation key is 0600"
n=$(ls "$T/sim/collateral" | wc -l)
[ "$n" = 9 ] && t_ok "9 collateral files" || t_fail "9 collateral files (have $n)"

t_run 0 "sim quote with the nonce as report data" "$POCTOOL" sim quote "$T/sim" --report-data "$N1" \
	--rtmr "2:$(printf '%096d' 0 | tr 0 2)" -o "$T/q1.bin"
t_run 2 "sim quote: a 65-byte report data is a usage error" "$POCTOOL" sim quote "$T/sim" \
	--report-data "$(printf '%0130d' 0)" -o "$T/x.bin"
t_run 2 "sim quote: RTMR 4 is a usage error" "$POCTOOL" sim quote "$T/sim" --report-data 00 \
	--rtmr "4:$(printf '%096d' 0)" -o "$T/x.bin"
t_run 0 "tdx show reads the sim quote" "$POCTOOL" tdx show "$T/q1.bin"
t_has "$N1" "tdx show prints the nonce in REPORTDATA"
t_run 0 "evidence pack" "$POCTOOL" evidence pack --tdx-quote "$T/q1.bin" --collateral "$T/sim/collateral" -o "$T/b1.cbor"

P=$T/sim/policy-fragment.json
t_run 0 "the sim's own policy accepts its quote" "$POCTOOL" evidence verify "$T/b1.cbor" --policy "$P" --nonce "$N1"
t_has "TCB UpToDate" "TCB UpToDate"
t_has "poc: affirming" "poc: affirming (PPID on the allow-list)"
t_has "TDX simulator: its root is a test root" "the summary says the TEE root is the simulator's"
t_has "nonce: checked" "the nonce was checked"
t_run 1 "another nonce is denied" "$POCTOOL" evidence verify "$T/b1.cbor" --policy "$P" --nonce "$N2"
t_has "\$.binding" "names the binding clause"

# DEBUG: the fragment does not allow it.
t_run 0 "sim init --debug" "$POCTOOL" sim init "$T/dbg" --debug
"$POCTOOL" sim quote "$T/dbg" --report-data "$N1" -o "$T/qd.bin" >/dev/null 2>&1 &&
	"$POCTOOL" evidence pack --tdx-quote "$T/qd.bin" --collateral "$T/dbg/collateral" -o "$T/bd.cbor" >/dev/null 2>&1 ||
	t_fail "debug sim: quote and pack"
t_run 1 "a DEBUG TD is denied" "$POCTOOL" evidence verify "$T/bd.cbor" --policy "$T/dbg/policy-fragment.json" --nonce "$N1"
t_has "\$.tee.debug" "names the debug clause"

# Another sim (another MRTD, another root) under the first sim's policy.
t_run 0 "sim init --mrtd" "$POCTOOL" sim init "$T/other" --mrtd "$MRTD2"
t_has "mrtd: $MRTD2" "sim init prints the given MRTD"
"$POCTOOL" sim quote "$T/other" --report-data "$N1" -o "$T/qo.bin" >/dev/null 2>&1 &&
	"$POCTOOL" evidence pack --tdx-quote "$T/qo.bin" --collateral "$T/other/collateral" -o "$T/bo.cbor" >/dev/null 2>&1 ||
	t_fail "other sim: quote and pack"
t_run 1 "another sim is denied under the first sim's policy" "$POCTOOL" evidence verify "$T/bo.cbor" --policy "$P" --nonce "$N1"
t_has "\$.tee" "names a tee clause"
t_run 0 "the other sim's own policy accepts it" "$POCTOOL" evidence verify "$T/bo.cbor" --policy "$T/other/policy-fragment.json" --nonce "$N1"
# Same root, other MRTD: the mrtd clause.
sed "s/$MRTD1/$MRTD2/" "$P" >"$T/mrtd.json"
t_run 1 "the first sim's quote under a policy with another MRTD" "$POCTOOL" evidence verify "$T/b1.cbor" --policy "$T/mrtd.json" --nonce "$N1"
t_has "\$.tee.mrtd" "names the mrtd clause"

# The real Intel root does not trust the sim.
cat >"$T/intel.json" <<JSON
{"version": 1, "tee": {"type": "tdx", "roots": ["$D/tdx/intel-sgx-root-ca.pem"], "tcb_status": ["UpToDate"]}}
JSON
t_run 1 "the real Intel root denies a sim quote" "$POCTOOL" evidence verify "$T/b1.cbor" --policy "$T/intel.json" --nonce "$N1"
t_has "\$.tee.roots" "names the roots clause"
t_done
