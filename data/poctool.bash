# SPDX-License-Identifier: Apache-2.0
# bash completion for poctool: commands and each command's options, read from poctool's own
# --help (so they are never out of step), then file names.
_poctool() {
	local cur=${COMP_WORDS[COMP_CWORD]} tool=${COMP_WORDS[0]} cmd= words i
	# The command so far: one word, or a group and its subcommand ("evidence verify").
	local groups
	groups=$("$tool" --help 2>/dev/null | sed -nE 's/^  ([a-z]+) [a-z]+ .*/\1/p' | sort -u)
	if [ "$COMP_CWORD" -ge 2 ]; then
		cmd=${COMP_WORDS[1]}
		if printf '%s\n' $groups | grep -qx -- "$cmd"; then
			[ "$COMP_CWORD" -ge 3 ] && cmd="$cmd ${COMP_WORDS[2]}" || cmd=
			if [ -z "$cmd" ]; then
				words=$("$tool" --help 2>/dev/null | sed -nE "s/^  ${COMP_WORDS[1]} ([a-z]+) .*/\1/p")
				COMPREPLY=($(compgen -W "$words" -- "$cur"))
				return 0
			fi
		fi
	fi
	if [ "$COMP_CWORD" = 1 ]; then
		words=$("$tool" --help 2>/dev/null | sed -nE 's/^  ([a-z]+)( [a-z]+)? .*/\1/p' | sort -u)
		COMPREPLY=($(compgen -W "$words help --version --help" -- "$cur"))
		return 0
	fi
	if [[ $cur == -* ]]; then
		# shellcheck disable=SC2086
		words=$("$tool" $cmd --help 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
		return 0
	fi
	COMPREPLY=($(compgen -f -- "$cur"))
	for i in "${!COMPREPLY[@]}"; do [ -d "${COMPREPLY[$i]}" ] && COMPREPLY[$i]+=/; done
	return 0
}
complete -o nospace -F _poctool poctool
