#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# poctool's bash completion (data/poctool.bash), sourced into bash: commands, a group's
# subcommands, a command's options as its --help gives them, then files.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
T=$POC_TEST_TMP
mkdir -p "$T/bin" && ln -s "$POCTOOL" "$T/bin/poctool"
# complete LINE: what bash would offer after LINE (the last word completed).
complete_words() {
	PATH="$T/bin:$PATH" bash -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"
		_poctool; printf "%s\n" "${COMPREPLY[@]}"' sh "$POC_SRCDIR/data/poctool.bash" "$@"
}
out=$(complete_words poctool "")
for w in init seal release list show attest keygen import evidence record sim tdx eventlog help; do
	printf '%s\n' "$out" | grep -qx "$w" || { t_fail "poctool <TAB> lacks $w"; continue; }
done
[ "$(printf '%s\n' "$out" | grep -cx 'init\|seal\|evidence')" = 3 ] && t_ok "poctool <TAB>: the commands and groups of --help" ||
	{ t_fail "poctool <TAB>"; printf '%s\n' "$out" | t_diag; }
[ "$(complete_words poctool "se")" = "seal" ] && t_ok "poctool se<TAB>: seal" || t_fail "poctool se<TAB>: $(complete_words poctool se)"
out=$(complete_words poctool evidence "")
[ "$(printf '%s\n' "$out" | sort | tr '\n' ' ')" = "challenge pack verify " ] && t_ok "poctool evidence <TAB>: challenge pack verify" ||
	t_fail "poctool evidence <TAB>: $out"
out=$(complete_words poctool seal --)
want=$("$POCTOOL" seal --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u | tr '\n' ' ')
[ "$(printf '%s\n' "$out" | sort | tr '\n' ' ')" = "$want" ] && t_ok "poctool seal --<TAB>: the options of seal --help ($want)" ||
	t_fail "poctool seal --<TAB>: $out"
out=$(complete_words poctool evidence verify --po)
[ "$out" = "--policy" ] && t_ok "poctool evidence verify --po<TAB>: --policy" || t_fail "evidence verify --po<TAB>: $out"
touch "$T/policy-file.json"
out=$(cd "$T" && complete_words poctool init --policy poli)
[ "$out" = "policy-file.json" ] && t_ok "a file after an option" || t_fail "file completion: $out"
t_done
