#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check debian/control, p2pcp.spec and README.md against the one package
list, tools/lab/packages, so that none of them can drift on its own.

usage: check-package-lists.py SOURCE_ROOT
"""
import re
import sys
from pathlib import Path


def read_list(root):
    rows = []
    for line in (root / "tools/lab/packages").read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        group, deb, rpm = line.split()
        rows.append((group, deb, rpm))
    return rows


def control_field(text, field):
    m = re.search(rf"^{field}:(.*?)(?=^\S)", text, re.S | re.M)
    if not m:
        return set()
    names = set()
    for item in m.group(1).split(","):
        item = re.sub(r"\(.*?\)|<.*?>|\$\{.*?\}", "", item).strip()
        if item:
            names.add(item)
    return names


def main():
    root = Path(sys.argv[1])
    rows = read_list(root)
    problems = []

    control = (root / "debian/control").read_text()
    build_depends = control_field(control, "Build-Depends")
    suggests = control_field(control, "Suggests")
    for group, deb, _ in rows:
        # build-essential is implied by Debian policy, never listed.
        if group == "build" and deb != "build-essential" and deb not in build_depends:
            problems.append(f"debian/control: Build-Depends lacks {deb} (group build)")
        if group in ("lab", "labcases") and deb not in suggests:
            problems.append(f"debian/control: Suggests lacks {deb} (group lab)")

    spec = (root / "p2pcp.spec").read_text()
    requires = {re.sub(r"\s*[<>=].*$", "", r).strip()
                for r in re.findall(r"^BuildRequires:\s*(.+)$", spec, re.M)}
    for group, deb, rpm in rows:
        if group in ("build", "test") and rpm != "-" and rpm not in requires:
            problems.append(f"p2pcp.spec: BuildRequires lacks {rpm} (for {deb})")

    readme = (root / "README.md").read_text()
    m = re.search(r"```sh\napt-get install ((?:[^\n]*\\\n)*[^\n]*)\n", readme)
    listed = set(m.group(1).replace("\\", " ").split()) if m else set()
    for group, deb, _ in rows:
        if group == "build" and deb not in ("build-essential", "ninja-build") \
                and deb not in listed:
            problems.append(f"README.md: the build's apt-get install line lacks {deb}")

    for p in problems:
        print(p)
    print(f"{len(rows)} packages checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
