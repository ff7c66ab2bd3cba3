#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# TAP helpers for integration tests. Source after tests/swtpm-env.sh (which owns the temp
# folder and cleanup). Each check prints "ok N - ..." or "not ok N - ..."; call t_done last.
_t_n=0 _t_fail=0
# No terminal on stdin: poctool prompts for a missing PIN only there (a `make check` run from a
# terminal must not wait for one); tests that want the prompt make a pty of their own.
exec </dev/null
D=${POC_TESTDATA:?POC_TESTDATA is not set}
# t_need_testdata: first thing in a test that reads the real vectors ($D): without them the whole
# test is skipped and says why (the TAP driver reports SKIP, never a pass).
t_need_testdata() {
	[ -d "$D" ] && return 0
	echo "1..0 # SKIP the real test vectors are absent: POC_TESTDATA=$D is not a folder (check out ../shared/testdata/real beside the source, or configure POC_TESTDATA=DIR)"
	exit 0
}
POCTOOL=${POCTOOL:?POCTOOL is not set}
# Attack producers written in Python use Debian's interpreter (python3-cbor2, python3-cryptography from deps.sh).
PY=${POC_PYTHON:-/usr/bin/python3}

# t_skip_in_sanitizer_build: for tests whose clients are uninstrumented programs.
t_skip_in_sanitizer_build() {
	if [ -n "${POC_SANITIZERS:-}" ]; then
		echo "1..0 # SKIP uninstrumented clients cannot load the ASan-built module (the gcc build runs this; p11-asan.sh covers the module here)"
		exit 0
	fi
}

t_ok() { _t_n=$((_t_n + 1)); echo "ok $_t_n - $*"; }
t_fail() { _t_n=$((_t_n + 1)); _t_fail=$((_t_fail + 1)); echo "not ok $_t_n - $*"; }
# t_skip WHAT: WHY: one check that cannot run here, counted in the plan and reported by the TAP
# driver as SKIP (never as a pass). Only for what this machine lacks (a tool, a build flavour),
# never for a command that ran and failed.
t_skip() { _t_n=$((_t_n + 1)); echo "ok $_t_n - # SKIP $*"; }
t_diag() { sed 's/^/# /'; }

# t_run WANT_EXIT DESCRIPTION CMD...: runs CMD, output in $T_OUT, checks the exit code.
t_run() {
	local want=$1 desc=$2 rc; shift 2
	T_OUT=$("$@" 2>&1); rc=$?
	if [ "$rc" = "$want" ]; then t_ok "$desc"; else
		t_fail "$desc (exit $rc, want $want)"; printf '%s\n' "$T_OUT" | head -20 | t_diag; fi
	return 0
}
# t_has TEXT DESCRIPTION: the last t_run's output contains TEXT.
t_has() {
	if printf '%s' "$T_OUT" | grep -qF -- "$1"; then t_ok "$2"; else
		t_fail "$2 (output lacks \"$1\")"; printf '%s\n' "$T_OUT" | head -20 | t_diag; fi
}
# t_lacks TEXT DESCRIPTION: the last t_run's output does not contain TEXT.
t_lacks() {
	if printf '%s' "$T_OUT" | grep -qF -- "$1"; then t_fail "$2 (output holds \"$1\")"
		printf '%s\n' "$T_OUT" | head -20 | t_diag; else t_ok "$2"; fi
}
# t_tap_prog MIN OUT DESC CMD...: runs a TAP program (its output in OUT, shown as diagnostics) as one
# check: ok when it exits 0 with no failure and more than MIN checks, else not ok with its failures.
t_tap_prog() {
	local min=$1 out=$2 desc=$3 rc n f
	shift 3
	"$@" >"$out" 2>&1
	rc=$?
	n=$(grep -c '^ok' "$out")
	f=$(grep -c '^not ok' "$out")
	sed 's/^/# /' "$out"
	if [ $rc = 0 ] && [ "$f" = 0 ] && [ "$n" -gt "$min" ]; then
		t_ok "$desc ($n checks)"
	else
		t_fail "$desc (exit $rc, $f of $((n + f)) checks failed)"
		grep -E -A2 '^(not ok|Bail out)' "$out" | head -40 | t_diag
	fi
}
t_done() { echo "1..$_t_n"; [ "$_t_fail" = 0 ] && [ "$_t_n" -gt 0 ]; }
