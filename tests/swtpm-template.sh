#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/swtpm-template.sh DIR [N]: the suite's swtpm states, made once per suite (`make check`
# runs this before the tests) instead of one swtpm_setup per test: DIR/0 .. DIR/N-1 (default 2),
# each a TPM 2.0 state manufactured by poc_swtpm_manufacture (tests/swtpm-env.sh) with its own
# test CA. The Nth swtpm a test starts copies DIR/N (so two swtpms in one test are two different
# TPMs); a test that starts more manufactures the rest itself. DIR/key names what made the states
# (swtpm and swtpm_setup versions, the manufacturing code): when it still matches, nothing is done.
set -uo pipefail
dir=${1:?usage: $0 DIR [N]}
n=${2:-2}
here=$(cd "$(dirname "$0")" && pwd)
key="n=$n; $(swtpm --version 2>&1 | head -1); $(swtpm_setup --version 2>&1 | head -1); $(cat "$here/swtpm-env.sh" "$0" | sha256sum | cut -c1-64)"
[ -f "$dir/key" ] && [ "$(cat "$dir/key")" = "$key" ] && exit 0
new=$dir.new.$$
rm -rf "$new"
POC_TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/poc-template.XXXXXX")
. "$here/swtpm-env.sh"
for i in $(seq 0 $((n - 1))); do
	poc_swtpm_manufacture "$new/$i" || { rm -rf "$new"; exit 1; }
done
printf '%s\n' "$key" >"$new/key"
sed -i "s|$new/|$dir/|g" "$new"/*/swtpm-localca.conf "$new"/*/swtpm_setup.conf || { rm -rf "$new"; exit 1; }
rm -rf "$dir"
mv "$new" "$dir"
echo "  SWTPM    $n manufactured states in $dir"
