#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run one p2p-check case from cases.json and compare with its expectations.

usage: run-check.py P2P_CHECK CASES_JSON CASE

A case gives the command line ("@DUMPS@" and "@PCIUTILS@" name the
fixture directories), optionally a fake sysfs tree to build first, the
exit status, and the expected pairs (listed fields must match exactly,
in order), platform fields, and patterns that warnings, stdout or
stderr must contain.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import mkfixtures  # noqa: E402

PCIUTILS = os.environ.get("P2PCP_PCIUTILS_FIXTURES",
                          "/work/shared/fixtures/pciutils")

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def subset(expected, actual, where):
    for key, want in expected.items():
        if key not in actual:
            fail("%s: no field %r" % (where, key))
        elif isinstance(want, dict) and isinstance(actual[key], dict):
            subset(want, actual[key], "%s.%s" % (where, key))
        elif isinstance(want, list) and want and \
                all(isinstance(w, dict) for w in want) and \
                isinstance(actual[key], list):
            # A list of objects: as many, each holding the listed fields.
            if len(actual[key]) != len(want):
                fail("%s.%s: %d entries, expected %d" % (
                    where, key, len(actual[key]), len(want)))
            for i, (w, a) in enumerate(zip(want, actual[key])):
                subset(w, a, "%s.%s[%d]" % (where, key, i))
        elif actual[key] != want:
            fail("%s.%s = %r, expected %r" % (where, key, actual[key], want))


def build_sysroot(spec, root):
    fns = mkfixtures.TOPOLOGIES[spec["topology"]]
    mkfixtures.write_sysroot(fns, root, spec.get("config_len", 4096),
                             {k: (v if k not in ("p2pmem", "multipath") else
                                  {a: tuple(b) for a, b in v.items()})
                              for k, v in spec.get("extra", {}).items()})


def main():
    prog, cases_file, name = sys.argv[1:4]
    with open(cases_file) as f:
        case = json.load(f)[name]
    # Expectations come from the kernel's rule, not from the tool's output:
    # every case names the rule that gives its verdict, in one line.
    rule = case.get("rule", "")
    if not rule or "\n" in rule:
        fail("case %s: no one-line \"rule\" naming the kernel rule" % name)
        return 1
    print("rule: " + rule)

    tmp = tempfile.TemporaryDirectory()
    args = [a.replace("@DUMPS@", os.path.join(HERE, "dumps"))
             .replace("@PCIUTILS@", PCIUTILS) for a in case["args"]]
    if "@PCIUTILS@" in " ".join(case["args"]) and not os.path.isdir(PCIUTILS):
        print("SKIP: pciutils fixtures not found at " + PCIUTILS)
        return 77
    if "sysroot" in case:
        build_sysroot(case["sysroot"], tmp.name)
        args = ["--sysroot", tmp.name] + args

    env = dict(os.environ)
    env.pop("P2PCP_SYSROOT", None)
    proc = subprocess.run([prog] + args, capture_output=True, text=True,
                          env=env)
    print("$ p2p-check " + " ".join(args))
    print(proc.stdout)
    print(proc.stderr, file=sys.stderr)

    if proc.returncode != case["exit"]:
        fail("exit status %d, expected %d" % (proc.returncode, case["exit"]))
    for pat in case.get("stdout_contains", []):
        if pat not in proc.stdout:
            fail("stdout lacks %r" % pat)
    for pat in case.get("stdout_absent", []):
        if pat in proc.stdout:
            fail("stdout has %r" % pat)
    for pat in case.get("stderr_contains", []):
        if pat not in proc.stderr:
            fail("stderr lacks %r" % pat)

    if "--json" in args and case["exit"] != 3:
        try:
            doc = json.loads(proc.stdout)
        except ValueError as e:
            fail("output is not JSON: %s" % e)
            return 1
        for key in ("platform", "pairs", "warnings", "endpoints"):
            if key not in doc:
                fail("no top-level %r" % key)
        if "pairs" in case:
            got = doc.get("pairs", [])
            if len(got) != len(case["pairs"]):
                fail("%d pairs, expected %d" % (len(got), len(case["pairs"])))
            for i, (want, have) in enumerate(zip(case["pairs"], got)):
                subset(want, have, "pairs[%d]" % i)
        for i, pair in enumerate(doc.get("pairs", [])):
            if pair["class"] not in ("PIX", "PXB", "PHB", "NODE", "SYS"):
                fail("pairs[%d].class %r" % (i, pair["class"]))
            if pair["verdict"] not in ("direct", "host-bridge", "refused",
                                       "unknown", "impossible"):
                fail("pairs[%d].verdict %r" % (i, pair["verdict"]))
        if "copy" in case and doc.get("copy") != case["copy"]:
            fail("copy %r, expected %r" % (doc.get("copy"), case["copy"]))
        if "platform" in case:
            subset(case["platform"], doc.get("platform", {}), "platform")
        if "endpoints" in case:
            have = [(e["pci"], e["nvme"]) for e in doc["endpoints"]]
            want = [(e[0], e[1]) for e in case["endpoints"]]
            if have != want:
                fail("endpoints %r, expected %r" % (have, want))
        warnings = doc.get("warnings", [])
        for pat in case.get("warnings_absent", []):
            if any(re.search(pat, w) for w in warnings):
                fail("a warning matches %r" % pat)
        for pat in case.get("warnings_match", []):
            if not any(re.search(pat, w) for w in warnings):
                fail("no warning matches %r" % pat)
        if "warnings_count" in case and \
                len(warnings) != case["warnings_count"]:
            fail("%d warnings, expected %d" % (len(warnings),
                                               case["warnings_count"]))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
