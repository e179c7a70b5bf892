#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Find pipelines whose reader may stop early in shell scripts that run
under `set -o pipefail`.

`WRITER | grep -q PATTERN` (or `| head`, `| grep -m N`, `| sed ...q`) makes
the reader exit at its first match; a writer that has more to say then
gets EPIPE or SIGPIPE, and pipefail turns that into the pipeline's failure
even though the match was found.  Whether it happens depends on how the
writer buffers (PYTHONUNBUFFERED=1 makes python write line by line), so
such a script fails some runs and passes others.  Capture the output
first, then search it.

usage: early-readers.py ROOT            check the project's scripts
       early-readers.py --file FILE...  check these files
       early-readers.py --self-test     the checker finds what it must
Exit 0 when none is found, 1 otherwise (each one printed as FILE:LINE).
"""
import re
import sys
from pathlib import Path

# A reader that stops before its input ends, after a pipe (not "||").
EARLY_READER = re.compile(
    r"(?<![|])\|(?![|])\s*("
    r"grep\b[^|;&]*\s-(?:[a-zA-Z]*q|[a-zA-Z]*m\s*\d*)\b"
    r"|grep\b[^|;&]*--(?:quiet|silent|max-count)"
    r"|head\b"
    r"|sed\b[^|&]*\dq\b"
    r"|awk\b[^|;&]*\bexit\b)")
PIPEFAIL = re.compile(r"^\s*set\s+-[a-zA-Z]*o\s+pipefail|^\s*set\s+-o\s+pipefail", re.M)
SHELL = re.compile(r"^#!.*\b(bash|sh)\b")


def logical_lines(text):
    """Join backslash-continued lines; yield (first line number, text)."""
    buf, start = "", None
    for n, line in enumerate(text.splitlines(), 1):
        if start is None:
            start = n
        if line.rstrip().endswith("\\"):
            buf += line.rstrip()[:-1] + " "
            continue
        yield start, buf + line
        buf, start = "", None
    if start is not None:
        yield start, buf


def findings(path):
    text = path.read_text(errors="replace")
    if not PIPEFAIL.search(text):
        return []
    out = []
    for n, line in logical_lines(text):
        code = line.split(" #", 1)[0]
        if code.lstrip().startswith("#"):
            continue
        if EARLY_READER.search(code):
            out.append(f"{path}:{n}: {line.strip()}")
    return out


def project_scripts(root):
    for sub in ("tools", "tests", ".ci", "debian"):
        for p in sorted((root / sub).rglob("*")):
            if not p.is_file() or "corpus" in p.parts:
                continue
            if p.suffix == ".sh" or (p.suffix == "" and SHELL.match(
                    p.read_text(errors="replace").split("\n", 1)[0])):
                yield p


BAD = ["x | grep -q y", "x 2>/dev/null | grep -Eq y ||", "v=$(x | head -n1)",
       "x | grep -m 1 y", "x | sed -n '1p;1q'", "x |\\\n  grep --quiet y"]
GOOD = ["x || grep -q y f", "grep -q y f", "x | grep y | wc -l", "# x | grep -q y",
        "v=$(x); [[ $v == *y* ]]"]


def self_test():
    import tempfile
    wrong = []
    with tempfile.TemporaryDirectory() as d:
        for lines, want in ((BAD, 1), (GOOD, 0)):
            for line in lines:
                p = Path(d) / "t.sh"
                p.write_text("#!/bin/bash\nset -euo pipefail\n" + line.replace("\\\n", "\\\n") + "\n")
                if len(findings(p)) != want:
                    wrong.append(f"{'missed' if want else 'flagged'}: {line!r}")
                p.write_text("#!/bin/bash\nset -eu\n" + line + "\n")
                if findings(p):
                    wrong.append(f"flagged without pipefail: {line!r}")
    for w in wrong:
        print(w)
    print(f"self-test: {len(BAD) + len(GOOD)} lines, {len(wrong)} wrong")
    return 1 if wrong else 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) >= 2 and argv[1] == "--file":
        files = [Path(f) for f in argv[2:]]
    elif len(argv) == 2:
        files = list(project_scripts(Path(argv[1])))
    else:
        print(__doc__.strip().split("\n\n")[-2], file=sys.stderr)
        return 2
    found = [f for p in files for f in findings(p)]
    for f in found:
        print(f)
    print(f"{len(files)} scripts checked, {len(found)} early readers under pipefail")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
