#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Fuzz the option parsing of the built programs (p2pcp, p2p-check).

Command lines are drawn from the programs' options with hostile values
(odd size spellings, overflows, signs, empty strings, bytes that are not
UTF-8, very long words, abbreviations, repeated and missing arguments)
and run as real processes -- the front-ends are tested as users meet
them, and under the ASan build with sanitizers.  Properties:

  * no death by a signal, no sanitizer report;
  * the exit status is a documented one;
  * a failure says so in one "PROG: " line (plus the --help hint);
  * p2pcp never changes SRC, and a refusal (2, 3) leaves DST unchanged;
  * with --json, stdout is one JSON object (p2pcp: whatever the outcome;
    p2p-check: whenever it gives a verdict).

    fuzz-args.py P2PCP P2P_CHECK DUMPS_DIR [--runs N] [--seed S]
"""

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile

T_EXIT_PASS = 0
T_EXIT_FAIL = 1

SANITIZER_MARKS = ("runtime error:", "AddressSanitizer", "LeakSanitizer",
                   "UndefinedBehaviorSanitizer")
P2PCP_EXITS = {0, 1, 2, 3, 4}

CHECK_EXITS = {0, 1, 2, 3, 4, 5}


def size_value(rng):
    return rng.choice([
        "0", "1", "512", "4096", "4k", "4K", "1M", "1MiB", "64M", "65M",
        "8s", "0s", "1s", "3kB", "1000", "1G", "1T", "2TiB", "010", "0x10",
        "08", "-1", "+4096", " 4096", "4096 ", "4096x", "1e3", "1.5M",
        "18446744073709551615", "18446744073709551616",
        "99999999999999999999999", "9223372036854775808", "", "s", "k",
        "M", "0b", "4096b", "1kib", "1KIB", "\u00b5", "\xff",
        str(rng.randrange(0, 1 << 20)), str(rng.randrange(0, 1 << 64)),
        "%ds" % rng.randrange(0, 1 << 40), "x" * rng.randrange(1, 5000),
    ])


def random_word(rng):
    return rng.choice([
        "", "-", "--", "---", "auto", "0000:03:00.0", "03:00.0",
        "ffffffff:ff:1f.7", "zz:zz.z", "nvme0", "nvme0n1", "/dev/null",
        "p2pmem", "sysmem", "maybe", "\xff\xfe", "a" * 3000,
        "%s%s%n", "\t", "..",
    ])


P2PCP_OPTIONS = [
    ("--chunk-size", size_value), ("--queue-depth", size_value),
    ("--src-offset", size_value), ("--dst-offset", size_value),
    ("--length", size_value), ("--provider", random_word),
    ("--verify", None), ("--verify=sysmem", None), ("--verify=p2pmem", None),
    ("--verify=", None), ("--dry-run", None), ("--json", None),
    ("--jso", None), ("--js", None), ("--progress", None), ("--force", None),
    ("--quiet", None), ("-q", None), ("--sysmem", None), ("--sys", None),
    ("--no-such-option", None), ("-x", None), ("--chunk", size_value),
    ("--length=", None), ("--help", None), ("-V", None),
]

CHECK_OPTIONS = [
    ("-t", None), ("-m", None), ("-j", None), ("--json", None),
    ("--tree", None), ("--matrix", None), ("-c", None), ("--cpu", None),
    ("-k", None), ("--kernel", None), ("-F", None), ("--file", None),
    ("--jso", None), ("-h", None), ("-V", None), ("-q", None),
    ("--bogus", None),
]
CPU_VALUES = ["amd-zen", "amd-pre-zen", "intel", "hygon", "other", "",
              "AMD-ZEN", "zen", "\xff"]
KERNEL_VALUES = ["6.12", "7.2", "6.1.300", "0.0", "255.255.255", "6",
                 "6.", "abc", "", "99999999999.1", "6.12.117-amd64",
                 "4294967296.1"]


def p2pcp_argv(rng, src, dst):
    argv = []
    if rng.random() < 0.85:
        argv.append("--sysmem")
    for _ in range(rng.randrange(0, 6)):
        opt, value = rng.choice(P2PCP_OPTIONS)
        if value is None:
            argv.append(opt)
        elif rng.random() < 0.2:
            argv.append("%s=%s" % (opt, value(rng)))
        else:
            argv += [opt, value(rng)]
    operands = [src, dst]
    r = rng.random()
    if r < 0.05:
        operands = [src]
    elif r < 0.1:
        operands = [src, dst, random_word(rng)]
    elif r < 0.15:
        operands = [random_word(rng), dst]
    elif r < 0.2:
        operands = ["--", src, dst]
    rng.shuffle(argv)
    return argv + operands


def check_argv(rng, dumps):
    argv = []
    for _ in range(rng.randrange(0, 5)):
        opt, _ = rng.choice(CHECK_OPTIONS)
        if opt in ("-c", "--cpu"):
            argv += [opt, rng.choice(CPU_VALUES)]
        elif opt in ("-k", "--kernel"):
            argv += [opt, rng.choice(KERNEL_VALUES)]
        elif opt in ("-F", "--file"):
            argv += [opt, rng.choice(dumps + [random_word(rng)])]
        else:
            argv.append(opt)
    if "-F" not in argv and "--file" not in argv:
        # A capture, not this machine: the answer must not depend on it.
        argv += ["-F", rng.choice(dumps)]
    for _ in range(rng.randrange(0, 3)):
        argv.append(random_word(rng))
    return argv


def digest(path):
    try:
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    except OSError as e:
        return "unreadable: %s" % e


def run(argv, timeout=60):
    """Run as a user would, found on PATH: argv[0] is the bare name."""
    name = "p2pcp" if argv[0].endswith("p2pcp") else "p2p-check"
    out = subprocess.run([name] + argv[1:], executable=argv[0],
                         capture_output=True, timeout=timeout)
    return (out.returncode, out.stdout.decode("utf-8", "replace"),
            out.stderr.decode("utf-8", "replace"))


class Failure(Exception):
    pass


def common_checks(prog, status, exits, err, errors):
    if status < 0:
        raise Failure("killed by signal %d" % -status)
    for mark in SANITIZER_MARKS:
        if mark in err:
            raise Failure("sanitizer report: %s" % err[-2000:])
    if status not in exits:
        raise Failure("exit status %d is not documented" % status)
    if status in errors:
        lines = [line for line in err.splitlines()
                 if line and not line.startswith("Try '")]
        if not any(line.startswith(prog + ": ") for line in lines):
            raise Failure("no '%s: ' message for exit %d: %r" %
                          (prog, status, err[-500:]))


P2PCP_LONG = ["provider", "chunk-size", "queue-depth", "src-offset",
              "dst-offset", "length", "verify", "dry-run", "progress",
              "json", "sysmem", "force", "quiet", "help", "version",
              "sysroot"]
P2PCP_WITH_ARG = {"provider", "chunk-size", "queue-depth", "src-offset",
                  "dst-offset", "length", "sysroot"}
CHECK_LONG = ["tree", "matrix", "json", "file", "cpu", "kernel", "sysroot",
              "help", "version"]
CHECK_WITH_ARG = {"file", "cpu", "kernel", "sysroot"}
CHECK_SHORT_WITH_ARG = "Fck"


def long_option(word, names):
    """The option getopt_long takes @word for ("--jso": "json"), or None."""
    name = word[2:].split("=", 1)[0]
    if name in names:
        return name
    hits = [n for n in names if n.startswith(name)] if name else []
    return hits[0] if len(hits) == 1 else None


def json_requested(argv, names, with_arg, short_with_arg=""):
    """Does getopt see --json (however abbreviated) or -j in @argv?"""
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            return False
        if a.startswith("--"):
            opt = long_option(a, names)
            if opt == "json":
                return True
            if opt in with_arg and "=" not in a:
                i += 1  # its value, whatever it looks like
        elif a.startswith("-") and len(a) > 1:
            for k, ch in enumerate(a[1:]):
                if ch == "j":
                    return True
                if ch in short_with_arg:
                    if k == len(a) - 2:
                        i += 1
                    break
        i += 1
    return False


def test_p2pcp(p2pcp, rng, work):
    src, dst = os.path.join(work, "src.bin"), os.path.join(work, "dst.bin")
    with open(src, "wb") as f:
        f.write(rng.randbytes(65536 + rng.choice([0, 1000])))
    with open(dst, "wb") as f:
        f.write(rng.randbytes(131072))
    argv = p2pcp_argv(rng, src, dst)
    before_src, before_dst = digest(src), digest(dst)
    status, out, err = run([p2pcp] + argv)
    common_checks("p2pcp", status, P2PCP_EXITS, err, P2PCP_EXITS - {0})
    if status != 0 and len([line for line in err.splitlines()
                            if line.startswith("p2pcp: ")]) != 1:
        raise Failure("more than one message line: %r" % err[-1000:])
    if digest(src) != before_src:
        raise Failure("SRC changed")
    if status in (2, 3) and digest(dst) != before_dst:
        raise Failure("refused (exit %d), yet DST changed" % status)
    # Every outcome under --json, however spelt, is one JSON object
    # (issue 10 item 12), usage errors included; --help and --version
    # print text.
    if json_requested(argv, P2PCP_LONG, P2PCP_WITH_ARG) and \
            "--help" not in argv and "-V" not in argv:
        try:
            obj = json.loads(out)
        except ValueError:
            raise Failure("--json, exit %d, stdout is not one JSON object: "
                          "%r" % (status, out[:500]))
        if not isinstance(obj, dict):
            raise Failure("--json printed %r" % type(obj))
    return argv


def test_check(p2p_check, rng, dumps):
    argv = check_argv(rng, dumps)
    status, out, err = run([p2p_check] + argv)
    # Exit 1, 2, 4 and 5 are verdicts; 3 is the usage error.
    common_checks("p2p-check", status, CHECK_EXITS, err, {3})
    json_only = json_requested(argv, CHECK_LONG, CHECK_WITH_ARG,
                               CHECK_SHORT_WITH_ARG) and not any(
        a in ("-t", "-m", "--tree", "--matrix", "-h", "-V") for a in argv)
    # A run that ends in an error message (usage, unreadable capture)
    # owes no JSON; every verdict does.
    if json_only and "p2p-check: " not in err:
        try:
            json.loads(out)
        except ValueError:
            raise Failure("--json, exit %d, stdout is not JSON: %r" %
                          (status, out[:500]))
    return argv


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("p2pcp")
    ap.add_argument("p2p_check")
    ap.add_argument("dumps")
    ap.add_argument("--runs", type=int,
                    default=int(os.environ.get("FUZZ_ARGS_RUNS", 300)))
    ap.add_argument("--seed", type=int,
                    default=random.SystemRandom().randrange(1, 2**31))
    a = ap.parse_args()
    dumps = sorted(os.path.join(a.dumps, f) for f in os.listdir(a.dumps))
    print("fuzz-args: %d runs from seed %d" % (a.runs, a.seed))
    with tempfile.TemporaryDirectory(
            dir=os.environ.get("MESON_BUILD_ROOT")) as work:
        for i in range(a.runs):
            seed = a.seed + i
            rng = random.Random(seed)
            try:
                if i % 2:
                    argv = ["p2p-check"] + test_check(a.p2p_check, rng, dumps)
                else:
                    argv = ["p2pcp"] + test_p2pcp(a.p2pcp, rng, work)
            except (Failure, subprocess.TimeoutExpired) as e:
                print("FAIL seed %d: %s" % (seed, e))
                print("  replay: %s P2PCP P2P_CHECK DUMPS --seed %d --runs 1"
                      % (sys.argv[0], seed))
                return T_EXIT_FAIL
    print("fuzz-args: passed")
    return T_EXIT_PASS


if __name__ == "__main__":
    sys.exit(main())
