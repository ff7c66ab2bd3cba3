#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The docs and the code agree on the error path (curl's test1477 in spirit, TAP):
#   1. docs/module.md "Errors" has one row per poc_err code of verify/verr.h, same value, same
#      name (poc_strerror), same CK_RV at C_Login and at first use, same exit codes (the maps,
#      as tests/unit/test-errors --table prints them), and no row for a code that does not exist;
#   2. p11_rv_str (module/pkcs11/p11_err.c) names every CKR_ of the PKCS#11 headers
#      (p11-kit's v2.40 header plus module/pkcs11/pkcs11_v3.h: PKCS#11 3.0).
set -u
SRC=${POC_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${POC_BUILDDIR:-$SRC/build}
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }

# "VALUE NAME" from the header's enum.
hdr=$(sed -nE 's/^[[:space:]]*(POC_OK|POC_ERR_[A-Z_]+)[[:space:]]*=[[:space:]]*([0-9]+),.*/\2 \1/p' "$SRC/verify/verr.h")
# "VALUE NAME STRERROR CKR_LOGIN CKR_USE EXIT_CHECK EXIT_OP" from the docs' table.
doc=$(sed -nE 's/^\| ([0-9]+) \| (POC_[A-Z_]+) \| ([^|]+) \| ([^|]+) \| ([^|]+) \| ([0-9]) \| ([0-9]) \|.*/\1 \2|\3|\4|\5|\6|\7/p' "$SRC/docs/module.md" |
	sed -E 's/ *\| */|/g')
[ -n "$hdr" ] && [ -n "$doc" ] || { echo "Bail out! no codes in verr.h or no table in docs/module.md"; exit 1; }
table=$("$BUILD/tests/unit/test-errors" --table) || { echo "Bail out! tests/unit/test-errors --table failed"; exit 1; }

if [ "$(echo "$hdr" | awk '{print $1, $2}')" = "$(echo "$doc" | awk -F'|' '{print $1}')" ]; then
	ok "docs/module.md lists exactly the codes of verr.h, with their values ($(echo "$hdr" | wc -l) codes)"
else
	not_ok "docs/module.md and verr.h disagree on the codes"
	diff <(echo "$hdr" | awk '{print $1, $2}') <(echo "$doc" | awk -F'|' '{print $1}') | sed 's/^/# /'
fi

# The name column against poc_strerror (verr.c's switch), the CKR and exit columns against the maps.
names=$(sed -nE 's/^[[:space:]]*case (POC_OK|POC_ERR_[A-Z_]+): return "([^"]*)";/\1|\2/p' "$SRC/verify/verr.c")
bad=""
while IFS='|' read -r vn name login use xc xo; do
	v=${vn%% *} code=${vn#* }
	want_name=$(echo "$names" | awk -F'|' -v c="$code" '$1 == c {print $2}')
	[ "$name" = "$want_name" ] || bad="$bad $code:name($name/$want_name)"
	got=$(echo "$table" | awk -v v="$v" '$1 == v {print $2, $3, $4, $5}')
	[ "$got" = "$login $use $xc $xo" ] || bad="$bad $code:maps(docs '$login $use $xc $xo', code '$got')"
done <<<"$doc"
if [ -z "$bad" ]; then
	ok "each row's name, CK_RV (C_Login, first use) and exit codes are the code's"
else
	not_ok "rows that the code contradicts:$bad"
fi

# 2. Every CKR_ of the headers has its name in p11_rv_str.
p11h=$(pkg-config --variable=includedir p11-kit-1 2>/dev/null)/p11-kit-1/p11-kit/pkcs11.h
[ -f "$p11h" ] || p11h=/usr/include/p11-kit-1/p11-kit/pkcs11.h
missing=""
for c in $(cat "$p11h" "$SRC/module/pkcs11/pkcs11_v3.h" | grep -oE 'define[[:space:]]+CKR_[A-Z0-9_]+' | awk '{print $2}' | sort -u); do
	[ "$c" = CKR_VENDOR_DEFINED ] && continue
	grep -qE "RV\($c\)," "$SRC/module/pkcs11/p11_err.c" || missing="$missing $c"
done
if [ -z "$missing" ]; then
	ok "p11_rv_str names every CKR_ of PKCS#11 3.0 ($(grep -cE 'RV\(CKR_' "$SRC/module/pkcs11/p11_err.c") names)"
else
	not_ok "p11_rv_str lacks:$missing"
fi
# The check can fail: a row with a wrong value is caught.
if [ "$(echo "$hdr" | awk '{print $1, $2}')" != "$(echo "$doc" | awk -F'|' '{print $1}' | sed '2s/^1 /9 /')" ]; then
	ok "a docs row with another value would be caught"
else
	not_ok "the comparison cannot fail"
fi
echo "1..$n"
[ "$failed" = 0 ]
