#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make bench's pocd part: pocd on a real PostgreSQL 15 + SoftHSM2 (tests/pocd-lib.sh), N honest
# releases end to end (challenge and evidence from swtpm + the simulator first, then each
# release timed by tests/pocd-client: p50/p99 of the POST, which holds the appraisal, the
# transaction, the KEK and the answer), then tests/bench/pocd-phases for verifications/s on one
# core and each phase's share. POC_BENCH_RELEASES (default 30), POC_BENCH_SECONDS (default 5).
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
. "$POC_SRCDIR/tests/pocd-lib.sh" >/dev/null
N=${POC_BENCH_RELEASES:-30}
owner enrol --owner-key "$T/owner.pem" --key-id bench --policy "$T/policy.json" >/dev/null || exit 1
for i in $(seq 1 "$N"); do flow "b$i" bench >/dev/null 2>&1 || { echo "pocd bench: collecting run $i failed"; exit 1; }; done
for i in $(seq 1 "$N"); do
	"$CLIENT" release "$URL" bench "$T/b$i" "$T/b$i.cbor" "$PUB" | sed -n 's/^ms //p'
done | sort -n >"$T/lat"
[ "$(wc -l <"$T/lat")" = "$N" ] || { echo "pocd bench: some releases failed"; exit 1; }
pct() { sed -n "$(( ($1 * N + 99) / 100 ))p" "$T/lat"; }
echo "pocd release latency over $N releases (HTTP POST to answer, loopback): p50 $(pct 50) ms, p99 $(pct 99) ms"
"$POC_BUILDDIR/tests/bench/pocd-phases" "$T/b1.cbor" "$T/policy.json" "$(cat "$T/b1.B")" "$T/verifier.pem" \
	"${POC_BENCH_SECONDS:-5}"
