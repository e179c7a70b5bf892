#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Fail on a tools/mutate-equivalent entry that excuses nothing or gives no reason.

usage: check-equivalents.py SOURCE_ROOT

An entry names a mutant by its line.  When the code moves, the entry
matches no mutant of `tools/mutate --list`, and the mutant it stood for
counts as a survivor again: the file must follow the code, or the score
quietly drifts.  Every entry also sits under a comment (the reason it is
equivalent).  Each finding is one line; exit status 1 if there is any.
"""
import subprocess
import sys
from pathlib import Path


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    root = Path(sys.argv[1])
    listed = subprocess.run([sys.executable, str(root / "tools/mutate"),
                             "--source", str(root), "--list"],
                            capture_output=True, text=True)
    if listed.returncode:
        print("tools/mutate --list failed: " + listed.stdout +
              listed.stderr)
        return 1
    mutants = set(listed.stdout.splitlines())
    bad = 0
    reason = False
    for n, line in enumerate((root / "tools/mutate-equivalent")
                             .read_text().splitlines(), 1):
        entry = line.strip()
        if not entry:
            reason = False
            continue
        if entry.startswith("#"):
            reason = True
            continue
        where = "tools/mutate-equivalent:%d" % n
        if entry not in mutants:
            print("%s: matches no mutant of tools/mutate --list (the code "
                  "moved or changed): move it to the mutant's line, or "
                  "drop it if the code is gone: %s" % (where, entry))
            bad += 1
        elif not reason:
            print("%s: no comment above says why it is equivalent: %s" %
                  (where, entry))
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
