#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/fuzz/run.sh SECONDS [BUILDDIR]: `make -C BUILDDIR fuzz` (tests/fuzz/Makefile.am: every
# tests/fuzz/fuzz-*.c with clang's libFuzzer + ASan/UBSan, linked against the verify/ and module/
# sources) and runs each target for SECONDS, seeded from its corpus folder
# (tests/fuzz/corpus/NAME/) plus the real vectors listed in tests/fuzz/NAME.seeds, with the
# libFuzzer dictionary tests/fuzz/NAME.dict when there is one. BUILDDIR (default
# $POC_BUILDDIR, else ./build) is configured by scripts/build.sh when it is not yet. New inputs
# libFuzzer finds stay in BUILDDIR/tests/fuzz/libfuzzer/corpus-NAME/ (copy the useful ones to
# tests/fuzz/corpus/NAME/: `make check` replays that folder); a crash leaves NAME-crash-* there.
set -uo pipefail
secs=${1:-20}
top=$(cd "$(dirname "$0")/../.." && pwd)
bdir=${2:-${POC_BUILDDIR:-$top/build}}
data=${POC_TESTDATA:-$top/../shared/testdata/real}
# fuzz-bundle appraises under policies whose roots are the real vectors' certificates.
export POC_TESTDATA=$data
if [ ! -f "$bdir/Makefile" ]; then
	"$top/scripts/build.sh" "$bdir" >/dev/null || { echo "  fuzz: cannot configure $bdir"; exit 1; }
fi
out=$bdir/tests/fuzz/libfuzzer
echo "  fuzz: make -C $bdir fuzz"
if ! make -C "$bdir" -s -j"$(nproc)" fuzz >"$bdir/fuzz-build.log" 2>&1; then
	echo "  fuzz: BUILD FAILED"; tail -40 "$bdir/fuzz-build.log"; exit 1
fi
rc=0
for f in "$top"/tests/fuzz/fuzz-*.c; do
	[ -e "$f" ] || continue
	name=$(basename "$f" .c)
	if [ ! -x "$out/$name" ]; then # a fuzz-*.c the fragment does not build
		echo "  $name: not built by make fuzz (add it to POC_FUZZ_TARGETS in tests/fuzz/Makefile.am)"; rc=1; continue
	fi
	corpus=$out/corpus-$name
	mkdir -p "$corpus"
	[ -d "$top/tests/fuzz/corpus/$name" ] && cp -n "$top/tests/fuzz/corpus/$name"/* "$corpus"/ 2>/dev/null
	if [ -f "$top/tests/fuzz/$name.seeds" ]; then
		while read -r s; do
			[ -n "$s" ] && [ -f "$data/$s" ] && cp "$data/$s" "$corpus/seed-$(echo "$s" | tr '/' '_')"
		done <"$top/tests/fuzz/$name.seeds"
	fi
	dict=()
	[ -f "$top/tests/fuzz/$name.dict" ] && dict=(-dict="$top/tests/fuzz/$name.dict")
	if "$out/$name" "${dict[@]}" -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$out/$name-" "$corpus" \
		>"$out/$name.log" 2>&1; then
		echo "  $name: ok ($(grep -m1 -oE 'stat::number_of_executed_units: *[0-9]+' "$out/$name.log" | grep -oE '[0-9]+$') runs)"
	else
		echo "  $name: FAILED"; tail -40 "$out/$name.log"; rc=1
	fi
done
exit $rc
