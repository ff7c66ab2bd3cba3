#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# scripts/build.sh BUILDDIR [configure args]: bootstrap once, configure out of tree, build.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bdir=$1; shift
cd "$top"
[ -x configure ] && [ configure -nt configure.ac ] || autoreconf -fi >/dev/null
mkdir -p "$bdir"
cd "$bdir"
[ -f Makefile ] && [ config.status -nt "$top/configure" ] || "$top/configure" -q "$@"
make -s -j"$(nproc)"
