#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Writes man/poctool.1.in from poctool's own --help texts: one section per command of
# `poctool --help`, its `poctool COMMAND --help` verbatim (tests/integration/man.sh checks that
# they agree). Usage: scripts/poctool-man.py BUILDDIR/tools/poctool > man/poctool.1.in
import re
import subprocess
import sys

P = sys.argv[1]


def run(*a):
    return subprocess.run([P, *a], capture_output=True, text=True).stdout


def esc(t):
    out = []
    for line in t.splitlines():
        line = line.replace("\\", "\\e")
        if line.startswith((".", "'")):
            line = "\\&" + line
        out.append(line)
    return "\n".join(out)


head = open(sys.argv[0].replace("poctool-man.py", "poctool-man.head")).read()
tail = open(sys.argv[0].replace("poctool-man.py", "poctool-man.tail")).read()
cmds = []
for line in run("--help").splitlines():
    m = re.match(r"^  ([a-z]+(?: [a-z]+)?) +(\S.*)$", line)
    if m:
        cmds.append((m.group(1), m.group(2)))
body = []
for c, d in cmds:
    body += ['.SS "%s"' % c, esc(d[0].upper() + d[1:]) + ".", ".PP", ".nf", esc(run(*c.split(), "--help").rstrip()), ".fi"]
sys.stdout.write(head + "\n".join(body) + "\n" + tail)
