#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Fail on a circle in the module graph of src/ and include/.

usage: check-include-graph.py SOURCE_ROOT

A module is a file stem: src/NAME.c with its interface include/NAME.h
(or src/NAME.h).  Module A uses module B when src/A.c, include/A.h or
src/A.h includes "B.h".  The arrows must point down, so no module may
reach itself: a circle (blockdev used storage and storage used blockdev)
means two layers that cannot be read, tested or changed one at a time.
Each circle found is one line naming its modules and the includes that
make it; exit status 1 if there is any.
"""
import re
import sys
from pathlib import Path

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)\.h"', re.M)


def module_graph(root):
    """{module: {used module: file that includes it}} over src/ and include/."""
    files = sorted((root / "src").glob("*.[ch]")) + \
        sorted((root / "include").glob("*.h"))
    headers = {f.stem for f in files if f.suffix == ".h"}
    graph = {}
    for f in files:
        uses = graph.setdefault(f.stem, {})
        for name in INCLUDE.findall(f.read_text()):
            if name in headers and name != f.stem:
                uses.setdefault(name, f.relative_to(root).as_posix())
    return graph


def circles(graph):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    root = Path(sys.argv[1])
    graph = module_graph(root)
    found = circles(graph)
    for component in found:
        members = set(component)
        edges = [f"{graph[a][b]} includes {b}.h"
                 for a in component for b in sorted(graph[a])
                 if b in members]
        print(f"include circle among {', '.join(component)}: "
              f"{'; '.join(edges)} - move what the lower module needs "
              f"below it so that the arrows point one way")
    if not graph:
        print(f"{root}: no src/ or include/ files found - pass the source "
              f"root")
        return 1
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
