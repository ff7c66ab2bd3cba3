#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The docs and the code agree on the mechanisms (TAP):
#   1. docs/module.md's mechanism table has one row per mechanism of C_GetMechanismList, in its
#      order (the values through p11-kit's header and crypto_int.h's and p11_crypto.h's PKCS#11 3.0 additions),
#      with the key sizes and flags C_GetMechanismInfo gives (tests/unit/test-crypto_modes
#      --list prints the module's table);
#   2. README.md's mechanism list names the same mechanisms in the same order.
set -u
SRC=${POC_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${POC_BUILDDIR:-$SRC/build}
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }

p11h=$(pkg-config --variable=includedir p11-kit-1 2>/dev/null)/p11-kit-1/p11-kit/pkcs11.h
[ -f "$p11h" ] || p11h=/usr/include/p11-kit-1/p11-kit/pkcs11.h
# "NAME VALUE" of every CKM_ the module can name.
defs=$( (sed -nE 's/^#define (CKM_[A-Z0-9_]+)[[:space:]]+\((0x[0-9a-fA-F]+|[0-9]+)UL\).*/\1 \2/p' "$p11h"
	sed -nE 's/^#define (CKM_[A-Z0-9_]+)[[:space:]]+(0x[0-9a-fA-F]+)UL.*/\1 \2/p' "$SRC/module/crypto/crypto_int.h" "$SRC/module/crypto/p11_crypto.h") |
	while read -r nm v; do printf '%s 0x%08x\n' "$nm" "$((v))"; done)
# "NAME MIN MAX FLAGS" from the docs' rows: | `CKM_X` | min-max or - | unit | flag, flag |
doc=$(sed -nE 's/^\| `(CKM_[A-Z0-9_]+)` \| ([-0-9]+) \| [a-z-]+ \| ([a-z, -]+) \|$/\1 \2 \3/p' "$SRC/docs/module.md" |
	awk '{ s = $2; if (s == "-") { mn = 0; mx = 0 } else if (index(s, "-")) { split(s, a, "-"); mn = a[1]; mx = a[2] }
	       else { mn = s; mx = s }; f = ""; for (i = 3; i <= NF; i++) f = f $i; print $1, mn, mx, f }')
list=$("$BUILD/tests/unit/test-crypto_modes" --list) || { echo "Bail out! test-crypto_modes --list failed"; exit 1; }
[ -n "$doc" ] && [ -n "$list" ] && [ -n "$defs" ] || { echo "Bail out! no table in docs/module.md or no list"; exit 1; }

# The docs' rows as the module prints them: the name's value, the sizes, the flags.
docvals=$(echo "$doc" | while read -r name mn mx fl; do
	v=$(echo "$defs" | awk -v nm="$name" '$1 == nm {print $2; exit}')
	echo "${v:-unknown:$name} $mn $mx $fl"
done)
if [ "$docvals" = "$list" ]; then
	ok "docs/module.md's table is C_GetMechanismList's, in order, with C_GetMechanismInfo's sizes and flags ($(echo "$list" | wc -l) mechanisms)"
else
	not_ok "docs/module.md's mechanism table and the module disagree (< docs, > module)"
	diff <(echo "$docvals") <(echo "$list") | sed 's/^/# /'
fi

readme=$(awk '/Mechanisms, in `C_GetMechanismList`/ {on = 1} on && /^- / && !/Mechanisms/ {on = 0} on' "$SRC/README.md" |
	sed -nE 's/`(CKM_[A-Z0-9_]+)`/\n\1\n/gp' | grep -E '^CKM_')
if [ "$readme" = "$(echo "$doc" | awk '{print $1}')" ]; then
	ok "README.md lists the same $(echo "$readme" | wc -l) mechanisms in the same order"
else
	not_ok "README.md's mechanism list differs from the table (< README, > docs)"
	diff <(echo "$readme") <(echo "$doc" | awk '{print $1}') | sed 's/^/# /'
fi
echo "1..$n"
[ "$failed" = 0 ]
