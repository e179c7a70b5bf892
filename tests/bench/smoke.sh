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
want = ["p2pcp-sysmem", "p2pcp-sysmem-verify", "serial-sysmem", "dd",
        "fio-read", "fio-write", "fio-read+write"]
for n in want:
    c = r["contenders"].get(n)
    assert c is not None, "contender %s missing" % n
    # fio may be absent: a skip is fine, a failure is not.
    assert "failed" not in c, "%s failed: %s" % (n, c["failed"])
    assert "skipped" in c or c["rate_median"] > 0, n
for n in ("p2pcp-sysmem", "serial-sysmem", "dd"):
    assert "runs" in r["contenders"][n], n + " did not run"
assert r["sweep"], "no sweep"
assert len(r["rss"]) == 4, "no RSS pair of the copy and of --verify"
assert r["targets"], "no targets"
v = r["contenders"]["p2pcp-sysmem-verify"]
assert v["verify_vs_copy_median"] > 0 and v["verify_rate_median"] > 0, v
t = [x["target"] for x in r["targets"] if x["result"] != "n/a"]
assert any(x.startswith("verify rate") for x in t), t
assert any(x.startswith("peak RSS with --verify") for x in t), t
k = r["kernel"]
assert k["release"] and k["abi"] and k["build"], "no kernel release: %r" % k
print("ok: bench.json has", ", ".join(sorted(r["contenders"])))
PY
# Lab mode's kernel record, without booting a guest: the lab side's first
# lines, run by sh with a /lab/config as p2p-lab writes it (its shquote
# quoting, LAB_KERNEL = what it booted), must give tools/bench the release
# and the package, verbose or not; without the file, no package.
python3 - "$bench" "$tmp" "$(dirname "$bench")/p2p-lab" <<'PY'
import importlib.machinery, importlib.util, os, re, subprocess, sys
loader = importlib.machinery.SourceFileLoader("bench", sys.argv[1])
spec = importlib.util.spec_from_loader("bench", loader)
bench = importlib.util.module_from_spec(spec)
loader.exec_module(bench)
booted = "debian 7.3.4+deb13-amd64 (linux-binary-7.3.4+deb13-amd64 " \
    "linux-modules-7.3.4+deb13-amd64)"
# p2p-lab's own quoting function and config line, run by bash.
lab = open(sys.argv[3]).read()
quote = re.search(r"^shquote\(\) \{.*\}$", lab, re.M).group(0)
assert 'echo "LAB_KERNEL=$(shquote "$KERNEL_DESC")"' in lab, \
    "p2p-lab no longer writes LAB_KERNEL to the guest's config"
config = os.path.join(sys.argv[2], "config")
subprocess.run(["bash", "-c", quote + '\necho "LAB_KERNEL=$(shquote '
                '"$KERNEL_DESC")" >"$0"', config], check=True,
               env=dict(os.environ, KERNEL_DESC=booted))
env = dict(os.environ, LAB_CONFIG=config)
env.pop("LAB_KERNEL", None)
out = subprocess.run(["sh", "-c", bench.LAB_PREAMBLE], env=env, check=True,
                     capture_output=True, text=True).stdout
k = bench.lab_kernel(out)
assert k["release"] == os.uname().release, k
assert k["build"], k
assert k["package"] == booted, "lab package: %r" % k
env["LAB_CONFIG"] = config + ".missing"
out = subprocess.run(["sh", "-c", bench.LAB_PREAMBLE], env=env, check=True,
                     capture_output=True, text=True).stdout
assert bench.lab_kernel(out)["package"] is None, out
print("ok: lab kernel record names", k["package"])
PY
