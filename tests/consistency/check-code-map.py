#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check README.md's code map against the tree, so that it stays exact.

usage: check-code-map.py SOURCE_ROOT

The code map is the table under "## Code map".  Checked:
- every project path it names in backquotes (src/..., tests/..., tools/...,
  include/..., .ci/..., a trailing / for a directory) exists;
- every helper it credits to a file, written `name()` in the row of that
  file, is defined in that file (a row naming several files: in one of
  them), so a helper is never credited to the wrong file;
- every file in src/, at the top of tools/ and in .ci/ is named in it;
- every header in include/ belongs to the src/ file of the same name, as
  the map says.
Each finding is one line naming the path and what to do; exit status 1
if there is any.
"""
import re
import sys
from pathlib import Path

# First components of the paths the map may name; a backquoted path
# starting elsewhere (drivers/pci/p2pdma.c, /dev/ngXnY) is not ours.
PROJECT_DIRS = ("src", "include", "tests", "tools", ".ci", "man", "debian",
                "completion")
SOURCE_SUFFIXES = (".c", ".h", ".sh", ".py")


def code_map_rows(readme):
    """(line number, first cell, second cell) of the code map's table."""
    lines = readme.splitlines()
    try:
        start = lines.index("## Code map")
    except ValueError:
        return None
    rows = []
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if line.startswith("## "):
            break
        if not line.startswith("|") or re.match(r"^\|[-| ]+\|$", line):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells[0] == "File" or len(cells) < 2:
            continue
        rows.append((i + 1, cells[0], " | ".join(cells[1:])))
    return rows


def quoted(text):
    return re.findall(r"`([^`]+)`", text)


def project_path(token):
    if " " in token or token.startswith(("/", "-")):
        return None
    first = token.split("/", 1)[0]
    if "/" in token and first in PROJECT_DIRS:
        return token
    return None


def defines(path, name):
    """Whether @path defines function or shell helper @name."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return False
    pattern = (r"^\s*%s\s*\(\)" % re.escape(name),       # shell
               r"^[A-Za-z_][\w \*]*\b%s\(" % re.escape(name),  # C
               r"^\s*def %s\(" % re.escape(name))          # Python
    return any(re.search(p, text, re.M) for p in pattern)


def main():
    root = Path(sys.argv[1])
    readme = (root / "README.md").read_text()
    rows = code_map_rows(readme)
    if rows is None:
        print("README.md: no '## Code map' section; add it back")
        return 1
    problems = []
    named = set()
    for lineno, first, rest in rows:
        where = "README.md:%d" % lineno
        files = []
        for token in quoted(first) + quoted(rest):
            path = project_path(token)
            if token.endswith(SOURCE_SUFFIXES) and "/" not in token:
                problems.append("%s: `%s`: name it by its path from the top "
                                "of the tree (e.g. src/%s)" %
                                (where, token, token))
                continue
            if not path:
                continue
            named.add(path.rstrip("/"))
            target = root / path
            if path.endswith("/") and not target.is_dir():
                problems.append("%s: `%s` is no directory in the tree; fix "
                                "the code map" % (where, path))
            elif not path.endswith("/") and not target.exists():
                problems.append("%s: `%s` does not exist; fix the code map "
                                "(renamed or removed?)" % (where, path))
            elif token in quoted(first) and target.is_file():
                files.append(target)
        for token in quoted(rest):
            m = re.fullmatch(r"(\w+)\(\)", token)
            if not m or not files:
                continue
            if not any(defines(f, m.group(1)) for f in files):
                problems.append("%s: `%s` is credited to %s, which does not "
                                "define it; credit the file that does" %
                                (where, token, " or ".join(
                                    str(f.relative_to(root)) for f in files)))

    must_name = []
    for d in ("src", ".ci"):
        must_name += sorted(p for p in (root / d).iterdir() if p.is_file())
    must_name += sorted(p for p in (root / "tools").iterdir() if p.is_file())
    for p in must_name:
        rel = str(p.relative_to(root))
        if p.name == "meson.build" or rel in named:
            continue
        problems.append("README.md: code map: %s is not named; add a row "
                        "(or a mention in its front-end's row) saying what "
                        "it owns" % rel)

    for h in sorted((root / "include").glob("*.h")):
        if not (root / "src" / (h.stem + ".c")).exists():
            problems.append("include/%s: no src/%s.c of the same name, which "
                            "the code map promises; rename one or change the "
                            "map" % (h.name, h.stem))

    for p in problems:
        print(p)
    if not problems:
        print("code map: %d rows, %d paths named, all present; every file "
              "of src/, tools/ and .ci/ mapped" % (len(rows), len(named)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
