#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# CI: tests/bench/run.sh --short (about 1 s per measurement), its table as TAP comments. Never
# fails on slow figures or on a peer (SoftHSM2, tpm2-pkcs11) that cannot run: only when
# poc-pkcs11's own measurement could not run.
POC_SRCDIR=${POC_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
export POC_SRCDIR
err=$(mktemp "${TMPDIR:-/tmp}/bench-short.XXXXXX")
trap 'rm -f "$err"' EXIT
if [ -n "${POC_SANITIZERS:-}" ]; then
	echo "1..0 # SKIP figures are meaningless under AddressSanitizer (the gcc build runs the benchmark)"
	exit 0
fi
echo "1..1"
out=$(bash "$POC_SRCDIR/tests/bench/run.sh" --short 2>"$err")
rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
if [ $rc = 0 ]; then
	echo "ok 1 - benchmark ran"
else
	tail -30 "$err" | sed 's/^/# /'
	echo "not ok 1 - benchmark ran (poc-pkcs11 could not be measured, exit $rc)"
fi
