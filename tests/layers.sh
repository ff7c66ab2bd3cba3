#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The layering of module/ (README.md "Layout"), checked on every `make check` (TAP):
#   1. every #include "..." of verify/, module/ and sim/ goes down or stays in its layer;
#   2. each layer's sources are listed by its own Makefile fragment, and only pkcs11/ goes
#      into poc-pkcs11.so directly;
#   3. poc-pkcs11.so exports only the PKCS#11 entry points and holds no poc_sim_ code;
#   4. the check itself fails on a copy of the tree with one bad include (it can fail).
#
# Includes name the layer ("tpm/tpm.h"); a bare name ("verr.h") is a header of the same
# folder or of verify/. The allowed matrix (besides the layer itself and verify/):
#
#   layer      may include
#   pkcs11     token crypto store config trace
#   token      tpm tee evidence verifier store config trace
#   evidence   tpm tee store trace
#   verifier   config tee remote trace   (module/verifier/: the module as pocd's client, libcurl)
#   config     tee
#   crypto     store trace
#   tpm        trace
#   tee        store trace
#   store      -
#   trace      -                         (the phase trace: a clock and a file, nothing else)
#   sim        tee store config          (sim/: the simulator's setup, libpocsim)
#   verify     -                         (nothing of module/, sim/ or tools/)
#   remote     -                         (remote/: pocd's protocol, pure like verify/, libpocremote)
#   pocd       remote config             (pocd/: the remote verifier's server; never in the .so)
#
# No layer of module/ includes sim/: the module never links the simulator's setup.
set -u
SRC=${POC_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${POC_BUILDDIR:-$SRC/build}

declare -A ALLOWED=(
	[pkcs11]="token crypto store config trace"
	[token]="tpm tee evidence verifier store config trace"
	[evidence]="tpm tee store trace"
	[verifier]="config tee remote trace"
	[config]="tee"
	[crypto]="store trace"
	[tpm]="trace"
	[tee]="store trace"
	[store]=""
	[trace]=""
	[sim]="tee store config"
	[verify]=""
	[remote]=""
	[pocd]="remote config"
)
MODULE_LAYERS="pkcs11 token evidence verifier config crypto tpm tee store trace"

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
diag() { sed 's/^/# /'; }

# The layer of a source file under root: module/LAYER/..., sim/..., verify/...
layer_of() {
	case $1 in
	module/*/*) local r=${1#module/}; echo "${r%%/*}" ;;
	sim/*) echo sim ;;
	verify/*) echo verify ;;
	remote/*) echo remote ;;
	pocd/*) echo pocd ;;
	*) echo "?" ;;
	esac
}

# check_includes ROOT: prints one line per include that breaks the matrix; exit 1 when any.
check_includes() {
	local root=$1 f layer h target bad=0
	while IFS= read -r f; do
		layer=$(layer_of "$f")
		if [ "$layer" = "?" ]; then
			echo "$f: a module/ file outside every layer folder"
			bad=1
			continue
		fi
		while IFS= read -r h; do
			case $h in
			*/*)
				target=${h%%/*}
				if [ ! -e "$root/module/$h" ] && [ ! -e "$root/$h" ]; then
					echo "$f: #include \"$h\": no such header"
					bad=1
					continue
				fi ;;
			*)
				if [ -e "$root/$(dirname "$f")/$h" ]; then
					target=$layer
				elif [ -e "$root/verify/$h" ]; then
					target=verify
				elif [ "$h" = config.h ]; then
					target=verify # autoconf's config.h: no layer
				else
					echo "$f: #include \"$h\": neither of its folder nor of verify/ (name the layer: \"LAYER/$h\")"
					bad=1
					continue
				fi ;;
			esac
			[ "$target" = "$layer" ] && continue
			[ "$target" = verify ] && [ "$layer" != verify ] && continue
			case " ${ALLOWED[$layer]} " in
			*" $target "*) ;;
			*)
				echo "$f: #include \"$h\": $layer may not include $target (allowed: ${ALLOWED[$layer]:-verify only})"
				bad=1 ;;
			esac
		done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$root/$f")
	done < <(cd "$root" && find module sim verify remote pocd -name '*.[ch]' 2>/dev/null | sort)
	return $bad
}

# 1. The tree's includes.
if out=$(check_includes "$SRC"); then
	ok "every include of module/, sim/, verify/, remote/ and pocd/ goes down the layers or stays in its layer"
else
	not_ok "includes that reach up or sideways"
	printf '%s\n' "$out" | diag
fi

# Every module/ layer folder has been checked (none missing from the matrix, none unknown).
unknown=""
for d in "$SRC"/module/*/; do
	d=$(basename "$d")
	case " $MODULE_LAYERS " in *" $d "*) ;; *) unknown="$unknown $d" ;; esac
done
if [ -z "$unknown" ]; then
	ok "module/ has only the layer folders of the matrix"
else
	not_ok "module/ folders outside the matrix:$unknown"
fi

# 2. Each layer's sources in its own fragment; the .so's own sources only from pkcs11/.
frag_bad=""
for l in $MODULE_LAYERS; do
	am=$SRC/module/$l/$l.am
	[ -f "$am" ] || { frag_bad="$frag_bad $l(no $l.am)"; continue; }
	for f in "$SRC"/module/$l/*.c; do
		rel=${f#"$SRC"/}
		grep -qF -- "$rel" "$am" || frag_bad="$frag_bad $rel"
	done
	others=$(grep -ho 'module/[a-z0-9_]*/[A-Za-z0-9_.-]*' "$am" | grep -v "^module/$l/" | grep -v '^module/poc-pkcs11\.la' || true)
	[ -z "$others" ] || frag_bad="$frag_bad $l.am-lists:$(echo $others)"
done
if [ -z "$frag_bad" ]; then
	ok "every layer's sources are listed by its own fragment (module/LAYER/LAYER.am) and no other"
else
	not_ok "fragments: $frag_bad"
fi
so_srcs=$(sed -n '/^module_poc_pkcs11_la_SOURCES/,/[^\\]$/p' "$SRC/module/pkcs11/pkcs11.am" | grep -o 'module/[^ \\]*')
if [ -n "$so_srcs" ] && ! printf '%s\n' "$so_srcs" | grep -qv '^module/pkcs11/'; then
	ok "poc-pkcs11.so's own sources are pkcs11/ alone (the rest comes through libpocmodule)"
else
	not_ok "poc-pkcs11.so's sources outside pkcs11/: $(printf '%s\n' "$so_srcs" | grep -v '^module/pkcs11/' | tr '\n' ' ')"
fi
if hits=$(grep -En '(^|[ =])sim/[A-Za-z0-9_]+\.(c|h|la)|POC_SIM_LIBS' "$SRC"/module/Makefile.am "$SRC"/module/*/*.am); then
	not_ok "a module/ fragment names the simulator's sources or library"
	printf '%s\n' "$hits" | diag
else
	ok "no module/ fragment links or names the simulator's library"
fi
if hits=$(grep -En '(^|[ =])pocd/[A-Za-z0-9_]+\.(c|h|la)|POC_POCD' "$SRC"/module/Makefile.am "$SRC"/module/*/*.am); then
	not_ok "a module/ fragment names pocd's sources (the .so must never link the server)"
	printf '%s\n' "$hits" | diag
else
	ok "no module/ fragment links or names pocd's sources"
fi

# 3. The built module: its exports and no simulator setup code.
SO=$BUILD/module/.libs/poc-pkcs11.so
if [ ! -f "$SO" ]; then
	not_ok "poc-pkcs11.so not built at $SO"
else
	exports=$(nm -D --defined-only "$SO" | awk '$2 ~ /^[TDBRVWi]$/ { print $3 }' | sort | tr '\n' ' ')
	if [ "$exports" = "C_GetFunctionList C_GetInterface C_GetInterfaceList " ]; then
		ok "nm -D: poc-pkcs11.so exports only C_GetFunctionList, C_GetInterface, C_GetInterfaceList"
	else
		not_ok "nm -D: poc-pkcs11.so exports: $exports"
	fi
	sims=$(nm "$SO" 2>&1 | grep -c 'poc_sim_')
	syms=$(nm "$SO" 2>/dev/null | wc -l)
	if [ "$syms" -gt 100 ] && [ "$sims" = 0 ]; then
		ok "nm: no poc_sim_ symbol in poc-pkcs11.so ($syms symbols read)"
	else
		not_ok "nm: $sims poc_sim_ symbols in poc-pkcs11.so ($syms symbols read; a stripped .so proves nothing)"
	fi
fi

# 4. The check can fail: a copy of the tree, one include at a time reaching up or sideways.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$SRC/module" "$SRC/sim" "$SRC/verify" "$SRC/remote" "$tmp/"
[ -d "$SRC/pocd" ] && cp -r "$SRC/pocd" "$tmp/"
try_bad() { # FILE LINE WANT DESCRIPTION
	local file=$1 line=$2 want=$3 desc=$4 out
	cp "$SRC/$file" "$tmp/$file"
	printf '%s\n' "$line" >> "$tmp/$file"
	if out=$(check_includes "$tmp"); then
		not_ok "$desc: not caught"
	elif printf '%s\n' "$out" | grep -qF -- "$want"; then
		ok "$desc: caught ($(printf '%s\n' "$out" | head -1))"
	else
		not_ok "$desc: caught for another reason"
		printf '%s\n' "$out" | diag
	fi
	cp "$SRC/$file" "$tmp/$file"
}
try_bad module/tpm/tpm.c '#include "token/token.h"' "tpm may not include token" "tpm/ including token/ (upward)"
try_bad module/tee/tee.c '#include "tpm/tpm.h"' "tee may not include tpm" "tee/ including tpm/ (sideways)"
try_bad module/evidence/evidence.c '#include "sim/tdx_sim.h"' "evidence may not include sim" "evidence/ including the simulator's setup"
try_bad module/crypto/key.c '#include "pkcs11/p11_int.h"' "crypto may not include pkcs11" "crypto/ including pkcs11/"
try_bad verify/hex.c '#include "store/files.h"' "verify may not include store" "verify/ including module/"
try_bad module/store/store.c '#include "token_state.h"' "neither of its folder nor of verify/" "a bare include of another layer's header"
try_bad remote/hpke.c '#include "tpm/tpm.h"' "remote may not include tpm" "remote/ including module/ (it is pure)"
try_bad module/verifier/verifier_http.c '#include "token/token.h"' "verifier may not include token" "verifier/ including token/ (upward)"
try_bad remote/answer.c '#include "verifier/verifier.h"' "remote may not include verifier" "remote/ including the module's client (it is pure)"
try_bad verify/hex.c '#include "remote/hpke.h"' "verify may not include remote" "verify/ including remote/ (upward)"
if check_includes "$tmp" >/dev/null; then
	ok "the unchanged copy passes again"
else
	not_ok "the unchanged copy fails"
fi

echo "1..$n"
[ "$failed" = 0 ]
