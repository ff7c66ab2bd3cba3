#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/fuzz/run.sh SECONDS: builds every tests/fuzz/fuzz-*.c with libFuzzer + ASan/UBSan
# against the verify/ sources and runs each for SECONDS, seeded from its corpus folder
# (tests/fuzz/corpus/NAME/) plus the real vectors listed in tests/fuzz/NAME.seeds, with the
# libFuzzer dictionary tests/fuzz/NAME.dict when there is one.
set -uo pipefail
secs=${1:-20}
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build-fuzz
# fuzz-bundle appraises under policies whose roots are the real vectors' certificates.
export POC_TESTDATA=${POC_TESTDATA:-$top/../shared/testdata/real}
mkdir -p "$out"
cflags="-g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I$top/verify"
libs="$(pkg-config --cflags --libs libcrypto tss2-mu libcbor json-c)"
srcs=$(ls "$top"/verify/*.c)
rc=0
for f in "$top"/tests/fuzz/fuzz-*.c; do
	[ -e "$f" ] || continue
	name=$(basename "$f" .c)
	echo "  $name: build"
	if ! clang $cflags -o "$out/$name" "$f" $srcs $libs 2>"$out/$name.build.log"; then
		echo "  $name: BUILD FAILED"; cat "$out/$name.build.log"; rc=1; continue
	fi
	corpus=$out/corpus-$name
	mkdir -p "$corpus"
	[ -d "$top/tests/fuzz/corpus/$name" ] && cp -n "$top/tests/fuzz/corpus/$name"/* "$corpus"/ 2>/dev/null
	if [ -f "$top/tests/fuzz/$name.seeds" ]; then
		while read -r s; do
			[ -n "$s" ] && [ -f "$top/../shared/testdata/real/$s" ] &&
				cp "$top/../shared/testdata/real/$s" "$corpus/seed-$(echo "$s" | tr '/' '_')"
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
