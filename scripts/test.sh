#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Sets everything up and runs every test: Debian packages, a -Werror build with the
# whole suite, the same suite under AddressSanitizer + UBSan, and each fuzz target for
# a short time, then `make distcheck`. Ends with one "N passed, N failed" line.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
"$top/scripts/deps.sh" || exit 2
[ -d "$top/../shared/testdata/real" ] || { echo "missing ../shared/testdata/real beside the checkout" >&2; exit 2; }

pass=0 fail=0
suite() { # suite NAME BUILDDIR [configure args]
	local name=$1 bdir=$2; shift 2
	echo "==> $name: build"
	if ! "$top/scripts/build.sh" "$bdir" "$@"; then
		echo "==> $name: BUILD FAILED"; fail=$((fail + 1)); return
	fi
	echo "==> $name: make check"
	make -C "$bdir" -s -j"$(nproc)" check >"$bdir/check.out" 2>&1
	local rc=$?
	grep -E '^(PASS|FAIL|ERROR|XPASS|SKIP):' "$bdir/check.out" | grep -vE '^PASS:' || true
	local p f
	p=$(grep -cE '^(PASS|XFAIL):' "$bdir/check.out")
	f=$(grep -cE '^(FAIL|ERROR|XPASS):' "$bdir/check.out")
	pass=$((pass + p)); fail=$((fail + f))
	if [ $rc -ne 0 ]; then
		[ "$f" -gt 0 ] || fail=$((fail + 1))
		for log in $(grep -lE '^(not ok|Bail out)' $(find "$bdir/tests" -name '*.log') 2>/dev/null); do
			echo "---- $log"; grep -E '^(not ok|#|Bail out)' "$log" | head -40
		done
		tail -20 "$bdir/check.out"
	fi
	echo "==> $name: $p checks passed, $f failed"
}

suite "werror" "$top/build" --enable-werror
suite "asan+ubsan" "$top/build-asan" --enable-werror --enable-sanitizers CC=clang

# The release tarball: builds out of a read-only copy of it, runs the whole suite there, installs
# and uninstalls into a temporary prefix (a few minutes: the suite once more).
echo "==> distcheck"
if POC_TESTDATA=$top/../shared/testdata/real make -C "$top/build" -s -j"$(nproc)" distcheck >"$top/build/distcheck.out" 2>&1; then
	pass=$((pass + 1)); echo "==> distcheck: passed"
else
	fail=$((fail + 1)); echo "==> distcheck: FAILED"; grep -E '^(FAIL|ERROR)' "$top/build/distcheck.out"; tail -20 "$top/build/distcheck.out"
fi

echo "==> fuzz: each target ${POC_FUZZ_SECONDS:-20}s"
if "$top/tests/fuzz/run.sh" "${POC_FUZZ_SECONDS:-20}"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi

echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
