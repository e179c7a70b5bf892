#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Fail on a src/ file over 600 lines whose header gives no reason.

usage: check-file-size.py SOURCE_ROOT

A file that long is usually several layers in one room; where it is one
layer, its first comment says why, in a sentence starting "One file:".
Each finding is one line naming the file and what to do; exit status 1
if there is any.
"""
import re
import sys
from pathlib import Path

LIMIT = 600
HEADER = re.compile(r"/\*.*?\*/", re.S)


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    root = Path(sys.argv[1])
    files = sorted((root / "src").glob("*.[ch]"))
    if not files:
        print(f"{root}/src: no source files - pass the source root")
        return 1
    bad = 0
    for f in files:
        text = f.read_text()
        lines = text.count("\n")
        if lines <= LIMIT:
            continue
        header = HEADER.search(text)
        if header and "One file:" in header.group(0):
            continue
        bad += 1
        print(f"{f.relative_to(root)}: {lines} lines and no reason in its "
              f"header - split it along its layers, or say in its first "
              f"comment why it is one (\"One file: ...\")")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
