#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Smoke test of tools/bench (not a benchmark): host mode with tiny sizes
# must run and write bench.json with every host contender, a sweep and the
# RSS pair.  Throughput is not checked.
#   smoke.sh BENCH BUILD-DIR
set -eu
bench=$1
build=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-smoke.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

"$bench" --mode host --quick --build-dir "$build" --out "$tmp/out" \
	--dir "$tmp/data" >"$tmp/log" 2>&1 || {
	cat "$tmp/log"
	exit 1
}
python3 - "$tmp/out/bench.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["host"]
want = ["p2pcp-sysmem", "serial-sysmem", "dd", "fio-read", "fio-write",
        "fio-read+write"]
for n in want:
    c = r["contenders"].get(n)
    assert c is not None, "contender %s missing" % n
    # fio may be absent: a skip is fine, a failure is not.
    assert "failed" not in c, "%s failed: %s" % (n, c["failed"])
    assert "skipped" in c or c["rate_median"] > 0, n
for n in ("p2pcp-sysmem", "serial-sysmem", "dd"):
    assert "runs" in r["contenders"][n], n + " did not run"
assert r["sweep"], "no sweep"
assert len(r["rss"]) == 2, "no RSS pair"
assert r["targets"], "no targets"
k = r["kernel"]
assert k["release"] and k["abi"] and k["build"], "no kernel release: %r" % k
print("ok: bench.json has", ", ".join(sorted(r["contenders"])))
PY
