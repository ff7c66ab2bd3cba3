#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Sizes, checked on every `make check` (TAP; COMMON rule of issue 11):
#   1. no function of verify/, module/, sim/, tools/, remote/, pocd/ over 80 lines, counted from the first line
#      of its signature (at column 0) to its closing brace at column 0;
#   2. no file (.c or .h) there over 600 lines;
#   3. the known exceptions are named exactly in tests/lengths-allow.txt ("FILE" for a file,
#      "FILE:FUNCTION" for a function), only under module/pkcs11/ and module/crypto/, and an
#      entry that is no longer over its limit fails too (the list only shrinks);
#   4. the counter itself catches an 81-line function and a 601-line file and lets an 80-line
#      function and a 600-line file pass (it can fail).
set -u
SRC=${POC_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
ALLOW=$SRC/tests/lengths-allow.txt
MAX_FN=80 MAX_FILE=600

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
diag() { sed 's/^/# /'; }

# "FILE:LINE NAME LENGTH" for every function definition of the files given. The project's
# style puts a function's opening brace alone at column 0 and its closing one at column 0; the
# name is the last identifier before a '(' at depth 0 of the signature (so that
# __attribute__((...)) and STACK_OF(X509) *f(...) name f).
FN_AWK='
function fname(s,    i, c, d, id, last, sp) {
	d = 0; id = ""; last = "?"; sp = 0
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (c ~ /[A-Za-z0-9_]/) { if (sp) id = ""; sp = 0; id = id c; continue }
		if (c == " " || c == "\t") { sp = 1; continue }
		sp = 0
		if (c == "(") { if (d == 0 && id != "" && id != "__attribute__") last = id; d++ }
		else if (c == ")") d--
		id = ""
	}
	return last
}
FNR == 1 { pend = 0; infn = 0; sig = "" }
infn {
	if ($0 ~ /^}/) {
		print FILENAME ":" start " " name " " (FNR - start + 1)
		infn = 0
	}
	next
}
/^\{/ {
	if (pend) { name = fname(sig); infn = 1 }
	pend = 0; sig = ""
	next
}
/^[[:space:]]*$/ || /^#/ || /^}/ { pend = 0; sig = ""; next }
/^[A-Za-z_]/ && !pend { pend = 1; start = FNR; sig = "" }
pend { sig = sig " " $0; if ($0 ~ /;[[:space:]]*$/) { pend = 0; sig = "" } }
'
functions() { awk "$FN_AWK" "$@"; }

# over ROOT: one line per function over MAX_FN ("FILE:FUNCTION LENGTH line N") and per file
# over MAX_FILE ("FILE LENGTH"), paths relative to ROOT.
over() {
	local root=$1 files
	files=$(cd "$root" && find verify module sim tools remote pocd -name '*.[ch]' 2>/dev/null | sort)
	[ -n "$files" ] || return 0
	(cd "$root" && functions $files) |
		awk -v max="$MAX_FN" '$3 > max { split($1, a, ":"); print a[1] ":" $2 " " $3 " line " a[2] }'
	(cd "$root" && wc -l $files) | awk -v max="$MAX_FILE" '$2 != "total" && $1 > max { print $2 " " $1 }'
}

allowed=$(sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$ALLOW" 2>/dev/null)
if [ ! -f "$ALLOW" ]; then
	not_ok "no allow-list at $ALLOW"
fi

# The counter reads the tree: it must find the functions there are (an empty count proves nothing).
files=$(cd "$SRC" && find verify module sim tools remote pocd -name '*.[ch]' 2>/dev/null | sort)
nfn=$(cd "$SRC" && functions $files | wc -l)
nbrace=$(cd "$SRC" && cat $files | grep -c '^{')
if [ "$nfn" -gt 500 ] && [ "$nfn" = "$nbrace" ]; then
	ok "the counter reads $nfn function definitions (one per opening brace at column 0)"
else
	not_ok "the counter reads $nfn function definitions, the tree has $nbrace opening braces at column 0"
fi

# 1-2. What is over, minus the allow-list.
found=$(over "$SRC")
bad_fn="" bad_file="" known="" known_files=""
while IFS= read -r line; do
	[ -n "$line" ] || continue
	key=${line%% *}
	if printf '%s\n' "$allowed" | grep -qxF -- "$key"; then
		case $key in *:*) known="$known $key" ;; *) known_files="$known_files $key" ;; esac
	elif [ "${key#*:}" != "$key" ]; then
		bad_fn="$bad_fn$line"$'\n'
	else
		bad_file="$bad_file$line"$'\n'
	fi
done <<< "$found"
if [ -z "$bad_fn" ]; then
	ok "no function of verify/, module/, sim/, tools/, remote/, pocd/ over $MAX_FN lines (known exceptions:${known:- none})"
else
	not_ok "functions over $MAX_FN lines (split them by job, or name them in tests/lengths-allow.txt)"
	printf '%s' "$bad_fn" | diag
fi
if [ -z "$bad_file" ]; then
	ok "no file of verify/, module/, sim/, tools/, remote/, pocd/ over $MAX_FILE lines (known exceptions:${known_files:- none})"
else
	not_ok "files over $MAX_FILE lines (split them by job into files named for what they do)"
	printf '%s' "$bad_file" | diag
fi

# 3. The allow-list: only pkcs11/ and crypto/, and every entry still over its limit.
stale="" outside=""
while IFS= read -r key; do
	[ -n "$key" ] || continue
	case $key in
	module/pkcs11/* | module/crypto/*) ;;
	*) outside="$outside $key" ;;
	esac
	printf '%s\n' "$found" | awk '{ print $1 }' | grep -qxF -- "$key" || stale="$stale $key"
done <<< "$allowed"
if [ -z "$outside" ]; then
	ok "the allow-list names only module/pkcs11/ and module/crypto/"
else
	not_ok "the allow-list names files outside module/pkcs11/ and module/crypto/:$outside"
fi
if [ -z "$stale" ]; then
	ok "every allow-list entry is still over its limit ($(printf '%s\n' "$allowed" | grep -c .) entries)"
else
	not_ok "allow-list entries no longer over their limit (remove them from tests/lengths-allow.txt):$stale"
fi

# 4. The counter can fail: a tree with a function and a file on each side of the limits.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/verify" "$tmp/module/store" "$tmp/sim" "$tmp/tools"
mkfn() { # NAME LINES: a function of LINES lines, its signature over three lines
	local i
	printf '/* %s */\n__attribute__((unused))\nstatic int %s(int a,\n\t\tint b)\n{\n' "$1" "$1"
	for ((i = 5; i < $2 - 1; i++)); do printf '\ta += b;\n'; done
	printf '\treturn a;\n}\n\n'
}
{
	mkfn fn_at_limit $MAX_FN
	mkfn fn_over 81
	printf 'static const int tab[] = {\n1,\n};\nint decl(int x);\n'
} > "$tmp/module/store/t.c"
for ((i = 0; i < MAX_FILE; i++)); do echo; done > "$tmp/verify/at_limit.h"
for ((i = 0; i <= MAX_FILE; i++)); do echo; done > "$tmp/tools/over.c"
got=$(over "$tmp" | sort | tr '\n' ';')
want="module/store/t.c:fn_over 81 line 84;tools/over.c 601;"
if [ "$got" = "$want" ]; then
	ok "the counter catches an 81-line function and a 601-line file, not an 80-line one nor a 600-line one"
else
	not_ok "the counter on a made-up tree: got '$got', want '$want'"
fi

echo "1..$n"
[ "$failed" = 0 ]
