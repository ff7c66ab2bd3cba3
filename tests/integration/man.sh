#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The man pages as built: man --warnings finds nothing; poctool(1) has a section per command of
# `poctool --help`, and each section names exactly the options that command's --help names.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
M=$POC_BUILDDIR/man
for page in poctool.1 poc-pkcs11.conf.5 poc-pkcs11.7; do
	out=$(MANWIDTH=80 man --warnings -l "$M/$page" 2>&1 >/dev/null)
	[ -z "$out" ] && t_ok "man --warnings -l $page: no warning" || { t_fail "man --warnings -l $page"; printf '%s\n' "$out" | t_diag; }
	grep -q "@[a-z_]*@" "$M/$page" && t_fail "$page has an unreplaced @var@" || t_ok "$page: every @var@ replaced"
done
grep -q "^\.I /.*/poc-pkcs11/poc-pkcs11.conf$" "$M/poc-pkcs11.conf.5" && t_ok "poc-pkcs11.conf(5) names the configured path" ||
	t_fail "no configuration path in poc-pkcs11.conf(5)"
# Every configuration key the parser knows is documented in poc-pkcs11.conf(5) and the installed default.
keys=$(sed -n '/key_names\[K_COUNT\]/,/};/p' "$POC_SRCDIR/module/config/configuration.c" | grep -o '"[a-z_]*"' | tr -d '"')
[ -n "$keys" ] || t_fail "no keys read from configuration.c"
for k in $keys; do
	grep -q "^\.BI $k " "$M/poc-pkcs11.conf.5" && grep -q "^#$k = " "$POC_BUILDDIR/data/poc-pkcs11.conf" &&
		t_ok "key $k: in poc-pkcs11.conf(5) and the default configuration" || t_fail "key $k undocumented"
done
grep -q "CKA_POC_ATTESTATION_RECORD" "$M/poc-pkcs11.7" && t_ok "poc-pkcs11(7) documents CKA_POC_ATTESTATION_RECORD" || t_fail "no attribute in poc-pkcs11(7)"

# poctool(1) against poctool --help: the sections of poctool(1) are '.SS "COMMAND"'.
cmds=$("$POCTOOL" --help | sed -nE 's/^  ([a-z]+( [a-z]+)?) +[A-Za-z].*/\1/p' | sort)
manc=$(sed -nE 's/^\.SS "(.*)"$/\1/p' "$M/poctool.1" | sort)
[ -n "$cmds" ] && [ "$cmds" = "$manc" ] &&
	t_ok "poctool(1) has one section per command of poctool --help ($(printf '%s\n' "$cmds" | wc -l))" ||
	{ t_fail "commands differ"; diff <(printf '%s\n' "$cmds") <(printf '%s\n' "$manc") | t_diag; }
opts() { grep -oE -- '--[a-z][a-z0-9-]*' | sort -u | tr '\n' ' '; }
while IFS= read -r c; do
	[ -n "$c" ] || continue
	# shellcheck disable=SC2086
	h=$("$POCTOOL" $c --help 2>&1 | opts)
	m=$(sed -n "/^\.SS \"$c\"$/,/^\.S[SH] /p" "$M/poctool.1" | sed 's/\\-/-/g' | opts)
	[ "$h" = "$m" ] && t_ok "poctool $c: the options of --help and poctool(1) agree" ||
		{ t_fail "poctool $c: options differ"; printf 'help: %s\nman:  %s\n' "$h" "$m" | t_diag; }
done <<<"$manc"
t_done
